/*
 * docgen's parts (see docgen.c): the sections of the configuration and the
 * writers of the reference, the man page's keys and the example's comments.
 * Private to src/tools/.
 */
#ifndef WW_DOCGEN_H
#define WW_DOCGEN_H

#include <stddef.h>

#include "util/buf.h"
#include "ydoc.h"

/* One mapping of the configuration and its keys. */
struct section {
    const char *key; /* the top-level key it sits under; "" for the top */
    const char *title;
    const char *intro; /* one paragraph, or NULL */
    const struct yfield *fields;
    size_t n;
    const char *kind; /* an output type (its own keys), or NULL */
    int level;        /* of its heading in the reference: 2 or 3 */
};

/* "string", "integer", ...: how a key's type is written in the docs. */
const char *docgen_type_name(const struct yfield *f);
/* f's help as a sentence: capitalised, ending in a full stop, into buf. */
const char *docgen_sentence(const struct yfield *f, char *buf, size_t size);

/* Each appends to o; returns 0 or a negative code (o full). */
int docgen_markdown(struct buf *o, const struct section *s, size_t n);
int docgen_man(struct buf *o, const struct section *s, size_t n);
/* The example configuration yaml with its per-key comments regenerated. */
int docgen_yaml(struct buf *o, const char *yaml, const struct section *s, size_t n);

#endif
