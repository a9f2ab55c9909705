/*
 * tui.c -- `clustertop` with no subcommand: the live dashboard.
 *
 * Why it is over 1,500 lines (1,830): it holds one handler per dashboard
 * action (console run and cancel, broadcast, push, NVMe, phases, theme,
 * reconnect) and the loop that both the terminal and the server's hosted
 * mode drive (tui_turn, tui_host_*); each handler turns a UI action into
 * engine requests on the one struct tui. The next split, planned: the
 * console's handlers (run, cancel, --via slurm, copy, save) into a file of
 * their own behind a private tui-int.h, when the console gets result tabs.
 *
 * The glue between the engine (src/engine.h), the model (cluster.h) and
 * the screen (ui/ui.h). One loop, one thread:
 *
 *	engine_run_once(timeout)	sockets, the terminal, the Slurm
 *					watcher and a signal pipe, all in
 *					the engine's epoll; callbacks only
 *					change the model
 *	ui actions			quit, reconnect, theme
 *	cluster_tick			stale nodes
 *	ui_draw if due			a key: within one frame (33 ms);
 *					data: at most 5 times a second;
 *					otherwise once a second (ages)
 *
 * Nothing here blocks after start-up: keys are read in nodelay mode,
 * prompts and the help are states of the UI, not loops of their own.
 * Every exit path, fatal signals included, ends curses first.
 */

#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <langinfo.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curses.h>

#include "client-tui.h"
#include "cliopt.h"
#include "cluster.h"
#include "cmd.h"
#include "console.h"
#include "engine.h"
#include "hostlist.h"
#include "inventory.h"
#include "metrics.h"
#include "phasetui.h"
#include "nvme-run.h"
#include "push-run.h"
#include "theme.h"
#include "tui-bcast.h"
#include "tui-files.h"
#include "tui.h"
#include "via-slurm.h"
#include "ui.h"

#define TUI_FRAME_MS		33	/* a key is drawn within this */
#define TUI_DATA_FRAME_MS	200	/* new numbers: at most 5 frames/s */
#define TUI_IDLE_FRAME_MS	1000	/* nothing new: ages still move */
#define TUI_TICK_MS		250	/* stale checks */
#define TUI_SLURM_MS		5000	/* Slurm state refresh */

struct tui {
	struct engine		*e;
	struct cluster		*c;
	struct ui		 ui;
	struct slurm_watch	*sw;
	int			*eng2idx;	/* engine node id -> cluster index */
	size_t			 neng;
	uint32_t		*streams;	/* per cluster index; 0 none */
	char			*metrics_cmd;
	int			 quit;
	int			 tty_empty;	/* readable, yet no key: EOF? */
	uint64_t		 last_draw_ms;
	uint64_t		 last_tick_ms;
	char			 theme_name[64];
	struct ptui		*pt;		/* the phases screen (p, t) */
	uint64_t		 quit_asked_ms;	/* q during a phase run */
	struct push_run		 push;		/* P */
	struct nvme_run		 nvme;		/* n */
	uint64_t		 push_sampled_ms;

	/* The command console (`:`): its model and its job. */
	struct console		*con;
	uint32_t		 con_job;	/* 0 none */
	int			 con_job_done;	/* release it in the loop */
	struct via_slurm	*con_via;	/* `--via slurm CMD`: the step */
	struct inventory	*con_via_inv;	/* its nodes and Slurm states */
	int			 con_via_fds[2];	/* watched in the loop */
	int			 con_via_nfds;
	int			*idx2eng;	/* cluster index -> engine node id */
	int			 fanout;	/* -f: nodes running it at once */
	int			 timeout_ms;	/* -u: its default timeout; 0 none */
	struct engine_config	 cfg;		/* for the sessions of P's threads */

	/* $CLUSTERTOP_STATS: timings written as JSON at exit (bench). */
	uint64_t		 key_pending_ms; /* first undrawn key; 0 none */
	uint64_t		 start_ms;
	unsigned long		 frames, keys_drawn;
	unsigned long		 lines;		/* metric stream lines received */
	uint64_t		 stats_ms;	/* $CLUSTERTOP_STATS last written */
	double			 draw_ms_sum, draw_ms_max;
	double			 key_ms_sum, key_ms_max;

	/*
	 * Hosted by the server (tui.h): curses on two pipes instead of the
	 * terminal, the server's engine, no signal handlers of ours.
	 */
	int			 hosted;
	FILE			*tty;		/* the screen: stdout, or a pipe */
	FILE			*tty_in;	/* hosted: the keys' pipe */
	int			 in_fd;		/* the keys */
	struct inventory	*inv;
	struct tui_args		*hosted_args;	/* hosted: owned here */
	int			 client_pid;	/* hosted: the writer (audit) */
	char			 client_tty[128];
	unsigned long		 keys_late;	/* drawn later than TUI_FRAME_MS */
};

static void	on_interrupt(struct tui *);

static int	sig_pipe[2] = { -1, -1 };
static volatile sig_atomic_t sig_quit;
static volatile sig_atomic_t sig_int;	/* ^C: the console's, else quit */
static struct sigaction old_winch;
static struct sigaction old_fatal[32];

static uint64_t
now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000);
}

/* --- signals ----------------------------------------------------------------- */

static void
sig_wake(void)
{
	int	saved = errno;
	char	c = 0;

	if (sig_pipe[1] != -1 && write(sig_pipe[1], &c, 1) < 0) {
		/* Full pipe: a wake-up is pending anyway. */
	}
	errno = saved;
}

static void
on_winch(int sig)
{
	/* Let curses note the new size (it then returns KEY_RESIZE). */
	if (old_winch.sa_handler != SIG_DFL && old_winch.sa_handler != SIG_IGN &&
	    old_winch.sa_handler != NULL)
		old_winch.sa_handler(sig);
	sig_wake();
}

static void
on_quit(int sig)
{
	if (sig == SIGINT)
		sig_int = 1;
	else
		sig_quit = 1;
	sig_wake();
}

static void
on_fatal(int sig, siginfo_t *si, void *uc)
{
	struct sigaction	*old = &old_fatal[sig & 31];

	/* The terminal back first, then whoever handled this before us. */
	ui_end();
	if ((old->sa_flags & SA_SIGINFO) && old->sa_sigaction != NULL) {
		old->sa_sigaction(sig, si, uc);
		return;
	}
	if (old->sa_handler != SIG_DFL && old->sa_handler != SIG_IGN &&
	    old->sa_handler != NULL) {
		old->sa_handler(sig);
		return;
	}
	signal(sig, SIG_DFL);
	raise(sig);
}

static void
signals_setup(void)
{
	static const int	 fatal[] = { SIGSEGV, SIGBUS, SIGFPE, SIGILL,
	    SIGABRT };
	struct sigaction	 sa;
	size_t			 i;

	memset(&sa, 0, sizeof sa);
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = on_quit;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGQUIT, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);

	sa.sa_handler = on_winch;
	sa.sa_flags = SA_RESTART;
	sigaction(SIGWINCH, &sa, &old_winch);

	memset(&sa, 0, sizeof sa);
	sigemptyset(&sa.sa_mask);
	sa.sa_sigaction = on_fatal;
	sa.sa_flags = SA_SIGINFO | SA_RESETHAND;
	for (i = 0; i < sizeof fatal / sizeof fatal[0]; i++)
		sigaction(fatal[i], &sa, &old_fatal[fatal[i] & 31]);
}

static void
signals_restore(void)
{
	struct sigaction	sa;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = SIG_DFL;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGQUIT, &sa, NULL);
	sigaction(SIGWINCH, &old_winch, NULL);
}

/* --- engine and fd callbacks -------------------------------------------------- */

static long
node_index(struct tui *t, int node)
{
	if (node < 0 || (size_t)node >= t->neng)
		return (-1);
	return (t->eng2idx[node]);
}

/* A push (P) ended: say how. */
static void
push_done_message(struct tui *t)
{
	struct push_run	*x = &t->push;

	if (x->nfailed > 0)
		ui_message(&t->ui, 1, "push: %zu of %zu nodes failed "
		    "(R pushes again to them)", x->nfailed, x->n);
	else
		ui_message(&t->ui, 0, "push: %s on all %zu nodes in %.1f s",
		    x->cancelled ? "cancelled" : "done", x->n, x->secs);
	t->ui.dirty = 1;
}

/* Push (P) and storage (n) jobs. */
static void
on_job_event(struct tui *t, const struct engine_event *ev)
{
	struct push_run	*x = &t->push;

	if (push_run_event(x, ev))
		push_done_message(t);
	if (nvme_run_event(&t->nvme, ev))
		t->ui.dirty = 1;
}

/* The console's job: output and results into the model. */
static void
on_console_event(struct tui *t, const struct engine_event *ev, long i,
    uint64_t now)
{
	const struct engine_job_result	*r;

	switch (ev->type) {
	case ENGINE_EV_JOB_OUTPUT:
		if (i >= 0)
			console_output(t->con, t->c->nodes[i].name, ev->stream,
			    ev->data, ev->len);
		break;
	case ENGINE_EV_JOB_NODE_DONE:
		if (i >= 0 && (r = engine_job_result(t->e, ev->id,
		    ev->node)) != NULL)
			console_node_done(t->con, t->c->nodes[i].name, r);
		break;
	case ENGINE_EV_JOB_DONE:
		console_finish(t->con, now);
		t->con_job_done = 1;
		break;
	default:
		break;
	}
	/* New results: a frame at the data rate. */
	t->c->flags |= CLUSTER_CHANGED_DATA;
}

static void
on_engine_event(const struct engine_event *ev, void *arg)
{
	struct tui	*t = arg;
	long		 i = node_index(t, ev->node);
	uint64_t	 now = now_ms();

	/* A phase run's jobs (their nodes still update the table below). */
	if (ptui_engine_event(t->pt, ev)) {
		t->c->flags |= CLUSTER_CHANGED_DATA;
		return;
	}
	/* Not consumed: other views may have jobs of their own. */
	if (ev->type == ENGINE_EV_JOB_NODE_DONE ||
	    ev->type == ENGINE_EV_JOB_DONE)
		on_job_event(t, ev);
	/* The console's job. */
	if (t->con_job != 0 && ev->id == t->con_job && (ev->type ==
	    ENGINE_EV_JOB_OUTPUT || ev->type == ENGINE_EV_JOB_NODE_DONE ||
	    ev->type == ENGINE_EV_JOB_DONE)) {
		on_console_event(t, ev, i, now);
		return;
	}
	if (i < 0)
		return;
	if (t->ui.bcast != NULL && tui_bcast_event(t->ui.bcast, ev, i))
		t->ui.dirty = 1;
	switch (ev->type) {
	case ENGINE_EV_NODE:
		cluster_node_conn(t->c, (size_t)i, ev->state, ev->text, now);
		/* The engine restarts a stream after every reconnect. */
		if (ev->state == NODE_UP && t->streams[i] == 0)
			t->streams[i] = engine_stream_start(t->e, ev->node,
			    t->metrics_cmd);
		break;
	case ENGINE_EV_STREAM_LINE:
		t->lines++;
		cluster_node_line(t->c, (size_t)i, ev->data, ev->len, now);
		break;
	case ENGINE_EV_LOG:
		cluster_node_error(t->c, (size_t)i, ev->text, now);
		break;
	default:
		break;
	}
}

static void
on_tty(int fd, void *arg)
{
	struct tui	*t = arg;
	int		 key, n = 0;

	t->ui.now_ms = now_ms();
	/* Drain what is there; a paste of 1000 keys stays bounded. */
	while (n < 1024 && (key = getch()) != ERR) {
		n++;
		if (t->key_pending_ms == 0 && key != KEY_RESIZE)
			t->key_pending_ms = t->ui.now_ms;
		/*
		 * Hosted, the keys come through a pipe, with no line
		 * discipline to turn ^C into SIGINT: do what SIGINT does,
		 * except in broadcast mode, where ^C is for the nodes.
		 */
		if (t->hosted && key == 3 && t->ui.bcast == NULL) {
			on_interrupt(t);
			continue;
		}
		ui_key(&t->ui, key);
	}
	/* Broadcast: one read is one batch (a paste of lines is held). */
	if (t->ui.bcast != NULL) {
		switch (broadcast_input_end(t->ui.bcast)) {
		case BC_INPUT_PASTE_SENT:
			ui_message(&t->ui, 0, "paste sent to %zu nodes",
			    broadcast_ntargets(t->ui.bcast));
			break;
		case BC_INPUT_PASTE_DROPPED:
			ui_message(&t->ui, 0, "paste dropped");
			break;
		default:
			break;
		}
	}
	/*
	 * Readable again and again with nothing to read: the terminal is
	 * gone (EOF without SIGHUP). Do not spin; leave.
	 */
	if (fd >= 0 && n == 0 && !t->hosted) {
		if (++t->tty_empty > 200)
			t->quit = 1;
	} else
		t->tty_empty = 0;
}

static void
on_signal_pipe(int fd, void *arg)
{
	struct tui	*t = arg;
	char		 buf[64];

	while (read(fd, buf, sizeof buf) > 0)
		;
	if (sig_quit)
		t->quit = 1;
	/* A SIGWINCH: curses hands out KEY_RESIZE on the next getch. */
	on_tty(-1, t);
}

static void
on_slurm(int fd, void *arg)
{
	struct tui		*t = arg;
	struct inventory	*inv = NULL;
	char			*cause = NULL;
	int			 r;

	(void)fd;
	while ((r = slurm_watch_read(t->sw, &inv, &cause)) == 1) {
		cluster_apply_slurm(t->c, inv);
		if (inv->nnodes == 0 && inv->warning != NULL)
			ui_message(&t->ui, 1, "slurm: %s", inv->warning);
		inventory_free(inv);
		inv = NULL;
	}
	if (r < 0) {
		ui_message(&t->ui, 1, "slurm watcher stopped: %s",
		    cause != NULL ? cause : "helper died");
		free(cause);
		engine_unwatch_fd(t->e, slurm_watch_fd(t->sw));
		slurm_watch_stop(t->sw);
		t->sw = NULL;
	}
}

/* --- actions ------------------------------------------------------------------- */

static void
do_reconnect(struct tui *t)
{
	size_t			*sel, n, i;
	struct cluster_node	*cn;

	sel = cluster_selected(t->c, &n);
	if (n == 0 && (cn = ui_cursor_node(&t->ui)) != NULL) {
		sel[0] = (size_t)(cn - t->c->nodes);
		n = 1;
	}
	for (i = 0; i < n; i++)
		engine_reconnect(t->e, (int)sel[i]);
	if (n > 0)
		ui_message(&t->ui, 0, "reconnecting %zu node%s", n,
		    n == 1 ? "" : "s");
	free(sel);
}

/* Engine ids of the selected nodes, else of all; *n set. */
static int *
target_ids(struct tui *t, size_t *n)
{
	size_t	*sel, ns, i, j;
	int	*ids;

	sel = cluster_selected(t->c, &ns);
	ids = calloc(t->c->n + 1, sizeof *ids);
	if (ids == NULL)
		abort();
	*n = 0;
	for (j = 0; j < t->neng; j++) {
		if (t->eng2idx[j] < 0)
			continue;
		if (ns == 0)
			ids[(*n)++] = (int)j;
		for (i = 0; i < ns; i++) {
			if ((size_t)t->eng2idx[j] == sel[i])
				ids[(*n)++] = (int)j;
		}
	}
	free(sel);
	return (ids);
}

static void
do_push(struct tui *t, enum ui_action a)
{
	struct ui_pushform	*f = &t->ui.pushform;
	struct push_opts	 o;
	char			*cause = NULL, **srcs;
	const char		**addrs;
	size_t			 n, i;
	long			 ns, idx;
	int			*ids;

	if (a == UI_ACTION_PUSH_CANCEL) {
		if (push_run_active(&t->push)) {
			push_run_cancel(&t->push);
			ui_message(&t->ui, 0, "push: cancelling (nothing is "
			    "renamed into place)");
		}
		return;
	}
	if (a == UI_ACTION_PUSH_RETRY) {
		if (t->push.round == 0 || push_run_retry(&t->push,
		    &cause) != 0) {
			ui_message(&t->ui, 1, "push: %s", cause != NULL ?
			    cause : "nothing pushed yet");
			free(cause);
		} else
			ui_message(&t->ui, 0, "push: again to %zu failed "
			    "node%s", t->push.nqueued, t->push.nqueued == 1 ?
			    "" : "s");
		return;
	}
	if (push_run_active(&t->push)) {
		ui_message(&t->ui, 1, "push: one is running (x cancels it)");
		return;
	}
	push_run_free(&t->push);
	memset(&o, 0, sizeof o);
	o.recursive = f->recursive;
	o.preserve = f->preserve;
	o.verify = f->verify;
	/* Sources as a shell splits them: quotes keep blanks in a name. */
	if ((ns = push_split_words(f->src, &srcs, &cause)) < 0) {
		ui_message(&t->ui, 1, "push: %s", cause);
		free(cause);
		return;
	}
	ids = target_ids(t, &n);
	/* A bulk push runs on worker threads, as `clustertop push` does. */
	if ((addrs = calloc(n + 1, sizeof *addrs)) == NULL)
		abort();
	for (i = 0; i < n; i++) {
		idx = cluster_find(t->c, engine_node_name(t->e, ids[i]));
		addrs[i] = idx >= 0 ? t->c->nodes[idx].addr : NULL;
	}
	if (ns == 0)
		ui_message(&t->ui, 1, "push: no source");
	else if (push_run_start(&t->push, t->e, &t->cfg, addrs, srcs,
	    (size_t)ns, f->dest, &o, ids, n, t->fanout, 0, &cause) != 0) {
		ui_message(&t->ui, 1, "push: %s", cause != NULL ? cause :
		    "cannot start");
		free(cause);
	} else
		ui_message(&t->ui, 0, "push: %s to %zu node%s", f->src, n,
		    n == 1 ? "" : "s");
	free(addrs);
	free(ids);
	push_words_free(srcs);
}

static void
do_nvme(struct tui *t, enum ui_action a)
{
	char	*cause = NULL;
	size_t	 n;
	int	*ids;

	if (a == UI_ACTION_NVME_WIPE) {
		if (nvme_run_wipe(&t->nvme, t->ui.nvme_confirm, &cause) != 0) {
			ui_message(&t->ui, 1, "wipe: %s; nothing done", cause);
			free(cause);
		} else
			ui_message(&t->ui, 0, "wipe: confirmed; scanning "
			    "again, then wiping");
		return;
	}
	ids = target_ids(t, &n);
	if (nvme_run_scan(&t->nvme, t->e, ids, n, &cause) != 0) {
		ui_message(&t->ui, 1, "nvme: %s", cause);
		free(cause);
	}
	free(ids);
}

static void
do_next_theme(struct tui *t)
{
	struct theme	 th;
	char		**list, *cause = NULL;
	size_t		 n, i, next = 0;

	list = theme_list(&n);
	if (n == 0) {
		ui_message(&t->ui, 1, "no themes found (see --theme)");
		theme_list_free(list, n);
		return;
	}
	for (i = 0; i < n; i++) {
		if (strcmp(list[i], t->theme_name) == 0)
			next = (i + 1) % n;
	}
	if (theme_load(&th, list[next], &cause) != 0) {
		ui_message(&t->ui, 1, "%s", cause != NULL ? cause : "theme");
		free(cause);
	} else {
		if (!t->ui.colour)
			theme_strip_colour(&th);
		snprintf(t->theme_name, sizeof t->theme_name, "%s", list[next]);
		ui_set_theme(&t->ui, &th);
		ui_message(&t->ui, 0, "theme: %s", t->theme_name);
	}
	theme_list_free(list, n);
}

/* b: broadcast typing to the selected nodes. */
static void
do_broadcast(struct tui *t)
{
	size_t		*sel, n, i, j;
	int		*node;
	const char	**names;

	sel = cluster_selected(t->c, &n);
	if (n == 0 && t->ui.bcast_all && t->c->n > 0) {
		/* Confirmed (ui-keys.c): every node, as `:` does. */
		free(sel);
		n = t->c->n;
		if ((sel = calloc(n, sizeof *sel)) == NULL)
			abort();
		for (i = 0; i < n; i++)
			sel[i] = i;
	}
	t->ui.bcast_all = 0;
	if (n == 0) {
		ui_message(&t->ui, 1, "broadcast: no nodes");
		free(sel);
		return;
	}
	node = calloc(n, sizeof *node);
	names = calloc(n, sizeof *names);
	if (node == NULL || names == NULL)
		abort();
	for (i = 0; i < n; i++) {
		names[i] = t->c->nodes[sel[i]].name;
		node[i] = (int)sel[i];
		for (j = 0; j < t->neng; j++) {
			if (t->eng2idx[j] == (int)sel[i])
				node[i] = (int)j;
		}
	}
	t->ui.bcast = tui_bcast_start(t->e, sel, node, names, n,
	    t->ui.rows - 2, t->ui.cols);
	if (t->ui.bcast == NULL)
		ui_message(&t->ui, 1, "broadcast: out of memory");
	else {
		/* ^C ^Z ^\ ^S ^Q are for the nodes now, not for us. */
		raw();
		/* Pastes marked by the terminal (see broadcast_byte). */
		fputs("\033[?2004h", t->tty);
		fflush(t->tty);
		if (n > BC_TILES_MAX) {
			t->ui.bcast->view = BC_VIEW_GROUPS;
			ui_message(&t->ui, 0, "broadcast to %zu nodes, grouped "
			    "view (tiles: up to %d): type; ^] for the menu", n,
			    BC_TILES_MAX);
		} else
			ui_message(&t->ui, 0, "broadcast to %zu nodes: type; "
			    "^] for the menu", n);
	}
	t->ui.full = 1;
	free(node);
	free(names);
	free(sel);
}

/* Each turn of the loop: keys out, shells opened, PTYs resized. */
static void
broadcast_turn(struct tui *t)
{
	struct broadcast	*b = t->ui.bcast;

	if (b == NULL)
		return;
	if (b->quit) {
		tui_bcast_end(t->e, b);
		t->ui.bcast = NULL;
		noraw();
		cbreak();
		fputs("\033[?2004l", t->tty);
		fflush(t->tty);
		t->ui.full = 1;
		t->ui.dirty = 1;
		ui_message(&t->ui, 0, "broadcast closed");
		return;
	}
	broadcast_resize(b, t->ui.rows - 2, t->ui.cols);
	tui_bcast_sync(t->e, b);
}

/* --- the command console ----------------------------------------------------- */


/* --- the console through Slurm (`--via slurm CMD`, via-slurm.c) ------------- */

static void	con_via_sync(struct tui *);

static void
con_via_output(void *arg, size_t i, int stream, const char *p, size_t len)
{
	struct tui	*t = arg;

	console_output(t->con, t->con_via_inv->nodes[i].name, stream, p, len);
	t->c->flags |= CLUSTER_CHANGED_DATA;
}

static void
con_via_node_done(struct tui *t, size_t i)
{
	const char	*name = t->con_via_inv->nodes[i].name, *label;

	console_node_done(t->con, name, via_slurm_result(t->con_via, i));
	if ((label = via_slurm_state_label(t->con_via, i)) != NULL &&
	    t->con->g != NULL)
		gather_set_state(t->con->g, name, label, -1, NULL);
	t->c->flags |= CLUSTER_CHANGED_DATA;
}

static void
con_via_done(void *arg, size_t i)
{
	struct tui	*t = arg;

	if (t->con_via != NULL)	/* else: reported after the start */
		con_via_node_done(t, i);
}

/* Read what the step sent; at its end, finish the console's command. */
static void
con_via_step(struct tui *t)
{
	if (t->con_via == NULL)
		return;
	via_slurm_process(t->con_via);
	con_via_sync(t);
	if (!via_slurm_finished(t->con_via))
		return;
	console_finish(t->con, now_ms());
	via_slurm_free(t->con_via);
	t->con_via = NULL;
	inventory_free(t->con_via_inv);
	t->con_via_inv = NULL;
	t->c->flags |= CLUSTER_CHANGED_DATA;
}

static void
on_con_via_fd(int fd, void *arg)
{
	con_via_step(arg);
}

/* Watch exactly the fds the step still has open (it closes them at EOF). */
static void
con_via_sync(struct tui *t)
{
	int	fds[2], n = 0, i, j, keep;

	if (t->con_via != NULL)
		n = via_slurm_fds(t->con_via, fds);
	for (i = 0; i < t->con_via_nfds; i++) {
		for (keep = 0, j = 0; j < n; j++)
			keep |= fds[j] == t->con_via_fds[i];
		if (!keep)
			engine_unwatch_fd(t->e, t->con_via_fds[i]);
	}
	for (j = 0; j < n; j++) {
		for (keep = 0, i = 0; i < t->con_via_nfds; i++)
			keep |= fds[j] == t->con_via_fds[i];
		if (!keep)
			engine_watch_fd(t->e, fds[j], on_con_via_fd, t);
	}
	for (j = 0; j < n; j++)
		t->con_via_fds[j] = fds[j];
	t->con_via_nfds = n;
}

/* The console's command as one Slurm step on the target's nodes. */
static void
do_console_run_via(struct tui *t)
{
	struct via_slurm_spec	 spec;
	struct inventory	*inv;
	struct hostlist		*run = t->con->run;
	const struct cluster_node *cn;
	size_t			 n = hostlist_count(run), i;
	long			 idx;
	char			*cause = NULL, *line;

	inv = xcalloc(1, sizeof *inv);
	inv->nodes = xcalloc(n + 1, sizeof *inv->nodes);
	for (i = 0; i < n; i++) {
		struct inventory_node *in = &inv->nodes[inv->nnodes++];

		in->name = xstrdup(hostlist_get(run, i));
		if ((idx = cluster_find(t->c, in->name)) < 0)
			continue;
		cn = &t->c->nodes[idx];
		in->slurm_state = xstrdup(cn->slurm_state);
		in->slurm_flags = via_slurm_flags(cn->slurm_state);
		in->reason = xstrdup(cn->slurm_reason);
	}
	if (t->sw == NULL)
		inv->warning = xstrdup("Slurm is not configured here");
	t->con_via_inv = inv;
	memset(&spec, 0, sizeof spec);
	spec.inv = inv;
	spec.command = t->ui.con.command;
	spec.start_timeout_s = t->cfg.connect_timeout_ms > 0 ?
	    (t->cfg.connect_timeout_ms + 999) / 1000 : 10;
	spec.timeout_ms = t->con->timeout_ms;
	spec.cap = t->cfg.output_cap != 0 ? t->cfg.output_cap : 1024 * 1024;
	spec.label = "console";
	spec.output = con_via_output;
	spec.done = con_via_done;
	spec.arg = t;
	if ((t->con_via = via_slurm_start(&spec, &cause)) == NULL) {
		ui_message(&t->ui, 1, "console --via slurm: %s", cause != NULL ?
		    cause : "cannot start srun");
		free(cause);
		inventory_free(inv);
		t->con_via_inv = NULL;
		console_finish(t->con, now_ms());
		return;
	}
	free(cause);
	for (i = 0; i < inv->nnodes; i++) {
		if (via_slurm_result(t->con_via, i) != NULL)
			con_via_node_done(t, i);
	}
	line = xasprintf("--via slurm %s", t->ui.con.command);
	tui_hist_save(line);
	free(line);
	con_via_step(t);
}

static void
do_console_run(struct tui *t)
{
	struct engine_job_spec	 spec;
	struct hostlist		*next = t->con->next;
	size_t			 n = hostlist_count(next), i, k = 0;
	long			 idx;
	int			*ids;
	char			*cause = NULL;

	if (t->con_job != 0 || t->con_via != NULL) {
		ui_message(&t->ui, 1, "a command is still running: ^C cancels "
		    "it");
		return;
	}
	if ((ids = calloc(n + 1, sizeof *ids)) == NULL)
		abort();
	for (i = 0; i < n; i++) {
		idx = cluster_find(t->c, hostlist_get(next, i));
		if (idx >= 0)
			ids[k++] = t->idx2eng[idx];
	}
	if (k == 0 || console_begin(t->con, t->ui.con.command, now_ms(),
	    time(NULL)) != 0) {
		ui_message(&t->ui, 1, "console: no nodes to run on");
		free(ids);
		return;
	}
	if (t->ui.con.via) {
		free(ids);
		t->con->timeout_ms = t->ui.con.timeout_ms >= 0 ?
		    t->ui.con.timeout_ms : t->timeout_ms;
		t->con->via = 1;
		do_console_run_via(t);
		return;
	}
	memset(&spec, 0, sizeof spec);
	spec.command = t->ui.con.command;
	spec.nodes = ids;
	spec.nnodes = k;
	/* The command's own -u, else clustertop's -u (0: none). */
	spec.timeout_ms = t->ui.con.timeout_ms >= 0 ? t->ui.con.timeout_ms :
	    t->timeout_ms;
	t->con->timeout_ms = spec.timeout_ms;
	spec.fanout = t->fanout;
	spec.stream_output = 1;
	spec.label = "console";
	/* Hosted: the audit names the client that has the keys. */
	spec.client_pid = t->client_pid;
	spec.client_tty = t->client_tty[0] != '\0' ? t->client_tty : NULL;
	t->con_job = engine_job_start(t->e, &spec, &cause);
	free(ids);
	if (t->con_job != 0)
		tui_hist_save(t->ui.con.command);
	if (t->con_job == 0) {
		ui_message(&t->ui, 1, "console: %s", cause != NULL ? cause :
		    "cannot start the command");
		free(cause);
		console_finish(t->con, now_ms());
	}
}

static void
do_console_cancel(struct tui *t)
{
	if (t->con_via != NULL && console_running(t->con)) {
		via_slurm_cancel(t->con_via);
		t->con->cancelled = 1;
		ui_message(&t->ui, 0, "cancelled: stopping the Slurm step");
		return;
	}
	if (t->con_job == 0 || !console_running(t->con))
		return;
	engine_job_cancel(t->e, t->con_job);
	t->con->cancelled = 1;
	ui_message(&t->ui, 0, "cancelled: killing the command on %zu node%s",
	    console_nrun(t->con) - t->con->nended, console_nrun(t->con) -
	    t->con->nended == 1 ? "" : "s");
}

/*
 * ^C: cancels the console's command wherever it is pressed; else, in the
 * console, closes its input line; elsewhere it quits, as it always did.
 */
static void
on_interrupt(struct tui *t)
{
	t->ui.dirty = 1;
	if (console_running(t->con)) {
		do_console_cancel(t);
		return;
	}
	if (t->ui.view != &pane_console_kind) {
		t->quit = 1;
		return;
	}
	if (t->ui.prompt.active)
		ui_prompt_close(&t->ui.prompt);
	else
		ui_message(&t->ui, 0, "nothing to cancel (q quits)");
}

/*
 * Copy the block under the cursor: to a file, which always works, and to
 * the clipboard of the administrator's terminal with OSC 52 (tmux,
 * xterm, kitty, iTerm2, Windows Terminal, ... pass it to the desktop's
 * clipboard, also over ssh).
 */
static void
do_console_copy(struct tui *t)
{
	char	*text, *osc, path[1024], *cause = NULL;
	const char *home = getenv("HOME"), *shown;
	size_t	 len, lines = 0, i;
	FILE	*f;
	ssize_t	 w;

	if ((text = console_block_text(t->con, t->ui.con.block, &len)) ==
	    NULL)
		return;
	for (i = 0; i < len; i++)
		lines += text[i] == '\n';
	if ((osc = console_osc52(text, len)) != NULL) {
		fflush(t->tty);
		w = write(fileno(t->tty), osc, strlen(osc));
		(void)w;
		free(osc);
	}
	if (tui_cache_path(path, sizeof path, "console-block.txt") != 0 ||
	    (f = tui_fopen_private(path, &cause)) == NULL) {
		ui_message(&t->ui, 1, "copied %zu lines (OSC 52); no file: %s",
		    lines, cause != NULL ? cause : "no $HOME");
		free(cause);
		free(text);
		return;
	}
	fwrite(text, 1, len, f);
	/* Short enough for the status line: ~ for the home directory. */
	shown = path;
	if (home != NULL && *home != '\0' && strncmp(path, home,
	    strlen(home)) == 0 && path[strlen(home)] == '/') {
		shown = path + strlen(home) - 1;
		path[strlen(home) - 1] = '~';
	}
	if (fclose(f) != 0)
		ui_message(&t->ui, 1, "%s: %s", shown, strerror(errno));
	else
		ui_message(&t->ui, 0, "copied %zu line%s (OSC 52 + %s)", lines,
		    lines == 1 ? "" : "s", shown);
	free(text);
}

static void
do_console_save(struct tui *t)
{
	const char	*p = t->ui.con.path, *home = getenv("HOME");
	char		 path[1024], *cause = NULL;
	FILE		*f;

	if (strncmp(p, "~/", 2) == 0 && home != NULL)
		snprintf(path, sizeof path, "%s/%s", home, p + 2);
	else
		snprintf(path, sizeof path, "%s", p);
	if ((f = tui_fopen_private(path, &cause)) == NULL) {
		ui_message(&t->ui, 1, "save: %s", cause != NULL ? cause : path);
		free(cause);
		return;
	}
	if (console_save(t->con, f) != 0 || fclose(f) != 0) {
		ui_message(&t->ui, 1, "save: %s: write failed", path);
		return;
	}
	ui_message(&t->ui, 0, "saved the results of %zu node%s to %s",
	    console_nrun(t->con), console_nrun(t->con) == 1 ? "" : "s", path);
}

/* --- start-up ------------------------------------------------------------------- */

static void
usage(FILE *f)
{
	fprintf(f, "usage: clustertop [-w HOSTS] [-x HOSTS] [-F SSH_CONFIG] "
	    "[-l USER] [--theme NAME]\n"
	    "                  [--interval SECONDS] [--mounts /a,/b] "
	    "[--ascii]\n"
	    "                  [--strict-host-keys yes|accept-new]\n"
	    "       clustertop --metrics-command   print the node sampling "
	    "command\n\n%s"
	    "  --theme NAME        colour theme (dark, light, mono, "
	    "high-contrast, or a path)\n"
	    "  --interval S        seconds between samples (default 2)\n"
	    "  --mounts LIST       disk columns besides / "
	    "(default /scratch,/fsx;\n"
	    "                      $CLUSTERTOP_MOUNTS)\n"
	    "  --ascii             no UTF-8 glyphs\n"
	    "See docs/dashboard.md for the screen and its keys.\n",
	    cliopt_usage());
}

/* Split a comma list of mounts into MOUNTS (pointers into BUF). */
static size_t
split_mounts(char *buf, const char **mounts, size_t max)
{
	char	*tok, *save = NULL;
	size_t	 n = 0;

	for (tok = strtok_r(buf, ", ", &save); tok != NULL && n < max;
	    tok = strtok_r(NULL, ", ", &save))
		mounts[n++] = tok;
	return (n);
}

/* Parse a decimal number of seconds in C notation. */
static int
parse_interval(const char *s, double *out)
{
	char	*end;
	double	 d;

	errno = 0;
	d = strtod(s, &end);
	if (errno != 0 || end == s || *end != '\0' || !(d >= 0.2) ||
	    d > 3600)
		return (-1);
	*out = d;
	return (0);
}

static double
now_precise_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((double)ts.tv_sec * 1000 + (double)ts.tv_nsec / 1e6);
}

static void write_stats(struct tui *);

/* One frame; keep the timings $CLUSTERTOP_STATS asks for. */
static void
draw(struct tui *t, uint64_t now)
{
	double	start = now_precise_ms(), end, ms;

	cluster_refresh(t->c, now);
	t->c->flags = 0;
	ui_draw(&t->ui);
	t->last_draw_ms = now;
	end = now_precise_ms();
	t->frames++;
	t->draw_ms_sum += end - start;
	if (end - start > t->draw_ms_max)
		t->draw_ms_max = end - start;
	if (t->key_pending_ms != 0) {
		ms = end - (double)t->key_pending_ms;
		t->keys_drawn++;
		t->key_ms_sum += ms;
		if (ms > t->key_ms_max)
			t->key_ms_max = ms;
		if (ms > TUI_FRAME_MS)
			t->keys_late++;
		t->key_pending_ms = 0;
	}
	/* every 5 s too, so that a long run can be measured over a window */
	if (now >= t->stats_ms + 5000) {
		t->stats_ms = now;
		write_stats(t);
	}
}

static void
write_stats(struct tui *t)
{
	const char	*path = getenv("CLUSTERTOP_STATS");
	struct timespec	 ts;
	double		 cpu = 0, wall;
	char		*tmp;
	FILE		*f;

	if (path == NULL || *path == '\0' || asprintf(&tmp, "%s.tmp", path) == -1)
		return;
	if ((f = fopen(tmp, "w")) == NULL) {
		free(tmp);
		return;
	}
	if (clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts) == 0)
		cpu = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
	wall = (double)(now_ms() - t->start_ms) / 1000;
	fprintf(f, "{\"nodes\": %zu, \"wall_s\": %.3f, \"cpu_s\": %.3f, "
	    "\"frames\": %lu, \"draw_ms_avg\": %.3f, \"draw_ms_max\": %.3f, "
	    "\"keys\": %lu, \"key_to_frame_ms_avg\": %.3f, "
	    "\"key_to_frame_ms_max\": %.3f, \"key_to_frame_ms_sum\": %.3f, "
	    "\"keys_later_than_a_frame\": %lu, \"frame_ms\": %d, "
	    "\"lines\": %lu}\n", t->c->n, wall, cpu,
	    t->frames,
	    t->frames ? t->draw_ms_sum / (double)t->frames : 0, t->draw_ms_max,
	    t->keys_drawn, t->keys_drawn ? t->key_ms_sum /
	    (double)t->keys_drawn : 0, t->key_ms_max, t->key_ms_sum,
	    t->keys_late, TUI_FRAME_MS, t->lines);
	if (fclose(f) == 0)
		rename(tmp, path);	/* readers never see half a file */
	else
		unlink(tmp);
	free(tmp);
}

/* How long the loop may sleep in the engine before the next frame or tick. */
static int
tui_wait_ms(struct tui *t)
{
	uint64_t	now = now_ms(), due;

	if (t->ui.dirty)
		due = t->last_draw_ms + TUI_FRAME_MS;
	else if (t->c->flags)
		due = t->last_draw_ms + TUI_DATA_FRAME_MS;
	else
		due = t->last_draw_ms + TUI_IDLE_FRAME_MS;
	if (due > t->last_tick_ms + TUI_TICK_MS)
		due = t->last_tick_ms + TUI_TICK_MS;
	return (due > now ? (int)(due - now) : 0);
}

/* One turn after the engine's: actions, runs, ticks, a frame if due. */
static void
tui_turn(struct tui *t)
{
	struct ui	*ui = &t->ui;
	uint64_t	 now;
	enum ui_action	 act;
	int		 want;

	if (sig_quit)
		t->quit = 1;
	if (sig_int) {
		sig_int = 0;
		on_interrupt(t);
	}
	now = now_ms();
	ui_tick(ui, now);
	act = ui_take_action(ui);
	switch (act) {
	case UI_ACTION_QUIT:
		/* A stray q must not cut a phase run short unasked. */
		if (t->pt != NULL && t->pt->running &&
		    now > t->quit_asked_ms + 5000) {
			t->quit_asked_ms = now;
			ui_message(ui, 1, "a phase run is in progress: "
			    "q again stops it and quits");
			break;
		}
		t->quit = 1;
		return;
	case UI_ACTION_RECONNECT:
		do_reconnect(t);
		break;
	case UI_ACTION_THEME_NEXT:
		do_next_theme(t);
		break;
	case UI_ACTION_PHASES:
		ptui_request(t->pt);
		break;
	case UI_ACTION_BROADCAST:
		do_broadcast(t);
		break;
	case UI_ACTION_PUSH_START:
	case UI_ACTION_PUSH_RETRY:
	case UI_ACTION_PUSH_CANCEL:
		do_push(t, act);
		break;
	case UI_ACTION_NVME_SCAN:
	case UI_ACTION_NVME_WIPE:
		do_nvme(t, act);
		break;
	case UI_ACTION_CONSOLE_RUN:
		do_console_run(t);
		break;
	case UI_ACTION_CONSOLE_CANCEL:
		do_console_cancel(t);
		break;
	case UI_ACTION_CONSOLE_COPY:
		do_console_copy(t);
		break;
	case UI_ACTION_CONSOLE_SAVE:
		do_console_save(t);
		break;
	case UI_ACTION_REDRAW:
	case UI_ACTION_NONE:
		break;
	}
	/* Phase progress: at the data frame rate, messages at once. */
	if (t->pt != NULL && t->pt->changed) {
		t->pt->changed = 0;
		t->c->flags |= CLUSTER_CHANGED_DATA;
		if (t->pt->msg[0] != '\0') {
			ui_message(ui, t->pt->msg_error, "%s", t->pt->msg);
			t->pt->msg[0] = '\0';
		}
	}
	broadcast_turn(t);
	/* Push progress: a few samples a second while it runs. */
	if (push_run_active(&t->push) && now >= t->push_sampled_ms + 250) {
		/* On worker threads, the end is seen here. */
		if (push_run_sample(&t->push))
			push_done_message(t);
		t->push_sampled_ms = now;
		if (ui->view == &pane_push_kind)
			ui->dirty = 1;
	}
	if (t->con_via != NULL)
		con_via_step(t);	/* deadlines, srun's exit */
	if (t->con_job_done) {
		engine_job_release(t->e, t->con_job);
		t->con_job = 0;
		t->con_job_done = 0;
	}
	if (now >= t->last_tick_ms + TUI_TICK_MS) {
		cluster_tick(t->c, now);
		t->last_tick_ms = now;
	}
	want = 0;
	if (ui->dirty && now >= t->last_draw_ms + TUI_FRAME_MS)
		want = 1;
	else if (t->c->flags && now >= t->last_draw_ms + TUI_DATA_FRAME_MS)
		want = 1;
	else if (now >= t->last_draw_ms + TUI_IDLE_FRAME_MS)
		want = 1;
	if (want)
		draw(t, now);
}

static void
loop(struct tui *t)
{
	while (!t->quit) {
		if (engine_run_once(t->e, tui_wait_ms(t)) != 0) {
			ui_end();
			fprintf(stderr, "clustertop: the event loop failed\n");
			t->quit = 2;
			return;
		}
		tui_turn(t);
	}
}

static void
atexit_end(void)
{
	ui_end();
}

/* --- options ------------------------------------------------------------------ */

struct tui_args {
	struct cliopt	 opt;
	const char	*theme_arg;
	char		 mounts_buf[1024];
	char		 mounts_split[1024];	/* split_mounts' copy */
	double		 interval;
	int		 ascii, print_cmd, help;
};

/* Parse the dashboard's options; CT_EXIT_USAGE with the error on ERR. */
static int
tui_parse(struct tui_args *a, int argc, char **argv, FILE *err)
{
	static const struct option longopts[] = {
		CLIOPT_LONG,
		{ "theme", required_argument, NULL, 'T' },
		{ "interval", required_argument, NULL, 'i' },
		{ "mounts", required_argument, NULL, 'm' },
		{ "ascii", no_argument, NULL, 'A' },
		{ "metrics-command", no_argument, NULL, 'M' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char	*v;
	char		*cause = NULL;
	int		 ch, rc;

	memset(a, 0, sizeof *a);
	a->interval = 2;
	cliopt_init(&a->opt);
	v = getenv("CLUSTERTOP_MOUNTS");
	snprintf(a->mounts_buf, sizeof a->mounts_buf, "%s", v != NULL ? v :
	    "/scratch,/fsx");
	optind = 1;
	opterr = err == stderr;
	while ((ch = getopt_long(argc, argv, CLIOPT_SHORT "h", longopts,
	    NULL)) != -1) {
		rc = cliopt_handle(&a->opt, ch, optarg, &cause);
		if (rc < 0) {
			fprintf(err, "clustertop: %s\n", cause);
			free(cause);
			return (CT_EXIT_USAGE);
		}
		if (rc == 1)
			continue;
		switch (ch) {
		case 'T':
			a->theme_arg = optarg;
			break;
		case 'i':
			if (parse_interval(optarg, &a->interval) != 0) {
				fprintf(err, "clustertop: --interval: 0.2 to "
				    "3600 seconds\n");
				return (CT_EXIT_USAGE);
			}
			break;
		case 'm':
			snprintf(a->mounts_buf, sizeof a->mounts_buf, "%s",
			    optarg);
			break;
		case 'A':
			a->ascii = 1;
			break;
		case 'M':
			a->print_cmd = 1;
			break;
		case 'h':
			a->help = 1;
			return (0);
		default:
			usage(err);
			return (CT_EXIT_USAGE);
		}
	}
	opterr = 1;
	if (optind < argc) {
		fprintf(err, "clustertop: unexpected argument '%s'\n",
		    argv[optind]);
		usage(err);
		return (CT_EXIT_USAGE);
	}
	return (0);
}

/* The sampling command from the mounts; NULL with the error on ERR. */
static char *
tui_metrics_cmd(struct tui_args *a, const char **mounts, size_t *nmounts,
    FILE *err)
{
	char	*cmd, *cause = NULL;

	/* Split a copy: this runs twice (the client's check, the setup). */
	memcpy(a->mounts_split, a->mounts_buf, sizeof a->mounts_split);
	*nmounts = split_mounts(a->mounts_split, mounts, METRICS_MAX_DISKS - 1);
	if ((cmd = metrics_command(a->interval, mounts, *nmounts,
	    &cause)) == NULL) {
		fprintf(err, "clustertop: %s\n", cause != NULL ? cause :
		    "out of memory");
		free(cause);
	}
	return (cmd);
}

/* --- set-up and tear-down, in this process or hosted ------------------------------ */

/*
 * Nodes of a shared engine (the server's) that an exec already connected:
 * the table starts from their state, and their streams now, since no
 * NODE event will come for a session that is already up.
 */
static void
tui_adopt_nodes(struct tui *t)
{
	enum node_state	st;
	uint64_t	now = now_ms();
	size_t		i;
	int		id;

	for (i = 0; i < t->c->n; i++) {
		id = t->idx2eng[i];
		switch ((st = engine_node_state(t->e, id))) {
		case NODE_NEW:
			break;
		case NODE_UP:
			cluster_node_conn(t->c, i, st, NULL, now);
			t->streams[i] = engine_stream_start(t->e, id,
			    t->metrics_cmd);
			break;
		case NODE_CONNECTING:
		case NODE_RECONNECTING:
			cluster_node_conn(t->c, i, st, NULL, now);
			break;
		default:
			/* Failed for an exec: the dashboard tries again. */
			engine_reconnect(t->e, id);
			break;
		}
	}
}

/*
 * Everything but the loop. H is NULL in this process; hosted, the engine,
 * the pipes and the size come from H. -1 with the error on ERR; 1 when
 * H's config_ok declined the connection settings; -2 when the engine or
 * curses cannot start (not a usage error).
 */
static int
tui_setup(struct tui *t, struct tui_args *a, const struct tui_host *h,
    FILE *err)
{
	struct engine_config	 cfg;
	struct theme		 th;
	const char		*mounts[METRICS_MAX_DISKS], *v, *codeset;
	char			*cause = NULL, *name, msg[256];
	size_t			 nmounts, i;
	int			*ids, want_colour, rc;
	struct inventory	*inv = NULL;

	t->tty = stdout;
	t->in_fd = STDIN_FILENO;
	if ((t->metrics_cmd = tui_metrics_cmd(a, mounts, &nmounts, err)) ==
	    NULL)
		return (-1);

	/* Theme: --theme, else dark, else the built-in copy of dark. */
	v = getenv("NO_COLOR");
	want_colour = v == NULL || *v == '\0';
	if (a->theme_arg != NULL) {
		if (theme_load(&th, a->theme_arg, &cause) != 0) {
			fprintf(err, "clustertop: %s\n", cause);
			free(cause);
			return (-1);
		}
	} else if (theme_load(&th, "dark", &cause) != 0) {
		free(cause);
		cause = NULL;
		theme_builtin(&th);
	}
	snprintf(t->theme_name, sizeof t->theme_name, "%s", th.name);
	if (!want_colour)
		theme_strip_colour(&th);

	cliopt_engine_config(&a->opt, &cfg);
	/* P's worker threads connect once, as `clustertop push` does. */
	t->cfg = cfg;
	cfg.reconnect = 1;
	t->fanout = a->opt.fanout;
	t->timeout_ms = a->opt.command_timeout_ms;
	if (h != NULL && h->config_ok != NULL && !h->config_ok(&cfg, h->arg))
		return (1);

	if (cliopt_nodes(&a->opt, &inv, &cause) != 0) {
		fprintf(err, "clustertop: %s\n", cause != NULL ? cause :
		    "no nodes");
		free(cause);
		return (-1);
	}
	t->inv = inv;
	if (h != NULL) {
		t->hosted = 1;
		t->e = h->e;
		engine_set_reconnect(t->e, 1);
	} else if ((t->e = engine_create(&cfg, &cause)) == NULL) {
		fprintf(err, "clustertop: %s\n", cause != NULL ? cause :
		    "cannot start the engine");
		free(cause);
		return (-2);
	}
	name = inventory_cluster_name();
	t->c = cluster_create(name, a->interval);
	free(name);
	cluster_set_mounts(t->c, mounts, nmounts);

	/* A shared engine may know a node already (an exec connected it). */
	ids = xcalloc(inv->nnodes + 1, sizeof *ids);
	for (i = 0; i < inv->nnodes; i++) {
		if (t->hosted && (rc = engine_find_node(t->e,
		    inv->nodes[i].name)) != -1)
			ids[i] = rc;
		else
			ids[i] = engine_add_node(t->e, inv->nodes[i].name,
			    inv->nodes[i].addr);
	}
	t->neng = engine_nnodes(t->e);
	t->eng2idx = xcalloc(t->neng + 1, sizeof *t->eng2idx);
	t->streams = xcalloc(inv->nnodes + 1, sizeof *t->streams);
	for (i = 0; i < t->neng; i++)
		t->eng2idx[i] = -1;
	for (i = 0; i < inv->nnodes; i++) {
		cluster_add_node(t->c, inv->nodes[i].name, inv->nodes[i].addr);
		if (ids[i] >= 0 && (size_t)ids[i] < t->neng)
			t->eng2idx[ids[i]] = (int)i;
	}
	t->idx2eng = ids;
	cluster_apply_slurm(t->c, inv);

	/* The screen. ui_init clears struct ui: keep the warning for after. */
	snprintf(msg, sizeof msg, "%s", inv->warning != NULL ? inv->warning :
	    "");
	codeset = nl_langinfo(CODESET);
	if (h != NULL) {
		t->tty = fdopen(h->out_fd, "w");
		t->tty_in = fdopen(h->in_fd, "r");
		if (t->tty == NULL || t->tty_in == NULL)
			abort();
		t->in_fd = h->in_fd;
		rc = ui_init_term(&t->ui, t->c, &th, want_colour, h->term,
		    t->tty, t->tty_in, h->rows, h->cols);
	} else {
		if (pipe(sig_pipe) != 0) {
			fprintf(err, "clustertop: pipe: %s\n", strerror(errno));
			return (-1);
		}
		fcntl(sig_pipe[0], F_SETFL, O_NONBLOCK);
		fcntl(sig_pipe[1], F_SETFL, O_NONBLOCK);
		fcntl(sig_pipe[0], F_SETFD, FD_CLOEXEC);
		fcntl(sig_pipe[1], F_SETFD, FD_CLOEXEC);
		atexit(atexit_end);
		rc = ui_init(&t->ui, t->c, &th, want_colour);
	}
	if (rc != 0) {
		fprintf(err, "clustertop: cannot start curses%s%s\n",
		    h != NULL ? " for TERM=" : "", h != NULL ? h->term : "");
		return (-2);
	}
	t->ui.now_ms = now_ms();
	t->ui.push = &t->push;
	t->ui.nvme = &t->nvme;
	t->con = console_create();
	t->ui.console = t->con;
	tui_hist_load(t->con);
	if (msg[0] != '\0')
		ui_message(&t->ui, 0, "%s", msg);
	t->ui.utf8 = !a->ascii && codeset != NULL && strcmp(codeset,
	    "UTF-8") == 0;
	{
		struct ptui_options	po;

		memset(&po, 0, sizeof po);
		po.ssh_config = a->opt.ssh_config;
		po.user = a->opt.user;
		po.accept_new = a->opt.hostkeys == HOSTKEY_ACCEPT_NEW;
		po.known_hosts = a->opt.known_hosts;
		po.audit_log = cfg.audit_log;
		t->pt = ptui_create(t->e, t->c, &po);
		t->ui.phases = t->pt;
	}
	if (!t->hosted) {
		signals_setup();
		engine_set_callback(t->e, on_engine_event, t);
		engine_watch_fd(t->e, sig_pipe[0], on_signal_pipe, t);
	}
	engine_watch_fd(t->e, t->in_fd, on_tty, t);
	if ((t->sw = slurm_watch_start(TUI_SLURM_MS)) != NULL)
		engine_watch_fd(t->e, slurm_watch_fd(t->sw), on_slurm, t);
	if (t->hosted)
		tui_adopt_nodes(t);
	engine_connect(t->e, -1);
	t->start_ms = now_ms();
	return (0);
}

/* After the loop: runs stopped, the screen ended, everything freed. */
static void
tui_teardown(struct tui *t, uint32_t *left_job)
{
	size_t	i;

	*left_job = 0;
	/* A console command still running: kill it on the nodes first. */
	if (t->con_job != 0 && !engine_job_finished(t->e, t->con_job)) {
		engine_job_cancel(t->e, t->con_job);
		/* Hosted, the server's loop sees it end and releases it. */
		for (i = 0; !t->hosted && i < 50 &&
		    !engine_job_finished(t->e, t->con_job); i++)
			engine_run_once(t->e, 100);
		if (t->hosted)
			*left_job = t->con_job;
	}
	if (t->ui.bcast != NULL) {
		fputs("\033[?2004l", t->tty);
		fflush(t->tty);
	}
	if (t->con_via != NULL) {
		via_slurm_cancel(t->con_via);
		for (i = 0; !t->hosted && i < 50 && t->con_via != NULL; i++) {
			engine_run_once(t->e, 100);
			con_via_step(t);
		}
		if (t->con_via != NULL) {
			for (i = 0; i < (size_t)t->con_via_nfds; i++)
				engine_unwatch_fd(t->e, t->con_via_fds[i]);
			via_slurm_free(t->con_via);	/* SIGKILLs srun */
			inventory_free(t->con_via_inv);
		}
	}
	ui_end();
	write_stats(t);
	if (!t->hosted)
		signals_restore();
	if (t->sw != NULL) {
		engine_unwatch_fd(t->e, slurm_watch_fd(t->sw));
		slurm_watch_stop(t->sw);
	}
	tui_bcast_end(t->e, t->ui.bcast);
	t->ui.bcast = NULL;
	engine_unwatch_fd(t->e, t->in_fd);
	ptui_free(t->pt);
	if (t->hosted) {
		/* The sessions stay the server's; our streams end. */
		for (i = 0; i < t->c->n; i++) {
			if (t->streams[i] != 0)
				engine_stream_stop(t->e, t->streams[i]);
		}
		engine_set_reconnect(t->e, 0);
		push_run_free(&t->push);
	} else {
		engine_unwatch_fd(t->e, sig_pipe[0]);
		engine_free(t->e);
		/* The engine is gone with its jobs: nothing to cancel. */
		t->push.job = 0;
		push_run_free(&t->push);
	}
	nvme_run_free(&t->nvme);
	cluster_free(t->c);
	inventory_free(t->inv);
	free(t->eng2idx);
	free(t->idx2eng);
	console_free(t->con);
	free(t->streams);
	free(t->metrics_cmd);
	if (t->hosted) {
		fclose(t->tty);
		fclose(t->tty_in);
	} else {
		close(sig_pipe[0]);
		close(sig_pipe[1]);
		sig_pipe[0] = sig_pipe[1] = -1;
	}
}

int
cmd_tui_main(int argc, char **argv)
{
	struct tui_args		 a;
	struct tui		 t;
	struct engine_config	 cfg;
	uint32_t		 left;
	int			 rc, mode;
	size_t			 nmounts;
	const char		*mounts[METRICS_MAX_DISKS];
	char			*cmd, *cause = NULL;
	struct theme		 th;

	setlocale(LC_ALL, "");
	setlocale(LC_NUMERIC, "C");
	mode = client_tui_mode(&argc, argv);
	if ((rc = tui_parse(&a, argc, argv, stderr)) != 0)
		return (rc);
	if (a.help) {
		usage(stdout);
		return (0);
	}
	/* Bad mounts or theme: the one-line error here, server or not. */
	if ((cmd = tui_metrics_cmd(&a, mounts, &nmounts, stderr)) == NULL)
		return (CT_EXIT_USAGE);
	if (a.print_cmd) {
		printf("%s\n", cmd);
		free(cmd);
		return (0);
	}
	free(cmd);
	if (a.theme_arg != NULL && theme_load(&th, a.theme_arg, &cause) != 0) {
		fprintf(stderr, "clustertop: %s\n", cause);
		free(cause);
		return (CT_EXIT_USAGE);
	}
	/* A running server hosts the dashboard: attach to it (client-tui.c). */
	cliopt_engine_config(&a.opt, &cfg);
	if ((rc = client_tui_attach(mode, &cfg, argc, argv)) != -1)
		return (rc);
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		fprintf(stderr, "clustertop: the dashboard needs a terminal "
		    "(see `clustertop exec` for scripts)\n");
		return (CT_EXIT_USAGE);
	}
	memset(&t, 0, sizeof t);
	if ((rc = tui_setup(&t, &a, NULL, stderr)) != 0) {
		free(t.metrics_cmd);
		inventory_free(t.inv);
		return (rc == -2 ? 1 : CT_EXIT_USAGE);
	}
	loop(&t);
	rc = t.quit == 2 ? 1 : 0;
	tui_teardown(&t, &left);
	return (rc);
}

/* --- hosted by the server (tui.h) ------------------------------------------------ */

struct tui *
tui_host_create(const struct tui_host *h, int argc, char **argv,
    char **cause)
{
	struct tui_args	*a;
	struct tui	*t;
	char		*buf = NULL;
	size_t		 len = 0;
	FILE		*err;
	int		 rc;

	*cause = NULL;
	setlocale(LC_ALL, "");
	setlocale(LC_NUMERIC, "C");
	if ((err = open_memstream(&buf, &len)) == NULL)
		abort();
	t = xcalloc(1, sizeof *t);
	a = xcalloc(1, sizeof *a);
	/* The options live as long as the dashboard (t->cfg points in). */
	rc = tui_parse(a, argc, argv, err);
	if (rc == 0 && (a->help || a->print_cmd)) {
		fprintf(err, "clustertop: --help and --metrics-command are "
		    "not for the server\n");
		rc = -1;
	}
	if (rc == 0)
		rc = tui_setup(t, a, h, err);
	fclose(err);
	if (rc != 0) {
		/* Only a failure before curses starts: nothing else to free. */
		*cause = buf;
		if (rc == 1) {
			free(buf);
			*cause = NULL;
		}
		free(t->metrics_cmd);
		inventory_free(t->inv);
		free(t);
		free(a);
		return (NULL);
	}
	free(buf);
	t->hosted_args = a;
	return (t);
}

void
tui_host_event(const struct engine_event *ev, void *arg)
{
	on_engine_event(ev, arg);
}

int
tui_host_wait_ms(struct tui *t)
{
	return (tui_wait_ms(t));
}

int
tui_host_turn(struct tui *t)
{
	if (!t->quit)
		tui_turn(t);
	return (t->quit);
}

void
tui_host_resize(struct tui *t, int cols, int rows)
{
	if (cols <= 0 || rows <= 0 || (cols == t->ui.cols && rows ==
	    t->ui.rows))
		return;
	ui_resize_term(rows, cols);
	/* resizeterm queued KEY_RESIZE: read it now, as on SIGWINCH. */
	on_tty(-1, t);
}

void
tui_host_client(struct tui *t, int pid, const char *tty)
{
	t->client_pid = pid;
	snprintf(t->client_tty, sizeof t->client_tty, "%s", tty != NULL ?
	    tty : "");
}

void
tui_host_redraw(struct tui *t)
{
	t->ui.full = 1;
	t->ui.dirty = 1;
	draw(t, now_ms());
}

int
tui_host_free(struct tui *t, uint32_t *left_job)
{
	int	rc = t->quit == 2 ? 1 : 0;

	tui_teardown(t, left_job);
	free(t->hosted_args);
	free(t);
	return (rc);
}
