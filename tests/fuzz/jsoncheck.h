/*
 * A strict JSON checker for the fuzz targets, written apart from the
 * project's writer (src/util/json.c) so that the two cannot share a mistake:
 * RFC 8259 grammar, strict UTF-8 (no overlongs, no surrogates, nothing past
 * U+10FFFF), escapes checked (a \u surrogate must be a proper pair), and the
 * project's own promises on top: no raw control character or DEL, no raw
 * U+2028/U+2029, no duplicate key in an object. It is a checker, not a
 * parser for the program: it only says yes or where it said no.
 */
#ifndef WW_FUZZ_JSONCHECK_H
#define WW_FUZZ_JSONCHECK_H

#include <stddef.h>
#include <stdint.h>

/* NULL when s[0..n) is exactly one JSON object (surrounding white space
 * allowed); else a static description of the first problem, whose byte
 * offset goes into *at. */
const char *jsoncheck_object(const char *s, size_t n, size_t *at);

/* The decoded value of the top-level member key when it is a string: *out
 * (malloc'd, NUL-terminated, the caller frees it) and *outlen. Returns 0, or
 * -1 when there is no such string member. Only for text jsoncheck_object
 * accepted. */
int jsoncheck_member_str(const char *s, size_t n, const char *key, char **out, size_t *outlen);

/* Length (1-4) of the strict UTF-8 sequence at p[0..n), or 0 when the bytes
 * at p are not one; *cp gets the code point. n > 0. */
size_t jsoncheck_utf8(const unsigned char *p, size_t n, uint32_t *cp);

/* NULL when s[0..n) is valid UTF-8; else the problem, its offset in *at. */
const char *jsoncheck_utf8_text(const char *s, size_t n, size_t *at);

#endif
