/*
 * JSON strings are always valid JSON and UTF-8: escapes, invalid bytes,
 * control characters, and the buffer cap.
 */
#include <string.h>

#include "testutil.h"
#include "util/json.h"

static const char *enc(struct buf *b, const char *s, size_t n)
{
    buf_reset(b);
    ck_assert_int_eq(json_put_str(b, s, n), 0);
    return buf_str(b);
}

START_TEST(test_escapes)
{
    struct buf b;

    buf_init(&b, 4096);
    ck_assert_str_eq(enc(&b, "a\"b\\c\nd\te", 9), "\"a\\\"b\\\\c\\nd\\te\"");
    ck_assert_str_eq(enc(&b, "\x1b[31mred\x7f", 9), "\"\\u001b[31mred\\u007f\"");
    ck_assert_str_eq(enc(&b, "nul\0x", 5), "\"nul\\u0000x\"");
    ck_assert_str_eq(enc(&b, "caf\xC3\xA9 \xE8\xBF\x9C", 9), "\"caf\xC3\xA9 \xE8\xBF\x9C\"");
    ck_assert_str_eq(enc(&b, "bad \xFF\xC0\xAF end", 11),
                     "\"bad \xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD end\"");
    ck_assert_str_eq(enc(&b, "cut \xE8\xBF", 6), "\"cut \xEF\xBF\xBD\xEF\xBF\xBD\"");
    ck_assert_str_eq(enc(&b, "\xED\xA0\x80", 3), "\"\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\"");
    /* C1 controls (8-bit CSI), bidi overrides and line separators: escaped */
    ck_assert_str_eq(enc(&b, "\xC2\x9B" "31m \xE2\x80\xAE" "x\xE2\x80\xAC \xE2\x81\xA6 \xE2\x80\xA8", 21),
                     "\"\\u009b31m \\u202ex\\u202c \\u2066 \\u2028\"");
    buf_free(&b);
}
END_TEST

START_TEST(test_cap)
{
    struct buf b;

    buf_init(&b, 8);
    ck_assert_int_eq(json_put_str(&b, "0123456789", 10), WW_ELIMIT);
    ck_assert_uint_le(b.len, 8);
    buf_free(&b);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("json");
    TCase *tc = tcase_create("json");

    tcase_add_test(tc, test_escapes);
    tcase_add_test(tc, test_cap);
    suite_add_tcase(s, tc);
    return tu_run(s);
}
