/*
 * broadcast.c -- the broadcast typing session (see broadcast.h).
 *
 * Keys are kept as keys, not bytes, until they are sent: each target's
 * own terminal encodes them, so vi in application cursor mode on one node
 * and a shell prompt on another both get the arrow they understand.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "broadcast.h"
#include "hostlist.h"

/* What a node's screen shows when a new shell starts: after a loss, or r. */
#define BC_NEW_SHELL_NOTE \
	"\r\n\033[7m[clustertop: the node came back; this is a new shell]\033[m\r\n"
#define BC_RESTART_NOTE \
	"\r\n\033[7m[clustertop: the shell had ended; this is a new one]\033[m\r\n"

struct broadcast *
broadcast_new(const size_t *idx, const int *node, const char *const *names,
    size_t n, int rows, int cols)
{
	struct broadcast	*b;
	size_t			 i;

	if ((b = calloc(1, sizeof *b)) == NULL)
		return (NULL);
	if ((b->nodes = calloc(n + 1, sizeof *b->nodes)) == NULL) {
		free(b);
		return (NULL);
	}
	b->rows = rows > 0 ? rows : 24;
	b->cols = cols > 0 ? cols : 80;
	b->n = n;
	/* Cluster index -> position + 1, for the engine's events. */
	for (i = 0; i < n; i++) {
		if (idx[i] + 1 > b->nbyidx)
			b->nbyidx = idx[i] + 1;
	}
	if ((b->byidx = calloc(b->nbyidx + 1, sizeof *b->byidx)) == NULL) {
		free(b->nodes);
		free(b);
		return (NULL);
	}
	for (i = 0; i < n; i++)
		b->byidx[idx[i]] = i + 1;
	for (i = 0; i < n; i++) {
		b->nodes[i].idx = idx[i];
		b->nodes[i].node = node[i];
		b->nodes[i].name = strdup(names[i]);
		b->nodes[i].term = term_new(b->rows, b->cols);
		b->nodes[i].want_open = 1;
		if (b->nodes[i].name == NULL || b->nodes[i].term == NULL) {
			broadcast_free(b);
			return (NULL);
		}
	}
	return (b);
}

static void
broadcast_groups_free(struct broadcast *b)
{
	size_t	i;

	for (i = 0; i < b->ngroups; i++) {
		free(b->groups[i].members);
		free(b->groups[i].label);
	}
	free(b->groups);
	b->groups = NULL;
	b->ngroups = 0;
}

void
broadcast_free(struct broadcast *b)
{
	size_t	i;

	if (b == NULL)
		return;
	for (i = 0; i < b->n; i++) {
		free(b->nodes[i].name);
		term_free(b->nodes[i].term);
	}
	broadcast_groups_free(b);
	free(b->byidx);
	free(b->nodes);
	free(b->pend);
	free(b->held);
	free(b);
}

struct bc_node *
broadcast_find(struct broadcast *b, size_t idx)
{
	if (idx >= b->nbyidx || b->byidx[idx] == 0)
		return (NULL);
	return (&b->nodes[b->byidx[idx] - 1]);
}

/* --- keys ------------------------------------------------------------------ */

static void
broadcast_push(struct broadcast *b, const struct bc_key *k)
{
	struct bc_key	*p;
	size_t		 cap;

	if (b->npend == b->pendcap) {
		cap = b->pendcap ? b->pendcap * 2 : 64;
		if ((p = reallocarray(b->pend, cap, sizeof *p)) == NULL)
			abort();
		b->pend = p;
		b->pendcap = cap;
	}
	b->pend[b->npend++] = *k;
}

static void
broadcast_push_byte(struct broadcast *b, unsigned char c)
{
	struct bc_key	k = { TERM_KEY_NONE, 0, c, b->in_paste };

	broadcast_push(b, &k);
}

/* What looked like the start of a paste mark was not one: plain bytes. */
static void
broadcast_bp_flush(struct broadcast *b)
{
	size_t	i;

	for (i = 0; i < b->nbp; i++)
		broadcast_push_byte(b, b->bp[i]);
	b->nbp = 0;
}

void
broadcast_key(struct broadcast *b, enum term_key key, int mod)
{
	struct bc_key	k = { key, mod, 0, 0 };

	broadcast_bp_flush(b);
	k.paste = b->in_paste;
	broadcast_push(b, &k);
}

void
broadcast_byte(struct broadcast *b, unsigned char c)
{
	static const char	start[] = "\033[200~", end[] = "\033[201~";
	size_t			n;

	if (b->nbp == 0 && c != 033) {
		broadcast_push_byte(b, c);
		return;
	}
	if (b->nbp > 0 && c == 033) {
		/* An Esc, then another: the first was just an Esc. */
		broadcast_bp_flush(b);
	}
	b->bp[b->nbp++] = c;
	n = b->nbp;
	if (memcmp(b->bp, start, n) != 0 && memcmp(b->bp, end, n) != 0) {
		broadcast_bp_flush(b);
		return;
	}
	if (n < sizeof start - 1)
		return;
	b->in_paste = memcmp(b->bp, start, n) == 0;
	b->nbp = 0;
}

static int
bc_is_newline(const struct bc_key *k)
{
	if (k->key == TERM_KEY_ENTER)
		return (1);
	return (k->key == TERM_KEY_NONE && (k->byte == '\r' ||
	    k->byte == '\n'));
}

size_t
broadcast_lines(const struct bc_key *k, size_t n)
{
	size_t	i, lines = 0;
	int	text = 0;

	for (i = 0; i < n; i++) {
		if (bc_is_newline(&k[i])) {
			/* \r\n from a paste is one line end, not two. */
			if (i > 0 && k[i].byte == '\n' && k[i - 1].byte == '\r' &&
			    k[i - 1].key == TERM_KEY_NONE)
				continue;
			lines++;
			text = 0;
		} else
			text = 1;
	}
	return (lines + (size_t)text);
}

/* Encode and queue keys for every target. */
static void
broadcast_send(struct broadcast *b, const struct bc_key *k, size_t nk)
{
	struct bc_node	*bn;
	size_t		 i, j;
	char		 c;
	int		 inp;

	for (i = 0; i < b->n; i++) {
		bn = &b->nodes[i];
		if (bn->out || bn->st != BC_LIVE)
			continue;
		inp = 0;
		for (j = 0; j < nk; j++) {
			if (k[j].paste != inp) {
				inp = k[j].paste;
				term_paste(bn->term, inp);
			}
			if (k[j].key != TERM_KEY_NONE)
				term_key(bn->term, k[j].key, k[j].mod);
			else {
				c = (char)k[j].byte;
				term_raw(bn->term, &c, 1);
			}
		}
		if (inp)
			term_paste(bn->term, 0);
	}
	b->keys_sent += nk;
}

int
broadcast_input_end(struct broadcast *b)
{
	struct bc_key	*p;
	size_t		 lines;
	int		 yes;

	/* A paste mark never spans reads; an Esc alone is an Esc. */
	broadcast_bp_flush(b);
	if (b->npend == 0)
		return (BC_INPUT_NONE);
	if (b->held != NULL) {
		if (b->npend == 1) {
			/* One key alone: the answer. */
			yes = b->pend[0].key == TERM_KEY_NONE &&
			    (b->pend[0].byte == 'y' || b->pend[0].byte == 'Y');
			b->npend = 0;
			broadcast_paste(b, yes);
			return (yes ? BC_INPUT_PASTE_SENT :
			    BC_INPUT_PASTE_DROPPED);
		}
		/* More of the same paste (a big one comes in several reads). */
		p = reallocarray(b->held, b->nheld + b->npend, sizeof *p);
		if (p == NULL)
			abort();
		memcpy(p + b->nheld, b->pend, b->npend * sizeof *p);
		b->held = p;
		b->nheld += b->npend;
		b->held_lines = broadcast_lines(b->held, b->nheld);
		b->npend = 0;
		return (BC_INPUT_HELD);
	}
	lines = broadcast_lines(b->pend, b->npend);
	if (lines > 1 && b->npend > 1) {
		/* A paste of several lines: ask first. */
		b->held = b->pend;
		b->nheld = b->npend;
		b->held_lines = lines;
		b->pend = NULL;
		b->npend = b->pendcap = 0;
		return (BC_INPUT_HELD);
	}
	broadcast_send(b, b->pend, b->npend);
	b->npend = 0;
	return (BC_INPUT_SENT);
}

void
broadcast_paste(struct broadcast *b, int yes)
{
	if (b->held == NULL)
		return;
	if (yes)
		broadcast_send(b, b->held, b->nheld);
	free(b->held);
	b->held = NULL;
	b->nheld = b->held_lines = 0;
}

/* --- engine news ------------------------------------------------------------- */

void
broadcast_shell_opened(struct broadcast *b, size_t idx, uint32_t shell)
{
	struct bc_node	*bn = broadcast_find(b, idx);

	if (bn == NULL || shell == 0)
		return;
	if (bn->nshells > 0 && bn->lost)
		term_feed(bn->term, BC_NEW_SHELL_NOTE,
		    sizeof BC_NEW_SHELL_NOTE - 1);
	else if (bn->nshells > 0)
		term_feed(bn->term, BC_RESTART_NOTE,
		    sizeof BC_RESTART_NOTE - 1);
	bn->lost = 0;
	bn->shell = shell;
	bn->st = BC_LIVE;
	bn->want_open = 0;
	bn->nshells++;
	bn->why[0] = '\0';
}

void
broadcast_data(struct broadcast *b, size_t idx, uint32_t shell,
    const char *data, size_t len)
{
	struct bc_node	*bn = broadcast_find(b, idx);

	if (bn == NULL || bn->shell != shell || shell == 0)
		return;
	term_feed(bn->term, data, len);
}

void
broadcast_shell_closed(struct broadcast *b, size_t idx, uint32_t shell,
    const char *why)
{
	struct bc_node	*bn = broadcast_find(b, idx);

	if (bn == NULL || bn->shell != shell || shell == 0)
		return;
	bn->shell = 0;
	bn->st = BC_DEAD;
	snprintf(bn->why, sizeof bn->why, "%s", why != NULL ? why :
	    "shell closed");
	/* Keys meant for the dead shell (answers included) go nowhere. */
	term_output_done(bn->term);
}

void
broadcast_node_state(struct broadcast *b, size_t idx, int up,
    const char *state)
{
	struct bc_node	*bn = broadcast_find(b, idx);

	if (bn == NULL)
		return;
	if (up) {
		/* Back after a loss: a new shell (the old one is gone). */
		if (bn->st == BC_DEAD && bn->nshells > 0)
			bn->want_open = 1;
		return;
	}
	bn->lost = 1;
	if (bn->st == BC_LIVE) {
		/* The engine closes the channel too; the screen stays. */
		bn->st = BC_DEAD;
		bn->shell = 0;
		term_output_done(bn->term);
	}
	if (bn->st == BC_DEAD || bn->nshells > 0)
		snprintf(bn->why, sizeof bn->why, "node %s", state);
	else
		snprintf(bn->why, sizeof bn->why, "waiting: node %s", state);
}

size_t
broadcast_restart(struct broadcast *b)
{
	size_t	i, n = 0;

	for (i = 0; i < b->n; i++) {
		if (b->nodes[i].st == BC_DEAD && !b->nodes[i].want_open) {
			b->nodes[i].want_open = 1;
			n++;
		}
	}
	return (n);
}

/* --- size, targets --------------------------------------------------------- */

void
broadcast_resize(struct broadcast *b, int rows, int cols)
{
	size_t	i;

	if (rows < 2)
		rows = 2;
	if (cols < 10)
		cols = 10;
	if (rows == b->rows && cols == b->cols)
		return;
	b->rows = rows;
	b->cols = cols;
	for (i = 0; i < b->n; i++)
		term_resize(b->nodes[i].term, rows, cols);
	b->resized = 1;
}

void
broadcast_toggle(struct broadcast *b, size_t i)
{
	if (i < b->n)
		b->nodes[i].out = !b->nodes[i].out;
}

void
broadcast_all_in(struct broadcast *b)
{
	size_t	i;

	for (i = 0; i < b->n; i++)
		b->nodes[i].out = 0;
}

size_t
broadcast_ntargets(const struct broadcast *b)
{
	size_t	i, n = 0;

	for (i = 0; i < b->n; i++)
		n += !b->nodes[i].out && b->nodes[i].st == BC_LIVE;
	return (n);
}

char *
broadcast_names(const struct broadcast *b, int which, size_t *count)
{
	const char	**names;
	const struct bc_node *bn;
	char		 *s;
	size_t		  i, n = 0;
	int		  take;

	if ((names = calloc(b->n + 1, sizeof *names)) == NULL)
		abort();
	for (i = 0; i < b->n; i++) {
		bn = &b->nodes[i];
		switch (which) {
		case 0:
			take = !bn->out && bn->st == BC_LIVE;
			break;
		case 1:
			take = bn->out;
			break;
		default:
			take = bn->st != BC_LIVE;
			break;
		}
		if (take)
			names[n++] = bn->name;
	}
	s = n > 0 ? hostlist_fold_names(names, n) : strdup("");
	free(names);
	if (s == NULL)
		abort();
	if (count != NULL)
		*count = n;
	return (s);
}

/* --- groups -------------------------------------------------------------------- */

static int
bc_group_cmp(const void *pa, const void *pb)
{
	const struct bc_group	*a = pa, *b = pb;

	if (a->n != b->n)
		return (a->n > b->n ? -1 : 1);
	return (a->members[0] < b->members[0] ? -1 :
	    a->members[0] > b->members[0]);
}

void
broadcast_group(struct broadcast *b)
{
	uint64_t	*h;
	size_t		 keep = 0;
	const char	**names;
	struct bc_group	*g;
	size_t		 i, j, k;

	if (b->gcur < b->ngroups)
		keep = b->groups[b->gcur].members[0];
	broadcast_groups_free(b);
	if (b->n == 0)
		return;
	h = calloc(b->n, sizeof *h);
	b->groups = calloc(b->n, sizeof *b->groups);
	names = calloc(b->n, sizeof *names);
	if (h == NULL || b->groups == NULL || names == NULL)
		abort();
	for (i = 0; i < b->n; i++)
		h[i] = term_hash(b->nodes[i].term, b->nodes[i].name);
	/* Quadratic in the worst case; sessions are the selection. */
	for (i = 0; i < b->n; i++) {
		for (j = 0; j < b->ngroups; j++) {
			if (b->groups[j].hash == h[i])
				break;
		}
		g = &b->groups[j];
		if (j == b->ngroups) {
			b->ngroups++;
			g->hash = h[i];
			if ((g->members = calloc(b->n, sizeof *g->members)) ==
			    NULL)
				abort();
		}
		g->members[g->n++] = i;
	}
	for (j = 0; j < b->ngroups; j++) {
		g = &b->groups[j];
		for (k = 0; k < g->n; k++)
			names[k] = b->nodes[g->members[k]].name;
		if ((g->label = hostlist_fold_names(names, g->n)) == NULL)
			abort();
	}
	qsort(b->groups, b->ngroups, sizeof *b->groups, bc_group_cmp);
	/* Keep showing the same node's group while the groups move. */
	b->gcur = 0;
	for (j = 0; j < b->ngroups; j++) {
		for (k = 0; k < b->groups[j].n; k++) {
			if (b->groups[j].members[k] == keep)
				b->gcur = j;
		}
	}
	free(names);
	free(h);
}

size_t
broadcast_mem(const struct broadcast *b)
{
	size_t	i, m = 0;

	for (i = 0; i < b->n; i++)
		m += term_mem(b->nodes[i].term);
	return (m);
}
