/*
 * The daemon's process: configuration and rules, outputs, inputs, the poll
 * and commit timers, signals and reload. See daemon.h; input.c follows files.
 */
#include "daemon.h"

#include <inttypes.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "daemon_int.h"
#include "metrics.h"
#include "outputs/spool.h"
#include "privilege.h"
#include "timestamp.h"
#include "platform/platform.h"
#include "rulefiles.h"
#include "validate.h"
#include "util/alloc.h"
#include "util/log.h"

#define DAEMON_EVENT_MAX (16u << 20)
#define DAEMON_EVENT_LINE_CUT (DAEMON_EVENT_MAX / 8) /* escaped, at most 6 bytes each */
/* A line's time further ahead of the clock than this is a skewed clock or a
 * wrong zone, not a line from the future: it is taken as read now. Zone
 * mistakes are whole hours and skew between hosts in sync is seconds, so
 * one value fits every input (no key). */
#define LINE_AHEAD_MAX_MS (5 * 60 * 1000)

static struct daemon *running;
static uv_mutex_t requests_lock; /* guards pending and running's wake handle */
static uv_once_t requests_once = UV_ONCE_INIT;
static int pending;              /* REQ_* asked from another thread */
enum { REQ_STOP = 1, REQ_RELOAD = 2 };

static void requests_init(void)
{
    uv_mutex_init(&requests_lock);
}

static void print_diag(const struct diag *dg, enum log_level level)
{
    for (size_t i = 0; i < dg->n; i++) {
        if (dg->v[i].level == DIAG_ERROR && level == LOG_LEVEL_ERROR)
            log_error("%s", dg->v[i].text);
        else if (dg->v[i].level == DIAG_ERROR || dg->nerrors == 0)
            log_warnx("%s", dg->v[i].text); /* the warnings `check` shows, once it loads */
    }
    if (dg->oom)
        level == LOG_LEVEL_ERROR ? log_error("%s", ww_strerror(WW_ENOMEM))
                                 : log_warnx("%s", ww_strerror(WW_ENOMEM));
}

static void engine_free(struct engine *e)
{
    if (e == NULL)
        return;
    matcher_free(&e->all);
    alert_set_free(&e->alerts);
    ruleset_free(&e->rules);
    table_free(&e->table);
    xfree(e);
}

/* Built-in rules plus the configured paths, checked as `check` does. */
static struct engine *engine_load(struct config *c, unsigned vflags, struct diag *dg)
{
    struct engine *e = xcalloc(1, sizeof(*e));
    int errors = validate_load(c, 1, NULL, 0, vflags, &e->table, &e->rules, &e->alerts, dg);

    if (errors > 0) {
        alert_set_free(&e->alerts);
        ruleset_free(&e->rules);
        table_free(&e->table);
        xfree(e);
        return NULL;
    }
    matcher_init(&e->all, &e->table, &e->rules);
    return e;
}

static struct matcher *input_matcher(struct daemon *d, struct input *in)
{
    if (in->own != NULL) {
        matcher_free(in->own);
        xfree(in->own);
        in->own = NULL;
    }
    if (in->cfg->nrules == 0)
        return &d->eng->all;
    in->own = xcalloc(1, sizeof(*in->own));
    matcher_init(in->own, &d->eng->table, &d->eng->rules);
    matcher_select(in->own, in->cfg->rules, in->cfg->nrules);
    return in->own;
}

static int64_t wall_ms(void)
{
    uv_timeval64_t tv;

    uv_gettimeofday(&tv);
    return (int64_t)tv.tv_sec * 1000 + tv.tv_usec / 1000;
}

/* The clock cooldowns and resolution run by. */
static int64_t mono_ms(void)
{
    return (int64_t)(uv_hrtime() / 1000000);
}

static void update_pause(struct daemon *d);

static void send_all(struct daemon *d, unsigned take, char *const *names, size_t nnames,
                     const struct out_msg *msg)
{
    for (size_t k = 0; k < d->nouts; k++) {
        int chosen = nnames == 0 ? (d->outs[k].cfg->take & take) != 0 : 0;
        for (size_t i = 0; i < nnames; i++)
            chosen |= strcmp(names[i], d->outs[k].cfg->name) == 0;
        if (chosen)
            (void)output_write(&d->outs[k], msg);
    }
}

static void on_alert(void *ctx, const struct alert_rule *r, const char *json, size_t len,
                          enum msg_severity sev, const char *summary)
{
    struct out_msg msg = {MSG_ALERT, json, len, sev, summary, NULL};

    log_info("alert %s: %s", r->id, summary);
    send_all(ctx, TAKE_ALERTS, r->outputs, r->noutputs, &msg);
}

static void feed_alerts(struct daemon *d, const struct line_ref *l, const struct match *m,
                        const struct input *in, int64_t t, int backlog)
{
    const char *names[MATCH_CAPS], *values[MATCH_CAPS];
    size_t lens[MATCH_CAPS];
    struct alert_input a = {m->code, m->rule->id, l->path, in->cfg->tags, in->cfg->ntags, d->host,
                            names, values, lens, m->ncaps, l->text, l->len, t, backlog};

    for (size_t i = 0; i < m->ncaps; i++) {
        names[i] = m->caps[i].name;
        values[i] = l->text + m->caps[i].off;
        lens[i] = m->caps[i].len;
    }
    alerts_feed(&d->alerts, &a, wall_ms(), mono_ms());
}

static void count_event(const struct line_ref *l, const struct wcode *c)
{
    char lbl[1024], num[16];
    size_t n;

    snprintf(num, sizeof(num), "%ld", c->code);
    n = metrics_label(lbl, 0, sizeof(lbl), "code", num);
    n = metrics_label(lbl, n, sizeof(lbl), "symbol", c->symbol ? c->symbol : "");
    metrics_label(lbl, n, sizeof(lbl), "file", l->path);
    metrics_add("wsawatch_events_total", lbl, 1);
}

/* Renders one event into d->ev (and d->text when an output shows text). A
 * line near max_line_bytes (up to 256 MiB) may not fit DAEMON_EVENT_MAX once
 * escaped: its message is then cut to DAEMON_EVENT_LINE_CUT and the event
 * flagged truncated, rather than lost. Returns 0, or -1 when even that did
 * not fit (a capture that large), logged. */
static int render_event(struct daemon *d, const char *ts, const struct line_ref *l,
                        const struct match *m, const struct event_extra *x)
{
    struct line_ref cut = *l;

    for (int pass = 0; pass < 2; pass++) {
        buf_reset(&d->ev);
        buf_reset(&d->text);
        if (event_json(&d->ev, ts, &cut, m, x) == 0 &&
            (!d->want_text || event_text(&d->text, &cut, m, 0) == 0))
            return 0;
        if (cut.len <= DAEMON_EVENT_LINE_CUT)
            break;
        cut.len = DAEMON_EVENT_LINE_CUT;
        cut.truncated = 1;
    }
    log_warnx("%s@%" PRIu64 ": event for %s larger than %u bytes; not sent", l->path, l->offset,
              m->code->symbol, DAEMON_EVENT_MAX);
    return -1;
}

/* The line's own time into *t: returns 1, or 0 when it carries none. A
 * time more than LINE_AHEAD_MAX_MS ahead of the clock is taken as now,
 * counted, and logged the first time. */
static int line_time(struct daemon *d, const struct input *in, const struct line_ref *l,
                     int64_t *t)
{
    int64_t now;
    char ts[32];

    if (in->ts_re != NULL ? !timestamp_pattern_parse(in->ts_re, l->text, l->len, t)
                          : in->cfg->arrival_time || !timestamp_parse(l->text, l->len, t))
        return 0;
    if (*t <= (now = wall_ms()) + LINE_AHEAD_MAX_MS)
        return 1;
    metrics_add("wsawatch_future_timestamps_total", NULL, 1);
    if (!d->ahead_told) {
        d->ahead_told = 1;
        timestamp_format(*t, ts);
        log_warnx("%s@%" PRIu64 ": the line's time %s is %lld s ahead of the clock; lines more "
                  "than %d s ahead are taken as read now (counted in "
                  "wsawatch_future_timestamps_total, logged once)", l->path, l->offset, ts,
                  (long long)((*t - now) / 1000), LINE_AHEAD_MAX_MS / 1000);
    }
    *t = now;
    return 1;
}

int daemon_line_cb(void *ctx, const struct line_ref *l, const struct match_set *ms)
{
    struct daemon *d = ctx;
    struct follower *f = l->tag;
    struct input *in = f->owner;
    struct event_extra x = {in->cfg->tags, in->cfg->ntags, d->host};
    int64_t t = 0;
    int stamped = line_time(d, in, l, &t);
    char ts[32];

    if (ms->limit_hits > 0) {
        input_match_limit(in, l, ms->limit_rule); /* reported once, then summed up */
        metrics_add("wsawatch_lines_match_limit_total", NULL, 1);
    }
    event_now(ts);
    for (size_t i = 0; i < ms->n; i++) {
        struct out_msg msg = {MSG_EVENT, NULL, 0, SEV_NOTICE, NULL, NULL};
        char summary[256];

        if (render_event(d, ts, l, &ms->v[i], &x) != 0)
            continue;
        msg.text = d->want_text ? d->text.p : NULL;
        snprintf(summary, sizeof(summary), "%s (%ld) %s in %s", ms->v[i].code->symbol,
                 ms->v[i].code->code, ms->v[i].code->title ? ms->v[i].code->title : "",
                 l->path);
        msg.json = d->ev.p, msg.len = d->ev.len, msg.summary = summary;
        send_all(d, TAKE_EVENTS, NULL, 0, &msg);
        count_event(l, ms->v[i].code);
        /* a line read in the first pass over a file, with no time of its own,
         * may be old: it counts as backlog, never as a live burst */
        feed_alerts(d, l, &ms->v[i], in, stamped ? t : wall_ms(), !stamped && !f->caught_up);
    }
    update_pause(d); /* before the next file is read */
    return 0;
}

/* 1 if the file at own (when set) is path: the same name, or the same
 * identity (another spelling, a link). */
static int same_file(const char *own, const char *path, const uv_stat_t *at)
{
    uv_fs_t req;
    int same;

    if (own == NULL)
        return 0;
    if (strcmp(own, path) == 0)
        return 1;
    if (at == NULL)
        return 0;
    same = uv_fs_stat(NULL, &req, own, NULL) == 0 && req.statbuf.st_dev == at->st_dev &&
           req.statbuf.st_ino == at->st_ino;
    uv_fs_req_cleanup(&req);
    return same;
}

/* 1 if path lies in dir (a plain prefix, up to a separator). */
static int under(const char *dir, const char *path)
{
    size_t n = strlen(dir);

    while (n > 1 && (dir[n - 1] == '/' || (HAVE_BACKSLASH_PATHS && dir[n - 1] == '\\')))
        n--;
    return strncmp(dir, path, n) == 0 &&
           (path[n] == '/' || (HAVE_BACKSLASH_PATHS && path[n] == '\\'));
}

/* What of the daemon's own files path is ("" when none), for the message;
 * *k gets the output's index, or SIZE_MAX - 1 (log file), SIZE_MAX. */
static const char *own_kind(struct daemon *d, const char *path, const uv_stat_t *at, size_t *k)
{
    size_t n = strlen(path);

    for (*k = 0; *k < d->cfg.noutputs; (*k)++) {
        const char *own = d->cfg.outputs[*k].path;
        if (same_file(own, path, at))
            return "output";
        if (own != NULL && n == strlen(own) + 4 && strncmp(own, path, n - 4) == 0 &&
            strcmp(path + n - 4, ".tmp") == 0)
            return "output"; /* a metrics file written in full before its rename */
    }
    *k = SIZE_MAX - 1;
    if (strcmp(d->cfg.log_target, "file") == 0 && same_file(d->cfg.log_path, path, at))
        return "log file";
    *k = SIZE_MAX;
    return under(d->cfg.state_dir, path) ? "state_dir" : "";
}

int daemon_own_file(struct daemon *d, const char *path)
{
    uv_fs_t req;
    int have = uv_fs_stat(NULL, &req, path, NULL) == 0;
    size_t k;
    const char *kind = own_kind(d, path, have ? &req.statbuf : NULL, &k);
    uint64_t bit = 1ull << (k == SIZE_MAX ? 63 : k == SIZE_MAX - 1 ? 62 : k < 61 ? k : 61);

    uv_fs_req_cleanup(&req);
    if (*kind == '\0')
        return 0;
    if (!(d->own_told & bit)) {
        d->own_told |= bit;
        if (k < d->cfg.noutputs)
            log_warnx("%s is the file of output '%s': left out of the inputs whose globs match "
                      "it, or its events would be read back as new ones", path,
                      d->cfg.outputs[k].name);
        else
            log_warnx("%s is in wsawatch's own %s: left out of the inputs whose globs match it",
                      path, kind);
    }
    return 1;
}

/* Flushes one output; logs when it starts failing (the kind logs its own
 * recovery, with what it knows of it). Returns output_flush's code. */
static int flush_one(struct output *o, int durable)
{
    struct ww_err err = {0};
    int was_broken = o->broken, rc = output_flush(o, durable, &err);

    if (rc != 0 && !was_broken)
        log_warnx("%s", err.msg);
    return rc;
}

/* Reading pauses while some output holds all the events it may (a file
 * output that cannot write, past its buffer): the lines wait in the logs,
 * where they are safe, rather than in memory. It resumes with a full poll,
 * which reads what came meanwhile and sees what was rotated. */
static void update_pause(struct daemon *d)
{
    const struct output *full = NULL;

    for (size_t k = 0; k < d->nouts && full == NULL; k++)
        if (d->outs[k].full)
            full = &d->outs[k];
    if (full != NULL && !d->paused) {
        d->paused = 1;
        metrics_set("wsawatch_reading_paused", NULL, 1);
        log_warnx("reading paused: output '%s' holds all the events it may until it can write "
                  "again; new lines wait in the logs", full->cfg->name);
    } else if (full == NULL && d->paused) {
        d->paused = 0;
        metrics_set("wsawatch_reading_paused", NULL, 0);
        log_info("reading resumed");
        daemon_want_more(d);
    }
}

void daemon_flush(struct daemon *d)
{
    for (size_t k = 0; k < d->nouts; k++)
        (void)flush_one(&d->outs[k], 0);
    update_pause(d);
}

/* Offsets are committed only after every output got its events to disk.
 * Failures are logged once until a commit succeeds again; the offsets file
 * keeps the last committed offsets meanwhile. Returns 0 or -1. */
static int commit(struct daemon *d)
{
    struct ww_err err = {0};
    const struct output *failed = NULL;

    for (size_t k = 0; k < d->nouts; k++) {
        output_tick(&d->outs[k]);
        if (flush_one(&d->outs[k], 1) != 0 && failed == NULL)
            failed = &d->outs[k];
    }
    update_pause(d);
    if (failed != NULL) {
        if (!d->commit_held)
            log_warnx("offsets not committed while output '%s' cannot write its events; "
                      "%s keeps the last committed ones", failed->cfg->name, d->st.file);
        d->commit_held = 1;
        return -1;
    }
    for (struct input *in = d->inputs; in != NULL; in = in->next)
        input_record_offsets(in, &d->st);
    state_prune(&d->st);
    if (state_save(&d->st, &err) != 0) {
        if (!d->state_failing)
            log_warnx("%s; offsets not committed, %s keeps the last committed ones; retrying "
                      "every commit_interval", err.msg, d->st.file);
        d->state_failing = 1;
        return -1;
    }
    if (d->commit_held || d->state_failing)
        log_info("offsets committed again to %s", d->st.file);
    d->commit_held = d->state_failing = 0;
    return 0;
}

static void update_metrics(struct daemon *d)
{
    size_t files = 0;

    for (struct input *in = d->inputs; in != NULL; in = in->next) {
        const struct scan_stats *s = &in->sc.st, *r = &in->reported;
        metrics_add("wsawatch_lines_read_total", NULL, s->lines - r->lines);
        metrics_add("wsawatch_bytes_read_total", NULL, s->bytes - r->bytes);
        metrics_add("wsawatch_lines_truncated_total", NULL, s->truncated - r->truncated);
        in->reported = *s;
        for (struct follower *f = in->files; f != NULL; f = f->next)
            files++;
    }
    metrics_set("wsawatch_files_followed", NULL, (double)files);
}

/* Every poll: files without working events; every POLL_FULL_MS, all files
 * and globs, as a safety net against missed events. */
#define POLL_FULL_MS 30000

static void poll_all(struct daemon *d, int full)
{
    int more = 0;

    for (struct input *in = d->inputs; in != NULL && !d->paused; in = in->next)
        more |= input_poll(in, full);
    alerts_tick(&d->alerts, wall_ms(), mono_ms());
    update_metrics(d);
    daemon_flush(d);
    if (more)
        daemon_want_more(d);
}

static void declare_metrics(void)
{
    metrics_declare("wsawatch_events_total", METRIC_COUNTER,
                    "Winsock error events, by code and file.");
    metrics_declare("wsawatch_lines_read_total", METRIC_COUNTER, "Lines read from followed files.");
    metrics_declare("wsawatch_bytes_read_total", METRIC_COUNTER, "Bytes read from followed files.");
    metrics_declare("wsawatch_lines_truncated_total", METRIC_COUNTER,
                    "Lines longer than max_line_bytes, matched in their first part.");
    metrics_declare("wsawatch_lines_match_limit_total", METRIC_COUNTER,
                    "Lines on which a pattern hit the PCRE2 match limit.");
    metrics_declare("wsawatch_files_followed", METRIC_GAUGE, "Files followed now.");
    metrics_declare("wsawatch_future_timestamps_total", METRIC_COUNTER,
                    "Lines whose time was more than 5 minutes ahead of the clock, taken as "
                    "read now.");
    metrics_declare("wsawatch_reading_paused", METRIC_GAUGE,
                    "1 while reading is paused because an output cannot take more events.");
    metrics_set("wsawatch_reading_paused", NULL, 0);
}

static int input_poll_all_once(struct daemon *d)
{
    int more = 0;

    for (struct input *in = d->inputs; in != NULL && !d->paused; in = in->next)
        more |= input_poll(in, 1);
    daemon_flush(d);
    return more && !d->paused;
}

static void more_cb(uv_idle_t *h)
{
    struct daemon *d = h->data;

    uv_idle_stop(h);
    d->more_pending = 0;
    poll_all(d, 1);
}

void daemon_want_more(struct daemon *d)
{
    if (!d->more_pending) {
        d->more_pending = 1;
        uv_idle_start(&d->more, more_cb);
    }
}

static void poll_cb(uv_timer_t *t)
{
    struct daemon *d = t->data;

    uint64_t every = POLL_FULL_MS / d->cfg.poll_ms;

    poll_all(d, ++d->polls % (every > 0 ? every : 1) == 0);
}

static void commit_cb(uv_timer_t *t)
{
    struct daemon *d = t->data;

    if (!d->once) /* --once commits at the end, once it knows all was delivered */
        (void)commit(d);
}

static int open_outputs(uv_loop_t *loop, struct config *c, struct output **outs, size_t *n)
{
    struct ww_err err = {0};

    *outs = xcalloc(c->noutputs + 1, sizeof(**outs));
    for (*n = 0; *n < c->noutputs; (*n)++) {
        if (output_open(&(*outs)[*n], &c->outputs[*n], loop, &err) != 0) {
            log_error("%s", err.msg);
            while (*n > 0)
                output_close(&(*outs)[--*n]);
            xfree(*outs);
            *outs = NULL;
            return -1;
        }
    }
    return 0;
}

/* Whether some output shows events as text, so that text is made only then. */
static int any_text(const struct output *outs, size_t n)
{
    for (size_t k = 0; k < n; k++)
        if (outs[k].wants_text)
            return 1;
    return 0;
}

static void close_outputs(struct output *outs, size_t n)
{
    for (size_t k = 0; k < n; k++)
        output_close(&outs[k]);
    xfree(outs);
}

static void add_default_output(struct config *c)
{
    if (c->noutputs > 0)
        return;
    c->outputs = xcalloc(1, sizeof(*c->outputs));
    c->outputs[0].name = xstrdup("stdout");
    c->outputs[0].type = xstrdup("stdout");
    c->outputs[0].take = TAKE_EVENTS | TAKE_ALERTS;
    c->outputs[0].kind = output_kind_find("stdout");
    c->noutputs = 1;
}

/* vflags: VALIDATE_*. */
static int load_config(const char *path, struct config *c, struct engine **eng, unsigned vflags)
{
    struct diag dg;
    int errors;

    diag_init(&dg);
    if (path != NULL) {
        errors = config_load(c, path, &dg);
    } else {
        config_default(c);
        errors = 0;
    }
    *eng = engine_load(c, vflags, &dg); /* also after errors: all of them are told */
    if (errors > 0 && *eng != NULL) {
        engine_free(*eng);
        *eng = NULL;
    }
    diag_sort(&dg);
    print_diag(&dg, LOG_LEVEL_ERROR);
    diag_free(&dg);
    if (*eng == NULL) {
        config_free(c);
        return -1;
    }
    add_default_output(c);
    return 0;
}

static void start_one(struct daemon *d, const struct cfg_input *cfg)
{
    struct input *in = xcalloc(1, sizeof(*in));
    struct ww_err err = {0};

    in->cfg = cfg;
    input_set_matcher(in, input_matcher(d, in));
    if (cfg->ts_pattern != NULL) {
        char err[300];
        in->ts_re = timestamp_pattern_compile(cfg->ts_pattern, err, sizeof(err));
    }
    in->next = d->inputs;
    d->inputs = in;
    if (input_start(d, in, cfg, &err) != 0)
        log_warnx("%s", err.msg);
}

static void start_inputs(struct daemon *d)
{
    for (size_t i = 0; i < d->cfg.ninputs; i++)
        start_one(d, &d->cfg.inputs[i]);
}

static void restart_timers(struct daemon *d)
{
    uv_timer_start(&d->poll, poll_cb, d->cfg.poll_ms, d->cfg.poll_ms);
    uv_timer_start(&d->commit, commit_cb, d->cfg.commit_ms, d->cfg.commit_ms);
}

/* Moves the inputs whose configuration did not change into the new config;
 * stops the others. Returns the kept ones. */
static struct input *keep_inputs(struct daemon *d, struct config *nc)
{
    struct input *kept = NULL, *old = d->inputs;

    for (size_t i = 0; i < nc->ninputs; i++) {
        for (struct input **pp = &old; *pp != NULL; pp = &(*pp)->next) {
            struct input *in = *pp;
            if (strcmp(in->cfg->key, nc->inputs[i].key) == 0) {
                *pp = in->next;
                in->cfg = &nc->inputs[i];
                in->keep = 1;
                in->next = kept;
                kept = in;
                break;
            }
        }
    }
    while (old != NULL) {
        struct input *in = old;
        old = in->next;
        log_info("input %s removed", in->cfg->paths[0]);
        input_stop(in);
    }
    return kept;
}

static void reload(struct daemon *d)
{
    struct config nc;
    struct engine *ne, *oe = d->eng;
    struct output *nouts;
    size_t nn;

    platform_notify("RELOADING=1");
    log_info("reloading %s", d->cfg.file ? d->cfg.file : "(built-in default)");
    if (d->cfg.file == NULL || load_config(d->cfg.file, &nc, &ne, 0) != 0 ||
        (open_outputs(d->loop, &nc, &nouts, &nn) != 0 && (engine_free(ne), config_free(&nc), 1))) {
        log_warnx("reload failed: keeping the old configuration");
        platform_notify("READY=1");
        return;
    }
    if (strcmp(nc.state_dir, d->cfg.state_dir) != 0)
        log_warnx("state_dir changes take effect at the next start");
    daemon_flush(d);
    (void)commit(d); /* a file output hands what it could not write to its successor */
    close_outputs(d->outs, d->nouts);
    d->outs = nouts;
    d->nouts = nn;
    d->want_text = any_text(nouts, nn);
    d->inputs = keep_inputs(d, &nc);
    d->eng = ne;
    for (struct input *in = d->inputs; in != NULL; in = in->next)
        input_set_matcher(in, input_matcher(d, in));
    d->own_told = 0; /* the outputs may be others */
    alerts_free(&d->alerts); /* windows start afresh with the new rules */
    alerts_init(&d->alerts, &d->eng->alerts, on_alert, d);
    engine_free(oe);
    xfree(nc.state_dir);
    nc.state_dir = xstrdup(d->cfg.state_dir);
    {
        struct config old = d->cfg;
        d->cfg = nc;
        for (size_t i = 0; i < d->cfg.ninputs; i++) {
            int have = 0;
            for (struct input *in = d->inputs; in != NULL; in = in->next)
                have |= in->cfg == &d->cfg.inputs[i] && in->keep;
            if (!have)
                start_one(d, &d->cfg.inputs[i]);
        }
        for (struct input *in = d->inputs; in != NULL; in = in->next)
            in->keep = 0;
        config_free(&old);
    }
    log_configure(d->cfg.log_level, d->cfg.log_target, d->cfg.log_path);
    restart_timers(d);
    daemon_flush(d);
    log_info("reloaded: %zu inputs, %zu outputs, %zu rules", d->cfg.ninputs, d->nouts,
             d->eng->rules.n);
    platform_notify("READY=1");
}

static void stop_all(struct daemon *d)
{
    if (d->stopping)
        return; /* a second signal or request while stopping */
    d->stopping = 1;
    platform_notify("STOPPING=1");
    log_info("stopping");
    daemon_flush(d);
    if (d->once && spool_failed_all() > 0) {
        /* the lines are read again next time: this run's spooled copies go */
        log_warnx("%llu messages not delivered; offsets not committed",
                  (unsigned long long)spool_failed_all());
        spool_rollback_all();
        d->exit_code = 2;
    } else if (commit(d) != 0 && d->once) {
        d->exit_code = 2; /* --once did not get everything it read where it goes */
    } else if (d->once && spool_rejected_all() > 0) {
        /* refused for good: reading the lines again would not help */
        log_warnx("%llu messages rejected by their receiver; offsets committed",
                  (unsigned long long)spool_rejected_all());
        d->exit_code = 1;
    }
    close_outputs(d->outs, d->nouts); /* asynchronous kinds finish in the loop */
    d->outs = NULL;
    d->nouts = 0;
    while (d->inputs != NULL) {
        struct input *in = d->inputs;
        d->inputs = in->next;
        input_stop(in);
    }
    uv_timer_stop(&d->poll);
    uv_timer_stop(&d->commit);
    uv_close((uv_handle_t *)&d->drain, NULL);
    uv_idle_stop(&d->more);
    uv_close((uv_handle_t *)&d->poll, NULL);
    uv_close((uv_handle_t *)&d->commit, NULL);
    uv_close((uv_handle_t *)&d->more, NULL);
    for (size_t i = 0; i < 3; i++)
        uv_close((uv_handle_t *)&d->sigs[i], NULL);
    uv_mutex_lock(&requests_lock);
    running = NULL; /* no more wake-ups for a handle being closed */
    uv_mutex_unlock(&requests_lock);
    uv_close((uv_handle_t *)&d->wake, NULL);
}

static void signal_cb(uv_signal_t *h, int signum)
{
    struct daemon *d = h->data;

    if (signum == SIGHUP) {
        if (!d->stopping)
            reload(d);
        return;
    }
    stop_all(d);
}

static void request(int what)
{
    uv_once(&requests_once, requests_init);
    uv_mutex_lock(&requests_lock);
    pending |= what;
    if (running != NULL)
        uv_async_send(&running->wake);
    uv_mutex_unlock(&requests_lock);
}

void daemon_request_stop(void)
{
    request(REQ_STOP);
}

void daemon_request_reload(void)
{
    request(REQ_RELOAD);
}

static void wake_cb(uv_async_t *h)
{
    struct daemon *d = h->data;
    int what;

    uv_mutex_lock(&requests_lock);
    what = pending;
    pending = 0;
    uv_mutex_unlock(&requests_lock);
    if (what & REQ_STOP)
        stop_all(d);
    else if ((what & REQ_RELOAD) && !d->stopping)
        reload(d);
}

static int prepare_state(struct daemon *d)
{
    struct ww_err err = {0};
    uv_fs_t req;
    int rc = uv_fs_mkdir(NULL, &req, d->cfg.state_dir, 0750, NULL);

    uv_fs_req_cleanup(&req);
    if (rc < 0 && rc != UV_EEXIST) {
        log_error("state_dir %s: %s", d->cfg.state_dir, uv_strerror(rc));
        return -1;
    }
    state_init(&d->st, d->cfg.state_dir);
    if (state_load(&d->st, &err) != 0)
        log_warnx("%s", err.msg);
    memset(&err, 0, sizeof(err));
    /* An unwritable state_dir is a setup mistake: fail now rather than at the
     * first commit. A full one is not: the daemon is most needed when things
     * go wrong, and commits resume once there is space again. */
    if (state_save(&d->st, &err) != 0 && !d->st.no_space) {
        log_error("%s", err.msg);
        return -1;
    }
    if (d->st.no_space) {
        log_warnx("%s; starting anyway: offsets are committed once there is space", err.msg);
        d->state_failing = 1;
    }
    return 0;
}

static void start_loop(struct daemon *d)
{
    static const int signums[3] = {SIGTERM, SIGINT, SIGHUP};

    uv_timer_init(d->loop, &d->poll);
    uv_timer_init(d->loop, &d->commit);
    uv_timer_init(d->loop, &d->drain);
    d->poll.data = d->commit.data = d->drain.data = d;
    restart_timers(d);
    for (size_t i = 0; i < 3; i++) {
        uv_signal_init(d->loop, &d->sigs[i]);
        d->sigs[i].data = d;
        uv_signal_start(&d->sigs[i], signal_cb, signums[i]);
    }
}

#define DRAIN_MS 50

/* --once: stops once every spooling output delivered or gave up all it has
 * (their retries run in the loop meanwhile). */
static void drain_cb(uv_timer_t *t)
{
    struct daemon *d = t->data;

    daemon_flush(d);
    if (spool_pending_all() == 0) {
        uv_timer_stop(t);
        stop_all(d);
    }
}

/* --once: everything was read by the first scan (more turns if a file was
 * larger than one turn reads); take the last lines without newline, send the
 * backlog summaries, and stop. */
static void finish_once(struct daemon *d)
{
    while (input_poll_all_once(d))
        ;
    for (struct input *in = d->inputs; in != NULL; in = in->next)
        for (struct follower *f = in->files; f != NULL; f = f->next)
            (void)scan_stream_push(&f->st, 0, 1);
    alerts_tick(&d->alerts, wall_ms(), mono_ms()); /* ends the backlog's first tick */
    alerts_tick(&d->alerts, wall_ms(), mono_ms()); /* and sends its summaries */
    daemon_flush(d);
    uv_timer_stop(&d->poll); /* what came after the start waits for the next run */
    uv_timer_start(&d->drain, drain_cb, 0, DRAIN_MS);
}

static size_t count_files(struct daemon *d)
{
    size_t n = 0;

    for (struct input *in = d->inputs; in != NULL; in = in->next)
        for (struct follower *f = in->files; f != NULL; f = f->next)
            n++;
    return n;
}

/* A spool left by an output no longer configured is said once at start. */
static void warn_orphan_spools(const struct config *c)
{
    char **names = xcalloc(c->noutputs + 1, sizeof(char *));

    for (size_t i = 0; i < c->noutputs; i++)
        names[i] = c->outputs[i].name;
    spool_warn_orphans(names, c->noutputs);
    xfree(names);
}

/* Before anything is opened: the daemon does not run as root unless told. */
static int refuse_root(struct daemon *d, unsigned flags)
{
    struct ww_err err;

    memset(&err, 0, sizeof(err));
    if (privilege_check(&d->cfg, (flags & DAEMON_ALLOW_ROOT) != 0, &err) == 0)
        return 0;
    fprintf(stderr, "wsawatch: %s\n", err.msg);
    engine_free(d->eng);
    config_free(&d->cfg);
    return -1;
}

int daemon_run(const char *config_path, unsigned flags)
{
    struct daemon d;
    size_t host_len;

    memset(&d, 0, sizeof(d));
    if (load_config(config_path, &d.cfg, &d.eng,
                    (flags & DAEMON_ONCE) ? VALIDATE_RELATIVE_OK : 0) != 0)
        return 2;
    if (!(flags & DAEMON_ONCE) && refuse_root(&d, flags) != 0)
        return 2;
    log_configure(d.cfg.log_level, d.cfg.log_target, d.cfg.log_path);
    d.loop = uv_default_loop();
    spool_set_root(d.cfg.state_dir, (flags & DAEMON_ONCE) != 0);
    follower_set_bounded((flags & DAEMON_ONCE) != 0);
    if (prepare_state(&d) != 0 || open_outputs(d.loop, &d.cfg, &d.outs, &d.nouts) != 0) {
        engine_free(d.eng);
        config_free(&d.cfg);
        state_free(&d.st);
        return 2;
    }
    d.want_text = any_text(d.outs, d.nouts);
    warn_orphan_spools(&d.cfg);
    host_len = sizeof(d.host);
    if (uv_os_gethostname(d.host, &host_len) != 0)
        strcpy(d.host, "unknown");
    buf_init(&d.ev, DAEMON_EVENT_MAX);
    buf_init(&d.text, DAEMON_EVENT_MAX);
    uv_idle_init(d.loop, &d.more);
    d.more.data = &d;
    declare_metrics();
    alerts_init(&d.alerts, &d.eng->alerts, on_alert, &d);
    d.by_path = xcalloc(INPUT_PATH_BUCKETS, sizeof(*d.by_path));
    d.by_id = xcalloc(INPUT_PATH_BUCKETS, sizeof(*d.by_id));
    uv_once(&requests_once, requests_init);
    uv_async_init(d.loop, &d.wake, wake_cb);
    d.wake.data = &d;
    uv_mutex_lock(&requests_lock);
    running = &d;
    if (pending) /* asked before the loop ran */
        uv_async_send(&d.wake);
    uv_mutex_unlock(&requests_lock);
    start_inputs(&d);
    d.st.loaded_ms = 0; /* judges only the files found at start (input.c), not at a reload */
    daemon_flush(&d);
    start_loop(&d);
    log_info("ready: %zu inputs, %zu files, %zu outputs, %zu rules", d.cfg.ninputs,
             count_files(&d), d.nouts, d.eng->rules.n);
    d.once = (flags & DAEMON_ONCE) != 0;
    out_stdout_wait_at_close(d.once);
    if (d.once) {
        finish_once(&d);
    } else {
        platform_notify("READY=1");
    }
    uv_run(d.loop, UV_RUN_DEFAULT);
    state_free(&d.st);
    alerts_free(&d.alerts);
    xfree(d.by_path);
    xfree(d.by_id);
    engine_free(d.eng);
    config_free(&d.cfg);
    buf_free(&d.ev);
    buf_free(&d.text);
    uv_loop_close(d.loop);
    spool_set_root(NULL, 0);
    log_info("stopped");
    return d.exit_code;
}
