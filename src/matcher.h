/*
 * The matcher turns one line into its distinct Winsock codes: the prefilter
 * picks the rules whose literals the line holds, PCRE2 (JIT) runs only those,
 * and the named groups are resolved through the table. One match per distinct
 * code per line, named after the first rule (in rule order) that found it.
 * Match and depth limits bound every pattern on every line; a line that hits
 * them is counted and the other rules still run. It knows nothing of files.
 */
#ifndef WW_MATCHER_H
#define WW_MATCHER_H

#include <stddef.h>
#include <stdint.h>

#include "prefilter.h"
#include "rules.h"
#include "table.h"

#define MATCH_MAX 16  /* distinct codes kept per line */
#define MATCH_CAPS 8  /* captures kept per match */
#define MATCH_MSG_HITS 32

struct mcap {
    const char *name; /* group name, owned by the rule */
    size_t off, len;  /* in the line */
};

struct match {
    const struct wcode *code;
    const struct rule *rule;
    struct mcap caps[MATCH_CAPS];
    size_t ncaps;
};

struct match_set {
    struct match v[MATCH_MAX];
    size_t n;
    unsigned limit_hits;          /* patterns that hit a match limit on this line */
    const struct rule *limit_rule; /* the first of them */
};

struct rule_stat {
    uint64_t candidates; /* lines the prefilter let through */
    uint64_t hits;       /* codes this rule was first to find */
    uint64_t limit_hits;
    uint64_t ns;         /* time in PCRE2, when timing is on */
};

struct msg_hit {
    uint32_t msg;
    size_t pos;
};

struct matcher {
    const struct table *table;
    const struct ruleset *rules;
    struct prefilter pf;
    void *md, *mctx, *jstack;   /* PCRE2 match data, context, JIT stack */
    unsigned char *cand;        /* per rule: a literal was seen in this line */
    size_t *cand_list;          /* those rules, in the order seen */
    size_t ncand;
    size_t *fixed;              /* rules that run without a literal, in rule order */
    size_t nfixed;
    struct msg_hit msg_hits[MATCH_MSG_HITS];
    size_t nmsg_hits;
    int always;                 /* some rule has no literals: every line is a candidate */
    struct rule_stat *stats;    /* per rule */
    int timing;                 /* measure ns per rule (wsawatch test) */
    const struct rule *only;    /* when set, the only rule that runs (examples) */
    const struct rule *skip;    /* when set, a rule that does not run (examples) */
    unsigned char *enabled;     /* per rule, when only some run (an input's selection) */
};

/* Prepares a matcher for a compiled ruleset and a finished table, which must
 * outlive it. Returns 0 (allocation failure aborts). */
int matcher_init(struct matcher *m, const struct table *t, const struct ruleset *rs);
void matcher_free(struct matcher *m);

/* Lets only the rules with these ids run (capture rules and the message
 * matcher too only if named). Unknown ids are ignored: the caller checks. */
void matcher_select(struct matcher *m, char *const *ids, size_t n);

/* Offset of the first place in p[0..n) where some rule may match, or n. Used
 * to skip whole runs of lines that cannot match. */
size_t matcher_candidate(const struct matcher *m, const char *p, size_t n);

/* Matches one line (without its line ending). Returns out->n. */
size_t matcher_line(struct matcher *m, const char *line, size_t n, struct match_set *out);

#endif
