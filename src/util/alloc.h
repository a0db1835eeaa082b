/*
 * The one allocation wrapper. Out of memory is not recoverable in most of the
 * program: the x* wrappers log the size and abort (as Redis does). The
 * loaders (configuration, code table, rules, alert rules) are the exception:
 * they run again on every reload of a daemon that must keep its old
 * configuration when a new one cannot be built, so they use the try_
 * variants, which return NULL instead, and report "out of memory" through
 * their struct diag (diag_oom) after freeing what they had built. Both kinds
 * count towards alloc_fail_at(), which makes the Nth allocation fail for
 * tests: a try_ caller sees NULL, an x* caller aborts, which is how a test
 * finds a loader path still using an x* wrapper. Libraries that take an
 * allocator (PCRE2's general context) get one through alloc_ctx_malloc and
 * alloc_ctx_free; libyaml, libuv's synchronous fs calls and libcurl allocate
 * with the C library directly and are not covered.
 */
#ifndef WW_ALLOC_H
#define WW_ALLOC_H

#include "wsawatch_config.h"

#include <stddef.h>

/* Abort on failure, after logging the size. */
void *xmalloc(size_t n);
void *xcalloc(size_t nmemb, size_t size);
void *xrealloc(void *p, size_t n);
void *xreallocarray(void *p, size_t nmemb, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) WW_PRINTF(1, 2);
void xfree(void *p);
/* The x* policy for a NULL from a try_ function or a library, where there
 * is no one to report it to: logs n and aborts. */
__attribute__((noreturn)) void alloc_oom(size_t n);

/* Return NULL on failure (a failed try_realloc leaves p allocated and as it
 * was). Sizes of 0 allocate one byte, as the x* wrappers do. */
void *try_malloc(size_t n);
void *try_calloc(size_t nmemb, size_t size);
void *try_realloc(void *p, size_t n);
void *try_reallocarray(void *p, size_t nmemb, size_t size);
char *try_strdup(const char *s);
char *try_strndup(const char *s, size_t n);
char *try_asprintf(const char *fmt, ...) WW_PRINTF(1, 2);

/* Room for element n of an array of *cap elements of size bytes at v:
 * returns v when n < *cap, else v grown to twice *cap (first when empty) with
 * *cap updated, or NULL with v and *cap as they were. xgrow aborts instead. */
void *try_grow(void *v, size_t *cap, size_t n, size_t size, size_t first);
void *xgrow(void *v, size_t *cap, size_t n, size_t size, size_t first);

/* try_malloc and free in the shape PCRE2's pcre2_general_context_create
 * takes (data is unused). */
void *alloc_ctx_malloc(size_t n, void *data);
void alloc_ctx_free(void *p, void *data);

/* How many try_ allocations have returned NULL since the program started: a
 * caller of a library that reports every failure alike (PCRE2's JIT says
 * NOMEMORY also when it cannot map executable memory) compares it before and
 * after the call to tell out of memory from the rest. */
unsigned long alloc_failures(void);

/* For tests. alloc_fail_at(n) makes the nth allocation from now (x* and try_
 * alike) fail, and only that one; 0 turns it off. alloc_fail_fired() says
 * whether it has failed yet, alloc_count() how many allocations were made
 * since alloc_fail_at (counted only while n is not 0). Not thread-safe:
 * set it while no other thread allocates. */
void alloc_fail_at(unsigned long n);
int alloc_fail_fired(void);
unsigned long alloc_count(void);

#endif
