/*
 * Globs: matching with *, ?, classes and **, both separators, and expansion
 * over a real directory tree (with a symlink loop that must not trap it).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "glob.h"
#include "wsawatch_config.h"
#include "testutil.h"
#include "util/alloc.h"

static void collect_cb(void *ctx, const char *path);

START_TEST(test_match)
{
    ck_assert(glob_match("/var/log/*.log", "/var/log/app.log"));
    ck_assert(!glob_match("/var/log/*.log", "/var/log/app.log.1"));
    ck_assert(!glob_match("/var/log/*.log", "/var/log/sub/app.log"));
    ck_assert(glob_match("/var/log/**/*.log", "/var/log/app.log"));
    ck_assert(glob_match("/var/log/**/*.log", "/var/log/a/b/c/app.log"));
    ck_assert(glob_match("/var/log/**", "/var/log/a/b"));
    if (HAVE_BACKSLASH_PATHS) {
        ck_assert(glob_match("C:\\app\\logs\\**\\*.log", "C:\\app\\logs\\x\\api.log"));
        ck_assert(glob_match("C:\\app\\logs\\*.log", "C:\\app\\logs/api.log"));
    } else {
        ck_assert(glob_match("/logs/*.log", "/logs/a\\b.log")); /* \ is part of a name */
    }
    ck_assert(glob_match("app-??.log", "app-01.log"));
    ck_assert(!glob_match("app-??.log", "app-1.log"));
    ck_assert(glob_match("app-[0-9].log", "app-7.log"));
    ck_assert(!glob_match("app-[!0-9].log", "app-7.log"));
    ck_assert(glob_match("*a*b*c*", "xxaxxbxxcxx"));
}
END_TEST

/* ** matches any number of segments (a final one at least one), and the
 * cost does not grow with how many there are. */
START_TEST(test_match_any)
{
    char deep[1024] = "/r";

    ck_assert(!glob_match("a/**", "a"));
    ck_assert(glob_match("a/**", "a/b"));
    ck_assert(glob_match("**/x.log", "x.log"));
    ck_assert(glob_match("**/x.log", "a/b/x.log"));
    ck_assert(glob_match("a/**/b", "a/b"));
    ck_assert(glob_match("a/**/b", "a/x/y/b"));
    ck_assert(!glob_match("a/**/b", "a/x/y/c"));
    ck_assert(glob_match("a/**/b/**/c.log", "a/b/c.log"));
    ck_assert(glob_match("a/**/b/**/c.log", "a/1/b/2/3/c.log"));
    ck_assert(!glob_match("a/**/b/**/c.log", "a/1/c.log"));
    ck_assert(glob_match("a/**/**/c.log", "a/c.log"));
    for (int i = 0; i < 60; i++)
        strcat(deep, "/d");
    ck_assert_uint_eq(strlen(deep), 122);
    strcat(deep, "/y.log");
    ck_assert(glob_match("/r/**/d/**/*.log", deep));
    ck_assert(!glob_match("/r/**/e/**/*.log", deep));
}
END_TEST

START_TEST(test_check_limits)
{
    char err[300], many[400] = "/r";
    struct ww_err e = {0};
    int n = 0;

    ck_assert_int_eq(glob_check("/var/log/**/app/**/*.log", err, sizeof(err)), 0);
    ck_assert_int_eq(glob_check("/a/**/**/**/x", err, sizeof(err)), WW_EINVAL);
    ck_assert_str_eq(err, "'/a/**/**/**/x': '**' at offset 9 is one too many (at most 2 in a "
                          "glob)");
    ck_assert(!glob_match("/a/**/**/**/x", "/a/x"));
    ck_assert_int_eq(glob_walk("/a/**/**/**/x", collect_cb, NULL, &n, &e), WW_EINVAL);
    ck_assert_int_eq(n, 0);
    for (int i = 0; i < GLOB_MAX_SEGMENTS; i++)
        strcat(many, "/*");
    ck_assert_int_eq(glob_check(many, err, sizeof(err)), WW_ELIMIT);
}
END_TEST

START_TEST(test_base_and_exclude)
{
    char *b = glob_base("/var/log/app/*.log");
    char *ex[] = {"*.gz", "/var/log/app/skip/*"};

    ck_assert_str_eq(b, "/var/log/app");
    xfree(b);
    b = glob_base("*.log");
    ck_assert_str_eq(b, ".");
    xfree(b);
    ck_assert(glob_excluded(ex, 2, "/var/log/app/x.log.gz"));
    ck_assert(glob_excluded(ex, 2, "/var/log/app/skip/x.log"));
    ck_assert(!glob_excluded(ex, 2, "/var/log/app/x.log"));
}
END_TEST

static void collect_cb(void *ctx, const char *path)
{
    (*(int *)ctx)++;
    (void)path;
}

static void mkdirs(const char *root, const char *rel)
{
    char *p = xasprintf("%s/%s", root, rel);
    uv_fs_t req;

    uv_fs_mkdir(NULL, &req, p, 0755, NULL);
    uv_fs_req_cleanup(&req);
    xfree(p);
}

static void touch(const char *root, const char *rel)
{
    char *p = xasprintf("%s/%s", root, rel);
    FILE *f = fopen(p, "w");

    ck_assert_ptr_nonnull(f);
    fclose(f);
    xfree(p);
}

START_TEST(test_expand_tree)
{
    char tmpl[256];
    const char *dir = getenv("TMPDIR") ? getenv("TMPDIR") : getenv("TEMP");
    uv_fs_t req;
    char *pat, *link;
    int n = 0;
    struct ww_err err = {0};

    snprintf(tmpl, sizeof(tmpl), "%s/wsaglobXXXXXX", dir ? dir : "/tmp");
    ck_assert_int_ge(uv_fs_mkdtemp(NULL, &req, tmpl, NULL), 0);
    snprintf(tmpl, sizeof(tmpl), "%s", req.path);
    uv_fs_req_cleanup(&req);
    mkdirs(tmpl, "a");
    mkdirs(tmpl, "a/b");
    touch(tmpl, "x.log");
    touch(tmpl, "a/y.log");
    touch(tmpl, "a/b/z.log");
    touch(tmpl, "a/b/z.txt");
    link = xasprintf("%s/a/b/loop", tmpl);
    (void)uv_fs_symlink(NULL, &req, tmpl, link, UV_FS_SYMLINK_DIR, NULL); /* may be refused */
    uv_fs_req_cleanup(&req);
    pat = xasprintf("%s/**/*.log", tmpl);
    ck_assert_int_eq(glob_expand(pat, collect_cb, &n, &err), 3);
    ck_assert_int_eq(n, 3);
    xfree(pat);
    n = 0;
    pat = xasprintf("%s/*.log", tmpl);
    ck_assert_int_eq(glob_expand(pat, collect_cb, &n, &err), 1);
    xfree(pat);
    n = 0;
    pat = xasprintf("%s/**/b/**/*.log", tmpl); /* a/b/z.log only */
    ck_assert_int_eq(glob_expand(pat, collect_cb, &n, &err), 1);
    xfree(pat);
    n = 0;
    pat = xasprintf("%s/a/**", tmpl); /* y.log, b, b/z.log, b/z.txt: the files */
    ck_assert_int_eq(glob_expand(pat, collect_cb, &n, &err), 3);
    xfree(pat);
    xfree(link);
}
END_TEST

static void odd_cb(void *ctx, const char *path, unsigned mode)
{
    ck_assert_uint_eq(mode, 0040000); /* the directory d.log */
    ck_assert_ptr_nonnull(strstr(path, "d.log"));
    (*(int *)ctx)++;
}

START_TEST(test_walk_odd_and_child)
{
    char tmpl[256], *pat, *child;
    const char *dir = getenv("TMPDIR") ? getenv("TMPDIR") : getenv("TEMP");
    uv_fs_t req;
    int n = 0, odd = 0;
    struct ww_err err = {0};

    snprintf(tmpl, sizeof(tmpl), "%s/wsaglobXXXXXX", dir ? dir : "/tmp");
    ck_assert_int_ge(uv_fs_mkdtemp(NULL, &req, tmpl, NULL), 0);
    snprintf(tmpl, sizeof(tmpl), "%s", req.path);
    uv_fs_req_cleanup(&req);
    mkdirs(tmpl, "d.log");
    touch(tmpl, "f.log");
    pat = xasprintf("%s/*.log", tmpl);
    ck_assert_int_eq(glob_walk(pat, collect_cb, NULL, &n, &err), 1);
    ck_assert_int_eq(n, 1);
    ck_assert_int_eq(glob_walk(pat, collect_cb, odd_cb, &odd, &err), 1);
    ck_assert_int_eq(odd, 2); /* the file through collect_cb, the directory through odd_cb */
    child = glob_child(pat, "f.log");
    /* the separator the pattern uses: on Windows TEMP brings backslashes */
    ck_assert(child[strlen(tmpl)] == '/' || (HAVE_BACKSLASH_PATHS && child[strlen(tmpl)] == '\\'));
    ck_assert_str_eq(child + strlen(tmpl) + 1, "f.log");
    xfree(child);
    xfree(pat);
    child = glob_child("*.log", "f.log");
    ck_assert_str_eq(child, "f.log");
    xfree(child);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("glob");
    TCase *tc = tcase_create("glob");

    tcase_add_test(tc, test_match);
    tcase_add_test(tc, test_match_any);
    tcase_add_test(tc, test_check_limits);
    tcase_add_test(tc, test_base_and_exclude);
    tcase_add_test(tc, test_expand_tree);
    tcase_add_test(tc, test_walk_odd_and_child);
    suite_add_tcase(s, tc);
    return tu_run(s);
}
