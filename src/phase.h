/*
 * phase.h -- the setup phases: definitions read from phases.json, template
 * expansion, dry-run plans, and an event-driven runner.
 *
 * A phase set is plain data loaded at run time (cJSON): phases made of
 * steps; each step runs on the head node (a local child process), on the
 * target nodes (one engine job), on both (head first), or on one node.
 * Commands are templates: {name} is replaced by a variable's value quoted
 * for the shell, so values from Slurm or the user never become shell code.
 * File contents are sent on the command's stdin and never pass through the
 * shell at all.
 *
 * Layers: loading, validation, expansion and plans are pure (no I/O other
 * than reading the phases file) and unit-tested. The runner (struct
 * phase_run) is driven by the caller's loop: it starts engine jobs and
 * local children, the caller forwards engine events to it, and it reports
 * progress through one callback and query functions. It never blocks and
 * never draws, so the TUI and the CLI drive it the same way.
 *
 * This header is the table of contents; each part lives in its own file:
 *   phase-load.c     finding, loading and validating phases.json
 *   phase-vars.c     the variable table and template expansion
 *   phase-plan.c     the scripts steps run, and the dry-run plans
 *   phase-context.c  the cluster context: nodes, hosts and known_hosts
 *                    entries, the admin user, the engine's host keys
 *   phase-run.c      the event-driven runner
 *   phase-state.c    --failed: the nodes that failed a phase last time
 *   cmd-phase.c      the command line (`clustertop phase`, `test`)
 * phase-int.h holds what these files share privately (the variable
 * table's layout). The dashboard's Phases screen is phasetui.c.
 */
#ifndef CT_PHASE_H
#define CT_PHASE_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct engine;
struct engine_event;
struct cJSON;

#define PHASE_UNCHANGED_EXIT	77	/* default: "already done, nothing changed" */
#define PHASE_HEAD_NAME		"head"	/* how the head node is shown */

enum phase_where {
	PHASE_WHERE_HEAD = 0,	/* the head node, as a local process */
	PHASE_WHERE_NODES,	/* every target node (an engine job) */
	PHASE_WHERE_ALL,	/* the head, then every target node */
	PHASE_WHERE_ONE_NODE	/* the first target node still in the run */
};

enum phase_kind {
	PHASE_STEP_RUN = 0,	/* a shell command (with an optional check) */
	PHASE_STEP_BLOCK,	/* replace a marked block in a file (backup first) */
	PHASE_STEP_FILE		/* make a whole file hold given content */
};

/* "head", "nodes", "all", "one-node" */
const char	*phase_where_name(enum phase_where);

struct phase_step {
	char		*name;
	enum phase_where where;
	enum phase_kind	 kind;
	int		 root;		/* needs root: sudo -n when not root */
	char		*as_user;	/* template: run as this user, or NULL */
	char		*check;		/* template; exit 0 = already done */
	char		*command;	/* template (RUN) */
	char		*input;		/* template for stdin (RUN), raw */
	char		*path;		/* template (BLOCK, FILE) */
	char		*marker;	/* BLOCK: "# BEGIN <marker>" lines */
	char		*content;	/* template (BLOCK, FILE), raw */
	char		*if_missing;	/* BLOCK: first lines of a new file */
	char		*mode;		/* octal, for new files (FILE: always) */
	int		 top;		/* BLOCK: a new block goes first */
	int		 secret;	/* content never shown (private keys) */
	char		*capture;	/* head step: stdout becomes this variable */
	char		*capture_regex;	/* keep only its first group, or NULL */
	int		 preview;	/* read-only: also runs before confirming */
	int		 test;		/* success is "passed", never "changed" */
	int		 warn_only;	/* failure is reported but not fatal */
	int		 unchanged_exit;
	int		 ok_exit[8];	/* exit statuses that mean success */
	size_t		 nok_exit;
	char		*expect;	/* regex stdout must match, or NULL */
	int		 every_node;	/* stdout must name every target node */
	char		*lines;		/* every_node looks only at lines matching this */
	int		 timeout_s;	/* 0: none (engine default) */
	int		 fanout;	/* nodes at once; 0: all */
	char		**alias_from;	/* step-local "vars": name -> variable */
	char		**alias_to;
	size_t		 nalias;
};

struct phase {
	int		 number;
	char		*name;		/* short: "packages", "hosts", ... */
	char		*title;		/* one line */
	char		*description;
	struct phase_step *steps;
	size_t		 nsteps;
	int		 confirm;	/* 0: runs without confirmation (tests) */
};

struct phase_var {
	char		*name;
	char		**items;	/* a list; a scalar is one item */
	size_t		 nitems;
	int		 list;		/* 1: declared as a list */
	int		 secret;	/* never shown in plans or logs */
};

struct phase_map {
	char		*name;		/* "apt", "dnf", ... */
	char		**from;
	char		**to;		/* NULL entry: dropped on this system */
	size_t		 n;
};

struct phase_set {
	char		*path;		/* where it was read from, or NULL */
	struct phase	*phases;
	size_t		 nphases;
	struct phase_var *vars;		/* defaults from "variables" */
	size_t		 nvars;
	struct phase_map *maps;
	size_t		 nmaps;
	char		**script_names;	/* "scripts": reusable commands */
	char		**script_bodies;
	size_t		 nscripts;
};

/* --- loading (phase-load.c) ------------------------------------------------ */

/*
 * Find the phases file: EXPLICIT (--phases) if not NULL, else
 * $CLUSTERTOP_PHASES, else ./src/phases.json, else CT_DATADIR/phases.json.
 * Returns a malloc'd path, or NULL with *cause.
 */
char		*phase_find_file(const char *explicit, char **cause);
/* Load and validate a phases file; NULL with *cause (file:where: what). */
struct phase_set *phase_set_load(const char *path, char **cause);
/* The same from a JSON text; NAME is used in messages. */
struct phase_set *phase_set_parse(const char *text, const char *name,
		     char **cause);
void		 phase_set_free(struct phase_set *);
/* A phase by number, or NULL. */
const struct phase *phase_set_find(const struct phase_set *, int number);
/* A phase by number ("3") or name ("hosts"), or NULL. */
const struct phase *phase_set_lookup(const struct phase_set *, const char *);

/* --- variables and templates (phase-vars.c) -------------------------------- */

struct phase_vars;

/* An empty variable table; phase_vars_defaults() fills it from a set. */
struct phase_vars *phase_vars_create(void);
void		 phase_vars_free(struct phase_vars *);
/* Copy the set's "variables" and maps in (existing names are kept). */
void		 phase_vars_defaults(struct phase_vars *, const struct phase_set *);
/* Set a scalar, or a list of N items; replaces an earlier value. */
void		 phase_vars_set(struct phase_vars *, const char *name,
		     const char *value);
void		 phase_vars_set_list(struct phase_vars *, const char *name,
		     const char *const *items, size_t n);
void		 phase_vars_set_secret(struct phase_vars *, const char *name,
		     int secret);
/* Make NAME fail with WHY wherever it is used (a value we could not get). */
void		 phase_vars_set_error(struct phase_vars *, const char *name,
		     const char *why);
/* "name=value" from --set; a value with spaces becomes a list. 0 or -1. */
int		 phase_vars_assign(struct phase_vars *, const char *assignment,
		     char **cause);
/* The first item of a variable (a scalar's value), or NULL. */
const char	*phase_vars_get(const struct phase_vars *, const char *name);
/*
 * {ct_options}: clustertop's own ssh options (-F CONFIG, -l USER,
 * --strict-host-keys accept-new), for the clustertop commands steps run.
 */
void		 phase_vars_ct_options(struct phase_vars *, const char *ssh_config,
		     const char *user, int accept_new);
int		 phase_vars_has(const struct phase_vars *, const char *name);

/*
 * Expand a template. SHELL: every value is single-quoted for sh, a list
 * becomes quoted words; otherwise values are inserted as they are, a list
 * one item per line. {name@map} maps each item through a map first (items
 * the map sends to null are dropped). "$" before "{" and "{{" are literal.
 * Returns a malloc'd string, or NULL with *cause (unknown variable).
 * SECRETS, when not NULL, is set to 1 if a secret variable was used.
 */
char		*phase_expand(const char *tmpl, const struct phase_vars *,
		     int shell, int *secrets, char **cause);
/* Quote S for sh (always single quotes unless S is a safe word); malloc'd. */
char		*phase_shell_quote(const char *s);
/* The {name} references of a template (malloc'd array of malloc'd names). */
size_t		 phase_template_names(const char *tmpl, char ***names);

/* --- scripts and plans (phase-plan.c) ----------------------------------------- */

/*
 * The exact sh script a step runs: the check, then the command (RUN), or
 * clustertop's managed-block / file script (BLOCK, FILE) which reads the
 * content on stdin. *input (malloc'd, may be NULL) is the stdin to send.
 * *wrapped is the command line actually executed: the script run through
 * `sh -c`, under `sudo -n` (root) or `sudo -n -u USER` when needed.
 */
int		 phase_step_script(const struct phase_step *,
		     const struct phase_vars *, char **script, char **input,
		     size_t *inputlen, char **wrapped, char **cause);

/* The managed-block and file scripts, for tests: content arrives on stdin. */
char		*phase_block_script(const char *path, const char *marker,
		     const char *if_missing, const char *mode, int top,
		     int unchanged_exit);
char		*phase_file_script(const char *path, const char *mode,
		     int unchanged_exit);

/*
 * Write the dry run of PHASE to a malloc'd text: per step, where it runs
 * (head, and the folded node list), as whom, and the exact script with its
 * content (secrets replaced by their size). VERBOSE adds the wrapped lines.
 */
char		*phase_plan(const struct phase *, const struct phase_vars *,
		     const char *nodes_folded, size_t nnodes, int verbose);

/* --- the cluster context (phase-context.c) ----------------------------------- */

/*
 * Fill the variables every run has: the targets ({nodes}, {nodes_folded},
 * {node_count}), the whole cluster ({cluster_nodes}, {hosts_entries}
 * "ADDR<tab>NAME" lines, {cluster_host_patterns}), {known_hosts_entries}
 * (every node's key from KNOWN_HOSTS, the file clustertop verified the
 * keys against), {head}, {clustertop}, {user}, {admin_user}, {admin_home},
 * and {ct_options} (empty: the front end sets -F/-l for nested commands).
 * Values it cannot find become errors reported by the steps that use them.
 */
struct phase_target;
void		 phase_context_vars(struct phase_vars *,
		     const struct phase_target *cluster, size_t ncluster,
		     const struct phase_target *targets, size_t ntargets,
		     const char *known_hosts);
/*
 * Put the host keys the engine verified itself (engine_node_hostkey) into
 * {known_hosts_entries}, keeping the file's lines for nodes without one.
 * The runner does this before a step that uses the variable. Returns the
 * number of nodes whose key came from the engine.
 */
size_t		 phase_vars_engine_hostkeys(struct phase_vars *, struct engine *);
/* "name,addr type key" lines for NODES from known_hosts TEXT; NULL + *cause. */
char		*phase_known_hosts_entries(const char *text,
		     const struct phase_target *nodes, size_t n, char **cause);

/* --- the runner (phase-run.c) ------------------------------------------------ */

enum phase_node_state {
	PHASE_NODE_QUEUED = 0,	/* not reached yet in this phase */
	PHASE_NODE_RUNNING,
	PHASE_NODE_CHANGED,	/* done; something was changed */
	PHASE_NODE_UNCHANGED,	/* done; everything was already so */
	PHASE_NODE_PASSED,	/* done; a test step passed */
	PHASE_NODE_FAILED,	/* a step failed: see error and output */
	PHASE_NODE_SKIPPED	/* left out: failed an earlier phase */
};
const char	*phase_node_state_name(enum phase_node_state);

enum phase_event_type {
	PHASE_EV_PHASE_START,	/* phase */
	PHASE_EV_STEP_START,	/* phase, step, text: where it runs */
	PHASE_EV_NODE,		/* node changed state (node, state, text) */
	PHASE_EV_OUTPUT,	/* node, data, len: live output of a step */
	PHASE_EV_STEP_DONE,	/* phase, step */
	PHASE_EV_PHASE_DONE,	/* phase: per-node results are final */
	PHASE_EV_DONE		/* the run is over */
};

struct phase_event {
	enum phase_event_type type;
	int		 phase;		/* phase number */
	int		 step;		/* step index (0-based), or -1 */
	int		 node;		/* run node index (0 = head), or -1 */
	enum phase_node_state state;
	const char	*data;		/* borrowed */
	size_t		 len;
	const char	*text;		/* borrowed, may be NULL */
};
typedef void	(*phase_event_cb)(const struct phase_event *, void *);

struct phase_run;

struct phase_target {
	const char	*name;
	const char	*addr;		/* NodeAddr or NULL */
};

/*
 * Prepare a run of the phases NUMBERS (in that order) on TARGETS. VARS is
 * copied; it must already hold the cluster variables (phase_context_vars).
 * Nodes missing from the engine are added and connected. Nothing starts
 * before phase_run_start().
 */
struct phase_run *phase_run_create(struct engine *, const struct phase_set *,
		     const int *numbers, size_t n, const struct phase_target *,
		     size_t ntargets, const struct phase_vars *);
void		 phase_run_set_callback(struct phase_run *, phase_event_cb,
		     void *);
/*
 * Preview mode: run only the phases' "preview" steps (read-only, on the
 * head), to show before the confirmation what the phase would do. Copy
 * their captures (phase_run_var) into the real run's variables: the real
 * run then skips those steps and uses what was shown and confirmed.
 */
void		 phase_run_set_preview(struct phase_run *, int);
/*
 * The audit log for the run's own records (head steps, phase start and
 * end; node jobs are logged by the engine): give the engine's path. NULL:
 * $CLUSTERTOP_AUDIT_LOG or the default; "" or "-": none.
 */
void		 phase_run_set_audit(struct phase_run *, const char *path);
/* A variable's value in the run (a capture), or NULL. */
const char	*phase_run_var(const struct phase_run *, const char *name);
/* 1 when the phase has preview steps. */
int		 phase_has_preview(const struct phase *);
/* Start the first step; progress arrives through the callback. */
int		 phase_run_start(struct phase_run *, char **cause);
/* Feed every engine event here; returns 1 if it belonged to the run. */
int		 phase_run_engine_event(struct phase_run *,
		     const struct engine_event *);
/* Cancel: kill the running step everywhere; the run ends at once. */
void		 phase_run_cancel(struct phase_run *);
int		 phase_run_finished(const struct phase_run *);
/* 0 when every node succeeded in every phase, 1 otherwise. */
int		 phase_run_status(const struct phase_run *);
void		 phase_run_free(struct phase_run *);

/* Per-node progress: index 0 is the head, 1.. the targets. */
size_t		 phase_run_nnodes(const struct phase_run *);
const char	*phase_run_node_name(const struct phase_run *, size_t);
enum phase_node_state phase_run_node_state(const struct phase_run *, size_t);
/* Output of the node in the current (or last) phase, with step headers. */
const char	*phase_run_node_output(const struct phase_run *, size_t,
		     size_t *len);
const char	*phase_run_node_error(const struct phase_run *, size_t);
/* 1 when the node takes part in the current phase (head: has a step). */
int		 phase_run_node_active(const struct phase_run *, size_t);
/* The phase running now (number) and its step index; -1 when none. */
int		 phase_run_current_phase(const struct phase_run *);
int		 phase_run_current_step(const struct phase_run *);
/* Names of the nodes that failed (targets only), malloc'd array + count. */
size_t		 phase_run_failed(const struct phase_run *, char ***names);

/* --- persistence: --failed (phase-state.c) ------------------------------------ */

/* Record the nodes that failed phase NUMBER (an empty list clears it). */
int		 phase_state_save(int number, char *const *names, size_t n);
/*
 * {clustertop}: a copy of the running binary in the state directory (bin/
 * clustertop.PID), made once and removed at exit, so that a step that runs
 * clustertop (phases 6 and 9) runs this very version even when the file it
 * was started from is rebuilt meanwhile. NULL when it cannot be made.
 */
const char	*phase_state_self(void);
/* When phase NUMBER last ended (the state file's time), or 0. */
time_t		 phase_state_time(int number);
/* The nodes that failed the last run of phase NUMBER; -1 if unknown. */
int		 phase_state_load(int number, char ***names, size_t *n);

/* --- the command line (cmd-phase.c) ----------------------------------------- */

/*
 * `phase run` with ARGV after "run"; with FIXED (a phase name) the phase is
 * given and runs without confirmation (`clustertop test mpi|slurm`).
 */
int		 phase_cli_run(int argc, char **argv, const char *fixed);

#endif
