/*
 * Output kinds, dispatch and failure accounting. See output.h. A new kind is
 * one file defining a struct output_kind and one line in `kinds` below.
 */
#include "outputs/output.h"

#include <stdio.h>
#include <string.h>

static const struct output_kind *const kinds[] = {
    &out_stdout_kind,
    &out_file_kind,
    &out_webhook_kind,
    &out_exec_kind,
    &out_syslog_kind,
    &out_metrics_kind,
    &out_eventlog_kind,
};

const struct output_kind *output_kind_find(const char *type)
{
    for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
        if (strcmp(kinds[i]->type, type) == 0)
            return kinds[i];
    return NULL;
}

const char *output_kind_names(void)
{
    static char names[256];

    if (names[0] == '\0')
        for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
            size_t n = strlen(names);
            snprintf(names + n, sizeof(names) - n, "%s%s", i ? ", " : "", kinds[i]->type);
        }
    return names;
}

int output_open(struct output *o, const struct cfg_output *cfg, uv_loop_t *loop,
                struct ww_err *err)
{
    memset(o, 0, sizeof(*o));
    o->cfg = cfg;
    o->loop = loop;
    o->kind = cfg->kind != NULL ? cfg->kind : output_kind_find(cfg->type);
    if (o->kind == NULL)
        return ww_err_set(err, WW_ECONFIG, "output '%s': unknown type '%s'", cfg->name, cfg->type);
    return o->kind->ops->open(o, err);
}

int output_write(struct output *o, const struct out_msg *m)
{
    int rc = o->kind->ops->write(o, m);

    if (rc != 0) {
        o->st.failed++;
        o->broken = 1;
    } else {
        o->st.written++;
    }
    return rc;
}

int output_flush(struct output *o, int durable, struct ww_err *err)
{
    int rc = o->kind->ops->flush(o, durable, err);

    if (rc != 0)
        o->st.failed++;
    o->broken = rc != 0;
    return rc;
}

void output_tick(struct output *o)
{
    if (o->kind->ops->tick != NULL)
        o->kind->ops->tick(o);
}

void output_close(struct output *o)
{
    if (o->kind != NULL)
        o->kind->ops->close(o);
    o->kind = NULL;
}
