/*
 * server-path.c -- the server's private directory and its checks
 * (server-path.h).
 */

#include <sys/file.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "server-path.h"

static int __attribute__((format(printf, 2, 3)))
srvpath_fail(char **cause, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	if (vasprintf(cause, fmt, ap) == -1)
		*cause = NULL;
	va_end(ap);
	return (-1);
}

int
srvpath_dir(int create, char **dir, char **cause)
{
	const char	*xdg = getenv("XDG_RUNTIME_DIR");
	struct stat	 st;
	char		*d;
	int		 rc;

	*dir = NULL;
	if (xdg != NULL && *xdg != '\0')
		rc = asprintf(&d, "%s/clustertop", xdg);
	else
		rc = asprintf(&d, "/tmp/clustertop-%ld", (long)geteuid());
	if (rc == -1)
		abort();
	if (strlen(d) + sizeof "/server.sock" > 108) {
		srvpath_fail(cause, "%s: path too long for a socket", d);
		free(d);
		return (-1);
	}
	if (create && mkdir(d, 0700) == -1 && errno != EEXIST) {
		srvpath_fail(cause, "%s: cannot create it (%s)", d,
		    strerror(errno));
		free(d);
		return (-1);
	}
	if (lstat(d, &st) == -1) {
		if (errno == ENOENT && !create) {
			free(d);
			return (1);
		}
		srvpath_fail(cause, "%s: %s", d, strerror(errno));
		free(d);
		return (-1);
	}
	rc = 0;
	if (S_ISLNK(st.st_mode))
		rc = srvpath_fail(cause, "%s is a symbolic link; refusing to "
		    "use it as the server directory", d);
	else if (!S_ISDIR(st.st_mode))
		rc = srvpath_fail(cause, "%s is not a directory; refusing it",
		    d);
	else if (st.st_uid != geteuid())
		rc = srvpath_fail(cause, "%s is owned by uid %ld, not by you "
		    "(uid %ld); refusing it", d, (long)st.st_uid,
		    (long)geteuid());
	else if ((st.st_mode & 077) != 0)
		rc = srvpath_fail(cause, "%s has mode %04lo, it must be 0700 "
		    "(group and others locked out); refusing it", d,
		    (unsigned long)(st.st_mode & 07777));
	if (rc != 0) {
		free(d);
		return (-1);
	}
	*dir = d;
	return (0);
}

char *
srvpath_file(const char *dir, const char *name)
{
	char	*s;

	if (asprintf(&s, "%s/%s", dir, name) == -1)
		abort();
	return (s);
}

pid_t
srvpath_lock_pid(const char *dir)
{
	char	*p = srvpath_file(dir, "server.lock"), buf[32];
	ssize_t	 n;
	int	 fd;

	fd = open(p, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	free(p);
	if (fd == -1)
		return (0);
	n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return (0);
	buf[n] = '\0';
	return ((pid_t)strtol(buf, NULL, 10));
}

int
srvpath_locked(const char *dir)
{
	char	*p = srvpath_file(dir, "server.lock");
	int	 fd, rc;

	fd = open(p, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	free(p);
	if (fd == -1)
		return (errno == ENOENT ? 0 : -1);
	if (flock(fd, LOCK_SH | LOCK_NB) == 0)
		rc = 0;
	else
		rc = errno == EWOULDBLOCK ? 1 : -1;
	close(fd);
	return (rc);
}
