/*
 * cmd-inventory.c -- `clustertop nodes`: show the node inventory.
 *
 * Prints the node list clustertop would use (inventory.c): a table with
 * the Slurm address, state, CPUs, memory, partitions and reason, then the
 * source; or one JSON object with --json. A warning (why Slurm was not
 * used) goes to stderr. Exit status: 0, 1 when there is no node list, 2 for
 * bad arguments or a bad host list.
 */

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "client.h"
#include "cmd.h"
#include "inventory.h"

static const struct {
	int		 flag;
	const char	*name;
} cmd_inventory_flags[] = {
	{ INV_DRAIN, "drain" },
	{ INV_DOWN, "down" },
	{ INV_NOT_RESPONDING, "not_responding" },
	{ INV_FAIL, "fail" },
	{ INV_MAINT, "maint" },
	{ INV_REBOOT, "reboot" },
	{ INV_POWER, "power" },
	{ INV_COMPLETING, "completing" },
	{ INV_ALLOCATED, "allocated" },
	{ INV_IDLE, "idle" },
	{ INV_FUTURE, "future" },
	{ INV_UNKNOWN, "unknown" },
	{ INV_RESERVED, "reserved" },
	{ INV_INVALID_REG, "invalid_reg" }
};

static int
cmd_inventory_usage(FILE *f)
{
	fprintf(f, "usage: clustertop nodes [-w HOSTS] [-x HOSTS] [--json] "
	    "[--timeout SECONDS]\n");
	return (CT_EXIT_USAGE);
}

/* Copy S with control characters shown as '?' (Slurm text is untrusted). */
static char *
cmd_inventory_clean(const char *s)
{
	char	*c, *p;

	if (s == NULL)
		return (strdup("-"));
	if ((c = strdup(s)) == NULL)
		return (NULL);
	for (p = c; *p != '\0'; p++) {
		if ((unsigned char)*p < ' ' || *p == 0x7f)
			*p = '?';
	}
	return (c);
}

/* Column widths grow to the longest value. */
static void
cmd_inventory_width(int *w, const char *s)
{
	int	len = (int)strlen(s != NULL ? s : "-");

	if (len > *w)
		*w = len;
}

static void
cmd_inventory_table(struct inventory *inv)
{
	struct inventory_node	*n;
	char			 cpus[16], mem[32], *reason;
	int			 wn = 4, wa = 4, ws = 5, wp = 10;
	size_t			 i;

	for (i = 0; i < inv->nnodes; i++) {
		n = &inv->nodes[i];
		cmd_inventory_width(&wn, n->name);
		cmd_inventory_width(&wa, n->addr);
		cmd_inventory_width(&ws, n->slurm_state);
		cmd_inventory_width(&wp, n->partitions);
	}
	printf("%-*s  %-*s  %-*s  %4s  %7s  %-*s  %s\n", wn, "NODE", wa,
	    "ADDR", ws, "STATE", "CPUS", "MEMORY", wp, "PARTITIONS", "REASON");
	for (i = 0; i < inv->nnodes; i++) {
		n = &inv->nodes[i];
		if (n->cpus > 0)
			snprintf(cpus, sizeof cpus, "%d", n->cpus);
		else
			strcpy(cpus, "-");
		if (n->memory_mb > 0)
			snprintf(mem, sizeof mem, "%" PRIu64 "M", n->memory_mb);
		else
			strcpy(mem, "-");
		reason = cmd_inventory_clean(n->reason);
		printf("%-*s  %-*s  %-*s  %4s  %7s  %-*s  %s\n", wn, n->name,
		    wa, n->addr != NULL ? n->addr : "-", ws,
		    n->slurm_state != NULL ? n->slurm_state : "-", cpus, mem,
		    wp, n->partitions != NULL ? n->partitions : "-",
		    reason != NULL ? reason : "-");
		free(reason);
	}
	printf("%zu node%s from %s\n", inv->nnodes, inv->nnodes == 1 ? "" : "s",
	    inv->source);
}

static void
cmd_inventory_add_str(cJSON *o, const char *key, const char *value)
{
	if (value == NULL)
		cJSON_AddNullToObject(o, key);
	else
		cJSON_AddStringToObject(o, key, value);
}

static int
cmd_inventory_json(struct inventory *inv)
{
	struct inventory_node	*n;
	cJSON			*obj, *arr, *o, *flags;
	char			*s;
	size_t			 i, k;

	obj = cJSON_CreateObject();
	cJSON_AddStringToObject(obj, "source", inv->source);
	cmd_inventory_add_str(obj, "warning", inv->warning);
	cJSON_AddNumberToObject(obj, "count", (double)inv->nnodes);
	arr = cJSON_AddArrayToObject(obj, "nodes");
	for (i = 0; i < inv->nnodes; i++) {
		n = &inv->nodes[i];
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "name", n->name);
		cmd_inventory_add_str(o, "addr", n->addr);
		cmd_inventory_add_str(o, "state", n->slurm_state);
		flags = cJSON_AddArrayToObject(o, "flags");
		for (k = 0; n->slurm_state != NULL && k <
		    sizeof cmd_inventory_flags / sizeof cmd_inventory_flags[0];
		    k++) {
			if (n->slurm_flags & cmd_inventory_flags[k].flag) {
				cJSON_AddItemToArray(flags, cJSON_CreateString(
				    cmd_inventory_flags[k].name));
			}
		}
		cmd_inventory_add_str(o, "partitions", n->partitions);
		cJSON_AddNumberToObject(o, "cpus", n->cpus);
		cJSON_AddNumberToObject(o, "memory_mb", (double)n->memory_mb);
		cmd_inventory_add_str(o, "reason", n->reason);
		cJSON_AddItemToArray(arr, o);
	}
	s = cJSON_PrintUnformatted(obj);
	cJSON_Delete(obj);
	if (s == NULL)
		return (-1);
	puts(s);
	cJSON_free(s);
	return (0);
}

/* `clustertop nodes [-w HOSTS] [-x HOSTS] [--json] [--timeout S]`. */
int
cmd_inventory_main(int argc, char **argv)
{
	static const struct option	 longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "timeout", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct inventory	*inv;
	const char		*wexpr = NULL, *xexpr = NULL;
	char			*cause, *end;
	double			 secs;
	int			 ch, json = 0, rc;

	if (client_cmd(&argc, argv, &rc) == 0)
		return (rc);	/* the resident server ran it */
	optind = 1;
	while ((ch = getopt_long(argc, argv, "w:x:jt:h", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'w':
			wexpr = optarg;
			break;
		case 'x':
			xexpr = optarg;
			break;
		case 'j':
			json = 1;
			break;
		case 't':
			errno = 0;
			secs = strtod(optarg, &end);
			if (errno != 0 || end == optarg || *end != '\0' ||
			    secs < 0 || secs > 86400) {
				fprintf(stderr, "clustertop nodes: bad "
				    "--timeout: %s\n", optarg);
				return (CT_EXIT_USAGE);
			}
			/* 0 means: do not ask Slurm at all. */
			inventory_set_slurm_timeout(secs == 0 ? -1 :
			    (secs * 1000 < 1 ? 1 : (int)(secs * 1000)));
			break;
		case 'h':
			cmd_inventory_usage(stdout);
			return (0);
		default:
			return (cmd_inventory_usage(stderr));
		}
	}
	if (optind != argc)
		return (cmd_inventory_usage(stderr));

	rc = inventory_load(&inv, wexpr, xexpr, &cause);
	if (rc != 0) {
		fprintf(stderr, "clustertop nodes: %s\n", cause);
		free(cause);
		return (rc == -2 ? CT_EXIT_USAGE : 1);
	}
	if (inv->warning != NULL)
		fprintf(stderr, "clustertop nodes: warning: %s\n",
		    inv->warning);
	if (json)
		rc = cmd_inventory_json(inv);
	else
		cmd_inventory_table(inv);
	inventory_free(inv);
	if (fflush(stdout) != 0 || rc != 0)
		return (1);
	return (0);
}
