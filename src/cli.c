/*
 * Shared command-line helpers. See cli.h.
 */
#include "cli.h"

#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "rulefiles.h"
#include "util/alloc.h"

void cli_rules_init(struct cli_rules *c, size_t max_paths)
{
    table_init(&c->table);
    ruleset_init(&c->rules);
    c->paths = xcalloc(max_paths + 1, sizeof(char *));
    c->npaths = 0;
    c->no_builtin = 0;
}

void cli_rules_free(struct cli_rules *c)
{
    ruleset_free(&c->rules);
    table_free(&c->table);
    xfree(c->paths);
}

int cli_rules_load(struct cli_rules *c, int verbose)
{
    struct diag d;
    int errors;

    diag_init(&d);
    errors = rulefiles_load_all(&c->table, &c->rules, NULL, !c->no_builtin, c->paths, c->npaths, 0, &d);
    for (size_t i = 0; i < d.n; i++)
        if (verbose || d.v[i].level == DIAG_ERROR)
            fprintf(stderr, "wsawatch: %s: %s\n",
                    d.v[i].level == DIAG_ERROR ? "error" : "warning", d.v[i].text);
    if (d.oom)
        fprintf(stderr, "wsawatch: error: %s\n", ww_strerror(WW_ENOMEM));
    diag_free(&d);
    return errors > 0 ? EXIT_TROUBLE : 0;
}

int cli_rules_option(struct cli_rules *c, int opt, const char *arg)
{
    if (opt == CLI_OPT_RULES) {
        c->paths[c->npaths++] = (char *)arg;
        return 1;
    }
    if (opt == CLI_OPT_NO_BUILTIN) {
        c->no_builtin = 1;
        return 1;
    }
    return 0;
}

int cli_getopt(int argc, char **argv, const char *shortopts, const struct option *longopts)
{
    opterr = 0;
    return getopt_long(argc, argv, shortopts, longopts, NULL);
}

int cli_bad_option(const char *cmd, int opt, char **argv)
{
    const char *word = argv[optind - 1], *eq = strchr(word, '=');

    /* a known long option given a value it does not take: glibc returns
     * '?', the BSD getopt_long of mingw-w64 ':' */
    if (optopt != 0 && word[1] == '-' && eq != NULL)
        return cli_usage_error(cmd, "option '%.*s' takes no value", (int)(eq - word), word);
    if (opt == ':')
        return cli_usage_error(cmd, "option '%s' needs a value", word);
    if (optopt > 0 && optopt < 0x80 && word[1] != '-')
        return cli_usage_error(cmd, "unknown option '-%c'", optopt);
    return cli_usage_error(cmd, "unknown option '%s'", word);
}

int cli_help(const char *usage)
{
    fputs(usage, stdout);
    return CLI_HELP;
}

int cli_open(const char *path, struct ww_err *err)
{
    uv_fs_t req;
    int fd;

    if (path[0] == '-' && path[1] == '\0')
        return 0;
    fd = uv_fs_open(NULL, &req, path, O_RDONLY, 0, NULL);
    uv_fs_req_cleanup(&req);
    if (fd < 0)
        return ww_err_set(err, WW_EIO, "%s: %s", path, uv_strerror(fd));
    return fd;
}

void cli_close(int fd)
{
    uv_fs_t req;

    if (fd > 0) {
        uv_fs_close(NULL, &req, fd, NULL);
        uv_fs_req_cleanup(&req);
    }
}

int cli_color(void)
{
    const char *nc = getenv("NO_COLOR");

    return uv_guess_handle(1) == UV_TTY && (nc == NULL || *nc == '\0');
}

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;

    fprintf(stderr, "wsawatch %s: ", cmd);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\nTry 'wsawatch %s --help'.\n", cmd);
    return EXIT_TROUBLE;
}
