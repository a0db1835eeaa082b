/*
 * Unit test helpers. See testutil.h.
 */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rulefiles.h"
#include "util/alloc.h"

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
    table_finish(t);
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
    table_finish(t);
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
