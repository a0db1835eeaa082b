/*
 * Writing JSON text into a struct buf: strings escaped so that the output is
 * always valid JSON and valid UTF-8 whatever the input bytes (invalid UTF-8
 * becomes U+FFFD; control characters, DEL, C1 controls, the line separators
 * and bidi controls become \u escapes, so nothing reaches a terminal or a log
 * pipeline raw). Not a parser.
 */
#ifndef WW_JSON_H
#define WW_JSON_H

#include <stddef.h>

#include "util/buf.h"

/* Appends s[0..n) as a quoted JSON string. Returns 0 or the error of the
 * buf: WW_ELIMIT, or WW_ENOMEM for a buffer set up with buf_init_try. */
int json_put_str(struct buf *b, const char *s, size_t n) WW_MUST_CHECK;
/* Appends "key": (with a leading comma unless first). */
int json_put_key(struct buf *b, const char *key, int first) WW_MUST_CHECK;

#endif
