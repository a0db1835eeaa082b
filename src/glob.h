/*
 * Globs for input paths: `*` and `?` within one path segment, `[...]`
 * classes, and `**` as a whole segment for any depth. / separates segments,
 * and on Windows \ too (HAVE_BACKSLASH_PATHS), where a path is written with
 * either; on POSIX \ is an ordinary character of a name. There is no escape
 * character. Expansion walks the directories below the glob's fixed prefix
 * without following symbolic links to directories, so a link loop cannot
 * trap it, reads each directory once and only those the glob can reach
 * into, and stops at a limit. Matching costs time linear in the glob's and
 * the path's segments. It knows nothing of following files.
 */
#ifndef WW_GLOB_H
#define WW_GLOB_H

#include <stddef.h>

#include "util/err.h"

#define GLOB_MAX_FILES 100000
#define GLOB_MAX_DEPTH 32
#define GLOB_MAX_ANY 2       /* `**` segments in one glob */
#define GLOB_MAX_SEGMENTS 63 /* path segments in one glob */

/* Checks that pattern can be used: at most GLOB_MAX_ANY `**` and
 * GLOB_MAX_SEGMENTS segments. Returns 0, or WW_EINVAL / WW_ELIMIT with a
 * message naming the pattern (and the offset of the `**` too many) in err.
 * glob_match and glob_walk refuse what it refuses. */
int glob_check(const char *pattern, char *err, size_t errlen) WW_MUST_CHECK;

/* 1 if path matches pattern. */
int glob_match(const char *pattern, const char *path);

/* 1 if path's last segment or the whole path matches any of pats. */
int glob_excluded(char *const *pats, size_t n, const char *path);

/* The directory below which pattern's matches lie (its segments before the
 * first with a wildcard); owned. "." when the pattern starts with one. */
char *glob_base(const char *pattern);

/* 1 if a wildcard stands in a directory segment (or **): matches may appear
 * below directories other than the base. */
int glob_deep(const char *pattern);

typedef void (*glob_cb)(void *ctx, const char *path);

/* Called for a match that is not a regular file (nor a dangling link); mode
 * is its file type (st_mode & 0170000: 0040000 a directory, 0010000 a FIFO). */
typedef void (*glob_odd_cb)(void *ctx, const char *path, unsigned mode);

/* Calls cb for every regular file matching pattern (a symbolic link to one
 * is reported under its own name). Returns the number of files found, or a
 * negative code when the limit was reached (err says so); unreadable
 * directories are left out silently. */
int glob_expand(const char *pattern, glob_cb cb, void *ctx, struct ww_err *err);

/* glob_expand, and odd (when not NULL) for every other match. */
int glob_walk(const char *pattern, glob_cb cb, glob_odd_cb odd, void *ctx, struct ww_err *err);

/* The path of the entry name right in pattern's base directory, written as
 * the walk writes the paths it finds (owned). */
char *glob_child(const char *pattern, const char *name);

#endif
