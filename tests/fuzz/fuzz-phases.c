/*
 * fuzz-phases.c -- libFuzzer target for phases.json (phase_set_parse and
 * everything a loaded set feeds: variables, templates, plans and the
 * scripts each step runs).
 *
 * Properties: no crash and no leak; a set that fails to load has a
 * cause naming the file, one printable line; a loaded set has phases with names and
 * steps; every plan and every step script that builds is a string.
 */

#include <stddef.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "phase.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct phase_target targets[] = {
		{ "node1", "10.0.0.1" }, { "node2", NULL }
	};
	struct phase_set	*set;
	struct phase_vars	*vars;
	const struct phase	*ph;
	char			*text, *cause = NULL, *plan, *script, *input,
				*wrapped;
	size_t			 i, j, inputlen;

	if (size > 200000)
		return (0);
	if ((text = malloc(size + 1)) == NULL)
		abort();
	memcpy(text, data, size);
	text[size] = '\0';
	set = phase_set_parse(text, "fuzz.json", &cause);
	free(text);
	if (set == NULL) {
		if (cause == NULL || strncmp(cause, "fuzz.json", 9) != 0)
			abort();
		for (i = 0; cause[i] != '\0'; i++) {
			if ((unsigned char)cause[i] < 0x20 || cause[i] == 0x7f) {
				fprintf(stderr, "cause: %s\n", cause);
				abort();
			}
		}
		free(cause);
		return (0);
	}
	if (cause != NULL)
		abort();
	vars = phase_vars_create();
	phase_context_vars(vars, targets, 2, targets, 2, NULL);
	phase_vars_defaults(vars, set);
	phase_vars_ct_options(vars, "/etc/ssh/ssh_config", "root", 1);
	(void)phase_set_lookup(set, "1");
	(void)phase_set_lookup(set, "hosts");
	for (i = 0; i < set->nphases; i++) {
		ph = &set->phases[i];
		if (ph->name == NULL || phase_set_find(set, ph->number) == NULL)
			abort();
		(void)phase_has_preview(ph);
		plan = phase_plan(ph, vars, "node[1-2]", 2, 1);
		if (plan == NULL)
			abort();
		free(plan);
		for (j = 0; j < ph->nsteps; j++) {
			script = input = wrapped = NULL;
			cause = NULL;
			inputlen = 0;
			if (phase_step_script(&ph->steps[j], vars, &script,
			    &input, &inputlen, &wrapped, &cause) == 0) {
				if (script == NULL || wrapped == NULL)
					abort();
			} else if (cause == NULL)
				abort();
			free(script);
			free(input);
			free(wrapped);
			free(cause);
		}
	}
	phase_vars_free(vars);
	phase_set_free(set);
	return (0);
}
