/*
 * The alert engine with controlled time: threshold and window, cooldown and
 * the suppressed count, groups by capture, resolved notices, backlog
 * summaries, and the cap on groups. Also the line timestamp layouts.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alerts.h"
#include "rulefiles.h"
#include "metrics.h"
#include "testutil.h"
#include "timestamp.h"
#include "util/alloc.h"

#define MAX_GOT 64

static struct table t;
static struct alert_set set;
static struct alert_engine eng;
static char *got[MAX_GOT];
static size_t ngot;

static void emit_cb(void *ctx, const struct alert_rule *r, const char *json, size_t len,
                    enum msg_severity sev, const char *summary)
{
    (void)ctx, (void)r, (void)sev, (void)summary;
    ck_assert_uint_lt(ngot, MAX_GOT);
    got[ngot++] = xstrndup(json, len);
}

static void load(const char *yaml)
{
    struct ruleset rs;
    struct diag d;

    tu_load_codes(&t);
    ruleset_init(&rs);
    alert_set_init(&set);
    diag_init(&d);
    ck_assert_int_eq(rulefiles_load_buffer(&t, &rs, &set, "a.yaml", yaml, strlen(yaml), &d), 0);
    ck_assert_int_eq(alert_set_resolve(&set, &t, NULL, 0, &d), 0);
    ruleset_free(&rs);
    diag_free(&d);
    alerts_init(&eng, &set, emit_cb, NULL);
}

static void teardown(void)
{
    if (eng.set != NULL)
        alerts_free(&eng);
    alert_set_free(&set);
    table_free(&t);
    for (size_t i = 0; i < ngot; i++)
        xfree(got[i]);
    ngot = 0;
    metrics_reset();
}

static void feed(long code, const char *peer, int64_t t_ms, int backlog)
{
    const char *names[] = {"peer"}, *values[] = {peer};
    size_t lens[] = {strlen(peer)};
    struct alert_input in = {table_by_code(&t, code), "r", "/var/log/api.log", NULL, 0, "h",
                             names, values, lens, 1, "a line", 6, t_ms, backlog};

    alerts_feed(&eng, &in, t_ms, t_ms);
}

static int has(size_t i, const char *needle)
{
    return i < ngot && strstr(got[i], needle) != NULL;
}

static const char storm[] = "alerts:\n"
                            "  - id: storm\n"
                            "    codes: [WSAECONNRESET, 10053]\n"
                            "    threshold: 5\n"
                            "    window: 60s\n"
                            "    group_by: [file, peer]\n"
                            "    cooldown: 10m\n"
                            "    resolved: true\n";

START_TEST(test_threshold_cooldown_suppressed)
{
    int64_t t0 = 1800000000000;

    load(storm);
    for (int i = 0; i < 4; i++)
        feed(10054, "10.0.0.9:443", t0 + i * 1000, 0);
    ck_assert_uint_eq(ngot, 0);
    feed(10053, "10.0.0.9:443", t0 + 4000, 0);
    ck_assert_uint_eq(ngot, 1);
    ck_assert(has(0, "\"state\":\"firing\""));
    ck_assert(has(0, "\"count\":5,"));
    ck_assert(has(0, "\"group\":{\"file\":\"/var/log/api.log\",\"peer\":\"10.0.0.9:443\"}"));
    ck_assert(has(0, "\"codes\":{\"10054\":4,\"10053\":1}"));
    ck_assert(has(0, "\"symbol\":\"WSAECONNRESET\"")); /* the dominant code's hint */
    for (int i = 0; i < 20; i++)
        feed(10054, "10.0.0.9:443", t0 + 5000 + i * 100, 0);
    ck_assert_uint_eq(ngot, 1);
    for (int i = 0; i < 5; i++) /* the cooldown ran from the alert (t0 + 4 s) for 10 min */
        feed(10054, "10.0.0.9:443", t0 + 605000 + i, 0);
    ck_assert_uint_eq(ngot, 2);
    ck_assert(has(1, "\"suppressed\":20"));
    ck_assert(has(1, "\"count\":5,"));
}
END_TEST

START_TEST(test_count_in_window)
{
    int64_t t0 = 1800000000000;

    load(storm);
    for (int i = 0; i < 30; i++)
        feed(10054, "p", t0 + i * 100, 0);
    ck_assert_uint_eq(ngot, 1);
    teardown();
    load("alerts:\n  - {id: s, codes: [10054], threshold: 30, window: 60s}\n");
    for (int i = 0; i < 30; i++)
        feed(10054, "p", t0 + i * 100, 0);
    ck_assert_uint_eq(ngot, 1);
    ck_assert(has(0, "\"count\":30,"));
}
END_TEST

START_TEST(test_count_after_cooldown)
{
    int64_t t0 = 1795610444811;

    load("alerts:\n  - {id: s, codes: [10054], threshold: 5, window: 60s, cooldown: 3s}\n");
    for (int i = 0; i < 5; i++)
        feed(10054, "p", t0, 0);
    for (int i = 0; i < 20; i++)
        feed(10054, "p", t0 + 505, 0);
    for (int i = 0; i < 5; i++)
        feed(10054, "p", t0 + 4006, 0);
    /* the first event after the cooldown fires at once: 5 + 20 + 1 in the
     * window; the 4 after it are held back by the new cooldown */
    ck_assert_uint_eq(ngot, 2);
    ck_assert_msg(has(1, "\"count\":26,"), "%s", got[1]);
    ck_assert(has(1, "\"suppressed\":20"));
}
END_TEST

START_TEST(test_window_slides)
{
    int64_t t0 = 1800000000000;

    load(storm);
    for (int i = 0; i < 10; i++) /* one every 20 s: never 5 within 60 s */
        feed(10054, "p", t0 + i * 20000, 0);
    ck_assert_uint_eq(ngot, 0);
}
END_TEST

START_TEST(test_two_peers_two_groups)
{
    int64_t t0 = 1800000000000;

    load(storm);
    for (int i = 0; i < 5; i++) {
        feed(10054, "10.0.0.1:443", t0 + i, 0);
        feed(10054, "10.0.0.2:443", t0 + i, 0);
    }
    ck_assert_uint_eq(ngot, 2);
    ck_assert(has(0, "10.0.0.1:443") || has(1, "10.0.0.1:443"));
    ck_assert(has(0, "10.0.0.2:443") || has(1, "10.0.0.2:443"));
}
END_TEST

START_TEST(test_resolved_after_quiet_window)
{
    int64_t t0 = 1800000000000;

    load("alerts:\n  - {id: s, codes: [10054], threshold: 2, window: 10s, cooldown: 1s,"
         " resolved: true}\n");
    feed(10054, "p", t0, 0);
    feed(10054, "p", t0 + 1, 0);
    ck_assert_uint_eq(ngot, 1);
    alerts_tick(&eng, t0 + 5000, t0 + 5000);
    ck_assert_uint_eq(ngot, 1);
    alerts_tick(&eng, t0 + 11000, t0 + 11000);
    ck_assert_uint_eq(ngot, 2);
    ck_assert(has(1, "\"state\":\"resolved\""));
}
END_TEST

START_TEST(test_backlog_summarised_once)
{
    int64_t t0 = 1800000000000;

    load(storm);
    for (int i = 0; i < 5000; i++) /* a storm read late: never a storm of alerts */
        feed(10054, i % 2 ? "a" : "b", t0 + i, 1);
    alerts_tick(&eng, t0 + 10000, t0 + 10000);
    ck_assert_uint_eq(ngot, 0); /* still reading the backlog */
    alerts_tick(&eng, t0 + 11000, t0 + 11000);
    ck_assert_uint_eq(ngot, 1);
    ck_assert(has(0, "\"state\":\"backlog\""));
    ck_assert(has(0, "\"count\":5000,"));
    alerts_tick(&eng, t0 + 12000, t0 + 12000);
    ck_assert_uint_eq(ngot, 1);
}
END_TEST

START_TEST(test_group_cap_overflow)
{
    int64_t t0 = 1800000000000;
    char peer[32];

    load("alerts:\n  - {id: s, codes: [10054], threshold: 3, window: 60s, group_by: [peer],"
         " max_groups: 100}\n");
    for (int i = 0; i < 1000; i++) {
        snprintf(peer, sizeof(peer), "10.0.%d.%d:443", i / 256, i % 256);
        feed(10054, peer, t0 + i, 0);
    }
    ck_assert_uint_le(eng.ngroups, 101);
    ck_assert(metrics_get("wsawatch_alert_groups_overflow_total", "alert=\"s\"") == 900);
    ck_assert_uint_eq(ngot, 1); /* the overflow group reached the threshold */
    ck_assert(has(0, "(overflow)"));
}
END_TEST

START_TEST(test_timestamps)
{
    int64_t ms;

    ck_assert(timestamp_parse("2026-11-24T20:30:01.123Z x", 26, &ms));
    ck_assert_int_eq(ms, 1795552201123LL);
    ck_assert(timestamp_parse("2026-11-24 21:30:01,123 +01:00 ERROR", 36, &ms));
    ck_assert_int_eq(ms, 1795552201123LL);
    ck_assert(timestamp_parse("1.2.3.4 - - [24/Nov/2026:20:30:01 +0000] \"GET", 45, &ms));
    ck_assert_int_eq(ms, 1795552201000LL);
    ck_assert(timestamp_parse("[Tue Nov 24 20:30:01.123456 2026] [core:error]", 46, &ms));
    ck_assert(timestamp_parse("2026/11/24 20:30:01 [error] 1#2: x", 33, &ms));
    ck_assert(!timestamp_parse("request took 10054 ms", 21, &ms));
    ck_assert(!timestamp_parse("2026-13-45T99:00:00Z", 20, &ms));
}
END_TEST

static int ts(const char *line, int64_t *ms)
{
    return timestamp_parse(line, strlen(line), ms);
}

/* Only a time that leads the line is the line's time. */
START_TEST(test_timestamp_leads)
{
    int64_t ms;

    ck_assert(ts("ERROR 2026-11-24T20:30:01.123Z x", &ms));
    ck_assert_int_eq(ms, 1795552201123LL);
    ck_assert(ts("[2026-11-24T20:30:01.123Z] [WARN] x", &ms));
    ck_assert(ts("<134>1 2026-11-24T20:30:01.123Z host app - - x", &ms));
    ck_assert(ts("INFO [T1] 2026-11-24T20:30:01.123Z x", &ms));
    ck_assert(ts("{\"@t\":\"2026-11-24T20:30:01.123Z\",\"@m\":\"x\"}", &ms));
    ck_assert_int_eq(ms, 1795552201123LL);
    ck_assert(ts("api.example.com - frank [24/Nov/2026:20:30:01 +0000] \"GET", &ms));
    ck_assert_int_eq(ms, 1795552201000LL);
    ck_assert(ts("2026-11-24T20:30:01.123Z retry after 2030-01-01T00:00:00Z", &ms));
    ck_assert_int_eq(ms, 1795552201123LL);
    ck_assert(!ts("token valid until 2030-01-01T00:00:00Z", &ms));
    ck_assert(!ts("ERROR request failed, valid until 2030-01-01 00:00:00", &ms));
    ck_assert(!ts("ERROR TOKEN VALID UNTIL 2030-01-01T00:00:00Z", &ms));
    ck_assert(!ts("{\"msg\":\"valid until 2030-01-01T00:00:00Z\"}", &ms));
    ck_assert(!ts("a b c d [24/Nov/2026:20:30:01 +0000]", &ms));
}
END_TEST

/* A group whose alert came from a line dated a day ahead is quiet for the
 * cooldown of the clock, not until that day. */
START_TEST(test_cooldown_by_monotonic_clock)
{
    int64_t t0 = 1800000000000, day = 86400000, mono = 5000;
    const char *names[] = {"peer"}, *values[] = {"p"};
    size_t lens[] = {1};
    struct alert_input in = {NULL, "r", "/var/log/api.log", NULL, 0, "h",
                             names, values, lens, 1, "a line", 6, 0, 0};

    load("alerts:\n  - {id: s, codes: [10054], threshold: 2, window: 10s, cooldown: 1s,"
         " resolved: true}\n");
    in.code = table_by_code(&t, 10054);
    in.t_ms = t0 + day; /* a skewed clock, or a date quoted in the message */
    alerts_feed(&eng, &in, t0, mono);
    alerts_feed(&eng, &in, t0, mono);
    ck_assert_uint_eq(ngot, 1);
    for (int burst = 1; burst <= 3; burst++) {
        for (int i = 0; i < 2; i++) {
            in.t_ms = t0 + burst * 20000 + i;
            alerts_feed(&eng, &in, in.t_ms, mono + burst * 20000 + i);
        }
        ck_assert_uint_eq(ngot, (size_t)burst + 1);
    }
    alerts_tick(&eng, t0 + 75000, mono + 75000); /* quiet a whole window */
    ck_assert_uint_eq(ngot, 5);
    ck_assert(has(4, "\"state\":\"resolved\""));
}
END_TEST

START_TEST(test_timestamp_pattern)
{
    char err[300];
    const char *line = "app 24.11.2026 20:30:01.5 UTC+00:00 x";
    void *re = timestamp_pattern_compile("(?<day>\\d\\d)\\.(?<month>\\d\\d)\\.(?<year>\\d{4}) "
                                         "(?<hour>\\d\\d):(?<minute>\\d\\d):(?<second>\\d\\d)"
                                         "\\.(?<fraction>\\d+) UTC(?<tz>[+-]\\d\\d:\\d\\d)",
                                         err, sizeof(err));
    int64_t ms;

    ck_assert_msg(re != NULL, "%s", err);
    ck_assert(timestamp_pattern_parse(re, line, strlen(line), &ms));
    ck_assert_int_eq(ms, 1795552201500LL);
    ck_assert(!timestamp_pattern_parse(re, "no time here", 12, &ms));
    timestamp_pattern_free(re);
    ck_assert_ptr_null(timestamp_pattern_compile("(?<year>\\d{4})", err, sizeof(err)));
    ck_assert_str_eq(err, "timestamp pattern has no group named 'month'");
    ck_assert_ptr_null(timestamp_pattern_compile("(?<year>\\d{4}", err, sizeof(err)));
    ck_assert_msg(strstr(err, "timestamp pattern error at offset 13: missing closing parenthesis") != NULL,
                  "%s", err);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("alerts");
    TCase *tc = tcase_create("alerts");

    tcase_add_checked_fixture(tc, NULL, teardown);
    tcase_add_test(tc, test_threshold_cooldown_suppressed);
    tcase_add_test(tc, test_count_in_window);
    tcase_add_test(tc, test_count_after_cooldown);
    tcase_add_test(tc, test_window_slides);
    tcase_add_test(tc, test_two_peers_two_groups);
    tcase_add_test(tc, test_resolved_after_quiet_window);
    tcase_add_test(tc, test_backlog_summarised_once);
    tcase_add_test(tc, test_group_cap_overflow);
    tcase_add_test(tc, test_timestamps);
    tcase_add_test(tc, test_timestamp_leads);
    tcase_add_test(tc, test_cooldown_by_monotonic_clock);
    tcase_add_test(tc, test_timestamp_pattern);
    suite_add_tcase(s, tc);
    return tu_run(s);
}
