/*
 * Alert rules from YAML (the shipped rules/alerts/ files and the config's
 * `alerts:`), checked with file:line:column. See alerts.h.
 */
#include <stdlib.h>
#include <string.h>

#include "alerts.h"
#include "config.h"
#include "util/alloc.h"

#define ALERT_THRESHOLD_MAX 100000

enum { A_ID, A_ENABLED, A_CODES, A_CATEGORIES, A_RULES, A_TAGS, A_THRESHOLD, A_WINDOW, A_GROUP,
       A_COOLDOWN, A_SEVERITY, A_OUTPUTS, A_RESOLVED, A_BACKLOG, A_SAMPLES, A_MAXGROUPS, A_COUNT };

/* Severities by index of severity_values. */
static const enum msg_severity severities[] = {SEV_INFO, SEV_NOTICE, SEV_WARNING, SEV_ERROR,
                                               SEV_CRITICAL};
static const char *const severity_values[] = {"info", "notice", "warning", "error", "critical",
                                              NULL};
static const char *const backlog_values[] = {"summarize", "ignore", NULL};

/* The key table of an alert rule: see struct yfield. */
static const struct yfield alert_fields[A_COUNT] = {
    [A_ID] = {"id", Y_STR, 1, "the alert's name; the id of a shipped alert replaces it", NULL,
              NULL},
    [A_ENABLED] = {"enabled", Y_BOOL, 0, "set to false to turn a shipped alert off", "true", NULL},
    [A_CODES] = {"codes", Y_STRLIST, 0, "codes it counts, as numbers or symbols", NULL, NULL},
    [A_CATEGORIES] = {"categories", Y_STRLIST, 0, "code categories it counts", NULL, NULL},
    [A_RULES] = {"rules", Y_STRLIST, 0, "ids of the rules that found the event", NULL, NULL},
    [A_TAGS] = {"tags", Y_STRLIST, 0, "input tags", NULL, NULL},
    [A_THRESHOLD] = {"threshold", Y_INT, 0, "events within the window that fire", "5", NULL},
    [A_WINDOW] = {"window", Y_STR, 0, "the sliding window", "60s", NULL},
    [A_GROUP] = {"group_by", Y_STRLIST, 0, "file, tag, code, host, rule, or a capture such as peer",
                 "[file]", NULL},
    [A_COOLDOWN] = {"cooldown", Y_STR, 0,
                    "no second alert for a group before this; the next alert says how many were "
                    "held back",
                    "10m", NULL},
    [A_SEVERITY] = {"severity", Y_STR, 0, "the alert's severity", "warning", severity_values},
    [A_OUTPUTS] = {"outputs", Y_STRLIST, 0, "output names (default: every output taking alerts)",
                   NULL, NULL},
    [A_RESOLVED] = {"resolved", Y_BOOL, 0, "a notice when a group is quiet for a whole window",
                    "false", NULL},
    [A_BACKLOG] = {"backlog", Y_STR, 0, "what old events read late give: one summary alert, or none",
                   "summarize", backlog_values},
    [A_SAMPLES] = {"samples", Y_INT, 0, "sample lines in an alert", "3", NULL},
    [A_MAXGROUPS] = {"max_groups", Y_INT, 0,
                     "groups kept per alert; past it, events share one overflow group", "10000",
                     NULL},
};

const struct yfield *alert_rules_fields(size_t *n)
{
    *n = A_COUNT;
    return alert_fields;
}

void alert_set_init(struct alert_set *as)
{
    memset(as, 0, sizeof(*as));
}

static void strv_free(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        xfree(v[i]);
    xfree(v);
}

static void rule_free(struct alert_rule *r)
{
    xfree(r->id), xfree(r->codes), xfree(r->file);
    strv_free(r->code_names, r->ncode_names);
    strv_free(r->categories, r->ncategories);
    strv_free(r->rules, r->nrules);
    strv_free(r->tags, r->ntags);
    strv_free(r->group_by, r->ngroup_by);
    strv_free(r->outputs, r->noutputs);
    xfree(r->codes_at), xfree(r->categories_at), xfree(r->rules_at), xfree(r->tags_at);
    xfree(r->outputs_at), xfree(r->group_by_at);
    memset(r, 0, sizeof(*r));
}

void alert_set_free(struct alert_set *as)
{
    for (size_t i = 0; i < as->n; i++)
        rule_free(&as->v[i]);
    xfree(as->v);
    memset(as, 0, sizeof(*as));
}

static int get_severity(struct ydoc *y, yaml_node_t *n, enum msg_severity *out, struct diag *d)
{
    int i = -1;

    if (ydoc_choice(y, n, &alert_fields[A_SEVERITY], &i, d) != 0)
        return 1;
    *out = severities[i];
    return 0;
}

static int load_modes(struct alert_rule *r, struct ydoc *y, yaml_node_t **f, struct diag *d)
{
    int errors = 0;
    long threshold = (long)r->threshold, samples = (long)r->samples, groups = (long)r->max_groups;
    uint64_t window = (uint64_t)r->window_ms, cooldown = (uint64_t)r->cooldown_ms;

    if (f[A_ENABLED] && ydoc_bool(f[A_ENABLED], &r->enabled) != 0)
        errors++;
    if (f[A_RESOLVED] && ydoc_bool(f[A_RESOLVED], &r->resolved) != 0)
        errors++;
    errors += ydoc_choice(y, f[A_BACKLOG], &alert_fields[A_BACKLOG], &r->backlog_ignore, d);
    errors += config_get_count(y, f[A_THRESHOLD], "threshold", 1, ALERT_THRESHOLD_MAX, &threshold,
                               d);
    errors += config_get_count(y, f[A_SAMPLES], "samples", 1, ALERT_SAMPLES_MAX, &samples, d);
    errors += config_get_count(y, f[A_MAXGROUPS], "max_groups", 1, 1000000, &groups, d);
    errors += config_get_duration(y, f[A_WINDOW], "window", 1, &window, d);
    errors += config_get_duration(y, f[A_COOLDOWN], "cooldown", 1, &cooldown, d);
    r->threshold = (uint64_t)threshold;
    r->samples = (size_t)samples;
    r->max_groups = (size_t)groups;
    r->window_ms = (int64_t)window;
    r->cooldown_ms = (int64_t)cooldown;
    return errors + get_severity(y, f[A_SEVERITY], &r->severity, d);
}

/* Where the items of the lists are written, for the checks made once the
 * rules, the table and the outputs are known. Returns the number of errors
 * added to d (out of memory only). */
static int load_positions(struct alert_rule *r, struct ydoc *y, yaml_node_t **f, struct diag *d)
{
    int errors = ydoc_strlist_at(y, f[A_CODES], &r->codes_at, d);

    errors += ydoc_strlist_at(y, f[A_CATEGORIES], &r->categories_at, d);
    errors += ydoc_strlist_at(y, f[A_RULES], &r->rules_at, d);
    errors += ydoc_strlist_at(y, f[A_TAGS], &r->tags_at, d);
    errors += ydoc_strlist_at(y, f[A_OUTPUTS], &r->outputs_at, d);
    return errors + ydoc_strlist_at(y, f[A_GROUP], &r->group_by_at, d);
}

struct ypos alert_rule_at(const struct alert_rule *r, const struct ypos *at, size_t i)
{
    struct ypos p = {r->line, r->col};

    return at != NULL && at[i].line > 0 ? at[i] : p;
}

/* The selections, group_by (file unless given) and outputs. Returns the
 * number of errors added to d (out of memory only). */
static int load_lists(struct alert_rule *r, struct ydoc *y, yaml_node_t **f, struct diag *d)
{
    int errors = ydoc_strlist(y, f[A_CODES], &r->code_names, &r->ncode_names, d);

    errors += ydoc_strlist(y, f[A_CATEGORIES], &r->categories, &r->ncategories, d);
    errors += ydoc_strlist(y, f[A_RULES], &r->rules, &r->nrules, d);
    errors += ydoc_strlist(y, f[A_TAGS], &r->tags, &r->ntags, d);
    errors += ydoc_strlist(y, f[A_OUTPUTS], &r->outputs, &r->noutputs, d);
    errors += load_positions(r, y, f, d);
    if (f[A_GROUP] != NULL)
        return errors + ydoc_strlist(y, f[A_GROUP], &r->group_by, &r->ngroup_by, d);
    if (yfield_default_list(&alert_fields[A_GROUP], &r->group_by, &r->ngroup_by) != 0)
        return errors + diag_oom(d);
    return errors;
}

static int load_rule(struct alert_rule *r, struct ydoc *y, yaml_node_t *node, struct diag *d)
{
    yaml_node_t *f[A_COUNT];
    int errors = ydoc_map(y, node, alert_fields, A_COUNT, f, d);

    memset(r, 0, sizeof(*r));
    r->line = (int)node->start_mark.line + 1;
    r->col = (int)node->start_mark.column + 1;
    r->enabled = config_default_bool(&alert_fields[A_ENABLED]);
    r->resolved = config_default_bool(&alert_fields[A_RESOLVED]);
    r->threshold = (uint64_t)config_default_count(&alert_fields[A_THRESHOLD]);
    r->window_ms = (int64_t)config_default_duration(&alert_fields[A_WINDOW]);
    r->cooldown_ms = (int64_t)config_default_duration(&alert_fields[A_COOLDOWN]);
    r->samples = (size_t)config_default_count(&alert_fields[A_SAMPLES]);
    r->max_groups = (size_t)config_default_count(&alert_fields[A_MAXGROUPS]);
    if ((r->id = try_strdup(ydoc_str(f[A_ID]))) == NULL || (r->file = try_strdup(y->name)) == NULL)
        return errors + diag_oom(d);
    errors += load_lists(r, y, f, d);
    return errors + load_modes(r, y, f, d);
}

/* Room for one more rule. Returns 0 or WW_ENOMEM (as as it was). */
static int grow(struct alert_set *as)
{
    struct alert_rule *v = try_grow(as->v, &as->cap, as->n, sizeof(*v), 8);

    if (v == NULL)
        return WW_ENOMEM;
    as->v = v;
    return 0;
}

int alert_set_add_yaml(struct alert_set *as, struct ydoc *y, yaml_node_t *seq, struct diag *d)
{
    int errors = 0;

    for (yaml_node_item_t *it = seq->data.sequence.items.start;
         it < seq->data.sequence.items.top && !d->oom; it++) {
        struct alert_rule r;
        size_t i;
        int e = load_rule(&r, y, ydoc_node(y, *it), d);

        for (i = 0; e == 0 && i < as->n && strcmp(as->v[i].id, r.id) != 0; i++)
            ;
        if (e == 0 && i == as->n && grow(as) != 0)
            e = diag_oom(d);
        if (e > 0) {
            rule_free(&r);
            errors += e;
            continue;
        }
        if (i < as->n)
            rule_free(&as->v[i]);
        else
            as->n++;
        as->v[i] = r;
    }
    return errors;
}

void alert_set_take(struct alert_set *dst, struct alert_set *src)
{
    for (size_t k = 0; k < src->n; k++) {
        size_t i;
        for (i = 0; i < dst->n && strcmp(dst->v[i].id, src->v[k].id) != 0; i++)
            ;
        if (i < dst->n) {
            rule_free(&dst->v[i]);
        } else {
            if (grow(dst) != 0)
                alloc_oom(sizeof(*dst->v));
            dst->n++;
        }
        dst->v[i] = src->v[k];
    }
    src->n = 0;
}

static int resolve_codes(struct alert_rule *r, const struct table *t, struct diag *d)
{
    int errors = 0;

    xfree(r->codes);
    r->codes = xcalloc(r->ncode_names + 1, sizeof(long));
    r->ncodes = 0;
    for (size_t i = 0; i < r->ncode_names; i++) {
        const char *s = r->code_names[i];
        char *end;
        long v = strtol(s, &end, 10);
        const struct wcode *c = *end == '\0' ? table_by_code(t, v) : table_by_symbol(t, s, strlen(s));

        if (c == NULL) {
            struct ypos at = alert_rule_at(r, r->codes_at, i);
            diag_add(d, DIAG_ERROR, r->file, at.line, at.col, "alert '%s': unknown code '%s'",
                     r->id, s);
            errors++;
        } else {
            r->codes[r->ncodes++] = c->code;
        }
    }
    return errors;
}

int alert_set_resolve(struct alert_set *as, const struct table *t, char *const *outputs,
                      size_t noutputs, struct diag *d)
{
    int errors = 0;

    for (size_t i = 0; i < as->n; i++) {
        struct alert_rule *r = &as->v[i];
        errors += resolve_codes(r, t, d);
        for (size_t j = 0; j < r->noutputs; j++) {
            size_t k;
            for (k = 0; k < noutputs && strcmp(outputs[k], r->outputs[j]) != 0; k++)
                ;
            if (k == noutputs) {
                struct ypos at = alert_rule_at(r, r->outputs_at, j);
                diag_add(d, DIAG_ERROR, r->file, at.line, at.col,
                         "alert '%s': no output named '%s'", r->id, r->outputs[j]);
                errors++;
            }
        }
    }
    return errors;
}
