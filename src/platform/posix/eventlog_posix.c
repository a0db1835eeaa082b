/*
 * POSIX side of the Event Log calls in platform.h: there is no Windows Event
 * Log here, so every call fails with WW_ENOTSUP and says so; the syslog output
 * is what speaks to this system's log.
 */
#include "platform/platform.h"

#define NO_EVENTLOG "the Windows Event Log is only available on Windows; use syslog"

int platform_eventlog_register(const char *source, struct ww_err *err)
{
    (void)source;
    return ww_err_set(err, WW_ENOTSUP, "%s", NO_EVENTLOG);
}

int platform_eventlog_unregister(const char *source, struct ww_err *err)
{
    (void)source;
    return ww_err_set(err, WW_ENOTSUP, "%s", NO_EVENTLOG);
}

int platform_eventlog_open(const char *source, void **handle, struct ww_err *err)
{
    (void)source;
    *handle = NULL;
    return ww_err_set(err, WW_ENOTSUP, "%s", NO_EVENTLOG);
}

int platform_eventlog_report(void *handle, int type, unsigned event_id, const char *const *strings,
                             size_t n, struct ww_err *err)
{
    (void)handle, (void)type, (void)event_id, (void)strings, (void)n;
    return ww_err_set(err, WW_ENOTSUP, "%s", NO_EVENTLOG);
}

void platform_eventlog_close(void *handle)
{
    (void)handle;
}
