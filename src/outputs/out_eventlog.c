/*
 * The eventlog output: each event or alert becomes one record in the Windows
 * Application event log, written synchronously by ReportEvent (the Event Log
 * service queues it; nothing here can block for long), so flush has nothing
 * to do. The record's source is `source` (default wsawatch), registered by
 * `wsawatch service install` with wsawatch.exe as its message file; its
 * strings are the one-line summary (%1) and the JSON (%2); its event ID says
 * what it is: 1000 an event, 2000/2001/2002 an alert firing, resolved, or the
 * summary of a backlog; its type follows the severity (critical and error:
 * error, warning: warning, notice and info: information). Windows Event
 * Forwarding collects these. Elsewhere the kind parses, `check` warns (a
 * configuration may be checked on Linux before it is deployed on Windows),
 * and `run` fails to open it: there is no Event Log to write to.
 */
#include <string.h>

#include "outputs/output.h"
#include "platform/platform.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/log.h"

#define EVENTLOG_MSG_MAX (1u << 20) /* the Event Log keeps 31839 characters a string */
#define SOURCE_MAX 200

struct eventlog_cfg {
    char *source;
};

struct eventlog_out {
    void *handle;
    struct buf json; /* the message's JSON with a NUL */
    int warned;      /* a failed ReportEvent was logged */
};

static int open_eventlog(struct output *o, struct ww_err *err)
{
    const struct eventlog_cfg *c = o->cfg->kind_cfg;
    struct eventlog_out *e = xcalloc(1, sizeof(*e));
    struct ww_err perr = {0};

    if (platform_eventlog_open(c->source, &e->handle, &perr) != 0) {
        xfree(e);
        return ww_err_set(err, perr.code, "output '%s': eventlog: %s", o->cfg->name, perr.msg);
    }
    buf_init(&e->json, EVENTLOG_MSG_MAX);
    o->priv = e;
    return 0;
}

/* The event ID for a message: its kind and, for an alert, its state. */
static unsigned event_id(const struct out_msg *m, const char *json)
{
    const char *s;

    if (m->kind != MSG_ALERT)
        return PLATFORM_EVENT_WINSOCK;
    if ((s = strstr(json, "\"state\":\"")) != NULL) {
        s += strlen("\"state\":\"");
        if (strncmp(s, "resolved\"", 9) == 0)
            return PLATFORM_EVENT_ALERT_RESOLVED;
        if (strncmp(s, "backlog\"", 8) == 0)
            return PLATFORM_EVENT_ALERT_BACKLOG;
    }
    return PLATFORM_EVENT_ALERT_FIRING;
}

static int event_type(enum msg_severity sev)
{
    return sev <= SEV_ERROR ? 2 : sev == SEV_WARNING ? 1 : 0;
}

static int write_eventlog(struct output *o, const struct out_msg *m)
{
    struct eventlog_out *e = o->priv;
    const char *strings[2];
    struct ww_err err = {0};
    int rc;

    buf_reset(&e->json);
    if ((rc = buf_append(&e->json, m->json, m->len)) != 0 || (rc = buf_putc(&e->json, '\0')) != 0)
        return rc;
    strings[0] = m->summary != NULL ? m->summary : "";
    strings[1] = e->json.p;
    rc = platform_eventlog_report(e->handle, event_type(m->severity), event_id(m, e->json.p),
                                  strings, 2, &err);
    if (rc != 0 && !e->warned++) /* once: the daemon's own log may be this Event Log */
        log_warnx("output '%s': %s", o->cfg->name, err.msg);
    return rc;
}

static int flush_eventlog(struct output *o, int durable, struct ww_err *err)
{
    (void)o, (void)durable, (void)err;
    return 0; /* every record went to the Event Log in write */
}

static void close_eventlog(struct output *o)
{
    struct eventlog_out *e = o->priv;

    if (e == NULL)
        return;
    platform_eventlog_close(e->handle);
    buf_free(&e->json);
    xfree(e);
    o->priv = NULL;
}

static const struct output_ops ops = {open_eventlog, write_eventlog, flush_eventlog, NULL,
                                      close_eventlog};

static const struct yfield fields[] = {
    {"source", Y_STR, 0, "event source name, registered by service install", "wsawatch", NULL},
};

static void free_eventlog_cfg(void *p)
{
    struct eventlog_cfg *c = p;

    if (c != NULL)
        xfree(c->source);
    xfree(c);
}

static int parse_eventlog(struct cfg_output *c, struct ydoc *y, yaml_node_t *node, yaml_node_t **v,
                          struct diag *d)
{
    struct eventlog_cfg *ec = try_calloc(1, sizeof(*ec));
    const char *src = v[0] != NULL ? ydoc_str(v[0]) : fields[0].def;

    if (ec == NULL)
        return diag_oom(d);
    c->kind_cfg = ec;
    if (src[0] == '\0' || strlen(src) > SOURCE_MAX || strchr(src, '\\') != NULL) {
        ydoc_error(y, v[0], d,
                   "source '%s' is not an event source name (1 to %d characters, "
                   "no backslash)",
                   src, SOURCE_MAX);
        return 1;
    }
    if ((ec->source = try_strdup(src)) == NULL)
        return diag_oom(d);
    if (!HAVE_EVENTLOG)
        ydoc_warning(y, node, d,
                     "output '%s': the Windows Event Log is only available on "
                     "Windows; `run` will fail here (use syslog)",
                     c->name);
    return 0;
}

const struct output_kind out_eventlog_kind = {"eventlog",        fields, 1, parse_eventlog,
                                              free_eventlog_cfg, &ops};
