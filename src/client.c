/*
 * client.c -- the client side of the resident server (client.h).
 *
 * Everything here is blocking on purpose: a subcommand has nothing else to
 * do while the server works. Frames are read with poll() and a deadline
 * only for the hello; a running command has no client-side limit (its
 * limits are -t and -u, enforced by the server's engine).
 */

#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cliopt.h"
#include "client.h"
#include "cmd-exec.h"
#include "cmdhost.h"
#include "inventory.h"
#include "server-path.h"
#include "version.h"

#define CLIENT_HELLO_MS		10000	/* the server answers a hello within */
#define CLIENT_START_MS		30000	/* a started server is ready within */

static volatile sig_atomic_t client_interrupted;

static void
client_sigint(int sig)
{
	client_interrupted++;
}

static char *
client_xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static char *
client_xasprintf(const char *fmt, ...)
{
	va_list	 ap;
	char	*s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) == -1)
		abort();
	va_end(ap);
	return (s);
}

/* --- connection settings --------------------------------------------- */

static void
client_add_path(cJSON *o, const char *name, const char *path)
{
	char	 buf[PATH_MAX];

	if (path == NULL)
		cJSON_AddNullToObject(o, name);
	else if (realpath(path, buf) != NULL)
		cJSON_AddStringToObject(o, name, buf);
	else
		cJSON_AddStringToObject(o, name, path);
}

cJSON *
client_config_json(const struct engine_config *cfg)
{
	cJSON	*o = cJSON_CreateObject();

	client_add_path(o, "ssh_config", cfg->ssh_config);
	if (cfg->user != NULL)
		cJSON_AddStringToObject(o, "user", cfg->user);
	else
		cJSON_AddNullToObject(o, "user");
	client_add_path(o, "known_hosts", cfg->known_hosts);
	cJSON_AddStringToObject(o, "hostkeys", cfg->hostkeys ==
	    HOSTKEY_ACCEPT_NEW ? "accept-new" : "yes");
	cJSON_AddNumberToObject(o, "connect_timeout_ms",
	    cfg->connect_timeout_ms > 0 ? cfg->connect_timeout_ms : 10000);
	cJSON_AddNumberToObject(o, "keepalive_ms",
	    cfg->keepalive_ms > 0 ? cfg->keepalive_ms : 5000);
	cJSON_AddNumberToObject(o, "keepalive_count",
	    cfg->keepalive_count > 0 ? cfg->keepalive_count : 3);
	cJSON_AddNumberToObject(o, "output_cap", (double)(cfg->output_cap > 0 ?
	    cfg->output_cap : 1024 * 1024));
	return (o);
}

/* --- frames ------------------------------------------------------------ */

int
client_send(struct client *c, enum frame_type type, const void *p,
    size_t len)
{
	uint8_t		 hdr[FRAME_HEADER];
	const uint8_t	*q;
	size_t		 left;
	ssize_t		 n;
	int		 i;

	frame_header(hdr, type, len);
	for (i = 0; i < 2; i++) {
		q = i == 0 ? hdr : p;
		left = i == 0 ? sizeof hdr : len;
		while (left > 0) {
			n = send(c->fd, q, left, MSG_NOSIGNAL);
			if (n == -1 && errno == EINTR)
				continue;
			if (n <= 0)
				return (-1);
			q += n;
			left -= (size_t)n;
		}
	}
	return (0);
}

int
client_send_json(struct client *c, enum frame_type type, cJSON *o)
{
	char	*s = cJSON_PrintUnformatted(o);
	int	 rc;

	if (s == NULL)
		return (-1);
	rc = client_send(c, type, s, strlen(s));
	free(s);
	return (rc);
}

cJSON *
client_frame_json(const struct frame *f)
{
	cJSON	*o;

	if (!frame_type_is_json(f->type))
		return (NULL);
	o = cJSON_ParseWithLength((const char *)f->data, f->len);
	if (o != NULL && !cJSON_IsObject(o)) {
		cJSON_Delete(o);
		o = NULL;
	}
	return (o);
}

/* An EXIT frame's "status" into *STATUS (left as it is without one). */
static void
client_exit_status(const struct frame *f, int *status)
{
	cJSON		*ev;
	const cJSON	*v;

	if ((ev = client_frame_json(f)) == NULL)
		return;
	v = cJSON_GetObjectItemCaseSensitive(ev, "status");
	if (cJSON_IsNumber(v))
		*status = v->valueint;
	cJSON_Delete(ev);
}

int
client_recv(struct client *c, struct frame *f, int timeout_ms, char **cause)
{
	struct pollfd	 pfd;
	const char	*why;
	uint8_t		 buf[65536];
	size_t		 used;
	ssize_t		 n;
	int		 rc;
	struct timespec	 now;
	long long	 deadline = 0, left;

	if (timeout_ms >= 0) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		deadline = now.tv_sec * 1000LL + now.tv_nsec / 1000000 +
		    timeout_ms;
	}
	for (;;) {
		rc = frame_parse(c->in.data + c->in.start, frame_buf_len(&c->in),
		    f, &used, &why);
		if (rc == -1) {
			*cause = client_xasprintf("bad frame from the server "
			    "(%s)", why);
			return (-1);
		}
		if (rc == 1) {
			if (f->version != FRAME_PROTOCOL) {
				*cause = client_xasprintf("server is protocol "
				    "%u, client is version %s (protocol %d): "
				    "restart the server (clustertop server "
				    "stop)", f->version, CT_VERSION,
				    FRAME_PROTOCOL);
				return (-1);
			}
			/* *F is borrowed until the next call. */
			c->in.start += used;
			return (1);
		}
		if (c->in.start == c->in.end)
			c->in.start = c->in.end = 0;
		left = -1;
		if (timeout_ms >= 0) {
			clock_gettime(CLOCK_MONOTONIC, &now);
			left = deadline - (now.tv_sec * 1000LL +
			    now.tv_nsec / 1000000);
			if (left <= 0) {
				*cause = client_xasprintf("the server did not "
				    "answer within %d s", timeout_ms / 1000);
				return (-1);
			}
		}
		pfd.fd = c->fd;
		pfd.events = POLLIN;
		rc = poll(&pfd, 1, left < 0 || left > 1000 ? 1000 : (int)left);
		if (rc == -1 && errno != EINTR) {
			*cause = client_xasprintf("poll: %s", strerror(errno));
			return (-1);
		}
		if (client_interrupted > 0 && timeout_ms < 0)
			return (-2);
		if (rc <= 0)
			continue;
		n = read(c->fd, buf, sizeof buf);
		if (n == -1 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n == -1) {
			*cause = client_xasprintf("read: %s", strerror(errno));
			return (-1);
		}
		if (n == 0)
			return (0);
		/* Frames handed out before are consumed by now. */
		if (c->in.start == c->in.end)
			c->in.start = c->in.end = 0;
		frame_buf_add(&c->in, buf, (size_t)n);
	}
}

/* --- connecting --------------------------------------------------------- */

static int
client_connect_fd(const char *dir, int *fdp, char **cause)
{
	struct sockaddr_un	 sun;
	struct stat		 st;
	char			*path = srvpath_file(dir, "server.sock");
	int			 fd, rc = 0;

	if (lstat(path, &st) == -1) {
		free(path);
		return (1);
	}
	if (!S_ISSOCK(st.st_mode) || st.st_uid != geteuid()) {
		*cause = client_xasprintf("%s is not a socket owned by you; "
		    "refusing it", path);
		free(path);
		return (-1);
	}
	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof sun.sun_path, "%s", path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		abort();
	if (connect(fd, (struct sockaddr *)&sun, sizeof sun) == -1) {
		rc = errno == ECONNREFUSED || errno == ENOENT ? 2 : -1;
		if (rc == -1)
			*cause = client_xasprintf("%s: %s", path,
			    strerror(errno));
		close(fd);
		fd = -1;
	}
	free(path);
	*fdp = fd;
	return (rc);
}

/* Run `clustertop server start` with CFG's settings and wait for it. */
static int
client_start_server(const struct engine_config *cfg, char **cause)
{
	cJSON	*o = client_config_json(cfg);
	char	*json = cJSON_PrintUnformatted(o);
	pid_t	 pid;
	int	 st, fd;

	cJSON_Delete(o);
	if ((pid = fork()) == -1)
		abort();
	if (pid == 0) {
		if ((fd = open("/dev/null", O_RDWR)) != -1) {
			dup2(fd, STDIN_FILENO);
			dup2(fd, STDOUT_FILENO);
			if (fd > 2)
				close(fd);
		}
		execl("/proc/self/exe", "clustertop", "server", "start",
		    "--config-json", json, (char *)NULL);
		_exit(127);
	}
	free(json);
	while (waitpid(pid, &st, 0) == -1 && errno == EINTR)
		;
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		*cause = client_xasprintf("could not start the server "
		    "(clustertop server start failed)");
		return (-1);
	}
	return (0);
}

static int
client_hello(struct client *c, char **cause)
{
	struct frame	 f;
	cJSON		*o, *v;
	const char	*tty = NULL;
	int		 rc, i;

	for (i = 0; i < 3 && tty == NULL; i++)
		tty = ttyname(i);
	o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "protocol", FRAME_PROTOCOL);
	cJSON_AddStringToObject(o, "version", CT_VERSION);
	cJSON_AddNumberToObject(o, "pid", getpid());
	if (tty != NULL)
		cJSON_AddStringToObject(o, "tty", tty);
	else
		cJSON_AddNullToObject(o, "tty");
	rc = client_send_json(c, FRAME_HELLO, o);
	cJSON_Delete(o);
	if (rc != 0) {
		*cause = client_xasprintf("the server closed the connection");
		return (-1);
	}
	rc = client_recv(c, &f, CLIENT_HELLO_MS, cause);
	if (rc == 0)
		*cause = client_xasprintf("the server closed the connection "
		    "during the hello");
	if (rc != 1)
		return (-1);
	o = client_frame_json(&f);
	if (f.type == FRAME_ERROR || f.type != FRAME_WELCOME || o == NULL) {
		v = cJSON_GetObjectItemCaseSensitive(o, "error");
		*cause = client_xasprintf("%s", cJSON_IsString(v) ?
		    v->valuestring : "the server refused the hello");
		cJSON_Delete(o);
		return (-1);
	}
	v = cJSON_GetObjectItemCaseSensitive(o, "pid");
	c->server_pid = cJSON_IsNumber(v) ? (pid_t)v->valuedouble : 0;
	v = cJSON_GetObjectItemCaseSensitive(o, "version");
	c->version = strdup(cJSON_IsString(v) ? v->valuestring : "?");
	cJSON_Delete(o);
	return (0);
}

int
client_open(enum client_mode mode, const struct engine_config *cfg,
    struct client **cp, char **note, char **cause)
{
	struct client	*c;
	char		*dir, *sock;
	int		 rc, fd = -1, started = 0, tries;

	*cp = NULL;
	*note = NULL;
	rc = srvpath_dir(mode == CLIENT_SERVER_START, &dir, cause);
	if (rc != 0)
		return (rc);
	for (tries = 0;; tries++) {
		rc = client_connect_fd(dir, &fd, cause);
		if (rc == 0)
			break;
		if (rc == -1) {
			free(dir);
			return (-1);
		}
		if (rc == 2) {
			/* Refused: a dead server's socket, or one starting. */
			if (srvpath_locked(dir) == 0) {
				sock = srvpath_file(dir, "server.sock");
				if (unlink(sock) == 0 && *note == NULL)
					*note = client_xasprintf("the server "
					    "socket %s was stale (its server "
					    "is gone); removed it", sock);
				free(sock);
			} else if (tries < 50) {
				usleep(100000);
				continue;
			}
		}
		if (mode != CLIENT_SERVER_START || started) {
			free(dir);
			if (started) {
				*cause = client_xasprintf("the server started "
				    "but does not accept connections");
				return (-1);
			}
			return (1);
		}
		if (client_start_server(cfg, cause) != 0) {
			free(dir);
			return (-1);
		}
		started = 1;
	}
	if ((c = calloc(1, sizeof *c)) == NULL)
		abort();
	c->fd = fd;
	c->dir = dir;
	if (client_hello(c, cause) != 0) {
		client_close(c);
		return (-1);
	}
	*cp = c;
	return (0);
}

void
client_close(struct client *c)
{
	if (c == NULL)
		return;
	if (c->fd != -1)
		close(c->fd);
	free(c->dir);
	free(c->version);
	frame_buf_free(&c->in);
	free(c);
}

/* --- exec ------------------------------------------------------------- */

static int
client_write_all(int fd, const uint8_t *p, size_t len)
{
	ssize_t	n;

	while (len > 0) {
		n = write(fd, p, len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			return (-1);
		p += n;
		len -= (size_t)n;
	}
	return (0);
}

static cJSON *
client_exec_request(const struct engine_config *cfg,
    const struct exec_opts *o, const struct cliopt *opt,
    const struct inventory *inv, int known_only, const char *command,
    int has_stdin)
{
	cJSON	*req, *nodes, *pair;
	size_t	 i;

	req = cJSON_CreateObject();
	cJSON_AddStringToObject(req, "op", "exec");
	cJSON_AddStringToObject(req, "command", command);
	nodes = cJSON_AddArrayToObject(req, "nodes");
	for (i = 0; i < inv->nnodes; i++) {
		pair = cJSON_CreateArray();
		cJSON_AddItemToArray(pair,
		    cJSON_CreateString(inv->nodes[i].name));
		cJSON_AddItemToArray(pair, inv->nodes[i].addr != NULL ?
		    cJSON_CreateString(inv->nodes[i].addr) : cJSON_CreateNull());
		cJSON_AddItemToArray(nodes, pair);
	}
	cJSON_AddBoolToObject(req, "json", o->json);
	cJSON_AddBoolToObject(req, "gather", o->gather);
	cJSON_AddBoolToObject(req, "verbose", o->verbose);
	cJSON_AddNumberToObject(req, "fanout", opt->fanout);
	cJSON_AddNumberToObject(req, "command_timeout_ms",
	    opt->command_timeout_ms > 0 ? opt->command_timeout_ms : 0);
	cJSON_AddBoolToObject(req, "stdin", has_stdin);
	cJSON_AddBoolToObject(req, "known_only", known_only);
	cJSON_AddItemToObject(req, "config", client_config_json(cfg));
	return (req);
}

int
client_exec(enum client_mode mode, const struct engine_config *cfg,
    const struct exec_opts *o, const struct cliopt *opt,
    const struct inventory *inv, int known_only, const char *command,
    const char *in, size_t inlen, int *status)
{
	struct client		*c;
	struct frame		 f;
	struct sigaction	 sa, oldint, oldterm, oldpipe;
	cJSON			*req, *ev, *v;
	char			*cause = NULL, *note = NULL;
	size_t			 off, n;
	int			 rc, cancelled = 0, broken = 0, done = 0;

	rc = client_open(mode, cfg, &c, &note, &cause);
	if (note != NULL) {
		fprintf(stderr, "clustertop exec: %s\n", note);
		free(note);
	}
	if (rc == 1)
		return (1);
	if (rc == -1) {
		fprintf(stderr, "clustertop exec: server: %s; running in this "
		    "process\n", cause != NULL ? cause : "?");
		free(cause);
		return (1);
	}
	req = client_exec_request(cfg, o, opt, inv, known_only, command,
	    in != NULL);
	rc = client_send_json(c, FRAME_REQUEST, req);
	cJSON_Delete(req);
	if (rc != 0 || client_recv(c, &f, CLIENT_HELLO_MS, &cause) != 1 ||
	    (ev = client_frame_json(&f)) == NULL || f.type != FRAME_EVENT) {
		fprintf(stderr, "clustertop exec: server: %s; running in this "
		    "process\n", cause != NULL ? cause : "no answer");
		free(cause);
		client_close(c);
		return (1);
	}
	v = cJSON_GetObjectItemCaseSensitive(ev, "event");
	if (!cJSON_IsString(v) || strcmp(v->valuestring, "accepted") != 0) {
		rc = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(ev,
		    "unknown_nodes")) ? 2 : 1;
		if (o->verbose && rc == 1) {
			v = cJSON_GetObjectItemCaseSensitive(ev, "why");
			fprintf(stderr, "clustertop exec: the server declined "
			    "(%s); running in this process\n",
			    cJSON_IsString(v) ? v->valuestring : "?");
		}
		cJSON_Delete(ev);
		client_close(c);
		return (rc);
	}
	cJSON_Delete(ev);

	/* From here on the server runs the command: no fallback. */
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = client_sigint;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &oldint);
	sigaction(SIGTERM, &sa, &oldterm);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, &oldpipe);

	if (in != NULL) {
		for (off = 0; off < inlen; off += n) {
			n = inlen - off > FRAME_MAX ? FRAME_MAX : inlen - off;
			if (client_send(c, FRAME_STDIN, in + off, n) != 0)
				break;
		}
		client_send(c, FRAME_STDIN, "", 0);
	}
	*status = 1;
	while (!done) {
		rc = client_recv(c, &f, -1, &cause);
		if (rc == -2 || client_interrupted > 0) {
			if (client_interrupted == 1 && !cancelled) {
				fprintf(stderr, "clustertop exec: interrupted; "
				    "killing the remote commands (again to quit "
				    "now)\n");
				req = cJSON_CreateObject();
				cJSON_AddStringToObject(req, "op", "cancel");
				client_send_json(c, FRAME_REQUEST, req);
				cJSON_Delete(req);
				cancelled = 1;
			} else if (client_interrupted > 1) {
				*status = 130;
				break;
			}
			if (rc == -2)
				continue;
		}
		if (rc == 0) {
			fprintf(stderr, "clustertop exec: the server closed the "
			    "connection before the command ended\n");
			break;
		}
		if (rc == -1) {
			fprintf(stderr, "clustertop exec: %s\n", cause);
			free(cause);
			cause = NULL;
			break;
		}
		switch (f.type) {
		case FRAME_STDOUT:
			if (!broken && client_write_all(STDOUT_FILENO, f.data,
			    f.len) != 0) {
				/* stdout is gone (| head): stop the commands. */
				broken = 1;
				req = cJSON_CreateObject();
				cJSON_AddStringToObject(req, "op", "cancel");
				client_send_json(c, FRAME_REQUEST, req);
				cJSON_Delete(req);
			}
			break;
		case FRAME_STDERR:
			client_write_all(STDERR_FILENO, f.data, f.len);
			break;
		case FRAME_EXIT:
			client_exit_status(&f, status);
			done = 1;
			break;
		case FRAME_ERROR:
			ev = client_frame_json(&f);
			v = cJSON_GetObjectItemCaseSensitive(ev, "error");
			fprintf(stderr, "clustertop exec: server: %s\n",
			    cJSON_IsString(v) ? v->valuestring : "error");
			cJSON_Delete(ev);
			done = 1;
			break;
		default:
			break;
		}
	}
	if (broken)
		*status = 141;
	sigaction(SIGINT, &oldint, NULL);
	sigaction(SIGTERM, &oldterm, NULL);
	sigaction(SIGPIPE, &oldpipe, NULL);
	client_close(c);
	return (0);
}

/* --- the other subcommands: argv, env and cwd to the server ------------------- */

static volatile sig_atomic_t client_last_signal;

static void
client_forward_signal(int sig)
{
	client_last_signal = sig;
	client_interrupted++;
}

/* Take --server and --no-server out of ARGV; the mode they and the env ask for. */
static enum client_mode
client_cmd_mode(int *argc, char **argv)
{
	enum client_mode	 mode = CLIENT_SERVER_IF_RUNNING;
	const char		*v;
	int			 i, j, nos = 0;

	for (i = 1; i < *argc && strcmp(argv[i], "--") != 0;) {
		if (strcmp(argv[i], "--no-server") == 0)
			nos = 1;
		else if (strcmp(argv[i], "--server") == 0)
			mode = CLIENT_SERVER_START;
		else {
			i++;
			continue;
		}
		for (j = i; j < *argc; j++)
			argv[j] = argv[j + 1];
		(*argc)--;
	}
	if ((v = getenv("CLUSTERTOP_NO_SERVER")) != NULL && *v != '\0' &&
	    strcmp(v, "0") != 0)
		nos = 1;
	return (nos ? CLIENT_SERVER_NEVER : mode);
}

static cJSON *
client_cmd_request(int argc, char **argv)
{
	extern char	**environ;
	struct winsize	 ws;
	cJSON		*req, *a;
	char		 cwd[PATH_MAX];
	mode_t		 um;
	int		 i;

	req = cJSON_CreateObject();
	cJSON_AddStringToObject(req, "op", "cmd");
	a = cJSON_AddArrayToObject(req, "argv");
	for (i = 0; i < argc; i++)
		cJSON_AddItemToArray(a, cJSON_CreateString(argv[i]));
	a = cJSON_AddArrayToObject(req, "env");
	for (i = 0; environ[i] != NULL; i++)
		cJSON_AddItemToArray(a, cJSON_CreateString(environ[i]));
	if (getcwd(cwd, sizeof cwd) != NULL)
		cJSON_AddStringToObject(req, "cwd", cwd);
	else
		cJSON_AddNullToObject(req, "cwd");
	um = umask(022);
	umask(um);
	cJSON_AddNumberToObject(req, "umask", (double)um);
	a = cJSON_AddArrayToObject(req, "isatty");
	for (i = 0; i < 3; i++)
		cJSON_AddItemToArray(a, cJSON_CreateBool(isatty(i)));
	if (ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0) {
		cJSON_AddNumberToObject(req, "cols", ws.ws_col);
		cJSON_AddNumberToObject(req, "rows", ws.ws_row);
	}
	return (req);
}

/* The server asks a question: on our /dev/tty, as the command would. */
static void
client_cmd_ask(struct client *c, const cJSON *ev)
{
	const cJSON	*q = cJSON_GetObjectItemCaseSensitive(ev, "question");
	cJSON		*req;
	FILE		*tty;
	char		 line[1024];

	req = cJSON_CreateObject();
	cJSON_AddStringToObject(req, "op", "answer");
	if ((tty = fopen("/dev/tty", "r+")) == NULL)
		cJSON_AddBoolToObject(req, "tty", 0);
	else {
		fprintf(tty, "%s [y/N] ", cJSON_IsString(q) ? q->valuestring :
		    "?");
		fflush(tty);
		if (fgets(line, sizeof line, tty) == NULL)
			line[0] = '\0';
		fclose(tty);
		cJSON_AddBoolToObject(req, "tty", 1);
		cJSON_AddStringToObject(req, "line", line);
	}
	client_send_json(c, FRAME_REQUEST, req);
	cJSON_Delete(req);
}

int
client_cmd(int *argc, char **argv, int *status)
{
	struct engine_config	 cfg;
	struct cliopt		 opt;
	struct client		*c;
	struct frame		 f;
	struct sigaction	 sa, oldint, oldterm, oldhup, oldpipe;
	enum client_mode	 mode;
	cJSON			*req, *ev, *v;
	char			*cause = NULL, *note = NULL;
	const char		*name = argv[0];
	int			 rc, done = 0, nsig = 0, sig, accepted = 0;

	mode = client_cmd_mode(argc, argv);
	if (mode == CLIENT_SERVER_NEVER || cmdhost_hosted())
		return (1);
	/* A server started here is made with the environment's settings. */
	cliopt_init(&opt);
	cliopt_engine_config(&opt, &cfg);
	rc = client_open(mode, &cfg, &c, &note, &cause);
	if (note != NULL) {
		fprintf(stderr, "clustertop %s: %s\n", name, note);
		free(note);
	}
	if (rc == 1)
		return (1);
	if (rc == -1) {
		fprintf(stderr, "clustertop %s: server: %s; running in this "
		    "process\n", name, cause != NULL ? cause : "?");
		free(cause);
		return (1);
	}
	req = client_cmd_request(*argc, argv);
	rc = client_send_json(c, FRAME_REQUEST, req);
	cJSON_Delete(req);
	if (rc != 0) {
		client_close(c);
		return (1);
	}

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = client_forward_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &oldint);
	sigaction(SIGTERM, &sa, &oldterm);
	sigaction(SIGHUP, &sa, &oldhup);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, &oldpipe);
	client_interrupted = 0;

	*status = 1;
	while (!done) {
		rc = client_recv(c, &f, -1, &cause);
		if (client_interrupted > 0) {
			/* The command sees the same signal, as in-process. */
			sig = client_last_signal;
			client_interrupted = 0;
			nsig++;
			req = cJSON_CreateObject();
			cJSON_AddStringToObject(req, "op", "cancel");
			cJSON_AddNumberToObject(req, "signal", sig);
			client_send_json(c, FRAME_REQUEST, req);
			cJSON_Delete(req);
			if (nsig > 4) {
				*status = 130;
				break;
			}
		}
		if (rc == -2)
			continue;
		if (rc == 0) {
			if (!accepted) {
				/* Gone before it began: run it here. */
				rc = 1;
				goto restore;
			}
			fprintf(stderr, "clustertop %s: the server closed the "
			    "connection before the command ended\n", name);
			break;
		}
		if (rc == -1) {
			fprintf(stderr, "clustertop %s: %s\n", name, cause);
			free(cause);
			cause = NULL;
			break;
		}
		switch (f.type) {
		case FRAME_STDOUT:
			client_write_all(STDOUT_FILENO, f.data, f.len);
			break;
		case FRAME_STDERR:
			client_write_all(STDERR_FILENO, f.data, f.len);
			break;
		case FRAME_EVENT:
			if ((ev = client_frame_json(&f)) == NULL)
				break;
			v = cJSON_GetObjectItemCaseSensitive(ev, "event");
			if (cJSON_IsString(v) && strcmp(v->valuestring,
			    "declined") == 0 && !accepted) {
				cJSON_Delete(ev);
				rc = 1;
				goto restore;
			}
			if (cJSON_IsString(v) && strcmp(v->valuestring,
			    "accepted") == 0)
				accepted = 1;
			if (cJSON_IsString(v) && strcmp(v->valuestring,
			    "ask") == 0)
				client_cmd_ask(c, ev);
			cJSON_Delete(ev);
			break;
		case FRAME_EXIT:
			client_exit_status(&f, status);
			done = 1;
			break;
		case FRAME_ERROR:
			if (!accepted) {
				/* An older server, or a refused request: here. */
				rc = 1;
				goto restore;
			}
			ev = client_frame_json(&f);
			v = cJSON_GetObjectItemCaseSensitive(ev, "error");
			fprintf(stderr, "clustertop %s: server: %s\n", name,
			    cJSON_IsString(v) ? v->valuestring : "error");
			cJSON_Delete(ev);
			done = 1;
			break;
		default:
			break;
		}
	}
	rc = 0;
restore:
	sigaction(SIGINT, &oldint, NULL);
	sigaction(SIGTERM, &oldterm, NULL);
	sigaction(SIGHUP, &oldhup, NULL);
	sigaction(SIGPIPE, &oldpipe, NULL);
	client_close(c);
	return (rc);
}
