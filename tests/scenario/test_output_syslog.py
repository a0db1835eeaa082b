"""The syslog output (`type: syslog`) against real collectors on 127.0.0.1:
UDP and TCP listeners in threads whose messages go through a strict RFC 5424
parser (wwsyslog.py), the octet-counting framing of TCP, a collector that
comes up after the daemon, a full queue, the local transport (a Unix
datagram socket, as /dev/log), configuration errors, and rsyslogd as a real
collector when Debian's rsyslog is installed.

Every wait has a deadline; a failure shows what came and the daemon's stderr.
"""
import datetime
import json
import os
import re
import signal
import socket
import time
import unittest

import wwsyslog
import wwtest
from wwtest import RESET_LINE, Daemon, TempDir, append, daemon_config, require_run, run

REFUSED_LINE = ("[WinError 10061] No connection could be made because the target machine "
                "actively refused it")
SEV_NOTICE = 5     # the severity of events
DAEMON, LOCAL3 = 3, 19


def setup(d, outputs):
    logs = os.path.join(d, "logs")
    os.makedirs(logs)
    log = os.path.join(logs, "api.log")
    append(log, "INFO start\n")
    cfg = daemon_config(d, [{"path": os.path.join(logs, "*.log"), "start_at": "end"}],
                        outputs=[{"name": "events", "type": "stdout", "take": ["events"]}] + outputs)
    return log, cfg


def check_event_message(tc, p, line, dm, hostname=None, app="wsawatch", facility=DAEMON):
    """p is a parsed RFC 5424 message of the event for line."""
    tc.assertEqual(p["facility"], facility)
    tc.assertEqual(p["severity"], SEV_NOTICE)
    tc.assertEqual(p["hostname"], hostname or socket.gethostname())
    tc.assertEqual(p["app"], app)
    tc.assertEqual(p["procid"], str(dm.proc.pid))
    tc.assertEqual(p["msgid"], "event")
    tc.assertEqual(p["sd"], "-")
    tc.assertEqual(p["timestamp"][-1], "Z", "UTC")
    tc.assertRegex(p["timestamp"], r"\.\d{3}Z$", "milliseconds")
    age = datetime.datetime.now(datetime.timezone.utc) - p["time"]
    tc.assertLess(abs(age.total_seconds()), 60, "TIMESTAMP is now: %s" % p["timestamp"])
    # MSG: the summary, a space, the event's JSON
    text = p["msg"].decode("utf-8")
    summary, sep, js = text.partition(" {")
    tc.assertTrue(sep, "MSG has the JSON after the summary: %r" % text[:200])
    ev = json.loads("{" + js)
    tc.assertEqual(ev["message"], line)
    tc.assertEqual(ev["event"]["kind"], "event")
    tc.assertIn(ev["winsock"]["symbol"], summary)
    tc.assertNotIn("\n", text)
    return ev


def read(path):
    with open(path) as f:
        return f.read()


def msg_event(raw):
    """The event JSON of a raw RFC 5424 message."""
    return json.loads("{" + wwsyslog.parse_5424(raw)["msg"].decode().partition(" {")[2])


def event_lines(n, tag):
    return ["2026-11-24 20:30:%02d ERROR %s-%d %s" % (i, tag, i, RESET_LINE) for i in range(n)]


@require_run
class Remote(unittest.TestCase):

    def test_udp_message_is_rfc5424(self):
        with TempDir() as d, wwsyslog.UdpCollector() as col:
            log, cfg = setup(d, [{"name": "sl", "type": "syslog", "address": col.address,
                                  "take": ["events"]}])
            with Daemon(cfg).start() as dm:
                line = "2026-11-24 20:30:01 ERROR udp " + RESET_LINE
                append(log, line + "\n")
                dm.wait_message("ERROR udp")
                (raw,) = col.wait(1, 10)
                p = wwsyslog.parse_5424(raw)
                check_event_message(self, p, line, dm)
                self.assertEqual(dm.stop(), 0, dm.describe())

    def test_tcp_octet_counting_and_names(self):
        with TempDir() as d, wwsyslog.TcpCollector() as col:
            log, cfg = setup(d, [{"name": "sl", "type": "syslog", "address": col.address,
                                  "facility": "local3", "app_name": "ww-test",
                                  "hostname": "collector-test.example", "take": ["events"]}])
            with Daemon(cfg).start() as dm:
                lines = event_lines(2, "tcp")
                append(log, "".join(l + "\n" for l in lines))  # one write: back to back
                msgs = col.wait(2, 10)
                for raw, line in zip(msgs, lines):
                    p = wwsyslog.parse_5424(raw)
                    check_event_message(self, p, line, dm, hostname="collector-test.example",
                                        app="ww-test", facility=LOCAL3)
                # the stream is exactly the frames, nothing before, between or after
                stream = b"".join(col.streams)
                frames, rest = wwsyslog.split_octet_counted(stream)
                self.assertEqual(frames, msgs)
                self.assertEqual(rest, b"")
                self.assertEqual(dm.stop(), 0, dm.describe())
                self.assertEqual(len(col.messages), 2, "nothing more at close")

    def test_collector_down_at_start_gets_queued_messages(self):
        port = wwsyslog.free_port()
        with TempDir() as d:
            log, cfg = setup(d, [{"name": "sl", "type": "syslog",
                                  "address": "tcp://127.0.0.1:%d" % port, "take": ["events"]}])
            with Daemon(cfg).start() as dm:
                lines = event_lines(3, "queued")
                for l in lines:
                    append(log, l + "\n")
                dm.wait_message("ERROR queued-", 3)
                dm.wait_stderr(r"output 'sl'.*connection refused", 10)
                time.sleep(0.5)
                with wwsyslog.TcpCollector(port) as col:
                    msgs = col.wait(3, 20, "the 3 queued messages once the collector is up")
                    got = [msg_event(m)["message"] for m in msgs]
                    self.assertEqual(got, lines, "in order, each once")
                    # and what comes later goes straight through
                    append(log, "ERROR later " + RESET_LINE + "\n")
                    col.wait(4, 10)
                    dm.wait_stderr(r"output 'sl'.*connected", 5)
                    self.assertEqual(dm.stop(), 0, dm.describe())

    def test_small_queue_drops_nothing_the_spool_holds_the_rest(self):
        port = wwsyslog.free_port()
        with TempDir() as d:
            prom = os.path.join(d, "wsawatch.prom")
            log, cfg = setup(d, [{"name": "sl", "type": "syslog", "queue": 2,
                                  "address": "tcp://127.0.0.1:%d" % port, "take": ["events"]},
                                 {"name": "prom", "type": "metrics", "path": prom,
                                  "interval": "200ms"}])
            with Daemon(cfg).start() as dm:
                lines = event_lines(5, "full")
                append(log, "".join(l + "\n" for l in lines))
                dm.wait_message("ERROR full-", 5)
                dm.wait_stderr(r"output 'sl'.*connection refused", 10)
                with wwsyslog.TcpCollector(port) as col:
                    msgs = col.wait(5, 20)
                    time.sleep(0.5)
                    self.assertEqual(len(col.messages), 5)
                    got = [msg_event(m)["message"] for m in msgs]
                    self.assertEqual(got, lines, "all five, in order")
                    self.assertEqual(dm.stop(), 0, dm.describe())
                self.assertNotIn("queue full", dm.stderr_text())

    def test_stop_with_collector_down_is_prompt(self):
        port = wwsyslog.free_port()
        with TempDir() as d:
            log, cfg = setup(d, [{"name": "sl", "type": "syslog",
                                  "address": "tcp://127.0.0.1:%d" % port, "take": ["events"]}])
            with Daemon(cfg).start() as dm:
                append(log, "ERROR stuck " + RESET_LINE + "\n")
                dm.wait_message("ERROR stuck")
                t = time.monotonic()
                self.assertEqual(dm.stop(timeout=10), 0, dm.describe())
                self.assertLess(time.monotonic() - t, 5, "close waits a short deadline at most")
                self.assertRegex(dm.stderr_text(),
                                 r"output 'sl'.*closing: 1 messages kept in the spool")


@require_run
class Local(unittest.TestCase):

    def test_unix_socket_gets_syslog3_format(self):
        with TempDir() as d:
            path = os.path.join(d, "log.sock")
            with wwsyslog.UnixDgramCollector(path) as col:
                log, cfg = setup(d, [{"name": "sl", "type": "syslog", "address": col.address,
                                      "facility": "local3", "take": ["events"]}])
                with Daemon(cfg).start() as dm:
                    line = "ERROR local " + REFUSED_LINE
                    append(log, line + "\n")
                    (raw,) = col.wait(1, 10)
                    p = wwsyslog.parse_local(raw)
                    self.assertEqual((p["facility"], p["severity"]), (LOCAL3, SEV_NOTICE))
                    self.assertEqual((p["app"], p["procid"]), ("wsawatch", str(dm.proc.pid)))
                    summary, _, js = p["msg"].decode().partition(" {")
                    self.assertIn("WSAECONNREFUSED", summary)
                    self.assertEqual(json.loads("{" + js)["message"], line)
                    self.assertEqual(dm.stop(), 0, dm.describe())

    def test_missing_local_socket_is_a_start_error(self):
        with TempDir() as d:
            log, cfg = setup(d, [{"name": "sl", "type": "syslog",
                                  "address": "unix:" + os.path.join(d, "nothing.sock")}])
            dm = Daemon(cfg).start(ready=False)
            try:
                rc = dm.proc.wait(20)
            finally:
                dm.close()
            self.assertEqual(rc, 2)
            self.assertRegex(dm.stderr_text(), r"output 'sl': syslog socket .*nothing\.sock: "
                                               r"no such file")


@require_run
class Config(unittest.TestCase):

    def check(self, d, output, pattern):
        log, cfg = setup(d, [dict({"name": "sl", "type": "syslog"}, **output)])
        rc, out, err = run("check", "--config", cfg)
        self.assertEqual(rc, 2, err)
        self.assertRegex(err, re.escape(cfg) + r":\d+:\d+: .*" + pattern)

    def test_bad_values_are_reported_with_position(self):
        cases = [({"address": "http://x:1"}, r"address 'http://x:1' is not"),
                 ({"address": "udp://127.0.0.1:99999"}, r"address .* is not"),
                 ({"address": "tcp://::1:514"}, r"address .* is not"),
                 ({"address": "tcp://logs.example"}, r"address .tcp://logs.example. has no port"),
                 ({"facility": "local8"}, r"facility 'local8'"),
                 ({"app_name": "x" * 49}, r"1 to 48 printable"),
                 ({"hostname": "two words"}, r"1 to 255 printable"),
                 ({"queue": 0}, r"queue must be")]
        for output, pattern in cases:
            with self.subTest(output=output), TempDir() as d:
                self.check(d, output, pattern)

    def test_good_values_pass(self):
        with TempDir() as d:
            log, cfg = setup(d, [{"name": "a", "type": "syslog", "address": "udp://[::1]:514"},
                                 {"name": "b", "type": "syslog", "address": "tcp://logs.example:601",
                                  "facility": "user", "queue": 5}])
            rc, out, err = run("check", "--config", cfg)
            self.assertEqual(rc, 0, err)


@unittest.skipUnless(wwsyslog.rsyslogd(), "rsyslogd is not installed (Debian package rsyslog)")
@require_run
class Rsyslog(unittest.TestCase):
    """rsyslogd parses what wsawatch sends, over UDP and over TCP."""

    def test_rsyslog_parses_udp_and_tcp(self):
        with TempDir() as d:
            rs_dir = os.path.join(d, "rs")
            os.makedirs(rs_dir)
            with wwsyslog.Rsyslog(rs_dir) as rs:
                log, cfg = setup(d, [
                    {"name": "u", "type": "syslog", "address": "udp://127.0.0.1:%d" % rs.udp_port,
                     "app_name": "ww-udp", "take": ["events"]},
                    {"name": "t", "type": "syslog", "address": "tcp://127.0.0.1:%d" % rs.tcp_port,
                     "app_name": "ww-tcp", "facility": "local3", "take": ["events"]}])
                with Daemon(cfg).start() as dm:
                    lines = event_lines(2, "rsyslog")
                    append(log, "".join(l + "\n" for l in lines))
                    recs = rs.wait(lambda r: r["app"] in ("ww-udp", "ww-tcp"), 4, 15)
                    self.assertEqual(dm.stop(), 0, dm.describe())
                for app, fac in (("ww-udp", DAEMON), ("ww-tcp", LOCAL3)):
                    got = [r for r in recs if r["app"] == app]
                    self.assertEqual(len(got), 2, got)
                    for r, line in zip(got, lines):
                        self.assertEqual((int(r["facility"]), int(r["severity"])), (fac, SEV_NOTICE))
                        self.assertEqual(r["hostname"], socket.gethostname())
                        self.assertEqual(r["procid"], str(dm.proc.pid))
                        self.assertEqual(r["msgid"], "event")
                        self.assertEqual(r["sd"], "-")
                        self.assertRegex(r["timestamp"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}")
                        ev = json.loads("{" + r["msg"].partition(" {")[2])
                        self.assertEqual(ev["message"], line)


if __name__ == "__main__":
    wwtest.main()
