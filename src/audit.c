/*
 * audit.c -- append JSON lines to the audit log.
 */

#include <sys/stat.h>
#include <sys/types.h>

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <time.h>
#include <unistd.h>

#include "audit.h"
#include "hostlist.h"

struct audit {
	char	*path;
	int	 fd;
	char	*user;
	char	 host[256];
	int	 err;		/* errno of the last record not written */
};

/* The default audit log path, malloc'd. */
char *
audit_default_path(void)
{
	const char	*env, *home;
	struct passwd	*pw;
	char		*path;

	if ((env = getenv("CLUSTERTOP_AUDIT_LOG")) != NULL && *env != '\0')
		return (strdup(env));
	if ((env = getenv("XDG_STATE_HOME")) != NULL && *env == '/') {
		if (asprintf(&path, "%s/clustertop/audit.log", env) == -1)
			return (NULL);
		return (path);
	}
	home = getenv("HOME");
	if ((home == NULL || *home == '\0') &&
	    (pw = getpwuid(getuid())) != NULL)
		home = pw->pw_dir;
	if (home == NULL)
		return (NULL);
	if (asprintf(&path, "%s/.local/state/clustertop/audit.log", home) == -1)
		return (NULL);
	return (path);
}

/* mkdir -p the directory part of PATH. */
static int
audit_mkdirs(const char *path)
{
	char	*dir, *p;

	if ((dir = strdup(path)) == NULL)
		return (-1);
	for (p = dir + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(dir, 0700) == -1 && errno != EEXIST) {
			free(dir);
			return (-1);
		}
		*p = '/';
	}
	free(dir);
	return (0);
}

/* Open the log for appending. */
struct audit *
audit_open(const char *path, char **cause)
{
	struct audit	*a;
	struct passwd	*pw;
	char		*p;

	p = path != NULL ? strdup(path) : audit_default_path();
	if (p == NULL) {
		*cause = strdup("no audit log path (HOME unset)");
		return (NULL);
	}
	audit_mkdirs(p);
	a = calloc(1, sizeof *a);
	if (a == NULL)
		abort();
	a->path = p;
	a->fd = open(p, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (a->fd == -1) {
		if (asprintf(cause, "%s: %s", p, strerror(errno)) == -1)
			*cause = NULL;
		free(p);
		free(a);
		return (NULL);
	}
	if ((pw = getpwuid(getuid())) != NULL)
		a->user = strdup(pw->pw_name);
	if (gethostname(a->host, sizeof a->host) != 0)
		strcpy(a->host, "?");
	a->host[sizeof a->host - 1] = '\0';
	return (a);
}

/* Close the log. */
void
audit_close(struct audit *a)
{
	if (a == NULL)
		return;
	close(a->fd);
	free(a->path);
	free(a->user);
	free(a);
}

/* The path in use. */
const char *
audit_path(const struct audit *a)
{
	return (a->path);
}

/* Add who/when/from, append as one line, free OBJ. */
int
audit_write(struct audit *a, struct cJSON *obj)
{
	struct timespec	 ts;
	struct tm	 tm;
	char		 when[64], *line, *s;
	const char	*sudo;
	size_t		 len;
	ssize_t		 w;
	off_t		 off;
	cJSON		*o, *it;

	if (a == NULL) {
		cJSON_Delete(obj);
		return (0);
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%S", &tm);
	len = strlen(when);
	snprintf(when + len, sizeof when - len, ".%03ldZ",
	    ts.tv_nsec / 1000000);

	/* who, when, from first; then the caller's fields. */
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "time", when);
	cJSON_AddStringToObject(o, "user", a->user != NULL ? a->user : "?");
	cJSON_AddNumberToObject(o, "uid", (double)getuid());
	if ((sudo = getenv("SUDO_USER")) != NULL)
		cJSON_AddStringToObject(o, "sudo_user", sudo);
	cJSON_AddStringToObject(o, "head", a->host);
	cJSON_AddNumberToObject(o, "pid", (double)getpid());
	while ((it = obj->child) != NULL) {
		cJSON_DetachItemViaPointer(obj, it);
		cJSON_AddItemToObject(o, it->string, it);
	}
	cJSON_Delete(obj);

	s = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	if (s == NULL)
		return (-1);
	len = strlen(s);
	if ((line = malloc(len + 2)) == NULL)
		abort();
	memcpy(line, s, len);
	line[len++] = '\n';
	free(s);
	/*
	 * A record is written whole or not at all: a short write (a full
	 * disk) is cut off again, so the log keeps whole JSON lines.
	 */
	off = lseek(a->fd, 0, SEEK_END);
	w = write(a->fd, line, len);
	free(line);
	if (w == (ssize_t)len) {
		a->err = 0;
		return (0);
	}
	a->err = w < 0 ? errno : ENOSPC;
	if (w > 0 && off != (off_t)-1 && ftruncate(a->fd, off) != 0)
		a->err = errno;
	errno = a->err;
	return (-1);
}

/* Why the last record was not written ("No space left on device"). */
const char *
audit_error(const struct audit *a)
{
	return (a != NULL && a->err != 0 ? strerror(a->err) : "no error");
}

/* Fold host names for the "where" field. */
char *
audit_fold_hosts(const char *const *names, size_t n)
{
	return (hostlist_fold_names(names, n));
}

void
audit_add_outcome(cJSON *o, const char *const *failed, size_t n,
    const struct timespec *start)
{
	struct timespec	 now;
	char		*where;

	if (n > 0) {
		where = audit_fold_hosts(failed, n);
		cJSON_AddStringToObject(o, "failed_where",
		    where != NULL ? where : "");
		free(where);
	}
	clock_gettime(CLOCK_REALTIME, &now);
	cJSON_AddNumberToObject(o, "duration_s",
	    (double)(now.tv_sec - start->tv_sec) +
	    (now.tv_nsec - start->tv_nsec) / 1e9);
}
