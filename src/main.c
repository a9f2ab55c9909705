/*
 * main.c -- clustertop: one console for a whole Slurm cluster.
 *
 * Dispatches to the subcommands (cmd-*.c). With no subcommand, or when the
 * first argument is an option, the live dashboard (tui.c) starts.
 */

#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "push.h"
#include "version.h"

struct subcommand {
	const char	*name;
	int		(*main)(int, char **);
	const char	*summary;
};

static const struct subcommand subcommands[] = {
	{ "exec",  cmd_exec_main,  "run a command on many nodes" },
	{ "push",  cmd_push_main,  "copy files to many nodes (like pdcp)" },
	{ "pull",  cmd_pull_main,  "fetch files from many nodes (like rpdcp)" },
	{ "bak",   cmd_bak_main,   "group `host: line` output (like dshbak)" },
	{ "hosts", cmd_hosts_main, "expand, fold or count a host list" },
	{ "nodes", cmd_inventory_main, "show the node inventory" },
	{ "phase", cmd_phase_main, "list, show or run the setup phases" },
	{ "nvme",  cmd_nvme_main,  "scan or wipe instance-store NVMe devices" },
	{ "test",  cmd_test_main,  "run the MPI or Slurm test" },
	{ "bench", cmd_bench_main, "time connect and command rounds" },
	{ "server", cmd_server_main, "start, stop or query the resident server" },
	{ "slurm-helper", cmd_slurm_helper_main, NULL },	/* internal */
	{ NULL, NULL, NULL }
};

static void
usage(FILE *f)
{
	const struct subcommand	*sc;

	fprintf(f, "usage: clustertop [-w HOSTS] [-x HOSTS] [-F SSH_CONFIG] "
	    "[-l USER] [--theme NAME]\n"
	    "       clustertop COMMAND [ARGS...]\n\ncommands:\n");
	for (sc = subcommands; sc->name != NULL; sc++) {
		if (sc->summary != NULL)
			fprintf(f, "  %-7s %s\n", sc->name, sc->summary);
	}
	fprintf(f, "\nSee clustertop(1) and docs/guide.md.\n");
}

int
main(int argc, char **argv)
{
	const struct subcommand	*sc;

	if (argc >= 2) {
		if (strcmp(argv[1], "--help") == 0 ||
		    strcmp(argv[1], "help") == 0 || strcmp(argv[1], "-h") == 0) {
			usage(stdout);
			return (0);
		}
		if (strcmp(argv[1], "--version") == 0 ||
		    strcmp(argv[1], "-V") == 0) {
			printf("clustertop %s\n", CT_VERSION);
			return (0);
		}
		if (argv[1][0] != '-') {
			for (sc = subcommands; sc->name != NULL; sc++) {
				if (strcmp(argv[1], sc->name) == 0)
					return (sc->main(argc - 1, argv + 1));
			}
			fprintf(stderr, "clustertop: unknown command '%s'\n",
			    argv[1]);
			usage(stderr);
			return (CT_EXIT_USAGE);
		}
	}
	return (cmd_tui_main(argc, argv));
}
