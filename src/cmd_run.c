/*
 * `wsawatch run [--config F] [--once]`: the daemon, in the foreground; with
 * --once it reads every input to its end and exits.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "daemon.h"

int cmd_run(int argc, char **argv)
{
    const char *config = NULL;
    int once = 0;

    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--config") == 0 && i + 1 < argc)
            config = argv[++i];
        else if (strcmp(argv[i], "--once") == 0)
            once = 1;
        else
            return cli_usage_error("run", "unexpected '%s'", argv[i]);
    }
    return daemon_run(config, once);
}
