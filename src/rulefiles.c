/*
 * Reading rule files. See rulefiles.h.
 */
#include "rulefiles.h"

#include <stdlib.h>
#include <string.h>

#include "util/alloc.h"
#include "util/fsutil.h"

#include <uv.h>

#define RULE_FILE_MAX (16u << 20)

enum { K_CODES, K_RULES, K_ALERTS, K_COUNT };
static const struct yfield top_fields[K_COUNT] = {
    [K_CODES] = {"codes", Y_SEQ, 0, "Winsock code table entries", NULL, NULL},
    [K_RULES] = {"rules", Y_SEQ, 0, "extraction rules", NULL, NULL},
    [K_ALERTS] = {"alerts", Y_SEQ, 0, "alert rules, as in the configuration", NULL, NULL},
};

const struct yfield *rulefiles_fields(size_t *n)
{
    *n = K_COUNT;
    return top_fields;
}

int rulefiles_load_buffer(struct table *t, struct ruleset *rs, struct alert_set *as,
                          const char *name, const char *data, size_t len, struct diag *d)
{
    struct ydoc y;
    yaml_node_t *f[K_COUNT], *root;
    int errors = 0;

    if (ydoc_load(&y, name, data, len, d) != 0) {
        ydoc_free(&y);
        return 1;
    }
    root = ydoc_root(&y);
    errors += y.errors;
    if (root == NULL) {
        ydoc_warning(&y, NULL, d, "empty rule file");
    } else {
        errors += ydoc_map(&y, root, top_fields, K_COUNT, f, d);
        if (f[K_CODES] != NULL)
            errors += table_add_yaml(t, &y, f[K_CODES], d);
        if (f[K_RULES] != NULL)
            errors += ruleset_add_yaml(rs, &y, f[K_RULES], d);
        if (f[K_ALERTS] != NULL && as != NULL)
            errors += alert_set_add_yaml(as, &y, f[K_ALERTS], d);
    }
    ydoc_free(&y);
    return errors;
}

static int load_file(struct table *t, struct ruleset *rs, struct alert_set *as, const char *path,
                     struct diag *d)
{
    struct ww_err err = {0};
    char *data;
    size_t len;
    int errors;

    if (fs_read_all(path, RULE_FILE_MAX, &data, &len, &err) != 0) {
        if (err.code == WW_ENOMEM)
            return diag_oom(d);
        diag_add(d, DIAG_ERROR, NULL, 0, 0, "%s", err.msg);
        return 1;
    }
    errors = rulefiles_load_buffer(t, rs, as, path, data, len, d);
    xfree(data);
    return errors;
}

static int is_yaml_name(const char *name)
{
    size_t n = strlen(name);

    return name[0] != '.' && ((n > 5 && strcmp(name + n - 5, ".yaml") == 0) ||
                              (n > 4 && strcmp(name + n - 4, ".yml") == 0));
}

int rulefiles_load_path(struct table *t, struct ruleset *rs, struct alert_set *as, const char *path,
                        int missing_ok, struct diag *d)
{
    struct ww_err err = {0};
    char **names;
    int dir = fs_is_dir(path, &err), n, errors = 0;

    if (dir < 0 && missing_ok && strstr(err.msg, uv_strerror(UV_ENOENT)) != NULL) {
        /* a local rules directory may be created later: reload picks it up */
        diag_add(d, DIAG_WARNING, NULL, 0, 0, "%s (no rules loaded from it)", err.msg);
        return 0;
    }
    if (dir < 0) {
        diag_add(d, DIAG_ERROR, NULL, 0, 0, "%s", err.msg);
        return 1;
    }
    if (!dir)
        return load_file(t, rs, as, path, d);
    n = fs_list_dir(path, &names, &err);
    if (n == WW_ENOMEM)
        return diag_oom(d);
    if (n < 0) {
        diag_add(d, DIAG_ERROR, NULL, 0, 0, "%s", err.msg);
        return 1;
    }
    for (int i = 0; i < n; i++) {
        if (is_yaml_name(names[i]) && !d->oom) {
            char *full = try_asprintf("%s/%s", path, names[i]);
            errors += full != NULL ? load_file(t, rs, as, full, d) : diag_oom(d);
            xfree(full);
        }
        xfree(names[i]);
    }
    xfree(names);
    return errors;
}

int rulefiles_load_all(struct table *t, struct ruleset *rs, struct alert_set *as,
                       int builtin_patterns, char *const *paths, size_t npaths, int missing_ok,
                       struct diag *d)
{
    int errors = 0;

    /* After out of memory, what is left would only add errors that follow
     * from it (a code missing from the table is unknown to the rules). */
    for (const struct embedded_file *f = embedded_rules; f->name != NULL && !d->oom; f++) {
        char *name;

        if (!builtin_patterns && strncmp(f->name, "codes/", 6) != 0)
            continue;
        name = try_asprintf("(built-in) rules/%s", f->name);
        errors +=
            name != NULL ? rulefiles_load_buffer(t, rs, as, name, f->data, f->len, d) : diag_oom(d);
        xfree(name);
    }
    for (size_t i = 0; i < npaths && !d->oom; i++)
        errors += rulefiles_load_path(t, rs, as, paths[i], missing_ok, d);
    if (!d->oom && table_finish(t) != 0)
        errors += diag_oom(d);
    return d->oom ? errors : errors + ruleset_compile(rs, t, d);
}
