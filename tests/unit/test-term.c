/*
 * test-term.c -- the per-node terminal (src/term.c) and the broadcast
 * session model (src/broadcast.c): keys encoded per terminal mode, screen
 * hashes, pastes held, grouping, deaths and new shells.
 */

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <setjmp.h>
#include <cmocka.h>

#include "broadcast.h"
#include "term.h"

/* The output of T as a string (and cleared). */
static const char *
take(struct term *t)
{
	static char	buf[256];
	const char	*p;
	size_t		 len;

	p = term_output(t, &len);
	if (len >= sizeof buf)
		len = sizeof buf - 1;
	if (len > 0)
		memcpy(buf, p, len);
	buf[len] = '\0';
	term_output_done(t);
	return (buf);
}

static void
test_keys_follow_modes(void **state)
{
	struct term	*t = term_new(24, 80);

	(void)state;
	assert_non_null(t);
	term_key(t, TERM_KEY_UP, 0);
	assert_string_equal(take(t), "\033[A");
	/* DECCKM on (what vi and less send): application cursor keys. */
	term_feed(t, "\033[?1h", 5);
	term_key(t, TERM_KEY_UP, 0);
	assert_string_equal(take(t), "\033OA");
	term_key(t, TERM_KEY_LEFT, 0);
	assert_string_equal(take(t), "\033OD");
	term_feed(t, "\033[?1l", 5);
	term_key(t, TERM_KEY_DOWN, 0);
	assert_string_equal(take(t), "\033[B");
	term_key(t, TERM_KEY_F0 + 1, 0);
	assert_string_equal(take(t), "\033OP");
	term_char(t, 'x', 0);
	assert_string_equal(take(t), "x");
	term_key(t, TERM_KEY_NONE, 0);
	assert_string_equal(take(t), "");
	term_free(t);
}

static void
test_answers_go_to_the_node(void **state)
{
	struct term	*t = term_new(24, 80);

	(void)state;
	/* A cursor position report asked by the remote is answered. */
	term_feed(t, "abc\033[6n", 7);
	assert_string_equal(take(t), "\033[1;4R");
	term_free(t);
}

static void
test_screen_and_hash(void **state)
{
	struct term		*a = term_new(5, 20), *b = term_new(5, 20);
	struct term_cell	 c;
	char			 line[64];
	int			 r, k, v;

	(void)state;
	assert_int_equal(term_hash(a, NULL), term_hash(b, NULL));
	term_feed(a, "hello\r\nworld", 12);
	term_feed(b, "hello\r\n", 7);
	assert_int_not_equal(term_hash(a, NULL), term_hash(b, NULL));
	term_feed(b, "world", 5);
	assert_int_equal(term_hash(a, NULL), term_hash(b, NULL));
	term_row_text(a, 1, line, sizeof line);
	assert_string_equal(line, "world");
	term_cell(a, 0, 1, &c);
	assert_string_equal(c.ch, "e");
	term_cursor(a, &r, &k, &v);
	assert_int_equal(r, 1);
	assert_int_equal(k, 5);
	/* Same text, another attribute: another screen. */
	term_feed(a, "\033[1m!", 5);
	term_feed(b, "!", 1);
	assert_int_not_equal(term_hash(a, NULL), term_hash(b, NULL));
	term_cell(a, 1, 5, &c);
	assert_true(c.bold);
	/* UTF-8 in, UTF-8 out. */
	term_feed(b, "\xc3\xa9", 2);
	term_cell(b, 1, 6, &c);
	assert_string_equal(c.ch, "\xc3\xa9");
	term_resize(a, 10, 40);
	term_size(a, &r, &k);
	assert_int_equal(r, 10);
	assert_int_equal(k, 40);
	term_free(a);
	term_free(b);
}

/*
 * What a node can send that libvterm 0.1.4 gets wrong (tests/fuzz found
 * each): REP is done by term.c, a resize keeps the cursor and the scroll
 * region on the screen, and the screen is never narrower than 2 columns.
 */
static void
test_hostile_sequences(void **state)
{
	struct term	*t = term_new(4, 10);
	char		 line[64];
	int		 r, k, v;

	(void)state;
	/* REP before any character: nothing (libvterm looped forever). */
	term_feed(t, "\033[5b", 4);
	term_row_text(t, 0, line, sizeof line);
	assert_string_equal(line, "");
	/* REP repeats the last character, split across feeds too. */
	term_feed(t, "ab\033[", 4);
	term_feed(t, "3b|", 3);
	term_row_text(t, 0, line, sizeof line);
	assert_string_equal(line, "abbbb|");
	/* Not past the row: 4 cells left, 99 asked. */
	term_feed(t, "\033[99b", 5);
	term_row_text(t, 0, line, sizeof line);
	assert_string_equal(line, "abbbb|||||");
	/* A wide character at the last cell: no crash, the row is full. */
	term_feed(t, "\r\n\xe4\xb8\xad\033[;200H\033[b", 12);
	term_row_text(t, 1, line, sizeof line);
	assert_string_equal(line, "\xe4\xb8\xad");
	term_feed(t, "\033[2;1H\xe4\xb8\xad\033[9b", 13);
	term_row_text(t, 1, line, sizeof line);
	assert_string_equal(line, "\xe4\xb8\xad\xe4\xb8\xad\xe4\xb8\xad"
	    "\xe4\xb8\xad\xe4\xb8\xad");
	/* A private sequence ending in b is not REP. */
	term_feed(t, "\033[?5b", 5);
	/* Shrinking below the cursor and the scroll region. */
	term_feed(t, "\033[2;4r\033[4;1Hxyz\033", 13);
	term_resize(t, 2, 10);
	term_cursor(t, &r, &k, &v);
	assert_true(r >= 0 && r < 2 && k >= 0 && k < 10);
	term_feed(t, "[J\033M\033[L\n\n\n", 11);
	term_resize(t, 3, 1);
	term_size(t, &r, &k);
	assert_int_equal(k, TERM_MIN_COLS);
	term_feed(t, "\xe4\xb8\xad\xe4\xb8\xad", 6);
	term_free(t);
}

static void
test_memory(void **state)
{
	static const int	 sizes[][2] = { { 24, 80 }, { 10, 40 },
	    { 34, 120 }, { 50, 200 } };
	struct term		*t;
	size_t			 i, m;

	(void)state;
	for (i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		t = term_new(sizes[i][0], sizes[i][1]);
		m = term_mem(t);
		/* Measured numbers for docs/broadcast.md. */
		printf("# term %dx%d: %zu bytes in libvterm\n", sizes[i][1],
		    sizes[i][0], m);
		assert_true(m > (size_t)(sizes[i][0] * sizes[i][1]));
		term_free(t);
	}
}

static struct broadcast *
session(size_t n)
{
	static const char *const names[] = { "node01", "node02", "node03",
	    "node04" };
	size_t	idx[4] = { 0, 1, 2, 3 };
	int	node[4] = { 0, 1, 2, 3 };
	struct broadcast *b = broadcast_new(idx, node, names, n, 10, 40);
	size_t	i;

	assert_non_null(b);
	for (i = 0; i < n; i++)
		broadcast_shell_opened(b, i, (uint32_t)(100 + i));
	return (b);
}

static void
test_broadcast_keys(void **state)
{
	struct broadcast	*b = session(3);

	(void)state;
	assert_int_equal(broadcast_ntargets(b), 3);
	/* node02 runs vi: application cursor keys there only. */
	broadcast_data(b, 1, 101, "\033[?1h", 5);
	broadcast_byte(b, 'l');
	broadcast_key(b, TERM_KEY_UP, 0);
	assert_int_equal(broadcast_input_end(b), BC_INPUT_SENT);
	assert_string_equal(take(b->nodes[0].term), "l\033[A");
	assert_string_equal(take(b->nodes[1].term), "l\033OA");
	assert_string_equal(take(b->nodes[2].term), "l\033[A");
	/* Out of the broadcast: nothing. */
	broadcast_toggle(b, 2);
	assert_int_equal(broadcast_ntargets(b), 2);
	broadcast_byte(b, '\r');
	broadcast_input_end(b);
	assert_string_equal(take(b->nodes[0].term), "\r");
	assert_string_equal(take(b->nodes[2].term), "");
	broadcast_all_in(b);
	assert_int_equal(broadcast_ntargets(b), 3);
	broadcast_free(b);
}

static void
test_paste_held(void **state)
{
	struct broadcast	*b = session(2);
	const char		*s;

	(void)state;
	/* One line with its Enter goes at once. */
	for (s = "ls\r"; *s != '\0'; s++)
		broadcast_byte(b, (unsigned char)*s);
	assert_int_equal(broadcast_input_end(b), BC_INPUT_SENT);
	assert_string_equal(take(b->nodes[0].term), "ls\r");
	assert_string_equal(take(b->nodes[1].term), "ls\r");
	/* Two lines are held until yes. */
	for (s = "rm a\rrm b\r"; *s != '\0'; s++)
		broadcast_byte(b, (unsigned char)*s);
	assert_int_equal(broadcast_input_end(b), BC_INPUT_HELD);
	assert_int_equal(b->held_lines, 2);
	assert_string_equal(take(b->nodes[0].term), "");
	/* More of it in the next read (a big paste): still held. */
	for (s = "rm c\r"; *s != '\0'; s++)
		broadcast_byte(b, (unsigned char)*s);
	assert_int_equal(broadcast_input_end(b), BC_INPUT_HELD);
	assert_int_equal(b->held_lines, 3);
	assert_string_equal(take(b->nodes[0].term), "");
	/* y alone answers. */
	broadcast_byte(b, 'y');
	assert_int_equal(broadcast_input_end(b), BC_INPUT_PASTE_SENT);
	assert_string_equal(take(b->nodes[1].term), "rm a\rrm b\rrm c\r");
	assert_string_equal(take(b->nodes[0].term), "rm a\rrm b\rrm c\r");
	/* ... or dropped on no. */
	for (s = "x\ny"; *s != '\0'; s++)
		broadcast_byte(b, (unsigned char)*s);
	assert_int_equal(broadcast_input_end(b), BC_INPUT_HELD);
	broadcast_byte(b, 'n');
	assert_int_equal(broadcast_input_end(b), BC_INPUT_PASTE_DROPPED);
	assert_null(b->held);
	assert_string_equal(take(b->nodes[0].term), "");
	broadcast_free(b);
}

static void
test_bracketed_paste(void **state)
{
	struct broadcast	*b = session(2);
	const char		*s;

	(void)state;
	/* node02's program asked for bracketed paste, node01's did not. */
	broadcast_data(b, 1, 101, "\033[?2004h", 8);
	for (s = "\033[200~ls\033[201~"; *s != '\0'; s++)
		broadcast_byte(b, (unsigned char)*s);
	assert_int_equal(broadcast_input_end(b), BC_INPUT_SENT);
	assert_string_equal(take(b->nodes[0].term), "ls");
	assert_string_equal(take(b->nodes[1].term), "\033[200~ls\033[201~");
	/* Two lines inside the marks: held, then bracketed. */
	for (s = "\033[200~a\nb\033[201~"; *s != '\0'; s++)
		broadcast_byte(b, (unsigned char)*s);
	assert_int_equal(broadcast_input_end(b), BC_INPUT_HELD);
	broadcast_paste(b, 1);
	assert_string_equal(take(b->nodes[0].term), "a\nb");
	assert_string_equal(take(b->nodes[1].term), "\033[200~a\nb\033[201~");
	/* Esc alone, and Esc [ A that is no mark, go through as typed. */
	broadcast_byte(b, 033);
	assert_int_equal(broadcast_input_end(b), BC_INPUT_SENT);
	assert_string_equal(take(b->nodes[0].term), "\033");
	for (s = "\033\033[A"; *s != '\0'; s++)
		broadcast_byte(b, (unsigned char)*s);
	broadcast_input_end(b);
	assert_string_equal(take(b->nodes[0].term), "\033\033[A");
	take(b->nodes[1].term);
	broadcast_free(b);
}

static void
test_groups(void **state)
{
	struct broadcast	*b = session(4);
	size_t			 i, n;
	char			*s;

	(void)state;
	for (i = 0; i < 4; i++)
		broadcast_data(b, i, (uint32_t)(100 + i), "$ ", 2);
	broadcast_group(b);
	assert_int_equal(b->ngroups, 1);
	assert_string_equal(b->groups[0].label, "node[01-04]");
	/* Prompts that name their node do not split the group. */
	broadcast_data(b, 0, 100, "root@node01:~# ", 15);
	broadcast_data(b, 1, 101, "root@node02:~# ", 15);
	broadcast_data(b, 2, 102, "root@node03:~# ", 15);
	broadcast_data(b, 3, 103, "root@node04:~# ", 15);
	broadcast_group(b);
	assert_int_equal(b->ngroups, 1);
	broadcast_data(b, 2, 102, "DIFFERENT", 9);
	broadcast_group(b);
	assert_int_equal(b->ngroups, 2);
	assert_int_equal(b->groups[0].n, 3);
	assert_string_equal(b->groups[0].label, "node[01-02,04]");
	assert_string_equal(b->groups[1].label, "node03");
	/* Data for an old shell id is ignored. */
	broadcast_data(b, 0, 999, "zzz", 3);
	broadcast_group(b);
	assert_int_equal(b->ngroups, 2);
	s = broadcast_names(b, 0, &n);
	assert_string_equal(s, "node[01-04]");
	assert_int_equal(n, 4);
	free(s);
	broadcast_free(b);
}

static void
test_death_and_new_shell(void **state)
{
	struct broadcast	*b = session(2);
	char			 line[64];
	size_t			 n;
	char			*s;

	(void)state;
	broadcast_data(b, 1, 101, "$ ", 2);
	broadcast_node_state(b, 1, 0, "reconnecting");
	assert_int_equal(b->nodes[1].st, BC_DEAD);
	assert_int_equal(broadcast_ntargets(b), 1);
	s = broadcast_names(b, 2, &n);
	assert_string_equal(s, "node02");
	free(s);
	/* The screen stays. */
	term_row_text(b->nodes[1].term, 0, line, sizeof line);
	assert_string_equal(line, "$");
	/* Keys while dead go nowhere. */
	broadcast_byte(b, 'x');
	broadcast_input_end(b);
	assert_string_equal(take(b->nodes[1].term), "");
	broadcast_node_state(b, 1, 1, "up");
	assert_true(b->nodes[1].want_open);
	broadcast_shell_opened(b, 1, 200);
	assert_int_equal(b->nodes[1].st, BC_LIVE);
	term_row_text(b->nodes[1].term, 2, line, sizeof line);
	assert_non_null(strstr(line, "new shell"));
	/* A late close of the old shell changes nothing. */
	broadcast_shell_closed(b, 1, 101, "gone");
	assert_int_equal(b->nodes[1].st, BC_LIVE);
	broadcast_shell_closed(b, 1, 200, "shell exited");
	assert_int_equal(b->nodes[1].st, BC_DEAD);
	assert_int_equal(broadcast_restart(b), 1);
	broadcast_shell_opened(b, 1, 300);
	term_row_text(b->nodes[1].term, 4, line, sizeof line);
	assert_non_null(strstr(line, "shell had ended"));
	broadcast_resize(b, 20, 60);
	assert_true(b->resized);
	assert_true(broadcast_mem(b) > 0);
	broadcast_free(b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_keys_follow_modes),
		cmocka_unit_test(test_answers_go_to_the_node),
		cmocka_unit_test(test_screen_and_hash),
		cmocka_unit_test(test_hostile_sequences),
		cmocka_unit_test(test_memory),
		cmocka_unit_test(test_broadcast_keys),
		cmocka_unit_test(test_paste_held),
		cmocka_unit_test(test_bracketed_paste),
		cmocka_unit_test(test_groups),
		cmocka_unit_test(test_death_and_new_shell),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
