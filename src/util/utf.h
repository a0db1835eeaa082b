/*
 * UTF-8 and UTF-16 primitives: decode one UTF-8 sequence strictly, encode a
 * code point, and tell the characters a terminal or text viewer acts on
 * rather than shows. Used by the decoder and by the JSON, text and log
 * writers, which replace what is not valid UTF-8 rather than drop it, and
 * escape what could drive a terminal or forge a line.
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

/* 1 for the code points that act rather than show: C0 controls, DEL, C1
 * controls (U+0080-U+009F: 8-bit CSI and OSC), the line and paragraph
 * separators, and the bidirectional controls (U+061C, U+200E, U+200F,
 * U+202A-U+202E, U+2066-U+2069) that reorder what a reader sees. */
int utf_acts(uint32_t cp);

#define UTF_VISIBLE_MAX 6 /* the longest escape utf8_visible writes */

/* For a terminal or a log line: looks at the sequence at p[0..n) (n > 0) and
 * sets *used to the bytes it takes. Returns 0 when they can be written as
 * they are, else writes their visible escape to out (NUL-terminated) and
 * returns its length: \xNN for C0 controls, DEL and each byte of invalid
 * UTF-8 (uppercase hex), \uNNNN for the other characters utf_acts names. */
size_t utf8_visible(const unsigned char *p, size_t n, size_t *used, char out[UTF_VISIBLE_MAX + 1]);

#endif
