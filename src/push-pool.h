/*
 * push-pool.h -- a bulk push on several threads, for `clustertop push` and
 * the dashboard's `P` alike.
 *
 * Every node's encryption and packet building happens on the thread of
 * the engine that holds its session, and one thread was the bottleneck of
 * a big push (docs/bench.md). So a bulk push (push_pool_threads) runs on
 * NW worker threads, each with an engine of its own, its own sessions to
 * a share of the nodes (node i goes to worker i % NW), and a push_run on
 * it. libssh sessions never cross threads: the caller's thread only reads
 * each node's byte count and end (atomics) while the workers run, and
 * reads their results (push_pool_node) after push_pool_join.
 */
#ifndef CT_PUSH_POOL_H
#define CT_PUSH_POOL_H

#include <stddef.h>
#include <stdint.h>

#include "push-run.h"

struct engine_config;
struct push_pool_worker;

struct push_pool {
	struct push_pool_worker	*w;
	size_t			 nw;
	size_t			 n;	/* nodes, by global index */
	uint64_t		*done;	/* atomic: bytes node i accepted */
	int			*state;	/* atomic: node i's enum push_node_state */
	int			 joined;
};

/*
 * How many threads for a push of LEN bytes to N nodes with at most
 * FANOUT (0: any) at once: $CLUSTERTOP_PUSH_THREADS, else one per CPU (at
 * most 4) when the push is bulk (at least 1 MiB to at least 8 nodes),
 * else 1 (no pool: the caller's own engine does it).
 */
size_t		 push_pool_threads(size_t n, size_t len, int fanout);

/*
 * Start NW workers pushing P with COMMAND (both stay the caller's, and
 * must outlive the pool) to the N nodes NAMES (ADDRS: their addresses,
 * or NULL entries), each worker connecting its share with CFG. Returns
 * 0, or -1 with *cause; after a failure too, push_pool_free ends the
 * workers that did start.
 */
int		 push_pool_start(struct push_pool *, size_t nw,
		     const struct engine_config *, const char *const *names,
		     const char *const *addrs, size_t n,
		     const struct push_payload *p, char *command,
		     const char *dest, const char *what,
		     const struct push_opts *, int fanout, int timeout_ms,
		     char **cause);
/* 1 when every worker's job has ended. */
int		 push_pool_finished(const struct push_pool *);
/* Ask every worker to cancel (nothing is renamed into place). */
void		 push_pool_cancel(struct push_pool *);
/* Node I while it runs: bytes accepted, and its state. */
uint64_t	 push_pool_done(const struct push_pool *, size_t i);
enum push_node_state push_pool_state(const struct push_pool *, size_t i);
/* Wait for the workers' threads to end (after push_pool_finished). */
void		 push_pool_join(struct push_pool *);
/* 1 when a worker's event loop failed. */
int		 push_pool_loop_failed(const struct push_pool *);
/* After push_pool_join: node I's result in its worker's runner. */
const struct push_run_node *push_pool_node(const struct push_pool *,
		     size_t i);
/* Join, and free the workers and their engines (the payload stays). */
void		 push_pool_free(struct push_pool *);

#endif
