/*
 * term.h -- one terminal emulator per node for broadcast typing.
 *
 * A thin layer over libvterm: bytes from a node's shell go in
 * (term_feed), the screen comes out cell by cell (term_cell), and keys are
 * encoded the way *this* terminal's modes want them (term_key): a node
 * whose vi switched on application cursor keys (DECCKM) gets "\033OA" for
 * Up, a node at a shell prompt gets "\033[A". Everything the emulator
 * answers to the node (cursor position reports, device attributes) and
 * every encoded key lands in one output buffer that the caller drains to
 * the node's shell (term_output, term_output_done).
 *
 * Pure: no I/O, no curses; unit-tested in tests/unit/test-term.c.
 */
#ifndef CT_TERM_H
#define CT_TERM_H

#include <stddef.h>
#include <stdint.h>

struct term;

/* Keys that are not plain characters; each terminal encodes them. */
enum term_key {
	TERM_KEY_NONE = 0,
	TERM_KEY_UP,
	TERM_KEY_DOWN,
	TERM_KEY_LEFT,
	TERM_KEY_RIGHT,
	TERM_KEY_HOME,
	TERM_KEY_END,
	TERM_KEY_PAGEUP,
	TERM_KEY_PAGEDOWN,
	TERM_KEY_INS,
	TERM_KEY_DEL,
	TERM_KEY_BACKSPACE,
	TERM_KEY_ENTER,
	TERM_KEY_TAB,
	TERM_KEY_ESCAPE,
	TERM_KEY_F0		/* F1 is TERM_KEY_F0 + 1, up to F12 */
};

#define TERM_MOD_SHIFT	0x1
#define TERM_MOD_ALT	0x2
#define TERM_MOD_CTRL	0x4

/* One screen cell, ready to draw. */
struct term_cell {
	char		 ch[16];	/* UTF-8, NUL-terminated; "" blank */
	int		 width;		/* 1, 2 (wide), 0 (right half of wide) */
	unsigned	 bold:1, underline:1, reverse:1, italic:1, blink:1;
	short		 fg, bg;	/* palette index 0-255; -1 default */
};

/*
 * The narrowest terminal: libvterm 0.1.4 writes through a NULL pointer
 * when a wide character arrives on a one-column screen (found by
 * tests/fuzz/fuzz-vterm.c), so term_new and term_resize never go below.
 */
#define TERM_MIN_COLS	2

/* A terminal of ROWS x COLS (at least 1 x TERM_MIN_COLS); NULL when out
 * of memory. */
struct term	*term_new(int rows, int cols);
void		 term_free(struct term *);
/* Bytes from the node's PTY. */
void		 term_feed(struct term *, const char *, size_t);
void		 term_resize(struct term *, int rows, int cols);
void		 term_size(const struct term *, int *rows, int *cols);

/* Encode KEY with MOD for this terminal's modes (into the output). */
void		 term_key(struct term *, enum term_key, int mod);
/* Encode a Unicode character (into the output). */
void		 term_char(struct term *, uint32_t c, int mod);
/* Start (START 1) or end a paste: brackets it if the node asked (DECSET 2004). */
void		 term_paste(struct term *, int start);
/* Raw bytes for the node, unencoded (into the output). */
void		 term_raw(struct term *, const char *, size_t);
/* What waits to be sent to the node; LEN 0 when nothing. */
const char	*term_output(const struct term *, size_t *len);
void		 term_output_done(struct term *);

/* A cell of the screen; a blank one outside it. */
void		 term_cell(const struct term *, int row, int col,
		     struct term_cell *);
/* Cursor position; *VISIBLE 0 when the program hid it. */
void		 term_cursor(const struct term *, int *row, int *col,
		     int *visible);
/*
 * A hash of the visible screen (cells and cursor): equal screens, equal
 * hashes. MASK (or NULL): a word that counts as equal to any other mask,
 * the node's own name, so that "root@node03:~#" equals "root@node04:~#".
 * Cached: call with the same MASK each time.
 */
uint64_t	 term_hash(struct term *, const char *mask);
/* The text of ROW, trailing blanks cut, into BUF (UTF-8). */
size_t		 term_row_text(const struct term *, int row, char *buf,
		     size_t size);
/* Bytes the emulator allocated for this terminal (libvterm's own). */
size_t		 term_mem(const struct term *);

#endif
