/*
 * Output kinds, dispatch and failure accounting. See output.h. A new kind is
 * one file defining a struct output_kind and one line in `kinds` below.
 */
#include "outputs/output.h"

#include <stdio.h>
#include <string.h>
#include <uv.h>

static const struct output_kind *const kinds[] = {
    &out_stdout_kind,
    &out_file_kind,
    &out_webhook_kind,
    &out_exec_kind,
    &out_syslog_kind,
    &out_metrics_kind,
    &out_eventlog_kind,
};

const struct output_kind *output_kind_find(const char *type)
{
    for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
        if (strcmp(kinds[i]->type, type) == 0)
            return kinds[i];
    return NULL;
}

const struct output_kind *output_kind_at(size_t i)
{
    return i < sizeof(kinds) / sizeof(kinds[0]) ? kinds[i] : NULL;
}

const char *output_kind_names(void)
{
    static char names[256];

    if (names[0] == '\0')
        for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
            size_t n = strlen(names);
            snprintf(names + n, sizeof(names) - n, "%s%s", i ? ", " : "", kinds[i]->type);
        }
    return names;
}

int output_open(struct output *o, const struct cfg_output *cfg, uv_loop_t *loop,
                struct ww_err *err)
{
    memset(o, 0, sizeof(*o));
    o->cfg = cfg;
    o->loop = loop;
    o->kind = cfg->kind != NULL ? cfg->kind : output_kind_find(cfg->type);
    if (o->kind == NULL)
        return ww_err_set(err, WW_ECONFIG, "output '%s': unknown type '%s'", cfg->name, cfg->type);
    return o->kind->ops->open(o, err);
}

int output_write(struct output *o, const struct out_msg *m)
{
    int rc = o->kind->ops->write(o, m);

    if (rc != 0) {
        o->st.failed++;
        o->broken = 1;
    } else {
        o->st.written++;
    }
    return rc;
}

int output_flush(struct output *o, int durable, struct ww_err *err)
{
    int rc = o->kind->ops->flush(o, durable, err);

    if (rc != 0)
        o->st.failed++;
    o->broken = rc != 0;
    return rc;
}

void output_tick(struct output *o)
{
    if (o->kind->ops->tick != NULL)
        o->kind->ops->tick(o);
}

void output_close(struct output *o)
{
    if (o->kind != NULL)
        o->kind->ops->close(o);
    o->kind = NULL;
}

/* Whether the directory of a file to be created is there and writable. */
static int check_dir(const char *path, char *why, size_t size)
{
    char dir[4096];
    size_t n = strlen(path);
    uv_fs_t req;
    int rc, is_dir;

    while (n > 0 && path[n - 1] != '/' && path[n - 1] != '\\')
        n--;
    if (n >= sizeof(dir))
        return 0; /* the open will tell */
    if (n == 0)
        snprintf(dir, sizeof(dir), ".");
    else
        snprintf(dir, sizeof(dir), "%.*s", (int)(n > 1 ? n - 1 : n), path);
    rc = uv_fs_stat(NULL, &req, dir, NULL);
    is_dir = rc == 0 && (req.statbuf.st_mode & S_IFMT) == S_IFDIR;
    uv_fs_req_cleanup(&req);
    if (rc == 0 && !is_dir)
        rc = UV_ENOTDIR;
    if (rc == 0)
        rc = uv_fs_access(NULL, &req, dir, W_OK, NULL), uv_fs_req_cleanup(&req);
    if (rc == 0)
        return 0;
    snprintf(why, size, "%s (directory %s)", uv_strerror(rc), dir);
    return -1;
}

int output_check_path(const char *path, char *why, size_t size)
{
    uv_fs_t req;
    int rc = uv_fs_stat(NULL, &req, path, NULL);
    int is_dir = rc == 0 && (req.statbuf.st_mode & S_IFMT) == S_IFDIR;

    uv_fs_req_cleanup(&req);
    if (is_dir) {
        snprintf(why, size, "is a directory");
        return -1;
    }
    if (rc == UV_ENOENT)
        return check_dir(path, why, size);
    if (rc == 0)
        rc = uv_fs_access(NULL, &req, path, W_OK, NULL), uv_fs_req_cleanup(&req);
    if (rc == 0)
        return 0;
    snprintf(why, size, "%s", uv_strerror(rc));
    return -1;
}
