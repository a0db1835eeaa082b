/*
 * Fuzz target for the configuration loader: the input is written to a file
 * of this process's own (config_load reads a path) and loaded, then checked
 * as `wsawatch check --config` does: the inputs' rule ids against the
 * built-in rules, the alert rules against the code table and the outputs'
 * names. Errors must be reported exactly when the loader says it failed, and
 * a configuration it takes must be complete (every input with a glob and its
 * key, every output with a name and a kind, limits within range). It opens
 * no output and follows no file.
 */
#include <stdlib.h>
#include <string.h>

#include "alerts.h"
#include "config.h"
#include "fuzz.h"
#include "util/alloc.h"
#include "util/diag.h"

/* A loaded configuration must be usable as it is. */
static void check_complete(const struct config *c)
{
    if (c->state_dir == NULL || c->log_target == NULL || c->commit_ms < 10 || c->poll_ms < 10)
        fuzz_fail("top-level settings incomplete");
    for (size_t i = 0; i < c->ninputs; i++) {
        const struct cfg_input *in = &c->inputs[i];
        if (in->npaths == 0 || in->key == NULL || in->max_line < 1024 ||
            in->max_line > (256u << 20))
            fuzz_fail("input %zu incomplete", i);
        for (size_t k = 0; k < in->npaths; k++)
            if (in->paths[k] == NULL)
                fuzz_fail("input %zu: glob %zu is NULL", i, k);
    }
    for (size_t i = 0; i < c->noutputs; i++) {
        const struct cfg_output *o = &c->outputs[i];
        if (o->name == NULL || o->type == NULL || o->kind == NULL)
            fuzz_fail("output %zu incomplete", i);
    }
}

/* What `check` adds: rule ids and alert rules resolved. */
static int check_refs(struct config *c, struct diag *d)
{
    const struct ruleset *rs = fuzz_builtin_rules();
    char **names = xcalloc(c->noutputs + 1, sizeof(char *));
    int errors = 0;

    for (size_t i = 0; i < c->ninputs; i++)
        for (size_t j = 0; j < c->inputs[i].nrules; j++)
            if (ruleset_find(rs, c->inputs[i].rules[j]) == NULL)
                errors++;
    for (size_t i = 0; i < c->noutputs; i++)
        names[i] = c->outputs[i].name;
    errors += alert_set_resolve(c->alerts, fuzz_builtin_table(), names, c->noutputs, d);
    xfree(names);
    return errors;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *path = xasprintf("%s/wsawatch.yaml", fuzz_tmpdir());
    struct config c;
    struct diag d;
    int errors;

    fuzz_write_file(path, data, size);
    diag_init(&d);
    errors = config_load(&c, path, &d);
    if ((errors == 0) != (d.nerrors == 0))
        fuzz_fail("config_load returned %d errors and reported %zu", errors, d.nerrors);
    if (errors == 0)
        check_complete(&c);
    for (size_t i = 0; i < d.n; i++)
        if (d.v[i].text == NULL)
            fuzz_fail("diagnostic %zu without text", i);
    if (c.alerts != NULL)
        (void)check_refs(&c, &d);
    config_free(&c);
    diag_free(&d);
    xfree(path);
    return 0;
}
