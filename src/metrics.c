/*
 * Counters and gauges. See metrics.h. Series live in one open-addressing hash
 * table keyed by "name{labels}"; metric declarations in a small array.
 */
#include "metrics.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/alloc.h"

#define TABLE_MIN 256 /* slots at first; doubled at half full (a power of two) */
#define MAX_METRICS 64

struct metric {
    char *name;
    char *help;
    enum metric_type type;
};

struct series {
    char *key;           /* "name{labels}", owned */
    size_t name_len;
    const struct metric *m;
    double value;
};

static struct metric metrics[MAX_METRICS];
static size_t nmetrics;
static struct series *table;
static size_t table_size;
static size_t nseries;

static const struct metric *find_metric(const char *name)
{
    for (size_t i = 0; i < nmetrics; i++)
        if (strcmp(metrics[i].name, name) == 0)
            return &metrics[i];
    return NULL;
}

void metrics_declare(const char *name, enum metric_type type, const char *help)
{
    if (find_metric(name) != NULL || nmetrics == MAX_METRICS)
        return;
    metrics[nmetrics].name = xstrdup(name);
    metrics[nmetrics].help = xstrdup(help);
    metrics[nmetrics].type = type;
    nmetrics++;
}

static uint32_t hash(const char *s)
{
    uint32_t h = 2166136261u;

    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

static void grow(void)
{
    struct series *old = table;
    size_t old_size = table_size;

    table_size = table_size ? table_size * 2 : TABLE_MIN;
    table = xcalloc(table_size, sizeof(*table));
    for (size_t i = 0; i < old_size; i++) {
        uint32_t h;
        if (old[i].key == NULL)
            continue;
        for (h = hash(old[i].key) & (table_size - 1); table[h].key != NULL;
             h = (h + 1) & (table_size - 1))
            ;
        table[h] = old[i];
    }
    xfree(old);
}

/* The series name{labels}, created unless there are METRICS_MAX_SERIES
 * already (then the metric's overflow series). */
static struct series *lookup(const char *name, const char *labels)
{
    const struct metric *m = find_metric(name);
    char key[1024];
    uint32_t h;

    if (m == NULL)
        return NULL;
    if (table == NULL || (nseries + 1) * 2 > table_size)
        grow();
    snprintf(key, sizeof(key), "%s{%s}", name, labels ? labels : "");
    for (h = hash(key) & (table_size - 1); table[h].key != NULL; h = (h + 1) & (table_size - 1))
        if (strcmp(table[h].key, key) == 0)
            return &table[h];
    if (nseries >= METRICS_MAX_SERIES) {
        if (strcmp(labels ? labels : "", "overflow=\"true\"") == 0)
            return NULL; /* cannot happen: the overflow series are made first */
        return lookup(name, "overflow=\"true\"");
    }
    table[h].key = xstrdup(key);
    table[h].name_len = strlen(name);
    table[h].m = m;
    nseries++;
    return &table[h];
}

void metrics_add(const char *name, const char *labels, uint64_t n)
{
    struct series *s = lookup(name, labels);

    if (s != NULL)
        s->value += (double)n;
}

void metrics_set(const char *name, const char *labels, double value)
{
    struct series *s = lookup(name, labels);

    if (s != NULL)
        s->value = value;
}

double metrics_get(const char *name, const char *labels)
{
    const struct metric *m = find_metric(name);
    char key[1024];

    if (m == NULL || table == NULL)
        return 0;
    snprintf(key, sizeof(key), "%s{%s}", name, labels ? labels : "");
    for (uint32_t h = hash(key) & (table_size - 1); table[h].key != NULL;
         h = (h + 1) & (table_size - 1))
        if (strcmp(table[h].key, key) == 0)
            return table[h].value;
    return 0;
}

size_t metrics_label(char *out, size_t len, size_t size, const char *key, const char *value)
{
    int n = snprintf(out + len, size > len ? size - len : 0, "%s%s=\"", len ? "," : "", key);

    if (n < 0 || len + (size_t)n >= size)
        return size;
    len += (size_t)n;
    for (const char *p = value; *p; p++) {
        const char *esc = *p == '\\' ? "\\\\" : *p == '"' ? "\\\"" : *p == '\n' ? "\\n" : NULL;
        size_t k = esc ? 2 : 1;
        if (len + k + 2 > size)
            return out[size - 1] = '\0', size;
        memcpy(out + len, esc ? esc : p, k);
        len += k;
    }
    out[len++] = '"';
    out[len] = '\0';
    return len;
}

static int by_key_cb(const void *a, const void *b)
{
    return strcmp((*(struct series *const *)a)->key, (*(struct series *const *)b)->key);
}

void metrics_each(metrics_cb cb, void *ctx)
{
    struct series **v;
    size_t n = 0;

    if (table == NULL)
        return;
    v = xcalloc(nseries + 1, sizeof(*v));
    for (size_t i = 0; i < table_size; i++)
        if (table[i].key != NULL)
            v[n++] = &table[i];
    qsort(v, n, sizeof(*v), by_key_cb);
    for (size_t i = 0; i < n; i++) {
        char labels[1024];
        const char *k = v[i]->key + v[i]->name_len + 1;
        size_t len = strlen(k) - 1; /* without the closing brace */

        memcpy(labels, k, len);
        labels[len] = '\0';
        cb(ctx, v[i]->m->name, v[i]->m->type, v[i]->m->help, labels, v[i]->value);
    }
    xfree(v);
}

void metrics_reset(void)
{
    for (size_t i = 0; table != NULL && i < table_size; i++)
        xfree(table[i].key);
    xfree(table);
    table = NULL;
    table_size = 0;
    nseries = 0;
    for (size_t i = 0; i < nmetrics; i++)
        xfree(metrics[i].name), xfree(metrics[i].help);
    nmetrics = 0;
}
