/*
 * test-theme.c -- theme files (src/theme.c): the shipped themes parse and
 * define every role, dark.theme equals the built-in copy, and bad input
 * is refused with the line that is wrong.
 */

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "theme.h"
#include "ui.h"

/* The source tree's themes/, from the test's own path or the cwd. */
static char	themes_dir[1024];

static int
find_themes(void **state)
{
	char	exe[1024];
	ssize_t	n;

	(void)state;
	if (access("themes/dark.theme", R_OK) == 0) {
		snprintf(themes_dir, sizeof themes_dir, "themes");
		return (0);
	}
	n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (n <= 0)
		return (-1);
	exe[n] = '\0';
	*strrchr(exe, '/') = '\0';
	snprintf(themes_dir, sizeof themes_dir, "%.900s/../../themes", exe);
	return (access(themes_dir, R_OK) == 0 ? 0 : -1);
}

static char *
slurp(const char *path)
{
	FILE	*f = fopen(path, "r");
	char	*buf;
	size_t	 n;

	assert_non_null(f);
	buf = calloc(1, 70000);
	n = fread(buf, 1, 69999, f);
	buf[n] = '\0';
	fclose(f);
	return (buf);
}

static void
test_shipped_complete(void **state)
{
	static const char *const names[] = {
		"dark", "light", "mono", "high-contrast"
	};
	struct theme	 t;
	char		 path[1200], *text, *cause = NULL;
	size_t		 i;
	int		 r;

	(void)state;
	for (i = 0; i < sizeof names / sizeof names[0]; i++) {
		snprintf(path, sizeof path, "%s/%s.theme", themes_dir, names[i]);
		text = slurp(path);
		/* Every role must be set by the file itself. */
		memset(&t, 0, sizeof t);
		for (r = 0; r < THEME_NROLES; r++)
			t.role[r].fg = t.role[r].bg = -99;
		if (theme_parse(&t, text, strlen(text), &cause) != 0)
			fail_msg("%s: %s", names[i], cause);
		for (r = 0; r < THEME_NROLES; r++) {
			if (t.role[r].fg == -99)
				fail_msg("%s: role %s missing", names[i],
				    theme_role_names[r]);
		}
		free(text);
		/* And it loads by path, with its name. */
		assert_int_equal(theme_load(&t, path, &cause), 0);
		assert_string_equal(t.name, names[i]);
	}
	/* mono is monochrome; high-contrast uses only colours 0-15. */
	snprintf(path, sizeof path, "%s/mono.theme", themes_dir);
	assert_int_equal(theme_load(&t, path, &cause), 0);
	assert_true(t.monochrome);
	snprintf(path, sizeof path, "%s/high-contrast.theme", themes_dir);
	assert_int_equal(theme_load(&t, path, &cause), 0);
	for (r = 0; r < THEME_NROLES; r++) {
		assert_true(t.role[r].fg < 16);
		assert_true(t.role[r].bg < 16);
	}
}

static void
test_dark_is_builtin(void **state)
{
	struct theme	b, d;
	char		path[1200], *cause = NULL;

	(void)state;
	theme_builtin(&b);
	snprintf(path, sizeof path, "%s/dark.theme", themes_dir);
	assert_int_equal(theme_load(&d, path, &cause), 0);
	assert_memory_equal(b.role, d.role, sizeof b.role);
	assert_memory_equal(b.threshold, d.threshold, sizeof b.threshold);
	assert_int_equal(b.background, d.background);
	assert_string_equal(b.name, "dark");
}

static void
test_colours(void **state)
{
	short	c;

	(void)state;
	assert_int_equal(theme_parse_colour("default", &c), 0);
	assert_int_equal(c, THEME_COLOUR_DEFAULT);
	assert_int_equal(theme_parse_colour("red", &c), 0);
	assert_int_equal(c, 1);
	assert_int_equal(theme_parse_colour("bright-white", &c), 0);
	assert_int_equal(c, 15);
	assert_int_equal(theme_parse_colour("grey", &c), 0);
	assert_int_equal(c, 8);
	assert_int_equal(theme_parse_colour("214", &c), 0);
	assert_int_equal(c, 214);
	assert_int_equal(theme_parse_colour("#ff0000", &c), 0);
	assert_int_equal(c, 196);
	assert_int_equal(theme_parse_colour("#000000", &c), 0);
	assert_int_equal(c, 16);
	assert_int_equal(theme_parse_colour("#808080", &c), 0);
	assert_int_equal(c, 244);
	assert_int_equal(theme_parse_colour("256", &c), -1);
	assert_int_equal(theme_parse_colour("-1", &c), -1);
	assert_int_equal(theme_parse_colour("#ff00", &c), -1);
	assert_int_equal(theme_parse_colour("#gg0000", &c), -1);
	assert_int_equal(theme_parse_colour("purple", &c), -1);
	/* Mapping down for 8- and 16-colour terminals. */
	assert_int_equal(ui_theme_nearest(196, 8), 1);
	assert_int_equal(ui_theme_nearest(196, 16), 9);
	assert_int_equal(ui_theme_nearest(114, 8), 2);
	assert_int_equal(ui_theme_nearest(255, 16), 15);
	assert_int_equal(ui_theme_nearest(232, 8), 0);
	assert_int_equal(ui_theme_nearest(3, 8), 3);
	assert_int_equal(ui_theme_nearest(-1, 8), -1);
	assert_int_equal(ui_theme_nearest(200, 256), 200);
}

static void
parse_fails(const char *text, const char *want)
{
	struct theme	 t;
	char		*cause = NULL;

	theme_builtin(&t);
	assert_int_equal(theme_parse(&t, text, strlen(text), &cause), -1);
	assert_non_null(cause);
	if (strstr(cause, want) == NULL)
		fail_msg("'%s': got '%s', want '%s'", text, cause, want);
	free(cause);
}

static void
test_parse(void **state)
{
	struct theme	 t;
	const char	*text;
	char		*cause = NULL;

	(void)state;
	theme_builtin(&t);
	text = "# comment\n\n  ok = green default bold underline # trailing\n"
	    "crit=#ff0000 #000000 reverse\r\n"
	    "background = 235\n"
	    "threshold-cpu = 50 75.5\n"
	    "name = mine\n";
	assert_int_equal(theme_parse(&t, text, strlen(text), &cause), 0);
	assert_int_equal(t.role[THEME_OK].fg, 2);
	assert_int_equal(t.role[THEME_OK].bg, THEME_COLOUR_DEFAULT);
	assert_int_equal(t.role[THEME_OK].attrs,
	    THEME_ATTR_BOLD | THEME_ATTR_UNDERLINE);
	assert_int_equal(t.role[THEME_CRIT].fg, 196);
	assert_int_equal(t.role[THEME_CRIT].bg, 16);
	assert_int_equal(t.role[THEME_CRIT].attrs, THEME_ATTR_REVERSE);
	assert_int_equal(t.background, 235);
	assert_true(t.threshold[THEME_METRIC_CPU].crit > 75.4f);
	assert_string_equal(t.name, "mine");
	assert_int_equal(theme_level(&t, THEME_METRIC_CPU, 10), 0);
	assert_int_equal(theme_level(&t, THEME_METRIC_CPU, 50), 1);
	assert_int_equal(theme_level(&t, THEME_METRIC_CPU, 99), 2);

	parse_fails("ok = green\nnosuchrole = red default\n",
	    "line 2: unknown role");
	parse_fails("ok = purple default\n", "bad colour");
	parse_fails("ok = red default blinking\n", "bad attribute");
	parse_fails("ok red default\n", "expected");
	parse_fails("threshold-cpu = 90 50\n", "WARN <= CRIT");
	parse_fails("threshold-gpu = 1 2\n", "unknown threshold");
	parse_fails("monochrome = maybe\n", "yes or no");
	parse_fails("ok = \n", "missing value");
	/* A failed parse leaves the theme as it was. */
	theme_builtin(&t);
	text = "ok = red default\nbad\n";
	assert_int_equal(theme_parse(&t, text, strlen(text), &cause), -1);
	free(cause);
	assert_int_equal(t.role[THEME_OK].fg, 114);
}

static void
test_load_and_list(void **state)
{
	struct theme	  t;
	char		 *cause = NULL, **list;
	size_t		  n, i;
	int		  found = 0;

	(void)state;
	setenv("CLUSTERTOP_THEMES", themes_dir, 1);
	assert_int_equal(theme_load(&t, "light", &cause), 0);
	assert_string_equal(t.name, "light");
	assert_int_equal(theme_load(&t, "no-such-theme", &cause), -1);
	assert_non_null(strstr(cause, "not found"));
	free(cause);
	assert_int_equal(theme_load(&t, "../etc/passwd", &cause), -1);
	free(cause);
	assert_int_equal(theme_load(&t, "/nonexistent/x.theme", &cause), -1);
	free(cause);
	list = theme_list(&n);
	for (i = 0; i < n; i++)
		found += strcmp(list[i], "dark") == 0 ||
		    strcmp(list[i], "light") == 0 ||
		    strcmp(list[i], "mono") == 0 ||
		    strcmp(list[i], "high-contrast") == 0;
	assert_int_equal(found, 4);
	for (i = 1; i < n; i++)
		assert_true(strcmp(list[i - 1], list[i]) < 0);
	theme_list_free(list, n);
	unsetenv("CLUSTERTOP_THEMES");
	/* NO_COLOR: colours go, attributes stay. */
	theme_builtin(&t);
	theme_strip_colour(&t);
	assert_true(t.monochrome);
	assert_int_equal(t.role[THEME_CRIT].fg, THEME_COLOUR_DEFAULT);
	assert_int_equal(t.role[THEME_CRIT].attrs, THEME_ATTR_BOLD);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shipped_complete),
		cmocka_unit_test(test_dark_is_builtin),
		cmocka_unit_test(test_colours),
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_load_and_list),
	};

	return (cmocka_run_group_tests(tests, find_themes, NULL));
}
