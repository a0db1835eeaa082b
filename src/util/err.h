/*
 * The project's error codes and the caller-owned error struct. A function that
 * can fail returns 0 or one of the negative WW_E* codes below, and writes the
 * details into a struct ww_err the caller owns; the first error wins. This is a
 * utility header: it knows nothing of the daemon.
 */
#ifndef WW_ERR_H
#define WW_ERR_H

#include "wsawatch_config.h"

#include <stddef.h>

#define WW_MUST_CHECK __attribute__((warn_unused_result))

enum ww_code {
    WW_OK = 0,
    WW_ENOMEM = -1,   /* out of memory (normally aborts instead) */
    WW_EIO = -2,      /* an I/O call failed; sys holds the reason */
    WW_ECONFIG = -3,  /* bad configuration or rule file */
    WW_EPATTERN = -4, /* a pattern did not compile */
    WW_ENOTFOUND = -5,
    WW_EINVAL = -6,  /* bad argument or value */
    WW_ELIMIT = -7,  /* a hard cap was reached */
    WW_EMATCH = -8,  /* PCRE2 match or depth limit hit */
    WW_ENOTSUP = -9, /* not available on this operating system */
};

struct ww_err {
    int code;       /* 0 until the first error */
    char msg[512];  /* "path:line:col: text" or "path: text: reason"; no newline */
};

/* Returns the static description of a WW_E* code. */
const char *ww_strerror(int code);

/* Sets err (unless an error is already set) and returns code. err may be NULL. */
int ww_err_set(struct ww_err *err, int code, const char *fmt, ...)
    WW_PRINTF(3, 4);

#endif
