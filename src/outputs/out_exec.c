/*
 * The exec output: runs a configured program once per message, never through
 * a shell: the argument list is fixed by the configuration and the message
 * JSON (one line and a newline) goes only to the program's standard input,
 * which is then closed, so nothing a log line holds can become part of a
 * command. WSAWATCH_KIND=event or alert is added to the daemon's environment.
 * Standard output and error are ignored (a child must not mix its output into
 * an events stream on the daemon's stdout). At most max_running children run
 * at once; more messages wait in a bounded queue whose oldest entry is dropped
 * (and counted) when it is full. A child still running after `timeout` is
 * killed; a non-zero exit, a signal or a timeout is a failure, logged when the
 * kind of failure changes rather than once per message. The queue is this
 * output's durable point: flush returns at once. close() gives running and
 * queued messages a short grace, then kills what still runs; memory is freed
 * when the last handle is closed. It knows nothing of files being followed.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "metrics.h"
#include "outputs/output.h"
#include "util/alloc.h"
#include "util/log.h"

#define EXEC_CLOSE_GRACE 2000 /* ms given to running and queued messages at close */
#define EXEC_LIMIT 100000
#define FAIL_TIMEOUT (-1000L) /* last_fail codes beside exit statuses and -signals */
#define FAIL_SPAWN (-2000L)

struct exec_cfg {
    char **argv; /* NULL-terminated, owned */
    uint64_t timeout_ms;
    long max_running;
    long queue;
};

struct ex_msg {
    char *json; /* owned copy, not NUL-terminated */
    size_t len;
    enum msg_kind kind;
};

struct ex_child {
    struct ex_child *next; /* in exec_out.running_list while it runs */
    struct exec_out *x;
    uv_process_t proc;
    uv_pipe_t in;     /* the child's stdin */
    uv_timer_t timer; /* the timeout */
    uv_write_t wr;
    struct ex_msg m;
    int handles; /* open handles; freed at 0 */
    int timed_out, aborted;
};

struct exec_out {
    struct output *o; /* NULL once closed: o may be gone then */
    uv_loop_t *loop;
    char *name;       /* copies: the config is freed on reload */
    char labels[256]; /* output="NAME" */
    char **argv;
    char **env[2]; /* for events, for alerts */
    uint64_t timeout_ms;
    long max_running;
    size_t queue;
    struct ex_msg *ring;
    size_t head, n;
    struct ex_child *running_list;
    long running;
    long last_fail; /* 0: the last run succeeded */
    int dropping;
    uint64_t dropped_run; /* dropped since the queue last ran empty */
    int closing, finished;
    uv_timer_t close_timer;
    int open_handles; /* the close timer and every child not yet freed */
};

static void pump(struct exec_out *x);

/* ---- the queue */

static void q_push(struct exec_out *x, struct ex_msg m)
{
    x->ring[(x->head + x->n) % x->queue] = m;
    x->n++;
}

static struct ex_msg q_pop(struct exec_out *x)
{
    struct ex_msg m = x->ring[x->head];

    x->head = (x->head + 1) % x->queue;
    x->n--;
    return m;
}

static void count(struct exec_out *x, const char *metric, uint64_t *stat)
{
    metrics_add(metric, x->labels, 1);
    if (x->o != NULL && stat != NULL)
        (*stat)++;
}

static void count_failed(struct exec_out *x)
{
    count(x, "wsawatch_output_failures_total", x->o ? &x->o->st.failed : NULL);
}

static void drop_oldest(struct exec_out *x)
{
    struct ex_msg m = q_pop(x);

    xfree(m.json);
    count(x, "wsawatch_output_dropped_total", x->o ? &x->o->st.dropped : NULL);
    x->dropped_run++;
    if (!x->dropping)
        log_warnx("output '%s': %ld programs running and %zu messages waiting; dropping the "
                  "oldest",
                  x->name, x->running, x->queue);
    x->dropping = 1;
}

/* ---- freeing */

static void exec_free(struct exec_out *x)
{
    for (size_t i = 0; x->argv[i] != NULL; i++)
        xfree(x->argv[i]);
    xfree(x->argv);
    for (size_t k = 0; k < 2; k++) {
        for (size_t i = 0; x->env[k] != NULL && x->env[k][i] != NULL; i++)
            xfree(x->env[k][i]);
        xfree(x->env[k]);
    }
    xfree(x->ring);
    xfree(x->name);
    xfree(x);
}

static void exec_handle_gone(struct exec_out *x)
{
    if (--x->open_handles == 0)
        exec_free(x);
}

static void close_timer_closed_cb(uv_handle_t *h)
{
    exec_handle_gone(h->data);
}

static void child_handle_closed_cb(uv_handle_t *h)
{
    struct ex_child *c = h->data;
    struct exec_out *x = c->x;

    if (--c->handles > 0)
        return;
    xfree(c->m.json);
    xfree(c);
    exec_handle_gone(x);
}

static void child_close(struct ex_child *c)
{
    uv_handle_t *hs[3] = {(uv_handle_t *)&c->in, (uv_handle_t *)&c->timer, (uv_handle_t *)&c->proc};

    for (size_t i = 0; i < 3; i++)
        if (!uv_is_closing(hs[i]))
            uv_close(hs[i], child_handle_closed_cb);
}

/* ---- outcomes */

static void note_outcome(struct exec_out *x, long code, const char *why)
{
    if (code == 0) {
        count(x, "wsawatch_output_messages_total", NULL);
        if (x->last_fail != 0)
            log_info("output '%s': %s succeeds again", x->name, x->argv[0]);
        x->last_fail = 0;
        return;
    }
    count_failed(x);
    if (code != x->last_fail)
        log_warnx("output '%s': %s: %s", x->name, x->argv[0], why);
    x->last_fail = code;
}

static void report_exit(struct exec_out *x, const struct ex_child *c, int64_t status, int sig)
{
    char why[96] = "";
    long code = 0;

    if (c->timed_out) {
        code = FAIL_TIMEOUT;
        snprintf(why, sizeof(why), "killed after the %llums timeout",
                 (unsigned long long)x->timeout_ms);
    } else if (sig != 0) {
        code = -sig;
        snprintf(why, sizeof(why), "killed by signal %d", sig);
    } else if (status != 0) {
        code = (long)status;
        snprintf(why, sizeof(why), "exit status %lld", (long long)status);
    }
    note_outcome(x, code, why);
}

static void exit_cb(uv_process_t *p, int64_t status, int sig)
{
    struct ex_child *c = p->data;
    struct exec_out *x = c->x;

    for (struct ex_child **pp = &x->running_list; *pp != NULL; pp = &(*pp)->next)
        if (*pp == c) {
            *pp = c->next;
            break;
        }
    x->running--;
    if (c->aborted)
        count_failed(x);
    else
        report_exit(x, c, status, sig);
    child_close(c);
    pump(x);
}

static void timeout_cb(uv_timer_t *t)
{
    struct ex_child *c = t->data;

    c->timed_out = 1;
    uv_process_kill(&c->proc, SIGKILL);
}

/* The message is written whole (libuv queues what the pipe cannot take yet);
 * closing stdin then tells the program it has all of it. A program that exits
 * without reading makes this fail, which its exit status will tell. */
static void write_cb(uv_write_t *w, int status)
{
    struct ex_child *c = w->data;

    (void)status;
    if (!uv_is_closing((uv_handle_t *)&c->in))
        uv_close((uv_handle_t *)&c->in, child_handle_closed_cb);
}

/* ---- running programs */

static int spawn(struct exec_out *x, struct ex_child *c)
{
    uv_process_options_t opt;
    uv_stdio_container_t io[3];
    uv_buf_t b[2] = {uv_buf_init(c->m.json, (unsigned)c->m.len), uv_buf_init("\n", 1)};
    int rc;

    memset(&opt, 0, sizeof(opt));
    io[0].flags = UV_CREATE_PIPE | UV_READABLE_PIPE;
    io[0].data.stream = (uv_stream_t *)&c->in;
    io[1].flags = io[2].flags = UV_IGNORE;
    opt.exit_cb = exit_cb;
    opt.file = x->argv[0];
    opt.args = x->argv;
    opt.env = x->env[c->m.kind == MSG_ALERT];
    opt.stdio = io;
    opt.stdio_count = 3;
    opt.flags = UV_PROCESS_WINDOWS_HIDE;
    if ((rc = uv_spawn(x->loop, &c->proc, &opt)) != 0)
        return rc;
    c->wr.data = c;
    if ((rc = uv_write(&c->wr, (uv_stream_t *)&c->in, b, 2, write_cb)) != 0)
        uv_close((uv_handle_t *)&c->in, child_handle_closed_cb);
    uv_timer_start(&c->timer, timeout_cb, x->timeout_ms, 0);
    return 0;
}

static void start_child(struct exec_out *x, struct ex_msg m)
{
    struct ex_child *c = xcalloc(1, sizeof(*c));
    char why[128];
    int rc;

    c->x = x;
    c->m = m;
    c->proc.data = c->in.data = c->timer.data = c;
    uv_pipe_init(x->loop, &c->in, 0);
    uv_timer_init(x->loop, &c->timer);
    c->handles = 3; /* the process handle is closed even when uv_spawn failed */
    x->open_handles++;
    if ((rc = spawn(x, c)) != 0) {
        snprintf(why, sizeof(why), "cannot run: %s", uv_strerror(rc));
        note_outcome(x, FAIL_SPAWN + rc, why);
        child_close(c);
        return;
    }
    c->next = x->running_list;
    x->running_list = c;
    x->running++;
}

static void finish(struct exec_out *x);

static void pump(struct exec_out *x)
{
    while (!x->finished && x->n > 0 && x->running < x->max_running)
        start_child(x, q_pop(x));
    if (x->n == 0 && x->dropping) {
        log_info("output '%s': queue drained; %llu messages had been dropped", x->name,
                 (unsigned long long)x->dropped_run);
        x->dropping = 0;
        x->dropped_run = 0;
    }
    if (x->closing && !x->finished && x->running == 0 && x->n == 0)
        finish(x);
}

/* ---- closing */

static void finish(struct exec_out *x)
{
    if (x->running + (long)x->n > 0)
        log_warnx("output '%s': closing: %ld programs killed, %zu messages not passed on", x->name,
                  x->running, x->n);
    x->finished = 1;
    for (struct ex_child *c = x->running_list; c != NULL; c = c->next) {
        c->aborted = 1;
        uv_process_kill(&c->proc, SIGKILL); /* exit_cb still comes, then the handles close */
    }
    while (x->n > 0) {
        struct ex_msg m = q_pop(x);
        xfree(m.json);
        count_failed(x);
    }
    uv_close((uv_handle_t *)&x->close_timer, close_timer_closed_cb);
}

static void deadline_cb(uv_timer_t *t)
{
    finish(t->data);
}

static void close_exec(struct output *o)
{
    struct exec_out *x = o->priv;

    if (x == NULL)
        return;
    o->priv = NULL;
    x->o = NULL;
    x->closing = 1;
    uv_timer_start(&x->close_timer, deadline_cb, EXEC_CLOSE_GRACE, 0);
    pump(x);
}

/* ---- opening */

static void declare_metrics(void)
{
    metrics_declare("wsawatch_output_messages_total", METRIC_COUNTER,
                    "Messages an output delivered.");
    metrics_declare("wsawatch_output_failures_total", METRIC_COUNTER,
                    "Messages an output failed to deliver.");
    metrics_declare("wsawatch_output_dropped_total", METRIC_COUNTER,
                    "Messages an output dropped because its queue was full.");
}

/* The daemon's environment without WSAWATCH_KIND, plus WSAWATCH_KIND=kind. */
static char **make_env(uv_env_item_t *items, int n, const char *kind)
{
    char **env = xcalloc((size_t)n + 2, sizeof(*env));
    size_t k = 0;

    for (int i = 0; i < n; i++)
        if (strcmp(items[i].name, "WSAWATCH_KIND") != 0)
            env[k++] = xasprintf("%s=%s", items[i].name, items[i].value);
    env[k] = xasprintf("WSAWATCH_KIND=%s", kind);
    return env;
}

/* A copy of a NULL-terminated string array. */
static char **strv_copy(char *const *v)
{
    size_t n = 0;
    char **out;

    while (v[n] != NULL)
        n++;
    out = xcalloc(n + 1, sizeof(*out));
    for (size_t i = 0; i < n; i++)
        out[i] = xstrdup(v[i]);
    return out;
}

static int open_exec(struct output *o, struct ww_err *err)
{
    const struct exec_cfg *c = o->cfg->kind_cfg;
    struct exec_out *x = xcalloc(1, sizeof(*x));
    uv_env_item_t *items;
    int n, rc = uv_os_environ(&items, &n);

    if (rc != 0) {
        xfree(x);
        return ww_err_set(err, WW_EIO, "output '%s': cannot read the environment: %s", o->cfg->name,
                          uv_strerror(rc));
    }
    x->env[0] = make_env(items, n, "event");
    x->env[1] = make_env(items, n, "alert");
    uv_os_free_environ(items, n);
    x->argv = strv_copy(c->argv);
    x->o = o;
    x->loop = o->loop;
    x->name = xstrdup(o->cfg->name);
    metrics_label(x->labels, 0, sizeof(x->labels), "output", x->name);
    x->timeout_ms = c->timeout_ms;
    x->max_running = c->max_running;
    x->queue = (size_t)c->queue;
    x->ring = xcalloc(x->queue, sizeof(*x->ring));
    uv_timer_init(x->loop, &x->close_timer);
    x->close_timer.data = x;
    x->open_handles = 1;
    declare_metrics();
    o->priv = x;
    return 0;
}

static int write_exec(struct output *o, const struct out_msg *m)
{
    struct exec_out *x = o->priv;
    struct ex_msg copy = {xmalloc(m->len ? m->len : 1), m->len, m->kind};

    memcpy(copy.json, m->json, m->len);
    while (x->n >= x->queue)
        drop_oldest(x);
    q_push(x, copy);
    pump(x);
    return 0;
}

/* Queued is as far as a program runner can promise: nothing to wait for. */
static int flush_exec(struct output *o, int durable, struct ww_err *err)
{
    (void)o, (void)durable, (void)err;
    return 0;
}

/* ---- configuration */

static const struct yfield fields[] = {
    {"command", Y_SEQ, 1,
     "program (absolute path) and its arguments, run without a shell, the message on its "
     "standard input",
     NULL, NULL},
    {"timeout", Y_STR, 0, "a program still running after this is killed", "10s", NULL},
    {"max_running", Y_INT, 0, "programs running at once", "4", NULL},
    {"queue", Y_INT, 0, "messages waiting at most; the oldest are dropped", "100", NULL},
};
enum { F_COMMAND, F_TIMEOUT, F_MAX_RUNNING, F_QUEUE };

static int is_absolute(const char *p)
{
    return p[0] == '/' || p[0] == '\\' ||
           (isalpha((unsigned char)p[0]) && p[1] == ':' && (p[2] == '\\' || p[2] == '/'));
}

/* Returns NULL when path names an executable regular file, or the reason. */
static const char *check_program(const char *path)
{
    static char why[128];
    uv_fs_t req;
    int rc, regular;

    if (!is_absolute(path))
        return "must be an absolute path";
    rc = uv_fs_stat(NULL, &req, path, NULL);
    regular = rc == 0 && (req.statbuf.st_mode & S_IFMT) == S_IFREG;
    uv_fs_req_cleanup(&req);
    if (rc == 0 && !regular)
        return "is not a regular file";
    if (rc == 0)
        rc = uv_fs_access(NULL, &req, path, X_OK, NULL), uv_fs_req_cleanup(&req);
    if (rc == 0)
        return NULL;
    snprintf(why, sizeof(why), "%s", uv_strerror(rc));
    return why;
}

static int parse_command(struct exec_cfg *c, struct ydoc *y, yaml_node_t *v, struct diag *d)
{
    yaml_node_item_t *it = v->data.sequence.items.start;
    size_t n = (size_t)(v->data.sequence.items.top - it);
    const char *why;

    if ((c->argv = try_calloc(n + 1, sizeof(*c->argv))) == NULL)
        return diag_oom(d);
    for (size_t i = 0; i < n; i++) {
        yaml_node_t *a = ydoc_node(y, it[i]);
        if (a == NULL || a->type != YAML_SCALAR_NODE) {
            ydoc_error(y, a ? a : v, d, "'command': each argument must be a string");
            return 1;
        }
        if ((c->argv[i] = try_strdup(ydoc_str(a))) == NULL)
            return diag_oom(d);
    }
    if (n == 0) {
        ydoc_error(y, v, d, "'command' must name a program");
        return 1;
    }
    if ((why = check_program(c->argv[0])) != NULL) {
        ydoc_error(y, ydoc_node(y, it[0]), d, "'command': %s: %s", c->argv[0], why);
        return 1;
    }
    return 0;
}

static void free_exec_cfg(void *p)
{
    struct exec_cfg *c = p;

    for (size_t i = 0; c->argv != NULL && c->argv[i] != NULL; i++)
        xfree(c->argv[i]);
    xfree(c->argv);
    xfree(c);
}

static int parse_exec(struct cfg_output *o, struct ydoc *y, yaml_node_t *node, yaml_node_t **v,
                      struct diag *d)
{
    struct exec_cfg *c = try_calloc(1, sizeof(*c));
    int errors = 0;

    (void)node;
    if (c == NULL)
        return diag_oom(d);
    c->timeout_ms = config_default_duration(&fields[F_TIMEOUT]);
    c->max_running = config_default_count(&fields[F_MAX_RUNNING]);
    c->queue = config_default_count(&fields[F_QUEUE]);
    o->kind_cfg = c;
    if (v[F_COMMAND] != NULL)
        errors += parse_command(c, y, v[F_COMMAND], d);
    errors += config_get_duration(y, v[F_TIMEOUT], "timeout", 1, &c->timeout_ms, d);
    errors += config_get_count(y, v[F_MAX_RUNNING], "max_running", 1, EXEC_LIMIT,
                               &c->max_running, d);
    errors += config_get_count(y, v[F_QUEUE], "queue", 1, EXEC_LIMIT, &c->queue, d);
    return errors;
}

static const struct output_ops ops = {open_exec, write_exec, flush_exec, NULL, close_exec};

const struct output_kind out_exec_kind = {
    "exec", fields, sizeof(fields) / sizeof(fields[0]), parse_exec, free_exec_cfg, &ops};
