/*
 * The webhook output: each message's JSON POSTed to an HTTP(S) URL with
 * libcurl's multi interface driven by the daemon's libuv loop (a uv_poll_t per
 * socket curl opens, a uv_timer_t for curl's timeout), so it never blocks the
 * loop. write() copies the message into a bounded queue; when the queue is
 * full the oldest waiting message is dropped (the newest tell the state of
 * things best) and counted. At most WH_INFLIGHT requests run at once. A 2xx
 * answer is success; 5xx, 429, connection errors and timeouts are retried
 * with a backoff that doubles (capped at 5 minutes) during which the whole
 * output waits, until it is delivered or `retries` runs out (forever by
 * default: spool_give_up); other answers are
 * permanent failures. Every message goes first to the output's spool
 * (spool.c), which is its durable point: the durable flush fsyncs it, and the
 * queue in memory is a window of what was read back from it to send. A
 * message is done in the spool when delivered or given up. close() closes the
 * spool at once and aborts what is in flight (the next instance sends it
 * again: at most WH_INFLIGHT repeats) and frees its memory once every handle
 * is closed. Under run --once, the first message given up after its retries
 * gives up the rest. Nothing here knows about files being followed.
 */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "metrics.h"
#include "outputs/output.h"
#include "outputs/spool.h"
#include "util/alloc.h"
#include "util/fsutil.h"
#include "util/log.h"

#define WH_INFLIGHT 4         /* requests at once */
#define WH_BACKOFF_MAX 300000 /* ms */
#define WH_CLOSE_GRACE 2000   /* ms given to in-flight requests at close */
#define WH_TOKEN_MAX 8192     /* bytes of a bearer token file */
#define WH_QUEUE_MAX 1000000

struct webhook_cfg {
    char *url;
    struct curl_slist *headers; /* "Name: value" from the config */
    char *token_file;
    char *token_env;
    int tls_verify;
    char *ca_file;
    uint64_t timeout_ms;
    uint64_t backoff_ms;
    long retries;
    size_t queue;
    uint64_t spool_max;
};

#define WH_NO_SPOOL UINT64_MAX

struct wh_msg {
    char *json; /* owned copy, not NUL-terminated */
    size_t len;
    long tries; /* attempts that failed and may be retried */
    uint64_t sid; /* its record in the spool, or WH_NO_SPOOL */
};

struct wh_req {
    struct wh_req *next;
    struct webhook *w;
    CURL *easy;
    struct wh_msg m;
    char errbuf[CURL_ERROR_SIZE];
};

struct wh_sock {
    struct wh_sock *next;
    struct webhook *w;
    uv_poll_t poll;
    curl_socket_t fd;
};

struct webhook {
    struct output *o; /* NULL once closed: o may be gone then */
    uv_loop_t *loop;
    char *name; /* copies: the config is freed on reload */
    char *url;
    char *where; /* scheme://host:port for messages: paths may hold secrets */
    char *ca_file;
    char labels[256]; /* output="NAME" */
    int tls_verify;
    uint64_t timeout_ms, backoff_ms, backoff_cur;
    long retries;
    size_t queue;
    struct curl_slist *headers; /* configured ones, content type, bearer token */
    CURLM *multi;
    uv_timer_t curl_timer;  /* curl's own timeout */
    uv_timer_t retry_timer; /* backoff */
    uv_timer_t close_timer; /* the grace at close */
    struct wh_msg *ring;    /* queue + WH_INFLIGHT slots: a retried message always fits */
    size_t cap, head, n;
    struct wh_req *reqs; /* in flight */
    int inflight;
    struct wh_sock *socks;
    int backing_off;
    long last_fail; /* HTTP status or -CURLcode of the last failure; 0: fine */
    int gave_up_logged, dropping;
    uint64_t dropped_run; /* dropped since the queue last ran empty */
    int closing, finished;
    size_t lost;      /* messages given up since close() */
    int open_handles; /* freed when the last one is closed */
    struct spool *spool; /* NULL once closed */
    int once_gave_up;    /* run --once: a message was given up, so are the rest */
};

static void pump(struct webhook *w);
static void check_done(struct webhook *w);

/* ---- the queue */

static void q_push_back(struct webhook *w, struct wh_msg m)
{
    w->ring[(w->head + w->n) % w->cap] = m;
    w->n++;
}

static void q_push_front(struct webhook *w, struct wh_msg m)
{
    w->head = (w->head + w->cap - 1) % w->cap;
    w->ring[w->head] = m;
    w->n++;
}

static struct wh_msg q_pop(struct webhook *w)
{
    struct wh_msg m = w->ring[w->head];

    w->head = (w->head + 1) % w->cap;
    w->n--;
    return m;
}

static void count(struct webhook *w, const char *metric, uint64_t *stat)
{
    metrics_add(metric, w->labels, 1);
    if (w->o != NULL && stat != NULL)
        (*stat)++;
}

static void settle(struct webhook *w, const struct wh_msg *m, int ok);

static void drop_oldest(struct webhook *w)
{
    struct wh_msg m = q_pop(w);

    settle(w, &m, 0); /* else the spool waits for it forever */
    xfree(m.json);
    count(w, "wsawatch_output_dropped_total", w->o ? &w->o->st.dropped : NULL);
    w->dropped_run++;
    if (!w->dropping)
        log_warnx("output '%s': queue full (%zu messages); dropping the oldest", w->name, w->queue);
    w->dropping = 1;
}

/* ---- outcomes */

static void describe(const struct wh_req *r, CURLcode res, long status, char *out, size_t size)
{
    if (res == CURLE_OK)
        snprintf(out, size, "HTTP %ld", status);
    else
        snprintf(out, size, "%s", r->errbuf[0] ? r->errbuf : curl_easy_strerror(res));
}

/* Logs a failure only when it differs from the last one. */
static void note_failure(struct webhook *w, const struct wh_req *r, CURLcode res, long status,
                         const char *then)
{
    long code = res == CURLE_OK ? status : -(long)res;
    char why[CURL_ERROR_SIZE + 32];

    if (code == w->last_fail)
        return;
    w->last_fail = code;
    describe(r, res, status, why, sizeof(why));
    log_warnx("output '%s': POST to %s failed: %s; %s", w->name, w->where, why, then);
}

static void settle(struct webhook *w, const struct wh_msg *m, int ok)
{
    if (w->spool != NULL && m->sid != WH_NO_SPOOL)
        spool_done(w->spool, m->sid, ok);
}

static void delivered(struct webhook *w, struct wh_req *r)
{
    count(w, "wsawatch_output_messages_total", NULL);
    settle(w, &r->m, 1);
    xfree(r->m.json);
    w->backoff_cur = w->backoff_ms;
    if (w->last_fail != 0)
        log_info("output '%s': delivering to %s again", w->name, w->where);
    w->last_fail = 0;
    w->gave_up_logged = 0;
}

static void failed(struct webhook *w, struct wh_req *r)
{
    count(w, "wsawatch_output_failures_total", w->o ? &w->o->st.failed : NULL);
    w->lost += w->closing;
    settle(w, &r->m, 0);
    xfree(r->m.json);
}

static void retry_cb(uv_timer_t *t)
{
    struct webhook *w = t->data;

    w->backing_off = 0;
    pump(w);
}

static void retry_later(struct webhook *w, struct wh_req *r, CURLcode res, long status)
{
    if (w->closing || spool_give_up(r->m.tries, w->retries)) {
        note_failure(w, r, res, status, "message given up");
        if (!w->gave_up_logged && !w->closing)
            log_warnx("output '%s': giving up on messages after %ld retries", w->name,
                      (long)r->m.tries);
        w->gave_up_logged = 1;
        w->once_gave_up = spool_once();
        failed(w, r);
        return;
    }
    note_failure(w, r, res, status, "retrying with backoff");
    count(w, "wsawatch_output_retries_total", NULL);
    r->m.tries++;
    q_push_front(w, r->m);
    if (!w->backing_off) {
        w->backing_off = 1;
        uv_timer_start(&w->retry_timer, retry_cb, w->backoff_cur, 0);
        w->backoff_cur = w->backoff_cur * 2 > WH_BACKOFF_MAX ? WH_BACKOFF_MAX : w->backoff_cur * 2;
    }
}

static void finish_request(struct webhook *w, struct wh_req *r, CURLcode res)
{
    long status = 0;

    curl_easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, &status);
    curl_multi_remove_handle(w->multi, r->easy);
    curl_easy_cleanup(r->easy);
    for (struct wh_req **pp = &w->reqs; *pp != NULL; pp = &(*pp)->next)
        if (*pp == r) {
            *pp = r->next;
            break;
        }
    w->inflight--;
    if (res == CURLE_OK && status >= 200 && status < 300)
        delivered(w, r);
    else if (res == CURLE_OK && status != 408 && status != 429 && status < 500) {
        /* retrying cannot change the answer: done, and counted */
        note_failure(w, r, res, status, "message rejected");
        count(w, "wsawatch_output_failures_total", w->o ? &w->o->st.failed : NULL);
        if (w->spool != NULL && r->m.sid != WH_NO_SPOOL)
            spool_rejected(w->spool, r->m.sid);
        xfree(r->m.json);
    } else
        retry_later(w, r, res, status);
    xfree(r);
}

/* ---- requests */

static size_t discard_cb(char *p, size_t size, size_t n, void *ctx)
{
    (void)p, (void)ctx;
    return size * n;
}

static int setup_easy(struct webhook *w, struct wh_req *r)
{
    CURL *e = r->easy;
    int bad = 0;

    bad |= curl_easy_setopt(e, CURLOPT_URL, w->url) != CURLE_OK;
    bad |= curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https") != CURLE_OK;
    bad |= curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)r->m.len) != CURLE_OK;
    bad |= curl_easy_setopt(e, CURLOPT_POSTFIELDS, r->m.json) != CURLE_OK;
    bad |= curl_easy_setopt(e, CURLOPT_HTTPHEADER, w->headers) != CURLE_OK;
    bad |= curl_easy_setopt(e, CURLOPT_USERAGENT, "wsawatch/" WSAWATCH_VERSION) != CURLE_OK;
    bad |= curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)w->timeout_ms) != CURLE_OK;
    bad |= curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L) != CURLE_OK;
    bad |= curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, (long)w->tls_verify) != CURLE_OK;
    bad |= curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, w->tls_verify ? 2L : 0L) != CURLE_OK;
    if (w->ca_file != NULL)
        bad |= curl_easy_setopt(e, CURLOPT_CAINFO, w->ca_file) != CURLE_OK;
    bad |= curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, discard_cb) != CURLE_OK;
    bad |= curl_easy_setopt(e, CURLOPT_ERRORBUFFER, r->errbuf) != CURLE_OK;
    bad |= curl_easy_setopt(e, CURLOPT_PRIVATE, r) != CURLE_OK;
    return bad ? WW_EINVAL : 0;
}

static int start_request(struct webhook *w, struct wh_req *r)
{
    r->w = w;
    r->easy = curl_easy_init();
    if (r->easy == NULL || setup_easy(w, r) != 0 ||
        curl_multi_add_handle(w->multi, r->easy) != CURLM_OK) {
        if (r->easy != NULL)
            curl_easy_cleanup(r->easy);
        return WW_EINVAL;
    }
    r->next = w->reqs;
    w->reqs = r;
    w->inflight++;
    return 0;
}

/* Reads what the spool holds into the window, in order. */
static void top_up(struct webhook *w)
{
    struct wh_msg m = {0};

    while (w->spool != NULL && !w->closing && w->n < w->queue &&
           spool_next(w->spool, &m.json, &m.len, &m.sid) == 1)
        q_push_back(w, m);
}

/* run --once, a message given up: the receiver is taken for down. */
static void give_up_rest(struct webhook *w)
{
    top_up(w);
    while (w->n > 0) {
        struct wh_req r = {.m = q_pop(w)};
        failed(w, &r);
        top_up(w);
    }
}

static void pump(struct webhook *w)
{
    if (w->once_gave_up && !w->closing)
        give_up_rest(w);
    top_up(w);
    while (!w->finished && w->n > 0 && w->inflight < WH_INFLIGHT &&
           (!w->backing_off || w->closing)) {
        struct wh_req *r = xcalloc(1, sizeof(*r));

        r->m = q_pop(w);
        if (start_request(w, r) != 0) {
            log_warnx("output '%s': cannot start a request to %s", w->name, w->where);
            failed(w, r);
            xfree(r);
        }
    }
    if (w->n == 0 && w->dropping) {
        log_info("output '%s': queue drained; %llu messages had been dropped", w->name,
                 (unsigned long long)w->dropped_run);
        w->dropping = 0;
        w->dropped_run = 0;
    }
}

/* ---- curl's sockets and timer on the loop */

static void webhook_free(struct webhook *w)
{
    curl_slist_free_all(w->headers);
    xfree(w->ring);
    xfree(w->name);
    xfree(w->url);
    xfree(w->where);
    xfree(w->ca_file);
    xfree(w);
}

/* The webhook is freed with its last handle. */
static void handle_gone(struct webhook *w)
{
    if (--w->open_handles == 0)
        webhook_free(w);
}

static void timer_closed_cb(uv_handle_t *h)
{
    handle_gone(h->data);
}

static void sock_closed_cb(uv_handle_t *h)
{
    struct wh_sock *k = h->data;
    struct webhook *w = k->w;

    xfree(k);
    handle_gone(w);
}

static void sock_close(struct webhook *w, struct wh_sock *k)
{
    for (struct wh_sock **pp = &w->socks; *pp != NULL; pp = &(*pp)->next)
        if (*pp == k) {
            *pp = k->next;
            break;
        }
    uv_poll_stop(&k->poll);
    uv_close((uv_handle_t *)&k->poll, sock_closed_cb);
}

static void poll_cb(uv_poll_t *h, int status, int events)
{
    struct wh_sock *k = h->data;
    struct webhook *w = k->w;
    int flags = 0, running;

    if (status < 0)
        flags = CURL_CSELECT_ERR;
    if (events & UV_READABLE)
        flags |= CURL_CSELECT_IN;
    if (events & UV_WRITABLE)
        flags |= CURL_CSELECT_OUT;
    curl_multi_socket_action(w->multi, k->fd, flags, &running); /* may close k */
    check_done(w);
}

static struct wh_sock *sock_new(struct webhook *w, curl_socket_t fd)
{
    struct wh_sock *k = xcalloc(1, sizeof(*k));

    if (uv_poll_init_socket(w->loop, &k->poll, fd) != 0) {
        xfree(k);
        return NULL;
    }
    k->w = w;
    k->fd = fd;
    k->poll.data = k;
    k->next = w->socks;
    w->socks = k;
    w->open_handles++;
    return k;
}

static int socket_cb(CURL *e, curl_socket_t fd, int what, void *userp, void *socketp)
{
    struct webhook *w = userp;
    struct wh_sock *k = socketp;
    int events = 0;

    (void)e;
    if (what == CURL_POLL_REMOVE) {
        if (k != NULL)
            sock_close(w, k);
        if (!w->finished)
            curl_multi_assign(w->multi, fd, NULL);
        return 0;
    }
    if (k == NULL && (k = sock_new(w, fd)) == NULL)
        return -1;
    curl_multi_assign(w->multi, fd, k);
    events |= (what & CURL_POLL_IN) ? UV_READABLE : 0;
    events |= (what & CURL_POLL_OUT) ? UV_WRITABLE : 0;
    uv_poll_start(&k->poll, events, poll_cb);
    return 0;
}

static void curl_timer_cb(uv_timer_t *t)
{
    struct webhook *w = t->data;
    int running;

    curl_multi_socket_action(w->multi, CURL_SOCKET_TIMEOUT, 0, &running);
    check_done(w);
}

static int timer_cb(CURLM *multi, long timeout_ms, void *userp)
{
    struct webhook *w = userp;

    (void)multi;
    if (timeout_ms < 0)
        uv_timer_stop(&w->curl_timer);
    else
        uv_timer_start(&w->curl_timer, curl_timer_cb, (uint64_t)timeout_ms, 0);
    return 0;
}

/* ---- closing */

static void finish(struct webhook *w)
{
    uv_handle_t *timers[3] = {(uv_handle_t *)&w->curl_timer, (uv_handle_t *)&w->retry_timer,
                              (uv_handle_t *)&w->close_timer};
    size_t lost = w->lost + (size_t)w->inflight + w->n;
    int kept = w->spool != NULL; /* what was not done stays in the spool */

    spool_close(w->spool);
    w->spool = NULL;
    if (kept)
        lost = w->lost;
    if (lost > 0)
        log_warnx("output '%s': closing: %zu messages not delivered to %s", w->name, lost,
                  w->where);
    while (w->reqs != NULL) {
        struct wh_req *r = w->reqs;
        w->reqs = r->next;
        curl_multi_remove_handle(w->multi, r->easy);
        curl_easy_cleanup(r->easy);
        kept ? xfree(r->m.json) : failed(w, r);
        xfree(r);
    }
    while (w->n > 0) {
        struct wh_req r = {.m = q_pop(w)};
        kept ? xfree(r.m.json) : failed(w, &r);
    }
    w->finished = 1;
    curl_multi_cleanup(w->multi); /* may still report sockets removed */
    while (w->socks != NULL)
        sock_close(w, w->socks);
    for (size_t i = 0; i < 3; i++)
        uv_close(timers[i], timer_closed_cb);
}

static void check_done(struct webhook *w)
{
    CURLMsg *msg;
    int left;

    if (w->finished)
        return;
    while ((msg = curl_multi_info_read(w->multi, &left)) != NULL) {
        struct wh_req *r = NULL;
        if (msg->msg != CURLMSG_DONE)
            continue;
        curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&r);
        finish_request(w, r, msg->data.result);
    }
    pump(w);
    if (w->closing && w->inflight == 0 && w->n == 0)
        finish(w);
}

static void deadline_cb(uv_timer_t *t)
{
    finish(t->data);
}

static void close_webhook(struct output *o)
{
    struct webhook *w = o->priv;

    if (w == NULL)
        return;
    o->priv = NULL;
    w->o = NULL;
    w->closing = 1;
    w->backing_off = 0;
    uv_timer_stop(&w->retry_timer);
    if (w->spool != NULL) {
        if (w->inflight + w->n > 0)
            log_info("output '%s': closing: %zu messages kept in the spool for the next start",
                     w->name, (size_t)w->inflight + w->n);
        finish(w); /* the spool keeps what is not delivered */
        return;
    }
    uv_timer_start(&w->close_timer, deadline_cb, WH_CLOSE_GRACE, 0);
    check_done(w);
}

/* ---- opening */

/* "Authorization: Bearer <token>" from the file or the environment. */
static int bearer_header(const struct webhook_cfg *c, const char *name, char **out,
                         struct ww_err *err)
{
    char *tok = NULL;
    size_t len = 0;

    *out = NULL;
    if (c->token_file != NULL) {
        if (fs_read_all(c->token_file, WH_TOKEN_MAX, &tok, &len, err) != 0)
            return WW_EIO;
    } else if (c->token_env != NULL) {
        const char *v = getenv(c->token_env);
        if (v == NULL || *v == '\0')
            return ww_err_set(err, WW_ECONFIG, "output '%s': environment variable %s is not set",
                              name, c->token_env);
        tok = xstrdup(v);
        len = strlen(tok);
    } else {
        return 0;
    }
    while (len > 0 && (tok[len - 1] == '\n' || tok[len - 1] == '\r' || tok[len - 1] == ' '))
        tok[--len] = '\0';
    if (len == 0 || strpbrk(tok, "\r\n") != NULL) {
        xfree(tok);
        return ww_err_set(err, WW_ECONFIG,
                          "output '%s': the bearer token is empty or has "
                          "line breaks",
                          name);
    }
    *out = xasprintf("Authorization: Bearer %s", tok);
    memset(tok, 0, len);
    xfree(tok);
    return 0;
}

static int make_headers(struct webhook *w, const struct webhook_cfg *c, struct ww_err *err)
{
    static const char *const fixed[] = {"Content-Type: application/json", "Expect:"};
    char *auth;
    int rc = bearer_header(c, w->name, &auth, err);

    if (rc != 0)
        return rc;
    for (const struct curl_slist *h = c->headers; h != NULL; h = h->next)
        w->headers = curl_slist_append(w->headers, h->data);
    for (size_t i = 0; i < 2; i++)
        w->headers = curl_slist_append(w->headers, fixed[i]);
    if (auth != NULL) {
        w->headers = curl_slist_append(w->headers, auth);
        memset(auth, 0, strlen(auth));
        xfree(auth);
    }
    return w->headers != NULL ? 0 : WW_ENOMEM;
}

/* scheme://host[:port] of url, for messages. */
static char *url_where(const char *url)
{
    CURLU *u = curl_url();
    char *s = NULL, *h = NULL, *p = NULL, *out;

    curl_url_set(u, CURLUPART_URL, url, 0);
    curl_url_get(u, CURLUPART_SCHEME, &s, 0);
    curl_url_get(u, CURLUPART_HOST, &h, 0);
    curl_url_get(u, CURLUPART_PORT, &p, 0);
    out = xasprintf("%s://%s%s%s", s ? s : "?", h ? h : "?", p ? ":" : "", p ? p : "");
    curl_free(s), curl_free(h), curl_free(p);
    curl_url_cleanup(u);
    return out;
}

static struct webhook *webhook_new(struct output *o, const struct webhook_cfg *c)
{
    struct webhook *w = xcalloc(1, sizeof(*w));

    w->o = o;
    w->loop = o->loop;
    w->name = xstrdup(o->cfg->name);
    w->url = xstrdup(c->url);
    w->where = url_where(c->url);
    w->ca_file = c->ca_file ? xstrdup(c->ca_file) : NULL;
    w->tls_verify = c->tls_verify;
    w->timeout_ms = c->timeout_ms;
    w->backoff_ms = w->backoff_cur = c->backoff_ms ? c->backoff_ms : 1;
    w->retries = c->retries;
    w->queue = c->queue;
    w->cap = c->queue + WH_INFLIGHT;
    w->ring = xcalloc(w->cap, sizeof(*w->ring));
    metrics_label(w->labels, 0, sizeof(w->labels), "output", w->name);
    return w;
}

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

static int start_multi(struct webhook *w)
{
    static int global_done;

    if (!global_done && curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
        return WW_EINVAL;
    global_done = 1;
    if ((w->multi = curl_multi_init()) == NULL)
        return WW_ENOMEM;
    curl_multi_setopt(w->multi, CURLMOPT_SOCKETFUNCTION, socket_cb);
    curl_multi_setopt(w->multi, CURLMOPT_SOCKETDATA, w);
    curl_multi_setopt(w->multi, CURLMOPT_TIMERFUNCTION, timer_cb);
    curl_multi_setopt(w->multi, CURLMOPT_TIMERDATA, w);
    uv_timer_init(w->loop, &w->curl_timer);
    uv_timer_init(w->loop, &w->retry_timer);
    uv_timer_init(w->loop, &w->close_timer);
    w->curl_timer.data = w->retry_timer.data = w->close_timer.data = w;
    w->open_handles = 3;
    return 0;
}

static int open_webhook(struct output *o, struct ww_err *err)
{
    const struct webhook_cfg *c = o->cfg->kind_cfg;
    struct webhook *w = webhook_new(o, c);
    int rc = make_headers(w, c, err);

    if (rc == 0 && (rc = start_multi(w)) != 0)
        ww_err_set(err, rc, "output '%s': cannot set up libcurl", w->name);
    if (rc == 0)
        rc = spool_open(&w->spool, w->name, c->spool_max, err);
    if (rc != 0) {
        if (w->multi != NULL)
            curl_multi_cleanup(w->multi);
        if (w->open_handles > 0) { /* the timers: freed with the last */
            w->finished = 1;
            uv_close((uv_handle_t *)&w->curl_timer, timer_closed_cb);
            uv_close((uv_handle_t *)&w->retry_timer, timer_closed_cb);
            uv_close((uv_handle_t *)&w->close_timer, timer_closed_cb);
            return rc;
        }
        webhook_free(w); /* no handle was made yet */
        return rc;
    }
    declare_metrics();
    o->priv = w;
    return 0;
}

static int write_webhook(struct output *o, const struct out_msg *m)
{
    struct webhook *w = o->priv;
    struct wh_msg copy = {NULL, m->len, 0, WH_NO_SPOOL};

    if (spool_append(w->spool, m->json, m->len) == 0) {
        pump(w);
        return 0;
    }
    /* the spool cannot be written: the durable flush fails, offsets wait */
    copy.json = xmalloc(m->len ? m->len : 1);
    memcpy(copy.json, m->json, m->len);
    while (w->n >= w->queue)
        drop_oldest(w);
    q_push_back(w, copy);
    pump(w);
    return 0;
}

/* The spool is the durable point: durable flush fsyncs it. */
static int flush_webhook(struct output *o, int durable, struct ww_err *err)
{
    struct webhook *w = o->priv;

    pump(w);
    return durable ? spool_sync(w->spool, err) : 0;
}

/* ---- configuration */

static const struct yfield fields[] = {
    {"url", Y_STR, 1, "http:// or https:// URL messages are POSTed to", NULL, NULL},
    {"headers", Y_MAP, 0, "extra request headers, name: value", NULL, NULL},
    {"bearer_token_file", Y_STR, 0, "file holding a bearer token, read at start", NULL, NULL},
    {"bearer_token_env", Y_STR, 0, "environment variable holding a bearer token", NULL, NULL},
    {"tls_verify", Y_BOOL, 0, "check the server's certificate", "true", NULL},
    {"ca_file", Y_STR, 0, "CA certificates (PEM) to check the server with", NULL, NULL},
    {"timeout", Y_STR, 0, "time allowed for one request", "10s", NULL},
    {"retries", Y_STR, 0,
     "times a failed message is retried before it is given up (and counted); forever keeps it "
     "in the spool until it is delivered (run --once then gives up after 5)",
     "forever", NULL},
    {"backoff", Y_STR, 0, "first wait before a retry, doubled each time, at most 5 minutes",
     "1s", NULL},
    {"queue", Y_INT, 0, "messages read back from the spool and waiting in memory", "1000", NULL},
    {"spool_max", Y_STR, 0,
     "bytes the on-disk spool holds at most; past it the oldest messages are dropped", "64MiB",
     NULL},
};
enum {
    F_URL,
    F_HEADERS,
    F_TOKEN_FILE,
    F_TOKEN_ENV,
    F_TLS,
    F_CA,
    F_TIMEOUT,
    F_RETRIES,
    F_BACKOFF,
    F_QUEUE,
    F_SPOOL_MAX
};

static int parse_url(struct webhook_cfg *c, struct ydoc *y, yaml_node_t *v, struct diag *d)
{
    CURLU *u = curl_url();
    char *scheme = NULL;
    CURLUcode uc = u != NULL ? curl_url_set(u, CURLUPART_URL, ydoc_str(v), CURLU_NON_SUPPORT_SCHEME)
                             : CURLUE_OUT_OF_MEMORY;
    int bad = 0;

    if (uc == CURLUE_OUT_OF_MEMORY)
        bad = diag_oom(d);
    else if (uc != CURLUE_OK)
        ydoc_error(y, v, d, "'url': %s: %s", ydoc_str(v), curl_url_strerror(uc)), bad = 1;
    else if (curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
             (strcmp(scheme, "http") != 0 && strcmp(scheme, "https") != 0))
        ydoc_error(y, v, d, "'url' must be http:// or https://, not %s", ydoc_str(v)), bad = 1;
    curl_free(scheme);
    curl_url_cleanup(u);
    if (!bad && (c->url = try_strdup(ydoc_str(v))) == NULL)
        bad = diag_oom(d);
    return bad;
}

static int parse_headers(struct webhook_cfg *c, struct ydoc *y, yaml_node_t *v, struct diag *d)
{
    int errors = 0;

    for (yaml_node_pair_t *p = v->data.mapping.pairs.start; p < v->data.mapping.pairs.top; p++) {
        yaml_node_t *k = ydoc_node(y, p->key), *val = ydoc_node(y, p->value);
        const char *name = ydoc_str(k), *value = ydoc_str(val);
        struct curl_slist *list;
        char *line;

        if (val->type != YAML_SCALAR_NODE || *name == '\0' || strpbrk(name, ": \t\r\n") ||
            strpbrk(value, "\r\n")) {
            ydoc_error(y, k, d, "'headers': '%s' is not a header name with a one-line value", name);
            errors++;
            continue;
        }
        line = try_asprintf("%s: %s", name, value);
        list = line != NULL ? curl_slist_append(c->headers, line) : NULL;
        xfree(line);
        if (list == NULL)
            return errors + diag_oom(d); /* curl_slist_append left the list as it was */
        c->headers = list;
    }
    return errors;
}

static int parse_tls(struct webhook_cfg *c, struct ydoc *y, yaml_node_t **v, struct diag *d)
{
    if (v[F_TLS] != NULL && ydoc_bool(v[F_TLS], &c->tls_verify) != 0)
        return 1; /* cannot happen: ydoc_map checked the type */
    if ((v[F_CA] != NULL && (c->ca_file = try_strdup(ydoc_str(v[F_CA]))) == NULL) ||
        (v[F_TOKEN_FILE] != NULL &&
         (c->token_file = try_strdup(ydoc_str(v[F_TOKEN_FILE]))) == NULL) ||
        (v[F_TOKEN_ENV] != NULL && (c->token_env = try_strdup(ydoc_str(v[F_TOKEN_ENV]))) == NULL))
        return diag_oom(d);
    if (v[F_TOKEN_FILE] != NULL && v[F_TOKEN_ENV] != NULL) {
        ydoc_error(y, v[F_TOKEN_ENV], d, "use bearer_token_file or bearer_token_env, not both");
        return 1;
    }
    return 0;
}

static void free_webhook_cfg(void *p)
{
    struct webhook_cfg *c = p;

    curl_slist_free_all(c->headers);
    xfree(c->url);
    xfree(c->token_file);
    xfree(c->token_env);
    xfree(c->ca_file);
    xfree(c);
}

static int parse_webhook(struct cfg_output *o, struct ydoc *y, yaml_node_t *node, yaml_node_t **v,
                         struct diag *d)
{
    struct webhook_cfg *c = try_calloc(1, sizeof(*c));
    long queue = config_default_count(&fields[F_QUEUE]);
    int errors = 0;

    (void)node;
    if (c == NULL)
        return diag_oom(d);
    c->tls_verify = config_default_bool(&fields[F_TLS]);
    c->timeout_ms = config_default_duration(&fields[F_TIMEOUT]);
    c->backoff_ms = config_default_duration(&fields[F_BACKOFF]);
    o->kind_cfg = c;
    if (v[F_URL] != NULL)
        errors += parse_url(c, y, v[F_URL], d);
    if (v[F_HEADERS] != NULL)
        errors += parse_headers(c, y, v[F_HEADERS], d);
    errors += parse_tls(c, y, v, d);
    errors += config_get_duration(y, v[F_TIMEOUT], "timeout", 1, &c->timeout_ms, d);
    errors += config_get_duration(y, v[F_BACKOFF], "backoff", 1, &c->backoff_ms, d);
    errors += config_get_retries(y, v[F_RETRIES], &fields[F_RETRIES], WH_QUEUE_MAX, &c->retries, d);
    errors += config_get_count(y, v[F_QUEUE], "queue", 1, WH_QUEUE_MAX, &queue, d);
    c->queue = (size_t)queue;
    errors += spool_config_max(y, v[F_SPOOL_MAX], &fields[F_SPOOL_MAX], &c->spool_max, d);
    return errors;
}

static const struct output_ops ops = {open_webhook, write_webhook, flush_webhook, NULL,
                                      close_webhook};

const struct output_kind out_webhook_kind = {
    "webhook", fields, sizeof(fields) / sizeof(fields[0]), parse_webhook, free_webhook_cfg, &ops};
