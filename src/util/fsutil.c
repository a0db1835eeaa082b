/*
 * Synchronous file helpers. See fsutil.h.
 */
#include "util/fsutil.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "util/alloc.h"

int fs_read_all(const char *path, size_t max, char **data, size_t *len, struct ww_err *err)
{
    uv_fs_t req;
    uv_file fd;
    char *p = NULL;
    size_t n = 0, cap = 0;
    int rc = 0;

    *data = NULL;
    *len = 0;
    fd = uv_fs_open(NULL, &req, path, O_RDONLY, 0, NULL);
    uv_fs_req_cleanup(&req);
    if (fd < 0)
        return ww_err_set(err, WW_EIO, "%s: cannot open: %s", path, uv_strerror(fd));
    for (;;) {
        uv_buf_t b;
        ssize_t got;
        char *q;

        if (cap - n < 65536) {
            if ((q = try_realloc(p, (cap ? cap * 2 : 65536) + 1)) == NULL) {
                rc = ww_err_set(err, WW_ENOMEM, "%s: %s", path, ww_strerror(WW_ENOMEM));
                break;
            }
            p = q;
            cap = cap ? cap * 2 : 65536;
        }
        b = uv_buf_init(p + n, (unsigned)(cap - n));
        got = uv_fs_read(NULL, &req, fd, &b, 1, -1, NULL);
        uv_fs_req_cleanup(&req);
        if (got < 0) {
            rc = ww_err_set(err, WW_EIO, "%s: cannot read: %s", path, uv_strerror((int)got));
            break;
        }
        if (got == 0)
            break;
        n += (size_t)got;
        if (n > max) {
            rc = ww_err_set(err, WW_ELIMIT, "%s: larger than %zu bytes", path, max);
            break;
        }
    }
    uv_fs_close(NULL, &req, fd, NULL);
    uv_fs_req_cleanup(&req);
    if (rc != 0) {
        xfree(p);
        return rc;
    }
    p[n] = '\0'; /* p is not NULL: the loop read at least once */
    *data = p;
    *len = n;
    return 0;
}

int fs_is_dir(const char *path, struct ww_err *err)
{
    uv_fs_t req;
    int rc = uv_fs_stat(NULL, &req, path, NULL);
    /* libuv reports the POSIX file type bits on every platform. */
    int dir = rc == 0 && (req.statbuf.st_mode & 0170000) == 0040000;

    uv_fs_req_cleanup(&req);
    if (rc < 0)
        return ww_err_set(err, WW_EIO, "%s: %s", path, uv_strerror(rc));
    return dir;
}

static int cmp_str_cb(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int fs_list_dir(const char *dir, char ***names, struct ww_err *err)
{
    uv_fs_t req;
    uv_dirent_t ent;
    int rc = uv_fs_scandir(NULL, &req, dir, 0, NULL);
    size_t n = 0;

    *names = NULL;
    if (rc < 0) {
        uv_fs_req_cleanup(&req);
        return ww_err_set(err, WW_EIO, "%s: cannot list: %s", dir, uv_strerror(rc));
    }
    if ((*names = try_calloc((size_t)rc + 1, sizeof(char *))) == NULL)
        goto nomem;
    while (uv_fs_scandir_next(&req, &ent) != UV_EOF)
        if (((*names)[n++] = try_strdup(ent.name)) == NULL)
            goto nomem;
    uv_fs_req_cleanup(&req);
    qsort(*names, n, sizeof(char *), cmp_str_cb);
    return (int)n;
nomem:
    while (uv_fs_scandir_next(&req, &ent) != UV_EOF)
        ; /* uv_fs_req_cleanup leaks the last entry if it was handed out (libuv 1.44) */
    uv_fs_req_cleanup(&req);
    for (size_t i = 0; *names != NULL && i < n; i++)
        xfree((*names)[i]);
    xfree(*names);
    *names = NULL;
    return ww_err_set(err, WW_ENOMEM, "%s: %s", dir, ww_strerror(WW_ENOMEM));
}
