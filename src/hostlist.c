/*
 * hostlist.c -- host list expressions: expand, fold, count.
 *
 * A struct hostlist is an array of names in the order they were first
 * added, plus an open-addressing hash table of indices into it, so that
 * push and find are O(1) and the list never holds a name twice.
 *
 * Expressions are evaluated left to right into a temporary list: each
 * element (a bracket pattern, ^file or @group) expands to a list, and the
 * operator before it (",", white space, "!", "&", or pdsh's ",-") says
 * whether that list is added to, removed from or intersected with what
 * came before. Only when the whole expression is valid is the result
 * merged into the caller's list, so a failed hostlist_add changes nothing.
 *
 * Folding (hostlist-fold.c) comes in two flavours:
 *  - hostlist_fold*() reproduces ClusterShell's `nodeset -f`: every digit
 *    run of a name is a dimension, names with the same non-digit text form
 *    a pattern, 1-D patterns fold into a range set, n-D ones are merged
 *    with nodeset's own vector-merge algorithm (so rack[1-2]-n[01-02] and
 *    n[1-3]-eth0 fold). Zero-padding rules are nodeset's, which agree with
 *    dshbak's (09,10 -> [09-10], 08,09,010 -> [08-09,010]).
 *  - hostlist_fold_dshbak() reproduces dshbak -c's compress(): only the
 *    last number folds; used where output must match dshbak byte for byte.
 */

#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hostlist.h"
#include "hostlist-int.h"
#include "util.h"

struct hostlist_entry {
	char		*name;		/* owned, NUL-terminated */
	size_t		 len;
	uint64_t	 hash;
};

struct hostlist {
	struct hostlist_entry	*entries;	/* user order */
	size_t			 n;
	size_t			 cap;
	uint32_t		*table;		/* index + 1; 0 is empty */
	size_t			 tmask;		/* table size - 1 */
};

#define HOSTLIST_DEPTH_MAX	8		/* ^file / @group nesting */
#define HOSTLIST_FILE_MAX	(16 << 20)	/* bytes in a host file */

static char	*hostlist_groups_path;		/* NULL: the default */
static size_t	 hostlist_limit = HOSTLIST_DEFAULT_LIMIT;

/* Evaluation state of one hostlist_add / hostlist_remove call. */
struct hl_ctx {
	int		 depth;
	char		*cause;		/* first error, malloc'd */
};

enum hl_op {
	HL_UNION,
	HL_DIFF,
	HL_INTER
};

static int	hl_eval(struct hl_ctx *, const char *, size_t,
		    struct hostlist *);

/* --- memory ------------------------------------------------------------ */

/* Make room for element N of an array that grows one element at a time. */
static void
hl_error(struct hl_ctx *ctx, const char *fmt, ...)
{
	va_list	ap;
	char	*s;

	if (ctx->cause != NULL)
		return;
	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) == -1) {
		fprintf(stderr, "clustertop: out of memory\n");
		abort();
	}
	va_end(ap);
	ctx->cause = s;
}

/* Prefix the pending error with "WHAT: " ('WHAT' if QUOTE is set). */
static void
hl_error_prefix(struct hl_ctx *ctx, const char *what, size_t len, int quote)
{
	char	*s;

	if (ctx->cause == NULL)
		return;
	if (asprintf(&s, quote ? "'%.*s': %s" : "%.*s: %s", (int)len, what,
	    ctx->cause) == -1) {
		fprintf(stderr, "clustertop: out of memory\n");
		abort();
	}
	free(ctx->cause);
	ctx->cause = s;
}

/* --- the list ---------------------------------------------------------- */

/* Hash LEN bytes (the hash the list uses; also used by gather.c). */
uint64_t
hostlist_hash(const void *p, size_t len)
{
	const unsigned char	*s = p;
	uint64_t		 h, w;

	h = 0x9e3779b97f4a7c15ULL ^ ((uint64_t)len * 0xff51afd7ed558ccdULL);
	while (len >= 8) {
		memcpy(&w, s, 8);
		h = (h ^ w) * 0xbf58476d1ce4e5b9ULL;
		h ^= h >> 31;
		s += 8;
		len -= 8;
	}
	if (len > 0) {
		/* 1-7 bytes, without a variable-length memcpy call. */
		if (len >= 4) {
			uint32_t lo, hi;

			memcpy(&lo, s, 4);
			memcpy(&hi, s + len - 4, 4);
			w = (uint64_t)lo | (uint64_t)hi << 32;
		} else
			w = (uint64_t)s[0] | (uint64_t)s[len / 2] << 8 |
			    (uint64_t)s[len - 1] << 16;
		h = (h ^ w) * 0x94d049bb133111ebULL;
		h ^= h >> 29;
	}
	h ^= h >> 32;
	h *= 0xd6e8feb86659fd93ULL;
	h ^= h >> 32;
	return (h);
}

/* Create an empty list. */
struct hostlist *
hostlist_create(void)
{
	struct hostlist	*hl;

	hl = xmalloc(sizeof *hl);
	memset(hl, 0, sizeof *hl);
	return (hl);
}

/* Free a list and its names. NULL is allowed. */
void
hostlist_free(struct hostlist *hl)
{
	size_t	i;

	if (hl == NULL)
		return;
	for (i = 0; i < hl->n; i++)
		free(hl->entries[i].name);
	free(hl->entries);
	free(hl->table);
	free(hl);
}

static void
hl_table_insert(struct hostlist *hl, size_t idx)
{
	size_t	i;

	i = hl->entries[idx].hash & hl->tmask;
	while (hl->table[i] != 0)
		i = (i + 1) & hl->tmask;
	hl->table[i] = (uint32_t)idx + 1;
}

static void
hl_table_rebuild(struct hostlist *hl, size_t size)
{
	size_t	i;

	free(hl->table);
	hl->table = xreallocarray(NULL, size, sizeof *hl->table);
	memset(hl->table, 0, size * sizeof *hl->table);
	hl->tmask = size - 1;
	for (i = 0; i < hl->n; i++)
		hl_table_insert(hl, i);
}

static int
hl_lookup(const struct hostlist *hl, const char *name, size_t len,
    uint64_t hash)
{
	const struct hostlist_entry	*e;
	size_t				 i;
	uint32_t			 slot;

	if (hl->table == NULL)
		return (-1);
	i = hash & hl->tmask;
	while ((slot = hl->table[i]) != 0) {
		e = &hl->entries[slot - 1];
		if (e->hash == hash && e->len == len &&
		    memcmp(e->name, name, len) == 0)
			return ((int)(slot - 1));
		i = (i + 1) & hl->tmask;
	}
	return (-1);
}

static int
hl_pushh(struct hostlist *hl, const char *name, size_t len, uint64_t hash)
{
	struct hostlist_entry	*e;
	size_t			 size;

	if (hl_lookup(hl, name, len, hash) != -1)
		return (0);
	if (hl->n == hl->cap) {
		hl->cap = hl->cap == 0 ? 16 : hl->cap * 2;
		hl->entries = xreallocarray(hl->entries, hl->cap,
		    sizeof *hl->entries);
	}
	e = &hl->entries[hl->n];
	e->name = xstrndup(name, len);
	e->len = len;
	e->hash = hash;
	hl->n++;
	if (hl->table == NULL || hl->n * 2 > hl->tmask + 1) {
		size = hl->table == NULL ? 32 : (hl->tmask + 1) * 2;
		while (hl->n * 2 > size)
			size *= 2;
		hl_table_rebuild(hl, size);
	} else
		hl_table_insert(hl, hl->n - 1);
	return (1);
}

/* Add one literal name of LEN bytes; returns 1 if added, 0 if present. */
int
hostlist_pushn(struct hostlist *hl, const char *name, size_t len)
{
	return (hl_pushh(hl, name, len, hostlist_hash(name, len)));
}

/* Add one literal name (no parsing); returns 1 if added, 0 if present. */
int
hostlist_push(struct hostlist *hl, const char *name)
{
	return (hostlist_pushn(hl, name, strlen(name)));
}

/* Return the number of hosts. */
size_t
hostlist_count(const struct hostlist *hl)
{
	return (hl->n);
}

/* Return host I in user order; the string lives as long as the list. */
const char *
hostlist_get(const struct hostlist *hl, size_t i)
{
	if (i >= hl->n)
		return (NULL);
	return (hl->entries[i].name);
}

/* Return the index of a name of LEN bytes, or -1. */
int
hostlist_findn(const struct hostlist *hl, const char *name, size_t len)
{
	return (hl_lookup(hl, name, len, hostlist_hash(name, len)));
}

/* Return the index of NAME, or -1. O(1). */
int
hostlist_find(const struct hostlist *hl, const char *name)
{
	return (hostlist_findn(hl, name, strlen(name)));
}

/* Keep only the entries whose KEEP flag is set, preserving order. */
static void
hl_compact(struct hostlist *hl, const unsigned char *keep)
{
	size_t	i, j;

	for (i = j = 0; i < hl->n; i++) {
		if (keep[i])
			hl->entries[j++] = hl->entries[i];
		else
			free(hl->entries[i].name);
	}
	if (j == hl->n)
		return;
	hl->n = j;
	if (hl->table != NULL)
		hl_table_rebuild(hl, hl->tmask + 1);
}

/* Remove one literal name (no parsing); returns 1 if it was there. */
int
hostlist_delete(struct hostlist *hl, const char *name)
{
	unsigned char	*keep;
	int		 idx;

	if ((idx = hostlist_find(hl, name)) == -1)
		return (0);
	keep = xmalloc(hl->n);
	memset(keep, 1, hl->n);
	keep[idx] = 0;
	hl_compact(hl, keep);
	free(keep);
	return (1);
}

/* Apply OP between ACC and TERM, leaving the result in ACC. */
static int
hl_apply(struct hl_ctx *ctx, enum hl_op op, struct hostlist *acc,
    const struct hostlist *term)
{
	const struct hostlist_entry	*e;
	unsigned char			*keep;
	size_t				 i;
	int				 found;

	if (op == HL_UNION) {
		for (i = 0; i < term->n; i++) {
			e = &term->entries[i];
			hl_pushh(acc, e->name, e->len, e->hash);
			if (acc->n > hostlist_limit) {
				hl_error(ctx, "expands to more than %zu hosts",
				    hostlist_limit);
				return (-1);
			}
		}
		return (0);
	}
	if (acc->n == 0)
		return (0);
	keep = xmalloc(acc->n);
	for (i = 0; i < acc->n; i++) {
		e = &acc->entries[i];
		found = hl_lookup(term, e->name, e->len, e->hash) != -1;
		keep[i] = op == HL_DIFF ? !found : found;
	}
	hl_compact(acc, keep);
	free(keep);
	return (0);
}

/* --- expressions ------------------------------------------------------- */

static int
hl_isspace(int c)
{
	return (c == ' ' || c == '\t' || c == '\n' || c == '\r' ||
	    c == '\v' || c == '\f');
}

/* Does C end an element outside brackets? */
static int
hl_isend(int c)
{
	return (hl_isspace(c) || c == ',' || c == '!' || c == '&');
}

static size_t
hl_skip_space(const char *s, size_t len, size_t pos)
{
	while (pos < len && hl_isspace((unsigned char)s[pos]))
		pos++;
	return (pos);
}

/* One a-b/step piece of a bracket. */
struct hl_range {
	uint64_t	lo;
	uint64_t	hi;
	uint64_t	step;
	int		width;		/* zero-pad width, 0 for none */
};

/* One bracket: its ranges in user order. */
struct hl_axis {
	struct hl_range	*ranges;
	size_t		 nranges;
	uint64_t	 count;		/* names this bracket gives */
	size_t		 maxdigits;	/* widest number it prints */
	size_t		 lit;		/* literal text before it: offset */
	size_t		 litlen;	/*   and length */
	/* Odometer state. */
	size_t		 cur_range;
	uint64_t	 cur;
};

static size_t
hl_ndigits(uint64_t v)
{
	size_t	n = 1;

	while (v >= 10) {
		v /= 10;
		n++;
	}
	return (n);
}

/* Parse a number at *P (digits only); returns -1 on no digits or too big. */
static int
hl_number(const char *s, size_t end, size_t *p, uint64_t *v, size_t *ndig,
    int *padded)
{
	size_t		start = *p, sig = 0;
	uint64_t	val = 0;

	while (*p < end && hl_isdigit((unsigned char)s[*p])) {
		val = val * 10 + (uint64_t)(s[*p] - '0');
		if (val != 0 && ++sig > 18)
			return (-1);
		(*p)++;
	}
	if (*p == start)
		return (-1);
	*v = val;
	*ndig = *p - start;
	*padded = *ndig > 1 && s[start] == '0';
	return (0);
}

/* Parse one range piece S[0..LEN) (spaces already trimmed). */
static int
hl_parse_range(struct hl_ctx *ctx, const char *s, size_t len,
    struct hl_range *r)
{
	size_t		p = 0, alen, blen, slen;
	uint64_t	a, b, step = 1, count;
	int		apad, bpad, spad;

	if (hl_number(s, len, &p, &a, &alen, &apad) != 0)
		goto invalid;
	b = a;
	blen = alen;
	bpad = apad;
	p = hl_skip_space(s, len, p);
	if (p < len && s[p] == '-') {
		p = hl_skip_space(s, len, p + 1);
		if (hl_number(s, len, &p, &b, &blen, &bpad) != 0)
			goto invalid;
		p = hl_skip_space(s, len, p);
		if (p < len && s[p] == '/') {
			p = hl_skip_space(s, len, p + 1);
			if (hl_number(s, len, &p, &step, &slen, &spad) != 0)
				goto invalid;
			if (step == 0) {
				hl_error(ctx, "step 0 in range '%.*s'",
				    (int)len, s);
				return (-1);
			}
			p = hl_skip_space(s, len, p);
		}
		if (p != len)
			goto invalid;
		if (bpad && blen != alen) {
			hl_error(ctx, "padding of '%.*s' does not match",
			    (int)len, s);
			return (-1);
		}
		if (a > b) {
			hl_error(ctx, "reversed range '%.*s'", (int)len, s);
			return (-1);
		}
	} else if (p != len) {
		if (s[p] == '/')
			hl_error(ctx, "step without a range in '%.*s'",
			    (int)len, s);
		goto invalid;
	}
	count = (b - a) / step + 1;
	if (count > HOSTLIST_RANGE_MAX) {
		hl_error(ctx, "range '%.*s' has more than %d hosts", (int)len,
		    s, HOSTLIST_RANGE_MAX);
		return (-1);
	}
	r->lo = a;
	r->hi = a + (count - 1) * step;
	r->step = step;
	r->width = apad ? (int)alen : 0;
	return (0);

invalid:
	hl_error(ctx, "invalid range '%.*s'", (int)len, s);
	return (-1);
}

/* Parse the inside of one bracket S[0..LEN) into AX. */
static int
hl_parse_axis(struct hl_ctx *ctx, const char *s, size_t len,
    struct hl_axis *ax)
{
	size_t		 start, end, b, e, w;
	struct hl_range	*r;

	if (hl_skip_space(s, len, 0) == len) {
		hl_error(ctx, "empty range '[%.*s]'", (int)len, s);
		return (-1);
	}
	ax->count = 0;
	ax->maxdigits = 0;
	for (start = 0; start <= len; start = end + 1) {
		end = start;
		while (end < len && s[end] != ',')
			end++;
		b = hl_skip_space(s, end, start);
		e = end;
		while (e > b && hl_isspace((unsigned char)s[e - 1]))
			e--;
		if (b == e) {
			hl_error(ctx, "empty element in range '[%.*s]'",
			    (int)len, s);
			return (-1);
		}
		ax->ranges = xgrow(ax->ranges, ax->nranges,
		    sizeof *ax->ranges);
		r = &ax->ranges[ax->nranges];
		if (hl_parse_range(ctx, s + b, e - b, r) != 0)
			return (-1);
		ax->nranges++;
		ax->count += (r->hi - r->lo) / r->step + 1;
		w = hl_ndigits(r->hi);
		if ((size_t)r->width > w)
			w = (size_t)r->width;
		if (w > ax->maxdigits)
			ax->maxdigits = w;
	}
	return (0);
}

/* Check the literal text of a pattern. */
static int
hl_check_literal(struct hl_ctx *ctx, const char *s, size_t len,
    const char *pat, size_t patlen)
{
	size_t		i;
	unsigned char	c;

	for (i = 0; i < len; i++) {
		c = (unsigned char)s[i];
		if (c < 0x20 || c == 0x7f) {
			hl_error(ctx, "'%.*s': invalid character 0x%02x",
			    (int)patlen, pat, c);
			return (-1);
		}
		if (c == '^') {
			hl_error(ctx, "'%.*s': '^' (a host file) must start "
			    "an element", (int)patlen, pat);
			return (-1);
		}
		if (c == ']') {
			hl_error(ctx, "'%.*s': unbalanced ']'", (int)patlen,
			    pat);
			return (-1);
		}
	}
	return (0);
}

/* Expand the bracket pattern P[0..LEN) into OUT. */
static int
hl_expand(struct hl_ctx *ctx, const char *p, size_t len,
    struct hostlist *out)
{
	struct hl_axis	*axes = NULL, *ax;
	struct hl_range	*r;
	size_t		 naxes = 0, i, lit = 0, close, namelen, tail, n;
	uint64_t	 total = 1;
	char		*name = NULL, num[HOSTLIST_NAME_MAX + 32];
	int		 rc = -1, k;

	if (p[0] == '-') {
		hl_error(ctx, "'%.*s': a host name cannot start with '-'",
		    (int)len, p);
		return (-1);
	}
	for (i = 0; i < len; i++) {
		if (p[i] != '[')
			continue;
		for (close = i + 1; close < len && p[close] != ']'; close++) {
			if (p[close] == '[')
				break;
		}
		if (close == len || p[close] != ']') {
			hl_error(ctx, "'%.*s': missing ']'", (int)len, p);
			goto out;
		}
		axes = xgrow(axes, naxes, sizeof *axes);
		ax = &axes[naxes++];
		memset(ax, 0, sizeof *ax);
		ax->lit = lit;
		ax->litlen = i - lit;
		if (hl_check_literal(ctx, p + lit, i - lit, p, len) != 0)
			goto out;
		if (hl_parse_axis(ctx, p + i + 1, close - i - 1, ax) != 0) {
			hl_error_prefix(ctx, p, len, 1);
			goto out;
		}
		if (total > hostlist_limit / ax->count) {
			hl_error(ctx, "'%.*s' expands to more than %zu hosts",
			    (int)len, p, hostlist_limit);
			goto out;
		}
		total *= ax->count;
		lit = i = close + 1;
		i--;
	}
	tail = lit;
	if (hl_check_literal(ctx, p + tail, len - tail, p, len) != 0)
		goto out;

	namelen = len - tail;
	for (i = 0; i < naxes; i++)
		namelen += axes[i].litlen + axes[i].maxdigits;
	if (namelen > HOSTLIST_NAME_MAX) {
		hl_error(ctx, "'%.*s': host names longer than %d bytes",
		    (int)len, p, HOSTLIST_NAME_MAX);
		goto out;
	}
	if (naxes == 0) {
		hostlist_pushn(out, p, len);
		rc = 0;
		goto out;
	}

	/* Odometer: the last bracket varies fastest, as in nodeset/Slurm. */
	name = xmalloc(namelen + 1);
	for (i = 0; i < naxes; i++) {
		axes[i].cur_range = 0;
		axes[i].cur = axes[i].ranges[0].lo;
	}
	for (;;) {
		n = 0;
		for (i = 0; i < naxes; i++) {
			ax = &axes[i];
			memcpy(name + n, p + ax->lit, ax->litlen);
			n += ax->litlen;
			r = &ax->ranges[ax->cur_range];
			k = snprintf(num, sizeof num, "%0*llu", r->width,
			    (unsigned long long)ax->cur);
			memcpy(name + n, num, (size_t)k);
			n += (size_t)k;
		}
		memcpy(name + n, p + tail, len - tail);
		n += len - tail;
		hostlist_pushn(out, name, n);

		for (i = naxes; i > 0; i--) {
			ax = &axes[i - 1];
			r = &ax->ranges[ax->cur_range];
			if (ax->cur < r->hi) {
				ax->cur += r->step;
				break;
			}
			if (ax->cur_range + 1 < ax->nranges) {
				ax->cur_range++;
				ax->cur = ax->ranges[ax->cur_range].lo;
				break;
			}
			ax->cur_range = 0;
			ax->cur = ax->ranges[0].lo;
		}
		if (i == 0)
			break;
	}
	rc = 0;
out:
	for (i = 0; i < naxes; i++)
		free(axes[i].ranges);
	free(axes);
	free(name);
	return (rc);
}

/* Read a whole file; returns NULL with an error set. */
static char *
hl_read_file(struct hl_ctx *ctx, const char *path, size_t *lenp)
{
	char	*buf;

	if ((buf = read_file(path, HOSTLIST_FILE_MAX, lenp, NULL)) != NULL)
		return (buf);
	if (errno == EFBIG)
		hl_error(ctx, "file larger than %d bytes", HOSTLIST_FILE_MAX);
	else
		hl_error(ctx, "%s", strerror(errno));
	return (NULL);
}

/* Blank out '#' comments (host names never contain '#'). */
static void
hl_strip_comments(char *s, size_t len)
{
	size_t	i;
	int	comment = 0;

	for (i = 0; i < len; i++) {
		if (s[i] == '\n')
			comment = 0;
		else if (s[i] == '#')
			comment = 1;
		if (comment)
			s[i] = ' ';
	}
}

/* Expand a ^file: its contents are one expression, newlines separate. */
static int
hl_file(struct hl_ctx *ctx, const char *path, size_t pathlen,
    struct hostlist *out)
{
	char	*p, *buf;
	size_t	 len;
	int	 rc;

	p = xstrndup(path, pathlen);
	if ((buf = hl_read_file(ctx, p, &len)) == NULL) {
		hl_error_prefix(ctx, path - 1, pathlen + 1, 0);
		free(p);
		return (-1);
	}
	hl_strip_comments(buf, len);
	ctx->depth++;
	rc = hl_eval(ctx, buf, len, out);
	ctx->depth--;
	if (rc != 0)
		hl_error_prefix(ctx, path - 1, pathlen + 1, 0);
	free(buf);
	free(p);
	return (rc);
}

static const char *
hl_groups_path(void)
{
	static const char	*defaults[] = {
		"/etc/clustershell/groups.d/local.cfg",
		"/etc/clustershell/groups",
	};
	const char		*env;
	size_t			 i;

	if (hostlist_groups_path != NULL)
		return (hostlist_groups_path);
	if ((env = getenv("CLUSTERTOP_GROUPS")) != NULL && *env != '\0')
		return (env);
	for (i = 0; i < sizeof defaults / sizeof defaults[0]; i++) {
		if (access(defaults[i], R_OK) == 0)
			return (defaults[i]);
	}
	return (NULL);
}

/* Expand @NAME from the groups file ("name: expr" lines). */
static int
hl_group(struct hl_ctx *ctx, const char *name, size_t namelen,
    struct hostlist *out)
{
	const char	*path;
	char		*buf, *line, *next, *end;
	size_t		 len, i;
	int		 found = 0, rc = 0, lineno = 0;

	for (i = 0; i < namelen; i++) {
		if (name[i] == '[' || name[i] == ']' || name[i] == '@' ||
		    (unsigned char)name[i] < 0x20) {
			hl_error(ctx, "@%.*s: invalid group name",
			    (int)namelen, name);
			return (-1);
		}
	}
	if ((path = hl_groups_path()) == NULL) {
		hl_error(ctx, "@%.*s: no groups file (set CLUSTERTOP_GROUPS "
		    "or create /etc/clustershell/groups.d/local.cfg)",
		    (int)namelen, name);
		return (-1);
	}
	if ((buf = hl_read_file(ctx, path, &len)) == NULL) {
		hl_error_prefix(ctx, path, strlen(path), 0);
		return (-1);
	}
	hl_strip_comments(buf, len);
	end = buf + len;
	for (line = buf; line < end && rc == 0; line = next) {
		if ((next = memchr(line, '\n', (size_t)(end - line))) == NULL)
			next = end;
		else
			next++;
		lineno++;
		if ((size_t)(next - line) <= namelen ||
		    memcmp(line, name, namelen) != 0 || line[namelen] != ':')
			continue;
		found = 1;
		ctx->depth++;
		rc = hl_eval(ctx, line + namelen + 1,
		    (size_t)(next - line) - namelen - 1, out);
		ctx->depth--;
	}
	free(buf);
	if (rc != 0) {
		/* Name the file and line: "FILE:LINE: @NAME: what". */
		char *where;

		hl_error_prefix(ctx, name - 1, namelen + 1, 0);
		if (asprintf(&where, "%s:%d", path, lineno) == -1)
			abort();
		hl_error_prefix(ctx, where, strlen(where), 0);
		free(where);
		return (-1);
	}
	if (!found) {
		hl_error(ctx, "@%.*s: unknown group (groups file %s)",
		    (int)namelen, name, path);
		return (-1);
	}
	return (0);
}

/* Expand the element starting at *POS into OUT; *POS moves past it. */
static int
hl_term(struct hl_ctx *ctx, const char *s, size_t len, size_t *pos,
    struct hostlist *out)
{
	size_t	start = *pos, end;
	int	inbracket = 0;

	if (ctx->depth > HOSTLIST_DEPTH_MAX) {
		hl_error(ctx, "host files or groups nested too deeply "
		    "(a loop?)");
		return (-1);
	}
	if (s[start] == '^' || s[start] == '@') {
		for (end = start + 1; end < len; end++) {
			if (hl_isend((unsigned char)s[end]))
				break;
		}
		*pos = end;
		if (end == start + 1) {
			hl_error(ctx, "missing %s after '%c'",
			    s[start] == '^' ? "file name" : "group name",
			    s[start]);
			return (-1);
		}
		if (s[start] == '^')
			return (hl_file(ctx, s + start + 1, end - start - 1,
			    out));
		return (hl_group(ctx, s + start + 1, end - start - 1, out));
	}
	for (end = start; end < len; end++) {
		if (s[end] == '[') {
			if (inbracket)
				break;
			inbracket = 1;
		} else if (s[end] == ']')
			inbracket = 0;
		else if (!inbracket && hl_isend((unsigned char)s[end]))
			break;
	}
	*pos = end;
	if (inbracket || (end < len && s[end] == '[')) {
		while (end > start && hl_isspace((unsigned char)s[end - 1]))
			end--;
		hl_error(ctx, "'%.*s': missing ']'", (int)(end - start),
		    s + start);
		return (-1);
	}
	return (hl_expand(ctx, s + start, end - start, out));
}

/* Evaluate the expression S[0..LEN) left to right into ACC. */
static int
hl_eval(struct hl_ctx *ctx, const char *s, size_t len, struct hostlist *acc)
{
	struct hostlist	*term;
	enum hl_op	 op = HL_UNION;
	size_t		 pos, sp;
	int		 first = 1, rc;
	char		 c;

	if (memchr(s, '\0', len) != NULL) {
		hl_error(ctx, "invalid character 0x00");
		return (-1);
	}
	pos = hl_skip_space(s, len, 0);
	if (pos == len)
		return (0);
	for (;;) {
		c = s[pos];
		if (c == ',') {
			hl_error(ctx, first ? "'%.*s': empty element before "
			    "','" : "'%.*s': empty element", (int)len, s);
			return (-1);
		}
		if (c == '!' || c == '&') {
			hl_error(ctx, "'%.*s': missing hosts before '%c'",
			    (int)len, s, c);
			return (-1);
		}
		if (c == '-' && op == HL_UNION) {
			if (first) {
				hl_error(ctx, "'%.*s': nothing to exclude "
				    "from (use -x, or put hosts before "
				    "'-')", (int)len, s);
				return (-1);
			}
			op = HL_DIFF;
			pos++;
			if (pos == len || hl_isend((unsigned char)s[pos])) {
				hl_error(ctx, "'%.*s': missing hosts after "
				    "'-'", (int)len, s);
				return (-1);
			}
		}
		term = hostlist_create();
		rc = hl_term(ctx, s, len, &pos, term);
		if (rc == 0)
			rc = hl_apply(ctx, op, acc, term);
		hostlist_free(term);
		if (rc != 0)
			return (-1);
		first = 0;

		sp = pos;
		pos = hl_skip_space(s, len, pos);
		if (pos == len)
			return (0);
		c = s[pos];
		if (c == ',') {
			pos = hl_skip_space(s, len, pos + 1);
			if (pos == len) {
				hl_error(ctx, "'%.*s': trailing ','", (int)len,
				    s);
				return (-1);
			}
			op = HL_UNION;
		} else if (c == '!' || c == '&') {
			pos = hl_skip_space(s, len, pos + 1);
			if (pos == len || s[pos] == ',' || s[pos] == '!' ||
			    s[pos] == '&') {
				hl_error(ctx, "'%.*s': missing hosts after "
				    "'%c'", (int)len, s, c);
				return (-1);
			}
			op = c == '!' ? HL_DIFF : HL_INTER;
		} else if (pos > sp)
			op = HL_UNION;
		else {
			hl_error(ctx, "'%.*s': unexpected '%c'", (int)len, s,
			    c);
			return (-1);
		}
	}
}

/*
 * Make a cause one printable line: it quotes the expression, a host file
 * or a groups file line, and is printed on the user's terminal (found by
 * tests/fuzz/fuzz-groups.c: a group's newline ended up in the message).
 */
static void
hl_cause_clean(char *s)
{
	for (; *s != '\0'; s++) {
		if (*s == '\n' || *s == '\r' || *s == '\t')
			*s = ' ';
		else if ((unsigned char)*s < 0x20 || *s == 0x7f)
			*s = '?';
	}
}

static struct hostlist *
hl_evaluate(const char *expr, char **cause)
{
	struct hl_ctx	 ctx;
	struct hostlist	*tmp;

	memset(&ctx, 0, sizeof ctx);
	tmp = hostlist_create();
	if (hl_eval(&ctx, expr, strlen(expr), tmp) != 0) {
		hostlist_free(tmp);
		if (ctx.cause == NULL)
			ctx.cause = xstrndup("invalid host list", 17);
		hl_cause_clean(ctx.cause);
		if (cause != NULL)
			*cause = ctx.cause;
		else
			free(ctx.cause);
		return (NULL);
	}
	return (tmp);
}

/* Add every host of EXPR; on error the list is unchanged. */
int
hostlist_add(struct hostlist *hl, const char *expr, char **cause)
{
	struct hostlist			*tmp;
	const struct hostlist_entry	*e;
	size_t				 i;

	if ((tmp = hl_evaluate(expr, cause)) == NULL)
		return (-1);
	for (i = 0; i < tmp->n; i++) {
		e = &tmp->entries[i];
		hl_pushh(hl, e->name, e->len, e->hash);
	}
	hostlist_free(tmp);
	return (0);
}

/* Remove every host matching EXPR (same syntax): used for -x. */
int
hostlist_remove(struct hostlist *hl, const char *expr, char **cause)
{
	struct hostlist	*tmp;
	struct hl_ctx	 ctx;

	if ((tmp = hl_evaluate(expr, cause)) == NULL)
		return (-1);
	memset(&ctx, 0, sizeof ctx);
	hl_apply(&ctx, HL_DIFF, hl, tmp);
	hostlist_free(tmp);
	return (0);
}

/* Set the groups file used for @group (NULL: the default). */
void
hostlist_set_groups_file(const char *path)
{
	free(hostlist_groups_path);
	hostlist_groups_path = path == NULL ? NULL :
	    xstrndup(path, strlen(path));
}

/* Set the most hosts one expression may expand to (0: the default). */
void
hostlist_set_limit(size_t limit)
{
	hostlist_limit = limit == 0 ? HOSTLIST_DEFAULT_LIMIT : limit;
}

/* --- ordering ---------------------------------------------------------- */

/* Compare two digit runs by value; *zeros gets the leading-zero order. */
static int
hl_digits_cmp(const char *a, size_t alen, const char *b, size_t blen)
{
	int	c;

	while (alen > 0 && *a == '0') {
		a++;
		alen--;
	}
	while (blen > 0 && *b == '0') {
		b++;
		blen--;
	}
	if (alen != blen)
		return (alen < blen ? -1 : 1);
	if (alen == 0)
		return (0);
	c = memcmp(a, b, alen);
	return (c < 0 ? -1 : c > 0);
}

/* Compare names in natural order: node2 < node10, n1 < n01 < n2. */
int
hostlist_natural_cmp(const char *a, const char *b)
{
	const unsigned char	*x = (const unsigned char *)a;
	const unsigned char	*y = (const unsigned char *)b;
	size_t			 xl, yl;
	int			 c, zeros = 0;

	while (*x != '\0' && *y != '\0') {
		if (hl_isdigit(*x) && hl_isdigit(*y)) {
			for (xl = 0; hl_isdigit(x[xl]); xl++)
				/* nothing */;
			for (yl = 0; hl_isdigit(y[yl]); yl++)
				/* nothing */;
			c = hl_digits_cmp((const char *)x, xl,
			    (const char *)y, yl);
			if (c != 0)
				return (c);
			if (zeros == 0 && xl != yl)
				zeros = xl < yl ? -1 : 1;
			x += xl;
			y += yl;
			continue;
		}
		if (*x != *y)
			return (*x < *y ? -1 : 1);
		x++;
		y++;
	}
	if (*x != *y)
		return (*x < *y ? -1 : 1);
	if (zeros != 0)
		return (zeros);
	c = strcmp(a, b);
	return (c < 0 ? -1 : c > 0);
}

/* Compare dshbak-style: by the trailing number of the name, then bytes. */
int
hostlist_dshbak_cmp(const char *a, const char *b)
{
	size_t	al = strlen(a), bl = strlen(b), ad, bd;
	int	c;

	ad = hl_trailing_digits(a, al);
	bd = hl_trailing_digits(b, bl);
	c = hl_digits_cmp(a + al - ad, ad, b + bl - bd, bd);
	if (c != 0)
		return (c);
	c = strcmp(a, b);
	return (c < 0 ? -1 : c > 0);
}

