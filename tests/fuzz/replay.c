/*
 * replay.c -- feed files to a libFuzzer target without libFuzzer.
 *
 *	replay-NAME FILE|DIR...
 *
 * Linked with one tests/fuzz/fuzz-NAME.c in the check build (gcc, ASan,
 * UBSan), so `make check` replays the kept corpus (tests/fuzz/corpus/NAME:
 * seeds and every crash found so far) on every run. Prints one TAP line
 * per target; a sanitizer report or an abort() in the target fails it.
 */

#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int	LLVMFuzzerInitialize(int *, char ***) __attribute__((weak));
int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static int
replay_file(const char *path)
{
	FILE	*f;
	uint8_t	*buf = NULL;
	size_t	 len = 0, cap = 0, n;

	if ((f = fopen(path, "rb")) == NULL) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return (-1);
	}
	for (;;) {
		if (cap - len < 65536) {
			cap = cap * 2 + 65536;
			if ((buf = realloc(buf, cap)) == NULL)
				abort();
		}
		if ((n = fread(buf + len, 1, cap - len, f)) == 0)
			break;
		len += n;
	}
	fclose(f);
	/* A copy of exactly LEN bytes, so ASan sees reads past the end. */
	{
		uint8_t *exact = malloc(len > 0 ? len : 1);

		if (exact == NULL)
			abort();
		memcpy(exact, buf, len);
		free(buf);
		fprintf(stderr, "replay: %s (%zu bytes)\n", path, len);
		LLVMFuzzerTestOneInput(exact, len);
		free(exact);
	}
	return (0);
}

static int
name_cmp(const void *a, const void *b)
{
	return (strcmp(*(char *const *)a, *(char *const *)b));
}

int
main(int argc, char **argv)
{
	struct stat	 st;
	struct dirent	*de;
	DIR		*d;
	char		**names, path[4096];
	size_t		 n, cap, i, done = 0;
	int		 a, errors = 0;

	/* Absolute paths first: some targets chdir to a scratch directory. */
	for (a = 1; a < argc; a++) {
		char *abs = realpath(argv[a], NULL);

		if (abs != NULL)
			argv[a] = abs;	/* kept until exit */
	}
	if (LLVMFuzzerInitialize != NULL)
		LLVMFuzzerInitialize(&argc, &argv);
	for (a = 1; a < argc; a++) {
		if (stat(argv[a], &st) == -1) {
			fprintf(stderr, "replay: %s: %s\n", argv[a],
			    strerror(errno));
			errors++;
			continue;
		}
		if (!S_ISDIR(st.st_mode)) {
			errors += replay_file(argv[a]) != 0;
			done++;
			continue;
		}
		if ((d = opendir(argv[a])) == NULL) {
			errors++;
			continue;
		}
		names = NULL;
		n = cap = 0;
		while ((de = readdir(d)) != NULL) {
			if (de->d_name[0] == '.')
				continue;
			if (n == cap) {
				cap = cap * 2 + 16;
				names = realloc(names, cap * sizeof *names);
				if (names == NULL)
					abort();
			}
			if ((names[n++] = strdup(de->d_name)) == NULL)
				abort();
		}
		closedir(d);
		qsort(names, n, sizeof *names, name_cmp);
		for (i = 0; i < n; i++) {
			snprintf(path, sizeof path, "%s/%s", argv[a], names[i]);
			errors += replay_file(path) != 0;
			done++;
			free(names[i]);
		}
		free(names);
	}
	if (errors != 0 || done == 0) {
		printf("not ok - %s: %zu inputs, %d unreadable\n", argv[0],
		    done, errors);
		return (1);
	}
	printf("ok - %s: %zu inputs replayed\n", argv[0], done);
	return (0);
}
