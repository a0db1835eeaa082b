/*
 * The file output: JSON lines appended to a file, buffered and written on
 * flush; a durable flush also syncs it. When the file is rotated away
 * (renamed or deleted by logrotate or an operator), the next check reopens
 * the path, so new events go to the new file. Before each sync it checks
 * that the open file still has a name: one deleted (or its directory) since
 * the last sync gets what was written to it since written again to a new
 * file at the path, or, while that cannot be made (the directory gone),
 * kept waiting with the rest, so that nothing counts as delivered that went
 * nowhere.
 *
 * It loses nothing it took and never leaves half a line. When the file
 * cannot be written (disk full, a directory gone or read-only, an I/O
 * error), the events wait in memory and every flush tries again; each failed
 * attempt counts in wsawatch_output_write_errors_total, and the daemon logs
 * the first, this file the recovery. A write cut short is cut back to the
 * last whole line, so that a crash leaves whole lines only. With `buffer`
 * bytes waiting the output is full: the daemon stops reading (the lines wait
 * in the logs) until a flush gets them out. Offsets are not committed while
 * anything waits, so after a crash they are read again. The hard cap is
 * buffer + FILE_SLACK, room for what the read turn in progress still brings;
 * past it (more than FILE_SLACK of events from one turn over one file)
 * events are dropped and counted in wsawatch_output_dropped_total. At a
 * reload, the old output hands what it could not write to the new output of
 * the same name when it closes (after the commit that it made fail). It
 * knows nothing of files being followed.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <uv.h>

#include "config.h"
#include "metrics.h"
#include "outputs/output.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/log.h"

#define FILE_WRITE_AT (256u << 10) /* write out when this much is waiting */
#define FILE_SLACK (64u << 20)     /* past buffer: what one read turn may still bring */
#define FILE_BUFFER_MIN 1024u
#define FILE_BUFFER_MAX (1024u << 20)
static uint64_t default_buffer(void);
#define FILE_SYNC_AT (1u << 20)    /* sync when this much was written unsynced (kept to write again) */
#define WRITE_ERRORS "wsawatch_output_write_errors_total"
#define DROPPED "wsawatch_output_dropped_total"

struct file_cfg {
    uint64_t buffer; /* bytes held while the file cannot be written */
};

struct file_out {
    struct output *o; /* the output it is the state of */
    char *name;       /* owned copy, to find a successor by */
    int fd;
    uint64_t dev, ino;  /* identity of what fd has open */
    struct buf pending; /* whole lines not written yet */
    struct buf written; /* whole lines written since the last sync */
    size_t limit;       /* the configured buffer: full past it */
    char labels[300];   /* output="NAME" */
    int failing;        /* the last write failed: the recovery is logged */
    int unsynced;       /* written since the last sync */
    int dropping;       /* past the hard cap: logged once */
    int untracked;      /* some writes did not fit in written (cannot happen) */
    uint64_t dropped_run;
    struct file_out *next; /* in open_files */
};

/* Open file outputs, so that an old one finds its successor at a reload
 * (the new outputs are opened before the old are closed). */
static struct file_out *open_files;

/* Opens the path. Returns 0 or a negative libuv code. */
static int do_open(struct output *o, struct file_out *f)
{
    uv_fs_t req;
    int fd = uv_fs_open(NULL, &req, o->cfg->path, O_WRONLY | O_APPEND | O_CREAT, 0640, NULL);

    uv_fs_req_cleanup(&req);
    if (fd < 0)
        return fd;
    if (uv_fs_fstat(NULL, &req, fd, NULL) == 0) {
        f->dev = req.statbuf.st_dev;
        f->ino = req.statbuf.st_ino;
    }
    uv_fs_req_cleanup(&req);
    f->fd = fd;
    return 0;
}

static void close_fd(struct file_out *f)
{
    uv_fs_t req;

    if (f->fd < 0)
        return;
    uv_fs_close(NULL, &req, f->fd, NULL);
    uv_fs_req_cleanup(&req);
    f->fd = -1;
}

static void drop(struct output *o, struct file_out *f)
{
    o->st.dropped++;
    metrics_add(DROPPED, f->labels, 1);
    f->dropped_run++;
    if (!f->dropping)
        log_warnx("output '%s': %zu bytes of events wait for %s; dropping new ones", f->name,
                  f->pending.len, o->cfg->path);
    f->dropping = 1;
}

/* Hands what could not be written to the open output of the same name (a
 * reload), if there is one. Returns 1 if it did. */
static int hand_over(struct file_out *f)
{
    struct file_out *n = open_files;

    while (n != NULL && strcmp(n->name, f->name) != 0)
        n = n->next;
    if (n == NULL || f->pending.len == 0)
        return 0;
    if (buf_append(&n->pending, f->pending.p, f->pending.len) != 0) {
        log_warnx("output '%s': %zu bytes of events not written yet are more than the new "
                  "buffer; dropped",
                  f->name, f->pending.len);
        return 1;
    }
    log_info("output '%s': %zu bytes of events not written yet go to %s", f->name, f->pending.len,
             n->o->cfg->path);
    n->failing = 1; /* its recovery gets logged */
    n->o->full = n->pending.len >= n->limit;
    buf_reset(&f->pending);
    return 1;
}

static int open_file(struct output *o, struct ww_err *err)
{
    const struct file_cfg *c = o->cfg->kind_cfg;
    struct file_out *f;
    char why[300];
    int rc;

    /* a path that cannot be opened at start is taken for a mistake (a late
     * mount is systemd's to wait for: RequiresMountsFor=, Restart=) */
    if (output_check_path(o->cfg->path, why, sizeof(why)) != 0)
        return ww_err_set(err, WW_EIO, "output '%s': %s: %s", o->cfg->name, o->cfg->path, why);
    f = xcalloc(1, sizeof(*f));
    f->fd = -1;
    f->limit = (size_t)(c != NULL ? c->buffer : default_buffer());
    if ((rc = do_open(o, f)) != 0) {
        xfree(f);
        return ww_err_set(err, WW_EIO, "output '%s': %s: %s", o->cfg->name, o->cfg->path,
                          uv_strerror(rc));
    }
    f->o = o;
    f->name = xstrdup(o->cfg->name);
    buf_init(&f->pending, f->limit + FILE_SLACK);
    buf_init(&f->written, f->limit + FILE_SLACK + FILE_SYNC_AT);
    metrics_label(f->labels, 0, sizeof(f->labels), "output", f->name);
    metrics_declare(WRITE_ERRORS, METRIC_COUNTER,
                    "Writes or syncs of an output's file that failed; its events are kept and "
                    "written again.");
    metrics_declare(DROPPED, METRIC_COUNTER, "Messages an output dropped (queue full).");
    metrics_add(WRITE_ERRORS, f->labels, 0);
    f->next = open_files;
    open_files = f;
    o->priv = f;
    return 0;
}

/* After a write failed with done bytes of pending out: a line cut short is
 * cut off the file again, so that the file holds whole lines only whatever
 * happens next. Returns how many bytes of pending the file now has. */
static size_t cut_back(struct file_out *f, size_t done)
{
    size_t whole = done;
    uv_fs_t req;
    int rc;

    while (whole > 0 && f->pending.p[whole - 1] != '\n')
        whole--;
    if (whole == done)
        return done;
    rc = uv_fs_fstat(NULL, &req, f->fd, NULL);
    if (rc == 0 && req.statbuf.st_size >= done - whole) {
        int64_t size = (int64_t)(req.statbuf.st_size - (done - whole));
        uv_fs_req_cleanup(&req);
        rc = uv_fs_ftruncate(NULL, &req, f->fd, size, NULL);
    }
    uv_fs_req_cleanup(&req);
    return rc == 0 ? whole : done; /* else the rest of the line follows it later */
}

/* Writes what is pending. Returns 0 or a negative libuv code; what was
 * written (whole lines) is gone from pending, the rest waits. */
static int write_pending(struct output *o, struct file_out *f)
{
    size_t done = 0;
    uv_fs_t req;
    int rc = 0;

    if (f->pending.len == 0)
        return 0;
    if (f->fd < 0 && (rc = do_open(o, f)) != 0)
        return rc;
    while (done < f->pending.len) {
        uv_buf_t b = uv_buf_init(f->pending.p + done, (unsigned)(f->pending.len - done));
        rc = (int)uv_fs_write(NULL, &req, f->fd, &b, 1, -1, NULL);
        uv_fs_req_cleanup(&req);
        if (rc <= 0) {
            rc = rc == 0 ? UV_EIO : rc;
            done = cut_back(f, done);
            break;
        }
        if (buf_append(&f->written, f->pending.p + done, (size_t)rc) != 0)
            f->untracked = 1; /* cannot happen: synced past FILE_SYNC_AT */
        done += (size_t)rc;
        f->unsynced = 1;
        rc = 0;
    }
    memmove(f->pending.p, f->pending.p + done, f->pending.len - done);
    f->pending.len -= done;
    f->pending.p[f->pending.len] = '\0';
    if (f->pending.len == 0 && f->pending.cap > 4 * FILE_WRITE_AT)
        buf_free(&f->pending); /* what a long outage took is given back */
    return rc;
}

/* 1 if the open file has no name left (deleted, or its directory). */
static int deleted(const struct file_out *f)
{
    uv_fs_t req;
    int gone = uv_fs_fstat(NULL, &req, f->fd, NULL) == 0 && req.statbuf.st_nlink == 0;

    uv_fs_req_cleanup(&req);
    return gone;
}

/* What was written to a deleted file since its last sync goes before what
 * is pending, to be written to the new file at the path. */
static void write_again(struct output *o, struct file_out *f)
{
    struct buf b;

    if (f->written.len == 0) {
        close_fd(f);
        return;
    }
    log_warnx("output '%s': %s was deleted; %zu bytes of events written to it since its last "
              "sync are written again to a new file there", f->name, o->cfg->path,
              f->written.len);
    if (f->untracked)
        log_warnx("output '%s': some events written to the deleted file are lost", f->name);
    buf_init(&b, f->pending.max);
    if (buf_append(&b, f->written.p ? f->written.p : "", f->written.len) != 0 ||
        buf_append(&b, f->pending.p ? f->pending.p : "", f->pending.len) != 0) {
        o->st.dropped++; /* cannot happen: written is synced past FILE_SYNC_AT */
        metrics_add(DROPPED, f->labels, 1);
        buf_free(&b);
        return;
    }
    buf_free(&f->pending);
    f->pending = b;
    buf_reset(&f->written);
    f->untracked = 0;
    close_fd(f);
}

/* Syncs the open file, after making sure it still has a name. Returns 0 or
 * a negative libuv code. */
static int sync_checked(struct output *o, struct file_out *f)
{
    uv_fs_t req;
    int rc;

    if (deleted(f)) {
        write_again(o, f);
        if ((rc = write_pending(o, f)) != 0)
            return rc;
        if (f->fd < 0) /* nothing was owed: the next write opens the path */
            return f->unsynced = 0, 0;
    }
    rc = uv_fs_fsync(NULL, &req, f->fd, NULL), uv_fs_req_cleanup(&req);
    f->unsynced = rc != 0;
    if (rc == 0 && f->written.cap > 4 * FILE_WRITE_AT)
        buf_free(&f->written); /* what a burst took is given back */
    else if (rc == 0)
        buf_reset(&f->written);
    return rc;
}

static int flush_file(struct output *o, int durable, struct ww_err *err)
{
    struct file_out *f = o->priv;
    int rc = write_pending(o, f);

    if (rc == 0 && f->unsynced && (durable || f->written.len >= FILE_SYNC_AT))
        rc = sync_checked(o, f);
    o->full = f->pending.len >= f->limit;
    if (rc < 0) {
        metrics_add(WRITE_ERRORS, f->labels, 1);
        f->failing = 1;
        return ww_err_set(err, WW_EIO,
                          "output '%s': %s: %s; its events wait in memory and are written when "
                          "it works again (reading pauses past %zu bytes)",
                          o->cfg->name, o->cfg->path, uv_strerror(rc), f->limit);
    }
    if (f->failing && f->fd >= 0)
        log_info("output '%s': %s: written again", o->cfg->name, o->cfg->path);
    f->failing = f->failing && f->fd < 0;
    if (f->dropping && f->pending.len == 0) {
        log_info("output '%s': caught up; %llu events had been dropped", o->cfg->name,
                 (unsigned long long)f->dropped_run);
        f->dropping = 0;
        f->dropped_run = 0;
    }
    return 0;
}

static int write_file(struct output *o, const struct out_msg *m)
{
    struct file_out *f = o->priv;
    struct ww_err err = {0};

    if (m->len + 1 > f->pending.max - f->pending.len) {
        drop(o, f);
        return 0;
    }
    if (buf_append(&f->pending, m->json, m->len) != 0 || buf_putc(&f->pending, '\n') != 0)
        return WW_ELIMIT; /* cannot happen: the room was checked */
    if (!f->failing && (f->pending.len >= FILE_WRITE_AT || f->pending.len >= f->limit))
        (void)flush_file(o, 0, &err); /* a burst must not pile up; a failure shows at flush */
    o->full = f->pending.len >= f->limit;
    return 0;
}

/* Reopens the path when it names another file than the one open (rotated
 * away): the old file gets what it was owed first, synced. */
static void check_file(struct output *o)
{
    struct file_out *f = o->priv;
    struct ww_err err = {0};
    uv_fs_t req;
    int rc = uv_fs_stat(NULL, &req, o->cfg->path, NULL);
    int same = rc == 0 && req.statbuf.st_dev == f->dev && req.statbuf.st_ino == f->ino;

    uv_fs_req_cleanup(&req);
    if (same || f->fd < 0)
        return;
    if (flush_file(o, 1, &err) != 0)
        return; /* the old file still owes them: the next check tries again */
    close_fd(f);
    (void)do_open(o, f); /* else the next flush opens it, or fails */
}

static void close_file(struct output *o)
{
    struct file_out *f = o->priv, **pp;
    struct ww_err err = {0};

    if (f == NULL)
        return;
    for (pp = &open_files; *pp != NULL; pp = &(*pp)->next)
        if (*pp == f) {
            *pp = f->next;
            break;
        }
    if ((flush_file(o, 1, &err) != 0 || f->pending.len > 0) && !hand_over(f))
        log_warnx("output '%s': closing with %zu bytes of events not written to %s; offsets "
                  "were not committed past them",
                  f->name, f->pending.len, o->cfg->path);
    close_fd(f);
    buf_free(&f->pending);
    buf_free(&f->written);
    xfree(f->name);
    xfree(f);
    o->priv = NULL;
    o->full = 0;
}

static const struct yfield fields[] = {
    {"path", Y_STR, 1, "the file events are appended to; reopened when it is rotated away",
     NULL, NULL},
    {"buffer", Y_STR, 0,
     "events held in memory while the file cannot be written (disk full); reading pauses past "
     "it (1KiB to 1GiB)",
     "16MiB", NULL},
};

static uint64_t default_buffer(void)
{
    return config_default_size(&fields[1]);
}

static int parse_file(struct cfg_output *c, struct ydoc *y, yaml_node_t *node, yaml_node_t **v,
                      struct diag *d)
{
    struct file_cfg *fc = try_calloc(1, sizeof(*fc));
    char why[300];
    int errors = 0;

    (void)node;
    if (fc == NULL)
        return diag_oom(d);
    c->kind_cfg = fc;
    fc->buffer = default_buffer();
    if (v[0] != NULL && (c->path = try_strdup(ydoc_str(v[0]))) == NULL)
        return diag_oom(d);
    /* `check` may run as another user, or before the directory is made
     * (systemd's LogsDirectory=): a warning; `run` fails on it at open */
    if (c->path != NULL && output_check_path(c->path, why, sizeof(why)) != 0)
        ydoc_warning(y, v[0], d,
                     "output '%s': %s: %s; `run` fails unless it can be written "
                     "then",
                     c->name, c->path, why);
    if (v[1] != NULL && (config_parse_size(ydoc_str(v[1]), &fc->buffer) != 0 ||
                         fc->buffer < FILE_BUFFER_MIN || fc->buffer > FILE_BUFFER_MAX)) {
        ydoc_error(y, v[1], d, "bad size '%s' for buffer (1KiB to 1GiB)", ydoc_str(v[1]));
        errors++;
    }
    return errors;
}

static const struct output_ops ops = {open_file, write_file, flush_file, check_file, close_file};

const struct output_kind out_file_kind = {"file",     fields, sizeof(fields) / sizeof(fields[0]),
                                          parse_file, xfree,  &ops};
