/*
 * phase-int.h -- what the phase-*.c files share and no one else sees: the
 * variable table's layout and the helpers one file defines for another.
 * The public API, and the map of which file holds what, is phase.h.
 */
#ifndef CT_PHASE_INT_H
#define CT_PHASE_INT_H

#include <stddef.h>

#include "phase.h"

/* --- phase-vars.c ---------------------------------------------------------- */

struct pvar {
	char	 *name;
	char	**items;
	size_t	  nitems;
	int	  list;
	int	  secret;
	int	  literal;	/* computed or captured: never expanded again */
	char	 *error;	/* using it fails with this text */
};

struct phase_vars {
	struct pvar	*v;
	size_t		 n;
	struct phase_map *maps;		/* borrowed from the set */
	size_t		 nmaps;
};

/* The variable NAME (LEN bytes), or NULL. */
struct pvar	*pvar_findn(const struct phase_vars *, const char *name,
		     size_t len);
/* The variable NAME emptied for a new value, added if missing. */
struct pvar	*pvar_get(struct phase_vars *, const char *name);
/*
 * The next {name} or {name@map} reference at or after P (START: the
 * template's beginning), with its name and map spans, or NULL; *ESCAPED
 * is set when what was found is a literal "{{" instead.
 */
const char	*phase_next_ref(const char *p, const char *start,
		     const char **name, size_t *namelen, const char **map,
		     size_t *maplen, int *escaped);
/* Set NAME to a copy of SRC (a variable of another table). */
void		 pvar_copy(struct phase_vars *, const char *name,
		     const struct pvar *src);
/* A copy of a whole table (the maps stay borrowed from the set). */
struct phase_vars *phase_vars_copy(const struct phase_vars *);
/* A lowercase identifier of at most 64 characters ([a-z_][a-z0-9_]*). */
int		 phase_is_ident(const char *, size_t);

#endif
