"""Least privilege: `wsawatch run` refuses to run as root unless told to, and
runs as an unprivileged user that reads its logs through their group.

These tests need root (CI runs as root): they make files owned by group adm
and start the daemon as nobody with setpriv. As another user they only check
that the daemon starts without the flag."""
import grp
import os
import re
import shutil
import subprocess
import unittest

import wwtest
from wwtest import RESET_LINE, Daemon, TempDir, append, daemon_config, wait_until

IS_ROOT = os.geteuid() == 0
NOBODY = 65534


def logs_dir(d, mode=0o640, group="adm"):
    """d/logs/api.log with one reset line, group-owned and with the given mode."""
    logs = os.path.join(d, "logs")
    os.makedirs(logs)
    path = os.path.join(logs, "api.log")
    append(path, "2026-11-24 10:00:00 ERROR %s\n" % RESET_LINE)
    shutil.chown(path, group=group)
    os.chmod(path, mode)
    os.chmod(d, 0o755)
    os.chmod(logs, 0o755)
    return path


def run_plain(cfg, *extra, timeout=30):
    p = subprocess.run([wwtest.BINARY, "run", "--config", cfg, *extra],
                       capture_output=True, timeout=timeout)
    return p.returncode, p.stdout, p.stderr.decode("utf-8", "replace")


@unittest.skipUnless(IS_ROOT, "needs root: the refusal applies to root only")
class RefuseRoot(unittest.TestCase):
    def config(self, d, log):
        return daemon_config(d, [{"path": os.path.join(os.path.dirname(log), "*.log"),
                                  "start_at": "beginning"}])

    def test_group_readable_logs_refused_naming_the_group(self):
        with TempDir() as d:
            log = logs_dir(d, 0o640, "adm")
            code, out, err = run_plain(self.config(d, log))
            self.assertEqual(code, 2, err)
            self.assertIn("refusing to run as root", err)
            self.assertIn("readable through group adm", err)
            self.assertIn("--allow-root", err)
            self.assertEqual(out, b"", "no event may be sent by a refused daemon")
            self.assertFalse(os.path.exists(os.path.join(d, "state")),
                             "a refused daemon must not create its state directory")

    def test_root_only_logs_refused_naming_a_file(self):
        with TempDir() as d:
            log = logs_dir(d, 0o600, "root")
            code, _, err = run_plain(self.config(d, log))
            self.assertEqual(code, 2, err)
            self.assertIn("1 of the 1 file(s) the inputs match are readable by root alone "
                          "(%s)" % log, err)
            self.assertIn("chgrp adm FILE; chmod g+r FILE", err)

    def test_allow_root_runs_with_a_warning(self):
        with TempDir() as d:
            log = logs_dir(d)
            with Daemon(self.config(d, log)).start() as dm:  # passes --allow-root
                wait_until(lambda: len(dm.events) == 1, 10, "the reset event", dm)
                self.assertTrue(any("running as root (--allow-root)" in m for m in dm.err),
                                dm.err)

    def test_once_is_not_refused(self):
        with TempDir() as d:
            log = logs_dir(d)
            code, out, err = run_plain(self.config(d, log), "--once")
            self.assertEqual(code, 0, err)
            kinds = [e["event"]["kind"] for e in wwtest.events(out)]
            self.assertEqual(kinds.count("event"), 1, kinds)


@unittest.skipUnless(IS_ROOT and shutil.which("setpriv"), "needs root and setpriv")
class UnprivilegedThroughGroup(unittest.TestCase):
    def test_nobody_in_adm_reads_the_log_and_commits_offsets(self):
        with TempDir() as d:
            log = logs_dir(d, 0o640, "adm")
            state = os.path.join(d, "state")
            os.makedirs(state)
            shutil.chown(state, user=NOBODY)
            cfg = daemon_config(d, [{"path": os.path.join(d, "logs", "*.log"),
                                     "start_at": "beginning"}], commit_interval="200ms")
            adm = grp.getgrnam("adm").gr_gid
            p = subprocess.Popen(["setpriv", "--reuid=%d" % NOBODY, "--regid=%d" % NOBODY,
                                  "--groups=%d" % adm, wwtest.BINARY, "run", "--config", cfg],
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            try:
                line = p.stdout.readline()
                self.assertTrue(line, "no event from the unprivileged daemon")
                ev = wwtest.events(line)[0]
                self.assertEqual(ev["winsock"]["code"], 10054)
                for msg in iter(p.stderr.readline, b""):  # signals are handled once ready
                    if b"ready" in msg:
                        break
                offsets = os.path.join(state, "offsets.json")
                wait_until(lambda: os.path.exists(offsets), 10, "offsets.json")
                self.assertEqual(os.stat(offsets).st_uid, NOBODY)
            finally:
                p.terminate()
                _, err = p.communicate(timeout=20)
            self.assertEqual(p.returncode, 0, err.decode())
            self.assertNotIn("refusing", err.decode())


UNIT = os.path.join(wwtest.ROOT, "packaging", "linux", "wsawatch.service")


@unittest.skipUnless(shutil.which("systemd-analyze"), "needs systemd-analyze (package systemd)")
class UnitHardening(unittest.TestCase):
    def test_exposure_rated_ok_or_better(self):
        p = subprocess.run(["systemd-analyze", "security", "--offline=true", "--no-pager", UNIT],
                           capture_output=True, text=True, timeout=60)
        m = re.search(r"Overall exposure level for wsawatch.service: ([0-9.]+) (\w+)", p.stdout)
        self.assertIsNotNone(m, p.stdout[-2000:] + p.stderr)
        self.assertIn(m.group(2), ("PERFECT", "SAFE", "OK"), m.group(0))
        self.assertLessEqual(float(m.group(1)), 2.0, m.group(0))

    def test_runs_as_the_wsawatch_user_without_capabilities(self):
        with open(UNIT) as f:
            unit = f.read()
        for line in ("User=wsawatch", "NoNewPrivileges=yes", "CapabilityBoundingSet=\n"):
            self.assertIn(line, unit)
        self.assertNotIn("--allow-root", unit)


@unittest.skipIf(IS_ROOT, "runs as another user only")
class NotRoot(unittest.TestCase):
    def test_starts_without_the_flag(self):
        with TempDir() as d:
            log = os.path.join(d, "api.log")
            append(log, "x\n")
            cfg = daemon_config(d, [{"path": log}])
            with Daemon(cfg).start() as dm:
                self.assertFalse(any("refusing" in m for m in dm.err))


if __name__ == "__main__":
    wwtest.main()
