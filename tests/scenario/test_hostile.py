"""Hostile input for the daemon (`wsawatch run`): patterns that backtrack
catastrophically, a 100 MB line without a newline, a followed file replaced by
a directory or a FIFO, symbolic-link loops under `**`, permissions revoked
while a file is followed, a glob that matches 50 000 files, and control
characters, ANSI escapes and bidi overrides in lines and file names.

Each test asserts the daemon's exact behaviour: what it logs (once), the
metrics it counts, that the other files and lines still give their events,
that nothing after the hostile part is lost, and that its memory stays
bounded. Deadlines are generous: counts are asserted, never speed.
"""
import json
import os
import random
import re
import shutil
import subprocess
import time
import unittest

import wwtest
from wwtest import RESET_LINE, Daemon, TempDir, append, daemon_config, require_run

POLL = 0.2
NOBODY = 65534


def settle(n=3):
    time.sleep(n * POLL + 0.2)


def mkdirs(*parts):
    p = os.path.join(*parts)
    os.makedirs(p, exist_ok=True)
    return p


_asan = None


def asan():
    """True when the binary is built with AddressSanitizer (its quarantine
    holds freed memory, so RSS bounds are looser there)."""
    global _asan
    if _asan is None:
        with open(getattr(wwtest, "REAL_BINARY", None) or wwtest.BINARY, "rb") as f:
            _asan = b"__asan_init" in f.read()
    return _asan


def memcheck():
    """True under the valgrind wrapper (memory figures and times change)."""
    return getattr(wwtest, "MEMCHECK", False)


def proc_kib(pid, key):
    """VmRSS, VmHWM, ... of a process, in KiB."""
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    raise AssertionError("no %s in /proc/%d/status" % (key, pid))


def open_fds(pid):
    return len(os.listdir("/proc/%d/fd" % pid))


def held_files(pid):
    """The paths a process has open."""
    out = set()
    for fd in os.listdir("/proc/%d/fd" % pid):
        try:
            out.add(os.readlink("/proc/%d/fd/%s" % (pid, fd)))
        except OSError:
            pass
    return out


read_metrics = wwtest.prometheus_file


def metrics_output(d):
    path = os.path.join(d, "wsawatch.prom")
    return path, {"name": "metrics", "type": "metrics", "path": path, "interval": "200ms"}


def stdout_output():
    return {"name": "events", "type": "stdout", "take": ["events", "alerts"]}


def wait_metric(dm, path, series, value, timeout=30):
    """Waits until the textfile shows series == value; returns the metrics."""
    return wwtest.wait_until(lambda: read_metrics(path).get(series) == value and read_metrics(path),
                             timeout, "%s == %s in %s (now %s)" % (
                                 series, value, path, read_metrics(path).get(series)), dm)


def lines_like(dm, regex):
    r = re.compile(regex)
    with dm.cond:
        return [l for l in dm.err if r.search(l)]


def warnings(dm):
    """The daemon's warnings, but the one about running as root (the tests
    run as root in CI)."""
    return [l for l in lines_like(dm, r"warning") if "running as root" not in l]


class Wrapped(Daemon):
    """A daemon started through a command prefix (setpriv, prlimit)."""

    def __init__(self, config, prefix, tmp, **kw):
        super().__init__(config, **kw)
        self.prefix = prefix
        self.tmp = tmp

    def start(self, ready=True, timeout=20):
        script = os.path.join(self.tmp, "wsawatch-wrapped")
        with open(script, "w") as f:
            f.write("#!/bin/sh\nexec %s %s \"$@\"\n" % (" ".join(self.prefix), wwtest.BINARY))
        os.chmod(script, 0o755)
        real, wwtest.BINARY = wwtest.BINARY, script
        try:
            return super().start(ready, timeout)
        finally:
            wwtest.BINARY = real

    def daemon_pid(self):
        """The wsawatch process (the wrapper execs into it)."""
        return self.proc.pid


def as_nobody(path_list):
    """Makes each path owned by nobody, so that a daemon running as nobody
    can write it."""
    for p in path_list:
        os.chown(p, NOBODY, NOBODY)


def can_drop_privileges():
    if os.geteuid() != 0:
        return "the test must start as root to run the daemon as an unprivileged user"
    if shutil.which("setpriv") is None:
        return "setpriv (util-linux) is not installed"
    p = subprocess.run(["setpriv", "--reuid=%d" % NOBODY, "--regid=%d" % NOBODY,
                        "--clear-groups", wwtest.BINARY, "--version"], capture_output=True)
    if p.returncode != 0:
        return "the binary cannot run as uid %d: %s" % (NOBODY, p.stderr.decode()[:200])
    return None


# ---------------------------------------------------------------------------


EVIL_RULE = ("rules:\n"
             "  - id: evil-backtrack\n"
             "    literals: [EVIL]\n"
             "    pattern: 'EVIL(?<code>\\d{5}):(?:x+x+)+;'\n")


def evil_line(tag):
    # (?:x+x+)+ before a ';' that cannot follow: exponential backtracking,
    # cut by the PCRE2 match limit. The same line holds a [WinError 10061]
    # that the built-in python-winerror rule finds.
    return "%s EVIL10054:%s! [WinError 10061] refused; done\n" % (tag, "x" * 40)


@require_run
class ReDoS(unittest.TestCase):
    def test_match_limit_reported_once_other_rules_and_lines_go_on(self):
        with TempDir() as d:
            logs, rules = mkdirs(d, "logs"), mkdirs(d, "rules.d")
            with open(os.path.join(rules, "evil.yaml"), "w") as f:
                f.write(EVIL_RULE)
            evil, plain = os.path.join(logs, "evil.log"), os.path.join(logs, "plain.log")
            append(evil, "")
            append(plain, "")
            prom, mout = metrics_output(d)
            cfg = daemon_config(d, [{"path": os.path.join(logs, "*.log")}], rules=[rules],
                                outputs=[stdout_output(), mout])
            with Daemon(cfg).start() as dm:
                first = append(evil, "".join(evil_line("EV-%d" % i) for i in range(150)))
                # ordinary lines after it, in the same file and another one
                ordinary = []
                for i in range(20000):
                    ordinary.append("ORD-%d %s\n" % (i, RESET_LINE) if i % 100 == 0
                                    else "INFO request %d served in 12 ms\n" % i)
                append(evil, "".join(ordinary))
                append(plain, "".join(ordinary))
                dm.wait_message("EV-", 150, timeout=60)
                dm.wait_message("ORD-", 400, timeout=60)
                wait_metric(dm, prom, "wsawatch_lines_read_total", 150 + 2 * 20000, timeout=60)
                settle()
                m = wait_metric(dm, prom, "wsawatch_lines_match_limit_total", 150)
                # the other rule gave its event for every one of those lines
                ev = dm.matching(lambda e: e["message"].startswith("EV-"))
                self.assertEqual(sorted(int(e["message"].split()[0][3:]) for e in ev), list(range(150)))
                self.assertEqual({(e["winsock"]["code"], e["rule"]["id"]) for e in ev},
                                 {(10061, "python-winerror")})
                self.assertEqual(len(dm.matching(lambda e: e["message"].startswith("ORD-"))), 400)
                self.assertEqual(m.get("wsawatch_lines_read_total"), 40150)
                # reported once, naming the rule and the first line; the rest
                # counted (metric) and summed up later
                reports = lines_like(dm, r"evil-backtrack")
                self.assertEqual(reports, [
                    "wsawatch: warning: %s@%d: rule 'evil-backtrack' hit the PCRE2 match limit; "
                    "line skipped for that rule (further hits of the rule are counted and "
                    "reported once a minute)" % (evil, first)], dm.describe())
                last = first + sum(len(evil_line("EV-%d" % i)) for i in range(149))
                self.assertEqual(dm.stop(), 0, dm.describe())
                self.assertEqual(lines_like(dm, r"evil-backtrack")[1:], [
                    "wsawatch: warning: rule 'evil-backtrack' hit the PCRE2 match limit on 149 "
                    "more lines (the last at %s@%d)" % (evil, last)], dm.describe())


# ---------------------------------------------------------------------------


def long_line_report(path, off, limit=65536):
    return ("wsawatch: warning: %s@%d: line longer than max_line_bytes (%d): matched in its "
            "first %d bytes, the rest skipped (further long lines of the file are counted and "
            "reported once a minute)" % (path, off, limit, limit))


@require_run
class LongLines(unittest.TestCase):
    def test_100mb_line_without_newline(self):
        with TempDir() as d:
            logs = mkdirs(d, "logs")
            f, other = os.path.join(logs, "huge.log"), os.path.join(logs, "other.log")
            append(f, "")
            append(other, "")
            prom, mout = metrics_output(d)
            cfg = daemon_config(d, [{"path": os.path.join(logs, "*.log")}],
                                outputs=[stdout_output(), mout])
            with Daemon(cfg).start() as dm:
                pid = dm.proc.pid
                append(other, "WARM " + RESET_LINE + "\n")
                dm.wait_message("WARM")
                base = proc_kib(pid, "VmRSS")
                off = append(f, "BIG-1 [WinError 10054] reset; then 100 MB of nothing: ")
                # 100 MB without a newline, in 1 MB writes (NUL bytes, as a
                # crashed writer leaves them; sparse on disk)
                with open(f, "r+b") as fh:
                    end = fh.seek(0, os.SEEK_END)
                    for i in range(1, 101):
                        fh.truncate(end + (i << 20))
                        fh.flush()
                        if i % 10 == 0:  # meanwhile, the other file goes on
                            append(other, "MID-%d %s\n" % (i, RESET_LINE))
                            time.sleep(0.05)
                dm.wait_message("MID-100", timeout=60)
                self.assertTrue(dm.alive(), dm.describe())
                after = [append(f, "\nAFTER-0 WSAETIMEDOUT\n")]
                after += [append(f, "AFTER-%d [WinError 10061]\n" % i) for i in range(1, 5)]
                dm.wait_message("AFTER-4", timeout=60)
                m = wait_metric(dm, prom, "wsawatch_lines_truncated_total", 1)
                settle()
                peak = proc_kib(pid, "VmHWM")
                # one event for the line, from its first part, flagged truncated
                (big,) = dm.matching(lambda e: e["message"].startswith("BIG-1"))
                self.assertEqual((big["log"]["offset"], big["winsock"]["code"], big["log"].get("truncated")),
                                 (off, 10054, True))
                self.assertEqual(len(big["message"]), 65536, "the first max_line_bytes of the line")
                # the lines after it: every one, at its offset (AFTER-0 starts
                # after the newline that ends the long line)
                got = sorted((e["log"]["offset"], e["message"].split()[0])
                             for e in dm.matching(lambda e: e["message"].startswith("AFTER-")))
                self.assertEqual(got, [(after[0] + 1, "AFTER-0")] +
                                 [(after[i], "AFTER-%d" % i) for i in range(1, 5)])
                self.assertEqual(len(dm.matching(lambda e: e["message"].startswith("MID-"))), 10)
                # reported once: where the line starts and what was done
                self.assertEqual(lines_like(dm, r"max_line_bytes"), [long_line_report(f, off)],
                                 dm.describe())
                self.assertEqual(m.get("wsawatch_lines_truncated_total"), 1)
                # memory: bounded by max_line_bytes and the read buffers, not
                # by the line
                limit = 250 << 10 if asan() else 40 << 10
                if not memcheck():
                    self.assertLess(peak - base, limit, "RSS grew by %d KiB reading a 100 MB "
                                    "line (from %d KiB)" % (peak - base, base))
                print("\n  100 MB line: RSS %d KiB before, peak %d KiB" % (base, peak))
                self.assertEqual(dm.stop(), 0, dm.describe())

    def test_10mb_lines_error_at_start_and_at_end(self):
        with TempDir() as d:
            a, b = mkdirs(d, "a"), mkdirs(d, "b")
            fa, fb = os.path.join(a, "x.log"), os.path.join(b, "x.log")
            append(fa, "")
            append(fb, "")
            cfg = daemon_config(d, [{"path": os.path.join(a, "*.log"), "tags": ["default"]},
                                    {"path": os.path.join(b, "*.log"), "tags": ["big"],
                                     "max_line_bytes": "16MiB"}])
            with Daemon(cfg).start() as dm:
                pid = dm.proc.pid
                base = proc_kib(pid, "VmRSS")
                filler = b"abcdefgh" * (10 << 17)  # 10 MiB
                start = b"START-1 [WinError 10054] " + filler + b"\n"
                end = filler + b" END-1 WSAETIMEDOUT\n"
                tail = b"TAIL-1 [WinError 10061]\n"
                offs = {}
                for f in (fa, fb):
                    o1 = append(f, start)
                    o2 = append(f, end)
                    o3 = append(f, tail)
                    offs[f] = (o1, o2, o3)
                dm.wait_events(lambda e: "TAIL-1" in e["message"], 2, timeout=60)
                dm.wait_events(lambda e: "END-1" in e["message"], 1, timeout=60)
                settle()
                got = sorted((e["tags"][0], e["log"]["offset"], e["winsock"]["code"],
                              bool(e["log"].get("truncated")), len(e["message"])) for e in dm.events)
                o1, o2, o3 = offs[fa]
                p1, p2, p3 = offs[fb]
                self.assertEqual(got, sorted([
                    # 64 KiB: the error at the start is found, flagged; the one
                    # at the end is beyond what is matched
                    ("default", o1, 10054, True, 65536),
                    ("default", o3, 10061, False, len(tail) - 1),
                    # 16 MiB: both found, whole lines
                    ("big", p1, 10054, False, len(start) - 1),
                    ("big", p2, 10060, False, len(end) - 1),
                    ("big", p3, 10061, False, len(tail) - 1)]), dm.describe(events=2))
                self.assertEqual(lines_like(dm, r"max_line_bytes"), [long_line_report(fa, o1)])
                peak = proc_kib(pid, "VmHWM")
                # 16 MiB lines are held whole; a few times that, no more
                limit = 400 << 10 if asan() else 120 << 10
                if not memcheck():
                    self.assertLess(peak - base, limit, "RSS grew by %d KiB" % (peak - base))
                print("\n  10 MB lines (max_line_bytes 16MiB): RSS %d KiB before, peak %d KiB"
                      % (base, peak))
                self.assertEqual(dm.stop(), 0, dm.describe())
                self.assertEqual(lines_like(dm, r"max_line_bytes")[1:], [
                    "wsawatch: warning: %s: 1 more line longer than max_line_bytes "
                    "(the last at @%d)" % (fa, o2)])

    def test_event_of_a_line_larger_than_an_event_is_cut_not_lost(self):
        """max_line_bytes allows 256 MiB, an event at most 16 MiB: a 20 MiB
        line matched whole gives its event with the message cut to 2 MiB and
        flagged truncated."""
        with TempDir() as d:
            f = os.path.join(d, "x.log")
            append(f, "")
            cfg = daemon_config(d, [{"path": f, "max_line_bytes": "64MiB"}])
            with Daemon(cfg).start() as dm:
                line = b"HUGE [WinError 10054] " + b"\x01" * (20 << 20) + b"\n"
                off = append(f, line)
                append(f, "AFTER [WinError 10061]\n")
                dm.wait_events(lambda e: "AFTER" in e["message"], 1, timeout=60)
                huge = [e for e in dm.events if e["log"]["offset"] == off]
                self.assertEqual(len(huge), 1, dm.describe(events=2))
                self.assertEqual(huge[0]["winsock"]["code"], 10054)
                self.assertTrue(huge[0]["log"]["truncated"])
                self.assertEqual(len(huge[0]["message"]), 2 << 20)
                self.assertFalse([m for m in dm.err if "not sent" in m], dm.err)
                self.assertEqual(dm.stop(), 0, dm.describe())


# ---------------------------------------------------------------------------


@require_run
class ReplacedFiles(unittest.TestCase):
    def replace_and_back(self, make_odd, kind):
        with TempDir() as d:
            logs = mkdirs(d, "logs")
            f, other = os.path.join(logs, "app.log"), os.path.join(logs, "other.log")
            append(f, "")
            append(other, "")
            cfg = daemon_config(d, [{"path": os.path.join(logs, "*.log")}])
            with Daemon(cfg).start() as dm:
                append(f, "ONE " + RESET_LINE + "\n")
                dm.wait_message("ONE")
                os.unlink(f)
                make_odd(f)
                dm.wait_stderr(r"%s: replaced by a %s" % (re.escape(f), kind), timeout=10)
                # the loop is not blocked; the other file goes on
                for i in range(3):
                    append(other, "OTHER-%d %s\n" % (i, RESET_LINE))
                    dm.wait_message("OTHER-%d" % i)
                    settle(2)  # several polls and rescans: reported once
                self.assertEqual(lines_like(dm, re.escape(f)), [
                    "%s: deleted; read to its end" % ("wsawatch: " + f),
                    "wsawatch: warning: %s: replaced by a %s; not read until a regular file is "
                    "there again" % (f, kind)], dm.describe())
                # back to a regular file: read from its start
                if kind == "directory":
                    os.rmdir(f)
                else:
                    os.unlink(f)
                with open(f + ".tmp", "w") as fh:
                    fh.write("BACK-1 [WinError 10061]\n")
                os.rename(f + ".tmp", f)
                (e,) = dm.wait_message("BACK-1")
                self.assertEqual((e["log"]["file"]["path"], e["log"]["offset"]), (f, 0))
                dm.wait_stderr(r"%s: a regular file again; reading it from its start" % re.escape(f))
                off = append(f, "BACK-2 WSAETIMEDOUT\n")
                (e,) = dm.wait_message("BACK-2")
                self.assertEqual(e["log"]["offset"], off)
                self.assertEqual(len(dm.matching(lambda e: e["message"].startswith("ONE"))), 1)
                self.assertEqual(dm.stop(), 0, dm.describe())

    def test_file_replaced_by_directory_and_back(self):
        self.replace_and_back(os.mkdir, "directory")

    def test_file_replaced_by_fifo_and_back(self):
        self.replace_and_back(os.mkfifo, "FIFO")

    def test_fifo_renamed_over_followed_file_with_writer(self):
        """A FIFO renamed over the followed file, with a writer holding it open:
        never opened (it would block, or read the writer's data as a log)."""
        with TempDir() as d:
            logs = mkdirs(d, "logs")
            f = os.path.join(logs, "app.log")
            append(f, "")
            cfg = daemon_config(d, [{"path": os.path.join(logs, "*.log")}])
            with Daemon(cfg).start() as dm:
                append(f, "ONE " + RESET_LINE + "\n")
                dm.wait_message("ONE")
                tmp = os.path.join(d, "fifo")
                os.mkfifo(tmp)
                rfd = os.open(tmp, os.O_RDONLY | os.O_NONBLOCK)  # so that the writer opens
                wfd = os.open(tmp, os.O_WRONLY | os.O_NONBLOCK)
                try:
                    os.rename(tmp, f)
                    os.write(wfd, ("PIPED " + RESET_LINE + "\n").encode())
                    dm.wait_stderr(r"%s: replaced by a FIFO" % re.escape(f))
                    settle()
                    self.assertEqual(dm.matching(lambda e: "PIPED" in e["message"]), [])
                    self.assertEqual(dm.stop(), 0, dm.describe())
                finally:
                    os.close(wfd)
                    os.close(rfd)

    def test_fifo_matching_glob_at_start_and_later(self):
        with TempDir() as d:
            logs = mkdirs(d, "logs")
            os.mkfifo(os.path.join(logs, "pipe.log"))
            good = os.path.join(logs, "good.log")
            append(good, "")
            cfg = daemon_config(d, [{"path": os.path.join(logs, "*.log")}])
            with Daemon(cfg).start(timeout=10) as dm:
                os.mkfifo(os.path.join(logs, "pipe2.log"))
                append(good, "GOOD-1 " + RESET_LINE + "\n")
                dm.wait_message("GOOD-1")
                dm.wait_stderr("pipe2.log")
                settle(3)
                self.assertEqual(sorted(lines_like(dm, r"pipe")), sorted(
                    "wsawatch: warning: %s: a FIFO, not a regular file; not read" % os.path.join(logs, p)
                    for p in ("pipe.log", "pipe2.log")), dm.describe())
                self.assertEqual(dm.stop(), 0, dm.describe())


# ---------------------------------------------------------------------------


@require_run
class SymlinkLoops(unittest.TestCase):
    def test_loops_under_globstar(self):
        with TempDir() as d:
            logs = mkdirs(d, "logs")
            deep = mkdirs(logs, "a", "b", "c")
            files = [os.path.join(logs, "top.log"), os.path.join(logs, "a", "one.log"),
                     os.path.join(deep, "deep.log")]
            for f in files:
                append(f, "")
            os.symlink("..", os.path.join(deep, "up"))                  # to the parent
            os.symlink(logs, os.path.join(deep, "root"))                # to the top
            os.symlink("loop2", os.path.join(logs, "loop1"))            # a loop of two links
            os.symlink("loop1", os.path.join(logs, "loop2"))
            os.symlink("self.log", os.path.join(logs, "self.log"))      # to itself
            os.symlink(files[2], os.path.join(logs, "alias.log"))       # a second name
            cfg = daemon_config(d, [{"path": os.path.join(logs, "**", "*.log")}])
            with Daemon(cfg).start(timeout=20) as dm:
                for i, f in enumerate(files):
                    append(f, "REAL-%d %s\n" % (i, RESET_LINE))
                dm.wait_message("REAL-", 3)
                settle(5)  # several rescans of the glob
                got = sorted(e["message"].split()[0] for e in dm.events)
                self.assertEqual(got, ["REAL-0", "REAL-1", "REAL-2"], dm.describe())
                (e,) = dm.matching(lambda e: e["message"].startswith("REAL-2"))
                self.assertEqual(e["log"]["file"]["path"], files[2],
                                 "the file is followed under its own name, not a link's")
                # a file created later, deep below, is found once
                late = os.path.join(mkdirs(deep, "d"), "late.log")
                append(late, "LATE-1 WSAETIMEDOUT\n")
                dm.wait_message("LATE-1", timeout=10)
                settle(3)
                self.assertEqual(len(dm.matching(lambda e: e["message"].startswith("LATE-1"))), 1)
                self.assertEqual(warnings(dm), [], dm.describe())
                self.assertEqual(dm.stop(), 0, dm.describe())


# ---------------------------------------------------------------------------


@require_run
class Permissions(unittest.TestCase):
    def setUp(self):
        why = can_drop_privileges()
        if why:
            self.skipTest(why)

    def nobody_dirs(self, d):
        logs, state = mkdirs(d, "logs"), mkdirs(d, "state")
        as_nobody([d, logs, state])
        return logs

    def nobody_logs(self, d):
        """nobody_dirs with two empty world-readable logs: (dir, a.log, b.log)."""
        logs = self.nobody_dirs(d)
        f, other = os.path.join(logs, "a.log"), os.path.join(logs, "b.log")
        for p in (f, other):
            append(p, "")
            os.chmod(p, 0o644)
        return logs, f, other

    def nobody(self, d, cfg):
        return Wrapped(cfg, ["setpriv", "--reuid=%d" % NOBODY, "--regid=%d" % NOBODY,
                             "--clear-groups"], d)

    def test_open_file_revoked_keeps_being_read(self):
        """chmod 000 on a file the daemon has open: the open descriptor stays
        good (as for tail -f); nothing is reported, nothing lost."""
        with TempDir() as d:
            logs = self.nobody_dirs(d)
            f = os.path.join(logs, "a.log")
            append(f, "")
            os.chmod(f, 0o644)
            cfg = daemon_config(d, [{"path": os.path.join(logs, "*.log")}])
            with self.nobody(d, cfg).start() as dm:
                append(f, "P-1 " + RESET_LINE + "\n")
                dm.wait_message("P-1")
                os.chmod(f, 0)
                os.chmod(logs, 0o711)  # cannot list either
                off = append(f, "P-2 " + RESET_LINE + "\n")
                (e,) = dm.wait_message("P-2")
                self.assertEqual(e["log"]["offset"], off)
                settle()
                self.assertEqual(warnings(dm), [])
                self.assertEqual(dm.stop(), 0, dm.describe())

    def test_rotated_to_unreadable_file(self):
        """logrotate `create 0600 root root` for an unprivileged daemon: the new
        file is reported once with its reason, retried, and read from its start
        when it becomes readable; the other files keep going."""
        with TempDir() as d:
            logs, f, other = self.nobody_logs(d)
            cfg = daemon_config(d, [{"path": os.path.join(logs, "*.log"), "rotate_wait": "1s"}])
            with self.nobody(d, cfg).start() as dm:
                append(f, "R-1 " + RESET_LINE + "\n")
                dm.wait_message("R-1")
                os.rename(f, f + ".1")
                fd = os.open(f, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                os.write(fd, ("R-2 " + RESET_LINE + "\n").encode())
                dm.wait_stderr(r"%s: permission denied" % re.escape(f))
                self.others_flow_denied_once(
                    dm, f, other, lambda i: os.write(fd, ("R-3-%d %s\n" % (i, RESET_LINE)).encode()))
                self.assertEqual(dm.matching(lambda e: e["message"].startswith("R-2")), [])
                os.chmod(f, 0o644)
                dm.wait_message("R-3-2", timeout=10)
                dm.wait_stderr(r"%s: readable again" % re.escape(f))
                got = [e["message"].split()[0] for e in dm.matching(lambda e: e["message"].startswith("R-"))]
                self.assertEqual(got, ["R-1", "R-2", "R-3-0", "R-3-1", "R-3-2"])
                os.close(fd)
                self.assertEqual(dm.stop(), 0, dm.describe())

    def others_flow_denied_once(self, dm, f, other, also=lambda i: None):
        """Over three polls while f is denied (also(i) writes more to it), the
        other file's lines keep coming and f's denial is reported once."""
        for i in range(3):
            also(i)
            append(other, "B-%d %s\n" % (i, RESET_LINE))
            dm.wait_message("B-%d" % i)
            settle(2)
        self.assertEqual(lines_like(dm, r"denied"), [
            "wsawatch: warning: %s: permission denied (will retry)" % f], dm.describe())

    def test_revoked_while_closed_resumes_where_it_left_off(self):
        """Permissions revoked while the daemon does not hold the file open (a
        restart here; the same happens to files beyond the open-file limit):
        reported once, retried every poll, and read on from the saved offset
        when they come back; no line lost or repeated."""
        with TempDir() as d:
            logs, f, other = self.nobody_logs(d)
            cfg = daemon_config(d, [{"path": os.path.join(logs, "*.log")}])
            with self.nobody(d, cfg).start() as dm:
                append(f, "S-1 " + RESET_LINE + "\n")
                dm.wait_message("S-1")
                self.assertEqual(dm.stop(), 0, dm.describe())
            os.chmod(f, 0)
            offs = [append(f, "S-%d %s\n" % (i, RESET_LINE)) for i in range(2, 5)]
            with self.nobody(d, cfg).start() as dm:
                dm.wait_stderr(r"%s: permission denied" % re.escape(f))
                self.others_flow_denied_once(dm, f, other)
                offs.append(append(f, "S-5 " + RESET_LINE + "\n"))
                os.chmod(f, 0o644)
                dm.wait_message("S-5", timeout=10)
                dm.wait_stderr(r"%s: readable again" % re.escape(f))
                got = [(e["message"].split()[0], e["log"]["offset"])
                       for e in dm.matching(lambda e: e["message"].startswith("S-"))]
                self.assertEqual(got, [("S-%d" % (i + 2), o) for i, o in enumerate(offs)])
                self.assertEqual(dm.stop(), 0, dm.describe())

    def test_revoked_beyond_open_file_limit(self):
        """With more files than the open-file limit, a file is opened only to
        read what is new: a revoked one is reported once and resumes at its
        offset when readable again; the others keep giving events."""
        if shutil.which("prlimit") is None:
            self.skipTest("prlimit (util-linux) is not installed")
        with TempDir() as d:
            logs = self.nobody_dirs(d)
            files = [os.path.join(logs, "f%03d.log" % i) for i in range(120)]
            for p in files:
                append(p, "")
                os.chmod(p, 0o644)
            cfg = daemon_config(d, [{"path": os.path.join(logs, "*.log")}])
            prefix = ["prlimit", "--nofile=64:64", "setpriv", "--reuid=%d" % NOBODY,
                      "--regid=%d" % NOBODY, "--clear-groups"]
            with Wrapped(cfg, prefix, d).start() as dm:
                dm.wait_stderr(r"open-file limit")
                victim = files[-1]
                append(victim, "V-1 " + RESET_LINE + "\n")
                dm.wait_message("V-1")
                # the event may be out while the daemon still reads on
                wwtest.wait_until(lambda: victim not in held_files(dm.daemon_pid()), 10,
                                  "%s closed after the read" % victim, dm)
                os.chmod(victim, 0)
                offs = [append(victim, "V-%d %s\n" % (i, RESET_LINE)) for i in range(2, 4)]
                dm.wait_stderr(r"%s: permission denied" % re.escape(victim))
                for i in range(3):
                    p = files[i * 7]
                    append(p, "O-%d %s\n" % (i, RESET_LINE))
                    dm.wait_message("O-%d" % i)
                    offs.append(append(victim, "V-%d %s\n" % (i + 4, RESET_LINE)))
                    settle(2)
                self.assertEqual(lines_like(dm, r"denied"), [
                    "wsawatch: warning: %s: permission denied (will retry)" % victim], dm.describe())
                os.chmod(victim, 0o644)
                dm.wait_message("V-6", timeout=10)
                got = [(e["message"].split()[0], e["log"]["offset"])
                       for e in dm.matching(lambda e: e["message"].startswith("V-"))]
                self.assertEqual([g[0] for g in got], ["V-%d" % i for i in range(1, 7)])
                self.assertEqual([g[1] for g in got[1:]], offs)
                self.assertLessEqual(open_fds(dm.daemon_pid()), 64)
                self.assertEqual(dm.stop(), 0, dm.describe())


# ---------------------------------------------------------------------------


@require_run
class ManyFiles(unittest.TestCase):
    N = 50000

    def test_glob_matching_50000_files(self):
        if memcheck():
            self.skipTest("under valgrind memcheck: 50 000 files take too long there")
        if shutil.which("prlimit") is None:
            self.skipTest("prlimit (util-linux) is not installed")
        with TempDir() as d:
            logs = mkdirs(d, "logs")
            # a little content in each: start_at end, so none of it is read
            for i in range(self.N):
                with open(os.path.join(logs, "f%05d.log" % i), "w") as fh:
                    fh.write("INFO started %d\n" % i)
            prom, mout = metrics_output(d)
            cfg = daemon_config(d, [{"path": os.path.join(logs, "*.log")}],
                                outputs=[stdout_output(), mout], commit_interval="5s",
                                poll_interval="1s")
            # the usual soft limit of a service: far fewer than the files
            with Wrapped(cfg, ["prlimit", "--nofile=1024:1024"], d) as dm:
                t0 = time.monotonic()
                dm.start(timeout=120)
                startup = time.monotonic() - t0
                pid = dm.daemon_pid()
                ready = [l for l in dm.err if wwtest.READY_RE.search(l)]
                self.assertIn("1 inputs, %d files" % self.N, ready[0])
                m = wait_metric(dm, prom, "wsawatch_files_followed", self.N, timeout=60)
                rss = proc_kib(pid, "VmRSS")
                fds = open_fds(pid)
                self.assertLessEqual(fds, 1024)
                # appends to files chosen at random are picked up, once each
                rnd = random.Random(7)
                picked = rnd.sample(range(self.N), 20)
                for k, i in enumerate(picked):
                    p = os.path.join(logs, "f%05d.log" % i)
                    off = append(p, "PICK-%d %s\n" % (k, RESET_LINE))
                    (e,) = dm.wait_message("PICK-%d " % k, timeout=30)
                    self.assertEqual((e["log"]["file"]["path"], e["log"]["offset"]), (p, off))
                # a new file among them
                new = os.path.join(logs, "new.log")
                append(new, "NEW-1 WSAETIMEDOUT\n")
                dm.wait_message("NEW-1", timeout=30)
                settle()
                self.assertEqual(len(dm.events), 21, dm.describe())
                # one message about the limit, none per file
                warns = warnings(dm)
                self.assertEqual(len(warns), 1, "\n".join(warns[:5]))
                self.assertRegex(warns[0], r"^wsawatch: warning: open-file limit reached: keeping "
                                 r"at most \d+ log files open, the others are opened only to read "
                                 r"what is new \(raise the limit to keep more open\)$")
                peak = proc_kib(pid, "VmHWM")
                # ASan's quarantine and valgrind's own memory count too
                limit = 600 << 10 if asan() or wwtest.MEMCHECK else 150 << 10
                self.assertLess(peak, limit, "peak RSS %d KiB following %d files" % (peak, self.N))
                print("\n  %d files: ready in %.1fs, RSS %d KiB (peak %d KiB), %d fds open"
                      % (self.N, startup, rss, peak, fds))
                self.assertEqual(dm.stop(timeout=60), 0, dm.describe())


# ---------------------------------------------------------------------------


CONTROL = re.compile(rb"[\x00-\x09\x0b-\x1f\x7f]|\xc2[\x80-\x9f]|\xe2\x80[\xaa-\xae]|\xe2\x81[\xa6-\xa9]")
NASTY = (b"\x1b[2J\x1b]0;pwned\x07 CR\rBEL\x07 NUL\x00 DEL\x7f C1\xc2\x9b31m "
         b"bidi\xe2\x80\xaeevil\xe2\x80\xac bad\xff\xfe")


class RawDaemon(Daemon):
    """Keeps stdout and stderr as raw bytes too."""

    def start(self, ready=True, timeout=20):
        self.raw_out, self.raw_err = [], []
        return super().start(ready, timeout)

    def _read_out(self, f):
        for raw in iter(f.readline, b""):
            with self.cond:
                self.raw_out.append(raw)
                self.cond.notify_all()

    def _read_err(self, f):
        for raw in iter(f.readline, b""):
            with self.cond:
                self.raw_err.append(raw)
                self.err.append(raw.decode("utf-8", "replace").rstrip("\n"))
                self.cond.notify_all()


@require_run
class ControlCharacters(unittest.TestCase):
    def nasty_dir(self, d):
        logs = mkdirs(d, "logs")
        name = os.path.join(logs.encode(), b"evil\x1b[31m\r\x07\xe2\x80\xae\xc2\x9bgol.log")
        return logs, name

    def test_json_output_escapes(self):
        with TempDir() as d:
            logs, name = self.nasty_dir(d)
            append(name, b"")
            cfg = daemon_config(d, [{"path": os.path.join(logs, "*.log")}])
            with RawDaemon(cfg).start() as dm:
                off = append(name, b"J-1 " + NASTY + b" [WinError 10054] reset\n")
                wwtest.wait_until(lambda: any(b"J-1" in l for l in dm.raw_out), 10, "J-1", dm)
                self.assertEqual(dm.stop(), 0)
                (line,) = [l for l in dm.raw_out if b"J-1" in l]
            e = json.loads(line.decode("utf-8"))
            self.assertEqual(e["log"]["offset"], off)
            self.assertEqual(e["message"], "J-1 " + NASTY.decode("utf-8", "replace") +
                             " [WinError 10054] reset")
            self.assertEqual(e["log"]["file"]["path"], name.decode("utf-8"))
            # the raw JSON line holds no control character, C1 control or
            # bidi override: all escaped as \uXXXX
            self.assertIsNone(CONTROL.search(line.rstrip(b"\n")), line)
            for esc in (b"\\u001b[2J", b"\\r", b"\\u0007", b"\\u0000", b"\\u007f",
                        b"\\u009b", b"\\u202e", b"\\u202c", b"\xef\xbf\xbd"):
                self.assertIn(esc, line)

    def test_text_output_and_daemon_log_escape(self):
        with TempDir() as d:
            logs, name = self.nasty_dir(d)
            append(name, b"")
            logfile = os.path.join(d, "wsawatch.log")
            cfg = daemon_config(d, [{"path": os.path.join(logs, "*.log")}],
                                outputs=[{"name": "term", "type": "stdout", "format": "text",
                                          "take": ["events", "alerts"]}],
                                alerts=[{"id": "burst", "codes": ["WSAECONNRESET"], "threshold": 2,
                                         "window": "60s", "group_by": ["file"],
                                         "outputs": ["term"]}])
            with RawDaemon(cfg).start() as dm:
                for i in range(3):
                    append(name, b"T-%d " % i + NASTY + b" [WinError 10054] reset\n")
                wwtest.wait_until(lambda: sum(b"T-" in l for l in dm.raw_out) >= 3, 10, "3 events", dm)
                wwtest.wait_until(lambda: any(l.startswith(b"ALERT") for l in dm.raw_out), 10,
                                  "an alert", dm)
                os.unlink(name)  # the daemon logs the name: "...: deleted"
                dm.wait_stderr(r"deleted")
                self.assertEqual(dm.stop(), 0)
                out = b"".join(dm.raw_out)
                err = b"".join(dm.raw_err)
            for what, data in (("text output", out), ("daemon log", err)):
                for line in data.split(b"\n"):
                    self.assertIsNone(CONTROL.search(line), "%s: raw control byte in %r" % (what, line))
            self.assertIn(b"\\x1B[2J\\x1B]0;pwned\\x07 CR\\x0DBEL\\x07 NUL\\x00 DEL\\x7F "
                          b"C1\\u009B31m bidi\\u202Eevil\\u202C bad\\xFF\\xFE", out)
            self.assertIn(b"evil\\x1B[31m\\x0D\\x07\\u202E\\u009Bgol.log", out)
            self.assertIn(b"evil\\x1B[31m\\x0D\\x07\\u202E\\u009Bgol.log: deleted", err)


if __name__ == "__main__":
    wwtest.main()
