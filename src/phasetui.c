/*
 * phasetui.c -- the Phases screen's model and its runs on the TUI's engine
 * (see phasetui.h). The same runner, plans, audit records and --failed
 * state as `clustertop phase run`: only the front end differs.
 */

#include <sys/types.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cluster.h"
#include "engine.h"
#include "gather.h"
#include "hostlist.h"
#include "phase.h"
#include "phasetui.h"

static uint64_t
ptui_now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000);
}

static void
ptui_msg(struct ptui *pt, int error, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
ptui_msg(struct ptui *pt, int error, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(pt->msg, sizeof pt->msg, fmt, ap);
	va_end(ap);
	pt->msg_error = error;
	pt->changed = 1;
}

static void
ptui_append(struct ptui *pt, const char *s, size_t len)
{
	strbuf_addn(&pt->plan, s, len);
	pt->changed = 1;
}

const char *
ptui_status_name(enum ptui_status s)
{
	switch (s) {
	case PTUI_NEVER:
		return ("never run");
	case PTUI_RUNNING:
		return ("running");
	case PTUI_DONE:
		return ("done");
	case PTUI_FAILED:
		return ("failed");
	case PTUI_RECORDED:
		return ("run before");
	}
	return ("?");
}

struct ptui *
ptui_create(struct engine *e, struct cluster *c, const struct ptui_options *o)
{
	struct ptui	*pt;

	pt = calloc(1, sizeof *pt);
	if (pt == NULL)
		abort();
	pt->e = e;
	pt->c = c;
	pt->o = *o;
	pt->cur_phase = -1;
	return (pt);
}

static void
ptui_plan_clear(struct ptui *pt)
{
	free(pt->numbers);
	pt->numbers = NULL;
	pt->nnumbers = 0;
	strbuf_free(&pt->plan);
	free(pt->where);
	pt->where = NULL;
	free(pt->targets);
	pt->targets = NULL;
	free(pt->cluster);
	pt->cluster = NULL;
	pt->ntargets = pt->ncluster = 0;
	if (pt->preview != NULL) {
		phase_run_free(pt->preview);
		pt->preview = NULL;
	}
	phase_vars_free(pt->vars);
	pt->vars = NULL;
	pt->ready = pt->preview_failed = pt->failed_only = 0;
	pt->plan_top = 0;
}

void
ptui_free(struct ptui *pt)
{
	size_t	i;

	if (pt == NULL)
		return;
	if (pt->run != NULL) {
		phase_run_cancel(pt->run);
		phase_run_free(pt->run);
	}
	ptui_plan_clear(pt);
	for (i = 0; i < pt->nph; i++)
		gather_free(pt->ph[i].result);
	free(pt->ph);
	free(pt->error);
	phase_set_free(pt->set);
	free(pt);
}

int
ptui_phase_index(const struct ptui *pt, int number)
{
	size_t	i;

	for (i = 0; i < pt->nph; i++) {
		if (pt->ph[i].number == number)
			return ((int)i);
	}
	return (-1);
}

int
ptui_phase_by_name(const struct ptui *pt, const char *name)
{
	size_t	i;

	for (i = 0; i < pt->nph; i++) {
		if (strcmp(pt->ph[i].name, name) == 0)
			return (pt->ph[i].number);
	}
	return (-1);
}

/* Read the phases file once; its mistakes are shown on the screen. */
static int
ptui_load(struct ptui *pt)
{
	char	*path, *cause = NULL, **names;
	size_t	 i, n, k;

	if (pt->set != NULL)
		return (0);
	free(pt->error);
	pt->error = NULL;
	path = phase_find_file(pt->o.phases_file, &cause);
	if (path != NULL) {
		pt->set = phase_set_load(path, &cause);
		free(path);
	}
	if (pt->set == NULL) {
		pt->error = cause != NULL ? cause : strdup("no phases file");
		return (-1);
	}
	pt->nph = pt->set->nphases;
	pt->ph = calloc(pt->nph + 1, sizeof *pt->ph);
	if (pt->ph == NULL)
		abort();
	for (i = 0; i < pt->nph; i++) {
		struct ptui_phase *p = &pt->ph[i];
		p->number = pt->set->phases[i].number;
		p->name = pt->set->phases[i].name;
		p->title = pt->set->phases[i].title;
		p->confirm = pt->set->phases[i].confirm;
		/* A run from the command line or an earlier session. */
		if (phase_state_load(p->number, &names, &n) == 0) {
			p->status = PTUI_RECORDED;
			p->nfailed_recorded = n;
			p->last = phase_state_time(p->number);
			for (k = 0; k < n; k++)
				free(names[k]);
			free(names);
		}
	}
	return (0);
}

/* --- results -------------------------------------------------------------- */

void
ptui_summary(const struct phase_run *r, char *buf, size_t len, size_t *counts)
{
	static const enum phase_node_state order[] = { PHASE_NODE_CHANGED,
	    PHASE_NODE_UNCHANGED, PHASE_NODE_PASSED, PHASE_NODE_FAILED,
	    PHASE_NODE_SKIPPED };
	size_t		 n = phase_run_nnodes(r), i, k, m, total = 0, at = 0;
	const char	**names;
	char		*folded;
	int		 changed = 0, failed = 0;

	buf[0] = '\0';
	names = calloc(n + 1, sizeof *names);
	if (names == NULL)
		abort();
	for (k = 0; k < sizeof order / sizeof order[0]; k++) {
		for (i = m = 0; i < n; i++) {
			if (phase_run_node_state(r, i) == order[k] &&
			    (phase_run_node_active(r, i) ||
			    order[k] == PHASE_NODE_SKIPPED))
				names[m++] = phase_run_node_name(r, i);
		}
		if (counts != NULL)
			counts[order[k]] = m;
		if (m == 0)
			continue;
		changed |= order[k] == PHASE_NODE_CHANGED;
		failed |= order[k] == PHASE_NODE_FAILED;
		folded = hostlist_fold_names(names, m);
		if (at < len)
			at += (size_t)snprintf(buf + at, len - at, "%s%s %s (%zu)",
			    total > 0 ? "; " : "", phase_node_state_name(order[k]),
			    folded != NULL ? folded : "?", m);
		free(folded);
		total += m;
	}
	if (at < len) {
		if (total == 0)
			snprintf(buf + at, len - at, "nothing to do");
		else if (!changed && !failed)
			snprintf(buf + at, len - at, " -- nothing changed");
	}
	free(names);
}

size_t
ptui_run_counts(const struct ptui *pt, size_t *counts)
{
	size_t	i, n = 0;

	memset(counts, 0, PTUI_NSTATES * sizeof *counts);
	if (pt->run == NULL)
		return (0);
	for (i = 0; i < phase_run_nnodes(pt->run); i++) {
		if (!phase_run_node_active(pt->run, i) &&
		    phase_run_node_state(pt->run, i) != PHASE_NODE_SKIPPED)
			continue;
		counts[phase_run_node_state(pt->run, i)]++;
		n++;
	}
	return (n);
}

/* The phase's output, grouped: nodes with the same state and output. */
static void
ptui_keep_result(struct ptui *pt, struct ptui_phase *p)
{
	struct phase_run	*r = pt->run;
	const char		*out;
	size_t			 i, len;

	gather_free(p->result);
	p->result = gather_create();
	for (i = 0; i < phase_run_nnodes(r); i++) {
		if (!phase_run_node_active(r, i))
			continue;
		out = phase_run_node_output(r, i, &len);
		gather_set(p->result, phase_run_node_name(r, i),
		    phase_node_state_name(phase_run_node_state(r, i)), -1, NULL,
		    out, len, NULL, 0);
	}
}

static void
ptui_event(const struct phase_event *ev, void *arg)
{
	struct ptui		*pt = arg;
	struct ptui_phase	*p;
	const struct phase	*ph;
	int			 idx;
	size_t			 i;
	uint64_t		 now = ptui_now_ms();

	pt->changed = 1;
	idx = ev->phase >= 0 ? ptui_phase_index(pt, ev->phase) : -1;
	p = idx >= 0 ? &pt->ph[idx] : NULL;
	switch (ev->type) {
	case PHASE_EV_PHASE_START:
		pt->cur_phase = ev->phase;
		pt->phase_started_ms = now;
		pt->step[0] = '\0';
		pt->step_on_nodes = 0;
		if (p != NULL) {
			p->status = PTUI_RUNNING;
			pt->shown = (size_t)idx;
		}
		pt->grouped = 0;
		pt->node_top = pt->out_top = 0;
		break;
	case PHASE_EV_STEP_START:
		ph = phase_set_find(pt->set, ev->phase);
		if (ph != NULL && ev->step >= 0 && (size_t)ev->step < ph->nsteps)
			snprintf(pt->step, sizeof pt->step, "step %d/%zu (%s) "
			    "on %s", ev->step + 1, ph->nsteps,
			    ph->steps[ev->step].name, ev->text != NULL ?
			    ev->text : "?");
		/* The head's part of a step is named "head"; else it waits. */
		pt->step_on_nodes = ev->text != NULL &&
		    strcmp(ev->text, PHASE_HEAD_NAME) != 0;
		pt->step_nodes_done = 0;
		break;
	case PHASE_EV_PHASE_DONE:
		pt->step_on_nodes = 0;
		if (p == NULL)
			break;
		ptui_summary(pt->run, p->summary, sizeof p->summary, p->count);
		p->status = p->count[PHASE_NODE_FAILED] > 0 ||
		    phase_run_node_state(pt->run, 0) == PHASE_NODE_FAILED ?
		    PTUI_FAILED : PTUI_DONE;
		p->nfailed_recorded = p->count[PHASE_NODE_FAILED];
		p->last = time(NULL);
		p->seconds = (double)(now - pt->phase_started_ms) / 1000;
		ptui_keep_result(pt, p);
		/* g then shows the first failed node's output. */
		for (i = 0; i < phase_run_nnodes(pt->run); i++) {
			if (phase_run_node_state(pt->run, i) ==
			    PHASE_NODE_FAILED) {
				pt->node_cursor = i;
				break;
			}
		}
		/* The result replaces the live nodes: grouped like dshbak. */
		pt->shown = (size_t)idx;
		pt->grouped = 1;
		pt->out_top = 0;
		break;
	case PHASE_EV_DONE:
		pt->running = 0;
		pt->cur_phase = -1;
		pt->step[0] = '\0';
		pt->step_on_nodes = 0;
		if (ev->text != NULL)
			snprintf(pt->done_text, sizeof pt->done_text,
			    "%s stopped after %.1f s: %s", pt->what,
			    (double)(now - pt->started_ms) / 1000, ev->text);
		else
			snprintf(pt->done_text, sizeof pt->done_text,
			    "%s finished in %.1f s%s", pt->what,
			    (double)(now - pt->started_ms) / 1000,
			    phase_run_status(pt->run) != 0 ? ", with failures "
			    "(f re-runs the failed nodes)" : "");
		ptui_msg(pt, phase_run_status(pt->run) != 0, "%s",
		    pt->done_text);
		break;
	default:
		break;
	}
}

/* Preview steps (phase 6's scan) show before the confirmation. */
static void
ptui_preview_event(const struct phase_event *ev, void *arg)
{
	struct ptui		*pt = arg;
	const struct phase	*ph;
	const char		*out, *v;
	size_t			 len, i, k;
	char			 head[256];

	pt->changed = 1;
	switch (ev->type) {
	case PHASE_EV_PHASE_DONE:
		out = phase_run_node_output(pt->preview, 0, &len);
		snprintf(head, sizeof head, "\n== preview of phase %d (read "
		    "only, already run):\n", ev->phase);
		ptui_append(pt, head, strlen(head));
		ptui_append(pt, out, len);
		break;
	case PHASE_EV_DONE:
		if (phase_run_status(pt->preview) != 0) {
			pt->preview_failed = 1;
			snprintf(head, sizeof head, "\nthe preview failed%s%s: "
			    "nothing can run\n", ev->text != NULL ? ": " : "",
			    ev->text != NULL ? ev->text : "");
			ptui_append(pt, head, strlen(head));
			break;
		}
		/* What was shown is what runs (phase 6: nvme --confirm N). */
		for (i = 0; i < pt->nnumbers; i++) {
			ph = phase_set_find(pt->set, pt->numbers[i]);
			for (k = 0; ph != NULL && k < ph->nsteps; k++) {
				if (!ph->steps[k].preview ||
				    ph->steps[k].capture == NULL)
					continue;
				v = phase_run_var(pt->preview,
				    ph->steps[k].capture);
				if (v != NULL)
					phase_vars_set(pt->vars,
					    ph->steps[k].capture, v);
			}
		}
		pt->ready = 1;
		break;
	default:
		break;
	}
}

int
ptui_engine_event(struct ptui *pt, const struct engine_event *ev)
{
	if (pt == NULL)
		return (0);
	if (pt->preview != NULL && phase_run_engine_event(pt->preview, ev))
		return (1);
	if (pt->run != NULL && phase_run_engine_event(pt->run, ev)) {
		/* Nodes done with the step (their state is judged at its end). */
		if (ev->type == ENGINE_EV_JOB_NODE_DONE && pt->step_on_nodes) {
			pt->step_nodes_done++;
			pt->changed = 1;
		}
		return (1);
	}
	return (0);
}

/* --- plans and runs ------------------------------------------------------- */

/*
 * The numbers, targets and variables of a run of PHASE (0: all), on the
 * selected nodes (else every node), or on the nodes that failed its last
 * run. Returns 0, or -1 with a message.
 */
static int
ptui_prepare(struct ptui *pt, int phase, int failed)
{
	struct cluster	*c = pt->c;
	char		**fnames = NULL, kh[1024];
	const char	*home;
	size_t		 i, k, nf = 0, nsel = 0;

	ptui_plan_clear(pt);
	pt->numbers = calloc(pt->nph + 1, sizeof *pt->numbers);
	pt->cluster = calloc(c->n + 1, sizeof *pt->cluster);
	pt->targets = calloc(c->n + 1, sizeof *pt->targets);
	if (pt->numbers == NULL || pt->cluster == NULL || pt->targets == NULL)
		abort();
	if (phase == 0) {
		for (i = 0; i < pt->nph; i++)
			pt->numbers[pt->nnumbers++] = pt->ph[i].number;
	} else if (ptui_phase_index(pt, phase) >= 0)
		pt->numbers[pt->nnumbers++] = phase;
	if (pt->nnumbers == 0) {
		ptui_msg(pt, 1, "no phase %d in %s", phase, pt->set->path);
		return (-1);
	}
	if (failed) {
		if (phase_state_load(phase, &fnames, &nf) != 0) {
			ptui_msg(pt, 1, "phase %d has no recorded run: run it "
			    "first", phase);
			return (-1);
		}
	}
	for (i = 0; i < c->n; i++) {
		pt->cluster[i].name = c->nodes[i].name;
		pt->cluster[i].addr = c->nodes[i].addr;
		nsel += c->nodes[i].selected != 0;
	}
	pt->ncluster = c->n;
	for (i = 0; i < c->n; i++) {
		if (failed) {
			for (k = 0; k < nf; k++) {
				if (strcmp(fnames[k], c->nodes[i].name) == 0)
					break;
			}
			if (k == nf)
				continue;
		} else if (nsel > 0 && !c->nodes[i].selected)
			continue;
		pt->targets[pt->ntargets++] = pt->cluster[i];
	}
	for (k = 0; k < nf; k++)
		free(fnames[k]);
	free(fnames);
	if (pt->ntargets == 0) {
		ptui_msg(pt, 0, failed ? "phase %d: no node failed its last "
		    "run: nothing to re-run" : "phase %d: no target nodes",
		    phase);
		return (-1);
	}
	pt->failed_only = failed;

	pt->vars = phase_vars_create();
	phase_vars_defaults(pt->vars, pt->set);
	phase_vars_ct_options(pt->vars, pt->o.ssh_config, pt->o.user,
	    pt->o.accept_new);
	if (pt->o.known_hosts != NULL)
		snprintf(kh, sizeof kh, "%s", pt->o.known_hosts);
	else {
		home = getenv("HOME");
		snprintf(kh, sizeof kh, "%s/.ssh/known_hosts", home != NULL ?
		    home : "");
	}
	phase_context_vars(pt->vars, pt->cluster, pt->ncluster, pt->targets,
	    pt->ntargets, kh);
	/* The keys our own sessions verified, not only the file's. */
	phase_vars_engine_hostkeys(pt->vars, pt->e);
	if (asprintf(&pt->where, "the head node and %s (%zu node%s)",
	    phase_vars_get(pt->vars, "nodes_folded"), pt->ntargets,
	    pt->ntargets == 1 ? "" : "s") == -1)
		abort();
	pt->needs_confirm = 0;
	for (i = 0; i < pt->nnumbers; i++) {
		if (phase_set_find(pt->set, pt->numbers[i])->confirm)
			pt->needs_confirm = 1;
	}
	return (0);
}

static void
ptui_plan(struct ptui *pt, int phase, int failed)
{
	const struct phase	*ph;
	char			*text, head[512];
	size_t			 i;

	if (ptui_prepare(pt, phase, failed) != 0)
		return;
	snprintf(head, sizeof head, "DRY RUN%s: nothing has run yet.\n"
	    "These commands will run on %s:\n\n", failed ?
	    " (the nodes that failed last time)" : "", pt->where);
	ptui_append(pt, head, strlen(head));
	for (i = 0; i < pt->nnumbers; i++) {
		ph = phase_set_find(pt->set, pt->numbers[i]);
		text = phase_plan(ph, pt->vars, phase_vars_get(pt->vars,
		    "nodes_folded"), pt->ntargets, 0);
		if (i > 0)
			ptui_append(pt, "\n", 1);
		ptui_append(pt, text, strlen(text));
		free(text);
	}
	pt->mode = PTUI_PLAN;
	pt->ready = 1;
	for (i = 0; i < pt->nnumbers; i++) {
		if (phase_has_preview(phase_set_find(pt->set, pt->numbers[i])))
			break;
	}
	if (i == pt->nnumbers)
		return;
	/* Read-only steps run now, so that what is confirmed is seen. */
	pt->ready = 0;
	pt->preview = phase_run_create(pt->e, pt->set, pt->numbers,
	    pt->nnumbers, pt->targets, pt->ntargets, pt->vars);
	phase_run_set_preview(pt->preview, 1);
	phase_run_set_audit(pt->preview, pt->o.audit_log);
	phase_run_set_callback(pt->preview, ptui_preview_event, pt);
	{
		char *cause = NULL;
		if (phase_run_start(pt->preview, &cause) != 0) {
			pt->preview_failed = 1;
			ptui_msg(pt, 1, "preview: %s", cause);
			free(cause);
		}
	}
}

static void
ptui_start(struct ptui *pt)
{
	char		*cause = NULL;
	size_t		 i;
	int		 id;
	enum node_state	 st;

	if (pt->run != NULL) {
		phase_run_free(pt->run);
		pt->run = NULL;
	}
	/*
	 * A node that is down now (its sshd came back after the failure being
	 * re-run) is tried again at once rather than after the dashboard's
	 * reconnect back-off: the job waits for nodes that are connecting.
	 */
	for (i = 0; i < pt->ntargets; i++) {
		id = engine_find_node(pt->e, pt->targets[i].name);
		if (id < 0)
			continue;
		st = engine_node_state(pt->e, id);
		if (st != NODE_UP && st != NODE_CONNECTING && st != NODE_NEW)
			engine_reconnect(pt->e, id);
	}
	pt->run = phase_run_create(pt->e, pt->set, pt->numbers, pt->nnumbers,
	    pt->targets, pt->ntargets, pt->vars);
	phase_run_set_audit(pt->run, pt->o.audit_log);
	phase_run_set_callback(pt->run, ptui_event, pt);
	pt->running = 1;
	pt->started_ms = ptui_now_ms();
	pt->done_text[0] = '\0';
	if (pt->nnumbers == 1)
		snprintf(pt->what, sizeof pt->what, "phase %d%s",
		    pt->numbers[0], pt->failed_only ? " (failed nodes)" : "");
	else
		snprintf(pt->what, sizeof pt->what, "all %zu phases",
		    pt->nnumbers);
	pt->mode = PTUI_RUN;
	pt->grouped = 0;
	pt->node_cursor = pt->node_top = pt->out_top = 0;
	if (phase_run_start(pt->run, &cause) != 0) {
		pt->running = 0;
		ptui_msg(pt, 1, "phases: %s", cause);
		free(cause);
	}
	pt->changed = 1;
}

void
ptui_request(struct ptui *pt)
{
	enum ptui_request	req = pt->req;

	pt->req = PTUI_REQ_NONE;
	if (req != PTUI_REQ_NONE && ptui_load(pt) != 0) {
		ptui_msg(pt, 1, "phases: %s", pt->error);
		return;
	}
	if ((req == PTUI_REQ_PLAN || req == PTUI_REQ_TEST ||
	    req == PTUI_REQ_CONFIRM) && pt->running) {
		ptui_msg(pt, 1, "a run is in progress (x stops it)");
		pt->mode = PTUI_RUN;
		return;
	}
	switch (req) {
	case PTUI_REQ_NONE:
		break;
	case PTUI_REQ_OPEN:
		if (pt->req_mode == PTUI_RUN && pt->run == NULL)
			pt->req_mode = PTUI_LIST;
		if (pt->req_mode != PTUI_PLAN || pt->vars != NULL)
			pt->mode = pt->req_mode;
		break;
	case PTUI_REQ_PLAN:
		ptui_plan(pt, pt->req_phase, pt->req_failed);
		break;
	case PTUI_REQ_CONFIRM:
		if (pt->mode != PTUI_PLAN || pt->vars == NULL) {
			ptui_msg(pt, 1, "nothing to run: open a dry run first");
			break;
		}
		if (pt->preview_failed) {
			ptui_msg(pt, 1, "the preview failed: nothing can run");
			break;
		}
		if (!pt->ready) {
			ptui_msg(pt, 0, "wait for the preview to finish");
			break;
		}
		ptui_start(pt);
		break;
	case PTUI_REQ_TEST:
		if (ptui_phase_index(pt, pt->req_phase) < 0) {
			ptui_msg(pt, 1, "no such test in the phases file");
			break;
		}
		if (pt->set->phases[ptui_phase_index(pt, pt->req_phase)].
		    confirm) {
			/* Only tests skip the dry run. */
			ptui_plan(pt, pt->req_phase, 0);
			break;
		}
		if (ptui_prepare(pt, pt->req_phase, 0) == 0)
			ptui_start(pt);
		break;
	case PTUI_REQ_CANCEL:
		if (pt->run != NULL && pt->running) {
			phase_run_cancel(pt->run);
			ptui_msg(pt, 1, "stopping the running step on every node");
		} else if (pt->preview != NULL &&
		    !phase_run_finished(pt->preview))
			phase_run_cancel(pt->preview);
		break;
	}
	pt->changed = 1;
}
