/*
 * Reports that must not flood. See report.h.
 */
#include "report.h"

#include <string.h>

#include "util/alloc.h"
#include "util/log.h"

#define MODE_DIR 0040000u

enum trouble_kind {
    TR_GONE,   /* a followed file left the path; nothing reported */
    TR_ODD,    /* not a regular file: reported */
    TR_FAILED, /* could not be opened or read: reported, retried */
};

struct trouble {
    char *path;    /* owned */
    int kind;
    unsigned mode; /* TR_ODD: the file type */
    char *msg;     /* TR_FAILED: what was reported (owned) */
    struct trouble *next;
};

/* Match-limit hits of one rule on one input. */
struct limit_note {
    char *rule;        /* its id (owned: rules are replaced on reload) */
    uint64_t told_at;  /* loop time of the last report */
    uint64_t pending;  /* hits since, not reported yet */
    char *last_path;   /* where the last of them was (owned) */
    uint64_t last_off;
};

static size_t bucket(const char *path)
{
    uint32_t h = 2166136261u;

    for (; *path; path++)
        h = (h ^ (unsigned char)*path) * 16777619u;
    return h % INPUT_PATH_BUCKETS;
}

static struct trouble **find(struct input *in, const char *path)
{
    struct trouble **pp;

    if (in->trouble == NULL)
        return NULL;
    for (pp = &in->trouble[bucket(path)]; *pp != NULL; pp = &(*pp)->next)
        if (strcmp((*pp)->path, path) == 0)
            return pp;
    return NULL;
}

static struct trouble *get(struct input *in, const char *path)
{
    struct trouble **pp = find(in, path), *t;
    size_t b;

    if (pp != NULL)
        return *pp;
    if (in->trouble == NULL)
        in->trouble = xcalloc(INPUT_PATH_BUCKETS, sizeof(*in->trouble));
    b = bucket(path);
    t = xcalloc(1, sizeof(*t));
    t->path = xstrdup(path);
    t->kind = TR_GONE;
    t->next = in->trouble[b];
    in->trouble[b] = t;
    in->ntrouble++;
    return t;
}

static void set_kind(struct input *in, struct trouble *t, int kind)
{
    in->nfailed += (kind == TR_FAILED) - (t->kind == TR_FAILED);
    t->kind = kind;
}

static void drop(struct input *in, struct trouble **pp)
{
    struct trouble *t = *pp;

    *pp = t->next;
    set_kind(in, t, TR_GONE);
    in->ntrouble--;
    xfree(t->path);
    xfree(t->msg);
    xfree(t);
}

void report_failed(struct input *in, const char *path, int code, const char *msg)
{
    struct trouble *t;

    if (code == WW_ENOTFOUND)
        return; /* gone between the walk and the open */
    t = get(in, path);
    if (t->kind == TR_FAILED && strcmp(t->msg, msg) == 0)
        return;
    log_warnx("%s%s", msg, code == WW_EINVAL ? "; not read" : " (will retry)");
    set_kind(in, t, code == WW_EINVAL ? TR_ODD : TR_FAILED);
    xfree(t->msg);
    t->msg = xstrdup(msg);
    t->mode = 0;
}

void report_ok(struct input *in, const struct follower *f)
{
    struct trouble **pp = in->ntrouble > 0 && !f->rotated ? find(in, f->path) : NULL;
    const char *what;

    if (pp == NULL)
        return;
    what = (*pp)->kind == TR_FAILED ? "readable again" : "a regular file again";
    if ((*pp)->kind == TR_GONE)
        ; /* nothing was said */
    else if (f->read_off > 0)
        log_info("%s: %s; reading it from offset %llu", f->path, what,
                 (unsigned long long)f->read_off);
    else
        log_info("%s: %s; reading it from its start", f->path, what);
    drop(in, pp);
}

void report_odd(struct input *in, const char *path, unsigned mode)
{
    struct trouble **pp = find(in, path), *t;
    int was = pp != NULL ? (*pp)->kind : -1;

    if (was == TR_ODD && ((*pp)->mode == mode || (*pp)->mode == 0)) {
        (*pp)->mode = mode; /* 0: reported by follower_open, the type unknown */
        return;
    }
    if (mode == MODE_DIR && was == -1)
        return; /* a directory that matches a glob is no news */
    if (was != -1)
        log_warnx("%s: replaced by a %s; not read until a regular file is there again", path,
                  follower_type_name(mode));
    else
        log_warnx("%s: a %s, not a regular file; not read", path, follower_type_name(mode));
    t = pp != NULL ? *pp : get(in, path);
    set_kind(in, t, TR_ODD);
    t->mode = mode;
}

void report_vacated(struct input *in, const char *path)
{
    (void)get(in, path);
}

size_t report_failing(struct input *in, char ***paths)
{
    size_t n = 0;

    *paths = NULL;
    if (in->nfailed == 0)
        return 0;
    *paths = xcalloc(in->nfailed, sizeof(char *));
    for (size_t b = 0; b < INPUT_PATH_BUCKETS && n < in->nfailed; b++)
        for (struct trouble *t = in->trouble[b]; t != NULL && n < in->nfailed; t = t->next)
            if (t->kind == TR_FAILED)
                (*paths)[n++] = xstrdup(t->path);
    return n;
}

void report_prune(struct input *in)
{
    for (size_t b = 0; in->ntrouble > 0 && b < INPUT_PATH_BUCKETS; b++) {
        struct trouble **pp = &in->trouble[b];
        while (*pp != NULL) {
            uv_fs_t req;
            int rc = uv_fs_lstat(NULL, &req, (*pp)->path, NULL);
            uv_fs_req_cleanup(&req);
            if (rc == UV_ENOENT || rc == UV_ENOTDIR)
                drop(in, pp);
            else
                pp = &(*pp)->next;
        }
    }
}

void report_long_lines(struct input *in, struct follower *f, uint64_t now)
{
    struct scan_stream *st = &f->st;

    if (st->long_lines == 0)
        return;
    if (!f->long_told) {
        log_warnx("%s@%llu: line longer than max_line_bytes (%zu): matched in its first %zu "
                  "bytes, the rest skipped (further long lines of the file are counted and "
                  "reported once a minute)",
                  f->path, (unsigned long long)st->long_first, in->cfg->max_line,
                  in->cfg->max_line);
        f->long_told = 1;
        f->long_told_at = now;
        st->long_lines--;
    }
    if (st->long_lines > 0) {
        f->long_pending += st->long_lines;
        f->long_last = st->long_off;
    }
    st->long_lines = 0;
}

static void long_summary(struct follower *f, uint64_t now, int force)
{
    if (f->long_pending == 0 || (!force && now - f->long_told_at < REPORT_EVERY_MS))
        return;
    log_warnx("%s: %llu more line%s longer than max_line_bytes (the last at @%llu)", f->path,
              (unsigned long long)f->long_pending, f->long_pending > 1 ? "s" : "",
              (unsigned long long)f->long_last);
    f->long_pending = 0;
    f->long_told_at = now;
}

void report_file_done(struct input *in, struct follower *f)
{
    report_long_lines(in, f, f->last_data);
    long_summary(f, 0, 1);
}

void report_match_limit(struct input *in, const struct line_ref *l, const struct rule *r,
                        uint64_t now)
{
    struct limit_note *n = NULL;

    for (size_t i = 0; i < in->nlimits && n == NULL; i++)
        if (strcmp(in->limits[i].rule, r->id) == 0)
            n = &in->limits[i];
    if (n == NULL) {
        in->limits = xreallocarray(in->limits, in->nlimits + 1, sizeof(*in->limits));
        n = &in->limits[in->nlimits++];
        memset(n, 0, sizeof(*n));
        n->rule = xstrdup(r->id);
        log_warnx("%s@%llu: rule '%s' hit the PCRE2 match limit; line skipped for that rule "
                  "(further hits of the rule are counted and reported once a minute)",
                  l->path, (unsigned long long)l->offset, r->id);
        n->told_at = now;
        return;
    }
    n->pending++;
    xfree(n->last_path);
    n->last_path = xstrdup(l->path);
    n->last_off = l->offset;
}

void report_tick(struct input *in, uint64_t now, int force)
{
    for (size_t i = 0; i < in->nlimits; i++) {
        struct limit_note *n = &in->limits[i];
        if (n->pending == 0 || (!force && now - n->told_at < REPORT_EVERY_MS))
            continue;
        log_warnx("rule '%s' hit the PCRE2 match limit on %llu more line%s (the last at %s@%llu)",
                  n->rule, (unsigned long long)n->pending, n->pending > 1 ? "s" : "",
                  n->last_path, (unsigned long long)n->last_off);
        n->pending = 0;
        n->told_at = now;
    }
    for (struct follower *f = in->files; f != NULL; f = f->next)
        long_summary(f, now, force);
}

void report_free(struct input *in)
{
    for (size_t b = 0; in->trouble != NULL && b < INPUT_PATH_BUCKETS; b++)
        while (in->trouble[b] != NULL)
            drop(in, &in->trouble[b]);
    xfree(in->trouble);
    in->trouble = NULL;
    for (size_t i = 0; i < in->nlimits; i++) {
        xfree(in->limits[i].rule);
        xfree(in->limits[i].last_path);
    }
    xfree(in->limits);
    in->limits = NULL;
    in->nlimits = 0;
}
