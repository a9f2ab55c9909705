/*
 * base64.c -- RFC 4648 base64 encoding (with padding).
 */

#include <stdint.h>
#include <stdlib.h>

#include "base64.h"

static const char	 base64_tbl[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

size_t
base64_len(size_t len)
{
	return ((len + 2) / 3 * 4);
}

size_t
base64_encode_to(char *out, const void *in, size_t len)
{
	const unsigned char	*p = in;
	char			*o = out;
	size_t			 i;
	uint32_t		 v;

	for (i = 0; i + 2 < len; i += 3) {
		v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];
		*o++ = base64_tbl[v >> 18];
		*o++ = base64_tbl[(v >> 12) & 63];
		*o++ = base64_tbl[(v >> 6) & 63];
		*o++ = base64_tbl[v & 63];
	}
	if (i < len) {
		v = (uint32_t)p[i] << 16;
		if (i + 1 < len)
			v |= (uint32_t)p[i + 1] << 8;
		*o++ = base64_tbl[v >> 18];
		*o++ = base64_tbl[(v >> 12) & 63];
		*o++ = i + 1 < len ? base64_tbl[(v >> 6) & 63] : '=';
		*o++ = '=';
	}
	*o = '\0';
	return ((size_t)(o - out));
}

char *
base64_encode(const void *p, size_t len)
{
	char	*out;

	if ((out = malloc(base64_len(len) + 1)) == NULL)
		abort();
	base64_encode_to(out, p, len);
	return (out);
}
