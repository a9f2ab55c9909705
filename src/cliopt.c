/*
 * cliopt.c -- shared command-line options for node-facing commands.
 */

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cliopt.h"
#include "cmd.h"
#include "inventory.h"
#include "util.h"

/* Fill defaults. */
void
cliopt_init(struct cliopt *o)
{
	const char	*v;
	char		*end;
	double		 d;
	long		 l;

	memset(o, 0, sizeof *o);
	o->connect_timeout_ms = 10000;
	o->hostkeys = HOSTKEY_STRICT;
	if ((v = getenv("CLUSTERTOP_SSH_CONFIG")) != NULL && *v != '\0')
		o->ssh_config = v;
	if ((v = getenv("CLUSTERTOP_KNOWN_HOSTS")) != NULL && *v != '\0')
		o->known_hosts = v;
	/* CLUSTERTOP_KEEPALIVE=SECONDS[,COUNT]: how fast a dead node is seen. */
	if ((v = getenv("CLUSTERTOP_KEEPALIVE")) != NULL && *v != '\0') {
		d = strtod(v, &end);
		if (end != v && d > 0 && d < 3600) {
			o->keepalive_ms = (int)(d * 1000);
			if (*end == ',' && (l = strtol(end + 1, NULL, 10)) > 0 &&
			    l < 1000)
				o->keepalive_count = (int)l;
		}
	}
}

/* Parse seconds (fractions allowed) into milliseconds. */
static int
cliopt_seconds(const char *arg, int allow_zero, int *ms)
{
	char	*end;
	double	 d;

	errno = 0;
	d = strtod(arg, &end);
	if (errno != 0 || end == arg || *end != '\0' || !isfinite(d) ||
	    d < 0 || d > 86400.0 * 365 || (!allow_zero && d == 0))
		return (-1);
	*ms = (int)(d * 1000 + 0.5);
	if (*ms == 0 && d > 0)
		*ms = 1;
	return (0);
}

/* Handle one option. */
int
cliopt_handle(struct cliopt *o, int ch, const char *arg, char **cause)
{
	char	*end;
	long	 l;

	*cause = NULL;
	switch (ch) {
	case 'w':
		o->wexpr = arg;
		return (1);
	case 'x':
		o->xexpr = arg;
		return (1);
	case 'F':
		o->ssh_config = arg;
		return (1);
	case 'l':
		o->user = arg;
		return (1);
	case 't':
		if (cliopt_seconds(arg, 0, &o->connect_timeout_ms) != 0)
			goto bad;
		return (1);
	case 'u':
		if (cliopt_seconds(arg, 1, &o->command_timeout_ms) != 0)
			goto bad;
		return (1);
	case 'f':
		errno = 0;
		l = strtol(arg, &end, 10);
		if (errno != 0 || end == arg || *end != '\0' || l < 1 ||
		    l > 1000000)
			goto bad;
		o->fanout = (int)l;
		return (1);
	case CLIOPT_STRICT_HOST_KEYS:
		if (strcmp(arg, "yes") == 0)
			o->hostkeys = HOSTKEY_STRICT;
		else if (strcmp(arg, "accept-new") == 0)
			o->hostkeys = HOSTKEY_ACCEPT_NEW;
		else {
			if (asprintf(cause, "--strict-host-keys must be yes or "
			    "accept-new (a changed key is always refused)") == -1)
				*cause = NULL;
			return (-1);
		}
		return (1);
	}
	return (0);

bad:
	if (asprintf(cause, "bad value for -%c: %s", ch, arg) == -1)
		*cause = NULL;
	return (-1);
}

/* Usage text for the shared options. */
const char *
cliopt_usage(void)
{
	return ("  -w HOSTS   nodes (hostlist: node[01-32],^file,@group)\n"
	    "  -x HOSTS   leave out these nodes\n"
	    "  -f N       at most N nodes run the command at once\n"
	    "  -t SECS    connect timeout (default 10)\n"
	    "  -u SECS    command timeout; the remote command is killed "
	    "(default none)\n"
	    "  -F FILE    ssh config (default $CLUSTERTOP_SSH_CONFIG, "
	    "else ~/.ssh/config)\n"
	    "  -l USER    remote user\n"
	    "  --strict-host-keys yes|accept-new\n"
	    "             unknown host keys: refuse (yes) or record them; a "
	    "changed key\n"
	    "             is always refused\n");
}

/* Fill an engine configuration. */
void
cliopt_engine_config(const struct cliopt *o, struct engine_config *cfg)
{
	memset(cfg, 0, sizeof *cfg);
	cfg->ssh_config = o->ssh_config;
	cfg->user = o->user;
	cfg->known_hosts = o->known_hosts;
	cfg->hostkeys = o->hostkeys;
	cfg->connect_timeout_ms = o->connect_timeout_ms;
	cfg->command_timeout_ms = o->command_timeout_ms;
	cfg->keepalive_ms = o->keepalive_ms;
	cfg->keepalive_count = o->keepalive_count;
}

/* Load the node list. */
int
cliopt_nodes(const struct cliopt *o, struct inventory **inv, char **cause)
{
	*cause = NULL;
	if (inventory_load(inv, o->wexpr, o->xexpr, cause) != 0)
		return (-1);
	if ((*inv)->nnodes == 0) {
		inventory_free(*inv);
		*inv = NULL;
		*cause = strdup("no nodes selected");
		return (-1);
	}
	return (0);
}

/* Add the inventory's nodes to the engine. */
int *
cliopt_add_nodes(struct engine *e, const struct inventory *inv)
{
	int	*ids;
	size_t	 i;

	ids = xcalloc(inv->nnodes + 1, sizeof *ids);
	for (i = 0; i < inv->nnodes; i++)
		ids[i] = engine_add_node(e, inv->nodes[i].name,
		    inv->nodes[i].addr);
	return (ids);
}

/* --- the job set-up exec, bench, push and nvme share ------------------------ */

int
cliopt_getopt(struct cliopt *o, const char *prog, int argc, char **argv,
    const char *shortopts, const struct option *longopts)
{
	char	*cause = NULL;
	int	 ch;

	while ((ch = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
		switch (cliopt_handle(o, ch, optarg, &cause)) {
		case 1:
			continue;
		case -1:
			fprintf(stderr, "%s: %s\n", prog, cause);
			free(cause);
			return (CLIOPT_BAD);
		default:
			return (ch);
		}
	}
	return (-1);
}

char *
cliopt_command(int argc, char *const *argv)
{
	struct strbuf	b = { 0 };
	int		i;

	for (i = 0; i < argc; i++) {
		if (i > 0)
			strbuf_addc(&b, ' ');
		strbuf_add(&b, argv[i]);
	}
	return (strbuf_take(&b));
}

int
cliopt_run_setup(const struct cliopt *o, const char *prog,
    const struct engine_config *cfg, struct cliopt_run *run)
{
	char	*cause = NULL;

	memset(run, 0, sizeof *run);
	if (cliopt_nodes(o, &run->inv, &cause) != 0) {
		fprintf(stderr, "%s: %s\n", prog, cause != NULL ? cause :
		    "no nodes");
		free(cause);
		return (CT_EXIT_USAGE);
	}
	if ((run->e = engine_create(cfg, &cause)) == NULL) {
		fprintf(stderr, "%s: %s\n", prog, cause);
		free(cause);
		inventory_free(run->inv);
		run->inv = NULL;
		return (1);
	}
	run->ids = cliopt_add_nodes(run->e, run->inv);
	run->n = run->inv->nnodes;
	return (0);
}

void
cliopt_run_spec(const struct cliopt *o, const struct cliopt_run *run,
    const char *command, const char *label, struct engine_job_spec *spec)
{
	memset(spec, 0, sizeof *spec);
	spec->command = command;
	spec->nodes = run->ids;
	spec->nnodes = run->n;
	spec->timeout_ms = o->command_timeout_ms > 0 ?
	    o->command_timeout_ms : -1;
	spec->fanout = o->fanout;
	spec->label = label;
}

void
cliopt_run_free(struct cliopt_run *run)
{
	if (run->e != NULL)
		engine_free(run->e);
	free(run->ids);
	inventory_free(run->inv);
	memset(run, 0, sizeof *run);
}
