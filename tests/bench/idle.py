#!/usr/bin/env python3
"""Memory and CPU of the daemon following many idle files.

usage: idle.py WSAWATCH [FILES=1000] [SECONDS=60]

Creates FILES small log files under one glob (logs/*/app-N.log, 100 a
directory), starts `wsawatch run` on them with the documented example's
intervals (poll_interval 1s, commit_interval 5s; start_at: beginning, so the
existing content is read once), waits for `ready` and for the events of the
files' Winsock lines, then samples the daemon every second for SECONDS:
VmRSS and VmHWM from /proc/PID/status, utime+stime from /proc/PID/stat, open
descriptors from /proc/PID/fd. Targets: RSS < 10 MB, no measurable CPU when
idle.
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time

TICK = os.sysconf("SC_CLK_TCK")


def status_kb(pid, key):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return 0


def cpu_s(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK   # utime, stime (fields 14, 15)


def main():
    if len(sys.argv) < 2:
        raise SystemExit(__doc__)
    binary = os.path.abspath(sys.argv[1])
    nfiles = int(sys.argv[2]) if len(sys.argv) > 2 else 1000
    seconds = float(sys.argv[3]) if len(sys.argv) > 3 else 60
    d = tempfile.mkdtemp(prefix="wsawatch-idle-")
    try:
        logs = os.path.join(d, "logs")
        for i in range(nfiles):
            sub = os.path.join(logs, "d%02d" % (i // 100))
            os.makedirs(sub, exist_ok=True)
            with open(os.path.join(sub, "app-%d.log" % i), "w") as f:
                f.write("2026-11-24 20:00:00 INFO started app %d\n" % i)
                f.write("2026-11-24 20:00:01 ERROR app %d [WinError 10054] An existing connection "
                        "was forcibly closed by the remote host\n" % i)
        cfg = os.path.join(d, "idle.yaml")
        with open(cfg, "w") as f:
            f.write("state_dir: %s\ncommit_interval: 5s\npoll_interval: 1s\n"
                    "log:\n  level: info\n  target: stderr\n"
                    "inputs:\n  - path: \"%s/*/*.log\"\n    start_at: beginning\n"
                    "outputs:\n  - name: events\n    type: stdout\n    take: [events, alerts]\n"
                    % (os.path.join(d, "state"), logs))
        errf = open(os.path.join(d, "stderr"), "w+b")
        t0 = time.monotonic()
        p = subprocess.Popen([binary, "run", "--config", cfg, *(["--allow-root"] if os.geteuid() == 0 else [])], stdout=subprocess.PIPE, stderr=errf)
        count = [0]

        def drain():
            for _ in p.stdout:
                count[0] += 1
        threading.Thread(target=drain, daemon=True).start()
        try:
            while True:
                errf.seek(0)
                if re.search(rb"(?i)\bready\b", errf.read()):
                    break
                if p.poll() is not None or time.monotonic() - t0 > 60:
                    errf.seek(0)
                    raise SystemExit("daemon not ready: %s" % errf.read().decode()[-2000:])
                time.sleep(0.02)
            t_ready = time.monotonic() - t0
            while count[0] < nfiles and time.monotonic() - t0 < 60:
                time.sleep(0.05)
            t_events = time.monotonic() - t0
            time.sleep(2)   # let the first reads and a commit settle
            pid = p.pid
            rss, c0 = [], cpu_s(pid)
            fds = len(os.listdir("/proc/%d/fd" % pid))
            start = time.monotonic()
            while time.monotonic() - start < seconds:
                rss.append(status_kb(pid, "VmRSS"))
                time.sleep(1)
            c1 = cpu_s(pid)
            elapsed = time.monotonic() - start
            hwm = status_kb(pid, "VmHWM")
            if p.poll() is not None:
                raise SystemExit("daemon exited during the measurement")
            print("%d idle files under one glob, poll_interval 1s, sampled %.0f s" % (nfiles, elapsed))
            print("ready after            %8.2f s" % t_ready)
            print("events of all files    %8.2f s   (%d of %d)" % (t_events, count[0], nfiles))
            print("open descriptors       %8d" % fds)
            print("RSS idle (max)         %8.1f MB   target < 10 MB" % (max(rss) / 1024.0))
            print("RSS idle (mean)        %8.1f MB" % (sum(rss) / len(rss) / 1024.0))
            print("RSS peak (VmHWM)       %8.1f MB" % (hwm / 1024.0))
            print("CPU idle               %8.3f s/min   target: not measurable (< 0.01 s/min = 1 tick/%.0f s)"
                  % ((c1 - c0) * 60.0 / elapsed, seconds))
        finally:
            p.terminate()
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
            errf.close()
    finally:
        shutil.rmtree(d, ignore_errors=True)


if __name__ == "__main__":
    main()
