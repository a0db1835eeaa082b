/*
 * What an input reports about hostile or broken files, so that a problem is
 * told once and not at every poll: paths that cannot be opened (with their
 * reason; told again only when the reason changes, and when they are
 * readable again), FIFOs and other non-regular files under a glob, followed
 * files replaced by one of those; and, at once the first time and then summed
 * up at most once a minute, lines longer than max_line_bytes (per file) and
 * lines on which a pattern hit the PCRE2 match limit (per rule). Part of the
 * daemon, beside input.c; it reads and opens nothing itself.
 */
#ifndef WW_REPORT_H
#define WW_REPORT_H

#include <stdint.h>

#include "daemon_int.h"

#define REPORT_EVERY_MS 60000 /* summaries of repeated problems, at most this often */

/* Opening or reading path failed with code (follower_open's codes) and msg
 * ("path: reason"). A path that names nothing is not reported. */
void report_failed(struct input *in, const char *path, int code, const char *msg);

/* f (just opened, or read) is fine: if its path was reported, says so. */
void report_ok(struct input *in, const struct follower *f);

/* A match that is not a regular file (mode: its st_mode file type): a FIFO,
 * socket or device is reported; a directory only where a followed file was. */
void report_odd(struct input *in, const char *path, unsigned mode);

/* A follower let path go (its file deleted, rotated or replaced): what turns
 * up there next is told apart from an ordinary match. */
void report_vacated(struct input *in, const char *path);

/* Copies of the paths that failed, to try again (*paths and each owned). */
size_t report_failing(struct input *in, char ***paths);

/* Forgets the reported paths that name nothing any more. */
void report_prune(struct input *in);

/* Takes the over-long lines the follower's stream counted since the last
 * call: the first is reported at once, the others summed up. */
void report_long_lines(struct input *in, struct follower *f, uint64_t now);

/* The follower is let go: its pending summary is written. */
void report_file_done(struct input *in, struct follower *f);

/* Rule r hit the match limit on line l. */
void report_match_limit(struct input *in, const struct line_ref *l, const struct rule *r,
                         uint64_t now);

/* Writes the summaries that are due (all of them with force). */
void report_tick(struct input *in, uint64_t now, int force);

void report_free(struct input *in);

#endif
