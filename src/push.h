/*
 * push.h -- the push and pull planner: what to send, and the remote
 * command that receives it.
 *
 * A push is one engine job. Its stdin is either one regular file (mapped
 * once and shared by every node) or a tar image built in memory (several
 * files, or a tree with -r). Its command is `sh -c SCRIPT ARGS...`: the
 * script is a constant of this file and every path travels as a
 * single-quoted positional argument, so no path is ever parsed as shell
 * code. The script writes to a temporary name next to the destination,
 * checks the size (and with --verify the SHA-256), and only then renames
 * it into place: a push that fails or is interrupted never leaves a
 * half-written file under its real name.
 *
 * A pull is one engine job too: `tar -c` of the remote paths on stdout,
 * which the caller stores and unpacks into DIR/HOST/.
 *
 * Everything here is pure (no I/O) except push_source_load(), which reads
 * the local files.
 */
#ifndef CT_PUSH_H
#define CT_PUSH_H

#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "util.h"

/* Options of a push or pull (the command-line flags). */
struct push_opts {
	int		 recursive;	/* -r: directories too */
	int		 preserve;	/* -p: mode and times */
	int		 verify;	/* --verify: SHA-256 on every node */
};

/* The two shapes of a push. */
enum push_kind {
	PUSH_FILE = 0,		/* one regular file, sent with cat */
	PUSH_TAR		/* several files or a tree, sent as a tar stream */
};

/*
 * The prepared payload of a push: what stdin carries and the command that
 * receives it. Build with push_source_load() (reads files), then
 * push_plan_command(); free with push_payload_free().
 */
struct push_payload {
	enum push_kind	 kind;
	const void	*data;		/* stdin for every node; borrowed from map or tar */
	size_t		 len;
	void		*map;		/* PUSH_FILE: the mmap'd file, or NULL (empty file) */
	size_t		 maplen;
	struct strbuf	 tar;		/* PUSH_TAR: the archive */
	char		*name;		/* PUSH_FILE: the source's base name */
	mode_t		 mode;		/* PUSH_FILE: st_mode & 07777 */
	time_t		 mtime, atime;	/* PUSH_FILE */
	char		 sha256[65];	/* of the file (PUSH_FILE) when verifying, else "" */
	char		**tops;		/* PUSH_TAR: top-level names in the archive */
	size_t		 ntops;
	char		 meta[32];	/* PUSH_TAR: the archive's private directory */
	size_t		 nfiles;	/* regular files sent */
	size_t		 ndirs;		/* directories sent */
	size_t		 nskipped;	/* sockets, fifos, devices left out */
	char		*warnings;	/* one line per skipped entry, or NULL */
};

/* --- quoting and paths (pure) ---------------------------------------------- */

/* Quote S for a POSIX shell: 'it'\''s' style; malloc'd. */
char		*push_quote(const char *s);
/* Append the quoted form of S to B, with a space before it when B is not empty. */
void		 push_buf_add_arg(struct strbuf *, const char *s);

/*
 * Split a destination as typed by the user: *dir is DEST itself without
 * trailing slashes (used when it names a directory), *pdir and *pname are
 * its parent and last component (used when it names the file itself);
 * *slash is 1 when DEST ended in '/' (it must be a directory). "~/x" means
 * "x" (relative paths are relative to the remote home). Returns 0, or -1
 * for an empty destination. Every output is malloc'd.
 */
int		 push_split_dest(const char *dest, char **dir, char **pdir,
		     char **pname, int *slash);
/* The last component of PATH, ignoring trailing slashes; malloc'd. */
char		*push_basename(const char *path);

/* --- the remote commands (pure) --------------------------------------------- */

/*
 * The chmod argument for a file of MODE: octal with PRESERVE, else a
 * symbolic mode that the node's umask masks ("a=,+rwx,g-w,o-wx").
 */
void		 push_chmod_mode(mode_t mode, int preserve, char *buf,
		     size_t size);
/* Format T as touch -t's [[CC]YY]MMDDhhmm.SS in UTC into BUF (16 bytes). */
void		 push_touch_time(time_t t, char buf[16]);

/*
 * The remote command for payload P to DEST (as typed). Returns malloc'd
 * text, or NULL with *cause (DEST empty, or several sources to a
 * destination that cannot be a directory).
 */
char		*push_command(const struct push_payload *, const char *dest,
		     const struct push_opts *, char **cause);

/*
 * The remote command of a pull: a tar stream of PATHS on stdout. Relative
 * paths are relative to the remote home. Returns malloc'd text, or NULL
 * with *cause (an empty path or one with a ".." component).
 */
char		*push_pull_command(char *const *paths, size_t npaths,
		     const struct push_opts *, char **cause);

/* --- the payload -------------------------------------------------------------- */

/*
 * Read the local sources into *P: one regular file is mapped (PUSH_FILE);
 * anything else (several sources, a directory with -r) becomes a tar image
 * (PUSH_TAR). Returns 0, or -1 with *cause (a source missing, a directory
 * without -r, ...).
 */
int		 push_source_load(struct push_payload *, char *const *srcs,
		     size_t nsrcs, const struct push_opts *, char **cause);
void		 push_payload_free(struct push_payload *);

/* --- tar writing (pure) ------------------------------------------------------ */

/*
 * Append one member to a ustar archive in B; long names, link targets and
 * sizes get a pax extended header. TYPE is '0' (file: DATA/LEN), '5'
 * (directory) or '2' (symlink to LINK). Returns 0, or -1 for a name that
 * cannot be stored (empty).
 */
int		 push_tar_add(struct strbuf *, const char *name, char type,
		     mode_t mode, time_t mtime, const void *data, size_t len,
		     const char *link);
/* Append the end-of-archive blocks. */
void		 push_tar_finish(struct strbuf *);

/* --- SHA-256 (pure) ----------------------------------------------------------- */

/* Hash LEN bytes into 64 lowercase hex digits and a NUL. */
void		 push_sha256_hex(const void *, size_t, char out[65]);

/*
 * Find the "sha256 HEX" line a --verify push prints in OUT; copies the
 * hex into HEX and returns 0, or -1 when there is none.
 */
int		 push_parse_sha256(const char *out, size_t len, char hex[65]);

/* --- helpers for the front end (pure) ------------------------------------------ */

/* Format N bytes as "812.3 MiB" into BUF. */
const char	*push_format_bytes(uint64_t n, char *buf, size_t size);

/*
 * The last line of a node's stderr, cleaned for printing (control bytes
 * replaced by '?'); malloc'd, or NULL when ERR holds no text.
 */
char		*push_last_line(const char *err, size_t len);

/*
 * Split LINE (the `P` form's source field) into words as a shell would,
 * without running one: blanks separate them; '...' is literal; in "..."
 * a backslash escapes " \ $ and `; elsewhere a backslash escapes the next
 * character; a leading ~/ is $HOME/. No variables, no globs. Returns the
 * number of words with *WORDS (malloc'd, each word malloc'd, NULL-ended),
 * or -1 with *CAUSE (an unterminated quote).
 */
long		 push_split_words(const char *line, char ***words,
		     char **cause);
void		 push_words_free(char **);

/* The `clustertop pull` entry point (same options as `push --pull`). */
int		 cmd_pull_main(int, char **);

#endif
