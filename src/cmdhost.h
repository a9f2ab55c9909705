/*
 * cmdhost.h -- where a subcommand runs: in this process, or inside the
 * resident server for one of its clients (server-cmds.c, docs/server.md).
 *
 * `push`, `phase`, `nvme`, `test` and `nodes` call these few functions
 * instead of the engine's and the terminal's directly. In-process each one
 * is exactly the call it replaces. While the server hosts a command
 * (cmdhost_hosted()), they use the server's engine and open sessions, the
 * client's terminal facts (isatty, window size, a question asked on its
 * /dev/tty), and they name the client in the audit records.
 */
#ifndef CT_CMDHOST_H
#define CT_CMDHOST_H

#include <stddef.h>
#include <stdint.h>

#include "engine.h"

struct cJSON;

/* 1 while the server runs this command for a client. */
int		 cmdhost_hosted(void);

/*
 * The engine for one command: in-process engine_create(); hosted, the
 * server's engine when CFG's connection settings are the server's (the
 * output cap is set to CFG's for the command's duration), else NULL with
 * *cause: the server declines and the client runs the command itself.
 */
struct engine	*cmdhost_engine_create(const struct engine_config *,
		     char **cause);
/* engine_free() in-process; nothing hosted (the sessions stay open). */
void		 cmdhost_engine_free(struct engine *);
/* Hosted: the server's node of that name (reconnected if it failed). */
int		 cmdhost_add_node(struct engine *, const char *name,
		     const char *addr);
/* engine_connect(E, -1) in-process; hosted, cmdhost_add_node did it. */
void		 cmdhost_connect_all(struct engine *);
void		 cmdhost_set_callback(struct engine *, engine_event_cb, void *);
/* engine_run_once(); hosted, one turn of the server's loop. */
int		 cmdhost_run_once(struct engine *, int timeout_ms);

/* isatty(FD) of this process, or of the client's FD 0, 1 or 2. */
int		 cmdhost_isatty(int fd);
/* The window size of the terminal on stderr; 0, or -1 when none. */
int		 cmdhost_winsize(int *cols, int *rows);
/*
 * Ask QUESTION on the terminal (/dev/tty: this process's, or the
 * client's) and read one line into LINE. Returns 0, or -1 when there is
 * no terminal to ask on.
 */
int		 cmdhost_ask(const char *question, char *line, size_t size);
/*
 * engine_job_start(); hosted, the spec names the server's client (for the
 * audit log) and the job is cancelled and released when the command ends.
 */
uint32_t	 cmdhost_job_start(struct engine *, struct engine_job_spec *,
		     char **cause);
/* Name the server's client in an audit record; nothing in-process. */
void		 cmdhost_audit(struct cJSON *);

/* --- the server's side (server-cmds.c) ------------------------------------- */

struct cmdhost_ops {
	struct engine	*e;
	const struct cJSON *config;	/* the server's connection settings */
	int		 tty[3];	/* the client's isatty(0), (1), (2) */
	int		 cols, rows;	/* the client's stderr window, 0: none */
	int		 client_pid;
	const char	*client_tty;
	void		*arg;
	/* Before the first engine use: the command goes on in the server. */
	void		(*commit)(void *arg);
	/* One turn of the server's loop. */
	int		(*turn)(void *arg, int timeout_ms);
	/* Ask on the client's /dev/tty: 0 with LINE, -1 none. */
	int		(*ask)(void *arg, const char *q, char *line, size_t size);
	/* Filled in by the hooks: */
	engine_event_cb	 cb;
	void		*cbarg;
	int		 declined;	/* cmdhost_engine_create said no */
	size_t		 cap_saved;	/* the server's output cap */
	int		 cap_set;
	uint32_t	*jobs;		/* started by the command */
	size_t		 njobs;
};
/* Install (or with NULL remove) the hosted command's hooks. */
void		 cmdhost_install(struct cmdhost_ops *);

#endif
