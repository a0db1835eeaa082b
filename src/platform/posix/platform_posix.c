/*
 * POSIX side of platform.h: systemd's notify protocol (one datagram to
 * $NOTIFY_SOCKET, no libsystemd needed), syslog, and the default paths.
 */
#include "platform/platform.h"

#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <syslog.h>
#include <unistd.h>

#include "util/alloc.h"

void platform_init(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
}

char *platform_default_state_dir(void)
{
    return xstrdup("/var/lib/wsawatch");
}

void platform_notify(const char *state)
{
    const char *path = getenv("NOTIFY_SOCKET");
    struct sockaddr_un sa;
    socklen_t len;
    int fd;

    if (path == NULL || (path[0] != '/' && path[0] != '@') || strlen(path) >= sizeof(sa.sun_path))
        return;
    memset(&sa, 0, sizeof(sa));
    sa.sun_family = AF_UNIX;
    memcpy(sa.sun_path, path, strlen(path));
    if (path[0] == '@')
        sa.sun_path[0] = '\0'; /* abstract namespace */
    len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(path));
    if ((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) < 0)
        return;
    (void)sendto(fd, state, strlen(state), MSG_NOSIGNAL, (struct sockaddr *)&sa, len);
    close(fd);
}

void platform_syslog_open(void)
{
    openlog("wsawatch", LOG_PID, LOG_DAEMON);
}

void platform_syslog(int level, const char *msg)
{
    static const int prio[] = {LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG};

    syslog(prio[level >= 0 && level <= 3 ? level : 2], "%s", msg);
}
