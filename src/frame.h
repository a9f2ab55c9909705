/*
 * frame.h -- the server protocol's frames (docs/protocol.md): a 12-byte
 * big-endian header (magic "CTSV", version, type, length) and a payload
 * of at most FRAME_MAX bytes, JSON for some types and raw bytes for
 * others. Pure: no I/O, no globals; unit-tested and fuzzed.
 */
#ifndef CT_FRAME_H
#define CT_FRAME_H

#include <stddef.h>
#include <stdint.h>

#define FRAME_PROTOCOL		1		/* this build's protocol version */
#define FRAME_HEADER		12		/* header bytes */
#define FRAME_MAX		(1024 * 1024)	/* payload bytes, at most */

enum frame_type {
	FRAME_HELLO = 1,	/* JSON, client -> server (frozen) */
	FRAME_WELCOME = 2,	/* JSON, server -> client */
	FRAME_ERROR = 3,	/* JSON {"error": text} (frozen) */
	FRAME_REQUEST = 4,	/* JSON {"op": ...} */
	FRAME_EVENT = 5,	/* JSON {"event": ...} */
	FRAME_STDOUT = 6,	/* raw */
	FRAME_STDERR = 7,	/* raw */
	FRAME_STDIN = 8,	/* raw; empty = EOF */
	FRAME_EXIT = 9,		/* JSON {"status": N} */
	FRAME_TERM_OUT = 10,	/* raw (reserved: TUI) */
	FRAME_TERM_IN = 11,	/* raw (reserved: TUI) */
	FRAME_TYPE_LAST = 11
};

struct frame {
	unsigned	 version;	/* the header's protocol version */
	enum frame_type	 type;
	const uint8_t	*data;		/* borrowed from the parsed buffer */
	size_t		 len;
};

/*
 * Parse one frame at the start of BUF (LEN bytes). Returns 1 with *F and
 * *USED (header + payload bytes), 0 when more bytes are needed, -1 with
 * *WHY (a static string) for a bad frame: wrong magic, a length over
 * FRAME_MAX, or (for this protocol version) an unknown type. A frame of
 * another version is returned (1) with its header read and its type not
 * checked: the caller reports the version mismatch.
 */
int		 frame_parse(const uint8_t *buf, size_t len, struct frame *f,
		     size_t *used, const char **why);
/* 1 if frames of TYPE carry a JSON object. */
int		 frame_type_is_json(enum frame_type);
/* "HELLO", "STDOUT", ... or "?" */
const char	*frame_type_name(unsigned type);
/* Write the 12-byte header for a payload of LEN bytes into HDR. */
void		 frame_header(uint8_t hdr[FRAME_HEADER], enum frame_type,
		     size_t len);

/* A growing byte buffer with a read position (the connection buffers). */
struct frame_buf {
	uint8_t		*data;
	size_t		 start, end, size;
};
void		 frame_buf_add(struct frame_buf *, const void *, size_t);
/* Append one frame (header + payload). */
void		 frame_buf_frame(struct frame_buf *, enum frame_type,
		     const void *, size_t);
size_t		 frame_buf_len(const struct frame_buf *);
void		 frame_buf_drop(struct frame_buf *, size_t);
void		 frame_buf_free(struct frame_buf *);

#endif
