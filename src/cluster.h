/*
 * cluster.h -- the dashboard model: every node's connection state, Slurm
 * state, metrics and selection, the filtered and sorted view of them, and
 * cluster-wide totals for the header.
 *
 * tui.c feeds it (engine events, stream lines, Slurm snapshots, the clock)
 * and ui/ reads it. It does no I/O and keeps no clock of its own: every
 * call that depends on time takes NOW_MS, a monotonic millisecond count,
 * so the unit tests can drive it. Node indices are the engine's node ids
 * (tui.c adds nodes to both in the same order).
 *
 * Changes set bits in c->flags; the UI redraws when it sees them and
 * clears them. cluster_refresh() re-filters, re-sorts and re-sums only
 * when something changed since the last call.
 */
#ifndef CT_CLUSTER_H
#define CT_CLUSTER_H

#include <stddef.h>
#include <stdint.h>

#include "engine.h"
#include "metrics.h"

struct inventory;

/* Columns the view can be sorted by. */
enum cluster_sort {
	CLUSTER_SORT_NAME = 0,
	CLUSTER_SORT_STATE,
	CLUSTER_SORT_LOAD,
	CLUSTER_SORT_CPU,
	CLUSTER_SORT_MEM,
	CLUSTER_SORT_DISK,
	CLUSTER_SORT_UPTIME,
	CLUSTER_SORT_SLURM,
	CLUSTER_NSORTS
};

/* Slurm states as the header counts them. */
enum cluster_slurm {
	CLUSTER_SLURM_NONE = 0,	/* not known to Slurm (or no Slurm) */
	CLUSTER_SLURM_IDLE,
	CLUSTER_SLURM_ALLOC,
	CLUSTER_SLURM_MIXED,
	CLUSTER_SLURM_DRAIN,
	CLUSTER_SLURM_DOWN,
	CLUSTER_SLURM_OTHER,
	CLUSTER_NSLURM
};

/* How a node looks in the table, from connection state and freshness. */
enum cluster_health {
	CLUSTER_HEALTH_UP = 0,	/* up, samples arriving */
	CLUSTER_HEALTH_WAITING,	/* up, no sample yet */
	CLUSTER_HEALTH_STALE,	/* up, no sample for 2 intervals */
	CLUSTER_HEALTH_CONNECTING, /* new, connecting, reconnecting */
	CLUSTER_HEALTH_DOWN,	/* unreachable, timed out */
	CLUSTER_HEALTH_AUTH	/* auth failed, host key mismatch */
};

#define CLUSTER_NERRORS		8	/* errors kept per node */
#define CLUSTER_ERROR_LEN	200

struct cluster_error {
	uint64_t	 when_ms;	/* monotonic */
	char		 text[CLUSTER_ERROR_LEN];
};

struct cluster_node {
	char		*name;		/* owned */
	char		*addr;		/* owned; NULL when none */
	enum node_state	 conn;
	uint64_t	 conn_since_ms;	/* when conn last changed */
	uint64_t	 lost_ms;	/* when it stopped being up; 0 while up */
	char		*why;		/* last connection error, owned; or NULL */

	char		*slurm_state;	/* sinfo compact name, owned; or NULL */
	char		*slurm_reason;	/* owned; or NULL */
	enum cluster_slurm slurm;

	struct metrics_node m;
	uint64_t	 last_sample_ms; /* monotonic; 0 never */
	int		 stale;
	int		 selected;
	int		 visible;	/* passes the filter */

	struct cluster_error errors[CLUSTER_NERRORS];	/* ring */
	unsigned	 error_head;
	unsigned	 nerrors;
};

/* Totals for the header, recomputed by cluster_refresh(). */
struct cluster_summary {
	size_t		 n;
	size_t		 nvisible;
	size_t		 nselected;
	size_t		 conn[NODE_RECONNECTING + 1];	/* per node_state */
	size_t		 stale;
	size_t		 slurm[CLUSTER_NSLURM];
	size_t		 nsampled;	/* nodes with a fresh sample */
	double		 load1;		/* sum over sampled nodes */
	int		 ncpu;		/* sum over sampled nodes */
	float		 cpu_pct;	/* CPU-weighted mean; <0 unknown */
	uint64_t	 mem_used_kb;
	uint64_t	 mem_total_kb;
	uint64_t	 disk_used_kb;	/* of "/" on every sampled node */
	uint64_t	 disk_total_kb;
	uint64_t	 newest_ms;	/* newest sample, monotonic; 0 none */
	unsigned	 mounts_seen;	/* bit K: some node has mounts[K] */
};

struct cluster {
	char		*name;		/* cluster name for the header, owned */
	double		 interval_s;	/* sampling interval */
	char		**mounts;	/* disk columns besides "/", owned */
	size_t		 nmounts;

	struct cluster_node *nodes;
	size_t		 n;

	size_t		*view;		/* visible node indices, sorted */
	size_t		 nview;
	enum cluster_sort sort;
	int		 reverse;	/* 1: the other way from the default */
	char		*filter;	/* the filter text, owned; NULL none */

	struct cluster_summary sum;
	int		 flags;
#define CLUSTER_CHANGED_DATA	0x1	/* numbers or states changed */
#define CLUSTER_CHANGED_VIEW	0x2	/* membership or order may change */
#define CLUSTER_CHANGED_SELECT	0x4	/* selection changed */

	void		*filter_state;	/* compiled filter, private */
	void		*index;		/* name hash, private */
	size_t		 index_size;
};

struct cluster	*cluster_create(const char *name, double interval_s);
void		 cluster_free(struct cluster *);
/* Add a node; returns its index (== the engine's node id). */
size_t		 cluster_add_node(struct cluster *, const char *name,
		     const char *addr);
/* Index of NAME, or -1. */
long		 cluster_find(const struct cluster *, const char *name);
/* The configured extra mounts (besides "/"), copied. */
void		 cluster_set_mounts(struct cluster *, const char *const *,
		     size_t);

/* A connection state change from the engine (TEXT may be NULL). */
void		 cluster_node_conn(struct cluster *, size_t i, enum node_state,
		     const char *text, uint64_t now_ms);
/* A diagnostic about one node, kept in its error ring. */
void		 cluster_node_error(struct cluster *, size_t i, const char *text,
		     uint64_t now_ms);
/* A line from the node's metrics stream; returns 1 if it was a sample. */
int		 cluster_node_line(struct cluster *, size_t i, const char *line,
		     size_t len, uint64_t now_ms);
/* Take Slurm states from an inventory snapshot (nodes matched by name). */
void		 cluster_apply_slurm(struct cluster *, const struct inventory *);
/* Mark nodes stale whose samples stopped; returns 1 if any changed. */
int		 cluster_tick(struct cluster *, uint64_t now_ms);
/* Milliseconds without a sample after which an up node is stale. */
uint64_t	 cluster_stale_ms(const struct cluster *);

enum cluster_health cluster_health(const struct cluster_node *);
enum cluster_slurm cluster_slurm_class(const char *state, int inv_flags);
const char	*cluster_slurm_name(enum cluster_slurm);
const char	*cluster_sort_name(enum cluster_sort);

/* Set the sort column; the same column again flips the direction. */
void		 cluster_set_sort(struct cluster *, enum cluster_sort);
/*
 * Filter the view: NULL or "" shows every node. TEXT is a host-list
 * expression when it has brackets or commas and parses as one, a state
 * ("state:drain", "state:unreachable", "state:stale") or else a substring
 * of the name. A leading '!' inverts. Returns 0, or -1 with *cause.
 */
int		 cluster_set_filter(struct cluster *, const char *text,
		     char **cause);
/* Re-filter, re-sort and re-sum if anything changed. */
void		 cluster_refresh(struct cluster *, uint64_t now_ms);

/* Selection. */
void		 cluster_select(struct cluster *, size_t i, int on);
/* Select (ON=1) or clear every visible node. */
void		 cluster_select_visible(struct cluster *, int on);
void		 cluster_select_none(struct cluster *);
/*
 * Select (or clear) the nodes matching EXPR (same syntax as the filter).
 * Returns the number of nodes matched, or -1 with *cause.
 */
long		 cluster_select_expr(struct cluster *, const char *expr, int on,
		     char **cause);
/* The selected node indices in view order (malloc'd; *n may be 0). */
size_t		*cluster_selected(const struct cluster *, size_t *n);

/* Natural order of node names: node2 < node10. */
int		 cluster_name_cmp(const char *, const char *);

#endif
