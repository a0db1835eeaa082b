/*
 * docgen: writes, from the key tables the loaders use (struct yfield), the
 * configuration reference (docs/configuration.md), the man page's
 * CONFIGURATION keys (packaging/linux/wsawatch.1, between its docgen
 * markers) and the per-key comments of the example configuration
 * (config/wsawatch.yaml), so that every key is described once. A build-time
 * tool: not installed, not part of the Windows build.
 *
 *     docgen SRCDIR OUTDIR
 *
 * reads the man page and the example configuration under SRCDIR and writes
 * the three files under OUTDIR (whose docs/, packaging/linux/ and config/
 * must exist); OUTDIR = SRCDIR updates the checked-in files, another
 * directory lets a test compare them (cmake/docgen_check.cmake).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alerts.h"
#include "config.h"
#include "outputs/output.h"
#include "util/alloc.h"
#include "util/fsutil.h"
#include "tools/docgen.h"
#include "ydoc.h"

#define MAN_BEGIN ".\\\" docgen: begin configuration keys"
#define MAN_END ".\\\" docgen: end configuration keys"

/* The daemon configuration as sections: the top level, then the mappings
 * each of its lists holds. A kind's section lists its own keys only. */
static size_t sections(struct section *s, size_t max)
{
    static char titles[16][64];
    static const char *kind_names[17];
    static struct yfield output[8];
    const struct output_kind *k;
    const struct yfield *common;
    size_t n = 0, ncommon;

    s[n++] = (struct section){"", "Top level", "The keys of the file itself.", NULL, 0, NULL};
    s[n++] = (struct section){"log", "`log`", "A mapping with these keys.", NULL, 0, NULL};
    s[n++] = (struct section){"inputs", "`inputs`", "A list; each input is a mapping with these "
                              "keys.", NULL, 0, NULL};
    s[n++] = (struct section){"outputs", "`outputs`", "A list; each output is a mapping with these "
                              "keys and those of its type.", NULL, 0, NULL};
    s[0].fields = config_fields("top", &s[0].n);
    s[1].fields = config_fields("log", &s[1].n);
    s[2].fields = config_fields("input", &s[2].n);
    for (size_t i = 0; (k = output_kind_at(i)) != NULL && n + 1 < max && i < 16; i++) {
        snprintf(titles[i], sizeof(titles[i]), "`type: %s`", k->type);
        kind_names[i] = k->type;
        s[n++] = (struct section){"outputs", titles[i], NULL, k->fields, k->nfields, k->type};
    }
    /* the common keys, with the kinds as the values of type */
    common = config_fields("output", &ncommon);
    for (size_t i = 0; i < ncommon && i < 8; i++) {
        output[i] = common[i];
        if (strcmp(output[i].key, "type") == 0)
            output[i].values = kind_names;
    }
    s[3].fields = output, s[3].n = ncommon < 8 ? ncommon : 8;
    s[n] = (struct section){"alerts", "`alerts`", "A list; each alert rule is a mapping with "
                            "these keys. A rule counts the events it selects (codes, categories, "
                            "rules, tags: all of them that are given must match) per group "
                            "within a sliding window.", NULL, 0, NULL};
    s[n].fields = alert_rules_fields(&s[n].n);
    return n + 1;
}

const char *docgen_type_name(const struct yfield *f)
{
    switch (f->type) {
    case Y_STR: return "string";
    case Y_INT: return "integer";
    case Y_BOOL: return "true/false";
    case Y_STRLIST: return "string or list";
    case Y_SEQ: return "list";
    case Y_MAP: return "mapping";
    case Y_ANY: return "any";
    }
    return "?";
}

static int write_file(const char *dir, const char *name, const char *text)
{
    char path[4096];
    FILE *f;

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    if ((f = fopen(path, "wb")) == NULL || fputs(text, f) == EOF || fclose(f) != 0) {
        fprintf(stderr, "docgen: cannot write %s\n", path);
        return 1;
    }
    return 0;
}

static char *read_file(const char *dir, const char *name)
{
    struct ww_err err = {0};
    char path[4096], *data;
    size_t len;

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    if (fs_read_all(path, 4u << 20, &data, &len, &err) != 0) {
        fprintf(stderr, "docgen: %s\n", err.msg);
        return NULL;
    }
    return data;
}

/* The man page with the text between its markers replaced by keys. */
static int man_page(const char *src, const char *out, const struct section *s, size_t n)
{
    char *man = read_file(src, "packaging/linux/wsawatch.1"), *b, *e;
    struct buf o;
    int rc = 1;

    if (man == NULL)
        return 1;
    b = strstr(man, MAN_BEGIN "\n");
    e = b != NULL ? strstr(b, MAN_END "\n") : NULL;
    if (e == NULL) {
        fprintf(stderr, "docgen: wsawatch.1 lacks the lines '%s' and '%s'\n", MAN_BEGIN, MAN_END);
        goto out;
    }
    buf_init(&o, 4u << 20);
    b += strlen(MAN_BEGIN "\n");
    if (buf_append(&o, man, (size_t)(b - man)) == 0 && docgen_man(&o, s, n) == 0 &&
        buf_printf(&o, "%s", e) == 0)
        rc = write_file(out, "packaging/linux/wsawatch.1", buf_str(&o));
    buf_free(&o);
out:
    xfree(man);
    return rc;
}

static int markdown(const char *out, const struct section *s, size_t n)
{
    struct buf o;
    int rc = 1;

    buf_init(&o, 4u << 20);
    if (docgen_markdown(&o, s, n) == 0)
        rc = write_file(out, "docs/configuration.md", buf_str(&o));
    buf_free(&o);
    return rc;
}

static int example(const char *src, const char *out, const struct section *s, size_t n)
{
    char *yaml = read_file(src, "config/wsawatch.yaml");
    struct buf o;
    int rc = 1;

    if (yaml == NULL)
        return 1;
    buf_init(&o, 4u << 20);
    if (docgen_yaml(&o, yaml, s, n) == 0)
        rc = write_file(out, "config/wsawatch.yaml", buf_str(&o));
    buf_free(&o);
    xfree(yaml);
    return rc;
}

int main(int argc, char **argv)
{
    struct section s[32];
    size_t n;

    if (argc != 3) {
        fprintf(stderr, "usage: docgen SRCDIR OUTDIR\n");
        return 2;
    }
    n = sections(s, sizeof(s) / sizeof(s[0]));
    if (markdown(argv[2], s, n) + man_page(argv[1], argv[2], s, n) +
            example(argv[1], argv[2], s, n) != 0)
        return 1;
    return 0;
}
