/*
 * tui-bcast.c -- broadcast typing: the model's wishes to engine calls,
 * the engine's shell events to the model (see tui-bcast.h).
 */

#include <stdlib.h>

#include "tui-bcast.h"

struct broadcast *
tui_bcast_start(struct engine *e, const size_t *idx, const int *node,
    const char *const *names, size_t n, int rows, int cols)
{
	struct broadcast	*b;

	if ((b = broadcast_new(idx, node, names, n, rows, cols)) == NULL)
		return (NULL);
	tui_bcast_sync(e, b);
	return (b);
}

int
tui_bcast_event(struct broadcast *b, const struct engine_event *ev, long idx)
{
	if (b == NULL || idx < 0)
		return (0);
	switch (ev->type) {
	case ENGINE_EV_NODE:
		broadcast_node_state(b, (size_t)idx, ev->state == NODE_UP,
		    node_state_name(ev->state));
		return (broadcast_find(b, (size_t)idx) != NULL);
	case ENGINE_EV_SHELL_DATA:
		broadcast_data(b, (size_t)idx, ev->id, ev->data, ev->len);
		return (1);
	case ENGINE_EV_SHELL_CLOSED:
		broadcast_shell_closed(b, (size_t)idx, ev->id, ev->text);
		return (1);
	default:
		break;
	}
	return (0);
}

void
tui_bcast_sync(struct engine *e, struct broadcast *b)
{
	struct bc_node	*bn;
	const char	*p;
	size_t		 i, len;
	uint32_t	 id;
	int		 resized = b->resized;

	b->resized = 0;
	for (i = 0; i < b->n; i++) {
		bn = &b->nodes[i];
		if (bn->want_open && engine_node_state(e, bn->node) == NODE_UP) {
			id = engine_shell_open(e, bn->node, TUI_BCAST_TERM,
			    b->cols, b->rows);
			if (id != 0)
				broadcast_shell_opened(b, bn->idx, id);
			else
				bn->want_open = 0;
		} else if (bn->want_open && bn->st == BC_WAITING &&
		    bn->why[0] == '\0')
			broadcast_node_state(b, bn->idx, 0,
			    node_state_name(engine_node_state(e, bn->node)));
		if (bn->st != BC_LIVE)
			continue;
		if (resized)
			engine_shell_resize(e, bn->shell, b->cols, b->rows);
		p = term_output(bn->term, &len);
		if (len > 0) {
			engine_shell_write(e, bn->shell, p, len);
			term_output_done(bn->term);
		}
	}
}

void
tui_bcast_end(struct engine *e, struct broadcast *b)
{
	size_t	i;

	if (b == NULL)
		return;
	for (i = 0; i < b->n; i++) {
		if (b->nodes[i].shell != 0)
			engine_shell_close(e, b->nodes[i].shell);
	}
	broadcast_free(b);
}
