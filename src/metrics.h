/*
 * The process's counters and gauges, for the metrics output (a Prometheus
 * textfile) and for tests: events by code and file, alerts by rule, lines and
 * bytes read, lines truncated or skipped, output failures and drops, alert
 * groups that overflowed. Series are named Prometheus-style with a label set
 * given as text (`code="10054",file="/var/log/a.log"`, values escaped by
 * metrics_label). The number of series is capped: past the cap, increments
 * go to one series per metric labelled overflow="true" and are counted, so a
 * flood of distinct files cannot grow memory without bound. Single-threaded:
 * called from the loop only.
 */
#ifndef WW_METRICS_H
#define WW_METRICS_H

#include <stddef.h>
#include <stdint.h>

#define METRICS_MAX_SERIES 10000

enum metric_type { METRIC_COUNTER, METRIC_GAUGE };

/* Declares a metric once (name, type, help line); increments of undeclared
 * names are ignored. */
void metrics_declare(const char *name, enum metric_type type, const char *help);

/* Adds n to the counter name{labels}; labels may be NULL or "". */
void metrics_add(const char *name, const char *labels, uint64_t n);
/* Sets the gauge name{labels}. */
void metrics_set(const char *name, const char *labels, double value);

/* Appends key="value" (with a leading comma unless first) to out, escaping
 * the value as the text format requires; returns out's new length, or size
 * when it did not fit (out is then cut short but terminated). */
size_t metrics_label(char *out, size_t len, size_t size, const char *key, const char *value);

typedef void (*metrics_cb)(void *ctx, const char *name, enum metric_type type, const char *help,
                           const char *labels, double value);

/* Calls cb for every series, metrics in name order, the series of a metric
 * together. */
void metrics_each(metrics_cb cb, void *ctx);

/* The value of one series (tests). */
double metrics_get(const char *name, const char *labels);

/* Forgets everything (tests). */
void metrics_reset(void);

#endif
