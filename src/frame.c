/*
 * frame.c -- parse and build the server protocol's frames (frame.h,
 * docs/protocol.md). Pure.
 */

#include <stdlib.h>
#include <string.h>

#include "frame.h"

static const uint8_t	frame_magic[4] = { 'C', 'T', 'S', 'V' };

static const char *const frame_names[] = {
	"?", "HELLO", "WELCOME", "ERROR", "REQUEST", "EVENT", "STDOUT",
	"STDERR", "STDIN", "EXIT", "TERM_OUT", "TERM_IN"
};

const char *
frame_type_name(unsigned type)
{
	if (type == 0 || type > FRAME_TYPE_LAST)
		return ("?");
	return (frame_names[type]);
}

int
frame_type_is_json(enum frame_type type)
{
	switch (type) {
	case FRAME_HELLO:
	case FRAME_WELCOME:
	case FRAME_ERROR:
	case FRAME_REQUEST:
	case FRAME_EVENT:
	case FRAME_EXIT:
		return (1);
	default:
		return (0);
	}
}

int
frame_parse(const uint8_t *buf, size_t len, struct frame *f, size_t *used,
    const char **why)
{
	uint32_t	plen;
	unsigned	version, type;
	size_t		i;

	/* A wrong magic is reported as soon as its first byte is wrong. */
	for (i = 0; i < len && i < sizeof frame_magic; i++) {
		if (buf[i] != frame_magic[i]) {
			*why = "bad magic (not a clustertop client?)";
			return (-1);
		}
	}
	if (len < FRAME_HEADER)
		return (0);
	version = (unsigned)buf[4] << 8 | buf[5];
	type = (unsigned)buf[6] << 8 | buf[7];
	plen = (uint32_t)buf[8] << 24 | (uint32_t)buf[9] << 16 |
	    (uint32_t)buf[10] << 8 | buf[11];
	if (plen > FRAME_MAX) {
		*why = "frame larger than 1 MiB";
		return (-1);
	}
	if (version == FRAME_PROTOCOL && (type == 0 || type > FRAME_TYPE_LAST)) {
		*why = "unknown frame type";
		return (-1);
	}
	if (len - FRAME_HEADER < plen)
		return (0);
	f->version = version;
	f->type = (enum frame_type)type;
	f->data = buf + FRAME_HEADER;
	f->len = plen;
	*used = FRAME_HEADER + plen;
	return (1);
}

void
frame_header(uint8_t hdr[FRAME_HEADER], enum frame_type type, size_t len)
{
	memcpy(hdr, frame_magic, sizeof frame_magic);
	hdr[4] = (uint8_t)(FRAME_PROTOCOL >> 8);
	hdr[5] = (uint8_t)FRAME_PROTOCOL;
	hdr[6] = (uint8_t)((unsigned)type >> 8);
	hdr[7] = (uint8_t)type;
	hdr[8] = (uint8_t)(len >> 24);
	hdr[9] = (uint8_t)(len >> 16);
	hdr[10] = (uint8_t)(len >> 8);
	hdr[11] = (uint8_t)len;
}

/* --- buffers ----------------------------------------------------------- */

void
frame_buf_add(struct frame_buf *b, const void *p, size_t len)
{
	if (len == 0)
		return;
	if (b->start > 0 && b->end + len > b->size) {
		memmove(b->data, b->data + b->start, b->end - b->start);
		b->end -= b->start;
		b->start = 0;
	}
	if (b->end + len > b->size) {
		if (b->size == 0)
			b->size = 4096;
		while (b->size < b->end + len)
			b->size *= 2;
		if ((b->data = realloc(b->data, b->size)) == NULL)
			abort();
	}
	memcpy(b->data + b->end, p, len);
	b->end += len;
}

void
frame_buf_frame(struct frame_buf *b, enum frame_type type, const void *p,
    size_t len)
{
	uint8_t	hdr[FRAME_HEADER];

	frame_header(hdr, type, len);
	frame_buf_add(b, hdr, sizeof hdr);
	frame_buf_add(b, p, len);
}

size_t
frame_buf_len(const struct frame_buf *b)
{
	return (b->end - b->start);
}

void
frame_buf_drop(struct frame_buf *b, size_t n)
{
	b->start += n;
	if (b->start >= b->end)
		b->start = b->end = 0;
}

void
frame_buf_free(struct frame_buf *b)
{
	free(b->data);
	memset(b, 0, sizeof *b);
}
