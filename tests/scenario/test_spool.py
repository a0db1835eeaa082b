"""The spool of the outputs that can fail to deliver (webhook, syslog, exec),
as an operator meets it: receivers down while events and alerts come, then a
reload, a kill -9 and a restart, then the receivers back: every message
arrives, none twice. Reload keeps what a failing output holds (finding 4);
`run --once` waits for delivery, exits non-zero and commits no offset when a
message was not delivered, and stops at the size each file had at its start
(finding 5); an exec program past its timeout is killed with its children,
and its stderr is logged when it fails; a damaged spool record is skipped and
counted; past spool_max the oldest are dropped and counted."""
import json
import os
import re
import signal
import stat
import sys
import threading
import time
import unittest

import wwnet
import wwsyslog
import wwtest
from wwtest import (RESET_LINE, Daemon, TempDir, append, daemon_config, require_run, run,
                    setup_logs)

REFUSED = "ERROR db [WinError 10061] No connection could be made n=%d\n"
PEER_RESET = ("read tcp 10.0.0.5:5000->10.0.1.%d:443: wsarecv: An existing connection was "
              "forcibly closed by the remote host.\n")

# An exec program that fails while DOWN exists, else appends its stdin to OUT.
PAGER = r'''#!/bin/sh
[ -e %(down)s ] && { echo "pager: cannot reach the paging service" >&2; exit 1; }
cat >> %(out)s
'''


def pager(d):
    down, out = os.path.join(d, "pager.down"), os.path.join(d, "pages.jsonl")
    path = os.path.join(d, "pager.sh")
    with open(path, "w") as f:
        f.write(PAGER % {"down": down, "out": out})
    os.chmod(path, stat.S_IRWXU)
    open(down, "w").close()
    return path, down, out


def lines_of(path):
    try:
        with open(path) as f:
            return [json.loads(l) for l in f if l.strip()]
    except FileNotFoundError:
        return []


def key(o):
    """What identifies one message: an event by its line, an alert by its group."""
    if o["event"]["kind"] == "alert":
        return ("alert", o["alert"]["id"], o["alert"]["group"].get("peer"))
    return ("event", o["log"]["offset"])


def bodies(rx):
    return [json.loads(r["body"].decode("utf-8")) for r in rx.answered()]


def syslog_json(raw):
    text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
    return json.loads(text[text.index("{"):])


def read(path):
    try:
        with open(path) as f:
            return f.read()
    except (FileNotFoundError, ProcessLookupError):
        return ""


def offsets(d):
    try:
        with open(os.path.join(d, "state", "offsets.json")) as f:
            return f.read()
    except FileNotFoundError:
        return ""


def committed(d, log):
    """The committed offset of log, or None."""
    try:
        with open(os.path.join(d, "state", "offsets.json")) as f:
            st = json.load(f)
    except (FileNotFoundError, ValueError):
        return None
    for f in st.get("files", st if isinstance(st, list) else []):
        if isinstance(f, dict) and f.get("path") == log:
            return f.get("offset")
    return None


def metric(prom, name, labels):
    try:
        with open(prom) as f:
            m = re.search(r"(?m)^%s\{%s\} (\S+)$" % (re.escape(name), re.escape(labels)), f.read())
            return float(m.group(1)) if m else None
    except FileNotFoundError:
        return None


@require_run
class Spool(unittest.TestCase):

    def test_outage_reload_kill9_restart_then_everything_once(self):
        hport, sport = wwnet.dead_port(), wwsyslog.free_port()
        with TempDir() as d:
            log = setup_logs(d)
            prog, down, pages = pager(d)
            keys = {"backoff": "200ms", "retries": 100000}
            outs = [{"name": "hook", "type": "webhook", "url": "http://127.0.0.1:%d/h" % hport,
                     "timeout": "1s", "take": ["events"], **keys},
                    {"name": "sl", "type": "syslog", "address": "tcp://127.0.0.1:%d" % sport,
                     "take": ["events"]},
                    {"name": "page", "type": "exec", "command": [prog], "take": ["alerts"],
                     **keys}]
            rule = {"id": "peer-reset", "codes": ["WSAECONNRESET"], "threshold": 1,
                    "window": "60s", "group_by": ["peer"], "cooldown": "1h",
                    "outputs": ["hook", "sl", "page"]}
            cfg = daemon_config(d, [{"path": log}], outs, alerts=[rule])
            dm = Daemon(cfg).start()
            try:
                want = set()
                for i in range(980):
                    want.add(("event", append(log, REFUSED % i)))
                    if i % 49 == 0:
                        want.add(("event", append(log, PEER_RESET % (i // 49))))
                        want.add(("alert", "peer-reset", "10.0.1.%d:443" % (i // 49)))
                self.assertEqual(len(want), 1020)
                size = os.path.getsize(log)
                wwtest.wait_until(lambda: committed(d, log) == size, 15,
                                  "the offsets committed while every receiver is down", dm)
                dm.send(signal.SIGHUP)
                dm.wait_stderr(r"reloaded", 10)
                time.sleep(1.5)  # a commit after the reload
                dm.send(signal.SIGKILL)
                dm.proc.wait(10)
            finally:
                dm.close(check=False)
            self.assertNotRegex(dm.stderr_text(), r"not delivered|dropp")
            with Daemon(cfg).start() as dm2, \
                    wwnet.Receiver(port=hport) as rx, wwsyslog.TcpCollector(sport) as col:
                os.unlink(down)
                got = {}

                def all_in():
                    got["hook"] = [key(o) for o in bodies(rx)]
                    got["sl"] = [key(syslog_json(m)) for m in list(col.messages)]
                    got["page"] = [key(o) for o in lines_of(pages)]
                    return (set(got["hook"]) >= want and set(got["sl"]) >= want and
                            set(got["page"]) >= set(k for k in want if k[0] == "alert"))
                wwtest.wait_until(all_in, 90, "every message at each receiver", dm2)
                time.sleep(1)
                all_in()
                alerts = set(k for k in want if k[0] == "alert")
                # (the built-in storm rule pages too)
                self.assertEqual(set(k for k in got["page"] if k[1] == "peer-reset"), alerts)
                for name in ("hook", "sl", "page"):
                    dups = len(got[name]) - len(set(got[name]))
                    # all was committed and spooled before the kill: nothing repeats
                    self.assertEqual(dups, 0, "%s: %d repeated" % (name, dups))
                self.assertEqual(dm2.stop(), 0, dm2.describe())

    def test_reload_keeps_what_failing_outputs_hold(self):
        """Finding 4: a webhook answering 500, a syslog collector down and a slow
        program, then SIGHUP: nothing is thrown away."""
        sport = wwsyslog.free_port()
        with TempDir() as d, wwnet.Receiver(then=500) as rx:
            log = setup_logs(d)
            calls = os.path.join(d, "calls")
            slow = os.path.join(d, "slow.sh")
            with open(slow, "w") as f:
                f.write("#!/bin/sh\ncat >> %s\necho >> %s\nsleep 0.2\n" % (calls, calls))
            os.chmod(slow, stat.S_IRWXU)
            outs = [{"name": "hook", "type": "webhook", "url": rx.url(), "backoff": "100ms",
                     "retries": 100000, "take": ["events"]},
                    {"name": "sl", "type": "syslog", "address": "tcp://127.0.0.1:%d" % sport,
                     "take": ["events"]},
                    {"name": "slow", "type": "exec", "command": [slow], "max_running": 1,
                     "take": ["events"]}]
            cfg = daemon_config(d, [{"path": log}], outs)
            with Daemon(cfg).start() as dm:
                want = set(append(log, REFUSED % i) for i in range(100))
                rx.wait(lambda: rx.answered(status=500), 10, "a 500")
                time.sleep(1.2)  # a commit
                dm.send(signal.SIGHUP)
                dm.wait_stderr(r"reloaded", 10)
                self.assertNotRegex(dm.stderr_text(), r"not delivered|not sent|not passed")
                rx.then = 200
                with wwsyslog.TcpCollector(sport) as col:
                    wwtest.wait_until(
                        lambda: set(o["log"]["offset"] for o in bodies(rx)) >= want, 30,
                        "the 100 events at the webhook", dm)
                    col.wait(100, 30, "the 100 events at the collector")
                    self.assertEqual(set(syslog_json(m)["log"]["offset"] for m in col.messages),
                                     want)
                    def runs():
                        try:
                            with open(calls) as f:
                                return [json.loads(l) for l in f if l.strip()]
                        except FileNotFoundError:
                            return []
                    wwtest.wait_until(lambda: set(o["log"]["offset"] for o in runs()) >= want,
                                      60, "the 100 runs of the slow program", dm)
                    # the one running at the reload may run again, no more
                    self.assertLessEqual(len(runs()), 101)
                    self.assertEqual(dm.stop(), 0, dm.describe())

    def once(self, d, outs, log):
        cfg = daemon_config(d, [{"path": log, "start_at": "beginning"}], outs)
        t0 = time.monotonic()
        rc, _, err = run("run", "--once", "--config", cfg, *wwtest.ROOT_ARGS, timeout=60)
        return rc, err, time.monotonic() - t0

    def test_once_fails_and_commits_nothing_when_not_delivered(self):
        """Finding 5: webhook refusing connections, syslog down, exec of
        /bin/false: exit non-zero after the retries, no offset committed; once
        the receiver is back, a second run delivers everything once."""
        with TempDir() as d:
            log = setup_logs(d)
            for i in range(20):
                append(log, REFUSED % i)
            hport = wwnet.dead_port()
            kinds = {
                "webhook": {"type": "webhook", "url": "http://127.0.0.1:%d/h" % hport,
                            "retries": 2, "backoff": "100ms", "timeout": "1s"},
                "syslog": {"type": "syslog",
                           "address": "tcp://127.0.0.1:%d" % wwsyslog.free_port()},
                "exec": {"type": "exec", "command": ["/bin/false"], "retries": 2,
                         "backoff": "100ms"},
            }
            for kind, out in kinds.items():
                with self.subTest(kind=kind):
                    out = dict(out, name="o", take=["events"])
                    rc, err, took = self.once(d, [out], log)
                    self.assertNotEqual(rc, 0, kind + ": " + err)
                    self.assertRegex(err, r"20 messages not delivered; offsets not committed")
                    self.assertGreater(took, 0.25, "the retries were tried")
                    self.assertIn(committed(d, log), (None, 0), offsets(d))
            with wwnet.Receiver(port=hport) as rx:
                rc, err, _ = self.once(d, [dict(kinds["webhook"], name="o", take=["events"])], log)
                self.assertEqual(rc, 0, err)
                got = [o["log"]["offset"] for o in bodies(rx)]
                self.assertEqual(len(got), 20, "each once")
                self.assertEqual(committed(d, log), os.path.getsize(log))
                rc, err, _ = self.once(d, [dict(kinds["webhook"], name="o", take=["events"])], log)
                self.assertEqual(rc, 0, err)
                self.assertEqual(len(rx.answered()), 20, "nothing sent again")

    def test_once_rejected_for_good_is_not_retried_forever(self):
        """A receiver that answers 400 refuses for good: --once exits 1 (not
        everything was delivered) but commits the offsets, since reading the
        lines again cannot change the answer; the next run sends nothing."""
        with TempDir() as d:
            log = setup_logs(d)
            for i in range(5):
                append(log, REFUSED % i)
            with wwnet.Receiver(then=400) as rx:
                out = {"name": "o", "type": "webhook", "url": rx.url("/h"), "backoff": "100ms",
                       "take": ["events"]}
                rc, err, _ = self.once(d, [out], log)
                self.assertEqual(rc, 1, err)
                self.assertIn("5 messages rejected by their receiver; offsets committed", err)
                self.assertEqual(len(rx.answered(status=400)), 5, "each once, not retried")
                self.assertEqual(committed(d, log), os.path.getsize(log))
                rc, err, _ = self.once(d, [out], log)
                self.assertEqual(rc, 0, err)
                self.assertEqual(len(rx.requests), 5, "nothing sent again")

    def test_once_stops_at_the_size_at_start(self):
        with TempDir() as d:
            log = setup_logs(d)
            append(log, "".join(REFUSED % i for i in range(2000)))
            stop = threading.Event()

            def writer():  # 4 000 lines a second, as long as the run lasts
                i = 0
                while not stop.wait(0.05):
                    append(log, "".join(REFUSED % (100000 + i + k) for k in range(200)))
                    i += 200
            t = threading.Thread(target=writer, daemon=True)
            out = os.path.join(d, "events.jsonl")
            cfg = daemon_config(d, [{"path": log, "start_at": "beginning"}],
                                [{"name": "f", "type": "file", "path": out,
                                  "take": ["events"]}])
            t.start()
            try:
                rc, _, err = run("run", "--once", "--config", cfg, *wwtest.ROOT_ARGS, timeout=60)
            finally:
                stop.set()
                t.join()
            self.assertEqual(rc, 0, err)
            n = len(wwtest.file_events(out))
            self.assertGreaterEqual(n, 2000)
            total = read(log).count("\n")
            self.assertLess(n, total, "it did not chase the writer to the end")

    def test_exec_timeout_kills_grandchildren_and_logs_stderr(self):
        with TempDir() as d:
            log = setup_logs(d)
            pidf = os.path.join(d, "grandchild.pid")
            prog = os.path.join(d, "hang.sh")
            with open(prog, "w") as f:
                f.write("#!/bin/sh\nsleep 60 &\necho $! > %s\n"
                        "echo 'hang: paging service timed out' >&2\n"
                        "echo 'second line' >&2\nwait\n" % pidf)
            os.chmod(prog, stat.S_IRWXU)
            cfg = daemon_config(d, [{"path": log}], [
                {"name": "page", "type": "exec", "command": [prog], "timeout": "500ms",
                 "retries": 0, "take": ["events"]}])
            with Daemon(cfg).start() as dm:
                append(log, "ERROR x " + RESET_LINE + "\n")
                wwtest.wait_until(lambda: read(pidf).strip(), 10, "the grandchild started", dm)
                pid = int(read(pidf))
                dm.wait_stderr(r"output 'page': .*killed after the 500ms timeout; stderr: "
                               r"\"hang: paging service timed out \| second line\"", 10)
                wwtest.wait_until(lambda: read("/proc/%d/stat" % pid).split()[2:3] in ([], ["Z"]),
                                  5, "the grandchild killed with it", dm)
                self.assertEqual(dm.stop(), 0, dm.describe())

    def test_damaged_record_skipped_and_counted(self):
        hport = wwnet.dead_port()
        with TempDir() as d:
            log = setup_logs(d)
            prom = os.path.join(d, "wsawatch.prom")
            outs = [{"name": "hook", "type": "webhook", "url": "http://127.0.0.1:%d/h" % hport,
                     "retries": 100000, "backoff": "5s", "take": ["events"]},
                    {"name": "m", "type": "metrics", "path": prom, "interval": "200ms"}]
            cfg = daemon_config(d, [{"path": log}], outs)
            with Daemon(cfg).start() as dm:
                offs = [append(log, REFUSED % i) for i in range(10)]
                wwtest.wait_until(lambda: committed(d, log) == os.path.getsize(log), 10,
                                  "committed", dm)
                self.assertEqual(dm.stop(), 0, dm.describe())
            sdir = os.path.join(d, "state", "spool", "hook")
            segs = sorted(f for f in os.listdir(sdir) if f.endswith(".seg"))
            self.assertEqual(len(segs), 1, os.listdir(sdir))
            path = os.path.join(sdir, segs[0])
            with open(path, "rb") as f:
                data = bytearray(f.read())
            i = data.index(b"n=4")
            data[i + 2] ^= 0xff  # the payload no longer matches its CRC
            with open(path, "wb") as f:
                f.write(bytes(data))
            with wwnet.Receiver(port=hport) as rx, Daemon(cfg).start() as dm:
                wwtest.wait_until(lambda: len(rx.answered()) >= 9, 15, "the 9 good ones", dm)
                dm.wait_stderr(r"spool .*damaged record .*skipped", 5)
                time.sleep(0.5)
                got = sorted(o["log"]["offset"] for o in bodies(rx))
                self.assertEqual(got, offs[:4] + offs[5:])
                wwtest.wait_until(lambda: metric(prom, "wsawatch_spool_corrupt_total",
                                                 'output="hook"') == 1, 5, "counted", dm)
                self.assertEqual(dm.stop(), 0, dm.describe())

    def test_past_spool_max_the_oldest_are_dropped_and_counted(self):
        hport = wwnet.dead_port()
        with TempDir() as d:
            log = setup_logs(d)
            prom = os.path.join(d, "wsawatch.prom")
            outs = [{"name": "hook", "type": "webhook", "url": "http://127.0.0.1:%d/h" % hport,
                     "retries": 100000, "backoff": "200ms", "queue": 10, "spool_max": "1MiB",
                     "take": ["events"]},
                    {"name": "m", "type": "metrics", "path": prom, "interval": "200ms"}]
            cfg = daemon_config(d, [{"path": log}], outs)
            pad = "x" * 4000
            with Daemon(cfg).start() as dm:
                n = 600  # about 3 MiB of events
                for k in range(0, n, 50):
                    append(log, "".join((REFUSED % i).rstrip("\n") + " " + pad + "\n"
                                        for i in range(k, k + 50)))
                dm.wait_stderr(r"output 'hook': spool full \(spool_max 1048576 bytes\); "
                               r"dropping the oldest", 15)
                wwtest.wait_until(lambda: (metric(prom, "wsawatch_spool_dropped_total",
                                                  'output="hook"') or 0) > 0, 5, "counted", dm)
                time.sleep(1.5)
                dropped = metric(prom, "wsawatch_spool_dropped_total", 'output="hook"')
                self.assertEqual(len(re.findall("spool full", dm.stderr_text())), 1)
                with wwnet.Receiver(port=hport) as rx:
                    wwtest.wait_until(lambda: any("n=%d " % (n - 1) in r["body"].decode()
                                                  for r in rx.answered()), 30, "the newest", dm)
                    time.sleep(1)
                    got = len(rx.answered())
                    # what is in memory (queue, in flight) was not dropped with its segment
                    self.assertGreaterEqual(got + dropped, n)
                    self.assertLessEqual(got + dropped, n + 14)
                    self.assertLess(got, n)
                    dm.wait_stderr(r"spool drained; \d+ messages had been dropped", 10)
                self.assertEqual(dm.stop(), 0, dm.describe())

    def test_a_spool_left_by_a_renamed_output_is_reported(self):
        hport = wwnet.dead_port()
        with TempDir() as d:
            log = setup_logs(d)
            out = {"name": "hook", "type": "webhook", "url": "http://127.0.0.1:%d/h" % hport,
                   "backoff": "5s", "take": ["events"]}
            cfg = daemon_config(d, [{"path": log}], [out])
            with Daemon(cfg).start() as dm:
                append(log, "".join(REFUSED % i for i in range(3)))
                wwtest.wait_until(lambda: committed(d, log) == os.path.getsize(log), 10,
                                  "committed", dm)
                self.assertEqual(dm.stop(), 0, dm.describe())
            cfg = daemon_config(d, [{"path": log}], [dict(out, name="pager")])
            with Daemon(cfg).start() as dm:
                dm.wait_stderr(r"spool .*/spool/hook: \d+ bytes of messages for output 'hook', "
                               r"which is not configured: not delivered", 5)
                self.assertEqual(dm.stop(), 0, dm.describe())


if __name__ == "__main__":
    wwtest.main()
