/*
 * Line timestamps. See timestamp.h. Hand-written scanners rather than regular
 * expressions: this runs on every line that gives an event.
 */
#include "timestamp.h"

#include "pcre2.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "util/alloc.h"
#include "util/err.h"

struct tm_parts {
    int y, mo, d, h, mi, s, ms;
    int has_zone;
    int zone_min; /* east of UTC */
};

static int digits(const char *p, const char *end, int n, int *out)
{
    int v = 0;

    if (end - p < n)
        return 0;
    for (int i = 0; i < n; i++) {
        if (p[i] < '0' || p[i] > '9')
            return 0;
        v = v * 10 + (p[i] - '0');
    }
    *out = v;
    return 1;
}

int64_t timestamp_days(int64_t y, unsigned m, unsigned d)
{
    /* Howard Hinnant's days_from_civil */
    int64_t era;
    unsigned yoe, doy, doe;

    y -= m <= 2;
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = (unsigned)(y - era * 400);
    doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

/* HH:MM:SS with an optional fraction (. or ,) at p. Returns bytes used or 0. */
static int parse_time(const char *p, const char *end, struct tm_parts *t)
{
    const char *q = p + 8;
    int frac = 0, nd = 0;

    if (!digits(p, end, 2, &t->h) || p[2] != ':' || !digits(p + 3, end, 2, &t->mi) ||
        p[5] != ':' || !digits(p + 6, end, 2, &t->s) || t->h > 23 || t->mi > 59 || t->s > 60)
        return 0;
    if (q < end && (*q == '.' || *q == ',')) {
        for (q++; q < end && *q >= '0' && *q <= '9'; q++, nd++)
            if (nd < 3)
                frac = frac * 10 + (*q - '0');
        while (nd > 0 && nd < 3)
            frac *= 10, nd++;
    }
    t->ms = frac;
    return (int)(q - p);
}

/* Z, +hh:mm, +hhmm or -hh after optional spaces. */
static void parse_zone(const char *p, const char *end, struct tm_parts *t)
{
    int hh, mm = 0, sign;

    while (p < end && *p == ' ')
        p++;
    if (p < end && *p == 'Z') {
        t->has_zone = 1;
        return;
    }
    if (p >= end || (*p != '+' && *p != '-') || !digits(p + 1, end, 2, &hh))
        return;
    sign = *p == '-' ? -1 : 1;
    p += 3;
    if (p < end && *p == ':')
        p++;
    (void)digits(p, end, 2, &mm);
    t->has_zone = 1;
    t->zone_min = sign * (hh * 60 + mm);
}

static int month_of(const char *p)
{
    static const char names[] = "JanFebMarAprMayJunJulAugSepOctNovDec";

    for (int i = 0; i < 12; i++)
        if (strncmp(p, names + 3 * i, 3) == 0)
            return i + 1;
    return 0;
}

/* YYYY-MM-DD[T ]time, YYYY/MM/DD time */
static int try_ymd(const char *p, const char *end, struct tm_parts *t)
{
    int used;

    if (!digits(p, end, 4, &t->y) || (p[4] != '-' && p[4] != '/') ||
        !digits(p + 5, end, 2, &t->mo) || p[7] != p[4] || !digits(p + 8, end, 2, &t->d) ||
        end - p < 11 || (p[10] != 'T' && p[10] != ' '))
        return 0;
    if ((used = parse_time(p + 11, end, t)) == 0)
        return 0;
    parse_zone(p + 11 + used, end, t);
    return 1;
}

/* DD/Mon/YYYY:HH:MM:SS +zone (access logs) */
static int try_clf(const char *p, const char *end, struct tm_parts *t)
{
    if (!digits(p, end, 2, &t->d) || end - p < 20 || p[2] != '/' || p[6] != '/' ||
        (t->mo = month_of(p + 3)) == 0 || !digits(p + 7, end, 4, &t->y) || p[11] != ':' ||
        parse_time(p + 12, end, t) == 0)
        return 0;
    parse_zone(p + 20, end, t);
    return 1;
}

/* Www Mon DD HH:MM:SS[.frac] YYYY (Apache error log) */
static int try_ctime(const char *p, const char *end, struct tm_parts *t)
{
    int used, d1;

    if (end - p < 24 || p[3] != ' ' || (t->mo = month_of(p + 4)) == 0 || p[7] != ' ')
        return 0;
    d1 = p[8] == ' ' ? 0 : p[8] - '0';
    if (d1 < 0 || d1 > 3 || p[9] < '0' || p[9] > '9' || p[10] != ' ')
        return 0;
    t->d = d1 * 10 + (p[9] - '0');
    if ((used = parse_time(p + 11, end, t)) == 0 || p[11 + used] != ' ')
        return 0;
    return digits(p + 12 + used, end, 4, &t->y);
}

static int64_t to_ms(const struct tm_parts *t)
{
    struct tm tm;
    time_t secs;

    if (t->mo < 1 || t->mo > 12 || t->d < 1 || t->d > 31 || t->y < 1970)
        return -1;
    if (t->has_zone)
        return ((timestamp_days(t->y, (unsigned)t->mo, (unsigned)t->d) * 86400 + t->h * 3600 +
                 t->mi * 60 + t->s) - (int64_t)t->zone_min * 60) * 1000 + t->ms;
    memset(&tm, 0, sizeof(tm));
    tm.tm_year = t->y - 1900, tm.tm_mon = t->mo - 1, tm.tm_mday = t->d;
    tm.tm_hour = t->h, tm.tm_min = t->mi, tm.tm_sec = t->s, tm.tm_isdst = -1;
    secs = mktime(&tm); /* local time of the host */
    return secs == (time_t)-1 ? -1 : (int64_t)secs * 1000 + t->ms;
}

/* A time at p, in any of the layouts above. */
static int try_at(const char *line, const char *p, const char *end, int64_t *ms)
{
    struct tm_parts t;
    int ok;

    memset(&t, 0, sizeof(t));
    if (*p >= '0' && *p <= '9' && (p == line || p[-1] < '0' || p[-1] > '9'))
        ok = try_ymd(p, end, &t) || try_clf(p, end, &t);
    else if (*p == '[' && p + 1 < end && p[1] >= 'A' && p[1] <= 'Z')
        ok = try_ctime(p + 1, end, &t);
    else
        return 0;
    return ok && (*ms = to_ms(&t)) >= 0;
}

/* A JSON line whose first member is the time ({"@t":"2026-...", {"time":
 * "2026-...): where its value starts, or NULL. */
static const char *json_lead(const char *p, const char *end)
{
    const char *key;

    while (p < end && *p == ' ')
        p++;
    if (p >= end || *p++ != '{')
        return NULL;
    while (p < end && *p == ' ')
        p++;
    if (p >= end || *p++ != '"')
        return NULL;
    for (key = p; p < end && *p != '"' && p - key <= TIMESTAMP_JSON_KEY; p++)
        ;
    if (p >= end || *p++ != '"' || p - key < 2)
        return NULL;
    while (p < end && *p == ' ')
        p++;
    if (p >= end || *p++ != ':')
        return NULL;
    while (p < end && *p == ' ')
        p++;
    return p < end && *p == '"' ? p + 1 : NULL;
}

/* Access logs: "host ident user [24/Nov/2026:...": where the time starts
 * when the line's first '[' follows exactly three fields, or NULL. */
static const char *clf_lead(const char *p, const char *end)
{
    int fields = 0;

    while (p < end && *p != '[') {
        if (*p == ' ')
            return NULL; /* an empty field */
        while (p < end && *p != ' ' && *p != '[')
            p++;
        if (p >= end || *p != ' ')
            return NULL;
        fields++, p++;
    }
    return fields == 3 && p + 1 < end ? p + 1 : NULL;
}

int timestamp_parse(const char *line, size_t n, int64_t *ms)
{
    const char *end = line + (n < TIMESTAMP_SCAN ? n : TIMESTAMP_SCAN), *p;
    size_t words = 0;

    if ((p = json_lead(line, end)) != NULL)
        return try_at(line, p, end, ms);
    /* the prefix before the time: no lower-case letter, at most two words,
     * TIMESTAMP_LEAD bytes ("ERROR ", "[INFO] ", "<134>1 ", "[") */
    for (p = line; p < end && p - line <= TIMESTAMP_LEAD; p++) {
        if (try_at(line, p, end, ms))
            return 1;
        if (*p >= 'a' && *p <= 'z')
            break;
        words += *p == ' ' && p > line && p[-1] != ' ';
        if (words > TIMESTAMP_LEAD_WORDS)
            break;
    }
    return (p = clf_lead(line, end)) != NULL && try_at(line, p, end, ms);
}

void timestamp_format(int64_t ms, char out[32])
{
    int64_t secs = ms >= 0 ? ms / 1000 : (ms - 999) / 1000;
    int64_t days = secs >= 0 ? secs / 86400 : (secs - 86399) / 86400;
    int64_t rem = secs - days * 86400, z = days + 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100), mp = (5 * doy + 2) / 153;
    unsigned d = doy - (153 * mp + 2) / 5 + 1, m = mp < 10 ? mp + 3 : mp - 9;
    int64_t y = (int64_t)yoe + era * 400 + (m <= 2);

    char tmp[96];

    snprintf(tmp, sizeof(tmp), "%04d-%02u-%02uT%02d:%02d:%02d.%03dZ", (int)y, m, d,
             (int)(rem / 3600), (int)(rem / 60 % 60), (int)(rem % 60), (int)(ms - secs * 1000));
    memcpy(out, tmp, 31);
    out[31] = '\0';
}

static const char *const part_names[] = {"year", "month", "day", "hour", "minute", "second"};

/* Compiles a configured layout with the allocator of alloc.h, so that an
 * allocation failure reaches PCRE2 and comes back as out of memory. Returns
 * 0, WW_EPATTERN or WW_ENOMEM, with a message in err; *out is NULL on error. */
static int compile(const char *pattern, pcre2_code **out, char *err, size_t errlen)
{
    pcre2_general_context *gc =
        pcre2_general_context_create(alloc_ctx_malloc, alloc_ctx_free, NULL);
    pcre2_compile_context *cc = gc != NULL ? pcre2_compile_context_create(gc) : NULL;
    unsigned long failures = alloc_failures();
    pcre2_code *re = NULL;
    PCRE2_SIZE off;
    int code = 0, rc = WW_ENOMEM;
    char msg[256];

    *out = NULL;
    if (cc != NULL)
        re = pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED, 0, &code, &off, cc);
    if (re == NULL && (cc == NULL || code == PCRE2_ERROR_HEAP_FAILED))
        goto out;
    rc = WW_EPATTERN;
    if (re == NULL) {
        pcre2_get_error_message(code, (PCRE2_UCHAR *)msg, sizeof(msg));
        snprintf(err, errlen, "timestamp pattern error at offset %zu: %s", (size_t)off, msg);
        goto out;
    }
    for (size_t i = 0; i < 6; i++) {
        if (pcre2_substring_number_from_name(re, (PCRE2_SPTR)part_names[i]) < 0) {
            snprintf(err, errlen, "timestamp pattern has no group named '%s'", part_names[i]);
            goto out;
        }
    }
    /* Without JIT the interpreter runs it; only our allocator failing is an error. */
    rc = 0;
    if (pcre2_jit_compile(re, PCRE2_JIT_COMPLETE) == PCRE2_ERROR_NOMEMORY &&
        alloc_failures() != failures)
        rc = WW_ENOMEM;
    else
        *out = re, re = NULL;
out:
    if (rc == WW_ENOMEM)
        snprintf(err, errlen, "timestamp pattern: %s", ww_strerror(WW_ENOMEM));
    pcre2_code_free(re);
    pcre2_compile_context_free(cc);
    pcre2_general_context_free(gc);
    return rc;
}

void *timestamp_pattern_compile(const char *pattern, char *err, size_t errlen)
{
    pcre2_code *re;

    return compile(pattern, &re, err, errlen) == 0 ? re : NULL;
}

int timestamp_pattern_check(const char *pattern, char *err, size_t errlen)
{
    pcre2_code *re;
    int rc = compile(pattern, &re, err, errlen);

    pcre2_code_free(re);
    return rc;
}

static int group_int(pcre2_match_data *md, void *re, const char *line, const char *name,
                     int *out)
{
    int n = pcre2_substring_number_from_name(re, (PCRE2_SPTR)name);
    PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);

    if (n < 0 || ov[2 * n] == PCRE2_UNSET)
        return 0;
    return digits(line + ov[2 * n], line + ov[2 * n + 1], (int)(ov[2 * n + 1] - ov[2 * n]), out);
}

int timestamp_pattern_parse(void *re, const char *line, size_t n, int64_t *ms)
{
    pcre2_match_data *md = pcre2_match_data_create_from_pattern(re, NULL);
    struct tm_parts t;
    int *parts[6], ok = md != NULL, tz;

    memset(&t, 0, sizeof(t));
    parts[0] = &t.y, parts[1] = &t.mo, parts[2] = &t.d;
    parts[3] = &t.h, parts[4] = &t.mi, parts[5] = &t.s;
    ok = ok && pcre2_match(re, (PCRE2_SPTR)line, n, 0, 0, md, NULL) > 0;
    for (size_t i = 0; ok && i < 6; i++)
        ok = group_int(md, re, line, part_names[i], parts[i]);
    if (ok) {
        PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
        int f = pcre2_substring_number_from_name(re, (PCRE2_SPTR)"fraction");
        if (f >= 0 && ov[2 * f] != PCRE2_UNSET) {
            char frac[4] = "000";
            for (size_t k = 0; k < 3 && ov[2 * f] + k < ov[2 * f + 1]; k++)
                frac[k] = line[ov[2 * f] + k];
            (void)digits(frac, frac + 3, 3, &t.ms);
        }
        tz = pcre2_substring_number_from_name(re, (PCRE2_SPTR)"tz");
        if (tz >= 0 && ov[2 * tz] != PCRE2_UNSET)
            parse_zone(line + ov[2 * tz], line + ov[2 * tz + 1], &t);
        ok = (*ms = to_ms(&t)) >= 0;
    }
    pcre2_match_data_free(md);
    return ok;
}

void timestamp_pattern_free(void *re)
{
    pcre2_code_free(re);
}
