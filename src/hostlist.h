/*
 * hostlist.h -- host list expressions: expand, fold, count.
 *
 * A struct hostlist is an ordered, duplicate-free list of host names. Names
 * keep the order in which they were first added (the order commands run
 * in); folding always uses natural order. Lookups are O(1) through a hash.
 *
 * Expression syntax (docs/hostlists.md has the full story):
 *	node[01-10,12]		ranges, lists, zero padding from the start bound
 *	rack[1-2]-n[1-4]	several brackets; adjacent "[1-2][3-4]" too
 *	n[1-3]-ib, n[1-10/2]	text after "]"; nodeset-style steps
 *	a,b c			"," or white space separate elements
 *	a!b  a&b		difference, intersection (left to right)
 *	a,-b			pdsh-style exclusion, the same as a!b
 *	^FILE			hosts or expressions from a file, '#' comments
 *	@group			"name: expr" lines of a ClusterShell groups file
 * Invalid input (unbalanced brackets, reversed or oversized ranges, empty
 * elements, a range of more than 65536 hosts, more than hostlist_limit
 * hosts in all) is an error with a message; the list is left unchanged.
 *
 * This module is pure apart from reading ^FILE host files and the groups
 * file.
 */
#ifndef CT_HOSTLIST_H
#define CT_HOSTLIST_H

#include <stddef.h>
#include <stdint.h>

#define HOSTLIST_RANGE_MAX	65536		/* hosts in one [a-b] range */
#define HOSTLIST_DEFAULT_LIMIT	(1U << 20)	/* hosts from one expression */
#define HOSTLIST_NAME_MAX	255		/* bytes in one expanded name */

struct hostlist;

/* Create an empty list. */
struct hostlist	*hostlist_create(void);
/* Free a list and its names. NULL is allowed. */
void		 hostlist_free(struct hostlist *);

/*
 * Add every host of EXPR, in expression order, skipping hosts already
 * present. Returns 0, or -1 with *cause set (malloc'd, the caller frees)
 * and the list unchanged.
 */
int		 hostlist_add(struct hostlist *, const char *expr, char **cause);
/* Remove every host matching EXPR (same syntax): used for -x. */
int		 hostlist_remove(struct hostlist *, const char *expr,
		     char **cause);

/* Add one literal name (no parsing); returns 1 if added, 0 if present. */
int		 hostlist_push(struct hostlist *, const char *name);
/* Same, for a name of LEN bytes that need not be NUL-terminated. */
int		 hostlist_pushn(struct hostlist *, const char *name, size_t len);

/* Remove one literal name (no parsing); returns 1 if it was there. */
int		 hostlist_delete(struct hostlist *, const char *name);

/* Return the number of hosts. */
size_t		 hostlist_count(const struct hostlist *);
/* Return host I in user order; the string lives as long as the list. */
const char	*hostlist_get(const struct hostlist *, size_t);
/* Return the index of NAME, or -1. O(1). */
int		 hostlist_find(const struct hostlist *, const char *name);
/* Same, for a name of LEN bytes. */
int		 hostlist_findn(const struct hostlist *, const char *name,
		     size_t len);

/* Fold the list nodeset -f style (natural order); malloc'd. */
char		*hostlist_fold(const struct hostlist *);
/* Fold N names the same way (duplicates are folded once); malloc'd. */
char		*hostlist_fold_names(const char *const *names, size_t n);
/*
 * Fold N names exactly as dshbak -c prints its block headers (only the
 * last number of a name folds, dshbak's zero-padding rules), but in a
 * fixed order where dshbak's is random; malloc'd.
 */
char		*hostlist_fold_dshbak(const char *const *names, size_t n);
/* Compare dshbak-style: by the trailing number of the name, then bytes. */
int		 hostlist_dshbak_cmp(const char *, const char *);

/* Compare names in natural order: node2 < node10, n1 < n01 < n2. */
int		 hostlist_natural_cmp(const char *, const char *);

/*
 * Set the groups file used for @group (NULL: the default, which is
 * $CLUSTERTOP_GROUPS, else /etc/clustershell/groups.d/local.cfg, else
 * /etc/clustershell/groups).
 */
void		 hostlist_set_groups_file(const char *path);
/* Set the most hosts one expression may expand to (0: the default). */
void		 hostlist_set_limit(size_t);

/* Hash LEN bytes (the hash the list uses; also used by gather.c). */
uint64_t	 hostlist_hash(const void *, size_t);

#endif
