/*
 * fuzz-escape.c -- libFuzzer target for console_escape(), which makes node
 * output safe to draw outside a terminal view.
 *
 * Properties, for UTF-8 on and off and a few widths and scroll offsets:
 * no crash; the output is NUL-terminated inside OUTSIZE; it holds no C0
 * control, no DEL, no C1 control and no bidi override (U+202A-202E,
 * U+2066-2069); with UTF8 0 no byte >= 0x80; no more columns than asked.
 */

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "console.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
check(const char *out, size_t outsize, int utf8)
{
	const unsigned char	*p = (const unsigned char *)out;
	const unsigned char	*end = memchr(p, '\0', outsize);

	if (end == NULL)
		abort();
	for (; p < end; p++) {
		if (*p < 0x20 || *p == 0x7f)
			abort();
		if (!utf8 && *p >= 0x80)
			abort();
		/* C1 as UTF-8: C2 80-9F. */
		if (p[0] == 0xc2 && p + 1 < end && p[1] >= 0x80 && p[1] <= 0x9f)
			abort();
		/* U+202A-202E (E2 80 AA-AE), U+2066-2069 (E2 81 A6-A9). */
		if (p[0] == 0xe2 && p + 2 < end &&
		    ((p[1] == 0x80 && p[2] >= 0xaa && p[2] <= 0xae) ||
		    (p[1] == 0x81 && p[2] >= 0xa6 && p[2] <= 0xa9)))
			abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const int	 widths[] = { 1, 7, 80, 400 };
	static const size_t	 skips[] = { 0, 3, 81 };
	char			*out;
	size_t			 outsize, w, s;
	int			 utf8, cols, cut;

	for (utf8 = 0; utf8 <= 1; utf8++) {
		for (w = 0; w < sizeof widths / sizeof widths[0]; w++) {
			for (s = 0; s < sizeof skips / sizeof skips[0]; s++) {
				outsize = 8 * (size_t)widths[w] + 16;
				/* Exact size: ASan sees any overrun. */
				if ((out = malloc(outsize)) == NULL)
					abort();
				cut = -1;
				cols = console_escape((const char *)data, size,
				    utf8, skips[s], widths[w], out, outsize,
				    &cut);
				if (cols < 0 || cols > widths[w] ||
				    (cut != 0 && cut != 1))
					abort();
				check(out, outsize, utf8);
				free(out);
			}
		}
	}
	return (0);
}
