"""Network helpers for scenario tests: a scripted HTTP(S) receiver on
127.0.0.1 in a thread, a port where nothing listens, a self-signed
certificate made with the openssl command."""
import http.server
import os
import shutil
import socket
import ssl
import subprocess
import threading
import time

from wwtest import scaled


class Receiver:
    """An HTTP server on 127.0.0.1 that records every POST.

    answers: a list of what to do with the first requests, in order; each is
    an HTTP status (int) or ("sleep", seconds, status). Later requests get
    `then` (which a test may change). port: 0 for any free one. self.requests: dicts with path, headers (lower-case names), body
    (bytes), status (what was answered; None if the client went away,
    "late" after a sleep) and
    t (time.monotonic() when it arrived). Use as a context manager."""

    def __init__(self, answers=(), then=200, tls=None, port=0):
        self.answers = list(answers)
        self.then = then
        self.requests = []
        self.cond = threading.Condition()
        rec = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                n = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(n)
                r = {"path": self.path, "body": body, "status": None, "t": time.monotonic(),
                     "headers": {k.lower(): v for k, v in self.headers.items()}}
                with rec.cond:
                    todo = rec.answers.pop(0) if rec.answers else rec.then
                    rec.requests.append(r)
                    rec.cond.notify_all()
                late = isinstance(todo, tuple)
                if late:
                    time.sleep(todo[1])
                    todo = todo[2]
                try:
                    self.send_response(todo)
                    self.send_header("Content-Length", "2")
                    self.end_headers()
                    self.wfile.write(b"ok")
                    self.wfile.flush()
                except OSError:
                    return
                with rec.cond:
                    # an answer after the client's timeout is not an answer it got
                    r["status"] = "late" if late else todo
                    rec.cond.notify_all()

            def log_message(self, *a):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.server.daemon_threads = True
        if tls is not None:
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(*tls)
            self.server.socket = ctx.wrap_socket(self.server.socket, server_side=True)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path="/hook", scheme="http"):
        return "%s://127.0.0.1:%d%s" % (scheme, self.port, path)

    def answered(self, pred=lambda r: True, status=200):
        """Requests answered with status (the client got the answer)."""
        with self.cond:
            return [r for r in self.requests if r["status"] == status and pred(r)]

    def wait(self, pred, timeout, what):
        timeout = scaled(timeout)
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                got = pred()
                if got:
                    return got
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError("receiver: expected %s within %.1fs; got %d requests: %s"
                                         % (what, timeout, len(self.requests),
                                            [(r["path"], r["status"], r["body"][:60])
                                             for r in self.requests[-5:]]))
                self.cond.wait(min(left, 0.05))

    def close(self):
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self):
        return self

    def __exit__(self, *a):
        self.close()


def dead_port():
    """A port on 127.0.0.1 where nothing listens (it was just free)."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def self_signed(d):
    """Makes a self-signed certificate for 127.0.0.1 in d; returns (cert, key)
    paths, or None when there is no openssl command."""
    if shutil.which("openssl") is None:
        return None
    cert, key = os.path.join(d, "cert.pem"), os.path.join(d, "key.pem")
    p = subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                        "-keyout", key, "-out", cert, "-subj", "/CN=127.0.0.1",
                        "-addext", "subjectAltName=IP:127.0.0.1"],
                       capture_output=True, timeout=60)
    return (cert, key) if p.returncode == 0 else None
