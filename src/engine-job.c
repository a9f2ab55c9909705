/*
 * engine-job.c -- jobs: one command on many nodes, their results, the
 * command wrapper that makes them killable, and their audit records.
 *
 * A job holds one struct ejobnode per node, in the order given. A job
 * node waits (JN_WAIT) until engine_schedule_job() finds its node up with
 * a free channel slot, runs (JN_RUNNING) on one exec channel, may be
 * killed (JN_KILLING: a kill channel is on its way, the result is final
 * once the channel closes) and ends (JN_ENDED) exactly once, through
 * engine_jn_end(), which fires ENGINE_EV_JOB_NODE_DONE and, for the last
 * node, ENGINE_EV_JOB_DONE and the audit record.
 */

#include <sys/types.h>

#include <cjson/cJSON.h>
#include <stddef.h>
#include <stdio.h>
#include <unistd.h>

#include "audit.h"
#include "engine-int.h"

/* Free a job and detach its channels. */
void
engine_job_free(struct ejob *j)
{
	size_t	i;

	for (i = 0; i < j->n; i++) {
		if (j->jn[i].chan != NULL)
			j->jn[i].chan->jn = NULL;
		strbuf_free(&j->jn[i].out);
		strbuf_free(&j->jn[i].err);
		free(j->jn[i].error);
		free(j->jn[i].exit_signal);
	}
	free(j->jn);
	free(j->index);
	free(j->command);
	free(j->label);
	free(j->client_tty);
	free(j);
}

/* --- jobs -------------------------------------------------------------- */

static struct ejob *
engine_find_job(const struct engine *e, uint32_t id)
{
	struct ejob	*j;

	TAILQ_FOREACH(j, &e->jobs, entry) {
		if (j->id == id)
			return (j);
	}
	return (NULL);
}

/*
 * Wrap a command so that its process group id is reported first on
 * stderr (the marker is removed from the output again), and so that the
 * group dies when the sshd session process that started it is gone.
 *
 * sshd makes the login shell a session and group leader, so $$ is the
 * group to kill. sshd never signals a command that has no terminal when
 * its client goes away (a cut link, a frozen node, a clustertop killed
 * with -9): it just exits once it reads the client's EOF, and the command
 * lives on, reparented. So a watcher, a background subshell of the login
 * shell with its fds on /dev/null, polls once a second that the login
 * shell ($$) and its parent, the sshd session process ($PPID), are both
 * alive. It ends by itself when the command ends; when sshd is gone first
 * it sends TERM to the group, then KILL 2 s later (itself included). Its
 * pid follows the group's in the marker, so that a later session can find
 * it (engine_ssh kills lost groups on reconnect).
 *
 * The command follows on its own line, parsed by the same shell as
 * without the wrapper: no second shell, no quoting; the shell still execs
 * the last command, so exit codes and signals are the command's own.
 */
char *
engine_wrap_command(const char *command, const char *token)
{
	char	*s;

	if (asprintf(&s, "(: ct:%s; p=$PPID; while kill -0 $$ && kill -0 $p; do "
	    "sleep 1; done 2>/dev/null; kill -0 $$ 2>/dev/null && { trap '' "
	    "TERM; kill -s TERM -- -$$; sleep 2; kill -s KILL -- -$$; }) "
	    "</dev/null >/dev/null 2>&1 &\n"
	    "printf '\\036ct:%s:%%s:%%s\\n' \"$$\" \"$!\" >&2\n%s", token,
	    token, command) == -1)
		abort();
	return (s);
}

/* Fill TOKEN (17 bytes) with a random hex job token. */
void
engine_new_token(char *token)
{
	static const char	 hex[] = "0123456789abcdef";
	unsigned char		 r[8];
	size_t			 i;
	FILE			*f;

	memset(r, 0, sizeof r);
	if ((f = fopen("/dev/urandom", "r")) != NULL) {
		if (fread(r, 1, sizeof r, f) != sizeof r)
			memset(r, 0, sizeof r);
		fclose(f);
	}
	for (i = 0; i < sizeof r; i++) {
		r[i] ^= (unsigned char)random();
		token[i * 2] = hex[r[i] >> 4];
		token[i * 2 + 1] = hex[r[i] & 15];
	}
	token[16] = '\0';
}

/* Start a job; returns its id, or 0 with *cause set. */
uint32_t
engine_job_start(struct engine *e, const struct engine_job_spec *spec,
    char **cause)
{
	struct ejob		*j;
	struct ejobnode		*jn;
	struct enode		*n;
	size_t			 i;

	if (spec->command == NULL || *spec->command == '\0') {
		*cause = xstrdup("empty command");
		return (0);
	}
	if (spec->nnodes == 0) {
		*cause = xstrdup("no nodes");
		return (0);
	}
	j = xcalloc(1, sizeof *j);
	j->nindex = e->nnodes;
	j->index = xcalloc(e->nnodes, sizeof *j->index);
	for (i = 0; i < e->nnodes; i++)
		j->index[i] = -1;
	for (i = 0; i < spec->nnodes; i++) {
		if (engine_node(e, spec->nodes[i]) == NULL ||
		    j->index[spec->nodes[i]] != -1) {
			if (asprintf(cause, "bad or repeated node id %d",
			    spec->nodes[i]) == -1)
				*cause = NULL;
			free(j->index);
			free(j);
			return (0);
		}
		j->index[spec->nodes[i]] = (int)i;
	}
	j->engine = e;
	j->id = e->next_id++;
	j->command = xstrdup(spec->command);
	j->label = xstrdup(spec->label != NULL ? spec->label : "exec");
	j->client_pid = spec->client_pid;
	if (spec->client_tty != NULL)
		j->client_tty = xstrdup(spec->client_tty);
	j->in = spec->stdin_data;
	j->inlen = spec->stdin_data != NULL ? spec->stdin_len : 0;
	j->timeout_ms = spec->timeout_ms == 0 ? e->cfg.command_timeout_ms :
	    spec->timeout_ms;
	if (j->timeout_ms < 0)
		j->timeout_ms = 0;
	j->fanout = spec->fanout > 0 ? spec->fanout : 0;
	j->stream_output = spec->stream_output;
	j->n = spec->nnodes;
	j->jn = xcalloc(j->n, sizeof *j->jn);
	clock_gettime(CLOCK_REALTIME, &j->start);
	for (i = 0; i < j->n; i++) {
		jn = &j->jn[i];
		jn->job = j;
		jn->node = spec->nodes[i];
		jn->st = JN_WAIT;
		jn->r.state = JOB_NODE_QUEUED;
		jn->r.node_state = NODE_NEW;
		jn->r.exit_status = -1;
		n = e->nodes[jn->node];
		if (n->state == NODE_NEW)
			engine_connect(e, n->id);
	}
	/* No remote action without its audit record (a full disk). */
	if (engine_job_audit(e, j, 0) != 0) {
		if (asprintf(cause, "audit log %s: %s: not started (no remote "
		    "action without its audit record)", audit_path(e->audit),
		    audit_error(e->audit)) == -1)
			*cause = NULL;
		engine_job_free(j);
		return (0);
	}
	TAILQ_INSERT_TAIL(&e->jobs, j, entry);
	e->sched = 1;
	return (j->id);
}

/* Kill a running job node's remote process group; the end comes later. */
void
engine_jn_kill(struct ejobnode *jn, enum job_node_state why)
{
	if (jn->st != JN_RUNNING || jn->chan == NULL)
		return;
	jn->st = JN_KILLING;
	jn->kill_state = why;
	jn->kill_until = engine_now() + ENGINE_KILL_GRACE_MS;
	engine_ssh_chan_kill(jn->chan);
	engine_node_dirty(jn->chan->node);
}

/* Cancel a job: kill what runs, never start what waits. */
void
engine_job_cancel(struct engine *e, uint32_t id)
{
	struct ejob	*j = engine_find_job(e, id);
	size_t		 i;

	if (j == NULL || j->cancelled)
		return;
	j->cancelled = 1;
	for (i = 0; i < j->n; i++) {
		if (j->jn[i].st == JN_WAIT)
			engine_jn_end(&j->jn[i], JOB_NODE_CANCELLED,
			    e->nodes[j->jn[i].node]->state,
			    "cancelled before it started");
		else if (j->jn[i].st == JN_RUNNING)
			engine_jn_kill(&j->jn[i], JOB_NODE_CANCELLED);
	}
}

/* 1 when every node of the job has ended. */
int
engine_job_finished(const struct engine *e, uint32_t id)
{
	struct ejob	*j = engine_find_job(e, id);

	return (j == NULL || j->nended == j->n);
}

/* The result of one node of a job, or NULL. */
const struct engine_job_result *
engine_job_result(const struct engine *e, uint32_t id, int node)
{
	struct ejob	*j = engine_find_job(e, id);
	struct ejobnode	*jn;

	if (j == NULL || node < 0 || (size_t)node >= j->nindex ||
	    j->index[node] == -1)
		return (NULL);
	jn = &j->jn[j->index[node]];
	jn->r.out = jn->out.s != NULL ? jn->out.s : "";
	jn->r.outlen = jn->out.len;
	jn->r.err = jn->err.s != NULL ? jn->err.s : "";
	jn->r.errlen = jn->err.len;
	jn->r.error = jn->error;
	jn->r.exit_signal = jn->exit_signal;
	return (&jn->r);
}

/* Forget a job; an unfinished one is cancelled first. */
void
engine_job_release(struct engine *e, uint32_t id)
{
	struct ejob	*j = engine_find_job(e, id);

	if (j == NULL)
		return;
	if (j->nended != j->n)
		engine_job_cancel(e, id);
	j->released = 1;
	e->reap_now = 1;
}

/* End a job node once: set its result and fire the events. */
void
engine_jn_end(struct ejobnode *jn, enum job_node_state st,
    enum node_state ns, const char *error)
{
	struct ejob		*j = jn->job;
	struct engine		*e = j->engine;
	struct engine_event	 ev;

	if (jn->st == JN_ENDED)
		return;
	jn->st = JN_ENDED;
	jn->r.state = st;
	jn->r.node_state = ns;
	free(jn->error);
	jn->error = xstrdup(error);
	jn->r.error = jn->error;
	clock_gettime(CLOCK_REALTIME, &jn->r.end);
	if (jn->r.start.tv_sec == 0)
		jn->r.start = jn->r.end;
	j->nended++;

	memset(&ev, 0, sizeof ev);
	ev.type = ENGINE_EV_JOB_NODE_DONE;
	ev.node = jn->node;
	ev.id = j->id;
	ev.text = jn->error;
	engine_emit(e, &ev);
	if (j->nended == j->n && !j->done_sent) {
		j->done_sent = 1;
		engine_job_audit(e, j, 1);
		memset(&ev, 0, sizeof ev);
		ev.type = ENGINE_EV_JOB_DONE;
		ev.node = -1;
		ev.id = j->id;
		engine_emit(e, &ev);
	}
}

/*
 * Append the job's start (END 0) or outcome (END 1) to the audit log; -1
 * when it could not be written (an outcome that is not recorded is also
 * reported as ENGINE_EV_LOG "audit log ...").
 */
int
engine_job_audit(struct engine *e, struct ejob *j, int end)
{
	cJSON		*o, *counts, *codes, *states;
	const char	**names, **failed;
	struct ejobnode	*jn;
	size_t		 i, nfailed = 0, nlost = 0;
	char		*where, key[32];
	cJSON		*c;

	if (e->audit == NULL)
		return (0);
	names = xcalloc(j->n, sizeof *names);
	failed = xcalloc(j->n, sizeof *failed);
	for (i = 0; i < j->n; i++)
		names[i] = e->nodes[j->jn[i].node]->name;
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "event", end ? "end" : "start");
	cJSON_AddNumberToObject(o, "job", j->id);
	cJSON_AddStringToObject(o, "label", j->label);
	if (j->client_pid > 0) {
		cJSON_AddNumberToObject(o, "client_pid", j->client_pid);
		if (j->client_tty != NULL)
			cJSON_AddStringToObject(o, "client_tty", j->client_tty);
		else
			cJSON_AddNullToObject(o, "client_tty");
	}
	cJSON_AddStringToObject(o, "command", j->command);
	where = audit_fold_hosts(names, j->n);
	cJSON_AddStringToObject(o, "where", where != NULL ? where : "");
	free(where);
	cJSON_AddNumberToObject(o, "nodes", (double)j->n);
	if (!end) {
		if (j->inlen > 0)
			cJSON_AddNumberToObject(o, "stdin_bytes",
			    (double)j->inlen);
		if (j->timeout_ms > 0)
			cJSON_AddNumberToObject(o, "timeout_s",
			    j->timeout_ms / 1000.0);
	} else {
		counts = cJSON_AddObjectToObject(o, "outcome");
		codes = cJSON_AddObjectToObject(o, "exit_codes");
		states = cJSON_AddObjectToObject(o, "node_states");
		for (i = 0; i < j->n; i++) {
			jn = &j->jn[i];
			c = cJSON_GetObjectItem(counts,
			    job_node_state_name(jn->r.state));
			if (c == NULL)
				cJSON_AddNumberToObject(counts,
				    job_node_state_name(jn->r.state), 1);
			else
				cJSON_SetNumberValue(c, c->valuedouble + 1);
			if (jn->r.state == JOB_NODE_DONE) {
				if (jn->exit_signal != NULL)
					snprintf(key, sizeof key, "SIG%s",
					    jn->exit_signal);
				else
					snprintf(key, sizeof key, "%d",
					    jn->r.exit_status);
				c = cJSON_GetObjectItem(codes, key);
				if (c == NULL)
					cJSON_AddNumberToObject(codes, key, 1);
				else
					cJSON_SetNumberValue(c,
					    c->valuedouble + 1);
				if (jn->r.exit_status != 0)
					failed[nfailed++] = names[i];
			} else {
				failed[nfailed++] = names[i];
				nlost += jn->r.lost != 0;
				if (jn->r.state == JOB_NODE_FAILED) {
					c = cJSON_GetObjectItem(states,
					    node_state_name(jn->r.node_state));
					if (c == NULL)
						cJSON_AddNumberToObject(states,
						    node_state_name(
						    jn->r.node_state), 1);
					else
						cJSON_SetNumberValue(c,
						    c->valuedouble + 1);
				}
			}
		}
		if (codes->child == NULL)
			cJSON_DeleteItemFromObject(o, "exit_codes");
		if (states->child == NULL)
			cJSON_DeleteItemFromObject(o, "node_states");
		if (nlost > 0)
			cJSON_AddNumberToObject(o, "connection_lost",
			    (double)nlost);
		audit_add_outcome(o, failed, nfailed, &j->start);
	}
	free(names);
	free(failed);
	if (audit_write(e->audit, o) == 0)
		return (0);
	if (end)
		engine_log(e, -1, "audit log %s: %s: the outcome of job %u (%s) "
		    "is not recorded", audit_path(e->audit),
		    audit_error(e->audit), j->id, j->label);
	return (-1);
}

/* Start waiting job nodes whose node is up and has a free slot. */
void
engine_schedule_job(struct engine *e, struct ejob *j, uint64_t now)
{
	struct ejobnode	*jn;
	struct enode	*n;
	struct echan	*c;
	size_t		 i;
	char		*wrapped;

	while (j->cursor < j->n && j->jn[j->cursor].st != JN_WAIT)
		j->cursor++;
	for (i = j->cursor; i < j->n; i++) {
		jn = &j->jn[i];
		if (jn->st != JN_WAIT)
			continue;
		n = e->nodes[jn->node];
		if (engine_state_is_failure(n->state)) {
			engine_jn_end(jn, JOB_NODE_FAILED, n->state,
			    n->error != NULL ? n->error :
			    node_state_name(n->state));
			continue;
		}
		if (n->state == NODE_RECONNECTING && jn->wait_until == 0)
			jn->wait_until = now + (uint64_t)e->cfg.connect_timeout_ms;
		if (n->state != NODE_UP || n->phase != EC_UP)
			continue;
		if (j->fanout > 0 && j->nrunning >= (size_t)j->fanout)
			break;
		if (n->njobchans >= ENGINE_MAX_JOB_CHANNELS ||
		    n->nchans >= ENGINE_MAX_CHANNELS - 1)
			continue;
		c = engine_ssh_chan_new(n, ECHAN_JOB, NULL);
		engine_new_token(c->token);
		wrapped = engine_wrap_command(j->command, c->token);
		c->command = wrapped;
		c->in = j->in;
		c->inlen = j->inlen;
		c->want_eof = 1;
		c->jn = jn;
		jn->chan = c;
		jn->st = JN_RUNNING;
		jn->r.state = JOB_NODE_RUNNING;
		jn->r.node_state = NODE_UP;
		clock_gettime(CLOCK_REALTIME, &jn->r.start);
		if (j->timeout_ms > 0)
			jn->deadline = now + (uint64_t)j->timeout_ms;
		j->nrunning++;
		engine_node_dirty(n);
	}
}

