/*
 * phase-state.c -- `--failed`: the nodes that failed the last run of a
 * phase, kept in a small state file per phase (see phase.h).
 */

#include <sys/stat.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "phase.h"
#include "util.h"

/* --- --failed: the last run's failed nodes ------------------------------------ */

/* NAME in the state directory, malloc'd; NULL when there is none. */
static char *
phase_state_file(const char *name)
{
	const char	*xdg, *home;

	xdg = getenv("CLUSTERTOP_STATE_DIR");
	if (xdg != NULL && *xdg != '\0')
		return (xasprintf("%s/%s", xdg, name));
	xdg = getenv("XDG_STATE_HOME");
	if (xdg != NULL && *xdg == '/')
		return (xasprintf("%s/clustertop/%s", xdg, name));
	home = getenv("HOME");
	if (home == NULL || *home == '\0')
		return (NULL);
	return (xasprintf("%s/.local/state/clustertop/%s", home, name));
}

static char *
phase_state_path(int number)
{
	char	 name[64];

	snprintf(name, sizeof name, "phase-%d.failed", number);
	return (phase_state_file(name));
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

/* --- {clustertop}: this binary, pinned -------------------------------------- */

static char	pin_path[PATH_MAX];
static pid_t	pin_pid;

static void
phase_unpin(void)
{
	/* Only the process that made the copy: not a forked child's exit. */
	if (pin_path[0] != '\0' && getpid() == pin_pid)
		unlink(pin_path);
}

/* Remove the copies of processes that are gone (a crash leaves one). */
static void
phase_pin_sweep(const char *dir)
{
	struct dirent	*de;
	DIR		*d;
	char		*end, *p;
	long		 pid;

	if ((d = opendir(dir)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (strncmp(de->d_name, "clustertop.", 11) != 0)
			continue;
		pid = strtol(de->d_name + 11, &end, 10);
		if (*end != '\0' || pid <= 0 || kill((pid_t)pid, 0) == 0 ||
		    errno != ESRCH)
			continue;
		p = xasprintf("%s/%s", dir, de->d_name);
		unlink(p);
		free(p);
	}
	closedir(d);
}

const char *
phase_state_self(void)
{
	char	*dir, *path, buf[65536];
	ssize_t	 n;
	int	 in, out, ok;

	if (pin_path[0] != '\0' && getpid() == pin_pid)
		return (pin_path);
	if ((dir = phase_state_file("bin")) == NULL)
		return (NULL);
	path = xasprintf("%s/clustertop.%ld", dir, (long)getpid());
	phase_mkdirs(path);
	phase_pin_sweep(dir);
	free(dir);
	ok = 0;
	if ((in = open("/proc/self/exe", O_RDONLY | O_CLOEXEC)) != -1) {
		unlink(path);
		out = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0755);
		if (out != -1) {
			ok = 1;
			while (ok && (n = read(in, buf, sizeof buf)) != 0) {
				if (n < 0 && errno == EINTR)
					continue;
				ok = n > 0 && write(out, buf, (size_t)n) == n;
			}
			if (close(out) != 0)
				ok = 0;
		}
		close(in);
	}
	if (!ok || strlen(path) >= sizeof pin_path) {
		unlink(path);
		free(path);
		return (NULL);
	}
	if (pin_pid == 0)
		atexit(phase_unpin);
	snprintf(pin_path, sizeof pin_path, "%s", path);
	pin_pid = getpid();
	free(path);
	return (pin_path);
}
