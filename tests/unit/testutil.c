/*
 * Unit test helpers. See testutil.h.
 */
#include "testutil.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rulefiles.h"
#include "util/alloc.h"

#ifdef __has_include
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#define UNDER_VALGRIND RUNNING_ON_VALGRIND
#endif
#endif
#ifndef UNDER_VALGRIND
#define UNDER_VALGRIND 0
#endif

void tu_load_codes(struct table *t)
{
    struct ruleset rs;
    struct diag d;
    int errors = 0;

    table_init(t);
    ruleset_init(&rs);
    diag_init(&d);
    for (const struct embedded_file *f = embedded_rules; f->name != NULL; f++)
        if (strncmp(f->name, "codes/", 6) == 0)
            errors += rulefiles_load_buffer(t, &rs, NULL, f->name, f->data, f->len, &d);
    if (errors != 0)
        diag_print(&d, stderr);
    ck_assert_int_eq(errors, 0);
    ck_assert_int_eq(table_finish(t), 0);
    diag_free(&d);
    ruleset_free(&rs);
}

void tu_load_builtin(struct table *t, struct ruleset *rs)
{
    struct diag d;
    int errors;

    table_init(t);
    ruleset_init(rs);
    diag_init(&d);
    errors = rulefiles_load_all(t, rs, NULL, 1, NULL, 0, 0, &d);
    if (errors != 0)
        diag_print(&d, stderr);
    ck_assert_int_eq(errors, 0);
    diag_free(&d);
}

int tu_load_extra(struct table *t, struct ruleset *rs, const char *name, const char *yaml,
                  struct diag *d)
{
    int errors = 0;

    table_init(t);
    ruleset_init(rs);
    for (const struct embedded_file *f = embedded_rules; f->name != NULL; f++)
        errors += rulefiles_load_buffer(t, rs, NULL, f->name, f->data, f->len, d);
    ck_assert_int_eq(errors, 0);
    errors += rulefiles_load_buffer(t, rs, NULL, name, yaml, strlen(yaml), d);
    ck_assert_int_eq(table_finish(t), 0);
    return errors + ruleset_compile(rs, t, d);
}

struct table tu_table;
struct ruleset tu_rules;
struct matcher tu_matcher;

void tu_matcher_setup(void)
{
    tu_load_builtin(&tu_table, &tu_rules);
    matcher_init(&tu_matcher, &tu_table, &tu_rules);
}

void tu_matcher_teardown(void)
{
    matcher_free(&tu_matcher);
    ruleset_free(&tu_rules);
    table_free(&tu_table);
}

/* One run with allocation n failing; 1 if it did fail. Compared with base,
 * a run with none failing, out of memory must be the only new error (oom
 * counts once in nerrors; the failure may also have cut short a part that
 * had an error), but for the loss of a warning's text, which is no error. */
static int fail_at(const struct tu_loader *l, unsigned long n, const struct diag *base,
                   int base_errors)
{
    struct diag d;
    int errors, fired, ok;

    diag_init(&d);
    alloc_fail_at(n);
    errors = l->load(l->ctx, &d);
    fired = alloc_fail_fired();
    alloc_fail_at(0);
    if (!fired || (d.lost == 1 && !d.oom))
        ok = errors == base_errors && d.nerrors == base->nerrors && !d.oom;
    else
        ok = errors > 0 && d.oom && d.nerrors <= base->nerrors + 1;
    if (!ok)
        diag_print(&d, stderr);
    ck_assert_msg(ok, "allocation %lu (made to fail: %d): %d errors, oom %d", n, fired, errors,
                  d.oom);
    l->cleanup(l->ctx);
    diag_free(&d);
    return fired;
}

/* The allocation to make fail after n: every one, but under valgrind (some
 * 50 times slower) only every 16th away from the first and last 300. */
static unsigned long next_allocation(unsigned long n, unsigned long count)
{
    if (!UNDER_VALGRIND || n < 300 || n + 300 >= count)
        return n + 1;
    return n + 16 < count - 300 ? n + 16 : count - 300;
}

unsigned long tu_fail_each_allocation(const struct tu_loader *l)
{
    struct diag base;
    unsigned long count;
    int errors;

    diag_init(&base);
    alloc_fail_at(ULONG_MAX);
    errors = l->load(l->ctx, &base);
    count = alloc_count();
    alloc_fail_at(0);
    l->cleanup(l->ctx);
    if (base.nerrors > 0)
        diag_print(&base, stderr); /* errors of the environment, such as a missing directory */
    ck_assert_int_eq(errors > 0, base.nerrors > 0);
    for (unsigned long n = 1; n <= count; n = next_allocation(n, count))
        ck_assert_msg(fail_at(l, n, &base, errors), "allocation %lu of %lu not made", n, count);
    ck_assert_msg(!fail_at(l, count + 1, &base, errors), "more than %lu allocations", count);
    diag_free(&base);
    return count;
}

int tu_diag_has(const struct diag *d, const char *needle)
{
    for (size_t i = 0; i < d->n; i++)
        if (strstr(d->v[i].text, needle) != NULL)
            return 1;
    return 0;
}

char *tu_temp_file(const char *tag, const void *data, size_t len)
{
    static int seq;
    const char *dir = getenv("TMPDIR") ? getenv("TMPDIR") : getenv("TEMP");
    char *path = xasprintf("%s/wsawatch-test-%s-%ld-%d", dir ? dir : "/tmp", tag,
                           (long)rand(), seq++);
    FILE *f = fopen(path, "wb");

    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fwrite(data, 1, len, f), len);
    fclose(f);
    return path;
}

int tu_run(Suite *s)
{
    SRunner *sr = srunner_create(s);
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}
