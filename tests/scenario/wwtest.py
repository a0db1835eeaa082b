"""Helpers for scenario tests: run the built wsawatch the way an operator would."""
import json
import os
import subprocess
import sys
import tempfile
import unittest

BINARY = None
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FIXTURES = os.path.join(ROOT, "tests", "fixtures")


def run(*args, stdin=None, check=None):
    """Runs wsawatch with args; returns (exit code, stdout bytes, stderr text)."""
    p = subprocess.run([BINARY, *args], input=stdin, capture_output=True, timeout=300)
    if check is not None and p.returncode != check:
        raise AssertionError("exit %d, wanted %d: %s" % (p.returncode, check, p.stderr.decode()))
    return p.returncode, p.stdout, p.stderr.decode("utf-8", "replace")


def events(out):
    """Parses JSON lines strictly: every line must be valid UTF-8 JSON."""
    return [json.loads(line.decode("utf-8")) for line in out.splitlines() if line]


def line_number(path, offset):
    with open(path, "rb") as f:
        return f.read(offset).count(b"\n") + 1


class TempDir:
    def __enter__(self):
        self.d = tempfile.TemporaryDirectory(prefix="wsawatch-")
        return self.d.name

    def __exit__(self, *a):
        self.d.cleanup()


def main():
    global BINARY
    BINARY = os.path.abspath(sys.argv.pop(1))
    unittest.main(verbosity=2)
