/*
 * cmd-phase.c -- `clustertop phase list | show N | run N|all`.
 *
 * list and show read the phases file only. run builds the node lists (the
 * targets from -w/-x or --failed; the whole cluster from Slurm for the
 * host files), prints the dry run, asks for confirmation on a terminal
 * (and refuses without one unless -y), then drives a struct phase_run with
 * the engine's loop and prints progress, each phase's output grouped like
 * dshbak -c, and a summary. `clustertop test mpi|slurm` (cmd-test.c) runs
 * phases 8 and 9 through phase_cli_run() below.
 *
 * Exit status: 0 when every node succeeded, 1 when a node or the head
 * failed (re-run them with --failed), 2 for usage errors and a refused
 * confirmation, 130 after Ctrl-C.
 */

#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cliopt.h"
#include "client.h"
#include "cmdhost.h"
#include "cmd.h"
#include "engine.h"
#include "hostlist.h"
#include "inventory.h"
#include "phase.h"

struct phase_cli {
	struct cliopt		 o;
	const char		*phases_file;
	int			 dry_run;
	int			 yes;
	int			 failed;
	int			 verbose;
	int			 quiet;
	int			 live;		/* output as it arrives */
	char			**pending;	/* live: partial lines per node */
	char			**sets;
	size_t			 nsets;
	struct phase_run	*run;
	int			 last_phase;
	size_t			 nsteps;
	const char		*step_name;
	const struct phase_set	*set;
	int			 previewing;	/* the run is a preview */
};

static volatile sig_atomic_t phase_cli_interrupted;

static void
phase_cli_sigint(int sig)
{
	phase_cli_interrupted++;
}

static void
phase_cli_usage(FILE *f)
{
	fprintf(f,
	    "usage: clustertop phase list [--phases FILE]\n"
	    "       clustertop phase show N|NAME [-v] [--phases FILE]\n"
	    "       clustertop phase run N|NAME|all|N,M,... [--dry-run] [-y] "
	    "[--failed] [-v] [-q]\n"
	    "                            [--set NAME=VALUE]... [--phases FILE] "
	    "[-w HOSTS] [-x HOSTS] ...\n%s"
	    "  --dry-run     show exactly what would run where, then stop\n"
	    "  -y            run without asking (after reading the dry run!)\n"
	    "  --failed      only the nodes that failed the last run of the "
	    "phase\n"
	    "  --set N=V     override a variable of the phases file "
	    "(packages=\"a b\")\n"
	    "  --phases F    the phases file (else $CLUSTERTOP_PHASES, "
	    "./src/phases.json,\n"
	    "                the installed one)\n"
	    "  -v            show output live and the exact command lines\n"
	    "  -q            only the summary lines\n", cliopt_usage());
}

static struct phase_set *
phase_cli_load(const char *explicit)
{
	struct phase_set	*set;
	char			*path, *cause = NULL;

	path = phase_find_file(explicit, &cause);
	if (path == NULL) {
		fprintf(stderr, "clustertop: %s\n", cause);
		free(cause);
		return (NULL);
	}
	set = phase_set_load(path, &cause);
	free(path);
	if (set == NULL) {
		fprintf(stderr, "clustertop: %s\n", cause);
		free(cause);
	}
	return (set);
}

/* --- list and show ------------------------------------------------------------ */

static void
phase_cli_text(const char *text, const char *prefix)
{
	const char	*p, *nl;

	for (p = text; *p != '\0'; p = nl + 1) {
		nl = strchr(p, '\n');
		if (nl == NULL)
			nl = p + strlen(p);
		printf("%s%.*s\n", prefix, (int)(nl - p), p);
		if (*nl == '\0')
			break;
	}
}

static int
phase_cli_list(struct phase_set *set)
{
	size_t	i;

	for (i = 0; i < set->nphases; i++)
		printf("%2d  %-12s %s\n", set->phases[i].number,
		    set->phases[i].name, set->phases[i].title);
	printf("\n(from %s; `clustertop phase show N` for the steps)\n",
	    set->path != NULL ? set->path : "?");
	return (0);
}

static void
phase_cli_show_field(const char *name, const char *value)
{
	if (value == NULL)
		return;
	if (strchr(value, '\n') == NULL ||
	    strchr(value, '\n')[1] == '\0') {
		printf("    %-9s %.*s\n", name, (int)strcspn(value, "\n"),
		    value);
		return;
	}
	printf("    %s\n", name);
	phase_cli_text(value, "      | ");
}

static int
phase_cli_show(struct phase_set *set, const char *which, int verbose)
{
	const struct phase	*ph;
	const struct phase_step	*st;
	size_t			 i, k;
	static const char *const kinds[] = { "run", "block", "file" };

	ph = phase_set_lookup(set, which);
	if (ph == NULL) {
		fprintf(stderr, "clustertop: phase show: no phase '%s' "
		    "(see clustertop phase list)\n", which);
		return (CT_EXIT_USAGE);
	}
	printf("phase %d (%s): %s\n", ph->number, ph->name, ph->title);
	if (ph->description != NULL) {
		printf("\n");
		phase_cli_text(ph->description, "  ");
	}
	printf("\n%s confirmation; %zu step%s (templates; `phase run %d "
	    "--dry-run` shows them expanded):\n", ph->confirm ? "needs" :
	    "runs without", ph->nsteps, ph->nsteps == 1 ? "" : "s",
	    ph->number);
	for (i = 0; i < ph->nsteps; i++) {
		st = &ph->steps[i];
		printf("\n  %zu. %s\n", i + 1, st->name);
		printf("    %-9s %s%s%s\n", "where:", phase_where_name(st->where),
		    st->root ? ", as root" : "", st->test ? ", a test" : "");
		printf("    %-9s %s\n", "kind:", kinds[st->kind]);
		phase_cli_show_field("as:", st->as_user);
		phase_cli_show_field("path:", st->path);
		if (st->marker != NULL)
			printf("    %-9s # BEGIN %s\n", "marker:", st->marker);
		phase_cli_show_field("mode:", st->mode);
		phase_cli_show_field("check:", st->check);
		phase_cli_show_field("command:", st->command);
		phase_cli_show_field("input:", st->input);
		if (!st->secret || verbose)
			phase_cli_show_field("content:", st->content);
		phase_cli_show_field("capture:", st->capture);
		if (st->expect != NULL)
			printf("    %-9s output matches /%s/\n", "success:",
			    st->expect);
		if (st->every_node)
			printf("    %-9s the output names every target "
			    "node%s%s%s\n", "success:", st->lines != NULL ?
			    " (in lines matching /" : "", st->lines != NULL ?
			    st->lines : "", st->lines != NULL ? "/)" : "");
		if (st->nok_exit != 1 || st->ok_exit[0] != 0) {
			printf("    %-9s exit", "success:");
			for (k = 0; k < st->nok_exit; k++)
				printf(" %d", st->ok_exit[k]);
			printf("\n");
		}
		if (st->timeout_s > 0)
			printf("    %-9s %d s\n", "timeout:", st->timeout_s);
	}
	return (0);
}

/* --- run: progress and results ------------------------------------------------- */

static void
phase_cli_engine_event(const struct engine_event *ev, void *arg)
{
	struct phase_cli	*c = arg;

	if (c->run != NULL && phase_run_engine_event(c->run, ev))
		return;
	if (ev->type == ENGINE_EV_LOG && ev->text != NULL && (c->verbose ||
	    strncmp(ev->text, "audit log ", 10) == 0))
		fprintf(stderr, "clustertop: %s\n", ev->text);
}

/* Group the nodes of the phase by identical state, error and output. */
static void
phase_cli_grouped(struct phase_cli *c)
{
	struct phase_run	*r = c->run;
	size_t			 n = phase_run_nnodes(r), i, k, m;
	int			*done;
	const char		**names, *oi, *ok, *ei, *ek;
	size_t			 li, lk;
	char			*folded;

	done = calloc(n, sizeof *done);
	names = calloc(n, sizeof *names);
	if (done == NULL || names == NULL)
		abort();
	for (i = 0; i < n; i++) {
		if (done[i] || !phase_run_node_active(r, i))
			continue;
		oi = phase_run_node_output(r, i, &li);
		ei = phase_run_node_error(r, i);
		m = 0;
		for (k = i; k < n; k++) {
			if (done[k] || !phase_run_node_active(r, k))
				continue;
			ok = phase_run_node_output(r, k, &lk);
			ek = phase_run_node_error(r, k);
			if (k != i && (phase_run_node_state(r, k) !=
			    phase_run_node_state(r, i) || lk != li ||
			    memcmp(ok, oi, li) != 0 || (ei == NULL) !=
			    (ek == NULL) || (ei != NULL && strcmp(ei, ek) != 0)))
				continue;
			done[k] = 1;
			names[m++] = phase_run_node_name(r, k);
		}
		folded = hostlist_fold_names(names, m);
		printf("----------------\n%s (%s)\n----------------\n",
		    folded != NULL ? folded : "?",
		    phase_node_state_name(phase_run_node_state(r, i)));
		free(folded);
		fwrite(oi, 1, li, stdout);
		if (li > 0 && oi[li - 1] != '\n')
			printf("\n");
	}
	free(done);
	free(names);
}

/* One line: "phase 3 (hosts): changed: head; unchanged: node[01-08]". */
static void
phase_cli_summary(struct phase_cli *c, int number)
{
	struct phase_run	*r = c->run;
	static const enum phase_node_state order[] = { PHASE_NODE_CHANGED,
	    PHASE_NODE_UNCHANGED, PHASE_NODE_PASSED, PHASE_NODE_FAILED,
	    PHASE_NODE_SKIPPED };
	size_t			 n = phase_run_nnodes(r), i, k, m, total = 0;
	const char		**names;
	char			*folded;
	int			 changed = 0, failed = 0;

	names = calloc(n, sizeof *names);
	if (names == NULL)
		abort();
	printf("phase %d: ", number);
	for (k = 0; k < sizeof order / sizeof order[0]; k++) {
		for (i = m = 0; i < n; i++) {
			if (phase_run_node_state(r, i) == order[k] &&
			    (phase_run_node_active(r, i) ||
			    order[k] == PHASE_NODE_SKIPPED))
				names[m++] = phase_run_node_name(r, i);
		}
		if (m == 0)
			continue;
		if (order[k] == PHASE_NODE_CHANGED)
			changed = 1;
		if (order[k] == PHASE_NODE_FAILED)
			failed = 1;
		folded = hostlist_fold_names(names, m);
		printf("%s%s %s (%zu)", total > 0 ? "; " : "",
		    phase_node_state_name(order[k]), folded, m);
		free(folded);
		total += m;
	}
	if (total == 0)
		printf("nothing to do");
	else if (!changed && !failed)
		printf(" -- nothing changed");
	printf("\n");
	free(names);
}

/* Print complete lines of live output as "NODE: line". */
static void
phase_cli_live(struct phase_cli *c, int node, const char *data, size_t len)
{
	struct phase_run	*r = c->run;
	const char		*name = phase_run_node_name(r, node);
	char			*p, *nl, *all;
	size_t			 have;

	if (c->pending == NULL) {
		c->pending = calloc(phase_run_nnodes(r), sizeof *c->pending);
		if (c->pending == NULL)
			abort();
	}
	have = c->pending[node] != NULL ? strlen(c->pending[node]) : 0;
	all = malloc(have + len + 1);
	if (all == NULL)
		abort();
	memcpy(all, c->pending[node] != NULL ? c->pending[node] : "", have);
	memcpy(all + have, data, len);
	all[have + len] = '\0';
	free(c->pending[node]);
	c->pending[node] = NULL;
	for (p = all; (nl = strchr(p, '\n')) != NULL; p = nl + 1) {
		*nl = '\0';
		/* The step headers are for the grouped view. */
		if (strncmp(p, "== step ", 8) != 0)
			printf("   %s: %s\n", name, p);
	}
	if (*p != '\0')
		c->pending[node] = strdup(p);
	free(all);
}

static void
phase_cli_event(const struct phase_event *ev, void *arg)
{
	struct phase_cli	*c = arg;
	struct phase_run	*r = c->run;
	const char		*name;

	switch (ev->type) {
	case PHASE_EV_PHASE_START:
		if (!c->quiet)
			printf("\n== %sphase %d: %s\n", c->previewing ?
			    "preview of " : "", ev->phase, ev->text);
		c->last_phase = ev->phase;
		c->nsteps = phase_set_find(c->set, ev->phase)->nsteps;
		break;
	case PHASE_EV_STEP_START:
		c->step_name = phase_set_find(c->set, ev->phase)->
		    steps[ev->step].name;
		if (!c->quiet)
			printf("-- step %d/%zu (%s) on %s\n", ev->step + 1,
			    c->nsteps, c->step_name, ev->text);
		break;
	case PHASE_EV_NODE:
		name = phase_run_node_name(r, ev->node);
		if (ev->state == PHASE_NODE_FAILED && !c->quiet)
			printf("   %s: failed: %s\n", name, ev->text != NULL ?
			    ev->text : "?");
		break;
	case PHASE_EV_OUTPUT:
		if ((c->live || c->previewing) && !c->quiet)
			phase_cli_live(c, ev->node, ev->data, ev->len);
		break;
	case PHASE_EV_PHASE_DONE:
		if (c->previewing)
			break;
		if (!c->quiet && !c->live)
			phase_cli_grouped(c);
		phase_cli_summary(c, ev->phase);
		break;
	case PHASE_EV_DONE:
		if (ev->text != NULL && !c->quiet)
			printf("stopped: %s\n", ev->text);
		break;
	default:
		break;
	}
	fflush(stdout);
}

/* --- run ------------------------------------------------------------------------ */

/* "all", "3", "hosts", "1,3,5", "1-4" -> phase numbers in order. */
static int
phase_cli_numbers(struct phase_set *set, const char *spec, int **out,
    size_t *n)
{
	const struct phase	*ph, *ph2;
	char			*copy, *tok, *save, *dash;
	size_t			 i;
	int			 k;

	*n = 0;
	*out = calloc(set->nphases * 4 + 100, sizeof **out);
	if (*out == NULL)
		abort();
	if (strcmp(spec, "all") == 0) {
		for (i = 0; i < set->nphases; i++)
			(*out)[(*n)++] = set->phases[i].number;
		return (0);
	}
	copy = strdup(spec);
	for (tok = strtok_r(copy, ",", &save); tok != NULL;
	    tok = strtok_r(NULL, ",", &save)) {
		dash = strchr(tok, '-');
		if (dash != NULL && dash != tok) {
			*dash = '\0';
			ph = phase_set_lookup(set, tok);
			ph2 = phase_set_lookup(set, dash + 1);
			if (ph == NULL || ph2 == NULL || ph->number >
			    ph2->number)
				goto bad;
			for (k = ph->number; k <= ph2->number; k++) {
				if (phase_set_find(set, k) != NULL &&
				    *n < set->nphases * 4 + 99)
					(*out)[(*n)++] = k;
			}
			continue;
		}
		ph = phase_set_lookup(set, tok);
		if (ph == NULL)
			goto bad;
		if (*n < set->nphases * 4 + 99)
			(*out)[(*n)++] = ph->number;
	}
	free(copy);
	return (*n > 0 ? 0 : -1);
bad:
	free(copy);
	return (-1);
}

static struct phase_target *
phase_cli_targets(const struct inventory *inv, size_t *n)
{
	struct phase_target	*t;
	size_t			 i;

	t = calloc(inv->nnodes + 1, sizeof *t);
	if (t == NULL)
		abort();
	for (i = 0; i < inv->nnodes; i++) {
		t[i].name = inv->nodes[i].name;
		t[i].addr = inv->nodes[i].addr;
	}
	*n = inv->nnodes;
	return (t);
}

static void
phase_cli_free_run(struct phase_cli *c)
{
	size_t	i;

	if (c->run == NULL)
		return;
	if (c->pending != NULL) {
		for (i = 0; i < phase_run_nnodes(c->run); i++)
			free(c->pending[i]);
		free(c->pending);
		c->pending = NULL;
	}
	phase_run_free(c->run);
	c->run = NULL;
}

/* Drive c->run to its end; its status, or -1 with *cause if it never ran. */
static int
phase_cli_loop(struct phase_cli *c, struct engine *e, char **cause)
{
	if (phase_run_start(c->run, cause) != 0)
		return (-1);
	while (!phase_run_finished(c->run)) {
		if (phase_cli_interrupted == 1) {
			phase_cli_interrupted++;
			fprintf(stderr, "\nclustertop: interrupted: stopping "
			    "the running step\n");
			phase_run_cancel(c->run);
		} else if (phase_cli_interrupted > 3)
			break;
		if (cmdhost_run_once(e, 500) != 0)
			break;
	}
	return (phase_run_status(c->run));
}

/* Keep what the preview captured: the run uses what was confirmed. */
static void
phase_cli_copy_captures(struct phase_cli *c, struct phase_set *set,
    const int *numbers, size_t n, struct phase_vars *vars)
{
	const struct phase	*ph;
	const char		*v;
	size_t			 i, k;

	for (i = 0; i < n; i++) {
		ph = phase_set_find(set, numbers[i]);
		for (k = 0; k < ph->nsteps; k++) {
			if (!ph->steps[k].preview || ph->steps[k].capture ==
			    NULL)
				continue;
			v = phase_run_var(c->run, ph->steps[k].capture);
			if (v != NULL)
				phase_vars_set(vars, ph->steps[k].capture, v);
		}
	}
}

/* Ask on the terminal; 1 for yes. */
static int
phase_cli_confirm(const char *question)
{
	char	 line[64];
	int	 yes;

	/* This process's terminal, or the server's client's. */
	if (cmdhost_ask(question, line, sizeof line) != 0)
		return (0);
	yes = line[0] == 'y' || line[0] == 'Y';
	return (yes);
}

/*
 * Run the phases named by SPEC with the options in ARGV (already past the
 * phase names). The shared body of `phase run` and `test mpi|slurm`.
 */
static int
phase_cli_run_spec(struct phase_cli *c, const char *spec)
{
	struct phase_set	*set;
	struct inventory	*inv = NULL, *cluster = NULL;
	struct phase_target	*targets = NULL, *ctargets = NULL;
	struct phase_vars	*vars = NULL;
	struct engine		*e = NULL;
	struct engine_config	 cfg;
	const struct phase	*ph;
	char			*cause = NULL, *plan, **failed = NULL;
	char			*wexpr = NULL, q[256];
	const char		*kh;
	size_t			 ntargets = 0, nctargets = 0, i, nfailed = 0;
	int			*numbers = NULL, rc = CT_EXIT_USAGE, confirm = 0;
	size_t			 nnumbers;
	struct sigaction	 sa, oldint, oldterm, oldhup;

	if ((set = phase_cli_load(c->phases_file)) == NULL)
		return (CT_EXIT_USAGE);
	if (phase_cli_numbers(set, spec, &numbers, &nnumbers) != 0) {
		fprintf(stderr, "clustertop: phase run: no phase '%s' (give a "
		    "number, a name, a list, a range or all)\n", spec);
		goto out;
	}
	for (i = 0; i < nnumbers; i++) {
		if (phase_set_find(set, numbers[i])->confirm)
			confirm = 1;
	}

	/* --failed: the nodes the last run of that phase left failed. */
	if (c->failed) {
		struct hostlist *hl;
		if (nnumbers != 1) {
			fprintf(stderr, "clustertop: phase run: --failed takes "
			    "one phase\n");
			goto out;
		}
		if (phase_state_load(numbers[0], &failed, &nfailed) != 0) {
			fprintf(stderr, "clustertop: phase %d has no recorded "
			    "run: run it without --failed first\n",
			    numbers[0]);
			goto out;
		}
		if (nfailed == 0) {
			printf("phase %d: no node failed its last run: nothing "
			    "to re-run\n", numbers[0]);
			rc = 0;
			goto out;
		}
		hl = hostlist_create();
		for (i = 0; i < nfailed; i++)
			hostlist_push(hl, failed[i]);
		if (c->o.wexpr != NULL) {
			/* -w narrows the failed nodes further. */
			struct hostlist *w = hostlist_create();
			if (hostlist_add(w, c->o.wexpr, &cause) != 0) {
				fprintf(stderr, "clustertop: -w: %s\n", cause);
				hostlist_free(w);
				hostlist_free(hl);
				goto out;
			}
			for (i = 0; i < nfailed; i++) {
				if (hostlist_find(w, failed[i]) < 0)
					hostlist_remove(hl, failed[i], &cause);
			}
			free(cause);
			cause = NULL;
			hostlist_free(w);
		}
		wexpr = hostlist_fold(hl);
		hostlist_free(hl);
		if (wexpr == NULL || *wexpr == '\0') {
			printf("phase %d: no failed node matches -w\n",
			    numbers[0]);
			rc = 0;
			goto out;
		}
		c->o.wexpr = wexpr;
	}

	/* The targets, and the whole cluster for the host files. */
	if (cliopt_nodes(&c->o, &inv, &cause) != 0) {
		fprintf(stderr, "clustertop: %s\n", cause);
		rc = 1;
		goto out;
	}
	if (inv->warning != NULL && !c->quiet)
		fprintf(stderr, "clustertop: %s\n", inv->warning);
	if (c->o.wexpr == NULL && c->o.xexpr == NULL)
		cluster = NULL;
	else if (inventory_load(&cluster, NULL, NULL, &cause) != 0) {
		free(cause);
		cause = NULL;
		cluster = NULL;
	}
	targets = phase_cli_targets(inv, &ntargets);
	if (cluster != NULL)
		ctargets = phase_cli_targets(cluster, &nctargets);
	else {
		ctargets = phase_cli_targets(inv, &nctargets);
	}
	/* Every target is part of the cluster, even outside Slurm's list. */
	if (cluster != NULL) {
		for (i = 0; i < ntargets; i++) {
			size_t k;
			for (k = 0; k < nctargets; k++) {
				if (strcmp(ctargets[k].name,
				    targets[i].name) == 0)
					break;
			}
			if (k == nctargets)
				ctargets[nctargets++] = targets[i];
		}
	}

	vars = phase_vars_create();
	for (i = 0; i < c->nsets; i++) {
		if (phase_vars_assign(vars, c->sets[i], &cause) != 0) {
			fprintf(stderr, "clustertop: %s\n", cause);
			goto out;
		}
	}
	phase_vars_defaults(vars, set);
	kh = c->o.known_hosts;
	if (kh == NULL) {
		const char *home = getenv("HOME");
		snprintf(q, sizeof q, "%s/.ssh/known_hosts", home != NULL ?
		    home : "");
		kh = q;
	}
	phase_vars_ct_options(vars, c->o.ssh_config, c->o.user,
	    c->o.hostkeys == HOSTKEY_ACCEPT_NEW);
	phase_context_vars(vars, ctargets, nctargets, targets, ntargets, kh);

	/* The dry run. */
	if (c->dry_run || c->verbose || (confirm && !c->yes)) {
		for (i = 0; i < nnumbers; i++) {
			ph = phase_set_find(set, numbers[i]);
			plan = phase_plan(ph, vars, phase_vars_get(vars,
			    "nodes_folded"), ntargets, c->verbose);
			printf("%s%s", i > 0 ? "\n" : "", plan);
			free(plan);
		}
	}
	/* The engine; the run (and any preview) is driven by its loop. */
	cliopt_engine_config(&c->o, &cfg);
	cfg.reconnect = 1;	/* an sshd reload must not lose a node */
	e = cmdhost_engine_create(&cfg, &cause);
	if (e == NULL) {
		fprintf(stderr, "clustertop: %s\n", cause);
		rc = 1;
		goto out;
	}
	free(cliopt_add_nodes(e, inv));
	cmdhost_set_callback(e, phase_cli_engine_event, c);
	cmdhost_connect_all(e);
	c->set = set;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = phase_cli_sigint;
	sigaction(SIGINT, &sa, &oldint);
	sigaction(SIGTERM, &sa, &oldterm);
	sigaction(SIGHUP, &sa, &oldhup);	/* as Ctrl-C: stop the remote side */
	phase_cli_interrupted = 0;

	/* Read-only preview steps show what the phase would do. */
	for (i = 0; i < nnumbers; i++) {
		if (phase_has_preview(phase_set_find(set, numbers[i])))
			break;
	}
	if (i < nnumbers && (c->dry_run || (confirm && !c->yes))) {
		c->previewing = 1;
		c->run = phase_run_create(e, set, numbers, nnumbers, targets,
		    ntargets, vars);
		phase_run_set_preview(c->run, 1);
		phase_run_set_audit(c->run, cfg.audit_log);
		phase_run_set_callback(c->run, phase_cli_event, c);
		rc = phase_cli_loop(c, e, &cause);
		c->previewing = 0;
		phase_cli_copy_captures(c, set, numbers, nnumbers, vars);
		phase_cli_free_run(c);
		if (rc != 0) {
			fprintf(stderr, "clustertop: the preview failed: "
			    "nothing was changed\n");
			goto restore;
		}
	}
	if (c->dry_run) {
		printf("\n(dry run: nothing was changed)\n");
		rc = 0;
		goto restore;
	}
	if (confirm && !c->yes) {
		rc = CT_EXIT_USAGE;
		if (!cmdhost_isatty(STDIN_FILENO) ||
		    !cmdhost_isatty(STDERR_FILENO)) {
			fprintf(stderr, "clustertop: phase run: refusing to run "
			    "without confirmation: there is no terminal to ask "
			    "on. Read the dry run (--dry-run) and pass -y.\n");
			goto restore;
		}
		snprintf(q, sizeof q, "\nRun phase%s %s on the head node and "
		    "%s (%zu node%s)?", nnumbers > 1 ? "s" : "", spec,
		    phase_vars_get(vars, "nodes_folded"), ntargets,
		    ntargets == 1 ? "" : "s");
		if (!phase_cli_confirm(q)) {
			fprintf(stderr, "clustertop: not confirmed: nothing "
			    "was run\n");
			goto restore;
		}
	}

	c->run = phase_run_create(e, set, numbers, nnumbers, targets,
	    ntargets, vars);
	phase_run_set_audit(c->run, cfg.audit_log);
	phase_run_set_callback(c->run, phase_cli_event, c);
	if (phase_cli_loop(c, e, &cause) == -1) {
		fprintf(stderr, "clustertop: %s\n", cause);
		rc = 1;
		goto restore;
	}
	rc = phase_run_status(c->run);
	if (phase_cli_interrupted)
		rc = 130;
	else if (rc != 0) {
		char **names;
		size_t nn = phase_run_failed(c->run, &names);
		if (nn > 0 && nnumbers == 1)
			printf("re-run the failed nodes with: clustertop phase "
			    "run %d --failed\n", numbers[0]);
		for (i = 0; i < nn; i++)
			free(names[i]);
		free(names);
	}
restore:
	sigaction(SIGINT, &oldint, NULL);
	sigaction(SIGTERM, &oldterm, NULL);
	sigaction(SIGHUP, &oldhup, NULL);
out:
	phase_cli_free_run(c);
	if (e != NULL)
		cmdhost_engine_free(e);
	free(cause);
	free(numbers);
	free(targets);
	free(ctargets);
	for (i = 0; i < nfailed; i++)
		free(failed[i]);
	free(failed);
	if (wexpr != NULL) {
		c->o.wexpr = NULL;
		free(wexpr);
	}
	phase_vars_free(vars);
	inventory_free(inv);
	inventory_free(cluster);
	phase_set_free(set);
	return (rc);
}

enum {
	OPT_DRY_RUN = 0x2001,
	OPT_FAILED,
	OPT_SET,
	OPT_PHASES
};

/* Parse the options of `phase run` / `test`; returns the next argv index. */
static int
phase_cli_options(struct phase_cli *c, int argc, char **argv)
{
	static const struct option	 longopts[] = {
		{ "dry-run", no_argument, NULL, OPT_DRY_RUN },
		{ "failed", no_argument, NULL, OPT_FAILED },
		{ "set", required_argument, NULL, OPT_SET },
		{ "phases", required_argument, NULL, OPT_PHASES },
		{ "yes", no_argument, NULL, 'y' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		CLIOPT_LONG,
		{ NULL, 0, NULL, 0 }
	};
	char	*cause = NULL;
	int	 ch, r;

	optind = 1;
	while ((ch = getopt_long(argc, argv, CLIOPT_SHORT "yvqh",
	    longopts, NULL)) != -1) {
		r = cliopt_handle(&c->o, ch, optarg, &cause);
		if (r == -1) {
			fprintf(stderr, "clustertop: %s\n", cause);
			free(cause);
			return (-1);
		}
		if (r == 1)
			continue;
		switch (ch) {
		case OPT_DRY_RUN:
			c->dry_run = 1;
			break;
		case OPT_FAILED:
			c->failed = 1;
			break;
		case OPT_SET:
			c->sets = realloc(c->sets, (c->nsets + 1) *
			    sizeof *c->sets);
			if (c->sets == NULL)
				abort();
			c->sets[c->nsets++] = optarg;
			break;
		case OPT_PHASES:
			c->phases_file = optarg;
			break;
		case 'y':
			c->yes = 1;
			break;
		case 'v':
			c->verbose = c->live = 1;
			break;
		case 'q':
			c->quiet = 1;
			break;
		case 'h':
			phase_cli_usage(stdout);
			return (-2);
		default:
			return (-1);
		}
	}
	return (optind);
}

int
phase_cli_run(int argc, char **argv, const char *fixed)
{
	struct phase_cli	 c;
	const char		*spec = fixed;
	int			 i, rc;

	memset(&c, 0, sizeof c);
	cliopt_init(&c.o);
	/* getopt permutes: options may come before or after the phase. */
	i = phase_cli_options(&c, argc, argv);
	if (i == -2) {
		free(c.sets);
		return (0);
	}
	if (i < 0)
		goto usage;
	if (fixed == NULL) {
		if (i != argc - 1)
			goto usage;
		spec = argv[i];
	} else if (i != argc)
		goto usage;
	if (fixed != NULL) {
		c.yes = 1;	/* tests change nothing: no confirmation */
		c.live = 1;	/* and their output is the point */
	}
	rc = phase_cli_run_spec(&c, spec);
	free(c.sets);
	return (rc);
usage:
	free(c.sets);
	phase_cli_usage(stderr);
	return (CT_EXIT_USAGE);
}

int
cmd_phase_main(int argc, char **argv)
{
	struct phase_set	*set;
	const char		*file = NULL;
	int			 rc, verbose = 0, i;

	if (client_cmd(&argc, argv, &rc) == 0)
		return (rc);	/* the resident server ran it */
	if (argc < 2 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "--help") == 0) {
		phase_cli_usage(argc < 2 ? stderr : stdout);
		return (argc < 2 ? CT_EXIT_USAGE : 0);
	}
	if (strcmp(argv[1], "run") == 0)
		return (phase_cli_run(argc - 1, argv + 1, NULL));
	if (strcmp(argv[1], "list") != 0 && strcmp(argv[1], "show") != 0) {
		fprintf(stderr, "clustertop: phase: unknown action '%s'\n",
		    argv[1]);
		phase_cli_usage(stderr);
		return (CT_EXIT_USAGE);
	}
	for (i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--phases") == 0 && i + 1 < argc)
			file = argv[++i];
		else if (strncmp(argv[i], "--phases=", 9) == 0)
			file = argv[i] + 9;
		else if (strcmp(argv[i], "-v") == 0)
			verbose = 1;
		else if (argv[i][0] == '-') {
			phase_cli_usage(stderr);
			return (CT_EXIT_USAGE);
		}
	}
	if ((set = phase_cli_load(file)) == NULL)
		return (CT_EXIT_USAGE);
	if (strcmp(argv[1], "list") == 0)
		rc = phase_cli_list(set);
	else {
		const char *which = NULL;
		for (i = 2; i < argc; i++) {
			if (strcmp(argv[i], "--phases") == 0)
				i++;
			else if (argv[i][0] != '-' && which == NULL)
				which = argv[i];
		}
		if (which == NULL) {
			phase_cli_usage(stderr);
			rc = CT_EXIT_USAGE;
		} else
			rc = phase_cli_show(set, which, verbose);
	}
	phase_set_free(set);
	return (rc);
}
