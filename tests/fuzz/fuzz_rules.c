/*
 * Fuzz target for the rule loader: one rule file (code table entries,
 * extraction patterns, alert rules, in any mix) through rulefiles_load_buffer,
 * then what `wsawatch check` does with it: the table indexed, the patterns
 * compiled (PCRE2, JIT), the alert rules resolved and, when all that took,
 * every rule's examples run by the matcher. Errors must be reported exactly
 * when the loader says it failed; every code of a loaded table must be found
 * by its number and symbol and written as valid JSON; the rules run over the
 * file's own lines without tripping anything.
 *
 * Input: byte 0 = options (bit 0: load the built-in code table first, as
 * every real rule file is loaded, so that `code:` and alert codes resolve),
 * then the YAML.
 */
#include <stdlib.h>
#include <string.h>

#include "alerts.h"
#include "event.h"
#include "examples.h"
#include "fuzz.h"
#include "jsoncheck.h"
#include "matcher.h"
#include "rulefiles.h"
#include "util/buf.h"

#define NAME "/etc/wsawatch/rules.d/fuzz.yaml"

static int load_codes(struct table *t, struct ruleset *rs, struct diag *d)
{
    int errors = 0;

    for (const struct embedded_file *f = embedded_rules; f->name != NULL; f++)
        if (strncmp(f->name, "codes/", 6) == 0)
            errors += rulefiles_load_buffer(t, rs, NULL, f->name, f->data, f->len, d);
    return errors;
}

/* Each code is found again and, unless the built-in table was loaded too
 * (97 codes: too slow to check on every input), written as valid JSON. */
static void check_table(const struct table *t, int builtin)
{
    struct buf b;
    const char *why;
    size_t at;

    buf_init(&b, 1u << 20);
    for (size_t i = 0; i < t->n; i++) {
        const struct wcode *c = &t->v[i];
        if (table_by_code(t, c->code) == NULL)
            fuzz_fail("code %ld not found by its number", c->code);
        if (c->symbol != NULL && table_by_symbol(t, c->symbol, strlen(c->symbol)) == NULL)
            fuzz_fail("code %ld not found by its symbol", c->code);
        if (builtin)
            continue;
        if (c->message != NULL)
            (void)table_by_message(t, c->message, strlen(c->message));
        buf_reset(&b);
        if (buf_putc(&b, '{') != 0 || event_put_winsock(&b, c) != 0 || buf_putc(&b, '}') != 0)
            fuzz_fail("code %ld: JSON larger than 1 MiB", c->code);
        if ((why = jsoncheck_object(b.p, b.len, &at)) != NULL)
            fuzz_fail("code %ld: JSON %s at byte %zu: %.300s", c->code, why, at, b.p);
    }
    buf_free(&b);
}

/* The compiled rules over each line of the file itself. */
static void match_lines(const struct table *t, const struct ruleset *rs, const char *p, size_t n)
{
    struct matcher m;
    struct match_set ms;

    matcher_init(&m, t, rs);
    while (n > 0) {
        const char *nl = memchr(p, '\n', n);
        size_t len = nl ? (size_t)(nl - p) : n;
        if (matcher_line(&m, p, len, &ms) > MATCH_MAX)
            fuzz_fail("more than %d matches on one line", MATCH_MAX);
        p += len + (nl != NULL), n -= len + (nl != NULL);
    }
    matcher_free(&m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct table t;
    struct ruleset rs;
    struct alert_set as;
    struct diag d;
    int errors = 0;

    if (size < 1)
        return 0;
    table_init(&t);
    ruleset_init(&rs);
    alert_set_init(&as);
    diag_init(&d);
    if ((data[0] & 1) && load_codes(&t, &rs, &d) != 0)
        fuzz_fail("the built-in code table does not load");
    errors += rulefiles_load_buffer(&t, &rs, &as, NAME, (const char *)data + 1, size - 1, &d);
    if (table_finish(&t) != 0)
        errors += diag_oom(&d);
    errors += ruleset_compile(&rs, &t, &d);
    errors += alert_set_resolve(&as, &t, NULL, 0, &d);
    if ((errors == 0) != (d.nerrors == 0))
        fuzz_fail("the loader returned %d errors and reported %zu", errors, d.nerrors);
    check_table(&t, data[0] & 1);
    if (errors == 0) {
        (void)examples_check(&t, &rs, &d);
        match_lines(&t, &rs, (const char *)data + 1, size - 1);
    }
    diag_free(&d);
    alert_set_free(&as);
    ruleset_free(&rs);
    table_free(&t);
    return 0;
}
