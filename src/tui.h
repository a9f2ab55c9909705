/*
 * tui.h -- the dashboard (tui.c) hosted by the resident server: the same
 * dashboard as `clustertop --no-server`, on the server's engine (one
 * session per node, shared with exec requests), in the server's loop,
 * drawing with curses into a pipe whose bytes the server relays to the
 * attached clients and reading keys from a pipe the server fills from
 * them (docs/server.md says why pipes and not a pty).
 *
 * The server calls, in its loop:
 *	tui_host_wait_ms	how long engine_run_once may sleep
 *	tui_host_event		from its engine callback, every event
 *	tui_host_turn		after each engine_run_once; 1: it quit
 * and tui_host_resize / tui_host_redraw for its clients.
 */
#ifndef CT_TUI_H
#define CT_TUI_H

#include <stdint.h>

struct engine;
struct engine_config;
struct engine_event;
struct tui;

struct tui_host {
	struct engine	*e;		/* the server's */
	const char	*term;		/* terminal type (the client's TERM) */
	int		 out_fd;	/* curses writes the screen here (taken) */
	int		 in_fd;		/* curses reads keys here (taken) */
	int		 cols, rows;
	/* 0: the dashboard's connection settings are not the engine's. */
	int		(*config_ok)(const struct engine_config *, void *);
	void		*arg;
};

/*
 * Parse ARGV (clustertop's options; argv[0] is ignored) in the current
 * environment and directory and start the dashboard. NULL on failure:
 * *cause the error lines, or NULL when config_ok declined.
 */
struct tui	*tui_host_create(const struct tui_host *, int argc, char **argv,
		     char **cause);
void		 tui_host_event(const struct engine_event *, void *tui);
int		 tui_host_wait_ms(struct tui *);
int		 tui_host_turn(struct tui *);
void		 tui_host_resize(struct tui *, int cols, int rows);
/* The client with the keys (PID, TTY): the audit of console commands names it. */
void		 tui_host_client(struct tui *, int pid, const char *tty);
/* A full frame now (curses redraws everything): for a client attaching. */
void		 tui_host_redraw(struct tui *);
/*
 * End it: runs stopped, streams closed, curses ended (its last bytes in
 * out_fd), both pipes closed. Its exit status; *left_job a cancelled
 * console job still ending (the caller releases it once finished), or 0.
 */
int		 tui_host_free(struct tui *, uint32_t *left_job);

#endif
