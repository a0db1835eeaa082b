/*
 * Encodings: BOM and BOM-less detection, line ends in UTF-16, surrogate pairs,
 * lone surrogates and odd bytes replaced, CR dropped, Windows-1252.
 */
#include <string.h>

#include "decoder.h"
#include "testutil.h"

START_TEST(test_sniff)
{
    size_t bom;

    ck_assert_int_eq(decoder_sniff("\xEF\xBB\xBFhello", 8, &bom), ENC_UTF8);
    ck_assert_uint_eq(bom, 3);
    ck_assert_int_eq(decoder_sniff("\xFF\xFEh\0i\0", 6, &bom), ENC_UTF16LE);
    ck_assert_uint_eq(bom, 2);
    ck_assert_int_eq(decoder_sniff("\xFE\xFF\0h\0i", 6, &bom), ENC_UTF16BE);
    ck_assert_int_eq(decoder_sniff("h\0e\0l\0l\0o\0 \0w\0o\0", 16, &bom), ENC_UTF16LE);
    ck_assert_uint_eq(bom, 0);
    ck_assert_int_eq(decoder_sniff("plain text line\n", 16, &bom), ENC_UTF8);
    ck_assert_int_eq(decoder_sniff("a\0", 2, &bom), ENC_UTF8); /* too short to tell */
}
END_TEST

/* A long first read is sniffed over its first DECODER_SNIFF_WINDOW bytes. */
START_TEST(test_sniff_long_read)
{
    static char le[4096], be[4096];
    size_t bom;

    for (size_t i = 0; i < sizeof(le); i += 2) {
        le[i] = be[i + 1] = (char)("WSAECONNRESET 10054 in a log line\n"[(i / 2) % 34]);
        le[i + 1] = be[i] = 0;
    }
    for (size_t n = 8; n <= sizeof(le); n *= 2) {
        ck_assert_int_eq(decoder_sniff(le, n, &bom), ENC_UTF16LE);
        ck_assert_int_eq(decoder_sniff(be, n, &bom), ENC_UTF16BE);
    }
    ck_assert_int_eq(decoder_sniff("a\0\n\0", 4, &bom), ENC_UTF16LE); /* one short line */
    ck_assert_int_eq(decoder_sniff("\0a\0\n", 4, &bom), ENC_UTF16BE);
    ck_assert_int_eq(decoder_sniff("abc\n", 4, &bom), ENC_UTF8);
}
END_TEST

START_TEST(test_sniff_ready)
{
    char utf8[DECODER_SNIFF_MIN];

    memset(utf8, 'x', sizeof(utf8));
    ck_assert(!decoder_sniff_ready("W\0S\0A\0", 6));      /* wait for more */
    ck_assert(!decoder_sniff_ready(utf8, sizeof(utf8) - 1));
    ck_assert(decoder_sniff_ready(utf8, sizeof(utf8)));
    ck_assert(decoder_sniff_ready("\xFF\xFE", 2));           /* a BOM */
    ck_assert(decoder_sniff_ready("\xEF\xBB\xBF", 3));
    ck_assert(decoder_sniff_ready("a\0\n\0", 4));           /* a whole line */
    ck_assert(decoder_sniff_ready("ok\n", 3));
    ck_assert(decoder_sniff_ready("ok\rn", 4));              /* a line ended by a CR */
    ck_assert(!decoder_sniff_ready("ok\r", 3));
}
END_TEST

START_TEST(test_utf16_newline_alignment)
{
    /* "\u0A0A" has 0x0A bytes that are not a line feed. */
    const char le[] = "\x0A\x0A" "a\0" "\n\0" "b\0";

    ck_assert_uint_eq(decoder_find_nl(ENC_UTF16LE, le, 8, 0), 4);
    ck_assert_uint_eq(decoder_find_nl(ENC_UTF16LE, le, 8, 6), 8);
}
END_TEST

START_TEST(test_utf16_decode)
{
    struct buf b;
    /* "Ü😀" + CR, then a lone high surrogate and an odd byte */
    const char le[] = "\xDC\x00" "\x3D\xD8\x00\xDE" "\r\0";
    const char bad[] = "\x3D\xD8" "A\0" "Z";

    buf_init(&b, 1024);
    ck_assert_int_eq(decoder_line(ENC_UTF16LE, le, 8, &b), 0);
    ck_assert_str_eq(buf_str(&b), "\xC3\x9C\xF0\x9F\x98\x80");
    buf_reset(&b);
    ck_assert_int_eq(decoder_line(ENC_UTF16LE, bad, 5, &b), 0);
    ck_assert_str_eq(buf_str(&b), "\xEF\xBF\xBD" "A" "\xEF\xBF\xBD");
    buf_reset(&b);
    ck_assert_int_eq(decoder_line(ENC_UTF16BE, "\0W\0S\0A", 6, &b), 0);
    ck_assert_str_eq(buf_str(&b), "WSA");
    buf_free(&b);
}
END_TEST

START_TEST(test_ansi)
{
    struct buf b;

    buf_init(&b, 1024);
    ck_assert_int_eq(decoder_line(ENC_ANSI, "\x80 caf\xE9\r", 7, &b), 0);
    ck_assert_str_eq(buf_str(&b), "\xE2\x82\xAC caf\xC3\xA9");
    buf_free(&b);
}
END_TEST

START_TEST(test_parse_names)
{
    enum encoding e;

    ck_assert_int_eq(decoder_parse("utf-16le", &e), 0);
    ck_assert_int_eq(e, ENC_UTF16LE);
    ck_assert_int_eq(decoder_parse("latin9", &e), WW_EINVAL);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("decoder");
    TCase *tc = tcase_create("decoder");

    tcase_add_test(tc, test_sniff);
    tcase_add_test(tc, test_sniff_long_read);
    tcase_add_test(tc, test_sniff_ready);
    tcase_add_test(tc, test_utf16_newline_alignment);
    tcase_add_test(tc, test_utf16_decode);
    tcase_add_test(tc, test_ansi);
    tcase_add_test(tc, test_parse_names);
    suite_add_tcase(s, tc);
    return tu_run(s);
}
