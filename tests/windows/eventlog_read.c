/*
 * Test helper for the Windows Event Log (not a unit test): reads records the
 * way Event Viewer does and prints them one a line, so that
 * tests/windows/eventlog_test.sh can check what wsawatch wrote. It is only
 * built for Windows and knows nothing of wsawatch's code.
 *
 *   eventlog_read [SOURCE]
 *       reads the Application log backwards; for each record of SOURCE
 *       (default wsawatch) prints "ID TYPE TEXT", TEXT formatted from the
 *       source's EventMessageFile with the record's strings (line breaks
 *       shown as \n). Ends with "records: N" on standard error.
 *   eventlog_read --format SOURCE ID FILE
 *       formats message ID of SOURCE's EventMessageFile with the lines of
 *       FILE (UTF-8) as %1, %2, ... and prints "ID TEXT".
 *
 * Exit 0, or 1 with the reason on standard error (a message that cannot be
 * formatted is a failure: Event Viewer would say "The description for Event
 * ID ... cannot be found").
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <windows.h>

#define KEY L"SYSTEM\\CurrentControlSet\\Services\\EventLog\\Application\\"
#define MAX_STRINGS 32

static void print_utf8(const wchar_t *w)
{
    for (; *w; w++) {
        char out[8];
        int n;
        if (*w == L'\r')
            continue;
        if (*w == L'\n') {
            fputs("\\n", stdout);
            continue;
        }
        if (IS_HIGH_SURROGATE(w[0]) && IS_LOW_SURROGATE(w[1])) {
            n = WideCharToMultiByte(CP_UTF8, 0, w, 2, out, sizeof(out), NULL, NULL);
            w++;
        } else {
            n = WideCharToMultiByte(CP_UTF8, 0, w, 1, out, sizeof(out), NULL, NULL);
        }
        fwrite(out, 1, n > 0 ? (size_t)n : 0, stdout);
    }
}

static const char *type_name(WORD t)
{
    return t == EVENTLOG_ERROR_TYPE         ? "error"
           : t == EVENTLOG_WARNING_TYPE     ? "warning"
           : t == EVENTLOG_INFORMATION_TYPE ? "information"
                                            : "other";
}

/* The source's message file, loaded as data; NULL with a message. */
static HMODULE message_module(const wchar_t *source)
{
    wchar_t key[512], raw[MAX_PATH * 4], path[MAX_PATH * 4];
    DWORD size = sizeof(raw);
    LSTATUS st;
    HMODULE m;

    swprintf(key, 512, L"%ls%ls", KEY, source);
    st = RegGetValueW(HKEY_LOCAL_MACHINE, key, L"EventMessageFile",
                      RRF_RT_REG_SZ | RRF_RT_REG_EXPAND_SZ | RRF_NOEXPAND, NULL, raw, &size);
    if (st != ERROR_SUCCESS) {
        fprintf(stderr, "eventlog_read: source %ls: no EventMessageFile (error %ld)\n", source,
                (long)st);
        return NULL;
    }
    if (ExpandEnvironmentStringsW(raw, path, MAX_PATH * 4) == 0)
        wcscpy(path, raw);
    m = LoadLibraryExW(path, NULL, LOAD_LIBRARY_AS_DATAFILE);
    if (m == NULL)
        fprintf(stderr, "eventlog_read: %ls: LoadLibraryEx failed (error %lu)\n", path,
                GetLastError());
    return m;
}

/* Formats id with the strings; prints "ID TEXT" or reports a failure. */
static int format(HMODULE m, DWORD id, const wchar_t **strings, size_t n, const char *type)
{
    DWORD_PTR args[MAX_STRINGS + 1] = {0};
    wchar_t *text = NULL;

    for (size_t i = 0; i < n && i < MAX_STRINGS; i++)
        args[i] = (DWORD_PTR)strings[i];
    if (FormatMessageW(FORMAT_MESSAGE_FROM_HMODULE | FORMAT_MESSAGE_ALLOCATE_BUFFER |
                           FORMAT_MESSAGE_ARGUMENT_ARRAY,
                       m, id, 0, (LPWSTR)&text, 0, (va_list *)args) == 0) {
        fprintf(stderr,
                "eventlog_read: the description for Event ID %lu cannot be found "
                "(FormatMessage error %lu)\n",
                (unsigned long)(id & 0xFFFF), GetLastError());
        return 1;
    }
    printf("%lu ", (unsigned long)(id & 0xFFFF));
    if (type != NULL)
        printf("%s ", type);
    print_utf8(text);
    putchar('\n');
    LocalFree(text);
    return 0;
}

static int read_log(const wchar_t *source)
{
    HANDLE h = OpenEventLogW(NULL, L"Application");
    HMODULE m = message_module(source);
    DWORD size = 1 << 16, got, need;
    BYTE *buf = malloc(size);
    int failed = 0, records = 0;

    if (h == NULL || m == NULL || buf == NULL) {
        fprintf(stderr, "eventlog_read: cannot open the Application log or the message file\n");
        return 1;
    }
    for (;;) {
        if (!ReadEventLogW(h, EVENTLOG_SEQUENTIAL_READ | EVENTLOG_BACKWARDS_READ, 0, buf, size,
                           &got, &need)) {
            DWORD e = GetLastError();
            if (e == ERROR_INSUFFICIENT_BUFFER && (buf = realloc(buf, size = need)) != NULL)
                continue;
            if (e != ERROR_HANDLE_EOF) {
                fprintf(stderr, "eventlog_read: ReadEventLog failed (error %lu)\n", e);
                failed = 1;
            }
            break;
        }
        for (BYTE *p = buf; p < buf + got; p += ((EVENTLOGRECORD *)p)->Length) {
            EVENTLOGRECORD *r = (EVENTLOGRECORD *)p;
            const wchar_t *src = (const wchar_t *)(p + sizeof(*r));
            const wchar_t *s[MAX_STRINGS];
            const wchar_t *w = (const wchar_t *)(p + r->StringOffset);
            size_t n = 0;

            if (_wcsicmp(src, source) != 0)
                continue;
            for (; n < r->NumStrings && n < MAX_STRINGS; n++, w += wcslen(w) + 1)
                s[n] = w;
            records++;
            failed |= format(m, r->EventID, s, n, type_name(r->EventType));
        }
    }
    fprintf(stderr, "records: %d\n", records);
    CloseEventLog(h);
    free(buf);
    return failed;
}

static int format_file(const wchar_t *source, DWORD id, const wchar_t *file)
{
    static wchar_t *strings[MAX_STRINGS];
    HMODULE m = message_module(source);
    FILE *f = _wfopen(file, L"rb");
    static char line[1 << 16];
    size_t n = 0;

    if (m == NULL || f == NULL) {
        fprintf(stderr, "eventlog_read: cannot open %ls or the message file\n", file);
        return 1;
    }
    while (n < MAX_STRINGS && fgets(line, sizeof(line), f) != NULL) {
        int len;
        line[strcspn(line, "\r\n")] = '\0';
        len = MultiByteToWideChar(CP_UTF8, 0, line, -1, NULL, 0);
        strings[n] = calloc((size_t)len + 1, sizeof(wchar_t));
        MultiByteToWideChar(CP_UTF8, 0, line, -1, strings[n++], len);
    }
    fclose(f);
    return format(m, id, (const wchar_t **)strings, n, NULL);
}

int wmain(int argc, wchar_t **argv)
{
    if (argc == 5 && wcscmp(argv[1], L"--format") == 0)
        return format_file(argv[2], (DWORD)wcstoul(argv[3], NULL, 10), argv[4]);
    if (argc <= 2 && (argc < 2 || argv[1][0] != L'-'))
        return read_log(argc == 2 ? argv[1] : L"wsawatch");
    fprintf(stderr, "usage: eventlog_read [SOURCE] | --format SOURCE ID FILE\n");
    return 2;
}
