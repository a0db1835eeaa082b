/*
 * Extraction rules: named PCRE2 patterns whose named groups say what they
 * captured (code, hex, hresult, symbol, message; anything else is a capture).
 * This module loads them from YAML and compiles them; matcher.c runs them.
 * The format is described in rules/README.md.
 */
#ifndef WW_RULES_H
#define WW_RULES_H

#include <stddef.h>

#include "table.h"
#include "util/diag.h"
#include "ydoc.h"

enum group_kind { G_CODE, G_HEX, G_HRESULT, G_SYMBOL, G_MESSAGE, G_CAPTURE };

struct rule_group {
    char *name;           /* without a trailing digit */
    int number;           /* PCRE2 group number */
    enum group_kind kind;
};

struct rule_example {
    char *line;
    long *codes; /* expected codes (match examples) */
    size_t ncodes;
    int match;   /* 1: should match; 0: should not */
    int line_no; /* where it is written */
    int col;
};

struct rule {
    char *id;
    char *description;
    char *pattern;           /* NULL for the message rule */
    char *code_text;         /* `code:` as written, or NULL */
    const struct wcode *fixed; /* resolved `code:` */
    char **literals;
    size_t nliterals;
    int messages;            /* the table's message matcher */
    int capture_only;        /* no code groups and no fixed code */
    char *file;              /* where it is defined */
    int line, col;
    int pattern_line, pattern_col;
    void *re;                /* pcre2_code *, after ruleset_compile */
    struct rule_group *groups;
    size_t ngroups;
    struct rule_example *examples;
    size_t nexamples;
};

struct ruleset {
    struct rule *v;
    size_t n, cap;
};

/* The key tables of rule files (for tools/docgen): "rule", "examples" (a
 * rule's examples) or "match" (one of examples.match). Returns the table and
 * its length in *n, or NULL. */
const struct yfield *rules_fields(const char *which, size_t *n);
void ruleset_init(struct ruleset *rs);
void ruleset_free(struct ruleset *rs);

/* Adds the rules of a `rules:` sequence; a rule with an existing id replaces
 * it in place. Stops at out of memory (d->oom). Returns the number of errors
 * added to d. */
int ruleset_add_yaml(struct ruleset *rs, struct ydoc *y, yaml_node_t *seq, struct diag *d);

/* Compiles every pattern (JIT where available), maps its named groups,
 * resolves `code:` against the table and puts capture-only rules last.
 * Errors name the rule id and, for PCRE2, the pattern offset. PCRE2
 * allocates through alloc.h (try_malloc), so running out of memory there is
 * an error (d->oom) like any other; compiling stops at it. Returns the
 * number of errors. */
int ruleset_compile(struct ruleset *rs, const struct table *t, struct diag *d);

const struct rule *ruleset_find(const struct ruleset *rs, const char *id);

#endif
