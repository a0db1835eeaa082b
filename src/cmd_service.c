/*
 * `wsawatch service install [--config F]` and `wsawatch service uninstall`:
 * registers or removes the Windows service (platform_service_install does
 * the work); elsewhere it says the systemd unit is the way and exits 2.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "platform/platform.h"

int cmd_service(int argc, char **argv)
{
    struct ww_err err = {0};
    const char *config = NULL;
    int install, rc;

    if (argc < 2 || (strcmp(argv[1], "install") != 0 && strcmp(argv[1], "uninstall") != 0))
        return cli_usage_error("service", "expected install or uninstall");
    install = strcmp(argv[1], "install") == 0;
    for (int i = 2; i < argc; i++) {
        if (install && strcmp(argv[i], "--config") == 0 && i + 1 < argc)
            config = argv[++i];
        else
            return cli_usage_error("service", "unexpected '%s'", argv[i]);
    }
    rc = install ? platform_service_install(config, &err) : platform_service_uninstall(&err);
    if (rc != 0) {
        fprintf(stderr, "wsawatch service %s: %s\n", argv[1], err.msg);
        return EXIT_TROUBLE;
    }
    return 0;
}
