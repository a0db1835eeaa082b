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

struct run_args {
    const char *config;
    unsigned flags; /* DAEMON_* */
};

static int run_cb(void *ctx)
{
    struct run_args *a = ctx;

    return daemon_run(a->config, a->flags);
}

int cmd_run(int argc, char **argv)
{
    struct run_args a = {NULL, 0};

    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--config") == 0 && i + 1 < argc)
            a.config = argv[++i];
        else if (strcmp(argv[i], "--once") == 0)
            a.flags |= DAEMON_ONCE;
        else if (strcmp(argv[i], "--allow-root") == 0)
            a.flags |= DAEMON_ALLOW_ROOT;
        else
            return cli_usage_error("run", "unexpected '%s'", argv[i]);
    }
    if (a.flags & DAEMON_ONCE)
        return daemon_run(a.config, a.flags);
    return platform_run_service(run_cb, daemon_request_stop, daemon_request_reload, &a);
}
