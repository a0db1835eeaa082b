/*
 * Fuzz target for the state file reader: the input is written as
 * offsets.json in a directory of this process's own and read with
 * state_load. A file it refuses must leave the state empty and be set aside;
 * one it takes must hold distinct identities with paths, and survive a round
 * trip: saved with state_save and loaded again, it must give the same
 * entries, birth times and fingerprints (the path too, when it is valid
 * UTF-8: JSON cannot carry other bytes). It does not test the daemon's use of the offsets.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "fuzz.h"
#include "jsoncheck.h"
#include "state.h"
#include "util/alloc.h"

static int exists(const char *path)
{
    uv_fs_t req;
    int rc = uv_fs_stat(NULL, &req, path, NULL);

    uv_fs_req_cleanup(&req);
    return rc == 0;
}

static void check_entries(const struct state *s)
{
    for (size_t i = 0; i < s->n; i++) {
        if (s->v[i].path == NULL)
            fuzz_fail("entry %zu without a path", i);
        for (size_t j = 0; j < i; j++)
            if (s->v[i].dev == s->v[j].dev && s->v[i].ino == s->v[j].ino)
                fuzz_fail("entries %zu and %zu have the same identity", j, i);
    }
}

static int valid_utf8(const char *s)
{
    size_t at;

    return jsoncheck_utf8_text(s, strlen(s), &at) == NULL;
}

/* Saves s, loads the file again, and compares. */
static void round_trip(struct state *s, const char *dir)
{
    struct ww_err err = {0};
    struct state t;

    s->dirty = 1;
    if (state_save(s, &err) != 0)
        fuzz_fail("state_save: %s", err.msg);
    state_init(&t, dir);
    if (state_load(&t, &err) != 0)
        fuzz_fail("a saved state does not load again: %s", err.msg);
    if (t.n != s->n)
        fuzz_fail("%zu entries saved, %zu loaded again", s->n, t.n);
    for (size_t i = 0; i < s->n; i++) {
        const struct state_entry *a = &s->v[i], *b = &t.v[i];
        if (a->dev != b->dev || a->ino != b->ino || a->offset != b->offset ||
            a->born_ms != b->born_ms || !fprint_eq(&a->head, &b->head) ||
            !fprint_eq(&a->tail, &b->tail))
            fuzz_fail("entry %zu changed in a round trip", i);
        if (valid_utf8(a->path) && strcmp(a->path, b->path) != 0)
            fuzz_fail("path of entry %zu changed in a round trip: '%s' became '%s'", i, a->path,
                      b->path);
    }
    state_free(&t);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *dir = fuzz_tmpdir();
    char *file = xasprintf("%s/offsets.json", dir);
    struct ww_err err = {0};
    struct state s;
    int rc;

    fuzz_clear_dir(dir);
    fuzz_write_file(file, data, size);
    state_init(&s, dir);
    rc = state_load(&s, &err);
    if (rc == WW_ECONFIG) {
        if (s.n != 0 || exists(file))
            fuzz_fail("a refused file left %zu entries, or was not set aside", s.n);
    } else if (rc != 0) {
        fuzz_fail("state_load: %d %s", rc, err.msg);
    } else {
        check_entries(&s);
        round_trip(&s, dir);
    }
    state_free(&s);
    xfree(file);
    return 0;
}
