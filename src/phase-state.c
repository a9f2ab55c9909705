/*
 * phase-state.c -- `--failed`: the nodes that failed the last run of a
 * phase, kept in a small state file per phase (see phase.h).
 */

#include <sys/stat.h>
#include <sys/wait.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "phase.h"
#include "util.h"

/* --- --failed: the last run's failed nodes ------------------------------------ */

static char *
phase_state_path(int number)
{
	const char	*xdg, *home;

	xdg = getenv("CLUSTERTOP_STATE_DIR");
	if (xdg != NULL && *xdg != '\0')
		return (xasprintf("%s/phase-%d.failed", xdg, number));
	xdg = getenv("XDG_STATE_HOME");
	if (xdg != NULL && *xdg == '/')
		return (xasprintf("%s/clustertop/phase-%d.failed", xdg,
		    number));
	home = getenv("HOME");
	if (home == NULL || *home == '\0')
		return (NULL);
	return (xasprintf("%s/.local/state/clustertop/phase-%d.failed",
	    home, number));
}

static void
phase_mkdirs(const char *path)
{
	char	*d, *p;

	d = xstrdup(path);
	p = strrchr(d, '/');
	if (p != NULL)
		*p = '\0';
	for (p = d + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		mkdir(d, 0700);
		*p = '/';
	}
	mkdir(d, 0700);
	free(d);
}

int
phase_state_save(int number, char *const *names, size_t n)
{
	char	*path, *tmp;
	FILE	*f;
	size_t	 i;
	int	 rc = 0;

	path = phase_state_path(number);
	if (path == NULL)
		return (-1);
	phase_mkdirs(path);
	tmp = xasprintf("%s.%ld", path, (long)getpid());
	f = fopen(tmp, "w");
	if (f == NULL) {
		free(tmp);
		free(path);
		return (-1);
	}
	for (i = 0; i < n; i++)
		fprintf(f, "%s\n", names[i]);
	if (fclose(f) != 0 || rename(tmp, path) != 0) {
		unlink(tmp);
		rc = -1;
	}
	free(tmp);
	free(path);
	return (rc);
}

time_t
phase_state_time(int number)
{
	struct stat	 sb;
	char		*path;
	time_t		 t = 0;

	path = phase_state_path(number);
	if (path != NULL && stat(path, &sb) == 0)
		t = sb.st_mtime;
	free(path);
	return (t);
}

int
phase_state_load(int number, char ***names, size_t *n)
{
	char	*path, line[1024];
	FILE	*f;
	size_t	 len;

	*names = NULL;
	*n = 0;
	path = phase_state_path(number);
	if (path == NULL)
		return (-1);
	f = fopen(path, "r");
	free(path);
	if (f == NULL)
		return (-1);
	while (fgets(line, sizeof line, f) != NULL) {
		len = strcspn(line, "\r\n");
		line[len] = '\0';
		if (len == 0)
			continue;
		*names = xrealloc(*names, (*n + 1) * sizeof **names);
		(*names)[(*n)++] = xstrdup(line);
	}
	fclose(f);
	return (0);
}
