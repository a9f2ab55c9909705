/*
 * pane-nvme.c -- `n`: the instance-store view. The scan of the selected
 * (or all) nodes, one line per device (size, content: partitions,
 * signatures, LVM; mounts; what the plan does), then the exact commands
 * of every node's plan, then what the wipe ran and printed. `w` asks for
 * the number of devices to wipe, typed; tui.c runs it (src/nvme-run.c),
 * which refuses any other number.
 */

#include <curses.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nvme-run.h"
#include "ui.h"

static struct {
	size_t		 top;
	struct ui_prompt confirm;
} nv;

void
pane_nvme_open(struct ui *ui)
{
	ui_set_view(ui, &pane_nvme_kind);
	nv.top = 0;
	ui_prompt_close(&nv.confirm);
	ui->action = UI_ACTION_NVME_SCAN;
}

static const char *
phase_word(enum nvme_run_phase p)
{
	switch (p) {
	case NVME_RUN_IDLE:
		return ("no scan yet");
	case NVME_RUN_SCANNING:
		return ("scanning");
	case NVME_RUN_PLANNED:
		return ("plan ready");
	case NVME_RUN_RESCAN:
		return ("scanning again before the wipe");
	case NVME_RUN_WIPING:
		return ("wiping");
	case NVME_RUN_VERIFY:
		return ("scanning after the wipe");
	case NVME_RUN_DONE:
		return ("done");
	}
	return ("?");
}

/* Draw line L of the scrolled list at Y if it is in view; returns 1 if drawn. */
static int
line(const struct ui_rect *r, int *y, size_t *l, unsigned long a,
    const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static int
line(const struct ui_rect *r, int *y, size_t *l, unsigned long a,
    const char *fmt, ...)
{
	va_list	 ap;
	char	 buf[1024];

	if ((*l)++ < nv.top || *y >= r->y + r->h - 1)
		return (0);
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	ui_put((*y)++, r->x + 1, r->w - 2, a, buf);
	return (1);
}

static void
nvme_draw(struct ui *ui, const struct ui_rect *r)
{
	const struct nvme_run		*x = ui->nvme;
	const struct nvme_run_node	*nn;
	const struct nvme_plan		*pl;
	const struct nvme_dev		*d;
	unsigned long			 dim = ui_attr(THEME_DIM, UI_PLAIN);
	unsigned long			 col = ui_attr(THEME_COLUMN, UI_PLAIN);
	unsigned long			 val = ui_attr(THEME_DEFAULT, UI_PLAIN);
	unsigned long			 ok = ui_attr(THEME_OK, UI_PLAIN);
	unsigned long			 bad = ui_attr(THEME_CRIT, UI_PLAIN);
	unsigned long			 warn = ui_attr(THEME_WARN, UI_PLAIN);
	unsigned long			 a;
	char				 sz[32];
	size_t				 i, j, k, l = 0, nwnodes = 0;
	int				 y = r->y, cw;

	ui_put(y, 1, r->w - 2, ui_attr(THEME_TITLE, UI_PLAIN) | A_BOLD,
	    "Storage: NVMe instance store");
	if (x == NULL || x->phase == NVME_RUN_IDLE) {
		ui_put(y + 2, 2, r->w - 4, dim, "s scans the selected (or all) "
		    "nodes");
		return;
	}
	ui_putf(y, 32, r->w - 34, dim, "%zu node%s: %s", x->n, x->n == 1 ?
	    "" : "s", phase_word(x->phase));
	y += 2;
	if (x->phase == NVME_RUN_SCANNING) {
		ui_put(y, 2, r->w - 4, dim, "scanning (lsblk, pvs, lvs, "
		    "wipefs --no-act) ...");
		return;
	}
	/* CONTENT takes what is left of the width, 12 to 34 columns. */
	cw = r->w - 2 - 49 - 16;
	cw = cw < 12 ? 12 : cw > 34 ? 34 : cw;
	ui_fill(y, r->x, r->w, col);
	line(r, &y, &l, col, "%-10s %-16s %9s  %-*s %-7s %s", "NODE",
	    "DEVICE", "SIZE", cw, "CONTENT", "PLAN", "MOUNTS / REASON");
	for (i = 0; i < x->n; i++) {
		nn = &x->nodes[i];
		pl = x->phase >= NVME_RUN_RESCAN && x->phase != NVME_RUN_DONE ?
		    &nn->shown : &nn->plan;
		if (nn->error != NULL && pl->ndevs == 0) {
			const char	*e = nn->error;

			/* "clustertop: NODE: why" -> "why" */
			if (strncmp(e, "clustertop: ", 12) == 0 &&
			    strncmp(e + 12, nn->name, strlen(nn->name)) == 0 &&
			    strncmp(e + 12 + strlen(nn->name), ": ", 2) == 0)
				e += 12 + strlen(nn->name) + 2;
			line(r, &y, &l, bad, "%-10s not scanned: %s", nn->name, e);
			continue;
		}
		if (pl->ndevs == 0)
			line(r, &y, &l, dim, "%-10s (no instance-store device: "
			    "%s)", nn->name, pl->selection != NULL ?
			    pl->selection : "none selected");
		for (j = 0; j < pl->ndevs; j++) {
			d = &pl->devs[j];
			a = d->action == NVME_WIPE ? warn : d->action ==
			    NVME_REFUSE ? bad : ok;
			line(r, &y, &l, a, "%-10s %-16s %9s  %-*.*s %-7s %s%s",
			    j == 0 ? nn->name : "", d->path,
			    nvme_format_size(d->size, sz, sizeof sz), cw, cw,
			    d->content != NULL ? d->content : "",
			    d->action == NVME_WIPE ? "wipe" : d->action ==
			    NVME_REFUSE ? "refuse" : "clean",
			    d->mounts != NULL ? "mounted: " : "",
			    d->mounts != NULL ? d->mounts : "");
			if (d->action == NVME_REFUSE && d->reason != NULL)
				line(r, &y, &l, bad, "%-10s REFUSED: %s", "",
				    d->reason);
		}
	}
	line(r, &y, &l, val, "%s", "");
	/* The plan: the exact commands, node by node. */
	for (i = 0; i < x->n; i++)
		nwnodes += nvme_plan_count(&x->nodes[i].plan, NVME_WIPE) > 0;
	if (x->nerror > 0)
		line(r, &y, &l, bad, "%zu node%s could not be scanned: %s", x->nerror,
		    x->nerror == 1 ? "" : "s", "nothing is done there");
	if (x->phase == NVME_RUN_PLANNED) {
		if (x->nwipe == 0)
			line(r, &y, &l, ok, "nothing to do: no device needs "
			    "wiping%s", x->nrefuse > 0 ? " (refused devices "
			    "are left alone)" : "");
		else
			line(r, &y, &l, warn | A_BOLD, "plan: wipe %zu "
			    "device%s on %zu node%s; w wipes (type %s to "
			    "confirm)", x->nwipe, x->nwipe == 1 ? "" : "s",
			    nwnodes, nwnodes == 1 ? "" : "s",
			    "the device count");
		for (i = 0; i < x->n; i++) {
			nn = &x->nodes[i];
			if (nvme_plan_count(&nn->plan, NVME_WIPE) == 0)
				continue;
			for (j = 0; j < nn->plan.ndevs; j++) {
				d = &nn->plan.devs[j];
				if (d->action != NVME_WIPE)
					continue;
				line(r, &y, &l, val, "%s %s:", nn->name,
				    d->path);
				for (k = 0; k < d->ncmds; k++)
					line(r, &y, &l, val, "    %s",
					    d->cmds[k]);
			}
		}
	}
	if (x->nlog > 0) {
		line(r, &y, &l, col, "%s", "log (also in the audit log, "
		    "\"nvme wipe\"):");
		for (i = 0; i < x->nlog; i++)
			line(r, &y, &l, strstr(x->log[i], "FAILED") != NULL ||
			    strstr(x->log[i], "NOT clean") != NULL ? bad : val,
			    "  %s", x->log[i]);
	}
	if (x->phase == NVME_RUN_DONE)
		line(r, &y, &l, x->failed ? bad : ok, "nvme: %s; s scans "
		    "again", x->summary);
	/* The last line: the confirmation prompt, or the keys. */
	y = r->y + r->h - 1;
	if (nv.confirm.active) {
		ui_fill(y, r->x, r->w, ui_attr(THEME_STATUS, UI_PLAIN));
		ui_putf(y, 1, r->w - 2, ui_attr(THEME_STATUS, UI_PLAIN) |
		    A_BOLD, "wipe: type the number of devices to wipe: %s",
		    nv.confirm.buf);
	} else
		ui_put(y, 1, r->w - 2, dim, "s scan again  w wipe  arrows "
		    "scroll  Esc back");
}

static int
nvme_key(struct ui *ui, int key)
{
	enum ui_prompt_result	 r;
	char			*end;
	long			 n;

	if (nv.confirm.active) {
		r = ui_prompt_key(&nv.confirm, key);
		if (r == UI_PROMPT_CANCEL) {
			ui_prompt_close(&nv.confirm);
			ui_message(ui, 0, "wipe: not confirmed; nothing done");
		} else if (r == UI_PROMPT_SUBMIT) {
			n = strtol(nv.confirm.buf, &end, 10);
			if (end == nv.confirm.buf || *end != '\0')
				n = -1;
			ui_prompt_close(&nv.confirm);
			ui->nvme_confirm = n;
			ui->action = UI_ACTION_NVME_WIPE;
		}
		return (1);
	}
	switch (key) {
	case 27:
	case KEY_LEFT:
	case KEY_BACKSPACE:
		ui_set_view(ui, &pane_nodes_kind);
		return (1);
	case 's':
		nv.top = 0;
		ui->action = UI_ACTION_NVME_SCAN;
		return (1);
	case 'w':
		if (ui->nvme == NULL || ui->nvme->phase != NVME_RUN_PLANNED) {
			ui_message(ui, 1, "wipe: %s", ui->nvme != NULL &&
			    ui->nvme->phase == NVME_RUN_DONE ? "scan again "
			    "first (s)" : "wait for the plan");
			return (1);
		}
		if (ui->nvme->nwipe == 0) {
			ui_message(ui, 0, "nothing to do: no device needs "
			    "wiping");
			return (1);
		}
		ui_prompt_open(&nv.confirm, "", NULL, 0);
		return (1);
	case KEY_DOWN:
	case 'j':
		nv.top++;
		return (1);
	case KEY_UP:
	case 'k':
		if (nv.top > 0)
			nv.top--;
		return (1);
	case KEY_NPAGE:
		nv.top += 10;
		return (1);
	case KEY_PPAGE:
		nv.top = nv.top > 10 ? nv.top - 10 : 0;
		return (1);
	case KEY_HOME:
	case 'g':
		nv.top = 0;
		return (1);
	}
	return (0);
}

const struct pane_kind pane_nvme_kind = {
	"nvme", nvme_draw, nvme_key, NULL
};
