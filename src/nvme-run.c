/*
 * nvme-run.c -- the NVMe scan and wipe as an event-driven runner (see
 * nvme-run.h). The same steps as `clustertop nvme wipe`: the plan shown,
 * the typed count, a scan just before (skip what changed), one wipe job
 * per node, a scan after. Every job is in the audit log ("nvme scan",
 * "nvme wipe"), and the runner keeps what ran in its log lines.
 */

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd-exec.h"
#include "cmdhost.h"
#include "engine.h"
#include "nvme-run.h"
#include "util.h"

#define NVME_RUN_SCAN_TIMEOUT_MS	120000
#define NVME_RUN_MAX_LOG		2000

static void __attribute__((format(printf, 3, 4)))
nr_log(struct nvme_run *x, enum nvme_log_kind kind, const char *fmt, ...)
{
	va_list	 ap;
	char	*s;

	va_start(ap, fmt);
	s = xvasprintf(fmt, ap);
	va_end(ap);
	if (x->opt.log_cb != NULL)
		x->opt.log_cb(kind, s, x->opt.arg);
	if (x->nlog >= NVME_RUN_MAX_LOG) {
		free(s);
		return;
	}
	x->log = xreallocarray(x->log, x->nlog + 1, sizeof *x->log);
	x->log[x->nlog++] = s;
}

/* Log OUT's lines with the node's name in front; control bytes as '?'. */
static void
nr_log_output(struct nvme_run *x, enum nvme_log_kind kind, const char *name,
    const char *out, size_t len)
{
	const char	*p = out, *end = out + len, *nl;
	char		*line;
	size_t		 i, n;

	while (p != NULL && p < end) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		n = (size_t)(nl - p);
		if (n < 5 || memcmp(p, "@@ct ", 5) != 0) {
			line = xstrndup(p, n);
			for (i = 0; i < n; i++) {
				if ((unsigned char)line[i] < 0x20)
					line[i] = '?';
			}
			nr_log(x, kind, "%s: %s", name, line);
			free(line);
		}
		p = nl + 1;
	}
}

int
nvme_run_busy(const struct nvme_run *x)
{
	return (x->phase == NVME_RUN_SCANNING || x->phase == NVME_RUN_RESCAN ||
	    x->phase == NVME_RUN_WIPING || x->phase == NVME_RUN_VERIFY);
}

static int
nr_start_scan(struct nvme_run *x, char **cause)
{
	struct engine_job_spec	 spec;
	char			*cmd;
	int			*ids;
	size_t			 i;

	cmd = nvme_scan_command(&x->opt.sel);
	ids = xcalloc(x->n + 1, sizeof *ids);
	for (i = 0; i < x->n; i++)
		ids[i] = x->nodes[i].id;
	memset(&spec, 0, sizeof spec);
	spec.command = cmd;
	spec.nodes = ids;
	spec.nnodes = x->n;
	spec.timeout_ms = x->opt.timeout_ms > 0 ? x->opt.timeout_ms :
	    NVME_RUN_SCAN_TIMEOUT_MS;
	spec.fanout = x->opt.fanout;
	spec.label = "nvme scan";
	x->job = cmdhost_job_start(x->e, &spec, cause);
	free(cmd);
	free(ids);
	return (x->job == 0 ? -1 : 0);
}

int
nvme_run_scan(struct nvme_run *x, struct engine *e, const int *ids,
    size_t n, char **cause)
{
	size_t	i;

	if (nvme_run_busy(x)) {
		*cause = xstrdup("busy: a scan or a wipe is running");
		return (-1);
	}
	nvme_run_free(x);
	x->e = e;
	if (n == 0) {
		*cause = xstrdup("no nodes to scan");
		return (-1);
	}
	x->nodes = xcalloc(n, sizeof *x->nodes);
	x->n = n;
	for (i = 0; i < n; i++) {
		x->nodes[i].id = ids[i];
		x->nodes[i].name = engine_node_name(e, ids[i]);
	}
	if (nr_start_scan(x, cause) != 0)
		return (-1);
	x->phase = NVME_RUN_SCANNING;
	return (0);
}

/* Read the scan job's results into every node's plan. */
static void
nr_read_scan(struct nvme_run *x)
{
	const struct engine_job_result	*r;
	struct nvme_run_node		*nn;
	size_t				 i;

	x->nwipe = x->nrefuse = x->nclean = x->nerror = 0;
	for (i = 0; i < x->n; i++) {
		nn = &x->nodes[i];
		nvme_plan_free(&nn->plan);
		free(nn->error);
		nn->error = NULL;
		nn->scanned = 0;
		r = engine_job_result(x->e, x->job, nn->id);
		if (x->opt.scan_cb != NULL && r != NULL)
			x->opt.scan_cb(nn, r, x->opt.arg);
		if (r == NULL || r->state != JOB_NODE_DONE) {
			nn->error = r != NULL ? exec_node_message(nn->name, r) :
			    NULL;
			if (nn->error == NULL)
				nn->error = xasprintf("clustertop: %s: no result",
				    nn->name);
			x->nerror++;
			continue;
		}
		nvme_plan_build(r->out, r->outlen, &x->opt.sel, &nn->plan);
		if (nn->plan.error != NULL) {
			nn->error = xasprintf("clustertop: %s: %s%s", nn->name,
			    nn->plan.error, r->out_truncated ?
			    " (output truncated)" : "");
			x->nerror++;
			continue;
		}
		nn->scanned = 1;
		x->nwipe += nvme_plan_count(&nn->plan, NVME_WIPE);
		x->nrefuse += nvme_plan_count(&nn->plan, NVME_REFUSE);
		x->nclean += nvme_plan_count(&nn->plan, NVME_NOTHING);
	}
	engine_job_release(x->e, x->job);
	x->job = 0;
}

static void
nr_finish(struct nvme_run *x)
{
	size_t	i, ok = 0, failed = 0, skipped = 0, dirty = 0, nodes = 0;

	for (i = 0; i < x->n; i++) {
		ok += x->nodes[i].ok;
		failed += x->nodes[i].failed;
		dirty += x->nodes[i].dirty;
		if (x->nodes[i].skip)
			skipped += nvme_plan_count(&x->nodes[i].shown,
			    NVME_WIPE);
		else if (nvme_plan_count(&x->nodes[i].shown, NVME_WIPE) > 0)
			nodes++;
	}
	x->failed = failed != 0 || dirty != 0 || skipped != 0;
	snprintf(x->summary, sizeof x->summary, "wiped %zu of %zu devices "
	    "on %zu node%s; %zu failed, %zu skipped, %zu not clean afterwards",
	    ok, ok + failed + skipped, nodes, nodes == 1 ? "" : "s", failed,
	    skipped, dirty);
	nr_log(x, NVME_LOG_INFO, "nvme: %s", x->summary);
	x->phase = NVME_RUN_DONE;
}

/* The scan just before the wipe: start the wipe jobs. */
static void
nr_start_wipes(struct nvme_run *x)
{
	struct engine_job_spec	 spec;
	struct nvme_run_node	*nn;
	char			*cmd, *cause = NULL;
	size_t			 i, j;

	x->wiping = 0;
	for (i = 0; i < x->n; i++) {
		nn = &x->nodes[i];
		if (nvme_plan_count(&nn->shown, NVME_WIPE) == 0)
			continue;
		if (x->cancelled || !nn->scanned ||
		    !nvme_plan_same(&nn->shown, &nn->plan)) {
			nn->skip = 1;
			nr_log(x, NVME_LOG_ERROR, "%s: %s; not wiped", nn->name,
			    x->cancelled ? "interrupted" : nn->scanned ?
			    "the devices changed since the plan was shown" :
			    "could not scan it again");
			continue;
		}
		if ((cmd = nvme_wipe_command(&nn->plan)) == NULL)
			continue;
		for (j = 0; j < nn->plan.ndevs; j++) {
			if (nn->plan.devs[j].action == NVME_WIPE)
				nr_log(x, NVME_LOG_INFO, "%s: wiping %s",
				    nn->name, nn->plan.devs[j].path);
		}
		memset(&spec, 0, sizeof spec);
		spec.command = cmd;
		spec.nodes = &nn->id;
		spec.nnodes = 1;
		spec.timeout_ms = x->opt.timeout_ms > 0 ? x->opt.timeout_ms : -1;
		spec.label = "nvme wipe";
		if ((nn->job = cmdhost_job_start(x->e, &spec, &cause)) == 0) {
			nr_log(x, NVME_LOG_ERROR, "%s: %s", nn->name,
			    cause != NULL ? cause : "cannot start");
			free(cause);
			cause = NULL;
			nn->failed = nvme_plan_count(&nn->shown, NVME_WIPE);
		} else
			x->wiping++;
		free(cmd);
	}
	x->phase = NVME_RUN_WIPING;
	if (x->wiping == 0)
		nr_finish(x);
}

static void
nr_result_cb(const char *dev, int status, void *arg)
{
	struct nvme_run_node	*nn = ((void **)arg)[0];
	struct nvme_run		*x = ((void **)arg)[1];

	if (status == 0)
		nn->ok++;
	else {
		nn->failed++;
		nr_log(x, NVME_LOG_INFO, "%s: %s: wipe FAILED (status %d)",
		    nn->name, dev, status);
	}
}

static void
nr_wipe_done(struct nvme_run *x, struct nvme_run_node *nn)
{
	const struct engine_job_result	*r;
	char				*msg, *cause = NULL;
	void				*arg[2];
	size_t				 want;

	r = engine_job_result(x->e, nn->job, nn->id);
	if (r != NULL) {
		nr_log_output(x, NVME_LOG_INFO, nn->name, r->out, r->outlen);
		nr_log_output(x, NVME_LOG_STDERR, nn->name, r->err, r->errlen);
		arg[0] = nn;
		arg[1] = x;
		nvme_wipe_results(r->out, r->outlen, nr_result_cb, arg);
		want = nvme_plan_count(&nn->plan, NVME_WIPE);
		if (nn->ok + nn->failed < want) {
			msg = exec_node_message(nn->name, r);
			nr_log(x, NVME_LOG_ERROR, "%s", msg != NULL ? msg :
			    "the wipe script did not finish");
			free(msg);
			nn->failed = want - nn->ok;
		}
	}
	engine_job_release(x->e, nn->job);
	nn->job = 0;
	if (--x->wiping > 0)
		return;
	if (x->cancelled) {
		nr_finish(x);
		return;
	}
	/* Scan a third time: a wiped device must now be clean. */
	if (nr_start_scan(x, &cause) != 0) {
		nr_log(x, NVME_LOG_ERROR, "nvme: cannot scan after the wipe: %s",
		    cause);
		free(cause);
		nr_finish(x);
		return;
	}
	x->phase = NVME_RUN_VERIFY;
}

static void
nr_verify(struct nvme_run *x)
{
	struct nvme_run_node	*nn;
	const struct nvme_dev	*a;
	size_t			 i, j, k;

	for (i = 0; i < x->n; i++) {
		nn = &x->nodes[i];
		if (nn->skip)
			continue;
		for (j = 0; j < nn->shown.ndevs; j++) {
			a = &nn->shown.devs[j];
			if (a->action != NVME_WIPE)
				continue;
			for (k = 0; k < nn->plan.ndevs; k++) {
				if (nn->plan.devs[k].path != NULL &&
				    strcmp(nn->plan.devs[k].path, a->path) == 0)
					break;
			}
			if (k == nn->plan.ndevs || !nn->scanned ||
			    nn->plan.devs[k].action != NVME_NOTHING) {
				nn->dirty++;
				nr_log(x, NVME_LOG_INFO,
				    "%s: %s: NOT clean after the wipe: %s",
				    nn->name, a->path, k < nn->plan.ndevs ?
				    nn->plan.devs[k].content : "cannot check");
			}
		}
	}
	nr_finish(x);
}

int
nvme_run_wipe(struct nvme_run *x, long confirm, char **cause)
{
	size_t			 i;

	if (x->phase != NVME_RUN_PLANNED && x->phase != NVME_RUN_DONE) {
		*cause = xstrdup(nvme_run_busy(x) ? "busy: wait for the scan" :
		    "scan first");
		return (-1);
	}
	if (x->phase == NVME_RUN_DONE) {
		*cause = xstrdup("scan again before another wipe (s)");
		return (-1);
	}
	if (x->nwipe == 0) {
		*cause = xstrdup("nothing to do: no device needs wiping");
		return (-1);
	}
	if (confirm != (long)x->nwipe) {
		*cause = xasprintf("refusing: typed %ld, but the plan wipes "
		    "%zu device%s", confirm, x->nwipe, x->nwipe == 1 ? "" :
		    "s");
		return (-1);
	}
	for (i = 0; i < x->n; i++) {
		/* The shown plan moves aside; the re-scan fills plan. */
		nvme_plan_free(&x->nodes[i].shown);
		x->nodes[i].shown = x->nodes[i].plan;
		memset(&x->nodes[i].plan, 0, sizeof x->nodes[i].plan);
		x->nodes[i].ok = x->nodes[i].failed = x->nodes[i].dirty = 0;
		x->nodes[i].skip = 0;
	}
	nr_log(x, NVME_LOG_INFO, "nvme: wipe of %zu device%s confirmed; "
	    "scanning again first", x->nwipe, x->nwipe == 1 ? "" : "s");
	if (nr_start_scan(x, cause) != 0)
		return (-1);
	x->phase = NVME_RUN_RESCAN;
	return (0);
}

int
nvme_run_event(struct nvme_run *x, const struct engine_event *ev)
{
	size_t	i, nwipe;

	if (ev->type != ENGINE_EV_JOB_DONE || ev->id == 0)
		return (0);
	if (x->job != 0 && ev->id == x->job) {
		switch (x->phase) {
		case NVME_RUN_SCANNING:
			nr_read_scan(x);
			x->phase = NVME_RUN_PLANNED;
			return (1);
		case NVME_RUN_RESCAN:
			nwipe = x->nwipe;
			nr_read_scan(x);
			x->nwipe = nwipe;
			nr_start_wipes(x);
			return (1);
		case NVME_RUN_VERIFY:
			nr_read_scan(x);
			if (x->cancelled)
				nr_finish(x);
			else
				nr_verify(x);
			return (1);
		default:
			return (0);
		}
	}
	if (x->phase != NVME_RUN_WIPING)
		return (0);
	for (i = 0; i < x->n; i++) {
		if (x->nodes[i].job != 0 && x->nodes[i].job == ev->id) {
			nr_wipe_done(x, &x->nodes[i]);
			return (1);
		}
	}
	return (0);
}

void
nvme_run_cancel(struct nvme_run *x)
{
	size_t	i;

	if (!nvme_run_busy(x))
		return;
	x->cancelled = 1;
	if (x->job != 0)
		engine_job_cancel(x->e, x->job);
	for (i = 0; i < x->n; i++) {
		if (x->nodes[i].job != 0)
			engine_job_cancel(x->e, x->nodes[i].job);
	}
}

void
nvme_run_free(struct nvme_run *x)
{
	struct nvme_run_opts	opt = x->opt;
	size_t			i;

	for (i = 0; i < x->n; i++) {
		nvme_plan_free(&x->nodes[i].plan);
		nvme_plan_free(&x->nodes[i].shown);
		free(x->nodes[i].error);
	}
	free(x->nodes);
	for (i = 0; i < x->nlog; i++)
		free(x->log[i]);
	free(x->log);
	memset(x, 0, sizeof *x);
	x->opt = opt;
}
