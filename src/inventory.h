/*
 * inventory.h -- where the node list comes from: -w, Slurm, $WCOLL or the
 * host file; and a watcher that keeps Slurm node states fresh for the TUI.
 *
 * Every libslurm call happens in a child process, `clustertop slurm-helper`
 * (slurm-helper.c), that answers with JSON lines on a pipe. libslurm can
 * exit() the process on a bad configuration and block for many seconds
 * when the controller is down; in the helper that only costs a warning.
 */
#ifndef CT_INVENTORY_H
#define CT_INVENTORY_H

#include <stddef.h>
#include <stdint.h>

struct inventory_node {
	char		*name;		/* Slurm / user name, e.g. node01 */
	char		*addr;		/* NodeAddr, or NULL */
	char		*slurm_state;	/* "idle", "alloc", "mix", "drain", "drng", "down", "down*", ... or NULL when not from Slurm; sinfo-compact style with * for not-responding */
	int		 slurm_flags;	/* INV_DRAIN, INV_DOWN, INV_NOT_RESPONDING, ... */
#define INV_DRAIN		0x0001	/* drained or draining: no new jobs */
#define INV_DOWN		0x0002	/* base state DOWN */
#define INV_NOT_RESPONDING	0x0004	/* slurmd not responding ("*") */
#define INV_FAIL		0x0008	/* FAIL flag: failing, no new jobs */
#define INV_MAINT		0x0010	/* in a maintenance reservation */
#define INV_REBOOT		0x0020	/* reboot requested or issued */
#define INV_POWER		0x0040	/* powered down, or powering up/down */
#define INV_COMPLETING		0x0080	/* jobs completing */
#define INV_ALLOCATED		0x0100	/* allocated or mixed: runs jobs */
#define INV_IDLE		0x0200	/* base state IDLE */
#define INV_FUTURE		0x0400	/* FUTURE node (not yet in service) */
#define INV_UNKNOWN		0x0800	/* base state UNKNOWN or unrecognised */
#define INV_RESERVED		0x1000	/* in an advanced reservation */
#define INV_INVALID_REG		0x2000	/* registered with a bad configuration */
	char		*partitions;	/* comma list, or NULL */
	int		 cpus;		/* 0 unknown */
	uint64_t	 memory_mb;	/* 0 unknown */
	char		*reason;	/* Slurm reason, or NULL */
};

struct inventory {
	struct inventory_node	*nodes;
	size_t			 nnodes;
	const char		*source;	/* "-w", "slurm", "WCOLL", "hostfile" */
	char			*warning;	/* why Slurm was not used (shown to the user), or NULL */
};

/*
 * Build the node list: -w WEXPR if given, else Slurm, else $WCOLL, else the
 * config host file; then remove -x XEXPR. With -w, nodes are enriched with
 * Slurm data (address, state) when Slurm answers within the timeout.
 * Returns 0; -1 when no source gave a node list; -2 when WEXPR or XEXPR is
 * not a valid host list. On failure *cause (malloc'd) says why.
 */
int	inventory_load(struct inventory **, const char *wexpr, const char *xexpr, char **cause);
void	inventory_free(struct inventory *);

/*
 * How long inventory_load() waits for Slurm, in milliseconds. 0 restores
 * the default: $CLUSTERTOP_SLURM_TIMEOUT (seconds, may be fractional) if
 * set, else 3000. A negative value skips Slurm entirely.
 */
void	inventory_set_slurm_timeout(int ms);
int	inventory_slurm_timeout(void);

/* Find a node by name; NULL if absent. */
struct inventory_node *inventory_find(struct inventory *, const char *name);

/*
 * Decode a Slurm node_state word into sinfo's compact name, lowercase
 * ("idle", "drain*", "mix", ...), and *flags (INV_*) unless NULL. The
 * string is valid until the next call in the same thread.
 */
const char *inventory_decode_state(uint32_t state, int *flags);

/*
 * Find the Slurm configuration the way slurm_init() would, without calling
 * libslurm: $SLURM_CONF if set (and then only it), else
 * /etc/slurm/slurm.conf, else /run/slurm/conf/slurm.conf (configless
 * cache). Returns 0 with *path (malloc'd), or -1 with *cause; *cause is
 * NULL when there is no configuration at all (Slurm simply not in use).
 */
int	inventory_slurm_conf(char **path, char **cause);
/* Slurm's ClusterName, else this host's name (malloc'd). */
char	*inventory_cluster_name(void);

/* The config host file that would be used, malloc'd, or NULL if none exists. */
char	*inventory_hostfile(void);

/*
 * Parse one line of helper output. Returns 1 with *out for a node
 * snapshot, 0 for a line of another kind (ignored), -1 with *cause for an
 * error object or bad JSON.
 */
int	inventory_parse_line(const char *line, size_t len, struct inventory **out, char **cause);

/*
 * Run `clustertop slurm-helper ARGS...` once and wait up to TIMEOUT_MS for
 * it to exit. Returns 0 with *line (malloc'd) holding its last JSON line,
 * or -1 with *cause (timeout, helper died and its stderr, or an error
 * object's text). For phase 9: {"submit", "--nodes", "4", "--script", F,
 * "--output", P, NULL} and {"job", "123", NULL}; see slurm-helper.c.
 */
int	slurm_helper_run(const char *const args[], int timeout_ms, char **line, char **cause);

/*
 * The TUI's watcher: a helper that queries Slurm every INTERVAL_MS and
 * writes a snapshot whenever something changed. Start it from the main
 * thread (the helper dies with the thread that started it).
 */
struct slurm_watch;
/* Fork the helper; NULL if Slurm is not configured (no config file found). */
struct slurm_watch *slurm_watch_start(int interval_ms);
/* Readable when an update arrived: add to the event loop. */
int	slurm_watch_fd(struct slurm_watch *);
/*
 * Read what arrived; returns 1 when *out holds a fresh snapshot (caller
 * inventory_free()s it), 0 nothing complete yet, -1 helper died (its
 * stderr/exit reason in *cause). A snapshot with no nodes and a warning
 * means the last query failed (controller down): keep the previous states
 * and show the warning. Never blocks.
 */
int	slurm_watch_read(struct slurm_watch *, struct inventory **out, char **cause);
/* The last query's error, or NULL when the last query succeeded. */
const char *slurm_watch_error(struct slurm_watch *);
/* Kill the helper and free everything. */
void	slurm_watch_stop(struct slurm_watch *);

#endif
