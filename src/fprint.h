/*
 * A content fingerprint: a 64-bit FNV-1a hash of the bytes [at - len, at) of
 * a file. A follower keeps two: its file's first bytes (at == len) and the
 * bytes just before where it has read to, and the offsets store keeps them
 * across restarts (docs/rotation.md). Two files whose fingerprints differ at
 * the same place hold different content there; equal fingerprints are taken
 * for equal content. It knows nothing of files: the caller reads the bytes.
 */
#ifndef WW_FPRINT_H
#define WW_FPRINT_H

#include <stddef.h>
#include <stdint.h>

#define FPRINT_HEAD 1024u /* bytes of a file's start (Filebeat's fingerprint length) */
#define FPRINT_TAIL 256u  /* bytes before the read offset */
#define FPRINT_SEED 0xcbf29ce484222325ull

struct fprint {
    uint64_t at;   /* end of the bytes hashed (their start is at - len) */
    uint32_t len;  /* 0: none */
    uint64_t hash; /* of those bytes, from FPRINT_SEED */
};

/* Extends hash h over n more bytes. */
static inline uint64_t fprint_hash(uint64_t h, const void *p, size_t n)
{
    const unsigned char *b = p;

    for (size_t i = 0; i < n; i++)
        h = (h ^ b[i]) * 0x100000001b3ull;
    return h;
}

static inline int fprint_eq(const struct fprint *a, const struct fprint *b)
{
    return a->at == b->at && a->len == b->len && a->hash == b->hash;
}

#endif
