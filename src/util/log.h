/*
 * The daemon's own messages (OpenBSD log.c): log_warn appends the system's
 * reason, log_warnx does not; fatal is for broken invariants only. Goes to
 * stderr until a sink is configured. Control characters, C1 and bidi controls
 * and invalid UTF-8 in a message (from a path or a line) are written as
 * visible escapes (\x1B, \u202E): one message is one line, and never drives
 * a terminal.
 */
#ifndef WW_LOG_H
#define WW_LOG_H

#include "wsawatch_config.h"

enum log_level { LOG_LEVEL_ERROR, LOG_LEVEL_WARN, LOG_LEVEL_INFO, LOG_LEVEL_DEBUG };


/* Sends messages at level and above to target: "stderr", "file" (appended to
 * path) or "system" (syslog on POSIX; the platform's log). A file that cannot
 * be opened leaves stderr in place, with a warning there. Running as a
 * Windows service (platform_is_service), what would go to stderr goes to the
 * platform's log: stderr goes nowhere there. */
void log_configure(enum log_level level, const char *target, const char *path);
void log_error(const char *fmt, ...) WW_PRINTF(1, 2);
void log_warn(const char *fmt, ...) WW_PRINTF(1, 2);
void log_warnx(const char *fmt, ...) WW_PRINTF(1, 2);
void log_info(const char *fmt, ...) WW_PRINTF(1, 2);
void log_debug(const char *fmt, ...) WW_PRINTF(1, 2);
_Noreturn void fatal(const char *fmt, ...) WW_PRINTF(1, 2);

#endif
