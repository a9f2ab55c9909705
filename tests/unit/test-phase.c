/*
 * test-phase.c -- phases as data: loading and validation errors, template
 * expansion and shell quoting, dry-run plans, known_hosts selection, and
 * the managed-block and file scripts, run here with /bin/sh on temporary
 * files (the same text a node's shell runs).
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

#include "engine.h"
#include "phase.h"
#include "util.h"

static char	tmpdir[256];

static void
spit(const char *path, const char *text)
{
	FILE	*f;

	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* Run SCRIPT with sh, INPUT on stdin; returns the exit status. */
static int
run_sh(const char *script, const char *input)
{
	char	*sp, *ip, *cmd;
	int	 st;

	sp = xasprintf("%s/script.sh", tmpdir);
	ip = xasprintf("%s/input", tmpdir);
	spit(sp, script);
	spit(ip, input);
	cmd = xasprintf("sh %s < %s > %s/out 2>&1", sp, ip, tmpdir);
	st = system(cmd);
	free(cmd);
	free(sp);
	free(ip);
	return (WIFEXITED(st) ? WEXITSTATUS(st) : -1);
}

static struct phase_set *
parse_ok(const char *json)
{
	struct phase_set	*set;
	char			*cause = NULL;

	set = phase_set_parse(json, "t.json", &cause);
	if (set == NULL)
		fail_msg("unexpected error: %s", cause);
	return (set);
}

/* The error text for JSON (which must fail to load); malloc'd. */
static char *
parse_err(const char *json)
{
	struct phase_set	*set;
	char			*cause = NULL;

	set = phase_set_parse(json, "t.json", &cause);
	if (set != NULL) {
		phase_set_free(set);
		fail_msg("loaded but should not have: %s", json);
	}
	assert_non_null(cause);
	return (cause);
}

#define ONE_STEP(step) \
	"{\"variables\":{\"f\":\"\",\"u\":\"\",\"entries\":\"\"}," \
	"\"phases\":[{\"number\":1,\"name\":\"p\",\"steps\":[" step "]}]}"

static void
expect_err(const char *json, const char *what)
{
	char	*cause = parse_err(json);

	if (strstr(cause, what) == NULL)
		fail_msg("error \"%s\" does not say \"%s\"", cause, what);
	free(cause);
}

/* --- loading ------------------------------------------------------------------ */

static void
test_load_errors(void **state)
{
	expect_err("{", "t.json:1: not valid JSON");
	expect_err("[]", "top level must be an object");
	expect_err("{\"phases\":[]}", "\"phases\" must be a non-empty list");
	expect_err("{\"phase\":[]}", "unknown key \"phase\"");
	expect_err("{\"version\":2,\"phases\":[]}", "\"version\" must be 1");
	expect_err("{\"phases\":[{\"name\":\"x\",\"steps\":[]}]}",
	    "\"number\" (1-99) is required");
	expect_err("{\"phases\":[{\"number\":1,\"name\":\"X y\","
	    "\"steps\":[]}]}", "\"name\" is required");
	expect_err("{\"phases\":[{\"number\":1,\"name\":\"x\","
	    "\"steps\":[]}]}", "\"steps\" must be a non-empty list");
	expect_err(ONE_STEP("{\"where\":\"head\",\"command\":\"true\"}"),
	    "\"name\" is required");
	expect_err(ONE_STEP("{\"name\":\"s\",\"where\":\"there\","
	    "\"command\":\"true\"}"), "\"where\" must be");
	expect_err(ONE_STEP("{\"name\":\"s\",\"where\":\"head\"}"),
	    "\"command\" is required");
	expect_err(ONE_STEP("{\"name\":\"s\",\"where\":\"head\","
	    "\"command\":\"echo {nope}\"}"), "unknown variable {nope}");
	expect_err(ONE_STEP("{\"name\":\"s\",\"where\":\"head\","
	    "\"command\":\"echo {nodes@deb}\"}"), "unknown map @deb");
	expect_err(ONE_STEP("{\"name\":\"s\",\"where\":\"head\","
	    "\"command\":\"true\",\"colour\":1}"), "unknown key \"colour\"");
	expect_err(ONE_STEP("{\"name\":\"s\",\"where\":\"nodes\","
	    "\"command\":\"true\",\"capture\":\"x\"}"),
	    "\"capture\" needs \"where\": \"head\"");
	expect_err(ONE_STEP("{\"name\":\"s\",\"where\":\"nodes\","
	    "\"kind\":\"block\",\"path\":\"/etc/hosts\",\"content\":\"x\"}"),
	    "\"marker\" (one line) is required");
	expect_err(ONE_STEP("{\"name\":\"s\",\"where\":\"nodes\","
	    "\"kind\":\"file\",\"path\":\"/x\",\"content\":\"x\","
	    "\"command\":\"true\"}"), "has no \"command\"");
	expect_err(ONE_STEP("{\"name\":\"s\",\"where\":\"nodes\","
	    "\"kind\":\"file\",\"path\":\"/x\",\"content\":\"x\","
	    "\"mode\":\"rw\"}"), "\"mode\" must be octal");
	expect_err(ONE_STEP("{\"name\":\"s\",\"where\":\"head\","
	    "\"command\":\"true\",\"success\":{\"expect\":\"(\"}}"),
	    "not a valid regular expression");
	expect_err(ONE_STEP("{\"name\":\"s\",\"where\":\"nodes\","
	    "\"command\":\"true\",\"success\":{\"every_node\":true}}"),
	    "every_node needs");
	expect_err(ONE_STEP("{\"name\":\"s\",\"where\":\"head\","
	    "\"command\":\"@nope\"}"), "no script \"nope\"");
	expect_err("{\"variables\":{\"nodes\":\"x\"},\"phases\":[]}",
	    "\"nodes\" is set by clustertop");
	expect_err("{\"phases\":[{\"number\":1,\"name\":\"a\",\"steps\":"
	    "[{\"name\":\"s\",\"where\":\"head\",\"command\":\"true\"}]},"
	    "{\"number\":1,\"name\":\"b\",\"steps\":[{\"name\":\"s\","
	    "\"where\":\"head\",\"command\":\"true\"}]}]}", "used twice");
	/* A capture is known to later steps only. */
	expect_err(ONE_STEP("{\"name\":\"a\",\"where\":\"head\","
	    "\"command\":\"echo {k}\"},{\"name\":\"b\",\"where\":\"head\","
	    "\"command\":\"echo x\",\"capture\":\"k\"}"),
	    "unknown variable {k}");
}

static void
test_load_shipped(void **state)
{
	struct phase_set	*set;
	const struct phase	*ph;
	char			*cause = NULL, *path;
	int			 i;

	/* The shipped file loads, and has the nine phases in order. */
	path = xasprintf("%s/src/phases.json", getenv("CT_SRCDIR") != NULL ?
	    getenv("CT_SRCDIR") : ".");
	set = phase_set_load(path, &cause);
	if (set == NULL)
		fail_msg("%s", cause);
	assert_int_equal(set->nphases, 9);
	for (i = 1; i <= 9; i++)
		assert_non_null(phase_set_find(set, i));
	ph = phase_set_lookup(set, "hosts");
	assert_non_null(ph);
	assert_int_equal(ph->number, 3);
	assert_ptr_equal(phase_set_lookup(set, "8"), phase_set_find(set, 8));
	assert_null(phase_set_lookup(set, "10"));
	assert_int_equal(phase_set_find(set, 8)->confirm, 0);
	assert_int_equal(phase_set_find(set, 3)->confirm, 1);
	phase_set_free(set);
	free(path);
}

/* --- templates ------------------------------------------------------------------ */

static void
test_quote(void **state)
{
	char	*q;

	q = phase_shell_quote("node01");
	assert_string_equal(q, "node01");
	free(q);
	q = phase_shell_quote("/etc/pdsh/machines");
	assert_string_equal(q, "/etc/pdsh/machines");
	free(q);
	q = phase_shell_quote("");
	assert_string_equal(q, "''");
	free(q);
	q = phase_shell_quote("a b");
	assert_string_equal(q, "'a b'");
	free(q);
	q = phase_shell_quote("it's $(rm -rf /); `x` ~");
	assert_string_equal(q, "'it'\\''s $(rm -rf /); `x` ~'");
	free(q);
	q = phase_shell_quote("node[01-08]");
	assert_string_equal(q, "'node[01-08]'");
	free(q);
	q = phase_shell_quote("a=b");
	assert_string_equal(q, "'a=b'");
	free(q);
}

static void
test_expand(void **state)
{
	struct phase_set	*set;
	struct phase_vars	*v;
	const char		*items[] = { "node01", "no de;2", "it's" };
	char			*s, *cause = NULL;
	int			 secret;

	set = parse_ok("{\"variables\":{\"dir\":\"{home}/t\",\"home\":\"/h\","
	    "\"pkgs\":[\"perf\",\"pdsh-rcmd-ssh\",\"htop\"],"
	    "\"key\":{\"value\":\"SECRET\",\"secret\":true},"
	    "\"loop\":\"{loop}\"},"
	    "\"maps\":{\"apt\":{\"perf\":\"linux-perf\","
	    "\"pdsh-rcmd-ssh\":null}},"
	    "\"phases\":[{\"number\":1,\"name\":\"p\",\"steps\":[{\"name\":"
	    "\"s\",\"where\":\"head\",\"command\":\"true\"}]}]}");
	v = phase_vars_create();
	phase_vars_set_list(v, "nodes", items, 3);
	phase_vars_set(v, "one", "a b");
	phase_vars_defaults(v, set);

	/* Shell mode: each item quoted; a list becomes words. */
	s = phase_expand("for h in {nodes}; do echo $h; done", v, 1, NULL,
	    &cause);
	assert_string_equal(s, "for h in node01 'no de;2' 'it'\\''s'; do "
	    "echo $h; done");
	free(s);
	/* Raw mode: as is, a list one item per line. */
	s = phase_expand("{nodes}", v, 0, NULL, &cause);
	assert_string_equal(s, "node01\nno de;2\nit's");
	free(s);
	/* Values from the file are templates themselves. */
	s = phase_expand("cd {dir}", v, 1, NULL, &cause);
	assert_string_equal(s, "cd /h/t");
	free(s);
	/* Maps rename and drop. */
	s = phase_expand("apt-get install {pkgs@apt}", v, 1, NULL, &cause);
	assert_string_equal(s, "apt-get install linux-perf htop");
	free(s);
	/* ${...}, {{ and non-identifiers are left alone. */
	s = phase_expand("${HOME} {{one} awk '{print $1}' {one}", v, 1,
	    NULL, &cause);
	assert_string_equal(s, "${HOME} {one} awk '{print $1}' 'a b'");
	free(s);
	/* Secrets are flagged. */
	s = phase_expand("{key}", v, 0, &secret, &cause);
	assert_string_equal(s, "SECRET");
	assert_int_equal(secret, 1);
	free(s);
	s = phase_expand("{one}", v, 0, &secret, &cause);
	assert_int_equal(secret, 0);
	free(s);
	/* Errors. */
	assert_null(phase_expand("{missing}", v, 1, NULL, &cause));
	assert_string_equal(cause, "unknown variable {missing}");
	free(cause);
	assert_null(phase_expand("{loop}", v, 1, NULL, &cause));
	assert_non_null(strstr(cause, "loop"));
	free(cause);
	phase_vars_set_error(v, "one", "no such thing");
	assert_null(phase_expand("x {one}", v, 1, NULL, &cause));
	assert_string_equal(cause, "{one}: no such thing");
	free(cause);

	/* --set: white space makes a list; a list stays a list. */
	assert_int_equal(phase_vars_assign(v, "pkgs=htop", &cause), 0);
	s = phase_expand("{pkgs@apt}", v, 1, NULL, &cause);
	assert_string_equal(s, "htop");
	free(s);
	assert_int_equal(phase_vars_assign(v, "pkgs=tree perf", &cause), 0);
	s = phase_expand("{pkgs@apt}", v, 1, NULL, &cause);
	assert_string_equal(s, "tree linux-perf");
	free(s);
	assert_int_equal(phase_vars_assign(v, "Bad=1", &cause), -1);
	free(cause);
	phase_vars_free(v);
	phase_set_free(set);
}

static void
test_template_names(void **state)
{
	char	**names;
	size_t	  n, i;

	n = phase_template_names("a {x} ${y} {{z} {p@apt} {Q}", &names);
	assert_int_equal(n, 2);
	assert_string_equal(names[0], "x");
	assert_string_equal(names[1], "p");
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

/* --- scripts and plans ------------------------------------------------------------ */

static void
test_step_script(void **state)
{
	struct phase_set	*set;
	struct phase_vars	*v;
	const struct phase	*ph;
	char			*script, *input, *wrapped, *cause = NULL;
	size_t			 inputlen;

	set = parse_ok(ONE_STEP(
	    "{\"name\":\"a\",\"where\":\"nodes\",\"root\":true,"
	    "\"check\":\"test -e {f}\",\"command\":\"touch {f}\"},"
	    "{\"name\":\"b\",\"where\":\"head\",\"as\":\"{u}\","
	    "\"command\":\"id\"},"
	    "{\"name\":\"c\",\"where\":\"all\",\"kind\":\"file\","
	    "\"path\":\"{f}\",\"content\":[\"{u}\",\"x\"]}"));
	v = phase_vars_create();
	phase_vars_set(v, "f", "/tmp/a b");
	phase_vars_set(v, "u", "ct'admin");
	ph = phase_set_find(set, 1);

	assert_int_equal(phase_step_script(&ph->steps[0], v, &script,
	    &input, &inputlen, &wrapped, &cause), 0);
	assert_string_equal(script, "if (\ntest -e '/tmp/a b'\n) >/dev/null "
	    "2>&1; then echo 'already done'; exit 77; fi\ntouch '/tmp/a b'");
	assert_null(input);
	assert_non_null(strstr(wrapped, "exec sudo -n sh -c \"$s\""));
	assert_non_null(strstr(wrapped, "id -u"));
	free(script);
	free(wrapped);

	assert_int_equal(phase_step_script(&ph->steps[1], v, &script,
	    &input, &inputlen, &wrapped, &cause), 0);
	assert_non_null(strstr(wrapped, "u='ct'\\''admin'"));
	assert_non_null(strstr(wrapped, "sudo -n -H -u \"$u\""));
	free(script);
	free(wrapped);

	assert_int_equal(phase_step_script(&ph->steps[2], v, &script,
	    &input, &inputlen, &wrapped, &cause), 0);
	assert_string_equal(input, "ct'admin\nx\n");
	assert_int_equal(inputlen, strlen(input));
	assert_non_null(strstr(script, "f='/tmp/a b'"));
	assert_non_null(strstr(wrapped, "exec sh -c "));
	free(script);
	free(input);
	free(wrapped);

	phase_vars_free(v);
	phase_set_free(set);
}

static void
test_plan(void **state)
{
	struct phase_set	*set;
	struct phase_vars	*v;
	const char		*nodes[] = { "node01", "node02" };
	char			*plan, *script, *input, *wrapped, *cause = NULL;
	size_t			 inputlen;

	set = parse_ok(ONE_STEP(
	    "{\"name\":\"hosts\",\"where\":\"all\",\"kind\":\"block\","
	    "\"root\":true,\"path\":\"/etc/hosts\",\"marker\":\"ct for {cluster}\","
	    "\"content\":\"{entries}\"},"
	    "{\"name\":\"key\",\"where\":\"nodes\",\"kind\":\"file\","
	    "\"root\":true,\"path\":\"/root/k\",\"mode\":\"0600\","
	    "\"secret\":true,\"content\":\"{entries}\"},"
	    "{\"name\":\"check\",\"where\":\"one-node\",\"command\":"
	    "\"for h in {nodes}; do ssh $h true; done\"}"));
	v = phase_vars_create();
	phase_vars_set_list(v, "nodes", nodes, 2);
	phase_vars_set(v, "entries", "10.0.0.1\tnode01");
	phase_vars_set(v, "cluster", "sim9");
	plan = phase_plan(phase_set_find(set, 1), v, "node[01-02]", 2, 0);
	assert_non_null(strstr(plan, "step 1/3: hosts\n  on:  the head node, "
	    "then node[01-02] (2 nodes)\n  as:  root"));
	/* The marker is a template: the cluster's name is in the block's lines. */
	assert_non_null(strstr(plan, "replace the block \"# BEGIN ct for sim9\" ... "
	    "\"# END ct for sim9\""));

	assert_non_null(strstr(plan, "    | 10.0.0.1\tnode01\n"));
	assert_non_null(strstr(plan, "stdin: 15 bytes, secret: not shown"));
	assert_non_null(strstr(plan, "one node of node[01-02]"));
	assert_non_null(strstr(plan, "    $ for h in node01 node02; do ssh $h "
	    "true; done\n"));
	/* The text appears once: in step 1, not in the secret step 2. */
	assert_null(strstr(strstr(plan, "10.0.0.1") + 1, "10.0.0.1"));
	free(plan);
	plan = phase_plan(phase_set_find(set, 1), v, "node[01-02]", 2, 1);
	assert_non_null(strstr(plan, "exact command line:"));
	free(plan);
	/* ...and in the script the block step runs. */
	assert_int_equal(phase_step_script(&phase_set_find(set, 1)->steps[0], v,
	    &script, &input, &inputlen, &wrapped, &cause), 0);
	assert_non_null(strstr(script, "b='# BEGIN ct for sim9' "
	    "e='# END ct for sim9'"));
	free(script);
	free(input);
	free(wrapped);
	phase_vars_free(v);
	phase_set_free(set);
}

static void
test_block_script(void **state)
{
	char	*f, *script, *text, *cmd;

	f = xasprintf("%s/hosts", tmpdir);
	spit(f, "127.0.0.1\tlocalhost\n");
	script = phase_block_script(f, "clustertop nodes", NULL, NULL, 0, 77);

	/* First run: appended, backed up. */
	assert_int_equal(run_sh(script, "10.0.0.11\tnode01\n"), 0);
	text = read_file(f, 1 << 20, NULL, NULL);
	assert_string_equal(text, "127.0.0.1\tlocalhost\n"
	    "# BEGIN clustertop nodes\n10.0.0.11\tnode01\n"
	    "# END clustertop nodes\n");
	free(text);
	cmd = xasprintf("ls %s/hosts.clustertop-* >/dev/null 2>&1", tmpdir);
	assert_int_equal(system(cmd), 0);
	free(cmd);

	/* Second run: nothing changes (77). */
	assert_int_equal(run_sh(script, "10.0.0.11\tnode01\n"), 77);

	/* New content: the block is replaced in place, not appended. */
	spit(f, "127.0.0.1\tlocalhost\n# BEGIN clustertop nodes\nold\n"
	    "# END clustertop nodes\n::1\tip6\n");
	assert_int_equal(run_sh(script, "10.0.0.11\tnode01\n10.0.0.12\t"
	    "node02\n"), 0);
	text = read_file(f, 1 << 20, NULL, NULL);
	assert_string_equal(text, "127.0.0.1\tlocalhost\n"
	    "# BEGIN clustertop nodes\n10.0.0.11\tnode01\n10.0.0.12\tnode02\n"
	    "# END clustertop nodes\n::1\tip6\n");
	free(text);

	/* An unterminated block is refused, the file left alone. */
	spit(f, "a\n# BEGIN clustertop nodes\nb\n");
	assert_int_equal(run_sh(script, "x\n"), 1);
	text = read_file(f, 1 << 20, NULL, NULL);
	assert_string_equal(text, "a\n# BEGIN clustertop nodes\nb\n");
	free(text);
	free(script);

	/* A missing file is created with its first lines and mode. */
	unlink(f);
	script = phase_block_script(f, "m", "[ -f ~/.profile ] && . "
	    "~/.profile", "0600", 0, 77);
	assert_int_equal(run_sh(script, "export A=1\n"), 0);
	text = read_file(f, 1 << 20, NULL, NULL);
	assert_string_equal(text, "[ -f ~/.profile ] && . ~/.profile\n"
	    "# BEGIN m\nexport A=1\n# END m\n");
	free(text);
	{
		struct stat sb;
		assert_int_equal(stat(f, &sb), 0);
		assert_int_equal(sb.st_mode & 0777, 0600);
	}
	free(script);

	/* position top: a new block goes first (sshd: first match wins). */
	spit(f, "Host *\n  User x\n");
	script = phase_block_script(f, "top", NULL, NULL, 1, 77);
	assert_int_equal(run_sh(script, "Host n1\n  IdentityFile k\n"), 0);
	text = read_file(f, 1 << 20, NULL, NULL);
	assert_string_equal(text, "# BEGIN top\nHost n1\n  IdentityFile k\n"
	    "# END top\nHost *\n  User x\n");
	free(text);
	assert_int_equal(run_sh(script, "Host n1\n  IdentityFile k\n"), 77);
	free(script);
	free(f);
}

static void
test_file_script(void **state)
{
	char		*f, *script, *text;
	struct stat	 sb;

	f = xasprintf("%s/sub/machines", tmpdir);
	script = phase_file_script(f, "0640", 77);
	assert_int_equal(run_sh(script, "node01\nnode02\n"), 0);
	text = read_file(f, 1 << 20, NULL, NULL);
	assert_string_equal(text, "node01\nnode02\n");
	free(text);
	assert_int_equal(stat(f, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0640);
	assert_int_equal(run_sh(script, "node01\nnode02\n"), 77);
	/* A different mode is a change too. */
	chmod(f, 0644);
	assert_int_equal(run_sh(script, "node01\nnode02\n"), 0);
	assert_int_equal(run_sh(script, "node01\n"), 0);
	text = read_file(f, 1 << 20, NULL, NULL);
	assert_string_equal(text, "node01\n");
	free(text);
	free(script);
	free(f);
}

static void
test_known_hosts(void **state)
{
	struct phase_target	 nodes[] = {
		{ "node01", "10.0.0.11" }, { "node02", "10.0.0.12" },
		{ "node03", NULL }
	};
	const char		*kh =
	    "# comment\n"
	    "node01 ssh-ed25519 AAAA1 root@x\n"
	    "10.0.0.11 ssh-ed25519 AAAA1\n"
	    "node010 ssh-ed25519 WRONG\n"
	    "other,10.0.0.12 ssh-rsa AAAA2\n"
	    "[node03]:22 ssh-ed25519 AAAA3\n"
	    "@revoked node02 ssh-ed25519 BAD\n";
	char			*s, *cause = NULL;

	s = phase_known_hosts_entries(kh, nodes, 3, &cause);
	if (s == NULL)
		fail_msg("%s", cause);
	assert_string_equal(s,
	    "node01,10.0.0.11 ssh-ed25519 AAAA1\n"
	    "node02,10.0.0.12 ssh-rsa AAAA2\n"
	    "node03 ssh-ed25519 AAAA3\n");
	free(s);
	assert_null(phase_known_hosts_entries("|1|abc|def ssh-ed25519 X\n",
	    nodes, 1, &cause));
	assert_non_null(strstr(cause, "no verified host key for node01"));
	assert_non_null(strstr(cause, "hashed"));
	free(cause);
}

static void
test_context_vars(void **state)
{
	struct phase_vars	*v;
	struct phase_target	 cl[] = {
		{ "node01", "10.0.0.11" }, { "node02", "10.0.0.12" },
		{ "node03", "10.0.0.13" }
	};
	char			*s, *cause = NULL, *kh;

	kh = xasprintf("%s/kh", tmpdir);
	spit(kh, "node01 ssh-ed25519 K1\nnode02 ssh-ed25519 K2\n");
	v = phase_vars_create();
	phase_vars_set(v, "admin_user", "root");
	phase_context_vars(v, cl, 3, cl + 1, 2, kh);
	s = phase_expand("{nodes_folded} {node_count} {cluster_nodes_folded} "
	    "{cluster_count}", v, 0, NULL, &cause);
	assert_string_equal(s, "node[02-03] 2 node[01-03] 3");
	free(s);
	s = phase_expand("{hosts_entries}", v, 0, NULL, &cause);
	assert_string_equal(s, "10.0.0.11\tnode01\n10.0.0.12\tnode02\n"
	    "10.0.0.13\tnode03");
	free(s);
	s = phase_expand("{cluster_host_patterns}", v, 0, NULL, &cause);
	assert_string_equal(s, "node01 10.0.0.11 node02 10.0.0.12 node03 "
	    "10.0.0.13");
	free(s);
	/* node03 has no key: using the variable fails, and says why. */
	assert_null(phase_expand("{known_hosts_entries}", v, 0, NULL,
	    &cause));
	assert_non_null(strstr(cause, "no verified host key for node03"));
	free(cause);
	s = phase_expand("{admin_user} {admin_home}", v, 0, NULL, &cause);
	assert_string_equal(s, "root /root");
	free(s);
	phase_vars_free(v);
	free(kh);
}

static void
test_state(void **state)
{
	char	 a[] = "node02", b[] = "node05";
	char	*names[] = { a, b }, **got;
	size_t	 n;

	setenv("CLUSTERTOP_STATE_DIR", tmpdir, 1);
	assert_int_equal(phase_state_load(42, &got, &n), -1);
	assert_int_equal(phase_state_save(42, names, 2), 0);
	assert_int_equal(phase_state_load(42, &got, &n), 0);
	assert_int_equal(n, 2);
	assert_string_equal(got[0], "node02");
	assert_string_equal(got[1], "node05");
	free(got[0]);
	free(got[1]);
	free(got);
	assert_int_equal(phase_state_save(42, NULL, 0), 0);
	assert_int_equal(phase_state_load(42, &got, &n), 0);
	assert_int_equal(n, 0);
	free(got);
}

/* --- the runner, on the head only (no nodes: no network) ------------------------ */

struct events {
	int	phase_start, phase_done, done, steps;
	char	log[4096];
};

static void
runner_event(const struct phase_event *ev, void *arg)
{
	struct events	*e = arg;
	size_t		 n = strlen(e->log);

	switch (ev->type) {
	case PHASE_EV_PHASE_START:
		e->phase_start++;
		break;
	case PHASE_EV_STEP_START:
		e->steps++;
		break;
	case PHASE_EV_PHASE_DONE:
		e->phase_done++;
		break;
	case PHASE_EV_DONE:
		e->done++;
		break;
	case PHASE_EV_NODE:
		snprintf(e->log + n, sizeof e->log - n, "%d:%s ", ev->node,
		    phase_node_state_name(ev->state));
		break;
	default:
		break;
	}
}

static void
engine_forward(const struct engine_event *ev, void *arg)
{
	struct phase_run	**r = arg;

	if (*r != NULL)
		phase_run_engine_event(*r, ev);
}

/* Run phase NUMBER of SET with VARS on the head; returns the run (done). */
static struct phase_run *
run_head(struct engine *e, struct phase_run **slot, struct phase_set *set,
    int number, struct phase_vars *vars, int preview, struct events *ev)
{
	char	*cause = NULL;
	int	 i;

	memset(ev, 0, sizeof *ev);
	*slot = phase_run_create(e, set, &number, 1, NULL, 0, vars);
	phase_run_set_preview(*slot, preview);
	phase_run_set_callback(*slot, runner_event, ev);
	assert_int_equal(phase_run_start(*slot, &cause), 0);
	for (i = 0; i < 3000 && !phase_run_finished(*slot); i++)
		engine_run_once(e, 10);
	assert_true(phase_run_finished(*slot));
	return (*slot);
}

static void
test_runner(void **state)
{
	struct engine_config	 cfg;
	struct engine		*e;
	struct phase_run	*r = NULL;
	struct phase_set	*set;
	struct phase_vars	*v;
	struct events		 ev;
	const char		*out;
	char			*cause = NULL, *f, *json;

	f = xasprintf("%s/runner-file", tmpdir);
	json = xasprintf("{\"variables\":{\"f\":\"%s\"},\"phases\":["
	    "{\"number\":1,\"name\":\"a\",\"steps\":["
	    "{\"name\":\"count\",\"where\":\"head\",\"preview\":true,"
	    "\"command\":\"echo 'would do: 3 things'\",\"capture\":\"n\","
	    "\"capture_regex\":\"do: ([0-9]+)\"},"
	    "{\"name\":\"write\",\"where\":\"head\",\"kind\":\"file\","
	    "\"path\":\"{f}\",\"content\":\"n={n}\\n\"},"
	    "{\"name\":\"check\",\"where\":\"head\",\"test\":true,"
	    "\"command\":\"cat {f}\",\"success\":{\"expect\":\"^n=3$\"}}]},"
	    "{\"number\":2,\"name\":\"b\",\"steps\":["
	    "{\"name\":\"fails\",\"where\":\"head\",\"command\":"
	    "\"echo oops >&2; exit 3\"},"
	    "{\"name\":\"never\",\"where\":\"head\",\"command\":\"touch {f}.x\"}]},"
	    "{\"number\":3,\"name\":\"c\",\"steps\":["
	    "{\"name\":\"slow\",\"where\":\"head\",\"timeout\":1,"
	    "\"command\":\"sleep 30\"}]}]}", f);
	set = parse_ok(json);
	free(json);
	setenv("CLUSTERTOP_AUDIT_LOG", "", 1);
	setenv("CLUSTERTOP_STATE_DIR", tmpdir, 1);
	memset(&cfg, 0, sizeof cfg);
	cfg.audit_log = "";
	e = engine_create(&cfg, &cause);
	if (e == NULL)
		fail_msg("engine_create: %s", cause);
	engine_set_callback(e, engine_forward, &r);
	v = phase_vars_create();
	phase_vars_defaults(v, set);

	/* Preview: only the preview step runs; its capture is kept. */
	run_head(e, &r, set, 1, v, 1, &ev);
	assert_string_equal(phase_run_var(r, "n"), "3");
	assert_int_equal(access(f, F_OK), -1);
	phase_vars_set(v, "n", phase_run_var(r, "n"));
	phase_run_free(r);
	r = NULL;

	/* The run: the previewed step is skipped, the file written, passed. */
	run_head(e, &r, set, 1, v, 0, &ev);
	assert_int_equal(phase_run_status(r), 0);
	assert_int_equal(phase_run_node_state(r, 0), PHASE_NODE_CHANGED);
	out = phase_run_node_output(r, 0, NULL);
	assert_non_null(strstr(out, "(previewed: {n} = \"3\")"));
	assert_non_null(strstr(out, "n=3"));
	assert_int_equal(ev.phase_start, 1);
	assert_int_equal(ev.phase_done, 1);
	assert_int_equal(ev.done, 1);
	phase_run_free(r);
	r = NULL;

	/* Again: nothing changes. */
	run_head(e, &r, set, 1, v, 0, &ev);
	assert_int_equal(phase_run_node_state(r, 0), PHASE_NODE_PASSED);
	phase_run_free(r);
	r = NULL;

	/* A failing head step stops the phase, with stderr as the reason. */
	run_head(e, &r, set, 2, v, 0, &ev);
	assert_int_equal(phase_run_status(r), 1);
	assert_int_equal(phase_run_node_state(r, 0), PHASE_NODE_FAILED);
	assert_non_null(strstr(phase_run_node_error(r, 0),
	    "step 1 (fails): exit status 3: oops"));
	assert_int_equal(ev.steps, 1);
	phase_run_free(r);
	r = NULL;
	json = xasprintf("%s.x", f);
	assert_int_equal(access(json, F_OK), -1);
	free(json);

	/* A deadline kills the step. */
	run_head(e, &r, set, 3, v, 0, &ev);
	assert_int_equal(phase_run_node_state(r, 0), PHASE_NODE_FAILED);
	assert_non_null(strstr(phase_run_node_error(r, 0), "timed out"));
	phase_run_free(r);
	r = NULL;

	phase_vars_free(v);
	engine_free(e);
	phase_set_free(set);
	free(f);
}

static int
setup(void **state)
{
	snprintf(tmpdir, sizeof tmpdir, "/tmp/test-phase.XXXXXX");
	if (mkdtemp(tmpdir) == NULL)
		return (-1);
	return (0);
}

static int
teardown(void **state)
{
	char	*cmd;

	cmd = xasprintf("rm -rf %s", tmpdir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", tmpdir);
	free(cmd);
	return (0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_load_errors),
		cmocka_unit_test(test_load_shipped),
		cmocka_unit_test(test_quote),
		cmocka_unit_test(test_expand),
		cmocka_unit_test(test_template_names),
		cmocka_unit_test(test_step_script),
		cmocka_unit_test(test_plan),
		cmocka_unit_test(test_block_script),
		cmocka_unit_test(test_file_script),
		cmocka_unit_test(test_known_hosts),
		cmocka_unit_test(test_context_vars),
		cmocka_unit_test(test_state),
		cmocka_unit_test(test_runner),
	};

	return (cmocka_run_group_tests(tests, setup, teardown));
}
