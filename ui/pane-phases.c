/*
 * pane-phases.c -- the setup phases (p) and the tests menu (t).
 *
 * Draws the model of src/phasetui.h: the list of phases with their last
 * run, a dry run waiting for Enter, a run with every node's state and the
 * output of the node under the cursor, and the results grouped like
 * dshbak. Keys only write a request into the model and set
 * UI_ACTION_PHASES; tui.c carries it out (this file does no I/O).
 *
 * Nothing that changes nodes starts from one key: 1-9, Enter, A and f open
 * the dry run, and only Enter (or y) on the dry run runs it. The tests
 * (MPI, Slurm) change nothing but a test directory and start at once.
 */

#include <curses.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "gather.h"
#include "phasetui.h"
#include "ui.h"

static const struct pane_kind *phases_back;	/* where Esc returns */

static void
request(struct ui *ui, enum ptui_request req, int phase, int failed)
{
	struct ptui	*pt = ui->phases;

	pt->req = req;
	pt->req_phase = phase;
	pt->req_failed = failed;
	ui->action = UI_ACTION_PHASES;
}

void
pane_phases_open(struct ui *ui, int tests)
{
	struct ptui	*pt = ui->phases;

	if (pt == NULL) {
		ui_message(ui, 0, "phases: not available here");
		return;
	}
	if (ui->view != &pane_phases_kind)
		phases_back = ui->view == &pane_detail_kind ? ui->back :
		    ui->view;
	ui_set_view(ui, &pane_phases_kind);
	/* Back to a run in progress, else the list (or the tests menu). */
	pt->req_mode = tests ? PTUI_TESTS : pt->running ? PTUI_RUN : PTUI_LIST;
	request(ui, PTUI_REQ_OPEN, 0, 0);
}

static void
phases_leave(struct ui *ui)
{
	ui_set_view(ui, phases_back != NULL ? phases_back : &pane_nodes_kind);
}

/* --- drawing helpers ------------------------------------------------------ */

static enum theme_role
state_role(enum phase_node_state st)
{
	switch (st) {
	case PHASE_NODE_QUEUED:
	case PHASE_NODE_SKIPPED:
		return (THEME_DIM);
	case PHASE_NODE_RUNNING:
		return (THEME_NODE_CONNECTING);
	case PHASE_NODE_CHANGED:
		return (THEME_WARN);
	case PHASE_NODE_UNCHANGED:
	case PHASE_NODE_PASSED:
		return (THEME_OK);
	case PHASE_NODE_FAILED:
		return (THEME_CRIT);
	}
	return (THEME_DEFAULT);
}

static enum theme_role
status_role(enum ptui_status s)
{
	switch (s) {
	case PTUI_NEVER:
	case PTUI_RECORDED:
		return (THEME_DIM);
	case PTUI_RUNNING:
		return (THEME_NODE_CONNECTING);
	case PTUI_DONE:
		return (THEME_OK);
	case PTUI_FAILED:
		return (THEME_CRIT);
	}
	return (THEME_DEFAULT);
}

/* Copy one line for the screen: tabs to spaces, control bytes to '?'. */
static void
clean_line(char *dst, size_t size, const char *s, size_t len)
{
	size_t	i, o = 0;

	for (i = 0; i < len && o + 8 < size; i++) {
		if (s[i] == '\t') {
			do
				dst[o++] = ' ';
			while (o % 8 != 0 && o + 1 < size);
		} else if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			dst[o++] = '?';
		else
			dst[o++] = s[i];
	}
	dst[o] = '\0';
}

/* Byte offset of column COL in S (one column per code point). */
static size_t
col_offset(const char *s, int col)
{
	size_t	o = 0;

	while (s[o] != '\0' && col > 0) {
		o++;
		while (((unsigned char)s[o] & 0xc0) == 0x80)
			o++;
		col--;
	}
	return (o);
}

/* Rows one line of text takes at width W: long lines wrap. */
static size_t
line_rows(const char *p, size_t len, int w)
{
	char	buf[1024];
	int	cols;

	if (w <= 0)
		return (1);
	clean_line(buf, sizeof buf, p, len);
	cols = ui_width(buf);
	return (cols <= w ? 1 : (size_t)((cols + w - 1) / w));
}

/* Rows S (LEN bytes) takes at width W. */
static size_t
count_lines(const char *s, size_t len, int w)
{
	const char	*p = s, *end = s + len, *nl;
	size_t		 n = 0;

	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL)
			nl = end;
		n += line_rows(p, (size_t)(nl - p), w);
		p = nl + 1;
	}
	return (n);
}

/*
 * Draw rows TOP.. of S (LEN bytes) in H rows from Y, long lines wrapped
 * (a command must be seen whole); lines starting with "== " or "!! " are
 * highlighted. Returns the rows used.
 */
static int
draw_text(const char *s, size_t len, size_t top, int y, int x, int h, int w,
    unsigned long attr)
{
	const char	*p = s, *end = s + len, *nl;
	char		 buf[1024];
	size_t		 rowno = 0, off;
	int		 row = 0, cols, k, nrows;
	unsigned long	 a;

	if (w <= 0)
		return (0);
	while (p < end && row < h) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL)
			nl = end;
		clean_line(buf, sizeof buf, p, (size_t)(nl - p));
		cols = ui_width(buf);
		nrows = cols <= w ? 1 : (cols + w - 1) / w;
		if (rowno + (size_t)nrows <= top) {
			rowno += (size_t)nrows;
			p = nl + 1;
			continue;
		}
		a = attr;
		if (strncmp(buf, "!! ", 3) == 0)
			a = ui_attr(THEME_CRIT, UI_PLAIN) | A_BOLD;
		else if (strncmp(buf, "== ", 3) == 0 ||
		    strncmp(buf, "phase ", 6) == 0 ||
		    strncmp(buf, "step ", 5) == 0)
			a = ui_attr(THEME_TITLE, UI_PLAIN);
		for (k = 0; k < nrows && row < h; k++, rowno++) {
			if (rowno < top)
				continue;
			off = col_offset(buf, k * w);
			ui_put(y + row, x, w, a, buf + off);
			row++;
		}
		p = nl + 1;
	}
	return (row);
}

/* The last line of output that is not a step header, for the node table. */
static void
last_line(char *dst, size_t size, const char *s, size_t len)
{
	const char	*e = s + len, *b;

	dst[0] = '\0';
	while (e > s) {
		while (e > s && (e[-1] == '\n' || e[-1] == ' '))
			e--;
		b = e;
		while (b > s && b[-1] != '\n')
			b--;
		if (b == e)
			return;
		if (strncmp(b, "== step ", 8) != 0) {
			clean_line(dst, size, b, (size_t)(e - b));
			return;
		}
		e = b;
	}
}

static void
hint(struct ui *ui, const struct ui_rect *r, const char *text)
{
	ui_fill(r->y + r->h - 1, r->x, r->w, ui_attr(THEME_STATUS_KEY,
	    UI_PLAIN));
	ui_put(r->y + r->h - 1, r->x + 1, r->w - 2, ui_attr(THEME_STATUS_KEY,
	    UI_PLAIN), text);
}

/* --- the list ------------------------------------------------------------- */

static void
counts_text(char *buf, size_t size, const size_t *count)
{
	static const enum phase_node_state order[] = { PHASE_NODE_CHANGED,
	    PHASE_NODE_UNCHANGED, PHASE_NODE_PASSED, PHASE_NODE_FAILED,
	    PHASE_NODE_SKIPPED, PHASE_NODE_RUNNING, PHASE_NODE_QUEUED };
	size_t	k, at = 0;

	buf[0] = '\0';
	for (k = 0; k < sizeof order / sizeof order[0] && at < size; k++) {
		if (count[order[k]] == 0)
			continue;
		at += (size_t)snprintf(buf + at, size - at, "%s%zu %s",
		    at > 0 ? ", " : "", count[order[k]],
		    phase_node_state_name(order[k]));
	}
}

/* The width left for a column at OFF of at most WANT, in W columns. */
static int
fit(int w, int off, int want)
{
	return (w - off < want ? w - off : want);
}

static void
draw_list(struct ui *ui, const struct ui_rect *r)
{
	struct ptui		*pt = ui->phases;
	struct ptui_phase	*p;
	unsigned long		 def = ui_attr(THEME_DEFAULT, UI_PLAIN), col;
	char			 counts[128], when[64], state[48];
	size_t			 i, sel = 0, live[PTUI_NSTATES];
	int			 y = r->y, x = r->x + 1, w = r->w - 2;
	struct tm		 tm;
	enum ui_variant		 v;

	for (i = 0; i < ui->cluster->n; i++)
		sel += ui->cluster->nodes[i].selected != 0;
	ui_putf(y, x, w, ui_attr(THEME_TITLE, UI_PLAIN) | A_BOLD,
	    "Setup phases  %s  targets: %s", pt->set->path != NULL ?
	    pt->set->path : "", sel > 0 ? "the selected nodes" :
	    "every node");
	if (sel > 0)
		ui_putf(y, x + w - 14, 14, def, "%zu selected", sel);
	y += 2;
	col = ui_attr(THEME_COLUMN, UI_PLAIN);
	ui_fill(y, r->x, r->w, col);
	ui_put(y, x, 2, col, " #");
	ui_put(y, x + 4, fit(w, 4, 12), col, "PHASE");
	ui_put(y, x + 17, fit(w, 17, 11), col, "STATE");
	ui_put(y, x + 29, fit(w, 29, 39), col, "NODES (LAST RUN)");
	ui_put(y, x + 69, fit(w, 69, 19), col, "LAST RUN");
	ui_put(y, x + 89, fit(w, 89, w), col, "WHAT");
	y++;
	for (i = 0; i < pt->nph && y < r->y + r->h - 3; i++, y++) {
		p = &pt->ph[i];
		v = i == pt->cursor ? UI_CURSOR : UI_PLAIN;
		ui_fill(y, r->x, r->w, ui_attr(THEME_DEFAULT, v));
		if (p->status == PTUI_RUNNING && pt->run != NULL) {
			ptui_run_counts(pt, live);
			counts_text(counts, sizeof counts, live);
		} else if (p->status == PTUI_RECORDED)
			snprintf(counts, sizeof counts, p->nfailed_recorded ?
			    "%zu failed (recorded)" : "no failed node recorded",
			    p->nfailed_recorded);
		else {
			counts_text(counts, sizeof counts, p->count);
			if (p->status == PTUI_DONE &&
			    p->count[PHASE_NODE_CHANGED] == 0)
				snprintf(counts + strlen(counts), sizeof counts -
				    strlen(counts), ", nothing changed");
		}
		when[0] = '\0';
		if (p->last != 0 && localtime_r(&p->last, &tm) != NULL) {
			strftime(when, sizeof when, "%H:%M:%S", &tm);
			if (p->status != PTUI_RECORDED)
				snprintf(when + strlen(when), sizeof when -
				    strlen(when), " (%.1fs)", p->seconds);
		}
		snprintf(state, sizeof state, "%s", ptui_status_name(p->status));
		ui_putf(y, x, 2, ui_attr(THEME_DEFAULT, v) | A_BOLD, "%2d",
		    p->number);
		ui_put(y, x + 4, fit(w, 4, 12), ui_attr(THEME_DEFAULT, v) |
		    A_BOLD, p->name);
		ui_put(y, x + 17, fit(w, 17, 11), ui_attr(status_role(
		    p->status), v), state);
		ui_put(y, x + 29, fit(w, 29, 39), ui_attr(THEME_DEFAULT, v),
		    counts);
		ui_put(y, x + 69, fit(w, 69, 19), ui_attr(THEME_DEFAULT, v),
		    when);
		ui_put(y, x + 89, fit(w, 89, w), ui_attr(THEME_DIM, v),
		    p->title);
	}
	y++;
	if (pt->running && pt->cur_phase >= 0 && y < r->y + r->h - 1)
		ui_putf(y, x, w, ui_attr(THEME_NODE_CONNECTING, UI_PLAIN),
		    "running: phase %d, %s  (o shows it)", pt->cur_phase,
		    pt->step);
	else if (pt->done_text[0] != '\0' && y < r->y + r->h - 1)
		ui_putf(y, x, w, def, "last run: %s", pt->done_text);
	hint(ui, r, "1-9/Enter dry run, then Enter runs   A all   "
	    "f failed nodes   o output   t tests   x stop   Esc back");
}

/* --- the dry run ---------------------------------------------------------- */

static void
draw_plan(struct ui *ui, const struct ui_rect *r)
{
	struct ptui	*pt = ui->phases;
	size_t		 len = pt->plan.len;
	size_t		 total = count_lines(pt->plan.s != NULL ? pt->plan.s : "",
			    len, r->w - 2);
	int		 h = r->h - 1;
	char		 buf[512];

	if (pt->plan_top + (size_t)h > total)
		pt->plan_top = total > (size_t)h ? total - (size_t)h : 0;
	draw_text(pt->plan.s != NULL ? pt->plan.s : "", len, pt->plan_top, r->y,
	    r->x + 1, h, r->w - 2, ui_attr(THEME_DEFAULT, UI_PLAIN));
	if (pt->preview_failed)
		snprintf(buf, sizeof buf, "the preview failed: nothing can "
		    "run   Esc back");
	else if (!pt->ready)
		snprintf(buf, sizeof buf, "running the read-only preview...  "
		    "Esc back");
	else if (pt->nnumbers == 1)
		snprintf(buf, sizeof buf, "Enter or y: RUN phase %d on %s   "
		    "Esc or n: cancel   (lines %zu-%zu of %zu)", pt->numbers[0],
		    pt->where != NULL ? pt->where : "?", pt->plan_top + 1,
		    pt->plan_top + (size_t)h < total ? pt->plan_top +
		    (size_t)h : total, total);
	else
		snprintf(buf, sizeof buf, "Enter or y: RUN all %zu phases on %s"
		    "   Esc or n: cancel   (lines %zu-%zu of %zu)", pt->nnumbers,
		    pt->where != NULL ? pt->where : "?", pt->plan_top + 1,
		    pt->plan_top + (size_t)h < total ? pt->plan_top +
		    (size_t)h : total, total);
	ui_fill(r->y + r->h - 1, r->x, r->w, ui_attr(THEME_PROMPT, UI_PLAIN));
	ui_put(r->y + r->h - 1, r->x + 1, r->w - 2, ui_attr(THEME_PROMPT,
	    UI_PLAIN) | A_BOLD, buf);
}

/* --- the run -------------------------------------------------------------- */

static void
draw_counts(struct ui *ui, int y, int x, int w, const size_t *count)
{
	int	used = 0;
	size_t	k;

	for (k = 0; k < PTUI_NSTATES && used < w; k++) {
		used += ui_putf(y, x + used, w - used, ui_attr(state_role(
		    (enum phase_node_state)k), UI_PLAIN), "%s %zu   ",
		    phase_node_state_name((enum phase_node_state)k), count[k]);
	}
}

/* 1 when the head has nothing of its own running: a node step runs. */
static int
head_waits(const struct ptui *pt, enum phase_node_state st)
{
	return (pt->running && pt->step_on_nodes &&
	    (st == PHASE_NODE_RUNNING || st == PHASE_NODE_QUEUED));
}

/* "waiting for node steps: 3 of 8 nodes still in step 2/3 (...) on ..." */
static void
head_doing(const struct phase_run *run, const struct ptui *pt, char *buf,
    size_t size)
{
	size_t	n = phase_run_nnodes(run), i, active = 0, busy;

	for (i = 1; i < n; i++)
		active += phase_run_node_active(run, i) != 0;
	busy = active > pt->step_nodes_done ? active - pt->step_nodes_done : 0;
	snprintf(buf, size, "waiting for node steps: %zu of %zu node%s still "
	    "in %s", busy, active, active == 1 ? "" : "s", pt->step);
}

static void
draw_nodes(struct ui *ui, const struct ui_rect *r, int y)
{
	struct ptui		*pt = ui->phases;
	struct phase_run	*run = pt->run;
	size_t			 n = phase_run_nnodes(run), i, len, total;
	enum phase_node_state	 st;
	const char		*out, *err;
	char			 line[512], doing[256];
	int			 listh, outh, row, x = r->x + 1, w = r->w - 2;
	enum ui_variant		 v;

	if (pt->node_cursor >= n)
		pt->node_cursor = n > 0 ? n - 1 : 0;
	listh = (r->y + r->h - 1 - y) / 2;
	if (listh > (int)n)
		listh = (int)n;
	if (listh < 1)
		listh = 1;
	pt->node_top = ui_layout_scroll(pt->node_cursor, pt->node_top, n,
	    listh);
	for (row = 0; row < listh && pt->node_top + (size_t)row < n; row++) {
		i = pt->node_top + (size_t)row;
		st = phase_run_node_state(run, i);
		v = i == pt->node_cursor ? UI_CURSOR : UI_PLAIN;
		ui_fill(y + row, r->x, r->w, ui_attr(THEME_DEFAULT, v));
		ui_putf(y + row, x, 14, ui_attr(THEME_DEFAULT, v) | A_BOLD,
		    "%-14s", phase_run_node_name(run, i));
		/* The head, while a step runs on the nodes: it waits. */
		if (i == 0 && head_waits(pt, st)) {
			ui_putf(y + row, x + 15, 10, ui_attr(THEME_DIM, v),
			    "%-10s", "waiting");
			head_doing(run, pt, line, sizeof line);
			ui_put(y + row, x + 26, w - 26, ui_attr(THEME_DIM, v),
			    line);
			continue;
		}
		ui_putf(y + row, x + 15, 10, ui_attr(state_role(st), v),
		    "%-10s", !phase_run_node_active(run, i) &&
		    st == PHASE_NODE_QUEUED ? "-" : phase_node_state_name(st));
		err = phase_run_node_error(run, i);
		out = phase_run_node_output(run, i, &len);
		if (st == PHASE_NODE_FAILED && err != NULL)
			clean_line(line, sizeof line, err, strlen(err));
		else if (i == 0 && st == PHASE_NODE_RUNNING && pt->running &&
		    pt->step[0] != '\0') {
			/* The head runs its own part: which, then its output. */
			last_line(doing, sizeof doing, out, len);
			if (snprintf(line, sizeof line, "%s: %s", pt->step,
			    doing) >= (int)sizeof line)
				line[sizeof line - 1] = '\0';
		} else
			last_line(line, sizeof line, out, len);
		ui_put(y + row, x + 26, w - 26, ui_attr(st == PHASE_NODE_FAILED ?
		    THEME_CRIT : THEME_DIM, v), line);
	}
	y += listh;
	/* The node under the cursor: its whole output, the end in view. */
	i = pt->node_cursor;
	ui_fill(y, r->x, r->w, ui_attr(THEME_BORDER, UI_PLAIN));
	ui_putf(y, x, w, ui_attr(THEME_BORDER, UI_PLAIN) | A_BOLD,
	    "-- output of %s (%s) -- j/k other node, PgUp/PgDn scroll",
	    phase_run_node_name(run, i), phase_node_state_name(
	    phase_run_node_state(run, i)));
	y++;
	outh = r->y + r->h - 1 - y;
	out = phase_run_node_output(run, i, &len);
	total = count_lines(out, len, w);
	if (pt->out_top > total)
		pt->out_top = total;
	/* out_top counts lines back from the end: live output stays in view. */
	row = total > (size_t)outh + pt->out_top ? (int)(total - (size_t)outh -
	    pt->out_top) : 0;
	draw_text(out, len, (size_t)row, y, x, outh, w,
	    ui_attr(THEME_DEFAULT, UI_PLAIN));
}

static void
draw_grouped(struct ui *ui, const struct ui_rect *r, int y)
{
	struct ptui			*pt = ui->phases;
	struct ptui_phase		*p = &pt->ph[pt->shown];
	const struct gather_group	*g;
	size_t				 ng, i, line = 0, nl;
	int				 x = r->x + 1, w = r->w - 2;
	int				 bottom = r->y + r->h - 1;
	enum phase_node_state		 st;
	size_t				 k;

	ui_putf(y++, x, w, ui_attr(p->status == PTUI_FAILED ? THEME_CRIT :
	    THEME_OK, UI_PLAIN) | A_BOLD, "phase %d: %s", p->number,
	    p->summary);
	ng = gather_ngroups(p->result);
	for (i = 0; i < ng && y < bottom; i++) {
		g = gather_group(p->result, i);
		st = PHASE_NODE_QUEUED;
		for (k = 0; k < PTUI_NSTATES; k++) {
			if (g->state != NULL && strcmp(g->state,
			    phase_node_state_name((enum phase_node_state)k)) == 0)
				st = (enum phase_node_state)k;
		}
		if (line++ >= pt->out_top) {
			ui_fill(y, r->x, r->w, ui_attr(THEME_BORDER, UI_PLAIN));
			char	n[32] = "";
			if (g->nhosts > 1)
				snprintf(n, sizeof n, " (%zu)", g->nhosts);
			ui_putf(y++, x, w, ui_attr(state_role(st), UI_PLAIN) |
			    A_BOLD, "---------------- %s%s  %s", g->hosts, n,
			    g->state != NULL ? g->state : "");
		}
		nl = count_lines(g->out, g->outlen, w);
		if (line + nl <= pt->out_top) {
			line += nl;
			continue;
		}
		k = pt->out_top > line ? pt->out_top - line : 0;
		y += draw_text(g->out, g->outlen, k, y, x, bottom - y, w,
		    ui_attr(THEME_DEFAULT, UI_PLAIN));
		line += nl;
	}
}

static void
draw_run(struct ui *ui, const struct ui_rect *r)
{
	struct ptui	*pt = ui->phases;
	size_t		 count[PTUI_NSTATES];
	int		 y = r->y, x = r->x + 1, w = r->w - 2, idx;

	if (pt->running && pt->cur_phase >= 0) {
		idx = ptui_phase_index(pt, pt->cur_phase);
		ui_putf(y, x, w, ui_attr(THEME_TITLE, UI_PLAIN) | A_BOLD,
		    "phase %d (%s): %s", pt->cur_phase, idx >= 0 ?
		    pt->ph[idx].name : "?", pt->step[0] != '\0' ? pt->step :
		    "starting");
	} else
		ui_putf(y, x, w, ui_attr(THEME_TITLE, UI_PLAIN) | A_BOLD,
		    "%s", pt->running ? "starting" : pt->done_text);
	y++;
	ptui_run_counts(pt, count);
	draw_counts(ui, y, x, w, count);
	y += 2;
	if (pt->grouped && pt->shown < pt->nph &&
	    pt->ph[pt->shown].result != NULL)
		draw_grouped(ui, r, y);
	else if (pt->run != NULL)
		draw_nodes(ui, r, y);
	hint(ui, r, pt->running ? "g grouped/nodes   j/k node   PgUp/PgDn "
	    "scroll   x stop   Esc list" : "g grouped/nodes   j/k PgUp/PgDn "
	    "scroll   f re-run the failed nodes   Esc list");
}

/* --- the tests menu ------------------------------------------------------- */

static void
draw_tests(struct ui *ui, const struct ui_rect *r)
{
	struct ptui	*pt = ui->phases;
	int		 y = r->y, x = r->x + 1, w = r->w - 2, mpi, slurm;

	mpi = ptui_phase_by_name(pt, "mpi");
	slurm = ptui_phase_by_name(pt, "slurm");
	ui_put(y, x, w, ui_attr(THEME_TITLE, UI_PLAIN) | A_BOLD,
	    "Tests: they change nothing but a test directory, and start at "
	    "once");
	y += 2;
	ui_putf(y++, x, w, ui_attr(THEME_DEFAULT, UI_PLAIN),
	    " m  MPI test    (phase %d): an MPI hello world, one rank per "
	    "idle node, through Slurm", mpi);
	ui_putf(y++, x, w, ui_attr(THEME_DEFAULT, UI_PLAIN),
	    " s  Slurm test  (phase %d): a batch job on every node and one "
	    "across all", slurm);
	y++;
	if (pt->running)
		ui_put(y, x, w, ui_attr(THEME_NODE_CONNECTING, UI_PLAIN),
		    "a run is in progress: o shows it");
	hint(ui, r, "m MPI test   s Slurm test   o last run   "
	    "p phases   Esc back");
}

static void
phases_draw(struct ui *ui, const struct ui_rect *r)
{
	struct ptui	*pt = ui->phases;

	if (pt == NULL || r->h < 4)
		return;
	if (pt->set == NULL) {
		ui_put(r->y, r->x + 1, r->w - 2, ui_attr(pt->error != NULL ?
		    THEME_ERROR : THEME_DIM, UI_PLAIN), pt->error != NULL ?
		    pt->error : "loading the phases...");
		return;
	}
	switch (pt->mode) {
	case PTUI_LIST:
		draw_list(ui, r);
		break;
	case PTUI_PLAN:
		draw_plan(ui, r);
		break;
	case PTUI_RUN:
		draw_run(ui, r);
		break;
	case PTUI_TESTS:
		draw_tests(ui, r);
		break;
	}
}

/* --- keys ----------------------------------------------------------------- */

static int
key_scroll(size_t *top, int key, int page)
{
	switch (key) {
	case KEY_UP:
	case 'k':
		if (*top > 0)
			(*top)--;
		return (1);
	case KEY_DOWN:
	case 'j':
		(*top)++;
		return (1);
	case KEY_PPAGE:
		*top = *top > (size_t)page ? *top - (size_t)page : 0;
		return (1);
	case KEY_NPAGE:
	case ' ':
		*top += (size_t)page;
		return (1);
	case KEY_HOME:
		*top = 0;
		return (1);
	case KEY_END:
	case 'G':
		*top = (size_t)-1 / 2;
		return (1);
	}
	return (0);
}

/* Dry run of phase NUMBER; a test (no "confirm") runs at once. */
static void
open_phase(struct ui *ui, int number, int failed)
{
	struct ptui	*pt = ui->phases;
	int		 i = ptui_phase_index(pt, number);

	if (i < 0) {
		ui_message(ui, 1, "no phase %d", number);
		return;
	}
	pt->cursor = (size_t)i;
	request(ui, !failed && !pt->ph[i].confirm ? PTUI_REQ_TEST :
	    PTUI_REQ_PLAN, number, failed);
}

static int
keys_list(struct ui *ui, int key)
{
	struct ptui	*pt = ui->phases;

	switch (key) {
	case KEY_UP:
	case 'k':
		if (pt->cursor > 0)
			pt->cursor--;
		return (1);
	case KEY_DOWN:
	case 'j':
		if (pt->cursor + 1 < pt->nph)
			pt->cursor++;
		return (1);
	case '\n':
	case '\r':
	case KEY_ENTER:
	case 'd':
		if (pt->cursor < pt->nph)
			open_phase(ui, pt->ph[pt->cursor].number, 0);
		return (1);
	case 'A':
		request(ui, PTUI_REQ_PLAN, 0, 0);
		return (1);
	case 'f':
		if (pt->cursor < pt->nph)
			open_phase(ui, pt->ph[pt->cursor].number, 1);
		return (1);
	case 'o':
		if (pt->cursor < pt->nph && pt->ph[pt->cursor].result != NULL &&
		    !pt->running) {
			pt->shown = pt->cursor;
			pt->grouped = 1;
			pt->out_top = 0;
		}
		if (pt->run == NULL) {
			ui_message(ui, 0, "no run yet in this session");
			return (1);
		}
		pt->mode = PTUI_RUN;
		return (1);
	case 't':
		pt->mode = PTUI_TESTS;
		return (1);
	case 'x':
		request(ui, PTUI_REQ_CANCEL, 0, 0);
		return (1);
	case 27:
	case 'p':
		phases_leave(ui);
		return (1);
	}
	if (key >= '1' && key <= '9') {
		open_phase(ui, key - '0', 0);
		return (1);
	}
	return (0);
}

static int
phases_key(struct ui *ui, int key)
{
	struct ptui	*pt = ui->phases;
	int		 page = ui->layout.body.h > 6 ? ui->layout.body.h - 4 : 2;

	if (pt == NULL)
		return (0);
	if (pt->set == NULL) {
		if (key == 27) {
			phases_leave(ui);
			return (1);
		}
		return (0);
	}
	switch (pt->mode) {
	case PTUI_LIST:
		return (keys_list(ui, key));
	case PTUI_PLAN:
		switch (key) {
		case '\n':
		case '\r':
		case KEY_ENTER:
		case 'y':
		case 'Y':
			request(ui, PTUI_REQ_CONFIRM, 0, 0);
			return (1);
		case 27:
		case 'n':
		case 'N':
		case 'q':
			/* q here is "no", not quit: this screen asks. */
			if (pt->preview != NULL)
				request(ui, PTUI_REQ_CANCEL, 0, 0);
			pt->mode = PTUI_LIST;
			ui_message(ui, 0, "not run: nothing was changed");
			return (1);
		}
		return (key_scroll(&pt->plan_top, key, page));
	case PTUI_RUN:
		switch (key) {
		case 'g':
		case '\t':
			pt->grouped = !pt->grouped;
			pt->out_top = 0;
			return (1);
		case 'x':
			request(ui, PTUI_REQ_CANCEL, 0, 0);
			return (1);
		case 'f':
			if (pt->running) {
				ui_message(ui, 1, "wait for the run to end "
				    "(x stops it)");
				return (1);
			}
			if (pt->shown < pt->nph)
				open_phase(ui, pt->ph[pt->shown].number, 1);
			return (1);
		case 27:
			pt->mode = PTUI_LIST;
			return (1);
		}
		if (pt->grouped)
			return (key_scroll(&pt->out_top, key, page));
		switch (key) {
		case KEY_UP:
		case 'k':
			if (pt->node_cursor > 0)
				pt->node_cursor--;
			pt->out_top = 0;
			return (1);
		case KEY_DOWN:
		case 'j':
			pt->node_cursor++;
			pt->out_top = 0;
			return (1);
		case KEY_PPAGE:
			pt->out_top += (size_t)page / 2;
			return (1);
		case KEY_NPAGE:
			pt->out_top = pt->out_top > (size_t)page / 2 ?
			    pt->out_top - (size_t)page / 2 : 0;
			return (1);
		}
		return (0);
	case PTUI_TESTS:
		switch (key) {
		case 'm':
		case '1':
			request(ui, PTUI_REQ_TEST, ptui_phase_by_name(pt, "mpi"),
			    0);
			return (1);
		case 's':
		case '2':
			request(ui, PTUI_REQ_TEST, ptui_phase_by_name(pt,
			    "slurm"), 0);
			return (1);
		case 'o':
			if (pt->run != NULL)
				pt->mode = PTUI_RUN;
			return (1);
		case 'p':
			pt->mode = PTUI_LIST;
			return (1);
		case 27:
		case 't':
			phases_leave(ui);
			return (1);
		}
		return (0);
	}
	return (0);
}

const struct pane_kind pane_phases_kind = {
	.name = "phases",
	.draw = phases_draw,
	.key = phases_key,
	.mouse = NULL
};
