/*
 * phase-context.c -- the cluster context every run has: targets and the
 * whole cluster, /etc/hosts and known_hosts entries, the admin user, and
 * the host keys the engine verified (see phase.h).
 */

#include <sys/wait.h>

#include <errno.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine.h"
#include "hostlist.h"
#include "inventory.h"
#include "phase.h"
#include "phase-int.h"
#include "util.h"

#define PHASE_KNOWN_HOSTS_MAX	(64 * 1024 * 1024)	/* bytes */

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
	struct strbuf	 b = { 0 }, missing = { 0 }, keys;
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
				char *k = xstrndup(key, sp - key);
				if (keys.s == NULL || strstr(keys.s, k) == NULL) {
					strbuf_add(&keys, k);
					strbuf_add(&keys, "\n");
					strbuf_add(&b, nodes[i].name);
					if (nodes[i].addr != NULL &&
					    strcmp(nodes[i].addr,
					    nodes[i].name) != 0) {
						strbuf_add(&b, ",");
						strbuf_add(&b, nodes[i].addr);
					}
					strbuf_printf(&b, " %s\n", k);
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
				strbuf_printf(&missing, "%s%s",
				    nmissing > 1 ? ", " : "", nodes[i].name);
		}
	}
	if (nmissing > 0) {
		*cause = xasprintf("no verified host key for %s%s%s",
		    missing.s, nmissing > 8 ? ", ..." : "", nhashed > 0 ?
		    " (the file has hashed entries, which cannot be matched: "
		    "use HashKnownHosts no for clustertop's known_hosts)" : "");
		free(missing.s);
		free(b.s);
		return (NULL);
	}
	free(missing.s);
	return (strbuf_take(&b));
}

/* Fold N names: node[01-08]. */
static char *
phase_fold(const struct phase_target *t, size_t n)
{
	const char	**names;
	char		 *s;
	size_t		  i;

	if (n == 0)
		return (xstrdup(""));
	names = xmalloc(n * sizeof *names);
	for (i = 0; i < n; i++)
		names[i] = t[i].name;
	s = hostlist_fold_names(names, n);
	free(names);
	return (s != NULL ? s : xstrdup(""));
}

static void
phase_names_var(struct phase_vars *vars, const char *name,
    const struct phase_target *t, size_t n)
{
	const char	**names;
	size_t		  i;

	names = xmalloc((n + 1) * sizeof *names);
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
		char *why = xasprintf("no account \"%s\" on the head node",
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
	struct strbuf	 pats = { 0 };
	const char	**lines;
	char		 *s, *text, *cause = NULL, buf[PATH_MAX], host[256];
	const char	 *self;
	size_t		  i, n;
	ssize_t		  len;
	struct passwd	 *pw;

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

	lines = xmalloc((ncluster + 1) * sizeof *lines);
	memset(lines, 0, (ncluster + 1) * sizeof *lines);
	for (i = n = 0; i < ncluster; i++) {
		if (pats.len > 0)
			strbuf_add(&pats, " ");
		strbuf_add(&pats, cluster[i].name);
		if (cluster[i].addr != NULL &&
		    strcmp(cluster[i].addr, cluster[i].name) != 0) {
			strbuf_add(&pats, " ");
			strbuf_add(&pats, cluster[i].addr);
			lines[n++] = xasprintf("%s\t%s", cluster[i].addr,
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
		cause = xstrdup("clustertop's known_hosts file is not "
		    "known");
	else
		text = read_file(known_hosts, PHASE_KNOWN_HOSTS_MAX, NULL,
		    &cause);
	if (text != NULL) {
		s = phase_known_hosts_entries(text, cluster, ncluster, &cause);
		if (s != NULL) {
			phase_vars_set(vars, "known_hosts_entries", s);
			free(s);
		}
		free(text);
		if (cause != NULL) {
			char *why = xasprintf("%s in %s", cause,
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
	s = inventory_cluster_name();
	phase_vars_set(vars, "cluster", s);
	free(s);
	if ((self = phase_state_self()) != NULL)
		phase_vars_set(vars, "clustertop", self);
	else if ((len = readlink("/proc/self/exe", buf, sizeof buf - 1)) > 0) {
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
	struct strbuf		 b = { 0 };
	const char		*key, *addr, *tab;
	char			*rest, *cause = NULL, *oldtext;
	size_t			 i, k, nmiss = 0, nkeys = 0;

	cn = pvar_findn(vars, "cluster_nodes", strlen("cluster_nodes"));
	he = pvar_findn(vars, "hosts_entries", strlen("hosts_entries"));
	old = pvar_findn(vars, "known_hosts_entries",
	    strlen("known_hosts_entries"));
	if (e == NULL || cn == NULL || cn->nitems == 0)
		return (0);
	miss = xmalloc(cn->nitems * sizeof *miss);
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
		strbuf_add(&b, cn->items[i]);
		if (addr != NULL) {
			tab = strchr(addr, '\t');
			strbuf_add(&b, ",");
			strbuf_addn(&b, addr, tab - addr);
		}
		strbuf_printf(&b, " %s\n", key);
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
		strbuf_add(&b, rest);
		free(rest);
	}
	free(miss);
	phase_vars_set(vars, "known_hosts_entries", b.s != NULL ? b.s : "");
	free(b.s);
	return (nkeys);
}
