/*
 * Rule files: every bad input gives an error that names file:line:column and
 * the rule, and the good rules of the same file still load; out of memory at
 * any allocation of the loader is an error, not a crash or a leak.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "examples.h"
#include "rulefiles.h"
#include "testutil.h"
#include "util/alloc.h"

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

/* A user's rule file: codes added and merged (aliases, localized texts),
 * rules of every kind (a capture-only one without literals: a warning),
 * examples, an alert. */
static const char user_rules[] =
    "codes:\n"
    "  - code: 10054\n"
    "    aliases: [CONNRESET_TOO]\n"
    "    localized:\n"
    "      de: Eine vorhandene Verbindung wurde vom Remotehost geschlossen.\n"
    "      fr: [Une connexion existante a été fermée par l'hôte distant., Autre texte.]\n"
    "  - {code: 65000, symbol: WSAEXAMPLE, title: An example., message: An example happened.,\n"
    "     posix: EEXAMPLE, dotnet: Example, category: example, hint: Nothing.,\n"
    "     message_alone: false}\n"
    "rules:\n"
    "  - id: user-example\n"
    "    description: A user rule.\n"
    "    literals: [Example, WSAEXAMPLE]\n"
    "    pattern: '(?:Example|WSAEXAMPLE) \\((?<code>\\d+)\\) peer=(?<peer>\\S+)'\n"
    "    examples:\n"
    "      match:\n"
    "        - {line: 'Example (65000) peer=10.0.0.1:5', codes: [65000]}\n"
    "      nomatch: [nothing here]\n"
    "  - {id: user-fixed, literals: [boom], pattern: 'boom(?<peer>x)?', code: WSAECONNRESET}\n"
    "  - {id: user-messages, messages: true}\n"
    "  - {id: user-host, pattern: 'host=(?<host>\\S+)'}\n"
    "alerts:\n"
    "  - {id: user-alert, codes: [WSAEXAMPLE], group_by: [peer], outputs: [hook]}\n"
    "  - {id: user-default, categories: [example]}\n";

static const char user_override[] =
    "rules:\n"
    "  - {id: user-fixed, literals: [bang], pattern: bang, code: 10061}\n";

/* The loaders of a test: the built-in rules, or only the code table and
 * the user's files. */
struct load_ctx {
    int builtin_patterns;
    char *paths[2];
    size_t npaths;
    struct table t;
    struct ruleset rs;
    struct alert_set as;
};

static int load_cb(void *ctx, struct diag *dg)
{
    struct load_ctx *l = ctx;

    table_init(&l->t);
    ruleset_init(&l->rs);
    alert_set_init(&l->as);
    return rulefiles_load_all(&l->t, &l->rs, &l->as, l->builtin_patterns, l->paths, l->npaths, 0,
                              dg);
}

static void cleanup_cb(void *ctx)
{
    struct load_ctx *l = ctx;

    alert_set_free(&l->as);
    ruleset_free(&l->rs);
    table_free(&l->t);
}

START_TEST(test_out_of_memory_builtin)
{
    struct load_ctx l = {.builtin_patterns = 1};
    struct tu_loader loader = {load_cb, cleanup_cb, &l};
    unsigned long n = tu_fail_each_allocation(&loader);

    fprintf(stderr, "built-in rules: %lu allocations, made to fail in turn\n", n);
    ck_assert_uint_ge(n, 2000);
}
END_TEST

static char *write_file(const char *dir, const char *name, const char *text)
{
    char *path = xasprintf("%s/%s", dir, name);
    FILE *f = fopen(path, "wb");

    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fwrite(text, 1, strlen(text), f), strlen(text));
    fclose(f);
    return path;
}

START_TEST(test_out_of_memory_user_files)
{
    struct load_ctx l = {.builtin_patterns = 0, .npaths = 2};
    struct tu_loader loader = {load_cb, cleanup_cb, &l};
    char *files[4], tmpl[512];
    const char *tmp = getenv("TMPDIR") ? getenv("TMPDIR") : getenv("TEMP");
    uv_fs_t req;
    unsigned long n;

    snprintf(tmpl, sizeof(tmpl), "%s/wsawatch-test-rules-XXXXXX", tmp ? tmp : "/tmp");
    ck_assert_int_eq(uv_fs_mkdtemp(NULL, &req, tmpl, NULL), 0);
    l.paths[0] = xstrdup(req.path);
    uv_fs_req_cleanup(&req);
    files[0] = write_file(l.paths[0], "a.yaml", user_rules);
    files[1] = write_file(l.paths[0], "b.yml", user_override);
    files[2] = write_file(l.paths[0], "notes.txt", "not rules");
    files[3] = write_file(l.paths[0], ".hidden.yaml", "not: [rules");
    l.paths[1] = files[0]; /* again, on top: everything merged or replaced */
    ck_assert_int_eq(load_cb(&l, &d), 0);
    ck_assert_ptr_nonnull(ruleset_find(&l.rs, "user-host"));
    ck_assert_str_eq(ruleset_find(&l.rs, "user-fixed")->pattern, "boom(?<peer>x)?");
    ck_assert_uint_eq(l.as.n, 2);
    ck_assert_uint_ge(table_by_code(&l.t, 10054)->ntexts, 6); /* the built-in ones, 3 twice */
    cleanup_cb(&l);
    n = tu_fail_each_allocation(&loader);
    fprintf(stderr, "code table and user files: %lu allocations, made to fail in turn\n", n);
    ck_assert_uint_ge(n, 500);
    for (size_t i = 0; i < 4; i++)
        remove(files[i]), xfree(files[i]);
    uv_fs_rmdir(NULL, &req, l.paths[0], NULL);
    uv_fs_req_cleanup(&req);
    xfree(l.paths[0]);
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
    tc = tcase_create("out of memory"); /* some thousand loads: 5 s, 30 s under ASan */
    tcase_set_timeout(tc, 240);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_out_of_memory_builtin);
    tcase_add_test(tc, test_out_of_memory_user_files);
    suite_add_tcase(s, tc);
    return tu_run(s);
}
