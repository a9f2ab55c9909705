/*
 * tui-files.c -- the dashboard's own files (tui-files.h): the console's
 * history, the copy file, files it creates for the user (0600, no
 * symlinks followed).
 */

#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "console.h"
#include "tui-files.h"

/* Create a file for writing only if it is not a symlink; 0600. */
FILE *
tui_fopen_private(const char *path, char **cause)
{
	FILE	*f;
	int	 fd;

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC,
	    0600);
	if (fd == -1 || (f = fdopen(fd, "w")) == NULL) {
		if (asprintf(cause, "%s: %s", path, strerror(errno)) == -1)
			*cause = NULL;
		if (fd != -1)
			close(fd);
		return (NULL);
	}
	return (f);
}

/* mkdir -p for the directory part of PATH, mode 0700. */
static void
mkdirs_for(const char *path)
{
	char	buf[1024], *p;

	snprintf(buf, sizeof buf, "%s", path);
	for (p = buf + 1; (p = strchr(p, '/')) != NULL; p++) {
		*p = '\0';
		mkdir(buf, 0700);
		*p = '/';
	}
}

/*
 * The console's history file: $CLUSTERTOP_HISTORY ("" for none), else
 * $XDG_STATE_HOME/clustertop/console_history, else under ~/.local/state.
 */
static int
con_hist_path(char *buf, size_t size)
{
	const char	*v = getenv("CLUSTERTOP_HISTORY");
	const char	*x = getenv("XDG_STATE_HOME"), *home = getenv("HOME");

	if (v != NULL)
		snprintf(buf, size, "%s", v);
	else if (x != NULL && *x == '/')
		snprintf(buf, size, "%s/clustertop/console_history", x);
	else if (home != NULL && *home != '\0')
		snprintf(buf, size, "%s/.local/state/clustertop/console_history",
		    home);
	else
		return (-1);
	return (buf[0] == '\0' ? -1 : 0);
}

/* Earlier sessions' commands, oldest first; a long file is cut back. */
void
tui_hist_load(struct console *con)
{
	char	 path[1024], *line = NULL;
	size_t	 size = 0, n = 0, i;
	ssize_t	 len;
	FILE	*f;
	int	 fd;

	if (con_hist_path(path, sizeof path) != 0 ||
	    (fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) == -1)
		return;
	if ((f = fdopen(fd, "r")) == NULL) {
		close(fd);
		return;
	}
	while ((len = getline(&line, &size, f)) != -1) {
		if (len > 0 && line[len - 1] == '\n')
			line[len - 1] = '\0';
		console_history_add(con, line);
		n++;
	}
	free(line);
	fclose(f);
	if (n <= 2 * CONSOLE_HISTORY_MAX)
		return;
	if ((f = tui_fopen_private(path, &line)) == NULL) {
		free(line);
		return;
	}
	for (i = 0; i < con->nhist; i++)
		fprintf(f, "%s\n", con->hist[i]);
	fclose(f);
}

void
tui_hist_save(const char *command)
{
	char	path[1024];
	FILE	*f;
	int	 fd;

	if (con_hist_path(path, sizeof path) != 0)
		return;
	mkdirs_for(path);
	fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC,
	    0600);
	if (fd == -1 || (f = fdopen(fd, "a")) == NULL) {
		if (fd != -1)
			close(fd);
		return;
	}
	fprintf(f, "%s\n", command);
	fclose(f);
}

/* ~/.cache/clustertop (or $XDG_CACHE_HOME/clustertop), made if needed. */
int
tui_cache_path(char *buf, size_t size, const char *file)
{
	const char	*x = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");

	if (x != NULL && *x == '/')
		snprintf(buf, size, "%s/clustertop", x);
	else if (home != NULL && *home != '\0') {
		snprintf(buf, size, "%s/.cache", home);
		mkdir(buf, 0700);
		snprintf(buf, size, "%s/.cache/clustertop", home);
	} else
		return (-1);
	if (mkdir(buf, 0700) != 0 && errno != EEXIST)
		return (-1);
	snprintf(buf + strlen(buf), size - strlen(buf), "/%s", file);
	return (0);
}

