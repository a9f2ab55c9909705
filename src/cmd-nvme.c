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
 * The sequence itself (scan, keep the shown plan, rescan, wipe, verify)
 * is nvme-run.c's, the same runner the dashboard's `n` drives: this file
 * parses the options, prints the plans, and prints the runner's log lines
 * as they come (progress on stdout, problems on stderr).
 *
 * Exit status: 0 when every planned wipe succeeded (refused devices are
 * reported, not errors); 1 when a wipe failed or left signatures; 255 when
 * a node could not be scanned; 2 usage, including a --confirm count that
 * does not match the plan.
 */


#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cliopt.h"
#include "client.h"
#include "cmdhost.h"
#include "cmd.h"
#include "engine.h"
#include "hostlist.h"
#include "nvme-run.h"
#include "nvme.h"

#define NVME_OUTPUT_CAP		(8UL * 1024 * 1024)
#define NVME_SCAN_TIMEOUT_MS	120000
#define NVME_EXIT_NODE		255
#define NVME_EXIT_INTERRUPT	130	/* Ctrl-C, SIGTERM or SIGHUP, as a shell reports it */

/* The command's state: the runner does the work, this prints it. */
struct nvme_cli {
	struct nvme_run	 run;
	int		 raw;		/* print the first scan's output as it came */
};

static volatile sig_atomic_t nvme_interrupted;

static void
nvme_sigint(int sig)
{
	(void)sig;
	nvme_interrupted++;
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
nvme_print_plans(struct nvme_run *x)
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
nvme_print_scan(struct nvme_run *x)
{
	const struct nvme_dev	*d;
	struct nvme_run_node	*nn;
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

/* --- the runner's output, printed as it comes ------------------------------ */

static void
nvme_cli_log(enum nvme_log_kind kind, const char *line, void *arg)
{
	(void)arg;
	switch (kind) {
	case NVME_LOG_INFO:
		printf("%s\n", line);
		break;
	case NVME_LOG_STDERR:
		fflush(stdout);
		fprintf(stderr, "%s\n", line);
		break;
	case NVME_LOG_ERROR:
		fflush(stdout);
		fprintf(stderr, strncmp(line, "clustertop", 10) == 0 ? "%s\n" :
		    "clustertop nvme: %s\n", line);
		break;
	}
}

/* --raw: each node's scan output as it came, for bug reports. */
static void
nvme_cli_scan(const struct nvme_run_node *nn,
    const struct engine_job_result *r, void *arg)
{
	struct nvme_cli	*c = arg;

	if (!c->raw)
		return;
	printf("==> %s <==\n", nn->name);
	fwrite(r->out, 1, r->outlen, stdout);
	if (r->errlen != 0) {
		printf("==> %s stderr <==\n", nn->name);
		fwrite(r->err, 1, r->errlen, stdout);
	}
}

static void
nvme_cli_event(const struct engine_event *ev, void *arg)
{
	struct nvme_cli	*c = arg;

	nvme_run_event(&c->run, ev);
}

/* Drive the loop until the runner has nothing in flight; ^C cancels. */
static int
nvme_cli_wait(struct nvme_cli *c)
{
	while (nvme_run_busy(&c->run)) {
		if (nvme_interrupted && !c->run.cancelled) {
			fprintf(stderr, "clustertop nvme: interrupted; stopping "
			    "the remote commands\n");
			nvme_run_cancel(&c->run);
		}
		if (cmdhost_run_once(c->run.e, 500) != 0) {
			fprintf(stderr, "clustertop nvme: event loop failed: "
			    "%s\n", strerror(errno));
			return (-1);
		}
	}
	fflush(stdout);
	return (c->run.cancelled ? -1 : 0);
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
	struct nvme_cli		 c;
	struct cliopt		 opt;
	struct cliopt_run	 run;
	struct engine_config	 cfg;
	struct sigaction	 sa, oldint, oldterm, oldhup;
	const char		*sub;
	char			*cause = NULL, *end;
	int			 ch, yes = 0, dry = 0, status = 0;
	long			 confirm = -1;
	size_t			 total, nerr;

	if (client_cmd(&argc, argv, &status) == 0)
		return (status);	/* the resident server ran it */
	status = 0;
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
	memset(&c, 0, sizeof c);
	nvme_interrupted = 0;	/* a server runs many */
	cliopt_init(&opt);
	argc--;
	argv++;
	optind = 1;
	while ((ch = cliopt_getopt(&opt, "clustertop nvme", argc, argv,
	    CLIOPT_SHORT "yh", longopts)) != -1) {
		switch (ch) {
		case CLIOPT_BAD:
			return (CT_EXIT_USAGE);
		case 'S':
			if (nvme_select_parse(optarg, &c.run.opt.sel,
			    &cause) != 0) {
				fprintf(stderr, "clustertop nvme: %s\n", cause);
				free(cause);
				return (CT_EXIT_USAGE);
			}
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
			c.raw = 1;
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
	c.run.opt.timeout_ms = opt.command_timeout_ms;
	c.run.opt.fanout = opt.fanout;
	c.run.opt.log_cb = nvme_cli_log;
	c.run.opt.scan_cb = nvme_cli_scan;
	c.run.opt.arg = &c;

	cliopt_engine_config(&opt, &cfg);
	cfg.reconnect = 0;
	cfg.output_cap = NVME_OUTPUT_CAP;
	if ((status = cliopt_run_setup(&opt, "clustertop nvme", &cfg,
	    &run)) != 0)
		return (status);
	cmdhost_set_callback(run.e, nvme_cli_event, &c);

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = nvme_sigint;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &oldint);
	sigaction(SIGTERM, &sa, &oldterm);
	sigaction(SIGHUP, &sa, &oldhup);	/* as Ctrl-C: stop the remote side */
	cmdhost_connect_all(run.e);

	/* The scan whose plans are shown. */
	if (nvme_run_scan(&c.run, run.e, run.ids, run.n, &cause) != 0) {
		fprintf(stderr, "clustertop nvme: %s\n", cause);
		free(cause);
		status = 1;
		goto out;
	}
	if (nvme_cli_wait(&c) != 0) {
		status = 1;
		goto out;
	}
	nerr = c.run.nerror;
	if (c.raw)
		goto out;
	if (strcmp(sub, "scan") == 0) {
		nvme_print_scan(&c.run);
		status = nerr != 0 ? NVME_EXIT_NODE : 0;
		goto out;
	}

	total = nvme_print_plans(&c.run);
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
	/*
	 * The runner keeps the plans that were shown, scans again (a node
	 * whose plan changed is skipped), wipes, and scans a third time; its
	 * log lines (each command as it ran, the summary) print as they come.
	 */
	if (nvme_run_wipe(&c.run, confirm, &cause) != 0) {
		fprintf(stderr, "clustertop nvme: %s\n", cause);
		free(cause);
		status = 1;
		goto out;
	}
	nvme_cli_wait(&c);
	status = c.run.failed || c.run.cancelled ? 1 : 0;
	if (status == 0 && nerr != 0)
		status = NVME_EXIT_NODE;
	if (nvme_interrupted)
		status = NVME_EXIT_INTERRUPT;

out:
	fflush(stdout);
	sigaction(SIGINT, &oldint, NULL);
	sigaction(SIGTERM, &oldterm, NULL);
	sigaction(SIGHUP, &oldhup, NULL);
	nvme_run_free(&c.run);
	cliopt_run_free(&run);
	return (status);
}
