#!/usr/bin/env python3
"""Latency from a log line's append to its event on the daemon's stdout.

usage: latency.py WSAWATCH [N=200]

Starts `wsawatch run` on a temp file with a stdout output, appends N Winsock
lines one at a time (each with a sequence number; the next one only after the
previous one's event came), and measures the time from the append (one
write(2) on an O_APPEND descriptor) to the moment the event is read from the
daemon's stdout. Each append comes after a random pause (up to 5 ms; up to
the poll interval in poll mode, so as not to be in phase with the daemon's
poll timer). Two daemon runs: watch: auto (file-system events; target
p99 < 10 ms) and watch: poll with poll_interval 250ms (target p99 < poll
interval + 10 ms). The reference is `tail -F FILE | grep --line-buffered
WinError`, timed the same way in the same process.
"""
import json
import os
import random
import re
import select
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

LINE = ("2026-11-24 20:30:01.123 ERROR seq=%d System.Net.Sockets.SocketException (10054): "
        "An existing connection was forcibly closed by the remote host. [WinError 10054]\n")


class Lines:
    """Line reader over a pipe with a deadline per line."""

    def __init__(self, f):
        self.fd = f.fileno()
        self.buf = b""

    def readline(self, timeout):
        deadline = time.monotonic() + timeout
        while b"\n" not in self.buf:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            r, _, _ = select.select([self.fd], [], [], left)
            if r:
                chunk = os.read(self.fd, 65536)
                if not chunk:
                    return None
                self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        return line


def measure(out, path, n, seq_of, jitter, timeout=5.0):
    """jitter: a random pause (0..jitter s) before each append, so that the
    appends do not fall in phase with the daemon's poll timer (the previous
    event came right after a poll)."""
    fd = os.open(path, os.O_WRONLY | os.O_APPEND)
    lat = []
    rnd = random.Random(1)
    try:
        for i in range(n):
            data = (LINE % i).encode()
            time.sleep(rnd.uniform(0, jitter))
            t0 = time.perf_counter()
            os.write(fd, data)
            while True:
                line = out.readline(timeout)
                if line is None:
                    raise SystemExit("no output for seq=%d within %ss" % (i, timeout))
                if seq_of(line) == i:
                    break
            lat.append(time.perf_counter() - t0)
    finally:
        os.close(fd)
    return lat


def seq_in(text):
    k = text.find("seq=")
    if k < 0:
        return None
    j = k + 4
    while j < len(text) and text[j].isdigit():
        j += 1
    return int(text[k + 4:j]) if j > k + 4 else None


def event_seq(line):
    try:
        return seq_in(json.loads(line.decode("utf-8"))["message"])
    except Exception:
        return None


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100.0 * (len(xs) - 1))))]


def daemon_run(binary, d, n, watch, poll, jitter):
    logs = os.path.join(d, "logs-" + watch)
    os.makedirs(logs)
    path = os.path.join(logs, "app.log")
    open(path, "w").close()
    cfg = os.path.join(d, "cfg-%s.yaml" % watch)
    with open(cfg, "w") as f:
        f.write("state_dir: %s\ncommit_interval: 5s\npoll_interval: %s\n"
                "log:\n  level: info\n  target: stderr\n"
                "inputs:\n  - path: \"%s/*.log\"\n    start_at: end\n    watch: %s\n"
                "outputs:\n  - name: events\n    type: stdout\n    take: [events, alerts]\n"
                % (os.path.join(d, "state-" + watch), poll, logs, watch))
    errf = open(os.path.join(d, "stderr-" + watch), "w+b")
    p = subprocess.Popen([binary, "run", "--config", cfg, *(["--allow-root"] if os.geteuid() == 0 else [])], stdout=subprocess.PIPE, stderr=errf)
    try:
        deadline = time.monotonic() + 20
        while True:
            errf.seek(0)
            if re.search(rb"(?i)\bready\b", errf.read()):
                break
            if p.poll() is not None or time.monotonic() > deadline:
                errf.seek(0)
                raise SystemExit("daemon (%s) not ready: %s" % (watch, errf.read().decode()[-2000:]))
            time.sleep(0.02)
        time.sleep(0.3)
        return measure(Lines(p.stdout), path, n, event_seq, jitter)
    finally:
        p.terminate()
        p.wait(10)
        errf.close()


def tail_run(d, n):
    logs = os.path.join(d, "logs-tail")
    os.makedirs(logs)
    path = os.path.join(logs, "app.log")
    open(path, "w").close()
    p = subprocess.Popen("exec tail -n 0 -F %s | grep --line-buffered WinError" % path, shell=True,
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        time.sleep(0.5)
        return measure(Lines(p.stdout), path, n, lambda l: seq_in(l.decode("utf-8", "replace")), 0.005)
    finally:
        os.killpg(p.pid, 15)
        p.wait(10)


def main():
    if len(sys.argv) < 2:
        raise SystemExit(__doc__)
    binary = os.path.abspath(sys.argv[1])
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 200
    d = tempfile.mkdtemp(prefix="wsawatch-latency-")
    try:
        rows = []
        rows.append(("wsawatch run, watch: auto", daemon_run(binary, d, n, "auto", "1s", 0.005),
                     "p99 < 10 ms"))
        rows.append(("wsawatch run, watch: poll (250ms)", daemon_run(binary, d, n, "poll", "250ms", 0.25),
                     "p99 < 260 ms"))
        if shutil.which("tail") and shutil.which("grep"):
            rows.append(("tail -F | grep --line-buffered", tail_run(d, n), "reference"))
        print("append-to-event latency, %d lines each" % n)
        print("%-36s %10s %10s %10s   %s" % ("", "median ms", "p99 ms", "max ms", "target"))
        for name, lat, target in rows:
            ms = [x * 1000 for x in lat]
            print("%-36s %10.2f %10.2f %10.2f   %s" % (name, statistics.median(ms), pct(ms, 99),
                                                    max(ms), target))
    finally:
        shutil.rmtree(d, ignore_errors=True)


if __name__ == "__main__":
    main()
