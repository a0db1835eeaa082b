/*
 * Windows side of platform.h: binary standard streams (no CRLF translation of
 * JSON lines), UTF-8 console output, and UTF-8 argv from the wide command line.
 */
#include "platform/platform.h"

#include <fcntl.h>
#include <io.h>
#include <stdio.h>
#include <stdlib.h>
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
