/*
 * engine.h -- the session engine: one event loop, one persistent libssh
 * session per node, and the channels on them.
 *
 * The engine is the only part of clustertop that talks to nodes. Its
 * clients (the TUI in tui.c, the subcommands in cmd-*.c) make requests
 * (connect, run a job, open a stream, open a shell) and receive events
 * through one callback. Nothing in the engine draws or prints: errors are
 * states and strings, handed to the client. This split is what lets the
 * engine later move into a background server that clients attach to.
 *
 * Threading: everything here runs on the caller's thread, inside
 * engine_run_once(). The event callback is called from there too, so a
 * client must not call engine_free() from inside its callback. Data
 * pointers in an event are borrowed for the duration of the callback.
 *
 * Ids: nodes are small integers from engine_add_node() (0, 1, 2, ...) and
 * stay valid for the life of the engine. Jobs, streams and shells get ids
 * that are never reused within one engine.
 */
#ifndef CT_ENGINE_H
#define CT_ENGINE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

struct engine;

/* Connection state of a node. Every change is reported as ENGINE_EV_NODE. */
enum node_state {
	NODE_NEW = 0,		/* added, no connect attempted yet */
	NODE_CONNECTING,	/* TCP connect, key exchange, host key, auth */
	NODE_UP,		/* authenticated session, channels can open */
	NODE_UNREACHABLE,	/* refused, no route, lost (keepalive) */
	NODE_AUTH_FAILED,	/* every key was refused */
	NODE_HOSTKEY_MISMATCH,	/* host key changed, or unknown under "yes" */
	NODE_TIMED_OUT,		/* connect deadline passed */
	NODE_RECONNECTING	/* was up, lost, waiting for the next try */
};

/* "connecting", "up", "unreachable", "auth-failed", "host-key-mismatch", ... */
const char	*node_state_name(enum node_state);

enum hostkey_policy {
	HOSTKEY_STRICT = 0,	/* --strict-host-keys yes: unknown and changed refused */
	HOSTKEY_ACCEPT_NEW	/* unknown recorded in known_hosts; changed refused */
};

struct engine_config {
	const char	*ssh_config;	/* -F FILE; NULL: ~/.ssh/config + /etc/ssh/ssh_config */
	const char	*user;		/* -l USER; NULL: from ssh config, else $USER */
	const char	*known_hosts;	/* NULL: UserKnownHostsFile from config, else ~/.ssh/known_hosts */
	enum hostkey_policy hostkeys;
	int		 connect_timeout_ms;	/* 0: default 10000 */
	int		 command_timeout_ms;	/* default for jobs; 0: none */
	int		 keepalive_ms;		/* 0: default 5000 */
	int		 keepalive_count;	/* 0: default 3 missed => unreachable */
	int		 max_connecting;	/* handshakes in flight at once; 0: default 64 */
	int		 reconnect;		/* 1: reconnect lost nodes (TUI); 0: never (exec) */
	size_t		 output_cap;		/* bytes kept per node per job and stream; 0: 1 MiB */
	const char	*audit_log;		/* NULL: default path, "" or "-": none */
};

/* --- lifetime and nodes ---------------------------------------------------- */

/* Create an engine; returns NULL with *cause (malloc'd) on failure. */
struct engine	*engine_create(const struct engine_config *, char **cause);
/* Close every channel and session and free everything. */
void		 engine_free(struct engine *);

/*
 * Add a node by its name (the name the user and Slurm use, and the key for
 * ~/.ssh/config Host patterns). ADDR, when not NULL, is the address to
 * connect to if the ssh config gives no HostName (Slurm's NodeAddr).
 * Returns the node id.
 */
int		 engine_add_node(struct engine *, const char *name, const char *addr);
size_t		 engine_nnodes(const struct engine *);
const char	*engine_node_name(const struct engine *, int node);
enum node_state	 engine_node_state(const struct engine *, int node);
/* Last error text for the node ("Connection refused", ...), or NULL. */
const char	*engine_node_error(const struct engine *, int node);
/*
 * The host key ("ssh-ed25519 AAAA...") the node's session presented and
 * that was checked against known_hosts at its last connect, or NULL when
 * no connect got that far. Phase 4 writes these to the nodes' known_hosts.
 */
const char	*engine_node_hostkey(const struct engine *, int node);
/* Find a node id by name, or -1. */
int		 engine_find_node(const struct engine *, const char *name);

/* Start connecting NODE (or every node with -1); paced, never blocks. */
void		 engine_connect(struct engine *, int node);
/* Forget a node's session and connect again now (TUI "reconnect"). */
void		 engine_reconnect(struct engine *, int node);
/* Turn cfg.reconnect on or off (the server: on while it hosts a dashboard). */
void		 engine_set_reconnect(struct engine *, int on);

/* --- jobs: one command on many nodes --------------------------------------- */

/* Per-node progress of a job. */
enum job_node_state {
	JOB_NODE_QUEUED = 0,	/* waiting for the node, a channel slot or fanout */
	JOB_NODE_RUNNING,
	JOB_NODE_DONE,		/* the command exited (status or signal below) */
	JOB_NODE_FAILED,	/* never ran: node not up (see node_state) or channel error */
	JOB_NODE_TIMED_OUT,	/* command deadline passed; the remote process was killed */
	JOB_NODE_CANCELLED	/* engine_job_cancel(); the remote process was killed */
};
const char	*job_node_state_name(enum job_node_state);

struct engine_job_spec {
	const char	*command;	/* run by the remote user's shell */
	const int	*nodes;		/* node ids */
	size_t		 nnodes;
	const void	*stdin_data;	/* sent to every node, then EOF; NULL: EOF at once */
	size_t		 stdin_len;	/* the buffer must live until the job ends */
	int		 timeout_ms;	/* <0: none; 0: the engine's command_timeout_ms */
	int		 fanout;	/* nodes running at once; 0: no limit */
	int		 stream_output;	/* 1: ENGINE_EV_JOB_OUTPUT events as data arrives */
	const char	*label;		/* for the audit log ("exec", "push", "phase 3") */
	int		 client_pid;	/* the server's client that asked (audit), 0: none */
	const char	*client_tty;	/* its terminal, or NULL */
};

/* The result of one node in a job; valid until engine_job_release(). */
struct engine_job_result {
	enum job_node_state state;
	enum node_state	 node_state;	/* when FAILED: why */
	int		 exit_status;	/* -1 when none (signal, failed, ...) */
	const char	*exit_signal;	/* "KILL", "TERM", ... or NULL */
	const char	*error;		/* text for FAILED / TIMED_OUT, or NULL */
	const char	*out;		/* stdout, capped at output_cap */
	size_t		 outlen;
	int		 out_truncated;	/* 1: more arrived than the cap kept */
	const char	*err;		/* stderr, capped likewise */
	size_t		 errlen;
	int		 err_truncated;
	int		 lost;		/* FAILED: the session went away while
					   the command ran (keepalives, reset):
					   "connection lost" */
	size_t		 stdin_sent;	/* bytes of stdin_data accepted by the node */
	struct timespec	 start, end;	/* CLOCK_REALTIME; end zero while running */
};

/*
 * Start a job; returns its id (> 0), or 0 with *cause set. Nodes that are
 * not up yet are waited for (up to the connect timeout); nodes that are
 * down fail at once with their state. Commands beyond the per-connection
 * channel budget are queued.
 */
uint32_t	 engine_job_start(struct engine *, const struct engine_job_spec *,
		     char **cause);
/* Cancel: every running remote process is killed, queued ones never start. */
void		 engine_job_cancel(struct engine *, uint32_t job);
/* 1 when every node of the job has ended (done, failed, ...). */
int		 engine_job_finished(const struct engine *, uint32_t job);
const struct engine_job_result *engine_job_result(const struct engine *,
		     uint32_t job, int node);
/* Forget a finished (or cancelled) job and its buffers. */
void		 engine_job_release(struct engine *, uint32_t job);

/* --- streams: one long-lived command per node, delivered line by line ----- */

/*
 * Run COMMAND on NODE for as long as the session lives, and again after
 * every reconnect. Each complete line of its stdout is an
 * ENGINE_EV_STREAM_LINE event (without the newline). Returns a stream id.
 */
uint32_t	 engine_stream_start(struct engine *, int node, const char *command);
void		 engine_stream_stop(struct engine *, uint32_t stream);

/* --- shells: an interactive PTY per node ---------------------------------- */

/* Open a login shell with a PTY of COLS x ROWS; returns a shell id, 0 on error. */
uint32_t	 engine_shell_open(struct engine *, int node, const char *term,
		     int cols, int rows);
/* Queue bytes for the shell (flow-controlled; never blocks). */
void		 engine_shell_write(struct engine *, uint32_t shell, const void *,
		     size_t);
void		 engine_shell_resize(struct engine *, uint32_t shell, int cols,
		     int rows);
void		 engine_shell_close(struct engine *, uint32_t shell);

/* --- events ----------------------------------------------------------------- */

enum engine_event_type {
	ENGINE_EV_NODE,		/* node changed state: node, state, text */
	ENGINE_EV_JOB_OUTPUT,	/* job, node, stream (1 out, 2 err), data, len */
	ENGINE_EV_JOB_NODE_DONE, /* job, node: its result is final */
	ENGINE_EV_JOB_DONE,	/* job: every node has ended */
	ENGINE_EV_STREAM_LINE,	/* id (stream), node, data, len */
	ENGINE_EV_SHELL_DATA,	/* id (shell), node, data, len */
	ENGINE_EV_SHELL_CLOSED,	/* id (shell), node, text (why) */
	ENGINE_EV_LOG		/* node (or -1), text: a diagnostic for the log pane */
};

struct engine_event {
	enum engine_event_type type;
	int		 node;		/* -1 when not about one node */
	uint32_t	 id;		/* job, stream or shell id */
	enum node_state	 state;		/* ENGINE_EV_NODE */
	int		 stream;	/* 1 stdout, 2 stderr */
	const char	*data;		/* borrowed */
	size_t		 len;
	const char	*text;		/* borrowed, may be NULL */
};

typedef void	(*engine_event_cb)(const struct engine_event *, void *);
void		 engine_set_callback(struct engine *, engine_event_cb, void *);
/* Change the output cap (bytes per node, job and stream; 0: 1 MiB); returns the old one. */
size_t		 engine_set_output_cap(struct engine *, size_t);

/* --- the loop ---------------------------------------------------------------- */

/*
 * Wait up to TIMEOUT_MS for I/O or deadlines, then handle everything ready
 * and fire events. Returns 0, or -1 on a fatal internal error (epoll).
 */
int		 engine_run_once(struct engine *, int timeout_ms);
/* Watch another fd (the terminal, a helper's pipe) in the same loop. */
typedef void	(*engine_fd_cb)(int fd, void *);
int		 engine_watch_fd(struct engine *, int fd, engine_fd_cb, void *);
void		 engine_unwatch_fd(struct engine *, int fd);
/* 1 while any node is connecting or any job is unfinished. */
int		 engine_busy(const struct engine *);
/*
 * Drive E from the calling thread from now on (an engine per worker
 * thread, `clustertop push`): libssh keeps its log settings per thread.
 * An engine and its sessions must only ever be used by one thread.
 */
void		 engine_attach_thread(struct engine *);

#endif
