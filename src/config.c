/*
 * Configuration loading. See config.h. Each mapping is described by one key
 * table; ydoc_map checks unknown keys, duplicates and types against it, and
 * the functions below only turn checked values into the structs.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alerts.h"
#include "glob.h"
#include "outputs/output.h"
#include "platform/platform.h"
#include "scanner.h"
#include "timestamp.h"
#include "util/alloc.h"
#include "util/fsutil.h"
#include "util/buf.h"
#include "ydoc.h"

#define MAX_LINE_MIN 1024u
#define MAX_LINE_MAX (256u << 20)

enum { C_STATE_DIR, C_RULES, C_COMMIT, C_POLL, C_LOG, C_INPUTS, C_OUTPUTS, C_ALERTS, C_COUNT };
static const struct yfield top_fields[C_COUNT] = {
    [C_STATE_DIR] = {"state_dir", Y_STR, 0, "directory for offsets"},
    [C_RULES] = {"rules", Y_STRLIST, 0, "rule files or directories added to the built-in ones"},
    [C_COMMIT] = {"commit_interval", Y_STR, 0, "how often offsets are committed (5s)"},
    [C_POLL] = {"poll_interval", Y_STR, 0, "how often files are checked without events (1s)"},
    [C_LOG] = {"log", Y_MAP, 0, "the daemon's own messages"},
    [C_INPUTS] = {"inputs", Y_SEQ, 0, "files to follow"},
    [C_OUTPUTS] = {"outputs", Y_SEQ, 0, "where events go"},
    [C_ALERTS] = {"alerts", Y_SEQ, 0, "alert rules, added to the shipped ones"},
};

enum { L_LEVEL, L_TARGET, L_PATH, L_COUNT };
static const struct yfield log_fields[L_COUNT] = {
    [L_LEVEL] = {"level", Y_STR, 0, "error, warn, info or debug"},
    [L_TARGET] = {"target", Y_STR, 0, "stderr, file or system"},
    [L_PATH] = {"path", Y_STR, 0, "the log file, for target: file"},
};

enum { I_PATH, I_EXCLUDE, I_START, I_ENCODING, I_TAGS, I_MAXLINE, I_IDLE, I_ROTATE, I_WATCH,
       I_RULES, I_TIMESTAMP, I_COUNT };
static const struct yfield input_fields[I_COUNT] = {
    [I_PATH] = {"path", Y_STRLIST, 1, "a glob or a list of globs"},
    [I_EXCLUDE] = {"exclude", Y_STRLIST, 0, "globs of files to leave out"},
    [I_START] = {"start_at", Y_STR, 0, "end or beginning, for files with no saved offset"},
    [I_ENCODING] = {"encoding", Y_STR, 0, "auto, utf-8, utf-16le, utf-16be or ansi"},
    [I_TAGS] = {"tags", Y_STRLIST, 0, "tags carried into events"},
    [I_MAXLINE] = {"max_line_bytes", Y_STR, 0, "longest line matched whole (64KiB)"},
    [I_IDLE] = {"idle_flush", Y_STR, 0, "when a last line without newline is taken (5s)"},
    [I_ROTATE] = {"rotate_wait", Y_STR, 0, "how long a renamed file is still read (5s)"},
    [I_WATCH] = {"watch", Y_STR, 0, "auto or poll"},
    [I_RULES] = {"rules", Y_STRLIST, 0, "only these rule ids"},
    [I_TIMESTAMP] = {"timestamp", Y_STR, 0,
                     "auto (the lines' own times), arrival, or a pattern with named groups"},
};

enum { O_NAME, O_TYPE, O_TAKE, O_COUNT };
static const struct yfield output_fields[O_COUNT] = {
    [O_NAME] = {"name", Y_STR, 1, "the output's name"},
    [O_TYPE] = {"type", Y_STR, 1, "the kind of output"},
    [O_TAKE] = {"take", Y_STRLIST, 0, "events, alerts or both"},
};
#define OUTPUT_FIELDS_MAX 32

struct unit {
    const char *name;
    uint64_t mult;
};

/* A decimal number followed by one of the units (exactly). */
static int parse_units(const char *s, const struct unit *units, size_t n, uint64_t *out)
{
    char *end;
    unsigned long long v = strtoull(s, &end, 10);

    if (end == s || *s == '-')
        return WW_EINVAL;
    for (size_t i = 0; i < n; i++) {
        if (strcmp(end, units[i].name) == 0) {
            if (v > UINT64_MAX / units[i].mult)
                return WW_EINVAL; /* would wrap around to something small */
            *out = (uint64_t)v * units[i].mult;
            return 0;
        }
    }
    return WW_EINVAL;
}

int config_parse_duration(const char *s, uint64_t *ms)
{
    static const struct unit units[] = {
        {"ms", 1}, {"s", 1000}, {"m", 60000}, {"h", 3600000}, {"d", 86400000}};

    return parse_units(s, units, sizeof(units) / sizeof(units[0]), ms);
}

int config_parse_size(const char *s, uint64_t *bytes)
{
    static const struct unit units[] = {{"", 1},        {"B", 1},        {"KiB", 1u << 10},
                                        {"K", 1u << 10}, {"k", 1u << 10}, {"MiB", 1u << 20},
                                        {"M", 1u << 20}, {"GiB", 1u << 30}, {"G", 1u << 30}};

    return parse_units(s, units, sizeof(units) / sizeof(units[0]), bytes);
}

static void strv_free(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        xfree(v[i]);
    xfree(v);
}

/* The defaults. Returns 0, or WW_ENOMEM with c still fit for config_free. */
static int try_default(struct config *c)
{
    memset(c, 0, sizeof(*c));
    c->commit_ms = 5000;
    c->poll_ms = 1000;
    c->log_level = LOG_LEVEL_INFO;
    c->state_dir = platform_default_state_dir();
    c->log_target = try_strdup("stderr");
    c->alerts = try_calloc(1, sizeof(*c->alerts));
    if (c->state_dir == NULL || c->log_target == NULL || c->alerts == NULL)
        return WW_ENOMEM;
    alert_set_init(c->alerts);
    return 0;
}

void config_default(struct config *c)
{
    if (try_default(c) != 0)
        alloc_oom(0);
}

void config_free(struct config *c)
{
    xfree(c->file), xfree(c->state_dir), xfree(c->log_target), xfree(c->log_path);
    strv_free(c->rules, c->nrules);
    for (size_t i = 0; i < c->ninputs; i++) {
        struct cfg_input *in = &c->inputs[i];
        strv_free(in->paths, in->npaths), strv_free(in->exclude, in->nexclude);
        strv_free(in->tags, in->ntags), strv_free(in->rules, in->nrules);
        xfree(in->key), xfree(in->ts_pattern);
    }
    xfree(c->inputs);
    for (size_t i = 0; i < c->noutputs; i++) {
        struct cfg_output *o = &c->outputs[i];
        if (o->kind != NULL && o->kind->free_cfg != NULL && o->kind_cfg != NULL)
            o->kind->free_cfg(o->kind_cfg);
        xfree(o->name), xfree(o->type), xfree(o->path);
    }
    xfree(c->outputs);
    if (c->alerts != NULL)
        alert_set_free(c->alerts);
    xfree(c->alerts);
    memset(c, 0, sizeof(*c));
}

int config_get_duration(struct ydoc *y, yaml_node_t *n, const char *key, uint64_t min_ms,
                        uint64_t *ms, struct diag *d)
{
    uint64_t v;

    if (n == NULL)
        return 0;
    if (config_parse_duration(ydoc_str(n), &v) == 0 && v >= min_ms) {
        *ms = v;
        return 0;
    }
    ydoc_error(y, n, d, "bad duration '%s' for '%s' (%s '%s' is not a number with ms, s, m, h "
               "or d of at least %llums, like 500ms or 60s)", ydoc_str(n), key, key, ydoc_str(n),
               (unsigned long long)min_ms);
    return 1;
}

int config_get_count(struct ydoc *y, yaml_node_t *n, const char *key, long min, long max,
                     long *out, struct diag *d)
{
    long v;

    if (n == NULL)
        return 0;
    if (ydoc_long(n, &v) == 0 && v >= min && v <= max) {
        *out = v;
        return 0;
    }
    ydoc_error(y, n, d, "'%s' must be a number from %ld to %ld", key, min, max);
    return 1;
}

static int get_choice(struct ydoc *y, yaml_node_t *n, const char *key, const char *const *choices,
                      int *out, struct diag *d)
{
    if (n == NULL)
        return 0;
    for (int i = 0; choices[i] != NULL; i++) {
        if (strcmp(ydoc_str(n), choices[i]) == 0) {
            *out = i;
            return 0;
        }
    }
    ydoc_error(y, n, d, "'%s' cannot be '%s'", key, ydoc_str(n));
    return 1;
}

/* auto, arrival, or a pattern (checked by compiling it here). */
static int get_timestamp(struct ydoc *y, yaml_node_t *n, struct cfg_input *in, struct diag *d)
{
    char err[300];
    int rc;

    if (n == NULL || strcmp(ydoc_str(n), "auto") == 0)
        return 0;
    if (strcmp(ydoc_str(n), "arrival") == 0)
        return in->arrival_time = 1, 0;
    rc = timestamp_pattern_check(ydoc_str(n), err, sizeof(err));
    if (rc == WW_EPATTERN) {
        ydoc_error(y, n, d, "%s", err);
        return 1;
    }
    if (rc != 0 || (in->ts_pattern = try_strdup(ydoc_str(n))) == NULL)
        return diag_oom(d);
    return 0;
}

/* One text that changes whenever anything of the input does, into in->key.
 * Returns the number of errors added to d (1: out of memory). */
static int input_key(struct cfg_input *in, struct diag *d)
{
    struct buf b;
    int rc = 0;
    const char *const *lists[] = {(const char *const *)in->paths, (const char *const *)in->exclude,
                                  (const char *const *)in->tags, (const char *const *)in->rules};
    size_t counts[] = {in->npaths, in->nexclude, in->ntags, in->nrules};

    /* Past the 1 MiB cap (WW_ELIMIT) the key is only cut: that is fine. */
    buf_init_try(&b, 1 << 20);
    for (size_t l = 0; l < 4 && rc != WW_ENOMEM; l++) {
        for (size_t i = 0; i < counts[l] && rc != WW_ENOMEM; i++)
            rc = buf_printf(&b, "%s\x1f", lists[l][i]);
        rc = rc == WW_ENOMEM ? rc : buf_putc(&b, '\x1e');
    }
    if (rc != WW_ENOMEM)
        rc = buf_printf(&b, "%d %d %zu %llu %llu %d %d %s", in->start_beginning, (int)in->encoding,
                        in->max_line, (unsigned long long)in->idle_flush_ms,
                        (unsigned long long)in->rotate_wait_ms, in->poll_only, in->arrival_time,
                        in->ts_pattern ? in->ts_pattern : "");
    if (rc != WW_ENOMEM)
        in->key = try_strdup(buf_str(&b));
    buf_free(&b);
    return in->key == NULL ? diag_oom(d) : 0;
}

/* Every glob of a path or exclude list (glob_check), each error at its own
 * item. Returns the number of errors. */
static int check_globs(struct ydoc *y, yaml_node_t *node, struct diag *d)
{
    yaml_node_item_t *it = NULL, *end = NULL;
    char err[600];
    int errors = 0;

    if (node != NULL && node->type == YAML_SCALAR_NODE && glob_check(ydoc_str(node), err,
                                                                      sizeof(err)) != 0) {
        ydoc_error(y, node, d, "%s", err);
        return 1;
    }
    if (node != NULL && node->type == YAML_SEQUENCE_NODE)
        it = node->data.sequence.items.start, end = node->data.sequence.items.top;
    for (; it < end; it++) {
        yaml_node_t *s = ydoc_node(y, *it);
        if (s != NULL && s->type == YAML_SCALAR_NODE &&
            glob_check(ydoc_str(s), err, sizeof(err)) != 0) {
            ydoc_error(y, s, d, "%s", err);
            errors++;
        }
    }
    return errors;
}

static int load_input(struct cfg_input *in, struct ydoc *y, yaml_node_t *node, struct diag *d)
{
    static const char *const start[] = {"end", "beginning", NULL};
    static const char *const watch[] = {"auto", "poll", NULL};
    yaml_node_t *f[I_COUNT];
    int errors = ydoc_map(y, node, input_fields, I_COUNT, f, d);
    uint64_t size;

    memset(in, 0, sizeof(*in));
    in->max_line = SCANNER_MAX_LINE_DEFAULT;
    in->idle_flush_ms = 5000;
    in->rotate_wait_ms = 5000;
    errors += ydoc_strlist(y, f[I_PATH], &in->paths, &in->npaths, d);
    errors += ydoc_strlist(y, f[I_EXCLUDE], &in->exclude, &in->nexclude, d);
    errors += check_globs(y, f[I_PATH], d) + check_globs(y, f[I_EXCLUDE], d);
    errors += ydoc_strlist(y, f[I_TAGS], &in->tags, &in->ntags, d);
    errors += ydoc_strlist(y, f[I_RULES], &in->rules, &in->nrules, d);
    if (f[I_PATH] != NULL && in->paths != NULL && in->npaths == 0) {
        ydoc_error(y, f[I_PATH], d, "'path' needs at least one glob");
        errors++;
    }
    errors += get_choice(y, f[I_START], "start_at", start, &in->start_beginning, d);
    errors += get_choice(y, f[I_WATCH], "watch", watch, &in->poll_only, d);
    errors += get_timestamp(y, f[I_TIMESTAMP], in, d);
    errors += config_get_duration(y, f[I_IDLE], "idle_flush", 0, &in->idle_flush_ms, d);
    errors += config_get_duration(y, f[I_ROTATE], "rotate_wait", 0, &in->rotate_wait_ms, d);
    if (f[I_ENCODING] != NULL && decoder_parse(ydoc_str(f[I_ENCODING]), &in->encoding) != 0) {
        ydoc_error(y, f[I_ENCODING], d, "unknown encoding '%s' (auto, utf-8, utf-16le, "
                   "utf-16be, ansi)", ydoc_str(f[I_ENCODING]));
        errors++;
    }
    if (f[I_MAXLINE] != NULL) {
        if (config_parse_size(ydoc_str(f[I_MAXLINE]), &size) != 0 || size < MAX_LINE_MIN ||
            size > MAX_LINE_MAX) {
            ydoc_error(y, f[I_MAXLINE], d, "bad size '%s' for max_line_bytes (1KiB to 256MiB)",
                       ydoc_str(f[I_MAXLINE]));
            errors++;
        } else {
            in->max_line = (size_t)size;
        }
    }
    return errors + input_key(in, d);
}

static int parse_take(struct cfg_output *o, struct ydoc *y, yaml_node_t *n, struct diag *d)
{
    char **take;
    size_t ntake;
    int errors = 0;

    o->take = TAKE_EVENTS | TAKE_ALERTS;
    if (n == NULL)
        return 0;
    o->take = 0;
    if (ydoc_strlist(y, n, &take, &ntake, d) != 0)
        return 1;
    for (size_t i = 0; i < ntake; i++) {
        if (strcmp(take[i], "events") == 0)
            o->take |= TAKE_EVENTS;
        else if (strcmp(take[i], "alerts") == 0)
            o->take |= TAKE_ALERTS;
        else
            ydoc_error(y, n, d, "'take' cannot be '%s' (events, alerts)", take[i]), errors++;
    }
    strv_free(take, ntake);
    return errors;
}

/* The common keys and the kind's own keys are checked in one table, so an
 * unknown key is reported whichever it is. */
static int load_output(struct cfg_output *o, struct ydoc *y, yaml_node_t *node, struct diag *d)
{
    struct yfield fields[OUTPUT_FIELDS_MAX];
    yaml_node_t *f[OUTPUT_FIELDS_MAX], *type = NULL;
    size_t n = O_COUNT;
    int errors;

    memset(o, 0, sizeof(*o));
    memcpy(fields, output_fields, sizeof(output_fields));
    if (node->type == YAML_MAPPING_NODE)
        for (yaml_node_pair_t *p = node->data.mapping.pairs.start;
             p < node->data.mapping.pairs.top; p++)
            if (strcmp(ydoc_str(ydoc_node(y, p->key)), "type") == 0)
                type = ydoc_node(y, p->value);
    o->kind = type ? output_kind_find(ydoc_str(type)) : NULL;
    if (o->kind != NULL && o->kind->nfields > 0 && o->kind->nfields <= OUTPUT_FIELDS_MAX - O_COUNT) {
        memcpy(fields + O_COUNT, o->kind->fields, o->kind->nfields * sizeof(*fields));
        n += o->kind->nfields;
    }
    errors = ydoc_map(y, node, fields, n, f, d);
    o->name = try_strdup(ydoc_str(f[O_NAME]));
    o->type = try_strdup(ydoc_str(f[O_TYPE]));
    if (o->name == NULL || o->type == NULL)
        return errors + diag_oom(d); /* the kind's keys are not looked at */
    if (type != NULL && o->kind == NULL) {
        ydoc_error(y, type, d, "unknown output type '%s' (%s)", o->type, output_kind_names());
        errors++;
    }
    errors += parse_take(o, y, f[O_TAKE], d);
    if (o->kind != NULL && o->kind->parse != NULL)
        errors += o->kind->parse(o, y, node, f + O_COUNT, d);
    return errors;
}

/* *dst = a copy of s, *dst freed only once the copy exists. Returns the
 * number of errors added to d (1: out of memory). */
static int replace_str(char **dst, const char *s, struct diag *d)
{
    char *p = try_strdup(s);

    if (p == NULL)
        return diag_oom(d);
    xfree(*dst);
    *dst = p;
    return 0;
}

static int load_log(struct config *c, struct ydoc *y, yaml_node_t *node, struct diag *d)
{
    static const char *const levels[] = {"error", "warn", "info", "debug", NULL};
    static const char *const targets[] = {"stderr", "file", "system", NULL};
    yaml_node_t *f[L_COUNT];
    int errors = ydoc_map(y, node, log_fields, L_COUNT, f, d), level = (int)c->log_level, target;

    errors += get_choice(y, f[L_LEVEL], "level", levels, &level, d);
    c->log_level = (enum log_level)level;
    if (f[L_TARGET] != NULL && get_choice(y, f[L_TARGET], "target", targets, &target, d) == 0) {
        errors += replace_str(&c->log_target, targets[target], d);
    } else if (f[L_TARGET] != NULL) {
        errors++;
    }
    if (f[L_PATH] != NULL && (c->log_path = try_strdup(ydoc_str(f[L_PATH]))) == NULL)
        return errors + diag_oom(d);
    if (strcmp(c->log_target, "file") == 0 && c->log_path == NULL) {
        ydoc_error(y, node, d, "log target file needs 'path'");
        errors++;
    }
    return errors;
}

static int load_list(struct ydoc *y, yaml_node_t *seq, void **out, size_t *n, size_t size,
                     int (*load)(void *, struct ydoc *, yaml_node_t *, struct diag *),
                     struct diag *d)
{
    size_t count = (size_t)(seq->data.sequence.items.top - seq->data.sequence.items.start);
    int errors = 0;

    *n = 0;
    if ((*out = try_calloc(count + 1, size)) == NULL)
        return diag_oom(d);
    for (yaml_node_item_t *it = seq->data.sequence.items.start; it < seq->data.sequence.items.top;
         it++)
        errors += load((char *)*out + size * (*n)++, y, ydoc_node(y, *it), d);
    return errors;
}

static int load_input_cb(void *p, struct ydoc *y, yaml_node_t *n, struct diag *d)
{
    return load_input(p, y, n, d);
}

static int load_output_cb(void *p, struct ydoc *y, yaml_node_t *n, struct diag *d)
{
    return load_output(p, y, n, d);
}

static int check_output_names(struct config *c, struct ydoc *y, yaml_node_t *seq, struct diag *d)
{
    int errors = 0;

    for (size_t i = 0; i < c->noutputs; i++) {
        for (size_t j = 0; j < i && c->outputs[i].name != NULL; j++) {
            if (c->outputs[j].name != NULL && strcmp(c->outputs[i].name, c->outputs[j].name) == 0) {
                ydoc_error(y, ydoc_node(y, seq->data.sequence.items.start[i]), d,
                           "output name '%s' is used twice", c->outputs[i].name);
                errors++;
            }
        }
    }
    return errors;
}

static int load_top(struct config *c, struct ydoc *y, yaml_node_t *root, struct diag *d)
{
    yaml_node_t *f[C_COUNT];
    int errors = ydoc_map(y, root, top_fields, C_COUNT, f, d);

    if (f[C_STATE_DIR] != NULL)
        errors += replace_str(&c->state_dir, ydoc_str(f[C_STATE_DIR]), d);
    errors += ydoc_strlist(y, f[C_RULES], &c->rules, &c->nrules, d);
    errors += config_get_duration(y, f[C_COMMIT], "commit_interval", 10, &c->commit_ms, d);
    errors += config_get_duration(y, f[C_POLL], "poll_interval", 10, &c->poll_ms, d);
    if (f[C_LOG] != NULL)
        errors += load_log(c, y, f[C_LOG], d);
    if (f[C_INPUTS] != NULL)
        errors += load_list(y, f[C_INPUTS], (void **)&c->inputs, &c->ninputs,
                            sizeof(struct cfg_input), load_input_cb, d);
    if (f[C_OUTPUTS] != NULL) {
        errors += load_list(y, f[C_OUTPUTS], (void **)&c->outputs, &c->noutputs,
                            sizeof(struct cfg_output), load_output_cb, d);
        errors += check_output_names(c, y, f[C_OUTPUTS], d);
    }
    if (f[C_ALERTS] != NULL)
        errors += alert_set_add_yaml(c->alerts, y, f[C_ALERTS], d);
    return errors;
}

int config_load(struct config *c, const char *path, struct diag *d)
{
    struct ww_err err = {0};
    struct ydoc y;
    char *data;
    size_t len;
    int errors = 0;

    if (try_default(c) != 0 || (c->file = try_strdup(path)) == NULL)
        return diag_oom(d);
    if (fs_read_all(path, 16u << 20, &data, &len, &err) != 0) {
        if (err.code == WW_ENOMEM)
            return diag_oom(d);
        diag_add(d, DIAG_ERROR, NULL, 0, 0, "%s", err.msg);
        return 1;
    }
    if (ydoc_load(&y, path, data, len, d) != 0) {
        errors = 1;
    } else if (ydoc_root(&y) != NULL) {
        errors = load_top(c, &y, ydoc_root(&y), d);
    }
    ydoc_free(&y);
    xfree(data);
    return errors;
}
