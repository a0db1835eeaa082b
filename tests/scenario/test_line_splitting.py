"""Files whose lines a naive splitter loses (issue 11): every Winsock line
written must give its event, at its offset in the file as stored.

- UTF-16 without a BOM (finding 2): a first read of more than about 640
  bytes was taken as UTF-8 (NULs counted in 512 bytes, compared with the
  whole read), and so was a first read of 4 to 7 bytes: 0 events. `scan`
  and the daemon, UTF-16LE and BE, files of 100 bytes to 64 KiB, and a
  file whose first write is 6 bytes.
"""
import os
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


if __name__ == "__main__":
    wwtest.main()
