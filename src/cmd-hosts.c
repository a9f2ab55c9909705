/*
 * cmd-hosts.c -- `clustertop hosts`: expand, fold or count a host list.
 *
 *	clustertop hosts [-e|-f|-c] [-x EXPR]... EXPR...
 *
 * Every EXPR is added in turn (hostlist.c syntax), then every -x EXPR is
 * removed. -e prints one host per line in the order given (the default),
 * -f prints the folded list as `nodeset -f` would, -c prints the count.
 * With no EXPR (or "-") the expressions are read from standard input, one
 * or more per line. Errors go to stderr and exit with status 2.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <getopt.h>

#include "cmd.h"
#include "hostlist.h"

static void
cmd_hosts_usage(FILE *f)
{
	fprintf(f, "usage: clustertop hosts [-e|-f|-c] [-x EXPR] EXPR...\n"
	    "  -e       one host per line, in the order given (default)\n"
	    "  -f       fold into one expression (like nodeset -f)\n"
	    "  -c       print the number of hosts\n"
	    "  -x EXPR  exclude these hosts (repeatable)\n"
	    "EXPR: node[01-10,12], rack[1-2]-n[1-4], a,b, a!b, a,-b, "
	    "^FILE, @group;\n"
	    "\"-\" or no EXPR reads expressions from standard input.\n");
}

static void
cmd_hosts_unknown(const char *arg, int opt)
{
	if (opt == 'x')
		fprintf(stderr, "clustertop: hosts: -x needs an expression\n");
	else if (opt != 0)
		fprintf(stderr, "clustertop: hosts: unknown option -%c\n", opt);
	else
		fprintf(stderr, "clustertop: hosts: unknown option %s\n", arg);
}

static int
cmd_hosts_add(struct hostlist *hl, const char *expr, int exclude)
{
	char	*cause = NULL;
	int	 rc;

	if (strcmp(expr, "-") == 0)
		expr = "^/dev/stdin";
	if (exclude)
		rc = hostlist_remove(hl, expr, &cause);
	else
		rc = hostlist_add(hl, expr, &cause);
	if (rc != 0) {
		fprintf(stderr, "clustertop: hosts: %s\n", cause);
		free(cause);
		return (-1);
	}
	return (0);
}

/* Run `clustertop hosts`. */
int
cmd_hosts_main(int argc, char **argv)
{
	static const struct option	 longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct hostlist			*hl;
	const char			**excl = NULL;
	char				*s;
	size_t				 nexcl = 0, i, n;
	int				 ch, mode = 'e', rc = CT_EXIT_USAGE;

	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "+cefhx:", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
		case 'e':
		case 'f':
			mode = ch;
			break;
		case 'x':
			excl = realloc(excl, (nexcl + 1) * sizeof *excl);
			if (excl == NULL) {
				fprintf(stderr, "clustertop: out of memory\n");
				return (1);
			}
			excl[nexcl++] = optarg;
			break;
		case 'h':
			cmd_hosts_usage(stdout);
			free(excl);
			return (0);
		default:
			cmd_hosts_unknown(argv[optind - 1], optopt);
			cmd_hosts_usage(stderr);
			free(excl);
			return (CT_EXIT_USAGE);
		}
	}
	argc -= optind;
	argv += optind;
	if (argc == 0 && isatty(STDIN_FILENO)) {
		cmd_hosts_usage(stderr);
		free(excl);
		return (CT_EXIT_USAGE);
	}

	hl = hostlist_create();
	if (argc == 0) {
		if (cmd_hosts_add(hl, "-", 0) != 0)
			goto out;
	}
	for (i = 0; i < (size_t)argc; i++) {
		if (cmd_hosts_add(hl, argv[i], 0) != 0)
			goto out;
	}
	for (i = 0; i < nexcl; i++) {
		if (cmd_hosts_add(hl, excl[i], 1) != 0)
			goto out;
	}

	n = hostlist_count(hl);
	switch (mode) {
	case 'c':
		printf("%zu\n", n);
		break;
	case 'f':
		s = hostlist_fold(hl);
		printf("%s\n", s);
		free(s);
		break;
	default:
		for (i = 0; i < n; i++) {
			fputs(hostlist_get(hl, i), stdout);
			putchar('\n');
		}
		break;
	}
	rc = 0;
	if (fflush(stdout) != 0 || ferror(stdout)) {
		perror("clustertop: hosts: stdout");
		rc = 1;
	}
out:
	hostlist_free(hl);
	free(excl);
	return (rc);
}
