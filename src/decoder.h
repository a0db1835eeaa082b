/*
 * Text encodings of log files: telling them apart (BOM, or the NUL pattern of
 * UTF-16 without one), finding line ends in the raw bytes, and turning a raw
 * line into UTF-8. UTF-8 lines pass through as they are (invalid bytes are
 * replaced only when written out, so offsets stay true); UTF-16 and the ANSI
 * code page (the system's on Windows, Windows-1252 elsewhere: see
 * platform_ansi_to_utf8) are converted. It knows nothing of patterns.
 */
#ifndef WW_DECODER_H
#define WW_DECODER_H

#include <stddef.h>

#include "util/buf.h"

enum encoding { ENC_AUTO, ENC_UTF8, ENC_UTF16LE, ENC_UTF16BE, ENC_ANSI };

/* Parses "auto", "utf-8", "utf-16le", "utf-16be", "ansi". Returns 0 or WW_EINVAL. */
int decoder_parse(const char *name, enum encoding *out) WW_MUST_CHECK;
const char *decoder_name(enum encoding e);

#define DECODER_SNIFF_WINDOW 512 /* first bytes of a file whose NULs are counted */
#define DECODER_SNIFF_MIN 64      /* bytes enough to tell UTF-16 without a BOM */

/* The encoding of a file from its first n bytes (the first
 * DECODER_SNIFF_WINDOW of them are looked at); *bom gets the BOM's length. */
enum encoding decoder_sniff(const char *p, size_t n, size_t *bom);

/* 1 when the first n bytes of a file are enough to tell its encoding (a BOM,
 * a line feed, a CR and the byte after it, or DECODER_SNIFF_MIN bytes); else
 * a reader waits for more, or for the end. */
int decoder_sniff_ready(const char *p, size_t n);

/* Bytes per code unit: 2 for UTF-16, else 1. */
size_t decoder_unit(enum encoding e);

/* Offset of the first line feed at or after pos (pos aligned to the unit), or
 * n when there is none. */
size_t decoder_find_nl(enum encoding e, const char *p, size_t n, size_t pos);

/* Appends the raw line p[0..n) as UTF-8 to out, dropping a final CR. */
int decoder_line(enum encoding e, const char *p, size_t n, struct buf *out) WW_MUST_CHECK;

#endif
