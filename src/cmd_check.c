/*
 * `wsawatch check [--rules P]...`: validates the built-in and given rule
 * files, compiles every pattern and runs every rule's examples; reports all
 * problems at once, each with file:line:column and the rule id. Exit 0 or 2.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "examples.h"
#include "rulefiles.h"

int cmd_check(int argc, char **argv)
{
    struct cli_rules cr;
    struct diag d;
    int errors;
    size_t nexamples = 0;

    cli_rules_init(&cr, (size_t)argc);
    for (int i = 1; i < argc; i++) {
        if (!cli_rules_option(&cr, argc, argv, &i))
            return cli_rules_free(&cr), cli_usage_error("check", "unexpected '%s'", argv[i]);
    }
    diag_init(&d);
    errors = rulefiles_load_all(&cr.table, &cr.rules, !cr.no_builtin, cr.paths, cr.npaths, &d);
    if (errors == 0)
        errors += examples_check(&cr.table, &cr.rules, &d);
    diag_print(&d, stderr);
    for (size_t i = 0; i < cr.rules.n; i++)
        nexamples += cr.rules.v[i].nexamples;
    if (errors == 0)
        printf("ok: %zu codes, %zu rules, %zu examples\n", cr.table.n, cr.rules.n, nexamples);
    else
        fprintf(stderr, "wsawatch check: %d error%s\n", errors, errors == 1 ? "" : "s");
    diag_free(&d);
    cli_rules_free(&cr);
    return errors ? EXIT_TROUBLE : 0;
}
