/*
 * The matcher: one match per distinct code per line, captures, the message
 * matcher, the match limit on a ReDoS-shaped pattern, and the negatives a
 * careless regex would take.
 */
#include <stdlib.h>
#include <string.h>

#include "matcher.h"
#include "testutil.h"
#include "util/alloc.h"

static struct match_set ms;

static size_t match(const char *line)
{
    return matcher_line(&tu_matcher, line, strlen(line), &ms);
}

static int has(long code)
{
    for (size_t i = 0; i < ms.n; i++)
        if (ms.v[i].code->code == code)
            return 1;
    return 0;
}

START_TEST(test_number_and_message_are_one_event)
{
    ck_assert_uint_eq(match("System.Net.Sockets.SocketException (10054): An existing connection "
                            "was forcibly closed by the remote host."),
                      1);
    ck_assert_int_eq(ms.v[0].code->code, 10054);
}
END_TEST

START_TEST(test_two_codes_two_events)
{
    ck_assert_uint_eq(match("retry after WSAECONNRESET, then WSAECONNREFUSED"), 2);
    ck_assert(has(10054));
    ck_assert(has(10061));
}
END_TEST

START_TEST(test_go_message_with_peer)
{
    const char *line = "read tcp 127.0.0.1:10809->10.0.0.9:443: wsarecv: An existing "
                       "connection was forcibly closed by the remote host.";
    int peer = 0;

    ck_assert_uint_eq(match(line), 1);
    ck_assert_int_eq(ms.v[0].code->code, 10054);
    for (size_t i = 0; i < ms.v[0].ncaps; i++)
        if (strcmp(ms.v[0].caps[i].name, "peer") == 0)
            peer = strncmp(line + ms.v[0].caps[i].off, "10.0.0.9:443", ms.v[0].caps[i].len) == 0;
    ck_assert_msg(peer, "peer 10.0.0.9:443 not captured");
}
END_TEST

START_TEST(test_numbers_that_are_not_errors)
{
    ck_assert_uint_eq(match("zabbix agent listening on port 10050"), 0);
    ck_assert_uint_eq(match("request took 10054 ms"), 0);
    ck_assert_uint_eq(match("Content-Length: 10061"), 0);
    ck_assert_uint_eq(match("2024/11/03 00:37:38 [notice] 10916#8776: signal process started"), 0);
    ck_assert_uint_eq(match("recv() failed (104: Connection reset by peer) while reading"), 0);
}
END_TEST

START_TEST(test_longest_message_wins)
{
    ck_assert_uint_eq(match("lookup failed: No such host is known securely."), 1);
    ck_assert_int_eq(ms.v[0].code->code, 11032);
    ck_assert_uint_eq(match("lookup failed: No such host is known."), 1);
    ck_assert_int_eq(ms.v[0].code->code, 11001);
}
END_TEST

START_TEST(test_match_limit_reported_and_others_run)
{
    struct table t2;
    struct ruleset rs2;
    struct matcher m2;
    struct diag d;
    char *line = xmalloc(20001);
    const char *y = "rules:\n"
                    "  - id: redos\n"
                    "    literals: [aaaa]\n"
                    "    pattern: '(a+)+$'\n";

    diag_init(&d);
    ck_assert_int_eq(tu_load_extra(&t2, &rs2, "redos.yaml", y, &d), 0);
    matcher_init(&m2, &t2, &rs2);
    memset(line, 'a', 20000);
    memcpy(line + 19900, " WSAECONNRESET ", 15);
    line[20000] = '\0';
    matcher_line(&m2, line, 20000, &ms);
    ck_assert_uint_eq(ms.limit_hits, 1);
    ck_assert_str_eq(ms.limit_rule->id, "redos");
    ck_assert_uint_eq(ms.n, 1); /* the symbol rule still ran */
    ck_assert_int_eq(ms.v[0].code->code, 10054);
    matcher_free(&m2);
    ruleset_free(&rs2);
    table_free(&t2);
    diag_free(&d);
    xfree(line);
}
END_TEST

START_TEST(test_binary_line)
{
    char line[4096];

    srand(7);
    for (size_t i = 0; i < sizeof(line); i++)
        line[i] = (char)(rand() & 0xFF);
    memcpy(line + 1000, "[WinError 10061] ", 17);
    matcher_line(&tu_matcher, line, sizeof(line), &ms);
    ck_assert(has(10061));
}
END_TEST

int main(void)
{
    Suite *s = suite_create("matcher");
    TCase *tc = tcase_create("matcher");

    tcase_add_checked_fixture(tc, tu_matcher_setup, tu_matcher_teardown);
    tcase_add_test(tc, test_number_and_message_are_one_event);
    tcase_add_test(tc, test_two_codes_two_events);
    tcase_add_test(tc, test_go_message_with_peer);
    tcase_add_test(tc, test_numbers_that_are_not_errors);
    tcase_add_test(tc, test_longest_message_wins);
    tcase_add_test(tc, test_match_limit_reported_and_others_run);
    tcase_add_test(tc, test_binary_line);
    suite_add_tcase(s, tc);
    return tu_run(s);
}
