/*
 * Glob matching and expansion. See glob.h.
 */
#include "glob.h"

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

int glob_match(const char *p, const char *s)
{
    for (;;) {
        size_t pn = seg_len(p), sn = seg_len(s);

        if (pn == 2 && p[0] == '*' && p[1] == '*') {
            const char *rest = p + 2 + (p[2] ? 1 : 0);
            if (*rest == '\0')
                return 1;
            for (const char *t = s;; t += seg_len(t) + 1) {
                if (glob_match(rest, t))
                    return 1;
                if (t[seg_len(t)] == '\0')
                    return 0;
            }
        }
        if (!match_segment(p, pn, s, sn))
            return 0;
        if (p[pn] == '\0' || s[sn] == '\0')
            return p[pn] == '\0' && s[sn] == '\0';
        p += pn + 1;
        s += sn + 1;
    }
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
    char sep;       /* joins names: \ where the pattern is written with it */
    const char *pattern;
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

static void walk(struct walk *w, const char *dir, int depth)
{
    uv_fs_t req;
    uv_dirent_t ent;

    if (depth > w->max_depth || w->over)
        return;
    if (uv_fs_scandir(NULL, &req, dir, 0, NULL) < 0) {
        uv_fs_req_cleanup(&req);
        return;
    }
    while (!w->over && uv_fs_scandir_next(&req, &ent) != UV_EOF) {
        char *path = join(w->sep, dir, ent.name);
        unsigned mode;
        int link = entry_type(path, &ent, &mode);

        if (mode == 0100000 && glob_match(w->pattern, path)) {
            if (++w->found > GLOB_MAX_FILES)
                w->over = 1;
            else
                w->cb(w->ctx, path);
        } else if (mode != 0 && mode != 0100000 && w->odd != NULL &&
                   glob_match(w->pattern, path)) {
            w->odd(w->ctx, path, mode);
        }
        /* links to directories are not followed: a loop cannot trap the walk */
        if (mode == 0040000 && !link)
            walk(w, path, depth + 1);
        xfree(path);
    }
    uv_fs_req_cleanup(&req);
}

int glob_walk(const char *pattern, glob_cb cb, glob_odd_cb odd, void *ctx, struct ww_err *err)
{
    struct walk w = {pattern_sep(pattern), pattern, cb, odd, ctx, 0, 0, 0};
    char *base = glob_base(pattern);
    uv_fs_t st;

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
        walk(&w, base, 0);
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
