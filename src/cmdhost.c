/*
 * cmdhost.c -- where a subcommand runs (cmdhost.h): pass-throughs in this
 * process, the server's engine and the client's terminal while the server
 * hosts the command (server-cmds.c installs the hooks).
 */

#include <sys/ioctl.h>

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "client.h"
#include "cmdhost.h"
#include "util.h"

static struct cmdhost_ops *host;

void
cmdhost_install(struct cmdhost_ops *ops)
{
	host = ops;
}

int
cmdhost_hosted(void)
{
	return (host != NULL);
}

/* The settings a session depends on, without the output cap (per command). */
static cJSON *
cmdhost_settings(const cJSON *config)
{
	cJSON	*o = cJSON_Duplicate(config, 1);

	cJSON_DeleteItemFromObjectCaseSensitive(o, "output_cap");
	return (o);
}

struct engine *
cmdhost_engine_create(const struct engine_config *cfg, char **cause)
{
	cJSON	*mine, *theirs, *full;
	int	 same;

	if (host == NULL)
		return (engine_create(cfg, cause));
	full = client_config_json(cfg);
	mine = cmdhost_settings(full);
	theirs = cmdhost_settings(host->config);
	same = cJSON_Compare(mine, theirs, 1);
	cJSON_Delete(full);
	cJSON_Delete(mine);
	cJSON_Delete(theirs);
	if (!same) {
		host->declined = 1;
		*cause = xstrdup("the server's sessions use other connection "
		    "settings");
		return (NULL);
	}
	host->commit(host->arg);
	if (!host->cap_set) {
		host->cap_saved = engine_set_output_cap(host->e,
		    cfg->output_cap);
		host->cap_set = 1;
	} else
		engine_set_output_cap(host->e, cfg->output_cap);
	return (host->e);
}

void
cmdhost_engine_free(struct engine *e)
{
	size_t	i, k;

	if (host == NULL || e != host->e) {
		engine_free(e);
		return;
	}
	/* The command's jobs end here: killed if still running, then freed. */
	for (i = 0; i < host->njobs; i++) {
		if (!engine_job_finished(e, host->jobs[i]))
			engine_job_cancel(e, host->jobs[i]);
	}
	for (i = 0; i < host->njobs; i++) {
		for (k = 0; k < 1000 && !engine_job_finished(e,
		    host->jobs[i]); k++)
			host->turn(host->arg, 10);
		engine_job_release(e, host->jobs[i]);
	}
	free(host->jobs);
	host->jobs = NULL;
	host->njobs = 0;
	if (host->cap_set)
		engine_set_output_cap(e, host->cap_saved);
	host->cap_set = 0;
	host->cb = NULL;
	host->cbarg = NULL;
}

int
cmdhost_add_node(struct engine *e, const char *name, const char *addr)
{
	int	id;

	if (host == NULL || e != host->e)
		return (engine_add_node(e, name, addr));
	if ((id = engine_find_node(e, name)) == -1)
		id = engine_add_node(e, name, addr);
	switch (engine_node_state(e, id)) {
	case NODE_NEW:
		engine_connect(e, id);
		break;
	case NODE_UP:
	case NODE_CONNECTING:
		break;
	default:
		/* A failed node is tried again, as a fresh command would. */
		engine_reconnect(e, id);
		break;
	}
	return (id);
}

void
cmdhost_connect_all(struct engine *e)
{
	if (host == NULL || e != host->e)
		engine_connect(e, -1);
}

void
cmdhost_set_callback(struct engine *e, engine_event_cb cb, void *arg)
{
	if (host == NULL || e != host->e) {
		engine_set_callback(e, cb, arg);
		return;
	}
	host->cb = cb;
	host->cbarg = arg;
}

int
cmdhost_run_once(struct engine *e, int timeout_ms)
{
	if (host == NULL || e != host->e)
		return (engine_run_once(e, timeout_ms));
	return (host->turn(host->arg, timeout_ms));
}

uint32_t
cmdhost_job_start(struct engine *e, struct engine_job_spec *spec,
    char **cause)
{
	uint32_t	job;

	if (host == NULL || e != host->e)
		return (engine_job_start(e, spec, cause));
	spec->client_pid = host->client_pid;
	spec->client_tty = host->client_tty;
	if ((job = engine_job_start(e, spec, cause)) != 0) {
		host->jobs = xreallocarray(host->jobs, host->njobs + 1,
		    sizeof *host->jobs);
		host->jobs[host->njobs++] = job;
	}
	return (job);
}

int
cmdhost_isatty(int fd)
{
	if (host == NULL)
		return (isatty(fd));
	return (fd >= 0 && fd <= 2 ? host->tty[fd] : 0);
}

int
cmdhost_winsize(int *cols, int *rows)
{
	struct winsize	ws;

	if (host != NULL) {
		if (host->cols <= 0 || host->rows <= 0)
			return (-1);
		*cols = host->cols;
		*rows = host->rows;
		return (0);
	}
	if (ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) != 0)
		return (-1);
	*cols = ws.ws_col;
	*rows = ws.ws_row;
	return (0);
}

int
cmdhost_ask(const char *question, char *line, size_t size)
{
	FILE	*tty;

	if (host != NULL) {
		host->commit(host->arg);
		return (host->ask(host->arg, question, line, size));
	}
	if ((tty = fopen("/dev/tty", "r+")) == NULL)
		return (-1);
	fprintf(tty, "%s [y/N] ", question);
	fflush(tty);
	if (fgets(line, (int)size, tty) == NULL)
		line[0] = '\0';
	fclose(tty);
	return (0);
}

void
cmdhost_audit(cJSON *o)
{
	if (host == NULL || host->client_pid <= 0)
		return;
	cJSON_AddNumberToObject(o, "client_pid", host->client_pid);
	if (host->client_tty != NULL)
		cJSON_AddStringToObject(o, "client_tty", host->client_tty);
	else
		cJSON_AddNullToObject(o, "client_tty");
}
