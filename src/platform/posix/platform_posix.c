/*
 * POSIX side of platform.h: systemd's notify protocol (one datagram to
 * $NOTIFY_SOCKET, no libsystemd needed), syslog (the daemon's own messages
 * through syslog(3); the syslog output's own socket to /dev/log), and the
 * default paths.
 */
#include "platform/platform.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <grp.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <syslog.h>
#include <unistd.h>
#include <uv.h>

#include "util/alloc.h"

void platform_init(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    /* A program of the exec output that exits without reading its stdin, or a
     * closed stdout, must give an error, not end the daemon. */
    signal(SIGPIPE, SIG_IGN);
}

char *platform_default_state_dir(void)
{
    return try_strdup("/var/lib/wsawatch");
}

int platform_is_root(void)
{
    return geteuid() == 0;
}

int platform_group_readable(const char *path, char *group, size_t n)
{
    struct stat st;
    struct group *g;

    if (stat(path, &st) != 0)
        return -1;
    if (st.st_mode & S_IROTH) {
        snprintf(group, n, "all users");
        return 1;
    }
    if (!(st.st_mode & S_IRGRP) || st.st_gid == 0)
        return 0;
    g = getgrgid(st.st_gid);
    if (g != NULL)
        snprintf(group, n, "%s", g->gr_name);
    else
        snprintf(group, n, "%lu", (unsigned long)st.st_gid);
    return 1;
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

const char *platform_syslog_local_path(void)
{
    return "/dev/log";
}

int platform_syslog_local_open(const char *path)
{
    struct sockaddr_un sa;
    int fd, e;

    if (strlen(path) >= sizeof(sa.sun_path))
        return UV_ENAMETOOLONG;
    memset(&sa, 0, sizeof(sa));
    sa.sun_family = AF_UNIX;
    memcpy(sa.sun_path, path, strlen(path));
    if ((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0)) < 0)
        return uv_translate_sys_error(errno);
    if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
        e = errno;
        close(fd);
        return uv_translate_sys_error(e);
    }
    return fd;
}

int platform_syslog_local_send(int fd, const void *msg, size_t len)
{
    if (send(fd, msg, len, MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
        return uv_translate_sys_error(errno);
    return 0;
}

void platform_syslog_local_close(int fd)
{
    close(fd);
}

int platform_child_attach(int pid, void **group)
{
    (void)pid;
    *group = NULL; /* setsid() made by libuv: the process group is the pid */
    return 0;
}

void platform_child_kill_tree(int pid, void *group)
{
    (void)group;
    if (pid > 0 && kill(-(pid_t)pid, SIGKILL) != 0)
        (void)kill((pid_t)pid, SIGKILL); /* not a group leader after all */
}

void platform_child_free(void *group)
{
    (void)group;
}
