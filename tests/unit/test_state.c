/*
 * The offsets store: a round trip, pruning, corrupt or truncated files set
 * aside with an error rather than trusted, and a save that fails leaving the
 * old file as it was and no temporary file behind. The file is read as JSON:
 * a pretty-printed or re-ordered copy, JSON escapes (\/, surrogate pairs),
 * long and non-ASCII paths read the same; files without the fingerprints
 * (written before they existed) still load.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "state.h"
#include "testutil.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/fsutil.h"

static char dir[256];

static void setup(void)
{
    const char *t = getenv("TMPDIR") ? getenv("TMPDIR") : getenv("TEMP");
    uv_fs_t req;

    snprintf(dir, sizeof(dir), "%s/wsastateXXXXXX", t ? t : "/tmp");
    ck_assert_int_ge(uv_fs_mkdtemp(NULL, &req, dir, NULL), 0);
    snprintf(dir, sizeof(dir), "%s", req.path);
    uv_fs_req_cleanup(&req);
}

static void write_file(const char *name, const char *data)
{
    char *p = xasprintf("%s/%s", dir, name);
    FILE *f = fopen(p, "wb");

    ck_assert_ptr_nonnull(f);
    fputs(data, f);
    fclose(f);
    xfree(p);
}

START_TEST(test_round_trip)
{
    struct state s, t;
    struct ww_err err = {0};
    struct state_entry *e;

    state_init(&s, dir);
    state_set(&s, 1, 2, 300, "/var/log/a \"quoted\".log");
    state_set(&s, 1, 3, 0, "C:\\logs\\b.log");
    ck_assert_int_eq(state_save(&s, &err), 0);
    state_init(&t, dir);
    ck_assert_int_eq(state_load(&t, &err), 0);
    ck_assert_uint_eq(t.n, 2);
    e = state_find(&t, 1, 2);
    ck_assert_ptr_nonnull(e);
    ck_assert_uint_eq(e->offset, 300);
    ck_assert_str_eq(e->path, "/var/log/a \"quoted\".log");
    ck_assert_str_eq(state_find(&t, 1, 3)->path, "C:\\logs\\b.log");
    state_prune(&t); /* neither path exists nor was claimed */
    ck_assert_uint_eq(t.n, 0);
    state_free(&s);
    state_free(&t);
}
END_TEST

/* Loads text as offsets.json; returns state_load's code. */
static int load_text(struct state *s, const char *text, struct ww_err *err)
{
    write_file("offsets.json", text);
    state_init(s, dir);
    return state_load(s, err);
}

START_TEST(test_pretty_and_reordered)
{
    static const char *docs[] = {
        /* as Python's json.dumps(indent=2, sort_keys=True) writes it */
        "{\n  \"files\": [\n    {\n      \"dev\": 1,\n      \"ino\": 2,\n      \"offset\": 300,"
        "\n      \"path\": \"/var/log/a.log\"\n    },\n    {\n      \"dev\": 1,\n"
        "      \"ino\": 3,\n      \"offset\": 7,\n      \"path\": \"b\"\n    }\n  ],\n"
        "  \"wsawatch_offsets\": 1\n}\n",
        /* keys in another order, tabs and CRLF, no final newline */
        "{\"files\":[{\"path\":\"/var/log/a.log\",\t\"offset\":300,\"ino\":2,\"dev\":1},\r\n"
        "{\"offset\":7,\"path\":\"b\",\"dev\":1,\"ino\":3}],\"wsawatch_offsets\":1}",
    };

    for (size_t i = 0; i < 2; i++) {
        struct state s;
        struct ww_err err = {0};

        ck_assert_msg(load_text(&s, docs[i], &err) == 0, "%zu: %s", i, err.msg);
        ck_assert_uint_eq(s.n, 2);
        ck_assert_uint_eq(state_find(&s, 1, 2)->offset, 300);
        ck_assert_str_eq(state_find(&s, 1, 2)->path, "/var/log/a.log");
        ck_assert_uint_eq(state_find(&s, 1, 3)->offset, 7);
        ck_assert_int_eq(state_find(&s, 1, 2)->head.len, 0); /* no fingerprint: none */
        state_free(&s);
    }
}
END_TEST

START_TEST(test_escapes)
{
    struct state s;
    struct ww_err err = {0};

    /* \/ and a surrogate pair as other JSON writers put them (json.dumps
     * with ensure_ascii), a raw DEL and a C1 control (valid JSON, not YAML),
     * \u escapes of controls and of U+2028 as json_put_str writes them */
    ck_assert_msg(load_text(&s, "{\"wsawatch_offsets\":1,\"files\":[\n"
                              "{\"dev\":1,\"ino\":1,\"offset\":1,\"path\":\"C:\\\\logs\\/a\\ud83d\\ude00.log\"},\n"
                              "{\"dev\":1,\"ino\":2,\"offset\":2,\"path\":\"x\x7f\xc2\x85\xc2\x90y\"},\n"
                              "{\"dev\":1,\"ino\":3,\"offset\":3,\"path\":\"t\\t\\u001b\\u2028\\u00e9\"}\n"
                              "]}\n", &err) == 0, "%s", err.msg);
    ck_assert_str_eq(state_find(&s, 1, 1)->path, "C:\\logs/a\xf0\x9f\x98\x80.log");
    ck_assert_str_eq(state_find(&s, 1, 2)->path, "x\x7f\xc2\x85\xc2\x90y");
    ck_assert_str_eq(state_find(&s, 1, 3)->path, "t\t\x1b\xe2\x80\xa8\xc3\xa9");
    state_free(&s);
}
END_TEST

/* Paths far longer than libyaml's 1024-character simple keys, non-ASCII, and
 * the birth time and fingerprints, through a save and a load. */
START_TEST(test_long_paths_and_prints)
{
    struct state s, t;
    struct ww_err err = {0};
    struct buf p;
    struct fprint head = {1024, 1024, 0x0123456789abcdefull}, tail = {99999, 256, 42};
    const struct state_entry *e;

    buf_init(&p, 1 << 20);
    ck_assert_int_eq(buf_append(&p, "/var/log/", 9), 0);
    for (int i = 0; i < 3000; i++)
        ck_assert_int_eq(buf_append(&p, i % 2 ? "\xc3\xa9" : "\xe6\x97\xa5", i % 2 ? 2 : 3), 0);
    state_init(&s, dir);
    state_set_prints(&s, state_set(&s, 7, 8, 99999, buf_str(&p)), 1700000000123, &head, &tail);
    state_set(&s, 7, 9, 5, "\xd0\xbb\xd0\xbe\xd0\xb3.log");
    ck_assert_int_eq(state_save(&s, &err), 0);
    state_init(&t, dir);
    ck_assert_msg(state_load(&t, &err) == 0, "%s", err.msg);
    e = state_find(&t, 7, 8);
    ck_assert_str_eq(e->path, buf_str(&p));
    ck_assert_int_eq(e->born_ms, 1700000000123);
    ck_assert(fprint_eq(&e->head, &head));
    ck_assert(fprint_eq(&e->tail, &tail));
    e = state_find(&t, 7, 9);
    ck_assert_str_eq(e->path, "\xd0\xbb\xd0\xbe\xd0\xb3.log");
    ck_assert_int_eq(e->born_ms, 0);
    ck_assert_int_eq(e->tail.len, 0);
    state_free(&s);
    state_free(&t);
    buf_free(&p);
}
END_TEST

START_TEST(test_corrupt_and_truncated)
{
    static const char *bad[] = {
        "\x00\xff garbage",
        "{\"wsawatch_offsets\":1,\"files\":[\n{\"dev\":1,\"ino\":2,\"offset\":3,\"path\":\"a\"},\n",
        "{\"wsawatch_offsets\":1,\"files\":[\n{\"dev\":1,\"ino\":2,\"offs",
        "{\"wsawatch_offsets\":1,\"files\":[]}\n{\"wsawatch_offsets\":1,\"files\":[]}\n",
        "{\"wsawatch_offsets\":1,\"files\":[{\"dev\":1,\"ino\":2,\"offset\":\"3\",\"path\":\"a\"}]}",
        "{\"wsawatch_offsets\":1,\"files\":[{\"dev\":1,\"ino\":2,\"offset\":-3,\"path\":\"a\"}]}",
        "{\"wsawatch_offsets\":1,\"files\":[{\"dev\":1,\"ino\":2,\"path\":\"a\"}]}",
        "{\"wsawatch_offsets\":1,\"files\":[{\"dev\":1,\"ino\":2,\"offset\":3,\"offset\":4,"
        "\"path\":\"a\"}]}",
        "{\"wsawatch_offsets\":1,\"files\":[{\"dev\":1,\"ino\":2,\"offset\":3,\"path\":\"\\ud83d\"}]}",
        "{\"wsawatch_offsets\":2,\"files\":[]}",
        "{\"wsawatch_offsets\":1,\"files\":[{\"dev\":1,\"ino\":2,\"offset\":3,\"path\":\"a\","
        "\"head\":\"xyz\",\"head_len\":4}]}",
        "",
    };

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct state s;
        struct ww_err err = {0};
        char *name, *aside;

        write_file("offsets.json", bad[i]);
        state_init(&s, dir);
        ck_assert_msg(state_load(&s, &err) == WW_ECONFIG, "%zu accepted", i);
        ck_assert_msg(strstr(err.msg, "corrupt or truncated") != NULL, "%s", err.msg);
        ck_assert_uint_eq(s.n, 0);
        name = xasprintf("%s/offsets.json", dir);
        ck_assert_int_lt(fs_is_dir(name, NULL), 0); /* moved away */
        aside = strstr(err.msg, "set aside");
        ck_assert_ptr_nonnull(aside);
        xfree(name);
        state_free(&s);
    }
}
END_TEST

START_TEST(test_missing_is_empty)
{
    struct state s;
    struct ww_err err = {0};

    state_init(&s, dir);
    ck_assert_int_eq(state_load(&s, &err), 0);
    ck_assert_uint_eq(s.n, 0);
    state_free(&s);
}
END_TEST

/* A save that cannot complete (here the rename: offsets.json is a non-empty
 * directory) leaves no offsets.json.tmp, says which path and why, stays
 * dirty, and the next save after the cause is gone works. */
START_TEST(test_failed_save_leaves_no_temporary)
{
    struct state s;
    struct ww_err err = {0};
    char *file = xasprintf("%s/offsets.json", dir), *tmp = xasprintf("%s/offsets.json.tmp", dir);
    char *inner = xasprintf("%s/x", file);
    uv_fs_t req;

    ck_assert_int_eq(uv_fs_mkdir(NULL, &req, file, 0700, NULL), 0);
    uv_fs_req_cleanup(&req);
    ck_assert_int_eq(uv_fs_mkdir(NULL, &req, inner, 0700, NULL), 0);
    uv_fs_req_cleanup(&req);
    state_init(&s, dir);
    state_set(&s, 1, 2, 300, "/var/log/a.log");
    ck_assert_int_eq(state_save(&s, &err), WW_EIO);
    ck_assert_msg(strstr(err.msg, "offsets.json: cannot rename into place: ") != NULL, "%s",
                  err.msg);
    ck_assert_int_eq(s.no_space, 0);
    ck_assert_int_eq(s.dirty, 1);
    ck_assert_int_eq(uv_fs_stat(NULL, &req, tmp, NULL), UV_ENOENT);
    uv_fs_req_cleanup(&req);
    ck_assert_int_eq(uv_fs_rmdir(NULL, &req, inner, NULL), 0);
    uv_fs_req_cleanup(&req);
    ck_assert_int_eq(uv_fs_rmdir(NULL, &req, file, NULL), 0);
    uv_fs_req_cleanup(&req);
    memset(&err, 0, sizeof(err));
    ck_assert_int_eq(state_save(&s, &err), 0);
    ck_assert_int_eq(s.dirty, 0);
    state_free(&s);
    state_init(&s, dir);
    ck_assert_int_eq(state_load(&s, &err), 0);
    ck_assert_uint_eq(state_find(&s, 1, 2)->offset, 300);
    state_free(&s);
    xfree(file), xfree(tmp), xfree(inner);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("state");
    TCase *tc = tcase_create("state");

    tcase_add_checked_fixture(tc, setup, NULL);
    tcase_add_test(tc, test_round_trip);
    tcase_add_test(tc, test_pretty_and_reordered);
    tcase_add_test(tc, test_escapes);
    tcase_add_test(tc, test_long_paths_and_prints);
    tcase_add_test(tc, test_corrupt_and_truncated);
    tcase_add_test(tc, test_missing_is_empty);
    tcase_add_test(tc, test_failed_save_leaves_no_temporary);
    suite_add_tcase(s, tc);
    return tu_run(s);
}
