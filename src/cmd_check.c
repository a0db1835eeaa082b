/*
 * `wsawatch check [--config F] [--rules P]...`: validates the configuration,
 * the built-in and given rule files (and those the configuration names),
 * compiles every pattern and runs every rule's examples (validate.h, the same
 * checks as `run` and reload); reports all problems at once, each with
 * file:line:column and the rule id. Exit 0 or 2.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "alerts.h"
#include "config.h"
#include "validate.h"

#define CHECK_MAX_RULE_PATHS 64

int cmd_check(int argc, char **argv)
{
    struct cli_rules cr;
    struct config cfg;
    struct alert_set alerts;
    struct diag d;
    const char *file = NULL;
    int errors = 0;
    size_t nexamples = 0;

    config_default(&cfg);
    alert_set_init(&alerts);
    cli_rules_init(&cr, (size_t)argc + CHECK_MAX_RULE_PATHS);
    diag_init(&d);
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--config") == 0 && i + 1 < argc)
            file = argv[++i];
        else if (!cli_rules_option(&cr, argc, argv, &i))
            return cli_rules_free(&cr), cli_usage_error("check", "unexpected '%s'", argv[i]);
    }
    if (file != NULL) {
        config_free(&cfg);
        errors += config_load(&cfg, file, &d);
    }
    errors += validate_load(&cfg, !cr.no_builtin, cr.paths, cr.npaths, 0, &cr.table, &cr.rules,
                            &alerts, &d);
    diag_sort(&d);
    diag_print(&d, stderr);
    for (size_t i = 0; i < cr.rules.n; i++)
        nexamples += cr.rules.v[i].nexamples;
    if (errors == 0)
        printf("ok: %zu codes, %zu rules, %zu examples, %zu alerts\n", cr.table.n, cr.rules.n,
               nexamples, alerts.n);
    else
        fprintf(stderr, "wsawatch check: %d error%s\n", errors, errors == 1 ? "" : "s");
    diag_free(&d);
    cli_rules_free(&cr);
    config_free(&cfg);
    alert_set_free(&alerts);
    return errors ? EXIT_TROUBLE : 0;
}
