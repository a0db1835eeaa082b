"""Globs with several `**` (issue 11): matching them cost time exponential in
their number (four cost 19 % of a core at idle, nine never got ready). Now
a glob may hold at most two, a third is an error at load naming the
file:line:col of that path (`check` and `run` exit 2), and two `**` over a
deep tree find the files at every depth, the daemon ready at once.
"""
import os
import re
import time
import unittest

import wwtest
from wwtest import RESET_LINE, Daemon, TempDir, append, daemon_config, require_run


class TooManyAny(unittest.TestCase):
    def test_check_names_the_path(self):
        with TempDir() as d:
            logs = os.path.join(d, "logs")
            bad = os.path.join(logs, "**", "a", "**", "b", "**", "*.log")
            cfg = daemon_config(d, [{"path": [os.path.join(logs, "*.log"), bad]}])
            with open(cfg) as f:
                lines = f.read().splitlines()
            row = next(i for i, l in enumerate(lines) if bad in l) + 1
            col = lines[row - 1].index(bad)  # YAML columns are 1-based; the quote is before
            rc, out, err = wwtest.run("check", "--config", cfg)
            self.assertEqual(rc, 2, err)
            m = re.search("error: " + re.escape(cfg) + r":(\d+):(\d+): (.*)", err)
            self.assertIsNotNone(m, err)
            self.assertEqual(int(m.group(1)), row, err)
            self.assertEqual(int(m.group(2)), col, err)
            self.assertIn("'**' at offset %d is one too many" % bad.rindex("**"), m.group(3))
            if wwtest.have_run():
                rc, out, err = wwtest.run("run", "--config", cfg, *wwtest.ROOT_ARGS, timeout=30)
                self.assertEqual(rc, 2, err)
                self.assertIn("one too many", err)


@require_run
class TwoAnyDeepTree(unittest.TestCase):
    def test_files_at_every_depth(self):
        with TempDir() as d:
            logs = os.path.join(d, "logs")
            paths = []
            for branch in range(4):
                p = os.path.join(logs, "b%d" % branch)
                for depth in range(20):
                    p = os.path.join(p, "app" if depth == 10 else "d%d" % depth)
                    os.makedirs(p, exist_ok=True)
                    if depth in (0, 11, 19):
                        paths.append(os.path.join(p, "x.log"))
                        append(paths[-1], "")
            outside = os.path.join(logs, "b0", "d0", "x.log")  # no app/ above it
            cfg = daemon_config(d, [{"path": os.path.join(logs, "**", "app", "**", "*.log")}])
            with Daemon(cfg).start(timeout=10) as dm:
                for p in paths:
                    append(p, RESET_LINE + "\n")
                want = [p for p in paths if os.sep + "app" + os.sep in p]
                self.assertEqual(len(want), 8)
                dm.wait_for(lambda: len(dm.events) >= len(want), 15, "%d events" % len(want))
                time.sleep(0.5)
                self.assertEqual(sorted(e["log"]["file"]["path"] for e in dm.events),
                                 sorted(want), dm.describe())
                self.assertNotIn(outside, [e["log"]["file"]["path"] for e in dm.events])
                self.assertEqual(dm.stop(), 0, dm.describe())


if __name__ == "__main__":
    wwtest.main()
