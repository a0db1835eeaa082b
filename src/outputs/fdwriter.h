/*
 * A descriptor written by a thread of its own through a bounded queue of
 * whole messages, so that a reader that stops reading (a pipe nobody drains,
 * a terminal held with Ctrl-S) never blocks the loop: the loop only queues.
 * When the queue is full, the oldest messages are dropped whole, never a part
 * of one. The thread takes everything queued at once and writes it; what it
 * took is no longer queued (it cannot be dropped any more), so memory stays
 * under twice the queue's bound. Used for standard output, whose reader is
 * another program. It knows nothing of outputs or events.
 */
#ifndef WW_FDWRITER_H
#define WW_FDWRITER_H

#include <stddef.h>
#include <stdint.h>

struct fdwriter;

/* Starts a writer for fd (not owned: never closed) that queues at most
 * max_msgs messages and max_bytes bytes. Returns NULL if the thread cannot
 * be started. */
struct fdwriter *fdwriter_start(int fd, size_t max_msgs, size_t max_bytes);

/* Changes the bounds (a reload); they apply to the next push. */
void fdwriter_limits(struct fdwriter *w, size_t max_msgs, size_t max_bytes);

/* Queues a copy of p[0..len) and wakes the thread. Returns the number of
 * old messages dropped to make room (0 normally), or -1 once a write has
 * failed (fdwriter_error says why; nothing is queued any more). */
long fdwriter_push(struct fdwriter *w, const void *p, size_t len);

/* The libuv code of the write that failed (UV_EPIPE: the reader went away),
 * or 0. */
int fdwriter_error(struct fdwriter *w);

/* Messages queued or being written. */
size_t fdwriter_waiting(struct fdwriter *w);

/* Waits until everything is written, a write fails, or nothing could be
 * written for idle_ms (0: no limit); stops the thread and frees w. Returns the number of
 * messages not written. A thread stuck in a write is left to the end of the
 * process, with w (then still reachable, not leaked). */
size_t fdwriter_close(struct fdwriter *w, uint64_t idle_ms);

#endif
