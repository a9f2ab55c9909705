/*
 * server-path.h -- where the resident server's socket lives, and the
 * checks made before anyone uses it (docs/server.md, "Security model").
 *
 * The directory is $XDG_RUNTIME_DIR/clustertop when XDG_RUNTIME_DIR is
 * set, else /tmp/clustertop-UID. It must be a real directory (not a
 * symbolic link), owned by the caller's uid, with no group or other
 * permission bits (0700). It holds server.sock (the socket), server.lock
 * (flock'd by the one running server, holding its pid) and server.log.
 */
#ifndef CT_SERVER_PATH_H
#define CT_SERVER_PATH_H

#include <sys/types.h>

/*
 * The checked directory, malloc'd in *DIR. CREATE: make it (0700) when
 * missing. Returns 0; 1 when it does not exist (and CREATE is 0); -1 with
 * *cause when it exists but is unsafe (symlink, owner, mode) or cannot be
 * made.
 */
int	 srvpath_dir(int create, char **dir, char **cause);
/* DIR/NAME, malloc'd. */
char	*srvpath_file(const char *dir, const char *name);
/* The pid written in DIR/server.lock, or 0. */
pid_t	 srvpath_lock_pid(const char *dir);
/*
 * 1 when a server holds DIR/server.lock, 0 when none does (the lock could
 * be taken and was released), -1 when the lock file is unsafe.
 */
int	 srvpath_locked(const char *dir);

#endif
