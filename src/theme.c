/*
 * theme.c -- read themes/NAME.theme into struct theme.
 *
 * The built-in theme is the text of themes/dark.theme compiled in (a unit
 * test keeps the two equal), so clustertop looks the same whether or not
 * its data files are installed. Parsing is strict: an unknown role, colour
 * or attribute is an error naming the line, so a typo in a theme is seen
 * at once rather than as a colour that silently stays default.
 */

#include <sys/stat.h>

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "theme.h"
#include "util.h"

#ifndef CT_DATADIR
#define CT_DATADIR	"/usr/local/share/clustertop"
#endif

#define THEME_MAX_BYTES	65536

const char *const theme_role_names[THEME_NROLES] = {
	"default", "title", "header", "label", "value", "column",
	"column-sort", "row-alt", "cursor", "mark", "selected", "dim",
	"ok", "warn", "crit",
	"node-up", "node-connecting", "node-stale", "node-down", "node-auth",
	"slurm-idle", "slurm-alloc", "slurm-mixed", "slurm-drain",
	"slurm-down", "slurm-other",
	"spark", "graph", "bar-free",
	"heat-0", "heat-1", "heat-2", "heat-3", "heat-4", "heat-down",
	"border", "status", "status-key", "message", "error", "prompt"
};

static const char *const metric_names[THEME_NMETRICS] = {
	"cpu", "load", "mem", "disk"
};

/* Keep in step with themes/dark.theme (tests/unit/test-theme.c checks). */
static const char builtin_text[] =
"background      = default\n"
"default         = 252     default\n"
"title           = 81      default  bold\n"
"header          = 250     default\n"
"label           = 244     default\n"
"value           = 255     default  bold\n"
"column          = 252     237      bold\n"
"column-sort     = 16      75       bold\n"
"row-alt         = default 234\n"
"cursor          = 255     24       bold\n"
"mark            = 214     default  bold\n"
"selected        = 214     default  bold\n"
"dim             = 242     default\n"
"ok              = 114     default\n"
"warn            = 221     default\n"
"crit            = 203     default  bold\n"
"node-up         = 114     default\n"
"node-connecting = 81      default\n"
"node-stale      = 221     default\n"
"node-down       = 203     default  bold\n"
"node-auth       = 207     default  bold\n"
"slurm-idle      = 114     default\n"
"slurm-alloc     = 75      default\n"
"slurm-mixed     = 117     default\n"
"slurm-drain     = 214     default\n"
"slurm-down      = 203     default\n"
"slurm-other     = 248     default\n"
"spark           = 75      default\n"
"graph           = 81      default\n"
"bar-free        = 238     default\n"
"heat-0          = 252     22\n"
"heat-1          = 252     28\n"
"heat-2          = 16      142\n"
"heat-3          = 16      208\n"
"heat-4          = 255     160      bold\n"
"heat-down       = 203     236\n"
"border          = 239     default\n"
"status          = 252     236\n"
"status-key      = 16      75       bold\n"
"message         = 117     236\n"
"error           = 203     236      bold\n"
"prompt          = 255     236\n"
"threshold-cpu   = 70 90\n"
"threshold-load  = 0.8 1.5\n"
"threshold-mem   = 75 90\n"
"threshold-disk  = 80 95\n";

static void
theme_reset(struct theme *t)
{
	int	i;

	memset(t, 0, sizeof *t);
	t->background = THEME_COLOUR_DEFAULT;
	for (i = 0; i < THEME_NROLES; i++) {
		t->role[i].fg = THEME_COLOUR_DEFAULT;
		t->role[i].bg = THEME_COLOUR_DEFAULT;
	}
	t->threshold[THEME_METRIC_CPU] = (struct theme_threshold){ 70, 90 };
	t->threshold[THEME_METRIC_LOAD] = (struct theme_threshold){ 0.8f, 1.5f };
	t->threshold[THEME_METRIC_MEM] = (struct theme_threshold){ 75, 90 };
	t->threshold[THEME_METRIC_DISK] = (struct theme_threshold){ 80, 95 };
}

void
theme_builtin(struct theme *t)
{
	char	*cause = NULL;

	theme_reset(t);
	if (theme_parse(t, builtin_text, sizeof builtin_text - 1, &cause) != 0)
		free(cause);	/* cannot happen: the unit test parses it */
	snprintf(t->name, sizeof t->name, "dark");
}

void
theme_strip_colour(struct theme *t)
{
	int	i;

	t->monochrome = 1;
	t->background = THEME_COLOUR_DEFAULT;
	for (i = 0; i < THEME_NROLES; i++) {
		t->role[i].fg = THEME_COLOUR_DEFAULT;
		t->role[i].bg = THEME_COLOUR_DEFAULT;
	}
}

/* Nearest entry of the xterm 256-colour cube or grey ramp. */
static short
rgb_to_256(int r, int g, int b)
{
	static const int steps[6] = { 0, 95, 135, 175, 215, 255 };
	int	 ri, gi, bi, i, best, d, bestd, grey, gl, gi2;

	/* Cube index of each component. */
	ri = gi = bi = 0;
	for (i = 0, bestd = 1 << 30; i < 6; i++) {
		d = abs(steps[i] - r);
		if (d < bestd) { bestd = d; ri = i; }
	}
	for (i = 0, bestd = 1 << 30; i < 6; i++) {
		d = abs(steps[i] - g);
		if (d < bestd) { bestd = d; gi = i; }
	}
	for (i = 0, bestd = 1 << 30; i < 6; i++) {
		d = abs(steps[i] - b);
		if (d < bestd) { bestd = d; bi = i; }
	}
	best = 16 + 36 * ri + 6 * gi + bi;
	bestd = (steps[ri] - r) * (steps[ri] - r) +
	    (steps[gi] - g) * (steps[gi] - g) + (steps[bi] - b) * (steps[bi] - b);
	/* The grey ramp 232-255 is 8, 18, ... 238. */
	grey = (r + g + b) / 3;
	gi2 = (grey - 8 + 5) / 10;
	if (gi2 < 0)
		gi2 = 0;
	if (gi2 > 23)
		gi2 = 23;
	gl = 8 + 10 * gi2;
	d = (gl - r) * (gl - r) + (gl - g) * (gl - g) + (gl - b) * (gl - b);
	if (d < bestd)
		best = 232 + gi2;
	return ((short)best);
}

int
theme_parse_colour(const char *w, short *out)
{
	static const char *const names[8] = {
		"black", "red", "green", "yellow", "blue", "magenta", "cyan",
		"white"
	};
	char	*end;
	long	 v;
	int	 i;

	if (strcmp(w, "default") == 0 || strcmp(w, "-") == 0) {
		*out = THEME_COLOUR_DEFAULT;
		return (0);
	}
	if (strcmp(w, "grey") == 0 || strcmp(w, "gray") == 0) {
		*out = 8;
		return (0);
	}
	for (i = 0; i < 8; i++) {
		if (strcmp(w, names[i]) == 0) {
			*out = (short)i;
			return (0);
		}
		if (strncmp(w, "bright-", 7) == 0 &&
		    strcmp(w + 7, names[i]) == 0) {
			*out = (short)(i + 8);
			return (0);
		}
	}
	if (w[0] == '#' && strlen(w) == 7) {
		for (i = 1; i < 7; i++) {
			if (!isxdigit((unsigned char)w[i]))
				return (-1);
		}
		v = strtol(w + 1, NULL, 16);
		*out = rgb_to_256((int)((v >> 16) & 0xff),
		    (int)((v >> 8) & 0xff), (int)(v & 0xff));
		return (0);
	}
	if (isdigit((unsigned char)w[0])) {
		errno = 0;
		v = strtol(w, &end, 10);
		if (errno == 0 && *end == '\0' && v >= 0 && v <= 255) {
			*out = (short)v;
			return (0);
		}
	}
	return (-1);
}

static int
parse_attr(const char *w, unsigned *attrs)
{
	static const struct {
		const char	*name;
		unsigned	 bit;
	} table[] = {
		{ "bold", THEME_ATTR_BOLD }, { "dim", THEME_ATTR_DIM },
		{ "underline", THEME_ATTR_UNDERLINE },
		{ "reverse", THEME_ATTR_REVERSE },
		{ "italic", THEME_ATTR_ITALIC },
		{ "standout", THEME_ATTR_STANDOUT },
		{ "none", 0 }
	};
	size_t	i;

	for (i = 0; i < sizeof table / sizeof table[0]; i++) {
		if (strcmp(w, table[i].name) == 0) {
			*attrs |= table[i].bit;
			return (0);
		}
	}
	return (-1);
}

/* A float in C notation, whatever the locale. */
static int
parse_float(const char *w, float *out)
{
	double	v = 0, scale = 1;
	int	dot = 0, digits = 0;

	for (; *w != '\0'; w++) {
		if (*w == '.' && !dot) {
			dot = 1;
			continue;
		}
		if (!isdigit((unsigned char)*w))
			return (-1);
		digits++;
		if (dot) {
			scale /= 10;
			v += (*w - '0') * scale;
		} else
			v = v * 10 + (*w - '0');
	}
	if (digits == 0 || v > 1e6)
		return (-1);
	*out = (float)v;
	return (0);
}

/* Split LINE in place into at most MAX words; returns the count. */
static int
split_words(char *line, char **words, int max)
{
	int	n = 0;

	for (;;) {
		while (*line == ' ' || *line == '\t' || *line == ',')
			line++;
		if (*line == '\0')
			return (n);
		if (n == max)
			return (max + 1);
		words[n++] = line;
		while (*line != '\0' && *line != ' ' && *line != '\t' &&
		    *line != ',')
			line++;
		if (*line != '\0')
			*line++ = '\0';
	}
}

static int
parse_line(struct theme *t, char *line, const char **why)
{
	char		*eq, *key, *k_end, *words[8];
	int		 n, i, r;
	short		 fg, bg = THEME_COLOUR_DEFAULT;
	unsigned	 attrs = 0;

	eq = strchr(line, '=');
	if (eq == NULL) {
		*why = "expected `key = value`";
		return (-1);
	}
	*eq = '\0';
	key = line;
	while (*key == ' ' || *key == '\t')
		key++;
	k_end = key + strlen(key);
	while (k_end > key && (k_end[-1] == ' ' || k_end[-1] == '\t'))
		*--k_end = '\0';
	n = split_words(eq + 1, words, 7);
	if (n == 0 || n > 7) {
		*why = n == 0 ? "missing value" : "too many words";
		return (-1);
	}

	if (strcmp(key, "name") == 0) {
		snprintf(t->name, sizeof t->name, "%s", words[0]);
		return (0);
	}
	if (strcmp(key, "background") == 0) {
		if (n != 1 || theme_parse_colour(words[0], &t->background) != 0) {
			*why = "bad colour";
			return (-1);
		}
		return (0);
	}
	if (strcmp(key, "monochrome") == 0) {
		if (strcmp(words[0], "yes") == 0)
			t->monochrome = 1;
		else if (strcmp(words[0], "no") == 0)
			t->monochrome = 0;
		else {
			*why = "monochrome is yes or no";
			return (-1);
		}
		return (0);
	}
	if (strncmp(key, "threshold-", 10) == 0) {
		for (i = 0; i < THEME_NMETRICS; i++) {
			if (strcmp(key + 10, metric_names[i]) == 0)
				break;
		}
		if (i == THEME_NMETRICS) {
			*why = "unknown threshold (cpu, load, mem, disk)";
			return (-1);
		}
		if (n != 2 || parse_float(words[0], &t->threshold[i].warn) ||
		    parse_float(words[1], &t->threshold[i].crit) ||
		    t->threshold[i].warn > t->threshold[i].crit) {
			*why = "threshold wants WARN CRIT, WARN <= CRIT";
			return (-1);
		}
		return (0);
	}
	for (i = 0; i < THEME_NROLES; i++) {
		if (strcmp(key, theme_role_names[i]) == 0)
			break;
	}
	if (i == THEME_NROLES) {
		*why = "unknown role";
		return (-1);
	}
	/* FG alone means BG default. */
	if (theme_parse_colour(words[0], &fg) != 0 ||
	    (n > 1 && theme_parse_colour(words[1], &bg) != 0)) {
		*why = "bad colour";
		return (-1);
	}
	for (r = 2; r < n; r++) {
		if (parse_attr(words[r], &attrs) != 0) {
			*why = "bad attribute";
			return (-1);
		}
	}
	t->role[i].fg = fg;
	t->role[i].bg = bg;
	t->role[i].attrs = attrs;
	return (0);
}

int
theme_parse(struct theme *t, const char *text, size_t len, char **cause)
{
	struct theme	 tmp = *t;
	const char	*p = text, *end = text + len, *nl, *why = NULL;
	char		 line[512], *hash;
	size_t		 n;
	int		 lineno = 0;

	*cause = NULL;
	while (p < end) {
		lineno++;
		nl = memchr(p, '\n', (size_t)(end - p));
		n = (size_t)((nl != NULL ? nl : end) - p);
		if (n >= sizeof line) {
			why = "line too long";
			goto fail;
		}
		memcpy(line, p, n);
		line[n] = '\0';
		p = nl != NULL ? nl + 1 : end;
		if (memchr(line, '\0', n) != NULL) {
			why = "NUL byte";
			goto fail;
		}
		if (n > 0 && line[n - 1] == '\r')
			line[n - 1] = '\0';
		/* '#' after a blank starts a comment, except in #rrggbb. */
		for (hash = line; (hash = strchr(hash, '#')) != NULL; hash++) {
			if (hash != line && hash[-1] != ' ' && hash[-1] != '\t')
				continue;
			if (strspn(hash + 1, "0123456789abcdefABCDEF") == 6 &&
			    (hash[7] == '\0' || isspace((unsigned char)hash[7])))
				continue;
			*hash = '\0';
			break;
		}
		if (strspn(line, " \t") == strlen(line))
			continue;
		if (parse_line(&tmp, line, &why) != 0)
			goto fail;
	}
	*t = tmp;
	return (0);

fail:
	if (asprintf(cause, "line %d: %s", lineno, why) < 0)
		*cause = NULL;
	return (-1);
}

/* The search path, in order; entries may be NULL. */
static void
search_dirs(char dirs[][1024], int *n)
{
	const char	*env = getenv("CLUSTERTOP_THEMES");
	char		 exe[1024], *slash;
	ssize_t		 r;

	*n = 0;
	if (env != NULL && *env != '\0')
		snprintf(dirs[(*n)++], 1024, "%s", env);
	snprintf(dirs[(*n)++], 1024, "themes");
	snprintf(dirs[(*n)++], 1024, "%s/themes", CT_DATADIR);
	/* A binary run from its build directory finds the tree's themes. */
	r = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (r > 0) {
		exe[r] = '\0';
		if ((slash = strrchr(exe, '/')) != NULL) {
			*slash = '\0';
			snprintf(dirs[(*n)++], 1024, "%.1000s/../themes", exe);
			snprintf(dirs[(*n)++], 1024, "%.1000s/../../themes", exe);
		}
	}
}

static int
name_ok(const char *name)
{
	size_t	n = strlen(name);

	return (n > 0 && n < 64 && strspn(name,
	    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-")
	    == n && name[0] != '.');
}

int
theme_load(struct theme *t, const char *name, char **cause)
{
	char		 dirs[6][1024], path[1100], *text = NULL, *why = NULL;
	const char	*base;
	size_t		 len;
	int		 ndirs, i, found = 0;

	*cause = NULL;
	if (strchr(name, '/') != NULL) {
		snprintf(path, sizeof path, "%s", name);
		found = (text = read_file(path, THEME_MAX_BYTES, &len, NULL)) != NULL;
		if (!found) {
			if (asprintf(cause, "%s: %s", path, strerror(errno)) < 0)
				*cause = NULL;
			return (-1);
		}
	} else {
		if (!name_ok(name)) {
			if (asprintf(cause, "bad theme name: %s", name) < 0)
				*cause = NULL;
			return (-1);
		}
		search_dirs(dirs, &ndirs);
		for (i = 0; i < ndirs && !found; i++) {
			snprintf(path, sizeof path, "%.1000s/%.63s.theme", dirs[i],
			    name);
			found = (text = read_file(path, THEME_MAX_BYTES, &len, NULL)) != NULL;
		}
		if (!found) {
			if (asprintf(cause, "theme %s not found (looked in "
			    "$CLUSTERTOP_THEMES, ./themes, %s/themes)", name,
			    CT_DATADIR) < 0)
				*cause = NULL;
			return (-1);
		}
	}
	/* Start from the built-in so that an old theme file still works. */
	theme_builtin(t);
	t->name[0] = '\0';
	if (theme_parse(t, text, len, &why) != 0) {
		free(text);
		if (asprintf(cause, "%s: %s", path, why) < 0)
			*cause = NULL;
		free(why);
		theme_builtin(t);
		return (-1);
	}
	free(text);
	if (t->name[0] == '\0') {
		base = strrchr(path, '/') != NULL ? strrchr(path, '/') + 1 : path;
		len = strlen(base);
		if (len > 6 && strcmp(base + len - 6, ".theme") == 0)
			len -= 6;
		snprintf(t->name, sizeof t->name, "%.*s", (int)len, base);
	}
	if (t->monochrome)
		theme_strip_colour(t);
	return (0);
}

static int
cmp_str(const void *a, const void *b)
{
	return (strcmp(*(char *const *)a, *(char *const *)b));
}

char **
theme_list(size_t *np)
{
	char		 dirs[6][1024], **list = NULL, **tmp, *dot;
	struct dirent	*de;
	DIR		*d;
	size_t		 n = 0, cap = 0, j, len;
	int		 ndirs, i, dup;

	search_dirs(dirs, &ndirs);
	for (i = 0; i < ndirs; i++) {
		if ((d = opendir(dirs[i])) == NULL)
			continue;
		while ((de = readdir(d)) != NULL) {
			len = strlen(de->d_name);
			if (len <= 6 || strcmp(de->d_name + len - 6, ".theme"))
				continue;
			dot = strndup(de->d_name, len - 6);
			if (dot == NULL || !name_ok(dot)) {
				free(dot);
				continue;
			}
			for (j = 0, dup = 0; j < n && !dup; j++)
				dup = strcmp(list[j], dot) == 0;
			if (dup || n >= 256) {
				free(dot);
				continue;
			}
			if (n == cap) {
				cap = cap ? cap * 2 : 8;
				tmp = realloc(list, cap * sizeof *list);
				if (tmp == NULL) {
					free(dot);
					break;
				}
				list = tmp;
			}
			list[n++] = dot;
		}
		closedir(d);
	}
	if (n > 1)
		qsort(list, n, sizeof *list, cmp_str);
	*np = n;
	return (list);
}

void
theme_list_free(char **list, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		free(list[i]);
	free(list);
}

int
theme_level(const struct theme *t, enum theme_metric m, float v)
{
	if ((unsigned)m >= THEME_NMETRICS)
		return (0);
	if (v >= t->threshold[m].crit)
		return (2);
	if (v >= t->threshold[m].warn)
		return (1);
	return (0);
}
