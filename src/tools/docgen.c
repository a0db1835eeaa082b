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
#include "rulefiles.h"
#include "rules.h"
#include "table.h"
#include "util/alloc.h"
#include "util/fsutil.h"
#include "tools/docgen.h"
#include "ydoc.h"

#define MAN_BEGIN ".\\\" docgen: begin configuration keys"
#define MAN_END ".\\\" docgen: end configuration keys"

/* The sections that are not an output type's, in the order of the docs.
 * Those of rule files sit under no key of the configuration ("#rules"): the
 * man page and the example leave them out. */
static const struct {
    const char *key, *title, *intro, *table; /* table: see keys() */
    int level;
} fixed[] = {
    {"", "Top level", "The keys of the file itself.", "top", 2},
    {"log", "`log`", "A mapping with these keys.", "log", 2},
    {"inputs", "`inputs`", "A list; each input is a mapping with these keys.", "input", 2},
    {"outputs", "`outputs`",
     "A list; each output is a mapping with these keys and those of its type.", "output", 2},
    {"alerts", "`alerts`",
     "A list; each alert rule is a mapping with these keys. A rule counts the events it "
     "selects (codes, categories, rules, tags: all of them that are given must match) per "
     "group within a sliding window.",
     "alert", 2},
    {"#rules", "Rule files",
     "The files under rules/ (embedded in the binary) and those a `rules:` path names hold "
     "the code table, the extraction rules and alert rules, in YAML with these keys at the "
     "top; rules/README.md explains them.",
     "rulefile", 2},
    {"#rules", "Rule files: `codes`",
     "A list; each entry of the code table is a mapping with "
     "these keys. An entry with the code of a known one amends it.",
     "code", 3},
    {"#rules", "Rule files: `rules`", "A list; each extraction rule is a mapping with these keys.",
     "rule", 3},
    {"#rules", "Rule files: `examples`", "A rule's examples, checked by `wsawatch check`.",
     "examples", 3},
    {"#rules", "Rule files: `examples: match`",
     "A list; each example that must match is a "
     "mapping with these keys.",
     "match", 3},
};

static const struct yfield *output_fields(size_t *n);

/* The key table fixed[].table names. */
static const struct yfield *keys(const char *table, size_t *n)
{
    if (strcmp(table, "output") == 0)
        return output_fields(n);
    if (strcmp(table, "alert") == 0)
        return alert_rules_fields(n);
    if (strcmp(table, "rulefile") == 0)
        return rulefiles_fields(n);
    if (strcmp(table, "code") == 0)
        return table_fields(n);
    if (strcmp(table, "rule") == 0 || strcmp(table, "examples") == 0 || strcmp(table, "match") == 0)
        return rules_fields(table, n);
    return config_fields(table, n);
}

/* The common keys of an output, with the output types as the values of type. */
static const struct yfield *output_fields(size_t *n)
{
    static const char *kinds[17];
    static struct yfield fields[8];
    const struct yfield *common = config_fields("output", n);
    const struct output_kind *k;

    for (size_t i = 0; i < 16 && (k = output_kind_at(i)) != NULL; i++)
        kinds[i] = k->type;
    *n = *n < 8 ? *n : 8;
    for (size_t i = 0; i < *n; i++) {
        fields[i] = common[i];
        if (strcmp(fields[i].key, "type") == 0)
            fields[i].values = kinds;
    }
    return fields;
}

/* The daemon configuration as sections: the top level, then the mappings
 * each of its lists holds, the output types' own keys after outputs. */
static size_t sections(struct section *s, size_t max)
{
    static char titles[16][64];
    const struct output_kind *k;
    size_t n = 0;

    for (size_t f = 0; f < sizeof(fixed) / sizeof(fixed[0]) && n < max; f++) {
        s[n] = (struct section){fixed[f].key, fixed[f].title, fixed[f].intro, NULL, 0,
                                NULL,         fixed[f].level};
        s[n].fields = keys(fixed[f].table, &s[n].n);
        n++;
        for (size_t i = 0; strcmp(fixed[f].key, "outputs") == 0 && i < 16 && n < max &&
                           (k = output_kind_at(i)) != NULL;
             i++) {
            snprintf(titles[i], sizeof(titles[i]), "`type: %s`", k->type);
            s[n++] =
                (struct section){"outputs", titles[i], NULL, k->fields, k->nfields, k->type, 3};
        }
    }
    return n;
}

const char *docgen_type_name(const struct yfield *f)
{
    switch (f->type) {
    case Y_STR:
        return "string";
    case Y_INT:
        return "integer";
    case Y_BOOL:
        return "true/false";
    case Y_STRLIST:
        return "string or list";
    case Y_SEQ:
        return "list";
    case Y_MAP:
        return "mapping";
    case Y_ANY:
        return "any";
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
            example(argv[1], argv[2], s, n) !=
        0)
        return 1;
    return 0;
}
