/*
 * cmd-exec.h -- pieces of `clustertop exec` that other front ends reuse:
 * the exit status rules, per-node messages and the JSON form of a result.
 */
#ifndef CT_CMD_EXEC_H
#define CT_CMD_EXEC_H

#include <stddef.h>
#include <stdio.h>
#include <time.h>

#include "engine.h"

struct cJSON;

/* Map a signal name ("KILL") to its number; 0 if unknown. */
int		 exec_signal_number(const char *);
/* The exit status one node contributes. */
int		 exec_node_status(const struct engine_job_result *);
/* Fold a node into the overall exit status ACC (start with 0). */
int		 exec_combine_status(int acc, const struct engine_job_result *);
/* "clustertop: node03: unreachable (Connection refused)", malloc'd, or NULL. */
char		*exec_node_message(const char *, const struct engine_job_result *);
/* Format a time as ISO 8601 UTC with milliseconds. */
void		 exec_format_time(const struct timespec *, char *, size_t);
/* Add bytes as a JSON string (and NAME_base64 when not UTF-8). */
void		 exec_json_bytes(struct cJSON *, const char *, const char *,
		     size_t);
/* One host's result as a JSON object. */
struct cJSON	*exec_result_json(const char *, const struct engine_job_result *);
/* Read all of stdin (capped); -1 with *cause. */
int		 exec_read_stdin(char **, size_t *, char **);
/* pdsh-style "name: line" output, partial lines kept in the buffer */
struct strbuf;
void		 exec_print_lines(const char *, struct strbuf *, FILE *,
		    const char *, size_t);
void		 exec_flush_line(const char *, struct strbuf *, FILE *);

/*
 * One exec job on an engine, printing exactly what `clustertop exec`
 * prints to OUT and ERR: the in-process exec runs one on stdout/stderr,
 * the server (server.c) one per client on FILEs that become frames.
 */
struct exec_opts {
	int		 json;		/* --json */
	int		 gather;	/* -b */
	int		 verbose;	/* -v */
	size_t		 cap;		/* the output cap, for the marker text */
};
struct exec_run;
struct exec_run	*exec_run_new(struct engine *, const struct exec_opts *,
		     FILE *out, FILE *err);
/* Start SPEC (stream_output is set from the options); -1 with *cause. */
int		 exec_run_start(struct exec_run *, struct engine_job_spec *,
		     char **cause);
uint32_t	 exec_run_job(const struct exec_run *);
/* The engine callback (ARG is the run); ignores other jobs' nodes. */
void		 exec_run_event(const struct engine_event *, void *arg);
/* The job has finished: print -b blocks, return the exit status. */
int		 exec_run_finish(struct exec_run *);
void		 exec_run_free(struct exec_run *);

#endif
