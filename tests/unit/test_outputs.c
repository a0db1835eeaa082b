/*
 * The asynchronous output kinds (webhook, exec) on a private loop: their keys
 * and defaults, the bounded queue's drop accounting, and that close() lets the
 * loop end with every handle closed, within the short grace, whatever was
 * still queued or in flight; the paths of file and metrics outputs checked at
 * load; the file output holding what it cannot write (full past its buffer),
 * writing it once it can, and handing it to its successor at a reload; the
 * stdout writer's queue, which drops whole messages and loses none besides;
 * the eventlog kind's keys, and that it works where there is an Event Log and
 * says why not elsewhere. The end-to-end behaviour against real receivers and
 * programs is in tests/scenario/test_output_{webhook,exec}.py, and against
 * full disks and stalled readers in tests/scenario/test_faults.py.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "config.h"
#include "metrics.h"
#include "outputs/output.h"
#include "outputs/spool.h"
#include "testutil.h"
#include "wsawatch_config.h"
#include "outputs/fdwriter.h"
#include "util/alloc.h"
#include "util/fsutil.h"

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
    /* not failed: kept in the spool for the next start */
    ck_assert_double_eq(metrics_get("wsawatch_output_failures_total", "output=\"wh1\""), 0);
}
END_TEST

START_TEST(test_webhook_small_queue_drops_nothing)
{
    struct config c;
    struct output o;
    uv_loop_t loop;

    open_one("outputs:\n  - name: wh2\n    type: webhook\n    url: http://127.0.0.1:1/x\n"
             "    queue: 2\n",
             &c, &loop, &o);
    write_n(&o, 10); /* 4 start at once, 2 wait, 4 wait in the spool */
    ck_assert_uint_eq(o.st.dropped, 0);
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

    open_one("outputs:\n  - name: ex2\n    type: exec\n    command: [/bin/false]\n"
             "    retries: 0\n",
             &c, &loop, &o);
    write_n(&o, 1);
    while (metrics_get("wsawatch_output_failures_total", "output=\"ex2\"") < 1)
        uv_run(&loop, UV_RUN_ONCE); /* until it ran and failed */
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

static void remove_dir(const char *path)
{
    uv_fs_t req;

    (void)uv_fs_rmdir(NULL, &req, path, NULL);
    uv_fs_req_cleanup(&req);
}

static char *temp_dir(void)
{
    const char *t = getenv("TMPDIR") ? getenv("TMPDIR") : getenv("TEMP");
    char *tmpl = xasprintf("%s/wsaoutXXXXXX", t ? t : "/tmp"), *dir;
    uv_fs_t req;

    ck_assert_int_ge(uv_fs_mkdtemp(NULL, &req, tmpl, NULL), 0);
    dir = xstrdup(req.path);
    uv_fs_req_cleanup(&req);
    xfree(tmpl);
    return dir;
}

static int64_t file_size(const char *path)
{
    uv_fs_t req;
    int64_t size = uv_fs_stat(NULL, &req, path, NULL) == 0 ? (int64_t)req.statbuf.st_size : -1;

    uv_fs_req_cleanup(&req);
    return size;
}

/* A file or metrics output whose path cannot be opened for writing is a
 * warning at load, named at the path (`check` may run as another user than
 * the service, or before systemd makes its LogsDirectory); opening it is an
 * error that says the same. */
START_TEST(test_unwritable_paths)
{
    char *dir = temp_dir(), *plain = xasprintf("%s/plain", dir);
    struct output o;
    struct ww_err err = {0};
    char *yaml = xasprintf("outputs:\n"
                           "  - {name: a, type: file, path: '%s/no/such/x.jsonl'}\n"
                           "  - {name: b, type: file, path: '%s'}\n"
                           "  - {name: c, type: file, path: '%s/x.jsonl'}\n"
                           "  - {name: d, type: metrics, path: '%s/no/x.prom'}\n"
                           "  - {name: e, type: file, path: '%s/ok.jsonl', buffer: 12 bananas}\n"
                           "  - {name: f, type: file, path: '%s/ok.jsonl', buffer: 64KiB}\n",
                           dir, dir, plain, dir, dir, dir);
    struct config c;
    struct diag d;
    FILE *f = fopen(plain, "wb");

    ck_assert_ptr_nonnull(f);
    fclose(f);
    diag_init(&d);
    ck_assert_int_eq(load(yaml, &c, &d), 1);
    ck_assert_uint_eq(d.n, 5);
    ck_assert(tu_diag_has(&d, ":2:33: output 'a': "));
    ck_assert(tu_diag_has(&d, "/no/such/x.jsonl: no such file or directory (directory "));
    ck_assert(tu_diag_has(&d, ":3:33: output 'b': "));
    ck_assert(tu_diag_has(&d, ": is a directory"));
    ck_assert(tu_diag_has(&d, ":4:33: output 'c': "));
    ck_assert(tu_diag_has(&d, "not a directory"));
    ck_assert(tu_diag_has(&d, ":5:36: output 'd': "));
    ck_assert(tu_diag_has(&d, "bad size '12 bananas' for buffer"));
    ck_assert(tu_diag_has(&d, "; `run` fails unless it can be written then"));
    config_free(&c);
    diag_free(&d);
    diag_init(&d);
    ck_assert_int_eq(load(yaml, &c, &d), 1);
    ck_assert_int_ne(output_open(&o, &c.outputs[0], NULL, &err), 0);
    ck_assert_msg(strstr(err.msg, "output 'a': ") == err.msg &&
                      strstr(err.msg, "/no/such/x.jsonl: no such file or directory (directory "),
                  "%s", err.msg);
    config_free(&c);
    diag_free(&d);
    remove(plain);
    remove_dir(dir);
    xfree(plain), xfree(yaml), xfree(dir);
}
END_TEST

/* The file output when its path cannot be opened any more (its directory
 * removed, which a reopen after a rotation finds): messages wait, the output
 * is full past its buffer, a flush fails and counts; with the directory back
 * the waiting messages are written once. At a reload the old output hands
 * what it could not write to the new one of the same name. */
START_TEST(test_file_holds_and_hands_over)
{
    char *dir = temp_dir(), *sub = xasprintf("%s/out", dir), *path = xasprintf("%s/e.jsonl", sub);
    char *path2 = xasprintf("%s/e2.jsonl", dir), *yaml, *yaml2;
    struct config c, c2;
    struct output o, o2;
    struct ww_err err = {0};
    struct diag d;
    uv_loop_t loop;
    uv_fs_t req;
    int64_t line = sizeof(msg_json); /* with its newline */

    if (HAVE_BACKSLASH_PATHS)
        return; /* Windows keeps a directory with an open file in it */
    ck_assert_int_eq(uv_fs_mkdir(NULL, &req, sub, 0700, NULL), 0);
    uv_fs_req_cleanup(&req);
    yaml = xasprintf("outputs:\n  - {name: fo, type: file, path: '%s', buffer: 1KiB}\n", path);
    open_one(yaml, &c, &loop, &o);
    write_n(&o, 2);
    ck_assert_int_eq(output_flush(&o, 1, &err), 0);
    ck_assert_int_eq(file_size(path), 2 * line);
    remove(path);
    remove_dir(sub);
    output_tick(&o); /* rotated away: reopening fails */
    write_n(&o, 3);
    ck_assert_int_ne(output_flush(&o, 1, &err), 0);
    ck_assert_msg(strstr(err.msg, "output 'fo': ") && strstr(err.msg, "no such file or directory"),
                  "%s", err.msg);
    ck_assert_int_eq(o.full, 0);
    write_n(&o, 30); /* 33 * 44 bytes > 1KiB */
    ck_assert_int_eq(o.full, 1);
    ck_assert_double_ge(metrics_get("wsawatch_output_write_errors_total", "output=\"fo\""), 1);
    ck_assert_int_eq(uv_fs_mkdir(NULL, &req, sub, 0700, NULL), 0);
    uv_fs_req_cleanup(&req);
    memset(&err, 0, sizeof(err));
    ck_assert_int_eq(output_flush(&o, 1, &err), 0);
    ck_assert_int_eq(o.full, 0);
    ck_assert_int_eq(file_size(path), 33 * line);

    /* a reload while it cannot write: the successor gets the waiting lines */
    remove(path);
    remove_dir(sub);
    output_tick(&o);
    write_n(&o, 4);
    ck_assert_int_ne(output_flush(&o, 1, &err), 0);
    diag_init(&d);
    yaml2 = xasprintf("outputs:\n  - {name: fo, type: file, path: '%s'}\n", path2);
    ck_assert_int_eq(load(yaml2, &c2, &d), 0);
    ck_assert_int_eq(output_open(&o2, &c2.outputs[0], &loop, &err), 0);
    output_close(&o);
    memset(&err, 0, sizeof(err));
    ck_assert_int_eq(output_flush(&o2, 1, &err), 0);
    ck_assert_int_eq(file_size(path2), 4 * line);
    ck_assert_double_lt(close_and_run(&o2, &c2, &loop), 1.0);
    config_free(&c);
    diag_free(&d);
    remove(path2);
    remove_dir(dir);
    xfree(dir), xfree(sub), xfree(path), xfree(path2), xfree(yaml), xfree(yaml2);
}
END_TEST

struct reader {
    uv_file fd;
    char *data;
    size_t len;
};

static void read_all_cb(void *arg)
{
    struct reader *r = arg;
    char chunk[4096];

    for (;;) {
        uv_buf_t b = uv_buf_init(chunk, sizeof(chunk));
        uv_fs_t req;
        ssize_t n = uv_fs_read(NULL, &req, r->fd, &b, 1, -1, NULL);

        uv_fs_req_cleanup(&req);
        if (n <= 0)
            return;
        r->data = xrealloc(r->data, r->len + (size_t)n + 1);
        memcpy(r->data + r->len, chunk, (size_t)n);
        r->len += (size_t)n;
        r->data[r->len] = '\0';
    }
}

/* A pipe nobody reads: pushes never block, the queue drops its oldest
 * messages whole; once read, every message not dropped arrives whole and in
 * order, the newest among them: received + dropped = pushed. */
START_TEST(test_fdwriter_drops_whole_messages)
{
    uv_file fds[2];
    struct fdwriter *w;
    struct reader r = {0};
    uv_thread_t t;
    long dropped = 0, n = 2000, got = 0, last = -1;
    char msg[600];
    uv_fs_t req;

    ck_assert_int_eq(uv_pipe(fds, 0, 0), 0);
    w = fdwriter_start(fds[1], 10, 1 << 20);
    ck_assert_ptr_nonnull(w);
    memset(msg, 'x', sizeof(msg));
    for (long i = 0; i < n; i++) {
        int len = snprintf(msg, sizeof(msg), "m%ld ", i);
        long rc;
        msg[len] = 'x';
        msg[sizeof(msg) - 1] = '\n';
        rc = fdwriter_push(w, msg, sizeof(msg));
        ck_assert_int_ge(rc, 0);
        dropped += rc;
    }
    ck_assert_int_gt(dropped, 0);
    r.fd = fds[0];
    ck_assert_int_eq(uv_thread_create(&t, read_all_cb, &r), 0);
    ck_assert_uint_eq(fdwriter_close(w, 5000), 0);
    uv_fs_close(NULL, &req, fds[1], NULL);
    uv_fs_req_cleanup(&req);
    uv_thread_join(&t);
    uv_fs_close(NULL, &req, fds[0], NULL);
    uv_fs_req_cleanup(&req);
    ck_assert_uint_eq(r.len % sizeof(msg), 0);
    for (size_t off = 0; off < r.len; off += sizeof(msg), got++) {
        long k = strtol(r.data + off + 1, NULL, 10);
        ck_assert_int_eq(r.data[off], 'm');
        ck_assert_int_gt(k, last);
        ck_assert_int_eq(r.data[off + sizeof(msg) - 1], '\n');
        last = k;
    }
    ck_assert_int_eq(got + dropped, n);
    ck_assert_int_eq(last, n - 1);
    xfree(r.data);
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

static char state_dir[4096];

START_TEST(test_spool_crc32)
{
    ck_assert_uint_eq(spool_crc32(0, "123456789", 9), 0xCBF43926u); /* the check value */
    ck_assert_uint_eq(spool_crc32(spool_crc32(0, "1234", 4), "56789", 5), 0xCBF43926u);
    ck_assert_uint_eq(spool_crc32(0, "", 0), 0);
}
END_TEST

/* Appends n records "<tag>-<i>" to a new spool of name. */
static struct spool *spool_with(const char *name, uint64_t max, const char *tag, int n, size_t pad)
{
    struct spool *s;
    struct ww_err err = {0};
    char *rec = xcalloc(1, pad + 64);

    ck_assert_msg(spool_open(&s, name, max, &err) == 0, "%s", err.msg);
    for (int i = 0; i < n; i++) {
        int len = snprintf(rec, 64, "%s-%d", tag, i);
        memset(rec + len, '.', pad);
        ck_assert_int_eq(spool_append(s, rec, (size_t)len + pad), 0);
    }
    ck_assert_int_eq(spool_sync(s, &err), 0);
    xfree(rec);
    return s;
}

/* The next record, NUL-terminated (owned), or NULL. */
static char *next_str(struct spool *s, uint64_t *id)
{
    char *p, *out;
    size_t len;

    if (spool_next(s, &p, &len, id) != 1)
        return NULL;
    out = xasprintf("%.*s", (int)len, p);
    xfree(p);
    return out;
}

START_TEST(test_spool_keeps_what_is_not_done)
{
    struct spool *s = spool_with("keep", (64u << 20), "r", 5, 0);
    uint64_t ids[5];
    char *got;

    for (int i = 0; i < 5; i++) {
        char want[16];
        snprintf(want, sizeof(want), "r-%d", i);
        got = next_str(s, &ids[i]);
        ck_assert_str_eq(got, want);
        xfree(got);
    }
    ck_assert_ptr_null(next_str(s, &ids[0]));
    spool_done(s, ids[0], 1);
    spool_done(s, ids[2], 1); /* out of order: r-1 still holds the checkpoint */
    spool_done(s, ids[1], 1);
    ck_assert_uint_eq(spool_pending(s), 2);
    spool_close(s); /* r-3 and r-4 were handed out, never done */
    s = spool_with("keep", (64u << 20), "n", 1, 0);
    for (size_t i = 0; i < 3; i++) { /* the old ones first, in order, then the new one */
        static const char *const want[3] = {"r-3", "r-4", "n-0"};
        got = next_str(s, &ids[0]);
        ck_assert_str_eq(got, want[i]);
        xfree(got);
        spool_done(s, ids[0], 1);
    }
    ck_assert_uint_eq(spool_pending(s), 0);
    spool_close(s);
    s = spool_with("keep", (64u << 20), "m", 0, 0);
    ck_assert_ptr_null(next_str(s, &ids[0])); /* everything was done */
    spool_close(s);
}
END_TEST

START_TEST(test_spool_skips_damaged_records)
{
    struct spool *s = spool_with("dmg", (64u << 20), "rec", 3, 0);
    char *path = xasprintf("%s/spool/dmg/0000000000000001.seg", state_dir), *data = NULL, *got;
    size_t len;
    struct ww_err err = {0};
    uint64_t id;
    FILE *f;

    spool_close(s);
    ck_assert_int_eq(fs_read_all(path, 4096, &data, &len, &err), 0);
    ck_assert_uint_eq(len, 3 * (12 + 5));
    data[17 + 12 + 2] ^= 0x20; /* "rec-1": the CRC no longer matches */
    f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fwrite(data, 1, len, f), len);
    fclose(f);
    s = spool_with("dmg", (64u << 20), "x", 0, 0);
    got = next_str(s, &id);
    ck_assert_str_eq(got, "rec-0");
    xfree(got);
    got = next_str(s, &id);
    ck_assert_str_eq(got, "rec-2");
    xfree(got);
    ck_assert_double_eq(metrics_get("wsawatch_spool_corrupt_total", "output=\"dmg\""), 1);
    spool_close(s);
    xfree(data);
    xfree(path);
}
END_TEST

START_TEST(test_spool_drops_oldest_past_its_cap)
{
    /* 1 MiB cap, 64 KiB segments (cap / 8 under the floor), 300 records of 10 KiB */
    struct spool *s = spool_with("cap", 1u << 20, "big", 300, 10240);
    char *got;
    uint64_t id;
    int first;

    got = next_str(s, &id);
    ck_assert_ptr_nonnull(got);
    ck_assert_int_eq(sscanf(got, "big-%d", &first), 1);
    xfree(got);
    /* the oldest went, a segment (7 records) at a time: what is left is at
     * most the cap (102 records), and at least the cap less two segments */
    ck_assert_int_ge(first, 300 - 102);
    ck_assert_int_le(first, 300 - 102 + 14);
    ck_assert_double_eq(metrics_get("wsawatch_spool_dropped_total", "output=\"cap\""), first);
    spool_close(s);
}
END_TEST

/* Removes dir and what is under it (the spools the tests made). */
static void rm_tree(const char *dir)
{
    struct ww_err err = {0};
    char **names = NULL;
    int n = fs_list_dir(dir, &names, &err);
    uv_fs_t req;

    for (int i = 0; i < n; i++) {
        char *path = xasprintf("%s/%s", dir, names[i]);
        if (fs_is_dir(path, &err) == 1)
            rm_tree(path);
        else
            remove(path);
        xfree(path);
        xfree(names[i]);
    }
    xfree(names);
    uv_fs_rmdir(NULL, &req, dir, NULL);
    uv_fs_req_cleanup(&req);
}

int main(void)
{
    Suite *s = suite_create("outputs");
    TCase *tc = tcase_create("outputs");
    uv_fs_t req;
    char tmp[2048], tmpl[4096];
    size_t n = sizeof(tmp);
    int rc;

    if (uv_os_tmpdir(tmp, &n) != 0)
        snprintf(tmp, sizeof(tmp), ".");
    snprintf(tmpl, sizeof(tmpl), "%s/wsawatch-spool-XXXXXX", tmp);
    if (uv_fs_mkdtemp(NULL, &req, tmpl, NULL) != 0) {
        fprintf(stderr, "cannot make a directory like %s\n", tmpl);
        return 1;
    }
    snprintf(state_dir, sizeof(state_dir), "%s", req.path);
    uv_fs_req_cleanup(&req);
    spool_set_root(state_dir, 0); /* the spooling outputs' files go here */

#ifdef SIGPIPE
    signal(SIGPIPE, SIG_IGN); /* as the daemon does: a child that exits unread gives EPIPE */
#endif
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, test_webhook_close_ends_loop);
    tcase_add_test(tc, test_webhook_small_queue_drops_nothing);
    tcase_add_test(tc, test_spool_crc32);
    tcase_add_test(tc, test_spool_keeps_what_is_not_done);
    tcase_add_test(tc, test_spool_skips_damaged_records);
    tcase_add_test(tc, test_spool_drops_oldest_past_its_cap);
    tcase_add_test(tc, test_exec_runs_and_loop_ends);
    tcase_add_test(tc, test_keys_and_errors);
    tcase_add_test(tc, test_eventlog);
    tcase_add_test(tc, test_unwritable_paths);
    tcase_add_test(tc, test_file_holds_and_hands_over);
    tcase_add_test(tc, test_fdwriter_drops_whole_messages);
    suite_add_tcase(s, tc);
    rc = tu_run(s);
    spool_set_root(NULL, 0);
    rm_tree(state_dir);
    return rc;
}
