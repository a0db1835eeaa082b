/*
 * `wsawatch check [--config F] [--rules P]...`: validates the configuration,
 * the built-in and given rule files (and those the configuration names),
 * compiles every pattern and runs every rule's examples; reports all problems
 * at once, each with file:line:column and the rule id. Exit 0 or 2.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "examples.h"
#include "alerts.h"
#include "config.h"
#include "util/alloc.h"
#include "rulefiles.h"

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

/* Loads the configuration and adds its rule paths; checks its inputs' rule
 * ids once the rules are loaded (see check_rule_ids). */
static int load_config(const char *file, struct config *cfg, struct cli_rules *cr, struct diag *d)
{
    int errors = config_load(cfg, file, d);

    for (size_t i = 0; i < cfg->nrules && i < CHECK_MAX_RULE_PATHS; i++)
        cr->paths[cr->npaths++] = cfg->rules[i];
    if (cfg->nrules > CHECK_MAX_RULE_PATHS) {
        diag_add(d, DIAG_ERROR, file, 0, 0, "more than %d rule paths", CHECK_MAX_RULE_PATHS);
        errors++;
    }
    return errors;
}

static int check_rule_ids(const struct config *cfg, const struct ruleset *rs, struct diag *d)
{
    int errors = 0;

    for (size_t i = 0; i < cfg->ninputs; i++)
        for (size_t j = 0; j < cfg->inputs[i].nrules; j++)
            if (ruleset_find(rs, cfg->inputs[i].rules[j]) == NULL) {
                diag_add(d, DIAG_ERROR, cfg->file, 0, 0, "input %zu (%s): no rule with id '%s'",
                         i + 1, cfg->inputs[i].paths[0], cfg->inputs[i].rules[j]);
                errors++;
            }
    return errors;
}

/* The shipped alerts with the configuration's on top, checked against the
 * table and the configured outputs' names. */
static int check_alerts(struct alert_set *alerts, struct config *cfg, const struct table *t,
                        struct diag *d)
{
    char **names = xcalloc(cfg->noutputs + 1, sizeof(char *));
    int errors;

    alert_set_take(alerts, cfg->alerts);
    for (size_t i = 0; i < cfg->noutputs; i++)
        names[i] = cfg->outputs[i].name;
    errors = alert_set_resolve(alerts, t, names, cfg->noutputs, d);
    xfree(names);
    return errors;
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
        errors += load_config(file, &cfg, &cr, &d);
    }
    errors += rulefiles_load_all(&cr.table, &cr.rules, &alerts, !cr.no_builtin, cr.paths,
                                 cr.npaths, 1, &d);
    errors += check_rule_ids(&cfg, &cr.rules, &d);
    errors += check_alerts(&alerts, &cfg, &cr.table, &d);
    if (errors == 0)
        errors += examples_check(&cr.table, &cr.rules, &d);
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
