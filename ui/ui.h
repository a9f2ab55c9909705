/*
 * ui.h -- the ncurses front end of the dashboard.
 *
 * The UI draws a struct cluster (src/cluster.h) and turns keys and mouse
 * clicks into changes of that model or into actions for tui.c (quit,
 * reconnect, load a theme). It never does I/O and never blocks: tui.c owns
 * the loop, feeds it keys with ui_key() and calls ui_draw() when
 * ui_wants_draw() says so.
 *
 * Views are a table of struct pane_kind: the node table, the heat map, the
 * detail of one node and the help. A new view (the command console, the
 * broadcast screen, the phases) is one more ui/pane-NAME.c with a
 * pane_kind, one line in ui_panes[] (ui.c) and, if it has a key, one line
 * in the bindings of ui-keys.c.
 *
 * Sections below follow the files: ui.c, ui-layout.c, ui-theme.c,
 * ui-keys.c, ui-prompt.c, pane-*.c.
 */
#ifndef CT_UI_H
#define CT_UI_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "cluster.h"
#include "theme.h"

/* --- ui-layout.c: pure geometry ------------------------------------------ */

struct ui_rect {
	int		 y, x, h, w;
};

struct ui_layout {
	struct ui_rect	 header;
	struct ui_rect	 body;
	struct ui_rect	 status;	/* the last line */
	int		 too_small;	/* 1: only a "too small" note fits */
};

#define UI_MIN_COLS	30
#define UI_MIN_ROWS	6

/* A table column as the layout sees it. */
struct ui_colspec {
	int		 min;		/* narrowest useful width */
	int		 max;		/* widest wanted; == min for fixed */
	int		 prio;		/* higher stays longer when space is short */
};

/* Split the screen: HEADER_H lines of header, the body, a status line. */
void		 ui_layout_screen(int rows, int cols, int header_h,
		     struct ui_layout *);
/*
 * Fit N columns into WIDTH with GAP blanks between them: drop the lowest
 * priorities until the minimums fit, then share what is left out up to
 * each column's max, by priority. Fills X and W (W 0: dropped); returns
 * the number of columns kept.
 */
int		 ui_layout_columns(const struct ui_colspec *, int n, int width,
		     int gap, int *x, int *w);
/*
 * A grid for NCELLS cells in a W x H area with LABEL_W columns of row
 * labels: the widest cell (2, else 1) with which every cell fits, and the
 * resulting cells per row and rows. Returns 0 if they fit, -1 if even
 * 1-wide cells need more rows than H (they scroll).
 */
int		 ui_layout_grid(size_t ncells, int w, int h, int label_w,
		     int *cellw, int *percol, int *rows);
/* The first row to show so that CURSOR stays in a window of H rows. */
size_t		 ui_layout_scroll(size_t cursor, size_t top, size_t n, int h);

/* --- ui-theme.c: roles to curses attributes -------------------------------- */

enum ui_variant {
	UI_PLAIN = 0,	/* on the role's own background */
	UI_ALT,		/* on the alternate-row background */
	UI_CURSOR,	/* on the cursor-row background */
	UI_NVARIANTS
};

/* Make colour pairs for THEME (after initscr and start_color). */
void		 ui_theme_apply(const struct theme *, int colour);
/* The curses attribute word (colour pair and attributes) for ROLE. */
unsigned long	 ui_attr(enum theme_role, enum ui_variant);
/* Map a 256-colour palette entry to one of NCOLOURS (8, 16, 88, 256). */
short		 ui_theme_nearest(short c, int ncolours);

/* --- ui-prompt.c: a one-line text input ---------------------------------- */

#define UI_PROMPT_MAX	1024	/* console commands can be long */

struct ui_prompt {
	char		 label[64];	/* "filter: " */
	char		 buf[UI_PROMPT_MAX];
	size_t		 len;
	size_t		 cursor;	/* byte offset in buf */
	int		 active;
	int		 purpose;	/* the owner's tag (enum ui_prompt_for) */
	char		 saved[UI_PROMPT_MAX];	/* text before it opened */
};

enum ui_prompt_result {
	UI_PROMPT_EDITED = 0,	/* the text changed (or the cursor moved) */
	UI_PROMPT_IGNORED,	/* not a key for the prompt */
	UI_PROMPT_SUBMIT,	/* Enter */
	UI_PROMPT_CANCEL	/* Escape, or ^C / ^G */
};

void		 ui_prompt_open(struct ui_prompt *, const char *label,
		     const char *initial, int purpose);
void		 ui_prompt_close(struct ui_prompt *);
void		 ui_prompt_set(struct ui_prompt *, const char *text);
enum ui_prompt_result ui_prompt_key(struct ui_prompt *, int key);

/* --- ui.c: the screen ------------------------------------------------------- */

enum ui_action {
	UI_ACTION_NONE = 0,
	UI_ACTION_QUIT,
	UI_ACTION_RECONNECT,	/* the selected nodes, else the cursor's */
	UI_ACTION_THEME_NEXT,	/* load the next theme in the search path */
	UI_ACTION_REDRAW,	/* clear the terminal and draw everything */
	UI_ACTION_PHASES,	/* the phases screen has a request (ptui) */
	UI_ACTION_BROADCAST,	/* open shells on the selected nodes (b), or
				   on every node when bcast_all is set */
	UI_ACTION_PUSH_START,	/* push ui->pushform to the selected (or all) nodes */
	UI_ACTION_PUSH_RETRY,	/* push again to the nodes that failed */
	UI_ACTION_PUSH_CANCEL,
	UI_ACTION_NVME_SCAN,	/* scan the selected (or all) nodes */
	UI_ACTION_NVME_WIPE,	/* wipe, confirmed with ui->nvme_confirm devices */
	UI_ACTION_CONSOLE_RUN,	/* run ui->con.command on the console's target */
	UI_ACTION_CONSOLE_CANCEL, /* kill the console's command on every node */
	UI_ACTION_CONSOLE_COPY,	/* copy the block under the console cursor */
	UI_ACTION_CONSOLE_SAVE	/* save every node's result to ui->con.path */
};

enum ui_prompt_for {
	UI_PROMPT_FILTER = 1,
	UI_PROMPT_SELECT,	/* select the matching nodes */
	UI_PROMPT_UNSELECT,
	UI_PROMPT_CONSOLE,	/* a command for the console */
	UI_PROMPT_CONSOLE_SAVE,	/* the file for the console's results */
	UI_PROMPT_BCAST_ALL	/* y: broadcast to every node (b, none selected) */
};

enum ui_heat_metric {
	UI_HEAT_CPU = 0,
	UI_HEAT_LOAD,
	UI_HEAT_MEM,
	UI_HEAT_DISK,
	UI_HEAT_STATE,
	UI_NHEAT
};

struct ui;
struct ptui;
struct broadcast;
struct push_run;
struct nvme_run;

/* The push form (pane-push.c) as tui.c reads it on UI_ACTION_PUSH_START. */
struct ui_pushform {
	char		 src[UI_PROMPT_MAX];	/* paths on the head, blank-separated */
	char		 dest[UI_PROMPT_MAX];
	int		 recursive, preserve, verify;
};

struct console;

/* What the console pane shows (pane-console.c). */
struct ui_console_view {
	size_t		 top;		/* first row shown */
	size_t		 left;		/* columns scrolled off to the left */
	size_t		 block;		/* the block under the cursor */
	int		 diff;		/* 1: the diff of the block is shown */
	size_t		 diff_top;
	int		 wrap;		/* 1: long lines wrap (W); 0: they scroll */
	size_t		 top_seg;	/* wrapping: screen lines of row TOP above */
	size_t		 line_row[256];	/* drawn: the row of each screen line */
	int		 nline_rows;
	const struct pane_kind *back;	/* where Esc returns */
	int		 timeout_ms;	/* for UI_ACTION_CONSOLE_RUN: its -u, -1 none */
	int		 via;		/* for UI_ACTION_CONSOLE_RUN: 1 --via slurm */
	char		 command[UI_PROMPT_MAX];	/* for UI_ACTION_CONSOLE_RUN */
	char		 path[UI_PROMPT_MAX];	/* for UI_ACTION_CONSOLE_SAVE */
};

/* A view: how it draws and which keys it takes before the global ones. */
struct pane_kind {
	const char	*name;
	void		(*draw)(struct ui *, const struct ui_rect *);
	/* Return 1 if the key was handled. */
	int		(*key)(struct ui *, int key);
	/* A click at Y, X (screen) in the body; BUTTON: 1 left, 2 double,
	 * 4 wheel up, 5 wheel down. Return 1 if handled. */
	int		(*mouse)(struct ui *, const struct ui_rect *, int y,
			    int x, int button);
};

/* Glyphs, UTF-8 or ASCII. */
struct ui_glyphs {
	const char	*spark[9];	/* 0 empty ... 8 full */
	const char	*shade[5];	/* heat cells without colour */
	const char	*mark;		/* a selected node */
	const char	*up, *down;	/* sort direction */
	const char	*dot;		/* separator in the header */
	const char	*vline;		/* a thin vertical line */
	const char	*hline;
	const char	*ellipsis;
	const char	*bar_full, *bar_empty;
};

struct ui {
	struct cluster	*cluster;
	struct theme	 theme;
	int		 colour;	/* 1: colours in use */
	int		 utf8;		/* 1: UTF-8 glyphs */
	const struct ui_glyphs *g;
	int		 rows, cols;

	const struct pane_kind *view;	/* table, heatmap or detail */
	const struct pane_kind *back;	/* where Esc returns from detail */
	int		 help;		/* 1: the help overlays the view */
	long		 cursor;	/* node index under the cursor; -1 none */
	size_t		 top;		/* first table row shown */
	size_t		 heat_top;	/* first heat-map row shown */
	enum ui_heat_metric heat;
	enum metrics_series spark;	/* the table's history column */
	size_t		 help_top;

	struct ptui	*phases;	/* the phases model (src/phasetui.h) */

	struct ui_prompt prompt;
	char		 message[256];
	int		 message_error;
	uint64_t	 message_until_ms;

	uint64_t	 now_ms;	/* the loop's clock at this turn */
	int		 dirty;		/* 1: draw at the next frame */
	int		 full;		/* 1: clear the terminal first */
	enum ui_action	 action;	/* for tui.c; reset after reading */
	struct ui_layout layout;

	/* Broadcast typing (src/broadcast.h): while set, the whole screen
	 * and every key belong to pane_broadcast_kind. */
	struct broadcast *bcast;
	int		 bcast_all;	/* b was confirmed for every node */

	/* Filled by the table while drawing, for the mouse. */
	int		 table_y;	/* first data row on screen */
	int		 col_x[24], col_w[24], col_sort[24], ncols_drawn;
	int		 head_y;

	/* Push (P) and storage (n): models owned by tui.c, read-only here. */
	const struct push_run *push;
	const struct nvme_run *nvme;
	struct ui_pushform pushform;
	long		 nvme_confirm;	/* the typed device count */

	/* The command console: the model (tui.c owns it) and its view. */
	struct console	*console;
	struct ui_console_view con;
};

extern const struct pane_kind pane_nodes_kind;
extern const struct pane_kind pane_heatmap_kind;
extern const struct pane_kind pane_detail_kind;
extern const struct pane_kind pane_help_kind;
extern const struct pane_kind pane_phases_kind;	/* p and t */
extern const struct pane_kind pane_broadcast_kind;
extern const struct pane_kind pane_push_kind;
extern const struct pane_kind pane_nvme_kind;
extern const struct pane_kind pane_console_kind;
extern const struct pane_kind *const ui_panes[];	/* Tab cycles these */

/* Start curses on the terminal (after setlocale). Returns 0 or -1. */
int		 ui_init(struct ui *, struct cluster *, const struct theme *,
		     int want_colour);
/*
 * Start curses on OUT and IN (not a terminal: the server's pipes) as
 * terminal type TERM, ROWS x COLS. Returns 0 or -1.
 */
int		 ui_init_term(struct ui *, struct cluster *, const struct theme *,
		     int want_colour, const char *term, FILE *out, FILE *in,
		     int rows, int cols);
/* ui_init_term's screen is now ROWS x COLS (queues KEY_RESIZE). */
void		 ui_resize_term(int rows, int cols);
/* End curses; safe to call twice, and from a signal handler's path. */
void		 ui_end(void);
/* 1 while curses is active. */
int		 ui_active(void);
/* Use a new theme (colour pairs are remade). */
void		 ui_set_theme(struct ui *, const struct theme *);
/* The terminal changed size. */
void		 ui_resize(struct ui *);
/* Handle one key from getch (KEY_MOUSE and KEY_RESIZE included). */
void		 ui_key(struct ui *, int key);
/* Draw everything now. */
void		 ui_draw(struct ui *);
/* Show a message on the status line for a few seconds. */
void		 ui_message(struct ui *, int error, const char *fmt, ...)
		     __attribute__((format(printf, 3, 4)));
/* Set the clock; returns 1 if something timed (a message) needs a draw. */
int		 ui_tick(struct ui *, uint64_t now_ms);
/* Read and clear the pending action. */
enum ui_action	 ui_take_action(struct ui *);

/* Drawing helpers for panes. */
/* Put S (UTF-8, one column per code point) at Y, X, at most MAXW columns;
 * returns the columns used. */
int		 ui_put(int y, int x, int maxw, unsigned long attr,
		     const char *s);
/* Fill W columns with blanks. */
void		 ui_fill(int y, int x, int w, unsigned long attr);
/* printf into a buffer, then ui_put; returns the columns used. */
int		 ui_putf(int y, int x, int maxw, unsigned long attr,
		     const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* Columns S takes (code points). */
int		 ui_width(const char *s);
/* Format kB as "1.2G", "512M", ... into BUF (at most 6 chars). */
const char	*ui_fmt_kb(char *buf, size_t size, uint64_t kb);
/* Format seconds as "3d04h", "5h12m", "12m03s". */
const char	*ui_fmt_duration(char *buf, size_t size, double s);
/* The role for a value at LEVEL (0 ok, 1 warn, 2 crit). */
enum theme_role	 ui_level_role(int level);
/* The role and the short word for a node's health. */
enum theme_role	 ui_health_role(enum cluster_health);
const char	*ui_health_word(const struct cluster_node *);
enum theme_role	 ui_slurm_role(enum cluster_slurm);
/* The node under the cursor, keeping it inside the view; NULL if empty. */
struct cluster_node *ui_cursor_node(struct ui *);
/* Row of the cursor node in the view, or 0. */
size_t		 ui_cursor_row(struct ui *);
/* Move the cursor to view row ROW (clamped). */
void		 ui_cursor_to_row(struct ui *, long row);
/* Switch view (table, heat map, detail). */
void		 ui_set_view(struct ui *, const struct pane_kind *);
/* Sparkline of VALUES (0..MAXV) into W columns. */
void		 ui_sparkline(struct ui *, int y, int x, int w,
		     unsigned long attr, const float *values, size_t n,
		     float maxv);

/* --- ui-keys.c: the bindings -------------------------------------------------- */

struct ui_binding {
	int		 key;
	const char	*keyname;	/* for the help: "space", "^L" */
	const char	*help;		/* NULL: not shown */
	void		(*fn)(struct ui *);
};

extern const struct ui_binding ui_bindings[];

/* Run the global binding of KEY; returns 1 if there was one. */
int		 ui_keys_dispatch(struct ui *, int key);
/* Apply the prompt's text (filter as you type, select on Enter). */
void		 ui_keys_prompt(struct ui *, enum ui_prompt_result);
/* Open the detail view of the cursor node. */
void		 ui_keys_detail(struct ui *);

/* --- pane-phases.c ------------------------------------------------------------ */

/* Open the phases screen (p) or the tests menu (t). */
void		 pane_phases_open(struct ui *, int tests);

/* --- pane-push.c, pane-nvme.c --------------------------------------------------- */

/* Open the push form (P) / the storage view and its scan (n). */
void		 pane_push_open(struct ui *);
void		 pane_nvme_open(struct ui *);

/* --- pane-console.c ------------------------------------------------------------ */

/* `:`: show the console and open its prompt on the selected nodes. */
void		 pane_console_open(struct ui *);
/* What the console's prompts do with their text. */
void		 pane_console_prompt(struct ui *, enum ui_prompt_result);
/* A key the console's prompt does not take: Up, Down (history), pages. */
void		 pane_console_prompt_key(struct ui *, int key);

/* --- pane-header.c ------------------------------------------------------------ */

/* Lines the header needs at width COLS. */
int		 pane_header_height(const struct ui *, int cols);
void		 pane_header_draw(struct ui *, const struct ui_rect *);

#endif
