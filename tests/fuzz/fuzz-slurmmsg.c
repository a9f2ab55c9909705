/*
 * fuzz-slurmmsg.c -- libFuzzer target for the Slurm helper's messages:
 * the JSON lines `clustertop slurm-helper` writes on its pipe, as
 * inventory_parse_line() reads them and the dashboard applies them
 * (cluster_apply_slurm). The helper links libslurm, so what it prints is
 * only as sane as the controller's answers: treat it as outside data.
 *
 * The input is split in lines, like the watcher does. Properties: no
 * crash (UBSan catches out-of-range number conversions); 1 gives a node
 * list whose names are non-empty, -1 gives a cause, 0 gives neither; the
 * state a node gets is a valid class.
 */

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cluster.h"
#include "inventory.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char		*p = (const char *)data, *end = p + size, *nl;
	struct inventory	*inv;
	struct cluster		*c;
	char			*cause;
	size_t			 len, i;
	int			 r, flags;

	if (size > 65536)
		return (0);
	c = cluster_create("fuzz", 1.0);
	cluster_add_node(c, "node1", NULL);
	cluster_add_node(c, "node2", NULL);
	cluster_add_node(c, "x", NULL);
	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		len = nl == NULL ? (size_t)(end - p) : (size_t)(nl - p);
		inv = NULL;
		cause = NULL;
		r = inventory_parse_line(p, len, &inv, &cause);
		if (r == 1) {
			if (inv == NULL || cause != NULL)
				abort();
			for (i = 0; i < inv->nnodes; i++) {
				if (inv->nodes[i].name == NULL ||
				    inv->nodes[i].name[0] == '\0')
					abort();
			}
			(void)inventory_find(inv, "node1");
			cluster_apply_slurm(c, inv);
			cluster_refresh(c, 1000);
			inventory_free(inv);
		} else if (r == -1) {
			if (inv != NULL || cause == NULL)
				abort();
			free(cause);
		} else if (r != 0 || inv != NULL || cause != NULL)
			abort();
		p = nl == NULL ? end : nl + 1;
	}
	for (i = 0; i < c->n; i++) {
		if ((unsigned)c->nodes[i].slurm >= CLUSTER_NSLURM)
			abort();
	}
	/* The raw state word, as the helper sends it. */
	if (size >= 4) {
		uint32_t w;

		memcpy(&w, data, sizeof w);
		if (inventory_decode_state(w, &flags) == NULL)
			abort();
	}
	cluster_free(c);
	return (0);
}
