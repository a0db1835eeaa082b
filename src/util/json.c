/*
 * JSON string writer. See json.h.
 */
#include "util/json.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "util/utf.h"

static int put_escape(struct buf *b, unsigned c)
{
    char tmp[8];

    switch (c) {
    case '"': return buf_append(b, "\\\"", 2);
    case '\\': return buf_append(b, "\\\\", 2);
    case '\n': return buf_append(b, "\\n", 2);
    case '\r': return buf_append(b, "\\r", 2);
    case '\t': return buf_append(b, "\\t", 2);
    }
    snprintf(tmp, sizeof(tmp), "\\u%04x", c);
    return buf_append(b, tmp, 6);
}

int json_put_str(struct buf *b, const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0, run = 0;
    int rc = buf_putc(b, '"');

    while (rc == 0 && i < n) {
        unsigned c = p[i];
        uint32_t cp;
        size_t len;

        if (c >= 0x20 && c < 0x7F && c != '"' && c != '\\') {
            i++, run++;
            continue;
        }
        rc = buf_append(b, s + i - run, run);
        run = 0;
        if (rc != 0)
            break;
        if (c < 0x80) {
            rc = put_escape(b, c);
            i++;
        } else if ((len = utf8_decode(p + i, n - i, &cp)) > 0) {
            /* C1 controls and bidi overrides are valid JSON, but escaped a
             * line shown by cat or less cannot drive the terminal or reorder
             * itself; U+2028 and U+2029 break JavaScript readers */
            rc = utf_acts(cp) ? put_escape(b, cp) : buf_append(b, s + i, len);
            i += len;
        } else {
            rc = buf_append(b, "\xEF\xBF\xBD", 3);
            i++;
        }
    }
    if (rc == 0)
        rc = buf_append(b, s + i - run, run);
    return rc != 0 ? rc : buf_putc(b, '"');
}

int json_put_key(struct buf *b, const char *key, int first)
{
    int rc = first ? 0 : buf_putc(b, ',');

    if (rc == 0)
        rc = json_put_str(b, key, strlen(key));
    return rc != 0 ? rc : buf_putc(b, ':');
}
