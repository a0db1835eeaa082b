/*
 * Helpers shared by the unit suites: load the built-in rules, load rules from
 * a string, write and read temporary files, run a suite.
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

/* Writes data to a new temporary file and returns its path (owned). */
char *tu_temp_file(const char *tag, const void *data, size_t len);

/* Runs one suite with CK_FORK as set in the environment; returns exit code. */
int tu_run(Suite *s);

#endif
