/*
 * What daemon.c and input.c share. Private to the daemon.
 */
#ifndef WW_DAEMON_INT_H
#define WW_DAEMON_INT_H

#include <uv.h>

#include "alerts.h"
#include "config.h"
#include "follower.h"
#include "matcher.h"
#include "outputs/output.h"
#include "rules.h"
#include "scanner.h"
#include "state.h"
#include "table.h"
#include "util/buf.h"

/* Rules and the shared matcher; replaced whole on reload. */
struct engine {
    struct table table;
    struct ruleset rules;
    struct alert_set alerts;
    struct matcher all;
};

struct daemon;

struct input {
    const struct cfg_input *cfg; /* into daemon.cfg */
    struct daemon *d;
    struct scanner sc;           /* matcher, limits, callback */
    struct matcher *own;         /* when the input selects rules */
    struct scan_stats reported;  /* counters already added to the metrics */
    void *ts_re;                 /* the configured timestamp pattern, compiled */
    struct follower *files;
    struct input_dir *dirs;      /* per path: its base directory, watched */
    size_t ndirs;                /* handles open (closing them frees the input) */
    struct trouble **trouble;    /* paths reported as unreadable or odd, by path */
    size_t ntrouble, nfailed;    /* entries, and those to retry every poll */
    struct limit_note *limits;   /* match-limit reports, per rule */
    size_t nlimits;
    int initial;                 /* first scan: start_at applies */
    int rescan_always;           /* globs need expanding every poll (no usable dir events) */
    int over_told;               /* a glob's file limit was reported */
    int keep;                    /* survives a reload */
    struct input *next;
};

struct daemon {
    uv_loop_t *loop;
    struct config cfg;
    struct engine *eng;
    struct input *inputs;
    struct output *outs;
    size_t nouts;
    struct state st;
    uv_timer_t poll, commit;
    uv_timer_t drain;            /* --once: waits for the spooling outputs to settle */
    uv_idle_t more;              /* files with more to read than one turn takes */
    uv_signal_t sigs[3];
    uv_async_t wake;             /* requests from other threads (see daemon_request_*) */
    char host[256];
    struct buf ev;               /* one event's JSON */
    struct buf text;             /* and its text for terminals */
    int want_text;               /* some output shows events as text */
    struct alert_engine alerts;
    struct follower **by_path;   /* followed files by path (not the renamed-away ones) */
    struct follower **by_id;     /* and by identity (all of them) */
    int more_pending;
    int paused;                  /* an output holds all it may: inputs are not read */
    int commit_held;             /* an output's durable flush failed: logged once */
    int state_failing;           /* saving offsets.json failed: logged once */
    int once;                    /* --once: a failed last commit is exit status 2 */
    int stopping;
    int ahead_told;              /* a line dated ahead of the clock was logged */
    uint64_t own_told;           /* own files matched by a glob, logged: bit per output
                                    (61 and above share one), 62 the log file, 63 state_dir */
    unsigned polls;              /* poll ticks so far */
    int exit_code;
};

/* input.c */
int input_start(struct daemon *d, struct input *in, const struct cfg_input *cfg,
                struct ww_err *err) WW_MUST_CHECK;
void input_scan(struct input *in);      /* glob: new files in, vanished ones out */
/* Reads what file-system events may have missed and checks for rotation;
 * with full, every file and the globs. Returns 1 if more remains to read. */
int input_poll(struct input *in, int full);
void input_stop(struct input *in);      /* drain nothing: commit happened before */
void input_set_matcher(struct input *in, struct matcher *m);
void input_record_offsets(struct input *in, struct state *st);
/* A line on which rule r hit the PCRE2 match limit: reported at once the
 * first time, then counted and summed up once a minute (and at the end). */
void input_match_limit(struct input *in, const struct line_ref *l, const struct rule *r);
#define INPUT_PATH_BUCKETS 4096

/* daemon.c */
int daemon_line_cb(void *ctx, const struct line_ref *l, const struct match_set *ms);
void daemon_flush(struct daemon *d);
void daemon_want_more(struct daemon *d);
/* 1 if path is one of the daemon's own files (an output's file, a metrics
 * file's PATH.tmp, the log file, or under state_dir), which no input reads;
 * the first time for each, a warning names it. */
int daemon_own_file(struct daemon *d, const char *path);

#endif
