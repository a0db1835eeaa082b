"""Fault injection: what the daemon does, exactly, when the disk fills up,
when an output's path cannot be written, and when an output blocks forever.

- The state directory full (a small tmpfs, filled): each commit fails, logged
  once with the path and the reason; offsets.json keeps the last committed
  offsets, whole; no temporary file stays; reading and the outputs go on;
  commits resume when space comes back. Killed while full and restarted
  (even while still full), the daemon reads again exactly what came after
  the last commit: nothing lost, duplicates only of that span.
- A file output's disk full: its events wait in memory and are written, each
  once, when space comes back; the file only ever holds whole lines; offsets
  are not committed past what it wrote; another output gets every event in
  time; wsawatch_output_write_errors_total counts the failed writes. Past its
  `buffer`, reading pauses (wsawatch_reading_paused 1) and the lines wait in
  the logs; it resumes when the output has written them.
- A path that cannot be written at start (directory missing, read-only,
  under a regular file, a directory itself, not writable by the user): `run`
  exits 2 naming the output, the path and the reason, for file and metrics
  outputs; `check` says the same as a warning (it may run as another user,
  or before systemd makes the LogsDirectory) and exits 0. A directory that
  goes away while running is retried: the events wait.
- An output that blocks forever: standard output not read, a TCP syslog
  collector that never reads, a webhook that never answers, a program that
  never reads its input nor exits. A file output beside it gets every event
  in time, offsets are committed, the stalled output's queue stays bounded
  and what it drops is counted and logged once; every message is either
  delivered or counted.

Disk-full cases need a tmpfs: they skip where mounting is not permitted.
"""
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest

import wwsyslog
import wwtest
from wwtest import RESET_LINE, Daemon, TempDir, append, daemon_config, require_run, run

scaled = getattr(wwtest, "scaled", lambda s: s)
COMMIT = "300ms"


# ---------------------------------------------------------------------------
# helpers

_mount_ok = None


def mount_error():
    """None when this process can mount a tmpfs, else why not."""
    global _mount_ok
    if _mount_ok is None:
        d = tempfile.mkdtemp(prefix="wsawatch-mnt-")
        p = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=16k", "tmpfs", d],
                           capture_output=True, text=True)
        if p.returncode == 0:
            subprocess.run(["umount", d], capture_output=True)
        os.rmdir(d)
        _mount_ok = "" if p.returncode == 0 else (p.stderr.strip() or "mount failed")
    return _mount_ok or None


def need_mount(tc):
    why = mount_error()
    if why:
        tc.skipTest("cannot mount a tmpfs here (needs root and CAP_SYS_ADMIN): %s" % why)


class Tmpfs:
    """A tmpfs of size bytes mounted on path (made if missing); read-only with ro."""

    def __init__(self, path, size="64k", ro=False):
        self.path, self.size, self.ro = path, size, ro

    def __enter__(self):
        os.makedirs(self.path, exist_ok=True)
        opts = "size=%s%s" % (self.size, ",ro" if self.ro else "")
        subprocess.run(["mount", "-t", "tmpfs", "-o", opts, "tmpfs", self.path], check=True)
        return self.path

    def __exit__(self, *a):
        subprocess.run(["umount", "-l", self.path], check=True)


def fill(d):
    """Fills the file system of d to the last byte; returns the filler's path."""
    path = os.path.join(d, "filler")
    with open(path, "wb", buffering=0) as f:
        for size in (65536, 4096, 1):
            try:
                while True:
                    f.write(b"x" * size)
            except OSError as e:
                if e.errno != 28:  # ENOSPC
                    raise
    return path


def offsets(state_dir):
    """offsets.json parsed strictly (it must always be whole): {path: offset};
    {} before it exists."""
    try:
        with open(os.path.join(state_dir, "offsets.json")) as f:
            doc = json.load(f)
    except FileNotFoundError:
        return {}
    return {e["path"]: e["offset"] for e in doc["files"]}




def size(path):
    return os.path.getsize(path)


prom = wwtest.prometheus_file


def metric(path, name, output=None):
    return prom(path).get('%s{output="%s"}' % (name, output) if output else name, 0.0)


def lines(tag, n, pad=0):
    """n log lines, each one WSAECONNRESET event, told apart by tag-i."""
    return "".join("2026-11-24 20:30:00 ERROR %s-%d %s%s %s\n"
                   % (tag, i, RESET_LINE, " " if pad else "", "p" * pad) for i in range(n))


def tags(evs):
    return [e["message"].split()[3] for e in evs]


def want(tag, n):
    return ["%s-%d" % (tag, i) for i in range(n)]


def count(regex, text):
    return len(re.findall(regex, text, re.M))


def file_out(name, path, **keys):
    return dict({"name": name, "type": "file", "path": path, "take": ["events"]}, **keys)


def metrics_out(path):
    return {"name": "prom", "type": "metrics", "path": path, "interval": "200ms"}


def config(d, log, outputs, **top):
    top.setdefault("commit_interval", COMMIT)
    return daemon_config(d, [{"path": log, "start_at": "beginning"}], outputs, **top)


def sanitized():
    """True for a binary built with AddressSanitizer or run under valgrind:
    its RSS is not ours."""
    if "ASAN_OPTIONS" in os.environ or getattr(wwtest, "MEMCHECK", False):
        return True
    with open(getattr(wwtest, "REAL_BINARY", None) or wwtest.BINARY, "rb") as f:
        return b"__asan_init" in f.read()


def rss_kb(pid):
    with open("/proc/%d/status" % pid) as f:
        return int([l for l in f if l.startswith("VmRSS")][0].split()[1])


def children(pid):
    """Processes whose parent is pid."""
    out = []
    for p in os.listdir("/proc"):
        if p.isdigit():
            try:
                with open("/proc/%s/stat" % p) as f:
                    if int(f.read().rsplit(")", 1)[1].split()[1]) == pid:
                        out.append(int(p))
            except (OSError, IndexError, ValueError):
                pass
    return out


# ---------------------------------------------------------------------------
# the state directory full

STATE_FULL = r"offsets\.json\.tmp: cannot write: no space left on device"


@require_run
class StateDirFull(unittest.TestCase):

    def setUp(self):
        need_mount(self)

    def start_full(self, d):
        """A daemon with A committed, then the state dir full and B read."""
        self.log = wwtest.setup_logs(d)
        self.state = os.path.join(d, "state")
        self.events = os.path.join(d, "events.jsonl")
        self.cfg = config(d, self.log, [file_out("out", self.events)])
        append(self.log, lines("a", 3))
        dm = Daemon(self.cfg).start()
        wwtest.wait_until(lambda: tags(wwtest.whole_events(self.events)) == want("a", 3),
                          10, "A in the file output", dm)
        self.size_a = size(self.log)
        wwtest.wait_until(lambda: offsets(self.state) == {self.log: self.size_a}, 10,
                          "A committed", dm)
        self.filler = fill(self.state)
        append(self.log, lines("b", 3))
        # reading and the outputs go on
        wwtest.wait_until(lambda: tags(wwtest.whole_events(self.events)) == want("a", 3) +
                          want("b", 3), 10, "B in the file output", dm)
        dm.wait_stderr(STATE_FULL, 10)
        return dm

    def test_commit_fails_logged_once_then_resumes(self):
        with TempDir() as d, Tmpfs(os.path.join(d, "state")):
            with self.start_full(d) as dm:
                time.sleep(scaled(1.5))  # five commit intervals
                self.assertEqual(offsets(self.state), {self.log: self.size_a},
                                 "offsets.json kept whole, with the last committed offsets")
                self.assertEqual(sorted(os.listdir(self.state)), ["filler", "offsets.json"],
                                 "no temporary file left behind")
                err = dm.stderr_text()
                self.assertEqual(count(STATE_FULL, err), 1, err)
                self.assertRegex(err, re.escape(os.path.join(self.state, "offsets.json")) +
                                 " keeps the last committed ones; retrying every commit_interval")
                os.remove(self.filler)
                wwtest.wait_until(lambda: offsets(self.state) == {self.log: size(self.log)},
                                  10, "commits resumed", dm)
                dm.wait_stderr("offsets committed again to " +
                               re.escape(os.path.join(self.state, "offsets.json")), 5)
                self.assertEqual(os.listdir(self.state), ["offsets.json"])
                self.assertEqual(dm.stop(), 0, dm.describe())
            self.assertEqual(tags(wwtest.file_events(self.events)), want("a", 3) + want("b", 3),
                             "every event once")

    def test_kill_while_full_rereads_only_the_uncommitted_span(self):
        with TempDir() as d, Tmpfs(os.path.join(d, "state")):
            with self.start_full(d) as dm:
                dm.kill()
            # restarted while still full: it starts, from the last good commit
            with Daemon(self.cfg).start() as dm:
                dm.wait_stderr(STATE_FULL + r"; starting anyway", 5)
                want_now = want("a", 3) + want("b", 3) + want("b", 3)
                wwtest.wait_until(lambda: tags(wwtest.whole_events(self.events)) == want_now,
                                  10, "B read again, and only B", dm)
                append(self.log, lines("c", 2))
                wwtest.wait_until(lambda: tags(wwtest.whole_events(self.events)) ==
                                  want_now + want("c", 2), 10, "C once", dm)
                self.assertEqual(offsets(self.state), {self.log: self.size_a})
                os.remove(self.filler)
                wwtest.wait_until(lambda: offsets(self.state) == {self.log: size(self.log)},
                                  10, "commits resumed", dm)
                self.assertEqual(count(STATE_FULL, dm.stderr_text()), 1, dm.stderr_text())
                self.assertEqual(dm.stop(), 0, dm.describe())
            with Daemon(self.cfg).start() as dm:  # nothing read again after that
                time.sleep(scaled(1))
                self.assertEqual(dm.stop(), 0, dm.describe())
            self.assertEqual(tags(wwtest.file_events(self.events)),
                             want("a", 3) + want("b", 3) + want("b", 3) + want("c", 2))


# ---------------------------------------------------------------------------
# a file output's disk full

OUT_FULL = r"output 'out': .*events\.jsonl: no space left on device; its events wait in memory"


@require_run
class FileOutputFull(unittest.TestCase):

    def setUp(self):
        need_mount(self)

    def setup_daemon(self, d, **keys):
        self.log = wwtest.setup_logs(d)
        self.state = os.path.join(d, "state")
        self.out = os.path.join(d, "out", "events.jsonl")
        self.mirror = os.path.join(d, "mirror.jsonl")
        self.prom = os.path.join(d, "m.prom")
        self.cfg = config(d, self.log, [file_out("out", self.out, **keys),
                                        file_out("mirror", self.mirror), metrics_out(self.prom)])

    def out_tags(self, strict=False):
        return tags((wwtest.file_events if strict else wwtest.whole_events)(self.out))

    def mirror_tags(self):
        return tags(wwtest.whole_events(self.mirror))

    def fill_after_a(self, dm):
        append(self.log, lines("a", 2))
        wwtest.wait_until(lambda: self.out_tags() == want("a", 2), 10, "A written", dm)
        self.size_a = size(self.log)
        wwtest.wait_until(lambda: offsets(self.state) == {self.log: self.size_a}, 10,
                          "A committed", dm)
        return fill(os.path.dirname(self.out))

    def test_events_wait_then_arrive_once(self):
        with TempDir() as d, Tmpfs(os.path.join(d, "out")):
            self.setup_daemon(d)
            with Daemon(self.cfg).start() as dm:
                filler = self.fill_after_a(dm)
                append(self.log, lines("b", 6))
                wwtest.wait_until(lambda: self.mirror_tags() == want("a", 2) + want("b", 6),
                                  5, "the other output gets B in time", dm)
                dm.wait_stderr(OUT_FULL, 5)
                time.sleep(scaled(1.2))
                got = self.out_tags()  # what fitted
                self.assertEqual(got, (want("a", 2) + want("b", 6))[:len(got)])
                self.assertLess(len(got), 8)
                self.assertEqual(offsets(self.state), {self.log: self.size_a},
                                 "not committed past what the output wrote")
                errors = metric(self.prom, "wsawatch_output_write_errors_total", "out")
                self.assertGreaterEqual(errors, 1)
                self.assertEqual(metric(self.prom, "wsawatch_reading_paused"), 0)
                self.assertEqual(metric(self.prom, "wsawatch_output_write_errors_total",
                                        "mirror"), 0)
                os.remove(filler)
                wwtest.wait_until(lambda: self.out_tags() == want("a", 2) + want("b", 6),
                                  10, "every event once, in order", dm)
                wwtest.wait_until(lambda: offsets(self.state) == {self.log: size(self.log)},
                                  10, "committed again", dm)
                dm.wait_stderr(r"output 'out': .*events\.jsonl: written again", 5)
                time.sleep(0.5)
                settled = metric(self.prom, "wsawatch_output_write_errors_total", "out")
                append(self.log, lines("c", 2))
                wwtest.wait_until(lambda: self.out_tags() == want("a", 2) + want("b", 6) +
                                  want("c", 2), 10, "C", dm)
                time.sleep(0.5)
                self.assertEqual(metric(self.prom, "wsawatch_output_write_errors_total", "out"),
                                 settled, "no more write errors")
                err = dm.stderr_text()
                self.assertEqual(count(OUT_FULL, err), 1, err)
                self.assertEqual(count(r"offsets not committed while output 'out' cannot write",
                                       err), 1, err)
                self.assertEqual(count(r"written again", err), 1, err)
                self.assertEqual(dm.stop(), 0, dm.describe())
            self.assertEqual(tags(wwtest.file_events(self.mirror)),
                             want("a", 2) + want("b", 6) + want("c", 2))
            self.assertEqual(self.out_tags(strict=True), want("a", 2) + want("b", 6) + want("c", 2))

    def test_reading_pauses_past_the_buffer(self):
        with TempDir() as d, Tmpfs(os.path.join(d, "out")):
            self.setup_daemon(d, buffer="4KiB")
            with Daemon(self.cfg).start() as dm:
                filler = self.fill_after_a(dm)
                append(self.log, lines("b", 20))  # ~20 KB of events: past the buffer
                wwtest.wait_until(lambda: self.mirror_tags() == want("a", 2) + want("b", 20),
                                  5, "B, read before the pause", dm)
                dm.wait_stderr(r"reading paused: output 'out' holds all the events it may",
                               5)
                wwtest.wait_until(lambda: metric(self.prom, "wsawatch_reading_paused") == 1,
                                  5, "wsawatch_reading_paused 1", dm)
                size_b = size(self.log)
                append(self.log, lines("c", 10))
                time.sleep(scaled(1.5))
                self.assertEqual(self.mirror_tags(), want("a", 2) + want("b", 20),
                                 "C waits in the log while reading is paused")
                self.assertEqual(offsets(self.state), {self.log: self.size_a})
                os.remove(filler)
                every = want("a", 2) + want("b", 20) + want("c", 10)
                wwtest.wait_until(lambda: self.out_tags() == every, 10,
                                  "every event once, in order", dm)
                wwtest.wait_until(lambda: self.mirror_tags() == every, 10,
                                  "C read after the pause", dm)
                wwtest.wait_until(lambda: offsets(self.state) == {self.log: size(self.log)},
                                  10, "committed", dm)
                wwtest.wait_until(lambda: metric(self.prom, "wsawatch_reading_paused") == 0,
                                  5, "wsawatch_reading_paused 0", dm)
                self.assertGreater(size(self.log), size_b)
                err = dm.stderr_text()
                self.assertEqual(count(r"reading paused", err), 1, err)
                self.assertEqual(count(r"reading resumed", err), 1, err)
                self.assertEqual(count(OUT_FULL, err), 1, err)
                self.assertEqual(dm.stop(), 0, dm.describe())

    def test_kill_while_full_then_restart(self):
        """kill -9 while the output's disk is full: the file holds whole lines
        only; restarted with space, the span after the last commit is read
        again: every event at least once, duplicates only from that span."""
        with TempDir() as d, Tmpfs(os.path.join(d, "out")):
            self.setup_daemon(d)
            with Daemon(self.cfg).start() as dm:
                filler = self.fill_after_a(dm)
                append(self.log, lines("b", 6))
                wwtest.wait_until(lambda: len(self.mirror_tags()) == 8, 5, "B", dm)
                dm.wait_stderr(OUT_FULL, 5)
                dm.kill()
            before = self.out_tags(strict=True)  # the daemon is gone: whole lines only
            self.assertEqual(before, (want("a", 2) + want("b", 6))[:len(before)])
            os.remove(filler)
            with Daemon(self.cfg).start() as dm:
                wwtest.wait_until(lambda: self.out_tags()[-6:] == want("b", 6), 10,
                                  "B written after the restart", dm)
                wwtest.wait_until(lambda: offsets(self.state) == {self.log: size(self.log)},
                                  10, "committed", dm)
                self.assertEqual(dm.stop(), 0, dm.describe())
            self.assertEqual(self.out_tags(strict=True), before + want("b", 6),
                             "what was written before the kill, then the uncommitted span")
            self.assertEqual(tags(wwtest.file_events(self.mirror)),
                             want("a", 2) + want("b", 6) + want("b", 6))


# ---------------------------------------------------------------------------
# a path that cannot be written

@require_run
class UnwritablePath(unittest.TestCase):

    def cases(self, d):
        """(name, path, reason) for paths that cannot be written at start."""
        plain = os.path.join(d, "plain")
        with open(plain, "w"):
            pass
        os.makedirs(os.path.join(d, "adir"))
        out = [("missing", os.path.join(d, "no", "such", "x.out"),
                "no such file or directory (directory %s)" % os.path.join(d, "no", "such")),
               ("under-a-file", os.path.join(plain, "x.out"), "not a directory"),
               ("a-directory", os.path.join(d, "adir"), "is a directory")]
        if not mount_error():
            out.append(("read-only", os.path.join(d, "ro", "x.out"),
                        "read-only file system (directory %s)" % os.path.join(d, "ro")))
        return out

    def check_both(self, d, cfg, name, path, reason):
        what = r"output '%s': %s: %s" % (name, re.escape(path), re.escape(reason))
        rc, out, err = run("check", "--config", cfg)
        self.assertEqual(rc, 0, err)
        self.assertRegex(err, r"(?m)^warning: %s:\d+:\d+: %s; `run` fails unless it can be "
                         r"written then$" % (re.escape(cfg), what))
        dm = Daemon(cfg).start(ready=False)
        try:
            rc = dm.proc.wait(scaled(20))
        finally:
            dm.close()
        self.assertEqual(rc, 2, dm.describe())
        self.assertRegex(dm.stderr_text(), r"(?m)^wsawatch: error: %s$" % what)
        self.assertNotRegex(dm.stderr_text(), r"\bready\b")

    def test_run_exits_2_check_warns(self):
        for kind in ("file", "metrics"):
            with TempDir() as d:
                ro = os.path.join(d, "ro")
                mounted = not mount_error()
                if mounted:
                    Tmpfs(ro, "16k", ro=True).__enter__()
                try:
                    for case, path, reason in self.cases(d):
                        with self.subTest(kind=kind, case=case):
                            if kind == "metrics":
                                path = path.replace("x.out", "x.prom")
                                reason = reason.replace("x.out", "x.prom")
                            cfg = daemon_config(d, [], [{"name": "o", "type": kind,
                                                         "path": path}], name=case + ".yaml")
                            self.check_both(d, cfg, "o", path, reason)
                finally:
                    if mounted:
                        Tmpfs(ro).__exit__()

    def test_not_writable_by_the_user(self):
        """Root writes anywhere; an unprivileged user (setpriv) cannot write
        into a directory of root's: check warns, run (as that user) exits 2."""
        if shutil.which("setpriv") is None or os.geteuid() != 0:
            self.skipTest("needs root and setpriv to run as another user")
        if getattr(wwtest, "MEMCHECK", False):
            self.skipTest("under valgrind memcheck")
        with TempDir() as d:
            os.chmod(d, 0o755)
            locked = os.path.join(d, "locked")
            os.makedirs(locked, mode=0o755)
            path = os.path.join(locked, "events.jsonl")
            cfg = daemon_config(d, [], [file_out("o", path)])
            os.chmod(cfg, 0o644)
            p = subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                                wwtest.BINARY, "check", "--config", cfg],
                               capture_output=True, text=True, timeout=scaled(60))
            if "Permission denied" in p.stderr and "exec" in p.stderr:
                self.skipTest("the binary is not reachable by nobody: %s" % p.stderr.strip())
            self.assertEqual(p.returncode, 0, p.stderr)
            what = r"output 'o': %s: permission denied \(directory %s\)" % (re.escape(path),
                                                                          re.escape(locked))
            self.assertRegex(p.stderr, what + "; `run` fails unless it can be written then")
            state = os.path.join(d, "state")  # nobody's state_dir, so that only the output fails
            os.makedirs(state, exist_ok=True)
            os.chmod(state, 0o777)
            p = subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                                wwtest.BINARY, "run", "--config", cfg],
                               capture_output=True, text=True, timeout=scaled(60))
            self.assertEqual(p.returncode, 2, p.stderr)
            self.assertRegex(p.stderr, r"(?m)^wsawatch: error: %s$" % what)

    def test_directory_gone_while_running_is_retried(self):
        """A directory that goes away while the daemon runs (an unmounted
        disk, a removed directory) is not a start error: the events wait and
        are written once it is back."""
        with TempDir() as d:
            log = wwtest.setup_logs(d)
            outdir = os.path.join(d, "outdir")
            os.makedirs(outdir)
            out, mirror = os.path.join(outdir, "events.jsonl"), os.path.join(d, "mirror.jsonl")
            state = os.path.join(d, "state")
            cfg = config(d, log, [file_out("out", out), file_out("mirror", mirror)])
            with Daemon(cfg).start() as dm:
                append(log, lines("a", 2))
                wwtest.wait_until(lambda: tags(wwtest.whole_events(out)) == want("a", 2),
                                  10, "A", dm)
                # A synced and committed (else it is written again to the new file)
                wwtest.wait_until(lambda: offsets(state) == {log: size(log)}, 10,
                                  "A committed", dm)
                shutil.rmtree(outdir)
                time.sleep(scaled(1.2))  # a commit's check sees it gone
                size_a = size(log)
                append(log, lines("b", 3))
                wwtest.wait_until(lambda: tags(wwtest.whole_events(mirror)) ==
                                  want("a", 2) + want("b", 3), 5, "B elsewhere", dm)
                dm.wait_stderr(r"output 'out': %s: no such file or directory; its events wait"
                               % re.escape(out), 5)
                time.sleep(scaled(0.8))
                self.assertEqual(offsets(state), {log: size_a})
                os.makedirs(outdir)
                wwtest.wait_until(lambda: tags(wwtest.whole_events(out)) == want("b", 3),
                                  10, "B in the new file, once", dm)
                wwtest.wait_until(lambda: offsets(state) == {log: size(log)}, 10,
                                  "committed", dm)
                self.assertEqual(count(r"no such file or directory", dm.stderr_text()), 1)
                self.assertEqual(dm.stop(), 0, dm.describe())


# ---------------------------------------------------------------------------
# outputs that block forever

class GatedDaemon(Daemon):
    """A daemon whose standard output is not read until gate is set."""

    def __init__(self, *a, **k):
        super().__init__(*a, **k)
        self.gate = threading.Event()

    def _read_out(self, f):
        self.gate.wait()
        super()._read_out(f)


class SilentServer:
    """TCP on 127.0.0.1 that accepts and never reads nor answers, with a small
    receive buffer, until read_all() is called: then it reads every
    connection to its end. self.data: the bytes of the first connection."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.conns, self.data, self.lock = [], b"", threading.Lock()
        self.reading = threading.Event()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            with self.lock:
                self.conns.append(c)
            if len(self.conns) == 1:
                threading.Thread(target=self._read, args=(c,), daemon=True).start()

    def _read(self, c):
        self.reading.wait()
        while True:
            try:
                b = c.recv(65536)
            except OSError:
                return
            if not b:
                return
            with self.lock:
                self.data += b

    def read_all(self):
        self.reading.set()

    def close(self):
        self.sock.close()
        with self.lock:
            for c in self.conns:
                c.close()

    def __enter__(self):
        return self

    def __exit__(self, *a):
        self.close()


@require_run
class StalledOutputs(unittest.TestCase):

    def setup_files(self, d):
        self.log = wwtest.setup_logs(d)
        self.state = os.path.join(d, "state")
        self.mirror = os.path.join(d, "mirror.jsonl")
        self.prom = os.path.join(d, "m.prom")

    def mirror_tags(self):
        return tags(wwtest.whole_events(self.mirror))

    def committed(self, dm):
        wwtest.wait_until(lambda: offsets(self.state) == {self.log: size(self.log)}, 10,
                          "offsets committed to the end of the log", dm)

    def test_stdout_not_read(self):
        """Standard output piped to a reader that stops reading: the loop
        never blocks; the queue (50 messages) drops its oldest, counted and
        logged once; memory stays flat; once read again, every message not
        counted as dropped arrives whole, in order."""
        n, pad = 3000, 6000
        with TempDir() as d:
            self.setup_files(d)
            cfg = config(d, self.log, [{"name": "so", "type": "stdout", "queue": 50,
                                        "take": ["events"]},
                                       file_out("mirror", self.mirror), metrics_out(self.prom)])
            with GatedDaemon(cfg).start() as dm:
                time.sleep(0.3)
                rss0 = rss_kb(dm.proc.pid)
                for k in range(0, n, 100):  # 18 MB of events through a 64 KiB pipe
                    append(self.log, lines("s%d" % k, 100, pad))
                wwtest.wait_until(lambda: len(self.mirror_tags()) == n, 30,
                                  "every event in the file output, in time", dm)
                self.committed(dm)
                dm.wait_stderr(r"output 'so': standard output is not being read; dropping the "
                               r"oldest messages waiting", 5)
                dropped = wwtest.wait_until(
                    lambda: metric(self.prom, "wsawatch_output_dropped_total", "so"), 5,
                    "drops counted", dm)
                self.assertGreater(dropped, n - 200)
                grown = (rss_kb(dm.proc.pid) - rss0) / 1024.0
                print("RSS grew by %.1f MB while %d events went nowhere" % (grown, n))
                if not sanitized():
                    self.assertLess(grown, 12.0, "the queue stays bounded")
                self.assertEqual(count(r"standard output is not being read", dm.stderr_text()), 1)
                dm.gate.set()
                dm.wait_stderr(r"output 'so': standard output is read again; %d messages had "
                               r"been dropped" % dropped, 10)
                got = dm.wait_for(lambda: len(dm.events) + dropped == n and list(dm.events),
                                  10, "received + dropped == %d" % n)
                self.assertEqual(dm.bad, [], "whole JSON lines only")
                seq = [int(t.split("-")[0][1:]) + int(t.split("-")[1]) for t in tags(got)]
                self.assertEqual(seq, sorted(seq))
                self.assertEqual(seq[-1], n - 1, "the newest were kept")
                self.assertEqual(metric(self.prom, "wsawatch_output_dropped_total", "so"),
                                 dropped)
                self.assertEqual(dm.stop(), 0, dm.describe())

    def test_syslog_collector_never_reads(self):
        """A TCP collector that accepts and never reads: socket buffers fill,
        then the queue (20), then the spool, whose oldest messages are dropped
        past spool_max (1MiB), counted and logged once; once it reads, it gets
        what was kept in order and received + dropped == sent."""
        n, pad = 400, 16000
        with TempDir() as d, SilentServer() as srv:
            self.setup_files(d)
            cfg = config(d, self.log, [
                {"name": "sl", "type": "syslog", "address": "tcp://127.0.0.1:%d" % srv.port,
                 "queue": 20, "spool_max": "1MiB", "take": ["events"]},
                file_out("mirror", self.mirror), metrics_out(self.prom)])
            with Daemon(cfg).start() as dm:
                for k in range(0, n, 50):
                    append(self.log, lines("s%d" % k, 50, pad))
                wwtest.wait_until(lambda: len(self.mirror_tags()) == n, 20,
                                  "every event in the file output, in time", dm)
                self.committed(dm)
                dm.wait_stderr(r"output 'sl': spool full \(spool_max 1048576 bytes\); "
                               r"dropping the oldest messages", 5)
                time.sleep(0.5)
                dropped = metric(self.prom, "wsawatch_spool_dropped_total", "sl")
                self.assertGreater(dropped, 0)
                rss = rss_kb(dm.proc.pid) / 1024.0
                srv.read_all()

                def received():
                    with srv.lock:
                        msgs, rest = wwsyslog.split_octet_counted(srv.data)
                    return msgs if len(msgs) + dropped == n and not rest else None
                msgs = wwtest.wait_until(received, 20, "received + dropped == %d" % n, dm)
                evs = [json.loads(b"{" + m.partition(b" {")[2]) for m in msgs]
                seq = [int(t.split("-")[0][1:]) + int(t.split("-")[1]) for t in tags(evs)]
                self.assertEqual(seq, sorted(set(seq)), "in order, each once")
                self.assertEqual(seq[-1], n - 1, "the newest were kept")
                dm.wait_stderr(r"output 'sl': spool drained; %d messages had been dropped"
                               % dropped, 5)
                err = dm.stderr_text()
                self.assertEqual(count(r"spool full", err), 1, err)
                print("syslog: %d delivered, %d dropped, RSS %.1f MB" % (len(msgs), dropped, rss))
                self.assertEqual(dm.stop(), 0, dm.describe())

    def test_webhook_never_answers(self):
        """A receiver that accepts and never answers: 4 requests wait for
        their timeout, 5 messages queue, the rest wait in the spool (nothing is
        dropped), then every message fails after its timeout (retries 0)."""
        with TempDir() as d, SilentServer() as srv:
            self.setup_files(d)
            append(self.log, lines("w", 50))  # read at once at start
            cfg = config(d, self.log, [
                {"name": "hook", "type": "webhook", "url": "http://127.0.0.1:%d/h" % srv.port,
                 "queue": 5, "timeout": "1s", "retries": 0, "take": ["events"]},
                file_out("mirror", self.mirror), metrics_out(self.prom)])
            with Daemon(cfg).start() as dm:
                wwtest.wait_until(lambda: self.mirror_tags() == want("w", 50), 5,
                                  "every event in the file output, in time", dm)
                self.committed(dm)
                append(self.log, lines("x", 10))  # reading goes on
                wwtest.wait_until(lambda: self.mirror_tags() == want("w", 50) + want("x", 10),
                                  5, "the new events in the file output", dm)
                self.committed(dm)

                def settled():
                    m = prom(self.prom)
                    got = [m.get('wsawatch_output_%s_total{output="hook"}' % k, 0)
                           for k in ("dropped", "failures", "messages")]
                    return got if sum(got) == 60 else None
                dropped, failed, delivered = wwtest.wait_until(
                    settled, 40, "dropped + failed == 60", dm)
                self.assertEqual(delivered, 0)
                self.assertEqual(dropped, 0)
                err = dm.stderr_text()
                self.assertEqual(count(r"dropping", err), 0, err)
                self.assertEqual(count(r"output 'hook': POST to .* failed", err), 1, err)
                print("webhook: %d dropped, %d failed" % (dropped, failed))
                self.assertEqual(dm.stop(), 0, dm.describe())

    def test_exec_never_reads_nor_exits(self):
        """A program that never reads its input nor exits (and a message
        bigger than a pipe holds): 2 run, 3 wait, 15 wait in the spool; each
        run is killed after its timeout (retries 0: each fails once); nothing
        is dropped and nothing is left running."""
        with TempDir() as d:
            self.setup_files(d)
            append(self.log, lines("e", 20, 100000))
            cfg = daemon_config(d, [{"path": self.log, "start_at": "beginning",
                                     "max_line_bytes": "1MiB"}], [
                {"name": "run", "type": "exec", "take": ["events"],
                 "command": [sys.executable, "-c", "import time; time.sleep(3600)"],
                 "max_running": 2, "queue": 3, "timeout": "1s", "retries": 0},
                file_out("mirror", self.mirror), metrics_out(self.prom)], commit_interval=COMMIT)
            with Daemon(cfg).start() as dm:
                wwtest.wait_until(lambda: self.mirror_tags() == want("e", 20), 5,
                                  "every event in the file output, in time", dm)
                self.committed(dm)
                wwtest.wait_until(lambda: metric(self.prom, "wsawatch_output_failures_total",
                                                 "run") == 20, 30, "20 killed", dm)
                wwtest.wait_until(lambda: not children(dm.proc.pid), 5,
                                  "no program left running", dm)
                time.sleep(0.5)
                m = prom(self.prom)
                self.assertEqual(m.get('wsawatch_output_dropped_total{output="run"}', 0), 0)
                self.assertEqual(m.get('wsawatch_output_failures_total{output="run"}'), 20)
                self.assertEqual(m.get('wsawatch_output_messages_total{output="run"}', 0), 0)
                err = dm.stderr_text()
                self.assertEqual(count(r"dropping", err), 0, err)
                self.assertEqual(count(r"killed after the 1000ms timeout", err), 1, err)
                self.assertEqual(dm.stop(), 0, dm.describe())


if __name__ == "__main__":
    wwtest.main()
