/*
 * Buffer-at-a-time scanning. See scanner.h.
 */
#include "scanner.h"

#include <string.h>
#include <uv.h>

#include "util/alloc.h"
#include "util/buf.h"

#define CHUNK (1u << 20)

/* A line longer than max_line: counted, and remembered for the reader's
 * report. at is its offset in the buffer. */
static void note_long(struct scan_stream *r, size_t at)
{
    r->s->st.truncated++;
    if (r->long_lines++ == 0)
        r->long_first = r->base + at;
    r->long_off = r->base + at;
}

/* Counts the complete lines of p[from..to), where from starts a line; those
 * longer than max_line are noted even though nothing in them is matched. */
static uint64_t count_lines(struct scan_stream *r, const char *p, size_t from, size_t to)
{
    uint64_t c = 0;
    const char *q = p + from, *end = p + to, *nl;

    while (q < end && (nl = memchr(q, '\n', (size_t)(end - q))) != NULL) {
        if ((size_t)(nl - q) > r->s->max_line)
            note_long(r, (size_t)(q - p));
        c++, q = nl + 1;
    }
    return c;
}

/* Takes c more lines of the stream: the last of them is the one at hand. */
static void add_lines(struct scan_stream *r, uint64_t c)
{
    r->s->st.lines += c;
    r->line += c;
}

static const char *rev_nl(const char *p, size_t n)
{
    while (n > 0)
        if (p[--n] == '\n')
            return p + n;
    return NULL;
}

/* Whether the code unit at p[i] (whole in the buffer) is the ASCII c. */
static int unit_is(enum encoding e, const char *p, size_t i, char c)
{
    if (e == ENC_UTF16LE)
        return p[i] == c && p[i + 1] == 0;
    if (e == ENC_UTF16BE)
        return p[i] == 0 && p[i + 1] == c;
    return p[i] == c;
}

/* Past a run of NUL units at pos: the hole a writer without O_APPEND leaves
 * after copytruncate, which is not part of the line that follows it. */
static size_t skip_nuls(enum encoding e, const char *p, size_t n, size_t pos)
{
    size_t unit = decoder_unit(e);

    while (pos + unit <= n && unit_is(e, p, pos, '\0'))
        pos += unit;
    return pos;
}

static int handle_line(struct scan_stream *r, const char *p, size_t n, size_t at, int truncated)
{
    struct scanner *s = r->s;
    struct line_ref l;
    size_t lead = skip_nuls(r->enc, p, n, 0);

    p += lead, n -= lead, at += lead;

    if (n > s->max_line) {
        n = s->max_line - s->max_line % decoder_unit(r->enc);
        truncated = 1;
    }
    l = (struct line_ref){r->path, r->base + at, p, n, truncated, r->tag, 0};
    l.line = r->counting ? r->line : 0;

    if (r->enc != ENC_UTF8) {
        buf_reset(&r->dec);
        if (decoder_line(r->enc, p, n, &r->dec) != 0)
            return 0; /* cannot happen: dec is sized for max_line */
        l.text = r->dec.p ? r->dec.p : "";
        l.len = r->dec.len;
    } else if (n > 0 && p[n - 1] == '\r') {
        l.len--;
    }
    if (truncated)
        note_long(r, at);
    if (matcher_line(s->m, l.text, l.len, &s->ms) == 0 && s->ms.limit_hits == 0)
        return 0;
    s->st.matched_lines += s->ms.n > 0;
    s->st.events += s->ms.n;
    s->st.limit_lines += s->ms.limit_hits > 0;
    return s->cb(s->ctx, &l, &s->ms);
}

/* UTF-8: jump from candidate to candidate. Returns bytes consumed through the
 * last complete line, or a negative code from the callback. */
static long fast_lines(struct scan_stream *r, const char *p, size_t n, size_t pos)
{
    while (pos < n) {
        size_t cand = pos + matcher_candidate(r->s->m, p + pos, n - pos), start, end;
        const char *q;
        int rc;

        if (cand >= n) {
            q = rev_nl(p + pos, n - pos);
            end = q ? (size_t)(q - p) + 1 : pos;
            add_lines(r, count_lines(r, p, pos, end));
            return (long)end;
        }
        q = cand > pos ? rev_nl(p + pos, cand - pos) : NULL;
        start = q ? (size_t)(q - p) + 1 : pos;
        q = memchr(p + cand, '\n', n - cand);
        if (q == NULL) {
            add_lines(r, count_lines(r, p, pos, start));
            return (long)start;
        }
        end = (size_t)(q - p);
        add_lines(r, count_lines(r, p, pos, start) + 1);
        if ((rc = handle_line(r, p + start, end - start, start, 0)) != 0)
            return rc;
        pos = end + 1;
    }
    return (long)pos;
}

static long slow_lines(struct scan_stream *r, const char *p, size_t n, size_t pos)
{
    size_t unit = decoder_unit(r->enc);

    while (pos < n) {
        size_t nl = decoder_find_nl(r->enc, p, n, pos);
        int rc;

        if (nl >= n)
            break;
        add_lines(r, 1);
        if ((rc = handle_line(r, p + pos, nl - pos, pos, 0)) != 0)
            return rc;
        pos = nl + unit;
    }
    return (long)pos;
}

/* The first CR or LF at or after pos (aligned to the unit), or n. */
static size_t find_eol(enum encoding e, const char *p, size_t n, size_t pos)
{
    size_t unit = decoder_unit(e);

    for (size_t i = pos; i + unit <= n; i += unit)
        if (unit_is(e, p, i, '\n') || unit_is(e, p, i, '\r'))
            return i;
    return n;
}

/* How lines end, from the first line end seen: LF (CRLF too), or a lone CR
 * in a file that uses no LF (classic Mac OS): a lone CR with no LF anywhere
 * after it in the bytes at hand (a stray CR in a line of an LF file has its
 * LF soon after). Unknown while neither showed. */
static void detect_eol(struct scan_stream *r, const char *p, size_t n, size_t pos)
{
    size_t unit = decoder_unit(r->enc), e = find_eol(r->enc, p, n, pos);

    if (e >= n || (unit_is(r->enc, p, e, '\r') && e + 2 * unit > n))
        return; /* a CR at the end: whether an LF follows is not known yet */
    r->eol = unit_is(r->enc, p, e, '\r') && !unit_is(r->enc, p, e + unit, '\n') &&
                     decoder_find_nl(r->enc, p, n, e) >= n
                 ? '\r'
                 : '\n';
}

/* The end of the line at p[e] (CR, LF or CRLF) in a file of lone CRs. A CR
 * that ends the buffer ends its line; an LF that comes next is then skipped. */
static size_t past_eol(struct scan_stream *r, const char *p, size_t n, size_t e)
{
    size_t unit = decoder_unit(r->enc);

    if (!unit_is(r->enc, p, e, '\r'))
        return e + unit;
    if (e + 2 * unit > n) {
        r->after_cr = 1;
        return e + unit;
    }
    return e + (unit_is(r->enc, p, e + unit, '\n') ? 2 : 1) * unit;
}

static long cr_lines(struct scan_stream *r, const char *p, size_t n, size_t pos)
{
    while (pos < n) {
        size_t e = find_eol(r->enc, p, n, pos);
        int rc;

        if (e >= n)
            break;
        add_lines(r, 1);
        if ((rc = handle_line(r, p + pos, e - pos, pos, 0)) != 0)
            return rc;
        pos = past_eol(r, p, n, e);
    }
    return (long)pos;
}

/* The lines of p[pos..n), pos at a line start; returns as fast_lines. */
static long lines(struct scan_stream *r, const char *p, size_t n, size_t pos)
{
    if (r->after_cr && pos < n) {
        if (unit_is(r->enc, p, pos, '\n'))
            pos += decoder_unit(r->enc); /* the LF of a CRLF split between reads */
        r->after_cr = 0;
    }
    if (r->eol == 0)
        detect_eol(r, p, n, pos);
    if (r->eol == '\r')
        return cr_lines(r, p, n, pos);
    return r->enc == ENC_UTF8 ? fast_lines(r, p, n, pos) : slow_lines(r, p, n, pos);
}

/* Processes p[pos..n); returns the offset up to which bytes are done. */
static long process(struct scan_stream *r, const char *p, size_t n, size_t pos, int eof)
{
    struct scanner *s = r->s;
    size_t unit = decoder_unit(r->enc);
    long done;
    int rc;

    if (r->skipping) {
        size_t nl = r->eol == '\r' ? find_eol(r->enc, p, n, pos)
                                   : decoder_find_nl(r->enc, p, n, pos);
        if (nl >= n)
            return (long)n;
        r->skipping = 0;
        pos = r->eol == '\r' ? past_eol(r, p, n, nl) : nl + unit;
    }
    done = lines(r, p, n, pos);
    if (done < 0)
        return done;
    pos = skip_nuls(r->enc, p, n, (size_t)done); /* a hole longer than a line */
    if (n - pos > s->max_line) {
        size_t cut = s->max_line - s->max_line % unit;
        add_lines(r, 1);
        if ((rc = handle_line(r, p + pos, cut, pos, 1)) != 0)
            return rc;
        r->skipping = 1;
        return process(r, p, n, pos + cut, eof);
    }
    if (eof && n > pos) {
        add_lines(r, 1);
        if ((rc = handle_line(r, p + pos, n - pos, pos, 0)) != 0)
            return rc;
        pos = n;
    }
    return (long)pos;
}

void scan_stream_init(struct scan_stream *st, struct scanner *s, const char *path,
                      enum encoding enc, uint64_t offset, size_t chunk)
{
    memset(st, 0, sizeof(*st));
    st->s = s;
    st->path = path;
    st->enc = enc == ENC_AUTO ? ENC_UTF8 : enc;
    st->sniffed = enc != ENC_AUTO || offset > 0;
    st->base = offset;
    st->counting = offset == 0;
    st->chunk = chunk;
    buf_init(&st->dec, s->max_line * 3 + 16); /* cp1252: 1 byte -> 3 */
}

void scan_stream_free(struct scan_stream *st)
{
    xfree(st->hold);
    buf_free(&st->dec);
    st->hold = st->buf = NULL;
    st->have = st->cap = 0;
}

void scanner_free(struct scanner *s)
{
    xfree(s->scratch);
    s->scratch = NULL;
    s->scratch_cap = 0;
}

char *scan_stream_space(struct scan_stream *st, size_t *n)
{
    struct scanner *s = st->s;
    /* a long partial line (max_line above the chunk) doubles the room, so
     * that it is copied in and out of the hold a logarithmic number of times */
    size_t need = st->have + (st->have > st->chunk ? st->have : st->chunk);

    if (s->scratch_cap < need) {
        s->scratch = xrealloc(s->scratch, need);
        s->scratch_cap = need;
    }
    if (st->hold != NULL) {
        memcpy(s->scratch, st->hold, st->have);
        xfree(st->hold);
        st->hold = NULL;
    }
    st->buf = s->scratch;
    st->cap = s->scratch_cap;
    *n = st->cap - st->have;
    return st->buf + st->have;
}

static void sniff(struct scan_stream *st)
{
    size_t bom;
    enum encoding e = decoder_sniff(st->buf, st->have, &bom);
    enum encoding want = st->s->encoding;

    st->enc = want == ENC_AUTO ? e : want;
    st->start = want == ENC_AUTO || want == e ? bom : 0;
    st->sniffed = 1;
}

/* Bytes from done on are kept: they move out of the shared buffer (another
 * stream may read into it next); an idle stream holds no memory. */
static void keep_rest(struct scan_stream *st, size_t done)
{
    st->base += (uint64_t)done;
    st->have -= done;
    st->hold = st->have > 0 ? xstrndup(st->buf + done, st->have) : NULL;
    st->buf = NULL;
    st->cap = 0;
    if (st->have == 0)
        buf_free(&st->dec);
}

int scan_stream_push(struct scan_stream *st, size_t n, int eof)
{
    long done;

    if (st->buf == NULL && st->have > 0) { /* called without reading: take the held line */
        size_t room;
        (void)scan_stream_space(st, &room);
    }
    st->have += n;
    st->s->st.bytes += n;
    if (!st->sniffed) {
        /* too few bytes to tell UTF-16 from UTF-8: wait for more, or the end
         * (the idle flush, for a follower) */
        if (!eof && !decoder_sniff_ready(st->buf, st->have)) {
            keep_rest(st, 0);
            return 0;
        }
        sniff(st);
    }
    if (st->have == 0)
        return 0;
    done = process(st, st->buf, st->have, st->start, eof);
    if (done < 0)
        return (int)done;
    st->start = 0;
    keep_rest(st, (size_t)done);
    return 0;
}

uint64_t scan_stream_done(const struct scan_stream *st)
{
    return st->base + (st->skipping ? st->have : 0);
}

size_t scan_stream_pending(const struct scan_stream *st)
{
    return st->skipping ? 0 : st->have;
}

int scanner_run(struct scanner *s, const char *path, int fd, struct ww_err *err)
{
    struct scan_stream st;
    int rc = 0;

    scan_stream_init(&st, s, path, s->encoding == ENC_AUTO ? ENC_AUTO : s->encoding, 0, CHUNK);
    st.sniffed = 0;
    for (;;) {
        uv_fs_t req;
        size_t room;
        uv_buf_t b;
        ssize_t got;

        b.base = scan_stream_space(&st, &room);
        b = uv_buf_init(b.base, (unsigned)room);
        got = uv_fs_read(NULL, &req, fd, &b, 1, -1, NULL);
        uv_fs_req_cleanup(&req);
        if (got < 0) {
            rc = ww_err_set(err, WW_EIO, "%s: read error: %s", path, uv_strerror((int)got));
            break;
        }
        if ((rc = scan_stream_push(&st, (size_t)got, got == 0)) != 0 || got == 0)
            break;
    }
    scan_stream_free(&st);
    scanner_free(s);
    return rc;
}
