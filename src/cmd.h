/*
 * cmd.h -- the subcommands of the clustertop binary.
 *
 * main.c dispatches on argv[1]; each subcommand lives in its own
 * src/cmd-NAME.c and is called with argv shifted so that argv[0] is the
 * subcommand's name (as getopt expects). A subcommand returns the process
 * exit status. Exit status 2 always means a usage or input error.
 */
#ifndef CT_CMD_H
#define CT_CMD_H

#define CT_EXIT_USAGE		2	/* bad arguments or input */

int	cmd_hosts_main(int, char **);	/* cmd-hosts.c */
int	cmd_bak_main(int, char **);	/* cmd-bak.c */
int	cmd_exec_main(int, char **);	/* cmd-exec.c */
int	cmd_bench_main(int, char **);	/* cmd-bench.c */
int	cmd_push_main(int, char **);	/* cmd-push.c */
int	cmd_phase_main(int, char **);	/* cmd-phase.c */
int	cmd_nvme_main(int, char **);	/* cmd-nvme.c */
int	cmd_test_main(int, char **);	/* cmd-test.c */
int	cmd_inventory_main(int, char **); /* cmd-inventory.c: `clustertop nodes` */
int	cmd_slurm_helper_main(int, char **); /* slurm-helper.c: internal */
int	cmd_tui_main(int, char **);	/* tui.c: no subcommand */
int	cmd_server_main(int, char **);	/* server.c: the resident server */

#endif
