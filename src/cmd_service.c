/*
 * `wsawatch service install [--config F]` and `wsawatch service uninstall`:
 * registers or removes the Windows service (platform_service_install does
 * the work); elsewhere it says the systemd unit is the way and exits 2.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "platform/platform.h"

static const char usage[] =
    "usage: wsawatch service install [--config F]\n"
    "       wsawatch service uninstall\n"
    "\n"
    "Windows only: registers the wsawatch service (delayed automatic start, restart\n"
    "on failure, least-privilege account, Event Log source) or removes it. On Linux\n"
    "the systemd unit does this.\n"
    "\n"
    "  --config F            the configuration file the service runs with\n" CLI_HELP_HELP;

enum { OPT_CONFIG = CLI_OPT_OWN };

static const struct option options[] = {
    CLI_HELP_OPTION, {"config", required_argument, NULL, OPT_CONFIG}, CLI_OPTIONS_END};

/* Returns 0 with *install set, CLI_HELP or EXIT_TROUBLE. */
static int parse_args(int argc, char **argv, int *install, const char **config)
{
    int opt;

    while ((opt = cli_getopt(argc, argv, ":h", options)) != -1) {
        if (opt == OPT_CONFIG)
            *config = optarg;
        else if (opt == 'h')
            return cli_help(usage);
        else
            return cli_bad_option("service", opt, argv);
    }
    if (optind == argc || (strcmp(argv[optind], "install") != 0 &&
                           strcmp(argv[optind], "uninstall") != 0))
        return cli_usage_error("service", "expected install or uninstall");
    if (optind + 1 < argc)
        return cli_usage_error("service", "unexpected '%s'", argv[optind + 1]);
    *install = strcmp(argv[optind], "install") == 0;
    if (!*install && *config != NULL)
        return cli_usage_error("service", "uninstall takes no --config");
    return 0;
}

int cmd_service(int argc, char **argv)
{
    struct ww_err err = {0};
    const char *config = NULL;
    int install = 0, rc;

    if ((rc = parse_args(argc, argv, &install, &config)) != 0)
        return rc == CLI_HELP ? 0 : rc;
    rc = install ? platform_service_install(config, &err) : platform_service_uninstall(&err);
    if (rc != 0) {
        fprintf(stderr, "wsawatch service %s: %s\n", install ? "install" : "uninstall", err.msg);
        return EXIT_TROUBLE;
    }
    return 0;
}
