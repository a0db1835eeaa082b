/*
 * POSIX side of platform_ansi_to_utf8: there is no system ANSI code page, so
 * `encoding: ansi` means Windows-1252, the code page of western Windows
 * systems, whose logs are what ends up here.
 */
#include "platform/platform.h"

#include <stdint.h>

#include "util/buf.h"
#include "util/utf.h"

/* Windows-1252 0x80-0x9F; the rest of the upper half is Latin-1. */
static const uint16_t cp1252[32] = {0x20AC, 0xFFFD, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
                                    0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0xFFFD, 0x017D, 0xFFFD,
                                    0xFFFD, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
                                    0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0xFFFD, 0x017E, 0x0178};

int platform_ansi_to_utf8(const char *s, size_t n, struct buf *out)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t start = out->len;
    char tmp[4];
    int rc = 0;

    for (size_t i = 0; rc == 0 && i < n; i++) {
        uint32_t cp = p[i] >= 0x80 && p[i] < 0xA0 ? cp1252[p[i] - 0x80] : p[i];
        rc = buf_append(out, tmp, utf8_encode(cp, tmp));
    }
    if (rc != 0 && out->p != NULL) { /* leave out as it was */
        out->len = start;
        out->p[start] = '\0';
    }
    return rc;
}
