/*
 * cmd-nvme.c -- `clustertop nvme scan | wipe`: the instance-store devices
 * of every node, and cleaning them for a new filesystem, safely.
 *
 * scan  runs one read-only command on every node (nvme_scan_command) and
 *       shows each selected device: size, model, what is on it (partitions,
 *       signatures, LVM), its mounts, and what a wipe would do.
 * wipe  shows the exact plan of every node first (nodes with the same plan
 *       are shown once, under their folded names), then needs -y and
 *       --confirm N, N being the number of devices the plan wipes in all.
 *       Just before running, it scans again and skips any node whose plan
 *       changed; then it runs each node's commands (one job per node,
 *       label "nvme wipe" in the audit log), prints every command with its
 *       node as it ran, scans a third time to check that the wiped devices
 *       are clean, and prints a summary.
 *
 * Exit status: 0 when every planned wipe succeeded (refused devices are
 * reported, not errors); 1 when a wipe failed or left signatures; 255 when
 * a node could not be scanned; 2 usage, including a --confirm count that
 * does not match the plan.
 */

#include <sys/types.h>

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cliopt.h"
#include "cmd.h"
#include "cmd-exec.h"
#include "engine.h"
#include "hostlist.h"
#include "inventory.h"
#include "nvme.h"

#define NVME_OUTPUT_CAP		(8UL * 1024 * 1024)
#define NVME_SCAN_TIMEOUT_MS	120000
#define NVME_EXIT_NODE		255
#define NVME_EXIT_INTERRUPT	130

struct nvme_node {
	const char	*name;
	int		 id;		/* engine node id */
	struct nvme_plan plan;
	int		 scanned;	/* plan is valid */
	char		*error;		/* why the node could not be scanned */
	uint32_t	 job;		/* wipe job */
	int		 skip;		/* plan changed before the wipe */
};

struct nvme_ctx {
	struct engine		*e;
	struct nvme_node	*nodes;
	size_t			 n;
	struct nvme_select	 sel;
	int			 timeout_ms;
	int			 fanout;
};

static volatile sig_atomic_t nvme_interrupted;
static volatile sig_atomic_t nvme_was_interrupted;	/* exit 130 at the end */

static void
nvme_sigint(int sig)
{
	(void)sig;
	nvme_interrupted++;
	nvme_was_interrupted = 1;
}

static void
nvme_usage(FILE *f)
{
	fprintf(f,
	    "usage: clustertop nvme scan [-w HOSTS] [-x HOSTS] "
	    "[--select model=STRING|list=FILE] [--raw]\n"
	    "       clustertop nvme wipe [--dry-run] [-y --confirm N] "
	    "[-w HOSTS] [-x HOSTS]\n"
	    "                            [--select model=STRING|list=FILE]\n"
	    "  --select   instance-store devices: by lsblk model, or the devices "
	    "listed in\n"
	    "             FILE on each node (default: %s if the node has it,\n"
	    "             else model \"%s\")\n"
	    "  --dry-run  show the plan and stop\n"
	    "  -y --confirm N   wipe; N must be the number of devices the plan "
	    "wipes\n"
	    "  --raw      print each node's scan output as it came (for bug "
	    "reports)\n"
	    "%s", NVME_DEFAULT_LIST, NVME_DEFAULT_MODEL, cliopt_usage());
}

/* Run one job on the nodes (all, or only those with a command) and wait. */
static int
nvme_wait_jobs(struct nvme_ctx *x, uint32_t *jobs, size_t njobs)
{
	size_t	i;
	int	done;

	for (;;) {
		for (done = 1, i = 0; i < njobs; i++) {
			if (jobs[i] != 0 && !engine_job_finished(x->e, jobs[i]))
				done = 0;
		}
		if (done)
			return (0);
		if (nvme_interrupted && x->e != NULL) {
			for (i = 0; i < njobs; i++) {
				if (jobs[i] != 0)
					engine_job_cancel(x->e, jobs[i]);
			}
			nvme_interrupted = 0;
			fprintf(stderr, "clustertop nvme: interrupted; stopping "
			    "the remote commands\n");
		}
		if (engine_run_once(x->e, 500) != 0)
			return (-1);
	}
}

/* Scan every node and build its plan; RAW prints the output as it came. */
static int
nvme_scan_all(struct nvme_ctx *x, int raw)
{
	struct engine_job_spec		 spec;
	const struct engine_job_result	*r;
	struct nvme_node		*nn;
	char				*cmd, *cause = NULL, *msg;
	int				*ids;
	uint32_t			 job;
	size_t				 i;

	cmd = nvme_scan_command(&x->sel);
	ids = calloc(x->n, sizeof *ids);
	if (ids == NULL)
		abort();
	for (i = 0; i < x->n; i++)
		ids[i] = x->nodes[i].id;
	memset(&spec, 0, sizeof spec);
	spec.command = cmd;
	spec.nodes = ids;
	spec.nnodes = x->n;
	spec.timeout_ms = x->timeout_ms > 0 ? x->timeout_ms :
	    NVME_SCAN_TIMEOUT_MS;
	spec.fanout = x->fanout;
	spec.label = "nvme scan";
	if ((job = engine_job_start(x->e, &spec, &cause)) == 0) {
		fprintf(stderr, "clustertop nvme: %s\n", cause);
		free(cause);
		free(cmd);
		free(ids);
		return (-1);
	}
	if (nvme_wait_jobs(x, &job, 1) != 0) {
		free(cmd);
		free(ids);
		return (-1);
	}
	for (i = 0; i < x->n; i++) {
		nn = &x->nodes[i];
		nvme_plan_free(&nn->plan);
		free(nn->error);
		nn->error = NULL;
		nn->scanned = 0;
		r = engine_job_result(x->e, job, nn->id);
		if (raw && r != NULL) {
			printf("==> %s <==\n", nn->name);
			fwrite(r->out, 1, r->outlen, stdout);
			if (r->errlen != 0) {
				printf("==> %s stderr <==\n", nn->name);
				fwrite(r->err, 1, r->errlen, stdout);
			}
		}
		if (r == NULL || r->state != JOB_NODE_DONE) {
			msg = r != NULL ? exec_node_message(nn->name, r) : NULL;
			nn->error = msg != NULL ? msg : strdup("no result");
			continue;
		}
		nvme_plan_build(r->out, r->outlen, &x->sel, &nn->plan);
		if (nn->plan.error != NULL) {
			if (asprintf(&nn->error, "clustertop nvme: %s: %s%s",
			    nn->name, nn->plan.error, r->out_truncated ?
			    " (output truncated)" : "") == -1)
				abort();
			continue;
		}
		nn->scanned = 1;
	}
	engine_job_release(x->e, job);
	free(cmd);
	free(ids);
	return (0);
}

/* One node's plan as text (without the node's name). */
static char *
nvme_plan_text(const struct nvme_plan *plan)
{
	const struct nvme_dev	*d;
	char			*buf = NULL, sz[32];
	size_t			 len = 0, i, j;
	FILE			*f;

	if ((f = open_memstream(&buf, &len)) == NULL)
		abort();
	if (plan->ndevs == 0)
		fprintf(f, "  no instance-store device (%s)\n", plan->selection);
	for (i = 0; i < plan->ndevs; i++) {
		d = &plan->devs[i];
		fprintf(f, "  %s", d->path != NULL ? d->path : "?");
		if (d->size != 0)
			fprintf(f, "  %s", nvme_format_size(d->size, sz,
			    sizeof sz));
		fprintf(f, "  %s", d->content);
		if (d->mounts != NULL)
			fprintf(f, "  (mounted: %s)", d->mounts);
		switch (d->action) {
		case NVME_WIPE:
			fprintf(f, "\n    wipe:\n");
			for (j = 0; j < d->ncmds; j++)
				fprintf(f, "      %s\n", d->cmds[j]);
			break;
		case NVME_REFUSE:
			fprintf(f, "\n    REFUSED: %s\n", d->reason);
			break;
		default:
			fprintf(f, "\n    nothing to do: %s\n", d->reason);
			break;
		}
	}
	fclose(f);
	return (buf);
}

/* Print the plans, nodes with the same plan together; returns devices to wipe. */
static size_t
nvme_print_plans(struct nvme_ctx *x)
{
	char		**texts, *folded;
	const char	**names;
	size_t		  i, j, k, total = 0;
	int		 *done;

	texts = calloc(x->n, sizeof *texts);
	names = calloc(x->n, sizeof *names);
	done = calloc(x->n, sizeof *done);
	if (texts == NULL || names == NULL || done == NULL)
		abort();
	for (i = 0; i < x->n; i++) {
		if (x->nodes[i].scanned) {
			texts[i] = nvme_plan_text(&x->nodes[i].plan);
			total += nvme_plan_count(&x->nodes[i].plan, NVME_WIPE);
		}
	}
	/* Nodes with nothing to do at all: one line. */
	for (k = 0, i = 0; i < x->n; i++) {
		if (texts[i] != NULL && x->nodes[i].plan.ndevs != 0 &&
		    nvme_plan_count(&x->nodes[i].plan, NVME_NOTHING) ==
		    x->nodes[i].plan.ndevs) {
			done[i] = 1;
			names[k++] = x->nodes[i].name;
		}
	}
	if (k != 0) {
		folded = hostlist_fold_names(names, k);
		printf("%s: nothing to do (instance store already clean: no "
		    "signatures, no partitions, not in LVM)\n", folded != NULL ?
		    folded : "?");
		free(folded);
	}
	for (i = 0; i < x->n; i++) {
		if (texts[i] == NULL || done[i])
			continue;
		for (k = 0, j = i; j < x->n; j++) {
			if (texts[j] != NULL && !done[j] &&
			    strcmp(texts[i], texts[j]) == 0) {
				done[j] = 1;
				names[k++] = x->nodes[j].name;
			}
		}
		folded = hostlist_fold_names(names, k);
		printf("%s (%s):\n%s", folded != NULL ? folded : "?",
		    x->nodes[i].plan.selection, texts[i]);
		free(folded);
	}
	for (i = 0; i < x->n; i++) {
		if (x->nodes[i].error != NULL)
			fprintf(stderr, "%s\n", x->nodes[i].error);
		free(texts[i]);
	}
	free(texts);
	free(names);
	free(done);
	fflush(stdout);
	return (total);
}

/* `nvme scan`: one line per device. */
static void
nvme_print_scan(struct nvme_ctx *x)
{
	const struct nvme_dev	*d;
	struct nvme_node	*nn;
	char			 sz[32];
	size_t			 i, j;

	printf("%-10s %-14s %9s  %-34s %-8s %s\n", "NODE", "DEVICE", "SIZE",
	    "CONTENT", "PLAN", "MOUNTS / MODEL / REASON");
	for (i = 0; i < x->n; i++) {
		nn = &x->nodes[i];
		if (!nn->scanned)
			continue;
		if (nn->plan.ndevs == 0)
			printf("%-10s %-14s %9s  %-34s %-8s %s\n", nn->name, "-",
			    "-", "-", "-", "no instance-store device");
		for (j = 0; j < nn->plan.ndevs; j++) {
			d = &nn->plan.devs[j];
			printf("%-10s %-14s %9s  %-34s %-8s", nn->name,
			    d->path != NULL ? d->path : "?", d->size != 0 ?
			    nvme_format_size(d->size, sz, sizeof sz) : "-",
			    d->content, d->action == NVME_WIPE ? "wipe" :
			    d->action == NVME_REFUSE ? "refuse" : "clean");
			if (d->mounts != NULL)
				printf(" mounted: %s;", d->mounts);
			if (d->model != NULL)
				printf(" %s;", d->model);
			if (d->action == NVME_REFUSE)
				printf(" %s", d->reason);
			printf("\n");
		}
	}
	for (i = 0; i < x->n; i++) {
		if (x->nodes[i].error != NULL)
			fprintf(stderr, "%s\n", x->nodes[i].error);
	}
	fflush(stdout);
}

struct nvme_result {
	struct nvme_node	*nn;
	size_t			 ok, failed;
};

static void
nvme_result_cb(const char *dev, int status, void *arg)
{
	struct nvme_result	*res = arg;

	if (status == 0)
		res->ok++;
	else {
		res->failed++;
		printf("%s: %s: wipe FAILED (status %d)\n", res->nn->name, dev,
		    status);
	}
}

/* Print OUT's lines with the node's name in front, pdsh style. */
static void
nvme_print_prefixed(const char *name, const char *out, size_t len,
    FILE *f)
{
	const char	*p = out, *end = out + len, *nl;
	size_t		 i;

	while (p < end) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		if (nl - p < 5 || memcmp(p, "@@ct ", 5) != 0) {
			fprintf(f, "%s: ", name);
			for (i = 0; i < (size_t)(nl - p); i++) {
				if ((unsigned char)p[i] < 0x20 && p[i] != '\t')
					fputc('?', f);
				else
					fputc(p[i], f);
			}
			fputc('\n', f);
		}
		p = nl + 1;
	}
}

static int
nvme_wipe(struct nvme_ctx *x, struct nvme_plan *shown, size_t total)
{
	const struct engine_job_result	*r;
	struct engine_job_spec		 spec;
	struct nvme_node		*nn;
	struct nvme_result		 res;
	uint32_t			*jobs;
	char				*cmd, *cause = NULL, *msg;
	size_t				 i, j, ok = 0, failed = 0, nodes = 0;
	size_t				 dirty = 0, skipped = 0;
	int				 status = 0;

	/* Scan again: run only what was shown. */
	if (nvme_scan_all(x, 0) != 0)
		return (1);
	for (i = 0; i < x->n; i++) {
		nn = &x->nodes[i];
		if (nvme_plan_count(&shown[i], NVME_WIPE) == 0)
			continue;
		if (!nn->scanned || !nvme_plan_same(&shown[i], &nn->plan)) {
			nn->skip = 1;
			skipped += nvme_plan_count(&shown[i], NVME_WIPE);
			fprintf(stderr, "clustertop nvme: %s: %s; not wiped\n",
			    nn->name, nn->scanned ? "the devices changed since "
			    "the plan was shown" : "could not scan it again");
			status = 1;
		}
	}
	jobs = calloc(x->n, sizeof *jobs);
	if (jobs == NULL)
		abort();
	for (i = 0; i < x->n; i++) {
		nn = &x->nodes[i];
		if (nn->skip || !nn->scanned ||
		    (cmd = nvme_wipe_command(&nn->plan)) == NULL)
			continue;
		memset(&spec, 0, sizeof spec);
		spec.command = cmd;
		spec.nodes = &nn->id;
		spec.nnodes = 1;
		spec.timeout_ms = x->timeout_ms > 0 ? x->timeout_ms : -1;
		spec.label = "nvme wipe";
		if ((jobs[i] = engine_job_start(x->e, &spec, &cause)) == 0) {
			fprintf(stderr, "clustertop nvme: %s: %s\n", nn->name,
			    cause);
			free(cause);
			cause = NULL;
			status = 1;
		}
		free(cmd);
		nodes++;
	}
	if (nvme_wait_jobs(x, jobs, x->n) != 0) {
		free(jobs);
		return (1);
	}
	for (i = 0; i < x->n; i++) {
		nn = &x->nodes[i];
		if (jobs[i] == 0)
			continue;
		r = engine_job_result(x->e, jobs[i], nn->id);
		if (r == NULL)
			continue;
		nvme_print_prefixed(nn->name, r->out, r->outlen, stdout);
		nvme_print_prefixed(nn->name, r->err, r->errlen, stderr);
		memset(&res, 0, sizeof res);
		res.nn = nn;
		nvme_wipe_results(r->out, r->outlen, nvme_result_cb, &res);
		ok += res.ok;
		failed += res.failed;
		j = nvme_plan_count(&nn->plan, NVME_WIPE);
		if (res.ok + res.failed < j) {
			msg = exec_node_message(nn->name, r);
			fprintf(stderr, "%s\n", msg != NULL ? msg :
			    "clustertop nvme: the wipe script did not finish");
			free(msg);
			failed += j - res.ok - res.failed;
		}
		engine_job_release(x->e, jobs[i]);
	}
	free(jobs);
	fflush(stdout);

	/* Scan a third time: a wiped device must now be clean. */
	if (nvme_scan_all(x, 0) == 0) {
		for (i = 0; i < x->n; i++) {
			nn = &x->nodes[i];
			for (j = 0; j < shown[i].ndevs; j++) {
				const struct nvme_dev	*a = &shown[i].devs[j];
				size_t			 k;

				if (a->action != NVME_WIPE || nn->skip)
					continue;
				for (k = 0; k < nn->plan.ndevs; k++) {
					if (nn->plan.devs[k].path != NULL &&
					    strcmp(nn->plan.devs[k].path,
					    a->path) == 0)
						break;
				}
				if (k == nn->plan.ndevs || !nn->scanned ||
				    nn->plan.devs[k].action != NVME_NOTHING) {
					dirty++;
					printf("%s: %s: NOT clean after the "
					    "wipe: %s\n", nn->name, a->path,
					    k < nn->plan.ndevs ?
					    nn->plan.devs[k].content :
					    "cannot check");
				}
			}
		}
	}
	printf("nvme: wiped %zu of %zu devices on %zu node%s; %zu failed, %zu "
	    "skipped, %zu not clean afterwards\n", ok, total, nodes,
	    nodes == 1 ? "" : "s", failed, skipped, dirty);
	if (failed != 0 || dirty != 0)
		status = 1;
	return (status);
}

int
cmd_nvme_main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "select", required_argument, NULL, 'S' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "confirm", required_argument, NULL, 'C' },
		{ "raw", no_argument, NULL, 'R' },
		{ "help", no_argument, NULL, 'h' },
		CLIOPT_LONG,
		{ NULL, 0, NULL, 0 }
	};
	struct nvme_ctx		 x;
	struct cliopt		 opt;
	struct engine_config	 cfg;
	struct inventory	*inv = NULL;
	struct sigaction	 sa, oldint, oldterm, oldhup;
	struct nvme_plan	*shown = NULL;
	const char		*sub;
	char			*cause = NULL, *end;
	int			 ch, rc, yes = 0, dry = 0, raw = 0, status = 0;
	int			*ids = NULL;
	long			 confirm = -1;
	size_t			 i, total, nerr = 0;

	if (argc < 2 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "--help") == 0) {
		nvme_usage(argc < 2 ? stderr : stdout);
		return (argc < 2 ? CT_EXIT_USAGE : 0);
	}
	sub = argv[1];
	if (strcmp(sub, "scan") != 0 && strcmp(sub, "wipe") != 0) {
		fprintf(stderr, "clustertop nvme: unknown command '%s'\n", sub);
		nvme_usage(stderr);
		return (CT_EXIT_USAGE);
	}
	memset(&x, 0, sizeof x);
	cliopt_init(&opt);
	argc--;
	argv++;
	optind = 1;
	while ((ch = getopt_long(argc, argv, CLIOPT_SHORT "yh", longopts,
	    NULL)) != -1) {
		rc = cliopt_handle(&opt, ch, optarg, &cause);
		if (rc == 1)
			continue;
		if (rc == -1)
			goto bad;
		switch (ch) {
		case 'S':
			if (nvme_select_parse(optarg, &x.sel, &cause) != 0)
				goto bad;
			break;
		case 'n':
			dry = 1;
			break;
		case 'y':
			yes = 1;
			break;
		case 'C':
			errno = 0;
			confirm = strtol(optarg, &end, 10);
			if (errno != 0 || *end != '\0' || end == optarg ||
			    confirm < 0) {
				fprintf(stderr, "clustertop nvme: --confirm "
				    "%s: not a count\n", optarg);
				return (CT_EXIT_USAGE);
			}
			break;
		case 'R':
			raw = 1;
			break;
		case 'h':
			nvme_usage(stdout);
			return (0);
		default:
			nvme_usage(stderr);
			return (CT_EXIT_USAGE);
		}
	}
	if (optind != argc) {
		fprintf(stderr, "clustertop nvme: unexpected argument '%s'\n",
		    argv[optind]);
		return (CT_EXIT_USAGE);
	}
	if (strcmp(sub, "scan") == 0 && (yes || dry || confirm != -1)) {
		fprintf(stderr, "clustertop nvme: -y, --confirm and --dry-run "
		    "are for wipe\n");
		return (CT_EXIT_USAGE);
	}
	if (strcmp(sub, "wipe") == 0 && !dry && yes != (confirm != -1)) {
		fprintf(stderr, "clustertop nvme: wipe needs both -y and "
		    "--confirm N (or --dry-run)\n");
		return (CT_EXIT_USAGE);
	}
	x.timeout_ms = opt.command_timeout_ms;
	x.fanout = opt.fanout;

	if (cliopt_nodes(&opt, &inv, &cause) != 0) {
		fprintf(stderr, "clustertop nvme: %s\n", cause != NULL ? cause :
		    "no nodes");
		free(cause);
		return (CT_EXIT_USAGE);
	}
	cliopt_engine_config(&opt, &cfg);
	cfg.reconnect = 0;
	cfg.output_cap = NVME_OUTPUT_CAP;
	if ((x.e = engine_create(&cfg, &cause)) == NULL) {
		fprintf(stderr, "clustertop nvme: %s\n", cause);
		free(cause);
		inventory_free(inv);
		return (1);
	}
	ids = cliopt_add_nodes(x.e, inv);
	x.n = inv->nnodes;
	x.nodes = calloc(x.n, sizeof *x.nodes);
	if (x.nodes == NULL)
		abort();
	for (i = 0; i < x.n; i++) {
		x.nodes[i].id = ids[i];
		x.nodes[i].name = engine_node_name(x.e, ids[i]);
	}

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = nvme_sigint;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &oldint);
	sigaction(SIGTERM, &sa, &oldterm);
	sigaction(SIGHUP, &sa, &oldhup);	/* as Ctrl-C: stop the remote side */
	engine_connect(x.e, -1);

	if (nvme_scan_all(&x, raw) != 0) {
		status = 1;
		goto out;
	}
	for (i = 0; i < x.n; i++)
		nerr += x.nodes[i].error != NULL;
	if (raw)
		goto out;
	if (strcmp(sub, "scan") == 0) {
		nvme_print_scan(&x);
		status = nerr != 0 ? NVME_EXIT_NODE : 0;
		goto out;
	}

	total = nvme_print_plans(&x);
	if (nerr != 0)
		fprintf(stderr, "clustertop nvme: %zu node%s could not be "
		    "scanned and will not be touched\n", nerr, nerr == 1 ? "" :
		    "s");
	if (total == 0) {
		printf("nvme: nothing to do: no device needs wiping\n");
		status = nerr != 0 ? NVME_EXIT_NODE : 0;
		goto out;
	}
	if (dry) {
		printf("nvme: dry run: %zu device%s would be wiped; to wipe: "
		    "clustertop nvme wipe -y --confirm %zu ...\n", total,
		    total == 1 ? "" : "s", total);
		goto out;
	}
	if (!yes) {
		fprintf(stderr, "clustertop nvme: not wiping: to wipe the %zu "
		    "device%s above, add -y --confirm %zu\n", total,
		    total == 1 ? "" : "s", total);
		status = CT_EXIT_USAGE;
		goto out;
	}
	if ((size_t)confirm != total) {
		fprintf(stderr, "clustertop nvme: refusing: --confirm %ld, but "
		    "the plan above wipes %zu device%s\n", confirm, total,
		    total == 1 ? "" : "s");
		status = CT_EXIT_USAGE;
		goto out;
	}
	/* Keep the plans that were shown; the wipe rescans into x.nodes. */
	shown = calloc(x.n, sizeof *shown);
	if (shown == NULL)
		abort();
	for (i = 0; i < x.n; i++) {
		shown[i] = x.nodes[i].plan;
		memset(&x.nodes[i].plan, 0, sizeof x.nodes[i].plan);
		if (!x.nodes[i].scanned)
			memset(&shown[i], 0, sizeof shown[i]);
	}
	status = nvme_wipe(&x, shown, total);
	if (status == 0 && nerr != 0)
		status = NVME_EXIT_NODE;

out:
	if (nvme_was_interrupted)
		status = NVME_EXIT_INTERRUPT;
	sigaction(SIGINT, &oldint, NULL);
	sigaction(SIGTERM, &oldterm, NULL);
	sigaction(SIGHUP, &oldhup, NULL);
	engine_free(x.e);
	for (i = 0; i < x.n; i++) {
		nvme_plan_free(&x.nodes[i].plan);
		free(x.nodes[i].error);
		if (shown != NULL)
			nvme_plan_free(&shown[i]);
	}
	free(shown);
	free(x.nodes);
	free(ids);
	inventory_free(inv);
	return (status);

bad:
	fprintf(stderr, "clustertop nvme: %s\n", cause);
	free(cause);
	return (CT_EXIT_USAGE);
}
