/*
 * engine-int.h -- the engine's private structures, shared by engine.c
 * (requests, scheduling, jobs, events) and engine-ssh.c (libssh glue).
 *
 * Ownership: the engine owns its nodes (never freed before engine_free),
 * jobs (until engine_job_release), streams and shells (until stopped or
 * closed). A node owns its session and channels. A channel points back to
 * the job node, stream or shell it serves; when either side goes, the
 * pointer is cleared, so neither outlives the other's knowledge.
 *
 * Rule: libssh is only ever called from engine-ssh.c, and only outside
 * libssh's own callbacks. Requests from the client mark nodes dirty; the
 * loop services dirty nodes after it has polled.
 */
#ifndef CT_ENGINE_INT_H
#define CT_ENGINE_INT_H

#include <sys/queue.h>
#include <sys/socket.h>

#include <libssh/libssh.h>
#include <libssh/callbacks.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "util.h"

#ifndef TAILQ_FOREACH_SAFE
#define TAILQ_FOREACH_SAFE(var, head, field, tvar)			\
	for ((var) = TAILQ_FIRST(head);					\
	    (var) != NULL && ((tvar) = TAILQ_NEXT(var, field), 1);	\
	    (var) = (tvar))
#endif

struct knownhosts;
struct audit;

#define ENGINE_MAX_CHANNELS	10	/* OpenSSH MaxSessions default */
#define ENGINE_MAX_JOB_CHANNELS	6	/* job channels per node */
#define ENGINE_TICK_MS		100	/* housekeeping period */
#define ENGINE_KILL_GRACE_MS	10000	/* wait for a killed job's channel */
#define ENGINE_STREAM_RESTART_MS 5000	/* a stream whose command ended */
#define ENGINE_RECONNECT_MIN_MS	500
#define ENGINE_RECONNECT_MAX_MS	60000

/* An fd tag for epoll: what the ready fd belongs to. */
enum etag_kind { ETAG_NODE, ETAG_WATCH, ETAG_RESOLVER };
struct etag {
	enum etag_kind	 kind;
	void		*ptr;
};

/* Unacknowledged bulk input per channel to an OpenSSH server (es_chan_set_cap). */
#define ENGINE_INFLIGHT_CAP	(256 * 1024)

enum echan_kind { ECHAN_JOB, ECHAN_KILL, ECHAN_STREAM, ECHAN_SHELL };
enum echan_state {
	ECH_NEW = 0,		/* created, nothing sent */
	ECH_OPENING,		/* channel open in flight */
	ECH_PTY,		/* pty-req in flight */
	ECH_START,		/* exec or shell request in flight */
	ECH_RUNNING,
	ECH_DEAD		/* closed by the remote or failed: free me */
};

/* One SSH channel on a node's session. */
struct echan {
	enum echan_kind	 kind;
	enum echan_state state;
	struct enode	*node;
	ssh_channel	 ch;
	struct ssh_channel_callbacks_struct cb;

	char		*command;	/* exec string (wrapped), owned */
	char		 token[17];	/* pgid marker token (hex) */
	long		 pgid;		/* remote process group, 0 unknown */
	long		 wpid;		/* its watcher's pid, 0 unknown */
	struct strbuf	 pre;		/* stderr before the marker was seen */
	int		 marker;	/* 0 looking, 1 found, -1 gave up */

	const char	*in;		/* stdin source, borrowed */
	size_t		 inlen, inoff;
	uint32_t	 win_max;	/* largest remote window seen */
	uint32_t	 inflight_cap;	/* unacknowledged bytes at most; 0 none */
	int		 want_eof;	/* send EOF once input is written */
	int		 eof_sent;
	int		 want_close;	/* close from our side (stop/close) */
	int		 close_sent;
	int		 kill_wanted;	/* kill the remote process group */
	int		 ended;		/* engine_chan_ended() was called */
	int		 exec_sent;	/* the command may have started */
	int		 confirmed;	/* exec or shell request succeeded */

	int		 got_eof, got_close;
	int		 exit_status;	/* -1 none */
	char		*exit_signal;	/* owned */
	char		*error;		/* why it died, owned */

	struct ejobnode	*jn;		/* ECHAN_JOB */
	struct estream	*st;		/* ECHAN_STREAM */
	struct eshell	*sh;		/* ECHAN_SHELL */
	struct echan	*killer;	/* the kill channel aimed at this one */

	TAILQ_ENTRY(echan) entry;
};
TAILQ_HEAD(echan_list, echan);

enum econnect {
	EC_IDLE = 0,		/* nothing in progress */
	EC_QUEUED,		/* waiting for a connect slot */
	EC_RESOLVING,		/* the resolver thread has it */
	EC_TCP,			/* non-blocking connect() in flight */
	EC_HANDSHAKE,		/* ssh_connect */
	EC_AUTH,		/* agent, then keys */
	EC_UP
};

/* One node: its name, its session, its channels. */
struct enode {
	struct engine	*e;
	int		 id;
	char		*name;
	char		*addr;		/* Slurm NodeAddr, or NULL */
	enum node_state	 state;
	char		*error;		/* last failure, owned; NULL when none */
	enum econnect	 phase;
	int		 was_up;	/* ever reached NODE_UP this attempt */
	unsigned int	 gen;		/* connect attempt, for stale replies */
	int		 reconnect_wanted; /* engine_reconnect from a callback */
	enum node_state	 closing;	/* while engine_node_lost closes */
	const char	*closing_why;

	/* from the ssh config, filled when a connect starts */
	char		*hostname;
	int		 port;
	char		*known_hosts;	/* user known_hosts file */
	char		*global_known_hosts;
	char		*identity;	/* config IdentityFile, or NULL */
	char		*hostkey;	/* "type base64" verified at the last connect */

	ssh_session	 s;
	ssh_event	 ev;
	int		 fd;		/* our socket, -1 none */
	struct etag	 tag;
	uint32_t	 ep_events;	/* registered epoll events, 0 none */
	struct sockaddr_storage *addrs;	/* resolved addresses */
	size_t		 naddrs, addri;
	int		 auth_step;	/* -1 agent, 0.. keys */
	int		 agent_failed;
	struct ssh_counter_struct rcounter;
	struct ssh_counter_struct scounter;
	struct ssh_callbacks_struct scb;

	uint64_t	 deadline;	/* connect deadline, 0 none */
	uint64_t	 retry_at;	/* reconnect time, 0 none */
	int		 backoff_ms;
	uint64_t	 last_rx;	/* when rcounter.in_packets last moved */
	uint64_t	 last_in_packets;
	uint64_t	 next_keepalive;

	struct echan_list chans;
	int		 nchans;	/* channels not yet freed */
	int		 njobchans;

	/*
	 * Process groups of commands whose session was lost while they
	 * ran: killed through the next session (their watcher does it by
	 * itself once that sshd process is gone; this is for the sshd that
	 * never heard of the loss). "PGID:WPID:TOKEN " each.
	 */
	struct strbuf	 lostk;
	int		 nlostk;

	int		 dirty;
	TAILQ_ENTRY(enode) dirty_entry;
	TAILQ_ENTRY(enode) queue_entry;	/* connect queue */
};
TAILQ_HEAD(enode_list, enode);

enum ejn_state { JN_WAIT, JN_RUNNING, JN_KILLING, JN_ENDED };

/* One node of a job. */
struct ejobnode {
	struct ejob	*job;
	int		 node;
	enum ejn_state	 st;
	struct engine_job_result r;
	struct strbuf	 out, err;
	char		*error;
	char		*exit_signal;
	struct echan	*chan;
	uint64_t	 deadline;	/* command deadline, 0 none */
	uint64_t	 wait_until;	/* give up waiting for the node, 0 none */
	uint64_t	 kill_until;	/* stop waiting for a killed channel */
	enum job_node_state kill_state;	/* TIMED_OUT or CANCELLED */
};

/* A job: one command on many nodes. */
struct ejob {
	struct engine	*engine;
	uint32_t	 id;
	char		*command;
	char		*label;
	int		 client_pid;	/* audit: the server's client, 0 none */
	char		*client_tty;
	const void	*in;
	size_t		 inlen;
	int		 timeout_ms;
	int		 fanout;
	int		 stream_output;
	struct ejobnode	*jn;
	size_t		 n;
	int		*index;		/* node id -> jn index, -1 */
	size_t		 nindex;
	size_t		 nrunning;
	size_t		 nended;
	size_t		 cursor;	/* first jn that may still wait */
	int		 cancelled;
	int		 released;	/* free once finished */
	int		 done_sent;
	struct timespec	 start;
	TAILQ_ENTRY(ejob) entry;
};
TAILQ_HEAD(ejob_list, ejob);

/* A stream: a long-lived command per node, line by line. */
struct estream {
	uint32_t	 id;
	int		 node;
	char		*command;
	struct echan	*chan;
	struct strbuf	 line;
	uint64_t	 restart_at;
	int		 stopped;	/* reap me once the channel is gone */
	TAILQ_ENTRY(estream) entry;
};
TAILQ_HEAD(estream_list, estream);

/* A shell: an interactive PTY. */
struct eshell {
	uint32_t	 id;
	int		 node;
	char		*term;
	int		 cols, rows;
	int		 resize;	/* 1: a resize waits to be sent */
	struct strbuf	 wbuf;		/* bytes queued by the client */
	struct echan	*chan;
	int		 started;	/* a channel was opened once */
	int		 closed;	/* SHELL_CLOSED sent: reap me */
	TAILQ_ENTRY(eshell) entry;
};
TAILQ_HEAD(eshell_list, eshell);

/* Another fd watched by the loop. */
struct ewatch {
	int		 fd;
	engine_fd_cb	 cb;
	void		*arg;
	struct etag	 tag;
	int		 dead;
	TAILQ_ENTRY(ewatch) entry;
};
TAILQ_HEAD(ewatch_list, ewatch);

/* An identity loaded once, shared by every session. */
struct ekey {
	char		*path;
	ssh_key		 key;		/* NULL: could not be loaded */
};

struct eresolver;

struct engine {
	struct engine_config cfg;	/* strings owned */
	int		 epfd;
	engine_event_cb	 cb;
	void		*cbarg;
	int		 in_cb;

	struct enode	**nodes;
	size_t		 nnodes, nodes_size;

	struct ejob_list jobs;
	struct estream_list streams;
	struct eshell_list shells;
	struct ewatch_list watches;
	uint32_t	 next_id;

	struct enode_list dirty;
	struct enode_list queue;	/* nodes waiting for a connect slot */
	int		 nconnecting;
	int		 sched;		/* 1: jobs may be able to start */

	uint64_t	 next_tick;
	uint64_t	 next_reap;	/* engine_reap at most once a tick */
	int		 reap_now;	/* a job was released: reap this turn */
	struct knownhosts *kh;
	struct audit	*audit;
	char		*audit_warning;	/* audit log could not be opened */
	struct ekey	*keys;
	size_t		 nkeys;
	char		*sshdir;
	struct eresolver *resolver;
	struct etag	 rtag;
};

/* engine.c: called by engine-ssh.c */
uint64_t	 engine_now(void);
void		 engine_emit(struct engine *, const struct engine_event *);
void		 engine_log(struct engine *, int, const char *, ...)
		     __attribute__((format(printf, 3, 4)));
void		 engine_node_set_state(struct enode *, enum node_state,
		     const char *);
void		 engine_node_dirty(struct enode *);
void		 engine_chan_data(struct echan *, int, const char *, size_t);
void		 engine_chan_ended(struct echan *);
void		 engine_node_became_up(struct enode *);
void		 engine_node_lost(struct enode *, enum node_state, const char *);

struct enode	*engine_node(const struct engine *, int);
int		 engine_state_is_failure(enum node_state);

/* engine-job.c */
void		 engine_job_free(struct ejob *);
void		 engine_jn_end(struct ejobnode *, enum job_node_state,
		     enum node_state, const char *);
void		 engine_jn_kill(struct ejobnode *, enum job_node_state);
int		 engine_job_audit(struct engine *, struct ejob *, int);
void		 engine_schedule_job(struct engine *, struct ejob *, uint64_t);
char		*engine_wrap_command(const char *, const char *);
void		 engine_new_token(char *);

/* engine-ssh.c */
int		 engine_ssh_init(struct engine *, char **);
void		 engine_ssh_free(struct engine *);
void		 engine_ssh_start(struct enode *);
void		 engine_ssh_io(struct enode *, uint32_t);
void		 engine_ssh_service(struct enode *);
void		 engine_ssh_close(struct enode *);
void		 engine_ssh_tick(struct enode *, uint64_t);
void		 engine_ssh_resolved(struct engine *);
struct echan	*engine_ssh_chan_new(struct enode *, enum echan_kind,
		     const char *);
void		 engine_ssh_chan_kill(struct echan *);
void		 engine_ssh_chan_close(struct echan *);
void		 engine_ssh_update_events(struct enode *);


#endif
