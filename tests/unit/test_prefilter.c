/*
 * The prefilter never misses a literal (checked against a plain search on
 * random text), folds ASCII case only, and reports positions in order.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "prefilter.h"
#include "testutil.h"

START_TEST(test_finds_case_insensitively)
{
    struct prefilter pf;
    const char *text = "xx socketexception yy SOCKETEXCEPTION";
    size_t pos = 0, lit;

    prefilter_init(&pf);
    prefilter_add(&pf, "SocketException", 15, 7);
    ck_assert(prefilter_next(&pf, text, strlen(text), &pos, &lit));
    ck_assert_uint_eq(pos, 3);
    ck_assert_uint_eq(pf.lits[lit].tag, 7);
    pos++;
    ck_assert(prefilter_next(&pf, text, strlen(text), &pos, &lit));
    ck_assert_uint_eq(pos, 22);
    pos++;
    ck_assert(!prefilter_next(&pf, text, strlen(text), &pos, &lit));
    prefilter_free(&pf);
}
END_TEST

START_TEST(test_non_ascii_is_exact)
{
    struct prefilter pf;
    const char *zh = "错误: 远程主机强迫关闭了一个现有的连接。";
    size_t pos = 0, lit;

    prefilter_init(&pf);
    prefilter_add(&pf, "远程主机", strlen("远程主机"), 1);
    ck_assert(prefilter_next(&pf, zh, strlen(zh), &pos, &lit));
    ck_assert_uint_eq(pos, strlen("错误: "));
    pos = 0;
    ck_assert(!prefilter_next(&pf, "\xE8\xBF\x9C\xE7\xA8", 5, &pos, &lit)); /* truncated */
    prefilter_free(&pf);
}
END_TEST

static size_t naive_count(char **lits, size_t nlits, const char *text, size_t n)
{
    size_t count = 0;

    for (size_t i = 0; i < n; i++)
        for (size_t k = 0; k < nlits; k++)
            if (strlen(lits[k]) <= n - i && strncasecmp(text + i, lits[k], strlen(lits[k])) == 0)
                count++;
    return count;
}

static void count_cb(void *ctx, size_t pos, const struct pf_lit *lit)
{
    (void)pos;
    (void)lit;
    (*(size_t *)ctx)++;
}

START_TEST(test_never_misses_random)
{
    char *lits[200], text[20000];
    struct prefilter pf;
    size_t found = 0;

    srand(42);
    prefilter_init(&pf);
    for (size_t k = 0; k < 200; k++) {
        size_t len = 4 + (size_t)rand() % 6;
        lits[k] = calloc(len + 1, 1);
        for (size_t i = 0; i < len; i++)
            lits[k][i] = "abcdEFG0123 "[rand() % 12];
        prefilter_add(&pf, lits[k], len, (uint32_t)k);
    }
    for (size_t i = 0; i < sizeof(text); i++)
        text[i] = "abcdefgABCDEFG0123 \n"[rand() % 20];
    prefilter_each(&pf, text, sizeof(text), count_cb, &found);
    ck_assert_uint_gt(found, 0);
    ck_assert_uint_eq(found, naive_count(lits, 200, text, sizeof(text)));
    for (size_t k = 0; k < 200; k++)
        free(lits[k]);
    prefilter_free(&pf);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("prefilter");
    TCase *tc = tcase_create("prefilter");

    tcase_add_test(tc, test_finds_case_insensitively);
    tcase_add_test(tc, test_non_ascii_is_exact);
    tcase_add_test(tc, test_never_misses_random);
    suite_add_tcase(s, tc);
    return tu_run(s);
}
