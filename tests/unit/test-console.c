/*
 * test-console.c -- the command console's model: target and folding, live
 * blocks (running, exit status, unreachable, cancelled), display rows, the
 * line diff, history, the escaping of node output, copy (OSC 52) and the
 * saved file.
 */

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "console.h"

static const char *const all8[] = {
	"node01", "node02", "node03", "node04", "node05", "node06", "node07",
	"node08"
};

static struct engine_job_result
result(enum job_node_state st, int status, const char *out)
{
	struct engine_job_result	r;

	memset(&r, 0, sizeof r);
	r.state = st;
	r.node_state = NODE_UP;
	r.exit_status = status;
	r.out = out;
	r.outlen = strlen(out);
	r.err = "";
	return (r);
}

static struct console *
started(const char *cmd)
{
	struct console	*c = console_create();

	assert_int_equal(console_set_target(c, NULL, 0, all8, 8), 8);
	assert_int_equal(console_begin(c, cmd, 1000, 0), 0);
	return (c);
}

static void
test_target(void **state)
{
	struct console		*c = console_create();
	const char *const	 sel[] = { "node04", "node02", "node03" };

	(void)state;
	assert_int_equal(console_set_target(c, NULL, 0, all8, 8), 8);
	assert_string_equal(c->next_fold, "node[01-08]");
	assert_int_equal(c->next_all, 1);
	assert_int_equal(console_set_target(c, sel, 3, all8, 8), 3);
	assert_string_equal(c->next_fold, "node[02-04]");
	assert_int_equal(c->next_all, 0);
	assert_int_equal(console_ntarget(c), 3);
	/* No command, or only blanks: nothing starts. */
	assert_int_equal(console_begin(c, "  ", 0, 0), -1);
	assert_int_equal(console_begin(c, NULL, 0, 0), -1);
	assert_int_equal(console_running(c), 0);
	assert_int_equal(console_begin(c, "uptime", 0, 0), 0);
	assert_int_equal(console_running(c), 1);
	assert_int_equal(console_nrun(c), 3);
	assert_string_equal(c->run_fold, "node[02-04]");
	console_free(c);
}

static void
test_blocks_live(void **state)
{
	struct console			*c = started("uname -r");
	const struct gather_group	*g;
	struct engine_job_result	 r;
	char				 st[64];
	size_t				 i;

	(void)state;
	/* Everything running: one block. */
	assert_int_equal(console_nblocks(c), 1);
	g = console_block(c, 0);
	assert_string_equal(g->state, "running");
	assert_int_equal(g->nhosts, 8);

	/* Output streams in; node03 differs; node05 fails with 3. */
	for (i = 0; i < 8; i++) {
		console_output(c, all8[i], GATHER_STDOUT, "6.1", 3);
		console_output(c, all8[i], GATHER_STDOUT, i == 2 ? "-odd\n" :
		    "-ok\n", i == 2 ? 5 : 4);
	}
	for (i = 0; i < 7; i++) {
		r = result(JOB_NODE_DONE, i == 4 ? 3 : 0, i == 2 ? "6.1-odd\n" :
		    "6.1-ok\n");
		console_node_done(c, all8[i], &r);
	}
	/* node08 still running, with its output so far. */
	assert_int_equal(console_nblocks(c), 4);
	g = console_block(c, 0);
	assert_string_equal(g->hosts, "node[01-02,04,06-07]");
	assert_int_equal(g->nhosts, 5);
	assert_null(g->state);
	console_block_status(g, st, sizeof st);
	assert_string_equal(st, "exit 0");
	for (i = 1; i < 4; i++) {
		g = console_block(c, i);
		console_block_status(g, st, sizeof st);
		if (strcmp(g->hosts, "node05") == 0)
			assert_string_equal(st, "exit 3");
		else if (strcmp(g->hosts, "node08") == 0)
			assert_string_equal(st, "running");
		else {
			assert_string_equal(g->hosts, "node03");
			assert_string_equal(st, "exit 0");
		}
	}
	assert_int_equal(c->nended, 7);
	assert_int_equal(console_running(c), 1);

	/* A node that was never reached is a block of its own. */
	r = result(JOB_NODE_FAILED, -1, "");
	r.node_state = NODE_UNREACHABLE;
	console_node_done(c, "node08", &r);
	console_finish(c, 2500);
	assert_int_equal(console_running(c), 0);
	assert_int_equal(c->end_ms - c->start_ms, 1500);
	g = console_block(c, 3);
	assert_string_equal(g->hosts, "node08");
	console_block_status(g, st, sizeof st);
	assert_string_equal(st, "unreachable");
	/* Output after the end, or for a stranger, is ignored. */
	console_output(c, "node08", GATHER_STDOUT, "late\n", 5);
	console_output(c, "nodeXX", GATHER_STDOUT, "x\n", 2);
	assert_int_equal(console_nblocks(c), 4);
	console_free(c);
}

static void
test_cancelled(void **state)
{
	struct console			*c = started("sleep 100");
	struct engine_job_result	 r;
	const struct gather_group	*g;
	char				 st[64];
	size_t				 i;

	(void)state;
	for (i = 0; i < 8; i++) {
		r = result(JOB_NODE_CANCELLED, -1, "");
		r.exit_signal = "TERM";
		console_node_done(c, all8[i], &r);
	}
	c->cancelled = 1;
	console_finish(c, 1200);
	assert_int_equal(console_nblocks(c), 1);
	g = console_block(c, 0);
	console_block_status(g, st, sizeof st);
	assert_string_equal(st, "cancelled (killed), signal TERM");
	console_free(c);
}

/* A session lost mid-command is "connection lost", never "unreachable". */
static void
test_lost(void **state)
{
	struct engine_job_result	 r;

	(void)state;
	r = result(JOB_NODE_FAILED, -1, "");
	r.node_state = NODE_UNREACHABLE;
	assert_string_equal(console_state_label(&r), "unreachable");
	r.lost = 1;
	assert_string_equal(console_state_label(&r), "connection lost");
	r.lost = 0;
	r.node_state = NODE_RECONNECTING;
	assert_string_equal(console_state_label(&r), "connection lost");
	r.node_state = NODE_UP;
	assert_string_equal(console_state_label(&r), "failed");
}

static void
test_rows(void **state)
{
	struct console			*c = started("x");
	struct engine_job_result	 r;
	const struct console_row	*rows;
	size_t				 n, i;

	(void)state;
	for (i = 0; i < 8; i++) {
		r = result(JOB_NODE_DONE, 0, i == 0 ? "" : "a\nb\nc");
		if (i == 1) {
			r.err = "warn\n";
			r.errlen = 5;
		}
		console_node_done(c, all8[i], &r);
	}
	rows = console_rows(c, &n);
	/* Block 0: node[03-08], 3 lines (the last without '\n'). */
	assert_int_equal(rows[0].kind, CONSOLE_ROW_HEADER);
	assert_int_equal(rows[1].kind, CONSOLE_ROW_OUT);
	assert_int_equal(rows[1].len, 1);
	assert_memory_equal(rows[3].text, "c", 1);
	assert_int_equal(rows[4].kind, CONSOLE_ROW_BLANK);
	/* The others: node01 (no output) and node02 (stderr), by name. */
	assert_int_equal(console_block_first_row(c, 1), 5);
	assert_int_equal(rows[5].kind, CONSOLE_ROW_HEADER);
	assert_int_equal(rows[6].kind, CONSOLE_ROW_NOTE);
	assert_int_equal(rows[8].kind, CONSOLE_ROW_HEADER);
	assert_int_equal(rows[12].kind, CONSOLE_ROW_ERRMARK);
	assert_int_equal(rows[13].kind, CONSOLE_ROW_ERR);
	assert_int_equal(n, 15);
	/* Unchanged results: the same rows, not rebuilt. */
	assert_ptr_equal(console_rows(c, &i), rows);
	assert_int_equal(i, n);
	console_free(c);
}

static void
test_diff_text(void **state)
{
	struct console_diff_line	*d;
	const char			*a = "1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n";
	const char			*b = "1\n2\n3\n4\nfive\n6\n7\n8\n9\n10\n11\n";
	size_t				 n;
	int				 approx;

	(void)state;
	d = console_diff_text(a, strlen(a), b, strlen(b), 1, &n, &approx);
	assert_int_equal(approx, 0);
	/* ~3, 4, -5, +five, 6, ~3, 10, +11 */
	assert_int_equal(n, 8);
	assert_int_equal(d[0].op, '~');
	assert_int_equal(d[0].skipped, 3);
	assert_int_equal(d[1].op, ' ');
	assert_memory_equal(d[1].text, "4", 1);
	assert_int_equal(d[2].op, '-');
	assert_memory_equal(d[2].text, "5", 1);
	assert_int_equal(d[3].op, '+');
	assert_memory_equal(d[3].text, "five", 4);
	assert_int_equal(d[4].op, ' ');
	assert_int_equal(d[5].op, '~');
	assert_int_equal(d[5].skipped, 3);
	assert_int_equal(d[6].op, ' ');
	assert_memory_equal(d[6].text, "10", 2);
	assert_int_equal(d[7].op, '+');
	assert_memory_equal(d[7].text, "11", 2);
	free(d);

	/* A line moved: LCS keeps the most lines equal. */
	d = console_diff_text("a\nb\nc\n", 6, "b\nc\na\n", 6, 3, &n, &approx);
	assert_int_equal(n, 4);
	assert_int_equal(d[0].op, '-');
	assert_int_equal(d[1].op, ' ');
	assert_int_equal(d[2].op, ' ');
	assert_int_equal(d[3].op, '+');
	free(d);

	/* Equal texts: one cut; empty against text: all added. */
	d = console_diff_text(a, strlen(a), a, strlen(a), 3, &n, &approx);
	assert_int_equal(n, 1);
	assert_int_equal(d[0].op, '~');
	assert_int_equal(d[0].skipped, 10);
	free(d);
	d = console_diff_text("", 0, "x\ny\n", 4, 3, &n, &approx);
	assert_int_equal(n, 2);
	assert_int_equal(d[0].op, '+');
	assert_int_equal(d[1].op, '+');
	free(d);
}

static void
test_diff_blocks(void **state)
{
	struct console			*c = started("x");
	struct engine_job_result	 r;
	const struct console_diff_line	*d;
	size_t				 n, i;

	(void)state;
	for (i = 0; i < 8; i++) {
		r = result(JOB_NODE_DONE, i == 7 ? 1 : 0, i == 7 ? "a\nB\n" :
		    "a\nb\n");
		if (i == 7) {
			r.err = "oops\n";
			r.errlen = 5;
		}
		console_node_done(c, all8[i], &r);
	}
	assert_null(console_diff(c, 0, &n));
	d = console_diff(c, 1, &n);
	assert_non_null(d);
	/* a, -b, +B, +--- stderr ---, +oops */
	assert_int_equal(n, 5);
	assert_int_equal(d[1].op, '-');
	assert_memory_equal(d[1].text, "b", 1);
	assert_int_equal(d[2].op, '+');
	assert_memory_equal(d[2].text, "B", 1);
	assert_int_equal(d[3].op, '+');
	assert_memory_equal(d[3].text, "--- stderr ---", 14);
	/* Cached until a result changes. */
	assert_ptr_equal(console_diff(c, 1, &i), d);
	console_free(c);
}

static void
test_history(void **state)
{
	struct console	*c = console_create();

	(void)state;
	assert_null(console_history_step(c, -1, "typed"));
	console_history_add(c, "one");
	console_history_add(c, "two");
	console_history_add(c, "two");		/* a repeat: kept once */
	console_history_add(c, "   ");		/* blank: not kept */
	assert_int_equal(c->nhist, 2);
	console_history_reset(c);
	assert_string_equal(console_history_step(c, -1, "typed"), "two");
	assert_string_equal(console_history_step(c, -1, "two"), "one");
	assert_null(console_history_step(c, -1, "one"));
	assert_string_equal(console_history_step(c, 1, "one"), "two");
	/* Back down to the line that was being typed. */
	assert_string_equal(console_history_step(c, 1, "two"), "typed");
	assert_null(console_history_step(c, 1, "typed"));
	console_free(c);

	c = console_create();
	for (int i = 0; i < CONSOLE_HISTORY_MAX + 10; i++) {
		char	buf[16];

		snprintf(buf, sizeof buf, "c%d", i);
		console_history_add(c, buf);
	}
	assert_int_equal(c->nhist, CONSOLE_HISTORY_MAX);
	assert_string_equal(c->hist[0], "c10");
	console_free(c);
}

static void
esc(const char *in, size_t len, int utf8, size_t skip, int max,
    const char *want, int want_cols, int want_cut)
{
	char	out[8 * 80 + 16];
	int	cut, cols;

	cols = console_escape(in, len, utf8, skip, max, out, sizeof out, &cut);
	assert_string_equal(out, want);
	assert_int_equal(cols, want_cols);
	assert_int_equal(cut, want_cut);
}

static void
test_escape(void **state)
{
	const char	*evil = "\033[2J\033]0;pwned\007\033[31mX";
	const char	*s;

	(void)state;
	/* No control byte comes out, whatever goes in. */
	esc(evil, strlen(evil), 1, 0, 80, "^[[2J^[]0;pwned^G^[[31mX", 24, 0);
	esc("a\rb\0c\177", 6, 1, 0, 80, "a^Mb^@c^?", 9, 0);
	/* C1 controls (CSI as U+009B), bidi overrides, invalid bytes. */
	esc("\302\233x", 3, 1, 0, 80, "\\u009bx", 7, 0);
	esc("\342\200\256x", 4, 1, 0, 80, "\\u202ex", 7, 0);
	esc("\377\300\257", 3, 1, 0, 80, "\\xff\\xc0\\xaf", 12, 0);
	esc("\355\240\200", 3, 1, 0, 80, "\\xed\\xa0\\x80", 12, 0);
	/* UTF-8 text stays; wide characters take two columns. */
	esc("h\303\251 \344\270\255", 7, 1, 0, 80, "h\303\251 \344\270\255",
	    5, 0);
	/* Without UTF-8, every byte >= 0x80 is escaped. */
	esc("\303\251", 2, 0, 0, 80, "\\xc3\\xa9", 8, 0);
	/* Tabs to the next multiple of 8. */
	esc("a\tb", 3, 1, 0, 80, "a       b", 9, 0);
	/* Cut on the right; scrolled on the left. */
	esc("abcdef", 6, 1, 0, 4, "abcd", 4, 1);
	esc("abcdef", 6, 1, 2, 80, "cdef", 4, 0);
	esc("\033x", 2, 1, 1, 80, " x", 2, 0);	/* half of "^[" */
	esc("\344\270\255\344\270\255", 6, 1, 0, 3, "\344\270\255", 2, 1);
	/* Nothing longer than the buffer, even with zero-width marks. */
	{
		char	 big[3000], out[64];
		int	 cut, i;

		for (i = 0; i < 1000; i++)
			memcpy(big + i * 3, "\314\201a", 3);
		console_escape(big, sizeof big, 1, 0, 200, out, sizeof out,
		    &cut);
		assert_true(strlen(out) < sizeof out);
		assert_int_equal(cut, 1);
	}
	s = "plain";
	esc(s, strlen(s), 1, 0, 80, "plain", 5, 0);
}

/* Random bytes, many times: nothing that a terminal would act on comes out. */
static void
test_escape_random(void **state)
{
	unsigned char	in[256];
	char		out[8 * 100 + 16];
	unsigned	seed = 12345;
	size_t		len, i, k;
	int		cut, cols, round;

	(void)state;
	for (round = 0; round < 20000; round++) {
		len = (size_t)(rand_r(&seed) % sizeof in);
		for (i = 0; i < len; i++) {
			/* Weighted towards ESC, C1 lead bytes and UTF-8. */
			switch (rand_r(&seed) % 6) {
			case 0:
				in[i] = 0x1b;
				break;
			case 1:
				in[i] = 0xc2;
				break;
			case 2:
				in[i] = (unsigned char)(0x80 + rand_r(&seed) % 64);
				break;
			default:
				in[i] = (unsigned char)(rand_r(&seed) % 256);
				break;
			}
		}
		cols = console_escape((const char *)in, len, round & 1,
		    (size_t)(rand_r(&seed) % 8), 100, out, sizeof out, &cut);
		assert_true(cols >= 0 && cols <= 100);
		k = strlen(out);
		assert_true(k < sizeof out);
		for (i = 0; i < k; i++) {
			unsigned char	c = (unsigned char)out[i];

			assert_true(c >= 0x20 && c != 0x7f);
			/* No C1 control encoded as UTF-8 (U+0080-U+009F). */
			if (c == 0xc2 && i + 1 < k)
				assert_true((unsigned char)out[i + 1] >= 0xa0);
			if (!(round & 1))
				assert_true(c < 0x80);
		}
	}
}

static void
test_copy_and_save(void **state)
{
	struct console			*c = started("hostname");
	struct engine_job_result	 r;
	char				*text, *osc, *buf = NULL;
	size_t				 len, blen = 0, i;
	FILE				*f;

	(void)state;
	for (i = 0; i < 8; i++) {
		r = result(JOB_NODE_DONE, i == 1 ? 2 : 0, i == 1 ? "bad" :
		    "good\n");
		console_node_done(c, all8[i], &r);
	}
	text = console_block_text(c, 1, &len);
	assert_string_equal(text, "node02 (1): exit 2\nbad\n");
	osc = console_osc52("hi!", 3);
	assert_string_equal(osc, "\033]52;c;aGkh\a");
	free(osc);
	osc = console_osc52("hi", 2);
	assert_string_equal(osc, "\033]52;c;aGk=\a");
	free(osc);
	free(text);

	f = open_memstream(&buf, &blen);
	assert_int_equal(console_save(c, f), 0);
	fclose(f);
	assert_non_null(strstr(buf, "# command: hostname\n"));
	assert_non_null(strstr(buf, "# nodes: node[01-08] (8)\n"));
	assert_non_null(strstr(buf, "==== node01: exit 0\ngood\n"
	    "==== node02: exit 2\nbad\n==== node03: exit 0\ngood\n"));
	free(buf);
	console_free(c);
}

static void
test_truncated(void **state)
{
	struct console			*c = started("seq 1 1000000");
	struct engine_job_result	 r;
	const struct gather_group	*g;
	size_t				 i;

	(void)state;
	for (i = 0; i < 8; i++) {
		r = result(JOB_NODE_DONE, 0, "1\n2\n3");
		r.out_truncated = 1;
		console_node_done(c, all8[i], &r);
	}
	g = console_block(c, 0);
	assert_string_equal(g->out,
	    "1\n2\n3\n[clustertop: output truncated at 5 bytes]\n");
	console_free(c);
}

/* Wrapping cuts at the width, keeps tabs' columns and whole characters. */
static void
test_wrap(void **state)
{
	const char	*s = "abcdefghij";
	const char	*cjk = "ab\xe4\xb8\xad\xe6\x96\x87x";	/* ab中文x */
	char		 out[8 * 80 + 16];
	size_t		 pos = 0, col = 0;
	int		 w;

	(void)state;
	w = console_escape_wrap(s, 10, 1, &pos, &col, 4, out, sizeof out);
	assert_int_equal(w, 4);
	assert_string_equal(out, "abcd");
	w = console_escape_wrap(s, 10, 1, &pos, &col, 4, out, sizeof out);
	assert_string_equal(out, "efgh");
	w = console_escape_wrap(s, 10, 1, &pos, &col, 4, out, sizeof out);
	assert_string_equal(out, "ij");
	assert_int_equal(pos, 10);
	assert_int_equal(console_escape_wrap(s, 10, 1, &pos, &col, 4, out,
	    sizeof out), 0);
	assert_int_equal(console_wrap_lines(s, 10, 1, 4), 3);
	assert_int_equal(console_wrap_lines(s, 10, 1, 10), 1);
	assert_int_equal(console_wrap_lines("", 0, 1, 10), 1);
	/* A wide character that does not fit goes whole to the next line. */
	pos = col = 0;
	console_escape_wrap(cjk, strlen(cjk), 1, &pos, &col, 3, out, sizeof out);
	assert_string_equal(out, "ab");
	console_escape_wrap(cjk, strlen(cjk), 1, &pos, &col, 3, out, sizeof out);
	assert_string_equal(out, "\xe4\xb8\xad");
	console_escape_wrap(cjk, strlen(cjk), 1, &pos, &col, 3, out, sizeof out);
	assert_string_equal(out, "\xe6\x96\x87x");
	/* A tab on the second line still ends at a multiple of 8. */
	pos = col = 0;
	console_escape_wrap("abcdef\tZ", 8, 1, &pos, &col, 5, out, sizeof out);
	assert_string_equal(out, "abcde");
	console_escape_wrap("abcdef\tZ", 8, 1, &pos, &col, 5, out, sizeof out);
	assert_string_equal(out, "f  Z");
	assert_int_equal(col, 9);
	/* Escapes wrap as the text they are drawn as, never split. */
	pos = col = 0;
	console_escape_wrap("a\033b", 3, 1, &pos, &col, 2, out, sizeof out);
	assert_string_equal(out, "a");
	console_escape_wrap("a\033b", 3, 1, &pos, &col, 2, out, sizeof out);
	assert_string_equal(out, "^[");
	/* Narrower than one escape: it is taken anyway, and the end is reached. */
	assert_int_equal(console_wrap_lines("\xff\xfe", 2, 1, 2), 2);
}

/* "-u SECONDS COMMAND" at the prompt. */
static void
test_parse_via(void **state)
{
	const char	*cmd;
	char		*cause = NULL;
	int		 via;

	(void)state;
	assert_int_equal(console_parse_via("uptime", &via, &cmd, &cause), 0);
	assert_int_equal(via, -1);
	assert_string_equal(cmd, "uptime");
	assert_int_equal(console_parse_via("  --via slurm -u 5 df", &via, &cmd,
	    &cause), 0);
	assert_int_equal(via, 1);
	assert_string_equal(cmd, "-u 5 df");
	assert_int_equal(console_parse_via("--via\tssh ls", &via, &cmd,
	    &cause), 0);
	assert_int_equal(via, 0);
	assert_string_equal(cmd, "ls");
	assert_int_equal(console_parse_via("--viaslurm ls", &via, &cmd,
	    &cause), 0);
	assert_int_equal(via, -1);
	assert_int_equal(console_parse_via("--via pigeon ls", &via, &cmd,
	    &cause), -1);
	assert_non_null(strstr(cause, "slurm or ssh"));
	free(cause);
	cause = NULL;
	assert_int_equal(console_parse_via("--via slurm  ", &via, &cmd,
	    &cause), -1);
	assert_non_null(strstr(cause, "and the command"));
	free(cause);
}

static void
test_parse_line(void **state)
{
	const char	*cmd;
	char		*cause = NULL;
	int		 ms;

	(void)state;
	assert_int_equal(console_parse_line("uptime", &ms, &cmd, &cause), 0);
	assert_int_equal(ms, -1);
	assert_string_equal(cmd, "uptime");
	assert_int_equal(console_parse_line("  -u 5 sleep 30", &ms, &cmd,
	    &cause), 0);
	assert_int_equal(ms, 5000);
	assert_string_equal(cmd, "sleep 30");
	assert_int_equal(console_parse_line("-u 0.5\tdf -h", &ms, &cmd,
	    &cause), 0);
	assert_int_equal(ms, 500);
	assert_string_equal(cmd, "df -h");
	assert_int_equal(console_parse_line("-u 0 make", &ms, &cmd, &cause), 0);
	assert_int_equal(ms, 0);
	/* Not the prefix: a command of its own that starts with -u... */
	assert_int_equal(console_parse_line("-uname", &ms, &cmd, &cause), 0);
	assert_int_equal(ms, -1);
	assert_string_equal(cmd, "-uname");
	/* ...and the errors. */
	assert_int_equal(console_parse_line("-u", &ms, &cmd, &cause), -1);
	assert_non_null(strstr(cause, "-u wants SECONDS"));
	free(cause);
	assert_int_equal(console_parse_line("-u ten ls", &ms, &cmd, &cause), -1);
	free(cause);
	assert_int_equal(console_parse_line("-u 5s ls", &ms, &cmd, &cause), -1);
	free(cause);
	assert_int_equal(console_parse_line("-u -3 ls", &ms, &cmd, &cause), -1);
	free(cause);
	assert_int_equal(console_parse_line("-u 5  ", &ms, &cmd, &cause), -1);
	assert_non_null(strstr(cause, "and the command?"));
	free(cause);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_target),
		cmocka_unit_test(test_parse_via),
		cmocka_unit_test(test_blocks_live),
		cmocka_unit_test(test_cancelled),
		cmocka_unit_test(test_lost),
		cmocka_unit_test(test_rows),
		cmocka_unit_test(test_diff_text),
		cmocka_unit_test(test_diff_blocks),
		cmocka_unit_test(test_history),
		cmocka_unit_test(test_escape),
		cmocka_unit_test(test_escape_random),
		cmocka_unit_test(test_copy_and_save),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_wrap),
		cmocka_unit_test(test_parse_line),
	};

	if (setlocale(LC_CTYPE, "C.UTF-8") == NULL)
		setlocale(LC_CTYPE, "en_US.UTF-8");
	return (cmocka_run_group_tests(tests, NULL, NULL));
}
