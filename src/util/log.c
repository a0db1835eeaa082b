/*
 * Logging for the daemon's own messages. See log.h.
 */
#include "util/log.h"

#include "platform/platform.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static enum log_level current = LOG_LEVEL_INFO;
static FILE *sink;     /* NULL: stderr */
static int use_system; /* the platform's log */
static int system_open; /* platform_syslog_open was called */

void log_configure(enum log_level level, const char *target, const char *path)
{
    FILE *f;

    current = level;
    if (sink != NULL)
        fclose(sink);
    sink = NULL;
    use_system = strcmp(target, "system") == 0;
    if (strcmp(target, "file") == 0 && path != NULL) {
        if ((f = fopen(path, "a")) == NULL)
            log_warn("log file %s", path);
        else
            sink = f;
    }
}

static void vlog(enum log_level level, const char *tag, const char *reason, const char *fmt,
                 va_list ap)
{
    char msg[2048];
    size_t n;
    FILE *out = sink != NULL ? sink : stderr;

    if (level > current)
        return;
    n = (size_t)snprintf(msg, sizeof(msg), "%s", tag);
    vsnprintf(msg + n, sizeof(msg) - n, fmt, ap);
    if (reason != NULL) {
        n = strlen(msg);
        snprintf(msg + n, sizeof(msg) - n, ": %s", reason);
    }
    /* Under the Windows service manager standard error goes nowhere. */
    if (use_system || (sink == NULL && platform_is_service())) {
        if (!system_open)
            platform_syslog_open(), system_open = 1;
        platform_syslog((int)level, msg);
        return;
    }
    fprintf(out, "wsawatch: %s\n", msg);
    fflush(out);
}

void log_error(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vlog(LOG_LEVEL_ERROR, "error: ", NULL, fmt, ap);
    va_end(ap);
}

void log_warn(const char *fmt, ...)
{
    const char *reason = strerror(errno);
    va_list ap;

    va_start(ap, fmt);
    vlog(LOG_LEVEL_WARN, "warning: ", reason, fmt, ap);
    va_end(ap);
}

void log_warnx(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vlog(LOG_LEVEL_WARN, "warning: ", NULL, fmt, ap);
    va_end(ap);
}

void log_info(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vlog(LOG_LEVEL_INFO, "", NULL, fmt, ap);
    va_end(ap);
}

void log_debug(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vlog(LOG_LEVEL_DEBUG, "debug: ", NULL, fmt, ap);
    va_end(ap);
}

void fatal(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vlog(LOG_LEVEL_ERROR, "fatal: ", NULL, fmt, ap);
    va_end(ap);
    abort();
}
