/*
 * util.c -- the shared toolbox: x* allocators, struct strbuf, read_file.
 * Pure apart from read_file; see util.h.
 */

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"

/* --- allocation ------------------------------------------------------------- */

static void __attribute__((noreturn))
xfatal(const char *why)
{
	fprintf(stderr, "clustertop: %s\n", why);
	abort();
}

void *
xmalloc(size_t n)
{
	void	*p;

	if ((p = malloc(n == 0 ? 1 : n)) == NULL)
		xfatal("out of memory");
	return (p);
}

void *
xcalloc(size_t n, size_t size)
{
	void	*p;

	if ((p = calloc(n == 0 ? 1 : n, size == 0 ? 1 : size)) == NULL)
		xfatal("out of memory");
	return (p);
}

void *
xrealloc(void *p, size_t n)
{
	if ((p = realloc(p, n == 0 ? 1 : n)) == NULL)
		xfatal("out of memory");
	return (p);
}

void *
xreallocarray(void *p, size_t n, size_t size)
{
	if (size != 0 && n > SIZE_MAX / size)
		xfatal("allocation too large");
	if ((p = reallocarray(p, n == 0 ? 1 : n, size == 0 ? 1 : size)) == NULL)
		xfatal("out of memory");
	return (p);
}

void *
xgrow(void *p, size_t n, size_t size)
{
	if (n != 0 && (n & (n - 1)) != 0)
		return (p);
	return (xreallocarray(p, n == 0 ? 1 : n * 2, size));
}

char *
xstrdup(const char *s)
{
	char	*p;

	if (s == NULL)
		return (NULL);
	if ((p = strdup(s)) == NULL)
		xfatal("out of memory");
	return (p);
}

char *
xstrndup(const char *s, size_t n)
{
	char	*p;

	if (n == SIZE_MAX)
		xfatal("allocation too large");
	p = xmalloc(n + 1);
	if (n != 0)
		memcpy(p, s, n);
	p[n] = '\0';
	return (p);
}

char *
xvasprintf(const char *fmt, va_list ap)
{
	char	*s;

	if (vasprintf(&s, fmt, ap) == -1)
		xfatal("out of memory");
	return (s);
}

char *
xasprintf(const char *fmt, ...)
{
	va_list	 ap;
	char	*s;

	va_start(ap, fmt);
	s = xvasprintf(fmt, ap);
	va_end(ap);
	return (s);
}

/* --- a growable string ------------------------------------------------------- */

void
strbuf_reserve(struct strbuf *b, size_t n)
{
	if (n > SIZE_MAX - b->len - 1)
		xfatal("allocation too large");
	if (b->len + n + 1 <= b->size)
		return;
	if (b->size == 0)
		b->size = 256;
	while (b->len + n + 1 > b->size) {
		if (b->size > SIZE_MAX / 2)
			b->size = b->len + n + 1;
		else
			b->size *= 2;
	}
	b->s = xrealloc(b->s, b->size);
}

void
strbuf_addn(struct strbuf *b, const void *s, size_t n)
{
	strbuf_reserve(b, n);
	if (n != 0)
		memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

void
strbuf_addc(struct strbuf *b, char c)
{
	strbuf_addn(b, &c, 1);
}

void
strbuf_add(struct strbuf *b, const char *s)
{
	strbuf_addn(b, s, strlen(s));
}

void
strbuf_printf(struct strbuf *b, const char *fmt, ...)
{
	va_list	 ap;
	char	*s;

	va_start(ap, fmt);
	s = xvasprintf(fmt, ap);
	va_end(ap);
	strbuf_add(b, s);
	free(s);
}

size_t
strbuf_addcap(struct strbuf *b, const void *s, size_t n, size_t cap)
{
	size_t	want;

	if (cap != 0) {
		if (b->len >= cap)
			return (0);
		if (n > cap - b->len)
			n = cap - b->len;
	}
	if (n == 0)
		return (0);
	if (cap != 0 && b->len + n + 1 > b->size) {
		/* Grow as strbuf_reserve does, but never past CAP + 1. */
		want = b->size == 0 ? 256 : b->size;
		while (want < b->len + n + 1)
			want *= 2;
		if (want > cap + 1)
			want = cap + 1;
		b->s = xrealloc(b->s, want);
		b->size = want;
	}
	strbuf_addn(b, s, n);
	return (n);
}

void
strbuf_consume(struct strbuf *b, size_t n)
{
	if (b->s == NULL)
		return;
	if (n >= b->len) {
		b->len = 0;
		b->s[0] = '\0';
		return;
	}
	memmove(b->s, b->s + n, b->len - n);
	b->len -= n;
	b->s[b->len] = '\0';
}

char *
strbuf_take(struct strbuf *b)
{
	char	*s;

	if (b->s == NULL)
		return (xstrdup(""));
	s = b->s;
	b->s = NULL;
	b->len = b->size = 0;
	return (s);
}

void
strbuf_free(struct strbuf *b)
{
	free(b->s);
	b->s = NULL;
	b->len = b->size = 0;
}

/* --- sizes for people ------------------------------------------------------- */

const char *
size_unit(unsigned long long n, double *v)
{
	static const char	*unit[] = { "KiB", "MiB", "GiB", "TiB", "PiB" };
	int			 u = -1;

	*v = (double)n;
	if (n < 1024)
		return (NULL);
	while (*v >= 1024 && u < 4) {
		*v /= 1024;
		u++;
	}
	return (unit[u]);
}

const char *
size_format(unsigned long long n, enum size_style style, char *buf,
    size_t size)
{
	const char	*u;
	double		 v;

	if ((u = size_unit(n, &v)) == NULL)
		snprintf(buf, size, "%llu B", n);
	else if (style == SIZE_SIG3)
		snprintf(buf, size, "%.*f %s", v < 10 ? 2 : v < 100 ? 1 : 0,
		    v, u);
	else if (v == (double)(unsigned long long)v)
		snprintf(buf, size, "%.0f %s", v, u);
	else
		snprintf(buf, size, "%.1f %s", v, u);
	return (buf);
}

/* --- files ------------------------------------------------------------------- */

char *
read_fd(int fd, const char *name, size_t max, size_t *lenp, char **cause)
{
	struct stat	 sb;
	char		*buf = NULL;
	size_t		 len = 0, cap = 0;
	ssize_t		 n;
	int		 saved;

	if (max > SIZE_MAX / 2)
		max = SIZE_MAX / 2;
	if (fstat(fd, &sb) == 0 && S_ISDIR(sb.st_mode)) {
		errno = EISDIR;
		goto fail;
	}
	for (;;) {
		if (len == cap) {
			if (cap > max) {
				errno = EFBIG;
				goto fail;
			}
			/* One byte past MAX tells "larger" from "exactly MAX". */
			cap = cap == 0 ? 4096 : cap * 2;
			if (cap > max + 1)
				cap = max + 1;
			buf = xrealloc(buf, cap + 1);
		}
		n = read(fd, buf + len, cap - len);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			goto fail;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	if (len > max) {
		errno = EFBIG;
		goto fail;
	}
	if (buf == NULL)
		buf = xmalloc(1);
	buf[len] = '\0';
	if (lenp != NULL)
		*lenp = len;
	return (buf);

fail:
	saved = errno;
	free(buf);
	if (cause != NULL) {
		if (saved == EFBIG)
			*cause = xasprintf("%s: larger than %zu bytes", name,
			    max);
		else
			*cause = xasprintf("%s: %s", name, strerror(saved));
	}
	errno = saved;
	return (NULL);
}

char *
read_file(const char *path, size_t max, size_t *lenp, char **cause)
{
	char	*buf;
	int	 fd, saved;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		saved = errno;
		if (cause != NULL)
			*cause = xasprintf("%s: %s", path, strerror(saved));
		errno = saved;
		return (NULL);
	}
	buf = read_fd(fd, path, max, lenp, cause);
	saved = errno;
	close(fd);
	errno = saved;
	return (buf);
}
