/*
 * The asynchronous output kinds (webhook, exec) on a private loop: their keys
 * and defaults, the bounded queue's drop accounting, and that close() lets the
 * loop end with every handle closed, within the short grace, whatever was
 * still queued or in flight; the eventlog kind's keys, and that it works
 * where there is an Event Log and says why not elsewhere. The end-to-end behaviour against real receivers
 * and programs is in tests/scenario/test_output_{webhook,exec}.py.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "config.h"
#include "metrics.h"
#include "outputs/output.h"
#include "testutil.h"
#include "wsawatch_config.h"
#include "util/alloc.h"

static const char msg_json[] = "{\"event\":{\"kind\":\"event\"},\"message\":\"x\"}";

static int executable(const char *path)
{
    uv_fs_t req;
    int rc = uv_fs_access(NULL, &req, path, X_OK, NULL);

    uv_fs_req_cleanup(&req);
    return rc == 0;
}

static int load(const char *yaml, struct config *c, struct diag *d)
{
    char *path = tu_temp_file("cfg", yaml, strlen(yaml));
    int errors = config_load(c, path, d);

    remove(path);
    xfree(path);
    return errors;
}

/* Loads yaml (one output) and opens it on loop. */
static void open_one(const char *yaml, struct config *c, uv_loop_t *loop, struct output *o)
{
    struct diag d;
    struct ww_err err = {0};

    diag_init(&d);
    ck_assert_msg(load(yaml, c, &d) == 0, "%s", d.n ? d.v[0].text : "?");
    diag_free(&d);
    ck_assert_int_eq(uv_loop_init(loop), 0);
    ck_assert_int_eq(output_open(o, &c->outputs[0], loop, &err), 0);
}

static void write_n(struct output *o, int n)
{
    struct out_msg m = {MSG_EVENT, msg_json, sizeof(msg_json) - 1, SEV_NOTICE, "x", NULL};

    for (int i = 0; i < n; i++)
        ck_assert_int_eq(output_write(o, &m), 0);
}

/* Closes o and runs the loop to its end; returns the seconds it took. */
static double close_and_run(struct output *o, struct config *c, uv_loop_t *loop)
{
    uint64_t t0 = uv_hrtime();

    output_close(o);
    uv_run(loop, UV_RUN_DEFAULT);
    ck_assert_int_eq(uv_loop_close(loop), 0); /* every handle was closed */
    config_free(c);
    return (double)(uv_hrtime() - t0) / 1e9;
}

START_TEST(test_webhook_close_ends_loop)
{
    struct config c;
    struct output o;
    uv_loop_t loop;

    open_one("outputs:\n  - name: wh1\n    type: webhook\n    url: http://127.0.0.1:1/x\n", &c,
             &loop, &o);
    write_n(&o, 3);
    ck_assert_uint_eq(o.st.written, 3);
    ck_assert_double_lt(close_and_run(&o, &c, &loop), 3.0);
    ck_assert_double_eq(metrics_get("wsawatch_output_failures_total", "output=\"wh1\""), 3);
}
END_TEST

START_TEST(test_webhook_queue_drops_oldest)
{
    struct config c;
    struct output o;
    uv_loop_t loop;

    open_one("outputs:\n  - name: wh2\n    type: webhook\n    url: http://127.0.0.1:1/x\n"
             "    queue: 2\n",
             &c, &loop, &o);
    write_n(&o, 10); /* 4 start at once, 2 wait, 4 are dropped */
    ck_assert_uint_eq(o.st.dropped, 4);
    ck_assert_double_eq(metrics_get("wsawatch_output_dropped_total", "output=\"wh2\""), 4);
    ck_assert_double_lt(close_and_run(&o, &c, &loop), 3.0);
}
END_TEST

START_TEST(test_exec_runs_and_loop_ends)
{
    struct config c;
    struct output o;
    uv_loop_t loop;

    if (HAVE_BACKSLASH_PATHS || !executable("/bin/cat") || !executable("/bin/false"))
        return; /* not a POSIX system (under Wine /bin/cat is there, but no program) */
    open_one("outputs:\n  - name: ex1\n    type: exec\n    command: [/bin/cat]\n", &c, &loop, &o);
    write_n(&o, 2);
    uv_run(&loop, UV_RUN_DEFAULT); /* both children run and exit */
    ck_assert_double_eq(metrics_get("wsawatch_output_messages_total", "output=\"ex1\""), 2);
    ck_assert_double_lt(close_and_run(&o, &c, &loop), 1.0);

    open_one("outputs:\n  - name: ex2\n    type: exec\n    command: [/bin/false]\n", &c, &loop, &o);
    write_n(&o, 1);
    ck_assert_double_lt(close_and_run(&o, &c, &loop), 3.0);
    ck_assert_double_eq(metrics_get("wsawatch_output_failures_total", "output=\"ex2\""), 1);
}
END_TEST

START_TEST(test_keys_and_errors)
{
    struct config c;
    struct diag d;

    diag_init(&d);
    ck_assert_int_eq(load("outputs:\n"
                          "  - {name: a, type: webhook, url: 'gopher://x/', tls_verify: maybe}\n"
                          "  - {name: b, type: webhook, headers: {X: y}}\n"
                          "  - {name: c, type: exec, command: [/no/such/program], queue: 0}\n",
                          &c, &d),
                     5);
    ck_assert(tu_diag_has(&d, ":2:35: 'url' must be http:// or https://"));
    ck_assert(tu_diag_has(&d, "'tls_verify' must be true or false"));
    ck_assert(tu_diag_has(&d, ":3:5: missing key 'url'"));
    ck_assert(tu_diag_has(&d, ":4:37: 'command': /no/such/program: no such file or directory"));
    ck_assert(tu_diag_has(&d, "'queue' must be a number from 1"));
    config_free(&c);
    diag_free(&d);
}
END_TEST

/* The eventlog kind parses everywhere; it opens and writes where the Event
 * Log exists (Windows, Wine: ReportEvent succeeds) and fails to open, saying
 * why, elsewhere. The records' texts are checked by tests/windows/eventlog_test.sh. */
START_TEST(test_eventlog)
{
    static const char firing[] = "{\"event\":{\"kind\":\"alert\"},\"alert\":{\"state\":\"firing\"}}";
    static const char backlog[] = "{\"event\":{\"kind\":\"alert\"},\"alert\":{\"state\":\"backlog\"}}";
    struct out_msg msgs[] = {
        {MSG_EVENT, msg_json, sizeof(msg_json) - 1, SEV_NOTICE, "WSAECONNRESET (10054)", NULL},
        {MSG_ALERT, firing, sizeof(firing) - 1, SEV_WARNING, "6 WSAECONNRESET in 60 s", NULL},
        {MSG_ALERT, backlog, sizeof(backlog) - 1, SEV_INFO, "backlog: 6 WSAECONNRESET", NULL},
    };
    struct config c;
    struct diag d;
    struct ww_err err = {0};
    struct output o;
    int rc;

    diag_init(&d);
    ck_assert_int_eq(load("outputs:\n"
                          "  - {name: a, type: eventlog}\n"
                          "  - {name: b, type: eventlog, source: 'a\\b'}\n",
                          &c, &d),
                     1);
    ck_assert(tu_diag_has(&d, ":3:39: source 'a\\b' is not an event source name"));
    ck_assert_int_eq(tu_diag_has(&d, "only available on Windows"), !HAVE_EVENTLOG);
    config_free(&c);
    diag_free(&d);

    diag_init(&d);
    ck_assert_int_eq(load("outputs:\n  - {name: a, type: eventlog, source: wsawatch-test}\n", &c, &d),
                     0);
    rc = output_open(&o, &c.outputs[0], NULL, &err);
    if (HAVE_EVENTLOG) {
        ck_assert_msg(rc == 0, "%s", err.msg);
        for (size_t i = 0; i < sizeof(msgs) / sizeof(msgs[0]); i++)
            ck_assert_int_eq(output_write(&o, &msgs[i]), 0);
        ck_assert_int_eq(output_flush(&o, 1, &err), 0);
        output_close(&o);
    } else {
        ck_assert_int_eq(rc, WW_ENOTSUP);
        ck_assert_str_eq(err.msg, "output 'a': eventlog: the Windows Event Log is only available "
                                  "on Windows; use syslog");
    }
    config_free(&c);
    diag_free(&d);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("outputs");
    TCase *tc = tcase_create("outputs");

#ifdef SIGPIPE
    signal(SIGPIPE, SIG_IGN); /* as the daemon does: a child that exits unread gives EPIPE */
#endif
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, test_webhook_close_ends_loop);
    tcase_add_test(tc, test_webhook_queue_drops_oldest);
    tcase_add_test(tc, test_exec_runs_and_loop_ends);
    tcase_add_test(tc, test_keys_and_errors);
    tcase_add_test(tc, test_eventlog);
    suite_add_tcase(s, tc);
    return tu_run(s);
}
