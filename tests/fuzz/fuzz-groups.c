/*
 * fuzz-groups.c -- libFuzzer target for ClusterShell-style groups files
 * ("name: expr" lines, read by hostlist.c for @group).
 *
 * The input is the groups file. Every name defined in it (the text
 * before the first ':' of a line) is expanded as @name, and @all,@a!@b
 * combinations too. Properties: no crash, no hang (loops end at the
 * nesting limit, expansion at the host limit); a failure leaves an empty
 * list and a cause that is one printable line; a success has no duplicate names. Inputs naming a
 * path (^ with /) are skipped, so nothing outside the scratch directory
 * is read.
 */

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hostlist.h"

int	LLVMFuzzerInitialize(int *, char ***);
int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static char	groups_path[4096];

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static char	dir[] = "/tmp/fuzz-groups.XXXXXX";
	FILE		*f;

	(void)argc;
	(void)argv;
	if (mkdtemp(dir) == NULL || chdir(dir) != 0)
		abort();
	if ((f = fopen("hosts", "w")) == NULL)
		abort();
	fputs("h[1-3]\n", f);
	fclose(f);
	snprintf(groups_path, sizeof groups_path, "%s/groups", dir);
	hostlist_set_groups_file(groups_path);
	hostlist_set_limit(4096);
	return (0);
}

static void
expand(const char *expr)
{
	struct hostlist	*hl = hostlist_create();
	char		*cause = NULL;
	size_t		 i, n;

	if (hostlist_add(hl, expr, &cause) != 0) {
		for (i = 0; cause != NULL && cause[i] != '\0'; i++) {
			if ((unsigned char)cause[i] < 0x20 || cause[i] == 0x7f)
				break;
		}
		if (cause == NULL || hostlist_count(hl) != 0 ||
		    cause[i] != '\0') {
			fprintf(stderr, "%s: %zu hosts, cause '%s'\n", expr,
			    hostlist_count(hl), cause != NULL ? cause : "(none)");
			abort();
		}
		free(cause);
	} else {
		n = hostlist_count(hl);
		for (i = 0; i < n; i++) {
			if (hostlist_find(hl, hostlist_get(hl, i)) != (int)i)
				abort();
		}
	}
	hostlist_free(hl);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char	*p = (const char *)data, *end = p + size, *nl, *colon;
	char		 expr[40], first[40] = "";
	FILE		*f;
	int		 names = 0;

	if (size > 8192)
		return (0);
	if (memchr(data, '^', size) != NULL && memchr(data, '/', size) != NULL)
		return (0);
	if ((f = fopen(groups_path, "w")) == NULL)
		abort();
	fwrite(data, 1, size, f);
	fclose(f);
	while (p < end && names < 16) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL)
			nl = end;
		colon = memchr(p, ':', (size_t)(nl - p));
		if (colon != NULL && colon > p && colon - p < 32 &&
		    memchr(p, '\0', (size_t)(colon - p)) == NULL) {
			snprintf(expr, sizeof expr, "@%.*s", (int)(colon - p),
			    p);
			expand(expr);
			if (first[0] == '\0')
				snprintf(first, sizeof first, "%s", expr);
			else {
				char both[128];

				snprintf(both, sizeof both, "%s,%s!%s", first,
				    expr, first);
				expand(both);
			}
			names++;
		}
		p = nl + 1;
	}
	expand("@all");
	expand("@missing");
	return (0);
}
