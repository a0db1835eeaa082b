/*
 * One configured input: its globs, the files they match (followers), the
 * watchers on their directories, and what happens when files appear, grow,
 * rotate or vanish. Files present when the input starts begin as start_at
 * says (or where the state left them); files that appear later are read from
 * their beginning, since everything in them is new.
 */
#include <string.h>

#include "daemon_int.h"
#include "glob.h"
#include "timestamp.h"
#include "util/alloc.h"
#include "util/log.h"

static size_t path_bucket(const char *path)
{
    uint32_t h = 2166136261u;

    for (; *path; path++)
        h = (h ^ (unsigned char)*path) * 16777619u;
    return h % INPUT_PATH_BUCKETS;
}

static void index_add(struct daemon *d, struct follower *f)
{
    size_t b = path_bucket(f->path);

    f->path_next = d->by_path[b];
    d->by_path[b] = f;
    f->indexed = 1;
}

static void index_del(struct daemon *d, struct follower *f)
{
    if (!f->indexed)
        return;
    for (struct follower **pp = &d->by_path[path_bucket(f->path)]; *pp; pp = &(*pp)->path_next)
        if (*pp == f) {
            *pp = f->path_next;
            break;
        }
    f->indexed = 0;
}

static void free_follower(struct follower *f)
{
    follower_close(f);
    xfree(f);
}

static void follower_closed_cb(uv_handle_t *h)
{
    free_follower(h->data);
}

/* Lets a follower go: its offset is recorded first, or, for a deleted file,
 * forgotten (the inode may come back as another file). */
static void release(struct input *in, struct follower *f, int forget)
{
    index_del(in->d, f);
    if (forget)
        state_drop(&in->d->st, f->dev, f->ino);
    else
        state_set(&in->d->st, f->dev, f->ino, follower_offset(f), f->path);
    if (f->watching) {
        f->closing = 1;
        uv_fs_event_stop(&f->ev);
        uv_close((uv_handle_t *)&f->ev, follower_closed_cb);
    } else {
        free_follower(f);
    }
}

static void file_event_cb(uv_fs_event_t *h, const char *name, int events, int status);

/* Where a file starts: its saved offset; from the start when the state knew
 * another file under its name (rotated while the daemon was not running:
 * all of it is new); else as start_at says for files there at start, and
 * from the start for files that appeared since. */
static uint64_t resume_cb(void *ctx, const char *path, uint64_t dev, uint64_t ino, uint64_t size)
{
    struct input *in = ctx;
    struct state_entry *e = state_find(&in->d->st, dev, ino);

    if (e != NULL) {
        e->seen = 1;
        return e->offset;
    }
    if (state_find_path(&in->d->st, path, dev, ino) != NULL) {
        log_info("%s: rotated while wsawatch was not running; reading the new file from its "
                 "start", path);
        return 0;
    }
    return in->initial && !in->cfg->start_beginning ? size : 0;
}

/* 1 if some input already follows this path (a renamed-away file no longer
 * owns its old path) or identity. */
static int followed(struct daemon *d, const char *path, uint64_t dev, uint64_t ino)
{
    if (path != NULL) {
        for (struct follower *f = d->by_path[path_bucket(path)]; f != NULL; f = f->path_next)
            if (strcmp(f->path, path) == 0)
                return 1;
        return 0;
    }
    for (struct input *in = d->inputs; in != NULL; in = in->next) /* new files only: rare */
        for (struct follower *f = in->files; f != NULL; f = f->next)
            if (f->dev == dev && f->ino == ino)
                return 1;
    return 0;
}

static void add_file(struct input *in, const char *path)
{
    struct follower *f = xcalloc(1, sizeof(*f));
    struct ww_err err = {0};
    int rc;

    if (follower_open(f, path, &in->sc, in->cfg->encoding, resume_cb, in, &err) != 0) {
        log_warnx("%s (will retry)", err.msg);
        xfree(f);
        return;
    }
    if (followed(in->d, NULL, f->dev, f->ino)) {
        free_follower(f); /* a hard link or a second glob: followed once */
        return;
    }
    f->owner = in;
    f->caught_up = !in->initial; /* a file that appeared since the start holds only new lines */
    f->next = in->files;
    in->files = f;
    index_add(in->d, f);
    log_debug("following %s from offset %llu", path, (unsigned long long)f->read_off);
    if (!in->cfg->poll_only && uv_fs_event_init(in->d->loop, &f->ev) == 0) {
        f->ev.data = f;
        f->watching = 1;
        f->evented = uv_fs_event_start(&f->ev, file_event_cb, path, 0) == 0;
        if (!f->evented)
            uv_fs_event_stop(&f->ev); /* polling covers it */
    }
    if ((rc = follower_read(f, uv_now(in->d->loop), &err)) < 0)
        log_warnx("%s", err.msg);
    else if (rc == 1)
        daemon_want_more(in->d);
}

static void found_cb(void *ctx, const char *path)
{
    struct input *in = ctx;

    if (!glob_excluded(in->cfg->exclude, in->cfg->nexclude, path) &&
        !followed(in->d, path, 0, 0))
        add_file(in, path);
}

void input_scan(struct input *in)
{
    for (size_t i = 0; i < in->cfg->npaths; i++) {
        struct ww_err err = {0};
        if (glob_expand(in->cfg->paths[i], found_cb, in, &err) < 0)
            log_warnx("%s", err.msg);
    }
}

static void dir_event_cb(uv_fs_event_t *h, const char *name, int events, int status)
{
    (void)name, (void)events, (void)status;
    input_scan(h->data);
    daemon_flush(((struct input *)h->data)->d);
}

static void watch_dirs(struct input *in)
{
    in->dirs = xcalloc(in->cfg->npaths + 1, sizeof(*in->dirs));
    for (size_t i = 0; i < in->cfg->npaths; i++) {
        char *base = glob_base(in->cfg->paths[i]);
        uv_fs_event_t *h = &in->dirs[in->ndirs];

        if (uv_fs_event_init(in->d->loop, h) == 0) {
            h->data = in;
            in->ndirs++;
            if (uv_fs_event_start(h, dir_event_cb, base, 0) != 0) {
                log_debug("%s: no file-system events; polling every %llums", base,
                          (unsigned long long)in->d->cfg.poll_ms);
                in->rescan_always = 1;
            }
        }
        /* events cover only the base directory: deeper matches need the poll */
        in->rescan_always |= glob_deep(in->cfg->paths[i]);
        xfree(base);
    }
}

void input_set_matcher(struct input *in, struct matcher *m)
{
    in->sc.m = m;
}

int input_start(struct daemon *d, struct input *in, const struct cfg_input *cfg,
                struct ww_err *err)
{
    (void)err;
    in->cfg = cfg;
    in->d = d;
    in->sc.max_line = cfg->max_line;
    in->sc.encoding = cfg->encoding;
    in->sc.cb = daemon_line_cb;
    in->sc.ctx = d;
    if (!cfg->poll_only)
        watch_dirs(in);
    in->initial = 1;
    input_scan(in);
    in->initial = 0;
    return 0;
}

/* What a change under a follower's name means. Returns 1 (deleted: forget
 * it) or 2 (renamed and quiet for rotate_wait) when the follower is done,
 * after reading its file to the end; 0 while it goes on. */
static int settle(struct input *in, struct follower *f, uint64_t now)
{
    struct ww_err err = {0};
    enum follow_change c = follower_check(f, &err);
    uint64_t quiet_since = f->last_data > f->rotated_at ? f->last_data : f->rotated_at;

    switch (c) {
    case FOLLOW_TRUNCATED:
        log_info("%s", err.msg);
        return 0;
    case FOLLOW_DELETED:
        follower_drain(f, now);
        log_info("%s: deleted; read to its end", f->path);
        return 1;
    case FOLLOW_RENAMED:
        if (!f->rotated) {
            f->rotated = 1;
            f->rotated_at = now;
            index_del(in->d, f); /* the name belongs to its successor now */
            log_info("%s: rotated; the renamed file is read until it is quiet for %llums",
                     f->path, (unsigned long long)in->cfg->rotate_wait_ms);
            return 0;
        }
        if (now - quiet_since < in->cfg->rotate_wait_ms)
            return 0;
        follower_drain(f, now);
        return 2;
    case FOLLOW_SAME:
        break;
    }
    return 0;
}

static void unlink_follower(struct input *in, struct follower *f)
{
    for (struct follower **pp = &in->files; *pp != NULL; pp = &(*pp)->next) {
        if (*pp == f) {
            *pp = f->next;
            return;
        }
    }
}

/* Something happened to a followed file: read what is new, and if its name
 * now points elsewhere, finish it and look for its successor at once. */
static void file_event_cb(uv_fs_event_t *h, const char *name, int events, int status)
{
    struct follower *f = h->data;
    struct input *in = f->owner;
    uint64_t now = uv_now(in->d->loop);
    struct ww_err err = {0};
    int rc;

    (void)name, (void)events, (void)status;
    if (f->closing)
        return;
    if ((rc = follower_read(f, now, &err)) < 0)
        log_warnx("%s", err.msg);
    else if (rc == 1)
        daemon_want_more(in->d);
    if (rc != 1 && (rc = settle(in, f, now)) != 0) {
        unlink_follower(in, f);
        release(in, f, rc == 1);
    }
    input_scan(in); /* the successor of a rotated file, at once */
    daemon_flush(in->d);
}

/* A file with working file-system events needs no polling but as a safety
 * net; a renamed-away one only once its rotate_wait may have passed. */
static int needs_poll(const struct input *in, const struct follower *f, uint64_t now, int full)
{
    uint64_t quiet_since = f->last_data > f->rotated_at ? f->last_data : f->rotated_at;

    if (f->rotated)
        return now - quiet_since >= in->cfg->rotate_wait_ms || full;
    return !f->evented || full;
}

int input_poll(struct input *in, int full)
{
    uint64_t now = uv_now(in->d->loop);
    struct follower **pp = &in->files;
    int more = 0;

    while (*pp != NULL) {
        struct follower *f = *pp;
        struct ww_err err = {0};
        int rc = 0;

        if (needs_poll(in, f, now, full)) {
            if ((rc = follower_read(f, now, &err)) < 0)
                log_warnx("%s", err.msg);
            more |= rc == 1;
            if (rc != 1 && (rc = settle(in, f, now)) != 0) {
                *pp = f->next;
                release(in, f, rc == 1);
                continue;
            }
        }
        if (follower_idle(f, now, in->cfg->idle_flush_ms) < 0)
            log_warnx("%s: output error", f->path);
        pp = &f->next;
    }
    if (full || in->ndirs == 0 || in->rescan_always)
        input_scan(in); /* replaced files come back as new ones, from their start */
    return more;
}

void input_record_offsets(struct input *in, struct state *st)
{
    for (struct follower *f = in->files; f != NULL; f = f->next)
        state_set(st, f->dev, f->ino, follower_offset(f), f->path);
}

static void dir_closed_cb(uv_handle_t *h)
{
    struct input *in = h->data;

    if (--in->ndirs == 0) {
        xfree(in->dirs);
        xfree(in);
    }
}

void input_stop(struct input *in)
{
    while (in->files != NULL) {
        struct follower *f = in->files;
        in->files = f->next;
        release(in, f, 0);
    }
    if (in->own != NULL) {
        matcher_free(in->own);
        xfree(in->own);
    }
    scanner_free(&in->sc);
    timestamp_pattern_free(in->ts_re);
    if (in->ndirs == 0) {
        xfree(in->dirs);
        xfree(in);
        return;
    }
    for (size_t i = 0, n = in->ndirs; i < n; i++)
        uv_close((uv_handle_t *)&in->dirs[i], dir_closed_cb);
}
