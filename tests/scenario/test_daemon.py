"""The daemon (`wsawatch run`) as an operator runs it: real files under temp
dirs, a real daemon process, signals, state on disk.

Configs use poll_interval 200ms and commit_interval 1s so that every wait is
short; every wait polls for its condition with a deadline and, when it fails,
says what was expected, what came, and the tail of the daemon's stderr.
Rotation, kill -9 and damaged state are in test_daemon_rotation.py; the rest
of the configuration, odd files and split writes in test_daemon_edges.py.
"""
import json
import os
import re
import signal
import socket
import time
import unittest

import wwtest
from wwtest import (RESET_LINE, Daemon, TempDir, append, brief, daemon_config, file_events,
                    require_run, run)

POLL = 0.2          # poll_interval of the test configs
HOST = socket.gethostname()


def settle():
    """Long enough for a daemon that polls every 200ms to have seen a change
    twice: used only to assert that something did NOT happen."""
    time.sleep(3 * POLL + 0.2)


def mkdirs(*parts):
    p = os.path.join(*parts)
    os.makedirs(p, exist_ok=True)
    return p


def open_fds(pid, path):
    """The daemon's descriptors on path (Linux /proc), deleted or not."""
    found = []
    for fd in os.listdir("/proc/%d/fd" % pid):
        try:
            target = os.readlink("/proc/%d/fd/%s" % (pid, fd))
        except OSError:
            continue
        if target in (path, path + " (deleted)"):
            found.append(target)
    return found


def codes_at(evs, path, offset):
    return sorted(e["winsock"]["code"] for e in evs
                  if e["log"]["file"]["path"] == path and e["log"]["offset"] == offset)


@require_run
class Follow(unittest.TestCase):
    """Appending lines to followed files; start_at; tags; host; outputs."""

    def test_append_gives_event_with_offset_tags_host(self):
        with TempDir() as d:
            logs = mkdirs(d, "logs")
            f = os.path.join(logs, "api.log")
            old = "2026-11-24 20:00:00 ERROR old " + RESET_LINE + "\n"
            append(f, "2026-11-24 20:00:00 INFO started\n" + old)
            out_file = os.path.join(d, "out", "events.jsonl")
            cfg = daemon_config(d, [{"path": os.path.join(logs, "*.log"), "start_at": "end",
                                     "tags": ["api", "blue"]}],
                                outputs=[{"name": "events", "type": "stdout", "take": ["events", "alerts"]},
                                         {"name": "file", "type": "file", "path": out_file,
                                          "take": ["events", "alerts"]}])
            os.makedirs(os.path.dirname(out_file))
            with Daemon(cfg).start() as dm:
                append(f, "2026-11-24 20:30:00 INFO GET /health 200 in 10054 us, port 10061\n")
                line = "2026-11-24 20:30:01 ERROR api " + RESET_LINE + " peer 10.0.0.9:443"
                off = append(f, line + "\n")
                (e,) = dm.wait_message("20:30:01 ERROR api")
                self.assertEqual(e["log"]["file"]["path"], f)
                self.assertEqual(e["log"]["offset"], off, "log.offset is the byte offset of the line")
                self.assertEqual(e["message"], line)
                self.assertEqual(e["winsock"]["code"], 10054)
                self.assertEqual(e["winsock"]["symbol"], "WSAECONNRESET")
                self.assertEqual(e["event"]["kind"], "event")
                self.assertTrue(e["rule"]["id"])
                self.assertEqual(e.get("tags"), ["api", "blue"], "tags of the input")
                self.assertEqual(e.get("host", {}).get("name"), HOST, "host.name")
                # a line with two codes gives two events; one with the same code
                # twice (number and text) gives one
                two = append(f, "ERROR [WinError 10054] then connect failed (10061: No connection "
                                "could be made because the target machine actively refused it)\n")
                dm.wait_events(lambda e: e["log"]["offset"] == two, 2)
                settle()
                self.assertEqual(codes_at(dm.events, f, two), [10054, 10061])
                self.assertEqual(codes_at(dm.events, f, off), [10054],
                                 "one event per distinct (line, code)")
                # nothing for the lines there before the start (start_at: end)
                # nor for the non-Winsock line
                self.assertEqual([brief(x) for x in dm.events if x["log"]["offset"] not in (off, two)],
                                 [], "events other than the two appended Winsock lines")
                self.assertEqual(dm.bad, [], "stdout lines that are not UTF-8 JSON")
                # the file output got the same events
                got = wwtest.wait_until(lambda: len(file_events(out_file)) >= 3 and file_events(out_file),
                                        5, "3 events in the file output " + out_file, dm)
                self.assertEqual(sorted((x["log"]["offset"], x["winsock"]["code"]) for x in got),
                                 [(off, 10054), (two, 10054), (two, 10061)])
                self.assertEqual(dm.stop(), 0, dm.describe())

    def test_start_at_beginning_and_end(self):
        with TempDir() as d:
            a, b = mkdirs(d, "a"), mkdirs(d, "b")
            content = ("INFO boot\n"
                       "ERROR first [WinError 10061] No connection could be made because "
                       "the target machine actively refused it\n"
                       "INFO retry in 10060 ms\n"
                       "ERROR second " + RESET_LINE + "\n")
            fa, fb = os.path.join(a, "x.log"), os.path.join(b, "x.log")
            append(fa, content)
            append(fb, content)
            first = content.index("ERROR first")
            second = content.index("ERROR second")
            cfg = daemon_config(d, [{"path": os.path.join(a, "*.log"), "start_at": "beginning"},
                                    {"path": os.path.join(b, "*.log"), "start_at": "end"}])
            with Daemon(cfg).start() as dm:
                evs = dm.wait_events(lambda e: e["log"]["file"]["path"] == fa, 2, 10,
                                     "the 2 existing Winsock lines of %s (start_at: beginning)" % fa)
                self.assertEqual(sorted((e["log"]["offset"], e["winsock"]["code"]) for e in evs),
                                 [(first, 10061), (second, 10054)])
                # the end-input: only what is appended after the start
                off = append(fb, "ERROR third Socket Error # 10060\n")
                (e,) = dm.wait_events(lambda e: e["log"]["file"]["path"] == fb, 1, 10,
                                      "the appended line of %s" % fb)
                self.assertEqual((e["log"]["offset"], e["winsock"]["code"]), (off, 10060))
                settle()
                self.assertEqual(len(dm.matching(lambda e: e["log"]["file"]["path"] == fb)), 1,
                                 "start_at: end must not read %s's existing lines\n%s"
                                 % (fb, dm.describe()))
                self.assertEqual(len(dm.matching(lambda e: e["log"]["file"]["path"] == fa)), 2)


@require_run
class Discovery(unittest.TestCase):
    """Files that appear under a glob later; `**`; exclude; deletion."""

    def test_new_files_globstar_exclude(self):
        with TempDir() as d:
            logs = mkdirs(d, "logs")
            append(os.path.join(logs, "old.log"), "INFO nothing yet\n")
            cfg = daemon_config(d, [{"path": os.path.join(logs, "**", "*.log"), "start_at": "end",
                                     "exclude": ["noisy-*.log", os.path.join(logs, "private", "*.log")],
                                     "tags": ["deep"]}])
            with Daemon(cfg).start() as dm:
                # excluded first: by file name, at depth, and by whole path
                append(os.path.join(logs, "noisy-1.log"), "EXCLUDED-A " + RESET_LINE + "\n")
                append(os.path.join(mkdirs(logs, "x", "y"), "noisy-2.log"), "EXCLUDED-B " + RESET_LINE + "\n")
                append(os.path.join(mkdirs(logs, "private"), "p.log"), "EXCLUDED-C " + RESET_LINE + "\n")
                append(os.path.join(logs, "other.txt"), "NOT-A-LOG " + RESET_LINE + "\n")
                # then wanted files: created after the start (read from their
                # beginning even with start_at: end, so that nothing written
                # between creation and discovery is lost), at depth 0 and 3,
                # in directories that did not exist at the start
                top = os.path.join(logs, "top.log")
                deep = os.path.join(mkdirs(logs, "a", "b", "c"), "deep.log")
                t0 = time.monotonic()
                append(top, "INFO hello\nTOP-1 " + RESET_LINE + "\n")
                append(deep, "DEEP-1 [WinError 10061] refused\nINFO x\nDEEP-2 WSAETIMEDOUT\n")
                dm.wait_message("TOP-1", timeout=5)
                dm.wait_message("DEEP-1", timeout=5)
                dm.wait_message("DEEP-2", timeout=5)
                picked = max(e["_t"] for e in dm.events) - t0
                self.assertLess(picked, POLL + 1.0, "new files picked up within poll_interval")
                e = dm.matching(lambda e: "DEEP-1" in e["message"])[0]
                self.assertEqual((e["log"]["file"]["path"], e["log"]["offset"]), (deep, 0))
                self.assertEqual(e.get("tags"), ["deep"])
                # and they are followed
                off = append(deep, "DEEP-3 (OS 10053)\n")
                (e,) = dm.wait_message("DEEP-3")
                self.assertEqual(e["log"]["offset"], off)
                settle()
                bad = dm.matching(lambda e: re.search(r"EXCLUDED|NOT-A-LOG", e["message"]))
                self.assertEqual([brief(x) for x in bad], [], "events from excluded or unmatched files")
                self.assertEqual(len(dm.events), 4, dm.describe())

    def test_deleted_file_let_go_and_recreated(self):
        with TempDir() as d:
            logs = mkdirs(d, "logs")
            f = os.path.join(logs, "gone.log")
            append(f, "INFO start\n")
            cfg = daemon_config(d, [{"path": os.path.join(logs, "*.log"), "start_at": "end"}])
            with Daemon(cfg).start() as dm:
                append(f, "ONE " + RESET_LINE + "\n")
                dm.wait_message("ONE")
                os.unlink(f)  # the daemon must not prevent this (it cannot on POSIX; it must not hold up Windows)
                settle()
                self.assertTrue(dm.alive(), dm.describe())
                # let go: no descriptor left on the deleted file (its space is freed)
                wwtest.wait_until(lambda: not open_fds(dm.proc.pid, f), 10,
                                  "no open descriptor on deleted %s (still: %s)"
                                  % (f, open_fds(dm.proc.pid, f)), dm)
                append(f, "TWO WSAECONNREFUSED\n")  # a new file by the same name: read from its beginning
                (e,) = dm.wait_message("TWO", timeout=5)
                self.assertEqual(e["log"]["offset"], 0)
                self.assertEqual(len(dm.events), 2, dm.describe())


@require_run
class PartialLine(unittest.TestCase):
    def test_idle_flush_and_completion(self):
        with TempDir() as d:
            a, b = mkdirs(d, "a"), mkdirs(d, "b")
            fa, fb = os.path.join(a, "p.log"), os.path.join(b, "p.log")
            append(fa, "")
            append(fb, "")
            cfg = daemon_config(d, [{"path": os.path.join(a, "*.log"), "idle_flush": "1s"},
                                    {"path": os.path.join(b, "*.log"), "idle_flush": "10s"}])
            with Daemon(cfg).start() as dm:
                # a last line without its newline: held, then taken after idle_flush
                off = append(fa, "INFO a\nFLUSHED [WinError 10054] no newline yet")
                t0 = time.monotonic()
                time.sleep(0.5)
                self.assertEqual(dm.matching(lambda e: "FLUSHED" in e["message"]), [],
                                 "a partial line must be held until idle_flush (1s)")
                (e,) = dm.wait_message("FLUSHED", timeout=4)
                dt = e["_t"] - t0
                self.assertGreaterEqual(dt, 0.9, "emitted before idle_flush")
                self.assertLess(dt, 1.0 + POLL + 1.0, "emitted long after idle_flush")
                self.assertEqual(e["log"]["offset"], off + len("INFO a\n"))
                self.assertEqual(e["message"], "FLUSHED [WinError 10054] no newline yet")
                # completed before idle_flush: one event for the whole line
                off = append(fb, "PART-1 [WinError 10061] refused")
                time.sleep(0.6)
                append(fb, " and the rest PART-2\n")
                (e,) = dm.wait_message("PART-1")
                self.assertEqual(e["message"], "PART-1 [WinError 10061] refused and the rest PART-2")
                self.assertEqual(e["log"]["offset"], off)
                # and the line after is separate
                off2 = append(fb, "NEXT WSAETIMEDOUT\n")
                (e,) = dm.wait_message("NEXT")
                self.assertEqual(e["log"]["offset"], off2)
                self.assertEqual(len(dm.events), 3, dm.describe())


@require_run
class Encodings(unittest.TestCase):
    def test_utf16le_bom_crlf(self):
        with TempDir() as d:
            logs = mkdirs(d, "logs")
            f = os.path.join(logs, "w.log")
            l1 = "2024-05-02 09:00:00 [INFO] Agent started, port 10061\r\n"
            l2 = "2024-05-02 09:00:05 [ERROR] send: [WinError 10054] 远程主机强迫关闭了一个现有的连接。\r\n"
            with open(f, "wb") as fh:
                fh.write(b"\xff\xfe" + (l1 + l2).encode("utf-16-le"))
            cfg = daemon_config(d, [{"path": os.path.join(logs, "*.log"), "start_at": "beginning",
                                     "encoding": "auto"}])
            with Daemon(cfg).start() as dm:
                (e,) = dm.wait_message("09:00:05")
                self.assertEqual(e["log"]["offset"], 2 + 2 * len(l1), "offset in the file as stored (BOM, 2 bytes a unit)")
                self.assertEqual(e["message"], l2[:-2], "decoded, without CRLF")
                self.assertEqual(e["winsock"]["code"], 10054)
                # appended later, no BOM: still UTF-16LE
                l3 = "2024-05-02 09:00:06 [ERROR] System.Net.Sockets.SocketException (10061): No connection could be made because the target machine actively refused it.\r\n"
                off = append(f, l3.encode("utf-16-le"))
                (e,) = dm.wait_message("09:00:06")
                self.assertEqual(e["log"]["offset"], off)
                self.assertEqual(e["message"], l3[:-2])
                self.assertEqual(dm.bad, [])

    def test_invalid_utf8_nul_and_10mb_line(self):
        with TempDir() as d:
            logs = mkdirs(d, "logs")
            f = os.path.join(logs, "hostile.log")
            append(f, "")
            cfg = daemon_config(d, [{"path": os.path.join(logs, "*.log"), "start_at": "end"}])
            with Daemon(cfg).start() as dm:
                off1 = append(f, b"INV-1 \xc0\xaf\xff\xfe [WinError 10054] An existing connection was forcibly closed by the remote host. \x80\n")
                off2 = append(f, b"\x00\x00\x00NUL-1 [WinError 10060]\x00 after NULs\n")
                # a 10 MB line, written in pieces, Winsock error at its start and
                # at its end: matched in its first part only, flagged truncated
                off3 = append(f, b"HUGE-1 [WinError 10061] refused ")
                blob = os.urandom(1 << 20).replace(b"\n", b"\x00")
                for _ in range(10):
                    append(f, blob)
                    time.sleep(0.02)
                append(f, b" WSAECONNABORTED at the very end\n")
                off4 = append(f, b"AFTER-1 Socket Error # 10065\n")
                dm.wait_message("AFTER-1", timeout=20)
                settle()
                self.assertTrue(dm.alive(), dm.describe())
                self.assertEqual(dm.bad, [], "every stdout line must be valid UTF-8 JSON")
                got = sorted((e["log"]["offset"], e["winsock"]["code"]) for e in dm.events)
                # the NULs that start a line (a copytruncate hole) are not part of it
                self.assertEqual(got, [(off1, 10054), (off2 + 3, 10060), (off3, 10061),
                                       (off4, 10065)], dm.describe())
                by_off = {e["log"]["offset"]: e for e in dm.events}
                self.assertIn("\ufffd", by_off[off1]["message"], "invalid UTF-8 replaced by U+FFFD")
                self.assertTrue(by_off[off3]["log"].get("truncated"), "10 MB line flagged truncated")
                self.assertLess(len(by_off[off3]["message"].encode()), 1 << 20)
                self.assertFalse(by_off[off4]["log"].get("truncated", False))
                # still following
                off5 = append(f, "LATER " + RESET_LINE + "\n")
                (e,) = dm.wait_message("LATER")
                self.assertEqual(e["log"]["offset"], off5)

    def test_max_line_bytes_setting(self):
        with TempDir() as d:
            logs = mkdirs(d, "logs")
            f = os.path.join(logs, "m.log")
            append(f, "")
            cfg = daemon_config(d, [{"path": os.path.join(logs, "*.log"), "max_line_bytes": "1KiB"}])
            with Daemon(cfg).start() as dm:
                off = append(f, "LONG [WinError 10054] " + "x" * 3000 + " WSAETIMEDOUT\nSHORT WSAETIMEDOUT\n")
                dm.wait_message("SHORT")
                settle()
                got = sorted((e["log"]["offset"], e["winsock"]["code"], bool(e["log"].get("truncated")))
                             for e in dm.events)
                self.assertEqual(got, [(off, 10054, True), (off + 3000 + 36, 10060, False)], dm.describe())


@require_run
class Signals(unittest.TestCase):
    def test_sigterm_exit_0_commits_offsets(self):
        with TempDir() as d:
            logs = mkdirs(d, "logs")
            f = os.path.join(logs, "s.log")
            append(f, "".join("OLD-%d [WinError 10054]\n" % i for i in range(5)))
            # commit_interval 1h: only the commit at shutdown can save the offset
            cfg = daemon_config(d, [{"path": os.path.join(logs, "*.log"), "start_at": "beginning"}],
                                commit_interval="1h")
            with Daemon(cfg).start() as dm:
                dm.wait_message("OLD-", 5)
                append(f, "NEW-1 WSAECONNREFUSED\n")
                dm.wait_message("NEW-1")
                rc = dm.stop(signal.SIGTERM)
                self.assertEqual(rc, 0, "exit status after SIGTERM\n" + dm.describe())
            state = os.path.join(d, "state", "offsets.json")
            self.assertTrue(os.path.exists(state), "no %s after SIGTERM" % state)
            with open(state, "rb") as fh:
                json.loads(fh.read().decode("utf-8"))
            with Daemon(cfg).start() as dm:
                off = append(f, "NEW-2 WSAECONNREFUSED\n")
                (e,) = dm.wait_message("NEW-2")
                self.assertEqual(e["log"]["offset"], off)
                settle()
                self.assertEqual([brief(e) for e in dm.events if "NEW-2" not in e["message"]], [],
                                 "events repeated after a clean restart (offsets not committed at SIGTERM?)")
                self.assertEqual(dm.stop(signal.SIGINT), 0, "exit status after SIGINT\n" + dm.describe())

    def test_notify_socket_ready(self):
        with TempDir() as d:
            logs = mkdirs(d, "logs")
            sock_path = os.path.join(d, "notify.sock")
            s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
            s.bind(sock_path)
            s.settimeout(15)
            try:
                cfg = daemon_config(d, [{"path": os.path.join(logs, "*.log")}])
                with Daemon(cfg, env={"NOTIFY_SOCKET": sock_path}).start() as dm:
                    msgs = []
                    while not any(b"READY=1" in m.split(b"\n") for m in msgs):
                        try:
                            msgs.append(s.recv(4096))
                        except socket.timeout:
                            self.fail("no READY=1 on NOTIFY_SOCKET; got %r\n%s" % (msgs, dm.describe()))
                    self.assertEqual(dm.stop(), 0)
            finally:
                s.close()

    def test_sighup_reload(self):
        with TempDir() as d:
            a, b, c, dd = mkdirs(d, "a"), mkdirs(d, "b"), mkdirs(d, "c"), mkdirs(d, "d")
            fa, fb, fc, fd = (os.path.join(x, "f.log") for x in (a, b, c, dd))
            append(fd, "D-OLD [WinError 10054]\n")
            append(fa, "A-OLD [WinError 10054]\n")
            append(fb, "B-OLD [WinError 10054]\n")
            append(fc, "C-OLD [WinError 10054]\n")
            inp_a = {"path": os.path.join(a, "*.log"), "start_at": "end", "tags": ["a"]}
            inp_b = {"path": os.path.join(b, "*.log"), "start_at": "beginning", "tags": ["b"]}
            inp_c = {"path": os.path.join(c, "*.log"), "start_at": "beginning", "tags": ["c"]}
            inp_d = {"path": os.path.join(dd, "*.log"), "start_at": "end", "tags": ["d"]}
            cfg = daemon_config(d, [inp_a, inp_c])
            with Daemon(cfg).start() as dm:
                dm.wait_message("C-OLD")
                append(fa, "A-1 WSAETIMEDOUT\n")
                append(fc, "C-1 WSAETIMEDOUT\n")
                dm.wait_message("A-1")
                dm.wait_message("C-1")
                time.sleep(1.3)  # let a commit happen (commit_interval 1s); must not matter
                # reload: a removed, b and d added, c unchanged
                daemon_config(d, [inp_c, inp_d, inp_b])
                dm.send(signal.SIGHUP)
                dm.wait_message("B-OLD", timeout=10)  # new input: its existing file follows start_at
                time.sleep(POLL)  # d, start_at end: what comes after the reload only
                append(fa, "A-2 WSAETIMEDOUT\n")
                append(fb, "B-1 WSAETIMEDOUT\n")
                append(fc, "C-2 WSAETIMEDOUT\n")
                append(fd, "D-1 WSAETIMEDOUT\n")
                dm.wait_message("B-1")
                dm.wait_message("C-2")
                dm.wait_message("D-1")
                settle()
                msgs = sorted(e["message"].split()[0] for e in dm.events)
                self.assertEqual(msgs, ["A-1", "B-1", "B-OLD", "C-1", "C-2", "C-OLD", "D-1"],
                                 "after SIGHUP: removed input stops, unchanged one keeps its offset "
                                 "(no duplicates)\n" + dm.describe())
                b1 = dm.matching(lambda e: "B-1" in e["message"])[0]
                self.assertEqual(b1.get("tags"), ["b"])

                # a broken new config: reported with file:line:column, old one kept
                with open(cfg, "a") as fh:
                    fh.write("bogus_key: 1\n")
                with open(cfg) as fh:
                    nlines = fh.read().count("\n")
                dm.send(signal.SIGHUP)
                dm.wait_stderr(re.escape(cfg) + r":%d:1\b" % nlines, 10,
                               "the broken config reported as %s:%d:1" % (cfg, nlines))
                self.assertTrue(dm.alive(), "a broken config on SIGHUP must not stop the daemon\n" + dm.describe())
                append(fb, "B-2 WSAETIMEDOUT\n")
                append(fc, "C-3 WSAETIMEDOUT\n")
                dm.wait_message("B-2")
                dm.wait_message("C-3")
                self.assertEqual(dm.stop(), 0, dm.describe())


BAD_CONFIG = """\
state_dir: {state}
commit_interval: 5 parsecs
poll_interval: 200ms
log:
  level: info
inputs:
  - path: "{logs}/*.log"
    max_line_bytes: 12 furlongs
    tagz: [api]
    start_at: [end]
outputs:
  - name: events
    type: stdout
"""
# (line, (columns accepted: the key's or the value's), what)
BAD_CONFIG_ERRORS = [(2, (1, 18), "bad duration"), (8, (5, 21), "bad size"),
                     (9, (5, 11), "unknown key"), (10, (5, 15), "wrong type")]


@require_run
class ConfigErrors(unittest.TestCase):
    def write_bad(self, d):
        cfg = os.path.join(d, "bad.yaml")
        with open(cfg, "w") as fh:
            fh.write(BAD_CONFIG.format(state=os.path.join(d, "state"), logs=os.path.join(d, "logs")))
        return cfg

    def assert_reported(self, err, cfg, line, cols, what):
        pat = r"%s:%d:(\d+):" % (re.escape(cfg), line)
        found = [int(m.group(1)) for m in re.finditer(pat, err)]
        self.assertTrue(any(c in cols for c in found),
                        "%s: expected %s:%d:<%s>: ... on stderr; got:\n%s"
                        % (what, cfg, line, " or ".join(map(str, cols)), err))

    def test_check_lists_every_error(self):
        with TempDir() as d:
            cfg = self.write_bad(d)
            code, out, err = run("check", "--config", cfg)
            self.assertEqual(code, 2, err)
            for line, cols, what in BAD_CONFIG_ERRORS:
                self.assert_reported(err, cfg, line, cols, what)
            errors = [l for l in err.splitlines() if l.startswith("error: %s:" % cfg)]
            self.assertGreaterEqual(len(errors), 4, "each error on its own 'error: F:L:C: ...' line:\n" + err)

    def test_run_refuses_bad_config(self):
        with TempDir() as d:
            cfg = self.write_bad(d)
            code, out, err = run("run", "--config", cfg, *wwtest.ROOT_ARGS, timeout=20)
            self.assertEqual(code, 2, err)
            located = [l for l in err.splitlines() if re.search(re.escape(cfg) + r":\d+:\d+:", l)]
            self.assertTrue(located, err)
            self.assertEqual([l for l in located if "warning" in l], [],
                             "a config error that stops the start is an error, not a warning")
            self.assertEqual(out, b"")

    def test_check_good_config_and_example(self):
        with TempDir() as d:
            cfg = daemon_config(d, [{"path": os.path.join(d, "*.log"), "exclude": ["*.gz"],
                                     "start_at": "end", "encoding": "auto", "tags": ["x"],
                                     "max_line_bytes": "64KiB", "idle_flush": "5s", "watch": "poll"}])
            code, out, err = run("check", "--config", cfg)
            self.assertEqual(code, 0, err)
            self.assertTrue(out.decode().startswith("ok:"), out)
            # the documented example is valid, but for its rules directory,
            # which need not exist here: check it with that line left out
            with open(os.path.join(wwtest.ROOT, "config", "wsawatch.yaml")) as fh:
                text = fh.read()
            ex = os.path.join(d, "example.yaml")
            with open(ex, "w") as fh:
                fh.write(re.sub(r"(?m)^rules:.*$", "", text))
            code, out, err = run("check", "--config", ex)
            self.assertEqual(code, 0, "the documented example config:\n" + err)


if __name__ == "__main__":
    wwtest.main()
