/*
 * engine.c -- the session engine: requests, the loop, jobs, streams,
 * shells and the events that report them.
 *
 * One thread, one epoll set. Every node's socket is in the set (added by
 * engine-ssh.c once it exists), with EPOLLIN always and EPOLLOUT while
 * libssh has output pending. A housekeeping tick (ENGINE_TICK_MS) checks
 * deadlines: connect timeouts, keepalives, command timeouts, reconnects.
 *
 * Work is split in two steps so that libssh is never re-entered from one
 * of its own callbacks: requests (job start, cancel, shell write, ...) and
 * libssh callbacks only change state and mark nodes dirty; after polling,
 * the loop schedules jobs onto free channel slots and lets engine-ssh.c
 * service each dirty node, which is where libssh calls happen.
 *
 * Jobs live in engine-job.c; this file schedules them: a job node waits
 * until its node is up and has a free job slot (ENGINE_MAX_JOB_CHANNELS of
 * OpenSSH's ten sessions per connection; streams and shells share the
 * rest, one slot stays free for killing).
 */

#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/types.h>

#include <cjson/cJSON.h>
#include <errno.h>
#include <signal.h>
#include <stddef.h>
#include <stdarg.h>
#include <stdio.h>
#include <unistd.h>

#include "audit.h"
#include "engine-int.h"
#include "knownhosts.h"

static void	engine_tick(struct engine *, uint64_t);
static void	engine_schedule(struct engine *);

/* --- small helpers ----------------------------------------------------- */

/* Milliseconds on the monotonic clock. */
uint64_t
engine_now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000);
}

/* Name of a node state, as shown to users and in JSON. */
const char *
node_state_name(enum node_state st)
{
	switch (st) {
	case NODE_NEW:
		return ("new");
	case NODE_CONNECTING:
		return ("connecting");
	case NODE_UP:
		return ("up");
	case NODE_UNREACHABLE:
		return ("unreachable");
	case NODE_AUTH_FAILED:
		return ("auth-failed");
	case NODE_HOSTKEY_MISMATCH:
		return ("host-key-mismatch");
	case NODE_TIMED_OUT:
		return ("timed-out");
	case NODE_RECONNECTING:
		return ("reconnecting");
	}
	return ("unknown");
}

/* Name of a job node state. */
const char *
job_node_state_name(enum job_node_state st)
{
	switch (st) {
	case JOB_NODE_QUEUED:
		return ("queued");
	case JOB_NODE_RUNNING:
		return ("running");
	case JOB_NODE_DONE:
		return ("done");
	case JOB_NODE_FAILED:
		return ("failed");
	case JOB_NODE_TIMED_OUT:
		return ("timed-out");
	case JOB_NODE_CANCELLED:
		return ("cancelled");
	}
	return ("unknown");
}

/* 1 for the states in which a connect attempt has failed. */
int
engine_state_is_failure(enum node_state st)
{
	return (st == NODE_UNREACHABLE || st == NODE_AUTH_FAILED ||
	    st == NODE_HOSTKEY_MISMATCH || st == NODE_TIMED_OUT);
}

/* Hand an event to the client. */
void
engine_emit(struct engine *e, const struct engine_event *ev)
{
	if (e->cb == NULL)
		return;
	e->in_cb++;
	e->cb(ev, e->cbarg);
	e->in_cb--;
}

/* Report a diagnostic as ENGINE_EV_LOG. */
void
engine_log(struct engine *e, int node, const char *fmt, ...)
{
	struct engine_event	 ev;
	va_list			 ap;
	char			*text;

	va_start(ap, fmt);
	if (vasprintf(&text, fmt, ap) == -1)
		text = NULL;
	va_end(ap);
	if (text == NULL)
		return;
	memset(&ev, 0, sizeof ev);
	ev.type = ENGINE_EV_LOG;
	ev.node = node;
	ev.text = text;
	engine_emit(e, &ev);
	free(text);
}

/* Mark a node for engine_ssh_service() after this poll. */
void
engine_node_dirty(struct enode *n)
{
	if (n->dirty)
		return;
	n->dirty = 1;
	TAILQ_INSERT_TAIL(&n->e->dirty, n, dirty_entry);
}

/* Change a node's state and tell the client. */
void
engine_node_set_state(struct enode *n, enum node_state st, const char *text)
{
	struct engine_event	ev;

	if (text != NULL) {
		free(n->error);
		n->error = xstrdup(text);
	} else if (st == NODE_UP || st == NODE_CONNECTING) {
		free(n->error);
		n->error = NULL;
	}
	if (n->state == st && text == NULL)
		return;
	n->state = st;
	n->e->sched = 1;
	memset(&ev, 0, sizeof ev);
	ev.type = ENGINE_EV_NODE;
	ev.node = n->id;
	ev.state = st;
	ev.text = n->error;
	engine_emit(n->e, &ev);
}

/* --- lifetime ---------------------------------------------------------- */

static void
engine_raise_nofile(void)
{
	struct rlimit	rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

/* Create an engine; returns NULL with *cause (malloc'd) on failure. */
struct engine *
engine_create(const struct engine_config *cfg, char **cause)
{
	struct engine	*e;
	char		*why = NULL;
	const char	*audit_env;

	engine_raise_nofile();
	signal(SIGPIPE, SIG_IGN);

	e = xcalloc(1, sizeof *e);
	e->cfg = *cfg;
	e->cfg.ssh_config = xstrdup(cfg->ssh_config);
	e->cfg.user = xstrdup(cfg->user);
	e->cfg.known_hosts = xstrdup(cfg->known_hosts);
	e->cfg.audit_log = xstrdup(cfg->audit_log);
	if (e->cfg.connect_timeout_ms <= 0)
		e->cfg.connect_timeout_ms = 10000;
	if (e->cfg.keepalive_ms <= 0)
		e->cfg.keepalive_ms = 5000;
	if (e->cfg.keepalive_count <= 0)
		e->cfg.keepalive_count = 3;
	if (e->cfg.max_connecting <= 0)
		e->cfg.max_connecting = 64;
	if (e->cfg.output_cap == 0)
		e->cfg.output_cap = 1024 * 1024;
	e->next_id = 1;
	TAILQ_INIT(&e->jobs);
	TAILQ_INIT(&e->streams);
	TAILQ_INIT(&e->shells);
	TAILQ_INIT(&e->watches);
	TAILQ_INIT(&e->dirty);
	TAILQ_INIT(&e->queue);

	if ((e->epfd = epoll_create1(EPOLL_CLOEXEC)) == -1) {
		if (asprintf(cause, "epoll_create1: %s", strerror(errno)) == -1)
			*cause = NULL;
		goto fail;
	}
	e->kh = knownhosts_create();
	if (engine_ssh_init(e, cause) != 0)
		goto fail;
	audit_env = getenv("CLUSTERTOP_AUDIT_LOG");
	if (e->cfg.audit_log == NULL ? audit_env == NULL ||
	    strcmp(audit_env, "-") != 0 : (strcmp(e->cfg.audit_log, "") != 0 &&
	    strcmp(e->cfg.audit_log, "-") != 0)) {
		/*
		 * No remote action without its audit record: a log that
		 * cannot be opened stops the start (CLUSTERTOP_AUDIT_LOG=-
		 * runs without one, on purpose).
		 */
		if ((e->audit = audit_open(e->cfg.audit_log, &why)) == NULL) {
			if (asprintf(cause, "audit log %s (set "
			    "CLUSTERTOP_AUDIT_LOG=- to run without one)",
			    why != NULL ? why : "cannot be opened") == -1)
				*cause = NULL;
			free(why);
			goto fail;
		}
	}
	return (e);

fail:
	engine_free(e);
	return (NULL);
}

static void
engine_stream_free(struct estream *st)
{
	if (st->chan != NULL)
		st->chan->st = NULL;
	strbuf_free(&st->line);
	free(st->command);
	free(st);
}

static void
engine_shell_free(struct eshell *sh)
{
	if (sh->chan != NULL)
		sh->chan->sh = NULL;
	strbuf_free(&sh->wbuf);
	free(sh->term);
	free(sh);
}

/* Close every channel and session and free everything. */
void
engine_free(struct engine *e)
{
	struct ejob	*j;
	struct estream	*st;
	struct eshell	*sh;
	struct ewatch	*w;
	size_t		 i;

	if (e == NULL)
		return;
	e->cb = NULL;	/* no events while tearing down */
	for (i = 0; i < e->nnodes; i++)
		engine_ssh_close(e->nodes[i]);
	while ((j = TAILQ_FIRST(&e->jobs)) != NULL) {
		TAILQ_REMOVE(&e->jobs, j, entry);
		engine_job_free(j);
	}
	while ((st = TAILQ_FIRST(&e->streams)) != NULL) {
		TAILQ_REMOVE(&e->streams, st, entry);
		engine_stream_free(st);
	}
	while ((sh = TAILQ_FIRST(&e->shells)) != NULL) {
		TAILQ_REMOVE(&e->shells, sh, entry);
		engine_shell_free(sh);
	}
	while ((w = TAILQ_FIRST(&e->watches)) != NULL) {
		TAILQ_REMOVE(&e->watches, w, entry);
		free(w);
	}
	engine_ssh_free(e);
	for (i = 0; i < e->nnodes; i++) {
		free(e->nodes[i]->name);
		free(e->nodes[i]->addr);
		free(e->nodes[i]->error);
		free(e->nodes[i]->hostname);
		free(e->nodes[i]->known_hosts);
		free(e->nodes[i]->global_known_hosts);
		free(e->nodes[i]->identity);
		free(e->nodes[i]->hostkey);
		free(e->nodes[i]->addrs);
		strbuf_free(&e->nodes[i]->lostk);
		free(e->nodes[i]);
	}
	free(e->nodes);
	knownhosts_free(e->kh);
	audit_close(e->audit);
	free(e->audit_warning);
	if (e->epfd > 0)
		close(e->epfd);
	free((char *)e->cfg.ssh_config);
	free((char *)e->cfg.user);
	free((char *)e->cfg.known_hosts);
	free((char *)e->cfg.audit_log);
	free(e);
}

/* The output cap of jobs from now on (0: 1 MiB); returns the old one. */
size_t
engine_set_output_cap(struct engine *e, size_t cap)
{
	size_t	old = e->cfg.output_cap;

	e->cfg.output_cap = cap > 0 ? cap : 1024 * 1024;
	return (old);
}

/* Set the one event callback. */
void
engine_set_callback(struct engine *e, engine_event_cb cb, void *arg)
{
	e->cb = cb;
	e->cbarg = arg;
}

/* --- nodes ------------------------------------------------------------- */

/* Add a node; returns its id. */
int
engine_add_node(struct engine *e, const char *name, const char *addr)
{
	struct enode	*n;

	if (e->nnodes == e->nodes_size) {
		e->nodes_size = e->nodes_size == 0 ? 64 : e->nodes_size * 2;
		e->nodes = realloc(e->nodes, e->nodes_size * sizeof *e->nodes);
		if (e->nodes == NULL)
			abort();
	}
	n = xcalloc(1, sizeof *n);
	n->e = e;
	n->id = (int)e->nnodes;
	n->name = xstrdup(name);
	n->addr = (addr != NULL && *addr != '\0') ? xstrdup(addr) : NULL;
	n->state = NODE_NEW;
	n->fd = -1;
	n->tag.kind = ETAG_NODE;
	n->tag.ptr = n;
	TAILQ_INIT(&n->chans);
	e->nodes[e->nnodes++] = n;
	return (n->id);
}

/* Number of nodes. */
size_t
engine_nnodes(const struct engine *e)
{
	return (e->nnodes);
}

/* The node with id NODE, or NULL. */
struct enode *
engine_node(const struct engine *e, int node)
{
	if (node < 0 || (size_t)node >= e->nnodes)
		return (NULL);
	return (e->nodes[node]);
}

/* A node's name. */
const char *
engine_node_name(const struct engine *e, int node)
{
	struct enode	*n = engine_node(e, node);

	return (n == NULL ? NULL : n->name);
}

/* A node's state. */
enum node_state
engine_node_state(const struct engine *e, int node)
{
	struct enode	*n = engine_node(e, node);

	return (n == NULL ? NODE_NEW : n->state);
}

/* A node's last error text. */
const char *
engine_node_error(const struct engine *e, int node)
{
	struct enode	*n = engine_node(e, node);

	return (n == NULL ? NULL : n->error);
}

/* The host key verified at the node's last connect, or NULL. */
const char *
engine_node_hostkey(const struct engine *e, int node)
{
	struct enode	*n = engine_node(e, node);

	return (n == NULL ? NULL : n->hostkey);
}

/* Find a node id by name, or -1. */
int
engine_find_node(const struct engine *e, const char *name)
{
	size_t	i;

	for (i = 0; i < e->nnodes; i++) {
		if (strcmp(e->nodes[i]->name, name) == 0)
			return ((int)i);
	}
	return (-1);
}

static void
engine_queue_connect(struct enode *n)
{
	if (n->phase != EC_IDLE)
		return;
	n->phase = EC_QUEUED;
	n->retry_at = 0;
	TAILQ_INSERT_TAIL(&n->e->queue, n, queue_entry);
	engine_node_set_state(n, NODE_CONNECTING, NULL);
}

/* Start connecting NODE (or every node with -1); paced, never blocks. */
void
engine_connect(struct engine *e, int node)
{
	size_t	i;

	if (node == -1) {
		for (i = 0; i < e->nnodes; i++)
			engine_queue_connect(e->nodes[i]);
		return;
	}
	if (engine_node(e, node) != NULL)
		engine_queue_connect(e->nodes[node]);
}

static void
engine_do_reconnect(struct enode *n)
{
	n->reconnect_wanted = 0;
	if (n->phase == EC_QUEUED)
		return;
	if (n->phase != EC_IDLE)
		engine_node_lost(n, NODE_RECONNECTING, "reconnect requested");
	n->retry_at = 0;
	n->backoff_ms = 0;
	engine_queue_connect(n);
}

void
engine_set_reconnect(struct engine *e, int on)
{
	e->cfg.reconnect = on != 0;
}

/* Forget a node's session and connect again now. */
void
engine_reconnect(struct engine *e, int node)
{
	struct enode	*n = engine_node(e, node);

	if (n == NULL)
		return;
	if (e->in_cb > 0) {
		/* Maybe inside libssh: close the session after this turn. */
		n->reconnect_wanted = 1;
		engine_node_dirty(n);
		return;
	}
	engine_do_reconnect(n);
}

static void
engine_pump_queue(struct engine *e)
{
	struct enode	*n;

	while (e->nconnecting < e->cfg.max_connecting &&
	    (n = TAILQ_FIRST(&e->queue)) != NULL) {
		TAILQ_REMOVE(&e->queue, n, queue_entry);
		e->nconnecting++;
		engine_ssh_start(n);
	}
}

/* Called by engine-ssh.c once a session is authenticated. */
void
engine_node_became_up(struct enode *n)
{
	struct engine	*e = n->e;
	struct estream	*st;

	e->nconnecting--;
	n->backoff_ms = 0;
	n->was_up = 1;
	TAILQ_FOREACH(st, &e->streams, entry) {
		if (st->node == n->id)
			st->restart_at = 0;
	}
	engine_node_set_state(n, NODE_UP, NULL);
	e->sched = 1;
}

/*
 * Called by engine-ssh.c when a connect attempt failed or a session was
 * lost. Closes the session; the node's channels end with an error.
 */
void
engine_node_lost(struct enode *n, enum node_state st, const char *why)
{
	struct engine	*e = n->e;
	int		 was_up = (n->phase == EC_UP), jitter;

	if (n->phase == EC_QUEUED) {
		TAILQ_REMOVE(&e->queue, n, queue_entry);
		n->phase = EC_IDLE;
	}
	if (n->phase != EC_IDLE && n->phase != EC_UP)
		e->nconnecting--;
	n->closing = st;
	n->closing_why = why;
	engine_ssh_close(n);
	n->closing = NODE_NEW;
	n->closing_why = NULL;
	n->phase = EC_IDLE;

	if (e->cfg.reconnect && st != NODE_HOSTKEY_MISMATCH &&
	    st != NODE_AUTH_FAILED) {
		if (n->backoff_ms == 0)
			n->backoff_ms = ENGINE_RECONNECT_MIN_MS;
		else if (n->backoff_ms < ENGINE_RECONNECT_MAX_MS)
			n->backoff_ms *= 2;
		if (n->backoff_ms > ENGINE_RECONNECT_MAX_MS)
			n->backoff_ms = ENGINE_RECONNECT_MAX_MS;
		/* Jitter: 75% to 125%, so nodes don't retry in step. */
		jitter = n->backoff_ms / 2;
		n->retry_at = engine_now() + (uint64_t)(n->backoff_ms * 3 / 4) +
		    (uint64_t)(jitter > 0 ? random() % jitter : 0);
		if (was_up)
			st = NODE_RECONNECTING;
	}
	engine_node_set_state(n, st, why);
	e->sched = 1;
}

/* --- channel data and ends (from engine-ssh.c) ------------------------- */

static void
engine_stream_line(struct estream *st, struct engine *e, const char *p,
    size_t len)
{
	struct engine_event	ev;

	if (len > 0 && p[len - 1] == '\r')
		len--;
	memset(&ev, 0, sizeof ev);
	ev.type = ENGINE_EV_STREAM_LINE;
	ev.node = st->node;
	ev.id = st->id;
	ev.data = p;
	ev.len = len;
	engine_emit(e, &ev);
}

/* Data arrived on a channel: STREAM is 1 for stdout, 2 for stderr. */
void
engine_chan_data(struct echan *c, int stream, const char *data, size_t len)
{
	struct engine		*e = c->node->e;
	struct engine_event	 ev;
	struct ejobnode		*jn;
	struct estream		*st;
	struct strbuf		*b;
	size_t			 kept, i, start;

	memset(&ev, 0, sizeof ev);
	switch (c->kind) {
	case ECHAN_JOB:
		if ((jn = c->jn) == NULL)
			return;
		b = stream == 1 ? &jn->out : &jn->err;
		kept = strbuf_addcap(b, data, len, e->cfg.output_cap);
		if (kept < len) {
			if (stream == 1)
				jn->r.out_truncated = 1;
			else
				jn->r.err_truncated = 1;
		}
		if (kept > 0 && jn->job->stream_output) {
			ev.type = ENGINE_EV_JOB_OUTPUT;
			ev.node = jn->node;
			ev.id = jn->job->id;
			ev.stream = stream;
			ev.data = data;
			ev.len = kept;
			engine_emit(e, &ev);
		}
		break;
	case ECHAN_STREAM:
		if ((st = c->st) == NULL || stream != 1)
			return;
		start = 0;
		for (i = 0; i < len; i++) {
			if (data[i] != '\n')
				continue;
			if (st->line.len > 0) {
				strbuf_addcap(&st->line, data + start, i - start,
				    e->cfg.output_cap);
				engine_stream_line(st, e, st->line.s,
				    st->line.len);
				st->line.len = 0;
			} else
				engine_stream_line(st, e, data + start,
				    i - start);
			start = i + 1;
		}
		if (start < len) {
			strbuf_addcap(&st->line, data + start, len - start,
			    e->cfg.output_cap);
			if (st->line.len >= e->cfg.output_cap) {
				engine_stream_line(st, e, st->line.s,
				    st->line.len);
				st->line.len = 0;
			}
		}
		break;
	case ECHAN_SHELL:
		if (c->sh == NULL)
			return;
		ev.type = ENGINE_EV_SHELL_DATA;
		ev.node = c->sh->node;
		ev.id = c->sh->id;
		ev.stream = stream;
		ev.data = data;
		ev.len = len;
		engine_emit(e, &ev);
		break;
	case ECHAN_KILL:
		break;
	}
}

/*
 * A channel is over (remote close, failure, or its session went away);
 * engine-ssh.c frees it after this returns.
 */
void
engine_chan_ended(struct echan *c)
{
	struct engine		*e = c->node->e;
	struct engine_event	 ev;
	struct ejobnode		*jn;
	struct eshell		*sh;
	enum node_state		 ns;
	char			*msg = NULL;

	e->sched = 1;
	switch (c->kind) {
	case ECHAN_JOB:
		if ((jn = c->jn) == NULL)
			break;
		c->jn = NULL;
		jn->chan = NULL;
		jn->job->nrunning--;
		if (!c->confirmed && jn->st == JN_RUNNING && e->cfg.reconnect &&
		    c->node->closing != NODE_NEW) {
			/* Never started, session lost: wait for the next one. */
			jn->st = JN_WAIT;
			jn->r.state = JOB_NODE_QUEUED;
			jn->deadline = 0;
			jn->wait_until = engine_now() +
			    (uint64_t)e->cfg.connect_timeout_ms;
			if (jn - jn->job->jn < (ptrdiff_t)jn->job->cursor)
				jn->job->cursor = (size_t)(jn - jn->job->jn);
			break;
		}
		if (c->exit_signal != NULL)
			jn->exit_signal = xstrdup(c->exit_signal);
		jn->r.exit_status = c->exit_status;
		jn->r.exit_signal = jn->exit_signal;
		if (jn->st == JN_KILLING) {
			if (jn->kill_state == JOB_NODE_TIMED_OUT) {
				if (asprintf(&msg, "command timed out after %d s",
				    (jn->job->timeout_ms + 999) / 1000) == -1)
					msg = NULL;
			} else
				msg = xstrdup("cancelled");
			engine_jn_end(jn, jn->kill_state, c->node->state, msg);
			free(msg);
		} else if (c->exit_status == -1 && c->exit_signal == NULL) {
			ns = c->node->closing != NODE_NEW ? c->node->closing :
			    c->node->state;
			/* It had started: lost mid-command, not unreached. */
			if (c->confirmed && c->node->closing != NODE_NEW)
				jn->r.lost = 1;
			engine_jn_end(jn, JOB_NODE_FAILED, ns, c->error != NULL ?
			    c->error : "channel closed without exit status");
		} else
			engine_jn_end(jn, JOB_NODE_DONE, NODE_UP, NULL);
		break;
	case ECHAN_STREAM:
		if (c->st == NULL)
			break;
		c->st->chan = NULL;
		c->st->line.len = 0;
		c->st->restart_at = engine_now() + ENGINE_STREAM_RESTART_MS;
		if (c->error != NULL)
			engine_log(e, c->node->id, "stream %u: %s", c->st->id,
			    c->error);
		c->st = NULL;
		break;
	case ECHAN_SHELL:
		if ((sh = c->sh) == NULL)
			break;
		c->sh = NULL;
		sh->chan = NULL;
		sh->closed = 1;
		memset(&ev, 0, sizeof ev);
		ev.type = ENGINE_EV_SHELL_CLOSED;
		ev.node = sh->node;
		ev.id = sh->id;
		ev.text = c->error != NULL ? c->error : "shell exited";
		engine_emit(e, &ev);
		break;
	case ECHAN_KILL:
		break;
	}
}

static void
engine_schedule(struct engine *e)
{
	struct ejob	*j;
	struct estream	*st;
	struct eshell	*sh;
	struct enode	*n;
	struct echan	*c;
	struct engine_event ev;
	uint64_t	 now = engine_now();

	e->sched = 0;
	TAILQ_FOREACH(j, &e->jobs, entry) {
		if (j->nended < j->n && !j->cancelled)
			engine_schedule_job(e, j, now);
	}
	TAILQ_FOREACH(st, &e->streams, entry) {
		if (st->stopped || st->chan != NULL)
			continue;
		n = e->nodes[st->node];
		if (n->phase != EC_UP || now < st->restart_at ||
		    n->nchans >= ENGINE_MAX_CHANNELS - 1)
			continue;
		c = engine_ssh_chan_new(n, ECHAN_STREAM, NULL);
		engine_new_token(c->token);
		c->command = engine_wrap_command(st->command, c->token);
		c->want_eof = 1;
		c->st = st;
		st->chan = c;
		engine_node_dirty(n);
	}
	TAILQ_FOREACH(sh, &e->shells, entry) {
		if (sh->closed || sh->chan != NULL)
			continue;
		n = e->nodes[sh->node];
		if (sh->started || engine_state_is_failure(n->state)) {
			sh->closed = 1;
			engine_log(e, n->id, "shell %u: node %s", sh->id,
			    node_state_name(n->state));
			/* Tell the client, or it waits for the shell forever. */
			memset(&ev, 0, sizeof ev);
			ev.type = ENGINE_EV_SHELL_CLOSED;
			ev.node = sh->node;
			ev.id = sh->id;
			ev.text = node_state_name(n->state);
			engine_emit(e, &ev);
			continue;
		}
		if (n->phase != EC_UP || n->nchans >= ENGINE_MAX_CHANNELS - 1)
			continue;
		c = engine_ssh_chan_new(n, ECHAN_SHELL, NULL);
		c->sh = sh;
		sh->chan = c;
		sh->started = 1;
		engine_node_dirty(n);
	}
}

/* --- streams and shells ------------------------------------------------ */

/* Run COMMAND on NODE for the life of the session; returns a stream id. */
uint32_t
engine_stream_start(struct engine *e, int node, const char *command)
{
	struct estream	*st;

	if (engine_node(e, node) == NULL || command == NULL)
		return (0);
	st = xcalloc(1, sizeof *st);
	st->id = e->next_id++;
	st->node = node;
	st->command = xstrdup(command);
	TAILQ_INSERT_TAIL(&e->streams, st, entry);
	if (e->nodes[node]->state == NODE_NEW)
		engine_connect(e, node);
	e->sched = 1;
	return (st->id);
}

/* Stop a stream; its remote command is killed. */
void
engine_stream_stop(struct engine *e, uint32_t id)
{
	struct estream	*st;

	TAILQ_FOREACH(st, &e->streams, entry) {
		if (st->id != id || st->stopped)
			continue;
		st->stopped = 1;
		if (st->chan != NULL) {
			st->chan->st = NULL;
			engine_ssh_chan_kill(st->chan);
			engine_node_dirty(st->chan->node);
			st->chan = NULL;
		}
		return;
	}
}

static struct eshell *
engine_find_shell(struct engine *e, uint32_t id)
{
	struct eshell	*sh;

	TAILQ_FOREACH(sh, &e->shells, entry) {
		if (sh->id == id && !sh->closed)
			return (sh);
	}
	return (NULL);
}

/* Open a login shell with a PTY; returns a shell id, 0 on error. */
uint32_t
engine_shell_open(struct engine *e, int node, const char *term, int cols,
    int rows)
{
	struct eshell	*sh;

	if (engine_node(e, node) == NULL)
		return (0);
	sh = xcalloc(1, sizeof *sh);
	sh->id = e->next_id++;
	sh->node = node;
	sh->term = xstrdup(term != NULL ? term : "xterm-256color");
	sh->cols = cols > 0 ? cols : 80;
	sh->rows = rows > 0 ? rows : 24;
	TAILQ_INSERT_TAIL(&e->shells, sh, entry);
	if (e->nodes[node]->state == NODE_NEW)
		engine_connect(e, node);
	e->sched = 1;
	return (sh->id);
}

/* Queue bytes for a shell. */
void
engine_shell_write(struct engine *e, uint32_t id, const void *data, size_t len)
{
	struct eshell	*sh = engine_find_shell(e, id);

	if (sh == NULL || len == 0)
		return;
	strbuf_addcap(&sh->wbuf, data, len, 0);
	if (sh->chan != NULL)
		engine_node_dirty(sh->chan->node);
}

/* Change a shell's terminal size. */
void
engine_shell_resize(struct engine *e, uint32_t id, int cols, int rows)
{
	struct eshell	*sh = engine_find_shell(e, id);

	if (sh == NULL || cols <= 0 || rows <= 0)
		return;
	sh->cols = cols;
	sh->rows = rows;
	sh->resize = 1;
	if (sh->chan != NULL)
		engine_node_dirty(sh->chan->node);
}

/* Close a shell (the PTY closes, so its processes get SIGHUP). */
void
engine_shell_close(struct engine *e, uint32_t id)
{
	struct eshell	*sh = engine_find_shell(e, id);

	if (sh == NULL)
		return;
	sh->closed = 1;
	if (sh->chan != NULL) {
		sh->chan->sh = NULL;
		engine_ssh_chan_close(sh->chan);
		engine_node_dirty(sh->chan->node);
		sh->chan = NULL;
	}
}

/* --- other fds --------------------------------------------------------- */

/* Watch another fd in the same loop. */
int
engine_watch_fd(struct engine *e, int fd, engine_fd_cb cb, void *arg)
{
	struct ewatch		*w;
	struct epoll_event	 ev;

	w = xcalloc(1, sizeof *w);
	w->fd = fd;
	w->cb = cb;
	w->arg = arg;
	w->tag.kind = ETAG_WATCH;
	w->tag.ptr = w;
	memset(&ev, 0, sizeof ev);
	ev.events = EPOLLIN;
	ev.data.ptr = &w->tag;
	if (epoll_ctl(e->epfd, EPOLL_CTL_ADD, fd, &ev) == -1) {
		free(w);
		return (-1);
	}
	TAILQ_INSERT_TAIL(&e->watches, w, entry);
	return (0);
}

/* Stop watching an fd. */
void
engine_unwatch_fd(struct engine *e, int fd)
{
	struct ewatch	*w;

	TAILQ_FOREACH(w, &e->watches, entry) {
		if (w->fd == fd && !w->dead) {
			epoll_ctl(e->epfd, EPOLL_CTL_DEL, fd, NULL);
			w->dead = 1;
			return;
		}
	}
}

/* --- the loop ---------------------------------------------------------- */

/* 1 while any node is connecting or any job is unfinished. */
int
engine_busy(const struct engine *e)
{
	struct ejob	*j;
	size_t		 i;

	TAILQ_FOREACH(j, &e->jobs, entry) {
		if (j->nended < j->n)
			return (1);
	}
	for (i = 0; i < e->nnodes; i++) {
		if (e->nodes[i]->phase != EC_IDLE &&
		    e->nodes[i]->phase != EC_UP)
			return (1);
	}
	return (0);
}

static void
engine_tick(struct engine *e, uint64_t now)
{
	struct ejob	*j;
	struct ejobnode	*jn;
	struct enode	*n;
	size_t		 i;

	for (i = 0; i < e->nnodes; i++) {
		n = e->nodes[i];
		if (n->phase == EC_IDLE && n->retry_at != 0 &&
		    now >= n->retry_at)
			engine_queue_connect(n);
		else if (n->phase != EC_IDLE && n->phase != EC_QUEUED)
			engine_ssh_tick(n, now);
	}
	TAILQ_FOREACH(j, &e->jobs, entry) {
		if (j->nended == j->n)
			continue;
		for (i = 0; i < j->n; i++) {
			jn = &j->jn[i];
			switch (jn->st) {
			case JN_WAIT:
				if (jn->wait_until != 0 && now >= jn->wait_until) {
					n = e->nodes[jn->node];
					engine_jn_end(jn, JOB_NODE_FAILED,
					    n->state, n->error != NULL ?
					    n->error : "node did not come up");
				}
				break;
			case JN_RUNNING:
				if (jn->deadline != 0 && now >= jn->deadline)
					engine_jn_kill(jn, JOB_NODE_TIMED_OUT);
				break;
			case JN_KILLING:
				if (now >= jn->kill_until && jn->chan != NULL) {
					/* Give up on the channel. */
					jn->chan->error = xstrdup(
					    "remote process did not exit");
					engine_ssh_chan_close(jn->chan);
					engine_node_dirty(jn->chan->node);
					jn->kill_until = now + 60000;
				}
				break;
			case JN_ENDED:
				break;
			}
		}
	}
	e->sched = 1;
}

/* Run ticks, connect pacing, scheduling and node service until quiet. */
static void
engine_settle(struct engine *e)
{
	struct enode	*n;
	uint64_t	 now;
	int		 rounds;

	for (rounds = 0; rounds < 16; rounds++) {
		now = engine_now();
		if (now >= e->next_tick) {
			e->next_tick = now + ENGINE_TICK_MS;
			engine_tick(e, now);
		}
		engine_pump_queue(e);
		if (e->sched)
			engine_schedule(e);
		if (TAILQ_EMPTY(&e->dirty))
			break;
		while ((n = TAILQ_FIRST(&e->dirty)) != NULL) {
			TAILQ_REMOVE(&e->dirty, n, dirty_entry);
			n->dirty = 0;
			if (n->reconnect_wanted)
				engine_do_reconnect(n);
			else
				engine_ssh_service(n);
		}
	}
}

static void
engine_reap(struct engine *e)
{
	struct ejob	*j, *j1;
	struct estream	*st, *st1;
	struct eshell	*sh, *sh1;
	struct ewatch	*w, *w1;

	TAILQ_FOREACH_SAFE(j, &e->jobs, entry, j1) {
		if (j->released && j->nended == j->n) {
			TAILQ_REMOVE(&e->jobs, j, entry);
			engine_job_free(j);
		}
	}
	TAILQ_FOREACH_SAFE(st, &e->streams, entry, st1) {
		if (st->stopped && st->chan == NULL) {
			TAILQ_REMOVE(&e->streams, st, entry);
			engine_stream_free(st);
		}
	}
	TAILQ_FOREACH_SAFE(sh, &e->shells, entry, sh1) {
		if (sh->closed && sh->chan == NULL) {
			TAILQ_REMOVE(&e->shells, sh, entry);
			engine_shell_free(sh);
		}
	}
	TAILQ_FOREACH_SAFE(w, &e->watches, entry, w1) {
		if (w->dead) {
			TAILQ_REMOVE(&e->watches, w, entry);
			free(w);
		}
	}
}

static int
engine_has_timers(struct engine *e)
{
	size_t	i;

	if (!TAILQ_EMPTY(&e->jobs) || !TAILQ_EMPTY(&e->streams))
		return (1);
	for (i = 0; i < e->nnodes; i++) {
		if (e->nodes[i]->phase != EC_IDLE ||
		    e->nodes[i]->retry_at != 0)
			return (1);
	}
	return (0);
}

/* Wait up to TIMEOUT_MS for I/O or deadlines and handle what is ready. */
int
engine_run_once(struct engine *e, int timeout_ms)
{
	struct epoll_event	 evs[256];
	struct etag		*tag;
	struct ewatch		*w;
	uint64_t		 now;
	int			 nev, i, wait;

	if (e->audit_warning != NULL) {
		engine_log(e, -1, "audit log: %s", e->audit_warning);
		free(e->audit_warning);
		e->audit_warning = NULL;
	}
	engine_settle(e);

	wait = timeout_ms;
	if (engine_has_timers(e)) {
		now = engine_now();
		if (e->next_tick <= now)
			wait = 0;
		else if (wait < 0 || (uint64_t)wait > e->next_tick - now)
			wait = (int)(e->next_tick - now);
	}
	if (!TAILQ_EMPTY(&e->dirty) || e->sched)
		wait = 0;

	nev = epoll_wait(e->epfd, evs, sizeof evs / sizeof evs[0], wait);
	if (nev == -1) {
		if (errno == EINTR)
			return (0);
		return (-1);
	}
	for (i = 0; i < nev; i++) {
		tag = evs[i].data.ptr;
		switch (tag->kind) {
		case ETAG_NODE:
			engine_ssh_io(tag->ptr, evs[i].events);
			break;
		case ETAG_WATCH:
			w = tag->ptr;
			if (!w->dead)
				w->cb(w->fd, w->arg);
			break;
		case ETAG_RESOLVER:
			engine_ssh_resolved(e);
			break;
		}
	}
	engine_settle(e);
	/*
	 * Reaping walks every job, stream and shell: once per wake-up it was
	 * O(nodes) per sample line, O(nodes^2) a second with a stream per
	 * node (16% of the dashboard's CPU at 256 nodes). What it frees is
	 * already unreachable; freeing it a tick later costs nothing (a
	 * released job goes at once: its results must stop being visible).
	 */
	now = engine_now();
	if (now >= e->next_reap || e->reap_now) {
		e->next_reap = now + ENGINE_TICK_MS;
		e->reap_now = 0;
		engine_reap(e);
	}
	return (0);
}
