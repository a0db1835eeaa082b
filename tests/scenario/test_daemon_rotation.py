"""The daemon through log rotation, kill -9 and damaged state.

Rotation: a separate writer process appends 20 000 numbered lines at full
speed (every 10th is a Winsock line carrying its number, `n=123 [WinError
10054] ...`) to logs/app.log while this test rotates the file under it. At a
rotation point the writer stops and says so on its stdout; the test rotates
and answers on the writer's stdin; the writer then goes on:

- rename+create: the test renames app.log to app.log.K (which the glob does
  not match) and creates a new empty app.log; the writer reopens app.log at
  once. The daemon must read the renamed file to its end and the new one
  from its beginning.
- rename+create with a late reopen (logrotate `create` + postrotate signal,
  tests *_late_reopen): the same, but the writer goes on writing 100 more
  lines into the renamed file, one a millisecond, as an application does
  until it is told to reopen its log, and only then reopens app.log. Those
  lines are in the renamed file: a follower that lets go of it as soon as it
  sees the rename (or the new file) loses them.
- copytruncate: the test copies app.log to app.log.K and truncates app.log in
  place. Lines written between the copy and the truncation, and lines the
  follower had not read yet when the truncation destroyed them, are lost by
  the rotation itself, whatever the follower does. So that the test can
  assert on every line, the writer is paused during copytruncate: the test
  waits until the daemon has given the events of every Winsock line written
  so far, copies, truncates, and waits 2 x poll_interval + 100ms (the
  daemon checks every file at least once a poll_interval; after that a
  truncation is no longer detectable by size once the writer has written
  past the old offset) before letting the writer go on. An application
  under logrotate's copytruncate is not paused in practice and loses those
  lines; this test does not measure that.
- delete+recreate: the test deletes app.log and the writer closes its file
  and creates app.log anew (what an application that rotates its own log by
  deleting does). Lines written before the delete that the daemon had not
  read yet must still be read from the deleted file.

Rotations come at least a few milliseconds apart in this test, but far more
often than in life: before each one, the test waits until the daemon has
read the first Winsock line of the current file (a file created and rotated
away before the daemon could open it cannot be followed). The daemon is
usually still behind on the rest of that file when it is rotated.

Every Winsock line must give exactly one event (checked on the set and the
counts of the numbers). Watch mode auto, one run per method and one mixed; and
the mixed run with watch: poll.
"""
import collections
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time
import unittest

import wwtest
from wwtest import RESET_LINE, Daemon, TempDir, append, brief, daemon_config, require_run

POLL = 0.2
NUM_RE = re.compile(r"\bn=(\d+) ")

WRITER = r'''
import os, sys, time
path, total, plan = sys.argv[1], int(sys.argv[2]), sys.argv[3]
points = dict((int(k), m) for k, m in (p.split(":") for p in plan.split(",") if p))
def line(n):
    if n % 10 == 0:
        return ("2026-11-24 20:30:01.%03d ERROR n=%d [WinError 10054] An existing connection "
                "was forcibly closed by the remote host\n" % (n % 1000, n)).encode()
    return ("2026-11-24 20:30:01.%03d INFO n=%d GET /api/items 200 OK bytes=%d\n"
            % (n % 1000, n, n * 7)).encode()
flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT
fd = os.open(path, flags, 0o644)
n = 1
while n <= total:
    m = points.get(n)
    if m:
        sys.stdout.write("at %d %s\n" % (n, m)); sys.stdout.flush()
        if sys.stdin.readline().strip() != "go":
            sys.exit(3)
        if m == "rename":          # reopen at once
            os.close(fd); fd = os.open(path, flags, 0o644)
        elif m == "rename-late":   # keep writing into the renamed file for a while
            for _ in range(100):
                if n > total: break
                os.write(fd, line(n)); n += 1
                time.sleep(0.001)
            os.close(fd); fd = os.open(path, flags, 0o644)
        elif m == "delete":        # the file was deleted: create it anew
            os.close(fd); fd = os.open(path, flags, 0o644)
        # copytruncate: nothing to do, O_APPEND writes at the new end (0)
    if n <= total:
        os.write(fd, line(n)); n += 1
os.close(fd)
sys.stdout.write("done %d\n" % total); sys.stdout.flush()
'''


def winsock_numbers(upto):
    return set(range(10, upto + 1, 10))


@require_run
class Rotation(unittest.TestCase):
    TOTAL = 20000

    def run_rotation(self, methods, watch="auto"):
        """methods: the rotation method at each of len(methods) points spread
        over the run."""
        with TempDir() as d:
            logs = os.path.join(d, "logs")
            os.makedirs(logs)
            path = os.path.join(logs, "app.log")
            open(path, "w").close()
            k = len(methods)
            step = self.TOTAL // (k + 1)
            plan = ",".join("%d:%s" % (step * (i + 1) + 1, m) for i, m in enumerate(methods))
            cfg = daemon_config(d, [{"path": os.path.join(logs, "*.log"), "start_at": "beginning",
                                     "watch": watch}])
            with Daemon(cfg).start() as dm:
                w = subprocess.Popen([sys.executable, "-c", WRITER, path, str(self.TOTAL), plan],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
                try:
                    self.drive(dm, w, path, logs)
                finally:
                    if w.poll() is None:
                        w.kill()
                    w.wait()
                    w.stdin.close()
                    w.stdout.close()
                want = winsock_numbers(self.TOTAL)
                # every Winsock line's event, then a barrier line, then a
                # little more time for late duplicates
                self.wait_numbers(dm, want, 60)
                append(path, "BARRIER " + RESET_LINE + "\n")
                dm.wait_message("BARRIER", timeout=10)
                time.sleep(2 * POLL + 0.2)
                self.check_exactly_once(dm, want, "%s, watch: %s" % ("+".join(methods), watch))
                self.assertEqual(dm.bad, [])
                self.assertEqual(dm.stop(), 0, dm.describe())

    def drive(self, dm, w, path, logs):
        rot = 0
        seg_first = 10   # first Winsock line of the file the writer writes now
        for msg in w.stdout:
            parts = msg.split()
            if parts[0] == "done":
                return
            _, n, method = parts
            n = int(n)
            rot += 1
            # a file that lived for a few milliseconds and was never seen
            # cannot be followed: wait until the daemon has read the first
            # Winsock line of the current file (it is still behind on the
            # rest) before rotating it
            if seg_first < n:
                self.wait_numbers(dm, {seg_first}, 30,
                                  "(the current file's first Winsock line n=%d, before rotation at %d)"
                                  % (seg_first, n))
            first_new = n + 100 if method == "rename-late" else n
            seg_first = (first_new + 9) // 10 * 10
            rotated = "%s.%d" % (path, rot)
            if method in ("rename", "rename-late"):
                os.rename(path, rotated)  # never refused: the daemon must not hold it
                open(path, "a").close()
            elif method == "copytruncate":
                self.wait_numbers(dm, winsock_numbers(n - 1), 30,
                                  "before copytruncate at line %d" % n)
                shutil.copyfile(path, rotated)
                os.truncate(path, 0)
                time.sleep(wwtest.scaled(2 * POLL + 0.1))
            elif method == "delete":
                os.unlink(path)
            else:
                raise AssertionError(method)
            w.stdin.write("go\n")
            w.stdin.flush()
        raise AssertionError("writer stopped early: exit %s" % w.wait())

    def numbers(self, dm):
        c = collections.Counter()
        for e in dm.matching(lambda e: True):
            m = NUM_RE.search(e.get("message", ""))
            if m:
                c[int(m.group(1))] += 1
        return c

    def wait_numbers(self, dm, want, timeout, when="", stall=5.0):
        """Waits for the events of every number in want; gives up after
        timeout, or after `stall` seconds without any new event."""
        progress = [0, time.monotonic()]

        def have_all():
            got = set()
            for e in dm.events:
                m = NUM_RE.search(e.get("message", ""))
                if m:
                    got.add(int(m.group(1)))
            if want <= got:
                return True
            if len(dm.events) != progress[0]:
                progress[:] = [len(dm.events), time.monotonic()]
            elif time.monotonic() - progress[1] > wwtest.scaled(stall):
                raise AssertionError("no new event for %.0fs" % wwtest.scaled(stall))
        try:
            dm.wait_for(have_all, timeout, "events for all %d Winsock lines %s" % (len(want), when))
        except AssertionError as x:
            got = set(self.numbers(dm))
            missing = sorted(want - got)
            detail = str(x) if "daemon stderr" in str(x) else "%s\n%s" % (x, dm.describe())
            raise AssertionError("%d Winsock lines gave no event %s (first: %s)\n%s"
                                 % (len(missing), when, missing[:20], detail)) from None

    def check_exactly_once(self, dm, want, what):
        c = self.numbers(dm)
        missing = sorted(want - set(c))
        extra = sorted(set(c) - want)
        dups = sorted(n for n, k in c.items() if k > 1)
        self.assertEqual((missing[:20], extra[:20], dups[:20]), ([], [], []),
                         "%s: (missing, not Winsock lines, duplicated) numbers, first 20 of %d, %d, %d"
                         % (what, len(missing), len(extra), len(dups)))
        for e in dm.matching(lambda e: NUM_RE.search(e.get("message", ""))):
            self.assertEqual(e["winsock"]["code"], 10054)

    def test_rename_create(self):
        self.run_rotation(["rename"] * 4)

    def test_rename_create_late_reopen(self):
        self.run_rotation(["rename-late"] * 4)

    def test_rename_create_late_reopen_poll(self):
        self.run_rotation(["rename-late"] * 4, watch="poll")

    def test_copytruncate(self):
        self.run_rotation(["copytruncate"] * 4)

    def test_delete_recreate(self):
        self.run_rotation(["delete"] * 4)

    def test_mixed_auto(self):
        self.run_rotation(["rename", "copytruncate", "delete"] * 3)

    def test_mixed_poll(self):
        self.run_rotation(["rename", "copytruncate", "delete"] * 3, watch="poll")


class SteadyWriter(threading.Thread):
    """Appends numbered lines to path every `period` seconds (every 10th a
    Winsock line), recording when each line was written."""

    def __init__(self, path, period=0.002):
        super().__init__(daemon=True)
        self.path, self.period = path, period
        self.written = {}   # n -> monotonic time after write
        self.stop_evt = threading.Event()
        self.n = 0

    def run(self):
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            while not self.stop_evt.is_set():
                self.n += 1
                n = self.n
                if n % 10 == 0:
                    s = "ERROR n=%d [WinError 10054] An existing connection was forcibly closed by the remote host\n" % n
                else:
                    s = "INFO n=%d GET /api 200\n" % n
                os.write(fd, s.encode())
                self.written[n] = time.monotonic()
                time.sleep(self.period)
        finally:
            os.close(fd)

    def stop(self):
        self.stop_evt.set()
        self.join()


def read(path):
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError:
        return None


def nums(evs):
    c = collections.Counter()
    for e in evs:
        m = NUM_RE.search(e.get("message", ""))
        if m:
            c[int(m.group(1))] += 1
    return c


@require_run
class Crash(unittest.TestCase):
    def test_kill9_no_loss_bounded_repeats(self):
        commit = 1.0
        with TempDir() as d:
            logs = os.path.join(d, "logs")
            os.makedirs(logs)
            path = os.path.join(logs, "app.log")
            append(path, "INFO boot\n")
            # start_at: end, so that after the restart only the saved offset
            # can bring back the lines written while the daemon was down
            cfg = daemon_config(d, [{"path": os.path.join(logs, "*.log"), "start_at": "end"}],
                                commit_interval="1s")
            w = SteadyWriter(path)
            with Daemon(cfg).start() as dm1, Daemon(cfg) as dm2:
                w.start()
                try:
                    time.sleep(2.6)           # a few commits happen
                    t_kill = time.monotonic()
                    n_kill = w.n
                    dm1.kill()
                    first = nums(dm1.events)
                    time.sleep(0.5)           # lines written while it is down
                    dm2.start()
                    time.sleep(1.5)
                finally:
                    w.stop()
                want = set(n for n in w.written if n % 10 == 0)
                def all_seen():
                    return want <= (set(first) | set(nums(dm2.events)))
                dm2.wait_for(all_seen, 20, "every Winsock line in the events of the two runs "
                             "(missing: %s)" % sorted(want - set(first) - set(nums(dm2.events)))[:20])
                second = nums(dm2.events)
                self.assertTrue(first, "no event before the kill\n" + dm1.describe())
                dup_in_run = sorted(n for n, k in list(first.items()) + list(second.items()) if k > 1)
                self.assertEqual(dup_in_run, [], "a line repeated within one run")
                repeated = sorted(set(first) & set(second))
                # allowed: lines written in the last commit_interval before the
                # kill (plus one poll_interval for reading them)
                limit = t_kill - commit - POLL - 0.1
                too_old = [n for n in repeated if w.written[n] < limit]
                self.assertEqual(too_old, [],
                                 "lines repeated after kill -9 that were written more than "
                                 "commit_interval before it (kill at line %d; %d repeated: %s)\n%s"
                                 % (n_kill, len(repeated), repeated[:10], dm2.describe()))
                sys.stderr.write("\n  kill -9 at line %d; %d Winsock lines before it, %d repeated after "
                                 "the restart (written %.2f-%.2f s before the kill) ... "
                                 % (n_kill, len(first), len(repeated),
                                    t_kill - min((w.written[n] for n in repeated), default=t_kill),
                                    t_kill - max((w.written[n] for n in repeated), default=t_kill)))
                self.assertEqual(dm2.stop(), 0, dm2.describe())

    def restart_after(self, rotate, d):
        """Follows logs/app.log (start_at: end), stops the daemon, rotates the
        file with rotate(path) while it is down, appends a Winsock line to the
        file now at the path and restarts: that line must give its event, from
        offset 0 (the file at the path is new content after a rotation, which
        is read from its beginning, start_at applying only to files never seen)."""
        logs = os.path.join(d, "logs")
        os.makedirs(logs)
        f = os.path.join(logs, "app.log")
        append(f, "".join("INFO padding line %d to make the offset large\n" % i for i in range(200)))
        cfg = daemon_config(d, [{"path": os.path.join(logs, "*.log"), "start_at": "end"}])
        with Daemon(cfg).start() as dm:
            append(f, "OLD " + RESET_LINE + "\n")
            dm.wait_message("OLD")
            self.assertEqual(dm.stop(), 0, dm.describe())
        rotate(f)
        append(f, "NEW-1 WSAETIMEDOUT\n")
        with Daemon(cfg).start() as dm:
            (e,) = dm.wait_message("NEW-1", timeout=5)
            self.assertEqual(e["log"]["offset"], 0)
            time.sleep(3 * POLL + 0.2)
            self.assertEqual([brief(e) for e in dm.events if "NEW-1" not in e["message"]], [])
            self.assertEqual(dm.stop(), 0, dm.describe())

    def test_restart_after_truncation_while_down(self):
        with TempDir() as d:
            self.restart_after(lambda f: os.truncate(f, 0), d)

    def test_restart_after_rename_while_down(self):
        with TempDir() as d:
            self.restart_after(lambda f: os.rename(f, f + ".1"), d)

    def test_offsets_not_committed_when_output_fails(self):
        """Offsets are committed only for lines whose events were written: with
        the only output failing (a file output on /dev/full: ENOSPC), a line's
        offset must not be committed, and a restart with a working output
        gives its event."""
        with TempDir() as d:
            logs = os.path.join(d, "logs")
            os.makedirs(logs)
            f = os.path.join(logs, "app.log")
            append(f, "INFO boot\nLOST? " + RESET_LINE + "\n")
            inp = [{"path": os.path.join(logs, "*.log"), "start_at": "beginning"}]
            full = daemon_config(d, inp, name="full.yaml",
                                 outputs=[{"name": "events", "type": "file", "path": "/dev/full",
                                           "take": ["events", "alerts"]}])
            with Daemon(full).start() as dm:
                time.sleep(2.5)     # two commit intervals
                dm.stop()
                err1 = dm.describe()
            ok = daemon_config(d, inp)
            with Daemon(ok).start() as dm:
                dm.wait_for(lambda: any("LOST?" in e["message"] for e in dm.events), 5,
                            "the event of the line whose event could not be written before "
                            "(its offset must not have been committed)\nfirst run: " + err1)
                self.assertEqual(dm.stop(), 0)

    def test_corrupt_state_does_not_stop_start(self):
        with TempDir() as d:
            logs = os.path.join(d, "logs")
            os.makedirs(logs)
            path = os.path.join(logs, "app.log")
            append(path, "OLD-1 [WinError 10054]\n")
            cfg = daemon_config(d, [{"path": os.path.join(logs, "*.log"), "start_at": "beginning"}])
            state = os.path.join(d, "state", "offsets.json")
            with Daemon(cfg).start() as dm:
                dm.wait_message("OLD-1")
                self.assertEqual(dm.stop(), 0, dm.describe())
            self.assertTrue(os.path.exists(state), "no offsets.json after a clean stop")
            with open(state, "rb") as f:
                good = f.read()
            json.loads(good)
            for name, damage in (("garbage", os.urandom(3000)),
                                 ("truncated JSON", good[:max(1, len(good) // 2)])):
                with open(state, "wb") as f:
                    f.write(damage)
                with Daemon(cfg) as dm:
                    try:
                        dm.start()
                    except AssertionError as x:
                        self.fail("%s offsets.json: %s" % (name, x))
                    dm.wait_stderr(r"offsets\.json", 5, "a warning naming offsets.json (%s)" % name)
                    # set aside, not silently destroyed
                    kept = [f for f in os.listdir(os.path.dirname(state))
                            if f != "offsets.json" and read(os.path.join(os.path.dirname(state), f)) == damage]
                    self.assertTrue(kept, "%s offsets.json not set aside: state dir holds %s"
                                    % (name, os.listdir(os.path.dirname(state))))
                    for f in kept:
                        os.unlink(os.path.join(os.path.dirname(state), f))
                    # files then follow start_at (beginning here)
                    dm.wait_message("OLD-1")
                    off = append(path, "NEW %s WSAETIMEDOUT\n" % name.split()[0])
                    (e,) = dm.wait_message("NEW " + name.split()[0])
                    self.assertEqual(e["log"]["offset"], off)
                    self.assertEqual(dm.stop(), 0, dm.describe())


if __name__ == "__main__":
    wwtest.main()
