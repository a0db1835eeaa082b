/*
 * The configuration: defaults, every key read, and every kind of bad value
 * reported with file:line:column, all of them in one pass; out of memory at
 * any allocation is an error, not a crash or a leak.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alerts.h"
#include "config.h"
#include "outputs/output.h"
#include "validate.h"
#include "util/buf.h"
#include "testutil.h"
#include "util/alloc.h"

static int load(const char *yaml, struct config *c, struct diag *d)
{
    char *path = tu_temp_file("cfg", yaml, strlen(yaml));
    int errors = config_load(c, path, d);

    for (size_t i = 0; i < d->n; i++) { /* make messages path-independent */
        char *p = strstr(d->v[i].text, path);
        if (p != NULL) {
            char *rest = xstrdup(p + strlen(path));
            char *t = xasprintf("cfg.yaml%s", rest);
            xfree(rest);
            xfree(d->v[i].text);
            d->v[i].text = t;
        }
    }
    remove(path);
    xfree(path);
    return errors;
}

START_TEST(test_durations_and_sizes)
{
    uint64_t v;

    ck_assert_int_eq(config_parse_duration("500ms", &v), 0);
    ck_assert_uint_eq(v, 500);
    ck_assert_int_eq(config_parse_duration("10m", &v), 0);
    ck_assert_uint_eq(v, 600000);
    ck_assert_int_eq(config_parse_duration("5", &v), WW_EINVAL);
    ck_assert_int_eq(config_parse_duration("5 parsecs", &v), WW_EINVAL);
    ck_assert_int_eq(config_parse_duration("-1s", &v), WW_EINVAL);
    ck_assert_int_eq(config_parse_size("64KiB", &v), 0);
    ck_assert_uint_eq(v, 65536);
    ck_assert_int_eq(config_parse_size("2MiB", &v), 0);
    ck_assert_uint_eq(v, 2u << 20);
    ck_assert_int_eq(config_parse_size("12 bananas", &v), WW_EINVAL);
    ck_assert_int_eq(config_parse_size("17179869184GiB", &v), WW_EINVAL); /* 2^64: no wrap */
}
END_TEST

START_TEST(test_full_config)
{
    struct config c;
    struct diag d;
    const char *y = "state_dir: /tmp/st\n"
                    "commit_interval: 2s\n"
                    "poll_interval: 250ms\n"
                    "log: {level: debug, target: stderr}\n"
                    "inputs:\n"
                    "  - path: [/var/log/a/*.log, 'C:\\app\\logs\\**\\*.log']\n"
                    "    exclude: ['*.gz']\n"
                    "    start_at: beginning\n"
                    "    encoding: utf-16le\n"
                    "    tags: [api, prod]\n"
                    "    max_line_bytes: 1MiB\n"
                    "    idle_flush: 2s\n"
                    "    watch: poll\n"
                    "outputs:\n"
                    "  - {name: events, type: file, path: /tmp/e.jsonl, take: [events]}\n";

    diag_init(&d);
    ck_assert_int_eq(load(y, &c, &d), 0);
    ck_assert_str_eq(c.state_dir, "/tmp/st");
    ck_assert_uint_eq(c.commit_ms, 2000);
    ck_assert_uint_eq(c.poll_ms, 250);
    ck_assert_int_eq(c.log_level, LOG_LEVEL_DEBUG);
    ck_assert_uint_eq(c.ninputs, 1);
    ck_assert_uint_eq(c.inputs[0].npaths, 2);
    ck_assert_str_eq(c.inputs[0].paths[1], "C:\\app\\logs\\**\\*.log");
    ck_assert_int_eq(c.inputs[0].start_beginning, 1);
    ck_assert_int_eq(c.inputs[0].encoding, ENC_UTF16LE);
    ck_assert_uint_eq(c.inputs[0].ntags, 2);
    ck_assert_uint_eq(c.inputs[0].max_line, 1u << 20);
    ck_assert_uint_eq(c.inputs[0].idle_flush_ms, 2000);
    ck_assert_int_eq(c.inputs[0].poll_only, 1);
    ck_assert_uint_eq(c.noutputs, 1);
    ck_assert_uint_eq(c.outputs[0].take, TAKE_EVENTS);
    config_free(&c);
    diag_free(&d);
}
END_TEST

START_TEST(test_every_error_at_once)
{
    struct config c;
    struct diag d;
    const char *y = "state_dir: /tmp/st\n"
                    "comit_interval: 2s\n"
                    "poll_interval: 5 parsecs\n"
                    "inputs:\n"
                    "  - path: /x/*.log\n"
                    "    max_line_bytes: 12 bananas\n"
                    "    start_at: middle\n"
                    "    tags: {a: b}\n"
                    "outputs:\n"
                    "  - {name: a, type: carrier-pigeon}\n"
                    "  - {name: a, type: file}\n";

    diag_init(&d);
    int errors = load(y, &c, &d);

    diag_print(&d, stderr);
    ck_assert_int_eq(errors, 8);
    ck_assert(tu_diag_has(&d, "cfg.yaml:11:5: output name 'a' is used twice"));
    ck_assert(tu_diag_has(&d, "cfg.yaml:2:1: unknown key 'comit_interval'"));
    ck_assert(tu_diag_has(&d, "cfg.yaml:3:16: bad duration '5 parsecs'"));
    ck_assert(tu_diag_has(&d, "cfg.yaml:6:21: bad size '12 bananas'"));
    ck_assert(tu_diag_has(&d, "cfg.yaml:7:15: 'start_at' cannot be 'middle' (end or beginning)"));
    ck_assert(tu_diag_has(&d, "cfg.yaml:8:11: 'tags' must be a list of strings"));
    ck_assert(tu_diag_has(&d, "cfg.yaml:10:21: unknown output type 'carrier-pigeon'"));
    ck_assert(tu_diag_has(&d, "cfg.yaml:11:5: missing key 'path'"));
    config_free(&c);
    diag_free(&d);
}
END_TEST

START_TEST(test_unreadable_and_broken)
{
    struct config c;
    struct diag d;

    diag_init(&d);
    ck_assert_int_eq(config_load(&c, "/nonexistent/wsawatch.yaml", &d), 1);
    ck_assert(tu_diag_has(&d, "/nonexistent/wsawatch.yaml: cannot open:"));
    config_free(&c);
    diag_free(&d);
    diag_init(&d);
    ck_assert_int_eq(load("inputs:\n  - path: [a\n", &c, &d), 1);
    ck_assert(tu_diag_has(&d, "cfg.yaml:3:1: YAML:"));
    config_free(&c);
    diag_free(&d);
}
END_TEST

/* "Billion laughs": 2 000 aliases of a 2 000-item list would be 4 million
 * strings; an alias to its own enclosing list would never end. */
START_TEST(test_alias_expansion_refused)
{
    struct buf b;
    struct config c;
    struct diag d;

    buf_init(&b, 1u << 20);
    ck_assert_int_eq(buf_printf(&b, "a: &a ["), 0);
    for (int i = 0; i < 2000; i++)
        ck_assert_int_eq(buf_printf(&b, "%sx%d", i ? ", " : "", i), 0);
    ck_assert_int_eq(buf_printf(&b, "]\ninputs:\n  - path: /tmp/x.log\n    tags: ["), 0);
    for (int i = 0; i < 2000; i++)
        ck_assert_int_eq(buf_printf(&b, "%s*a", i ? ", " : ""), 0);
    ck_assert_int_eq(buf_printf(&b, "]\n"), 0);
    diag_init(&d);
    ck_assert_int_eq(load(b.p, &c, &d), 1);
    ck_assert(tu_diag_has(&d, "cfg.yaml:1:1: the document expands to more than 200000 nodes"));
    config_free(&c);
    diag_free(&d);
    diag_init(&d);
    ck_assert_int_eq(load("a: &a [1, *a]\n", &c, &d), 1);
    ck_assert(tu_diag_has(&d, "cfg.yaml:1:1: the document expands to more than 200000 nodes"));
    config_free(&c);
    diag_free(&d);
    buf_free(&b);
}
END_TEST

/* libyaml gives only the byte offset of invalid UTF-8: the message points
 * at the byte (line 2, column 14: after 'caf\xc3\xa9' counted as one). A
 * second document is an error at its start and the first is still read. */
START_TEST(test_yaml_positions)
{
    struct config c;
    struct diag d;

    diag_init(&d);
    ck_assert_int_eq(load("state_dir: /s\ninputs: [{path: /caf\xc3\xa9\xfe}]\n", &c, &d), 1);
    ck_assert(tu_diag_has(&d, "cfg.yaml:2:22: YAML: invalid leading UTF-8 octet (byte 0xFE)"));
    config_free(&c);
    diag_free(&d);
    diag_init(&d);
    ck_assert_int_eq(load("---\nstate_dir: /s\nbogus: 1\n...\n\n--- # more\ninputs: []\n", &c, &d),
                     2);
    ck_assert(tu_diag_has(&d, "cfg.yaml:6:1: a second YAML document starts here"));
    ck_assert(tu_diag_has(&d, "cfg.yaml:3:1: unknown key 'bogus'"));
    ck_assert_str_eq(c.state_dir, "/s");
    config_free(&c);
    diag_free(&d);
}
END_TEST

/* An output's name is its spool's directory: no '/', no "..", and two names
 * that differ only in case are one on Windows. A second document after an
 * empty first one is still found. */
START_TEST(test_output_names_and_empty_first_document)
{
    struct config c;
    struct diag d;

    diag_init(&d);
    ck_assert_int_eq(load("outputs:\n  - {name: ops/crit, type: stdout}\n"
                          "  - {name: '..', type: stdout}\n  - {name: Ops, type: stdout}\n"
                          "  - {name: ops, type: stdout}\n", &c, &d), 3);
    ck_assert(tu_diag_has(&d, "cfg.yaml:2:5: output name 'ops/crit': use letters"));
    ck_assert(tu_diag_has(&d, "cfg.yaml:3:5: output name '..': use letters"));
    ck_assert(tu_diag_has(&d, "cfg.yaml:5:5: output name 'ops' is used twice"));
    config_free(&c);
    diag_free(&d);
    diag_init(&d);
    ck_assert_int_ge(load("---\n---\nstate_dir: /x\n", &c, &d), 1);
    ck_assert(tu_diag_has(&d, "cfg.yaml:2:1: a second YAML document starts here"));
    config_free(&c);
    diag_free(&d);
}
END_TEST

/* Relative rules paths are taken beside the configuration file; the other
 * paths are checked by validate_paths, each at its position. */
START_TEST(test_paths)
{
    struct config c;
    struct diag d;

    diag_init(&d);
    ck_assert_int_eq(load("rules: [local.d, /abs]\nstate_dir: st\nlog: {target: file, path: ''}\n"
                          "inputs: [{path: [/a/*.log, b/*.log]}]\n"
                          "outputs: [{name: f, type: file, path: e.jsonl}]\n", &c, &d), 0);
    ck_assert_str_eq(c.rules[1], "/abs");
    ck_assert_ptr_nonnull(strstr(c.rules[0], "/local.d"));
    /* the temporary file's directory: /tmp/... or C:\...\Temp\... */
    ck_assert(c.rules[0][0] == '/' || (c.rules[0][1] == ':' && c.rules[0][2] == '\\'));
    ck_assert_int_eq(validate_paths(&c, 0, &d), 4);
    ck_assert(tu_diag_has(&d, ":2:12: state_dir 'st' is relative"));
    ck_assert(tu_diag_has(&d, ":3:27: log path is empty"));
    ck_assert(tu_diag_has(&d, ":4:28: input path 'b/*.log' is relative"));
    ck_assert(tu_diag_has(&d, ":5:39: output 'f': path 'e.jsonl' is relative"));
    diag_free(&d);
    diag_init(&d);
    ck_assert_int_eq(validate_paths(&c, VALIDATE_RELATIVE_OK, &d), 1); /* still empty */
    config_free(&c);
    diag_free(&d);
}
END_TEST

START_TEST(test_new_keys_bad_values)
{
    struct config c;
    struct diag d;
    const char *y = "inputs:\n"
                    "  - path: /x/*.log\n"
                    "    timestamp: '(?<year>\\d{4}'\n"
                    "  - path: /y/*.log\n"
                    "    timestamp: '(?<year>\\d{4})'\n"
                    "outputs:\n"
                    "  - {name: t, type: stdout, format: html}\n"
                    "  - {name: u, type: stdout, queue: 0}\n";

    diag_init(&d);
    ck_assert_int_eq(load(y, &c, &d), 4);
    diag_print(&d, stderr);
    ck_assert(tu_diag_has(&d, "cfg.yaml:3:16: timestamp pattern error at offset 13: missing "
                              "closing parenthesis"));
    ck_assert(tu_diag_has(&d, "cfg.yaml:5:16: timestamp pattern has no group named 'month'"));
    ck_assert(tu_diag_has(&d, "cfg.yaml:7:37: 'format' cannot be 'html' (json or text)"));
    ck_assert(tu_diag_has(&d, "cfg.yaml:8:36: 'queue' must be a number from 1"));
    config_free(&c);
    diag_free(&d);
}
END_TEST

/* Every output kind, every input and alert key: the widest load there is. */
static const char every_key[] =
    "state_dir: /tmp/st\n"
    "rules: [/etc/wsawatch/rules.d, /srv/rules]\n"
    "commit_interval: 2s\n"
    "poll_interval: 250ms\n"
    "log: {level: debug, target: file, path: /tmp/wsawatch.log}\n"
    "inputs:\n"
    "  - path: [/var/log/a/*.log, /var/log/b/**/*.log]\n"
    "    exclude: ['*.gz', '*.zip']\n"
    "    start_at: beginning\n"
    "    encoding: utf-16le\n"
    "    tags: [api, prod]\n"
    "    max_line_bytes: 1MiB\n"
    "    idle_flush: 2s\n"
    "    rotate_wait: 3s\n"
    "    watch: poll\n"
    "    rules: [go-syscall-message]\n"
    "    timestamp: '(?<year>\\d{4})-(?<month>\\d\\d)-(?<day>\\d\\d) "
    "(?<hour>\\d\\d):(?<minute>\\d\\d):(?<second>\\d\\d)'\n"
    "  - path: /x/*.log\n"
    "    timestamp: arrival\n"
    "outputs:\n"
    "  - {name: out, type: stdout, format: text}\n"
    "  - {name: events, type: file, path: /tmp/e.jsonl, take: [events]}\n"
    "  - {name: hook, type: webhook, url: 'https://example.com/hook', headers: {X-A: b, X-C: d},\n"
    "     ca_file: /etc/ssl/ca.pem, bearer_token_env: TOKEN, tls_verify: true, timeout: 5s,\n"
    "     retries: 2, backoff: 2s, queue: 10}\n"
    "  - {name: run, type: exec, command: [/bin/sh, -c, 'cat >/dev/null'], timeout: 5s,\n"
    "     max_running: 2, queue: 5, take: [alerts]}\n"
    "  - {name: sys, type: syslog, address: 'tcp://[::1]:6514', facility: local3,\n"
    "     app_name: ww, hostname: h1, queue: 50}\n"
    "  - {name: sys2, type: syslog, address: 'udp://127.0.0.1:514'}\n"
    "  - {name: prom, type: metrics, path: /tmp/ww.prom, interval: 30s}\n"
    "  - {name: ev, type: eventlog, source: wsawatch}\n"
    "alerts:\n"
    "  - id: storm\n"
    "    codes: [WSAECONNRESET, 10053]\n"
    "    categories: [connection]\n"
    "    rules: [go-syscall-message]\n"
    "    tags: [api]\n"
    "    threshold: 3\n"
    "    window: 30s\n"
    "    group_by: [file, peer]\n"
    "    cooldown: 5m\n"
    "    severity: error\n"
    "    outputs: [hook, sys]\n"
    "    resolved: true\n"
    "    backlog: ignore\n"
    "    samples: 2\n"
    "    max_groups: 100\n"
    "  - {id: quiet, codes: 10060}\n";

struct load_ctx {
    const char *path;
    struct config c;
};

static int load_cb(void *ctx, struct diag *d)
{
    struct load_ctx *l = ctx;

    return config_load(&l->c, l->path, d);
}

static void cleanup_cb(void *ctx)
{
    config_free(&((struct load_ctx *)ctx)->c);
}

/* Each allocation of config_load fails once: an error saying out of memory,
 * never a crash or a leak (LeakSanitizer and valgrind check the frees). */
static unsigned long fail_each_allocation(const char *path)
{
    struct load_ctx l = {path, {0}};
    struct tu_loader loader = {load_cb, cleanup_cb, &l};
    unsigned long n = tu_fail_each_allocation(&loader);

    fprintf(stderr, "%s: %lu allocations, made to fail in turn\n", path, n);
    return n;
}

/* Every default is written once, as text in the key tables: the loader's
 * values for absent keys are those texts parsed, and an enum-like key's
 * default is one of its values. */
START_TEST(test_defaults_from_tables)
{
    const char *which[] = {"top", "log", "input", "output"};
    const struct yfield *f;
    const struct output_kind *k;
    size_t n;
    struct config c;
    struct diag d;
    const char *y = "inputs: [{path: /x/*.log}]\n"
                    "outputs: [{name: o, type: stdout}]\n"
                    "alerts: [{id: a, codes: [10054]}]\n";

    for (size_t t = 0; t < 4; t++)
        for (f = config_fields(which[t], &n); n > 0; f++, n--)
            ck_assert(f->values == NULL || f->def == NULL || f->def[0] == '[' ||
                      yfield_value_index(f, f->def) >= 0);
    for (size_t i = 0; (k = output_kind_at(i)) != NULL; i++)
        for (size_t j = 0; j < k->nfields; j++)
            ck_assert(k->fields[j].values == NULL || k->fields[j].def == NULL ||
                      yfield_value_index(&k->fields[j], k->fields[j].def) >= 0);
    diag_init(&d);
    ck_assert_int_eq(load(y, &c, &d), 0);
    ck_assert_uint_eq(c.commit_ms, 5000);
    ck_assert_uint_eq(c.poll_ms, 1000);
    ck_assert_int_eq(c.log_level, LOG_LEVEL_INFO);
    ck_assert_str_eq(c.log_target, "stderr");
    ck_assert_uint_eq(c.inputs[0].max_line, 65536);
    ck_assert_uint_eq(c.inputs[0].idle_flush_ms, 5000);
    ck_assert_uint_eq(c.inputs[0].rotate_wait_ms, 5000);
    ck_assert_int_eq(c.inputs[0].start_beginning, 0);
    ck_assert_int_eq(c.inputs[0].encoding, ENC_AUTO);
    ck_assert_uint_eq(c.outputs[0].take, TAKE_EVENTS | TAKE_ALERTS);
    ck_assert_uint_eq(c.alerts->n, 1);
    ck_assert_uint_eq(c.alerts->v[0].threshold, 5);
    ck_assert_int_eq(c.alerts->v[0].window_ms, 60000);
    ck_assert_int_eq(c.alerts->v[0].cooldown_ms, 600000);
    ck_assert_int_eq(c.alerts->v[0].severity, SEV_WARNING);
    ck_assert_uint_eq(c.alerts->v[0].ngroup_by, 1);
    ck_assert_str_eq(c.alerts->v[0].group_by[0], "file");
    ck_assert_int_eq(c.alerts->v[0].enabled, 1);
    config_free(&c);
    diag_free(&d);
}
END_TEST

/* A bad value of an enum-like key is reported with the table's values. */
START_TEST(test_enum_errors_list_values)
{
    struct config c;
    struct diag d;
    const char *y = "log: {level: loud}\n"
                    "inputs: [{path: /x, watch: inotify, encoding: ebcdic}]\n"
                    "outputs: [{name: o, type: stdout, take: [logs]}]\n"
                    "alerts: [{id: a, severity: dire, backlog: replay}]\n";

    diag_init(&d);
    ck_assert_int_eq(load(y, &c, &d), 6);
    diag_print(&d, stderr);
    ck_assert(tu_diag_has(&d, "cfg.yaml:1:14: 'level' cannot be 'loud' (error, warn, info or "
                              "debug)"));
    ck_assert(tu_diag_has(&d, "'watch' cannot be 'inotify' (auto or poll)"));
    ck_assert(tu_diag_has(&d, "unknown encoding 'ebcdic' (auto, utf-8, utf-16le, utf-16be or "
                              "ansi)"));
    ck_assert(tu_diag_has(&d, "'take' cannot be 'logs' (events or alerts)"));
    ck_assert(tu_diag_has(&d, "'severity' cannot be 'dire' (info, notice, warning, error or "
                              "critical)"));
    ck_assert(tu_diag_has(&d, "'backlog' cannot be 'replay' (summarize or ignore)"));
    config_free(&c);
    diag_free(&d);
}
END_TEST

START_TEST(test_out_of_memory_shipped)
{
    ck_assert_uint_ge(fail_each_allocation(FIXTURES "/../../config/wsawatch.yaml"), 30);
    ck_assert_uint_ge(fail_each_allocation(FIXTURES "/../../config/demo.yaml"), 10);
}
END_TEST

START_TEST(test_out_of_memory_every_key)
{
    char *path = tu_temp_file("cfg", every_key, strlen(every_key));
    struct load_ctx l = {path, {0}};
    struct diag d;

    diag_init(&d);
    if (config_load(&l.c, path, &d) != 0)
        diag_print(&d, stderr); /* no /bin/sh or /tmp on Windows: no matter here */
    ck_assert_uint_eq(l.c.noutputs, 8);
    ck_assert_uint_eq(l.c.alerts->n, 2);
    ck_assert_ptr_nonnull(l.c.inputs[0].ts_pattern);
    config_free(&l.c);
    diag_free(&d);
    ck_assert_uint_ge(fail_each_allocation(path), 100);
    remove(path);
    xfree(path);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("config");
    TCase *tc = tcase_create("config");

    tcase_add_test(tc, test_durations_and_sizes);
    tcase_add_test(tc, test_alias_expansion_refused);
    tcase_add_test(tc, test_full_config);
    tcase_add_test(tc, test_every_error_at_once);
    tcase_add_test(tc, test_unreadable_and_broken);
    tcase_add_test(tc, test_new_keys_bad_values);
    tcase_add_test(tc, test_defaults_from_tables);
    tcase_add_test(tc, test_enum_errors_list_values);
    tcase_add_test(tc, test_out_of_memory_shipped);
    tcase_add_test(tc, test_out_of_memory_every_key);
    tcase_add_test(tc, test_yaml_positions);
    tcase_add_test(tc, test_paths);
    tcase_add_test(tc, test_output_names_and_empty_first_document);
    suite_add_tcase(s, tc);
    return tu_run(s);
}
