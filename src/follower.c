/*
 * Following one file. See follower.h. The open-file budget is the process's:
 * descriptors are, and a follower only knows its own.
 */
#include "follower.h"

#include <stdint.h>
#include <string.h>

#include "util/alloc.h"

#define MODE_TYPE 0170000u
#define MODE_REG 0100000u

static size_t open_count;          /* followers holding a descriptor */
static size_t open_max = SIZE_MAX; /* lowered when the system runs out of them */

struct ident {
    uint64_t dev, ino, size, links;
    int64_t born_ms;
    unsigned mode;
};

int64_t follower_born_ms(const uv_stat_t *st)
{
    /* libuv fills the birth time with the ctime where the system gives none
     * (Linux without statx, OpenBSD): a time that moves with every write is
     * no birth time, so equal to the ctime to the nanosecond means unknown
     * (a file never changed since it was made loses nothing by that). */
    if (st->st_birthtim.tv_sec == st->st_ctim.tv_sec &&
        st->st_birthtim.tv_nsec == st->st_ctim.tv_nsec)
        return 0;
    return (int64_t)st->st_birthtim.tv_sec * 1000 + (int64_t)st->st_birthtim.tv_nsec / 1000000;
}

int follower_other_birth(const struct follower *f, int64_t born_ms)
{
    return f->born_ms > 0 && born_ms > 0 && f->born_ms != born_ms;
}

static void fill_identity(const uv_stat_t *st, struct ident *id)
{
    id->born_ms = follower_born_ms(st);
    id->dev = st->st_dev;
    id->ino = st->st_ino;
    id->size = st->st_size;
    id->links = st->st_nlink;
    id->mode = (unsigned)st->st_mode & MODE_TYPE;
}

static int identity(int fd, struct ident *id)
{
    uv_fs_t req;
    int rc = uv_fs_fstat(NULL, &req, fd, NULL);

    if (rc == 0)
        fill_identity(&req.statbuf, id);
    uv_fs_req_cleanup(&req);
    return rc;
}

/* The same for a path (following links, as open does). */
static int path_identity(const char *path, struct ident *id)
{
    uv_fs_t req;
    int rc = uv_fs_stat(NULL, &req, path, NULL);

    if (rc == 0)
        fill_identity(&req.statbuf, id);
    uv_fs_req_cleanup(&req);
    return rc;
}

const char *follower_type_name(unsigned mode)
{
    switch (mode & MODE_TYPE) {
    case 0040000: return "directory";
    case 0010000: return "FIFO";
    case 0140000: return "socket";
    case 0020000: return "character device";
    case 0060000: return "block device";
    case MODE_REG: return "regular file";
    }
    return "special file";
}

/* At the system's limit: keep FOLLOW_FD_RESERVE descriptors for the rest of
 * the daemon (outputs, state, directory scans) below what followers hold. */
static void lower_budget(void)
{
    size_t m = open_count > 2 * FOLLOW_FD_RESERVE ? open_count - FOLLOW_FD_RESERVE
                                                  : open_count / 2;

    if (m < open_max)
        open_max = m;
}

/* Opens path for reading without ever blocking (O_NONBLOCK: a FIFO would
 * wait for a writer). Returns 0 with *fd set, or an error as follower_open's. */
static int open_fd(const char *path, int *fd, struct ww_err *err)
{
    uv_fs_t req;
    int rc = uv_fs_open(NULL, &req, path, UV_FS_O_RDONLY | UV_FS_O_NONBLOCK, 0, NULL);

    uv_fs_req_cleanup(&req);
    if (rc >= 0) {
        *fd = rc;
        open_count++;
        return 0;
    }
    if (rc == UV_EMFILE || rc == UV_ENFILE) {
        lower_budget();
        return ww_err_set(err, WW_ELIMIT, "%s: %s", path, uv_strerror(rc));
    }
    if (rc == UV_ENOENT || rc == UV_ENOTDIR)
        return ww_err_set(err, WW_ENOTFOUND, "%s: %s", path, uv_strerror(rc));
    return ww_err_set(err, WW_EIO, "%s: %s", path, uv_strerror(rc));
}

static void close_fd(int *fd)
{
    uv_fs_t req;

    if (*fd < 0)
        return;
    uv_fs_close(NULL, &req, *fd, NULL);
    uv_fs_req_cleanup(&req);
    *fd = -1;
    open_count--;
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

static int bounded; /* run --once */

void follower_set_bounded(int on)
{
    bounded = on;
}

/* Reads n bytes at off into p. Returns 1 when all of them were there. */
static int read_at(int fd, uint64_t off, void *p, size_t n)
{
    uv_buf_t b = uv_buf_init(p, (unsigned)n);
    uv_fs_t req;
    ssize_t got = uv_fs_read(NULL, &req, fd, &b, 1, (int64_t)off, NULL);

    uv_fs_req_cleanup(&req);
    return got >= 0 && (size_t)got == n;
}

/* 1 when the file's bytes at fp hash as fp says (no fingerprint: 1). */
static int print_holds(int fd, const struct fprint *fp)
{
    unsigned char b[FPRINT_HEAD];

    if (fp->len == 0)
        return 1;
    return fp->len <= sizeof(b) && fp->at >= fp->len &&
           read_at(fd, fp->at - fp->len, b, fp->len) &&
           fprint_hash(FPRINT_SEED, b, fp->len) == fp->hash;
}

/* Takes the fingerprints of what lies before read_off from the file: the
 * first bytes, and the last ones into f->tail. */
static void take_prints(struct follower *f)
{
    unsigned char b[FPRINT_HEAD];
    uint32_t n = f->read_off < FPRINT_HEAD ? (uint32_t)f->read_off : FPRINT_HEAD;

    f->head = (struct fprint){0, 0, FPRINT_SEED};
    f->tail_len = 0;
    if (n > 0 && read_at(f->fd, 0, b, n))
        f->head = (struct fprint){n, n, fprint_hash(FPRINT_SEED, b, n)};
    n = f->read_off < FPRINT_TAIL ? (uint32_t)f->read_off : FPRINT_TAIL;
    if (n > 0 && read_at(f->fd, f->read_off - n, f->tail, n))
        f->tail_len = n;
}

/* Adds the n bytes at p, just read at read_off, to the fingerprints. */
static void note_read(struct follower *f, const char *p, size_t n)
{
    size_t keep;

    if (f->head.len < FPRINT_HEAD && f->head.len == f->read_off) {
        keep = n < FPRINT_HEAD - f->head.len ? n : FPRINT_HEAD - f->head.len;
        f->head.hash = fprint_hash(f->head.hash, p, keep);
        f->head.len += (uint32_t)keep;
        f->head.at = f->head.len;
    }
    if (n >= FPRINT_TAIL) {
        memcpy(f->tail, p + n - FPRINT_TAIL, FPRINT_TAIL);
        f->tail_len = FPRINT_TAIL;
        return;
    }
    keep = f->tail_len < FPRINT_TAIL - n ? f->tail_len : FPRINT_TAIL - n;
    memmove(f->tail, f->tail + f->tail_len - keep, keep);
    memcpy(f->tail + keep, p, n);
    f->tail_len = (uint32_t)(keep + n);
}

/* 1 while the file still holds, before read_off, what was read there. */
static int content_holds(struct follower *f)
{
    unsigned char b[FPRINT_TAIL];

    if (f->read_off == 0)
        return 1;
    return print_holds(f->fd, &f->head) &&
           (f->tail_len == 0 || (read_at(f->fd, f->read_off - f->tail_len, b, f->tail_len) &&
                                 memcmp(b, f->tail, f->tail_len) == 0));
}

struct fprint follower_tail(const struct follower *f)
{
    struct fprint fp = {f->read_off, f->tail_len, fprint_hash(FPRINT_SEED, f->tail, f->tail_len)};

    return f->tail_len > 0 ? fp : (struct fprint){0, 0, 0};
}

/* 1 when what the offsets store knew of the file before r->offset is still
 * there: the same birth time and fingerprints (those it knew). */
static int resume_holds(int fd, const struct ident *id, const struct follow_resume *r)
{
    if (r->born_ms > 0 && id->born_ms > 0 && r->born_ms != id->born_ms)
        return 0;
    if (r->tail.len > 0 && r->tail.at > id->size)
        return 0;
    return print_holds(fd, &r->head) && print_holds(fd, &r->tail);
}

int follower_open(struct follower *f, const char *path, struct scanner *sc, enum encoding enc,
                  follow_resume_cb resume, void *ctx, struct ww_err *err)
{
    struct follow_resume r;
    struct ident id;
    int fd, rc;

    memset(f, 0, sizeof(*f));
    f->fd = -1;
    if ((rc = open_fd(path, &fd, err)) != 0)
        return rc;
    if ((rc = identity(fd, &id)) != 0 || id.mode != MODE_REG) {
        close_fd(&fd);
        if (rc != 0)
            return ww_err_set(err, WW_EIO, "%s: %s", path, uv_strerror(rc));
        return ww_err_set(err, WW_EINVAL, "%s: a %s, not a regular file", path,
                          follower_type_name(id.mode));
    }
    f->fd = fd;
    f->pinned = open_count <= open_max;
    f->dev = id.dev;
    f->ino = id.ino;
    f->born_ms = id.born_ms;
    f->path = xstrdup(path);
    f->stop_at = bounded ? id.size : UINT64_MAX;
    memset(&r, 0, sizeof(r));
    resume(ctx, path, f->dev, f->ino, id.born_ms, id.size, &r);
    f->read_off = r.offset;
    if (f->read_off > 0 && !resume_holds(fd, &id, &r)) {
        f->read_off = 0; /* rewritten, or another file with its inode, while we were away */
        f->rewrites = 1;
    }
    if (f->read_off > id.size)
        f->read_off = 0; /* shorter than we knew it: truncated while we were away */
    take_prints(f);
    scan_stream_init(&f->st, sc, f->path, f->read_off > 0 ? sniff_head(fd, enc) : enc,
                     f->read_off, FOLLOW_CHUNK);
    f->st.tag = f;
    return 0;
}

/* Opens a closed follower's file again if its path still names it and it
 * has something new. Returns 1 when open, 0 when there is nothing to read
 * (follower_check tells what happened), or an error as follower_open's. */
static int reopen(struct follower *f, struct ww_err *err)
{
    struct ident id;
    int fd, rc;

    if (path_identity(f->path, &id) != 0 || id.dev != f->dev || id.ino != f->ino ||
        follower_other_birth(f, id.born_ms) || id.size <= f->read_off)
        return 0;
    if ((rc = open_fd(f->path, &fd, err)) != 0)
        return rc == WW_ENOTFOUND ? 0 : rc;
    if (identity(fd, &id) != 0 || id.dev != f->dev || id.ino != f->ino ||
        follower_other_birth(f, id.born_ms)) {
        close_fd(&fd); /* replaced in between */
        return 0;
    }
    f->fd = fd;
    f->pinned = open_count <= open_max;
    return 1;
}

static void restart_at_zero(struct follower *f);

int follower_read(struct follower *f, uint64_t now, struct ww_err *err)
{
    size_t total = 0;
    int rc = 1;

    if (f->fd < 0 && (rc = reopen(f, err)) <= 0)
        return rc;
    while (total < FOLLOW_BUDGET) {
        uv_fs_t req;
        size_t room;
        char *p = scan_stream_space(&f->st, &room);
        uv_buf_t b;
        ssize_t got = 0;

        if (f->stop_at - f->read_off < room) /* --once: not past the size at open */
            room = f->read_off < f->stop_at ? (size_t)(f->stop_at - f->read_off) : 0;
        b = uv_buf_init(p, (unsigned)room);
        if (room > 0)
            got = uv_fs_read(NULL, &req, f->fd, &b, 1, (int64_t)f->read_off, NULL);

        if (room > 0)
            uv_fs_req_cleanup(&req);
        if (got < 0) {
            rc = ww_err_set(err, WW_EIO, "%s: read error: %s", f->path, uv_strerror((int)got));
            break;
        }
        if (got == 0) {
            f->caught_up = 1;
            rc = scan_stream_push(&f->st, 0, 0); /* frees an idle buffer */
            break;
        }
        /* it grew: is what lies before the offset still what was read?
         * (every chunk: the lines of the last one may have made an
         * application rewrite its log, and a slow turn see the new content) */
        if (!content_holds(f)) {
            (void)scan_stream_push(&f->st, 0, 1); /* the held line of the old content */
            restart_at_zero(f);
            f->rewrites++;
            continue;
        }
        note_read(f, p, (size_t)got);
        f->read_off += (uint64_t)got;
        f->last_data = now;
        total += (size_t)got;
        if ((rc = scan_stream_push(&f->st, (size_t)got, 0)) != 0)
            break;
        rc = 1;
    }
    f->behind = rc == 1;
    if (!f->pinned && !f->rotated)
        close_fd(&f->fd); /* beyond the budget: opened again for the next read */
    return rc;
}

/* Starts the stream over at off (0: the encoding as configured; else told
 * from the file's first bytes) with the fingerprints of what lies before. */
static void restart_at(struct follower *f, uint64_t off)
{
    struct scanner *sc = f->st.s;
    enum encoding enc = off > 0 && f->fd >= 0 ? sniff_head(f->fd, sc->encoding) : sc->encoding;

    f->prev_head = f->head; /* a copy of the content let go may turn up (copytruncate) */
    f->prev_tail = follower_tail(f);
    f->prev_done = follower_offset(f);
    scan_stream_free(&f->st);
    f->read_off = off;
    f->head = (struct fprint){0, 0, FPRINT_SEED};
    f->tail_len = 0;
    if (off > 0 && f->fd >= 0)
        take_prints(f);
    scan_stream_init(&f->st, sc, f->path, enc, off, FOLLOW_CHUNK);
    f->st.tag = f;
    f->restarts++;
}

static void restart_at_zero(struct follower *f)
{
    restart_at(f, 0);
}

void follower_skip_to(struct follower *f, uint64_t off)
{
    restart_at(f, off);
}

int follower_size(const struct follower *f, uint64_t *size)
{
    struct ident id;

    if (f->fd < 0 || identity(f->fd, &id) != 0)
        return -1;
    *size = id.size;
    return 0;
}

size_t follower_peek(const struct follower *f, uint64_t off, void *p, size_t n)
{
    return f->fd >= 0 && read_at(f->fd, off, p, n) ? n : 0;
}

static enum follow_change truncated(struct follower *f, uint64_t size, struct ww_err *err)
{
    ww_err_set(err, WW_OK, "%s: truncated to %llu bytes; reading it again from the start",
               f->path, (unsigned long long)size);
    (void)scan_stream_push(&f->st, 0, 1); /* the held line of the old content */
    restart_at_zero(f);
    return FOLLOW_TRUNCATED;
}

/* A closed follower only has its path to go by. */
static enum follow_change check_closed(struct follower *f, struct ww_err *err)
{
    struct ident id;
    int rc = path_identity(f->path, &id);

    if (rc == UV_ENOENT || rc == UV_ENOTDIR)
        return FOLLOW_DELETED;
    if (rc != 0)
        return FOLLOW_SAME; /* cannot tell (permissions): try again later */
    if (id.dev != f->dev || id.ino != f->ino || follower_other_birth(f, id.born_ms))
        return FOLLOW_LOST;
    return id.size < f->read_off ? truncated(f, id.size, err) : FOLLOW_SAME;
}

enum follow_change follower_check(struct follower *f, struct ww_err *err)
{
    struct ident at, open;
    int rc, same;

    if (f->fd < 0)
        return check_closed(f, err);
    rc = path_identity(f->path, &at);
    same = rc == 0 && at.dev == f->dev && at.ino == f->ino;
    if (identity(f->fd, &open) != 0)
        return FOLLOW_DELETED;
    if (!same && (rc == 0 || rc == UV_ENOENT || rc == UV_ENOTDIR))
        return open.links == 0 ? FOLLOW_DELETED : FOLLOW_RENAMED;
    if (open.size < f->read_off)
        return truncated(f, open.size, err);
    return FOLLOW_SAME;
}

void follower_drain(struct follower *f, uint64_t now)
{
    struct ww_err err = {0};

    while (f->fd >= 0 && follower_read(f, now, &err) == 1)
        ;
    (void)scan_stream_push(&f->st, 0, 1);
}

int follower_idle(struct follower *f, uint64_t now, uint64_t idle_ms)
{
    /* behind: the line goes on in bytes not read yet (the loop was busy, the
     * file was not idle) */
    if (f->behind || scan_stream_pending(&f->st) == 0 || now - f->last_data < idle_ms)
        return 0;
    return scan_stream_push(&f->st, 0, 1);
}

uint64_t follower_offset(const struct follower *f)
{
    return scan_stream_done(&f->st);
}

void follower_close(struct follower *f)
{
    close_fd(&f->fd);
    scan_stream_free(&f->st);
    xfree(f->path);
    f->path = NULL;
}

int follower_over_budget(void)
{
    return open_count > open_max;
}

int follower_shed(struct follower *f)
{
    if (f->fd < 0 || f->rotated)
        return 0;
    f->pinned = 0;
    close_fd(&f->fd);
    return 1;
}

size_t follower_open_count(void)
{
    return open_count;
}

size_t follower_open_max(void)
{
    return open_max;
}
