/*
 * POSIX side of the service calls in platform.h: systemd runs the daemon as
 * it is (the unit in packaging/linux), so there is no dispatcher to hand
 * control to and nothing to install from the program itself.
 */
#include "platform/platform.h"

int platform_run_service(int (*run)(void *ctx), void (*stop)(void), void (*reload)(void), void *ctx)
{
    (void)stop, (void)reload; /* signals reach the daemon through libuv */
    return run(ctx);
}

int platform_is_service(void)
{
    return 0; /* under systemd, standard error goes to the journal */
}

static int windows_only(const char *what, struct ww_err *err)
{
    return ww_err_set(err, WW_EINVAL,
                      "%s is for Windows; on Linux the systemd unit wsawatch.service runs the "
                      "daemon (systemctl enable --now wsawatch)",
                      what);
}

int platform_service_install(const char *config_path, struct ww_err *err)
{
    (void)config_path;
    return windows_only("service install", err);
}

int platform_service_uninstall(struct ww_err *err)
{
    return windows_only("service uninstall", err);
}
