/*
 * Outputs: one interface, one file per kind (out_<type>.c). A kind declares
 * its own configuration keys (beyond name, type and take) and parses them at
 * load time, so `check` validates them with file:line:column. An output takes
 * messages (events or alerts, as one JSON line plus a severity and a one-line
 * summary for kinds that speak to people or to syslog), buffers or queues them
 * as it likes, and on flush hands them on. flush with durable set gets them
 * to stable storage where the kind has one: the daemon commits offsets only
 * after every output's durable flush succeeded. A kind that sends over the
 * network (webhook, syslog) or runs programs (exec) never blocks the loop: it
 * appends each message to its on-disk spool (spool.h), sends from there, and
 * its durable flush fsyncs the spool. stdout, whose reader may stop reading,
 * queues, bounded, counts what overflows and calls that durable. A kind that
 * must not lose what it took (file) holds it instead and sets `full` past
 * its bound, and the daemon stops reading until that clears. Outputs know
 * nothing of files being followed.
 */
#ifndef WW_OUTPUT_H
#define WW_OUTPUT_H

#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "config.h"
#include "util/diag.h"
#include "util/err.h"
#include "ydoc.h"

enum msg_kind { MSG_EVENT = TAKE_EVENTS, MSG_ALERT = TAKE_ALERTS };

/* Syslog severities (RFC 5424), also mapped to the Windows event types. */
enum msg_severity { SEV_CRITICAL = 2, SEV_ERROR = 3, SEV_WARNING = 4, SEV_NOTICE = 5,
                    SEV_INFO = 6 };

struct out_msg {
    enum msg_kind kind;
    const char *json;        /* the whole event or alert, one line, no newline */
    size_t len;
    enum msg_severity severity;
    const char *summary;     /* one line for people: "7 WSAECONNRESET in 60 s from ..." */
    const char *text;        /* for a terminal: an event as `scan` shows it, or NULL */
};

struct output;

struct output_ops {
    int (*open)(struct output *o, struct ww_err *err);
    /* Takes one message. Returns 0 or a negative code (counted as a failure). */
    int (*write)(struct output *o, const struct out_msg *m);
    int (*flush)(struct output *o, int durable, struct ww_err *err);
    /* Periodic work (reopen a rotated file, write a metrics file, retry). */
    void (*tick)(struct output *o);
    /* Closes; an asynchronous kind may finish in the loop after this. */
    void (*close)(struct output *o);
};

/* An output kind: its keys, how it parses them, and its operations. */
struct output_kind {
    const char *type;
    const struct yfield *fields; /* its own keys, beyond name, type and take */
    size_t nfields;
    /* Turns the values of fields (values[i] for fields[i], NULL if absent)
     * into c->kind_cfg. Returns the number of errors added to d. */
    int (*parse)(struct cfg_output *c, struct ydoc *y, yaml_node_t *node, yaml_node_t **values,
                 struct diag *d);
    void (*free_cfg)(void *kind_cfg);
    const struct output_ops *ops;
};

struct output_stats {
    uint64_t written;  /* messages taken */
    uint64_t failed;   /* messages or flushes that failed */
    uint64_t dropped;  /* messages a full queue could not take */
};

struct output {
    const struct cfg_output *cfg; /* not owned */
    const struct output_kind *kind;
    uv_loop_t *loop;              /* for kinds that work asynchronously */
    void *priv;                   /* the kind's own state */
    struct output_stats st;
    int broken;                   /* the last write or flush failed */
    int full;                     /* holds all it may: the daemon stops reading until a
                                     flush clears it (backpressure; the file kind) */
    int wants_text;               /* set at open: messages need out_msg.text */
};

/* The kind of a type name, or NULL. */
const struct output_kind *output_kind_find(const char *type);
/* The i-th kind, or NULL past the last (for tools/docgen). */
const struct output_kind *output_kind_at(size_t i);
/* "stdout, file, ..." for messages. */
const char *output_kind_names(void);

/* Opens an output for its configuration. Returns 0 or a negative code with
 * err naming the output and the reason. */
int output_open(struct output *o, const struct cfg_output *cfg, uv_loop_t *loop,
                struct ww_err *err) WW_MUST_CHECK;
/* Whether path (a file output's or a metrics textfile's) can be opened for
 * writing: not a directory, and writable, or, if it does not exist, in a
 * writable directory. Returns 0, or -1 with why ("read-only file system
 * (directory /x)"). For `check`: a path that cannot be written at start is
 * taken for a mistake in the configuration. */
int output_check_path(const char *path, char *why, size_t size);

int output_write(struct output *o, const struct out_msg *m);
int output_flush(struct output *o, int durable, struct ww_err *err);
void output_tick(struct output *o);
void output_close(struct output *o);

extern const struct output_kind out_stdout_kind;
/* With forever set, closing the last stdout output waits for its reader to
 * take every message however long it takes (run --once: a batch writing to
 * a pipe, like any filter); else (the daemon stopping) a reader that reads
 * nothing for 2 s is given up on, the messages not written logged. */
void out_stdout_wait_at_close(int forever);
extern const struct output_kind out_file_kind;
extern const struct output_kind out_webhook_kind;
extern const struct output_kind out_exec_kind;
extern const struct output_kind out_syslog_kind;
extern const struct output_kind out_metrics_kind;
extern const struct output_kind out_eventlog_kind;

#endif
