/*
 * pane-heatmap.c -- one cell per node, coloured by a metric (CPU, load
 * per CPU, memory, disk or state), so that a thousand nodes fit on one
 * screen. Cells follow the view's order (filter and sort apply); a row
 * starts with the name of its first node. The cursor moves in two
 * dimensions; Enter opens the node's detail as in the table.
 */

#include <curses.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "ui.h"

static const char *const metric_names[UI_NHEAT] = {
	"CPU %", "load per CPU", "memory %", "disk % (fullest)", "state"
};

/* Grid geometry of the last frame, for keys and the mouse. */
static int	grid_cw = 2, grid_stride = 2, grid_per = 1, grid_y, grid_x, grid_h;
static int	grid_rstride = 1;	/* 2: a blank line between rows */

/* Heat level 0-4 of a node, or -1 without data (drawn as heat-down). */
static int
heat_level(struct ui *ui, const struct cluster_node *n)
{
	const struct metrics_sample	*s = &n->m.last;
	enum cluster_health		 h = cluster_health(n);
	float				 f = 0, v;
	int				 i, ncpu;

	if (ui->heat == UI_HEAT_STATE) {
		if (h == CLUSTER_HEALTH_DOWN || h == CLUSTER_HEALTH_AUTH)
			return (-1);
		if (n->slurm == CLUSTER_SLURM_DOWN)
			return (4);
		if (n->slurm == CLUSTER_SLURM_DRAIN)
			return (3);
		if (h != CLUSTER_HEALTH_UP)
			return (2);
		if (n->slurm == CLUSTER_SLURM_ALLOC ||
		    n->slurm == CLUSTER_SLURM_MIXED)
			return (1);
		return (0);
	}
	if (!n->m.have_last || (h != CLUSTER_HEALTH_UP &&
	    h != CLUSTER_HEALTH_STALE))
		return (-1);
	switch (ui->heat) {
	case UI_HEAT_CPU:
		if (n->m.cpu_pct < 0)
			return (-1);
		f = n->m.cpu_pct / 100;
		break;
	case UI_HEAT_LOAD:
		ncpu = n->m.have_hello && n->m.hello.ncpu > 0 ?
		    n->m.hello.ncpu : 1;
		f = (float)s->load[0] / (float)ncpu;
		break;
	case UI_HEAT_MEM:
		f = (float)((double)metrics_mem_used_kb(s) /
		    (double)s->mem_total_kb);
		break;
	case UI_HEAT_DISK:
		for (i = 0; i < s->ndisks; i++) {
			v = metrics_disk_pct(&s->disk[i]) / 100;
			if (v > f)
				f = v;
		}
		break;
	default:
		break;
	}
	i = (int)(f * 5);
	return (i < 0 ? 0 : i > 4 ? 4 : i);
}

/* The colour of a node's state in the state heat map. */
static enum theme_role
state_role(const struct cluster_node *n)
{
	enum cluster_health	h = cluster_health(n);

	if (n->slurm == CLUSTER_SLURM_DOWN || n->slurm == CLUSTER_SLURM_DRAIN)
		return (ui_slurm_role(n->slurm));
	if (h != CLUSTER_HEALTH_UP)
		return (ui_health_role(h));
	if (n->slurm == CLUSTER_SLURM_NONE)
		return (THEME_NODE_UP);
	return (ui_slurm_role(n->slurm));
}

static void
draw_legend(struct ui *ui, int y, int x, int w)
{
	static const char *const pct[5] = {
		"<20", "20-40", "40-60", "60-80", ">80"
	};
	static const char *const load[5] = {
		"<.2", ".2-.4", ".4-.6", ".6-.8", ">.8"
	};
	static const char *const state[5] = {
		"idle", "alloc", "waiting", "drain", "down"
	};
	const char *const	*names;
	int			 i, used = 0;

	names = ui->heat == UI_HEAT_STATE ? state :
	    ui->heat == UI_HEAT_LOAD ? load : pct;
	used += ui_putf(y, x, w, ui_attr(THEME_TITLE, UI_PLAIN), "%s",
	    metric_names[ui->heat]);
	used += ui_put(y, x + used, w - used, ui_attr(THEME_LABEL, UI_PLAIN),
	    "   ");
	for (i = 0; i < 5 && used < w; i++) {
		if (ui->heat == UI_HEAT_STATE && ui->colour &&
		    !ui->theme.monochrome) {
			static const enum theme_role roles[5] = {
				THEME_SLURM_IDLE, THEME_SLURM_ALLOC,
				THEME_NODE_CONNECTING, THEME_SLURM_DRAIN,
				THEME_SLURM_DOWN
			};
			char	two[16];
			snprintf(two, sizeof two, "%s%s", ui->g->bar_full,
			    ui->g->bar_full);
			used += ui_put(y, x + used, w - used,
			    ui_attr(roles[i], UI_PLAIN), two);
		} else
			used += ui_put(y, x + used, w - used,
			    ui_attr(THEME_HEAT_0 + i, UI_PLAIN), ui->colour &&
			    !ui->theme.monochrome ? "  " : ui->g->shade[i]);
		used += ui_putf(y, x + used, w - used,
		    ui_attr(THEME_LABEL, UI_PLAIN), " %s  ", names[i]);
	}
	if (used < w) {
		used += ui_put(y, x + used, w - used,
		    ui_attr(THEME_HEAT_DOWN, UI_PLAIN), "xx");
		used += ui_put(y, x + used, w - used,
		    ui_attr(THEME_LABEL, UI_PLAIN), " no data   ");
	}
	ui_put(y, x + used, w - used, ui_attr(THEME_DIM, UI_PLAIN),
	    "m: next metric");
}

static void
draw_info(struct ui *ui, int y, int x, int w)
{
	struct cluster_node	*n = ui_cursor_node(ui);
	char			 a[16], b[16];
	int			 used;

	if (n == NULL)
		return;
	used = ui_put(y, x, w, ui_attr(n->selected ? THEME_SELECTED :
	    THEME_VALUE, UI_PLAIN), n->name);
	used += ui_put(y, x + used, w - used, ui_attr(THEME_DEFAULT, UI_PLAIN),
	    " ");
	used += ui_put(y, x + used, w - used,
	    ui_attr(ui_health_role(cluster_health(n)), UI_PLAIN),
	    node_state_name(n->conn));
	if (n->m.have_last && cluster_health(n) == CLUSTER_HEALTH_UP) {
		used += ui_putf(y, x + used, w - used,
		    ui_attr(THEME_DEFAULT, UI_PLAIN),
		    "  cpu %.1f%%  load %.2f %.2f %.2f  mem %s/%s",
		    n->m.cpu_pct < 0 ? 0 : n->m.cpu_pct, n->m.last.load[0],
		    n->m.last.load[1], n->m.last.load[2],
		    ui_fmt_kb(a, sizeof a, metrics_mem_used_kb(&n->m.last)),
		    ui_fmt_kb(b, sizeof b, n->m.last.mem_total_kb));
	} else if (n->why != NULL)
		used += ui_putf(y, x + used, w - used,
		    ui_attr(THEME_DIM, UI_PLAIN), ": %s", n->why);
	if (n->slurm_state != NULL) {
		used += ui_put(y, x + used, w - used,
		    ui_attr(THEME_LABEL, UI_PLAIN), "  slurm ");
		ui_put(y, x + used, w - used,
		    ui_attr(ui_slurm_role(n->slurm), UI_PLAIN), n->slurm_state);
	}
}

static void
heatmap_draw(struct ui *ui, const struct ui_rect *r)
{
	struct cluster		*c = ui->cluster;
	struct cluster_node	*n;
	size_t			 i, row, crow;
	int			 label_w = 0, cw, per, rows, h, gx, y, x, lvl;
	int			 want, stride, rstride, colour;
	int			 col, len;
	unsigned long		 attr;
	const char		*glyph;
	char			 text[8];

	if (r->h < 4)
		return;
	draw_legend(ui, r->y, r->x + 1, r->w - 2);
	h = r->h - 3;		/* legend, blank line ... info line */
	if (c->nview == 0) {
		ui_put(r->y + 2, r->x + 2, r->w - 4, ui_attr(THEME_DIM,
		    UI_PLAIN), "no node matches the filter (Esc clears it)");
		return;
	}
	for (i = 0; i < c->n; i++) {
		len = ui_width(c->nodes[i].name);
		if (len > label_w)
			label_w = len;
	}
	label_w += 1;
	if (label_w > (r->w - 2) / 3)
		label_w = 0;
	ui_layout_grid(c->nview, r->w - 2, h, label_w, &cw, &per, &rows);
	if (label_w > 0 && label_w > (r->w - 2) / 3)
		label_w = 0;
	/*
	 * Few nodes: a squarer block (rows of a multiple of 8 nodes, about
	 * twice as wide as high on screen) reads better than one long line.
	 */
	want = (int)ceil(sqrt(4.0 * (double)c->nview));
	want = want < 8 ? 8 : (want + 7) / 8 * 8;
	if (want < per && (c->nview + (size_t)want - 1) / (size_t)want <=
	    (size_t)h) {
		per = want;
		rows = (int)((c->nview + (size_t)per - 1) / (size_t)per);
	}
	/* Room to spare: a blank column between cells. */
	stride = cw == 2 && per * 3 <= r->w - 2 - label_w ? 3 : cw;
	/* Room to spare: a blank line between rows too. */
	rstride = rows * 2 - 1 <= h ? 2 : 1;
	gx = r->x + 1 + label_w;
	grid_cw = cw;
	grid_stride = stride;
	grid_rstride = rstride;
	grid_per = per;
	grid_y = r->y + 2;
	grid_x = gx;
	grid_h = h / rstride > 0 ? h / rstride : 1;

	ui_cursor_node(ui);
	crow = ui_cursor_row(ui) / (size_t)per;
	ui->heat_top = ui_layout_scroll(crow, ui->heat_top, (size_t)rows,
	    grid_h);

	for (row = ui->heat_top; row < (size_t)rows &&
	    row < ui->heat_top + (size_t)grid_h; row++) {
		y = grid_y + (int)(row - ui->heat_top) * rstride;
		if (label_w > 0)
			ui_put(y, r->x + 1, label_w - 1,
			    ui_attr(THEME_LABEL, UI_PLAIN),
			    c->nodes[c->view[row * (size_t)per]].name);
		for (col = 0; col < per; col++) {
			i = row * (size_t)per + (size_t)col;
			if (i >= c->nview)
				break;
			n = &c->nodes[c->view[i]];
			x = gx + col * stride;
			lvl = heat_level(ui, n);
			attr = ui_attr(lvl < 0 ? THEME_HEAT_DOWN :
			    (enum theme_role)(THEME_HEAT_0 + lvl), UI_PLAIN);
			colour = ui->colour && !ui->theme.monochrome;
			if (colour)
				glyph = " ";
			else
				glyph = lvl < 0 ? " " : ui->g->shade[lvl];
			if (lvl >= 0 && ui->heat == UI_HEAT_STATE && colour) {
				/* States are categories: their own colours. */
				attr = ui_attr(state_role(n), UI_PLAIN);
				glyph = ui->g->bar_full;
			}
			if (lvl < 0)
				glyph = cluster_health(n) ==
				    CLUSTER_HEALTH_CONNECTING ? ui->g->dot : "x";
			if (n->selected)
				glyph = ui->g->mark;
			if ((long)c->view[i] == ui->cursor) {
				attr = ui_attr(THEME_CURSOR, UI_PLAIN);
				snprintf(text, sizeof text, "%s", cw == 2 ?
				    "[]" : "@");
			} else if (cw == 2)
				snprintf(text, sizeof text, "%s%s", glyph,
				    n->selected ? " " : glyph);
			else
				snprintf(text, sizeof text, "%s", glyph);
			ui_put(y, x, cw, attr, text);
		}
	}
	draw_info(ui, r->y + r->h - 1, r->x + 1, r->w - 2);
}

static int
heatmap_key(struct ui *ui, int key)
{
	struct cluster	*c = ui->cluster;
	long		 row = (long)ui_cursor_row(ui), per = grid_per;

	switch (key) {
	case KEY_LEFT:
	case 'h':
		ui_cursor_to_row(ui, row - 1);
		return (1);
	case KEY_RIGHT:
	case 'l':
		ui_cursor_to_row(ui, row + 1);
		return (1);
	case KEY_UP:
	case 'k':
		if (row >= per)
			ui_cursor_to_row(ui, row - per);
		return (1);
	case KEY_DOWN:
	case 'j':
		if (row + per < (long)c->nview)
			ui_cursor_to_row(ui, row + per);
		return (1);
	case KEY_PPAGE:
		ui_cursor_to_row(ui, row - per * (grid_h > 1 ? grid_h - 1 : 1));
		return (1);
	case KEY_NPAGE:
		ui_cursor_to_row(ui, row + per * (grid_h > 1 ? grid_h - 1 : 1));
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

static long	last_node = -1;
static uint64_t	last_ms;

static int
heatmap_mouse(struct ui *ui, const struct ui_rect *r, int y, int x,
    int button)
{
	struct cluster	*c = ui->cluster;
	size_t		 i;

	if (button == 4 || button == 5) {
		ui_cursor_to_row(ui, (long)ui_cursor_row(ui) +
		    (button == 4 ? -grid_per : grid_per));
		return (1);
	}
	if (y < grid_y || y >= grid_y + grid_h * grid_rstride || x < grid_x ||
	    x >= grid_x + grid_per * grid_stride || (y - grid_y) % grid_rstride)
		return (0);
	i = (ui->heat_top + (size_t)((y - grid_y) / grid_rstride)) *
	    (size_t)grid_per +
	    (size_t)((x - grid_x) / grid_stride);
	if (i >= c->nview)
		return (1);
	ui->cursor = (long)c->view[i];
	if (ui->cursor == last_node && ui->now_ms - last_ms < 400) {
		last_node = -1;
		ui_keys_detail(ui);
		return (1);
	}
	last_node = ui->cursor;
	last_ms = ui->now_ms;
	return (1);
}

const struct pane_kind pane_heatmap_kind = {
	.name = "heat map",
	.draw = heatmap_draw,
	.key = heatmap_key,
	.mouse = heatmap_mouse
};
