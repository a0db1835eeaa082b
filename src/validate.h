/*
 * The one validation of a configuration with its rules, run by `check`, at
 * `run` and at every reload, so that what `check` passes starts and what it
 * refuses does not: loads the rules (built-in, given, configured), the alert
 * rules (shipped, with the configuration's on top), and checks what needs
 * more than one file or the file system: rule ids, tags, codes, categories,
 * captures and output names that nothing defines, empty or relative paths,
 * rule paths that are missing, globs that match nothing today (a warning),
 * and every rule's examples. Every finding names file:line:column. It does
 * not read the configuration file (config_load does) nor open any output.
 */
#ifndef WW_VALIDATE_H
#define WW_VALIDATE_H

#include <stddef.h>

#include "alerts.h"
#include "config.h"
#include "rules.h"
#include "table.h"
#include "util/diag.h"

/* run --once from a shell: relative paths are taken from the current
 * directory (a daemon's current directory is whatever its manager gives) */
#define VALIDATE_RELATIVE_OK 1u

/* Loads the built-in rules (patterns too unless builtin_patterns is 0), the
 * paths extra[0..nextra) and c's `rules:` into t and rs, and the alert rules
 * into as, moving c->alerts' rules there (c->alerts is left empty); checks
 * everything above. Returns the number of errors added to d; t, rs and as
 * are usable when it is 0 and can be freed as usual whatever it is. */
int validate_load(struct config *c, int builtin_patterns, char *const *extra, size_t nextra,
                  unsigned flags, struct table *t, struct ruleset *rs, struct alert_set *as,
                  struct diag *d);

/* Empty and relative paths among state_dir, log.path, the inputs' globs and
 * the outputs' paths (relative ones allowed with VALIDATE_RELATIVE_OK).
 * Returns the number of errors added to d. Part of validate_load. */
int validate_paths(const struct config *c, unsigned flags, struct diag *d);

#endif
