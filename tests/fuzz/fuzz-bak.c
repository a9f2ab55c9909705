/*
 * fuzz-bak.c -- libFuzzer target for `clustertop bak` input: pdsh-style
 * "host: line" text on stdin, parsed with dshbak's rule and grouped
 * (cmd-bak.c over gather.c).
 *
 * The input becomes stdin (a memfd) and cmd_bak_main() runs on it twice,
 * per host and with -c; stdout and stderr go to /dev/null while it runs
 * (sanitizer reports still reach the real stderr). Properties: no crash,
 * no leak, exit status 0.
 */

#include <sys/mman.h>

#include <fcntl.h>
#include <sanitizer/common_interface_defs.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"

int	LLVMFuzzerInitialize(int *, char ***);
int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static int	saved_out = -1, saved_err = -1, devnull = -1;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if ((saved_out = dup(STDOUT_FILENO)) == -1 ||
	    (saved_err = dup(STDERR_FILENO)) == -1 ||
	    (devnull = open("/dev/null", O_WRONLY)) == -1)
		abort();
	__sanitizer_set_report_fd((void *)(intptr_t)saved_err);
	return (0);
}

static void
run(const uint8_t *data, size_t size, int coalesce)
{
	char	*argv[3] = { (char *)"bak", (char *)"-c", NULL };
	int	 fd, rc;

	if ((fd = memfd_create("bak-input", 0)) == -1 ||
	    (size > 0 && write(fd, data, size) != (ssize_t)size) ||
	    lseek(fd, 0, SEEK_SET) != 0 || dup2(fd, STDIN_FILENO) == -1)
		abort();
	close(fd);
	fflush(stdout);
	fflush(stderr);
	dup2(devnull, STDOUT_FILENO);
	dup2(devnull, STDERR_FILENO);
	if (!coalesce)
		argv[1] = NULL;
	rc = cmd_bak_main(coalesce ? 2 : 1, argv);
	fflush(stdout);
	fflush(stderr);
	dup2(saved_out, STDOUT_FILENO);
	dup2(saved_err, STDERR_FILENO);
	if (rc != 0) {
		fprintf(stderr, "bak exited %d\n", rc);
		abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 1 << 20)
		return (0);
	run(data, size, 0);
	run(data, size, 1);
	return (0);
}
