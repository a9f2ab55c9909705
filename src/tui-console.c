/*
 * tui-console.c -- the console's files, for tui.c: the history file
 * (loaded into the input line's console, one line appended per command
 * run), the copied block (~/.cache/clustertop/console-block.txt and OSC
 * 52) and the saved results. Every file is opened with O_NOFOLLOW and
 * created 0600; directories 0700. The messages for the status line come
 * back in MSG (the return value: 1 for an error), as this file does not
 * draw.
 */

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "console.h"
#include "tui-console.h"
#include "util.h"

/* Create a file for writing only if it is not a symlink; 0600. */
static FILE *
console_fopen(const char *path, char **cause)
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
tcon_hist_load(struct console *in)
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
		console_history_add(in, line);
		n++;
	}
	free(line);
	fclose(f);
	if (n <= 2 * CONSOLE_HISTORY_MAX)
		return;
	if ((f = console_fopen(path, &line)) == NULL) {
		free(line);
		return;
	}
	for (i = 0; i < in->nhist; i++)
		fprintf(f, "%s\n", in->hist[i]);
	fclose(f);
}

void
tcon_hist_save(const char *command)
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
static int
console_cache_path(char *buf, size_t size, const char *file)
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

/*
 * Copy the block under the cursor: to a file, which always works, and to
 * the clipboard of the administrator's terminal with OSC 52 (tmux,
 * xterm, kitty, iTerm2, Windows Terminal, ... pass it to the desktop's
 * clipboard, also over ssh).
 */
int
tcon_copy(struct console *c, size_t block, char *msg, size_t msgsize)
{
	char	*text, *osc, path[1024], *cause = NULL;
	const char *home = getenv("HOME"), *shown;
	size_t	 len, lines = 0, i;
	FILE	*f;
	ssize_t	 w;

	if ((text = console_block_text(c, block, &len)) == NULL) {
		snprintf(msg, msgsize, "copy: no block here");
		return (1);
	}
	for (i = 0; i < len; i++)
		lines += text[i] == '\n';
	if ((osc = console_osc52(text, len)) != NULL) {
		fflush(stdout);
		w = write(STDOUT_FILENO, osc, strlen(osc));
		(void)w;
		free(osc);
	}
	if (console_cache_path(path, sizeof path, "console-block.txt") != 0 ||
	    (f = console_fopen(path, &cause)) == NULL) {
		snprintf(msg, msgsize, "copied %zu lines (OSC 52); no file: %s",
		    lines, cause != NULL ? cause : "no $HOME");
		free(cause);
		free(text);
		return (1);
	}
	fwrite(text, 1, len, f);
	/* Short enough for the status line: ~ for the home directory. */
	shown = path;
	if (home != NULL && *home != '\0' && strncmp(path, home,
	    strlen(home)) == 0 && path[strlen(home)] == '/') {
		shown = path + strlen(home) - 1;
		path[strlen(home) - 1] = '~';
	}
	free(text);
	if (fclose(f) != 0) {
		snprintf(msg, msgsize, "%s: %s", shown, strerror(errno));
		return (1);
	}
	snprintf(msg, msgsize, "copied %zu line%s (OSC 52 + %s)", lines,
	    lines == 1 ? "" : "s", shown);
	return (0);
}

int
tcon_save(struct console *c, const char *p, char *msg, size_t msgsize)
{
	const char	*home = getenv("HOME");
	char		 path[1024], *cause = NULL;
	FILE		*f;

	if (strncmp(p, "~/", 2) == 0 && home != NULL)
		snprintf(path, sizeof path, "%s/%s", home, p + 2);
	else
		snprintf(path, sizeof path, "%s", p);
	if ((f = console_fopen(path, &cause)) == NULL) {
		snprintf(msg, msgsize, "save: %s", cause != NULL ? cause : path);
		free(cause);
		return (1);
	}
	if (console_save(c, f) != 0 || fclose(f) != 0) {
		snprintf(msg, msgsize, "save: %s: write failed", path);
		return (1);
	}
	snprintf(msg, msgsize, "saved the results of %zu node%s to %s",
	    console_nrun(c), console_nrun(c) == 1 ? "" : "s", path);
	return (0);
}
