/*
 * Outputs: one interface, one file per kind (out_<type>.c). An output takes
 * whole JSON lines, buffers them if it likes, and on flush hands them on;
 * flush with durable set also gets them to stable storage where the kind has
 * one, because the daemon commits offsets only after every output's durable
 * flush succeeded. Outputs know nothing of files being followed.
 */
#ifndef WW_OUTPUT_H
#define WW_OUTPUT_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "util/err.h"

struct output;

struct output_ops {
    const char *type;
    int (*open)(struct output *o, struct ww_err *err);
    /* Takes one line (without newline). Returns 0 or a negative code. */
    int (*write)(struct output *o, const char *line, size_t n);
    int (*flush)(struct output *o, int durable, struct ww_err *err);
    /* Reopens when the destination was rotated away; cheap when not. */
    void (*check)(struct output *o);
    void (*close)(struct output *o);
};

struct output {
    const struct cfg_output *cfg; /* not owned */
    const struct output_ops *ops;
    void *priv;                   /* the kind's own state */
    uint64_t written;             /* lines taken */
    uint64_t failed;              /* lines or flushes that failed */
    int broken;                   /* the last write or flush failed */
};

/* Opens an output for its configuration. Returns 0 or a negative code with
 * err naming the output and the reason. */
int output_open(struct output *o, const struct cfg_output *cfg, struct ww_err *err)
    WW_MUST_CHECK;
int output_write(struct output *o, const char *line, size_t n);
int output_flush(struct output *o, int durable, struct ww_err *err);
void output_check(struct output *o);
void output_close(struct output *o);

extern const struct output_ops out_stdout_ops;
extern const struct output_ops out_file_ops;

#endif
