/*
 * Checks every rule's `examples:` against the compiled rules: a `match` line
 * must give exactly its codes (with all rules loaded) and the rule itself
 * must find at least one of them; a `nomatch` line must give nothing from the
 * rule. Used by `wsawatch check` and the unit tests.
 */
#ifndef WW_EXAMPLES_H
#define WW_EXAMPLES_H

#include "rules.h"
#include "table.h"
#include "util/diag.h"

/* Returns the number of failing examples, each added to d as an error at the
 * example's file:line:column. */
int examples_check(const struct table *t, const struct ruleset *rs, struct diag *d);

#endif
