/*
 * push-pool.c -- a bulk push on several threads (see push-pool.h).
 */

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine.h"
#include "push-pool.h"

struct push_pool_worker {
	struct push_pool *pool;
	struct engine	*e;
	struct push_run	 run;
	size_t		*gidx;		/* global index of each local node */
	int		*lids;		/* local engine ids */
	size_t		 n;
	pthread_t	 th;
	int		 running;	/* the thread was started */
	int		 cancel;	/* atomic: 1 asks for a cancel */
	int		 finished;	/* atomic */
	int		 loop_failed;	/* atomic */
};

size_t
push_pool_threads(size_t n, size_t len, int fanout)
{
	const char	*v = getenv("CLUSTERTOP_PUSH_THREADS");
	long		 k;

	if (v != NULL && *v != '\0') {
		k = strtol(v, NULL, 10);
		k = k < 1 ? 1 : k > 16 ? 16 : k;
	} else if (n >= 8 && len >= 1024 * 1024) {
		k = sysconf(_SC_NPROCESSORS_ONLN);
		k = k < 1 ? 1 : k > 4 ? 4 : k;
	} else
		k = 1;
	if ((size_t)k > n)
		k = (long)n;
	/* -f N is for the whole push: N/nw per thread, at least one each. */
	if (fanout > 0 && k > fanout)
		k = fanout;
	return (k < 1 ? 1 : (size_t)k);
}

static void
pool_worker_event(const struct engine_event *ev, void *arg)
{
	struct push_pool_worker	*w = arg;

	push_run_event(&w->run, ev);
}

/* Publish the byte counts and states of W's nodes for the caller. */
static void
pool_worker_publish(struct push_pool_worker *w)
{
	const struct engine_job_result	*r;
	struct push_run_node		*rn;
	size_t				 j;

	push_run_sample(&w->run);
	for (j = 0; j < w->n; j++) {
		rn = &w->run.nodes[j];
		r = engine_job_result(w->e, w->run.job, rn->id);
		if (r != NULL)
			__atomic_store_n(&w->pool->done[w->gidx[j]],
			    (uint64_t)r->stdin_sent, __ATOMIC_RELAXED);
		__atomic_store_n(&w->pool->state[w->gidx[j]], (int)rn->state,
		    __ATOMIC_RELEASE);
	}
}

static void *
pool_worker_main(void *arg)
{
	struct push_pool_worker	*w = arg;

	engine_attach_thread(w->e);
	while (!engine_job_finished(w->e, w->run.job)) {
		if (__atomic_load_n(&w->cancel, __ATOMIC_ACQUIRE) &&
		    !w->run.cancelled)
			push_run_cancel(&w->run);
		if (engine_run_once(w->e, 100) != 0) {
			__atomic_store_n(&w->loop_failed, 1, __ATOMIC_RELEASE);
			break;
		}
		pool_worker_publish(w);
	}
	pool_worker_publish(w);
	__atomic_store_n(&w->finished, 1, __ATOMIC_RELEASE);
	return (NULL);
}

int
push_pool_start(struct push_pool *x, size_t nw,
    const struct engine_config *cfg, const char *const *names,
    const char *const *addrs, size_t n, const struct push_payload *p,
    char *command, const char *dest, const char *what,
    const struct push_opts *o, int fanout, int timeout_ms, char **cause)
{
	struct push_pool_worker	*w;
	struct push_payload	 pc;
	size_t			 k, i;

	memset(x, 0, sizeof *x);
	if (nw < 1)
		nw = 1;
	x->w = calloc(nw, sizeof *x->w);
	x->done = calloc(n + 1, sizeof *x->done);
	x->state = calloc(n + 1, sizeof *x->state);
	if (x->w == NULL || x->done == NULL || x->state == NULL)
		abort();
	x->nw = nw;
	x->n = n;
	for (k = 0; k < nw; k++) {
		w = &x->w[k];
		w->pool = x;
		w->gidx = calloc(n / nw + 2, sizeof *w->gidx);
		w->lids = calloc(n / nw + 2, sizeof *w->lids);
		if (w->gidx == NULL || w->lids == NULL)
			abort();
		if ((w->e = engine_create(cfg, cause)) == NULL)
			return (-1);
		engine_set_callback(w->e, pool_worker_event, w);
		for (i = k; i < n; i += nw) {
			w->gidx[w->n] = i;
			w->lids[w->n++] = engine_add_node(w->e, names[i],
			    addrs != NULL ? addrs[i] : NULL);
		}
		engine_connect(w->e, -1);
		pc = *p;
		if (push_run_begin(&w->run, w->e, &pc, command, dest, what, o,
		    w->lids, w->n, fanout > 0 ? fanout / (int)nw : 0,
		    timeout_ms, cause) != 0)
			return (-1);
		w->run.borrowed = 1;
		if ((errno = pthread_create(&w->th, NULL, pool_worker_main,
		    w)) != 0) {
			if (asprintf(cause, "pthread_create: %s",
			    strerror(errno)) == -1)
				abort();
			push_run_cancel(&w->run);
			return (-1);
		}
		w->running = 1;
	}
	return (0);
}

int
push_pool_finished(const struct push_pool *x)
{
	size_t	k;

	for (k = 0; k < x->nw; k++) {
		if (x->w[k].running &&
		    !__atomic_load_n(&x->w[k].finished, __ATOMIC_ACQUIRE))
			return (0);
	}
	return (1);
}

void
push_pool_cancel(struct push_pool *x)
{
	size_t	k;

	for (k = 0; k < x->nw; k++)
		__atomic_store_n(&x->w[k].cancel, 1, __ATOMIC_RELEASE);
}

uint64_t
push_pool_done(const struct push_pool *x, size_t i)
{
	return (i < x->n ? __atomic_load_n(&x->done[i], __ATOMIC_RELAXED) : 0);
}

enum push_node_state
push_pool_state(const struct push_pool *x, size_t i)
{
	return (i < x->n ? (enum push_node_state)__atomic_load_n(&x->state[i],
	    __ATOMIC_ACQUIRE) : PUSH_NODE_QUEUED);
}

void
push_pool_join(struct push_pool *x)
{
	struct push_pool_worker	*w;
	size_t			 k;

	for (k = 0; k < x->nw; k++) {
		w = &x->w[k];
		if (w->running) {
			pthread_join(w->th, NULL);
			w->running = 0;
		}
	}
	x->joined = 1;
}

int
push_pool_loop_failed(const struct push_pool *x)
{
	size_t	k;

	for (k = 0; k < x->nw; k++) {
		if (__atomic_load_n(&x->w[k].loop_failed, __ATOMIC_ACQUIRE))
			return (1);
	}
	return (0);
}

const struct push_run_node *
push_pool_node(const struct push_pool *x, size_t i)
{
	const struct push_pool_worker	*w;

	if (!x->joined || x->nw == 0 || i >= x->n)
		return (NULL);
	w = &x->w[i % x->nw];
	return (i / x->nw < w->run.n ? &w->run.nodes[i / x->nw] : NULL);
}

void
push_pool_free(struct push_pool *x)
{
	struct push_pool_worker	*w;
	size_t			 k;

	push_pool_join(x);
	for (k = 0; k < x->nw; k++) {
		w = &x->w[k];
		if (w->e != NULL)
			engine_free(w->e);
		w->run.job = 0;
		push_run_free(&w->run);
		free(w->gidx);
		free(w->lids);
	}
	free(x->w);
	free(x->done);
	free(x->state);
	memset(x, 0, sizeof *x);
}
