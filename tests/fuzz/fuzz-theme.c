/*
 * fuzz-theme.c -- libFuzzer target for theme_parse() (themes/NAME.theme,
 * or any file given to --theme).
 *
 * Properties: no crash; on success every colour is -1..255 and every
 * threshold is a number; on failure *cause is set, starts with "line N:",
 * and holds no control character (it is printed on the user's terminal).
 */

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "theme.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
check_colour(short c)
{
	if (c < THEME_COLOUR_DEFAULT || c > 255)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct theme	 t;
	char		*cause = NULL;
	int		 i;

	theme_builtin(&t);
	if (theme_parse(&t, (const char *)data, size, &cause) != 0) {
		if (cause == NULL || strncmp(cause, "line ", 5) != 0)
			abort();
		for (i = 0; cause[i] != '\0'; i++) {
			/* Printed on the terminal: no escapes from the file. */
			if ((unsigned char)cause[i] < 0x20 ||
			    cause[i] == 0x7f)
				abort();
		}
		free(cause);
		return (0);
	}
	if (cause != NULL)
		abort();
	check_colour(t.background);
	for (i = 0; i < THEME_NROLES; i++) {
		check_colour(t.role[i].fg);
		check_colour(t.role[i].bg);
	}
	for (i = 0; i < THEME_NMETRICS; i++) {
		if (isnan(t.threshold[i].warn) || isnan(t.threshold[i].crit))
			abort();
		(void)theme_level(&t, (enum theme_metric)i, 50.0f);
	}
	if (memchr(t.name, '\0', sizeof t.name) == NULL)
		abort();
	theme_strip_colour(&t);
	return (0);
}
