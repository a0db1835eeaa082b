"""Helpers for scenario tests: run the built wsawatch the way an operator would."""
import json
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import unittest

BINARY = None
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FIXTURES = os.path.join(ROOT, "tests", "fixtures")


# `wsawatch run` refuses root unless told; the tests run as root in CI.
ROOT_ARGS = ["--allow-root"] if hasattr(os, "geteuid") and os.geteuid() == 0 else []


# ---------------------------------------------------------------------------
# Wrapper and time scale (the memcheck preset, tests/CMakeLists.txt).
# WSAWATCH_TEST_WRAPPER: a command (split as a shell would) put in front of
# every wsawatch the tests start. main() makes BINARY a script that execs it,
# so that a test that starts BINARY itself is wrapped too; the wrapper execs
# wsawatch in the same process, so the pid and the signals sent to it are
# wsawatch's. When the wrapper is valgrind, each process writes
# MEMCHECK_DIR/vg.<pid>.log (nothing but errors and leaks: -q); run() and
# Daemon read it when the process ends and fail with the report; main() fails
# the suite for any report left unread (a process a test started itself). A
# process killed with SIGKILL writes no leak report, only the errors it met.
# WSAWATCH_TEST_TIME_SCALE multiplies the deadlines of the helpers below.

TIME_SCALE = float(os.environ.get("WSAWATCH_TEST_TIME_SCALE") or 1)
WRAPPER = shlex.split(os.environ.get("WSAWATCH_TEST_WRAPPER", ""))
MEMCHECK = bool(WRAPPER) and os.path.basename(WRAPPER[0]) == "valgrind"
REAL_BINARY = None      # the wsawatch given on the command line
WRAP_DIR = None         # the wrapper script; valgrind's logs
MEMCHECK_DIR = None     # WRAP_DIR under valgrind


def scaled(seconds):
    """A deadline in seconds, stretched for a slow wrapper."""
    return seconds * TIME_SCALE


def skip_under_memcheck(tc, why):
    """For tests about timing or memory figures that valgrind changes."""
    if MEMCHECK:
        tc.skipTest("under valgrind memcheck: " + why)


def _wrap(binary):
    global WRAP_DIR, MEMCHECK_DIR
    if not WRAPPER:
        return binary
    d = WRAP_DIR = tempfile.mkdtemp(prefix="wsawatch-wrap-")
    os.chmod(d, 0o1777)  # a test may start the daemon as another user
    cmd = list(WRAPPER)
    if MEMCHECK:
        MEMCHECK_DIR = d
        cmd.append("--log-file=" + os.path.join(d, "vg.%p.log"))
    script = os.path.join(d, "wsawatch")
    with open(script, "w") as f:
        f.write("#!/bin/sh\nexec %s %s \"$@\"\n" % (" ".join(map(shlex.quote, cmd)),
                                                    shlex.quote(binary)))
    os.chmod(script, 0o755)
    return script


def memcheck_report(pid):
    """valgrind's report for process pid ("" if none; read once)."""
    if MEMCHECK_DIR is None or pid is None:
        return ""
    path = os.path.join(MEMCHECK_DIR, "vg.%d.log" % pid)
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            text = f.read()
        os.unlink(path)
    except FileNotFoundError:
        return ""
    return text.strip()


def check_memcheck(pid, what="wsawatch"):
    """Fails with valgrind's report for process pid, if it wrote one."""
    rep = memcheck_report(pid)
    if rep:
        raise AssertionError("valgrind memcheck: errors or leaks in %s (pid %d):\n%s"
                             % (what, pid, rep))


def _memcheck_leftovers():
    """Prints the reports no run() or Daemon read; returns how many; removes WRAP_DIR."""
    bad = 0
    for name in sorted(os.listdir(MEMCHECK_DIR)) if MEMCHECK_DIR else []:
        m = re.fullmatch(r"vg\.(\d+)\.log", name)
        rep = memcheck_report(int(m.group(1))) if m else ""
        if rep:
            bad += 1
            sys.stderr.write("\nvalgrind memcheck: errors or leaks in a wsawatch started "
                             "by a test (pid %s):\n%s\n" % (m.group(1), rep))
    if WRAP_DIR:
        shutil.rmtree(WRAP_DIR, ignore_errors=True)
    return bad


def run(*args, stdin=None, check=None, timeout=300, env=None):
    """Runs wsawatch with args (env: the whole environment, default ours);
    returns (exit code, stdout bytes, stderr text)."""
    with subprocess.Popen([BINARY, *args], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, env=env) as p:
        try:
            out, err = p.communicate(stdin, timeout=scaled(timeout))
        except subprocess.TimeoutExpired:
            p.kill()
            p.communicate()
            sys.stderr.write(memcheck_report(p.pid))
            raise
    check_memcheck(p.pid, "wsawatch %s" % " ".join(args)[:200])
    if check is not None and p.returncode != check:
        raise AssertionError("exit %d, wanted %d: %s" % (p.returncode, check, err.decode()))
    return p.returncode, out, err.decode("utf-8", "replace")


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


def whole_events(path):
    """The events of a file output the daemon may be appending to: every
    complete line must be JSON; a last line still being written is left
    out (file_events, strict, is for files no one writes)."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except FileNotFoundError:
        return []
    data = data[:data.rfind(b"\n") + 1]
    return [e for e in events(data) if e.get("event", {}).get("kind") == "event"]


def main():
    global BINARY, REAL_BINARY
    REAL_BINARY = os.path.abspath(sys.argv.pop(1))
    BINARY = _wrap(REAL_BINARY)
    prog = unittest.main(verbosity=2, exit=False)
    bad = _memcheck_leftovers() or _forbidden_skips(prog.result.skipped)
    sys.exit(0 if prog.result.wasSuccessful() and not bad else 1)


# Skips that say what this run is (valgrind, the user it runs as), not what
# the machine lacks. With WSAWATCH_TEST_NO_SKIP set (CI), any other skip -- a
# tool that is not installed, a mount that is refused -- fails the suite, so a
# missing install step in packaging/linux/deps.sh cannot pass unnoticed.
EXPECTED_SKIPS = ("under valgrind memcheck", "runs as another user only")


def _forbidden_skips(skipped):
    if not os.environ.get("WSAWATCH_TEST_NO_SKIP"):
        return False
    bad = [(t, why) for t, why in skipped if not why.startswith(EXPECTED_SKIPS)]
    for t, why in bad:
        print("FAIL: skipped with WSAWATCH_TEST_NO_SKIP set: %s: %s" % (t.id(), why),
              file=sys.stderr)
    return bool(bad)


# ---------------------------------------------------------------------------
# Daemon helpers (`wsawatch run`): configs, a running daemon with its events
# and messages collected by reader threads, waits with deadlines.

import re
import signal
import threading
import time

READY_RE = re.compile(r"\bready\b", re.I)
SANITIZER_RE = re.compile(r"ERROR: (Address|Leak|Undefined)Sanitizer|: runtime error: ")
RESET_LINE = ("System.Net.Sockets.SocketException (10054): "
              "An existing connection was forcibly closed by the remote host.")


def _yaml_scalar(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return str(v)
    s = str(v)
    if re.fullmatch(r"[A-Za-z0-9_/.][A-Za-z0-9_./-]*", s) and \
            s.lower() not in ("true", "false", "yes", "no", "on", "off", "null", "y", "n"):
        return s
    return json.dumps(s)  # a YAML double-quoted scalar


def to_yaml(obj, indent=0):
    """Block-style YAML for dicts/lists of scalars (lists of scalars in flow style)."""
    pad = " " * indent
    out = []
    if isinstance(obj, dict):
        for k, v in obj.items():
            if isinstance(v, dict):
                out.append("%s%s:" % (pad, k))
                out.append(to_yaml(v, indent + 2))
            elif isinstance(v, list) and any(isinstance(x, dict) for x in v):
                out.append("%s%s:" % (pad, k))
                out.append(to_yaml(v, indent + 2))
            elif isinstance(v, list):
                out.append("%s%s: [%s]" % (pad, k, ", ".join(_yaml_scalar(x) for x in v)))
            else:
                out.append("%s%s: %s" % (pad, k, _yaml_scalar(v)))
    elif isinstance(obj, list):
        for item in obj:
            body = to_yaml(item, indent + 2).splitlines()
            out.append(pad + "- " + body[0].lstrip())
            out.extend(body[1:])
    return "\n".join(out)


def daemon_config(d, inputs, outputs=None, name="wsawatch.yaml", **top):
    """Writes a daemon config in directory d and returns its path. Defaults fit
    tests: state in d/state, poll_interval 200ms, commit_interval 1s, info log on
    stderr, events on stdout."""
    cfg = {"state_dir": os.path.join(d, "state"), "commit_interval": "1s",
           "poll_interval": "200ms", "log": {"level": "info", "target": "stderr"}}
    cfg.update(top)
    cfg["inputs"] = inputs
    cfg["outputs"] = outputs if outputs is not None else \
        [{"name": "events", "type": "stdout", "take": ["events", "alerts"]}]
    path = os.path.join(d, name)
    with open(path, "w") as f:
        f.write(to_yaml(cfg) + "\n")
    return path


def setup_logs(d):
    """Makes d/logs/api.log, empty; returns its path."""
    logs = os.path.join(d, "logs")
    os.makedirs(logs)
    path = os.path.join(logs, "api.log")
    append(path, "")
    return path


def append(path, data, mode="ab"):
    """Appends bytes (or str, as UTF-8) in one write; returns the offset it started at."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    with open(path, mode) as f:
        off = f.seek(0, os.SEEK_END)
        f.write(data)
    return off


def brief(e):
    """One event summarised for messages."""
    try:
        return "%s@%s %s %r" % (e["log"]["file"]["path"], e["log"]["offset"],
                                e["winsock"]["code"], e["message"][:90])
    except Exception:
        return repr(e)[:200]


class Daemon:
    """`wsawatch run --config F` in the foreground, stdout/stderr read by threads.

    self.events: parsed events from stdout (every stdout line must be valid
    UTF-8 JSON; the others go to self.bad); alerts (event.kind "alert") go to
    self.alerts. self.err: stderr lines. Use as a
    context manager, or call close(): a daemon still running is killed."""

    def __init__(self, config, env=None, extra_args=(), preexec_fn=None):
        self.config = config
        self.env = env
        self.preexec_fn = preexec_fn  # run in the child before exec (e.g. setrlimit)
        self.extra_args = list(extra_args)
        self.proc = None
        self.cond = threading.Condition()
        self.events, self.bad, self.err, self.alerts = [], [], [], []
        self.threads = []
        self.returncode = None

    # -- life cycle
    def start(self, ready=True, timeout=20):
        if self.proc is not None:
            self._memcheck()  # the previous process's report
        env = dict(os.environ)
        if self.env:
            env.update(self.env)
        self.events, self.bad, self.err, self.alerts = [], [], [], []
        self.returncode = None
        self.started = time.monotonic()
        self.proc = subprocess.Popen([BINARY, "run", "--config", self.config, *ROOT_ARGS,
                                      *self.extra_args],
                                     stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, env=env,
                                     preexec_fn=self.preexec_fn)
        self.threads = [threading.Thread(target=self._read_out, args=(self.proc.stdout,), daemon=True),
                        threading.Thread(target=self._read_err, args=(self.proc.stderr,), daemon=True)]
        for t in self.threads:
            t.start()
        if ready:
            try:
                self.wait_ready(timeout)
            except BaseException:
                self.close(check=False)
                raise
        return self

    def _read_out(self, f):
        for raw in iter(f.readline, b""):
            try:
                e = json.loads(raw.decode("utf-8"))
                if not isinstance(e, dict):
                    raise ValueError("not an object")
            except Exception as x:  # invalid UTF-8 or JSON
                with self.cond:
                    self.bad.append((raw[:300], str(x)))
                    self.cond.notify_all()
                continue
            e["_t"] = time.monotonic()
            with self.cond:
                if e.get("event", {}).get("kind") == "alert":
                    self.alerts.append(e)
                else:
                    self.events.append(e)
                self.cond.notify_all()

    def _read_err(self, f):
        for raw in iter(f.readline, b""):
            with self.cond:
                self.err.append(raw.decode("utf-8", "replace").rstrip("\n"))
                self.cond.notify_all()

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def send(self, sig):
        self.proc.send_signal(sig)

    def stop(self, sig=signal.SIGTERM, timeout=20):
        """Sends sig, waits for the exit; returns the exit status (negative: signal)."""
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            self.returncode = self.proc.wait(scaled(timeout))
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise AssertionError("daemon did not exit within %ss of signal %s\n%s"
                                 % (scaled(timeout), sig, self.describe()))
        for t in self.threads:
            t.join(10)
        self._close_pipes()
        self._memcheck()
        san = [l for l in self.err if SANITIZER_RE.search(l)]
        if san:
            raise AssertionError("sanitizer report from the daemon: %s\n%s"
                                 % (san[0], self.describe(lines=60)))
        return self.returncode

    def _close_pipes(self):
        for f in (self.proc.stdout, self.proc.stderr):
            try:
                f.close()
            except Exception:
                pass

    def kill(self):
        """kill -9, then collects what it had written."""
        return self.stop(signal.SIGKILL)

    def close(self, check=True):
        """Kills a daemon still running (under memcheck, when check is true,
        SIGTERM first, so that its leaks are checked); with check, fails with
        valgrind's report, else prints it."""
        if self.proc is not None and self.proc.poll() is None:
            if MEMCHECK and check:
                self.proc.terminate()
                try:
                    self.proc.wait(scaled(20))
                except subprocess.TimeoutExpired:
                    pass
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait()
        for t in self.threads:
            t.join(5)
        if self.proc is not None:
            self._close_pipes()
            if check:
                self._memcheck()
            else:
                sys.stderr.write(memcheck_report(self.proc.pid))

    def _memcheck(self):
        rep = memcheck_report(self.proc.pid)
        if rep:
            raise AssertionError("valgrind memcheck: errors or leaks in the daemon (pid %d, %s):"
                                 "\n%s\n%s" % (self.proc.pid, self.config, rep,
                                                self.describe(events=0, lines=15)))

    def __enter__(self):
        return self

    def __exit__(self, exc_type, *a):
        self.close(check=exc_type is None)

    # -- observation
    def stderr_text(self):
        with self.cond:
            return "\n".join(self.err)

    def describe(self, events=12, lines=30):
        with self.cond:
            evs = list(self.events[-events:])
            nev = len(self.events)
            bad = list(self.bad[:3])
            err = list(self.err[-lines:])
        rc = self.proc.poll() if self.proc else None
        s = ["daemon: %s; %d events so far%s" % (
            "running" if rc is None else "exited with %s" % rc, nev,
            ("; last %d:" % len(evs)) if evs else "")]
        s += ["  " + brief(e) for e in evs]
        if bad:
            s.append("invalid stdout lines: %r" % bad)
        s.append("daemon stderr (last %d lines):" % lines)
        s += ["  | " + l for l in err] or ["  | (empty)"]
        return "\n".join(s)

    def wait_for(self, pred, timeout, what):
        """Waits until pred() (called under the lock) is true; fails with what was
        expected and the daemon's state. Fails early if the daemon exited.
        timeout is scaled (WSAWATCH_TEST_TIME_SCALE)."""
        timeout = scaled(timeout)
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                r = pred()
                if r:
                    return r
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                if self.proc.poll() is not None and not any(t.is_alive() for t in self.threads):
                    break
                self.cond.wait(min(left, 0.05))
        raise AssertionError("%s: expected %s within %.1fs\n%s"
                             % ("daemon exited" if self.proc.poll() is not None else "timed out",
                                what, timeout, self.describe()))

    def wait_ready(self, timeout=20):
        self.wait_for(lambda: any(READY_RE.search(l) for l in self.err), timeout,
                      "a 'ready' line on stderr")
        self.ready_at = time.monotonic()

    def wait_stderr(self, regex, timeout=10, what=None):
        r = re.compile(regex)
        return self.wait_for(lambda: next((l for l in self.err if r.search(l)), None), timeout,
                             what or "stderr matching %r" % regex)

    def matching(self, pred):
        with self.cond:
            return [e for e in self.events if pred(e)]

    def wait_events(self, pred, count=1, timeout=10, what=None):
        """Waits until at least count events satisfy pred; returns them."""
        def check():
            m = [e for e in self.events if pred(e)]
            return m if len(m) >= count else None
        return self.wait_for(check, timeout, what or "%d matching event(s)" % count)

    def wait_message(self, text, count=1, timeout=10):
        return self.wait_events(lambda e: text in e.get("message", ""), count, timeout,
                                "%d event(s) with message containing %r" % (count, text))


def prometheus_file(path):
    """{series: value} of a Prometheus textfile; {} while it does not exist."""
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except FileNotFoundError:
        return {}
    out = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            key, value = line.rsplit(" ", 1)
            out[key] = float(value)
    return out


def file_events(path, kind="event"):
    """Events (or, with kind="alert", alerts) in a file output (strict UTF-8
    JSON lines, every line checked); [] if it does not exist."""
    try:
        with open(path, "rb") as f:
            return [e for e in events(f.read()) if e.get("event", {}).get("kind") == kind]
    except FileNotFoundError:
        return []


def wait_until(pred, timeout, what, daemon=None, interval=0.02):
    """Polls pred() until true; timeout is scaled (WSAWATCH_TEST_TIME_SCALE)."""
    timeout = scaled(timeout)
    deadline = time.monotonic() + timeout
    while True:
        r = pred()
        if r:
            return r
        if time.monotonic() >= deadline:
            raise AssertionError("timed out: expected %s within %.1fs%s" % (
                what, timeout, ("\n" + daemon.describe()) if daemon else ""))
        time.sleep(interval)


_have_run = None


def have_run():
    """True when the binary has the `run` command."""
    global _have_run
    if _have_run is None:
        _, out, err = run("run", "--help", timeout=30)
        _have_run = "unknown command" not in out.decode("utf-8", "replace") + err
    return _have_run


def require_run(testcase_cls):
    """Class decorator: skips the whole class when `wsawatch run` does not exist yet."""
    orig = testcase_cls.setUpClass

    @classmethod
    def setUpClass(cls):
        if not have_run():
            raise unittest.SkipTest("wsawatch has no `run` command yet")
        orig.__func__(cls) if hasattr(orig, "__func__") else orig()
    testcase_cls.setUpClass = setUpClass
    return testcase_cls
