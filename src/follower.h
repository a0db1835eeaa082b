/*
 * One followed file: its identity (device and inode on POSIX, volume serial
 * and file index on Windows, as libuv reports them), the open descriptor, the
 * read offset, and the scan stream holding a partial line. It tells when the
 * path now names another file (rotation by rename or delete-and-recreate) or
 * when the file shrank (copy-and-truncate), and reads the rest of the old file
 * before letting it go. libuv opens files with FILE_SHARE_READ |
 * FILE_SHARE_WRITE | FILE_SHARE_DELETE on Windows, so a followed file can
 * always be rotated or deleted. It knows nothing of globs, state or outputs.
 */
#ifndef WW_FOLLOWER_H
#define WW_FOLLOWER_H

#include <stdint.h>
#include <uv.h>

#include "scanner.h"
#include "util/err.h"

#define FOLLOW_CHUNK (256u << 10)
#define FOLLOW_BUDGET (8u << 20) /* bytes read per file per turn, so none starves the others */

enum follow_change {
    FOLLOW_SAME,
    FOLLOW_TRUNCATED, /* shrank (copy-and-truncate): started over at 0 */
    FOLLOW_RENAMED,   /* the path names another file or none, ours still has a name */
    FOLLOW_DELETED,   /* ours has no name left */
};

struct follower {
    char *path;          /* as found by the glob */
    int fd;
    uint64_t dev, ino;   /* identity of what fd has open */
    uint64_t read_off;   /* next byte to read */
    struct scan_stream st;
    uint64_t last_data;  /* loop time (ms) of the last bytes read */
    uv_fs_event_t ev;    /* file-system events, when watching */
    int watching;        /* ev is initialised */
    int evented;         /* and delivers events: polling is only a safety net */
    int closing;
    int rotated;         /* renamed away: followed a while longer, path no longer ours */
    int caught_up;       /* has read to the end once: what it reads now is new */
    uint64_t rotated_at;
    void *owner;         /* the caller's (the input) */
    struct follower *next;
    struct follower *path_next; /* the caller's index by path */
    int indexed;
};

/* Decides where to start in a file: returns the offset. */
typedef uint64_t (*follow_resume_cb)(void *ctx, const char *path, uint64_t dev, uint64_t ino,
                                     uint64_t size);

/* Opens path and starts its stream where resume says. Returns 0 or WW_EIO
 * with err set ("path: reason"); on error nothing is left open. */
int follower_open(struct follower *f, const char *path, struct scanner *sc, enum encoding enc,
                  follow_resume_cb resume, void *ctx, struct ww_err *err) WW_MUST_CHECK;

/* Reads what is new, at most FOLLOW_BUDGET bytes. Returns 0 when at the end,
 * 1 when more remains, or a negative code (err set). */
int follower_read(struct follower *f, uint64_t now, struct ww_err *err);

/* Compares the path with the open file. On FOLLOW_TRUNCATED the follower has
 * already started over at 0. A renamed file is told from a deleted one by its
 * link count: an application may still write to the first until it reopens
 * its log, never usefully to the second. */
enum follow_change follower_check(struct follower *f, struct ww_err *err);

/* Reads the open file to its end and takes the last line even without its
 * newline: before letting a rotated or deleted file go. */
void follower_drain(struct follower *f, uint64_t now);

/* Takes a held partial line when nothing came for idle_ms. */
int follower_idle(struct follower *f, uint64_t now, uint64_t idle_ms);

/* Where to resume this file: just past the last line taken. */
uint64_t follower_offset(const struct follower *f);

/* Closes the descriptor and frees the stream (not the uv handle). */
void follower_close(struct follower *f);

#endif
