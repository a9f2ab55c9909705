/*
 * gather.c -- group hosts whose command results are identical.
 *
 * Storage. Output is cut into segments: a segment ends after a '\n' or at
 * GATHER_SEGMAX bytes, so the cut depends only on the bytes, never on how
 * they arrived. Distinct segments live once in an arena (found again by
 * hash + length + memcmp). A stream's complete segments are a path in a
 * trie of sequences: node = (parent node, segment), node 0 being the
 * empty output, each node interned in a hash table keyed by the pair.
 * Equal outputs therefore end on the same node, and comparing two hosts'
 * output costs one integer compare, plus a memcmp of the unfinished last
 * segment ("tail", < GATHER_SEGMAX bytes, kept per host). Each node caches
 * its most recent child, so hosts printing the same lines walk the trie
 * without hashing twice.
 *
 * Grouping is recomputed only when asked after a change: hosts are hashed
 * on their (state, status, signal, stdout, stderr) key into groups, which
 * are sorted by size and then by the natural order of their first host.
 * The heavier per-group data (folded host list, sorted names, contiguous
 * stdout and stderr) is built on first access by gather_group().
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gather.h"
#include "hostlist.h"
#include "util.h"

#define GATHER_SEGMAX	4096			/* bytes in a segment */
#define GATHER_NONE	UINT32_MAX

struct gather_seg {
	uint64_t	hash;
	size_t		off;			/* in the arena */
	uint32_t	len;
};

struct gather_node {
	uint64_t	len;			/* bytes from the root */
	uint32_t	parent;
	uint32_t	seg;
	uint32_t	child_seg;		/* cache: last child made */
	uint32_t	child;
};

struct gather_stream {
	uint64_t	len;			/* bytes kept */
	char		*tail;			/* unfinished segment */
	uint32_t	 taillen;
	uint32_t	 tailcap;
	uint32_t	 node;			/* finished segments */
	int		 truncated;
};

struct gather_host {
	const char		*name;		/* owned by g->names */
	const char		*state;		/* interned label or NULL */
	int			 status;
	const char		*sig;		/* interned label or NULL */
	struct gather_stream	 s[2];		/* stdout, stderr */
	int			 active;
	uint32_t		 group;		/* sorted index when grouped */
};

struct gather_grp {
	struct gather_group	 pub;
	uint64_t		 hash;
	uint32_t		 rep;		/* a member: the key */
	uint32_t		 first;		/* naturally smallest member */
	uint32_t		*members;
	uint32_t		 n;
	uint32_t		 fill;
	int			 ready;		/* pub filled in */
	char			*hosts;		/* owned pub strings */
	const char		**names;
	char			*out;
	char			*err;
};

struct gather {
	struct hostlist		*names;		/* host name -> index */
	struct gather_host	*h;
	size_t			 nh;
	size_t			 nactive;

	struct gather_seg	*segs;
	size_t			 nsegs;
	uint32_t		*segtab;	/* seg + 1; 0 empty */
	size_t			 segmask;
	char			*arena;
	size_t			 arenalen;
	size_t			 arenacap;

	struct gather_node	*nodes;
	size_t			 nnodes;
	uint32_t		*nodetab;	/* node + 1; 0 empty */
	size_t			 nodemask;

	struct hostlist		*labels;	/* interned state/signal */
	size_t			 limit;

	uint64_t		 generation;
	uint64_t		 grouped;	/* generation grouped */
	struct gather_grp	*groups;
	size_t			 ngroups;
};

/* --- interning --------------------------------------------------------- */

static uint64_t
gather_mix(uint64_t a, uint64_t b)
{
	uint64_t	h = a * 0x9e3779b97f4a7c15ULL ^ b;

	h ^= h >> 29;
	h *= 0xbf58476d1ce4e5b9ULL;
	h ^= h >> 32;
	return (h);
}

static void
gather_segtab_grow(struct gather *g)
{
	size_t		size = (g->segmask + 1) * 2, i, j;

	free(g->segtab);
	g->segtab = xcalloc(size, sizeof *g->segtab);
	g->segmask = size - 1;
	for (i = 0; i < g->nsegs; i++) {
		j = g->segs[i].hash & g->segmask;
		while (g->segtab[j] != 0)
			j = (j + 1) & g->segmask;
		g->segtab[j] = (uint32_t)i + 1;
	}
}

/* Return the index of the segment P[0..LEN), storing it if new. */
static uint32_t
gather_seg(struct gather *g, const char *p, size_t len)
{
	struct gather_seg	*s;
	uint64_t		 hash;
	size_t			 i;
	uint32_t		 slot;

	hash = hostlist_hash(p, len);
	i = hash & g->segmask;
	while ((slot = g->segtab[i]) != 0) {
		s = &g->segs[slot - 1];
		if (s->hash == hash && s->len == len &&
		    memcmp(g->arena + s->off, p, len) == 0)
			return (slot - 1);
		i = (i + 1) & g->segmask;
	}
	if (g->arenalen + len > g->arenacap) {
		while (g->arenalen + len > g->arenacap)
			g->arenacap *= 2;
		g->arena = xreallocarray(g->arena, g->arenacap, 1);
	}
	memcpy(g->arena + g->arenalen, p, len);
	g->segs = xgrow(g->segs, g->nsegs, sizeof *g->segs);
	s = &g->segs[g->nsegs];
	s->hash = hash;
	s->off = g->arenalen;
	s->len = (uint32_t)len;
	g->arenalen += len;
	g->segtab[i] = (uint32_t)++g->nsegs;
	if (g->nsegs * 2 > g->segmask + 1)
		gather_segtab_grow(g);
	return ((uint32_t)g->nsegs - 1);
}

static void
gather_nodetab_grow(struct gather *g)
{
	struct gather_node	*n;
	size_t			 size = (g->nodemask + 1) * 2, i, j;

	free(g->nodetab);
	g->nodetab = xcalloc(size, sizeof *g->nodetab);
	g->nodemask = size - 1;
	for (i = 1; i < g->nnodes; i++) {
		n = &g->nodes[i];
		j = gather_mix(n->parent, n->seg) & g->nodemask;
		while (g->nodetab[j] != 0)
			j = (j + 1) & g->nodemask;
		g->nodetab[j] = (uint32_t)i + 1;
	}
}

/* Return the node for PARENT followed by segment SEG, making it if new. */
static uint32_t
gather_child(struct gather *g, uint32_t parent, uint32_t seg)
{
	struct gather_node	*n;
	size_t			 i;
	uint32_t		 slot;

	if (g->nodes[parent].child_seg == seg)
		return (g->nodes[parent].child);
	i = gather_mix(parent, seg) & g->nodemask;
	while ((slot = g->nodetab[i]) != 0) {
		n = &g->nodes[slot - 1];
		if (n->parent == parent && n->seg == seg)
			goto found;
		i = (i + 1) & g->nodemask;
	}
	if (g->nnodes >= GATHER_NONE - 1) {
		fprintf(stderr, "clustertop: gather: too much output\n");
		abort();
	}
	g->nodes = xgrow(g->nodes, g->nnodes,
	    sizeof *g->nodes);
	n = &g->nodes[g->nnodes];
	n->parent = parent;
	n->seg = seg;
	n->len = g->nodes[parent].len + g->segs[seg].len;
	n->child_seg = GATHER_NONE;
	n->child = 0;
	slot = (uint32_t)++g->nnodes;
	g->nodetab[i] = slot;
	if (g->nnodes * 2 > g->nodemask + 1)
		gather_nodetab_grow(g);
found:
	g->nodes[parent].child_seg = seg;
	g->nodes[parent].child = slot - 1;
	return (slot - 1);
}

/*
 * Return the node for NODE followed by the segment P[0..LEN). When hosts
 * print the same lines, the node's cached child is the answer: one memcmp,
 * no hashing.
 */
static uint32_t
gather_next(struct gather *g, uint32_t node, const char *p, size_t len)
{
	const struct gather_node	*n = &g->nodes[node];
	const struct gather_seg		*s;

	if (n->child_seg != GATHER_NONE) {
		s = &g->segs[n->child_seg];
		if (s->len == len && memcmp(g->arena + s->off, p, len) == 0)
			return (n->child);
	}
	return (gather_child(g, node, gather_seg(g, p, len)));
}

/* --- streams and hosts ------------------------------------------------- */

static void
gather_stream_reset(struct gather_stream *st)
{
	st->len = 0;
	st->taillen = 0;
	st->node = 0;
	st->truncated = 0;
}

static void
gather_tail_add(struct gather_stream *st, const char *p, size_t len)
{
	size_t	need = st->taillen + len;

	if (need > st->tailcap) {
		st->tailcap = st->tailcap == 0 ? 64 : st->tailcap;
		while (st->tailcap < need)
			st->tailcap *= 2;
		if (st->tailcap > GATHER_SEGMAX)
			st->tailcap = GATHER_SEGMAX;
		st->tail = xreallocarray(st->tail, st->tailcap, 1);
	}
	memcpy(st->tail + st->taillen, p, len);
	st->taillen += (uint32_t)len;
}

/* Append LEN bytes to a stream, cutting segments as they complete. */
static void
gather_stream_add(struct gather *g, struct gather_stream *st, const char *p,
    size_t len)
{
	const char	*nl;
	size_t		 n;

	if (g->limit != 0 && st->len + len > g->limit) {
		if (len > 0)
			st->truncated = 1;
		len = st->len >= g->limit ? 0 : g->limit - st->len;
	}
	st->len += len;
	while (len > 0) {
		n = GATHER_SEGMAX - st->taillen;
		if (n > len)
			n = len;
		if ((nl = memchr(p, '\n', n)) != NULL)
			n = (size_t)(nl - p) + 1;
		else if (st->taillen + n < GATHER_SEGMAX) {
			/* Not finished yet: keep it as the tail. */
			gather_tail_add(st, p, n);
			return;
		}
		if (st->taillen == 0)
			st->node = gather_next(g, st->node, p, n);
		else {
			gather_tail_add(st, p, n);
			st->node = gather_next(g, st->node, st->tail,
			    st->taillen);
			st->taillen = 0;
		}
		p += n;
		len -= n;
	}
}

static const char *
gather_label(struct gather *g, const char *s)
{
	int	idx;

	if (s == NULL || *s == '\0' || strcmp(s, "ok") == 0)
		return (NULL);
	if ((idx = hostlist_find(g->labels, s)) == -1) {
		hostlist_push(g->labels, s);
		idx = (int)hostlist_count(g->labels) - 1;
	}
	return (hostlist_get(g->labels, (size_t)idx));
}

/* Find or make host NAME[0..LEN); it becomes active with no result. */
static struct gather_host *
gather_hostn(struct gather *g, const char *name, size_t len)
{
	struct gather_host	*h;
	int			 idx;

	if ((idx = hostlist_findn(g->names, name, len)) == -1) {
		hostlist_pushn(g->names, name, len);
		g->h = xgrow(g->h, g->nh, sizeof *g->h);
		h = &g->h[g->nh++];
		memset(h, 0, sizeof *h);
		h->name = hostlist_get(g->names, g->nh - 1);
	} else
		h = &g->h[idx];
	if (!h->active) {
		h->active = 1;
		h->state = h->sig = NULL;
		h->status = -1;
		gather_stream_reset(&h->s[0]);
		gather_stream_reset(&h->s[1]);
		g->nactive++;
	}
	g->generation++;
	return (h);
}

static struct gather_host *
gather_host(struct gather *g, const char *name)
{
	return (gather_hostn(g, name, strlen(name)));
}

/* Create an empty gather. */
struct gather *
gather_create(void)
{
	struct gather	*g;

	g = xcalloc(1, sizeof *g);
	g->names = hostlist_create();
	g->labels = hostlist_create();
	g->segmask = 255;
	g->segtab = xcalloc(g->segmask + 1, sizeof *g->segtab);
	g->arenacap = 65536;
	g->arena = xreallocarray(NULL, g->arenacap, 1);
	g->nodemask = 255;
	g->nodetab = xcalloc(g->nodemask + 1, sizeof *g->nodetab);
	g->nodes = xcalloc(1, sizeof *g->nodes);
	g->nodes[0].child_seg = GATHER_NONE;
	g->nnodes = 1;
	g->generation = 1;
	return (g);
}

static void
gather_groups_free(struct gather *g)
{
	struct gather_grp	*gr;
	size_t			 i;

	for (i = 0; i < g->ngroups; i++) {
		gr = &g->groups[i];
		free(gr->members);
		free(gr->hosts);
		free(gr->names);
		free(gr->out);
		free(gr->err);
	}
	free(g->groups);
	g->groups = NULL;
	g->ngroups = 0;
}

/* Free a gather and everything it returned. NULL is allowed. */
void
gather_free(struct gather *g)
{
	size_t	i;

	if (g == NULL)
		return;
	gather_groups_free(g);
	for (i = 0; i < g->nh; i++) {
		free(g->h[i].s[0].tail);
		free(g->h[i].s[1].tail);
	}
	free(g->h);
	hostlist_free(g->names);
	hostlist_free(g->labels);
	free(g->segs);
	free(g->segtab);
	free(g->arena);
	free(g->nodes);
	free(g->nodetab);
	free(g);
}

/* Set (or replace) HOST's whole result. */
void
gather_set(struct gather *g, const char *host, const char *state, int status,
    const char *sig, const void *out, size_t outlen, const void *err,
    size_t errlen)
{
	struct gather_host	*h;

	h = gather_host(g, host);
	h->state = gather_label(g, state);
	h->status = status;
	h->sig = gather_label(g, sig);
	gather_stream_reset(&h->s[0]);
	gather_stream_reset(&h->s[1]);
	gather_stream_add(g, &h->s[0], out, outlen);
	gather_stream_add(g, &h->s[1], err, errlen);
}

/* Change HOST's state, status and signal, keeping its output. */
void
gather_set_state(struct gather *g, const char *host, const char *state,
    int status, const char *sig)
{
	struct gather_host	*h;

	h = gather_host(g, host);
	h->state = gather_label(g, state);
	h->status = status;
	h->sig = gather_label(g, sig);
}

/* Append LEN bytes to HOST's stdout or stderr stream. */
void
gather_append(struct gather *g, const char *host, int stream, const void *p,
    size_t len)
{
	struct gather_host	*h;

	h = gather_host(g, host);
	gather_stream_add(g, &h->s[stream == GATHER_STDERR ? 1 : 0], p, len);
}

/* Append one complete line to the stream of host HOST[0..HOSTLEN). */
void
gather_append_line(struct gather *g, const char *host, size_t hostlen,
    int stream, const void *line, size_t len)
{
	struct gather_host	*h;
	struct gather_stream	*st;

	h = gather_hostn(g, host, hostlen);
	st = &h->s[stream == GATHER_STDERR ? 1 : 0];
	if (len == 0)
		return;
	if (st->taillen != 0 || len > GATHER_SEGMAX || g->limit != 0 ||
	    ((const char *)line)[len - 1] != '\n') {
		gather_stream_add(g, st, line, len);
		return;
	}
	st->len += len;
	st->node = gather_next(g, st->node, line, len);
}

/* Forget HOST's result. */
void
gather_remove(struct gather *g, const char *host)
{
	int	idx;

	if ((idx = hostlist_find(g->names, host)) == -1 || !g->h[idx].active)
		return;
	g->h[idx].active = 0;
	g->nactive--;
	g->generation++;
}

/* Keep at most BYTES of each stream of each host (0: no limit). */
void
gather_set_limit(struct gather *g, size_t bytes)
{
	g->limit = bytes;
}

/* Return the number of hosts with a result. */
size_t
gather_nhosts(struct gather *g)
{
	return (g->nactive);
}

/* Return a number that changes whenever any result changes. */
uint64_t
gather_generation(const struct gather *g)
{
	return (g->generation);
}

/* Fill in memory statistics. */
void
gather_stats(const struct gather *g, struct gather_stats *st)
{
	st->hosts = g->nactive;
	st->segments = g->nsegs;
	st->segment_bytes = g->arenalen;
	st->sequences = g->nnodes - 1;
}

/* --- grouping ---------------------------------------------------------- */

static uint64_t
gather_key_hash(const struct gather_host *h)
{
	uint64_t	k;
	int		i;

	k = gather_mix((uintptr_t)h->state, (uintptr_t)h->sig);
	k = gather_mix(k, (uint64_t)(int64_t)h->status);
	for (i = 0; i < 2; i++) {
		k = gather_mix(k, h->s[i].node);
		k = gather_mix(k, (uint64_t)h->s[i].truncated);
		if (h->s[i].taillen > 0)
			k = gather_mix(k, hostlist_hash(h->s[i].tail,
			    h->s[i].taillen));
	}
	return (k);
}

static int
gather_key_equal(const struct gather_host *a, const struct gather_host *b)
{
	int	i;

	if (a->state != b->state || a->sig != b->sig || a->status != b->status)
		return (0);
	for (i = 0; i < 2; i++) {
		if (a->s[i].node != b->s[i].node ||
		    a->s[i].truncated != b->s[i].truncated ||
		    a->s[i].taillen != b->s[i].taillen)
			return (0);
		if (a->s[i].taillen > 0 &&
		    memcmp(a->s[i].tail, b->s[i].tail, a->s[i].taillen) != 0)
			return (0);
	}
	return (1);
}

static int
gather_grp_cmp(const void *va, const void *vb, void *arg)
{
	const struct gather_grp	*a = va, *b = vb;
	const struct gather	*g = arg;

	if (a->n != b->n)
		return (a->n > b->n ? -1 : 1);
	return (hostlist_natural_cmp(g->h[a->first].name,
	    g->h[b->first].name));
}

static void
gather_regroup(struct gather *g)
{
	struct gather_host	*h;
	struct gather_grp	*gr;
	uint32_t		*tab, *hostgrp, slot;
	uint64_t		 hash;
	size_t			 size, mask, i, j, ng = 0, capg = 0;

	gather_groups_free(g);
	g->grouped = g->generation;
	if (g->nactive == 0)
		return;

	for (size = 16; size < g->nactive * 2; size *= 2)
		/* nothing */;
	mask = size - 1;
	tab = xcalloc(size, sizeof *tab);
	hostgrp = xreallocarray(NULL, g->nh, sizeof *hostgrp);
	for (i = 0; i < g->nh; i++) {
		h = &g->h[i];
		if (!h->active)
			continue;
		hash = gather_key_hash(h);
		j = hash & mask;
		while ((slot = tab[j]) != 0) {
			gr = &g->groups[slot - 1];
			if (gr->hash == hash && gather_key_equal(h,
			    &g->h[gr->rep]))
				break;
			j = (j + 1) & mask;
		}
		if (slot == 0) {
			if (ng == capg) {
				capg = capg == 0 ? 16 : capg * 2;
				g->groups = xreallocarray(g->groups,
				    capg, sizeof *g->groups);
			}
			gr = &g->groups[ng];
			memset(gr, 0, sizeof *gr);
			gr->hash = hash;
			gr->rep = gr->first = (uint32_t)i;
			slot = (uint32_t)++ng;
			tab[j] = slot;
		}
		gr = &g->groups[slot - 1];
		gr->n++;
		if (hostlist_natural_cmp(h->name, g->h[gr->first].name) < 0)
			gr->first = (uint32_t)i;
		hostgrp[i] = slot - 1;
	}
	g->ngroups = ng;
	for (i = 0; i < ng; i++) {
		gr = &g->groups[i];
		gr->members = xreallocarray(NULL, gr->n,
		    sizeof *gr->members);
	}
	for (i = 0; i < g->nh; i++) {
		if (!g->h[i].active)
			continue;
		gr = &g->groups[hostgrp[i]];
		gr->members[gr->fill++] = (uint32_t)i;
	}
	qsort_r(g->groups, ng, sizeof *g->groups, gather_grp_cmp, g);
	for (i = 0; i < ng; i++) {
		gr = &g->groups[i];
		for (j = 0; j < gr->n; j++)
			g->h[gr->members[j]].group = (uint32_t)i;
	}
	free(hostgrp);
	free(tab);
}

/* Return the number of groups, recomputing them if anything changed. */
size_t
gather_ngroups(struct gather *g)
{
	if (g->grouped != g->generation)
		gather_regroup(g);
	return (g->ngroups);
}

/* Return a stream's bytes as one malloc'd, NUL-terminated buffer. */
static char *
gather_content(const struct gather *g, const struct gather_stream *st,
    size_t *lenp)
{
	const struct gather_node	*n;
	const struct gather_seg		*s;
	char				*buf;
	size_t				 len, pos;
	uint32_t			 id;

	len = g->nodes[st->node].len + st->taillen;
	buf = xreallocarray(NULL, len + 1, 1);
	pos = g->nodes[st->node].len;
	for (id = st->node; id != 0; id = n->parent) {
		n = &g->nodes[id];
		s = &g->segs[n->seg];
		pos -= s->len;
		memcpy(buf + pos, g->arena + s->off, s->len);
	}
	if (st->taillen > 0)
		memcpy(buf + g->nodes[st->node].len, st->tail, st->taillen);
	buf[len] = '\0';
	*lenp = len;
	return (buf);
}

static int
gather_name_cmp(const void *a, const void *b)
{
	return (hostlist_natural_cmp(*(const char *const *)a,
	    *(const char *const *)b));
}

/* Return group I in sorted order (largest first), or NULL. */
const struct gather_group *
gather_group(struct gather *g, size_t i)
{
	struct gather_grp	*gr;
	struct gather_host	*h;
	size_t			 j;

	if (i >= gather_ngroups(g))
		return (NULL);
	gr = &g->groups[i];
	if (gr->ready)
		return (&gr->pub);
	h = &g->h[gr->rep];
	gr->names = xreallocarray(NULL, gr->n, sizeof *gr->names);
	for (j = 0; j < gr->n; j++)
		gr->names[j] = g->h[gr->members[j]].name;
	qsort(gr->names, gr->n, sizeof *gr->names, gather_name_cmp);
	gr->hosts = hostlist_fold_names(gr->names, gr->n);
	gr->out = gather_content(g, &h->s[0], &gr->pub.outlen);
	gr->err = gather_content(g, &h->s[1], &gr->pub.errlen);
	gr->pub.hosts = gr->hosts;
	gr->pub.nhosts = gr->n;
	gr->pub.names = gr->names;
	gr->pub.state = h->state;
	gr->pub.status = h->status;
	gr->pub.sig = h->sig;
	gr->pub.out = gr->out;
	gr->pub.err = gr->err;
	gr->pub.flags = (h->s[0].truncated ? GATHER_OUT_TRUNCATED : 0) |
	    (h->s[1].truncated ? GATHER_ERR_TRUNCATED : 0);
	gr->ready = 1;
	return (&gr->pub);
}

/* Return the index of the group holding HOST, or -1. */
int
gather_host_group(struct gather *g, const char *host)
{
	int	idx;

	gather_ngroups(g);
	if ((idx = hostlist_find(g->names, host)) == -1 || !g->h[idx].active)
		return (-1);
	return ((int)g->h[idx].group);
}

/* --- printing ---------------------------------------------------------- */

#define GATHER_DASHES	"----------------\n"

/* Write LEN bytes; a missing final newline is added, as pdsh would. */
static void
gather_put_lines(FILE *f, const char *p, size_t len)
{
	if (len == 0)
		return;
	fwrite(p, 1, len, f);
	if (p[len - 1] != '\n')
		putc('\n', f);
}

/* Write a stream in clustertop's blocks, with markers. */
static void
gather_put_stream(FILE *f, const char *p, size_t len, int truncated)
{
	if (len > 0) {
		fwrite(p, 1, len, f);
		if (p[len - 1] != '\n')
			fputs("\n\\ No newline at end of output\n", f);
	}
	if (truncated)
		fprintf(f, "[... output truncated after %zu bytes]\n", len);
}

/* The state part of a clustertop block header, e.g. "exit 1". */
static void
gather_put_state(FILE *f, const struct gather_group *gg)
{
	const char	*sep = "  ";

	if (gg->state != NULL) {
		fprintf(f, "%s%s", sep, gg->state);
		sep = ", ";
	}
	if (gg->status > 0) {
		fprintf(f, "%sexit %d", sep, gg->status);
		sep = ", ";
	}
	if (gg->sig != NULL)
		fprintf(f, "%ssignal %s", sep, gg->sig);
}

struct gather_order {
	const char	*key;		/* the host that places the block */
	size_t		 idx;
};

static int
gather_order_cmp(const void *va, const void *vb)
{
	const struct gather_order	*a = va, *b = vb;

	return (hostlist_dshbak_cmp(a->key, b->key));
}

/* dshbak -c: blocks at their dshbak-first host, dshbak header folding. */
static void
gather_print_dshbak(struct gather *g, FILE *f)
{
	const struct gather_group	*gg;
	struct gather_order		*order;
	size_t				 n, i, j, k = 0;
	char				*hosts;

	n = gather_ngroups(g);
	order = xreallocarray(NULL, n, sizeof *order);
	for (i = 0; i < n; i++) {
		gg = gather_group(g, i);
		if (gg->outlen == 0)
			continue;
		order[k].key = gg->names[0];
		for (j = 1; j < gg->nhosts; j++) {
			if (hostlist_dshbak_cmp(gg->names[j], order[k].key) < 0)
				order[k].key = gg->names[j];
		}
		order[k++].idx = i;
	}
	qsort(order, k, sizeof *order, gather_order_cmp);
	for (i = 0; i < k; i++) {
		gg = gather_group(g, order[i].idx);
		hosts = hostlist_fold_dshbak(gg->names, gg->nhosts);
		fprintf(f, GATHER_DASHES "%s\n" GATHER_DASHES, hosts);
		free(hosts);
		gather_put_lines(f, gg->out, gg->outlen);
	}
	free(order);
}

static int
gather_host_cmp(const void *a, const void *b)
{
	return (hostlist_dshbak_cmp((*(struct gather_host *const *)a)->name,
	    (*(struct gather_host *const *)b)->name));
}

/* dshbak without -c: one block per host. */
static void
gather_print_perhost(struct gather *g, FILE *f)
{
	struct gather_host	**hosts;
	size_t			  n = 0, i, len;
	char			 *out;

	hosts = xreallocarray(NULL, g->nh, sizeof *hosts);
	for (i = 0; i < g->nh; i++) {
		if (g->h[i].active)
			hosts[n++] = &g->h[i];
	}
	qsort(hosts, n, sizeof *hosts, gather_host_cmp);
	for (i = 0; i < n; i++) {
		out = gather_content(g, &hosts[i]->s[0], &len);
		if (len > 0) {
			fprintf(f, GATHER_DASHES "%s\n" GATHER_DASHES,
			    hosts[i]->name);
			gather_put_lines(f, out, len);
		}
		free(out);
	}
	free(hosts);
}

/* Print the groups as blocks (see gather.h for FLAGS). */
void
gather_print(struct gather *g, FILE *f, int flags)
{
	const struct gather_group	*gg;
	size_t				 n, i;

	if (flags & GATHER_PRINT_DSHBAK) {
		gather_print_dshbak(g, f);
		return;
	}
	if (flags & GATHER_PRINT_PERHOST) {
		gather_print_perhost(g, f);
		return;
	}
	n = gather_ngroups(g);
	for (i = 0; i < n; i++) {
		gg = gather_group(g, i);
		fputs(GATHER_DASHES, f);
		fputs(gg->hosts, f);
		if (gg->nhosts > 1)
			fprintf(f, " (%zu)", gg->nhosts);
		gather_put_state(f, gg);
		fputs("\n" GATHER_DASHES, f);
		gather_put_stream(f, gg->out, gg->outlen,
		    gg->flags & GATHER_OUT_TRUNCATED);
		if ((flags & GATHER_PRINT_NOSTDERR) == 0 &&
		    (gg->errlen > 0 || (gg->flags & GATHER_ERR_TRUNCATED))) {
			fputs("--- stderr ---\n", f);
			gather_put_stream(f, gg->err, gg->errlen,
			    gg->flags & GATHER_ERR_TRUNCATED);
		}
	}
}
