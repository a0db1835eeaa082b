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

/* Prepares the process for the program: standard streams in binary mode and
 * UTF-8 on the console, SIGPIPE ignored (a write to a closed pipe is an error,
 * not the end), and on Windows *argv replaced by the command line in UTF-8.
 * Call first in main(). */
void platform_init(int *argc, char ***argv);

/* The default state directory (owned): /var/lib/wsawatch on POSIX,
 * %ProgramData%\wsawatch on Windows. */
char *platform_default_state_dir(void);

/* Tells the service manager how the daemon is doing: "READY=1",
 * "RELOADING=1", "STOPPING=1" (systemd's notify protocol over $NOTIFY_SOCKET
 * on POSIX, a no-op without it). */
void platform_notify(const char *state);

/* The system log: syslog on POSIX. level: 0 error, 1 warning, 2 info, 3 debug. */
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

#endif
