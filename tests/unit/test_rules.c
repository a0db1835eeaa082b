/*
 * Rule files: every bad input gives an error that names file:line:column and
 * the rule, and the good rules of the same file still load.
 */
#include <string.h>

#include "examples.h"
#include "rulefiles.h"
#include "testutil.h"

static struct table t;
static struct ruleset rs;
static struct diag d;

static void setup(void)
{
    table_init(&t);
    ruleset_init(&rs);
    diag_init(&d);
}

static void teardown(void)
{
    ruleset_free(&rs);
    table_free(&t);
    diag_free(&d);
}

START_TEST(test_builtin_rules_and_examples)
{
    size_t nexamples = 0;

    tu_load_builtin(&t, &rs);
    ck_assert_uint_ge(rs.n, 20);
    for (size_t i = 0; i < rs.n; i++)
        nexamples += rs.v[i].nexamples;
    ck_assert_uint_ge(nexamples, 60);
    if (examples_check(&t, &rs, &d) != 0)
        diag_print(&d, stderr);
    ck_assert_uint_eq(d.nerrors, 0);
    ck_assert_ptr_nonnull(ruleset_find(&rs, "windows-message-text"));
}
END_TEST

START_TEST(test_yaml_syntax_error_position)
{
    int errors = tu_load_extra(&t, &rs, "bad.yaml", "rules:\n  - id: x\n    pattern: [\n", &d);

    ck_assert_int_gt(errors, 0);
    diag_print(&d, stderr);
    ck_assert(tu_diag_has(&d, "bad.yaml:4:1: YAML:"));
}
END_TEST

START_TEST(test_unknown_key_and_wrong_type)
{
    const char *y = "rules:\n"
                    "  - id: one\n"
                    "    pattern: 'WSAE(?<symbol>[A-Z]+)'\n"
                    "    literals: [WSAE]\n"
                    "    colour: red\n"
                    "  - id: two\n"
                    "    pattern: {a: b}\n"
                    "  - id: good\n"
                    "    pattern: 'ZZTOP (?<code>\\d+)'\n"
                    "    literals: [ZZTOP]\n";
    int errors = tu_load_extra(&t, &rs, "keys.yaml", y, &d);

    ck_assert_int_eq(errors, 3); /* unknown key; wrong type; then 'two' lacks a pattern */
    ck_assert(tu_diag_has(&d, "keys.yaml:5:5: unknown key 'colour'"));
    ck_assert(tu_diag_has(&d, "keys.yaml:7:14: 'pattern' must be a string"));
    ck_assert_ptr_null(ruleset_find(&rs, "one"));
    ck_assert_ptr_nonnull(ruleset_find(&rs, "good")); /* the rest went on */
}
END_TEST

START_TEST(test_bad_regex_names_rule_and_offset)
{
    const char *y = "rules:\n"
                    "  - id: broken\n"
                    "    literals: [WSAE]\n"
                    "    pattern: 'WSAE(?<code>\\d+'\n";
    int errors = tu_load_extra(&t, &rs, "re.yaml", y, &d);

    ck_assert_int_eq(errors, 1);
    diag_print(&d, stderr);
    ck_assert(tu_diag_has(&d, "re.yaml:4:14: rule 'broken': pattern error at offset 15: "
                              "missing closing parenthesis"));
}
END_TEST

START_TEST(test_short_literal_and_unknown_code)
{
    const char *y = "rules:\n"
                    "  - id: short\n"
                    "    literals: [WS]\n"
                    "    pattern: 'WS'\n"
                    "  - id: fixed\n"
                    "    literals: [nothing]\n"
                    "    pattern: 'nothing'\n"
                    "    code: WSAENOSUCHTHING\n";
    int errors = tu_load_extra(&t, &rs, "lit.yaml", y, &d);

    ck_assert_int_eq(errors, 2);
    ck_assert(tu_diag_has(&d, "rule 'short': literal 'WS' is shorter than 4 bytes"));
    ck_assert(tu_diag_has(&d, "lit.yaml:5:5: rule 'fixed': unknown code 'WSAENOSUCHTHING'"));
}
END_TEST

START_TEST(test_override_by_id)
{
    const char *y = "rules:\n"
                    "  - id: windows-message-text\n"
                    "    literals: [override]\n"
                    "    pattern: 'override (?<code>\\d+)'\n";
    const struct rule *r;

    ck_assert_int_eq(tu_load_extra(&t, &rs, "over.yaml", y, &d), 0);
    r = ruleset_find(&rs, "windows-message-text");
    ck_assert_ptr_nonnull(r);
    ck_assert_int_eq(r->messages, 0);
    ck_assert_str_eq(r->file, "over.yaml");
}
END_TEST

START_TEST(test_unreadable_path)
{
    /* missing: a warning (a local rules directory may come later) */
    int errors = rulefiles_load_path(&t, &rs, NULL, "/nonexistent/wsawatch/rules.yaml", 1, &d);

    ck_assert_int_eq(errors, 0);
    ck_assert_uint_eq(d.nerrors, 0);
    ck_assert(tu_diag_has(&d, "/nonexistent/wsawatch/rules.yaml: no such file or directory"));
    /* a file that is not YAML rules: an error */
    errors = rulefiles_load_path(&t, &rs, NULL, FIXTURES "/samples/go.log", 0, &d);
    ck_assert_int_ge(errors, 1);
}
END_TEST

START_TEST(test_failing_example_reported)
{
    const char *y = "rules:\n"
                    "  - id: ex\n"
                    "    literals: [EXAMPLE]\n"
                    "    pattern: 'EXAMPLE (?<code>\\d+)'\n"
                    "    examples:\n"
                    "      match:\n"
                    "        - {line: 'EXAMPLE 10054', codes: [10061]}\n"
                    "      nomatch:\n"
                    "        - 'EXAMPLE 10060'\n";

    ck_assert_int_eq(tu_load_extra(&t, &rs, "ex.yaml", y, &d), 0);
    ck_assert_int_ge(examples_check(&t, &rs, &d), 2); /* plus any failing built-in ones */
    ck_assert(tu_diag_has(&d, "ex.yaml:7:11: rule 'ex': match example gives [10054]"));
    ck_assert(tu_diag_has(&d, "ex.yaml:9:11: rule 'ex': nomatch example gives code 10060"));
}
END_TEST

int main(void)
{
    Suite *s = suite_create("rules");
    TCase *tc = tcase_create("rules");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_builtin_rules_and_examples);
    tcase_add_test(tc, test_yaml_syntax_error_position);
    tcase_add_test(tc, test_unknown_key_and_wrong_type);
    tcase_add_test(tc, test_bad_regex_names_rule_and_offset);
    tcase_add_test(tc, test_short_literal_and_unknown_code);
    tcase_add_test(tc, test_override_by_id);
    tcase_add_test(tc, test_unreadable_path);
    tcase_add_test(tc, test_failing_example_reported);
    suite_add_tcase(s, tc);
    return tu_run(s);
}
