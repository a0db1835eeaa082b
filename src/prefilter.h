/*
 * A multi-literal prefilter: finds where any of a set of literals (ASCII
 * case-insensitive, at least 4 bytes) starts in a buffer, in one pass whose
 * cost per byte does not depend on how many literals there are. Each 4-byte
 * window is hashed into a 64 Kbit bitmap that holds the hashes of every
 * literal's first 4 bytes; only a set bit leads to comparing literals. This is
 * what keeps lines without anything Winsock-like away from PCRE2.
 */
#ifndef WW_PREFILTER_H
#define WW_PREFILTER_H

#include <stddef.h>
#include <stdint.h>

#define PREFILTER_MIN 4

struct pf_lit {
    char *s;       /* folded to lower case; owned */
    size_t len;
    uint32_t tag;  /* caller's: a rule or message index */
    uint32_t next; /* next literal in the same bucket, or UINT32_MAX */
};

struct prefilter {
    uint64_t bits[1024]; /* 65536 bits, one per hash value */
    uint32_t *heads;     /* 65536 bucket heads into lits */
    struct pf_lit *lits;
    size_t n, cap;
};

void prefilter_init(struct prefilter *pf);
void prefilter_free(struct prefilter *pf);

/* Adds a literal (len >= PREFILTER_MIN) with the caller's tag. */
void prefilter_add(struct prefilter *pf, const char *s, size_t len, uint32_t tag);

/* Finds the first literal occurrence at or after *pos in p[0..n). Returns 1
 * and sets *pos to where it starts and *lit to its index in pf->lits; 0 when
 * there is none. Call again with *pos + 1 for the next one. */
int prefilter_next(const struct prefilter *pf, const char *p, size_t n, size_t *pos,
                   size_t *lit);

/* Calls cb for every literal occurrence in p[0..n), in order of position. */
void prefilter_each(const struct prefilter *pf, const char *p, size_t n,
                    void (*cb)(void *ctx, size_t pos, const struct pf_lit *lit), void *ctx);

#endif
