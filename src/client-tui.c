/*
 * client-tui.c -- `clustertop` as a client of the server's hosted
 * dashboard (tui.h, server.c): a thin relay between this terminal and the
 * dashboard, as tmux and dtach are. Keys go to the server as TERM_IN
 * frames, the screen comes back as TERM_OUT; the window size follows
 * SIGWINCH. ^\ (Ctrl-backslash) detaches, and so does losing the terminal
 * (SIGHUP): the dashboard goes on in the server, and the next
 * `clustertop` attaches to it again.
 *
 * One attached client has the keys (the writer); the others see the same
 * screen read-only, with a hint on their bottom line, until they take
 * over with ^T (or attach with --take-over), which makes the writer
 * read-only in turn.
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
#include <time.h>
#include <unistd.h>

#include "client.h"
#include "client-tui.h"
#include "cmd.h"

#define CLIENT_TUI_DETACH	0x1c	/* ^\ */
#define CLIENT_TUI_TAKEOVER	0x14	/* ^T, read-only clients only */

extern char **environ;

static volatile sig_atomic_t ctui_winch, ctui_hup;

/*
 * Where the relayed bytes stand: the hint may be drawn only between two
 * escape sequences and two UTF-8 characters, never inside one.
 */
struct ctui_scan {
	int	st;		/* 0 ground, 1 ESC, 2 CSI, 3 string, 4 string ESC, 5 ESC intermediate */
	int	utf8;		/* continuation bytes still due */
};

struct ctui {
	struct client	*c;
	int		 writer;
	int		 cols, rows;
	struct ctui_scan scan;
	int		 hint_due;
	/* $CLUSTERTOP_ATTACH_STATS */
	double		 start_ms;	/* the process's start (boot clock) */
	double		 frame_ms;	/* the first full frame written */
	size_t		 bytes;
	int		 fresh;
};

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
ctui_scan(struct ctui_scan *s, const unsigned char *p, size_t len)
{
	size_t	i;
	int	b;

	for (i = 0; i < len; i++) {
		b = p[i];
		switch (s->st) {
		case 0:
			if (s->utf8 > 0 && (b & 0xc0) == 0x80)
				s->utf8--;
			else if (b == 0x1b) {
				s->utf8 = 0;
				s->st = 1;
			} else if ((b & 0xe0) == 0xc0)
				s->utf8 = 1;
			else if ((b & 0xf0) == 0xe0)
				s->utf8 = 2;
			else if ((b & 0xf8) == 0xf0)
				s->utf8 = 3;
			else
				s->utf8 = 0;
			break;
		case 1:
			if (b == '[')
				s->st = 2;
			else if (b == ']' || b == 'P' || b == '_' || b == '^' ||
			    b == 'X')
				s->st = 3;
			else if (b >= 0x20 && b <= 0x2f)
				s->st = 5;
			else
				s->st = 0;
			break;
		case 2:
			if (b >= 0x40 && b <= 0x7e)
				s->st = 0;
			break;
		case 3:
			if (b == 0x07)
				s->st = 0;
			else if (b == 0x1b)
				s->st = 4;
			break;
		case 4:
			s->st = b == '\\' ? 0 : 3;
			break;
		case 5:
			if (b >= 0x30 && b <= 0x7e)
				s->st = 0;
			break;
		}
	}
}

/* The read-only client's bottom line, drawn over the dashboard's. */
static void
ctui_hint(struct ctui *x)
{
	static const char	 text[] = " read-only: another client has the "
	    "keys; ^T takes over, ^\\ detaches ";
	char			 buf[512];
	int			 n, w;

	if (x->writer || x->scan.st != 0 || x->scan.utf8 != 0)
		return;
	w = x->cols < (int)sizeof buf - 64 ? x->cols : (int)sizeof buf - 64;
	/* DECSC / DECRC keep the cursor and the rendition as they were. */
	n = snprintf(buf, sizeof buf, "\0337\033[%d;1H\033[0;7m%-*.*s\033[0m"
	    "\0338", x->rows, w, w, text);
	if (n > 0 && (size_t)n < sizeof buf)
		ctui_write(buf, (size_t)n);
	x->hint_due = 0;
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

static void
ctui_op(struct client *c, const char *op)
{
	cJSON	*o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "op", op);
	client_send_json(c, FRAME_REQUEST, o);
	cJSON_Delete(o);
}

static double
boot_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_BOOTTIME, &ts);
	return ((double)ts.tv_sec * 1000 + (double)ts.tv_nsec / 1e6);
}

/* When this process started, on the boot clock (/proc/self/stat, field 22). */
static double
process_start_ms(void)
{
	char	buf[1024], *p;
	FILE	*f;
	unsigned long long start;
	int	i;

	if ((f = fopen("/proc/self/stat", "r")) == NULL)
		return (boot_ms());
	p = fgets(buf, sizeof buf, f);
	fclose(f);
	if (p == NULL || (p = strrchr(buf, ')')) == NULL)
		return (boot_ms());
	/* After "(comm)": field 3 is the state; 22 the start time. */
	for (i = 2; i < 22 && p != NULL; i++)
		p = strchr(p + 1, ' ');
	if (p == NULL || sscanf(p, "%llu", &start) != 1)
		return (boot_ms());
	return ((double)start * 1000 / (double)sysconf(_SC_CLK_TCK));
}

static void
ctui_stats(const struct ctui *x)
{
	const char	*path = getenv("CLUSTERTOP_ATTACH_STATS");
	FILE		*f;

	if (path == NULL || *path == '\0' || x->frame_ms == 0 ||
	    (f = fopen(path, "w")) == NULL)
		return;
	fprintf(f, "{\"start_to_full_frame_ms\": %.1f, \"frame_bytes\": %zu, "
	    "\"new_dashboard\": %s, \"clock\": \"process start from "
	    "/proc/self/stat (%ld Hz)\"}\n", x->frame_ms - x->start_ms,
	    x->bytes, x->fresh ? "true" : "false", sysconf(_SC_CLK_TCK));
	fclose(f);
}

/* A JSON event from the server while attached. */
static void
ctui_event(struct ctui *x, const struct frame *f)
{
	cJSON		*o = client_frame_json(f);
	const char	*ev;

	if (o == NULL)
		return;
	ev = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o,
	    "event"));
	if (ev != NULL && strcmp(ev, "mode") == 0) {
		x->writer = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o,
		    "writer"));
		if (x->writer)
			ctui_resize(x->c);	/* the screen fits us now */
		else
			x->hint_due = 1;
	} else if (ev != NULL && strcmp(ev, "frame") == 0 && x->frame_ms == 0)
		x->frame_ms = boot_ms();
	cJSON_Delete(o);
}

/* Keys from the terminal; 1 to detach. */
static int
ctui_keys(struct ctui *x, char *buf, size_t n)
{
	char	*hit;
	size_t	 i;

	if (!x->writer) {
		/* Read-only: only ^\ and ^T mean something. */
		for (i = 0; i < n; i++) {
			if (buf[i] == CLIENT_TUI_DETACH)
				return (1);
			if (buf[i] == CLIENT_TUI_TAKEOVER)
				ctui_op(x->c, "takeover");
		}
		return (0);
	}
	if ((hit = memchr(buf, CLIENT_TUI_DETACH, n)) != NULL) {
		if (hit > buf)
			client_send(x->c, FRAME_TERM_IN, buf, (size_t)(hit -
			    buf));
		return (1);
	}
	client_send(x->c, FRAME_TERM_IN, buf, n);
	return (0);
}

/*
 * Attach and relay until detach or the dashboard's exit. -1: the server
 * declined (its sessions use other settings): run in this process.
 */
static int
ctui_relay(struct ctui *x, int argc, char **argv, int takeover)
{
	struct client		*c = x->c;
	struct termios		 saved, raw;
	struct sigaction	 sa;
	struct pollfd		 pfd[2];
	struct frame		 f;
	cJSON			*o, *a, *ev;
	const char		*s;
	char			 cwd[PATH_MAX], buf[4096], *cause = NULL;
	int			 i, rc, status = 0, done = 0;
	ssize_t			 n;
	double			 tty_gone = 0;

	ctui_size(&x->cols, &x->rows);
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
	cJSON_AddNumberToObject(o, "cols", x->cols);
	cJSON_AddNumberToObject(o, "rows", x->rows);
	cJSON_AddBoolToObject(o, "takeover", takeover);
	rc = client_send_json(c, FRAME_REQUEST, o);
	cJSON_Delete(o);
	/* The first dashboard reads the node list: Slurm may take a while. */
	if (rc != 0 || client_recv(c, &f, 60000, &cause) != 1 ||
	    (f.type != FRAME_EVENT && f.type != FRAME_ERROR)) {
		fprintf(stderr, "clustertop: the server did not attach us%s%s\n",
		    cause != NULL ? ": " : "", cause != NULL ? cause : "");
		free(cause);
		return (1);
	}
	ev = client_frame_json(&f);
	s = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(ev,
	    f.type == FRAME_ERROR ? "error" : "event"));
	if (f.type == FRAME_ERROR || s == NULL) {
		fprintf(stderr, "%s\n", s != NULL ? s :
		    "clustertop: the server did not attach us");
		cJSON_Delete(ev);
		return (CT_EXIT_USAGE);
	}
	if (strcmp(s, "declined") == 0) {
		s = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(ev,
		    "why"));
		fprintf(stderr, "clustertop: the server declined the dashboard "
		    "(%s); running in this process\n", s != NULL ? s : "?");
		cJSON_Delete(ev);
		return (-1);
	}
	x->writer = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(ev,
	    "writer"));
	x->fresh = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(ev, "new"));
	cJSON_Delete(ev);

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
	x->hint_due = !x->writer;

	while (!done) {
		if (ctui_hup) {
			/*
			 * The terminal went away: detach. The hangup sends
			 * SIGCONT right after SIGHUP; let it land before we
			 * exit: a SIGCONT during ASan's leak check at exit
			 * (which stops this process with ptrace) discards the
			 * stop and leaves the check, and us, spinning.
			 */
			usleep(50000);
			break;
		}
		if (tty_gone && boot_ms() > tty_gone + 2000)
			break;		/* EOF and no SIGHUP: not a tty any more */
		if (ctui_winch) {
			ctui_winch = 0;
			ctui_size(&x->cols, &x->rows);
			if (x->writer)
				ctui_resize(c);
			else
				x->hint_due = 1;
		}
		/* Frames already buffered first, then wait for more. */
		pfd[0].fd = tty_gone ? -1 : STDIN_FILENO;
		pfd[0].events = POLLIN;
		pfd[1].fd = c->fd;
		pfd[1].events = POLLIN;
		if (c->in.start == c->in.end &&
		    poll(pfd, 2, 1000) <= 0) {
			if (x->hint_due)
				ctui_hint(x);
			continue;
		}
		if (c->in.start == c->in.end && (pfd[0].revents & POLLIN)) {
			n = read(STDIN_FILENO, buf, sizeof buf);
			if (n <= 0) {
				/*
				 * EOF or EIO: the terminal is being hung up;
				 * its SIGHUP (and SIGCONT) come next: wait for
				 * them (2 s at most) rather than exit first.
				 */
				if (n == 0 || errno != EINTR)
					tty_gone = boot_ms();
				continue;
			}
			if (ctui_keys(x, buf, (size_t)n))
				break;
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
		if (f.type == FRAME_TERM_OUT) {
			ctui_write(f.data, f.len);
			ctui_scan(&x->scan, f.data, f.len);
			if (x->frame_ms == 0)
				x->bytes += f.len;
			if (!x->writer)
				ctui_hint(x);
		} else if (f.type == FRAME_EVENT)
			ctui_event(x, &f);
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
		snprintf(buf, sizeof buf, "\033[?1049l\033[H\033[2J[detached "
		    "from the clustertop server (pid %ld); run clustertop to "
		    "reattach]\r\n", (long)c->server_pid);
		ctui_write(buf, strlen(buf));
	}
	ctui_stats(x);
	return (status);
}

int
client_tui_mode(int *argcp, char **argv)
{
	enum client_mode	 mode = CLIENT_SERVER_IF_RUNNING;
	const char		*v;
	int			 i, j;

	/* Take out --server / --no-server / --take-over: ours, not the dashboard's. */
	for (i = j = 1; i < *argcp; i++) {
		if (strcmp(argv[i], "--no-server") == 0)
			mode = CLIENT_SERVER_NEVER;
		else if (strcmp(argv[i], "--server") == 0) {
			if (mode != CLIENT_SERVER_NEVER)
				mode = CLIENT_SERVER_START;
		} else if (strcmp(argv[i], "--take-over") == 0)
			mode |= CLIENT_TUI_TAKEOVER_FLAG;
		else
			argv[j++] = argv[i];
	}
	argv[j] = NULL;
	*argcp = j;
	if ((v = getenv("CLUSTERTOP_NO_SERVER")) != NULL && *v != '\0' &&
	    strcmp(v, "0") != 0)
		mode = CLIENT_SERVER_NEVER;
	return ((int)mode);
}

int
client_tui_attach(int mode, const struct engine_config *cfg, int argc,
    char **argv)
{
	struct client		*c;
	struct ctui		 x;
	char			*cause = NULL, *note = NULL;
	int			 rc, takeover = (mode & CLIENT_TUI_TAKEOVER_FLAG) != 0;

	memset(&x, 0, sizeof x);
	x.start_ms = process_start_ms();
	mode &= ~CLIENT_TUI_TAKEOVER_FLAG;
	if (mode == CLIENT_SERVER_NEVER || !isatty(STDIN_FILENO) ||
	    !isatty(STDOUT_FILENO))
		return (-1);
	rc = client_open((enum client_mode)mode, cfg, &c, &note, &cause);
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
	x.c = c;
	rc = ctui_relay(&x, argc, argv, takeover);
	client_close(c);
	return (rc);
}
