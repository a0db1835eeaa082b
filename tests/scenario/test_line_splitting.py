"""Files whose lines a naive splitter loses (issue 11): every Winsock line
written must give its event, at its offset in the file as stored.

- UTF-16 without a BOM (finding 2): a first read of more than about 640
  bytes was taken as UTF-8 (NULs counted in 512 bytes, compared with the
  whole read), and so was a first read of 4 to 7 bytes: 0 events. `scan`
  and the daemon, UTF-16LE and BE, files of 100 bytes to 64 KiB, and a
  file whose first write is 6 bytes.
- Lines ended by a lone CR (classic Mac OS), in a file with no LF: they were
  one 64 KiB line, and 2 000 errors gave 1 event.
- copytruncate by a writer without O_APPEND: the writer's next line lands
  at its old offset, after a hole of NULs that was glued to it, so it was
  cut (a hole over max_line_bytes) or reported at the hole's offset with the
  NULs in its message.
"""
import os
import sys
import time
import unittest

import wwtest
from wwtest import Daemon, TempDir, append, daemon_config, require_run

RESET = "[WinError 10054] An existing connection was forcibly closed by the remote host"


def numbered_lines(count, every=2):
    """count lines (CRLF), every `every`-th a Winsock line carrying its number."""
    out = []
    for n in range(count):
        if n % every == 0:
            out.append("2026-11-24 20:30:01 ERROR n=%d %s\r\n" % (n, RESET))
        else:
            out.append("2026-11-24 20:30:01 INFO n=%d GET /api/items 200 OK\r\n" % n)
    return out


def encode_with_offsets(lines, enc):
    """The bytes of lines in enc, and {n: offset} of the Winsock lines."""
    data, offsets = b"", {}
    for line in lines:
        if RESET in line:
            offsets[int(line.split("n=")[1].split()[0])] = len(data)
        data += line.encode(enc)
    return data, offsets


def got_offsets(evs):
    return {int(e["message"].split("n=")[1].split()[0]): e["log"]["offset"] for e in evs}


class Utf16WithoutBom(unittest.TestCase):
    def test_scan_any_size(self):
        with TempDir() as d:
            for enc in ("utf-16-le", "utf-16-be"):
                for count in (1, 2, 5, 11, 12, 40, 400):
                    data, want = encode_with_offsets(numbered_lines(count), enc)
                    path = os.path.join(d, "%s-%d.log" % (enc, count))
                    with open(path, "wb") as f:
                        f.write(data)
                    rc, out, err = wwtest.run("scan", "--format", "json", path)
                    evs = wwtest.events(out)
                    self.assertEqual(rc, 0, "%s, %d bytes: %s" % (enc, len(data), err))
                    self.assertEqual(got_offsets(evs), want, "%s, %d bytes" % (enc, len(data)))
                    self.assertTrue(all(RESET in e["message"] for e in evs))


@require_run
class Utf16WithoutBomDaemon(unittest.TestCase):
    def test_followed_files(self):
        with TempDir() as d:
            logs = os.path.join(d, "logs")
            os.makedirs(logs)
            cfg = daemon_config(d, [{"path": os.path.join(logs, "*.log"),
                                     "start_at": "beginning"}])
            small, small_want = encode_with_offsets(numbered_lines(30), "utf-16-le")
            big, big_want = encode_with_offsets(numbered_lines(200), "utf-16-le")
            be, be_want = encode_with_offsets(numbered_lines(200), "utf-16-be")
            with Daemon(cfg).start() as dm:
                first = os.path.join(logs, "first-write-6-bytes.log")
                append(first, small[:6])
                time.sleep(0.8)  # the daemon reads those 6 bytes on its own
                append(first, small[6:])
                append(os.path.join(logs, "one-write-le.log"), big)
                append(os.path.join(logs, "one-write-be.log"), be)
                want = {first: small_want, os.path.join(logs, "one-write-le.log"): big_want,
                        os.path.join(logs, "one-write-be.log"): be_want}
                total = sum(len(w) for w in want.values())
                dm.wait_for(lambda: len(dm.events) >= total, 15, "%d events" % total)
                time.sleep(0.5)
                for path, w in want.items():
                    evs = [e for e in dm.events if e["log"]["file"]["path"] == path]
                    self.assertEqual(got_offsets(evs), w, path)
                    self.assertEqual(len(evs), len(w), path)
                self.assertEqual(dm.stop(), 0, dm.describe())



def cr_file(count):
    """count lines ended by a lone CR, half of them Winsock lines."""
    return [l.replace("\r\n", "\r") for l in numbered_lines(count)]


class LoneCr(unittest.TestCase):
    def test_scan(self):
        with TempDir() as d:
            for enc in ("utf-8", "utf-16-le"):
                data, want = encode_with_offsets(cr_file(4000), enc)
                path = os.path.join(d, "mac-%s.log" % enc)
                with open(path, "wb") as f:
                    f.write(data)
                rc, out, err = wwtest.run("scan", "--format", "json", path)
                evs = wwtest.events(out)
                self.assertEqual(len(evs), 2000, "%s: %s" % (enc, err))
                self.assertEqual(got_offsets(evs), want, enc)
                self.assertTrue(all(e["message"].startswith("2026-11-24 20:30:01 ERROR n=")
                                    and e["message"].endswith("remote host") for e in evs))



@require_run
class LoneCrDaemon(unittest.TestCase):
    def test_written_in_pieces(self):
        """A file of lone CRs and a CRLF file whose CR and LF come in two
        writes, written in pieces cut anywhere, the daemon reading between:
        every line once, offsets right, no empty line between CR and LF."""
        with TempDir() as d:
            logs = os.path.join(d, "logs")
            os.makedirs(logs)
            cfg = daemon_config(d, [{"path": os.path.join(logs, "*.log"),
                                     "start_at": "beginning"}])
            mac = os.path.join(logs, "mac.log")
            crlf = os.path.join(logs, "crlf.log")
            mac_data, mac_want = encode_with_offsets(cr_file(400), "utf-8")
            crlf_data, crlf_want = encode_with_offsets(numbered_lines(40), "utf-8")
            with Daemon(cfg).start() as dm:
                # both written in pieces cut anywhere, the daemon reading between
                for i in range(0, len(mac_data), 997):
                    append(mac, mac_data[i:i + 997])
                    time.sleep(0.05)
                cut = crlf_data.index(b"\r\n", 300) + 1
                append(crlf, crlf_data[:cut])
                time.sleep(0.6)
                append(crlf, crlf_data[cut:])
                total = len(mac_want) + len(crlf_want)
                dm.wait_for(lambda: len(dm.events) >= total, 15, "%d events" % total)
                time.sleep(0.5)
                for path, w in ((mac, mac_want), (crlf, crlf_want)):
                    evs = [e for e in dm.events if e["log"]["file"]["path"] == path]
                    self.assertEqual(len(evs), len(w), path)
                    self.assertEqual(got_offsets(evs), w, path)
                    self.assertTrue(all(e["message"].endswith("remote host") for e in evs))
                self.assertEqual(dm.stop(), 0, dm.describe())


WRITER = r'''
import os, sys
path = sys.argv[1]
fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o644)   # no O_APPEND
for line in sys.stdin:
    os.write(fd, line.encode())
    sys.stdout.write("ok\n"); sys.stdout.flush()
'''


class NulHole(unittest.TestCase):
    def test_scan_skips_the_hole(self):
        with TempDir() as d:
            path = os.path.join(d, "app.log")
            line = numbered_lines(1)[0]
            with open(path, "wb") as f:
                f.write(b"\0" * 100000 + line.encode() + b"\0" * 10 + line.encode())
            rc, out, err = wwtest.run("scan", "--format", "json", path)
            evs = wwtest.events(out)
            self.assertEqual([e["log"]["offset"] for e in evs],
                             [100000, 100010 + len(line)], err)
            self.assertTrue(all(e["message"] == line.rstrip("\r\n") for e in evs))



@require_run
class NulHoleDaemon(unittest.TestCase):
    def test_copytruncate_without_o_append(self):
        import subprocess
        import shutil
        with TempDir() as d:
            logs = os.path.join(d, "logs")
            os.makedirs(logs)
            path = os.path.join(logs, "app.log")
            open(path, "w").close()
            cfg = daemon_config(d, [{"path": os.path.join(logs, "*.log")}])
            lines = numbered_lines(2000)
            w = subprocess.Popen([sys.executable, "-c", WRITER, path], stdin=subprocess.PIPE,
                                 stdout=subprocess.PIPE, text=True)
            try:
                with Daemon(cfg).start() as dm:
                    def write(ls):
                        for l in ls:
                            w.stdin.write(l.replace("\r\n", "\n"))
                        w.stdin.flush()
                        for _ in ls:
                            w.stdout.readline()
                    write(lines[:1000])  # about 75 KB: more than max_line_bytes
                    dm.wait_for(lambda: len(dm.events) >= 500, 15, "the first 500 events")
                    shutil.copy(path, path + ".1")
                    os.truncate(path, 0)
                    time.sleep(0.6)  # the daemon sees the truncation
                    self.assertEqual(os.path.getsize(path), 0)
                    write(lines[1000:])
                    dm.wait_for(lambda: len(dm.events) >= 1000, 15, "1000 events")
                    time.sleep(0.5)
                    with open(path, "rb") as f:
                        data = f.read()
                    start = len(data) - len(data.lstrip(b"\0"))
                    self.assertGreater(start, 65536, "the writer left a hole over max_line_bytes")
                    after = [e for e in dm.events if int(e["message"].split("n=")[1].split()[0])
                             >= 1000]
                    self.assertEqual(len(after), 500, dm.describe())
                    self.assertEqual(after[0]["log"]["offset"] if after else None, start)
                    for e in after:
                        self.assertNotIn("\0", e["message"])
                        self.assertEqual(data[e["log"]["offset"]:].split(b"\n")[0].decode(),
                                         e["message"])
                    self.assertEqual(dm.stop(), 0, dm.describe())
            finally:
                w.stdin.close()
                w.wait(10)
                w.stdout.close()


if __name__ == "__main__":
    wwtest.main()
