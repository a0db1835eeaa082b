/*
 * The daemon's configuration: YAML read through key tables (ydoc.h) that say
 * once which keys exist, their types and defaults; durations ("500ms", "60s",
 * "10m") and sizes ("64KiB"). Every error names file:line:column, and loading
 * goes on after one so that `wsawatch check --config` reports all at once.
 * It knows nothing of files being followed or of outputs' behaviour.
 */
#ifndef WW_CONFIG_H
#define WW_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "decoder.h"
#include "util/diag.h"
#include "util/log.h"
#include "ydoc.h"

enum { TAKE_EVENTS = 1, TAKE_ALERTS = 2 };

struct cfg_input {
    char **paths;          /* globs */
    size_t npaths;
    char **exclude;
    size_t nexclude;
    int start_beginning;   /* start_at: beginning */
    enum encoding encoding;
    char **tags;
    size_t ntags;
    size_t max_line;
    uint64_t idle_flush_ms;
    uint64_t rotate_wait_ms; /* a renamed file is followed this long after its last write */
    int arrival_time;      /* timestamp: arrival (do not read the lines' own times) */
    char *ts_pattern;      /* timestamp: a PCRE2 pattern for the lines' times, or NULL */
    int poll_only;         /* watch: poll */
    char **rules;          /* rule ids, or none for all */
    size_t nrules;
    char *key;             /* canonical text of all the above, to compare on reload */
    struct ypos *paths_at; /* where each of paths is written */
    struct ypos *rules_at; /* where each of rules is written */
};

struct output_kind;
struct alert_set;

struct cfg_output {
    char *name;
    char *type;            /* stdout, file, ... */
    char *path;            /* for kinds that write a file */
    unsigned take;         /* TAKE_* */
    const struct output_kind *kind;
    void *kind_cfg;        /* the kind's parsed keys, owned */
    struct ypos at;        /* where the output is written */
    struct ypos path_at;   /* where its `path:` value is, if it has one */
};

struct config {
    char *file;            /* where it was read from, or NULL for the default */
    char *state_dir;
    char **rules;
    size_t nrules;
    uint64_t commit_ms;
    uint64_t poll_ms;
    enum log_level log_level;
    char *log_target;      /* stderr, file, system */
    char *log_path;
    struct cfg_input *inputs;
    size_t ninputs;
    struct cfg_output *outputs;
    size_t noutputs;
    struct alert_set *alerts; /* the config's own alert rules (owned) */
    struct ypos *rules_at;    /* where each of rules is written */
    struct ypos state_dir_at, log_path_at; /* 0:0 when not in the file */
};

/* Fills c with the built-in default (no inputs, events on standard output). */
void config_default(struct config *c);

/* Reads path into c (on top of the defaults). Returns the number of errors
 * added to d; c is complete and usable only when it is 0. A relative
 * `rules:` path is taken relative to the directory of path. What needs the
 * rules, the file system or the whole file (undefined names, globs, relative
 * paths) is checked by validate.h. */
int config_load(struct config *c, const char *path, struct diag *d);

void config_free(struct config *c);

/* The default of a key from its table row (f->def): a duration in ms, a
 * size in bytes, a number, a boolean. A default that does not parse is a
 * broken invariant (fatal). */
uint64_t config_default_duration(const struct yfield *f);
uint64_t config_default_size(const struct yfield *f);
long config_default_count(const struct yfield *f);
int config_default_bool(const struct yfield *f);

/* The key tables of the daemon configuration, for tools/docgen: "top",
 * "log", "input" or "output" (the keys every output has). Returns the table
 * and its length in *n, or NULL. */
const struct yfield *config_fields(const char *which, size_t *n);

/* The value of a key as a duration of at least min_ms (into *ms) or a whole
 * number from min to max (into *out), for every loader that has such keys.
 * A NULL node (the key is absent) leaves the default. Returns 0, or 1 after
 * adding an error at the node that names the key. */
int config_get_duration(struct ydoc *y, yaml_node_t *n, const char *key, uint64_t min_ms,
                        uint64_t *ms, struct diag *d);
int config_get_count(struct ydoc *y, yaml_node_t *n, const char *key, long min, long max,
                     long *out, struct diag *d);
/* A retry count: a whole number from 0 to max, or "forever" (-1). With a NULL
 * node *out takes f's default. Returns 0, or 1 after adding an error. */
int config_get_retries(struct ydoc *y, yaml_node_t *n, const struct yfield *f, long max,
                       long *out, struct diag *d);

/* "500ms", "60s", "10m", "2h", "1d" -> milliseconds. Returns 0 or WW_EINVAL. */
int config_parse_duration(const char *s, uint64_t *ms) WW_MUST_CHECK;
/* "512", "64KiB", "1MiB", "1GiB" (also K, M, G) -> bytes. Returns 0 or WW_EINVAL. */
int config_parse_size(const char *s, uint64_t *bytes) WW_MUST_CHECK;

#endif
