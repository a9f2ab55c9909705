/*
 * cluster.c -- the dashboard model (see cluster.h).
 *
 * Nodes live in one array indexed by engine node id. A small open-address
 * hash maps names to indices for Slurm snapshots and selection by host
 * list. The view is an array of indices: cluster_refresh() rebuilds it
 * (filter, then sort) only when a change flag asks for it, so at a 1 s
 * interval and 1,000 nodes the work per frame stays a few microseconds
 * when nothing moved and one qsort of 1,000 indices when something did.
 */

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cluster.h"
#include "hostlist.h"
#include "inventory.h"
#include "util.h"

/* A compiled filter. */
struct cluster_filter {
	int		 invert;
	enum {
		FILTER_SUBSTRING,
		FILTER_HOSTS,
		FILTER_STATE
	}		 kind;
	char		*text;		/* substring (lower case) or state word */
	struct hostlist	*hosts;
};

static void	filter_free(struct cluster_filter *);

/* --- names ---------------------------------------------------------------- */

int
cluster_name_cmp(const char *a, const char *b)
{
	return (hostlist_natural_cmp(a, b));
}

static uint32_t
name_hash(const char *s)
{
	uint32_t	h = 2166136261u;

	for (; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return (h);
}

static void
index_rebuild(struct cluster *c)
{
	size_t	*tab, size, i, j;

	size = 16;
	while (size < c->n * 2)
		size *= 2;
	free(c->index);
	tab = xcalloc(size, sizeof *tab);	/* 0 empty, else i + 1 */
	for (i = 0; i < c->n; i++) {
		j = name_hash(c->nodes[i].name) & (size - 1);
		while (tab[j] != 0)
			j = (j + 1) & (size - 1);
		tab[j] = i + 1;
	}
	c->index = tab;
	c->index_size = size;
}

long
cluster_find(const struct cluster *c, const char *name)
{
	const size_t	*tab = c->index;
	size_t		 j;

	if (tab == NULL || name == NULL)
		return (-1);
	j = name_hash(name) & (c->index_size - 1);
	while (tab[j] != 0) {
		if (strcmp(c->nodes[tab[j] - 1].name, name) == 0)
			return ((long)(tab[j] - 1));
		j = (j + 1) & (c->index_size - 1);
	}
	return (-1);
}

/* --- lifetime ------------------------------------------------------------- */

struct cluster *
cluster_create(const char *name, double interval_s)
{
	struct cluster	*c = xcalloc(1, sizeof *c);

	c->name = xstrdup(name != NULL ? name : "cluster");
	c->interval_s = interval_s > 0 ? interval_s : 2;
	c->sort = CLUSTER_SORT_NAME;
	c->sum.cpu_pct = -1;
	c->flags = CLUSTER_CHANGED_DATA | CLUSTER_CHANGED_VIEW;
	return (c);
}

void
cluster_free(struct cluster *c)
{
	size_t	i;

	if (c == NULL)
		return;
	for (i = 0; i < c->n; i++) {
		free(c->nodes[i].name);
		free(c->nodes[i].addr);
		free(c->nodes[i].why);
		free(c->nodes[i].slurm_state);
		free(c->nodes[i].slurm_reason);
	}
	for (i = 0; i < c->nmounts; i++)
		free(c->mounts[i]);
	free(c->mounts);
	free(c->nodes);
	free(c->view);
	free(c->filter);
	filter_free(c->filter_state);
	free(c->index);
	free(c->name);
	free(c);
}

size_t
cluster_add_node(struct cluster *c, const char *name, const char *addr)
{
	struct cluster_node	*n, *tmp;

	tmp = realloc(c->nodes, (c->n + 1) * sizeof *c->nodes);
	if (tmp == NULL)
		abort();
	c->nodes = tmp;
	n = &c->nodes[c->n];
	memset(n, 0, sizeof *n);
	n->name = xstrdup(name);
	n->addr = xstrdup(addr);
	n->conn = NODE_NEW;
	n->visible = 1;
	metrics_node_init(&n->m);
	c->n++;
	free(c->view);
	c->view = xcalloc(c->n, sizeof *c->view);
	index_rebuild(c);
	c->flags |= CLUSTER_CHANGED_DATA | CLUSTER_CHANGED_VIEW;
	return (c->n - 1);
}

void
cluster_set_mounts(struct cluster *c, const char *const *mounts, size_t n)
{
	size_t	i;

	for (i = 0; i < c->nmounts; i++)
		free(c->mounts[i]);
	free(c->mounts);
	c->mounts = n > 0 ? xcalloc(n, sizeof *c->mounts) : NULL;
	c->nmounts = 0;
	for (i = 0; i < n; i++) {
		if (strcmp(mounts[i], "/") != 0)
			c->mounts[c->nmounts++] = xstrdup(mounts[i]);
	}
	c->flags |= CLUSTER_CHANGED_DATA;
}

/* --- events ----------------------------------------------------------------- */

/* Copy TEXT without control characters (it may come from a node). */
static void
clean_copy(char *dst, size_t size, const char *text)
{
	size_t	i;

	for (i = 0; i + 1 < size && text[i] != '\0'; i++) {
		unsigned char ch = (unsigned char)text[i];
		dst[i] = (ch < 0x20 || ch == 0x7f) ? ' ' : (char)ch;
	}
	dst[i] = '\0';
}

void
cluster_node_error(struct cluster *c, size_t i, const char *text,
    uint64_t now_ms)
{
	struct cluster_node	*n;
	struct cluster_error	*e;

	if (i >= c->n || text == NULL || *text == '\0')
		return;
	n = &c->nodes[i];
	/* The same text again only refreshes its time. */
	if (n->nerrors > 0) {
		e = &n->errors[(n->error_head + CLUSTER_NERRORS - 1) %
		    CLUSTER_NERRORS];
		if (strncmp(e->text, text, sizeof e->text - 1) == 0) {
			e->when_ms = now_ms;
			return;
		}
	}
	e = &n->errors[n->error_head];
	e->when_ms = now_ms;
	clean_copy(e->text, sizeof e->text, text);
	n->error_head = (n->error_head + 1) % CLUSTER_NERRORS;
	if (n->nerrors < CLUSTER_NERRORS)
		n->nerrors++;
	c->flags |= CLUSTER_CHANGED_DATA;
}

void
cluster_node_conn(struct cluster *c, size_t i, enum node_state state,
    const char *text, uint64_t now_ms)
{
	struct cluster_node	*n;

	if (i >= c->n)
		return;
	n = &c->nodes[i];
	if (n->conn != state) {
		/* Retries flip the state; keep when the trouble started. */
		if (state == NODE_UP)
			n->lost_ms = 0;
		else if (n->conn == NODE_UP || (n->lost_ms == 0 &&
		    state != NODE_CONNECTING && state != NODE_NEW))
			n->lost_ms = now_ms;
		n->conn = state;
		n->conn_since_ms = now_ms;
		if (state == NODE_UP) {
			n->stale = 0;
			n->last_sample_ms = 0;
		}
	}
	if (state == NODE_UP) {
		free(n->why);
		n->why = NULL;
	} else if (text != NULL && *text != '\0') {
		free(n->why);
		n->why = xstrdup(text);
		clean_copy(n->why, strlen(n->why) + 1, text);
		cluster_node_error(c, i, text, now_ms);
	}
	c->flags |= CLUSTER_CHANGED_DATA | CLUSTER_CHANGED_VIEW;
}

int
cluster_node_line(struct cluster *c, size_t i, const char *line, size_t len,
    uint64_t now_ms)
{
	struct cluster_node	*n;
	struct metrics_sample	 s;
	struct metrics_hello	 h;

	if (i >= c->n)
		return (0);
	n = &c->nodes[i];
	switch (metrics_parse_line(line, len, &s, &h)) {
	case METRICS_HELLO:
		n->m.hello = h;
		n->m.have_hello = 1;
		return (0);
	case METRICS_SAMPLE:
		metrics_node_add(&n->m, &s);
		n->last_sample_ms = now_ms;
		n->stale = 0;
		c->flags |= CLUSTER_CHANGED_DATA | CLUSTER_CHANGED_VIEW;
		return (1);
	case METRICS_NOISE:
		break;
	}
	return (0);
}

uint64_t
cluster_stale_ms(const struct cluster *c)
{
	/* Two intervals, plus half a second for the sample's own time. */
	return ((uint64_t)(2000 * c->interval_s) + 500);
}

int
cluster_tick(struct cluster *c, uint64_t now_ms)
{
	struct cluster_node	*n;
	uint64_t		 since, limit = cluster_stale_ms(c);
	size_t			 i;
	int			 changed = 0, stale;

	for (i = 0; i < c->n; i++) {
		n = &c->nodes[i];
		stale = 0;
		if (n->conn == NODE_UP) {
			since = n->last_sample_ms > n->conn_since_ms ?
			    n->last_sample_ms : n->conn_since_ms;
			stale = now_ms > since && now_ms - since > limit;
		}
		if (stale != n->stale) {
			n->stale = stale;
			changed = 1;
		}
	}
	if (changed)
		c->flags |= CLUSTER_CHANGED_DATA | CLUSTER_CHANGED_VIEW;
	return (changed);
}

enum cluster_health
cluster_health(const struct cluster_node *n)
{
	switch (n->conn) {
	case NODE_UP:
		if (n->stale)
			return (CLUSTER_HEALTH_STALE);
		if (n->last_sample_ms == 0)
			return (CLUSTER_HEALTH_WAITING);
		return (CLUSTER_HEALTH_UP);
	case NODE_NEW:
	case NODE_CONNECTING:
	case NODE_RECONNECTING:
		return (CLUSTER_HEALTH_CONNECTING);
	case NODE_AUTH_FAILED:
	case NODE_HOSTKEY_MISMATCH:
		return (CLUSTER_HEALTH_AUTH);
	case NODE_UNREACHABLE:
	case NODE_TIMED_OUT:
		break;
	}
	return (CLUSTER_HEALTH_DOWN);
}

/* --- Slurm -------------------------------------------------------------------- */

enum cluster_slurm
cluster_slurm_class(const char *state, int flags)
{
	if (state == NULL)
		return (CLUSTER_SLURM_NONE);
	if (flags & (INV_DOWN | INV_NOT_RESPONDING | INV_FAIL))
		return (CLUSTER_SLURM_DOWN);
	if (flags & INV_DRAIN)
		return (CLUSTER_SLURM_DRAIN);
	if (strncmp(state, "mix", 3) == 0)
		return (CLUSTER_SLURM_MIXED);
	if (strncmp(state, "alloc", 5) == 0 || strncmp(state, "comp", 4) == 0)
		return (CLUSTER_SLURM_ALLOC);
	if (strncmp(state, "idle", 4) == 0)
		return (CLUSTER_SLURM_IDLE);
	if (strncmp(state, "drain", 5) == 0 || strncmp(state, "drng", 4) == 0)
		return (CLUSTER_SLURM_DRAIN);
	if (strncmp(state, "down", 4) == 0 || strncmp(state, "fail", 4) == 0)
		return (CLUSTER_SLURM_DOWN);
	if (flags & INV_ALLOCATED)
		return (CLUSTER_SLURM_ALLOC);
	if (flags & INV_IDLE)
		return (CLUSTER_SLURM_IDLE);
	return (CLUSTER_SLURM_OTHER);
}

const char *
cluster_slurm_name(enum cluster_slurm s)
{
	static const char *const names[CLUSTER_NSLURM] = {
		"-", "idle", "alloc", "mixed", "drain", "down", "other"
	};

	return ((unsigned)s < CLUSTER_NSLURM ? names[s] : "?");
}

void
cluster_apply_slurm(struct cluster *c, const struct inventory *inv)
{
	const struct inventory_node	*in;
	struct cluster_node		*n;
	size_t				 i;
	long				 k;

	if (inv == NULL || inv->nnodes == 0)
		return;	/* a failed query: keep what we had */
	for (i = 0; i < inv->nnodes; i++) {
		in = &inv->nodes[i];
		if ((k = cluster_find(c, in->name)) < 0)
			continue;
		n = &c->nodes[k];
		if (in->slurm_state == NULL)
			continue;
		if (n->slurm_state == NULL ||
		    strcmp(n->slurm_state, in->slurm_state) != 0) {
			free(n->slurm_state);
			n->slurm_state = xstrdup(in->slurm_state);
			c->flags |= CLUSTER_CHANGED_DATA | CLUSTER_CHANGED_VIEW;
		}
		n->slurm = cluster_slurm_class(in->slurm_state, in->slurm_flags);
		if ((n->slurm_reason == NULL) != (in->reason == NULL) ||
		    (in->reason != NULL && strcmp(n->slurm_reason, in->reason))) {
			free(n->slurm_reason);
			n->slurm_reason = xstrdup(in->reason);
			c->flags |= CLUSTER_CHANGED_DATA;
		}
	}
}

/* --- filter --------------------------------------------------------------------- */

static void
filter_free(struct cluster_filter *f)
{
	if (f == NULL)
		return;
	free(f->text);
	if (f->hosts != NULL)
		hostlist_free(f->hosts);
	free(f);
}

static int
filter_compile(const char *text, struct cluster_filter **out, char **cause)
{
	struct cluster_filter	*f;
	char			*copy, *t, *p;
	int			 rc = 0;

	*cause = NULL;
	*out = NULL;
	copy = xstrdup(text);
	for (p = copy + strlen(copy); p > copy && p[-1] == ' '; p--)
		p[-1] = '\0';
	for (t = copy; *t == ' '; t++)
		;
	if (*t == '\0') {
		free(copy);
		return (0);
	}
	f = xcalloc(1, sizeof *f);
	if (*t == '!') {
		f->invert = 1;
		t++;
	}
	if (strncmp(t, "state:", 6) == 0 || strncmp(t, "state=", 6) == 0) {
		f->kind = FILTER_STATE;
		f->text = xstrdup(t + 6);
	} else if (strpbrk(t, "[],^@ &!") != NULL) {
		f->kind = FILTER_HOSTS;
		if ((f->hosts = hostlist_create()) == NULL)
			abort();
		if (hostlist_add(f->hosts, t, cause) != 0)
			rc = -1;
	} else {
		f->kind = FILTER_SUBSTRING;
		f->text = xstrdup(t);
	}
	free(copy);
	if (rc != 0) {
		filter_free(f);
		return (-1);
	}
	if (f->text != NULL) {
		for (p = f->text; *p != '\0'; p++)
			*p = (char)tolower((unsigned char)*p);
	}
	*out = f;
	return (0);
}

static int
match_state(const struct cluster_node *n, const char *word)
{
	size_t	len = strlen(word);

	if (len == 0)
		return (0);
	if (strcmp(word, "stale") == 0)
		return (cluster_health(n) == CLUSTER_HEALTH_STALE);
	if (strcmp(word, "down") == 0 && cluster_health(n) ==
	    CLUSTER_HEALTH_DOWN)
		return (1);
	if (strncmp(node_state_name(n->conn), word, len) == 0)
		return (1);
	if (n->slurm != CLUSTER_SLURM_NONE &&
	    strncmp(cluster_slurm_name(n->slurm), word, len) == 0)
		return (1);
	if (n->slurm_state != NULL && strncmp(n->slurm_state, word, len) == 0)
		return (1);
	return (0);
}

static int
filter_match(const struct cluster_filter *f, const struct cluster_node *n)
{
	const char	*h, *p, *q;
	int		 m = 0;

	if (f == NULL)
		return (1);
	switch (f->kind) {
	case FILTER_HOSTS:
		m = hostlist_find(f->hosts, n->name) >= 0;
		break;
	case FILTER_STATE:
		m = match_state(n, f->text);
		break;
	case FILTER_SUBSTRING:
		/* Case-insensitive strstr; the pattern is lower case. */
		for (h = n->name; *h != '\0' && !m; h++) {
			for (p = h, q = f->text; *p != '\0' && *q != '\0' &&
			    tolower((unsigned char)*p) == *q; p++, q++)
				;
			m = *q == '\0';
		}
		break;
	}
	return (f->invert ? !m : m);
}

int
cluster_set_filter(struct cluster *c, const char *text, char **cause)
{
	struct cluster_filter	*f;

	if (filter_compile(text != NULL ? text : "", &f, cause) != 0)
		return (-1);
	filter_free(c->filter_state);
	c->filter_state = f;
	free(c->filter);
	c->filter = f != NULL ? xstrdup(text) : NULL;
	c->flags |= CLUSTER_CHANGED_VIEW | CLUSTER_CHANGED_DATA;
	return (0);
}

/* --- sort and refresh ------------------------------------------------------------ */

const char *
cluster_sort_name(enum cluster_sort s)
{
	static const char *const names[CLUSTER_NSORTS] = {
		"name", "state", "load", "cpu", "mem", "disk", "uptime", "slurm"
	};

	return ((unsigned)s < CLUSTER_NSORTS ? names[s] : "?");
}

void
cluster_set_sort(struct cluster *c, enum cluster_sort s)
{
	if ((unsigned)s >= CLUSTER_NSORTS)
		return;
	if (c->sort == s)
		c->reverse = !c->reverse;
	else {
		c->sort = s;
		c->reverse = 0;
	}
	c->flags |= CLUSTER_CHANGED_VIEW | CLUSTER_CHANGED_DATA;
}

/* Largest used percent over the node's disks; <0 without data. */
static float
disk_max_pct(const struct cluster_node *n)
{
	float	best = -1, v;
	int	i;

	if (!n->m.have_last)
		return (-1);
	for (i = 0; i < n->m.last.ndisks; i++) {
		v = metrics_disk_pct(&n->m.last.disk[i]);
		if (v > best)
			best = v;
	}
	return (best);
}

/* The sort key of a node, or 0 with *have = 0 when it has none. */
static double
sort_value(const struct cluster_node *n, enum cluster_sort s, int *have)
{
	const struct metrics_sample	*l = &n->m.last;

	*have = n->m.have_last;
	switch (s) {
	case CLUSTER_SORT_LOAD:
		return (l->load[0]);
	case CLUSTER_SORT_CPU:
		*have = *have && n->m.cpu_pct >= 0;
		return (n->m.cpu_pct);
	case CLUSTER_SORT_MEM:
		*have = *have && l->mem_total_kb > 0;
		return (*have ? (double)metrics_mem_used_kb(l) /
		    (double)l->mem_total_kb : 0);
	case CLUSTER_SORT_DISK:
		return (disk_max_pct(n));
	case CLUSTER_SORT_UPTIME:
		return (l->uptime);
	default:
		break;
	}
	*have = 0;
	return (0);
}

/* The cluster whose view qsort is ordering (qsort has no context). */
static const struct cluster *sort_cluster;

static int
view_cmp(const void *pa, const void *pb)
{
	const struct cluster		*c = sort_cluster;
	const struct cluster_node	*a = &c->nodes[*(const size_t *)pa];
	const struct cluster_node	*b = &c->nodes[*(const size_t *)pb];
	double				 va, vb;
	int				 ha, hb, r = 0, dir;

	/* Names ascend by default; numbers descend (the busiest first). */
	dir = c->reverse ? -1 : 1;
	switch (c->sort) {
	case CLUSTER_SORT_NAME:
		break;
	case CLUSTER_SORT_STATE:
		/* The worst first: auth, down, connecting, stale, ... */
		ha = (int)cluster_health(a);
		hb = (int)cluster_health(b);
		r = (ha != hb) ? (ha > hb ? -1 : 1) * dir : 0;
		break;
	case CLUSTER_SORT_SLURM:
		ha = (int)a->slurm;
		hb = (int)b->slurm;
		r = (ha != hb) ? (ha > hb ? -1 : 1) * dir : 0;
		break;
	default:
		va = sort_value(a, c->sort, &ha);
		vb = sort_value(b, c->sort, &hb);
		if (ha != hb)
			return (ha ? -1 : 1);	/* no data: always last */
		if (ha && va != vb)
			r = (va > vb ? -1 : 1) * dir;
		break;
	}
	if (r != 0)
		return (r);
	r = cluster_name_cmp(a->name, b->name);
	return (c->sort == CLUSTER_SORT_NAME ? r * dir : r);
}

static void
summarise(struct cluster *c)
{
	struct cluster_summary		*s = &c->sum;
	const struct cluster_node	*n;
	const struct metrics_disk	*d;
	double				 cpu_w = 0, cpu_sum = 0;
	size_t				 i, k;
	int				 ncpu;

	memset(s, 0, sizeof *s);
	s->n = c->n;
	s->nvisible = c->nview;
	for (i = 0; i < c->n; i++) {
		n = &c->nodes[i];
		if ((unsigned)n->conn <= NODE_RECONNECTING)
			s->conn[n->conn]++;
		if (n->selected)
			s->nselected++;
		s->slurm[n->slurm]++;
		if (n->conn == NODE_UP && n->stale)
			s->stale++;
		if (n->conn != NODE_UP || n->stale || !n->m.have_last)
			continue;
		s->nsampled++;
		ncpu = n->m.have_hello && n->m.hello.ncpu > 0 ?
		    n->m.hello.ncpu : 1;
		s->ncpu += ncpu;
		s->load1 += n->m.last.load[0];
		if (n->m.cpu_pct >= 0) {
			cpu_sum += n->m.cpu_pct * ncpu;
			cpu_w += ncpu;
		}
		s->mem_total_kb += n->m.last.mem_total_kb;
		s->mem_used_kb += metrics_mem_used_kb(&n->m.last);
		if ((d = metrics_disk_find(&n->m.last, "/")) != NULL) {
			s->disk_used_kb += d->used_kb;
			s->disk_total_kb += d->used_kb + d->avail_kb;
		}
		if (n->last_sample_ms > s->newest_ms)
			s->newest_ms = n->last_sample_ms;
		for (k = 0; k < c->nmounts && k < 32; k++) {
			if (metrics_disk_find(&n->m.last, c->mounts[k]) != NULL)
				s->mounts_seen |= 1u << k;
		}
	}
	s->cpu_pct = cpu_w > 0 ? (float)(cpu_sum / cpu_w) : -1;
}

void
cluster_refresh(struct cluster *c, uint64_t now_ms)
{
	size_t	i;

	(void)now_ms;
	if (c->flags & CLUSTER_CHANGED_VIEW) {
		c->nview = 0;
		for (i = 0; i < c->n; i++) {
			c->nodes[i].visible = filter_match(c->filter_state,
			    &c->nodes[i]);
			if (c->nodes[i].visible)
				c->view[c->nview++] = i;
		}
		sort_cluster = c;
		if (c->nview > 1)
			qsort(c->view, c->nview, sizeof *c->view, view_cmp);
		sort_cluster = NULL;
	}
	if (c->flags & (CLUSTER_CHANGED_VIEW | CLUSTER_CHANGED_DATA |
	    CLUSTER_CHANGED_SELECT))
		summarise(c);
	c->flags &= ~CLUSTER_CHANGED_VIEW;
}

/* --- selection -------------------------------------------------------------------- */

void
cluster_select(struct cluster *c, size_t i, int on)
{
	if (i >= c->n || c->nodes[i].selected == !!on)
		return;
	c->nodes[i].selected = !!on;
	c->flags |= CLUSTER_CHANGED_SELECT;
}

void
cluster_select_visible(struct cluster *c, int on)
{
	size_t	i;

	for (i = 0; i < c->nview; i++)
		cluster_select(c, c->view[i], on);
}

void
cluster_select_none(struct cluster *c)
{
	size_t	i;

	for (i = 0; i < c->n; i++)
		cluster_select(c, i, 0);
}

long
cluster_select_expr(struct cluster *c, const char *expr, int on,
    char **cause)
{
	struct cluster_filter	*f;
	size_t			 i;
	long			 count = 0;

	if (filter_compile(expr, &f, cause) != 0)
		return (-1);
	if (f == NULL)
		return (0);
	for (i = 0; i < c->n; i++) {
		if (filter_match(f, &c->nodes[i])) {
			cluster_select(c, i, on);
			count++;
		}
	}
	filter_free(f);
	return (count);
}

size_t *
cluster_selected(const struct cluster *c, size_t *np)
{
	size_t	*out, i, n = 0;

	out = xcalloc(c->n + 1, sizeof *out);
	for (i = 0; i < c->nview; i++) {
		if (c->nodes[c->view[i]].selected)
			out[n++] = c->view[i];
	}
	/* Selected nodes hidden by the filter still count. */
	for (i = 0; i < c->n; i++) {
		if (c->nodes[i].selected && !c->nodes[i].visible)
			out[n++] = i;
	}
	*np = n;
	return (out);
}
