/*
 * Validation of a loaded configuration with its rules. See validate.h.
 */
#include "validate.h"

#include <stdio.h>
#include <string.h>

#include <uv.h>

#include "examples.h"
#include "glob.h"
#include "rulefiles.h"
#include "util/alloc.h"
#include "util/fsutil.h"

static const struct ypos nowhere = {0, 0};

static int is_absolute(const char *p)
{
    return p[0] == '/' || p[0] == '\\' ||
           (((p[0] | 0x20) >= 'a' && (p[0] | 0x20) <= 'z') && p[1] == ':' &&
            (p[2] == '\\' || p[2] == '/'));
}

static struct ypos at_or_nowhere(const struct ypos *at, size_t i)
{
    return at != NULL ? at[i] : nowhere;
}

/* One path: empty, or relative unless flags allow it, is an error. */
static int check_path(const struct config *c, struct ypos at, const char *what, const char *path,
                      unsigned flags, struct diag *d)
{
    if (path == NULL || (path[0] != '\0' && (is_absolute(path) || (flags & VALIDATE_RELATIVE_OK))))
        return 0;
    if (path[0] == '\0')
        diag_add(d, DIAG_ERROR, c->file, at.line, at.col, "%s is empty", what);
    else
        diag_add(d, DIAG_ERROR, c->file, at.line, at.col,
                 "%s '%s' is relative: give an absolute path (a service's current directory "
                 "is not yours)",
                 what, path);
    return 1;
}

int validate_paths(const struct config *c, unsigned flags, struct diag *d)
{
    char what[300];
    int errors = 0;

    if (c->state_dir_at.line > 0)
        errors += check_path(c, c->state_dir_at, "state_dir", c->state_dir, flags, d);
    errors += check_path(c, c->log_path_at, "log path", c->log_path, flags, d);
    for (size_t i = 0; i < c->ninputs; i++)
        for (size_t j = 0; j < c->inputs[i].npaths; j++)
            errors += check_path(c, at_or_nowhere(c->inputs[i].paths_at, j), "input path",
                                 c->inputs[i].paths[j], flags, d);
    for (size_t i = 0; i < c->noutputs; i++) {
        snprintf(what, sizeof(what), "output '%s': path",
                 c->outputs[i].name != NULL ? c->outputs[i].name : "");
        errors += check_path(c, c->outputs[i].path_at, what, c->outputs[i].path, flags, d);
    }
    return errors;
}

/* extra, then those of c's rule paths that exist, into *paths (the array
 * owned, not the strings). A missing one is a warning (a reload picks it up
 * once it is made), another failure an error, each at its position. */
static int rule_paths(const struct config *c, char *const *extra, size_t nextra, char ***paths,
                      size_t *n, struct diag *d)
{
    int errors = 0;

    *paths = xcalloc(nextra + c->nrules + 1, sizeof(char *));
    for (*n = 0; *n < nextra; (*n)++)
        (*paths)[*n] = extra[*n];
    for (size_t i = 0; i < c->nrules; i++) {
        struct ww_err err = {0};
        struct ypos at = at_or_nowhere(c->rules_at, i);

        if (c->rules[i][0] == '\0') {
            diag_add(d, DIAG_ERROR, c->file, at.line, at.col, "rules path is empty");
            errors++;
        } else if (fs_is_dir(c->rules[i], &err) >= 0) {
            (*paths)[(*n)++] = c->rules[i];
        } else if (strstr(err.msg, uv_strerror(UV_ENOENT)) != NULL) {
            diag_add(d, DIAG_WARNING, c->file, at.line, at.col, "%s (no rules loaded from it)",
                     err.msg);
        } else {
            diag_add(d, DIAG_ERROR, c->file, at.line, at.col, "%s", err.msg);
            errors++;
        }
    }
    return errors;
}

static int check_input_rules(const struct config *c, const struct ruleset *rs, struct diag *d)
{
    int errors = 0;

    for (size_t i = 0; i < c->ninputs; i++) {
        const struct cfg_input *in = &c->inputs[i];
        for (size_t j = 0; j < in->nrules; j++) {
            struct ypos at = at_or_nowhere(in->rules_at, j);
            if (ruleset_find(rs, in->rules[j]) == NULL) {
                diag_add(d, DIAG_ERROR, c->file, at.line, at.col, "input: no rule with id '%s'",
                         in->rules[j]);
                errors++;
            }
        }
    }
    return errors;
}

static int known_category(const struct table *t, const char *s)
{
    for (size_t i = 0; i < t->n; i++)
        if (t->v[i].category != NULL && strcmp(t->v[i].category, s) == 0)
            return 1;
    return 0;
}

/* "address, configuration, ..." (each category once, in table order). */
static void category_list(const struct table *t, char *out, size_t size)
{
    size_t used = 0;

    out[0] = '\0';
    for (size_t i = 0; i < t->n && used < size; i++) {
        const char *cat = t->v[i].category;
        size_t k;
        for (k = 0; k < i && (t->v[k].category == NULL || strcmp(t->v[k].category, cat) != 0); k++)
            ;
        if (cat != NULL && k == i)
            used += (size_t)snprintf(out + used, size - used, "%s%s", used ? ", " : "", cat);
    }
}

static int has_tag(const struct config *c, const char *tag)
{
    for (size_t i = 0; i < c->ninputs; i++)
        for (size_t j = 0; j < c->inputs[i].ntags; j++)
            if (strcmp(c->inputs[i].tags[j], tag) == 0)
                return 1;
    return 0;
}

static int known_group(const struct ruleset *rs, const char *key)
{
    static const char *const fixed[] = {"file", "tag", "code", "host", "rule"};

    for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
        if (strcmp(key, fixed[i]) == 0)
            return 1;
    for (size_t i = 0; i < rs->n; i++)
        for (size_t j = 0; j < rs->v[i].ngroups; j++)
            if (rs->v[i].groups[j].kind == G_CAPTURE && strcmp(rs->v[i].groups[j].name, key) == 0)
                return 1;
    return 0;
}

static int alert_error(const struct alert_rule *r, const struct ypos *at, size_t i, struct diag *d,
                       const char *what, const char *name, const char *why)
{
    struct ypos p = alert_rule_at(r, at, i);

    diag_add(d, DIAG_ERROR, r->file, p.line, p.col, "alert '%s': %s '%s' %s", r->id, what, name,
             why);
    return 1;
}

/* Categories, rule ids, tags and group_by keys that nothing defines (codes
 * and outputs: alert_set_resolve). */
static int check_alert(const struct alert_rule *r, const struct config *c, const struct table *t,
                       const struct ruleset *rs, struct diag *d)
{
    char cats[600], why[700];
    int errors = 0;

    category_list(t, cats, sizeof(cats));
    snprintf(why, sizeof(why), "is unknown (%s)", cats);
    for (size_t i = 0; i < r->ncategories; i++)
        if (!known_category(t, r->categories[i]))
            errors += alert_error(r, r->categories_at, i, d, "category", r->categories[i], why);
    for (size_t i = 0; i < r->nrules; i++)
        if (ruleset_find(rs, r->rules[i]) == NULL)
            errors += alert_error(r, r->rules_at, i, d, "rule", r->rules[i],
                                  "is defined by no rule file");
    for (size_t i = 0; i < r->ntags; i++)
        if (!has_tag(c, r->tags[i]))
            errors += alert_error(r, r->tags_at, i, d, "tag", r->tags[i], "is given to no input");
    for (size_t i = 0; i < r->ngroup_by; i++)
        if (!known_group(rs, r->group_by[i]))
            errors += alert_error(r, r->group_by_at, i, d, "group_by", r->group_by[i],
                                  "is not file, tag, code, host, rule or a rule's capture");
    return errors;
}

struct glob_count {
    const struct cfg_input *in;
    size_t n;
};

static void count_cb(void *ctx, const char *path)
{
    struct glob_count *gc = ctx;

    gc->n += !glob_excluded(gc->in->exclude, gc->in->nexclude, path);
}

/* Warns about the inputs' globs that match no file today. */
static void check_globs(const struct config *c, unsigned flags, struct diag *d)
{
    for (size_t i = 0; i < c->ninputs; i++) {
        const struct cfg_input *in = &c->inputs[i];
        for (size_t j = 0; j < in->npaths; j++) {
            struct glob_count gc = {in, 0};
            struct ww_err err = {0};
            struct ypos at = at_or_nowhere(in->paths_at, j);
            const char *p = in->paths[j];

            if (p[0] == '\0' || (!is_absolute(p) && !(flags & VALIDATE_RELATIVE_OK)))
                continue;
            if (glob_expand(p, count_cb, &gc, &err) == 0 && gc.n == 0)
                diag_add(d, DIAG_WARNING, c->file, at.line, at.col,
                         "input path '%s' matches no file today (files that appear later "
                         "are read)",
                         p);
        }
    }
}

/* Whether every rule compiled, so that the matcher can run the examples. */
static int rules_compiled(const struct ruleset *rs)
{
    for (size_t i = 0; i < rs->n; i++)
        if (!rs->v[i].messages && rs->v[i].re == NULL)
            return 0;
    return 1;
}

int validate_load(struct config *c, int builtin_patterns, char *const *extra, size_t nextra,
                  unsigned flags, struct table *t, struct ruleset *rs, struct alert_set *as,
                  struct diag *d)
{
    char **paths, **names = xcalloc(c->noutputs + 1, sizeof(char *));
    size_t npaths;
    int errors = validate_paths(c, flags, d);

    errors += rule_paths(c, extra, nextra, &paths, &npaths, d);
    errors += rulefiles_load_all(t, rs, as, builtin_patterns, paths, npaths, 1, d);
    xfree(paths);
    if (c->alerts != NULL)
        alert_set_take(as, c->alerts);
    for (size_t i = 0; i < c->noutputs; i++)
        names[i] = c->outputs[i].name != NULL ? c->outputs[i].name : ""; /* NULL: out of memory */
    errors += alert_set_resolve(as, t, names, c->noutputs, d);
    xfree(names);
    errors += check_input_rules(c, rs, d);
    for (size_t i = 0; i < as->n; i++)
        errors += check_alert(&as->v[i], c, t, rs, d);
    check_globs(c, flags, d);
    if (!d->oom && rules_compiled(rs))
        errors += examples_check(t, rs, d);
    return errors;
}
