/*
 * The stdout output: JSON lines on standard output (or, with `format: text`,
 * what `scan` shows: for people watching a terminal), flushed after every
 * batch so that a pipe reader sees events at once.
 */
#include <stdio.h>
#include <string.h>

#include "outputs/output.h"
#include "util/alloc.h"

struct stdout_cfg {
    int text;
};

static int open_stdout(struct output *o, struct ww_err *err)
{
    const struct stdout_cfg *c = o->cfg->kind_cfg;

    (void)err;
    o->wants_text = c != NULL && c->text;
    return 0;
}

static int write_stdout(struct output *o, const struct out_msg *m)
{
    const struct stdout_cfg *c = o->cfg->kind_cfg;

    if (c != NULL && c->text) {
        const char *t = m->text != NULL ? m->text : m->summary;
        return fprintf(stdout, "%s%s\n", m->kind == MSG_ALERT ? "ALERT " : "", t ? t : "") < 0
                   ? WW_EIO
                   : 0;
    }
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

static const struct yfield fields[] = {
    {"format", Y_STR, 0, "json (default) or text"},
};

static int parse_stdout(struct cfg_output *c, struct ydoc *y, yaml_node_t *node, yaml_node_t **v,
                        struct diag *d)
{
    struct stdout_cfg *sc = xcalloc(1, sizeof(*sc));

    (void)node;
    c->kind_cfg = sc;
    if (v[0] == NULL || strcmp(ydoc_str(v[0]), "json") == 0)
        return 0;
    if (strcmp(ydoc_str(v[0]), "text") == 0)
        return sc->text = 1, 0;
    ydoc_error(y, v[0], d, "format cannot be '%s' (json, text)", ydoc_str(v[0]));
    return 1;
}

const struct output_kind out_stdout_kind = {"stdout", fields, 1, parse_stdout, xfree, &ops};
