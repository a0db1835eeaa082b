"""The webhook output against real HTTP(S) receivers on 127.0.0.1: headers
and bearer token, retries after 5xx, a receiver that times out while the
daemon keeps reading, a dead receiver with a small queue, TLS verification,
and config errors from `check`.

Every wait has a deadline; backoffs are set short (100-200ms) so that the
retries of a test take well under a second."""
import json
import os
import re
import subprocess
import time
import unittest

import wwnet
import wwtest
from wwtest import (RESET_LINE, setup_logs, Daemon, TempDir, append, daemon_config, file_events, require_run,
                    run)


def hook(url, **keys):
    out = {"name": "hook", "type": "webhook", "url": url, "take": ["events"]}
    out.update(keys)
    return out


def read(path):
    try:
        with open(path) as f:
            return f.read()
    except FileNotFoundError:
        return ""


def bodies(reqs):
    return [json.loads(r["body"].decode("utf-8")) for r in reqs]


def with_text(text):
    return lambda r: text.encode() in r["body"]


@require_run
class Webhook(unittest.TestCase):

    def test_post_with_headers_and_token_file(self):
        with TempDir() as d, wwnet.Receiver() as rx:
            log = setup_logs(d)
            tok = os.path.join(d, "token")
            with open(tok, "w") as f:
                f.write("t0k-secret\n")
            cfg = daemon_config(d, [{"path": log}], [
                hook(rx.url("/alerts?x=1"), headers={"X-Team": "ops", "X-Env": "test 1"},
                     bearer_token_file=tok)])
            with open(cfg) as f:
                self.assertNotIn("t0k-secret", f.read())
            with Daemon(cfg).start() as dm:
                line = "ERROR api " + RESET_LINE
                off = append(log, line + "\n")
                (r,) = rx.wait(lambda: rx.answered(with_text("ERROR api")), 10, "one POST")
                self.assertEqual(r["path"], "/alerts?x=1")
                self.assertEqual(r["headers"].get("content-type"), "application/json")
                self.assertEqual(r["headers"].get("authorization"), "Bearer t0k-secret")
                self.assertEqual(r["headers"].get("x-team"), "ops")
                self.assertEqual(r["headers"].get("x-env"), "test 1")
                (e,) = bodies([r])
                self.assertEqual(e["message"], line)
                self.assertEqual(e["log"]["offset"], off)
                self.assertEqual(e["winsock"]["code"], 10054)
                self.assertEqual(e["event"]["kind"], "event")
                self.assertEqual(dm.stop(), 0, dm.describe())
                self.assertNotIn("t0k-secret", dm.stderr_text())

    def test_token_from_environment(self):
        with TempDir() as d, wwnet.Receiver() as rx:
            log = setup_logs(d)
            cfg = daemon_config(d, [{"path": log}], [
                hook(rx.url(), bearer_token_env="WW_TEST_TOKEN")])
            with Daemon(cfg, env={"WW_TEST_TOKEN": "from-env"}).start() as dm:
                append(log, "ERROR env " + RESET_LINE + "\n")
                (r,) = rx.wait(lambda: rx.answered(with_text("ERROR env")), 10, "one POST")
                self.assertEqual(r["headers"].get("authorization"), "Bearer from-env")
                self.assertEqual(dm.stop(), 0, dm.describe())
            # unset: the daemon does not start (exit 2, says which variable)
            env = {k: v for k, v in os.environ.items() if k != "WW_TEST_TOKEN"}
            p = subprocess.run([wwtest.BINARY, "run", "--config", cfg, *wwtest.ROOT_ARGS], env=env,
                               stdin=subprocess.DEVNULL, capture_output=True, timeout=20)
            self.assertEqual(p.returncode, 2, p.stderr)
            self.assertIn(b"WW_TEST_TOKEN", p.stderr)

    def test_500_twice_then_200_delivers_once(self):
        with TempDir() as d, wwnet.Receiver(answers=[500, 500]) as rx:
            log = setup_logs(d)
            cfg = daemon_config(d, [{"path": log}], [hook(rx.url(), backoff="100ms")])
            with Daemon(cfg).start() as dm:
                append(log, "ERROR retried " + RESET_LINE + "\n")
                rx.wait(lambda: rx.answered(with_text("ERROR retried")), 10, "a 200 answer")
                time.sleep(0.5)  # a duplicate would come now
                self.assertEqual(len(rx.answered(with_text("ERROR retried"))), 1)
                self.assertEqual(len(rx.answered(with_text("ERROR retried"), 500)), 2)
                self.assertEqual(len(rx.requests), 3)
                # one failure line for two 500s, one line when it works again
                err = dm.stderr_text()
                self.assertEqual(len(re.findall(r"hook.*HTTP 500", err)), 1, err)
                dm.wait_stderr(r"hook.*again")
                self.assertEqual(dm.stop(), 0, dm.describe())

    def test_4xx_is_permanent(self):
        with TempDir() as d, wwnet.Receiver(answers=[400]) as rx:
            log = setup_logs(d)
            cfg = daemon_config(d, [{"path": log}], [hook(rx.url(), backoff="100ms")])
            with Daemon(cfg).start() as dm:
                append(log, "ERROR rejected " + RESET_LINE + "\n")
                dm.wait_stderr(r"hook.*HTTP 400.*rejected")
                append(log, "ERROR next " + RESET_LINE + "\n")
                rx.wait(lambda: rx.answered(with_text("ERROR next")), 10, "the next message")
                self.assertEqual(len([r for r in rx.requests if with_text("ERROR rejected")(r)]), 1,
                                 "a 400 is not retried")
                self.assertEqual(dm.stop(), 0, dm.describe())

    def test_receiver_times_out_daemon_keeps_reading(self):
        answers = [("sleep", 2.5, 200)]
        with TempDir() as d, wwnet.Receiver(answers=answers) as rx:
            log = setup_logs(d)
            out_file = os.path.join(d, "events.jsonl")
            cfg = daemon_config(d, [{"path": log}], [
                hook(rx.url(), timeout="1s", backoff="200ms"),
                {"name": "file", "type": "file", "path": out_file, "take": ["events"]}])
            with Daemon(cfg).start() as dm:
                append(log, "ERROR slow " + RESET_LINE + "\n")
                rx.wait(lambda: rx.requests, 10, "the first request")
                # the receiver sits on it: the daemon still reads and writes the file
                t0 = time.monotonic()
                append(log, "ERROR meanwhile " + RESET_LINE + "\n")
                wwtest.wait_until(lambda: any("meanwhile" in e["message"]
                                              for e in file_events(out_file)),
                                  1.5, "the next event in the file output", dm)
                self.assertLess(time.monotonic() - t0, 1.5)
                self.assertEqual(rx.answered(with_text("ERROR slow")), [], "still sleeping")
                dm.wait_stderr(r"hook.*(timed out|Timeout)", 5)
                rx.wait(lambda: rx.answered(with_text("ERROR slow")), 10, "the retried message")
                rx.wait(lambda: rx.answered(with_text("ERROR meanwhile")), 10, "the second one")
                time.sleep(0.5)
                self.assertEqual(len(rx.answered(with_text("ERROR slow"))), 1)
                self.assertEqual(len(rx.answered(with_text("ERROR meanwhile"))), 1)
                self.assertEqual(dm.stop(), 0, dm.describe())

    def test_dead_receiver_small_queue_keeps_all_in_spool_and_stops_promptly(self):
        with TempDir() as d:
            log = setup_logs(d)
            url = "http://127.0.0.1:%d/hook" % wwnet.dead_port()
            prom = os.path.join(d, "wsawatch.prom")
            cfg = daemon_config(d, [{"path": log}], [
                hook(url, queue=3, retries=50, backoff="200ms", timeout="1s"),
                {"name": "metrics", "type": "metrics", "path": prom, "interval": "200ms"}])
            with Daemon(cfg).start() as dm:
                append(log, "".join("ERROR n%d %s\n" % (i, RESET_LINE) for i in range(10)))
                dm.wait_stderr(r"hook.*POST to http://127\.0\.0\.1:\d+ failed", 10)
                time.sleep(1)
                # a small queue in memory drops nothing: the rest waits in the spool
                self.assertRegex(read(prom), r'(?m)^wsawatch_spool_dropped_total'
                                             r'\{output="hook"\} 0$')
                t0 = time.monotonic()
                self.assertEqual(dm.stop(), 0, dm.describe())
                self.assertLess(time.monotonic() - t0, 5, "close does not wait for a dead receiver")
                err = dm.stderr_text()
                self.assertNotIn("queue full", err)
                self.assertRegex(err, r"hook.*closing: \d+ messages kept in the spool")
                self.assertEqual(len(re.findall(r"POST to .* failed", err)), 1,
                                 "one failure line, not one per retry:\n" + err)

    def test_check_rejects_bad_urls_and_keys(self):
        with TempDir() as d:
            bad = {"u1": "http://exa mple.com/", "u2": "ftp://example.com/x", "u3": "no-scheme"}
            outs = [hook(u, name=n) for n, u in bad.items()]
            outs.append(hook("http://127.0.0.1:1/", name="both", bearer_token_file="/x",
                             bearer_token_env="X"))
            outs.append(hook("http://127.0.0.1:1/", name="nums", queue=0, timeout="soon"))
            cfg = daemon_config(d, [{"path": os.path.join(d, "*.log")}], outs)
            rc, _, err = run("check", "--config", cfg, timeout=60)
            self.assertEqual(rc, 2, err)
            with open(cfg) as f:
                lines = f.read().splitlines()
            for n, u in bad.items():
                ln = next(i for i, l in enumerate(lines, 1) if u in l)
                self.assertRegex(err, r"%s:%d:\d+: .*url" % (re.escape(cfg), ln))
            self.assertRegex(err, r"%s:\d+:\d+: .*not both" % re.escape(cfg))
            self.assertRegex(err, r"%s:\d+:\d+: .*'queue'" % re.escape(cfg))
            self.assertRegex(err, r"%s:\d+:\d+: .*'timeout'" % re.escape(cfg))
            rc, _, err = run("check", "--config", daemon_config(
                d, [{"path": os.path.join(d, "*.log")}],
                [hook("https://127.0.0.1:8443/x", headers={"A": "b"})], name="good.yaml"), timeout=60)
            self.assertEqual(rc, 0, err)


@require_run
class WebhookTLS(unittest.TestCase):

    def test_tls_verify_refuses_self_signed_unless_off_or_ca_file(self):
        with TempDir() as d:
            pair = wwnet.self_signed(d)
            if pair is None:
                self.skipTest("no openssl command to make a certificate")
            with wwnet.Receiver(tls=pair) as rx:
                log = setup_logs(d)
                outs = [hook(rx.url("/verify", "https"), name="verify", retries=0),
                        hook(rx.url("/off", "https"), name="off", tls_verify=False),
                        hook(rx.url("/ca", "https"), name="ca", ca_file=pair[0])]
                cfg = daemon_config(d, [{"path": log}], outs)
                with Daemon(cfg).start() as dm:
                    append(log, "ERROR tls " + RESET_LINE + "\n")
                    for p in ("/off", "/ca"):
                        rx.wait(lambda: rx.answered(lambda r: r["path"] == p), 10, "POST to " + p)
                    dm.wait_stderr(r"output 'verify'.*failed.*(certificate|SSL)", 10)
                    time.sleep(0.3)
                    self.assertEqual(rx.answered(lambda r: r["path"] == "/verify"), [])
                    self.assertEqual(dm.stop(), 0, dm.describe())


if __name__ == "__main__":
    wwtest.main()
