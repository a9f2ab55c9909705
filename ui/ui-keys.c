/*
 * ui-keys.c -- the global key bindings (after the view's own keys) and
 * what the prompts do with their text.
 *
 * The keys that open the other views (the command console, broadcast,
 * phases, push, storage, tests) are bound here to their panes' open
 * functions; inside a view, the pane's own key() comes first.
 */

#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ui.h"

#define CTRL(c)	((c) & 0x1f)

static void
key_quit(struct ui *ui)
{
	ui->action = UI_ACTION_QUIT;
}

static void
key_help(struct ui *ui)
{
	ui->help = 1;
	ui->help_top = 0;
}

static void
key_next_view(struct ui *ui)
{
	int	i;

	for (i = 0; ui_panes[i] != NULL; i++) {
		if (ui_panes[i] == ui->back)
			break;
	}
	if (ui_panes[i] == NULL || ui_panes[i + 1] == NULL)
		i = 0;
	else
		i++;
	ui_set_view(ui, ui_panes[i]);
}

static void
key_filter(struct ui *ui)
{
	ui_prompt_open(&ui->prompt, "filter: ", ui->cluster->filter,
	    UI_PROMPT_FILTER);
}

static void
key_select_expr(struct ui *ui)
{
	ui_prompt_open(&ui->prompt, "select: ", NULL, UI_PROMPT_SELECT);
}

static void
key_unselect_expr(struct ui *ui)
{
	ui_prompt_open(&ui->prompt, "unselect: ", NULL, UI_PROMPT_UNSELECT);
}

static void
key_toggle(struct ui *ui)
{
	struct cluster_node	*n = ui_cursor_node(ui);

	if (n == NULL)
		return;
	cluster_select(ui->cluster, (size_t)ui->cursor, !n->selected);
	/* Move on, so that space space space marks a run of nodes. */
	if (ui->view == &pane_nodes_kind)
		ui_cursor_to_row(ui, (long)ui_cursor_row(ui) + 1);
}

static void
key_all(struct ui *ui)
{
	struct cluster	*c = ui->cluster;
	size_t		 i, sel = 0;

	for (i = 0; i < c->nview; i++)
		sel += c->nodes[c->view[i]].selected != 0;
	/* All shown already selected: clear instead. */
	cluster_select_visible(c, sel < c->nview);
	ui_message(ui, 0, "%s %zu nodes", sel < c->nview ? "selected" :
	    "unselected", c->nview);
}

static void
key_none(struct ui *ui)
{
	cluster_select_none(ui->cluster);
	ui_message(ui, 0, "selection cleared");
}

static void
key_sort_next(struct ui *ui)
{
	struct cluster	*c = ui->cluster;

	c->sort = (enum cluster_sort)((c->sort + 1) % CLUSTER_NSORTS);
	c->reverse = 0;
	c->flags |= CLUSTER_CHANGED_VIEW | CLUSTER_CHANGED_DATA;
	ui_message(ui, 0, "sort by %s", cluster_sort_name(c->sort));
}

static void
key_sort_reverse(struct ui *ui)
{
	cluster_set_sort(ui->cluster, ui->cluster->sort);
}

static void
sort_by(struct ui *ui, enum cluster_sort s)
{
	cluster_set_sort(ui->cluster, s);
	ui_message(ui, 0, "sort by %s%s", cluster_sort_name(s),
	    ui->cluster->reverse ? " (reversed)" : "");
}

static void key_sort_name(struct ui *ui) { sort_by(ui, CLUSTER_SORT_NAME); }
static void key_sort_load(struct ui *ui) { sort_by(ui, CLUSTER_SORT_LOAD); }
static void key_sort_cpu(struct ui *ui) { sort_by(ui, CLUSTER_SORT_CPU); }
static void key_sort_mem(struct ui *ui) { sort_by(ui, CLUSTER_SORT_MEM); }
static void key_sort_disk(struct ui *ui) { sort_by(ui, CLUSTER_SORT_DISK); }
static void key_sort_uptime(struct ui *ui) { sort_by(ui, CLUSTER_SORT_UPTIME); }
static void key_sort_state(struct ui *ui) { sort_by(ui, CLUSTER_SORT_STATE); }
static void key_sort_slurm(struct ui *ui) { sort_by(ui, CLUSTER_SORT_SLURM); }

void
ui_keys_detail(struct ui *ui)
{
	if (ui_cursor_node(ui) == NULL)
		return;
	ui_set_view(ui, &pane_detail_kind);
}

static void
key_escape(struct ui *ui)
{
	if (ui->view == &pane_detail_kind) {
		ui_set_view(ui, ui->back);
		return;
	}
	if (ui->cluster->filter != NULL) {
		char	*cause = NULL;
		cluster_set_filter(ui->cluster, NULL, &cause);
		free(cause);
		ui_message(ui, 0, "filter cleared");
	}
}

static void
key_theme(struct ui *ui)
{
	ui->action = UI_ACTION_THEME_NEXT;
}

static void
key_reconnect(struct ui *ui)
{
	ui->action = UI_ACTION_RECONNECT;
}

static void
key_redraw(struct ui *ui)
{
	ui->full = 1;
	ui->action = UI_ACTION_REDRAW;
}

static void
key_heat_metric(struct ui *ui)
{
	static const char *const names[UI_NHEAT] = {
		"CPU %", "load per CPU", "memory %", "disk %", "state"
	};

	ui->heat = (enum ui_heat_metric)((ui->heat + 1) % UI_NHEAT);
	if (ui->view != &pane_heatmap_kind)
		ui_set_view(ui, &pane_heatmap_kind);
	ui_message(ui, 0, "heat map: %s", names[ui->heat]);
}

static void
key_spark(struct ui *ui)
{
	static const char *const names[METRICS_NSERIES] = {
		"CPU %", "load", "memory %"
	};

	ui->spark = (enum metrics_series)((ui->spark + 1) % METRICS_NSERIES);
	ui_message(ui, 0, "history column: %s", names[ui->spark]);
}

/*
 * b: broadcast to the selection; with none, to every node (as `:` runs
 * there), once y answers a question that says how many.
 */
static void
key_broadcast(struct ui *ui)
{
	size_t	*sel, n;
	char	 label[sizeof ui->prompt.label];

	sel = cluster_selected(ui->cluster, &n);
	free(sel);
	if (n > 0 || ui->cluster->n == 0) {
		ui->action = UI_ACTION_BROADCAST;
		return;
	}
	snprintf(label, sizeof label, "broadcast to all %u nodes? [y/N] ",
	    (unsigned)ui->cluster->n);
	ui_prompt_open(&ui->prompt, label, NULL, UI_PROMPT_BCAST_ALL);
}
static void key_phases(struct ui *ui) { pane_phases_open(ui, 0); }
static void key_push(struct ui *ui) { pane_push_open(ui); }
static void key_nvme(struct ui *ui) { pane_nvme_open(ui); }
static void key_tests(struct ui *ui) { pane_phases_open(ui, 1); }

const struct ui_binding ui_bindings[] = {
	{ '?', "?", "help (this screen)", key_help },
	{ KEY_F(1), NULL, NULL, key_help },
	{ 'q', "q", "quit", key_quit },
	{ KEY_F(10), NULL, NULL, key_quit },
	{ '\t', "Tab", "next view: table, heat map", key_next_view },
	{ '\n', "Enter", "detail of the node under the cursor", ui_keys_detail },
	{ '\r', NULL, NULL, ui_keys_detail },
	{ KEY_ENTER, NULL, NULL, ui_keys_detail },
	{ 27, "Esc", "back from detail; clear the filter", key_escape },
	{ '/', "/", "filter: name, node[01-08], state:drain, !expr",
	  key_filter },
	{ ' ', "space", "select / unselect the node, go down", key_toggle },
	{ 'a', "a", "select all shown (again: unselect them)", key_all },
	{ '+', "+", "select by host list or state (state:idle)",
	  key_select_expr },
	{ '-', "-", "unselect by host list or state", key_unselect_expr },
	{ 'u', "u", "clear the selection", key_none },
	{ 's', "s", "sort by the next column", key_sort_next },
	{ 'S', "S", "reverse the sort", key_sort_reverse },
	{ 'N', "N L C M", "sort by name, load, cpu, memory", key_sort_name },
	{ 'L', NULL, NULL, key_sort_load },
	{ 'C', NULL, NULL, key_sort_cpu },
	{ 'M', NULL, NULL, key_sort_mem },
	{ 'D', "D U Z W", "sort by disk, uptime, state, Slurm", key_sort_disk },
	{ 'U', NULL, NULL, key_sort_uptime },
	{ 'Z', NULL, NULL, key_sort_state },
	{ 'W', NULL, NULL, key_sort_slurm },
	{ 'm', "m", "heat map: next metric (cpu load mem disk state)",
	  key_heat_metric },
	{ 'H', "H", "history column: CPU, load, memory", key_spark },
	{ 'r', "r", "reconnect the selected nodes (or this one)",
	  key_reconnect },
	{ 'T', "T", "next colour theme", key_theme },
	{ CTRL('l'), "^L", "redraw the screen", key_redraw },
	{ ':', ":", "command console: run on the selected nodes (all if none)",
	  pane_console_open },
	{ 'b', "b", "broadcast typing to the selected nodes (all: asks; ^] menu)",
	  key_broadcast },
	{ 'p', "p", "setup phases: dry run, confirm, run, results",
	  key_phases },
	{ 'P', "P", "push files to the selected (or all) nodes", key_push },
	{ 'n', "n", "storage: NVMe scan, plan and wipe", key_nvme },
	{ 't', "t", "tests: MPI (m), Slurm (s)", key_tests },
	{ 0, NULL, NULL, NULL }
};

int
ui_keys_dispatch(struct ui *ui, int key)
{
	const struct ui_binding	*b;

	for (b = ui_bindings; b->fn != NULL; b++) {
		if (b->key == key) {
			b->fn(ui);
			ui->dirty = 1;
			return (1);
		}
	}
	return (0);
}

void
ui_keys_prompt(struct ui *ui, enum ui_prompt_result r)
{
	struct ui_prompt	*p = &ui->prompt;
	char			*cause = NULL;
	long			 n;

	switch (p->purpose) {
	case UI_PROMPT_CONSOLE:
	case UI_PROMPT_CONSOLE_SAVE:
		pane_console_prompt(ui, r);
		return;
	case UI_PROMPT_FILTER:
		if (r == UI_PROMPT_CANCEL) {
			/* Back to the filter from before the prompt. */
			cluster_set_filter(ui->cluster, p->saved, &cause);
			free(cause);
			ui_prompt_close(p);
			return;
		}
		/* Filter as you type; an unfinished expression waits. */
		if (cluster_set_filter(ui->cluster, p->buf, &cause) != 0) {
			if (r == UI_PROMPT_SUBMIT) {
				ui_message(ui, 1, "filter: %s", cause != NULL ?
				    cause : "invalid");
				free(cause);
				return;
			}
			free(cause);
			return;
		}
		if (r == UI_PROMPT_SUBMIT) {
			ui_prompt_close(p);
			if (ui->cluster->filter != NULL)
				ui_message(ui, 0, "filter: %s (Esc clears)",
				    ui->cluster->filter);
		}
		return;
	case UI_PROMPT_BCAST_ALL:
		/* One key answers: y starts, anything else does not. */
		ui_prompt_close(p);
		if (r == UI_PROMPT_EDITED && (strcmp(p->buf, "y") == 0 ||
		    strcmp(p->buf, "Y") == 0)) {
			ui->bcast_all = 1;
			ui->action = UI_ACTION_BROADCAST;
		} else
			ui_message(ui, 0, "broadcast not started (space, a, + "
			    "select nodes)");
		return;
	case UI_PROMPT_SELECT:
	case UI_PROMPT_UNSELECT:
		if (r == UI_PROMPT_CANCEL) {
			ui_prompt_close(p);
			return;
		}
		if (r != UI_PROMPT_SUBMIT)
			return;
		n = cluster_select_expr(ui->cluster, p->buf,
		    p->purpose == UI_PROMPT_SELECT, &cause);
		if (n < 0) {
			ui_message(ui, 1, "%s", cause != NULL ? cause :
			    "invalid expression");
			free(cause);
			return;
		}
		ui_prompt_close(p);
		ui_message(ui, 0, "%s %ld nodes", p->purpose ==
		    UI_PROMPT_SELECT ? "selected" : "unselected", n);
		return;
	}
	ui_prompt_close(p);
}
