/*
 * client-tui.h -- `clustertop` (the dashboard) through the server: attach
 * to the server's hosted dashboard and relay this terminal (client-tui.c).
 */
#ifndef CT_CLIENT_TUI_H
#define CT_CLIENT_TUI_H

struct engine_config;

#define CLIENT_TUI_TAKEOVER_FLAG	0x100	/* --take-over, in the mode */

/*
 * Called first by the dashboard's main: removes --server, --no-server and
 * --take-over from ARGV and returns the client mode (enum client_mode,
 * CLIENT_TUI_TAKEOVER_FLAG or'ed in), CLUSTERTOP_NO_SERVER=1 included.
 */
int	client_tui_mode(int *argc, char **argv);

/*
 * Attach to the server's dashboard with MODE (a server is started first
 * with CFG's settings when MODE says --server). Returns -1 to run the
 * dashboard in this process (no server, --no-server, not a terminal, the
 * server declined); else the exit status once detached (0) or once the
 * hosted dashboard quit.
 */
int	client_tui_attach(int mode, const struct engine_config *cfg, int argc,
	    char **argv);

#endif
