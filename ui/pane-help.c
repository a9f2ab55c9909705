/*
 * pane-help.c -- the key list, drawn over the current view from the
 * bindings table (ui-keys.c), so that a new binding documents itself.
 */

#include <curses.h>
#include <stdio.h>
#include <string.h>

#include "ui.h"

/* Lines that are not bindings: moving around, the mouse, the states. */
static const char *const extra[][2] = {
	{ "arrows j k", "move (h l too in the heat map)" },
	{ "PgUp PgDn", "page; Home End (g G) first, last" },
	{ "mouse", "click a row; click the mark column to select;" },
	{ "", "double-click for detail; click a title to sort" },
	{ "", "" },
	{ "STATE", "up, stale (no sample for 2 intervals), connect," },
	{ "", "reconn, unreach, timeout, auth, hostkey" },
	{ "themes", "--theme NAME or T; NO_COLOR=1 for none" },
	{ "", "" },
	{ "phases", "1-9 or Enter: dry run; Enter or y on it runs," },
	{ "", "n or Esc does not; A all; f failed nodes only;" },
	{ "", "o last output; g grouped/per node; x stop" },
	{ "b ^]", "broadcast menu: v view, n p node, x out/in, a all in," },
	{ "", "r new shells, Enter type again, ^] send ^], q close" },
	{ "", "" },
	{ "CONSOLE", "after :  Up Down history, Enter runs, ^C cancels" },
	{ "Tab", "next block (S-Tab back); j k PgUp PgDn scroll" },
	{ "d s", "diff against the largest block; select its nodes" },
	{ "y w", "copy the block (OSC 52 + file); save all results" },
	{ "W h l", "wrap long lines, or cut them and scroll sideways" },
	{ "-u N", ": -u SECONDS CMD gives CMD a timeout" },
	{ "Esc", "back to the table (or out of the diff)" },
};

static int
help_lines(void)
{
	const struct ui_binding	*b;
	int			 n = 0;

	for (b = ui_bindings; b->fn != NULL; b++)
		n += b->help != NULL;
	return (n + 1 + (int)(sizeof extra / sizeof extra[0]));
}

static void
help_draw(struct ui *ui, const struct ui_rect *r)
{
	const struct ui_binding	*b;
	unsigned long		 box = ui_attr(THEME_STATUS, UI_PLAIN);
	unsigned long		 key = ui_attr(THEME_STATUS_KEY, UI_PLAIN);
	int			 w, h, x, y, line, total, i, bx, by;

	total = help_lines();
	w = r->w - 4 < 72 ? r->w - 4 : 72;
	h = r->h - 2 < total + 2 ? r->h - 2 : total + 2;
	if (w < 20 || h < 4)
		return;
	bx = r->x + (r->w - w) / 2;
	by = r->y + (r->h - h) / 2;
	if (ui->help_top > (size_t)(total - (h - 2) > 0 ? total - (h - 2) : 0))
		ui->help_top = (size_t)(total - (h - 2) > 0 ?
		    total - (h - 2) : 0);
	for (y = 0; y < h; y++)
		ui_fill(by + y, bx, w, box);
	ui_putf(by, bx + 2, w - 4, box | A_BOLD,
	    "clustertop keys%s", total > h - 2 ? " (scroll with arrows)" :
	    "");
	ui_put(by + h - 1, bx + w - 24, 22, box, "any of ? q Esc closes");
	x = bx + 2;
	line = 0;
	y = by + 1;
	for (b = ui_bindings; b->fn != NULL; b++) {
		if (b->help == NULL)
			continue;
		if (line++ < (int)ui->help_top || y >= by + h - 1)
			continue;
		ui_fill(y, x, 9, key);
		ui_put(y, x + 1, 8, key, b->keyname);
		ui_put(y, x + 11, w - 13, box, b->help);
		y++;
	}
	for (i = 0; i < (int)(sizeof extra / sizeof extra[0]); i++) {
		if (line++ < (int)ui->help_top || y >= by + h - 1)
			continue;
		if (extra[i][0][0] != '\0') {
			ui_fill(y, x, 9, key);
			ui_put(y, x + 1, 8, key, extra[i][0]);
		}
		ui_put(y, x + 11, w - 13, box, extra[i][1]);
		y++;
	}
}

static int
help_key(struct ui *ui, int key)
{
	switch (key) {
	case KEY_UP:
	case 'k':
		if (ui->help_top > 0)
			ui->help_top--;
		return (1);
	case KEY_DOWN:
	case 'j':
		ui->help_top++;
		return (1);
	case KEY_PPAGE:
		ui->help_top = ui->help_top > 10 ? ui->help_top - 10 : 0;
		return (1);
	case KEY_NPAGE:
		ui->help_top += 10;
		return (1);
	}
	return (0);
}

const struct pane_kind pane_help_kind = {
	.name = "help",
	.draw = help_draw,
	.key = help_key,
	.mouse = NULL
};
