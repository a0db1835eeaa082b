/*
 * The main of a fuzz target outside the fuzz build: runs
 * LLVMFuzzerTestOneInput once over every file given and every file of every
 * directory given, so that the crash inputs kept in tests/fuzz/regress and
 * the seed corpus run as ordinary tests under gcc, AddressSanitizer or
 * valgrind. A target's own checks abort on failure; a path that cannot be
 * read is an error too (exit 2). Not a fuzzer: it never mutates anything.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "util/alloc.h"
#include "util/fsutil.h"

#define REPLAY_MAX_INPUT (64u << 20)

/* Runs the target on one file, from a buffer of exactly its size so that
 * AddressSanitizer sees a read past the end. */
static int run_file(const char *path)
{
    struct ww_err err = {0};
    char *data, *exact;
    size_t len;

    if (fs_read_all(path, REPLAY_MAX_INPUT, &data, &len, &err) != 0) {
        fprintf(stderr, "replay: %s\n", err.msg);
        return -1;
    }
    exact = xmalloc(len ? len : 1);
    memcpy(exact, data, len);
    xfree(data);
    (void)LLVMFuzzerTestOneInput((const uint8_t *)exact, len);
    xfree(exact);
    return 0;
}

/* Runs every file of dir in name order; returns how many, or -1. */
static int run_dir(const char *dir)
{
    struct ww_err err = {0};
    char **names;
    int n = fs_list_dir(dir, &names, &err), done = 0, failed = 0;

    if (n < 0) {
        fprintf(stderr, "replay: %s\n", err.msg);
        return -1;
    }
    for (int i = 0; i < n; i++) {
        char *path = xasprintf("%s/%s", dir, names[i]);
        if (names[i][0] != '.' && fs_is_dir(path, NULL) == 0) {
            if (run_file(path) == 0)
                done++;
            else
                failed = 1;
        }
        xfree(path);
        xfree(names[i]);
    }
    xfree(names);
    return failed ? -1 : done;
}

int main(int argc, char **argv)
{
    int total = 0, bad = 0;

    for (int i = 1; i < argc; i++) {
        struct ww_err err = {0};
        int dir = fs_is_dir(argv[i], &err), n;

        if (dir < 0) {
            fprintf(stderr, "replay: %s\n", err.msg);
            bad++;
            continue;
        }
        n = dir ? run_dir(argv[i]) : run_file(argv[i]) == 0 ? 1 : -1;
        if (n < 0)
            bad++;
        else
            total += n;
    }
    printf("%s: %d inputs replayed, %d unreadable paths\n", argv[0], total, bad);
    return bad > 0 || argc < 2 ? 2 : 0;
}
