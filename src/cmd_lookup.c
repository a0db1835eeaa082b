/*
 * `wsawatch lookup [--json] TERM...`: explains codes given as a decimal
 * number, hex or HRESULT, symbol (any case, with or without WSA), .NET or
 * POSIX name, or words of the message text.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "util/buf.h"
#include "util/json.h"

#define LOOKUP_MAX 64

static int all_of(const char *s, int (*pred)(int))
{
    if (*s == '\0')
        return 0;
    for (; *s; s++)
        if (!pred((unsigned char)*s))
            return 0;
    return 1;
}

static size_t resolve(const struct table *t, const char *term, const struct wcode **out)
{
    size_t n = strlen(term);

    if (all_of(term, isdigit)) {
        out[0] = n <= 6 ? table_by_code(t, atol(term)) : NULL;
        return out[0] != NULL;
    }
    if ((n > 2 && term[0] == '0' && (term[1] == 'x' || term[1] == 'X') &&
         all_of(term + 2, isxdigit)) ||
        (n == 8 && all_of(term, isxdigit))) {
        out[0] = table_by_hex(t, term, n);
        return out[0] != NULL;
    }
    if ((out[0] = table_by_symbol(t, term, n)) != NULL)
        return 1;
    return table_search(t, term, out, LOOKUP_MAX);
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

int cmd_lookup(int argc, char **argv)
{
    struct cli_rules cr;
    int json = 0, first = 1, missing = 0, rc;

    if (argc > 1 && strcmp(argv[1], "--json") == 0)
        json = 1, first = 2;
    if (first >= argc)
        return cli_usage_error("lookup", "no term given");
    cli_rules_init(&cr, 0);
    if ((rc = cli_rules_load(&cr, 0)) != 0) {
        cli_rules_free(&cr);
        return rc;
    }
    for (int i = first; i < argc; i++) {
        const struct wcode *found[LOOKUP_MAX];
        size_t n = resolve(&cr.table, argv[i], found);

        if (n == 0) {
            fprintf(stderr, "wsawatch lookup: no Winsock code matches '%s'\n", argv[i]);
            missing++;
        }
        for (size_t j = 0; j < n; j++)
            json ? print_json(found[j]) : print_text(found[j]);
    }
    cli_rules_free(&cr);
    return missing ? EXIT_NONE : EXIT_FOUND;
}
