/*
 * Allocation wrappers with one out-of-memory policy (report the size, abort)
 * and the try_ variants that return NULL, both counted for alloc_fail_at().
 * See alloc.h.
 */
#include "util/alloc.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static unsigned long fail_at;  /* the allocation that fails, counted from 1; 0: none */
static unsigned long counted;  /* allocations since alloc_fail_at, while fail_at != 0 */
static int fired;              /* the allocation fail_at has failed */
static unsigned long failures; /* try_ allocations that returned NULL */

void alloc_fail_at(unsigned long n)
{
    fail_at = n;
    counted = 0;
    fired = 0;
}

int alloc_fail_fired(void)
{
    return fired;
}

unsigned long alloc_count(void)
{
    return counted;
}

unsigned long alloc_failures(void)
{
    return failures;
}

/* Counts one allocation; 1 if it is the one to fail. */
static int injected(void)
{
    if (fail_at == 0 || ++counted != fail_at)
        return 0;
    fired = 1;
    return 1;
}

static void *failed(void)
{
    failures++;
    return NULL;
}

void alloc_oom(size_t n)
{
    fprintf(stderr, "wsawatch: out of memory allocating %zu bytes%s\n", n,
            fired && counted == fail_at ? " (failure injected by alloc_fail_at)" : "");
    abort();
}

void *try_malloc(size_t n)
{
    void *p;

    if (injected() || (p = malloc(n ? n : 1)) == NULL)
        return failed();
    return p;
}

void *try_calloc(size_t nmemb, size_t size)
{
    void *p;

    if (size != 0 && nmemb > SIZE_MAX / size)
        return failed();
    if (injected() || (p = calloc(nmemb ? nmemb : 1, size ? size : 1)) == NULL)
        return failed();
    return p;
}

void *try_realloc(void *p, size_t n)
{
    void *q;

    if (injected() || (q = realloc(p, n ? n : 1)) == NULL)
        return failed();
    return q;
}

void *try_reallocarray(void *p, size_t nmemb, size_t size)
{
    if (size != 0 && nmemb > SIZE_MAX / size)
        return failed();
    return try_realloc(p, nmemb * size);
}

void *try_grow(void *v, size_t *cap, size_t n, size_t size, size_t first)
{
    size_t want = *cap ? *cap * 2 : first;

    if (n < *cap)
        return v;
    if ((v = try_reallocarray(v, want, size)) != NULL)
        *cap = want;
    return v;
}

void *xgrow(void *v, size_t *cap, size_t n, size_t size, size_t first)
{
    void *p = try_grow(v, cap, n, size, first);

    if (p == NULL)
        alloc_oom(size);
    return p;
}

char *try_strndup(const char *s, size_t n)
{
    char *p = n < SIZE_MAX ? try_malloc(n + 1) : failed();

    if (p != NULL) {
        memcpy(p, s, n);
        p[n] = '\0';
    }
    return p;
}

char *try_strdup(const char *s)
{
    return try_strndup(s, strlen(s));
}

static char *try_vasprintf(const char *fmt, va_list ap)
{
    va_list again;
    int n;
    char *p;

    va_copy(again, ap);
    n = vsnprintf(NULL, 0, fmt, again);
    va_end(again);
    if (n < 0)
        n = 0;
    if ((p = try_malloc((size_t)n + 1)) != NULL)
        vsnprintf(p, (size_t)n + 1, fmt, ap);
    return p;
}

char *try_asprintf(const char *fmt, ...)
{
    va_list ap;
    char *p;

    va_start(ap, fmt);
    p = try_vasprintf(fmt, ap);
    va_end(ap);
    return p;
}

void *alloc_ctx_malloc(size_t n, void *data)
{
    (void)data;
    return try_malloc(n);
}

void alloc_ctx_free(void *p, void *data)
{
    (void)data;
    free(p);
}

void *xmalloc(size_t n)
{
    void *p = try_malloc(n);

    if (p == NULL)
        alloc_oom(n ? n : 1);
    return p;
}

void *xcalloc(size_t nmemb, size_t size)
{
    void *p = try_calloc(nmemb, size);

    if (p == NULL)
        alloc_oom(size != 0 && nmemb > SIZE_MAX / size ? SIZE_MAX : nmemb * size);
    return p;
}

void *xrealloc(void *p, size_t n)
{
    void *q = try_realloc(p, n);

    if (q == NULL)
        alloc_oom(n ? n : 1);
    return q;
}

void *xreallocarray(void *p, size_t nmemb, size_t size)
{
    void *q = try_reallocarray(p, nmemb, size);

    if (q == NULL)
        alloc_oom(size != 0 && nmemb > SIZE_MAX / size ? SIZE_MAX : nmemb * size);
    return q;
}

char *xstrndup(const char *s, size_t n)
{
    char *p = try_strndup(s, n);

    if (p == NULL)
        alloc_oom(n + 1);
    return p;
}

char *xstrdup(const char *s)
{
    return xstrndup(s, strlen(s));
}

char *xasprintf(const char *fmt, ...)
{
    va_list ap;
    char *p;

    va_start(ap, fmt);
    p = try_vasprintf(fmt, ap);
    va_end(ap);
    if (p == NULL)
        alloc_oom(0);
    return p;
}

void xfree(void *p)
{
    free(p);
}
