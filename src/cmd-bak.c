/*
 * cmd-bak.c -- `clustertop bak`: group pdsh-style "host: line" output.
 *
 *	clustertop bak [-c]
 *
 * A drop-in for dshbak: reads "host: line" lines on standard input and
 * prints one block per host, or with -c one block per distinct output,
 * byte for byte as dshbak -c would. Lines are parsed with dshbak's own
 * rule (m/^\s*(\S+?)\s*: ?(.*\n)$/). The differences are deliberate:
 *  - the order of blocks and of header pieces is fixed (dshbak's depends
 *    on Perl's hash order when hosts tie);
 *  - pdsh's own messages ("pdsh@head: node3: ssh exited with exit code
 *    1") and lines with no host tag are copied to stderr unchanged instead
 *    of becoming a bogus "pdsh@head" host or being dropped;
 *  - a last line with no newline is kept (dshbak drops it);
 *  - a name without digits never joins a range (dshbak folds "foo,foo1"
 *    into the nonsense "foo[-1]").
 * Input is read in 128 KiB blocks and stored interned (gather.c), so memory
 * grows with the distinct output, not with the number of hosts.
 */

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "gather.h"

#define BAK_READ_SIZE	(1 << 17)	/* fits in L2: faster than 1 MiB */

/* Perl's \s on a byte string. */
static int
bak_isspace(unsigned char c)
{
	return (c == ' ' || c == '\t' || c == '\n' || c == '\r' ||
	    c == '\f' || c == '\v');
}

/* Handle one input line LINE[0..LEN), which ends with its only '\n'. */
static void
bak_line(struct gather *g, char *line, size_t len)
{
	char	*p = line, *end = line + len - 1, *tag, *q, *r, *data;

	while (p < end && bak_isspace((unsigned char)*p))
		p++;
	if (p == end) {
		/* A blank line: dshbak skips it too. */
		return;
	}
	tag = p;
	for (q = tag + 1; q < end; q++) {
		if (*q == ':')
			break;
		if (bak_isspace((unsigned char)*q)) {
			for (r = q; r < end && bak_isspace((unsigned char)*r);
			    r++)
				/* nothing */;
			if (r == end || *r != ':')
				goto untagged;
			break;
		}
	}
	if (q == end)
		goto untagged;
	for (r = q; *r != ':'; r++)
		/* nothing */;
	if (memchr(tag, '\0', (size_t)(q - tag)) != NULL)
		goto untagged;
	if ((size_t)(q - tag) >= 5 && memcmp(tag, "pdsh@", 5) == 0)
		goto untagged;

	data = r + 1;
	if (data < end && *data == ' ')
		data++;
	gather_append_line(g, tag, (size_t)(q - tag), GATHER_STDOUT, data,
	    (size_t)(end - data) + 1);
	return;

untagged:
	fwrite(line, 1, len, stderr);
}

static void
bak_usage(FILE *f)
{
	fprintf(f, "usage: clustertop bak [-c] < pdsh-output\n"
	    "  -c  coalesce hosts with identical output (like dshbak -c)\n");
}

/* Run `clustertop bak`. */
int
cmd_bak_main(int argc, char **argv)
{
	static const struct option	 longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	static char			 outbuf[1 << 16];
	struct gather			*g;
	char				*buf, *nl, *start;
	size_t				 len = 0, cap = BAK_READ_SIZE;
	ssize_t				 n;
	int				 ch, coalesce = 0, rc = 0;

	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "ch", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			coalesce = 1;
			break;
		case 'h':
			bak_usage(stdout);
			return (0);
		default:
			if (optopt != 0)
				fprintf(stderr, "clustertop: bak: unknown "
				    "option -%c\n", optopt);
			else
				fprintf(stderr, "clustertop: bak: unknown "
				    "option %s\n", argv[optind - 1]);
			bak_usage(stderr);
			return (CT_EXIT_USAGE);
		}
	}
	if (optind != argc) {
		fprintf(stderr, "clustertop: bak: unexpected argument %s "
		    "(input is read from stdin)\n", argv[optind]);
		bak_usage(stderr);
		return (CT_EXIT_USAGE);
	}

	if ((buf = malloc(cap + 1)) == NULL) {
		fprintf(stderr, "clustertop: bak: out of memory\n");
		return (1);
	}
	g = gather_create();
	for (;;) {
		n = read(STDIN_FILENO, buf + len, cap - len);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "clustertop: bak: stdin: %s\n",
			    strerror(errno));
			rc = 1;
			goto out;
		}
		if (n == 0)
			break;
		start = buf;
		nl = buf + len;		/* only the new bytes can hold '\n' */
		len += (size_t)n;
		while ((nl = memchr(nl, '\n', len - (size_t)(nl - buf))) !=
		    NULL) {
			bak_line(g, start, (size_t)(nl - start) + 1);
			start = ++nl;
		}
		len -= (size_t)(start - buf);
		memmove(buf, start, len);
		if (len == cap) {
			/* One line longer than the buffer: grow it. */
			cap *= 2;
			if ((nl = realloc(buf, cap + 1)) == NULL) {
				fprintf(stderr, "clustertop: bak: out of "
				    "memory\n");
				rc = 1;
				goto out;
			}
			buf = nl;
		}
	}
	if (len > 0) {
		/* The last line has no newline: keep it as a line. */
		buf[len++] = '\n';
		bak_line(g, buf, len);
	}

	setvbuf(stdout, outbuf, _IOFBF, sizeof outbuf);
	gather_print(g, stdout, coalesce ? GATHER_PRINT_DSHBAK :
	    GATHER_PRINT_PERHOST);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "clustertop: bak: stdout: %s\n",
		    strerror(errno));
		rc = 1;
	}
out:
	gather_free(g);
	free(buf);
	return (rc);
}
