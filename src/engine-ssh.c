/*
 * engine-ssh.c -- libssh glue for the engine: name resolution, connect,
 * host key check, authentication, channels, keepalives.
 *
 * Why it is over 1,500 lines (1,560): one state machine per session, from
 * the socket to the channels, and the remote-command watcher and the kill
 * of lost groups (reliability.md) that need its channel internals; the
 * name resolution and the host key check are the parts to move out next.
 *
 * Every session is non-blocking and lives on a socket we connect
 * ourselves (SSH_OPTIONS_FD), so the connect deadline, the address list
 * and the error text are ours. Once libssh owns the handshake, the
 * session gets its own one-session ssh_event: when epoll says the socket
 * is ready, ssh_event_dopoll(ev, 0) runs that session's packet layer and
 * channel callbacks only, and then engine_ssh_service() advances the
 * connect and channel state machines (calling the same libssh function
 * again until it stops returning SSH_AGAIN).
 *
 * Names that are not IP literals are resolved by one helper thread
 * (getaddrinfo blocks); answers come back through a pipe in the loop.
 *
 * Host keys are checked against our own cache of the known_hosts files
 * (knownhosts.c), never by libssh, whatever the ssh config says.
 *
 * Killing: a job's command is wrapped so that its login shell (a session
 * and process group leader under sshd) first prints "\036ct:TOKEN:PGID"
 * on stderr; the marker is removed from the output. To kill, a second
 * short exec channel sends TERM to the group, then KILL after 2 s.
 */

#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/types.h>
#if defined(__aarch64__)
#include <sys/auxv.h>
#endif

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <libssh/server.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <pwd.h>
#include <stdio.h>
#include <unistd.h>

#include "engine-int.h"
#include "knownhosts.h"
#include "util.h"

/* A name resolution handed to the helper thread. */
struct rreq {
	int		 node;
	unsigned int	 gen;
	char		*host;
	int		 port;
	struct sockaddr_storage *addrs;
	size_t		 naddrs;
	char		*error;
	struct rreq	*next;
};

struct eresolver {
	pthread_t	 thread;
	int		 started;
	pthread_mutex_t	 lock;
	pthread_cond_t	 cond;
	int		 pipe[2];
	struct rreq	*todo, *done;
	int		 busy;
	int		 stop;
	int		 orphaned;	/* engine gone: the thread frees it */
};

static void	engine_ssh_fail(struct enode *, enum node_state, const char *);
static void	engine_ssh_tcp_start(struct enode *);

/* --- helpers ----------------------------------------------------------- */

/* Expand ~ and %d (the ssh directory) in a path from the ssh config. */
static char *
es_expand_path(struct engine *e, const char *path)
{
	const char	*home = getenv("HOME");
	char		*out;

	if (path == NULL)
		return (NULL);
	if (strncmp(path, "%d/", 3) == 0) {
		if (asprintf(&out, "%s/%s", e->sshdir, path + 3) == -1)
			abort();
		return (out);
	}
	if (strncmp(path, "~/", 2) == 0 && home != NULL) {
		if (asprintf(&out, "%s/%s", home, path + 2) == -1)
			abort();
		return (out);
	}
	return (xstrdup(path));
}

static void
es_log_callback(int priority, const char *function, const char *buffer,
    void *userdata)
{
	static const char	*noise[] = {
		"/dev/null",		/* our empty known_hosts for libssh */
		"Socket connection callback",
		"Socket exception callback",	/* we report the error */
		"Socket error",
		"Invalid SSH_MSG_GLOBAL_REQUEST", /* hostkeys-00@openssh.com */
	};
	struct engine		*e = userdata;
	size_t			 i;

	if (e == NULL || priority > SSH_LOG_WARNING)
		return;
	for (i = 0; i < sizeof noise / sizeof noise[0]; i++) {
		if (strstr(buffer, noise[i]) != NULL)
			return;
	}
	engine_log(e, -1, "libssh: %s", buffer);
}

/* --- resolver thread --------------------------------------------------- */

/* Free the resolver: its answered queue, pipe and lock (the thread is done). */
static void
es_resolver_free(struct eresolver *r)
{
	struct rreq	*q;

	while ((q = r->done) != NULL) {
		r->done = q->next;
		free(q->host);
		free(q->addrs);
		free(q->error);
		free(q);
	}
	close(r->pipe[0]);
	close(r->pipe[1]);
	pthread_mutex_destroy(&r->lock);
	pthread_cond_destroy(&r->cond);
	free(r);
}

static void *
es_resolver_main(void *arg)
{
	struct eresolver	*r = arg;
	struct rreq		*q, **pp;
	struct addrinfo		 hints, *res, *ai;
	char			 port[16];
	size_t			 n;
	int			 rc, orphaned;

	pthread_mutex_lock(&r->lock);
	for (;;) {
		while (r->todo == NULL && !r->stop)
			pthread_cond_wait(&r->cond, &r->lock);
		if (r->stop)
			break;
		q = r->todo;
		r->todo = q->next;
		r->busy = 1;
		pthread_mutex_unlock(&r->lock);

		memset(&hints, 0, sizeof hints);
		hints.ai_family = AF_UNSPEC;
		hints.ai_socktype = SOCK_STREAM;
		snprintf(port, sizeof port, "%d", q->port);
		rc = getaddrinfo(q->host, port, &hints, &res);
		if (rc != 0) {
			if (asprintf(&q->error, "cannot resolve %s: %s",
			    q->host, gai_strerror(rc)) == -1)
				q->error = NULL;
		} else {
			n = 0;
			for (ai = res; ai != NULL; ai = ai->ai_next)
				n++;
			q->addrs = calloc(n, sizeof *q->addrs);
			if (q->addrs == NULL)
				abort();
			for (ai = res; ai != NULL; ai = ai->ai_next) {
				if (ai->ai_addrlen > sizeof *q->addrs)
					continue;
				memcpy(&q->addrs[q->naddrs++], ai->ai_addr,
				    ai->ai_addrlen);
			}
			freeaddrinfo(res);
		}
		q->next = NULL;

		pthread_mutex_lock(&r->lock);
		r->busy = 0;
		for (pp = &r->done; *pp != NULL; pp = &(*pp)->next)
			;
		*pp = q;
		if (write(r->pipe[1], "", 1) == -1) {
			/* Full pipe: a wake-up is already pending. */
		}
	}
	orphaned = r->orphaned;
	pthread_mutex_unlock(&r->lock);
	if (orphaned) {
		/* The engine is gone; we own what is left. */
		es_resolver_free(r);
	}
	return (NULL);
}

static int
es_resolver_ask(struct engine *e, struct enode *n)
{
	struct eresolver	*r = e->resolver;
	struct rreq		*q, **pp;
	struct epoll_event	 ev;

	if (!r->started) {
		if (pipe2(r->pipe, O_NONBLOCK | O_CLOEXEC) == -1)
			return (-1);
		memset(&ev, 0, sizeof ev);
		ev.events = EPOLLIN;
		ev.data.ptr = &e->rtag;
		if (epoll_ctl(e->epfd, EPOLL_CTL_ADD, r->pipe[0], &ev) == -1 ||
		    pthread_create(&r->thread, NULL, es_resolver_main, r) != 0) {
			close(r->pipe[0]);
			close(r->pipe[1]);
			return (-1);
		}
		r->started = 1;
	}
	q = calloc(1, sizeof *q);
	if (q == NULL)
		abort();
	q->node = n->id;
	q->gen = n->gen;
	q->host = xstrdup(n->hostname);
	q->port = n->port;
	pthread_mutex_lock(&r->lock);
	for (pp = &r->todo; *pp != NULL; pp = &(*pp)->next)
		;
	*pp = q;
	pthread_cond_signal(&r->cond);
	pthread_mutex_unlock(&r->lock);
	return (0);
}

/* The resolver pipe is readable: start the TCP connects that were waiting. */
void
engine_ssh_resolved(struct engine *e)
{
	struct eresolver	*r = e->resolver;
	struct rreq		*q, *list;
	struct enode		*n;
	char			 buf[256];

	while (read(r->pipe[0], buf, sizeof buf) > 0)
		;
	pthread_mutex_lock(&r->lock);
	list = r->done;
	r->done = NULL;
	pthread_mutex_unlock(&r->lock);
	while ((q = list) != NULL) {
		list = q->next;
		n = e->nodes[q->node];
		if (n->phase == EC_RESOLVING && n->gen == q->gen) {
			if (q->error != NULL || q->naddrs == 0)
				engine_ssh_fail(n, NODE_UNREACHABLE,
				    q->error != NULL ? q->error :
				    "no address");
			else {
				free(n->addrs);
				n->addrs = q->addrs;
				n->naddrs = q->naddrs;
				n->addri = 0;
				q->addrs = NULL;
				engine_ssh_tcp_start(n);
			}
		}
		free(q->host);
		free(q->addrs);
		free(q->error);
		free(q);
	}
}

/* --- init and free ----------------------------------------------------- */

/* Set up libssh logging, the ssh directory and the resolver. */
int
engine_ssh_init(struct engine *e, char **cause)
{
	struct passwd	*pw;
	const char	*home = getenv("HOME");

	ssh_set_log_level(SSH_LOG_WARNING);
	ssh_set_log_userdata(e);
	ssh_set_log_callback(es_log_callback);

	if (home == NULL && (pw = getpwuid(getuid())) != NULL)
		home = pw->pw_dir;
	if (asprintf(&e->sshdir, "%s/.ssh", home != NULL ? home : "/") == -1)
		abort();

	e->resolver = calloc(1, sizeof *e->resolver);
	if (e->resolver == NULL)
		abort();
	pthread_mutex_init(&e->resolver->lock, NULL);
	pthread_cond_init(&e->resolver->cond, NULL);
	e->resolver->pipe[0] = e->resolver->pipe[1] = -1;
	e->rtag.kind = ETAG_RESOLVER;
	e->rtag.ptr = e->resolver;
	return (0);
}

/* libssh keeps its log settings per thread: set them on this one. */
void
engine_attach_thread(struct engine *e)
{
	ssh_set_log_level(SSH_LOG_WARNING);
	ssh_set_log_userdata(e);
	ssh_set_log_callback(es_log_callback);
}

/* Free keys and the resolver (nodes are closed already). */
void
engine_ssh_free(struct engine *e)
{
	struct eresolver	*r = e->resolver;
	struct rreq		*q;
	size_t			 i;
	int			 busy;

	for (i = 0; i < e->nkeys; i++) {
		free(e->keys[i].path);
		if (e->keys[i].key != NULL)
			ssh_key_free(e->keys[i].key);
	}
	free(e->keys);
	free(e->sshdir);
	/* Keep the callback (libssh would print to stderr): just go quiet. */
	if (ssh_get_log_userdata() == e)
		ssh_set_log_userdata(NULL);
	if (r == NULL)
		return;
	if (!r->started) {
		pthread_mutex_destroy(&r->lock);
		pthread_cond_destroy(&r->cond);
		free(r);
		return;
	}
	pthread_mutex_lock(&r->lock);
	r->stop = 1;
	busy = r->busy;
	while ((q = r->todo) != NULL) {
		r->todo = q->next;
		free(q->host);
		free(q);
	}
	if (busy)
		r->orphaned = 1;
	pthread_cond_signal(&r->cond);
	pthread_mutex_unlock(&r->lock);
	epoll_ctl(e->epfd, EPOLL_CTL_DEL, r->pipe[0], NULL);
	if (busy) {
		/* Stuck in getaddrinfo: let it finish and clean up alone. */
		pthread_detach(r->thread);
		return;
	}
	pthread_join(r->thread, NULL);
	es_resolver_free(r);
}

/* --- keys -------------------------------------------------------------- */

/* The key at PATH, loaded once and shared; NULL if it can't be used. */
static ssh_key
es_key(struct engine *e, const char *path)
{
	struct ekey	*k;
	size_t		 i;
	int		 rc;

	for (i = 0; i < e->nkeys; i++) {
		if (strcmp(e->keys[i].path, path) == 0)
			return (e->keys[i].key);
	}
	e->keys = realloc(e->keys, (e->nkeys + 1) * sizeof *e->keys);
	if (e->keys == NULL)
		abort();
	k = &e->keys[e->nkeys++];
	k->path = xstrdup(path);
	k->key = NULL;
	if (access(path, R_OK) != 0)
		return (NULL);
	rc = ssh_pki_import_privkey_file(path, NULL, NULL, NULL, &k->key);
	if (rc != SSH_OK) {
		k->key = NULL;
		engine_log(e, -1, "cannot load key %s (encrypted keys need "
		    "ssh-agent)", path);
	}
	return (k->key);
}

/* The N-th identity to try for a node, or NULL past the end. */
static const char *
es_identity(struct enode *n, int i, char *buf, size_t len)
{
	static const char	*defaults[] = { "id_ed25519", "id_ecdsa",
				    "id_rsa" };
	int			 j;

	if (n->identity != NULL) {
		if (i == 0)
			return (n->identity);
		i--;
	}
	for (j = 0; j < 3; j++) {
		snprintf(buf, len, "%s/%s", n->e->sshdir, defaults[j]);
		if (n->identity != NULL && strcmp(buf, n->identity) == 0)
			continue;
		if (i-- == 0)
			return (buf);
	}
	return (NULL);
}

/* --- epoll ------------------------------------------------------------- */

/* Re-arm the node's epoll interest from libssh's pending output. */
void
engine_ssh_update_events(struct enode *n)
{
	struct epoll_event	ev;
	uint32_t		want;

	if (n->fd < 0)
		return;
	want = EPOLLIN;
	if (n->phase == EC_TCP)
		want = EPOLLOUT;
	else if (n->s != NULL &&
	    (ssh_get_poll_flags(n->s) & SSH_WRITE_PENDING))
		want |= EPOLLOUT;
	if (want == n->ep_events)
		return;
	memset(&ev, 0, sizeof ev);
	ev.events = want;
	ev.data.ptr = &n->tag;
	if (n->ep_events == 0)
		epoll_ctl(n->e->epfd, EPOLL_CTL_ADD, n->fd, &ev);
	else
		epoll_ctl(n->e->epfd, EPOLL_CTL_MOD, n->fd, &ev);
	n->ep_events = want;
}

/* --- channels ---------------------------------------------------------- */

static void
es_chan_free(struct echan *c)
{
	struct enode	*n = c->node;
	struct echan	*o;

	if (c->marker == 0 && c->pre.len > 0) {
		c->marker = -1;
		engine_chan_data(c, 2, c->pre.s, c->pre.len);
	}
	if (!c->ended) {
		c->ended = 1;
		engine_chan_ended(c);
	}
	TAILQ_FOREACH(o, &n->chans, entry) {
		if (o->killer == c)
			o->killer = NULL;
	}
	if (c->ch != NULL) {
		/*
		 * A channel we closed ourselves outlives this in libssh until
		 * the peer's close arrives, and messages for it (exit-signal
		 * after a shell's SIGHUP) would still call back into C.
		 */
		ssh_remove_channel_callbacks(c->ch, &c->cb);
		ssh_channel_free(c->ch);
	}
	TAILQ_REMOVE(&n->chans, c, entry);
	n->nchans--;
	if (c->kind == ECHAN_JOB)
		n->njobchans--;
	free(c->command);
	free(c->exit_signal);
	free(c->error);
	strbuf_free(&c->pre);
	free(c);
}

static void
es_chan_error(struct echan *c, const char *what)
{
	const char	*err = c->node->s != NULL ? ssh_get_error(c->node->s) :
			    NULL;

	free(c->error);
	if (asprintf(&c->error, "%s: %s", what, err != NULL && *err != '\0' ?
	    err : "failed") == -1)
		c->error = NULL;
	c->state = ECH_DEAD;
}

/* Look for the pgid marker in stderr; pass the rest on. */
static void
es_marker(struct echan *c, const char *data, size_t len)
{
	char	 prefix[32], *p, *nl, *end;
	size_t	 plen, off;
	long	 pgid, wpid;

	strbuf_addcap(&c->pre, data, len, 0);
	plen = (size_t)snprintf(prefix, sizeof prefix, "\036ct:%s:", c->token);
	p = memmem(c->pre.s, c->pre.len, prefix, plen);
	if (p == NULL) {
		if (c->pre.len > 4096) {
			c->marker = -1;
			engine_chan_data(c, 2, c->pre.s, c->pre.len);
			c->pre.len = 0;
		}
		return;
	}
	nl = memchr(p, '\n', c->pre.len - (size_t)(p - c->pre.s));
	if (nl == NULL)
		return;
	pgid = strtol(p + plen, &end, 10);
	if (*end == ':' && end < nl) {	/* then the watcher's pid */
		wpid = strtol(end + 1, &end, 10);
		if (end == nl && wpid > 1)
			c->wpid = wpid;
	}
	if (end == nl && pgid > 1)
		c->pgid = pgid;
	c->marker = 1;
	off = (size_t)(p - c->pre.s);
	if (off > 0)
		engine_chan_data(c, 2, c->pre.s, off);
	off = (size_t)(nl + 1 - c->pre.s);
	if (off < c->pre.len)
		engine_chan_data(c, 2, c->pre.s + off, c->pre.len - off);
	strbuf_free(&c->pre);
}

static int
es_cb_data(ssh_session s, ssh_channel ch, void *data, uint32_t len,
    int is_stderr, void *arg)
{
	struct echan	*c = arg;

	if (is_stderr && c->marker == 0 &&
	    (c->kind == ECHAN_JOB || c->kind == ECHAN_STREAM))
		es_marker(c, data, len);
	else
		engine_chan_data(c, is_stderr ? 2 : 1, data, len);
	return ((int)len);
}

static void
es_cb_eof(ssh_session s, ssh_channel ch, void *arg)
{
	struct echan	*c = arg;

	c->got_eof = 1;
	engine_node_dirty(c->node);
}

static void
es_cb_close(ssh_session s, ssh_channel ch, void *arg)
{
	struct echan	*c = arg;

	c->got_close = 1;
	engine_node_dirty(c->node);
}

static void
es_cb_exit_status(ssh_session s, ssh_channel ch, int status, void *arg)
{
	struct echan	*c = arg;

	c->exit_status = status;
}

static void
es_cb_exit_signal(ssh_session s, ssh_channel ch, const char *signal, int core,
    const char *errmsg, const char *lang, void *arg)
{
	struct echan	*c = arg;

	free(c->exit_signal);
	c->exit_signal = xstrdup(signal);
}

/* Make a channel on an up node; opened on the next service. */
struct echan *
engine_ssh_chan_new(struct enode *n, enum echan_kind kind, const char *command)
{
	struct echan	*c;

	c = calloc(1, sizeof *c);
	if (c == NULL)
		abort();
	c->kind = kind;
	c->state = ECH_NEW;
	c->node = n;
	c->exit_status = -1;
	c->command = xstrdup(command);
	if (kind != ECHAN_JOB && kind != ECHAN_STREAM)
		c->marker = -1;
	TAILQ_INSERT_TAIL(&n->chans, c, entry);
	n->nchans++;
	if (kind == ECHAN_JOB)
		n->njobchans++;
	return (c);
}

/* Ask for the channel's remote process group to be killed. */
void
engine_ssh_chan_kill(struct echan *c)
{
	c->kill_wanted = 1;
	engine_node_dirty(c->node);
}

/* Close a channel from our side. */
void
engine_ssh_chan_close(struct echan *c)
{
	c->want_close = 1;
	engine_node_dirty(c->node);
}

static int
es_chan_open(struct echan *c)
{
	c->ch = ssh_channel_new(c->node->s);
	if (c->ch == NULL) {
		es_chan_error(c, "channel");
		return (-1);
	}
	memset(&c->cb, 0, sizeof c->cb);
	c->cb.userdata = c;
	c->cb.channel_data_function = es_cb_data;
	c->cb.channel_eof_function = es_cb_eof;
	c->cb.channel_close_function = es_cb_close;
	c->cb.channel_exit_status_function = es_cb_exit_status;
	c->cb.channel_exit_signal_function = es_cb_exit_signal;
	ssh_callbacks_init(&c->cb);
	ssh_set_channel_callbacks(c->ch, &c->cb);
	c->state = ECH_OPENING;
	return (0);
}

/*
 * Bulk input (a push) to an OpenSSH server: keep at most
 * ENGINE_INFLIGHT_CAP bytes unacknowledged. sshd appends every packet to
 * the channel's buffer for the remote process and grows that buffer by
 * copying it (sshbuf with recallocarray); a full 2 MiB window sent in one
 * burst made sshd spend most of its time in memmove (perf, 16 nodes).
 * OpenSSH sends a window adjust once 3 packets (96 KiB) are consumed, so
 * a cap above that never stalls; other servers get the whole window.
 */
static void
es_chan_set_cap(struct echan *c)
{
	const char	*v;

	c->inflight_cap = 0;
	if (c->kind != ECHAN_JOB || c->inlen < ENGINE_INFLIGHT_CAP ||
	    ssh_get_openssh_version(c->node->s) == 0)
		return;
	c->inflight_cap = ENGINE_INFLIGHT_CAP;
	if ((v = getenv("CLUSTERTOP_INFLIGHT_KB")) != NULL)
		c->inflight_cap = (uint32_t)strtoul(v, NULL, 10) * 1024;
}

/* Write what input is pending, as far as the remote window allows. */
static void
es_chan_write(struct echan *c)
{
	const char	*p;
	size_t		 left;
	uint32_t	 win;
	int		 rc;

	for (;;) {
		if (c->kind == ECHAN_SHELL) {
			if (c->sh == NULL)
				return;
			p = c->sh->wbuf.s;
			left = c->sh->wbuf.len;
		} else {
			p = c->in != NULL ? (const char *)c->in + c->inoff :
			    NULL;
			left = c->inlen - c->inoff;
		}
		if (left == 0)
			break;
		if ((win = ssh_channel_window_size(c->ch)) == 0)
			return;
		if (win > c->win_max)
			c->win_max = win;
		if (c->inflight_cap > 0) {
			/* Bytes sent and not yet acknowledged by the server. */
			uint32_t out = c->win_max - win;

			if (out >= c->inflight_cap)
				return;
			if (win > c->inflight_cap - out)
				win = c->inflight_cap - out;
		}
		if (left > win)
			left = win;
		if (left > 4 * 1024 * 1024)
			left = 4 * 1024 * 1024;
		rc = ssh_channel_write(c->ch, p, (uint32_t)left);
		if (rc == SSH_ERROR) {
			es_chan_error(c, "write");
			return;
		}
		if (rc == 0)
			return;
		if (c->kind == ECHAN_SHELL)
			strbuf_consume(&c->sh->wbuf, (size_t)rc);
		else {
			c->inoff += (size_t)rc;
			/* Progress for the job's result (push). */
			if (c->jn != NULL)
				c->jn->r.stdin_sent = c->inoff;
		}
	}
	if (c->want_eof && !c->eof_sent) {
		ssh_channel_send_eof(c->ch);
		c->eof_sent = 1;
	}
}

/* Advance one channel's state machine; it may end up ECH_DEAD. */
static void
es_chan_step(struct echan *c)
{
	struct eshell	*sh = c->sh;
	int		 rc;

	if (c->state == ECH_NEW) {
		if (c->want_close || (c->kill_wanted && c->kind != ECHAN_KILL)) {
			c->state = ECH_DEAD;
			return;
		}
		if (es_chan_open(c) != 0)
			return;
	}
	if (c->state == ECH_OPENING) {
		rc = ssh_channel_open_session(c->ch);
		if (rc == SSH_AGAIN)
			return;
		if (rc != SSH_OK) {
			es_chan_error(c, "channel open");
			return;
		}
		if (c->want_close || (c->kill_wanted && c->kind != ECHAN_KILL)) {
			/* Nothing runs yet: just close it. */
			c->state = ECH_RUNNING;
			c->want_close = 1;
		} else
			c->state = c->kind == ECHAN_SHELL ? ECH_PTY : ECH_START;
	}
	if (c->state == ECH_PTY) {
		if (sh == NULL) {
			c->state = ECH_RUNNING;
			c->want_close = 1;
		} else {
			rc = ssh_channel_request_pty_size(c->ch, sh->term,
			    sh->cols, sh->rows);
			if (rc == SSH_AGAIN)
				return;
			if (rc != SSH_OK) {
				es_chan_error(c, "pty request");
				return;
			}
			sh->resize = 0;
			c->state = ECH_START;
		}
	}
	if (c->state == ECH_START) {
		c->exec_sent = 1;
		if (c->kind == ECHAN_SHELL)
			rc = ssh_channel_request_shell(c->ch);
		else
			rc = ssh_channel_request_exec(c->ch, c->command);
		if (rc == SSH_AGAIN)
			return;
		if (rc != SSH_OK) {
			es_chan_error(c, c->kind == ECHAN_SHELL ?
			    "shell request" : "exec request");
			return;
		}
		c->state = ECH_RUNNING;
		c->confirmed = 1;
		es_chan_set_cap(c);
	}
	if (c->state != ECH_RUNNING)
		return;

	if (c->want_close) {
		if (!c->close_sent) {
			ssh_channel_close(c->ch);
			c->close_sent = 1;
		}
	} else {
		if (sh != NULL && sh->resize) {
			ssh_channel_change_pty_size(c->ch, sh->cols, sh->rows);
			sh->resize = 0;
		}
		es_chan_write(c);
	}
	if (c->got_close || ssh_channel_is_closed(c->ch))
		c->state = ECH_DEAD;
}

/* Build the command that kills the groups of the given channels. */
static char *
es_kill_command(long *pgids, size_t n)
{
	struct strbuf	 b, list;
	char		 num[32];
	size_t		 i;
	int		 len;

	memset(&b, 0, sizeof b);
	memset(&list, 0, sizeof list);
	for (i = 0; i < n; i++) {
		len = snprintf(num, sizeof num, "%s%ld", i ? " " : "", pgids[i]);
		strbuf_addcap(&list, num, (size_t)len, 0);
	}
#define ADD(s) strbuf_addcap(&b, s, strlen(s), 0)
	ADD("for p in "); ADD(list.s);
	ADD("; do kill -s TERM -- -$p 2>/dev/null; done; i=0; "
	    "while [ $i -lt 20 ]; do a=; for p in "); ADD(list.s);
	ADD("; do kill -s 0 -- -$p 2>/dev/null && a=1; done; "
	    "[ -z \"$a\" ] && exit 0; sleep 0.1; i=$((i+1)); done; for p in ");
	ADD(list.s);
	ADD("; do kill -s KILL -- -$p 2>/dev/null; done; exit 0");
#undef ADD
	strbuf_free(&list);
	return (b.s);
}

/*
 * The command that kills the groups of commands lost with an earlier
 * session: "PGID:WPID:TOKEN " each. A group is killed only while its
 * watcher, WPID, still runs with the job's token in its arguments (the
 * first 30 characters, so ps -o args shows them): a pid is never taken
 * for the group it was when the session went, after a reboot or on a
 * busy node.
 */
static char *
es_lost_kill_command(const char *list)
{
	char	*s;

	if (asprintf(&s, "for x in %s; do p=${x%%%%:*}; r=${x#*:}; "
	    "w=${r%%%%:*}; t=${r#*:}; case $(ps -o args= -p \"$w\" "
	    "2>/dev/null) in *\"(: ct:$t;\"*) (kill -s TERM -- -$p; sleep 2; "
	    "kill -s KILL -- -$p) 2>/dev/null & ;; esac; done; wait; exit 0",
	    list) == -1)
		abort();
	return (s);
}

/* Once up again: kill what the last lost session left running. */
static void
es_lost_kills(struct enode *n)
{
	struct echan	*kc;
	char		*cmd;

	if (n->nlostk == 0 || n->nchans >= ENGINE_MAX_CHANNELS - 1)
		return;
	cmd = es_lost_kill_command(n->lostk.s);
	kc = engine_ssh_chan_new(n, ECHAN_KILL, cmd);
	free(cmd);
	kc->want_eof = 1;
	engine_log(n->e, n->id, "killing %d command%s lost with the last "
	    "session", n->nlostk, n->nlostk == 1 ? "" : "s");
	strbuf_free(&n->lostk);
	n->nlostk = 0;
}

/* Open one kill channel for every channel whose group is to be killed. */
static void
es_kills(struct enode *n)
{
	struct echan	*c, *kc;
	long		 pgids[ENGINE_MAX_CHANNELS * 2];
	size_t		 np = 0;
	char		*cmd;

	TAILQ_FOREACH(c, &n->chans, entry) {
		if (!c->kill_wanted || c->killer != NULL ||
		    c->state == ECH_DEAD)
			continue;
		if (c->state == ECH_NEW || c->state == ECH_OPENING ||
		    c->state == ECH_PTY)
			continue;	/* es_chan_step closes it */
		if (c->pgid > 1) {
			if (np < sizeof pgids / sizeof pgids[0])
				pgids[np++] = c->pgid;
		} else if (c->marker == -1 || c->got_close) {
			/* No group known: closing is all we can do. */
			c->want_close = 1;
			c->kill_wanted = 0;
		}
	}
	if (np == 0 || n->nchans >= ENGINE_MAX_CHANNELS)
		return;
	cmd = es_kill_command(pgids, np);
	kc = engine_ssh_chan_new(n, ECHAN_KILL, cmd);
	free(cmd);
	kc->want_eof = 1;
	TAILQ_FOREACH(c, &n->chans, entry) {
		if (c->kill_wanted && c->killer == NULL && c->pgid > 1 &&
		    c != kc) {
			c->killer = kc;
			c->kill_wanted = 0;
		}
	}
}

/* --- connect ----------------------------------------------------------- */

/* A connect attempt failed, or an up session was lost. */
static void
engine_ssh_fail(struct enode *n, enum node_state st, const char *why)
{
	engine_node_lost(n, st, why);
}

static void
es_fail_ssh(struct enode *n, enum node_state st, const char *what)
{
	const char	*err = n->s != NULL ? ssh_get_error(n->s) : NULL;
	char		*msg;

	if (err == NULL || *err == '\0')
		err = "connection closed";
	if (asprintf(&msg, "%s%s%s", what != NULL ? what : "",
	    what != NULL ? ": " : "", err) == -1)
		msg = NULL;
	engine_ssh_fail(n, st, msg);
	free(msg);
}

static int
es_is_literal(const char *host, struct sockaddr_storage *ss, int port)
{
	struct sockaddr_in	*sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof *ss);
	if (inet_pton(AF_INET, host, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)port);
		return (1);
	}
	if (inet_pton(AF_INET6, host, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)port);
		return (1);
	}
	return (0);
}

/*
 * The cipher order we offer. With AES in the CPU (AES-NI, ARMv8 AES),
 * AES-GCM costs much less than chacha20-poly1305 on both ends: pushing
 * 100 MiB to 16 simulated nodes took 15-20% less time (docs/bench.md).
 * $CLUSTERTOP_CIPHERS replaces the list ("default": libssh's own order);
 * a Ciphers line in the ssh config overrides either.
 */
static char *
es_cipher_pref(void)
{
	static const char	*aes_first = "aes128-gcm@openssh.com,"
	    "aes256-gcm@openssh.com,chacha20-poly1305@openssh.com,"
	    "aes128-ctr,aes192-ctr,aes256-ctr";
	const char		*v = getenv("CLUSTERTOP_CIPHERS");
	int			 aes = 0;

	if (v != NULL && *v != '\0')
		return (strcmp(v, "default") == 0 ? NULL : (char *)v);
#if defined(__x86_64__) || defined(__i386__)
	__builtin_cpu_init();
	aes = __builtin_cpu_supports("aes") && __builtin_cpu_supports("pclmul");
#elif defined(__aarch64__) && defined(HWCAP_AES) && defined(HWCAP_PMULL)
	aes = (getauxval(AT_HWCAP) & (HWCAP_AES | HWCAP_PMULL)) ==
	    (HWCAP_AES | HWCAP_PMULL);
#endif
	return (aes ? (char *)aes_first : NULL);
}

/* Parse the ssh config for this node and set up its session. */
static int
es_session_setup(struct enode *n)
{
	struct engine	*e = n->e;
	ssh_session	 s;
	char		*v = NULL, *algs;
	const char	*files[2], *names[2];
	unsigned int	 port = 22;
	int		 one = 1, verbosity = SSH_LOG_WARNING;
	bool		 no = false;

	if ((s = ssh_new()) == NULL) {
		engine_ssh_fail(n, NODE_UNREACHABLE, "ssh_new failed");
		return (-1);
	}
	n->s = s;
	ssh_options_set(s, SSH_OPTIONS_HOST, n->name);
	/* Before the config: a Ciphers line there still wins. */
	if ((v = es_cipher_pref()) != NULL) {
		ssh_options_set(s, SSH_OPTIONS_CIPHERS_C_S, v);
		ssh_options_set(s, SSH_OPTIONS_CIPHERS_S_C, v);
		v = NULL;
	}
	if (ssh_options_parse_config(s, e->cfg.ssh_config) != SSH_OK) {
		es_fail_ssh(n, NODE_UNREACHABLE, "ssh config");
		return (-1);
	}
	ssh_options_set(s, SSH_OPTIONS_PROCESS_CONFIG, &no);
	ssh_options_set(s, SSH_OPTIONS_LOG_VERBOSITY, &verbosity);

	free(n->hostname);
	n->hostname = NULL;
	if (ssh_options_get(s, SSH_OPTIONS_HOST, &v) == SSH_OK) {
		n->hostname = xstrdup(v);
		ssh_string_free_char(v);
	}
	if (n->hostname == NULL || (strcmp(n->hostname, n->name) == 0 &&
	    n->addr != NULL)) {
		/* No HostName in the config: Slurm's NodeAddr, if any. */
		free(n->hostname);
		n->hostname = xstrdup(n->addr != NULL ? n->addr : n->name);
	}
	ssh_options_get_port(s, &port);
	n->port = (int)port;
	if (e->cfg.user != NULL)
		ssh_options_set(s, SSH_OPTIONS_USER, e->cfg.user);

	free(n->known_hosts);
	n->known_hosts = NULL;
	if (e->cfg.known_hosts != NULL)
		n->known_hosts = xstrdup(e->cfg.known_hosts);
	else if (ssh_options_get(s, SSH_OPTIONS_KNOWNHOSTS, &v) == SSH_OK) {
		n->known_hosts = es_expand_path(e, v);
		ssh_string_free_char(v);
	}
	if (n->known_hosts == NULL &&
	    asprintf(&n->known_hosts, "%s/known_hosts", e->sshdir) == -1)
		abort();
	free(n->global_known_hosts);
	n->global_known_hosts = NULL;
	if (ssh_options_get(s, SSH_OPTIONS_GLOBAL_KNOWNHOSTS, &v) == SSH_OK) {
		n->global_known_hosts = es_expand_path(e, v);
		ssh_string_free_char(v);
	} else
		n->global_known_hosts = xstrdup("/etc/ssh/ssh_known_hosts");

	free(n->identity);
	n->identity = NULL;
	if (ssh_options_get(s, SSH_OPTIONS_IDENTITY, &v) == SSH_OK) {
		n->identity = es_expand_path(e, v);
		ssh_string_free_char(v);
	}

	/*
	 * Host keys are ours to check: libssh gets empty known_hosts files
	 * (so it neither reads the real ones per session nor accepts a
	 * changed key), strict checking, and a host key algorithm order
	 * that puts the types we know for this host first.
	 */
	ssh_options_set(s, SSH_OPTIONS_KNOWNHOSTS, "/dev/null");
	ssh_options_set(s, SSH_OPTIONS_GLOBAL_KNOWNHOSTS, "/dev/null");
	ssh_options_set(s, SSH_OPTIONS_STRICTHOSTKEYCHECK, &one);
	ssh_options_set(s, SSH_OPTIONS_NODELAY, &one);
	files[0] = n->known_hosts;
	files[1] = n->global_known_hosts;
	names[0] = n->hostname;
	names[1] = n->name;
	algs = knownhosts_algorithms(e->kh, files, 2, names, 2, n->port);
	if (algs != NULL) {
		ssh_options_set(s, SSH_OPTIONS_HOSTKEYS, algs);
		free(algs);
	}

	ssh_set_blocking(s, 0);
	memset(&n->rcounter, 0, sizeof n->rcounter);
	memset(&n->scounter, 0, sizeof n->scounter);
	ssh_set_counters(s, &n->scounter, &n->rcounter);
	return (0);
}

/* Begin a connect attempt: config, name, socket. */
void
engine_ssh_start(struct enode *n)
{
	struct engine		*e = n->e;
	struct sockaddr_storage	 ss;

	n->gen++;
	n->was_up = 0;
	n->deadline = engine_now() + (uint64_t)e->cfg.connect_timeout_ms;
	n->phase = EC_RESOLVING;
	if (es_session_setup(n) != 0)
		return;
	if (es_is_literal(n->hostname, &ss, n->port)) {
		free(n->addrs);
		n->addrs = calloc(1, sizeof *n->addrs);
		if (n->addrs == NULL)
			abort();
		n->addrs[0] = ss;
		n->naddrs = 1;
		n->addri = 0;
		engine_ssh_tcp_start(n);
		return;
	}
	if (es_resolver_ask(e, n) != 0)
		engine_ssh_fail(n, NODE_UNREACHABLE, "resolver unavailable");
}

static void
engine_ssh_tcp_start(struct enode *n)
{
	struct sockaddr_storage	*ss;
	socklen_t		 len;
	int			 fd, err = 0;

	while (n->addri < n->naddrs) {
		ss = &n->addrs[n->addri];
		len = ss->ss_family == AF_INET6 ? sizeof(struct sockaddr_in6) :
		    sizeof(struct sockaddr_in);
		fd = socket(ss->ss_family, SOCK_STREAM | SOCK_NONBLOCK |
		    SOCK_CLOEXEC, 0);
		if (fd == -1) {
			err = errno;
			n->addri++;
			continue;
		}
		if (connect(fd, (struct sockaddr *)ss, len) == 0 ||
		    errno == EINPROGRESS) {
			n->fd = fd;
			n->ep_events = 0;
			n->phase = EC_TCP;
			engine_ssh_update_events(n);
			return;
		}
		err = errno;
		close(fd);
		n->addri++;
	}
	engine_ssh_fail(n, NODE_UNREACHABLE, strerror(err != 0 ? err :
	    EHOSTUNREACH));
}

static void
es_tcp_done(struct enode *n)
{
	socklen_t	len = sizeof(int);
	int		err = 0, one = 1;

	if (getsockopt(n->fd, SOL_SOCKET, SO_ERROR, &err, &len) == -1)
		err = errno;
	if (err == EINPROGRESS || err == EALREADY)
		return;
	if (err != 0) {
		/* Try the next address, if any. */
		epoll_ctl(n->e->epfd, EPOLL_CTL_DEL, n->fd, NULL);
		close(n->fd);
		n->fd = -1;
		n->ep_events = 0;
		if (++n->addri < n->naddrs) {
			engine_ssh_tcp_start(n);
			return;
		}
		engine_ssh_fail(n, NODE_UNREACHABLE, strerror(err));
		return;
	}
	setsockopt(n->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	ssh_options_set(n->s, SSH_OPTIONS_FD, &n->fd);
	n->phase = EC_HANDSHAKE;
	/* A deadline per state: TCP, then key exchange, then auth. */
	n->deadline = engine_now() + (uint64_t)n->e->cfg.connect_timeout_ms;
	engine_ssh_service(n);
}

/* Check the server's host key against the known_hosts cache. */
static int
es_hostkey(struct enode *n)
{
	struct engine		*e = n->e;
	ssh_key			 key = NULL;
	const char		*files[2], *names[2];
	enum knownhosts_result	 r;
	unsigned char		*hash = NULL;
	size_t			 hlen;
	char			*fp = NULL, *msg = NULL, *cause = NULL, *kname;

	if (ssh_get_server_publickey(n->s, &key) != SSH_OK) {
		es_fail_ssh(n, NODE_HOSTKEY_MISMATCH, "no host key");
		return (-1);
	}
	if (ssh_get_publickey_hash(key, SSH_PUBLICKEY_HASH_SHA256, &hash,
	    &hlen) == 0) {
		fp = ssh_get_fingerprint_hash(SSH_PUBLICKEY_HASH_SHA256, hash,
		    hlen);
		ssh_clean_pubkey_hash(&hash);
	}
	files[0] = n->known_hosts;
	files[1] = n->global_known_hosts;
	names[0] = n->hostname;
	names[1] = n->name;
	r = knownhosts_check(e->kh, files, 2, names,
	    strcmp(n->hostname, n->name) == 0 ? 1 : 2, n->port, key);
	switch (r) {
	case KH_OK:
		break;
	case KH_UNKNOWN:
		if (e->cfg.hostkeys == HOSTKEY_ACCEPT_NEW) {
			kname = knownhosts_name(n->hostname, n->port);
			if (knownhosts_add(e->kh, n->known_hosts, kname, key,
			    &cause) != 0) {
				if (asprintf(&msg, "cannot record host key: %s",
				    cause) == -1)
					msg = NULL;
				free(cause);
			} else
				engine_log(e, n->id, "added host key %s for %s "
				    "to %s", fp != NULL ? fp : "", kname,
				    n->known_hosts);
			free(kname);
			break;
		}
		if (asprintf(&msg, "host key not known (%s); use "
		    "--strict-host-keys accept-new to record it",
		    fp != NULL ? fp : "?") == -1)
			msg = NULL;
		break;
	case KH_CHANGED:
	case KH_OTHER:
		if (asprintf(&msg, "HOST KEY CHANGED: %s is not the key "
		    "recorded in %s", fp != NULL ? fp : "?",
		    n->known_hosts) == -1)
			msg = NULL;
		break;
	case KH_ERROR:
		msg = xstrdup("cannot read known_hosts");
		break;
	}
	if (msg == NULL) {
		/* Verified: keep it for clients (phase 4's known_hosts). */
		char	*b64 = NULL;
		const char *type = ssh_key_type_to_char(ssh_key_type(key));

		free(n->hostkey);
		n->hostkey = NULL;
		if (type != NULL &&
		    ssh_pki_export_pubkey_base64(key, &b64) == SSH_OK &&
		    asprintf(&n->hostkey, "%s %s", type, b64) == -1)
			n->hostkey = NULL;
		if (b64 != NULL)
			ssh_string_free_char(b64);
	}
	ssh_key_free(key);
	if (fp != NULL)
		ssh_string_free_char(fp);
	if (msg != NULL) {
		engine_ssh_fail(n, NODE_HOSTKEY_MISMATCH, msg);
		free(msg);
		return (-1);
	}
	return (0);
}

/* Try the agent, then each key; returns 1 when authenticated. */
static int
es_auth(struct enode *n)
{
	char		 buf[4096];
	const char	*path;
	ssh_key		 key;
	int		 rc;

	for (;;) {
		if (n->auth_step == -1) {
			rc = ssh_userauth_agent(n->s, NULL);
			if (rc == SSH_AUTH_AGAIN)
				return (0);
			if (rc == SSH_AUTH_SUCCESS)
				return (1);
			if (!ssh_is_connected(n->s)) {
				es_fail_ssh(n, NODE_UNREACHABLE, "auth");
				return (-1);
			}
			n->auth_step = 0;
			continue;
		}
		path = es_identity(n, n->auth_step, buf, sizeof buf);
		if (path == NULL) {
			engine_ssh_fail(n, NODE_AUTH_FAILED,
			    "Permission denied (publickey)");
			return (-1);
		}
		if ((key = es_key(n->e, path)) == NULL) {
			n->auth_step++;
			continue;
		}
		rc = ssh_userauth_publickey(n->s, NULL, key);
		if (rc == SSH_AUTH_AGAIN)
			return (0);
		if (rc == SSH_AUTH_SUCCESS)
			return (1);
		if (rc == SSH_AUTH_ERROR || !ssh_is_connected(n->s)) {
			es_fail_ssh(n, ssh_is_connected(n->s) ?
			    NODE_AUTH_FAILED : NODE_UNREACHABLE, "auth");
			return (-1);
		}
		n->auth_step++;
	}
}

/* --- the node's service step ------------------------------------------- */

static int
es_session_dead(struct enode *n)
{
	if (n->s == NULL)
		return (1);
	if (!ssh_is_connected(n->s))
		return (1);
	if (ssh_get_status(n->s) & (SSH_CLOSED | SSH_CLOSED_ERROR))
		return (1);
	return (0);
}

/* Advance the node's connect or channel state machines. */
void
engine_ssh_service(struct enode *n)
{
	struct echan	*c, *c1;
	int		 rc;

	switch (n->phase) {
	case EC_HANDSHAKE:
		rc = ssh_connect(n->s);
		if (rc == SSH_AGAIN) {
			if (n->ev == NULL) {
				n->ev = ssh_event_new();
				if (n->ev == NULL ||
				    ssh_event_add_session(n->ev, n->s) !=
				    SSH_OK) {
					es_fail_ssh(n, NODE_UNREACHABLE,
					    "ssh_event");
					return;
				}
			}
			break;
		}
		if (rc != SSH_OK) {
			es_fail_ssh(n, NODE_UNREACHABLE, NULL);
			return;
		}
		if (es_hostkey(n) != 0)
			return;
		n->phase = EC_AUTH;
		n->deadline = engine_now() +
		    (uint64_t)n->e->cfg.connect_timeout_ms;
		n->auth_step = getenv("SSH_AUTH_SOCK") != NULL ? -1 : 0;
		/* FALLTHROUGH */
	case EC_AUTH:
		rc = es_auth(n);
		if (rc < 0)
			return;
		if (rc == 0)
			break;
		n->phase = EC_UP;
		n->last_rx = engine_now();
		n->last_in_packets = n->rcounter.in_packets;
		n->next_keepalive = n->last_rx + (uint64_t)n->e->cfg.keepalive_ms;
		engine_node_became_up(n);
		/* FALLTHROUGH */
	case EC_UP:
		es_lost_kills(n);
		es_kills(n);
		TAILQ_FOREACH_SAFE(c, &n->chans, entry, c1) {
			es_chan_step(c);
			/*
			 * A job that failed to start because the session is
			 * dying is left for engine_node_lost, which requeues
			 * it for the next session when reconnecting.
			 */
			if (c->state == ECH_DEAD && !(c->kind == ECHAN_JOB &&
			    !c->confirmed && es_session_dead(n)))
				es_chan_free(c);
		}
		if (es_session_dead(n)) {
			es_fail_ssh(n, NODE_UNREACHABLE, "connection lost");
			return;
		}
		break;
	default:
		break;
	}
	engine_ssh_update_events(n);
}

/* The node's socket is ready. */
void
engine_ssh_io(struct enode *n, uint32_t events)
{
	if (n->fd < 0)
		return;
	if (n->phase == EC_TCP) {
		es_tcp_done(n);
		return;
	}
	if (n->ev != NULL && ssh_event_dopoll(n->ev, 0) == SSH_ERROR &&
	    es_session_dead(n)) {
		es_fail_ssh(n, NODE_UNREACHABLE, n->phase == EC_UP ?
		    "connection lost" : NULL);
		return;
	}
	engine_ssh_service(n);
}

static int
es_readable(struct enode *n)
{
	struct pollfd	pfd;

	if (n->fd < 0)
		return (0);
	pfd.fd = n->fd;
	pfd.events = POLLIN;
	pfd.revents = 0;
	return (poll(&pfd, 1, 0) == 1 && (pfd.revents & POLLIN));
}

/* Deadlines and keepalives, once per tick. */
void
engine_ssh_tick(struct enode *n, uint64_t now)
{
	struct engine	*e = n->e;
	char		*msg;
	uint64_t	 limit;

	if (n->phase != EC_UP) {
		if (n->deadline != 0 && now >= n->deadline &&
		    n->phase != EC_TCP && n->phase != EC_RESOLVING &&
		    es_readable(n)) {
			/* An answer is waiting: read it before judging. */
			return;
		}
		if (n->deadline != 0 && now >= n->deadline) {
			if (asprintf(&msg, "connect timed out after %d s",
			    (e->cfg.connect_timeout_ms + 999) / 1000) == -1)
				msg = NULL;
			engine_ssh_fail(n, NODE_TIMED_OUT, msg);
			free(msg);
		}
		return;
	}
	if (n->rcounter.in_packets != n->last_in_packets) {
		n->last_in_packets = n->rcounter.in_packets;
		n->last_rx = now;
	}
	limit = (uint64_t)e->cfg.keepalive_ms * (uint64_t)e->cfg.keepalive_count;
	if (now - n->last_rx >= limit && es_readable(n)) {
		/* We were the slow one: the answer is waiting unread. */
		n->last_rx = now;
		engine_node_dirty(n);
	}
	if (now - n->last_rx >= limit) {
		if (asprintf(&msg, "no answer to keepalives for %d s",
		    (int)(limit / 1000)) == -1)
			msg = NULL;
		engine_ssh_fail(n, NODE_UNREACHABLE, msg);
		free(msg);
		return;
	}
	if (now >= n->next_keepalive) {
		n->next_keepalive = now + (uint64_t)e->cfg.keepalive_ms;
		if (now - n->last_rx >= (uint64_t)e->cfg.keepalive_ms) {
			/*
			 * The one global-request slot alternates between
			 * collecting the last reply and sending: two calls
			 * send one keepalive whatever state it was in.
			 */
			ssh_send_keepalive(n->s);
			ssh_send_keepalive(n->s);
			engine_ssh_update_events(n);
		}
	}
}

/* Free the node's channels and session; channels end with an error. */
void
engine_ssh_close(struct enode *n)
{
	struct echan	*c;
	char		 item[80];
	int		 len;

	while ((c = TAILQ_FIRST(&n->chans)) != NULL) {
		/*
		 * Lost while it ran: remember its group for the next
		 * session, whenever one comes (the dashboard reconnects by
		 * itself, the server when a client next asks for the node).
		 * At most 64; the watchers see to the rest.
		 */
		if (n->closing != NODE_NEW &&
		    (c->kind == ECHAN_JOB || c->kind == ECHAN_STREAM) &&
		    c->pgid > 1 && c->wpid > 1 && c->exit_status == -1 &&
		    c->exit_signal == NULL && n->nlostk < 64) {
			len = snprintf(item, sizeof item, "%ld:%ld:%s ",
			    c->pgid, c->wpid, c->token);
			strbuf_addn(&n->lostk, item, (size_t)len);
			n->nlostk++;
		}
		if (c->error == NULL)
			c->error = xstrdup(n->closing_why != NULL ?
			    n->closing_why : "connection closed");
		es_chan_free(c);
	}
	if (n->fd >= 0 && n->ep_events != 0)
		epoll_ctl(n->e->epfd, EPOLL_CTL_DEL, n->fd, NULL);
	n->ep_events = 0;
	if (n->ev != NULL) {
		if (n->s != NULL)
			ssh_event_remove_session(n->ev, n->s);
		ssh_event_free(n->ev);
		n->ev = NULL;
	}
	if (n->s != NULL) {
		if (ssh_is_connected(n->s))
			ssh_disconnect(n->s);
		ssh_free(n->s);
		n->s = NULL;
	}
	if (n->fd >= 0) {
		close(n->fd);
		n->fd = -1;
	}
	n->deadline = 0;
}
