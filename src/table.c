/*
 * The Winsock code table. See table.h. Lookups by number are a binary search;
 * by symbol or text a linear pass, which only runs on lines that already
 * matched a pattern (about 200 entries).
 */
#include "table.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/alloc.h"

enum {
    F_CODE, F_SYMBOL, F_ALIASES, F_TITLE, F_MESSAGE, F_POSIX, F_DOTNET, F_CATEGORY,
    F_MESSAGE_ALONE, F_HINT, F_LOCALIZED, F_COUNT
};

static const struct yfield code_fields[F_COUNT] = {
    [F_CODE] = {"code", Y_INT, 1, "the decimal code", NULL, NULL},
    [F_SYMBOL] = {"symbol", Y_STR, 0, "the symbol in winerror.h", NULL, NULL},
    [F_ALIASES] = {"aliases", Y_STRLIST, 0, "other spellings of the symbol", NULL, NULL},
    [F_TITLE] = {"title", Y_STR, 0, "the short title", NULL, NULL},
    [F_MESSAGE] = {"message", Y_STR, 0, "the English system message text", NULL, NULL},
    [F_POSIX] = {"posix", Y_STR, 0, "the matching errno name", NULL, NULL},
    [F_DOTNET] = {"dotnet", Y_STR, 0, "the .NET SocketError name", NULL, NULL},
    [F_CATEGORY] = {"category", Y_STR, 0, "connection, timeout, refused, ...", NULL, NULL},
    [F_MESSAGE_ALONE] = {"message_alone", Y_BOOL, 0,
                         "whether the message text alone, with no number, is evidence", "true",
                         NULL},
    [F_HINT] = {"hint", Y_STR, 0, "what to check", NULL, NULL},
    [F_LOCALIZED] = {"localized", Y_MAP, 0, "message texts by language", NULL, NULL},
};

const struct yfield *table_fields(size_t *n)
{
    *n = F_COUNT;
    return code_fields;
}

void table_init(struct table *t)
{
    memset(t, 0, sizeof(*t));
}

static void strv_free(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        xfree(v[i]);
    xfree(v);
}

void table_free(struct table *t)
{
    for (size_t i = 0; i < t->n; i++) {
        struct wcode *c = &t->v[i];
        xfree(c->symbol), xfree(c->title), xfree(c->message), xfree(c->posix);
        xfree(c->dotnet), xfree(c->category), xfree(c->hint);
        strv_free(c->aliases, c->naliases);
        strv_free(c->texts, c->ntexts);
        strv_free(c->text_langs, c->ntexts);
    }
    xfree(t->v);
    xfree(t->msgs);
    memset(t, 0, sizeof(*t));
}

/* The entry of code, added if new; NULL when out of memory (t as it was). */
static struct wcode *find_or_add(struct table *t, long code)
{
    struct wcode *v;

    for (size_t i = 0; i < t->n; i++)
        if (t->v[i].code == code)
            return &t->v[i];
    if ((v = try_grow(t->v, &t->cap, t->n, sizeof(*v), 256)) == NULL)
        return NULL;
    t->v = v;
    memset(&t->v[t->n], 0, sizeof(t->v[0]));
    t->v[t->n].code = code;
    t->v[t->n].message_alone = strcmp(code_fields[F_MESSAGE_ALONE].def, "true") == 0;
    return &t->v[t->n++];
}

/* Replaces *dst with the node's text (none: leaves it). Returns 0, or
 * WW_ENOMEM with *dst as it was. */
static int set_str(char **dst, yaml_node_t *node)
{
    char *s;

    if (node == NULL)
        return 0;
    if ((s = try_strdup(ydoc_str(node))) == NULL)
        return WW_ENOMEM;
    xfree(*dst);
    *dst = s;
    return 0;
}

/* Returns 0, or WW_ENOMEM with the texts as they were (the arrays may have
 * grown: their length is not kept). */
static int add_text(struct wcode *c, const char *lang, const char *text)
{
    char **v, *t = NULL, *l = NULL;

    if ((v = try_reallocarray(c->texts, c->ntexts + 1, sizeof(char *))) == NULL)
        return WW_ENOMEM;
    c->texts = v;
    if ((v = try_reallocarray(c->text_langs, c->ntexts + 1, sizeof(char *))) == NULL)
        return WW_ENOMEM;
    c->text_langs = v;
    if ((t = try_strdup(text)) == NULL || (l = try_strdup(lang)) == NULL) {
        xfree(t);
        return WW_ENOMEM;
    }
    c->texts[c->ntexts] = t;
    c->text_langs[c->ntexts] = l;
    c->ntexts++;
    return 0;
}

static int add_localized(struct wcode *c, struct ydoc *y, yaml_node_t *map, struct diag *d)
{
    int errors = 0;

    for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top;
         p++) {
        yaml_node_t *k = ydoc_node(y, p->key), *v = ydoc_node(y, p->value);
        char **list;
        size_t n;

        if (v->type != YAML_SCALAR_NODE && v->type != YAML_SEQUENCE_NODE) {
            ydoc_error(y, v, d, "localized '%s' must be a string or a list", ydoc_str(k));
            errors++;
            continue;
        }
        if (ydoc_strlist(y, v, &list, &n, d) != 0)
            return errors + 1;
        for (size_t i = 0; i < n; i++)
            if (add_text(c, ydoc_str(k), list[i]) != 0) {
                errors += diag_oom(d);
                break;
            }
        strv_free(list, n);
    }
    return errors;
}

static int add_entry(struct table *t, struct ydoc *y, yaml_node_t *item, struct diag *d)
{
    yaml_node_t *f[F_COUNT];
    struct wcode *c;
    long code;
    int errors = ydoc_map(y, item, code_fields, F_COUNT, f, d);

    if (f[F_CODE] == NULL)
        return errors;
    if (ydoc_long(f[F_CODE], &code) != 0 || code <= 0 || code > 0xFFFF) {
        ydoc_error(y, f[F_CODE], d, "code must be a number from 1 to 65535");
        return errors + 1;
    }
    if ((c = find_or_add(t, code)) == NULL)
        return errors + diag_oom(d);
    if (set_str(&c->symbol, f[F_SYMBOL]) || set_str(&c->title, f[F_TITLE]) ||
        set_str(&c->message, f[F_MESSAGE]) || set_str(&c->posix, f[F_POSIX]) ||
        set_str(&c->dotnet, f[F_DOTNET]) || set_str(&c->category, f[F_CATEGORY]) ||
        set_str(&c->hint, f[F_HINT]))
        return errors + diag_oom(d);
    if (f[F_MESSAGE_ALONE] != NULL && ydoc_bool(f[F_MESSAGE_ALONE], &c->message_alone) != 0)
        errors++;
    if (f[F_ALIASES] != NULL) {
        char **aliases;
        size_t n;
        if (ydoc_strlist(y, f[F_ALIASES], &aliases, &n, d) != 0)
            return errors + 1;
        strv_free(c->aliases, c->naliases);
        c->aliases = aliases, c->naliases = n;
    }
    if (f[F_LOCALIZED] != NULL)
        errors += add_localized(c, y, f[F_LOCALIZED], d);
    return errors;
}

int table_add_yaml(struct table *t, struct ydoc *y, yaml_node_t *seq, struct diag *d)
{
    int errors = 0;

    if (seq->type != YAML_SEQUENCE_NODE) {
        ydoc_error(y, seq, d, "'codes' must be a list");
        return 1;
    }
    for (yaml_node_item_t *it = seq->data.sequence.items.start;
         it < seq->data.sequence.items.top && !d->oom; it++)
        errors += add_entry(t, y, ydoc_node(y, *it), d);
    return errors;
}

static int by_code_cb(const void *a, const void *b)
{
    long x = ((const struct wcode *)a)->code, y = ((const struct wcode *)b)->code;
    return (x > y) - (x < y);
}

static void add_msg(struct table *t, const struct wcode *c, const char *text, const char *lang)
{
    size_t len = strlen(text);

    while (len > 0 && (text[len - 1] == '.' || text[len - 1] == ' '))
        len--;
    if (len >= 3 && memcmp(text + len - 3, "\xE3\x80\x82", 3) == 0) /* 。 */
        len -= 3;
    if (len == 0)
        return;
    t->msgs[t->nmsgs].code = c;
    t->msgs[t->nmsgs].text = text;
    t->msgs[t->nmsgs].len = len;
    t->msgs[t->nmsgs].lang = lang;
    t->nmsgs++;
}

int table_finish(struct table *t)
{
    size_t total = 0;
    struct wmsg *msgs;

    for (size_t i = 0; i < t->n; i++)
        total += 1 + t->v[i].ntexts;
    if ((msgs = try_calloc(total + 1, sizeof(*msgs))) == NULL)
        return WW_ENOMEM;
    if (t->n > 0) /* qsort(NULL, 0, ...) is undefined */
        qsort(t->v, t->n, sizeof(*t->v), by_code_cb);
    xfree(t->msgs);
    t->msgs = msgs;
    t->nmsgs = 0;
    for (size_t i = 0; i < t->n; i++) {
        const struct wcode *c = &t->v[i];
        if (c->message != NULL)
            add_msg(t, c, c->message, "en");
        for (size_t j = 0; j < c->ntexts; j++)
            add_msg(t, c, c->texts[j], c->text_langs[j]);
    }
    return 0;
}

const struct wcode *table_by_code(const struct table *t, long code)
{
    size_t lo = 0, hi = t->n;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (t->v[mid].code == code)
            return &t->v[mid];
        if (t->v[mid].code < code)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

/* s[0..n) equals name, or name without its "WSA" / "WSA_" prefix. */
static int name_eq(const char *name, const char *s, size_t n)
{
    if (name == NULL)
        return 0;
    if (strlen(name) == n && strncasecmp(name, s, n) == 0)
        return 1;
    if (strncasecmp(name, "WSA_", 4) == 0 && strlen(name + 4) == n &&
        strncasecmp(name + 4, s, n) == 0)
        return 1;
    return strncasecmp(name, "WSA", 3) == 0 && strlen(name + 3) == n &&
           strncasecmp(name + 3, s, n) == 0;
}

const struct wcode *table_by_symbol(const struct table *t, const char *s, size_t n)
{
    for (size_t i = 0; i < t->n; i++) {
        const struct wcode *c = &t->v[i];
        if (name_eq(c->symbol, s, n))
            return c;
        for (size_t j = 0; j < c->naliases; j++)
            if (name_eq(c->aliases[j], s, n))
                return c;
    }
    for (size_t i = 0; i < t->n; i++) {
        const struct wcode *c = &t->v[i];
        if ((c->dotnet && strlen(c->dotnet) == n && strncasecmp(c->dotnet, s, n) == 0) ||
            (c->posix && strlen(c->posix) == n && strncasecmp(c->posix, s, n) == 0))
            return c;
    }
    return NULL;
}

const struct wcode *table_by_hex(const struct table *t, const char *s, size_t n)
{
    unsigned long v = 0;
    size_t i = 0;

    if (n >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
        i = 2;
    if (i == n || n - i > 8)
        return NULL;
    for (; i < n; i++) {
        int c = (unsigned char)s[i];
        if (!isxdigit(c))
            return NULL;
        v = v * 16 + (unsigned long)(isdigit(c) ? c - '0' : (tolower(c) - 'a' + 10));
    }
    if (v > 0xFFFF) {
        if ((v & 0xFFFF0000ul) != 0x80070000ul) /* HRESULT_FROM_WIN32 */
            return NULL;
        v &= 0xFFFF;
    }
    return table_by_code(t, (long)v);
}

static int fold(int c)
{
    return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

static int is_space(int c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

size_t table_msg_match(const struct wmsg *m, const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s, *q = (const unsigned char *)m->text;
    size_t i = 0, j = 0;

    while (j < m->len && i < n) {
        if (q[j] == ' ') {
            if (!is_space(p[i]))
                break;
            while (i < n && is_space(p[i]))
                i++;
            j++;
        } else if (fold(p[i]) == fold(q[j])) {
            i++, j++;
        } else {
            break;
        }
    }
    if (j == m->len)
        return i;
    if (j < TABLE_MIN_CUT)
        return 0;
    for (size_t k = i; k < n; k++)
        if (!is_space(p[k]))
            return 0;
    return i;
}

const struct wcode *table_by_message(const struct table *t, const char *s, size_t n)
{
    const struct wcode *best = NULL;
    size_t best_len = 0;

    for (size_t i = 0; i < t->nmsgs; i++) {
        size_t len = table_msg_match(&t->msgs[i], s, n);
        if (len > best_len)
            best = t->msgs[i].code, best_len = len;
    }
    return best;
}

static int contains_word(const char *hay, const char *w, size_t wn)
{
    if (hay == NULL)
        return 0;
    for (; *hay; hay++)
        if (strncasecmp(hay, w, wn) == 0)
            return 1;
    return 0;
}

static int matches_all(const struct wcode *c, const char *words)
{
    const char *p = words;

    while (*p) {
        size_t wn;
        int found;

        while (*p == ' ')
            p++;
        wn = strcspn(p, " ");
        if (wn == 0)
            break;
        found = contains_word(c->message, p, wn) || contains_word(c->title, p, wn) ||
                contains_word(c->symbol, p, wn);
        for (size_t j = 0; !found && j < c->ntexts; j++)
            found = contains_word(c->texts[j], p, wn);
        if (!found)
            return 0;
        p += wn;
    }
    return 1;
}

size_t table_search(const struct table *t, const char *words, const struct wcode **out,
                    size_t max)
{
    size_t n = 0;

    for (size_t i = 0; i < t->n && n < max; i++)
        if (matches_all(&t->v[i], words))
            out[n++] = &t->v[i];
    return n;
}

void table_hex(long code, char out[16])
{
    snprintf(out, 16, "0x%lX", (unsigned long)code);
}

void table_hresult(long code, char out[16])
{
    snprintf(out, 16, "0x%08lX", 0x80070000ul | ((unsigned long)code & 0xFFFF));
}
