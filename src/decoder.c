/*
 * Encodings. See decoder.h.
 */
#include "decoder.h"

#include <stdint.h>
#include <string.h>

#include "platform/platform.h"
#include "util/utf.h"

static const struct {
    const char *name;
    enum encoding e;
} names[] = {{"auto", ENC_AUTO},         {"utf-8", ENC_UTF8}, {"utf8", ENC_UTF8},
             {"utf-16le", ENC_UTF16LE}, {"utf-16be", ENC_UTF16BE}, {"ansi", ENC_ANSI}};

int decoder_parse(const char *name, enum encoding *out)
{
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if (strcmp(names[i].name, name) == 0) {
            *out = names[i].e;
            return 0;
        }
    }
    return WW_EINVAL;
}

const char *decoder_name(enum encoding e)
{
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (names[i].e == e)
            return names[i].name;
    return "?";
}

/* The length of a BOM at p, 0 if none; *e gets its encoding. */
static size_t bom_of(const unsigned char *p, size_t n, enum encoding *e)
{
    if (n >= 3 && p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF)
        return *e = ENC_UTF8, 3;
    if (n >= 2 && p[0] == 0xFF && p[1] == 0xFE)
        return *e = ENC_UTF16LE, 2;
    if (n >= 2 && p[0] == 0xFE && p[1] == 0xFF)
        return *e = ENC_UTF16BE, 2;
    return 0;
}

int decoder_sniff_ready(const char *s, size_t n)
{
    enum encoding e;
    const char *cr = n > 1 ? memchr(s, '\r', n - 1) : NULL;

    /* a whole first line is enough too (ended by an LF, or a CR with what
     * follows it): its NULs, or their absence, tell */
    return n >= DECODER_SNIFF_MIN || bom_of((const unsigned char *)s, n, &e) > 0 ||
           cr != NULL || (n > 0 && memchr(s, '\n', n) != NULL);
}

enum encoding decoder_sniff(const char *s, size_t n, size_t *bom)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t w = n < DECODER_SNIFF_WINDOW ? n : DECODER_SNIFF_WINDOW, pairs = w / 2;
    size_t even = 0, odd = 0;
    enum encoding e;

    if ((*bom = bom_of(p, n, &e)) > 0)
        return e;
    /* No BOM: text in UTF-16 has a NUL in every other byte (of the window,
     * not of the whole read: a long first read is no different). */
    for (size_t i = 0; i + 1 < w; i += 2) {
        even += p[i] == 0;
        odd += p[i + 1] == 0;
    }
    if (pairs >= 2 && odd * 10 >= pairs * 8 && even * 10 < pairs)
        return ENC_UTF16LE;
    if (pairs >= 2 && even * 10 >= pairs * 8 && odd * 10 < pairs)
        return ENC_UTF16BE;
    return ENC_UTF8;
}

size_t decoder_unit(enum encoding e)
{
    return e == ENC_UTF16LE || e == ENC_UTF16BE ? 2 : 1;
}

size_t decoder_find_nl(enum encoding e, const char *p, size_t n, size_t pos)
{
    const char *q;

    if (decoder_unit(e) == 1) {
        q = pos < n ? memchr(p + pos, '\n', n - pos) : NULL;
        return q ? (size_t)(q - p) : n;
    }
    for (size_t i = pos; i + 1 < n; i += 2) {
        if ((e == ENC_UTF16LE && p[i] == '\n' && p[i + 1] == 0) ||
            (e == ENC_UTF16BE && p[i] == 0 && p[i + 1] == '\n'))
            return i;
    }
    return n;
}

static int put_cp(struct buf *out, uint32_t cp)
{
    char tmp[4];

    return buf_append(out, tmp, utf8_encode(cp, tmp));
}

static int utf16_line(int be, const unsigned char *p, size_t n, struct buf *out)
{
    int rc = 0;

    for (size_t i = 0; rc == 0 && i + 1 < n; i += 2) {
        uint32_t u = be ? (uint32_t)(p[i] << 8 | p[i + 1]) : (uint32_t)(p[i + 1] << 8 | p[i]);

        if (u >= 0xD800 && u <= 0xDBFF && i + 3 < n) {
            uint32_t l = be ? (uint32_t)(p[i + 2] << 8 | p[i + 3])
                            : (uint32_t)(p[i + 3] << 8 | p[i + 2]);
            if (l >= 0xDC00 && l <= 0xDFFF) {
                u = 0x10000 + ((u - 0xD800) << 10) + (l - 0xDC00);
                i += 2;
            }
        }
        rc = put_cp(out, u >= 0xD800 && u <= 0xDFFF ? UTF_REPLACEMENT : u);
    }
    if (rc == 0 && (n & 1))
        rc = put_cp(out, UTF_REPLACEMENT);
    return rc;
}

int decoder_line(enum encoding e, const char *s, size_t n, struct buf *out)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t start = out->len;
    int rc = 0;

    switch (e) {
    case ENC_UTF16LE:
    case ENC_UTF16BE: rc = utf16_line(e == ENC_UTF16BE, p, n, out); break;
    case ENC_ANSI: rc = platform_ansi_to_utf8(s, n, out); break; /* the system's code page */
    default: rc = buf_append(out, s, n); break;
    }
    if (rc == 0 && out->len > start && out->p[out->len - 1] == '\r')
        out->p[--out->len] = '\0';
    return rc;
}
