/*
 * Windows side of platform.h: binary standard streams (no CRLF translation of
 * JSON lines), UTF-8 console output, and UTF-8 argv from the wide command line.
 * There is no local syslog daemon: the syslog output sends over the network.
 */
#include "platform/platform.h"

#include <uv.h> /* before windows.h: it brings winsock2.h */

#include <fcntl.h>
#include <io.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <windows.h>
#include <shellapi.h>

void platform_init(int *argc, char ***argv)
{
    int n;
    wchar_t **wargv = CommandLineToArgvW(GetCommandLineW(), &n);
    char **out;

    _setmode(_fileno(stdin), _O_BINARY);
    _setmode(_fileno(stdout), _O_BINARY);
    _setmode(_fileno(stderr), _O_BINARY);
    SetConsoleOutputCP(CP_UTF8);
    if (wargv == NULL)
        return;
    out = calloc((size_t)n + 1, sizeof(char *));
    if (out == NULL)
        abort();
    for (int i = 0; i < n; i++) {
        int len = WideCharToMultiByte(CP_UTF8, 0, wargv[i], -1, NULL, 0, NULL, NULL);
        out[i] = malloc(len > 0 ? (size_t)len : 1);
        if (out[i] == NULL)
            abort();
        out[i][0] = '\0';
        WideCharToMultiByte(CP_UTF8, 0, wargv[i], -1, out[i], len, NULL, NULL);
    }
    LocalFree(wargv);
    *argc = n;
    *argv = out; /* lives as long as the process */
}

char *platform_default_state_dir(void)
{
    const char *pd = getenv("ProgramData");
    size_t n = strlen(pd ? pd : "C:\\ProgramData") + sizeof("\\wsawatch");
    char *p = malloc(n);

    if (p == NULL)
        abort();
    snprintf(p, n, "%s\\wsawatch", pd ? pd : "C:\\ProgramData");
    return p;
}

void platform_notify(const char *state)
{
    (void)state; /* the service status is reported by the service entry point */
}

void platform_syslog_open(void)
{
}

void platform_syslog(int level, const char *msg)
{
    (void)level;
    OutputDebugStringA(msg);
}

const char *platform_syslog_local_path(void)
{
    return NULL;
}

int platform_syslog_local_open(const char *path)
{
    (void)path;
    return UV_ENOTSUP;
}

int platform_syslog_local_send(int fd, const void *msg, size_t len)
{
    (void)fd, (void)msg, (void)len;
    return UV_ENOTSUP;
}

void platform_syslog_local_close(int fd)
{
    (void)fd;
}
