/*
 * nvme-run.h -- `clustertop nvme` as an event-driven runner, for the
 * TUI's storage view (`n`): scan the nodes, keep the plan that was shown,
 * and wipe only with the typed device count, re-scanning first (a node
 * whose plan changed is skipped) and after (a wiped device must be
 * clean). The caller owns the loop and feeds every engine event to
 * nvme_run_event(). The planner itself is nvme.c.
 *
 * Both front ends run on it: the dashboard's `n` (tui.c, drawn by
 * ui/pane-nvme.c from the log and the nodes) and `clustertop nvme`
 * (cmd-nvme.c, which prints the plans and the log lines as they come).
 */
#ifndef CT_NVME_RUN_H
#define CT_NVME_RUN_H

#include <stddef.h>
#include <stdint.h>

#include "nvme.h"

struct engine;
struct engine_event;

enum nvme_run_phase {
	NVME_RUN_IDLE = 0,
	NVME_RUN_SCANNING,	/* the scan whose plans are shown */
	NVME_RUN_PLANNED,	/* plans ready; a wipe needs the count */
	NVME_RUN_RESCAN,	/* scanning again before the wipe */
	NVME_RUN_WIPING,
	NVME_RUN_VERIFY,	/* scanning after the wipe */
	NVME_RUN_DONE		/* summary holds the outcome */
};

/* What a log line is, for a front end that prints them as they come. */
enum nvme_log_kind {
	NVME_LOG_INFO = 0,	/* progress, results, the summary */
	NVME_LOG_ERROR,		/* something went wrong (a node skipped, ...) */
	NVME_LOG_STDERR		/* a node's stderr during the wipe */
};

struct nvme_run_node;
struct engine_job_result;

/* Settings a caller makes before nvme_run_scan (kept across scans). */
struct nvme_run_opts {
	struct nvme_select sel;		/* which devices */
	int		 timeout_ms;	/* per job; 0: scan 120 s, wipe none */
	int		 fanout;	/* scan nodes at once; 0: all */
	/* Every log line as it is added (also kept in log[]), or NULL. */
	void		(*log_cb)(enum nvme_log_kind, const char *, void *);
	/* Every node's raw scan result before it is planned, or NULL. */
	void		(*scan_cb)(const struct nvme_run_node *,
			    const struct engine_job_result *, void *);
	void		*arg;
};

struct nvme_run_node {
	int		 id;		/* engine node id */
	const char	*name;		/* borrowed from the engine */
	struct nvme_plan plan;		/* the latest scan */
	struct nvme_plan shown;		/* the plan the wipe was confirmed on */
	int		 scanned;	/* plan is valid */
	char		*error;		/* the scan failed: why */
	int		 skip;		/* plan changed before the wipe */
	uint32_t	 job;		/* its wipe job, 0 none */
	size_t		 ok, failed, dirty;
};

struct nvme_run {
	struct nvme_run_opts opt;
	struct engine	*e;
	enum nvme_run_phase phase;
	uint32_t	 job;		/* the scan job in flight */
	struct nvme_run_node *nodes;
	size_t		 n;
	size_t		 nwipe;		/* devices the shown plans wipe */
	size_t		 nrefuse, nclean, nerror;
	size_t		 wiping;	/* wipe jobs still running */
	char		**log;		/* what ran and what it printed */
	size_t		 nlog;
	char		 summary[256];
	int		 failed;	/* the outcome was not all clean */
	int		 cancelled;	/* stop after the jobs in flight */
};

/*
 * Scan the N nodes IDS (again); 0, or -1 with *cause. A node that cannot
 * be scanned gets an error "clustertop: NODE: why" and is never touched.
 */
int		 nvme_run_scan(struct nvme_run *, struct engine *,
		     const int *ids, size_t n, char **cause);
/*
 * Wipe what the shown plans wipe, if CONFIRM is that number of devices;
 * 0, or -1 with *cause (a wrong count, nothing to wipe, busy).
 */
int		 nvme_run_wipe(struct nvme_run *, long confirm, char **cause);
/* Feed an engine event; returns 1 when the runner changed phase. */
int		 nvme_run_event(struct nvme_run *, const struct engine_event *);
/* 1 while a scan or a wipe is in flight. */
int		 nvme_run_busy(const struct nvme_run *);
/* Stop the jobs in flight; the run then ends (DONE) without starting more. */
void		 nvme_run_cancel(struct nvme_run *);
/* Free everything but the options. */
void		 nvme_run_free(struct nvme_run *);

#endif
