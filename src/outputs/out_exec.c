/*
 * The exec output: runs a configured program once per message, never through
 * a shell: the argument list is fixed by the configuration and the message
 * JSON (one line and a newline) goes only to the program's standard input,
 * which is then closed, so nothing a log line holds can become part of a
 * command. WSAWATCH_KIND=event or alert is added to the daemon's environment.
 * Standard output is ignored (a child must not mix its output into an events
 * stream on the daemon's stdout); the first EXEC_STDERR_MAX bytes of standard
 * error are kept and their first lines logged when the program fails. Each
 * program runs in a process group of its own (a session on POSIX, a job
 * object on Windows; see platform.h), so a program still running after
 * `timeout` is killed with everything it started. A non-zero exit, a signal
 * or a timeout is a failure, logged when the kind of failure changes rather
 * than once per message, and retried (forever by default, or `retries` times:
 * spool_give_up) with a doubling backoff
 * during which the output waits. Every message goes first to the output's
 * spool (spool.c), its durable point; at most `queue` messages read back from
 * it wait in memory and max_running programs run at once. close() closes the
 * spool and kills what still runs (the next instance runs those messages
 * again); memory is freed when the last handle is closed. Under run --once,
 * the first message given up gives up the rest. It knows nothing of files.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "metrics.h"
#include "outputs/output.h"
#include "outputs/spool.h"
#include "platform/platform.h"
#include "util/alloc.h"
#include "util/log.h"

#define EXEC_LIMIT 100000
#define FAIL_TIMEOUT (-1000L) /* last_fail codes beside exit statuses and -signals */
#define FAIL_SPAWN (-2000L)
#define EXEC_STDERR_MAX 1024    /* bytes of a program's standard error kept */
#define EXEC_STDERR_LINES 3     /* lines of it logged */
#define EXEC_STDERR_WAIT 200    /* ms the end of standard error is awaited after exit */
#define EXEC_BACKOFF_MAX 300000 /* ms */
#define EXEC_NO_SPOOL UINT64_MAX

struct exec_cfg {
    char **argv; /* NULL-terminated, owned */
    uint64_t timeout_ms;
    long max_running;
    long queue;
    long retries;
    uint64_t backoff_ms;
    uint64_t spool_max;
};

struct ex_msg {
    char *json; /* owned copy, not NUL-terminated */
    size_t len;
    enum msg_kind kind;
    long tries;   /* runs that failed and may be retried */
    uint64_t sid; /* its record in the spool, or EXEC_NO_SPOOL */
};

struct ex_child {
    struct ex_child *next; /* in exec_out.running_list while it runs */
    struct exec_out *x;
    uv_process_t proc;
    uv_pipe_t in;     /* the child's stdin */
    uv_pipe_t err;    /* and its stderr */
    uv_timer_t timer; /* the timeout; after the exit, the wait for stderr's end */
    uv_write_t wr;
    struct ex_msg m;
    int handles; /* open handles; freed at 0 */
    int timed_out, aborted;
    void *group; /* platform_child_attach's */
    int exited, err_done, reported;
    int64_t status;
    int sig;
    char errbuf[EXEC_STDERR_MAX];
    size_t errlen;
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
    long retries;
    uint64_t backoff_ms, backoff_cur;
    uv_timer_t retry_timer;
    int backing_off;
    int open_handles;    /* the retry timer and every child not yet freed */
    struct spool *spool; /* NULL once closed */
    int once_gave_up;    /* run --once: a message was given up, so are the rest */
};

static void pump(struct exec_out *x);

/* ---- the queue */

static void q_push(struct exec_out *x, struct ex_msg m)
{
    x->ring[(x->head + x->n) % x->queue] = m;
    x->n++;
}

static void q_push_front(struct exec_out *x, struct ex_msg m)
{
    x->head = (x->head + x->queue - 1) % x->queue;
    x->ring[x->head] = m;
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

static void settle(struct exec_out *x, struct ex_msg *m, int ok)
{
    if (!ok)
        count(x, "wsawatch_output_failures_total", x->o ? &x->o->st.failed : NULL);
    if (x->spool != NULL && m->sid != EXEC_NO_SPOOL)
        spool_done(x->spool, m->sid, ok);
    xfree(m->json);
    m->json = NULL;
}

static void drop_oldest(struct exec_out *x)
{
    struct ex_msg m = q_pop(x);

    settle(x, &m, 0);
    count(x, "wsawatch_output_dropped_total", x->o ? &x->o->st.dropped : NULL);
    x->dropped_run++;
    if (!x->dropping)
        log_warnx("output '%s': its spool cannot be written and %zu messages wait; dropping "
                  "the oldest",
                  x->name, x->queue);
    x->dropping = 1;
}

/* Reads what the spool holds into the window, in order: a kind byte, then
 * the JSON. */
static void top_up(struct exec_out *x)
{
    struct ex_msg m = {0};
    char *p;
    size_t len;

    while (x->spool != NULL && !x->closing && x->n < x->queue &&
           spool_next(x->spool, &p, &len, &m.sid) == 1) {
        m.kind = len > 0 && p[0] == 'a' ? MSG_ALERT : MSG_EVENT;
        m.len = len > 0 ? len - 1 : 0;
        m.json = xmalloc(m.len + 1);
        memcpy(m.json, p + (len > 0), m.len);
        xfree(p);
        q_push(x, m);
    }
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

static void timer_closed_cb(uv_handle_t *h)
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
    uv_handle_t *hs[4] = {(uv_handle_t *)&c->in, (uv_handle_t *)&c->err, (uv_handle_t *)&c->timer,
                          (uv_handle_t *)&c->proc};

    platform_child_free(c->group);
    c->group = NULL;
    for (size_t i = 0; i < 4; i++)
        if (!uv_is_closing(hs[i]))
            uv_close(hs[i], child_handle_closed_cb);
}

/* ---- outcomes */

/* The first lines of what the program wrote on stderr, on one line. */
static void stderr_lines(const struct ex_child *c, char *out, size_t size)
{
    size_t k = 0;
    int lines = 0;

    for (size_t i = 0; i < c->errlen && k + 4 < size && lines < EXEC_STDERR_LINES; i++) {
        unsigned char ch = (unsigned char)c->errbuf[i];
        if (ch == '\n') {
            lines++;
            if (i + 1 < c->errlen && lines < EXEC_STDERR_LINES)
                out[k++] = ' ', out[k++] = '|', out[k++] = ' ';
        } else if (ch != '\r') {
            out[k++] = ch < 0x20 || ch == 0x7f ? ' ' : (char)ch;
        }
    }
    out[k] = '\0';
}

static void note_outcome(struct exec_out *x, const struct ex_child *c, long code, const char *why)
{
    char err[EXEC_STDERR_MAX + 64] = "";

    if (code == 0) {
        count(x, "wsawatch_output_messages_total", NULL);
        if (x->last_fail != 0)
            log_info("output '%s': %s succeeds again", x->name, x->argv[0]);
        x->last_fail = 0;
        x->backoff_cur = x->backoff_ms;
        return;
    }
    if (code != x->last_fail) {
        if (c != NULL && c->errlen > 0) {
            char lines[EXEC_STDERR_MAX];
            stderr_lines(c, lines, sizeof(lines));
            snprintf(err, sizeof(err), "; stderr: \"%s\"", lines);
        }
        log_warnx("output '%s': %s: %s%s", x->name, x->argv[0], why, err);
    }
    x->last_fail = code;
}

static void retry_cb(uv_timer_t *t)
{
    struct exec_out *x = t->data;

    x->backing_off = 0;
    pump(x);
}

/* A failed run: the message waits for the backoff and runs again, or is
 * given up after its retries. Takes m. */
static void failed_run(struct exec_out *x, struct ex_msg m)
{
    if (x->closing || x->finished || spool_give_up(m.tries, x->retries)) {
        x->once_gave_up = spool_once();
        settle(x, &m, 0);
        return;
    }
    count(x, "wsawatch_output_retries_total", NULL);
    m.tries++;
    q_push_front(x, m);
    if (!x->backing_off) {
        x->backing_off = 1;
        uv_timer_start(&x->retry_timer, retry_cb, x->backoff_cur, 0);
        x->backoff_cur =
            x->backoff_cur * 2 > EXEC_BACKOFF_MAX ? EXEC_BACKOFF_MAX : x->backoff_cur * 2;
    }
}

static long exit_code(const struct ex_child *c, char *why, size_t size)
{
    if (c->timed_out) {
        snprintf(why, size, "killed after the %llums timeout",
                 (unsigned long long)c->x->timeout_ms);
        return FAIL_TIMEOUT;
    }
    if (c->sig != 0) {
        snprintf(why, size, "killed by signal %d", c->sig);
        return -c->sig;
    }
    if (c->status != 0) {
        snprintf(why, size, "exit status %lld", (long long)c->status);
        return (long)c->status;
    }
    return 0;
}

/* The program exited and its stderr ended (or was waited for): the outcome. */
static void report(struct ex_child *c)
{
    struct exec_out *x = c->x;
    char why[96] = "";
    long code = exit_code(c, why, sizeof(why));
    struct ex_msg m = c->m;

    if (c->reported)
        return;
    c->reported = 1;
    c->m.json = NULL;
    if (c->aborted) {
        xfree(m.json); /* closing: the spool keeps it */
    } else if (code == 0) {
        note_outcome(x, c, 0, "");
        settle(x, &m, 1);
    } else {
        note_outcome(x, c, code, why);
        failed_run(x, m);
    }
    child_close(c);
    pump(x);
}

static void remove_running(struct exec_out *x, struct ex_child *c)
{
    for (struct ex_child **pp = &x->running_list; *pp != NULL; pp = &(*pp)->next)
        if (*pp == c) {
            *pp = c->next;
            break;
        }
    x->running--;
}

static void err_wait_cb(uv_timer_t *t)
{
    report(t->data); /* a process it started holds stderr open */
}

static void exit_cb(uv_process_t *p, int64_t status, int sig)
{
    struct ex_child *c = p->data;

    remove_running(c->x, c);
    c->exited = 1;
    c->status = status;
    c->sig = sig;
    if (c->err_done || c->aborted)
        report(c);
    else
        uv_timer_start(&c->timer, err_wait_cb, EXEC_STDERR_WAIT, 0);
}

static void timeout_cb(uv_timer_t *t)
{
    struct ex_child *c = t->data;

    c->timed_out = 1;
    platform_child_kill_tree(c->proc.pid, c->group);
}

static void err_alloc_cb(uv_handle_t *h, size_t hint, uv_buf_t *b)
{
    static char sink[256];
    struct ex_child *c = h->data;

    (void)hint;
    if (c->errlen < sizeof(c->errbuf))
        *b = uv_buf_init(c->errbuf + c->errlen, (unsigned)(sizeof(c->errbuf) - c->errlen));
    else
        *b = uv_buf_init(sink, sizeof(sink)); /* past what is kept: read and forgotten */
}

static void err_read_cb(uv_stream_t *st, ssize_t n, const uv_buf_t *b)
{
    struct ex_child *c = st->data;

    if (n > 0 && b->base != NULL && b->base >= c->errbuf && b->base < c->errbuf + sizeof(c->errbuf))
        c->errlen += (size_t)n;
    if (n >= 0)
        return;
    uv_read_stop(st);
    c->err_done = 1;
    if (c->exited) {
        uv_timer_stop(&c->timer);
        report(c);
    }
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
    io[1].flags = UV_IGNORE;
    io[2].flags = UV_CREATE_PIPE | UV_WRITABLE_PIPE;
    io[2].data.stream = (uv_stream_t *)&c->err;
    opt.exit_cb = exit_cb;
    opt.file = x->argv[0];
    opt.args = x->argv;
    opt.env = x->env[c->m.kind == MSG_ALERT];
    opt.stdio = io;
    opt.stdio_count = 3;
    /* detached: a session (process group) of its own on POSIX, killed whole */
    opt.flags = UV_PROCESS_WINDOWS_HIDE | UV_PROCESS_DETACHED;
    if ((rc = uv_spawn(x->loop, &c->proc, &opt)) != 0)
        return rc;
    if (platform_child_attach(c->proc.pid, &c->group) != 0)
        log_debug("output '%s': a program's children are not killed with it", x->name);
    c->wr.data = c;
    if ((rc = uv_write(&c->wr, (uv_stream_t *)&c->in, b, 2, write_cb)) != 0)
        uv_close((uv_handle_t *)&c->in, child_handle_closed_cb);
    if (uv_read_start((uv_stream_t *)&c->err, err_alloc_cb, err_read_cb) != 0)
        c->err_done = 1;
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
    c->proc.data = c->in.data = c->err.data = c->timer.data = c;
    uv_pipe_init(x->loop, &c->in, 0);
    uv_pipe_init(x->loop, &c->err, 0);
    uv_timer_init(x->loop, &c->timer);
    c->handles = 4; /* the process handle is closed even when uv_spawn failed */
    x->open_handles++;
    if ((rc = spawn(x, c)) != 0) {
        snprintf(why, sizeof(why), "cannot run: %s", uv_strerror(rc));
        note_outcome(x, NULL, FAIL_SPAWN + rc, why);
        c->m.json = NULL;
        c->reported = 1;
        failed_run(x, m);
        child_close(c);
        return;
    }
    c->next = x->running_list;
    x->running_list = c;
    x->running++;
}

/* run --once, a message given up: the program is taken for broken. */
static void give_up_rest(struct exec_out *x)
{
    top_up(x);
    while (x->n > 0) {
        struct ex_msg m = q_pop(x);
        settle(x, &m, 0);
        top_up(x);
    }
}

static void pump(struct exec_out *x)
{
    if (x->finished)
        return;
    if (x->once_gave_up)
        give_up_rest(x);
    top_up(x);
    while (x->n > 0 && x->running < x->max_running && !x->backing_off)
        start_child(x, q_pop(x));
    if (x->n == 0 && x->dropping) {
        log_info("output '%s': queue drained; %llu messages had been dropped", x->name,
                 (unsigned long long)x->dropped_run);
        x->dropping = 0;
        x->dropped_run = 0;
    }
}

/* ---- closing */

/* What is not done stays in the spool for the next instance: running
 * programs are killed with what they started, queued messages forgotten. */
static void close_exec(struct output *o)
{
    struct exec_out *x = o->priv;

    if (x == NULL)
        return;
    o->priv = NULL;
    x->o = NULL;
    x->closing = 1;
    if (x->running + (long)x->n > 0)
        log_info("output '%s': closing: %ld programs killed, %zu waiting messages kept in the "
                 "spool for the next start",
                 x->name, x->running, x->n);
    spool_close(x->spool);
    x->spool = NULL;
    x->finished = 1;
    for (struct ex_child *c = x->running_list; c != NULL; c = c->next) {
        c->aborted = 1;
        platform_child_kill_tree(c->proc.pid, c->group); /* exit_cb still comes */
    }
    while (x->n > 0) {
        struct ex_msg m = q_pop(x);
        xfree(m.json);
    }
    uv_timer_stop(&x->retry_timer);
    uv_close((uv_handle_t *)&x->retry_timer, timer_closed_cb);
}

/* ---- opening */

static void declare_metrics(void)
{
    metrics_declare("wsawatch_output_messages_total", METRIC_COUNTER,
                    "Messages an output delivered.");
    metrics_declare("wsawatch_output_retries_total", METRIC_COUNTER,
                    "Deliveries that failed and were tried again (5xx, 429, timeouts, no "
                    "connection).");
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
    struct exec_out *x;
    struct spool *sp;
    uv_env_item_t *items;
    int n, rc = uv_os_environ(&items, &n);

    if (rc != 0)
        return ww_err_set(err, WW_EIO, "output '%s': cannot read the environment: %s", o->cfg->name,
                          uv_strerror(rc));
    if ((rc = spool_open(&sp, o->cfg->name, c->spool_max, err)) != 0) {
        uv_os_free_environ(items, n);
        return rc;
    }
    x = xcalloc(1, sizeof(*x));
    x->spool = sp;
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
    x->retries = c->retries;
    x->backoff_ms = x->backoff_cur = c->backoff_ms ? c->backoff_ms : 1;
    x->ring = xcalloc(x->queue, sizeof(*x->ring));
    uv_timer_init(x->loop, &x->retry_timer);
    x->retry_timer.data = x;
    x->open_handles = 1;
    declare_metrics();
    o->priv = x;
    return 0;
}

static int write_exec(struct output *o, const struct out_msg *m)
{
    struct exec_out *x = o->priv;
    struct ex_msg copy = {NULL, m->len, m->kind, 0, EXEC_NO_SPOOL};
    char *rec = xmalloc(m->len + 1);
    int rc;

    rec[0] = m->kind == MSG_ALERT ? 'a' : 'e';
    memcpy(rec + 1, m->json, m->len);
    rc = spool_append(x->spool, rec, m->len + 1);
    xfree(rec);
    if (rc != 0) { /* the spool cannot be written: the durable flush fails, offsets wait */
        copy.json = xmalloc(m->len ? m->len : 1);
        memcpy(copy.json, m->json, m->len);
        while (x->n >= x->queue)
            drop_oldest(x);
        q_push(x, copy);
    }
    pump(x);
    return 0;
}

/* The spool is the durable point: durable flush fsyncs it. */
static int flush_exec(struct output *o, int durable, struct ww_err *err)
{
    struct exec_out *x = o->priv;

    pump(x);
    return durable ? spool_sync(x->spool, err) : 0;
}

/* ---- configuration */

static const struct yfield fields[] = {
    {"command", Y_SEQ, 1,
     "program (absolute path) and its arguments, run without a shell, the message on its "
     "standard input",
     NULL, NULL},
    {"timeout", Y_STR, 0, "a program still running after this is killed", "10s", NULL},
    {"max_running", Y_INT, 0, "programs running at once", "4", NULL},
    {"queue", Y_INT, 0, "messages read back from the spool and waiting in memory", "100", NULL},
    {"retries", Y_STR, 0,
     "times a message whose program failed is run again before it is given up (and counted); forever keeps it "
     "in the spool until it is delivered (run --once then gives up after 5)",
     "forever", NULL},
    {"backoff", Y_STR, 0, "first wait before a retry, doubled each time", "1s", NULL},
    {"spool_max", Y_STR, 0,
     "bytes the on-disk spool holds at most; past it the oldest messages are dropped", "64MiB",
     NULL},
};
enum { F_COMMAND, F_TIMEOUT, F_MAX_RUNNING, F_QUEUE, F_RETRIES, F_BACKOFF, F_SPOOL_MAX };

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
    c->backoff_ms = config_default_duration(&fields[F_BACKOFF]);
    o->kind_cfg = c;
    if (v[F_COMMAND] != NULL)
        errors += parse_command(c, y, v[F_COMMAND], d);
    errors += config_get_duration(y, v[F_TIMEOUT], "timeout", 1, &c->timeout_ms, d);
    errors += config_get_count(y, v[F_MAX_RUNNING], "max_running", 1, EXEC_LIMIT,
                               &c->max_running, d);
    errors += config_get_count(y, v[F_QUEUE], "queue", 1, EXEC_LIMIT, &c->queue, d);
    errors += config_get_retries(y, v[F_RETRIES], &fields[F_RETRIES], EXEC_LIMIT, &c->retries, d);
    errors += config_get_duration(y, v[F_BACKOFF], "backoff", 1, &c->backoff_ms, d);
    errors += spool_config_max(y, v[F_SPOOL_MAX], &fields[F_SPOOL_MAX], &c->spool_max, d);
    return errors;
}

static const struct output_ops ops = {open_exec, write_exec, flush_exec, NULL, close_exec};

const struct output_kind out_exec_kind = {
    "exec", fields, sizeof(fields) / sizeof(fields[0]), parse_exec, free_exec_cfg, &ops};
