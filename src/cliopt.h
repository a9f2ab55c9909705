/*
 * cliopt.h -- the options every node-facing command shares: -w -x -F -l
 * -t -u -f --strict-host-keys (exec, bench, push and the dashboard).
 *
 * A command puts CLIOPT_SHORT into its getopt string and CLIOPT_LONG into
 * its long options, passes each option to cliopt_handle() first, and then
 * gets the node list (cliopt_nodes) and the engine configuration
 * (cliopt_engine_config) from the result. Environment defaults:
 * CLUSTERTOP_SSH_CONFIG for -F, CLUSTERTOP_KNOWN_HOSTS for the known_hosts
 * file, CLUSTERTOP_KEEPALIVE=SECONDS[,COUNT] for the keepalive (5,3).
 */
#ifndef CT_CLIOPT_H
#define CT_CLIOPT_H

#include <getopt.h>

#include "engine.h"

struct inventory;

struct cliopt {
	const char	*wexpr;		/* -w HOSTS */
	const char	*xexpr;		/* -x HOSTS */
	const char	*ssh_config;	/* -F FILE */
	const char	*user;		/* -l USER */
	const char	*known_hosts;	/* $CLUSTERTOP_KNOWN_HOSTS */
	int		 connect_timeout_ms;	/* -t SECONDS; default 10 s */
	int		 command_timeout_ms;	/* -u SECONDS; 0 none */
	int		 fanout;		/* -f N; 0 no limit */
	enum hostkey_policy hostkeys;	/* --strict-host-keys */
	int		 keepalive_ms;		/* $CLUSTERTOP_KEEPALIVE; 0 default */
	int		 keepalive_count;
	const char	*ssh_config_from;	/* "-F" or the variable's name */
	const char	*bad_env;		/* a variable with a bad value */
};

#define CLIOPT_SHORT		"w:x:F:l:t:u:f:"
#define CLIOPT_STRICT_HOST_KEYS	0x1001
#define CLIOPT_LONG \
	{ "strict-host-keys", required_argument, NULL, CLIOPT_STRICT_HOST_KEYS }

/* Fill defaults (from the environment). */
void	cliopt_init(struct cliopt *);
/*
 * Handle option CH with ARG: 1 if it was one of ours, 0 if not, -1 with
 * *cause (malloc'd) for a bad value.
 */
int	cliopt_handle(struct cliopt *, int ch, const char *arg, char **cause);
/* The usage text for the shared options. */
const char *cliopt_usage(void);
/* Fill an engine configuration from the options. */
void	cliopt_engine_config(const struct cliopt *, struct engine_config *);
/*
 * Check what the options name before anything starts: the ssh config is
 * a readable regular file, the known_hosts file is one or does not exist
 * yet, the user is not empty, and CLUSTERTOP_KEEPALIVE,
 * CLUSTERTOP_SLURM_TIMEOUT and CLUSTERTOP_OUTPUT_CAP parse. Returns 0, or
 * -1 with a one-line *cause naming the option or variable.
 */
int	cliopt_check(const struct cliopt *, char **cause);
/*
 * Load the node list (-w/-x, else Slurm, $WCOLL, the host file), after
 * cliopt_check(). Returns 0, or -1 with *cause.
 */
int	cliopt_nodes(const struct cliopt *, struct inventory **, char **cause);
/* Add the inventory's nodes to the engine; returns malloc'd node ids. */
int	*cliopt_add_nodes(struct engine *, const struct inventory *);

/* --- the job set-up exec, bench, push and nvme share ------------------------ */

/*
 * getopt_long over the shared options and the command's own: SHORTOPTS
 * and LONGOPTS must hold CLIOPT_SHORT and CLIOPT_LONG. Shared options are
 * taken here; returns the next option of the command's own, -1 at the
 * end, or CLIOPT_BAD after printing "PROG: why" for a bad shared value.
 * Reset optind before the first call.
 */
#define CLIOPT_BAD		0x1000
int	cliopt_getopt(struct cliopt *, const char *prog, int argc,
	    char **argv, const char *shortopts, const struct option *longopts);
/* The command words joined by spaces, as ssh does; malloc'd. */
char	*cliopt_command(int argc, char *const *argv);

/* The nodes of one command run and the engine that drives them. */
struct cliopt_run {
	struct inventory *inv;
	struct engine	 *e;
	int		 *ids;		/* engine ids, in inventory order */
	size_t		  n;
};
/*
 * Load the node list, create the engine from CFG (cliopt_engine_config
 * plus the command's own changes) and add the nodes. Returns 0, or the
 * exit status for the command (CT_EXIT_USAGE: no nodes; 1: the engine)
 * after printing "PROG: why".
 */
int	cliopt_run_setup(const struct cliopt *, const char *prog,
	    const struct engine_config *, struct cliopt_run *);
/* A job of COMMAND on every node of the run, with -u and -f applied. */
void	cliopt_run_spec(const struct cliopt *, const struct cliopt_run *,
	    const char *command, const char *label, struct engine_job_spec *);
/* Free the engine, the ids and the inventory (the struct itself is the caller's). */
void	cliopt_run_free(struct cliopt_run *);

#endif
