/*
 * test-nvme.c -- the instance-store planner on captured scans
 * (tests/fixtures/nvme): which devices are selected, what is refused and
 * why, and the exact commands, above all the unmount-and-remove part for
 * logical volumes that the test machines cannot activate.
 */

#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "nvme.h"
#include "util.h"

#ifndef FIXTURES
#define FIXTURES	"tests/fixtures/nvme"
#endif

static char *
load(const char *name, size_t *len)
{
	char	 path[512], *buf, *cause;

	snprintf(path, sizeof path, "%s/%s", FIXTURES, name);
	if ((buf = read_file(path, 1 << 20, len, &cause)) == NULL) {
		fprintf(stderr, "%s (run from the top of the tree)\n", cause);
		free(cause);
		fail();
	}
	return (buf);
}

static void
plan_fixture(const char *name, const struct nvme_select *sel,
    struct nvme_plan *plan)
{
	char	*buf;
	size_t	 len;

	buf = load(name, &len);
	nvme_plan_build(buf, len, sel, plan);
	free(buf);
}

static const struct nvme_dev *
find(const struct nvme_plan *plan, const char *path)
{
	size_t	i;

	for (i = 0; i < plan->ndevs; i++) {
		if (plan->devs[i].path != NULL &&
		    strcmp(plan->devs[i].path, path) == 0)
			return (&plan->devs[i]);
	}
	fprintf(stderr, "%s: not in the plan\n", path);
	fail();
	return (NULL);
}

/* The device's commands, NULL-terminated, must be exactly WANT. */
static void
check_cmds(const struct nvme_dev *d, const char *const *want)
{
	size_t	i;

	for (i = 0; want[i] != NULL; i++) {
		if (i >= d->ncmds) {
			fprintf(stderr, "%s: missing command %s\n", d->path,
			    want[i]);
			fail();
		}
		assert_string_equal(d->cmds[i], want[i]);
	}
	assert_int_equal(d->ncmds, i);
}

static void
check_refused(const struct nvme_dev *d, const char *why)
{
	assert_int_equal(d->action, NVME_REFUSE);
	assert_int_equal(d->ncmds, 0);
	if (strstr(d->reason, why) == NULL) {
		fprintf(stderr, "%s: reason \"%s\" lacks \"%s\"\n", d->path,
		    d->reason, why);
		fail();
	}
}

static const struct nvme_select sel_auto = { NVME_SELECT_AUTO, NULL, NULL };

/* Two instance stores in one volume group with two mounted volumes. */
static void
test_ec2_lvm(void **state)
{
	static const char	*nvme1[] = {
		"umount '/scratch/local'",
		"umount '/scratch'",
		"lvremove -y 'vg_ephemeral/local'",
		"lvremove -y 'vg_ephemeral/scratch'",
		"vgremove -y 'vg_ephemeral'",
		"pvremove -y '/dev/nvme1n1'",
		"wipefs -a '/dev/nvme1n1'",
		"blkdiscard '/dev/nvme1n1'",
		NULL
	};
	static const char	*nvme2[] = {
		"pvremove -y '/dev/nvme2n1'",
		"wipefs -a '/dev/nvme2n1'",
		"blkdiscard '/dev/nvme2n1'",
		NULL
	};
	struct nvme_plan	 plan;
	const struct nvme_dev	*d;

	(void)state;
	plan_fixture("ec2-lvm.scan", &sel_auto, &plan);
	assert_null(plan.error);
	assert_string_equal(plan.selection,
	    "model \"Amazon EC2 NVMe Instance Storage\"");
	assert_int_equal(plan.ndevs, 2);	/* the EBS root is not selected */
	d = find(&plan, "/dev/nvme1n1");
	assert_int_equal(d->action, NVME_WIPE);
	check_cmds(d, nvme1);
	assert_non_null(strstr(d->content, "volume group vg_ephemeral: local, "
	    "scratch"));
	assert_string_equal(d->mounts, "/scratch, /scratch/local");
	assert_string_equal(d->model, "Amazon EC2 NVMe Instance Storage");
	d = find(&plan, "/dev/nvme2n1");
	assert_int_equal(d->action, NVME_WIPE);
	check_cmds(d, nvme2);
	assert_int_equal(nvme_plan_count(&plan, NVME_WIPE), 2);
	nvme_plan_free(&plan);
}

static void
test_ec2_mixed(void **state)
{
	static const char	*nvme1[] = {
		"wipefs -a '/dev/nvme1n1'", "blkdiscard '/dev/nvme1n1'", NULL
	};
	static const char	*nvme7[] = {
		"wipefs -a '/dev/nvme7n1p2'", "wipefs -a '/dev/nvme7n1p1'",
		"wipefs -a '/dev/nvme7n1'", NULL
	};
	struct nvme_plan	 plan;
	const struct nvme_dev	*d;
	size_t			 i;

	(void)state;
	plan_fixture("ec2-mixed.scan", &sel_auto, &plan);
	assert_null(plan.error);
	assert_int_equal(plan.ndevs, 6);
	for (i = 0; i < plan.ndevs; i++) {
		assert_string_not_equal(plan.devs[i].path, "/dev/nvme0n1");
		assert_string_not_equal(plan.devs[i].path, "/dev/nvme5n1");
	}
	/* An unmounted ext4: wiped and discarded. */
	d = find(&plan, "/dev/nvme1n1");
	assert_int_equal(d->action, NVME_WIPE);
	check_cmds(d, nvme1);
	assert_string_equal(d->content, "ext4");
	/* ext4 mounted directly on the device: refused. */
	check_refused(find(&plan, "/dev/nvme2n1"), "mounted on /mnt/nvme2");
	/* The root filesystem: refused. */
	check_refused(find(&plan, "/dev/nvme3n1"), "root filesystem");
	/* Clean already. */
	d = find(&plan, "/dev/nvme4n1");
	assert_int_equal(d->action, NVME_NOTHING);
	assert_string_equal(d->content, "empty");
	/* A mounted partition: refused. */
	check_refused(find(&plan, "/dev/nvme6n1"), "/dev/nvme6n1p1 is mounted "
	    "on /mnt/part");
	/* Unmounted partitions: partitions first, then the table; no discard. */
	d = find(&plan, "/dev/nvme7n1");
	assert_int_equal(d->action, NVME_WIPE);
	check_cmds(d, nvme7);
	assert_non_null(strstr(d->content, "2 partitions"));
	assert_non_null(strstr(d->content, "swap on /dev/nvme7n1p2"));
	assert_int_equal(nvme_plan_count(&plan, NVME_WIPE), 2);
	assert_int_equal(nvme_plan_count(&plan, NVME_REFUSE), 3);
	assert_int_equal(nvme_plan_count(&plan, NVME_NOTHING), 1);
	nvme_plan_free(&plan);
}

/* Volume groups reaching outside the selection, or into a refused device. */
static void
test_vg_span(void **state)
{
	struct nvme_plan	 plan;

	(void)state;
	plan_fixture("vg-span.scan", &sel_auto, &plan);
	assert_null(plan.error);
	assert_int_equal(plan.ndevs, 3);
	check_refused(find(&plan, "/dev/nvme1n1"), "volume group vg_mixed also "
	    "uses /dev/nvme5n1, which is not an instance-store device");
	check_refused(find(&plan, "/dev/nvme2n1"), "/dev/nvme2n1p2 is mounted "
	    "on /mnt/p2");
	check_refused(find(&plan, "/dev/nvme3n1"), "volume group vg_two also "
	    "uses /dev/nvme2n1p1, which is refused");
	assert_int_equal(nvme_plan_count(&plan, NVME_WIPE), 0);
	nvme_plan_free(&plan);
}

static void
test_lvm_special(void **state)
{
	static const char	*nvme2[] = {
		"umount '/srv/bind'",
		"umount '/tmp/x y'",
		"swapoff '/dev/mapper/vg_sw-swap'",
		"lvremove -y 'vg_sw/swap'",
		"lvremove -y 'vg_sw/tmp'",
		"vgremove -y 'vg_sw'",
		"pvremove -y '/dev/nvme2n1'",
		"wipefs -a '/dev/nvme2n1'",
		"blkdiscard '/dev/nvme2n1'",
		NULL
	};
	static const char	*nvme3[] = {
		"pvremove -y '/dev/nvme3n1'",
		"wipefs -a '/dev/nvme3n1'",
		"blkdiscard '/dev/nvme3n1'",
		NULL
	};
	struct nvme_plan	 plan;
	const struct nvme_dev	*d;

	(void)state;
	plan_fixture("lvm-special.scan", &sel_auto, &plan);
	assert_null(plan.error);
	check_refused(find(&plan, "/dev/nvme1n1"), "logical volume "
	    "vg_root/root is mounted on /");
	d = find(&plan, "/dev/nvme2n1");
	assert_int_equal(d->action, NVME_WIPE);
	check_cmds(d, nvme2);
	d = find(&plan, "/dev/nvme3n1");
	assert_int_equal(d->action, NVME_WIPE);
	check_cmds(d, nvme3);
	assert_non_null(strstr(d->content, "physical volume /dev/nvme3n1 (no "
	    "group)"));
	check_refused(find(&plan, "/dev/nvme4n1"), "holds a crypt device");
	nvme_plan_free(&plan);
}

static void
test_lvm_missing(void **state)
{
	struct nvme_plan	 plan;

	(void)state;
	plan_fixture("lvm-missing.scan", &sel_auto, &plan);
	assert_null(plan.error);
	check_refused(find(&plan, "/dev/nvme1n1"), "pvs/lvs did not answer");
	assert_int_equal(find(&plan, "/dev/nvme2n1")->action, NVME_WIPE);
	nvme_plan_free(&plan);
}

/* The sim's list file: found, missing, partition, unprobed, repeated. */
static void
test_sim_list(void **state)
{
	static const char	*loop3[] = {
		"vgremove -y 'ct_node01'",
		"pvremove -y '/dev/loop3'",
		"wipefs -a '/dev/loop3'",
		"blkdiscard '/dev/loop3'",
		NULL
	};
	struct nvme_select	 sel = { NVME_SELECT_MODEL, NULL, NULL };
	struct nvme_plan	 plan;

	(void)state;
	plan_fixture("sim-list.scan", &sel_auto, &plan);
	assert_null(plan.error);
	assert_string_equal(plan.selection, "list " NVME_DEFAULT_LIST);
	assert_int_equal(plan.ndevs, 4);
	assert_int_equal(find(&plan, "/dev/loop3")->action, NVME_WIPE);
	check_cmds(find(&plan, "/dev/loop3"), loop3);
	check_refused(find(&plan, "/dev/disk/by-id/gone"), "no such block "
	    "device");
	check_refused(find(&plan, "/dev/sda1"), "is a part, not a whole "
	    "device");
	check_refused(find(&plan, "/dev/loop4"), "could not probe");
	nvme_plan_free(&plan);
	/* By model, the sim has no instance store at all. */
	plan_fixture("sim-list.scan", &sel, &plan);
	assert_null(plan.error);
	assert_int_equal(plan.ndevs, 0);
	nvme_plan_free(&plan);
}

/* A real scan of a simulated node, captured with `nvme scan --raw`. */
static void
test_sim_node(void **state)
{
	struct nvme_plan	 plan;
	size_t			 i;

	(void)state;
	plan_fixture("sim-node.scan", &sel_auto, &plan);
	assert_null(plan.error);
	assert_int_equal(plan.ndevs, 1);
	assert_int_equal(plan.devs[0].action, NVME_WIPE);
	assert_true(plan.devs[0].ncmds >= 4);
	assert_true(strncmp(plan.devs[0].cmds[0], "vgremove -y ", 12) == 0);
	for (i = 0; i < plan.devs[0].ncmds; i++)
		assert_null(strstr(plan.devs[0].cmds[i], "umount"));
	nvme_plan_free(&plan);
}

static void
test_broken(void **state)
{
	struct nvme_plan	 plan;

	(void)state;
	plan_fixture("cut.scan", &sel_auto, &plan);
	assert_non_null(plan.error);
	assert_non_null(strstr(plan.error, "cut short"));
	assert_int_equal(plan.ndevs, 0);
	nvme_plan_free(&plan);
	nvme_plan_build("", 0, &sel_auto, &plan);
	assert_non_null(plan.error);
	nvme_plan_free(&plan);
	nvme_plan_build("@@ct scan 1\n@@ct lsblk\nnot json\n@@ct rc 0\n@@ct "
	    "end\n", 47, &sel_auto, &plan);
	assert_non_null(plan.error);
	nvme_plan_free(&plan);
	nvme_plan_build("@@ct lsblk\nlsblk: unknown column\n@@ct rc 1\n"
	    "@@ct end\n", 52, &sel_auto, &plan);
	assert_non_null(plan.error);
	assert_non_null(strstr(plan.error, "lsblk failed"));
	nvme_plan_free(&plan);
}

static void
test_select(void **state)
{
	struct nvme_select	 sel;
	char			*cause = NULL, *s;

	(void)state;
	memset(&sel, 0, sizeof sel);
	assert_int_equal(nvme_select_parse("model=Foo Bar", &sel, &cause), 0);
	assert_int_equal(sel.kind, NVME_SELECT_MODEL);
	assert_string_equal(sel.model, "Foo Bar");
	assert_int_equal(nvme_select_parse("list=/etc/x", &sel, &cause), 0);
	assert_int_equal(sel.kind, NVME_SELECT_LIST);
	assert_string_equal(sel.list, "/etc/x");
	s = nvme_select_describe(&sel);
	assert_string_equal(s, "list /etc/x");
	free(s);
	assert_int_equal(nvme_select_parse("model=", &sel, &cause), -1);
	free(cause);
	assert_int_equal(nvme_select_parse("serial=1", &sel, &cause), -1);
	free(cause);
}

static void
test_plan_same(void **state)
{
	struct nvme_plan	 a, b, c;

	(void)state;
	plan_fixture("ec2-lvm.scan", &sel_auto, &a);
	plan_fixture("ec2-lvm.scan", &sel_auto, &b);
	plan_fixture("ec2-mixed.scan", &sel_auto, &c);
	assert_true(nvme_plan_same(&a, &b));
	assert_false(nvme_plan_same(&a, &c));
	nvme_plan_free(&a);
	nvme_plan_free(&b);
	nvme_plan_free(&c);
}

static void
collect(const char *dev, int status, void *arg)
{
	char	*out = arg;

	sprintf(out + strlen(out), "%s=%d;", dev, status);
}

/*
 * The wipe script, run for real with stand-ins for the tools that log
 * their arguments: order, quoting, and a failure stopping that device only.
 */
static void
test_wipe_script(void **state)
{
	struct nvme_plan	 plan;
	char			 dir[] = "/tmp/ct-test-nvme.XXXXXX", *cmd, *script;
	char			 log[8192], res[512], path[600];
	FILE			*f;
	size_t			 n, i;
	static const char	*tools[] = {
		"umount", "lvremove", "vgremove", "pvremove", "wipefs",
		"blkdiscard", "swapoff", NULL
	};

	(void)state;
	if (geteuid() != 0)
		skip();		/* the script asks sudo for root */
	assert_non_null(mkdtemp(dir));
	for (i = 0; tools[i] != NULL; i++) {
		snprintf(path, sizeof path, "%s/%s", dir, tools[i]);
		f = fopen(path, "w");
		/* wipefs of nvme2n1 fails: its device stops, others go on. */
		fprintf(f, "#!/bin/sh\nprintf '%%s' '%s' >> %s/log\n"
		    "for a do printf ' [%%s]' \"$a\" >> %s/log; done\n"
		    "echo >> %s/log\n"
		    "case \"$*\" in *nvme2n1*) [ %s != wipefs ] || exit 3;; "
		    "esac\nexit 0\n", tools[i], dir, dir, dir, tools[i]);
		fclose(f);
		chmod(path, 0755);
	}
	plan_fixture("lvm-special.scan", &sel_auto, &plan);
	script = nvme_wipe_command(&plan);
	assert_non_null(script);
	assert_true(asprintf(&cmd, "PATH=%s:$PATH; export PATH; %s", dir,
	    script) != -1);
	f = popen(cmd, "r");
	n = fread(log, 1, sizeof log - 1, f);
	log[n] = '\0';
	assert_int_equal(pclose(f), 0);
	res[0] = '\0';
	assert_int_equal(nvme_wipe_results(log, n, collect, res), 2);
	assert_string_equal(res, "/dev/nvme2n1=3;/dev/nvme3n1=0;");
	assert_non_null(strstr(log, "+ umount '/tmp/x y'\n"));
	snprintf(path, sizeof path, "%s/log", dir);
	f = fopen(path, "r");
	n = fread(log, 1, sizeof log - 1, f);
	log[n] = '\0';
	fclose(f);
	assert_string_equal(log,
	    "umount [/srv/bind]\n"
	    "umount [/tmp/x y]\n"
	    "swapoff [/dev/mapper/vg_sw-swap]\n"
	    "lvremove [-y] [vg_sw/swap]\n"
	    "lvremove [-y] [vg_sw/tmp]\n"
	    "vgremove [-y] [vg_sw]\n"
	    "pvremove [-y] [/dev/nvme2n1]\n"
	    "wipefs [-a] [/dev/nvme2n1]\n"
	    "pvremove [-y] [/dev/nvme3n1]\n"
	    "wipefs [-a] [/dev/nvme3n1]\n"
	    "blkdiscard [/dev/nvme3n1]\n");
	free(cmd);
	free(script);
	nvme_plan_free(&plan);
	assert_true(asprintf(&cmd, "rm -rf %s", dir) != -1);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	/* Nothing to wipe: no script. */
	plan_fixture("vg-span.scan", &sel_auto, &plan);
	assert_null(nvme_wipe_command(&plan));
	nvme_plan_free(&plan);
}

static void
test_scan_command(void **state)
{
	struct nvme_select	 sel = { NVME_SELECT_MODEL, "it's \"odd\"", NULL };
	char			*cmd;

	(void)state;
	cmd = nvme_scan_command(&sel);
	assert_non_null(strstr(cmd, "'model' 'it'\\''s \"odd\"'"));
	assert_non_null(strstr(cmd, "sudo -n"));
	free(cmd);
}

static void
test_format_size(void **state)
{
	char	buf[32];

	(void)state;
	assert_string_equal(nvme_format_size(64 * 1048576ULL, buf, sizeof buf),
	    "64 MiB");
	assert_string_equal(nvme_format_size(1900000000000ULL, buf,
	    sizeof buf), "1.7 TiB");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ec2_lvm),
		cmocka_unit_test(test_ec2_mixed),
		cmocka_unit_test(test_vg_span),
		cmocka_unit_test(test_lvm_special),
		cmocka_unit_test(test_lvm_missing),
		cmocka_unit_test(test_sim_list),
		cmocka_unit_test(test_sim_node),
		cmocka_unit_test(test_broken),
		cmocka_unit_test(test_select),
		cmocka_unit_test(test_plan_same),
		cmocka_unit_test(test_wipe_script),
		cmocka_unit_test(test_scan_command),
		cmocka_unit_test(test_format_size),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
