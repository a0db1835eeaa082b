/*
 * Loading and compiling extraction rules. See rules.h.
 */
#include "rules.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "pcre2.h"
#include "util/alloc.h"

#define LITERAL_MIN 4

enum { R_ID, R_DESCRIPTION, R_LITERALS, R_PATTERN, R_MESSAGES, R_CODE, R_EXAMPLES, R_COUNT };

static const struct yfield rule_fields[R_COUNT] = {
    [R_ID] = {"id", Y_STR, 1, "the rule's unique name", NULL, NULL},
    [R_DESCRIPTION] = {"description", Y_STR, 0, "what the rule recognises", NULL, NULL},
    [R_LITERALS] = {"literals", Y_STRLIST, 0, "strings one of which a line must hold", NULL, NULL},
    [R_PATTERN] = {"pattern", Y_STR, 0, "the PCRE2 pattern", NULL, NULL},
    [R_MESSAGES] = {"messages", Y_BOOL, 0, "match the table's message texts", "false", NULL},
    [R_CODE] = {"code", Y_STR, 0, "the code a match stands for", NULL, NULL},
    [R_EXAMPLES] = {"examples", Y_MAP, 0, "lines that must and must not match", NULL, NULL},
};

enum { E_MATCH, E_NOMATCH, E_COUNT };
static const struct yfield example_fields[E_COUNT] = {
    [E_MATCH] = {"match", Y_SEQ, 0, "lines the rule must match, with their codes", NULL, NULL},
    [E_NOMATCH] = {"nomatch", Y_SEQ, 0, "lines the rule must not match", NULL, NULL},
};

enum { X_LINE, X_CODES, X_COUNT };
static const struct yfield match_fields[X_COUNT] = {
    [X_LINE] = {"line", Y_STR, 1, "the sample line", NULL, NULL},
    [X_CODES] = {"codes", Y_SEQ, 1, "the codes it must give", NULL, NULL},
};

const struct yfield *rules_fields(const char *which, size_t *n)
{
    if (strcmp(which, "rule") == 0)
        return *n = R_COUNT, rule_fields;
    if (strcmp(which, "examples") == 0)
        return *n = E_COUNT, example_fields;
    if (strcmp(which, "match") == 0)
        return *n = X_COUNT, match_fields;
    return *n = 0, NULL;
}

void ruleset_init(struct ruleset *rs)
{
    memset(rs, 0, sizeof(*rs));
}

static void rule_free(struct rule *r)
{
    xfree(r->id), xfree(r->description), xfree(r->pattern), xfree(r->code_text);
    xfree(r->file);
    for (size_t i = 0; i < r->nliterals; i++)
        xfree(r->literals[i]);
    xfree(r->literals);
    for (size_t i = 0; i < r->ngroups; i++)
        xfree(r->groups[i].name);
    xfree(r->groups);
    for (size_t i = 0; i < r->nexamples; i++)
        xfree(r->examples[i].line), xfree(r->examples[i].codes);
    xfree(r->examples);
    pcre2_code_free(r->re);
    memset(r, 0, sizeof(*r));
}

void ruleset_free(struct ruleset *rs)
{
    for (size_t i = 0; i < rs->n; i++)
        rule_free(&rs->v[i]);
    xfree(rs->v);
    memset(rs, 0, sizeof(*rs));
}

const struct rule *ruleset_find(const struct ruleset *rs, const char *id)
{
    for (size_t i = 0; i < rs->n; i++)
        if (strcmp(rs->v[i].id, id) == 0)
            return &rs->v[i];
    return NULL;
}

/* Returns 0, or the number of errors added to d (1: out of memory), with the
 * examples as they were. */
static int add_example(struct rule *r, yaml_node_t *at, const char *line, int match, struct diag *d)
{
    struct rule_example *e;
    char *copy;

    if ((e = try_reallocarray(r->examples, r->nexamples + 1, sizeof(*e))) == NULL)
        return diag_oom(d);
    r->examples = e;
    if ((copy = try_strdup(line)) == NULL)
        return diag_oom(d);
    e = &r->examples[r->nexamples++];
    memset(e, 0, sizeof(*e));
    e->line = copy;
    e->match = match;
    e->line_no = (int)at->start_mark.line + 1;
    e->col = (int)at->start_mark.column + 1;
    return 0;
}

static int load_match_example(struct rule *r, struct ydoc *y, yaml_node_t *item, struct diag *d)
{
    yaml_node_t *f[X_COUNT];
    int errors = ydoc_map(y, item, match_fields, X_COUNT, f, d);
    struct rule_example *e;

    if (f[X_LINE] == NULL || f[X_CODES] == NULL)
        return errors;
    if (add_example(r, item, ydoc_str(f[X_LINE]), 1, d) != 0)
        return errors + 1;
    e = &r->examples[r->nexamples - 1];
    for (yaml_node_item_t *it = f[X_CODES]->data.sequence.items.start;
         it < f[X_CODES]->data.sequence.items.top; it++) {
        yaml_node_t *c = ydoc_node(y, *it);
        long v, *codes;
        if (ydoc_long(c, &v) != 0) {
            ydoc_error(y, c, d, "rule '%s': example codes must be numbers", r->id);
            errors++;
            continue;
        }
        if ((codes = try_reallocarray(e->codes, e->ncodes + 1, sizeof(long))) == NULL)
            return errors + diag_oom(d);
        e->codes = codes;
        e->codes[e->ncodes++] = v;
    }
    return errors;
}

static int load_examples(struct rule *r, struct ydoc *y, yaml_node_t *node, struct diag *d)
{
    yaml_node_t *f[E_COUNT];
    int errors = ydoc_map(y, node, example_fields, E_COUNT, f, d);

    for (int k = 0; k < E_COUNT; k++) {
        if (f[k] == NULL)
            continue;
        for (yaml_node_item_t *it = f[k]->data.sequence.items.start;
             it < f[k]->data.sequence.items.top; it++) {
            yaml_node_t *item = ydoc_node(y, *it);
            if (k == E_MATCH) {
                errors += load_match_example(r, y, item, d);
            } else if (item->type == YAML_SCALAR_NODE) {
                errors += add_example(r, item, ydoc_str(item), 0, d);
            } else {
                ydoc_error(y, item, d, "rule '%s': a nomatch example must be a string", r->id);
                errors++;
            }
        }
    }
    return errors;
}

static int check_literals(struct rule *r, struct ydoc *y, yaml_node_t *at, struct diag *d)
{
    int errors = 0;

    for (size_t i = 0; i < r->nliterals; i++) {
        if (strlen(r->literals[i]) < LITERAL_MIN) {
            ydoc_error(y, at, d, "rule '%s': literal '%s' is shorter than %d bytes", r->id,
                       r->literals[i], LITERAL_MIN);
            errors++;
        }
    }
    return errors;
}

/* *dst = a copy of the node's text, or of dflt when the node is NULL (NULL:
 * none). Returns 0 or WW_ENOMEM. */
static int copy_str(char **dst, yaml_node_t *node, const char *dflt)
{
    const char *s = node != NULL ? ydoc_str(node) : dflt;

    *dst = NULL;
    if (s != NULL && (*dst = try_strdup(s)) == NULL)
        return WW_ENOMEM;
    return 0;
}

static int load_rule(struct rule *r, struct ydoc *y, yaml_node_t *item, struct diag *d)
{
    yaml_node_t *f[R_COUNT];
    int errors = ydoc_map(y, item, rule_fields, R_COUNT, f, d);

    memset(r, 0, sizeof(*r));
    r->line = (int)item->start_mark.line + 1;
    r->col = (int)item->start_mark.column + 1;
    if (f[R_PATTERN]) {
        r->pattern_line = (int)f[R_PATTERN]->start_mark.line + 1;
        r->pattern_col = (int)f[R_PATTERN]->start_mark.column + 1;
    }
    if (copy_str(&r->id, f[R_ID], "?") || copy_str(&r->file, NULL, y->name) ||
        copy_str(&r->description, f[R_DESCRIPTION], NULL) ||
        copy_str(&r->pattern, f[R_PATTERN], NULL) || copy_str(&r->code_text, f[R_CODE], NULL))
        return errors + diag_oom(d); /* the rest needs r->id */
    r->messages = strcmp(rule_fields[R_MESSAGES].def, "true") == 0;
    if (f[R_MESSAGES] && ydoc_bool(f[R_MESSAGES], &r->messages) != 0)
        errors++;
    if (ydoc_strlist(y, f[R_LITERALS], &r->literals, &r->nliterals, d) != 0)
        return errors + 1;
    errors += check_literals(r, y, f[R_LITERALS], d);
    if (r->messages && (r->pattern || r->nliterals)) {
        ydoc_error(y, item, d, "rule '%s': 'messages: true' takes no pattern or literals", r->id);
        errors++;
    } else if (!r->messages && r->pattern == NULL && f[R_ID] != NULL) {
        ydoc_error(y, item, d, "rule '%s': missing key 'pattern'", r->id);
        errors++;
    }
    if (f[R_EXAMPLES])
        errors += load_examples(r, y, f[R_EXAMPLES], d);
    return errors;
}

/* Takes r into rs. Returns 0, or WW_ENOMEM with rs as it was and r still
 * the caller's. */
static int put_rule(struct ruleset *rs, struct rule *r)
{
    struct rule *v;

    for (size_t i = 0; i < rs->n; i++) {
        if (strcmp(rs->v[i].id, r->id) == 0) {
            rule_free(&rs->v[i]);
            rs->v[i] = *r;
            return 0;
        }
    }
    if ((v = try_grow(rs->v, &rs->cap, rs->n, sizeof(*v), 32)) == NULL)
        return WW_ENOMEM;
    rs->v = v;
    rs->v[rs->n++] = *r;
    return 0;
}

int ruleset_add_yaml(struct ruleset *rs, struct ydoc *y, yaml_node_t *seq, struct diag *d)
{
    int errors = 0;

    if (seq->type != YAML_SEQUENCE_NODE) {
        ydoc_error(y, seq, d, "'rules' must be a list");
        return 1;
    }
    for (yaml_node_item_t *it = seq->data.sequence.items.start;
         it < seq->data.sequence.items.top && !d->oom; it++) {
        struct rule r;
        int e = load_rule(&r, y, ydoc_node(y, *it), d);
        if (e == 0 && put_rule(rs, &r) != 0)
            e = diag_oom(d);
        if (e > 0) {
            rule_free(&r);
            errors += e;
        }
    }
    return errors;
}

static enum group_kind kind_of(const char *name)
{
    static const struct {
        const char *name;
        enum group_kind kind;
    } kinds[] = {{"code", G_CODE},     {"hex", G_HEX},         {"hresult", G_HRESULT},
                 {"symbol", G_SYMBOL}, {"message", G_MESSAGE}};

    for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
        if (strcmp(name, kinds[i].name) == 0)
            return kinds[i].kind;
    return G_CAPTURE;
}

/* Reads PCRE2's name table into r->groups. Returns 0 or WW_ENOMEM. */
static int map_groups(struct rule *r)
{
    uint32_t count = 0, entry = 0;
    PCRE2_SPTR table;
    int has_code = 0;

    pcre2_pattern_info(r->re, PCRE2_INFO_NAMECOUNT, &count);
    pcre2_pattern_info(r->re, PCRE2_INFO_NAMEENTRYSIZE, &entry);
    pcre2_pattern_info(r->re, PCRE2_INFO_NAMETABLE, &table);
    if ((r->groups = try_calloc(count + 1, sizeof(*r->groups))) == NULL)
        return WW_ENOMEM;
    for (uint32_t i = 0; i < count; i++) {
        const unsigned char *e = table + (size_t)i * entry;
        size_t len = strlen((const char *)e + 2);
        struct rule_group *g = &r->groups[r->ngroups];

        g->number = (e[0] << 8) | e[1];
        while (len > 1 && isdigit(e[2 + len - 1]))
            len--;
        if ((g->name = try_strndup((const char *)e + 2, len)) == NULL)
            return WW_ENOMEM; /* rule_free frees the groups before it */
        r->ngroups++;
        g->kind = kind_of(g->name);
        has_code |= g->kind != G_CAPTURE;
    }
    r->capture_only = !has_code && r->fixed == NULL;
    return 0;
}

/* Compiles r with cc (whose allocator is alloc.h's: a failure there is out
 * of memory). Returns the number of errors added to d. */
static int compile_rule(struct rule *r, const struct table *t, pcre2_compile_context *cc,
                        struct diag *d)
{
    unsigned long failures = alloc_failures();
    PCRE2_SIZE off;
    int err;
    char msg[256];

    if (r->code_text != NULL) {
        char *end;
        long v = strtol(r->code_text, &end, 10);
        r->fixed = *end == '\0' ? table_by_code(t, v)
                                : table_by_symbol(t, r->code_text, strlen(r->code_text));
        if (r->fixed == NULL) {
            diag_add(d, DIAG_ERROR, r->file, r->line, r->col, "rule '%s': unknown code '%s'",
                     r->id, r->code_text);
            return 1;
        }
    }
    if (r->messages)
        return 0;
    r->re = pcre2_compile((PCRE2_SPTR)r->pattern, PCRE2_ZERO_TERMINATED, 0, &err, &off, cc);
    if (r->re == NULL && err == PCRE2_ERROR_HEAP_FAILED)
        return diag_oom(d);
    if (r->re == NULL) {
        pcre2_get_error_message(err, (PCRE2_UCHAR *)msg, sizeof(msg));
        diag_add(d, DIAG_ERROR, r->file, r->pattern_line, r->pattern_col,
                 "rule '%s': pattern error at offset %zu: %s", r->id, (size_t)off, msg);
        return 1;
    }
    /* Without JIT the interpreter runs it; only our allocator failing is an error. */
    if ((pcre2_jit_compile(r->re, PCRE2_JIT_COMPLETE) == PCRE2_ERROR_NOMEMORY &&
         alloc_failures() != failures) ||
        map_groups(r) != 0)
        return diag_oom(d);
    if (r->nliterals == 0)
        diag_add(d, DIAG_WARNING, r->file, r->line, r->col,
                 "rule '%s' has no literals: it runs on every line", r->id);
    return 0;
}

int ruleset_compile(struct ruleset *rs, const struct table *t, struct diag *d)
{
    pcre2_general_context *gc =
        pcre2_general_context_create(alloc_ctx_malloc, alloc_ctx_free, NULL);
    pcre2_compile_context *cc = gc != NULL ? pcre2_compile_context_create(gc) : NULL;
    int errors = 0;
    size_t k = 0;
    struct rule *sorted = NULL;

    if (cc == NULL) {
        errors = diag_oom(d);
        goto out;
    }
    for (size_t i = 0; i < rs->n && !d->oom; i++)
        errors += compile_rule(&rs->v[i], t, cc, d);
    /* Stable partition: capture-only rules last. */
    if ((sorted = try_calloc(rs->n + 1, sizeof(*sorted))) == NULL) {
        errors += diag_oom(d);
        goto out;
    }
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < rs->n; i++)
            if (rs->v[i].capture_only == pass)
                sorted[k++] = rs->v[i];
    xfree(rs->v);
    rs->v = sorted;
    rs->cap = rs->n + 1;
out:
    pcre2_compile_context_free(cc);
    pcre2_general_context_free(gc);
    return errors;
}
