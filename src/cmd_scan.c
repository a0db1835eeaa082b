/*
 * `wsawatch scan`: one pass over files or standard input, events as JSON
 * lines or text, or with --summary only the counts by code, file and peer.
 * An unreadable file is reported and the others are still scanned (exit 2).
 * When standard output is closed early (`scan big.log | head`), it stops at
 * once and quietly, as grep does: exit 0, since it had found something.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "scanner.h"
#include "util/alloc.h"
#include "util/json.h"

#define SUMMARY_KEYS 1000 /* distinct keys counted per table; the rest as "(other)" */

static const char usage[] =
    "usage: wsawatch scan [OPTIONS] [FILE...|-]\n"
    "\n"
    "One pass over the files, or standard input (no FILE, or -): an event for each\n"
    "Winsock error found.\n"
    "\n"
    "  --format text|json    text (the default): path:LINE, the code, the rule and\n"
    "                        the line; json: one event object a line\n"
    "  --summary             only the counts by code, by file and by peer\n"
    "  --max-line-bytes N    match longer lines in their first N bytes (1KiB to\n"
    "                        256MiB; default 64KiB)\n"
    "  --encoding E          auto (the default), utf-8, utf-16le, utf-16be, ansi\n" CLI_RULES_HELP
        CLI_HELP_HELP "\n" CLI_EXIT_HELP;

enum { OPT_FORMAT = CLI_OPT_OWN, OPT_SUMMARY, OPT_MAX_LINE, OPT_ENCODING };

static const struct option options[] = {
    CLI_RULES_OPTIONS,
    CLI_HELP_OPTION,
    {"format", required_argument, NULL, OPT_FORMAT},
    {"summary", no_argument, NULL, OPT_SUMMARY},
    {"max-line-bytes", required_argument, NULL, OPT_MAX_LINE},
    {"encoding", required_argument, NULL, OPT_ENCODING},
    CLI_OPTIONS_END,
};

struct counter {
    char **keys;
    uint64_t *counts;
    size_t n;
    uint64_t other;
};

struct scan_ctx {
    int json, summary, color;
    int closed; /* standard output was closed by its reader */
    int werr;   /* errno of a failed write to standard output */
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
        fprintf(stderr, "wsawatch scan: %s:%llu: rule '%s' hit the PCRE2 match limit; "
                        "line skipped for that rule\n",
                l->path, (unsigned long long)l->line, ms->limit_rule->id);
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
        if (rc == 0 && fwrite(x->out.p, 1, x->out.len, stdout) != x->out.len) {
            x->werr = errno;
            x->closed = errno == EPIPE;
            return WW_EIO;
        }
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

/* Returns 0, CLI_HELP or EXIT_TROUBLE; the operands go to a->files. */
static int parse_args(struct scan_args *a, struct scan_ctx *x, int argc, char **argv)
{
    int opt;

    while ((opt = cli_getopt(argc, argv, ":h", options)) != -1) {
        if (cli_rules_option(&a->cr, opt, optarg))
            continue;
        switch (opt) {
        case OPT_FORMAT:
            if (strcmp(optarg, "json") != 0 && strcmp(optarg, "text") != 0)
                return cli_usage_error("scan", "--format must be text or json, not '%s'", optarg);
            x->json = strcmp(optarg, "json") == 0;
            break;
        case OPT_SUMMARY:
            x->summary = 1;
            break;
        case OPT_MAX_LINE:
            if (parse_size(optarg, &a->sc.max_line) != 0 || a->sc.max_line < 1024 ||
                a->sc.max_line > (256u << 20))
                return cli_usage_error("scan", "--max-line-bytes takes a size from 1KiB to "
                                               "256MiB, not '%s'", optarg);
            break;
        case OPT_ENCODING:
            if (decoder_parse(optarg, &a->sc.encoding) != 0)
                return cli_usage_error("scan", "unknown encoding '%s'", optarg);
            break;
        case 'h':
            return cli_help(usage);
        default:
            return cli_bad_option("scan", opt, argv);
        }
    }
    while (optind < argc)
        a->files[a->nfiles++] = argv[optind++];
    return 0;
}

/* Returns 1 if a file could not be read or standard output not written;
 * stops at once, quietly, when standard output was closed by its reader. */
static int scan_all(struct scan_args *a, struct scan_ctx *x)
{
    int trouble = 0;

    for (int i = 0; i < a->nfiles && !x->closed; i++) {
        struct ww_err err = {0};
        int fd = cli_open(a->files[i], &err);
        const char *name = strcmp(a->files[i], "-") == 0 ? "(standard input)" : a->files[i];

        if (fd >= 0 && scanner_run(&a->sc, name, fd, &err) != 0 && err.code == 0 && !x->closed)
            ww_err_set(&err, WW_EIO, "standard output: write error: %s", strerror(x->werr));
        if (err.code != 0) {
            fprintf(stderr, "wsawatch scan: %s\n", err.msg);
            trouble = 1;
        }
        if (fd >= 0)
            cli_close(fd);
    }
    return trouble;
}

/* Flushes standard output at the end: an error other than a closed pipe is
 * trouble. */
static int flush_out(struct scan_ctx *x)
{
    if (fflush(stdout) == 0 || x->closed || errno == EPIPE)
        return 0;
    fprintf(stderr, "wsawatch scan: standard output: write error: %s\n", strerror(errno));
    return 1;
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
    if ((rc = parse_args(&a, &x, argc, argv)) != 0 || (rc = cli_rules_load(&a.cr, 0)) != 0) {
        rc = rc == CLI_HELP ? 0 : rc;
        goto out;
    }
    if (a.nfiles == 0)
        a.files = memcpy(a.files, stdin_only, sizeof(stdin_only)), a.nfiles = 1;
    x.color = !x.json && cli_color();
    buf_init(&x.out, 64u << 20);
    matcher_init(&m, &a.cr.table, &a.cr.rules);
    a.sc.m = &m;
    a.sc.cb = event_cb;
    a.sc.ctx = &x;
    trouble = scan_all(&a, &x);
    if (x.summary && !x.closed)
        print_summary(&x, &a.sc.st);
    if (a.sc.st.truncated > 0 && !x.closed)
        fprintf(stderr, "wsawatch scan: %llu lines longer than %zu bytes were matched in their "
                        "first %zu bytes\n",
                (unsigned long long)a.sc.st.truncated, a.sc.max_line, a.sc.max_line);
    trouble |= flush_out(&x);
    matcher_free(&m);
    buf_free(&x.out);
    rc = trouble ? EXIT_TROUBLE : a.sc.st.events > 0 ? EXIT_FOUND : EXIT_NONE;
out:
    counter_free(&x.by_code), counter_free(&x.by_file), counter_free(&x.by_peer);
    xfree(a.files);
    cli_rules_free(&a.cr);
    return rc;
}
