/*
 * phase-load.c -- find, load and validate phases.json into a struct
 * phase_set (see phase.h). The set owns everything parsed from the file;
 * nothing keeps a pointer into the cJSON tree after loading.
 */

#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "phase.h"
#include "phase-int.h"
#include "util.h"

#ifndef CT_DATADIR
#define CT_DATADIR "/usr/local/share/clustertop"
#endif

#define PHASE_FILE_MAX		(4 * 1024 * 1024)

/* Names the program defines for every run (phase_context_vars). */
static const char *const phase_builtins[] = {
	"nodes", "nodes_folded", "node_count",
	"cluster_nodes", "cluster_nodes_folded", "cluster_count",
	"cluster_host_patterns", "hosts_entries", "known_hosts_entries",
	"head", "clustertop", "ct_options", "user", "admin_user",
	"admin_home", "phase", "cluster", NULL
};

/* --- loading and validation ------------------------------------------------ */

static char *
phase_json_text(const cJSON *j)
{
	struct strbuf	 b = { 0 };
	const cJSON	*it;

	if (cJSON_IsString(j))
		return (xstrdup(j->valuestring));
	if (!cJSON_IsArray(j))
		return (NULL);
	/* An array of lines is one text: easier to read in the file. */
	cJSON_ArrayForEach(it, j) {
		if (!cJSON_IsString(it)) {
			free(b.s);
			return (NULL);
		}
		strbuf_add(&b, it->valuestring);
		strbuf_add(&b, "\n");
	}
	return (strbuf_take(&b));
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
	ld->error = xasprintf("%s: %s", ld->file, s);
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
		set->vars = xrealloc(set->vars,
		    (set->nvars + 1) * sizeof *set->vars);
		v = &set->vars[set->nvars++];
		memset(v, 0, sizeof *v);
		v->name = xstrdup(it->string);
		val = it;
		if (cJSON_IsObject(it)) {
			val = cJSON_GetObjectItemCaseSensitive(it, "value");
			e = cJSON_GetObjectItemCaseSensitive(it, "secret");
			v->secret = cJSON_IsTrue(e);
		}
		if (cJSON_IsString(val)) {
			v->items = xmalloc(sizeof *v->items);
			v->items[0] = xstrdup(val->valuestring);
			v->nitems = 1;
		} else if (cJSON_IsNumber(val)) {
			v->items = xmalloc(sizeof *v->items);
			v->items[0] = xasprintf("%g", val->valuedouble);
			v->nitems = 1;
		} else if (cJSON_IsArray(val)) {
			v->list = 1;
			v->items = xmalloc((cJSON_GetArraySize(val) + 1) *
			    sizeof *v->items);
			cJSON_ArrayForEach(e, val) {
				if (!cJSON_IsString(e))
					return (ploader_error(ld, "variables: "
					    "\"%s\": a list holds strings",
					    it->string));
				v->items[v->nitems++] =
				    xstrdup(e->valuestring);
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
		set->maps = xrealloc(set->maps,
		    (set->nmaps + 1) * sizeof *set->maps);
		m = &set->maps[set->nmaps++];
		memset(m, 0, sizeof *m);
		m->name = xstrdup(it->string);
		m->from = xmalloc((cJSON_GetArraySize(it) + 1) *
		    sizeof *m->from);
		m->to = xmalloc((cJSON_GetArraySize(it) + 1) *
		    sizeof *m->to);
		cJSON_ArrayForEach(e, it) {
			if (!cJSON_IsString(e) && !cJSON_IsNull(e))
				return (ploader_error(ld, "maps: %s: \"%s\" "
				    "must map to a string or null", m->name,
				    e->string));
			m->from[m->n] = xstrdup(e->string);
			m->to[m->n] = cJSON_IsString(e) ?
			    xstrdup(e->valuestring) : NULL;
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
		set->script_names = xrealloc(set->script_names,
		    (set->nscripts + 1) * sizeof *set->script_names);
		set->script_bodies = xrealloc(set->script_bodies,
		    (set->nscripts + 1) * sizeof *set->script_bodies);
		set->script_names[set->nscripts] = xstrdup(it->string);
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
		n = xstrndup(name, namelen);
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
	*text = xstrdup(ld->set->script_bodies[i]);
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
	st->name = xstrdup(j->valuestring);
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
			st->alias_from = xrealloc(st->alias_from,
			    (st->nalias + 1) * sizeof *st->alias_from);
			st->alias_to = xrealloc(st->alias_to,
			    (st->nalias + 1) * sizeof *st->alias_to);
			st->alias_from[st->nalias] = xstrdup(e->string);
			st->alias_to[st->nalias++] =
			    xstrdup(e->valuestring);
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
	    ploader_check_tmpl(ld, ph, stepno, "marker", st->marker) != 0 ||
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
	ph->name = xstrdup(j->valuestring);
	if (ploader_text(ld, jp, "title", where, &ph->title) != 0 ||
	    ploader_text(ld, jp, "description", where,
	    &ph->description) != 0)
		return (-1);
	if (ph->title == NULL)
		ph->title = xstrdup(ph->name);
	ph->confirm = 1;
	if (ploader_bool(ld, jp, "confirm", where, &ph->confirm) != 0)
		return (-1);
	js = cJSON_GetObjectItemCaseSensitive(jp, "steps");
	if (!cJSON_IsArray(js) || cJSON_GetArraySize(js) == 0)
		return (ploader_error(ld, "%s: \"steps\" must be a non-empty "
		    "list", where));
	ph->steps = xmalloc(cJSON_GetArraySize(js) * sizeof *ph->steps);
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
		*cause = xasprintf("%s:%zu: not valid JSON", name, line);
		return (NULL);
	}
	ld.set = xmalloc(sizeof *ld.set);
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
	ld.set->phases = xmalloc(n * sizeof *ld.set->phases);
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
	    xasprintf("%s: invalid phases file", name);
	return (NULL);
}

struct phase_set *
phase_set_load(const char *path, char **cause)
{
	struct phase_set	*set;
	char			*text;

	if ((text = read_file(path, PHASE_FILE_MAX, NULL, cause)) == NULL)
		return (NULL);
	set = phase_set_parse(text, path, cause);
	free(text);
	if (set != NULL)
		set->path = xstrdup(path);
	return (set);
}

char *
phase_find_file(const char *explicit, char **cause)
{
	const char	*env;

	if (explicit != NULL)
		return (xstrdup(explicit));
	env = getenv("CLUSTERTOP_PHASES");
	if (env != NULL && *env != '\0')
		return (xstrdup(env));
	if (access("src/phases.json", R_OK) == 0)
		return (xstrdup("src/phases.json"));
	if (access(CT_DATADIR "/phases.json", R_OK) == 0)
		return (xstrdup(CT_DATADIR "/phases.json"));
	*cause = xstrdup("no phases file: tried --phases, "
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
