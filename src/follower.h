/*
 * One followed file: its identity (device and inode on POSIX, volume serial
 * and file index on Windows, as libuv reports them), the open descriptor, the
 * read offset, and the scan stream holding a partial line. It tells when the
 * path now names another file (rotation by rename or delete-and-recreate) or
 * when the file shrank (copy-and-truncate), and reads the rest of the old file
 * before letting it go. libuv opens files with FILE_SHARE_READ |
 * FILE_SHARE_WRITE | FILE_SHARE_DELETE on Windows, so a followed file can
 * always be rotated or deleted. It knows nothing of globs, state or outputs.
 *
 * Size alone does not tell a file rewritten in place (opened with O_TRUNC and
 * written past the old size before the follower looked) or a new file that
 * got a deleted file's inode: the follower keeps its file's birth time and
 * two fingerprints (fprint.h) — its first bytes, and the bytes just before
 * where it has read to — and checks them whenever the file grew, before
 * taking any new byte: content that is no longer what was read is read again
 * from the start (docs/rotation.md).
 */
#ifndef WW_FOLLOWER_H
#define WW_FOLLOWER_H

#include <stdint.h>
#include <uv.h>

#include "fprint.h"
#include "scanner.h"
#include "util/err.h"

#define FOLLOW_CHUNK (256u << 10)
#define FOLLOW_BUDGET (8u << 20) /* bytes read per file per turn, so none starves the others */
#define FOLLOW_FD_RESERVE 64     /* descriptors left to outputs and state at the system's limit */

enum follow_change {
    FOLLOW_SAME,
    FOLLOW_TRUNCATED, /* shrank (copy-and-truncate): started over at 0 */
    FOLLOW_RENAMED,   /* the path names another file or none, ours still has a name */
    FOLLOW_DELETED,   /* ours has no name left (or, closed: the path names nothing) */
    FOLLOW_LOST,      /* closed, and the path names another file: ours cannot be read */
};

struct follower {
    char *path;          /* as found by the glob */
    int fd;              /* -1 while closed: beyond the open-file budget */
    int pinned;          /* keeps fd open between reads */
    uint64_t dev, ino;   /* identity of the file */
    uint64_t read_off;   /* next byte to read */
    int64_t born_ms;     /* birth time (Unix ms); 0 when the file system does not tell */
    struct fprint head;  /* the first bytes read (up to FPRINT_HEAD) */
    unsigned char tail[FPRINT_TAIL]; /* the last bytes read, ending at read_off */
    uint32_t tail_len;
    unsigned rewrites;   /* content found changed under the offset: read again from 0 */
    unsigned restarts;   /* the stream started over (truncated, rewritten, skipped) */
    struct fprint prev_head, prev_tail; /* the content before the last restart */
    uint64_t prev_done;  /* and where it was taken to */
    int maybe_copy;      /* new since the start, nothing taken yet: the caller may find it
                          * is a copy of another followed file (docs/rotation.md) */
    uint64_t copy_wait;  /* loop time since when it looks like a copy still being written */
    struct scan_stream st;
    uint64_t last_data;  /* loop time (ms) of the last bytes read */
    uv_fs_event_t ev;    /* file-system events, when watching */
    int watching;        /* ev is initialised */
    int evented;         /* and delivers events (its own, or its directory's) */
    int closing;
    int rotated;         /* renamed away: followed a while longer, path no longer ours */
    int caught_up;       /* has read to the end once: what it reads now is new */
    int behind;          /* the last read stopped at FOLLOW_BUDGET: more is waiting */
    uint64_t rotated_at;
    uint64_t long_told_at; /* loop time of the last report of over-long lines */
    uint64_t long_pending; /* over-long lines since, not reported yet */
    uint64_t long_last;    /* offset of the last of them */
    int long_told;         /* one was reported */
    void *owner;         /* the caller's (the input) */
    struct follower *next;
    struct follower *path_next; /* the caller's index by path */
    struct follower *id_next;   /* and by identity */
    int indexed;
    uint64_t stop_at;    /* with follower_set_bounded: the size at open, read no further */
};

/* run --once: followers opened from now on read only up to the size their
 * file had when they were opened, rather than chase a file that grows. */
void follower_set_bounded(int on);

/* Where to start in a file: the offset, and what is known of the content
 * before it (from the offsets store): the birth time and fingerprints it was
 * saved with (0 and len 0 when not known). */
struct follow_resume {
    uint64_t offset;
    int64_t born_ms;
    struct fprint head, tail;
};

/* Decides where to start in a file (born_ms: its birth time, 0 unknown):
 * fills r (zeroed first). */
typedef void (*follow_resume_cb)(void *ctx, const char *path, uint64_t dev, uint64_t ino,
                                 int64_t born_ms, uint64_t size, struct follow_resume *r);

/* Opens path (never blocking: a FIFO is refused, not waited on) and starts
 * its stream where resume says, or at 0 when the file's content is not what
 * the fingerprints resume gave say it was there (f->rewrites is then 1). The follower keeps the file open while fewer
 * than the open-file budget are; beyond it, it is opened again for each read.
 * Returns 0; WW_ENOTFOUND when path names nothing; WW_EINVAL when it is not
 * a regular file ("path: a FIFO, not a regular file"); WW_ELIMIT when the
 * system has no descriptor left (the budget is then lowered: let followers
 * go with follower_shed and try again); WW_EIO for other failures
 * ("path: reason"). On error nothing is left open. */
int follower_open(struct follower *f, const char *path, struct scanner *sc, enum encoding enc,
                  follow_resume_cb resume, void *ctx, struct ww_err *err) WW_MUST_CHECK;

/* Reads what is new, at most FOLLOW_BUDGET bytes; a closed follower is
 * opened for it (when its path still names its file and it grew) and closed
 * again. Returns 0 when at the end, 1 when more remains, or a negative code
 * as follower_open's (err set). */
int follower_read(struct follower *f, uint64_t now, struct ww_err *err);

/* Compares the path with the file. On FOLLOW_TRUNCATED the follower has
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

/* Starts over at off (a copy: what is before it was read from the file it
 * copies). The follower must hold its descriptor. */
void follower_skip_to(struct follower *f, uint64_t off);

/* The open file's size: 0, or -1 when closed or unknown. */
int follower_size(const struct follower *f, uint64_t *size);

/* Reads n bytes at off of the open file into p: returns n, or 0 when they
 * are not all there (or the follower is closed). */
size_t follower_peek(const struct follower *f, uint64_t off, void *p, size_t n);

/* The fingerprint of the bytes before read_off (len 0 at 0). */
struct fprint follower_tail(const struct follower *f);

/* The birth time in a stat (Unix ms), 0 when not known. */
int64_t follower_born_ms(const uv_stat_t *st);

/* 1 when a file of that birth time is not the follower's (both known, and
 * they differ: an inode given to a new file). */
int follower_other_birth(const struct follower *f, int64_t born_ms);

/* Closes the descriptor and frees the stream (not the uv handle). */
void follower_close(struct follower *f);

/* The open-file budget, shared by every follower of the process: 1 when
 * more followers hold a descriptor than it allows (after a WW_ELIMIT);
 * follower_shed closes an unrotated follower's descriptor until its next
 * read (returns 1 if it did). */
int follower_over_budget(void);
int follower_shed(struct follower *f);

/* "directory", "FIFO", "socket", ... for a file type (st_mode & 0170000). */
const char *follower_type_name(unsigned mode);

/* Followers holding a descriptor now, and the budget (SIZE_MAX until the
 * system refused one). */
size_t follower_open_count(void);
size_t follower_open_max(void);

#endif
