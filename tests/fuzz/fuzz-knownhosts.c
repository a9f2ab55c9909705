/*
 * fuzz-knownhosts.c -- libFuzzer target for known_hosts files: the cache
 * in knownhosts.c (what the engine checks every host key against) and
 * phase_known_hosts_entries() (phase 4 copies node keys from the file).
 *
 * The input is the file. Properties: no crash; the cache answers the same
 * before and after knownhosts_add() of another host, for every name; the
 * added host is then found with its key both in the cache and in a fresh
 * read of the file (an add must never merge into a last line that has no
 * newline); a key recorded for a name is never reported as unknown.
 */

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libssh/libssh.h>

#include "knownhosts.h"
#include "phase.h"

int	LLVMFuzzerInitialize(int *, char ***);
int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static char	 kh_path[4096];
static ssh_key	 key_ed, key_ec;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static char	dir[] = "/tmp/fuzz-knownhosts.XXXXXX";

	(void)argc;
	(void)argv;
	if (mkdtemp(dir) == NULL)
		abort();
	snprintf(kh_path, sizeof kh_path, "%s/known_hosts", dir);
	if (ssh_pki_generate(SSH_KEYTYPE_ED25519, 0, &key_ed) != SSH_OK ||
	    ssh_pki_generate(SSH_KEYTYPE_ECDSA_P256, 256, &key_ec) != SSH_OK)
		abort();
	return (0);
}

static enum knownhosts_result
check(struct knownhosts *kh, const char *name, int port, ssh_key key)
{
	const char	*files[1] = { kh_path };
	const char	*names[1] = { name };

	return (knownhosts_check(kh, files, 1, names, 1, port, key));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const hosts[] = { "node1", "10.0.0.1", "x" };
	static const struct phase_target nodes[] = {
		{ "node1", "10.0.0.1" }, { "x", NULL }
	};
	const char		*files[1] = { kh_path };
	struct knownhosts	*kh, *fresh;
	enum knownhosts_result	 before[3][2], r;
	char			*text, *s, *cause = NULL, *algs;
	size_t			 i;
	FILE			*f;

	if (size > 16384)
		return (0);
	if ((f = fopen(kh_path, "w")) == NULL)
		abort();
	fwrite(data, 1, size, f);
	fclose(f);

	kh = knownhosts_create();
	for (i = 0; i < 3; i++) {
		before[i][0] = check(kh, hosts[i], 22, key_ed);
		before[i][1] = check(kh, hosts[i], 2222, key_ec);
	}
	algs = knownhosts_algorithms(kh, files, 1, hosts, 3, 22);
	free(algs);

	/* Add a host the input may not name (its name has a space). */
	if (knownhosts_add(kh, kh_path, "added.host", key_ed, &cause) != 0)
		abort();
	for (i = 0; i < 3; i++) {
		if (check(kh, hosts[i], 22, key_ed) != before[i][0] ||
		    check(kh, hosts[i], 2222, key_ec) != before[i][1])
			abort();
	}
	r = check(kh, "added.host", 22, key_ed);
	if (r != KH_OK && r != KH_CHANGED)
		abort();
	fresh = knownhosts_create();
	if (check(fresh, "added.host", 22, key_ed) != r) {
		fprintf(stderr, "added.host: cache says %d, the file %d\n",
		    r, check(fresh, "added.host", 22, key_ed));
		abort();
	}
	knownhosts_free(fresh);
	knownhosts_free(kh);

	/* Phase 4's reader of the same file. */
	if ((text = malloc(size + 1)) == NULL)
		abort();
	memcpy(text, data, size);
	text[size] = '\0';
	s = phase_known_hosts_entries(text, nodes, 2, &cause);
	if (s == NULL && cause == NULL)
		abort();
	free(s);
	free(cause);
	free(text);
	return (0);
}
