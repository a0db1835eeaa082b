/*
 * What the fuzz targets share: the libFuzzer entry point they define, the
 * built-in code table and rules loaded once per process, and a private
 * temporary directory for the loaders that only read files. Test code: it
 * aborts on anything unexpected, so that libFuzzer (or the replay main)
 * reports it with the input that caused it.
 */
#ifndef WW_FUZZ_H
#define WW_FUZZ_H

#include <stddef.h>
#include <stdint.h>

#include "rules.h"
#include "table.h"

/* Defined by each target; called by libFuzzer or by replay.c. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Prints the message to stderr, then abort(). */
void fuzz_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

/* The built-in table and rules (compiled), loaded on the first call and
 * kept for the life of the process; not to be changed. */
const struct table *fuzz_builtin_table(void);
const struct ruleset *fuzz_builtin_rules(void);

/* A directory of this process's own (on /dev/shm when there is one), made
 * on the first call and removed with its files at exit. Not owned. */
const char *fuzz_tmpdir(void);

/* Writes data to path, replacing what was there. */
void fuzz_write_file(const char *path, const void *data, size_t len);

/* Removes every file of dir (not dir itself). */
void fuzz_clear_dir(const char *dir);

#endif
