/*
 * test-engine.c -- the engine without a cluster: request errors, a node
 * whose port is closed (127.0.0.1, refused at once), the job that fails
 * on it with its node state, the events, the audit records, and a watched
 * fd in the same loop. Only loopback is used.
 */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine.h"

static char	dir[] = "/tmp/ct-test-engine.XXXXXX";
static char	config[256], audit[256];

struct seen {
	int		 node_events;
	enum node_state	 last_state;
	int		 node_done;
	int		 job_done;
	uint32_t	 job;
	int		 fd_calls;
};

static void
on_event(const struct engine_event *ev, void *arg)
{
	struct seen	*s = arg;

	switch (ev->type) {
	case ENGINE_EV_NODE:
		s->node_events++;
		s->last_state = ev->state;
		break;
	case ENGINE_EV_JOB_NODE_DONE:
		s->node_done++;
		break;
	case ENGINE_EV_JOB_DONE:
		s->job_done++;
		s->job = ev->id;
		break;
	default:
		break;
	}
}

static void
on_fd(int fd, void *arg)
{
	struct seen	*s = arg;
	char		 c;

	if (read(fd, &c, 1) == 1)
		s->fd_calls++;
}

static int
setup(void **state)
{
	FILE	*f;

	if (mkdtemp(dir) == NULL)
		return (-1);
	snprintf(config, sizeof config, "%s/ssh_config", dir);
	snprintf(audit, sizeof audit, "%s/audit.log", dir);
	if ((f = fopen(config, "w")) == NULL)
		return (-1);
	/* Port 1 on loopback: nothing listens, the connect is refused. */
	fprintf(f, "Host closed\n  HostName 127.0.0.1\n  Port 1\n");
	fclose(f);
	return (0);
}

static int
teardown(void **state)
{
	char	cmd[512];

	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	return (system(cmd) == 0 ? 0 : -1);
}

static struct engine *
make_engine(struct seen *s)
{
	struct engine_config	 cfg;
	struct engine		*e;
	char			*cause = NULL;

	memset(&cfg, 0, sizeof cfg);
	cfg.ssh_config = config;
	cfg.audit_log = audit;
	cfg.connect_timeout_ms = 5000;
	e = engine_create(&cfg, &cause);
	assert_non_null(e);
	memset(s, 0, sizeof *s);
	engine_set_callback(e, on_event, s);
	return (e);
}

static void
test_requests(void **state)
{
	struct engine		*e;
	struct engine_job_spec	 spec;
	struct seen		 s;
	char			*cause = NULL;
	int			 ids[2];

	e = make_engine(&s);
	ids[0] = engine_add_node(e, "closed", NULL);
	ids[1] = engine_add_node(e, "other", "127.0.0.1");
	assert_int_equal(ids[0], 0);
	assert_int_equal(ids[1], 1);
	assert_int_equal(engine_nnodes(e), 2);
	assert_int_equal(engine_find_node(e, "other"), 1);
	assert_int_equal(engine_find_node(e, "nope"), -1);
	assert_string_equal(engine_node_name(e, 0), "closed");
	assert_int_equal(engine_node_state(e, 0), NODE_NEW);

	memset(&spec, 0, sizeof spec);
	spec.command = "true";
	spec.nodes = ids;
	spec.nnodes = 0;
	assert_int_equal(engine_job_start(e, &spec, &cause), 0);
	assert_non_null(cause);
	free(cause);
	cause = NULL;

	ids[1] = 0;		/* the same node twice */
	spec.nnodes = 2;
	assert_int_equal(engine_job_start(e, &spec, &cause), 0);
	assert_non_null(cause);
	free(cause);
	cause = NULL;

	spec.command = "";
	spec.nnodes = 1;
	assert_int_equal(engine_job_start(e, &spec, &cause), 0);
	free(cause);

	assert_string_equal(node_state_name(NODE_HOSTKEY_MISMATCH),
	    "host-key-mismatch");
	assert_string_equal(job_node_state_name(JOB_NODE_TIMED_OUT),
	    "timed-out");
	engine_free(e);
}

static void
test_refused(void **state)
{
	struct engine			*e;
	struct engine_job_spec		 spec;
	const struct engine_job_result	*r;
	struct seen			 s;
	char				*cause = NULL, line[4096];
	int				 ids[1], i, nlines = 0, fds[2];
	uint32_t			 job;
	FILE				*f;
	cJSON				*o;

	e = make_engine(&s);
	ids[0] = engine_add_node(e, "closed", NULL);
	assert_int_equal(pipe(fds), 0);
	assert_int_equal(engine_watch_fd(e, fds[0], on_fd, &s), 0);
	assert_int_equal(write(fds[1], "x", 1), 1);

	memset(&spec, 0, sizeof spec);
	spec.command = "echo never";
	spec.nodes = ids;
	spec.nnodes = 1;
	spec.label = "unit";
	job = engine_job_start(e, &spec, &cause);
	assert_true(job > 0);
	assert_int_equal(engine_job_finished(e, job), 0);
	for (i = 0; i < 100 && !engine_job_finished(e, job); i++)
		assert_int_equal(engine_run_once(e, 100), 0);
	assert_int_equal(engine_job_finished(e, job), 1);
	assert_int_equal(engine_busy(e), 0);

	assert_int_equal(engine_node_state(e, 0), NODE_UNREACHABLE);
	assert_non_null(strstr(engine_node_error(e, 0), "refused"));
	assert_true(s.node_events >= 2);	/* connecting, unreachable */
	assert_int_equal(s.last_state, NODE_UNREACHABLE);
	assert_int_equal(s.node_done, 1);
	assert_int_equal(s.job_done, 1);
	assert_int_equal(s.job, job);
	assert_int_equal(s.fd_calls, 1);

	r = engine_job_result(e, job, 0);
	assert_non_null(r);
	assert_int_equal(r->state, JOB_NODE_FAILED);
	assert_int_equal(r->node_state, NODE_UNREACHABLE);
	assert_int_equal(r->exit_status, -1);
	assert_int_equal(r->outlen, 0);
	assert_non_null(r->error);
	assert_null(engine_job_result(e, job, 5));

	engine_job_release(e, job);
	engine_run_once(e, 0);
	assert_null(engine_job_result(e, job, 0));
	engine_unwatch_fd(e, fds[0]);
	engine_free(e);
	close(fds[0]);
	close(fds[1]);

	/* Two audit records: start and end, with who, where and outcome. */
	f = fopen(audit, "r");
	assert_non_null(f);
	while (fgets(line, sizeof line, f) != NULL) {
		o = cJSON_Parse(line);
		assert_non_null(o);
		assert_string_equal(cJSON_GetObjectItem(o, "label")->valuestring,
		    "unit");
		assert_string_equal(cJSON_GetObjectItem(o, "where")->valuestring,
		    "closed");
		assert_non_null(cJSON_GetObjectItem(o, "user"));
		assert_non_null(cJSON_GetObjectItem(o, "uid"));
		if (nlines == 1) {
			assert_string_equal(cJSON_GetObjectItem(o,
			    "event")->valuestring, "end");
			assert_int_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(
			    o, "outcome"), "failed")->valueint, 1);
			assert_int_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(
			    o, "node_states"), "unreachable")->valueint, 1);
		}
		cJSON_Delete(o);
		nlines++;
	}
	fclose(f);
	assert_int_equal(nlines, 2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_requests),
		cmocka_unit_test(test_refused),
	};

	return (cmocka_run_group_tests(tests, setup, teardown));
}
