/*
 * gather.h -- group hosts whose command results are identical.
 *
 * A struct gather holds one result per host: a state label, an exit
 * status, a signal name and the exact stdout and stderr bytes (8-bit
 * clean, explicit lengths). Hosts with the same (state, status, signal,
 * stdout, stderr) form a group; groups are ordered largest first, then by
 * the natural order of their first host, and each carries its host list
 * folded nodeset-style.
 *
 * Content is interned: it is cut into segments (a line, or 4 KiB of a
 * longer line) and every distinct segment and every distinct sequence of
 * segments is stored once, so memory grows with the distinct output, not
 * with hosts x output. Memory is only given back by gather_free(): use one
 * struct gather per command round.
 *
 * Live use: results may change at any time. Either stream output with
 * gather_append() and finish with gather_set_state(), or replace a host's
 * whole result with gather_set() (for example "running" -> finished).
 * Grouping is recomputed lazily by the next gather_ngroups() call after a
 * change; pointers from gather_group() stay valid until then.
 *
 * Pure: no I/O except gather_print() writing to the FILE it is given.
 */
#ifndef CT_GATHER_H
#define CT_GATHER_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define GATHER_STDOUT		1
#define GATHER_STDERR		2

struct gather;

struct gather_group {
	const char		*hosts;		/* folded, e.g. node[01-03,07] */
	size_t			 nhosts;
	const char *const	*names;		/* the hosts, natural order */
	const char		*state;		/* NULL: finished normally */
	int			 status;	/* exit status; -1 unknown */
	const char		*sig;		/* signal name, or NULL */
	const char		*out;		/* stdout; NUL after outlen */
	size_t			 outlen;
	const char		*err;		/* stderr; NUL after errlen */
	size_t			 errlen;
	int			 flags;
#define GATHER_OUT_TRUNCATED	0x1		/* stdout hit the limit */
#define GATHER_ERR_TRUNCATED	0x2		/* stderr hit the limit */
};

struct gather_stats {
	size_t		hosts;
	size_t		segments;	/* distinct segments stored */
	size_t		segment_bytes;	/* their bytes */
	size_t		sequences;	/* distinct segment sequences */
};

/* Create an empty gather. */
struct gather	*gather_create(void);
/* Free a gather and everything it returned. NULL is allowed. */
void		 gather_free(struct gather *);

/*
 * Set (or replace) HOST's whole result. STATE is a short label such as
 * "running", "unreachable", "timed-out", "auth-failed",
 * "host-key-mismatch", "cancelled" (NULL or "ok": finished normally);
 * STATUS is the exit code, or -1 when unknown; SIG a signal name or NULL.
 */
void		 gather_set(struct gather *, const char *host,
		     const char *state, int status, const char *sig,
		     const void *out, size_t outlen, const void *err,
		     size_t errlen);
/* Change HOST's state, status and signal, keeping its output. */
void		 gather_set_state(struct gather *, const char *host,
		     const char *state, int status, const char *sig);
/*
 * Append LEN bytes to HOST's GATHER_STDOUT or GATHER_STDERR stream. A new
 * host starts with state NULL and status -1.
 */
void		 gather_append(struct gather *, const char *host, int stream,
		     const void *, size_t);
/*
 * Append one complete line (LEN bytes ending with its only '\n') to the
 * stream of the host named HOST[0..HOSTLEN): the same as gather_append,
 * but faster, for readers that have already split their input into lines.
 */
void		 gather_append_line(struct gather *, const char *host,
		     size_t hostlen, int stream, const void *line, size_t len);
/* Forget HOST's result. */
void		 gather_remove(struct gather *, const char *host);
/*
 * Keep at most BYTES of each stream of each host (0: no limit, the
 * default); later bytes are dropped and the group is flagged truncated.
 */
void		 gather_set_limit(struct gather *, size_t bytes);

/* Return the number of hosts with a result. */
size_t		 gather_nhosts(struct gather *);
/* Return the number of groups, recomputing them if anything changed. */
size_t		 gather_ngroups(struct gather *);
/* Return group I in sorted order (largest first), or NULL. */
const struct gather_group *gather_group(struct gather *, size_t);
/* Return the index of the group holding HOST, or -1. */
int		 gather_host_group(struct gather *, const char *host);
/* Return a number that changes whenever any result changes. */
uint64_t	 gather_generation(const struct gather *);
/* Fill in memory statistics (for tests and the TUI's status line). */
void		 gather_stats(const struct gather *, struct gather_stats *);

/*
 * Print the groups as blocks. Flags:
 *  0			clustertop's blocks: 16 dashes, the folded hosts,
 *			" (N)" when N > 1, then two spaces and the state,
 *			"exit N" or "signal S" when not a plain success,
 *			16 dashes, stdout, then "--- stderr ---" and stderr.
 *  GATHER_PRINT_DSHBAK	exactly dshbak -c: stdout only, dshbak's header
 *			folding and block order (made deterministic).
 *  GATHER_PRINT_PERHOST one block per host, as dshbak without -c.
 *  GATHER_PRINT_NOSTDERR leave stderr out of clustertop's blocks.
 */
#define GATHER_PRINT_DSHBAK	0x1
#define GATHER_PRINT_PERHOST	0x2
#define GATHER_PRINT_NOSTDERR	0x4
void		 gather_print(struct gather *, FILE *, int flags);

#endif
