/*
 * Small synchronous file helpers on top of libuv's fs calls, which take UTF-8
 * paths on every platform: read a whole (small) file, list a directory, tell a
 * directory from a file. For rule and config files, not for followed logs.
 * Out of memory is an error (WW_ENOMEM) here, not an abort: the loaders use
 * these.
 */
#ifndef WW_FSUTIL_H
#define WW_FSUTIL_H

#include <stddef.h>

#include "util/err.h"

/* Reads at most max bytes of path into *data (owned, NUL-terminated). Errors
 * name the path and the system's reason. */
int fs_read_all(const char *path, size_t max, char **data, size_t *len, struct ww_err *err)
    WW_MUST_CHECK;

/* 1 if path is a directory, 0 if not, negative on error (err set). */
int fs_is_dir(const char *path, struct ww_err *err) WW_MUST_CHECK;

/* Names in dir (not . or ..), sorted; *names is owned (free each and the
 * array). Returns the count or a negative error. */
int fs_list_dir(const char *dir, char ***names, struct ww_err *err) WW_MUST_CHECK;

#endif
