/*
 * stubs.c -- development-time placeholders (weak symbols).
 *
 * Each subcommand is defined for real in its own cmd-*.c; until then the
 * weak definition here keeps the program linking and says plainly that the
 * feature is not in this build. A real definition always wins.
 */

#include <stdio.h>

#include "cmd.h"

static int
not_built(const char *what)
{
	fprintf(stderr, "clustertop: %s: not in this build yet\n", what);
	return (CT_EXIT_USAGE);
}

#define CT_STUB(fn, what)					\
	int fn(int, char **) __attribute__((weak));		\
	int fn(int argc, char **argv)				\
	{ (void)argc; (void)argv; return (not_built(what)); }

CT_STUB(cmd_hosts_main, "hosts")
CT_STUB(cmd_bak_main, "bak")
CT_STUB(cmd_exec_main, "exec")
CT_STUB(cmd_bench_main, "bench")
CT_STUB(cmd_push_main, "push")
CT_STUB(cmd_phase_main, "phase")
CT_STUB(cmd_nvme_main, "nvme")
CT_STUB(cmd_test_main, "test")
CT_STUB(cmd_inventory_main, "nodes")
CT_STUB(cmd_slurm_helper_main, "slurm-helper")
CT_STUB(cmd_tui_main, "the dashboard")
