/*
 * phase-run.c -- the event-driven runner (struct phase_run, see phase.h).
 *
 * It walks the steps of one or more phases: a head step is a local child
 * process whose pipes and deadline (a timerfd) are watched by the engine's
 * loop; a node step is one engine job. Both report through the same
 * per-node records, so a front end sees one list of nodes (index 0 is the
 * head) with a state and the output of the current phase.
 */

#include <sys/mman.h>
#include <sys/timerfd.h>
#include <sys/wait.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <regex.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "audit.h"
#include "cmdhost.h"
#include "engine.h"
#include "hostlist.h"
#include "phase.h"
#include "phase-int.h"
#include "util.h"

/* --- the runner ---------------------------------------------------------------- */

#define PHASE_OUT_CAP	(256 * 1024)	/* output kept per node and phase */

struct prnode {
	char		*name;
	char		*addr;
	int		 eid;		/* engine node id; -1 for the head */
	enum phase_node_state state;
	int		 dropped;	/* failed an earlier phase: left out */
	int		 active;	/* takes part in the current phase */
	int		 changed;	/* a step changed something */
	int		 passed;	/* a test step passed */
	struct strbuf	 out;		/* this phase's output, capped */
	int		 truncated;
	char		*error;		/* why it failed, or NULL */
};

struct phase_run {
	struct engine		*engine;
	const struct phase_set	*set;
	int			*numbers;
	size_t			 nnumbers;
	size_t			 pi;		/* index into numbers */
	const struct phase	*ph;		/* running phase, or NULL */
	size_t			 si;		/* its step */
	int			 sub;		/* ALL steps: 0 head, 1 nodes */
	int			 busy;		/* a part is running */
	int			 stop;		/* end the run after this phase */
	char			*stop_why;
	struct prnode		*nodes;		/* [0] is the head */
	size_t			 nnodes;
	int			*eidmap;	/* engine id -> node index */
	size_t			 neidmap;
	struct phase_vars	*vars;
	phase_event_cb		 cb;
	void			*cbarg;
	struct audit		*audit;
	int			 started;
	int			 finished;
	int			 failed_any;
	int			 preview;	/* only "preview" steps run */
	int			 no_audit;

	/* The node part running now. */
	uint32_t		 job;
	char			*job_input;
	size_t			 expect_from;	/* every_node: nodes checked */

	/* The head part running now. */
	pid_t			 pid;
	int			 outfd;
	int			 errfd;
	int			 tfd;		/* timerfd for the deadline */
	int			 timed_out;
	struct strbuf		 cout;		/* the child's stdout (all) */
	struct strbuf		 cerr;
	struct timespec		 t0;
	char			*head_cmd;
};

static void	phase_run_advance(struct phase_run *);

const char *
phase_node_state_name(enum phase_node_state st)
{
	switch (st) {
	case PHASE_NODE_QUEUED:
		return ("queued");
	case PHASE_NODE_RUNNING:
		return ("running");
	case PHASE_NODE_CHANGED:
		return ("changed");
	case PHASE_NODE_UNCHANGED:
		return ("unchanged");
	case PHASE_NODE_PASSED:
		return ("passed");
	case PHASE_NODE_FAILED:
		return ("failed");
	case PHASE_NODE_SKIPPED:
		return ("skipped");
	}
	return ("?");
}

static void
phase_run_emit(struct phase_run *r, enum phase_event_type type, int node,
    const char *data, size_t len, const char *text)
{
	struct phase_event	ev;

	if (r->cb == NULL)
		return;
	memset(&ev, 0, sizeof ev);
	ev.type = type;
	ev.phase = r->ph != NULL ? r->ph->number : -1;
	ev.step = r->ph != NULL ? (int)r->si : -1;
	ev.node = node;
	ev.state = node >= 0 ? r->nodes[node].state : PHASE_NODE_QUEUED;
	ev.data = data;
	ev.len = len;
	ev.text = text;
	r->cb(&ev, r->cbarg);
}

static void
phase_run_set_state(struct phase_run *r, size_t i, enum phase_node_state st)
{
	if (r->nodes[i].state == st)
		return;
	r->nodes[i].state = st;
	phase_run_emit(r, PHASE_EV_NODE, (int)i, NULL, 0, r->nodes[i].error);
}

static void
phase_run_output(struct phase_run *r, size_t i, const char *data, size_t len)
{
	struct prnode	*n = &r->nodes[i];
	size_t		 room;

	if (len == 0)
		return;
	room = n->out.len < PHASE_OUT_CAP ? PHASE_OUT_CAP - n->out.len : 0;
	if (len > room) {
		strbuf_addn(&n->out, data, room);
		if (!n->truncated)
			strbuf_add(&n->out, "\n[output truncated]\n");
		n->truncated = 1;
	} else
		strbuf_addn(&n->out, data, len);
	phase_run_emit(r, PHASE_EV_OUTPUT, (int)i, data, len, NULL);
}

/* Mark node I failed in the current step (WHY is copied). */
static void
phase_run_fail(struct phase_run *r, size_t i, const char *why)
{
	struct prnode	*n = &r->nodes[i];
	char		*line;

	free(n->error);
	if (r->ph != NULL && r->si < r->ph->nsteps)
		n->error = xasprintf("step %zu (%s): %s", r->si + 1,
		    r->ph->steps[r->si].name, why);
	else
		n->error = xstrdup(why);
	line = xasprintf("!! %s\n", n->error);
	phase_run_output(r, i, line, strlen(line));
	free(line);
	r->failed_any = 1;
	phase_run_set_state(r, i, PHASE_NODE_FAILED);
	if (i == 0 && !r->stop) {
		r->stop = 1;
		r->stop_why = xstrdup(n->error);
	}
}

static int
phase_run_audit(struct phase_run *r, const char *event, const char *where,
    const char *command, int status, const char *extra_key,
    const char *extra)
{
	cJSON	*o;
	char	 label[32];

	if (r->audit == NULL)
		return (0);
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "event", event);
	snprintf(label, sizeof label, "phase %d", r->ph->number);
	cJSON_AddStringToObject(o, "label", label);
	cJSON_AddStringToObject(o, "phase", r->ph->name);
	if (r->si < r->ph->nsteps && strncmp(event, "phase", 5) != 0)
		cJSON_AddStringToObject(o, "step", r->ph->steps[r->si].name);
	if (where != NULL)
		cJSON_AddStringToObject(o, "where", where);
	if (command != NULL)
		cJSON_AddStringToObject(o, "command", command);
	if (status != INT_MIN)
		cJSON_AddNumberToObject(o, "exit_status", status);
	if (extra_key != NULL)
		cJSON_AddStringToObject(o, extra_key, extra != NULL ? extra : "");
	cmdhost_audit(o);	/* the server's client, when hosted */
	return (audit_write(r->audit, o));
}

/* Is NAME in TEXT as a whole word (not node1 inside node10)? */
static int
phase_names_word(const char *text, size_t len, const char *name)
{
	const char	*p = text, *end = text + len;
	size_t		 n = strlen(name);

	while (p < end && (p = memmem(p, end - p, name, n)) != NULL) {
		int before = p == text || !(isalnum((u_char)p[-1]) ||
		    p[-1] == '_' || p[-1] == '-' || p[-1] == '.');
		int after = p + n == end || !(isalnum((u_char)p[n]) ||
		    p[n] == '_' || p[n] == '-');
		if (after && p + n < end && p[n] == '.' && p + n + 1 < end &&
		    isalnum((u_char)p[n + 1]))
			after = 0;
		if (before && after)
			return (1);
		p++;
	}
	return (0);
}

/* A short reason from stderr: sudo's password prompt, or the last line. */
static char *
phase_failure_text(int status, const char *sig, const char *err,
    size_t errlen, const char *host)
{
	const char	*p, *last = NULL, *end;
	char		*e, *s;

	e = xstrndup(err != NULL ? err : "", err != NULL ? errlen : 0);
	if (strstr(e, "a password is required") != NULL ||
	    strstr(e, "a terminal is required") != NULL ||
	    strstr(e, "no tty present") != NULL) {
		s = xasprintf("sudo asks for a password on %s: give the "
		    "user passwordless sudo (NOPASSWD) for clustertop's "
		    "steps, or connect as root", host);
		free(e);
		return (s);
	}
	end = e + strlen(e);
	while (end > e && (end[-1] == '\n' || end[-1] == ' '))
		end--;
	for (p = e; p < end; p++) {
		if (p == e || p[-1] == '\n')
			last = p;
	}
	if (sig != NULL)
		s = xasprintf("killed by signal %s", sig);
	else if (last != NULL)
		s = xasprintf("exit status %d: %.*s", status,
		    (int)(end - last > 300 ? 300 : end - last), last);
	else
		s = xasprintf("exit status %d", status);
	free(e);
	return (s);
}

/*
 * Classify one node's outcome of the current step. ERROR is set when the
 * command did not run to an exit status (never started, timed out).
 * Returns 1 when the node succeeded.
 */
static int
phase_run_classify(struct phase_run *r, size_t i, const char *error,
    int status, const char *sig, const char *out, size_t outlen,
    const char *err, size_t errlen)
{
	const struct phase_step	*st = &r->ph->steps[r->si];
	struct prnode		*n = &r->nodes[i];
	char			*why = NULL, *o;
	size_t			 k;
	int			 ok = 0, changed = 0;
	regex_t			 re;

	if (error != NULL)
		why = xstrdup(error);
	else if (sig != NULL || status < 0)
		why = phase_failure_text(status, sig, err, errlen, n->name);
	else if (status == st->unchanged_exit)
		ok = 1;
	else {
		for (k = 0; k < st->nok_exit; k++) {
			if (st->ok_exit[k] == status)
				break;
		}
		if (k < st->nok_exit)
			ok = changed = 1;
		else
			why = phase_failure_text(status, sig, err, errlen,
			    n->name);
	}
	if (ok && st->expect != NULL && regcomp(&re, st->expect,
	    REG_EXTENDED | REG_NOSUB | REG_NEWLINE) == 0) {
		o = xstrndup(out != NULL ? out : "", outlen);
		if (regexec(&re, o, 0, NULL, 0) != 0) {
			ok = 0;
			why = xasprintf("the output does not match /%s/",
			    st->expect);
		}
		free(o);
		regfree(&re);
	}
	if (!ok && st->warn_only) {
		o = xasprintf("warning: %s (not fatal)\n", why);
		phase_run_output(r, i, o, strlen(o));
		free(o);
		free(why);
		return (1);
	}
	if (!ok) {
		phase_run_fail(r, i, why);
		free(why);
		return (0);
	}
	/* A test passes; a step that only reads a value changes nothing. */
	if (st->test)
		n->passed = 1;
	else if (changed && st->capture == NULL)
		n->changed = 1;
	return (1);
}

/*
 * For a step whose output must name every target (every_node): mark the
 * targets it does not name as failed. Returns how many were missing.
 */
static size_t
phase_run_every_node(struct phase_run *r, size_t self, const char *out,
    size_t outlen)
{
	const struct phase_step	*st = &r->ph->steps[r->si];
	struct prnode		*n;
	struct strbuf		 sel = { 0 };
	const char		*p, *nl, *end = out + outlen;
	size_t			 i, missing = 0;
	char			*why, *line;
	regex_t			 re;

	/* With success.lines, only the lines it matches count. */
	if (st->lines != NULL && regcomp(&re, st->lines, REG_EXTENDED |
	    REG_NOSUB) == 0) {
		for (p = out; p < end; p = nl + 1) {
			nl = memchr(p, '\n', end - p);
			if (nl == NULL)
				nl = end;
			line = xstrndup(p, nl - p);
			if (regexec(&re, line, 0, NULL, 0) == 0) {
				strbuf_add(&sel, line);
				strbuf_add(&sel, "\n");
			}
			free(line);
		}
		regfree(&re);
		out = sel.s != NULL ? sel.s : "";
		outlen = sel.len;
	}
	for (i = 1; i < r->nnodes; i++) {
		n = &r->nodes[i];
		if (!n->active || n->state == PHASE_NODE_FAILED)
			continue;
		if (phase_names_word(out, outlen, n->name)) {
			n->passed = 1;
			continue;
		}
		why = xasprintf("did not answer in the output of %s",
		    r->nodes[self].name);
		phase_run_fail(r, i, why);
		free(why);
		missing++;
	}
	free(sel.s);
	return (missing);
}

/* The current part is over: move to the next part or step. */
static void
phase_run_part_done(struct phase_run *r)
{
	const struct phase_step	*st = &r->ph->steps[r->si];

	r->busy = 0;
	if (st->where == PHASE_WHERE_ALL && r->sub == 0 && !r->stop) {
		r->sub = 1;
		return;
	}
	phase_run_emit(r, PHASE_EV_STEP_DONE, -1, NULL, 0, st->name);
	r->si++;
	r->sub = 0;
}

/* --- head steps: a local child ---------------------------------------------- */

static void	phase_run_head_read(int, void *);
static void	phase_run_head_timer(int, void *);

static void
phase_run_head_close(struct phase_run *r, int *fd)
{
	if (*fd == -1)
		return;
	engine_unwatch_fd(r->engine, *fd);
	close(*fd);
	*fd = -1;
}

/* What a capture step keeps: stdout, or capture_regex's first group. */
static char *
phase_capture_value(const struct phase_step *st, const char *out)
{
	regex_t		re;
	regmatch_t	m[2];

	if (st->capture_regex == NULL)
		return (xstrdup(out));
	if (regcomp(&re, st->capture_regex, REG_EXTENDED | REG_NEWLINE) != 0)
		return (xstrdup(""));
	if (regexec(&re, out, 2, m, 0) != 0 || m[1].rm_so < 0) {
		regfree(&re);
		return (xstrdup(""));
	}
	regfree(&re);
	return (xstrndup(out + m[1].rm_so, m[1].rm_eo - m[1].rm_so));
}

/* Both pipes are closed: collect the child and classify. */
static void
phase_run_head_done(struct phase_run *r)
{
	const struct phase_step	*st = &r->ph->steps[r->si];
	int			 status = -1, ws = 0, ok;
	const char		*sig = NULL;
	char			*error = NULL, *v;
	size_t			 n;

	phase_run_head_close(r, &r->tfd);
	if (r->pid > 0) {
		while (waitpid(r->pid, &ws, 0) == -1 && errno == EINTR)
			;
		r->pid = -1;
		if (WIFEXITED(ws))
			status = WEXITSTATUS(ws);
		else if (WIFSIGNALED(ws))
			sig = strsignal(WTERMSIG(ws));
	}
	if (r->timed_out)
		error = xasprintf("timed out after %d s", st->timeout_s);
	if (status == 127 && r->cerr.len == 0)
		error = xstrdup("could not run /bin/sh");
	phase_run_audit(r, "end", PHASE_HEAD_NAME, NULL, status, NULL, NULL);
	ok = phase_run_classify(r, 0, error, status, sig, r->cout.s,
	    r->cout.len, r->cerr.s, r->cerr.len);
	if (st->every_node) {
		/* A failed test blames the nodes it did not reach. */
		if (phase_run_every_node(r, 0, r->cout.s != NULL ? r->cout.s :
		    "", r->cout.len) > 0 && !ok && r->nodes[0].state ==
		    PHASE_NODE_FAILED) {
			r->nodes[0].state = PHASE_NODE_RUNNING;
			free(r->nodes[0].error);
			r->nodes[0].error = NULL;
			free(r->stop_why);
			r->stop_why = NULL;
			r->stop = 0;
			phase_run_emit(r, PHASE_EV_NODE, 0, NULL, 0, NULL);
		}
	}
	if (ok && st->capture != NULL) {
		v = phase_capture_value(st, r->cout.s != NULL ? r->cout.s : "");
		n = strlen(v);
		while (n > 0 && v[n - 1] == '\n')
			v[--n] = '\0';
		if (st->secret)
			error = xasprintf("(kept as {%s}, secret)\n",
			    st->capture);
		else
			error = xasprintf("(kept as {%s} = \"%s\")\n",
			    st->capture, v);
		phase_run_output(r, 0, error, strlen(error));
		free(error);
		error = NULL;
		phase_vars_set(r->vars, st->capture, v);
		phase_vars_set_secret(r->vars, st->capture, st->secret);
		free(v);
	}
	free(error);
	free(r->cout.s);
	free(r->cerr.s);
	memset(&r->cout, 0, sizeof r->cout);
	memset(&r->cerr, 0, sizeof r->cerr);
	free(r->head_cmd);
	r->head_cmd = NULL;
	phase_run_part_done(r);
	phase_run_advance(r);
}

static void
phase_run_head_read(int fd, void *arg)
{
	struct phase_run	*r = arg;
	const struct phase_step	*st = &r->ph->steps[r->si];
	char			 buf[8192];
	ssize_t			 got;
	int			 isout = fd == r->outfd;

	for (;;) {
		got = read(fd, buf, sizeof buf);
		if (got > 0) {
			strbuf_addn(isout ? &r->cout : &r->cerr, buf, got);
			/* A secret (a private key) is never shown. */
			if (!st->secret)
				phase_run_output(r, 0, buf, got);
			continue;
		}
		if (got == -1 && errno == EINTR)
			continue;
		if (got == -1 && errno == EAGAIN)
			return;
		break;
	}
	phase_run_head_close(r, isout ? &r->outfd : &r->errfd);
	if (r->outfd == -1 && r->errfd == -1)
		phase_run_head_done(r);
}

static void
phase_run_head_timer(int fd, void *arg)
{
	struct phase_run	*r = arg;
	uint64_t		 x;

	if (read(fd, &x, sizeof x) < 0 && errno == EAGAIN)
		return;
	r->timed_out = 1;
	if (r->pid > 0)
		kill(-r->pid, SIGKILL);
	phase_run_head_close(r, &r->tfd);
}

/* Does one of the step's templates mention WHAT? */
static int
phase_step_uses(const struct phase_step *st, const char *what)
{
	const char	*t[5] = { st->check, st->command, st->input,
	    st->content, st->path };
	size_t		 i;

	for (i = 0; i < 5; i++) {
		if (t[i] != NULL && strstr(t[i], what) != NULL)
			return (1);
	}
	return (0);
}

/* Start the head part of the current step. Returns 0, or -1 (failed). */
static int
phase_run_head_start(struct phase_run *r, const char *wrapped,
    const char *input, size_t inputlen)
{
	const struct phase_step	*st = &r->ph->steps[r->si];
	int			 po[2] = { -1, -1 }, pe[2] = { -1, -1 };
	int			 in = -1;
	struct itimerspec	 its;
	char			*why;
	pid_t			 pid;

	in = memfd_create("clustertop-phase-stdin", MFD_CLOEXEC);
	if (in == -1 || (inputlen > 0 && write(in, input, inputlen) !=
	    (ssize_t)inputlen) || lseek(in, 0, SEEK_SET) != 0 ||
	    pipe2(po, O_CLOEXEC) != 0 || pipe2(pe, O_CLOEXEC) != 0)
		goto fail;
	fflush(NULL);
	pid = fork();
	if (pid == -1)
		goto fail;
	if (pid == 0) {
		/*
		 * A session of its own: no controlling terminal, so nothing it
		 * runs (ssh, sudo) can prompt on the TUI's screen, and the
		 * whole group can be killed at a deadline.
		 */
		setsid();
		dup2(in, 0);
		dup2(po[1], 1);
		dup2(pe[1], 2);
		execl("/bin/sh", "sh", "-c", wrapped, (char *)NULL);
		_exit(127);
	}
	close(in);
	close(po[1]);
	close(pe[1]);
	r->pid = pid;
	r->outfd = po[0];
	r->errfd = pe[0];
	r->timed_out = 0;
	fcntl(r->outfd, F_SETFL, fcntl(r->outfd, F_GETFL) | O_NONBLOCK);
	fcntl(r->errfd, F_SETFL, fcntl(r->errfd, F_GETFL) | O_NONBLOCK);
	engine_watch_fd(r->engine, r->outfd, phase_run_head_read, r);
	engine_watch_fd(r->engine, r->errfd, phase_run_head_read, r);
	if (st->timeout_s > 0) {
		r->tfd = timerfd_create(CLOCK_MONOTONIC,
		    TFD_CLOEXEC | TFD_NONBLOCK);
		if (r->tfd != -1) {
			memset(&its, 0, sizeof its);
			its.it_value.tv_sec = st->timeout_s;
			timerfd_settime(r->tfd, 0, &its, NULL);
			engine_watch_fd(r->engine, r->tfd,
			    phase_run_head_timer, r);
		}
	}
	return (0);
fail:
	why = xasprintf("cannot start a local process: %s",
	    strerror(errno));
	phase_run_fail(r, 0, why);
	free(why);
	if (in != -1)
		close(in);
	if (po[0] != -1) {
		close(po[0]);
		close(po[1]);
	}
	if (pe[0] != -1) {
		close(pe[0]);
		close(pe[1]);
	}
	return (-1);
}

/* --- node steps: an engine job -------------------------------------------------- */

static int
phase_run_index(const struct phase_run *r, int eid)
{
	if (eid < 0 || (size_t)eid >= r->neidmap)
		return (-1);
	return (r->eidmap[eid]);
}

int
phase_run_engine_event(struct phase_run *r, const struct engine_event *ev)
{
	const struct engine_job_result	*res;
	const struct phase_step		*st;
	int				 i, ok;
	char				*why;

	if (r == NULL || r->finished || r->job == 0 || ev->id != r->job)
		return (0);
	if (ev->type != ENGINE_EV_JOB_OUTPUT &&
	    ev->type != ENGINE_EV_JOB_NODE_DONE &&
	    ev->type != ENGINE_EV_JOB_DONE)
		return (0);
	st = &r->ph->steps[r->si];
	switch (ev->type) {
	case ENGINE_EV_JOB_OUTPUT:
		i = phase_run_index(r, ev->node);
		if (i > 0 && !st->secret)
			phase_run_output(r, i, ev->data, ev->len);
		break;
	case ENGINE_EV_JOB_NODE_DONE:
		i = phase_run_index(r, ev->node);
		res = engine_job_result(r->engine, r->job, ev->node);
		if (i <= 0 || res == NULL)
			break;
		why = NULL;
		switch (res->state) {
		case JOB_NODE_DONE:
			break;
		case JOB_NODE_TIMED_OUT:
			why = xasprintf("timed out after %d s%s",
			    st->timeout_s, st->timeout_s == 0 ?
			    " (the command timeout)" : "");
			break;
		case JOB_NODE_CANCELLED:
			why = xstrdup("cancelled");
			break;
		default:
			why = xasprintf("did not run: %s",
			    res->error != NULL ? res->error :
			    node_state_name(res->node_state));
			break;
		}
		ok = phase_run_classify(r, i, why, res->exit_status,
		    res->exit_signal, res->out, res->outlen, res->err,
		    res->errlen);
		if (st->every_node && st->where == PHASE_WHERE_ONE_NODE &&
		    phase_run_every_node(r, i, res->out, res->outlen) > 0 &&
		    !ok && r->nodes[i].state == PHASE_NODE_FAILED &&
		    phase_names_word(res->out, res->outlen, r->nodes[i].name)) {
			/* It reached itself: the others are to blame. */
			r->nodes[i].state = PHASE_NODE_RUNNING;
			free(r->nodes[i].error);
			r->nodes[i].error = NULL;
			phase_run_emit(r, PHASE_EV_NODE, i, NULL, 0, NULL);
		}
		free(why);
		break;
	case ENGINE_EV_JOB_DONE:
		engine_job_release(r->engine, r->job);
		r->job = 0;
		free(r->job_input);
		r->job_input = NULL;
		phase_run_part_done(r);
		phase_run_advance(r);
		break;
	default:
		break;
	}
	return (1);
}

/* Start the current part. Returns 1 when it runs (async), 0 when done. */
static int
phase_run_part_start(struct phase_run *r)
{
	const struct phase_step	*st = &r->ph->steps[r->si];
	struct engine_job_spec	 spec;
	char			*script, *input, *wrapped, *cause = NULL;
	char			*header, *where;
	size_t			 inputlen, i, n;
	int			*ids, head;
	char			 label[32];
	uint32_t		 job;

	head = st->where == PHASE_WHERE_HEAD ||
	    (st->where == PHASE_WHERE_ALL && r->sub == 0);
	if (head && r->nodes[0].state == PHASE_NODE_FAILED)
		return (0);
	if (r->preview && !st->preview)
		return (0);
	if (!r->preview && st->preview && st->capture != NULL &&
	    phase_vars_get(r->vars, st->capture) != NULL) {
		/* Shown before the confirmation: keep what was confirmed. */
		header = xasprintf("== step %zu/%zu: %s\n(previewed: "
		    "{%s} = \"%s\")\n", r->si + 1, r->ph->nsteps, st->name,
		    st->capture, st->secret ? "..." :
		    phase_vars_get(r->vars, st->capture));
		phase_run_output(r, 0, header, strlen(header));
		free(header);
		return (0);
	}
	if (r->engine != NULL && phase_step_uses(st, "{known_hosts_entries"))
		phase_vars_engine_hostkeys(r->vars, r->engine);
	if (phase_step_script(st, r->vars, &script, &input, &inputlen,
	    &wrapped, &cause) != 0) {
		/* A template that cannot be expanded fails where it would run. */
		if (head)
			phase_run_fail(r, 0, cause);
		else {
			for (i = 1; i < r->nnodes; i++) {
				if (r->nodes[i].active &&
				    r->nodes[i].state != PHASE_NODE_FAILED)
					phase_run_fail(r, i, cause);
			}
		}
		free(cause);
		return (0);
	}
	header = xasprintf("== step %zu/%zu: %s\n", r->si + 1,
	    r->ph->nsteps, st->name);
	if (head) {
		phase_run_emit(r, PHASE_EV_STEP_START, -1, NULL, 0,
		    PHASE_HEAD_NAME);
		phase_run_set_state(r, 0, PHASE_NODE_RUNNING);
		phase_run_output(r, 0, header, strlen(header));
		if (phase_run_audit(r, "start", PHASE_HEAD_NAME, wrapped,
		    INT_MIN, NULL, NULL) != 0) {
			/* No action without its audit record (a full disk). */
			cause = xasprintf("audit log %s: %s: not started (no "
			    "action without its audit record)",
			    audit_path(r->audit), audit_error(r->audit));
			phase_run_fail(r, 0, cause);
			free(cause);
			free(wrapped);
			free(input);
			free(script);
			free(header);
			return (0);
		}
		r->head_cmd = wrapped;
		wrapped = NULL;
		n = phase_run_head_start(r, r->head_cmd, input, inputlen) == 0;
		free(input);
		free(script);
		free(header);
		if (!n) {
			free(r->head_cmd);
			r->head_cmd = NULL;
		}
		return (n ? 1 : 0);
	}

	ids = xmalloc(r->nnodes * sizeof *ids);
	for (i = 1, n = 0; i < r->nnodes; i++) {
		if (!r->nodes[i].active || r->nodes[i].state ==
		    PHASE_NODE_FAILED || r->nodes[i].eid < 0)
			continue;
		ids[n++] = r->nodes[i].eid;
		if (st->where == PHASE_WHERE_ONE_NODE)
			break;
	}
	if (n == 0) {
		free(ids);
		free(script);
		free(input);
		free(wrapped);
		free(header);
		return (0);
	}
	{
		const char **names = xmalloc(n * sizeof *names);
		for (i = 0; i < n; i++)
			names[i] = r->nodes[r->eidmap[ids[i]]].name;
		where = hostlist_fold_names(names, n);
		free(names);
	}
	phase_run_emit(r, PHASE_EV_STEP_START, -1, NULL, 0, where);
	free(where);
	snprintf(label, sizeof label, "phase %d", r->ph->number);
	memset(&spec, 0, sizeof spec);
	spec.command = wrapped;
	spec.nodes = ids;
	spec.nnodes = n;
	spec.stdin_data = input;
	spec.stdin_len = inputlen;
	spec.timeout_ms = st->timeout_s > 0 ? st->timeout_s * 1000 : 0;
	spec.fanout = st->fanout;
	spec.stream_output = 1;
	spec.label = label;
	for (i = 0; i < n; i++) {
		size_t k = r->eidmap[ids[i]];
		phase_run_set_state(r, k, PHASE_NODE_RUNNING);
		phase_run_output(r, k, header, strlen(header));
	}
	free(header);
	r->job_input = input;
	r->job = 1;	/* events during the start belong to us */
	job = cmdhost_job_start(r->engine, &spec, &cause);
	r->job = job;
	free(wrapped);
	free(script);
	if (job == 0) {
		for (i = 0; i < n; i++)
			phase_run_fail(r, r->eidmap[ids[i]], cause != NULL ?
			    cause : "the engine refused the job");
		free(cause);
		free(ids);
		free(r->job_input);
		r->job_input = NULL;
		return (0);
	}
	free(ids);
	return (1);
}

/* --- phases ------------------------------------------------------------------ */

static void
phase_run_phase_begin(struct phase_run *r)
{
	const struct phase	*ph = r->ph;
	struct prnode		*n;
	size_t			 i, k;
	int			 head = 0, nodes = 0;
	char			 num[16];

	for (k = 0; k < ph->nsteps; k++) {
		if (ph->steps[k].where == PHASE_WHERE_HEAD ||
		    ph->steps[k].where == PHASE_WHERE_ALL)
			head = 1;
		if (ph->steps[k].where != PHASE_WHERE_HEAD ||
		    ph->steps[k].every_node)
			nodes = 1;
	}
	for (i = 0; i < r->nnodes; i++) {
		n = &r->nodes[i];
		free(n->out.s);
		memset(&n->out, 0, sizeof n->out);
		n->truncated = 0;
		free(n->error);
		n->error = NULL;
		n->changed = n->passed = 0;
		n->active = !n->dropped && (i == 0 ? head : nodes);
		n->state = n->dropped ? PHASE_NODE_SKIPPED : PHASE_NODE_QUEUED;
	}
	snprintf(num, sizeof num, "%d", ph->number);
	phase_vars_set(r->vars, "phase", num);
	phase_run_audit(r, "phase-start", NULL, NULL, INT_MIN, "nodes",
	    phase_vars_get(r->vars, "nodes_folded"));
	phase_run_emit(r, PHASE_EV_PHASE_START, -1, NULL, 0, ph->title);
	for (i = 0; i < r->nnodes; i++)
		phase_run_emit(r, PHASE_EV_NODE, (int)i, NULL, 0, NULL);
}

static char *
phase_run_fold_state(struct phase_run *r, enum phase_node_state st)
{
	const char	**names;
	char		 *s;
	size_t		  i, n = 0;

	names = xmalloc(r->nnodes * sizeof *names);
	for (i = 0; i < r->nnodes; i++) {
		if (r->nodes[i].active && r->nodes[i].state == st)
			names[n++] = r->nodes[i].name;
	}
	s = n > 0 ? hostlist_fold_names(names, n) : xstrdup("");
	free(names);
	return (s);
}

static void
phase_run_phase_end(struct phase_run *r)
{
	struct prnode	*n;
	size_t		 i, nf = 0;
	char		**failed, *why, *s;

	for (i = 0; i < r->nnodes; i++) {
		n = &r->nodes[i];
		if (!n->active || n->state == PHASE_NODE_FAILED)
			continue;
		if (r->si < r->ph->nsteps) {
			why = xasprintf("not finished: the run stopped "
			    "(%s)", r->stop_why != NULL ? r->stop_why :
			    "cancelled");
			free(n->error);
			n->error = why;
			r->failed_any = 1;
			phase_run_set_state(r, i, PHASE_NODE_FAILED);
			continue;
		}
		phase_run_set_state(r, i, n->changed ? PHASE_NODE_CHANGED :
		    n->passed ? PHASE_NODE_PASSED : PHASE_NODE_UNCHANGED);
	}
	failed = xmalloc(r->nnodes * sizeof *failed);
	for (i = 1; i < r->nnodes; i++) {
		if (r->nodes[i].active &&
		    r->nodes[i].state == PHASE_NODE_FAILED) {
			failed[nf++] = r->nodes[i].name;
			r->nodes[i].dropped = 1;
		}
	}
	if (r->nodes[0].active && r->nodes[0].state == PHASE_NODE_FAILED) {
		/* A failed head step fails the nodes with it: re-run all. */
		for (i = 1; i < r->nnodes; i++) {
			if (r->nodes[i].active &&
			    r->nodes[i].state != PHASE_NODE_FAILED)
				failed[nf++] = r->nodes[i].name;
		}
	}
	if (!r->preview)
		phase_state_save(r->ph->number, failed, nf);
	free(failed);
	s = phase_run_fold_state(r, PHASE_NODE_FAILED);
	phase_run_audit(r, "phase-end", NULL, NULL, INT_MIN, "failed", s);
	free(s);
	phase_run_emit(r, PHASE_EV_PHASE_DONE, -1, NULL, 0, r->ph->title);
}

/* Walk forward until something runs asynchronously or the run is over. */
static void
phase_run_advance(struct phase_run *r)
{
	for (;;) {
		if (r->finished || r->busy)
			return;
		if (r->ph == NULL) {
			if (r->pi >= r->nnumbers || r->stop) {
				r->finished = 1;
				r->ph = NULL;
				phase_run_emit(r, PHASE_EV_DONE, -1, NULL, 0,
				    r->stop_why);
				return;
			}
			r->ph = phase_set_find(r->set, r->numbers[r->pi]);
			r->si = 0;
			r->sub = 0;
			phase_run_phase_begin(r);
		}
		if (r->si >= r->ph->nsteps || r->stop) {
			phase_run_phase_end(r);
			r->ph = NULL;
			r->pi++;
			continue;
		}
		if (phase_run_part_start(r) == 1) {
			r->busy = 1;
			return;
		}
		phase_run_part_done(r);
	}
}

/* --- the runner's API -------------------------------------------------------- */

struct phase_run *
phase_run_create(struct engine *e, const struct phase_set *set,
    const int *numbers, size_t n, const struct phase_target *targets,
    size_t ntargets, const struct phase_vars *vars)
{
	struct phase_run	*r;
	size_t			 i;

	r = xmalloc(sizeof *r);
	memset(r, 0, sizeof *r);
	r->engine = e;
	r->set = set;
	r->numbers = xmalloc((n + 1) * sizeof *r->numbers);
	for (i = 0; i < n; i++) {
		if (phase_set_find(set, numbers[i]) == NULL)
			continue;
		r->numbers[r->nnumbers++] = numbers[i];
	}
	r->pid = -1;
	r->outfd = r->errfd = r->tfd = -1;
	r->vars = phase_vars_copy(vars);
	r->nnodes = ntargets + 1;
	r->nodes = xmalloc(r->nnodes * sizeof *r->nodes);
	memset(r->nodes, 0, r->nnodes * sizeof *r->nodes);
	r->nodes[0].name = xstrdup(PHASE_HEAD_NAME);
	r->nodes[0].eid = -1;
	for (i = 0; i < ntargets; i++) {
		struct prnode *pn = &r->nodes[i + 1];
		pn->name = xstrdup(targets[i].name);
		pn->addr = xstrdup(targets[i].addr);
		pn->eid = -1;
		if (e == NULL)
			continue;
		pn->eid = engine_find_node(e, pn->name);
		if (pn->eid < 0) {
			pn->eid = engine_add_node(e, pn->name, pn->addr);
			if (pn->eid >= 0)
				engine_connect(e, pn->eid);
		}
	}
	r->neidmap = e != NULL ? engine_nnodes(e) : 0;
	r->eidmap = xmalloc((r->neidmap + 1) * sizeof *r->eidmap);
	for (i = 0; i < r->neidmap; i++)
		r->eidmap[i] = -1;
	for (i = 1; i < r->nnodes; i++) {
		if (r->nodes[i].eid >= 0 &&
		    (size_t)r->nodes[i].eid < r->neidmap)
			r->eidmap[r->nodes[i].eid] = (int)i;
	}
	return (r);
}

void
phase_run_set_audit(struct phase_run *r, const char *path)
{
	char	*cause = NULL;

	audit_close(r->audit);
	r->audit = NULL;
	r->no_audit = path != NULL && (*path == '\0' || strcmp(path, "-") == 0);
	if (path != NULL && !r->no_audit) {
		r->audit = audit_open(path, &cause);
		free(cause);
	}
}

void
phase_run_set_preview(struct phase_run *r, int preview)
{
	r->preview = preview;
}

const char *
phase_run_var(const struct phase_run *r, const char *name)
{
	return (phase_vars_get(r->vars, name));
}

int
phase_has_preview(const struct phase *ph)
{
	size_t	i;

	for (i = 0; i < ph->nsteps; i++) {
		if (ph->steps[i].preview)
			return (1);
	}
	return (0);
}

void
phase_run_set_callback(struct phase_run *r, phase_event_cb cb, void *arg)
{
	r->cb = cb;
	r->cbarg = arg;
}

int
phase_run_start(struct phase_run *r, char **cause)
{
	if (r->started) {
		*cause = xstrdup("the run was already started");
		return (-1);
	}
	if (r->engine == NULL) {
		*cause = xstrdup("no engine");
		return (-1);
	}
	if (r->nnumbers == 0) {
		*cause = xstrdup("no such phase");
		return (-1);
	}
	r->started = 1;
	if (r->audit == NULL && !r->no_audit) {
		/* As the engine: "" or "-" means no audit log. */
		const char *env = getenv("CLUSTERTOP_AUDIT_LOG");
		if (env == NULL || (*env != '\0' && strcmp(env, "-") != 0)) {
			/* Like the engine: a log that can't open is no reason to stop. */
			char *why = NULL;
			r->audit = audit_open(NULL, &why);
			free(why);
		}
	}
	phase_run_advance(r);
	return (0);
}

void
phase_run_cancel(struct phase_run *r)
{
	if (r->finished)
		return;
	if (!r->stop) {
		r->stop = 1;
		free(r->stop_why);
		r->stop_why = xstrdup("cancelled");
	}
	r->failed_any = 1;
	if (r->pid > 0)
		kill(-r->pid, SIGKILL);
	if (r->job != 0)
		engine_job_cancel(r->engine, r->job);
	if (!r->started) {
		r->finished = 1;
		phase_run_emit(r, PHASE_EV_DONE, -1, NULL, 0, r->stop_why);
	}
}

int
phase_run_finished(const struct phase_run *r)
{
	return (r->finished);
}

int
phase_run_status(const struct phase_run *r)
{
	return (r->failed_any ? 1 : 0);
}

void
phase_run_free(struct phase_run *r)
{
	size_t	i;

	if (r == NULL)
		return;
	if (r->pid > 0) {
		kill(-r->pid, SIGKILL);
		while (waitpid(r->pid, NULL, 0) == -1 && errno == EINTR)
			;
	}
	if (r->engine != NULL) {
		phase_run_head_close(r, &r->outfd);
		phase_run_head_close(r, &r->errfd);
		phase_run_head_close(r, &r->tfd);
		if (r->job != 0) {
			r->finished = 1;	/* ignore the cancel's events */
			engine_job_release(r->engine, r->job);
		}
	}
	/* The engine may still read a released job's stdin: it lives on. */
	if (r->job == 0)
		free(r->job_input);
	for (i = 0; i < r->nnodes; i++) {
		free(r->nodes[i].name);
		free(r->nodes[i].addr);
		free(r->nodes[i].out.s);
		free(r->nodes[i].error);
	}
	free(r->nodes);
	free(r->eidmap);
	free(r->numbers);
	free(r->cout.s);
	free(r->cerr.s);
	free(r->head_cmd);
	free(r->stop_why);
	phase_vars_free(r->vars);
	audit_close(r->audit);
	free(r);
}

size_t
phase_run_nnodes(const struct phase_run *r)
{
	return (r->nnodes);
}

const char *
phase_run_node_name(const struct phase_run *r, size_t i)
{
	return (i < r->nnodes ? r->nodes[i].name : NULL);
}

enum phase_node_state
phase_run_node_state(const struct phase_run *r, size_t i)
{
	return (i < r->nnodes ? r->nodes[i].state : PHASE_NODE_QUEUED);
}

const char *
phase_run_node_output(const struct phase_run *r, size_t i, size_t *len)
{
	if (i >= r->nnodes || r->nodes[i].out.s == NULL) {
		if (len != NULL)
			*len = 0;
		return ("");
	}
	if (len != NULL)
		*len = r->nodes[i].out.len;
	return (r->nodes[i].out.s);
}

const char *
phase_run_node_error(const struct phase_run *r, size_t i)
{
	return (i < r->nnodes ? r->nodes[i].error : NULL);
}

int
phase_run_node_active(const struct phase_run *r, size_t i)
{
	return (i < r->nnodes ? r->nodes[i].active : 0);
}

int
phase_run_current_phase(const struct phase_run *r)
{
	return (r->ph != NULL ? r->ph->number : -1);
}

int
phase_run_current_step(const struct phase_run *r)
{
	return (r->ph != NULL ? (int)r->si : -1);
}

size_t
phase_run_failed(const struct phase_run *r, char ***names)
{
	size_t	i, n = 0;

	*names = xmalloc(r->nnodes * sizeof **names);
	for (i = 1; i < r->nnodes; i++) {
		if (r->nodes[i].state == PHASE_NODE_FAILED ||
		    (r->nodes[i].dropped && r->nodes[i].state ==
		    PHASE_NODE_SKIPPED))
			(*names)[n++] = xstrdup(r->nodes[i].name);
	}
	return (n);
}
