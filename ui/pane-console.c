/*
 * pane-console.c -- the command console: `:` types a command that runs on
 * the selected nodes (every node when none is selected), and the results
 * come in as dshbak -c style blocks, largest first, regrouped live.
 *
 * The model is src/console.h; tui.c starts and cancels the job and does
 * the copying and saving (I/O) when this pane asks through ui->action.
 * Everything a node printed goes through console_escape() before it is
 * drawn, so no byte from a node reaches the terminal as a control.
 * "-u SECONDS COMMAND" at the prompt gives that one command a timeout.
 *
 * Keys: Tab / S-Tab the next / previous block, arrows (j k) and PgUp PgDn
 * scroll, Left Right (h l) scroll sideways, W wrap long lines instead
 * (again: scroll), d the diff of the block
 * against the largest, s make its nodes the selection, y copy it, w save
 * every node's result, : or Enter a new command, ^C cancel, Esc back.
 */

#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "console.h"
#include "ui.h"

#define CTRL(c)		((c) & 0x1f)
#define CON_INDENT	2		/* output lines under their header */
#define CON_LABEL_FOLD	20		/* longest folded list in the prompt */

/* Rows the results get in body R: the title, and one line at the bottom. */
static int
results_h(const struct ui_rect *r)
{
	return (r->h - 2 > 0 ? r->h - 2 : 0);
}

static enum theme_role
status_role(const struct gather_group *gg)
{
	if (gg->state == NULL)
		return (gg->status == 0 && gg->sig == NULL ? THEME_OK :
		    THEME_CRIT);
	if (strcmp(gg->state, "running") == 0)
		return (THEME_NODE_CONNECTING);
	if (strncmp(gg->state, "cancelled", 9) == 0)
		return (THEME_WARN);
	return (THEME_NODE_DOWN);
}

/* Escaped text at Y, X, at most W columns, with a mark where it is cut. */
static void
put_escaped(struct ui *ui, int y, int x, int w, unsigned long attr,
    const char *text, size_t len, size_t left)
{
	char	buf[8 * 512 + 16];
	int	cut;

	if (w <= 0)
		return;
	if (w > 512)
		w = 512;
	console_escape(text, len, ui->utf8, left, w, buf, sizeof buf, &cut);
	/* BUF fits in W columns already (ui_put counts code points, not
	 * columns: combining marks would make it cut too early). */
	ui_put(y, x, (int)strlen(buf), attr, buf);
	if (cut)
		ui_put(y, x + w - 1, 1, ui_attr(THEME_DIM, UI_PLAIN) |
		    A_REVERSE, ">");
}

static void
draw_title(struct ui *ui, const struct ui_rect *r)
{
	struct console	*c = ui->console;
	unsigned long	 ta = ui_attr(THEME_TITLE, UI_PLAIN);
	unsigned long	 la = ui_attr(THEME_LABEL, UI_PLAIN);
	char		 right[256], t[32], to[48] = "";
	int		 rw, x;
	uint64_t	 ms;

	ui_fill(r->y, r->x, r->w, ui_attr(THEME_HEADER, UI_PLAIN));
	if (c->command == NULL) {
		ui_put(r->y, r->x + 1, r->w - 2, ta,
		    "command console: type a command, Enter runs it on the "
		    "selected nodes (all when none)");
		return;
	}
	/* The loop's clock may be a little older than the start. */
	if (c->phase == CONSOLE_RUNNING)
		ms = ui->now_ms > c->start_ms ? ui->now_ms - c->start_ms : 0;
	else
		ms = c->end_ms > c->start_ms ? c->end_ms - c->start_ms : 0;
	ui_fmt_duration(t, sizeof t, (double)ms / 1000);
	if (ms < 60000)
		snprintf(t, sizeof t, "%.1fs", (double)ms / 1000);
	if (c->timeout_ms > 0)
		snprintf(to, sizeof to, "%s-u %gs %s ", c->via ? "via slurm " :
		    "", (double)c->timeout_ms / 1000, ui->g->dot);
	else if (c->via)
		snprintf(to, sizeof to, "via slurm %s ", ui->g->dot);
	snprintf(right, sizeof right, " %s (%zu) %s %zu/%zu done %s %s%s%s ",
	    c->run_fold, console_nrun(c), ui->g->dot, c->nended,
	    console_nrun(c), ui->g->dot, to, c->phase == CONSOLE_RUNNING ?
	    "running " : c->cancelled ? "cancelled " : "", t);
	rw = ui_width(right);
	if (rw > r->w / 2) {
		/* Short of room: the count without the list. */
		snprintf(right, sizeof right, " %zu nodes %s %zu done %s %s%s%s ",
		    console_nrun(c), ui->g->dot, c->nended, ui->g->dot, to,
		    c->phase == CONSOLE_RUNNING ? "running " : c->cancelled ?
		    "cancelled " : "", t);
		rw = ui_width(right);
	}
	if (rw > r->w / 2)
		rw = r->w / 2;
	x = r->x + ui_put(r->y, r->x + 1, 2, la | A_BOLD, "$ ") + 1;
	put_escaped(ui, r->y, x, r->w - rw - (x - r->x) - 1, ta,
	    c->command, strlen(c->command), 0);
	ui_put(r->y, r->x + r->w - rw, rw, c->phase == CONSOLE_RUNNING ?
	    ui_attr(THEME_NODE_CONNECTING, UI_PLAIN) : la, right);
}

/* The line above the prompt: where the command will run. */
static void
draw_footer(struct ui *ui, const struct ui_rect *r, int y)
{
	struct console	*c = ui->console;
	unsigned long	 a = ui_attr(THEME_STATUS, UI_PLAIN);
	unsigned long	 k = ui_attr(THEME_STATUS_KEY, UI_PLAIN);
	size_t		 n;
	int		 x;

	ui_fill(y, r->x, r->w, a);
	/* The prompt hides the status line: its errors show here. */
	if (ui->prompt.active && ui->message[0] != '\0' &&
	    ui->message_error) {
		ui_put(y, r->x + 1, r->w - 2, ui_attr(THEME_ERROR, UI_PLAIN),
		    ui->message);
		return;
	}
	if (ui->prompt.active && ui->prompt.purpose == UI_PROMPT_CONSOLE) {
		n = console_ntarget(c);
		x = r->x + ui_putf(y, r->x + 1, r->w - 2, a | A_BOLD,
		    "runs on %zu node%s: ", n, n == 1 ? "" : "s") + 1;
		x += ui_put(y, x, r->w - (x - r->x) - 1, a, c->next_fold);
		ui_put(y, x, r->w - (x - r->x) - 1, a, c->next_all ?
		    "  (nothing selected: every node)" : "  (the selection)");
		return;
	}
	if (ui->prompt.active && ui->prompt.purpose == UI_PROMPT_CONSOLE_SAVE) {
		ui_putf(y, r->x + 1, r->w - 2, a, "writes the full result of "
		    "each of the %zu nodes, one section per node (mode 0600; "
		    "~/ is home)", console_nrun(c));
		return;
	}
	if (ui->prompt.active)
		return;
	x = r->x + 1;
	x += ui_put(y, x, r->w - (x - r->x), k, " : ");
	x += ui_put(y, x, r->w - (x - r->x), a, " command ");
	x += ui_put(y, x, r->w - (x - r->x), k, " Tab ");
	x += ui_put(y, x, r->w - (x - r->x), a, " block ");
	x += ui_put(y, x, r->w - (x - r->x), k, " d ");
	x += ui_put(y, x, r->w - (x - r->x), a, " diff ");
	x += ui_put(y, x, r->w - (x - r->x), k, " s ");
	x += ui_put(y, x, r->w - (x - r->x), a, " select ");
	x += ui_put(y, x, r->w - (x - r->x), k, " y ");
	x += ui_put(y, x, r->w - (x - r->x), a, " copy ");
	x += ui_put(y, x, r->w - (x - r->x), k, " w ");
	x += ui_put(y, x, r->w - (x - r->x), a, " save ");
	x += ui_put(y, x, r->w - (x - r->x), k, " W ");
	x += ui_put(y, x, r->w - (x - r->x), a, ui->con.wrap ? " scroll " :
	    " wrap ");
	x += ui_put(y, x, r->w - (x - r->x), k, " ^C ");
	x += ui_put(y, x, r->w - (x - r->x), a, " cancel ");
	x += ui_put(y, x, r->w - (x - r->x), k, " Esc ");
	ui_put(y, x, r->w - (x - r->x), a, " back");
}

/* "node[01-07] (7)  exit 0"; CURSOR 1: the cursor's, 2: no indent */
static int
draw_block_header(struct ui *ui, int y, int x, int w,
    const struct gather_group *gg, int cursor)
{
	enum ui_variant	 v = cursor == 1 ? UI_CURSOR : UI_PLAIN;
	unsigned long	 na = ui_attr(THEME_TITLE, v) | A_BOLD;
	char		 st[128];
	int		 used = 0;

	if (cursor == 1)
		ui_fill(y, x, w, ui_attr(THEME_CURSOR, UI_CURSOR));
	if (cursor != 2)
		used += ui_put(y, x + used, w - used, ui_attr(THEME_DIM, v),
		    cursor ? (ui->utf8 ? "\u25b6 " : "> ") : "  ");
	used += ui_put(y, x + used, w - used, na, gg->hosts);
	used += ui_putf(y, x + used, w - used, ui_attr(THEME_LABEL, v),
	    " (%zu)  ", gg->nhosts);
	console_block_status(gg, st, sizeof st);
	used += ui_put(y, x + used, w - used, ui_attr(status_role(gg), v) |
	    A_BOLD, st);
	return (used);
}

/* Screen lines ROW takes at W columns: more than one only when wrapping. */
static size_t
row_lines(struct ui *ui, const struct console_row *row, int w)
{
	if (!ui->con.wrap || (row->kind != CONSOLE_ROW_OUT &&
	    row->kind != CONSOLE_ROW_ERR))
		return (1);
	return (console_wrap_lines(row->text, row->len, ui->utf8, w));
}

/* Wrapping: keep TOP / TOP_SEG where the last screen is still full. */
static void
clamp_wrapped(struct ui *ui, const struct console_row *rows, size_t n, int w,
    int h)
{
	size_t	left = (size_t)h, i = n, ht, mtop = 0, mseg = 0;

	while (i > 0) {
		ht = row_lines(ui, &rows[i - 1], w);
		if (ht >= left) {
			mtop = i - 1;
			mseg = ht - left;
			break;
		}
		left -= ht;
		i--;
	}
	if (ui->con.top > mtop || (ui->con.top == mtop &&
	    ui->con.top_seg > mseg)) {
		ui->con.top = mtop;
		ui->con.top_seg = mseg;
	}
	if (ui->con.top < n && ui->con.top_seg > 0 &&
	    ui->con.top_seg >= (ht = row_lines(ui, &rows[ui->con.top], w)))
		ui->con.top_seg = ht - 1;
}

/* One output row, wrapped: its lines from SEG on; returns the lines drawn. */
static int
draw_wrapped(struct ui *ui, const struct ui_rect *r, int y, int h,
    const struct console_row *row, unsigned long attr, size_t seg)
{
	char	buf[8 * 512 + 16];
	size_t	pos = 0, col = 0, k = 0;
	int	w = r->w - CON_INDENT, drawn = 0;

	if (w > 512)
		w = 512;
	if (w < 1)
		return (1);
	do {
		console_escape_wrap(row->text, row->len, ui->utf8, &pos, &col,
		    w, buf, sizeof buf);
		if (k++ < seg)
			continue;
		if (k > 1)
			ui_put(y + drawn, r->x, CON_INDENT, ui_attr(THEME_DIM,
			    UI_PLAIN), ui->utf8 ? " \u21aa" : " +");
		ui_put(y + drawn, r->x + CON_INDENT, (int)strlen(buf), attr,
		    buf);
		drawn++;
	} while (pos < row->len && drawn < h);
	return (drawn > 0 ? drawn : 1);
}

static void
draw_results(struct ui *ui, const struct ui_rect *r, int y0, int h)
{
	struct console			*c = ui->console;
	const struct console_row	*rows, *row;
	const struct gather_group	*gg;
	size_t				 n, i, nb, seg;
	int				 y, k, used;
	unsigned long			 a;

	rows = console_rows(c, &n);
	nb = console_nblocks(c);
	if (ui->con.block >= nb)
		ui->con.block = nb > 0 ? nb - 1 : 0;
	if (ui->con.wrap)
		clamp_wrapped(ui, rows, n, r->w - CON_INDENT, h);
	else if (n <= (size_t)h)
		ui->con.top = 0;
	else if (ui->con.top > n - (size_t)h)
		ui->con.top = n - (size_t)h;
	if (!ui->con.wrap)
		ui->con.top_seg = 0;
	ui->con.nline_rows = 0;
	if (c->command == NULL) {
		ui_put(y0 + 1, r->x + 2, r->w - 4, ui_attr(THEME_DIM,
		    UI_PLAIN), "Results appear here as they arrive, one "
		    "block per distinct output and exit status.");
		return;
	}
	seg = ui->con.top_seg;
	for (y = 0, i = ui->con.top; y < h && i < n; i++, y += used) {
		row = &rows[i];
		gg = console_block(c, row->block);
		used = 1;
		switch (row->kind) {
		case CONSOLE_ROW_HEADER:
			draw_block_header(ui, y0 + y, r->x, r->w, gg,
			    row->block == ui->con.block);
			break;
		case CONSOLE_ROW_OUT:
		case CONSOLE_ROW_ERR:
			a = ui_attr(row->kind == CONSOLE_ROW_OUT ?
			    THEME_DEFAULT : THEME_WARN, UI_PLAIN);
			if (ui->con.wrap)
				used = draw_wrapped(ui, r, y0 + y, h - y, row,
				    a, seg);
			else
				put_escaped(ui, y0 + y, r->x + CON_INDENT,
				    r->w - CON_INDENT, a, row->text, row->len,
				    ui->con.left);
			break;
		case CONSOLE_ROW_ERRMARK:
		case CONSOLE_ROW_NOTE:
			put_escaped(ui, y0 + y, r->x + CON_INDENT,
			    r->w - CON_INDENT, ui_attr(THEME_DIM, UI_PLAIN),
			    row->text, row->len, 0);
			break;
		case CONSOLE_ROW_BLANK:
			break;
		}
		seg = 0;
		/* Which row each screen line shows, for the mouse. */
		for (k = 0; k < used; k++) {
			if (ui->con.nline_rows < (int)(sizeof ui->con.line_row /
			    sizeof ui->con.line_row[0]))
				ui->con.line_row[ui->con.nline_rows++] = i;
		}
	}
	if (n > (size_t)h || ui->con.top > 0 || i < n)
		ui_putf(y0 + h - 1, r->x + r->w - 12, 12, ui_attr(THEME_DIM,
		    UI_PLAIN) | A_REVERSE, " %3zu%% %s%s ", n > 0 ?
		    i * 100 / n : 100, ui->con.top > 0 || ui->con.top_seg > 0 ?
		    "^" : " ", i < n ? "v" : " ");
}

static void
draw_diff(struct ui *ui, const struct ui_rect *r, int y0, int h)
{
	struct console			*c = ui->console;
	const struct console_diff_line	*d;
	const struct gather_group	*g0, *gb;
	unsigned long			 a;
	size_t				 n, i;
	int				 y, x;
	char				 note[64];

	g0 = console_block(c, 0);
	gb = console_block(c, ui->con.block);
	d = console_diff(c, ui->con.block, &n);
	if (g0 == NULL || gb == NULL || d == NULL || h < 3) {
		ui->con.diff = 0;
		return;
	}
	x = r->x + ui_put(y0, r->x, r->w, ui_attr(THEME_LABEL, UI_PLAIN),
	    "diff of ");
	x += draw_block_header(ui, y0, x, r->w - (x - r->x), gb, 2);
	x += ui_put(y0, x, r->w - (x - r->x), ui_attr(THEME_LABEL, UI_PLAIN),
	    "  against the largest block ");
	draw_block_header(ui, y0, x, r->w - (x - r->x), g0, 2);
	ui_putf(y0 + 1, r->x + 2, r->w - 4, ui_attr(THEME_DIM, UI_PLAIN),
	    "- only in the largest block   + only in this block%s   "
	    "(Esc or d: back)", c->diff_approx ? "   (too large: not line "
	    "by line)" : "");
	y0 += 2;
	h -= 2;
	for (i = 0; i < n && (d[i].op == ' ' || d[i].op == '~'); i++)
		;
	if (i == n) {
		ui_put(y0, r->x + 2, r->w - 4, ui_attr(THEME_WARN, UI_PLAIN),
		    "the same output: only the exit status or state differs");
		y0++;
		h--;
	}
	if (n <= (size_t)h)
		ui->con.diff_top = 0;
	else if (ui->con.diff_top > n - (size_t)h)
		ui->con.diff_top = n - (size_t)h;
	for (y = 0; y < h && ui->con.diff_top + (size_t)y < n; y++) {
		i = ui->con.diff_top + (size_t)y;
		switch (d[i].op) {
		case '-':
			a = ui_attr(THEME_CRIT, UI_PLAIN);
			break;
		case '+':
			a = ui_attr(THEME_OK, UI_PLAIN);
			break;
		case '~':
			snprintf(note, sizeof note, "%s %zu equal line%s",
			    ui->g->ellipsis, d[i].skipped, d[i].skipped == 1 ?
			    "" : "s");
			ui_put(y0 + y, r->x + 2, r->w - 2, ui_attr(THEME_DIM,
			    UI_PLAIN), note);
			continue;
		default:
			a = ui_attr(THEME_DEFAULT, UI_PLAIN);
			break;
		}
		ui_putf(y0 + y, r->x, 2, a | A_BOLD, "%c ", d[i].op);
		put_escaped(ui, y0 + y, r->x + 2, r->w - 2, a, d[i].text,
		    d[i].len, ui->con.left);
	}
}

static void
console_draw(struct ui *ui, const struct ui_rect *r)
{
	int	h;

	if (ui->console == NULL || r->h < 3)
		return;
	draw_title(ui, r);
	h = results_h(r);
	if (ui->con.diff)
		draw_diff(ui, r, r->y + 1, h);
	if (!ui->con.diff)
		draw_results(ui, r, r->y + 1, h);
	draw_footer(ui, r, r->y + r->h - 1);
}

/* --- keys ------------------------------------------------------------------------ */

/* Scroll so that block B's header is on screen (at the top if it moved). */
static void
show_block(struct ui *ui, size_t b)
{
	size_t	row = console_block_first_row(ui->console, b);
	size_t	h = (size_t)results_h(&ui->layout.body);

	ui->con.block = b;
	if (row < ui->con.top || row >= ui->con.top + (h > 0 ? h : 1)) {
		ui->con.top = row;
		ui->con.top_seg = 0;
	}
}

static void
select_block(struct ui *ui)
{
	const char *const	*names;
	size_t			 n, i, k = 0;
	long			 idx;

	names = console_block_names(ui->console, ui->con.block, &n);
	if (names == NULL || n == 0)
		return;
	cluster_select_none(ui->cluster);
	for (i = 0; i < n; i++) {
		if ((idx = cluster_find(ui->cluster, names[i])) >= 0) {
			cluster_select(ui->cluster, (size_t)idx, 1);
			k++;
		}
	}
	ui_message(ui, 0, "selected %zu node%s (%s): the next command runs "
	    "there", k, k == 1 ? "" : "s", console_block(ui->console,
	    ui->con.block)->hosts);
}

void
pane_console_open(struct ui *ui)
{
	struct console	*c = ui->console;
	struct cluster	*cl = ui->cluster;
	const char	**names, **all;
	size_t		*sel, n, i;
	char		 label[32];

	if (c == NULL) {
		ui_message(ui, 1, "command console: not available");
		return;
	}
	if (ui->view != &pane_console_kind) {
		ui->con.back = ui->view == &pane_detail_kind ? ui->back :
		    ui->view;
		ui_set_view(ui, &pane_console_kind);
	}
	sel = cluster_selected(cl, &n);
	names = calloc(n + 1, sizeof *names);
	all = calloc(cl->n + 1, sizeof *all);
	if (names == NULL || all == NULL)
		abort();
	for (i = 0; i < n; i++)
		names[i] = cl->nodes[sel[i]].name;
	for (i = 0; i < cl->n; i++)
		all[i] = cl->nodes[i].name;
	n = console_set_target(c, names, n, all, cl->n);
	free(sel);
	free(names);
	free(all);
	if (strlen(c->next_fold) <= CON_LABEL_FOLD)
		snprintf(label, sizeof label, "%s (%zu)$ ", c->next_fold, n);
	else
		snprintf(label, sizeof label, "%zu nodes$ ", n);
	console_history_reset(c);
	ui_prompt_open(&ui->prompt, label, NULL, UI_PROMPT_CONSOLE);
}

void
pane_console_prompt(struct ui *ui, enum ui_prompt_result r)
{
	struct ui_prompt	*p = &ui->prompt;
	struct console		*c = ui->console;
	const char		*cmd;
	int			 via = -1;
	char			*cause = NULL;

	if (r == UI_PROMPT_CANCEL) {
		ui_prompt_close(p);
		return;
	}
	if (r != UI_PROMPT_SUBMIT)
		return;
	if (p->purpose == UI_PROMPT_CONSOLE_SAVE) {
		if (p->buf[0] == '\0')
			return;
		snprintf(ui->con.path, sizeof ui->con.path, "%s", p->buf);
		ui_prompt_close(p);
		ui->action = UI_ACTION_CONSOLE_SAVE;
		return;
	}
	if (p->buf[strspn(p->buf, " \t")] == '\0') {
		ui_prompt_close(p);
		return;
	}
	if (console_running(c)) {
		ui_message(ui, 1, "a command is still running: ^C cancels it");
		return;
	}
	/* "[--via slurm] [-u SECONDS] COMMAND", either order: this one only. */
	if (console_parse_via(p->buf, &via, &cmd, &cause) != 0 ||
	    console_parse_line(cmd, &ui->con.timeout_ms, &cmd, &cause) != 0 ||
	    (via == -1 && console_parse_via(cmd, &via, &cmd, &cause) != 0)) {
		ui_message(ui, 1, "console: %s", cause);
		free(cause);
		return;
	}
	ui->con.via = via == 1;
	console_history_add(c, p->buf);
	snprintf(ui->con.command, sizeof ui->con.command, "%s", cmd);
	ui_prompt_close(p);
	ui->con.top = 0;
	ui->con.top_seg = 0;
	ui->con.left = 0;
	ui->con.block = 0;
	ui->con.diff = 0;
	ui->action = UI_ACTION_CONSOLE_RUN;
}

/* Wrapping: scroll by screen lines, through the lines of long rows. */
static void
wrap_scroll(struct ui *ui, long by)
{
	const struct console_row	*rows;
	size_t				 n, ht;
	int				 w = ui->layout.body.w - CON_INDENT;

	rows = console_rows(ui->console, &n);
	if (n == 0 || by <= -100000 || ui->con.top >= n) {
		ui->con.top = by <= -100000 ? 0 : ui->con.top;
		ui->con.top_seg = 0;
		if (by >= 100000)
			ui->con.top = n;	/* clamped when drawn */
		return;
	}
	if (by >= 100000) {
		ui->con.top = n;
		ui->con.top_seg = 0;
		return;
	}
	ht = row_lines(ui, &rows[ui->con.top], w);
	for (; by > 0; by--) {
		if (ui->con.top_seg + 1 < ht)
			ui->con.top_seg++;
		else if (ui->con.top + 1 < n) {
			ui->con.top++;
			ui->con.top_seg = 0;
			ht = row_lines(ui, &rows[ui->con.top], w);
		} else
			break;
	}
	for (; by < 0; by++) {
		if (ui->con.top_seg > 0)
			ui->con.top_seg--;
		else if (ui->con.top > 0) {
			ui->con.top--;
			ui->con.top_seg = row_lines(ui, &rows[ui->con.top], w) -
			    1;
		} else
			break;
	}
}

static void
con_scroll(struct ui *ui, long by)
{
	size_t	*top = ui->con.diff ? &ui->con.diff_top : &ui->con.top;

	if (ui->con.wrap && !ui->con.diff) {
		wrap_scroll(ui, by);
		return;
	}

	if (by < 0 && (size_t)-by > *top)
		*top = 0;
	else
		*top += (size_t)by;	/* clamped when drawn */
}

static int
console_key(struct ui *ui, int key)
{
	struct console	*c = ui->console;
	long		 page = results_h(&ui->layout.body) - 1;
	size_t		 nb;

	if (c == NULL)
		return (0);
	if (page < 1)
		page = 1;
	nb = console_nblocks(c);
	switch (key) {
	case ':':
	case '\n':
	case '\r':
	case KEY_ENTER:
		pane_console_open(ui);
		return (1);
	case 27:
	case KEY_BACKSPACE:
	case 127:
		if (ui->con.diff) {
			ui->con.diff = 0;
			return (1);
		}
		ui_set_view(ui, ui->con.back != NULL ? ui->con.back :
		    &pane_nodes_kind);
		return (1);
	case CTRL('c'):
		if (console_running(c))
			ui->action = UI_ACTION_CONSOLE_CANCEL;
		return (1);
	case '\t':
		if (nb > 0)
			show_block(ui, (ui->con.block + 1) % nb);
		ui->con.diff_top = 0;
		return (1);
	case KEY_BTAB:
		if (nb > 0)
			show_block(ui, (ui->con.block + nb - 1) % nb);
		ui->con.diff_top = 0;
		return (1);
	case KEY_DOWN:
	case 'j':
		con_scroll(ui, 1);
		return (1);
	case KEY_UP:
	case 'k':
		con_scroll(ui, -1);
		return (1);
	case KEY_NPAGE:
	case ' ':
		con_scroll(ui, page);
		return (1);
	case KEY_PPAGE:
		con_scroll(ui, -page);
		return (1);
	case KEY_HOME:
	case 'g':
		con_scroll(ui, -(long)((size_t)-1 / 2));
		return (1);
	case KEY_END:
	case 'G':
		con_scroll(ui, (long)((size_t)-1 / 4));
		return (1);
	case 'W':
		ui->con.wrap = !ui->con.wrap;
		ui->con.top_seg = 0;
		ui->con.left = 0;
		ui_message(ui, 0, ui->con.wrap ? "long lines wrap (W: scroll "
		    "sideways instead)" : "long lines scroll sideways with h l "
		    "(W: wrap instead)");
		return (1);
	case KEY_RIGHT:
	case 'l':
		if (ui->con.wrap && !ui->con.diff) {
			ui_message(ui, 0, "lines wrap: nothing to scroll "
			    "sideways (W: scroll instead)");
			return (1);
		}
		ui->con.left += 8;
		return (1);
	case KEY_LEFT:
	case 'h':
		ui->con.left = ui->con.left > 8 ? ui->con.left - 8 : 0;
		return (1);
	case 'd':
		if (ui->con.diff) {
			ui->con.diff = 0;
			return (1);
		}
		if (nb < 2 || ui->con.block == 0) {
			ui_message(ui, 0, "diff: %s", nb < 2 ? "only one block" :
			    "this is the largest block; Tab to another");
			return (1);
		}
		ui->con.diff = 1;
		ui->con.diff_top = 0;
		return (1);
	case 's':
		select_block(ui);
		return (1);
	case 'y':
		if (nb > 0)
			ui->action = UI_ACTION_CONSOLE_COPY;
		return (1);
	case 'w':
		if (c->command == NULL) {
			ui_message(ui, 0, "save: nothing to save yet");
			return (1);
		}
		ui_prompt_open(&ui->prompt, "save all results to: ",
		    "clustertop-console.txt", UI_PROMPT_CONSOLE_SAVE);
		return (1);
	}
	return (0);
}

/* Keys the prompt leaves: Up and Down walk the history; pages scroll. */
void
pane_console_prompt_key(struct ui *ui, int key)
{
	const char	*s;

	if (ui->console == NULL || ui->prompt.purpose != UI_PROMPT_CONSOLE)
		return;
	switch (key) {
	case KEY_UP:
	case KEY_DOWN:
		s = console_history_step(ui->console, key == KEY_UP ? -1 : 1,
		    ui->prompt.buf);
		if (s != NULL)
			ui_prompt_set(&ui->prompt, s);
		break;
	case KEY_NPAGE:
		con_scroll(ui, results_h(&ui->layout.body) - 1);
		break;
	case KEY_PPAGE:
		con_scroll(ui, -(results_h(&ui->layout.body) - 1));
		break;
	}
}

static int
console_mouse(struct ui *ui, const struct ui_rect *r, int y, int x,
    int button)
{
	const struct console_row	*rows;
	size_t				 n, i;

	if (ui->console == NULL)
		return (0);
	if (button == 4 || button == 5) {
		con_scroll(ui, button == 4 ? -3 : 3);
		return (1);
	}
	if (ui->con.diff || y <= r->y || y >= r->y + r->h - 1)
		return (0);
	rows = console_rows(ui->console, &n);
	if (y - r->y - 1 >= ui->con.nline_rows)
		return (1);
	i = ui->con.line_row[y - r->y - 1];
	if (i < n)
		ui->con.block = rows[i].block;
	return (1);
}

const struct pane_kind pane_console_kind = {
	.name = "console",
	.draw = console_draw,
	.key = console_key,
	.mouse = console_mouse
};
