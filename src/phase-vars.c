/*
 * phase-vars.c -- the variables of a phase run and the templates that use
 * them: {name}, {name@map}, shell quoting, expansion (see phase.h).
 *
 * Variables (struct phase_vars) are a small table of name -> list of
 * strings; a scalar is a list of one. Values that come from the file or
 * from --set are themselves templates ("{admin_home}/clustertop-tests");
 * values the program computes or captures from a command are literal and
 * never expanded again.
 */

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "phase.h"
#include "phase-int.h"
#include "util.h"

#define PHASE_EXPAND_DEPTH	8

int
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

struct phase_vars *
phase_vars_create(void)
{
	struct phase_vars	*vars;

	vars = xmalloc(sizeof *vars);
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

struct pvar *
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

struct pvar *
pvar_get(struct phase_vars *vars, const char *name)
{
	struct pvar	*v;

	v = pvar_findn(vars, name, strlen(name));
	if (v != NULL) {
		pvar_clear(v);
		return (v);
	}
	vars->v = xrealloc(vars->v, (vars->n + 1) * sizeof *vars->v);
	v = &vars->v[vars->n++];
	memset(v, 0, sizeof *v);
	v->name = xstrdup(name);
	return (v);
}

/* Set NAME in VARS to a copy of SRC's value and flags (SRC: another table). */
void
pvar_copy(struct phase_vars *vars, const char *name, const struct pvar *src)
{
	struct pvar	*dst;
	size_t		 k;

	dst = pvar_get(vars, name);
	dst->items = xreallocarray(NULL, src->nitems + 1, sizeof *dst->items);
	for (k = 0; k < src->nitems; k++)
		dst->items[k] = xstrdup(src->items[k]);
	dst->nitems = src->nitems;
	dst->list = src->list;
	dst->secret = src->secret;
	dst->literal = src->literal;
	dst->error = xstrdup(src->error);
}

struct phase_vars *
phase_vars_copy(const struct phase_vars *vars)
{
	struct phase_vars	*copy;
	size_t			 i;

	copy = phase_vars_create();
	copy->maps = vars->maps;
	copy->nmaps = vars->nmaps;
	for (i = 0; i < vars->n; i++)
		pvar_copy(copy, vars->v[i].name, &vars->v[i]);
	return (copy);
}

void
phase_vars_set(struct phase_vars *vars, const char *name, const char *value)
{
	struct pvar	*v;

	v = pvar_get(vars, name);
	v->items = xmalloc(sizeof *v->items);
	v->items[0] = xstrdup(value == NULL ? "" : value);
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
	v->items = xmalloc((n + 1) * sizeof *v->items);
	for (i = 0; i < n; i++)
		v->items[i] = xstrdup(items[i]);
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
	v->error = xstrdup(why);
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
		*cause = xasprintf("--set %s: expected NAME=VALUE with a "
		    "lowercase NAME", assignment);
		return (-1);
	}
	name = xstrndup(assignment, eq - assignment);
	/* White space or commas separate items: packages="htop tree". */
	list = strpbrk(eq + 1, " \t,") != NULL;
	for (p = eq + 1; list && *p != '\0'; p = q) {
		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		if (*p == '\0')
			break;
		for (q = p; *q != '\0' && *q != ' ' && *q != '\t' && *q != ','; q++)
			;
		items = xrealloc(items, (n + 1) * sizeof *items);
		items[n++] = xstrndup(p, q - p);
	}
	if (!list) {
		items = xmalloc(sizeof *items);
		items[n++] = xstrdup(eq + 1);
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
	struct strbuf	 b = { 0 };
	const char	*p;

	if (*s != '\0' && strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789_@%+:,./-") == strlen(s))
		return (xstrdup(s));
	strbuf_add(&b, "'");
	for (p = s; *p != '\0'; p++) {
		if (*p == '\'')
			strbuf_add(&b, "'\\''");
		else
			strbuf_addn(&b, p, 1);
	}
	strbuf_add(&b, "'");
	return (strbuf_take(&b));
}

/*
 * Find the next {name} or {name@map} reference at or after P. Returns its
 * start (the "{"), with the name and map spans, or NULL. A "{" right after
 * "$" (shell ${...}) or doubled ("{{") is not a reference.
 */
const char *
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
		*names = xrealloc(*names, (n + 1) * sizeof **names);
		(*names)[n++] = xstrndup(name, namelen);
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
phase_expand_ref(struct strbuf *b, const struct pvar *v,
    const struct phase_map *m, const struct phase_vars *vars, int shell,
    int *secrets, char **cause, int depth)
{
	const char	*item;
	char		*val, *q;
	size_t		 i, j, nout = 0;
	int		 dropped;

	if (v->error != NULL) {
		*cause = xasprintf("{%s}: %s", v->name, v->error);
		return (-1);
	}
	if (v->secret && secrets != NULL)
		*secrets = 1;
	for (i = 0; i < v->nitems; i++) {
		if (v->literal)
			val = xstrdup(v->items[i]);
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
				strbuf_add(b, shell ? " " : "\n");
			if (shell) {
				q = phase_shell_quote(item);
				strbuf_add(b, q);
				free(q);
			} else
				strbuf_add(b, item);
		}
		free(val);
	}
	if (nout == 0 && shell && !v->list)
		strbuf_add(b, "''");
	return (0);
}

static char *
phase_expand_depth(const char *tmpl, const struct phase_vars *vars, int shell,
    int *secrets, char **cause, int depth)
{
	struct strbuf		 b = { 0 };
	const char		*p, *ref, *name, *map;
	const struct phase_map	*m;
	struct pvar		*v;
	size_t			 namelen, maplen;
	int			 escaped;

	if (depth > PHASE_EXPAND_DEPTH) {
		*cause = xstrdup("variables refer to each other in a loop");
		return (NULL);
	}
	p = tmpl;
	while ((ref = phase_next_ref(p, tmpl, &name, &namelen, &map, &maplen,
	    &escaped)) != NULL) {
		strbuf_addn(&b, p, ref - p);
		if (escaped) {
			strbuf_add(&b, "{");
			p = ref + 2;
			continue;
		}
		v = pvar_findn(vars, name, namelen);
		if (v == NULL) {
			*cause = xasprintf("unknown variable {%.*s}",
			    (int)namelen, name);
			free(b.s);
			return (NULL);
		}
		m = NULL;
		if (map != NULL) {
			m = phase_map_findn(vars, map, maplen);
			if (m == NULL) {
				*cause = xasprintf("unknown map @%.*s",
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
	strbuf_add(&b, p);
	return (strbuf_take(&b));
}

char *
phase_expand(const char *tmpl, const struct phase_vars *vars, int shell,
    int *secrets, char **cause)
{
	if (secrets != NULL)
		*secrets = 0;
	return (phase_expand_depth(tmpl, vars, shell, secrets, cause, 0));
}
