/*
 * phase.c -- setup phases as data: load and validate phases.json, expand
 * templates, write dry-run plans.
 *
 * A struct phase_set owns everything parsed from the file; nothing keeps a
 * pointer into the cJSON tree after loading. Variables (struct phase_vars)
 * are a small table of name -> list of strings; a scalar is a list of one.
 * Values that come from the file or from --set are themselves templates
 * ("{admin_home}/clustertop-tests"); values the program computes or
 * captures from a command are literal and never expanded again.
 *
 * The runner (phase_run_*, the second half of this file) walks the steps
 * of one or more phases: a head step is a local child process whose pipes
 * and deadline (a timerfd) are watched by the engine's loop; a node step
 * is one engine job. Both report through the same per-node records, so a
 * front end sees one list of nodes (index 0 is the head) with a state and
 * the output of the current phase.
 */

#include <sys/stat.h>
#include <sys/mman.h>
#include <sys/timerfd.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <regex.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "audit.h"
#include "engine.h"
#include "hostlist.h"
#include "phase.h"

#ifndef CT_DATADIR
#define CT_DATADIR "/usr/local/share/clustertop"
#endif

#define PHASE_FILE_MAX		(4 * 1024 * 1024)
#define PHASE_EXPAND_DEPTH	8

/* Names the program defines for every run (phase_context_vars). */
static const char *const phase_builtins[] = {
	"nodes", "nodes_folded", "node_count",
	"cluster_nodes", "cluster_nodes_folded", "cluster_count",
	"cluster_host_patterns", "hosts_entries", "known_hosts_entries",
	"head", "clustertop", "ct_options", "user", "admin_user",
	"admin_home", "phase", NULL
};

/* --- small helpers ----------------------------------------------------------- */

static void *
phase_xmalloc(size_t n)
{
	void	*p;

	p = malloc(n == 0 ? 1 : n);
	if (p == NULL)
		abort();
	return (p);
}

static void *
phase_xrealloc(void *p, size_t n)
{
	p = realloc(p, n == 0 ? 1 : n);
	if (p == NULL)
		abort();
	return (p);
}

static char *
phase_xstrdup(const char *s)
{
	char	*p;

	if (s == NULL)
		return (NULL);
	p = strdup(s);
	if (p == NULL)
		abort();
	return (p);
}

static char *
phase_xstrndup(const char *s, size_t n)
{
	char	*p;

	p = phase_xmalloc(n + 1);
	memcpy(p, s, n);
	p[n] = '\0';
	return (p);
}

static char * __attribute__((format(printf, 1, 2)))
phase_xprintf(const char *fmt, ...)
{
	va_list	 ap;
	char	*s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		abort();
	va_end(ap);
	return (s);
}

/* A growable string. */
struct pbuf {
	char	*s;
	size_t	 len;
	size_t	 size;
};

static void
pbuf_addn(struct pbuf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->size) {
		b->size = b->size == 0 ? 256 : b->size;
		while (b->len + n + 1 > b->size)
			b->size *= 2;
		b->s = phase_xrealloc(b->s, b->size);
	}
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

static void
pbuf_add(struct pbuf *b, const char *s)
{
	pbuf_addn(b, s, strlen(s));
}

static void __attribute__((format(printf, 2, 3)))
pbuf_printf(struct pbuf *b, const char *fmt, ...)
{
	va_list	 ap;
	char	*s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		abort();
	va_end(ap);
	pbuf_add(b, s);
	free(s);
}

static char *
pbuf_take(struct pbuf *b)
{
	char	*s;

	if (b->s == NULL)
		return (phase_xstrdup(""));
	s = b->s;
	b->s = NULL;
	b->len = b->size = 0;
	return (s);
}

static int
phase_is_ident(const char *s, size_t n)
{
	size_t	i;

	if (n == 0 || n > 64 || !(islower((u_char)s[0]) || s[0] == '_'))
		return (0);
	for (i = 1; i < n; i++) {
		if (!islower((u_char)s[i]) && !isdigit((u_char)s[i]) &&
		    s[i] != '_')
			return (0);
	}
	return (1);
}

/* --- variables ------------------------------------------------------------- */

struct pvar {
	char	 *name;
	char	**items;
	size_t	  nitems;
	int	  list;
	int	  secret;
	int	  literal;	/* computed or captured: never expanded again */
	char	 *error;	/* using it fails with this text */
};

struct phase_vars {
	struct pvar	*v;
	size_t		 n;
	struct phase_map *maps;		/* borrowed from the set */
	size_t		 nmaps;
};

struct phase_vars *
phase_vars_create(void)
{
	struct phase_vars	*vars;

	vars = phase_xmalloc(sizeof *vars);
	memset(vars, 0, sizeof *vars);
	return (vars);
}

static void
pvar_clear(struct pvar *v)
{
	size_t	i;

	for (i = 0; i < v->nitems; i++)
		free(v->items[i]);
	free(v->items);
	free(v->error);
	v->items = NULL;
	v->nitems = 0;
	v->error = NULL;
}

void
phase_vars_free(struct phase_vars *vars)
{
	size_t	i;

	if (vars == NULL)
		return;
	for (i = 0; i < vars->n; i++) {
		pvar_clear(&vars->v[i]);
		free(vars->v[i].name);
	}
	free(vars->v);
	free(vars);
}

static struct pvar *
pvar_findn(const struct phase_vars *vars, const char *name, size_t len)
{
	size_t	i;

	for (i = 0; i < vars->n; i++) {
		if (strlen(vars->v[i].name) == len &&
		    memcmp(vars->v[i].name, name, len) == 0)
			return (&vars->v[i]);
	}
	return (NULL);
}

static struct pvar *
pvar_get(struct phase_vars *vars, const char *name)
{
	struct pvar	*v;

	v = pvar_findn(vars, name, strlen(name));
	if (v != NULL) {
		pvar_clear(v);
		return (v);
	}
	vars->v = phase_xrealloc(vars->v, (vars->n + 1) * sizeof *vars->v);
	v = &vars->v[vars->n++];
	memset(v, 0, sizeof *v);
	v->name = phase_xstrdup(name);
	return (v);
}

void
phase_vars_set(struct phase_vars *vars, const char *name, const char *value)
{
	struct pvar	*v;

	v = pvar_get(vars, name);
	v->items = phase_xmalloc(sizeof *v->items);
	v->items[0] = phase_xstrdup(value == NULL ? "" : value);
	v->nitems = 1;
	v->list = 0;
	v->literal = 1;
}

void
phase_vars_set_list(struct phase_vars *vars, const char *name,
    const char *const *items, size_t n)
{
	struct pvar	*v;
	size_t		 i;

	v = pvar_get(vars, name);
	v->items = phase_xmalloc((n + 1) * sizeof *v->items);
	for (i = 0; i < n; i++)
		v->items[i] = phase_xstrdup(items[i]);
	v->nitems = n;
	v->list = 1;
	v->literal = 1;
}

void
phase_vars_set_error(struct phase_vars *vars, const char *name,
    const char *why)
{
	struct pvar	*v;

	v = pvar_get(vars, name);
	v->error = phase_xstrdup(why);
	v->literal = 1;
}

void
phase_vars_set_secret(struct phase_vars *vars, const char *name, int secret)
{
	struct pvar	*v;

	v = pvar_findn(vars, name, strlen(name));
	if (v != NULL)
		v->secret = secret;
}

/* Set a template value (from the file or --set): expanded when used. */
static void
phase_vars_set_tmpl(struct phase_vars *vars, const char *name,
    char *const *items, size_t n, int list, int secret)
{
	phase_vars_set_list(vars, name, (const char *const *)items, n);
	phase_vars_set_secret(vars, name, secret);
	pvar_findn(vars, name, strlen(name))->list = list;
	pvar_findn(vars, name, strlen(name))->literal = 0;
}

int
phase_vars_assign(struct phase_vars *vars, const char *assignment,
    char **cause)
{
	const char	*eq, *p, *q;
	char		*name, **items = NULL;
	size_t		 n = 0, i;
	int		 list;

	eq = strchr(assignment, '=');
	if (eq == NULL || !phase_is_ident(assignment, eq - assignment)) {
		*cause = phase_xprintf("--set %s: expected NAME=VALUE with a "
		    "lowercase NAME", assignment);
		return (-1);
	}
	name = phase_xstrndup(assignment, eq - assignment);
	/* White space or commas separate items: packages="htop tree". */
	list = strpbrk(eq + 1, " \t,") != NULL;
	for (p = eq + 1; list && *p != '\0'; p = q) {
		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		if (*p == '\0')
			break;
		for (q = p; *q != '\0' && *q != ' ' && *q != '\t' && *q != ','; q++)
			;
		items = phase_xrealloc(items, (n + 1) * sizeof *items);
		items[n++] = phase_xstrndup(p, q - p);
	}
	if (!list) {
		items = phase_xmalloc(sizeof *items);
		items[n++] = phase_xstrdup(eq + 1);
	} else {
		/* A list variable keeps being a list even with one item. */
		list = 1;
	}
	{
		struct pvar *old = pvar_findn(vars, name, strlen(name));
		if (old != NULL && old->list)
			list = 1;
	}
	phase_vars_set_tmpl(vars, name, items, n, list, 0);
	for (i = 0; i < n; i++)
		free(items[i]);
	free(items);
	free(name);
	return (0);
}

void
phase_vars_ct_options(struct phase_vars *vars, const char *ssh_config,
    const char *user, int accept_new)
{
	const char	*o[6];
	size_t		 n = 0;

	if (ssh_config != NULL) {
		o[n++] = "-F";
		o[n++] = ssh_config;
	}
	if (user != NULL) {
		o[n++] = "-l";
		o[n++] = user;
	}
	if (accept_new) {
		o[n++] = "--strict-host-keys";
		o[n++] = "accept-new";
	}
	phase_vars_set_list(vars, "ct_options", o, n);
}

const char *
phase_vars_get(const struct phase_vars *vars, const char *name)
{
	struct pvar	*v;

	v = pvar_findn(vars, name, strlen(name));
	if (v == NULL || v->nitems == 0 || v->error != NULL)
		return (NULL);
	return (v->items[0]);
}

int
phase_vars_has(const struct phase_vars *vars, const char *name)
{
	return (pvar_findn(vars, name, strlen(name)) != NULL);
}

void
phase_vars_defaults(struct phase_vars *vars, const struct phase_set *set)
{
	size_t	i;

	vars->maps = set->maps;
	vars->nmaps = set->nmaps;
	for (i = 0; i < set->nvars; i++) {
		if (phase_vars_has(vars, set->vars[i].name))
			continue;
		phase_vars_set_tmpl(vars, set->vars[i].name,
		    set->vars[i].items, set->vars[i].nitems,
		    set->vars[i].list, set->vars[i].secret);
	}
}

/* --- templates ------------------------------------------------------------- */

char *
phase_shell_quote(const char *s)
{
	struct pbuf	 b = { 0 };
	const char	*p;

	if (*s != '\0' && strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789_@%+:,./-") == strlen(s))
		return (phase_xstrdup(s));
	pbuf_add(&b, "'");
	for (p = s; *p != '\0'; p++) {
		if (*p == '\'')
			pbuf_add(&b, "'\\''");
		else
			pbuf_addn(&b, p, 1);
	}
	pbuf_add(&b, "'");
	return (pbuf_take(&b));
}

/*
 * Find the next {name} or {name@map} reference at or after P. Returns its
 * start (the "{"), with the name and map spans, or NULL. A "{" right after
 * "$" (shell ${...}) or doubled ("{{") is not a reference.
 */
static const char *
phase_next_ref(const char *p, const char *start, const char **name,
    size_t *namelen, const char **map, size_t *maplen, int *escaped)
{
	const char	*q, *at;

	*escaped = 0;
	for (; *p != '\0'; p++) {
		if (*p != '{')
			continue;
		if (p[1] == '{') {
			*escaped = 1;
			return (p);
		}
		if (p > start && p[-1] == '$')
			continue;
		q = strchr(p + 1, '}');
		if (q == NULL)
			return (NULL);
		at = memchr(p + 1, '@', q - p - 1);
		if (at == NULL) {
			if (!phase_is_ident(p + 1, q - p - 1))
				continue;
			*name = p + 1;
			*namelen = q - p - 1;
			*map = NULL;
			*maplen = 0;
		} else {
			if (!phase_is_ident(p + 1, at - p - 1) ||
			    !phase_is_ident(at + 1, q - at - 1))
				continue;
			*name = p + 1;
			*namelen = at - p - 1;
			*map = at + 1;
			*maplen = q - at - 1;
		}
		return (p);
	}
	return (NULL);
}

size_t
phase_template_names(const char *tmpl, char ***names)
{
	const char	*p, *name, *map;
	size_t		 namelen, maplen, n = 0;
	int		 escaped;

	*names = NULL;
	if (tmpl == NULL)
		return (0);
	p = tmpl;
	while ((p = phase_next_ref(p, tmpl, &name, &namelen, &map, &maplen,
	    &escaped)) != NULL) {
		if (escaped) {
			p += 2;
			continue;
		}
		*names = phase_xrealloc(*names, (n + 1) * sizeof **names);
		(*names)[n++] = phase_xstrndup(name, namelen);
		p = (map != NULL ? map + maplen : name + namelen) + 1;
	}
	return (n);
}

static const struct phase_map *
phase_map_findn(const struct phase_vars *vars, const char *name, size_t len)
{
	size_t	i;

	for (i = 0; i < vars->nmaps; i++) {
		if (strlen(vars->maps[i].name) == len &&
		    memcmp(vars->maps[i].name, name, len) == 0)
			return (&vars->maps[i]);
	}
	return (NULL);
}

static char	*phase_expand_depth(const char *, const struct phase_vars *,
		     int, int *, char **, int);

/* Append the value of one reference to B. */
static int
phase_expand_ref(struct pbuf *b, const struct pvar *v,
    const struct phase_map *m, const struct phase_vars *vars, int shell,
    int *secrets, char **cause, int depth)
{
	const char	*item;
	char		*val, *q;
	size_t		 i, j, nout = 0;
	int		 dropped;

	if (v->error != NULL) {
		*cause = phase_xprintf("{%s}: %s", v->name, v->error);
		return (-1);
	}
	if (v->secret && secrets != NULL)
		*secrets = 1;
	for (i = 0; i < v->nitems; i++) {
		if (v->literal)
			val = phase_xstrdup(v->items[i]);
		else {
			val = phase_expand_depth(v->items[i], vars, 0, secrets,
			    cause, depth + 1);
			if (val == NULL)
				return (-1);
		}
		item = val;
		dropped = 0;
		if (m != NULL) {
			for (j = 0; j < m->n; j++) {
				if (strcmp(m->from[j], val) == 0)
					break;
			}
			if (j < m->n) {
				if (m->to[j] == NULL || *m->to[j] == '\0')
					dropped = 1;
				else
					item = m->to[j];
			}
		}
		if (!dropped) {
			if (nout++ > 0)
				pbuf_add(b, shell ? " " : "\n");
			if (shell) {
				q = phase_shell_quote(item);
				pbuf_add(b, q);
				free(q);
			} else
				pbuf_add(b, item);
		}
		free(val);
	}
	if (nout == 0 && shell && !v->list)
		pbuf_add(b, "''");
	return (0);
}

static char *
phase_expand_depth(const char *tmpl, const struct phase_vars *vars, int shell,
    int *secrets, char **cause, int depth)
{
	struct pbuf		 b = { 0 };
	const char		*p, *ref, *name, *map;
	const struct phase_map	*m;
	struct pvar		*v;
	size_t			 namelen, maplen;
	int			 escaped;

	if (depth > PHASE_EXPAND_DEPTH) {
		*cause = phase_xstrdup("variables refer to each other in a loop");
		return (NULL);
	}
	p = tmpl;
	while ((ref = phase_next_ref(p, tmpl, &name, &namelen, &map, &maplen,
	    &escaped)) != NULL) {
		pbuf_addn(&b, p, ref - p);
		if (escaped) {
			pbuf_add(&b, "{");
			p = ref + 2;
			continue;
		}
		v = pvar_findn(vars, name, namelen);
		if (v == NULL) {
			*cause = phase_xprintf("unknown variable {%.*s}",
			    (int)namelen, name);
			free(b.s);
			return (NULL);
		}
		m = NULL;
		if (map != NULL) {
			m = phase_map_findn(vars, map, maplen);
			if (m == NULL) {
				*cause = phase_xprintf("unknown map @%.*s",
				    (int)maplen, map);
				free(b.s);
				return (NULL);
			}
		}
		if (phase_expand_ref(&b, v, m, vars, shell, secrets, cause,
		    depth) != 0) {
			free(b.s);
			return (NULL);
		}
		p = (map != NULL ? map + maplen : name + namelen) + 1;
	}
	pbuf_add(&b, p);
	return (pbuf_take(&b));
}

char *
phase_expand(const char *tmpl, const struct phase_vars *vars, int shell,
    int *secrets, char **cause)
{
	if (secrets != NULL)
		*secrets = 0;
	return (phase_expand_depth(tmpl, vars, shell, secrets, cause, 0));
}

/* --- loading and validation ------------------------------------------------ */

static char *
phase_json_text(const cJSON *j)
{
	struct pbuf	 b = { 0 };
	const cJSON	*it;

	if (cJSON_IsString(j))
		return (phase_xstrdup(j->valuestring));
	if (!cJSON_IsArray(j))
		return (NULL);
	/* An array of lines is one text: easier to read in the file. */
	cJSON_ArrayForEach(it, j) {
		if (!cJSON_IsString(it)) {
			free(b.s);
			return (NULL);
		}
		pbuf_add(&b, it->valuestring);
		pbuf_add(&b, "\n");
	}
	return (pbuf_take(&b));
}

static void
phase_step_free(struct phase_step *st)
{
	size_t	i;

	free(st->name);
	free(st->as_user);
	free(st->check);
	free(st->command);
	free(st->input);
	free(st->path);
	free(st->marker);
	free(st->content);
	free(st->if_missing);
	free(st->mode);
	free(st->capture);
	free(st->capture_regex);
	free(st->expect);
	free(st->lines);
	for (i = 0; i < st->nalias; i++) {
		free(st->alias_from[i]);
		free(st->alias_to[i]);
	}
	free(st->alias_from);
	free(st->alias_to);
}

void
phase_set_free(struct phase_set *set)
{
	size_t	i, j;

	if (set == NULL)
		return;
	for (i = 0; i < set->nphases; i++) {
		struct phase *ph = &set->phases[i];
		for (j = 0; j < ph->nsteps; j++)
			phase_step_free(&ph->steps[j]);
		free(ph->steps);
		free(ph->name);
		free(ph->title);
		free(ph->description);
	}
	free(set->phases);
	for (i = 0; i < set->nvars; i++) {
		for (j = 0; j < set->vars[i].nitems; j++)
			free(set->vars[i].items[j]);
		free(set->vars[i].items);
		free(set->vars[i].name);
	}
	free(set->vars);
	for (i = 0; i < set->nmaps; i++) {
		for (j = 0; j < set->maps[i].n; j++) {
			free(set->maps[i].from[j]);
			free(set->maps[i].to[j]);
		}
		free(set->maps[i].from);
		free(set->maps[i].to);
		free(set->maps[i].name);
	}
	free(set->maps);
	for (i = 0; i < set->nscripts; i++) {
		free(set->script_names[i]);
		free(set->script_bodies[i]);
	}
	free(set->script_names);
	free(set->script_bodies);
	free(set->path);
	free(set);
}

/* Loader state: the set being built and the first error. */
struct ploader {
	struct phase_set	*set;
	const char		*file;
	char			*error;
};

static int __attribute__((format(printf, 2, 3)))
ploader_error(struct ploader *ld, const char *fmt, ...)
{
	va_list	 ap;
	char	*s;

	if (ld->error != NULL)
		return (-1);
	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		abort();
	va_end(ap);
	ld->error = phase_xprintf("%s: %s", ld->file, s);
	free(s);
	/* One printable line: it quotes names from the file (fuzz-phases). */
	for (s = ld->error; *s != '\0'; s++) {
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			*s = *s == '\n' || *s == '\t' ? ' ' : '?';
	}
	return (-1);
}

static int
ploader_keys(struct ploader *ld, const cJSON *obj, const char *where,
    const char *const *allowed)
{
	const cJSON	*it;
	size_t		 i;

	cJSON_ArrayForEach(it, obj) {
		for (i = 0; allowed[i] != NULL; i++) {
			if (strcmp(it->string, allowed[i]) == 0)
				break;
		}
		if (allowed[i] == NULL)
			return (ploader_error(ld, "%s: unknown key \"%s\"",
			    where, it->string));
	}
	return (0);
}

/* An optional text field (string or array of lines); *out stays NULL. */
static int
ploader_text(struct ploader *ld, const cJSON *obj, const char *key,
    const char *where, char **out)
{
	const cJSON	*j;

	*out = NULL;
	j = cJSON_GetObjectItemCaseSensitive(obj, key);
	if (j == NULL || cJSON_IsNull(j))
		return (0);
	*out = phase_json_text(j);
	if (*out == NULL)
		return (ploader_error(ld, "%s: \"%s\" must be a string or an "
		    "array of strings", where, key));
	return (0);
}

static int
ploader_bool(struct ploader *ld, const cJSON *obj, const char *key,
    const char *where, int *out)
{
	const cJSON	*j;

	j = cJSON_GetObjectItemCaseSensitive(obj, key);
	if (j == NULL)
		return (0);
	if (!cJSON_IsBool(j))
		return (ploader_error(ld, "%s: \"%s\" must be true or false",
		    where, key));
	*out = cJSON_IsTrue(j);
	return (0);
}

static int
ploader_int(struct ploader *ld, const cJSON *obj, const char *key,
    const char *where, int min, int max, int *out)
{
	const cJSON	*j;
	double		 d;

	j = cJSON_GetObjectItemCaseSensitive(obj, key);
	if (j == NULL)
		return (0);
	d = cJSON_IsNumber(j) ? j->valuedouble : -1e99;
	if (d < min || d > max || d != (int)d)
		return (ploader_error(ld, "%s: \"%s\" must be an integer "
		    "from %d to %d", where, key, min, max));
	*out = (int)d;
	return (0);
}

static int
ploader_variables(struct ploader *ld, const cJSON *vars)
{
	struct phase_set	*set = ld->set;
	const cJSON		*it, *val, *e;
	struct phase_var	*v;
	size_t			 i;

	if (vars == NULL)
		return (0);
	if (!cJSON_IsObject(vars))
		return (ploader_error(ld, "\"variables\" must be an object"));
	cJSON_ArrayForEach(it, vars) {
		if (!phase_is_ident(it->string, strlen(it->string)))
			return (ploader_error(ld, "variables: bad name \"%s\" "
			    "(lowercase letters, digits, _)", it->string));
		for (i = 0; phase_builtins[i] != NULL; i++) {
			if (strcmp(phase_builtins[i], it->string) == 0 &&
			    strcmp(it->string, "admin_user") != 0)
				return (ploader_error(ld, "variables: \"%s\" is "
				    "set by clustertop", it->string));
		}
		set->vars = phase_xrealloc(set->vars,
		    (set->nvars + 1) * sizeof *set->vars);
		v = &set->vars[set->nvars++];
		memset(v, 0, sizeof *v);
		v->name = phase_xstrdup(it->string);
		val = it;
		if (cJSON_IsObject(it)) {
			val = cJSON_GetObjectItemCaseSensitive(it, "value");
			e = cJSON_GetObjectItemCaseSensitive(it, "secret");
			v->secret = cJSON_IsTrue(e);
		}
		if (cJSON_IsString(val)) {
			v->items = phase_xmalloc(sizeof *v->items);
			v->items[0] = phase_xstrdup(val->valuestring);
			v->nitems = 1;
		} else if (cJSON_IsNumber(val)) {
			v->items = phase_xmalloc(sizeof *v->items);
			v->items[0] = phase_xprintf("%g", val->valuedouble);
			v->nitems = 1;
		} else if (cJSON_IsArray(val)) {
			v->list = 1;
			v->items = phase_xmalloc((cJSON_GetArraySize(val) + 1) *
			    sizeof *v->items);
			cJSON_ArrayForEach(e, val) {
				if (!cJSON_IsString(e))
					return (ploader_error(ld, "variables: "
					    "\"%s\": a list holds strings",
					    it->string));
				v->items[v->nitems++] =
				    phase_xstrdup(e->valuestring);
			}
		} else
			return (ploader_error(ld, "variables: \"%s\" must be a "
			    "string, a number or a list of strings",
			    it->string));
	}
	return (0);
}

static int
ploader_maps(struct ploader *ld, const cJSON *maps)
{
	struct phase_set	*set = ld->set;
	const cJSON		*it, *e;
	struct phase_map	*m;

	if (maps == NULL)
		return (0);
	if (!cJSON_IsObject(maps))
		return (ploader_error(ld, "\"maps\" must be an object"));
	cJSON_ArrayForEach(it, maps) {
		if (!phase_is_ident(it->string, strlen(it->string)))
			return (ploader_error(ld, "maps: bad name \"%s\"",
			    it->string));
		if (!cJSON_IsObject(it))
			return (ploader_error(ld, "maps: \"%s\" must be an "
			    "object of name: name-or-null", it->string));
		set->maps = phase_xrealloc(set->maps,
		    (set->nmaps + 1) * sizeof *set->maps);
		m = &set->maps[set->nmaps++];
		memset(m, 0, sizeof *m);
		m->name = phase_xstrdup(it->string);
		m->from = phase_xmalloc((cJSON_GetArraySize(it) + 1) *
		    sizeof *m->from);
		m->to = phase_xmalloc((cJSON_GetArraySize(it) + 1) *
		    sizeof *m->to);
		cJSON_ArrayForEach(e, it) {
			if (!cJSON_IsString(e) && !cJSON_IsNull(e))
				return (ploader_error(ld, "maps: %s: \"%s\" "
				    "must map to a string or null", m->name,
				    e->string));
			m->from[m->n] = phase_xstrdup(e->string);
			m->to[m->n] = cJSON_IsString(e) ?
			    phase_xstrdup(e->valuestring) : NULL;
			m->n++;
		}
	}
	return (0);
}

static int
ploader_scripts(struct ploader *ld, const cJSON *scripts)
{
	struct phase_set	*set = ld->set;
	const cJSON		*it;
	char			*body;

	if (scripts == NULL)
		return (0);
	if (!cJSON_IsObject(scripts))
		return (ploader_error(ld, "\"scripts\" must be an object"));
	cJSON_ArrayForEach(it, scripts) {
		body = phase_json_text(it);
		if (body == NULL)
			return (ploader_error(ld, "scripts: \"%s\" must be a "
			    "string or an array of lines", it->string));
		set->script_names = phase_xrealloc(set->script_names,
		    (set->nscripts + 1) * sizeof *set->script_names);
		set->script_bodies = phase_xrealloc(set->script_bodies,
		    (set->nscripts + 1) * sizeof *set->script_bodies);
		set->script_names[set->nscripts] = phase_xstrdup(it->string);
		set->script_bodies[set->nscripts++] = body;
	}
	return (0);
}

static int
phase_where_parse(const char *s, enum phase_where *w)
{
	if (strcmp(s, "head") == 0)
		*w = PHASE_WHERE_HEAD;
	else if (strcmp(s, "nodes") == 0)
		*w = PHASE_WHERE_NODES;
	else if (strcmp(s, "all") == 0)
		*w = PHASE_WHERE_ALL;
	else if (strcmp(s, "one-node") == 0)
		*w = PHASE_WHERE_ONE_NODE;
	else
		return (-1);
	return (0);
}

const char *
phase_where_name(enum phase_where w)
{
	switch (w) {
	case PHASE_WHERE_HEAD:
		return ("head");
	case PHASE_WHERE_NODES:
		return ("nodes");
	case PHASE_WHERE_ALL:
		return ("all");
	case PHASE_WHERE_ONE_NODE:
		return ("one-node");
	}
	return ("?");
}

/* Is NAME known when a template of step ST of phase PH is expanded? */
static int
ploader_known(struct ploader *ld, const struct phase *ph, size_t stepno,
    const char *name)
{
	const struct phase_set	*set = ld->set;
	const struct phase_step	*st = &ph->steps[stepno];
	size_t			 i;

	for (i = 0; phase_builtins[i] != NULL; i++) {
		if (strcmp(phase_builtins[i], name) == 0)
			return (1);
	}
	for (i = 0; i < set->nvars; i++) {
		if (strcmp(set->vars[i].name, name) == 0)
			return (1);
	}
	for (i = 0; i < st->nalias; i++) {
		if (strcmp(st->alias_from[i], name) == 0)
			return (1);
	}
	for (i = 0; i < stepno; i++) {
		if (ph->steps[i].capture != NULL &&
		    strcmp(ph->steps[i].capture, name) == 0)
			return (1);
	}
	return (0);
}

static int
ploader_check_tmpl(struct ploader *ld, const struct phase *ph, size_t stepno,
    const char *field, const char *tmpl)
{
	const struct phase_step	*st = &ph->steps[stepno];
	const char		*p, *name, *map;
	size_t			 namelen, maplen, i;
	int			 escaped, rc = 0;
	char			*n;

	if (tmpl == NULL)
		return (0);
	p = tmpl;
	while (rc == 0 && (p = phase_next_ref(p, tmpl, &name, &namelen, &map,
	    &maplen, &escaped)) != NULL) {
		if (escaped) {
			p += 2;
			continue;
		}
		n = phase_xstrndup(name, namelen);
		if (!ploader_known(ld, ph, stepno, n))
			rc = ploader_error(ld, "phase %d, step \"%s\": %s: "
			    "unknown variable {%s}", ph->number, st->name,
			    field, n);
		free(n);
		if (rc == 0 && map != NULL) {
			for (i = 0; i < ld->set->nmaps; i++) {
				if (strlen(ld->set->maps[i].name) == maplen &&
				    memcmp(ld->set->maps[i].name, map,
				    maplen) == 0)
					break;
			}
			if (i == ld->set->nmaps)
				rc = ploader_error(ld, "phase %d, step \"%s\": "
				    "%s: unknown map @%.*s", ph->number,
				    st->name, field, (int)maplen, map);
		}
		p = (map != NULL ? map + maplen : name + namelen) + 1;
	}
	return (rc);
}

/* Replace "@name" in *TEXT by the script of that name. */
static int
ploader_script_ref(struct ploader *ld, const char *where, char **text)
{
	size_t	i;

	if (*text == NULL || (*text)[0] != '@')
		return (0);
	for (i = 0; i < ld->set->nscripts; i++) {
		if (strcmp(ld->set->script_names[i], *text + 1) == 0)
			break;
	}
	if (i == ld->set->nscripts)
		return (ploader_error(ld, "%s: no script \"%s\" in "
		    "\"scripts\"", where, *text + 1));
	free(*text);
	*text = phase_xstrdup(ld->set->script_bodies[i]);
	return (0);
}

static const char *const ploader_step_keys[] = {
	"name", "where", "kind", "root", "as", "check", "command", "input",
	"path", "marker", "content", "if_missing", "mode", "position",
	"secret", "capture", "capture_regex", "preview", "test", "warn_only",
	"unchanged_exit",
	"success", "timeout", "fanout", "vars", "comment", NULL
};

static int
ploader_step(struct ploader *ld, struct phase *ph, size_t stepno,
    const cJSON *js)
{
	struct phase_step	*st = &ph->steps[stepno];
	const cJSON		*j, *e;
	char			 where[128], *kind = NULL, *s = NULL;
	size_t			 i;
	regex_t			 re;

	st->unchanged_exit = PHASE_UNCHANGED_EXIT;
	st->ok_exit[0] = 0;
	st->nok_exit = 1;
	snprintf(where, sizeof where, "phase %d, step %zu", ph->number,
	    stepno + 1);
	if (!cJSON_IsObject(js))
		return (ploader_error(ld, "%s: a step must be an object", where));
	if (ploader_keys(ld, js, where, ploader_step_keys) != 0)
		return (-1);
	j = cJSON_GetObjectItemCaseSensitive(js, "name");
	if (!cJSON_IsString(j) || *j->valuestring == '\0')
		return (ploader_error(ld, "%s: \"name\" is required", where));
	st->name = phase_xstrdup(j->valuestring);
	snprintf(where, sizeof where, "phase %d, step \"%s\"", ph->number,
	    st->name);

	j = cJSON_GetObjectItemCaseSensitive(js, "where");
	if (!cJSON_IsString(j) || phase_where_parse(j->valuestring,
	    &st->where) != 0)
		return (ploader_error(ld, "%s: \"where\" must be \"head\", "
		    "\"nodes\", \"all\" or \"one-node\"", where));
	if (ploader_text(ld, js, "kind", where, &kind) != 0)
		return (-1);
	if (kind == NULL || strcmp(kind, "run") == 0)
		st->kind = PHASE_STEP_RUN;
	else if (strcmp(kind, "block") == 0)
		st->kind = PHASE_STEP_BLOCK;
	else if (strcmp(kind, "file") == 0)
		st->kind = PHASE_STEP_FILE;
	else {
		free(kind);
		return (ploader_error(ld, "%s: \"kind\" must be \"run\", "
		    "\"block\" or \"file\"", where));
	}
	free(kind);

	if (ploader_bool(ld, js, "root", where, &st->root) != 0 ||
	    ploader_bool(ld, js, "secret", where, &st->secret) != 0 ||
	    ploader_bool(ld, js, "test", where, &st->test) != 0 ||
	    ploader_bool(ld, js, "preview", where, &st->preview) != 0 ||
	    ploader_bool(ld, js, "warn_only", where, &st->warn_only) != 0 ||
	    ploader_int(ld, js, "unchanged_exit", where, 1, 255,
	    &st->unchanged_exit) != 0 ||
	    ploader_int(ld, js, "timeout", where, 0, 7 * 86400,
	    &st->timeout_s) != 0 ||
	    ploader_int(ld, js, "fanout", where, 0, 1 << 20, &st->fanout) != 0)
		return (-1);
	if (ploader_text(ld, js, "as", where, &st->as_user) != 0 ||
	    ploader_text(ld, js, "check", where, &st->check) != 0 ||
	    ploader_text(ld, js, "command", where, &st->command) != 0 ||
	    ploader_text(ld, js, "input", where, &st->input) != 0 ||
	    ploader_text(ld, js, "path", where, &st->path) != 0 ||
	    ploader_text(ld, js, "marker", where, &st->marker) != 0 ||
	    ploader_text(ld, js, "content", where, &st->content) != 0 ||
	    ploader_text(ld, js, "if_missing", where, &st->if_missing) != 0 ||
	    ploader_text(ld, js, "mode", where, &st->mode) != 0 ||
	    ploader_text(ld, js, "capture", where, &st->capture) != 0 ||
	    ploader_text(ld, js, "capture_regex", where,
	    &st->capture_regex) != 0 ||
	    ploader_text(ld, js, "position", where, &s) != 0)
		return (-1);
	if (s != NULL) {
		if (strcmp(s, "top") == 0)
			st->top = 1;
		else if (strcmp(s, "end") != 0) {
			free(s);
			return (ploader_error(ld, "%s: \"position\" must be "
			    "\"top\" or \"end\"", where));
		}
		free(s);
	}

	/* "@name" uses a shared text from "scripts". */
	if (ploader_script_ref(ld, where, &st->command) != 0 ||
	    ploader_script_ref(ld, where, &st->content) != 0 ||
	    ploader_script_ref(ld, where, &st->input) != 0)
		return (-1);

	j = cJSON_GetObjectItemCaseSensitive(js, "vars");
	if (j != NULL) {
		if (!cJSON_IsObject(j))
			return (ploader_error(ld, "%s: \"vars\" must be an "
			    "object of name: variable", where));
		cJSON_ArrayForEach(e, j) {
			if (!cJSON_IsString(e) ||
			    !phase_is_ident(e->string, strlen(e->string)) ||
			    !phase_is_ident(e->valuestring,
			    strlen(e->valuestring)))
				return (ploader_error(ld, "%s: vars: \"%s\" must "
				    "name another variable", where, e->string));
			st->alias_from = phase_xrealloc(st->alias_from,
			    (st->nalias + 1) * sizeof *st->alias_from);
			st->alias_to = phase_xrealloc(st->alias_to,
			    (st->nalias + 1) * sizeof *st->alias_to);
			st->alias_from[st->nalias] = phase_xstrdup(e->string);
			st->alias_to[st->nalias++] =
			    phase_xstrdup(e->valuestring);
		}
	}

	j = cJSON_GetObjectItemCaseSensitive(js, "success");
	if (j != NULL) {
		static const char *const keys[] = { "exit", "expect",
		    "every_node", "lines", NULL };
		if (!cJSON_IsObject(j))
			return (ploader_error(ld, "%s: \"success\" must be an "
			    "object", where));
		if (ploader_keys(ld, j, where, keys) != 0)
			return (-1);
		e = cJSON_GetObjectItemCaseSensitive(j, "exit");
		if (e != NULL) {
			const cJSON *x;
			if (!cJSON_IsArray(e) || cJSON_GetArraySize(e) < 1 ||
			    cJSON_GetArraySize(e) > 8)
				return (ploader_error(ld, "%s: success.exit must "
				    "be a list of 1 to 8 exit statuses", where));
			st->nok_exit = 0;
			cJSON_ArrayForEach(x, e) {
				if (!cJSON_IsNumber(x) || x->valueint < 0 ||
				    x->valueint > 255)
					return (ploader_error(ld, "%s: "
					    "success.exit: bad status", where));
				st->ok_exit[st->nok_exit++] = x->valueint;
			}
		}
		if (ploader_text(ld, j, "expect", where, &st->expect) != 0 ||
		    ploader_text(ld, j, "lines", where, &st->lines) != 0 ||
		    ploader_bool(ld, j, "every_node", where,
		    &st->every_node) != 0)
			return (-1);
		if (st->lines != NULL) {
			if (regcomp(&re, st->lines, REG_EXTENDED |
			    REG_NOSUB) != 0)
				return (ploader_error(ld, "%s: success.lines "
				    "is not a valid regular expression",
				    where));
			regfree(&re);
		}
		if (st->expect != NULL) {
			if (regcomp(&re, st->expect, REG_EXTENDED |
			    REG_NOSUB | REG_NEWLINE) != 0)
				return (ploader_error(ld, "%s: success.expect "
				    "is not a valid regular expression",
				    where));
			regfree(&re);
		}
	}

	/* Shape of each kind. */
	switch (st->kind) {
	case PHASE_STEP_RUN:
		if (st->command == NULL)
			return (ploader_error(ld, "%s: \"command\" is required",
			    where));
		if (st->path != NULL || st->marker != NULL ||
		    st->content != NULL)
			return (ploader_error(ld, "%s: \"path\", \"marker\" and "
			    "\"content\" belong to \"block\" and \"file\" "
			    "steps", where));
		break;
	case PHASE_STEP_BLOCK:
	case PHASE_STEP_FILE:
		if (st->path == NULL || st->content == NULL)
			return (ploader_error(ld, "%s: \"path\" and \"content\" "
			    "are required", where));
		if (st->kind == PHASE_STEP_BLOCK && (st->marker == NULL ||
		    strchr(st->marker, '\n') != NULL || *st->marker == '\0'))
			return (ploader_error(ld, "%s: \"marker\" (one line) is "
			    "required", where));
		if (st->command != NULL || st->check != NULL ||
		    st->input != NULL)
			return (ploader_error(ld, "%s: a %s step has no "
			    "\"command\", \"check\" or \"input\"", where,
			    st->kind == PHASE_STEP_BLOCK ? "block" : "file"));
		break;
	}
	if (st->mode != NULL && (strlen(st->mode) < 3 ||
	    strlen(st->mode) > 4 || strspn(st->mode, "01234567") !=
	    strlen(st->mode)))
		return (ploader_error(ld, "%s: \"mode\" must be octal, such as "
		    "\"0644\"", where));
	if (st->capture_regex != NULL) {
		if (st->capture == NULL)
			return (ploader_error(ld, "%s: \"capture_regex\" needs "
			    "\"capture\"", where));
		if (regcomp(&re, st->capture_regex, REG_EXTENDED |
		    REG_NEWLINE) != 0)
			return (ploader_error(ld, "%s: capture_regex is not a "
			    "valid regular expression", where));
		regfree(&re);
	}
	if (st->preview && (st->where != PHASE_WHERE_HEAD ||
	    st->kind != PHASE_STEP_RUN))
		return (ploader_error(ld, "%s: a \"preview\" step is a "
		    "\"run\" step on the head", where));
	if (st->capture != NULL) {
		if (st->where != PHASE_WHERE_HEAD)
			return (ploader_error(ld, "%s: \"capture\" needs "
			    "\"where\": \"head\"", where));
		if (!phase_is_ident(st->capture, strlen(st->capture)))
			return (ploader_error(ld, "%s: \"capture\" must be a "
			    "variable name", where));
	}
	if (st->every_node && st->where != PHASE_WHERE_HEAD &&
	    st->where != PHASE_WHERE_ONE_NODE)
		return (ploader_error(ld, "%s: success.every_node needs "
		    "\"where\": \"head\" or \"one-node\"", where));
	for (i = 0; i < st->nalias; i++) {
		if (!ploader_known(ld, ph, stepno, st->alias_to[i]))
			return (ploader_error(ld, "%s: vars: unknown variable "
			    "\"%s\"", where, st->alias_to[i]));
	}
	if (ploader_check_tmpl(ld, ph, stepno, "as", st->as_user) != 0 ||
	    ploader_check_tmpl(ld, ph, stepno, "check", st->check) != 0 ||
	    ploader_check_tmpl(ld, ph, stepno, "command", st->command) != 0 ||
	    ploader_check_tmpl(ld, ph, stepno, "input", st->input) != 0 ||
	    ploader_check_tmpl(ld, ph, stepno, "path", st->path) != 0 ||
	    ploader_check_tmpl(ld, ph, stepno, "content", st->content) != 0 ||
	    ploader_check_tmpl(ld, ph, stepno, "if_missing",
	    st->if_missing) != 0)
		return (-1);
	return (0);
}

static const char *const ploader_phase_keys[] = {
	"number", "name", "title", "description", "steps", "confirm",
	"comment", NULL
};

static int
ploader_phase(struct ploader *ld, struct phase *ph, const cJSON *jp,
    size_t index)
{
	const cJSON	*j, *js;
	char		 where[64];
	size_t		 n;

	snprintf(where, sizeof where, "phases[%zu]", index);
	if (!cJSON_IsObject(jp))
		return (ploader_error(ld, "%s: a phase must be an object", where));
	if (ploader_keys(ld, jp, where, ploader_phase_keys) != 0)
		return (-1);
	ph->number = 0;
	if (ploader_int(ld, jp, "number", where, 1, 99, &ph->number) != 0)
		return (-1);
	if (ph->number == 0)
		return (ploader_error(ld, "%s: \"number\" (1-99) is required",
		    where));
	snprintf(where, sizeof where, "phase %d", ph->number);
	j = cJSON_GetObjectItemCaseSensitive(jp, "name");
	if (!cJSON_IsString(j) || !phase_is_ident(j->valuestring,
	    strlen(j->valuestring)))
		return (ploader_error(ld, "%s: \"name\" is required (a short "
		    "lowercase word)", where));
	ph->name = phase_xstrdup(j->valuestring);
	if (ploader_text(ld, jp, "title", where, &ph->title) != 0 ||
	    ploader_text(ld, jp, "description", where,
	    &ph->description) != 0)
		return (-1);
	if (ph->title == NULL)
		ph->title = phase_xstrdup(ph->name);
	ph->confirm = 1;
	if (ploader_bool(ld, jp, "confirm", where, &ph->confirm) != 0)
		return (-1);
	js = cJSON_GetObjectItemCaseSensitive(jp, "steps");
	if (!cJSON_IsArray(js) || cJSON_GetArraySize(js) == 0)
		return (ploader_error(ld, "%s: \"steps\" must be a non-empty "
		    "list", where));
	ph->steps = phase_xmalloc(cJSON_GetArraySize(js) * sizeof *ph->steps);
	memset(ph->steps, 0, cJSON_GetArraySize(js) * sizeof *ph->steps);
	n = 0;
	cJSON_ArrayForEach(j, js) {
		ph->nsteps = n + 1;
		if (ploader_step(ld, ph, n, j) != 0)
			return (-1);
		n++;
	}
	return (0);
}

static const char *const ploader_top_keys[] = {
	"version", "variables", "maps", "scripts", "phases", "comment", NULL
};

struct phase_set *
phase_set_parse(const char *text, const char *name, char **cause)
{
	struct ploader	 ld = { 0 };
	cJSON		*root;
	const cJSON	*j, *jp;
	size_t		 i, k, n;

	*cause = NULL;
	ld.file = name;
	root = cJSON_Parse(text);
	if (root == NULL) {
		const char	*ep = cJSON_GetErrorPtr();
		size_t		 line = 1;
		const char	*p;

		for (p = text; ep != NULL && p < ep && *p != '\0'; p++) {
			if (*p == '\n')
				line++;
		}
		*cause = phase_xprintf("%s:%zu: not valid JSON", name, line);
		return (NULL);
	}
	ld.set = phase_xmalloc(sizeof *ld.set);
	memset(ld.set, 0, sizeof *ld.set);
	if (!cJSON_IsObject(root)) {
		ploader_error(&ld, "the top level must be an object");
		goto fail;
	}
	if (ploader_keys(&ld, root, "top level", ploader_top_keys) != 0)
		goto fail;
	j = cJSON_GetObjectItemCaseSensitive(root, "version");
	if (j != NULL && (!cJSON_IsNumber(j) || j->valueint != 1)) {
		ploader_error(&ld, "\"version\" must be 1");
		goto fail;
	}
	if (ploader_variables(&ld, cJSON_GetObjectItemCaseSensitive(root,
	    "variables")) != 0 ||
	    ploader_maps(&ld, cJSON_GetObjectItemCaseSensitive(root,
	    "maps")) != 0 ||
	    ploader_scripts(&ld, cJSON_GetObjectItemCaseSensitive(root,
	    "scripts")) != 0)
		goto fail;
	j = cJSON_GetObjectItemCaseSensitive(root, "phases");
	if (!cJSON_IsArray(j) || cJSON_GetArraySize(j) == 0) {
		ploader_error(&ld, "\"phases\" must be a non-empty list");
		goto fail;
	}
	n = cJSON_GetArraySize(j);
	ld.set->phases = phase_xmalloc(n * sizeof *ld.set->phases);
	memset(ld.set->phases, 0, n * sizeof *ld.set->phases);
	i = 0;
	cJSON_ArrayForEach(jp, j) {
		ld.set->nphases = i + 1;
		if (ploader_phase(&ld, &ld.set->phases[i], jp, i) != 0)
			goto fail;
		for (k = 0; k < i; k++) {
			if (ld.set->phases[k].number ==
			    ld.set->phases[i].number ||
			    strcmp(ld.set->phases[k].name,
			    ld.set->phases[i].name) == 0) {
				ploader_error(&ld, "phase %d (%s): the number "
				    "or name is used twice",
				    ld.set->phases[i].number,
				    ld.set->phases[i].name);
				goto fail;
			}
		}
		i++;
	}
	cJSON_Delete(root);
	return (ld.set);

fail:
	cJSON_Delete(root);
	phase_set_free(ld.set);
	*cause = ld.error != NULL ? ld.error :
	    phase_xprintf("%s: invalid phases file", name);
	return (NULL);
}

struct phase_set *
phase_set_load(const char *path, char **cause)
{
	struct phase_set	*set;
	FILE			*f;
	struct stat		 sb;
	char			*text;
	size_t			 n;

	f = fopen(path, "r");
	if (f == NULL) {
		*cause = phase_xprintf("%s: %s", path, strerror(errno));
		return (NULL);
	}
	if (fstat(fileno(f), &sb) != 0 || !S_ISREG(sb.st_mode) ||
	    sb.st_size > PHASE_FILE_MAX) {
		fclose(f);
		*cause = phase_xprintf("%s: not a regular file of at most "
		    "%d bytes", path, PHASE_FILE_MAX);
		return (NULL);
	}
	text = phase_xmalloc(sb.st_size + 1);
	n = fread(text, 1, sb.st_size, f);
	fclose(f);
	text[n] = '\0';
	set = phase_set_parse(text, path, cause);
	free(text);
	if (set != NULL)
		set->path = phase_xstrdup(path);
	return (set);
}

char *
phase_find_file(const char *explicit, char **cause)
{
	const char	*env;

	if (explicit != NULL)
		return (phase_xstrdup(explicit));
	env = getenv("CLUSTERTOP_PHASES");
	if (env != NULL && *env != '\0')
		return (phase_xstrdup(env));
	if (access("src/phases.json", R_OK) == 0)
		return (phase_xstrdup("src/phases.json"));
	if (access(CT_DATADIR "/phases.json", R_OK) == 0)
		return (phase_xstrdup(CT_DATADIR "/phases.json"));
	*cause = phase_xstrdup("no phases file: tried --phases, "
	    "$CLUSTERTOP_PHASES, ./src/phases.json and "
	    CT_DATADIR "/phases.json");
	return (NULL);
}

const struct phase *
phase_set_find(const struct phase_set *set, int number)
{
	size_t	i;

	for (i = 0; i < set->nphases; i++) {
		if (set->phases[i].number == number)
			return (&set->phases[i]);
	}
	return (NULL);
}

const struct phase *
phase_set_lookup(const struct phase_set *set, const char *s)
{
	char	*end;
	long	 n;
	size_t	 i;

	errno = 0;
	n = strtol(s, &end, 10);
	if (*s != '\0' && *end == '\0' && errno == 0 && n > 0 && n < 100)
		return (phase_set_find(set, (int)n));
	for (i = 0; i < set->nphases; i++) {
		if (strcmp(set->phases[i].name, s) == 0)
			return (&set->phases[i]);
	}
	return (NULL);
}

/* --- scripts ------------------------------------------------------------------ */

/*
 * The managed-block script. The new block arrives on stdin; the file is
 * rebuilt with awk (the old block, if any, replaced in place; else the
 * block appended, or put first with TOP), compared with the current file,
 * and only when different backed up and rewritten in place, so that the
 * file keeps its inode, owner, mode and any bind mount of it (a container's
 * or a mount namespace's private /etc/hosts). A new file is created through
 * a temporary name and a rename. Exit UNCHANGED_EXIT when the file already
 * held this block.
 */
char *
phase_block_script(const char *path, const char *marker,
    const char *if_missing, const char *mode, int top, int unchanged_exit)
{
	struct pbuf	 b = { 0 };
	char		*qp, *qb, *qe, *qm, *qi, *t;

	qp = phase_shell_quote(path);
	t = phase_xprintf("# BEGIN %s", marker);
	qb = phase_shell_quote(t);
	free(t);
	t = phase_xprintf("# END %s", marker);
	qe = phase_shell_quote(t);
	free(t);
	qm = phase_shell_quote(mode != NULL ? mode : "0644");
	qi = phase_shell_quote(if_missing != NULL ? if_missing : "");
	pbuf_printf(&b,
	    "f=%s b=%s e=%s\n"
	    "d=$(dirname -- \"$f\")\n"
	    "[ -d \"$d\" ] || mkdir -p -m 0700 -- \"$d\" || exit 1\n"
	    "blk=$(mktemp) || exit 1\n"
	    "new=$(mktemp \"$d/.clustertop.XXXXXX\") || { rm -f \"$blk\"; exit 1; }\n"
	    "trap 'rm -f \"$blk\" \"$new\"' EXIT\n"
	    "cat > \"$blk\" || exit 1\n"
	    "if [ -e \"$f\" ]; then\n"
	    "\tawk -v b=\"$b\" -v e=\"$e\" -v blk=\"$blk\" -v top=%d '\n"
	    "\tfunction emit(  l) { print b; while ((getline l < blk) > 0) print l; close(blk); print e; done = 1 }\n"
	    "\tNR == 1 && top { emit() }\n"
	    "\t$0 == b { if (!done) emit(); skip = 1; next }\n"
	    "\tskip && $0 == e { skip = 0; next }\n"
	    "\tskip { next }\n"
	    "\t{ print }\n"
	    "\tEND { if (skip) exit 3; if (!done) emit() }' \"$f\" > \"$new\" ||\n"
	    "\t    { echo \"$f: a '$b' line has no '$e' line: not changed\" >&2; exit 1; }\n"
	    "\tif cmp -s \"$f\" \"$new\"; then echo \"$f: up to date\"; exit %d; fi\n"
	    "\tbk=$(mktemp \"$f.clustertop-$(date +%%Y%%m%%d-%%H%%M%%S).XXXXXX\") || exit 1\n"
	    "\tcp -p -- \"$f\" \"$bk\" || exit 1\n"
	    "\techo \"$f: backed up to $bk\"\n"
	    "\tchmod --reference=\"$f\" \"$new\" 2>/dev/null\n"
	    "\tchown --reference=\"$f\" \"$new\" 2>/dev/null\n"
	    "else\n"
	    "\t{ if [ -n %s ]; then printf '%%s\\n' %s; fi\n"
	    "\t  printf '%%s\\n' \"$b\"; cat \"$blk\"; printf '%%s\\n' \"$e\"; } > \"$new\" || exit 1\n"
	    "\tchmod %s \"$new\" || exit 1\n"
	    "fi\n"
	    "if [ -e \"$f\" ]; then\n"
	    "\t# In place: keeps the inode, owner, mode, links and any bind\n"
	    "\t# mount of it (renaming over /etc/hosts would detach a\n"
	    "\t# container's or another namespace's private copy).\n"
	    "\tcat \"$new\" > \"$f\" || { cp -p -- \"$bk\" \"$f\"; exit 1; }\n"
	    "else\n"
	    "\tmv -f -- \"$new\" \"$f\" || exit 1\n"
	    "fi\n"
	    "echo \"$f: block '$b' written\"\n",
	    qp, qb, qe, top ? 1 : 0, unchanged_exit, qi, qi, qm);
	free(qp);
	free(qb);
	free(qe);
	free(qm);
	free(qi);
	return (pbuf_take(&b));
}

/* The whole-file script: stdin becomes the file, unless already equal. */
char *
phase_file_script(const char *path, const char *mode, int unchanged_exit)
{
	struct pbuf	 b = { 0 };
	char		*qp, *qm;

	qp = phase_shell_quote(path);
	qm = phase_shell_quote(mode != NULL ? mode : "0644");
	pbuf_printf(&b,
	    "f=%s\n"
	    "d=$(dirname -- \"$f\")\n"
	    "[ -d \"$d\" ] || mkdir -p -- \"$d\" || exit 1\n"
	    "new=$(mktemp \"$d/.clustertop.XXXXXX\") || exit 1\n"
	    "trap 'rm -f \"$new\"' EXIT\n"
	    "cat > \"$new\" || exit 1\n"
	    "chmod %s \"$new\" || exit 1\n"
	    "if [ -e \"$f\" ] && cmp -s \"$f\" \"$new\" &&\n"
	    "    [ \"$(stat -c %%a \"$f\")\" = \"$(stat -c %%a \"$new\")\" ]; then\n"
	    "\techo \"$f: up to date\"; exit %d\n"
	    "fi\n"
	    "if [ -e \"$f\" ]; then\n"
	    "\tbk=$(mktemp \"$f.clustertop-$(date +%%Y%%m%%d-%%H%%M%%S).XXXXXX\") || exit 1\n"
	    "\tcp -p -- \"$f\" \"$bk\" || exit 1\n"
	    "\techo \"$f: backed up to $bk\"\n"
	    "fi\n"
	    "if mv -f -- \"$new\" \"$f\" 2>/dev/null; then :; else\n"
	    "\tcat \"$new\" > \"$f\" || exit 1\n"
	    "fi\n"
	    "echo \"$f: written\"\n",
	    qp, qm, unchanged_exit);
	free(qp);
	free(qm);
	return (pbuf_take(&b));
}

/* Variables with the step's local aliases ("vars") applied; caller frees. */
static struct phase_vars *
phase_step_vars(const struct phase_step *st, const struct phase_vars *vars)
{
	struct phase_vars	*sv;
	struct pvar		*src, *dst;
	size_t			 i, k;

	sv = phase_vars_create();
	sv->maps = vars->maps;
	sv->nmaps = vars->nmaps;
	for (i = 0; i < vars->n; i++) {
		src = &vars->v[i];
		dst = pvar_get(sv, src->name);
		dst->items = phase_xmalloc((src->nitems + 1) *
		    sizeof *dst->items);
		for (k = 0; k < src->nitems; k++)
			dst->items[k] = phase_xstrdup(src->items[k]);
		dst->nitems = src->nitems;
		dst->list = src->list;
		dst->secret = src->secret;
		dst->literal = src->literal;
		dst->error = phase_xstrdup(src->error);
	}
	for (i = 0; i < st->nalias; i++) {
		src = pvar_findn(vars, st->alias_to[i], strlen(st->alias_to[i]));
		if (src == NULL)
			continue;
		dst = pvar_get(sv, st->alias_from[i]);
		dst->items = phase_xmalloc((src->nitems + 1) *
		    sizeof *dst->items);
		for (k = 0; k < src->nitems; k++)
			dst->items[k] = phase_xstrdup(src->items[k]);
		dst->nitems = src->nitems;
		dst->list = src->list;
		dst->secret = src->secret;
		dst->literal = src->literal;
		dst->error = phase_xstrdup(src->error);
	}
	return (sv);
}

/* Wrap SCRIPT for sh, root (sudo -n) or another user (sudo -n -u). */
static char *
phase_wrap(const char *script, int root, const char *user)
{
	char	*qs, *qu, *w;

	qs = phase_shell_quote(script);
	if (user != NULL && *user != '\0') {
		qu = phase_shell_quote(user);
		w = phase_xprintf("s=%s; u=%s; "
		    "if [ \"$(id -un)\" = \"$u\" ]; then exec sh -c \"$s\"; fi; "
		    "exec sudo -n -H -u \"$u\" env "
		    "${SLURM_CONF:+\"SLURM_CONF=$SLURM_CONF\"} sh -c \"$s\"",
		    qs, qu);
		free(qu);
	} else if (root) {
		w = phase_xprintf("s=%s; "
		    "if [ \"$(id -u)\" -eq 0 ]; then exec sh -c \"$s\"; fi; "
		    "exec sudo -n sh -c \"$s\"", qs);
	} else
		w = phase_xprintf("exec sh -c %s", qs);
	free(qs);
	return (w);
}

static char *
phase_ensure_nl(char *s)
{
	size_t	n = strlen(s);

	if (n > 0 && s[n - 1] != '\n') {
		s = phase_xrealloc(s, n + 2);
		s[n] = '\n';
		s[n + 1] = '\0';
	}
	return (s);
}

int
phase_step_script(const struct phase_step *st, const struct phase_vars *vars,
    char **script, char **input, size_t *inputlen, char **wrapped,
    char **cause)
{
	struct phase_vars	*sv;
	struct pbuf		 b = { 0 };
	char			*check = NULL, *cmd = NULL, *path = NULL;
	char			*user = NULL, *content = NULL, *ifm = NULL;
	int			 rc = -1;

	*script = *input = *wrapped = NULL;
	*inputlen = 0;
	sv = phase_step_vars(st, vars);
	if (st->as_user != NULL) {
		user = phase_expand(st->as_user, sv, 0, NULL, cause);
		if (user == NULL)
			goto out;
	}
	switch (st->kind) {
	case PHASE_STEP_RUN:
		if (st->check != NULL) {
			check = phase_expand(st->check, sv, 1, NULL, cause);
			if (check == NULL)
				goto out;
		}
		cmd = phase_expand(st->command, sv, 1, NULL, cause);
		if (cmd == NULL)
			goto out;
		if (check != NULL) {
			/* The check decides "already done" before anything runs. */
			pbuf_printf(&b, "if (\n%s\n) >/dev/null 2>&1; then "
			    "echo 'already done'; exit %d; fi\n",
			    check, st->unchanged_exit);
		}
		pbuf_add(&b, cmd);
		if (st->input != NULL) {
			*input = phase_expand(st->input, sv, 0, NULL, cause);
			if (*input == NULL)
				goto out;
			*inputlen = strlen(*input);
		}
		break;
	case PHASE_STEP_BLOCK:
	case PHASE_STEP_FILE:
		path = phase_expand(st->path, sv, 0, NULL, cause);
		if (path == NULL)
			goto out;
		if (*path == '\0' || strchr(path, '\n') != NULL) {
			*cause = phase_xprintf("step \"%s\": the path is empty "
			    "or has a newline", st->name);
			goto out;
		}
		content = phase_expand(st->content, sv, 0, NULL, cause);
		if (content == NULL)
			goto out;
		if (st->kind == PHASE_STEP_BLOCK) {
			content = phase_ensure_nl(content);
			if (st->if_missing != NULL) {
				ifm = phase_expand(st->if_missing, sv, 0, NULL,
				    cause);
				if (ifm == NULL)
					goto out;
				/* printf '%s\n' adds the last newline. */
				if (*ifm != '\0' && ifm[strlen(ifm) - 1] == '\n')
					ifm[strlen(ifm) - 1] = '\0';
			}
			cmd = phase_block_script(path, st->marker, ifm,
			    st->mode, st->top, st->unchanged_exit);
		} else
			cmd = phase_file_script(path, st->mode,
			    st->unchanged_exit);
		pbuf_add(&b, cmd);
		*input = content;
		*inputlen = strlen(content);
		content = NULL;
		break;
	}
	*script = pbuf_take(&b);
	*wrapped = phase_wrap(*script, st->root, user);
	rc = 0;
out:
	if (rc != 0) {
		free(b.s);
		free(*input);
		*input = NULL;
		*inputlen = 0;
	}
	free(check);
	free(cmd);
	free(path);
	free(user);
	free(content);
	free(ifm);
	phase_vars_free(sv);
	return (rc);
}

/* --- plans ------------------------------------------------------------------ */

static void
phase_plan_indent(struct pbuf *b, const char *text, const char *prefix)
{
	const char	*p, *nl;

	for (p = text; *p != '\0'; p = nl + 1) {
		nl = strchr(p, '\n');
		if (nl == NULL)
			nl = p + strlen(p);
		pbuf_add(b, prefix);
		pbuf_addn(b, p, nl - p);
		pbuf_add(b, "\n");
		if (*nl == '\0')
			break;
	}
}

/* "head", "node[01-08] (8 nodes)", "head, then node[01-08] (8 nodes)" */
static char *
phase_plan_where(const struct phase_step *st, const char *folded, size_t n)
{
	switch (st->where) {
	case PHASE_WHERE_HEAD:
		return (phase_xstrdup("the head node"));
	case PHASE_WHERE_NODES:
		return (phase_xprintf("%s (%zu node%s)", folded, n,
		    n == 1 ? "" : "s"));
	case PHASE_WHERE_ALL:
		return (phase_xprintf("the head node, then %s (%zu node%s)",
		    folded, n, n == 1 ? "" : "s"));
	case PHASE_WHERE_ONE_NODE:
		return (phase_xprintf("one node of %s (the first that is "
		    "still in the run)", folded));
	}
	return (phase_xstrdup("?"));
}

char *
phase_plan(const struct phase *ph, const struct phase_vars *pvars,
    const char *nodes_folded, size_t nnodes, int verbose)
{
	static const struct phase_step	 nostep;
	struct pbuf			 b = { 0 };
	const struct phase_step		*st;
	struct phase_vars		*sv, *vars;
	char				*script, *input, *wrapped, *cause;
	char				*where, *user, *path;
	size_t				 i, inputlen;
	int				 secret;

	/* What a step captures is not known yet: name it in the plan. */
	vars = phase_step_vars(&nostep, pvars);
	for (i = 0; i < ph->nsteps; i++) {
		if (ph->steps[i].capture == NULL ||
		    phase_vars_has(vars, ph->steps[i].capture))
			continue;
		where = phase_xprintf("<{%s} from step %zu>",
		    ph->steps[i].capture, i + 1);
		phase_vars_set(vars, ph->steps[i].capture, where);
		free(where);
	}
	pbuf_printf(&b, "phase %d (%s): %s\n", ph->number, ph->name,
	    ph->title);
	for (i = 0; i < ph->nsteps; i++) {
		st = &ph->steps[i];
		where = phase_plan_where(st, nodes_folded, nnodes);
		pbuf_printf(&b, "\nstep %zu/%zu: %s\n  on:  %s\n", i + 1,
		    ph->nsteps, st->name, where);
		free(where);
		sv = phase_step_vars(st, vars);
		user = NULL;
		cause = NULL;
		if (st->as_user != NULL)
			user = phase_expand(st->as_user, sv, 0, NULL, &cause);
		free(cause);
		if (user != NULL)
			pbuf_printf(&b, "  as:  %s (sudo -n -u %s unless "
			    "clustertop runs as %s)\n", user, user, user);
		else if (st->root)
			pbuf_add(&b, "  as:  root (sudo -n when clustertop "
			    "does not run as root)\n");
		else
			pbuf_add(&b, "  as:  the user clustertop connects "
			    "as\n");
		free(user);
		if (st->kind != PHASE_STEP_RUN) {
			cause = NULL;
			path = phase_expand(st->path, sv, 0, NULL, &cause);
			if (st->kind == PHASE_STEP_BLOCK)
				pbuf_printf(&b, "  do:  replace the block "
				    "\"# BEGIN %s\" ... \"# END %s\" in %s "
				    "(added %s if missing); back the file up "
				    "first; nothing changes when it already "
				    "holds this block\n", st->marker,
				    st->marker, path != NULL ? path : "?",
				    st->top ? "at the top" : "at the end");
			else
				pbuf_printf(&b, "  do:  make %s hold exactly "
				    "this content (mode %s); back up a "
				    "different existing file first\n",
				    path != NULL ? path : "?",
				    st->mode != NULL ? st->mode : "0644");
			free(path);
			free(cause);
		}
		if (st->capture != NULL)
			pbuf_printf(&b, "  keeps its output as {%s}\n",
			    st->capture);
		cause = NULL;
		if (phase_step_script(st, vars, &script, &input, &inputlen,
		    &wrapped, &cause) != 0) {
			pbuf_printf(&b, "  cannot be prepared: %s\n", cause);
			free(cause);
			phase_vars_free(sv);
			continue;
		}
		secret = 0;
		if (st->kind != PHASE_STEP_RUN || st->input != NULL) {
			free(cause);
			cause = NULL;
			free(phase_expand(st->kind == PHASE_STEP_RUN ?
			    st->input : st->content, sv, 0, &secret, &cause));
			free(cause);
			if (secret || st->secret)
				pbuf_printf(&b, "  stdin: %zu bytes, secret: "
				    "not shown\n", inputlen);
			else {
				pbuf_printf(&b, "  stdin (%zu bytes):\n",
				    inputlen);
				phase_plan_indent(&b, input, "    | ");
			}
		}
		if (st->kind == PHASE_STEP_RUN || verbose) {
			pbuf_add(&b, "  script:\n");
			phase_plan_indent(&b, script, "    $ ");
		}
		if (verbose) {
			pbuf_add(&b, "  exact command line:\n");
			phase_plan_indent(&b, wrapped, "    > ");
		}
		free(script);
		free(input);
		free(wrapped);
		phase_vars_free(sv);
	}
	phase_vars_free(vars);
	return (pbuf_take(&b));
}


/* --- the cluster variables ------------------------------------------------- */

/* Does the known_hosts pattern list PATS name HOST (plain or [HOST]:22)? */
static int
phase_kh_match(const char *pats, size_t len, const char *host)
{
	const char	*p, *end = pats + len, *c;
	size_t		 hl = strlen(host), n;

	for (p = pats; p < end; p = c + 1) {
		c = memchr(p, ',', end - p);
		if (c == NULL)
			c = end;
		n = c - p;
		if (n == hl && memcmp(p, host, hl) == 0)
			return (1);
		if (n == hl + 5 && p[0] == '[' && memcmp(p + 1, host, hl) == 0 &&
		    memcmp(p + 1 + hl, "]:22", 4) == 0)
			return (1);
	}
	return (0);
}

/*
 * known_hosts lines for the cluster: "name,addr type key" for every key
 * TEXT holds for a node's name or address. Returns the lines, or NULL with
 * *cause naming the nodes that have none.
 */
char *
phase_known_hosts_entries(const char *text, const struct phase_target *nodes,
    size_t n, char **cause)
{
	struct pbuf	 b = { 0 }, missing = { 0 }, keys;
	const char	*line, *nl, *sp, *key;
	size_t		 i, nmissing = 0, nhashed = 0;
	int		 found;

	for (line = text; *line != '\0'; line = nl + 1) {
		nl = strchr(line, '\n');
		if (nl == NULL)
			nl = line + strlen(line);
		if (line[0] == '|')
			nhashed++;
		if (*nl == '\0')
			break;
	}
	for (i = 0; i < n; i++) {
		found = 0;
		memset(&keys, 0, sizeof keys);
		for (line = text; *line != '\0'; line = nl + 1) {
			nl = strchr(line, '\n');
			if (nl == NULL)
				nl = line + strlen(line);
			sp = memchr(line, ' ', nl - line);
			if (line[0] == '#' || line[0] == '@' || sp == NULL)
				goto next;
			if (!phase_kh_match(line, sp - line, nodes[i].name) &&
			    (nodes[i].addr == NULL || !phase_kh_match(line,
			    sp - line, nodes[i].addr)))
				goto next;
			key = sp + 1;
			/* "type base64 [comment]": keep type and key only. */
			sp = memchr(key, ' ', nl - key);
			if (sp == NULL)
				goto next;
			sp = memchr(sp + 1, ' ', nl - sp - 1);
			if (sp == NULL)
				sp = nl;
			{
				char *k = phase_xstrndup(key, sp - key);
				if (keys.s == NULL || strstr(keys.s, k) == NULL) {
					pbuf_add(&keys, k);
					pbuf_add(&keys, "\n");
					pbuf_add(&b, nodes[i].name);
					if (nodes[i].addr != NULL &&
					    strcmp(nodes[i].addr,
					    nodes[i].name) != 0) {
						pbuf_add(&b, ",");
						pbuf_add(&b, nodes[i].addr);
					}
					pbuf_printf(&b, " %s\n", k);
					found = 1;
				}
				free(k);
			}
		next:
			if (*nl == '\0')
				break;
		}
		free(keys.s);
		if (!found) {
			if (nmissing++ < 8)
				pbuf_printf(&missing, "%s%s",
				    nmissing > 1 ? ", " : "", nodes[i].name);
		}
	}
	if (nmissing > 0) {
		*cause = phase_xprintf("no verified host key for %s%s%s",
		    missing.s, nmissing > 8 ? ", ..." : "", nhashed > 0 ?
		    " (the file has hashed entries, which cannot be matched: "
		    "use HashKnownHosts no for clustertop's known_hosts)" : "");
		free(missing.s);
		free(b.s);
		return (NULL);
	}
	free(missing.s);
	return (pbuf_take(&b));
}

/* Fold N names: node[01-08]. */
static char *
phase_fold(const struct phase_target *t, size_t n)
{
	const char	**names;
	char		 *s;
	size_t		  i;

	if (n == 0)
		return (phase_xstrdup(""));
	names = phase_xmalloc(n * sizeof *names);
	for (i = 0; i < n; i++)
		names[i] = t[i].name;
	s = hostlist_fold_names(names, n);
	free(names);
	return (s != NULL ? s : phase_xstrdup(""));
}

static void
phase_names_var(struct phase_vars *vars, const char *name,
    const struct phase_target *t, size_t n)
{
	const char	**names;
	size_t		  i;

	names = phase_xmalloc((n + 1) * sizeof *names);
	for (i = 0; i < n; i++)
		names[i] = t[i].name;
	phase_vars_set_list(vars, name, names, n);
	free(names);
}

/* Pick the administrator: --set, $CLUSTERTOP_ADMIN_USER, sudo, self, list. */
static void
phase_admin_vars(struct phase_vars *vars)
{
	const struct pvar	*cand;
	const char		*u = NULL, *env;
	struct passwd		*pw;
	char			*cause = NULL, *set = NULL;
	size_t			 i;

	if (phase_vars_get(vars, "admin_user") != NULL) {
		set = phase_expand("{admin_user}", vars, 0, NULL, &cause);
		free(cause);
		if (set != NULL && *set != '\0')
			u = set;
	}
	if (u == NULL && (env = getenv("CLUSTERTOP_ADMIN_USER")) != NULL &&
	    *env != '\0')
		u = env;
	if (u == NULL && getuid() != 0 &&
	    (pw = getpwuid(getuid())) != NULL)
		u = pw->pw_name;
	if (u == NULL && (env = getenv("SUDO_USER")) != NULL && *env != '\0' &&
	    strcmp(env, "root") != 0)
		u = env;
	cand = pvar_findn(vars, "admin_user_candidates",
	    strlen("admin_user_candidates"));
	for (i = 0; u == NULL && cand != NULL && i < cand->nitems; i++) {
		if (getpwnam(cand->items[i]) != NULL)
			u = cand->items[i];
	}
	if (u == NULL) {
		phase_vars_set_error(vars, "admin_user", "no administrator "
		    "account found: give one with --set admin_user=NAME or "
		    "$CLUSTERTOP_ADMIN_USER");
		phase_vars_set_error(vars, "admin_home", "no administrator "
		    "account found");
		free(set);
		return;
	}
	phase_vars_set(vars, "admin_user", u);
	pw = getpwnam(u);
	if (pw == NULL) {
		char *why = phase_xprintf("no account \"%s\" on the head node",
		    u);
		phase_vars_set_error(vars, "admin_home", why);
		free(why);
	} else
		phase_vars_set(vars, "admin_home", pw->pw_dir);
	free(set);
}

void
phase_context_vars(struct phase_vars *vars, const struct phase_target *cluster,
    size_t ncluster, const struct phase_target *targets, size_t ntargets,
    const char *known_hosts)
{
	struct pbuf	 pats = { 0 };
	const char	**lines;
	char		 *s, *text, *cause = NULL, buf[PATH_MAX], host[256];
	size_t		  i, n;
	ssize_t		  len;
	struct passwd	 *pw;
	FILE		 *f;

	phase_names_var(vars, "nodes", targets, ntargets);
	s = phase_fold(targets, ntargets);
	phase_vars_set(vars, "nodes_folded", s);
	free(s);
	snprintf(buf, sizeof buf, "%zu", ntargets);
	phase_vars_set(vars, "node_count", buf);

	phase_names_var(vars, "cluster_nodes", cluster, ncluster);
	s = phase_fold(cluster, ncluster);
	phase_vars_set(vars, "cluster_nodes_folded", s);
	free(s);
	snprintf(buf, sizeof buf, "%zu", ncluster);
	phase_vars_set(vars, "cluster_count", buf);

	lines = phase_xmalloc((ncluster + 1) * sizeof *lines);
	memset(lines, 0, (ncluster + 1) * sizeof *lines);
	for (i = n = 0; i < ncluster; i++) {
		if (pats.len > 0)
			pbuf_add(&pats, " ");
		pbuf_add(&pats, cluster[i].name);
		if (cluster[i].addr != NULL &&
		    strcmp(cluster[i].addr, cluster[i].name) != 0) {
			pbuf_add(&pats, " ");
			pbuf_add(&pats, cluster[i].addr);
			lines[n++] = phase_xprintf("%s\t%s", cluster[i].addr,
			    cluster[i].name);
		}
	}
	phase_vars_set(vars, "cluster_host_patterns", pats.s != NULL ?
	    pats.s : "");
	free(pats.s);
	if (n == 0 && ncluster > 0)
		phase_vars_set_error(vars, "hosts_entries", "Slurm gave no "
		    "NodeAddr for any node (is the node list from Slurm?)");
	else
		phase_vars_set_list(vars, "hosts_entries", lines, n);
	for (i = 0; i < n; i++)
		free((char *)lines[i]);
	free(lines);

	text = NULL;
	if (known_hosts == NULL)
		cause = phase_xstrdup("clustertop's known_hosts file is not "
		    "known");
	else if ((f = fopen(known_hosts, "r")) == NULL)
		cause = phase_xprintf("%s: %s", known_hosts, strerror(errno));
	else {
		struct pbuf kb = { 0 };
		char chunk[8192];
		size_t got;
		while ((got = fread(chunk, 1, sizeof chunk, f)) > 0)
			pbuf_addn(&kb, chunk, got);
		fclose(f);
		text = pbuf_take(&kb);
	}
	if (text != NULL) {
		s = phase_known_hosts_entries(text, cluster, ncluster, &cause);
		if (s != NULL) {
			phase_vars_set(vars, "known_hosts_entries", s);
			free(s);
		}
		free(text);
		if (cause != NULL) {
			char *why = phase_xprintf("%s in %s", cause,
			    known_hosts);
			free(cause);
			cause = why;
		}
	}
	if (cause != NULL) {
		phase_vars_set_error(vars, "known_hosts_entries", cause);
		free(cause);
	}

	if (gethostname(host, sizeof host) != 0)
		snprintf(host, sizeof host, "localhost");
	host[sizeof host - 1] = '\0';
	phase_vars_set(vars, "head", host);
	len = readlink("/proc/self/exe", buf, sizeof buf - 1);
	if (len > 0) {
		buf[len] = '\0';
		phase_vars_set(vars, "clustertop", buf);
	} else
		phase_vars_set(vars, "clustertop", "clustertop");
	if (!phase_vars_has(vars, "ct_options"))
		phase_vars_set_list(vars, "ct_options", NULL, 0);
	pw = getpwuid(geteuid());
	phase_vars_set(vars, "user", pw != NULL ? pw->pw_name : "root");
	phase_admin_vars(vars);
}

/*
 * {known_hosts_entries} from the engine's own sessions: for every cluster
 * node the engine holds a verified host key for, that key (the one
 * clustertop itself checked when it connected); the other nodes keep the
 * lines the known_hosts file gave. Nothing changes when a node has neither.
 * Returns the number of nodes whose key came from the engine.
 */
size_t
phase_vars_engine_hostkeys(struct phase_vars *vars, struct engine *e)
{
	const struct pvar	*cn, *he, *old;
	struct phase_target	*miss;
	struct pbuf		 b = { 0 };
	const char		*key, *addr, *tab;
	char			*rest, *cause = NULL, *oldtext;
	size_t			 i, k, nmiss = 0, nkeys = 0;

	cn = pvar_findn(vars, "cluster_nodes", strlen("cluster_nodes"));
	he = pvar_findn(vars, "hosts_entries", strlen("hosts_entries"));
	old = pvar_findn(vars, "known_hosts_entries",
	    strlen("known_hosts_entries"));
	if (e == NULL || cn == NULL || cn->nitems == 0)
		return (0);
	miss = phase_xmalloc(cn->nitems * sizeof *miss);
	for (i = 0; i < cn->nitems; i++) {
		/* The address from "ADDR<tab>NAME" of {hosts_entries}. */
		addr = NULL;
		for (k = 0; he != NULL && he->error == NULL &&
		    k < he->nitems; k++) {
			/* Same order as the nodes when all have one: try I first. */
			const char *item = he->items[k == 0 && i < he->nitems ?
			    i : k == i ? 0 : k];
			tab = strchr(item, '\t');
			if (tab != NULL && strcmp(tab + 1, cn->items[i]) == 0) {
				addr = item;
				break;
			}
		}
		key = engine_node_hostkey(e, engine_find_node(e,
		    cn->items[i]));
		if (key == NULL) {
			miss[nmiss].name = cn->items[i];
			miss[nmiss++].addr = NULL;
			continue;
		}
		pbuf_add(&b, cn->items[i]);
		if (addr != NULL) {
			tab = strchr(addr, '\t');
			pbuf_add(&b, ",");
			pbuf_addn(&b, addr, tab - addr);
		}
		pbuf_printf(&b, " %s\n", key);
		nkeys++;
	}
	if (nkeys == 0) {
		free(miss);
		free(b.s);
		return (0);
	}
	if (nmiss > 0) {
		oldtext = old != NULL && old->error == NULL &&
		    old->nitems > 0 ? old->items[0] : NULL;
		rest = phase_known_hosts_entries(oldtext != NULL ? oldtext : "",
		    miss, nmiss, &cause);
		if (rest == NULL) {
			/* Keep the file's lines (or their error) as they are. */
			free(cause);
			free(miss);
			free(b.s);
			return (0);
		}
		pbuf_add(&b, rest);
		free(rest);
	}
	free(miss);
	phase_vars_set(vars, "known_hosts_entries", b.s != NULL ? b.s : "");
	free(b.s);
	return (nkeys);
}

/* --- the runner ---------------------------------------------------------------- */

#define PHASE_OUT_CAP	(256 * 1024)	/* output kept per node and phase */

struct prnode {
	char		*name;
	char		*addr;
	int		 eid;		/* engine node id; -1 for the head */
	enum phase_node_state state;
	int		 dropped;	/* failed an earlier phase: left out */
	int		 active;	/* takes part in the current phase */
	int		 changed;	/* a step changed something */
	int		 passed;	/* a test step passed */
	struct pbuf	 out;		/* this phase's output, capped */
	int		 truncated;
	char		*error;		/* why it failed, or NULL */
};

struct phase_run {
	struct engine		*engine;
	const struct phase_set	*set;
	int			*numbers;
	size_t			 nnumbers;
	size_t			 pi;		/* index into numbers */
	const struct phase	*ph;		/* running phase, or NULL */
	size_t			 si;		/* its step */
	int			 sub;		/* ALL steps: 0 head, 1 nodes */
	int			 busy;		/* a part is running */
	int			 stop;		/* end the run after this phase */
	char			*stop_why;
	struct prnode		*nodes;		/* [0] is the head */
	size_t			 nnodes;
	int			*eidmap;	/* engine id -> node index */
	size_t			 neidmap;
	struct phase_vars	*vars;
	phase_event_cb		 cb;
	void			*cbarg;
	struct audit		*audit;
	int			 started;
	int			 finished;
	int			 failed_any;
	int			 preview;	/* only "preview" steps run */
	int			 no_audit;

	/* The node part running now. */
	uint32_t		 job;
	char			*job_input;
	size_t			 expect_from;	/* every_node: nodes checked */

	/* The head part running now. */
	pid_t			 pid;
	int			 outfd;
	int			 errfd;
	int			 tfd;		/* timerfd for the deadline */
	int			 timed_out;
	struct pbuf		 cout;		/* the child's stdout (all) */
	struct pbuf		 cerr;
	struct timespec		 t0;
	char			*head_cmd;
};

static void	phase_run_advance(struct phase_run *);

const char *
phase_node_state_name(enum phase_node_state st)
{
	switch (st) {
	case PHASE_NODE_QUEUED:
		return ("queued");
	case PHASE_NODE_RUNNING:
		return ("running");
	case PHASE_NODE_CHANGED:
		return ("changed");
	case PHASE_NODE_UNCHANGED:
		return ("unchanged");
	case PHASE_NODE_PASSED:
		return ("passed");
	case PHASE_NODE_FAILED:
		return ("failed");
	case PHASE_NODE_SKIPPED:
		return ("skipped");
	}
	return ("?");
}

static void
phase_run_emit(struct phase_run *r, enum phase_event_type type, int node,
    const char *data, size_t len, const char *text)
{
	struct phase_event	ev;

	if (r->cb == NULL)
		return;
	memset(&ev, 0, sizeof ev);
	ev.type = type;
	ev.phase = r->ph != NULL ? r->ph->number : -1;
	ev.step = r->ph != NULL ? (int)r->si : -1;
	ev.node = node;
	ev.state = node >= 0 ? r->nodes[node].state : PHASE_NODE_QUEUED;
	ev.data = data;
	ev.len = len;
	ev.text = text;
	r->cb(&ev, r->cbarg);
}

static void
phase_run_set_state(struct phase_run *r, size_t i, enum phase_node_state st)
{
	if (r->nodes[i].state == st)
		return;
	r->nodes[i].state = st;
	phase_run_emit(r, PHASE_EV_NODE, (int)i, NULL, 0, r->nodes[i].error);
}

static void
phase_run_output(struct phase_run *r, size_t i, const char *data, size_t len)
{
	struct prnode	*n = &r->nodes[i];
	size_t		 room;

	if (len == 0)
		return;
	room = n->out.len < PHASE_OUT_CAP ? PHASE_OUT_CAP - n->out.len : 0;
	if (len > room) {
		pbuf_addn(&n->out, data, room);
		if (!n->truncated)
			pbuf_add(&n->out, "\n[output truncated]\n");
		n->truncated = 1;
	} else
		pbuf_addn(&n->out, data, len);
	phase_run_emit(r, PHASE_EV_OUTPUT, (int)i, data, len, NULL);
}

/* Mark node I failed in the current step (WHY is copied). */
static void
phase_run_fail(struct phase_run *r, size_t i, const char *why)
{
	struct prnode	*n = &r->nodes[i];
	char		*line;

	free(n->error);
	if (r->ph != NULL && r->si < r->ph->nsteps)
		n->error = phase_xprintf("step %zu (%s): %s", r->si + 1,
		    r->ph->steps[r->si].name, why);
	else
		n->error = phase_xstrdup(why);
	line = phase_xprintf("!! %s\n", n->error);
	phase_run_output(r, i, line, strlen(line));
	free(line);
	r->failed_any = 1;
	phase_run_set_state(r, i, PHASE_NODE_FAILED);
	if (i == 0 && !r->stop) {
		r->stop = 1;
		r->stop_why = phase_xstrdup(n->error);
	}
}

static void
phase_run_audit(struct phase_run *r, const char *event, const char *where,
    const char *command, int status, const char *extra_key,
    const char *extra)
{
	cJSON	*o;
	char	 label[32];

	if (r->audit == NULL)
		return;
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "event", event);
	snprintf(label, sizeof label, "phase %d", r->ph->number);
	cJSON_AddStringToObject(o, "label", label);
	cJSON_AddStringToObject(o, "phase", r->ph->name);
	if (r->si < r->ph->nsteps && strncmp(event, "phase", 5) != 0)
		cJSON_AddStringToObject(o, "step", r->ph->steps[r->si].name);
	if (where != NULL)
		cJSON_AddStringToObject(o, "where", where);
	if (command != NULL)
		cJSON_AddStringToObject(o, "command", command);
	if (status != INT_MIN)
		cJSON_AddNumberToObject(o, "exit_status", status);
	if (extra_key != NULL)
		cJSON_AddStringToObject(o, extra_key, extra != NULL ? extra : "");
	audit_write(r->audit, o);
}

/* Is NAME in TEXT as a whole word (not node1 inside node10)? */
static int
phase_names_word(const char *text, size_t len, const char *name)
{
	const char	*p = text, *end = text + len;
	size_t		 n = strlen(name);

	while (p < end && (p = memmem(p, end - p, name, n)) != NULL) {
		int before = p == text || !(isalnum((u_char)p[-1]) ||
		    p[-1] == '_' || p[-1] == '-' || p[-1] == '.');
		int after = p + n == end || !(isalnum((u_char)p[n]) ||
		    p[n] == '_' || p[n] == '-');
		if (after && p + n < end && p[n] == '.' && p + n + 1 < end &&
		    isalnum((u_char)p[n + 1]))
			after = 0;
		if (before && after)
			return (1);
		p++;
	}
	return (0);
}

/* A short reason from stderr: sudo's password prompt, or the last line. */
static char *
phase_failure_text(int status, const char *sig, const char *err,
    size_t errlen, const char *host)
{
	const char	*p, *last = NULL, *end;
	char		*e, *s;

	e = phase_xstrndup(err != NULL ? err : "", err != NULL ? errlen : 0);
	if (strstr(e, "a password is required") != NULL ||
	    strstr(e, "a terminal is required") != NULL ||
	    strstr(e, "no tty present") != NULL) {
		s = phase_xprintf("sudo asks for a password on %s: give the "
		    "user passwordless sudo (NOPASSWD) for clustertop's "
		    "steps, or connect as root", host);
		free(e);
		return (s);
	}
	end = e + strlen(e);
	while (end > e && (end[-1] == '\n' || end[-1] == ' '))
		end--;
	for (p = e; p < end; p++) {
		if (p == e || p[-1] == '\n')
			last = p;
	}
	if (sig != NULL)
		s = phase_xprintf("killed by signal %s", sig);
	else if (last != NULL)
		s = phase_xprintf("exit status %d: %.*s", status,
		    (int)(end - last > 300 ? 300 : end - last), last);
	else
		s = phase_xprintf("exit status %d", status);
	free(e);
	return (s);
}

/*
 * Classify one node's outcome of the current step. ERROR is set when the
 * command did not run to an exit status (never started, timed out).
 * Returns 1 when the node succeeded.
 */
static int
phase_run_classify(struct phase_run *r, size_t i, const char *error,
    int status, const char *sig, const char *out, size_t outlen,
    const char *err, size_t errlen)
{
	const struct phase_step	*st = &r->ph->steps[r->si];
	struct prnode		*n = &r->nodes[i];
	char			*why = NULL, *o;
	size_t			 k;
	int			 ok = 0, changed = 0;
	regex_t			 re;

	if (error != NULL)
		why = phase_xstrdup(error);
	else if (sig != NULL || status < 0)
		why = phase_failure_text(status, sig, err, errlen, n->name);
	else if (status == st->unchanged_exit)
		ok = 1;
	else {
		for (k = 0; k < st->nok_exit; k++) {
			if (st->ok_exit[k] == status)
				break;
		}
		if (k < st->nok_exit)
			ok = changed = 1;
		else
			why = phase_failure_text(status, sig, err, errlen,
			    n->name);
	}
	if (ok && st->expect != NULL && regcomp(&re, st->expect,
	    REG_EXTENDED | REG_NOSUB | REG_NEWLINE) == 0) {
		o = phase_xstrndup(out != NULL ? out : "", outlen);
		if (regexec(&re, o, 0, NULL, 0) != 0) {
			ok = 0;
			why = phase_xprintf("the output does not match /%s/",
			    st->expect);
		}
		free(o);
		regfree(&re);
	}
	if (!ok && st->warn_only) {
		o = phase_xprintf("warning: %s (not fatal)\n", why);
		phase_run_output(r, i, o, strlen(o));
		free(o);
		free(why);
		return (1);
	}
	if (!ok) {
		phase_run_fail(r, i, why);
		free(why);
		return (0);
	}
	/* A test passes; a step that only reads a value changes nothing. */
	if (st->test)
		n->passed = 1;
	else if (changed && st->capture == NULL)
		n->changed = 1;
	return (1);
}

/*
 * For a step whose output must name every target (every_node): mark the
 * targets it does not name as failed. Returns how many were missing.
 */
static size_t
phase_run_every_node(struct phase_run *r, size_t self, const char *out,
    size_t outlen)
{
	const struct phase_step	*st = &r->ph->steps[r->si];
	struct prnode		*n;
	struct pbuf		 sel = { 0 };
	const char		*p, *nl, *end = out + outlen;
	size_t			 i, missing = 0;
	char			*why, *line;
	regex_t			 re;

	/* With success.lines, only the lines it matches count. */
	if (st->lines != NULL && regcomp(&re, st->lines, REG_EXTENDED |
	    REG_NOSUB) == 0) {
		for (p = out; p < end; p = nl + 1) {
			nl = memchr(p, '\n', end - p);
			if (nl == NULL)
				nl = end;
			line = phase_xstrndup(p, nl - p);
			if (regexec(&re, line, 0, NULL, 0) == 0) {
				pbuf_add(&sel, line);
				pbuf_add(&sel, "\n");
			}
			free(line);
		}
		regfree(&re);
		out = sel.s != NULL ? sel.s : "";
		outlen = sel.len;
	}
	for (i = 1; i < r->nnodes; i++) {
		n = &r->nodes[i];
		if (!n->active || n->state == PHASE_NODE_FAILED)
			continue;
		if (phase_names_word(out, outlen, n->name)) {
			n->passed = 1;
			continue;
		}
		why = phase_xprintf("did not answer in the output of %s",
		    r->nodes[self].name);
		phase_run_fail(r, i, why);
		free(why);
		missing++;
	}
	free(sel.s);
	return (missing);
}

/* The current part is over: move to the next part or step. */
static void
phase_run_part_done(struct phase_run *r)
{
	const struct phase_step	*st = &r->ph->steps[r->si];

	r->busy = 0;
	if (st->where == PHASE_WHERE_ALL && r->sub == 0 && !r->stop) {
		r->sub = 1;
		return;
	}
	phase_run_emit(r, PHASE_EV_STEP_DONE, -1, NULL, 0, st->name);
	r->si++;
	r->sub = 0;
}

/* --- head steps: a local child ---------------------------------------------- */

static void	phase_run_head_read(int, void *);
static void	phase_run_head_timer(int, void *);

static void
phase_run_head_close(struct phase_run *r, int *fd)
{
	if (*fd == -1)
		return;
	engine_unwatch_fd(r->engine, *fd);
	close(*fd);
	*fd = -1;
}

/* What a capture step keeps: stdout, or capture_regex's first group. */
static char *
phase_capture_value(const struct phase_step *st, const char *out)
{
	regex_t		re;
	regmatch_t	m[2];

	if (st->capture_regex == NULL)
		return (phase_xstrdup(out));
	if (regcomp(&re, st->capture_regex, REG_EXTENDED | REG_NEWLINE) != 0)
		return (phase_xstrdup(""));
	if (regexec(&re, out, 2, m, 0) != 0 || m[1].rm_so < 0) {
		regfree(&re);
		return (phase_xstrdup(""));
	}
	regfree(&re);
	return (phase_xstrndup(out + m[1].rm_so, m[1].rm_eo - m[1].rm_so));
}

/* Both pipes are closed: collect the child and classify. */
static void
phase_run_head_done(struct phase_run *r)
{
	const struct phase_step	*st = &r->ph->steps[r->si];
	int			 status = -1, ws = 0, ok;
	const char		*sig = NULL;
	char			*error = NULL, *v;
	size_t			 n;

	phase_run_head_close(r, &r->tfd);
	if (r->pid > 0) {
		while (waitpid(r->pid, &ws, 0) == -1 && errno == EINTR)
			;
		r->pid = -1;
		if (WIFEXITED(ws))
			status = WEXITSTATUS(ws);
		else if (WIFSIGNALED(ws))
			sig = strsignal(WTERMSIG(ws));
	}
	if (r->timed_out)
		error = phase_xprintf("timed out after %d s", st->timeout_s);
	if (status == 127 && r->cerr.len == 0)
		error = phase_xstrdup("could not run /bin/sh");
	phase_run_audit(r, "end", PHASE_HEAD_NAME, NULL, status, NULL, NULL);
	ok = phase_run_classify(r, 0, error, status, sig, r->cout.s,
	    r->cout.len, r->cerr.s, r->cerr.len);
	if (st->every_node) {
		/* A failed test blames the nodes it did not reach. */
		if (phase_run_every_node(r, 0, r->cout.s != NULL ? r->cout.s :
		    "", r->cout.len) > 0 && !ok && r->nodes[0].state ==
		    PHASE_NODE_FAILED) {
			r->nodes[0].state = PHASE_NODE_RUNNING;
			free(r->nodes[0].error);
			r->nodes[0].error = NULL;
			free(r->stop_why);
			r->stop_why = NULL;
			r->stop = 0;
			phase_run_emit(r, PHASE_EV_NODE, 0, NULL, 0, NULL);
		}
	}
	if (ok && st->capture != NULL) {
		v = phase_capture_value(st, r->cout.s != NULL ? r->cout.s : "");
		n = strlen(v);
		while (n > 0 && v[n - 1] == '\n')
			v[--n] = '\0';
		if (st->secret)
			error = phase_xprintf("(kept as {%s}, secret)\n",
			    st->capture);
		else
			error = phase_xprintf("(kept as {%s} = \"%s\")\n",
			    st->capture, v);
		phase_run_output(r, 0, error, strlen(error));
		free(error);
		error = NULL;
		phase_vars_set(r->vars, st->capture, v);
		phase_vars_set_secret(r->vars, st->capture, st->secret);
		free(v);
	}
	free(error);
	free(r->cout.s);
	free(r->cerr.s);
	memset(&r->cout, 0, sizeof r->cout);
	memset(&r->cerr, 0, sizeof r->cerr);
	free(r->head_cmd);
	r->head_cmd = NULL;
	phase_run_part_done(r);
	phase_run_advance(r);
}

static void
phase_run_head_read(int fd, void *arg)
{
	struct phase_run	*r = arg;
	const struct phase_step	*st = &r->ph->steps[r->si];
	char			 buf[8192];
	ssize_t			 got;
	int			 isout = fd == r->outfd;

	for (;;) {
		got = read(fd, buf, sizeof buf);
		if (got > 0) {
			pbuf_addn(isout ? &r->cout : &r->cerr, buf, got);
			/* A secret (a private key) is never shown. */
			if (!st->secret)
				phase_run_output(r, 0, buf, got);
			continue;
		}
		if (got == -1 && errno == EINTR)
			continue;
		if (got == -1 && errno == EAGAIN)
			return;
		break;
	}
	phase_run_head_close(r, isout ? &r->outfd : &r->errfd);
	if (r->outfd == -1 && r->errfd == -1)
		phase_run_head_done(r);
}

static void
phase_run_head_timer(int fd, void *arg)
{
	struct phase_run	*r = arg;
	uint64_t		 x;

	if (read(fd, &x, sizeof x) < 0 && errno == EAGAIN)
		return;
	r->timed_out = 1;
	if (r->pid > 0)
		kill(-r->pid, SIGKILL);
	phase_run_head_close(r, &r->tfd);
}

/* Does one of the step's templates mention WHAT? */
static int
phase_step_uses(const struct phase_step *st, const char *what)
{
	const char	*t[5] = { st->check, st->command, st->input,
	    st->content, st->path };
	size_t		 i;

	for (i = 0; i < 5; i++) {
		if (t[i] != NULL && strstr(t[i], what) != NULL)
			return (1);
	}
	return (0);
}

/* Start the head part of the current step. Returns 0, or -1 (failed). */
static int
phase_run_head_start(struct phase_run *r, const char *wrapped,
    const char *input, size_t inputlen)
{
	const struct phase_step	*st = &r->ph->steps[r->si];
	int			 po[2] = { -1, -1 }, pe[2] = { -1, -1 };
	int			 in = -1;
	struct itimerspec	 its;
	char			*why;
	pid_t			 pid;

	in = memfd_create("clustertop-phase-stdin", MFD_CLOEXEC);
	if (in == -1 || (inputlen > 0 && write(in, input, inputlen) !=
	    (ssize_t)inputlen) || lseek(in, 0, SEEK_SET) != 0 ||
	    pipe2(po, O_CLOEXEC) != 0 || pipe2(pe, O_CLOEXEC) != 0)
		goto fail;
	fflush(NULL);
	pid = fork();
	if (pid == -1)
		goto fail;
	if (pid == 0) {
		/*
		 * A session of its own: no controlling terminal, so nothing it
		 * runs (ssh, sudo) can prompt on the TUI's screen, and the
		 * whole group can be killed at a deadline.
		 */
		setsid();
		dup2(in, 0);
		dup2(po[1], 1);
		dup2(pe[1], 2);
		execl("/bin/sh", "sh", "-c", wrapped, (char *)NULL);
		_exit(127);
	}
	close(in);
	close(po[1]);
	close(pe[1]);
	r->pid = pid;
	r->outfd = po[0];
	r->errfd = pe[0];
	r->timed_out = 0;
	fcntl(r->outfd, F_SETFL, fcntl(r->outfd, F_GETFL) | O_NONBLOCK);
	fcntl(r->errfd, F_SETFL, fcntl(r->errfd, F_GETFL) | O_NONBLOCK);
	engine_watch_fd(r->engine, r->outfd, phase_run_head_read, r);
	engine_watch_fd(r->engine, r->errfd, phase_run_head_read, r);
	if (st->timeout_s > 0) {
		r->tfd = timerfd_create(CLOCK_MONOTONIC,
		    TFD_CLOEXEC | TFD_NONBLOCK);
		if (r->tfd != -1) {
			memset(&its, 0, sizeof its);
			its.it_value.tv_sec = st->timeout_s;
			timerfd_settime(r->tfd, 0, &its, NULL);
			engine_watch_fd(r->engine, r->tfd,
			    phase_run_head_timer, r);
		}
	}
	return (0);
fail:
	why = phase_xprintf("cannot start a local process: %s",
	    strerror(errno));
	phase_run_fail(r, 0, why);
	free(why);
	if (in != -1)
		close(in);
	if (po[0] != -1) {
		close(po[0]);
		close(po[1]);
	}
	if (pe[0] != -1) {
		close(pe[0]);
		close(pe[1]);
	}
	return (-1);
}

/* --- node steps: an engine job -------------------------------------------------- */

static int
phase_run_index(const struct phase_run *r, int eid)
{
	if (eid < 0 || (size_t)eid >= r->neidmap)
		return (-1);
	return (r->eidmap[eid]);
}

int
phase_run_engine_event(struct phase_run *r, const struct engine_event *ev)
{
	const struct engine_job_result	*res;
	const struct phase_step		*st;
	int				 i, ok;
	char				*why;

	if (r == NULL || r->finished || r->job == 0 || ev->id != r->job)
		return (0);
	if (ev->type != ENGINE_EV_JOB_OUTPUT &&
	    ev->type != ENGINE_EV_JOB_NODE_DONE &&
	    ev->type != ENGINE_EV_JOB_DONE)
		return (0);
	st = &r->ph->steps[r->si];
	switch (ev->type) {
	case ENGINE_EV_JOB_OUTPUT:
		i = phase_run_index(r, ev->node);
		if (i > 0 && !st->secret)
			phase_run_output(r, i, ev->data, ev->len);
		break;
	case ENGINE_EV_JOB_NODE_DONE:
		i = phase_run_index(r, ev->node);
		res = engine_job_result(r->engine, r->job, ev->node);
		if (i <= 0 || res == NULL)
			break;
		why = NULL;
		switch (res->state) {
		case JOB_NODE_DONE:
			break;
		case JOB_NODE_TIMED_OUT:
			why = phase_xprintf("timed out after %d s%s",
			    st->timeout_s, st->timeout_s == 0 ?
			    " (the command timeout)" : "");
			break;
		case JOB_NODE_CANCELLED:
			why = phase_xstrdup("cancelled");
			break;
		default:
			why = phase_xprintf("did not run: %s",
			    res->error != NULL ? res->error :
			    node_state_name(res->node_state));
			break;
		}
		ok = phase_run_classify(r, i, why, res->exit_status,
		    res->exit_signal, res->out, res->outlen, res->err,
		    res->errlen);
		if (st->every_node && st->where == PHASE_WHERE_ONE_NODE &&
		    phase_run_every_node(r, i, res->out, res->outlen) > 0 &&
		    !ok && r->nodes[i].state == PHASE_NODE_FAILED &&
		    phase_names_word(res->out, res->outlen, r->nodes[i].name)) {
			/* It reached itself: the others are to blame. */
			r->nodes[i].state = PHASE_NODE_RUNNING;
			free(r->nodes[i].error);
			r->nodes[i].error = NULL;
			phase_run_emit(r, PHASE_EV_NODE, i, NULL, 0, NULL);
		}
		free(why);
		break;
	case ENGINE_EV_JOB_DONE:
		engine_job_release(r->engine, r->job);
		r->job = 0;
		free(r->job_input);
		r->job_input = NULL;
		phase_run_part_done(r);
		phase_run_advance(r);
		break;
	default:
		break;
	}
	return (1);
}

/* Start the current part. Returns 1 when it runs (async), 0 when done. */
static int
phase_run_part_start(struct phase_run *r)
{
	const struct phase_step	*st = &r->ph->steps[r->si];
	struct engine_job_spec	 spec;
	char			*script, *input, *wrapped, *cause = NULL;
	char			*header, *where;
	size_t			 inputlen, i, n;
	int			*ids, head;
	char			 label[32];
	uint32_t		 job;

	head = st->where == PHASE_WHERE_HEAD ||
	    (st->where == PHASE_WHERE_ALL && r->sub == 0);
	if (head && r->nodes[0].state == PHASE_NODE_FAILED)
		return (0);
	if (r->preview && !st->preview)
		return (0);
	if (!r->preview && st->preview && st->capture != NULL &&
	    phase_vars_get(r->vars, st->capture) != NULL) {
		/* Shown before the confirmation: keep what was confirmed. */
		header = phase_xprintf("== step %zu/%zu: %s\n(previewed: "
		    "{%s} = \"%s\")\n", r->si + 1, r->ph->nsteps, st->name,
		    st->capture, st->secret ? "..." :
		    phase_vars_get(r->vars, st->capture));
		phase_run_output(r, 0, header, strlen(header));
		free(header);
		return (0);
	}
	if (r->engine != NULL && phase_step_uses(st, "{known_hosts_entries"))
		phase_vars_engine_hostkeys(r->vars, r->engine);
	if (phase_step_script(st, r->vars, &script, &input, &inputlen,
	    &wrapped, &cause) != 0) {
		/* A template that cannot be expanded fails where it would run. */
		if (head)
			phase_run_fail(r, 0, cause);
		else {
			for (i = 1; i < r->nnodes; i++) {
				if (r->nodes[i].active &&
				    r->nodes[i].state != PHASE_NODE_FAILED)
					phase_run_fail(r, i, cause);
			}
		}
		free(cause);
		return (0);
	}
	header = phase_xprintf("== step %zu/%zu: %s\n", r->si + 1,
	    r->ph->nsteps, st->name);
	if (head) {
		phase_run_emit(r, PHASE_EV_STEP_START, -1, NULL, 0,
		    PHASE_HEAD_NAME);
		phase_run_set_state(r, 0, PHASE_NODE_RUNNING);
		phase_run_output(r, 0, header, strlen(header));
		phase_run_audit(r, "start", PHASE_HEAD_NAME, wrapped, INT_MIN,
		    NULL, NULL);
		r->head_cmd = wrapped;
		wrapped = NULL;
		n = phase_run_head_start(r, r->head_cmd, input, inputlen) == 0;
		free(input);
		free(script);
		free(header);
		if (!n) {
			free(r->head_cmd);
			r->head_cmd = NULL;
		}
		return (n ? 1 : 0);
	}

	ids = phase_xmalloc(r->nnodes * sizeof *ids);
	for (i = 1, n = 0; i < r->nnodes; i++) {
		if (!r->nodes[i].active || r->nodes[i].state ==
		    PHASE_NODE_FAILED || r->nodes[i].eid < 0)
			continue;
		ids[n++] = r->nodes[i].eid;
		if (st->where == PHASE_WHERE_ONE_NODE)
			break;
	}
	if (n == 0) {
		free(ids);
		free(script);
		free(input);
		free(wrapped);
		free(header);
		return (0);
	}
	{
		const char **names = phase_xmalloc(n * sizeof *names);
		for (i = 0; i < n; i++)
			names[i] = r->nodes[r->eidmap[ids[i]]].name;
		where = hostlist_fold_names(names, n);
		free(names);
	}
	phase_run_emit(r, PHASE_EV_STEP_START, -1, NULL, 0, where);
	free(where);
	snprintf(label, sizeof label, "phase %d", r->ph->number);
	memset(&spec, 0, sizeof spec);
	spec.command = wrapped;
	spec.nodes = ids;
	spec.nnodes = n;
	spec.stdin_data = input;
	spec.stdin_len = inputlen;
	spec.timeout_ms = st->timeout_s > 0 ? st->timeout_s * 1000 : 0;
	spec.fanout = st->fanout;
	spec.stream_output = 1;
	spec.label = label;
	for (i = 0; i < n; i++) {
		size_t k = r->eidmap[ids[i]];
		phase_run_set_state(r, k, PHASE_NODE_RUNNING);
		phase_run_output(r, k, header, strlen(header));
	}
	free(header);
	r->job_input = input;
	r->job = 1;	/* events during the start belong to us */
	job = engine_job_start(r->engine, &spec, &cause);
	r->job = job;
	free(wrapped);
	free(script);
	if (job == 0) {
		for (i = 0; i < n; i++)
			phase_run_fail(r, r->eidmap[ids[i]], cause != NULL ?
			    cause : "the engine refused the job");
		free(cause);
		free(ids);
		free(r->job_input);
		r->job_input = NULL;
		return (0);
	}
	free(ids);
	return (1);
}

/* --- phases ------------------------------------------------------------------ */

static void
phase_run_phase_begin(struct phase_run *r)
{
	const struct phase	*ph = r->ph;
	struct prnode		*n;
	size_t			 i, k;
	int			 head = 0, nodes = 0;
	char			 num[16];

	for (k = 0; k < ph->nsteps; k++) {
		if (ph->steps[k].where == PHASE_WHERE_HEAD ||
		    ph->steps[k].where == PHASE_WHERE_ALL)
			head = 1;
		if (ph->steps[k].where != PHASE_WHERE_HEAD ||
		    ph->steps[k].every_node)
			nodes = 1;
	}
	for (i = 0; i < r->nnodes; i++) {
		n = &r->nodes[i];
		free(n->out.s);
		memset(&n->out, 0, sizeof n->out);
		n->truncated = 0;
		free(n->error);
		n->error = NULL;
		n->changed = n->passed = 0;
		n->active = !n->dropped && (i == 0 ? head : nodes);
		n->state = n->dropped ? PHASE_NODE_SKIPPED : PHASE_NODE_QUEUED;
	}
	snprintf(num, sizeof num, "%d", ph->number);
	phase_vars_set(r->vars, "phase", num);
	phase_run_audit(r, "phase-start", NULL, NULL, INT_MIN, "nodes",
	    phase_vars_get(r->vars, "nodes_folded"));
	phase_run_emit(r, PHASE_EV_PHASE_START, -1, NULL, 0, ph->title);
	for (i = 0; i < r->nnodes; i++)
		phase_run_emit(r, PHASE_EV_NODE, (int)i, NULL, 0, NULL);
}

static char *
phase_run_fold_state(struct phase_run *r, enum phase_node_state st)
{
	const char	**names;
	char		 *s;
	size_t		  i, n = 0;

	names = phase_xmalloc(r->nnodes * sizeof *names);
	for (i = 0; i < r->nnodes; i++) {
		if (r->nodes[i].active && r->nodes[i].state == st)
			names[n++] = r->nodes[i].name;
	}
	s = n > 0 ? hostlist_fold_names(names, n) : phase_xstrdup("");
	free(names);
	return (s);
}

static void
phase_run_phase_end(struct phase_run *r)
{
	struct prnode	*n;
	size_t		 i, nf = 0;
	char		**failed, *why, *s;

	for (i = 0; i < r->nnodes; i++) {
		n = &r->nodes[i];
		if (!n->active || n->state == PHASE_NODE_FAILED)
			continue;
		if (r->si < r->ph->nsteps) {
			why = phase_xprintf("not finished: the run stopped "
			    "(%s)", r->stop_why != NULL ? r->stop_why :
			    "cancelled");
			free(n->error);
			n->error = why;
			r->failed_any = 1;
			phase_run_set_state(r, i, PHASE_NODE_FAILED);
			continue;
		}
		phase_run_set_state(r, i, n->changed ? PHASE_NODE_CHANGED :
		    n->passed ? PHASE_NODE_PASSED : PHASE_NODE_UNCHANGED);
	}
	failed = phase_xmalloc(r->nnodes * sizeof *failed);
	for (i = 1; i < r->nnodes; i++) {
		if (r->nodes[i].active &&
		    r->nodes[i].state == PHASE_NODE_FAILED) {
			failed[nf++] = r->nodes[i].name;
			r->nodes[i].dropped = 1;
		}
	}
	if (r->nodes[0].active && r->nodes[0].state == PHASE_NODE_FAILED) {
		/* A failed head step fails the nodes with it: re-run all. */
		for (i = 1; i < r->nnodes; i++) {
			if (r->nodes[i].active &&
			    r->nodes[i].state != PHASE_NODE_FAILED)
				failed[nf++] = r->nodes[i].name;
		}
	}
	if (!r->preview)
		phase_state_save(r->ph->number, failed, nf);
	free(failed);
	s = phase_run_fold_state(r, PHASE_NODE_FAILED);
	phase_run_audit(r, "phase-end", NULL, NULL, INT_MIN, "failed", s);
	free(s);
	phase_run_emit(r, PHASE_EV_PHASE_DONE, -1, NULL, 0, r->ph->title);
}

/* Walk forward until something runs asynchronously or the run is over. */
static void
phase_run_advance(struct phase_run *r)
{
	for (;;) {
		if (r->finished || r->busy)
			return;
		if (r->ph == NULL) {
			if (r->pi >= r->nnumbers || r->stop) {
				r->finished = 1;
				r->ph = NULL;
				phase_run_emit(r, PHASE_EV_DONE, -1, NULL, 0,
				    r->stop_why);
				return;
			}
			r->ph = phase_set_find(r->set, r->numbers[r->pi]);
			r->si = 0;
			r->sub = 0;
			phase_run_phase_begin(r);
		}
		if (r->si >= r->ph->nsteps || r->stop) {
			phase_run_phase_end(r);
			r->ph = NULL;
			r->pi++;
			continue;
		}
		if (phase_run_part_start(r) == 1) {
			r->busy = 1;
			return;
		}
		phase_run_part_done(r);
	}
}

/* --- the runner's API -------------------------------------------------------- */

struct phase_run *
phase_run_create(struct engine *e, const struct phase_set *set,
    const int *numbers, size_t n, const struct phase_target *targets,
    size_t ntargets, const struct phase_vars *vars)
{
	struct phase_run	*r;
	struct pvar		*src, *dst;
	size_t			 i, k;

	r = phase_xmalloc(sizeof *r);
	memset(r, 0, sizeof *r);
	r->engine = e;
	r->set = set;
	r->numbers = phase_xmalloc((n + 1) * sizeof *r->numbers);
	for (i = 0; i < n; i++) {
		if (phase_set_find(set, numbers[i]) == NULL)
			continue;
		r->numbers[r->nnumbers++] = numbers[i];
	}
	r->pid = -1;
	r->outfd = r->errfd = r->tfd = -1;
	r->vars = phase_vars_create();
	r->vars->maps = vars->maps;
	r->vars->nmaps = vars->nmaps;
	for (i = 0; i < vars->n; i++) {
		src = &vars->v[i];
		dst = pvar_get(r->vars, src->name);
		dst->items = phase_xmalloc((src->nitems + 1) *
		    sizeof *dst->items);
		for (k = 0; k < src->nitems; k++)
			dst->items[k] = phase_xstrdup(src->items[k]);
		dst->nitems = src->nitems;
		dst->list = src->list;
		dst->secret = src->secret;
		dst->literal = src->literal;
		dst->error = phase_xstrdup(src->error);
	}
	r->nnodes = ntargets + 1;
	r->nodes = phase_xmalloc(r->nnodes * sizeof *r->nodes);
	memset(r->nodes, 0, r->nnodes * sizeof *r->nodes);
	r->nodes[0].name = phase_xstrdup(PHASE_HEAD_NAME);
	r->nodes[0].eid = -1;
	for (i = 0; i < ntargets; i++) {
		struct prnode *pn = &r->nodes[i + 1];
		pn->name = phase_xstrdup(targets[i].name);
		pn->addr = phase_xstrdup(targets[i].addr);
		pn->eid = -1;
		if (e == NULL)
			continue;
		pn->eid = engine_find_node(e, pn->name);
		if (pn->eid < 0) {
			pn->eid = engine_add_node(e, pn->name, pn->addr);
			if (pn->eid >= 0)
				engine_connect(e, pn->eid);
		}
	}
	r->neidmap = e != NULL ? engine_nnodes(e) : 0;
	r->eidmap = phase_xmalloc((r->neidmap + 1) * sizeof *r->eidmap);
	for (i = 0; i < r->neidmap; i++)
		r->eidmap[i] = -1;
	for (i = 1; i < r->nnodes; i++) {
		if (r->nodes[i].eid >= 0 &&
		    (size_t)r->nodes[i].eid < r->neidmap)
			r->eidmap[r->nodes[i].eid] = (int)i;
	}
	return (r);
}

void
phase_run_set_audit(struct phase_run *r, const char *path)
{
	char	*cause = NULL;

	audit_close(r->audit);
	r->audit = NULL;
	r->no_audit = path != NULL && (*path == '\0' || strcmp(path, "-") == 0);
	if (path != NULL && !r->no_audit) {
		r->audit = audit_open(path, &cause);
		free(cause);
	}
}

void
phase_run_set_preview(struct phase_run *r, int preview)
{
	r->preview = preview;
}

const char *
phase_run_var(const struct phase_run *r, const char *name)
{
	return (phase_vars_get(r->vars, name));
}

int
phase_has_preview(const struct phase *ph)
{
	size_t	i;

	for (i = 0; i < ph->nsteps; i++) {
		if (ph->steps[i].preview)
			return (1);
	}
	return (0);
}

void
phase_run_set_callback(struct phase_run *r, phase_event_cb cb, void *arg)
{
	r->cb = cb;
	r->cbarg = arg;
}

int
phase_run_start(struct phase_run *r, char **cause)
{
	if (r->started) {
		*cause = phase_xstrdup("the run was already started");
		return (-1);
	}
	if (r->engine == NULL) {
		*cause = phase_xstrdup("no engine");
		return (-1);
	}
	if (r->nnumbers == 0) {
		*cause = phase_xstrdup("no such phase");
		return (-1);
	}
	r->started = 1;
	if (r->audit == NULL && !r->no_audit) {
		/* As the engine: "" or "-" means no audit log. */
		const char *env = getenv("CLUSTERTOP_AUDIT_LOG");
		if (env == NULL || (*env != '\0' && strcmp(env, "-") != 0)) {
			/* Like the engine: a log that can't open is no reason to stop. */
			char *why = NULL;
			r->audit = audit_open(NULL, &why);
			free(why);
		}
	}
	phase_run_advance(r);
	return (0);
}

void
phase_run_cancel(struct phase_run *r)
{
	if (r->finished)
		return;
	if (!r->stop) {
		r->stop = 1;
		free(r->stop_why);
		r->stop_why = phase_xstrdup("cancelled");
	}
	r->failed_any = 1;
	if (r->pid > 0)
		kill(-r->pid, SIGKILL);
	if (r->job != 0)
		engine_job_cancel(r->engine, r->job);
	if (!r->started) {
		r->finished = 1;
		phase_run_emit(r, PHASE_EV_DONE, -1, NULL, 0, r->stop_why);
	}
}

int
phase_run_finished(const struct phase_run *r)
{
	return (r->finished);
}

int
phase_run_status(const struct phase_run *r)
{
	return (r->failed_any ? 1 : 0);
}

void
phase_run_free(struct phase_run *r)
{
	size_t	i;

	if (r == NULL)
		return;
	if (r->pid > 0) {
		kill(-r->pid, SIGKILL);
		while (waitpid(r->pid, NULL, 0) == -1 && errno == EINTR)
			;
	}
	if (r->engine != NULL) {
		phase_run_head_close(r, &r->outfd);
		phase_run_head_close(r, &r->errfd);
		phase_run_head_close(r, &r->tfd);
		if (r->job != 0) {
			r->finished = 1;	/* ignore the cancel's events */
			engine_job_release(r->engine, r->job);
		}
	}
	/* The engine may still read a released job's stdin: it lives on. */
	if (r->job == 0)
		free(r->job_input);
	for (i = 0; i < r->nnodes; i++) {
		free(r->nodes[i].name);
		free(r->nodes[i].addr);
		free(r->nodes[i].out.s);
		free(r->nodes[i].error);
	}
	free(r->nodes);
	free(r->eidmap);
	free(r->numbers);
	free(r->cout.s);
	free(r->cerr.s);
	free(r->head_cmd);
	free(r->stop_why);
	phase_vars_free(r->vars);
	audit_close(r->audit);
	free(r);
}

size_t
phase_run_nnodes(const struct phase_run *r)
{
	return (r->nnodes);
}

const char *
phase_run_node_name(const struct phase_run *r, size_t i)
{
	return (i < r->nnodes ? r->nodes[i].name : NULL);
}

enum phase_node_state
phase_run_node_state(const struct phase_run *r, size_t i)
{
	return (i < r->nnodes ? r->nodes[i].state : PHASE_NODE_QUEUED);
}

const char *
phase_run_node_output(const struct phase_run *r, size_t i, size_t *len)
{
	if (i >= r->nnodes || r->nodes[i].out.s == NULL) {
		if (len != NULL)
			*len = 0;
		return ("");
	}
	if (len != NULL)
		*len = r->nodes[i].out.len;
	return (r->nodes[i].out.s);
}

const char *
phase_run_node_error(const struct phase_run *r, size_t i)
{
	return (i < r->nnodes ? r->nodes[i].error : NULL);
}

int
phase_run_node_active(const struct phase_run *r, size_t i)
{
	return (i < r->nnodes ? r->nodes[i].active : 0);
}

int
phase_run_current_phase(const struct phase_run *r)
{
	return (r->ph != NULL ? r->ph->number : -1);
}

int
phase_run_current_step(const struct phase_run *r)
{
	return (r->ph != NULL ? (int)r->si : -1);
}

size_t
phase_run_failed(const struct phase_run *r, char ***names)
{
	size_t	i, n = 0;

	*names = phase_xmalloc(r->nnodes * sizeof **names);
	for (i = 1; i < r->nnodes; i++) {
		if (r->nodes[i].state == PHASE_NODE_FAILED ||
		    (r->nodes[i].dropped && r->nodes[i].state ==
		    PHASE_NODE_SKIPPED))
			(*names)[n++] = phase_xstrdup(r->nodes[i].name);
	}
	return (n);
}

/* --- --failed: the last run's failed nodes ------------------------------------ */

static char *
phase_state_path(int number)
{
	const char	*xdg, *home;

	xdg = getenv("CLUSTERTOP_STATE_DIR");
	if (xdg != NULL && *xdg != '\0')
		return (phase_xprintf("%s/phase-%d.failed", xdg, number));
	xdg = getenv("XDG_STATE_HOME");
	if (xdg != NULL && *xdg == '/')
		return (phase_xprintf("%s/clustertop/phase-%d.failed", xdg,
		    number));
	home = getenv("HOME");
	if (home == NULL || *home == '\0')
		return (NULL);
	return (phase_xprintf("%s/.local/state/clustertop/phase-%d.failed",
	    home, number));
}

static void
phase_mkdirs(const char *path)
{
	char	*d, *p;

	d = phase_xstrdup(path);
	p = strrchr(d, '/');
	if (p != NULL)
		*p = '\0';
	for (p = d + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		mkdir(d, 0700);
		*p = '/';
	}
	mkdir(d, 0700);
	free(d);
}

int
phase_state_save(int number, char *const *names, size_t n)
{
	char	*path, *tmp;
	FILE	*f;
	size_t	 i;
	int	 rc = 0;

	path = phase_state_path(number);
	if (path == NULL)
		return (-1);
	phase_mkdirs(path);
	tmp = phase_xprintf("%s.%ld", path, (long)getpid());
	f = fopen(tmp, "w");
	if (f == NULL) {
		free(tmp);
		free(path);
		return (-1);
	}
	for (i = 0; i < n; i++)
		fprintf(f, "%s\n", names[i]);
	if (fclose(f) != 0 || rename(tmp, path) != 0) {
		unlink(tmp);
		rc = -1;
	}
	free(tmp);
	free(path);
	return (rc);
}

time_t
phase_state_time(int number)
{
	struct stat	 sb;
	char		*path;
	time_t		 t = 0;

	path = phase_state_path(number);
	if (path != NULL && stat(path, &sb) == 0)
		t = sb.st_mtime;
	free(path);
	return (t);
}

int
phase_state_load(int number, char ***names, size_t *n)
{
	char	*path, line[1024];
	FILE	*f;
	size_t	 len;

	*names = NULL;
	*n = 0;
	path = phase_state_path(number);
	if (path == NULL)
		return (-1);
	f = fopen(path, "r");
	free(path);
	if (f == NULL)
		return (-1);
	while (fgets(line, sizeof line, f) != NULL) {
		len = strcspn(line, "\r\n");
		line[len] = '\0';
		if (len == 0)
			continue;
		*names = phase_xrealloc(*names, (*n + 1) * sizeof **names);
		(*names)[(*n)++] = phase_xstrdup(line);
	}
	fclose(f);
	return (0);
}
