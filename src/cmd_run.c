/*
 * `wsawatch run [--config F] [--once]`: the daemon, in the foreground, or
 * under the service manager (platform_run_service: on Windows the SCM starts
 * the service with this command); with --once it reads every input to its
 * end and exits, never as a service.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "daemon.h"
#include "platform/platform.h"

static int run_cb(void *ctx)
{
    return daemon_run(ctx, 0);
}

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
    if (once)
        return daemon_run(config, 1);
    return platform_run_service(run_cb, daemon_request_stop, daemon_request_reload, (void *)config);
}
