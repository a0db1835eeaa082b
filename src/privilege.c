/*
 * The root check run before the daemon starts (privilege.h). It looks at the
 * files the inputs match now, only to word its message: through which group
 * an unprivileged account could read them, or which are readable by root
 * alone. It changes nothing and drops no privilege itself; that is the
 * service manager's job (User= in the systemd unit).
 */
#include "privilege.h"

#include <stdio.h>
#include <string.h>

#include "config.h"
#include "glob.h"
#include "platform/platform.h"
#include "util/log.h"

#define PRIV_NAMES 4 /* groups or files named in the message */

struct survey {
    size_t files;             /* matched now */
    size_t root_only;         /* readable by root alone */
    char groups[PRIV_NAMES][64];
    size_t ngroups;
    char example[512];        /* one root-only file */
};

static void add_group(struct survey *s, const char *group)
{
    for (size_t i = 0; i < s->ngroups; i++)
        if (strcmp(s->groups[i], group) == 0)
            return;
    if (s->ngroups < PRIV_NAMES)
        snprintf(s->groups[s->ngroups++], sizeof(s->groups[0]), "%s", group);
}

static void survey_cb(void *ctx, const char *path)
{
    struct survey *s = ctx;
    char group[64];

    s->files++;
    switch (platform_group_readable(path, group, sizeof(group))) {
    case 1:
        if (strcmp(group, "all users") != 0)
            add_group(s, group);
        break;
    case 0:
        if (s->root_only++ == 0)
            snprintf(s->example, sizeof(s->example), "%s", path);
        break;
    default: /* gone or unreadable: says nothing either way */
        break;
    }
}

static void survey_inputs(const struct config *c, struct survey *s)
{
    struct ww_err err;

    memset(s, 0, sizeof(*s));
    for (size_t i = 0; i < c->ninputs; i++)
        for (size_t j = 0; j < c->inputs[i].npaths; j++) {
            memset(&err, 0, sizeof(err));
            (void)glob_expand(c->inputs[i].paths[j], survey_cb, s, &err);
        }
}

static void list_groups(const struct survey *s, char *out, size_t n)
{
    size_t len = 0;

    out[0] = '\0';
    for (size_t i = 0; i < s->ngroups && len < n; i++)
        len += (size_t)snprintf(out + len, n - len, "%s%s", i ? ", " : "", s->groups[i]);
}

int privilege_check(const struct config *c, int allow_root, struct ww_err *err)
{
    struct survey s;
    char groups[PRIV_NAMES * 66];

    if (!platform_is_root())
        return 0;
    if (allow_root) {
        log_warnx("running as root (--allow-root): an unprivileged user in the logs' group "
                  "would do");
        return 0;
    }
    survey_inputs(c, &s);
    list_groups(&s, groups, sizeof(groups));
    if (s.root_only > 0)
        return ww_err_set(err, WW_EINVAL,
                          "refusing to run as root: %zu of the %zu file(s) the inputs match are "
                          "readable by root alone (%s); give them a group the service user is "
                          "in (chgrp adm FILE; chmod g+r FILE) and run as that user, or pass "
                          "--allow-root",
                          s.root_only, s.files, s.example);
    if (s.ngroups > 0)
        return ww_err_set(err, WW_EINVAL,
                          "refusing to run as root: the %zu file(s) the inputs match are "
                          "readable through group %s; run as an unprivileged user in that group "
                          "(the packaged unit runs as wsawatch with SupplementaryGroups=adm), or "
                          "pass --allow-root",
                          s.files, groups);
    if (s.files > 0)
        return ww_err_set(err, WW_EINVAL,
                          "refusing to run as root: the %zu file(s) the inputs match are "
                          "readable by any user; run as an unprivileged user (the packaged unit "
                          "runs as wsawatch), or pass --allow-root",
                          s.files);
    return ww_err_set(err, WW_EINVAL,
                      "refusing to run as root: the daemon only reads logs, which an "
                      "unprivileged user in their group can do (the packaged unit runs as "
                      "wsawatch with SupplementaryGroups=adm); pass --allow-root to run as root "
                      "anyway");
}
