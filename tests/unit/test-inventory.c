/*
 * test-inventory.c -- the node inventory: Slurm state decoding, the helper's
 * JSON, the -w/Slurm/WCOLL/host file fallbacks, -x, and the watcher.
 *
 * Slurm itself is replaced by fake helpers (shell scripts named by
 * $CLUSTERTOP_SLURM_HELPER) so that timeouts, crashes and errors can be
 * produced on demand; the real helper is tested on the simulated cluster
 * (tests/integration/30-inventory.sh).
 */

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <sys/stat.h>

#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <slurm/slurm.h>

#include "inventory.h"

/* Exported by libslurm.so but not declared in slurm.h. */
extern char	*slurm_node_state_string_compact(uint32_t);

static char	 tmpdir[] = "/tmp/test-inventory.XXXXXX";

/* Write a file under tmpdir; returns its malloc'd path. */
static char *
write_file(const char *name, const char *text, int mode)
{
	char	*path;
	FILE	*f;

	assert_true(asprintf(&path, "%s/%s", tmpdir, name) > 0);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	chmod(path, mode);
	return (path);
}

static int
setup(void **state)
{
	char	*conf;

	(void)state;
	if (mkdtemp(tmpdir) == NULL)
		return (-1);
	/* A config file that exists: the fake helpers never read it. */
	conf = write_file("slurm.conf", "ClusterName=fake\n", 0644);
	free(conf);
	return (0);
}

static int
teardown(void **state)
{
	char	cmd[128];

	(void)state;
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
	return (system(cmd) == 0 ? 0 : -1);
}

/* Each test starts from: no Slurm, no WCOLL, an empty config dir. */
static int
reset(void **state)
{
	char	*xdg;

	(void)state;
	unsetenv("WCOLL");
	unsetenv("CLUSTERTOP_SLURM_HELPER");
	unsetenv("CLUSTERTOP_SLURM_TIMEOUT");
	setenv("SLURM_CONF", "/nonexistent/slurm.conf", 1);
	assert_true(asprintf(&xdg, "%s/xdg-empty", tmpdir) > 0);
	setenv("XDG_CONFIG_HOME", xdg, 1);
	free(xdg);
	inventory_set_slurm_timeout(0);
	return (0);
}

/* Point SLURM_CONF at an existing file and the helper at SCRIPT. */
static void
use_fake_helper(const char *name, const char *script)
{
	char	*path, *conf;

	path = write_file(name, script, 0755);
	setenv("CLUSTERTOP_SLURM_HELPER", path, 1);
	assert_true(asprintf(&conf, "%s/slurm.conf", tmpdir) > 0);
	setenv("SLURM_CONF", conf, 1);
	free(conf);
	free(path);
}

static const char *const fake_nodes =
    "{\"type\":\"nodes\",\"nodes\":["
    "{\"name\":\"node01\",\"addr\":\"10.0.0.11\",\"hostname\":\"node01\","
    "\"state\":2,\"state_name\":\"idle\",\"partitions\":\"batch,debug\","
    "\"cpus\":4,\"memory_mb\":16000,\"reason\":null},"
    "{\"name\":\"node02\",\"addr\":\"10.0.0.12\",\"state\":514,"
    "\"partitions\":\"batch\",\"cpus\":4,\"memory_mb\":16000,"
    "\"reason\":\"disk\"},"
    "{\"name\":\"node03\",\"addr\":\"10.0.0.13\",\"state\":2049,"
    "\"cpus\":0}]}";

/* --- state decoding ---------------------------------------------------------- */

static void
test_decode_common(void **state)
{
	int	f;

	(void)state;
	assert_string_equal(inventory_decode_state(NODE_STATE_IDLE, &f),
	    "idle");
	assert_int_equal(f, INV_IDLE);
	assert_string_equal(inventory_decode_state(NODE_STATE_ALLOCATED, &f),
	    "alloc");
	assert_true(f & INV_ALLOCATED);
	assert_string_equal(inventory_decode_state(NODE_STATE_MIXED, &f),
	    "mix");
	assert_string_equal(inventory_decode_state(NODE_STATE_IDLE |
	    NODE_STATE_DRAIN, &f), "drain");
	assert_true(f & INV_DRAIN);
	assert_string_equal(inventory_decode_state(NODE_STATE_ALLOCATED |
	    NODE_STATE_DRAIN, &f), "drng");
	assert_true((f & INV_DRAIN) && (f & INV_ALLOCATED));
	assert_string_equal(inventory_decode_state(NODE_STATE_DOWN |
	    NODE_STATE_NO_RESPOND, &f), "down*");
	assert_int_equal(f, INV_DOWN | INV_NOT_RESPONDING);
	assert_string_equal(inventory_decode_state(NODE_STATE_IDLE |
	    NODE_STATE_NO_RESPOND, &f), "idle*");
	assert_true(f & INV_NOT_RESPONDING);
	assert_string_equal(inventory_decode_state(NODE_STATE_IDLE |
	    NODE_STATE_POWERED_DOWN, &f), "idle~");
	assert_true(f & INV_POWER);
	assert_string_equal(inventory_decode_state(NODE_STATE_UNKNOWN, &f),
	    "unk");
	assert_true(f & INV_UNKNOWN);
	assert_string_equal(inventory_decode_state(NODE_STATE_IDLE |
	    NODE_STATE_FAIL, &f), "fail");
	assert_true(f & INV_FAIL);
}

/* Our decoder agrees with libslurm's own for every flag combination. */
static void
test_decode_matches_libslurm(void **state)
{
	static const uint32_t flags[] = {
		NODE_STATE_NET, NODE_STATE_RES, NODE_RESUME, NODE_STATE_DRAIN,
		NODE_STATE_COMPLETING, NODE_STATE_NO_RESPOND,
		NODE_STATE_POWERED_DOWN, NODE_STATE_FAIL,
		NODE_STATE_POWERING_UP, NODE_STATE_MAINT,
		NODE_STATE_REBOOT_REQUESTED, NODE_STATE_POWERING_DOWN,
		NODE_STATE_REBOOT_ISSUED, NODE_STATE_PLANNED,
		NODE_STATE_INVALID_REG, NODE_STATE_POWER_DOWN
	};
	const size_t	 nflags = sizeof flags / sizeof flags[0];
	char		 want[32], *p;
	uint32_t	 base, mask, s;
	size_t		 i, bad = 0;

	(void)state;
	for (base = 0; base < 8; base++) {
		for (mask = 0; mask < (1U << nflags); mask++) {
			s = base;
			for (i = 0; i < nflags; i++) {
				if (mask & (1U << i))
					s |= flags[i];
			}
			snprintf(want, sizeof want, "%s",
			    slurm_node_state_string_compact(s));
			for (p = want; *p != '\0'; p++) {
				if (*p >= 'A' && *p <= 'Z')
					*p += 'a' - 'A';
			}
			if (strcmp(inventory_decode_state(s, NULL), want) != 0) {
				if (bad++ < 5)
					print_error("state %#x: %s, libslurm "
					    "%s\n", s,
					    inventory_decode_state(s, NULL),
					    want);
			}
		}
	}
	assert_int_equal(bad, 0);
}

/* --- helper JSON ------------------------------------------------------------- */

static void
test_parse_nodes(void **state)
{
	struct inventory	*inv;
	struct inventory_node	*n;
	char			*cause;

	(void)state;
	assert_int_equal(inventory_parse_line(fake_nodes, strlen(fake_nodes),
	    &inv, &cause), 1);
	assert_null(cause);
	assert_string_equal(inv->source, "slurm");
	assert_int_equal(inv->nnodes, 3);

	n = &inv->nodes[0];
	assert_string_equal(n->name, "node01");
	assert_string_equal(n->addr, "10.0.0.11");
	assert_string_equal(n->slurm_state, "idle");
	assert_int_equal(n->slurm_flags, INV_IDLE);
	assert_string_equal(n->partitions, "batch,debug");
	assert_int_equal(n->cpus, 4);
	assert_int_equal(n->memory_mb, 16000);
	assert_null(n->reason);

	/* No state_name: decoded from the number (IDLE|DRAIN). */
	n = inventory_find(inv, "node02");
	assert_non_null(n);
	assert_string_equal(n->slurm_state, "drain");
	assert_true(n->slurm_flags & INV_DRAIN);
	assert_string_equal(n->reason, "disk");

	n = inventory_find(inv, "node03");	/* DOWN|NO_RESPOND */
	assert_string_equal(n->slurm_state, "down*");
	assert_true(n->slurm_flags & INV_NOT_RESPONDING);
	assert_null(n->partitions);
	assert_int_equal(n->cpus, 0);
	assert_null(inventory_find(inv, "node04"));
	inventory_free(inv);
}

static void
test_parse_error_and_junk(void **state)
{
	struct inventory	*inv;
	char			*cause;
	const char		*err = "{\"type\":\"error\",\"errno\":1800,"
	    "\"error\":\"Unable to contact slurm controller\"}";
	const char		*other = "{\"type\":\"submitted\",\"job_id\":4}";
	const char		*noarr = "{\"type\":\"nodes\",\"nodes\":7}";
	char			*buf;

	(void)state;
	assert_int_equal(inventory_parse_line(err, strlen(err), &inv, &cause),
	    -1);
	assert_null(inv);
	assert_string_equal(cause, "Unable to contact slurm controller");
	free(cause);

	assert_int_equal(inventory_parse_line("{\"type\":", 8, &inv, &cause),
	    -1);
	assert_non_null(cause);
	free(cause);

	assert_int_equal(inventory_parse_line(noarr, strlen(noarr), &inv,
	    &cause), -1);
	free(cause);

	assert_int_equal(inventory_parse_line(other, strlen(other), &inv,
	    &cause), 0);
	assert_null(inv);
	assert_null(cause);

	/* Only LEN bytes count: a snapshot followed by more. */
	assert_true(asprintf(&buf, "%s\n{\"type\":", fake_nodes) > 0);
	assert_int_equal(inventory_parse_line(buf, strlen(fake_nodes), &inv,
	    &cause), 1);
	assert_int_equal(inv->nnodes, 3);
	inventory_free(inv);
	free(buf);
}

/* --- configuration ----------------------------------------------------------- */

static void
test_slurm_conf(void **state)
{
	char	*path, *cause;

	(void)state;
	assert_int_equal(inventory_slurm_conf(&path, &cause), -1);
	assert_non_null(strstr(cause, "/nonexistent/slurm.conf"));
	free(cause);

	setenv("SLURM_CONF", tmpdir, 1);	/* a directory */
	assert_int_equal(inventory_slurm_conf(&path, &cause), -1);
	assert_non_null(strstr(cause, "Is a directory"));
	free(cause);

	setenv("SLURM_CONF", "", 1);
	assert_int_equal(inventory_slurm_conf(&path, &cause), -1);
	free(cause);

	use_fake_helper("unused.sh", "#!/bin/sh\nexit 0\n");
	assert_int_equal(inventory_slurm_conf(&path, &cause), 0);
	assert_non_null(strstr(path, "/slurm.conf"));
	free(path);
}

/* --- fallbacks --------------------------------------------------------------- */

static void
test_wcoll_fallback(void **state)
{
	struct inventory	*inv;
	char			*cause, *wcoll;

	(void)state;
	wcoll = write_file("wcoll", "# the nodes\nn[1-3]\n\n  n2 n9  # dup\n",
	    0644);
	setenv("WCOLL", wcoll, 1);
	assert_int_equal(inventory_load(&inv, NULL, NULL, &cause), 0);
	assert_string_equal(inv->source, "WCOLL");
	assert_int_equal(inv->nnodes, 4);
	assert_string_equal(inv->nodes[0].name, "n1");
	assert_string_equal(inv->nodes[3].name, "n9");
	assert_null(inv->nodes[0].slurm_state);
	assert_null(inv->nodes[0].addr);
	/* The user is told why Slurm was not used. */
	assert_non_null(inv->warning);
	assert_non_null(strstr(inv->warning, "Slurm not used"));
	assert_non_null(strstr(inv->warning, "/nonexistent/slurm.conf"));
	inventory_free(inv);

	/* -x applies to every source. */
	assert_int_equal(inventory_load(&inv, NULL, "n[2-3]", &cause), 0);
	assert_int_equal(inv->nnodes, 2);
	assert_string_equal(inv->nodes[0].name, "n1");
	assert_string_equal(inv->nodes[1].name, "n9");
	inventory_free(inv);
	free(wcoll);
}

static void
test_hostfile_fallback(void **state)
{
	struct inventory	*inv;
	char			*cause, *dir, *path;

	(void)state;
	assert_true(asprintf(&dir, "%s/xdg", tmpdir) > 0);
	mkdir(dir, 0755);
	assert_true(asprintf(&path, "%s/clustertop", dir) > 0);
	mkdir(path, 0755);
	free(path);
	path = write_file("xdg/clustertop/hosts", "h[01-02]\n", 0644);
	setenv("XDG_CONFIG_HOME", dir, 1);

	/* A missing WCOLL file is reported and skipped. */
	setenv("WCOLL", "/nonexistent/wcoll", 1);
	assert_int_equal(inventory_load(&inv, NULL, NULL, &cause), 0);
	assert_string_equal(inv->source, "hostfile");
	assert_int_equal(inv->nnodes, 2);
	assert_string_equal(inv->nodes[1].name, "h02");
	assert_non_null(strstr(inv->warning, "/nonexistent/wcoll"));
	inventory_free(inv);

	free(cause = inventory_hostfile());
	assert_non_null(cause);
	free(path);
	free(dir);
}

static void
test_no_source(void **state)
{
	struct inventory	*inv;
	char			*cause, *sys;

	(void)state;
	if ((sys = inventory_hostfile()) != NULL) {
		free(sys);
		skip();		/* this machine has /etc/clustertop/hosts */
	}
	assert_int_equal(inventory_load(&inv, NULL, NULL, &cause), -1);
	assert_null(inv);
	assert_non_null(strstr(cause, "no node list"));
	free(cause);
}

static void
test_w_and_x(void **state)
{
	struct inventory	*inv;
	char			*cause;

	(void)state;
	assert_int_equal(inventory_load(&inv, "n[1-5]", "n[2-3]", &cause), 0);
	assert_string_equal(inv->source, "-w");
	assert_int_equal(inv->nnodes, 3);
	assert_string_equal(inv->nodes[0].name, "n1");
	assert_string_equal(inv->nodes[1].name, "n4");
	assert_string_equal(inv->nodes[2].name, "n5");
	/* Slurm misconfigured (missing SLURM_CONF): said, not fatal. */
	assert_non_null(inv->warning);
	inventory_free(inv);

	/* Everything excluded is an empty list, not an error. */
	assert_int_equal(inventory_load(&inv, "n1", "n1", &cause), 0);
	assert_int_equal(inv->nnodes, 0);
	inventory_free(inv);

	/* No Slurm at all: -w needs no warning. */
	unsetenv("SLURM_CONF");
	if (access("/etc/slurm/slurm.conf", F_OK) != 0 &&
	    access("/run/slurm/conf/slurm.conf", F_OK) != 0) {
		assert_int_equal(inventory_load(&inv, "n1", NULL, &cause), 0);
		assert_null(inv->warning);
		inventory_free(inv);
	}
}

static void
test_bad_expressions(void **state)
{
	struct inventory	*inv;
	char			*cause;

	(void)state;
	assert_int_equal(inventory_load(&inv, "n[1-", NULL, &cause), -2);
	assert_null(inv);
	assert_non_null(strstr(cause, "-w"));
	free(cause);
	assert_int_equal(inventory_load(&inv, "n1", "x[3-1]", &cause), -2);
	assert_non_null(strstr(cause, "-x"));
	free(cause);
}

/* --- Slurm through fake helpers ---------------------------------------------- */

static void
test_fake_slurm(void **state)
{
	struct inventory	*inv;
	char			*cause, *script;

	(void)state;
	assert_true(asprintf(&script, "#!/bin/sh\n"
	    "[ \"$1\" = slurm-helper ] && [ \"$2\" = nodes ] || exit 9\n"
	    "echo 'libslurm chatter' >&2\n"
	    "echo '%s'\n", fake_nodes) > 0);
	use_fake_helper("fake-ok.sh", script);
	free(script);

	assert_int_equal(inventory_load(&inv, NULL, "node03", &cause), 0);
	assert_string_equal(inv->source, "slurm");
	assert_null(inv->warning);
	assert_int_equal(inv->nnodes, 2);
	assert_string_equal(inv->nodes[1].slurm_state, "drain");
	inventory_free(inv);

	/* -w: the named nodes, enriched where Slurm knows them. */
	assert_int_equal(inventory_load(&inv, "node02,other", NULL, &cause),
	    0);
	assert_string_equal(inv->source, "-w");
	assert_null(inv->warning);
	assert_int_equal(inv->nnodes, 2);
	assert_string_equal(inv->nodes[0].addr, "10.0.0.12");
	assert_string_equal(inv->nodes[0].slurm_state, "drain");
	assert_string_equal(inv->nodes[0].reason, "disk");
	assert_null(inv->nodes[1].addr);
	assert_null(inv->nodes[1].slurm_state);
	inventory_free(inv);
}

static void
test_fake_slurm_timeout(void **state)
{
	struct inventory	*inv;
	char			*cause, *wcoll;

	(void)state;
	use_fake_helper("fake-hang.sh", "#!/bin/sh\nexec sleep 30\n");
	wcoll = write_file("wcoll2", "w1\n", 0644);
	setenv("WCOLL", wcoll, 1);
	inventory_set_slurm_timeout(200);
	assert_int_equal(inventory_load(&inv, NULL, NULL, &cause), 0);
	assert_string_equal(inv->source, "WCOLL");
	assert_non_null(strstr(inv->warning, "no answer from Slurm"));
	inventory_free(inv);

	/* The same bound applies to -w enrichment. */
	assert_int_equal(inventory_load(&inv, "w2", NULL, &cause), 0);
	assert_non_null(strstr(inv->warning, "no answer from Slurm"));
	inventory_free(inv);

	/* The environment sets the default (seconds). */
	inventory_set_slurm_timeout(0);
	setenv("CLUSTERTOP_SLURM_TIMEOUT", "0.3", 1);
	assert_int_equal(inventory_slurm_timeout(), 300);
	setenv("CLUSTERTOP_SLURM_TIMEOUT", "0", 1);
	assert_true(inventory_slurm_timeout() < 0);
	assert_int_equal(inventory_load(&inv, NULL, NULL, &cause), 0);
	assert_string_equal(inv->source, "WCOLL");
	inventory_free(inv);
	free(wcoll);
}

static void
test_fake_slurm_dies(void **state)
{
	struct inventory	*inv;
	char			*cause, *wcoll;

	(void)state;
	use_fake_helper("fake-fatal.sh", "#!/bin/sh\n"
	    "echo 'clustertop: error: something first' >&2\n"
	    "echo 'clustertop: fatal: Unable to process configuration file' >&2\n"
	    "echo 'clustertop: trailing noise' >&2\n"
	    "exit 1\n");
	wcoll = write_file("wcoll3", "w1\n", 0644);
	setenv("WCOLL", wcoll, 1);
	assert_int_equal(inventory_load(&inv, NULL, NULL, &cause), 0);
	assert_string_equal(inv->source, "WCOLL");
	assert_non_null(strstr(inv->warning, "status 1"));
	assert_non_null(strstr(inv->warning,
	    "fatal: Unable to process configuration file"));
	inventory_free(inv);

	/* An error object from a working helper. */
	use_fake_helper("fake-err.sh", "#!/bin/sh\n"
	    "echo '{\"type\":\"error\",\"errno\":1800,\"error\":\"slurm_load_node:"
	    " Unable to contact slurm controller (connect failure)\"}'\n"
	    "exit 1\n");
	assert_int_equal(inventory_load(&inv, NULL, NULL, &cause), 0);
	assert_non_null(strstr(inv->warning, "Unable to contact"));
	inventory_free(inv);
	free(wcoll);
}

static void
test_helper_run(void **state)
{
	const char	*args[] = { "job", "7", NULL };
	char		*line, *cause;

	(void)state;
	use_fake_helper("fake-job.sh", "#!/bin/sh\n"
	    "[ \"$2\" = job ] && [ \"$3\" = 7 ] || exit 9\n"
	    "echo '{\"type\":\"job\",\"job_id\":7,\"state\":\"RUNNING\"}'\n"
	    "echo '{\"type\":\"job\",\"job_id\":7,\"state\":\"COMPLETED\"}'\n");
	assert_int_equal(slurm_helper_run(args, 2000, &line, &cause), 0);
	assert_non_null(strstr(line, "COMPLETED"));
	free(line);

	use_fake_helper("fake-job-err.sh", "#!/bin/sh\n"
	    "echo '{\"type\":\"error\",\"errno\":2017,\"error\":\"Invalid job "
	    "id specified\"}'\nexit 1\n");
	assert_int_equal(slurm_helper_run(args, 2000, &line, &cause), -1);
	assert_string_equal(cause, "Invalid job id specified");
	free(cause);
}

/* Wait until the watcher's fd is readable, up to 5 s. */
static int
watch_wait(struct slurm_watch *w, struct inventory **inv, char **cause)
{
	struct pollfd	pfd;
	int		r, i;

	for (i = 0; i < 50; i++) {
		pfd.fd = slurm_watch_fd(w);
		pfd.events = POLLIN;
		poll(&pfd, 1, 100);
		if ((r = slurm_watch_read(w, inv, cause)) != 0)
			return (r);
	}
	return (0);
}

static void
test_watch(void **state)
{
	struct slurm_watch	*w;
	struct inventory	*inv;
	char			*cause, *script;

	(void)state;
	/* No configuration: no watcher. */
	assert_null(slurm_watch_start(1000));

	assert_true(asprintf(&script, "#!/bin/sh\n"
	    "[ \"$3\" = --interval ] && [ \"$4\" = 250 ] || exit 9\n"
	    "echo '%s'\nsleep 0.2\n"
	    "echo '{\"type\":\"error\",\"errno\":1800,\"error\":\"controller "
	    "down\"}'\nsleep 0.2\n"
	    "echo 'clustertop: fatal: gone' >&2\nexit 3\n", fake_nodes) > 0);
	use_fake_helper("fake-watch.sh", script);
	free(script);

	w = slurm_watch_start(250);
	assert_non_null(w);
	assert_true(slurm_watch_fd(w) >= 0);

	assert_int_equal(watch_wait(w, &inv, &cause), 1);
	assert_int_equal(inv->nnodes, 3);
	assert_null(slurm_watch_error(w));
	inventory_free(inv);

	/* An error: an empty snapshot with a warning. */
	assert_int_equal(watch_wait(w, &inv, &cause), 1);
	assert_int_equal(inv->nnodes, 0);
	assert_non_null(strstr(inv->warning, "controller down"));
	assert_string_equal(slurm_watch_error(w), "controller down");
	inventory_free(inv);

	/* The helper dies: -1 with its exit status and stderr. */
	assert_int_equal(watch_wait(w, &inv, &cause), -1);
	assert_null(inv);
	assert_non_null(strstr(cause, "status 3"));
	assert_non_null(strstr(cause, "fatal: gone"));
	free(cause);
	slurm_watch_stop(w);

	/* Stopping a live watcher kills its helper. */
	use_fake_helper("fake-watch2.sh", "#!/bin/sh\nexec sleep 30\n");
	w = slurm_watch_start(1000);
	assert_non_null(w);
	assert_int_equal(slurm_watch_read(w, &inv, &cause), 0);
	slurm_watch_stop(w);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_decode_common, reset),
		cmocka_unit_test_setup(test_decode_matches_libslurm, reset),
		cmocka_unit_test_setup(test_parse_nodes, reset),
		cmocka_unit_test_setup(test_parse_error_and_junk, reset),
		cmocka_unit_test_setup(test_slurm_conf, reset),
		cmocka_unit_test_setup(test_wcoll_fallback, reset),
		cmocka_unit_test_setup(test_hostfile_fallback, reset),
		cmocka_unit_test_setup(test_no_source, reset),
		cmocka_unit_test_setup(test_w_and_x, reset),
		cmocka_unit_test_setup(test_bad_expressions, reset),
		cmocka_unit_test_setup(test_fake_slurm, reset),
		cmocka_unit_test_setup(test_fake_slurm_timeout, reset),
		cmocka_unit_test_setup(test_fake_slurm_dies, reset),
		cmocka_unit_test_setup(test_helper_run, reset),
		cmocka_unit_test_setup(test_watch, reset),
	};

	return (cmocka_run_group_tests(tests, setup, teardown));
}
