/*
 * server-tui.c -- the server's hosted dashboard (server-tui.h).
 */

#include <sys/ioctl.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <pty.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "server-tui.h"

struct tsession {
	pid_t	pid;
	int	master;
	int	cols, rows;
	int	repaint;	/* the real size is still to be set */
};

struct tsession *
tsession_spawn(char *const argv[], char *const envp[], const char *cwd,
    int cols, int rows, char **cause)
{
	struct tsession	*ts;
	struct winsize	 ws;
	size_t		 n, i;
	char		**av, **ev;
	int		 fd;
	pid_t		 pid;

	for (n = 0; argv[n] != NULL; n++)
		;
	if ((av = calloc(n + 2, sizeof *av)) == NULL)
		abort();
	av[0] = (char *)"clustertop";
	for (i = 1; i < n; i++)
		av[i] = argv[i];
	for (n = 0; envp[n] != NULL; n++)
		;
	if ((ev = calloc(n + 2, sizeof *ev)) == NULL)
		abort();
	for (i = 0; i < n; i++)
		ev[i] = envp[i];
	ev[n] = (char *)"CLUSTERTOP_NO_SERVER=1";

	memset(&ws, 0, sizeof ws);
	ws.ws_col = (unsigned short)(cols > 0 ? cols : 80);
	ws.ws_row = (unsigned short)(rows > 0 ? rows : 24);
	pid = forkpty(&fd, NULL, NULL, &ws);
	if (pid == -1) {
		if (asprintf(cause, "forkpty: %s", strerror(errno)) == -1)
			*cause = NULL;
		free(av);
		free(ev);
		return (NULL);
	}
	if (pid == 0) {
		/* No fd of the server (sessions, clients, lock) goes along. */
		close_range(3, ~0U, 0);
		signal(SIGPIPE, SIG_DFL);
		signal(SIGHUP, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		signal(SIGINT, SIG_DFL);
		if (cwd == NULL || chdir(cwd) == -1)
			(void)chdir("/");
		execve("/proc/self/exe", av, ev);
		fprintf(stderr, "clustertop server: exec: %s\n",
		    strerror(errno));
		_exit(127);
	}
	free(av);
	free(ev);
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	fcntl(fd, F_SETFD, FD_CLOEXEC);
	if ((ts = calloc(1, sizeof *ts)) == NULL)
		abort();
	ts->pid = pid;
	ts->master = fd;
	ts->cols = ws.ws_col;
	ts->rows = ws.ws_row;
	return (ts);
}

int
tsession_fd(const struct tsession *ts)
{
	return (ts->master);
}

pid_t
tsession_pid(const struct tsession *ts)
{
	return (ts->pid);
}

static void
tsession_setsize(struct tsession *ts, int cols, int rows)
{
	struct winsize	ws;

	memset(&ws, 0, sizeof ws);
	ws.ws_col = (unsigned short)cols;
	ws.ws_row = (unsigned short)rows;
	ioctl(ts->master, TIOCSWINSZ, &ws);
}

void
tsession_resize(struct tsession *ts, int cols, int rows)
{
	if (cols <= 0 || rows <= 0)
		return;
	ts->cols = cols;
	ts->rows = rows;
	ts->repaint = 0;
	tsession_setsize(ts, cols, rows);
}

void
tsession_repaint(struct tsession *ts, int cols, int rows)
{
	if (cols <= 1 || rows <= 1)
		return;
	ts->cols = cols;
	ts->rows = rows;
	/* A size change makes curses redraw everything; then the real size. */
	tsession_setsize(ts, cols, rows - 1);
	ts->repaint = 1;
}

int
tsession_repaint_finish(struct tsession *ts)
{
	if (!ts->repaint)
		return (0);
	ts->repaint = 0;
	tsession_setsize(ts, ts->cols, ts->rows);
	return (1);
}

void
tsession_write(struct tsession *ts, const void *p, size_t len)
{
	const char	*q = p;
	ssize_t		 n;
	int		 tries = 0;

	while (len > 0 && tries < 1000) {
		n = write(ts->master, q, len);
		if (n > 0) {
			q += n;
			len -= (size_t)n;
			continue;
		}
		if (n == -1 && errno != EAGAIN && errno != EINTR)
			return;
		tries++;
		usleep(1000);
	}
}

ssize_t
tsession_read(struct tsession *ts, void *buf, size_t len, int *status)
{
	ssize_t	n;
	int	st;

	n = read(ts->master, buf, len);
	if (n > 0)
		return (n);
	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return (0);
	/* EIO: the TUI and everything on its pty have gone. */
	if (waitpid(ts->pid, &st, 0) == ts->pid) {
		*status = WIFEXITED(st) ? WEXITSTATUS(st) :
		    128 + WTERMSIG(st);
		ts->pid = 0;
	} else
		*status = 1;
	return (-1);
}

void
tsession_free(struct tsession *ts)
{
	int	st, i;

	if (ts == NULL)
		return;
	close(ts->master);	/* the TUI gets SIGHUP */
	if (ts->pid > 0) {
		for (i = 0; i < 50; i++) {
			if (waitpid(ts->pid, &st, WNOHANG) == ts->pid)
				break;
			usleep(100000);
		}
		if (i == 50) {
			kill(ts->pid, SIGKILL);
			waitpid(ts->pid, &st, 0);
		}
	}
	free(ts);
}
