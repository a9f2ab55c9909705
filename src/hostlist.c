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
 * Folding comes in two flavours:
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
#define FOLD_FULL_PASS_MAX	4096		/* see fold_merge() */

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

static int
hl_isdigit(int c)
{
	return (c >= '0' && c <= '9');
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
	int		 found = 0, rc = 0;

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
		hl_error_prefix(ctx, name - 1, namelen + 1, 0);
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

/* Length of the trailing digit run of S[0..LEN). */
static size_t
hl_trailing_digits(const char *s, size_t len)
{
	size_t	n = 0;

	while (n < len && hl_isdigit((unsigned char)s[len - n - 1]))
		n++;
	return (n);
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

	names = xreallocarray(NULL, hl->n, sizeof *names);
	for (i = 0; i < hl->n; i++)
		names[i] = hl->entries[i].name;
	s = hostlist_fold_names(names, hl->n);
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
