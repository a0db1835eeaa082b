/*
 * A growable byte buffer with a hard cap (curl's dynbuf). Appends past the cap
 * fail with WW_ELIMIT and leave the buffer as it was. Always NUL-terminated.
 * Out of memory aborts (alloc.h), except in a buffer set up with
 * buf_init_try, for the loaders: there appends fail with WW_ENOMEM and leave
 * the buffer as it was.
 */
#ifndef WW_BUF_H
#define WW_BUF_H

#include "wsawatch_config.h"

#include <stddef.h>

#include "util/err.h"

struct buf {
    char *p;    /* owned; NUL-terminated when non-NULL */
    size_t len; /* bytes used, excluding the NUL */
    size_t cap; /* bytes allocated */
    size_t max; /* hard cap on len */
    int try_alloc; /* out of memory is WW_ENOMEM, not an abort */
};

void buf_init(struct buf *b, size_t max);
void buf_init_try(struct buf *b, size_t max);
void buf_free(struct buf *b);
void buf_reset(struct buf *b);
/* Return 0, WW_ELIMIT past the cap, or WW_ENOMEM (buf_init_try only). */
int buf_append(struct buf *b, const void *p, size_t n) WW_MUST_CHECK;
int buf_putc(struct buf *b, char c) WW_MUST_CHECK;
int buf_printf(struct buf *b, const char *fmt, ...) WW_MUST_CHECK
    WW_PRINTF(2, 3);
/* Returns the contents ("" when empty); valid until the next change. */
const char *buf_str(const struct buf *b);

#endif
