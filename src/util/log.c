/*
 * Logging for the daemon's own messages. See log.h.
 */
#include "util/log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static enum log_level current = LOG_LEVEL_INFO;

void log_set_level(enum log_level level)
{
    current = level;
}

static void vlog(enum log_level level, const char *tag, const char *reason, const char *fmt,
                 va_list ap)
{
    if (level > current)
        return;
    fprintf(stderr, "wsawatch: %s", tag);
    vfprintf(stderr, fmt, ap);
    if (reason != NULL)
        fprintf(stderr, ": %s", reason);
    fputc('\n', stderr);
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
