/*
 * console.c -- the command console's model: target, results grouped by
 * gather.c, display rows, a line diff, history and output escaping.
 * See console.h.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <wchar.h>

#include "base64.h"
#include "console.h"
#include "gather.h"
#include "hostlist.h"
#include "util.h"

/* Cells of the LCS table beyond which a diff is only approximate. */
#define CONSOLE_DIFF_CELLS	(4UL * 1024 * 1024)

/* P and a line saying it was cut at LEN bytes. */
static void
cbuf_truncated(struct strbuf *b, const char *p, size_t len)
{
	char	note[96];

	strbuf_addn(b, p, len);
	if (len > 0 && p[len - 1] != '\n')
		strbuf_add(b, "\n");
	snprintf(note, sizeof note, "[clustertop: output truncated at %zu "
	    "bytes]\n", len);
	strbuf_add(b, note);
}

struct console *
console_create(void)
{
	struct console	*c;

	if ((c = calloc(1, sizeof *c)) == NULL)
		abort();
	c->next = hostlist_create();
	c->next_fold = xstrdup("");
	c->run = hostlist_create();
	c->run_fold = xstrdup("");
	return (c);
}

void
console_free(struct console *c)
{
	size_t	i;

	if (c == NULL)
		return;
	hostlist_free(c->next);
	free(c->next_fold);
	free(c->command);
	hostlist_free(c->run);
	free(c->run_fold);
	free(c->ended);
	gather_free(c->g);
	for (i = 0; i < c->nhist; i++)
		free(c->hist[i]);
	free(c->hist);
	free(c->hsaved);
	free(c->rows);
	free(c->block_row);
	free(c->diff);
	free(c->diff_a);
	free(c->diff_b);
	free(c);
}

/* --- target and command ------------------------------------------------------ */

size_t
console_set_target(struct console *c, const char *const *names, size_t n,
    const char *const *all, size_t nall)
{
	size_t	i;

	hostlist_free(c->next);
	c->next = hostlist_create();
	c->next_all = n == 0;
	if (n == 0) {
		names = all;
		n = nall;
	}
	for (i = 0; i < n; i++)
		hostlist_push(c->next, names[i]);
	free(c->next_fold);
	c->next_fold = hostlist_fold(c->next);
	return (hostlist_count(c->next));
}

size_t
console_ntarget(const struct console *c)
{
	return (hostlist_count(c->next));
}

int
console_begin(struct console *c, const char *command, uint64_t now_ms,
    time_t now)
{
	size_t	i, n = hostlist_count(c->next);

	if (n == 0 || command == NULL || command[strspn(command, " \t")] ==
	    '\0')
		return (-1);
	free(c->command);
	c->command = xstrdup(command);
	hostlist_free(c->run);
	c->run = hostlist_create();
	for (i = 0; i < n; i++)
		hostlist_push(c->run, hostlist_get(c->next, i));
	free(c->run_fold);
	c->run_fold = xstrdup(c->next_fold);
	free(c->ended);
	if ((c->ended = calloc(n, 1)) == NULL)
		abort();
	c->nended = 0;
	/* One gather per command: its memory goes back only when freed. */
	gather_free(c->g);
	c->g = gather_create();
	for (i = 0; i < n; i++)
		gather_set(c->g, hostlist_get(c->run, i), "running", -1, NULL,
		    "", 0, "", 0);
	c->phase = CONSOLE_RUNNING;
	c->cancelled = 0;
	c->via = 0;
	c->start_ms = now_ms;
	c->end_ms = 0;
	c->started = now;
	c->rows_valid = 0;
	c->diff_valid = 0;
	return (0);
}

void
console_output(struct console *c, const char *name, int stream,
    const char *data, size_t len)
{
	int	i;

	if (c->g == NULL || (i = hostlist_find(c->run, name)) < 0 ||
	    c->ended[i])
		return;
	gather_append(c->g, name, stream, data, len);
}

const char *
console_state_label(const struct engine_job_result *r)
{
	switch (r->state) {
	case JOB_NODE_DONE:
		return (NULL);
	case JOB_NODE_FAILED:
		if (r->lost)
			return ("connection lost");
		switch (r->node_state) {
		case NODE_UP:
			return ("failed");
		case NODE_UNREACHABLE:
		case NODE_AUTH_FAILED:
		case NODE_HOSTKEY_MISMATCH:
		case NODE_TIMED_OUT:
			return (node_state_name(r->node_state));
		default:
			/* Lost while it ran; the dashboard reconnects. */
			return ("connection lost");
		}
	case JOB_NODE_TIMED_OUT:
		return ("timed out (killed)");
	case JOB_NODE_CANCELLED:
		return ("cancelled (killed)");
	case JOB_NODE_QUEUED:
	case JOB_NODE_RUNNING:
		break;
	}
	return ("running");
}

void
console_node_done(struct console *c, const char *name,
    const struct engine_job_result *r)
{
	struct strbuf	out, err;
	int		i;

	if (c->g == NULL || (i = hostlist_find(c->run, name)) < 0)
		return;
	/* What the engine's cap cut off is said in the output, as exec does. */
	memset(&out, 0, sizeof out);
	memset(&err, 0, sizeof err);
	if (r->out_truncated)
		cbuf_truncated(&out, r->out, r->outlen);
	if (r->err_truncated)
		cbuf_truncated(&err, r->err, r->errlen);
	gather_set(c->g, name, console_state_label(r), r->exit_signal == NULL ?
	    r->exit_status : -1, r->exit_signal, out.s != NULL ? out.s : r->out,
	    out.s != NULL ? out.len : r->outlen, err.s != NULL ? err.s : r->err,
	    err.s != NULL ? err.len : r->errlen);
	free(out.s);
	free(err.s);
	if (!c->ended[i]) {
		c->ended[i] = 1;
		c->nended++;
	}
}

void
console_finish(struct console *c, uint64_t now_ms)
{
	size_t	i;

	if (c->phase != CONSOLE_RUNNING)
		return;
	/* A command that never started (its audit record could not be
	 * written) must not show its nodes "running" forever. */
	for (i = 0; c->g != NULL && i < hostlist_count(c->run); i++) {
		if (c->ended[i])
			continue;
		gather_set(c->g, hostlist_get(c->run, i), "not started", -1,
		    NULL, "", 0, "", 0);
		c->ended[i] = 1;
		c->nended++;
	}
	c->phase = CONSOLE_DONE;
	c->end_ms = now_ms;
}

int
console_running(const struct console *c)
{
	return (c->phase == CONSOLE_RUNNING);
}

size_t
console_nrun(const struct console *c)
{
	return (hostlist_count(c->run));
}

/* --- blocks and rows ------------------------------------------------------------ */

size_t
console_nblocks(struct console *c)
{
	return (c->g != NULL ? gather_ngroups(c->g) : 0);
}

const struct gather_group *
console_block(struct console *c, size_t b)
{
	if (c->g == NULL || b >= gather_ngroups(c->g))
		return (NULL);
	return (gather_group(c->g, b));
}

void
console_block_status(const struct gather_group *gg, char *buf, size_t size)
{
	if (gg->state != NULL && gg->sig != NULL)
		snprintf(buf, size, "%s, signal %s", gg->state, gg->sig);
	else if (gg->state != NULL)
		snprintf(buf, size, "%s", gg->state);
	else if (gg->sig != NULL)
		snprintf(buf, size, "signal %s", gg->sig);
	else if (gg->status >= 0)
		snprintf(buf, size, "exit %d", gg->status);
	else
		snprintf(buf, size, "exited");
}

static void
row_add(struct console *c, enum console_row_kind kind, size_t b,
    const char *text, size_t len)
{
	struct console_row	*r;

	if (c->nrows == c->rowsize) {
		c->rowsize = c->rowsize == 0 ? 64 : c->rowsize * 2;
		c->rows = xreallocarray(c->rows, c->rowsize, sizeof *c->rows);
	}
	r = &c->rows[c->nrows++];
	r->kind = kind;
	r->block = b;
	r->text = text;
	r->len = len;
}

/* One row per line of P (a last line without '\n' counts). */
static void
rows_lines(struct console *c, enum console_row_kind kind, size_t b,
    const char *p, size_t len)
{
	const char	*nl;

	while (len > 0) {
		if ((nl = memchr(p, '\n', len)) == NULL) {
			row_add(c, kind, b, p, len);
			return;
		}
		row_add(c, kind, b, p, (size_t)(nl - p));
		len -= (size_t)(nl - p) + 1;
		p = nl + 1;
	}
}

static void
rows_build(struct console *c)
{
	const struct gather_group	*gg;
	size_t				 i, n;
	uint64_t			 gen;

	n = console_nblocks(c);	/* regroups first, so the generation holds */
	gen = c->g != NULL ? gather_generation(c->g) : 0;
	if (c->rows_valid && c->rows_gen == gen)
		return;
	c->nrows = 0;
	c->block_row = xreallocarray(c->block_row, n + 1,
	    sizeof *c->block_row);
	c->nblocks = n;
	for (i = 0; i < n; i++) {
		gg = gather_group(c->g, i);
		c->block_row[i] = c->nrows;
		row_add(c, CONSOLE_ROW_HEADER, i, NULL, 0);
		rows_lines(c, CONSOLE_ROW_OUT, i, gg->out, gg->outlen);
		if (gg->flags & GATHER_OUT_TRUNCATED)
			row_add(c, CONSOLE_ROW_NOTE, i, "[output truncated]",
			    18);
		if (gg->errlen > 0) {
			row_add(c, CONSOLE_ROW_ERRMARK, i, "--- stderr ---",
			    14);
			rows_lines(c, CONSOLE_ROW_ERR, i, gg->err, gg->errlen);
			if (gg->flags & GATHER_ERR_TRUNCATED)
				row_add(c, CONSOLE_ROW_NOTE, i,
				    "[stderr truncated]", 18);
		}
		if (gg->outlen == 0 && gg->errlen == 0 && (gg->state == NULL ||
		    strcmp(gg->state, "running") != 0))
			row_add(c, CONSOLE_ROW_NOTE, i, "(no output)", 11);
		row_add(c, CONSOLE_ROW_BLANK, i, NULL, 0);
	}
	c->rows_gen = gen;
	c->rows_valid = 1;
}

const struct console_row *
console_rows(struct console *c, size_t *n)
{
	rows_build(c);
	*n = c->nrows;
	return (c->rows);
}

size_t
console_block_first_row(struct console *c, size_t b)
{
	rows_build(c);
	if (b >= c->nblocks)
		return (c->nrows);
	return (c->block_row[b]);
}

const char *const *
console_block_names(struct console *c, size_t b, size_t *n)
{
	const struct gather_group	*gg = console_block(c, b);

	if (gg == NULL) {
		*n = 0;
		return (NULL);
	}
	*n = gg->nhosts;
	return (gg->names);
}

/* Stdout, then "--- stderr ---" and stderr, each ending in '\n'. */
static void
cbuf_result(struct strbuf *b, const char *out, size_t outlen, const char *err,
    size_t errlen)
{
	strbuf_addn(b, out, outlen);
	if (outlen > 0 && out[outlen - 1] != '\n')
		strbuf_add(b, "\n");
	if (errlen > 0) {
		strbuf_add(b, "--- stderr ---\n");
		strbuf_addn(b, err, errlen);
		if (err[errlen - 1] != '\n')
			strbuf_add(b, "\n");
	}
}

char *
console_block_text(struct console *c, size_t b, size_t *len)
{
	const struct gather_group	*gg = console_block(c, b);
	struct strbuf			 buf;
	char				 st[128], hdr[64];

	if (gg == NULL)
		return (NULL);
	memset(&buf, 0, sizeof buf);
	console_block_status(gg, st, sizeof st);
	strbuf_add(&buf, gg->hosts);
	snprintf(hdr, sizeof hdr, " (%zu): ", gg->nhosts);
	strbuf_add(&buf, hdr);
	strbuf_add(&buf, st);
	strbuf_add(&buf, "\n");
	cbuf_result(&buf, gg->out, gg->outlen, gg->err, gg->errlen);
	*len = buf.len;
	return (buf.s);
}

static int
name_cmp(const void *a, const void *b)
{
	return (hostlist_natural_cmp(*(const char *const *)a,
	    *(const char *const *)b));
}

int
console_save(struct console *c, FILE *f)
{
	const struct gather_group	*gg;
	const char			*name, **names;
	struct strbuf			 buf;
	struct tm			 tm;
	char				 when[64], st[128];
	size_t				 i, n = hostlist_count(c->run);
	int				 k;

	if (c->g == NULL || c->command == NULL)
		return (-1);
	gmtime_r(&c->started, &tm);
	strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
	fprintf(f, "# clustertop console, started %s\n# command: %s\n"
	    "# nodes: %s (%zu)\n", when, c->command, c->run_fold, n);
	/* Natural order of names, as the blocks fold them. */
	names = xreallocarray(NULL, n + 1, sizeof *names);
	for (i = 0; i < n; i++)
		names[i] = hostlist_get(c->run, i);
	qsort(names, n, sizeof *names, name_cmp);
	memset(&buf, 0, sizeof buf);
	for (i = 0; i < n; i++) {
		name = names[i];
		if ((k = gather_host_group(c->g, name)) < 0)
			continue;
		gg = gather_group(c->g, (size_t)k);
		console_block_status(gg, st, sizeof st);
		buf.len = 0;
		strbuf_add(&buf, "");
		cbuf_result(&buf, gg->out, gg->outlen, gg->err, gg->errlen);
		fprintf(f, "==== %s: %s\n", name, st);
		fwrite(buf.s, 1, buf.len, f);
	}
	free(buf.s);
	free(names);
	return (ferror(f) ? -1 : 0);
}

/* --- diff -------------------------------------------------------------------- */

struct dline {
	const char	*p;
	size_t		 len;
	uint64_t	 h;
};

static struct dline *
split_lines(const char *p, size_t len, size_t *n)
{
	struct dline	*v = NULL;
	size_t		 cnt = 0, size = 0, l;
	const char	*nl;

	while (len > 0) {
		nl = memchr(p, '\n', len);
		l = nl != NULL ? (size_t)(nl - p) : len;
		if (cnt == size) {
			size = size == 0 ? 64 : size * 2;
			v = xreallocarray(v, size, sizeof *v);
		}
		v[cnt].p = p;
		v[cnt].len = l;
		v[cnt].h = hostlist_hash(p, l);
		cnt++;
		if (nl == NULL)
			break;
		len -= l + 1;
		p = nl + 1;
	}
	*n = cnt;
	return (v);
}

static int
dline_eq(const struct dline *a, const struct dline *b)
{
	return (a->h == b->h && a->len == b->len &&
	    memcmp(a->p, b->p, a->len) == 0);
}

struct dout {
	struct console_diff_line *v;
	size_t		 n, size;
};

static void dout_add(struct dout *, char, const struct dline *, size_t);

static void
dout_copy(struct dout *d, const struct console_diff_line *l)
{
	dout_add(d, l->op, NULL, l->skipped);
	d->v[d->n - 1].text = l->text;
	d->v[d->n - 1].len = l->len;
}

static void
dout_add(struct dout *d, char op, const struct dline *l, size_t skipped)
{
	if (d->n == d->size) {
		d->size = d->size == 0 ? 64 : d->size * 2;
		d->v = xreallocarray(d->v, d->size, sizeof *d->v);
	}
	d->v[d->n].op = op;
	d->v[d->n].text = l != NULL ? l->p : NULL;
	d->v[d->n].len = l != NULL ? l->len : 0;
	d->v[d->n].skipped = skipped;
	d->n++;
}

/*
 * The LCS of A[0..N) and B[0..M) by dynamic programming, backwards, so
 * that walking forwards reads the answer off the table. Directions only:
 * one byte a cell. Returns 0, or -1 when the table would be too large.
 */
static int
lcs(const struct dline *a, size_t n, const struct dline *b, size_t m,
    struct dout *d)
{
	unsigned char	*dir;
	uint32_t	*row, *nrow, *tmp;
	size_t		 i, j;

	if (n == 0 || m == 0 || n > CONSOLE_DIFF_CELLS / m) {
		if (n != 0 && m != 0)
			return (-1);
		for (i = 0; i < n; i++)
			dout_add(d, '-', &a[i], 0);
		for (j = 0; j < m; j++)
			dout_add(d, '+', &b[j], 0);
		return (0);
	}
	if ((dir = malloc(n * m)) == NULL)
		return (-1);
	row = xreallocarray(NULL, m + 1, sizeof *row);
	nrow = xreallocarray(NULL, m + 1, sizeof *nrow);
	memset(row, 0, (m + 1) * sizeof *row);	/* row i + 1 */
	for (i = n; i-- > 0;) {
		nrow[m] = 0;
		for (j = m; j-- > 0;) {
			if (dline_eq(&a[i], &b[j])) {
				nrow[j] = row[j + 1] + 1;
				dir[i * m + j] = 0;
			} else if (row[j] >= nrow[j + 1]) {
				nrow[j] = row[j];
				dir[i * m + j] = 1;	/* drop a[i] */
			} else {
				nrow[j] = nrow[j + 1];
				dir[i * m + j] = 2;	/* drop b[j] */
			}
		}
		tmp = row;
		row = nrow;
		nrow = tmp;
	}
	i = j = 0;
	while (i < n && j < m) {
		switch (dir[i * m + j]) {
		case 0:
			dout_add(d, ' ', &a[i], 0);
			i++;
			j++;
			break;
		case 1:
			dout_add(d, '-', &a[i++], 0);
			break;
		default:
			dout_add(d, '+', &b[j++], 0);
			break;
		}
	}
	for (; i < n; i++)
		dout_add(d, '-', &a[i], 0);
	for (; j < m; j++)
		dout_add(d, '+', &b[j], 0);
	free(dir);
	free(row);
	free(nrow);
	return (0);
}

struct console_diff_line *
console_diff_text(const char *a, size_t alen, const char *b, size_t blen,
    size_t context, size_t *np, int *approx)
{
	struct dline	*la, *lb;
	struct dout	 full, out;
	size_t		 na, nb, pre = 0, suf = 0, i, k, run, head, tail;

	memset(&full, 0, sizeof full);
	memset(&out, 0, sizeof out);
	*approx = 0;
	la = split_lines(a, alen, &na);
	lb = split_lines(b, blen, &nb);
	while (pre < na && pre < nb && dline_eq(&la[pre], &lb[pre]))
		pre++;
	while (suf < na - pre && suf < nb - pre &&
	    dline_eq(&la[na - 1 - suf], &lb[nb - 1 - suf]))
		suf++;
	for (i = 0; i < pre; i++)
		dout_add(&full, ' ', &la[i], 0);
	if (lcs(la + pre, na - pre - suf, lb + pre, nb - pre - suf,
	    &full) != 0) {
		/* Too large for the table: the middle as one change. */
		*approx = 1;
		for (i = pre; i < na - suf; i++)
			dout_add(&full, '-', &la[i], 0);
		for (i = pre; i < nb - suf; i++)
			dout_add(&full, '+', &lb[i], 0);
	}
	for (i = na - suf; i < na; i++)
		dout_add(&full, ' ', &la[i], 0);

	/* Keep CONTEXT equal lines around each change; cut the rest. */
	for (i = 0; i < full.n; i += run) {
		if (full.v[i].op != ' ') {
			dout_copy(&out, &full.v[i]);
			run = 1;
			continue;
		}
		for (run = 0; i + run < full.n && full.v[i + run].op == ' ';
		    run++)
			;
		head = i > 0 ? context : 0;
		tail = i + run < full.n ? context : 0;
		if (run <= head + tail + 1) {
			for (k = 0; k < run; k++)
				dout_copy(&out, &full.v[i + k]);
			continue;
		}
		for (k = 0; k < head; k++)
			dout_copy(&out, &full.v[i + k]);
		dout_add(&out, '~', NULL, run - head - tail);
		for (k = run - tail; k < run; k++)
			dout_copy(&out, &full.v[i + k]);
	}
	free(full.v);
	free(la);
	free(lb);
	*np = out.n;
	return (out.v);
}

const struct console_diff_line *
console_diff(struct console *c, size_t b, size_t *n)
{
	const struct gather_group	*g0, *gb;
	struct strbuf			 ta, tb;
	uint64_t			 gen;

	*n = 0;
	if (b == 0 || b >= console_nblocks(c))
		return (NULL);
	gen = gather_generation(c->g);
	if (c->diff_valid && c->diff_gen == gen && c->diff_block == b) {
		*n = c->ndiff;
		return (c->diff);
	}
	g0 = gather_group(c->g, 0);
	gb = gather_group(c->g, b);
	memset(&ta, 0, sizeof ta);
	memset(&tb, 0, sizeof tb);
	strbuf_add(&ta, "");
	strbuf_add(&tb, "");
	cbuf_result(&ta, g0->out, g0->outlen, g0->err, g0->errlen);
	cbuf_result(&tb, gb->out, gb->outlen, gb->err, gb->errlen);
	/* The diff's lines point into the texts: they live as long. */
	free(c->diff);
	free(c->diff_a);
	free(c->diff_b);
	c->diff_a = ta.s;
	c->diff_b = tb.s;
	c->diff = console_diff_text(ta.s, ta.len, tb.s, tb.len,
	    CONSOLE_DIFF_CONTEXT, &c->ndiff, &c->diff_approx);
	c->diff_block = b;
	c->diff_gen = gen;
	c->diff_valid = 1;
	*n = c->ndiff;
	return (c->diff);
}

/* --- history ------------------------------------------------------------------- */

void
console_history_add(struct console *c, const char *s)
{
	if (s == NULL || s[strspn(s, " \t")] == '\0')
		return;
	if (c->nhist > 0 && strcmp(c->hist[c->nhist - 1], s) == 0) {
		console_history_reset(c);
		return;
	}
	if (c->nhist == CONSOLE_HISTORY_MAX) {
		free(c->hist[0]);
		memmove(c->hist, c->hist + 1, (c->nhist - 1) * sizeof *c->hist);
		c->nhist--;
	}
	c->hist = xreallocarray(c->hist, c->nhist + 1, sizeof *c->hist);
	c->hist[c->nhist++] = xstrdup(s);
	console_history_reset(c);
}

void
console_history_reset(struct console *c)
{
	c->hpos = c->nhist;
	free(c->hsaved);
	c->hsaved = NULL;
}

const char *
console_history_step(struct console *c, int dir, const char *current)
{
	if (dir < 0) {
		if (c->hpos == 0)
			return (NULL);
		if (c->hpos == c->nhist) {
			free(c->hsaved);
			c->hsaved = xstrdup(current != NULL ? current : "");
		}
		return (c->hist[--c->hpos]);
	}
	if (c->hpos >= c->nhist)
		return (NULL);
	if (++c->hpos == c->nhist)
		return (c->hsaved != NULL ? c->hsaved : "");
	return (c->hist[c->hpos]);
}

/* --- escaping -------------------------------------------------------------------- */

/* Decode one UTF-8 character; returns its length, 0 if invalid. */
static size_t
utf8_decode(const unsigned char *p, size_t len, unsigned *cp)
{
	size_t		n, k;
	unsigned	v;

	if (p[0] < 0x80) {
		*cp = p[0];
		return (1);
	}
	if (p[0] >= 0xc2 && p[0] <= 0xdf) {
		n = 1;
		v = p[0] & 0x1f;
	} else if (p[0] >= 0xe0 && p[0] <= 0xef) {
		n = 2;
		v = p[0] & 0x0f;
	} else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		n = 3;
		v = p[0] & 0x07;
	} else
		return (0);
	if (len < n + 1)
		return (0);
	for (k = 1; k <= n; k++) {
		if ((p[k] & 0xc0) != 0x80)
			return (0);
		v = v << 6 | (p[k] & 0x3f);
	}
	if ((n == 2 && (v < 0x800 || (v >= 0xd800 && v <= 0xdfff))) ||
	    (n == 3 && (v < 0x10000 || v > 0x10ffff)))
		return (0);
	*cp = v;
	return (n + 1);
}

/* Format characters that reorder or hide text: shown escaped. */
static int
is_format(unsigned cp)
{
	return ((cp >= 0x200b && cp <= 0x200f) || (cp >= 0x202a &&
	    cp <= 0x202e) || (cp >= 0x2060 && cp <= 0x206f) || cp == 0xfeff ||
	    cp == 0x061c || cp == 0x00ad);
}

/*
 * console_escape's work: COL0 is the column IN starts at (for tabs), and
 * *END (when not NULL) gets the bytes of IN taken before the cut.
 */
static int
escape_run(const char *in, size_t len, int utf8, size_t col0, size_t skip,
    int maxcols, char *out, size_t outsize, int *cut, size_t *end)
{
	const unsigned char	*p = (const unsigned char *)in;
	char			 piece[16];
	size_t			 i = 0, n, o = 0, col = col0, plen, at;
	unsigned		 cp;
	int			 w, used = 0, k;

	*cut = 0;
	skip += col0;
	if (end != NULL)
		*end = 0;
	if (outsize == 0)
		return (0);
	out[0] = '\0';
	while (i < len) {
		n = 0;
		w = -1;
		if (p[i] == '\t') {
			w = (int)(8 - col % 8);
			memset(piece, ' ', (size_t)w);
			plen = (size_t)w;
			n = 1;
		} else if (p[i] < 0x20 || p[i] == 0x7f) {
			piece[0] = '^';
			piece[1] = p[i] == 0x7f ? '?' : (char)(p[i] + '@');
			plen = 2;
			w = 2;
			n = 1;
		} else if (p[i] < 0x80) {
			piece[0] = (char)p[i];
			plen = 1;
			w = 1;
			n = 1;
		} else if (utf8 && (n = utf8_decode(p + i, len - i, &cp)) > 0) {
			w = cp < 0xa0 || is_format(cp) ? -1 : wcwidth((wchar_t)cp);
			if (w < 0) {
				plen = (size_t)snprintf(piece, sizeof piece,
				    "\\u%04x", cp);
				w = (int)plen;
			} else {
				memcpy(piece, p + i, n);
				plen = n;
			}
		} else {
			plen = (size_t)snprintf(piece, sizeof piece, "\\x%02x",
			    p[i]);
			w = (int)plen;
			n = 1;
		}
		at = i;
		i += n;
		if (col + (size_t)w <= skip) {
			col += (size_t)w;
			continue;
		}
		if (col < skip) {
			/* A piece cut by the left edge: blanks for its rest. */
			k = (int)(col + (size_t)w - skip);
			memset(piece, ' ', (size_t)k);
			plen = (size_t)k;
			w = k;
			col = skip;
		}
		if (used + w > maxcols || o + plen + 1 > outsize) {
			*cut = 1;
			if (end != NULL)
				*end = at;
			break;
		}
		memcpy(out + o, piece, plen);
		o += plen;
		used += w;
		col += (size_t)w;
	}
	if (end != NULL && !*cut)
		*end = len;
	out[o] = '\0';
	return (used);
}

int
console_escape(const char *in, size_t len, int utf8, size_t skip, int maxcols,
    char *out, size_t outsize, int *cut)
{
	return (escape_run(in, len, utf8, 0, skip, maxcols, out, outsize, cut,
	    NULL));
}

int
console_escape_wrap(const char *in, size_t len, int utf8, size_t *pos,
    size_t *col, int maxcols, char *out, size_t outsize)
{
	size_t	end;
	int	used, cut;

	if (*pos >= len) {
		if (outsize > 0)
			out[0] = '\0';
		return (0);
	}
	used = escape_run(in + *pos, len - *pos, utf8, *col, 0, maxcols, out,
	    outsize, &cut, &end);
	/* A piece wider than the whole line: take it anyway, cut. */
	if (end == 0 && cut) {
		end = 1;
		while (*pos + end < len && (in[*pos + end] & 0xc0) == 0x80)
			end++;
	}
	*pos += end;
	*col += (size_t)used;
	return (used);
}

size_t
console_wrap_lines(const char *in, size_t len, int utf8, int maxcols)
{
	char	buf[8 * 512 + 16];
	size_t	pos = 0, col = 0, n = 0;

	if (maxcols > 512)
		maxcols = 512;
	if (maxcols < 1)
		maxcols = 1;
	while (pos < len) {
		console_escape_wrap(in, len, utf8, &pos, &col, maxcols, buf,
		    sizeof buf);
		n++;
	}
	return (n > 0 ? n : 1);
}

int
console_parse_line(const char *line, int *timeout_ms, const char **command,
    char **cause)
{
	const char	*p = line + strspn(line, " \t");
	char		*end;
	double		 secs;

	*timeout_ms = -1;
	*command = p;
	if (strncmp(p, "-u", 2) != 0 || (p[2] != ' ' && p[2] != '\t' &&
	    p[2] != '\0'))
		return (0);
	p += 2;
	p += strspn(p, " \t");
	errno = 0;
	secs = strtod(p, &end);
	if (end == p || errno != 0 || (*end != ' ' && *end != '\t' &&
	    *end != '\0') || !(secs >= 0) || secs > 86400 * 24) {
		if (asprintf(cause, "-u wants SECONDS, then the command "
		    "(-u 30 CMD; -u 0: no timeout)") == -1)
			abort();
		return (-1);
	}
	p = end + strspn(end, " \t");
	if (*p == '\0') {
		if (asprintf(cause, "-u %g: and the command?", secs) == -1)
			abort();
		return (-1);
	}
	*timeout_ms = (int)(secs * 1000 + 0.5);
	if (*timeout_ms == 0 && secs > 0)
		*timeout_ms = 1;
	*command = p;
	return (0);
}

int
console_parse_via(const char *line, int *via, const char **rest,
    char **cause)
{
	const char	*p = line + strspn(line, " \t");
	size_t		 n;

	*via = -1;
	*rest = line;
	if (strncmp(p, "--via", 5) != 0 || (p[5] != ' ' && p[5] != '\t'))
		return (0);
	p += 5;
	p += strspn(p, " \t");
	n = strcspn(p, " \t");
	if (n == 5 && strncmp(p, "slurm", 5) == 0)
		*via = 1;
	else if (n == 3 && strncmp(p, "ssh", 3) == 0)
		*via = 0;
	else {
		if (asprintf(cause, "--via wants slurm or ssh, then the "
		    "command (--via slurm CMD)") == -1)
			abort();
		return (-1);
	}
	p += n;
	p += strspn(p, " \t");
	if (*p == '\0') {
		if (asprintf(cause, "--via %s: and the command?", *via ? "slurm" :
		    "ssh") == -1)
			abort();
		return (-1);
	}
	*rest = p;
	return (0);
}

/* --- copying ----------------------------------------------------------------------- */

char *
console_osc52(const char *text, size_t len)
{
	char	*out;
	size_t	 n;

	if (len > CONSOLE_OSC52_MAX)
		len = CONSOLE_OSC52_MAX;
	if ((out = malloc(base64_len(len) + 16)) == NULL)
		abort();
	memcpy(out, "\033]52;c;", 7);
	n = 7 + base64_encode_to(out + 7, text, len);
	out[n++] = '\a';
	out[n] = '\0';
	return (out);
}
