/*
 * server-cmds.h -- the server's end of `push`, `pull`, `phase`, `nvme`,
 * `test` and `nodes` (docs/protocol.md, op "cmd"): the same command code
 * as in-process, run inside the server on its engine and open sessions,
 * its stdout and stderr turned into frames, its questions asked on the
 * client's terminal (cmdhost.h is the command's side).
 *
 * One such command runs at a time, driven by the server's own loop: while
 * it runs, the server goes on serving every other client (execs, status,
 * the dashboard); another client's "cmd" is declined (it runs in-process).
 */
#ifndef CT_SERVER_CMDS_H
#define CT_SERVER_CMDS_H

#include <stddef.h>
#include <sys/types.h>

#include "engine.h"
#include "frame.h"

struct cJSON;

/* What server.c lends: CONN is its client, ARG the server. */
struct srvcmd_server {
	struct engine		*e;
	const struct cJSON	*config;	/* its sessions' settings */
	const char		*audit_log;	/* $CLUSTERTOP_AUDIT_LOG at start, or NULL */
	void			*arg;
	/* One turn of the server's loop (engine_run_once and the clients). */
	int			(*turn)(void *arg, int timeout_ms);
	/* Queue a frame to CONN (nothing once it is gone). */
	void			(*send)(void *conn, enum frame_type, const void *,
				    size_t);
	/* 1 when CONN's connection is closed. */
	int			(*gone)(void *conn);
	/* A line for server.log. */
	void			(*log)(const char *, ...)
				    __attribute__((format(printf, 1, 2)));
};

void	 srvcmd_init(const struct srvcmd_server *);
/* A "cmd" request of CONN (takes REQ): queued, or declined at once. */
void	 srvcmd_queue(void *conn, pid_t pid, const char *tty,
	     struct cJSON *req);
/* Run the queued command, if any (blocks; the server loop calls it); 1 if one ran. */
int	 srvcmd_run(void);
/* 1 while a command runs. */
int	 srvcmd_busy(void);
/* 1 while CONN has a command queued or running: keep it. */
int	 srvcmd_owns(const void *conn);
/* CONN's connection closed mid-command: the command gets SIGHUP. */
void	 srvcmd_gone(void *conn);
/* {"op":"cancel","signal":N}: the command gets that signal. */
void	 srvcmd_cancel(void *conn, const struct cJSON *req);
/* {"op":"answer",...}: the answer to the question asked. */
void	 srvcmd_answer(void *conn, const struct cJSON *req);
/* The engine's events, for the running command. */
void	 srvcmd_event(const struct engine_event *);
/* The server is stopping: the running command is interrupted (SIGTERM). */
void	 srvcmd_stop(void);

#endif
