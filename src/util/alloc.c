/*
 * Allocation wrappers with one out-of-memory policy: report the size, abort.
 */
#include "util/alloc.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static unsigned long fail_countdown;

void alloc_fail_at(unsigned long n)
{
    fail_countdown = n;
}

static void *check(void *p, size_t n)
{
    if (fail_countdown > 0 && --fail_countdown == 0) {
        free(p);
        p = NULL;
    }
    if (p == NULL && n > 0) {
        fprintf(stderr, "wsawatch: out of memory allocating %zu bytes\n", n);
        abort();
    }
    return p;
}

void *xmalloc(size_t n)
{
    return check(malloc(n ? n : 1), n ? n : 1);
}

void *xcalloc(size_t nmemb, size_t size)
{
    if (size != 0 && nmemb > SIZE_MAX / size)
        return check(NULL, SIZE_MAX);
    return check(calloc(nmemb ? nmemb : 1, size ? size : 1), nmemb * size + 1);
}

void *xrealloc(void *p, size_t n)
{
    return check(realloc(p, n ? n : 1), n ? n : 1);
}

void *xreallocarray(void *p, size_t nmemb, size_t size)
{
    if (size != 0 && nmemb > SIZE_MAX / size)
        return check(NULL, SIZE_MAX);
    return xrealloc(p, nmemb * size);
}

char *xstrndup(const char *s, size_t n)
{
    char *p = xmalloc(n + 1);

    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *xstrdup(const char *s)
{
    return xstrndup(s, strlen(s));
}

char *xasprintf(const char *fmt, ...)
{
    va_list ap;
    int n;
    char *p;

    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        n = 0;
    p = xmalloc((size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return p;
}

void xfree(void *p)
{
    free(p);
}
