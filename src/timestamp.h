/*
 * The time a log line says it was written, so that alert windows count by the
 * application's clock rather than by when the daemon read the line (which,
 * for a backlog, is long after). Recognises the layouts operators' logs use
 * near the start of a line: ISO 8601 / RFC 3339 (with or without T, fraction
 * and zone), .NET / log4net / NLog / Serilog ("2026-11-24 20:30:01,123"),
 * IIS W3C ("2026-11-24 20:30:01", UTC by definition), nginx error
 * ("2026/11/24 20:30:01"), Apache/nginx access ("[24/Nov/2026:20:30:01
 * +0000]") and Apache error ("[Tue Nov 24 20:30:01.123456 2026]"). A time
 * without a zone is the local time of the host. Nothing else is guessed.
 *
 * The time must lead the line: at its start, or after a short prefix of at
 * most TIMESTAMP_LEAD bytes, two words and no lower-case letter (a level tag
 * "ERROR ", a bracket "[", a syslog "<134>1 "); or as the value of the first
 * member of a JSON line ({"@t":"2026-..."); or, in an access log, in the
 * bracket after the three fields host, ident and user. A date quoted in the
 * message ("token valid until 2030-01-01T00:00:00Z") is not the line's time.
 */
#ifndef WW_TIMESTAMP_H
#define WW_TIMESTAMP_H

#include <stddef.h>
#include <stdint.h>

#define TIMESTAMP_SCAN 96      /* bytes from the start of a line searched */
#define TIMESTAMP_LEAD 32      /* bytes of prefix before the time, at most */
#define TIMESTAMP_LEAD_WORDS 2 /* and words in it */
#define TIMESTAMP_JSON_KEY 16  /* bytes of the first key of a JSON line */

/* Milliseconds since the epoch of the timestamp that leads the line (see
 * above); returns 1 when there is one, 0 otherwise. */
int timestamp_parse(const char *line, size_t n, int64_t *ms);

/* A configured layout: a PCRE2 pattern with the named groups year, month,
 * day, hour, minute, second and, optionally, fraction (digits) and tz (Z,
 * +hh:mm or +hhmm; without it the time is local). Returns the compiled
 * pattern, or NULL with a message naming the pattern offset (or saying out
 * of memory) in err. */
void *timestamp_pattern_compile(const char *pattern, char *err, size_t errlen);
/* Checks a configured layout as timestamp_pattern_compile does, and frees
 * it. Returns 0, WW_EPATTERN or WW_ENOMEM, with a message in err. */
int timestamp_pattern_check(const char *pattern, char *err, size_t errlen);
/* Like timestamp_parse with a compiled pattern. */
int timestamp_pattern_parse(void *re, const char *line, size_t n, int64_t *ms);
void timestamp_pattern_free(void *re);

/* Days since 1970-01-01 of a civil date (proleptic Gregorian). */
int64_t timestamp_days(int64_t y, unsigned m, unsigned d);

/* "2026-11-24T20:30:01.123Z" for ms since the epoch (out: 32 bytes). */
void timestamp_format(int64_t ms, char out[32]);

#endif
