/*
 * test-metrics.c -- the node sampling command, its line parser, derived
 * CPU %, the history ring, and the dashboard model fed by them.
 *
 * The sampling loop is also run for real here, with this machine's /bin/sh
 * and /proc: its lines must parse, and closing the pipe must end it.
 */

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <sys/wait.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cluster.h"
#include "inventory.h"
#include "metrics.h"

#define GOOD "@ctm1 S 6553.40 1.37 0.53 0.22 4/138 10258 0 8626 1288994 " \
	"851 0 280 0 24683620 24220764 24272888 28272 171888 2097148 " \
	"2097148|264212084 16761984 83575204 /|1024 512 512 /mnt/my disk"

static enum metrics_line
parse(const char *line, struct metrics_sample *s, struct metrics_hello *h)
{
	return (metrics_parse_line(line, strlen(line), s, h));
}

static void
test_parse_sample(void **state)
{
	struct metrics_sample	s;
	struct metrics_hello	h;

	(void)state;
	assert_int_equal(parse(GOOD, &s, &h), METRICS_SAMPLE);
	assert_true(s.uptime > 6553.39 && s.uptime < 6553.41);
	assert_true(s.load[0] > 1.369 && s.load[0] < 1.371);
	assert_true(s.load[2] > 0.219 && s.load[2] < 0.221);
	assert_int_equal(s.nrunning, 4);
	assert_int_equal(s.ntasks, 138);
	assert_int_equal(s.cpu[0], 10258);
	assert_int_equal(s.cpu[3], 1288994);
	assert_int_equal(s.mem_total_kb, 24683620);
	assert_int_equal(s.mem_avail_kb, 24272888);
	assert_int_equal(s.swap_total_kb, 2097148);
	assert_int_equal(s.ndisks, 2);
	assert_string_equal(s.disk[0].mount, "/");
	assert_int_equal(s.disk[0].total_kb, 264212084);
	assert_int_equal(s.disk[0].used_kb, 16761984);
	assert_int_equal(s.disk[0].avail_kb, 83575204);
	/* A mount with a space keeps it. */
	assert_string_equal(s.disk[1].mount, "/mnt/my disk");
	assert_non_null(metrics_disk_find(&s, "/"));
	assert_null(metrics_disk_find(&s, "/scratch"));
	assert_true(metrics_disk_pct(&s.disk[1]) > 49.9f &&
	    metrics_disk_pct(&s.disk[1]) < 50.1f);
	assert_int_equal(metrics_mem_used_kb(&s), 24683620 - 24272888);

	/* CRLF from an odd shell is fine. */
	assert_int_equal(parse(GOOD "\r\n", &s, &h), METRICS_SAMPLE);
	assert_string_equal(s.disk[1].mount, "/mnt/my disk");
}

static void
test_parse_hello(void **state)
{
	struct metrics_sample	s;
	struct metrics_hello	h;

	(void)state;
	assert_int_equal(parse("@ctm1 H 64 node01 6.1.0-13-amd64", &s, &h),
	    METRICS_HELLO);
	assert_int_equal(h.ncpu, 64);
	assert_string_equal(h.host, "node01");
	assert_string_equal(h.kernel, "6.1.0-13-amd64");
	/* Control characters never reach the screen. */
	assert_int_equal(parse("@ctm1 H 2 no\033de k", &s, &h), METRICS_HELLO);
	assert_string_equal(h.host, "no?de");
	assert_int_equal(parse("@ctm1 H 2 a", &s, &h), METRICS_NOISE);
	assert_int_equal(parse("@ctm1 H x a b", &s, &h), METRICS_NOISE);
	assert_int_equal(parse("@ctm1 H 2 a b c", &s, &h), METRICS_NOISE);
}

static void
test_parse_noise(void **state)
{
	static const char *const bad[] = {
		"",
		"hello from .bashrc",
		"@ctm1",
		"@ctm1 ",
		"@ctm1 S",
		"@ctm1S 1 2 3",
		"@ctm2 S " "6553.40 1.37 0.53 0.22 4/138 1 0 1 1 1 0 1 0 10 1 1 "
		    "1 1 0 0",
		" @ctm1 S 6553.40 1.37 0.53 0.22 4/138 1 0 1 1 1 0 1 0 10 1 1 "
		    "1 1 0 0",
		/* one field short */
		"@ctm1 S 6553.40 1.37 0.53 0.22 4/138 1 0 1 1 1 0 1 0 10 1 1 "
		    "1 1 0",
		/* one field too many */
		"@ctm1 S 6553.40 1.37 0.53 0.22 4/138 1 0 1 1 1 0 1 0 10 1 1 "
		    "1 1 0 0 7",
		/* a sign, an exponent, a letter */
		"@ctm1 S -1 1.37 0.53 0.22 4/138 1 0 1 1 1 0 1 0 10 1 1 1 1 0 0",
		"@ctm1 S 1e3 1.37 0.53 0.22 4/138 1 0 1 1 1 0 1 0 10 1 1 1 1 0 0",
		"@ctm1 S 1 1.37 0.53 0.22 4/138 1 0 x 1 1 0 1 0 10 1 1 1 1 0 0",
		/* no slash in run/tasks */
		"@ctm1 S 1 1.37 0.53 0.22 4 1 0 1 1 1 0 1 0 10 1 1 1 1 0 0",
		/* 20-digit overflow */
		"@ctm1 S 1 1.37 0.53 0.22 4/1 99999999999999999999 0 1 1 1 0 1 "
		    "0 10 1 1 1 1 0 0",
		/* no memory total */
		"@ctm1 S 1 1.37 0.53 0.22 4/1 1 0 1 1 1 0 1 0 0 1 1 1 1 0 0",
		/* a damaged disk group */
		"@ctm1 S 1 1 1 1 4/1 1 0 1 1 1 0 1 0 10 1 1 1 1 0 0|1 2 /",
		"@ctm1 S 1 1 1 1 4/1 1 0 1 1 1 0 1 0 10 1 1 1 1 0 0|1 2 3 x",
		"@ctm1 S 1 1 1 1 4/1 1 0 1 1 1 0 1 0 10 1 1 1 1 0 0|",
		"@ctm1 X 1",
		"@ctm1 SS 1",
		"..",
	};
	struct metrics_sample	s;
	struct metrics_hello	h;
	size_t			i;

	(void)state;
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		if (parse(bad[i], &s, &h) != METRICS_NOISE)
			fail_msg("accepted: %s", bad[i]);
	}
	assert_int_equal(metrics_parse_line(NULL, 0, &s, &h), METRICS_NOISE);
	/* LEN is the limit, not the NUL. */
	assert_int_equal(metrics_parse_line(GOOD, 30, &s, &h), METRICS_NOISE);
}

static void
test_parse_old_kernel_and_many_disks(void **state)
{
	struct metrics_sample	s;
	struct metrics_hello	h;
	char			line[2048];
	int			i, n;

	(void)state;
	/* No MemAvailable (kernels before 3.14): free + buffers + cached. */
	assert_int_equal(parse("@ctm1 S 1 0.5 0.5 0.5 1/10 1 0 1 1 1 0 1 0 "
	    "1000 100 0 50 25 0 0", &s, &h), METRICS_SAMPLE);
	assert_int_equal(s.mem_avail_kb, 175);
	/* More disks than kept: the first ones stay. */
	n = snprintf(line, sizeof line, "@ctm1 S 1 0.5 0.5 0.5 1/10 1 0 1 1 "
	    "1 0 1 0 1000 100 0 50 25 0 0");
	for (i = 0; i < 12; i++)
		n += snprintf(line + n, sizeof line - (size_t)n, "|10 5 5 /d%d",
		    i);
	assert_int_equal(parse(line, &s, &h), METRICS_SAMPLE);
	assert_int_equal(s.ndisks, METRICS_MAX_DISKS);
	assert_string_equal(s.disk[0].mount, "/d0");
}

/* Random damage to a good line never crashes and rarely passes. */
static void
test_parse_fuzz(void **state)
{
	struct metrics_sample	s;
	struct metrics_hello	h;
	char			line[512];
	size_t			len = strlen(GOOD);
	unsigned		seed = 12345;
	int			i, k, pos;

	(void)state;
	for (i = 0; i < 20000; i++) {
		memcpy(line, GOOD, len);
		for (k = 0; k < 1 + i % 4; k++) {
			seed = seed * 1103515245 + 12345;
			pos = (int)((seed >> 8) % len);
			seed = seed * 1103515245 + 12345;
			line[pos] = (char)(seed >> 16);
		}
		(void)metrics_parse_line(line, len - (size_t)(i % 7), &s, &h);
	}
	for (i = 0; i < 2000; i++) {
		for (k = 0; k < (int)sizeof line; k++) {
			seed = seed * 1103515245 + 12345;
			line[k] = (char)(seed >> 16);
		}
		memcpy(line, "@ctm1 S ", 8);
		(void)metrics_parse_line(line, sizeof line, &s, &h);
	}
}

static void
test_cpu_pct(void **state)
{
	uint64_t	a[8] = { 100, 0, 100, 800, 0, 0, 0, 0 };
	uint64_t	b[8] = { 150, 0, 150, 900, 0, 0, 0, 0 };
	uint64_t	c[8] = { 150, 0, 150, 900, 100, 0, 0, 0 };

	(void)state;
	/* 100 busy of 200. */
	assert_true(metrics_cpu_pct(a, b) > 49.9f &&
	    metrics_cpu_pct(a, b) < 50.1f);
	/* iowait counts as idle. */
	assert_true(metrics_cpu_pct(b, c) < 0.1f &&
	    metrics_cpu_pct(b, c) >= 0);
	/* No time passed, or counters went back (reboot). */
	assert_true(metrics_cpu_pct(a, a) < 0);
	assert_true(metrics_cpu_pct(b, a) < 0);
}

static void
test_history_ring(void **state)
{
	struct metrics_node	m;
	struct metrics_sample	s;
	float			out[METRICS_HIST];
	size_t			n;
	int			i;

	(void)state;
	metrics_node_init(&m);
	memset(&s, 0, sizeof s);
	s.mem_total_kb = 100;
	assert_int_equal(metrics_node_history(&m, METRICS_SERIES_LOAD, out,
	    METRICS_HIST), 0);
	for (i = 0; i < METRICS_HIST + 10; i++) {
		s.uptime = i;
		s.load[0] = i;
		s.cpu[0] = (uint64_t)i * 10;	/* busy */
		s.cpu[3] = (uint64_t)i * 30;	/* idle */
		s.mem_avail_kb = 75;
		metrics_node_add(&m, &s);
	}
	assert_int_equal(m.nsamples, METRICS_HIST + 10);
	n = metrics_node_history(&m, METRICS_SERIES_LOAD, out, METRICS_HIST);
	assert_int_equal(n, METRICS_HIST);
	assert_true(out[0] == 10.0f);
	assert_true(out[n - 1] == (float)(METRICS_HIST + 9));
	n = metrics_node_history(&m, METRICS_SERIES_LOAD, out, 5);
	assert_int_equal(n, 5);
	assert_true(out[4] == (float)(METRICS_HIST + 9));
	n = metrics_node_history(&m, METRICS_SERIES_CPU, out, 3);
	assert_true(out[2] > 24.9f && out[2] < 25.1f);
	n = metrics_node_history(&m, METRICS_SERIES_MEM, out, 1);
	assert_true(out[0] > 24.9f && out[0] < 25.1f);
	/* A reboot (uptime back): CPU unknown for one sample. */
	s.uptime = 1;
	metrics_node_add(&m, &s);
	assert_true(m.cpu_pct < 0);
}

static void
test_command(void **state)
{
	const char	*ok[] = { "/scratch", "/fsx", "/" };
	const char	*bad[] = { "/a'b" };
	const char	*rel[] = { "scratch" };
	char		*cmd, *cause = NULL;
	const char	*p;
	int		 quotes = 0;

	(void)state;
	cmd = metrics_command(2, ok, 3, &cause);
	assert_non_null(cmd);
	assert_null(cause);
	assert_true(strncmp(cmd, "exec /bin/sh -c '", 17) == 0);
	for (p = cmd; *p != '\0'; p++)
		quotes += *p == '\'';
	assert_int_equal(quotes, 2);
	assert_non_null(strstr(cmd, "M=\"/ /scratch /fsx\""));
	assert_non_null(strstr(cmd, "I=2 K=5 "));
	free(cmd);

	cmd = metrics_command(0.5, NULL, 0, &cause);
	assert_non_null(strstr(cmd, "I=0.500 K=20 "));
	free(cmd);

	assert_null(metrics_command(2, bad, 1, &cause));
	assert_non_null(cause);
	free(cause);
	assert_null(metrics_command(2, rel, 1, &cause));
	free(cause);
	assert_null(metrics_command(0.1, NULL, 0, &cause));
	free(cause);
	assert_int_equal(metrics_disk_every(1), 10);
	assert_int_equal(metrics_disk_every(30), 1);
}

/*
 * Run the loop here: it prints a hello and samples that parse, and it
 * ends on its own (SIGPIPE) once the reader goes away.
 */
static void
test_command_runs(void **state)
{
	const char		*mounts[] = { "/" };
	struct metrics_sample	 s;
	struct metrics_hello	 h;
	char			*cmd, *cause = NULL, line[4096];
	int			 fds[2], status, hello = 0, samples = 0, i;
	pid_t			 pid;
	FILE			*f;

	(void)state;
	cmd = metrics_command(0.2, mounts, 1, &cause);
	assert_non_null(cmd);
	assert_int_equal(pipe(fds), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		signal(SIGPIPE, SIG_DFL);
		dup2(fds[1], 1);
		close(fds[0]);
		close(fds[1]);
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	close(fds[1]);
	f = fdopen(fds[0], "r");
	for (i = 0; i < 3 && fgets(line, sizeof line, f) != NULL; i++) {
		switch (metrics_parse_line(line, strlen(line), &s, &h)) {
		case METRICS_HELLO:
			hello++;
			assert_true(h.ncpu >= 1);
			break;
		case METRICS_SAMPLE:
			samples++;
			assert_true(s.mem_total_kb > 0);
			assert_non_null(metrics_disk_find(&s, "/"));
			break;
		default:
			fail_msg("noise from our own loop: %s", line);
		}
	}
	assert_int_equal(hello, 1);
	assert_int_equal(samples, 2);
	fclose(f);	/* the reader goes away */
	/* The loop must die of SIGPIPE within about one interval. */
	for (i = 0; i < 100; i++) {
		if (waitpid(pid, &status, WNOHANG) == pid)
			break;
		usleep(20000);
	}
	if (i == 100) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		fail_msg("sampling loop still running after its reader left");
	}
	assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGPIPE);
	free(cmd);
}

/* --- the model ---------------------------------------------------------------- */

static void
feed(struct cluster *c, size_t i, double load, uint64_t now)
{
	char	line[512];

	snprintf(line, sizeof line, "@ctm1 S 100 %.2f 0.5 0.5 1/10 %llu 0 0 "
	    "%llu 0 0 0 0 1000 100 %llu 0 0 0 0|100 %llu %llu /",
	    load, (unsigned long long)(now / 10),
	    (unsigned long long)(now / 10), (unsigned long long)(1000 -
	    (uint64_t)(load * 100)), (unsigned long long)(i * 10),
	    (unsigned long long)(100 - i * 10));
	assert_int_equal(cluster_node_line(c, i, line, strlen(line), now), 1);
}

static void
test_cluster_model(void **state)
{
	struct cluster	*c;
	size_t		*sel, n, i;
	char		*cause = NULL;
	char		 name[16];

	(void)state;
	c = cluster_create("test", 1);
	for (i = 0; i < 5; i++) {
		snprintf(name, sizeof name, "node%zu", i + 8);	/* 8..12 */
		cluster_add_node(c, name, NULL);
	}
	assert_int_equal(cluster_find(c, "node10"), 2);
	assert_int_equal(cluster_find(c, "nodeX"), -1);
	for (i = 0; i < 5; i++)
		cluster_node_conn(c, i, NODE_UP, NULL, 1000);
	cluster_node_conn(c, 4, NODE_UNREACHABLE, "Connection refused", 1000);
	for (i = 0; i < 4; i++)
		feed(c, i, (double)i, 1500);
	cluster_refresh(c, 1500);
	assert_int_equal(c->nview, 5);
	/* Natural order: node8 < node9 < node10. */
	assert_int_equal(c->view[0], 0);
	assert_int_equal(c->view[2], 2);
	assert_int_equal(c->sum.conn[NODE_UP], 4);
	assert_int_equal(c->sum.conn[NODE_UNREACHABLE], 1);
	assert_int_equal(c->sum.nsampled, 4);
	assert_true(c->sum.load1 > 5.99 && c->sum.load1 < 6.01);
	assert_int_equal(c->sum.mem_total_kb, 4000);
	assert_int_equal(cluster_health(&c->nodes[4]), CLUSTER_HEALTH_DOWN);
	assert_string_equal(c->nodes[4].why, "Connection refused");
	assert_int_equal(c->nodes[4].nerrors, 1);

	/* Sort by load: the busiest first, no data last; S reverses. */
	cluster_set_sort(c, CLUSTER_SORT_LOAD);
	cluster_refresh(c, 1500);
	assert_int_equal(c->view[0], 3);
	assert_int_equal(c->view[3], 0);
	assert_int_equal(c->view[4], 4);
	cluster_set_sort(c, CLUSTER_SORT_LOAD);
	cluster_refresh(c, 1500);
	assert_int_equal(c->view[0], 0);
	assert_int_equal(c->view[4], 4);
	cluster_set_sort(c, CLUSTER_SORT_STATE);
	cluster_refresh(c, 1500);
	assert_int_equal(c->view[0], 4);

	/* Stale after two intervals without a sample. */
	assert_int_equal(cluster_tick(c, 1500 + cluster_stale_ms(c) - 1), 0);
	assert_int_equal(cluster_tick(c, 1500 + cluster_stale_ms(c) + 1), 1);
	assert_int_equal(cluster_health(&c->nodes[0]), CLUSTER_HEALTH_STALE);
	feed(c, 0, 1, 1500 + cluster_stale_ms(c) + 2);
	assert_int_equal(cluster_health(&c->nodes[0]), CLUSTER_HEALTH_UP);

	/* Filters: substring, host list, state, inverted, invalid. */
	assert_int_equal(cluster_set_filter(c, "de1", &cause), 0);
	cluster_refresh(c, 0);
	assert_int_equal(c->nview, 3);		/* node10 node11 node12 */
	assert_int_equal(cluster_set_filter(c, "node[8-9,12]", &cause), 0);
	cluster_refresh(c, 0);
	assert_int_equal(c->nview, 3);
	assert_int_equal(cluster_set_filter(c, "state:unreach", &cause), 0);
	cluster_refresh(c, 0);
	assert_int_equal(c->nview, 1);
	assert_int_equal(c->view[0], 4);
	assert_int_equal(cluster_set_filter(c, "!node[8-9]", &cause), 0);
	cluster_refresh(c, 0);
	assert_int_equal(c->nview, 3);
	assert_int_equal(cluster_set_filter(c, "node[9-", &cause), -1);
	assert_non_null(cause);
	free(cause);
	cause = NULL;
	cluster_refresh(c, 0);
	assert_int_equal(c->nview, 3);		/* the old filter stays */
	assert_int_equal(cluster_set_filter(c, "", &cause), 0);
	assert_null(c->filter);
	cluster_refresh(c, 0);
	assert_int_equal(c->nview, 5);

	/* Selection: one, by expression, all shown, none. */
	cluster_select(c, 1, 1);
	assert_int_equal(cluster_select_expr(c, "node[11-12]", 1, &cause), 2);
	sel = cluster_selected(c, &n);
	assert_int_equal(n, 3);
	free(sel);
	assert_int_equal(cluster_select_expr(c, "state:up", 0, &cause), 4);
	cluster_refresh(c, 0);
	assert_int_equal(c->sum.nselected, 1);	/* node12, unreachable */
	cluster_set_filter(c, "node1", &cause);
	cluster_refresh(c, 0);
	cluster_select_visible(c, 1);
	cluster_refresh(c, 0);
	assert_int_equal(c->sum.nselected, 3);
	cluster_select_none(c);
	cluster_refresh(c, 0);
	assert_int_equal(c->sum.nselected, 0);
	cluster_free(c);
}

static void
test_cluster_slurm(void **state)
{
	struct inventory	 inv;
	struct inventory_node	 nodes[3];
	struct cluster		*c;
	char			*cause = NULL;

	(void)state;
	c = cluster_create(NULL, 2);
	cluster_add_node(c, "a1", NULL);
	cluster_add_node(c, "a2", NULL);
	memset(&inv, 0, sizeof inv);
	memset(nodes, 0, sizeof nodes);
	nodes[0].name = (char *)"a1";
	nodes[0].slurm_state = (char *)"drain";
	nodes[0].slurm_flags = INV_DRAIN | INV_IDLE;
	nodes[0].reason = (char *)"disk bad";
	nodes[1].name = (char *)"a2";
	nodes[1].slurm_state = (char *)"mix";
	nodes[1].slurm_flags = INV_ALLOCATED;
	nodes[2].name = (char *)"zz";	/* not ours */
	nodes[2].slurm_state = (char *)"idle";
	inv.nodes = nodes;
	inv.nnodes = 3;
	cluster_apply_slurm(c, &inv);
	cluster_refresh(c, 0);
	assert_int_equal(c->nodes[0].slurm, CLUSTER_SLURM_DRAIN);
	assert_string_equal(c->nodes[0].slurm_reason, "disk bad");
	assert_int_equal(c->nodes[1].slurm, CLUSTER_SLURM_MIXED);
	assert_int_equal(c->sum.slurm[CLUSTER_SLURM_DRAIN], 1);
	assert_int_equal(c->sum.slurm[CLUSTER_SLURM_MIXED], 1);
	/* An empty snapshot (a failed query) keeps the states. */
	inv.nnodes = 0;
	cluster_apply_slurm(c, &inv);
	assert_int_equal(c->nodes[0].slurm, CLUSTER_SLURM_DRAIN);
	assert_int_equal(cluster_slurm_class("down*", INV_DOWN |
	    INV_NOT_RESPONDING), CLUSTER_SLURM_DOWN);
	assert_int_equal(cluster_slurm_class("idle*", INV_IDLE |
	    INV_NOT_RESPONDING), CLUSTER_SLURM_DOWN);
	assert_int_equal(cluster_slurm_class("alloc", INV_ALLOCATED),
	    CLUSTER_SLURM_ALLOC);
	assert_int_equal(cluster_slurm_class(NULL, 0), CLUSTER_SLURM_NONE);
	/* Select by Slurm state. */
	assert_int_equal(cluster_select_expr(c, "state:drain", 1, &cause), 1);
	cluster_free(c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_sample),
		cmocka_unit_test(test_parse_hello),
		cmocka_unit_test(test_parse_noise),
		cmocka_unit_test(test_parse_old_kernel_and_many_disks),
		cmocka_unit_test(test_parse_fuzz),
		cmocka_unit_test(test_cpu_pct),
		cmocka_unit_test(test_history_ring),
		cmocka_unit_test(test_command),
		cmocka_unit_test(test_command_runs),
		cmocka_unit_test(test_cluster_model),
		cmocka_unit_test(test_cluster_slurm),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
