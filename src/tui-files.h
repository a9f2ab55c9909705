/*
 * tui-files.h -- the dashboard's files: console history, copy file
 * (tui-files.c). No curses here: tui.c calls these.
 */
#ifndef CT_TUI_FILES_H
#define CT_TUI_FILES_H

#include <stddef.h>
#include <stdio.h>

struct console;

/* Create PATH for writing, 0600, refusing a symlink; NULL and *cause. */
FILE	*tui_fopen_private(const char *path, char **cause);
/* Earlier sessions' console commands into CON (a long file is cut back). */
void	 tui_hist_load(struct console *con);
/* Append COMMAND to the history file. */
void	 tui_hist_save(const char *command);
/* $XDG_CACHE_HOME/clustertop/FILE (made if needed) into BUF; -1 none. */
int	 tui_cache_path(char *buf, size_t size, const char *file);

#endif
