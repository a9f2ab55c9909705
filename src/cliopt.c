/*
 * cliopt.c -- shared command-line options for node-facing commands.
 */

#include <sys/stat.h>

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audit.h"
#include "cliopt.h"
#include "cmdhost.h"
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
	if ((v = getenv("CLUSTERTOP_SSH_CONFIG")) != NULL && *v != '\0') {
		o->ssh_config = v;
		o->ssh_config_from = "CLUSTERTOP_SSH_CONFIG";
	}
	if ((v = getenv("CLUSTERTOP_KNOWN_HOSTS")) != NULL && *v != '\0')
		o->known_hosts = v;
	/* CLUSTERTOP_KEEPALIVE=SECONDS[,COUNT]: how fast a dead node is seen. */
	if ((v = getenv("CLUSTERTOP_KEEPALIVE")) != NULL && *v != '\0') {
		d = strtod(v, &end);
		if (end != v && d > 0 && d < 3600) {
			o->keepalive_ms = (int)(d * 1000);
			if (*end == ',' && (l = strtol(end + 1, &end, 10)) > 0 &&
			    l < 1000 && *end == '\0')
				o->keepalive_count = (int)l;
			else if (*end != '\0')
				o->bad_env = "CLUSTERTOP_KEEPALIVE";
		} else
			o->bad_env = "CLUSTERTOP_KEEPALIVE";
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
		o->ssh_config_from = "-F";
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

static int
cliopt_fail(char **cause, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	if (vasprintf(cause, fmt, ap) == -1)
		*cause = NULL;
	va_end(ap);
	return (-1);
}

/* A file clustertop must read: 0, or -1 with *cause. */
static int
cliopt_check_file(const char *what, const char *path, int may_be_missing,
    char **cause)
{
	struct stat	sb;

	if (*path == '\0')
		return (cliopt_fail(cause, "%s: empty file name", what));
	if (stat(path, &sb) == -1) {
		if (errno == ENOENT && may_be_missing)
			return (0);
		return (cliopt_fail(cause, "%s %s: %s", what, path,
		    strerror(errno)));
	}
	if (!S_ISREG(sb.st_mode))
		return (cliopt_fail(cause, "%s %s: %s", what, path,
		    S_ISDIR(sb.st_mode) ? strerror(EISDIR) :
		    "not a regular file"));
	if (access(path, R_OK) == -1)
		return (cliopt_fail(cause, "%s %s: %s", what, path,
		    strerror(errno)));
	return (0);
}

/* Check the options and the environment before anything starts. */
int
cliopt_check(const struct cliopt *o, char **cause)
{
	const char	*v;
	char		*end;
	double		 d;

	*cause = NULL;
	if (o->bad_env != NULL)
		return (cliopt_fail(cause, "%s=%s: expected SECONDS[,COUNT] "
		    "(seconds above 0 and below 3600, count 1-999)", o->bad_env,
		    getenv(o->bad_env) != NULL ? getenv(o->bad_env) : ""));
	if ((v = getenv("CLUSTERTOP_SLURM_TIMEOUT")) != NULL && *v != '\0') {
		errno = 0;
		d = strtod(v, &end);
		if (errno != 0 || end == v || *end != '\0' || !(d >= 0) ||
		    d >= 86400)
			return (cliopt_fail(cause, "CLUSTERTOP_SLURM_TIMEOUT=%s: "
			    "expected seconds from 0 (do not ask Slurm) to "
			    "86400", v));
	}
	if ((v = getenv("CLUSTERTOP_OUTPUT_CAP")) != NULL && *v != '\0' &&
	    (strspn(v, "0123456789") != strlen(v) || strlen(v) > 12))
		return (cliopt_fail(cause, "CLUSTERTOP_OUTPUT_CAP=%s: expected a "
		    "number of bytes", v));
	if (o->user != NULL && (*o->user == '\0' ||
	    strpbrk(o->user, " \t\r\n:/") != NULL))
		return (cliopt_fail(cause, "-l '%s': not a user name", o->user));
	if (o->ssh_config != NULL && cliopt_check_file(o->ssh_config_from !=
	    NULL ? o->ssh_config_from : "-F", o->ssh_config, 0, cause) != 0)
		return (-1);
	/* No remote action without its audit record (- runs without). */
	if ((v = getenv("CLUSTERTOP_AUDIT_LOG")) == NULL || strcmp(v, "-") != 0) {
		struct audit	*a;
		char		*why = NULL;

		if ((a = audit_open(NULL, &why)) == NULL) {
			cliopt_fail(cause, "audit log %s (CLUSTERTOP_AUDIT_LOG=- "
			    "runs without one)", why != NULL ? why : "?");
			free(why);
			return (-1);
		}
		audit_close(a);
	}
	/* A known_hosts file that does not exist yet is an empty one. */
	if (o->known_hosts != NULL && cliopt_check_file("CLUSTERTOP_KNOWN_HOSTS",
	    o->known_hosts, 1, cause) != 0)
		return (-1);
	return (0);
}

/* Load the node list. */
int
cliopt_nodes(const struct cliopt *o, struct inventory **inv, char **cause)
{
	*cause = NULL;
	if (cliopt_check(o, cause) != 0)
		return (-1);
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
		ids[i] = cmdhost_add_node(e, inv->nodes[i].name,
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
	if ((run->e = cmdhost_engine_create(cfg, &cause)) == NULL) {
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
		cmdhost_engine_free(run->e);
	free(run->ids);
	inventory_free(run->inv);
	memset(run, 0, sizeof *run);
}
