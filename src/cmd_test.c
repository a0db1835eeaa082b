/*
 * `wsawatch test [--rules P]... FILE|-`: for rule authors, like fail2ban-regex.
 * Scans one input and reports lines read and matched, hits and prefilter
 * candidates per rule, lines that hit a match limit, codes found and the time
 * taken per rule.
 */
#include <stdio.h>
#include <string.h>
#include <uv.h>

#include "cli.h"
#include "scanner.h"
#include "util/alloc.h"

static const char usage[] =
    "usage: wsawatch test [OPTIONS] FILE|-\n"
    "\n"
    "For rule authors, like fail2ban-regex: scans one file (or standard input, -)\n"
    "and reports lines read, matched and missed, match limits, per rule its hits,\n"
    "the lines its literals let through and the time spent, and the codes found.\n"
    "\n" CLI_RULES_HELP CLI_HELP_HELP "\n" CLI_EXIT_HELP;

static const struct option options[] = {CLI_RULES_OPTIONS, CLI_HELP_OPTION, CLI_OPTIONS_END};

struct test_ctx {
    uint64_t by_code[65536];
};

static int test_cb(void *ctx, const struct line_ref *l, const struct match_set *ms)
{
    struct test_ctx *x = ctx;

    if (ms->limit_hits > 0)
        fprintf(stderr, "match limit: %s:%llu rule '%s'\n", l->path,
                (unsigned long long)l->line, ms->limit_rule->id);
    for (size_t i = 0; i < ms->n; i++)
        x->by_code[ms->v[i].code->code & 0xFFFF]++;
    return 0;
}

static void report(const struct scanner *sc, const struct matcher *m, const struct test_ctx *x,
                   const struct table *t, double secs)
{
    const struct scan_stats *st = &sc->st;

    printf("Lines read:      %llu (%llu bytes) in %.3f s, %.1f MB/s\n",
           (unsigned long long)st->lines, (unsigned long long)st->bytes, secs,
           secs > 0 ? (double)st->bytes / 1e6 / secs : 0.0);
    printf("Lines matched:   %llu, giving %llu events\n", (unsigned long long)st->matched_lines,
           (unsigned long long)st->events);
    printf("Lines missed:    %llu\n", (unsigned long long)(st->lines - st->matched_lines));
    printf("Match limit hit: %llu lines\n", (unsigned long long)st->limit_lines);
    printf("Lines truncated: %llu\n\n", (unsigned long long)st->truncated);
    printf("%8s %10s %8s %9s  %s\n", "hits", "candidates", "limits", "time ms", "rule");
    for (size_t i = 0; i < m->rules->n; i++) {
        const struct rule_stat *s = &m->stats[i];
        const struct rule *r = &m->rules->v[i];
        printf("%8llu %10llu %8llu %9.3f  %s%s\n", (unsigned long long)s->hits,
               (unsigned long long)s->candidates, (unsigned long long)s->limit_hits,
               (double)s->ns / 1e6, r->id,
               !r->messages && !r->capture_only && r->nliterals == 0 ? "  (no literals)" : "");
    }
    printf("\nCodes found:\n");
    for (size_t i = 0; i < t->n; i++)
        if (x->by_code[t->v[i].code & 0xFFFF] > 0)
            printf("%8llu  %ld %s\n", (unsigned long long)x->by_code[t->v[i].code & 0xFFFF],
                   t->v[i].code, t->v[i].symbol ? t->v[i].symbol : "");
}

/* Returns 0 with *file set, CLI_HELP or EXIT_TROUBLE. */
static int parse_args(struct cli_rules *cr, int argc, char **argv, const char **file)
{
    int opt;

    while ((opt = cli_getopt(argc, argv, ":h", options)) != -1) {
        if (cli_rules_option(cr, opt, optarg))
            continue;
        if (opt == 'h')
            return cli_help(usage);
        return cli_bad_option("test", opt, argv);
    }
    if (optind == argc)
        return cli_usage_error("test", "no input given (FILE or -)");
    if (optind + 1 < argc)
        return cli_usage_error("test", "one input only, not also '%s'", argv[optind + 1]);
    *file = argv[optind];
    return 0;
}

int cmd_test(int argc, char **argv)
{
    struct cli_rules cr;
    struct scanner sc;
    struct matcher m;
    struct test_ctx *x;
    struct ww_err err = {0};
    const char *file = NULL;
    uint64_t t0;
    int rc, fd;

    cli_rules_init(&cr, (size_t)argc);
    if ((rc = parse_args(&cr, argc, argv, &file)) != 0)
        return cli_rules_free(&cr), rc == CLI_HELP ? 0 : rc;
    if ((rc = cli_rules_load(&cr, 1)) != 0)
        return cli_rules_free(&cr), rc;
    if ((fd = cli_open(file, &err)) < 0) {
        fprintf(stderr, "wsawatch test: %s\n", err.msg);
        return cli_rules_free(&cr), EXIT_TROUBLE;
    }
    x = xcalloc(1, sizeof(*x));
    matcher_init(&m, &cr.table, &cr.rules);
    m.timing = 1;
    memset(&sc, 0, sizeof(sc));
    sc.m = &m, sc.max_line = SCANNER_MAX_LINE_DEFAULT, sc.cb = test_cb, sc.ctx = x;
    t0 = uv_hrtime();
    rc = scanner_run(&sc, strcmp(file, "-") == 0 ? "(standard input)" : file, fd, &err);
    if (rc != 0)
        fprintf(stderr, "wsawatch test: %s\n", err.msg);
    else
        report(&sc, &m, x, &cr.table, (double)(uv_hrtime() - t0) / 1e9);
    cli_close(fd);
    matcher_free(&m);
    xfree(x);
    cli_rules_free(&cr);
    return rc != 0 ? EXIT_TROUBLE : sc.st.events > 0 ? EXIT_FOUND : EXIT_NONE;
}
