/*
 * docgen's rewriter of the example configuration's comments. The keys, the
 * values, blank lines and every other comment stay as they are; generated
 * from the key tables are:
 *   - the comment paragraph right above each top-level key, and
 *   - the trailing comment (and its continuation lines, aligned under it) of
 *     each indented key, commented out ("# key: value") or not, except on
 *     the first key of a list item ("- name: ..."), whose comment may speak
 *     of the whole item.
 * An output's own keys are looked up under the `type:` of their item.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "outputs/output.h"
#include "tools/docgen.h"

#define COMMENT_COL 39 /* where trailing comments start (1-based) */
#define WIDTH 96       /* longest line a trailing comment is wrapped to */
#define PARA_WIDTH 78  /* longest line of a paragraph above a top-level key */

/* One line of the example, split where it is a key line. */
struct yline {
    const char *s; /* the line, without its newline */
    size_t len;
    int indent;       /* leading spaces */
    int item;         /* "- " before the key */
    char key[64];     /* "" when the line is no key line */
    size_t value_end; /* end of "key: value" (trailing spaces not counted) */
    long hash;        /* column of the trailing '#', or -1 */
};

static void split(struct yline *l)
{
    const char *p = l->s, *end = l->s + l->len, *k;
    size_t n;

    l->key[0] = '\0', l->item = 0, l->hash = -1;
    while (p < end && *p == ' ')
        p++;
    l->indent = (int)(p - l->s);
    if (p < end && *p == '#')
        for (p++; p < end && *p == ' '; p++)
            ;
    if (end - p >= 2 && p[0] == '-' && p[1] == ' ')
        l->item = 1, p += 2;
    for (k = p; p < end && (islower((unsigned char)*p) || *p == '_'); p++)
        ;
    n = (size_t)(p - k);
    if (n == 0 || n >= sizeof(l->key) || p == end || *p != ':' || (p + 1 < end && p[1] != ' '))
        return;
    memcpy(l->key, k, n), l->key[n] = '\0';
    for (; p < end && !(*p == '#' && p[-1] == ' '); p++)
        ;
    l->hash = p < end ? (long)(p - l->s) : -1;
    while (p > l->s && p[-1] == ' ')
        p--;
    l->value_end = (size_t)(p - l->s);
}

static const struct yfield *find(const struct section *s, size_t n, const char *top,
                                 const char *kind, const char *key)
{
    for (size_t i = 0; i < n; i++) {
        if (strcmp(s[i].key, top) != 0 ||
            (s[i].kind != NULL && (kind == NULL || strcmp(s[i].kind, kind) != 0)))
            continue;
        for (size_t j = 0; j < s[i].n; j++)
            if (strcmp(s[i].fields[j].key, key) == 0)
                return &s[i].fields[j];
    }
    return NULL;
}

/* "end (default) or beginning: help", "help; default 5s", "a or b: help". */
static void comment_text(const struct yfield *f, char *buf, size_t size)
{
    size_t len;
    int in = 0;

    buf[0] = '\0';
    for (int i = 0; f->values != NULL && f->values[i] != NULL; i++) {
        const char *sep = i == 0 ? "" : f->values[i + 1] == NULL ? " or " : ", ";
        int is_def = f->def != NULL && strcmp(f->def, f->values[i]) == 0;
        in |= is_def;
        len = strlen(buf);
        snprintf(buf + len, size - len, "%s%s%s", sep, f->values[i], is_def ? " (default)" : "");
    }
    len = strlen(buf);
    snprintf(buf + len, size - len, "%s%s", buf[0] != '\0' ? ": " : "", f->help);
    len = strlen(buf);
    if (f->def != NULL && !in)
        snprintf(buf + len, size - len, "; default %s", f->def);
}

/* The words of text from column col on, in lines of at most width (a word
 * longer than that alone on its line), each line after the first starting
 * with lead and a space. Ends with a newline. */
static int wrap(struct buf *o, const char *text, size_t col, size_t width, const char *lead)
{
    int rc = 0, start = 1; /* at the start of a line: no space before the word */

    while (rc == 0 && *text != '\0') {
        size_t n = strcspn(text, " ");
        if (!start && col + 1 + n > width)
            rc = buf_printf(o, "\n%s ", lead), col = strlen(lead) + 1, start = 1;
        if (rc == 0 && !start)
            rc = buf_putc(o, ' '), col++;
        rc = rc ? rc : buf_append(o, text, n);
        col += n, start = 0;
        text += n + strspn(text + n, " ");
    }
    return rc ? rc : buf_putc(o, '\n');
}

/* "key: value" with the generated trailing comment. */
static int key_line(struct buf *o, const struct yline *l, const struct yfield *f)
{
    char text[1024], lead[COMMENT_COL + 2];
    size_t col = l->value_end < COMMENT_COL - 3 ? COMMENT_COL - 1 : l->value_end + 2;
    int rc = buf_append(o, l->s, l->value_end);

    for (size_t i = l->value_end; rc == 0 && i < col; i++)
        rc = buf_putc(o, ' ');
    comment_text(f, text, sizeof(text));
    snprintf(lead, sizeof(lead), "%*s#", COMMENT_COL - 1, "");
    rc = rc ? rc : buf_printf(o, "# ");
    return rc ? rc : wrap(o, text, col + 2, WIDTH, lead);
}

/* The paragraph above a top-level key. */
static int paragraph(struct buf *o, const struct yfield *f)
{
    char text[1024];

    docgen_sentence(f, text, sizeof(text));
    if (f->def != NULL)
        snprintf(text + strlen(text), sizeof(text) - strlen(text), " Default: %s.", f->def);
    return buf_printf(o, "# ") == 0 ? wrap(o, text, 2, PARA_WIDTH, "#") : WW_ELIMIT;
}

struct ystate {
    const struct section *s;
    size_t n;
    char top[64];     /* the top-level key the lines are under */
    char kind[64];    /* the output type of the current list item */
    long cont;        /* column of the key line's comment, whose continuation lines
                         (there or under COMMENT_COL) are dropped; -1: none */
    const char *held; /* first of the comment lines held back, or NULL */
};

/* A line under a top-level key: a key line's comment is generated. */
static int nested(struct buf *o, struct ystate *st, const struct yline *l)
{
    const struct yfield *f;

    if (l->item)
        st->kind[0] = '\0';
    if (strcmp(st->top, "outputs") == 0 && strcmp(l->key, "type") == 0 && !l->item) {
        const char *v = strchr(l->s, ':') + 1;
        v += strspn(v, " ");
        snprintf(st->kind, sizeof(st->kind), "%.*s",
                 (int)(v < l->s + l->value_end ? l->s + l->value_end - v : 0), v);
    }
    f = find(st->s, st->n, st->top, st->kind[0] ? st->kind : NULL, l->key);
    if (l->item || f == NULL)
        return buf_append(o, l->s, l->len) == 0 ? buf_putc(o, '\n') : WW_ELIMIT;
    st->cont = l->hash;
    return key_line(o, l, f);
}

static int one_line(struct buf *o, struct ystate *st, struct yline *l)
{
    const struct yfield *f;
    int rc = 0;

    split(l);
    if (st->cont >= 0 && l->s[l->indent] == '#' &&
        (l->indent == st->cont || l->indent == COMMENT_COL - 1))
        return 0; /* a continuation of a generated comment */
    st->cont = -1;
    if (l->indent == 0 && l->len > 0 && l->s[0] == '#') {
        st->held = st->held ? st->held : l->s;
        return 0;
    }
    if (l->indent == 0 && l->key[0] != '\0' && (f = find(st->s, st->n, "", NULL, l->key))) {
        snprintf(st->top, sizeof(st->top), "%s", l->key);
        st->held = NULL;
        rc = paragraph(o, f);
    } else if (st->held != NULL) {
        rc = buf_append(o, st->held, (size_t)(l->s - st->held));
        st->held = NULL;
    }
    if (rc == 0 && l->indent > 0 && l->key[0] != '\0')
        return nested(o, st, l);
    rc = rc ? rc : buf_append(o, l->s, l->len);
    return rc ? rc : buf_putc(o, '\n');
}

int docgen_yaml(struct buf *o, const char *yaml, const struct section *s, size_t n)
{
    struct ystate st = {s, n, "", "", -1, NULL};
    int rc = 0;

    for (const char *p = yaml; rc == 0 && *p != '\0';) {
        struct yline l = {p, strcspn(p, "\n"), 0, 0, "", 0, -1};
        p += l.len + (p[l.len] == '\n');
        rc = one_line(o, &st, &l);
    }
    if (rc == 0 && st.held != NULL)
        rc = buf_printf(o, "%s", st.held);
    return rc;
}
