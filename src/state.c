/*
 * Offsets store. See state.h.
 */
#include "state.h"

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

#define STATE_MAX_BYTES (64u << 20)

void state_init(struct state *s, const char *dir)
{
    memset(s, 0, sizeof(*s));
    s->dir = xstrdup(dir);
    s->file = xasprintf("%s/offsets.json", dir);
    s->dirty = 1; /* the first save writes the file, so that it is known to work */
}

static void clear(struct state *s)
{
    for (size_t i = 0; i < s->n; i++)
        xfree(s->v[i].path);
    s->n = 0;
}

void state_free(struct state *s)
{
    clear(s);
    xfree(s->v);
    xfree(s->dir);
    xfree(s->file);
    memset(s, 0, sizeof(*s));
}

struct state_entry *state_find(struct state *s, uint64_t dev, uint64_t ino)
{
    for (size_t i = 0; i < s->n; i++)
        if (s->v[i].dev == dev && s->v[i].ino == ino)
            return &s->v[i];
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
        if (s->n == s->cap) {
            s->cap = s->cap ? s->cap * 2 : 64;
            s->v = xreallocarray(s->v, s->cap, sizeof(*s->v));
        }
        e = &s->v[s->n++];
        memset(e, 0, sizeof(*e));
        e->dev = dev;
        e->ino = ino;
        s->dirty = 1;
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

/* Parses one entry line; the path is a JSON string (no escapes needed to
 * find its end: only \" and \\ can appear before the closing quote). */
static int parse_entry(struct state *s, const char *line)
{
    unsigned long long dev, ino, off;
    int used = 0;
    const char *p;
    char *path;
    size_t n;

    if (sscanf(line, "{\"dev\":%llu,\"ino\":%llu,\"offset\":%llu,\"path\":\"%n", &dev, &ino,
               &off, &used) != 3 || used == 0)
        return WW_ECONFIG;
    p = line + used;
    path = xmalloc(strlen(p) + 1);
    for (n = 0; *p && *p != '"'; p++)
        path[n++] = (*p == '\\' && p[1]) ? *++p : *p;
    path[n] = '\0';
    if (strcmp(p, "\"}") != 0) {
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

    uv_fs_req_cleanup(&req);
    if (rc == UV_ENOENT)
        return 0;
    if (fs_read_all(s->file, STATE_MAX_BYTES, &data, &len, err) != 0)
        return WW_EIO;
    clear(s);
    if (strlen(data) != len || parse(s, data) != 0) {
        char *to;
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
}

static int write_all(const char *path, const struct buf *b, struct ww_err *err)
{
    uv_fs_t req;
    uv_buf_t ub = uv_buf_init(b->p ? b->p : (char *)"", (unsigned)b->len);
    int fd = uv_fs_open(NULL, &req, path, O_WRONLY | O_CREAT | O_TRUNC, 0640, NULL), rc;

    uv_fs_req_cleanup(&req);
    if (fd < 0)
        return ww_err_set(err, WW_EIO, "%s: cannot create: %s", path, uv_strerror(fd));
    rc = (int)uv_fs_write(NULL, &req, fd, &ub, 1, 0, NULL);
    uv_fs_req_cleanup(&req);
    if (rc >= 0 && (size_t)rc != b->len)
        rc = UV_ENOSPC;
    if (rc >= 0)
        rc = uv_fs_fsync(NULL, &req, fd, NULL), uv_fs_req_cleanup(&req);
    uv_fs_close(NULL, &req, fd, NULL);
    uv_fs_req_cleanup(&req);
    if (rc < 0)
        return ww_err_set(err, WW_EIO, "%s: cannot write: %s", path, uv_strerror(rc));
    return 0;
}

int state_save(struct state *s, struct ww_err *err)
{
    struct buf b;
    char *tmp = xasprintf("%s.tmp", s->file);
    uv_fs_t req;
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
    if (rc != 0)
        rc = ww_err_set(err, WW_ELIMIT, "%s: state larger than %u bytes", s->file,
                        STATE_MAX_BYTES);
    else if ((rc = write_all(tmp, &b, err)) == 0) {
        rc = uv_fs_rename(NULL, &req, tmp, s->file, NULL);
        uv_fs_req_cleanup(&req);
        if (rc < 0)
            rc = ww_err_set(err, WW_EIO, "%s: cannot rename into place: %s", s->file,
                            uv_strerror(rc));
    }
    buf_free(&b);
    xfree(tmp);
    if (rc == 0)
        s->dirty = 0;
    return rc;
}
