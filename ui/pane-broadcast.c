/*
 * pane-broadcast.c -- the broadcast typing screen: a banner naming the
 * targets, then one of three views of the nodes' terminals (one node
 * full size, a grid of tiles, or identical screens folded into groups),
 * and a status line.
 *
 * It draws the model in src/broadcast.h and hands it keys; the glue in
 * tui.c sends them. While typing, every key goes to the nodes (Esc
 * included); ^] pauses the typing and makes the keys clustertop's own
 * (views, next node, take a node out), until Enter or i. ^] pressed
 * twice sends one literal ^] to the nodes (telnet's users expect it).
 */

#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "broadcast.h"
#include "ui.h"

#define BC_ESCAPE_KEY	0x1d		/* ^] */
#define BC_TILES_MAX	16
#define BC_TILE_MIN_W	20

static const char *const view_names[BC_NVIEWS] = { "full", "tiles",
    "grouped" };

/* Curses keys that the terminals encode, each by its own modes. */
static const struct {
	int		 curses;
	enum term_key	 key;
	int		 mod;
} bc_keymap[] = {
	{ KEY_UP, TERM_KEY_UP, 0 },
	{ KEY_DOWN, TERM_KEY_DOWN, 0 },
	{ KEY_LEFT, TERM_KEY_LEFT, 0 },
	{ KEY_RIGHT, TERM_KEY_RIGHT, 0 },
	{ KEY_SLEFT, TERM_KEY_LEFT, TERM_MOD_SHIFT },
	{ KEY_SRIGHT, TERM_KEY_RIGHT, TERM_MOD_SHIFT },
	{ KEY_HOME, TERM_KEY_HOME, 0 },
	{ KEY_END, TERM_KEY_END, 0 },
	{ KEY_PPAGE, TERM_KEY_PAGEUP, 0 },
	{ KEY_NPAGE, TERM_KEY_PAGEDOWN, 0 },
	{ KEY_IC, TERM_KEY_INS, 0 },
	{ KEY_DC, TERM_KEY_DEL, 0 },
	{ KEY_BACKSPACE, TERM_KEY_BACKSPACE, 0 },
	{ KEY_ENTER, TERM_KEY_ENTER, 0 },
	{ KEY_BTAB, TERM_KEY_TAB, TERM_MOD_SHIFT },
};

/* A curses key as a key for the terminals; 0 when it is not one. */
static int
bc_map_key(int key, enum term_key *tk, int *mod)
{
	size_t	i;

	*mod = 0;
	if (key >= KEY_F(1) && key <= KEY_F(12)) {
		*tk = (enum term_key)(TERM_KEY_F0 + (key - KEY_F0));
		return (1);
	}
	for (i = 0; i < sizeof bc_keymap / sizeof bc_keymap[0]; i++) {
		if (bc_keymap[i].curses == key) {
			*tk = bc_keymap[i].key;
			*mod = bc_keymap[i].mod;
			return (1);
		}
	}
	return (0);
}

/* --- keys ------------------------------------------------------------------ */

static void
bc_step(struct ui *ui, int dir)
{
	struct broadcast	*b = ui->bcast;

	if (b->view == BC_VIEW_GROUPS) {
		if (b->ngroups == 0)
			return;
		b->gcur = (b->gcur + b->ngroups + (size_t)(dir > 0 ? 1 : -1)) %
		    b->ngroups;
		return;
	}
	if (b->n == 0)
		return;
	b->cur = (b->cur + b->n + (size_t)(dir > 0 ? 1 : -1)) % b->n;
}

/* x: the node shown (in the grouped view, the group shown) out or in. */
static void
bc_toggle(struct ui *ui)
{
	struct broadcast	*b = ui->bcast;
	struct bc_group		*g;
	size_t			 i;
	int			 out;

	if (b->view == BC_VIEW_GROUPS && b->gcur < b->ngroups) {
		g = &b->groups[b->gcur];
		out = !b->nodes[g->members[0]].out;
		for (i = 0; i < g->n; i++)
			b->nodes[g->members[i]].out = out;
		ui_message(ui, 0, "%s %s the broadcast", g->label,
		    out ? "taken out of" : "back in");
		return;
	}
	if (b->cur >= b->n)
		return;
	broadcast_toggle(b, b->cur);
	ui_message(ui, 0, "%s %s the broadcast", b->nodes[b->cur].name,
	    b->nodes[b->cur].out ? "taken out of" : "back in");
}

static int
bc_control_key(struct ui *ui, int key)
{
	struct broadcast	*b = ui->bcast;
	size_t			 n;

	switch (key) {
	case BC_ESCAPE_KEY:
		/* ^] ^]: the nodes get one ^], and the typing goes on. */
		b->control = 0;
		broadcast_byte(b, BC_ESCAPE_KEY);
		ui_message(ui, 0, "^] sent to %zu nodes", broadcast_ntargets(b));
		break;
	case 27:
	case '\r':
	case '\n':
	case KEY_ENTER:
	case 'i':
		b->control = 0;
		ui_message(ui, 0, "typing to %zu nodes",
		    broadcast_ntargets(b));
		break;
	case 'q':
		b->quit = 1;
		break;
	case 'v':
	case '\t':
		b->view = (enum bc_view)((b->view + 1) % BC_NVIEWS);
		if (b->view == BC_VIEW_TILES &&
		    broadcast_ntargets(b) > BC_TILES_MAX)
			b->view = BC_VIEW_GROUPS;
		break;
	case 'f':
		b->view = BC_VIEW_FULL;
		break;
	case 't':
		if (broadcast_ntargets(b) > BC_TILES_MAX) {
			ui_message(ui, 0, "tiles: up to %d nodes (%zu here); "
			    "the grouped view (g) shows them all",
			    BC_TILES_MAX, broadcast_ntargets(b));
			b->view = BC_VIEW_GROUPS;
			break;
		}
		b->view = BC_VIEW_TILES;
		break;
	case 'g':
		b->view = BC_VIEW_GROUPS;
		break;
	case 'n':
	case 'j':
	case KEY_RIGHT:
	case KEY_DOWN:
		bc_step(ui, 1);
		break;
	case 'p':
	case 'k':
	case KEY_LEFT:
	case KEY_UP:
		bc_step(ui, -1);
		break;
	case 'x':
		bc_toggle(ui);
		break;
	case 'a':
		broadcast_all_in(b);
		ui_message(ui, 0, "every node back in the broadcast");
		break;
	case 'r':
		n = broadcast_restart(b);
		ui_message(ui, 0, "%zu new shell%s asked for", n,
		    n == 1 ? "" : "s");
		break;
	case KEY_F(1):
	case '?':
		ui_message(ui, 0, "Enter type  ^] send ^]  v view  n/p next/prev "
		    " x out/in  a all in  r restart dead  q close");
		break;
	default:
		if (key >= '1' && key <= '9') {
			n = (size_t)(key - '1');
			if (b->view == BC_VIEW_GROUPS && n < b->ngroups)
				b->gcur = n;
			else if (b->view != BC_VIEW_GROUPS && n < b->n)
				b->cur = n;
			break;
		}
		return (0);
	}
	return (1);
}

static int
bc_key(struct ui *ui, int key)
{
	struct broadcast	*b = ui->bcast;
	enum term_key		 tk;
	int			 mod;

	if (b == NULL)
		return (0);
	if (key == KEY_MOUSE)
		return (1);
	/* A paste waits: its answer is seen at the end of the read. */
	if (b->control && b->held == NULL)
		return (bc_control_key(ui, key));
	if (key == BC_ESCAPE_KEY && b->held == NULL) {
		b->control = 1;
		return (1);
	}
	if (bc_map_key(key, &tk, &mod))
		broadcast_key(b, tk, mod);
	else if (key >= 0 && key < 256)
		broadcast_byte(b, (unsigned char)key);
	return (1);
}

/* --- drawing ------------------------------------------------------------------ */

static unsigned long
bc_cell_attr(const struct term_cell *c, int dim)
{
	unsigned long	a = A_NORMAL;

	if (c->bold)
		a |= A_BOLD;
	if (c->underline)
		a |= A_UNDERLINE;
	if (c->reverse)
		a |= A_REVERSE;
	/* Drawn where the terminal has them (curses leaves them out else). */
	if (c->italic && (term_attrs() & WA_ITALIC))
		a |= A_ITALIC;
	if (c->blink && (termattrs() & A_BLINK))
		a |= A_BLINK;
	if (dim)
		a |= A_DIM;
	return (a);
}

/*
 * The colour pair for a remote cell: its own colours, the theme's where
 * it has none (so a light theme stays light). 0: the theme's default.
 * Pairs come from ncurses' allocator (alloc_pair), after the theme's.
 */
static int
bc_pair(struct ui *ui, short fg, short bg)
{
	int	p;

	if (!ui->colour || ui->theme.monochrome || (fg < 0 && bg < 0))
		return (0);
	if (fg < 0)
		fg = ui->theme.role[THEME_DEFAULT].fg;
	if (bg < 0)
		bg = ui->theme.background;
	if (fg >= 0)
		fg = ui_theme_nearest(fg, COLORS);
	if (bg >= 0)
		bg = ui_theme_nearest(bg, COLORS);
	p = alloc_pair(fg, bg);
	return (p > 0 ? p : 0);
}

/*
 * Draw rows of T into H x W at Y, X: all of it when it fits, else the
 * window that keeps the cursor in sight (bottom rows, left columns).
 */
static void
bc_draw_term(struct ui *ui, struct term *t, int y, int x, int h, int w,
    int dim, int cursor)
{
	struct term_cell	c;
	int			rows, cols, top, r, k, cr, cc, cv, pair;
	unsigned long		a;

	if (h <= 0 || w <= 0)
		return;
	term_size(t, &rows, &cols);
	term_cursor(t, &cr, &cc, &cv);
	top = 0;
	if (rows > h) {
		top = cr - h + 1;
		if (top < 0)
			top = 0;
		if (top > rows - h)
			top = rows - h;
	}
	for (r = 0; r < h && top + r < rows; r++) {
		for (k = 0; k < w && k < cols; k++) {
			term_cell(t, top + r, k, &c);
			if (c.width == 0)
				continue;
			a = bc_cell_attr(&c, dim);
			if (cursor && cv && top + r == cr && k == cc)
				a ^= A_REVERSE;
			if (c.width == 2 && k + 1 >= w)
				break;
			pair = bc_pair(ui, c.fg, c.bg);
			if (pair == 0) {
				ui_put(y + r, x + k, c.width, a, c.ch[0] != '\0' ?
				    c.ch : " ");
				continue;
			}
			attr_set((attr_t)a, (short)pair, NULL);
			mvaddstr(y + r, x + k, c.ch[0] != '\0' ? c.ch : " ");
		}
	}
}

static const char *
bc_state_word(const struct bc_node *bn)
{
	if (bn->st == BC_LIVE)
		return (bn->out ? "out" : "in");
	if (bn->st == BC_WAITING)
		return (bn->why[0] != '\0' ? bn->why : "waiting");
	return (bn->why[0] != '\0' ? bn->why : "dead");
}

static void
bc_draw_full(struct ui *ui, int y, int h)
{
	struct broadcast	*b = ui->bcast;
	struct bc_node		*bn;

	if (b->cur >= b->n)
		return;
	bn = &b->nodes[b->cur];
	bc_draw_term(ui, bn->term, y, 0, h, ui->cols, bn->st != BC_LIVE, 1);
}

static void
bc_draw_tiles(struct ui *ui, int y, int h)
{
	struct broadcast	*b = ui->bcast;
	struct bc_node		*bn;
	unsigned long		 ta, bd = ui_attr(THEME_BORDER, UI_PLAIN);
	size_t			 first, n, i;
	int			 tc, tr, tw, th, r, k, ty, tx;

	n = b->n < BC_TILES_MAX ? b->n : BC_TILES_MAX;
	/* The page of tiles that holds the current node. */
	first = (b->cur / BC_TILES_MAX) * BC_TILES_MAX;
	if (first + n > b->n)
		n = b->n - first;
	if (n == 0)
		return;
	for (tc = 1; (size_t)(tc * tc) < n; tc++)
		;
	while (tc > 1 && (ui->cols - (tc - 1)) / tc < BC_TILE_MIN_W)
		tc--;
	tr = (int)((n + (size_t)tc - 1) / (size_t)tc);
	tw = (ui->cols - (tc - 1)) / tc;
	th = h / tr;
	if (th < 2)
		th = 2;
	for (i = 0; i < n; i++) {
		bn = &b->nodes[first + i];
		r = (int)i / tc;
		k = (int)i % tc;
		ty = y + r * th;
		tx = k * (tw + 1);
		if (ty + 1 >= y + h)
			break;
		if (first + i == b->cur)
			ta = ui_attr(THEME_CURSOR, UI_CURSOR) | A_BOLD;
		else if (bn->st != BC_LIVE)
			ta = ui_attr(THEME_NODE_DOWN, UI_ALT);
		else if (bn->out)
			ta = ui_attr(THEME_DIM, UI_ALT);
		else
			ta = ui_attr(THEME_HEADER, UI_PLAIN);
		ui_fill(ty, tx, tw, ta);
		ui_putf(ty, tx, tw, ta, " %zu %s %s %s", first + i + 1,
		    bn->name, ui->g->dot, bc_state_word(bn));
		bc_draw_term(ui, bn->term, ty + 1, tx, (ty + th > y + h ?
		    y + h - ty : th) - 1, tw, bn->st != BC_LIVE,
		    first + i == b->cur);
		if (k + 1 < tc) {
			attrset((attr_t)bd);
			mvvline(ty, tx + tw, ACS_VLINE, th);
		}
	}
}

/* " · 2 out · 1 no shell" for a group's line, or "". */
static void
bc_group_note(const struct broadcast *b, const struct bc_group *g,
    char *buf, size_t size)
{
	size_t	i, out = 0, dead = 0;
	int	n = 0;

	for (i = 0; i < g->n; i++) {
		out += b->nodes[g->members[i]].out != 0;
		dead += b->nodes[g->members[i]].st != BC_LIVE;
	}
	buf[0] = '\0';
	if (out > 0)
		n = snprintf(buf, size, "  %zu out", out);
	if (dead > 0 && n >= 0 && (size_t)n < size)
		snprintf(buf + n, size - (size_t)n, "  %zu no shell", dead);
}

static void
bc_draw_groups(struct ui *ui, int y, int h)
{
	struct broadcast	*b = ui->bcast;
	struct bc_group		*g;
	struct bc_node		*bn;
	unsigned long		 a, bd = ui_attr(THEME_BORDER, UI_PLAIN);
	size_t			 i, first, nl;
	int			 lines, row;
	char			 note[64];

	broadcast_group(b);
	if (b->ngroups == 0)
		return;
	/* The list of groups takes at most a third of the screen. */
	lines = h / 3;
	if (lines < 1)
		lines = 1;
	nl = b->ngroups < (size_t)lines ? b->ngroups : (size_t)lines;
	first = b->gcur >= nl ? b->gcur - nl + 1 : 0;
	for (i = 0; i < nl; i++) {
		g = &b->groups[first + i];
		row = y + (int)i;
		bc_group_note(b, g, note, sizeof note);
		if (first + i == b->gcur)
			a = ui_attr(THEME_CURSOR, UI_CURSOR) | A_BOLD;
		else if (first + i == 0)
			a = ui_attr(THEME_DEFAULT, UI_PLAIN);
		else
			a = ui_attr(THEME_WARN, UI_PLAIN);
		ui_fill(row, 0, ui->cols, a);
		if (first + i == 0 && g->n > 1)
			ui_putf(row, 0, ui->cols, a, " %zu  %s (%zu)%s",
			    first + i + 1, g->label, g->n, note);
		else if (g->n == 1)
			ui_putf(row, 0, ui->cols, a, " %zu  %s differs%s",
			    first + i + 1, g->label, note);
		else
			ui_putf(row, 0, ui->cols, a, " %zu  %s (%zu) differ%s",
			    first + i + 1, g->label, g->n, note);
	}
	row = y + (int)nl;
	attrset((attr_t)bd);
	mvhline(row, 0, ACS_HLINE, ui->cols);
	ui_putf(row, 2, ui->cols - 4, bd, " screen of %s ",
	    b->groups[b->gcur].label);
	row++;
	bn = &b->nodes[b->groups[b->gcur].members[0]];
	bc_draw_term(ui, bn->term, row, 0, y + h - row, ui->cols,
	    bn->st != BC_LIVE, 1);
}

static void
bc_draw_banner(struct ui *ui, int y)
{
	struct broadcast	*b = ui->bcast;
	unsigned long		 a;
	char			*in, *out, *dead, buf[512];
	size_t			 nin, nout, ndead;
	int			 x;

	in = broadcast_names(b, 0, &nin);
	out = broadcast_names(b, 1, &nout);
	dead = broadcast_names(b, 2, &ndead);
	if (b->held != NULL) {
		a = ui_attr(THEME_ERROR, UI_PLAIN) | A_REVERSE | A_BOLD;
		snprintf(buf, sizeof buf, " PASTE %zu lines to %zu nodes? "
		    "y: send  any other key: drop ", b->held_lines, nin);
	} else if (b->control) {
		a = ui_attr(THEME_STATUS, UI_PLAIN) | A_BOLD;
		snprintf(buf, sizeof buf, " PAUSED %s keys are for clustertop "
		    "%s %zu target%s: %s ", ui->g->dot, ui->g->dot, nin,
		    nin == 1 ? "" : "s", nin ? in : "none");
	} else {
		a = ui_attr(THEME_WARN, UI_PLAIN) | A_REVERSE | A_BOLD;
		snprintf(buf, sizeof buf, " BROADCAST to %zu node%s: %s ",
		    nin, nin == 1 ? "" : "s", nin ? in : "none");
	}
	ui_fill(y, 0, ui->cols, a);
	x = ui_put(y, 0, ui->cols, a, buf);
	if (nout > 0 && x < ui->cols)
		x += ui_putf(y, x, ui->cols - x, a, "%s out: %s ", ui->g->dot,
		    out);
	if (ndead > 0 && x < ui->cols)
		ui_putf(y, x, ui->cols - x, a, "%s no shell: %s ", ui->g->dot,
		    dead);
	free(in);
	free(out);
	free(dead);
}

static void
bc_draw_status(struct ui *ui, int y)
{
	struct broadcast	*b = ui->bcast;
	unsigned long		 st = ui_attr(THEME_STATUS, UI_PLAIN);
	unsigned long		 key = ui_attr(THEME_STATUS_KEY, UI_PLAIN);
	const char		*hint;
	char			 left[256];
	int			 x, hw;

	ui_fill(y, 0, ui->cols, st);
	hint = b->control ? " v view  n/p node  x out/in  a all  r restart  "
	    "q close  Enter type " : " ^] menu (Esc goes to the nodes) ";
	/* The left part (view, node, state) needs about 60 columns. */
	hw = ui_width(hint);
	if (hw > ui->cols - 60 && b->control)
		hint = " v n/p x a r q Enter ";
	hw = ui_width(hint);
	if (hw > ui->cols - 40)
		hw = 0;
	else
		ui_put(y, ui->cols - hw, hw, key, hint);
	if (ui->message[0] != '\0') {
		ui_put(y, 1, ui->cols - hw - 2, ui_attr(ui->message_error ?
		    THEME_ERROR : THEME_MESSAGE, UI_PLAIN), ui->message);
		return;
	}
	if (b->view == BC_VIEW_GROUPS)
		snprintf(left, sizeof left, "%s %s %zu screen%s for %zu nodes",
		    view_names[b->view], ui->g->dot, b->ngroups,
		    b->ngroups == 1 ? "" : "s", b->n);
	else if (b->cur < b->n)
		snprintf(left, sizeof left, "%s %s %s (%zu/%zu) %s %s %s "
		    "%dx%d", view_names[b->view], ui->g->dot,
		    b->nodes[b->cur].name, b->cur + 1, b->n, ui->g->dot,
		    bc_state_word(&b->nodes[b->cur]), ui->g->dot, b->cols,
		    b->rows);
	else
		left[0] = '\0';
	x = 1;
	ui_put(y, x, ui->cols - hw - 2, st, left);
}

static void
bc_draw(struct ui *ui, const struct ui_rect *r)
{
	struct broadcast	*b = ui->bcast;
	int			 y = r->y, h = r->h;

	(void)r;
	if (b == NULL || h < 3)
		return;
	bc_draw_banner(ui, y);
	switch (b->view) {
	case BC_VIEW_FULL:
		bc_draw_full(ui, y + 1, h - 2);
		break;
	case BC_VIEW_TILES:
		bc_draw_tiles(ui, y + 1, h - 2);
		break;
	default:
		bc_draw_groups(ui, y + 1, h - 2);
		break;
	}
	bc_draw_status(ui, y + h - 1);
}

const struct pane_kind pane_broadcast_kind = {
	.name = "broadcast",
	.draw = bc_draw,
	.key = bc_key,
	.mouse = NULL
};
