/*
 * hostlist-fold.c -- folding a list of names back into an expression (see
 * hostlist.h and the top of hostlist.c):
 *  - hostlist_fold*() reproduces ClusterShell's `nodeset -f`;
 *  - hostlist_fold_dshbak() reproduces dshbak -c's compress().
 * Pure: no I/O. Fuzzed with hostlist.c (tests/fuzz/fuzz-hostlist.c).
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hostlist.h"
#include "hostlist-int.h"
#include "util.h"

#define FOLD_FULL_PASS_MAX	4096		/* see fold_merge() */

/* --- digit runs ------------------------------------------------------- */

/* Number of significant digits in the digit run S[0..LEN). */
static size_t
hl_significant(const char *s, size_t len)
{
	while (len > 0 && *s == '0') {
		s++;
		len--;
	}
	return (len);
}

/*
 * Is the number B equal to A + 1? Both are digit strings of any length;
 * leading zeros do not count.
 */
static int
hl_digits_succ(const char *a, size_t alen, const char *b, size_t blen)
{
	size_t	k, i;

	while (alen > 0 && *a == '0') {
		a++;
		alen--;
	}
	while (blen > 0 && *b == '0') {
		b++;
		blen--;
	}
	for (k = alen; k > 0 && a[k - 1] == '9'; k--)
		/* nothing */;
	if (k == 0) {
		/* A is 0 or all nines: B is 1 followed by ALEN zeros. */
		if (blen != alen + 1 || b[0] != '1')
			return (0);
		for (i = 1; i < blen; i++) {
			if (b[i] != '0')
				return (0);
		}
		return (1);
	}
	k--;	/* the digit that increments */
	if (blen != alen || memcmp(a, b, k) != 0 || b[k] != a[k] + 1)
		return (0);
	for (i = k + 1; i < blen; i++) {
		if (b[i] != '0')
			return (0);
	}
	return (1);
}
/* --- folding, nodeset style -------------------------------------------- */

/* A digit string, a piece of some name. */
struct fold_str {
	const char	*s;
	uint32_t	 len;
	uint32_t	 idx;		/* owner (point) index while sorting */
};

/* A range set: sorted ranks into one dimension's string table. */
struct fold_rs {
	uint32_t	*v;		/* NULL: the single value in .one */
	uint32_t	 n;
	uint32_t	 cap;		/* allocated in v */
	uint32_t	 one;
};

/* An n-D vector of range sets (nodeset's RangeSetND entry). */
struct fold_vec {
	struct fold_rs	*d;		/* ndim range sets */
	uint64_t	 size;		/* product of their lengths */
	size_t		 pos;		/* index before sorting: stability */
};

/* One dimension of a pattern. */
struct fold_dim {
	struct fold_str	*strs;		/* unique, sorted by (len, bytes) */
	uint32_t	 n;
	uint32_t	*lexrank;	/* rank -> order by plain bytes */
};

struct fold_pattern {
	char		*key;		/* "node%s-ib" ('%' as "%%"): sorts */
	size_t		 keylen;
	char		*text;		/* "node-ib": the text around numbers */
	size_t		 textlen;
	uint32_t	 ndim;
	uint32_t	*holes;		/* where each number goes in text */
	uint32_t	*members;	/* names of this pattern */
	uint32_t	 nmembers;
};

struct fold_name {
	const char	*s;
	uint32_t	 pat;
	uint32_t	 run0;		/* first digit run in runs[] */
};

struct fold_run {
	uint32_t	off;
	uint32_t	len;
};

static int
fold_str_cmp(const void *va, const void *vb)
{
	const struct fold_str	*a = va, *b = vb;
	int			 c;

	if (a->len != b->len)
		return (a->len < b->len ? -1 : 1);
	c = memcmp(a->s, b->s, a->len);
	if (c != 0)
		return (c);
	return (a->idx < b->idx ? -1 : a->idx > b->idx);
}

/* Plain byte order, as Python compares str. */
static int
fold_lex_cmp(const struct fold_str *a, const struct fold_str *b)
{
	size_t	n = a->len < b->len ? a->len : b->len;
	int	c;

	c = memcmp(a->s, b->s, n);
	if (c != 0)
		return (c);
	return (a->len < b->len ? -1 : a->len > b->len);
}

static int
fold_lex_sort_cmp(const void *va, const void *vb, void *arg)
{
	const uint32_t		*a = va, *b = vb;
	const struct fold_dim	*dim = arg;

	return (fold_lex_cmp(&dim->strs[*a], &dim->strs[*b]));
}

static int
fold_is_padded(const struct fold_str *s)
{
	return (s->len > 1 && s->s[0] == '0');
}

/* Append range set RS of DIM, nodeset's RangeSet.__str__. */
static void
fold_rs_print(struct strbuf *b, const struct fold_dim *dim,
    const uint32_t *v, uint32_t n)
{
	const struct fold_str	*first, *last, *e;
	uint32_t		 i, run;
	int			 padded;

	for (i = 0; i < n; ) {
		first = last = &dim->strs[v[i]];
		padded = fold_is_padded(first);
		for (i++, run = 1; i < n; i++, run++) {
			e = &dim->strs[v[i]];
			if (padded ? e->len != first->len : fold_is_padded(e))
				break;
			if (!hl_digits_succ(last->s, last->len, e->s, e->len))
				break;
			/* Keep the output valid input: no range > 65536. */
			if (run == HOSTLIST_RANGE_MAX)
				break;
			last = e;
		}
		if (b->len > 0 && b->s[b->len - 1] != '[')
			strbuf_addc(b, ',');
		strbuf_addn(b, first->s, first->len);
		if (last != first) {
			strbuf_addc(b, '-');
			strbuf_addn(b, last->s, last->len);
		}
	}
}

static const uint32_t *
fold_rs_values(const struct fold_rs *rs)
{
	return (rs->v == NULL ? &rs->one : rs->v);
}

/* Append one vector (or 1-D set) formatted with pattern P. */
static void
fold_print_vec(struct strbuf *out, const struct fold_pattern *p,
    const struct fold_dim *dims, const struct fold_rs *rs)
{
	struct strbuf	 tmp;
	size_t		 at = 0;
	uint32_t	 d;

	if (out->len > 0)
		strbuf_addc(out, ',');
	for (d = 0; d < p->ndim; d++) {
		strbuf_addn(out, p->text + at, p->holes[d] - at);
		at = p->holes[d];
		if (rs[d].n > 1) {
			memset(&tmp, 0, sizeof tmp);
			strbuf_addc(&tmp, '[');
			fold_rs_print(&tmp, &dims[d], fold_rs_values(&rs[d]),
			    rs[d].n);
			strbuf_addc(&tmp, ']');
			strbuf_addn(out, tmp.s, tmp.len);
			free(tmp.s);
		} else {
			const struct fold_str *e;

			e = &dims[d].strs[fold_rs_values(&rs[d])[0]];
			strbuf_addn(out, e->s, e->len);
		}
	}
	strbuf_addn(out, p->text + at, p->textlen - at);
}

static void
fold_rs_free(struct fold_rs *rs)
{
	free(rs->v);
	rs->v = NULL;
	rs->cap = 0;
}

static int
fold_rs_equal(const struct fold_rs *a, const struct fold_rs *b)
{
	return (a->n == b->n && memcmp(fold_rs_values(a), fold_rs_values(b),
	    a->n * sizeof (uint32_t)) == 0);
}

/* How A and B relate: 0 disjoint, 1 A < B, 2 A > B, 3 partial overlap. */
static int
fold_rs_relation(const struct fold_rs *a, const struct fold_rs *b)
{
	const uint32_t	*x = fold_rs_values(a), *y = fold_rs_values(b);
	uint32_t	 i = 0, j = 0, common = 0;

	while (i < a->n && j < b->n) {
		if (x[i] < y[j])
			i++;
		else if (x[i] > y[j])
			j++;
		else {
			common++;
			i++;
			j++;
		}
	}
	if (common == 0)
		return (0);
	if (common == a->n)
		return (1);
	if (common == b->n)
		return (2);
	return (3);
}

/* Make room for N values in A. */
static void
fold_rs_reserve(struct fold_rs *a, uint32_t n)
{
	if (a->v == NULL) {
		a->cap = n < 4 ? 4 : n;
		a->v = xreallocarray(NULL, a->cap, sizeof *a->v);
		a->v[0] = a->one;
		return;
	}
	if (n <= a->cap)
		return;
	while (a->cap < n)
		a->cap *= 2;
	a->v = xreallocarray(a->v, a->cap, sizeof *a->v);
}

/*
 * Set A to the union of disjoint A and B. Merges usually add values after
 * the last one, or a single value: both are done in place.
 */
static void
fold_rs_union(struct fold_rs *a, const struct fold_rs *b)
{
	const uint32_t	*x, *y = fold_rs_values(b);
	uint32_t	*v, i = 0, j = 0, k = 0, lo, hi, mid;

	if (y[0] > fold_rs_values(a)[a->n - 1]) {
		fold_rs_reserve(a, a->n + b->n);
		memcpy(a->v + a->n, y, b->n * sizeof *y);
		a->n += b->n;
		return;
	}
	if (b->n == 1) {
		fold_rs_reserve(a, a->n + 1);
		for (lo = 0, hi = a->n; lo < hi; ) {
			mid = lo + (hi - lo) / 2;
			if (a->v[mid] < y[0])
				lo = mid + 1;
			else
				hi = mid;
		}
		memmove(a->v + lo + 1, a->v + lo, (a->n - lo) * sizeof *y);
		a->v[lo] = y[0];
		a->n++;
		return;
	}
	x = fold_rs_values(a);
	v = xreallocarray(NULL, (size_t)a->n + b->n, sizeof *v);
	while (i < a->n || j < b->n) {
		if (j == b->n || (i < a->n && x[i] < y[j]))
			v[k++] = x[i++];
		else
			v[k++] = y[j++];
	}
	fold_rs_free(a);
	a->v = v;
	a->n = a->cap = k;
}

/* Dimensions of the pattern being merged, for fold_vec_cmp. */
struct fold_sort {
	const struct fold_dim	*dims;
	uint32_t		 ndim;
};

/* nodeset's RangeSetND._sort key, then the previous position. */
static int
fold_vec_cmp(const void *va, const void *vb, void *arg)
{
	const struct fold_vec	*a = *(struct fold_vec *const *)va;
	const struct fold_vec	*b = *(struct fold_vec *const *)vb;
	const struct fold_sort	*fs = arg;
	const struct fold_dim	*dims = fs->dims;
	const struct fold_rs	*x, *y;
	uint32_t		 d, fa, fb;

	if (a->size != b->size)
		return (a->size > b->size ? -1 : 1);
	for (d = 0; d < fs->ndim; d++) {
		x = &a->d[d];
		y = &b->d[d];
		if (x->n != y->n)
			return (x->n > y->n ? -1 : 1);
		fa = dims[d].lexrank[fold_rs_values(x)[0]];
		fb = dims[d].lexrank[fold_rs_values(y)[0]];
		if (fa != fb)
			return (fa < fb ? -1 : 1);
		fa = dims[d].lexrank[fold_rs_values(x)[x->n - 1]];
		fb = dims[d].lexrank[fold_rs_values(y)[y->n - 1]];
		if (fa != fb)
			return (fa < fb ? -1 : 1);
	}
	return (a->pos < b->pos ? -1 : a->pos > b->pos);
}

static uint64_t
fold_vec_size(const struct fold_vec *v, uint32_t ndim)
{
	uint64_t	size = 1;
	uint32_t	d;

	for (d = 0; d < ndim; d++)
		size *= v->d[d].n;
	return (size);
}

/*
 * Try to merge ITEM2 into ITEM1 (nodeset's pairwise rule: at most one
 * dimension may differ, and there the sets must be disjoint or nested).
 */
static int
fold_try_merge(struct fold_vec *item1, struct fold_vec *item2, uint32_t ndim)
{
	struct fold_rs	tmp;
	uint32_t	d, diffdim = 0;
	int		ndiff = 0, rel = 0, r;

	for (d = 0; d < ndim; d++) {
		if (fold_rs_equal(&item1->d[d], &item2->d[d]))
			continue;
		r = fold_rs_relation(&item1->d[d], &item2->d[d]);
		if (r == 3 || ++ndiff > 1)
			return (0);
		diffdim = d;
		rel = r;
	}
	if (ndiff == 1) {
		if (rel == 0)
			fold_rs_union(&item1->d[diffdim], &item2->d[diffdim]);
		else if (rel == 1) {
			/* Keep the larger set: take item2's. */
			tmp = item1->d[diffdim];
			item1->d[diffdim] = item2->d[diffdim];
			item2->d[diffdim] = tmp;
		}
		item1->size = fold_vec_size(item1, ndim);
	}
	return (1);
}

/*
 * nodeset's multivariate merge: repeated sorted passes merging neighbours,
 * then a full O(n^2) pass once the cheap passes stop changing anything.
 * The full pass is skipped above FOLD_FULL_PASS_MAX vectors so that
 * pathological inputs stay fast; the result is then still correct, only
 * possibly less compact than nodeset's.
 */
static void
fold_merge(struct fold_vec **vl, size_t *np, const struct fold_dim *dims,
    uint32_t ndim)
{
	struct fold_sort fs = { dims, ndim };
	struct fold_vec	*item1;
	size_t		 n = *np, index1, index2, i, k;
	int		 full = 0, chg = 1;
	uint32_t	 d;

	while (chg) {
		chg = 0;
		for (i = 0; i < n; i++)
			vl[i]->pos = i;
		qsort_r(vl, n, sizeof *vl, fold_vec_cmp, &fs);
		/*
		 * Merged vectors become NULL until the end of the pass, which
		 * walks the list exactly as nodeset's list.pop() version.
		 */
		for (index1 = 0; index1 < n; index1++) {
			if ((item1 = vl[index1]) == NULL)
				continue;
			for (index2 = index1 + 1; index2 < n; index2++) {
				if (vl[index2] == NULL)
					continue;
				if (fold_try_merge(item1, vl[index2], ndim)) {
					chg = 1;
					for (d = 0; d < ndim; d++)
						fold_rs_free(&vl[index2]->d[d]);
					vl[index2] = NULL;
				} else if (!full)
					break;
			}
		}
		for (i = k = 0; i < n; i++) {
			if (vl[i] != NULL)
				vl[k++] = vl[i];
		}
		n = k;
		if (!chg && !full && n <= FOLD_FULL_PASS_MAX)
			chg = full = 1;
	}
	*np = n;
}

static int
fold_pattern_cmp(const void *va, const void *vb)
{
	const struct fold_pattern	*a = *(struct fold_pattern *const *)va;
	const struct fold_pattern	*b = *(struct fold_pattern *const *)vb;
	size_t				 n;
	int				 c;

	n = a->keylen < b->keylen ? a->keylen : b->keylen;
	c = memcmp(a->key, b->key, n);
	if (c != 0)
		return (c);
	return (a->keylen < b->keylen ? -1 : a->keylen > b->keylen);
}

/* Fold the members of one pattern into OUT. */
static void
fold_pattern(struct strbuf *out, struct fold_pattern *p,
    const struct fold_name *names, const struct fold_run *runs)
{
	struct fold_dim		*dims;
	struct fold_str		*tmp;
	struct fold_rs		*all, *rs;
	struct fold_vec		*vecs, **vl;
	const struct fold_name	*nm;
	const struct fold_run	*run;
	uint32_t		*rank, i, j, d, nvar = 0, m = p->nmembers;
	size_t			 nv, k;

	if (p->ndim == 0) {
		fold_print_vec(out, p, NULL, NULL);
		return;
	}

	/* Per dimension: the unique strings in (len, bytes) order. */
	dims = xreallocarray(NULL, p->ndim, sizeof *dims);
	rank = xreallocarray(NULL, (size_t)m * p->ndim, sizeof *rank);
	tmp = xreallocarray(NULL, m, sizeof *tmp);
	for (d = 0; d < p->ndim; d++) {
		for (i = 0; i < m; i++) {
			nm = &names[p->members[i]];
			run = &runs[nm->run0 + d];
			tmp[i].s = nm->s + run->off;
			tmp[i].len = run->len;
			tmp[i].idx = i;
		}
		qsort(tmp, m, sizeof *tmp, fold_str_cmp);
		dims[d].strs = xreallocarray(NULL, m, sizeof *dims[d].strs);
		dims[d].n = 0;
		for (i = 0; i < m; i++) {
			if (i == 0 || tmp[i].len != tmp[i - 1].len ||
			    memcmp(tmp[i].s, tmp[i - 1].s, tmp[i].len) != 0)
				dims[d].strs[dims[d].n++] = tmp[i];
			rank[(size_t)tmp[i].idx * p->ndim + d] = dims[d].n - 1;
		}
		dims[d].lexrank = xreallocarray(NULL, dims[d].n,
		    sizeof *dims[d].lexrank);
		if (dims[d].n > 1)
			nvar++;
	}
	free(tmp);

	if (nvar <= 1) {
		/* Univariate: one vector, the varying dimension in full. */
		rs = xreallocarray(NULL, p->ndim, sizeof *rs);
		for (d = 0; d < p->ndim; d++) {
			rs[d].n = rs[d].cap = dims[d].n;
			rs[d].one = 0;
			rs[d].v = NULL;
			if (dims[d].n > 1) {
				rs[d].v = xreallocarray(NULL, dims[d].n,
				    sizeof *rs[d].v);
				for (j = 0; j < dims[d].n; j++)
					rs[d].v[j] = j;
			}
		}
		fold_print_vec(out, p, dims, rs);
		for (d = 0; d < p->ndim; d++)
			fold_rs_free(&rs[d]);
		free(rs);
		goto done;
	}

	/* Multivariate: nodeset's expand-then-merge. */
	for (d = 0; d < p->ndim; d++) {
		uint32_t *order;

		order = xreallocarray(NULL, dims[d].n, sizeof *order);
		for (j = 0; j < dims[d].n; j++)
			order[j] = j;
		qsort_r(order, dims[d].n, sizeof *order, fold_lex_sort_cmp,
		    &dims[d]);
		for (j = 0; j < dims[d].n; j++)
			dims[d].lexrank[order[j]] = j;
		free(order);
	}
	all = xreallocarray(NULL, (size_t)m * p->ndim, sizeof *all);
	vecs = xreallocarray(NULL, m, sizeof *vecs);
	vl = xreallocarray(NULL, m, sizeof *vl);
	for (i = 0; i < m; i++) {
		vecs[i].d = &all[(size_t)i * p->ndim];
		vecs[i].size = 1;
		vecs[i].pos = i;
		for (d = 0; d < p->ndim; d++) {
			vecs[i].d[d].v = NULL;
			vecs[i].d[d].n = 1;
			vecs[i].d[d].cap = 0;
			vecs[i].d[d].one = rank[(size_t)i * p->ndim + d];
		}
		vl[i] = &vecs[i];
	}
	nv = m;
	fold_merge(vl, &nv, dims, p->ndim);
	for (k = 0; k < nv; k++)
		fold_print_vec(out, p, dims, vl[k]->d);
	for (k = 0; k < nv; k++) {
		for (d = 0; d < p->ndim; d++)
			fold_rs_free(&vl[k]->d[d]);
	}
	free(vl);
	free(vecs);
	free(all);

done:
	for (d = 0; d < p->ndim; d++) {
		free(dims[d].strs);
		free(dims[d].lexrank);
	}
	free(dims);
	free(rank);
}

/* Fold N names the same way as nodeset -f; malloc'd. */
char *
hostlist_fold_names(const char *const *in, size_t n)
{
	struct hostlist		 *patmap, *uniq;
	struct fold_pattern	**pats = NULL, **sorted, *p;
	struct fold_name	 *names;
	struct fold_run		 *runs = NULL;
	struct strbuf		  out, key, text;
	size_t			  nruns = 0, capruns = 0, npats = 0, i, k, len;
	size_t			  nnames = 0;
	uint32_t		 *fill, holes[64], *hp, nholes, cap;
	const char		 *s;
	int			  idx;

	if (n == 0)
		return (xstrndup("", 0));
	memset(&out, 0, sizeof out);
	memset(&key, 0, sizeof key);
	memset(&text, 0, sizeof text);
	patmap = hostlist_create();
	uniq = hostlist_create();
	names = xreallocarray(NULL, n, sizeof *names);

	for (i = 0; i < n; i++) {
		s = in[i];
		len = strlen(s);
		if (!hostlist_pushn(uniq, s, len))
			continue;
		key.len = text.len = 0;
		strbuf_addn(&key, "", 0);
		strbuf_addn(&text, "", 0);
		nholes = 0;
		cap = 64;
		hp = holes;
		names[nnames].s = s;
		names[nnames].run0 = (uint32_t)nruns;
		for (k = 0; k < len; ) {
			if (!hl_isdigit((unsigned char)s[k])) {
				/* "%%" keeps "a%s" apart from "a1"'s "a%s". */
				if (s[k] == '%')
					strbuf_addc(&key, '%');
				strbuf_addc(&key, s[k]);
				strbuf_addc(&text, s[k]);
				k++;
				continue;
			}
			if (nruns == capruns) {
				capruns = capruns == 0 ? 256 : capruns * 2;
				runs = xreallocarray(runs, capruns,
				    sizeof *runs);
			}
			runs[nruns].off = (uint32_t)k;
			while (k < len && hl_isdigit((unsigned char)s[k]))
				k++;
			runs[nruns].len = (uint32_t)(k - runs[nruns].off);
			if (hl_significant(s + runs[nruns].off,
			    runs[nruns].len) > 18) {
				/*
				 * Too big for a range bound: keep it as text,
				 * so that the folded list still parses.
				 */
				strbuf_addn(&key, s + runs[nruns].off,
				    runs[nruns].len);
				strbuf_addn(&text, s + runs[nruns].off,
				    runs[nruns].len);
				continue;
			}
			nruns++;
			if (nholes == cap) {
				cap *= 2;
				if (hp == holes) {
					hp = xreallocarray(NULL, cap,
					    sizeof *hp);
					memcpy(hp, holes, sizeof holes);
				} else
					hp = xreallocarray(hp, cap,
					    sizeof *hp);
			}
			hp[nholes++] = (uint32_t)text.len;
			strbuf_addn(&key, "%s", 2);
		}
		if ((idx = hostlist_findn(patmap, key.s, key.len)) == -1) {
			hostlist_pushn(patmap, key.s, key.len);
			pats = xgrow(pats, npats, sizeof *pats);
			p = xmalloc(sizeof *p);
			memset(p, 0, sizeof *p);
			p->key = xstrndup(key.s, key.len);
			p->keylen = key.len;
			p->text = xstrndup(text.s, text.len);
			p->textlen = text.len;
			p->ndim = nholes;
			p->holes = xreallocarray(NULL, nholes,
			    sizeof *p->holes);
			memcpy(p->holes, hp, nholes * sizeof *hp);
			idx = (int)npats;
			pats[npats++] = p;
		}
		if (hp != holes)
			free(hp);
		names[nnames].pat = (uint32_t)idx;
		pats[idx]->nmembers++;
		nnames++;
	}

	/* Members of each pattern, in input order. */
	fill = xreallocarray(NULL, npats, sizeof *fill);
	for (i = 0; i < npats; i++) {
		pats[i]->members = xreallocarray(NULL, pats[i]->nmembers,
		    sizeof *pats[i]->members);
		fill[i] = 0;
	}
	for (i = 0; i < nnames; i++) {
		p = pats[names[i].pat];
		p->members[fill[names[i].pat]++] = (uint32_t)i;
	}
	free(fill);

	sorted = xreallocarray(NULL, npats, sizeof *sorted);
	memcpy(sorted, pats, npats * sizeof *sorted);
	qsort(sorted, npats, sizeof *sorted, fold_pattern_cmp);
	for (i = 0; i < npats; i++)
		fold_pattern(&out, sorted[i], names, runs);

	for (i = 0; i < npats; i++) {
		free(pats[i]->key);
		free(pats[i]->text);
		free(pats[i]->holes);
		free(pats[i]->members);
		free(pats[i]);
	}
	free(sorted);
	free(pats);
	free(runs);
	free(names);
	free(key.s);
	free(text.s);
	hostlist_free(patmap);
	hostlist_free(uniq);
	return (strbuf_take(&out));
}

/* Fold the list nodeset -f style (natural order); malloc'd. */
char *
hostlist_fold(const struct hostlist *hl)
{
	const char	**names;
	char		 *s;
	size_t		  i;

	names = xreallocarray(NULL, hostlist_count(hl), sizeof *names);
	for (i = 0; i < hostlist_count(hl); i++)
		names[i] = hostlist_get(hl, i);
	s = hostlist_fold_names(names, hostlist_count(hl));
	free(names);
	return (s);
}

/* --- folding, dshbak style --------------------------------------------- */

/* One element of a dshbak prefix: "N" or "N-M". */
struct dsh_elem {
	const char	*a;
	size_t		 alen;
	const char	*b;		/* NULL: a single number */
	size_t		 blen;
};

/* All elements sharing one prefix within one suffix group. */
struct dsh_prefix {
	const char	*p;
	size_t		 plen;
	int		 bare;		/* a name without digits */
	struct dsh_elem	*elems;
	size_t		 nelems;
};

struct dsh_group {
	const char	*sfx;
	size_t		 sfxlen;
	const char	**names;	/* dshbak order */
	size_t		 nnames;
	char		*text;		/* folded, with the suffix */
};

static int
dsh_name_cmp(const void *a, const void *b)
{
	return (hostlist_dshbak_cmp(*(const char *const *)a,
	    *(const char *const *)b));
}

static int
dsh_prefix_cmp(const void *va, const void *vb)
{
	const struct dsh_prefix	*a = va, *b = vb;
	size_t			 n;
	int			 c;

	n = a->plen < b->plen ? a->plen : b->plen;
	c = memcmp(a->p, b->p, n);
	if (c != 0)
		return (c);
	if (a->plen != b->plen)
		return (a->plen < b->plen ? -1 : 1);
	return (b->bare - a->bare);	/* the bare name first */
}

static int
dsh_group_cmp(const void *va, const void *vb)
{
	const struct dsh_group	*a = va, *b = vb;
	int			 c;

	c = strcmp(a->text, b->text);
	if (c != 0)
		return (c);
	if (a->sfxlen != b->sfxlen)
		return (a->sfxlen < b->sfxlen ? -1 : 1);
	return (memcmp(a->sfx, b->sfx, a->sfxlen));
}

/* Make the dshbak registry key: prefix, pad width, value. */
static void
dsh_key(struct strbuf *k, const char *p, size_t plen, size_t zp,
    const char *v, size_t vlen)
{
	char	num[32];

	k->len = 0;
	strbuf_addn(k, p, plen);
	strbuf_addc(k, '\0');
	snprintf(num, sizeof num, "%zu", zp);
	strbuf_addn(k, num, strlen(num));
	strbuf_addc(k, '\0');
	strbuf_addn(k, v, vlen);
}

/* Value of N - 1 as a digit string without leading zeros; -1 if N is 0. */
static int
dsh_pred(const char *n, size_t len, struct strbuf *out)
{
	size_t	i, k;

	while (len > 0 && *n == '0') {
		n++;
		len--;
	}
	out->len = 0;
	if (len == 0)
		return (-1);
	strbuf_addn(out, n, len);
	for (i = len; i > 0; i--) {
		if (out->s[i - 1] != '0') {
			out->s[i - 1]--;
			break;
		}
		out->s[i - 1] = '9';
	}
	for (k = 0; k + 1 < out->len && out->s[k] == '0'; k++)
		/* nothing */;
	memmove(out->s, out->s + k, out->len - k);
	out->len -= k;
	return (0);
}

/* dshbak's comp() + compress_inner() over one suffix group. */
static void
dsh_fold_group(struct dsh_group *g)
{
	struct hostlist		*prefixes, *reg;
	struct dsh_prefix	*pre = NULL, *px;
	struct dsh_elem		*el;
	struct strbuf		 k, pred, out;
	size_t			 npre = 0, *regpre = NULL, *regel = NULL;
	size_t			 i, j, slen, nlen, plen, zp;
	const char		*s, *num, *v;
	size_t			 vlen;
	int			 idx, found;

	memset(&k, 0, sizeof k);
	memset(&pred, 0, sizeof pred);
	memset(&out, 0, sizeof out);
	prefixes = hostlist_create();
	reg = hostlist_create();

	for (i = 0; i < g->nnames; i++) {
		s = g->names[i];
		slen = strlen(s) - g->sfxlen;
		nlen = hl_trailing_digits(s, slen);
		plen = slen - nlen;
		num = s + plen;

		/* The prefix entry (a bare name never joins a range). */
		k.len = 0;
		strbuf_addn(&k, s, plen);
		strbuf_addc(&k, nlen == 0 ? 'b' : 'n');
		if ((idx = hostlist_findn(prefixes, k.s, k.len)) == -1) {
			hostlist_pushn(prefixes, k.s, k.len);
			pre = xgrow(pre, npre, sizeof *pre);
			px = &pre[npre];
			memset(px, 0, sizeof *px);
			px->p = s;
			px->plen = plen;
			px->bare = nlen == 0;
			idx = (int)npre++;
		}
		px = &pre[idx];
		if (nlen == 0) {
			px->elems = xgrow(px->elems, px->nelems,
			    sizeof *px->elems);
			px->elems[px->nelems].a = num;
			px->elems[px->nelems].alen = 0;
			px->elems[px->nelems].b = NULL;
			px->nelems++;
			continue;
		}

		/* Zero-pad width, as dshbak's zeropadwidth(). */
		zp = (num[0] == '0' && nlen > 1) ? nlen : 1;
		found = -1;
		if (dsh_pred(num, nlen, &pred) == 0) {
			dsh_key(&k, s, plen, zp, pred.s, pred.len);
			found = hostlist_findn(reg, k.s, k.len);
			if (found == -1 && zp == 1) {
				dsh_key(&k, s, plen, nlen, pred.s, pred.len);
				found = hostlist_findn(reg, k.s, k.len);
			}
		}
		if (found != -1 && regpre[found] == (size_t)idx) {
			el = &px->elems[regel[found]];
			el->b = num;
			el->blen = nlen;
			j = regel[found];
		} else {
			px->elems = xgrow(px->elems, px->nelems,
			    sizeof *px->elems);
			el = &px->elems[px->nelems];
			el->a = num;
			el->alen = nlen;
			el->b = NULL;
			el->blen = 0;
			j = px->nelems++;
		}
		/* Register this number under its own width. */
		v = num;
		vlen = nlen;
		while (vlen > 1 && *v == '0') {
			v++;
			vlen--;
		}
		dsh_key(&k, s, plen, zp, v, vlen);
		if ((found = hostlist_findn(reg, k.s, k.len)) == -1) {
			hostlist_pushn(reg, k.s, k.len);
			found = (int)hostlist_count(reg) - 1;
			regpre = xgrow(regpre, (size_t)found,
			    sizeof *regpre);
			regel = xgrow(regel, (size_t)found,
			    sizeof *regel);
		}
		regpre[found] = (size_t)idx;
		regel[found] = j;
	}

	qsort(pre, npre, sizeof *pre, dsh_prefix_cmp);
	for (i = 0; i < npre; i++) {
		px = &pre[i];
		if (out.len > 0)
			strbuf_addc(&out, ',');
		strbuf_addn(&out, px->p, px->plen);
		if (px->bare) {
			/* Each bare name (only one can exist) stands alone. */
			strbuf_addn(&out, g->sfx, g->sfxlen);
			continue;
		}
		if (px->nelems > 1 || px->elems[0].b != NULL)
			strbuf_addc(&out, '[');
		for (j = 0; j < px->nelems; j++) {
			el = &px->elems[j];
			if (j > 0)
				strbuf_addc(&out, ',');
			strbuf_addn(&out, el->a, el->alen);
			if (el->b != NULL) {
				strbuf_addc(&out, '-');
				strbuf_addn(&out, el->b, el->blen);
			}
		}
		if (px->nelems > 1 || px->elems[0].b != NULL)
			strbuf_addc(&out, ']');
		strbuf_addn(&out, g->sfx, g->sfxlen);
	}
	g->text = strbuf_take(&out);

	for (i = 0; i < npre; i++)
		free(pre[i].elems);
	free(pre);
	free(regpre);
	free(regel);
	free(k.s);
	free(pred.s);
	hostlist_free(prefixes);
	hostlist_free(reg);
}

/* Fold N names exactly as dshbak -c prints its headers; malloc'd. */
char *
hostlist_fold_dshbak(const char *const *in, size_t n)
{
	struct hostlist		 *uniq, *sfxmap;
	struct dsh_group	 *groups = NULL, *g;
	const char		**names;
	struct strbuf		  out;
	size_t			  nnames = 0, ngroups = 0, i, len, d, sl;
	const char		 *sfx;
	int			  idx;

	if (n == 0)
		return (xstrndup("", 0));
	memset(&out, 0, sizeof out);
	uniq = hostlist_create();
	sfxmap = hostlist_create();
	names = xreallocarray(NULL, n, sizeof *names);
	for (i = 0; i < n; i++) {
		if (hostlist_push(uniq, in[i]))
			names[nnames++] = in[i];
	}
	qsort(names, nnames, sizeof *names, dsh_name_cmp);

	/* Split off the trailing non-digit suffix: /(.*?\d*)(\D*)$/. */
	for (i = 0; i < nnames; i++) {
		len = strlen(names[i]);
		for (sl = 0; sl < len; sl++) {
			if (hl_isdigit((unsigned char)names[i][len - sl - 1]))
				break;
		}
		sfx = names[i] + len - sl;
		if ((idx = hostlist_findn(sfxmap, sfx, sl)) == -1) {
			hostlist_pushn(sfxmap, sfx, sl);
			groups = xgrow(groups, ngroups,
			    sizeof *groups);
			g = &groups[ngroups];
			memset(g, 0, sizeof *g);
			g->sfx = sfx;
			g->sfxlen = sl;
			idx = (int)ngroups++;
		}
		g = &groups[idx];
		g->names = xgrow(g->names, g->nnames,
		    sizeof *g->names);
		g->names[g->nnames++] = names[i];
	}
	for (d = 0; d < ngroups; d++)
		dsh_fold_group(&groups[d]);
	/* dshbak orders suffix groups at random; order them by text. */
	qsort(groups, ngroups, sizeof *groups, dsh_group_cmp);
	for (d = 0; d < ngroups; d++) {
		if (d > 0)
			strbuf_addc(&out, ',');
		strbuf_addn(&out, groups[d].text, strlen(groups[d].text));
		free(groups[d].text);
		free(groups[d].names);
	}
	free(groups);
	free(names);
	hostlist_free(uniq);
	hostlist_free(sfxmap);
	return (strbuf_take(&out));
}
