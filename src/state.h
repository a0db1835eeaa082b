/*
 * Offsets of followed files, by file identity, in state_dir/offsets.json: one
 * JSON document, written an entry a line, read with a real parser (libyaml,
 * through ydoc: for these documents JSON is YAML), so that a copy
 * pretty-printed or with its keys in another order reads the same. Each entry
 * may carry its file's birth time and content fingerprints (fprint.h);
 * entries without them (older files) still load. Written atomically: a
 * temporary file, flushed to disk, renamed over the old one. A corrupt or
 * truncated file is reported, set aside as offsets.json.corrupt-TIME, and the
 * daemon starts without it. It knows nothing of when offsets are safe to
 * commit: the daemon decides that.
 */
#ifndef WW_STATE_H
#define WW_STATE_H

#include <stddef.h>
#include <stdint.h>

#include "fprint.h"
#include "util/err.h"

struct state_entry {
    uint64_t dev, ino; /* identity */
    uint64_t offset;   /* resume here */
    char *path;        /* last known path, for people and pruning */
    int seen;          /* claimed by a followed file since loading */
    int64_t born_ms;   /* the file's birth time, Unix ms; 0 unknown */
    struct fprint head, tail; /* its first bytes, the bytes before where it was read to */
};

struct state {
    int dirty;         /* changed since the last save */
    int no_space;      /* the last save failed for lack of space (ENOSPC, EDQUOT) */
    int64_t loaded_ms; /* when the loaded file was written (its last commit), Unix ms;
                        * 0 when none was loaded. Cleared once the first inputs started */
    char *dir;
    char *file;        /* dir/offsets.json */
    struct state_entry *v;
    size_t n, cap;
    size_t *slot;      /* identity index: positions in v + 1, 0 for none; open addressing */
    size_t nslot;      /* a power of two, above twice n */
};

void state_init(struct state *s, const char *dir);
void state_free(struct state *s);

/* Loads the file. A missing file is no error; a corrupt one is set aside and
 * reported through err (the state is then empty) with WW_ECONFIG. */
int state_load(struct state *s, struct ww_err *err) WW_MUST_CHECK;

/* The entry of an identity, or NULL. */
struct state_entry *state_find(struct state *s, uint64_t dev, uint64_t ino);

/* Sets (adds) the offset of an identity; returns its entry (the state's). */
struct state_entry *state_set(struct state *s, uint64_t dev, uint64_t ino, uint64_t offset,
                              const char *path);

/* Sets an entry's birth time and fingerprints (head or tail NULL: none). */
void state_set_prints(struct state *s, struct state_entry *e, int64_t born_ms,
                      const struct fprint *head, const struct fprint *tail);

/* The entry last known under path with another identity than (dev, ino): a
 * file rotated while the daemon was not running. NULL if none. */
struct state_entry *state_find_path(struct state *s, const char *path, uint64_t dev,
                                    uint64_t ino);

/* Forgets an identity (a deleted file: its inode may be reused). */
void state_drop(struct state *s, uint64_t dev, uint64_t ino);

/* Drops entries not set since the last prune whose path no longer names
 * that identity (rotated away, deleted). */
void state_prune(struct state *s);

/* Writes the file atomically (only when something changed since the last
 * save): a temporary file (offsets.json.tmp) written and synced, then renamed
 * over offsets.json. On failure (WW_EIO, err naming the path and the
 * system's reason; no_space set for ENOSPC or EDQUOT) offsets.json is as it
 * was, the temporary file is removed, and the state stays dirty, so that the
 * next save tries again. */
int state_save(struct state *s, struct ww_err *err) WW_MUST_CHECK;

#endif
