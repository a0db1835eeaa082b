/*
 * The file output: JSON lines appended to a file, buffered and written on
 * flush; a durable flush also syncs it. When the file is rotated away
 * (renamed or deleted by logrotate or an operator), the next check reopens
 * the path, so new events go to the new file.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <uv.h>

#include "outputs/output.h"
#include "util/alloc.h"
#include "util/buf.h"

#define FILE_BUF_MAX (64u << 20)
#define FILE_WRITE_AT (256u << 10) /* write out when this much is waiting */

struct file_out {
    int fd;
    uint64_t dev, ino; /* identity of what fd has open */
    struct buf pending;
};

static int do_open(struct output *o, struct ww_err *err)
{
    struct file_out *f = o->priv;
    uv_fs_t req;
    int fd = uv_fs_open(NULL, &req, o->cfg->path, O_WRONLY | O_APPEND | O_CREAT, 0640, NULL);

    uv_fs_req_cleanup(&req);
    if (fd < 0)
        return ww_err_set(err, WW_EIO, "output '%s': %s: %s", o->cfg->name, o->cfg->path,
                          uv_strerror(fd));
    if (uv_fs_fstat(NULL, &req, fd, NULL) == 0) {
        f->dev = req.statbuf.st_dev;
        f->ino = req.statbuf.st_ino;
    }
    uv_fs_req_cleanup(&req);
    f->fd = fd;
    return 0;
}

static int open_file(struct output *o, struct ww_err *err)
{
    struct file_out *f = xcalloc(1, sizeof(*f));
    int rc;

    f->fd = -1;
    buf_init(&f->pending, FILE_BUF_MAX);
    o->priv = f;
    if ((rc = do_open(o, err)) != 0) {
        buf_free(&f->pending);
        xfree(f);
        o->priv = NULL;
    }
    return rc;
}

static int flush_file(struct output *o, int durable, struct ww_err *err);

static int write_file(struct output *o, const struct out_msg *m)
{
    struct file_out *f = o->priv;
    struct ww_err err = {0};
    int rc = buf_append(&f->pending, m->json, m->len);

    rc = rc ? rc : buf_putc(&f->pending, '\n');
    if (rc == 0 && f->pending.len >= FILE_WRITE_AT)
        rc = flush_file(o, 0, &err); /* a burst must not pile up in memory */
    return rc;
}

static int flush_file(struct output *o, int durable, struct ww_err *err)
{
    struct file_out *f = o->priv;
    size_t done = 0;
    uv_fs_t req;
    int rc = 0;

    if (f->fd < 0 && do_open(o, err) != 0)
        return WW_EIO;
    while (done < f->pending.len) {
        uv_buf_t b = uv_buf_init(f->pending.p + done, (unsigned)(f->pending.len - done));
        rc = (int)uv_fs_write(NULL, &req, f->fd, &b, 1, -1, NULL);
        uv_fs_req_cleanup(&req);
        if (rc <= 0)
            break;
        done += (size_t)rc;
        rc = 0;
    }
    /* What was written is gone from the buffer; the rest waits for the next flush. */
    if (done > 0) {
        memmove(f->pending.p, f->pending.p + done, f->pending.len - done);
        f->pending.len -= done;
    }
    if (rc == 0 && durable)
        rc = uv_fs_fsync(NULL, &req, f->fd, NULL), uv_fs_req_cleanup(&req);
    if (rc < 0)
        return ww_err_set(err, WW_EIO, "output '%s': %s: %s", o->cfg->name, o->cfg->path,
                          uv_strerror(rc));
    return 0;
}

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
    (void)flush_file(o, 0, &err); /* the old file gets what it was owed */
    uv_fs_close(NULL, &req, f->fd, NULL);
    uv_fs_req_cleanup(&req);
    f->fd = -1;
    (void)do_open(o, &err);
}

static void close_file(struct output *o)
{
    struct file_out *f = o->priv;
    struct ww_err err = {0};
    uv_fs_t req;

    if (f == NULL)
        return;
    (void)flush_file(o, 1, &err);
    if (f->fd >= 0) {
        uv_fs_close(NULL, &req, f->fd, NULL);
        uv_fs_req_cleanup(&req);
    }
    buf_free(&f->pending);
    xfree(f);
    o->priv = NULL;
}

static const struct yfield fields[] = {
    {"path", Y_STR, 1, "the file events are appended to"},
};

static int parse_file(struct cfg_output *c, struct ydoc *y, yaml_node_t *node, yaml_node_t **v,
                      struct diag *d)
{
    (void)y, (void)node, (void)d;
    if (v[0] != NULL)
        c->path = xstrdup(ydoc_str(v[0]));
    return 0;
}

static const struct output_ops ops = {open_file, write_file, flush_file, check_file, close_file};

const struct output_kind out_file_kind = {"file", fields, 1, parse_file, NULL, &ops};
