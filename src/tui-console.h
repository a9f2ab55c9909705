/*
 * tui-console.h -- the console's files for tui.c (see tui-console.c).
 */
#ifndef CT_TUI_CONSOLE_H
#define CT_TUI_CONSOLE_H

#include <stddef.h>

struct console;

/* Earlier sessions' commands into IN's history; a long file is cut back. */
void	tcon_hist_load(struct console *in);
/* One command appended to the history file. */
void	tcon_hist_save(const char *command);
/* Copy block BLOCK of C (a file, and OSC 52 to the terminal). */
int	tcon_copy(struct console *c, size_t block, char *msg, size_t msgsize);
/* Save every node's result of C to PATH ("~/" is home). */
int	tcon_save(struct console *c, const char *path, char *msg,
	    size_t msgsize);

#endif
