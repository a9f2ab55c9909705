/*
 * ui.c -- curses start and stop, the frame (header, view, status line),
 * key and mouse dispatch, and the small drawing helpers the panes share.
 *
 * Everything is drawn into stdscr; a frame erases it, the panes draw
 * their rectangles, and one refresh() lets curses send only what changed
 * since the last frame (its own diff, like tmux's deferred redraw). The
 * loop in tui.c decides when a frame is due.
 */

#include <curses.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "ui.h"

const struct pane_kind *const ui_panes[] = {
	&pane_nodes_kind,
	&pane_heatmap_kind,
	NULL
};

static const struct ui_glyphs glyphs_utf8 = {
	{ " ", "\u2581", "\u2582", "\u2583", "\u2584", "\u2585", "\u2586",
	  "\u2587", "\u2588" },
	{ "\u00b7", "\u2591", "\u2592", "\u2593", "\u2588" },
	"\u25cf", "\u25b2", "\u25bc", "\u00b7", "\u2502", "\u2500",
	"\u2026", "\u2588", "\u2591"
};

static const struct ui_glyphs glyphs_ascii = {
	{ " ", ".", ".", "_", "-", "=", "+", "*", "#" },
	{ ".", ":", "+", "*", "#" },
	"*", "^", "v", "|", "|", "-", "~", "#", "."
};

static int	curses_on;
static SCREEN	*screen;	/* ui_init_term's, else NULL */

/* --- start and stop ------------------------------------------------------ */

static int	ui_setup(struct ui *, struct cluster *, const struct theme *,
		    int);

int
ui_init(struct ui *ui, struct cluster *c, const struct theme *t,
    int want_colour)
{
	memset(ui, 0, sizeof *ui);
	if (initscr() == NULL)
		return (-1);
	return (ui_setup(ui, c, t, want_colour));
}

int
ui_init_term(struct ui *ui, struct cluster *c, const struct theme *t,
    int want_colour, const char *term, FILE *out, FILE *in, int rows,
    int cols)
{
	memset(ui, 0, sizeof *ui);
	if ((screen = newterm(term, out, in)) == NULL)
		return (-1);
	set_term(screen);
	/* Not a terminal: the size is the client's, not an ioctl's. */
	resizeterm(rows > 1 ? rows : 24, cols > 1 ? cols : 80);
	return (ui_setup(ui, c, t, want_colour));
}

void
ui_resize_term(int rows, int cols)
{
	if (curses_on && screen != NULL)
		resizeterm(rows, cols);
}

static int
ui_setup(struct ui *ui, struct cluster *c, const struct theme *t,
    int want_colour)
{
	ui->cluster = c;
	ui->theme = *t;
	ui->cursor = c->n > 0 ? 0 : -1;
	ui->view = &pane_nodes_kind;
	ui->back = &pane_nodes_kind;
	ui->dirty = 1;

	curses_on = 1;
	cbreak();
	noecho();
	nonl();
	intrflush(stdscr, FALSE);
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	set_escdelay(25);
	curs_set(0);
	/* Presses, not clicks: clicks make curses wait for a double click. */
	mouseinterval(0);
	mousemask(BUTTON1_PRESSED | BUTTON4_PRESSED | BUTTON5_PRESSED, NULL);
	ui->colour = 0;
	if (want_colour && has_colors()) {
		start_color();
		use_default_colors();
		ui->colour = 1;
	}
	ui_theme_apply(&ui->theme, ui->colour);
	getmaxyx(stdscr, ui->rows, ui->cols);
	return (0);
}

void
ui_end(void)
{
	if (!curses_on)
		return;
	curses_on = 0;
	mousemask(0, NULL);
	curs_set(1);
	endwin();
	if (screen != NULL) {
		delscreen(screen);
		screen = NULL;
	}
}

int
ui_active(void)
{
	return (curses_on);
}

void
ui_set_theme(struct ui *ui, const struct theme *t)
{
	ui->theme = *t;
	ui_theme_apply(&ui->theme, ui->colour);
	ui->full = 1;
	ui->dirty = 1;
}

void
ui_resize(struct ui *ui)
{
	getmaxyx(stdscr, ui->rows, ui->cols);
	ui->full = 1;
	ui->dirty = 1;
}

enum ui_action
ui_take_action(struct ui *ui)
{
	enum ui_action	a = ui->action;

	ui->action = UI_ACTION_NONE;
	return (a);
}

void
ui_message(struct ui *ui, int error, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(ui->message, sizeof ui->message, fmt, ap);
	va_end(ap);
	ui->message_error = error;
	ui->message_until_ms = ui->now_ms + (error ? 6000 : 3000);
	ui->dirty = 1;
}

int
ui_tick(struct ui *ui, uint64_t now_ms)
{
	ui->now_ms = now_ms;
	if (ui->message[0] != '\0' && now_ms >= ui->message_until_ms) {
		ui->message[0] = '\0';
		ui->dirty = 1;
		return (1);
	}
	return (0);
}

/* --- helpers --------------------------------------------------------------- */

int
ui_width(const char *s)
{
	int	n = 0;

	for (; *s != '\0'; s++) {
		if (((unsigned char)*s & 0xc0) != 0x80)
			n++;
	}
	return (n);
}

int
ui_put(int y, int x, int maxw, unsigned long attr, const char *s)
{
	const char	*p = s;
	int		 cols = 0;

	if (maxw <= 0 || y < 0 || x < 0)
		return (0);
	/* Find how many bytes make MAXW columns. */
	while (*p != '\0' && cols < maxw) {
		p++;
		while (((unsigned char)*p & 0xc0) == 0x80)
			p++;
		cols++;
	}
	attrset((attr_t)attr);
	mvaddnstr(y, x, s, (int)(p - s));
	return (cols);
}

void
ui_fill(int y, int x, int w, unsigned long attr)
{
	if (w <= 0 || y < 0 || x < 0)
		return;
	attrset((attr_t)attr);
	mvhline(y, x, ' ', w);
}

int
ui_putf(int y, int x, int maxw, unsigned long attr, const char *fmt, ...)
{
	char	buf[512];
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	return (ui_put(y, x, maxw, attr, buf));
}

const char *
ui_fmt_kb(char *buf, size_t size, uint64_t kb)
{
	static const char units[] = "KMGTPE";
	double	v = (double)kb;
	int	u = 0;

	while (v >= 1000 && u < 5) {
		v /= 1024;
		u++;
	}
	if (v < 10 && u > 0)
		snprintf(buf, size, "%.1f%c", v, units[u]);
	else
		snprintf(buf, size, "%.0f%c", v, units[u]);
	return (buf);
}

const char *
ui_fmt_duration(char *buf, size_t size, double s)
{
	unsigned long	t = s > 0 ? (unsigned long)s : 0;

	if (t >= 86400)
		snprintf(buf, size, "%lud%02luh", t / 86400, (t % 86400) / 3600);
	else if (t >= 3600)
		snprintf(buf, size, "%luh%02lum", t / 3600, (t % 3600) / 60);
	else if (t >= 60)
		snprintf(buf, size, "%lum%02lus", t / 60, t % 60);
	else
		snprintf(buf, size, "%lus", t);
	return (buf);
}

enum theme_role
ui_level_role(int level)
{
	return (level >= 2 ? THEME_CRIT : level == 1 ? THEME_WARN : THEME_OK);
}

enum theme_role
ui_health_role(enum cluster_health h)
{
	switch (h) {
	case CLUSTER_HEALTH_UP:
		return (THEME_NODE_UP);
	case CLUSTER_HEALTH_WAITING:
	case CLUSTER_HEALTH_CONNECTING:
		return (THEME_NODE_CONNECTING);
	case CLUSTER_HEALTH_STALE:
		return (THEME_NODE_STALE);
	case CLUSTER_HEALTH_AUTH:
		return (THEME_NODE_AUTH);
	case CLUSTER_HEALTH_DOWN:
		break;
	}
	return (THEME_NODE_DOWN);
}

const char *
ui_health_word(const struct cluster_node *n)
{
	switch (n->conn) {
	case NODE_UP:
		return (n->stale ? "stale" : "up");
	case NODE_NEW:
		return ("new");
	case NODE_CONNECTING:
		return ("connect");
	case NODE_RECONNECTING:
		return ("reconn");
	case NODE_UNREACHABLE:
		return ("unreach");
	case NODE_AUTH_FAILED:
		return ("auth");
	case NODE_HOSTKEY_MISMATCH:
		return ("hostkey");
	case NODE_TIMED_OUT:
		return ("timeout");
	}
	return ("?");
}

enum theme_role
ui_slurm_role(enum cluster_slurm s)
{
	switch (s) {
	case CLUSTER_SLURM_IDLE:
		return (THEME_SLURM_IDLE);
	case CLUSTER_SLURM_ALLOC:
		return (THEME_SLURM_ALLOC);
	case CLUSTER_SLURM_MIXED:
		return (THEME_SLURM_MIXED);
	case CLUSTER_SLURM_DRAIN:
		return (THEME_SLURM_DRAIN);
	case CLUSTER_SLURM_DOWN:
		return (THEME_SLURM_DOWN);
	case CLUSTER_SLURM_NONE:
		return (THEME_DIM);
	default:
		break;
	}
	return (THEME_SLURM_OTHER);
}

void
ui_sparkline(struct ui *ui, int y, int x, int w, unsigned long attr,
    const float *v, size_t n, float maxv)
{
	size_t	start, i;
	int	col, lvl;
	float	f;

	if (w <= 0)
		return;
	start = n > (size_t)w ? n - (size_t)w : 0;
	col = x + w - (int)(n - start);	/* right-aligned: newest at the right */
	if (col > x)
		ui_fill(y, x, col - x, attr);
	attrset((attr_t)attr);
	for (i = start; i < n; i++, col++) {
		if (v[i] < 0 || maxv <= 0) {
			mvaddstr(y, col, " ");
			continue;
		}
		f = v[i] / maxv;
		if (f > 1)
			f = 1;
		lvl = (int)(f * 8 + 0.5f);
		if (lvl == 0 && v[i] > 0)
			lvl = 1;
		mvaddstr(y, col, ui->g->spark[lvl]);
	}
}

/* --- cursor ----------------------------------------------------------------- */

size_t
ui_cursor_row(struct ui *ui)
{
	const struct cluster	*c = ui->cluster;
	size_t			 i;

	for (i = 0; i < c->nview; i++) {
		if ((long)c->view[i] == ui->cursor)
			return (i);
	}
	return (0);
}

struct cluster_node *
ui_cursor_node(struct ui *ui)
{
	struct cluster	*c = ui->cluster;
	size_t		 i;

	if (c->nview == 0)
		return (NULL);
	if (ui->cursor >= 0 && (size_t)ui->cursor < c->n &&
	    c->nodes[ui->cursor].visible) {
		for (i = 0; i < c->nview; i++) {
			if ((long)c->view[i] == ui->cursor)
				return (&c->nodes[ui->cursor]);
		}
	}
	ui->cursor = (long)c->view[0];
	return (&c->nodes[ui->cursor]);
}

void
ui_cursor_to_row(struct ui *ui, long row)
{
	struct cluster	*c = ui->cluster;

	if (c->nview == 0)
		return;
	if (row < 0)
		row = 0;
	if ((size_t)row >= c->nview)
		row = (long)c->nview - 1;
	ui->cursor = (long)c->view[row];
	ui->dirty = 1;
}

void
ui_set_view(struct ui *ui, const struct pane_kind *k)
{
	if (k != &pane_detail_kind)
		ui->back = k;
	ui->view = k;
	ui->dirty = 1;
}

/* --- the frame ---------------------------------------------------------------- */

static void
draw_status(struct ui *ui, const struct ui_rect *r)
{
	static const struct {
		const char	*key;
		const char	*what;
	} hints[] = {
		{ "?", "help" }, { "/", "filter" }, { "spc", "select" },
		{ "s", "sort" }, { "Tab", "view" }, { "\u21b5", "detail" },
		{ "q", "quit" }
	};
	const struct cluster	*c = ui->cluster;
	unsigned long		 st = ui_attr(THEME_STATUS, UI_PLAIN);
	unsigned long		 key = ui_attr(THEME_STATUS_KEY, UI_PLAIN);
	char			 left[512];
	int			 x, w, hw, i, n;
	size_t			 pos;

	ui_fill(r->y, r->x, r->w, st);
	if (ui->prompt.active) {
		unsigned long pa = ui_attr(THEME_PROMPT, UI_PLAIN);
		ui_fill(r->y, r->x, r->w, pa);
		x = r->x + ui_put(r->y, r->x, r->w, pa | A_BOLD,
		    ui->prompt.label);
		w = r->w - (x - r->x) - 1;
		/* Scroll the text so the cursor stays on screen. */
		pos = 0;
		n = ui_width(ui->prompt.buf);
		if (n > w && w > 0) {
			i = n - w;
			while (i > 0 && pos < ui->prompt.len) {
				pos++;
				while (pos < ui->prompt.len &&
				    ((unsigned char)ui->prompt.buf[pos] & 0xc0) ==
				    0x80)
					pos++;
				i--;
			}
		}
		ui_put(r->y, x, w, pa, ui->prompt.buf + pos);
		/* The cursor as a reverse cell. */
		{
			char	tmp[UI_PROMPT_MAX];
			size_t	cl = ui->prompt.cursor > pos ?
			    ui->prompt.cursor - pos : 0;
			memcpy(tmp, ui->prompt.buf + pos, cl);
			tmp[cl] = '\0';
			x += ui_width(tmp);
			if (x < r->x + r->w) {
				const char *at = ui->prompt.buf + pos + cl;
				char ch[8] = " ";
				if (*at != '\0') {
					size_t k = 1;
					while (((unsigned char)at[k] & 0xc0) ==
					    0x80 && k < 6)
						k++;
					memcpy(ch, at, k);
					ch[k] = '\0';
				}
				ui_put(r->y, x, 1, pa | A_REVERSE, ch);
			}
		}
		return;
	}

	/* Right: key hints, as many as fit in half the line. */
	hw = 0;
	for (i = (int)(sizeof hints / sizeof hints[0]) - 1; i >= 0; i--) {
		n = ui_width(hints[i].key) + ui_width(hints[i].what) + 3;
		if (hw + n > r->w / 2)
			break;
		hw += n;
	}
	x = r->x + r->w - hw;
	for (i++; i < (int)(sizeof hints / sizeof hints[0]) && i >= 0; i++) {
		x += ui_putf(r->y, x, r->w, key, " %s ", ui->utf8 ||
		    strcmp(hints[i].key, "\u21b5") != 0 ? hints[i].key :
		    "Ent");
		x += ui_putf(r->y, x, r->w, st, "%s ", hints[i].what);
	}

	w = r->w - hw - 1;
	if (ui->message[0] != '\0') {
		ui_put(r->y, r->x + 1, w, ui_attr(ui->message_error ?
		    THEME_ERROR : THEME_MESSAGE, UI_PLAIN), ui->message);
		return;
	}
	n = snprintf(left, sizeof left, "%s %s %zu/%zu shown %s every %gs",
	    ui->view->name, ui->g->dot, c->nview, c->n, ui->g->dot,
	    c->interval_s);
	if (c->sum.nselected > 0 && n > 0 && (size_t)n < sizeof left)
		n += snprintf(left + n, sizeof left - (size_t)n,
		    " %s %zu selected", ui->g->dot, c->sum.nselected);
	if (n > 0 && (size_t)n < sizeof left)
		n += snprintf(left + n, sizeof left - (size_t)n,
		    " %s sort %s %s", ui->g->dot, cluster_sort_name(c->sort),
		    (c->sort == CLUSTER_SORT_NAME) != (c->reverse != 0) ?
		    ui->g->up : ui->g->down);
	if (c->filter != NULL && n > 0 && (size_t)n < sizeof left)
		snprintf(left + n, sizeof left - (size_t)n,
		    " %s filter %s", ui->g->dot, c->filter);
	ui_put(r->y, r->x + 1, w, st, left);
}

void
ui_draw(struct ui *ui)
{
	struct ui_layout	*l = &ui->layout;

	ui->g = ui->utf8 ? &glyphs_utf8 : &glyphs_ascii;
	if (ui->full) {
		clearok(curscr, TRUE);
		ui->full = 0;
	}
	erase();
	if (ui->bcast != NULL && ui->rows >= 3 && ui->cols >= 10) {
		/* Broadcast typing: its banner, terminals and status only. */
		struct ui_rect	all = { 0, 0, ui->rows, ui->cols };

		pane_broadcast_kind.draw(ui, &all);
		attrset(A_NORMAL);
		refresh();
		ui->dirty = 0;
		return;
	}
	ui_layout_screen(ui->rows, ui->cols, pane_header_height(ui, ui->cols),
	    l);
	if (l->too_small) {
		ui_put(0, 0, ui->cols, ui_attr(THEME_ERROR, UI_PLAIN),
		    "terminal too small");
		refresh();
		ui->dirty = 0;
		return;
	}
	pane_header_draw(ui, &l->header);
	ui->view->draw(ui, &l->body);
	if (ui->help)
		pane_help_kind.draw(ui, &l->body);
	draw_status(ui, &l->status);
	attrset(A_NORMAL);
	refresh();
	ui->dirty = 0;
}

/* --- input -------------------------------------------------------------------- */

static void
ui_mouse(struct ui *ui)
{
	MEVENT			 ev;
	const struct ui_rect	*b = &ui->layout.body;
	int			 button;

	if (getmouse(&ev) != OK)
		return;
	if (ev.bstate & BUTTON4_PRESSED)
		button = 4;
	else if (ev.bstate & BUTTON5_PRESSED)
		button = 5;
	else if (ev.bstate & (BUTTON1_PRESSED | BUTTON1_CLICKED))
		button = 1;
	else
		return;
	if (ui->help || ui->prompt.active) {
		if (button == 1)
			ui->help = 0;
		return;
	}
	if (ui->view->mouse != NULL && ev.y >= b->y && ev.y < b->y + b->h)
		ui->view->mouse(ui, b, ev.y, ev.x, button);
}

void
ui_key(struct ui *ui, int key)
{
	enum ui_prompt_result	r;

	ui->dirty = 1;
	if (key == KEY_RESIZE) {
		ui_resize(ui);
		return;
	}
	if (ui->bcast != NULL) {
		pane_broadcast_kind.key(ui, key);
		return;
	}
	if (key == KEY_MOUSE) {
		ui_mouse(ui);
		return;
	}
	if (ui->prompt.active) {
		r = ui_prompt_key(&ui->prompt, key);
		if (r != UI_PROMPT_IGNORED)
			ui_keys_prompt(ui, r);
		else if (ui->prompt.purpose == UI_PROMPT_CONSOLE)
			pane_console_prompt_key(ui, key);
		return;
	}
	if (ui->help) {
		if (pane_help_kind.key(ui, key))
			return;
		if (key == 'q' || key == 27 || key == '?' || key == '\n' ||
		    key == '\r' || key == KEY_ENTER || key == 'h')
			ui->help = 0;
		return;
	}
	if (ui->view->key != NULL && ui->view->key(ui, key))
		return;
	if (ui_keys_dispatch(ui, key))
		return;
	if (key >= 0x20 && key < 0x7f)
		ui_message(ui, 0, "%c: no such key (? for help)", key);
}
