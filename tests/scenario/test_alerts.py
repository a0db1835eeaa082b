"""Alerts end to end, as an operator sees them: connection resets appended to
a followed log reach a real webhook receiver on 127.0.0.1 as one alert with
its count, group and samples; the cooldown holds the next ones back and the
next alert says how many; two peers are two groups; a receiver that fails
and times out gets the alert once while the daemon keeps reading, and the
failed attempts are counted in the metrics textfile; a flood of 100 000
distinct peers keeps memory bounded and reports the overflow.

Lines carry no timestamp of their own, so windows count by arrival."""
import json
import os
import time
import unittest

import wwnet
from wwtest import (Daemon, TempDir, append, daemon_config, file_events, require_run,
                    skip_under_memcheck)

RESET = ("read tcp 10.0.0.5:%d->%s: wsarecv: An existing connection was forcibly closed by "
         "the remote host.\n")


def storm_rule(**keys):
    rule = {"id": "connection-reset-storm", "codes": ["WSAECONNRESET", "WSAECONNABORTED"],
            "threshold": 5, "window": "60s", "group_by": ["file", "peer"], "cooldown": "4s",
            "outputs": ["hook"]}
    rule.update(keys)
    return rule


def alerts_of(rec, state="firing"):
    out = []
    for r in rec.answered():
        o = json.loads(r["body"].decode("utf-8"))
        if o["event"]["kind"] == "alert" and o["alert"]["state"] == state:
            out.append(o)
    return out


def metric(path, name, labels):
    try:
        with open(path) as f:
            want = "%s{%s} " % (name, labels) if labels else name + " "
            for line in f:
                if line.startswith(want):
                    return float(line.split()[-1])
    except FileNotFoundError:
        pass
    return 0.0


def setup(d, rec, rule, hook_keys=None):
    log = os.path.join(d, "logs", "api.log")
    os.makedirs(os.path.dirname(log))
    append(log, "")
    hook = {"name": "hook", "type": "webhook", "url": rec.url(), "take": ["alerts"],
            "backoff": "100ms", "timeout": "1s"}
    hook.update(hook_keys or {})
    outputs = [hook,
               {"name": "events", "type": "file", "path": os.path.join(d, "events.jsonl"),
                "take": ["events"]},
               {"name": "metrics", "type": "metrics", "path": os.path.join(d, "wsawatch.prom"),
                "interval": "200ms"}]
    cfg = daemon_config(d, [{"path": os.path.join(d, "logs", "*.log")}], outputs,
                        alerts=[rule])
    return log, cfg


@require_run
class Alerts(unittest.TestCase):
    def test_storm_cooldown_suppressed_and_two_peers(self):
        with TempDir() as d, wwnet.Receiver() as rec:
            log, cfg = setup(d, rec, storm_rule())
            with Daemon(cfg).start() as dm:
                for i in range(5):
                    append(log, RESET % (50000 + i, "10.0.0.9:443"))
                got = rec.wait(lambda: alerts_of(rec), 10, "the first alert")
                a = got[0]["alert"]
                self.assertEqual(a["id"], "connection-reset-storm")
                self.assertEqual(a["count"], 5)
                self.assertEqual(a["group"], {"file": log, "peer": "10.0.0.9:443"})
                self.assertEqual(len(a["samples"]), 3)
                self.assertIn("forcibly closed", a["samples"][0])
                self.assertEqual(a["codes"], {"10054": 5})
                self.assertEqual(got[0]["winsock"]["symbol"], "WSAECONNRESET")
                self.assertIn("5 WSAECONNRESET in 60 s", got[0]["message"])
                started = time.monotonic()
                for i in range(20):
                    append(log, RESET % (51000 + i, "10.0.0.9:443"))
                wwtest_wait_events(d, 25)
                time.sleep(0.5)
                self.assertEqual(len(alerts_of(rec)), 1, "no alert within the cooldown")
                # a second peer is a second group
                for i in range(5):
                    append(log, RESET % (52000 + i, "10.0.0.10:443"))
                rec.wait(lambda: len(alerts_of(rec)) == 2, 10, "the second peer's alert")
                self.assertEqual(alerts_of(rec)[1]["alert"]["group"]["peer"], "10.0.0.10:443")
                # after the cooldown, the next alert reports what was held back
                time.sleep(max(0, 4.2 - (time.monotonic() - started)))
                append(log, RESET % (53000, "10.0.0.9:443"))
                rec.wait(lambda: len(alerts_of(rec)) == 3, 10, "the alert after the cooldown")
                self.assertEqual(alerts_of(rec)[2]["alert"]["suppressed"], 20)
                self.assertEqual(dm.stop(), 0, dm.describe())

    def test_receiver_fails_then_recovers(self):
        answers = [500, ("sleep", 2.0, 200)]
        with TempDir() as d, wwnet.Receiver(answers=answers) as rec:
            log, cfg = setup(d, rec, storm_rule())
            prom = os.path.join(d, "wsawatch.prom")
            with Daemon(cfg).start() as dm:
                for i in range(5):
                    append(log, RESET % (50000 + i, "10.0.0.9:443"))
                # while the receiver fails and hangs, reading goes on
                for i in range(10):
                    append(log, "more [WinError 10061] n=%d\n" % i)
                    time.sleep(0.1)
                evs = wwtest_wait_events(d, 15)
                self.assertLess(time.monotonic() - evs, 3.0)
                rec.wait(lambda: alerts_of(rec), 15, "the alert, once the receiver is back")
                time.sleep(0.5)
                self.assertEqual(len(alerts_of(rec)), 1, "delivered exactly once")
                self.assertGreaterEqual(
                    metric(prom, "wsawatch_output_retries_total", 'output="hook"'), 2)
                self.assertEqual(dm.stop(), 0, dm.describe())

    def test_flood_of_distinct_peers_bounded(self):
        """100 000 distinct peers against max_groups 10 000: RSS stays under
        64 MB (measured here about 20 MB) and the overflow is counted."""
        skip_under_memcheck(self, "a memory figure, and 100 000 lines take minutes there")
        with TempDir() as d, wwnet.Receiver() as rec:
            log, cfg = setup(d, rec, storm_rule(group_by=["peer"], max_groups=10000))
            prom = os.path.join(d, "wsawatch.prom")
            with Daemon(cfg).start() as dm:
                batch = []
                for i in range(100000):
                    batch.append(RESET % (1000 + i % 50000, "10.%d.%d.%d:443" % (
                        i >> 16, (i >> 8) & 255, i & 255)))
                    if len(batch) == 5000:
                        append(log, "".join(batch))
                        batch = []
                deadline = time.monotonic() + 60
                while time.monotonic() < deadline and metric(
                        prom, "wsawatch_lines_read_total", "") < 100000:
                    time.sleep(0.2)
                self.assertGreaterEqual(metric(prom, "wsawatch_lines_read_total", ""), 100000)
                with open("/proc/%d/status" % dm.proc.pid) as f:
                    rss = int([l for l in f if l.startswith("VmRSS")][0].split()[1]) / 1024.0
                print("RSS after 100 000 distinct peers: %.1f MB" % rss)
                if "ASAN_OPTIONS" not in os.environ:  # ASan's shadow memory is not ours
                    self.assertLess(rss, 64.0)
                self.assertEqual(metric(prom, "wsawatch_alert_groups_overflow_total",
                                        'alert="connection-reset-storm"'), 90000)
                self.assertEqual(dm.stop(), 0, dm.describe())


def wwtest_wait_events(d, n, timeout=15):
    """Waits until the events file holds n events; returns when it did."""
    path = os.path.join(d, "events.jsonl")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if len(file_events(path)) >= n:
            return time.monotonic()
        time.sleep(0.05)
    raise AssertionError("expected %d events in %s, got %d" % (n, path, len(file_events(path))))


if __name__ == "__main__":
    import wwtest
    wwtest.main()
