/*
 * test-push.c -- the push planner: quoting, destinations, tar, SHA-256,
 * and the remote scripts themselves, run here with /bin/sh against a
 * temporary directory (the same text a node's shell would run).
 */

#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "push.h"
#include "util.h"

static char	tmpdir[256];

/* --- helpers ----------------------------------------------------------------- */

/*
 * Run COMMAND with /bin/sh in DIR, feeding LEN bytes of DATA on stdin;
 * stdout goes to *OUT (malloc'd) when OUT is not NULL. Returns the exit
 * status, or 128+signal.
 */
static int
run(const char *dir, const char *command, const void *data, size_t len,
    char **out)
{
	int		 in[2], op[2], status;
	pid_t		 pid;
	size_t		 off = 0;
	ssize_t		 n;
	char		 buf[4096];
	size_t		 olen = 0;

	assert_int_equal(pipe(in), 0);
	assert_int_equal(pipe(op), 0);
	pid = fork();
	assert_true(pid != -1);
	if (pid == 0) {
		dup2(in[0], 0);
		dup2(op[1], 1);
		close(in[0]); close(in[1]); close(op[0]); close(op[1]);
		if (chdir(dir) != 0)
			_exit(126);
		setenv("HOME", dir, 1);
		execl("/bin/sh", "sh", "-c", command, (char *)NULL);
		_exit(127);
	}
	close(in[0]);
	close(op[1]);
	while (off < len) {
		n = write(in[1], (const char *)data + off, len - off);
		if (n <= 0)
			break;		/* the script stopped reading */
		off += (size_t)n;
	}
	close(in[1]);
	if (out != NULL)
		*out = calloc(1, 1);
	while ((n = read(op[0], buf, sizeof buf)) > 0) {
		if (out != NULL) {
			*out = realloc(*out, olen + (size_t)n + 1);
			memcpy(*out + olen, buf, (size_t)n);
			olen += (size_t)n;
			(*out)[olen] = '\0';
		}
	}
	close(op[0]);
	assert_true(waitpid(pid, &status, 0) == pid);
	if (WIFSIGNALED(status))
		return (128 + WTERMSIG(status));
	return (WEXITSTATUS(status));
}

static int
sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Run a shell command line in tmpdir (test set-up and checks). */
static int
sh(const char *fmt, ...)
{
	va_list	 ap;
	char	*s;
	int	 rc;

	va_start(ap, fmt);
	assert_true(vasprintf(&s, fmt, ap) != -1);
	va_end(ap);
	rc = run(tmpdir, s, NULL, 0, NULL);
	free(s);
	return (rc);
}

static void
write_file(const char *path, const void *data, size_t len, mode_t mode)
{
	int	fd;

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
	assert_true(fd != -1);
	assert_true(write(fd, data, len) == (ssize_t)len);
	close(fd);
	chmod(path, mode);
}

/* Number of entries in DIR whose name contains "ct-tmp". */
static int
count_tmp(const char *dir)
{
	char	*cmd;
	char	*out;
	int	 n;

	cmd = xasprintf("find %s -name '*ct-tmp*' | wc -l", dir);
	assert_int_equal(run(tmpdir, cmd, NULL, 0, &out), 0);
	n = atoi(out);
	free(out);
	free(cmd);
	return (n);
}

static int
setup(void **state)
{
	(void)state;
	strcpy(tmpdir, "/tmp/ct-test-push.XXXXXX");
	if (getenv("KEEP") != NULL) { strcpy(tmpdir, getenv("KEEP")); return (0); }
	assert_non_null(mkdtemp(tmpdir));
	signal(SIGPIPE, SIG_IGN);
	return (0);
}

static int
teardown(void **state)
{
	char	*cmd;

	(void)state;
	if (getenv("KEEP") != NULL)
		return (0);
	cmd = xasprintf("rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", tmpdir);
	free(cmd);
	return (0);
}

/* --- quoting and paths -------------------------------------------------------- */

static void
test_quote(void **state)
{
	char	*q;

	(void)state;
	q = push_quote("plain");
	assert_string_equal(q, "'plain'");
	free(q);
	q = push_quote("it's");
	assert_string_equal(q, "'it'\\''s'");
	free(q);
	q = push_quote("");
	assert_string_equal(q, "''");
	free(q);
	q = push_quote("a\nb $(rm -rf /) `x` \"y\" \\");
	assert_string_equal(q, "'a\nb $(rm -rf /) `x` \"y\" \\'");
	free(q);
}

/* Every nasty string survives a round trip through sh as one word. */
static void
test_quote_roundtrip(void **state)
{
	static const char	*words[] = {
		"with space", "it's", "'", "''", "a\nnewline", "$(touch pwned)",
		"`touch pwned`", "$HOME", "*", "-n", "\\", "tab\there", "!x",
		"semi;colon", "pipe|amp&", "\"dq\"", "~", "#hash", "a'b\"c$d`e",
	};
	char	*cmd, *out, *q;
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof words / sizeof *words; i++) {
		q = push_quote(words[i]);
		cmd = xasprintf("printf '%%s' %s", q);
		assert_int_equal(run(tmpdir, cmd, NULL, 0, &out), 0);
		assert_string_equal(out, words[i]);
		free(out);
		free(cmd);
		free(q);
	}
	assert_int_equal(access("pwned", F_OK), -1);
}

static void
check_split(const char *dest, const char *dir, const char *pdir,
    const char *pname, int slash)
{
	char	*d, *pd, *pn;
	int	 s;

	assert_int_equal(push_split_dest(dest, &d, &pd, &pn, &s), 0);
	assert_string_equal(d, dir);
	assert_string_equal(pd, pdir);
	assert_string_equal(pn, pname);
	assert_int_equal(s, slash);
	free(d);
	free(pd);
	free(pn);
}

static void
test_split_dest(void **state)
{
	char	*d, *pd, *pn;
	int	 s;

	(void)state;
	check_split("/tmp/payload.ct", "/tmp/payload.ct", "/tmp",
	    "payload.ct", 0);
	check_split("/tmp/", "/tmp", "/", "tmp", 1);
	check_split("/tmp//", "/tmp", "/", "tmp", 1);
	check_split("/", "/", "/", ".", 1);
	check_split("file", "file", ".", "file", 0);
	check_split("a/b/c", "a/b/c", "a/b", "c", 0);
	check_split("a//b", "a//b", "a", "b", 0);
	check_split("~/x", "x", ".", "x", 0);
	check_split("~", ".", ".", ".", 0);
	check_split("/etc/with space/", "/etc/with space", "/etc",
	    "with space", 1);
	assert_int_equal(push_split_dest("", &d, &pd, &pn, &s), -1);

	d = push_basename("/a/b/");
	assert_string_equal(d, "b");
	free(d);
	d = push_basename("plain");
	assert_string_equal(d, "plain");
	free(d);
	d = push_basename("/");
	assert_string_equal(d, "/");
	free(d);
}

static void
test_chmod_mode(void **state)
{
	char	buf[64];

	(void)state;
	push_chmod_mode(0754, 0, buf, sizeof buf);
	assert_string_equal(buf, "a=,+rwx,g-w,o-wx");
	push_chmod_mode(0777, 0, buf, sizeof buf);
	assert_string_equal(buf, "a=,+rwx");
	push_chmod_mode(0400, 0, buf, sizeof buf);
	assert_string_equal(buf, "a=,+rwx,u-wx,g-rwx,o-rwx");
	push_chmod_mode(04755, 1, buf, sizeof buf);
	assert_string_equal(buf, "4755");
	push_chmod_mode(04755, 0, buf, sizeof buf);
	assert_string_equal(buf, "a=,+rwx,g-w,o-w");
}

static void
test_touch_time(void **state)
{
	char	buf[16];

	(void)state;
	push_touch_time(1000000000, buf);
	assert_string_equal(buf, "200109090146.40");
	push_touch_time(0, buf);
	assert_string_equal(buf, "197001010000.00");
}

/* --- SHA-256 --------------------------------------------------------------------- */

static void
test_sha256(void **state)
{
	char	 hex[65], *big;
	size_t	 i;

	(void)state;
	push_sha256_hex("", 0, hex);
	assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb924"
	    "27ae41e4649b934ca495991b7852b855");
	push_sha256_hex("abc", 3, hex);
	assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223"
	    "b00361a396177a9cb410ff61f20015ad");
	push_sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
	    56, hex);
	assert_string_equal(hex, "248d6a61d20638b8e5c026930c3e6039"
	    "a33ce45964ff2167f6ecedd419db06c1");
	big = malloc(1000000);
	for (i = 0; i < 1000000; i++)
		big[i] = 'a';
	push_sha256_hex(big, 1000000, hex);
	assert_string_equal(hex, "cdc76e5c9914fb9281a1c7e284d73e67"
	    "f1809a48a497200e046d39ccc7112cd0");
	free(big);
}

static void
test_parse_sha256(void **state)
{
	static const char	good[] = "noise\nsha256 "
	    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad\n";
	char			hex[65];

	(void)state;
	assert_int_equal(push_parse_sha256(good, sizeof good - 1, hex), 0);
	assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223"
	    "b00361a396177a9cb410ff61f20015ad");
	assert_int_equal(push_parse_sha256("sha256 xyz\n", 11, hex), -1);
	assert_int_equal(push_parse_sha256("", 0, hex), -1);
}

/* --- small helpers --------------------------------------------------------------- */

static void
test_helpers(void **state)
{
	char	buf[32], *s;

	(void)state;
	assert_string_equal(push_format_bytes(512, buf, sizeof buf), "512 B");
	assert_string_equal(push_format_bytes(1536, buf, sizeof buf),
	    "1.50 KiB");
	assert_string_equal(push_format_bytes(100 * 1048576ULL, buf,
	    sizeof buf), "100 MiB");
	s = push_last_line("first\nclustertop: x: \033[31mbad\n\n", 31);
	assert_string_equal(s, "clustertop: x: ?[31mbad");
	free(s);
	assert_null(push_last_line("\n \n", 3));
}

/* --- tar ------------------------------------------------------------------------- */

static void
test_tar_writer(void **state)
{
	struct strbuf	 b;
	char		 longname[300], longlink[200], *path, *cmd, *out, *got;
	size_t		 i, len;

	(void)state;
	memset(&b, 0, sizeof b);
	for (i = 0; i < 250; i++)
		longname[i] = "abcdefghij"[i % 10];
	longname[250] = '\0';
	memset(longlink, 'L', 150);
	longlink[150] = '\0';
	assert_int_equal(push_tar_add(&b, "d", '5', 0750, 1000000000, NULL, 0,
	    NULL), 0);
	assert_int_equal(push_tar_add(&b, "d/f", '0', 0640, 1000000000,
	    "hello\n", 6, NULL), 0);
	path = xasprintf("d/%s", longname);
	assert_int_equal(push_tar_add(&b, path, '0', 0600, 1000000000,
	    "long\n", 5, NULL), 0);
	assert_int_equal(push_tar_add(&b, "d/l", '2', 0777, 1000000000, NULL, 0,
	    longlink), 0);
	assert_int_equal(push_tar_add(&b, "d/e", '0', 0644, 1000000000, "", 0,
	    NULL), 0);
	assert_int_equal(push_tar_add(&b, "", '0', 0644, 0, "", 0, NULL), -1);
	push_tar_finish(&b);
	assert_int_equal(b.len % 512, 0);

	assert_int_equal(sh("mkdir -p tarx"), 0);
	cmd = xasprintf("tar -xf - -C tarx");
	assert_int_equal(run(tmpdir, cmd, b.s, b.len, NULL), 0);
	free(cmd);
	free(path);
	path = xasprintf("%s/tarx/d/%s", tmpdir, longname);
	got = read_file(path, 1 << 30, &len, NULL);
	assert_non_null(got);
	assert_int_equal(len, 5);
	assert_memory_equal(got, "long\n", 5);
	free(got);
	free(path);
	cmd = xasprintf("stat -c '%%a %%Y' tarx/d/f tarx/d; readlink tarx/d/l | "
	    "wc -c; cat tarx/d/f");
	assert_int_equal(run(tmpdir, cmd, NULL, 0, &out), 0);
	assert_string_equal(out, "640 1000000000\n750 1000000000\n151\n"
	    "hello\n");
	free(out);
	free(cmd);
	strbuf_free(&b);
	assert_int_equal(sh("rm -rf tarx"), 0);
}

/* --- the file script -------------------------------------------------------------- */

/* A payload for DATA without touching the disk. */
static void
mem_payload(struct push_payload *p, const char *name, const void *data,
    size_t len, mode_t mode, time_t mtime, int verify)
{
	memset(p, 0, sizeof *p);
	p->kind = PUSH_FILE;
	p->data = data;
	p->len = len;
	p->name = strdup(name);
	p->mode = mode;
	p->mtime = mtime;
	p->atime = mtime;
	if (verify)
		push_sha256_hex(data, len, p->sha256);
}

/* Push DATA as NAME to DEST (relative to tmpdir) and return the status. */
static int
push_mem(const char *name, const char *dest, const void *data, size_t len,
    size_t send, const struct push_opts *o, char **out)
{
	struct push_payload	 p;
	char			*cmd, *cause = NULL;
	int			 rc;

	mem_payload(&p, name, data, len, 0640, 1000000000, o->verify);
	cmd = push_command(&p, dest, o, &cause);
	assert_non_null(cmd);
	rc = run(tmpdir, cmd, data, send, out);
	free(cmd);
	free(p.name);
	return (rc);
}

static void
test_file_script_paths(void **state)
{
	static const char	*names[] = {
		"plain", "with space", "it's", "new\nline", "$(touch pwned)",
		"`touch pwned`", "-dash", "semi;colon", "star*", "a'b\"c$d`e",
	};
	struct push_opts	 o = { 0, 0, 0 };
	char			*dir, *path, *got, *dest;
	size_t			 i, len;

	(void)state;
	for (i = 0; i < sizeof names / sizeof *names; i++) {
		/* Into a new directory whose name is as nasty, trailing slash. */
		dir = xasprintf("d %zu '$(x)'\n", i);
		dest = xasprintf("%s/", dir);
		assert_int_equal(push_mem(names[i], dest, "data\n", 5, 5, &o,
		    NULL), 0);
		path = xasprintf("%s/%s/%s", tmpdir, dir, names[i]);
		got = read_file(path, 1 << 30, &len, NULL);
		assert_non_null(got);
		assert_int_equal(len, 5);
		assert_memory_equal(got, "data\n", 5);
		free(got);
		free(path);
		/* To an explicit file name in the same directory. */
		free(dest);
		dest = xasprintf("%s/%s.renamed", dir, names[i]);
		assert_int_equal(push_mem(names[i], dest, "x", 1, 1, &o,
		    NULL), 0);
		path = xasprintf("%s/%s", tmpdir, dest);
		assert_int_equal(access(path, F_OK), 0);
		free(path);
		free(dest);
		free(dir);
	}
	assert_int_equal(access("pwned", F_OK), -1);
	path = xasprintf("%s/pwned", tmpdir);
	assert_int_equal(access(path, F_OK), -1);
	free(path);
	assert_int_equal(count_tmp(tmpdir), 0);
}

static void
test_file_script_semantics(void **state)
{
	struct push_opts	 o = { 0, 0, 0 }, op = { 0, 1, 0 };
	char			*out, *got;
	size_t			 len;
	struct stat		 st;
	char			 path[512];
	mode_t			 old;

	(void)state;
	assert_int_equal(sh("mkdir -p sem/existing sem/f/isdir"), 0);
	/* An existing directory without a slash: the file goes inside. */
	assert_int_equal(push_mem("name", "sem/existing", "1", 1, 1, &o, NULL),
	    0);
	snprintf(path, sizeof path, "%s/sem/existing/name", tmpdir);
	assert_int_equal(access(path, F_OK), 0);
	/* A destination that is a directory by name is refused. */
	assert_int_equal(push_mem("isdir", "sem/f/", "1", 1, 1, &o, &out), 1);
	free(out);
	/* Replace an existing file; mode without -p is mode & ~umask. */
	assert_int_equal(sh("mkdir -p sem/r && echo old > sem/r/file"), 0);
	snprintf(path, sizeof path, "%s/sem/r/file", tmpdir);
	old = umask(027);
	assert_int_equal(push_mem("file", "sem/r/", "new\n", 4, 4, &o, NULL),
	    0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0640);
	umask(077);
	assert_int_equal(push_mem("file", "sem/r/", "new\n", 4, 4, &o, NULL),
	    0);
	umask(old);
	got = read_file(path, 1 << 30, &len, NULL);
	assert_string_equal(got, "new\n");
	free(got);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_true(st.st_mtime != 1000000000);
	/* -p: exact mode and times. */
	assert_int_equal(push_mem("file", "sem/r/", "new\n", 4, 4, &op, NULL),
	    0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0640);
	assert_int_equal(st.st_mtime, 1000000000);
	assert_int_equal(st.st_atime, 1000000000);
	assert_int_equal(count_tmp(tmpdir), 0);
}

/* A short stream (the client died) never replaces the destination. */
static void
test_file_script_short(void **state)
{
	struct push_opts	 o = { 0, 0, 0 };
	char			*out, *got, path[512];
	size_t			 len;

	(void)state;
	assert_int_equal(sh("mkdir -p short && echo old > short/f"), 0);
	assert_int_equal(push_mem("f", "short/", "0123456789", 10, 4, &o,
	    NULL), 1);
	snprintf(path, sizeof path, "%s/short/f", tmpdir);
	got = read_file(path, 1 << 30, &len, NULL);
	assert_string_equal(got, "old\n");
	free(got);
	assert_int_equal(count_tmp(tmpdir), 0);
	/* Zero bytes of a non-empty file. */
	assert_int_equal(push_mem("g", "short/", "0123456789", 10, 0, &o,
	    &out), 1);
	free(out);
	snprintf(path, sizeof path, "%s/short/g", tmpdir);
	assert_int_equal(access(path, F_OK), -1);
	/* An empty file is fine. */
	assert_int_equal(push_mem("empty", "short/", "", 0, 0, &o, NULL), 0);
	snprintf(path, sizeof path, "%s/short/empty", tmpdir);
	assert_int_equal(access(path, F_OK), 0);
	assert_int_equal(count_tmp(tmpdir), 0);
}

static void
test_file_script_verify(void **state)
{
	struct push_opts	 o = { 0, 0, 1 };
	struct push_payload	 p;
	char			*out, *cmd, *cause = NULL, hex[65], path[512];

	(void)state;
	assert_int_equal(push_mem("v", "ver/", "verified\n", 9, 9, &o, &out),
	    0);
	assert_int_equal(push_parse_sha256(out, strlen(out), hex), 0);
	free(out);
	push_sha256_hex("verified\n", 9, p.sha256);
	assert_string_equal(hex, p.sha256);
	/* Same size, other bytes: the checksum catches it. */
	mem_payload(&p, "w", "verified\n", 9, 0644, 0, 1);
	cmd = push_command(&p, "ver/", &o, &cause);
	assert_int_equal(run(tmpdir, cmd, "VERIFIED\n", 9, &out), 1);
	free(out);
	free(cmd);
	free(p.name);
	snprintf(path, sizeof path, "%s/ver/w", tmpdir);
	assert_int_equal(access(path, F_OK), -1);
	assert_int_equal(count_tmp(tmpdir), 0);
}

/* --- the tar script ------------------------------------------------------------------ */

static int
push_tree(const char *const *srcs, size_t n, const char *dest,
    const struct push_opts *o, size_t cut, char **out)
{
	struct push_payload	 p;
	char			*cmd, *cause = NULL;
	int			 rc;

	if (push_source_load(&p, (char *const *)srcs, n, o, &cause) != 0) {
		fprintf(stderr, "load: %s\n", cause);
		free(cause);
		return (-1);
	}
	assert_int_equal(p.kind, n == 1 && !o->recursive ? PUSH_FILE :
	    p.kind);
	cmd = push_command(&p, dest, o, &cause);
	assert_non_null(cmd);
	rc = run(tmpdir, cmd, p.data, cut != 0 ? cut : p.len, out);
	free(cmd);
	push_payload_free(&p);
	return (rc);
}

static void
make_tree(void)
{
	assert_int_equal(sh("rm -rf src && mkdir -p 'src/tree/sub dir/deep' "
	    "src/tree/empty && printf a > src/tree/a && "
	    "printf 'b b' > 'src/tree/sub dir/b '\\''q'\\''' && "
	    "printf 'x\\ny' > \"src/tree/sub dir/deep/new\nline\" && "
	    "printf s > 'src/tree/$(touch pwned)' && "
	    "ln -s a src/tree/link && chmod 0751 'src/tree/sub dir' && "
	    "chmod 0600 src/tree/a && touch -d @1000000000 src/tree/a "
	    "'src/tree/sub dir' && head -c 300000 /dev/urandom > src/tree/big"),
	    0);
}

static void
test_tar_script_tree(void **state)
{
	struct push_opts	 o = { 1, 0, 0 }, opv = { 1, 1, 1 };
	const char		*srcs[] = { NULL };
	char			*src, *out;

	(void)state;
	make_tree();
	src = xasprintf("%s/src/tree", tmpdir);
	srcs[0] = src;
	/* New destination directory given with a slash: dest/tree. */
	assert_int_equal(push_tree(srcs, 1, "t1/", &o, 0, NULL), 0);
	assert_int_equal(sh("diff -r src/tree t1/tree"), 0);
	assert_int_equal(sh("[ \"$(readlink t1/tree/link)\" = a ]"), 0);
	/* Without a slash and not existing: the tree takes that name. */
	assert_int_equal(push_tree(srcs, 1, "t2", &o, 0, NULL), 0);
	assert_int_equal(sh("diff -r src/tree t2"), 0);
	/* Existing: goes inside. */
	assert_int_equal(push_tree(srcs, 1, "t2", &o, 0, NULL), 0);
	assert_int_equal(sh("diff -r src/tree t2/tree"), 0);
	/* -p and --verify: modes and times kept, sums checked. */
	assert_int_equal(push_tree(srcs, 1, "t3/", &opv, 0, &out), 0);
	assert_non_null(strstr(out, "verified"));
	free(out);
	assert_int_equal(sh("diff -r src/tree t3/tree && "
	    "[ \"$(stat -c '%%a %%Y' t3/tree/a)\" = '600 1000000000' ] && "
	    "[ \"$(stat -c '%%a %%Y' 't3/tree/sub dir')\" = '751 1000000000' ]"),
	    0);
	assert_int_equal(sh("[ ! -e pwned ] && [ ! -e t3/pwned ]"), 0);
	assert_int_equal(count_tmp(tmpdir), 0);
	free(src);
}

/* Merging into an existing tree keeps the other files. */
static void
test_tar_script_merge(void **state)
{
	struct push_opts	 o = { 1, 1, 0 };
	const char		*srcs[] = { NULL };
	char			*src;

	(void)state;
	make_tree();
	assert_int_equal(sh("mkdir -p 'm/tree/sub dir' && echo keep > "
	    "m/tree/keep && echo old > m/tree/a && echo keep2 > "
	    "'m/tree/sub dir/keep2' && chmod 0700 'm/tree/sub dir'"), 0);
	src = xasprintf("%s/src/tree", tmpdir);
	srcs[0] = src;
	assert_int_equal(push_tree(srcs, 1, "m/", &o, 0, NULL), 0);
	assert_int_equal(sh("[ \"$(cat m/tree/keep)\" = keep ] && "
	    "[ \"$(cat 'm/tree/sub dir/keep2')\" = keep2 ] && "
	    "cmp src/tree/a m/tree/a && cmp src/tree/big m/tree/big"), 0);
	/* -p gave the merged directory the source's mode and time. */
	assert_int_equal(sh("[ \"$(stat -c '%%a %%Y' 'm/tree/sub dir')\" = "
	    "'751 1000000000' ]"), 0);
	/* A file where the node has a directory is refused. */
	assert_int_equal(sh("mkdir -p m2/tree/a"), 0);
	assert_int_equal(push_tree(srcs, 1, "m2/", &o, 0, NULL), 1);
	assert_int_equal(count_tmp(tmpdir), 0);
	free(src);
}

/* A cut stream moves nothing, wherever it was cut. */
static void
test_tar_script_cut(void **state)
{
	struct push_opts	 o = { 1, 0, 0 };
	struct push_payload	 p;
	const char		*srcs[] = { NULL };
	char			*src, *cmd, *cause = NULL, *out;
	size_t			 cuts[4], i;

	(void)state;
	make_tree();
	src = xasprintf("%s/src/tree", tmpdir);
	srcs[0] = src;
	assert_int_equal(push_source_load(&p, (char *const *)srcs, 1, &o,
	    &cause), 0);
	cmd = push_command(&p, "cut/", &o, &cause);
	cuts[0] = 512;			/* inside the first member */
	cuts[1] = p.len / 2;		/* in the middle of the data */
	cuts[2] = p.len - 3 * 512;	/* just before the end marker */
	cuts[3] = p.len - 1024 - 1024;	/* before the meta directory */
	for (i = 0; i < 4; i++) {
		assert_int_equal(run(tmpdir, cmd, p.data, cuts[i], &out), 1);
		free(out);
		assert_int_equal(sh("[ ! -e cut/tree ]"), 0);
		assert_int_equal(count_tmp(tmpdir), 0);
	}
	free(cmd);
	push_payload_free(&p);
	free(src);
}

/* Several plain files (no -r) go into DEST as a tar stream. */
static void
test_tar_script_files(void **state)
{
	struct push_opts	 o = { 0, 0, 1 }, or = { 1, 0, 0 };
	const char		*srcs[2];
	char			*a, *b, *cause = NULL;
	struct push_payload	 p;

	(void)state;
	make_tree();
	a = xasprintf("%s/src/tree/a", tmpdir);
	b = xasprintf("%s/src/tree/big", tmpdir);
	srcs[0] = a;
	srcs[1] = b;
	assert_int_equal(push_tree(srcs, 2, "files", &o, 0, NULL), 0);
	assert_int_equal(sh("cmp src/tree/a files/a && cmp src/tree/big "
	    "files/big"), 0);
	/* A directory without -r is refused locally. */
	free(a);
	a = xasprintf("%s/src/tree", tmpdir);
	srcs[0] = a;
	assert_int_equal(push_source_load(&p, (char *const *)srcs, 2, &o,
	    &cause), -1);
	assert_non_null(strstr(cause, "use -r"));
	free(cause);
	/* Two sources with one name are refused. */
	srcs[1] = a;
	assert_int_equal(push_source_load(&p, (char *const *)srcs, 2, &or,
	    &cause), -1);
	assert_non_null(strstr(cause, "two sources"));
	free(cause);
	free(a);
	free(b);
}

/* One real file through push_source_load: mapped, hashed. */
static void
test_source_file(void **state)
{
	struct push_opts	 o = { 0, 1, 1 };
	struct push_payload	 p;
	const char		*srcs[1];
	char			*path, *cause = NULL, hex[65];

	(void)state;
	path = xasprintf("%s/one file", tmpdir);
	write_file(path, "content\n", 8, 0754);
	srcs[0] = path;
	assert_int_equal(push_source_load(&p, (char *const *)srcs, 1, &o,
	    &cause), 0);
	assert_int_equal(p.kind, PUSH_FILE);
	assert_int_equal(p.len, 8);
	assert_int_equal(p.mode, 0754);
	assert_string_equal(p.name, "one file");
	push_sha256_hex("content\n", 8, hex);
	assert_string_equal(p.sha256, hex);
	push_payload_free(&p);
	srcs[0] = "/nonexistent/x";
	assert_int_equal(push_source_load(&p, (char *const *)srcs, 1, &o,
	    &cause), -1);
	free(cause);
	free(path);
}

/* --- pull ------------------------------------------------------------------------------ */

static void
test_pull_command(void **state)
{
	struct push_opts	 o = { 0, 0, 0 }, or = { 1, 0, 0 };
	char			*cmd, *cause = NULL, *out, *list, *abs;
	const char		*paths[2];

	(void)state;
	assert_int_equal(sh("mkdir -p 'pl/d i r' && echo hi > 'pl/d i r/f' && "
	    "echo top > pl/t"), 0);
	paths[0] = "pl/t";
	abs = xasprintf("%s/pl/d i r", tmpdir);
	paths[1] = abs;
	/* A directory needs -r. */
	cmd = push_pull_command((char *const *)paths, 2, &o, &cause);
	assert_non_null(cmd);
	assert_int_equal(run(tmpdir, cmd, NULL, 0, &out), 1);
	free(out);
	free(cmd);
	/* Names in the stream: relative to home, absolute ones from /. */
	cmd = push_pull_command((char *const *)paths, 2, &or, &cause);
	assert_non_null(cmd);
	list = xasprintf("(%s) | tar -tf - | sort", cmd);
	assert_int_equal(run(tmpdir, list, NULL, 0, &out), 0);
	assert_non_null(strstr(out, "./pl/t\n"));
	assert_non_null(strstr(out, "/pl/d i r/f\n"));
	assert_null(strstr(out, "\n/"));
	assert_true(out[0] == '.');
	free(out);
	free(list);
	free(cmd);
	paths[0] = "../etc/passwd";
	assert_null(push_pull_command((char *const *)paths, 1, &o, &cause));
	free(cause);
	paths[0] = "/";
	assert_null(push_pull_command((char *const *)paths, 1, &o, &cause));
	free(cause);
	free(abs);
}

/* The P form's sources, split as a shell would. */
static void
test_split_words(void **state)
{
	char	**v, *cause = NULL;

	(void)state;
	assert_int_equal(push_split_words("  a  b\tc ", &v, &cause), 3);
	assert_string_equal(v[0], "a");
	assert_string_equal(v[2], "c");
	assert_null(v[3]);
	push_words_free(v);
	assert_int_equal(push_split_words("'/tmp/my file.txt' \"/tmp/a \\\"b\\\" c\" d\\ e", &v,
	    &cause), 3);
	assert_string_equal(v[0], "/tmp/my file.txt");
	assert_string_equal(v[1], "/tmp/a \"b\" c");
	assert_string_equal(v[2], "d e");
	push_words_free(v);
	/* Quotes join with what touches them; '' is an empty word. */
	assert_int_equal(push_split_words("/tmp/'x y'z ''", &v, &cause), 2);
	assert_string_equal(v[0], "/tmp/x yz");
	assert_string_equal(v[1], "");
	push_words_free(v);
	/* In '...' nothing is special; in "..." \n stays two bytes. */
	assert_int_equal(push_split_words("'a\\b' \"c\\nd\"", &v, &cause), 2);
	assert_string_equal(v[0], "a\\b");
	assert_string_equal(v[1], "c\\nd");
	push_words_free(v);
	setenv("HOME", "/home/admin", 1);
	assert_int_equal(push_split_words("~/f '~/g'", &v, &cause), 2);
	assert_string_equal(v[0], "/home/admin/f");
	assert_string_equal(v[1], "~/g");
	push_words_free(v);
	assert_int_equal(push_split_words("", &v, &cause), 0);
	assert_null(v[0]);
	push_words_free(v);
	assert_int_equal(push_split_words("'/tmp/open", &v, &cause), -1);
	assert_null(v);
	assert_string_equal(cause, "unterminated single quote in the sources");
	free(cause);
	assert_int_equal(push_split_words("a \"b", &v, &cause), -1);
	free(cause);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_quote),
		cmocka_unit_test(test_quote_roundtrip),
		cmocka_unit_test(test_split_dest),
		cmocka_unit_test(test_chmod_mode),
		cmocka_unit_test(test_touch_time),
		cmocka_unit_test(test_sha256),
		cmocka_unit_test(test_parse_sha256),
		cmocka_unit_test(test_helpers),
		cmocka_unit_test(test_tar_writer),
		cmocka_unit_test(test_file_script_paths),
		cmocka_unit_test(test_file_script_semantics),
		cmocka_unit_test(test_file_script_short),
		cmocka_unit_test(test_file_script_verify),
		cmocka_unit_test(test_tar_script_tree),
		cmocka_unit_test(test_tar_script_merge),
		cmocka_unit_test(test_tar_script_cut),
		cmocka_unit_test(test_tar_script_files),
		cmocka_unit_test(test_source_file),
		cmocka_unit_test(test_pull_command),
		cmocka_unit_test(test_split_words),
	};

	return (cmocka_run_group_tests(tests, setup, teardown));
}
