/*
 * Diagnostics list and the project's error strings. See diag.h and err.h.
 */
#include "util/diag.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "util/alloc.h"
#include "util/err.h"

const char *ww_strerror(int code)
{
    switch (code) {
    case WW_OK: return "success";
    case WW_ENOMEM: return "out of memory";
    case WW_EIO: return "input/output error";
    case WW_ECONFIG: return "configuration error";
    case WW_EPATTERN: return "pattern error";
    case WW_ENOTFOUND: return "not found";
    case WW_EINVAL: return "invalid value";
    case WW_ELIMIT: return "limit reached";
    case WW_EMATCH: return "match limit reached";
    case WW_ENOTSUP: return "not supported on this system";
    }
    return "unknown error";
}

int ww_err_set(struct ww_err *err, int code, const char *fmt, ...)
{
    va_list ap;

    if (err == NULL || err->code != 0)
        return code;
    err->code = code;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
    va_end(ap);
    return code;
}

void diag_init(struct diag *d)
{
    memset(d, 0, sizeof(*d));
}

void diag_free(struct diag *d)
{
    for (size_t i = 0; i < d->n; i++)
        xfree(d->v[i].text);
    xfree(d->v);
    memset(d, 0, sizeof(*d));
}

void diag_add(struct diag *d, enum diag_level level, const char *file, int line, int col,
              const char *fmt, ...)
{
    char where[600] = "", text[1024];
    va_list ap;

    if (file != NULL && line > 0)
        snprintf(where, sizeof(where), "%s:%d:%d: ", file, line, col);
    else if (file != NULL)
        snprintf(where, sizeof(where), "%s: ", file);
    va_start(ap, fmt);
    vsnprintf(text, sizeof(text), fmt, ap);
    va_end(ap);
    if (d->n == d->cap) {
        d->cap = d->cap ? d->cap * 2 : 8;
        d->v = xreallocarray(d->v, d->cap, sizeof(*d->v));
    }
    d->v[d->n].level = level;
    d->v[d->n].text = xasprintf("%s%s", where, text);
    d->n++;
    if (level == DIAG_ERROR)
        d->nerrors++;
}

void diag_print(const struct diag *d, void *stream)
{
    for (size_t i = 0; i < d->n; i++)
        fprintf(stream, "%s: %s\n", d->v[i].level == DIAG_ERROR ? "error" : "warning",
                d->v[i].text);
}
