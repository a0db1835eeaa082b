/*
 * Logging for the daemon's own messages. See log.h. Messages carry paths,
 * rule ids and captured text from outside; each is made visible before it is
 * written (utf8_visible), so a file name or a line cannot move the cursor,
 * recolour a terminal or start a forged log line.
 */
#include "util/log.h"

#include "platform/platform.h"
#include "util/utf.h"

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

/* Copies s to out (cap bytes) with what a terminal acts on escaped; an
 * escape that does not fit is left out whole. */
static void make_visible(char *out, size_t cap, const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t n = strlen(s), o = 0;

    for (size_t i = 0; i < n;) {
        char esc[UTF_VISIBLE_MAX + 1];
        size_t used = 1, len = 0;

        if (p[i] < 0x20 || p[i] >= 0x7F)
            len = utf8_visible(p + i, n - i, &used, esc);
        if (len == 0) {
            if (o + used >= cap)
                break;
            memcpy(out + o, s + i, used);
            o += used;
        } else {
            if (o + len >= cap)
                break;
            memcpy(out + o, esc, len);
            o += len;
        }
        i += used;
    }
    out[o] = '\0';
}

static void vlog(enum log_level level, const char *tag, const char *reason, const char *fmt,
                 va_list ap)
{
    char raw[2048], msg[4096];
    size_t n;
    FILE *out = sink != NULL ? sink : stderr;

    if (level > current)
        return;
    n = (size_t)snprintf(raw, sizeof(raw), "%s", tag);
    vsnprintf(raw + n, sizeof(raw) - n, fmt, ap);
    if (reason != NULL) {
        n = strlen(raw);
        snprintf(raw + n, sizeof(raw) - n, ": %s", reason);
    }
    make_visible(msg, sizeof(msg), raw);
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
