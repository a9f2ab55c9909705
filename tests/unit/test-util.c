/*
 * test-util.c -- the toolbox (src/util.c): the x* allocators, struct
 * strbuf's growth and take, its capped append (the engine's node output)
 * and front consume (a shell's write queue), xgrow's doubling, size_unit
 * and size_format (push's and nvme's sizes for people), and read_file's
 * and read_fd's limit and errors (empty, exactly MAX, one byte over, a
 * directory, missing, a pipe, stdin as exec reads it).
 */

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"

static char	tmpdir[] = "/tmp/test-util.XXXXXX";

static int
setup(void **state)
{
	(void)state;
	return (mkdtemp(tmpdir) == NULL ? -1 : 0);
}

static int
teardown(void **state)
{
	char	cmd[128];

	(void)state;
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
	return (system(cmd) == 0 ? 0 : -1);
}

/* Write LEN bytes of 'a' to TMPDIR/NAME; the path is in PATH. */
static void
write_file(const char *name, size_t len, char *path, size_t size)
{
	FILE	*f;
	size_t	 i;

	snprintf(path, size, "%s/%s", tmpdir, name);
	assert_non_null(f = fopen(path, "w"));
	for (i = 0; i < len; i++)
		assert_int_equal(fputc('a', f), 'a');
	assert_int_equal(fclose(f), 0);
}

static void
test_alloc(void **state)
{
	char	*s, *t;
	int	*v;

	(void)state;
	assert_null(xstrdup(NULL));
	s = xstrdup("node01");
	assert_string_equal(s, "node01");
	free(s);
	s = xstrndup("node01,node02", 6);
	assert_string_equal(s, "node01");
	free(s);
	s = xstrndup("a\0b", 3);	/* node output may hold NULs */
	assert_memory_equal(s, "a\0b", 4);
	free(s);
	s = xasprintf("%s[%02d-%02d]", "node", 1, 8);
	assert_string_equal(s, "node[01-08]");
	free(s);

	/* Zero sizes still give a pointer that free accepts. */
	assert_non_null(t = xmalloc(0));
	free(t);
	v = xcalloc(0, sizeof *v);
	assert_non_null(v);
	free(v);
	v = xcalloc(4, sizeof *v);
	assert_int_equal(v[0] | v[1] | v[2] | v[3], 0);
	v = xreallocarray(v, 1000, sizeof *v);
	v[999] = 7;
	assert_int_equal(v[999], 7);
	free(v);
}

static void
test_grow(void **state)
{
	int	*v = NULL;
	size_t	 n;

	(void)state;
	/* Element N always fits once xgrow was asked for it. */
	for (n = 0; n < 5000; n++) {
		v = xgrow(v, n, sizeof *v);
		v[n] = (int)n;
	}
	for (n = 0; n < 5000; n++)
		assert_int_equal(v[n], (int)n);
	free(v);
}

static void
test_strbuf(void **state)
{
	struct strbuf	 b = { 0 };
	char		*s;
	size_t		 i;

	(void)state;
	/* Taking an empty buffer gives "", never NULL. */
	s = strbuf_take(&b);
	assert_string_equal(s, "");
	free(s);

	strbuf_add(&b, "node");
	strbuf_addc(&b, '0');
	strbuf_addn(&b, "1,junk", 2);
	strbuf_printf(&b, " up %d%%", 100);
	assert_int_equal(b.len, strlen("node01, up 100%"));
	assert_string_equal(b.s, "node01, up 100%");
	strbuf_addn(&b, "", 0);
	assert_string_equal(b.s, "node01, up 100%");

	/* Growth past the first size keeps every byte and the NUL. */
	for (i = 0; i < 10000; i++)
		strbuf_addc(&b, (char)('a' + i % 26));
	assert_int_equal(b.len, strlen("node01, up 100%") + 10000);
	assert_int_equal(b.s[b.len], '\0');
	assert_int_equal(b.s[b.len - 1], 'a' + 9999 % 26);
	assert_true(b.size > b.len);

	s = strbuf_take(&b);
	assert_null(b.s);
	assert_int_equal(b.len, 0);
	assert_int_equal(strlen(s), strlen("node01, up 100%") + 10000);
	free(s);

	strbuf_reserve(&b, 1000);
	assert_true(b.size >= 1001);
	assert_int_equal(b.len, 0);
	strbuf_free(&b);
	assert_null(b.s);
	strbuf_free(&b);		/* twice is harmless */
}

static void
test_read_file(void **state)
{
	char	 path[1024], *buf, *cause;
	size_t	 len;

	(void)state;
	write_file("empty", 0, path, sizeof path);
	len = 99;
	assert_non_null(buf = read_file(path, 10, &len, NULL));
	assert_int_equal(len, 0);
	assert_string_equal(buf, "");
	free(buf);

	/* Exactly MAX bytes is fine; one more is EFBIG with a cause. */
	write_file("ten", 10, path, sizeof path);
	assert_non_null(buf = read_file(path, 10, &len, NULL));
	assert_int_equal(len, 10);
	assert_string_equal(buf, "aaaaaaaaaa");
	free(buf);
	write_file("eleven", 11, path, sizeof path);
	cause = NULL;
	errno = 0;
	assert_null(read_file(path, 10, &len, &cause));
	assert_int_equal(errno, EFBIG);
	assert_non_null(cause);
	assert_non_null(strstr(cause, "eleven: larger than 10 bytes"));
	free(cause);

	/* Larger than the first read size, under the limit. */
	write_file("big", 100000, path, sizeof path);
	assert_non_null(buf = read_file(path, 1 << 20, &len, NULL));
	assert_int_equal(len, 100000);
	assert_int_equal(buf[99999], 'a');
	assert_int_equal(buf[100000], '\0');
	free(buf);

	/* A directory and a missing file say so. */
	assert_null(read_file(tmpdir, 10, NULL, &cause));
	assert_int_equal(errno, EISDIR);
	assert_non_null(strstr(cause, "Is a directory"));
	free(cause);
	snprintf(path, sizeof path, "%s/missing", tmpdir);
	assert_null(read_file(path, 10, NULL, &cause));
	assert_int_equal(errno, ENOENT);
	assert_non_null(strstr(cause, "missing: No such file or directory"));
	free(cause);
}

/* A pipe has no size to stat: the limit still holds while reading. */
static void
test_read_file_pipe(void **state)
{
	char	 path[64], *buf, big[5000];
	int	 fds[2];
	size_t	 len;

	(void)state;
	assert_int_equal(pipe(fds), 0);
	assert_int_equal(write(fds[1], "node01\n", 7), 7);
	close(fds[1]);
	snprintf(path, sizeof path, "/proc/self/fd/%d", fds[0]);
	assert_non_null(buf = read_file(path, 100, &len, NULL));
	assert_int_equal(len, 7);
	assert_string_equal(buf, "node01\n");
	free(buf);
	close(fds[0]);

	memset(big, 'x', sizeof big);
	assert_int_equal(pipe(fds), 0);
	assert_int_equal(write(fds[1], big, sizeof big), (ssize_t)sizeof big);
	close(fds[1]);
	snprintf(path, sizeof path, "/proc/self/fd/%d", fds[0]);
	assert_null(read_file(path, 4096, &len, NULL));
	assert_int_equal(errno, EFBIG);
	close(fds[0]);
}

/* The engine's capped output: what is kept, the truncation count, memory. */
static void
test_strbuf_cap(void **state)
{
	struct strbuf	 b = { 0 };
	char		 big[3000];

	(void)state;
	memset(big, 'z', sizeof big);
	assert_int_equal(strbuf_addcap(&b, "", 0, 10), 0);
	assert_null(b.s);
	assert_int_equal(strbuf_addcap(&b, "node01: ", 8, 10), 8);
	assert_string_equal(b.s, "node01: ");
	/* Only two of five fit; the rest is reported as not kept. */
	assert_int_equal(strbuf_addcap(&b, "hello", 5, 10), 2);
	assert_int_equal(b.len, 10);
	assert_string_equal(b.s, "node01: he");
	assert_int_equal(strbuf_addcap(&b, "x", 1, 10), 0);
	assert_true(b.size <= 11);
	strbuf_free(&b);

	/* A cap larger than the first block: growth stops at CAP + 1. */
	assert_int_equal(strbuf_addcap(&b, big, sizeof big, 1000), 1000);
	assert_int_equal(b.len, 1000);
	assert_true(b.size <= 1001);
	assert_int_equal(b.s[1000], '\0');
	strbuf_free(&b);

	/* Cap 0 is no cap, and NULs are kept as bytes. */
	assert_int_equal(strbuf_addcap(&b, big, sizeof big, 0), sizeof big);
	assert_int_equal(strbuf_addcap(&b, "a\0b", 3, 0), 3);
	assert_int_equal(b.len, sizeof big + 3);
	assert_memory_equal(b.s + sizeof big, "a\0b", 4);
	strbuf_free(&b);
}

/* A shell's write queue: written bytes leave from the front. */
static void
test_strbuf_consume(void **state)
{
	struct strbuf	 b = { 0 };

	(void)state;
	strbuf_consume(&b, 5);			/* empty: harmless */
	assert_int_equal(b.len, 0);
	strbuf_add(&b, "uptime\nhostname\n");
	strbuf_consume(&b, 7);
	assert_int_equal(b.len, 9);
	assert_string_equal(b.s, "hostname\n");
	strbuf_consume(&b, 0);
	assert_string_equal(b.s, "hostname\n");
	strbuf_consume(&b, 100);
	assert_int_equal(b.len, 0);
	assert_string_equal(b.s, "");
	strbuf_add(&b, "date");			/* and it is usable again */
	assert_string_equal(b.s, "date");
	strbuf_free(&b);
}

static void
test_size_unit(void **state)
{
	double	v;

	(void)state;
	assert_null(size_unit(0, &v));
	assert_null(size_unit(1023, &v));
	assert_true(v == 1023.0);
	assert_string_equal(size_unit(1024, &v), "KiB");
	assert_true(v == 1.0);
	assert_string_equal(size_unit(1536ULL * 1024, &v), "MiB");
	assert_true(v == 1.5);
	assert_string_equal(size_unit(3ULL << 40, &v), "TiB");
	assert_true(v == 3.0);
	/* Past PiB it stays in PiB. */
	assert_string_equal(size_unit(2048ULL << 50, &v), "PiB");
	assert_true(v == 2048.0);
}

/* The two styles: push's progress and nvme's device sizes. */
static void
test_size_format(void **state)
{
	char	b[32];

	(void)state;
	assert_string_equal(size_format(812, SIZE_SIG3, b, sizeof b), "812 B");
	assert_string_equal(size_format(812, SIZE_WHOLE, b, sizeof b), "812 B");
	assert_string_equal(size_format(1536, SIZE_SIG3, b, sizeof b),
	    "1.50 KiB");
	assert_string_equal(size_format(1536, SIZE_WHOLE, b, sizeof b),
	    "1.5 KiB");
	assert_string_equal(size_format(12900ULL << 20, SIZE_SIG3, b, sizeof b),
	    "12.6 GiB");
	assert_string_equal(size_format(812ULL << 30, SIZE_SIG3, b, sizeof b),
	    "812 GiB");
	assert_string_equal(size_format(3ULL << 40, SIZE_WHOLE, b, sizeof b),
	    "3 TiB");
	assert_string_equal(size_format(3ULL << 40, SIZE_SIG3, b, sizeof b),
	    "3.00 TiB");
	/* Cut to the buffer, NUL-terminated. */
	assert_string_equal(size_format(3ULL << 40, SIZE_SIG3, b, 4), "3.0");
}

/* read_fd on an open descriptor (exec's stdin): limit, name, not closed. */
static void
test_read_fd(void **state)
{
	char	 path[256], *buf, *cause = NULL;
	size_t	 len;
	int	 fd;

	(void)state;
	write_file("fd", 100, path, sizeof path);
	assert_true((fd = open(path, O_RDONLY)) != -1);
	assert_non_null(buf = read_fd(fd, "stdin", 100, &len, NULL));
	assert_int_equal(len, 100);
	free(buf);
	/* At the end now; the fd is still open: a second read is empty. */
	assert_non_null(buf = read_fd(fd, "stdin", 100, &len, NULL));
	assert_int_equal(len, 0);
	assert_string_equal(buf, "");
	free(buf);
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	assert_null(read_fd(fd, "stdin", 99, &len, &cause));
	assert_int_equal(errno, EFBIG);
	assert_string_equal(cause, "stdin: larger than 99 bytes");
	free(cause);
	close(fd);

	assert_true((fd = open(tmpdir, O_RDONLY)) != -1);
	assert_null(read_fd(fd, "stdin", 100, &len, &cause));
	assert_int_equal(errno, EISDIR);
	assert_string_equal(cause, "stdin: Is a directory");
	free(cause);
	close(fd);

	assert_null(read_fd(-1, "stdin", 100, &len, &cause));
	assert_int_equal(errno, EBADF);
	assert_string_equal(cause, "stdin: Bad file descriptor");
	free(cause);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_alloc),
		cmocka_unit_test(test_grow),
		cmocka_unit_test(test_strbuf),
		cmocka_unit_test(test_strbuf_cap),
		cmocka_unit_test(test_strbuf_consume),
		cmocka_unit_test(test_size_unit),
		cmocka_unit_test(test_size_format),
		cmocka_unit_test(test_read_file),
		cmocka_unit_test(test_read_file_pipe),
		cmocka_unit_test(test_read_fd),
	};

	return (cmocka_run_group_tests(tests, setup, teardown));
}
