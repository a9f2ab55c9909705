/*
 * pane-nodes.c -- the node table: one row per node, columns that drop out
 * by priority when the terminal is narrow, values coloured by the theme's
 * thresholds, a CPU sparkline, and rows of unreachable nodes greyed with
 * the reason in place of their numbers.
 *
 * Only the rows on screen are formatted, so 1,000 nodes cost what 40 do.
 */

#include <curses.h>
#include <stdio.h>
#include <string.h>

#include "ui.h"

enum col {
	COL_MARK = 0, COL_NAME, COL_STATE, COL_LOAD1, COL_LOAD5, COL_LOAD15,
	COL_CPU, COL_MEMP, COL_MEM, COL_UPTIME, COL_SLURM, COL_HIST,
	COL_DISK	/* then one per extra mount */
};
#define MAXCOLS		(COL_DISK + 1 + METRICS_MAX_DISKS)

struct colinfo {
	const char	*title;
	int		 right;		/* right-aligned */
	enum cluster_sort sort;		/* CLUSTER_NSORTS: not sortable */
};

static const struct colinfo cols_fixed[COL_DISK] = {
	{ "", 0, CLUSTER_NSORTS },
	{ "NODE", 0, CLUSTER_SORT_NAME },
	{ "STATE", 0, CLUSTER_SORT_STATE },
	{ "LOAD1", 1, CLUSTER_SORT_LOAD },
	{ "LOAD5", 1, CLUSTER_NSORTS },
	{ "LOAD15", 1, CLUSTER_NSORTS },
	{ "CPU%", 1, CLUSTER_SORT_CPU },
	{ "MEM%", 1, CLUSTER_SORT_MEM },
	{ "MEMORY", 1, CLUSTER_SORT_MEM },
	{ "UPTIME", 1, CLUSTER_SORT_UPTIME },
	{ "SLURM", 0, CLUSTER_SORT_SLURM },
	{ "CPU HISTORY", 0, CLUSTER_SORT_CPU },
};

/* Table geometry for this frame. */
struct table {
	int		 n;			/* columns */
	int		 x[MAXCOLS], w[MAXCOLS];
	const char	*title[MAXCOLS];
	int		 right[MAXCOLS];
	enum cluster_sort sort[MAXCOLS];
	const char	*mount[MAXCOLS];	/* disk columns */
	int		 order[MAXCOLS];	/* display order */
	int		 order_n;
};

static void
table_layout(struct ui *ui, const struct ui_rect *r, struct table *t)
{
	struct cluster		*c = ui->cluster;
	struct ui_colspec	 spec[MAXCOLS], ospec[MAXCOLS];
	size_t			 i;
	int			 namew = 4, k, j, len, order[MAXCOLS];
	int			 ox[MAXCOLS], ow[MAXCOLS];

	memset(t, 0, sizeof *t);
	for (i = 0; i < c->n; i++) {
		len = ui_width(c->nodes[i].name);
		if (len > namew)
			namew = len;
	}
	if (namew > 32)
		namew = 32;
#define COL(i, mn, mx, pr) spec[i] = (struct ui_colspec){ mn, mx, pr }
	COL(COL_MARK, 1, 1, 100);
	COL(COL_NAME, namew < 8 ? namew : 8, namew, 99);
	COL(COL_STATE, 7, 7, 95);
	COL(COL_LOAD1, 5, 6, 85);
	COL(COL_LOAD5, 5, 6, 32);
	COL(COL_LOAD15, 6, 6, 31);
	COL(COL_CPU, 5, 5, 90);
	COL(COL_MEMP, 4, 4, 80);
	COL(COL_MEM, 11, 11, 40);
	COL(COL_UPTIME, 7, 7, 35);
	COL(COL_SLURM, 6, 7, 60);
	COL(COL_HIST, 12, 40, 45);
#undef COL
	for (k = 0; k < COL_DISK; k++) {
		t->title[k] = cols_fixed[k].title;
		if (k == COL_HIST)
			t->title[k] = ui->spark == METRICS_SERIES_LOAD ?
			    "LOAD HISTORY" : ui->spark == METRICS_SERIES_MEM ?
			    "MEM HISTORY" : "CPU HISTORY";
		t->right[k] = cols_fixed[k].right;
		t->sort[k] = cols_fixed[k].sort;
	}
	t->n = COL_DISK;
	/* "/" and each configured mount that some node has. */
	for (i = 0; i <= c->nmounts && t->n < MAXCOLS; i++) {
		if (i > 0 && !(c->sum.mounts_seen & (1u << (i - 1))))
			continue;
		k = t->n++;
		t->mount[k] = i == 0 ? "/" : c->mounts[i - 1];
		t->title[k] = t->mount[k];
		len = ui_width(t->mount[k]);
		spec[k] = (struct ui_colspec){ len > 4 ? len : 4,
		    len > 4 ? len : 4, i == 0 ? 70 : 50 - (int)i };
		t->right[k] = 1;
		t->sort[k] = CLUSTER_SORT_DISK;
	}
	/* Display order: the disks after memory, the history last. */
	for (k = 0, j = 0; k <= COL_MEM; k++)
		order[j++] = k;
	for (k = COL_DISK; k < t->n; k++)
		order[j++] = k;
	order[j++] = COL_UPTIME;
	order[j++] = COL_SLURM;
	order[j++] = COL_HIST;
	for (k = 0; k < j; k++)
		ospec[k] = spec[order[k]];
	ui_layout_columns(ospec, j, r->w - 1, 1, ox, ow);
	for (k = 0; k < j; k++) {
		t->x[order[k]] = ox[k] + r->x + 1;
		t->w[order[k]] = ow[k];
	}
	t->order_n = j;
	memcpy(t->order, order, sizeof order);
}

/* Put S in column K, aligned. */
static void
cell(const struct table *t, int k, int y, unsigned long attr, const char *s)
{
	int	w = ui_width(s), x = t->x[k];

	if (t->w[k] <= 0)
		return;
	if (t->right[k] && w < t->w[k])
		x += t->w[k] - w;
	ui_put(y, x, t->w[k], attr, s);
}

static void
draw_titles(struct ui *ui, const struct table *t, int y, int x0, int w)
{
	const struct cluster	*c = ui->cluster;
	char			 buf[80];
	int			 k, sorted;

	ui_fill(y, x0, w, ui_attr(THEME_COLUMN, UI_PLAIN));
	for (k = 0; k < t->n; k++) {
		if (t->w[k] <= 0)
			continue;
		sorted = t->sort[k] == c->sort && c->sort != CLUSTER_NSORTS &&
		    (k != COL_HIST && k != COL_MEM) && (c->sort !=
		    CLUSTER_SORT_DISK || k == COL_DISK);
		if (sorted) {
			snprintf(buf, sizeof buf, "%s%s", t->title[k],
			    (c->sort == CLUSTER_SORT_NAME) != (c->reverse != 0) ?
			    ui->g->up : ui->g->down);
			/* Colour the whole column width, like htop. */
			ui_fill(y, t->x[k], t->w[k],
			    ui_attr(THEME_COLUMN_SORT, UI_PLAIN));
			cell(t, k, y, ui_attr(THEME_COLUMN_SORT, UI_PLAIN), buf);
		} else
			cell(t, k, y, ui_attr(THEME_COLUMN, UI_PLAIN),
			    t->title[k]);
	}
	ui->ncols_drawn = t->n < 24 ? t->n : 24;
	for (k = 0; k < ui->ncols_drawn; k++) {
		ui->col_x[k] = t->x[k];
		ui->col_w[k] = t->w[k];
		ui->col_sort[k] = (int)t->sort[k];
	}
}

/* Text for a node that has no numbers to show. */
static void
why_text(struct ui *ui, const struct cluster_node *n, char *buf, size_t size)
{
	char	age[16];
	uint64_t from = n->lost_ms != 0 ? n->lost_ms : n->conn_since_ms;
	double	since = ui->now_ms > from ? (double)(ui->now_ms - from) / 1000 :
	    0;

	switch (cluster_health(n)) {
	case CLUSTER_HEALTH_WAITING:
		snprintf(buf, size, "waiting for the first sample");
		return;
	case CLUSTER_HEALTH_CONNECTING:
		if (n->conn == NODE_RECONNECTING && n->why != NULL)
			snprintf(buf, size, "reconnecting %s last: %s",
			    ui->g->dot, n->why);
		else
			snprintf(buf, size, "%s%s", node_state_name(n->conn),
			    ui->g->ellipsis);
		return;
	default:
		break;
	}
	snprintf(buf, size, "%s%s%s %s for %s", node_state_name(n->conn),
	    n->why != NULL ? ": " : "", n->why != NULL ? n->why : "",
	    ui->g->dot, ui_fmt_duration(age, sizeof age, since));
}

/* A load in at most 5 characters: 0.52, 12.25, 113.9, 2048. */
static const char *
fmt_load(char *buf, size_t size, double v)
{
	if (v < 99.995)
		snprintf(buf, size, "%.2f", v);
	else if (v < 999.95)
		snprintf(buf, size, "%.1f", v);
	else
		snprintf(buf, size, "%.0f", v);
	return (buf);
}

static void
draw_row(struct ui *ui, const struct table *t, int y, int x0, int w,
    struct cluster_node *n, int row)
{
	const struct theme		*th = &ui->theme;
	const struct metrics_sample	*s = &n->m.last;
	const struct metrics_disk	*d;
	enum ui_variant			 v;
	enum cluster_health		 h = cluster_health(n);
	unsigned long			 plain, dim;
	char				 buf[256], a[16], b[16];
	float				 hist[METRICS_HIST], f, perc;
	size_t				 nh;
	int				 k, numbers, ncpu, stale;

	v = (long)(n - ui->cluster->nodes) == ui->cursor ? UI_CURSOR :
	    (row % 2 == 1 ? UI_ALT : UI_PLAIN);
	plain = ui_attr(THEME_DEFAULT, v);
	dim = ui_attr(THEME_DIM, v);
	ui_fill(y, x0, w, plain);

	if (n->selected)
		cell(t, COL_MARK, y, ui_attr(THEME_MARK, v), ui->g->mark);
	cell(t, COL_NAME, y, n->selected ? ui_attr(THEME_SELECTED, v) :
	    (h == CLUSTER_HEALTH_DOWN || h == CLUSTER_HEALTH_AUTH) ? dim :
	    plain, n->name);
	cell(t, COL_STATE, y, ui_attr(ui_health_role(h), v),
	    ui_health_word(n));
	if (t->w[COL_SLURM] > 0)
		cell(t, COL_SLURM, y, ui_attr(ui_slurm_role(n->slurm), v),
		    n->slurm_state != NULL ? n->slurm_state : "-");

	numbers = n->m.have_last && (h == CLUSTER_HEALTH_UP ||
	    h == CLUSTER_HEALTH_STALE);
	if (!numbers) {
		/* Greyed, with the reason across the number columns. */
		int x1 = t->x[COL_LOAD1], x2 = x0 + w;
		why_text(ui, n, buf, sizeof buf);
		if (t->w[COL_SLURM] > 0 && t->x[COL_SLURM] > x1)
			x2 = t->x[COL_SLURM] - 1;
		ui_put(y, x1, x2 - x1, h == CLUSTER_HEALTH_DOWN ||
		    h == CLUSTER_HEALTH_AUTH ? ui_attr(THEME_DIM, v) | A_ITALIC :
		    dim, buf);
		return;
	}
	stale = h == CLUSTER_HEALTH_STALE;
#define VAL(role) (stale ? dim : ui_attr(role, v))

	ncpu = n->m.have_hello && n->m.hello.ncpu > 0 ? n->m.hello.ncpu : 1;
	f = (float)s->load[0] / (float)ncpu;
	cell(t, COL_LOAD1, y, VAL(ui_level_role(theme_level(th,
	    THEME_METRIC_LOAD, f))), fmt_load(buf, sizeof buf, s->load[0]));
	cell(t, COL_LOAD5, y, stale ? dim : plain,
	    fmt_load(buf, sizeof buf, s->load[1]));
	cell(t, COL_LOAD15, y, stale ? dim : plain,
	    fmt_load(buf, sizeof buf, s->load[2]));

	if (n->m.cpu_pct >= 0) {
		snprintf(buf, sizeof buf, n->m.cpu_pct >= 99.95f ? "100" :
		    "%.1f", n->m.cpu_pct);
		cell(t, COL_CPU, y, VAL(ui_level_role(theme_level(th,
		    THEME_METRIC_CPU, n->m.cpu_pct))), buf);
	} else
		cell(t, COL_CPU, y, dim, "-");

	perc = (float)(100.0 * (double)metrics_mem_used_kb(s) /
	    (double)s->mem_total_kb);
	snprintf(buf, sizeof buf, "%.0f%%", perc);
	cell(t, COL_MEMP, y, VAL(ui_level_role(theme_level(th,
	    THEME_METRIC_MEM, perc))), buf);
	snprintf(buf, sizeof buf, "%s/%s", ui_fmt_kb(a, sizeof a,
	    metrics_mem_used_kb(s)), ui_fmt_kb(b, sizeof b, s->mem_total_kb));
	cell(t, COL_MEM, y, stale ? dim : plain, buf);

	for (k = COL_DISK; k < t->n; k++) {
		if (t->w[k] <= 0)
			continue;
		if ((d = metrics_disk_find(s, t->mount[k])) == NULL) {
			cell(t, k, y, dim, "-");
			continue;
		}
		perc = metrics_disk_pct(d);
		snprintf(buf, sizeof buf, "%.0f%%", perc);
		cell(t, k, y, VAL(ui_level_role(theme_level(th,
		    THEME_METRIC_DISK, perc))), buf);
	}

	cell(t, COL_UPTIME, y, stale ? dim : plain,
	    ui_fmt_duration(buf, sizeof buf, s->uptime));

	if (t->w[COL_HIST] > 0) {
		nh = metrics_node_history(&n->m, ui->spark, hist,
		    METRICS_HIST);
		/* Load: scaled to the CPUs, or the highest load shown. */
		f = 100;
		if (ui->spark == METRICS_SERIES_LOAD) {
			size_t	from = nh > (size_t)t->w[COL_HIST] ?
			    nh - (size_t)t->w[COL_HIST] : 0;
			f = (float)ncpu;
			for (; from < nh; from++) {
				if (hist[from] > f)
					f = hist[from];
			}
		}
		ui_sparkline(ui, y, t->x[COL_HIST], t->w[COL_HIST],
		    VAL(THEME_SPARK), hist, nh, f);
	}
#undef VAL
}

static void
nodes_draw(struct ui *ui, const struct ui_rect *r)
{
	struct cluster		*c = ui->cluster;
	struct table		 t;
	size_t			 row, i;
	int			 h;

	if (r->h < 2)
		return;
	table_layout(ui, r, &t);
	ui->head_y = r->y;
	draw_titles(ui, &t, r->y, r->x, r->w);
	h = r->h - 1;
	ui->table_y = r->y + 1;
	if (c->nview == 0) {
		ui_put(r->y + 2, r->x + 2, r->w - 4, ui_attr(THEME_DIM,
		    UI_PLAIN), c->n == 0 ? "no nodes" :
		    "no node matches the filter (Esc clears it)");
		return;
	}
	ui_cursor_node(ui);
	row = ui_cursor_row(ui);
	ui->top = ui_layout_scroll(row, ui->top, c->nview, h);
	for (i = 0; i < (size_t)h && ui->top + i < c->nview; i++)
		draw_row(ui, &t, r->y + 1 + (int)i, r->x, r->w,
		    &c->nodes[c->view[ui->top + i]], (int)(ui->top + i));
	/* A scroll position when the list is longer than the screen. */
	if (c->nview > (size_t)h) {
		char	pos[32];
		snprintf(pos, sizeof pos, " %zu-%zu of %zu ", ui->top + 1,
		    ui->top + i, c->nview);
		ui_put(r->y, r->x + r->w - ui_width(pos) - 1, ui_width(pos),
		    ui_attr(THEME_COLUMN, UI_PLAIN), pos);
	}
}

static int
nodes_key(struct ui *ui, int key)
{
	struct cluster	*c = ui->cluster;
	long		 row = (long)ui_cursor_row(ui);
	long		 page = ui->layout.body.h > 3 ? ui->layout.body.h - 2 : 1;

	switch (key) {
	case KEY_UP:
	case 'k':
		ui_cursor_to_row(ui, row - 1);
		return (1);
	case KEY_DOWN:
	case 'j':
		ui_cursor_to_row(ui, row + 1);
		return (1);
	case KEY_PPAGE:
	case 2:		/* ^B */
		ui_cursor_to_row(ui, row - page);
		return (1);
	case KEY_NPAGE:
	case 6:		/* ^F */
		ui_cursor_to_row(ui, row + page);
		return (1);
	case KEY_HOME:
	case 'g':
		ui_cursor_to_row(ui, 0);
		return (1);
	case KEY_END:
	case 'G':
		ui_cursor_to_row(ui, (long)c->nview - 1);
		return (1);
	}
	return (0);
}

/* Double-click detection: the last press (node and time). */
static long	last_press_node = -1;
static uint64_t	last_press_ms;

static int
nodes_mouse(struct ui *ui, const struct ui_rect *r, int y, int x, int button)
{
	struct cluster	*c = ui->cluster;
	size_t		 row;
	long		 node;
	int		 k;

	if (button == 4 || button == 5) {
		ui_cursor_to_row(ui, (long)ui_cursor_row(ui) +
		    (button == 4 ? -3 : 3));
		return (1);
	}
	if (y == ui->head_y) {
		for (k = 0; k < ui->ncols_drawn; k++) {
			if (ui->col_w[k] > 0 && x >= ui->col_x[k] &&
			    x < ui->col_x[k] + ui->col_w[k] &&
			    ui->col_sort[k] != CLUSTER_NSORTS) {
				cluster_set_sort(c,
				    (enum cluster_sort)ui->col_sort[k]);
				return (1);
			}
		}
		return (1);
	}
	if (y < ui->table_y)
		return (0);
	row = ui->top + (size_t)(y - ui->table_y);
	if (row >= c->nview)
		return (1);
	node = (long)c->view[row];
	/* A click in the mark column toggles the selection. */
	if (x <= r->x + 1) {
		cluster_select(c, (size_t)node, !c->nodes[node].selected);
		ui->cursor = node;
		return (1);
	}
	ui->cursor = node;
	if (node == last_press_node && ui->now_ms - last_press_ms < 400) {
		last_press_node = -1;
		ui_keys_detail(ui);
		return (1);
	}
	last_press_node = node;
	last_press_ms = ui->now_ms;
	return (1);
}

const struct pane_kind pane_nodes_kind = {
	.name = "table",
	.draw = nodes_draw,
	.key = nodes_key,
	.mouse = nodes_mouse
};
