/*
 * cmd-test.c -- `clustertop test mpi | slurm`: phases 8 and 9 on their own.
 *
 * `test mpi` and `test slurm` run the phases named "mpi" and "slurm" of
 * the phases file (the same steps, output and audit records as `phase run
 * 8|9`), without confirmation since they change nothing but a test
 * directory. Phase 9's work is `test slurm-jobs`, also here: it submits
 * one batch job pinned to each node and one across all of them through the
 * Slurm helper process (libslurm never runs in this process), follows
 * their states, prints their output, and ends with one "passed: NODE" or
 * "FAILED: NODE" line per node.
 */

#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <getopt.h>
#include <pwd.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "client.h"
#include "cmd.h"
#include "hostlist.h"
#include "inventory.h"
#include "phase.h"

#define TEST_HELPER_TIMEOUT_MS	60000
#define TEST_PING_TIMEOUT_MS	10000	/* the controller check before submitting */

struct test_job {
	const char	*node;		/* NULL: the job across all nodes */
	long		 id;
	char		*state;
	char		*ran_on;
	char		*stdout_path;
	int		 finished;
	int		 exit_code;
	int		 ok;
};

static void
test_usage(FILE *f)
{
	fprintf(f,
	    "usage: clustertop test mpi [-w HOSTS] [-x HOSTS] [--set N=V] "
	    "[-v] [-q] ...\n"
	    "       clustertop test slurm [-w HOSTS] [-x HOSTS] [--set N=V] "
	    "[-v] [-q] ...\n"
	    "       clustertop test slurm-jobs -w HOSTS --dir DIR [--time MIN] "
	    "[--partition P] [--as USER]\n"
	    "  mpi    phase 8: an MPI hello world across the idle nodes "
	    "(sbatch + srun --mpi=pmix)\n"
	    "  slurm  phase 9: a job on every node and one across all "
	    "(libslurm)\n");
}

static char *
test_json_string(cJSON *o, const char *key)
{
	const char	*s;

	s = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, key));
	return (s != NULL ? strdup(s) : NULL);
}

/*
 * 0 when the controller lists its nodes within the Slurm timeout (at
 * least TEST_PING_TIMEOUT_MS), else -1 with *cause.
 */
static int
test_controller_answers(char **cause)
{
	const char	*args[] = { "nodes", NULL };
	char		*line = NULL;
	int		 ms = inventory_slurm_timeout();

	if (ms < TEST_PING_TIMEOUT_MS)
		ms = TEST_PING_TIMEOUT_MS;
	if (slurm_helper_run(args, ms, &line, cause) != 0)
		return (-1);
	free(line);
	return (0);
}

/* Submit one job through the helper; returns the id or -1. */
static long
test_submit(const char *nodelist, size_t nnodes, const char *script,
    const char *dir, const char *name, const char *time_limit,
    const char *partition, const char *as_user)
{
	char		 nn[32], out[4096], *line = NULL, *cause = NULL;
	const char	*args[24];
	cJSON		*o;
	size_t		 a = 0;
	long		 id = -1;

	snprintf(nn, sizeof nn, "%zu", nnodes);
	snprintf(out, sizeof out, "%s/slurm-test-%%j.out", dir);
	args[a++] = "submit";
	args[a++] = "--nodes";
	args[a++] = nn;
	args[a++] = "--nodelist";
	args[a++] = nodelist;
	args[a++] = "--ntasks-per-node";
	args[a++] = "1";
	args[a++] = "--script";
	args[a++] = script;
	args[a++] = "--output";
	args[a++] = out;
	args[a++] = "--name";
	args[a++] = name;
	args[a++] = "--workdir";
	args[a++] = dir;
	if (time_limit != NULL) {
		args[a++] = "--time";
		args[a++] = time_limit;
	}
	if (partition != NULL) {
		args[a++] = "--partition";
		args[a++] = partition;
	}
	if (as_user != NULL) {
		args[a++] = "--uid";
		args[a++] = as_user;
	}
	args[a] = NULL;
	if (slurm_helper_run(args, TEST_HELPER_TIMEOUT_MS, &line,
	    &cause) != 0) {
		printf("submit for %s failed: %s\n", nodelist,
		    cause != NULL ? cause : "?");
		free(cause);
		return (-1);
	}
	o = cJSON_Parse(line);
	if (cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(o, "job_id")) &&
	    cJSON_GetObjectItemCaseSensitive(o, "job_id")->valuedouble > 0 &&
	    cJSON_GetObjectItemCaseSensitive(o, "job_id")->valuedouble <
	    (double)UINT32_MAX)	/* Slurm job ids are uint32_t */
		id = (long)cJSON_GetObjectItemCaseSensitive(o,
		    "job_id")->valuedouble;
	cJSON_Delete(o);
	free(line);
	return (id);
}

/* Poll one job; print its state when it changed. */
static void
test_poll(struct test_job *j)
{
	char		 id[32], *line = NULL, *cause = NULL, *st, *nodes;
	const char	*args[3];
	cJSON		*o, *ec;

	snprintf(id, sizeof id, "%ld", j->id);
	args[0] = "job";
	args[1] = id;
	args[2] = NULL;
	if (slurm_helper_run(args, TEST_HELPER_TIMEOUT_MS, &line,
	    &cause) != 0) {
		printf("job %ld (%s): cannot read its state: %s\n", j->id,
		    j->node != NULL ? j->node : "all nodes",
		    cause != NULL ? cause : "?");
		free(cause);
		j->finished = 1;
		free(j->state);
		j->state = strdup("UNKNOWN");
		return;
	}
	o = cJSON_Parse(line);
	free(line);
	st = test_json_string(o, "state");
	nodes = test_json_string(o, "nodes");
	if (st != NULL && (j->state == NULL || strcmp(st, j->state) != 0)) {
		printf("job %ld (%s): %s%s%s\n", j->id, j->node != NULL ?
		    "one node" : "all nodes", st, nodes != NULL ? " on " : "",
		    nodes != NULL ? nodes : "");
		fflush(stdout);
		free(j->state);
		j->state = st;
		st = NULL;
	}
	if (nodes != NULL) {
		free(j->ran_on);
		j->ran_on = nodes;
		nodes = NULL;
	}
	if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "finished"))) {
		j->finished = 1;
		ec = cJSON_GetObjectItemCaseSensitive(o, "exit_code");
		j->exit_code = cJSON_IsNumber(ec) ? ec->valueint : -1;
		free(j->stdout_path);
		j->stdout_path = test_json_string(o, "stdout");
	}
	free(st);
	free(nodes);
	cJSON_Delete(o);
}

/* Read a small file into a string, or NULL. */
static char *
test_read(const char *path)
{
	FILE	*f;
	char	*buf;
	size_t	 n;

	if (path == NULL || (f = fopen(path, "r")) == NULL)
		return (NULL);
	buf = calloc(1, 65537);
	if (buf == NULL)
		abort();
	n = fread(buf, 1, 65536, f);
	buf[n] = '\0';
	fclose(f);
	return (buf);
}

static int
test_write_script(const char *path, const char *body)
{
	FILE	*f;

	if ((f = fopen(path, "w")) == NULL) {
		printf("cannot write %s: %s\n", path, strerror(errno));
		return (-1);
	}
	fputs(body, f);
	fclose(f);
	chmod(path, 0755);
	return (0);
}

/* `test slurm-jobs -w HOSTS --dir DIR`: phase 9's work. */
static int
test_slurm_jobs(int argc, char **argv)
{
	static const struct option	 longopts[] = {
		{ "dir", required_argument, NULL, 'd' },
		{ "time", required_argument, NULL, 't' },
		{ "partition", required_argument, NULL, 'p' },
		{ "poll", required_argument, NULL, 'i' },
		{ "as", required_argument, NULL, 'a' },
		{ NULL, 0, NULL, 0 }
	};
	struct hostlist		*hl;
	struct passwd		*pw = NULL;
	const char		*as_user = NULL;
	struct test_job		*jobs;
	const char		*wexpr = NULL, *dir = NULL, *tl = NULL;
	const char		*part = NULL;
	char			 one[4096], all[4096], *cause = NULL, *text;
	char			*folded;
	size_t			 n, i, left, npassed = 0;
	int			 ch, poll_ms = 1000, rc = 0;
	time_t			 deadline;

	setvbuf(stdout, NULL, _IOLBF, 0);	/* states show up live */
	optind = 1;
	while ((ch = getopt_long(argc, argv, "w:", longopts, NULL)) != -1) {
		switch (ch) {
		case 'w':
			wexpr = optarg;
			break;
		case 'd':
			dir = optarg;
			break;
		case 't':
			tl = optarg;
			break;
		case 'p':
			part = optarg;
			break;
		case 'a':
			as_user = optarg;
			break;
		case 'i':
			poll_ms = atoi(optarg);
			if (poll_ms < 100)
				poll_ms = 100;
			break;
		default:
			test_usage(stderr);
			return (CT_EXIT_USAGE);
		}
	}
	if (wexpr == NULL || dir == NULL || optind != argc) {
		test_usage(stderr);
		return (CT_EXIT_USAGE);
	}
	/*
	 * --as USER: root submits the jobs on USER's behalf (sbatch --uid),
	 * so phase 9's jobs are the administrator's while clustertop itself
	 * runs as root, from wherever it was built (a build under /root is
	 * not executable by the administrator).
	 */
	if (as_user != NULL) {
		if ((pw = getpwnam(as_user)) == NULL) {
			fprintf(stderr, "clustertop: --as %s: no such user\n",
			    as_user);
			return (CT_EXIT_USAGE);
		}
		if (geteuid() != 0 && pw->pw_uid != geteuid()) {
			fprintf(stderr, "clustertop: --as %s: only root submits "
			    "jobs on another user's behalf\n", as_user);
			return (CT_EXIT_USAGE);
		}
	}
	hl = hostlist_create();
	if (hostlist_add(hl, wexpr, &cause) != 0) {
		fprintf(stderr, "clustertop: -w: %s\n", cause);
		free(cause);
		hostlist_free(hl);
		return (CT_EXIT_USAGE);
	}
	n = hostlist_count(hl);
	if (n == 0) {
		hostlist_free(hl);
		fprintf(stderr, "clustertop: no nodes\n");
		return (CT_EXIT_USAGE);
	}
	folded = hostlist_fold(hl);

	/*
	 * Ask the controller once, with a deadline, before submitting: with
	 * slurmctld down or stopped, every submit would wait out the
	 * helper's timeout in turn (a minute per node).
	 */
	if (test_controller_answers(&cause) != 0) {
		printf("slurmctld does not answer (%s): no job submitted\n",
		    cause != NULL ? cause : "?");
		for (i = 0; i < n; i++)
			printf("FAILED: %s (not submitted: slurmctld does "
			    "not answer)\n", hostlist_get(hl, i));
		printf("0 of %zu nodes ran their job\n", n);
		free(cause);
		free(folded);
		hostlist_free(hl);
		return (1);
	}

	/* The job scripts live in DIR, which the nodes share. */
	snprintf(one, sizeof one, "%s/slurm-test-node.sh", dir);
	snprintf(all, sizeof all, "%s/slurm-test-all.sh", dir);
	if (test_write_script(one,
	    "#!/bin/sh\n"
	    "# clustertop phase 9: one job pinned to one node.\n"
	    "echo \"clustertop slurm test: job $SLURM_JOB_ID ran on "
	    "$(hostname) (allocated $SLURM_JOB_NODELIST)\"\n") != 0 ||
	    test_write_script(all,
	    "#!/bin/sh\n"
	    "# clustertop phase 9: one job across all the nodes.\n"
	    "srun --ntasks-per-node=1 sh -c 'echo \"clustertop slurm test: "
	    "job $SLURM_JOB_ID task $SLURM_PROCID ran on $(hostname)\"'\n")
	    != 0) {
		free(folded);
		hostlist_free(hl);
		return (1);
	}
	/* The test directory stays USER's: so do the scripts in it. */
	if (pw != NULL && (chown(one, pw->pw_uid, pw->pw_gid) != 0 ||
	    chown(all, pw->pw_uid, pw->pw_gid) != 0))
		printf("warning: chown of the job scripts to %s: %s\n",
		    as_user, strerror(errno));

	jobs = calloc(n + 1, sizeof *jobs);
	if (jobs == NULL)
		abort();
	for (i = 0; i < n; i++) {
		jobs[i].node = hostlist_get(hl, i);
		jobs[i].id = test_submit(jobs[i].node, 1, one, dir,
		    "clustertop-test-node", tl, part, as_user);
		if (jobs[i].id > 0)
			printf("submitted job %ld for %s\n", jobs[i].id,
			    jobs[i].node);
		else
			jobs[i].finished = 1;
	}
	jobs[n].node = NULL;
	jobs[n].id = test_submit(folded, n, all, dir, "clustertop-test-all",
	    tl, part, as_user);
	if (jobs[n].id > 0)
		printf("submitted job %ld across %s\n", jobs[n].id, folded);
	else
		jobs[n].finished = 1;
	fflush(stdout);

	/* Follow the states until every job has finished. */
	deadline = time(NULL) + (tl != NULL ? atoi(tl) * 60 + 120 : 1200);
	for (;;) {
		left = 0;
		for (i = 0; i <= n; i++) {
			if (!jobs[i].finished) {
				test_poll(&jobs[i]);
				if (!jobs[i].finished)
					left++;
			}
		}
		if (left == 0 || time(NULL) > deadline)
			break;
		usleep(poll_ms * 1000);
	}

	/* Output, then one verdict line per node. */
	for (i = 0; i <= n; i++) {
		if (jobs[i].id <= 0)
			continue;
		text = test_read(jobs[i].stdout_path);
		printf("--- job %ld output (%s)\n%s", jobs[i].id,
		    jobs[i].stdout_path != NULL ? jobs[i].stdout_path : "?",
		    text != NULL ? text : "(no output file)\n");
		if (i < n) {
			char want[512];
			snprintf(want, sizeof want, "ran on %s ", jobs[i].node);
			jobs[i].ok = jobs[i].finished && jobs[i].state != NULL &&
			    strcmp(jobs[i].state, "COMPLETED") == 0 &&
			    jobs[i].exit_code == 0 && text != NULL &&
			    strstr(text, want) != NULL;
		} else
			jobs[i].ok = jobs[i].finished &&
			    jobs[i].state != NULL &&
			    strcmp(jobs[i].state, "COMPLETED") == 0 &&
			    jobs[i].exit_code == 0;
		if (i == n && text != NULL) {
			/* The all-nodes job must have a task on each node. */
			size_t k;
			for (k = 0; k < n; k++) {
				char want[512];
				snprintf(want, sizeof want, "ran on %s\n",
				    jobs[k].node);
				if (strstr(text, want) == NULL) {
					jobs[n].ok = 0;
					printf("the all-nodes job has no task "
					    "on %s\n", jobs[k].node);
				}
			}
		}
		free(text);
	}
	printf("---\n");
	for (i = 0; i < n; i++) {
		if (jobs[i].ok && jobs[n].ok) {
			printf("passed: %s (job %ld, and job %ld across all)\n",
			    jobs[i].node, jobs[i].id, jobs[n].id);
			npassed++;
		} else {
			printf("FAILED: %s (job %ld: %s%s)\n", jobs[i].node,
			    jobs[i].id, jobs[i].state != NULL ?
			    jobs[i].state : "not submitted",
			    jobs[i].ok ? "; the all-nodes job failed" : "");
			rc = 1;
		}
	}
	printf("%zu of %zu nodes ran their job%s\n", npassed, n,
	    jobs[n].ok ? "; the job across all of them completed" :
	    "; the job across all of them FAILED");
	for (i = 0; i <= n; i++) {
		free(jobs[i].state);
		free(jobs[i].ran_on);
		free(jobs[i].stdout_path);
	}
	free(jobs);
	free(folded);
	hostlist_free(hl);
	return (rc);
}

int
cmd_test_main(int argc, char **argv)
{
	int	status;

	/* slurm-jobs is phase 9's own step: it runs where it is started. */
	if ((argc < 2 || strcmp(argv[1], "slurm-jobs") != 0) &&
	    client_cmd(&argc, argv, &status) == 0)
		return (status);	/* the resident server ran it */
	if (argc < 2) {
		test_usage(stderr);
		return (CT_EXIT_USAGE);
	}
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
		test_usage(stdout);
		return (0);
	}
	if (strcmp(argv[1], "mpi") == 0)
		return (phase_cli_run(argc - 1, argv + 1, "mpi"));
	if (strcmp(argv[1], "slurm") == 0)
		return (phase_cli_run(argc - 1, argv + 1, "slurm"));
	if (strcmp(argv[1], "slurm-jobs") == 0)
		return (test_slurm_jobs(argc - 1, argv + 1));
	fprintf(stderr, "clustertop: test: unknown test '%s'\n", argv[1]);
	test_usage(stderr);
	return (CT_EXIT_USAGE);
}
