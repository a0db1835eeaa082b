"""Syslog helpers for scenario tests: a strict RFC 5424 parser (the RFC's
ABNF as regular expressions), octet-counting framing (RFC 6587 3.4.1), UDP
and TCP collectors on 127.0.0.1 in threads, a receiver for datagrams on a
Unix socket, and an rsyslogd run by the test (when Debian's rsyslog is
installed) that writes the fields it parsed to a file."""
import datetime
import os
import re
import shutil
import socket
import subprocess
import threading
import time

from wwtest import scaled

# RFC 5424 section 6: PRINTUSASCII is %d33-126; SD-NAME excludes '=', SP, ']'
# and '"'; PARAM-VALUE escapes '"', '\' and ']'.
_PRINT = rb"[\x21-\x7e]"
_SDNAME = rb"[\x21\x23-\x3c\x3e-\x5c\x5e-\x7e]{1,32}"
_PARAM_VALUE = rb'(?:[^"\\\]]|\\["\\\]])*'
_SD_ELEMENT = rb"\[" + _SDNAME + rb"(?: " + _SDNAME + rb'="' + _PARAM_VALUE + rb'")*\]'
RFC5424 = re.compile(
    rb"<(?P<pri>0|[1-9][0-9]{0,2})>"
    rb"(?P<version>[1-9][0-9]{0,2}) "
    rb"(?P<timestamp>-|(?P<date>[0-9]{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12][0-9]|3[01]))"
    rb"T(?P<time>(?:[01][0-9]|2[0-3]):[0-5][0-9]:(?:[0-5][0-9]|60)(?:\.[0-9]{1,6})?)"
    rb"(?P<offset>Z|[+-](?:[01][0-9]|2[0-3]):[0-5][0-9])) "
    rb"(?P<hostname>-|" + _PRINT + rb"{1,255}) "
    rb"(?P<app>-|" + _PRINT + rb"{1,48}) "
    rb"(?P<procid>-|" + _PRINT + rb"{1,128}) "
    rb"(?P<msgid>-|" + _PRINT + rb"{1,32}) "
    rb"(?P<sd>-|(?:" + _SD_ELEMENT + rb")+)"
    rb"(?: (?P<msg>.*))?\Z", re.S)

# What syslog(3) sends to /dev/log: "<PRI>Mmm dd hh:mm:ss TAG[PID]: MSG".
LOCAL = re.compile(
    rb"<(?P<pri>0|[1-9][0-9]{0,2})>"
    rb"(?P<timestamp>(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) [ 1-3][0-9] "
    rb"[0-2][0-9]:[0-5][0-9]:[0-6][0-9]) "
    rb"(?P<app>[\x21-\x5a\x5c\x5e-\x7e]{1,48})\[(?P<procid>[0-9]+)\]: (?P<msg>.*)\Z", re.S)


def parse_5424(raw):
    """Parses one message strictly; returns a dict of str fields plus pri,
    facility, severity (ints), msg (bytes) and time (an aware datetime).
    Raises ValueError naming what is wrong."""
    m = RFC5424.match(raw)
    if m is None:
        raise ValueError("not an RFC 5424 message: %r" % raw[:300])
    pri = int(m["pri"])
    if pri > 191:
        raise ValueError("PRI %d is out of range 0..191" % pri)
    if m["version"] != b"1":
        raise ValueError("VERSION %r is not 1" % m["version"])
    msg = m["msg"] if m["msg"] is not None else b""
    if msg.startswith(b"\xef\xbb\xbf"):
        msg = msg[3:]  # MSG-UTF8
    msg.decode("utf-8")  # wsawatch sends UTF-8 either way
    out = {k: m[k].decode("ascii") for k in ("timestamp", "hostname", "app", "procid", "msgid", "sd")}
    out.update(pri=pri, facility=pri // 8, severity=pri % 8, msg=msg, time=None)
    if m["date"]:
        ts = m["date"].decode() + "T" + m["time"].decode()
        frac = re.search(r"\.(\d+)$", ts)
        base = re.sub(r"\.\d+$", "", ts)
        t = datetime.datetime.strptime(base, "%Y-%m-%dT%H:%M:%S")  # checks the day of month
        if frac:
            t = t.replace(microsecond=int(frac.group(1).ljust(6, "0")))
        off = m["offset"].decode()
        tz = datetime.timezone.utc if off == "Z" else datetime.timezone(
            datetime.timedelta(hours=int(off[:3]), minutes=int(off[0] + off[4:])))
        out["time"] = t.replace(tzinfo=tz)
    return out


def parse_local(raw):
    m = LOCAL.match(raw)
    if m is None:
        raise ValueError("not a syslog(3) local message: %r" % raw[:300])
    pri = int(m["pri"])
    if pri > 191:
        raise ValueError("PRI %d is out of range" % pri)
    return {"pri": pri, "facility": pri // 8, "severity": pri % 8,
            "timestamp": m["timestamp"].decode(), "app": m["app"].decode(),
            "procid": m["procid"].decode(), "msg": m["msg"]}


def split_octet_counted(data):
    """Splits a TCP stream framed by octet counting ("LEN SP MSG"...);
    returns (messages, rest) where rest is an incomplete last frame. Raises
    ValueError on a frame that is not octet-counted."""
    out, i = [], 0
    while i < len(data):
        m = re.compile(rb"([1-9][0-9]{0,8}) ").match(data, i)
        if m is None:
            if re.fullmatch(rb"[0-9]{0,9}", data[i:i + 10]):
                break  # a length still arriving
            raise ValueError("bad frame at byte %d: %r" % (i, data[i:i + 60]))
        n, start = int(m.group(1)), m.end()
        if start + n > len(data):
            break
        out.append(data[start:start + n])
        i = start + n
    return out, data[i:]


def free_port(kind=socket.SOCK_STREAM):
    """A port on 127.0.0.1 that nothing listens on now."""
    s = socket.socket(socket.AF_INET, kind)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class _Collector:
    def __init__(self):
        self.cond = threading.Condition()
        self.messages = []  # raw messages, in arrival order
        self.errors = []
        self.closed = False
        self.threads = []

    def _start(self, target, *args):
        t = threading.Thread(target=target, args=args, daemon=True)
        t.start()
        self.threads.append(t)

    def _add(self, msgs):
        with self.cond:
            self.messages.extend(msgs)
            self.cond.notify_all()

    def wait(self, count, timeout, what=None):
        """Waits for at least count messages; returns them (raw bytes)."""
        timeout = scaled(timeout)
        deadline = time.monotonic() + timeout
        with self.cond:
            while len(self.messages) < count and not self.errors:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError("timed out: expected %s within %.1fs; got %d: %r" % (
                        what or "%d syslog message(s)" % count, timeout, len(self.messages),
                        [m[:120] for m in self.messages]))
                self.cond.wait(min(left, 0.05))
            if self.errors:
                raise AssertionError("collector error: %s" % self.errors[0])
            return list(self.messages)

    def __enter__(self):
        return self

    def __exit__(self, *a):
        self.close()


class UdpCollector(_Collector):
    """Datagrams to 127.0.0.1:port, one message each."""

    def __init__(self, port=0):
        super().__init__()
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", port))
        self.sock.settimeout(0.1)
        self.port = self.sock.getsockname()[1]
        self.address = "udp://127.0.0.1:%d" % self.port
        self._start(self._run)

    def _run(self):
        while not self.closed:
            try:
                data = self.sock.recv(70000)
            except socket.timeout:
                continue
            except OSError:
                return
            self._add([data])

    def close(self):
        self.closed = True
        for t in self.threads:
            t.join(2)
        self.sock.close()


class UnixDgramCollector(UdpCollector):
    """Datagrams to a Unix socket at path (as the local syslog daemon gets them)."""

    def __init__(self, path):
        _Collector.__init__(self)
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(path)
        self.sock.settimeout(0.1)
        self.address = "unix:" + path
        self._start(self._run)


class TcpCollector(_Collector):
    """A TCP listener on 127.0.0.1:port; each connection's bytes are kept
    (self.streams) and split by octet counting into self.messages."""

    def __init__(self, port=0):
        super().__init__()
        self.lsock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.lsock.bind(("127.0.0.1", port))
        self.lsock.listen(8)
        self.lsock.settimeout(0.1)
        self.port = self.lsock.getsockname()[1]
        self.address = "tcp://127.0.0.1:%d" % self.port
        self.streams = []
        self.conns = []
        self._start(self._accept)

    def _accept(self):
        while not self.closed:
            try:
                c, _ = self.lsock.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            c.settimeout(0.1)
            self.conns.append(c)
            with self.cond:
                self.streams.append(b"")
            self._start(self._read, c, len(self.streams) - 1)

    def _read(self, c, k):
        rest = b""
        while not self.closed:
            try:
                data = c.recv(65536)
            except socket.timeout:
                continue
            except OSError:
                break
            if not data:
                break
            with self.cond:
                self.streams[k] += data
            try:
                msgs, rest = split_octet_counted(rest + data)
            except ValueError as e:
                with self.cond:
                    self.errors.append(str(e))
                    self.cond.notify_all()
                return
            self._add(msgs)
        if rest and not self.closed:
            with self.cond:
                self.errors.append("connection ended inside a frame: %r" % rest[:80])
                self.cond.notify_all()

    def close(self):
        self.closed = True
        for t in self.threads:
            t.join(2)
        for c in self.conns:
            c.close()
        self.lsock.close()


# ---------------------------------------------------------------------------
# rsyslogd as a real collector

RSYSLOG_FIELDS = ("pri", "facility", "severity", "timestamp", "hostname", "app", "procid",
                  "msgid", "sd", "msg")


def rsyslogd():
    return shutil.which("rsyslogd") or (os.path.exists("/usr/sbin/rsyslogd") and "/usr/sbin/rsyslogd")


class Rsyslog:
    """rsyslogd -n with imudp and imtcp on free high ports, writing each
    message's parsed fields, one JSON object a line, to d/out.jsonl."""

    def __init__(self, d):
        self.d = d
        self.udp_port, self.tcp_port = free_port(socket.SOCK_DGRAM), free_port()
        self.out = os.path.join(d, "rsyslog-out.jsonl")
        conf = os.path.join(d, "rsyslog.conf")
        with open(conf, "w") as f:
            f.write('global(workDirectory="%s" maxMessageSize="64k")\n' % d)
            f.write('module(load="imudp")\nmodule(load="imtcp")\n')
            f.write('input(type="imudp" address="127.0.0.1" port="%d")\n' % self.udp_port)
            f.write('input(type="imtcp" address="127.0.0.1" port="%d")\n' % self.tcp_port)
            f.write('template(name="fields" type="list" option.jsonf="on") {\n')
            props = [("pri", "pri"), ("facility", "syslogfacility"),
                     ("severity", "syslogseverity"), ("timestamp", "timereported"),
                     ("hostname", "hostname"), ("app", "app-name"), ("procid", "procid"),
                     ("msgid", "msgid"), ("sd", "structured-data"), ("msg", "msg")]
            for name, prop in props:
                fmt = ' dateformat="rfc3339"' if prop == "timereported" else ""
                f.write('  property(outname="%s" name="%s" format="jsonf"%s)\n' % (name, prop, fmt))
            f.write('}\n')
            f.write('action(type="omfile" file="%s" template="fields" flushOnTXEnd="on" '
                    'asyncWriting="off")\n' % self.out)
        self.proc = subprocess.Popen([rsyslogd(), "-n", "-f", conf, "-i", os.path.join(d, "rs.pid")],
                                     stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT)
        self._wait_listening()

    def _wait_listening(self, timeout=10):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError("rsyslogd exited: %s" % self.proc.stdout.read().decode()[-2000:])
            try:
                socket.create_connection(("127.0.0.1", self.tcp_port), 0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        raise AssertionError("rsyslogd did not listen on %d" % self.tcp_port)

    def records(self):
        import json
        try:
            with open(self.out, "rb") as f:
                return [json.loads(l) for l in f.read().splitlines() if l.strip()]
        except FileNotFoundError:
            return []

    def wait(self, pred, count, timeout):
        deadline = time.monotonic() + scaled(timeout)
        while True:
            got = [r for r in self.records() if pred(r)]
            if len(got) >= count:
                return got
            if time.monotonic() > deadline:
                raise AssertionError("rsyslogd wrote %d matching record(s), wanted %d: %r"
                                     % (len(got), count, self.records()[-3:]))
            time.sleep(0.05)

    def close(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc.stdout.close()

    def __enter__(self):
        return self

    def __exit__(self, *a):
        self.close()
