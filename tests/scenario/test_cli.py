"""The commands as an operator uses them: lookup, scan, test, check, help."""
import glob
import json
import os
import subprocess
import unittest

import wwtest
from wwtest import FIXTURES, TempDir, events, line_number, run

SAMPLES = os.path.join(FIXTURES, "samples")
RESET_TEXT = "An existing connection was forcibly closed by the remote host."


class Lookup(unittest.TestCase):
    def test_every_form_gives_connreset(self):
        for term in ["10054", "WSAECONNRESET", "econnreset", "0x80072746", "0x2746",
                     "forcibly closed", "ConnectionReset"]:
            code, out, err = run("lookup", term)
            self.assertEqual(code, 0, term + ": " + err)
            self.assertIn("WSAECONNRESET", out.decode(), term)
            self.assertIn(RESET_TEXT, out.decode(), term)

    def test_json_fields(self):
        code, out, _ = run("lookup", "--json", "10061", "WSAHOST_NOT_FOUND")
        self.assertEqual(code, 0)
        objs = events(out)
        self.assertEqual([o["code"] for o in objs], [10061, 11001])
        self.assertEqual(objs[0]["symbol"], "WSAECONNREFUSED")
        self.assertEqual(objs[0]["hex"], "0x274D")
        self.assertEqual(objs[0]["hresult"], "0x8007274D")
        self.assertEqual(objs[0]["posix"], "ECONNREFUSED")
        for key in ("title", "message", "category", "hint"):
            self.assertTrue(objs[0][key], key)

    def test_unknown_term_exit_1(self):
        code, out, err = run("lookup", "10054", "WSAENOSUCHTHING")
        self.assertEqual(code, 1)
        self.assertIn("WSAECONNRESET", out.decode())
        self.assertIn("no Winsock code matches 'WSAENOSUCHTHING'", err)

    def test_usage_error_exit_2(self):
        self.assertEqual(run("lookup")[0], 2)
        self.assertEqual(run("frobnicate")[0], 2)

    def test_forms_dotnet_and_tools_print(self):
        """.NET's signed HResult, bare hex, options after the terms."""
        for args, code in [(["--", "-2147014842"], 10054), (["-2147014842"], 10054),
                           (["80072746"], 10054), (["274D"], 10061), (["8007274d"], 10061),
                           (["2746"], 10054), (["10054", "--json"], 10054),
                           (["--json", "10054"], 10054), (["-2147014839", "--json"], 10057)]:
            rc, out, err = run("lookup", "--json", *args)
            self.assertEqual(rc, 0, "%s: %s" % (args, err))
            self.assertEqual([o["code"] for o in events(out)], [code], args)

    def test_decimal_wins_when_it_is_a_code(self):
        # 10060 is WSAETIMEDOUT; read as hex it would be 0x10060, no code
        rc, out, _ = run("lookup", "--json", "10060", "6", "87")
        self.assertEqual(rc, 0)
        self.assertEqual([o["code"] for o in events(out)], [10060, 6, 87])
        # an HRESULT of another facility is no Winsock code
        rc, out, err = run("lookup", "--", "-2147024894")  # 0x80070002 -> code 2: not Winsock
        self.assertEqual((rc, out), (1, b""))
        self.assertIn("no Winsock code matches '-2147024894'", err)

    def test_empty_term_is_a_usage_error(self):
        for term in ("", "  "):
            rc, out, err = run("lookup", "10054", term)
            self.assertEqual((rc, out), (2, b""), repr(term))
            self.assertIn("empty term", err)

    def test_cut_list_says_how_many_more(self):
        # every symbol of the table starts with WSA: all codes match, 64 are shown
        with open(os.path.join(wwtest.ROOT, "rules", "codes", "winsock.yaml")) as f:
            total = sum(1 for line in f if line.startswith("    symbol: WSA"))
        self.assertGreater(total, 64)
        rc, out, err = run("lookup", "--json", "WSA")
        self.assertEqual(rc, 0)
        self.assertEqual(len(events(out)), 64)
        self.assertIn("%d more codes match 'WSA' (the first 64 are shown)" % (total - 64), err)
        rc, out, err = run("lookup", "reset by peer")  # a short list is not cut
        self.assertEqual((rc, err), (0, ""))


class Scan(unittest.TestCase):
    def expected(self):
        want = set()
        with open(os.path.join(SAMPLES, "expected.jsonl")) as f:
            for line in f:
                o = json.loads(line)
                for c in o["codes"]:
                    want.add((o["file"], o["line"], c))
        return want

    def test_samples_exactly(self):
        files = sorted(glob.glob(os.path.join(SAMPLES, "*.log")))
        code, out, err = run("scan", "--format", "json", *files)
        self.assertEqual(code, 0, err)
        got = set()
        for e in events(out):
            path = e["log"]["file"]["path"]
            got.add((os.path.basename(path), line_number(path, e["log"]["offset"]),
                     e["winsock"]["code"]))
            self.assertEqual(e["event"]["kind"], "event")
            self.assertTrue(e["rule"]["id"])
            self.assertTrue(e["@timestamp"].endswith("Z"))
        want = self.expected()
        self.assertEqual(sorted(got - want), [], "false positives")
        self.assertEqual(sorted(want - got), [], "missed")

    def test_negatives_give_nothing(self):
        code, out, _ = run("scan", os.path.join(SAMPLES, "negatives.log"))
        self.assertEqual((code, out), (1, b""))

    def test_event_shape(self):
        line = b"2026-11-24 20:30:01 ERROR api System.Net.Sockets.SocketException (10054): " \
               + RESET_TEXT.encode() + b"\r\n"
        code, out, _ = run("scan", "--format", "json", "-", stdin=b"first\r\n" + line)
        self.assertEqual(code, 0)
        (e,) = events(out)
        self.assertEqual(e["log"]["file"]["path"], "(standard input)")
        self.assertEqual(e["log"]["offset"], 7)
        self.assertEqual(e["message"], line[:-2].decode())
        w = e["winsock"]
        self.assertEqual((w["code"], w["symbol"], w["hex"]), (10054, "WSAECONNRESET", "0x2746"))
        self.assertEqual(w["message"], RESET_TEXT)
        self.assertEqual(w["category"], "connection")

    def test_options_anywhere_and_with_equals(self):
        path = os.path.join(SAMPLES, "dotnet.log")
        base = events(run("scan", "--format", "json", path)[1])
        self.assertTrue(base)
        for args in (["--format=json", path], [path, "--format", "json"],
                     [path, "--format=json", "--max-line-bytes=16MiB"],
                     ["--format=json", "--", path]):
            code, out, err = run("scan", *args)
            self.assertEqual(code, 0, "%s: %s" % (args, err))
            self.assertEqual([(e["log"]["offset"], e["winsock"]["code"]) for e in events(out)],
                             [(e["log"]["offset"], e["winsock"]["code"]) for e in base], args)

    def test_bad_options_name_the_option(self):
        for args, msg in [(["--frob"], "unknown option '--frob'"),
                          (["--format"], "option '--format' needs a value"),
                          (["--summary=yes"], "option '--summary' takes no value"),
                          (["--format=xml"], "--format must be text or json, not 'xml'")]:
            code, out, err = run("scan", *args, stdin=b"")
            self.assertEqual((code, out), (2, b""), args)
            self.assertIn("wsawatch scan: " + msg, err)
            self.assertIn("Try 'wsawatch scan --help'.", err)

    def test_text_names_path_and_line(self):
        """path:LINE as grep shows it, for every event of every sample."""
        for name in sorted(glob.glob(os.path.join(SAMPLES, "*.log"))):
            code, out, _ = run("scan", "--format", "json", name)
            if code != 0:
                continue
            want = [(line_number(name, e["log"]["offset"]), e["winsock"]["symbol"])
                    for e in events(out)]
            code, out, _ = run("scan", name)
            got = []
            for line in out.decode("utf-8", "replace").splitlines():
                if line.startswith(name + ":"):
                    where, sym = line[len(name) + 1:].split(" ")[:2]
                    got.append((int(where), sym))
            self.assertEqual(got, want, name)
        code, out, _ = run("scan", "-", stdin=b"one\r\ntwo\r\nthree WSAECONNRESET\r\n")
        self.assertTrue(out.decode().startswith("(standard input):3 WSAECONNRESET (10054)"),
                        out)

    def test_closed_stdout_stops_quietly(self):
        """`wsawatch scan BIG | head -n 1`: one line, no error, exit 0, and it stops
        at once (the missing file after BIG is never reached)."""
        with TempDir() as d:
            big = os.path.join(d, "big.log")
            with open(big, "w") as f:
                for i in range(200000):
                    f.write("%d recv failed WSAECONNRESET peer=10.0.0.%d:443\n" % (i, i % 250))
            for fmt in ("text", "json"):
                p = subprocess.Popen([wwtest.BINARY, "scan", "--format", fmt, big,
                                      os.path.join(d, "missing.log")],
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE)
                head = subprocess.run(["head", "-n", "1"], stdin=p.stdout,
                                      stdout=subprocess.PIPE, check=True)
                p.stdout.close()
                err = p.stderr.read().decode()
                p.stderr.close()
                rc = p.wait(timeout=wwtest.scaled(120))
                wwtest.check_memcheck(p.pid)
                self.assertEqual(len(head.stdout.splitlines()), 1, fmt)
                self.assertEqual((rc, err), (0, ""), fmt)
            # a real write error is still one
            with open("/dev/full", "wb") as full:
                p = subprocess.run([wwtest.BINARY, "scan", big], stdout=full,
                                   stderr=subprocess.PIPE)
            self.assertEqual(p.returncode, 2)
            self.assertIn("standard output: write error", p.stderr.decode())

    def test_text_format_escapes_controls(self):
        code, out, _ = run("scan", "-", stdin=b"\x1b[2J\x1b]0;pwned\x07 WSAECONNRESET\n")
        self.assertEqual(code, 0)
        text = out.decode()
        self.assertIn("WSAECONNRESET (10054)", text)
        self.assertNotIn("\x1b", text)
        self.assertIn("\\x1B[2J", text)

    def test_unreadable_file_reported_others_scanned(self):
        with TempDir() as d:
            good = os.path.join(d, "good.log")
            with open(good, "w") as f:
                f.write("error WSAETIMEDOUT\n")
            missing = os.path.join(d, "missing.log")
            code, out, err = run("scan", missing, good)
            self.assertEqual(code, 2)
            self.assertIn(missing + ": no such file or directory", err)
            self.assertIn("WSAETIMEDOUT", out.decode())

    def test_encodings(self):
        for name in ("utf16le-bom-crlf.log", "utf16be-bom.log", "utf8-bom.log",
                     "invalid-utf8.log"):
            path = os.path.join(SAMPLES, name)
            if not os.path.exists(path):
                self.skipTest("fixture %s not generated" % name)
            code, out, err = run("scan", "--format", "json", path)
            self.assertEqual(code, 0, name + err)
            evs = events(out)
            self.assertTrue(evs, name)
            for e in evs:
                e["message"].encode("utf-8")  # valid UTF-8 after JSON decoding

    def test_binary_and_huge_line(self):
        with TempDir() as d:
            path = os.path.join(d, "hostile.log")
            with open(path, "wb") as f:
                f.write(os.urandom(200000).replace(b"\n", b"."))
                f.write(b"\n")
                f.write(b"A" * (10 << 20) + b" WSAECONNRESET at the end\n")
                f.write(b"\x00\xff\xfe[WinError 10061] after NULs\n")
            code, out, err = run("scan", "--format", "json", path)
            self.assertEqual(code, 0, err)
            evs = events(out)
            self.assertEqual([e["winsock"]["code"] for e in evs], [10061])
            # both: the 200 000-byte binary line and the 10 MB one
            self.assertIn("2 lines longer than 65536 bytes", err)
            code, out, err = run("scan", "--format", "json", "--max-line-bytes", "16MiB", path)
            self.assertEqual([e["winsock"]["code"] for e in events(out)], [10054, 10061])

    def test_summary(self):
        code, out, _ = run("scan", "--summary", "--format", "json",
                           os.path.join(SAMPLES, "go.log"))
        self.assertEqual(code, 0)
        (s,) = events(out)
        s = s["summary"]
        self.assertGreater(s["events"], 0)
        self.assertEqual(sum(s["by_code"].values()), s["events"])
        self.assertTrue(any(k.startswith("10054 ") for k in s["by_code"]))

    def test_rules_override_and_add(self):
        with TempDir() as d:
            rules = os.path.join(d, "mine.yaml")
            with open(rules, "w") as f:
                f.write("rules:\n  - id: acme-sock\n    literals: [ACMEERR]\n"
                        "    pattern: 'ACMEERR=(?<code>\\d+) peer=(?<peer>\\S+)'\n")
            code, out, err = run("scan", "--format", "json", "--rules", rules, "-",
                                 stdin=b"ACMEERR=10053 peer=10.1.2.3:80\n")
            self.assertEqual(code, 0, err)
            (e,) = events(out)
            self.assertEqual(e["rule"]["id"], "acme-sock")
            self.assertEqual(e["captures"]["peer"], "10.1.2.3:80")
            self.assertEqual(e["winsock"]["symbol"], "WSAECONNABORTED")


class QuickStart(unittest.TestCase):
    def test_run_once_on_the_demo_config(self):
        """The README's first command: the daemon on the bundled samples."""
        import shutil
        shutil.rmtree("build/demo-state", ignore_errors=True)
        code, out, err = run("run", "--once", "--config", "config/demo.yaml")
        self.assertEqual(code, 0, err)
        text = out.decode()
        self.assertIn("WSAECONNRESET (10054) Connection reset by peer.", text)
        # read from the start: lines named path:LINE
        self.assertIn("tests/fixtures/samples/dotnet.log:4 WSAECONNREFUSED (10061)", text)
        self.assertIn("| 2024/05/02 14:00:01 [error] 10916#8776", text)
        # old lines are a backlog: one summary, no storm of stale alerts
        alerts = [l for l in text.splitlines() if l.startswith("ALERT ")]
        self.assertEqual(len(alerts), 1, alerts)
        self.assertIn("backlog:", alerts[0])
        # a second run resumes from the saved offsets: nothing new
        code, out, err = run("run", "--once", "--config", "config/demo.yaml")
        self.assertEqual((code, out), (0, b""), err)


class DaemonText(unittest.TestCase):
    def test_line_number_or_offset(self):
        """The daemon's text output: path:LINE for a file read from its start in
        this run, path@OFFSET once it resumes from a saved offset (the line
        number before it is not known)."""
        with TempDir() as d:
            log = os.path.join(d, "app.log")
            cfg = os.path.join(d, "c.yaml")
            with open(cfg, "w") as f:
                f.write("state_dir: %s\ninputs:\n  - path: %s\n    start_at: beginning\n"
                        "outputs:\n  - {name: t, type: stdout, format: text}\n"
                        % (os.path.join(d, "state"), log))
            with open(log, "w") as f:
                f.write("start\nrecv failed WSAECONNRESET\n")
            code, out, err = run("run", "--once", "--config", cfg)
            self.assertEqual(code, 0, err)
            self.assertIn("%s:2 WSAECONNRESET (10054)" % log, out.decode())
            size = os.path.getsize(log)
            with open(log, "a") as f:
                f.write("more\nconnect failed WSAETIMEDOUT\n")
            code, out, err = run("run", "--once", "--config", cfg)
            self.assertEqual(code, 0, err)
            self.assertIn("%s@%d WSAETIMEDOUT (10060)" % (log, size + 5), out.decode())
            self.assertNotIn("WSAECONNRESET", out.decode())


class Help(unittest.TestCase):
    COMMANDS = ("lookup", "scan", "test", "check", "run", "service")

    def test_each_command_has_one_usage(self):
        for cmd in self.COMMANDS:
            code, out, err = run(cmd, "--help")
            self.assertEqual((code, err), (0, ""), cmd)
            self.assertTrue(out.decode().startswith("usage: wsawatch " + cmd), out)
            self.assertIn("--help", out.decode())
            self.assertEqual(run("help", cmd), (0, out, ""), cmd)
            self.assertEqual(run(cmd, "-h")[:2], (0, out), cmd)
        self.assertIn(b"--format text|json", run("scan", "--help")[1])
        self.assertIn(b"--once", run("help", "run")[1])
        self.assertIn(b"-2147014842", run("lookup", "--help")[1])
        # --help wins wherever it stands, and nothing runs
        self.assertEqual(run("scan", "nonexistent.log", "--help")[0], 0)
        self.assertEqual(run("run", "--config", "nonexistent.yaml", "--help")[0], 0)

    def test_overview_lists_the_commands(self):
        for args in (["--help"], ["help"], ["-h"]):
            code, out, _ = run(*args)
            self.assertEqual(code, 0, args)
            for cmd in self.COMMANDS:
                self.assertIn("\n  %s " % cmd, out.decode(), args)
            self.assertIn("service install", out.decode())
        code, out, err = run()
        self.assertEqual((code, out), (2, b""))
        self.assertIn("usage: wsawatch COMMAND", err)
        code, _, err = run("help", "frobnicate")
        self.assertEqual(code, 2)
        self.assertIn("unknown command 'frobnicate'", err)

    def test_version(self):
        a, b = run("--version"), run("version")
        self.assertEqual(a, b)
        self.assertEqual(a[0], 0)
        self.assertRegex(a[1].decode(), r"^wsawatch \d+\.\d+\.\d+")


class Check(unittest.TestCase):
    def test_builtin_ok(self):
        code, out, err = run("check")
        self.assertEqual(code, 0, err)
        self.assertTrue(out.decode().startswith("ok: "))

    def test_bad_files_all_reported(self):
        with TempDir() as d:
            with open(os.path.join(d, "a.yaml"), "w") as f:
                f.write("rules:\n  - id: bad-re\n    literals: [WSAE]\n"
                        "    pattern: 'WSAE(?<code>\\d+'\n")
            with open(os.path.join(d, "b.yaml"), "w") as f:
                f.write("rules:\n  - id: x\n    patern: 'x'\n")
            code, _, err = run("check", "--rules", d)
            self.assertEqual(code, 2)
            self.assertIn("a.yaml:4:14: rule 'bad-re': pattern error at offset 15", err)
            self.assertIn("b.yaml:3:5: unknown key 'patern'", err)
            self.assertIn("wsawatch check: 3 errors", err)  # all reported at once

    def test_scan_refuses_bad_rules(self):
        with TempDir() as d:
            p = os.path.join(d, "c.yaml")
            with open(p, "w") as f:
                f.write("rules: [\n")
            code, out, err = run("scan", "--rules", p, "-", stdin=b"WSAECONNRESET\n")
            self.assertEqual(code, 2)
            self.assertIn("c.yaml:2:1: YAML:", err)


class RuleTester(unittest.TestCase):
    def test_report(self):
        code, out, _ = run("test", os.path.join(SAMPLES, "dotnet.log"))
        self.assertEqual(code, 0)
        text = out.decode()
        for want in ("Lines read:", "Lines matched:", "Match limit hit:", "candidates",
                     "dotnet-", "10054 WSAECONNRESET"):
            self.assertIn(want, text)


if __name__ == "__main__":
    wwtest.main()
