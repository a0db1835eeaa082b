/*
 * Fuzz target for the line path: bytes as a log file through the scanner's
 * incremental API (encoding sniffing, line splitting, decoding, the cut of
 * over-long lines), the matcher with the built-in rules, the JSON and text
 * event writers and the line timestamp reader. The input, pushed in two parts
 * split where the fuzzer says, then flushed as the daemon does at idle or at
 * the end. Every event written must be one valid JSON object in valid UTF-8
 * (jsoncheck.c, not the writer's own code, says so) whose "message" is the
 * line with each invalid byte replaced by U+FFFD; every text rendering must
 * hold no control character but its one line break. Lines must start where
 * the stream starts, after a BOM or after a line feed (or a CR, in a file of
 * lone CRs), past a run of NULs, and in UTF-8 be the bytes at their offset. It does not fuzz the rules: fuzz_rules.c does.
 *
 * Input: byte 0 = options (bits 0-2 encoding: auto, utf-8, utf-16le,
 * utf-16be, ansi, else auto; bits 3-4 max line 64KiB, 1024, 1025, 4096;
 * bits 5-6 how the stream starts: as `scan` does, as the daemon does on a
 * new file, resumed at offset 4096 with the encoding given; bit 7 the second
 * push ends the file rather than an idle flush), bytes 1-2 = where to split
 * the rest (big-endian, modulo its length + 1), then the log bytes.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "jsoncheck.h"
#include "scanner.h"
#include "timestamp.h"
#include "util/alloc.h"
#include "util/buf.h"

#define HEADER 3
#define RESUME_AT 4096u
#define EVENT_MAX (1u << 20)

struct run {
    const unsigned char *data; /* the log bytes */
    size_t len;
    uint64_t base; /* stream offset of data[0] */
    struct scan_stream *st;
    uint64_t next_min; /* lines come in order */
    struct buf ev, txt;
    size_t events;
};

static const enum encoding encodings[8] = {ENC_AUTO, ENC_UTF8, ENC_UTF16LE, ENC_UTF16BE,
                                           ENC_ANSI, ENC_AUTO, ENC_AUTO,    ENC_AUTO};
static const size_t max_lines[4] = {SCANNER_MAX_LINE_DEFAULT, 1024, 1025, 4096};

/* The length of a BOM at the start of the data, whatever the encoding. */
static size_t bom_len(const unsigned char *p, size_t n)
{
    if (n >= 3 && p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF)
        return 3;
    if (n >= 2 && ((p[0] == 0xFF && p[1] == 0xFE) || (p[0] == 0xFE && p[1] == 0xFF)))
        return 2;
    return 0;
}

/* Whether the code unit before p[rel] is the ASCII c. */
static int unit_before(const struct run *r, size_t rel, char c)
{
    const unsigned char *p = r->data;

    switch (r->st->enc) {
    case ENC_UTF16LE: return rel >= 2 && p[rel - 2] == (unsigned char)c && p[rel - 1] == 0;
    case ENC_UTF16BE: return rel >= 2 && p[rel - 2] == 0 && p[rel - 1] == (unsigned char)c;
    default: return rel >= 1 && p[rel - 1] == (unsigned char)c;
    }
}

/* A line starts at the stream's start, after a BOM, or after a line feed
 * (or a CR, in a file whose lines end with a lone CR), past a run of NULs. */
static void check_line_start(struct run *r, const struct line_ref *l)
{
    size_t unit = decoder_unit(r->st->enc), rel;
    const unsigned char *p = r->data;

    if (l->offset < r->base || l->offset - r->base > r->len || l->offset < r->next_min)
        fuzz_fail("line offset %" PRIu64 " out of order or out of the input", l->offset);
    rel = (size_t)(l->offset - r->base);
    r->next_min = l->offset + 1;
    while (rel >= unit && unit_before(r, rel, '\0'))
        rel -= unit; /* a hole of NULs before the line is not part of it */
    if (rel == 0 || (r->base == 0 && rel == bom_len(p, r->len)))
        return;
    if (!unit_before(r, rel, '\n') && !(r->st->eol == '\r' && unit_before(r, rel, '\r')))
        fuzz_fail("line at offset %" PRIu64 " does not follow a line feed", l->offset);
    rel = (size_t)(l->offset - r->base);
    if (r->st->enc == ENC_UTF8 && (rel + l->len > r->len || memcmp(l->text, p + rel, l->len) != 0))
        fuzz_fail("UTF-8 line text is not the bytes at offset %" PRIu64, l->offset);
}

/* s[0..n) as the JSON writer must show it: each byte that does not start a
 * valid UTF-8 sequence becomes U+FFFD. */
static char *expected_text(const char *s, size_t n, size_t *outlen)
{
    char *out = xmalloc(n * 3 + 1);
    size_t o = 0;
    uint32_t cp;

    for (size_t i = 0; i < n;) {
        size_t len = jsoncheck_utf8((const unsigned char *)s + i, n - i, &cp);
        if (len == 0) {
            memcpy(out + o, "\xEF\xBF\xBD", 3), o += 3, i++;
        } else {
            memcpy(out + o, s + i, len), o += len, i += len;
        }
    }
    *outlen = o;
    return out;
}

static void check_json(struct run *r, const struct line_ref *l)
{
    const char *why;
    char *msg, *want, offset[2][48];
    size_t at, msglen, wantlen;

    if ((why = jsoncheck_object(r->ev.p, r->ev.len, &at)) != NULL)
        fuzz_fail("event JSON: %s at byte %zu of %zu: %.300s", why, at, r->ev.len, r->ev.p);
    if (jsoncheck_member_str(r->ev.p, r->ev.len, "message", &msg, &msglen) != 0)
        fuzz_fail("event JSON without a \"message\" string");
    want = expected_text(l->text, l->len, &wantlen);
    if (msglen != wantlen || memcmp(msg, want, msglen) != 0)
        fuzz_fail("event \"message\" is not the line (%zu bytes, want %zu)", msglen, wantlen);
    free(msg);
    xfree(want);
    snprintf(offset[0], sizeof(offset[0]), "\"offset\":%" PRIu64 ",", l->offset);
    snprintf(offset[1], sizeof(offset[1]), "\"offset\":%" PRIu64 "}", l->offset);
    if (strstr(r->ev.p, offset[0]) == NULL && strstr(r->ev.p, offset[1]) == NULL)
        fuzz_fail("event JSON does not carry the offset %" PRIu64, l->offset);
}

/* The text rendering: valid UTF-8, no control character but one line feed. */
static void check_text(const struct run *r)
{
    const char *why;
    size_t at, lf = 0;

    if ((why = jsoncheck_utf8_text(r->txt.p, r->txt.len, &at)) != NULL)
        fuzz_fail("event text: %s at byte %zu", why, at);
    for (size_t i = 0; i < r->txt.len; i++) {
        unsigned char c = (unsigned char)r->txt.p[i];
        if (c == '\n')
            lf++;
        else if (c < 0x20 || c == 0x7F)
            fuzz_fail("event text: raw control character 0x%02X at byte %zu", c, i);
    }
    if (lf != 1)
        fuzz_fail("event text: %zu line feeds", lf);
}

static void check_match(const struct line_ref *l, const struct match *m)
{
    if (m->code == NULL || m->rule == NULL || m->ncaps > MATCH_CAPS)
        fuzz_fail("match without a code or rule, or with %zu captures", m->ncaps);
    for (size_t k = 0; k < m->ncaps; k++)
        if (m->caps[k].name == NULL || m->caps[k].off > l->len ||
            m->caps[k].len > l->len - m->caps[k].off)
            fuzz_fail("capture %zu outside the line", k);
}

static int line_cb(void *ctx, const struct line_ref *l, const struct match_set *ms)
{
    static char *const tags[] = {"fuzz", "t\xC3\xA4g \"q\""};
    const struct event_extra x = {tags, 2, "fuzz-host"};
    struct run *r = ctx;
    int64_t t;

    check_line_start(r, l);
    if (ms->n > MATCH_MAX)
        fuzz_fail("%zu matches on one line", ms->n);
    (void)timestamp_parse(l->text, l->len, &t);
    for (size_t i = 0; i < ms->n; i++) {
        check_match(l, &ms->v[i]);
        buf_reset(&r->ev);
        buf_reset(&r->txt);
        if (event_json(&r->ev, "2026-11-24T20:30:01.123Z", l, &ms->v[i], &x) != 0 ||
            event_text(&r->txt, l, &ms->v[i], 0) != 0)
            fuzz_fail("an event did not fit in %u bytes", EVENT_MAX);
        check_json(r, l);
        check_text(r);
        r->events++;
    }
    return 0;
}

static struct matcher matcher;

static void matcher_done(void)
{
    matcher_free(&matcher);
}

/* One matcher over the built-in rules for the whole run, as in the daemon. */
static struct matcher *builtin_matcher(void)
{
    static int ready;

    if (!ready) {
        matcher_init(&matcher, fuzz_builtin_table(), fuzz_builtin_rules());
        ready = 1;
        atexit(matcher_done);
    }
    return &matcher;
}

/* Copies part into the stream's room and pushes it. */
static void push(struct scan_stream *st, const unsigned char *part, size_t n, int eof)
{
    size_t room;
    char *p = scan_stream_space(st, &room);

    if (room < n)
        fuzz_fail("scan_stream_space gave %zu bytes, %zu needed", room, n);
    memcpy(p, part, n);
    if (scan_stream_push(st, n, eof) != 0)
        fuzz_fail("scan_stream_push failed");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct scanner sc;
    struct scan_stream st;
    struct run r;
    size_t split;
    int how;

    if (size < HEADER)
        return 0;
    memset(&r, 0, sizeof(r));
    r.data = data + HEADER, r.len = size - HEADER, r.st = &st;
    split = ((size_t)data[1] << 8 | data[2]) % (r.len + 1);
    how = data[0] >> 5 & 3;
    sc = (struct scanner){.m = builtin_matcher(),
                          .max_line = max_lines[data[0] >> 3 & 3],
                          .encoding = encodings[data[0] & 7],
                          .cb = line_cb,
                          .ctx = &r};
    r.base = how == 2 ? RESUME_AT : 0;
    scan_stream_init(&st, &sc, "C:\\logs\\fuzz \"1\".log",
                     how == 2 && sc.encoding == ENC_AUTO ? ENC_UTF8 : sc.encoding, r.base,
                     r.len + 1);
    if (how == 0)
        st.sniffed = 0; /* as scanner_run: the BOM is told even with a given encoding */
    buf_init(&r.ev, EVENT_MAX);
    buf_init(&r.txt, EVENT_MAX);
    push(&st, r.data, split, 0);
    push(&st, r.data + split, r.len - split, data[0] >> 7);
    if (scan_stream_push(&st, 0, 1) != 0)
        fuzz_fail("the final push failed");
    if (scan_stream_done(&st) != r.base + r.len || scan_stream_pending(&st) != 0)
        fuzz_fail("stream done at %" PRIu64 " with %zu pending, want %" PRIu64 " and 0",
                  scan_stream_done(&st), scan_stream_pending(&st), r.base + r.len);
    buf_free(&r.ev);
    buf_free(&r.txt);
    scan_stream_free(&st);
    scanner_free(&sc);
    return 0;
}
