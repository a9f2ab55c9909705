/*
 * server-tui.h -- the dashboard hosted by the server: tui.c's dashboard
 * (tui.h) on the server's engine and in the server's loop, so that every
 * node session, metrics stream, console job, broadcast shell, phase,
 * push and NVMe run is the server's and outlives the terminal the
 * dashboard was started from. Its curses draws into a pipe whose bytes
 * the server relays to the attached clients (TERM_OUT frames) and reads
 * keys from a pipe the server writes the writer client's TERM_IN into.
 */
#ifndef CT_SERVER_TUI_H
#define CT_SERVER_TUI_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct engine;
struct engine_config;
struct tsession;
struct tui;

/*
 * Start the dashboard with ARGV (clustertop's options) in the current
 * environment and directory, TERM, COLS x ROWS, on engine E. NULL on
 * failure, with *cause (error lines), or *cause NULL when CONFIG_OK
 * declined the dashboard's connection settings.
 */
struct tsession	*tsession_start(struct engine *e, char *const argv[],
		     const char *term, int cols, int rows,
		     int (*config_ok)(const struct engine_config *, void *),
		     void *arg, char **cause);
struct tui	*tsession_tui(const struct tsession *);
int		 tsession_fd(const struct tsession *);	/* the screen's pipe */
void		 tsession_resize(struct tsession *, int cols, int rows);
void		 tsession_size(const struct tsession *, int *cols, int *rows);
/* A full frame now, into the screen's pipe. */
void		 tsession_redraw(struct tsession *);
/* Keys for the dashboard (never blocks); bytes taken. */
size_t		 tsession_write(struct tsession *, const void *, size_t);
/* The screen's bytes: >0, or 0 for nothing now. */
ssize_t		 tsession_read(struct tsession *, void *buf, size_t len);
/* End the dashboard (its last bytes stay readable); its exit status. */
int		 tsession_end(struct tsession *, uint32_t *left_job);
/* Free (ending the dashboard first if need be); closes the pipes. */
void		 tsession_free(struct tsession *);

#endif
