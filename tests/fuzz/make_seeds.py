#!/usr/bin/env python3
"""Assembles the fuzz targets' seed corpora from the files the project already
has (tests/fixtures, config/, rules/) plus a few shapes written here, into
OUT/<target>/, so that no copy of the fixtures is kept under tests/fuzz.

    make_seeds.py SOURCE_DIR OUT_DIR

Each target's input format is described at the top of its fuzz_<target>.c:
the line target takes a 3-byte header (options, split point), the rules
target a 1-byte header (bit 0: load the built-in code table first).
"""
import hashlib
import json
import pathlib
import shutil
import sys


def put(out, target, data, name=None):
    d = out / target
    d.mkdir(parents=True, exist_ok=True)
    if name is None:
        name = hashlib.sha1(data).hexdigest()[:16]
    (d / name).write_bytes(data)


def line_header(data, options=0):
    split = len(data) // 2
    return bytes([options, split >> 8 & 0xFF, split & 0xFF]) + data


def config_seeds(src, out):
    for f in sorted((src / "config").glob("*.yaml")):
        put(out, "config", f.read_bytes(), "config-" + f.name)
    shapes = {
        "outputs.yaml": b"""state_dir: /tmp/ww
outputs:
  - {name: s, type: stdout, format: text, take: [events]}
  - {name: f, type: file, path: /tmp/ww/e.jsonl, take: alerts}
  - {name: l, type: syslog, address: 'udp://127.0.0.1:514', facility: local0, app_name: ww, queue: 100}
  - {name: t, type: syslog, address: 'tcp://[::1]:6514', hostname: h}
  - {name: w, type: webhook, url: 'https://hooks.example/x', headers: {X-A: b}, timeout: 5s, retries: 3, tls_verify: false}
  - {name: x, type: exec, command: [/bin/cat, -u], timeout: 2s, max_running: 2, queue: 10}
  - {name: m, type: metrics, path: /tmp/ww/w.prom, interval: 15s}
  - {name: e, type: eventlog, source: wsawatch}
""",
        "inputs.yaml": b"""inputs:
  - path: [/var/log/*.log, 'C:\\\\logs\\\\**\\\\*.log']
    exclude: ['*.gz']
    start_at: beginning
    encoding: utf-16le
    tags: [api, "t\xc3\xa4g"]
    max_line_bytes: 1KiB
    idle_flush: 500ms
    rotate_wait: 1m
    watch: poll
    rules: [dotnet-socketexception, go-syscall-message]
    timestamp: '(?<year>\\d{4})-(?<month>\\d\\d)-(?<day>\\d\\d) (?<hour>\\d\\d):(?<minute>\\d\\d):(?<second>\\d\\d)'
log: {level: debug, target: file, path: /tmp/ww.log}
commit_interval: 1s
poll_interval: 250ms
""",
        "alerts.yaml": b"""alerts:
  - id: resets
    codes: [WSAECONNRESET, 10053, 0x2746]
    categories: [connection]
    rules: [go-syscall-message]
    tags: [api]
    threshold: 3
    window: 10s
    group_by: [file, peer, code, host, rule, tag]
    cooldown: 1m
    severity: critical
    resolved: true
    backlog: ignore
    samples: 3
    max_groups: 10
    outputs: [o]
  - {id: connection-reset-storm, enabled: false}
outputs:
  - {name: o, type: stdout}
""",
        "anchors.yaml": b"""x: &a {name: o, type: stdout}
outputs: [*a, {<<: *a, name: p}]
inputs: !!seq [{path: !!str a}]
---
second: document
""",
        "bad.yaml": b"""comit_interval: 5 parsecs
inputs:
  - path: []
    max_line_bytes: 12 bananas
    encoding: ebcdic
outputs:
  - {name: a, type: carrier-pigeon}
  - {name: a, type: syslog, address: udp://nohost}
""",
    }
    for name, data in shapes.items():
        put(out, "config", data, "shape-" + name)


def rules_seeds(src, out):
    for f in sorted((src / "rules").rglob("*.yaml")):
        rel = f.relative_to(src / "rules")
        name = "-".join(rel.parts)
        # alone (fast: codes the rules name do not resolve), and the patterns
        # and alerts over the built-in table too, as they are really loaded
        put(out, "rules", b"\x00" + f.read_bytes(), "rules-alone-" + name)
        if rel.parts[0] != "codes":
            put(out, "rules", b"\x01" + f.read_bytes(), "rules-builtin-" + name)
    put(out, "rules", b"\x01" + b"""rules:
  - id: r1
    description: a rule
    literals: [boom]
    pattern: 'boom (?<code>\\d{5}) (?<peer>\\S+) (?<peer2>\\S+)'
    examples:
      match: [{line: 'boom 10054 a b', codes: [10054]}]
      nomatch: ['boom']
  - id: r2
    code: WSAETIMEDOUT
    pattern: 'took too long'
codes:
  - {code: 10054, symbol: WSAECONNRESET, aliases: [RST], title: t, message: 'm.', posix: ECONNRESET,
     dotnet: ConnectionReset, category: connection, hint: h, message_alone: true,
     localized: [{lang: de, text: 'Eine vorhandene Verbindung'}]}
alerts:
  - {id: a, codes: [10054], threshold: 2, window: 1s}
""", "shape-mixed.yaml")


def line_seeds(src, out):
    samples = src / "tests/fixtures/samples"
    for f in sorted(samples.iterdir()):
        if f.is_file():
            data = f.read_bytes()
            put(out, "line", line_header(data), "sample-" + f.name)
            put(out, "line", line_header(data, 0x30), "sample-1025-daemon-" + f.name)
    corpus = src / "tests/fixtures/corpus/real-lines.jsonl"
    for n, text in enumerate(corpus.read_text(encoding="utf-8").splitlines()):
        if text.strip():
            line = json.loads(text)["line"].encode("utf-8", "surrogateescape")
            put(out, "line", line_header(line + b"\r\n" if n % 2 else line + b"\n"),
                "corpus-%03d" % n)
    long_line = b"WSAECONNRESET " + b"x" * 3000 + b" WSAETIMEDOUT\nnext 10061 refused\n"
    put(out, "line", line_header(long_line, 0x08), "shape-long-line")
    utf16 = "\ufeffrecv failed WSAETIMEDOUT\r\n[WinError 10061] \u00e9\r\n".encode("utf-16-le")
    put(out, "line", line_header(utf16, 0x02), "shape-utf16le")
    put(out, "line", line_header(b"\x80\x81 Socket Error # 10060\xff\n", 0x04), "shape-ansi")
    crlf = b"a WSAECONNRESET\r\nb [WinError 10061]\r\n"
    put(out, "line", bytes([0x80, 0, 16]) + crlf, "shape-split-cr-lf")
    odd = b"\xff\xfe" + "WSAETIMEDOUT ".encode("utf-16-le") * 100 + b"\n\x00x"
    put(out, "line", line_header(odd, 0x12), "shape-utf16-cut-odd-tail")
    put(out, "line", line_header(b"\x00\x00WSAECONNRESET\x00\xc0\xaf\xed\xa0\x80 10054\n", 0x40),
        "shape-resumed-nul-invalid")


def state_seeds(out):
    header = b'{"wsawatch_offsets":1,"files":[\n'

    def entry(dev, ino, off, path):
        return b'{"dev":%d,"ino":%d,"offset":%d,"path":%s}' % (
            dev, ino, off, json.dumps(path).encode())

    shapes = {
        "empty": header + b"]}\n",
        "three": header + b",\n".join([
            entry(2049, 131, 18230, "/var/log/app/api.log"),
            entry(2049, 132, 0, '/var/log/a "quoted".log'),
            entry(1, 3, 18446744073709551615, "C:\\logs\\b.log")]) + b"\n]}\n",
        "escapes": header + entry(1, 2, 3, "/tmp/\u00e9\u2028\x1b\t.log") + b"\n]}\n",
        "truncated": header + entry(1, 2, 3, "a") + b",\n",
        "cut": header + b'{"dev":1,"ino":2,"offs',
        "garbage": b"\x00\xff garbage",
        "trailing": header + entry(1, 2, 3, "a") + b"\n]}\nmore\n",
        "duplicate": header + entry(1, 2, 3, "a") + b",\n" + entry(1, 2, 9, "b") + b"\n]}\n",
        "prints": header + entry(1, 2, 3, "a")[:-1] + b',"born":1700000000123,"head":'
        b'"0123456789abcdef","head_len":1024,"tail":"fedcba9876543210","tail_at":4096,'
        b'"tail_len":256}\n]}\n',
        "pretty": json.dumps({"wsawatch_offsets": 1, "files": [
            {"path": "/var/log/\U0001F600\u00e9.log", "offset": 7, "ino": 2, "dev": 1}]},
            indent=2, sort_keys=True).encode(),
        "long-path": header + entry(1, 2, 3, "/x/" + "\u00e9" * 3000) + b"\n]}\n",
    }
    for name, data in shapes.items():
        put(out, "state", data, "shape-" + name)


def main():
    src, out = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
    for t in ("config", "rules", "line", "state"):
        shutil.rmtree(out / t, ignore_errors=True)
    config_seeds(src, out)
    rules_seeds(src, out)
    line_seeds(src, out)
    state_seeds(out)
    (out / ".stamp").write_text("")


if __name__ == "__main__":
    main()
