/*
 * `wsawatch lookup [--json] TERM...`: explains codes given as a decimal
 * number, hex or HRESULT (also bare, and signed as .NET prints it), symbol
 * (any case, with or without WSA), .NET or POSIX name, or words of the
 * message text. A search that matches many codes shows the first LOOKUP_MAX
 * and says how many more matched.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/json.h"

#define LOOKUP_MAX 64 /* codes shown for one term */

static const char usage[] =
    "usage: wsawatch lookup [--json] TERM...\n"
    "\n"
    "Explains Winsock codes. A TERM is a decimal code (10054), hex (0x2746, 274D),\n"
    "an HRESULT (0x80072746, 80072746, or signed as .NET prints it: -2147014842),\n"
    "a symbol in any case with or without WSA (econnreset), a POSIX or .NET\n"
    "SocketError name, or words of the message text (every word must appear).\n"
    "An all-digit term is decimal when that is a code, else hex.\n"
    "\n"
    "  --json                one JSON object per code\n" CLI_HELP_HELP
    "\n"
    "Exit status: 0 every term found, 1 some term found nothing, 2 usage error.\n";

static const struct option options[] = {
    CLI_HELP_OPTION, {"json", no_argument, NULL, 'j'}, CLI_OPTIONS_END};

static int all_of(const char *s, int (*pred)(int))
{
    if (*s == '\0')
        return 0;
    for (; *s; s++)
        if (!pred((unsigned char)*s))
            return 0;
    return 1;
}

/* All digits: decimal when that is a code or a decimal HRESULT, else (up to
 * eight digits) hex of a code or of an HRESULT: 80072746. */
static const struct wcode *by_digits(const struct table *t, const char *term, size_t n)
{
    unsigned long long v = n <= 10 ? strtoull(term, NULL, 10) : 0;
    const struct wcode *c = NULL;

    if (n <= 10 && v <= 0xFFFF)
        c = table_by_code(t, (long)v);
    else if (n <= 10 && (v & 0xFFFFFFFFFFFF0000ull) == 0x80070000ull)
        c = table_by_code(t, (long)(v & 0xFFFF));
    return c != NULL || n > 8 ? c : table_by_hex(t, term, n);
}

/* A negative number: a signed 32-bit HRESULT, as .NET prints HResult. */
static const struct wcode *by_signed(const struct table *t, const char *term)
{
    long long v = strlen(term) <= 11 ? strtoll(term, NULL, 10) : 0;
    unsigned long u = (unsigned long)(v & 0xFFFFFFFFll);

    if (v < -2147483648ll || v >= 0 || (u & 0xFFFF0000ul) != 0x80070000ul)
        return NULL;
    return table_by_code(t, (long)(u & 0xFFFF));
}

/* Stores the codes term names in out (room for every code of the table);
 * returns how many. */
static size_t resolve(const struct table *t, const char *term, const struct wcode **out)
{
    size_t n = strlen(term);

    if (all_of(term, isdigit))
        return (out[0] = by_digits(t, term, n)) != NULL;
    if (term[0] == '-' && all_of(term + 1, isdigit))
        return (out[0] = by_signed(t, term)) != NULL;
    if (n > 2 && term[0] == '0' && (term[1] == 'x' || term[1] == 'X') && all_of(term + 2, isxdigit))
        return (out[0] = table_by_hex(t, term, n)) != NULL;
    /* bare hex such as 274D; words such as "bad" are searched when no code */
    if (n <= 8 && all_of(term, isxdigit) && (out[0] = table_by_hex(t, term, n)) != NULL)
        return 1;
    if ((out[0] = table_by_symbol(t, term, n)) != NULL)
        return 1;
    return table_search(t, term, out, t->n);
}

static void print_text(const struct wcode *c)
{
    char hex[16], hres[16];

    table_hex(c->code, hex);
    table_hresult(c->code, hres);
    printf("%s  %ld  %s  HRESULT %s\n", c->symbol ? c->symbol : "?", c->code, hex, hres);
    if (c->title)
        printf("  %s\n", c->title);
    if (c->message)
        printf("  Windows says: %s\n", c->message);
    printf("  category: %s", c->category ? c->category : "other");
    if (c->posix)
        printf("   POSIX: %s", c->posix);
    if (c->dotnet)
        printf("   .NET SocketError: %s", c->dotnet);
    printf("\n");
    if (c->hint)
        printf("  What to check: %s\n", c->hint);
    printf("\n");
}

static int put(struct buf *b, const char *key, const char *v)
{
    int rc;

    if (v == NULL)
        return 0;
    rc = json_put_key(b, key, 0);
    return rc ? rc : json_put_str(b, v, strlen(v));
}

static void print_json(const struct wcode *c)
{
    struct buf b;
    char hex[16], hres[16];
    int rc;

    table_hex(c->code, hex);
    table_hresult(c->code, hres);
    buf_init(&b, 1 << 20);
    rc = buf_printf(&b, "{\"code\":%ld", c->code);
    rc = rc ? rc : put(&b, "symbol", c->symbol);
    rc = rc ? rc : put(&b, "hex", hex);
    rc = rc ? rc : put(&b, "hresult", hres);
    rc = rc ? rc : put(&b, "title", c->title);
    rc = rc ? rc : put(&b, "message", c->message);
    rc = rc ? rc : put(&b, "posix", c->posix);
    rc = rc ? rc : put(&b, "dotnet", c->dotnet);
    rc = rc ? rc : put(&b, "category", c->category);
    rc = rc ? rc : put(&b, "hint", c->hint);
    rc = rc ? rc : buf_putc(&b, '}');
    if (rc == 0)
        printf("%s\n", buf_str(&b));
    buf_free(&b);
}

static int is_negative_number(const char *s)
{
    return s[0] == '-' && all_of(s + 1, isdigit);
}

static int blank(const char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    return *s == '\0';
}

/* Splits argv into options and terms, so that a negative number is a term
 * (lookup's options take no value), and parses the options. Returns 0 with
 * terms[0..*nterms) set, CLI_HELP or EXIT_TROUBLE. */
static int parse_args(int argc, char **argv, int *json, char **terms, int *nterms)
{
    char **opts = xcalloc((size_t)argc + 1, sizeof(char *));
    int nopts = 1, opt, rc = 0, i;

    opts[0] = argv[0];
    for (i = 1; i < argc && strcmp(argv[i], "--") != 0; i++) {
        if (argv[i][0] == '-' && argv[i][1] != '\0' && !is_negative_number(argv[i]))
            opts[nopts++] = argv[i];
        else
            terms[(*nterms)++] = argv[i];
    }
    for (i++; i < argc; i++)
        terms[(*nterms)++] = argv[i];
    while (rc == 0 && (opt = cli_getopt(nopts, opts, ":h", options)) != -1) {
        if (opt == 'j')
            *json = 1;
        else
            rc = opt == 'h' ? cli_help(usage) : cli_bad_option("lookup", opt, opts);
    }
    for (i = 0; rc == 0 && i < *nterms; i++)
        if (blank(terms[i]))
            rc = cli_usage_error("lookup", "an empty term matches nothing; give a code, "
                                           "a symbol or words");
    if (rc == 0 && *nterms == 0)
        rc = cli_usage_error("lookup", "no term given");
    xfree(opts);
    return rc;
}

/* Prints what one term names; returns how many codes that was. */
static size_t look_up(const struct table *t, const char *term, int json,
                      const struct wcode **found)
{
    size_t n = resolve(t, term, found);

    for (size_t j = 0; j < n && j < LOOKUP_MAX; j++)
        json ? print_json(found[j]) : print_text(found[j]);
    if (n == 0)
        fprintf(stderr, "wsawatch lookup: no Winsock code matches '%s'\n", term);
    if (n > LOOKUP_MAX)
        fprintf(stderr, "wsawatch lookup: %zu more codes match '%s' (the first %d are shown); "
                        "give more words\n",
                n - LOOKUP_MAX, term, LOOKUP_MAX);
    return n;
}

int cmd_lookup(int argc, char **argv)
{
    struct cli_rules cr;
    char **terms = xcalloc((size_t)argc + 1, sizeof(char *));
    const struct wcode **found = NULL;
    int json = 0, nterms = 0, missing = 0, rc;

    if ((rc = parse_args(argc, argv, &json, terms, &nterms)) != 0)
        return xfree(terms), rc == CLI_HELP ? 0 : rc;
    cli_rules_init(&cr, 0);
    if ((rc = cli_rules_load(&cr, 0)) != 0)
        goto out;
    found = xcalloc(cr.table.n + 1, sizeof(*found));
    for (int i = 0; i < nterms; i++)
        missing += look_up(&cr.table, terms[i], json, found) == 0;
    rc = missing ? EXIT_NONE : EXIT_FOUND;
out:
    xfree(found);
    xfree(terms);
    cli_rules_free(&cr);
    return rc;
}
