/*
 * console.h -- the command console's model (the `:` key of the dashboard).
 *
 * One command at a time runs on a set of nodes; every node's result is
 * kept in a struct gather (gather.h), so that identical results form one
 * block, live, the way `dshbak -c` groups them, and the exit status is
 * part of what makes a block. Nodes still running, unreachable, timed out
 * or cancelled have a state label and so form blocks of their own.
 *
 * Besides the results the console keeps: the target of the next command
 * (the selection, or every node), the history of commands, the display
 * rows the pane draws (rebuilt when a result changes), a line diff of one
 * block against the largest, and the escaping that keeps bytes from the
 * nodes from ever reaching the administrator's terminal as control
 * sequences.
 *
 * Pure: tui.c feeds it (names, engine results, the clock) and
 * ui/pane-console.c reads it. The only I/O is writing to a FILE it is
 * given (console_save).
 */
#ifndef CT_CONSOLE_H
#define CT_CONSOLE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "engine.h"
#include "gather.h"

#define CONSOLE_HISTORY_MAX	500
#define CONSOLE_DIFF_CONTEXT	3	/* equal lines kept around a change */

enum console_phase {
	CONSOLE_IDLE = 0,	/* no command yet */
	CONSOLE_RUNNING,
	CONSOLE_DONE		/* every node ended (or the job was cancelled) */
};

enum console_row_kind {
	CONSOLE_ROW_HEADER = 0,	/* the block's nodes and state */
	CONSOLE_ROW_OUT,	/* a line of stdout */
	CONSOLE_ROW_ERRMARK,	/* "--- stderr ---" */
	CONSOLE_ROW_ERR,	/* a line of stderr */
	CONSOLE_ROW_NOTE,	/* "(no output)", "[truncated]" */
	CONSOLE_ROW_BLANK	/* between blocks */
};

/* One line of the results as drawn; TEXT points into the gather. */
struct console_row {
	enum console_row_kind kind;
	size_t		 block;
	const char	*text;		/* not NUL-terminated; LEN bytes */
	size_t		 len;
};

/* One line of a diff: ' ' in both, '-' only in the largest block, '+'
 * only in this one, '~' SKIPPED equal lines left out. */
struct console_diff_line {
	char		 op;
	const char	*text;
	size_t		 len;
	size_t		 skipped;
};

struct hostlist;

struct console {
	/* The target of the next command. */
	struct hostlist	*next;
	char		*next_fold;	/* folded, malloc'd */
	int		 next_all;	/* 1: nothing selected, every node */

	/* The current (or last) command. */
	char		*command;
	struct hostlist	*run;		/* the nodes it runs on */
	char		*run_fold;
	unsigned char	*ended;		/* per node of RUN: 1 once final */
	size_t		 nended;
	struct gather	*g;
	enum console_phase phase;
	int		 cancelled;	/* ^C was pressed */
	int		 timeout_ms;	/* the command's -u; 0 none */
	int		 via;		/* 1: run as a Slurm step (--via slurm) */
	uint64_t	 start_ms, end_ms;	/* monotonic */
	time_t		 started;	/* wall clock, for the saved file */

	/* History, oldest first; HPOS == NHIST is the line being typed. */
	char		**hist;
	size_t		 nhist;
	size_t		 hpos;
	char		*hsaved;	/* the typed line while browsing */

	/* Display rows, rebuilt when the gather's generation moves. */
	struct console_row *rows;
	size_t		 nrows, rowsize;
	size_t		*block_row;	/* first row (the header) of each block */
	size_t		 nblocks;
	uint64_t	 rows_gen;
	int		 rows_valid;

	/* The diff of one block against block 0, cached likewise. */
	struct console_diff_line *diff;
	size_t		 ndiff;
	char		*diff_a, *diff_b;	/* the texts its lines point into */
	size_t		 diff_block;
	uint64_t	 diff_gen;
	int		 diff_valid;
	int		 diff_approx;	/* 1: too large to diff line by line */
};

struct console	*console_create(void);
void		 console_free(struct console *);

/*
 * The nodes the next command will run on: NAMES, or every node of ALL
 * when N is 0 (then next_all is 1). Returns the number of nodes.
 */
size_t		 console_set_target(struct console *, const char *const *names,
		     size_t n, const char *const *all, size_t nall);
size_t		 console_ntarget(const struct console *);

/*
 * Start COMMAND on the target: every node is "running" until its result
 * arrives. Returns 0, or -1 when there is no node or no command.
 */
int		 console_begin(struct console *, const char *command,
		     uint64_t now_ms, time_t now);
/* Output as it arrives (STREAM: GATHER_STDOUT or GATHER_STDERR). */
void		 console_output(struct console *, const char *name,
		     int stream, const char *data, size_t len);
/* A node's final result (replaces what streamed in). */
void		 console_node_done(struct console *, const char *name,
		     const struct engine_job_result *);
/* The job is over (every node ended). */
void		 console_finish(struct console *, uint64_t now_ms);
/* 1 while a command runs. */
int		 console_running(const struct console *);
/* Nodes of the current command, ended ones, and total. */
size_t		 console_nrun(const struct console *);
/* The state label of a result, as blocks show it (NULL: exited). */
const char	*console_state_label(const struct engine_job_result *);

/* --- blocks and rows ------------------------------------------------------ */

size_t		 console_nblocks(struct console *);
const struct gather_group *console_block(struct console *, size_t);
/* The display rows (rebuilt if needed); *N gets their number. */
const struct console_row *console_rows(struct console *, size_t *n);
/* The first row of block B. */
size_t		 console_block_first_row(struct console *, size_t b);
/* "exit 0", "exit 3", "signal KILL", "running", "unreachable", ... */
void		 console_block_status(const struct gather_group *, char *,
		     size_t);
/* Block B as text to copy: its header line, stdout, stderr; malloc'd. */
char		*console_block_text(struct console *, size_t b, size_t *len);
/* The names of block B's nodes (borrowed, natural order). */
const char *const *console_block_names(struct console *, size_t b,
		     size_t *n);

/*
 * The diff of block B against block 0, line by line (stdout, then a
 * "--- stderr ---" line and stderr). Equal runs longer than twice the
 * context are cut to '~' lines. Returns NULL for block 0 or no block.
 */
const struct console_diff_line *console_diff(struct console *, size_t b,
		     size_t *n);
/* The line diff itself, on any two texts (for the unit tests); malloc'd. */
struct console_diff_line *console_diff_text(const char *a, size_t alen,
		     const char *b, size_t blen, size_t context, size_t *n,
		     int *approx);

/* Every node's full result, one block per node, natural order. */
int		 console_save(struct console *, FILE *);

/*
 * TEXT (at most CONSOLE_OSC52_MAX bytes of it) as the OSC 52 sequence
 * that puts it on the terminal's clipboard; malloc'd.
 */
#define CONSOLE_OSC52_MAX	(74 * 1024)	/* ~100 KB encoded: what tmux and xterm take */
char		*console_osc52(const char *text, size_t len);

/* --- history --------------------------------------------------------------- */

/* Add a command (empty ones and repeats of the last are not kept). */
void		 console_history_add(struct console *, const char *);
/* Start browsing anew (when the prompt opens). */
void		 console_history_reset(struct console *);
/*
 * Step through the history: DIR -1 older, +1 newer. CURRENT is the text
 * in the prompt, kept when leaving the line being typed. Returns the text
 * to show, or NULL when there is nothing further that way.
 */
const char	*console_history_step(struct console *, int dir,
		     const char *current);

/* --- escaping -------------------------------------------------------------- */

/*
 * Make LEN bytes of node output safe to draw: control characters become
 * caret notation (ESC is "^[", BEL "^G", DEL "^?"), C1 controls,
 * invisible format characters (bidi overrides) and other unprintable
 * code points "\u009b", bytes that are not UTF-8 (or any byte >= 0x80
 * when UTF8 is 0) "\xff", tabs blanks to the next multiple of 8. The
 * first SKIP columns are left out (horizontal scrolling) and at most
 * MAXCOLS columns written to OUT (NUL-terminated; OUTSIZE should be at
 * least 8 * MAXCOLS + 16). *CUT is set to 1 when the text went on past
 * MAXCOLS. Returns the columns written.
 */
int		 console_escape(const char *in, size_t len, int utf8,
		     size_t skip, int maxcols, char *out, size_t outsize,
		     int *cut);
/*
 * Wrapping: the next screen line of IN, from byte *POS (at column *COL of
 * the whole line, for tabs), escaped as console_escape does, at most
 * MAXCOLS columns; *POS and *COL move past it. Returns the columns
 * written (0 when *POS is at the end).
 */
int		 console_escape_wrap(const char *in, size_t len, int utf8,
		     size_t *pos, size_t *col, int maxcols, char *out,
		     size_t outsize);
/* The screen lines IN takes when wrapped at MAXCOLS (at least 1). */
size_t		 console_wrap_lines(const char *in, size_t len, int utf8,
		     int maxcols);

/*
 * What was typed at the prompt: "-u SECONDS COMMAND" gives that command a
 * timeout (*TIMEOUT_MS; "-u 0" none), anything else is the command with
 * *TIMEOUT_MS -1 (the default: clustertop's own -u). *COMMAND points into
 * LINE. Returns 0, or -1 with *CAUSE (malloc'd) for a bad -u.
 */
/*
 * A leading "--via slurm" or "--via ssh" on a console line: *VIA is 1
 * (slurm) or 0 and *REST the text after it; without one, *VIA is -1 and
 * *REST the line. -1 with *cause for another --via word.
 */
int		 console_parse_via(const char *line, int *via, const char **rest,
		     char **cause);
int		 console_parse_line(const char *line, int *timeout_ms,
		     const char **command, char **cause);

#endif
