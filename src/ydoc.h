/*
 * A loaded YAML document with the helpers every loader needs: key tables that
 * say once which keys a mapping takes and of what type (the loader, the
 * validator and the docs read the same table), and errors that name
 * file:line:column. It knows nothing of what the keys mean.
 */
#ifndef WW_YDOC_H
#define WW_YDOC_H

#include "wsawatch_config.h"

#include <stddef.h>
#include <yaml.h>

#include "util/diag.h"
#include "util/err.h"

enum ytype {
    Y_STR,     /* scalar */
    Y_INT,     /* scalar, decimal integer */
    Y_BOOL,    /* true/false/yes/no */
    Y_STRLIST, /* sequence of scalars, or one scalar */
    Y_SEQ,     /* sequence of anything */
    Y_MAP,     /* mapping */
    Y_ANY,
};

/* One key of a mapping: the one description of it that the loader, the
 * validator and the generated documentation (tools/docgen) all read. */
struct yfield {
    const char *key;
    enum ytype type;
    int required;
    const char *help;            /* one line, for docs and errors */
    const char *def;             /* the default as an operator would write it ("5s",
                                    "64KiB", "end"); the loader parses this text when the
                                    key is absent. NULL: none, or described by help */
    const char *const *values;   /* NULL-terminated valid values of an enum-like key, or
                                    NULL: anything its type allows */
};

struct ydoc {
    yaml_document_t doc;
    char *name; /* owned: file name used in messages */
    int loaded;
    int errors; /* errors ydoc_load added but went on from (a second document) */
};

/* Where a node starts in y->name (1-based; 0:0 when unknown). */
struct ypos {
    int line, col;
};

/* Parses data as one YAML document. Returns 0, WW_ECONFIG with a diag entry
 * naming name:line:col and libyaml's problem (for invalid UTF-8, where the
 * bad byte is), or WW_ENOMEM (diag_oom). On failure y is left empty
 * (ydoc_free on it is harmless). A second document after the first is an
 * error at its start, but the first is kept: y->errors counts it. */
int ydoc_load(struct ydoc *y, const char *name, const char *data, size_t len, struct diag *d)
    WW_MUST_CHECK;
/* The same, for a stream that must hold that one document and nothing after
 * it (offsets.json: JSON text, which ends with its value). */
int ydoc_load_single(struct ydoc *y, const char *name, const char *data, size_t len,
                     struct diag *d) WW_MUST_CHECK;
void ydoc_free(struct ydoc *y);

yaml_node_t *ydoc_root(struct ydoc *y);
yaml_node_t *ydoc_node(struct ydoc *y, int index);

/* Adds an error at node's position. */
void ydoc_error(struct ydoc *y, const yaml_node_t *at, struct diag *d, const char *fmt, ...)
    WW_PRINTF(4, 5);
void ydoc_warning(struct ydoc *y, const yaml_node_t *at, struct diag *d, const char *fmt, ...)
    WW_PRINTF(4, 5);

/* Checks the mapping `map` against fields[0..n): unknown keys, duplicate keys,
 * wrong types and missing required keys are errors. out[i] receives the value
 * node of fields[i] or NULL. Returns the number of errors added. */
int ydoc_map(struct ydoc *y, yaml_node_t *map, const struct yfield *fields, size_t n,
             yaml_node_t **out, struct diag *d);

/* The index in field->values of node's text, into *out; with node NULL, the
 * index of field->def. Returns 0, or 1 (the number of errors added) with an
 * error "'KEY' cannot be 'X' (a, b or c)" at node, *out unchanged. */
int ydoc_choice(struct ydoc *y, yaml_node_t *node, const struct yfield *field, int *out,
                struct diag *d) WW_MUST_CHECK;
/* The index of s in field->values, or -1. */
int yfield_value_index(const struct yfield *field, const char *s);
/* "a, b or c": field->values for messages, into buf. Returns buf. */
const char *yfield_values_text(const struct yfield *field, char *buf, size_t size);

/* The items of a list default written "[a, b]" (field->def; none for NULL):
 * *out is an owned, NULL-terminated array of *n owned copies. Returns 0 or
 * WW_ENOMEM with *out NULL and *n 0. */
int yfield_default_list(const struct yfield *field, char ***out, size_t *n) WW_MUST_CHECK;

/* Scalar text of a node ("" for non-scalars); not owned. */
const char *ydoc_str(const yaml_node_t *node);
size_t ydoc_strlen(const yaml_node_t *node);
int ydoc_bool(const yaml_node_t *node, int *out) WW_MUST_CHECK;
int ydoc_long(const yaml_node_t *node, long *out) WW_MUST_CHECK;

/* Strings of a Y_STRLIST node (none for NULL or another type): *out is an
 * owned, NULL-terminated array of *n owned copies. Returns the number of
 * errors added to d: 0, or 1 for out of memory, with *out NULL and *n 0. */
int ydoc_strlist(struct ydoc *y, yaml_node_t *node, char ***out, size_t *n,
                 struct diag *d) WW_MUST_CHECK;

/* The position of node (0:0 for NULL). */
struct ypos ydoc_pos(const yaml_node_t *node);

/* The positions of the items ydoc_strlist takes from node, in the same
 * order: *at is owned (NULL when there are none). Returns the number of
 * errors added to d: 0, or 1 for out of memory. */
int ydoc_strlist_at(struct ydoc *y, yaml_node_t *node, struct ypos **at,
                    struct diag *d) WW_MUST_CHECK;

#endif
