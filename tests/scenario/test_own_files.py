"""An input glob that matches the daemon's own files (issue 11): its events
file, its metrics textfile, its log file and its state_dir lie under the
logs it follows (`logs/**`). They are left out of the inputs, each said
once in a warning that names it; otherwise each event written would be read
back as a new one, without end.
"""
import os
import time
import unittest

import wwtest
from wwtest import (RESET_LINE, Daemon, TempDir, append, daemon_config,
                    require_run, wait_until)




def read(path):
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            return f.read()
    except FileNotFoundError:
        return ""


@require_run
class OwnFiles(unittest.TestCase):
    def test_own_files_under_the_glob(self):
        with TempDir() as d:
            logs = os.path.join(d, "logs")
            os.makedirs(logs)
            api = os.path.join(logs, "api.log")
            append(api, "")
            events = os.path.join(logs, "events.log")
            prom = os.path.join(logs, "wsawatch.prom")
            own_log = os.path.join(logs, "wsawatch.log")
            outputs = [{"name": "events", "type": "file", "path": events,
                        "take": ["events", "alerts"]},
                       {"name": "metrics", "type": "metrics", "path": prom,
                        "interval": "200ms"}]
            cfg = daemon_config(d, [{"path": os.path.join(logs, "**")}], outputs,
                                state_dir=os.path.join(logs, "state"),
                                log={"level": "info", "target": "file", "path": own_log})
            with Daemon(cfg).start(ready=False) as dm:
                wait_until(lambda: "ready" in read(own_log), 20, "'ready' in " + own_log, dm)
                for i in range(6):  # enough for the built-in reset storm alert
                    append(api, "n=%d %s\n" % (i, RESET_LINE))
                wait_until(lambda: len(wwtest.whole_events(events)) >= 6, 10, "6 events in " + events,
                           dm)
                time.sleep(2.0)  # several polls: what was written is not read back
                evs = wwtest.whole_events(events)
                self.assertEqual(sorted(e["log"]["file"]["path"] for e in evs), [api] * 6,
                                 read(own_log))
                warned = [l for l in read(own_log).splitlines() if "left out of the inputs" in l]
                for own in (events, prom, own_log, os.path.join(logs, "state")):
                    self.assertEqual(len([l for l in warned if own in l]), 1,
                                     "one warning about %s:\n%s" % (own, "\n".join(warned)))
                self.assertEqual(dm.stop(), 0, read(own_log))


if __name__ == "__main__":
    wwtest.main()
