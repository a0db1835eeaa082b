/*
 * The stdout output: JSON lines on standard output, flushed after every batch
 * so that a pipe reader sees events at once.
 */
#include <stdio.h>

#include "outputs/output.h"

static int open_stdout(struct output *o, struct ww_err *err)
{
    (void)o;
    (void)err;
    return 0;
}

static int write_stdout(struct output *o, const struct out_msg *m)
{
    (void)o;
    if (fwrite(m->json, 1, m->len, stdout) != m->len || putc('\n', stdout) == EOF)
        return WW_EIO;
    return 0;
}

static int flush_stdout(struct output *o, int durable, struct ww_err *err)
{
    (void)durable;
    if (fflush(stdout) != 0)
        return ww_err_set(err, WW_EIO, "output '%s': standard output: write error",
                          o->cfg->name);
    return 0;
}

static void close_stdout(struct output *o)
{
    (void)o;
    fflush(stdout);
}

static const struct output_ops ops = {open_stdout, write_stdout, flush_stdout, NULL, close_stdout};

const struct output_kind out_stdout_kind = {"stdout", NULL, 0, NULL, NULL, &ops};
