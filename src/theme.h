/*
 * theme.h -- colour themes: semantic roles and thresholds, read from
 * themes/NAME.theme into a plain struct.
 *
 * A theme file is lines of `role = FG BG [ATTR...]`, `background = COLOUR`
 * and `threshold-METRIC = WARN CRIT`; `#` starts a comment. A colour is a
 * name (black red green yellow blue magenta cyan white, bright-*; grey
 * and gray are bright-black), a number 0-255 from the 256-colour palette,
 * `#rrggbb` (mapped to the nearest palette entry), or `default`. An
 * attribute is bold, dim, underline, reverse, italic, standout or none.
 * A role's BG of `default` means the theme's `background` (itself
 * `default`, the terminal's own, unless set).
 *
 * This file does the file I/O; ui/ui-theme.c turns the struct into curses
 * colour pairs and is the only place that knows about COLOR_*.
 */
#ifndef CT_THEME_H
#define CT_THEME_H

#include <stddef.h>

/* Roles, in the order of theme_role_names[]. */
enum theme_role {
	THEME_DEFAULT = 0,	/* plain text on the screen background */
	THEME_TITLE,		/* program and cluster name */
	THEME_HEADER,		/* the header lines */
	THEME_LABEL,		/* "load", "mem" ... in the header */
	THEME_VALUE,		/* numbers in the header */
	THEME_COLUMN,		/* table column titles */
	THEME_COLUMN_SORT,	/* the title of the sort column */
	THEME_ROW_ALT,		/* every other table row */
	THEME_CURSOR,		/* the row under the cursor */
	THEME_MARK,		/* the mark of a selected node */
	THEME_SELECTED,		/* the name of a selected node */
	THEME_DIM,		/* unknown values, greyed rows */
	THEME_OK,		/* a value under its warning threshold */
	THEME_WARN,
	THEME_CRIT,
	THEME_NODE_UP,
	THEME_NODE_CONNECTING,	/* connecting, reconnecting, new */
	THEME_NODE_STALE,	/* up but no sample lately */
	THEME_NODE_DOWN,	/* unreachable, timed out */
	THEME_NODE_AUTH,	/* auth failed, host key mismatch */
	THEME_SLURM_IDLE,
	THEME_SLURM_ALLOC,
	THEME_SLURM_MIXED,
	THEME_SLURM_DRAIN,
	THEME_SLURM_DOWN,
	THEME_SLURM_OTHER,
	THEME_SPARK,		/* sparklines */
	THEME_GRAPH,		/* graphs in the detail view */
	THEME_BAR_FREE,		/* the empty part of a meter */
	THEME_HEAT_0,		/* heat map, coolest */
	THEME_HEAT_1,
	THEME_HEAT_2,
	THEME_HEAT_3,
	THEME_HEAT_4,		/* hottest */
	THEME_HEAT_DOWN,	/* heat map cell of a node without data */
	THEME_BORDER,		/* box lines, separators */
	THEME_STATUS,		/* the status line */
	THEME_STATUS_KEY,	/* key names in the status line and help */
	THEME_MESSAGE,		/* an informational message */
	THEME_ERROR,		/* an error message */
	THEME_PROMPT,		/* the input line */
	THEME_NROLES
};

#define THEME_COLOUR_DEFAULT	(-1)

#define THEME_ATTR_BOLD		0x01
#define THEME_ATTR_DIM		0x02
#define THEME_ATTR_UNDERLINE	0x04
#define THEME_ATTR_REVERSE	0x08
#define THEME_ATTR_ITALIC	0x10
#define THEME_ATTR_STANDOUT	0x20

struct theme_style {
	short		 fg;		/* 0-255, or THEME_COLOUR_DEFAULT */
	short		 bg;		/* 0-255, or THEME_COLOUR_DEFAULT */
	unsigned	 attrs;		/* THEME_ATTR_* */
};

/* Warning and critical levels of one metric. */
struct theme_threshold {
	float		 warn;
	float		 crit;
};

enum theme_metric {
	THEME_METRIC_CPU = 0,	/* percent busy */
	THEME_METRIC_LOAD,	/* 1-minute load per CPU */
	THEME_METRIC_MEM,	/* percent used */
	THEME_METRIC_DISK,	/* percent used */
	THEME_NMETRICS
};

struct theme {
	char		 name[64];
	short		 background;	/* THEME_COLOUR_DEFAULT: the terminal's */
	int		 monochrome;	/* 1: no colours at all (attributes only) */
	struct theme_style role[THEME_NROLES];
	struct theme_threshold threshold[THEME_NMETRICS];
};

extern const char *const theme_role_names[THEME_NROLES];

/* The built-in default (same as themes/dark.theme), used when none loads. */
void		 theme_builtin(struct theme *);
/* Turn every colour off, keeping attributes (NO_COLOR, mono terminals). */
void		 theme_strip_colour(struct theme *);

/*
 * Parse theme text. Roles not named keep what *T had before (start from
 * theme_builtin()). Returns 0, or -1 with *cause "LINE: what" (malloc'd).
 */
int		 theme_parse(struct theme *t, const char *text, size_t len,
		     char **cause);
/*
 * Load theme NAME: a path when it contains '/', else NAME.theme searched
 * in $CLUSTERTOP_THEMES, ./themes and CT_DATADIR/themes. Returns 0, or -1
 * with *cause (malloc'd).
 */
int		 theme_load(struct theme *t, const char *name, char **cause);
/* Names of the themes found in the search path, sorted; free with
 * theme_list_free(). */
char		**theme_list(size_t *n);
void		 theme_list_free(char **, size_t);
/* Level of VALUE for METRIC: 0 ok, 1 warn, 2 crit. */
int		 theme_level(const struct theme *, enum theme_metric, float value);
/* Parse one colour word; returns 0 or -1. */
int		 theme_parse_colour(const char *word, short *out);

#endif
