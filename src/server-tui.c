/*
 * server-tui.c -- the dashboard the server hosts (server-tui.h): tui.c's
 * dashboard on the server's own engine, its curses on two pipes.
 */

#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "server-tui.h"
#include "tui.h"
#include "util.h"

/*
 * A pipe of 1 MiB (the unprivileged maximum, /proc/sys/fs/pipe-max-size):
 * curses writes a whole frame with blocking writes in the server's own
 * thread, so the pipe must hold the largest frame there is (a 300 x 100
 * screen in colour is under 200 KiB) until the server's loop reads it.
 */
#define TSESSION_PIPE	(1024 * 1024)

struct tsession {
	struct tui	*t;
	int		 out_rd;	/* the screen, read by the server */
	int		 in_wr;		/* keys, written by the server */
	int		 cols, rows;
};

static void
pipe_size(int fd)
{
	if (fcntl(fd, F_SETPIPE_SZ, TSESSION_PIPE) == -1)
		(void)fcntl(fd, F_SETPIPE_SZ, 256 * 1024);
}

struct tsession *
tsession_start(struct engine *e, char *const argv[], const char *term,
    int cols, int rows, int (*config_ok)(const struct engine_config *,
    void *), void *arg, char **cause)
{
	struct tsession	*ts;
	struct tui_host	 h;
	int		 out[2], in[2], argc;

	*cause = NULL;
	if (pipe2(out, O_CLOEXEC) == -1)
		abort();
	if (pipe2(in, O_CLOEXEC) == -1)
		abort();
	pipe_size(out[1]);
	pipe_size(in[1]);
	/* The server's ends never block; curses' write end blocks (see above). */
	fcntl(out[0], F_SETFL, O_NONBLOCK);
	fcntl(in[1], F_SETFL, O_NONBLOCK);
	for (argc = 0; argv[argc] != NULL; argc++)
		;
	memset(&h, 0, sizeof h);
	h.e = e;
	h.term = term != NULL && *term != '\0' ? term : "xterm";
	h.out_fd = out[1];
	h.in_fd = in[0];
	h.cols = cols > 1 ? cols : 80;
	h.rows = rows > 1 ? rows : 24;
	h.config_ok = config_ok;
	h.arg = arg;
	ts = xcalloc(1, sizeof *ts);
	ts->out_rd = out[0];
	ts->in_wr = in[1];
	ts->cols = h.cols;
	ts->rows = h.rows;
	if ((ts->t = tui_host_create(&h, argc, (char **)argv, cause)) ==
	    NULL) {
		/* Not started: the pipes are still all ours. */
		close(out[1]);
		close(in[0]);
		close(out[0]);
		close(in[1]);
		free(ts);
		return (NULL);
	}
	return (ts);
}

struct tui *
tsession_tui(const struct tsession *ts)
{
	return (ts->t);
}

int
tsession_fd(const struct tsession *ts)
{
	return (ts->out_rd);
}

void
tsession_resize(struct tsession *ts, int cols, int rows)
{
	if (cols <= 1 || rows <= 1)
		return;
	ts->cols = cols;
	ts->rows = rows;
	tui_host_resize(ts->t, cols, rows);
}

void
tsession_size(const struct tsession *ts, int *cols, int *rows)
{
	*cols = ts->cols;
	*rows = ts->rows;
}

void
tsession_redraw(struct tsession *ts)
{
	tui_host_redraw(ts->t);
}

size_t
tsession_write(struct tsession *ts, const void *p, size_t len)
{
	ssize_t	n;

	do
		n = write(ts->in_wr, p, len);
	while (n == -1 && errno == EINTR);
	/* A full pipe (1 MiB of keys unread): the rest is dropped. */
	return (n > 0 ? (size_t)n : 0);
}

ssize_t
tsession_read(struct tsession *ts, void *buf, size_t len)
{
	ssize_t	n;

	do
		n = read(ts->out_rd, buf, len);
	while (n == -1 && errno == EINTR);
	return (n > 0 ? n : 0);
}

int
tsession_end(struct tsession *ts, uint32_t *left_job)
{
	int	status;

	status = tui_host_free(ts->t, left_job);
	ts->t = NULL;
	return (status);
}

void
tsession_free(struct tsession *ts)
{
	uint32_t	left;

	if (ts == NULL)
		return;
	if (ts->t != NULL)
		tui_host_free(ts->t, &left);
	close(ts->out_rd);
	close(ts->in_wr);
	free(ts);
}
