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

static size_t ncaps(const struct match_set *ms)
{
    size_t n = 0;

    for (size_t i = 0; i < ms->n; i++)
        n += ms->v[i].ncaps;
    return n;
}

/* Whether rule r itself contributes to the line: finds a code, or, for a
 * capture rule, adds a capture that the other rules do not. */
static int contributes(struct matcher *m, const struct rule *r, const char *line, size_t n,
                       const struct match_set *all, long *code)
{
    struct match_set other;

    if (r->capture_only) {
        m->skip = r;
        matcher_line(m, line, n, &other);
        m->skip = NULL;
        *code = all->n > 0 ? all->v[0].code->code : 0;
        return ncaps(all) > ncaps(&other);
    }
    m->only = r;
    matcher_line(m, line, n, &other);
    m->only = NULL;
    *code = other.n > 0 ? other.v[0].code->code : 0;
    return other.n > 0;
}

static int check_one(struct matcher *m, const struct rule *r, const struct rule_example *e,
                     struct diag *d)
{
    struct match_set all;
    char got[256];
    size_t n = strlen(e->line);
    long code;
    int own, ok;

    matcher_line(m, e->line, n, &all);
    own = contributes(m, r, e->line, n, &all, &code);
    codes_str(&all, got, sizeof(got));
    if (!e->match) {
        if (own && r->capture_only)
            diag_add(d, DIAG_ERROR, r->file, e->line_no, e->col,
                     "rule '%s': nomatch example gets a capture from it", r->id);
        else if (own)
            diag_add(d, DIAG_ERROR, r->file, e->line_no, e->col,
                     "rule '%s': nomatch example gives code %ld", r->id, code);
        return !own;
    }
    ok = own && all.n == e->ncodes;
    for (size_t i = 0; ok && i < e->ncodes; i++)
        ok = has_code(&all, e->codes[i]);
    if (!ok)
        diag_add(d, DIAG_ERROR, r->file, e->line_no, e->col,
                 "rule '%s': match example gives [%s]%s", r->id, got,
                 own ? "" : r->capture_only ? ", and no capture from this rule"
                          : ", none of them from this rule");
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
