/*
 * client.h -- the client side of the resident server (docs/protocol.md,
 * docs/server.md): connect (and check) the socket, the hello, frames in
 * and out, starting a server on demand, and `clustertop exec` through
 * the server.
 */
#ifndef CT_CLIENT_H
#define CT_CLIENT_H

#include <stddef.h>
#include <sys/types.h>

#include "engine.h"
#include "frame.h"

struct cJSON;
struct cliopt;
struct exec_opts;
struct inventory;

enum client_mode {
	CLIENT_SERVER_NEVER = 0,	/* --no-server, CLUSTERTOP_NO_SERVER=1 */
	CLIENT_SERVER_IF_RUNNING,	/* the default: use a running server */
	CLIENT_SERVER_START		/* --server: start one if none runs */
};

struct client {
	int		 fd;
	char		*dir;		/* the checked server directory */
	pid_t		 server_pid;
	struct frame_buf in;
	char		*version;	/* the server's release */
};

/*
 * Connect to the user's server (starting one first with MODE
 * CLIENT_SERVER_START, made with CFG's settings) and say hello. Returns 0
 * with *C; 1 when no server runs (a stale socket of a dead server is
 * removed, and *NOTE says so); -1 with *cause (an unsafe directory, a
 * refused hello, a version mismatch).
 */
int	 client_open(enum client_mode, const struct engine_config *cfg,
	     struct client **c, char **note, char **cause);
void	 client_close(struct client *);
/* Send one frame (blocking); -1 when the server is gone. */
int	 client_send(struct client *, enum frame_type, const void *, size_t);
int	 client_send_json(struct client *, enum frame_type, struct cJSON *);
/*
 * Receive one frame, waiting up to TIMEOUT_MS (-1: no limit). Returns 1
 * with *F (valid until the next call), 0 at EOF, -1 with *cause (bad
 * frame, another protocol version, timeout), -2 when interrupted by a
 * signal.
 */
int	 client_recv(struct client *, struct frame *f, int timeout_ms,
	     char **cause);
/* The JSON object of a JSON frame, or NULL. */
struct cJSON *client_frame_json(const struct frame *);

/*
 * The connection settings a server must have been made with to run a
 * request of CFG (paths made absolute, defaults filled in).
 */
struct cJSON *client_config_json(const struct engine_config *cfg);

/*
 * `clustertop exec` through the server. Returns 0 with *status when the
 * server ran it; 1 when it did not (no server, or its sessions were made
 * with other settings): the caller runs it in-process. KNOWN_ONLY: INV
 * was resolved without Slurm (no addresses), so the server runs it only
 * if it knows every node already, else returns 2: ask again with the
 * full inventory.
 */
int	 client_exec(enum client_mode, const struct engine_config *cfg,
	     const struct exec_opts *, const struct cliopt *,
	     const struct inventory *, int known_only, const char *command,
	     const char *in, size_t inlen, int *status);

/*
 * A subcommand (push, pull, phase, nvme, test, nodes) through the server.
 * Takes --server and --no-server out of ARGV (before any "--"; *ARGC is
 * updated) and reads CLUSTERTOP_NO_SERVER. Returns 0 with *status when
 * the server ran the command (its output is written here, its questions
 * asked on this terminal); 1 when the caller runs it in-process: no
 * server, --no-server, the server declined (other connection settings,
 * or busy with another client's command), or already inside the server.
 */
int	 client_cmd(int *argc, char **argv, int *status);

#endif
