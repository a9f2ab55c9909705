/*
 * fuzz-sshconfig.c -- libFuzzer target for the ssh_config clustertop reads
 * (-F FILE, or ~/.ssh/config): libssh's ssh_options_parse_config() and
 * the options the engine takes out of it (es_session_setup in
 * engine-ssh.c: HostName, Port, User, UserKnownHostsFile,
 * GlobalKnownHostsFile, IdentityFile).
 *
 * The parser is libssh's, built without coverage, so libFuzzer mostly
 * mutates blindly here: this target is a crash and hang detector for the
 * library on hostile files, not a coverage-guided search. Inputs that
 * name `exec` (Match exec runs a command) or `include` (reads other
 * files) are skipped, whatever their case or quoting.
 */

#include <ctype.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libssh/libssh.h>

int	LLVMFuzzerInitialize(int *, char ***);
int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static char	cfg_path[4096];

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static char	dir[] = "/tmp/fuzz-sshconfig.XXXXXX";

	(void)argc;
	(void)argv;
	if (mkdtemp(dir) == NULL)
		abort();
	snprintf(cfg_path, sizeof cfg_path, "%s/config", dir);
	return (0);
}

/* Does DATA, lowercased without quotes, backslashes and NULs, hold WORD? */
static int
mentions(const uint8_t *data, size_t size, const char *word)
{
	char	*s;
	size_t	 i, n = 0;
	int	 found;

	if ((s = malloc(size + 1)) == NULL)
		abort();
	for (i = 0; i < size; i++) {
		if (data[i] == '"' || data[i] == '\\' || data[i] == '\0' ||
		    data[i] == '\'')
			continue;
		s[n++] = (char)tolower(data[i]);
	}
	s[n] = '\0';
	found = strstr(s, word) != NULL;
	free(s);
	return (found);
}

static void
get(ssh_session s, enum ssh_options_e what)
{
	char	*v = NULL;

	if (ssh_options_get(s, what, &v) == SSH_OK) {
		if (v == NULL)
			abort();
		(void)strlen(v);
		ssh_string_free_char(v);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	ssh_session	 s;
	unsigned int	 port = 0;
	FILE		*f;
	bool		 no = false;

	if (size > 8192 || mentions(data, size, "exec") ||
	    mentions(data, size, "include"))
		return (0);
	if ((f = fopen(cfg_path, "w")) == NULL)
		abort();
	fwrite(data, 1, size, f);
	fclose(f);
	if ((s = ssh_new()) == NULL)
		abort();
	ssh_options_set(s, SSH_OPTIONS_HOST, "node1");
	(void)ssh_options_parse_config(s, cfg_path);
	ssh_options_set(s, SSH_OPTIONS_PROCESS_CONFIG, &no);
	get(s, SSH_OPTIONS_HOST);
	get(s, SSH_OPTIONS_USER);
	get(s, SSH_OPTIONS_KNOWNHOSTS);
	get(s, SSH_OPTIONS_GLOBAL_KNOWNHOSTS);
	get(s, SSH_OPTIONS_IDENTITY);
	get(s, SSH_OPTIONS_PROXYCOMMAND);
	ssh_options_get_port(s, &port);
	ssh_free(s);
	return (0);
}
