/*
 * util.h -- the toolbox every module shares: allocation that never fails,
 * a growable string, and reading a whole file with a size limit.
 *
 * Running out of memory is fatal (a line on stderr, then abort), as in
 * tmux and OpenSSH: callers never test these for NULL. xstrdup(NULL) is
 * NULL, so optional strings copy without a test. A struct strbuf starts
 * as all zeros ({0}); it holds bytes (a tar image, node output: NULs are
 * fine) and is always NUL-terminated once anything was added.
 */
#ifndef CT_UTIL_H
#define CT_UTIL_H

#include <stdarg.h>
#include <stddef.h>

/* --- allocation ------------------------------------------------------------- */

void	*xmalloc(size_t);
void	*xcalloc(size_t, size_t);
void	*xrealloc(void *, size_t);
void	*xreallocarray(void *, size_t, size_t);
/* Room for element N of an array grown one element at a time (doubles). */
void	*xgrow(void *, size_t n, size_t size);
char	*xstrdup(const char *);			/* NULL stays NULL */
/* Exactly N bytes (they may hold NULs: output, not text) and a NUL. */
char	*xstrndup(const char *, size_t);
char	*xasprintf(const char *, ...) __attribute__((format(printf, 1, 2)));
char	*xvasprintf(const char *, va_list) __attribute__((format(printf, 1, 0)));

/* --- a growable string ------------------------------------------------------- */

struct strbuf {
	char	*s;		/* NULL until something is added */
	size_t	 len;
	size_t	 size;
};

void	 strbuf_addn(struct strbuf *, const void *, size_t);
void	 strbuf_addc(struct strbuf *, char);
void	 strbuf_add(struct strbuf *, const char *);
void	 strbuf_printf(struct strbuf *, const char *, ...)
	     __attribute__((format(printf, 2, 3)));
/* Make room for N more bytes (and the NUL) without adding them. */
void	 strbuf_reserve(struct strbuf *, size_t);
/*
 * Append at most what keeps the length within CAP bytes (CAP 0: no limit);
 * returns how many of the N bytes were kept. The memory it holds stays
 * within CAP + 1 bytes: a capped buffer (a node's output) is bounded.
 */
size_t	 strbuf_addcap(struct strbuf *, const void *, size_t n, size_t cap);
/* Drop the first N bytes (all of them when N >= len). */
void	 strbuf_consume(struct strbuf *, size_t n);
/* The text (malloc'd, "" when empty); the buffer is empty again. */
char	*strbuf_take(struct strbuf *);
void	 strbuf_free(struct strbuf *);

/*
 * N bytes for people, in binary units, into BUF: "812 B" below 1 KiB, else
 * KiB ... PiB with SIZE_SIG3 about three significant digits ("1.50 MiB",
 * "12.3 GiB", "812 GiB": push's progress) or SIZE_WHOLE no decimals when
 * the number is whole, else one ("3 TiB", "1.5 TiB": device sizes).
 * Returns BUF. size_unit gives the unit (NULL below 1 KiB) and *V.
 */
enum size_style { SIZE_SIG3, SIZE_WHOLE };
const char *size_format(unsigned long long n, enum size_style, char *buf,
	    size_t size);
const char *size_unit(unsigned long long n, double *v);

/* --- files ------------------------------------------------------------------- */

/*
 * Read the whole file PATH (a regular file, a pipe, /dev/stdin; not a
 * directory) into a malloc'd NUL-terminated buffer of at most MAX bytes;
 * *LENP (if not NULL) is its length. Returns NULL with errno set (EISDIR,
 * EFBIG when it is larger than MAX, or what open/read said) and, when
 * CAUSE is not NULL, a malloc'd "PATH: reason" in *CAUSE.
 */
char	*read_file(const char *path, size_t max, size_t *lenp, char **cause);
/* The same for an open FD, read to its end (not closed); NAME is for *CAUSE. */
char	*read_fd(int fd, const char *name, size_t max, size_t *lenp,
	    char **cause);

#endif
