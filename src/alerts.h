/*
 * Alerts: rules that watch the stream of events ("5 or more WSAECONNRESET or
 * WSAECONNABORTED within 60 s per file"). Each rule selects events (codes,
 * categories, rule ids, input tags), groups them (by file, tag, code, host or
 * any capture such as peer), keeps a sliding window of their times per group,
 * fires when the count in the window reaches the threshold, then stays quiet
 * for the cooldown and says in its next alert how many it held back. Windows
 * slide by the lines' own times when they carry one; cooldowns and resolution
 * run by a monotonic clock, so that a line dated ahead silences nothing. Events older than a window when
 * they are read (a backlog: `start_at: beginning`, or lines written while the
 * daemon was down) never fire alerts: they are summarised once per rule when
 * the backlog is read, or ignored. The groups of a rule are capped; past the
 * cap events share one overflow group and are counted. This module knows
 * nothing of files or outputs: it calls back with finished alert JSON.
 */
#ifndef WW_ALERTS_H
#define WW_ALERTS_H

#include <stddef.h>
#include <stdint.h>

#include "outputs/output.h"
#include "table.h"
#include "util/buf.h"
#include "util/diag.h"
#include "ydoc.h"

#define ALERT_SAMPLES_MAX 10
#define ALERT_CODES_MAX 8

enum alert_group_key { GK_FILE, GK_TAG, GK_CODE, GK_HOST, GK_RULE, GK_CAPTURE };

struct alert_rule {
    char *id;
    int enabled;
    long *codes;             /* selection; NULL/0: any */
    size_t ncodes;
    char **code_names;       /* as written, resolved against the table later */
    size_t ncode_names;
    char **categories, **rules, **tags;
    size_t ncategories, nrules, ntags;
    uint64_t threshold;
    int64_t window_ms, cooldown_ms;
    char **group_by;         /* file, tag, code, host, rule, or a capture name */
    size_t ngroup_by;
    enum msg_severity severity;
    char **outputs;          /* names; none: every output taking alerts */
    size_t noutputs;
    int resolved;            /* send a notice when a group is quiet a whole window */
    int backlog_ignore;      /* else summarise */
    size_t samples;
    size_t max_groups;
    char *file;              /* where it was defined */
    int line, col;
    struct ypos *codes_at, *categories_at, *rules_at, *tags_at, *outputs_at, *group_by_at;
                             /* where each item of those lists is written (NULL: not) */
};

/* Where item i of one of r's lists is written (at: r->codes_at, ...), or
 * the rule's own position when that is not known. */
struct ypos alert_rule_at(const struct alert_rule *r, const struct ypos *at, size_t i);

struct alert_set {
    struct alert_rule *v;
    size_t n, cap;
};

void alert_set_init(struct alert_set *as);
void alert_set_free(struct alert_set *as);

/* Adds the rules of an `alerts:` sequence; an id already present is replaced.
 * Stops at out of memory (d->oom). Returns the number of errors added to d. */
/* The key table of an alert rule (for tools/docgen), its length in *n. */
const struct yfield *alert_rules_fields(size_t *n);
int alert_set_add_yaml(struct alert_set *as, struct ydoc *y, yaml_node_t *seq, struct diag *d);

/* Moves every rule of src into dst (a rule with an id already in dst
 * replaces it); src is left empty. */
void alert_set_take(struct alert_set *dst, struct alert_set *src);

/* Resolves code names against the table and checks output names. Returns
 * the number of errors. */
int alert_set_resolve(struct alert_set *as, const struct table *t, char *const *outputs,
                      size_t noutputs, struct diag *d);

/* One event as the alerts see it. */
struct alert_input {
    const struct wcode *code;
    const char *rule_id;
    const char *file;
    char *const *tags;
    size_t ntags;
    const char *host;
    const char *const *cap_names; /* captures */
    const char *const *cap_values;
    const size_t *cap_lens;
    size_t ncaps;
    const char *line;
    size_t len;
    int64_t t_ms;  /* the line's time, or when it was read */
    int backlog;   /* read long after it was written, time unknown */
};

/* Called with each finished alert (one JSON line) and the rule it belongs to. */
typedef void (*alert_emit_cb)(void *ctx, const struct alert_rule *r, const char *json, size_t len,
                              enum msg_severity sev, const char *summary);

struct alert_group;

struct alert_engine {
    const struct alert_set *set;
    alert_emit_cb emit;
    void *ctx;
    struct alert_group **buckets; /* hash table of groups of all rules */
    size_t nbuckets, ngroups;
    size_t *groups_per_rule;
    struct alert_backlog *backlog; /* per rule */
    struct buf json;
};

void alerts_init(struct alert_engine *e, const struct alert_set *set, alert_emit_cb emit,
                 void *ctx);
void alerts_free(struct alert_engine *e);

/* Feeds one event; may call emit. now_ms: the wall clock (an event older
 * than a window by it is backlog); mono_ms: a monotonic clock in ms, which
 * cooldowns and resolution run by. */
void alerts_feed(struct alert_engine *e, const struct alert_input *in, int64_t now_ms,
                 int64_t mono_ms);

/* Periodic work: resolved notices, backlog summaries, forgetting idle groups.
 * Clocks as for alerts_feed. */
void alerts_tick(struct alert_engine *e, int64_t now_ms, int64_t mono_ms);

#endif
