/*
 * Windows side of platform.h: binary standard streams (no CRLF translation of
 * JSON lines), UTF-8 console output, and UTF-8 argv from the wide command line.
 * There is no local syslog daemon: the syslog output sends over the network;
 * the daemon's own log goes to the Event Log (eventlog_win32.c).
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
#include <shlobj.h>

#include "util/alloc.h"

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

/* The known folder, not %ProgramData%: a service's environment may differ
 * from the installer's (Wine gives services C:\users\Public), and both must
 * name the same directory. */
char *platform_default_state_dir(void)
{
    const char *pd = getenv("ProgramData");
    wchar_t *known = NULL;
    char dir[MAX_PATH * 3] = "";
    size_t n;
    char *p;

    /* FOLDERID_ProgramData, here to need no libuuid */
    static const GUID programdata = {
        0x62AB5D82, 0xFDC1, 0x4DC3, {0xA9, 0xDD, 0x07, 0x0D, 0x1D, 0x49, 0x5D, 0x97}};

    if (SHGetKnownFolderPath(&programdata, 0, NULL, &known) == S_OK)
        WideCharToMultiByte(CP_UTF8, 0, known, -1, dir, (int)sizeof(dir), NULL, NULL);
    CoTaskMemFree(known);
    if (dir[0] == '\0')
        snprintf(dir, sizeof(dir), "%s", pd ? pd : "C:\\ProgramData");
    n = strlen(dir) + sizeof("\\wsawatch");
    if ((p = try_malloc(n)) == NULL)
        return NULL;
    snprintf(p, n, "%s\\wsawatch", dir);
    return p;
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

int platform_is_root(void)
{
    return 0;
}

int platform_group_readable(const char *path, char *group, size_t n)
{
    (void)path;
    (void)group;
    (void)n;
    return -1;
}

/* A job object holding the program and what it starts. Closing it kills
 * nothing (as on POSIX, only the timeout kills the tree). */
int platform_child_attach(int pid, void **group)
{
    HANDLE job = CreateJobObjectW(NULL, NULL), proc;
    int rc = 0;

    *group = NULL;
    if (job == NULL)
        return uv_translate_sys_error((int)GetLastError());
    proc = OpenProcess(PROCESS_SET_QUOTA | PROCESS_TERMINATE, FALSE, (DWORD)pid);
    if (proc == NULL || !AssignProcessToJobObject(job, proc))
        rc = uv_translate_sys_error((int)GetLastError());
    if (proc != NULL)
        CloseHandle(proc);
    if (rc != 0) {
        CloseHandle(job);
        return rc;
    }
    *group = job;
    return 0;
}

void platform_child_kill_tree(int pid, void *group)
{
    HANDLE proc;

    if (group != NULL && TerminateJobObject((HANDLE)group, 1))
        return;
    proc = OpenProcess(PROCESS_TERMINATE, FALSE, (DWORD)pid);
    if (proc != NULL) {
        TerminateProcess(proc, 1);
        CloseHandle(proc);
    }
}

void platform_child_free(void *group)
{
    if (group != NULL)
        CloseHandle((HANDLE)group);
}
