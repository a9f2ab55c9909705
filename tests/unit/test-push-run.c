/*
 * test-push-run.c -- the runners behind the TUI's P and n: how a node's
 * push result is judged (push_run_judge, shared with `clustertop push`),
 * and the NVMe runner's refusals before anything runs (a wrong typed
 * count, nothing to wipe, busy).
 */

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "engine.h"
#include "nvme-run.h"
#include "push-run.h"

static void
result(struct engine_job_result *r, enum job_node_state st, int status)
{
	memset(r, 0, sizeof *r);
	r->state = st;
	r->node_state = NODE_UP;
	r->exit_status = status;
}

static void
test_judge_ok(void **state)
{
	struct engine_job_result	r;
	struct push_payload		p;
	struct push_opts		o;
	char				*why = NULL;

	(void)state;
	memset(&p, 0, sizeof p);
	memset(&o, 0, sizeof o);
	result(&r, JOB_NODE_DONE, 0);
	assert_int_equal(push_run_judge(&r, &p, &o, "node01", &why), 0);
	assert_null(why);
}

static void
test_judge_remote_message(void **state)
{
	struct engine_job_result	r;
	struct push_payload		p;
	struct push_opts		o;
	char				*why = NULL;
	const char			*err = "some noise\nclustertop: /tmp/x: "
					    "is a directory\n";

	(void)state;
	memset(&p, 0, sizeof p);
	memset(&o, 0, sizeof o);
	result(&r, JOB_NODE_DONE, 1);
	r.err = err;
	r.errlen = strlen(err);
	assert_int_equal(push_run_judge(&r, &p, &o, "node01", &why), 1);
	assert_string_equal(why, "/tmp/x: is a directory");
	free(why);

	/* No message: the status says it. */
	result(&r, JOB_NODE_DONE, 3);
	assert_int_not_equal(push_run_judge(&r, &p, &o, "node01", &why), 0);
	assert_string_equal(why, "exit status 3");
	free(why);
}

static void
test_judge_unreachable(void **state)
{
	struct engine_job_result	r;
	struct push_payload		p;
	struct push_opts		o;
	char				*why = NULL;

	(void)state;
	memset(&p, 0, sizeof p);
	memset(&o, 0, sizeof o);
	result(&r, JOB_NODE_FAILED, -1);
	r.node_state = NODE_UNREACHABLE;
	r.error = "Connection refused";
	assert_int_equal(push_run_judge(&r, &p, &o, "node03", &why), 255);
	assert_non_null(why);
	assert_non_null(strstr(why, "Connection refused"));
	/* The node's name is not repeated in the reason. */
	assert_null(strstr(why, "node03"));
	free(why);

	assert_int_equal(push_run_judge(NULL, &p, &o, "node03", &why), 1);
	assert_string_equal(why, "no result");
	free(why);
}

static void
test_judge_verify(void **state)
{
	struct engine_job_result	r;
	struct push_payload		p;
	struct push_opts		o;
	char				*why = NULL, out[128];

	(void)state;
	memset(&p, 0, sizeof p);
	memset(&o, 0, sizeof o);
	o.verify = 1;
	p.kind = PUSH_FILE;
	push_sha256_hex("abc", 3, p.sha256);
	snprintf(out, sizeof out, "sha256 %s\n", p.sha256);
	result(&r, JOB_NODE_DONE, 0);
	r.out = out;
	r.outlen = strlen(out);
	assert_int_equal(push_run_judge(&r, &p, &o, "node01", &why), 0);
	assert_null(why);

	/* Another sum, or none: not confirmed. */
	out[7] = out[7] == '0' ? '1' : '0';
	assert_int_equal(push_run_judge(&r, &p, &o, "node01", &why), 1);
	assert_string_equal(why, "SHA-256 not confirmed by the node");
	free(why);
	r.out = NULL;
	r.outlen = 0;
	assert_int_equal(push_run_judge(&r, &p, &o, "node01", &why), 1);
	free(why);
}

static void
test_state_names(void **state)
{
	(void)state;
	assert_string_equal(push_node_state_name(PUSH_NODE_QUEUED), "queued");
	assert_string_equal(push_node_state_name(PUSH_NODE_SENDING),
	    "sending");
	assert_string_equal(push_node_state_name(PUSH_NODE_DONE), "done");
	assert_string_equal(push_node_state_name(PUSH_NODE_FAILED), "failed");
}

static void
test_nvme_confirm(void **state)
{
	struct nvme_run	 x;
	char		*cause = NULL;

	(void)state;
	memset(&x, 0, sizeof x);
	/* Nothing scanned yet. */
	assert_int_equal(nvme_run_wipe(&x, 2, &cause), -1);
	assert_string_equal(cause, "scan first");
	free(cause);

	/* A scan in flight. */
	x.phase = NVME_RUN_SCANNING;
	assert_true(nvme_run_busy(&x));
	assert_int_equal(nvme_run_wipe(&x, 2, &cause), -1);
	assert_non_null(strstr(cause, "busy"));
	free(cause);

	/* A plan of 2 devices: only 2 is accepted. */
	x.phase = NVME_RUN_PLANNED;
	x.nwipe = 2;
	assert_false(nvme_run_busy(&x));
	assert_int_equal(nvme_run_wipe(&x, 3, &cause), -1);
	assert_string_equal(cause, "refusing: typed 3, but the plan wipes 2 "
	    "devices");
	free(cause);
	assert_int_equal(nvme_run_wipe(&x, -1, &cause), -1);
	free(cause);
	assert_int_equal(x.phase, NVME_RUN_PLANNED);

	/* Nothing to wipe: no count opens it. */
	x.nwipe = 0;
	assert_int_equal(nvme_run_wipe(&x, 0, &cause), -1);
	assert_non_null(strstr(cause, "nothing to do"));
	free(cause);

	/* After a wipe, a new scan must come first. */
	x.phase = NVME_RUN_DONE;
	x.nwipe = 1;
	assert_int_equal(nvme_run_wipe(&x, 1, &cause), -1);
	assert_non_null(strstr(cause, "scan again"));
	free(cause);
	nvme_run_free(&x);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_judge_ok),
		cmocka_unit_test(test_judge_remote_message),
		cmocka_unit_test(test_judge_unreachable),
		cmocka_unit_test(test_judge_verify),
		cmocka_unit_test(test_state_names),
		cmocka_unit_test(test_nvme_confirm),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
