/*
 * What the subcommands share: loading the built-in and user rules with their
 * diagnostics printed, opening inputs ("-" is standard input), and the exit
 * codes (grep's: 0 found, 1 nothing found, 2 error).
 */
#ifndef WW_CLI_H
#define WW_CLI_H

#include "wsawatch_config.h"

#include <stddef.h>

#include "rules.h"
#include "table.h"
#include "util/err.h"

enum { EXIT_FOUND = 0, EXIT_NONE = 1, EXIT_TROUBLE = 2 };

struct cli_rules {
    struct table table;
    struct ruleset rules;
    char **paths; /* --rules arguments, not owned */
    size_t npaths;
    int no_builtin; /* --no-builtin-rules: the built-in code table only */
};

/* Takes --rules P and --no-builtin-rules at argv[*i]; returns 1 if taken. */
int cli_rules_option(struct cli_rules *c, int argc, char **argv, int *i);

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
