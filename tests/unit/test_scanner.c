/*
 * The scanner on real files: offsets as stored (BOM, CRLF, UTF-16), lines cut
 * at the maximum without losing the next one, lines longer than the read
 * buffer, a last line without a newline, NUL bytes and invalid UTF-8; line
 * numbers, and none for a stream started from a saved offset.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "scanner.h"
#include "testutil.h"
#include "util/alloc.h"

#define MAX_EVENTS 64

struct got {
    size_t n;
    uint64_t offset[MAX_EVENTS];
    uint64_t line[MAX_EVENTS];
    long code[MAX_EVENTS];
    int truncated[MAX_EVENTS];
    char text[MAX_EVENTS][128];
};


static int got_cb(void *ctx, const struct line_ref *l, const struct match_set *ms)
{
    struct got *g = ctx;

    for (size_t i = 0; i < ms->n && g->n < MAX_EVENTS; i++, g->n++) {
        size_t len = l->len < 127 ? l->len : 127;
        g->offset[g->n] = l->offset;
        g->line[g->n] = l->line;
        g->code[g->n] = ms->v[i].code->code;
        g->truncated[g->n] = l->truncated;
        memcpy(g->text[g->n], l->text, len);
        g->text[g->n][len] = '\0';
    }
    return 0;
}

static struct scan_stats scan(const void *data, size_t len, size_t max_line, struct got *g)
{
    char *path = tu_temp_file("scan", data, len);
    struct scanner sc = {.m = &tu_matcher, .max_line = max_line, .encoding = ENC_AUTO, .cb = got_cb,
                         .ctx = g};
    struct ww_err err = {0};
    uv_fs_t req;
    int fd = uv_fs_open(NULL, &req, path, O_RDONLY, 0, NULL);

    uv_fs_req_cleanup(&req);
    memset(g, 0, sizeof(*g));
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(scanner_run(&sc, path, fd, &err), 0);
    uv_fs_close(NULL, &req, fd, NULL);
    uv_fs_req_cleanup(&req);
    remove(path);
    xfree(path);
    return sc.st;
}

START_TEST(test_bom_crlf_offsets)
{
    const char data[] = "\xEF\xBB\xBF" "first line\r\n"
                        "socket error WSAECONNRESET here\r\n"
                        "last [WinError 10061] no newline";
    struct got g;
    struct scan_stats st = scan(data, sizeof(data) - 1, 65536, &g);

    ck_assert_uint_eq(st.lines, 3);
    ck_assert_uint_eq(g.n, 2);
    ck_assert_uint_eq(g.offset[0], 15);
    ck_assert_int_eq(g.code[0], 10054);
    ck_assert_str_eq(g.text[0], "socket error WSAECONNRESET here");
    ck_assert_uint_eq(g.offset[1], 15 + 33);
    ck_assert_int_eq(g.code[1], 10061);
    ck_assert_uint_eq(g.line[0], 2);
    ck_assert_uint_eq(g.line[1], 3);
}
END_TEST

START_TEST(test_utf16le_offsets)
{
    const char *lines[] = {"hello\r\n", "recv failed WSAETIMEDOUT\r\n"};
    char data[256];
    size_t n = 0;
    struct got g;

    data[n++] = (char)0xFF, data[n++] = (char)0xFE;
    for (size_t k = 0; k < 2; k++)
        for (const char *p = lines[k]; *p; p++)
            data[n++] = *p, data[n++] = 0;
    scan(data, n, 65536, &g);
    ck_assert_uint_eq(g.n, 1);
    ck_assert_int_eq(g.code[0], 10060);
    ck_assert_uint_eq(g.offset[0], 2 + 14);
    ck_assert_uint_eq(g.line[0], 2);
    ck_assert_str_eq(g.text[0], "recv failed WSAETIMEDOUT");
}
END_TEST

START_TEST(test_long_line_cut_next_kept)
{
    size_t long_len = 5000, n = 0;
    char *data = xmalloc(long_len + 200);
    struct got g;
    struct scan_stats st;

    memcpy(data, "WSAECONNRESET ", 14);
    memset(data + 14, 'x', long_len - 14);
    memcpy(data + 3000, " WSAEHOSTUNREACH ", 17); /* beyond the cut: not seen */
    n = long_len;
    data[n++] = '\n';
    memcpy(data + n, "then WSAETIMEDOUT\n", 18);
    n += 18;
    st = scan(data, n, 1024, &g);
    ck_assert_uint_eq(g.n, 2);
    ck_assert_int_eq(g.code[0], 10054);
    ck_assert_int_eq(g.truncated[0], 1);
    ck_assert_int_eq(g.code[1], 10060);
    ck_assert_uint_eq(g.offset[1], long_len + 1);
    ck_assert_uint_eq(g.line[0], 1);
    ck_assert_uint_eq(g.line[1], 2);
    ck_assert_int_eq(g.truncated[1], 0);
    ck_assert_uint_eq(st.truncated, 1);
    ck_assert_uint_eq(st.lines, 2);
    xfree(data);
}
END_TEST

START_TEST(test_line_longer_than_buffer)
{
    size_t big = 3u << 20, n;
    char *data = xmalloc(big + 100);
    struct got g;

    memset(data, 'y', big);
    data[big] = '\n';
    n = big + 1;
    memcpy(data + n, "x WSAECONNREFUSED\n", 18);
    n += 18;
    scan(data, n, 65536, &g);
    ck_assert_uint_eq(g.n, 1);
    ck_assert_int_eq(g.code[0], 10061);
    ck_assert_uint_eq(g.offset[0], big + 1);
    ck_assert_uint_eq(g.line[0], 2);
    xfree(data);
}
END_TEST

/* Feeds data to a stream that starts at offset, n bytes a push. */
static void feed(const char *data, size_t len, uint64_t offset, size_t n, struct got *g)
{
    struct scanner sc = {.m = &tu_matcher, .max_line = 65536, .encoding = ENC_UTF8, .cb = got_cb,
                         .ctx = g};
    struct scan_stream st;

    memset(g, 0, sizeof(*g));
    scan_stream_init(&st, &sc, "fed", ENC_UTF8, offset, 4096);
    for (size_t at = 0; at < len; at += n) {
        size_t room, k = len - at < n ? len - at : n;
        memcpy(scan_stream_space(&st, &room), data + at, k);
        ck_assert_int_eq(scan_stream_push(&st, k, 0), 0);
    }
    scan_stream_free(&st);
    scanner_free(&sc);
}

START_TEST(test_line_numbers)
{
    const char data[] = "a\nb WSAECONNRESET\n\n\nc\r\nd [WinError 10061]\r\ne\nWSAETIMEDOUT\n";
    struct got g;

    for (size_t n = 1; n <= sizeof(data); n++) { /* lines split across pushes */
        feed(data, sizeof(data) - 1, 0, n, &g);
        ck_assert_uint_eq(g.n, 3);
        ck_assert_uint_eq(g.line[0], 2);
        ck_assert_uint_eq(g.line[1], 6);
        ck_assert_uint_eq(g.line[2], 8);
    }
    feed(data, sizeof(data) - 1, 100, 7, &g); /* from a saved offset: not known */
    ck_assert_uint_eq(g.n, 3);
    ck_assert_uint_eq(g.line[0], 0);
    ck_assert_uint_eq(g.offset[0], 102);
}
END_TEST

START_TEST(test_nul_and_invalid_utf8)
{
    const char data[] = "\xFD\xFF\xFE garbage \0\0 then Socket Error # 10054\n"
                        "\xC0\xAF An existing connection was forcibly closed by the remote host.\n";
    struct got g;

    scan(data, sizeof(data) - 1, 65536, &g);
    ck_assert_uint_eq(g.n, 2);
    ck_assert_int_eq(g.code[0], 10054);
    ck_assert_uint_eq(g.offset[0], 0);
    ck_assert_int_eq(g.code[1], 10054);
}
END_TEST

/* Pushes data to a new stream in the pieces whose sizes cuts gives (the
 * last one repeated), as a follower reads a file written in pieces; then
 * the end. */
static void push_cuts(const char *data, size_t len, const size_t *cuts, size_t ncuts,
                      struct got *g)
{
    struct scanner sc = {.m = &tu_matcher, .max_line = 65536, .encoding = ENC_AUTO, .cb = got_cb,
                         .ctx = g};
    struct scan_stream st;

    memset(g, 0, sizeof(*g));
    scan_stream_init(&st, &sc, "pieces.log", ENC_AUTO, 0, 4096);
    for (size_t at = 0, i = 0; at < len; i++) {
        size_t room, want = cuts[i < ncuts ? i : ncuts - 1];
        size_t n = len - at < want ? len - at : want;
        char *p = scan_stream_space(&st, &room);
        memcpy(p, data + at, n);
        ck_assert_int_eq(scan_stream_push(&st, n, 0), 0);
        at += n;
    }
    ck_assert_int_eq(scan_stream_push(&st, 0, 1), 0);
    ck_assert_uint_eq(scan_stream_done(&st), len);
    scan_stream_free(&st);
    scanner_free(&sc);
}

static void push_pieces(const char *data, size_t len, size_t piece, struct got *g)
{
    push_cuts(data, len, &piece, 1, g);
}

/* A file of lone CRs: one line each, however the bytes come. */
START_TEST(test_lone_cr_lines)
{
    const char data[] = "start\rSocket Error # 10054 one\rx\rSocket Error # 10061 two\r"
                        "Socket Error # 10060 three";

    for (size_t piece = 1; piece <= sizeof(data); piece++) {
        struct got g;
        push_pieces(data, sizeof(data) - 1, piece, &g);
        ck_assert_uint_eq(g.n, 3);
        ck_assert_uint_eq(g.offset[0], 6);
        ck_assert_str_eq(g.text[0], "Socket Error # 10054 one");
        ck_assert_uint_eq(g.offset[1], 33);
        ck_assert_str_eq(g.text[1], "Socket Error # 10061 two");
        ck_assert_uint_eq(g.offset[2], 58);
    }
}
END_TEST

/* Once a file is known to end lines with lone CRs, a CRLF that comes later,
 * its CR and LF in two reads, is one line end. A stray CR in the first line
 * of an LF file does not make it one. */
START_TEST(test_cr_then_crlf_split)
{
    const char data[] = "a\rSocket Error # 10054 one\r\nSocket Error # 10061 two\r";
    const char lf[] = "a\rb Socket Error # 10054 one\nSocket Error # 10061 two\n";
    const size_t cuts[] = {4, 24, 100};
    struct got g;

    push_cuts(data, sizeof(data) - 1, cuts, 3, &g);
    ck_assert_uint_eq(g.n, 2);
    ck_assert_uint_eq(g.offset[0], 2);
    ck_assert_uint_eq(g.offset[1], 28);
    ck_assert_str_eq(g.text[1], "Socket Error # 10061 two");
    push_pieces(lf, sizeof(lf) - 1, 100, &g);
    ck_assert_uint_eq(g.n, 2);
    ck_assert_uint_eq(g.offset[0], 0);
    ck_assert_str_eq(g.text[0], "a\rb Socket Error # 10054 one");
}
END_TEST

/* NULs before a line (a copytruncate hole) are not part of it, even when
 * they are longer than a line. */
START_TEST(test_nul_hole_skipped)
{
    size_t hole = 70000;
    char *data = xcalloc(1, hole + 64);
    struct got g;

    strcpy(data + hole, "Socket Error # 10054\n");
    push_pieces(data, hole + 21, 4096, &g);
    ck_assert_uint_eq(g.n, 1);
    ck_assert_uint_eq(g.offset[0], hole);
    ck_assert_str_eq(g.text[0], "Socket Error # 10054");
    ck_assert_int_eq(g.truncated[0], 0);
    xfree(data);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("scanner");
    TCase *tc = tcase_create("scanner");

    tcase_add_checked_fixture(tc, tu_matcher_setup, tu_matcher_teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_bom_crlf_offsets);
    tcase_add_test(tc, test_utf16le_offsets);
    tcase_add_test(tc, test_long_line_cut_next_kept);
    tcase_add_test(tc, test_line_longer_than_buffer);
    tcase_add_test(tc, test_nul_and_invalid_utf8);
    tcase_add_test(tc, test_line_numbers);
    tcase_add_test(tc, test_lone_cr_lines);
    tcase_add_test(tc, test_cr_then_crlf_split);
    tcase_add_test(tc, test_nul_hole_skipped);
    suite_add_tcase(s, tc);
    return tu_run(s);
}
