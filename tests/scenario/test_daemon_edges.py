"""The daemon on the edges of its contract: the rest of the configuration
(input options, outputs, log target), odd things under a glob, writes split at
awkward places, and a reload while lines keep coming."""
import collections
import os
import re
import signal
import threading
import time
import unittest

import wwtest
from wwtest import RESET_LINE, Daemon, TempDir, append, daemon_config, file_events, require_run

POLL = 0.2


def settle():
    time.sleep(3 * POLL + 0.2)


def mkdirs(*parts):
    p = os.path.join(*parts)
    os.makedirs(p, exist_ok=True)
    return p


@require_run
class InputOptions(unittest.TestCase):
    def test_path_list_rules_filter_and_ansi(self):
        with TempDir() as d:
            a, b, c = mkdirs(d, "a"), mkdirs(d, "b"), mkdirs(d, "c")
            fa, fb, fc = os.path.join(a, "x.log"), os.path.join(b, "y.txt"), os.path.join(c, "z.log")
            for f in (fa, fb, fc):
                append(f, "")
            cfg = daemon_config(d, [
                # a list of globs
                {"path": [os.path.join(a, "*.log"), os.path.join(b, "*.txt")], "tags": ["list"]},
                # only one rule id, and Windows-1252
                {"path": os.path.join(c, "*.log"), "rules": ["dotnet-socketexception"],
                 "encoding": "ansi", "tags": ["only-dotnet"]}])
            with Daemon(cfg).start() as dm:
                append(fa, "LA " + RESET_LINE + "\n")
                append(fb, "LB [WinError 10061] refused\n")
                dm.wait_message("LA")
                dm.wait_message("LB")
                append(fc, b"PY-ONLY [WinError 10054] An existing connection was forcibly closed by the remote host.\n")
                off = append(fc, b"DOTNET Verbindung getrennt \xe9\x80 System.Net.Sockets.SocketException (10054): x\n")
                (e,) = dm.wait_message("DOTNET")
                self.assertEqual(e["rule"]["id"], "dotnet-socketexception")
                self.assertEqual(e["log"]["offset"], off)
                self.assertIn("getrennt \u00e9\u20ac System", e["message"], "Windows-1252 decoded")
                settle()
                self.assertEqual(dm.matching(lambda e: "PY-ONLY" in e["message"]), [],
                                 "input rules: [dotnet-socketexception] must not run python-winerror\n"
                                 + dm.describe())

    def test_top_level_rules_added(self):
        with TempDir() as d:
            logs = mkdirs(d, "logs")
            rules = mkdirs(d, "rules.d")
            with open(os.path.join(rules, "acme.yaml"), "w") as f:
                f.write("rules:\n  - id: acme-sock\n    literals: [ACMEERR]\n"
                        "    pattern: 'ACMEERR=(?<code>\\d+) peer=(?<peer>\\S+)'\n")
            f = os.path.join(logs, "a.log")
            append(f, "")
            cfg = daemon_config(d, [{"path": os.path.join(logs, "*.log")}], rules=[rules])
            with Daemon(cfg).start() as dm:
                append(f, "ACMEERR=10053 peer=10.1.2.3:80\n")
                (e,) = dm.wait_message("ACMEERR")
                self.assertEqual(e["rule"]["id"], "acme-sock")
                self.assertEqual(e["winsock"]["symbol"], "WSAECONNABORTED")
                self.assertEqual(e.get("captures", {}).get("peer"), "10.1.2.3:80")


@require_run
class Outputs(unittest.TestCase):
    def test_file_output_reopened_when_rotated_away(self):
        with TempDir() as d:
            logs, outd = mkdirs(d, "logs"), mkdirs(d, "out")
            f = os.path.join(logs, "a.log")
            append(f, "")
            out = os.path.join(outd, "events.jsonl")
            cfg = daemon_config(d, [{"path": os.path.join(logs, "*.log")}],
                                outputs=[{"name": "events", "type": "file", "path": out,
                                          "take": ["events", "alerts"]}])
            with Daemon(cfg).start() as dm:
                append(f, "ONE " + RESET_LINE + "\n")
                wwtest.wait_until(lambda: file_events(out), 5, "ONE in " + out, dm)
                os.rename(out, out + ".1")
                # events keep going to the renamed file until the daemon
                # notices (it checks the path from time to time): append a
                # line every 200ms until one lands in a new file at the path
                sent = []
                deadline = time.monotonic() + 10
                while not file_events(out):
                    if time.monotonic() > deadline:
                        self.fail("no new %s within 10s of renaming it away (the example config "
                                  "says: reopened when it is rotated away)\n%s" % (out, dm.describe()))
                    sent.append("TWO-%d" % len(sent))
                    append(f, sent[-1] + " " + RESET_LINE + "\n")
                    time.sleep(0.2)
                wwtest.wait_until(lambda: len(file_events(out)) + len(file_events(out + ".1")) >= len(sent) + 1,
                                  5, "all events in the two files", dm)
                old = [e["message"].split()[0] for e in file_events(out + ".1")]
                new = [e["message"].split()[0] for e in file_events(out)]
                self.assertEqual(old + new, ["ONE"] + sent, "every event once, in order, in the old "
                                 "file then the new one")
                self.assertEqual(dm.stop(), 0, dm.describe())

    def test_log_target_file(self):
        with TempDir() as d:
            logs = mkdirs(d, "logs")
            logfile = os.path.join(d, "wsawatch.log")
            cfg = daemon_config(d, [{"path": os.path.join(logs, "*.log")}],
                                log={"level": "info", "target": "file", "path": logfile})
            with Daemon(cfg).start(ready=False) as dm:
                def ready():
                    try:
                        with open(logfile, encoding="utf-8", errors="replace") as fh:
                            return wwtest.READY_RE.search(fh.read())
                    except FileNotFoundError:
                        return None
                wwtest.wait_until(ready, 10, "a 'ready' line in " + logfile, dm)
                self.assertEqual(dm.stop(), 0, dm.describe())
                self.assertFalse(wwtest.READY_RE.search(dm.stderr_text()),
                                 "with log.target: file the daemon's messages go to the file:\n"
                                 + dm.stderr_text())


@require_run
class OddFiles(unittest.TestCase):
    def test_fifo_directory_symlinks_under_glob(self):
        """A FIFO, a directory and a dangling symlink whose names match the glob
        must not block or stop the daemon; a symlink to a file is followed."""
        with TempDir() as d:
            logs = mkdirs(d, "logs")
            os.mkfifo(os.path.join(logs, "pipe.log"))
            mkdirs(logs, "dir.log")
            os.symlink(os.path.join(d, "nowhere"), os.path.join(logs, "dangling.log"))
            real = os.path.join(mkdirs(d, "elsewhere"), "real.txt")
            append(real, "")
            os.symlink(real, os.path.join(logs, "link.log"))
            good = os.path.join(logs, "good.log")
            append(good, "")
            cfg = daemon_config(d, [{"path": os.path.join(logs, "*.log")}])
            with Daemon(cfg).start(timeout=10) as dm:
                append(good, "GOOD-1 " + RESET_LINE + "\n")
                dm.wait_message("GOOD-1")
                # created later too
                os.mkfifo(os.path.join(logs, "pipe2.log"))
                settle()
                append(good, "GOOD-2 " + RESET_LINE + "\n")
                dm.wait_message("GOOD-2")
                append(real, "LINK-1 WSAETIMEDOUT\n")
                (e,) = dm.wait_message("LINK-1")
                self.assertEqual(e["log"]["file"]["path"], os.path.join(logs, "link.log"),
                                 "log.file.path is the path as found by the glob")
                self.assertEqual(dm.stop(), 0, dm.describe())

    def test_many_files_at_once(self):
        with TempDir() as d:
            logs = mkdirs(d, "logs")
            cfg = daemon_config(d, [{"path": os.path.join(logs, "**", "*.log")}])
            with Daemon(cfg).start() as dm:
                for i in range(300):
                    append(os.path.join(mkdirs(logs, "s%d" % (i % 7)), "f%d.log" % i),
                           "INFO hi\nMANY-%d [WinError 10054]\n" % i)
                dm.wait_message("MANY-", 300, timeout=15)
                settle()
                got = collections.Counter(e["message"].split()[0] for e in dm.events)
                self.assertEqual(sorted(got), sorted("MANY-%d" % i for i in range(300)))
                self.assertEqual(max(got.values()), 1, "duplicates")


@require_run
class SplitWrites(unittest.TestCase):
    def test_crlf_and_utf16_split_across_writes(self):
        with TempDir() as d:
            a, b = mkdirs(d, "a"), mkdirs(d, "b")
            fa, fb = os.path.join(a, "crlf.log"), os.path.join(b, "u16.log")
            append(fa, "")
            with open(fb, "wb") as f:
                f.write(b"\xff\xfe" + "INFO start\r\n".encode("utf-16-le"))
            cfg = daemon_config(d, [{"path": os.path.join(a, "*.log")},
                                    {"path": os.path.join(b, "*.log")}])
            with Daemon(cfg).start() as dm:
                # CR and LF in separate writes
                off = append(fa, "CR-1 [WinError 10054] reset\r")
                time.sleep(0.3)
                append(fa, "\n")
                off2 = append(fa, "CR-2 WSAETIMEDOUT\r\n")
                dm.wait_message("CR-2")
                (e,) = dm.matching(lambda e: "CR-1" in e["message"])
                self.assertEqual((e["message"], e["log"]["offset"]), ("CR-1 [WinError 10054] reset", off))
                (e,) = dm.matching(lambda e: "CR-2" in e["message"])
                self.assertEqual((e["message"], e["log"]["offset"]), ("CR-2 WSAETIMEDOUT", off2))
                # a UTF-16LE line cut at an odd byte, and in the middle of a
                # surrogate pair
                line = ("U16-1 \U0001F600 [WinError 10061] refused\r\n").encode("utf-16-le")
                off3 = append(fb, line[:7])
                time.sleep(0.3)
                cut = line.index("\U0001F600".encode("utf-16-le")) + 2
                append(fb, line[7:cut])
                time.sleep(0.3)
                append(fb, line[cut:])
                off4 = append(fb, "U16-2 WSAETIMEDOUT\r\n".encode("utf-16-le"))
                dm.wait_message("U16-2")
                (e,) = dm.matching(lambda e: "U16-1" in e["message"])
                self.assertEqual((e["message"], e["log"]["offset"]),
                                 ("U16-1 \U0001F600 [WinError 10061] refused", off3))
                (e,) = dm.matching(lambda e: "U16-2" in e["message"])
                self.assertEqual(e["log"]["offset"], off4)
                settle()
                self.assertEqual(len(dm.events), 4, dm.describe())
                self.assertEqual(dm.bad, [])


@require_run
class ReloadUnderLoad(unittest.TestCase):
    def test_sighup_while_appending(self):
        """Five reloads (another input added and removed each time) while a
        writer appends to an unchanged input: every Winsock line exactly once."""
        with TempDir() as d:
            a, b = mkdirs(d, "a"), mkdirs(d, "b")
            fa = os.path.join(a, "busy.log")
            append(fa, "")
            append(os.path.join(b, "other.log"), "OTHER [WinError 10054]\n")
            inp_a = {"path": os.path.join(a, "*.log"), "start_at": "beginning"}
            inp_b = {"path": os.path.join(b, "*.log"), "start_at": "beginning"}
            cfg = daemon_config(d, [inp_a])
            stop = threading.Event()
            written = []

            def writer():
                fd = os.open(fa, os.O_WRONLY | os.O_APPEND)
                n = 0
                while not stop.is_set():
                    n += 1
                    if n % 5 == 0:
                        os.write(fd, b"ERR n=%d [WinError 10054]\n" % n)
                        written.append(n)
                    else:
                        os.write(fd, b"INFO n=%d ok\n" % n)
                    time.sleep(0.0005)
                os.close(fd)
            with Daemon(cfg).start() as dm:
                t = threading.Thread(target=writer)
                t.start()
                try:
                    for i in range(5):
                        time.sleep(0.4)
                        daemon_config(d, [inp_a, inp_b] if i % 2 == 0 else [inp_a])
                        dm.send(signal.SIGHUP)
                    time.sleep(0.4)
                finally:
                    stop.set()
                    t.join()
                want = set(written)
                num = re.compile(r"ERR n=(\d+) ")

                def have():
                    return want <= {int(m.group(1)) for e in dm.events
                                    for m in [num.search(e["message"])] if m}
                dm.wait_for(have, 15, "every Winsock line of the unchanged input")
                settle()
                c = collections.Counter(int(m.group(1)) for e in dm.events
                                        for m in [num.search(e["message"])] if m)
                dups = sorted(n for n, k in c.items() if k > 1)
                self.assertEqual(dups[:20], [], "%d lines of the unchanged input repeated by reloads"
                                 % len(dups))
                self.assertTrue(dm.alive())
                self.assertEqual(dm.stop(), 0, dm.describe())


if __name__ == "__main__":
    wwtest.main()
