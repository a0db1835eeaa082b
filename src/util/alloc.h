/*
 * The one allocation wrapper. Out of memory is not recoverable here: the
 * wrappers log the size and abort (as Redis does). Tests can make the Nth
 * allocation fail with alloc_fail_at() to check what callers do before that;
 * with it set, the wrappers abort too, so the loaders that must survive it use
 * the try_ variants.
 */
#ifndef WW_ALLOC_H
#define WW_ALLOC_H

#include "wsawatch_config.h"

#include <stddef.h>

void *xmalloc(size_t n);
void *xcalloc(size_t nmemb, size_t size);
void *xrealloc(void *p, size_t n);
void *xreallocarray(void *p, size_t nmemb, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) WW_PRINTF(1, 2);
void xfree(void *p);

/* Makes the nth allocation from now fail (0: never). For tests. */
void alloc_fail_at(unsigned long n);

#endif
