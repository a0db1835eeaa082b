/*
 * Buffer-at-a-time scanning. See scanner.h.
 */
#include "scanner.h"

#include <string.h>
#include <uv.h>

#include "util/alloc.h"
#include "util/buf.h"

#define CHUNK (1u << 20)

struct run {
    struct scanner *s;
    const char *path;
    enum encoding enc;
    uint64_t base;  /* file offset of buf[0] */
    int skipping;   /* discarding the rest of an over-long line */
    struct buf dec; /* decoded line */
    struct match_set ms;
};

static uint64_t count_nl(const char *p, size_t n)
{
    uint64_t c = 0;
    const char *end = p + n;

    while (p < end && (p = memchr(p, '\n', (size_t)(end - p))) != NULL)
        c++, p++;
    return c;
}

static const char *rev_nl(const char *p, size_t n)
{
    while (n > 0)
        if (p[--n] == '\n')
            return p + n;
    return NULL;
}

static int handle_line(struct run *r, const char *p, size_t n, size_t at, int truncated)
{
    struct scanner *s = r->s;
    struct line_ref l;

    if (n > s->max_line) {
        n = s->max_line - s->max_line % decoder_unit(r->enc);
        truncated = 1;
    }
    l = (struct line_ref){r->path, r->base + at, p, n, truncated};

    if (r->enc != ENC_UTF8) {
        buf_reset(&r->dec);
        if (decoder_line(r->enc, p, n, &r->dec) != 0)
            return 0; /* cannot happen: dec is sized for max_line */
        l.text = r->dec.p ? r->dec.p : "";
        l.len = r->dec.len;
    } else if (n > 0 && p[n - 1] == '\r') {
        l.len--;
    }
    s->st.truncated += truncated != 0;
    if (matcher_line(s->m, l.text, l.len, &r->ms) == 0 && r->ms.limit_hits == 0)
        return 0;
    s->st.matched_lines += r->ms.n > 0;
    s->st.events += r->ms.n;
    s->st.limit_lines += r->ms.limit_hits > 0;
    return s->cb(s->ctx, &l, &r->ms);
}

/* UTF-8: jump from candidate to candidate. Returns bytes consumed through the
 * last complete line, or a negative code from the callback. */
static long fast_lines(struct run *r, const char *p, size_t n, size_t pos)
{
    while (pos < n) {
        size_t cand = pos + matcher_candidate(r->s->m, p + pos, n - pos), start, end;
        const char *q;
        int rc;

        if (cand >= n) {
            q = rev_nl(p + pos, n - pos);
            end = q ? (size_t)(q - p) + 1 : pos;
            r->s->st.lines += count_nl(p + pos, end - pos);
            return (long)end;
        }
        q = cand > pos ? rev_nl(p + pos, cand - pos) : NULL;
        start = q ? (size_t)(q - p) + 1 : pos;
        q = memchr(p + cand, '\n', n - cand);
        if (q == NULL) {
            r->s->st.lines += count_nl(p + pos, start - pos);
            return (long)start;
        }
        end = (size_t)(q - p);
        r->s->st.lines += count_nl(p + pos, start - pos) + 1;
        if ((rc = handle_line(r, p + start, end - start, start, 0)) != 0)
            return rc;
        pos = end + 1;
    }
    return (long)pos;
}

static long slow_lines(struct run *r, const char *p, size_t n, size_t pos)
{
    size_t unit = decoder_unit(r->enc);

    while (pos < n) {
        size_t nl = decoder_find_nl(r->enc, p, n, pos);
        int rc;

        if (nl >= n)
            break;
        r->s->st.lines++;
        if ((rc = handle_line(r, p + pos, nl - pos, pos, 0)) != 0)
            return rc;
        pos = nl + unit;
    }
    return (long)pos;
}

/* Processes p[pos..n); returns the offset up to which bytes are done. */
static long process(struct run *r, const char *p, size_t n, size_t pos, int eof)
{
    struct scanner *s = r->s;
    size_t unit = decoder_unit(r->enc);
    long done;
    int rc;

    if (r->skipping) {
        size_t nl = decoder_find_nl(r->enc, p, n, pos);
        if (nl >= n)
            return (long)n;
        r->skipping = 0;
        pos = nl + unit;
    }
    done = r->enc == ENC_UTF8 ? fast_lines(r, p, n, pos) : slow_lines(r, p, n, pos);
    if (done < 0)
        return done;
    pos = (size_t)done;
    if (n - pos > s->max_line) {
        size_t cut = s->max_line - s->max_line % unit;
        s->st.lines++;
        if ((rc = handle_line(r, p + pos, cut, pos, 1)) != 0)
            return rc;
        r->skipping = 1;
        return process(r, p, n, pos + cut, eof);
    }
    if (eof && n > pos) {
        s->st.lines++;
        if ((rc = handle_line(r, p + pos, n - pos, pos, 0)) != 0)
            return rc;
        pos = n;
    }
    return (long)pos;
}

static int read_loop(struct run *r, int fd, char *buf, size_t cap, struct ww_err *err)
{
    size_t have = 0, start = 0;
    int first = 1;

    for (;;) {
        uv_fs_t req;
        uv_buf_t b = uv_buf_init(buf + have, (unsigned)(cap - have));
        ssize_t got = uv_fs_read(NULL, &req, fd, &b, 1, -1, NULL);
        long done;

        uv_fs_req_cleanup(&req);
        if (got < 0)
            return ww_err_set(err, WW_EIO, "%s: read error: %s", r->path, uv_strerror((int)got));
        have += (size_t)got;
        r->s->st.bytes += (uint64_t)got;
        if (first && (have >= 4 || got == 0)) {
            size_t bom;
            enum encoding e = decoder_sniff(buf, have, &bom);
            r->enc = r->s->encoding == ENC_AUTO ? e : r->s->encoding;
            start = r->s->encoding == ENC_AUTO || r->s->encoding == e ? bom : 0;
            first = 0;
        } else if (first) {
            continue;
        }
        done = process(r, buf, have, start, got == 0);
        if (done < 0)
            return (int)done;
        memmove(buf, buf + done, have - (size_t)done);
        r->base += (uint64_t)done;
        have -= (size_t)done;
        start = 0;
        if (got == 0)
            return 0;
    }
}

int scanner_run(struct scanner *s, const char *path, int fd, struct ww_err *err)
{
    struct run r;
    size_t cap = CHUNK + s->max_line + 8;
    char *buf = xmalloc(cap);
    int rc;

    memset(&r, 0, sizeof(r));
    r.s = s;
    r.path = path;
    r.enc = ENC_UTF8;
    buf_init(&r.dec, s->max_line * 3 + 16); /* cp1252: 1 byte -> 3 */
    rc = read_loop(&r, fd, buf, cap, err);
    buf_free(&r.dec);
    xfree(buf);
    return rc;
}
