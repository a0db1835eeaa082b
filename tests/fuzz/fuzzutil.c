/*
 * Helpers shared by the fuzz targets. See fuzz.h.
 */
#include "fuzz.h"

#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "rulefiles.h"
#include "util/alloc.h"
#include "util/diag.h"

static struct table builtin_table;
static struct ruleset builtin_rules;
static int builtin_loaded;
static char *tmpdir;

void fuzz_fail(const char *fmt, ...)
{
    va_list ap;

    fputs("fuzz check failed: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    abort();
}

static void builtin_free(void)
{
    ruleset_free(&builtin_rules);
    table_free(&builtin_table);
}

static void load_builtin(void)
{
    struct diag d;

    if (builtin_loaded)
        return;
    table_init(&builtin_table);
    ruleset_init(&builtin_rules);
    diag_init(&d);
    if (rulefiles_load_all(&builtin_table, &builtin_rules, NULL, 1, NULL, 0, 0, &d) != 0) {
        diag_print(&d, stderr);
        fuzz_fail("the built-in rules do not load");
    }
    diag_free(&d);
    builtin_loaded = 1;
    atexit(builtin_free);
}

const struct table *fuzz_builtin_table(void)
{
    load_builtin();
    return &builtin_table;
}

const struct ruleset *fuzz_builtin_rules(void)
{
    load_builtin();
    return &builtin_rules;
}

void fuzz_clear_dir(const char *dir)
{
    uv_fs_t req, rm;
    uv_dirent_t ent;

    if (uv_fs_scandir(NULL, &req, dir, 0, NULL) < 0) {
        uv_fs_req_cleanup(&req);
        return;
    }
    while (uv_fs_scandir_next(&req, &ent) != UV_EOF) {
        char *path = xasprintf("%s/%s", dir, ent.name);
        uv_fs_unlink(NULL, &rm, path, NULL);
        uv_fs_req_cleanup(&rm);
        xfree(path);
    }
    uv_fs_req_cleanup(&req);
}

static void tmpdir_remove(void)
{
    uv_fs_t req;

    fuzz_clear_dir(tmpdir);
    uv_fs_rmdir(NULL, &req, tmpdir, NULL);
    uv_fs_req_cleanup(&req);
    xfree(tmpdir);
    tmpdir = NULL;
}

const char *fuzz_tmpdir(void)
{
    const char *base = getenv("TMPDIR");
    char *tpl;
    uv_fs_t req;

    if (tmpdir != NULL)
        return tmpdir;
    if (uv_fs_stat(NULL, &req, "/dev/shm", NULL) == 0)
        base = "/dev/shm"; /* no disk writes per input */
    uv_fs_req_cleanup(&req);
    tpl = xasprintf("%s/wsawatch-fuzz-XXXXXX", base != NULL ? base : "/tmp");
    if (uv_fs_mkdtemp(NULL, &req, tpl, NULL) < 0)
        fuzz_fail("%s: cannot make a temporary directory", tpl);
    tmpdir = xstrdup(req.path);
    uv_fs_req_cleanup(&req);
    xfree(tpl);
    atexit(tmpdir_remove);
    return tmpdir;
}

void fuzz_write_file(const char *path, const void *data, size_t len)
{
    uv_fs_t req;
    uv_buf_t b = uv_buf_init((char *)(len > 0 ? data : ""), (unsigned)len);
    int fd = uv_fs_open(NULL, &req, path, O_WRONLY | O_CREAT | O_TRUNC, 0600, NULL);
    ssize_t wrote;

    uv_fs_req_cleanup(&req);
    if (fd < 0)
        fuzz_fail("%s: cannot create: %s", path, uv_strerror(fd));
    wrote = uv_fs_write(NULL, &req, fd, &b, 1, 0, NULL);
    uv_fs_req_cleanup(&req);
    uv_fs_close(NULL, &req, fd, NULL);
    uv_fs_req_cleanup(&req);
    if (wrote < 0 || (size_t)wrote != len)
        fuzz_fail("%s: short write", path);
}
