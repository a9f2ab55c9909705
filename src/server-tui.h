/*
 * server-tui.h -- the dashboard hosted by the server: one `clustertop`
 * TUI process per server, on a pseudo-terminal the server owns, so that it
 * outlives the terminal it was started from. Clients attach to it
 * (client-tui.c) and relay their terminal: TERM_IN frames in, TERM_OUT
 * frames out; detaching leaves it running (console jobs, broadcast
 * shells, phase runs go on), and attaching again repaints it.
 */
#ifndef CT_SERVER_TUI_H
#define CT_SERVER_TUI_H

#include <stddef.h>
#include <sys/types.h>

struct tsession;

/*
 * Start ARGV (argv[0] ignored: this binary runs) with environment ENVP in
 * CWD on a new pty of COLS x ROWS, CLUSTERTOP_NO_SERVER=1 added. NULL
 * with *cause on failure.
 */
struct tsession	*tsession_spawn(char *const argv[], char *const envp[],
		     const char *cwd, int cols, int rows, char **cause);
int		 tsession_fd(const struct tsession *);	/* the pty master */
pid_t		 tsession_pid(const struct tsession *);
/* Set the pty size (the TUI gets SIGWINCH). */
void		 tsession_resize(struct tsession *, int cols, int rows);
/* Repaint for a client that attaches at COLS x ROWS: resize twice. */
void		 tsession_repaint(struct tsession *, int cols, int rows);
/* Second half of a repaint, on the next turn; 1 if one was pending. */
int		 tsession_repaint_finish(struct tsession *);
/* Keys from a client (blocking only if the pty is full: it never is long). */
void		 tsession_write(struct tsession *, const void *, size_t);
/*
 * Read output into BUF: >0 bytes, 0 nothing now, -1 the TUI has exited
 * (*status its exit status; the session must then be freed).
 */
ssize_t		 tsession_read(struct tsession *, void *buf, size_t len,
		     int *status);
/* Hang up the pty (the TUI exits on SIGHUP), reap it, free. */
void		 tsession_free(struct tsession *);

#endif
