/*
 * client-tui.h -- `clustertop` (the dashboard) through the server: attach
 * to the server's hosted dashboard and relay this terminal (client-tui.c).
 */
#ifndef CT_CLIENT_TUI_H
#define CT_CLIENT_TUI_H

/*
 * Called first by the dashboard's main. Removes --server / --no-server
 * from ARGV. Returns -1 to run the dashboard in this process (no server,
 * --no-server, CLUSTERTOP_NO_SERVER=1, not a terminal, --help); else the
 * exit status once detached (0) or once the hosted dashboard quit.
 */
int	client_tui_hook(int *argc, char **argv);

#endif
