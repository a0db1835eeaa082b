"""The exec output with real programs (small Python scripts): the message
JSON on stdin, the argument list exactly as configured, no shell anywhere;
a program past its timeout killed; failures logged; a full queue counted;
config errors from `check`."""
import json
import os
import re
import stat
import sys
import time
import unittest

import wwtest
from wwtest import RESET_LINE, setup_logs, Daemon, TempDir, append, daemon_config, require_run, run

RECORDER = r'''#!%(python)s
import json, os, sys, time
data = sys.stdin.buffer.read()
rec = {"argv": sys.argv, "stdin": data.decode("utf-8"), "pid": os.getpid(),
       "kind": os.environ.get("WSAWATCH_KIND"), "path_env": os.environ.get("PATH")}
with open(%(out)r, "a") as f:
    f.write(json.dumps(rec) + "\n")
time.sleep(%(sleep)s)
sys.exit(%(status)d)
'''


def script(d, name, out, sleep=0, status=0):
    path = os.path.join(d, name)
    with open(path, "w") as f:
        f.write(RECORDER % {"python": sys.executable, "out": out, "sleep": sleep,
                            "status": status})
    os.chmod(path, stat.S_IRWXU)
    return path


def records(out):
    try:
        with open(out) as f:
            return [json.loads(l) for l in f if l.strip()]
    except FileNotFoundError:
        return []


def execout(command, **keys):
    out = {"name": "page", "type": "exec", "command": command, "take": ["events"]}
    out.update(keys)
    return out


@require_run
class Exec(unittest.TestCase):

    def test_json_on_stdin_argv_exact_no_shell(self):
        with TempDir() as d:
            log = setup_logs(d)
            out = os.path.join(d, "calls.jsonl")
            prog = script(d, "page", out)
            argv = [prog, "--team", "ops on call", "$HOME", "it's \"quoted\"", "a;b"]
            cfg = daemon_config(d, [{"path": log}], [execout(argv)])
            marks = [os.path.join(d, m) for m in ("semi", "dollar", "tick", "and")]
            line = ("ERROR api user=$(rm -rf /) `touch %s` $(touch %s) \"q\" 'q' ; touch %s && "
                    "touch %s | %s" % (marks[2], marks[1], marks[0], marks[3], RESET_LINE))
            with Daemon(cfg).start() as dm:
                off = append(log, line + "\n")
                (r,) = wwtest.wait_until(lambda: records(out), 10, "one run of the program", dm)
                self.assertEqual(r["argv"], argv, "the configured argument list, as is")
                self.assertTrue(r["stdin"].endswith("\n") and r["stdin"].count("\n") == 1)
                e = json.loads(r["stdin"])
                self.assertEqual(e["message"], line)
                self.assertEqual(e["log"]["offset"], off)
                self.assertEqual(e["winsock"]["code"], 10054)
                self.assertEqual(r["kind"], "event")
                self.assertEqual(r["path_env"], os.environ.get("PATH"), "the daemon's environment")
                time.sleep(0.3)
                self.assertEqual([m for m in marks if os.path.exists(m)], [],
                                 "something ran the log line through a shell")
                self.assertEqual(dm.stop(), 0, dm.describe())
            self.assertEqual(len(records(out)), 1)

    def test_alert_has_kind_alert(self):
        with TempDir() as d:
            log = setup_logs(d)
            out = os.path.join(d, "calls.jsonl")
            prog = script(d, "page", out)
            cfg = daemon_config(d, [{"path": log}],
                                [execout([prog, "alert"], take=["alerts"])],
                                alerts=[{"id": "resets", "codes": ["WSAECONNRESET"],
                                         "threshold": 2, "window": "60s", "outputs": ["page"]}])
            with Daemon(cfg).start() as dm:
                append(log, "ERROR a %s\nERROR b %s\n" % (RESET_LINE, RESET_LINE))
                recs = wwtest.wait_until(lambda: records(out), 10, "the alert's program run", dm)
                r = recs[0]
                self.assertEqual(r["kind"], "alert")
                a = json.loads(r["stdin"])
                self.assertEqual(a["event"]["kind"], "alert")
                self.assertEqual(a["alert"]["id"], "resets")
                self.assertEqual(dm.stop(), 0, dm.describe())

    def test_program_that_does_not_read_stdin(self):
        """A message bigger than a pipe holds, to a program that exits without
        reading it: the write fails (EPIPE), the daemon lives on (SIGPIPE is
        ignored) and the next message runs the program again."""
        with TempDir() as d:
            log = setup_logs(d)
            out = os.path.join(d, "calls.jsonl")
            prog = script(d, "page", out)
            cfg = daemon_config(d, [{"path": log, "max_line_bytes": "1MiB"}], [
                execout([sys.executable, "-c", "pass"], name="deaf"),
                execout([prog], name="page")])
            with Daemon(cfg).start() as dm:
                append(log, "ERROR big %s %s\n" % (RESET_LINE, "x" * 300000))
                wwtest.wait_until(lambda: records(out), 10, "the big message passed on", dm)
                time.sleep(0.5)
                self.assertTrue(dm.alive(), dm.describe())
                append(log, "ERROR next %s\n" % RESET_LINE)
                wwtest.wait_until(lambda: len(records(out)) == 2, 10, "the next one", dm)
                self.assertEqual(dm.stop(), 0, dm.describe())

    def test_timeout_kills_and_logs(self):
        with TempDir() as d:
            log = setup_logs(d)
            out = os.path.join(d, "calls.jsonl")
            prog = script(d, "slow", out, sleep=30)
            ms = int(wwtest.scaled(500))  # long enough for Python to start and record itself
            cfg = daemon_config(d, [{"path": log}], [execout([prog], timeout="%dms" % ms)])
            with Daemon(cfg).start() as dm:
                append(log, "ERROR slow " + RESET_LINE + "\n")
                (r,) = wwtest.wait_until(lambda: records(out), 10, "the program started", dm)
                dm.wait_stderr(r"output 'page': .*slow: killed after the %dms timeout" % ms, 5)
                wwtest.wait_until(lambda: not os.path.exists("/proc/%d" % r["pid"]), 5,
                                  "the program gone", dm)
                self.assertEqual(dm.stop(), 0, dm.describe())

    def test_exit_status_logged_once_per_change(self):
        with TempDir() as d:
            log = setup_logs(d)
            out = os.path.join(d, "calls.jsonl")
            prog = script(d, "fails", out, status=3)
            cfg = daemon_config(d, [{"path": log}], [execout([prog], retries=0)])
            with Daemon(cfg).start() as dm:
                append(log, "".join("ERROR n%d %s\n" % (i, RESET_LINE) for i in range(3)))
                wwtest.wait_until(lambda: len(records(out)) == 3, 10, "three runs", dm)
                dm.wait_stderr(r"output 'page': .*fails: exit status 3", 5)
                time.sleep(0.3)
                self.assertEqual(len(re.findall(r"exit status 3", dm.stderr_text())), 1,
                                 dm.stderr_text())
                self.assertEqual(dm.stop(), 0, dm.describe())

    def test_small_queue_drops_nothing_the_spool_holds_the_rest(self):
        with TempDir() as d:
            log = setup_logs(d)
            out = os.path.join(d, "calls.jsonl")
            prog = script(d, "busy", out, sleep=0.3)
            cfg = daemon_config(d, [{"path": log}],
                                [execout([prog], max_running=1, queue=2)])
            with Daemon(cfg).start() as dm:
                append(log, "".join("ERROR n%d %s\n" % (i, RESET_LINE) for i in range(6)))
                got = wwtest.wait_until(lambda: len(records(out)) == 6 and records(out), 10,
                                        "six runs", dm)
                msgs = [json.loads(r["stdin"])["message"].split()[1] for r in got]
                self.assertEqual(msgs, ["n%d" % i for i in range(6)], "all ran, in order")
                self.assertEqual(dm.stop(), 0, dm.describe())
                self.assertNotIn("dropping", dm.stderr_text())

    def test_check_rejects_bad_commands(self):
        with TempDir() as d:
            notexec = os.path.join(d, "notexec")
            with open(notexec, "w") as f:
                f.write("#!/bin/sh\n")
            bad = {"missing": [os.path.join(d, "no-such-program"), "x"],
                   "relative": ["page", "--team", "ops"],
                   "notexec": [notexec],
                   "dir": [d]}
            outs = [execout(c, name=n) for n, c in bad.items()]
            outs.append({"name": "empty", "type": "exec", "command": [], "take": ["events"]})
            outs.append(execout([sys.executable], name="nums", max_running=0, timeout="x"))
            cfg = daemon_config(d, [{"path": os.path.join(d, "*.log")}], outs)
            rc, _, err = run("check", "--config", cfg, timeout=60)
            self.assertEqual(rc, 2, err)
            with open(cfg) as f:
                lines = f.read().splitlines()
            for n, c in bad.items():
                ln = next(i for i, l in enumerate(lines, 1) if "command" in l and c[0] in l
                          and lines[i - 3].endswith(n))
                self.assertRegex(err, r"%s:%d:\d+: .*'command': %s" % (re.escape(cfg), ln,
                                                                       re.escape(c[0])))
            self.assertIn("must name a program", err)
            self.assertIn("'max_running'", err)
            self.assertIn("'timeout'", err)
            good = daemon_config(d, [{"path": os.path.join(d, "*.log")}],
                                 [execout([sys.executable, "-c", "pass"])], name="good.yaml")
            rc, _, err = run("check", "--config", good, timeout=60)
            self.assertEqual(rc, 0, err)


if __name__ == "__main__":
    wwtest.main()
