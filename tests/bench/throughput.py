#!/usr/bin/env python3
"""Scan throughput of wsawatch beside ripgrep and GNU grep on the same file,
and the cost of 10 vs 200 rules.

usage: throughput.py WSAWATCH [SIZE_MIB=1024] [FILE]

Generates (once) a mixed log of SIZE_MIB with genlog.py, warms the page cache,
then times each tool three times and prints the best run. The reference
pattern for rg and grep -P is one alternation over the forms the shipped rules
recognise (numbers with their context, symbols, hex/HRESULT, message texts).
The rule-count rows use --no-builtin-rules with generated rules whose literals
occur nowhere and somewhere in the log, so that only the prefilter's per-byte
cost and its collisions can differ between 10 and 200 rules.
"""
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))

REFERENCE = "|".join([
    r"SocketException\s*\(\d+\)", r"\[WinError \d+\]", r"\[Errno 1\d{4}\]",
    r"WSA[A-Z_]{4,}", r"wsa(?:recv|send|recvfrom|sendto|ioctl): ", r"connectex: ",
    r"\(OS 1\d{4}\)", r"Socket Error # ?\d+", r"errno 1\d{4}", r"0x0000274[0-9A-F]/\d+",
    r"0x80072[7A][0-9A-Fa-f]{2}", r"\(1\d{4}: ", r"Os \{ code: \d+", r"TCP Provider, error",
    r"forcibly closed by the remote host", r"actively refused it",
    r"connected party did not properly respond", r"No such host is known",
    r"established connection was aborted by the software", r"socket write error",
    r"Software caused connection abort", r"Connection reset by peer: ",
    r"requested name is valid, but no data", r"non-recoverable error occurred during a database",
    r"socket operation was attempted to an unreachable", r"Only one usage of each socket address",
    r"An invalid argument was supplied", r"not a socket", r"attempt was made to access a socket",
    r"non-blocking socket operation could not be completed", r"network is down",
])


def best_of(cmd, runs=3, stdout=subprocess.DEVNULL):
    best = None
    for _ in range(runs):
        t0 = time.perf_counter()
        p = subprocess.run(cmd, stdout=stdout, stderr=subprocess.PIPE)
        dt = time.perf_counter() - t0
        if p.returncode not in (0, 1):
            raise SystemExit("%s failed: %s" % (cmd[0], p.stderr.decode()[:500]))
        best = dt if best is None else min(best, dt)
    return best


def gen_rules(d, n, rnd, present):
    """n rules in d; the first `present` have literals that occur in the log
    (the same ones for every n), the others literals that occur nowhere."""
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "gen.yaml"), "w") as f:
        f.write("rules:\n")
        for k in range(n):
            if k < present:
                lit = ["Cache hit for key", "Retrying request to", "flushed", "Worker process",
                       "Validation failed", "responded 200"][k % 6]
            else:
                lit = "".join(rnd.choice("bcdfghjklmnpqrstvwxz") for _ in range(8))
            f.write("  - id: gen-%d\n    literals: ['%s']\n" % (k, lit))
            f.write("    pattern: '%s\\s+code=(?<code>1\\d{4})'\n" % lit)


def main():
    ww = os.path.abspath(sys.argv[1])
    size = int(sys.argv[2]) if len(sys.argv) > 2 else 1024
    path = sys.argv[3] if len(sys.argv) > 3 else os.path.join(tempfile.gettempdir(),
                                                                "wsawatch-bench-%d.log" % size)
    if not os.path.exists(path) or os.path.getsize(path) < size << 20:
        subprocess.run([sys.executable, os.path.join(HERE, "genlog.py"), path, str(size)],
                       check=True)
    mb = os.path.getsize(path) / 1e6
    with open(path, "rb") as f:  # warm the page cache
        while f.read(1 << 24):
            pass
    rows = []
    t = best_of([ww, "scan", "--summary", path])
    rows.append(("wsawatch scan --summary (shipped rules)", t))
    t_json = best_of([ww, "scan", "--format", "json", path])
    rows.append(("wsawatch scan --format json > /dev/null", t_json))
    if shutil.which("rg"):
        rows.append(("rg -c (equivalent alternation)",
                     best_of(["rg", "-c", REFERENCE, path], stdout=subprocess.PIPE)))
    # A pipe, not /dev/null: GNU grep stops at the first match when its output is /dev/null.
    rows.append(("grep -cP (equivalent alternation)",
                 best_of(["grep", "-cP", REFERENCE, path], stdout=subprocess.PIPE)))
    rnd = random.Random(3)
    with tempfile.TemporaryDirectory() as d:
        gen_rules(os.path.join(d, "r10"), 10, rnd, 3)
        gen_rules(os.path.join(d, "r200"), 200, rnd, 3)
        t10 = best_of([ww, "scan", "--summary", "--no-builtin-rules", "--rules",
                       os.path.join(d, "r10"), path])
        t200 = best_of([ww, "scan", "--summary", "--no-builtin-rules", "--rules",
                        os.path.join(d, "r200"), path])
        tall = best_of([ww, "scan", "--summary", "--rules", os.path.join(d, "r200"), path])
    rows.append(("wsawatch, 10 generated rules", t10))
    rows.append(("wsawatch, 200 generated rules", t200))
    rows.append(("wsawatch, shipped + 200 generated rules", tall))
    print("file: %s, %.0f MB" % (path, mb))
    print("%-44s %9s %9s" % ("tool", "seconds", "MB/s"))
    for name, t in rows:
        print("%-44s %9.3f %9.0f" % (name, t, mb / t))
    rg = dict(rows).get("rg -c (equivalent alternation)")
    if rg:
        print("wsawatch / ripgrep throughput: %.2f (target >= 0.5)" % (rg / rows[0][1]))
    print("200 rules / 10 rules time: %.2f (target <= 1.5)" % (t200 / t10))


if __name__ == "__main__":
    main()
