/*
 * YAML documents and key tables. See ydoc.h.
 */
#include "ydoc.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/alloc.h"
#include "util/log.h"

int ydoc_load(struct ydoc *y, const char *name, const char *data, size_t len, struct diag *d)
{
    yaml_parser_t parser;
    int rc = 0;

    memset(y, 0, sizeof(*y));
    y->name = xstrdup(name);
    if (!yaml_parser_initialize(&parser)) {
        diag_add(d, DIAG_ERROR, name, 0, 0, "cannot initialise the YAML parser");
        return WW_ENOMEM;
    }
    yaml_parser_set_input_string(&parser, (const unsigned char *)data, len);
    if (!yaml_parser_load(&parser, &y->doc)) {
        const yaml_mark_t *m = parser.problem ? &parser.problem_mark : &parser.context_mark;
        diag_add(d, DIAG_ERROR, name, (int)m->line + 1, (int)m->column + 1, "YAML: %s%s%s",
                 parser.problem ? parser.problem : "syntax error",
                 parser.context ? " " : "", parser.context ? parser.context : "");
        rc = WW_ECONFIG;
    } else {
        y->loaded = 1;
    }
    yaml_parser_delete(&parser);
    return rc;
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

size_t ydoc_strlist(struct ydoc *y, yaml_node_t *node, char ***out)
{
    size_t n = 0;

    *out = NULL;
    if (node == NULL)
        return 0;
    if (node->type == YAML_SCALAR_NODE) {
        *out = xmalloc(sizeof(char *));
        (*out)[0] = xstrdup(ydoc_str(node));
        return 1;
    }
    if (node->type != YAML_SEQUENCE_NODE)
        return 0;
    *out = xcalloc((size_t)(node->data.sequence.items.top - node->data.sequence.items.start) + 1,
                   sizeof(char *));
    for (yaml_node_item_t *it = node->data.sequence.items.start; it < node->data.sequence.items.top;
         it++) {
        yaml_node_t *v = ydoc_node(y, *it);
        if (v != NULL && v->type == YAML_SCALAR_NODE)
            (*out)[n++] = xstrdup(ydoc_str(v));
    }
    return n;
}
