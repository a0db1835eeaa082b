/*
 * A list of diagnostics (errors and warnings) collected while loading files,
 * so that `wsawatch check` can report all of them at once. Each entry is one
 * line of text that already names file:line:column and, for rules, the rule id.
 * Not for runtime errors of the daemon: those go to the log. Running out of
 * memory is recorded without allocating (the oom flag), so a loader can
 * always report it; the entries added before and after it are kept. An entry
 * that cannot be stored is counted as lost: a lost error also sets oom (its
 * loader counted it as an error already), a lost warning does not (what was
 * loaded is complete: only the warning's text is missing).
 */
#ifndef WW_DIAG_H
#define WW_DIAG_H

#include "wsawatch_config.h"

#include <stddef.h>

enum diag_level { DIAG_ERROR, DIAG_WARNING };

struct diag_entry {
    enum diag_level level;
    char *text; /* owned; no trailing newline */
    size_t filelen; /* text starts with the file's name this long (0: none) */
    int line, col;  /* 0 when not known */
};

struct diag {
    struct diag_entry *v;
    size_t n, cap;
    size_t nerrors; /* entries at DIAG_ERROR (stored or lost), and oom */
    int oom;        /* an allocation failed: "out of memory" is one of the errors */
    size_t lost;    /* entries that could not be stored for lack of memory */
};

void diag_init(struct diag *d);
void diag_free(struct diag *d);

/* Adds an entry "file:line:col: text" (line/col 0: left out). When that
 * needs memory it cannot get, the entry is lost (see above). */
void diag_add(struct diag *d, enum diag_level level, const char *file, int line, int col,
              const char *fmt, ...) WW_PRINTF(6, 7);

/* Records that an allocation failed (without allocating; counted once in
 * nerrors). Returns 1, the number of errors a loader adds for it. */
int diag_oom(struct diag *d);

/* Orders the entries by file (in the order the files first appear), then
 * line and column; entries of one position keep their order. */
void diag_sort(struct diag *d);

/* Writes every entry to the stream, prefixed with "error: " or "warning: ",
 * then how many were lost and "error: out of memory" if oom is set. */
void diag_print(const struct diag *d, void *stream);

#endif
