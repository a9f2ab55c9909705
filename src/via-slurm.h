/*
 * via-slurm.h -- run a command on nodes as one Slurm job step (`exec --via
 * slurm`, the console's `--via slurm` prefix) and push files with sbcast
 * (`push --via slurm`), instead of one SSH session per node.
 *
 * The step is launched by srun in a child process (libslurm 22.05 does not
 * export the step-context API srun itself uses, and the slurm helper stays
 * the only libslurm caller): one task per node, each task a small POSIX sh
 * wrapper that base64-encodes the command's stdout and stderr so that
 * srun's line handling (--label splits lines at 1,024 bytes and adds a
 * newline to a last partial line) cannot change a byte, and that reports
 * the exit status and the node's name. What comes back is one
 * engine_job_result per node, the same structure the SSH path fills, so
 * every front end prints it the same way.
 *
 * Nodes Slurm cannot run a step on right now (down, not responding,
 * drained, allocated to other jobs, unknown to Slurm) are not given to
 * srun: they end at once as "slurm-unavailable" with the reason. The
 * allocation of the rest must be granted within the connect timeout
 * (srun --immediate); the command deadline (-u) kills the step.
 */
#ifndef CT_VIA_SLURM_H
#define CT_VIA_SLURM_H

#include <stddef.h>
#include <stdio.h>

#include "engine.h"

struct inventory;
struct exec_opts;

/* The state name of a node Slurm cannot run the step on. */
#define VIA_SLURM_UNAVAILABLE	"slurm-unavailable"

struct via_slurm_spec {
	const struct inventory *inv;	/* the nodes, with their Slurm states */
	const char	*command;
	const char	*stdin_data;	/* sent to every task, or NULL */
	size_t		 stdin_len;
	int		 start_timeout_s;	/* allocation deadline (srun --immediate) */
	int		 timeout_ms;	/* command deadline, <= 0: none */
	size_t		 cap;		/* per-node output cap in bytes */
	const char	*label;		/* job name suffix: "exec", "console" */
	const char	*jobid;		/* run in this job of ours (--overlap) */
	/* Output as it arrives (NODE is the inventory index), may be NULL. */
	void		(*output)(void *, size_t node, int stream,
			    const char *, size_t);
	/* A node's result is final. */
	void		(*done)(void *, size_t node);
	void		*arg;
};

struct via_slurm;

/* Start: the unavailable nodes end at once (their done() is called before
 * this returns). NULL with *cause when srun cannot be started. */
struct via_slurm *via_slurm_start(const struct via_slurm_spec *,
		     char **cause);
/* The fds to wait on (readable), up to 2; returns how many. */
int		 via_slurm_fds(const struct via_slurm *, int fds[2]);
/* The fd to wait on for writing (stdin to srun), or -1. */
int		 via_slurm_wfd(const struct via_slurm *);
/* Read and write what is ready, check deadlines; never blocks. */
void		 via_slurm_process(struct via_slurm *);
/* Milliseconds until the next deadline, or -1. */
int		 via_slurm_next_ms(const struct via_slurm *);
int		 via_slurm_finished(const struct via_slurm *);
void		 via_slurm_cancel(struct via_slurm *);
size_t		 via_slurm_nnodes(const struct via_slurm *);
const char	*via_slurm_name(const struct via_slurm *, size_t);
const struct engine_job_result *via_slurm_result(const struct via_slurm *,
		     size_t);
/* "slurm-unavailable: drained (reason)" or NULL for a node that ran. */
const char	*via_slurm_state_label(const struct via_slurm *, size_t);
/* The Slurm state word of an unavailable node ("down", ...), or NULL. */
const char	*via_slurm_slurm_state(const struct via_slurm *, size_t);
/* srun's own diagnostics (its "srun: error: ..." lines), or "". */
const char	*via_slurm_diag(const struct via_slurm *);
/* Exit status of the whole run, the rules of exec. */
int		 via_slurm_status(const struct via_slurm *);
void		 via_slurm_free(struct via_slurm *);

/* `clustertop exec --via slurm`: print as exec does; returns the status. */
int		 via_slurm_exec(const struct exec_opts *,
		     const struct inventory *, const char *command,
		     const char *in, size_t inlen, int start_timeout_s,
		     int timeout_ms);

/* `clustertop push --via slurm`: sbcast SRC to DEST on the nodes. */
int		 via_slurm_push(const struct inventory *, const char *src,
		     const char *dest, int preserve, int verify, int quiet,
		     int start_timeout_s, int timeout_ms);

/* INV_* flags from a compact Slurm state ("drain", "down*", "mix"). */
int		 via_slurm_flags(const char *);

/* Before loading the inventory for a run through Slurm (its timeout). */
void		 via_slurm_prepare(int connect_timeout_ms);

/* Parse "--via WHAT": 1 for "slurm", 0 for "ssh", -1 otherwise. */
int		 via_slurm_parse(const char *);

#endif
