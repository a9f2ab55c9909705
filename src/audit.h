/*
 * audit.h -- the audit log: every remote action, as JSON lines.
 *
 * One line per event, appended with a single write(2) to a file opened
 * O_APPEND, so lines from several clustertop processes never interleave.
 * Each record carries who (user, uid, sudo_user), when (UTC, ms), from
 * where (head host, pid) plus what the caller adds: the job, its command
 * or label, the folded node list and, at the end, the outcome.
 *
 * Path: $CLUSTERTOP_AUDIT_LOG, else $XDG_STATE_HOME/clustertop/audit.log,
 * else ~/.local/state/clustertop/audit.log.
 */
#ifndef CT_AUDIT_H
#define CT_AUDIT_H

#include <stddef.h>

struct audit;
struct cJSON;

/* The default path (see above), malloc'd; NULL if there is no home. */
char		*audit_default_path(void);
/* Open PATH (NULL: the default) for appending; NULL with *cause. */
struct audit	*audit_open(const char *path, char **cause);
/* Close the log. NULL is allowed. */
void		 audit_close(struct audit *);
/* The path in use. */
const char	*audit_path(const struct audit *);
/* Add who/when/from to OBJ, append it as one line, free it. */
int		 audit_write(struct audit *, struct cJSON *obj);
/* Why the last audit_write() failed (strerror of its errno). */
const char	*audit_error(const struct audit *);
/* Fold host names for the "where" field ("node[01-08]"), malloc'd. */
char		*audit_fold_hosts(const char *const *names, size_t n);
/*
 * The end record's common tail: "failed_where" (the N failed names,
 * folded; nothing when N is 0) and "duration_s" since START (CLOCK_REALTIME).
 */
struct timespec;
void		 audit_add_outcome(struct cJSON *obj, const char *const *failed,
		    size_t n, const struct timespec *start);

#endif
