/*
 * `wsawatch run [--config F]`: the daemon, in the foreground.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "daemon.h"

int cmd_run(int argc, char **argv)
{
    const char *config = NULL;

    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--config") == 0 && i + 1 < argc)
            config = argv[++i];
        else
            return cli_usage_error("run", "unexpected '%s'", argv[i]);
    }
    return daemon_run(config);
}
