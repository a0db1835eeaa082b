/*
 * wsawatch: finds Windows Sockets errors in logs and explains them. This file
 * only dispatches to the subcommands (cmd_*.c), each of which parses its own
 * options and owns its usage text: `wsawatch help CMD` runs `CMD --help`.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "platform/platform.h"
#include "wsawatch_config.h"

struct command {
    const char *name;
    int (*fn)(int argc, char **argv);
    const char *what; /* one line for the overview */
};

static const struct command commands[] = {
    {"lookup", cmd_lookup, "explain a code: decimal, hex, HRESULT, symbol or message words"},
    {"scan", cmd_scan, "one pass over files or standard input"},
    {"test", cmd_test, "for rule authors: hits per rule, misses, timing"},
    {"check", cmd_check, "validate the configuration, rule files and their examples"},
    {"run", cmd_run, "the daemon, in the foreground (or as the Windows service)"},
    {"service", cmd_service, "service install|uninstall: register the Windows service"},
};

#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static int overview(FILE *f)
{
    fputs("usage: wsawatch COMMAND [OPTIONS] [ARGS]\n\nCommands:\n", f);
    for (size_t i = 0; i < NCOMMANDS; i++)
        fprintf(f, "  %-9s %s\n", commands[i].name, commands[i].what);
    fputs("  help CMD  a command's usage and options (as CMD --help)\n"
          "  version   the version (as --version)\n\n" CLI_EXIT_HELP,
          f);
    return f == stdout ? 0 : EXIT_TROUBLE;
}

static const struct command *find(const char *name)
{
    for (size_t i = 0; i < NCOMMANDS; i++)
        if (strcmp(commands[i].name, name) == 0)
            return &commands[i];
    return NULL;
}

/* `help [CMD]`: the overview, or CMD's own --help. */
static int help(int argc, char **argv)
{
    static char opt[] = "--help";
    char *args[3] = {NULL, opt, NULL};
    const struct command *c;

    if (argc < 3)
        return overview(stdout);
    if ((c = find(argv[2])) == NULL || argc > 3) {
        fprintf(stderr, "wsawatch help: %s '%s'\n",
                argc > 3 ? "one command, not" : "unknown command", argv[argc > 3 ? 3 : 2]);
        return EXIT_TROUBLE;
    }
    args[0] = argv[2];
    return c->fn(2, args);
}

int main(int argc, char **argv)
{
    const struct command *c;

    platform_init(&argc, &argv);
    if (argc < 2)
        return overview(stderr);
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)
        return overview(stdout);
    if (strcmp(argv[1], "help") == 0)
        return help(argc, argv);
    if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "version") == 0)
        return printf("wsawatch %s\n", WSAWATCH_VERSION), 0;
    if ((c = find(argv[1])) != NULL)
        return c->fn(argc - 1, argv + 1);
    fprintf(stderr, "wsawatch: unknown command '%s'\nTry 'wsawatch --help'.\n", argv[1]);
    return EXIT_TROUBLE;
}
