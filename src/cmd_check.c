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

static const char usage[] =
    "usage: wsawatch check [OPTIONS]\n"
    "\n"
    "Validates the configuration, the built-in and given rule files (and those the\n"
    "configuration names), compiles every pattern and runs every rule's examples;\n"
    "reports every problem with its file:line:column. Exit 0 or 2.\n"
    "\n"
    "  --config F            the daemon's configuration file to check\n" CLI_RULES_HELP
        CLI_HELP_HELP;

enum { OPT_CONFIG = CLI_OPT_OWN };

static const struct option options[] = {
    CLI_RULES_OPTIONS, CLI_HELP_OPTION, {"config", required_argument, NULL, OPT_CONFIG},
    CLI_OPTIONS_END};

/* Returns 0, CLI_HELP or EXIT_TROUBLE. */
static int parse_args(struct cli_rules *cr, int argc, char **argv, const char **file)
{
    int opt;

    while ((opt = cli_getopt(argc, argv, ":h", options)) != -1) {
        if (cli_rules_option(cr, opt, optarg))
            continue;
        if (opt == OPT_CONFIG)
            *file = optarg;
        else if (opt == 'h')
            return cli_help(usage);
        else
            return cli_bad_option("check", opt, argv);
    }
    if (optind < argc)
        return cli_usage_error("check", "unexpected '%s'", argv[optind]);
    return 0;
}

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
    if ((errors = parse_args(&cr, argc, argv, &file)) != 0) {
        diag_free(&d), cli_rules_free(&cr), config_free(&cfg), alert_set_free(&alerts);
        return errors == CLI_HELP ? 0 : errors;
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
