/*
 * wsawatch: finds Windows Sockets errors in logs and explains them. This file
 * only dispatches to the subcommands (cmd_*.c).
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "platform/platform.h"
#include "wsawatch_config.h"

static const char usage[] =
    "usage: wsawatch COMMAND [OPTIONS]\n"
    "\n"
    "  lookup [--json] TERM...      explain a code: decimal, hex, HRESULT, symbol or words\n"
    "                               of its message\n"
    "  scan [--rules P]... [--format text|json] [--summary] [--max-line-bytes N]\n"
    "       [--encoding auto|utf-8|utf-16le|utf-16be|ansi] [FILE...|-]\n"
    "                               one pass over files or standard input\n"
    "  test [--rules P]... FILE|-   for rule authors: hits per rule, misses, timing\n"
    "  check [--config F] [--rules P]...\n"
    "                               validate the configuration, rule files and their\n"
    "                               examples (exit 0 or 2)\n"
    "  run [--config F] [--once] [--allow-root]\n"
    "                               the daemon, in the foreground: follows the configured\n"
    "                               logs; SIGHUP reloads, SIGTERM stops; --once reads\n"
    "                               every input to its end and exits; refuses root unless\n"
    "                               --allow-root; started by the Windows service manager,\n"
    "                               it runs as the service\n"
    "  service install [--config F] | service uninstall\n"
    "                               Windows: register the wsawatch service (delayed\n"
    "                               automatic start, restart on failure, least-privilege\n"
    "                               account, Event Log source) or remove it\n"
    "\n"
    "  --rules P adds a rule file or directory (a rule with a built-in id replaces it);\n"
    "  --no-builtin-rules keeps the built-in code table but none of the built-in patterns.\n"
    "  --version | --help\n"
    "\n"
    "Exit status: 0 something found, 1 nothing found, 2 usage, rule or I/O error.\n";

int main(int argc, char **argv)
{
    platform_init(&argc, &argv);
    if (argc < 2)
        return fputs(usage, stderr), EXIT_TROUBLE;
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)
        return fputs(usage, stdout), 0;
    if (strcmp(argv[1], "--version") == 0)
        return printf("wsawatch %s\n", WSAWATCH_VERSION), 0;
    if (strcmp(argv[1], "lookup") == 0)
        return cmd_lookup(argc - 1, argv + 1);
    if (strcmp(argv[1], "scan") == 0)
        return cmd_scan(argc - 1, argv + 1);
    if (strcmp(argv[1], "test") == 0)
        return cmd_test(argc - 1, argv + 1);
    if (strcmp(argv[1], "check") == 0)
        return cmd_check(argc - 1, argv + 1);
    if (strcmp(argv[1], "run") == 0)
        return cmd_run(argc - 1, argv + 1);
    if (strcmp(argv[1], "service") == 0)
        return cmd_service(argc - 1, argv + 1);
    fprintf(stderr, "wsawatch: unknown command '%s'\n\n%s", argv[1], usage);
    return EXIT_TROUBLE;
}
