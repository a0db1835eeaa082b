/*
 * Strict JSON checking for the fuzz targets. See jsoncheck.h. A recursive
 * descent over the bytes that stops at the first problem; strings are decoded
 * only where a caller wants their value (keys, for the duplicate check, and
 * jsoncheck_member_str). Plain malloc: this is test code, and it must not
 * lean on the project's own helpers it is checking.
 */
#include "jsoncheck.h"

#include <stdlib.h>
#include <string.h>

#define MAX_DEPTH 64

struct sbuf {
    char *p;
    size_t len, cap;
};

struct jp {
    const unsigned char *p;
    size_t n, i;
    const char *err; /* the first problem */
    size_t at;       /* and where */
    int depth;
};

static void sb_put(struct sbuf *b, const void *s, size_t n)
{
    if (b == NULL)
        return;
    if (b->len + n + 1 > b->cap) {
        b->cap = (b->len + n + 1) * 2;
        b->p = realloc(b->p, b->cap);
        if (b->p == NULL)
            abort();
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

static int fail(struct jp *j, const char *why)
{
    if (j->err == NULL) {
        j->err = why;
        j->at = j->i;
    }
    return -1;
}

size_t jsoncheck_utf8(const unsigned char *p, size_t n, uint32_t *cp)
{
    size_t len;
    uint32_t c, min;

    if (p[0] < 0x80)
        return *cp = p[0], 1;
    if ((p[0] & 0xE0) == 0xC0)
        len = 2, c = p[0] & 0x1Fu, min = 0x80;
    else if ((p[0] & 0xF0) == 0xE0)
        len = 3, c = p[0] & 0x0Fu, min = 0x800;
    else if ((p[0] & 0xF8) == 0xF0)
        len = 4, c = p[0] & 0x07u, min = 0x10000;
    else
        return 0;
    if (n < len)
        return 0;
    for (size_t k = 1; k < len; k++) {
        if ((p[k] & 0xC0) != 0x80)
            return 0;
        c = c << 6 | (p[k] & 0x3Fu);
    }
    if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
        return 0;
    *cp = c;
    return len;
}

const char *jsoncheck_utf8_text(const char *s, size_t n, size_t *at)
{
    const unsigned char *p = (const unsigned char *)s;
    uint32_t cp;

    for (size_t i = 0; i < n;) {
        size_t len = jsoncheck_utf8(p + i, n - i, &cp);
        if (len == 0) {
            *at = i;
            return "invalid UTF-8";
        }
        i += len;
    }
    return NULL;
}

static void put_cp(struct sbuf *b, uint32_t cp)
{
    unsigned char o[4];
    size_t n;

    if (cp < 0x80)
        o[0] = (unsigned char)cp, n = 1;
    else if (cp < 0x800)
        o[0] = (unsigned char)(0xC0 | cp >> 6), o[1] = (unsigned char)(0x80 | (cp & 0x3F)), n = 2;
    else if (cp < 0x10000)
        o[0] = (unsigned char)(0xE0 | cp >> 12), o[1] = (unsigned char)(0x80 | (cp >> 6 & 0x3F)),
        o[2] = (unsigned char)(0x80 | (cp & 0x3F)), n = 3;
    else
        o[0] = (unsigned char)(0xF0 | cp >> 18), o[1] = (unsigned char)(0x80 | (cp >> 12 & 0x3F)),
        o[2] = (unsigned char)(0x80 | (cp >> 6 & 0x3F)), o[3] = (unsigned char)(0x80 | (cp & 0x3F)),
        n = 4;
    sb_put(b, o, n);
}

static int hex4(struct jp *j, uint32_t *u)
{
    *u = 0;
    if (j->n - j->i < 4)
        return fail(j, "short \\u escape");
    for (int k = 0; k < 4; k++, j->i++) {
        unsigned char c = j->p[j->i];
        int v = c >= '0' && c <= '9'   ? c - '0'
                : c >= 'a' && c <= 'f' ? c - 'a' + 10
                : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                       : -1;
        if (v < 0)
            return fail(j, "bad hex digit in \\u escape");
        *u = *u << 4 | (uint32_t)v;
    }
    return 0;
}

/* After a backslash: one escape; its value goes to out. */
static int escape(struct jp *j, struct sbuf *out)
{
    static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
    const char *k;
    uint32_t u, low;

    if (++j->i >= j->n)
        return fail(j, "unterminated escape");
    if (j->p[j->i] != 'u') {
        if (j->p[j->i] == '\0' || (k = strchr(from, j->p[j->i])) == NULL)
            return fail(j, "bad escape");
        sb_put(out, &to[k - from], 1);
        return j->i++, 0;
    }
    j->i++;
    if (hex4(j, &u) != 0)
        return -1;
    if (u >= 0xDC00 && u <= 0xDFFF)
        return fail(j, "lone low surrogate escape");
    if (u >= 0xD800 && u <= 0xDBFF) {
        if (j->n - j->i < 2 || j->p[j->i] != '\\' || j->p[j->i + 1] != 'u')
            return fail(j, "high surrogate escape without its low half");
        j->i += 2;
        if (hex4(j, &low) != 0)
            return -1;
        if (low < 0xDC00 || low > 0xDFFF)
            return fail(j, "high surrogate escape without its low half");
        u = 0x10000 + ((u - 0xD800) << 10) + (low - 0xDC00);
    }
    put_cp(out, u);
    return 0;
}

static int string(struct jp *j, struct sbuf *out)
{
    uint32_t cp;

    if (j->i >= j->n || j->p[j->i] != '"')
        return fail(j, "expected a string");
    for (j->i++;;) {
        unsigned char c = j->i < j->n ? j->p[j->i] : 0;
        size_t len;

        if (j->i >= j->n)
            return fail(j, "unterminated string");
        if (c == '"')
            return j->i++, 0;
        if (c < 0x20 || c == 0x7F)
            return fail(j, "raw control character or DEL in a string");
        if (c == '\\') {
            if (escape(j, out) != 0)
                return -1;
            continue;
        }
        if ((len = jsoncheck_utf8(j->p + j->i, j->n - j->i, &cp)) == 0)
            return fail(j, "invalid UTF-8 in a string");
        if (cp == 0x2028 || cp == 0x2029)
            return fail(j, "raw U+2028 or U+2029 in a string");
        sb_put(out, j->p + j->i, len);
        j->i += len;
    }
}

static void skip_ws(struct jp *j)
{
    while (j->i < j->n &&
           (j->p[j->i] == ' ' || j->p[j->i] == '\t' || j->p[j->i] == '\n' || j->p[j->i] == '\r'))
        j->i++;
}

static int peek(const struct jp *j)
{
    return j->i < j->n ? j->p[j->i] : -1;
}

static int digits(struct jp *j)
{
    size_t start = j->i;

    while (peek(j) >= '0' && peek(j) <= '9')
        j->i++;
    return j->i > start ? 0 : fail(j, "expected a digit");
}

static int number(struct jp *j)
{
    if (peek(j) == '-')
        j->i++;
    if (peek(j) == '0')
        j->i++;
    else if (peek(j) < '1' || peek(j) > '9')
        return fail(j, "expected a value");
    else if (digits(j) != 0)
        return -1;
    if (peek(j) == '.' && (j->i++, digits(j) != 0))
        return -1;
    if (peek(j) == 'e' || peek(j) == 'E') {
        j->i++;
        if (peek(j) == '+' || peek(j) == '-')
            j->i++;
        return digits(j);
    }
    return 0;
}

static int literal(struct jp *j, const char *word)
{
    size_t n = strlen(word);

    if (j->n - j->i < n || memcmp(j->p + j->i, word, n) != 0)
        return fail(j, "expected a value");
    j->i += n;
    return 0;
}

static int value(struct jp *j);

static void keys_free(struct sbuf *keys, size_t n)
{
    for (size_t k = 0; k < n; k++)
        free(keys[k].p);
    free(keys);
}

/* One member's key, checked against those before it. */
static int member_key(struct jp *j, struct sbuf **keys, size_t *n)
{
    struct sbuf key = {NULL, 0, 0};
    size_t at = j->i;

    if (string(j, &key) != 0)
        return free(key.p), -1;
    for (size_t k = 0; k < *n; k++) {
        if ((*keys)[k].len == key.len && (key.len == 0 || !memcmp((*keys)[k].p, key.p, key.len))) {
            free(key.p);
            j->i = at;
            return fail(j, "duplicate key");
        }
    }
    *keys = realloc(*keys, (*n + 1) * sizeof(**keys));
    if (*keys == NULL)
        abort();
    (*keys)[(*n)++] = key;
    return 0;
}

static int object(struct jp *j)
{
    struct sbuf *keys = NULL;
    size_t nkeys = 0;
    int rc = 0;

    j->i++;
    skip_ws(j);
    if (peek(j) == '}')
        return j->i++, 0;
    for (;;) {
        skip_ws(j);
        if ((rc = member_key(j, &keys, &nkeys)) != 0)
            break;
        skip_ws(j);
        if (peek(j) != ':') {
            rc = fail(j, "expected ':'");
            break;
        }
        j->i++;
        if ((rc = value(j)) != 0)
            break;
        skip_ws(j);
        if (peek(j) == '}') {
            j->i++;
            break;
        }
        if (peek(j) != ',') {
            rc = fail(j, "expected ',' or '}'");
            break;
        }
        j->i++;
    }
    keys_free(keys, nkeys);
    return rc;
}

static int array(struct jp *j)
{
    j->i++;
    skip_ws(j);
    if (peek(j) == ']')
        return j->i++, 0;
    for (;;) {
        if (value(j) != 0)
            return -1;
        skip_ws(j);
        if (peek(j) == ']')
            return j->i++, 0;
        if (peek(j) != ',')
            return fail(j, "expected ',' or ']'");
        j->i++;
    }
}

static int value(struct jp *j)
{
    int rc;

    skip_ws(j);
    if (j->depth >= MAX_DEPTH)
        return fail(j, "nested too deep");
    j->depth++;
    switch (peek(j)) {
    case '{':
        rc = object(j);
        break;
    case '[':
        rc = array(j);
        break;
    case '"':
        rc = string(j, NULL);
        break;
    case 't':
        rc = literal(j, "true");
        break;
    case 'f':
        rc = literal(j, "false");
        break;
    case 'n':
        rc = literal(j, "null");
        break;
    default:
        rc = number(j);
        break;
    }
    j->depth--;
    return rc;
}

const char *jsoncheck_object(const char *s, size_t n, size_t *at)
{
    struct jp j = {(const unsigned char *)s, n, 0, NULL, 0, 0};

    skip_ws(&j);
    if (peek(&j) != '{')
        fail(&j, "not an object");
    else if (value(&j) == 0) {
        skip_ws(&j);
        if (j.i != n)
            fail(&j, "text after the object");
    }
    *at = j.at;
    return j.err;
}

int jsoncheck_member_str(const char *s, size_t n, const char *key, char **out, size_t *outlen)
{
    struct jp j = {(const unsigned char *)s, n, 0, NULL, 0, 0};

    skip_ws(&j);
    if (peek(&j) != '{')
        return -1;
    for (j.i++; j.err == NULL && peek(&j) != '}';) {
        struct sbuf k = {NULL, 0, 0}, v = {NULL, 0, 0};
        int hit;

        skip_ws(&j);
        if (string(&j, &k) != 0)
            return free(k.p), -1;
        skip_ws(&j);
        j.i++; /* ':' */
        skip_ws(&j);
        hit = k.p != NULL && strcmp(k.p, key) == 0 && peek(&j) == '"';
        free(k.p);
        if (hit && string(&j, &v) == 0) {
            *out = v.p ? v.p : calloc(1, 1);
            *outlen = v.len;
            return *out != NULL ? 0 : (abort(), -1);
        }
        if (hit || value(&j) != 0)
            return free(v.p), -1;
        skip_ws(&j);
        if (peek(&j) == ',')
            j.i++;
    }
    return -1;
}
