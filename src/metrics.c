/*
 * metrics.c -- the remote sampling loop, its line parser and history rings.
 *
 * The wire format is one line per event, fields separated by single
 * spaces, all numbers plain decimal (the node's printf runs in its own
 * locale, but /proc and df only ever print C-locale numbers):
 *
 *   @ctm1 H NCPU HOSTNAME KERNEL
 *   @ctm1 S UPTIME L1 L5 L15 RUN/TASKS USER NICE SYS IDLE IOWAIT IRQ SOFTIRQ
 *           STEAL MEMTOTAL MEMFREE MEMAVAIL BUFFERS CACHED SWAPTOTAL SWAPFREE
 *           [|TOTAL USED AVAIL MOUNT]...
 *
 * Memory is in kB (as /proc/meminfo), disks in 1 kB blocks (df -Pk). The
 * disk groups repeat the last df result between two df runs. The parser
 * trusts nothing: a line that is not exactly this shape is noise.
 */

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metrics.h"

#define MARK_LEN	(sizeof(METRICS_MARK) - 1)

/*
 * The loop. %1$s interval, %2$d samples per df, %3$s extra mounts. No
 * single quote may appear in it: it is wrapped in one by metrics_command().
 * Forks per sample: `sleep`, plus `df` once every K samples; everything
 * else is a builtin of every POSIX sh (read, printf, case, [, set, :).
 */
static const char metrics_script[] =
"set -f\n"
"I=%s K=%d M=\"/%s\"\n"
"NL=\"\n\"\n"
"c=0\n"
"while read -r k _; do case $k in cpu[0-9]*) c=$((c+1));; intr) break;;"
" esac; done </proc/stat\n"
"h=- r=-\n"
"read -r h </proc/sys/kernel/hostname\n"
"read -r r </proc/sys/kernel/osrelease\n"
"printf \"@ctm1 H %%s %%s %%s\\n\" \"$c\" \"$h\" \"$r\"\n"
"i=0 d=\n"
"while :; do\n"
" if [ $i -le 0 ]; then\n"
"  i=$K d= x=$(df -Pk $M 2>/dev/null) o=$IFS IFS=$NL\n"
"  for l in $x; do\n"
"   IFS=$o; set -- $l\n"
"   case $2$3$4 in \"\"|*[!0-9]*) ;; *) if [ $# -ge 6 ]; then"
" b=$2 u=$3 a=$4; shift 5; d=\"$d|$b $u $a $*\"; fi;; esac\n"
"  done\n"
"  IFS=$o\n"
" fi\n"
" i=$((i-1))\n"
" read -r l1 l5 l15 rp _ </proc/loadavg\n"
" read -r up _ </proc/uptime\n"
" read -r _ cu cn cs ci cw cq cz ct _ </proc/stat\n"
" mt=0 mf=0 ma=0 mb=0 mc=0 wt=0 wf=0\n"
" while read -r k v _; do case $k in MemTotal:) mt=$v;; MemFree:) mf=$v;;"
" MemAvailable:) ma=$v;; Buffers:) mb=$v;; Cached:) mc=$v;;"
" SwapTotal:) wt=$v;; SwapFree:) wf=$v; break;; esac; done </proc/meminfo\n"
" printf \"@ctm1 S %%s %%s %%s %%s %%s %%s %%s %%s %%s %%s %%s %%s %%s"
" %%s %%s %%s %%s %%s %%s %%s%%s\\n\" \"${up:-0}\" \"${l1:-0}\" \"${l5:-0}\""
" \"${l15:-0}\" \"${rp:-0/0}\" \"${cu:-0}\" \"${cn:-0}\" \"${cs:-0}\""
" \"${ci:-0}\" \"${cw:-0}\" \"${cq:-0}\" \"${cz:-0}\" \"${ct:-0}\""
" \"$mt\" \"$mf\" \"$ma\" \"$mb\" \"$mc\" \"$wt\" \"$wf\" \"$d\"\n"
" sleep $I\n"
"done\n";

/* Characters allowed in a configured mount (they go into the script). */
static int
mount_ok(const char *m)
{
	const char	*p;

	if (m[0] != '/' || strlen(m) >= METRICS_MOUNT_MAX)
		return (0);
	for (p = m; *p != '\0'; p++) {
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr("/_.+-", *p) != NULL))
			return (0);
	}
	return (1);
}

int
metrics_disk_every(double interval_s)
{
	int	k;

	if (!(interval_s > 0))
		return (1);
	k = (int)lround(10.0 / interval_s);
	return (k < 1 ? 1 : k);
}

char *
metrics_command(double interval_s, const char *const *mounts, size_t nmounts,
    char **cause)
{
	char	 ival[32], extra[METRICS_MAX_DISKS * (METRICS_MOUNT_MAX + 1)];
	char	*script = NULL, *cmd = NULL;
	long	 ms;
	size_t	 i, off = 0;

	*cause = NULL;
	if (!(interval_s >= 0.2 && interval_s <= 3600)) {
		if (asprintf(cause, "interval must be 0.2 to 3600 seconds") < 0)
			*cause = NULL;
		return (NULL);
	}
	if (nmounts > METRICS_MAX_DISKS - 1) {
		if (asprintf(cause, "at most %d mounts", METRICS_MAX_DISKS - 1)
		    < 0)
			*cause = NULL;
		return (NULL);
	}
	/* Not "%g": LC_NUMERIC could turn the point into a comma. */
	ms = lround(interval_s * 1000);
	if (ms % 1000 == 0)
		snprintf(ival, sizeof ival, "%ld", ms / 1000);
	else
		snprintf(ival, sizeof ival, "%ld.%03ld", ms / 1000, ms % 1000);

	extra[0] = '\0';
	for (i = 0; i < nmounts; i++) {
		if (!mount_ok(mounts[i])) {
			if (asprintf(cause, "bad mount path: %s", mounts[i]) < 0)
				*cause = NULL;
			return (NULL);
		}
		if (strcmp(mounts[i], "/") == 0)
			continue;
		off += (size_t)snprintf(extra + off, sizeof extra - off, " %s",
		    mounts[i]);
	}

	if (asprintf(&script, metrics_script, ival,
	    metrics_disk_every(interval_s), extra) < 0)
		return (NULL);
	/* The user's login shell may be csh: run the loop in a POSIX sh. */
	if (asprintf(&cmd, "exec /bin/sh -c '%s'", script) < 0)
		cmd = NULL;
	free(script);
	return (cmd);
}

/* --- parsing ------------------------------------------------------------ */

struct cursor {
	const char	*p;
	const char	*end;
};

/* Next space-separated token; 0 at the end or at a '|'. */
static int
next_token(struct cursor *c, const char **tok, size_t *toklen)
{
	while (c->p < c->end && *c->p == ' ')
		c->p++;
	if (c->p >= c->end || *c->p == '|')
		return (0);
	*tok = c->p;
	while (c->p < c->end && *c->p != ' ' && *c->p != '|')
		c->p++;
	*toklen = (size_t)(c->p - *tok);
	return (1);
}

/* Parse an unsigned decimal that fills the token; 0 on success. */
static int
parse_u64(const char *s, size_t len, uint64_t *out)
{
	uint64_t	v = 0;
	size_t		i;

	if (len == 0 || len > 19)
		return (-1);
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return (-1);
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	*out = v;
	return (0);
}

/* Parse "123" or "123.45" (no sign, no exponent, C locale); 0 on success. */
static int
parse_decimal(const char *s, size_t len, double *out)
{
	double	v = 0, scale = 1;
	size_t	i;
	int	dot = 0, digits = 0;

	if (len == 0 || len > 24)
		return (-1);
	for (i = 0; i < len; i++) {
		if (s[i] == '.' && !dot) {
			dot = 1;
			continue;
		}
		if (s[i] < '0' || s[i] > '9')
			return (-1);
		digits++;
		if (dot) {
			scale /= 10;
			v += (s[i] - '0') * scale;
		} else
			v = v * 10 + (s[i] - '0');
	}
	if (digits == 0)
		return (-1);
	*out = v;
	return (0);
}

static int
tok_u64(struct cursor *c, uint64_t *out)
{
	const char	*t;
	size_t		 n;

	if (!next_token(c, &t, &n))
		return (-1);
	return (parse_u64(t, n, out));
}

static int
tok_decimal(struct cursor *c, double *out)
{
	const char	*t;
	size_t		 n;

	if (!next_token(c, &t, &n))
		return (-1);
	return (parse_decimal(t, n, out));
}

/* Copy a token into a fixed buffer, replacing anything unprintable. */
static void
copy_clean(char *dst, size_t dstsz, const char *src, size_t len)
{
	size_t	i;

	if (len >= dstsz)
		len = dstsz - 1;
	for (i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)src[i];
		dst[i] = (ch < 0x20 || ch >= 0x7f) ? '?' : (char)ch;
	}
	dst[len] = '\0';
}

static enum metrics_line
parse_hello(struct cursor *c, struct metrics_hello *h)
{
	struct metrics_hello	 tmp;
	const char		*t;
	size_t			 n;
	uint64_t		 v;

	memset(&tmp, 0, sizeof tmp);
	if (tok_u64(c, &v) != 0 || v > 100000)
		return (METRICS_NOISE);
	tmp.ncpu = (int)v;
	if (!next_token(c, &t, &n))
		return (METRICS_NOISE);
	copy_clean(tmp.host, sizeof tmp.host, t, n);
	if (!next_token(c, &t, &n))
		return (METRICS_NOISE);
	copy_clean(tmp.kernel, sizeof tmp.kernel, t, n);
	if (next_token(c, &t, &n) || c->p != c->end)
		return (METRICS_NOISE);
	*h = tmp;
	return (METRICS_HELLO);
}

/* "TOTAL USED AVAIL MOUNT..." up to the next '|' or the end. */
static int
parse_disk(const char *p, const char *end, struct metrics_disk *d)
{
	struct cursor	 c = { p, end };
	const char	*m;
	size_t		 mlen;

	if (tok_u64(&c, &d->total_kb) != 0 || tok_u64(&c, &d->used_kb) != 0 ||
	    tok_u64(&c, &d->avail_kb) != 0)
		return (-1);
	while (c.p < c.end && *c.p == ' ')
		c.p++;
	m = c.p;
	mlen = (size_t)(end - m);
	while (mlen > 0 && m[mlen - 1] == ' ')
		mlen--;
	if (mlen == 0 || m[0] != '/')
		return (-1);
	copy_clean(d->mount, sizeof d->mount, m, mlen);
	return (0);
}

static enum metrics_line
parse_sample(struct cursor *c, struct metrics_sample *s)
{
	struct metrics_sample	 tmp;
	const char		*t, *slash, *bar;
	size_t			 n;
	uint64_t		 mem[7];
	int			 i;

	memset(&tmp, 0, sizeof tmp);
	if (tok_decimal(c, &tmp.uptime) != 0)
		return (METRICS_NOISE);
	for (i = 0; i < 3; i++) {
		if (tok_decimal(c, &tmp.load[i]) != 0)
			return (METRICS_NOISE);
	}
	if (!next_token(c, &t, &n))
		return (METRICS_NOISE);
	slash = memchr(t, '/', n);
	if (slash != NULL) {
		uint64_t r, a;
		if (parse_u64(t, (size_t)(slash - t), &r) != 0 ||
		    parse_u64(slash + 1, n - (size_t)(slash - t) - 1, &a) != 0)
			return (METRICS_NOISE);
		tmp.nrunning = r > UINT32_MAX ? UINT32_MAX : (uint32_t)r;
		tmp.ntasks = a > UINT32_MAX ? UINT32_MAX : (uint32_t)a;
	} else
		return (METRICS_NOISE);
	for (i = 0; i < 8; i++) {
		if (tok_u64(c, &tmp.cpu[i]) != 0)
			return (METRICS_NOISE);
	}
	for (i = 0; i < 7; i++) {
		if (tok_u64(c, &mem[i]) != 0)
			return (METRICS_NOISE);
	}
	/* MemTotal MemFree MemAvailable Buffers Cached SwapTotal SwapFree */
	tmp.mem_total_kb = mem[0];
	tmp.mem_avail_kb = mem[2];
	if (tmp.mem_avail_kb == 0)	/* kernels before 3.14 */
		tmp.mem_avail_kb = mem[1] + mem[3] + mem[4];
	if (tmp.mem_avail_kb > tmp.mem_total_kb)
		tmp.mem_avail_kb = tmp.mem_total_kb;
	tmp.swap_total_kb = mem[5];
	tmp.swap_free_kb = mem[6] > mem[5] ? mem[5] : mem[6];
	if (tmp.mem_total_kb == 0)
		return (METRICS_NOISE);

	/* Anything left must be disk groups. */
	if (next_token(c, &t, &n))
		return (METRICS_NOISE);
	while (c->p < c->end) {
		if (*c->p != '|')
			return (METRICS_NOISE);
		c->p++;
		bar = memchr(c->p, '|', (size_t)(c->end - c->p));
		if (bar == NULL)
			bar = c->end;
		if (tmp.ndisks < METRICS_MAX_DISKS) {
			if (parse_disk(c->p, bar, &tmp.disk[tmp.ndisks]) != 0)
				return (METRICS_NOISE);
			tmp.ndisks++;
		}
		c->p = bar;
	}
	*s = tmp;
	return (METRICS_SAMPLE);
}

enum metrics_line
metrics_parse_line(const char *line, size_t len, struct metrics_sample *s,
    struct metrics_hello *h)
{
	struct cursor	c;

	if (line == NULL)
		return (METRICS_NOISE);
	/* A stray CR (a shell that prints CRLF) is not damage. */
	while (len > 0 && (line[len - 1] == '\r' || line[len - 1] == '\n'))
		len--;
	if (len < MARK_LEN + 2 || memcmp(line, METRICS_MARK, MARK_LEN) != 0 ||
	    line[MARK_LEN] != ' ' || len > 4096)
		return (METRICS_NOISE);
	c.p = line + MARK_LEN + 1;
	c.end = line + len;
	if (c.end - c.p < 2 || c.p[1] != ' ')
		return (METRICS_NOISE);
	switch (c.p[0]) {
	case 'S':
		c.p += 2;
		return (parse_sample(&c, s));
	case 'H':
		c.p += 2;
		return (parse_hello(&c, h));
	}
	return (METRICS_NOISE);
}

/* --- derived numbers and history ----------------------------------------- */

float
metrics_cpu_pct(const uint64_t prev[8], const uint64_t cur[8])
{
	uint64_t	ptot = 0, ctot = 0, pidle, cidle, dt, di;
	int		i;

	for (i = 0; i < 8; i++) {
		ptot += prev[i];
		ctot += cur[i];
	}
	pidle = prev[3] + prev[4];
	cidle = cur[3] + cur[4];
	if (ctot <= ptot || cidle < pidle)
		return (-1);	/* no time passed, or the node rebooted */
	dt = ctot - ptot;
	di = cidle - pidle;
	if (di > dt)
		return (-1);
	return ((float)(100.0 * (double)(dt - di) / (double)dt));
}

uint64_t
metrics_mem_used_kb(const struct metrics_sample *s)
{
	if (s->mem_avail_kb >= s->mem_total_kb)
		return (0);
	return (s->mem_total_kb - s->mem_avail_kb);
}

const struct metrics_disk *
metrics_disk_find(const struct metrics_sample *s, const char *mount)
{
	int	i;

	for (i = 0; i < s->ndisks; i++) {
		if (strcmp(s->disk[i].mount, mount) == 0)
			return (&s->disk[i]);
	}
	return (NULL);
}

float
metrics_disk_pct(const struct metrics_disk *d)
{
	uint64_t	denom = d->used_kb + d->avail_kb;

	if (denom == 0)
		return (0);
	return ((float)(100.0 * (double)d->used_kb / (double)denom));
}

void
metrics_node_init(struct metrics_node *m)
{
	memset(m, 0, sizeof *m);
	m->cpu_pct = -1;
}

void
metrics_node_add(struct metrics_node *m, const struct metrics_sample *s)
{
	float	mem_pct = 0;

	if (m->have_last && s->uptime >= m->last.uptime)
		m->cpu_pct = metrics_cpu_pct(m->last.cpu, s->cpu);
	else
		m->cpu_pct = -1;	/* first sample, or a reboot */
	if (s->mem_total_kb > 0)
		mem_pct = (float)(100.0 * (double)metrics_mem_used_kb(s) /
		    (double)s->mem_total_kb);

	m->last = *s;
	m->have_last = 1;
	m->nsamples++;

	m->hist[METRICS_SERIES_CPU][m->hist_head] = m->cpu_pct;
	m->hist[METRICS_SERIES_LOAD][m->hist_head] = (float)s->load[0];
	m->hist[METRICS_SERIES_MEM][m->hist_head] = mem_pct;
	m->hist_head = (m->hist_head + 1) % METRICS_HIST;
	if (m->hist_len < METRICS_HIST)
		m->hist_len++;
}

size_t
metrics_node_history(const struct metrics_node *m, enum metrics_series series,
    float *out, size_t max)
{
	size_t		n, i;
	unsigned	start;

	if ((unsigned)series >= METRICS_NSERIES)
		return (0);
	n = m->hist_len < max ? m->hist_len : max;
	/* The newest N values, oldest first. */
	start = (m->hist_head + METRICS_HIST - (unsigned)n) % METRICS_HIST;
	for (i = 0; i < n; i++)
		out[i] = m->hist[series][(start + i) % METRICS_HIST];
	return (n);
}
