/*
 * Refusing root. The daemon reads logs and writes its own state and outputs;
 * it needs no privilege beyond membership of the group that can read the
 * logs (adm on Debian), so running it as root only widens what a bug in a
 * parser of hostile log lines could reach. It knows nothing of how the logs
 * are followed.
 */
#ifndef WW_PRIVILEGE_H
#define WW_PRIVILEGE_H

#include "wsawatch_config.h"

#include <stddef.h>

#include "util/err.h"

struct config;

/* Returns 0 when the daemon may run: not root (POSIX effective uid 0; never
 * on Windows, where `service install` picks the account), or allow_root set
 * (then a warning is logged). As root without allow_root, returns WW_EINVAL
 * with err saying why and what to do instead, naming the groups through
 * which the logs the inputs match now are readable, or those readable by root
 * alone. */
int privilege_check(const struct config *c, int allow_root, struct ww_err *err) WW_MUST_CHECK;

#endif
