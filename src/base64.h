/*
 * base64.h -- RFC 4648 base64, for bytes that must travel as text: the
 * JSON output of exec (non-UTF-8 output) and OSC 52 copies to the
 * terminal.
 */
#ifndef CT_BASE64_H
#define CT_BASE64_H

#include <stddef.h>

/* Characters base64 needs for LEN bytes, without the NUL. */
size_t		 base64_len(size_t len);
/* Encode LEN bytes of P into OUT (base64_len(len) + 1 bytes, NUL ended);
 * returns the characters written. */
size_t		 base64_encode_to(char *out, const void *p, size_t len);
/* The same in a new string (aborts when out of memory). */
char		*base64_encode(const void *p, size_t len);

#endif
