/*
 * client-tui.c -- `clustertop` as a client of the server's hosted
 * dashboard (server-tui.h): a thin relay between this terminal and the
 * dashboard's pty, as tmux and dtach are. Keys go to the server as
 * TERM_IN frames, the screen comes back as TERM_OUT; the window size
 * follows SIGWINCH. ^\ (Ctrl-backslash) detaches, and so does losing the
 * terminal (SIGHUP): the dashboard goes on in the server, and the next
 * `clustertop` attaches to it again.
 */

#include <sys/ioctl.h>
#include <sys/types.h>

#include <cjson/cJSON.h>
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "client.h"
#include "client-tui.h"

#define CLIENT_TUI_DETACH	0x1c	/* ^\ */

extern char **environ;

static volatile sig_atomic_t ctui_winch, ctui_hup;

static void
ctui_signal(int sig)
{
	if (sig == SIGWINCH)
		ctui_winch = 1;
	else
		ctui_hup = 1;
}

static void
ctui_size(int *cols, int *rows)
{
	struct winsize	ws;

	*cols = 80;
	*rows = 24;
	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0 &&
	    ws.ws_row > 0) {
		*cols = ws.ws_col;
		*rows = ws.ws_row;
	}
}

static void
ctui_write(const void *p, size_t len)
{
	const char	*q = p;
	ssize_t		 n;

	while (len > 0) {
		n = write(STDOUT_FILENO, q, len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		q += n;
		len -= (size_t)n;
	}
}

static void
ctui_resize(struct client *c)
{
	cJSON	*o = cJSON_CreateObject();
	int	 cols, rows;

	ctui_size(&cols, &rows);
	cJSON_AddStringToObject(o, "op", "resize");
	cJSON_AddNumberToObject(o, "cols", cols);
	cJSON_AddNumberToObject(o, "rows", rows);
	client_send_json(c, FRAME_REQUEST, o);
	cJSON_Delete(o);
}

/* Attach and relay until detach or the dashboard's exit. */
static int
ctui_relay(struct client *c, int argc, char **argv)
{
	struct termios		 saved, raw;
	struct sigaction	 sa;
	struct pollfd		 pfd[2];
	struct frame		 f;
	cJSON			*o, *a, *ev;
	char			 cwd[PATH_MAX], buf[4096], *cause = NULL, *hit;
	int			 i, cols, rows, rc, status = 0, done = 0;
	ssize_t			 n;

	ctui_size(&cols, &rows);
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "op", "attach");
	a = cJSON_AddArrayToObject(o, "argv");
	for (i = 0; i < argc; i++)
		cJSON_AddItemToArray(a, cJSON_CreateString(argv[i]));
	a = cJSON_AddArrayToObject(o, "env");
	for (i = 0; environ[i] != NULL; i++)
		cJSON_AddItemToArray(a, cJSON_CreateString(environ[i]));
	if (getcwd(cwd, sizeof cwd) != NULL)
		cJSON_AddStringToObject(o, "cwd", cwd);
	cJSON_AddNumberToObject(o, "cols", cols);
	cJSON_AddNumberToObject(o, "rows", rows);
	rc = client_send_json(c, FRAME_REQUEST, o);
	cJSON_Delete(o);
	if (rc != 0 || client_recv(c, &f, 10000, &cause) != 1 ||
	    f.type != FRAME_EVENT) {
		fprintf(stderr, "clustertop: the server did not attach us%s%s\n",
		    cause != NULL ? ": " : "", cause != NULL ? cause : "");
		free(cause);
		return (1);
	}

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = ctui_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGWINCH, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	tcgetattr(STDIN_FILENO, &saved);
	raw = saved;
	cfmakeraw(&raw);
	tcsetattr(STDIN_FILENO, TCSANOW, &raw);
	ctui_write("\033[H\033[2J", 7);

	while (!done) {
		if (ctui_hup)
			break;		/* the terminal went away: detach */
		if (ctui_winch) {
			ctui_winch = 0;
			ctui_resize(c);
		}
		/* Frames already buffered first, then wait for more. */
		pfd[0].fd = STDIN_FILENO;
		pfd[0].events = POLLIN;
		pfd[1].fd = c->fd;
		pfd[1].events = POLLIN;
		if (c->in.start == c->in.end &&
		    poll(pfd, 2, 1000) <= 0)
			continue;
		if (c->in.start == c->in.end && (pfd[0].revents & POLLIN)) {
			n = read(STDIN_FILENO, buf, sizeof buf);
			if (n <= 0) {
				if (n == 0 || errno != EINTR)
					break;
				continue;
			}
			if ((hit = memchr(buf, CLIENT_TUI_DETACH,
			    (size_t)n)) != NULL) {
				if (hit > buf)
					client_send(c, FRAME_TERM_IN, buf,
					    (size_t)(hit - buf));
				break;
			}
			client_send(c, FRAME_TERM_IN, buf, (size_t)n);
			continue;
		}
		if (c->in.start == c->in.end && !(pfd[1].revents &
		    (POLLIN | POLLHUP)))
			continue;
		rc = client_recv(c, &f, 1000, &cause);
		if (rc == -1 && cause != NULL && strstr(cause, "did not "
		    "answer") != NULL) {
			free(cause);
			cause = NULL;
			continue;
		}
		if (rc != 1) {
			tcsetattr(STDIN_FILENO, TCSANOW, &saved);
			fprintf(stderr, "\r\nclustertop: lost the server%s%s\n",
			    cause != NULL ? ": " : "", cause != NULL ? cause :
			    "");
			free(cause);
			return (1);
		}
		if (f.type == FRAME_TERM_OUT)
			ctui_write(f.data, f.len);
		else if (f.type == FRAME_EXIT) {
			if ((ev = client_frame_json(&f)) != NULL) {
				a = cJSON_GetObjectItemCaseSensitive(ev,
				    "status");
				status = cJSON_IsNumber(a) ? a->valueint : 0;
				cJSON_Delete(ev);
			}
			done = 1;
		}
	}
	tcsetattr(STDIN_FILENO, TCSANOW, &saved);
	if (!done && !ctui_hup) {
		snprintf(buf, sizeof buf, "\033[H\033[2J[detached from the "
		    "clustertop server (pid %ld); run clustertop to "
		    "reattach]\r\n", (long)c->server_pid);
		ctui_write(buf, strlen(buf));
	}
	return (status);
}

int
client_tui_hook(int *argcp, char **argv)
{
	enum client_mode	 mode = CLIENT_SERVER_IF_RUNNING;
	struct engine_config	 cfg;
	struct client		*c;
	char			*cause = NULL, *note = NULL;
	const char		*v;
	int			 i, j, rc;

	/* Take out --server / --no-server: the dashboard does not know them. */
	for (i = j = 1; i < *argcp; i++) {
		if (strcmp(argv[i], "--no-server") == 0)
			mode = CLIENT_SERVER_NEVER;
		else if (strcmp(argv[i], "--server") == 0) {
			if (mode != CLIENT_SERVER_NEVER)
				mode = CLIENT_SERVER_START;
		} else
			argv[j++] = argv[i];
	}
	argv[j] = NULL;
	*argcp = j;
	if ((v = getenv("CLUSTERTOP_NO_SERVER")) != NULL && *v != '\0' &&
	    strcmp(v, "0") != 0)
		mode = CLIENT_SERVER_NEVER;
	if (mode == CLIENT_SERVER_NEVER || !isatty(STDIN_FILENO) ||
	    !isatty(STDOUT_FILENO))
		return (-1);
	for (i = 1; i < *argcp; i++) {
		if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") ==
		    0)
			return (-1);
	}
	memset(&cfg, 0, sizeof cfg);
	rc = client_open(mode, &cfg, &c, &note, &cause);
	if (note != NULL) {
		fprintf(stderr, "clustertop: %s\n", note);
		free(note);
	}
	if (rc == 1)
		return (-1);
	if (rc == -1) {
		fprintf(stderr, "clustertop: server: %s; running in this "
		    "process\n", cause != NULL ? cause : "?");
		free(cause);
		return (-1);
	}
	rc = ctui_relay(c, *argcp, argv);
	client_close(c);
	return (rc);
}
