/*
 * test-layout.c -- screen geometry (ui/ui-layout.c): pane rectangles,
 * table columns dropping out by priority, the heat-map grid, scrolling.
 */

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "ui.h"

static void
test_screen(void **state)
{
	struct ui_layout	l;

	(void)state;
	ui_layout_screen(40, 120, 2, &l);
	assert_false(l.too_small);
	assert_int_equal(l.header.y, 0);
	assert_int_equal(l.header.h, 2);
	assert_int_equal(l.body.y, 2);
	assert_int_equal(l.body.h, 37);
	assert_int_equal(l.body.w, 120);
	assert_int_equal(l.status.y, 39);
	assert_int_equal(l.status.h, 1);
	/* A tall header on a short screen: the body keeps 3 rows. */
	ui_layout_screen(8, 40, 6, &l);
	assert_int_equal(l.header.h, 4);
	assert_int_equal(l.body.h, 3);
	assert_int_equal(l.status.y, 7);
	/* Too small: one note, no panes. */
	ui_layout_screen(5, 100, 2, &l);
	assert_true(l.too_small);
	ui_layout_screen(40, 20, 2, &l);
	assert_true(l.too_small);
	ui_layout_screen(0, 0, 2, &l);
	assert_true(l.too_small);
}

static void
test_columns(void **state)
{
	const struct ui_colspec spec[4] = {
		{ 10, 10, 100 },	/* name */
		{ 5, 5, 50 },
		{ 5, 5, 10 },		/* goes first */
		{ 8, 30, 40 },		/* flexible */
	};
	int	x[4], w[4];

	(void)state;
	/* Everything fits, the flexible one grows to its max. */
	assert_int_equal(ui_layout_columns(spec, 4, 100, 1, x, w), 4);
	assert_int_equal(w[0], 10);
	assert_int_equal(w[3], 30);
	assert_int_equal(x[0], 0);
	assert_int_equal(x[1], 11);
	assert_int_equal(x[2], 17);
	assert_int_equal(x[3], 23);
	/* Exactly the minimums: 10+5+5+8 + 3 gaps. */
	assert_int_equal(ui_layout_columns(spec, 4, 31, 1, x, w), 4);
	assert_int_equal(w[3], 8);
	/* One less: the lowest priority goes, the spare goes to the flex. */
	assert_int_equal(ui_layout_columns(spec, 4, 30, 1, x, w), 3);
	assert_int_equal(w[2], 0);
	assert_int_equal(w[3], 13);
	assert_int_equal(x[3], 17);
	/* Narrower: only the name survives, cut to the width. */
	assert_int_equal(ui_layout_columns(spec, 4, 12, 1, x, w), 1);
	assert_int_equal(w[0], 10);
	assert_int_equal(ui_layout_columns(spec, 4, 6, 1, x, w), 1);
	assert_int_equal(w[0], 6);
	assert_int_equal(ui_layout_columns(spec, 4, 0, 1, x, w), 0);
	assert_int_equal(ui_layout_columns(spec, 0, 80, 1, x, w), 0);
}

static void
test_grid(void **state)
{
	int	cw, per, rows;

	(void)state;
	/* 1,000 nodes on a 120 x 40 screen: 2-wide cells fit. */
	assert_int_equal(ui_layout_grid(1000, 118, 35, 8, &cw, &per, &rows), 0);
	assert_int_equal(cw, 2);
	assert_int_equal(per, 55);
	assert_int_equal(rows, 19);
	/* 1,000 nodes on 80 x 24: 1-wide cells. */
	assert_int_equal(ui_layout_grid(1000, 78, 19, 8, &cw, &per, &rows), 0);
	assert_int_equal(cw, 1);
	assert_int_equal(per, 70);
	assert_int_equal(rows, 15);
	/* Too many even for 1-wide cells: they scroll. */
	assert_int_equal(ui_layout_grid(5000, 78, 19, 8, &cw, &per, &rows),
	    -1);
	assert_int_equal(cw, 1);
	assert_true(rows > 19);
	/* A label wider than a third of the width is dropped. */
	assert_int_equal(ui_layout_grid(10, 30, 5, 20, &cw, &per, &rows), 0);
	assert_int_equal(per, 15);
	assert_int_equal(ui_layout_grid(0, 30, 5, 0, &cw, &per, &rows), 0);
	assert_int_equal(rows, 0);
}

static void
test_scroll(void **state)
{
	(void)state;
	assert_int_equal(ui_layout_scroll(0, 0, 100, 10), 0);
	assert_int_equal(ui_layout_scroll(9, 0, 100, 10), 0);
	assert_int_equal(ui_layout_scroll(10, 0, 100, 10), 1);
	assert_int_equal(ui_layout_scroll(50, 0, 100, 10), 41);
	assert_int_equal(ui_layout_scroll(45, 41, 100, 10), 41);
	assert_int_equal(ui_layout_scroll(40, 41, 100, 10), 40);
	assert_int_equal(ui_layout_scroll(99, 0, 100, 10), 90);
	/* Past the end: clamped; fewer rows than the window: top 0. */
	assert_int_equal(ui_layout_scroll(500, 0, 100, 10), 90);
	assert_int_equal(ui_layout_scroll(3, 7, 5, 10), 0);
	/* The list shrank under a scrolled window. */
	assert_int_equal(ui_layout_scroll(5, 80, 20, 10), 5);
	assert_int_equal(ui_layout_scroll(19, 80, 20, 10), 10);
	assert_int_equal(ui_layout_scroll(0, 0, 0, 10), 0);
	assert_int_equal(ui_layout_scroll(0, 0, 10, 0), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_screen),
		cmocka_unit_test(test_columns),
		cmocka_unit_test(test_grid),
		cmocka_unit_test(test_scroll),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
