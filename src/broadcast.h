/*
 * broadcast.h -- the broadcast typing session: which nodes get the keys,
 * one terminal (term.h) and one remote shell per node, their life and
 * death, pastes waiting for a yes, and the grouping of identical screens.
 *
 * Pure model: it never calls the engine. The glue (src/tui-bcast.c)
 * reads what the model wants (a shell opened, bytes sent, every PTY
 * resized) and feeds it the engine's events; ui/pane-broadcast.c draws it
 * and hands it keys. Unit-tested in tests/unit/test-broadcast.c.
 */
#ifndef CT_BROADCAST_H
#define CT_BROADCAST_H

#include <stddef.h>
#include <stdint.h>

#include "term.h"

enum bc_view {
	BC_VIEW_FULL = 0,	/* one node's whole terminal */
	BC_VIEW_TILES,		/* a grid of small terminals */
	BC_VIEW_GROUPS,		/* identical screens folded together */
	BC_NVIEWS
};
/*
 * Tiles of more than this many nodes make no sense (a page of 16 of a
 * thousand): above it the broadcast opens in the grouped view and the
 * tiles view is not offered.
 */
enum {
	BC_TILES_MAX = 64
};

enum bc_state {
	BC_WAITING = 0,		/* no shell yet: the node is not up */
	BC_LIVE,		/* a shell is open */
	BC_DEAD			/* the shell or the node went away */
};

struct bc_node {
	size_t		 idx;		/* the cluster's node index */
	int		 node;		/* the engine's node id */
	char		*name;		/* owned */
	struct term	*term;
	uint32_t	 shell;		/* 0: none */
	enum bc_state	 st;
	int		 out;		/* 1: taken out of the broadcast */
	int		 want_open;	/* 1: open a shell once the node is up */
	int		 nshells;	/* shells opened so far */
	int		 lost;		/* the node went down since the last shell */
	char		 why[96];	/* BC_DEAD: the reason */
};

/* One key as typed: a special key for the terminals to encode, or a byte. */
struct bc_key {
	enum term_key	 key;		/* TERM_KEY_NONE: BYTE */
	int		 mod;
	unsigned char	 byte;
	int		 paste;		/* 1: inside a bracketed paste */
};

/* Nodes with the same screen. */
struct bc_group {
	size_t		*members;	/* indices into nodes[] */
	size_t		 n;
	char		*label;		/* folded names, owned */
	uint64_t	 hash;
};

struct broadcast {
	struct bc_node	*nodes;
	size_t		 n;
	size_t		*byidx;		/* cluster index -> position + 1 */
	size_t		 nbyidx;
	int		 rows, cols;	/* every terminal's size */
	int		 resized;	/* 1: the PTYs must follow */

	enum bc_view	 view;
	size_t		 cur;		/* the node shown / highlighted */
	size_t		 gcur;		/* the group shown */
	int		 control;	/* 1: after ^], keys are for clustertop */
	int		 quit;		/* 1: close the shells, leave */

	struct bc_key	*pend;		/* keys of this read from the terminal */
	size_t		 npend, pendcap;
	unsigned char	 bp[8];		/* maybe ESC [ 2 0 0 ~ (or 201~) */
	size_t		 nbp;
	int		 in_paste;	/* between ESC [ 200~ and ESC [ 201~ */
	struct bc_key	*held;		/* a paste waiting for y / n */
	size_t		 nheld;
	size_t		 held_lines;

	struct bc_group	*groups;	/* by size, biggest first */
	size_t		 ngroups;
	size_t		 keys_sent;	/* keys delivered (for tests, docs) */
};

/*
 * A session for N nodes: cluster indices IDX, engine ids NODE, NAMES;
 * every terminal ROWS x COLS. NULL when out of memory.
 */
struct broadcast *broadcast_new(const size_t *idx, const int *node,
		     const char *const *names, size_t n, int rows, int cols);
void		 broadcast_free(struct broadcast *);
/* The session's node for cluster index IDX, or NULL. */
struct bc_node	*broadcast_find(struct broadcast *, size_t idx);

/*
 * Keys: add to this read's batch, then end the batch. Bytes are watched
 * for the bracketed paste marks of the user's terminal (ESC [ 200~ and
 * ESC [ 201~): they are not sent, and what is between them reaches each
 * node bracketed if that node's program asked for bracketed paste.
 */
void		 broadcast_key(struct broadcast *, enum term_key, int mod);
void		 broadcast_byte(struct broadcast *, unsigned char);
/*
 * End of one read from the terminal: the batch goes to every target
 * (SENT), unless it holds more than one line (a paste): then it is held
 * (HELD) until a read of one key alone answers: y sends it (PASTE_SENT),
 * any other key drops it (PASTE_DROPPED). A read of several keys while a
 * paste is held is more of that paste (HELD). broadcast_paste() answers
 * directly.
 */
enum bc_input {
	BC_INPUT_NONE = 0,
	BC_INPUT_SENT,
	BC_INPUT_HELD,
	BC_INPUT_PASTE_SENT,
	BC_INPUT_PASTE_DROPPED
};
int		 broadcast_input_end(struct broadcast *);
void		 broadcast_paste(struct broadcast *, int yes);
/* Lines in KEYS (a newline ends one; text after the last makes one). */
size_t		 broadcast_lines(const struct bc_key *, size_t);

/* Engine news, by cluster index. */
void		 broadcast_shell_opened(struct broadcast *, size_t idx,
		     uint32_t shell);
void		 broadcast_data(struct broadcast *, size_t idx, uint32_t shell,
		     const char *, size_t);
void		 broadcast_shell_closed(struct broadcast *, size_t idx,
		     uint32_t shell, const char *why);
void		 broadcast_node_state(struct broadcast *, size_t idx, int up,
		     const char *state);
/* Ask for new shells where they died (the node must be up to get one). */
size_t		 broadcast_restart(struct broadcast *);

/* Every terminal to ROWS x COLS (sets resized). */
void		 broadcast_resize(struct broadcast *, int rows, int cols);

/* Take node I out of the broadcast or put it back; all back. */
void		 broadcast_toggle(struct broadcast *, size_t i);
void		 broadcast_all_in(struct broadcast *);
/* Nodes that get the keys: in, and with a live shell. */
size_t		 broadcast_ntargets(const struct broadcast *);
/* Folded names of the nodes in STATE-ish classes, malloc'd:
 * WHICH 0: targets (in, any state), 1: taken out, 2: dead. */
char		*broadcast_names(const struct broadcast *, int which,
		     size_t *count);

/* Group the nodes by screen (fills groups; cheap when nothing changed). */
void		 broadcast_group(struct broadcast *);
/* Bytes of terminal memory held by the session. */
size_t		 broadcast_mem(const struct broadcast *);

#endif
