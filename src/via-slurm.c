/*
 * via-slurm.c -- a command on many nodes as one Slurm job step, through
 * srun; files to many nodes through sbcast. See via-slurm.h for why srun
 * and not libslurm's step API.
 *
 * Why it is over 1,500 lines (1,630): exec, push (sbcast) and the
 * console's step share the Slurm node-state check, the srun wrapper and
 * its base64 output decoder; split exec/push from the shared part when a
 * third user appears.
 *
 * The srun command line (N nodes that Slurm can use now):
 *
 *   srun --job-name=clustertop-exec --nodes=N --ntasks=N
 *        --ntasks-per-node=1 --nodelist=FOLDED --label --immediate=T
 *        --kill-on-bad-exit=0 --input=all|none [--jobid=J --overlap]
 *        /bin/sh -c WRAPPER LOGIN_SHELL COMMAND
 *
 * and each task's wrapper prints, on its stdout, "!n NODENAME" first, then
 * the command's stdout as base64 lines of 512 characters, then "!x
 * STATUS"; on its stderr the command's stderr as base64 lines, then "!e".
 * srun prefixes every task line with "TASK: " (--label). A node is done
 * when both of its end markers arrived (stdout and stderr are separate
 * pipes from srun, so either may come first); whatever srun says about a
 * task that never reported ("srun: error: node03: ...") becomes that
 * node's error when srun exits.
 *
 * Inside an allocation ($SLURM_JOB_ID set, as under salloc) the step runs
 * in that job with --overlap, and nodes outside $SLURM_JOB_NODELIST are
 * unavailable; otherwise srun makes a new allocation of the nodes, which
 * must be granted within the connect timeout (--immediate) or every node
 * fails with srun's reason.
 */

#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "audit.h"
#include "cmd-exec.h"
#include "gather.h"
#include "hostlist.h"
#include "cmd.h"
#include "inventory.h"
#include "push.h"
#include "util.h"
#include "via-slurm.h"

#define VIA_KILL_GRACE_MS	3000	/* SIGTERM to srun, then SIGKILL */
#define VIA_B64_WIDTH		"512"	/* < srun's 1,024-byte line pieces */

/*
 * The task wrapper (POSIX sh). $0 is the login shell, $1 the command.
 * fd 5 carries the command's exit status out of the pipeline; fds 3, 4
 * and 5 are closed for the command itself.
 */
static const char via_wrapper[] =
    "printf '!n %s %s\\n' \"$SLURMD_NODENAME\" \"$SLURM_JOB_ID\"\n"
    "exec 4>&1\n"
    "s=$( { { { \"$0\" -c \"$1\" 3>&- 4>&- 5>&-; echo $? >&5; } 2>&1 >&3 "
    "3>&- | base64 -w " VIA_B64_WIDTH " >&2; } 3>&1 | base64 -w "
    VIA_B64_WIDTH " >&4; } 5>&1 )\n"
    "printf '!e\\n' >&2\n"
    "printf '!x %s\\n' \"$s\"\n";

struct via_node {
	const char	*name;
	const char	*slurm_state;	/* unavailable: "down", ...; else NULL */
	char		*label;		/* "slurm-unavailable: ..." or NULL */
	char		*error;
	int		 ran;		/* given to srun */
	int		 started;	/* its task said "!n" */
	int		 got_x, got_e, done;
	int		 status;
	struct strbuf	 out, err;
	int		 out_trunc, err_trunc;
	struct engine_job_result r;
};

struct via_slurm {
	struct via_slurm_spec spec;
	struct via_node	*nodes;
	size_t		 n;
	int		*bylabel;	/* srun task id -> node index, -1 */
	size_t		 nlabel;
	pid_t		 pid;
	int		 fd_out, fd_err, fd_in;
	size_t		 insent;
	struct strbuf	 lout, lerr;	/* partial lines from srun */
	struct strbuf	 diag;		/* srun's own lines */
	char		*global_error;	/* the last "srun: error:" line */
	int		 wstatus, reaped;
	int		 cancelled, timed_out;
	struct timespec	 t0;
	long long	 deadline_ms, kill_ms;	/* since t0; -1 none */
	long long	 launch_ms;	/* give up on tasks that never started */
	long long	 launch_wait_ms;	/* ... this long after the last start */
	long long	 last_start_ms;	/* when the latest task said "!n" */
	int		 finished;
	char		 jobid[32];
	struct audit	*audit;
	int		 no_states;	/* Slurm's states did not arrive */
	struct timespec	 rt0;		/* CLOCK_REALTIME start, for the audit */
};

static long long
via_now_ms(const struct via_slurm *v)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((long long)(ts.tv_sec - v->t0.tv_sec) * 1000 +
	    (ts.tv_nsec - v->t0.tv_nsec) / 1000000);
}

/*
 * Through Slurm the node states are not a nicety but the plan: wait for
 * them as long as for an allocation (-t, at least 10 s), not the 3 s the
 * SSH path gives them, unless CLUSTERTOP_SLURM_TIMEOUT says otherwise.
 * (On 1,024 nodes under load the helper's answer took longer than 3 s and
 * every node came out "not-in-slurm"; measured, and at load 466 even 10 s
 * was not enough, hence the fallback in via_slurm_start.)
 */
void
via_slurm_prepare(int connect_timeout_ms)
{
	if (getenv("CLUSTERTOP_SLURM_TIMEOUT") == NULL)
		inventory_set_slurm_timeout(connect_timeout_ms > 10000 ?
		    connect_timeout_ms : 10000);
}

int
via_slurm_parse(const char *s)
{
	if (strcmp(s, "slurm") == 0)
		return (1);
	if (strcmp(s, "ssh") == 0)
		return (0);
	return (-1);
}

int
via_slurm_flags(const char *st)
{
	int	f = 0;

	if (st == NULL)
		return (0);
	if (strchr(st, '*') != NULL)
		f |= INV_NOT_RESPONDING;
	if (strncmp(st, "down", 4) == 0)
		f |= INV_DOWN;
	if (strncmp(st, "drain", 5) == 0 || strncmp(st, "drng", 4) == 0)
		f |= INV_DRAIN;
	if (strncmp(st, "alloc", 5) == 0 || strncmp(st, "mix", 3) == 0)
		f |= INV_ALLOCATED;
	if (strncmp(st, "fail", 4) == 0)
		f |= INV_FAIL;
	if (strncmp(st, "futr", 4) == 0 || strncmp(st, "future", 6) == 0)
		f |= INV_FUTURE;
	if (strstr(st, "boot") != NULL)
		f |= INV_REBOOT;
	if (strncmp(st, "pow", 3) == 0 || strchr(st, '~') != NULL ||
	    strchr(st, '#') != NULL || strchr(st, '%') != NULL)
		f |= INV_POWER;
	if (strncmp(st, "idle", 4) == 0)
		f |= INV_IDLE;
	return (f);
}

/* --- base64 ------------------------------------------------------------- */

static int
via_b64_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return (c - 'A');
	if (c >= 'a' && c <= 'z')
		return (c - 'a' + 26);
	if (c >= '0' && c <= '9')
		return (c - '0' + 52);
	if (c == '+')
		return (62);
	if (c == '/')
		return (63);
	return (-1);
}

/* Decode LEN characters of base64 into OUT (LEN / 4 * 3 bytes); returns
 * the bytes, or -1 when it is not base64. */
static ssize_t
via_b64_decode(const char *p, size_t len, char *out)
{
	size_t	 i, o = 0;
	int	 a, b, c, d;

	if (len % 4 != 0)
		return (-1);
	for (i = 0; i < len; i += 4) {
		a = via_b64_value((unsigned char)p[i]);
		b = via_b64_value((unsigned char)p[i + 1]);
		if (a < 0 || b < 0)
			return (-1);
		out[o++] = (char)((a << 2) | (b >> 4));
		if (p[i + 2] == '=') {
			if (i + 4 != len || p[i + 3] != '=')
				return (-1);
			break;
		}
		if ((c = via_b64_value((unsigned char)p[i + 2])) < 0)
			return (-1);
		out[o++] = (char)(((b & 0xf) << 4) | (c >> 2));
		if (p[i + 3] == '=') {
			if (i + 4 != len)
				return (-1);
			break;
		}
		if ((d = via_b64_value((unsigned char)p[i + 3])) < 0)
			return (-1);
		out[o++] = (char)(((c & 0x3) << 6) | d);
	}
	return ((ssize_t)o);
}

/* --- nodes -------------------------------------------------------------- */

/* Why Slurm cannot run a step on N now, or NULL when it can. */
static const char *
via_unavailable(const struct inventory_node *in, const struct hostlist *job,
    const char *jobid)
{
	if (in->slurm_state == NULL)
		return ("not-in-slurm");
	if (in->slurm_flags & (INV_DOWN | INV_NOT_RESPONDING | INV_FAIL |
	    INV_POWER | INV_FUTURE | INV_REBOOT))
		return ("down");
	/* In our own job, drained or allocated does not stop a step. */
	if (job != NULL)
		return (hostlist_find(job, in->name) < 0 ?
		    "not-in-allocation" : NULL);
	if (in->slurm_flags & INV_DRAIN)
		return ("drained");
	if (job == NULL && (in->slurm_flags & INV_ALLOCATED) &&
	    strncmp(in->slurm_state, "mix", 3) != 0)
		return ("allocated");
	return (NULL);
}

static void
via_node_finish(struct via_slurm *v, size_t i, enum job_node_state st,
    const char *error)
{
	struct via_node	*vn = &v->nodes[i];

	if (vn->done)
		return;
	vn->done = 1;
	if (error != NULL && vn->error == NULL)
		vn->error = xstrdup(error);
	vn->r.state = st;
	vn->r.node_state = st == JOB_NODE_FAILED ? NODE_UNREACHABLE : NODE_UP;
	vn->r.exit_status = st == JOB_NODE_DONE ? vn->status : -1;
	vn->r.exit_signal = NULL;
	vn->r.error = vn->error;
	vn->r.out = vn->out.s != NULL ? vn->out.s : "";
	vn->r.outlen = vn->out.len;
	vn->r.out_truncated = vn->out_trunc;
	vn->r.err = vn->err.s != NULL ? vn->err.s : "";
	vn->r.errlen = vn->err.len;
	vn->r.err_truncated = vn->err_trunc;
	vn->r.stdin_sent = v->insent;
	clock_gettime(CLOCK_REALTIME, &vn->r.end);
	if (v->spec.done != NULL)
		v->spec.done(v->spec.arg, i);
}

static void
via_append(struct via_slurm *v, size_t i, int stream, const char *p,
    size_t len)
{
	struct via_node	*vn = &v->nodes[i];
	struct strbuf	*b = stream == 1 ? &vn->out : &vn->err;
	int		*trunc = stream == 1 ? &vn->out_trunc : &vn->err_trunc;
	size_t		 room;

	if (v->spec.cap > 0) {
		room = b->len < v->spec.cap ? v->spec.cap - b->len : 0;
		if (len > room) {
			*trunc = 1;
			len = room;
		}
	}
	if (len == 0)
		return;
	strbuf_addn(b, p, len);
	if (v->spec.output != NULL)
		v->spec.output(v->spec.arg, i, stream, p, len);
}

static void
via_maybe_done(struct via_slurm *v, size_t i)
{
	struct via_node	*vn = &v->nodes[i];

	if (vn->got_x && vn->got_e && !vn->done)
		via_node_finish(v, i, JOB_NODE_DONE, NULL);
}

/* One line a task wrote (after "TASK: "): STREAM 1 stdout, 2 stderr. */
static void
via_task_line(struct via_slurm *v, long task, int stream, const char *p,
    size_t len)
{
	char		*buf, *name;
	size_t		 i;
	ssize_t		 n;
	int		 node = -1;

	if (task >= 0 && (size_t)task < v->nlabel)
		node = v->bylabel[task];
	if (len > 3 && strncmp(p, "!n ", 3) == 0 && stream == 1) {
		name = xstrndup(p + 3, len - 3);
		if (strchr(name, ' ') != NULL) {
			if (v->jobid[0] == '\0')
				snprintf(v->jobid, sizeof v->jobid, "%s",
				    strchr(name, ' ') + 1);
			*strchr(name, ' ') = '\0';
		}
		for (i = 0; i < v->n; i++) {
			if (v->nodes[i].ran &&
			    strcmp(v->nodes[i].name, name) == 0)
				break;
		}
		if (i < v->n && task >= 0 && (size_t)task < v->nlabel) {
			v->bylabel[task] = (int)i;
			v->nodes[i].started = 1;
			v->last_start_ms = via_now_ms(v);
			if (v->launch_ms >= 0)
				v->launch_ms = v->last_start_ms +
				    v->launch_wait_ms;
			v->nodes[i].r.state = JOB_NODE_RUNNING;
		} else
			strbuf_printf(&v->diag, "task %ld ran on %s, which "
			    "was not asked for\n", task, name);
		free(name);
		return;
	}
	if (node < 0) {
		strbuf_printf(&v->diag, "task %ld: %.*s\n", task, (int)len, p);
		return;
	}
	if (stream == 1 && len >= 3 && strncmp(p, "!x ", 3) == 0) {
		buf = xstrndup(p + 3, len - 3);
		v->nodes[node].status = (int)strtol(buf, NULL, 10);
		free(buf);
		v->nodes[node].got_x = 1;
		via_maybe_done(v, (size_t)node);
		return;
	}
	if (stream == 2 && len == 2 && strncmp(p, "!e", 2) == 0) {
		v->nodes[node].got_e = 1;
		via_maybe_done(v, (size_t)node);
		return;
	}
	buf = xmalloc(len / 4 * 3 + 3);
	if ((n = via_b64_decode(p, len, buf)) < 0)
		strbuf_printf(&v->diag, "%s: not base64: %.*s\n",
		    v->nodes[node].name, (int)(len > 80 ? 80 : len), p);
	else
		via_append(v, (size_t)node, stream, buf, (size_t)n);
	free(buf);
}

/* A line of srun's own (stderr, not a task's): keep it, find its node. */
static void
via_srun_line(struct via_slurm *v, const char *p, size_t len)
{
	const char	*rest;
	size_t		 i, nl;

	strbuf_addn(&v->diag, p, len);
	strbuf_addc(&v->diag, '\n');
	if (len < 13 || strncmp(p, "srun: error: ", 13) != 0)
		return;
	rest = p + 13;
	for (i = 0; i < v->n; i++) {
		nl = strlen(v->nodes[i].name);
		if (!v->nodes[i].ran || v->nodes[i].error != NULL)
			continue;
		if ((size_t)(p + len - rest) > nl + 1 &&
		    strncmp(rest, v->nodes[i].name, nl) == 0 &&
		    rest[nl] == ':') {
			v->nodes[i].error = xasprintf("srun: %.*s",
			    (int)(p + len - rest - nl - 2), rest + nl + 2);
			return;
		}
	}
	free(v->global_error);
	v->global_error = xasprintf("srun: %.*s", (int)(p + len - rest), rest);
}

/* Split a line from srun ("  12: payload" or srun's own text). */
static void
via_line(struct via_slurm *v, int stream, const char *p, size_t len)
{
	size_t	i = 0;
	long	task = 0;
	int	digits = 0;

	while (i < len && p[i] == ' ')
		i++;
	while (i < len && p[i] >= '0' && p[i] <= '9' && digits < 9) {
		task = task * 10 + (p[i] - '0');
		i++;
		digits++;
	}
	if (digits > 0 && i + 1 < len + 1 && i < len && p[i] == ':' &&
	    (i + 1 == len || p[i + 1] == ' ')) {
		i += i + 1 < len ? 2 : 1;
		via_task_line(v, task, stream, p + i, len - i);
		return;
	}
	if (stream == 2)
		via_srun_line(v, p, len);
	else {
		strbuf_printf(&v->diag, "srun stdout: %.*s\n", (int)len, p);
	}
}

/* Read what srun wrote on FD into B and handle its complete lines; 0 at EOF. */
static int
via_read(struct via_slurm *v, int fd, struct strbuf *b, int stream)
{
	char	 buf[65536], *nl, *start;
	ssize_t	 n;
	size_t	 off, used;

	for (;;) {
		n = read(fd, buf, sizeof buf);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return (errno == EAGAIN ? 1 : 0);
		if (n == 0)
			break;
		strbuf_addn(b, buf, (size_t)n);
		start = b->s;
		off = 0;
		while ((nl = memchr(start + off, '\n', b->len - off)) != NULL) {
			via_line(v, stream, start + off,
			    (size_t)(nl - (start + off)));
			off = (size_t)(nl - start) + 1;
		}
		used = off;
		if (used > 0) {
			memmove(b->s, b->s + used, b->len - used);
			b->len -= used;
		}
	}
	if (b->len > 0) {
		via_line(v, stream, b->s, b->len);
		b->len = 0;
	}
	return (0);
}

static void
via_nonblock(int fd)
{
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	fcntl(fd, F_SETFD, FD_CLOEXEC);
}

/* The user's login shell, as sshd would run the command. */
static const char *
via_login_shell(void)
{
	struct passwd	*pw;

	if ((pw = getpwuid(getuid())) != NULL && pw->pw_shell != NULL &&
	    *pw->pw_shell != '\0')
		return (pw->pw_shell);
	return ("/bin/sh");
}

/* Start srun (argv) with pipes; 0 or -1 with *cause. */
static int
via_spawn(struct via_slurm *v, char *const argv[], int want_stdin,
    char **cause)
{
	int	po[2], pe[2], pi[2] = { -1, -1 };
	pid_t	pid;

	/* O_CLOEXEC: neither srun nor anything else forked keeps the other
	 * ends (srun holding its own stdin's write end never sees EOF). */
	if (pipe2(po, O_CLOEXEC) != 0 || pipe2(pe, O_CLOEXEC) != 0 ||
	    (want_stdin && pipe2(pi, O_CLOEXEC) != 0)) {
		*cause = xasprintf("pipe: %s", strerror(errno));
		return (-1);
	}
	if ((pid = fork()) == -1) {
		*cause = xasprintf("fork: %s", strerror(errno));
		return (-1);
	}
	if (pid == 0) {
		int	null;

		setpgid(0, 0);	/* a Ctrl-C is ours to handle, then srun's */
		signal(SIGPIPE, SIG_DFL);
		if (want_stdin)
			dup2(pi[0], 0);
		else if ((null = open("/dev/null", O_RDONLY)) >= 0)
			dup2(null, 0);
		dup2(po[1], 1);
		dup2(pe[1], 2);
		execvp(argv[0], argv);
		fprintf(stderr, "srun: error: cannot run %s: %s\n", argv[0],
		    strerror(errno));
		_exit(127);
	}
	close(po[1]);
	close(pe[1]);
	v->fd_out = po[0];
	v->fd_err = pe[0];
	via_nonblock(v->fd_out);
	via_nonblock(v->fd_err);
	if (want_stdin) {
		close(pi[0]);
		v->fd_in = pi[1];
		via_nonblock(v->fd_in);
	}
	v->pid = pid;
	return (0);
}

/* The audit record of the run's start or end (as engine-job.c writes). */
static void
via_audit(struct via_slurm *v, int end)
{
	const char	**names, **failed;
	size_t		  i, nfailed = 0;
	char		 *where, key[32];
	cJSON		 *o, *counts, *codes, *states, *c;
	const char	 *k;

	if (v->audit == NULL)
		return;
	names = xcalloc(v->n + 1, sizeof *names);
	failed = xcalloc(v->n + 1, sizeof *failed);
	for (i = 0; i < v->n; i++)
		names[i] = v->nodes[i].name;
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "event", end ? "end" : "start");
	cJSON_AddStringToObject(o, "label", v->spec.label != NULL ?
	    v->spec.label : "exec");
	cJSON_AddStringToObject(o, "via", "slurm");
	cJSON_AddStringToObject(o, "command", v->spec.command);
	where = audit_fold_hosts(names, v->n);
	cJSON_AddStringToObject(o, "where", where != NULL ? where : "");
	free(where);
	cJSON_AddNumberToObject(o, "nodes", (double)v->n);
	if (!end) {
		if (v->spec.stdin_len > 0)
			cJSON_AddNumberToObject(o, "stdin_bytes",
			    (double)v->spec.stdin_len);
		if (v->spec.timeout_ms > 0)
			cJSON_AddNumberToObject(o, "timeout_s",
			    v->spec.timeout_ms / 1000.0);
	} else {
		if (v->jobid[0] != '\0')
			cJSON_AddStringToObject(o, "slurm_job", v->jobid);
		counts = cJSON_AddObjectToObject(o, "outcome");
		codes = cJSON_AddObjectToObject(o, "exit_codes");
		states = cJSON_AddObjectToObject(o, "node_states");
		for (i = 0; i < v->n; i++) {
			const struct engine_job_result *r = &v->nodes[i].r;

			k = v->nodes[i].slurm_state != NULL ?
			    VIA_SLURM_UNAVAILABLE : job_node_state_name(r->state);
			if ((c = cJSON_GetObjectItem(counts, k)) == NULL)
				cJSON_AddNumberToObject(counts, k, 1);
			else
				cJSON_SetNumberValue(c, c->valuedouble + 1);
			if (r->state == JOB_NODE_DONE) {
				snprintf(key, sizeof key, "%d", r->exit_status);
				if ((c = cJSON_GetObjectItem(codes, key)) == NULL)
					cJSON_AddNumberToObject(codes, key, 1);
				else
					cJSON_SetNumberValue(c,
					    c->valuedouble + 1);
				if (r->exit_status != 0)
					failed[nfailed++] = names[i];
				continue;
			}
			failed[nfailed++] = names[i];
			if ((k = v->nodes[i].slurm_state) == NULL)
				continue;
			if ((c = cJSON_GetObjectItem(states, k)) == NULL)
				cJSON_AddNumberToObject(states, k, 1);
			else
				cJSON_SetNumberValue(c, c->valuedouble + 1);
		}
		if (codes->child == NULL)
			cJSON_DeleteItemFromObject(o, "exit_codes");
		if (states->child == NULL)
			cJSON_DeleteItemFromObject(o, "node_states");
		audit_add_outcome(o, failed, nfailed, &v->rt0);
	}
	free(names);
	free(failed);
	audit_write(v->audit, o);
}

struct via_slurm *
via_slurm_start(const struct via_slurm_spec *spec, char **cause)
{
	struct via_slurm	*v;
	struct hostlist		*job = NULL;
	const struct inventory	*inv = spec->inv;
	const char		*why, *jobid, *jl, *names_c;
	const char		**names;
	char			*folded, *opt_n, *opt_w, *opt_i, *opt_j = NULL;
	char			*opt_name;
	char			*argv[24];
	size_t			 i, nrun = 0;
	int			 a = 0;

	v = xcalloc(1, sizeof *v);
	v->spec = *spec;
	v->fd_out = v->fd_err = v->fd_in = -1;
	v->pid = -1;
	v->deadline_ms = v->kill_ms = -1;
	clock_gettime(CLOCK_MONOTONIC, &v->t0);
	clock_gettime(CLOCK_REALTIME, &v->rt0);
	/* No remote action without its audit record ("-": none, on purpose). */
	if ((jl = getenv("CLUSTERTOP_AUDIT_LOG")) == NULL || strcmp(jl, "-") != 0) {
		char	*awhy = NULL;

		if ((v->audit = audit_open(NULL, &awhy)) == NULL) {
			*cause = xasprintf("audit log %s (set "
			    "CLUSTERTOP_AUDIT_LOG=- to run without one)",
			    awhy != NULL ? awhy : "cannot be opened");
			free(awhy);
			free(v);
			return (NULL);
		}
	}
	v->n = inv->nnodes;
	v->nodes = xcalloc(v->n + 1, sizeof *v->nodes);

	jobid = getenv("SLURM_JOB_ID");
	if (spec->jobid != NULL) {
		jobid = spec->jobid;	/* ours (push): the nodes are known */
	} else if (jobid != NULL && *jobid != '\0') {
		job = hostlist_create();
		if ((jl = getenv("SLURM_JOB_NODELIST")) == NULL ||
		    hostlist_add(job, jl, NULL) != 0) {
			hostlist_free(job);
			job = NULL;
			jobid = NULL;
		}
	} else
		jobid = NULL;
	if (jobid != NULL)
		snprintf(v->jobid, sizeof v->jobid, "%s", jobid);

	/*
	 * No Slurm state at all (the helper did not answer in time: a busy
	 * controller): let srun and Slurm judge every node rather than call
	 * them all unknown. A node Slurm cannot use then fails the
	 * allocation, within -t, with srun's reason.
	 */
	for (i = 0; i < v->n && inv->nodes[i].slurm_state == NULL; i++)
		;
	v->no_states = v->n > 0 && i == v->n;
	if (v->no_states)
		strbuf_printf(&v->diag, "no Slurm node states (%s): every "
		    "node goes to srun\n", inv->warning != NULL ?
		    inv->warning : "none known");

	names = xcalloc(v->n + 1, sizeof *names);
	for (i = 0; i < v->n; i++) {
		struct via_node	*vn = &v->nodes[i];

		vn->name = inv->nodes[i].name;
		vn->status = -1;
		vn->r.state = JOB_NODE_QUEUED;
		vn->r.exit_status = -1;
		clock_gettime(CLOCK_REALTIME, &vn->r.start);
		why = v->no_states ? NULL : via_unavailable(&inv->nodes[i],
		    job, jobid);
		if (why == NULL) {
			vn->ran = 1;
			names[nrun++] = vn->name;
			continue;
		}
		vn->slurm_state = why;
		if (strcmp(why, "not-in-slurm") == 0)
			vn->error = xstrdup(inv->warning != NULL ?
			    inv->warning : "Slurm does not know this node");
		else if (strcmp(why, "not-in-allocation") == 0)
			vn->error = xasprintf("not in job %s's nodes", jobid);
		else if (strcmp(why, "allocated") == 0)
			vn->error = xasprintf("Slurm state %s: every CPU "
			    "allocated to other jobs", inv->nodes[i].slurm_state);
		else
			vn->error = xasprintf("Slurm state %s%s%s",
			    inv->nodes[i].slurm_state,
			    inv->nodes[i].reason != NULL ? ", reason: " : "",
			    inv->nodes[i].reason != NULL ?
			    inv->nodes[i].reason : "");
		vn->label = xasprintf("%s: %s", VIA_SLURM_UNAVAILABLE, why);
	}
	hostlist_free(job);
	via_audit(v, 0);
	for (i = 0; i < v->n; i++) {
		if (!v->nodes[i].ran)
			via_node_finish(v, i, JOB_NODE_FAILED, NULL);
	}
	if (nrun == 0) {
		free(names);
		v->finished = 1;
		via_audit(v, 1);
		return (v);
	}
	v->nlabel = nrun;
	v->bylabel = xcalloc(nrun, sizeof *v->bylabel);
	for (i = 0; i < nrun; i++)
		v->bylabel[i] = -1;

	folded = hostlist_fold_names(names, nrun);
	free(names);
	names_c = folded;
	opt_name = xasprintf("--job-name=clustertop-%s",
	    spec->label != NULL ? spec->label : "exec");
	opt_n = xasprintf("--nodes=%zu", nrun);
	opt_w = xasprintf("--nodelist=%s", names_c);
	opt_i = xasprintf("--immediate=%d", spec->start_timeout_s > 0 ?
	    spec->start_timeout_s : 10);
	argv[a++] = (char *)"srun";
	argv[a++] = opt_name;
	argv[a++] = opt_n;
	argv[a++] = xasprintf("--ntasks=%zu", nrun);
	argv[a++] = (char *)"--ntasks-per-node=1";
	argv[a++] = opt_w;
	argv[a++] = (char *)"--label";
	argv[a++] = (char *)"--kill-on-bad-exit=0";
	argv[a++] = (char *)"--quiet";
	argv[a++] = spec->stdin_data != NULL ? (char *)"--input=all" :
	    (char *)"--input=none";
	if (jobid != NULL) {
		opt_j = xasprintf("--jobid=%s", jobid);
		argv[a++] = opt_j;
		argv[a++] = (char *)"--overlap";
	} else
		argv[a++] = opt_i;
	argv[a++] = (char *)"/bin/sh";
	argv[a++] = (char *)"-c";
	argv[a++] = (char *)via_wrapper;
	argv[a++] = (char *)via_login_shell();
	argv[a++] = (char *)spec->command;
	argv[a] = NULL;

	if (via_spawn(v, argv, spec->stdin_data != NULL, cause) != 0) {
		for (i = 0; i < v->n; i++)
			via_node_finish(v, i, JOB_NODE_FAILED, *cause);
		v->finished = 1;
		via_audit(v, 1);
	}
	free(argv[3]);
	free(opt_name);
	free(opt_n);
	free(opt_w);
	free(opt_i);
	free(opt_j);
	free(folded);
	if (spec->timeout_ms > 0)
		v->deadline_ms = spec->timeout_ms;
	v->launch_wait_ms = 2000LL * (spec->start_timeout_s > 0 ?
	    spec->start_timeout_s : 10);
	v->launch_ms = v->launch_wait_ms;
	if (spec->stdin_data != NULL && spec->stdin_len == 0 && v->fd_in >= 0) {
		close(v->fd_in);
		v->fd_in = -1;
	}
	return (v);
}

int
via_slurm_fds(const struct via_slurm *v, int fds[2])
{
	int	n = 0;

	if (v->fd_out >= 0)
		fds[n++] = v->fd_out;
	if (v->fd_err >= 0)
		fds[n++] = v->fd_err;
	return (n);
}

int
via_slurm_wfd(const struct via_slurm *v)
{
	return (v->fd_in);
}

int
via_slurm_next_ms(const struct via_slurm *v)
{
	long long	now = via_now_ms(v), next = -1;

	if (v->finished)
		return (-1);
	if (v->kill_ms >= 0)
		next = v->kill_ms;
	else if (v->deadline_ms >= 0)
		next = v->deadline_ms;
	if (v->launch_ms >= 0 && v->kill_ms < 0 && (next < 0 ||
	    v->launch_ms < next))
		next = v->launch_ms;
	if (next < 0)
		return (v->pid > 0 && v->fd_out < 0 && v->fd_err < 0 ? 50 : -1);
	return (next <= now ? 0 : (int)(next - now));
}

/* Stop srun: SIGTERM (srun signals the step and ends it), later SIGKILL. */
static void
via_kill(struct via_slurm *v)
{
	if (v->pid <= 0 || v->kill_ms >= 0)
		return;
	kill(v->pid, SIGTERM);
	v->kill_ms = via_now_ms(v) + VIA_KILL_GRACE_MS;
}

void
via_slurm_cancel(struct via_slurm *v)
{
	if (v->finished)
		return;
	v->cancelled = 1;
	via_kill(v);
}

/*
 * Twice the connect timeout after the start or after the latest task
 * started (on a thousand nodes tasks start over many seconds), when every
 * task that started has ended and some never started (a hung slurmd that Slurm still
 * counts as up: srun would wait MessageTimeout and its retries, 40 s
 * here, before it says so), end those nodes with the reason and stop srun.
 */
static void
via_launch_check(struct via_slurm *v)
{
	size_t	i, waiting = 0;
	char	*why;

	for (i = 0; i < v->n; i++) {
		if (!v->nodes[i].ran || v->nodes[i].done)
			continue;
		if (v->nodes[i].started) {
			/* Still running: look again later, not at every wake-up. */
			v->launch_ms = via_now_ms(v) + v->launch_wait_ms;
			return;
		}
		waiting++;
	}
	v->launch_ms = -1;
	if (waiting == 0)
		return;
	why = xasprintf("Slurm started no task there within %lld s (slurmd "
	    "not answering, or the allocation is still pending)",
	    via_now_ms(v) / 1000);
	for (i = 0; i < v->n; i++) {
		if (v->nodes[i].ran && !v->nodes[i].done)
			via_node_finish(v, i, JOB_NODE_FAILED, why);
	}
	free(why);
	via_kill(v);
}

/* srun is gone and its pipes are drained: end every node still open. */
static void
via_end(struct via_slurm *v)
{
	const char	*why;
	char		*msg = NULL;
	size_t		 i;
	enum job_node_state st;

	if (WIFEXITED(v->wstatus))
		msg = xasprintf("srun exited with status %d before the task "
		    "reported", WEXITSTATUS(v->wstatus));
	else if (WIFSIGNALED(v->wstatus))
		msg = xasprintf("srun killed by signal %s before the task "
		    "reported", sigabbrev_np(WTERMSIG(v->wstatus)) != NULL ?
		    sigabbrev_np(WTERMSIG(v->wstatus)) : "?");
	for (i = 0; i < v->n; i++) {
		struct via_node	*vn = &v->nodes[i];

		if (vn->done)
			continue;
		if (vn->got_x) {	/* its stderr marker was lost */
			via_node_finish(v, i, JOB_NODE_DONE, NULL);
			continue;
		}
		st = v->timed_out ? JOB_NODE_TIMED_OUT : v->cancelled ?
		    JOB_NODE_CANCELLED : JOB_NODE_FAILED;
		if (v->timed_out || v->cancelled) {
			free(vn->error);	/* srun's "task 0: Killed" */
			vn->error = NULL;
		}
		why = v->timed_out ? "command timed out" : v->cancelled ?
		    NULL : vn->error != NULL ? vn->error :
		    v->global_error != NULL ? v->global_error : msg;
		via_node_finish(v, i, st, why);
	}
	free(msg);
	v->finished = 1;
	via_audit(v, 1);
}

void
via_slurm_process(struct via_slurm *v)
{
	const char	*in;
	ssize_t		 n;
	long long	 now;
	pid_t		 p;

	if (v->finished)
		return;
	if (v->fd_in >= 0) {
		in = v->spec.stdin_data;
		n = write(v->fd_in, in + v->insent, v->spec.stdin_len -
		    v->insent);
		if (n > 0)
			v->insent += (size_t)n;
		if ((n < 0 && errno != EAGAIN && errno != EINTR) ||
		    v->insent == v->spec.stdin_len) {
			close(v->fd_in);
			v->fd_in = -1;
		}
	}
	if (v->fd_out >= 0 && via_read(v, v->fd_out, &v->lout, 1) == 0) {
		close(v->fd_out);
		v->fd_out = -1;
	}
	if (v->fd_err >= 0 && via_read(v, v->fd_err, &v->lerr, 2) == 0) {
		close(v->fd_err);
		v->fd_err = -1;
	}
	now = via_now_ms(v);
	if (v->launch_ms >= 0 && now >= v->launch_ms && v->kill_ms < 0 &&
	    !v->reaped)
		via_launch_check(v);
	if (v->deadline_ms >= 0 && now >= v->deadline_ms && !v->timed_out &&
	    !v->reaped) {
		v->timed_out = 1;
		via_kill(v);
	}
	if (v->kill_ms >= 0 && now >= v->kill_ms && !v->reaped) {
		kill(v->pid, SIGKILL);
		v->kill_ms = now + 60000;
	}
	if (!v->reaped && (p = waitpid(v->pid, &v->wstatus, WNOHANG)) ==
	    v->pid)
		v->reaped = 1;
	if (v->reaped && v->fd_out < 0 && v->fd_err < 0) {
		if (v->fd_in >= 0) {
			close(v->fd_in);
			v->fd_in = -1;
		}
		via_end(v);
	}
}

int
via_slurm_finished(const struct via_slurm *v)
{
	return (v->finished);
}

size_t
via_slurm_nnodes(const struct via_slurm *v)
{
	return (v->n);
}

const char *
via_slurm_name(const struct via_slurm *v, size_t i)
{
	return (v->nodes[i].name);
}

const struct engine_job_result *
via_slurm_result(const struct via_slurm *v, size_t i)
{
	return (v->nodes[i].done ? &v->nodes[i].r : NULL);
}

const char *
via_slurm_state_label(const struct via_slurm *v, size_t i)
{
	return (v->nodes[i].label);
}

const char *
via_slurm_slurm_state(const struct via_slurm *v, size_t i)
{
	return (v->nodes[i].slurm_state);
}

const char *
via_slurm_diag(const struct via_slurm *v)
{
	return (v->diag.s != NULL ? v->diag.s : "");
}

int
via_slurm_status(const struct via_slurm *v)
{
	size_t	i;
	int	status = 0;

	for (i = 0; i < v->n; i++) {
		if (v->nodes[i].done)
			status = exec_combine_status(status, &v->nodes[i].r);
	}
	return (status);
}

void
via_slurm_free(struct via_slurm *v)
{
	size_t	i;

	if (v == NULL)
		return;
	if (v->pid > 0 && !v->reaped) {
		kill(v->pid, SIGKILL);
		waitpid(v->pid, NULL, 0);
	}
	if (v->fd_out >= 0)
		close(v->fd_out);
	if (v->fd_err >= 0)
		close(v->fd_err);
	if (v->fd_in >= 0)
		close(v->fd_in);
	for (i = 0; i < v->n; i++) {
		free(v->nodes[i].label);
		free(v->nodes[i].error);
		strbuf_free(&v->nodes[i].out);
		strbuf_free(&v->nodes[i].err);
	}
	free(v->nodes);
	free(v->bylabel);
	strbuf_free(&v->lout);
	strbuf_free(&v->lerr);
	strbuf_free(&v->diag);
	free(v->global_error);
	audit_close(v->audit);
	free(v);
}

/* Wait for V with poll() until it finished; SIGINT-like flag cancels. */
static volatile sig_atomic_t via_interrupted;

static void
via_sigint(int sig)
{
	via_interrupted++;
}

static void
via_wait(struct via_slurm *v, FILE *flush)
{
	struct pollfd	pfd[3];
	int		fds[2], n, i, np, cancelled = 0;

	while (!via_slurm_finished(v)) {
		n = via_slurm_fds(v, fds);
		np = 0;
		for (i = 0; i < n; i++) {
			pfd[np].fd = fds[i];
			pfd[np++].events = POLLIN;
		}
		if (via_slurm_wfd(v) >= 0) {
			pfd[np].fd = via_slurm_wfd(v);
			pfd[np++].events = POLLOUT;
		}
		i = via_slurm_next_ms(v);
		if (i < 0 || i > 200)
			i = 200;	/* srun may exit before its pipes close */
		poll(pfd, (nfds_t)np, i);
		if (via_interrupted > 0 && !cancelled) {
			fprintf(stderr, "clustertop exec: interrupted; "
			    "stopping the Slurm step\n");
			via_slurm_cancel(v);
			cancelled = 1;
		}
		via_slurm_process(v);
		if (flush != NULL && fflush(flush) == EOF && !cancelled) {
			via_slurm_cancel(v);
			cancelled = 1;
		}
	}
}

/* --- exec --via slurm ---------------------------------------------------- */

struct via_exec {
	struct via_slurm	*v;
	const struct exec_opts	*o;
	struct strbuf		*lo, *le;	/* partial lines per node */
	size_t			 n;
};

static void
via_exec_output(void *arg, size_t i, int stream, const char *p, size_t len)
{
	struct via_exec	*x = arg;

	if (x->o->json || x->o->gather || x->v == NULL)
		return;
	if (stream == 1)
		exec_print_lines(via_slurm_name(x->v, i), &x->lo[i], stdout, p,
		    len);
	else
		exec_print_lines(via_slurm_name(x->v, i), &x->le[i], stderr, p,
		    len);
}

/* The one-line report of a node, or NULL. */
static char *
via_node_message(struct via_slurm *v, size_t i)
{
	const struct engine_job_result	*r = via_slurm_result(v, i);
	const char			*name = via_slurm_name(v, i);

	if (via_slurm_slurm_state(v, i) != NULL)
		return (xasprintf("clustertop: %s: %s: %s (%s)", name,
		    VIA_SLURM_UNAVAILABLE, via_slurm_slurm_state(v, i),
		    r->error != NULL ? r->error : "?"));
	if (r->state == JOB_NODE_FAILED)
		return (xasprintf("clustertop: %s: failed (%s)", name,
		    r->error != NULL ? r->error : "?"));
	return (exec_node_message(name, r));
}

static cJSON *
via_result_json(struct via_slurm *v, size_t i)
{
	const struct engine_job_result	*r = via_slurm_result(v, i);
	cJSON				*o;
	const char			*ss = via_slurm_slurm_state(v, i);

	o = exec_result_json(via_slurm_name(v, i), r);
	if (ss != NULL) {
		cJSON_ReplaceItemInObject(o, "state",
		    cJSON_CreateString(VIA_SLURM_UNAVAILABLE));
		cJSON_ReplaceItemInObject(o, "node_state",
		    cJSON_CreateString(ss));
	} else if (r->state == JOB_NODE_FAILED)
		cJSON_ReplaceItemInObject(o, "node_state",
		    cJSON_CreateString("slurm-step-failed"));
	cJSON_AddStringToObject(o, "via", "slurm");
	return (o);
}

static void
via_exec_done(void *arg, size_t i)
{
	struct via_exec			*x = arg;
	const struct engine_job_result	*r;
	const char			*name;
	char				*msg, *s;
	cJSON				*o;

	if (x->v == NULL)
		return;		/* during start: printed afterwards */
	r = via_slurm_result(x->v, i);
	name = via_slurm_name(x->v, i);
	if (x->o->json) {
		o = via_result_json(x->v, i);
		if ((s = cJSON_PrintUnformatted(o)) != NULL) {
			fputs(s, stdout);
			fputc('\n', stdout);
			free(s);
		}
		cJSON_Delete(o);
	} else if (!x->o->gather) {
		exec_flush_line(name, &x->lo[i], stdout);
		exec_flush_line(name, &x->le[i], stderr);
		if (r->out_truncated)
			printf("%s: [clustertop: output truncated at %zu "
			    "bytes]\n", name, x->o->cap);
		if (r->err_truncated)
			fprintf(stderr, "%s: [clustertop: output truncated "
			    "at %zu bytes]\n", name, x->o->cap);
	}
	if ((msg = via_node_message(x->v, i)) != NULL) {
		fflush(stdout);
		fprintf(stderr, "%s\n", msg);
		free(msg);
	}
}

int
via_slurm_exec(const struct exec_opts *o, const struct inventory *inv,
    const char *command, const char *in, size_t inlen, int start_timeout_s,
    int timeout_ms)
{
	struct via_slurm_spec	 spec;
	struct via_exec		 x;
	struct sigaction	 sa, oldint, oldterm, oldhup;
	const struct engine_job_result *r;
	struct gather		*g;
	const char		*state, *diag;
	char			*cause = NULL;
	size_t			 i;
	int			 status;

	memset(&x, 0, sizeof x);
	x.o = o;
	x.n = inv->nnodes;
	x.lo = xcalloc(x.n + 1, sizeof *x.lo);
	x.le = xcalloc(x.n + 1, sizeof *x.le);
	memset(&spec, 0, sizeof spec);
	spec.inv = inv;
	spec.command = command;
	spec.stdin_data = in;
	spec.stdin_len = inlen;
	spec.start_timeout_s = start_timeout_s;
	spec.timeout_ms = timeout_ms;
	spec.cap = o->cap;
	spec.label = "exec";
	spec.output = via_exec_output;
	spec.done = via_exec_done;
	spec.arg = &x;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = via_sigint;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &oldint);
	sigaction(SIGTERM, &sa, &oldterm);
	sigaction(SIGHUP, &sa, &oldhup);

	if ((x.v = via_slurm_start(&spec, &cause)) == NULL) {
		fprintf(stderr, "clustertop exec: %s\n", cause);
		free(cause);
		status = 1;
		goto out;
	}
	free(cause);
	/* The nodes that ended during start (unavailable): report them now. */
	for (i = 0; i < x.n; i++) {
		if (via_slurm_result(x.v, i) != NULL)
			via_exec_done(&x, i);
	}
	via_wait(x.v, stdout);
	if (o->gather) {
		g = gather_create();
		for (i = 0; i < x.n; i++) {
			r = via_slurm_result(x.v, i);
			state = via_slurm_state_label(x.v, i);
			if (state == NULL && r->state != JOB_NODE_DONE)
				state = r->state == JOB_NODE_FAILED ?
				    "failed" : job_node_state_name(r->state);
			gather_set(g, via_slurm_name(x.v, i), state,
			    r->exit_status, NULL, r->out, r->outlen, r->err,
			    r->errlen);
		}
		gather_print(g, stdout, 0);
		gather_free(g);
	}
	diag = via_slurm_diag(x.v);
	if (o->verbose && *diag != '\0')
		fprintf(stderr, "%s", diag);
	status = via_slurm_status(x.v);
	via_slurm_free(x.v);
out:
	fflush(stdout);
	sigaction(SIGINT, &oldint, NULL);
	sigaction(SIGTERM, &oldterm, NULL);
	sigaction(SIGHUP, &oldhup, NULL);
	for (i = 0; i < x.n; i++) {
		strbuf_free(&x.lo[i]);
		strbuf_free(&x.le[i]);
	}
	free(x.lo);
	free(x.le);
	return (via_interrupted ? 130 : status);
}

/* --- push --via slurm: sbcast ------------------------------------------------ */

/*
 * Run ARGV to the end (at most TIMEOUT_MS, <= 0: no limit), its stdout and
 * stderr together in *OUT; returns its exit status, 124 when it was killed
 * at the deadline, -1 when it could not start.
 */
static int
via_run_cmd(char *const argv[], int timeout_ms, char **out)
{
	struct strbuf	 b;
	struct timespec	 t0, t;
	struct pollfd	 pfd;
	char		 buf[4096];
	ssize_t		 n;
	pid_t		 pid;
	int		 p[2], ws = 0, killed = 0, null;
	long long	 ms;

	memset(&b, 0, sizeof b);
	*out = NULL;
	if (pipe2(p, O_CLOEXEC) != 0)
		return (-1);
	if ((pid = fork()) == -1) {
		close(p[0]);
		close(p[1]);
		return (-1);
	}
	if (pid == 0) {
		setpgid(0, 0);
		if ((null = open("/dev/null", O_RDONLY)) >= 0)
			dup2(null, 0);
		dup2(p[1], 1);
		dup2(p[1], 2);
		execvp(argv[0], argv);
		fprintf(stderr, "cannot run %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(p[1]);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	pfd.fd = p[0];
	pfd.events = POLLIN;
	for (;;) {
		clock_gettime(CLOCK_MONOTONIC, &t);
		ms = (long long)(t.tv_sec - t0.tv_sec) * 1000 +
		    (t.tv_nsec - t0.tv_nsec) / 1000000;
		if (timeout_ms > 0 && ms >= timeout_ms && !killed) {
			kill(-pid, SIGTERM);
			kill(pid, SIGTERM);
			killed = 1;
		}
		if (poll(&pfd, 1, 200) <= 0)
			continue;
		n = read(p[0], buf, sizeof buf);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		strbuf_addn(&b, buf, (size_t)n);
	}
	close(p[0]);
	while (waitpid(pid, &ws, 0) == -1 && errno == EINTR)
		;
	*out = strbuf_take(&b);
	if (killed)
		return (124);
	return (WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws));
}

/* The last non-empty line of S, malloc'd ("" when none). */
static char *
via_last_line(const char *s)
{
	const char	*e = s + strlen(s), *b;

	while (e > s && (e[-1] == '\n' || e[-1] == ' '))
		e--;
	for (b = e; b > s && b[-1] != '\n'; b--)
		;
	return (xstrndup(b, (size_t)(e - b)));
}

static void
via_push_done(void *arg, size_t i)
{
}

int
via_slurm_push(const struct inventory *inv, const char *src, const char *dest,
    int preserve, int verify, int quiet, int start_timeout_s, int timeout_ms)
{
	static const char me[] = "clustertop push --via slurm";
	struct via_slurm_spec	 spec;
	struct via_slurm	*v = NULL;
	struct hostlist		*job = NULL;
	struct stat		 sb;
	struct strbuf		 cmd;
	struct timespec		 t0, t1;
	const struct engine_job_result *r;
	const char		**names;
	char			*base, *dir, *final_dest, *tmp, *q, *out = NULL;
	char			*folded = NULL, *argv[16], *cause = NULL, *line;
	char			 hex[65] = "", jobid[32] = "", b1[32], b2[32];
	char			*data;
	size_t			 i, nrun = 0, len, nok = 0, nfail = 0;
	int			 a, rc, status = 0, s;
	double			 secs;

	if (stat(src, &sb) != 0 || !S_ISREG(sb.st_mode)) {
		fprintf(stderr, "%s: %s: %s\n", me, src, errno != 0 &&
		    !S_ISREG(sb.st_mode) && stat(src, &sb) != 0 ?
		    strerror(errno) : "not a regular file (sbcast copies one "
		    "file; use SSH for trees)");
		return (CT_EXIT_USAGE);
	}
	if (access(src, R_OK) != 0) {
		fprintf(stderr, "%s: %s: %s\n", me, src, strerror(errno));
		return (CT_EXIT_USAGE);
	}
	if (dest[0] != '/') {
		fprintf(stderr, "%s: %s: the destination must be an absolute "
		    "path (sbcast writes it on every node)\n", me, dest);
		return (CT_EXIT_USAGE);
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	base = push_basename(src);
	len = strlen(dest);
	if (dest[len - 1] == '/') {
		final_dest = xasprintf("%s%s", dest, base);
		dir = xstrndup(dest, len - 1);
	} else {
		final_dest = xstrdup(dest);
		dir = xstrndup(dest, (size_t)(strrchr(dest, '/') - dest));
	}
	if (verify) {
		if ((data = read_file(src, (size_t)sb.st_size + 1, NULL,
		    &cause)) == NULL) {
			fprintf(stderr, "%s: %s\n", me, cause);
			free(cause);
			status = CT_EXIT_USAGE;
			goto out;
		}
		push_sha256_hex(data, (size_t)sb.st_size, hex);
		free(data);
	}

	/* The nodes Slurm can use now get one allocation of ours. */
	names = xcalloc(inv->nnodes + 1, sizeof *names);
	for (i = 0; i < inv->nnodes && inv->nodes[i].slurm_state == NULL; i++)
		;
	s = inv->nnodes > 0 && i == inv->nnodes;	/* no states: try all */
	for (i = 0; i < inv->nnodes; i++) {
		if (s || via_unavailable(&inv->nodes[i], NULL, NULL) == NULL)
			names[nrun++] = inv->nodes[i].name;
	}
	if (nrun > 0) {
		folded = hostlist_fold_names(names, nrun);
		a = 0;
		argv[a++] = (char *)"salloc";
		argv[a++] = (char *)"--no-shell";
		argv[a++] = (char *)"--job-name=clustertop-push";
		argv[a++] = xasprintf("--nodes=%zu", nrun);
		argv[a++] = (char *)"--ntasks-per-node=1";
		argv[a++] = xasprintf("--nodelist=%s", folded);
		argv[a++] = xasprintf("--immediate=%d", start_timeout_s > 0 ?
		    start_timeout_s : 10);
		argv[a] = NULL;
		rc = via_run_cmd(argv, 0, &out);
		free(argv[3]);
		free(argv[5]);
		free(argv[6]);
		if ((q = strstr(out != NULL ? out : "", "Granted job allocation "))
		    != NULL)
			snprintf(jobid, sizeof jobid, "%.*s", (int)strspn(q + 23,
			    "0123456789"), q + 23);
		if (rc != 0 || jobid[0] == '\0') {
			line = via_last_line(out != NULL ? out : "");
			fprintf(stderr, "%s: no allocation of %s within %d s: "
			    "%s\n", me, folded, start_timeout_s, line);
			free(line);
			status = 255;
			free(names);
			goto out;
		}
		free(out);
		out = NULL;
		tmp = xasprintf("%s/.clustertop-push.%s.%s", dir, jobid, base);
		a = 0;
		argv[a++] = (char *)"sbcast";
		argv[a++] = xasprintf("--jobid=%s", jobid);
		argv[a++] = (char *)"--force";
		if (preserve)
			argv[a++] = (char *)"--preserve";
		argv[a++] = (char *)src;
		argv[a++] = tmp;
		argv[a] = NULL;
		rc = via_run_cmd(argv, timeout_ms, &out);
		free(argv[1]);
		if (rc != 0 && !quiet) {
			line = via_last_line(out != NULL ? out : "");
			fprintf(stderr, "%s: sbcast exited with %d: %s\n", me,
			    rc, line);
			free(line);
		}
	} else
		tmp = xstrdup("");
	free(names);

	/* One step checks (and with --verify hashes) and renames it. */
	memset(&cmd, 0, sizeof cmd);
	strbuf_add(&cmd, "t=");
	strbuf_add(&cmd, (q = push_quote(tmp)));
	free(q);
	strbuf_add(&cmd, "; d=");
	strbuf_add(&cmd, (q = push_quote(dest[len - 1] == '/' ? final_dest :
	    dest)));
	free(q);
	strbuf_add(&cmd, "; n=");
	strbuf_add(&cmd, (q = push_quote(base)));
	free(q);
	strbuf_printf(&cmd, "\n"
	    "[ -f \"$t\" ] || { echo \"the file did not arrive (sbcast)\" >&2; "
	    "exit 1; }\n"
	    "s=$(wc -c <\"$t\"); [ \"$s\" -eq %lld ] || { rm -f \"$t\"; "
	    "echo \"received $s of %lld bytes\" >&2; exit 1; }\n",
	    (long long)sb.st_size, (long long)sb.st_size);
	if (verify)
		strbuf_printf(&cmd, "h=$(sha256sum <\"$t\") && h=${h%%%% *} && "
		    "echo \"sha256 $h\" && [ \"$h\" = %s ] || { rm -f \"$t\"; "
		    "echo \"SHA-256 mismatch: $h\" >&2; exit 1; }\n", hex);
	strbuf_add(&cmd,
	    "if [ -d \"$d\" ]; then f=\"$d/$n\"; else f=\"$d\"; fi\n"
	    "[ -d \"$f\" ] && { rm -f \"$t\"; echo \"$f: is a directory\" >&2; "
	    "exit 1; }\n"
	    "mv -f \"$t\" \"$f\" || { rm -f \"$t\"; exit 1; }\n");

	memset(&spec, 0, sizeof spec);
	spec.inv = inv;
	spec.command = cmd.s;
	spec.start_timeout_s = start_timeout_s;
	spec.timeout_ms = timeout_ms;
	spec.cap = 65536;
	spec.label = "push";
	spec.jobid = jobid[0] != '\0' ? jobid : NULL;
	spec.done = via_push_done;
	if ((v = via_slurm_start(&spec, &cause)) == NULL) {
		fprintf(stderr, "%s: %s\n", me, cause);
		free(cause);
		status = 1;
	} else {
		free(cause);
		via_wait(v, NULL);
		for (i = 0; i < v->n; i++) {
			r = via_slurm_result(v, i);
			if (r->state == JOB_NODE_DONE && r->exit_status == 0) {
				nok++;
				continue;
			}
			nfail++;
			if (via_slurm_slurm_state(v, i) != NULL) {
				fprintf(stderr, "%s: %s: %s: %s (%s)\n", me,
				    v->nodes[i].name, VIA_SLURM_UNAVAILABLE,
				    via_slurm_slurm_state(v, i), r->error);
				s = 255;
			} else if (r->state == JOB_NODE_DONE) {
				line = via_last_line(r->err);
				fprintf(stderr, "%s: %s: %s\n", me,
				    v->nodes[i].name, *line != '\0' ? line :
				    "failed");
				free(line);
				s = 1;
			} else {
				fprintf(stderr, "%s: %s: %s (%s)\n", me,
				    v->nodes[i].name,
				    job_node_state_name(r->state),
				    r->error != NULL ? r->error : "?");
				s = r->state == JOB_NODE_TIMED_OUT ? 254 : 255;
			}
			if (s == 255 || status == 255)
				status = 255;
			else if (s == 254 || status == 254)
				status = 254;
			else
				status = 1;
		}
	}
	strbuf_free(&cmd);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) /
	    1e9;
	if (!quiet)
		fprintf(stderr, "%s: %s to %zu nodes in %.1f s (%s/s in all)%s%s"
		    "\n", me, push_format_bytes((uint64_t)sb.st_size, b1,
		    sizeof b1), nok, secs, push_format_bytes((uint64_t)(
		    (double)sb.st_size * (double)nok / (secs > 0 ? secs : 1)),
		    b2, sizeof b2), verify && nok > 0 ?
		    ", SHA-256 verified on every node" : "", nfail > 0 ?
		    ", failed on some (above)" : "");
	free(tmp);
out:
	if (jobid[0] != '\0') {
		argv[0] = (char *)"scancel";
		argv[1] = jobid;
		argv[2] = NULL;
		free(out);
		via_run_cmd(argv, 30000, &out);
	}
	via_slurm_free(v);
	hostlist_free(job);
	free(out);
	free(folded);
	free(base);
	free(dir);
	free(final_dest);
	return (status);
}
