/*
 * The on-disk spool; see spool.h. A record is a 12-byte header -- "WSP1",
 * the payload's length and the CRC-32 of length and payload, both little
 * endian -- then the payload. A record id is segment << 32 | offset, so ids
 * grow in the order records were written. Files are named %016llx.seg; the
 * checkpoint "acked" holds "SEQ OFF", written to a temporary file, synced and
 * renamed. A torn record at the end of a segment (a crash mid-write) or a
 * damaged one is skipped by searching for the next header that checks. All
 * I/O is synchronous through libuv's fs calls (local disk, a few KiB at a
 * time), so it is the same code on Windows and POSIX.
 */
#include "outputs/spool.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "config.h"
#include "metrics.h"
#include "util/alloc.h"
#include "util/fsutil.h"
#include "util/log.h"

#define SPOOL_HDR 12
#define SPOOL_REC_MAX (64u << 20) /* a record larger than this is taken for damage */
#define SPOOL_SEG_MAX (4u << 20)  /* a segment is closed past this */
#define SPOOL_SEG_MIN (64u << 10)
#define SPOOL_SCAN 65536 /* bytes read at a time when resynchronising */
#define SPOOL_SEGS_MAX 100000
static const char magic[4] = {'W', 'S', 'P', '1'};

struct seg {
    uint64_t seq;
    uint64_t size;
};

struct handed {
    uint64_t id;
    int state; /* 0 out, 1 done (acked), 2 given up and kept (--once) */
};

struct spool {
    struct spool *next; /* in the list of open spools */
    char *name, *dir;
    char labels[300]; /* output="NAME" */
    uint64_t max, seg_max;
    int loaded, io_failing;
    struct seg *segs; /* ascending; the last is the tail being written */
    size_t nsegs;
    uv_file wfd, rfd; /* tail for writing (-1 until the first append), the read segment */
    uint64_t rfd_seq;
    int dirty;           /* appended since the last sync */
    uint64_t rseq, roff; /* the read cursor */
    uint64_t first_seq;  /* the first segment this instance wrote */
    struct handed *out;  /* handed out, in id order */
    size_t out_head, out_n, out_cap;
    uint64_t inflight;   /* handed out, not done */
    uint64_t failed;     /* given up in this run */
    uint64_t rejected;   /* refused for good by the receiver in this run */
    uint64_t ck_written; /* the checkpoint on disk */
    uint64_t total;      /* bytes in segments */
    int dropping, rolled_back;
    uint64_t dropped_run;
};

static char *root;
static int once_mode;
static struct spool *open_list;

/* ---- CRC-32, reflected polynomial 0xEDB88320, table built once */

uint32_t spool_crc32(uint32_t crc, const void *p, size_t len)
{
    static uint32_t table[256];
    const unsigned char *b = p;

    if (table[1] == 0)
        for (uint32_t i = 0; i < 256; i++) {
            uint32_t c = i;
            for (int k = 0; k < 8; k++)
                c = c & 1 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            table[i] = c;
        }
    crc = ~crc;
    while (len-- > 0)
        crc = table[(crc ^ *b++) & 0xff] ^ (crc >> 8);
    return ~crc;
}

static void put32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)v, p[1] = (unsigned char)(v >> 8);
    p[2] = (unsigned char)(v >> 16), p[3] = (unsigned char)(v >> 24);
}

static uint32_t get32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* ---- small file helpers */

static char *seg_path(const struct spool *s, uint64_t seq)
{
    return xasprintf("%s/%016" PRIx64 ".seg", s->dir, seq);
}

static int fs_rw(uv_file fd, char *p, size_t len, int64_t off, int writing)
{
    uv_fs_t req;
    uv_buf_t b = uv_buf_init(p, (unsigned)len);
    int rc = writing ? uv_fs_write(NULL, &req, fd, &b, 1, off, NULL)
                     : uv_fs_read(NULL, &req, fd, &b, 1, off, NULL);

    uv_fs_req_cleanup(&req);
    return rc;
}

static int fs_open(const char *path, int flags, uv_file *fd)
{
    uv_fs_t req;
    int rc = uv_fs_open(NULL, &req, path, flags, 0640, NULL);

    uv_fs_req_cleanup(&req);
    *fd = rc >= 0 ? rc : -1;
    return rc < 0 ? rc : 0;
}

static void fs_close(uv_file *fd)
{
    uv_fs_t req;

    if (*fd >= 0)
        uv_fs_close(NULL, &req, *fd, NULL), uv_fs_req_cleanup(&req);
    *fd = -1;
}

static int fs_sync(uv_file fd)
{
    uv_fs_t req;
    int rc = uv_fs_fsync(NULL, &req, fd, NULL);

    uv_fs_req_cleanup(&req);
    return rc;
}

static void fs_unlink(const char *path)
{
    uv_fs_t req;

    uv_fs_unlink(NULL, &req, path, NULL);
    uv_fs_req_cleanup(&req);
}

static int mkdir_one(const char *path)
{
    uv_fs_t req;
    int rc = uv_fs_mkdir(NULL, &req, path, 0750, NULL);

    uv_fs_req_cleanup(&req);
    return rc == UV_EEXIST ? 0 : rc;
}

/* ---- opening */

void spool_set_root(const char *state_dir, int once)
{
    xfree(root);
    root = state_dir != NULL ? xasprintf("%s/spool", state_dir) : NULL;
    once_mode = once;
}

int spool_once(void)
{
    return once_mode;
}

int spool_give_up(long tries, long retries)
{
    if (retries < 0)
        return once_mode && tries >= SPOOL_ONCE_RETRIES;
    return tries >= retries;
}

int spool_open(struct spool **out, const char *name, uint64_t max, struct ww_err *err)
{
    struct spool *s;
    char *dir;
    int rc;

    *out = NULL;
    if (root == NULL)
        return ww_err_set(err, WW_EINVAL, "output '%s': no state_dir for its spool", name);
    dir = xasprintf("%s/%s", root, name);
    if ((rc = mkdir_one(root)) != 0 || (rc = mkdir_one(dir)) != 0) {
        ww_err_set(err, WW_EIO, "output '%s': spool %s: %s", name, dir, uv_strerror(rc));
        xfree(dir);
        return WW_EIO;
    }
    s = xcalloc(1, sizeof(*s));
    s->name = xstrdup(name);
    s->dir = dir;
    s->max = max;
    s->seg_max = max / 8 > SPOOL_SEG_MAX ? SPOOL_SEG_MAX : max / 8;
    if (s->seg_max < SPOOL_SEG_MIN)
        s->seg_max = SPOOL_SEG_MIN;
    s->wfd = s->rfd = -1;
    metrics_label(s->labels, 0, sizeof(s->labels), "output", name);
    metrics_declare("wsawatch_spool_dropped_total", METRIC_COUNTER,
                    "Messages dropped from an output's spool past spool_max (the oldest first).");
    metrics_declare("wsawatch_spool_corrupt_total", METRIC_COUNTER,
                    "Damaged spool records skipped.");
    metrics_declare("wsawatch_spool_bytes", METRIC_GAUGE, "Bytes in an output's spool.");
    metrics_add("wsawatch_spool_dropped_total", s->labels, 0);
    metrics_add("wsawatch_spool_corrupt_total", s->labels, 0);
    s->next = open_list;
    open_list = s;
    *out = s;
    return 0;
}

static uint64_t make_id(uint64_t seq, uint64_t off)
{
    return seq << 32 | off;
}

static void read_checkpoint(struct spool *s, uint64_t *seq, uint64_t *off)
{
    char *path = xasprintf("%s/acked", s->dir), *data = NULL;
    size_t len;
    struct ww_err err = {0};
    unsigned long long a, b;

    *seq = *off = 0;
    if (fs_read_all(path, 64, &data, &len, &err) == 0 && sscanf(data, "%llx %llx", &a, &b) == 2)
        *seq = a, *off = b;
    xfree(data);
    xfree(path);
    s->ck_written = make_id(*seq, *off);
}

static void add_seg(struct spool *s, uint64_t seq, uint64_t size)
{
    s->segs = xrealloc(s->segs, (s->nsegs + 1) * sizeof(*s->segs));
    s->segs[s->nsegs].seq = seq;
    s->segs[s->nsegs].size = size;
    s->nsegs++;
    s->total += size;
}

static uint64_t file_size(const char *path)
{
    uv_fs_t req;
    uint64_t n = uv_fs_stat(NULL, &req, path, NULL) == 0 ? req.statbuf.st_size : 0;

    uv_fs_req_cleanup(&req);
    return n;
}

/* Lists the segments (names sort by sequence), deletes those the checkpoint
 * is past and empty ones, and puts the read cursor at the checkpoint. */
static void load(struct spool *s)
{
    struct ww_err err = {0};
    char **names = NULL;
    uint64_t ck_seq, ck_off, last = 0;
    int n = fs_list_dir(s->dir, &names, &err);

    s->loaded = 1;
    read_checkpoint(s, &ck_seq, &ck_off);
    for (int i = 0; i < n; i++) {
        unsigned long long seq;
        char tail[8] = "";

        if (sscanf(names[i], "%16llx%7s", &seq, tail) == 2 && strcmp(tail, ".seg") == 0 &&
            s->nsegs < SPOOL_SEGS_MAX) {
            char *path = seg_path(s, seq);
            uint64_t size = file_size(path);

            last = seq > last ? seq : last;
            if (seq < ck_seq || size == 0)
                fs_unlink(path);
            else
                add_seg(s, seq, size);
            xfree(path);
        }
        xfree(names[i]);
    }
    xfree(names);
    s->rseq = s->nsegs > 0 ? s->segs[0].seq : 0;
    s->roff = s->nsegs > 0 && s->segs[0].seq == ck_seq ? ck_off : 0;
    s->first_seq = (last > ck_seq ? last : ck_seq) + 1;
    add_seg(s, s->first_seq, 0); /* the tail, created at the first append */
    if (s->nsegs == 1)
        s->rseq = s->first_seq, s->roff = 0;
    if (s->total > 0)
        log_info("output '%s': %" PRIu64 " bytes in the spool %s, delivered first", s->name,
                 s->total, s->dir);
    metrics_set("wsawatch_spool_bytes", s->labels, (double)s->total);
}

static void ensure_loaded(struct spool *s)
{
    if (!s->loaded)
        load(s);
}

/* ---- the cap */

static struct seg *tail(struct spool *s)
{
    return &s->segs[s->nsegs - 1];
}

static int read_header(struct spool *s, uint64_t off, uint32_t *len, uint32_t *crc)
{
    unsigned char h[SPOOL_HDR];

    if (fs_rw(s->rfd, (char *)h, SPOOL_HDR, (int64_t)off, 0) != SPOOL_HDR ||
        memcmp(h, magic, 4) != 0)
        return -1;
    *len = get32(h + 4);
    *crc = get32(h + 8);
    return 0;
}

static int open_reader(struct spool *s, uint64_t seq)
{
    char *path;
    int rc;

    if (s->rfd >= 0 && s->rfd_seq == seq)
        return 0;
    fs_close(&s->rfd);
    path = seg_path(s, seq);
    rc = fs_open(path, UV_FS_O_RDONLY, &s->rfd);
    xfree(path);
    s->rfd_seq = seq;
    return rc;
}

/* Records from off to the end of segment i (headers only), for counting. */
static uint64_t count_records(struct spool *s, size_t i, uint64_t off)
{
    uint64_t n = 0;
    uint32_t len, crc;

    if (open_reader(s, s->segs[i].seq) != 0)
        return 0;
    while (off + SPOOL_HDR <= s->segs[i].size && read_header(s, off, &len, &crc) == 0) {
        off += SPOOL_HDR + (uint64_t)len;
        n++;
    }
    return n;
}

static void drop_oldest(struct spool *s)
{
    struct seg *g = &s->segs[0];
    uint64_t lost = 0;
    char *path = seg_path(s, g->seq);

    if (s->rseq <= g->seq)
        lost = count_records(s, 0, s->rseq == g->seq ? s->roff : 0);
    if (s->rfd_seq == g->seq)
        fs_close(&s->rfd);
    fs_unlink(path);
    xfree(path);
    s->total -= g->size;
    memmove(s->segs, s->segs + 1, (s->nsegs - 1) * sizeof(*s->segs));
    s->nsegs--;
    if (s->rseq < s->segs[0].seq)
        s->rseq = s->segs[0].seq, s->roff = 0;
    metrics_add("wsawatch_spool_dropped_total", s->labels, lost);
    if (!s->dropping)
        log_warnx("output '%s': spool full (spool_max %" PRIu64 " bytes); dropping the oldest "
                  "messages",
                  s->name, s->max);
    s->dropping = 1;
    s->dropped_run += lost;
}

/* ---- writing */

static int rotate(struct spool *s)
{
    int rc = s->dirty ? fs_sync(s->wfd) : 0;

    fs_close(&s->wfd);
    s->dirty = 0;
    add_seg(s, tail(s)->seq + 1, 0);
    return rc;
}

static int io_failed(struct spool *s, const char *what, int rc)
{
    if (!s->io_failing)
        log_warnx("output '%s': spool %s: %s: %s", s->name, s->dir, what, uv_strerror(rc));
    s->io_failing = 1;
    return WW_EIO;
}

int spool_append(struct spool *s, const void *p, size_t len)
{
    unsigned char h[SPOOL_HDR];
    uv_buf_t b[2];
    uv_fs_t req;
    int rc;

    ensure_loaded(s);
    if (len > SPOOL_REC_MAX)
        return WW_ELIMIT;
    if (s->wfd < 0) {
        char *path = seg_path(s, tail(s)->seq);
        rc = fs_open(path, UV_FS_O_WRONLY | UV_FS_O_CREAT | UV_FS_O_APPEND, &s->wfd);
        xfree(path);
        if (rc != 0)
            return io_failed(s, "open", rc);
    }
    memcpy(h, magic, 4);
    put32(h + 4, (uint32_t)len);
    put32(h + 8, spool_crc32(spool_crc32(0, h + 4, 4), p, len));
    b[0] = uv_buf_init((char *)h, SPOOL_HDR);
    b[1] = uv_buf_init((char *)p, (unsigned)len);
    rc = uv_fs_write(NULL, &req, s->wfd, b, 2, -1, NULL);
    uv_fs_req_cleanup(&req);
    if (rc != (int)(SPOOL_HDR + len)) {
        /* a short write leaves a torn record that reading skips; start afresh */
        rotate(s);
        return io_failed(s, "write", rc < 0 ? rc : UV_ENOSPC);
    }
    if (s->io_failing)
        log_info("output '%s': spool %s writable again", s->name, s->dir);
    s->io_failing = 0;
    s->dirty = 1;
    tail(s)->size += SPOOL_HDR + len;
    s->total += SPOOL_HDR + len;
    if (tail(s)->size >= s->seg_max)
        (void)rotate(s);
    while (s->total > s->max && s->nsegs > 1)
        drop_oldest(s);
    return 0;
}

/* ---- reading */

/* After a bad header at off: the offset of the next good-looking header in
 * the segment, or the segment's end. */
static uint64_t resync(struct spool *s, uint64_t off, uint64_t end)
{
    char *buf = xmalloc(SPOOL_SCAN);

    for (off++; off < end;) {
        size_t want = end - off < SPOOL_SCAN ? (size_t)(end - off) : SPOOL_SCAN;
        int n = fs_rw(s->rfd, buf, want, (int64_t)off, 0);
        size_t i;

        if (n <= 0)
            break;
        for (i = 0; i + 4 <= (size_t)n && memcmp(buf + i, magic, 4) != 0; i++)
            ;
        if (i + 4 <= (size_t)n) {
            off += i;
            xfree(buf);
            return off;
        }
        off += (size_t)n > 3 ? (size_t)n - 3 : 1;
    }
    xfree(buf);
    return end;
}

static void corrupt(struct spool *s, uint64_t seq, uint64_t off)
{
    metrics_add("wsawatch_spool_corrupt_total", s->labels, 1);
    log_warnx("output '%s': spool %s: damaged record in segment %" PRIx64 " at %" PRIu64
              "; skipped",
              s->name, s->dir, seq, off);
}

/* Reads the record at the cursor of segment g. Returns 1 with the record,
 * 0 at the segment's end, -1 for a damaged record (the cursor moved past). */
static int read_one(struct spool *s, const struct seg *g, char **p, size_t *len)
{
    uint32_t n, crc;
    unsigned char l4[4];
    char *buf;

    if (s->roff + SPOOL_HDR > g->size)
        return 0;
    if (read_header(s, s->roff, &n, &crc) != 0 || n > SPOOL_REC_MAX ||
        s->roff + SPOOL_HDR + n > g->size)
        goto bad;
    buf = xmalloc(n ? n : 1);
    put32(l4, n);
    if (fs_rw(s->rfd, buf, n, (int64_t)(s->roff + SPOOL_HDR), 0) != (int)n ||
        spool_crc32(spool_crc32(0, l4, 4), buf, n) != crc) {
        xfree(buf);
        goto bad;
    }
    *p = buf;
    *len = n;
    s->roff += SPOOL_HDR + n;
    return 1;
bad:
    corrupt(s, g->seq, s->roff);
    s->roff = resync(s, s->roff, g->size);
    return -1;
}

static void hand_out(struct spool *s, uint64_t id)
{
    if (s->out_head + s->out_n == s->out_cap) {
        if (s->out_n > 0)
            memmove(s->out, s->out + s->out_head, s->out_n * sizeof(*s->out));
        s->out_head = 0;
        if (s->out_n == s->out_cap) {
            s->out_cap = s->out_cap ? s->out_cap * 2 : 64;
            s->out = xrealloc(s->out, s->out_cap * sizeof(*s->out));
        }
    }
    s->out[s->out_head + s->out_n].id = id;
    s->out[s->out_head + s->out_n].state = 0;
    s->out_n++;
    s->inflight++;
}

static size_t seg_index(const struct spool *s, uint64_t seq)
{
    size_t i = 0;

    while (i < s->nsegs && s->segs[i].seq < seq)
        i++;
    return i;
}

int spool_next(struct spool *s, char **p, size_t *len, uint64_t *id)
{
    ensure_loaded(s);
    for (;;) {
        size_t i = seg_index(s, s->rseq);
        int rc = 0;

        if (i >= s->nsegs)
            return 0;
        s->rseq = s->segs[i].seq;
        if (s->roff < s->segs[i].size && (rc = open_reader(s, s->rseq)) != 0 &&
            rc != UV_ENOENT) {
            /* out of descriptors, an I/O error: the segment is still there
             * with its messages, so try again later rather than skip it */
            (void)io_failed(s, "cannot read a segment", rc);
            return 0;
        }
        if (s->roff >= s->segs[i].size || rc != 0) {
            if (i + 1 >= s->nsegs)
                return 0; /* the tail: nothing more yet */
            s->rseq = s->segs[i + 1].seq, s->roff = 0;
            continue;
        }
        *id = make_id(s->rseq, s->roff);
        if ((rc = read_one(s, &s->segs[i], p, len)) == 1) {
            hand_out(s, *id);
            return 1;
        }
        if (rc == 0 && i + 1 < s->nsegs)
            s->rseq = s->segs[i + 1].seq, s->roff = 0;
        else if (rc == 0)
            return 0;
    }
}

void spool_done(struct spool *s, uint64_t id, int delivered)
{
    size_t lo = s->out_head, hi = s->out_head + s->out_n;

    while (lo < hi) { /* ids were handed out in order */
        size_t mid = lo + (hi - lo) / 2;
        if (s->out[mid].id < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo >= s->out_head + s->out_n || s->out[lo].id != id || s->out[lo].state != 0)
        return;
    s->inflight--;
    if (!delivered)
        s->failed++;
    s->out[lo].state = !delivered && once_mode ? 2 : 1;
    while (s->out_n > 0 && s->out[s->out_head].state == 1)
        s->out_head++, s->out_n--;
    if (s->out_n == 0 && s->dropping && spool_pending(s) == 0) {
        log_info("output '%s': spool drained; %" PRIu64 " messages had been dropped", s->name,
                 s->dropped_run);
        s->dropping = 0;
        s->dropped_run = 0;
    }
}

uint64_t spool_pending(struct spool *s)
{
    ensure_loaded(s);
    int unread = s->rseq < tail(s)->seq || s->roff < tail(s)->size;

    return s->inflight + (unread ? 1 : 0);
}

uint64_t spool_failed(struct spool *s)
{
    return s->failed;
}

/* ---- the checkpoint */

static uint64_t checkpoint_id(const struct spool *s)
{
    uint64_t id = s->out_n > 0 ? s->out[s->out_head].id : make_id(s->rseq, s->roff);

    if (s->rolled_back && id > make_id(s->first_seq, 0))
        id = make_id(s->first_seq, 0);
    return id;
}

static int write_checkpoint(struct spool *s, uint64_t id)
{
    char *tmp = xasprintf("%s/acked.tmp", s->dir), *path = xasprintf("%s/acked", s->dir);
    char line[40];
    int n = snprintf(line, sizeof(line), "%" PRIx64 " %" PRIx64 "\n", id >> 32, id & 0xffffffffu);
    uv_file fd;
    uv_fs_t req;
    int rc = fs_open(tmp, UV_FS_O_WRONLY | UV_FS_O_CREAT | UV_FS_O_TRUNC, &fd);

    if (rc == 0) {
        rc = fs_rw(fd, line, (size_t)n, 0, 1) == n ? fs_sync(fd) : UV_EIO;
        fs_close(&fd);
    }
    if (rc == 0)
        rc = uv_fs_rename(NULL, &req, tmp, path, NULL), uv_fs_req_cleanup(&req);
    if (rc == 0)
        s->ck_written = id;
    xfree(tmp);
    xfree(path);
    return rc;
}

/* Deletes the segments wholly before the checkpoint. */
static void delete_done(struct spool *s, uint64_t id)
{
    while (s->nsegs > 1 && s->segs[0].seq < id >> 32) {
        char *path = seg_path(s, s->segs[0].seq);
        if (s->rfd_seq == s->segs[0].seq)
            fs_close(&s->rfd);
        fs_unlink(path);
        xfree(path);
        s->total -= s->segs[0].size;
        memmove(s->segs, s->segs + 1, (s->nsegs - 1) * sizeof(*s->segs));
        s->nsegs--;
    }
}

int spool_sync(struct spool *s, struct ww_err *err)
{
    uint64_t id;
    int rc = 0;

    if (!s->loaded)
        return 0;
    if (s->dirty && (rc = fs_sync(s->wfd)) != 0)
        return ww_err_set(err, WW_EIO, "output '%s': spool %s: fsync: %s", s->name, s->dir,
                          uv_strerror(rc));
    s->dirty = 0;
    if (s->io_failing)
        return ww_err_set(err, WW_EIO, "output '%s': spool %s cannot be written", s->name, s->dir);
    id = checkpoint_id(s);
    if (id != s->ck_written && (rc = write_checkpoint(s, id)) != 0)
        log_debug("output '%s': spool checkpoint: %s", s->name, uv_strerror(rc));
    delete_done(s, id);
    metrics_set("wsawatch_spool_bytes", s->labels, (double)s->total);
    return 0;
}

/* ---- closing */

void spool_close(struct spool *s)
{
    struct ww_err err = {0};

    if (s == NULL)
        return;
    for (struct spool **pp = &open_list; *pp != NULL; pp = &(*pp)->next)
        if (*pp == s) {
            *pp = s->next;
            break;
        }
    if (s->rolled_back) {
        fs_close(&s->wfd);
        s->dirty = 0;
        for (size_t i = 0; i < s->nsegs; i++)
            if (s->segs[i].seq >= s->first_seq) {
                char *path = seg_path(s, s->segs[i].seq);
                fs_unlink(path);
                xfree(path);
            }
    }
    if (spool_sync(s, &err) != 0)
        log_warnx("%s", err.msg);
    fs_close(&s->wfd);
    fs_close(&s->rfd);
    xfree(s->segs);
    xfree(s->out);
    xfree(s->name);
    xfree(s->dir);
    xfree(s);
}

void spool_rollback_all(void)
{
    for (struct spool *s = open_list; s != NULL; s = s->next)
        s->rolled_back = 1;
}

void spool_rejected(struct spool *s, uint64_t id)
{
    s->rejected++;
    spool_done(s, id, 1);
}

uint64_t spool_rejected_all(void)
{
    uint64_t n = 0;

    for (struct spool *s = open_list; s != NULL; s = s->next)
        n += s->rejected;
    return n;
}

uint64_t spool_failed_all(void)
{
    uint64_t n = 0;

    for (struct spool *s = open_list; s != NULL; s = s->next)
        n += s->failed;
    return n;
}

int spool_config_max(struct ydoc *y, yaml_node_t *n, const struct yfield *f, uint64_t *max,
                     struct diag *d)
{
    *max = config_default_size(f);
    if (n == NULL)
        return 0;
    /* at most 256GiB: the segments of a spool are listed up to SPOOL_SEGS_MAX */
    if (config_parse_size(ydoc_str(n), max) != 0 || *max < (1u << 20) ||
        *max > ((uint64_t)256 << 30)) {
        ydoc_error(y, n, d, "bad size '%s' for spool_max (1MiB to 256GiB)", ydoc_str(n));
        return 1;
    }
    return 0;
}

uint64_t spool_pending_all(void)
{
    uint64_t n = 0;

    for (struct spool *s = open_list; s != NULL; s = s->next)
        n += spool_pending(s);
    return n;
}

/* Bytes in the segments of dir. */
static uint64_t dir_bytes(const char *dir)
{
    struct ww_err err = {0};
    char **names = NULL;
    int n = fs_list_dir(dir, &names, &err);
    uint64_t total = 0;

    for (int i = 0; i < n; i++) {
        size_t len = strlen(names[i]);
        if (len > 4 && strcmp(names[i] + len - 4, ".seg") == 0) {
            char *path = xasprintf("%s/%s", dir, names[i]);
            total += file_size(path);
            xfree(path);
        }
        xfree(names[i]);
    }
    xfree(names);
    return total;
}

void spool_warn_orphans(char *const *names, size_t n)
{
    struct ww_err err = {0};
    char **dirs = NULL;
    int nd = root != NULL ? fs_list_dir(root, &dirs, &err) : 0;

    for (int i = 0; i < nd; i++) {
        size_t k = 0;
        while (k < n && strcmp(names[k], dirs[i]) != 0)
            k++;
        if (k == n) {
            char *dir = xasprintf("%s/%s", root, dirs[i]);
            uint64_t bytes = dir_bytes(dir);
            if (bytes > 0)
                log_warnx("spool %s: %" PRIu64 " bytes of messages for output '%s', which is "
                          "not configured: not delivered (give an output that name, or delete "
                          "the directory)",
                          dir, bytes, dirs[i]);
            xfree(dir);
        }
        xfree(dirs[i]);
    }
    xfree(dirs);
}
