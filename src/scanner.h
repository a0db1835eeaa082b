/*
 * Turning a stream of log bytes into matched lines: finds the encoding,
 * splits lines, passes candidate lines to the matcher and calls back for each
 * line that gave events. For UTF-8 the prefilter runs over whole buffers, so
 * lines that cannot match cost no per-line work beyond counting them. Lines
 * longer than max_line are matched in their first max_line bytes, flagged
 * truncated, and the rest skipped. `scan` and `test` read whole files with
 * scanner_run; the daemon feeds a scan_stream per followed file as it grows.
 * It knows nothing of where bytes come from.
 */
#ifndef WW_SCANNER_H
#define WW_SCANNER_H

#include <stddef.h>
#include <stdint.h>

#include "decoder.h"
#include "event.h"
#include "matcher.h"
#include "util/buf.h"
#include "util/err.h"

#define SCANNER_MAX_LINE_DEFAULT (64u * 1024)

/* Called for each line that gave events or hit a match limit. Returns 0 to go
 * on, or a negative code to stop with it. */
typedef int (*scanner_cb)(void *ctx, const struct line_ref *l, const struct match_set *ms);

struct scan_stats {
    uint64_t bytes;
    uint64_t lines;
    uint64_t matched_lines;
    uint64_t events;
    uint64_t truncated;   /* lines longer than max_line */
    uint64_t limit_lines; /* lines where a pattern hit a match limit */
};

/* What the streams of one kind share: matcher, limits, callback, counters. */
struct scanner {
    struct matcher *m;
    size_t max_line;
    enum encoding encoding; /* ENC_AUTO: by BOM, else sniffed */
    scanner_cb cb;
    void *ctx;
    struct scan_stats st;   /* summed over all streams */
    struct match_set ms;    /* the line being matched (one at a time) */
    char *scratch;          /* read buffer shared by the streams, one at a time */
    size_t scratch_cap;
};

/* Frees the scanner's shared buffer (the streams must be done with it). */
void scanner_free(struct scanner *s);

/* One stream of bytes (a file from some offset). */
struct scan_stream {
    struct scanner *s;
    const char *path;  /* not owned */
    void *tag;         /* the caller's, for the callback */
    enum encoding enc;
    int sniffed;       /* the encoding is known */
    uint64_t base;     /* stream offset of buf[0] */
    uint64_t line;     /* lines taken so far, when the stream began at offset 0 */
    int counting;      /* it did: line numbers are known */
    char *hold;        /* a partial line kept between reads; NULL when none */
    char *buf;         /* while reading: the scanner's scratch buffer */
    size_t have, cap;
    size_t start;      /* bytes of buf to pass over (a BOM) */
    int skipping;      /* discarding the rest of an over-long line */
    char eol;          /* '\n' (LF, CRLF), '\r' (lone CR, no LF in the file), 0 not known yet */
    int after_cr;      /* a CR ended the last buffer: an LF next is its CRLF */
    struct buf dec;    /* decoded line */
    size_t chunk;      /* read size */
    uint64_t long_lines; /* lines longer than max_line since the reader zeroed this */
    uint64_t long_first; /* offset of the first of them */
    uint64_t long_off;   /* and of the last */
};

/* Starts a stream at offset. With enc ENC_AUTO and offset 0 the encoding is
 * told from the first bytes; otherwise enc is used as given. */
void scan_stream_init(struct scan_stream *st, struct scanner *s, const char *path,
                      enum encoding enc, uint64_t offset, size_t chunk);
void scan_stream_free(struct scan_stream *st);

/* Room for at least chunk bytes to read into; *n gets its size. The room is
 * in the scanner's shared buffer: push before another stream asks for room. */
char *scan_stream_space(struct scan_stream *st, size_t *n);

/* Takes n bytes just read into the space and processes every complete line;
 * with eof, the last line too even without its newline. Returns 0 or the
 * callback's code. */
int scan_stream_push(struct scan_stream *st, size_t n, int eof);

/* The offset just past the last line taken: where to resume. */
uint64_t scan_stream_done(const struct scan_stream *st);

/* Bytes held of a line without its newline yet. */
size_t scan_stream_pending(const struct scan_stream *st);

/* Reads fd (an open file or pipe) to its end. Returns 0, WW_EIO with err
 * set, or the callback's code. */
int scanner_run(struct scanner *s, const char *path, int fd, struct ww_err *err) WW_MUST_CHECK;

#endif
