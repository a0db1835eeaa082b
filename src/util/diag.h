/*
 * A list of diagnostics (errors and warnings) collected while loading files,
 * so that `wsawatch check` can report all of them at once. Each entry is one
 * line of text that already names file:line:column and, for rules, the rule id.
 * Not for runtime errors of the daemon: those go to the log.
 */
#ifndef WW_DIAG_H
#define WW_DIAG_H

#include "wsawatch_config.h"

#include <stddef.h>

enum diag_level { DIAG_ERROR, DIAG_WARNING };

struct diag_entry {
    enum diag_level level;
    char *text; /* owned; no trailing newline */
};

struct diag {
    struct diag_entry *v;
    size_t n, cap;
    size_t nerrors;
};

void diag_init(struct diag *d);
void diag_free(struct diag *d);

/* Adds an entry "file:line:col: text" (line/col 0: left out). */
void diag_add(struct diag *d, enum diag_level level, const char *file, int line, int col,
              const char *fmt, ...) WW_PRINTF(6, 7);

/* Writes every entry to the stream, prefixed with "error: " or "warning: ". */
void diag_print(const struct diag *d, void *stream);

#endif
