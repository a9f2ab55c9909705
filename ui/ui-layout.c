/*
 * ui-layout.c -- pane rectangles, table columns and the heat-map grid from
 * the terminal size. Pure arithmetic; tests/unit/test-layout.c drives it.
 */

#include <stddef.h>
#include <string.h>

#include "ui.h"

void
ui_layout_screen(int rows, int cols, int header_h, struct ui_layout *l)
{
	memset(l, 0, sizeof *l);
	if (rows < UI_MIN_ROWS || cols < UI_MIN_COLS) {
		l->too_small = 1;
		l->body = (struct ui_rect){ 0, 0, rows > 0 ? rows : 0,
		    cols > 0 ? cols : 0 };
		return;
	}
	/* Keep at least 3 body rows: shrink the header before the body. */
	if (header_h > rows - 4)
		header_h = rows - 4;
	if (header_h < 0)
		header_h = 0;
	l->header = (struct ui_rect){ 0, 0, header_h, cols };
	l->body = (struct ui_rect){ header_h, 0, rows - header_h - 1, cols };
	l->status = (struct ui_rect){ rows - 1, 0, 1, cols };
}

int
ui_layout_columns(const struct ui_colspec *spec, int n, int width, int gap,
    int *x, int *w)
{
	int	i, kept, need, spare, give, best, pos, lowest;

	if (n <= 0)
		return (0);
	for (i = 0; i < n; i++)
		w[i] = spec[i].min;
	/* Drop the lowest priority (the rightmost among equals) until it fits. */
	for (;;) {
		need = 0;
		kept = 0;
		for (i = 0; i < n; i++) {
			if (w[i] > 0) {
				need += w[i];
				kept++;
			}
		}
		if (kept > 1)
			need += gap * (kept - 1);
		if (need <= width || kept == 0)
			break;
		lowest = -1;
		for (i = 0; i < n; i++) {
			if (w[i] > 0 && (lowest < 0 ||
			    spec[i].prio <= spec[lowest].prio))
				lowest = i;
		}
		if (kept == 1) {
			/* The last column gets what there is. */
			w[lowest] = width > 0 ? width : 0;
			if (w[lowest] == 0)
				kept = 0;
			need = w[lowest];
			break;
		}
		w[lowest] = 0;
	}
	/* Share the rest, highest priority first, up to each max. */
	spare = width - need;
	while (spare > 0) {
		best = -1;
		for (i = 0; i < n; i++) {
			if (w[i] > 0 && w[i] < spec[i].max &&
			    (best < 0 || spec[i].prio > spec[best].prio))
				best = i;
		}
		if (best < 0)
			break;
		give = spec[best].max - w[best];
		if (give > spare)
			give = spare;
		w[best] += give;
		spare -= give;
	}
	for (i = 0, pos = 0, kept = 0; i < n; i++) {
		x[i] = pos;
		if (w[i] > 0) {
			pos += w[i] + gap;
			kept++;
		}
	}
	return (kept);
}

int
ui_layout_grid(size_t ncells, int w, int h, int label_w, int *cellw,
    int *percol, int *rows)
{
	int	cw, avail, per;
	size_t	r;

	if (label_w < 0 || label_w > w / 3)
		label_w = 0;
	avail = w - label_w;
	if (avail < 1)
		avail = 1;
	for (cw = 2; cw >= 1; cw--) {
		per = avail / cw;
		if (per < 1)
			per = 1;
		r = (ncells + (size_t)per - 1) / (size_t)per;
		if (r <= (size_t)(h > 0 ? h : 0) || cw == 1) {
			*cellw = cw;
			*percol = per;
			*rows = (int)(r > (size_t)1 << 30 ? 1 << 30 : r);
			return (r <= (size_t)(h > 0 ? h : 0) ? 0 : -1);
		}
	}
	return (-1);	/* not reached */
}

size_t
ui_layout_scroll(size_t cursor, size_t top, size_t n, int h)
{
	size_t	hh;

	if (h <= 0 || n == 0)
		return (0);
	hh = (size_t)h;
	if (cursor >= n)
		cursor = n - 1;
	if (cursor < top)
		top = cursor;
	else if (cursor >= top + hh)
		top = cursor - hh + 1;
	/* No empty rows below the last node when the list could fill them. */
	if (n >= hh && top > n - hh)
		top = n - hh;
	if (n < hh)
		top = 0;
	return (top);
}
