/*
 * pane-header.c -- the header: cluster name, node and Slurm state counts,
 * cluster-wide load, CPU, memory and disk, and the age of the last sample.
 *
 * The header is a list of segments (each a few coloured spans) that flow
 * into as many lines as the width needs, with a forced break between the
 * "who" line (name, states) and the "how busy" line (meters). The same
 * flow with drawing off gives pane_header_height().
 */

#include <curses.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "ui.h"

#define SPANS	16
#define SEGS	12

struct span {
	char		 text[48];
	enum theme_role	 role;
	int		 bar;		/* 1: a meter, text unused */
	float		 frac;		/* meter fill, 0..1 */
	int		 width;
};

struct seg {
	struct span	 s[SPANS];
	int		 n;
	int		 w;
	int		 brk;		/* 1: start a new line before this */
};

struct hdr {
	struct seg	 seg[SEGS];
	int		 n;
};

static struct seg *
seg_new(struct hdr *h, int brk)
{
	struct seg	*s;

	if (h->n == SEGS)
		return (&h->seg[SEGS - 1]);
	s = &h->seg[h->n++];
	memset(s, 0, sizeof *s);
	s->brk = brk;
	return (s);
}

static void
span(struct seg *g, enum theme_role role, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
span(struct seg *g, enum theme_role role, const char *fmt, ...)
{
	struct span	*s;
	va_list		 ap;

	if (g->n == SPANS)
		return;
	s = &g->s[g->n++];
	memset(s, 0, sizeof *s);
	va_start(ap, fmt);
	vsnprintf(s->text, sizeof s->text, fmt, ap);
	va_end(ap);
	s->role = role;
	s->width = ui_width(s->text);
	g->w += s->width;
}

static void
meter(struct seg *g, enum theme_role role, float frac, int width)
{
	struct span	*s;

	if (g->n == SPANS)
		return;
	s = &g->s[g->n++];
	memset(s, 0, sizeof *s);
	s->bar = 1;
	s->role = role;
	s->frac = frac < 0 ? 0 : frac > 1 ? 1 : frac;
	s->width = width;
	g->w += width;
}

static void
build(struct ui *ui, struct hdr *h, int cols)
{
	static const enum node_state others[] = {
		NODE_CONNECTING, NODE_RECONNECTING, NODE_UNREACHABLE,
		NODE_TIMED_OUT, NODE_AUTH_FAILED, NODE_HOSTKEY_MISMATCH,
		NODE_NEW
	};
	static const enum cluster_slurm slurms[] = {
		CLUSTER_SLURM_IDLE, CLUSTER_SLURM_ALLOC, CLUSTER_SLURM_MIXED,
		CLUSTER_SLURM_DRAIN, CLUSTER_SLURM_DOWN, CLUSTER_SLURM_OTHER
	};
	const struct cluster		*c = ui->cluster;
	const struct cluster_summary	*s = &c->sum;
	const struct theme		*t = &ui->theme;
	struct cluster_node		 fake;
	struct seg			*g;
	char				 a[16], b[16];
	const char			*dot = ui->g != NULL ? ui->g->dot : ".";
	size_t				 i, nslurm;
	int				 bw, lvl;
	float				 f;
	double				 age;

	memset(h, 0, sizeof *h);
	bw = cols >= 140 ? 12 : cols >= 110 ? 10 : 6;

	g = seg_new(h, 0);
	span(g, THEME_TITLE, "clustertop");
	span(g, THEME_HEADER, " ");
	span(g, THEME_VALUE, "%s", c->name);

	g = seg_new(h, 0);
	span(g, THEME_LABEL, "nodes ");
	span(g, s->conn[NODE_UP] == s->n ? THEME_NODE_UP : THEME_VALUE,
	    "%zu/%zu", s->conn[NODE_UP], s->n);
	span(g, THEME_LABEL, " up");
	memset(&fake, 0, sizeof fake);
	if (s->stale > 0)
		span(g, THEME_NODE_STALE, " %s %zu stale", dot, s->stale);
	for (i = 0; i < sizeof others / sizeof others[0]; i++) {
		if (s->conn[others[i]] == 0)
			continue;
		fake.conn = others[i];
		span(g, ui_health_role(cluster_health(&fake)), " %s %zu %s",
		    dot, s->conn[others[i]], node_state_name(others[i]));
	}

	nslurm = s->n - s->slurm[CLUSTER_SLURM_NONE];
	if (nslurm > 0) {
		g = seg_new(h, 0);
		span(g, THEME_LABEL, "slurm");
		for (i = 0; i < sizeof slurms / sizeof slurms[0]; i++) {
			if (slurms[i] == CLUSTER_SLURM_OTHER &&
			    s->slurm[slurms[i]] == 0)
				continue;
			span(g, s->slurm[slurms[i]] > 0 ?
			    ui_slurm_role(slurms[i]) : THEME_DIM, " %zu %s",
			    s->slurm[slurms[i]], cluster_slurm_name(slurms[i]));
		}
	}

	g = seg_new(h, 0);
	if (s->newest_ms > 0) {
		age = ui->now_ms > s->newest_ms ?
		    (double)(ui->now_ms - s->newest_ms) / 1000 : 0;
		span(g, THEME_LABEL, "sample ");
		span(g, age > c->interval_s * 2 ? THEME_WARN : THEME_VALUE,
		    "%.1fs", age);
		span(g, THEME_LABEL, " ago");
	} else
		span(g, THEME_DIM, "no samples yet");

	/* The meters line. */
	g = seg_new(h, 1);
	span(g, THEME_LABEL, "load ");
	if (s->nsampled > 0) {
		f = s->ncpu > 0 ? (float)(s->load1 / s->ncpu) : 0;
		span(g, ui_level_role(theme_level(t, THEME_METRIC_LOAD, f)),
		    "%.2f", s->load1);
		span(g, THEME_LABEL, " %s %.2f/cpu", dot, f);
	} else
		span(g, THEME_DIM, "-");

	g = seg_new(h, 0);
	span(g, THEME_LABEL, "cpu ");
	if (s->cpu_pct >= 0) {
		lvl = theme_level(t, THEME_METRIC_CPU, s->cpu_pct);
		meter(g, ui_level_role(lvl), s->cpu_pct / 100, bw);
		span(g, ui_level_role(lvl), " %4.1f%%", s->cpu_pct);
		span(g, THEME_LABEL, " of %d", s->ncpu);
	} else
		span(g, THEME_DIM, "-");

	g = seg_new(h, 0);
	span(g, THEME_LABEL, "mem ");
	if (s->mem_total_kb > 0) {
		f = (float)(100.0 * (double)s->mem_used_kb /
		    (double)s->mem_total_kb);
		lvl = theme_level(t, THEME_METRIC_MEM, f);
		meter(g, ui_level_role(lvl), f / 100, bw);
		span(g, ui_level_role(lvl), " %s", ui_fmt_kb(a, sizeof a,
		    s->mem_used_kb));
		span(g, THEME_LABEL, "/%s", ui_fmt_kb(b, sizeof b,
		    s->mem_total_kb));
	} else
		span(g, THEME_DIM, "-");

	g = seg_new(h, 0);
	span(g, THEME_LABEL, "disk / ");
	if (s->disk_total_kb > 0) {
		f = (float)(100.0 * (double)s->disk_used_kb /
		    (double)s->disk_total_kb);
		lvl = theme_level(t, THEME_METRIC_DISK, f);
		meter(g, ui_level_role(lvl), f / 100, bw);
		span(g, ui_level_role(lvl), " %.0f%%", f);
		span(g, THEME_LABEL, " of %s", ui_fmt_kb(b, sizeof b,
		    s->disk_total_kb));
	} else
		span(g, THEME_DIM, "-");

}

/* Lay the segments out; draw them if R is not NULL. Returns lines used. */
static int
flow(struct ui *ui, struct hdr *h, int cols, const struct ui_rect *r)
{
	const char	*sep = ui->g != NULL ? ui->g->vline : "|";
	int		 line = 0, x = 1, i, j, k, full, used;
	struct span	*s;

	for (i = 0; i < h->n; i++) {
		if (i > 0 && (h->seg[i].brk ||
		    x + 3 + h->seg[i].w > cols - 1)) {
			line++;
			x = 1;
		} else if (i > 0) {
			if (r != NULL && line < r->h)
				ui_putf(r->y + line, r->x + x + 1, 1,
				    ui_attr(THEME_BORDER, UI_PLAIN), "%s", sep);
			x += 3;
		}
		for (j = 0; j < h->seg[i].n; j++) {
			s = &h->seg[i].s[j];
			if (r == NULL || line >= r->h) {
				x += s->width;
				continue;
			}
			if (!s->bar) {
				used = ui_put(r->y + line, r->x + x,
				    cols - x, ui_attr(s->role, UI_PLAIN),
				    s->text);
				x += used;
				continue;
			}
			full = (int)(s->frac * (float)s->width + 0.5f);
			for (k = 0; k < s->width && x + k < cols; k++)
				ui_put(r->y + line, r->x + x + k, 1,
				    ui_attr(k < full ? s->role : THEME_BAR_FREE,
				    UI_PLAIN), k < full ? ui->g->bar_full :
				    ui->g->bar_empty);
			x += s->width;
		}
	}
	return (line + 1);
}

int
pane_header_height(const struct ui *cui, int cols)
{
	struct ui	*ui = (struct ui *)cui;
	struct hdr	 h;

	build(ui, &h, cols);
	return (flow(ui, &h, cols, NULL));
}

void
pane_header_draw(struct ui *ui, const struct ui_rect *r)
{
	struct hdr	h;
	int		i;

	for (i = 0; i < r->h; i++)
		ui_fill(r->y + i, r->x, r->w, ui_attr(THEME_HEADER, UI_PLAIN));
	build(ui, &h, r->w);
	flow(ui, &h, r->w, r);
}
