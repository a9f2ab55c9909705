/*
 * cmd-exec.c -- `clustertop exec`: run one command on many nodes.
 *
 * A client of the engine like any other: it adds the selected nodes,
 * starts one job and prints what the events carry. Output modes:
 *   default  pdsh style, "host: line" as lines arrive (stdout to stdout,
 *            stderr to stderr; a partial last line is flushed at the end);
 *   -b       dshbak style blocks of identical output (gather.c), at the end;
 *   --json   one JSON object per host, as each host finishes.
 *
 * Exit status: 0 when every node ran the command and it exited 0; 255
 * when a node could not be reached (unreachable, auth-failed,
 * host-key-mismatch, connect timeout, channel refused); else 254 when a
 * command timed out (-u) and was killed; else the largest remote exit
 * status (a signal counts as 128+N); 130 when interrupted; 141 when
 * stdout went away (the remote commands are killed); 2 usage.
 */

#include <sys/stat.h>
#include <sys/types.h>

#include <cjson/cJSON.h>
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base64.h"
#include "client.h"
#include "cliopt.h"
#include "cmd.h"
#include "cmd-exec.h"
#include "engine.h"
#include "gather.h"
#include "inventory.h"
#include "util.h"
#include "via-slurm.h"

#define EXEC_STDIN_MAX		(256UL * 1024 * 1024)	/* bytes read from stdin */

#define EXEC_EXIT_CONNECT	255
#define EXEC_EXIT_TIMEOUT	254
#define EXEC_EXIT_INTERRUPT	130

struct exec_node {
	const char	*name;
	struct strbuf	 out, err;	/* a line not yet ended */
};

struct exec_run {
	struct engine	*e;
	uint32_t	 job;
	int		 json;
	int		 gather;
	int		 verbose;
	size_t		 cap;
	FILE		*out, *err;	/* stdout and stderr, or the server's frames */
	struct exec_node *nodes;	/* by engine node id */
	size_t		 nnodes;	/* size of nodes[] */
	int		*ids;		/* the job's node ids */
	size_t		 nids;
};

static volatile sig_atomic_t exec_interrupted;

static void
exec_sigint(int sig)
{
	exec_interrupted++;
}

static void
exec_usage(FILE *f)
{
	fprintf(f, "usage: clustertop exec [-w HOSTS] [-x HOSTS] [-b] [--json] "
	    "[-f FANOUT] [-t CONNECT_S]\n"
	    "                       [-u COMMAND_S] [-F SSH_CONFIG] [-l USER] "
	    "[--nostdin]\n"
	    "                       [--strict-host-keys yes|accept-new] [--] "
	    "COMMAND...\n%s"
	    "  -b         group identical output (like dshbak -c)\n"
	    "  --json     one JSON object per host (JSON lines)\n"
	    "  --nostdin  do not forward stdin even when it is not a terminal\n"
	    "  --via slurm  run as one Slurm job step (srun), not over SSH\n"
	    "  --server   through the resident server (start one if none runs)\n"
	    "  --no-server  in this process even when a server runs\n"
	    "  -v         show connection events and diagnostics\n",
	    cliopt_usage());
}

/* --- small pieces shared with bench ------------------------------------ */

/* Map a signal name ("KILL") to its number, 0 if unknown. */
int
exec_signal_number(const char *name)
{
	int		 i;
	const char	*abbrev;

	for (i = 1; i < 65; i++) {
		abbrev = sigabbrev_np(i);
		if (abbrev != NULL && strcmp(abbrev, name) == 0)
			return (i);
	}
	return (0);
}

/* The exit status one node contributes (see the comment at the top). */
int
exec_node_status(const struct engine_job_result *r)
{
	switch (r->state) {
	case JOB_NODE_DONE:
		if (r->exit_signal != NULL)
			return (128 + exec_signal_number(r->exit_signal));
		return (r->exit_status < 0 ? EXEC_EXIT_CONNECT :
		    r->exit_status);
	case JOB_NODE_TIMED_OUT:
		return (EXEC_EXIT_TIMEOUT);
	case JOB_NODE_CANCELLED:
		return (EXEC_EXIT_INTERRUPT);
	default:
		return (EXEC_EXIT_CONNECT);
	}
}

/* Combine node statuses: interrupt > connect failure > timeout > max. */
int
exec_combine_status(int acc, const struct engine_job_result *r)
{
	int	s = exec_node_status(r);

	if (acc == EXEC_EXIT_INTERRUPT || s == EXEC_EXIT_INTERRUPT)
		return (EXEC_EXIT_INTERRUPT);
	if (r->state == JOB_NODE_FAILED || acc == EXEC_EXIT_CONNECT)
		return (EXEC_EXIT_CONNECT);
	if (r->state == JOB_NODE_TIMED_OUT || acc == EXEC_EXIT_TIMEOUT)
		return (EXEC_EXIT_TIMEOUT);
	return (s > acc ? s : acc);
}

/* The one-line report of a node that did not end well, or NULL. */
char *
exec_node_message(const char *name, const struct engine_job_result *r)
{
	char	*s = NULL;
	int	 rc = 0;

	switch (r->state) {
	case JOB_NODE_FAILED:
		if (r->node_state == NODE_UP)
			rc = asprintf(&s, "clustertop: %s: failed (%s)", name,
			    r->error != NULL ? r->error : "?");
		else
			rc = asprintf(&s, "clustertop: %s: %s (%s)", name,
			    node_state_name(r->node_state),
			    r->error != NULL ? r->error : "?");
		break;
	case JOB_NODE_TIMED_OUT:
		rc = asprintf(&s, "clustertop: %s: %s (killed)", name,
		    r->error != NULL ? r->error : "command timed out");
		break;
	case JOB_NODE_CANCELLED:
		rc = asprintf(&s, "clustertop: %s: cancelled", name);
		break;
	case JOB_NODE_DONE:
		if (r->exit_signal != NULL)
			rc = asprintf(&s, "clustertop: %s: killed by signal %s",
			    name, r->exit_signal);
		else if (r->exit_status != 0)
			rc = asprintf(&s, "clustertop: %s: exited with exit "
			    "code %d", name, r->exit_status);
		break;
	default:
		break;
	}
	if (rc == -1)
		s = NULL;
	return (s);
}

/* ISO 8601 UTC with milliseconds. */
void
exec_format_time(const struct timespec *ts, char *buf, size_t len)
{
	struct tm	tm;
	size_t		n;

	gmtime_r(&ts->tv_sec, &tm);
	n = strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + n, len - n, ".%03ldZ", ts->tv_nsec / 1000000);
}

/* 1 if the bytes are valid UTF-8 (and hold no NUL). */
static int
exec_valid_utf8(const unsigned char *p, size_t len)
{
	size_t		i = 0, n, k;
	unsigned char	c;

	while (i < len) {
		c = p[i];
		if (c == 0)
			return (0);
		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf)
			n = 1;
		else if (c >= 0xe0 && c <= 0xef)
			n = 2;
		else if (c >= 0xf0 && c <= 0xf4)
			n = 3;
		else
			return (0);
		if (len - i - 1 < n)
			return (0);
		for (k = 1; k <= n; k++) {
			if ((p[i + k] & 0xc0) != 0x80)
				return (0);
		}
		if ((c == 0xe0 && p[i + 1] < 0xa0) ||
		    (c == 0xed && p[i + 1] > 0x9f) ||
		    (c == 0xf0 && p[i + 1] < 0x90) ||
		    (c == 0xf4 && p[i + 1] > 0x8f))
			return (0);
		i += n + 1;
	}
	return (1);
}

/* Replace invalid UTF-8 (and NUL) with U+FFFD; malloc'd. */
static char *
exec_utf8_lossy(const unsigned char *p, size_t len)
{
	char	*out;
	size_t	 i = 0, o = 0, n;

	if ((out = malloc(len * 3 + 1)) == NULL)
		abort();
	while (i < len) {
		n = 0;
		if (p[i] != 0 && p[i] < 0x80)
			n = 1;
		else if (p[i] >= 0xc2 && p[i] < 0xe0)
			n = 2;
		else if ((p[i] & 0xf0) == 0xe0)
			n = 3;
		else if (p[i] >= 0xf0 && p[i] <= 0xf4)
			n = 4;
		if (n > 0 && i + n <= len && exec_valid_utf8(p + i, n)) {
			memcpy(out + o, p + i, n);
			o += n;
			i += n;
		} else {
			memcpy(out + o, "\xef\xbf\xbd", 3);
			o += 3;
			i++;
		}
	}
	out[o] = '\0';
	return (out);
}

/* Add NAME (text) to O; bytes that are not UTF-8 also go to NAME_base64. */
void
exec_json_bytes(cJSON *o, const char *name, const char *data, size_t len)
{
	char	*s, key[64];

	if (exec_valid_utf8((const unsigned char *)data, len)) {
		cJSON_AddStringToObject(o, name, data);
		return;
	}
	s = exec_utf8_lossy((const unsigned char *)data, len);
	cJSON_AddStringToObject(o, name, s);
	free(s);
	snprintf(key, sizeof key, "%s_base64", name);
	s = base64_encode(data, len);
	cJSON_AddStringToObject(o, key, s);
	free(s);
}

/* One host's result as a JSON object. */
cJSON *
exec_result_json(const char *name, const struct engine_job_result *r)
{
	cJSON	*o;
	char	 t[64];

	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "host", name);
	cJSON_AddStringToObject(o, "state", job_node_state_name(r->state));
	cJSON_AddStringToObject(o, "node_state",
	    node_state_name(r->node_state));
	if (r->state == JOB_NODE_DONE && r->exit_signal == NULL &&
	    r->exit_status >= 0)
		cJSON_AddNumberToObject(o, "exit_code", r->exit_status);
	else
		cJSON_AddNullToObject(o, "exit_code");
	if (r->exit_signal != NULL)
		cJSON_AddStringToObject(o, "signal", r->exit_signal);
	else
		cJSON_AddNullToObject(o, "signal");
	if (r->error != NULL)
		cJSON_AddStringToObject(o, "error", r->error);
	else
		cJSON_AddNullToObject(o, "error");
	if (r->lost)	/* only then: other lines keep their bytes */
		cJSON_AddTrueToObject(o, "connection_lost");
	exec_json_bytes(o, "stdout", r->out, r->outlen);
	exec_json_bytes(o, "stderr", r->err, r->errlen);
	cJSON_AddBoolToObject(o, "stdout_truncated", r->out_truncated);
	cJSON_AddBoolToObject(o, "stderr_truncated", r->err_truncated);
	exec_format_time(&r->start, t, sizeof t);
	cJSON_AddStringToObject(o, "start", t);
	exec_format_time(&r->end, t, sizeof t);
	cJSON_AddStringToObject(o, "end", t);
	cJSON_AddNumberToObject(o, "duration_s",
	    (double)(r->end.tv_sec - r->start.tv_sec) +
	    (r->end.tv_nsec - r->start.tv_nsec) / 1e9);
	return (o);
}

/* Read all of stdin (up to EXEC_STDIN_MAX); -1 with *cause. */
int
exec_read_stdin(char **data, size_t *len, char **cause)
{
	if ((*data = read_fd(STDIN_FILENO, "stdin", EXEC_STDIN_MAX, len,
	    cause)) != NULL)
		return (0);
	if (errno == EFBIG) {
		free(*cause);
		*cause = xasprintf("stdin is larger than %lu MiB; use "
		    "clustertop push for big files", EXEC_STDIN_MAX / 1048576);
	}
	return (-1);
}

/*
 * exec's stdin, read once: unless -n, or a terminal, or *HAVE_IN says it
 * was read already. 0, or -1 after printing why.
 */
static int
exec_take_stdin(int nostdin, int *have_in, char **in, size_t *inlen)
{
	char	*cause = NULL;

	if (*have_in || nostdin || isatty(STDIN_FILENO))
		return (0);
	if (exec_read_stdin(in, inlen, &cause) != 0) {
		fprintf(stderr, "clustertop exec: %s\n", cause);
		free(cause);
		return (-1);
	}
	*have_in = 1;
	return (0);
}

/* --- output ------------------------------------------------------------ */

/* Print complete lines of DATA as "name: line"; keep the rest. */
void
exec_print_lines(const char *name, struct strbuf *l, FILE *f,
    const char *data, size_t len)
{
	const char	*nl;

	while (len > 0 && (nl = memchr(data, '\n', len)) != NULL) {
		fprintf(f, "%s: ", name);
		if (l->len > 0) {
			fwrite(l->s, 1, l->len, f);
			l->len = 0;
		}
		fwrite(data, 1, (size_t)(nl - data) + 1, f);
		len -= (size_t)(nl - data) + 1;
		data = nl + 1;
	}
	if (len > 0)
		strbuf_addn(l, data, len);
}

void
exec_flush_line(const char *name, struct strbuf *l, FILE *f)
{
	if (l->len == 0)
		return;
	fprintf(f, "%s: ", name);
	fwrite(l->s, 1, l->len, f);
	fputc('\n', f);
	l->len = 0;
}

static void
exec_node_done(struct exec_run *x, int node)
{
	const struct engine_job_result	*r;
	struct exec_node		*xn = &x->nodes[node];
	char				*msg, *s;
	cJSON				*o;

	r = engine_job_result(x->e, x->job, node);
	if (r == NULL)
		return;
	if (x->json) {
		o = exec_result_json(xn->name, r);
		if ((s = cJSON_PrintUnformatted(o)) != NULL) {
			fputs(s, x->out);
			fputc('\n', x->out);
			free(s);
		}
		cJSON_Delete(o);
	} else if (!x->gather) {
		exec_flush_line(xn->name, &xn->out, x->out);
		exec_flush_line(xn->name, &xn->err, x->err);
		if (r->out_truncated)
			fprintf(x->out, "%s: [clustertop: output truncated "
			    "at %zu bytes]\n", xn->name, x->cap);
		if (r->err_truncated)
			fprintf(x->err, "%s: [clustertop: output truncated "
			    "at %zu bytes]\n", xn->name, x->cap);
	}
	if ((msg = exec_node_message(xn->name, r)) != NULL) {
		fflush(x->out);
		fprintf(x->err, "%s\n", msg);
		free(msg);
	}
}

/* Handle one engine event for the run (the engine callback of exec). */
void
exec_run_event(const struct engine_event *ev, void *arg)
{
	struct exec_run	*x = arg;
	struct exec_node *xn;

	if (ev->node >= 0 && ((size_t)ev->node >= x->nnodes ||
	    x->nodes[ev->node].name == NULL))
		return;		/* not a node of this run (the server) */

	switch (ev->type) {
	case ENGINE_EV_JOB_OUTPUT:
		if (ev->id != x->job || x->json || x->gather)
			break;
		xn = &x->nodes[ev->node];
		if (ev->stream == 1)
			exec_print_lines(xn->name, &xn->out, x->out, ev->data,
			    ev->len);
		else
			exec_print_lines(xn->name, &xn->err, x->err, ev->data,
			    ev->len);
		break;
	case ENGINE_EV_JOB_NODE_DONE:
		if (ev->id == x->job)
			exec_node_done(x, ev->node);
		break;
	case ENGINE_EV_NODE:
		if (x->verbose)
			fprintf(x->err, "clustertop: %s: %s%s%s\n",
			    engine_node_name(x->e, ev->node),
			    node_state_name(ev->state),
			    ev->text != NULL ? ": " : "",
			    ev->text != NULL ? ev->text : "");
		break;
	case ENGINE_EV_LOG:
		/* An outcome the audit log could not take is always said. */
		if (x->verbose || strncmp(ev->text, "audit log ", 10) == 0)
			fprintf(x->err, "clustertop: %s%s%s\n",
			    ev->node >= 0 ? engine_node_name(x->e, ev->node) :
			    "", ev->node >= 0 ? ": " : "", ev->text);
		break;
	default:
		break;
	}
}

/* Print grouped blocks of the job's output (gather.c). */
static void
exec_print_gathered(struct exec_run *x, const int *ids, size_t n)
{
	const struct engine_job_result	*r;
	struct gather			*g;
	const char			*state;
	size_t				 i;

	g = gather_create();
	for (i = 0; i < n; i++) {
		if ((r = engine_job_result(x->e, x->job, ids[i])) == NULL)
			continue;
		switch (r->state) {
		case JOB_NODE_DONE:
			state = NULL;
			break;
		case JOB_NODE_FAILED:
			state = r->node_state == NODE_UP ? "failed" :
			    node_state_name(r->node_state);
			break;
		default:
			state = job_node_state_name(r->state);
			break;
		}
		gather_set(g, x->nodes[ids[i]].name, state, r->exit_signal ==
		    NULL ? r->exit_status : -1, r->exit_signal, r->out,
		    r->outlen, r->err, r->errlen);
	}
	gather_print(g, x->out, 0);
	gather_free(g);
	for (i = 0; i < n; i++) {
		if ((r = engine_job_result(x->e, x->job, ids[i])) == NULL)
			continue;
		if (r->out_truncated || r->err_truncated)
			fprintf(x->err, "%s: [clustertop: output truncated at "
			    "%zu bytes]\n", x->nodes[ids[i]].name, x->cap);
	}
}

/* A run of one exec job on E, printing to OUT and ERR. */
struct exec_run *
exec_run_new(struct engine *e, const struct exec_opts *o, FILE *out,
    FILE *err)
{
	struct exec_run	*x;

	if ((x = calloc(1, sizeof *x)) == NULL)
		abort();
	x->e = e;
	x->json = o->json;
	x->gather = o->gather;
	x->verbose = o->verbose;
	x->cap = o->cap;
	x->out = out;
	x->err = err;
	return (x);
}

/* Start the job of SPEC (its nodes are engine ids); 0 or -1 with *cause. */
int
exec_run_start(struct exec_run *x, struct engine_job_spec *spec, char **cause)
{
	size_t	i;

	x->nnodes = engine_nnodes(x->e);
	if ((x->nodes = calloc(x->nnodes + 1, sizeof *x->nodes)) == NULL ||
	    (x->ids = calloc(spec->nnodes + 1, sizeof *x->ids)) == NULL)
		abort();
	x->nids = spec->nnodes;
	for (i = 0; i < spec->nnodes; i++) {
		x->ids[i] = spec->nodes[i];
		x->nodes[spec->nodes[i]].name = engine_node_name(x->e,
		    spec->nodes[i]);
	}
	spec->stream_output = !x->json && !x->gather;
	x->job = engine_job_start(x->e, spec, cause);
	return (x->job == 0 ? -1 : 0);
}

uint32_t
exec_run_job(const struct exec_run *x)
{
	return (x->job);
}

/* The job ended: print the blocks (-b) and return the exit status. */
int
exec_run_finish(struct exec_run *x)
{
	const struct engine_job_result	*r;
	size_t				 i;
	int				 status = 0;

	if (x->gather)
		exec_print_gathered(x, x->ids, x->nids);
	for (i = 0; i < x->nids; i++) {
		if ((r = engine_job_result(x->e, x->job, x->ids[i])) != NULL)
			status = exec_combine_status(status, r);
	}
	return (status);
}

void
exec_run_free(struct exec_run *x)
{
	size_t	i;

	if (x == NULL)
		return;
	for (i = 0; i < x->nnodes; i++) {
		strbuf_free(&x->nodes[i].out);
		strbuf_free(&x->nodes[i].err);
	}
	free(x->nodes);
	free(x->ids);
	free(x);
}

/* --- main -------------------------------------------------------------- */

/* Run the job in this process, on a fresh engine; returns the exit status. */
static int
exec_in_process(const struct engine_config *cfg, const struct exec_opts *o,
    const struct cliopt *opt, const struct inventory *inv, const char *command,
    const char *in, size_t inlen)
{
	struct exec_run		*x;
	struct engine		*e;
	struct engine_job_spec	 spec;
	struct sigaction	 sa, oldsa, oldterm, oldhup;
	char			*cause = NULL;
	int			 status = 0, cancelled = 0, broken = 0, *ids;

	if ((e = engine_create(cfg, &cause)) == NULL) {
		fprintf(stderr, "clustertop exec: %s\n", cause);
		free(cause);
		return (1);
	}
	ids = cliopt_add_nodes(e, inv);
	x = exec_run_new(e, o, stdout, stderr);
	engine_set_callback(e, exec_run_event, x);

	memset(&spec, 0, sizeof spec);
	spec.command = command;
	spec.nodes = ids;
	spec.nnodes = inv->nnodes;
	spec.stdin_data = in;
	spec.stdin_len = inlen;
	spec.timeout_ms = opt->command_timeout_ms > 0 ?
	    opt->command_timeout_ms : -1;
	spec.fanout = opt->fanout;
	spec.label = "exec";

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = exec_sigint;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &oldsa);
	/* A closed terminal (SIGHUP) or a kill stops the remote commands
	 * as Ctrl-C does: dying at once would leave them running. */
	sigaction(SIGTERM, &sa, &oldterm);
	sigaction(SIGHUP, &sa, &oldhup);

	engine_connect(e, -1);
	if (exec_run_start(x, &spec, &cause) != 0) {
		fprintf(stderr, "clustertop exec: %s\n", cause);
		free(cause);
		status = 1;
		goto out;
	}
	while (!engine_job_finished(e, x->job)) {
		if (engine_run_once(e, 1000) != 0) {
			fprintf(stderr, "clustertop exec: event loop failed: "
			    "%s\n", strerror(errno));
			status = 1;
			goto out;
		}
		if (exec_interrupted == 1 && !cancelled) {
			fprintf(stderr, "clustertop exec: interrupted; killing "
			    "the remote commands (again to quit now)\n");
			engine_job_cancel(e, x->job);
			cancelled = 1;
		} else if (exec_interrupted > 1) {
			status = EXEC_EXIT_INTERRUPT;
			goto out;
		}
		if (fflush(stdout) == EOF && !cancelled) {
			/* stdout is gone (| head): stop the remote commands. */
			engine_job_cancel(e, x->job);
			cancelled = 1;
			broken = 1;
		}
	}
	status = broken ? 141 : exec_run_finish(x);

out:
	fflush(stdout);
	sigaction(SIGINT, &oldsa, NULL);
	sigaction(SIGTERM, &oldterm, NULL);
	sigaction(SIGHUP, &oldhup, NULL);
	engine_free(e);
	exec_run_free(x);
	free(ids);
	return (status);
}

/* `clustertop exec`: run COMMAND on the selected nodes. */
int
cmd_exec_main(int argc, char **argv)
{
	static const struct option longopts[] = {
		CLIOPT_LONG,
		{ "json", no_argument, NULL, 'J' },
		{ "nostdin", no_argument, NULL, 'N' },
		{ "no-server", no_argument, NULL, 'S' },
		{ "server", no_argument, NULL, 's' },
		{ "via", required_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct cliopt		 opt;
	struct exec_opts	 o;
	struct engine_config	 cfg;
	struct inventory	*inv = NULL;
	char			*cause = NULL, *command = NULL, *in = NULL;
	size_t			 inlen = 0, i, clen;
	int			 ch, rc, status = 0, nostdin = 0, have_in = 0;
	int			 server = CLIENT_SERVER_IF_RUNNING, via = 0;
	const char		*v;

	memset(&o, 0, sizeof o);
	cliopt_init(&opt);
	if ((v = getenv("CLUSTERTOP_NO_SERVER")) != NULL && *v != '\0' &&
	    strcmp(v, "0") != 0)
		server = CLIENT_SERVER_NEVER;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "+" CLIOPT_SHORT "bvh", longopts,
	    NULL)) != -1) {
		rc = cliopt_handle(&opt, ch, optarg, &cause);
		if (rc == 1)
			continue;
		if (rc == -1) {
			fprintf(stderr, "clustertop exec: %s\n", cause);
			free(cause);
			return (CT_EXIT_USAGE);
		}
		switch (ch) {
		case 'b':
			o.gather = 1;
			break;
		case 'J':
			o.json = 1;
			break;
		case 'N':
			nostdin = 1;
			break;
		case 'S':
			server = CLIENT_SERVER_NEVER;
			break;
		case 's':
			server = CLIENT_SERVER_START;
			break;
		case 'v':
			o.verbose = 1;
			break;
		case 'V':
			if ((via = via_slurm_parse(optarg)) == -1) {
				fprintf(stderr, "clustertop exec: --via: "
				    "'%s' is not ssh or slurm\n", optarg);
				return (CT_EXIT_USAGE);
			}
			break;
		case 'h':
			exec_usage(stdout);
			return (0);
		default:
			exec_usage(stderr);
			return (CT_EXIT_USAGE);
		}
	}
	argc -= optind;
	argv += optind;
	if (argc == 0) {
		exec_usage(stderr);
		return (CT_EXIT_USAGE);
	}
	if (o.json && o.gather) {
		fprintf(stderr, "clustertop exec: -b and --json don't mix\n");
		return (CT_EXIT_USAGE);
	}
	/* The command: the arguments joined by spaces, as ssh does. */
	for (clen = 0, i = 0; i < (size_t)argc; i++)
		clen += strlen(argv[i]) + 1;
	if ((command = calloc(1, clen + 1)) == NULL)
		abort();
	for (i = 0; i < (size_t)argc; i++) {
		if (i > 0)
			strcat(command, " ");
		strcat(command, argv[i]);
	}

	/*
	 * With -w and a server running, try first without asking Slurm for
	 * the nodes' addresses: the server has them if it knows the nodes.
	 */
	if (via) {
		server = CLIENT_SERVER_NEVER;	/* Slurm's fan-out, not ours */
		via_slurm_prepare(opt.connect_timeout_ms);
	}
	if (server != CLIENT_SERVER_NEVER && opt.wexpr != NULL) {
		inventory_set_slurm_timeout(-1);
		rc = cliopt_nodes(&opt, &inv, &cause);
		inventory_set_slurm_timeout(0);
		free(cause);
		cause = NULL;
		if (rc == 0 && exec_take_stdin(nostdin, &have_in, &in,
		    &inlen) != 0) {
			free(command);
			inventory_free(inv);
			return (CT_EXIT_USAGE);
		}
		if (rc == 0) {
			cliopt_engine_config(&opt, &cfg);
			cfg.reconnect = 0;
			if ((v = getenv("CLUSTERTOP_OUTPUT_CAP")) != NULL)
				cfg.output_cap = strtoul(v, NULL, 10);
			o.cap = cfg.output_cap != 0 ? cfg.output_cap :
			    1024 * 1024;
			rc = client_exec(server, &cfg, &o, &opt, inv, 1,
			    command, in, inlen, &status);
			inventory_free(inv);
			inv = NULL;
			if (rc == 0) {
				free(in);
				free(command);
				return (status);
			}
			if (rc == 1)
				server = CLIENT_SERVER_NEVER;
		}
	}
	if (cliopt_nodes(&opt, &inv, &cause) != 0) {
		fprintf(stderr, "clustertop exec: %s\n", cause != NULL ? cause :
		    "no nodes");
		free(cause);
		free(command);
		free(in);
		return (CT_EXIT_USAGE);
	}
	if (inv->warning != NULL && o.verbose)
		fprintf(stderr, "clustertop exec: %s\n", inv->warning);

	if (exec_take_stdin(nostdin, &have_in, &in, &inlen) != 0) {
		free(command);
		inventory_free(inv);
		return (CT_EXIT_USAGE);
	}

	cliopt_engine_config(&opt, &cfg);
	cfg.reconnect = 0;
	if ((v = getenv("CLUSTERTOP_OUTPUT_CAP")) != NULL)
		cfg.output_cap = strtoul(v, NULL, 10);
	o.cap = cfg.output_cap != 0 ? cfg.output_cap : 1024 * 1024;

	if (via) {
		status = via_slurm_exec(&o, inv, command, in, inlen,
		    opt.connect_timeout_ms / 1000, opt.command_timeout_ms);
		free(in);
		free(command);
		inventory_free(inv);
		return (status);
	}
	rc = -1;
	if (server != CLIENT_SERVER_NEVER)
		rc = client_exec(server, &cfg, &o, &opt, inv, 0, command,
		    in, inlen, &status);
	if (rc != 0)
		status = exec_in_process(&cfg, &o, &opt, inv, command, in,
		    inlen);
	free(in);
	free(command);
	inventory_free(inv);
	return (status);
}
