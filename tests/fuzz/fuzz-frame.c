/*
 * fuzz-frame.c -- libFuzzer target for the server protocol's frame parser
 * (src/frame.c), driven the way the server drives it: bytes arrive in
 * pieces into a frame_buf and complete frames are taken off the front.
 *
 * Properties besides not crashing (ASan, UBSan):
 *  - a parsed frame lies inside the bytes given, its length is at most
 *    FRAME_MAX, and a frame of this protocol has a known type;
 *  - feeding the input whole or in odd-sized pieces yields the same
 *    frames and the same verdict (bad frame or not);
 *  - re-encoding a parsed frame of this version gives back its bytes;
 *  - JSON payloads go through cJSON's length-bounded parser.
 */

#include <cjson/cJSON.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "frame.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* Feed DATA in pieces of STEP; return frames seen, -1-n if bad after n. */
static long
feed(const uint8_t *data, size_t len, size_t step, uint32_t *sum)
{
	struct frame_buf b;
	struct frame	 f;
	const char	*why;
	size_t		 off = 0, n, used;
	long		 frames = 0;
	int		 rc;
	uint8_t		 hdr[FRAME_HEADER];
	cJSON		*o;

	memset(&b, 0, sizeof b);
	*sum = 0;
	while (off < len) {
		n = len - off < step ? len - off : step;
		frame_buf_add(&b, data + off, n);
		off += n;
		for (;;) {
			why = NULL;
			rc = frame_parse(b.data + b.start, frame_buf_len(&b),
			    &f, &used, &why);
			if (rc == 0)
				break;
			if (rc == -1) {
				if (why == NULL)
					abort();
				frame_buf_free(&b);
				return (-1 - frames);
			}
			if (f.len > FRAME_MAX || used != FRAME_HEADER + f.len ||
			    used > frame_buf_len(&b) ||
			    f.data != b.data + b.start + FRAME_HEADER)
				abort();
			if (f.version == FRAME_PROTOCOL) {
				if (f.type < 1 || f.type > FRAME_TYPE_LAST)
					abort();
				frame_header(hdr, f.type, f.len);
				if (memcmp(hdr, b.data + b.start,
				    FRAME_HEADER) != 0)
					abort();
				if (frame_type_is_json(f.type)) {
					o = cJSON_ParseWithLength(
					    (const char *)f.data, f.len);
					cJSON_Delete(o);
				}
			}
			*sum = *sum * 31 + (uint32_t)f.type * 7 + (uint32_t)f.len;
			frames++;
			frame_buf_drop(&b, used);
		}
	}
	frame_buf_free(&b);
	return (frames);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	uint32_t	s1, s2;
	long		a, b;

	a = feed(data, len, len > 0 ? len : 1, &s1);
	b = feed(data, len, 7, &s2);
	if (a != b || s1 != s2)
		abort();
	return (0);
}
