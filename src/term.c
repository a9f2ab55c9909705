/*
 * term.c -- a libvterm terminal per node: feed, encode keys per mode,
 * read cells, hash the screen (see term.h).
 *
 * Memory is counted through libvterm's allocator hooks, so the cost of a
 * terminal is measured, not guessed (term_mem, docs/broadcast.md).
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vterm.h>

#include "term.h"
#include "util.h"

struct term {
	VTerm		*vt;
	VTermScreen	*screen;
	int		 rows, cols;
	int		 crow, ccol, cvisible;
	struct strbuf	 out;		/* for the node */
	size_t		 mem;		/* bytes libvterm holds */
	int		 dirty;		/* the hash is stale */
	uint64_t	 hash;

	/* The REP guard's view of the byte stream (term_feed). */
	int		 scan;		/* TERM_SCAN_* */
	int		 csi_plain;	/* no private marker, no intermediate */
	int		 csi_first;	/* still in the first parameter */
	unsigned	 csi_arg;	/* the first parameter */
	char		 last[4];	/* the last graphic character, UTF-8 */
	size_t		 lastlen;	/* 0: none yet */
	size_t		 lastneed;	/* continuation bytes still to come */
};

enum {
	TERM_SCAN_GROUND = 0,
	TERM_SCAN_ESC,
	TERM_SCAN_CSI,
	TERM_SCAN_STRING,	/* OSC, DCS, SOS, PM, APC: up to BEL or ST */
	TERM_SCAN_STRING_ESC
};

/* libvterm wants zeroed memory; a size header lets us count the frees. */
static void *
term_alloc(size_t size, void *arg)
{
	struct term	*t = arg;
	size_t		*p;

	if ((p = calloc(1, size + sizeof *p)) == NULL)
		return (NULL);
	*p = size;
	t->mem += size;
	return (p + 1);
}

static void
term_dealloc(void *ptr, void *arg)
{
	struct term	*t = arg;
	size_t		*p;

	if (ptr == NULL)
		return;
	p = (size_t *)ptr - 1;
	t->mem -= *p;
	free(p);
}

static VTermAllocatorFunctions term_allocator = { term_alloc, term_dealloc };

static void
term_out_cb(const char *s, size_t len, void *arg)
{
	term_raw(arg, s, len);
}

static int
term_damage_cb(VTermRect r, void *arg)
{
	struct term	*t = arg;

	(void)r;
	t->dirty = 1;
	return (1);
}

static int
term_movecursor_cb(VTermPos pos, VTermPos old, int visible, void *arg)
{
	struct term	*t = arg;

	(void)old;
	t->crow = pos.row;
	t->ccol = pos.col;
	t->cvisible = visible;
	t->dirty = 1;
	return (1);
}

static int
term_prop_cb(VTermProp prop, VTermValue *val, void *arg)
{
	struct term	*t = arg;

	if (prop == VTERM_PROP_CURSORVISIBLE) {
		t->cvisible = val->boolean;
		t->dirty = 1;
	}
	return (1);
}

static const VTermScreenCallbacks term_screen_cbs = {
	.damage = term_damage_cb,
	.movecursor = term_movecursor_cb,
	.settermprop = term_prop_cb,
};

struct term *
term_new(int rows, int cols)
{
	struct term	*t;

	if (rows < 1)
		rows = 1;
	if (cols < TERM_MIN_COLS)
		cols = TERM_MIN_COLS;
	if ((t = calloc(1, sizeof *t)) == NULL)
		return (NULL);
	t->vt = vterm_new_with_allocator(rows, cols, &term_allocator, t);
	if (t->vt == NULL) {
		free(t);
		return (NULL);
	}
	t->rows = rows;
	t->cols = cols;
	t->cvisible = 1;
	t->dirty = 1;
	vterm_set_utf8(t->vt, 1);
	vterm_output_set_callback(t->vt, term_out_cb, t);
	t->screen = vterm_obtain_screen(t->vt);
	vterm_screen_set_callbacks(t->screen, &term_screen_cbs, t);
	/* The alternate screen, so full-screen programs leave no trace. */
	vterm_screen_enable_altscreen(t->screen, 1);
	vterm_screen_reset(t->screen, 1);
	return (t);
}

void
term_free(struct term *t)
{
	if (t == NULL)
		return;
	vterm_free(t->vt);
	strbuf_free(&t->out);
	free(t);
}

/*
 * REP (CSI n b, repeat the last character) is done here, not by libvterm
 * 0.1.4, which loops forever when nothing was printed yet and writes past
 * the row when the character is wide and the row has an odd number of
 * cells left (a node printing "\344\270\255\033[;200H\033[b" crashed the
 * dashboard; both found by tests/fuzz/fuzz-vterm.c). The character is
 * printed normally, one copy at a time, while it fits on the row: the
 * same cells REP fills, measured by the cursor rather than by guessing
 * its width.
 */
static void
term_rep(struct term *t, unsigned n)
{
	VTermState	*st = vterm_obtain_state(t->vt);
	VTermPos	 p;
	int		 col, w;

	if (t->lastlen == 0 || t->lastneed != 0)
		return;
	if (n == 0)
		n = 1;
	if (n > (unsigned)t->cols)
		n = (unsigned)t->cols;
	vterm_state_get_cursorpos(st, &p);
	col = p.col;
	vterm_input_write(t->vt, t->last, t->lastlen);
	vterm_state_get_cursorpos(st, &p);
	if ((w = p.col - col) <= 0 || p.row < 0)
		return;		/* it wrapped, or filled the last cell */
	for (col = p.col; --n > 0 && col + w <= t->cols; col += w)
		vterm_input_write(t->vt, t->last, t->lastlen);
}

/* Follow byte C through the stream's syntax; 1 when it ends a REP. */
static int
term_scan(struct term *t, unsigned char c)
{
again:
	switch (t->scan) {
	case TERM_SCAN_GROUND:
		if (c == 0x1b)
			t->scan = TERM_SCAN_ESC;
		else if (c < 0x20 || c == 0x7f)
			break;
		else if (c < 0x80) {
			t->last[0] = (char)c;
			t->lastlen = 1;
			t->lastneed = 0;
		} else if ((c & 0xc0) == 0x80) {
			if (t->lastneed > 0 && t->lastlen < sizeof t->last) {
				t->last[t->lastlen++] = (char)c;
				t->lastneed--;
			} else
				t->lastlen = 0;	/* not UTF-8: forget it */
		} else if (c >= 0xc2 && c <= 0xf4) {
			t->last[0] = (char)c;
			t->lastlen = 1;
			t->lastneed = c >= 0xf0 ? 3 : c >= 0xe0 ? 2 : 1;
		} else
			t->lastlen = 0;
		break;
	case TERM_SCAN_ESC:
		if (c == '[') {
			t->scan = TERM_SCAN_CSI;
			t->csi_plain = t->csi_first = 1;
			t->csi_arg = 0;
		} else if (c == ']' || c == 'P' || c == 'X' || c == '^' ||
		    c == '_')
			t->scan = TERM_SCAN_STRING;
		else if (c == 0x18 || c == 0x1a)
			t->scan = TERM_SCAN_GROUND;
		else if (c < 0x30)
			break;		/* controls, ESC, intermediates */
		else
			t->scan = TERM_SCAN_GROUND;
		break;
	case TERM_SCAN_CSI:
		if (c >= '0' && c <= '9') {
			if (t->csi_first && t->csi_arg < 100000)
				t->csi_arg = t->csi_arg * 10 + (c - '0');
		} else if (c == ';')
			t->csi_first = 0;
		else if ((c >= 0x20 && c <= 0x2f) || (c >= 0x3a && c <= 0x3f))
			t->csi_plain = 0;
		else if (c == 0x1b)
			t->scan = TERM_SCAN_ESC;
		else if (c == 0x18 || c == 0x1a)
			t->scan = TERM_SCAN_GROUND;
		else if (c >= 0x40 && c <= 0x7e) {
			t->scan = TERM_SCAN_GROUND;
			return (c == 'b' && t->csi_plain);
		}
		break;
	case TERM_SCAN_STRING:
		if (c == 0x07 || c == 0x18 || c == 0x1a)
			t->scan = TERM_SCAN_GROUND;
		else if (c == 0x1b)
			t->scan = TERM_SCAN_STRING_ESC;
		break;
	case TERM_SCAN_STRING_ESC:
		/* ST ends the string; any other ESC starts a sequence. */
		t->scan = TERM_SCAN_ESC;
		if (c == '\\')
			t->scan = TERM_SCAN_GROUND;
		else
			goto again;
		break;
	}
	return (0);
}

void
term_feed(struct term *t, const char *data, size_t len)
{
	size_t	i, start = 0;

	if (len == 0)
		return;
	for (i = 0; i < len; i++) {
		if (!term_scan(t, (unsigned char)data[i]))
			continue;
		/* The REP's bytes before its 'b' went out; CAN drops them. */
		if (i > start)
			vterm_input_write(t->vt, data + start, i - start);
		vterm_input_write(t->vt, "\030", 1);
		term_rep(t, t->csi_arg);
		start = i + 1;
	}
	if (len > start)
		vterm_input_write(t->vt, data + start, len - start);
	vterm_screen_flush_damage(t->screen);
	t->dirty = 1;
}

/*
 * After a resize, do what xterm does and libvterm 0.1.4 does not: the
 * scroll region becomes the whole screen, and the cursor is kept on it.
 * libvterm can leave the cursor at row -1 after rows are dropped, and a
 * scroll region past the last row; the next erase or scroll then writes
 * through a NULL row or memmoves a negative size (both found by
 * tests/fuzz/fuzz-vterm.c; neovim#16699, fixed in libvterm 0.2). CAN ends
 * any sequence the node left half-sent, DECSTBM resets the region, CUP
 * puts the cursor back on the nearest cell.
 */
static void
term_after_resize(struct term *t, int rows, int cols)
{
	VTermPos	 p;
	char		 buf[48];
	int		 n;

	vterm_state_get_cursorpos(vterm_obtain_state(t->vt), &p);
	p.row = p.row < 0 ? 0 : p.row >= rows ? rows - 1 : p.row;
	p.col = p.col < 0 ? 0 : p.col >= cols ? cols - 1 : p.col;
	n = snprintf(buf, sizeof buf, "\030\033[r\033[%d;%dH", p.row + 1,
	    p.col + 1);
	vterm_input_write(t->vt, buf, (size_t)n);
}

void
term_resize(struct term *t, int rows, int cols)
{
	if (rows < 1)
		rows = 1;
	if (cols < TERM_MIN_COLS)
		cols = TERM_MIN_COLS;
	if (rows == t->rows && cols == t->cols)
		return;
	vterm_set_size(t->vt, rows, cols);
	term_after_resize(t, rows, cols);
	vterm_screen_flush_damage(t->screen);
	t->rows = rows;
	t->cols = cols;
	t->dirty = 1;
}

void
term_size(const struct term *t, int *rows, int *cols)
{
	*rows = t->rows;
	*cols = t->cols;
}

static VTermModifier
term_mod(int mod)
{
	VTermModifier	m = VTERM_MOD_NONE;

	if (mod & TERM_MOD_SHIFT)
		m |= VTERM_MOD_SHIFT;
	if (mod & TERM_MOD_ALT)
		m |= VTERM_MOD_ALT;
	if (mod & TERM_MOD_CTRL)
		m |= VTERM_MOD_CTRL;
	return (m);
}

void
term_key(struct term *t, enum term_key key, int mod)
{
	static const VTermKey	map[] = {
		[TERM_KEY_UP] = VTERM_KEY_UP,
		[TERM_KEY_DOWN] = VTERM_KEY_DOWN,
		[TERM_KEY_LEFT] = VTERM_KEY_LEFT,
		[TERM_KEY_RIGHT] = VTERM_KEY_RIGHT,
		[TERM_KEY_HOME] = VTERM_KEY_HOME,
		[TERM_KEY_END] = VTERM_KEY_END,
		[TERM_KEY_PAGEUP] = VTERM_KEY_PAGEUP,
		[TERM_KEY_PAGEDOWN] = VTERM_KEY_PAGEDOWN,
		[TERM_KEY_INS] = VTERM_KEY_INS,
		[TERM_KEY_DEL] = VTERM_KEY_DEL,
		[TERM_KEY_BACKSPACE] = VTERM_KEY_BACKSPACE,
		[TERM_KEY_ENTER] = VTERM_KEY_ENTER,
		[TERM_KEY_TAB] = VTERM_KEY_TAB,
		[TERM_KEY_ESCAPE] = VTERM_KEY_ESCAPE,
	};
	VTermKey	vk;

	if (key > TERM_KEY_F0 && key <= TERM_KEY_F0 + 12)
		vk = VTERM_KEY_FUNCTION(key - TERM_KEY_F0);
	else if (key > TERM_KEY_NONE && (size_t)key < sizeof map / sizeof map[0])
		vk = map[key];
	else
		return;
	vterm_keyboard_key(t->vt, vk, term_mod(mod));
}

void
term_char(struct term *t, uint32_t c, int mod)
{
	vterm_keyboard_unichar(t->vt, c, term_mod(mod));
}

void
term_paste(struct term *t, int start)
{
	if (start)
		vterm_keyboard_start_paste(t->vt);
	else
		vterm_keyboard_end_paste(t->vt);
}

void
term_raw(struct term *t, const char *s, size_t len)
{
	if (len != 0)
		strbuf_addn(&t->out, s, len);
}

const char *
term_output(const struct term *t, size_t *len)
{
	*len = t->out.len;
	return (t->out.s);
}

void
term_output_done(struct term *t)
{
	t->out.len = 0;
	/* A big paste should not pin its buffer for the life of the shell. */
	if (t->out.size > 65536)
		strbuf_free(&t->out);
}

/* The nearest of the 256 palette entries for a 24-bit colour. */
static short
term_rgb256(int r, int g, int b)
{
	int	ri = (r * 5 + 127) / 255;
	int	gi = (g * 5 + 127) / 255;
	int	bi = (b * 5 + 127) / 255;

	return ((short)(16 + 36 * ri + 6 * gi + bi));
}

static short
term_colour(const VTermColor *c, int fg)
{
	if (fg ? VTERM_COLOR_IS_DEFAULT_FG(c) : VTERM_COLOR_IS_DEFAULT_BG(c))
		return (-1);
	if (VTERM_COLOR_IS_INDEXED(c))
		return (c->indexed.idx);
	return (term_rgb256(c->rgb.red, c->rgb.green, c->rgb.blue));
}

/* Encode code point C as UTF-8 at P; returns the length (0 for none). */
static size_t
term_utf8(uint32_t c, char *p)
{
	if (c < 0x80) {
		p[0] = (char)c;
		return (1);
	}
	if (c < 0x800) {
		p[0] = (char)(0xc0 | (c >> 6));
		p[1] = (char)(0x80 | (c & 0x3f));
		return (2);
	}
	if (c < 0x10000) {
		p[0] = (char)(0xe0 | (c >> 12));
		p[1] = (char)(0x80 | ((c >> 6) & 0x3f));
		p[2] = (char)(0x80 | (c & 0x3f));
		return (3);
	}
	if (c < 0x110000) {
		p[0] = (char)(0xf0 | (c >> 18));
		p[1] = (char)(0x80 | ((c >> 12) & 0x3f));
		p[2] = (char)(0x80 | ((c >> 6) & 0x3f));
		p[3] = (char)(0x80 | (c & 0x3f));
		return (4);
	}
	return (0);
}

void
term_cell(const struct term *t, int row, int col, struct term_cell *out)
{
	VTermScreenCell	 c;
	VTermPos	 pos;
	size_t		 n = 0, i;

	memset(out, 0, sizeof *out);
	out->width = 1;
	out->fg = out->bg = -1;
	if (row < 0 || row >= t->rows || col < 0 || col >= t->cols)
		return;
	pos.row = row;
	pos.col = col;
	if (!vterm_screen_get_cell(t->screen, pos, &c))
		return;
	for (i = 0; i < VTERM_MAX_CHARS_PER_CELL && c.chars[i] != 0; i++) {
		if (n + 4 >= sizeof out->ch)
			break;
		n += term_utf8(c.chars[i], out->ch + n);
	}
	out->ch[n] = '\0';
	/* A wide character's right half comes back as chars[0] == -1. */
	if (c.chars[0] == (uint32_t)-1) {
		out->ch[0] = '\0';
		out->width = 0;
	} else
		out->width = c.width;
	out->bold = c.attrs.bold;
	out->underline = c.attrs.underline != 0;
	out->reverse = c.attrs.reverse;
	out->italic = c.attrs.italic;
	out->blink = c.attrs.blink;
	out->fg = term_colour(&c.fg, 1);
	out->bg = term_colour(&c.bg, 0);
}

void
term_cursor(const struct term *t, int *row, int *col, int *visible)
{
	*row = t->crow;
	*col = t->ccol;
	*visible = t->cvisible;
}

/* FNV-1a, 64 bits. */
static uint64_t
term_fnv(uint64_t h, const void *p, size_t len)
{
	const unsigned char	*s = p;
	size_t			 i;

	for (i = 0; i < len; i++) {
		h ^= s[i];
		h *= 1099511628211ULL;
	}
	return (h);
}

/*
 * Hash one row. Runs of cells spelling MASK (the node's own name, as in
 * a prompt "root@node03:~#") hash as one token, so that screens that
 * differ only by the name of their node count as equal. *CCOL, the
 * cursor column on this row, moves left by what the masks before it took.
 */
static uint64_t
term_hash_row(const struct term *t, int row, const char *mask, size_t mlen,
    uint64_t h, int *ccol)
{
	struct term_cell	c;
	char			line[1024];
	int			k, v[3], skip = 0, shift = 0;
	size_t			n = 0;

	/* The row as single bytes, one per cell, to find the masks in. */
	for (k = 0; k < t->cols && (size_t)k < sizeof line; k++) {
		term_cell(t, row, k, &c);
		line[k] = c.ch[1] == '\0' && c.ch[0] != '\0' ? c.ch[0] : '\001';
		n++;
	}
	for (k = 0; k < t->cols; k++) {
		if (skip > 0) {
			skip--;
			continue;
		}
		if (mlen > 0 && (size_t)k + mlen <= n &&
		    memcmp(line + k, mask, mlen) == 0) {
			h = term_fnv(h, "\002name", 6);
			skip = (int)mlen - 1;
			if (ccol != NULL && *ccol > k + (int)mlen - 1)
				shift += (int)mlen - 1;
			continue;
		}
		term_cell(t, row, k, &c);
		h = term_fnv(h, c.ch, strlen(c.ch) + 1);
		v[0] = c.bold | c.underline << 1 | c.reverse << 2 |
		    c.italic << 3 | c.blink << 4;
		v[1] = c.fg;
		v[2] = c.bg;
		h = term_fnv(h, v, sizeof v);
	}
	if (ccol != NULL)
		*ccol -= shift;
	return (h);
}

uint64_t
term_hash(struct term *t, const char *mask)
{
	size_t		mlen = mask != NULL ? strlen(mask) : 0;
	int		r, ccol = t->ccol, v[5];
	uint64_t	h = 14695981039346656037ULL;

	/* A name of one or two letters would mask ordinary text. */
	if (mlen < 3)
		mlen = 0;
	if (!t->dirty)
		return (t->hash);
	for (r = 0; r < t->rows; r++)
		h = term_hash_row(t, r, mask, mlen, h, r == t->crow ? &ccol :
		    NULL);
	v[0] = t->rows;
	v[1] = t->cols;
	v[2] = t->crow;
	v[3] = ccol;
	v[4] = t->cvisible;
	h = term_fnv(h, v, sizeof v);
	t->hash = h;
	t->dirty = 0;
	return (h);
}

size_t
term_row_text(const struct term *t, int row, char *buf, size_t size)
{
	struct term_cell	c;
	size_t			n = 0, keep = 0, l;
	int			k;

	if (size == 0)
		return (0);
	for (k = 0; k < t->cols; k++) {
		term_cell(t, row, k, &c);
		if (c.width == 0)
			continue;
		if (c.ch[0] == '\0')
			strcpy(c.ch, " ");
		l = strlen(c.ch);
		if (n + l + 1 > size)
			break;
		memcpy(buf + n, c.ch, l);
		n += l;
		if (strcmp(c.ch, " ") != 0)
			keep = n;
	}
	buf[keep] = '\0';
	return (keep);
}

size_t
term_mem(const struct term *t)
{
	return (t->mem);
}
