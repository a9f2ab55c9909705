/*
 * hostlist-int.h -- what hostlist.c (lists, expressions, ordering) and
 * hostlist-fold.c (folding) share privately: digit-run helpers.
 */
#ifndef CT_HOSTLIST_INT_H
#define CT_HOSTLIST_INT_H

#include <stddef.h>

static inline int
hl_isdigit(int c)
{
	return (c >= '0' && c <= '9');
}

/* Length of the trailing digit run of S[0..LEN). */
static inline size_t
hl_trailing_digits(const char *s, size_t len)
{
	size_t	n = 0;

	while (n < len && hl_isdigit((unsigned char)s[len - n - 1]))
		n++;
	return (n);
}

#endif
