/*
 * server.c -- `clustertop server start|stop|status`: the resident server
 * (docs/server.md) and its end of the protocol (docs/protocol.md).
 *
 * Why it is over 1,500 lines (1,520): the server's loop, the client
 * connections with their frame handling, the exec requests and the hosted
 * dashboard's attach all share struct server and its client list; the
 * other subcommands' handling is already in server-cmds.c.
 *
 * The server owns one engine (every node session, kept open) and serves
 * its user's clients over a Unix socket in a private directory
 * (server-path.c). It runs in the engine's own loop: the listening socket
 * and each client are watched fds; requests become engine jobs; a job's
 * output is printed by the same code as the in-process exec
 * (exec_run_*, cmd-exec.c) into FILEs whose bytes become STDOUT/STDERR
 * frames, so the client writes out exactly what exec would have.
 *
 * One server per user: server.lock is flock'd for the server's whole life
 * (and holds its pid). Any client whose uid (SO_PEERCRED) is not the
 * server's is refused. A bad frame closes that client only. The server
 * exits on `server stop`, SIGTERM, or after the idle timeout with no
 * client connected and no job running (default 24 h; --idle SECONDS or
 * $CLUSTERTOP_SERVER_IDLE, 0 never).
 */

#include <sys/file.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/un.h>

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cliopt.h"
#include "client.h"
#include "cmd.h"
#include "cmd-exec.h"
#include "engine.h"
#include "frame.h"
#include "server-cmds.h"
#include "server-path.h"
#include "server-tui.h"
#include "tui.h"
#include "util.h"
#include "version.h"

#define SERVER_IDLE_S		86400		/* default idle timeout */
#define SERVER_OUT_MAX		(256UL * 1024 * 1024)	/* unsent bytes per client */
#define SERVER_STDIN_MAX	(256UL * 1024 * 1024)	/* as exec */

struct sclient {
	TAILQ_ENTRY(sclient) entry;
	struct server	*s;
	int		 fd;
	pid_t		 pid;		/* SO_PEERCRED */
	uid_t		 uid;
	char		*tty;		/* from the hello */
	int		 helloed;
	int		 attached;	/* to the hosted dashboard */
	int		 cols, rows;	/* its terminal */
	int		 closing;	/* flush, then close */
	int		 dead;
	struct frame_buf in, out;

	/* The exec request in progress. */
	struct exec_run	*run;
	FILE		*fout, *ferr;
	cJSON		*req;
	int		*ids;
	size_t		 nids;
	int		 want_stdin;
	char		*stdin_data;
	size_t		 stdin_len, stdin_size;
};
TAILQ_HEAD(sclients, sclient);

struct server {
	struct engine	*e;
	cJSON		*config;	/* client_config_json() of the engine's settings */
	char		*dir, *sock;
	int		 lfd;		/* listening socket */
	struct sclients	 clients;
	time_t		 started, last_active;
	long		 idle_s;
	int		 quit;
	struct tsession	*ts;		/* the hosted dashboard, or NULL */
	struct sclient	*writer;	/* the attached client with the keys */
	uint32_t	 left[16];	/* cancelled console jobs of an ended dashboard */
	size_t		 nleft;
};

static volatile sig_atomic_t server_signalled;
static FILE	*server_logf;	/* stderr at start: a hosted command swaps stderr */

static void
server_sigterm(int sig)
{
	server_signalled = sig;
}

static void __attribute__((format(printf, 1, 2)))
server_log(const char *fmt, ...)
{
	va_list		ap;
	char		when[32];
	time_t		t = time(NULL);
	struct tm	tm;

	FILE		*f = server_logf != NULL ? server_logf : stderr;

	gmtime_r(&t, &tm);
	strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
	fprintf(f, "%s clustertop server[%ld]: ", when, (long)getpid());
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fputc('\n', f);
}

/* --- sending ------------------------------------------------------------ */

static void
sclient_frame(struct sclient *c, enum frame_type type, const void *p,
    size_t len)
{
	frame_buf_frame(&c->out, type, p, len);
}

static void
sclient_json(struct sclient *c, enum frame_type type, cJSON *o)
{
	char	*s = cJSON_PrintUnformatted(o);

	if (s == NULL)
		abort();
	sclient_frame(c, type, s, strlen(s));
	free(s);
	cJSON_Delete(o);
}

/* Send ERROR and close the connection once it is written. */
static void
sclient_error(struct sclient *c, const char *fmt, ...)
{
	va_list	 ap;
	char	*s;
	cJSON	*o;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) == -1)
		abort();
	va_end(ap);
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "error", s);
	free(s);
	sclient_json(c, FRAME_ERROR, o);
	c->closing = 1;
}

/* fopencookie writers: the job's stdout and stderr become frames. */
static ssize_t
sclient_cookie_write(struct sclient *c, enum frame_type type, const char *p,
    size_t len)
{
	size_t	off, n;

	if (c->dead)
		return ((ssize_t)len);
	for (off = 0; off < len; off += n) {
		n = len - off > FRAME_MAX ? FRAME_MAX : len - off;
		sclient_frame(c, type, p + off, n);
	}
	return ((ssize_t)len);
}

static ssize_t
sclient_write_out(void *arg, const char *p, size_t len)
{
	return (sclient_cookie_write(arg, FRAME_STDOUT, p, len));
}

static ssize_t
sclient_write_err(void *arg, const char *p, size_t len)
{
	return (sclient_cookie_write(arg, FRAME_STDERR, p, len));
}

/* Write what can be written now; -1 when the client is gone. */
static int
sclient_flush(struct sclient *c)
{
	ssize_t	n;

	if (c->fout != NULL)
		fflush(c->fout);
	while (frame_buf_len(&c->out) > 0) {
		n = send(c->fd, c->out.data + c->out.start,
		    frame_buf_len(&c->out), MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (n <= 0)
			return (-1);
		frame_buf_drop(&c->out, (size_t)n);
	}
	if (frame_buf_len(&c->out) > SERVER_OUT_MAX) {
		server_log("client pid %ld: more than %lu MiB unread; dropped",
		    (long)c->pid, SERVER_OUT_MAX >> 20);
		return (-1);
	}
	return (0);
}

/* --- the exec request ------------------------------------------------------ */

static void
sclient_end_run(struct sclient *c)
{
	if (c->run != NULL) {
		engine_job_release(c->s->e, exec_run_job(c->run));
		exec_run_free(c->run);
		c->run = NULL;
	}
	if (c->fout != NULL)
		fclose(c->fout);
	if (c->ferr != NULL)
		fclose(c->ferr);
	c->fout = c->ferr = NULL;
	cJSON_Delete(c->req);
	c->req = NULL;
	free(c->ids);
	c->ids = NULL;
	free(c->stdin_data);
	c->stdin_data = NULL;
	c->stdin_len = c->stdin_size = 0;
	c->want_stdin = 0;
}

static int
json_int(const cJSON *o, const char *name)
{
	const cJSON	*v = cJSON_GetObjectItemCaseSensitive(o, name);

	return (cJSON_IsNumber(v) ? v->valueint : 0);
}

static int
json_bool(const cJSON *o, const char *name)
{
	return (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, name)));
}

/* Start the accepted exec (its stdin, if any, has arrived). */
static void
sclient_exec_start(struct sclient *c)
{
	struct engine		*e = c->s->e;
	struct engine_job_spec	 spec;
	struct exec_opts	 o;
	cookie_io_functions_t	 io_out = { NULL, sclient_write_out, NULL, NULL };
	cookie_io_functions_t	 io_err = { NULL, sclient_write_err, NULL, NULL };
	const cJSON		*cmd;
	char			*cause = NULL;
	cJSON			*ev;
	int			 t;

	memset(&o, 0, sizeof o);
	o.json = json_bool(c->req, "json");
	o.gather = json_bool(c->req, "gather");
	o.verbose = json_bool(c->req, "verbose");
	o.cap = (size_t)json_int(c->s->config, "output_cap");
	c->fout = fopencookie(c, "w", io_out);
	c->ferr = fopencookie(c, "w", io_err);
	if (c->fout == NULL || c->ferr == NULL)
		abort();
	setvbuf(c->ferr, NULL, _IONBF, 0);
	c->run = exec_run_new(e, &o, c->fout, c->ferr);

	cmd = cJSON_GetObjectItemCaseSensitive(c->req, "command");
	memset(&spec, 0, sizeof spec);
	spec.command = cmd->valuestring;
	spec.nodes = c->ids;
	spec.nnodes = c->nids;
	spec.stdin_data = c->stdin_data;
	spec.stdin_len = c->stdin_len;
	t = json_int(c->req, "command_timeout_ms");
	spec.timeout_ms = t > 0 ? t : -1;
	spec.fanout = json_int(c->req, "fanout");
	spec.label = "exec";
	spec.client_pid = c->pid;
	spec.client_tty = c->tty;
	if (exec_run_start(c->run, &spec, &cause) != 0) {
		fprintf(c->ferr, "clustertop exec: %s\n", cause);
		free(cause);
		ev = cJSON_CreateObject();
		cJSON_AddNumberToObject(ev, "status", 1);
		exec_run_free(c->run);
		c->run = NULL;
		fflush(c->fout);
		sclient_json(c, FRAME_EXIT, ev);
		sclient_end_run(c);
	}
}

/* A node the request names: add it, and connect it if it is not up. */
static int
server_node(struct server *s, const cJSON *pair)
{
	const cJSON	*name, *addr;
	int		 id;

	name = cJSON_GetArrayItem(pair, 0);
	addr = cJSON_GetArrayItem(pair, 1);
	if (!cJSON_IsString(name) || *name->valuestring == '\0')
		return (-1);
	if ((id = engine_find_node(s->e, name->valuestring)) == -1)
		id = engine_add_node(s->e, name->valuestring,
		    cJSON_IsString(addr) ? addr->valuestring : NULL);
	switch (engine_node_state(s->e, id)) {
	case NODE_NEW:
		engine_connect(s->e, id);
		break;
	case NODE_UP:
	case NODE_CONNECTING:
		break;
	default:
		/* A failed node is tried again, as a fresh exec would. */
		engine_reconnect(s->e, id);
		break;
	}
	return (id);
}

static void
sclient_exec(struct sclient *c, cJSON *req)
{
	const cJSON	*nodes, *pair, *cmd, *cfg;
	cJSON		*ev;
	size_t		 n = 0;
	int		 id;
	char		*mine, *theirs;

	cmd = cJSON_GetObjectItemCaseSensitive(req, "command");
	nodes = cJSON_GetObjectItemCaseSensitive(req, "nodes");
	cfg = cJSON_GetObjectItemCaseSensitive(req, "config");
	if (!cJSON_IsString(cmd) || !cJSON_IsArray(nodes) ||
	    cJSON_GetArraySize(nodes) == 0 || !cJSON_IsObject(cfg)) {
		cJSON_Delete(req);
		sclient_error(c, "bad exec request (command, nodes, config)");
		return;
	}
	if (!cJSON_Compare(cfg, c->s->config, 1)) {
		mine = cJSON_PrintUnformatted(c->s->config);
		theirs = cJSON_PrintUnformatted(cfg);
		ev = cJSON_CreateObject();
		cJSON_AddStringToObject(ev, "event", "declined");
		cJSON_AddStringToObject(ev, "why", "the server's sessions use "
		    "other connection settings");
		cJSON_AddStringToObject(ev, "server_config", mine);
		cJSON_AddStringToObject(ev, "client_config", theirs);
		free(mine);
		free(theirs);
		sclient_json(c, FRAME_EVENT, ev);
		cJSON_Delete(req);
		return;
	}
	if (json_bool(req, "known_only")) {
		cJSON_ArrayForEach(pair, nodes) {
			cmd = cJSON_GetArrayItem(pair, 0);
			if (cJSON_IsString(cmd) && engine_find_node(c->s->e,
			    cmd->valuestring) != -1)
				continue;
			ev = cJSON_CreateObject();
			cJSON_AddStringToObject(ev, "event", "declined");
			cJSON_AddStringToObject(ev, "why", "nodes new to the "
			    "server: send their addresses");
			cJSON_AddBoolToObject(ev, "unknown_nodes", 1);
			sclient_json(c, FRAME_EVENT, ev);
			cJSON_Delete(req);
			return;
		}
	}
	c->req = req;
	c->nids = (size_t)cJSON_GetArraySize(nodes);
	if ((c->ids = calloc(c->nids, sizeof *c->ids)) == NULL)
		abort();
	cJSON_ArrayForEach(pair, nodes) {
		if ((id = server_node(c->s, pair)) == -1) {
			sclient_end_run(c);
			sclient_error(c, "bad exec request (a node is not "
			    "[name, addr])");
			return;
		}
		c->ids[n++] = id;
	}
	ev = cJSON_CreateObject();
	cJSON_AddStringToObject(ev, "event", "accepted");
	sclient_json(c, FRAME_EVENT, ev);
	c->s->last_active = time(NULL);
	if (json_bool(req, "stdin"))
		c->want_stdin = 1;
	else
		sclient_exec_start(c);
}

static void
sclient_status(struct sclient *c)
{
	struct server	*s = c->s;
	struct sclient	*o;
	cJSON		*ev;
	size_t		 i, up = 0, nc = 0, jobs = 0, na = 0;
	char		 when[32];
	struct tm	 tm;

	for (i = 0; i < engine_nnodes(s->e); i++)
		up += engine_node_state(s->e, (int)i) == NODE_UP;
	TAILQ_FOREACH(o, &s->clients, entry) {
		nc += !o->dead;
		jobs += o->run != NULL;
	}
	jobs += (size_t)srvcmd_busy();	/* a push, phase, ... */
	gmtime_r(&s->started, &tm);
	strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
	ev = cJSON_CreateObject();
	cJSON_AddStringToObject(ev, "event", "status");
	cJSON_AddNumberToObject(ev, "pid", getpid());
	cJSON_AddStringToObject(ev, "version", CT_VERSION);
	cJSON_AddNumberToObject(ev, "protocol", FRAME_PROTOCOL);
	cJSON_AddStringToObject(ev, "started", when);
	cJSON_AddStringToObject(ev, "socket", s->sock);
	cJSON_AddNumberToObject(ev, "clients", (double)nc);
	cJSON_AddNumberToObject(ev, "nodes", (double)engine_nnodes(s->e));
	cJSON_AddNumberToObject(ev, "up", (double)up);
	cJSON_AddNumberToObject(ev, "jobs", (double)jobs);
	cJSON_AddNumberToObject(ev, "idle_timeout_s", (double)s->idle_s);
	/* The dashboard runs in the server itself: its pid is the server's. */
	if (s->ts != NULL)
		cJSON_AddNumberToObject(ev, "dashboard_pid", getpid());
	else
		cJSON_AddNullToObject(ev, "dashboard_pid");
	TAILQ_FOREACH(o, &s->clients, entry)
		na += o->attached && !o->dead;
	cJSON_AddNumberToObject(ev, "attached", (double)na);
	if (s->writer != NULL)
		cJSON_AddNumberToObject(ev, "writer_pid", s->writer->pid);
	else
		cJSON_AddNullToObject(ev, "writer_pid");
	cJSON_AddItemToObject(ev, "config", cJSON_Duplicate(s->config, 1));
	sclient_json(c, FRAME_EVENT, ev);
	ev = cJSON_CreateObject();
	cJSON_AddNumberToObject(ev, "status", 0);
	sclient_json(c, FRAME_EXIT, ev);
}

/* --- frames in --------------------------------------------------------------- */

static void
sclient_hello(struct sclient *c, const struct frame *f, cJSON *o)
{
	const cJSON	*proto, *ver, *tty;
	cJSON		*w;
	size_t		 i, up = 0;

	proto = cJSON_GetObjectItemCaseSensitive(o, "protocol");
	ver = cJSON_GetObjectItemCaseSensitive(o, "version");
	tty = cJSON_GetObjectItemCaseSensitive(o, "tty");
	if (f->type != FRAME_HELLO) {
		sclient_error(c, "the first frame must be HELLO, not %s",
		    frame_type_name(f->type));
		return;
	}
	if (!cJSON_IsNumber(proto) || proto->valueint != FRAME_PROTOCOL) {
		sclient_error(c, "server is version %s (protocol %d), client "
		    "is version %s (protocol %d)", CT_VERSION, FRAME_PROTOCOL,
		    cJSON_IsString(ver) ? ver->valuestring : "?",
		    cJSON_IsNumber(proto) ? proto->valueint : -1);
		return;
	}
	if (cJSON_IsString(tty))
		c->tty = strdup(tty->valuestring);
	c->helloed = 1;
	for (i = 0; i < engine_nnodes(c->s->e); i++)
		up += engine_node_state(c->s->e, (int)i) == NODE_UP;
	w = cJSON_CreateObject();
	cJSON_AddNumberToObject(w, "protocol", FRAME_PROTOCOL);
	cJSON_AddStringToObject(w, "version", CT_VERSION);
	cJSON_AddNumberToObject(w, "pid", getpid());
	cJSON_AddNumberToObject(w, "nodes", (double)engine_nnodes(c->s->e));
	cJSON_AddNumberToObject(w, "up", (double)up);
	sclient_json(c, FRAME_WELCOME, w);
}

static void
sclient_stdin(struct sclient *c, const struct frame *f)
{
	if (!c->want_stdin) {
		sclient_error(c, "STDIN frame without an exec waiting for it");
		return;
	}
	if (f->len == 0) {
		c->want_stdin = 0;
		sclient_exec_start(c);
		return;
	}
	if (c->stdin_len + f->len > SERVER_STDIN_MAX) {
		sclient_error(c, "stdin is larger than %lu MiB",
		    SERVER_STDIN_MAX >> 20);
		return;
	}
	if (c->stdin_len + f->len > c->stdin_size) {
		c->stdin_size = c->stdin_size == 0 ? 65536 : c->stdin_size;
		while (c->stdin_size < c->stdin_len + f->len)
			c->stdin_size *= 2;
		if ((c->stdin_data = realloc(c->stdin_data, c->stdin_size)) ==
		    NULL)
			abort();
	}
	memcpy(c->stdin_data + c->stdin_len, f->data, f->len);
	c->stdin_len += f->len;
}

/* --- the hosted dashboard ------------------------------------------------------ */

static void
sclient_mode(struct sclient *c)
{
	cJSON	*o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "event", "mode");
	cJSON_AddBoolToObject(o, "writer", c->s->writer == c);
	sclient_json(c, FRAME_EVENT, o);
}

/* The screen's new bytes to every attached client. */
static void
server_tty_read(int fd, void *arg)
{
	struct server	*s = arg;
	struct sclient	*c;
	uint8_t		 buf[65536];
	ssize_t		 n;

	(void)fd;
	if (s->ts == NULL)
		return;
	while ((n = tsession_read(s->ts, buf, sizeof buf)) > 0) {
		TAILQ_FOREACH(c, &s->clients, entry) {
			if (c->attached && !c->dead)
				sclient_frame(c, FRAME_TERM_OUT, buf, (size_t)n);
		}
	}
}

/* C has the keys now; the old writer is told it is read-only. */
static void
server_set_writer(struct server *s, struct sclient *c)
{
	struct sclient	*old = s->writer;

	s->writer = c;
	if (old != NULL && old != c && old->attached && !old->dead)
		sclient_mode(old);
	if (c == NULL)
		return;
	tui_host_client(tsession_tui(s->ts), (int)c->pid, c->tty);
	sclient_mode(c);
	/* The screen takes the writer's size; a full frame for everyone. */
	tsession_resize(s->ts, c->cols, c->rows);
	tsession_redraw(s->ts);
	server_tty_read(-1, s);
}

/* The writer left: the longest attached client gets the keys. */
static void
server_next_writer(struct server *s, struct sclient *gone)
{
	struct sclient	*c;

	if (s->writer != gone)
		return;
	s->writer = NULL;
	TAILQ_FOREACH(c, &s->clients, entry) {
		if (c != gone && c->attached && !c->dead) {
			server_set_writer(s, c);
			return;
		}
	}
}

/* The dashboard quit (q): its clients exit with its status. */
static void
server_dash_end(struct server *s)
{
	struct sclient	*c;
	uint32_t	 left = 0;
	int		 status;
	cJSON		*ev;

	status = tsession_end(s->ts, &left);
	server_tty_read(-1, s);		/* curses' last bytes */
	if (left != 0 && s->nleft < sizeof s->left / sizeof s->left[0])
		s->left[s->nleft++] = left;
	server_log("dashboard exited with status %d", status);
	TAILQ_FOREACH(c, &s->clients, entry) {
		if (!c->attached)
			continue;
		c->attached = 0;
		ev = cJSON_CreateObject();
		cJSON_AddNumberToObject(ev, "status", status);
		sclient_json(c, FRAME_EXIT, ev);
	}
	engine_unwatch_fd(s->e, tsession_fd(s->ts));
	tsession_free(s->ts);
	s->ts = NULL;
	s->writer = NULL;
	if (chdir("/") == -1)
		server_log("chdir /: %s", strerror(errno));
}

/* tsession_start's check: the dashboard's sessions must be the server's. */
static int
server_config_ok(const struct engine_config *cfg, void *arg)
{
	struct server	*s = arg;
	cJSON		*o = client_config_json(cfg);
	int		 same = cJSON_Compare(o, s->config, 1);

	if (!same) {
		char	*mine = cJSON_PrintUnformatted(s->config);
		char	*theirs = cJSON_PrintUnformatted(o);

		server_log("dashboard declined: its settings %s, the server's "
		    "%s", theirs, mine);
		free(mine);
		free(theirs);
	}
	cJSON_Delete(o);
	return (same);
}

/*
 * The first attach's environment becomes the server's (the dashboard
 * reads $WCOLL, $SLURM_CONF, $CLUSTERTOP_*, $HOME, the locale, and its
 * phase runs' head steps inherit it), as a child started with it had.
 */
static void
server_take_env(const cJSON *env)
{
	static char	**mine;		/* the strings putenv took, last time */
	static size_t	  nmine;
	const cJSON	 *v;
	size_t		  i;

	if (!cJSON_IsArray(env))
		return;
	clearenv();
	for (i = 0; i < nmine; i++)
		free(mine[i]);
	free(mine);
	mine = xcalloc((size_t)cJSON_GetArraySize(env) + 1, sizeof *mine);
	nmine = 0;
	cJSON_ArrayForEach(v, env) {
		if (cJSON_IsString(v) && strchr(v->valuestring, '=') != NULL) {
			mine[nmine] = xstrdup(v->valuestring);
			putenv(mine[nmine++]);
		}
	}
}

/* NULL-terminated copy of a JSON array of strings, or NULL. */
static char **
json_strv(const cJSON *a)
{
	const cJSON	*v;
	char		**sv;
	size_t		 n = 0;

	if (!cJSON_IsArray(a))
		return (NULL);
	sv = xcalloc((size_t)cJSON_GetArraySize(a) + 1, sizeof *sv);
	cJSON_ArrayForEach(v, a) {
		if (!cJSON_IsString(v)) {
			free(sv);
			return (NULL);
		}
		sv[n++] = v->valuestring;
	}
	return (sv);
}

static void
sclient_attach(struct sclient *c, const cJSON *req)
{
	struct server	*s = c->s;
	const cJSON	*cwd = cJSON_GetObjectItemCaseSensitive(req, "cwd");
	const char	*term;
	char		**av, *cause = NULL, *nl;
	int		 fresh = 0, writer;
	cJSON		*o;

	c->cols = json_int(req, "cols");
	c->rows = json_int(req, "rows");
	if (s->ts == NULL) {
		av = json_strv(cJSON_GetObjectItemCaseSensitive(req, "argv"));
		if (av == NULL || av[0] == NULL ||
		    !cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(req,
		    "env"))) {
			free(av);
			sclient_error(c, "bad attach request (argv, env)");
			return;
		}
		server_take_env(cJSON_GetObjectItemCaseSensitive(req, "env"));
		term = getenv("TERM");
		/*
		 * The dashboard lives in the client's directory, as it does
		 * in-process: relative paths in its options, ./src/phases.json,
		 * `w` (save), the phases' head steps. Back to / when it ends.
		 */
		if (!cJSON_IsString(cwd) || chdir(cwd->valuestring) == -1)
			(void)chdir("/");
		s->ts = tsession_start(s->e, av, term, c->cols, c->rows,
		    server_config_ok, s, &cause);
		if (s->ts == NULL && chdir("/") == -1)
			server_log("chdir /: %s", strerror(errno));
		free(av);
		if (s->ts == NULL && cause == NULL) {
			o = cJSON_CreateObject();
			cJSON_AddStringToObject(o, "event", "declined");
			cJSON_AddStringToObject(o, "why", "the server's sessions "
			    "use other connection settings");
			sclient_json(c, FRAME_EVENT, o);
			return;
		}
		if (s->ts == NULL) {
			/* One line: the first of what the dashboard said. */
			if ((nl = strchr(cause, '\n')) != NULL)
				*nl = '\0';
			sclient_error(c, "%s", *cause != '\0' ? cause :
			    "clustertop: cannot start the dashboard");
			free(cause);
			return;
		}
		engine_watch_fd(s->e, tsession_fd(s->ts), server_tty_read, s);
		server_log("dashboard started for client pid %ld",
		    (long)c->pid);
		fresh = 1;
	} else
		server_log("client pid %ld attached to the dashboard",
		    (long)c->pid);
	c->attached = 1;
	writer = s->writer == NULL || json_bool(req, "takeover");
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "event", "attached");
	cJSON_AddBoolToObject(o, "new", fresh);
	cJSON_AddNumberToObject(o, "pid", getpid());
	cJSON_AddBoolToObject(o, "writer", writer);
	sclient_json(c, FRAME_EVENT, o);
	if (writer)
		server_set_writer(s, c);	/* its size, a full frame */
	else {
		tsession_redraw(s->ts);
		server_tty_read(-1, s);
	}
	/* Everything of that full frame is queued before this. */
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "event", "frame");
	sclient_json(c, FRAME_EVENT, o);
}

static void
sclient_request(struct sclient *c, cJSON *req)
{
	const cJSON	*op = cJSON_GetObjectItemCaseSensitive(req, "op");
	cJSON		*ev;

	if (!cJSON_IsString(op)) {
		cJSON_Delete(req);
		sclient_error(c, "a request without \"op\"");
		return;
	}
	if (strcmp(op->valuestring, "cancel") == 0) {
		if (c->run != NULL)
			engine_job_cancel(c->s->e, exec_run_job(c->run));
		srvcmd_cancel(c, req);	/* push, phase, ...: server-cmds.c */
		cJSON_Delete(req);
		return;
	}
	if (strcmp(op->valuestring, "answer") == 0) {
		srvcmd_answer(c, req);
		cJSON_Delete(req);
		return;
	}
	if (strcmp(op->valuestring, "cmd") == 0 && c->req == NULL) {
		srvcmd_queue(c, c->pid, c->tty, req);	/* takes REQ */
		c->s->last_active = time(NULL);
		return;
	}
	if (c->req != NULL) {
		cJSON_Delete(req);
		sclient_error(c, "one request at a time");
		return;
	}
	if (strcmp(op->valuestring, "exec") == 0) {
		sclient_exec(c, req);	/* takes REQ */
		return;
	}
	if (strcmp(op->valuestring, "attach") == 0 && !c->attached)
		sclient_attach(c, req);
	else if (strcmp(op->valuestring, "resize") == 0) {
		c->cols = json_int(req, "cols");
		c->rows = json_int(req, "rows");
		/* The screen has the writer's size. */
		if (c->attached && c->s->ts != NULL && c->s->writer == c)
			tsession_resize(c->s->ts, c->cols, c->rows);
	} else if (strcmp(op->valuestring, "takeover") == 0) {
		if (c->attached && c->s->ts != NULL && c->s->writer != c) {
			server_log("client pid %ld takes the keys over",
			    (long)c->pid);
			server_set_writer(c->s, c);
		}
	} else if (strcmp(op->valuestring, "status") == 0)
		sclient_status(c);
	else if (strcmp(op->valuestring, "stop") == 0) {
		server_log("stop requested by pid %ld", (long)c->pid);
		ev = cJSON_CreateObject();
		cJSON_AddNumberToObject(ev, "status", 0);
		sclient_json(c, FRAME_EXIT, ev);
		c->s->quit = 1;
	} else
		sclient_error(c, "unknown request \"%s\"", op->valuestring);
	cJSON_Delete(req);
}

/* Handle every complete frame in the client's input. */
static void
sclient_frames(struct sclient *c)
{
	struct frame	 f;
	const char	*why;
	size_t		 used;
	cJSON		*o;
	int		 rc;

	while (!c->closing && !c->dead) {
		rc = frame_parse(c->in.data + c->in.start,
		    frame_buf_len(&c->in), &f, &used, &why);
		if (rc == 0)
			break;
		if (rc == -1) {
			server_log("client pid %ld: bad frame (%s); dropped",
			    (long)c->pid, why);
			sclient_error(c, "bad frame: %s", why);
			return;
		}
		if (f.version != FRAME_PROTOCOL) {
			server_log("client pid %ld: protocol %u; refused",
			    (long)c->pid, f.version);
			sclient_error(c, "server is version %s (protocol %d), "
			    "client is protocol %u", CT_VERSION, FRAME_PROTOCOL,
			    f.version);
			return;
		}
		o = NULL;
		if (frame_type_is_json(f.type)) {
			o = cJSON_ParseWithLength((const char *)f.data, f.len);
			if (o == NULL || !cJSON_IsObject(o)) {
				cJSON_Delete(o);
				server_log("client pid %ld: %s frame is not a "
				    "JSON object; dropped", (long)c->pid,
				    frame_type_name(f.type));
				sclient_error(c, "bad frame: %s is not a JSON "
				    "object", frame_type_name(f.type));
				return;
			}
		}
		if (!c->helloed)
			sclient_hello(c, &f, o);
		else if (f.type == FRAME_REQUEST) {
			sclient_request(c, o);
			o = NULL;
		} else if (f.type == FRAME_STDIN)
			sclient_stdin(c, &f);
		else if (f.type == FRAME_TERM_IN && c->attached &&
		    c->s->ts != NULL) {
			/* A read-only client's keys are dropped here too. */
			if (c->s->writer == c)
				tsession_write(c->s->ts, f.data, f.len);
		}
		else
			sclient_error(c, "unexpected %s frame",
			    frame_type_name(f.type));
		cJSON_Delete(o);
		frame_buf_drop(&c->in, used);
	}
}

static void
sclient_read(int fd, void *arg)
{
	struct sclient	*c = arg;
	uint8_t		 buf[65536];
	ssize_t		 n;

	if (c->dead)
		return;
	n = read(fd, buf, sizeof buf);
	if (n == -1 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) {
		c->dead = 1;
		return;
	}
	if (c->closing)
		return;		/* after an ERROR: ignore the rest */
	frame_buf_add(&c->in, buf, (size_t)n);
	sclient_frames(c);
}

static void
sclient_free(struct sclient *c)
{
	struct server	*s = c->s;
	char		 drain[4096];

	if (c->run != NULL) {
		/* The client went away mid-command: kill it (the default). */
		server_log("client pid %ld left during a command; killing it",
		    (long)c->pid);
		engine_job_cancel(s->e, exec_run_job(c->run));
	}
	c->dead = 1;
	sclient_end_run(c);
	if (c->attached && s->ts != NULL)
		server_next_writer(s, c);
	if (s->writer == c)
		s->writer = NULL;
	engine_unwatch_fd(s->e, c->fd);
	/* Unread input at close would reset the connection under the ERROR. */
	while (read(c->fd, drain, sizeof drain) > 0)
		;
	close(c->fd);
	TAILQ_REMOVE(&s->clients, c, entry);
	frame_buf_free(&c->in);
	frame_buf_free(&c->out);
	free(c->tty);
	free(c);
	s->last_active = time(NULL);
}

static void
server_accept(int fd, void *arg)
{
	struct server	*s = arg;
	struct sclient	*c;
	struct ucred	 cred;
	socklen_t	 len = sizeof cred;
	int		 cfd;

	cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (cfd == -1)
		return;
	if (getsockopt(cfd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == -1) {
		close(cfd);
		return;
	}
	if ((c = calloc(1, sizeof *c)) == NULL)
		abort();
	c->s = s;
	c->fd = cfd;
	c->pid = cred.pid;
	c->uid = cred.uid;
	TAILQ_INSERT_TAIL(&s->clients, c, entry);
	if (cred.uid != geteuid()) {
		server_log("refused pid %ld of uid %ld", (long)cred.pid,
		    (long)cred.uid);
		sclient_error(c, "server of uid %ld refuses uid %ld",
		    (long)geteuid(), (long)cred.uid);
		return;
	}
	engine_watch_fd(s->e, cfd, sclient_read, c);
	s->last_active = time(NULL);
}

/* --- the engine's events go to every client's run --------------------------- */

static void
server_event(const struct engine_event *ev, void *arg)
{
	struct server	*s = arg;
	struct sclient	*c;

	TAILQ_FOREACH(c, &s->clients, entry) {
		if (c->run != NULL && !c->dead)
			exec_run_event(ev, c->run);
	}
	srvcmd_event(ev);
	/* The dashboard's own jobs, streams and shells (and node states). */
	if (s->ts != NULL)
		tui_host_event(ev, tsession_tui(s->ts));
}

/* Cancelled console jobs of an ended dashboard, released once ended. */
static void
server_reap(struct server *s)
{
	size_t	i;

	for (i = 0; i < s->nleft; ) {
		if (engine_job_finished(s->e, s->left[i])) {
			engine_job_release(s->e, s->left[i]);
			s->left[i] = s->left[--s->nleft];
		} else
			i++;
	}
}

/* After each turn: finished jobs, output, dead clients. */
static int
server_tend(struct server *s)
{
	struct sclient	*c, *next;
	cJSON		*ev;
	int		 status, pending = 0;

	for (c = TAILQ_FIRST(&s->clients); c != NULL; c = next) {
		next = TAILQ_NEXT(c, entry);
		if (!c->dead && c->run != NULL &&
		    engine_job_finished(s->e, exec_run_job(c->run))) {
			status = exec_run_finish(c->run);
			fflush(c->fout);
			ev = cJSON_CreateObject();
			cJSON_AddNumberToObject(ev, "status", status);
			sclient_json(c, FRAME_EXIT, ev);
			sclient_end_run(c);
			s->last_active = time(NULL);
		}
		if (!c->dead && sclient_flush(c) != 0)
			c->dead = 1;
		if (!c->dead && c->closing && frame_buf_len(&c->out) == 0)
			c->dead = 1;
		if (c->dead && srvcmd_owns(c))
			srvcmd_gone(c);	/* freed once its command ended */
		else if (c->dead)
			sclient_free(c);
		else if (frame_buf_len(&c->out) > 0)
			pending = 1;
	}
	return (pending);
}

/* --- start-up ---------------------------------------------------------------- */

static int
server_listen(struct server *s, char **cause)
{
	struct sockaddr_un	sun;
	mode_t			old;

	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof sun.sun_path, "%s", s->sock);
	s->lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s->lfd == -1)
		abort();
	unlink(s->sock);	/* we hold the lock: any socket there is stale */
	old = umask(0177);
	if (bind(s->lfd, (struct sockaddr *)&sun, sizeof sun) == -1 ||
	    listen(s->lfd, 64) == -1) {
		umask(old);
		if (asprintf(cause, "%s: %s", s->sock, strerror(errno)) == -1)
			*cause = NULL;
		return (-1);
	}
	umask(old);
	return (0);
}

/* Engine settings from the --config-json a client passed, over CFG. */
static void
server_config_from_json(const cJSON *j, struct engine_config *cfg)
{
	const cJSON	*v;

	v = cJSON_GetObjectItemCaseSensitive(j, "ssh_config");
	cfg->ssh_config = cJSON_IsString(v) ? v->valuestring : NULL;
	v = cJSON_GetObjectItemCaseSensitive(j, "user");
	cfg->user = cJSON_IsString(v) ? v->valuestring : NULL;
	v = cJSON_GetObjectItemCaseSensitive(j, "known_hosts");
	cfg->known_hosts = cJSON_IsString(v) ? v->valuestring : NULL;
	v = cJSON_GetObjectItemCaseSensitive(j, "hostkeys");
	cfg->hostkeys = cJSON_IsString(v) && strcmp(v->valuestring,
	    "accept-new") == 0 ? HOSTKEY_ACCEPT_NEW : HOSTKEY_STRICT;
	cfg->connect_timeout_ms = json_int(j, "connect_timeout_ms");
	cfg->keepalive_ms = json_int(j, "keepalive_ms");
	cfg->keepalive_count = json_int(j, "keepalive_count");
	cfg->output_cap = (size_t)json_int(j, "output_cap");
}

/* server-cmds.c's hooks: a hosted command drives the loop with these. */
static int
server_turn(void *arg, int timeout_ms)
{
	struct server	*s = arg;
	int		 rc;

	rc = engine_run_once(s->e, timeout_ms);
	server_tend(s);
	if (s->quit || server_signalled != 0)
		srvcmd_stop();
	return (rc);
}

static void
server_cmd_send(void *conn, enum frame_type type, const void *p, size_t len)
{
	struct sclient	*c = conn;

	if (!c->dead)
		sclient_frame(c, type, p, len);
}

static int
server_cmd_gone(void *conn)
{
	return (((struct sclient *)conn)->dead);
}

static int
server_run(struct server *s, int ready_fd)
{
	struct srvcmd_server	 hooks;
	struct sigaction	 sa;
	struct sclient		*c;
	time_t			 now;
	int			 pending = 0, wait, w;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = server_sigterm;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGPIPE, &sa, NULL);

	engine_set_callback(s->e, server_event, s);
	engine_watch_fd(s->e, s->lfd, server_accept, s);
	memset(&hooks, 0, sizeof hooks);
	hooks.e = s->e;
	hooks.config = s->config;
	hooks.audit_log = getenv("CLUSTERTOP_AUDIT_LOG");
	hooks.arg = s;
	hooks.turn = server_turn;
	hooks.send = server_cmd_send;
	hooks.gone = server_cmd_gone;
	hooks.log = server_log;
	srvcmd_init(&hooks);
	server_logf = stderr;
	server_log("started: version %s, protocol %d, socket %s, idle "
	    "timeout %ld s", CT_VERSION, FRAME_PROTOCOL, s->sock, s->idle_s);
	if (ready_fd != -1) {
		if (write(ready_fd, "ok\n", 3) != 3)
			server_log("could not tell the parent we are ready");
		close(ready_fd);
	}
	while (!s->quit && server_signalled == 0) {
		wait = pending ? 10 : 1000;
		if (s->ts != NULL && (w = tui_host_wait_ms(tsession_tui(
		    s->ts))) < wait)
			wait = w;
		if (engine_run_once(s->e, wait) != 0) {
			server_log("event loop failed: %s", strerror(errno));
			break;
		}
		/* The dashboard's turn: actions, runs, a frame if due. */
		if (s->ts != NULL) {
			if (tui_host_turn(tsession_tui(s->ts)))
				server_dash_end(s);
			else
				server_tty_read(-1, s);
		}
		server_reap(s);
		pending = server_tend(s);
		/* A queued push, phase, ...: runs to its end, then its EXIT. */
		if (srvcmd_run())
			pending = server_tend(s);
		now = time(NULL);
		if (s->idle_s > 0 && TAILQ_EMPTY(&s->clients) &&
		    now - s->last_active >= s->idle_s) {
			server_log("idle for %ld s: exiting", s->idle_s);
			break;
		}
	}
	if (server_signalled != 0)
		server_log("signal %d: exiting", (int)server_signalled);
	/* Jobs of remaining clients are cancelled (their processes killed). */
	while ((c = TAILQ_FIRST(&s->clients)) != NULL) {
		sclient_flush(c);
		sclient_free(c);
	}
	if (s->ts != NULL) {
		engine_unwatch_fd(s->e, tsession_fd(s->ts));
		tsession_free(s->ts);
		s->ts = NULL;
	}
	engine_unwatch_fd(s->e, s->lfd);
	close(s->lfd);
	unlink(s->sock);
	engine_free(s->e);
	server_log("stopped");
	return (0);
}

static void
server_usage(FILE *f)
{
	fprintf(f, "usage: clustertop server start [--foreground] [--idle "
	    "SECONDS] [-F SSH_CONFIG] [-l USER]\n"
	    "                                [-t CONNECT_S] "
	    "[--strict-host-keys yes|accept-new]\n"
	    "       clustertop server stop | status [--json]\n");
}

static int
server_start(int argc, char **argv)
{
	static const struct option longopts[] = {
		CLIOPT_LONG,
		{ "foreground", no_argument, NULL, 'D' },
		{ "idle", required_argument, NULL, 'I' },
		{ "config-json", required_argument, NULL, 'C' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct server		 s;
	struct cliopt		 opt;
	struct engine_config	 cfg;
	cJSON			*cj = NULL;
	char			*cause = NULL, *lockp, *logp, buf[64], *end;
	const char		*v;
	int			 ch, rc, foreground = 0, lfd, p[2], fd;
	ssize_t			 n;
	pid_t			 pid;

	memset(&s, 0, sizeof s);
	TAILQ_INIT(&s.clients);
	s.idle_s = SERVER_IDLE_S;
	if ((v = getenv("CLUSTERTOP_SERVER_IDLE")) != NULL && *v != '\0') {
		s.idle_s = strtol(v, &end, 10);
		if (*end != '\0' || s.idle_s < 0) {
			fprintf(stderr, "clustertop server: "
			    "CLUSTERTOP_SERVER_IDLE: not a number of seconds: "
			    "%s\n", v);
			return (CT_EXIT_USAGE);
		}
	}
	cliopt_init(&opt);
	optind = 1;
	while ((ch = getopt_long(argc, argv, "+" CLIOPT_SHORT "h", longopts,
	    NULL)) != -1) {
		rc = cliopt_handle(&opt, ch, optarg, &cause);
		if (rc == 1)
			continue;
		if (rc == -1) {
			fprintf(stderr, "clustertop server: %s\n", cause);
			free(cause);
			return (CT_EXIT_USAGE);
		}
		switch (ch) {
		case 'D':
			foreground = 1;
			break;
		case 'I':
			s.idle_s = strtol(optarg, &end, 10);
			if (*end != '\0' || s.idle_s < 0) {
				fprintf(stderr, "clustertop server: --idle: "
				    "not a number of seconds: %s\n", optarg);
				return (CT_EXIT_USAGE);
			}
			break;
		case 'C':
			cJSON_Delete(cj);
			if ((cj = cJSON_Parse(optarg)) == NULL ||
			    !cJSON_IsObject(cj)) {
				fprintf(stderr, "clustertop server: "
				    "--config-json: not a JSON object\n");
				cJSON_Delete(cj);
				return (CT_EXIT_USAGE);
			}
			break;
		case 'h':
			server_usage(stdout);
			return (0);
		default:
			server_usage(stderr);
			return (CT_EXIT_USAGE);
		}
	}
	if (optind != argc) {
		server_usage(stderr);
		cJSON_Delete(cj);
		return (CT_EXIT_USAGE);
	}
	cliopt_engine_config(&opt, &cfg);
	cfg.reconnect = 0;
	if ((v = getenv("CLUSTERTOP_OUTPUT_CAP")) != NULL)
		cfg.output_cap = strtoul(v, NULL, 10);
	if (cj != NULL)
		server_config_from_json(cj, &cfg);
	s.config = client_config_json(&cfg);
	cJSON_Delete(cj);	/* the paths are in s.config now */
	server_config_from_json(s.config, &cfg);

	if (srvpath_dir(1, &s.dir, &cause) != 0) {
		fprintf(stderr, "clustertop server: %s\n", cause);
		free(cause);
		cJSON_Delete(s.config);
		return (1);
	}
	s.sock = srvpath_file(s.dir, "server.sock");
	lockp = srvpath_file(s.dir, "server.lock");
	lfd = open(lockp, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (lfd == -1) {
		fprintf(stderr, "clustertop server: %s: %s\n", lockp,
		    strerror(errno));
		free(lockp);
		rc = 1;
		goto out;
	}
	free(lockp);
	if (flock(lfd, LOCK_EX | LOCK_NB) == -1) {
		/* A server starting right now writes its pid in a moment. */
		for (n = 0; n < 50 && srvpath_lock_pid(s.dir) == 0; n++)
			usleep(100000);
		printf("clustertop server: already running (pid %ld, socket "
		    "%s)\n", (long)srvpath_lock_pid(s.dir), s.sock);
		close(lfd);
		rc = 0;
		goto out;
	}

	if (ftruncate(lfd, 0) == -1)	/* the pid of an earlier server */
		server_log("cannot truncate the lock file");
	p[0] = p[1] = -1;
	if (!foreground) {
		if (pipe2(p, O_CLOEXEC) == -1 || (pid = fork()) == -1)
			abort();
		if (pid > 0) {
			/* The parent: wait for "ok" or the child's error. */
			close(p[1]);
			close(lfd);
			n = read(p[0], buf, sizeof buf - 1);
			close(p[0]);
			rc = 1;
			if (n >= 2 && strncmp(buf, "ok", 2) == 0) {
				printf("clustertop server: started (pid %ld, "
				    "socket %s)\n", (long)pid, s.sock);
				rc = 0;
			} else
				fprintf(stderr, "clustertop server: did not "
				    "start (see %s/server.log)\n", s.dir);
			goto out;
		}
		close(p[0]);
		setsid();
		logp = srvpath_file(s.dir, "server.log");
		fd = open(logp, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC |
		    O_NOFOLLOW, 0600);
		free(logp);
		if (fd != -1) {
			dup2(fd, STDOUT_FILENO);
			dup2(fd, STDERR_FILENO);
			close(fd);
		}
		if ((fd = open("/dev/null", O_RDONLY)) != -1) {
			dup2(fd, STDIN_FILENO);
			close(fd);
		}
		setvbuf(stderr, NULL, _IOLBF, 0);
	}
	if (chdir("/") == -1)
		server_log("chdir /: %s", strerror(errno));
	snprintf(buf, sizeof buf, "%ld\n", (long)getpid());
	if (pwrite(lfd, buf, strlen(buf), 0) == -1)
		server_log("cannot write the pid to the lock file");
	s.started = s.last_active = time(NULL);
	if ((s.e = engine_create(&cfg, &cause)) == NULL ||
	    server_listen(&s, &cause) != 0) {
		server_log("%s", cause != NULL ? cause : "start-up failed");
		fprintf(stderr, "clustertop server: %s\n", cause != NULL ?
		    cause : "start-up failed");
		free(cause);
		if (s.e != NULL)
			engine_free(s.e);
		close(lfd);
		rc = 1;
		goto out;
	}
	rc = server_run(&s, p[1]);
	close(lfd);
out:
	fflush(stdout);
	cJSON_Delete(s.config);
	free(s.sock);
	free(s.dir);
	return (rc);
}

/* `server status` and `server stop`: one request to the running server. */
static int
server_ask(const char *op, int json)
{
	struct engine_config	 cfg;
	struct client		*c;
	struct frame		 f;
	cJSON			*req, *o;
	char			*cause = NULL, *note = NULL, *s;
	int			 rc, i, status = 1;
	pid_t			 pid;

	memset(&cfg, 0, sizeof cfg);
	rc = client_open(CLIENT_SERVER_IF_RUNNING, &cfg, &c, &note, &cause);
	if (note != NULL) {
		fprintf(stderr, "clustertop server: %s\n", note);
		free(note);
	}
	if (rc == 1) {
		printf("clustertop server: not running\n");
		return (strcmp(op, "stop") == 0 ? 0 : 1);
	}
	if (rc == -1) {
		fprintf(stderr, "clustertop server: %s\n", cause);
		free(cause);
		return (1);
	}
	pid = c->server_pid;
	req = cJSON_CreateObject();
	cJSON_AddStringToObject(req, "op", op);
	client_send_json(c, FRAME_REQUEST, req);
	cJSON_Delete(req);
	while ((rc = client_recv(c, &f, 10000, &cause)) == 1) {
		o = client_frame_json(&f);
		if (f.type == FRAME_EVENT && o != NULL && json) {
			if ((s = cJSON_PrintUnformatted(o)) != NULL)
				printf("%s\n", s);
			free(s);
		} else if (f.type == FRAME_EVENT && o != NULL) {
			printf("clustertop server: running, pid %d, version "
			    "%s (protocol %d)\n  socket %s\n  started %s, "
			    "%d client(s), %d job(s)\n  nodes %d, %d up\n  "
			    "idle timeout %d s\n  dashboard %s, %d "
			    "attached\n",
			    json_int(o, "pid"), cJSON_GetStringValue(
			    cJSON_GetObjectItem(o, "version")),
			    json_int(o, "protocol"), cJSON_GetStringValue(
			    cJSON_GetObjectItem(o, "socket")),
			    cJSON_GetStringValue(cJSON_GetObjectItem(o,
			    "started")), json_int(o, "clients"),
			    json_int(o, "jobs"), json_int(o, "nodes"),
			    json_int(o, "up"), json_int(o, "idle_timeout_s"),
			    json_int(o, "dashboard_pid") > 0 ? "running" :
			    "not started", json_int(o, "attached"));
		} else if (f.type == FRAME_EXIT) {
			status = json_int(o, "status");
			cJSON_Delete(o);
			break;
		}
		cJSON_Delete(o);
	}
	if (rc == -1) {
		fprintf(stderr, "clustertop server: %s\n", cause);
		free(cause);
	}
	if (strcmp(op, "stop") == 0 && status == 0) {
		/* Bounded wait for the lock to be released. */
		for (i = 0; i < 300 && (srvpath_locked(c->dir) == 1 ||
		    (pid > 0 && kill(pid, 0) == 0)); i++)
			usleep(100000);
		if (srvpath_locked(c->dir) == 1 ||
		    (pid > 0 && kill(pid, 0) == 0)) {
			fprintf(stderr, "clustertop server: pid %ld did not "
			    "exit\n", (long)pid);
			status = 1;
		} else
			printf("clustertop server: stopped (pid %ld)\n",
			    (long)pid);
	}
	client_close(c);
	return (status);
}

int
cmd_server_main(int argc, char **argv)
{
	if (argc < 2 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "--help") == 0) {
		server_usage(argc < 2 ? stderr : stdout);
		return (argc < 2 ? CT_EXIT_USAGE : 0);
	}
	if (strcmp(argv[1], "start") == 0)
		return (server_start(argc - 1, argv + 1));
	if (strcmp(argv[1], "stop") == 0 && argc == 2)
		return (server_ask("stop", 0));
	if (strcmp(argv[1], "status") == 0 && (argc == 2 || (argc == 3 &&
	    strcmp(argv[2], "--json") == 0)))
		return (server_ask("status", argc == 3));
	fprintf(stderr, "clustertop server: unknown command '%s'\n", argv[1]);
	server_usage(stderr);
	return (CT_EXIT_USAGE);
}
