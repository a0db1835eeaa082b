"""The file output deleted under the daemon (issue 11): an operator (or a
clean-up job) deletes the events file, or its whole directory, and the
application goes on logging. The events of the lines written after that
went into the deleted file until the next check of its path (every commit)
and were lost. Now the file's identity is checked before each sync: what
was written to a deleted file since its last sync is written again to a new
file at the path; with the directory gone, those events wait in memory with
the new ones until the operator makes it again. commit_interval is 5s here,
so that the lines are read and written well before the sync.
"""
import os
import shutil
import time
import unittest

import wwtest
from wwtest import (RESET_LINE, Daemon, TempDir, append, daemon_config,
                    require_run)




@require_run
class OutputFileDeleted(unittest.TestCase):
    def run_case(self, delete, restore=None):
        with TempDir() as d:
            logs = os.path.join(d, "logs")
            os.makedirs(logs)
            api = os.path.join(logs, "api.log")
            append(api, "")
            out_dir = os.path.join(d, "out")
            os.makedirs(out_dir)
            events = os.path.join(out_dir, "events.jsonl")
            cfg = daemon_config(d, [{"path": os.path.join(logs, "*.log")}],
                                [{"name": "events", "type": "file", "path": events,
                                  "take": ["events"]}], commit_interval="5s")
            with Daemon(cfg).start() as dm:
                append(api, "".join("a=%d %s\n" % (i, RESET_LINE) for i in range(5)))
                dm.wait_for(lambda: len(wwtest.whole_events(events)) >= 5, 10, "5 events in the file")
                delete(events, out_dir)
                append(api, "".join("b=%d %s\n" % (i, RESET_LINE) for i in range(5)))
                # read and written to the deleted file at once; the sync comes with the commit
                if restore is not None:
                    dm.wait_stderr(r"events\.jsonl: no such file or directory; its events wait",
                                   12)
                    restore(out_dir)
                deadline = time.monotonic() + 12
                while time.monotonic() < deadline:
                    got = [e["message"].split()[0] for e in wwtest.whole_events(events)]
                    if sum(m.startswith("b=") for m in got) >= 5:
                        break
                    time.sleep(0.1)
                got = [e["message"].split()[0] for e in wwtest.whole_events(events)]
                self.assertEqual(sorted(m for m in got if m.startswith("b=")),
                                 ["b=%d" % i for i in range(5)], dm.describe())
                self.assertEqual(len(got), len(set(got)), "no event twice: %s" % got)
                self.assertTrue(any("was deleted" in l for l in dm.err), dm.describe())
                self.assertEqual(dm.stop(), 0, dm.describe())

    def test_file_deleted(self):
        self.run_case(lambda events, out_dir: os.unlink(events))

    def test_directory_deleted(self):
        self.run_case(lambda events, out_dir: shutil.rmtree(out_dir), os.makedirs)


if __name__ == "__main__":
    wwtest.main()
