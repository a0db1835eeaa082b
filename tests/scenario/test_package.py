"""The Debian package as an operator's apt would see it: CPack builds the .deb
from the build tree under test, its contents are where Debian puts them, its
copyright file is machine-readable (DEP-5) and names the licence in LICENSE,
and lintian reports no error nor warning beyond the overrides the package
ships, each with its reason (packaging/linux/debian/lintian-overrides)."""
import glob
import os
import shutil
import subprocess
import tempfile
import unittest

import wwtest


def build_dir():
    return os.path.dirname(wwtest.REAL_BINARY)


def build_type():
    with open(os.path.join(build_dir(), "CMakeCache.txt")) as f:
        for line in f:
            if line.startswith("CMAKE_BUILD_TYPE:"):
                return line.split("=", 1)[1].strip()
    return ""


class DebianPackage(unittest.TestCase):
    deb = None

    @classmethod
    def setUpClass(cls):
        cfg = os.path.join(build_dir(), "CPackConfig.cmake")
        if not os.path.exists(cfg):
            raise unittest.SkipTest("no CPackConfig.cmake in %s (not a Linux build)" % build_dir())
        cls.tmp = tempfile.mkdtemp(prefix="wsawatch-deb-")
        p = subprocess.run(["cpack", "-G", "DEB", "--config", cfg, "-B", cls.tmp],
                           capture_output=True, text=True, timeout=300)
        if p.returncode != 0:
            raise AssertionError("cpack failed:\n" + p.stdout + p.stderr)
        debs = glob.glob(os.path.join(cls.tmp, "wsawatch_*.deb"))
        assert len(debs) == 1, debs
        cls.deb = debs[0]

    @classmethod
    def tearDownClass(cls):
        if cls.deb:
            shutil.rmtree(cls.tmp, ignore_errors=True)

    def contents(self):
        p = subprocess.run(["dpkg-deb", "-c", self.deb], capture_output=True, text=True, check=True)
        return {line.split()[-1].lstrip(".") for line in p.stdout.splitlines()}

    def test_files_where_debian_puts_them(self):
        files = self.contents()
        for f in ("/usr/bin/wsawatch", "/usr/share/doc/wsawatch/copyright",
                  "/usr/share/man/man1/wsawatch.1.gz", "/lib/systemd/system/wsawatch.service",
                  "/etc/wsawatch/wsawatch.yaml", "/usr/share/lintian/overrides/wsawatch"):
            self.assertIn(f, files)

    def test_copyright_is_machine_readable_and_matches_license(self):
        with tempfile.TemporaryDirectory() as d:
            subprocess.run(["dpkg-deb", "-x", self.deb, d], check=True)
            with open(os.path.join(d, "usr/share/doc/wsawatch/copyright")) as f:
                text = f.read()
        with open(os.path.join(wwtest.ROOT, "LICENSE")) as f:
            license_text = f.read()
        paragraphs = text.split("\n\n")
        self.assertTrue(paragraphs[0].startswith(
            "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n"))
        self.assertIn("Files: *\n", paragraphs[1])
        self.assertIn("License: Expat", paragraphs[1])
        # The licence paragraph holds LICENSE's words, one space in, "." for blank lines.
        body = [line[1:] if line != " ." else "" for line in paragraphs[2].splitlines()[1:]]
        self.assertIn("\n".join(body).strip(), license_text)
        self.assertIn("Permission is hereby granted", "\n".join(body))

    def test_lintian_clean(self):
        lintian = shutil.which("lintian")
        if not lintian:
            self.skipTest("lintian is not installed (Debian package lintian)")
        p = subprocess.run([lintian, "--allow-root", "--fail-on", "error,warning",
                            "--display-info", "--pedantic", self.deb],
                           capture_output=True, text=True, timeout=600)
        print("\nlintian:\n" + (p.stdout + p.stderr).strip())
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        findings = [l for l in p.stdout.splitlines() if l[:2] in ("E:", "W:", "I:", "P:")]
        if build_type() != "Release":
            # The hardening flags (-O2 with _FORTIFY_SOURCE, -z now) are the
            # release build's, which makes the package; a debug or sanitizer
            # tree is held to errors and warnings only.
            findings = [l for l in findings if not l.startswith(("I:", "P:"))]
        self.assertEqual(findings, [], "every finding is fixed or overridden with its reason")


if __name__ == "__main__":
    wwtest.main()
