/*
 * `wsawatch run [--config F] [--once] [--allow-root]`: the daemon, in the foreground, or
 * under the service manager (platform_run_service: on Windows the SCM starts
 * the service with this command); with --once it reads every input to its
 * end and exits, never as a service.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "daemon.h"
#include "platform/platform.h"

static const char usage[] =
    "usage: wsawatch run [OPTIONS]\n"
    "\n"
    "The daemon, in the foreground: follows the configured logs and sends an event\n"
    "for each Winsock error to the configured outputs. SIGHUP reloads the\n"
    "configuration, SIGTERM or SIGINT stop it. Started by the Windows service\n"
    "manager, it runs as the service.\n"
    "\n"
    "  --config F            the configuration file (default: the platform's)\n"
    "  --once                read every input to its end, send, commit and exit\n"
    "  --allow-root          run as root (refused otherwise; --once is not refused)\n" CLI_HELP_HELP
    "\n"
    "Exit status: 0 stopped cleanly, 2 configuration or start-up error.\n";

enum { OPT_CONFIG = CLI_OPT_OWN, OPT_ONCE, OPT_ALLOW_ROOT };

static const struct option options[] = {
    CLI_HELP_OPTION,
    {"config", required_argument, NULL, OPT_CONFIG},
    {"once", no_argument, NULL, OPT_ONCE},
    {"allow-root", no_argument, NULL, OPT_ALLOW_ROOT},
    CLI_OPTIONS_END,
};

struct run_args {
    const char *config;
    unsigned flags; /* DAEMON_* */
};

static int run_cb(void *ctx)
{
    struct run_args *a = ctx;

    return daemon_run(a->config, a->flags);
}

/* Returns 0, CLI_HELP or EXIT_TROUBLE. */
static int parse_args(struct run_args *a, int argc, char **argv)
{
    int opt;

    while ((opt = cli_getopt(argc, argv, ":h", options)) != -1) {
        switch (opt) {
        case OPT_CONFIG:
            a->config = optarg;
            break;
        case OPT_ONCE:
            a->flags |= DAEMON_ONCE;
            break;
        case OPT_ALLOW_ROOT:
            a->flags |= DAEMON_ALLOW_ROOT;
            break;
        case 'h':
            return cli_help(usage);
        default:
            return cli_bad_option("run", opt, argv);
        }
    }
    if (optind < argc)
        return cli_usage_error("run", "unexpected '%s'", argv[optind]);
    return 0;
}

int cmd_run(int argc, char **argv)
{
    struct run_args a = {NULL, 0};
    int rc;

    if ((rc = parse_args(&a, argc, argv)) != 0)
        return rc == CLI_HELP ? 0 : rc;
    if (a.flags & DAEMON_ONCE)
        return daemon_run(a.config, a.flags);
    return platform_run_service(run_cb, daemon_request_stop, daemon_request_reload, &a);
}
