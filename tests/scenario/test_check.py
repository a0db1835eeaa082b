"""`wsawatch check --config` as an operator uses it: every problem of a
configuration in one run, each at its file:line:column, exit 2; the same
checks at `run` and at reload; the example in README.md is real output."""
import glob
import os
import re
import shlex
import signal
import unittest

import wwtest
from wwtest import ROOT, TempDir, run

FIXTURE = "tests/fixtures/config/twelve-mistakes.yaml"
RULES_DIR = "tests/fixtures/config/twelve-mistakes.d"

# (level, file, line, col, message): the twelve mistakes of the fixture.
TWELVE = [
    ("error", FIXTURE, 6, 1, "unknown key 'comit_interval'"),
    ("error", RULES_DIR + "/broken.yaml", 5, 1,
     "YAML: found unexpected end of stream while scanning a quoted scalar"),
    ("error", RULES_DIR + "/examples.yaml", 9, 11,
     "rule 'app-refused': match example gives [], none of them from this rule"),
    ("error", FIXTURE, 9, 11, "input path 'logs/api/*.log' is relative: give an absolute "
     "path (a service's current directory is not yours)"),
    ("warning", FIXTURE, 11, 11, "input path '/var/log/wsawatch-fixture-nothing-here/*.log' "
     "matches no file today (files that appear later are read)"),
    ("error", FIXTURE, 12, 13, "input: no rule with id 'dotnet-socketexeption'"),
    ("error", FIXTURE, 14, 38, "output 'events': path is empty"),
    ("error", FIXTURE, 15, 44, "address 'udp://syslog.example.net' has no port "
     "(udp://HOST:PORT, e.g. udp://syslog.example.net:514)"),
    ("error", FIXTURE, 18, 28, "alert 'resets': unknown code 'WSAECONNRESTE'"),
    ("error", FIXTURE, 19, 18, "alert 'resets': category 'conection' is unknown ("),
    ("error", FIXTURE, 20, 12, "alert 'resets': tag 'payments' is given to no input"),
    ("error", FIXTURE, 21, 15, "alert 'resets': no output named 'pager'"),
]


def write(path, text, mode="w"):
    with open(path, mode) as f:
        f.write(text)
    return path


def located(err):
    """The 'level: file:line:col: text' lines of stderr."""
    return [l for l in err.splitlines() if re.match(r"(error|warning): .+:\d+:\d+: ", l)]


class TwelveMistakes(unittest.TestCase):
    def test_all_twelve_in_one_run(self):
        code, out, err = run("check", "--config", FIXTURE)
        self.assertEqual(code, 2, err)
        lines = err.splitlines()
        for level, f, line, col, text in TWELVE:
            want = "%s: %s:%d:%d: %s" % (level, f, line, col, text)
            self.assertTrue(any(l.startswith(want) for l in lines),
                            "missing %r in:\n%s" % (want, err))
        self.assertEqual(len(located(err)), 12, err)  # nothing else, nothing twice
        self.assertEqual(lines[-1], "wsawatch check: 11 errors")
        self.assertEqual(out, b"")

    def test_reported_in_file_order(self):
        _, _, err = run("check", "--config", FIXTURE)
        pos = [(m.group(1), int(m.group(2)), int(m.group(3))) for m in
               (re.match(r"\w+: (.+?):(\d+):(\d+): ", l) for l in located(err))]
        config = [p for p in pos if p[0] == FIXTURE]
        self.assertEqual(config, sorted(config), err)

    def test_run_refuses_it_with_the_same_errors(self):
        code, _, err = run("run", "--config", FIXTURE, *wwtest.ROOT_ARGS, timeout=20)
        self.assertEqual(code, 2, err)
        for level, f, line, col, text in TWELVE:
            if level == "error":
                self.assertIn("%s:%d:%d: %s" % (f, line, col, text), err)


class ReadmeExample(unittest.TestCase):
    BEGIN, END = "<!-- check-example:begin -->", "<!-- check-example:end -->"

    def blocks(self):
        found = []
        for path in [os.path.join(ROOT, "README.md")] + \
                sorted(glob.glob(os.path.join(ROOT, "docs", "*.md"))):
            with open(path, encoding="utf-8") as f:
                text = f.read()
            for m in re.finditer(re.escape(self.BEGIN) + r"(.*?)" + re.escape(self.END), text,
                                 re.S):
                found.append((os.path.relpath(path, ROOT), m.group(1)))
        return found

    def test_example_is_real_output(self):
        blocks = self.blocks()
        self.assertTrue(blocks, "no %s ... %s block in README.md or docs/*.md"
                        % (self.BEGIN, self.END))
        for where, block in blocks:
            fence = re.search(r"^```[^\n]*\n(.*?)^```", block, re.S | re.M)
            self.assertIsNotNone(fence, where + ": no fenced block between the markers")
            lines = fence.group(1).splitlines()
            self.assertTrue(lines[0].startswith("$ wsawatch "), where + ": " + lines[0])
            args = shlex.split(lines[0][2:])[1:]
            code, out, err = run(*args)
            got = (err + out.decode()).splitlines()
            self.assertEqual(got, lines[1:], "%s: the example is not what `%s` prints"
                             % (where, lines[0][2:]))
            self.assertEqual(code, 2 if any(l.startswith("error:") for l in got) else 0)


class ConfigErrors(unittest.TestCase):
    def test_second_document_is_an_error(self):
        with TempDir() as d:
            cfg = write(os.path.join(d, "c.yaml"),
                        "state_dir: /var/lib/wsawatch\nbogus: 1\n---\ninputs: []\n")
            code, _, err = run("check", "--config", cfg)
            self.assertEqual(code, 2, err)
            self.assertIn("error: %s:3:1: a second YAML document starts here" % cfg, err)
            self.assertIn("error: %s:2:1: unknown key 'bogus'" % cfg, err)  # first still read

    def test_invalid_utf8_where_it_is(self):
        with TempDir() as d:
            cfg = write(os.path.join(d, "c.yaml"),
                        b"state_dir: /var/lib/wsawatch\ninputs:\n  - path: /var/log/caf\xc3\xa9/\xff.log\n",
                        "wb")
            code, _, err = run("check", "--config", cfg)
            self.assertEqual(code, 2, err)
            self.assertIn("error: %s:3:25: YAML: invalid leading UTF-8 octet (byte 0xFF)" % cfg,
                          err)

    def test_empty_and_relative_paths(self):
        with TempDir() as d:
            cfg = write(os.path.join(d, "c.yaml"),
                        "state_dir: state\n"
                        "log: {target: file, path: wsawatch.log}\n"
                        "inputs:\n"
                        "  - path: ''\n"
                        "outputs:\n"
                        "  - {name: m, type: metrics, path: wsawatch.prom}\n")
            code, _, err = run("check", "--config", cfg)
            self.assertEqual(code, 2, err)
            for want in ["%s:1:12: state_dir 'state' is relative", "%s:2:27: log path "
                         "'wsawatch.log' is relative", "%s:4:11: input path is empty",
                         "%s:6:36: output 'm': path 'wsawatch.prom' is relative"]:
                self.assertIn("error: " + want % cfg, err)

    def test_alert_rule_ids_and_group_by_nothing_defines(self):
        with TempDir() as d:
            cfg = write(os.path.join(d, "c.yaml"),
                        "alerts:\n"
                        "  - id: a\n"
                        "    rules: [go-syscall-message, go-syscal-message]\n"
                        "    group_by: [peer, peeer]\n")
            code, _, err = run("check", "--config", cfg)
            self.assertEqual(code, 2, err)
            self.assertIn("error: %s:3:33: alert 'a': rule 'go-syscal-message' is defined by "
                          "no rule file" % cfg, err)
            self.assertIn("error: %s:4:22: alert 'a': group_by 'peeer' is not file, tag, "
                          "code, host, rule or a rule's capture" % cfg, err)
            self.assertIn("wsawatch check: 2 errors", err)

    def test_relative_rules_path_is_beside_the_config(self):
        with TempDir() as d:
            os.makedirs(os.path.join(d, "rules.d"))
            write(os.path.join(d, "rules.d", "mine.yaml"),
                  "rules:\n  - id: mine\n    code: WSAECONNRESET\n    literals: [peer gone]\n"
                  "    pattern: 'peer gone'\n")
            cfg = write(os.path.join(d, "c.yaml"),
                        "rules: [rules.d]\ninputs:\n  - path: %s/*.log\n    rules: [mine]\n" % d)
            write(os.path.join(d, "a.log"), "")
            code, out, err = run("check", "--config", cfg)  # the current directory is ROOT
            self.assertEqual(code, 0, err)
            self.assertTrue(out.startswith(b"ok: "), out)


class MissingRulesDirectory(unittest.TestCase):
    def test_warned_at_run_and_at_reload(self):
        with TempDir() as d:
            wwtest.setup_logs(d)
            missing = os.path.join(d, "rules.d")
            cfg = wwtest.daemon_config(d, [{"path": os.path.join(d, "logs", "*.log")}],
                                       rules=[missing])
            want = r"warning: %s:\d+:\d+: %s: .*\(no rules loaded from it\)" % (
                re.escape(cfg), re.escape(missing))
            code, _, err = run("check", "--config", cfg)
            self.assertEqual(code, 0, err)
            self.assertRegex(err, want)
            with wwtest.Daemon(cfg).start() as dm:
                dm.wait_stderr(want, what="the missing rules directory at start")
                n = len([l for l in dm.err if re.search(want, l)])
                dm.send(signal.SIGHUP)
                dm.wait_for(lambda: len([l for l in dm.err if re.search(want, l)]) > n, 10,
                            "the missing rules directory again at reload")
                dm.stop()


class Reload(unittest.TestCase):
    def test_reload_refuses_what_check_refuses(self):
        with TempDir() as d:
            log = wwtest.setup_logs(d)
            cfg = wwtest.daemon_config(d, [{"path": os.path.join(d, "logs", "*.log")}])
            with wwtest.Daemon(cfg).start() as dm:
                with open(cfg) as f:
                    text = f.read()
                write(cfg, text.replace(os.path.join(d, "logs", "*.log"), "logs/*.log"))
                code, _, err = run("check", "--config", cfg)
                self.assertEqual(code, 2, err)
                where = re.search(r"error: (\S+:\d+:\d+: input path 'logs/\*\.log' is relative)",
                                  err)
                self.assertIsNotNone(where, err)
                dm.send(signal.SIGHUP)
                dm.wait_stderr(re.escape(where.group(1)), what="check's error at reload")
                dm.wait_stderr("reload failed: keeping the old configuration")
                wwtest.append(log, wwtest.RESET_LINE + "\n")
                dm.wait_message("forcibly closed")  # the old configuration still runs
                dm.stop()


if __name__ == "__main__":
    os.chdir(ROOT)
    wwtest.main()
