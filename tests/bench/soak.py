#!/usr/bin/env python3
"""Soak: the daemon under a steady write load with rotation and kill -9.

usage: soak.py WSAWATCH [--duration S=600] [--files 50] [--rate 20000]
               [--rotate-every S=5] [--kill-every S=60] [--commit-interval S=5]
               [--rotate-wait S=5] [--keep N=3] [--error-every N=10]
               [--rss-bound-mb MB=2] [--seed N] [--ci] [--keep-dir]

A writer process (the "applications" and their logrotate) appends lines to
FILES logs (logs/app-NN.log) at RATE lines/s in total, in one write per file
every 10 ms. One line in ERROR_EVERY carries a real Winsock error in one of
17 real forms (.NET SocketException (10054), Python [WinError 10060], Go
wsarecv/connectex, nginx WSARecv() failed (10054: ...), WSAECONNREFUSED,
libpq (0x0000274D/10061), MySQL (11001), HRESULT 0x80072746, Java, curl, Delphi,
Rust ...); every line carries a unique id `id=FF:SSSSSSS` (file, sequence), so
each event is traced back to exactly one written line. Before the run, `scan`
checks that each error form gives exactly one event with its code and the
ordinary lines (ports 10050, 10054 ms, PID 10916 ...) none.

Each file is rotated every ROTATE_EVERY s (staggered across files) the way
logrotate `create` with `rotate KEEP` does it: app.log.KEEP deleted, .N renamed
to .N+1, app.log renamed to app.log.1, a new empty app.log created; the
application keeps writing to the renamed file for 50 ms before it reopens its
log (the window `rotate_wait` exists for). The input glob is logs/*.log*: the
current file and the KEEP rotated ones, so that a file rotated while the daemon
was down (after kill -9) is found again by its identity (device and inode) and
read on from its saved offset; `start_at: end`, so rotated files the state has
forgotten (fully read long ago) are not read again, while a file created since
the last commit (and perhaps rotated before the restart, so that the state
knows neither it nor its name) is read from its start. copytruncate is not
used: it loses lines by design (see README).

Every KILL_EVERY s (moved by up to half a commit interval either way, so that
kills fall anywhere between two commits) the daemon gets SIGKILL; the writer
then rotates 5 files at once (a rotation while the daemon is down, on top of
those that happen by chance), and the daemon is restarted with the same
configuration. At the end the writer stops, the daemon is given time to read
everything and gets SIGTERM.

Events go to a file output, tailed every 100 ms. Compared: events expected
(error lines written) and received, lost (never seen), duplicated, and for
each duplicate whether it is allowed: exactly two copies, the first emitted at
most COMMIT_INTERVAL (+1 s of slack for a late commit) before a kill and the
second after the restart; anything else (3 copies, a duplicate without a
kill, an old line) is a bug. VmRSS and open descriptors are sampled every
second; RSS is compared like with like: within each instance, from its first
post-warm-up sample (WARMUP=10 s after start) to its last; and the last
instance with the first restarted one at the same age (instance 0 starts on
empty logs, the restarted ones on a full directory and a backlog). CPU seconds
come from wait4's rusage of each instance.

Exit status 1 when: lost > 0, disallowed duplicates > 0, events not from an
error line or with the wrong code, invalid JSON, a sanitizer report, a daemon
exit not caused by us, or RSS growth above RSS_BOUND_MB (either comparison;
0: not checked, for sanitizer builds). The writer's achieved rate is printed; if it could not
keep up, it says so (not a failure of the daemon).

--ci: 60 s, 50 files, 5 000 lines/s, kill every 20 s (2 kills): sized for 2
cores shared with other CI steps.
"""
import argparse
import array
import calendar
import json
import os
import random
import re
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time

TICK = os.sysconf("SC_CLK_TCK")
ROOT_ARGS = ["--allow-root"] if hasattr(os, "geteuid") and os.geteuid() == 0 else []

# Real forms (tests/fixtures/corpus, tests/fixtures/samples), each giving one
# event with the code beside it.
ERRORS = [
    ("Api.Client - request failed: System.Net.Sockets.SocketException (10054): "
     "An existing connection was forcibly closed by the remote host.", 10054),
    ("OSError: [WinError 10060] A connection attempt failed because the connected party did "
     "not properly respond after a period of time, or established connection failed because "
     "connected host has failed to respond", 10060),
    ("dial tcp 10.0.0.7:5432: connectex: No connection could be made because the target "
     "machine actively refused it.", 10061),
    ("copy failed err=\"read tcp 10.0.0.5:51234->10.0.0.9:443: wsarecv: An existing connection "
     "was forcibly closed by the remote host.\"", 10054),
    ("upstream connect to 10.1.2.3:8443 failed: WSAECONNREFUSED", 10061),
    ("[error] 4321#1234: *77 WSARecv() failed (10054: An existing connection was forcibly "
     "closed by the remote host) while reading response header from upstream, client: 10.1.1.1",
     10054),
    ("java.net.SocketException: Software caused connection abort: recv failed", 10053),
    ("psql: error: connection to server at \"db\" (10.0.0.8), port 5432 failed: Connection "
     "refused (0x0000274D/10061)", 10061),
    ("error: RPC failed; curl 56 OpenSSL SSL_read: Connection was reset, errno 10054", 10054),
    ("TIdTCPClient: Socket Error # 10060 Connection timed out.", 10060),
    ("telemetry upload: Error: 0x80072746 while sending batch", 10054),
    ("error: [Errno 10053] An established connection was aborted by the software in your "
     "host machine", 10053),
    ("ERROR 2003 (HY000): Can't connect to MySQL server on 'db01' (10061)", 10061),
    ("[MySQL server host 'db02'(11001)]", 11001),
    ("sync: An existing connection was forcibly closed by the remote host. (os error 10054)",
     10054),
    ("System.Net.Sockets.SocketException (11001): No such host is known.", 11001),
    ("OSError: [WinError 10048] Only one usage of each socket address (protocol/network "
     "address/port) is normally permitted", 10048),
]

# Ordinary lines, with numbers that look like Winsock codes but are not.
NORMAL = [
    "INFO  [12] Api.Controllers.OrderController - GET /api/orders/4711 responded 200 in 31 ms",
    "DEBUG [7] Cache hit for key user:10054 size=10061 bytes",
    "10.1.2.3 - - \"GET /static/app.10060.js HTTP/1.1\" 200 10053 \"-\" \"Mozilla/5.0\"",
    "WARN  [3] Retrying request to inventory service, attempt 2 of 5 after 10060 ms",
    "INFO  zabbix_agentd [10916]: listening on port 10050, 812 items active",
    "INFO  [9] request took 10054 ms for batch 77 (Content-Length: 10061)",
    "INFO  msg=\"flushed 10048 records to segment 11001\" component=writer",
    "ERROR [5] Validation failed for order 10054: quantity must be positive",
    "INFO  [2] Worker process 10061 started with PID 10916 on core 1",
]

LINE_FMT = "%s %s id=%02d:%07d %s\n"
ID_RE = re.compile(r"id=(\d\d):(\d{7}) ")


def is_error(f, seq, every):
    return seq % every == f % every


def make_line(f, seq, ts, every):
    """The line (file f, sequence seq): its text and, for an error line, its code."""
    if is_error(f, seq, every):
        body, code = ERRORS[(seq // every + f) % len(ERRORS)]
        return LINE_FMT % (ts, "ERROR", f, seq, body), code
    return LINE_FMT % (ts, "INFO ", f, seq, NORMAL[(seq + f) % len(NORMAL)]), None


def iso_now():
    t = time.time()
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t)) + ".%03dZ" % int(t % 1 * 1000)


# ---------------------------------------------------------------------------
# The writer process: the applications and their logrotate.

def writer_main(a):
    logs, n, rate, every = a.logs, a.files, a.rate, a.error_every
    dur, rot_every, keep, delay = a.duration, a.rotate_every, a.keep, a.reopen_delay
    ack = a.ack_fd
    path = [os.path.join(logs, "app-%02d.log" % i) for i in range(n)]
    fd = [os.open(p, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644) for p in path]
    old = [None] * n          # (fd of the renamed file, reopen time)
    written = [0] * n
    rotations = []            # (monotonic time, file, seq at rename)
    forced = [0]
    force_next = [0]
    per_file = rate / n
    t0 = time.monotonic()
    next_rot = [t0 + rot_every * (1 + i / n) for i in range(n)]
    signal.signal(signal.SIGUSR1, lambda s, fr: forced.__setitem__(0, forced[0] + 5))
    signal.signal(signal.SIGTERM, lambda s, fr: sys.exit(3))
    behind = 0.0

    def rotate(i, now):
        p = path[i]
        for k in range(keep, 0, -1):
            src = "%s.%d" % (p, k)
            if os.path.exists(src):
                if k == keep:
                    os.unlink(src)
                else:
                    os.rename(src, "%s.%d" % (p, k + 1))
        os.rename(p, p + ".1")
        os.close(os.open(p, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644))  # logrotate `create`
        if old[i] is not None:
            os.close(old[i][0])
        old[i] = (fd[i], now + delay)  # written to until the application reopens its log
        fd[i] = -1
        rotations.append((now, i, written[i]))

    while True:
        now = time.monotonic()
        if now - t0 >= dur:
            break
        ts = iso_now()
        elapsed = now - t0
        for i in range(n):
            due = int(elapsed * per_file) - written[i]
            if due > 0:
                s = written[i]
                out = []
                for seq in range(s, s + due):
                    out.append(make_line(i, seq, ts, every)[0])
                data = "".join(out).encode()
                target = old[i][0] if old[i] is not None else fd[i]
                os.write(target, data)
                written[i] = s + due
            if old[i] is not None and now >= old[i][1]:
                os.close(old[i][0])
                old[i] = None
                fd[i] = os.open(path[i], os.O_WRONLY | os.O_APPEND)
            if now >= next_rot[i] and old[i] is None:
                rotate(i, now)
                next_rot[i] += rot_every
        while forced[0] > 0:
            i = force_next[0] % n
            force_next[0] += 1
            forced[0] -= 1
            if old[i] is None:
                rotate(i, time.monotonic())
            if forced[0] == 0 and ack is not None:
                os.write(ack, b"r")
        spent = time.monotonic() - now
        behind = max(behind, spent)
        time.sleep(max(0.0, 0.01 - spent))
    t1 = time.monotonic()
    for i in range(n):
        if old[i] is not None:
            os.close(old[i][0])
        if fd[i] >= 0:
            os.close(fd[i])
    with open(a.summary, "w") as f:   # a file: a pipe could fill before anyone reads it
        json.dump({"t0": t0, "t1": t1, "written": written, "rotations": rotations,
                   "max_tick": behind}, f)


# ---------------------------------------------------------------------------
# The harness.

def status_kb(pid, key):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def cpu_s(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / TICK   # utime, stime
    except (OSError, IndexError, ValueError):
        return None


def nfds(pid):
    try:
        return len(os.listdir("/proc/%d/fd" % pid))
    except OSError:
        return None


def self_check(binary, d, every):
    """Every error form gives one event with its code; ordinary lines none."""
    path = os.path.join(d, "selfcheck.log")
    want = {}
    with open(path, "w") as f:
        no = 0
        for fi in (0, 7, 49):
            for seq in list(range(0, 400)) + list(range(10040, 10070)) + [1100100, 9999999]:
                line, code = make_line(fi, seq, "2026-11-24T20:30:01.123Z", every)
                no += 1
                f.write(line)
                if code is not None:
                    want[(fi, seq)] = code
    p = subprocess.run([binary, "scan", "--format", "json", path], capture_output=True)
    got = {}
    for raw in p.stdout.splitlines():
        e = json.loads(raw)
        m = ID_RE.search(e["message"])
        key = (int(m.group(1)), int(m.group(2)))
        got.setdefault(key, []).append(e["winsock"]["code"])
    bad = []
    for k, code in want.items():
        if got.get(k) != [code]:
            bad.append("%s: wanted [%d], got %s" % (k, code, got.get(k)))
    for k in got:
        if k not in want:
            bad.append("%s: ordinary line gave %s" % (k, got[k]))
    if bad:
        raise SystemExit("self-check of the generated lines failed (%d):\n  %s"
                         % (len(bad), "\n  ".join(bad[:20])))
    return len(want), no


class Tracker:
    """Per error line: copies received and when (monotonic) the first two came."""

    def __init__(self, nfiles, every):
        self.every = every
        self.count = [bytearray() for _ in range(nfiles)]
        self.rx1 = [array.array("d") for _ in range(nfiles)]
        self.rx2 = [array.array("d") for _ in range(nfiles)]
        self.events = 0
        self.unexpected = []   # events not from an error line, or with a wrong code
        self.invalid = 0
        self.lat = array.array("f")  # first copy: receive time - the line's own time (s)
        self.tcache = {}

    def _line_time(self, msg):
        try:
            k = msg[:19]
            s = self.tcache.get(k)
            if s is None:
                s = calendar.timegm(time.strptime(k, "%Y-%m-%dT%H:%M:%S"))
                if len(self.tcache) > 4096:
                    self.tcache.clear()
                self.tcache[k] = s
            return s + int(msg[20:23]) / 1000.0
        except Exception:
            return None

    def add(self, raw, rx, rx_wall):
        try:
            e = json.loads(raw)
            msg = e["message"]
            code = e["winsock"]["code"]
        except Exception:
            self.invalid += 1
            return
        self.events += 1
        m = ID_RE.search(msg)
        if m is None:
            self.unexpected.append("no id: %r" % msg[:120])
            return
        f, seq = int(m.group(1)), int(m.group(2))
        if f >= len(self.count) or not is_error(f, seq, self.every) or \
                make_line(f, seq, "", self.every)[1] != code:
            self.unexpected.append("%02d:%07d code %s: %r" % (f, seq, code, msg[:120]))
            return
        k = seq // self.every
        c, r1, r2 = self.count[f], self.rx1[f], self.rx2[f]
        if k >= len(c):
            grow = k + 1 - len(c) + 4096
            c.extend(bytes(grow))
            r1.extend([0.0] * grow)
            r2.extend([0.0] * grow)
        if c[k] == 0:
            r1[k] = rx
            t = self._line_time(msg)
            if t is not None:
                self.lat.append(rx_wall - t)
        elif c[k] == 1:
            r2[k] = rx
        if c[k] < 255:
            c[k] += 1


class Tail:
    def __init__(self, path, tracker):
        self.path, self.tr = path, tracker
        self.off, self.rest, self.f = 0, b"", None

    def poll(self, rx=None):
        if self.f is None:
            try:
                self.f = open(self.path, "rb")
            except FileNotFoundError:
                return
        self.f.seek(self.off)
        data = self.f.read()
        if not data:
            return
        self.off += len(data)
        data = self.rest + data
        cut = data.rfind(b"\n") + 1
        self.rest = data[cut:]
        now = time.monotonic() if rx is None else rx
        wall = time.time() if rx is None else time.time() - (time.monotonic() - rx)
        for raw in data[:cut].split(b"\n")[:-1]:
            self.tr.add(raw, now, wall)


class Instance:
    """One run of the daemon."""

    def __init__(self, binary, cfg, d, no):
        self.no = no
        self.err_path = os.path.join(d, "stderr-%02d.log" % no)
        self.errf = open(self.err_path, "w+b")
        self.start = time.monotonic()
        self.p = subprocess.Popen([binary, "run", "--config", cfg, *ROOT_ARGS],
                                  stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                  stderr=self.errf)
        self.ready = None
        self.rss = []          # (age s, VmRSS kB, fds)
        self.cpus = []         # (age s, CPU s so far)
        self.hwm = 0
        self.cpu = None
        self.exit = None
        self.ours = False      # we caused the exit

    def wait_ready(self, timeout=30):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.errf.seek(0)
            if re.search(rb"(?i)\bready\b", self.errf.read()):
                self.ready = time.monotonic()
                return True
            if self.p.poll() is not None:
                break
            time.sleep(0.01)
        self.errf.seek(0)
        raise SystemExit("daemon instance %d not ready:\n%s"
                         % (self.no, self.errf.read().decode("utf-8", "replace")[-3000:]))

    def sample(self):
        rss = status_kb(self.p.pid, "VmRSS")
        hwm = status_kb(self.p.pid, "VmHWM")
        cpu = cpu_s(self.p.pid)
        age = time.monotonic() - self.start
        if rss is not None:
            self.rss.append((age, rss, nfds(self.p.pid)))
            self.hwm = max(self.hwm, hwm or 0)
        if cpu is not None:
            self.cpus.append((age, cpu))

    def reap(self, sig=None, timeout=60):
        if sig is not None:
            self.ours = True
            if self.returncode() is None:
                os.kill(self.p.pid, sig)
        deadline = time.monotonic() + timeout
        while True:
            pid, status, ru = os.wait4(self.p.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() > deadline:
                os.kill(self.p.pid, signal.SIGKILL)
                pid, status, ru = os.wait4(self.p.pid, 0)
                break
            time.sleep(0.01)
        self.exit = os.waitstatus_to_exitcode(status)
        self.p.returncode = self.exit
        self.cpu = ru.ru_utime + ru.ru_stime
        self.stop = time.monotonic()
        self.errf.close()
        return self.exit

    def returncode(self):
        return self.exit


def write_config(d, a):
    cfg = os.path.join(d, "soak.yaml")
    with open(cfg, "w") as f:
        f.write("state_dir: %s\n" % os.path.join(d, "state"))
        f.write("commit_interval: %gs\npoll_interval: 1s\n" % a.commit_interval)
        f.write("log:\n  level: %s\n  target: stderr\n" % a.log_level)
        f.write("inputs:\n  - path: \"%s/*.log*\"\n" % os.path.join(d, "logs"))
        f.write("    start_at: end\n    rotate_wait: %gs\n    tags: [soak]\n" % a.rotate_wait)
        f.write("outputs:\n  - name: events\n    type: file\n    path: %s\n    take: [events]\n"
                % os.path.join(d, "events.jsonl"))
    return cfg


def pct(xs, p):
    if not xs:
        return float("nan")
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100.0 * (len(xs) - 1))))]


def rss_at(inst, age):
    """The instance's first sample at or after age (s), or None."""
    for s_age, rss, _ in inst.rss:
        if s_age >= age:
            return rss
    return None


def harness(a):
    binary = os.path.abspath(a.binary)
    d = tempfile.mkdtemp(prefix="wsawatch-soak-")
    failures = []
    ok = False
    insts, writer = [], None
    try:
        checked = self_check(binary, d, a.error_every)
        logs = os.path.join(d, "logs")
        os.makedirs(logs)
        for i in range(a.files):
            open(os.path.join(logs, "app-%02d.log" % i), "w").close()
        cfg = write_config(d, a)
        tr = Tracker(a.files, a.error_every)
        tail = Tail(os.path.join(d, "events.jsonl"), tr)
        insts.append(Instance(binary, cfg, d, 0))
        insts[0].wait_ready()
        ack_r, ack_w = os.pipe()
        wcmd = [sys.executable, os.path.abspath(__file__), "--_writer", "--logs", logs,
                "--files", str(a.files), "--rate", str(a.rate), "--duration", str(a.duration),
                "--rotate-every", str(a.rotate_every), "--keep", str(a.keep),
                "--error-every", str(a.error_every), "--reopen-delay", str(a.reopen_delay),
                "--ack-fd", str(ack_w), "--summary", os.path.join(d, "writer.json"), "x"]
        writer = subprocess.Popen(wcmd, stdin=subprocess.DEVNULL, pass_fds=(ack_w,))
        os.close(ack_w)
        t_start = time.monotonic()
        kills = []             # (kill time, ready time of the next instance)
        rnd = random.Random(a.seed)

        def kill_at(k):
            """The k-th kill: every KILL_EVERY s, moved by up to half a commit
            interval either way, so that kills fall at any point between commits."""
            if k * a.kill_every >= a.duration:
                return float("inf")
            return t_start + k * a.kill_every + rnd.uniform(-0.5, 0.5) * a.commit_interval
        next_kill = kill_at(1)
        next_sample = t_start
        print("soak: %s, %d files, %d lines/s, rotation every %gs, kill -9 every %gs, "
              "commit_interval %gs, rotate_wait %gs, %gs; dir %s"
              % (binary, a.files, a.rate, a.rotate_every, a.kill_every, a.commit_interval,
                 a.rotate_wait, a.duration, d), flush=True)
        while writer.poll() is None:
            now = time.monotonic()
            tail.poll()
            cur = insts[-1]
            if cur.p.poll() is not None and cur.exit is None:
                cur.reap()
                failures.append("daemon instance %d exited by itself (status %s)"
                                % (cur.no, cur.exit))
                insts.append(Instance(binary, cfg, d, len(insts)))
                insts[-1].wait_ready()
                continue
            if now >= next_sample:
                cur.sample()
                next_sample += 1.0
            if now >= next_kill:
                cur.sample()
                tail.poll()
                t_kill = time.monotonic()
                cur.reap(signal.SIGKILL)
                shutil.copy(os.path.join(d, "state", "offsets.json"),
                            os.path.join(d, "offsets-at-kill-%d.json" % (len(kills) + 1)))
                tail.poll(rx=t_kill)           # emitted before the kill
                writer.send_signal(signal.SIGUSR1)   # 5 rotations while it is down
                r, _, _ = select.select([ack_r], [], [], 5)
                if r:
                    os.read(ack_r, 16)
                insts.append(Instance(binary, cfg, d, len(insts)))
                insts[-1].wait_ready()
                kills.append((t_kill, insts[-1].ready))
                print("  %5.1fs kill -9 instance %d; restarted, ready after %.2fs"
                      % (t_kill - t_start, cur.no, insts[-1].ready - t_kill), flush=True)
                next_kill = kill_at(len(kills) + 1)
                continue
            time.sleep(0.1)
        writer.wait()
        os.close(ack_r)
        if writer.returncode != 0:
            raise SystemExit("writer failed (%s)" % writer.returncode)
        with open(os.path.join(d, "writer.json")) as f:
            w = json.load(f)
        written = w["written"]
        t_end_write = w["t1"]
        # Let the daemon read everything: until every expected event came, or
        # nothing new for rotate_wait + 5 s (60 s at most).
        expected = sum(len(range(f % a.error_every, cnt, a.error_every))
                       for f, cnt in enumerate(written))
        last_n, last_change = -1, time.monotonic()
        quiet = a.rotate_wait + 5
        while time.monotonic() - t_end_write < 60:
            tail.poll()
            if time.monotonic() >= next_sample:
                insts[-1].sample()
                next_sample += 1.0
            seen = sum(len(c) - c.count(0) for c in tr.count)
            if tr.events != last_n:
                last_n, last_change = tr.events, time.monotonic()
                if seen >= expected:
                    break
            elif time.monotonic() - last_change > quiet:
                break
            time.sleep(0.25)
        t_drained = time.monotonic()
        cur = insts[-1]
        cur.sample()
        rss_end = cur.rss[-1][1] if cur.rss else None
        rc = cur.reap(signal.SIGTERM)
        tail.poll()
        if rc != 0:
            failures.append("SIGTERM: exit status %s" % rc)
        errtext = ""
        for inst in insts:
            with open(inst.err_path, "rb") as f:
                errtext += f.read().decode("utf-8", "replace")

        # ---- the comparison
        lost = []
        dup_ok = dup_bad = 0
        bad_dups = []
        dup_age = []
        for f, cnt in enumerate(written):
            c, r1, r2 = tr.count[f], tr.rx1[f], tr.rx2[f]
            for s in range(f % a.error_every, cnt, a.error_every):
                k = s // a.error_every
                n = c[k] if k < len(c) else 0
                if n == 0:
                    lost.append((f, s))
                elif n >= 2:
                    fine = False
                    if n == 2:
                        for tk, _ in kills:
                            if tk - a.commit_interval - 1.0 <= r1[k] <= tk < r2[k]:
                                fine = True
                                dup_age.append(tk - r1[k])
                                break
                    if fine:
                        dup_ok += 1
                    else:
                        dup_bad += 1
                        if len(bad_dups) < 10:
                            bad_dups.append("%02d:%07d x%d, first at %.2fs, second at %.2fs"
                                            % (f, s, n, r1[k] - t_start, r2[k] - t_start))
        received = tr.events
        lines = sum(written)
        wdur = w["t1"] - w["t0"]
        rot = w["rotations"]
        down_rot = sum(1 for (t, _, _) in rot
                       if any(tk <= t <= tr_ for tk, tr_ in kills))
        cpu = sum(i.cpu for i in insts if i.cpu is not None)
        run_s = sum(i.stop - i.start for i in insts)
        peak = max(i.hwm for i in insts)
        all_rss = [(i.start + age - t_start, rss, i.no) for i in insts for age, rss, _ in i.rss]
        fds = [n for i in insts for _, _, n in i.rss if n is not None]

        # RSS, like with like: each instance from its first post-warm-up
        # sample to its last; and the last instance against the first
        # restarted one at the same age (instance 0 started on empty logs
        # before the writer: the restarted ones all start on a full
        # directory and a backlog, so they are compared with each other).
        warm = a.warmup
        within = []
        for i in insts:
            post = [(age, rss) for age, rss, _ in i.rss if age >= warm]
            if len(post) >= 2:
                within.append((i.no, post[0][1], post[-1][1], post[-1][0]))
        first = insts[1] if len(insts) >= 3 else insts[0]
        last = insts[-1]
        last_post = [(age, rss) for age, rss, _ in last.rss if age >= warm]
        across = None
        if last_post and first is not last:
            age = min(last_post[-1][0], first.rss[-1][0] if first.rss else 0)
            r_first = rss_at(first, age)
            r_last = rss_at(last, age)
            if r_first is not None and r_last is not None:
                across = (age, r_first, r_last)
        max_within = max((b - a_ for _, a_, b, _ in within), default=0)
        growth_across = (across[2] - across[1]) if across else 0

        # ---- report
        print()
        print("soak results (%.0f s of writing, %d instances, %d kill -9)" % (wdur, len(insts), len(kills)))
        print("%-40s %14s" % ("", "value"))

        def row(name, val, note=""):
            print("%-40s %14s  %s" % (name, val, note))
        achieved = lines / wdur if wdur > 0 else 0
        row("lines written", "{:,}".format(lines))
        row("write rate achieved (lines/s)", "{:,.0f}".format(achieved),
            "target {:,}; writer's longest 10 ms tick {:.0f} ms".format(a.rate, w["max_tick"] * 1000) +
            ("" if achieved >= 0.95 * a.rate else "  WRITER FELL BEHIND (CPU): rate is what it managed"))
        row("rotations (while daemon down)", "%d (%d)" % (len(rot), down_rot),
            "rename, logrotate create, keep %d" % a.keep)
        row("events expected (error lines)", "{:,}".format(expected),
            "%d forms; `scan` checked first: %d error lines of %d" % (len(ERRORS), checked[0],
                                                                     checked[1]))
        row("events received", "{:,}".format(received))
        row("lost", "{:,}".format(len(lost)), "target 0")
        row("duplicated, allowed", "{:,}".format(dup_ok),
            "first copy <= commit_interval before a kill (max %.2fs before)" % max(dup_age, default=0))
        row("duplicated, NOT allowed", "{:,}".format(dup_bad), "target 0")
        row("unexpected events / invalid JSON", "%d / %d" % (len(tr.unexpected), tr.invalid), "target 0")
        lat = tr.lat
        row("latency write->event p50/p99/max (s)", "%.3f/%.2f/%.1f" % (pct(lat, 50), pct(lat, 99),
                                                                      max(lat, default=float("nan"))),
            "incl. restarts; file tailed every 100 ms")
        row("drain after writer stopped (s)", "%.1f" % (t_drained - t_end_write))
        row("daemon CPU seconds", "%.1f" % cpu, "%.0f%% of one core over %.0f s" % (100 * cpu / run_s, run_s))
        row("peak RSS (VmHWM, MB)", "%.1f" % (peak / 1024.0))
        row("RSS at end (MB)", "%.1f" % ((rss_end or 0) / 1024.0), "instance %d, age %.0f s"
            % (last.no, last.rss[-1][0] if last.rss else 0))
        row("RSS growth within an instance (MB)", "%+.2f" % (max_within / 1024.0),
            "max over instances, %gs after start -> last sample; bound %g MB" % (warm, a.rss_bound_mb))
        if across:
            row("RSS instance #%d vs #%d, same age (MB)" % (last.no, first.no),
                "%+.2f" % (growth_across / 1024.0),
                "both at %.0f s after start: %.1f -> %.1f" % (across[0], across[1] / 1024.0,
                                                              across[2] / 1024.0))
        row("open descriptors min/max", "%s/%s" % (min(fds, default=0), max(fds, default=0)))
        # per minute: RSS range, CPU (from the per-second /proc samples; the
        # second before each kill is not seen there), events received
        cpu_min, ev_min = {}, {}
        for i in insts:
            prev = (0.0, 0.0)
            for age, c in i.cpus:
                m = int((i.start + age - t_start) // 60)
                cpu_min[m] = cpu_min.get(m, 0.0) + c - prev[1]
                prev = (age, c)
        for r1 in tr.rx1:
            for t in r1:
                if t:
                    m = int((t - t_start) // 60)
                    ev_min[m] = ev_min.get(m, 0) + 1
        print("per minute: RSS min-max (MB, 1 s samples), daemon CPU s, events (first copies), instances")
        nmin = int((max((t for t, _, _ in all_rss), default=0)) // 60) + 1
        for m in range(nmin):
            xs = [(rss, no) for t, rss, no in all_rss if m * 60 <= t < (m + 1) * 60]
            if xs:
                print("  minute %2d: %5.1f - %5.1f   %5.1f s  %8s   %s" % (
                    m + 1, min(x for x, _ in xs) / 1024.0, max(x for x, _ in xs) / 1024.0,
                    cpu_min.get(m, 0.0), "{:,}".format(ev_min.get(m, 0)),
                    ",".join("#%d" % n for n in sorted(set(n for _, n in xs)))))
        print("RSS per instance (MB) at %gs after start -> last sample:" % warm)
        print("  " + "  ".join("#%d %.1f->%.1f" % (no, r0 / 1024.0, r1 / 1024.0)
                               for no, r0, r1, _ in within))
        warns = [l for l in errtext.splitlines()
                 if re.search(r"warn|error", l, re.I) and "--allow-root" not in l]
        if warns:
            print("daemon warnings: %d, e.g. %s" % (len(warns), warns[0][:200]))

        if lost:
            failures.append("%d lost" % len(lost))
            rot_by = {}
            for t, f, s in rot:
                rot_by.setdefault(f, []).append((t, s))
            for f, s in lost[:10]:
                near = [(t - t_start, rs) for t, rs in rot_by.get(f, []) if rs <= s][-1:]
                print("  lost %02d:%07d (file rotated last at %s)" % (
                    f, s, "%.2fs, seq %d" % near[0] if near else "never"))
        if dup_bad:
            failures.append("%d duplicates not explained by a kill" % dup_bad)
            for b in bad_dups:
                print("  duplicate " + b)
        if tr.unexpected or tr.invalid:
            failures.append("%d unexpected events, %d invalid JSON lines" % (len(tr.unexpected), tr.invalid))
            for u in tr.unexpected[:5]:
                print("  unexpected: " + u)
        bound = a.rss_bound_mb * 1024
        if bound <= 0:
            print("RSS growth not checked (--rss-bound-mb 0: a sanitizer build)")
        elif max_within > bound or growth_across > bound:
            failures.append("RSS grew more than %g MB" % a.rss_bound_mb)
        if "Sanitizer" in errtext:
            failures.append("sanitizer report in the daemon's stderr")
        print()
        if failures:
            print("FAIL: " + "; ".join(failures))
            print("kept %s" % d)
        else:
            print("PASS: 0 lost, only allowed duplicates%s" % (
                ", RSS growth within %g MB" % a.rss_bound_mb if a.rss_bound_mb > 0 else ""))
            ok = True
        return 0 if ok else 1
    finally:
        # our own children only, by pid, if something above failed midway
        if writer is not None and writer.poll() is None:
            writer.kill()
            writer.wait()
        for inst in insts:
            if inst.exit is None:
                inst.reap(signal.SIGKILL)
        if ok and not a.keep_dir:
            shutil.rmtree(d, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser(description="wsawatch soak test", usage=__doc__)
    ap.add_argument("binary")
    ap.add_argument("--duration", type=float, default=600)
    ap.add_argument("--files", type=int, default=50)
    ap.add_argument("--rate", type=int, default=20000)
    ap.add_argument("--rotate-every", type=float, default=5)
    ap.add_argument("--kill-every", type=float, default=60)
    ap.add_argument("--commit-interval", type=float, default=5)
    ap.add_argument("--rotate-wait", type=float, default=5)
    ap.add_argument("--keep", type=int, default=3)
    ap.add_argument("--error-every", type=int, default=10)
    ap.add_argument("--reopen-delay", type=float, default=0.05)
    ap.add_argument("--warmup", type=float, default=10)
    ap.add_argument("--rss-bound-mb", type=float, default=2)
    ap.add_argument("--log-level", default="info")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--ci", action="store_true")
    ap.add_argument("--keep-dir", action="store_true")
    ap.add_argument("--_writer", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--logs", help=argparse.SUPPRESS)
    ap.add_argument("--ack-fd", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--summary", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a._writer:
        return writer_main(a)
    if a.ci:
        a.duration, a.files, a.rate, a.kill_every = 60, max(a.files, 50), min(a.rate, 5000), 20
    return harness(a)


if __name__ == "__main__":
    sys.exit(main())
