/*
 * One pass over a stream of log bytes: finds the encoding, splits lines,
 * passes candidate lines to the matcher and calls back for each line that gave
 * events. For UTF-8 the prefilter runs over whole buffers, so lines that
 * cannot match cost no per-line work beyond counting them. Lines longer than
 * max_line are matched in their first max_line bytes, flagged truncated, and
 * the rest skipped. Used by `scan` and `test`; the daemon's follower feeds the
 * same matcher line by line.
 */
#ifndef WW_SCANNER_H
#define WW_SCANNER_H

#include <stddef.h>
#include <stdint.h>

#include "decoder.h"
#include "event.h"
#include "matcher.h"
#include "util/err.h"

#define SCANNER_MAX_LINE_DEFAULT (64u * 1024)

/* Called for each line that gave events or hit a match limit. Returns 0 to go
 * on, or a negative code to stop the scan with it. */
typedef int (*scanner_cb)(void *ctx, const struct line_ref *l, const struct match_set *ms);

struct scan_stats {
    uint64_t bytes;
    uint64_t lines;
    uint64_t matched_lines;
    uint64_t events;
    uint64_t truncated;   /* lines longer than max_line */
    uint64_t limit_lines; /* lines where a pattern hit a match limit */
};

struct scanner {
    struct matcher *m;
    size_t max_line;
    enum encoding encoding; /* ENC_AUTO: by BOM, else sniffed */
    scanner_cb cb;
    void *ctx;
    struct scan_stats st;   /* summed over all streams */
};

/* Reads fd (an open file or pipe) to its end. path names it in events and
 * errors. Returns 0, WW_EIO with err set, or the callback's code. */
int scanner_run(struct scanner *s, const char *path, int fd, struct ww_err *err) WW_MUST_CHECK;

#endif
