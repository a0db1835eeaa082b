/*
 * One configured input: its globs, the files they match (followers), the
 * watchers on their directories, and what happens when files appear, grow,
 * rotate or vanish. Files present when the input starts begin as start_at
 * says (or where the state left them); files that appear later are read from
 * their beginning, since everything in them is new.
 *
 * A directory event names the file it is about: only that file is read or
 * looked at, so an append costs the same with 50 000 files as with one; the
 * globs are walked again only at start, on events without a name, when a
 * glob reaches below directories that are not watched, and on full polls.
 * Files in a watched directory need no watch of their own. Beyond the
 * open-file budget (follower.h) files are opened only to read what is new.
 *
 * Hostile or broken files are reported once, not at every poll: a path that
 * cannot be opened (retried every poll until it can), a FIFO or other
 * non-regular file under a glob, a followed file replaced by one; and, at
 * most once a minute per file or rule, lines longer than max_line_bytes and
 * lines on which a pattern hit the PCRE2 match limit (report.c).
 */
#include <string.h>

#include "daemon_int.h"
#include "glob.h"
#include "report.h"
#include "timestamp.h"
#include "util/alloc.h"
#include "util/log.h"

#define MODE_DIR 0040000u
#define MODE_REG 0100000u

/* A base directory watched for one of the input's globs. */
struct input_dir {
    uv_fs_event_t h;
    struct input *in;
    size_t i;      /* the glob (in->cfg->paths[i]) */
    char *base;    /* owned */
    int inited;    /* h needs closing */
    int ok;        /* and delivers events */
};

static size_t path_bucket(const char *path)
{
    uint32_t h = 2166136261u;

    for (; *path; path++)
        h = (h ^ (unsigned char)*path) * 16777619u;
    return h % INPUT_PATH_BUCKETS;
}

static size_t id_bucket(uint64_t dev, uint64_t ino)
{
    return (size_t)((ino * 0x9E3779B97F4A7C15ull) ^ dev) % INPUT_PATH_BUCKETS;
}

static void index_add(struct daemon *d, struct follower *f)
{
    size_t b = path_bucket(f->path), i = id_bucket(f->dev, f->ino);

    f->path_next = d->by_path[b];
    d->by_path[b] = f;
    f->id_next = d->by_id[i];
    d->by_id[i] = f;
    f->indexed = 1;
}

/* Gives up the path (renamed away: the name belongs to its successor). */
static void index_del_path(struct daemon *d, struct follower *f)
{
    if (f->indexed != 1)
        return;
    for (struct follower **pp = &d->by_path[path_bucket(f->path)]; *pp; pp = &(*pp)->path_next)
        if (*pp == f) {
            *pp = f->path_next;
            break;
        }
    f->indexed = 2;
}

static void index_del(struct daemon *d, struct follower *f)
{
    if (f->indexed == 0)
        return;
    index_del_path(d, f);
    for (struct follower **pp = &d->by_id[id_bucket(f->dev, f->ino)]; *pp; pp = &(*pp)->id_next)
        if (*pp == f) {
            *pp = f->id_next;
            break;
        }
    f->indexed = 0;
}

static struct follower *by_path(struct daemon *d, const char *path)
{
    for (struct follower *f = d->by_path[path_bucket(path)]; f != NULL; f = f->path_next)
        if (strcmp(f->path, path) == 0)
            return f;
    return NULL;
}

static struct follower *by_id(struct daemon *d, uint64_t dev, uint64_t ino)
{
    for (struct follower *f = d->by_id[id_bucket(dev, ino)]; f != NULL; f = f->id_next)
        if (f->dev == dev && f->ino == ino)
            return f;
    return NULL;
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

/* Records the follower's offset with what tells its file's content. */
static void record(struct state *st, const struct follower *f)
{
    struct fprint tail = follower_tail(f);

    state_set_prints(st, state_set(st, f->dev, f->ino, follower_offset(f), f->path), f->born_ms,
                     &f->head, &tail);
}

/* Lets a follower go: its offset is recorded first, or, for a deleted file,
 * forgotten (the inode may come back as another file). */
static void release(struct input *in, struct follower *f, int forget)
{
    report_file_done(in, f);
    index_del(in->d, f);
    if (forget)
        state_drop(&in->d->st, f->dev, f->ino);
    else
        record(&in->d->st, f);
    if (f->watching) {
        f->closing = 1;
        uv_fs_event_stop(&f->ev);
        uv_close((uv_handle_t *)&f->ev, follower_closed_cb);
    } else {
        free_follower(f);
    }
}

/* The birth time, for files found at start while the offsets loaded then are
 * judged (state.loaded_ms); 0 otherwise or when unknown (the file system does
 * not tell birth times). */
static int64_t born_ms(const struct input *in, int64_t born)
{
    return in->initial && in->d->st.loaded_ms != 0 ? born : 0;
}

/* Where a file starts: its saved offset; from the start when the state knew
 * another file under its name (rotated while the daemon was not running:
 * all of it is new) or when it was created since the last commit; else as
 * start_at says for files there at start, and from the start for files that
 * appeared since.
 *
 * Created since the last commit (less a commit interval: the daemon may not
 * have found it yet when it committed), nothing of a file can have been
 * committed: a file the application created, and rotated while the daemon
 * was down (or just before kill -9), is found under its rotated name with no
 * offset, and is read from its start rather than skipped as start_at: end
 * would. Created after the last commit, a file whose identity has an offset
 * got the inode of a deleted file: that offset is not its own. */
static uint64_t resume_at(struct input *in, const char *path, uint64_t dev, uint64_t ino,
                          int64_t birth, uint64_t size, struct follow_resume *r)
{
    struct state_entry *e = state_find(&in->d->st, dev, ino);
    int64_t born = born_ms(in, birth);

    if (e != NULL && born > 0 && born > in->d->st.loaded_ms) {
        log_info("%s: created after the last commit, with the inode of an earlier file; reading "
                 "it from its start", path);
        e->seen = 1;
        return 0;
    }
    if (e != NULL) {
        e->seen = 1;
        r->born_ms = e->born_ms;
        r->head = e->head;
        r->tail = e->tail;
        return e->offset;
    }
    if (!in->initial)
        return 0;
    if (state_find_path(&in->d->st, path, dev, ino) != NULL) {
        log_info("%s: rotated while wsawatch was not running; reading the new file from its "
                 "start", path);
        return 0;
    }
    if (!in->cfg->start_beginning && born > 0 &&
        born >= in->d->st.loaded_ms - (int64_t)in->d->cfg.commit_ms) {
        log_info("%s: created since the last commit of the offsets; reading it from its start",
                 path);
        return 0;
    }
    return in->cfg->start_beginning ? 0 : size;
}

static void resume_cb(void *ctx, const char *path, uint64_t dev, uint64_t ino, int64_t born,
                      uint64_t size, struct follow_resume *r)
{
    r->offset = resume_at(ctx, path, dev, ino, born, size, r);
}

/* At the open-file limit: closes followers' descriptors until the budget
 * holds. Returns 1 if that made room. */
static int shed(struct daemon *d)
{
    static int told;
    size_t before = follower_open_count();

    for (struct input *in = d->inputs; in != NULL && follower_over_budget(); in = in->next)
        for (struct follower *f = in->files; f != NULL && follower_over_budget(); f = f->next)
            (void)follower_shed(f);
    if (!told) {
        told = 1;
        log_warnx("open-file limit reached: keeping at most %zu log files open, the others are "
                  "opened only to read what is new (raise the limit to keep more open)",
                  follower_open_max());
    }
    return follower_open_count() < before;
}

/* 1 if path, whose last segment starts at name, lies right in dir. */
static int right_in(const char *dir, const char *path, const char *name)
{
    size_t n = strlen(dir);

    if (strcmp(dir, ".") == 0)
        return name == path;
    if (strcmp(dir, "/") == 0)
        return name == path + 1;
    return (size_t)(name - path) == n + 1 && strncmp(path, dir, n) == 0;
}

/* 1 if path lies right in a base directory whose events arrive: that
 * directory's events tell about it (not about what a link there names). */
static int covered(const struct input *in, const char *path)
{
    const char *name = path;
    uv_fs_t req;
    int link = uv_fs_lstat(NULL, &req, path, NULL) != 0 ||
               (req.statbuf.st_mode & 0170000u) == 0120000u;

    uv_fs_req_cleanup(&req);
    if (link)
        return 0;
    for (const char *q = path; *q; q++)
        if (*q == '/' || (HAVE_BACKSLASH_PATHS && *q == '\\'))
            name = q + 1;
    for (size_t i = 0; i < in->cfg->npaths; i++)
        if (in->dirs[i].ok && right_in(in->dirs[i].base, path, name))
            return 1;
    return 0;
}

static void file_event_cb(uv_fs_event_t *h, const char *name, int events, int status);

static int read_file(struct input *in, struct follower *f, uint64_t now);

static void told_rewritten(const struct follower *f)
{
    log_info("%s: its content before the offset changed (rewritten in place, or a new file with "
             "the same inode); reading it again from the start", f->path);
}

/* 1 when the bytes of n at fp hash as fp says. */
static int holds(const struct follower *n, const struct fprint *fp)
{
    unsigned char b[FPRINT_TAIL];

    return fp->len == 0 ||
           (fp->len <= sizeof(b) && follower_peek(n, fp->at - fp->len, b, fp->len) == fp->len &&
            fprint_hash(FPRINT_SEED, b, fp->len) == fp->hash);
}

/* Whether the new file n (size bytes, prefix hashes h[0..len] of its first
 * bytes) holds what was read from k: 1 what k holds now, 3 what it held
 * before it was truncated (its prev_ fingerprints), 2 or 4 perhaps (its
 * first bytes are those, but it is shorter than what was read), 0 not. */
static int copies(const struct follower *n, uint64_t size, const uint64_t *h, size_t len,
                  const struct follower *k)
{
    const struct fprint *hd[2] = {&k->head, &k->prev_head};
    struct fprint tail = follower_tail(k);
    const struct fprint *tl[2] = {&tail, &k->prev_tail};

    if (k == n || k->maybe_copy)
        return 0;
    for (int i = 0; i < 2; i++) {
        if (hd[i]->len == 0 || hd[i]->len > len || h[hd[i]->len] != hd[i]->hash)
            continue;
        if (size < tl[i]->at)
            return i == 0 ? 2 : 4; /* a copy still being written, or of less than was read */
        if (holds(n, tl[i]))
            return i == 0 ? 1 : 3;
    }
    return 0;
}

/* 0 while n may still wait to be told a copy or not (rotate_wait from the
 * first look), 1 once it has waited long enough. */
static int sort_wait(struct input *in, struct follower *n, uint64_t now)
{
    if (n->copy_wait != 0 && now - n->copy_wait >= in->cfg->rotate_wait_ms)
        return 1;
    n->copy_wait = n->copy_wait ? n->copy_wait : now;
    return 0;
}

/* A file found while running, before anything of it is taken: is it a copy
 * of a file of the input (copytruncate, with a glob that matches the copy)?
 * Then what it holds before where that file was read to is not read again.
 * Returns 1 to read it (from where this says), 0 to wait (it looks like a
 * copy still being written: until it holds enough or is quiet for
 * rotate_wait). */
static int sort_copy(struct input *in, struct follower *n, uint64_t now)
{
    unsigned char b[FPRINT_HEAD];
    uint64_t h[FPRINT_HEAD + 1], size, from;
    size_t len;
    int how = 0;
    struct follower *k = NULL;
    unsigned restarts;

    if (n->fd < 0)
        n->maybe_copy = 0; /* beyond the open-file limit: not looked for */
    if (n->fd < 0 || follower_size(n, &size) != 0 || size == 0)
        return 1; /* nothing to take yet */
    len = size < FPRINT_HEAD ? (size_t)size : FPRINT_HEAD;
    if (follower_peek(n, 0, b, len) != len)
        return 1;
    h[0] = FPRINT_SEED;
    for (size_t i = 0; i < len; i++)
        h[i + 1] = fprint_hash(h[i], b + i, 1);
    for (k = in->files; k != NULL && (how = copies(n, size, h, len, k)) == 0; k = k->next)
        ;
    if ((how == 2 || how == 4) && !sort_wait(in, n, now))
        return 0;
    if (k == NULL)
        return n->maybe_copy = 0, n->copy_wait = 0, 1;
    /* what the original still holds is read from it first; if it changed
     * meanwhile (truncated), the copy goes on from where the original was */
    from = how >= 3 ? k->prev_done : follower_offset(k);
    restarts = k->restarts;
    if (how == 1 && !k->rotated) {
        (void)read_file(in, k, now);
        /* The same bytes in two files make a copy only if the original is
         * then truncated (copytruncate does both at once): until it is, or
         * for rotate_wait, the new file waits; then it is another file. */
        if (k->restarts == restarts && !sort_wait(in, n, now))
            return 0;
        if (k->restarts == restarts)
            return n->maybe_copy = 0, n->copy_wait = 0, 1;
    }
    n->maybe_copy = 0;
    n->copy_wait = 0;
    if (how == 2)
        from = follower_offset(k);
    from = from < size ? from : size;
    log_info("%s: a copy of %s (copytruncate); its first %llu bytes were read from there, it is "
             "read from that offset", n->path, k->path, (unsigned long long)from);
    follower_skip_to(n, from);
    return 1;
}

/* Reads what is new in a followed file; a failure is reported once, and its
 * end when the file is readable again. Returns follower_read's result. */
static int read_file(struct input *in, struct follower *f, uint64_t now)
{
    struct ww_err err = {0};
    unsigned rewrites = f->rewrites;
    int rc;

    if (f->maybe_copy && !sort_copy(in, f, now))
        return 0;
    rc = follower_read(f, now, &err);

    if (rc == WW_ELIMIT && shed(in->d)) {
        memset(&err, 0, sizeof(err));
        rc = follower_read(f, now, &err);
    }
    if (f->rewrites != rewrites)
        told_rewritten(f);
    if (rc < 0)
        report_failed(in, f->path, rc, err.msg);
    else
        report_ok(in, f);
    report_long_lines(in, f, now);
    if (rc == 1)
        daemon_want_more(in->d);
    return rc;
}

static void add_file(struct input *in, const char *path)
{
    struct follower *f = xcalloc(1, sizeof(*f));
    struct ww_err err = {0};
    int rc = follower_open(f, path, &in->sc, in->cfg->encoding, resume_cb, in, &err);

    if (rc == WW_ELIMIT && shed(in->d)) {
        memset(&err, 0, sizeof(err));
        rc = follower_open(f, path, &in->sc, in->cfg->encoding, resume_cb, in, &err);
    }
    if (rc != 0) {
        report_failed(in, path, rc, err.msg);
        xfree(f);
        return;
    }
    if (by_id(in->d, f->dev, f->ino) != NULL) {
        free_follower(f); /* a hard link or a second glob: followed once */
        return;
    }
    f->owner = in;
    f->caught_up = !in->initial; /* a file that appeared since the start holds only new lines */
    f->maybe_copy = !in->initial && f->read_off == 0;
    f->next = in->files;
    in->files = f;
    index_add(in->d, f);
    log_debug("following %s from offset %llu", path, (unsigned long long)f->read_off);
    if (f->rewrites > 0)
        told_rewritten(f);
    report_ok(in, f);
    f->evented = !in->cfg->poll_only && covered(in, path);
    if (!in->cfg->poll_only && !f->evented && f->pinned &&
        uv_fs_event_init(in->d->loop, &f->ev) == 0) {
        f->ev.data = f;
        f->watching = 1;
        f->evented = uv_fs_event_start(&f->ev, file_event_cb, path, 0) == 0;
        if (!f->evented)
            uv_fs_event_stop(&f->ev); /* polling covers it */
    }
    if (!in->d->paused)
        (void)read_file(in, f, uv_now(in->d->loop));
}

static void changed(struct input *in, struct follower *f);

/* 1 if the follower's file has no name left (deleted, still open). */
static int unlinked_file(const struct follower *f)
{
    uv_fs_t req;
    int gone;

    if (f->fd < 0)
        return 0;
    gone = uv_fs_fstat(NULL, &req, f->fd, NULL) == 0 && req.statbuf.st_nlink == 0;
    uv_fs_req_cleanup(&req);
    return gone;
}

/* A path that matches: followed if it is a regular file not followed yet
 * (under another name, a link: once), reported if it is something else. */
static void consider(struct input *in, const char *path)
{
    uv_fs_t req;
    int rc = uv_fs_stat(NULL, &req, path, NULL);
    unsigned mode = (unsigned)req.statbuf.st_mode & 0170000u;
    uint64_t dev = req.statbuf.st_dev, ino = req.statbuf.st_ino;
    int64_t born = rc == 0 ? follower_born_ms(&req.statbuf) : 0;
    struct follower *known = rc == 0 ? by_id(in->d, dev, ino) : NULL;

    uv_fs_req_cleanup(&req);
    /* the same for a follower not held open (beyond the open-file limit),
     * told by the birth time: its file was deleted and this one got its inode */
    if (known != NULL && known->owner == in && !in->d->paused && known->fd < 0 &&
        follower_other_birth(known, born)) {
        changed(in, known);
        known = by_id(in->d, dev, ino);
    }
    /* the path names a file, so a follower of that identity whose file has
     * no name left follows a deleted file whose inode the file system gave
     * to this new one (ext4 does, at once): that one is read to its end and
     * let go first, or this file would be taken for it and not followed */
    if (known != NULL && known->owner == in && !in->d->paused && unlinked_file(known)) {
        changed(in, known);
        known = by_id(in->d, dev, ino);
    }
    /* a renamed-away file, followed under its old name, that the application
     * still writes to before it reopens its log: read now, not after rotate_wait */
    if (known != NULL && known->rotated && known->owner == in && !in->d->paused)
        (void)read_file(in, known, uv_now(in->d->loop));
    if (rc == UV_ENOENT || rc == UV_ENOTDIR || known != NULL)
        return;
    if (rc == 0 && mode != MODE_REG)
        report_odd(in, path, mode);
    else
        add_file(in, path); /* or reports why it cannot be opened */
}

static void found_cb(void *ctx, const char *path)
{
    struct input *in = ctx;

    if (!glob_excluded(in->cfg->exclude, in->cfg->nexclude, path) &&
        by_path(in->d, path) == NULL && !daemon_own_file(in->d, path))
        consider(in, path);
}

static void odd_cb(void *ctx, const char *path, unsigned mode)
{
    struct input *in = ctx;

    if (!glob_excluded(in->cfg->exclude, in->cfg->nexclude, path))
        report_odd(in, path, mode);
}

void input_scan(struct input *in)
{
    for (size_t i = 0; i < in->cfg->npaths; i++) {
        struct ww_err err = {0};
        if (glob_walk(in->cfg->paths[i], found_cb, odd_cb, in, &err) < 0 && !in->over_told) {
            in->over_told = 1;
            log_warnx("%s", err.msg);
        }
    }
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

/* The follower is done (1: its file deleted, forget its offset; 2: keep
 * it). Its path, no longer its own, is looked at again at once: the file
 * that took the name is its successor, or something else to report. */
static void finish(struct input *in, struct follower *f, int how, int unlinked)
{
    char *path = f->rotated ? NULL : xstrdup(f->path);

    if (!unlinked)
        unlink_follower(in, f);
    release(in, f, how == 1);
    if (path != NULL) {
        report_vacated(in, path);
        consider(in, path);
        xfree(path);
    } else if (how == 2) {
        /* a renamed file let go after rotate_wait: followed again under its
         * new name at once, while the state still has its offset (pruned
         * after two commits; found later, it would be read again from 0) */
        input_scan(in);
    }
}

/* What a change under a follower's name means. Returns 1 (deleted: forget
 * it) or 2 (renamed and quiet for rotate_wait, or replaced while closed)
 * when the follower is done, after reading its file to the end; 0 while it
 * goes on. */
static int settle(struct input *in, struct follower *f, uint64_t now)
{
    struct ww_err err = {0};
    enum follow_change c = follower_check(f, &err);
    uint64_t quiet_since = f->last_data > f->rotated_at ? f->last_data : f->rotated_at;
    char *path;

    switch (c) {
    case FOLLOW_TRUNCATED:
        log_info("%s", err.msg);
        return 0;
    case FOLLOW_DELETED:
        follower_drain(f, now);
        log_info("%s: deleted; read to its end", f->path);
        return 1;
    case FOLLOW_LOST:
        log_info("%s: replaced while not held open (beyond the open-file limit); the new file is "
                 "read from its start", f->path);
        return 2;
    case FOLLOW_RENAMED:
        if (!f->rotated) {
            f->rotated = 1;
            f->rotated_at = now;
            index_del_path(in->d, f); /* the name belongs to its successor now */
            log_info("%s: rotated; the renamed file is read until it is quiet for %llums",
                     f->path, (unsigned long long)in->cfg->rotate_wait_ms);
            path = xstrdup(f->path);
            report_vacated(in, path);
            consider(in, path); /* the successor, at once */
            xfree(path);
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

/* Something happened to a followed file: read what is new, and if its name
 * now points elsewhere, finish it and look at its successor. */
static void changed(struct input *in, struct follower *f)
{
    uint64_t now = uv_now(in->d->loop);
    int rc;

    if (in->d->paused)
        return; /* an output is full: the poll reads on when it is not */
    rc = read_file(in, f, now);

    if (rc != 1 && (rc = settle(in, f, now)) != 0)
        finish(in, f, rc, 0);
}

static void file_event_cb(uv_fs_event_t *h, const char *name, int events, int status)
{
    struct follower *f = h->data;

    (void)name, (void)events, (void)status;
    if (f->closing)
        return;
    changed(f->owner, f);
    daemon_flush(((struct input *)f->owner)->d);
}

static int is_dir(const char *path)
{
    uv_fs_t req;
    int dir = uv_fs_lstat(NULL, &req, path, NULL) == 0 &&
              (req.statbuf.st_mode & 0170000u) == MODE_DIR;

    uv_fs_req_cleanup(&req);
    return dir;
}

/* A name in a watched base directory changed: only that file is read, or
 * looked at when it is not followed; without a name, the globs are walked. */
static void dir_event_cb(uv_fs_event_t *h, const char *name, int events, int status)
{
    struct input_dir *dd = h->data;
    struct input *in = dd->in;
    const char *pattern = in->cfg->paths[dd->i];
    char *path;
    struct follower *f;

    (void)events;
    if (status < 0 || name == NULL || *name == '\0') {
        input_scan(in);
    } else {
        path = glob_child(pattern, name);
        if ((f = by_path(in->d, path)) != NULL) {
            if (f->owner == in)
                changed(in, f);
        } else if (glob_match(pattern, path)) {
            found_cb(in, path);
        } else if (glob_deep(pattern) && is_dir(path)) {
            input_scan(in); /* a new directory, perhaps with files in it already */
        }
        xfree(path);
    }
    daemon_flush(in->d);
}

static void watch_dirs(struct input *in)
{
    in->dirs = xcalloc(in->cfg->npaths + 1, sizeof(*in->dirs));
    for (size_t i = 0; i < in->cfg->npaths; i++) {
        struct input_dir *dd = &in->dirs[i];

        dd->in = in;
        dd->i = i;
        dd->base = glob_base(in->cfg->paths[i]);
        /* events cover only the base directory: deeper matches need the poll */
        in->rescan_always |= glob_deep(in->cfg->paths[i]);
        if (in->cfg->poll_only || uv_fs_event_init(in->d->loop, &dd->h) != 0)
            continue;
        dd->h.data = dd;
        dd->inited = 1;
        in->ndirs++;
        dd->ok = uv_fs_event_start(&dd->h, dir_event_cb, dd->base, 0) == 0;
        if (!dd->ok) {
            log_debug("%s: no file-system events; polling every %llums", dd->base,
                      (unsigned long long)in->d->cfg.poll_ms);
            in->rescan_always = 1;
        }
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
    watch_dirs(in);
    in->initial = 1;
    input_scan(in);
    in->initial = 0;
    return 0;
}

/* A file with working file-system events needs no polling but as a safety
 * net; a renamed-away one with its own watch only once its rotate_wait may
 * have passed (its directory's events name it no more: without a watch of
 * its own it is polled). */
static int needs_poll(const struct input *in, const struct follower *f, uint64_t now, int full)
{
    uint64_t quiet_since = f->last_data > f->rotated_at ? f->last_data : f->rotated_at;

    if (f->rotated)
        return !(f->watching && f->evented) || now - quiet_since >= in->cfg->rotate_wait_ms || full;
    return !f->evented || full || f->copy_wait != 0;
}

/* Paths that could not be read are tried again every poll. */
static void retry(struct input *in)
{
    char **paths;
    size_t n = report_failing(in, &paths);

    for (size_t i = 0; i < n; i++) {
        struct follower *f = by_path(in->d, paths[i]);
        if (f == NULL)
            consider(in, paths[i]);
        else if (f->owner == in)
            changed(in, f);
        xfree(paths[i]);
    }
    xfree(paths);
}

int input_poll(struct input *in, int full)
{
    uint64_t now = uv_now(in->d->loop);
    struct follower **pp = &in->files;
    int more = 0;

    while (*pp != NULL && !in->d->paused) { /* paused: an output is full */
        struct follower *f = *pp;
        int rc = 0;

        if (needs_poll(in, f, now, full)) {
            more |= (rc = read_file(in, f, now)) == 1;
            if (rc != 1 && (rc = settle(in, f, now)) != 0) {
                *pp = f->next;
                finish(in, f, rc, 1);
                continue;
            }
        }
        if (follower_idle(f, now, in->cfg->idle_flush_ms) < 0)
            log_warnx("%s: output error", f->path);
        report_long_lines(in, f, now);
        pp = &f->next;
    }
    retry(in);
    if (full || in->ndirs == 0 || in->rescan_always)
        input_scan(in); /* replaced files come back as new ones, from their start */
    if (full)
        report_prune(in);
    report_tick(in, now, 0);
    return more;
}

void input_match_limit(struct input *in, const struct line_ref *l, const struct rule *r)
{
    report_match_limit(in, l, r, uv_now(in->d->loop));
}

void input_record_offsets(struct input *in, struct state *st)
{
    for (struct follower *f = in->files; f != NULL; f = f->next)
        record(st, f);
}

static void free_input(struct input *in)
{
    for (size_t i = 0; in->dirs[i].base != NULL; i++) /* cfg may be gone (reload) */
        xfree(in->dirs[i].base);
    xfree(in->dirs);
    xfree(in);
}

static void dir_closed_cb(uv_handle_t *h)
{
    struct input_dir *dd = h->data;
    struct input *in = dd->in;

    if (--in->ndirs == 0)
        free_input(in);
}

void input_stop(struct input *in)
{
    while (in->files != NULL) {
        struct follower *f = in->files;
        in->files = f->next;
        release(in, f, 0);
    }
    report_tick(in, uv_now(in->d->loop), 1);
    report_free(in);
    if (in->own != NULL) {
        matcher_free(in->own);
        xfree(in->own);
    }
    scanner_free(&in->sc);
    timestamp_pattern_free(in->ts_re);
    if (in->ndirs == 0) {
        free_input(in);
        return;
    }
    for (size_t i = 0; in->dirs[i].base != NULL; i++)
        if (in->dirs[i].inited)
            uv_close((uv_handle_t *)&in->dirs[i].h, dir_closed_cb);
}
