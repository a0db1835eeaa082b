/*
 * The daemon: follows the configured inputs, turns their lines into events,
 * hands them to the outputs and commits offsets once the outputs took them.
 * SIGTERM/SIGINT stop it cleanly, SIGHUP reloads the configuration.
 */
#ifndef WW_DAEMON_H
#define WW_DAEMON_H

enum {
    DAEMON_ONCE = 1,       /* read every input to its end, then stop */
    DAEMON_ALLOW_ROOT = 2, /* run as root even though the logs do not need it */
};

/* Runs until stopped; with DAEMON_ONCE, reads every input to its end, sends what
 * that gives (events, alerts, backlog summaries), commits and returns.
 * config_path NULL: the built-in default. Returns the process exit status (0
 * after a clean stop, 2 when it could not start). */
int daemon_run(const char *config_path, unsigned flags);

/* Ask a running daemon to stop or to reload its configuration. Safe from any
 * thread (a service control handler, a signal handler): the request is
 * carried out in the loop. No-ops when no daemon runs. */
void daemon_request_stop(void);
void daemon_request_reload(void);

#endif
