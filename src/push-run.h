/*
 * push-run.h -- a push as an event-driven runner, for the TUI (`P`) and
 * `clustertop push`: start it, feed it the engine's events, sample it for
 * progress, read its nodes, push again to the failed ones.
 *
 * Like phase-run.c's runner it never waits: the caller owns the loop
 * (engine_run_once) and passes every engine event to push_run_event().
 * The remote command and the payload come from push.c; this file only
 * keeps the per-node state and judges each node's result.
 */
#ifndef CT_PUSH_RUN_H
#define CT_PUSH_RUN_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "push.h"

struct engine;
struct engine_event;
struct engine_job_result;

enum push_node_state {
	PUSH_NODE_QUEUED = 0,	/* waiting for its session or a slot */
	PUSH_NODE_SENDING,
	PUSH_NODE_DONE,		/* the file is in place */
	PUSH_NODE_FAILED	/* why says why; status is the exit code */
};
const char	*push_node_state_name(enum push_node_state);

struct push_run_node {
	int		 id;		/* engine node id */
	const char	*name;		/* borrowed from the engine */
	enum push_node_state state;
	uint64_t	 done;		/* bytes the node accepted */
	uint64_t	 last;		/* at the previous sample */
	double		 rate;		/* bytes/s, smoothed */
	char		*why;		/* failure reason, malloc'd */
	int		 status;	/* push's exit code for this node */
	int		 in_job;	/* part of the current job */
};

struct push_run {
	struct engine	*e;
	struct push_payload p;
	struct push_opts o;
	char		*command;
	char		*dest;
	char		*what;		/* the sources, for titles */
	uint32_t	 job;		/* 0 when none is running */
	int		 fanout;
	int		 timeout_ms;
	struct push_run_node *nodes;
	size_t		 n;
	uint64_t	 total;		/* bytes per node */
	size_t		 nqueued, nsending, ndone, nfailed;
	uint64_t	 sum;		/* bytes accepted, all nodes of the job */
	double		 rate;		/* all nodes, bytes/s */
	double		 secs;		/* since the start (or until the end) */
	int		 finished;	/* the job has ended */
	int		 cancelled;
	int		 round;		/* 1 first push, 2.. re-pushes */
	int		 borrowed;	/* p and command belong to the caller */
	struct timespec	 t0, tlast;
	/* A bulk first round on worker threads (push-pool.h); NULL else. */
	struct push_pool *pool;
	size_t		 nthreads;	/* of the first round; 1: E alone */
};

struct engine_config;

/*
 * Load SRCS, build the command for DEST and start the job on the N nodes
 * IDS of E. With CFG, a bulk push (push_pool_threads) runs instead on
 * worker threads, each with sessions of its own made with CFG (ADDRS: the
 * nodes' addresses, by index), as `clustertop push` runs one; X shows it
 * all the same, and a re-push of the failed nodes runs on E. Returns 0,
 * or -1 with *cause (a source missing, a bad destination, the engine
 * refused).
 */
int		 push_run_start(struct push_run *, struct engine *,
		     const struct engine_config *cfg,
		     const char *const *addrs, char *const *srcs,
		     size_t nsrcs, const char *dest, const struct push_opts *,
		     const int *ids, size_t n, int fanout, int timeout_ms,
		     char **cause);
/* 1 while the push runs (on E or on worker threads). */
int		 push_run_active(const struct push_run *);
/*
 * The same with a payload and command already made (`clustertop push`
 * checks its sources before it connects): *P and COMMAND are taken over
 * (*P is cleared) even on failure. WHAT names the sources for titles.
 */
int		 push_run_begin(struct push_run *, struct engine *,
		     struct push_payload *, char *command, const char *dest,
		     const char *what, const struct push_opts *,
		     const int *ids, size_t n, int fanout, int timeout_ms,
		     char **cause);
/* Push again to the failed nodes only; 0, or -1 with *cause. */
int		 push_run_retry(struct push_run *, char **cause);
/* Feed an engine event; returns 1 when the job just finished. */
int		 push_run_event(struct push_run *, const struct engine_event *);
/*
 * Refresh bytes, rates and counts (call a few times a second). Returns 1
 * when a push on worker threads was seen to finish (then judged, and its
 * threads and their sessions gone).
 */
int		 push_run_sample(struct push_run *);
void		 push_run_cancel(struct push_run *);
void		 push_run_free(struct push_run *);

/*
 * Judge one node's result of a push of P with options O: 0 when the file
 * is in place, else push's exit code (1, 254, 255, 130) with *why
 * (malloc'd). NAME is the node's name (for the engine's messages).
 */
int		 push_run_judge(const struct engine_job_result *,
		     const struct push_payload *, const struct push_opts *,
		     const char *name, char **why);

#endif
