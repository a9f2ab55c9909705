/*
 * pane-push.c -- `P`: the push form and the push's progress.
 *
 * The form: source path(s) on the head, destination on the nodes, the
 * -r, -p and --verify toggles; the target is the selected nodes, or all
 * of them. Enter starts the push (tui.c runs it, src/push-run.c). Below,
 * per node: state, bytes, rate and the reason of a failure, and the
 * totals; R pushes again to the failed nodes only.
 */

#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "push-run.h"
#include "ui.h"

#define CTRL(c)	((c) & 0x1f)

enum { F_SRC = 0, F_DEST, F_REC, F_PRES, F_VERIFY, F_N };

static struct {
	int		 init;
	int		 editing;	/* 1: keys go to the form */
	int		 field;
	struct ui_prompt src, dest;
	size_t		 top;		/* first node row shown */
} pf;

static void
pf_init(void)
{
	if (pf.init)
		return;
	pf.init = 1;
	ui_prompt_open(&pf.src, "", NULL, 0);
	ui_prompt_open(&pf.dest, "", "/tmp/", 0);
}

void
pane_push_open(struct ui *ui)
{
	pf_init();
	ui_set_view(ui, &pane_push_kind);
	/* A push still running stays in view; else a new form. */
	if (ui->push == NULL || !push_run_active(ui->push)) {
		pf.editing = 1;
		pf.field = F_SRC;
	}
}

static size_t
targets(const struct ui *ui, int *all)
{
	size_t	i, n = 0;

	for (i = 0; i < ui->cluster->n; i++)
		n += ui->cluster->nodes[i].selected != 0;
	*all = n == 0;
	return (n == 0 ? ui->cluster->n : n);
}

static void
draw_field(struct ui *ui, int y, int x, int w, const char *label,
    struct ui_prompt *p, int active)
{
	unsigned long	lab = ui_attr(THEME_LABEL, UI_PLAIN);
	unsigned long	val = ui_attr(active ? THEME_CURSOR : THEME_ROW_ALT,
			    UI_PLAIN);
	int		fw = w - 14;

	if (fw < 8)
		return;
	ui_put(y, x, 12, lab, label);
	ui_fill(y, x + 13, fw, val);
	ui_put(y, x + 13, fw, val, p->buf);
	if (active && pf.editing) {
		/* The cursor as a reverse cell (the status line owns the real one). */
		char	tmp[UI_PROMPT_MAX], ch[8];
		size_t	cl = p->cursor, l = 1;
		int	cx;

		memcpy(tmp, p->buf, cl);
		tmp[cl] = '\0';
		cx = ui_width(tmp);
		if (cx >= fw)
			return;
		if (cl < p->len) {
			while (cl + l < p->len &&
			    ((unsigned char)p->buf[cl + l] & 0xc0) == 0x80)
				l++;
			memcpy(ch, p->buf + cl, l < sizeof ch ? l : 1);
			ch[l < sizeof ch ? l : 1] = '\0';
		} else
			snprintf(ch, sizeof ch, " ");
		ui_put(y, x + 13 + cx, 1, val | A_REVERSE, ch);
	}
}

static void
draw_toggle(struct ui *ui, int y, int x, int on, const char *text,
    int active)
{
	unsigned long	a = ui_attr(active && pf.editing ? THEME_CURSOR :
			    THEME_DEFAULT, UI_PLAIN);

	ui_putf(y, x, 40, a, "[%c] %s", on ? 'x' : ' ', text);
}

static void
push_draw(struct ui *ui, const struct ui_rect *r)
{
	const struct push_run		*x = ui->push;
	const struct push_run_node	*pn;
	unsigned long			 title = ui_attr(THEME_TITLE, UI_PLAIN);
	unsigned long			 col = ui_attr(THEME_COLUMN, UI_PLAIN);
	unsigned long			 dim = ui_attr(THEME_DIM, UI_PLAIN);
	unsigned long			 a;
	char				 b1[32], b2[32], b3[32], b4[32], th[32];
	size_t				 n, i, rows, njob;
	int				 y = r->y, all, w = r->w;

	pf_init();
	n = targets(ui, &all);
	ui_put(y, 1, w - 2, title | A_BOLD, "Push files");
	ui_putf(y, 14, w - 16, dim, "target: %s%zu node%s", all ? "all " :
	    "", n, all ? (n == 1 ? "" : "s") : (n == 1 ? " (selected)" :
	    "s (selected)"));
	y += 2;
	if (y + 4 >= r->y + r->h)
		return;
	draw_field(ui, y++, 2, w - 2, "source", &pf.src, pf.field == F_SRC);
	draw_field(ui, y++, 2, w - 2, "destination", &pf.dest,
	    pf.field == F_DEST);
	draw_toggle(ui, y, 2, ui->pushform.recursive, "-r directories",
	    pf.field == F_REC);
	draw_toggle(ui, y, 22, ui->pushform.preserve, "-p modes, times",
	    pf.field == F_PRES);
	draw_toggle(ui, y, 43, ui->pushform.verify, "--verify SHA-256",
	    pf.field == F_VERIFY);
	y++;
	ui_put(y++, 2, w - 4, dim, pf.editing ?
	    "Enter push  Tab/arrows field  space toggle  Esc back" :
	    "e new push  R push again to the failed nodes  x cancel  "
	    "Esc back");
	y++;
	if (x == NULL || x->round == 0 || y >= r->y + r->h) {
		return;
	}

	/* The totals. */
	a = ui_attr(x->nfailed > 0 ? THEME_CRIT : x->finished ? THEME_OK :
	    THEME_VALUE, UI_PLAIN);
	ui_putf(y++, 1, w - 2, a, "%s %s -> %s: %zu node%s: %zu done, %zu "
	    "sending, %zu queued, %zu failed", x->finished ? (x->cancelled ?
	    "cancelled" : "finished") : "pushing", x->what, x->dest, x->n,
	    x->n == 1 ? "" : "s", x->ndone, x->nsending, x->nqueued,
	    x->nfailed);
	for (i = 0, njob = 0; i < x->n; i++)
		njob += x->nodes[i].in_job != 0;
	snprintf(th, sizeof th, " on %zu threads", x->nthreads);
	ui_putf(y++, 1, w - 2, ui_attr(THEME_VALUE, UI_PLAIN),
	    "  %s of %s (%s to %zu node%s), %s/s in all, %.1f s%s%s",
	    push_format_bytes(x->sum, b1, sizeof b1),
	    push_format_bytes(x->total * njob, b2, sizeof b2),
	    push_format_bytes(x->total, b3, sizeof b3), njob,
	    njob == 1 ? "" : "s", push_format_bytes((uint64_t)x->rate, b4,
	    sizeof b4), x->secs, x->round == 1 && x->nthreads > 1 ? th : "",
	    x->round > 1 ? "  (re-push of the failed nodes)" : "");
	if (y >= r->y + r->h)
		return;
	ui_fill(y, r->x, w, col);
	ui_putf(y++, 1, w - 2, col, "%-14s %-8s %-24s %-12s %s", "NODE",
	    "STATE", "BYTES", "RATE", "REASON");
	rows = (size_t)(r->y + r->h - y);
	if (pf.top + rows > x->n)
		pf.top = x->n > rows ? x->n - rows : 0;
	for (i = pf.top; i < x->n && y < r->y + r->h; i++) {
		pn = &x->nodes[i];
		switch (pn->state) {
		case PUSH_NODE_DONE:
			a = ui_attr(THEME_OK, UI_PLAIN);
			break;
		case PUSH_NODE_FAILED:
			a = ui_attr(THEME_CRIT, UI_PLAIN);
			break;
		case PUSH_NODE_SENDING:
			a = ui_attr(THEME_VALUE, UI_PLAIN);
			break;
		default:
			a = dim;
		}
		snprintf(b3, sizeof b3, "%s/s", push_format_bytes(
		    (uint64_t)pn->rate, b1, sizeof b1));
		ui_putf(y++, 1, w - 2, a, "%-14s %-8s %10s of %-10s %-12s %s",
		    pn->name, push_node_state_name(pn->state),
		    push_format_bytes(pn->done, b1, sizeof b1),
		    push_format_bytes(x->total, b2, sizeof b2),
		    pn->state == PUSH_NODE_SENDING ? b3 : "",
		    pn->why != NULL ? pn->why : "");
	}
}

static void
submit(struct ui *ui)
{
	struct ui_pushform	*f = &ui->pushform;

	if (pf.src.len == 0 || pf.dest.len == 0) {
		ui_message(ui, 1, "push: a source and a destination, please");
		pf.field = pf.src.len == 0 ? F_SRC : F_DEST;
		return;
	}
	if (ui->push != NULL && push_run_active(ui->push)) {
		ui_message(ui, 1, "push: one is running (x cancels it)");
		return;
	}
	snprintf(f->src, sizeof f->src, "%s", pf.src.buf);
	snprintf(f->dest, sizeof f->dest, "%s", pf.dest.buf);
	pf.editing = 0;
	pf.top = 0;
	ui->action = UI_ACTION_PUSH_START;
}

static int
push_key(struct ui *ui, int key)
{
	struct ui_prompt	*p;
	int			*t;

	pf_init();
	if (key == 27 || (!pf.editing && (key == KEY_LEFT ||
	    key == KEY_BACKSPACE))) {
			ui_set_view(ui, &pane_nodes_kind);
		return (1);
	}
	if (!pf.editing) {
		switch (key) {
		case 'e':
		case 'P':
			pf.editing = 1;
			pf.field = F_SRC;
			return (1);
		case 'R':
			ui->action = UI_ACTION_PUSH_RETRY;
			pf.top = 0;
			return (1);
		case 'x':
		case CTRL('c'):
			ui->action = UI_ACTION_PUSH_CANCEL;
			return (1);
		case KEY_DOWN:
		case 'j':
			pf.top++;
			return (1);
		case KEY_UP:
		case 'k':
			if (pf.top > 0)
				pf.top--;
			return (1);
		}
		return (0);
	}
	switch (key) {
	case '\t':
	case KEY_DOWN:
		pf.field = (pf.field + 1) % F_N;
		return (1);
	case KEY_BTAB:
	case KEY_UP:
		pf.field = (pf.field + F_N - 1) % F_N;
		return (1);
	case '\n':
	case '\r':
	case KEY_ENTER:
		submit(ui);
		return (1);
	}
	if (pf.field == F_SRC || pf.field == F_DEST) {
		p = pf.field == F_SRC ? &pf.src : &pf.dest;
		ui_prompt_key(p, key);
		return (1);
	}
	t = pf.field == F_REC ? &ui->pushform.recursive : pf.field == F_PRES ?
	    &ui->pushform.preserve : &ui->pushform.verify;
	if (key == ' ' || key == 'x')
		*t = !*t;
	/* Everything else is swallowed: no global key while in the form. */
	return (1);
}

const struct pane_kind pane_push_kind = {
	"push", push_draw, push_key, NULL
};
