/*
 * Helpers shared by the unit suites: load the built-in rules, load rules from
 * a string, write and read temporary files, make each allocation of a loader
 * fail in turn, run a suite.
 */
#ifndef WW_TESTUTIL_H
#define WW_TESTUTIL_H

#include <check.h>
#include <stddef.h>

#include "matcher.h"
#include "rules.h"
#include "table.h"
#include "util/diag.h"

/* Loads only the embedded code table; fails the test on any error. */
void tu_load_codes(struct table *t);

/* Loads the embedded rules; fails the test on any error. */
void tu_load_builtin(struct table *t, struct ruleset *rs);

/* Loads the embedded rules plus yaml (named name); returns the error count
 * and leaves the diagnostics in d. */
int tu_load_extra(struct table *t, struct ruleset *rs, const char *name, const char *yaml,
                  struct diag *d);

/* The built-in rules and a matcher over them, shared by the suites that
 * match lines: tu_matcher_setup fills the three globals below. */
extern struct table tu_table;
extern struct ruleset tu_rules;
extern struct matcher tu_matcher;
void tu_matcher_setup(void);
void tu_matcher_teardown(void);

/* 1 if some diagnostic contains needle. */
int tu_diag_has(const struct diag *d, const char *needle);

/* A loader under test: load fills what ctx points to and returns its number
 * of errors; cleanup frees it, whether the load failed or not. */
struct tu_loader {
    int (*load)(void *ctx, struct diag *d);
    void (*cleanup)(void *ctx);
    void *ctx;
};

/* Runs the loader once whole, then with its 1st, 2nd, ... last allocation
 * failing (alloc_fail_at; under valgrind, only every 4th away from the first
 * and last 300), then with one more, which must not fail and must end as the
 * whole run did. Every failing run must return errors with d->oom set and no
 * error the whole run did not have. Returns the number of allocations of a
 * whole run. */
unsigned long tu_fail_each_allocation(const struct tu_loader *l);

/* Writes data to a new temporary file and returns its path (owned). */
char *tu_temp_file(const char *tag, const void *data, size_t len);

/* Runs one suite with CK_FORK as set in the environment; returns exit code. */
int tu_run(Suite *s);

#endif
