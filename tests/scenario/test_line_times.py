"""A line's own time must not silence alerts (issue 11, finding 6).

An application on a host whose clock runs a day ahead writes one connection
reset; then, from the right clock, three bursts of resets come, each after
the cooldown of the one before: each burst must give its alert. Once, the
cooldown ended at the skewed line's time plus the cooldown, so the group
stayed quiet until the next day. The line's time is taken as read now
(it is more than 5 minutes ahead), counted in
wsawatch_future_timestamps_total and logged once.

The same with a time only 4 minutes ahead (inside the tolerance, not
clamped): the cooldown runs by the monotonic clock, not from the line's time.

And a date quoted in the message ("token valid until 2030-...") of lines
with no leading time is not their time: three bursts, three alerts.
"""
import datetime
import os
import time
import unittest

from wwtest import Daemon, TempDir, append, daemon_config, prometheus_file, require_run

COOLDOWN = 2.0


def stamp(offset_s=0.0):
    t = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=offset_s)
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (t.microsecond // 1000)


def reset_line(n, offset_s=0.0):
    return ("%s ERROR n=%d [WinError 10054] An existing connection was forcibly closed by "
            "the remote host\n" % (stamp(offset_s), n))


def quoted_line(n):
    return ("session n=%d: token valid until 2030-01-01T00:00:00Z; [WinError 10054] An existing "
            "connection was forcibly closed by the remote host\n" % n)


@require_run
class LineTimes(unittest.TestCase):
    def start(self, d, threshold):
        logs = os.path.join(d, "logs")
        os.makedirs(logs)
        log = os.path.join(logs, "api.log")
        append(log, "")
        self.prom = os.path.join(d, "wsawatch.prom")
        rule = {"id": "resets", "codes": ["WSAECONNRESET"], "threshold": threshold,
                "window": "10s", "group_by": ["file"], "cooldown": "2s",
                "outputs": ["events"]}
        outputs = [{"name": "events", "type": "stdout", "take": ["events", "alerts"]},
                   {"name": "metrics", "type": "metrics", "path": self.prom,
                    "interval": "200ms"}]
        cfg = daemon_config(d, [{"path": os.path.join(logs, "*.log")}], outputs,
                            alerts=[rule])
        return log, Daemon(cfg).start()

    @staticmethod
    def mine(dm):
        """The alerts of this test's rule (the built-in rules alert too)."""
        return [a for a in dm.alerts if a["alert"]["id"] == "resets"]

    def bursts(self, dm, log, make, first, per_burst=3):
        """Three bursts, each once the cooldown of the last alert is over;
        each must give one alert."""
        n = 1000
        for k in range(3):
            want = first + k + 1
            mine = self.mine(dm)
            last = mine[-1]["_t"] if mine else time.monotonic()
            time.sleep(max(0.0, last + COOLDOWN + 0.5 - time.monotonic()))
            append(log, "".join(make(n + i) for i in range(per_burst)))
            n += per_burst
            dm.wait_for(lambda: len(self.mine(dm)) >= want, 10,
                        "alert %d (burst %d of 3, after the cooldown)" % (want, k + 1))
        dm.wait_for(lambda: len(dm.events) >= first + 3 * per_burst, 10, "every event")
        time.sleep(0.5)
        self.assertEqual(len(self.mine(dm)), first + 3, dm.describe())

    def test_line_dated_tomorrow_then_three_bursts(self):
        with TempDir() as d:
            log, dm = self.start(d, threshold=1)
            with dm:
                append(log, reset_line(1, offset_s=86400))
                dm.wait_for(lambda: len(self.mine(dm)) >= 1, 10, "the skewed line's alert")
                self.bursts(dm, log, reset_line, first=1)
                dm.wait_for(lambda: prometheus_file(self.prom).get(
                    "wsawatch_future_timestamps_total") == 1, 5,
                    "wsawatch_future_timestamps_total 1 in %s" % self.prom)
                ahead = [l for l in dm.err if "ahead of the clock" in l]
                self.assertEqual(len(ahead), 1, dm.describe())
                self.assertIn(log, ahead[0])
                self.assertEqual(dm.stop(), 0, dm.describe())

    def test_line_minutes_ahead_holds_only_the_cooldown(self):
        with TempDir() as d:
            log, dm = self.start(d, threshold=1)
            with dm:
                append(log, reset_line(1, offset_s=240))
                dm.wait_for(lambda: len(self.mine(dm)) >= 1, 10, "the first alert")
                self.bursts(dm, log, reset_line, first=1)
                self.assertFalse(any("ahead of the clock" in l for l in dm.err), dm.describe())
                self.assertEqual(dm.stop(), 0, dm.describe())

    def test_date_quoted_in_message_is_not_the_time(self):
        with TempDir() as d:
            log, dm = self.start(d, threshold=3)
            with dm:
                self.bursts(dm, log, quoted_line, first=0)
                time.sleep(0.5)
                self.assertFalse(prometheus_file(self.prom).get(
                    "wsawatch_future_timestamps_total"), "no line time was taken from the message")
                self.assertEqual(dm.stop(), 0, dm.describe())


if __name__ == "__main__":
    import wwtest
    wwtest.main()
