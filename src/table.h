/*
 * The Winsock code table: every code with its symbol, title, Windows message
 * text (English and localized), POSIX and .NET names, category and hint, and
 * lookups by number, symbol, hex/HRESULT and message text. It knows nothing of
 * files, patterns or events; rulefiles.c feeds it YAML.
 */
#ifndef WW_TABLE_H
#define WW_TABLE_H

#include <stddef.h>

#include "util/diag.h"
#include "ydoc.h"

struct wcode {
    long code;
    char *symbol;       /* WSAECONNRESET */
    char **aliases;     /* other spellings */
    size_t naliases;
    char *title;        /* "Connection reset by peer." */
    char *message;      /* FormatMessage text, English */
    char *posix;        /* ECONNRESET or NULL */
    char *dotnet;       /* SocketError name or NULL */
    char *category;
    char *hint;         /* NULL when none */
    int message_alone;  /* the message text alone is evidence */
    char **texts;       /* localized message texts */
    char **text_langs;  /* their languages ("de", "zh", ...) */
    size_t ntexts;
};

/* One message text, English or localized, as the matcher sees it. */
struct wmsg {
    const struct wcode *code;
    const char *text; /* not owned */
    size_t len;       /* without a final period */
    const char *lang; /* "en", "de", ... */
};

struct table {
    struct wcode *v; /* sorted by code after table_finish */
    size_t n, cap;
    struct wmsg *msgs; /* built by table_finish */
    size_t nmsgs;
};

/* The key table of a code entry (for tools/docgen), its length in *n. */
const struct yfield *table_fields(size_t *n);
void table_init(struct table *t);
void table_free(struct table *t);

/* Adds or merges the entries of a `codes:` sequence; stops at out of memory
 * (d->oom). Returns the number of errors added to d. */
int table_add_yaml(struct table *t, struct ydoc *y, yaml_node_t *seq, struct diag *d);

/* Sorts and indexes the table; call once after the last table_add_yaml.
 * Returns 0, or WW_ENOMEM with the table as it was. */
int table_finish(struct table *t) WW_MUST_CHECK;

const struct wcode *table_by_code(const struct table *t, long code);

/* By symbol or alias (any case, with or without the WSA/WSA_ prefix), POSIX
 * name, or .NET SocketError name. */
const struct wcode *table_by_symbol(const struct table *t, const char *s, size_t n);

/* Parses hex ("2746", "0x0000274D") or an HRESULT ("0x80072746": FACILITY_WIN32
 * only) and looks the code up. */
const struct wcode *table_by_hex(const struct table *t, const char *s, size_t n);

/* Compares the text at s with message m: a space in m matches a run of white
 * space, letters compare ASCII-case-insensitively. Returns how many bytes of
 * s matched m completely (m->len bytes of m), or, when s ends (but for white
 * space) after at least TABLE_MIN_CUT bytes of m, how many were read; else 0. */
#define TABLE_MIN_CUT 24
size_t table_msg_match(const struct wmsg *m, const char *s, size_t n);

/* The code whose message (English or localized) the text at s starts with,
 * whole or cut short; NULL if none. */
const struct wcode *table_by_message(const struct table *t, const char *s, size_t n);

/* Codes whose symbol, title, message or localized text contains all words of
 * `words` (case-insensitive). Returns how many were stored in out. */
size_t table_search(const struct table *t, const char *words, const struct wcode **out,
                    size_t max);

/* "0x2746" and "0x80072746" for a code. */
void table_hex(long code, char out[16]);
void table_hresult(long code, char out[16]);

#endif
