/*
 * Line matching. See matcher.h.
 */
#include "matcher.h"

#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "pcre2.h"
#include "util/alloc.h"

#define MSG_TAG 0x80000000u
#define MSG_LITERAL 16         /* bytes of a message text used as its literal */
#define LIMIT_MATCH 1000000u   /* PCRE2 match limit per pattern and line */
#define LIMIT_DEPTH 10000u
#define LIMIT_HEAP_KIB 20000u
#define MAX_CODE_DIGITS 6

int matcher_init(struct matcher *m, const struct table *t, const struct ruleset *rs)
{
    uint32_t groups = 1;
    int want_msgs = 0;

    memset(m, 0, sizeof(*m));
    m->table = t;
    m->rules = rs;
    prefilter_init(&m->pf);
    m->cand = xcalloc(rs->n + 1, 1);
    m->cand_list = xcalloc(rs->n + 1, sizeof(size_t));
    m->fixed = xcalloc(rs->n + 1, sizeof(size_t));
    m->stats = xcalloc(rs->n + 1, sizeof(*m->stats));
    for (size_t i = 0; i < rs->n; i++) {
        const struct rule *r = &rs->v[i];
        uint32_t c = 0;

        if (r->messages || r->nliterals == 0)
            m->fixed[m->nfixed++] = i;
        want_msgs |= r->messages;
        if (!r->messages && r->nliterals == 0 && !r->capture_only)
            m->always = 1;
        for (size_t j = 0; j < r->nliterals; j++)
            prefilter_add(&m->pf, r->literals[j], strlen(r->literals[j]), (uint32_t)i);
        if (r->re != NULL && pcre2_pattern_info(r->re, PCRE2_INFO_CAPTURECOUNT, &c) == 0 &&
            c + 1 > groups)
            groups = c + 1;
    }
    for (size_t i = 0; want_msgs && i < t->nmsgs; i++) {
        const struct wmsg *w = &t->msgs[i];
        if (w->code->message_alone)
            prefilter_add(&m->pf, w->text, w->len < MSG_LITERAL ? w->len : MSG_LITERAL,
                          MSG_TAG | (uint32_t)i);
    }
    m->md = pcre2_match_data_create(groups, NULL);
    m->mctx = pcre2_match_context_create(NULL);
    m->jstack = pcre2_jit_stack_create(32 * 1024, 1024 * 1024, NULL);
    if (m->md == NULL || m->mctx == NULL || m->jstack == NULL)
        abort(); /* out of memory, as in util/alloc.c */
    pcre2_set_match_limit(m->mctx, LIMIT_MATCH);
    pcre2_set_depth_limit(m->mctx, LIMIT_DEPTH);
    pcre2_set_heap_limit(m->mctx, LIMIT_HEAP_KIB);
    pcre2_jit_stack_assign(m->mctx, NULL, m->jstack);
    return 0;
}

void matcher_free(struct matcher *m)
{
    prefilter_free(&m->pf);
    pcre2_match_data_free(m->md);
    pcre2_match_context_free(m->mctx);
    pcre2_jit_stack_free(m->jstack);
    xfree(m->cand);
    xfree(m->cand_list);
    xfree(m->enabled);
    xfree(m->fixed);
    xfree(m->stats);
    memset(m, 0, sizeof(*m));
}

void matcher_select(struct matcher *m, char *const *ids, size_t n)
{
    xfree(m->enabled);
    m->enabled = xcalloc(m->rules->n + 1, 1);
    for (size_t i = 0; i < m->rules->n; i++)
        for (size_t j = 0; j < n; j++)
            if (strcmp(m->rules->v[i].id, ids[j]) == 0)
                m->enabled[i] = 1;
}

size_t matcher_candidate(const struct matcher *m, const char *p, size_t n)
{
    size_t pos = 0, lit;

    if (m->always)
        return 0;
    return prefilter_next(&m->pf, p, n, &pos, &lit) ? pos : n;
}

static void literal_cb(void *ctx, size_t pos, const struct pf_lit *lit)
{
    struct matcher *m = ctx;

    if (!(lit->tag & MSG_TAG)) {
        if (!m->cand[lit->tag]) {
            m->cand[lit->tag] = 1;
            m->cand_list[m->ncand++] = lit->tag;
        }
    } else if (m->nmsg_hits < MATCH_MSG_HITS) {
        m->msg_hits[m->nmsg_hits].msg = lit->tag & ~MSG_TAG;
        m->msg_hits[m->nmsg_hits].pos = pos;
        m->nmsg_hits++;
    }
}

static struct match *find_code(struct match_set *out, const struct wcode *c)
{
    for (size_t i = 0; i < out->n; i++)
        if (out->v[i].code == c)
            return &out->v[i];
    return NULL;
}

static void add_capture(struct match *mt, const char *name, size_t off, size_t len)
{
    if (len == 0 || mt->ncaps == MATCH_CAPS)
        return;
    for (size_t i = 0; i < mt->ncaps; i++)
        if (strcmp(mt->caps[i].name, name) == 0)
            return; /* the first rule's capture stays */
    mt->caps[mt->ncaps].name = name;
    mt->caps[mt->ncaps].off = off;
    mt->caps[mt->ncaps].len = len;
    mt->ncaps++;
}

/* Adds code c found by rule r, or merges captures into the existing match.
 * Returns the match, or NULL when the set is full. */
static struct match *add_match(struct matcher *m, struct match_set *out, const struct rule *r,
                               const struct wcode *c)
{
    struct match *mt = find_code(out, c);

    if (mt != NULL)
        return mt;
    if (out->n == MATCH_MAX)
        return NULL;
    mt = &out->v[out->n++];
    memset(mt, 0, sizeof(*mt));
    mt->code = c;
    mt->rule = r;
    m->stats[r - m->rules->v].hits++;
    return mt;
}

static const struct wcode *parse_decimal(const struct table *t, const char *s, size_t n)
{
    long v = 0;

    if (n == 0 || n > MAX_CODE_DIGITS)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return NULL;
        v = v * 10 + (s[i] - '0');
    }
    return table_by_code(t, v);
}

static const struct wcode *resolve_group(const struct table *t, enum group_kind k, const char *s,
                                         size_t n)
{
    switch (k) {
    case G_CODE: return parse_decimal(t, s, n);
    case G_HEX:
    case G_HRESULT: return table_by_hex(t, s, n);
    case G_SYMBOL: return table_by_symbol(t, s, n);
    case G_MESSAGE: return table_by_message(t, s, n);
    case G_CAPTURE: break;
    }
    return NULL;
}

/* Handles one PCRE2 match of rule r: resolve every code group, then attach the
 * captures to each code found (capture-only rules: to every match so far). */
static void take_match(struct matcher *m, const struct rule *r, const char *line,
                       struct match_set *out)
{
    PCRE2_SIZE *ov = pcre2_get_ovector_pointer(m->md);
    uint32_t nov = pcre2_get_ovector_count(m->md);
    struct match *found[MATCH_CAPS];
    size_t nfound = 0;

    if (r->fixed != NULL && (found[0] = add_match(m, out, r, r->fixed)) != NULL)
        nfound = 1;
    for (size_t g = 0; g < r->ngroups && nfound < MATCH_CAPS; g++) {
        const struct rule_group *gr = &r->groups[g];
        const struct wcode *c;
        struct match *mt;

        if (gr->kind == G_CAPTURE || (uint32_t)gr->number >= nov ||
            ov[2 * gr->number] == PCRE2_UNSET)
            continue;
        c = resolve_group(m->table, gr->kind, line + ov[2 * gr->number],
                          ov[2 * gr->number + 1] - ov[2 * gr->number]);
        if (c != NULL && (mt = add_match(m, out, r, c)) != NULL)
            found[nfound++] = mt;
    }
    if (r->capture_only) {
        nfound = 0;
        for (size_t i = 0; i < out->n && nfound < MATCH_CAPS; i++)
            found[nfound++] = &out->v[i];
    }
    for (size_t g = 0; g < r->ngroups; g++) {
        const struct rule_group *gr = &r->groups[g];
        if (gr->kind != G_CAPTURE || (uint32_t)gr->number >= nov ||
            ov[2 * gr->number] == PCRE2_UNSET)
            continue;
        for (size_t i = 0; i < nfound; i++)
            add_capture(found[i], gr->name, ov[2 * gr->number],
                        ov[2 * gr->number + 1] - ov[2 * gr->number]);
    }
}

static void run_rule(struct matcher *m, const struct rule *r, const char *line, size_t n,
                     struct match_set *out)
{
    struct rule_stat *st = &m->stats[r - m->rules->v];
    uint64_t t0 = m->timing ? uv_hrtime() : 0;
    PCRE2_SIZE start = 0;

    st->candidates++;
    while (start <= n) {
        int rc = pcre2_match(r->re, (PCRE2_SPTR)line, n, start, 0, m->md, m->mctx);
        PCRE2_SIZE *ov;

        if (rc == PCRE2_ERROR_NOMATCH)
            break;
        if (rc < 0) {
            st->limit_hits++;
            if (out->limit_hits++ == 0)
                out->limit_rule = r;
            break;
        }
        take_match(m, r, line, out);
        ov = pcre2_get_ovector_pointer(m->md);
        start = ov[1] > ov[0] ? ov[1] : ov[0] + 1;
    }
    if (m->timing)
        st->ns += uv_hrtime() - t0;
}

/* Message texts found in the line; where several start at one place (11001's
 * text begins 11032's), the longest match wins. */
static void run_messages(struct matcher *m, const struct rule *r, const char *line, size_t n,
                         struct match_set *out)
{
    size_t len[MATCH_MSG_HITS];

    m->stats[r - m->rules->v].candidates += m->nmsg_hits > 0;
    for (size_t i = 0; i < m->nmsg_hits; i++) {
        const struct wmsg *w = &m->table->msgs[m->msg_hits[i].msg];
        size_t pos = m->msg_hits[i].pos;
        len[i] = table_msg_match(w, line + pos, n - pos);
    }
    for (size_t i = 0; i < m->nmsg_hits; i++) {
        int beaten = len[i] == 0;
        for (size_t j = 0; j < m->nmsg_hits && !beaten; j++)
            beaten = m->msg_hits[j].pos == m->msg_hits[i].pos && len[j] > len[i];
        if (!beaten)
            (void)add_match(m, out, r, m->table->msgs[m->msg_hits[i].msg].code);
    }
}

static void sort_indices(size_t *v, size_t n)
{
    for (size_t i = 1; i < n; i++) {
        size_t x = v[i], j = i;
        for (; j > 0 && v[j - 1] > x; j--)
            v[j] = v[j - 1];
        v[j] = x;
    }
}

static void run_one(struct matcher *m, size_t i, const char *line, size_t n,
                    struct match_set *out)
{
    const struct rule *r = &m->rules->v[i];

    if ((m->only != NULL && r != m->only) || r == m->skip || (m->enabled && !m->enabled[i]))
        return;
    if (r->messages)
        run_messages(m, r, line, n, out);
    else if (!r->capture_only || out->n > 0)
        run_rule(m, r, line, n, out);
}

/* Runs the rules whose literals the line holds and the rules that need none,
 * merged in rule order; the cost does not grow with rules that cannot match. */
size_t matcher_line(struct matcher *m, const char *line, size_t n, struct match_set *out)
{
    size_t a = 0, b = 0;

    out->n = 0;
    out->limit_hits = 0;
    out->limit_rule = NULL;
    m->ncand = 0;
    m->nmsg_hits = 0;
    prefilter_each(&m->pf, line, n, literal_cb, m);
    sort_indices(m->cand_list, m->ncand);
    while (a < m->ncand || b < m->nfixed) {
        if (b == m->nfixed || (a < m->ncand && m->cand_list[a] < m->fixed[b]))
            run_one(m, m->cand_list[a++], line, n, out);
        else
            run_one(m, m->fixed[b++], line, n, out);
    }
    for (size_t i = 0; i < m->ncand; i++)
        m->cand[m->cand_list[i]] = 0;
    return out->n;
}
