/*
 * The alert engine: groups, sliding windows, cooldowns, resolved notices and
 * backlog summaries. See alerts.h; alert_rules.c reads the rules.
 */
#include "alerts.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "event.h"
#include "metrics.h"
#include "timestamp.h"
#include "util/alloc.h"
#include "util/json.h"
#include "util/log.h"

#define SAMPLE_MAX_BYTES 512
#define SLOTS 16    /* the window in slots, for the reported count */
#define RING_MIN 1
#define RING_MAX 4096
#define BACKLOG_TOP 5
#define ALERT_JSON_MAX (1u << 20)
#define OVERFLOW_KEY "(overflow)"

struct alert_group {
    struct alert_group *next; /* hash chain */
    size_t rule;
    char *key;                /* rule index, then the group's values, \x1f-separated */
    char **vals;              /* one per group_by entry */
    int64_t *ring;            /* times of the latest `threshold` events: the decision */
    size_t ring_cap, ring_n, ring_head;
    uint32_t slot_count[SLOTS]; /* events per window/SLOTS slice: the reported count */
    int64_t slot_epoch[SLOTS];
    int64_t first_seen, last_seen; /* of the current burst */
    const struct wcode *codes[ALERT_CODES_MAX];
    uint64_t code_counts[ALERT_CODES_MAX];
    size_t ncodes;
    char *samples[ALERT_SAMPLES_MAX];
    size_t nsamples, sample_next;
    int64_t cooldown_until;   /* monotonic: a line's time may be skewed */
    uint64_t suppressed;
    uint64_t burst_events;
    int firing;
    int64_t last_arrival;     /* monotonic */
};

struct backlog_top {
    char *key;
    uint64_t count;
};

struct alert_backlog {
    uint64_t events;
    int64_t first, last;
    const struct wcode *codes[ALERT_CODES_MAX];
    uint64_t code_counts[ALERT_CODES_MAX];
    size_t ncodes;
    struct backlog_top top[BACKLOG_TOP];
    uint64_t other;           /* events of groups not in top */
    int added;                /* events came since the last tick */
};

static const char *severity_name(enum msg_severity s)
{
    switch (s) {
    case SEV_CRITICAL: return "critical";
    case SEV_ERROR: return "error";
    case SEV_WARNING: return "warning";
    case SEV_NOTICE: return "notice";
    case SEV_INFO: return "info";
    }
    return "warning";
}

void alerts_init(struct alert_engine *e, const struct alert_set *set, alert_emit_cb emit,
                 void *ctx)
{
    memset(e, 0, sizeof(*e));
    e->set = set;
    e->emit = emit;
    e->ctx = ctx;
    e->nbuckets = 1024;
    e->buckets = xcalloc(e->nbuckets, sizeof(*e->buckets));
    e->groups_per_rule = xcalloc(set->n + 1, sizeof(size_t));
    e->backlog = xcalloc(set->n + 1, sizeof(*e->backlog));
    buf_init(&e->json, ALERT_JSON_MAX);
    metrics_declare("wsawatch_alerts_total", METRIC_COUNTER, "Alerts sent, by alert and state.");
    metrics_declare("wsawatch_alert_groups_overflow_total", METRIC_COUNTER,
                    "Events put in the overflow group because an alert had max_groups groups.");
    metrics_declare("wsawatch_alert_backlog_events_total", METRIC_COUNTER,
                    "Events too old to alert on when read, by alert.");
}

static void group_free(struct alert_group *g)
{
    xfree(g->key);
    for (size_t i = 0; g->vals && g->vals[i]; i++)
        xfree(g->vals[i]);
    xfree(g->vals);
    xfree(g->ring);
    for (size_t i = 0; i < g->nsamples; i++)
        xfree(g->samples[i]);
    xfree(g);
}

void alerts_free(struct alert_engine *e)
{
    for (size_t b = 0; b < e->nbuckets; b++)
        while (e->buckets[b] != NULL) {
            struct alert_group *g = e->buckets[b];
            e->buckets[b] = g->next;
            group_free(g);
        }
    for (size_t r = 0; r < e->set->n; r++)
        for (size_t i = 0; i < BACKLOG_TOP; i++)
            xfree(e->backlog[r].top[i].key);
    xfree(e->buckets);
    xfree(e->groups_per_rule);
    xfree(e->backlog);
    buf_free(&e->json);
    memset(e, 0, sizeof(*e));
}

static int has_str(char *const *v, size_t n, const char *s)
{
    for (size_t i = 0; i < n; i++)
        if (s != NULL && strcmp(v[i], s) == 0)
            return 1;
    return 0;
}

static int selects(const struct alert_rule *r, const struct alert_input *in)
{
    int ok = r->enabled;

    if (ok && r->ncodes > 0) {
        ok = 0;
        for (size_t i = 0; i < r->ncodes; i++)
            ok |= r->codes[i] == in->code->code;
    }
    if (ok && r->ncategories > 0)
        ok = has_str(r->categories, r->ncategories, in->code->category);
    if (ok && r->nrules > 0)
        ok = has_str(r->rules, r->nrules, in->rule_id);
    for (size_t i = 0; ok && r->ntags > 0 && i < 1; i++) {
        ok = 0;
        for (size_t t = 0; t < in->ntags; t++)
            ok |= has_str(r->tags, r->ntags, in->tags[t]);
    }
    return ok;
}

/* The value an event has for one group_by entry ("" when it has none). */
static char *group_value(const char *by, const struct alert_input *in)
{
    char num[16];

    if (strcmp(by, "file") == 0)
        return xstrdup(in->file ? in->file : "");
    if (strcmp(by, "host") == 0)
        return xstrdup(in->host ? in->host : "");
    if (strcmp(by, "rule") == 0)
        return xstrdup(in->rule_id ? in->rule_id : "");
    if (strcmp(by, "code") == 0)
        return snprintf(num, sizeof(num), "%ld", in->code->code), xstrdup(num);
    if (strcmp(by, "tag") == 0)
        return xstrdup(in->ntags > 0 ? in->tags[0] : "");
    for (size_t i = 0; i < in->ncaps; i++)
        if (strcmp(in->cap_names[i], by) == 0)
            return xstrndup(in->cap_values[i], in->cap_lens[i]);
    return xstrdup("");
}

static uint32_t hash(const char *s)
{
    uint32_t h = 2166136261u;

    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

static char **make_vals(const struct alert_rule *r, const struct alert_input *in, char **key,
                        size_t rule)
{
    char **vals = xcalloc(r->ngroup_by + 1, sizeof(char *));
    struct buf b;
    int rc;

    buf_init(&b, 1u << 20);
    rc = buf_printf(&b, "%zu", rule);
    for (size_t i = 0; i < r->ngroup_by; i++) {
        vals[i] = group_value(r->group_by[i], in);
        rc |= buf_putc(&b, '\x1f');
        rc |= buf_append(&b, vals[i], strlen(vals[i]));
    }
    *key = xstrdup(buf_str(&b)); /* rc: capped at 1 MiB, the key is then just shorter */
    (void)rc;
    buf_free(&b);
    return vals;
}

static struct alert_group *find(struct alert_engine *e, const char *key)
{
    for (struct alert_group *g = e->buckets[hash(key) % e->nbuckets]; g != NULL; g = g->next)
        if (strcmp(g->key, key) == 0)
            return g;
    return NULL;
}

static void grow(struct alert_engine *e)
{
    size_t n = e->nbuckets * 2;
    struct alert_group **b = xcalloc(n, sizeof(*b));

    for (size_t i = 0; i < e->nbuckets; i++)
        while (e->buckets[i] != NULL) {
            struct alert_group *g = e->buckets[i];
            e->buckets[i] = g->next;
            g->next = b[hash(g->key) % n];
            b[hash(g->key) % n] = g;
        }
    xfree(e->buckets);
    e->buckets = b;
    e->nbuckets = n;
}

static struct alert_group *insert(struct alert_engine *e, size_t rule, char *key, char **vals)
{
    struct alert_group *g = xcalloc(1, sizeof(*g));
    size_t cap = e->set->v[rule].threshold < RING_MIN ? RING_MIN : e->set->v[rule].threshold;

    if (e->ngroups >= e->nbuckets)
        grow(e);
    g->rule = rule;
    g->key = key;
    g->vals = vals;
    g->ring_cap = cap > RING_MAX ? RING_MAX : cap;
    g->ring = xcalloc(g->ring_cap, sizeof(int64_t));
    g->next = e->buckets[hash(key) % e->nbuckets];
    e->buckets[hash(key) % e->nbuckets] = g;
    e->ngroups++;
    e->groups_per_rule[rule]++;
    return g;
}

/* The group of an event; past max_groups, the rule's overflow group. */
static struct alert_group *group_of(struct alert_engine *e, size_t rule,
                                    const struct alert_input *in)
{
    const struct alert_rule *r = &e->set->v[rule];
    char *key, **vals = make_vals(r, in, &key, rule), over[64];
    struct alert_group *g = find(e, key);

    if (g != NULL || e->groups_per_rule[rule] < r->max_groups) {
        if (g == NULL)
            return insert(e, rule, key, vals);
        xfree(key);
    } else {
        char lbl[256];
        metrics_label(lbl, 0, sizeof(lbl), "alert", r->id);
        metrics_add("wsawatch_alert_groups_overflow_total", lbl, 1);
        snprintf(over, sizeof(over), "%zu\x1f" OVERFLOW_KEY, rule);
        xfree(key);
        for (size_t i = 0; i < r->ngroup_by; i++) {
            xfree(vals[i]);
            vals[i] = xstrdup(OVERFLOW_KEY);
        }
        if ((g = find(e, over)) == NULL) {
            e->groups_per_rule[rule]--; /* the overflow group is over the cap */
            g = insert(e, rule, xstrdup(over), vals);
            return g;
        }
    }
    for (size_t i = 0; vals[i]; i++)
        xfree(vals[i]);
    xfree(vals);
    return g;
}

static void count_code(const struct wcode **codes, uint64_t *counts, size_t *n,
                       const struct wcode *code)
{
    for (size_t i = 0; i < *n; i++)
        if (codes[i] == code) {
            counts[i]++;
            return;
        }
    if (*n < ALERT_CODES_MAX) {
        codes[*n] = code;
        counts[(*n)++] = 1;
    }
}

static void remember(struct alert_group *g, const struct alert_rule *r,
                     const struct alert_input *in)
{
    size_t len = in->len < SAMPLE_MAX_BYTES ? in->len : SAMPLE_MAX_BYTES;
    int64_t width = r->window_ms / SLOTS > 0 ? r->window_ms / SLOTS : 1, idx = in->t_ms / width;

    if (g->slot_epoch[idx % SLOTS] != idx) {
        g->slot_epoch[idx % SLOTS] = idx;
        g->slot_count[idx % SLOTS] = 0;
    }
    g->slot_count[idx % SLOTS]++;
    g->ring[(g->ring_head + g->ring_n) % g->ring_cap] = in->t_ms;
    if (g->ring_n < g->ring_cap)
        g->ring_n++;
    else
        g->ring_head = (g->ring_head + 1) % g->ring_cap;
    if (g->burst_events++ == 0)
        g->first_seen = in->t_ms;
    g->last_seen = in->t_ms;
    count_code(g->codes, g->code_counts, &g->ncodes, in->code);
    if (r->samples > 0) {
        size_t slot = g->sample_next++ % r->samples;
        if (slot < g->nsamples)
            xfree(g->samples[slot]);
        else
            g->nsamples++;
        g->samples[slot] = xstrndup(in->line, len);
    }
}

/* Whether the last `threshold` events all fall within the window. */
static int reached(const struct alert_group *g, const struct alert_rule *r, int64_t now)
{
    uint64_t n = 0;

    for (size_t i = 0; i < g->ring_n; i++)
        n += g->ring[(g->ring_head + i) % g->ring_cap] > now - r->window_ms;
    return n >= r->threshold;
}

/* Events in the window ending now, to within one slot at its old edge. */
static uint64_t in_window(const struct alert_group *g, const struct alert_rule *r, int64_t now)
{
    int64_t width = r->window_ms / SLOTS > 0 ? r->window_ms / SLOTS : 1, idx = now / width;
    uint64_t n = 0;

    for (size_t s = 0; s < SLOTS; s++)
        if (g->slot_epoch[s] > idx - SLOTS && g->slot_epoch[s] <= idx)
            n += g->slot_count[s];
    return n;
}

static int put_group(struct buf *b, const struct alert_rule *r, char *const *vals)
{
    int rc = buf_append(b, "\"group\":{", 9);

    for (size_t i = 0; rc == 0 && i < r->ngroup_by; i++) {
        rc = json_put_key(b, r->group_by[i], i == 0);
        rc = rc ? rc : json_put_str(b, vals[i], strlen(vals[i]));
    }
    return rc ? rc : buf_putc(b, '}');
}

static int put_codes(struct buf *b, const struct wcode *const *codes, const uint64_t *counts,
                     size_t n)
{
    int rc = buf_append(b, ",\"codes\":{", 10);

    for (size_t i = 0; rc == 0 && i < n; i++)
        rc = buf_printf(b, "%s\"%ld\":%" PRIu64, i ? "," : "", codes[i]->code, counts[i]);
    return rc ? rc : buf_putc(b, '}');
}

static const struct wcode *dominant(const struct wcode *const *codes, const uint64_t *counts,
                                    size_t n)
{
    size_t best = 0;

    for (size_t i = 1; i < n; i++)
        if (counts[i] > counts[best])
            best = i;
    return n > 0 ? codes[best] : NULL;
}

/* "7 WSAECONNRESET in 60 s from /var/log/api.log, peer 10.0.0.9:443" */
static void summary(char *out, size_t size, const struct alert_rule *r, char *const *vals,
                    uint64_t count, const struct wcode *top, const char *state)
{
    size_t n = (size_t)snprintf(out, size, "%s%" PRIu64 " %s in %lld s", state, count,
                                top && top->symbol ? top->symbol : "Winsock errors",
                                (long long)(r->window_ms / 1000));

    for (size_t i = 0; i < r->ngroup_by && n < size; i++)
        n += (size_t)snprintf(out + n, size - n, "%s%s%s%s", i ? ", " : " from ",
                              strcmp(r->group_by[i], "file") == 0 ? "" : r->group_by[i],
                              strcmp(r->group_by[i], "file") == 0 ? "" : " ", vals[i]);
}

static int put_head(struct buf *b, const struct alert_rule *r, const char *state, int64_t now)
{
    char ts[32];

    timestamp_format(now, ts);
    return buf_printf(b, "{\"@timestamp\":\"%s\",\"event\":{\"kind\":\"alert\"},\"alert\":{"
                      "\"id\":", ts) ||
           json_put_str(b, r->id, strlen(r->id)) ||
           buf_printf(b, ",\"state\":\"%s\",\"severity\":\"%s\",\"threshold\":%" PRIu64
                      ",\"window_s\":%lld,", state, severity_name(r->severity), r->threshold,
                      (long long)(r->window_ms / 1000));
}

static int put_tail(struct buf *b, const struct wcode *top, const char *msg)
{
    int rc = buf_putc(b, '}');

    if (rc == 0 && top != NULL)
        rc = buf_putc(b, ',') || event_put_winsock(b, top);
    rc = rc || json_put_key(b, "message", 0) || json_put_str(b, msg, strlen(msg));
    return rc || buf_putc(b, '}');
}

static void emit_alert(struct alert_engine *e, const struct alert_rule *r, const char *state,
                 const char *msg)
{
    char lbl[256];
    size_t n = metrics_label(lbl, 0, sizeof(lbl), "alert", r->id);

    metrics_label(lbl, n, sizeof(lbl), "state", state);
    metrics_add("wsawatch_alerts_total", lbl, 1);
    e->emit(e->ctx, r, e->json.p, e->json.len, strcmp(state, "resolved") == 0 ? SEV_INFO
                                                                                : r->severity,
            msg);
}

static void fire(struct alert_engine *e, struct alert_group *g, uint64_t count, int64_t mono_ms)
{
    const struct alert_rule *r = &e->set->v[g->rule];
    const struct wcode *top = dominant(g->codes, g->code_counts, g->ncodes);
    char first[32], last[32], msg[512];
    int rc;

    timestamp_format(g->first_seen, first);
    timestamp_format(g->last_seen, last);
    summary(msg, sizeof(msg), r, g->vals, count, top, "");
    buf_reset(&e->json);
    rc = put_head(&e->json, r, "firing", g->last_seen) ||
         buf_printf(&e->json, "\"count\":%" PRIu64 ",", count) || put_group(&e->json, r, g->vals) ||
         buf_printf(&e->json, ",\"first_seen\":\"%s\",\"last_seen\":\"%s\",\"suppressed\":%" PRIu64,
                    first, last, g->suppressed) ||
         put_codes(&e->json, g->codes, g->code_counts, g->ncodes) ||
         buf_append(&e->json, ",\"samples\":[", 12);
    for (size_t i = 0; rc == 0 && i < g->nsamples; i++) {
        const char *s = g->samples[(g->sample_next - g->nsamples + i) % r->samples];
        rc = (i ? buf_putc(&e->json, ',') : 0) || json_put_str(&e->json, s, strlen(s));
    }
    rc = rc || buf_putc(&e->json, ']') || put_tail(&e->json, top, msg);
    if (rc == 0)
        emit_alert(e, r, "firing", msg);
    g->firing = 1;
    g->cooldown_until = mono_ms + r->cooldown_ms;
    g->suppressed = 0;
    g->burst_events = 0;
    g->ncodes = 0;
}

static void resolve(struct alert_engine *e, struct alert_group *g, int64_t now)
{
    const struct alert_rule *r = &e->set->v[g->rule];
    char last[32], msg[512];
    int rc;

    timestamp_format(g->last_seen, last);
    summary(msg, sizeof(msg), r, g->vals, 0, NULL, "resolved: ");
    buf_reset(&e->json);
    rc = put_head(&e->json, r, "resolved", now) || buf_printf(&e->json, "\"count\":0,") ||
         put_group(&e->json, r, g->vals) ||
         buf_printf(&e->json, ",\"last_seen\":\"%s\",\"suppressed\":%" PRIu64, last,
                    g->suppressed) ||
         put_tail(&e->json, NULL, msg);
    if (rc == 0)
        emit_alert(e, r, "resolved", msg);
}

static void feed_backlog(struct alert_engine *e, size_t rule, const struct alert_input *in)
{
    const struct alert_rule *r = &e->set->v[rule];
    struct alert_backlog *b = &e->backlog[rule];
    char lbl[256], *key, **vals = make_vals(r, in, &key, rule);
    size_t i;

    metrics_label(lbl, 0, sizeof(lbl), "alert", r->id);
    metrics_add("wsawatch_alert_backlog_events_total", lbl, 1);
    b->added = 1;
    if (b->events++ == 0 || in->t_ms < b->first)
        b->first = in->t_ms;
    if (in->t_ms > b->last || b->events == 1)
        b->last = in->t_ms;
    count_code(b->codes, b->code_counts, &b->ncodes, in->code);
    for (i = 0; i < BACKLOG_TOP && b->top[i].key && strcmp(b->top[i].key, key) != 0; i++)
        ;
    if (i < BACKLOG_TOP && b->top[i].key == NULL)
        b->top[i].key = xstrdup(key);
    if (i < BACKLOG_TOP)
        b->top[i].count++;
    else
        b->other++;
    xfree(key);
    for (i = 0; vals[i]; i++)
        xfree(vals[i]);
    xfree(vals);
}

/* One alert per rule for a whole backlog, once it has been read. */
static void summarize_backlog(struct alert_engine *e, size_t rule)
{
    const struct alert_rule *r = &e->set->v[rule];
    struct alert_backlog *b = &e->backlog[rule];
    const struct wcode *top = dominant(b->codes, b->code_counts, b->ncodes);
    char first[32], last[32], msg[512];
    int rc;

    timestamp_format(b->first, first);
    timestamp_format(b->last, last);
    snprintf(msg, sizeof(msg), "backlog: %" PRIu64 " %s read late (%s to %s); no alerts sent for them",
             b->events, top && top->symbol ? top->symbol : "events", first, last);
    buf_reset(&e->json);
    rc = put_head(&e->json, r, "backlog", b->last) ||
         buf_printf(&e->json, "\"count\":%" PRIu64 ",\"first_seen\":\"%s\",\"last_seen\":\"%s\"",
                    b->events, first, last) ||
         put_codes(&e->json, b->codes, b->code_counts, b->ncodes) ||
         buf_append(&e->json, ",\"top_groups\":[", 15);
    for (size_t i = 0; rc == 0 && i < BACKLOG_TOP && b->top[i].key; i++) {
        const char *k = strchr(b->top[i].key, '\x1f');
        k = k ? k + 1 : "";
        rc = (i ? buf_putc(&e->json, ',') : 0) || buf_append(&e->json, "{\"key\":", 7) ||
             json_put_str(&e->json, k, strlen(k)) ||
             buf_printf(&e->json, ",\"count\":%" PRIu64 "}", b->top[i].count);
    }
    rc = rc || buf_printf(&e->json, "],\"other\":%" PRIu64, b->other) || put_tail(&e->json, top, msg);
    if (rc == 0 && !r->backlog_ignore)
        emit_alert(e, r, "backlog", msg);
    for (size_t i = 0; i < BACKLOG_TOP; i++)
        xfree(b->top[i].key);
    memset(b, 0, sizeof(*b));
}

/* Windows slide in line time; the cooldown runs in monotonic time, so that
 * a line dated ahead (clock skew) holds nothing back beyond it. */
static void feed_live(struct alert_engine *e, size_t rule, const struct alert_input *in,
                      int64_t mono_ms)
{
    const struct alert_rule *r = &e->set->v[rule];
    struct alert_group *g = group_of(e, rule, in);
    uint64_t count;

    g->last_arrival = mono_ms;
    if (g->firing && g->cooldown_until > mono_ms) {
        g->suppressed++;
        remember(g, r, in);
        return;
    }
    remember(g, r, in);
    if (reached(g, r, in->t_ms)) {
        count = in_window(g, r, in->t_ms);
        fire(e, g, count > r->threshold ? count : r->threshold, mono_ms);
    }
}

void alerts_feed(struct alert_engine *e, const struct alert_input *in, int64_t now_ms,
                 int64_t mono_ms)
{
    for (size_t i = 0; i < e->set->n; i++) {
        const struct alert_rule *r = &e->set->v[i];

        if (!selects(r, in))
            continue;
        if (in->backlog || in->t_ms < now_ms - r->window_ms)
            feed_backlog(e, i, in);
        else
            feed_live(e, i, in, mono_ms);
    }
}

void alerts_tick(struct alert_engine *e, int64_t now_ms, int64_t mono_ms)
{
    for (size_t i = 0; i < e->set->n; i++) {
        struct alert_backlog *b = &e->backlog[i];
        if (b->events > 0 && !b->added)
            summarize_backlog(e, i);
        b->added = 0;
    }
    for (size_t k = 0; k < e->nbuckets; k++) {
        struct alert_group **pp = &e->buckets[k];
        while (*pp != NULL) {
            struct alert_group *g = *pp;
            const struct alert_rule *r = &e->set->v[g->rule];
            int64_t idle = mono_ms - g->last_arrival;

            if (g->firing && idle >= r->window_ms && g->cooldown_until <= mono_ms) {
                if (r->resolved)
                    resolve(e, g, now_ms);
                g->firing = 0;
            }
            if (!g->firing && idle >= r->window_ms && idle >= r->cooldown_ms) {
                *pp = g->next;
                e->ngroups--;
                if (strstr(g->key, OVERFLOW_KEY) == NULL)
                    e->groups_per_rule[g->rule]--;
                group_free(g);
                continue;
            }
            pp = &g->next;
        }
    }
}
