/*
 * test-knownhosts.c -- the known_hosts cache: plain, port, hashed and
 * wildcard entries; changed and other-type keys; accept-new appends.
 */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <libssh/libssh.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "knownhosts.h"

static char	 dir[] = "/tmp/ct-test-kh.XXXXXX";
static ssh_key	 k1, k2, kec;

static char *
path(const char *name)
{
	static char	buf[4][256];
	static int	next;

	next = (next + 1) % 4;
	snprintf(buf[next], sizeof buf[next], "%s/%s", dir, name);
	return (buf[next]);
}

static void
write_line(const char *file, const char *names, ssh_key key)
{
	FILE	*f;
	char	*b64;

	assert_int_equal(ssh_pki_export_pubkey_base64(key, &b64), SSH_OK);
	f = fopen(path(file), "a");
	assert_non_null(f);
	fprintf(f, "%s %s %s comment\n", names,
	    ssh_key_type_to_char(ssh_key_type(key)), b64);
	fclose(f);
	ssh_string_free_char(b64);
}

static int
setup(void **state)
{
	if (mkdtemp(dir) == NULL)
		return (-1);
	if (ssh_pki_generate(SSH_KEYTYPE_ED25519, 0, &k1) != SSH_OK ||
	    ssh_pki_generate(SSH_KEYTYPE_ED25519, 0, &k2) != SSH_OK ||
	    ssh_pki_generate(SSH_KEYTYPE_ECDSA_P256, 256, &kec) != SSH_OK)
		return (-1);
	write_line("kh", "node01,10.0.0.11", k1);
	write_line("kh", "[node02]:2222", k1);
	write_line("kh", "node03", kec);
	write_line("kh", "gpu*", k1);
	write_line("kh", "# a comment", k1);
	return (0);
}

static int
teardown(void **state)
{
	char	cmd[512];

	ssh_key_free(k1);
	ssh_key_free(k2);
	ssh_key_free(kec);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	return (system(cmd) == 0 ? 0 : -1);
}

static enum knownhosts_result
check(struct knownhosts *kh, const char *name, int port, ssh_key key)
{
	const char	*files[] = { path("kh"), path("missing") };
	const char	*names[] = { name };

	return (knownhosts_check(kh, files, 2, names, 1, port, key));
}

static void
test_plain(void **state)
{
	struct knownhosts	*kh = knownhosts_create();

	assert_int_equal(check(kh, "node01", 22, k1), KH_OK);
	assert_int_equal(check(kh, "10.0.0.11", 22, k1), KH_OK);
	assert_int_equal(check(kh, "node01", 22, k2), KH_CHANGED);
	assert_int_equal(check(kh, "node01", 22, kec), KH_OTHER);
	assert_int_equal(check(kh, "node09", 22, k1), KH_UNKNOWN);
	/* port 22 entries don't answer for another port */
	assert_int_equal(check(kh, "node01", 2222, k1), KH_UNKNOWN);
	assert_int_equal(check(kh, "node02", 2222, k1), KH_OK);
	assert_int_equal(check(kh, "node02", 22, k1), KH_UNKNOWN);
	assert_int_equal(check(kh, "node03", 22, kec), KH_OK);
	knownhosts_free(kh);
}

static void
test_pattern(void **state)
{
	struct knownhosts	*kh = knownhosts_create();

	assert_int_equal(check(kh, "gpu7", 22, k1), KH_OK);
	assert_int_equal(check(kh, "gpu7", 22, k2), KH_CHANGED);
	knownhosts_free(kh);
}

static void
test_alias_changed_wins(void **state)
{
	struct knownhosts	*kh = knownhosts_create();
	const char		*files[] = { path("kh") };
	const char		*names[] = { "10.0.0.99", "node01" };

	/* matches nothing under the address, changed under the name */
	assert_int_equal(knownhosts_check(kh, files, 1, names, 2, 22, k2),
	    KH_CHANGED);
	assert_int_equal(knownhosts_check(kh, files, 1, names, 2, 22, k1),
	    KH_OK);
	knownhosts_free(kh);
}

static void
test_add(void **state)
{
	struct knownhosts	*kh = knownhosts_create();
	char			*cause = NULL, *name;
	const char		*files[] = { path("new/kh") };
	const char		*names[] = { "node05" };

	name = knownhosts_name("node05", 2200);
	assert_string_equal(name, "[node05]:2200");
	assert_int_equal(knownhosts_check(kh, files, 1, names, 1, 2200, k2),
	    KH_UNKNOWN);
	assert_int_equal(knownhosts_add(kh, path("new/kh"), name, k2, &cause),
	    0);
	assert_int_equal(knownhosts_check(kh, files, 1, names, 1, 2200, k2),
	    KH_OK);
	knownhosts_free(kh);

	/* and it is in the file for the next process */
	kh = knownhosts_create();
	assert_int_equal(knownhosts_check(kh, files, 1, names, 1, 2200, k2),
	    KH_OK);
	assert_int_equal(knownhosts_check(kh, files, 1, names, 1, 2200, k1),
	    KH_CHANGED);
	knownhosts_free(kh);
	free(name);
}

static void
test_hashed(void **state)
{
	struct knownhosts	*kh;
	char			 cmd[512];

	write_line("hashed", "node07", k1);
	snprintf(cmd, sizeof cmd, "ssh-keygen -q -H -f '%s' >/dev/null 2>&1",
	    path("hashed"));
	if (system(cmd) != 0)
		skip();
	kh = knownhosts_create();
	{
		const char	*files[] = { path("hashed") };
		const char	*names[] = { "node07" };
		const char	*other[] = { "node08" };

		assert_int_equal(knownhosts_check(kh, files, 1, names, 1, 22,
		    k1), KH_OK);
		assert_int_equal(knownhosts_check(kh, files, 1, names, 1, 22,
		    k2), KH_CHANGED);
		assert_int_equal(knownhosts_check(kh, files, 1, other, 1, 22,
		    k1), KH_UNKNOWN);
	}
	knownhosts_free(kh);
}

static void
test_algorithms(void **state)
{
	struct knownhosts	*kh = knownhosts_create();
	const char		*files[] = { path("kh") };
	const char		*n3[] = { "node03" };
	const char		*n9[] = { "node09" };
	char			*algs;

	algs = knownhosts_algorithms(kh, files, 1, n3, 1, 22);
	assert_non_null(algs);
	assert_true(strncmp(algs, "ecdsa-sha2-nistp256,ssh-ed25519", 31) == 0);
	assert_null(strstr(algs + 1, "ecdsa-sha2-nistp256,ecdsa-sha2-nistp256"));
	free(algs);
	assert_null(knownhosts_algorithms(kh, files, 1, n9, 1, 22));
	knownhosts_free(kh);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain),
		cmocka_unit_test(test_pattern),
		cmocka_unit_test(test_alias_changed_wins),
		cmocka_unit_test(test_add),
		cmocka_unit_test(test_hashed),
		cmocka_unit_test(test_algorithms),
	};

	return (cmocka_run_group_tests(tests, setup, teardown));
}
