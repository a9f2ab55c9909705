/*
 * fuzz-vterm.c -- libFuzzer target for the terminal a node's shell draws
 * on (term.c over libvterm): whatever bytes the node's PTY sends.
 *
 * The first byte picks a size (so resizes are covered), the rest is fed
 * in pieces of varying length, with a resize in the middle. Properties:
 * no crash; every cell is NUL-terminated with a width of 0-2 and colours
 * in -1..255; the cursor is on the screen; the hash is a function of the
 * screen (the same twice); what the terminal answers (DSR, DA) stays
 * bounded by what was fed.
 */

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "term.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
check_screen(struct term *t)
{
	struct term_cell	 cell;
	char			 row[4096];
	int			 rows, cols, r, c, cr, cc, vis;

	term_size(t, &rows, &cols);
	for (r = 0; r < rows; r++) {
		for (c = 0; c < cols; c++) {
			term_cell(t, r, c, &cell);
			if (memchr(cell.ch, '\0', sizeof cell.ch) == NULL ||
			    cell.width < 0 || cell.width > 2 ||
			    cell.fg < -1 || cell.fg > 255 ||
			    cell.bg < -1 || cell.bg > 255)
				abort();
		}
		if (term_row_text(t, r, row, sizeof row) >= sizeof row ||
		    memchr(row, '\0', sizeof row) == NULL)
			abort();
	}
	term_cell(t, rows + 3, cols + 3, &cell);	/* outside: blank */
	term_cursor(t, &cr, &cc, &vis);
	if (cr < 0 || cc < 0 || cr >= rows || cc > cols)
		abort();
	if (term_hash(t, "node1") != term_hash(t, "node1"))
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct term	*t;
	size_t		 at = 0, n, step = 1, outlen;
	int		 rows, cols, resized = 0;

	if (size < 1 || size > 65536)
		return (0);
	rows = 1 + (data[0] & 0x1f);
	cols = 1 + (data[0] >> 5) * 20;
	if ((t = term_new(rows, cols)) == NULL)
		abort();
	data++;
	size--;
	while (at < size) {
		n = step < size - at ? step : size - at;
		term_feed(t, (const char *)data + at, n);
		at += n;
		step = step < 4096 ? step * 2 + 1 : 1;
		if (!resized && at > size / 2) {
			term_resize(t, cols % 50 + 2, rows + 10);
			resized = 1;
		}
		(void)term_output(t, &outlen);
		if (outlen > 64 * (size + 16))
			abort();
		term_output_done(t);
	}
	term_key(t, TERM_KEY_UP, 0);
	term_key(t, TERM_KEY_F0 + 5, TERM_MOD_CTRL);
	term_char(t, 0x1f600, TERM_MOD_ALT);
	term_paste(t, 1);
	term_raw(t, "ls\r", 3);
	term_paste(t, 0);
	(void)term_output(t, &outlen);
	term_output_done(t);
	check_screen(t);
	(void)term_mem(t);
	term_free(t);
	return (0);
}
