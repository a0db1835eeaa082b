/*
 * Configuration loading. See config.h. Each mapping is described by one key
 * table; ydoc_map checks unknown keys, duplicates and types against it, and
 * the functions below only turn checked values into the structs.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "alerts.h"
#include "glob.h"
#include "outputs/output.h"
#include "platform/platform.h"
#include "scanner.h"
#include "timestamp.h"
#include "util/alloc.h"
#include "util/fsutil.h"
#include "util/buf.h"
#include "util/log.h"
#include "ydoc.h"

#define MAX_LINE_MIN 1024u
#define MAX_LINE_MAX (256u << 20)

/* The key tables: the one description of every key (see struct yfield).
 * tools/docgen writes docs/configuration.md, the man page's CONFIGURATION
 * section and the comments of config/wsawatch.yaml from them. */
static const char *const level_values[] = {"error", "warn", "info", "debug", NULL};
static const char *const target_values[] = {"stderr", "file", "system", NULL};
static const char *const start_values[] = {"end", "beginning", NULL};
static const char *const encoding_values[] = {"auto", "utf-8", "utf-16le", "utf-16be", "ansi",
                                              NULL};
static const char *const watch_values[] = {"auto", "poll", NULL};
static const char *const take_values[] = {"events", "alerts", NULL};

enum { C_STATE_DIR, C_RULES, C_COMMIT, C_POLL, C_LOG, C_INPUTS, C_OUTPUTS, C_ALERTS, C_COUNT };
static const struct yfield top_fields[C_COUNT] = {
    /* state_dir's default differs by platform: platform_default_state_dir()
     * resolves it, and this text only describes it. */
    [C_STATE_DIR] = {"state_dir", Y_STR, 0,
                     "directory of the offsets of followed files, kept across restarts; must be "
                     "writable and absolute",
                     "/var/lib/wsawatch (%ProgramData%\\wsawatch on Windows)", NULL},
    [C_RULES] = {"rules", Y_STRLIST, 0,
                 "rule files or directories added to the built-in rules (a rule with a built-in "
                 "id replaces it); see rules/README.md for the format. A relative path is taken "
                 "from the configuration file's directory; a missing one is a warning",
                 NULL, NULL},
    [C_COMMIT] = {"commit_interval", Y_STR, 0,
                  "how often offsets are committed to state_dir (also at shutdown); after a "
                  "crash, at most the lines of the last interval are read again",
                  "5s", NULL},
    [C_POLL] = {"poll_interval", Y_STR, 0,
                "how often every followed file is checked without a file-system event (rotation, "
                "growth on network shares, missed events), and the globs expanded again",
                "1s", NULL},
    [C_LOG] = {"log", Y_MAP, 0, "the daemon's own messages", NULL, NULL},
    [C_INPUTS] = {"inputs", Y_SEQ, 0, "the files to follow", NULL, NULL},
    [C_OUTPUTS] = {"outputs", Y_SEQ, 0, "where events and alerts go", NULL, NULL},
    [C_ALERTS] = {"alerts", Y_SEQ, 0,
                  "alert rules, added to the shipped ones (rules/alerts/defaults.yaml): the same "
                  "id replaces a shipped rule, enabled: false turns it off",
                  NULL, NULL},
};

enum { L_LEVEL, L_TARGET, L_PATH, L_COUNT };
static const struct yfield log_fields[L_COUNT] = {
    [L_LEVEL] = {"level", Y_STR, 0, "the least important messages written", "info",
                 level_values},
    [L_TARGET] = {"target", Y_STR, 0,
                  "where they go; file needs path; system is the journal or syslog (the Event "
                  "Log on Windows)",
                  "stderr", target_values},
    [L_PATH] = {"path", Y_STR, 0, "the log file, for target: file", NULL, NULL},
};

enum { I_PATH, I_EXCLUDE, I_START, I_ENCODING, I_TAGS, I_MAXLINE, I_IDLE, I_ROTATE, I_WATCH,
       I_RULES, I_TIMESTAMP, I_COUNT };
static const struct yfield input_fields[I_COUNT] = {
    [I_PATH] = {"path", Y_STRLIST, 1, "a glob or a list of globs; ** matches any depth", NULL,
                NULL},
    [I_EXCLUDE] = {"exclude", Y_STRLIST, 0, "globs on the file name or the whole path to leave out",
                   NULL, NULL},
    [I_START] = {"start_at", Y_STR, 0, "where to start in a file with no saved offset", "end",
                 start_values},
    [I_ENCODING] = {"encoding", Y_STR, 0, "how the files are encoded; auto goes by the BOM",
                    "auto", encoding_values},
    [I_TAGS] = {"tags", Y_STRLIST, 0, "tags carried into every event of this input", NULL, NULL},
    [I_MAXLINE] = {"max_line_bytes", Y_STR, 0,
                   "longest line matched whole (1KiB to 256MiB); longer lines are matched in "
                   "their first part",
                   "64KiB", NULL},
    [I_IDLE] = {"idle_flush", Y_STR, 0, "a last line without newline is taken after this", "5s",
                NULL},
    [I_ROTATE] = {"rotate_wait", Y_STR, 0,
                  "a renamed (rotated) file is still read until quiet this long", "5s", NULL},
    [I_WATCH] = {"watch", Y_STR, 0,
                 "how changes are noticed; poll is polling only (for network shares), auto adds "
                 "file-system events",
                 "auto", watch_values},
    [I_RULES] = {"rules", Y_STRLIST, 0, "only these rule ids for this input (default: all)", NULL,
                 NULL},
    [I_TIMESTAMP] = {"timestamp", Y_STR, 0,
                     "what alert windows count by: auto (the lines' own times), arrival, or a "
                     "pattern with named groups year, month, day, hour, minute, second",
                     "auto", NULL},
};

enum { O_NAME, O_TYPE, O_TAKE, O_COUNT };
static const struct yfield output_fields[O_COUNT] = {
    [O_NAME] = {"name", Y_STR, 1, "the output's name; alerts refer to outputs by name", NULL,
                NULL},
    [O_TYPE] = {"type", Y_STR, 1, "the kind of output", NULL, NULL},
    [O_TAKE] = {"take", Y_STRLIST, 0, "what it receives", "[events, alerts]", take_values},
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
    unsigned long long v;

    errno = 0;
    v = strtoull(s, &end, 10);
    if (end == s || *s == '-' || errno == ERANGE)
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
                                        {"M", 1u << 20}, {"GiB", 1u << 30}, {"G", 1u << 30},
                                        {"TiB", (uint64_t)1 << 40}, {"T", (uint64_t)1 << 40}};

    return parse_units(s, units, sizeof(units) / sizeof(units[0]), bytes);
}

uint64_t config_default_duration(const struct yfield *f)
{
    uint64_t v;

    if (f->def == NULL || config_parse_duration(f->def, &v) != 0)
        fatal("the default of '%s' is not a duration", f->key);
    return v;
}

uint64_t config_default_size(const struct yfield *f)
{
    uint64_t v;

    if (f->def == NULL || config_parse_size(f->def, &v) != 0)
        fatal("the default of '%s' is not a size", f->key);
    return v;
}

long config_default_count(const struct yfield *f)
{
    char *end;
    long v = f->def != NULL ? strtol(f->def, &end, 10) : 0;

    if (f->def == NULL || end == f->def || *end != '\0')
        fatal("the default of '%s' is not a number", f->key);
    return v;
}

int config_default_bool(const struct yfield *f)
{
    if (f->def != NULL && strcmp(f->def, "true") == 0)
        return 1;
    if (f->def == NULL || strcmp(f->def, "false") != 0)
        fatal("the default of '%s' is not true or false", f->key);
    return 0;
}

/* The index of the default of an enum-like key in its values. */
static int default_choice(const struct yfield *f)
{
    int i = f->def != NULL ? yfield_value_index(f, f->def) : -1;

    if (i < 0)
        fatal("the default of '%s' is not one of its values", f->key);
    return i;
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
    c->commit_ms = config_default_duration(&top_fields[C_COMMIT]);
    c->poll_ms = config_default_duration(&top_fields[C_POLL]);
    c->log_level = (enum log_level)default_choice(&log_fields[L_LEVEL]);
    c->state_dir = platform_default_state_dir(); /* top_fields[C_STATE_DIR] describes it */
    c->log_target = try_strdup(log_fields[L_TARGET].def);
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
        xfree(in->paths_at), xfree(in->rules_at);
    }
    xfree(c->inputs);
    for (size_t i = 0; i < c->noutputs; i++) {
        struct cfg_output *o = &c->outputs[i];
        if (o->kind != NULL && o->kind->free_cfg != NULL && o->kind_cfg != NULL)
            o->kind->free_cfg(o->kind_cfg);
        xfree(o->name), xfree(o->type), xfree(o->path);
    }
    xfree(c->outputs);
    xfree(c->rules_at);
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

int config_get_retries(struct ydoc *y, yaml_node_t *n, const struct yfield *f, long max,
                       long *out, struct diag *d)
{
    const char *s = n != NULL ? ydoc_str(n) : f->def;
    long v;

    if (s != NULL && strcmp(s, "forever") == 0)
        return *out = -1, 0;
    if (n == NULL)
        return *out = config_default_count(f), 0;
    if (ydoc_long(n, &v) == 0 && v >= 0 && v <= max)
        return *out = v, 0;
    ydoc_error(y, n, d, "'%s' must be forever or a number from 0 to %ld", f->key, max);
    return 1;
}

/* auto, arrival, or a pattern (checked by compiling it here). */
static int get_timestamp(struct ydoc *y, yaml_node_t *n, struct cfg_input *in, struct diag *d)
{
    const char *ts = n != NULL ? ydoc_str(n) : input_fields[I_TIMESTAMP].def;
    char err[300];
    int rc;

    if (strcmp(ts, "auto") == 0)
        return 0;
    if (strcmp(ts, "arrival") == 0)
        return in->arrival_time = 1, 0;
    if (n == NULL)
        fatal("the default of 'timestamp' is neither auto nor arrival");
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
    yaml_node_t *f[I_COUNT];
    int errors = ydoc_map(y, node, input_fields, I_COUNT, f, d);
    uint64_t size;
    char values[128];

    memset(in, 0, sizeof(*in));
    in->max_line = (size_t)config_default_size(&input_fields[I_MAXLINE]);
    in->idle_flush_ms = config_default_duration(&input_fields[I_IDLE]);
    in->rotate_wait_ms = config_default_duration(&input_fields[I_ROTATE]);
    if (decoder_parse(input_fields[I_ENCODING].def, &in->encoding) != 0)
        fatal("the default of 'encoding' is not an encoding");
    errors += ydoc_strlist(y, f[I_PATH], &in->paths, &in->npaths, d);
    errors += ydoc_strlist(y, f[I_EXCLUDE], &in->exclude, &in->nexclude, d);
    errors += check_globs(y, f[I_PATH], d) + check_globs(y, f[I_EXCLUDE], d);
    errors += ydoc_strlist(y, f[I_TAGS], &in->tags, &in->ntags, d);
    errors += ydoc_strlist(y, f[I_RULES], &in->rules, &in->nrules, d);
    errors += ydoc_strlist_at(y, f[I_PATH], &in->paths_at, d);
    errors += ydoc_strlist_at(y, f[I_RULES], &in->rules_at, d);
    if (f[I_PATH] != NULL && in->paths != NULL && in->npaths == 0) {
        ydoc_error(y, f[I_PATH], d, "'path' needs at least one glob");
        errors++;
    }
    errors += ydoc_choice(y, f[I_START], &input_fields[I_START], &in->start_beginning, d);
    errors += ydoc_choice(y, f[I_WATCH], &input_fields[I_WATCH], &in->poll_only, d);
    errors += get_timestamp(y, f[I_TIMESTAMP], in, d);
    errors += config_get_duration(y, f[I_IDLE], "idle_flush", 0, &in->idle_flush_ms, d);
    errors += config_get_duration(y, f[I_ROTATE], "rotate_wait", 0, &in->rotate_wait_ms, d);
    if (f[I_ENCODING] != NULL && decoder_parse(ydoc_str(f[I_ENCODING]), &in->encoding) != 0) {
        ydoc_error(y, f[I_ENCODING], d, "unknown encoding '%s' (%s)", ydoc_str(f[I_ENCODING]),
                   yfield_values_text(&input_fields[I_ENCODING], values, sizeof(values)));
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

/* The TAKE_* bit of a value of take (take_values: events, alerts), or 0. */
static unsigned take_bit(const char *s)
{
    int i = yfield_value_index(&output_fields[O_TAKE], s);

    return i == 0 ? TAKE_EVENTS : i == 1 ? TAKE_ALERTS : 0;
}

/* The TAKE_* bits of the default of take, written "[events, alerts]". */
static unsigned take_default(void)
{
    const char *p = output_fields[O_TAKE].def;
    unsigned bits = 0;
    char word[32];
    size_t n;

    while (*p != '\0') {
        n = strcspn(p += strspn(p, "[], "), "[], ");
        if (n > 0 && n < sizeof(word)) {
            memcpy(word, p, n), word[n] = '\0';
            if (take_bit(word) == 0)
                fatal("the default of 'take' is not a list of its values");
            bits |= take_bit(word);
        }
        p += n;
    }
    return bits;
}

static int parse_take(struct cfg_output *o, struct ydoc *y, yaml_node_t *n, struct diag *d)
{
    char **take;
    size_t ntake;
    int errors = 0;
    char values[64];

    o->take = take_default();
    if (n == NULL)
        return 0;
    o->take = 0;
    if (ydoc_strlist(y, n, &take, &ntake, d) != 0)
        return 1;
    for (size_t i = 0; i < ntake; i++) {
        if (take_bit(take[i]) != 0)
            o->take |= take_bit(take[i]);
        else
            ydoc_error(y, n, d, "'take' cannot be '%s' (%s)", take[i],
                       yfield_values_text(&output_fields[O_TAKE], values, sizeof(values))),
                errors++;
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
             p < node->data.mapping.pairs.top; p++) {
            if (strcmp(ydoc_str(ydoc_node(y, p->key)), "type") == 0)
                type = ydoc_node(y, p->value);
            else if (strcmp(ydoc_str(ydoc_node(y, p->key)), "path") == 0)
                o->path_at = ydoc_pos(ydoc_node(y, p->value));
        }
    o->at = ydoc_pos(node);
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
    yaml_node_t *f[L_COUNT];
    int errors = ydoc_map(y, node, log_fields, L_COUNT, f, d), level = (int)c->log_level, target;

    if (f[L_LEVEL] != NULL)
        errors += ydoc_choice(y, f[L_LEVEL], &log_fields[L_LEVEL], &level, d);
    c->log_level = (enum log_level)level;
    if (f[L_TARGET] != NULL && ydoc_choice(y, f[L_TARGET], &log_fields[L_TARGET], &target, d) == 0) {
        errors += replace_str(&c->log_target, target_values[target], d);
    } else if (f[L_TARGET] != NULL) {
        errors++;
    }
    c->log_path_at = ydoc_pos(f[L_PATH]);
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

/* An output's name is also its spool's directory (state_dir/spool/NAME):
 * letters, digits, '.', '_' and '-', not "." or "..". */
static int good_output_name(const char *s)
{
    if (*s == '\0' || strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
        return 0;
    return strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") ==
           strlen(s);
}

/* Names must differ in more than case: Windows' file names do not. */
static int check_output_names(struct config *c, struct ydoc *y, yaml_node_t *seq, struct diag *d)
{
    int errors = 0;

    for (size_t i = 0; i < c->noutputs; i++) {
        yaml_node_t *at = ydoc_node(y, seq->data.sequence.items.start[i]);

        if (c->outputs[i].name != NULL && !good_output_name(c->outputs[i].name)) {
            ydoc_error(y, at, d, "output name '%s': use letters, digits, '.', '_' and '-' only "
                                 "(it names the output's spool directory)", c->outputs[i].name);
            errors++;
        }
        for (size_t j = 0; j < i && c->outputs[i].name != NULL; j++) {
            if (c->outputs[j].name != NULL &&
                strcasecmp(c->outputs[i].name, c->outputs[j].name) == 0) {
                ydoc_error(y, at, d, "output name '%s' is used twice", c->outputs[i].name);
                errors++;
            }
        }
    }
    return errors;
}

static int is_absolute(const char *p)
{
    return p[0] == '/' || p[0] == '\\' ||
           (((p[0] | 0x20) >= 'a' && (p[0] | 0x20) <= 'z') && p[1] == ':' &&
            (p[2] == '\\' || p[2] == '/'));
}

/* A relative `rules:` path names a file or directory beside the
 * configuration file, wherever the daemon was started from. Returns the
 * number of errors added to d (1: out of memory). */
static int rules_beside(struct config *c, struct diag *d)
{
    size_t dirlen = strlen(c->file);

    while (dirlen > 0 && c->file[dirlen - 1] != '/' && c->file[dirlen - 1] != '\\')
        dirlen--;
    for (size_t i = 0; i < c->nrules && dirlen > 0; i++) {
        char *full;
        if (c->rules[i][0] == '\0' || is_absolute(c->rules[i]))
            continue;
        if ((full = try_asprintf("%.*s%s", (int)dirlen, c->file, c->rules[i])) == NULL)
            return diag_oom(d);
        xfree(c->rules[i]);
        c->rules[i] = full;
    }
    return 0;
}

static int load_top(struct config *c, struct ydoc *y, yaml_node_t *root, struct diag *d)
{
    yaml_node_t *f[C_COUNT];
    int errors = ydoc_map(y, root, top_fields, C_COUNT, f, d);

    if (f[C_STATE_DIR] != NULL)
        errors += replace_str(&c->state_dir, ydoc_str(f[C_STATE_DIR]), d);
    c->state_dir_at = ydoc_pos(f[C_STATE_DIR]);
    errors += ydoc_strlist(y, f[C_RULES], &c->rules, &c->nrules, d);
    errors += ydoc_strlist_at(y, f[C_RULES], &c->rules_at, d);
    errors += rules_beside(c, d);
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
        errors = y.errors + load_top(c, &y, ydoc_root(&y), d);
    }
    ydoc_free(&y);
    xfree(data);
    return errors;
}

const struct yfield *config_fields(const char *which, size_t *n)
{
    static const struct {
        const char *name;
        const struct yfield *fields;
        size_t n;
    } tables[] = {{"top", top_fields, C_COUNT},
                  {"log", log_fields, L_COUNT},
                  {"input", input_fields, I_COUNT},
                  {"output", output_fields, O_COUNT}};

    for (size_t i = 0; i < sizeof(tables) / sizeof(tables[0]); i++)
        if (strcmp(tables[i].name, which) == 0)
            return *n = tables[i].n, tables[i].fields;
    return *n = 0, NULL;
}
