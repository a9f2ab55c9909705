/*
 * fuzz-metrics.c -- libFuzzer target for the metrics stream a node sends
 * (metrics.c's line parser, through the dashboard model in cluster.c).
 *
 * The input is the stream: lines go to node 0 as they are, and to node 1
 * with every line prefixed by a valid "@ctm1 S " sample head, so the
 * fuzzer reaches the sample grammar quickly. Properties: no crash; every
 * accepted sample has a total memory, available <= total, free swap <=
 * swap, at most METRICS_MAX_DISKS disks with NUL-terminated mounts that
 * start with '/'; derived percentages stay in 0-100 (or -1 unknown); the
 * history ring never holds more than METRICS_HIST samples.
 */

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cluster.h"
#include "metrics.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
check_pct(float v, int unknown_ok)
{
	if (isnan(v) || v > 100.0f || (v < 0 && !(unknown_ok && v == -1)))
		abort();
}

static void
check_line(const char *line, size_t len)
{
	struct metrics_sample	 s;
	struct metrics_hello	 h;
	int			 i;

	memset(&s, 0xa5, sizeof s);
	memset(&h, 0xa5, sizeof h);
	switch (metrics_parse_line(line, len, &s, &h)) {
	case METRICS_SAMPLE:
		if (s.mem_total_kb == 0 || s.mem_avail_kb > s.mem_total_kb ||
		    s.swap_free_kb > s.swap_total_kb || s.ndisks < 0 ||
		    s.ndisks > METRICS_MAX_DISKS)
			abort();
		for (i = 0; i < s.ndisks; i++) {
			if (memchr(s.disk[i].mount, '\0',
			    sizeof s.disk[i].mount) == NULL ||
			    s.disk[i].mount[0] != '/')
				abort();
			check_pct(metrics_disk_pct(&s.disk[i]), 0);
		}
		break;
	case METRICS_HELLO:
		if (memchr(h.host, '\0', sizeof h.host) == NULL ||
		    memchr(h.kernel, '\0', sizeof h.kernel) == NULL)
			abort();
		break;
	case METRICS_NOISE:
		break;
	default:
		abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char	 head[] = "@ctm1 S 100.5 0.5 0.25 0.1 1/99 ";
	const char		*p = (const char *)data, *end = p + size, *nl;
	const char		*mounts[1] = { "/scratch" };
	struct cluster		*c;
	char			*buf;
	size_t			 len, i;
	float			 hist[METRICS_HIST + 1];
	uint64_t		 now = 1000;
	int			 sort = 0;

	if (size > 65536)
		return (0);
	c = cluster_create("fuzz", 1.0);
	cluster_set_mounts(c, mounts, 1);
	cluster_add_node(c, "node1", NULL);
	cluster_add_node(c, "node2", NULL);
	cluster_node_conn(c, 0, NODE_UP, NULL, now);
	cluster_node_conn(c, 1, NODE_UP, NULL, now);
	buf = malloc(sizeof head + size + 1);
	if (buf == NULL)
		abort();
	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		len = nl == NULL ? (size_t)(end - p) : (size_t)(nl - p);
		check_line(p, len);
		cluster_node_line(c, 0, p, len, now);
		memcpy(buf, head, sizeof head - 1);
		memcpy(buf + sizeof head - 1, p, len);
		check_line(buf, sizeof head - 1 + len);
		cluster_node_line(c, 1, buf, sizeof head - 1 + len, now);
		now += 500;
		if ((now / 500) % 7 == 0) {
			cluster_set_sort(c, (enum cluster_sort)(sort++ %
			    CLUSTER_NSORTS));
			cluster_tick(c, now);
			cluster_refresh(c, now);
		}
		p = nl == NULL ? end : nl + 1;
	}
	cluster_refresh(c, now);
	for (i = 0; i < c->n; i++) {
		const struct metrics_node *m = &c->nodes[i].m;
		size_t k, n;

		check_pct(m->cpu_pct, 1);
		if (m->hist_len > METRICS_HIST)
			abort();
		n = metrics_node_history(m, METRICS_SERIES_CPU, hist,
		    METRICS_HIST + 1);
		if (n > METRICS_HIST)
			abort();
		for (k = 0; k < n; k++)
			check_pct(hist[k], 1);
		n = metrics_node_history(m, METRICS_SERIES_MEM, hist,
		    METRICS_HIST + 1);
		for (k = 0; k < n; k++)
			check_pct(hist[k], 1);
	}
	if (c->sum.mem_used_kb > c->sum.mem_total_kb)
		abort();
	free(buf);
	cluster_free(c);
	return (0);
}
