/*
 * A descriptor written by a thread through a bounded queue. See fdwriter.h.
 */
#include "outputs/fdwriter.h"

#include <string.h>
#include <uv.h>

#include "util/alloc.h"

#define IOV_BATCH 64      /* messages per write call */
#define AGAIN_SLEEP_MS 10 /* a descriptor someone made non-blocking */
#define CLOSE_STEP_NS 100000000ull

struct wmsg {
    struct wmsg *next;
    size_t len;
    char data[];
};

struct fdwriter {
    int fd;
    uv_thread_t thread;
    uv_mutex_t lock;          /* guards everything below */
    uv_cond_t wake;           /* the thread: work, or stop */
    uv_cond_t progress;       /* close(): bytes went out, or the thread is done */
    struct wmsg *head, *tail; /* queued, oldest first */
    size_t n, bytes;          /* queued */
    size_t max_msgs, max_bytes;
    size_t inflight; /* messages the thread took and is writing */
    uint64_t out;    /* bytes written so far */
    int error;       /* libuv code of the write that failed */
    int stop;
};

/* A writer whose thread was stuck in a write at close: kept reachable. */
static struct fdwriter *stuck;

static void free_list(struct wmsg *m)
{
    while (m != NULL) {
        struct wmsg *next = m->next;
        xfree(m);
        m = next;
    }
}

/* Writes the messages from m on, up to IOV_BATCH of them, skipping the first
 * skip bytes (written before). Returns bytes written or a libuv code. */
static long write_some(int fd, const struct wmsg *m, size_t skip)
{
    uv_buf_t iov[IOV_BATCH];
    unsigned n = 0;
    uv_fs_t req;
    long rc;

    for (; m != NULL && n < IOV_BATCH; m = m->next, skip = 0)
        iov[n++] = uv_buf_init((char *)m->data + skip, (unsigned)(m->len - skip));
    rc = (long)uv_fs_write(NULL, &req, fd, iov, n, -1, NULL);
    uv_fs_req_cleanup(&req);
    return rc;
}

/* Writes a batch whole, freeing it as it goes. Returns 0 or a libuv code. */
static int write_batch(struct fdwriter *w, struct wmsg *m)
{
    size_t skip = 0;

    while (m != NULL) {
        long rc = write_some(w->fd, m, skip);

        if (rc == UV_EAGAIN) {
            uv_sleep(AGAIN_SLEEP_MS);
            continue;
        }
        if (rc <= 0) {
            free_list(m);
            return rc == 0 ? UV_EIO : (int)rc;
        }
        uv_mutex_lock(&w->lock);
        w->out += (uint64_t)rc;
        uv_cond_broadcast(&w->progress);
        uv_mutex_unlock(&w->lock);
        for (skip += (size_t)rc; m != NULL && skip >= m->len;) {
            struct wmsg *next = m->next;
            skip -= m->len;
            xfree(m);
            m = next;
        }
    }
    return 0;
}

static void run(void *arg)
{
    struct fdwriter *w = arg;

    uv_mutex_lock(&w->lock);
    for (;;) {
        struct wmsg *batch;
        int rc;

        while (w->head == NULL && !w->stop)
            uv_cond_wait(&w->wake, &w->lock);
        if (w->head == NULL)
            break;
        batch = w->head;
        w->inflight = w->n;
        w->head = w->tail = NULL;
        w->n = w->bytes = 0;
        uv_mutex_unlock(&w->lock);
        rc = write_batch(w, batch);
        uv_mutex_lock(&w->lock);
        w->inflight = 0;
        if (rc != 0 && w->error == 0)
            w->error = rc;
        if (w->error != 0) {
            free_list(w->head);
            w->head = w->tail = NULL;
            w->n = w->bytes = 0;
        }
        uv_cond_broadcast(&w->progress);
    }
    uv_mutex_unlock(&w->lock);
}

struct fdwriter *fdwriter_start(int fd, size_t max_msgs, size_t max_bytes)
{
    struct fdwriter *w = xcalloc(1, sizeof(*w));

    w->fd = fd;
    w->max_msgs = max_msgs;
    w->max_bytes = max_bytes;
    if (uv_mutex_init(&w->lock) != 0)
        goto fail_lock;
    if (uv_cond_init(&w->wake) != 0)
        goto fail_wake;
    if (uv_cond_init(&w->progress) != 0)
        goto fail_progress;
    if (uv_thread_create(&w->thread, run, w) != 0)
        goto fail_thread;
    return w;
fail_thread:
    uv_cond_destroy(&w->progress);
fail_progress:
    uv_cond_destroy(&w->wake);
fail_wake:
    uv_mutex_destroy(&w->lock);
fail_lock:
    xfree(w);
    return NULL;
}

void fdwriter_limits(struct fdwriter *w, size_t max_msgs, size_t max_bytes)
{
    uv_mutex_lock(&w->lock);
    w->max_msgs = max_msgs;
    w->max_bytes = max_bytes;
    uv_mutex_unlock(&w->lock);
}

long fdwriter_push(struct fdwriter *w, const void *p, size_t len)
{
    struct wmsg *m = xmalloc(sizeof(*m) + len);
    long dropped = 0;

    m->next = NULL;
    m->len = len;
    memcpy(m->data, p, len);
    uv_mutex_lock(&w->lock);
    if (w->error != 0) {
        uv_mutex_unlock(&w->lock);
        xfree(m);
        return -1;
    }
    while (w->head != NULL && (w->n >= w->max_msgs || w->bytes + len > w->max_bytes)) {
        struct wmsg *old = w->head;
        w->head = old->next;
        w->n--;
        w->bytes -= old->len;
        xfree(old);
        dropped++;
    }
    if (w->head == NULL)
        w->tail = NULL;
    if (w->tail != NULL)
        w->tail->next = m;
    else
        w->head = m;
    w->tail = m;
    w->n++;
    w->bytes += len;
    uv_cond_signal(&w->wake);
    uv_mutex_unlock(&w->lock);
    return dropped;
}

int fdwriter_error(struct fdwriter *w)
{
    int rc;

    uv_mutex_lock(&w->lock);
    rc = w->error;
    uv_mutex_unlock(&w->lock);
    return rc;
}

size_t fdwriter_waiting(struct fdwriter *w)
{
    size_t n;

    uv_mutex_lock(&w->lock);
    n = w->n + w->inflight;
    uv_mutex_unlock(&w->lock);
    return n;
}

size_t fdwriter_close(struct fdwriter *w, uint64_t idle_ms)
{
    uint64_t idle_ns = idle_ms * 1000000ull, since = uv_hrtime(), out;
    size_t left;

    uv_mutex_lock(&w->lock);
    w->stop = 1;
    uv_cond_signal(&w->wake);
    out = w->out;
    while ((w->head != NULL || w->inflight > 0) && w->error == 0) {
        if (w->out != out) {
            out = w->out;
            since = uv_hrtime();
        } else if (idle_ms > 0 && uv_hrtime() - since >= idle_ns) {
            break;
        }
        (void)uv_cond_timedwait(&w->progress, &w->lock, CLOSE_STEP_NS);
    }
    left = w->n + w->inflight;
    if (left > 0 && w->error == 0) {
        stuck = w; /* its thread is in a write that may never return */
        uv_mutex_unlock(&w->lock);
        return left;
    }
    uv_mutex_unlock(&w->lock);
    uv_thread_join(&w->thread);
    free_list(w->head);
    uv_cond_destroy(&w->progress);
    uv_cond_destroy(&w->wake);
    uv_mutex_destroy(&w->lock);
    xfree(w);
    return left;
}
