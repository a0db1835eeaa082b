/*
 * `wsawatch scan`: one pass over files or standard input, events as JSON
 * lines or text, or with --summary only the counts by code, file and peer.
 * An unreadable file is reported and the others are still scanned (exit 2).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "scanner.h"
#include "util/alloc.h"
#include "util/json.h"

#define SUMMARY_KEYS 1000 /* distinct keys counted per table; the rest as "(other)" */

struct counter {
    char **keys;
    uint64_t *counts;
    size_t n;
    uint64_t other;
};

struct scan_ctx {
    int json, summary, color;
    struct buf out;
    struct counter by_code, by_file, by_peer;
    const char *path;
};

static void count(struct counter *c, const char *key, size_t len)
{
    for (size_t i = 0; i < c->n; i++) {
        if (strlen(c->keys[i]) == len && memcmp(c->keys[i], key, len) == 0) {
            c->counts[i]++;
            return;
        }
    }
    if (c->n == SUMMARY_KEYS) {
        c->other++;
        return;
    }
    if (c->keys == NULL) {
        c->keys = xcalloc(SUMMARY_KEYS, sizeof(char *));
        c->counts = xcalloc(SUMMARY_KEYS, sizeof(uint64_t));
    }
    c->keys[c->n] = xstrndup(key, len);
    c->counts[c->n++] = 1;
}

static void counter_free(struct counter *c)
{
    for (size_t i = 0; i < c->n; i++)
        xfree(c->keys[i]);
    xfree(c->keys);
    xfree(c->counts);
}

static void tally(struct scan_ctx *x, const struct line_ref *l, const struct match *m)
{
    char key[96];

    snprintf(key, sizeof(key), "%ld %s", m->code->code, m->code->symbol ? m->code->symbol : "");
    count(&x->by_code, key, strlen(key));
    count(&x->by_file, l->path, strlen(l->path));
    for (size_t i = 0; i < m->ncaps; i++)
        if (strcmp(m->caps[i].name, "peer") == 0)
            count(&x->by_peer, l->text + m->caps[i].off, m->caps[i].len);
}

static int event_cb(void *ctx, const struct line_ref *l, const struct match_set *ms)
{
    struct scan_ctx *x = ctx;
    char ts[32];

    if (ms->limit_hits > 0)
        fprintf(stderr, "wsawatch scan: %s@%llu: rule '%s' hit the PCRE2 match limit; "
                        "line skipped for that rule\n",
                l->path, (unsigned long long)l->offset, ms->limit_rule->id);
    event_now(ts);
    for (size_t i = 0; i < ms->n; i++) {
        int rc;

        if (x->summary) {
            tally(x, l, &ms->v[i]);
            continue;
        }
        buf_reset(&x->out);
        rc = x->json ? event_json(&x->out, ts, l, &ms->v[i], NULL)
                     : event_text(&x->out, l, &ms->v[i], x->color);
        if (rc == 0)
            rc = buf_putc(&x->out, '\n');
        if (rc == 0 && fwrite(x->out.p, 1, x->out.len, stdout) != x->out.len)
            return WW_EIO;
    }
    return 0;
}

/* Largest count first (insertion sort: at most SUMMARY_KEYS entries, once). */
static void counter_sort(struct counter *c)
{
    for (size_t i = 1; i < c->n; i++) {
        char *k = c->keys[i];
        uint64_t v = c->counts[i];
        size_t j = i;
        for (; j > 0 && c->counts[j - 1] < v; j--) {
            c->keys[j] = c->keys[j - 1];
            c->counts[j] = c->counts[j - 1];
        }
        c->keys[j] = k;
        c->counts[j] = v;
    }
}

static void print_counter(struct scan_ctx *x, const char *title, struct counter *c)
{
    counter_sort(c);
    if (x->json) {
        printf("%s\"%s\":{", strcmp(title, "by_code") == 0 ? "" : ",", title);
        for (size_t i = 0; i < c->n; i++) {
            buf_reset(&x->out);
            if (json_put_str(&x->out, c->keys[i], strlen(c->keys[i])) == 0)
                printf("%s%s:%llu", i ? "," : "", x->out.p, (unsigned long long)c->counts[i]);
        }
        if (c->other)
            printf("%s\"(other)\":%llu", c->n ? "," : "", (unsigned long long)c->other);
        printf("}");
        return;
    }
    printf("%s:\n", title);
    for (size_t i = 0; i < c->n; i++) {
        buf_reset(&x->out);
        if (event_put_escaped(&x->out, c->keys[i], strlen(c->keys[i]), 300) == 0)
            printf("  %8llu  %s\n", (unsigned long long)c->counts[i], buf_str(&x->out));
    }
    if (c->other)
        printf("  %8llu  (other)\n", (unsigned long long)c->other);
}

static void print_summary(struct scan_ctx *x, const struct scan_stats *st)
{
    if (x->json)
        printf("{\"summary\":{\"lines\":%llu,\"bytes\":%llu,\"events\":%llu,",
               (unsigned long long)st->lines, (unsigned long long)st->bytes,
               (unsigned long long)st->events);
    else
        printf("%llu lines, %llu bytes, %llu events\n", (unsigned long long)st->lines,
               (unsigned long long)st->bytes, (unsigned long long)st->events);
    print_counter(x, "by_code", &x->by_code);
    print_counter(x, "by_file", &x->by_file);
    print_counter(x, "by_peer", &x->by_peer);
    if (x->json)
        printf("}}\n");
}

/* Parses "65536", "64KiB", "1MiB", "64k". */
static int parse_size(const char *s, size_t *out)
{
    char *end;
    unsigned long long v = strtoull(s, &end, 10);

    if (end == s)
        return WW_EINVAL;
    if (strcmp(end, "KiB") == 0 || strcmp(end, "k") == 0 || strcmp(end, "K") == 0)
        v <<= 10;
    else if (strcmp(end, "MiB") == 0 || strcmp(end, "M") == 0)
        v <<= 20;
    else if (*end != '\0')
        return WW_EINVAL;
    *out = (size_t)v;
    return 0;
}

struct scan_args {
    struct cli_rules cr;
    struct scanner sc;
    char **files;
    int nfiles;
};

static int parse_args(struct scan_args *a, struct scan_ctx *x, int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        const char *o = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

        if (cli_rules_option(&a->cr, argc, argv, &i)) {
            continue;
        } else if (strcmp(o, "--format") == 0 && v) {
            if (strcmp(v, "json") != 0 && strcmp(v, "text") != 0)
                return cli_usage_error("scan", "--format must be text or json, not '%s'", v);
            x->json = strcmp(argv[++i], "json") == 0;
        } else if (strcmp(o, "--summary") == 0) {
            x->summary = 1;
        } else if (strcmp(o, "--max-line-bytes") == 0 && v) {
            if (parse_size(argv[++i], &a->sc.max_line) != 0 || a->sc.max_line < 1024 ||
                a->sc.max_line > (256u << 20))
                return cli_usage_error("scan", "--max-line-bytes takes a size from 1KiB to "
                                               "256MiB, not '%s'", v);
        } else if (strcmp(o, "--encoding") == 0 && v) {
            if (decoder_parse(argv[++i], &a->sc.encoding) != 0)
                return cli_usage_error("scan", "unknown encoding '%s'", v);
        } else if (o[0] == '-' && o[1] == '-' && o[2] == '\0') {
            for (i++; i < argc; i++)
                a->files[a->nfiles++] = argv[i];
        } else if (o[0] == '-' && o[1] != '\0') {
            return cli_usage_error("scan", "unknown option or missing value: '%s'", o);
        } else {
            a->files[a->nfiles++] = argv[i];
        }
    }
    return 0;
}

static int scan_all(struct scan_args *a)
{
    int trouble = 0;

    for (int i = 0; i < a->nfiles; i++) {
        struct ww_err err = {0};
        int fd = cli_open(a->files[i], &err);
        const char *name = strcmp(a->files[i], "-") == 0 ? "(standard input)" : a->files[i];

        if (fd >= 0 && scanner_run(&a->sc, name, fd, &err) != 0 && err.code == 0)
            ww_err_set(&err, WW_EIO, "standard output: write error");
        if (err.code != 0) {
            fprintf(stderr, "wsawatch scan: %s\n", err.msg);
            trouble = 1;
        }
        if (fd >= 0)
            cli_close(fd);
    }
    return trouble;
}

int cmd_scan(int argc, char **argv)
{
    static char *stdin_only[] = {"-"};
    struct scan_args a;
    struct scan_ctx x;
    struct matcher m;
    int rc, trouble;

    memset(&a, 0, sizeof(a));
    memset(&x, 0, sizeof(x));
    cli_rules_init(&a.cr, (size_t)argc);
    a.files = xcalloc((size_t)argc + 1, sizeof(char *));
    a.sc.max_line = SCANNER_MAX_LINE_DEFAULT;
    if ((rc = parse_args(&a, &x, argc, argv)) != 0 || (rc = cli_rules_load(&a.cr, 0)) != 0)
        goto out;
    if (a.nfiles == 0)
        a.files = memcpy(a.files, stdin_only, sizeof(stdin_only)), a.nfiles = 1;
    x.color = !x.json && cli_color();
    buf_init(&x.out, 64u << 20);
    matcher_init(&m, &a.cr.table, &a.cr.rules);
    a.sc.m = &m;
    a.sc.cb = event_cb;
    a.sc.ctx = &x;
    trouble = scan_all(&a);
    if (x.summary)
        print_summary(&x, &a.sc.st);
    if (a.sc.st.truncated > 0)
        fprintf(stderr, "wsawatch scan: %llu lines longer than %zu bytes were matched in their "
                        "first %zu bytes\n",
                (unsigned long long)a.sc.st.truncated, a.sc.max_line, a.sc.max_line);
    fflush(stdout);
    matcher_free(&m);
    buf_free(&x.out);
    rc = trouble ? EXIT_TROUBLE : a.sc.st.events > 0 ? EXIT_FOUND : EXIT_NONE;
out:
    counter_free(&x.by_code), counter_free(&x.by_file), counter_free(&x.by_peer);
    xfree(a.files);
    cli_rules_free(&a.cr);
    return rc;
}
