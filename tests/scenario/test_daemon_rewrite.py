"""The daemon when size alone does not tell what happened to a file.

- Rewritten in place: the application opens its log with O_TRUNC and at once
  writes more than the file held before, so that the daemon never sees it
  shorter than its offset. Ten such rewrites, each round's lines written in
  one write; the test waits for the events of a round before the next
  rewrite. Every Winsock line of every round must give exactly one event:
  with file-system events, with `watch: poll`, and across a restart (the
  file rewritten while the daemon is stopped).
- Beyond the open-file limit (the daemon started with RLIMIT_NOFILE 64, 300
  files): files are deleted and created anew with more lines than before;
  ext4 gives the new file the deleted one's inode at once. Every line of the
  new files must give its event, once.
- copytruncate with delaycompress and a glob that matches the copy
  (`app.log*`): logrotate copies app.log to app.log.1 and truncates app.log.
  What the copy holds was read from app.log already: no line may give two
  events.

Every line here is a Winsock line carrying its own id (`id=R.N`), so that the
events can be counted against the lines written.
"""
import collections
import gzip
import os
import re
import resource
import shutil
import time
import unittest

import wwtest
from wwtest import Daemon, TempDir, daemon_config, require_run

ID_RE = re.compile(r"\bid=([0-9.]+) ")


def lines(tag, n, width=0):
    """n Winsock lines with ids tag.0 .. tag.n-1 (padded to width chars)."""
    return "".join("2026-11-24 20:30:01.000 ERROR id=%s.%d %s[WinError 10054] An existing "
                   "connection was forcibly closed by the remote host\n"
                   % (tag, i, "x" * width) for i in range(n))


def ids_of(text):
    return [m.group(1) for m in ID_RE.finditer(text)]


def rewrite(path, data):
    """What an application that reopens its log with O_TRUNC does: one open,
    one write."""
    fd = os.open(path, os.O_WRONLY | os.O_TRUNC | os.O_CREAT, 0o644)
    try:
        os.write(fd, data.encode())
    finally:
        os.close(fd)


def counts(dm):
    c = collections.Counter()
    for e in dm.matching(lambda e: True):
        m = ID_RE.search(e.get("message", ""))
        if m:
            c[m.group(1)] += 1
    return c


class Base(unittest.TestCase):
    def wait_ids(self, dm, want, timeout=20, what=""):
        want = set(want)

        def have():
            got = set()
            for e in dm.events:
                m = ID_RE.search(e.get("message", ""))
                if m:
                    got.add(m.group(1))
            return want <= got
        try:
            dm.wait_for(have, timeout, "events of %d lines %s" % (len(want), what))
        except AssertionError as x:
            missing = sorted(want - set(counts(dm)))
            raise AssertionError("%d of %d lines gave no event %s (first: %s)\n%s"
                                 % (len(missing), len(want), what, missing[:10], x)) from None

    def check_once(self, dm, written, what):
        """Every id written gave exactly one event, and no other id came."""
        time.sleep(wwtest.scaled(0.6))  # late duplicates
        c = counts(dm)
        missing = sorted(set(written) - set(c))
        dups = sorted(i for i, k in c.items() if k > 1)
        extra = sorted(set(c) - set(written))
        self.assertEqual((len(missing), len(dups), len(extra)), (0, 0, 0),
                         "%s: %d of %d lines lost (first %s), %d read twice (first %s), "
                         "%d not written (first %s)"
                         % (what, len(missing), len(written), missing[:5], len(dups), dups[:5],
                            len(extra), extra[:5]))


@require_run
class Rewrite(Base):
    ROUNDS = 10

    def rewrite_rounds(self, watch):
        with TempDir() as d:
            logs = os.path.join(d, "logs")
            os.makedirs(logs)
            path = os.path.join(logs, "app.log")
            rewrite(path, lines("0", 20))
            written = ids_of(lines("0", 20))
            cfg = daemon_config(d, [{"path": os.path.join(logs, "*.log"),
                                     "start_at": "beginning", "watch": watch}])
            with Daemon(cfg).start() as dm:
                self.wait_ids(dm, written, what="(the first content)")
                for r in range(1, self.ROUNDS + 1):
                    text = lines(str(r), 20 + 15 * r)   # always more than before
                    rewrite(path, text)
                    written += ids_of(text)
                    self.wait_ids(dm, ids_of(text), what="(rewrite %d, watch: %s)" % (r, watch))
                self.check_once(dm, written, "%d rewrites, watch: %s" % (self.ROUNDS, watch))
                self.assertEqual(dm.stop(), 0, dm.describe())

    def test_rewrite_events(self):
        self.rewrite_rounds("auto")

    def test_rewrite_poll(self):
        self.rewrite_rounds("poll")

    def test_rewrite_while_stopped(self):
        """Rewritten while the daemon is not running: the offset saved is past
        lines of the old content, and the new one is longer."""
        with TempDir() as d:
            logs = os.path.join(d, "logs")
            os.makedirs(logs)
            path = os.path.join(logs, "app.log")
            cfg = daemon_config(d, [{"path": os.path.join(logs, "*.log"), "start_at": "end"}])
            rewrite(path, "INFO boot\n")
            for r in range(1, 5):
                with Daemon(cfg).start() as dm:
                    more = lines("%d.old" % r, 10)
                    with open(path, "a") as f:
                        f.write(more)
                    self.wait_ids(dm, ids_of(more), what="(appended, run %d)" % r)
                    self.assertEqual(dm.stop(), 0, dm.describe())
                text = lines(str(r), 40 + 10 * r)
                rewrite(path, text)   # longer than what was read
                with Daemon(cfg).start() as dm:
                    self.wait_ids(dm, ids_of(text), what="(rewritten while stopped, run %d)" % r)
                    self.check_once(dm, ids_of(text), "rewritten while stopped, run %d" % r)
                    self.assertEqual(dm.stop(), 0, dm.describe())


@require_run
class CopyTruncate(Base):
    """logrotate's copytruncate + delaycompress, the glob matching the copy."""

    def rotate(self, path):
        old = path + ".1"
        if os.path.exists(old):                  # delaycompress: compressed one turn later
            with open(old, "rb") as f, gzip.open(path + ".2.gz", "wb") as g:
                g.write(f.read())
            os.unlink(old)
        shutil.copyfile(path, old)               # copytruncate
        os.truncate(path, 0)

    def copytruncate_rounds(self, wait_before, watch="auto"):
        with TempDir() as d:
            logs = os.path.join(d, "logs")
            os.makedirs(logs)
            path = os.path.join(logs, "app.log")
            rewrite(path, "")
            cfg = daemon_config(d, [{"path": os.path.join(logs, "app.log*"), "exclude": ["*.gz"],
                                     "start_at": "beginning", "watch": watch}])
            written = []
            with Daemon(cfg).start() as dm:
                for r in range(6):
                    for k in range(5):
                        text = lines("%d.%d" % (r, k), 10, width=20)
                        with open(path, "a") as f:
                            f.write(text)
                        written += ids_of(text)
                        time.sleep(0.01)
                    if wait_before:
                        self.wait_ids(dm, written, what="(before rotation %d)" % r)
                    else:  # lines the daemon has most likely not read yet
                        text = lines("%d.last" % r, 30, width=20)
                        with open(path, "a") as f:
                            f.write(text)
                        written += ids_of(text)
                    self.rotate(path)
                    # as in test_daemon_rotation: lines the follower had not
                    # read when the truncation came are only in the copy; the
                    # writer goes on after the daemon looked at the file
                    time.sleep(wwtest.scaled(2 * 0.2 + 0.1))
                self.wait_ids(dm, written, what="(after %d rotations)" % (r + 1))
                self.check_once(dm, written, "copytruncate + delaycompress, glob app.log*")
                self.assertEqual(dm.stop(), 0, dm.describe())

    def test_copytruncate_caught_up(self):
        self.copytruncate_rounds(True)

    def test_copytruncate_behind(self):
        """The copy is made before the daemon read everything: the rest is
        read from the copy, once."""
        self.copytruncate_rounds(False)

    def test_copytruncate_poll(self):
        self.copytruncate_rounds(False, "poll")


def low_fd_limit():
    resource.setrlimit(resource.RLIMIT_NOFILE, (64, 64))


@require_run
class FdLimit(Base):
    FILES = 300

    def test_recreated_beyond_open_file_limit(self):
        with TempDir() as d:
            logs = os.path.join(d, "logs")
            os.makedirs(logs)
            paths = [os.path.join(logs, "f%03d.log" % i) for i in range(self.FILES)]
            written = []
            for i, p in enumerate(paths):
                text = lines("%d.0" % i, 1)
                rewrite(p, text)
                written += ids_of(text)
            cfg = daemon_config(d, [{"path": os.path.join(logs, "*.log"),
                                     "start_at": "beginning"}])
            # the daemon, and only it, with 64 descriptors
            with Daemon(cfg, preexec_fn=low_fd_limit).start() as dm:
                self.wait_ids(dm, written, 30, "(the first lines of %d files)" % self.FILES)
                dm.wait_stderr("open-file limit", 5)
                for r in range(1, 4):
                    new = []
                    for i, p in enumerate(paths):
                        os.unlink(p)
                        text = lines("%d.%d" % (i, r), 1 + r)   # longer than before
                        rewrite(p, text)
                        new += ids_of(text)
                    written += new
                    self.wait_ids(dm, new, 30, "(files deleted and created anew, round %d)" % r)
                self.check_once(dm, written, "%d files recreated beyond the open-file limit"
                                % self.FILES)
                self.assertEqual(dm.stop(), 0, dm.describe())


if __name__ == "__main__":
    wwtest.main()
