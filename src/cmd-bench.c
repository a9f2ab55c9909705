/*
 * cmd-bench.c -- `clustertop bench`: connect once, then time rounds of
 * one command on every node over the persistent sessions.
 *
 * Prints the connect time (every selected node up or failed), the head
 * node's RSS before and after connecting, and each round's wall time and
 * outcome; --json gives one JSON object. The engine runs with reconnect
 * on, as the dashboard does: a node lost during a round is reconnected
 * in the background; one that is still down when the next round starts
 * is reconnected first (outside the round's time). --between
 * CMD runs a local shell command between rounds (the integration tests
 * use it to inject faults).
 */

#include <sys/types.h>

#include <cjson/cJSON.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cliopt.h"
#include "cmd.h"
#include "cmd-exec.h"
#include "engine.h"
#include "inventory.h"

static void
bench_usage(FILE *f)
{
	fprintf(f, "usage: clustertop bench [-w HOSTS] [-x HOSTS] [--rounds K] "
	    "[--json] [--between CMD]\n"
	    "                        [-t CONNECT_S] [-u COMMAND_S] [-F "
	    "SSH_CONFIG] [-l USER] [--] COMMAND...\n%s"
	    "  --rounds K     run the command K times (default 10)\n"
	    "  --json         print one JSON object\n"
	    "  --between CMD  run CMD (local shell) between rounds\n",
	    cliopt_usage());
}

static double
bench_now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((double)ts.tv_sec + ts.tv_nsec / 1e9);
}

/* This process's resident set size in kB, from /proc. */
static long
bench_rss_kb(void)
{
	FILE	*f;
	char	 line[256];
	long	 kb = -1;

	if ((f = fopen("/proc/self/status", "r")) == NULL)
		return (-1);
	while (fgets(line, sizeof line, f) != NULL) {
		if (strncmp(line, "VmRSS:", 6) == 0) {
			kb = strtol(line + 6, NULL, 10);
			break;
		}
	}
	fclose(f);
	return (kb);
}

static int
bench_cmp(const void *a, const void *b)
{
	double	x = *(const double *)a, y = *(const double *)b;

	return (x < y ? -1 : x > y);
}

struct bench_ctx {
	struct engine	*e;
	int		 verbose;
};

static void
bench_event(const struct engine_event *ev, void *arg)
{
	struct bench_ctx	*b = arg;

	if (!b->verbose)
		return;
	if (ev->type == ENGINE_EV_NODE)
		fprintf(stderr, "clustertop bench: %s: %s%s%s\n",
		    engine_node_name(b->e, ev->node),
		    node_state_name(ev->state), ev->text != NULL ? ": " : "",
		    ev->text != NULL ? ev->text : "");
	else if (ev->type == ENGINE_EV_LOG)
		fprintf(stderr, "clustertop bench: %s\n", ev->text);
}

/* `clustertop bench`: connect once, then time rounds of COMMAND. */
int
cmd_bench_main(int argc, char **argv)
{
	static const struct option longopts[] = {
		CLIOPT_LONG,
		{ "rounds", required_argument, NULL, 'R' },
		{ "json", no_argument, NULL, 'J' },
		{ "between", required_argument, NULL, 'B' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct cliopt		 opt;
	struct bench_ctx	 b;
	struct engine_config	 cfg;
	struct engine_job_spec	 spec;
	struct cliopt_run	 run;
	const struct engine_job_result *r;
	cJSON			*o, *rounds, *ro;
	char			*cause = NULL, *command = NULL, *s, *end;
	const char		*between = NULL;
	double			 t0, tconn, *times = NULL, t, sum = 0;
	long			 rss0, rss1;
	size_t			 i, nup = 0, ok, nnodes, nlost;
	int			 ch, rc, json = 0, *ids, status = 0, k;
	int			 nrounds = 10, status_round;
	uint32_t		 job;

	memset(&b, 0, sizeof b);
	cliopt_init(&opt);
	optind = 1;
	while ((ch = cliopt_getopt(&opt, "clustertop bench", argc, argv,
	    "+" CLIOPT_SHORT "vh", longopts)) != -1) {
		switch (ch) {
		case CLIOPT_BAD:
			return (CT_EXIT_USAGE);
		case 'R':
			nrounds = (int)strtol(optarg, &end, 10);
			if (*end != '\0' || nrounds < 1 || nrounds > 100000) {
				fprintf(stderr, "clustertop bench: bad --rounds\n");
				return (CT_EXIT_USAGE);
			}
			break;
		case 'J':
			json = 1;
			break;
		case 'B':
			between = optarg;
			break;
		case 'v':
			b.verbose = 1;
			break;
		case 'h':
			bench_usage(stdout);
			return (0);
		default:
			bench_usage(stderr);
			return (CT_EXIT_USAGE);
		}
	}
	argc -= optind;
	argv += optind;
	if (argc == 0) {
		bench_usage(stderr);
		return (CT_EXIT_USAGE);
	}
	command = cliopt_command(argc, argv);
	cliopt_engine_config(&opt, &cfg);
	cfg.reconnect = 1;
	if ((rc = cliopt_run_setup(&opt, "clustertop bench", &cfg, &run)) != 0) {
		free(command);
		return (rc);
	}
	rss0 = bench_rss_kb();	/* nodes added, none connected */
	b.e = run.e;
	engine_set_callback(b.e, bench_event, &b);
	ids = run.ids;
	nnodes = run.n;

	/* Connect: until every node is up or has failed. */
	t0 = bench_now();
	engine_connect(b.e, -1);
	for (;;) {
		engine_run_once(b.e, 100);
		for (i = 0, nup = 0; i < nnodes; i++) {
			if (engine_node_state(b.e, ids[i]) == NODE_UP)
				nup++;
			else if (engine_node_state(b.e, ids[i]) ==
			    NODE_CONNECTING)
				break;
		}
		if (i == nnodes)
			break;
	}
	tconn = bench_now() - t0;
	rss1 = bench_rss_kb();

	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "command", command);
	cJSON_AddNumberToObject(o, "nodes", (double)nnodes);
	cJSON_AddNumberToObject(o, "up", (double)nup);
	cJSON_AddNumberToObject(o, "connect_s", tconn);
	cJSON_AddNumberToObject(o, "rss_before_kb", (double)rss0);
	cJSON_AddNumberToObject(o, "rss_connected_kb", (double)rss1);
	cJSON_AddNumberToObject(o, "rss_per_node_kb",
	    nup > 0 ? (double)(rss1 - rss0) / (double)nup : 0);
	rounds = cJSON_AddArrayToObject(o, "rounds");
	if (!json)
		printf("nodes %zu, up %zu, connect %.3f s, RSS %ld kB -> %ld kB "
		    "(%.1f kB/node)\n", nnodes, nup, tconn, rss0, rss1,
		    nup > 0 ? (double)(rss1 - rss0) / (double)nup : 0.0);

	times = calloc((size_t)nrounds, sizeof *times);
	if (times == NULL)
		abort();
	cliopt_run_spec(&opt, &run, command, "bench", &spec);
	for (k = 0; k < nrounds; k++) {
		/*
		 * Nodes lost since the last round: reconnect them first. A
		 * node already CONNECTING is restarted too: its attempt may
		 * have begun before --between healed the fault (a SYN sent
		 * into a cut link is retransmitted only after 1 s, then 3 s),
		 * and the round must not inherit an attempt that is doomed.
		 */
		for (i = 0, nlost = 0; k > 0 && i < nnodes; i++) {
			if (engine_node_state(b.e, ids[i]) != NODE_UP) {
				engine_reconnect(b.e, ids[i]);
				nlost++;
			}
		}
		while (nlost > 0) {
			engine_run_once(b.e, 100);
			for (i = 0; i < nnodes; i++) {
				if (engine_node_state(b.e, ids[i]) ==
				    NODE_CONNECTING)
					break;
			}
			if (i == nnodes)
				break;
		}
		t0 = bench_now();
		if ((job = engine_job_start(b.e, &spec, &cause)) == 0) {
			fprintf(stderr, "clustertop bench: %s\n", cause);
			free(cause);
			status = 1;
			break;
		}
		while (!engine_job_finished(b.e, job))
			engine_run_once(b.e, 1000);
		t = bench_now() - t0;
		times[k] = t;
		sum += t;
		ok = 0;
		status_round = 0;
		for (i = 0; i < nnodes; i++) {
			r = engine_job_result(b.e, job, ids[i]);
			if (r == NULL)
				continue;
			if (r->state == JOB_NODE_DONE && r->exit_status == 0)
				ok++;
			status_round = exec_combine_status(status_round, r);
			if (b.verbose && (s = exec_node_message(
			    engine_node_name(b.e, ids[i]), r)) != NULL) {
				fprintf(stderr, "%s\n", s);
				free(s);
			}
		}
		status = status_round;
		engine_job_release(b.e, job);
		ro = cJSON_CreateObject();
		cJSON_AddNumberToObject(ro, "round", k + 1);
		cJSON_AddNumberToObject(ro, "seconds", t);
		cJSON_AddNumberToObject(ro, "ok", (double)ok);
		cJSON_AddNumberToObject(ro, "failed", (double)(nnodes - ok));
		cJSON_AddItemToArray(rounds, ro);
		if (!json)
			printf("round %3d  %8.4f s  ok %zu/%zu\n", k + 1, t, ok,
			    nnodes);
		fflush(stdout);
		if (between != NULL && k + 1 < nrounds) {
			if (system(between) != 0 && b.verbose)
				fprintf(stderr, "clustertop bench: --between "
				    "command failed\n");
			/* Let the loop notice what the command did. */
			engine_run_once(b.e, 50);
		}
	}
	if (k > 0) {
		qsort(times, (size_t)k, sizeof *times, bench_cmp);
		cJSON_AddNumberToObject(o, "min_s", times[0]);
		cJSON_AddNumberToObject(o, "median_s", k % 2 ? times[k / 2] :
		    (times[k / 2 - 1] + times[k / 2]) / 2);
		cJSON_AddNumberToObject(o, "mean_s", sum / k);
		cJSON_AddNumberToObject(o, "max_s", times[k - 1]);
		if (!json)
			printf("min %.4f s  median %.4f s  mean %.4f s  max "
			    "%.4f s\n", times[0], k % 2 ? times[k / 2] :
			    (times[k / 2 - 1] + times[k / 2]) / 2, sum / k,
			    times[k - 1]);
	}
	cJSON_AddNumberToObject(o, "rss_end_kb", (double)bench_rss_kb());
	if (json && (s = cJSON_Print(o)) != NULL) {
		printf("%s\n", s);
		free(s);
	}
	cJSON_Delete(o);
	cliopt_run_free(&run);
	free(times);
	free(command);
	return (status);
}
