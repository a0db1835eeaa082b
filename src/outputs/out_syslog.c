/*
 * The syslog output: each event or alert becomes one syslog message, sent to
 * the local syslog daemon or to a remote collector, without ever blocking the
 * loop. Remote messages are RFC 5424:
 *
 *   <PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID - MSG
 *
 * PRI is facility * 8 + the message's severity; TIMESTAMP is UTC with
 * milliseconds ("2026-11-24T20:30:01.123Z"); PROCID the pid; MSGID "event" or
 * "alert"; STRUCTURED-DATA is "-" (a private SD-ID would need an IANA
 * enterprise number, and the JSON carries every field); MSG is UTF-8 without
 * BOM: the one-line summary (control characters made spaces), a space, then
 * the event's JSON. udp:// sends one datagram per message, tcp:// frames them
 * by octet counting (RFC 6587 3.4.1, "LEN SP MSG"). The local daemon (address
 * `local`, /dev/log; or `unix:PATH`) gets the format syslog(3) writes,
 * "<PRI>Mmm dd hh:mm:ss APP-NAME[PID]: MSG", because journald and rsyslog's
 * imuxsock parse that one and misread RFC 5424 on that socket. Each message,
 * formatted, goes first to the output's spool (spool.c), its durable point:
 * the durable flush fsyncs it. A bounded queue in memory holds what was read
 * back from the spool until the transport took it (a TCP write completed, a
 * datagram sent), when it is done in the spool; a message the kernel accepted
 * but a dying connection lost is gone (plain syslog has no acknowledgement).
 * close() closes the spool at once: the next instance sends what was not
 * taken. Under run --once, SYSLOG_ONCE_TRIES failed connections give up
 * every message. A collector that accepts and never reads fills the socket
 * buffers, then the queue, then the spool, and never blocks the loop. It
 * knows nothing of files or events.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <uv.h>

#include "event.h"
#include "metrics.h"
#include "outputs/output.h"
#include "outputs/spool.h"
#include "platform/platform.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/log.h"

#define SYSLOG_DGRAM_MAX 60000u /* a datagram's cap: IPv4 UDP carries 65507 */
#define SYSLOG_MSG_MAX (4u << 20)
#define SYSLOG_QUEUE_MAX 1000000
#define SYSLOG_RETRY_MIN_MS 500
#define SYSLOG_RETRY_MAX_MS 30000
#define SYSLOG_CLOSE_MS 2000   /* how long close() goes on sending */
#define SYSLOG_BATCH 64        /* messages per TCP write */
#define DROPPED_METRIC "wsawatch_output_dropped_total"
#define SYSLOG_ONCE_TRIES 3    /* run --once: failed connections before giving up */
#define SYSLOG_NO_SPOOL UINT64_MAX

enum transport { T_LOCAL, T_UDP, T_TCP };

struct syslog_cfg {
    enum transport transport;
    char *address;  /* as configured, for messages */
    char *path;     /* T_LOCAL: the datagram socket */
    char *host;     /* T_UDP, T_TCP */
    char *port;
    int facility;
    char *app_name;
    char *hostname; /* NULL: the host's name */
    size_t queue;
    uint64_t spool_max;
};

enum link { L_DOWN, L_RESOLVING, L_CONNECTING, L_UP, L_DROPPING };

struct qmsg {
    char *p;      /* owned: the bytes as sent (TCP: with the length prefix) */
    size_t len;
    uint64_t seq;
    uint64_t sid;               /* its record in the spool, or SYSLOG_NO_SPOOL */
};

struct syslog_out {
    char *name;                 /* owned copy: the output is gone after close */
    char *address;              /* owned: the collector or the socket's path */
    char *rhost, *rport;        /* owned: the collector's host and port */
    enum transport transport;
    uv_loop_t *loop;
    int facility;
    char app[49], host[256], pid[24];
    struct qmsg *q;             /* ring of cap messages, head first */
    size_t cap, head, count;
    size_t nsent;               /* from head, handed to libuv and not yet done */
    uint64_t next_seq;
    enum link state;
    uv_getaddrinfo_t gai;
    int gai_pending;
    struct sockaddr_storage addr;
    uv_udp_t udp;
    uv_tcp_t tcp;
    int tcp_open;               /* tcp initialised and not yet closed */
    uv_connect_t conn;
    uv_timer_t timer;           /* retry; after close(), the deadline */
    int fd;                     /* T_LOCAL socket, or -1 */
    int handles;                /* libuv handles open: freed when 0 */
    unsigned retry_ms;
    int closing, dead;          /* close() called; handles being closed */
    int down_logged, full_logged;
    uint64_t dropped_run;       /* dropped since the queue last drained */
    char labels[300];           /* output="NAME" */
    struct buf fmt;
    struct spool *spool;        /* NULL once closed */
    int once_fails;             /* run --once: connections that failed */
    int once_gave_up;
};

struct send_req {
    union {
        uv_write_t w;
        uv_udp_send_t u;
    } r;
    struct syslog_out *s;
    uint64_t last; /* seq of the last message it carries */
};

static void pump(struct syslog_out *s);
static void start_link(struct syslog_out *s);
static const char *default_app_name(void);

/* ---- the queue */

static struct qmsg *at(struct syslog_out *s, size_t i)
{
    return &s->q[(s->head + i) % s->cap];
}

/* Forgets the messages up to seq, which the transport took. */
static void pop_through(struct syslog_out *s, uint64_t seq)
{
    while (s->count > 0 && at(s, 0)->seq <= seq) {
        if (s->spool != NULL && at(s, 0)->sid != SYSLOG_NO_SPOOL)
            spool_done(s->spool, at(s, 0)->sid, 1);
        xfree(at(s, 0)->p);
        s->head = (s->head + 1) % s->cap;
        s->count--;
        if (s->nsent > 0)
            s->nsent--;
    }
    if (s->count == 0 && s->full_logged && !s->dead) {
        log_info("output '%s': %s: queue drained; %llu messages had been dropped", s->name,
                 s->address, (unsigned long long)s->dropped_run);
        s->full_logged = 0;
        s->dropped_run = 0;
    }
}

static void maybe_free(struct syslog_out *s)
{
    if (!s->dead || s->handles > 0 || s->gai_pending)
        return;
    while (s->count > 0)
        pop_through(s, at(s, 0)->seq);
    xfree(s->q);
    buf_free(&s->fmt);
    xfree(s->name);
    xfree(s->address);
    xfree(s->rhost);
    xfree(s->rport);
    xfree(s);
}

static void handle_closed_cb(uv_handle_t *h)
{
    struct syslog_out *s = h->data;

    s->handles--;
    maybe_free(s);
}

/* Closes everything; memory goes when the last handle's callback ran. */
static void finish(struct syslog_out *s)
{
    int kept;

    if (s->dead)
        return;
    s->dead = 1;
    if (s->spool != NULL && s->count > 0)
        log_info("output '%s': %s: closing: %zu messages kept in the spool for the next start",
                 s->name, s->address, s->count);
    kept = s->spool != NULL; /* what was not taken stays in the spool */
    spool_close(s->spool);
    s->spool = NULL;
    if (!kept && s->count > s->nsent)
        log_warnx("output '%s': %s: %zu message(s) not sent before closing", s->name, s->address,
                  s->count - s->nsent);
    uv_close((uv_handle_t *)&s->timer, handle_closed_cb);
    if (s->transport == T_UDP)
        uv_close((uv_handle_t *)&s->udp, handle_closed_cb);
    if (s->tcp_open && !uv_is_closing((uv_handle_t *)&s->tcp))
        uv_close((uv_handle_t *)&s->tcp, handle_closed_cb);
    if (s->gai_pending)
        (void)uv_cancel((uv_req_t *)&s->gai);
    if (s->fd >= 0)
        platform_syslog_local_close(s->fd);
    s->fd = -1;
    maybe_free(s);
}

/* ---- link state */

static void note_failure(struct syslog_out *s, int rc)
{
    if (s->down_logged) {
        log_debug("output '%s': %s: %s", s->name, s->address, uv_strerror(rc));
        return;
    }
    s->down_logged = 1;
    log_warnx("output '%s': %s: %s; up to %zu messages wait while retrying", s->name, s->address,
              uv_strerror(rc), s->cap);
}

static void link_up(struct syslog_out *s)
{
    s->state = L_UP;
    s->retry_ms = SYSLOG_RETRY_MIN_MS;
    if (s->down_logged)
        log_info("output '%s': %s: connected", s->name, s->address);
    s->down_logged = 0;
}

static void timer_cb(uv_timer_t *t)
{
    struct syslog_out *s = t->data;

    if (s->closing) {
        finish(s); /* the deadline */
        return;
    }
    if (s->state == L_DOWN)
        start_link(s);
    else
        pump(s);
}

static void give_up_rest(struct syslog_out *s);

static void retry_later(struct syslog_out *s)
{
    if (s->closing) {
        finish(s);
        return;
    }
    if (spool_once() && ++s->once_fails >= SYSLOG_ONCE_TRIES && !s->once_gave_up) {
        log_warnx("output '%s': %s: giving up after %d attempts (run --once)", s->name,
                  s->address, s->once_fails);
        s->once_gave_up = 1;
        give_up_rest(s);
    }
    uv_timer_start(&s->timer, timer_cb, s->retry_ms, 0);
    s->retry_ms = s->retry_ms * 2 > SYSLOG_RETRY_MAX_MS ? SYSLOG_RETRY_MAX_MS : s->retry_ms * 2;
}

static void tcp_closed_cb(uv_handle_t *h)
{
    struct syslog_out *s = h->data;

    s->handles--;
    s->tcp_open = 0;
    s->nsent = 0; /* every write callback has run: resend what is left */
    s->state = L_DOWN;
    if (s->dead)
        maybe_free(s);
    else
        retry_later(s);
}

static void drop_tcp(struct syslog_out *s, int rc)
{
    note_failure(s, rc);
    s->state = L_DROPPING;
    if (s->tcp_open && !uv_is_closing((uv_handle_t *)&s->tcp))
        uv_close((uv_handle_t *)&s->tcp, tcp_closed_cb);
}

/* ---- TCP */

static void read_alloc_cb(uv_handle_t *h, size_t hint, uv_buf_t *b)
{
    static char sink[256]; /* a collector says nothing; read only to see it close */

    (void)h, (void)hint;
    *b = uv_buf_init(sink, sizeof(sink));
}

static void read_cb(uv_stream_t *st, ssize_t n, const uv_buf_t *b)
{
    struct syslog_out *s = st->data;

    (void)b;
    if (n < 0 && !s->dead && s->state == L_UP)
        drop_tcp(s, n == UV_EOF ? UV_ECONNRESET : (int)n);
}

static void connected_cb(uv_connect_t *req, int status)
{
    struct syslog_out *s = req->data;

    if (s->dead || s->state != L_CONNECTING)
        return;
    if (status < 0) {
        drop_tcp(s, status);
        return;
    }
    link_up(s);
    (void)uv_tcp_keepalive(&s->tcp, 1, 60);
    (void)uv_read_start((uv_stream_t *)&s->tcp, read_alloc_cb, read_cb);
    pump(s);
}

static void tcp_connect(struct syslog_out *s)
{
    int rc;

    uv_tcp_init(s->loop, &s->tcp);
    s->tcp.data = s;
    s->tcp_open = 1;
    s->handles++;
    s->conn.data = s;
    s->state = L_CONNECTING;
    rc = uv_tcp_connect(&s->conn, &s->tcp, (const struct sockaddr *)&s->addr, connected_cb);
    if (rc < 0)
        drop_tcp(s, rc);
}

static void resolved_cb(uv_getaddrinfo_t *req, int status, struct addrinfo *res)
{
    struct syslog_out *s = req->data;

    s->gai_pending = 0;
    if (s->dead || status < 0) {
        uv_freeaddrinfo(res);
        if (s->dead) {
            maybe_free(s);
            return;
        }
        note_failure(s, status);
        s->state = L_DOWN;
        retry_later(s);
        return;
    }
    memcpy(&s->addr, res->ai_addr, res->ai_addrlen);
    uv_freeaddrinfo(res);
    if (s->transport == T_TCP) {
        tcp_connect(s);
        return;
    }
    link_up(s);
    pump(s);
}

/* (Re)connects: resolves the collector every time, opens the local socket. */
static void start_link(struct syslog_out *s)
{
    struct addrinfo hints;
    int rc;

    if (s->transport == T_LOCAL) {
        if ((rc = platform_syslog_local_open(s->address)) < 0) {
            note_failure(s, rc);
            retry_later(s);
            return;
        }
        s->fd = rc;
        link_up(s);
        pump(s);
        return;
    }
    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = s->transport == T_TCP ? SOCK_STREAM : SOCK_DGRAM;
    s->gai.data = s;
    s->state = L_RESOLVING;
    if ((rc = uv_getaddrinfo(s->loop, &s->gai, resolved_cb, s->rhost, s->rport, &hints)) < 0) {
        note_failure(s, rc);
        s->state = L_DOWN;
        retry_later(s);
        return;
    }
    s->gai_pending = 1;
}

/* ---- sending */

static void sent_cb(struct send_req *r, int status)
{
    struct syslog_out *s = r->s;

    if (status == 0 || s->transport == T_UDP) {
        if (status < 0 && !s->dead)
            log_warnx("output '%s': %s: %s; message lost", s->name, s->address,
                      uv_strerror(status));
        pop_through(s, r->last);
    } else if (!s->dead && s->state == L_UP) {
        drop_tcp(s, status);
    }
    xfree(r);
    if (s->closing && !s->dead && s->count == 0)
        finish(s);
}

static void write_cb(uv_write_t *w, int status)
{
    sent_cb((struct send_req *)w, status);
}

static void udp_cb(uv_udp_send_t *u, int status)
{
    sent_cb((struct send_req *)u, status);
}

/* Datagrams to the local daemon go out at once, or wait for a retry when
 * its queue is full or it is restarting. */
static void pump_local(struct syslog_out *s)
{
    while (s->state == L_UP && s->count > 0) {
        int rc = platform_syslog_local_send(s->fd, at(s, 0)->p, at(s, 0)->len);

        if (rc == 0 || rc == UV_EMSGSIZE) {
            pop_through(s, at(s, 0)->seq);
            continue;
        }
        if (rc != UV_EAGAIN && rc != UV_ENOBUFS) {
            note_failure(s, rc);
            platform_syslog_local_close(s->fd);
            s->fd = -1;
            s->state = L_DOWN;
        }
        retry_later(s);
        return;
    }
}

/* Reads what the spool holds into the queue, in order. */
static void top_up(struct syslog_out *s)
{
    struct qmsg q;

    while (s->spool != NULL && !s->closing && s->count < s->cap &&
           spool_next(s->spool, &q.p, &q.len, &q.sid) == 1) {
        q.seq = s->next_seq++;
        s->q[(s->head + s->count) % s->cap] = q;
        s->count++;
    }
}

/* run --once, the collector unreachable: every message is given up. */
static void give_up_rest(struct syslog_out *s)
{
    for (top_up(s); s->count > 0 && s->nsent == 0; top_up(s))
        while (s->count > s->nsent) {
            struct qmsg *q = at(s, 0);
            if (s->spool != NULL && q->sid != SYSLOG_NO_SPOOL)
                spool_done(s->spool, q->sid, 0);
            xfree(q->p);
            s->head = (s->head + 1) % s->cap;
            s->count--;
        }
}

static void pump(struct syslog_out *s)
{
    if (s->once_gave_up)
        give_up_rest(s);
    top_up(s);
    if (s->transport == T_LOCAL) {
        pump_local(s);
        return;
    }
    while (s->state == L_UP && s->nsent < s->count) {
        uv_buf_t bufs[SYSLOG_BATCH];
        struct send_req *r = xmalloc(sizeof(*r));
        unsigned n = 0, max = s->transport == T_UDP ? 1 : SYSLOG_BATCH;
        int rc;

        for (; n < max && s->nsent + n < s->count; n++)
            bufs[n] = uv_buf_init(at(s, s->nsent + n)->p, (unsigned)at(s, s->nsent + n)->len);
        r->s = s;
        r->last = at(s, s->nsent + n - 1)->seq;
        if (s->transport == T_UDP)
            rc = uv_udp_send(&r->r.u, &s->udp, bufs, 1, (const struct sockaddr *)&s->addr, udp_cb);
        else
            rc = uv_write(&r->r.w, (uv_stream_t *)&s->tcp, bufs, n, write_cb);
        if (rc < 0) {
            xfree(r);
            if (s->transport == T_TCP) {
                drop_tcp(s, rc);
                return;
            }
            note_failure(s, rc);
            pop_through(s, at(s, s->nsent)->seq); /* that datagram cannot go */
            continue;
        }
        s->nsent += n;
    }
}

/* ---- formatting */

/* Appends text with control characters (CR, LF, ...) made spaces. */
static int put_line(struct buf *b, const char *text)
{
    int rc = 0;

    for (const char *p = text; *p && rc == 0; p++)
        rc = buf_putc(b, (unsigned char)*p < 0x20 || *p == 0x7f ? ' ' : *p);
    return rc;
}

static int format_header(struct syslog_out *s, struct buf *b, const struct out_msg *m)
{
    static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                         "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    int pri = s->facility * 8 + (int)m->severity;
    char ts[32];
    time_t now;
    struct tm *tm;

    if (s->transport != T_LOCAL) {
        event_now(ts);
        return buf_printf(b, "<%d>1 %s %s %s %s %s - ", pri, ts, s->host, s->app, s->pid,
                          m->kind == MSG_ALERT ? "alert" : "event");
    }
    now = time(NULL);
    tm = localtime(&now); /* the loop's thread only */
    return buf_printf(b, "<%d>%s %2d %02d:%02d:%02d %s[%s]: ", pri, months[tm->tm_mon % 12],
                      tm->tm_mday, tm->tm_hour, tm->tm_min, tm->tm_sec, s->app, s->pid);
}

/* Builds the message as it goes on the wire into a new queue entry. */
static int format_msg(struct syslog_out *s, const struct out_msg *m, struct qmsg *q)
{
    struct buf *b = &s->fmt;
    char prefix[24];
    size_t len, plen = 0;
    int rc;

    buf_reset(b);
    rc = format_header(s, b, m);
    if (rc == 0 && m->summary != NULL && m->summary[0] != '\0')
        rc = put_line(b, m->summary) || buf_putc(b, ' ') ? WW_ELIMIT : 0;
    if (rc == 0 && (rc = buf_append(b, m->json, m->len)) != 0)
        return rc;
    len = b->len;
    if (s->transport != T_TCP && len > SYSLOG_DGRAM_MAX)
        for (len = SYSLOG_DGRAM_MAX; ((unsigned char)b->p[len] & 0xc0) == 0x80; len--)
            ; /* cut at a character boundary */
    if (s->transport == T_TCP)
        plen = (size_t)snprintf(prefix, sizeof(prefix), "%zu ", len);
    q->p = xmalloc(plen + len);
    memcpy(q->p, prefix, plen);
    memcpy(q->p + plen, b->p, len);
    q->len = plen + len;
    return 0;
}

/* ---- the output's operations */

static void count_drop(struct output *o, struct syslog_out *s)
{
    o->st.dropped++;
    metrics_add(DROPPED_METRIC, s->labels, 1);
    if (!s->full_logged)
        log_warnx("output '%s': %s: queue full (%zu messages); dropping new ones", s->name,
                  s->address, s->cap);
    s->full_logged = 1; /* until the queue drains */
    s->dropped_run++;
}

static int write_syslog(struct output *o, const struct out_msg *m)
{
    struct syslog_out *s = o->priv;
    struct qmsg q;
    int rc;

    if ((rc = format_msg(s, m, &q)) != 0)
        return rc;
    if (spool_append(s->spool, q.p, q.len) == 0) {
        xfree(q.p);
        pump(s);
        return 0;
    }
    /* the spool cannot be written: the durable flush fails, offsets wait */
    if (s->count == s->cap) {
        xfree(q.p);
        count_drop(o, s);
        return WW_ELIMIT;
    }
    q.sid = SYSLOG_NO_SPOOL;
    q.seq = s->next_seq++;
    s->q[(s->head + s->count) % s->cap] = q;
    s->count++;
    pump(s);
    return 0;
}

/* The spool is the durable point: durable flush fsyncs it. */
static int flush_syslog(struct output *o, int durable, struct ww_err *err)
{
    struct syslog_out *s = o->priv;

    pump(s);
    return durable ? spool_sync(s->spool, err) : 0;
}

static void set_names(struct syslog_out *s, const struct syslog_cfg *c)
{
    size_t n = sizeof(s->host);

    snprintf(s->app, sizeof(s->app), "%s", c->app_name ? c->app_name : default_app_name());
    if (c->hostname != NULL)
        snprintf(s->host, sizeof(s->host), "%s", c->hostname);
    else if (uv_os_gethostname(s->host, &n) != 0)
        s->host[0] = '\0';
    for (char *p = s->host; *p; p++)
        if (*p < 33 || *p > 126)
            *p = '-'; /* PRINTUSASCII only */
    if (s->host[0] == '\0')
        strcpy(s->host, "-");
    snprintf(s->pid, sizeof(s->pid), "%d", (int)uv_os_getpid());
}

static int open_syslog(struct output *o, struct ww_err *err)
{
    const struct syslog_cfg *c = o->cfg->kind_cfg;
    struct syslog_out *s;
    struct spool *sp;
    int fd = -1, rc;

    if ((rc = spool_open(&sp, o->cfg->name, c->spool_max, err)) != 0)
        return rc;
    /* the local daemon is on this machine: not reaching it is a setup error */
    if (c->transport == T_LOCAL && (fd = platform_syslog_local_open(c->path)) < 0) {
        spool_close(sp);
        return ww_err_set(err, WW_EIO, "output '%s': syslog socket %s: %s", o->cfg->name,
                          c->path, uv_strerror(fd));
    }
    s = xcalloc(1, sizeof(*s));
    s->spool = sp;
    s->name = xstrdup(o->cfg->name);
    s->transport = c->transport;
    s->address = xstrdup(c->transport == T_LOCAL ? c->path : c->address);
    s->rhost = c->host ? xstrdup(c->host) : NULL;
    s->rport = c->port ? xstrdup(c->port) : NULL;
    s->loop = o->loop;
    s->facility = c->facility;
    s->cap = c->queue;
    s->q = xcalloc(s->cap, sizeof(*s->q));
    s->fd = fd;
    s->retry_ms = SYSLOG_RETRY_MIN_MS;
    buf_init(&s->fmt, SYSLOG_MSG_MAX);
    set_names(s, c);
    metrics_label(s->labels, 0, sizeof(s->labels), "output", s->name);
    metrics_declare(DROPPED_METRIC, METRIC_COUNTER, "Messages an output dropped (queue full).");
    metrics_add(DROPPED_METRIC, s->labels, 0);
    uv_timer_init(o->loop, &s->timer);
    s->timer.data = s;
    s->handles = 1;
    if (s->transport == T_UDP) {
        uv_udp_init(o->loop, &s->udp);
        s->udp.data = s;
        s->handles++;
    }
    o->priv = s;
    if (s->transport == T_LOCAL)
        link_up(s);
    else
        start_link(s);
    return 0;
}

static void close_syslog(struct output *o)
{
    struct syslog_out *s = o->priv;

    o->priv = NULL;
    if (s == NULL)
        return;
    if (s->spool != NULL) {
        s->closing = 1;
        finish(s);
        return;
    }
    s->closing = 1;
    pump(s);
    if (s->count == 0 || s->state == L_DOWN || s->transport == T_LOCAL) {
        finish(s);
        return;
    }
    uv_timer_start(&s->timer, timer_cb, SYSLOG_CLOSE_MS, 0);
}

/* ---- configuration */

/* Facilities by index: daemon 3, user 1, localN 16 + N (RFC 5424). */
static const char *const facility_values[] = {"daemon", "user",   "local0", "local1",
                                              "local2", "local3", "local4", "local5",
                                              "local6", "local7", NULL};
static const struct yfield fields[] = {
    {"address", Y_STR, 0,
     "where messages go: local (the system's syslog daemon), unix:PATH, udp://HOST:PORT or "
     "tcp://HOST:PORT (RFC 5424 to a collector)",
     "local", NULL},
    {"facility", Y_STR, 0, "the syslog facility of the messages", "daemon", facility_values},
    {"app_name", Y_STR, 0, "APP-NAME of the messages", "wsawatch", NULL},
    {"hostname", Y_STR, 0, "HOSTNAME of the messages (default: the host's name)", NULL, NULL},
    {"queue", Y_INT, 0, "messages read back from the spool and waiting in memory", "1000", NULL},
    {"spool_max", Y_STR, 0,
     "bytes the on-disk spool holds at most; past it the oldest messages are dropped", "64MiB",
     NULL},
};

static const char *default_app_name(void)
{
    return fields[2].def;
}

/* Splits "HOST:PORT" or "[V6]:PORT" into c->host, c->port and the canonical
 * c->address. Returns 0, 1 when s is malformed, 2 when it has no port (UDP
 * and TCP collectors differ: 514, 601, 6514; guessing sends into the void),
 * or WW_ENOMEM. */
static int parse_remote(struct syslog_cfg *c, const char *scheme, const char *s)
{
    const char *host = s + (*s == '['), *end, *p;
    char *stop;
    long v = 514;

    if (*s == '[') {
        if ((end = strchr(host, ']')) == NULL)
            return 1;
        p = end + 1;
    } else {
        p = end = s + strcspn(s, ":/ ");
    }
    if (end == host)
        return 1;
    if (*p == ':') {
        v = strtol(p + 1, &stop, 10);
        if (p[1] < '0' || p[1] > '9' || *stop != '\0' || v < 1 || v > 65535)
            return 1;
    } else {
        return *p == '\0' ? 2 : 1;
    }
    if ((c->host = try_strndup(host, (size_t)(end - host))) == NULL ||
        (c->port = try_asprintf("%ld", v)) == NULL)
        return WW_ENOMEM;
    if (*s == '[')
        c->address = try_asprintf("%s[%s]:%s", scheme, c->host, c->port);
    else
        c->address = try_asprintf("%s%s:%s", scheme, c->host, c->port);
    return c->address != NULL ? 0 : WW_ENOMEM;
}

static int parse_address(struct syslog_cfg *c, struct ydoc *y, yaml_node_t *n, struct diag *d)
{
    const char *a = n ? ydoc_str(n) : fields[0].def;
    const char *local = platform_syslog_local_path();

    if (strcmp(a, "local") == 0 || strncmp(a, "unix:", 5) == 0) {
        c->transport = T_LOCAL;
        if (local == NULL) {
            ydoc_error(y, n, d, "address '%s': this system has no local syslog daemon; "
                       "use udp://HOST:PORT or tcp://HOST:PORT", a);
            return 1;
        }
        if ((c->path = try_strdup(a[0] == 'l' ? local : a + 5)) == NULL ||
            (c->address = try_strdup(a)) == NULL)
            return diag_oom(d);
        if (c->path[0] != '\0')
            return 0;
    } else if (strncmp(a, "udp://", 6) == 0 || strncmp(a, "tcp://", 6) == 0) {
        int rc;
        c->transport = a[0] == 'u' ? T_UDP : T_TCP;
        rc = parse_remote(c, a[0] == 'u' ? "udp://" : "tcp://", a + 6);
        if (rc == 0 || rc == WW_ENOMEM)
            return rc == 0 ? 0 : diag_oom(d);
        if (rc == 2) {
            ydoc_error(y, n, d, "address '%s' has no port (%.3s://HOST:PORT, e.g. %s:514)", a, a,
                       a);
            return 1;
        }
    }
    ydoc_error(y, n, d, "address '%s' is not local, unix:PATH, udp://HOST:PORT or tcp://HOST:PORT",
               a);
    return 1;
}

static int parse_facility(struct syslog_cfg *c, struct ydoc *y, yaml_node_t *n, struct diag *d)
{
    const char *f = n ? ydoc_str(n) : fields[1].def;
    int i = yfield_value_index(&fields[1], f);
    char values[128];

    if (i < 0) {
        ydoc_error(y, n, d, "facility '%s' is not %s", f,
                   yfield_values_text(&fields[1], values, sizeof(values)));
        return 1;
    }
    c->facility = i == 0 ? 3 : i == 1 ? 1 : 16 + (i - 2);
    return 0;
}

/* APP-NAME and HOSTNAME: 1 to max printable US-ASCII characters, no space. */
static int parse_name(char **out, size_t max, struct ydoc *y, yaml_node_t *n, struct diag *d)
{
    const char *v;
    size_t len;

    if (n == NULL)
        return 0;
    v = ydoc_str(n);
    len = strlen(v);
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)v[i] < 33 || (unsigned char)v[i] > 126)
            len = 0;
    if (len == 0 || len > max || strcmp(v, "-") == 0) {
        ydoc_error(y, n, d, "'%s' must be 1 to %zu printable ASCII characters without spaces",
                   v, max);
        return 1;
    }
    if ((*out = try_strdup(v)) == NULL)
        return diag_oom(d);
    return 0;
}

static int parse_queue(struct syslog_cfg *c, struct ydoc *y, yaml_node_t *n, struct diag *d)
{
    long v;

    if (n == NULL)
        return 0;
    if (ydoc_long(n, &v) != 0 || v < 1 || v > SYSLOG_QUEUE_MAX) {
        ydoc_error(y, n, d, "queue must be a number from 1 to %d", SYSLOG_QUEUE_MAX);
        return 1;
    }
    c->queue = (size_t)v;
    return 0;
}

static int parse_syslog(struct cfg_output *co, struct ydoc *y, yaml_node_t *node, yaml_node_t **v,
                        struct diag *d)
{
    struct syslog_cfg *c = try_calloc(1, sizeof(*c));
    int errors;

    (void)node;
    if (c == NULL)
        return diag_oom(d);
    c->queue = (size_t)config_default_count(&fields[4]);
    co->kind_cfg = c;
    errors = parse_address(c, y, v[0], d);
    errors += parse_facility(c, y, v[1], d);
    errors += parse_name(&c->app_name, 48, y, v[2], d);
    errors += parse_name(&c->hostname, 255, y, v[3], d);
    errors += parse_queue(c, y, v[4], d);
    errors += spool_config_max(y, v[5], &fields[5], &c->spool_max, d);
    return errors;
}

static void free_syslog_cfg(void *p)
{
    struct syslog_cfg *c = p;

    xfree(c->address);
    xfree(c->path);
    xfree(c->host);
    xfree(c->port);
    xfree(c->app_name);
    xfree(c->hostname);
    xfree(c);
}

static const struct output_ops ops = {open_syslog, write_syslog, flush_syslog, NULL, close_syslog};

const struct output_kind out_syslog_kind = {"syslog", fields, sizeof(fields) / sizeof(fields[0]),
                                            parse_syslog, free_syslog_cfg, &ops};
