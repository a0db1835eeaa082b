/*
 * Diagnostics list and the project's error strings. See diag.h and err.h.
 */
#include "util/diag.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
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

int diag_oom(struct diag *d)
{
    if (!d->oom)
        d->nerrors++;
    d->oom = 1;
    return 1;
}

/* Room for one more entry. Returns 0 or WW_ENOMEM (d as it was). */
static int grow(struct diag *d)
{
    struct diag_entry *v = try_grow(d->v, &d->cap, d->n, sizeof(*v), 8);

    if (v == NULL)
        return WW_ENOMEM;
    d->v = v;
    return 0;
}

void diag_add(struct diag *d, enum diag_level level, const char *file, int line, int col,
              const char *fmt, ...)
{
    char where[600] = "", text[1024], *entry;
    va_list ap;

    if (file != NULL && line > 0)
        snprintf(where, sizeof(where), "%s:%d:%d: ", file, line, col);
    else if (file != NULL)
        snprintf(where, sizeof(where), "%s: ", file);
    va_start(ap, fmt);
    vsnprintf(text, sizeof(text), fmt, ap);
    va_end(ap);
    if (level == DIAG_ERROR)
        d->nerrors++;
    if (grow(d) != 0 || (entry = try_asprintf("%s%s", where, text)) == NULL) {
        d->lost++;
        if (level == DIAG_ERROR)
            diag_oom(d);
        return;
    }
    d->v[d->n].level = level;
    d->v[d->n].text = entry;
    d->v[d->n].filelen = file != NULL ? strlen(file) : 0;
    d->v[d->n].line = file != NULL && line > 0 ? line : 0;
    d->v[d->n].col = file != NULL && line > 0 ? col : 0;
    d->n++;
}

struct sort_key {
    size_t file, line, col, index;
};

static int key_cmp(const void *a, const void *b)
{
    const struct sort_key *x = a, *y = b;
    const size_t *kx = &x->file, *ky = &y->file;

    for (size_t i = 0; i < 4; i++)
        if (kx[i] != ky[i])
            return kx[i] < ky[i] ? -1 : 1;
    return 0;
}

/* The index of the first entry naming the same file as entry i. */
static size_t first_of_file(const struct diag *d, size_t i)
{
    const struct diag_entry *e = &d->v[i];

    for (size_t k = 0; k < i; k++)
        if (d->v[k].filelen == e->filelen && memcmp(d->v[k].text, e->text, e->filelen) == 0)
            return k;
    return i;
}

void diag_sort(struct diag *d)
{
    struct sort_key *keys;
    struct diag_entry *sorted;

    if (d->n < 2)
        return;
    keys = try_calloc(d->n + 1, sizeof(*keys));
    sorted = try_calloc(d->n + 1, sizeof(*sorted));
    if (keys != NULL && sorted != NULL) { /* without memory: left in its order */
        for (size_t i = 0; i < d->n; i++) {
            keys[i].file = first_of_file(d, i);
            keys[i].line = (size_t)d->v[i].line;
            keys[i].col = (size_t)d->v[i].col;
            keys[i].index = i;
        }
        qsort(keys, d->n, sizeof(*keys), key_cmp);
        for (size_t i = 0; i < d->n; i++)
            sorted[i] = d->v[keys[i].index];
        memcpy(d->v, sorted, d->n * sizeof(*sorted));
    }
    xfree(keys);
    xfree(sorted);
}

void diag_print(const struct diag *d, void *stream)
{
    for (size_t i = 0; i < d->n; i++)
        fprintf(stream, "%s: %s\n", d->v[i].level == DIAG_ERROR ? "error" : "warning",
                d->v[i].text);
    if (d->lost > 0)
        fprintf(stream, "warning: %zu more message%s lost: %s\n", d->lost, d->lost > 1 ? "s" : "",
                ww_strerror(WW_ENOMEM));
    if (d->oom)
        fprintf(stream, "error: %s\n", ww_strerror(WW_ENOMEM));
}
