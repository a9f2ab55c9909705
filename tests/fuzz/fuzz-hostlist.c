/*
 * fuzz-hostlist.c -- libFuzzer target for hostlist.c (and gather.c).
 *
 * Each input is a host list expression. Besides not crashing (ASan,
 * UBSan), these properties must hold:
 *  - a failed hostlist_add leaves the list unchanged and sets a cause,
 *    one printable line;
 *  - the list has no duplicates, and every name is found at its index;
 *  - the nodeset-style fold parses back to exactly the same set of hosts,
 *    and so does the dshbak-style fold whenever it parses at all;
 *  - hostlist_remove of the expression empties the list;
 *  - natural and dshbak orders are antisymmetric;
 *  - gather: the input streamed in odd-sized pieces, or line by line,
 *    groups with the same input set whole.
 * ^file and @group read from a scratch directory made at start-up (an
 * input naming a path with '/' is skipped, so nothing else is read); the
 * expansion limit is lowered to keep each run fast.
 */

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gather.h"
#include "hostlist.h"

int	LLVMFuzzerInitialize(int *, char ***);
int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
put(const char *dir, const char *name, const char *text)
{
	char	 path[4096];
	FILE	*f;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	if ((f = fopen(path, "w")) == NULL)
		abort();
	fputs(text, f);
	fclose(f);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static char	dir[] = "/tmp/fuzz-hostlist.XXXXXX";
	char		path[4096];

	(void)argc;
	(void)argv;
	if (mkdtemp(dir) == NULL || chdir(dir) != 0)
		abort();
	put(dir, "a", "node[1-4] # comment\nlogin1\n-node3\n");
	put(dir, "b", "^a\ngpu[01-02]\n");
	put(dir, "l", "^l\n");
	put(dir, "groups", "compute: node[1-8]\ngpu: node[7-8],g1\n"
	    "all: @compute,@gpu\nloop: @loop\nbad: n[\n");
	snprintf(path, sizeof path, "%s/groups", dir);
	hostlist_set_groups_file(path);
	hostlist_set_limit(4096);
	return (0);
}

static struct hostlist *
parse(const char *s)
{
	struct hostlist	*hl = hostlist_create();
	char		*cause = NULL;
	size_t		 i;

	if (hostlist_add(hl, s, &cause) != 0) {
		if (cause == NULL || hostlist_count(hl) != 0)
			abort();
		for (i = 0; cause[i] != '\0'; i++) {
			/* One printable line: it goes to the terminal. */
			if ((unsigned char)cause[i] < 0x20 || cause[i] == 0x7f)
				abort();
		}
		free(cause);
		hostlist_free(hl);
		return (NULL);
	}
	return (hl);
}

/* Do A and B hold the same names? */
static int
same_set(const struct hostlist *a, const struct hostlist *b)
{
	size_t	i;

	if (hostlist_count(a) != hostlist_count(b))
		return (0);
	for (i = 0; i < hostlist_count(a); i++) {
		if (hostlist_find(b, hostlist_get(a, i)) == -1)
			return (0);
	}
	return (1);
}

static void
check_gather(const uint8_t *data, size_t size)
{
	struct gather	*g;
	size_t		 at = 0, n, step = 1;

	g = gather_create();
	gather_set(g, "whole", NULL, -1, NULL, data, size, data, size / 2);
	while (at < size) {
		n = step < size - at ? step : size - at;
		gather_append(g, "pieces", GATHER_STDOUT, data + at, n);
		at += n;
		step = step * 3 + 1;
		if (step > 9000)
			step = 1;
	}
	gather_append(g, "pieces", GATHER_STDERR, data, size / 2);
	/* The same bytes as lines, the way `clustertop bak` adds them. */
	for (at = 0; at < size; at += n) {
		const uint8_t *nl = memchr(data + at, '\n', size - at);

		n = nl == NULL ? size - at : (size_t)(nl - (data + at)) + 1;
		if (nl == NULL)
			gather_append(g, "lines", GATHER_STDOUT, data + at, n);
		else
			gather_append_line(g, "linesXX", 5, GATHER_STDOUT,
			    data + at, n);
	}
	gather_append(g, "lines", GATHER_STDERR, data, size / 2);
	if (gather_ngroups(g) != 1 || gather_group(g, 0)->nhosts != 3 ||
	    gather_group(g, 0)->outlen != size ||
	    memcmp(gather_group(g, 0)->out, data, size) != 0)
		abort();
	gather_free(g);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hostlist	*hl, *back;
	const char	*v[2];
	char		*s, *fold, *cause = NULL;
	size_t		 i, n;
	int		 c1, c2;

	if (size > 4096)
		return (0);
	check_gather(data, size);

	s = malloc(size + 1);
	memcpy(s, data, size);
	s[size] = '\0';
	if (strchr(s, '^') != NULL && strchr(s, '/') != NULL) {
		free(s);
		return (0);
	}

	if ((hl = parse(s)) == NULL) {
		free(s);
		return (0);
	}
	n = hostlist_count(hl);
	for (i = 0; i < n; i++) {
		if (hostlist_find(hl, hostlist_get(hl, i)) != (int)i)
			abort();
	}
	if (n >= 2) {
		v[0] = hostlist_get(hl, 0);
		v[1] = hostlist_get(hl, n - 1);
		c1 = hostlist_natural_cmp(v[0], v[1]);
		c2 = hostlist_natural_cmp(v[1], v[0]);
		if (c1 == 0 || (c1 < 0) == (c2 < 0))
			abort();
		c1 = hostlist_dshbak_cmp(v[0], v[1]);
		c2 = hostlist_dshbak_cmp(v[1], v[0]);
		if (c1 == 0 || (c1 < 0) == (c2 < 0))
			abort();
	}

	/* The nodeset-style fold must parse back to the same hosts. */
	fold = hostlist_fold(hl);
	if ((back = parse(fold)) == NULL || !same_set(hl, back)) {
		fprintf(stderr, "fold '%s' does not parse back\n", fold);
		abort();
	}
	hostlist_free(back);
	free(fold);

	/* The dshbak-style fold, when it parses, is the same hosts too. */
	if (n > 0) {
		const char **names = malloc(n * sizeof *names);

		for (i = 0; i < n; i++)
			names[i] = hostlist_get(hl, i);
		fold = hostlist_fold_dshbak(names, n);
		if ((back = parse(fold)) != NULL) {
			if (!same_set(hl, back)) {
				fprintf(stderr, "dshbak fold '%s' differs\n",
				    fold);
				abort();
			}
			hostlist_free(back);
		}
		free(fold);
		free(names);
	}

	/* Removing the expression removes everything. */
	if (hostlist_remove(hl, s, &cause) != 0 || hostlist_count(hl) != 0)
		abort();
	hostlist_free(hl);
	free(s);
	return (0);
}
