/*
 * Output dispatch and failure accounting. See output.h.
 */
#include "outputs/output.h"

#include <string.h>

static const struct output_ops *const kinds[] = {&out_stdout_ops, &out_file_ops};

int output_open(struct output *o, const struct cfg_output *cfg, struct ww_err *err)
{
    memset(o, 0, sizeof(*o));
    o->cfg = cfg;
    for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
        if (strcmp(kinds[i]->type, cfg->type) == 0)
            o->ops = kinds[i];
    if (o->ops == NULL)
        return ww_err_set(err, WW_ECONFIG, "output '%s': unknown type '%s'", cfg->name, cfg->type);
    return o->ops->open(o, err);
}

int output_write(struct output *o, const char *line, size_t n)
{
    int rc = o->ops->write(o, line, n);

    if (rc != 0) {
        o->failed++;
        o->broken = 1;
    } else {
        o->written++;
    }
    return rc;
}

int output_flush(struct output *o, int durable, struct ww_err *err)
{
    int rc = o->ops->flush(o, durable, err);

    if (rc != 0)
        o->failed++;
    o->broken = rc != 0;
    return rc;
}

void output_check(struct output *o)
{
    if (o->ops->check != NULL)
        o->ops->check(o);
}

void output_close(struct output *o)
{
    if (o->ops != NULL)
        o->ops->close(o);
    o->ops = NULL;
}
