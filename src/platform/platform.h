/*
 * The operating-system interface, declared once; src/platform/posix/ and
 * src/platform/win32/ implement the same names and CMake picks one. libuv
 * already covers the event loop, files, timers, signals and processes, so only
 * what it lacks lives here. Paths and arguments are UTF-8 inside the program;
 * the win32 side converts at the boundary.
 */
#ifndef WW_PLATFORM_H
#define WW_PLATFORM_H

#include <stddef.h>

#include "util/err.h"

struct buf;

/* Prepares the process for the program: standard streams in binary mode and
 * UTF-8 on the console, SIGPIPE ignored (a write to a closed pipe is an error,
 * not the end), and on Windows *argv replaced by the command line in UTF-8.
 * Call first in main(). */
void platform_init(int *argc, char ***argv);

/* The default state directory (owned): /var/lib/wsawatch on POSIX,
 * %ProgramData%\wsawatch on Windows; NULL when out of memory. */
char *platform_default_state_dir(void);

/* Tells the service manager how the daemon is doing: "READY=1",
 * "RELOADING=1", "STOPPING=1" (systemd's notify protocol over $NOTIFY_SOCKET
 * on POSIX, a no-op without it; on Windows, under the service control
 * manager, READY=1 reports SERVICE_RUNNING and STOPPING=1 SERVICE_STOP_PENDING,
 * and nothing in console mode). */
void platform_notify(const char *state);

/* Runs run(ctx) as the platform's service and returns its exit status. POSIX:
 * just run(ctx) (systemd needs nothing more). Windows: hands the process to
 * the service control dispatcher; run(ctx) then runs in the service thread,
 * stop() is called on STOP and SHUTDOWN, reload() on PARAMCHANGE (both from
 * another thread). Started from a console rather than by the SCM, it returns
 * run(ctx) directly. */
int platform_run_service(int (*run)(void *ctx), void (*stop)(void), void (*reload)(void),
                         void *ctx);

/* 1 while running under the Windows service control manager (standard error
 * goes nowhere there), else 0. */
int platform_is_service(void);

/* 1 when running as root (POSIX effective uid 0); 0 otherwise and on Windows,
 * where the service account is chosen by `service install`. */
int platform_is_root(void);

/* Whether an unprivileged account could read path: 1 when it is readable
 * through a group other than root's (its name copied to group, n bytes) or by
 * all users ("all users"), 0 when root alone can read it, -1 when it cannot
 * be examined. Windows: always -1 (ACLs, not modes). */
int platform_group_readable(const char *path, char *group, size_t n);

/* `wsawatch service install|uninstall` (Windows only). Install registers the
 * service `wsawatch` to run this executable with `run --config CONFIG`
 * (CONFIG made absolute; NULL: %ProgramData%\wsawatch\wsawatch.yaml, which
 * must exist), delayed automatic start, restart on failure, a least-privilege
 * account with modify rights on %ProgramData%\wsawatch, and the Event Log
 * source; run again, it updates the existing service. Uninstall stops and
 * deletes the service and unregisters the event source; configuration and
 * state stay. Return 0, or a negative code with err naming the step and the
 * system's reason (on POSIX: WW_EINVAL, the systemd unit is the way there). */
int platform_service_install(const char *config_path, struct ww_err *err) WW_MUST_CHECK;
int platform_service_uninstall(struct ww_err *err) WW_MUST_CHECK;

/* Appends the n bytes at p, text in the ANSI code page, to out in UTF-8: the
 * system's code page on Windows (GetACP), Windows-1252 elsewhere. Returns 0
 * or WW_ELIMIT (out is then as it was). */
int platform_ansi_to_utf8(const char *p, size_t n, struct buf *out) WW_MUST_CHECK;

/* The system log: syslog on POSIX; on Windows the Application event log,
 * source wsawatch, event IDs 3000-3002 (debug goes in as information). level:
 * 0 error, 1 warning, 2 info, 3 debug. */
void platform_syslog_open(void);
void platform_syslog(int level, const char *msg);

/* The local syslog daemon, for the syslog output. platform_syslog_local_path
 * is its socket (/dev/log), or NULL where the system has none (Windows).
 * platform_syslog_local_open connects a non-blocking datagram socket to path
 * and returns it, or a negative libuv error code (UV_ENOTSUP on Windows).
 * platform_syslog_local_send sends one datagram without blocking: 0, UV_EAGAIN
 * or UV_ENOBUFS when the daemon's queue is full, or another negative libuv
 * code (then close the socket and open it again later). */
const char *platform_syslog_local_path(void);
int platform_syslog_local_open(const char *path);
int platform_syslog_local_send(int fd, const void *msg, size_t len);
void platform_syslog_local_close(int fd);

/* The Windows Event Log (Application log). Everywhere else these return
 * WW_ENOTSUP with err saying the Event Log exists only on Windows.
 *
 * platform_eventlog_register makes source a registered event source: under
 * HKLM\SYSTEM\CurrentControlSet\Services\EventLog\Application\<source>,
 * EventMessageFile is the full path of the running executable (which carries
 * the message table, IDs in messages.mc) and TypesSupported is 7. It needs
 * administrator rights; run it from `service install`. The key is created or
 * updated: registering twice is fine. platform_eventlog_unregister deletes
 * that key; a source that is not registered is not an error. Both return 0 or
 * WW_EIO (err holds the system's reason) or WW_EINVAL (a bad name). */
int platform_eventlog_register(const char *source, struct ww_err *err) WW_MUST_CHECK;
int platform_eventlog_unregister(const char *source, struct ww_err *err) WW_MUST_CHECK;

/* The event IDs of the message table (src/platform/win32/messages.mc). */
enum platform_event_id {
    PLATFORM_EVENT_WINSOCK = 1000,          /* an event: a Winsock error in a log */
    PLATFORM_EVENT_ALERT_FIRING = 2000,
    PLATFORM_EVENT_ALERT_RESOLVED = 2001,
    PLATFORM_EVENT_ALERT_BACKLOG = 2002,    /* the summary of a backlog read late */
    PLATFORM_EVENT_DAEMON_ERROR = 3000,     /* the daemon's own log messages */
    PLATFORM_EVENT_DAEMON_WARNING = 3001,
    PLATFORM_EVENT_DAEMON_INFO = 3002,
};

/* Opens source for reporting (RegisterEventSource; it works without
 * registration too, but then Event Viewer cannot show the text). *handle
 * is the caller's until platform_eventlog_close; NULL on error. */
int platform_eventlog_open(const char *source, void **handle, struct ww_err *err) WW_MUST_CHECK;

/* Writes one event: type 0 information, 1 warning, 2 error; event_id one of
 * the IDs in messages.mc; strings the n UTF-8 insertion strings (%1, %2, ...),
 * each cut to the 31839 characters the Event Log takes. No raw data. Returns
 * 0, WW_EINVAL or WW_EIO. */
int platform_eventlog_report(void *handle, int type, unsigned event_id,
                             const char *const *strings, size_t n, struct ww_err *err)
    WW_MUST_CHECK;
void platform_eventlog_close(void *handle);

/* A program and every process it starts, killed as one (the exec output's
 * timeout). The program must be spawned with UV_PROCESS_DETACHED: on POSIX
 * that makes it the leader of a new session and process group, which
 * platform_child_kill_tree kills (kill(-pid, SIGKILL)). On Windows
 * platform_child_attach puts it in a job object (*group, freed with
 * platform_child_free) that platform_child_kill_tree terminates; a process it
 * started before being put in the job escapes. attach returns 0 or a negative
 * libuv code (the program is then killed alone). */
int platform_child_attach(int pid, void **group);
void platform_child_kill_tree(int pid, void *group);
void platform_child_free(void *group);
#endif
