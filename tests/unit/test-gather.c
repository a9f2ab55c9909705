/*
 * test-gather.c -- grouping identical results: keys (state, status, signal,
 * stdout, stderr), group order, interning (memory follows distinct
 * content), streaming vs whole results, live replacement, limits, and the
 * three print formats.
 */

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gather.h"

/* Print G with FLAGS into a malloc'd string. */
static char *
print_str(struct gather *g, int flags)
{
	char	*buf = NULL;
	size_t	 len = 0;
	FILE	*f;

	f = open_memstream(&buf, &len);
	assert_non_null(f);
	gather_print(g, f, flags);
	fclose(f);
	return (buf);
}

static void
set_out(struct gather *g, const char *host, const char *out)
{
	gather_set(g, host, NULL, 0, NULL, out, strlen(out), NULL, 0);
}

static void
test_empty(void **state)
{
	struct gather	*g;
	char		*s;

	(void)state;
	g = gather_create();
	assert_int_equal(gather_ngroups(g), 0);
	assert_int_equal(gather_nhosts(g), 0);
	assert_null(gather_group(g, 0));
	assert_int_equal(gather_host_group(g, "x"), -1);
	s = print_str(g, 0);
	assert_string_equal(s, "");
	free(s);
	s = print_str(g, GATHER_PRINT_DSHBAK);
	assert_string_equal(s, "");
	free(s);
	gather_free(g);
	gather_free(NULL);
}

static void
test_basic_groups(void **state)
{
	struct gather			*g;
	const struct gather_group	*gg;

	(void)state;
	g = gather_create();
	set_out(g, "node3", "a\n");
	set_out(g, "node10", "b\n");
	set_out(g, "node1", "a\n");
	set_out(g, "node2", "a\n");
	set_out(g, "node9", "b\n");
	set_out(g, "login1", "c\n");
	assert_int_equal(gather_nhosts(g), 6);
	assert_int_equal(gather_ngroups(g), 3);

	gg = gather_group(g, 0);
	assert_string_equal(gg->hosts, "node[1-3]");
	assert_int_equal(gg->nhosts, 3);
	assert_string_equal(gg->names[0], "node1");
	assert_string_equal(gg->names[2], "node3");
	assert_int_equal(gg->outlen, 2);
	assert_memory_equal(gg->out, "a\n", 3);
	assert_int_equal(gg->errlen, 0);
	assert_string_equal(gg->err, "");
	assert_null(gg->state);
	assert_int_equal(gg->status, 0);

	gg = gather_group(g, 1);
	assert_string_equal(gg->hosts, "node[9-10]");
	assert_string_equal(gg->names[0], "node9");
	gg = gather_group(g, 2);
	assert_string_equal(gg->hosts, "login1");
	assert_null(gather_group(g, 3));

	assert_int_equal(gather_host_group(g, "node2"), 0);
	assert_int_equal(gather_host_group(g, "node10"), 1);
	assert_int_equal(gather_host_group(g, "login1"), 2);
	assert_int_equal(gather_host_group(g, "nope"), -1);
	gather_free(g);
}

static void
test_order_ties(void **state)
{
	struct gather	*g;

	(void)state;
	/* Same size: natural order of the first host (n2 before n10). */
	g = gather_create();
	set_out(g, "n10", "x\n");
	set_out(g, "n11", "x\n");
	set_out(g, "n2", "y\n");
	set_out(g, "n20", "y\n");
	set_out(g, "a5", "z\n");
	set_out(g, "b1", "w\n");
	assert_int_equal(gather_ngroups(g), 4);
	assert_string_equal(gather_group(g, 0)->hosts, "n[2,20]");
	assert_string_equal(gather_group(g, 1)->hosts, "n[10-11]");
	assert_string_equal(gather_group(g, 2)->hosts, "a5");
	assert_string_equal(gather_group(g, 3)->hosts, "b1");
	gather_free(g);
}

static void
test_key_fields(void **state)
{
	struct gather			*g;
	const struct gather_group	*gg;
	size_t				 i;

	(void)state;
	g = gather_create();
	gather_set(g, "n1", NULL, 0, NULL, "x\n", 2, NULL, 0);
	gather_set(g, "n2", "ok", 0, NULL, "x\n", 2, NULL, 0);	/* = n1 */
	gather_set(g, "n3", NULL, 1, NULL, "x\n", 2, NULL, 0);
	gather_set(g, "n4", NULL, 1, NULL, "x\n", 2, NULL, 0);
	gather_set(g, "n5", "timed-out", -1, NULL, "x\n", 2, NULL, 0);
	gather_set(g, "n6", NULL, -1, "KILL", "x\n", 2, NULL, 0);
	gather_set(g, "n7", NULL, 0, NULL, "x\n", 2, "warn\n", 5);
	gather_set(g, "n8", "unreachable", -1, NULL, NULL, 0, NULL, 0);
	gather_set(g, "n9", "unreachable", -1, NULL, NULL, 0, NULL, 0);
	assert_int_equal(gather_ngroups(g), 6);
	assert_string_equal(gather_group(g, 0)->hosts, "n[1-2]");
	assert_string_equal(gather_group(g, 1)->hosts, "n[3-4]");
	assert_int_equal(gather_group(g, 1)->status, 1);
	assert_string_equal(gather_group(g, 2)->hosts, "n[8-9]");
	assert_string_equal(gather_group(g, 2)->state, "unreachable");
	for (i = 3; i < 6; i++) {
		gg = gather_group(g, i);
		if (strcmp(gg->hosts, "n5") == 0)
			assert_string_equal(gg->state, "timed-out");
		else if (strcmp(gg->hosts, "n6") == 0)
			assert_string_equal(gg->sig, "KILL");
		else {
			assert_string_equal(gg->hosts, "n7");
			assert_int_equal(gg->errlen, 5);
			assert_string_equal(gg->err, "warn\n");
		}
	}
	gather_free(g);
}

static void
test_interning(void **state)
{
	struct gather		*g;
	struct gather_stats	 st;
	char			 host[32], *out[5], line[64];
	size_t			 i, v, len[5];

	(void)state;
	/* 5 distinct outputs of 100 lines each, on 1000 hosts. */
	for (v = 0; v < 5; v++) {
		out[v] = malloc(100 * 64);
		assert_non_null(out[v]);
		len[v] = 0;
		for (i = 0; i < 100; i++) {
			snprintf(line, sizeof line, "variant %zu line %zu\n",
			    v, i);
			memcpy(out[v] + len[v], line, strlen(line));
			len[v] += strlen(line);
		}
	}
	g = gather_create();
	for (i = 0; i < 1000; i++) {
		snprintf(host, sizeof host, "node%04zu", i);
		gather_set(g, host, NULL, 0, NULL, out[i % 5], len[i % 5],
		    NULL, 0);
	}
	gather_stats(g, &st);
	assert_int_equal(st.hosts, 1000);
	assert_int_equal(st.segments, 500);
	assert_int_equal(st.sequences, 500);
	assert_int_equal(st.segment_bytes,
	    len[0] + len[1] + len[2] + len[3] + len[4]);
	assert_int_equal(gather_ngroups(g), 5);
	assert_int_equal(gather_group(g, 0)->nhosts, 200);
	assert_int_equal(gather_group(g, 0)->outlen, len[0]);
	assert_memory_equal(gather_group(g, 0)->out, out[0], len[0]);

	/* The same lines in another order share segments, not sequences. */
	gather_set(g, "extra", NULL, 0, NULL, out[1], len[1], out[0], len[0]);
	gather_stats(g, &st);
	assert_int_equal(st.segments, 500);
	assert_int_equal(st.sequences, 500);
	assert_int_equal(gather_ngroups(g), 6);
	gather_free(g);
	for (v = 0; v < 5; v++)
		free(out[v]);
}

/* Append DATA to HOST in pieces of the sizes in CUTS, cycling. */
static void
append_cut(struct gather *g, const char *host, int stream, const char *data,
    size_t len, const size_t *cuts, size_t ncuts)
{
	size_t	at = 0, i = 0, n;

	while (at < len) {
		n = cuts[i++ % ncuts];
		if (n > len - at)
			n = len - at;
		gather_append(g, host, stream, data + at, n);
		at += n;
	}
}

static void
test_streaming_equals_whole(void **state)
{
	struct gather			*g;
	const struct gather_group	*gg;
	struct gather_stats		 st;
	static const size_t		 cuts1[] = { 1 }, cuts2[] = { 7, 4096,
					     3, 5000 }, cuts3[] = { 100000 };
	static const char		 end[] =
					     "nul\0byte \377\376\n\n\nlast, no newline";
	char				*data;
	size_t				 len = 0, i;

	(void)state;
	/* Short lines, a 10 kB line, NULs and 8-bit bytes, no final \n. */
	data = malloc(20000);
	assert_non_null(data);
	len += (size_t)sprintf(data, "first line\nsecond\n");
	memset(data + len, 'L', 10000);
	len += 10000;
	data[len++] = '\n';
	memcpy(data + len, end, sizeof end - 1);
	len += sizeof end - 1;

	g = gather_create();
	gather_set(g, "whole", "cancelled", 3, NULL, data, len, "e\n", 2);
	append_cut(g, "bytes", GATHER_STDOUT, data, len, cuts1, 1);
	append_cut(g, "mixed", GATHER_STDOUT, data, len, cuts2, 4);
	append_cut(g, "big", GATHER_STDOUT, data, len, cuts3, 1);
	gather_append(g, "bytes", GATHER_STDERR, "e", 1);
	gather_append(g, "bytes", GATHER_STDERR, "\n", 1);
	gather_append(g, "mixed", GATHER_STDERR, "e\n", 2);
	gather_append(g, "big", GATHER_STDERR, "e\n", 2);
	/* Not finished yet: a separate group. */
	assert_int_equal(gather_ngroups(g), 2);
	assert_int_equal(gather_group(g, 0)->nhosts, 3);
	for (i = 0; i < 3; i++) {
		gather_set_state(g, i == 0 ? "bytes" : i == 1 ? "mixed" : "big",
		    "cancelled", 3, NULL);
	}
	assert_int_equal(gather_ngroups(g), 1);
	gg = gather_group(g, 0);
	assert_string_equal(gg->hosts, "big,bytes,mixed,whole");
	assert_int_equal(gg->outlen, len);
	assert_memory_equal(gg->out, data, len);
	assert_string_equal(gg->state, "cancelled");
	assert_int_equal(gg->status, 3);

	/* A different unfinished tail is a different group. */
	gather_append(g, "big", GATHER_STDOUT, "!", 1);
	assert_int_equal(gather_ngroups(g), 2);
	assert_int_equal(gather_group(g, 1)->outlen, len + 1);

	gather_stats(g, &st);
	/* 4 KiB cuts of the long line are shared too. */
	assert_true(st.segment_bytes < 2 * len);
	gather_free(g);
	free(data);
}

static void
test_append_line(void **state)
{
	struct gather			*g;
	const struct gather_group	*gg;
	char				 big[5000];

	(void)state;
	g = gather_create();
	/* The host name is the first HOSTLEN bytes only. */
	gather_append_line(g, "n1: junk", 2, GATHER_STDOUT, "a\n", 2);
	gather_append_line(g, "n1", 2, GATHER_STDOUT, "b\n", 2);
	gather_append(g, "n2", GATHER_STDOUT, "a\nb\n", 4);
	/* After an unfinished tail, lines still join correctly. */
	gather_append(g, "n3", GATHER_STDOUT, "a", 1);
	gather_append_line(g, "n3", 2, GATHER_STDOUT, "\n", 1);
	gather_append_line(g, "n3", 2, GATHER_STDOUT, "b\n", 2);
	assert_int_equal(gather_ngroups(g), 1);
	gg = gather_group(g, 0);
	assert_string_equal(gg->hosts, "n[1-3]");
	assert_string_equal(gg->out, "a\nb\n");

	/* Lines longer than a segment, and stderr. */
	memset(big, 'x', sizeof big - 1);
	big[sizeof big - 1] = '\n';
	gather_append_line(g, "n4", 2, GATHER_STDERR, big, sizeof big);
	gather_append(g, "n5", GATHER_STDERR, big, sizeof big);
	assert_int_equal(gather_ngroups(g), 2);
	gg = gather_group(g, 1);
	assert_string_equal(gg->hosts, "n[4-5]");
	assert_int_equal(gg->errlen, sizeof big);
	assert_int_equal(gg->outlen, 0);

	/* With a limit, the line is cut like any other append. */
	gather_set_limit(g, 3);
	gather_append_line(g, "n6", 2, GATHER_STDOUT, "abcdef\n", 7);
	gather_ngroups(g);
	assert_int_equal(gather_group(g, (size_t)gather_host_group(g,
	    "n6"))->outlen, 3);
	gather_free(g);
}

static void
test_live_replacement(void **state)
{
	struct gather			*g;
	const struct gather_group	*gg;
	uint64_t			 gen;
	char				 host[16];
	int				 i;

	(void)state;
	g = gather_create();
	for (i = 1; i <= 4; i++) {
		snprintf(host, sizeof host, "n%d", i);
		gather_set(g, host, "running", -1, NULL, NULL, 0, NULL, 0);
	}
	assert_int_equal(gather_ngroups(g), 1);
	gg = gather_group(g, 0);
	assert_string_equal(gg->hosts, "n[1-4]");
	assert_string_equal(gg->state, "running");

	gen = gather_generation(g);
	gather_set(g, "n2", NULL, 0, NULL, "done\n", 5, NULL, 0);
	assert_true(gather_generation(g) != gen);
	gather_set(g, "n4", NULL, 0, NULL, "done\n", 5, NULL, 0);
	assert_int_equal(gather_ngroups(g), 2);
	assert_string_equal(gather_group(g, 0)->hosts, "n[1,3]");
	assert_string_equal(gather_group(g, 1)->hosts, "n[2,4]");

	/* Streaming, then finishing with a state: output is kept. */
	gather_append(g, "n1", GATHER_STDOUT, "do", 2);
	gather_append(g, "n1", GATHER_STDOUT, "ne\n", 3);
	gather_set_state(g, "n1", NULL, 0, NULL);
	assert_int_equal(gather_ngroups(g), 2);
	assert_string_equal(gather_group(g, 0)->hosts, "n[1-2,4]");
	assert_string_equal(gather_group(g, 1)->hosts, "n3");

	/* Replacing a result drops the old output. */
	gather_set(g, "n1", NULL, 2, NULL, "other\n", 6, NULL, 0);
	assert_int_equal(gather_ngroups(g), 3);
	assert_int_equal(gather_host_group(g, "n1"), 1);

	/* Removing and re-adding starts from nothing. */
	gather_remove(g, "n3");
	gather_remove(g, "n3");
	gather_remove(g, "never");
	assert_int_equal(gather_nhosts(g), 3);
	assert_int_equal(gather_ngroups(g), 2);
	assert_int_equal(gather_host_group(g, "n3"), -1);
	gather_append(g, "n3", GATHER_STDOUT, "done\n", 5);
	gather_set_state(g, "n3", NULL, 0, NULL);
	assert_int_equal(gather_ngroups(g), 2);
	assert_string_equal(gather_group(g, 0)->hosts, "n[2-4]");
	gather_free(g);
}

static void
test_limit(void **state)
{
	struct gather			*g;
	const struct gather_group	*gg;
	char				*s;

	(void)state;
	g = gather_create();
	gather_set_limit(g, 10);
	gather_append(g, "n1", GATHER_STDOUT, "0123456", 7);
	gather_append(g, "n1", GATHER_STDOUT, "789abcdef\n", 10);
	gather_set(g, "n2", NULL, 0, NULL, "0123456789abcdef\n", 17, NULL, 0);
	gather_set(g, "n3", NULL, 0, NULL, "0123456789", 10, NULL, 0);
	gather_set_state(g, "n1", NULL, 0, NULL);
	assert_int_equal(gather_ngroups(g), 2);
	gg = gather_group(g, 0);
	assert_string_equal(gg->hosts, "n[1-2]");
	assert_int_equal(gg->outlen, 10);
	assert_true(gg->flags & GATHER_OUT_TRUNCATED);
	assert_false(gather_group(g, 1)->flags & GATHER_OUT_TRUNCATED);
	s = print_str(g, 0);
	assert_string_equal(s,
	    "----------------\n"
	    "n[1-2] (2)\n"
	    "----------------\n"
	    "0123456789\n"
	    "\\ No newline at end of output\n"
	    "[... output truncated after 10 bytes]\n"
	    "----------------\n"
	    "n3\n"
	    "----------------\n"
	    "0123456789\n"
	    "\\ No newline at end of output\n");
	free(s);
	gather_free(g);
}

static void
test_print_default(void **state)
{
	struct gather	*g;
	char		*s;

	(void)state;
	g = gather_create();
	gather_set(g, "node01", NULL, 0, NULL, "a\n", 2, NULL, 0);
	gather_set(g, "node02", NULL, 0, NULL, "a\n", 2, NULL, 0);
	gather_set(g, "node05", NULL, 0, NULL, "a\n", 2, NULL, 0);
	gather_set(g, "node03", NULL, 1, NULL, "b\n", 2, "oops\n", 5);
	gather_set(g, "node07", NULL, 1, NULL, "b\n", 2, "oops\n", 5);
	gather_set(g, "node09", "unreachable", -1, NULL, NULL, 0, NULL, 0);
	gather_set(g, "node10", "timed-out", 124, "TERM", "partial", 7,
	    NULL, 0);
	s = print_str(g, 0);
	assert_string_equal(s,
	    "----------------\n"
	    "node[01-02,05] (3)\n"
	    "----------------\n"
	    "a\n"
	    "----------------\n"
	    "node[03,07] (2)  exit 1\n"
	    "----------------\n"
	    "b\n"
	    "--- stderr ---\n"
	    "oops\n"
	    "----------------\n"
	    "node09  unreachable\n"
	    "----------------\n"
	    "----------------\n"
	    "node10  timed-out, exit 124, signal TERM\n"
	    "----------------\n"
	    "partial\n"
	    "\\ No newline at end of output\n");
	free(s);
	s = print_str(g, GATHER_PRINT_NOSTDERR);
	assert_null(strstr(s, "oops"));
	free(s);
	gather_free(g);
}

static void
test_print_dshbak(void **state)
{
	struct gather	*g;
	char		*s;

	(void)state;
	g = gather_create();
	set_out(g, "n3", "a\n");
	set_out(g, "n2", "b\n");
	set_out(g, "n1", "a\n");
	set_out(g, "n1-eth0", "c\n");
	set_out(g, "n2-eth0", "c\n");
	set_out(g, "rack1-n01", "d\n");
	set_out(g, "rack1-n02", "d\n");
	set_out(g, "rack2-n01", "d\n");
	set_out(g, "rack2-n02", "d\n");
	set_out(g, "empty", "");
	gather_append(g, "nonl", GATHER_STDOUT, "x", 1);
	s = print_str(g, GATHER_PRINT_DSHBAK);
	/* dshbak order: by the trailing number of each block's first host. */
	assert_string_equal(s,
	    "----------------\n"
	    "n1-eth0,n2-eth0\n"
	    "----------------\n"
	    "c\n"
	    "----------------\n"
	    "nonl\n"
	    "----------------\n"
	    "x\n"
	    "----------------\n"
	    "n[1,3]\n"
	    "----------------\n"
	    "a\n"
	    "----------------\n"
	    "rack1-n[01-02],rack2-n[01-02]\n"
	    "----------------\n"
	    "d\n"
	    "----------------\n"
	    "n2\n"
	    "----------------\n"
	    "b\n");
	free(s);

	s = print_str(g, GATHER_PRINT_PERHOST);
	assert_string_equal(s,
	    "----------------\n"
	    "n1-eth0\n"
	    "----------------\n"
	    "c\n"
	    "----------------\n"
	    "n2-eth0\n"
	    "----------------\n"
	    "c\n"
	    "----------------\n"
	    "nonl\n"
	    "----------------\n"
	    "x\n"
	    "----------------\n"
	    "n1\n"
	    "----------------\n"
	    "a\n"
	    "----------------\n"
	    "rack1-n01\n"
	    "----------------\n"
	    "d\n"
	    "----------------\n"
	    "rack2-n01\n"
	    "----------------\n"
	    "d\n"
	    "----------------\n"
	    "n2\n"
	    "----------------\n"
	    "b\n"
	    "----------------\n"
	    "rack1-n02\n"
	    "----------------\n"
	    "d\n"
	    "----------------\n"
	    "rack2-n02\n"
	    "----------------\n"
	    "d\n"
	    "----------------\n"
	    "n3\n"
	    "----------------\n"
	    "a\n");
	free(s);
	gather_free(g);
}

static void
test_many_hosts_many_groups(void **state)
{
	struct gather	*g;
	char		 host[32], out[32];
	size_t		 i, prev;

	(void)state;
	g = gather_create();
	/* Group k has k+1 hosts: order must be by size. */
	for (i = 0; i < 5050; i++) {
		size_t k = 0, t = 0;

		while (t + k + 1 <= i) {
			t += k + 1;
			k++;
		}
		snprintf(host, sizeof host, "h%zu", i);
		snprintf(out, sizeof out, "%zu\n", k);
		gather_set(g, host, NULL, 0, NULL, out, strlen(out), NULL, 0);
	}
	assert_int_equal(gather_ngroups(g), 100);
	prev = SIZE_MAX;
	for (i = 0; i < 100; i++) {
		assert_true(gather_group(g, i)->nhosts < prev);
		prev = gather_group(g, i)->nhosts;
	}
	assert_int_equal(gather_group(g, 0)->nhosts, 100);
	assert_string_equal(gather_group(g, 0)->hosts, "h[4950-5049]");
	gather_free(g);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_basic_groups),
		cmocka_unit_test(test_order_ties),
		cmocka_unit_test(test_key_fields),
		cmocka_unit_test(test_interning),
		cmocka_unit_test(test_streaming_equals_whole),
		cmocka_unit_test(test_append_line),
		cmocka_unit_test(test_live_replacement),
		cmocka_unit_test(test_limit),
		cmocka_unit_test(test_print_default),
		cmocka_unit_test(test_print_dshbak),
		cmocka_unit_test(test_many_hosts_many_groups),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
