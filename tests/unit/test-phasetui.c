/*
 * test-phasetui.c -- the Phases screen's model (src/phasetui.c) without a
 * screen: nothing that changes nodes runs without a dry run first, Enter
 * on the dry run runs it, tests run at once, the selection narrows the
 * targets, --failed with nothing failed runs nothing, results are grouped.
 * The phases here run on the head only (local processes).
 */

#include <sys/types.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "cluster.h"
#include "engine.h"
#include "gather.h"
#include "phase.h"
#include "phasetui.h"

static char	tmpdir[256];

static void
wait_run(struct engine *e, struct ptui *pt)
{
	int	i;

	for (i = 0; i < 2000 && pt->running; i++)
		engine_run_once(e, 10);
	assert_false(pt->running);
}

static void
test_ptui(void **state)
{
	struct engine_config	 cfg;
	struct ptui_options	 o;
	struct engine		*e;
	struct cluster		*c;
	struct ptui		*pt;
	struct phase_vars	*v;
	char			 path[512], marker[512], *cause = NULL;
	FILE			*f;

	snprintf(marker, sizeof marker, "%s/changed", tmpdir);
	snprintf(path, sizeof path, "%s/phases.json", tmpdir);
	f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f, "{\"variables\":{\"m\":\"%s\"},\"phases\":["
	    "{\"number\":1,\"name\":\"change\",\"title\":\"changes\",\"steps\":["
	    "{\"name\":\"touch\",\"where\":\"head\",\"check\":\"test -e {m}\","
	    "\"command\":\"touch {m}; echo made\"}]},"
	    "{\"number\":2,\"name\":\"probe\",\"title\":\"a test\","
	    "\"confirm\":false,\"steps\":["
	    "{\"name\":\"look\",\"where\":\"head\",\"test\":true,"
	    "\"command\":\"echo looked\"}]}]}\n", marker);
	fclose(f);
	setenv("CLUSTERTOP_PHASES", path, 1);
	setenv("CLUSTERTOP_AUDIT_LOG", "", 1);
	setenv("CLUSTERTOP_STATE_DIR", tmpdir, 1);

	memset(&cfg, 0, sizeof cfg);
	cfg.audit_log = "";
	cfg.connect_timeout_ms = 200;
	e = engine_create(&cfg, &cause);
	assert_non_null(e);
	c = cluster_create("t", 2);
	cluster_add_node(c, "n1", "192.0.2.1");
	cluster_add_node(c, "n2", "192.0.2.2");
	memset(&o, 0, sizeof o);
	o.audit_log = "";
	pt = ptui_create(e, c, &o);

	pt->req = PTUI_REQ_OPEN;
	pt->req_mode = PTUI_LIST;
	ptui_request(pt);
	assert_null(pt->error);
	assert_int_equal(pt->nph, 2);
	assert_int_equal(pt->mode, PTUI_LIST);
	assert_int_equal(pt->ph[0].status, PTUI_NEVER);

	/* Enter without a dry run runs nothing. */
	pt->req = PTUI_REQ_CONFIRM;
	ptui_request(pt);
	assert_null(pt->run);
	assert_non_null(strstr(pt->msg, "open a dry run first"));
	assert_int_equal(access(marker, F_OK), -1);

	/* A phase that changes nodes asked to run at once gets a dry run. */
	pt->req = PTUI_REQ_TEST;
	pt->req_phase = 1;
	ptui_request(pt);
	assert_null(pt->run);
	assert_int_equal(pt->mode, PTUI_PLAN);
	assert_non_null(strstr(pt->plan.s, "DRY RUN: nothing has run yet"));
	assert_non_null(strstr(pt->plan.s, "touch"));
	assert_string_equal(pt->where, "the head node and n[1-2] (2 nodes)");
	assert_int_equal(pt->ready, 1);
	assert_int_equal(access(marker, F_OK), -1);

	/* Enter on the dry run: it runs, and is reported per node. */
	pt->req = PTUI_REQ_CONFIRM;
	ptui_request(pt);
	assert_non_null(pt->run);
	assert_int_equal(pt->mode, PTUI_RUN);
	wait_run(e, pt);
	assert_int_equal(access(marker, F_OK), 0);
	assert_int_equal(pt->ph[0].status, PTUI_DONE);
	assert_int_equal(pt->ph[0].count[PHASE_NODE_CHANGED], 1);
	assert_string_equal(pt->ph[0].summary, "changed head (1)");
	assert_non_null(pt->ph[0].result);
	assert_int_equal(gather_ngroups(pt->ph[0].result), 1);
	assert_int_equal(pt->grouped, 1);
	assert_non_null(strstr(pt->done_text, "phase 1 finished"));

	/* Again: nothing changed. */
	pt->req = PTUI_REQ_PLAN;
	pt->req_phase = 1;
	pt->req_failed = 0;
	ptui_request(pt);
	pt->req = PTUI_REQ_CONFIRM;
	ptui_request(pt);
	wait_run(e, pt);
	assert_non_null(strstr(pt->ph[0].summary, "-- nothing changed"));

	/* A test runs at once, without a dry run. */
	pt->req = PTUI_REQ_TEST;
	pt->req_phase = ptui_phase_by_name(pt, "probe");
	assert_int_equal(pt->req_phase, 2);
	ptui_request(pt);
	assert_int_equal(pt->mode, PTUI_RUN);
	wait_run(e, pt);
	assert_int_equal(pt->ph[1].status, PTUI_DONE);
	assert_int_equal(pt->ph[1].count[PHASE_NODE_PASSED], 1);

	/* The selection narrows the targets. */
	cluster_select(c, 1, 1);
	pt->req = PTUI_REQ_PLAN;
	pt->req_phase = 1;
	ptui_request(pt);
	assert_string_equal(pt->where, "the head node and n2 (1 node)");

	/* No node failed phase 1: --failed runs nothing. */
	pt->req = PTUI_REQ_PLAN;
	pt->req_phase = 1;
	pt->req_failed = 1;
	ptui_request(pt);
	assert_non_null(strstr(pt->msg, "no node failed its last run"));

	/* No session is up: the host keys stay the file's (an error here). */
	v = phase_vars_create();
	assert_int_equal(phase_vars_engine_hostkeys(v, e), 0);
	phase_vars_free(v);

	ptui_free(pt);
	cluster_free(c);
	engine_free(e);
}

static int
setup(void **state)
{
	snprintf(tmpdir, sizeof tmpdir, "/tmp/test-phasetui.XXXXXX");
	if (mkdtemp(tmpdir) == NULL)
		return (-1);
	return (0);
}

static int
teardown(void **state)
{
	char	cmd[512];

	snprintf(cmd, sizeof cmd, "rm -rf %s", tmpdir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", tmpdir);
	return (0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ptui),
	};

	return (cmocka_run_group_tests(tests, setup, teardown));
}
