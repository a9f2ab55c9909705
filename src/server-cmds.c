/*
 * server-cmds.c -- the server's end of the subcommands other than exec
 * (server-cmds.h, docs/server.md "What goes through the server").
 *
 * A client sends {"op":"cmd", argv, env, cwd, umask, isatty, cols, rows}.
 * The server runs the very function the client would have run
 * (cmd_push_main, cmd_phase_main, ...) with the client's argv, in the
 * client's environment, directory and umask, with stdout and stderr
 * swapped for FILEs whose bytes become STDOUT and STDERR frames. The
 * command reaches the engine through cmdhost.h, which gives it the
 * server's engine (and so its open sessions) and runs the server's loop
 * when the command waits, so other clients are served meanwhile.
 *
 * The command's output is held back until it first uses the engine: if
 * its connection settings are not the server's, the server declines, the
 * held output is dropped and the client runs the command itself (and
 * prints the same). A command that never needs the engine (phase list,
 * nodes) runs to its end here.
 *
 * Signals: the client forwards SIGINT, SIGTERM and SIGHUP as a "cancel"
 * with the signal; the server raises that signal in itself while the
 * command's own handlers are installed, so the command reacts exactly as
 * to a signal in-process (kill the remote processes, exit 130). A client
 * that goes away mid-command is a SIGHUP, as a lost terminal is.
 */

#include <sys/stat.h>
#include <sys/types.h>

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "cmdhost.h"
#include "inventory.h"
#include "push.h"
#include "server-cmds.h"
#include "util.h"

extern char	**environ;

static const struct {
	const char	*name;
	int		(*main)(int, char **);
} srvcmd_table[] = {
	{ "push", cmd_push_main },
	{ "pull", cmd_pull_main },
	{ "phase", cmd_phase_main },
	{ "nvme", cmd_nvme_main },
	{ "test", cmd_test_main },
	{ "nodes", cmd_inventory_main },
	{ NULL, NULL }
};

struct srvcmd {
	void		*conn;
	pid_t		 pid;
	char		*tty;
	cJSON		*req;
	int		 running;
	int		 committed;	/* "accepted" sent, output flows */
	int		 hup_sent;
	int		 stop_sent;
	struct frame_buf held;		/* output before the commit */
	/* The question being asked on the client's terminal. */
	int		 asking, answered, answer_tty;
	char		*answer;
	struct cmdhost_ops ops;
};

static struct srvcmd_server	 srv;
static struct srvcmd		*cur;	/* queued or running, or NULL */
static volatile sig_atomic_t	 srvcmd_signals;

static void
srvcmd_sighandler(int sig)
{
	(void)sig;
	srvcmd_signals++;	/* before the command has its own handler */
}

void
srvcmd_init(const struct srvcmd_server *s)
{
	srv = *s;
}

static void
srvcmd_json(void *conn, enum frame_type type, cJSON *o)
{
	char	*s = cJSON_PrintUnformatted(o);

	if (s == NULL)
		abort();
	srv.send(conn, type, s, strlen(s));
	free(s);
	cJSON_Delete(o);
}

static void
srvcmd_event_to(void *conn, const char *event, const char *why)
{
	cJSON	*o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "event", event);
	if (why != NULL)
		cJSON_AddStringToObject(o, "why", why);
	srvcmd_json(conn, FRAME_EVENT, o);
}

void
srvcmd_queue(void *conn, pid_t pid, const char *tty, cJSON *req)
{
	if (cur != NULL) {
		srv.log("client pid %ld: declined: busy with client pid %ld's "
		    "command", (long)pid, (long)cur->pid);
		srvcmd_event_to(conn, "declined", cur->conn == conn ?
		    "one request at a time" : "the server is running another "
		    "client's command");
		cJSON_Delete(req);
		return;
	}
	cur = xcalloc(1, sizeof *cur);
	cur->conn = conn;
	cur->pid = pid;
	cur->tty = xstrdup(tty);
	cur->req = req;
}

int
srvcmd_busy(void)
{
	return (cur != NULL && cur->running);
}

int
srvcmd_owns(const void *conn)
{
	return (cur != NULL && cur->conn == conn);
}

/* --- output ------------------------------------------------------------------ */

static void
srvcmd_out(enum frame_type type, const char *p, size_t len)
{
	size_t	off, n;

	for (off = 0; off < len; off += n) {
		n = len - off > FRAME_MAX ? FRAME_MAX : len - off;
		if (cur->committed)
			srv.send(cur->conn, type, p + off, n);
		else
			frame_buf_frame(&cur->held, type, p + off, n);
	}
}

static ssize_t
srvcmd_write_out(void *arg, const char *p, size_t len)
{
	(void)arg;
	srvcmd_out(FRAME_STDOUT, p, len);
	return ((ssize_t)len);
}

static ssize_t
srvcmd_write_err(void *arg, const char *p, size_t len)
{
	(void)arg;
	srvcmd_out(FRAME_STDERR, p, len);
	return ((ssize_t)len);
}

/* The command goes on here: "accepted", then what it printed so far. */
static void
srvcmd_commit(void *arg)
{
	struct frame	 f;
	const char	*why;
	size_t		 used;

	(void)arg;
	if (cur->committed)
		return;
	cur->committed = 1;
	srvcmd_event_to(cur->conn, "accepted", NULL);
	while (frame_parse(cur->held.data + cur->held.start,
	    frame_buf_len(&cur->held), &f, &used, &why) == 1) {
		srv.send(cur->conn, f.type, f.data, f.len);
		frame_buf_drop(&cur->held, used);
	}
	frame_buf_free(&cur->held);
	memset(&cur->held, 0, sizeof cur->held);
}

static int
srvcmd_turn(void *arg, int timeout_ms)
{
	(void)arg;
	return (srv.turn(srv.arg, timeout_ms));
}

static int
srvcmd_ask(void *arg, const char *q, char *line, size_t size)
{
	cJSON	*o;

	(void)arg;
	fflush(stdout);
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "event", "ask");
	cJSON_AddStringToObject(o, "question", q);
	srvcmd_json(cur->conn, FRAME_EVENT, o);
	cur->asking = 1;
	cur->answered = 0;
	while (!cur->answered && !cur->hup_sent && !srv.gone(cur->conn))
		srv.turn(srv.arg, 200);
	cur->asking = 0;
	if (!cur->answered || !cur->answer_tty) {
		free(cur->answer);
		cur->answer = NULL;
		return (-1);
	}
	snprintf(line, size, "%s", cur->answer != NULL ? cur->answer : "");
	free(cur->answer);
	cur->answer = NULL;
	return (0);
}

void
srvcmd_answer(void *conn, const cJSON *req)
{
	const cJSON	*line;

	if (cur == NULL || cur->conn != conn || !cur->asking)
		return;
	line = cJSON_GetObjectItemCaseSensitive(req, "line");
	free(cur->answer);
	cur->answer = cJSON_IsString(line) ? xstrdup(line->valuestring) : NULL;
	cur->answer_tty = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(req,
	    "tty"));
	cur->answered = 1;
}

void
srvcmd_cancel(void *conn, const cJSON *req)
{
	const cJSON	*v = cJSON_GetObjectItemCaseSensitive(req, "signal");
	int		 sig = cJSON_IsNumber(v) ? v->valueint : SIGINT;

	if (cur == NULL || cur->conn != conn || !cur->running)
		return;
	if (sig != SIGINT && sig != SIGTERM && sig != SIGHUP)
		sig = SIGINT;
	raise(sig);	/* the command's handler, as in-process */
}

void
srvcmd_gone(void *conn)
{
	if (cur == NULL || cur->conn != conn || !cur->running ||
	    cur->hup_sent)
		return;
	cur->hup_sent = 1;
	raise(SIGHUP);	/* as a lost terminal: stop the remote side */
}

void
srvcmd_stop(void)
{
	if (cur == NULL || !cur->running || cur->stop_sent)
		return;
	cur->stop_sent = 1;
	raise(SIGTERM);
}

void
srvcmd_event(const struct engine_event *ev)
{
	if (cur != NULL && cur->running && cur->ops.cb != NULL)
		cur->ops.cb(ev, cur->ops.cbarg);
}

/* --- running one ------------------------------------------------------------------ */

/* The client's environment, with the server's audit log. */
static char **
srvcmd_env(const cJSON *env)
{
	const cJSON	*v;
	char		**ev;
	size_t		 n = 0;

	ev = xcalloc((size_t)cJSON_GetArraySize(env) + 2, sizeof *ev);
	cJSON_ArrayForEach(v, env) {
		if (!cJSON_IsString(v) || strchr(v->valuestring, '=') == NULL)
			continue;
		if (strncmp(v->valuestring, "CLUSTERTOP_AUDIT_LOG=", 21) == 0)
			continue;
		ev[n++] = xstrdup(v->valuestring);
	}
	if (srv.audit_log != NULL)
		ev[n++] = xasprintf("CLUSTERTOP_AUDIT_LOG=%s", srv.audit_log);
	return (ev);
}

static void
srvcmd_free_strv(char **sv)
{
	size_t	i;

	for (i = 0; sv != NULL && sv[i] != NULL; i++)
		free(sv[i]);
	free(sv);
}

int
srvcmd_run(void)
{
	static const int	 sigs[] = { SIGINT, SIGTERM, SIGHUP };
	cookie_io_functions_t	 io_out = { NULL, srvcmd_write_out, NULL, NULL };
	cookie_io_functions_t	 io_err = { NULL, srvcmd_write_err, NULL, NULL };
	struct sigaction	 sa, old[3];
	const cJSON		*a, *v, *cwd;
	char			**argv = NULL, **env = NULL, **saved_env;
	char			*dummy[2] = { (char *)"clustertop", NULL };
	FILE			*fout, *ferr, *saved_out, *saved_err;
	int			(*fn)(int, char **) = NULL;
	int			 argc = 0, i, status, here;
	mode_t			 um;
	cJSON			*o;

	if (cur == NULL || cur->running)
		return (0);
	a = cJSON_GetObjectItemCaseSensitive(cur->req, "argv");
	if (cJSON_IsArray(a) && cJSON_GetArraySize(a) > 0) {
		argv = xcalloc((size_t)cJSON_GetArraySize(a) + 1, sizeof *argv);
		cJSON_ArrayForEach(v, a) {
			if (!cJSON_IsString(v))
				break;
			argv[argc++] = xstrdup(v->valuestring);
		}
		if (argc != cJSON_GetArraySize(a))
			argc = 0;
	}
	for (i = 0; argc > 0 && srvcmd_table[i].name != NULL; i++) {
		if (strcmp(argv[0], srvcmd_table[i].name) == 0)
			fn = srvcmd_table[i].main;
	}
	if (fn == NULL || !cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(
	    cur->req, "env"))) {
		srvcmd_event_to(cur->conn, "declined", "not a command the "
		    "server runs");
		goto done;
	}
	srv.log("client pid %ld: %s: running", (long)cur->pid, argv[0]);
	if (srv.gone(cur->conn))
		goto done;
	env = srvcmd_env(cJSON_GetObjectItemCaseSensitive(cur->req, "env"));

	/* The client's terminal facts, for cmdhost_isatty() and friends. */
	memset(&cur->ops, 0, sizeof cur->ops);
	a = cJSON_GetObjectItemCaseSensitive(cur->req, "isatty");
	for (i = 0; i < 3; i++)
		cur->ops.tty[i] = cJSON_IsTrue(cJSON_GetArrayItem(a, i));
	v = cJSON_GetObjectItemCaseSensitive(cur->req, "cols");
	cur->ops.cols = cJSON_IsNumber(v) ? v->valueint : 0;
	v = cJSON_GetObjectItemCaseSensitive(cur->req, "rows");
	cur->ops.rows = cJSON_IsNumber(v) ? v->valueint : 0;
	cur->ops.e = srv.e;
	cur->ops.config = srv.config;
	cur->ops.client_pid = cur->pid;
	cur->ops.client_tty = cur->tty;
	cur->ops.commit = srvcmd_commit;
	cur->ops.turn = srvcmd_turn;
	cur->ops.ask = srvcmd_ask;

	/* Its stdout and stderr, environment, directory, umask, signals. */
	fout = fopencookie(NULL, "w", io_out);
	ferr = fopencookie(NULL, "w", io_err);
	if (fout == NULL || ferr == NULL)
		abort();
	if (cur->ops.tty[1])
		setvbuf(fout, NULL, _IOLBF, 0);
	setvbuf(ferr, NULL, _IONBF, 0);
	fflush(stdout);
	fflush(stderr);
	saved_out = stdout;
	saved_err = stderr;
	saved_env = environ;
	here = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	cwd = cJSON_GetObjectItemCaseSensitive(cur->req, "cwd");
	if (cJSON_IsString(cwd) && chdir(cwd->valuestring) == -1) {
		/* As a shell in a removed directory: go on from /. */
		if (chdir("/") == -1)
			abort();
	}
	v = cJSON_GetObjectItemCaseSensitive(cur->req, "umask");
	um = umask(cJSON_IsNumber(v) ? (mode_t)v->valueint & 0777 : 022);
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = srvcmd_sighandler;
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < 3; i++)
		sigaction(sigs[i], &sa, &old[i]);
	/* getopt starts afresh (optind 0 resets glibc's inner state). */
	optind = 0;
	getopt(1, dummy, "");

	cur->running = 1;
	stdout = fout;
	stderr = ferr;
	environ = env;
	cmdhost_install(&cur->ops);
	status = fn(argc, argv);
	fflush(stdout);
	/* Jobs the command left (an early return) end with it. */
	cmdhost_engine_free(srv.e);
	cmdhost_install(NULL);
	environ = saved_env;
	stdout = saved_out;
	stderr = saved_err;
	cur->running = 0;

	for (i = 0; i < 3; i++)
		sigaction(sigs[i], &old[i], NULL);
	srvcmd_signals = 0;
	umask(um);
	if (here != -1) {
		if (fchdir(here) == -1 && chdir("/") == -1)
			abort();
		close(here);
	}
	fclose(fout);
	fclose(ferr);
	inventory_set_slurm_timeout(0);	/* `nodes --timeout` is per command */

	if (cur->ops.declined && !cur->committed) {
		srv.log("client pid %ld: %s: declined (other connection "
		    "settings)", (long)cur->pid, argv[0]);
		srvcmd_event_to(cur->conn, "declined", "the server's sessions "
		    "use other connection settings");
	} else {
		srv.log("client pid %ld: %s: exit %d%s", (long)cur->pid,
		    argv[0], status, cur->hup_sent ? " (the client had gone)" :
		    "");
		srvcmd_commit(NULL);
		o = cJSON_CreateObject();
		cJSON_AddNumberToObject(o, "status", status);
		srvcmd_json(cur->conn, FRAME_EXIT, o);
	}
done:
	srvcmd_free_strv(argv);
	srvcmd_free_strv(env);
	frame_buf_free(&cur->held);
	free(cur->answer);
	free(cur->tty);
	cJSON_Delete(cur->req);
	free(cur);
	cur = NULL;
	return (1);
}
