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
#include "ydoc.h"

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

struct state_entry *state_set(struct state *s, uint64_t dev, uint64_t ino, uint64_t offset,
                              const char *path)
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
    return e;
}

void state_set_prints(struct state *s, struct state_entry *e, int64_t born_ms,
                      const struct fprint *head, const struct fprint *tail)
{
    static const struct fprint none;

    head = head != NULL ? head : &none;
    tail = tail != NULL ? tail : &none;
    s->dirty |= e->born_ms != born_ms || !fprint_eq(&e->head, head) || !fprint_eq(&e->tail, tail);
    e->born_ms = born_ms;
    e->head = *head;
    e->tail = *tail;
}

/* The four hex digits at p as a number; -1 if they are not. */
static long hex4(const char *p)
{
    char hex[5] = {0};

    if (strspn(p, "0123456789abcdefABCDEF") < 4)
        return -1;
    memcpy(hex, p, 4);
    return strtol(hex, NULL, 16);
}

/* 1 for a code point JSON takes raw in a string and YAML does not (DEL, C1
 * controls, NEL, the line and paragraph separators YAML folds, BOM and
 * non-characters): such a character goes to libyaml as a \u escape. */
static int yaml_unsafe(uint32_t cp)
{
    return (cp >= 0x7F && cp <= 0x9F) || cp == 0x2028 || cp == 0x2029 || cp == 0xFEFF ||
           cp == 0xFFFE || cp == 0xFFFF;
}

/* One escape in a JSON string at p (at its backslash) copied to out as YAML
 * reads it: a UTF-16 surrogate pair becomes one \U escape (libyaml refuses
 * surrogates). Returns the bytes of p taken, 0 for a lone surrogate, or
 * (size_t)-1 when out is full. */
static size_t put_escape(const char *p, struct buf *out)
{
    long hi = p[1] == 'u' ? hex4(p + 2) : -1, lo;
    size_t n = p[1] != '\0' ? 2 : 1;

    if (hi < 0xD800 || hi > 0xDFFF)
        return buf_append(out, p, n) == 0 ? n : (size_t)-1;
    if (hi > 0xDBFF || p[6] != '\\' || p[7] != 'u' || (lo = hex4(p + 8)) < 0xDC00 ||
        lo > 0xDFFF)
        return 0;
    if (buf_printf(out, "\\U%08lX", 0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00)) != 0)
        return (size_t)-1;
    return 12;
}

/* The JSON text in as libyaml reads the same document (see above); outside
 * strings it is copied as it is. Returns 0, WW_ECONFIG for a lone surrogate
 * escape (no UTF-8 text holds one), or WW_ELIMIT. */
static int json_for_yaml(const char *in, size_t n, struct buf *out)
{
    int instr = 0, rc = 0;
    size_t i = 0, k;
    uint32_t cp;

    while (rc == 0 && i < n) {
        if (instr && in[i] == '\\') {
            k = put_escape(in + i, out);
            rc = k == 0 ? WW_ECONFIG : k == (size_t)-1 ? WW_ELIMIT : 0;
            i += k;
            continue;
        }
        if (in[i] == '"')
            instr = !instr;
        k = (unsigned char)in[i] >= 0x7F ? utf8_decode((const unsigned char *)in + i, n - i, &cp)
                                         : 0;
        if (instr && k > 0 && yaml_unsafe(cp))
            rc = buf_printf(out, "\\u%04X", (unsigned)cp);
        else
            rc = buf_append(out, in + i, k > 0 ? k : 1);
        i += k > 0 ? k : 1;
    }
    return rc == 0 ? 0 : rc == WW_ECONFIG ? rc : WW_ELIMIT;
}

/* A JSON number: a plain scalar of decimal digits that fits. */
static int get_u64(const yaml_node_t *v, uint64_t *out)
{
    const char *p = ydoc_str(v);
    uint64_t n = 0;

    if (v == NULL || v->type != YAML_SCALAR_NODE || v->data.scalar.style != YAML_PLAIN_SCALAR_STYLE ||
        *p == '\0' || strspn(p, "0123456789") != strlen(p))
        return WW_ECONFIG;
    for (; *p; p++) {
        if (n > (UINT64_MAX - (uint64_t)(*p - '0')) / 10)
            return WW_ECONFIG;
        n = n * 10 + (uint64_t)(*p - '0');
    }
    *out = n;
    return 0;
}

/* A JSON string without a NUL in it. */
static const char *get_str(const yaml_node_t *v)
{
    if (v == NULL || v->type != YAML_SCALAR_NODE ||
        v->data.scalar.style != YAML_DOUBLE_QUOTED_SCALAR_STYLE ||
        strlen(ydoc_str(v)) != ydoc_strlen(v))
        return NULL;
    return ydoc_str(v);
}

/* A hash: a string of 16 hex digits. */
static int get_hash(const yaml_node_t *v, uint64_t *out)
{
    const char *p = get_str(v);

    if (p == NULL || strlen(p) != 16 || strspn(p, "0123456789abcdef") != 16)
        return WW_ECONFIG;
    *out = strtoull(p, NULL, 16);
    return 0;
}

enum { K_DEV, K_INO, K_OFFSET, K_PATH, K_BORN, K_HEAD, K_HEAD_LEN, K_TAIL, K_TAIL_AT,
       K_TAIL_LEN, K_N };

/* The values of an entry's keys, by kind; a duplicate is an error, an
 * unknown key (a later version's) is passed over. */
static int entry_fields(struct ydoc *y, yaml_node_t *map, yaml_node_t **v)
{
    static const char *keys[K_N] = {"dev", "ino", "offset", "path", "born", "head", "head_len",
                                    "tail", "tail_at", "tail_len"};

    memset(v, 0, K_N * sizeof(*v));
    if (map == NULL || map->type != YAML_MAPPING_NODE)
        return WW_ECONFIG;
    for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top;
         p++) {
        const char *k = get_str(ydoc_node(y, p->key));
        for (size_t i = 0; k != NULL && i < K_N; i++) {
            if (strcmp(k, keys[i]) != 0)
                continue;
            if (v[i] != NULL)
                return WW_ECONFIG;
            v[i] = ydoc_node(y, p->value);
        }
        if (k == NULL)
            return WW_ECONFIG;
    }
    return 0;
}

/* A fingerprint from a hash and its lengths; absent hash: none. */
static int get_print(const yaml_node_t *hash, const yaml_node_t *at, const yaml_node_t *len,
                     struct fprint *fp)
{
    uint64_t l;

    memset(fp, 0, sizeof(*fp));
    if (hash == NULL)
        return at == NULL && len == NULL ? 0 : WW_ECONFIG;
    if (get_hash(hash, &fp->hash) != 0 || get_u64(len, &l) != 0 || l == 0 || l > FPRINT_HEAD ||
        (at != NULL ? get_u64(at, &fp->at) != 0 || fp->at < l : 0))
        return WW_ECONFIG;
    fp->len = (uint32_t)l;
    if (at == NULL)
        fp->at = l;
    return 0;
}

/* One entry: dev, ino, offset and path required; born and the fingerprints
 * optional (files written before they existed). Of two entries with one
 * identity the last is taken, as before. */
static int parse_entry(struct state *s, struct ydoc *y, yaml_node_t *map)
{
    yaml_node_t *v[K_N];
    uint64_t dev, ino, off, born = 0;
    struct fprint head, tail;
    const char *path;
    struct state_entry *e;

    if (entry_fields(y, map, v) != 0 || get_u64(v[K_DEV], &dev) != 0 ||
        get_u64(v[K_INO], &ino) != 0 || get_u64(v[K_OFFSET], &off) != 0 ||
        (path = get_str(v[K_PATH])) == NULL || (v[K_BORN] && get_u64(v[K_BORN], &born) != 0) ||
        born > INT64_MAX || get_print(v[K_HEAD], NULL, v[K_HEAD_LEN], &head) != 0 ||
        get_print(v[K_TAIL], v[K_TAIL_AT], v[K_TAIL_LEN], &tail) != 0)
        return WW_ECONFIG;
    e = state_set(s, dev, ino, off, path);
    state_set_prints(s, e, (int64_t)born, &head, &tail);
    e->seen = 0;
    return 0;
}

/* The document: {"wsawatch_offsets":1,"files":[entry...]}, in any layout
 * and key order; other top-level keys are passed over. */
static int parse_doc(struct state *s, struct ydoc *y)
{
    yaml_node_t *root = ydoc_root(y), *files = NULL, *ver = NULL;
    uint64_t version;

    if (root == NULL || root->type != YAML_MAPPING_NODE)
        return WW_ECONFIG;
    for (yaml_node_pair_t *p = root->data.mapping.pairs.start; p < root->data.mapping.pairs.top;
         p++) {
        const char *k = get_str(ydoc_node(y, p->key));
        yaml_node_t **slot = k == NULL ? NULL : strcmp(k, "files") == 0 ? &files
                             : strcmp(k, "wsawatch_offsets") == 0 ? &ver : NULL;
        if (k == NULL || (slot != NULL && *slot != NULL))
            return WW_ECONFIG;
        if (slot != NULL)
            *slot = ydoc_node(y, p->value);
    }
    if (get_u64(ver, &version) != 0 || version != 1 || files == NULL ||
        files->type != YAML_SEQUENCE_NODE)
        return WW_ECONFIG;
    for (yaml_node_item_t *it = files->data.sequence.items.start;
         it < files->data.sequence.items.top; it++)
        if (parse_entry(s, y, ydoc_node(y, *it)) != 0)
            return WW_ECONFIG;
    return 0;
}

/* Parses the file's text. Returns 0, or WW_ECONFIG with libyaml's reason
 * (if it gave one) in why. */
static int parse(struct state *s, const char *data, size_t len, struct ww_err *why)
{
    struct buf b;
    struct ydoc y;
    struct diag d;
    int rc;

    buf_init(&b, 4 * (size_t)STATE_MAX_BYTES + 64);
    diag_init(&d);
    rc = strlen(data) != len ? WW_ECONFIG : json_for_yaml(data, len, &b);
    if (rc == 0 && (rc = ydoc_load_single(&y, s->file, buf_str(&b), b.len, &d)) == 0) {
        rc = parse_doc(s, &y);
        ydoc_free(&y);
    }
    if (d.n > 0)
        ww_err_set(why, WW_ECONFIG, "%s", d.v[0].text);
    diag_free(&d);
    buf_free(&b);
    return rc != 0 ? WW_ECONFIG : 0;
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
    struct ww_err why = {0};
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
    if (parse(s, data, len, &why) != 0) {
        char *to;
        s->loaded_ms = 0;
        clear(s);
        to = set_aside(s);
        rc = ww_err_set(err, WW_ECONFIG, "%s: corrupt or truncated%s%s%s; set aside as %s, "
                        "files start as configured (start_at)", s->file,
                        why.msg[0] ? " (" : "", why.msg, why.msg[0] ? ")" : "", to);
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

/* The optional fields of an entry: what is known of them. */
static int put_prints(struct buf *b, const struct state_entry *e)
{
    int rc = 0;

    if (e->born_ms > 0)
        rc = buf_printf(b, ",\"born\":%" PRId64, e->born_ms);
    if (rc == 0 && e->head.len > 0)
        rc = buf_printf(b, ",\"head\":\"%016" PRIx64 "\",\"head_len\":%" PRIu32, e->head.hash,
                        e->head.len);
    if (rc == 0 && e->tail.len > 0)
        rc = buf_printf(b, ",\"tail\":\"%016" PRIx64 "\",\"tail_at\":%" PRIu64
                        ",\"tail_len\":%" PRIu32, e->tail.hash, e->tail.at, e->tail.len);
    return rc;
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
        rc = rc ? rc : put_prints(&b, e);
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
