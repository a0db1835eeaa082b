/*
 * The offsets store: a round trip, pruning, corrupt or truncated files set
 * aside with an error rather than trusted, and a save that fails leaving the
 * old file as it was and no temporary file behind.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "state.h"
#include "testutil.h"
#include "util/alloc.h"
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

START_TEST(test_corrupt_and_truncated)
{
    static const char *bad[] = {
        "\x00\xff garbage",
        "{\"wsawatch_offsets\":1,\"files\":[\n{\"dev\":1,\"ino\":2,\"offset\":3,\"path\":\"a\"},\n",
        "{\"wsawatch_offsets\":1,\"files\":[\n{\"dev\":1,\"ino\":2,\"offs",
    };

    for (size_t i = 0; i < 3; i++) {
        struct state s;
        struct ww_err err = {0};
        char *name, *aside;

        write_file("offsets.json", bad[i]);
        state_init(&s, dir);
        ck_assert_int_eq(state_load(&s, &err), WW_ECONFIG);
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
    tcase_add_test(tc, test_corrupt_and_truncated);
    tcase_add_test(tc, test_missing_is_empty);
    tcase_add_test(tc, test_failed_save_leaves_no_temporary);
    suite_add_tcase(s, tc);
    return tu_run(s);
}
