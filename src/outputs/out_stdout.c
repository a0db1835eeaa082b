/*
 * The stdout output: JSON lines on standard output (or, with `format: text`,
 * what `scan` shows: for people watching a terminal), written as soon as
 * they come so that a pipe reader sees events at once. Text is written with
 * every control character but its line feeds made visible, whoever made it:
 * an alert's summary carries file names and captured text.
 *
 * The reader is another program that may stop reading (a pipe nobody
 * drains, a terminal held with Ctrl-S): the messages go through a bounded
 * queue that a thread writes (fdwriter.h), one for the process however many
 * stdout outputs there are, so that the loop never blocks and lines are
 * never interleaved. A full queue drops its oldest messages, counted in
 * wsawatch_output_dropped_total and logged once until the queue drains. Like
 * the network kinds, the queue is this output's durable point.
 */
#include <stdio.h>
#include <string.h>

#include "metrics.h"
#include "outputs/fdwriter.h"
#include "outputs/output.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/log.h"
#include "util/utf.h"

#define STDOUT_QUEUE_MAX 1000000
#define STDOUT_QUEUE_BYTES (64u << 20) /* whatever the count, at most this much waits */
#define STDOUT_MSG_MAX (64u << 20)
#define STDOUT_CLOSE_IDLE_MS 2000      /* at close: given up after this long unread */
#define DROPPED "wsawatch_output_dropped_total"
#define FAILURES "wsawatch_output_failures_total"

struct stdout_cfg {
    int text;
    long queue; /* messages waiting at most */
};

struct stdout_out {
    struct buf line;      /* the message being formatted */
    char labels[300];     /* output="NAME" */
    int dropping;         /* dropped since the queue last drained: logged once */
    uint64_t dropped_run;
    int failed;           /* standard output failed (the reader went away): logged */
};

static struct fdwriter *writer; /* shared by the stdout outputs */
static int writer_refs;
static long default_queue(void);
static int wait_forever;        /* at close: run --once, a batch */

void out_stdout_wait_at_close(int forever)
{
    wait_forever = forever;
}

static int open_stdout(struct output *o, struct ww_err *err)
{
    const struct stdout_cfg *c = o->cfg->kind_cfg;
    size_t queue = c != NULL && c->queue > 0 ? (size_t)c->queue : (size_t)default_queue();
    struct stdout_out *s;

    if (writer == NULL && (writer = fdwriter_start(1, queue, STDOUT_QUEUE_BYTES)) == NULL)
        return ww_err_set(err, WW_EIO, "output '%s': cannot start a thread", o->cfg->name);
    fdwriter_limits(writer, queue, STDOUT_QUEUE_BYTES);
    writer_refs++;
    s = xcalloc(1, sizeof(*s));
    buf_init(&s->line, STDOUT_MSG_MAX);
    metrics_label(s->labels, 0, sizeof(s->labels), "output", o->cfg->name);
    metrics_declare(DROPPED, METRIC_COUNTER, "Messages an output dropped (queue full).");
    metrics_declare(FAILURES, METRIC_COUNTER, "Messages an output failed to deliver.");
    metrics_add(DROPPED, s->labels, 0);
    o->priv = s;
    o->wants_text = c != NULL && c->text;
    return 0;
}

/* Appends s with its line feeds as they are and what else a terminal acts on
 * escaped (utf8_visible). Returns 0 or WW_ELIMIT. */
static int put_visible(struct buf *b, const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t n = strlen(s), i = 0, run = 0;

    while (i < n) {
        char esc[UTF_VISIBLE_MAX + 1];
        size_t used = 1, len = 0;

        if ((p[i] < 0x20 && p[i] != '\n') || p[i] >= 0x7F)
            len = utf8_visible(p + i, n - i, &used, esc);
        if (len == 0) {
            run += used, i += used;
            continue;
        }
        if (buf_append(b, s + i - run, run) != 0 || buf_append(b, esc, len) != 0)
            return WW_ELIMIT;
        run = 0, i += used;
    }
    return buf_append(b, s + i - run, run);
}

/* Queues the formatted message; counts and logs what the full queue drops. */
static int push(struct output *o, struct stdout_out *s)
{
    long dropped = fdwriter_push(writer, s->line.p, s->line.len);

    if (dropped < 0) {
        metrics_add(FAILURES, s->labels, 1);
        return WW_EIO; /* the flush says why, once */
    }
    if (dropped > 0) {
        o->st.dropped += (uint64_t)dropped;
        s->dropped_run += (uint64_t)dropped;
        metrics_add(DROPPED, s->labels, (uint64_t)dropped);
        if (!s->dropping)
            log_warnx("output '%s': standard output is not being read; dropping the oldest "
                      "messages waiting", o->cfg->name);
        s->dropping = 1;
    }
    return 0;
}

static int write_stdout(struct output *o, const struct out_msg *m)
{
    const struct stdout_cfg *c = o->cfg->kind_cfg;
    struct stdout_out *s = o->priv;

    buf_reset(&s->line);
    if (c != NULL && c->text) {
        const char *t = m->text != NULL ? m->text : m->summary;
        if ((m->kind == MSG_ALERT && buf_append(&s->line, "ALERT ", 6) != 0) ||
            put_visible(&s->line, t ? t : "") != 0 || buf_putc(&s->line, '\n') != 0)
            return WW_ELIMIT;
        return push(o, s);
    }
    if (buf_append(&s->line, m->json, m->len) != 0 || buf_putc(&s->line, '\n') != 0)
        return WW_ELIMIT;
    return push(o, s);
}

/* Queued is as far as this output can promise: nothing to wait for, and
 * nothing to hold offsets back for, even once standard output has failed
 * for good (its messages are then counted as failures). */
static int flush_stdout(struct output *o, int durable, struct ww_err *err)
{
    struct stdout_out *s = o->priv;
    int rc = fdwriter_error(writer);

    (void)durable, (void)err;
    if (rc != 0 && !s->failed)
        log_warnx("output '%s': standard output: %s; its messages are dropped from now on",
                  o->cfg->name, uv_strerror(rc));
    s->failed = rc != 0;
    if (s->dropping && fdwriter_waiting(writer) == 0) {
        log_info("output '%s': standard output is read again; %llu messages had been dropped",
                 o->cfg->name, (unsigned long long)s->dropped_run);
        s->dropping = 0;
        s->dropped_run = 0;
    }
    return 0;
}

static void close_stdout(struct output *o)
{
    struct stdout_out *s = o->priv;
    size_t left;

    if (s == NULL)
        return;
    if (--writer_refs == 0) {
        left = fdwriter_close(writer, wait_forever ? 0 : STDOUT_CLOSE_IDLE_MS);
        writer = NULL;
        if (left > 0)
            log_warnx("output '%s': standard output not read for %d ms; %zu messages not "
                      "written", o->cfg->name, STDOUT_CLOSE_IDLE_MS, left);
    }
    buf_free(&s->line);
    xfree(s);
    o->priv = NULL;
}

static const struct output_ops ops = {open_stdout, write_stdout, flush_stdout, NULL, close_stdout};

static const char *const format_values[] = {"json", "text", NULL};
static const struct yfield fields[] = {
    {"format", Y_STR, 0, "JSON lines, or text for a terminal", "json", format_values},
    {"queue", Y_INT, 0, "messages waiting at most while standard output is not read; the "
                        "oldest are dropped",
     "10000", NULL},
};

static long default_queue(void)
{
    return config_default_count(&fields[1]);
}

static int parse_stdout(struct cfg_output *c, struct ydoc *y, yaml_node_t *node, yaml_node_t **v,
                        struct diag *d)
{
    struct stdout_cfg *sc = try_calloc(1, sizeof(*sc));

    (void)node;
    if (sc == NULL)
        return diag_oom(d);
    c->kind_cfg = sc;
    sc->queue = default_queue();
    if (config_get_count(y, v[1], "queue", 1, STDOUT_QUEUE_MAX, &sc->queue, d) != 0)
        return 1;
    return ydoc_choice(y, v[0], &fields[0], &sc->text, d); /* json 0, text 1 */
}

const struct output_kind out_stdout_kind = {"stdout", fields, sizeof(fields) / sizeof(fields[0]),
                                            parse_stdout, xfree, &ops};
