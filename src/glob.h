/*
 * Globs for input paths: `*` and `?` within one path segment, `[...]`
 * classes, and `**` as a whole segment for any depth. / separates segments,
 * and on Windows \ too (HAVE_BACKSLASH_PATHS), where a path is written with
 * either; on POSIX \ is an ordinary character of a name. There is no escape
 * character. Expansion walks the directories below the glob's fixed prefix
 * without following symbolic links to directories, so a link loop cannot
 * trap it, and stops at a limit. It knows nothing of following files.
 */
#ifndef WW_GLOB_H
#define WW_GLOB_H

#include <stddef.h>

#include "util/err.h"

#define GLOB_MAX_FILES 100000
#define GLOB_MAX_DEPTH 32

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

/* Calls cb for every regular file matching pattern. Returns the number of
 * files found, or a negative code when the limit was reached (err says so);
 * unreadable directories are left out silently. */
int glob_expand(const char *pattern, glob_cb cb, void *ctx, struct ww_err *err);

#endif
