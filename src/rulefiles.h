/*
 * Rule files: YAML documents holding `codes:` (the table) and/or `rules:`
 * (patterns), from the copies embedded at build time or from paths given by
 * the user. This is the one place that reads them; table.c and rules.c only
 * see YAML nodes.
 */
#ifndef WW_RULEFILES_H
#define WW_RULEFILES_H

#include <stddef.h>

#include "alerts.h"
#include "rules.h"
#include "table.h"
#include "util/diag.h"

struct embedded_file {
    const char *name; /* path below rules/, e.g. "codes/winsock.yaml" */
    const char *data;
    size_t len;
};

extern const struct embedded_file embedded_rules[];

/* Loads one YAML document into the table, the ruleset and (unless as is
 * NULL) the alert rules. Returns the number of errors added to d. */
/* The key table of a rule file's top level (for tools/docgen), its length
 * in *n. */
const struct yfield *rulefiles_fields(size_t *n);
int rulefiles_load_buffer(struct table *t, struct ruleset *rs, struct alert_set *as,
                          const char *name, const char *data, size_t len, struct diag *d);

/* Loads a file, or every *.yaml / *.yml file of a directory in name order. An
 * unreadable path is an error naming the path and the system's reason; with
 * missing_ok, a path that does not exist is only a warning (a configured local
 * rules directory may be created later and picked up by a reload). */
int rulefiles_load_path(struct table *t, struct ruleset *rs, struct alert_set *as, const char *path,
                        int missing_ok, struct diag *d);

/* Built-in rules (only the code table when builtin_patterns is 0), then each
 * path, then table_finish and ruleset_compile. Returns the number of errors;
 * the table and ruleset are usable when 0. Out of memory is one of the
 * errors (d->oom): loading stops there (and does not start when d already
 * records it). Whatever the errors, the table, ruleset and alert set can be
 * freed as usual and hold nothing else. */
int rulefiles_load_all(struct table *t, struct ruleset *rs, struct alert_set *as,
                       int builtin_patterns, char *const *paths, size_t npaths, int missing_ok,
                       struct diag *d);

#endif
