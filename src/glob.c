/*
 * Glob matching and expansion. See glob.h.
 */
#include "glob.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <uv.h>

#include "util/alloc.h"
#include "wsawatch_config.h"
#include "util/buf.h"

static int is_sep(char c)
{
    return c == '/' || (HAVE_BACKSLASH_PATHS && c == '\\');
}

static int has_wild(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] == '*' || s[i] == '?' || s[i] == '[')
            return 1;
    return 0;
}

/* Matches one class at *pp against c; advances *pp past it. */
static int match_class(const char **pp, char c)
{
    const char *p = *pp + 1;
    int neg = *p == '!' || *p == '^', ok = 0;

    if (neg)
        p++;
    for (int first = 1; *p && (*p != ']' || first); first = 0) {
        if (p[1] == '-' && p[2] && p[2] != ']') {
            ok |= c >= p[0] && c <= p[2];
            p += 3;
        } else {
            ok |= *p++ == c;
        }
    }
    *pp = *p == ']' ? p + 1 : p;
    return ok != neg;
}

/* Matches one segment pattern p[0..pn) against s[0..sn). */
static int match_segment(const char *p, size_t pn, const char *s, size_t sn)
{
    const char *pe = p + pn, *se = s + sn, *star_p = NULL, *star_s = NULL;

    while (s < se) {
        if (p < pe && *p == '*') {
            star_p = ++p;
            star_s = s;
        } else if (p < pe && *p == '[') {
            const char *q = p;
            if (!match_class(&q, *s))
                goto backtrack;
            p = q, s++;
        } else if (p < pe && (*p == '?' || *p == *s)) {
            p++, s++;
        } else {
        backtrack:
            if (star_p == NULL)
                return 0;
            p = star_p;
            s = ++star_s;
        }
    }
    while (p < pe && *p == '*')
        p++;
    return p == pe;
}

static size_t seg_len(const char *s)
{
    size_t n = 0;

    while (s[n] && !is_sep(s[n]))
        n++;
    return n;
}

/* A pattern cut into segments: matching runs a set of positions in it (a
 * bit each) over the path's segments, so its cost is linear in both, however
 * many `**` there are. */
struct gseg {
    const char *p;
    size_t n;
    int any; /* ** */
};

struct gpat {
    struct gseg seg[GLOB_MAX_SEGMENTS];
    size_t n;
};

static int compile(const char *pattern, struct gpat *g, char *err, size_t errlen)
{
    size_t stars = 0;
    const char *p = pattern;

    g->n = 0;
    for (;;) {
        size_t n = seg_len(p);

        if (g->n == GLOB_MAX_SEGMENTS) {
            snprintf(err, errlen, "'%s' has more than %d path segments", pattern,
                     GLOB_MAX_SEGMENTS);
            return WW_ELIMIT;
        }
        g->seg[g->n] = (struct gseg){p, n, n == 2 && p[0] == '*' && p[1] == '*'};
        if (g->seg[g->n++].any && ++stars > GLOB_MAX_ANY) {
            snprintf(err, errlen, "'%s': '**' at offset %zu is one too many (at most %d in a "
                     "glob)", pattern, (size_t)(p - pattern), GLOB_MAX_ANY);
            return WW_EINVAL;
        }
        if (p[n] == '\0')
            return 0;
        p += n + 1;
    }
}

int glob_check(const char *pattern, char *err, size_t errlen)
{
    struct gpat g;

    return compile(pattern, &g, err, errlen);
}

/* s with ** matching no segment too (but a final ** one at least). */
static uint64_t closure(const struct gpat *g, uint64_t s)
{
    for (size_t i = 0; i + 1 < g->n; i++)
        if ((s >> i & 1) && g->seg[i].any)
            s |= 1ull << (i + 1);
    return s;
}

/* The positions after one more path segment, name[0..len). */
static uint64_t step(const struct gpat *g, uint64_t s, const char *name, size_t len)
{
    uint64_t t = 0;

    for (size_t i = 0; i < g->n; i++) {
        if (!(s >> i & 1))
            continue;
        if (g->seg[i].any)
            t |= 1ull << i | 1ull << (i + 1);
        else if (match_segment(g->seg[i].p, g->seg[i].n, name, len))
            t |= 1ull << (i + 1);
    }
    return closure(g, t);
}

static int accepts(const struct gpat *g, uint64_t s)
{
    return (s >> g->n & 1) != 0;
}

int glob_match(const char *pattern, const char *path)
{
    struct gpat g;
    char err[8];
    uint64_t s;

    if (compile(pattern, &g, err, sizeof(err)) != 0)
        return 0; /* refused when the configuration was loaded */
    s = closure(&g, 1);
    for (const char *q = path; s != 0; q += seg_len(q) + 1) {
        s = step(&g, s, q, seg_len(q));
        if (q[seg_len(q)] == '\0')
            break;
    }
    return accepts(&g, s);
}

int glob_excluded(char *const *pats, size_t n, const char *path)
{
    const char *name = path;

    for (const char *q = path; *q; q++)
        if (is_sep(*q))
            name = q + 1;
    for (size_t i = 0; i < n; i++)
        if (glob_match(pats[i], name) || glob_match(pats[i], path))
            return 1;
    return 0;
}

char *glob_base(const char *pattern)
{
    size_t end = 0, i = 0;

    while (pattern[i]) {
        size_t n = seg_len(pattern + i);
        if (has_wild(pattern + i, n))
            break;
        if (pattern[i + n] == '\0')
            break; /* the last segment is the file name */
        end = i + n;
        i += n + 1;
    }
    if (end == 0)
        return xstrdup(is_sep(pattern[0]) ? "/" : ".");
    return xstrndup(pattern, end);
}

int glob_deep(const char *pattern)
{
    const char *last = pattern;

    for (const char *q = pattern; *q; q++)
        if (is_sep(*q))
            last = q;
    return has_wild(pattern, (size_t)(last - pattern));
}

struct walk {
    char sep;       /* joins names: \\ where the pattern is written with it */
    const char *pattern;
    struct gpat g;
    glob_cb cb;
    glob_odd_cb odd;
    void *ctx;
    int found;
    int over;
    int max_depth; /* segments below the base the pattern can reach */
};

static char pattern_sep(const char *pattern)
{
    return HAVE_BACKSLASH_PATHS && strchr(pattern, '\\') != NULL ? '\\' : '/';
}

static char *join(char sep, const char *dir, const char *name)
{
    return strcmp(dir, "/") == 0   ? xasprintf("/%s", name)
           : strcmp(dir, ".") == 0 ? xstrdup(name)
                                   : xasprintf("%s%c%s", dir, sep, name);
}

char *glob_child(const char *pattern, const char *name)
{
    char *base = glob_base(pattern), *path = join(pattern_sep(pattern), base, name);

    xfree(base);
    return path;
}

/* What a directory entry is, following a symbolic link to what it names:
 * *mode gets its file type (0 for a dangling link); returns 1 for a link. */
static int entry_type(const char *path, const uv_dirent_t *ent, unsigned *mode)
{
    uv_fs_t st;
    int link;

    switch (ent->type) {
    case UV_DIRENT_FILE: *mode = 0100000; return 0;
    case UV_DIRENT_DIR: *mode = 0040000; return 0;
    case UV_DIRENT_FIFO: *mode = 0010000; return 0;
    case UV_DIRENT_SOCKET: *mode = 0140000; return 0;
    case UV_DIRENT_CHAR: *mode = 0020000; return 0;
    case UV_DIRENT_BLOCK: *mode = 0060000; return 0;
    default: break;
    }
    *mode = 0;
    link = ent->type == UV_DIRENT_LINK;
    if (!link) { /* the file system did not say */
        if (uv_fs_lstat(NULL, &st, path, NULL) == 0)
            link = (st.statbuf.st_mode & 0170000) == 0120000;
        uv_fs_req_cleanup(&st);
    }
    if (uv_fs_stat(NULL, &st, path, NULL) == 0)
        *mode = (unsigned)st.statbuf.st_mode & 0170000;
    uv_fs_req_cleanup(&st);
    return link;
}

/* Walks dir, reached in positions s of the pattern: each directory is read
 * once, and only while some position can go on below it. */
static void walk(struct walk *w, const char *dir, int depth, uint64_t s)
{
    uint64_t below = (1ull << w->g.n) - 1; /* positions that need more segments */
    uv_fs_t req;
    uv_dirent_t ent;

    if (depth > w->max_depth || w->over)
        return;
    if (uv_fs_scandir(NULL, &req, dir, 0, NULL) < 0) {
        uv_fs_req_cleanup(&req);
        return;
    }
    while (!w->over && uv_fs_scandir_next(&req, &ent) != UV_EOF) {
        uint64_t t = step(&w->g, s, ent.name, strlen(ent.name));
        char *path;
        unsigned mode;
        int link;

        if (t == 0)
            continue;
        path = join(w->sep, dir, ent.name);
        link = entry_type(path, &ent, &mode);
        if (mode == 0100000 && accepts(&w->g, t)) {
            if (++w->found > GLOB_MAX_FILES)
                w->over = 1;
            else
                w->cb(w->ctx, path);
        } else if (mode != 0 && mode != 0100000 && w->odd != NULL && accepts(&w->g, t)) {
            w->odd(w->ctx, path, mode);
        }
        /* links to directories are not followed: a loop cannot trap the walk */
        if (mode == 0040000 && !link && (t & below) != 0)
            walk(w, path, depth + 1, t);
        xfree(path);
    }
    uv_fs_req_cleanup(&req);
}

/* The positions reached by the base directory's segments (no wildcards). */
static uint64_t base_state(const struct walk *w, const char *base)
{
    size_t k = 0;

    if (strcmp(base, "/") == 0)
        k = 1; /* the empty segment before the first separator */
    else if (strcmp(base, ".") != 0)
        for (const char *q = base, *e = base + strlen(base); q <= e; q++)
            k += q == e || is_sep(*q);
    return closure(&w->g, 1ull << k);
}

int glob_walk(const char *pattern, glob_cb cb, glob_odd_cb odd, void *ctx, struct ww_err *err)
{
    struct walk w = {pattern_sep(pattern), pattern, {{{0}}, 0}, cb, odd, ctx, 0, 0, 0};
    char msg[300], *base;
    uv_fs_t st;
    int rc = compile(pattern, &w.g, msg, sizeof(msg));

    if (rc != 0)
        return ww_err_set(err, rc, "%s", msg);
    base = glob_base(pattern);
    for (const char *q = pattern + (strcmp(base, ".") == 0 ? 0 : strlen(base) + 1); *q; q++)
        w.max_depth += is_sep(*q);
    if (strstr(pattern, "**") != NULL)
        w.max_depth = GLOB_MAX_DEPTH;

    if (!has_wild(pattern, strlen(pattern))) {
        if (uv_fs_stat(NULL, &st, pattern, NULL) == 0) {
            unsigned mode = (unsigned)st.statbuf.st_mode & 0170000;
            if (mode == 0100000) {
                cb(ctx, pattern);
                w.found = 1;
            } else if (odd != NULL) {
                odd(ctx, pattern, mode);
            }
        }
        uv_fs_req_cleanup(&st);
    } else {
        walk(&w, base, 0, base_state(&w, base));
    }
    xfree(base);
    if (w.over)
        return ww_err_set(err, WW_ELIMIT, "%s: more than %d files match; the rest are left out",
                          pattern, GLOB_MAX_FILES);
    return w.found;
}

int glob_expand(const char *pattern, glob_cb cb, void *ctx, struct ww_err *err)
{
    return glob_walk(pattern, cb, NULL, ctx, err);
}
