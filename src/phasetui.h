/*
 * phasetui.h -- the dashboard's Phases screen and tests menu, as a model.
 *
 * The setup phases (phase.h) driven from the TUI: the list of the phases
 * with the state of their last run, the dry run of one phase (or of all)
 * waiting for a confirmation, and the live run with per-node progress and
 * the results grouped like dshbak (gather.h). It runs on the dashboard's
 * own engine (its persistent sessions) through the event-driven runner,
 * and never draws: ui/pane-phases.c draws a struct ptui, writes a request
 * into it and sets UI_ACTION_PHASES; tui.c then calls ptui_request().
 *
 * Safety: a phase that changes nodes runs only from PTUI_PLAN, after the
 * dry run was shown (Enter or y there); a request to run anything else
 * goes through the dry run first. Tests (phases without "confirm") run at
 * once, as `clustertop test` does.
 */
#ifndef CT_PHASETUI_H
#define CT_PHASETUI_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "phase.h"
#include "util.h"

struct engine;
struct engine_event;
struct cluster;
struct gather;

enum ptui_mode {
	PTUI_LIST = 0,		/* the nine phases and their last run */
	PTUI_PLAN,		/* a dry run, waiting for Enter / y */
	PTUI_RUN,		/* a run: nodes live, then grouped results */
	PTUI_TESTS		/* the `t` menu: MPI test, Slurm test */
};

enum ptui_status {
	PTUI_NEVER = 0,		/* not run in this session, nothing recorded */
	PTUI_RUNNING,
	PTUI_DONE,		/* every node succeeded */
	PTUI_FAILED,		/* a node or the head failed */
	PTUI_RECORDED		/* a run before this session (state file) */
};

enum ptui_request {
	PTUI_REQ_NONE = 0,
	PTUI_REQ_OPEN,		/* load the phases file, show req_mode */
	PTUI_REQ_PLAN,		/* dry run of req_phase (0: all), req_failed */
	PTUI_REQ_CONFIRM,	/* run what PTUI_PLAN shows */
	PTUI_REQ_TEST,		/* run req_phase now (a test: no confirmation) */
	PTUI_REQ_CANCEL		/* stop the running step everywhere */
};

#define PTUI_NSTATES	(PHASE_NODE_SKIPPED + 1)

struct ptui_phase {
	int		 number;
	const char	*name;		/* borrowed from the set */
	const char	*title;
	int		 confirm;
	enum ptui_status status;
	size_t		 count[PTUI_NSTATES];	/* nodes per result, last run */
	time_t		 last;		/* end of the last run; 0 never */
	double		 seconds;	/* its duration */
	size_t		 nfailed_recorded;	/* from the state file */
	char		 summary[512];	/* "changed head,node[01-08] (9)" */
	struct gather	*result;	/* grouped output of the last run here */
};

struct ptui_options {
	const char	*ssh_config;	/* for {ct_options} */
	const char	*user;
	int		 accept_new;
	const char	*known_hosts;	/* NULL: ~/.ssh/known_hosts */
	const char	*audit_log;	/* as the engine's */
	const char	*phases_file;	/* NULL: the usual search */
};

struct ptui {
	struct engine		*e;
	struct cluster		*c;
	struct ptui_options	 o;
	struct phase_set	*set;
	char			*error;		/* the phases file could not load */
	struct ptui_phase	*ph;
	size_t			 nph;
	enum ptui_mode		 mode;
	size_t			 cursor;	/* list: phase index */

	/* The dry run (PTUI_PLAN) and, after Enter, the run's parameters. */
	int			*numbers;
	size_t			 nnumbers;
	int			 failed_only;	/* --failed */
	struct strbuf		 plan;		/* the text shown (.s NULL: none) */
	size_t			 plan_top;
	char			*where;		/* "the head node and node[01-08] (8 nodes)" */
	struct phase_target	*targets, *cluster;
	size_t			 ntargets, ncluster;
	struct phase_vars	*vars;
	struct phase_run	*preview;	/* read-only preview steps */
	int			 preview_failed;
	int			 ready;		/* Enter may run it */
	int			 needs_confirm;

	/* The run (PTUI_RUN). */
	struct phase_run	*run;
	int			 running;
	int			 cur_phase;	/* number, -1 none */
	char			 step[256];	/* "step 2/3 (/etc/hosts block) on node[01-08]" */
	int			 step_on_nodes;	/* the step runs on the nodes: the head waits */
	size_t			 step_nodes_done; /* nodes whose part of it ended */
	uint64_t		 started_ms, phase_started_ms;
	size_t			 shown;		/* phase index whose result is shown */
	int			 grouped;	/* 1: results grouped; 0: nodes */
	size_t			 node_cursor, node_top, out_top;
	char			 done_text[512];	/* the end of the run */
	char			 what[64];	/* "phase 3", "all 9 phases" */

	/* From the pane. */
	enum ptui_request	 req;
	int			 req_phase;
	int			 req_failed;
	enum ptui_mode		 req_mode;

	/* To the glue. */
	int			 changed;	/* draw soon */
	char			 msg[256];
	int			 msg_error;
};

struct ptui	*ptui_create(struct engine *, struct cluster *,
		     const struct ptui_options *);
void		 ptui_free(struct ptui *);
/* Carry out the pane's request (req) and clear it. */
void		 ptui_request(struct ptui *);
/* Feed engine events; 1 when the event belonged to a run. */
int		 ptui_engine_event(struct ptui *, const struct engine_event *);
/* The index of phase NUMBER in ph[], or -1. */
int		 ptui_phase_index(const struct ptui *, int number);
/* The phase named NAME ("mpi"), or -1. */
int		 ptui_phase_by_name(const struct ptui *, const char *name);
/* "never run", "running", "done", "failed", "recorded". */
const char	*ptui_status_name(enum ptui_status);
/* Fill COUNTS with the run's nodes per state (active ones); returns total. */
size_t		 ptui_run_counts(const struct ptui *, size_t *counts);
/* The summary line of the run's node states, like the CLI's. */
void		 ptui_summary(const struct phase_run *, char *buf, size_t len,
		     size_t *counts);

#endif
