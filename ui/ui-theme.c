/*
 * ui-theme.c -- struct theme (src/theme.h) to curses colour pairs. The
 * only file that names COLOR_* or calls init_pair.
 *
 * Each role gets up to three pairs: on its own background, on the
 * alternate-row background and on the cursor-row background, so that a
 * red value stays red on the cursor row. Terminals with fewer pairs get
 * one pair per role (the cursor row then uses reverse video); terminals
 * with fewer than 256 colours get the nearest of their 8 or 16.
 */

#include <curses.h>
#include <stdlib.h>

#include "ui.h"

static unsigned long	role_attr[THEME_NROLES][UI_NVARIANTS];

/* The xterm palette entries 0-15 as RGB. */
static const unsigned char base16[16][3] = {
	{ 0, 0, 0 }, { 205, 0, 0 }, { 0, 205, 0 }, { 205, 205, 0 },
	{ 0, 0, 238 }, { 205, 0, 205 }, { 0, 205, 205 }, { 229, 229, 229 },
	{ 127, 127, 127 }, { 255, 0, 0 }, { 0, 255, 0 }, { 255, 255, 0 },
	{ 92, 92, 255 }, { 255, 0, 255 }, { 0, 255, 255 }, { 255, 255, 255 }
};

static void
palette_rgb(short c, int *r, int *g, int *b)
{
	static const int steps[6] = { 0, 95, 135, 175, 215, 255 };
	int	 i;

	if (c < 16) {
		*r = base16[c][0];
		*g = base16[c][1];
		*b = base16[c][2];
	} else if (c < 232) {
		i = c - 16;
		*r = steps[i / 36];
		*g = steps[(i / 6) % 6];
		*b = steps[i % 6];
	} else {
		*r = *g = *b = 8 + 10 * (c - 232);
	}
}

short
ui_theme_nearest(short c, int ncolours)
{
	int	r, g, b, mx, mn, mid, lum, out;

	if (c < 0 || c < ncolours)
		return (c);
	palette_rgb(c, &r, &g, &b);
	mx = r > g ? (r > b ? r : b) : (g > b ? g : b);
	mn = r < g ? (r < b ? r : b) : (g < b ? g : b);
	lum = (r + g + b) / 3;
	if (mx - mn < 40) {
		/* A grey: black, dark grey, light grey or white. */
		if (ncolours < 16)
			return (lum < 100 ? COLOR_BLACK : COLOR_WHITE);
		return (lum < 60 ? 0 : lum < 150 ? 8 : lum < 215 ? 7 : 15);
	}
	/* A colour: keep its hue, the channels above the middle. */
	mid = (mx + mn) / 2;
	out = (r > mid ? 1 : 0) | (g > mid ? 2 : 0) | (b > mid ? 4 : 0);
	if (ncolours >= 16 && mx >= 235 && lum >= 85)
		out += 8;
	return ((short)out);
}

static attr_t
theme_attrs(unsigned a)
{
	attr_t	out = A_NORMAL;

	if (a & THEME_ATTR_BOLD)
		out |= A_BOLD;
	if (a & THEME_ATTR_DIM)
		out |= A_DIM;
	if (a & THEME_ATTR_UNDERLINE)
		out |= A_UNDERLINE;
	if (a & THEME_ATTR_REVERSE)
		out |= A_REVERSE;
	if (a & THEME_ATTR_STANDOUT)
		out |= A_STANDOUT;
#ifdef A_ITALIC
	if (a & THEME_ATTR_ITALIC)
		out |= A_ITALIC;
#endif
	return (out);
}

/* Resolve a colour for this terminal; keep FG readable on BG. */
static void
resolve(short fg, short bg, short *rfg, short *rbg)
{
	*rfg = ui_theme_nearest(fg, COLORS);
	*rbg = ui_theme_nearest(bg, COLORS);
	if (*rfg >= 0 && *rfg == *rbg && fg != bg)
		*rfg = (*rbg == COLOR_BLACK || *rbg == 8) ? COLOR_WHITE :
		    COLOR_BLACK;
}

void
ui_theme_apply(const struct theme *t, int colour)
{
	const struct theme_style	*s, *alt, *cur;
	short				 bg, fg, vbg, rfg, rbg, pair;
	int				 r, v, variants;

	alt = &t->role[THEME_ROW_ALT];
	cur = &t->role[THEME_CURSOR];
	if (!colour || t->monochrome || !has_colors() || COLORS < 8 ||
	    COLOR_PAIRS < THEME_NROLES + 1) {
		for (r = 0; r < THEME_NROLES; r++) {
			s = &t->role[r];
			role_attr[r][UI_PLAIN] = theme_attrs(s->attrs);
			role_attr[r][UI_ALT] = role_attr[r][UI_PLAIN] |
			    theme_attrs(alt->attrs);
			role_attr[r][UI_CURSOR] = role_attr[r][UI_PLAIN] |
			    theme_attrs(cur->attrs) | A_REVERSE;
			/* Cursor role itself is reverse already. */
			if (r == THEME_CURSOR)
				role_attr[r][UI_CURSOR] =
				    role_attr[r][UI_PLAIN];
		}
		bkgdset(' ' | (chtype)role_attr[THEME_DEFAULT][UI_PLAIN]);
		return;
	}
	variants = COLOR_PAIRS > THEME_NROLES * UI_NVARIANTS + 1 ?
	    UI_NVARIANTS : 1;
	for (r = 0; r < THEME_NROLES; r++) {
		s = &t->role[r];
		fg = s->fg;
		bg = s->bg >= 0 ? s->bg : t->background;
		for (v = 0; v < UI_NVARIANTS; v++) {
			vbg = bg;
			/* Variants recolour only roles on the plain background. */
			if (s->bg < 0 && v == UI_ALT && alt->bg >= 0)
				vbg = alt->bg;
			if (s->bg < 0 && v == UI_CURSOR && cur->bg >= 0)
				vbg = cur->bg;
			if (v >= variants) {
				role_attr[r][v] = role_attr[r][UI_PLAIN];
				if (v == UI_CURSOR)
					role_attr[r][v] |= A_REVERSE;
				continue;
			}
			pair = (short)(1 + r * variants + v);
			resolve(fg < 0 && v == UI_CURSOR && s->bg < 0 ?
			    cur->fg : fg, vbg, &rfg, &rbg);
			init_pair(pair, rfg, rbg);
			role_attr[r][v] = COLOR_PAIR(pair) |
			    theme_attrs(s->attrs);
			if (v == UI_CURSOR && s->bg < 0)
				role_attr[r][v] |= theme_attrs(cur->attrs);
		}
	}
	bkgdset(' ' | (chtype)role_attr[THEME_DEFAULT][UI_PLAIN]);
}

unsigned long
ui_attr(enum theme_role r, enum ui_variant v)
{
	if ((unsigned)r >= THEME_NROLES || (unsigned)v >= UI_NVARIANTS)
		return (A_NORMAL);
	return (role_attr[r][v]);
}
