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

struct yfield {
    const char *key;
    enum ytype type;
    int required;
    const char *help; /* one line, for docs and errors */
};

struct ydoc {
    yaml_document_t doc;
    char *name; /* owned: file name used in messages */
    int loaded;
};

/* Parses data as one YAML document. Returns 0, WW_ECONFIG with a diag entry
 * naming name:line:col and libyaml's problem, or WW_ENOMEM (diag_oom). On
 * failure y is left empty (ydoc_free on it is harmless). */
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

#endif
