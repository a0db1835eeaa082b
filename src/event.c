/*
 * Event writers. See event.h.
 */
#include "event.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <uv.h>

#include "util/json.h"
#include "util/utf.h"

#define TEXT_LINE_MAX 400 /* bytes of a line shown in text output */

void event_now(char out[32])
{
    uv_timeval64_t tv;
    struct tm tm;
    time_t secs;

    uv_gettimeofday(&tv);
    secs = (time_t)tv.tv_sec;
    tm = *gmtime(&secs);
    strftime(out, 32, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(out + 19, 13, ".%03dZ", (int)(tv.tv_usec / 1000) % 1000);
}

static int put_field(struct buf *b, const char *key, const char *val, int first)
{
    int rc;

    if (val == NULL)
        return 0;
    rc = json_put_key(b, key, first);
    return rc != 0 ? rc : json_put_str(b, val, strlen(val));
}

int event_put_winsock(struct buf *b, const struct wcode *c)
{
    char hex[16], hres[16];
    int rc;

    table_hex(c->code, hex);
    table_hresult(c->code, hres);
    rc = buf_printf(b, "\"winsock\":{\"code\":%ld", c->code);
    rc = rc ? rc : put_field(b, "symbol", c->symbol, 0);
    rc = rc ? rc : put_field(b, "hex", hex, 0);
    rc = rc ? rc : put_field(b, "hresult", hres, 0);
    rc = rc ? rc : put_field(b, "title", c->title, 0);
    rc = rc ? rc : put_field(b, "message", c->message, 0);
    rc = rc ? rc : put_field(b, "posix", c->posix, 0);
    rc = rc ? rc : put_field(b, "category", c->category, 0);
    rc = rc ? rc : put_field(b, "hint", c->hint, 0);
    return rc ? rc : buf_putc(b, '}');
}

static int put_captures(struct buf *b, const struct line_ref *l, const struct match *m)
{
    int rc = buf_append(b, ",\"captures\":{", 13);

    for (size_t i = 0; rc == 0 && i < m->ncaps; i++) {
        rc = json_put_key(b, m->caps[i].name, i == 0);
        rc = rc ? rc : json_put_str(b, l->text + m->caps[i].off, m->caps[i].len);
    }
    return rc ? rc : buf_putc(b, '}');
}

static int put_extra(struct buf *b, const struct event_extra *x)
{
    int rc = 0;

    if (x->ntags > 0) {
        rc = buf_append(b, ",\"tags\":[", 9);
        for (size_t i = 0; rc == 0 && i < x->ntags; i++) {
            rc = i ? buf_putc(b, ',') : 0;
            rc = rc ? rc : json_put_str(b, x->tags[i], strlen(x->tags[i]));
        }
        rc = rc ? rc : buf_putc(b, ']');
    }
    if (rc == 0 && x->host != NULL) {
        rc = buf_append(b, ",\"host\":{", 9);
        rc = rc ? rc : put_field(b, "name", x->host, 1);
        rc = rc ? rc : buf_putc(b, '}');
    }
    return rc;
}

int event_json(struct buf *b, const char *timestamp, const struct line_ref *l,
               const struct match *m, const struct event_extra *x)
{
    int rc = buf_append(b, "{", 1);

    rc = rc ? rc : put_field(b, "@timestamp", timestamp, 1);
    rc = rc ? rc : buf_printf(b, ",\"event\":{\"kind\":\"event\"},\"log\":{\"file\":{");
    rc = rc ? rc : put_field(b, "path", l->path, 1);
    rc = rc ? rc : buf_printf(b, "},\"offset\":%" PRIu64 "%s}", l->offset,
                              l->truncated ? ",\"truncated\":true" : "");
    rc = rc ? rc : json_put_key(b, "message", 0);
    rc = rc ? rc : json_put_str(b, l->text, l->len);
    rc = rc ? rc : buf_putc(b, ',');
    rc = rc ? rc : event_put_winsock(b, m->code);
    rc = rc ? rc : buf_append(b, ",\"rule\":{", 9);
    rc = rc ? rc : put_field(b, "id", m->rule->id, 1);
    rc = rc ? rc : buf_putc(b, '}');
    rc = rc ? rc : put_captures(b, l, m);
    rc = rc || x == NULL ? rc : put_extra(b, x);
    return rc ? rc : buf_putc(b, '}');
}

int event_put_escaped(struct buf *b, const char *s, size_t n, size_t max)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0, run = 0;
    int rc = 0;

    while (rc == 0 && i < n && i < max) {
        char esc[UTF_VISIBLE_MAX + 1];
        size_t used = 1, len = 0;

        if (p[i] < 0x20 || p[i] >= 0x7F)
            len = utf8_visible(p + i, n - i, &used, esc);
        if (len == 0) {
            run += used, i += used;
            continue;
        }
        rc = buf_append(b, s + i - run, run);
        rc = rc ? rc : buf_append(b, esc, len);
        run = 0, i += used;
    }
    rc = rc ? rc : buf_append(b, s + i - run, run);
    if (rc == 0 && i < n)
        rc = buf_append(b, "...", 3);
    return rc;
}

int event_text(struct buf *b, const struct line_ref *l, const struct match *m, int color)
{
    const char *bold = color ? "\033[1;31m" : "", *dim = color ? "\033[2m" : "",
               *off = color ? "\033[0m" : "";
    int rc = buf_printf(b, "%s", dim);

    rc = rc ? rc : event_put_escaped(b, l->path, strlen(l->path), 4096);
    /* path:LINE as grep and editors show it; path@OFFSET when the line
     * number is not known (the file was read from a saved offset) */
    rc = rc ? rc : buf_printf(b, "%c%" PRIu64, l->line ? ':' : '@', l->line ? l->line : l->offset);
    rc = rc ? rc : buf_printf(b, "%s %s%s%s (%ld) %s  [%s]", off, bold,
                              m->code->symbol ? m->code->symbol : "?", off, m->code->code,
                              m->code->title ? m->code->title : "", m->rule->id);
    for (size_t i = 0; rc == 0 && i < m->ncaps; i++) {
        rc = buf_printf(b, " %s=", m->caps[i].name);
        rc = rc ? rc : event_put_escaped(b, l->text + m->caps[i].off, m->caps[i].len, 200);
    }
    rc = rc ? rc : buf_printf(b, "%s\n  %s| %s", l->truncated ? " (line truncated)" : "", dim, off);
    return rc ? rc : event_put_escaped(b, l->text, l->len, TEXT_LINE_MAX);
}
