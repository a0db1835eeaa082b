/*
 * The on-disk spool of an output that can fail to deliver (webhook, syslog,
 * exec): every message such an output takes is appended to
 * state_dir/spool/NAME/, and the output reads its messages back from there to
 * send them, so what it has not delivered survives a reload, a stop, a crash
 * and an outage. Records are opaque bytes (the output decides what it stores)
 * in segment files of at most a few MiB; each record carries its length and a
 * CRC-32, and one that does not check is skipped and counted, never blocking
 * the rest. A checkpoint file ("acked") says where the first message not yet
 * done is; segments wholly before it are deleted. Past its cap the oldest
 * segment is dropped, counted and logged once until the spool drains. It is
 * not a queue in memory (the output keeps a small window of what it read) and
 * knows nothing of events, files or offsets.
 *
 * Two instances of one output never use the directory at once: opening only
 * names it, and the files are read at the first use, which comes after a
 * reload closed the old instance (closing writes the checkpoint and lets go).
 */
#ifndef WW_SPOOL_H
#define WW_SPOOL_H

#include <stddef.h>
#include <stdint.h>

#include "util/diag.h"
#include "util/err.h"
#include "ydoc.h"


struct spool;

/* Where spools live: state_dir/spool. Set once before outputs open; with
 * once set (run --once), a message not delivered stays in its spool and
 * every spool rolls back what this run added (see spool_rollback_all). */
void spool_set_root(const char *state_dir, int once);
/* Whether the daemon runs --once. */
int spool_once(void);

/* A spool for output name, capped at max bytes. Returns 0 and *out (owned,
 * freed by spool_close) or a negative code with err set (no state_dir set,
 * or the directory cannot be made). */
int spool_open(struct spool **out, const char *name, uint64_t max,
               struct ww_err *err) WW_MUST_CHECK;
/* Appends one record (written, not yet synced). Returns 0 or WW_EIO (logged
 * once until it works again). */
int spool_append(struct spool *s, const void *p, size_t len);
/* fsyncs what was appended and writes the checkpoint. Returns 0 or WW_EIO
 * with err set. */
int spool_sync(struct spool *s, struct ww_err *err);
/* The next record not yet handed out: returns 1 with *p (owned by the
 * caller), *len and *id, or 0 when there is none. */
int spool_next(struct spool *s, char **p, size_t *len, uint64_t *id);
/* Says the record id is done: delivered, or given up (then counted; under
 * --once it stays in the spool and makes the run fail). */
void spool_done(struct spool *s, uint64_t id, int delivered);
/* Records handed out and not done, plus records not yet handed out: 0 when
 * everything was delivered or given up. */
uint64_t spool_pending(struct spool *s);
/* Records given up in this run. */
uint64_t spool_failed(struct spool *s);
/* Writes the checkpoint, closes the files and frees s; what was not done
 * stays for the next instance. NULL is fine. */
void spool_close(struct spool *s);
/* run --once that did not deliver everything: every open spool forgets what
 * this run appended (the lines it came from are read again next time, since
 * their offsets are not committed); records of earlier runs stay. */
void spool_rollback_all(void);
/* Undelivered records summed over every open spool (for --once). */
uint64_t spool_failed_all(void);
/* A message the receiver refused for good (an HTTP 4xx): done, as retrying
 * cannot change the answer, and counted for run --once's exit status. */
void spool_rejected(struct spool *s, uint64_t id);
uint64_t spool_rejected_all(void);

/* Whether a message that failed `tries` times is given up, for an output
 * whose `retries` key is n (-1: forever). A spooled message is kept until it
 * is delivered, the spool's cap being the bound; run --once, which must end,
 * gives up after SPOOL_ONCE_RETRIES when retries is forever. */
#define SPOOL_ONCE_RETRIES 5
int spool_give_up(long tries, long retries);

/* Parses spool_max (a size, 1MiB to 256GiB; absent: f's default) into *max.
 * Returns the number of errors added to d. */
int spool_config_max(struct ydoc *y, yaml_node_t *n, const struct yfield *f, uint64_t *max,
                     struct diag *d);
/* Records handed out or unread, summed over every open spool (for --once). */
uint64_t spool_pending_all(void);

/* Logs each spool under the root that holds messages for an output not
 * among names (renamed or removed from the configuration). */
void spool_warn_orphans(char *const *names, size_t n);

/* CRC-32 (IEEE 802.3, the one zlib and PNG use) of p, continuing from crc
 * (0 to start). */
uint32_t spool_crc32(uint32_t crc, const void *p, size_t len);

#endif
