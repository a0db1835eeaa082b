/*
 * Events: one (line, Winsock code) pair written as a JSON object in the shape
 * DESIGN.md fixes (ECS field names), or as two lines of text for a terminal.
 * Writers only; they do not decide what is an event.
 */
#ifndef WW_EVENT_H
#define WW_EVENT_H

#include <stddef.h>
#include <stdint.h>

#include "matcher.h"
#include "util/buf.h"

/* A line as read: where it came from and its UTF-8 text. */
struct line_ref {
    const char *path;   /* as given by the user */
    uint64_t offset;    /* of the line's first byte in the file as stored */
    const char *text;   /* UTF-8 (may hold invalid bytes: writers replace them) */
    size_t len;
    int truncated;      /* the line was longer than the maximum */
    void *tag;          /* the reader's own, passed through */
    uint64_t line;      /* 1-based line number in the file; 0: not known (read from a
                           saved offset or from the end) */
};

/* What the daemon adds to an event: its input's tags and the host name. */
struct event_extra {
    char *const *tags;
    size_t ntags;
    const char *host;
};

/* "2026-11-24T20:30:01.123Z" for now. */
void event_now(char out[32]);

/* Appends one JSON object (no newline). Returns 0 or WW_ELIMIT. */
int event_json(struct buf *b, const char *timestamp, const struct line_ref *l,
               const struct match *m, const struct event_extra *x) WW_MUST_CHECK;

/* Appends "winsock":{...} for a code (code, symbol, hex, hresult, title,
 * message, posix, category, hint). */
int event_put_winsock(struct buf *b, const struct wcode *c) WW_MUST_CHECK;

/* Appends a two-line text rendering, with ANSI colours when color is set;
 * it names the line path:LINE, or path@OFFSET when the line number is not
 * known. Control characters of the line are escaped. */
int event_text(struct buf *b, const struct line_ref *l, const struct match *m, int color)
    WW_MUST_CHECK;

/* Appends s[0..n) for a terminal: valid UTF-8 as is, control characters and
 * invalid bytes as \xNN, C1 and bidi controls as \uNNNN (utf8_visible). At
 * most max bytes of s are shown. */
int event_put_escaped(struct buf *b, const char *s, size_t n, size_t max) WW_MUST_CHECK;

#endif
