/*
 * The metrics output: the whole metrics registry (metrics.h) written as a
 * Prometheus textfile for node_exporter's or windows_exporter's textfile
 * collector, every `interval`, at each durable flush and at close. It takes
 * no messages. The file is replaced atomically (PATH.tmp written, synced and
 * renamed over PATH), so a collector never reads half of it; the exporters
 * read only *.prom, so they never see the temporary file either. Format: the
 * text exposition format, "# HELP" and "# TYPE" once per metric, then its
 * series. It always holds the gauge wsawatch_up: 1 while the daemon runs,
 * 0 written at the last close (a stopped daemon's file says so; on reload the
 * old output leaves the file to the new one for the same path). A failure to
 * write is logged and retried at the next interval, and never holds back the
 * commit of offsets: the metrics are not what the offsets vouch for. A path
 * that cannot be written at all (no such directory, read-only, a directory
 * itself) is a configuration error, reported by `check` and at start.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <uv.h>

#include "metrics.h"
#include "outputs/output.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/log.h"

#define METRICS_FILE_MAX (64u << 20)
#define METRICS_MIN_INTERVAL_MS 100
#define UP_METRIC "wsawatch_up"

struct metrics_cfg {
    uint64_t interval_ms;
};

struct metrics_out {
    char *name, *path, *tmp; /* owned */
    uint64_t interval_ms;
    uv_timer_t timer;
    struct buf text;
    const char *last;        /* the metric whose HELP and TYPE were written last */
    int failing;             /* the last write failed: logged once */
    int closed;              /* close() ran: the path is free for a successor */
    struct metrics_out *next;
};

/* Open metrics outputs, so that a closing one knows whether another writes
 * its file (a reload opens the new outputs before closing the old). */
static struct metrics_out *open_list;

/* ---- the text exposition format */

static int put_escaped(struct buf *b, const char *s)
{
    int rc = 0;

    for (; *s && rc == 0; s++)
        rc = *s == '\\' ? buf_append(b, "\\\\", 2)
             : *s == '\n' ? buf_append(b, "\\n", 2)
                          : buf_putc(b, *s);
    return rc;
}

static void format_value(char out[40], double v)
{
    if (v != v)
        strcpy(out, "NaN");
    else if (v > 1.7976931348623157e308 || v < -1.7976931348623157e308)
        strcpy(out, v > 0 ? "+Inf" : "-Inf");
    else if (v > -1e15 && v < 1e15 && v == (double)(long long)v)
        snprintf(out, 40, "%lld", (long long)v);
    else
        snprintf(out, 40, "%.17g", v);
}

static void series_cb(void *ctx, const char *name, enum metric_type type, const char *help,
                      const char *labels, double value)
{
    struct metrics_out *m = ctx;
    struct buf *b = &m->text;
    char v[40];
    int rc = 0;

    if (m->last == NULL || strcmp(m->last, name) != 0) {
        rc = buf_printf(b, "# HELP %s ", name);
        rc = rc ? rc : put_escaped(b, help);
        rc = rc ? rc : buf_printf(b, "\n# TYPE %s %s\n", name,
                                  type == METRIC_COUNTER ? "counter" : "gauge");
        m->last = name;
    }
    format_value(v, value);
    if (rc == 0 && labels[0] != '\0')
        rc = buf_printf(b, "%s{%s} %s\n", name, labels, v);
    else if (rc == 0)
        rc = buf_printf(b, "%s %s\n", name, v);
    (void)rc; /* past the cap the text is cut; the write checks the cap */
}

/* ---- the file */

static int write_all(uv_file fd, const char *p, size_t len)
{
    uv_fs_t req;
    int rc = 0;

    while (len > 0 && rc >= 0) {
        uv_buf_t b = uv_buf_init((char *)p, (unsigned)len);
        rc = (int)uv_fs_write(NULL, &req, fd, &b, 1, -1, NULL);
        uv_fs_req_cleanup(&req);
        if (rc > 0)
            p += rc, len -= (size_t)rc;
        else if (rc == 0)
            rc = UV_EIO;
    }
    if (rc >= 0)
        rc = uv_fs_fsync(NULL, &req, fd, NULL), uv_fs_req_cleanup(&req);
    return rc < 0 ? rc : 0;
}

/* Writes tmp whole, syncs it and renames it over path. Returns 0 or a
 * negative libuv code; tmp does not survive a failure. */
static int replace_file(const char *path, const char *tmp, const struct buf *text)
{
    uv_fs_t req;
    int fd = uv_fs_open(NULL, &req, tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644, NULL);
    int rc;

    uv_fs_req_cleanup(&req);
    if (fd < 0)
        return fd;
    rc = write_all(fd, text->p, text->len);
    uv_fs_close(NULL, &req, fd, NULL);
    uv_fs_req_cleanup(&req);
    if (rc == 0)
        rc = uv_fs_rename(NULL, &req, tmp, path, NULL), uv_fs_req_cleanup(&req);
    if (rc < 0)
        uv_fs_unlink(NULL, &req, tmp, NULL), uv_fs_req_cleanup(&req);
    return rc;
}

/* Writes the registry with wsawatch_up set to up. Returns 0 or WW_EIO. */
static int write_metrics(struct metrics_out *m, int up, struct ww_err *err)
{
    int rc;

    metrics_set(UP_METRIC, "", up);
    buf_reset(&m->text);
    m->last = NULL;
    metrics_each(series_cb, m);
    if (m->text.len + 1 >= m->text.max)
        return ww_err_set(err, WW_ELIMIT, "output '%s': %s: more than %u bytes of metrics",
                          m->name, m->path, METRICS_FILE_MAX);
    if ((rc = replace_file(m->path, m->tmp, &m->text)) < 0)
        return ww_err_set(err, WW_EIO, "output '%s': %s: %s", m->name, m->path, uv_strerror(rc));
    return 0;
}

/* At run time a failure is logged when it starts and when it ends. */
static void write_logged(struct metrics_out *m, int up)
{
    struct ww_err err = {0};

    if (write_metrics(m, up, &err) != 0) {
        if (!m->failing)
            log_warnx("%s; retrying every interval", err.msg);
        m->failing = 1;
    } else if (m->failing) {
        log_info("output '%s': %s written again", m->name, m->path);
        m->failing = 0;
    }
}

static void timer_cb(uv_timer_t *t)
{
    write_logged(t->data, 1);
}

/* ---- the output's operations */

static int open_metrics(struct output *o, struct ww_err *err)
{
    const struct metrics_cfg *c = o->cfg->kind_cfg;
    struct metrics_out *m;
    char why[300];
    int rc;

    if (output_check_path(o->cfg->path, why, sizeof(why)) != 0) /* a mistake, most likely */
        return ww_err_set(err, WW_EIO, "output '%s': %s: %s", o->cfg->name, o->cfg->path, why);
    m = xcalloc(1, sizeof(*m));
    m->name = xstrdup(o->cfg->name);
    m->path = xstrdup(o->cfg->path);
    m->tmp = xasprintf("%s.tmp", o->cfg->path);
    m->interval_ms = c->interval_ms;
    buf_init(&m->text, METRICS_FILE_MAX);
    metrics_declare(UP_METRIC, METRIC_GAUGE, "1 while wsawatch runs; 0 once it stopped.");
    if ((rc = write_metrics(m, 1, err)) != 0) { /* a bad path shows at start */
        buf_free(&m->text);
        xfree(m->name), xfree(m->path), xfree(m->tmp), xfree(m);
        return rc;
    }
    uv_timer_init(o->loop, &m->timer);
    m->timer.data = m;
    uv_timer_start(&m->timer, timer_cb, m->interval_ms, m->interval_ms);
    m->next = open_list;
    open_list = m;
    o->priv = m;
    return 0;
}

static int write_ignored(struct output *o, const struct out_msg *msg)
{
    (void)o, (void)msg;
    return 0;
}

static int flush_metrics(struct output *o, int durable, struct ww_err *err)
{
    (void)err;
    if (durable)
        write_logged(o->priv, 1);
    return 0;
}

static void timer_closed_cb(uv_handle_t *h)
{
    struct metrics_out *m = h->data;

    buf_free(&m->text);
    xfree(m->name), xfree(m->path), xfree(m->tmp), xfree(m);
}

static void close_metrics(struct output *o)
{
    struct metrics_out *m = o->priv, **pp;
    int succeeded = 0;

    if (m == NULL)
        return;
    o->priv = NULL;
    for (pp = &open_list; *pp != NULL; pp = &(*pp)->next)
        if (*pp == m) {
            *pp = m->next;
            break;
        }
    for (struct metrics_out *x = open_list; x != NULL; x = x->next)
        succeeded |= strcmp(x->path, m->path) == 0;
    if (!succeeded)
        write_logged(m, 0);
    else
        metrics_set(UP_METRIC, "", 1);
    uv_timer_stop(&m->timer);
    uv_close((uv_handle_t *)&m->timer, timer_closed_cb);
}

/* ---- configuration */

static const struct yfield fields[] = {
    {"path", Y_STR, 1, "the Prometheus textfile (*.prom) rewritten every interval", NULL, NULL},
    {"interval", Y_STR, 0, "how often the file is rewritten", "15s", NULL},
};

static int parse_metrics(struct cfg_output *co, struct ydoc *y, yaml_node_t *node, yaml_node_t **v,
                         struct diag *d)
{
    struct metrics_cfg *c = try_calloc(1, sizeof(*c));
    char why[300];

    (void)node;
    if (c == NULL)
        return diag_oom(d);
    co->kind_cfg = c;
    c->interval_ms = config_default_duration(&fields[1]);
    if (v[0] != NULL && (co->path = try_strdup(ydoc_str(v[0]))) == NULL)
        return diag_oom(d);
    /* `check` may run as another user, or before the directory is made
     * (systemd's LogsDirectory=): a warning; `run` fails on it at open */
    if (co->path != NULL && output_check_path(co->path, why, sizeof(why)) != 0)
        ydoc_warning(y, v[0], d, "output '%s': %s: %s; `run` fails unless it can be written "
                     "then", co->name, co->path, why);
    return config_get_duration(y, v[1], "interval", METRICS_MIN_INTERVAL_MS, &c->interval_ms, d);
}

static const struct output_ops ops = {open_metrics, write_ignored, flush_metrics, NULL,
                                      close_metrics};

const struct output_kind out_metrics_kind = {"metrics", fields, sizeof(fields) / sizeof(fields[0]),
                                             parse_metrics, xfree, &ops};
