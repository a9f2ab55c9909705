/*
 * term.c -- a libvterm terminal per node: feed, encode keys per mode,
 * read cells, hash the screen (see term.h).
 *
 * Memory is counted through libvterm's allocator hooks, so the cost of a
 * terminal is measured, not guessed (term_mem, docs/broadcast.md).
 */

#include <stdlib.h>
#include <string.h>

#include <vterm.h>

#include "term.h"

struct term {
	VTerm		*vt;
	VTermScreen	*screen;
	int		 rows, cols;
	int		 crow, ccol, cvisible;
	char		*out;		/* for the node */
	size_t		 outlen, outcap;
	size_t		 mem;		/* bytes libvterm holds */
	int		 dirty;		/* the hash is stale */
	uint64_t	 hash;
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
	if (cols < 1)
		cols = 1;
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
	free(t->out);
	free(t);
}

void
term_feed(struct term *t, const char *data, size_t len)
{
	if (len == 0)
		return;
	vterm_input_write(t->vt, data, len);
	vterm_screen_flush_damage(t->screen);
	t->dirty = 1;
}

void
term_resize(struct term *t, int rows, int cols)
{
	if (rows < 1)
		rows = 1;
	if (cols < 1)
		cols = 1;
	if (rows == t->rows && cols == t->cols)
		return;
	vterm_set_size(t->vt, rows, cols);
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
	size_t	 cap;
	char	*p;

	if (len == 0)
		return;
	if (t->outlen + len > t->outcap) {
		cap = t->outcap ? t->outcap : 256;
		while (cap < t->outlen + len)
			cap *= 2;
		if ((p = realloc(t->out, cap)) == NULL)
			abort();
		t->out = p;
		t->outcap = cap;
	}
	memcpy(t->out + t->outlen, s, len);
	t->outlen += len;
}

const char *
term_output(const struct term *t, size_t *len)
{
	*len = t->outlen;
	return (t->out);
}

void
term_output_done(struct term *t)
{
	t->outlen = 0;
	/* A big paste should not pin its buffer for the life of the shell. */
	if (t->outcap > 65536) {
		free(t->out);
		t->out = NULL;
		t->outcap = 0;
	}
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
