/*
 * push-run.c -- a push as an event-driven runner (see push-run.h).
 *
 * One engine job per round: the first push goes to every target node, a
 * re-push only to the nodes that failed, with the same payload and the
 * same command (the payload stays mapped until the runner is freed).
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd-exec.h"
#include "cmdhost.h"
#include "engine.h"
#include "push-pool.h"
#include "push-run.h"

const char *
push_node_state_name(enum push_node_state s)
{
	switch (s) {
	case PUSH_NODE_QUEUED:
		return ("queued");
	case PUSH_NODE_SENDING:
		return ("sending");
	case PUSH_NODE_DONE:
		return ("done");
	case PUSH_NODE_FAILED:
		return ("failed");
	}
	return ("?");
}

static double
pr_elapsed(const struct timespec *a, const struct timespec *b)
{
	return ((double)(b->tv_sec - a->tv_sec) +
	    (double)(b->tv_nsec - a->tv_nsec) / 1e9);
}

int
push_run_judge(const struct engine_job_result *r,
    const struct push_payload *p, const struct push_opts *o,
    const char *name, char **why)
{
	char	 hex[65], *line, *msg;
	int	 status;

	*why = NULL;
	if (r == NULL) {
		*why = strdup("no result");
		return (1);
	}
	status = exec_node_status(r);
	if (r->state != JOB_NODE_DONE) {
		msg = exec_node_message(name, r);
		/* "clustertop: NAME: reason" -> "reason" */
		if (msg != NULL && strncmp(msg, "clustertop: ", 12) == 0 &&
		    strlen(msg) > 12 + strlen(name) + 2) {
			*why = strdup(msg + 12 + strlen(name) + 2);
			free(msg);
		} else
			*why = msg;
		if (*why == NULL)
			*why = strdup(job_node_state_name(r->state));
		return (status == 0 ? 1 : status);
	}
	if (r->exit_status != 0 || r->exit_signal != NULL) {
		line = push_last_line(r->err, r->errlen);
		if (line != NULL && strncmp(line, "clustertop: ", 12) == 0) {
			*why = strdup(line + 12);
			free(line);
		} else if (line != NULL)
			*why = line;
		else if (r->exit_signal != NULL &&
		    asprintf(why, "killed by SIG%s", r->exit_signal) == -1)
			abort();
		else if (r->exit_signal == NULL &&
		    asprintf(why, "exit status %d", r->exit_status) == -1)
			abort();
		return (status == 0 ? 1 : status);
	}
	if (o->verify) {
		if (p->kind == PUSH_FILE) {
			if (push_parse_sha256(r->out, r->outlen, hex) != 0 ||
			    strcmp(hex, p->sha256) != 0) {
				*why = strdup("SHA-256 not confirmed by the node");
				return (1);
			}
		} else if (r->out == NULL || strstr(r->out, "verified") ==
		    NULL) {
			*why = strdup("checksums not confirmed by the node");
			return (1);
		}
	}
	return (0);
}

/* Start a job on the nodes marked in_job. */
static int
pr_start_job(struct push_run *x, char **cause)
{
	struct engine_job_spec	 spec;
	int			*ids;
	size_t			 i, n = 0;

	ids = calloc(x->n + 1, sizeof *ids);
	if (ids == NULL)
		abort();
	for (i = 0; i < x->n; i++) {
		if (x->nodes[i].in_job)
			ids[n++] = x->nodes[i].id;
	}
	memset(&spec, 0, sizeof spec);
	spec.command = x->command;
	spec.nodes = ids;
	spec.nnodes = n;
	spec.stdin_data = x->p.data;
	spec.stdin_len = x->p.len;
	spec.timeout_ms = x->timeout_ms > 0 ? x->timeout_ms : -1;
	spec.fanout = x->fanout;
	spec.label = "push";
	x->job = cmdhost_job_start(x->e, &spec, cause);
	free(ids);
	if (x->job == 0)
		return (-1);
	x->finished = 0;
	x->cancelled = 0;
	x->round++;
	clock_gettime(CLOCK_MONOTONIC, &x->t0);
	x->tlast = x->t0;
	push_run_sample(x);
	return (0);
}

/* X takes over *P and COMMAND, for the N nodes IDS of E. */
static void
pr_init(struct push_run *x, struct engine *e, struct push_payload *p,
    char *command, const char *dest, const char *what,
    const struct push_opts *o, const int *ids, size_t n, int fanout,
    int timeout_ms)
{
	size_t	i;

	memset(x, 0, sizeof *x);
	x->e = e;
	x->o = *o;
	x->p = *p;
	memset(p, 0, sizeof *p);
	x->command = command;
	x->fanout = fanout;
	x->timeout_ms = timeout_ms;
	x->total = x->p.len;
	x->dest = strdup(dest);
	x->what = strdup(what);
	x->nodes = calloc(n + 1, sizeof *x->nodes);
	if (x->dest == NULL || x->what == NULL || x->nodes == NULL)
		abort();
	x->n = n;
	for (i = 0; i < n; i++) {
		x->nodes[i].id = ids[i];
		x->nodes[i].name = engine_node_name(e, ids[i]);
		x->nodes[i].in_job = 1;
	}
}

int
push_run_begin(struct push_run *x, struct engine *e, struct push_payload *p,
    char *command, const char *dest, const char *what,
    const struct push_opts *o, const int *ids, size_t n, int fanout,
    int timeout_ms, char **cause)
{
	pr_init(x, e, p, command, dest, what, o, ids, n, fanout, timeout_ms);
	if (n == 0) {
		*cause = strdup("no nodes to push to");
		push_run_free(x);
		return (-1);
	}
	if (pr_start_job(x, cause) != 0) {
		push_run_free(x);
		return (-1);
	}
	return (0);
}

/* The first round of a bulk push on NW worker threads; X shows it. */
static int
pr_start_pool(struct push_run *x, struct engine *e,
    const struct engine_config *cfg, const char *const *addrs, size_t nw,
    struct push_payload *p, char *command, const char *dest,
    const char *what, const struct push_opts *o, const int *ids, size_t n,
    int fanout, int timeout_ms, char **cause)
{
	const char	**names;
	size_t		  i;
	int		  rc;

	pr_init(x, e, p, command, dest, what, o, ids, n, fanout, timeout_ms);
	names = calloc(n + 1, sizeof *names);
	x->pool = calloc(1, sizeof *x->pool);
	if (names == NULL || x->pool == NULL)
		abort();
	for (i = 0; i < n; i++)
		names[i] = x->nodes[i].name;
	rc = push_pool_start(x->pool, nw, cfg, names, addrs, n, &x->p,
	    x->command, dest, what, o, fanout, timeout_ms, cause);
	free(names);
	if (rc != 0) {
		push_pool_cancel(x->pool);
		push_run_free(x);
		return (-1);
	}
	x->nthreads = nw;
	x->round = 1;
	clock_gettime(CLOCK_MONOTONIC, &x->t0);
	x->tlast = x->t0;
	push_run_sample(x);
	return (0);
}

int
push_run_active(const struct push_run *x)
{
	return ((x->job != 0 || x->pool != NULL) && !x->finished);
}

int
push_run_start(struct push_run *x, struct engine *e,
    const struct engine_config *cfg, const char *const *addrs,
    char *const *srcs, size_t nsrcs, const char *dest,
    const struct push_opts *o, const int *ids, size_t n, int fanout,
    int timeout_ms, char **cause)
{
	struct push_payload	 p;
	struct strbuf		 b;
	char			*command;
	size_t			 i, nw;
	int			 rc;

	memset(x, 0, sizeof *x);
	memset(&p, 0, sizeof p);
	if (n == 0) {
		*cause = strdup("no nodes to push to");
		return (-1);
	}
	if (push_source_load(&p, srcs, nsrcs, o, cause) != 0)
		return (-1);
	if ((command = push_command(&p, dest, o, cause)) == NULL) {
		push_payload_free(&p);
		return (-1);
	}
	memset(&b, 0, sizeof b);
	for (i = 0; i < nsrcs; i++) {
		if (i > 0)
			strbuf_add(&b, " ");
		strbuf_add(&b, srcs[i]);
	}
	strbuf_addn(&b, "", 1);
	nw = cfg != NULL ? push_pool_threads(n, p.len, fanout) : 1;
	if (nw > 1)
		rc = pr_start_pool(x, e, cfg, addrs, nw, &p, command, dest,
		    (char *)b.s, o, ids, n, fanout, timeout_ms, cause);
	else
		rc = push_run_begin(x, e, &p, command, dest, (char *)b.s, o,
		    ids, n, fanout, timeout_ms, cause);
	strbuf_free(&b);
	return (rc);
}

int
push_run_retry(struct push_run *x, char **cause)
{
	struct push_run_node	*pn;
	size_t			 i, n = 0;

	if (push_run_active(x)) {
		*cause = strdup("the push is still running");
		return (-1);
	}
	for (i = 0; i < x->n; i++) {
		pn = &x->nodes[i];
		pn->in_job = pn->state == PUSH_NODE_FAILED;
		if (!pn->in_job)
			continue;
		n++;
		/* A node that was down gets a fresh connection attempt. */
		if (engine_node_state(x->e, pn->id) != NODE_UP)
			engine_reconnect(x->e, pn->id);
		pn->state = PUSH_NODE_QUEUED;
		pn->done = pn->last = 0;
		pn->rate = 0;
		free(pn->why);
		pn->why = NULL;
		pn->status = 0;
	}
	if (n == 0) {
		*cause = strdup("no failed nodes to push to again");
		return (-1);
	}
	if (x->job != 0)
		engine_job_release(x->e, x->job);
	x->job = 0;
	return (pr_start_job(x, cause));
}

static struct push_run_node *
pr_node(struct push_run *x, int id)
{
	size_t	i;

	for (i = 0; i < x->n; i++) {
		if (x->nodes[i].id == id && x->nodes[i].in_job)
			return (&x->nodes[i]);
	}
	return (NULL);
}

int
push_run_event(struct push_run *x, const struct engine_event *ev)
{
	const struct engine_job_result	*r;
	struct push_run_node		*pn;

	if (x->job == 0 || ev->id != x->job)
		return (0);
	if (ev->type == ENGINE_EV_JOB_NODE_DONE &&
	    (pn = pr_node(x, ev->node)) != NULL) {
		r = engine_job_result(x->e, x->job, pn->id);
		if (r != NULL)
			pn->done = r->stdin_sent;
		free(pn->why);
		pn->why = NULL;
		pn->status = push_run_judge(r, &x->p, &x->o, pn->name,
		    &pn->why);
		pn->state = pn->status == 0 ? PUSH_NODE_DONE :
		    PUSH_NODE_FAILED;
		if (pn->state == PUSH_NODE_DONE)
			pn->done = x->total;
		return (0);
	}
	if (ev->type == ENGINE_EV_JOB_DONE) {
		push_run_sample(x);
		x->finished = 1;
		/* The average over the whole push, not the last sample. */
		x->rate = x->secs > 0 ? (double)x->sum / x->secs : 0;
		return (1);
	}
	return (0);
}

/*
 * A push on worker threads: the nodes' bytes and states from the pool;
 * once every worker ended, their results, and the pool goes. Returns 1
 * then.
 */
static int
pr_sample_pool(struct push_run *x)
{
	const struct push_run_node	*rn;
	struct push_run_node		*pn;
	size_t				 i;
	int				 ended;

	ended = push_pool_finished(x->pool);
	if (ended)
		push_pool_join(x->pool);
	for (i = 0; i < x->n; i++) {
		pn = &x->nodes[i];
		pn->done = push_pool_done(x->pool, i);
		pn->state = push_pool_state(x->pool, i);
		if (!ended || (rn = push_pool_node(x->pool, i)) == NULL)
			continue;
		pn->state = rn->state;
		pn->status = rn->status;
		pn->done = rn->done;
		free(pn->why);
		pn->why = rn->why != NULL ? strdup(rn->why) : NULL;
		/* Never started (cancelled before its turn): not in place. */
		if (pn->state == PUSH_NODE_QUEUED ||
		    pn->state == PUSH_NODE_SENDING) {
			pn->state = PUSH_NODE_FAILED;
			pn->status = 130;
			if (pn->why == NULL)
				pn->why = strdup("cancelled");
		}
	}
	if (ended) {
		if (push_pool_loop_failed(x->pool) && !x->cancelled)
			for (i = 0; i < x->n; i++)
				if (x->nodes[i].why == NULL &&
				    x->nodes[i].state != PUSH_NODE_DONE)
					x->nodes[i].why = strdup("event loop "
					    "failed");
		push_pool_free(x->pool);
		free(x->pool);
		x->pool = NULL;
	}
	return (ended);
}

int
push_run_sample(struct push_run *x)
{
	const struct engine_job_result	*r;
	struct push_run_node		*pn;
	struct timespec			 now;
	double				 dt, inst;
	size_t				 i;
	int				 ended = 0;

	if (x->pool != NULL && !x->finished)
		ended = pr_sample_pool(x);
	else if (x->job == 0)
		return (0);
	clock_gettime(CLOCK_MONOTONIC, &now);
	dt = pr_elapsed(&x->tlast, &now);
	if (!x->finished)
		x->secs = pr_elapsed(&x->t0, &now);
	x->nqueued = x->nsending = x->ndone = x->nfailed = 0;
	x->sum = 0;
	x->rate = 0;
	for (i = 0; i < x->n; i++) {
		pn = &x->nodes[i];
		if (pn->state == PUSH_NODE_DONE)
			x->ndone++;
		else if (pn->state == PUSH_NODE_FAILED)
			x->nfailed++;
		if (!pn->in_job)
			continue;
		if ((pn->state == PUSH_NODE_QUEUED ||
		    pn->state == PUSH_NODE_SENDING) && x->job != 0) {
			r = engine_job_result(x->e, x->job, pn->id);
			if (r != NULL && r->state == JOB_NODE_RUNNING) {
				pn->state = PUSH_NODE_SENDING;
				pn->done = r->stdin_sent;
			}
		}
		if (dt > 0.05 && !x->finished) {
			inst = (double)(pn->done - pn->last) / dt;
			pn->rate = pn->rate == 0 ? inst : 0.5 * pn->rate +
			    0.5 * inst;
			if (pn->state != PUSH_NODE_SENDING)
				pn->rate = 0;
			pn->last = pn->done;
		}
		if (pn->state == PUSH_NODE_QUEUED)
			x->nqueued++;
		else if (pn->state == PUSH_NODE_SENDING)
			x->nsending++;
		x->sum += pn->done;
		x->rate += pn->rate;
	}
	if (dt > 0.05 && !x->finished)
		x->tlast = now;
	if (ended) {
		x->finished = 1;
		x->secs = pr_elapsed(&x->t0, &now);
	}
	if (x->finished)
		x->rate = x->secs > 0 ? (double)x->sum / x->secs : 0;
	return (ended);
}

void
push_run_cancel(struct push_run *x)
{
	if (x->pool != NULL && !x->finished) {
		push_pool_cancel(x->pool);
		x->cancelled = 1;
		return;
	}
	if (x->job != 0 && !x->finished) {
		engine_job_cancel(x->e, x->job);
		x->cancelled = 1;
	}
}

void
push_run_free(struct push_run *x)
{
	size_t	i;

	if (x->pool != NULL) {
		/* Its threads stream X's payload: they end first. */
		push_pool_cancel(x->pool);
		push_pool_free(x->pool);
		free(x->pool);
		x->pool = NULL;
	}
	if (x->job != 0) {
		if (!x->finished)
			engine_job_cancel(x->e, x->job);
		/* A cancelled job ends later; its stdin must stay mapped. */
		if (engine_job_finished(x->e, x->job))
			engine_job_release(x->e, x->job);
		else
			return;
	}
	for (i = 0; i < x->n; i++)
		free(x->nodes[i].why);
	free(x->nodes);
	if (!x->borrowed) {
		free(x->command);
		push_payload_free(&x->p);
	}
	free(x->dest);
	free(x->what);
	memset(x, 0, sizeof *x);
}
