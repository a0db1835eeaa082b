/*
 * YAML documents and key tables. See ydoc.h.
 */
#include "ydoc.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/alloc.h"
#include "util/log.h"

/* Nodes a document may expand to through aliases. Without aliases that is
 * its node count; a few anchors referring to each other can multiply it (a
 * 10 KB file expanding to millions of strings: "billion laughs"). */
#define YDOC_MAX_EXPANDED 200000
#define YDOC_MAX_DEPTH 256

static size_t add_capped(size_t a, size_t b)
{
    return b > YDOC_MAX_EXPANDED || a + b > YDOC_MAX_EXPANDED ? YDOC_MAX_EXPANDED + 1 : a + b;
}

/* The number of nodes node i stands for once its aliases are expanded,
 * saturating past YDOC_MAX_EXPANDED; size[] memoises (0 not yet, SIZE_MAX
 * while on the path: an alias to an enclosing node counts as too many). */
static size_t expanded(const yaml_document_t *doc, int i, size_t *size, int depth)
{
    const yaml_node_t *n = yaml_document_get_node((yaml_document_t *)doc, i);
    size_t total = 1;

    if (n == NULL)
        return 1;
    if (size[i] != 0 || depth > YDOC_MAX_DEPTH)
        return size[i] != 0 ? size[i] : SIZE_MAX;
    size[i] = SIZE_MAX;
    if (n->type == YAML_SEQUENCE_NODE) {
        for (const yaml_node_item_t *it = n->data.sequence.items.start;
             it < n->data.sequence.items.top && total <= YDOC_MAX_EXPANDED; it++)
            total = add_capped(total, expanded(doc, *it, size, depth + 1));
    } else if (n->type == YAML_MAPPING_NODE) {
        for (const yaml_node_pair_t *p = n->data.mapping.pairs.start;
             p < n->data.mapping.pairs.top && total <= YDOC_MAX_EXPANDED; p++) {
            total = add_capped(total, expanded(doc, p->key, size, depth + 1));
            if (total <= YDOC_MAX_EXPANDED)
                total = add_capped(total, expanded(doc, p->value, size, depth + 1));
        }
    }
    size[i] = total > YDOC_MAX_EXPANDED ? YDOC_MAX_EXPANDED + 1 : total;
    return size[i];
}

/* Returns 0, WW_ECONFIG (a diag entry at the root) when the document expands
 * past the limit or nests too deep, or WW_ENOMEM. */
static int check_expansion(struct ydoc *y, struct diag *d)
{
    size_t n = (size_t)(y->doc.nodes.top - y->doc.nodes.start), *size, total;
    yaml_node_t *root = ydoc_root(y);

    if (root == NULL)
        return 0;
    if ((size = try_calloc(n + 1, sizeof(*size))) == NULL)
        return WW_ENOMEM;
    total = expanded(&y->doc, 1, size, 0);
    xfree(size);
    if (total <= YDOC_MAX_EXPANDED)
        return 0;
    ydoc_error(y, root, d, "the document expands to more than %d nodes through its aliases, "
               "or nests more than %d deep", YDOC_MAX_EXPANDED, YDOC_MAX_DEPTH);
    return WW_ECONFIG;
}

/* Adds libyaml's error. For a reader error (invalid UTF-8, a control
 * character) libyaml gives only the byte offset: its line and column are
 * counted here, so the message points at the bad byte, not at 1:1. */
static void parse_error(const yaml_parser_t *p, const char *name, const char *data, size_t len,
                        struct diag *d)
{
    yaml_mark_t m = p->problem ? p->problem_mark : p->context_mark;
    char value[32] = "";

    if (p->error == YAML_READER_ERROR) {
        m.line = 0, m.column = 0;
        for (size_t i = 0; i < p->problem_offset && i < len; i++) {
            if (data[i] == '\n')
                m.line++, m.column = 0;
            else if (((unsigned char)data[i] & 0xC0) != 0x80)
                m.column++;
        }
        if (p->problem_value >= 0)
            snprintf(value, sizeof(value), " (byte 0x%02X)", (unsigned)p->problem_value & 0xFF);
    }
    diag_add(d, DIAG_ERROR, name, (int)m.line + 1, (int)m.column + 1, "YAML: %s%s%s%s",
             p->problem ? p->problem : "syntax error", value, p->context ? " " : "",
             p->context ? p->context : "");
}

/* After the first document: anything but the end of the stream is an error
 * (libyaml would leave a second document unread without a word). Returns 0
 * (y->errors counts what was added) or WW_ENOMEM. */
static int check_single(struct ydoc *y, yaml_parser_t *p, const char *data, size_t len,
                        struct diag *d)
{
    yaml_document_t next;

    if (!yaml_parser_load(p, &next)) {
        if (p->error == YAML_MEMORY_ERROR)
            return WW_ENOMEM;
        parse_error(p, y->name, data, len, d);
        y->errors++;
        return 0;
    }
    if (yaml_document_get_root_node(&next) != NULL) {
        diag_add(d, DIAG_ERROR, y->name, (int)next.start_mark.line + 1,
                 (int)next.start_mark.column + 1,
                 "a second YAML document starts here: a file holds one document "
                 "(merge them, or remove this '---' and what follows)");
        y->errors++;
    }
    yaml_document_delete(&next);
    return 0;
}

/* single: anything after the document is an error that fails the load (the
 * offsets file), not only one more entry in d (a configuration). */
static int load(struct ydoc *y, const char *name, const char *data, size_t len, int single,
                struct diag *d)
{
    yaml_parser_t parser;
    int rc = 0;

    memset(y, 0, sizeof(*y));
    if ((y->name = try_strdup(name)) == NULL || !yaml_parser_initialize(&parser)) {
        rc = WW_ENOMEM; /* the only reason libyaml gives for failing to initialise */
        goto out;
    }
    yaml_parser_set_input_string(&parser, (const unsigned char *)data, len);
    if (yaml_parser_load(&parser, &y->doc)) {
        y->loaded = 1;
        rc = check_expansion(y, d);
        if (rc == 0)
            rc = check_single(y, &parser, data, len, d);
        if (rc == 0 && single && y->errors > 0)
            rc = WW_ECONFIG;
    } else if (parser.error == YAML_MEMORY_ERROR) {
        rc = WW_ENOMEM;
    } else {
        parse_error(&parser, name, data, len, d);
        rc = WW_ECONFIG;
    }
    yaml_parser_delete(&parser);
out:
    if (rc == WW_ENOMEM)
        diag_oom(d);
    if (rc != 0)
        ydoc_free(y);
    return rc;
}

int ydoc_load(struct ydoc *y, const char *name, const char *data, size_t len, struct diag *d)
{
    return load(y, name, data, len, 0, d);
}

int ydoc_load_single(struct ydoc *y, const char *name, const char *data, size_t len,
                     struct diag *d)
{
    return load(y, name, data, len, 1, d);
}

void ydoc_free(struct ydoc *y)
{
    if (y->loaded)
        yaml_document_delete(&y->doc);
    xfree(y->name);
    memset(y, 0, sizeof(*y));
}

yaml_node_t *ydoc_root(struct ydoc *y)
{
    return y->loaded ? yaml_document_get_root_node(&y->doc) : NULL;
}

yaml_node_t *ydoc_node(struct ydoc *y, int index)
{
    return yaml_document_get_node(&y->doc, index);
}

static void vadd(struct ydoc *y, enum diag_level level, const yaml_node_t *at, struct diag *d,
                 const char *fmt, va_list ap)
{
    char text[900];

    vsnprintf(text, sizeof(text), fmt, ap);
    if (at != NULL)
        diag_add(d, level, y->name, (int)at->start_mark.line + 1,
                 (int)at->start_mark.column + 1, "%s", text);
    else
        diag_add(d, level, y->name, 0, 0, "%s", text);
}

void ydoc_error(struct ydoc *y, const yaml_node_t *at, struct diag *d, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vadd(y, DIAG_ERROR, at, d, fmt, ap);
    va_end(ap);
}

void ydoc_warning(struct ydoc *y, const yaml_node_t *at, struct diag *d, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vadd(y, DIAG_WARNING, at, d, fmt, ap);
    va_end(ap);
}

const char *ydoc_str(const yaml_node_t *node)
{
    if (node == NULL || node->type != YAML_SCALAR_NODE)
        return "";
    return (const char *)node->data.scalar.value;
}

size_t ydoc_strlen(const yaml_node_t *node)
{
    if (node == NULL || node->type != YAML_SCALAR_NODE)
        return 0;
    return node->data.scalar.length;
}

int ydoc_bool(const yaml_node_t *node, int *out)
{
    static const char *yes[] = {"true", "yes", "on"}, *no[] = {"false", "no", "off"};
    const char *s = ydoc_str(node);

    for (size_t i = 0; i < 3; i++) {
        if (strcasecmp(s, yes[i]) == 0)
            return *out = 1, 0;
        if (strcasecmp(s, no[i]) == 0)
            return *out = 0, 0;
    }
    return WW_EINVAL;
}

int ydoc_long(const yaml_node_t *node, long *out)
{
    const char *s = ydoc_str(node);
    char *end;
    long v;

    if (node == NULL || node->type != YAML_SCALAR_NODE || *s == '\0')
        return WW_EINVAL;
    errno = 0;
    v = strtol(s, &end, 10);
    if (errno != 0 || *end != '\0')
        return WW_EINVAL;
    *out = v;
    return 0;
}

static const char *type_name(enum ytype t)
{
    switch (t) {
    case Y_STR: return "a string";
    case Y_INT: return "an integer";
    case Y_BOOL: return "true or false";
    case Y_STRLIST: return "a list of strings";
    case Y_SEQ: return "a list";
    case Y_MAP: return "a mapping";
    case Y_ANY: return "a value";
    }
    return "?";
}

static int type_ok(const yaml_node_t *v, enum ytype t)
{
    int b;
    long l;

    switch (t) {
    case Y_STR: return v->type == YAML_SCALAR_NODE;
    case Y_INT: return ydoc_long(v, &l) == 0;
    case Y_BOOL: return ydoc_bool(v, &b) == 0;
    case Y_STRLIST: return v->type == YAML_SCALAR_NODE || v->type == YAML_SEQUENCE_NODE;
    case Y_SEQ: return v->type == YAML_SEQUENCE_NODE;
    case Y_MAP: return v->type == YAML_MAPPING_NODE;
    case Y_ANY: return 1;
    }
    return 0;
}

int ydoc_map(struct ydoc *y, yaml_node_t *map, const struct yfield *fields, size_t n,
             yaml_node_t **out, struct diag *d)
{
    int errors = 0;

    memset(out, 0, n * sizeof(*out));
    if (map == NULL || map->type != YAML_MAPPING_NODE) {
        ydoc_error(y, map, d, "expected a mapping");
        return 1;
    }
    for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top;
         p++) {
        yaml_node_t *k = ydoc_node(y, p->key), *v = ydoc_node(y, p->value);
        size_t i;

        for (i = 0; i < n && strcmp(fields[i].key, ydoc_str(k)) != 0; i++)
            ;
        if (i == n) {
            ydoc_error(y, k, d, "unknown key '%s'", ydoc_str(k));
            errors++;
        } else if (out[i] != NULL) {
            ydoc_error(y, k, d, "duplicate key '%s'", fields[i].key);
            errors++;
        } else if (!type_ok(v, fields[i].type)) {
            ydoc_error(y, v, d, "'%s' must be %s", fields[i].key, type_name(fields[i].type));
            errors++;
        } else {
            out[i] = v;
        }
    }
    for (size_t i = 0; i < n; i++) {
        if (fields[i].required && out[i] == NULL) {
            ydoc_error(y, map, d, "missing key '%s' (%s)", fields[i].key, fields[i].help);
            errors++;
        }
    }
    return errors;
}

static void strv_free(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        xfree(v[i]);
    xfree(v);
}

int ydoc_strlist(struct ydoc *y, yaml_node_t *node, char ***out, size_t *nout, struct diag *d)
{
    yaml_node_item_t *it = NULL, *end = NULL;
    size_t n = 0;
    char **v;

    *out = NULL;
    *nout = 0;
    if (node == NULL || (node->type != YAML_SCALAR_NODE && node->type != YAML_SEQUENCE_NODE))
        return 0;
    if (node->type == YAML_SEQUENCE_NODE)
        it = node->data.sequence.items.start, end = node->data.sequence.items.top;
    if ((v = try_calloc((size_t)(end - it) + 2, sizeof(char *))) == NULL)
        return diag_oom(d);
    if (node->type == YAML_SCALAR_NODE && (v[n++] = try_strdup(ydoc_str(node))) == NULL)
        goto fail;
    for (; it < end; it++) {
        yaml_node_t *s = ydoc_node(y, *it);
        if (s != NULL && s->type == YAML_SCALAR_NODE && (v[n++] = try_strdup(ydoc_str(s))) == NULL)
            goto fail;
    }
    *out = v;
    *nout = n;
    return 0;
fail:
    strv_free(v, n);
    return diag_oom(d);
}

int yfield_value_index(const struct yfield *field, const char *s)
{
    for (int i = 0; field->values != NULL && field->values[i] != NULL; i++)
        if (strcmp(field->values[i], s) == 0)
            return i;
    return -1;
}

const char *yfield_values_text(const struct yfield *field, char *buf, size_t size)
{
    size_t len = 0;

    buf[0] = '\0';
    for (int i = 0; field->values != NULL && field->values[i] != NULL && len < size; i++) {
        const char *sep = i == 0 ? "" : field->values[i + 1] == NULL ? " or " : ", ";
        int n = snprintf(buf + len, size - len, "%s%s", sep, field->values[i]);
        len += n < 0 ? size : (size_t)n;
    }
    return buf;
}

int ydoc_choice(struct ydoc *y, yaml_node_t *node, const struct yfield *field, int *out,
                struct diag *d)
{
    char values[256];
    int i;

    if (node == NULL && field->def == NULL)
        return 0;
    i = yfield_value_index(field, node != NULL ? ydoc_str(node) : field->def);
    if (i >= 0)
        return *out = i, 0;
    if (node == NULL)
        fatal("default '%s' of '%s' is not one of its values", field->def, field->key);
    ydoc_error(y, node, d, "'%s' cannot be '%s' (%s)", field->key, ydoc_str(node),
               yfield_values_text(field, values, sizeof(values)));
    return 1;
}

int yfield_default_list(const struct yfield *field, char ***out, size_t *nout)
{
    const char *p = field->def != NULL ? field->def : "";
    size_t n = 0, len;
    char **v = try_calloc(strlen(p) / 2 + 2, sizeof(char *));

    *out = NULL, *nout = 0;
    if (v == NULL)
        return WW_ENOMEM;
    for (p += strspn(p, "[], "); *p != '\0'; p += len, p += strspn(p, "[], ")) {
        len = strcspn(p, "[], ");
        if ((v[n] = try_strndup(p, len)) == NULL) {
            strv_free(v, n);
            return WW_ENOMEM;
        }
        n++;
    }
    *out = v, *nout = n;
    return 0;
}

struct ypos ydoc_pos(const yaml_node_t *node)
{
    struct ypos p = {0, 0};

    if (node != NULL)
        p.line = (int)node->start_mark.line + 1, p.col = (int)node->start_mark.column + 1;
    return p;
}

int ydoc_strlist_at(struct ydoc *y, yaml_node_t *node, struct ypos **at, struct diag *d)
{
    size_t n = 0;

    *at = NULL;
    if (node == NULL || (node->type != YAML_SCALAR_NODE && node->type != YAML_SEQUENCE_NODE))
        return 0;
    if (node->type == YAML_SCALAR_NODE) {
        if ((*at = try_calloc(1, sizeof(**at))) == NULL)
            return diag_oom(d);
        (*at)[0] = ydoc_pos(node);
        return 0;
    }
    *at = try_calloc((size_t)(node->data.sequence.items.top - node->data.sequence.items.start) + 1,
                     sizeof(**at));
    if (*at == NULL)
        return diag_oom(d);
    for (yaml_node_item_t *it = node->data.sequence.items.start;
         it < node->data.sequence.items.top; it++) {
        yaml_node_t *s = ydoc_node(y, *it);
        if (s != NULL && s->type == YAML_SCALAR_NODE)
            (*at)[n++] = ydoc_pos(s);
    }
    return 0;
}
