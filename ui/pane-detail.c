/*
 * pane-detail.c -- one node in full: its facts, its latest numbers, its
 * history as small graphs (CPU %, load, memory %) and its last errors.
 * Up and Down step to the previous and next node of the view; Esc,
 * Backspace or Left go back.
 */

#include <curses.h>
#include <stdio.h>
#include <string.h>

#include "ui.h"

/*
 * An area graph of VALUES (oldest first) in a H x W box at Y, X, scaled
 * to 0..MAXV, with the newest sample at the right edge.
 */
static void
graph(struct ui *ui, int y, int x, int h, int w, const float *v, size_t n,
    float maxv, const char *title, const char *top_label)
{
	unsigned long	 axis = ui_attr(THEME_BORDER, UI_PLAIN);
	unsigned long	 lab = ui_attr(THEME_LABEL, UI_PLAIN);
	unsigned long	 gr = ui_attr(THEME_GRAPH, UI_PLAIN);
	size_t		 start, i;
	int		 gw, row, col, eighths, cell;

	if (h < 2 || w < 12)
		return;
	ui_put(y, x, w, ui_attr(THEME_TITLE, UI_PLAIN), title);
	y++;
	h--;
	gw = w - 7;
	ui_putf(y, x, 5, lab, "%5s", top_label);
	ui_putf(y + h - 1, x, 5, lab, "%5s", "0");
	for (row = 0; row < h; row++)
		ui_put(y + row, x + 5, 1, axis, ui->utf8 ? "\u2502" : "|");
	start = n > (size_t)gw ? n - (size_t)gw : 0;
	col = x + 6 + gw - (int)(n - start);
	for (i = start; i < n; i++, col++) {
		if (v[i] < 0)
			continue;
		eighths = maxv > 0 ? (int)(v[i] / maxv * (float)(h * 8) +
		    0.5f) : 0;
		if (eighths > h * 8)
			eighths = h * 8;
		if (eighths == 0 && v[i] > 0)
			eighths = 1;
		for (row = 0; row < h && eighths > 0; row++) {
			cell = eighths >= 8 ? 8 : eighths;
			ui_put(y + h - 1 - row, col, 1, gr, ui->g->spark[cell]);
			eighths -= cell;
		}
	}
}

static void
detail_draw(struct ui *ui, const struct ui_rect *r)
{
	struct cluster_node		*n = ui_cursor_node(ui);
	const struct metrics_sample	*s;
	const struct cluster_error	*e;
	float				 hist[METRICS_HIST], maxload;
	char				 a[16], b[16], c[16], d[16], e2[16];
	char				 f[16];
	size_t				 nh, k;
	int				 y, x, used, i, gh, ngraphs, errs, w;
	double				 since;

	if (n == NULL || r->h < 3)
		return;
	s = &n->m.last;
	y = r->y;
	x = r->x + 1;
	w = r->w - 2;

	used = ui_put(y, x, w, ui_attr(THEME_TITLE, UI_PLAIN), n->name);
	used += ui_put(y, x + used, w - used, ui_attr(THEME_DEFAULT,
	    UI_PLAIN), "  ");
	used += ui_put(y, x + used, w - used,
	    ui_attr(ui_health_role(cluster_health(n)), UI_PLAIN),
	    n->conn == NODE_UP && n->stale ? "up, stale" :
	    node_state_name(n->conn));
	since = ui->now_ms > n->conn_since_ms ?
	    (double)(ui->now_ms - n->conn_since_ms) / 1000 : 0;
	used += ui_putf(y, x + used, w - used, ui_attr(THEME_LABEL, UI_PLAIN),
	    " for %s", ui_fmt_duration(a, sizeof a, since));
	if (n->addr != NULL)
		used += ui_putf(y, x + used, w - used,
		    ui_attr(THEME_LABEL, UI_PLAIN), "  %s address %s",
		    ui->g->dot, n->addr);
	if (n->slurm_state != NULL) {
		used += ui_putf(y, x + used, w - used,
		    ui_attr(THEME_LABEL, UI_PLAIN), "  %s slurm ", ui->g->dot);
		used += ui_put(y, x + used, w - used,
		    ui_attr(ui_slurm_role(n->slurm), UI_PLAIN), n->slurm_state);
		if (n->slurm_reason != NULL)
			ui_putf(y, x + used, w - used,
			    ui_attr(THEME_DIM, UI_PLAIN), " (%s)",
			    n->slurm_reason);
	}
	y++;
	if (n->why != NULL && n->conn != NODE_UP)
		ui_put(y++, x, w, ui_attr(THEME_ERROR, UI_PLAIN), n->why);

	if (n->m.have_hello)
		ui_putf(y++, x, w, ui_attr(THEME_DEFAULT, UI_PLAIN),
		    "%d CPUs %s kernel %s %s hostname %s", n->m.hello.ncpu,
		    ui->g->dot, n->m.hello.kernel, ui->g->dot,
		    n->m.hello.host);
	if (n->m.have_last) {
		if (n->m.cpu_pct < 0)
			snprintf(c, sizeof c, "-");
		else
			snprintf(c, sizeof c, "%.1f", n->m.cpu_pct);
		ui_putf(y++, x, w, ui_attr(THEME_DEFAULT, UI_PLAIN),
		    "load %.2f %.2f %.2f %s cpu %s%% %s mem %s/%s %s swap "
		    "%s/%s %s tasks %u/%u %s up %s",
		    s->load[0], s->load[1], s->load[2], ui->g->dot, c,
		    ui->g->dot, ui_fmt_kb(a, sizeof a, metrics_mem_used_kb(s)),
		    ui_fmt_kb(b, sizeof b, s->mem_total_kb), ui->g->dot,
		    ui_fmt_kb(d, sizeof d, s->swap_total_kb - s->swap_free_kb),
		    ui_fmt_kb(e2, sizeof e2, s->swap_total_kb), ui->g->dot,
		    s->nrunning, s->ntasks, ui->g->dot,
		    ui_fmt_duration(f, sizeof f, s->uptime));
		used = ui_put(y, x, w, ui_attr(THEME_LABEL, UI_PLAIN),
		    "disks ");
		for (i = 0; i < s->ndisks && used < w; i++) {
			float p = metrics_disk_pct(&s->disk[i]);
			used += ui_putf(y, x + used, w - used,
			    ui_attr(THEME_DEFAULT, UI_PLAIN), " %s ",
			    s->disk[i].mount);
			used += ui_putf(y, x + used, w - used,
			    ui_attr(ui_level_role(theme_level(&ui->theme,
			    THEME_METRIC_DISK, p)), UI_PLAIN), "%.0f%%", p);
			used += ui_putf(y, x + used, w - used,
			    ui_attr(THEME_LABEL, UI_PLAIN), " of %s ",
			    ui_fmt_kb(a, sizeof a, s->disk[i].used_kb +
			    s->disk[i].avail_kb));
		}
		y++;
	} else
		ui_put(y++, x, w, ui_attr(THEME_DIM, UI_PLAIN),
		    "no sample yet");
	y++;

	/* Errors at the bottom, graphs in between. */
	errs = (int)n->nerrors;
	if (errs > 5)
		errs = 5;
	gh = r->y + r->h - y - (errs > 0 ? errs + 2 : 0);
	ngraphs = gh >= 15 ? 3 : gh >= 10 ? 2 : gh >= 4 ? 1 : 0;
	if (ngraphs > 0) {
		int each = gh / ngraphs;
		char top[16];

		nh = metrics_node_history(&n->m, METRICS_SERIES_CPU, hist,
		    METRICS_HIST);
		graph(ui, y, x, each - 1, w, hist, nh, 100,
		    "CPU % (newest at the right)", "100");
		y += each;
		if (ngraphs > 1) {
			nh = metrics_node_history(&n->m, METRICS_SERIES_LOAD,
			    hist, METRICS_HIST);
			maxload = n->m.have_hello && n->m.hello.ncpu > 0 ?
			    (float)n->m.hello.ncpu : 1;
			for (k = 0; k < nh; k++) {
				if (hist[k] > maxload)
					maxload = hist[k];
			}
			snprintf(top, sizeof top, "%.1f", maxload);
			graph(ui, y, x, each - 1, w, hist, nh, maxload,
			    "load (1 min)", top);
			y += each;
		}
		if (ngraphs > 2) {
			nh = metrics_node_history(&n->m, METRICS_SERIES_MEM,
			    hist, METRICS_HIST);
			graph(ui, y, x, each - 1, w, hist, nh, 100,
			    "memory used %", "100");
			y += each;
		}
	}
	if (errs > 0) {
		y = r->y + r->h - errs - 1;
		ui_put(y++, x, w, ui_attr(THEME_TITLE, UI_PLAIN),
		    "last errors");
		for (i = 0; i < errs; i++) {
			e = &n->errors[(n->error_head + CLUSTER_NERRORS - 1 -
			    (unsigned)i) % CLUSTER_NERRORS];
			since = ui->now_ms > e->when_ms ?
			    (double)(ui->now_ms - e->when_ms) / 1000 : 0;
			used = ui_putf(y, x, 12, ui_attr(THEME_LABEL,
			    UI_PLAIN), "%9s ago", ui_fmt_duration(a, sizeof a,
			    since));
			ui_put(y++, x + used + 2, w - used - 2,
			    ui_attr(THEME_DEFAULT, UI_PLAIN), e->text);
		}
	}
}

static int
detail_key(struct ui *ui, int key)
{
	switch (key) {
	case 27:
	case KEY_BACKSPACE:
	case 127:
	case KEY_LEFT:
	case 'h':
		ui_set_view(ui, ui->back);
		return (1);
	case KEY_UP:
	case 'k':
		ui_cursor_to_row(ui, (long)ui_cursor_row(ui) - 1);
		return (1);
	case KEY_DOWN:
	case 'j':
		ui_cursor_to_row(ui, (long)ui_cursor_row(ui) + 1);
		return (1);
	case '\t':
		ui_set_view(ui, ui->back);
		return (0);	/* and on to the next view */
	}
	return (0);
}

const struct pane_kind pane_detail_kind = {
	.name = "detail",
	.draw = detail_draw,
	.key = detail_key,
	.mouse = NULL
};
