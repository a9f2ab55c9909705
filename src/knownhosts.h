/*
 * knownhosts.h -- known_hosts files read once into a hash table, then
 * looked up for every connect.
 *
 * libssh re-reads and re-parses the whole file (hashing every hashed
 * line) on each check; with thousands of nodes that is minutes of CPU.
 * Here each file is read on first use: plain names go into a hash table,
 * hashed (|1|...) and wildcard lines into a short list checked with
 * libssh's own matcher. Keys are compared with ssh_key_cmp. New entries
 * (accept-new) are appended to the file and to the table.
 */
#ifndef CT_KNOWNHOSTS_H
#define CT_KNOWNHOSTS_H

#include <stddef.h>

struct knownhosts;
struct ssh_key_struct;

enum knownhosts_result {
	KH_OK = 0,	/* a recorded key matches */
	KH_UNKNOWN,	/* nothing recorded for the host */
	KH_CHANGED,	/* a key of the same type is recorded and differs */
	KH_OTHER,	/* only keys of other types are recorded */
	KH_ERROR
};

/* Create an empty cache. */
struct knownhosts	*knownhosts_create(void);
/* Free the cache and its keys. */
void			 knownhosts_free(struct knownhosts *);

/* The known_hosts name of a host: "host", or "[host]:port" when not 22. */
char			*knownhosts_name(const char *host, int port);

/*
 * Check KEY for any of NAMES (at PORT) in FILES (read on first use; a
 * missing file is empty). A changed key under any name wins over a match
 * under another, so a stale alias is never papered over.
 */
enum knownhosts_result	 knownhosts_check(struct knownhosts *,
			     const char *const *files, size_t nfiles,
			     const char *const *names, size_t nnames, int port,
			     struct ssh_key_struct *key);

/* Append NAME KEY to FILE and to the cache; -1 with *cause on error. */
int			 knownhosts_add(struct knownhosts *, const char *file,
			     const char *name, struct ssh_key_struct *key,
			     char **cause);

/*
 * A host key algorithm list for SSH_OPTIONS_HOSTKEYS: the types recorded
 * for the host first, then the usual ones. NULL when nothing is recorded.
 */
char			*knownhosts_algorithms(struct knownhosts *,
			     const char *const *files, size_t nfiles,
			     const char *const *names, size_t nnames, int port);

#endif
