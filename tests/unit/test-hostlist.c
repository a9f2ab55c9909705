/*
 * test-hostlist.c -- host list expressions: every syntax rule, every error,
 * ^file and @group, folding (nodeset -f and dshbak -c styles, including
 * the edge cases from research/parallel-shells.md section 3), natural
 * order, and speed on 100,000 names.
 */

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "hostlist.h"

static char	tmpdir[] = "/tmp/test-hostlist.XXXXXX";

/* Expand EXPR; returns the names joined by spaces or "ERR: cause". */
static char *
expand(const char *expr)
{
	struct hostlist	*hl;
	char		*cause = NULL, *out;
	size_t		 i, len = 0, n;

	hl = hostlist_create();
	if (hostlist_add(hl, expr, &cause) != 0) {
		assert_non_null(cause);
		assert_int_equal(hostlist_count(hl), 0);
		hostlist_free(hl);
		assert_true(asprintf(&out, "ERR: %s", cause) > 0);
		free(cause);
		return (out);
	}
	n = hostlist_count(hl);
	for (i = 0; i < n; i++)
		len += strlen(hostlist_get(hl, i)) + 1;
	out = calloc(1, len + 1);
	assert_non_null(out);
	for (i = 0; i < n; i++) {
		if (i > 0)
			strcat(out, " ");
		strcat(out, hostlist_get(hl, i));
	}
	hostlist_free(hl);
	return (out);
}

static void
check_expand(const char *expr, const char *want)
{
	char	*got = expand(expr);

	if (strcmp(got, want) != 0)
		fail_msg("expand '%s': got '%s', want '%s'", expr, got, want);
	free(got);
}

/* EXPR must fail with a message containing WHAT. */
static void
check_error(const char *expr, const char *what)
{
	char	*got = expand(expr);

	if (strncmp(got, "ERR: ", 5) != 0 || strstr(got, what) == NULL)
		fail_msg("expand '%s': got '%s', want an error with '%s'",
		    expr, got, what);
	free(got);
}

static size_t
count(const char *expr)
{
	struct hostlist	*hl;
	char		*cause = NULL;
	size_t		 n;

	hl = hostlist_create();
	if (hostlist_add(hl, expr, &cause) != 0)
		fail_msg("'%s': %s", expr, cause);
	n = hostlist_count(hl);
	hostlist_free(hl);
	return (n);
}

/* Fold the space-separated NAMES with FOLD. */
static void
check_fold_with(char *(*fold)(const char *const *, size_t),
    const char *names, const char *want)
{
	char		*copy, *p, *tok, *got;
	const char	*v[256];
	size_t		 n = 0;

	copy = strdup(names);
	for (p = copy; (tok = strsep(&p, " ")) != NULL; ) {
		if (*tok != '\0')
			v[n++] = tok;
	}
	got = fold(v, n);
	if (strcmp(got, want) != 0)
		fail_msg("fold '%s': got '%s', want '%s'", names, got, want);
	free(got);
	free(copy);
}

static void
check_fold(const char *names, const char *want)
{
	check_fold_with(hostlist_fold_names, names, want);
}

static void
check_dshbak(const char *names, const char *want)
{
	check_fold_with(hostlist_fold_dshbak, names, want);
}

static char *
write_file(const char *name, const char *text)
{
	char	*path;
	FILE	*f;

	assert_true(asprintf(&path, "%s/%s", tmpdir, name) > 0);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	return (path);
}

/* CPU seconds allowed for 100,000 names (sanitizers slow code ~4x). */
#if defined(__SANITIZE_ADDRESS__)
#define SPEED_LIMIT	4.0
#else
#define SPEED_LIMIT	1.0
#endif

static double
cpu_seconds(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (ts.tv_sec + ts.tv_nsec / 1e9);
}

/* --- expansion ------------------------------------------------------------ */

static void
test_expand_ranges(void **state)
{
	(void)state;
	check_expand("node[01-10]", "node01 node02 node03 node04 node05 "
	    "node06 node07 node08 node09 node10");
	check_expand("node[1-3,5]", "node1 node2 node3 node5");
	check_expand("n[9-11]", "n9 n10 n11");
	check_expand("node[09-11]", "node09 node10 node11");
	check_expand("node[98-101]", "node98 node99 node100 node101");
	check_expand("node[098-101]", "node098 node099 node100 node101");
	check_expand("n[001-003]", "n001 n002 n003");
	check_expand("n[00-02]", "n00 n01 n02");
	check_expand("n[007]", "n007");
	check_expand("node[0-0]", "node0");
	check_expand("node[00001-00003]", "node00001 node00002 node00003");
	check_expand("n[01,1,001]", "n01 n1 n001");
	check_expand("n[3,1-2]", "n3 n1 n2");
	check_expand("node", "node");
	check_expand("NODE[1-2]", "NODE1 NODE2");
	check_expand("node-[1-2]", "node-1 node-2");
	check_expand("10.0.0.[1-3]", "10.0.0.1 10.0.0.2 10.0.0.3");
	check_expand("[1-2]x", "1x 2x");
}

static void
test_expand_padding_start_bound(void **state)
{
	char	*s;

	(void)state;
	/* Slurm/pdsh: the start bound sets the width. */
	check_expand("n[001-3]", "n001 n002 n003");
	s = expand("n[01-100]");
	assert_int_equal(strncmp(s, "n01 n02", 7), 0);
	assert_non_null(strstr(s, "n99 n100"));
	free(s);
	/* An end bound padded differently is ambiguous: rejected. */
	check_error("n[1-003]", "padding");
	check_error("n[0-010]", "padding");
	check_error("n[01-010]", "padding");
}

static void
test_expand_brackets(void **state)
{
	(void)state;
	check_expand("rack[1-2]-node[01-02]",
	    "rack1-node01 rack1-node02 rack2-node01 rack2-node02");
	check_expand("node[1-2][3-4]", "node13 node14 node23 node24");
	check_expand("n[1-2]x[3-4]", "n1x3 n1x4 n2x3 n2x4");
	check_expand("dc[1-2]n[1-2]", "dc1n1 dc1n2 dc2n1 dc2n2");
	check_expand("n[1-3]-ib", "n1-ib n2-ib n3-ib");
	check_expand("node[1-2]-ib0", "node1-ib0 node2-ib0");
	check_expand("n[1-2].cluster.local",
	    "n1.cluster.local n2.cluster.local");
	check_expand("node[1-2]-[3-4]", "node1-3 node1-4 node2-3 node2-4");
	check_expand("node[ 1-2 ]", "node1 node2");
	check_expand("node[1 - 2, 4]", "node1 node2 node4");
	check_expand("n[1-10/3]", "n1 n4 n7 n10");
	check_expand("n[01-10/4]", "n01 n05 n09");
	assert_int_equal(count("n[0001-1024]"), 1024);
	assert_int_equal(count("n[1-65536]"), 65536);
}

static void
test_expand_lists(void **state)
{
	(void)state;
	check_expand("node[1-3],login[1-2]",
	    "node1 node2 node3 login1 login2");
	check_expand("node1,node2,node3", "node1 node2 node3");
	check_expand("a b", "a b");
	check_expand("a, b ,c\td\ne", "a b c d e");
	check_expand("  a  ", "a");
	check_expand("", "");
	check_expand("   ", "");
	check_expand("gpu-a[001-002],gpu-b[01-02]",
	    "gpu-a001 gpu-a002 gpu-b01 gpu-b02");
}

static void
test_expand_duplicates(void **state)
{
	(void)state;
	check_expand("node[1-3],node[2-5]",
	    "node1 node2 node3 node4 node5");
	check_expand("n3,n1,n2,n1", "n3 n1 n2");
	check_expand("n[1,1,1]", "n1");
	check_expand("node01,node1", "node01 node1");
}

static void
test_expand_exclusion(void **state)
{
	(void)state;
	check_expand("node[1-3]!node2", "node1 node3");
	check_expand("node[1-5]!node2,node7", "node1 node3 node4 node5 node7");
	check_expand("node[1-5] ! node[2-3]", "node1 node4 node5");
	/* Left to right, as nodeset does. */
	check_expand("node[1-3],node5!node[1-5]", "");
	check_expand("node[1-3]!node2!node3", "node1");
	check_expand("node[1-5]&node[3-7]", "node3 node4 node5");
	check_expand("node[1-5]&node[3-7],node9", "node3 node4 node5 node9");
	/* pdsh's inline exclusion. */
	check_expand("node[1-3],-node2", "node1 node3");
	check_expand("node[1-3] -node2", "node1 node3");
	check_expand("node[1-9],-node[2-8],node5", "node1 node9 node5");
}

static void
test_expand_errors(void **state)
{
	(void)state;
	check_error("node[", "missing ']'");
	check_error("node[1-3", "missing ']'");
	check_error("node[1-3 node5", "missing ']'");
	check_error("node[[1]]", "missing ']'");
	check_error("node]", "unbalanced ']'");
	check_error("node[1]]", "unbalanced ']'");
	check_error("n[3-1]", "reversed range '3-1'");
	check_error("n[10-8]", "reversed range");
	check_error("node[]", "empty range");
	check_error("node[ ]", "empty range");
	check_error("node[1,,2]", "empty element");
	check_error("node[,1]", "empty element");
	check_error("node[1,]", "empty element");
	check_error("node[a-c]", "invalid range 'a-c'");
	check_error("node[-1]", "invalid range");
	check_error("node[1--3]", "invalid range");
	check_error("node[1-]", "invalid range");
	check_error("node[1-2x]", "invalid range");
	check_error("node[5/2]", "step without a range");
	check_error("node[1-5/0]", "step 0");
	check_error("n[1-65537]", "more than 65536 hosts");
	check_error("node[1-100000]", "more than 65536 hosts");
	check_error("a[1-2000]b[1-2000]", "more than 1048576 hosts");
	check_error("n[99999999999999999999]", "invalid range");
	check_error("a,,b", "empty element");
	check_error("a, ,b", "empty element");
	check_error(",a", "empty element");
	check_error("a,", "trailing ','");
	check_error("a, ", "trailing ','");
	check_error("!a", "missing hosts before '!'");
	check_error("&a", "missing hosts before '&'");
	check_error("a!", "missing hosts after '!'");
	check_error("a!,b", "missing hosts after '!'");
	check_error("a&", "missing hosts after '&'");
	check_error("-a", "nothing to exclude");
	check_error("a,-", "missing hosts after '-'");
	check_error("a!-b", "cannot start with '-'");
	check_error("a^b", "'^' (a host file) must start");
	check_error("^", "missing file name");
	check_error("a,@", "missing group name");
	check_error("a\001b", "invalid character 0x01");
	check_error("^/nonexistent/ct-hosts", "No such file");
}

static void
test_expand_name_length(void **state)
{
	char	buf[400];

	(void)state;
	memset(buf, 'x', 250);
	strcpy(buf + 250, "[1-9]");
	assert_int_equal(count(buf), 9);
	memset(buf, 'x', 300);
	buf[300] = '\0';
	check_error(buf, "longer than 255");
}

static void
test_add_is_atomic(void **state)
{
	struct hostlist	*hl;
	char		*cause = NULL;

	(void)state;
	hl = hostlist_create();
	assert_int_equal(hostlist_add(hl, "a,b", &cause), 0);
	assert_int_equal(hostlist_add(hl, "c,d,n[", &cause), -1);
	assert_non_null(cause);
	free(cause);
	assert_int_equal(hostlist_count(hl), 2);
	assert_int_equal(hostlist_find(hl, "c"), -1);
	/* A NULL cause pointer is allowed. */
	assert_int_equal(hostlist_add(hl, "n[3-1]", NULL), -1);
	/* New hosts append; existing ones keep their place. */
	assert_int_equal(hostlist_add(hl, "c,a,d", &cause), 0);
	assert_string_equal(hostlist_get(hl, 0), "a");
	assert_string_equal(hostlist_get(hl, 2), "c");
	assert_string_equal(hostlist_get(hl, 3), "d");
	hostlist_free(hl);
}

static void
test_remove(void **state)
{
	struct hostlist	*hl;
	char		*cause = NULL;

	(void)state;
	hl = hostlist_create();
	assert_int_equal(hostlist_add(hl, "node[1-10]", &cause), 0);
	assert_int_equal(hostlist_remove(hl, "node[2-4],node9,other",
	    &cause), 0);
	assert_int_equal(hostlist_count(hl), 6);
	assert_string_equal(hostlist_get(hl, 1), "node5");
	assert_int_equal(hostlist_find(hl, "node3"), -1);
	assert_int_equal(hostlist_find(hl, "node10"), 5);
	assert_int_equal(hostlist_remove(hl, "node[", &cause), -1);
	assert_non_null(cause);
	free(cause);
	assert_int_equal(hostlist_count(hl), 6);
	/* Literal removal: no parsing. */
	assert_int_equal(hostlist_push(hl, "odd[1]"), 1);
	assert_int_equal(hostlist_delete(hl, "odd[1]"), 1);
	assert_int_equal(hostlist_delete(hl, "odd[1]"), 0);
	assert_int_equal(hostlist_delete(hl, "node5"), 1);
	assert_int_equal(hostlist_count(hl), 5);
	assert_string_equal(hostlist_get(hl, 0), "node1");
	assert_string_equal(hostlist_get(hl, 1), "node6");
	assert_int_equal(hostlist_find(hl, "node10"), 4);
	assert_int_equal(hostlist_push(hl, "node5"), 1);
	assert_int_equal(hostlist_delete(hl, "node5"), 1);
	/* Removed names can come back, at the end. */
	assert_int_equal(hostlist_push(hl, "node3"), 1);
	assert_int_equal(hostlist_find(hl, "node3"), 5);
	hostlist_free(hl);
}

static void
test_push_find(void **state)
{
	struct hostlist	*hl;
	char		 name[32];
	int		 i;

	(void)state;
	hl = hostlist_create();
	assert_int_equal(hostlist_count(hl), 0);
	assert_int_equal(hostlist_find(hl, "x"), -1);
	assert_null(hostlist_get(hl, 0));
	assert_int_equal(hostlist_push(hl, "a[1]"), 1);	/* literal */
	assert_int_equal(hostlist_push(hl, "a[1]"), 0);
	assert_int_equal(hostlist_pushn(hl, "bxx", 1), 1);
	assert_int_equal(hostlist_find(hl, "b"), 1);
	assert_int_equal(hostlist_findn(hl, "a[1]zz", 4), 0);
	for (i = 0; i < 100000; i++) {
		snprintf(name, sizeof name, "n%d", i);
		assert_int_equal(hostlist_push(hl, name), 1);
	}
	assert_int_equal(hostlist_count(hl), 100002);
	assert_int_equal(hostlist_find(hl, "n0"), 2);
	assert_int_equal(hostlist_find(hl, "n99999"), 100001);
	assert_int_equal(hostlist_find(hl, "n100000"), -1);
	hostlist_free(hl);
	hostlist_free(NULL);
}

static void
test_files(void **state)
{
	char	*a, *b, *loop, *expr;

	(void)state;
	a = write_file("hosts-a", "# the compute nodes\n"
	    "node[1-4]   # four of them\n\n"
	    "login1\n"
	    "-node3\n"
	    "gpu[1-2], gpu9\n");
	assert_true(asprintf(&expr, "^%s", a) > 0);
	check_expand(expr, "node1 node2 node4 login1 gpu1 gpu2 gpu9");
	free(expr);

	/* A file may name another; both combine with operators. */
	assert_true(asprintf(&expr, "^%s\nextra", a) > 0);
	b = write_file("hosts-b", expr);
	free(expr);
	assert_true(asprintf(&expr, "^%s!gpu[1-9],x1", b) > 0);
	check_expand(expr, "node1 node2 node4 login1 extra x1");
	free(expr);

	/* Errors name the file. */
	free(b);
	b = write_file("hosts-bad", "node[1-3\n");
	assert_true(asprintf(&expr, "^%s", b) > 0);
	check_error(expr, "hosts-bad: 'node[1-3': missing ']'");
	free(expr);

	/* A file that includes itself stops. */
	assert_true(asprintf(&loop, "%s/hosts-loop", tmpdir) > 0);
	assert_true(asprintf(&expr, "^%s", loop) > 0);
	free(write_file("hosts-loop", expr));
	check_error(expr, "nested too deeply");
	free(expr);

	/* An empty file gives no hosts. */
	free(b);
	b = write_file("hosts-empty", "# nothing\n\n");
	assert_true(asprintf(&expr, "^%s", b) > 0);
	check_expand(expr, "");
	free(expr);
	check_error("^/", "Is a directory");

	free(a);
	free(b);
	free(loop);
}

static void
test_groups(void **state)
{
	char	*path, *bad;

	(void)state;
	path = write_file("groups", "# ClusterShell groups.d/local.cfg\n"
	    "compute: node[1-4]\n"
	    "gpu: node[3-4] gpu1\n"
	    "login: login[1-2]\n"
	    "all: @compute,@login # everything\n"
	    "compute-x: cx1\n"
	    "loop: @loop\n"
	    "broken: node[\n");
	hostlist_set_groups_file(path);
	check_expand("@compute", "node1 node2 node3 node4");
	check_expand("@gpu", "node3 node4 gpu1");
	check_expand("@compute!@gpu", "node1 node2");
	check_expand("@compute&@gpu", "node3 node4");
	check_expand("@all", "node1 node2 node3 node4 login1 login2");
	check_expand("x,@compute-x", "x cx1");
	check_expand("@compute,-node[1-3]", "node4");
	check_error("@nosuch", "unknown group");
	check_error("@comp", "unknown group");
	check_error("@loop", "nested too deeply");
	check_error("@broken", "@broken: 'node[': missing ']'");
	check_error("@a[1]", "invalid group name");

	/* $CLUSTERTOP_GROUPS when nothing is set explicitly. */
	bad = write_file("groups2", "only: z[1-2]\n");
	hostlist_set_groups_file(NULL);
	setenv("CLUSTERTOP_GROUPS", bad, 1);
	check_expand("@only", "z1 z2");
	setenv("CLUSTERTOP_GROUPS", "/nonexistent/groups", 1);
	check_error("@only", "No such file");
	unsetenv("CLUSTERTOP_GROUPS");
	hostlist_set_groups_file(path);
	free(path);
	free(bad);
}

static void
test_limit(void **state)
{
	(void)state;
	hostlist_set_limit(100);
	check_error("n[1-101]", "more than 100 hosts");
	check_error("n[1-60],m[1-60]", "more than 100 hosts");
	assert_int_equal(count("n[1-100]"), 100);
	hostlist_set_limit(0);
	assert_int_equal(count("n[1-1000]"), 1000);
}

/* --- folding -------------------------------------------------------------- */

static void
test_fold_research_table(void **state)
{
	(void)state;
	/* research/parallel-shells.md 3.3, the nodeset -f column. */
	check_fold("node1 node2 node3 node5", "node[1-3,5]");
	check_fold("node9 node10 node11", "node[9-11]");
	check_fold("node09 node10 node11", "node[09-11]");
	check_fold("node08 node09 node010", "node[08-09,010]");
	check_fold("node099 node100 node101", "node[099-101]");
	check_fold("n1 n01 n001", "n[1,01,001]");
	check_fold("n0 n1 n2 n00 n01", "n[0-2,00-01]");
	check_fold("node0000 node0001 node0002 node0003 node0004 node0005 "
	    "node0006 node0007 node0008 node0009 node0011 node0012 node0013 "
	    "node0014 node0015 node0016 node0017 node0018 node0019",
	    "node[0000-0009,0011-0019]");
	check_fold("n1-eth0 n2-eth0 n3-eth0", "n[1-3]-eth0");
	check_fold("n1-ib n2-ib n3-ib", "n[1-3]-ib");
	check_fold("rack1-node01 rack1-node02 rack2-node01 rack2-node02",
	    "rack[1-2]-node[01-02]");
	check_fold("node3 node1 node2 node1", "node[1-3]");
	check_fold("login1 node1 login2 node2 admin",
	    "admin,login[1-2],node[1-2]");
	check_fold("n1a n2a n1b n2b", "n[1-2]a,n[1-2]b");
	check_fold("a1b1 a1b2 a2b1 a2b2", "a[1-2]b[1-2]");
	check_fold("n2 n4 n6 n8", "n[2,4,6,8]");
	check_fold("NODE1 node2 Node3", "NODE1,Node3,node2");
}

static void
test_fold_more(void **state)
{
	(void)state;
	check_fold("", "");
	check_fold("node", "node");
	check_fold("b a c", "a,b,c");
	check_fold("n9 n09 n10", "n[9,09-10]");
	check_fold("node001 node1 node01", "node[1,01,001]");
	check_fold("a1b1 a1b2 a2b1", "a1b[1-2],a2b1");
	check_fold("10.0.0.1 10.0.0.2 10.0.1.1 10.0.1.2 10.0.2.5",
	    "10.0.[0-1].[1-2],10.0.2.5");
	check_fold("r1n1 r1n2 r2n2 r2n3 r3n1", "r1n[1-2],r2n[2-3],r3n1");
	check_fold("c1-01 c1-02 c2-01", "c1-[01-02],c2-01");
	check_fold("n01 n02 n03 n04 n05 n06 n07 n08 n09 n10 n100",
	    "n[01-10,100]");
	check_fold("n98 n99 n100 n101", "n[98-101]");
	check_fold("x0 x", "x,x0");
	/* A literal "%s" is not a number (found by the fuzzer). */
	check_fold("node%s node1 node2 a%sb1 a%%b1", "a%%b1,a%sb1,node%s,node[1-2]");
	check_fold("n999999999999999998 n999999999999999999",
	    "n[999999999999999998-999999999999999999]");
	check_fold("n00000000000000000000000001 n00000000000000000000000002",
	    "n[00000000000000000000000001-00000000000000000000000002]");
	/* Numbers too big for a range stay text, so the result parses. */
	check_fold("n18446744073709551615 n18446744073709551616",
	    "n18446744073709551615,n18446744073709551616");
	check_fold("a12345678901234567890b1 a12345678901234567890b2",
	    "a12345678901234567890b[1-2]");
}

static void
test_fold_list(void **state)
{
	struct hostlist	*hl;
	char		*s, *cause = NULL;

	(void)state;
	hl = hostlist_create();
	assert_int_equal(hostlist_add(hl, "n[5-1000],n[1-4],rack[1-2]-n[1-3]",
	    &cause), 0);
	s = hostlist_fold(hl);
	assert_string_equal(s, "n[1-1000],rack[1-2]-n[1-3]");
	free(s);
	hostlist_free(hl);
}

static void
test_fold_dshbak(void **state)
{
	(void)state;
	/* research/parallel-shells.md 3.3, the dshbak -c header column. */
	check_dshbak("node1 node2 node3 node5", "node[1-3,5]");
	check_dshbak("node9 node10 node11", "node[9-11]");
	check_dshbak("node09 node10 node11", "node[09-11]");
	check_dshbak("node08 node09 node010", "node[08-09,010]");
	check_dshbak("node099 node100 node101", "node[099-101]");
	check_dshbak("n1 n01 n001", "n[001,01,1]");
	check_dshbak("n0 n1 n2 n00 n01", "n[0-2,00-01]");
	check_dshbak("n1-eth0 n2-eth0 n3-eth0", "n1-eth0,n2-eth0,n3-eth0");
	check_dshbak("n1-ib n2-ib n3-ib", "n[1-3]-ib");
	check_dshbak("rack1-node01 rack1-node02 rack2-node01 rack2-node02",
	    "rack1-node[01-02],rack2-node[01-02]");
	check_dshbak("login1 node1 login2 node2 admin",
	    "admin,login[1-2],node[1-2]");
	check_dshbak("n1a n2a n1b n2b", "n[1-2]a,n[1-2]b");
	check_dshbak("a1b1 a1b2 a2b1 a2b2", "a1b[1-2],a2b[1-2]");
	check_dshbak("n2 n4 n6 n8", "n[2,4,6,8]");
	check_dshbak("NODE1 node2 Node3", "NODE1,Node3,node2");
	/* Where dshbak is wrong or random, ours is fixed. */
	check_dshbak("foo 1foo", "foo,1foo");
	check_dshbak("n n0 n1", "n,n[0-1]");
	check_dshbak("gamma alpha beta", "alpha,beta,gamma");
	check_dshbak("n09 n9 n10", "n[09,9-10]");
	check_dshbak("x1 x1 x2", "x[1-2]");
	check_dshbak("", "");
}

static void
test_fold_speed(void **state)
{
	const char	**names;
	char		 *s, *buf;
	size_t		  i, n = 100000;
	double		  t;

	(void)state;
	names = calloc(n, sizeof *names);
	buf = calloc(n, 32);
	assert_non_null(names);
	assert_non_null(buf);

	/* 1-D, shuffled. */
	for (i = 0; i < n; i++) {
		snprintf(buf + i * 32, 32, "node%06zu", (i * 7919) % n);
		names[i] = buf + i * 32;
	}
	t = cpu_seconds();
	s = hostlist_fold_names(names, n);
	t = cpu_seconds() - t;
	assert_string_equal(s, "node[000000-065535,065536-099999]");
	free(s);
	print_message("fold of 100,000 1-D names: %.3f s CPU\n", t);
	assert_true(t < SPEED_LIMIT);

	/* 2-D: racks x nodes, with holes. */
	for (i = 0; i < n; i++) {
		snprintf(buf + i * 32, 32, "rack%03zu-n%04zu", i / 1000,
		    (i % 1000) == 500 && i / 1000 == 7 ? 1000 : i % 1000);
		names[i] = buf + i * 32;
	}
	t = cpu_seconds();
	s = hostlist_fold_names(names, n);
	t = cpu_seconds() - t;
	assert_string_equal(s, "rack[000-006,008-099]-n[0000-0999],"
	    "rack007-n[0000-0499,0501-1000]");
	free(s);
	print_message("fold of 100,000 2-D names: %.3f s CPU\n", t);
	assert_true(t < SPEED_LIMIT);

	/* Expanding and counting is fast too. */
	t = cpu_seconds();
	assert_int_equal(count("rack[000-099]-n[0000-0999]"), 100000);
	t = cpu_seconds() - t;
	print_message("expansion of 100,000 names: %.3f s CPU\n", t);
	assert_true(t < SPEED_LIMIT);

	/* No range longer than one expression may hold. */
	for (i = 0; i < n; i++) {
		snprintf(buf + i * 32, 32, "n%zu", i + 1);
		names[i] = buf + i * 32;
	}
	s = hostlist_fold_names(names, n);
	assert_string_equal(s, "n[1-65536,65537-100000]");
	assert_int_equal(count(s), 100000);
	free(s);

	free(names);
	free(buf);
}

/* --- ordering ------------------------------------------------------------- */

static void
test_natural_cmp(void **state)
{
	(void)state;
	assert_true(hostlist_natural_cmp("node2", "node10") < 0);
	assert_true(hostlist_natural_cmp("node10", "node2") > 0);
	assert_true(hostlist_natural_cmp("n1", "n01") < 0);
	assert_true(hostlist_natural_cmp("n01", "n2") < 0);
	assert_true(hostlist_natural_cmp("n01a", "n1b") < 0);
	assert_true(hostlist_natural_cmp("node", "node1") < 0);
	assert_true(hostlist_natural_cmp("a9", "b1") < 0);
	assert_true(hostlist_natural_cmp("rack2-n10", "rack10-n1") < 0);
	assert_true(hostlist_natural_cmp("n99999999999999999999",
	    "n100000000000000000000") < 0);
	assert_int_equal(hostlist_natural_cmp("n5", "n5"), 0);
	assert_true(hostlist_natural_cmp("N1", "n1") < 0);

	assert_true(hostlist_dshbak_cmp("b1", "a2") < 0);
	assert_true(hostlist_dshbak_cmp("a1", "b1") < 0);
	assert_true(hostlist_dshbak_cmp("n007", "n8") < 0);
	assert_true(hostlist_dshbak_cmp("alpha", "n1") < 0);
	assert_int_equal(hostlist_dshbak_cmp("x", "x"), 0);
}

static void
test_hash(void **state)
{
	(void)state;
	assert_true(hostlist_hash("node1", 5) != hostlist_hash("node2", 5));
	assert_true(hostlist_hash("", 0) == hostlist_hash("", 0));
	assert_true(hostlist_hash("abcdefghij", 10) !=
	    hostlist_hash("abcdefghik", 10));
}

static int
setup(void **state)
{
	(void)state;
	if (mkdtemp(tmpdir) == NULL)
		return (-1);
	return (0);
}

static int
teardown(void **state)
{
	char	*cmd;

	(void)state;
	hostlist_set_groups_file(NULL);
	if (asprintf(&cmd, "rm -rf '%s'", tmpdir) > 0) {
		if (system(cmd) != 0)
			fprintf(stderr, "cannot remove %s\n", tmpdir);
		free(cmd);
	}
	return (0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_expand_padding_start_bound),
		cmocka_unit_test(test_expand_brackets),
		cmocka_unit_test(test_expand_lists),
		cmocka_unit_test(test_expand_duplicates),
		cmocka_unit_test(test_expand_exclusion),
		cmocka_unit_test(test_expand_errors),
		cmocka_unit_test(test_expand_name_length),
		cmocka_unit_test(test_add_is_atomic),
		cmocka_unit_test(test_remove),
		cmocka_unit_test(test_push_find),
		cmocka_unit_test(test_files),
		cmocka_unit_test(test_groups),
		cmocka_unit_test(test_limit),
		cmocka_unit_test(test_fold_research_table),
		cmocka_unit_test(test_fold_more),
		cmocka_unit_test(test_fold_list),
		cmocka_unit_test(test_fold_dshbak),
		cmocka_unit_test(test_fold_speed),
		cmocka_unit_test(test_natural_cmp),
		cmocka_unit_test(test_hash),
		cmocka_unit_test(test_expand_ranges),
	};

	return (cmocka_run_group_tests(tests, setup, teardown));
}
