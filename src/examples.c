/*
 * Rule examples as tests. See examples.h.
 */
#include "examples.h"

#include <stdio.h>
#include <string.h>

#include "matcher.h"

static int has_code(const struct match_set *ms, long code)
{
    for (size_t i = 0; i < ms->n; i++)
        if (ms->v[i].code->code == code)
            return 1;
    return 0;
}

static void codes_str(const struct match_set *ms, char *out, size_t size)
{
    size_t used = 0;

    out[0] = '\0';
    for (size_t i = 0; i < ms->n && used < size; i++)
        used += (size_t)snprintf(out + used, size - used, "%s%ld", i ? ", " : "",
                                 ms->v[i].code->code);
}

static int check_one(struct matcher *m, const struct rule *r, const struct rule_example *e,
                     struct diag *d)
{
    struct match_set all, own;
    char got[256];
    size_t n = strlen(e->line);
    int ok = 1;

    m->only = NULL;
    matcher_line(m, e->line, n, &all);
    m->only = r;
    matcher_line(m, e->line, n, &own);
    m->only = NULL;
    codes_str(&all, got, sizeof(got));
    if (!e->match) {
        if (own.n > 0)
            diag_add(d, DIAG_ERROR, r->file, e->line_no, e->col,
                     "rule '%s': nomatch example gives code %ld", r->id, own.v[0].code->code);
        return own.n == 0;
    }
    ok = own.n > 0 && all.n == e->ncodes;
    for (size_t i = 0; ok && i < e->ncodes; i++)
        ok = has_code(&all, e->codes[i]);
    if (!ok)
        diag_add(d, DIAG_ERROR, r->file, e->line_no, e->col,
                 "rule '%s': match example gives [%s]%s", r->id, got,
                 own.n == 0 ? ", none of them from this rule" : "");
    return ok;
}

int examples_check(const struct table *t, const struct ruleset *rs, struct diag *d)
{
    struct matcher m;
    int failed = 0;

    matcher_init(&m, t, rs);
    for (size_t i = 0; i < rs->n; i++)
        for (size_t j = 0; j < rs->v[i].nexamples; j++)
            failed += !check_one(&m, &rs->v[i], &rs->v[i].examples[j], d);
    matcher_free(&m);
    return failed;
}
