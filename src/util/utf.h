/*
 * UTF-8 and UTF-16 primitives: decode one UTF-8 sequence strictly, encode a
 * code point. Used by the decoder and by the JSON and text writers, which
 * replace what is not valid UTF-8 rather than drop it.
 */
#ifndef WW_UTF_H
#define WW_UTF_H

#include <stddef.h>
#include <stdint.h>

#define UTF_REPLACEMENT 0xFFFDu

/* Returns the length (1-4) of the valid UTF-8 sequence at p and stores its code
 * point in *cp, or 0 when the bytes at p are not a valid sequence. n > 0. */
size_t utf8_decode(const unsigned char *p, size_t n, uint32_t *cp);

/* Writes cp as UTF-8 into out (4 bytes room) and returns its length. */
size_t utf8_encode(uint32_t cp, char *out);

#endif
