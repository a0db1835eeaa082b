/*
 * Following one file. See follower.h.
 */
#include "follower.h"

#include <fcntl.h>
#include <string.h>

#include "util/alloc.h"

static int identity(int fd, uint64_t *dev, uint64_t *ino, uint64_t *size, uint64_t *links)
{
    uv_fs_t req;
    int rc = uv_fs_fstat(NULL, &req, fd, NULL);

    if (rc == 0) {
        *dev = req.statbuf.st_dev;
        *ino = req.statbuf.st_ino;
        *size = req.statbuf.st_size;
        if (links != NULL)
            *links = req.statbuf.st_nlink;
    }
    uv_fs_req_cleanup(&req);
    return rc;
}

/* The encoding of a file resumed in its middle, from its first bytes. */
static enum encoding sniff_head(int fd, enum encoding enc)
{
    char head[512];
    uv_buf_t b = uv_buf_init(head, sizeof(head));
    uv_fs_t req;
    ssize_t got = uv_fs_read(NULL, &req, fd, &b, 1, 0, NULL);
    size_t bom;

    uv_fs_req_cleanup(&req);
    if (enc != ENC_AUTO || got <= 0)
        return enc == ENC_AUTO ? ENC_UTF8 : enc;
    return decoder_sniff(head, (size_t)got, &bom);
}

int follower_open(struct follower *f, const char *path, struct scanner *sc, enum encoding enc,
                  follow_resume_cb resume, void *ctx, struct ww_err *err)
{
    uv_fs_t req;
    uint64_t size;
    int fd = uv_fs_open(NULL, &req, path, O_RDONLY, 0, NULL), rc;

    uv_fs_req_cleanup(&req);
    memset(f, 0, sizeof(*f));
    if (fd < 0)
        return ww_err_set(err, WW_EIO, "%s: %s", path, uv_strerror(fd));
    if ((rc = identity(fd, &f->dev, &f->ino, &size, NULL)) != 0) {
        uv_fs_close(NULL, &req, fd, NULL);
        uv_fs_req_cleanup(&req);
        return ww_err_set(err, WW_EIO, "%s: %s", path, uv_strerror(rc));
    }
    f->fd = fd;
    f->path = xstrdup(path);
    f->read_off = resume(ctx, path, f->dev, f->ino, size);
    if (f->read_off > size)
        f->read_off = 0; /* shorter than we knew it: truncated while we were away */
    scan_stream_init(&f->st, sc, f->path, f->read_off > 0 ? sniff_head(fd, enc) : enc,
                     f->read_off, FOLLOW_CHUNK);
    f->st.tag = f;
    return 0;
}

int follower_read(struct follower *f, uint64_t now, struct ww_err *err)
{
    size_t total = 0;

    while (total < FOLLOW_BUDGET) {
        uv_fs_t req;
        size_t room;
        char *p = scan_stream_space(&f->st, &room);
        uv_buf_t b = uv_buf_init(p, (unsigned)room);
        ssize_t got = uv_fs_read(NULL, &req, f->fd, &b, 1, (int64_t)f->read_off, NULL);
        int rc;

        uv_fs_req_cleanup(&req);
        if (got < 0)
            return ww_err_set(err, WW_EIO, "%s: read error: %s", f->path,
                              uv_strerror((int)got));
        if (got == 0) {
            f->caught_up = 1;
            rc = scan_stream_push(&f->st, 0, 0); /* frees an idle buffer */
            return rc < 0 ? rc : 0;
        }
        f->read_off += (uint64_t)got;
        f->last_data = now;
        total += (size_t)got;
        if ((rc = scan_stream_push(&f->st, (size_t)got, 0)) != 0)
            return rc;
    }
    return 1;
}

static void restart_at_zero(struct follower *f)
{
    struct scanner *sc = f->st.s;
    enum encoding enc = sc->encoding;

    scan_stream_free(&f->st);
    f->read_off = 0;
    scan_stream_init(&f->st, sc, f->path, enc, 0, FOLLOW_CHUNK);
    f->st.tag = f;
}

enum follow_change follower_check(struct follower *f, struct ww_err *err)
{
    uv_fs_t req;
    uint64_t dev, ino, size, links = 1;
    int rc = uv_fs_stat(NULL, &req, f->path, NULL), same;

    same = rc == 0 && req.statbuf.st_dev == f->dev && req.statbuf.st_ino == f->ino;
    uv_fs_req_cleanup(&req);
    if (identity(f->fd, &dev, &ino, &size, &links) != 0)
        return FOLLOW_DELETED;
    if (!same && (rc == 0 || rc == UV_ENOENT || rc == UV_ENOTDIR))
        return links == 0 ? FOLLOW_DELETED : FOLLOW_RENAMED;
    if (size < f->read_off) {
        ww_err_set(err, WW_OK, "%s: truncated to %llu bytes; reading it again from the start",
                   f->path, (unsigned long long)size);
        (void)scan_stream_push(&f->st, 0, 1); /* the held line of the old content */
        restart_at_zero(f);
        return FOLLOW_TRUNCATED;
    }
    return FOLLOW_SAME;
}

void follower_drain(struct follower *f, uint64_t now)
{
    struct ww_err err = {0};

    while (follower_read(f, now, &err) == 1)
        ;
    (void)scan_stream_push(&f->st, 0, 1);
}

int follower_idle(struct follower *f, uint64_t now, uint64_t idle_ms)
{
    if (scan_stream_pending(&f->st) == 0 || now - f->last_data < idle_ms)
        return 0;
    return scan_stream_push(&f->st, 0, 1);
}

uint64_t follower_offset(const struct follower *f)
{
    return scan_stream_done(&f->st);
}

void follower_close(struct follower *f)
{
    uv_fs_t req;

    if (f->fd >= 0) {
        uv_fs_close(NULL, &req, f->fd, NULL);
        uv_fs_req_cleanup(&req);
        f->fd = -1;
    }
    scan_stream_free(&f->st);
    xfree(f->path);
    f->path = NULL;
}
