/*
 * Hashed 4-gram prefilter. See prefilter.h.
 */
#include "prefilter.h"

#include <string.h>

#include "util/alloc.h"

#define NONE UINT32_MAX

static inline uint32_t gram_hash(uint32_t w)
{
    /* |0x20 folds ASCII letters; it also merges a few other byte pairs, which
     * only costs a comparison that fails. */
    return ((w | 0x20202020u) * 2654435761u) >> 16;
}

static inline uint32_t load32(const char *p)
{
    uint32_t w;

    memcpy(&w, p, 4);
    return w;
}

static inline int fold(int c)
{
    return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

void prefilter_init(struct prefilter *pf)
{
    memset(pf, 0, sizeof(*pf));
    pf->heads = xmalloc(65536 * sizeof(uint32_t));
    memset(pf->heads, 0xFF, 65536 * sizeof(uint32_t));
}

void prefilter_free(struct prefilter *pf)
{
    for (size_t i = 0; i < pf->n; i++)
        xfree(pf->lits[i].s);
    xfree(pf->lits);
    xfree(pf->heads);
    memset(pf, 0, sizeof(*pf));
}

void prefilter_add(struct prefilter *pf, const char *s, size_t len, uint32_t tag)
{
    struct pf_lit *l;
    uint32_t h;

    if (len < PREFILTER_MIN)
        return;
    pf->lits = xgrow(pf->lits, &pf->cap, pf->n, sizeof(*pf->lits), 64);
    l = &pf->lits[pf->n];
    l->s = xstrndup(s, len);
    for (size_t i = 0; i < len; i++)
        l->s[i] = (char)fold((unsigned char)l->s[i]);
    l->len = len;
    l->tag = tag;
    h = gram_hash(load32(l->s));
    l->next = pf->heads[h];
    pf->heads[h] = (uint32_t)pf->n;
    pf->bits[h >> 6] |= 1ull << (h & 63);
    pf->n++;
}

static int lit_eq(const struct pf_lit *l, const unsigned char *p)
{
    for (size_t i = 0; i < l->len; i++)
        if (fold(p[i]) != (unsigned char)l->s[i])
            return 0;
    return 1;
}

int prefilter_next(const struct prefilter *pf, const char *p, size_t n, size_t *pos,
                   size_t *lit)
{
    size_t i = *pos;

    if (n < PREFILTER_MIN)
        return 0;
    for (; i + PREFILTER_MIN <= n; i++) {
        uint32_t h = gram_hash(load32(p + i));

        if (!(pf->bits[h >> 6] & (1ull << (h & 63))))
            continue;
        for (uint32_t k = pf->heads[h]; k != NONE; k = pf->lits[k].next) {
            const struct pf_lit *l = &pf->lits[k];
            if (l->len <= n - i && lit_eq(l, (const unsigned char *)p + i)) {
                *pos = i;
                *lit = k;
                return 1;
            }
        }
    }
    return 0;
}

void prefilter_each(const struct prefilter *pf, const char *p, size_t n,
                    void (*cb)(void *ctx, size_t pos, const struct pf_lit *lit), void *ctx)
{
    for (size_t i = 0; i + PREFILTER_MIN <= n; i++) {
        uint32_t h = gram_hash(load32(p + i));

        if (!(pf->bits[h >> 6] & (1ull << (h & 63))))
            continue;
        for (uint32_t k = pf->heads[h]; k != NONE; k = pf->lits[k].next) {
            const struct pf_lit *l = &pf->lits[k];
            if (l->len <= n - i && lit_eq(l, (const unsigned char *)p + i))
                cb(ctx, i, l);
        }
    }
}
