/*
 * Offsets store. See state.h.
 */
#include "state.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <uv.h>

#include "util/alloc.h"
#include "util/buf.h"
#include "util/fsutil.h"
#include "util/json.h"
#include "util/utf.h"

#define STATE_MAX_BYTES (64u << 20)

/* Out of space: ENOSPC, or EDQUOT (a quota), which libuv before 1.45 passes
 * on as the negated errno. */
static int is_no_space(int rc)
{
#if defined(UV__EDQUOT)
    if (rc == UV__EDQUOT)
        return 1;
#elif defined(EDQUOT)
    if (rc == -EDQUOT)
        return 1;
#endif
    return rc == UV_ENOSPC;
}

void state_init(struct state *s, const char *dir)
{
    memset(s, 0, sizeof(*s));
    s->dir = xstrdup(dir);
    s->file = xasprintf("%s/offsets.json", dir);
    s->dirty = 1; /* the first save writes the file, so that it is known to work */
}

static size_t id_hash(uint64_t dev, uint64_t ino)
{
    return (size_t)(ino * 0x9E3779B97F4A7C15ull ^ dev * 0xC2B2AE3D27D4EB4Full);
}

static void index_put(struct state *s, size_t i)
{
    size_t h = id_hash(s->v[i].dev, s->v[i].ino) & (s->nslot - 1);

    while (s->slot[h] != 0)
        h = (h + 1) & (s->nslot - 1);
    s->slot[h] = i + 1;
}

/* Rebuilds the identity index of v[0..n), so that state_find does not grow
 * with the number of files (a glob may match tens of thousands). */
static void reindex(struct state *s)
{
    size_t want = 64;

    while (want < 2 * s->n + 2)
        want *= 2;
    if (want != s->nslot) {
        xfree(s->slot);
        s->slot = xcalloc(want, sizeof(*s->slot));
        s->nslot = want;
    } else {
        memset(s->slot, 0, want * sizeof(*s->slot));
    }
    for (size_t i = 0; i < s->n; i++)
        index_put(s, i);
}

static void clear(struct state *s)
{
    for (size_t i = 0; i < s->n; i++)
        xfree(s->v[i].path);
    s->n = 0;
    reindex(s);
}

void state_free(struct state *s)
{
    clear(s);
    xfree(s->v);
    xfree(s->slot);
    xfree(s->dir);
    xfree(s->file);
    memset(s, 0, sizeof(*s));
}

struct state_entry *state_find(struct state *s, uint64_t dev, uint64_t ino)
{
    for (size_t h = s->nslot ? id_hash(dev, ino) & (s->nslot - 1) : 0;
         s->nslot != 0 && s->slot[h] != 0; h = (h + 1) & (s->nslot - 1)) {
        struct state_entry *e = &s->v[s->slot[h] - 1];
        if (e->dev == dev && e->ino == ino)
            return e;
    }
    return NULL;
}

struct state_entry *state_find_path(struct state *s, const char *path, uint64_t dev,
                                    uint64_t ino)
{
    for (size_t i = 0; i < s->n; i++)
        if (strcmp(s->v[i].path, path) == 0 && (s->v[i].dev != dev || s->v[i].ino != ino))
            return &s->v[i];
    return NULL;
}

void state_set(struct state *s, uint64_t dev, uint64_t ino, uint64_t offset, const char *path)
{
    struct state_entry *e = state_find(s, dev, ino);

    if (e == NULL) {
        s->v = xgrow(s->v, &s->cap, s->n, sizeof(*s->v), 64);
        e = &s->v[s->n++];
        memset(e, 0, sizeof(*e));
        e->dev = dev;
        e->ino = ino;
        s->dirty = 1;
        if (2 * s->n + 2 > s->nslot)
            reindex(s);
        else
            index_put(s, s->n - 1);
    }
    s->dirty |= e->offset != offset;
    e->offset = offset;
    e->seen = 1;
    if (e->path == NULL || strcmp(e->path, path) != 0) {
        xfree(e->path);
        e->path = xstrdup(path);
        s->dirty = 1;
    }
}

/* The four hex digits at p as a code point; -1 if they are not. */
static long hex4(const char *p)
{
    char hex[5] = {0};

    if (strspn(p, "0123456789abcdefABCDEF") < 4)
        return -1;
    memcpy(hex, p, 4);
    return strtol(hex, NULL, 16);
}

/* The JSON string at p (after its opening quote) decoded into out, which has
 * room for strlen(p) + 1 bytes: json_put_str writes control characters and
 * U+2028/U+2029 as \u escapes, and they must come back as they were. *end
 * gets the closing quote. Returns 0, or WW_ECONFIG on a bad escape. */
static int unescape(const char *p, char *out, const char **end)
{
    static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
    const char *k;
    size_t n = 0;
    long cp, low;

    for (; *p && *p != '"'; p++) {
        if (*p != '\\') {
            out[n++] = *p;
        } else if (p[1] == 'u' && (cp = hex4(p + 2)) > 0) {
            p += 5;
            if (cp >= 0xD800 && cp <= 0xDBFF && p[1] == '\\' && p[2] == 'u' &&
                (low = hex4(p + 3)) >= 0xDC00 && low <= 0xDFFF)
                cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00), p += 6;
            n += utf8_encode((uint32_t)cp, out + n);
        } else if (p[1] != '\0' && (k = strchr(from, p[1])) != NULL) {
            out[n++] = to[k - from], p++;
        } else {
            return WW_ECONFIG;
        }
    }
    out[n] = '\0';
    *end = p;
    return 0;
}

/* Parses one entry line; the path is a JSON string. */
static int parse_entry(struct state *s, const char *line)
{
    unsigned long long dev, ino, off;
    int used = 0;
    const char *p;
    char *path;

    if (sscanf(line, "{\"dev\":%llu,\"ino\":%llu,\"offset\":%llu,\"path\":\"%n", &dev, &ino,
               &off, &used) != 3 || used == 0)
        return WW_ECONFIG;
    p = line + used;
    path = xmalloc(strlen(p) + 1);
    if (unescape(p, path, &p) != 0 || strcmp(p, "\"}") != 0) {
        xfree(path);
        return WW_ECONFIG;
    }
    state_set(s, dev, ino, off, path);
    s->v[s->n - 1].seen = 0;
    xfree(path);
    return 0;
}

/* The file is one JSON document, one entry a line between a header and a
 * footer line; a file without its footer was cut short. */
static int parse(struct state *s, char *data)
{
    static const char header[] = "{\"wsawatch_offsets\":1,\"files\":[\n";
    char *line = data + sizeof(header) - 1, *nl;

    if (strncmp(data, header, sizeof(header) - 1) != 0)
        return WW_ECONFIG;
    while ((nl = strchr(line, '\n')) != NULL) {
        *nl = '\0';
        if (strcmp(line, "]}") == 0)
            return nl[1] == '\0' ? 0 : WW_ECONFIG;
        if (nl > line && nl[-1] == ',')
            nl[-1] = '\0';
        if (parse_entry(s, line) != 0)
            return WW_ECONFIG;
        line = nl + 1;
    }
    return WW_ECONFIG;
}

/* Moves the file aside; returns the new name (owned). */
static char *set_aside(struct state *s)
{
    char *to = xasprintf("%s.corrupt-%ld", s->file, (long)time(NULL));
    uv_fs_t req;

    uv_fs_rename(NULL, &req, s->file, to, NULL);
    uv_fs_req_cleanup(&req);
    return to;
}

int state_load(struct state *s, struct ww_err *err)
{
    char *data;
    size_t len;
    uv_fs_t req;
    int rc = uv_fs_stat(NULL, &req, s->file, NULL);
    int64_t mtime_ms = rc != 0 ? 0 : (int64_t)req.statbuf.st_mtim.tv_sec * 1000 +
                                     (int64_t)req.statbuf.st_mtim.tv_nsec / 1000000;

    uv_fs_req_cleanup(&req);
    s->loaded_ms = 0;
    if (rc == UV_ENOENT)
        return 0;
    if (fs_read_all(s->file, STATE_MAX_BYTES, &data, &len, err) != 0)
        return WW_EIO;
    clear(s);
    if (rc == 0)
        s->loaded_ms = mtime_ms;
    if (strlen(data) != len || parse(s, data) != 0) {
        char *to;
        s->loaded_ms = 0;
        clear(s);
        to = set_aside(s);
        rc = ww_err_set(err, WW_ECONFIG, "%s: corrupt or truncated; set aside as %s, files "
                        "start as configured (start_at)", s->file, to);
        xfree(to);
    }
    xfree(data);
    return rc < 0 ? rc : 0;
}

void state_drop(struct state *s, uint64_t dev, uint64_t ino)
{
    struct state_entry *e = state_find(s, dev, ino);

    if (e != NULL) {
        xfree(e->path);
        *e = s->v[--s->n];
        s->dirty = 1;
        reindex(s);
    }
}

void state_prune(struct state *s)
{
    size_t k = 0;

    for (size_t i = 0; i < s->n; i++) {
        struct state_entry *e = &s->v[i];
        uv_fs_t req;
        int keep = e->seen;

        if (!keep) {
            keep = uv_fs_stat(NULL, &req, e->path, NULL) == 0 && req.statbuf.st_dev == e->dev &&
                   req.statbuf.st_ino == e->ino;
            uv_fs_req_cleanup(&req);
        }
        if (keep) {
            e->seen = 0; /* must be claimed again before the next prune */
            s->v[k++] = *e;
        } else {
            xfree(e->path);
            s->dirty = 1;
        }
    }
    s->n = k;
    reindex(s);
}

/* Writes b to path (created or truncated) and syncs it. Returns 0 or a
 * negative libuv code; a short write is UV_ENOSPC. */
static int write_all(const char *path, const struct buf *b)
{
    uv_fs_t req;
    uv_buf_t ub = uv_buf_init(b->p ? b->p : (char *)"", (unsigned)b->len);
    int fd = uv_fs_open(NULL, &req, path, O_WRONLY | O_CREAT | O_TRUNC, 0640, NULL), rc;

    uv_fs_req_cleanup(&req);
    if (fd < 0)
        return fd;
    rc = (int)uv_fs_write(NULL, &req, fd, &ub, 1, 0, NULL);
    uv_fs_req_cleanup(&req);
    if (rc >= 0 && (size_t)rc != b->len)
        rc = UV_ENOSPC;
    if (rc >= 0)
        rc = uv_fs_fsync(NULL, &req, fd, NULL), uv_fs_req_cleanup(&req);
    uv_fs_close(NULL, &req, fd, NULL);
    uv_fs_req_cleanup(&req);
    return rc < 0 ? rc : 0;
}

/* Writes tmp and renames it over the file. Returns 0 or WW_EIO with err
 * naming the path and the reason; tmp does not survive a failure, so a full
 * disk never leaves a stray temporary file behind. */
static int replace(struct state *s, const char *tmp, const struct buf *b, struct ww_err *err)
{
    uv_fs_t req;
    int rc = write_all(tmp, b), renamed = 0;

    if (rc == 0) {
        rc = uv_fs_rename(NULL, &req, tmp, s->file, NULL);
        uv_fs_req_cleanup(&req);
        renamed = 1;
    }
    if (rc == 0)
        return 0;
    uv_fs_unlink(NULL, &req, tmp, NULL);
    uv_fs_req_cleanup(&req);
    s->no_space = is_no_space(rc);
    return ww_err_set(err, WW_EIO, "%s: %s: %s", renamed ? s->file : tmp,
                      renamed ? "cannot rename into place" : "cannot write", uv_strerror(rc));
}

int state_save(struct state *s, struct ww_err *err)
{
    struct buf b;
    char *tmp = xasprintf("%s.tmp", s->file);
    int rc;

    if (!s->dirty) {
        xfree(tmp);
        return 0;
    }
    buf_init(&b, STATE_MAX_BYTES);
    rc = buf_printf(&b, "{\"wsawatch_offsets\":1,\"files\":[\n");
    for (size_t i = 0; rc == 0 && i < s->n; i++) {
        const struct state_entry *e = &s->v[i];
        rc = buf_printf(&b, "{\"dev\":%" PRIu64 ",\"ino\":%" PRIu64 ",\"offset\":%" PRIu64
                        ",\"path\":", e->dev, e->ino, e->offset);
        rc = rc ? rc : json_put_str(&b, e->path, strlen(e->path));
        rc = rc ? rc : buf_append(&b, i + 1 < s->n ? "},\n" : "}\n", i + 1 < s->n ? 3 : 2);
    }
    rc = rc ? rc : buf_append(&b, "]}\n", 3);
    s->no_space = 0;
    if (rc != 0)
        rc = ww_err_set(err, WW_ELIMIT, "%s: state larger than %u bytes", s->file,
                        STATE_MAX_BYTES);
    else
        rc = replace(s, tmp, &b, err);
    buf_free(&b);
    xfree(tmp);
    if (rc == 0)
        s->dirty = 0;
    return rc;
}
