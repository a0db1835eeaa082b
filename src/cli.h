/*
 * What the subcommands share: option parsing (getopt_long, from glibc or the
 * mingw-w64 runtime: `--opt=value` and `--opt value`, options before or after
 * the operands, `--` ends them), the rule options and their help text,
 * loading the built-in and user rules with their diagnostics printed, opening
 * inputs ("-" is standard input), and the exit codes (grep's: 0 found, 1
 * nothing found, 2 error). Each command keeps its one usage text; `CMD --help`
 * and `wsawatch help CMD` both print it.
 */
#ifndef WW_CLI_H
#define WW_CLI_H

#include "wsawatch_config.h"

#include <getopt.h>
#include <stddef.h>

#include "rules.h"
#include "table.h"
#include "util/err.h"

enum { EXIT_FOUND = 0, EXIT_NONE = 1, EXIT_TROUBLE = 2 };

/* What a command's option parser returns when it printed the help: exit 0. */
#define CLI_HELP (-1)

/* getopt_long values of the long-only options; a command numbers its own
 * from CLI_OPT_OWN. */
enum { CLI_OPT_RULES = 0x100, CLI_OPT_NO_BUILTIN, CLI_OPT_OWN };

#define CLI_OPTIONS_END {NULL, 0, NULL, 0}
#define CLI_HELP_OPTION {"help", no_argument, NULL, 'h'}
#define CLI_RULES_OPTIONS                                                                          \
    {"rules", required_argument, NULL, CLI_OPT_RULES},                                             \
    {"no-builtin-rules", no_argument, NULL, CLI_OPT_NO_BUILTIN}

/* The help lines of CLI_RULES_OPTIONS and CLI_HELP_OPTION, for usage texts. */
#define CLI_RULES_HELP                                                                             \
    "  --rules P             add a rule file or directory (a rule with a built-in id\n"            \
    "                        replaces it); may be given more than once\n"                          \
    "  --no-builtin-rules    keep the built-in code table but none of the built-in\n"              \
    "                        patterns\n"
#define CLI_HELP_HELP "  -h, --help            this text\n"
#define CLI_EXIT_HELP                                                                              \
    "Exit status: 0 something found, 1 nothing found, 2 usage, rule or I/O error.\n"

struct cli_rules {
    struct table table;
    struct ruleset rules;
    char **paths; /* --rules arguments, not owned */
    size_t npaths;
    int no_builtin; /* --no-builtin-rules: the built-in code table only */
};

/* Takes opt, as cli_getopt returned it with its value arg, when it is one of
 * CLI_RULES_OPTIONS; returns 1 if taken. */
int cli_rules_option(struct cli_rules *c, int opt, const char *arg);

/* getopt_long over a command's argv (argv[0] is the command's name) that
 * prints nothing itself: shortopts must start with ':' so that a missing
 * value comes back as ':', an unknown option as '?'; the caller passes those
 * to cli_bad_option. Operands are left in argv[optind..argc). */
int cli_getopt(int argc, char **argv, const char *shortopts, const struct option *longopts);

/* Reports the '?' or ':' that cli_getopt returned; returns EXIT_TROUBLE. */
int cli_bad_option(const char *cmd, int opt, char **argv);

/* Prints a command's usage text to standard output; returns CLI_HELP. */
int cli_help(const char *usage);

void cli_rules_init(struct cli_rules *c, size_t max_paths);
void cli_rules_free(struct cli_rules *c);

/* Loads everything; prints errors (and warnings when verbose) to stderr.
 * Returns 0 or EXIT_TROUBLE. */
int cli_rules_load(struct cli_rules *c, int verbose);

/* Opens path for reading, or returns 0 for "-". Returns the fd or a negative
 * code with err set to "path: reason". */
int cli_open(const char *path, struct ww_err *err);
void cli_close(int fd);

/* 1 if standard output is a terminal that wants colour (and NO_COLOR is unset). */
int cli_color(void);

/* Prints "wsawatch CMD: message" and returns EXIT_TROUBLE. */
int cli_usage_error(const char *cmd, const char *fmt, ...) WW_PRINTF(2, 3);

int cmd_lookup(int argc, char **argv);
int cmd_scan(int argc, char **argv);
int cmd_test(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_service(int argc, char **argv);

#endif
