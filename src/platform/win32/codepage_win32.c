/*
 * Windows side of platform_ansi_to_utf8: text in the system's ANSI code page
 * (GetACP: 1252 on western systems, 932, 936, ... elsewhere, 65001 where the
 * "UTF-8 for worldwide language support" option is on) to UTF-8, through
 * UTF-16. Bytes the code page does not map become U+FFFD.
 */
#include "platform/platform.h"

#include <uv.h> /* before windows.h: it brings winsock2.h */

#include <limits.h>
#include <windows.h>

#include "util/alloc.h"
#include "util/buf.h"

#define SMALL 512 /* lines up to this many bytes convert without allocating */

int platform_ansi_to_utf8(const char *p, size_t n, struct buf *out)
{
    wchar_t wsmall[SMALL], *w = wsmall;
    char usmall[SMALL * 3], *u = usmall;
    int wn, un, rc;

    if (n == 0)
        return 0;
    if (n > INT_MAX / 3)
        return WW_ELIMIT;
    if (n > SMALL) {
        w = xmalloc(n * sizeof(wchar_t));
        u = xmalloc(n * 3);
    }
    /* Each byte gives at most one UTF-16 unit, each unit at most 3 bytes. */
    wn = MultiByteToWideChar(GetACP(), 0, p, (int)n, w, (int)n);
    un = wn > 0 ? WideCharToMultiByte(CP_UTF8, 0, w, wn, u, (int)n * 3, NULL, NULL) : 0;
    rc = buf_append(out, u, un > 0 ? (size_t)un : 0);
    if (w != wsmall)
        xfree(w), xfree(u);
    return rc;
}
