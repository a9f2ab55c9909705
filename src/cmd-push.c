/*
 * cmd-push.c -- `clustertop push` (pdcp) and `clustertop push --pull`
 * (rpdcp): files to and from many nodes over the persistent sessions.
 *
 * A push is one engine job: push.c builds the payload (one mapped file,
 * or a tar image of several files or a tree) and the remote command; the
 * runner of push-run.c (shared with the TUI's `P`) starts the job and
 * judges every node as it ends; the engine streams the same buffer to
 * every node as the job's stdin, respecting each channel's window.
 * Progress is the engine's stdin_sent per node, drawn on stderr when it
 * is a terminal.
 *
 * A pull is one engine job whose stdout is a tar stream; each node's
 * stream goes to a temporary file in LOCAL_DIR, which tar then unpacks
 * into LOCAL_DIR/HOST/ (the remote path below it, as Ansible's fetch and
 * pslurp do).
 *
 * Failed nodes are reported one per line with their reason, and written
 * to a state file ($XDG_STATE_HOME/clustertop/push-failed, or
 * ~/.local/state/clustertop/push-failed); --retry-failed runs the same
 * push again on exactly those nodes.
 *
 * Exit status: 0 when every node has the files; 1 when a node refused or
 * failed the copy (its reason is printed); 255 when a node could not be
 * reached; 254 when -u timed out; 130 when interrupted; 2 usage.
 */

#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cliopt.h"
#include "client.h"
#include "cmd.h"
#include "cmd-exec.h"
#include "cmdhost.h"
#include "engine.h"
#include "hostlist.h"
#include "inventory.h"
#include "push.h"
#include "push-pool.h"
#include "push-run.h"
#include "via-slurm.h"

extern char	**environ;

#define PUSH_EXIT_INTERRUPT	130
#define PUSH_PROGRESS_MS	250	/* progress redraw interval */
#define PUSH_PROGRESS_NODES	12	/* per-node lines at most */
/*
 * A pull's output cap. The engine delivers streamed output only up to its
 * output cap, so a pull raises it; the stored copy costs memory until the
 * job ends (see the engine request in the report).
 */
#define PUSH_PULL_CAP		(1024UL * 1024 * 1024)

/* Per node, by engine node id. */
struct push_node {
	const char	*name;
	uint64_t	 done;		/* bytes sent (push) or received (pull) */
	uint64_t	 last;		/* at the previous progress update */
	double		 rate;		/* bytes/s, smoothed */
	int		 ended;
	int		 failed;
	char		*why;		/* failure reason, malloc'd */
	/* pull */
	int		 fd;		/* temporary tar file, or -1 */
	char		*tmp;
	char		*werr;		/* local write error */
};

struct push_ctx {
	struct engine		*e;
	uint32_t		 job;
	struct push_run		 run;	/* a push: the runner (push-run.c) */
	struct push_pool	 pool;	/* bulk pushes: one engine per thread */
	size_t			 nw;	/* its threads; 0 none */
	int			 pull;
	struct push_opts	 o;
	struct push_node	*nodes;	/* by engine node id */
	size_t			 nnodes;
	int			*ids;
	size_t			 nids;
	uint64_t		 total;	/* bytes per node (push) */
	const char		*localdir;
	/* progress */
	int			 tty;
	int			 lines;	/* lines of the last progress block */
	struct timespec		 t0, tlast;
};

static volatile sig_atomic_t push_interrupted;

static void
push_sigint(int sig)
{
	(void)sig;
	push_interrupted++;
}

static void
push_usage(FILE *f)
{
	fprintf(f,
	    "usage: clustertop push [-w HOSTS] [-x HOSTS] [-r] [-p] [--verify] "
	    "[-f FANOUT]\n"
	    "                       [--retry-failed[=FILE]] SRC... DEST\n"
	    "       clustertop push --pull [-w HOSTS] [-x HOSTS] [-r] [-p] "
	    "REMOTE_PATH... LOCAL_DIR\n"
	    "  -r              copy directories recursively\n"
	    "  -p              keep modes and modification times\n"
	    "  --verify        compare a SHA-256 on every node before the "
	    "rename\n"
	    "  --retry-failed  push again to the nodes that failed last time\n"
	    "  --pull          fetch REMOTE_PATH from every node into "
	    "LOCAL_DIR/HOST/\n"
	    "  -q              no progress line, no summary\n"
	    "  --via slurm     one file by sbcast in an allocation of the "
	    "nodes\n"
	    "%s", cliopt_usage());
}

static double
push_elapsed(const struct timespec *a, const struct timespec *b)
{
	return ((double)(b->tv_sec - a->tv_sec) +
	    (double)(b->tv_nsec - a->tv_nsec) / 1e9);
}

/* The state file that lists the nodes that failed; malloc'd. */
static char *
push_failed_path(int pull)
{
	const char	*base, *home;
	char		*p;

	if ((base = getenv("XDG_STATE_HOME")) != NULL && *base == '/') {
		if (asprintf(&p, "%s/clustertop/%s-failed", base,
		    pull ? "pull" : "push") == -1)
			abort();
		return (p);
	}
	if ((home = getenv("HOME")) == NULL || *home == '\0')
		home = "/";
	if (asprintf(&p, "%s/.local/state/clustertop/%s-failed", home,
	    pull ? "pull" : "push") == -1)
		abort();
	return (p);
}

/* mkdir -p for the parents of PATH. */
static void
push_mkdir_parents(const char *path)
{
	char	*p, *s;

	if ((p = strdup(path)) == NULL)
		abort();
	for (s = p + 1; *s != '\0'; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		mkdir(p, 0755);
		*s = '/';
	}
	free(p);
}

/* Record the failed nodes in FILE (or remove it when none failed). */
static void
push_write_failed(const char *file, const char *const *names, size_t n)
{
	FILE	*f;
	char	*tmp;
	size_t	 i;

	if (n == 0) {
		unlink(file);
		return;
	}
	push_mkdir_parents(file);
	if (asprintf(&tmp, "%s.new", file) == -1)
		abort();
	if ((f = fopen(tmp, "w")) == NULL) {
		fprintf(stderr, "clustertop push: %s: %s\n", tmp,
		    strerror(errno));
		free(tmp);
		return;
	}
	for (i = 0; i < n; i++)
		fprintf(f, "%s\n", names[i]);
	if (fclose(f) != 0 || rename(tmp, file) != 0)
		fprintf(stderr, "clustertop push: %s: %s\n", file,
		    strerror(errno));
	free(tmp);
}

/* --- progress ---------------------------------------------------------------- */

static int
push_term_cols(void)
{
	int	cols, rows;

	if (cmdhost_winsize(&cols, &rows) == 0 && cols > 20)
		return (cols);
	return (80);
}

static int
push_term_rows(void)
{
	int	cols, rows;

	if (cmdhost_winsize(&cols, &rows) == 0 && rows > 4)
		return (rows);
	return (24);
}

/* Erase the last progress block. */
static void
push_progress_clear(struct push_ctx *x)
{
	if (!x->tty || x->lines == 0)
		return;
	if (x->lines > 1)
		fprintf(stderr, "\033[%dA", x->lines - 1);
	fprintf(stderr, "\r\033[J");
	fflush(stderr);
	x->lines = 0;
}

/* Read the per-node byte counts and smooth the rates. */
static void
push_progress_sample(struct push_ctx *x, double dt)
{
	const struct engine_job_result	*r;
	struct push_node		*pn;
	double				 inst;
	size_t				 i;

	for (i = 0; i < x->nids; i++) {
		pn = &x->nodes[x->ids[i]];
		if (x->nw > 0) {
			pn->done = push_pool_done(&x->pool, i);
			pn->ended = push_pool_state(&x->pool, i) ==
			    PUSH_NODE_DONE || push_pool_state(&x->pool, i) ==
			    PUSH_NODE_FAILED;
		} else if (!x->pull && (r = engine_job_result(x->e, x->job,
		    x->ids[i])) != NULL)
			pn->done = r->stdin_sent;
		if (dt > 0) {
			inst = (double)(pn->done - pn->last) / dt;
			pn->rate = pn->rate == 0 ? inst : 0.5 * pn->rate +
			    0.5 * inst;
		}
		pn->last = pn->done;
	}
}

static int
push_slowest_cmp(const void *a, const void *b, void *arg)
{
	const struct push_ctx	*x = arg;
	const struct push_node	*na = &x->nodes[*(const int *)a];
	const struct push_node	*nb = &x->nodes[*(const int *)b];

	if (na->done != nb->done)
		return (na->done < nb->done ? -1 : 1);
	return (hostlist_natural_cmp(na->name, nb->name));
}

/* Draw the progress block: the slowest nodes still running, then totals. */
static void
push_progress_draw(struct push_ctx *x, int force)
{
	struct timespec	 now;
	struct push_node *pn;
	double		 dt, all, rate = 0;
	uint64_t	 sum = 0, want;
	size_t		 i, running = 0, ended = 0, failed = 0, shown;
	int		*order, cols, maxl;
	char		 b1[32], b2[32], b3[32], line[512];

	if (!x->tty)
		return;
	clock_gettime(CLOCK_MONOTONIC, &now);
	dt = push_elapsed(&x->tlast, &now);
	if (!force && dt * 1000 < PUSH_PROGRESS_MS)
		return;
	push_progress_sample(x, dt);
	x->tlast = now;
	order = calloc(x->nids, sizeof *order);
	if (order == NULL)
		abort();
	for (i = 0; i < x->nids; i++) {
		pn = &x->nodes[x->ids[i]];
		sum += pn->done;
		if (pn->ended) {
			ended++;
			failed += pn->failed;
		} else {
			order[running++] = x->ids[i];
			rate += pn->rate;
		}
	}
	qsort_r(order, running, sizeof *order, push_slowest_cmp, x);
	push_progress_clear(x);
	cols = push_term_cols();
	maxl = push_term_rows() - 2;
	if (maxl > PUSH_PROGRESS_NODES)
		maxl = PUSH_PROGRESS_NODES;
	shown = running < (size_t)maxl ? running : (size_t)maxl;
	for (i = 0; i < shown; i++) {
		pn = &x->nodes[order[i]];
		if (x->pull)
			snprintf(line, sizeof line, "  %-12s %10s received  "
			    "%10s/s", pn->name, push_format_bytes(pn->done, b1,
			    sizeof b1), push_format_bytes((uint64_t)pn->rate,
			    b2, sizeof b2));
		else
			snprintf(line, sizeof line, "  %-12s %10s of %s %3d%%  "
			    "%10s/s", pn->name, push_format_bytes(pn->done, b1,
			    sizeof b1), push_format_bytes(x->total, b3,
			    sizeof b3), x->total == 0 ? 100 :
			    (int)(pn->done * 100 / x->total),
			    push_format_bytes((uint64_t)pn->rate, b2,
			    sizeof b2));
		fprintf(stderr, "%.*s\n", cols - 1, line);
	}
	all = push_elapsed(&x->t0, &now);
	want = x->total * x->nids;
	if (x->pull)
		snprintf(line, sizeof line, "%s: %s received, %s/s, %zu nodes: "
		    "%zu running, %zu done, %zu failed, %.1f s", "pull",
		    push_format_bytes(sum, b1, sizeof b1),
		    push_format_bytes((uint64_t)rate, b2, sizeof b2), x->nids,
		    running, ended - failed, failed, all);
	else
		snprintf(line, sizeof line, "push: %s of %s %d%%, %s/s, %zu "
		    "nodes: %zu sending, %zu done, %zu failed, %.1f s",
		    push_format_bytes(sum, b1, sizeof b1),
		    push_format_bytes(want, b3, sizeof b3),
		    want == 0 ? 100 : (int)(sum * 100 / want),
		    push_format_bytes((uint64_t)rate, b2, sizeof b2), x->nids,
		    running, ended - failed, failed, all);
	fprintf(stderr, "%.*s", cols - 1, line);
	fflush(stderr);
	x->lines = (int)shown + 1;
	free(order);
}

/* --- pull output ---------------------------------------------------------------- */

/* A directory name for a host (no slashes, not "." or ".."). */
static char *
push_host_dir(const char *name)
{
	char	*s, *p;

	if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0 || *name == '\0')
		name = "_";
	if ((s = strdup(name)) == NULL)
		abort();
	for (p = s; *p != '\0'; p++) {
		if (*p == '/')
			*p = '_';
	}
	return (s);
}

static void
push_pull_data(struct push_ctx *x, int node, const char *data, size_t len)
{
	struct push_node	*pn = &x->nodes[node];
	char			*dir;
	ssize_t			 n;

	if (pn->werr != NULL)
		return;
	if (pn->fd == -1) {
		dir = push_host_dir(pn->name);
		if (asprintf(&pn->tmp, "%s/.%s.ct-pull.XXXXXX", x->localdir,
		    dir) == -1)
			abort();
		free(dir);
		if ((pn->fd = mkostemp(pn->tmp, O_CLOEXEC)) == -1) {
			if (asprintf(&pn->werr, "%s: %s", pn->tmp,
			    strerror(errno)) == -1)
				abort();
			free(pn->tmp);
			pn->tmp = NULL;
			return;
		}
	}
	while (len > 0) {
		n = write(pn->fd, data, len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (asprintf(&pn->werr, "%s: %s", pn->tmp,
			    n == 0 ? "short write" : strerror(errno)) == -1)
				abort();
			return;
		}
		data += n;
		len -= (size_t)n;
		pn->done += (uint64_t)n;
	}
}

static void
push_event(const struct engine_event *ev, void *arg)
{
	struct push_ctx	*x = arg;

	if (ev->type == ENGINE_EV_JOB_OUTPUT && ev->id == x->job &&
	    ev->stream == 1 && x->pull && ev->node >= 0 &&
	    (size_t)ev->node < x->nnodes)
		push_pull_data(x, ev->node, ev->data, ev->len);
	if (!x->pull)
		push_run_event(&x->run, ev);
	if (ev->type == ENGINE_EV_JOB_NODE_DONE && ev->id == x->job &&
	    ev->node >= 0 && (size_t)ev->node < x->nnodes)
		x->nodes[ev->node].ended = 1;
}

/* Unpack a node's stream into LOCAL_DIR/HOST; 0, or -1 with *why. */
static int
push_pull_unpack(struct push_ctx *x, struct push_node *pn, char **why)
{
	char		*hd, *dir, *argv[12];
	pid_t		 pid;
	int		 status, i = 0, rc;

	hd = push_host_dir(pn->name);
	if (asprintf(&dir, "%s/%s", x->localdir, hd) == -1)
		abort();
	free(hd);
	if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
		if (asprintf(why, "%s: %s", dir, strerror(errno)) == -1)
			abort();
		free(dir);
		return (-1);
	}
	if (pn->tmp == NULL) {
		if (asprintf(why, "no data arrived") == -1)
			abort();
		free(dir);
		return (-1);
	}
	argv[i++] = (char *)"tar";
	argv[i++] = (char *)"-x";
	argv[i++] = (char *)"--no-same-owner";
	if (x->o.preserve)
		argv[i++] = (char *)"-p";
	else {
		argv[i++] = (char *)"-m";
		argv[i++] = (char *)"--no-same-permissions";
	}
	argv[i++] = (char *)"-f";
	argv[i++] = pn->tmp;
	argv[i++] = (char *)"-C";
	argv[i++] = dir;
	argv[i] = NULL;
	rc = posix_spawnp(&pid, "tar", NULL, NULL, argv, environ);
	if (rc != 0) {
		if (asprintf(why, "tar: %s", strerror(rc)) == -1)
			abort();
		free(dir);
		return (-1);
	}
	while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
		;
	free(dir);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		if (asprintf(why, "unpacking into %s/ failed (tar status %d)",
		    x->localdir, WIFEXITED(status) ? WEXITSTATUS(status) :
		    128 + WTERMSIG(status)) == -1)
			abort();
		return (-1);
	}
	return (0);
}

static void
push_pull_cleanup(struct push_node *pn)
{
	if (pn->fd != -1) {
		close(pn->fd);
		pn->fd = -1;
	}
	if (pn->tmp != NULL) {
		unlink(pn->tmp);
		free(pn->tmp);
		pn->tmp = NULL;
	}
}

/* --- results ---------------------------------------------------------------------- */

/* Decide whether node I succeeded; on failure set pn->why. Returns its status. */
static int
push_judge(struct push_ctx *x, const struct push_payload *p, int id)
{
	const struct engine_job_result	*r;
	struct push_node		*pn = &x->nodes[id];
	char				*line, *msg;
	int				 status;

	/* A push was judged by the runner as each node ended. */
	if (!x->pull) {
		const struct push_run_node	*rn = NULL;
		size_t				 k;

		(void)p;
		if (x->nw > 0) {
			for (k = 0; k < x->nids && x->ids[k] != id; k++)
				;
			rn = push_pool_node(&x->pool, k);
		} else {
			for (k = 0; k < x->run.n; k++) {
				if (x->run.nodes[k].id == id)
					rn = &x->run.nodes[k];
			}
		}
		if (rn != NULL && rn->state == PUSH_NODE_DONE)
			return (0);
		if (rn != NULL && rn->state == PUSH_NODE_FAILED) {
			pn->why = strdup(rn->why != NULL ? rn->why : "failed");
			return (rn->status);
		}
		pn->why = strdup(rn == NULL ? "no result" : "cancelled");
		return (rn == NULL ? 1 : PUSH_EXIT_INTERRUPT);
	}
	r = engine_job_result(x->e, x->job, id);
	if (r == NULL) {
		pn->why = strdup("no result");
		return (1);
	}
	status = exec_node_status(r);
	if (r->state != JOB_NODE_DONE) {
		msg = exec_node_message(pn->name, r);
		if (msg != NULL && strncmp(msg, "clustertop: ", 12) == 0) {
			pn->why = strdup(msg + 12 + strlen(pn->name) + 2);
			free(msg);
		} else
			pn->why = msg;
		if (pn->why == NULL)
			pn->why = strdup(job_node_state_name(r->state));
		return (status == 0 ? 1 : status);
	}
	if (r->exit_status != 0 || r->exit_signal != NULL) {
		line = push_last_line(r->err, r->errlen);
		if (line != NULL && strncmp(line, "clustertop: ", 12) == 0) {
			pn->why = strdup(line + 12);
			free(line);
		} else if (line != NULL)
			pn->why = line;
		else if (r->exit_signal != NULL &&
		    asprintf(&pn->why, "killed by SIG%s", r->exit_signal) == -1)
			abort();
		else if (r->exit_signal == NULL &&
		    asprintf(&pn->why, "exit status %d", r->exit_status) == -1)
			abort();
		return (status == 0 ? 1 : status);
	}
	if (x->pull) {
		if (pn->werr != NULL) {
			pn->why = strdup(pn->werr);
			return (1);
		}
		if (r->out_truncated) {
			if (asprintf(&pn->why, "more than %lu MiB: the stream "
			    "was cut at the engine's output cap",
			    PUSH_PULL_CAP >> 20) == -1)
				abort();
			return (1);
		}
		if (pn->fd != -1) {
			close(pn->fd);
			pn->fd = -1;
		}
		if (push_pull_unpack(x, pn, &pn->why) != 0)
			return (1);
		return (0);
	}
	return (0);
}

/* The command line that pushes (or pulls) again to the failed nodes. */
static char *
push_retry_hint(const struct push_ctx *x, char **args, size_t nargs)
{
	struct strbuf	 b;
	char		*q;
	size_t		 i;

	memset(&b, 0, sizeof b);
	strbuf_add(&b, x->pull ? "clustertop push --pull" :
	    "clustertop push");
	strbuf_add(&b, " --retry-failed");
	if (x->o.recursive)
		strbuf_add(&b, " -r");
	if (x->o.preserve)
		strbuf_add(&b, " -p");
	if (x->o.verify)
		strbuf_add(&b, " --verify");
	for (i = 0; i < nargs; i++) {
		strbuf_add(&b, " ");
		/* Quote only what needs it, so the usual case reads plainly. */
		if (args[i][0] != '\0' && strspn(args[i], "abcdefghijklmnopqrstu"
		    "vwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/._-+,:@%=") ==
		    strlen(args[i]))
			strbuf_add(&b, args[i]);
		else {
			q = push_quote(args[i]);
			strbuf_add(&b, q);
			free(q);
		}
	}
	return ((char *)b.s);
}

/* --- the command ------------------------------------------------------------------- */

static int
push_run(int argc, char **argv, int pull_cmd)
{
	static const struct option longopts[] = {
		{ "verify", no_argument, NULL, 'V' },
		{ "pull", no_argument, NULL, 'P' },
		{ "retry-failed", optional_argument, NULL, 'R' },
		{ "help", no_argument, NULL, 'h' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "via", required_argument, NULL, 'S' },
		CLIOPT_LONG,
		{ NULL, 0, NULL, 0 }
	};
	struct cliopt		 opt;
	struct push_ctx		 x;
	struct push_payload	 p;
	struct engine_config	 cfg;
	struct engine_job_spec	 spec;
	struct cliopt_run	 run;
	struct inventory	*inv = NULL;
	struct sigaction	 sa, oldint, oldterm, oldhup;
	struct timespec		 now;
	struct push_node	*pn;
	char			*cause = NULL, *command = NULL, *failed_file;
	char			*retry = NULL, *wretry = NULL, *folded, *hint;
	char			 b1[32], b2[32];
	const char		*me, **failed_names = NULL;
	size_t			 i, nfailed = 0, nsrc;
	int			 ch, rc, status = 0, quiet = 0, cancelled = 0;
	int			 retry_set = 0, s, via = 0;
	size_t			 nw = 1;
	double			 secs;

	me = pull_cmd ? "clustertop pull" : "clustertop push";
	push_interrupted = 0;	/* a server runs many */
	memset(&run, 0, sizeof run);
	memset(&x, 0, sizeof x);
	memset(&p, 0, sizeof p);
	x.pull = pull_cmd;
	cliopt_init(&opt);
	optind = 1;
	while ((ch = getopt_long(argc, argv, "+" CLIOPT_SHORT "rpqh", longopts,
	    NULL)) != -1) {
		rc = cliopt_handle(&opt, ch, optarg, &cause);
		if (rc == 1)
			continue;
		if (rc == -1) {
			fprintf(stderr, "%s: %s\n", me, cause);
			free(cause);
			return (CT_EXIT_USAGE);
		}
		switch (ch) {
		case 'r':
			x.o.recursive = 1;
			break;
		case 'p':
			x.o.preserve = 1;
			break;
		case 'V':
			x.o.verify = 1;
			break;
		case 'P':
			x.pull = 1;
			me = "clustertop push --pull";
			break;
		case 'R':
			retry_set = 1;
			free(retry);
			retry = optarg != NULL ? strdup(optarg) : NULL;
			break;
		case 'q':
			quiet = 1;
			break;
		case 'S':
			if ((via = via_slurm_parse(optarg)) == -1) {
				fprintf(stderr, "%s: --via: '%s' is not ssh or "
				    "slurm\n", me, optarg);
				free(retry);
				return (CT_EXIT_USAGE);
			}
			break;
		case 'h':
			push_usage(stdout);
			free(retry);
			return (0);
		default:
			push_usage(stderr);
			free(retry);
			return (CT_EXIT_USAGE);
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 2) {
		push_usage(stderr);
		free(retry);
		return (CT_EXIT_USAGE);
	}
	if (x.pull && x.o.verify) {
		fprintf(stderr, "%s: --verify is for pushes\n", me);
		free(retry);
		return (CT_EXIT_USAGE);
	}
	if (via) {		/* sbcast in an allocation: via-slurm.c */
		free(retry);
		if (x.pull || x.o.recursive || retry_set || argc != 2) {
			fprintf(stderr, "%s: --via slurm copies one file "
			    "(sbcast): no --pull, -r, --retry-failed or "
			    "several sources\n", me);
			return (CT_EXIT_USAGE);
		}
		via_slurm_prepare(opt.connect_timeout_ms);
		if (cliopt_nodes(&opt, &inv, &cause) != 0) {
			fprintf(stderr, "%s: %s\n", me, cause != NULL ?
			    cause : "no nodes");
			free(cause);
			return (CT_EXIT_USAGE);
		}
		status = via_slurm_push(inv, argv[0], argv[1], x.o.preserve,
		    x.o.verify, quiet, opt.connect_timeout_ms / 1000,
		    opt.command_timeout_ms);
		inventory_free(inv);
		return (status);
	}
	failed_file = push_failed_path(x.pull);
	if (retry_set) {
		if (opt.wexpr != NULL) {
			fprintf(stderr, "%s: --retry-failed and -w don't mix\n",
			    me);
			goto usage;
		}
		if (retry == NULL)
			retry = strdup(failed_file);
		if (access(retry, R_OK) != 0) {
			fprintf(stderr, "%s: %s: %s (no failed %s recorded)\n",
			    me, retry, strerror(errno), x.pull ? "pull" :
			    "push");
			goto usage;
		}
		if (asprintf(&wretry, "^%s", retry) == -1)
			abort();
		opt.wexpr = wretry;
	}
	nsrc = (size_t)argc - 1;

	/* The payload first: a bad source fails before any connection. */
	if (x.pull) {
		x.localdir = argv[argc - 1];
		if (mkdir(x.localdir, 0755) != 0 && errno != EEXIST) {
			fprintf(stderr, "%s: %s: %s\n", me, x.localdir,
			    strerror(errno));
			goto usage;
		}
		command = push_pull_command(argv, nsrc, &x.o, &cause);
	} else {
		if (push_source_load(&p, argv, nsrc, &x.o, &cause) != 0) {
			fprintf(stderr, "%s: %s\n", me, cause);
			free(cause);
			goto usage;
		}
		if (p.warnings != NULL)
			fprintf(stderr, "%s", p.warnings);
		command = push_command(&p, argv[argc - 1], &x.o, &cause);
		x.total = p.len;
	}
	if (command == NULL) {
		fprintf(stderr, "%s: %s\n", me, cause);
		free(cause);
		goto usage;
	}

	cliopt_engine_config(&opt, &cfg);
	cfg.reconnect = 0;
	if (x.pull)
		cfg.output_cap = PUSH_PULL_CAP;
	if ((status = cliopt_run_setup(&opt, me, &cfg, &run)) != 0) {
		if (status == CT_EXIT_USAGE)
			goto usage;
		goto out;
	}
	x.e = run.e;
	x.ids = run.ids;
	x.nids = run.n;
	inv = run.inv;
	x.nnodes = engine_nnodes(x.e);
	x.nodes = calloc(x.nnodes, sizeof *x.nodes);
	if (x.nodes == NULL)
		abort();
	for (i = 0; i < x.nnodes; i++) {
		x.nodes[i].name = engine_node_name(x.e, (int)i);
		x.nodes[i].fd = -1;
	}
	cmdhost_set_callback(x.e, push_event, &x);
	x.tty = !quiet && cmdhost_isatty(STDERR_FILENO);

	memset(&spec, 0, sizeof spec);
	spec.command = command;
	spec.nodes = x.ids;
	spec.nnodes = x.nids;
	spec.timeout_ms = opt.command_timeout_ms > 0 ?
	    opt.command_timeout_ms : -1;
	spec.fanout = opt.fanout;
	spec.stream_output = x.pull;
	spec.label = x.pull ? "pull" : "push";

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = push_sigint;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &oldint);
	sigaction(SIGTERM, &sa, &oldterm);
	sigaction(SIGHUP, &sa, &oldhup);	/* as Ctrl-C: stop the remote side */

	clock_gettime(CLOCK_MONOTONIC, &x.t0);
	x.tlast = x.t0;
	/* Hosted by the server: its open sessions, not worker threads' own. */
	nw = x.pull || cmdhost_hosted() ? 1 : push_pool_threads(x.nids, p.len,
	    opt.fanout);
	if (nw > 1) {
		const char	**names, **addrs;

		names = calloc(inv->nnodes + 1, sizeof *names);
		addrs = calloc(inv->nnodes + 1, sizeof *addrs);
		if (names == NULL || addrs == NULL)
			abort();
		for (i = 0; i < inv->nnodes; i++) {
			names[i] = inv->nodes[i].name;
			addrs[i] = inv->nodes[i].addr;
		}
		x.nw = nw;
		rc = push_pool_start(&x.pool, nw, &cfg, names, addrs, x.nids,
		    &p, command, argv[argc - 1], argv[0], &x.o, opt.fanout,
		    opt.command_timeout_ms > 0 ? opt.command_timeout_ms : -1,
		    &cause);
		free(names);
		free(addrs);
		if (rc != 0) {
			fprintf(stderr, "%s: %s\n", me, cause);
			free(cause);
			push_pool_cancel(&x.pool);
			status = 1;
			goto restore;
		}
	} else if (!x.pull) {
		cmdhost_connect_all(x.e);
		/* The payload and the command move into the runner. */
		rc = push_run_begin(&x.run, x.e, &p, command, argv[argc - 1],
		    argv[0], &x.o, x.ids, x.nids, opt.fanout,
		    opt.command_timeout_ms > 0 ? opt.command_timeout_ms : -1,
		    &cause);
		command = NULL;
		x.job = rc == 0 ? x.run.job : 0;
	} else {
		cmdhost_connect_all(x.e);
		x.job = cmdhost_job_start(x.e, &spec, &cause);
	}
	if (nw == 1 && x.job == 0) {
		fprintf(stderr, "%s: %s\n", me, cause);
		free(cause);
		status = 1;
		goto restore;
	}
	while (nw > 1 ? !push_pool_finished(&x.pool) :
	    !engine_job_finished(x.e, x.job)) {
		if (nw > 1) {
			struct timespec	ts = { 0, 100 * 1000 * 1000 };

			nanosleep(&ts, NULL);
		} else if (cmdhost_run_once(x.e, x.tty ? 100 : 1000) != 0) {
			push_progress_clear(&x);
			fprintf(stderr, "%s: event loop failed: %s\n", me,
			    strerror(errno));
			status = 1;
			goto restore;
		}
		if (push_interrupted == 1 && !cancelled) {
			push_progress_clear(&x);
			fprintf(stderr, "%s: interrupted; stopping the copies "
			    "(nothing is renamed into place; again to quit "
			    "now)\n", me);
			if (nw > 1)
				push_pool_cancel(&x.pool);
			else if (!x.pull)
				push_run_cancel(&x.run);
			else
				engine_job_cancel(x.e, x.job);
			cancelled = 1;
		} else if (push_interrupted > 1) {
			push_progress_clear(&x);
			/* Workers hold their engines: leave at once. */
			if (nw > 1)
				_exit(PUSH_EXIT_INTERRUPT);
			status = PUSH_EXIT_INTERRUPT;
			goto restore;
		}
		push_progress_draw(&x, 0);
	}
	push_progress_draw(&x, 1);
	push_progress_clear(&x);
	/* The workers' results are read after their threads ended. */
	if (nw > 1)
		push_pool_join(&x.pool);
	clock_gettime(CLOCK_MONOTONIC, &now);
	secs = push_elapsed(&x.t0, &now);

	failed_names = calloc(x.nids + 1, sizeof *failed_names);
	if (failed_names == NULL)
		abort();
	for (i = 0; i < x.nids; i++) {
		pn = &x.nodes[x.ids[i]];
		s = push_judge(&x, &p, x.ids[i]);
		if (s == 0)
			continue;
		pn->failed = 1;
		failed_names[nfailed++] = pn->name;
		fprintf(stderr, "%s: %s: %s\n", me, pn->name, pn->why != NULL ?
		    pn->why : "failed");
		if (s == PUSH_EXIT_INTERRUPT || status == PUSH_EXIT_INTERRUPT)
			status = PUSH_EXIT_INTERRUPT;
		else if (s == 255 || status == 255)
			status = 255;
		else if (s == 254 || status == 254)
			status = 254;
		else if (s > status)
			status = s > 128 ? s : 1;
	}
	if (cancelled)
		status = PUSH_EXIT_INTERRUPT;
	push_write_failed(failed_file, failed_names, nfailed);
	if (nfailed != 0) {
		folded = hostlist_fold_names(failed_names, nfailed);
		hint = push_retry_hint(&x, argv, (size_t)argc);
		fprintf(stderr, "%s: failed on %s (%zu of %zu); the list is in "
		    "%s\n  to %s those nodes only: %s\n", me, folded != NULL ?
		    folded : "?", nfailed, x.nids, failed_file, x.pull ?
		    "pull from" : "push to", hint);
		free(hint);
		free(folded);
	} else if (!quiet && cmdhost_isatty(STDERR_FILENO)) {
		if (x.pull) {
			uint64_t sum = 0;

			for (i = 0; i < x.nids; i++)
				sum += x.nodes[x.ids[i]].done;
			fprintf(stderr, "%s: %s from %zu nodes into %s/HOST/ "
			    "in %.1f s\n", me, push_format_bytes(sum, b1,
			    sizeof b1), x.nids, x.localdir, secs);
		} else
			fprintf(stderr, "%s: %s to %zu nodes in %.1f s "
			    "(%s/s in all)%s\n", me, push_format_bytes(x.total,
			    b1, sizeof b1), x.nids, secs,
			    push_format_bytes((uint64_t)((double)x.total *
			    (double)x.nids / (secs > 0 ? secs : 1)), b2,
			    sizeof b2), x.o.verify ? ", SHA-256 verified on "
			    "every node" : "");
	}

restore:
	sigaction(SIGINT, &oldint, NULL);
	sigaction(SIGTERM, &oldterm, NULL);
	sigaction(SIGHUP, &oldhup, NULL);
out:
	push_pool_free(&x.pool);
	/* The engine (hosted: the command's jobs) is gone: free the payload. */
	cliopt_run_free(&run);
	x.e = NULL;
	x.run.job = 0;
	push_run_free(&x.run);
	for (i = 0; i < x.nnodes; i++) {
		push_pull_cleanup(&x.nodes[i]);
		free(x.nodes[i].why);
		free(x.nodes[i].werr);
	}
	free(x.nodes);
	free(failed_names);
	free(command);
	free(failed_file);
	free(retry);
	free(wretry);
	push_payload_free(&p);
	return (status);

usage:
	free(command);
	free(failed_file);
	free(retry);
	free(wretry);
	push_payload_free(&p);
	inventory_free(inv);
	return (CT_EXIT_USAGE);
}

/* `clustertop push`. */
int
cmd_push_main(int argc, char **argv)
{
	int	status;

	if (client_cmd(&argc, argv, &status) == 0)
		return (status);	/* the resident server ran it */
	return (push_run(argc, argv, 0));
}

/* `clustertop pull` (main.c may dispatch it; `push --pull` is the same). */
int
cmd_pull_main(int argc, char **argv)
{
	int	status;

	if (client_cmd(&argc, argv, &status) == 0)
		return (status);	/* the resident server ran it */
	return (push_run(argc, argv, 1));
}
