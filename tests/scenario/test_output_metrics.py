"""The metrics output (`type: metrics`): a Prometheus textfile rewritten every
interval, replaced atomically (a reader in a loop never sees it half
written), valid for `promtool check metrics` (when Debian's prometheus
package is installed; skipped otherwise), wsawatch_up 1 while running and 0
after a stop, and configuration errors.

The series checked are the ones this file's daemon makes for certain:
wsawatch_up and the syslog output's wsawatch_output_dropped_total (a full
queue); the daemon's own counters are checked where they appear.
"""
import os
import re
import shutil
import subprocess
import threading
import time
import unittest

import wwsyslog
import wwtest
from wwtest import RESET_LINE, Daemon, TempDir, append, daemon_config, require_run, run

SERIES = re.compile(r'^[a-zA-Z_:][a-zA-Z0-9_:]*(\{[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*"'
                    r'(?:,[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*")*\})? '
                    r'(?:[-+]?[0-9][0-9.e+-]*|NaN|[+-]Inf)$')


def read(path):
    with open(path, "rb") as f:
        return f.read()


def check_text(text):
    """Checks the exposition format by hand; returns {series: value}. Raises
    AssertionError naming the first bad line."""
    assert text.endswith(b"\n"), "does not end in a newline: %r" % text[-80:]
    typed, series = set(), {}
    for line in text.decode("utf-8").split("\n")[:-1]:
        if line.startswith("# HELP ") or line.startswith("# TYPE "):
            name = line.split(" ")[2]
            if line.startswith("# TYPE "):
                assert name not in typed, "TYPE twice for %s" % name
                assert line.split(" ")[3] in ("counter", "gauge"), line
                typed.add(name)
            continue
        assert SERIES.match(line), "bad series line %r" % line
        key, value = line.rsplit(" ", 1)
        assert re.match(r"[^{]*", key).group(0) in typed, "series before its TYPE: %r" % line
        assert key not in series, "series twice: %r" % line
        series[key] = float(value)
    return series


def promtool():
    return shutil.which("promtool")


def metrics_config(d, interval="200ms", extra=()):
    logs = os.path.join(d, "logs")
    os.makedirs(logs, exist_ok=True)
    prom = os.path.join(d, "textfile", "wsawatch.prom")
    os.makedirs(os.path.dirname(prom), exist_ok=True)
    cfg = daemon_config(d, [{"path": os.path.join(logs, "*.log"), "start_at": "beginning"}],
                        outputs=[{"name": "events", "type": "stdout", "take": ["events"]},
                                 {"name": "prom", "type": "metrics", "path": prom,
                                  "interval": interval}] + list(extra))
    return logs, prom, cfg


@require_run
class Textfile(unittest.TestCase):

    def test_written_every_interval_valid_and_down_at_stop(self):
        with TempDir() as d:
            port = wwsyslog.free_port()
            logs, prom, cfg = metrics_config(d, "300ms", [
                {"name": "sl", "type": "syslog", "address": "tcp://127.0.0.1:%d" % port,
                 "queue": 1, "take": ["events"]}])
            with Daemon(cfg).start() as dm:
                first = check_text(read(prom))  # written at start
                self.assertEqual(first.get("wsawatch_up"), 1)
                m1 = os.stat(prom).st_mtime_ns
                wwtest.wait_until(lambda: os.stat(prom).st_mtime_ns != m1, 5,
                                  "the file rewritten after the interval", dm)
                # a syslog collector down: 3 events wait in its spool, its bytes in the file
                append(os.path.join(logs, "a.log"),
                       "".join("ERROR m%d %s\n" % (i, RESET_LINE) for i in range(3)))
                dm.wait_message("ERROR m", 3)
                key = 'wsawatch_spool_bytes{output="sl"}'
                s = wwtest.wait_until(lambda: (lambda x: (x.get(key) or 0) > 3 * 100 and x)(
                                          check_text(read(prom))),
                                      5, "%s > 300 in %s" % (key, prom), dm)
                if "wsawatch_events_total" in read(prom).decode():
                    self.assertEqual(sum(v for k, v in s.items()
                                         if k.startswith("wsawatch_events_total")), 3)
                if promtool():
                    p = subprocess.run([promtool(), "check", "metrics"], input=read(prom),
                                       capture_output=True, timeout=60)
                    self.assertEqual(p.returncode, 0, "promtool check metrics:\n%s%s\n%s" % (
                        p.stdout.decode(), p.stderr.decode(), read(prom).decode()))
                self.assertEqual(dm.stop(), 0, dm.describe())
            last = check_text(read(prom))
            self.assertEqual(last.get("wsawatch_up"), 0, "a stopped daemon's file says so")
            self.assertGreater(last.get(key), 300)
            self.assertEqual(os.listdir(os.path.dirname(prom)), ["wsawatch.prom"],
                             "no temporary file left")

    @unittest.skipUnless(promtool(), "promtool is not installed (Debian package prometheus)")
    def test_promtool_accepts_it(self):
        with TempDir() as d:
            logs, prom, cfg = metrics_config(d)
            for i in range(20):  # series with labels that need escaping, if the daemon counts by file
                append(os.path.join(logs, 'we"ird name %d.log' % i), "ERROR x " + RESET_LINE + "\n")
            with Daemon(cfg).start() as dm:
                dm.wait_message("ERROR x", 20)
                time.sleep(0.6)
                text = read(prom)
                check_text(text)
                p = subprocess.run([promtool(), "check", "metrics"], input=text,
                                   capture_output=True, timeout=60)
                self.assertEqual(p.returncode, 0, "promtool check metrics:\n%s%s\n%s" % (
                    p.stdout.decode(), p.stderr.decode(), text.decode()))
                self.assertEqual(dm.stop(), 0, dm.describe())

    def test_never_seen_half_written(self):
        """A reader in a loop, while the daemon rewrites the file every 100ms:
        every read is a whole file (valid, ending in a newline, with
        wsawatch_up); the file never goes missing once it exists."""
        with TempDir() as d:
            logs, prom, cfg = metrics_config(d, "100ms")
            for i in range(200):  # a bigger file: more chance to catch a partial one
                append(os.path.join(logs, "file-with-a-long-name-%03d.log" % i),
                       "ERROR y " + RESET_LINE + "\n")
            stop, reads, bad = threading.Event(), [0], []

            def reader():
                while not stop.is_set():
                    try:
                        text = read(prom)
                    except FileNotFoundError as e:
                        bad.append("missing: %s" % e)
                        continue
                    try:
                        s = check_text(text)
                        assert "wsawatch_up" in s, "no wsawatch_up"
                    except AssertionError as e:
                        bad.append("%s (%d bytes)" % (e, len(text)))
                    reads[0] += 1
            with Daemon(cfg).start() as dm:
                t = threading.Thread(target=reader, daemon=True)
                t.start()
                try:
                    dm.wait_message("ERROR y", 200, timeout=20)
                    time.sleep(2.0)
                finally:
                    stop.set()
                    t.join(10)
                self.assertEqual(dm.stop(), 0, dm.describe())
            self.assertEqual(bad[:3], [], "reads that saw a partial or missing file")
            self.assertGreater(reads[0], 20, "the reader ran")


@require_run
class Config(unittest.TestCase):

    def test_errors(self):
        cases = [({}, r"'path'"),
                 ({"path": "x.prom", "interval": "soon"}, r"interval 'soon'"),
                 ({"path": "x.prom", "interval": "10ms"}, r"interval '10ms'")]
        for output, pattern in cases:
            with self.subTest(output=output), TempDir() as d:
                cfg = daemon_config(d, [], outputs=[dict({"name": "m", "type": "metrics"}, **output)])
                rc, out, err = run("check", "--config", cfg)
                self.assertEqual(rc, 2, err)
                self.assertRegex(err, re.escape(cfg) + r":\d+:\d+: .*" + pattern)

    def test_unwritable_directory_is_a_start_error(self):
        with TempDir() as d:
            prom = os.path.join(d, "no", "such", "dir", "wsawatch.prom")
            cfg = daemon_config(d, [], outputs=[{"name": "m", "type": "metrics", "path": prom}])
            dm = Daemon(cfg).start(ready=False)
            try:
                rc = dm.proc.wait(20)
            finally:
                dm.close()
            self.assertEqual(rc, 2)
            self.assertIn("output 'm': %s: no such file" % prom, dm.stderr_text())


if __name__ == "__main__":
    wwtest.main()
