#!/usr/bin/env python3
"""How the cost of `wsawatch scan` grows with the number of rules, on the
generated realistic log (genlog.py), beside ripgrep's `rg -c -F` with the
same literals as a reference run in the same process.

usage: rulecount.py WSAWATCH [SIZE_MIB=64] [COUNTS=10,200,1000,10000]

Three rule sets, each with --no-builtin-rules, so that only the rules differ:
- distinct: every rule has its own 8-letter literal that occurs nowhere in the
  log: the prefilter's per-byte cost and its false hits as its bitmap fills;
- shared prefix: every literal starts with "Retrying request to " (on about
  one line in ten of the log) and ends in its own word that occurs nowhere:
  each such line is a candidate for every rule, so PCRE2 runs once per rule
  there;
- realistic: the shipped rules plus N distinct ones, the shape of a site
  that adds its own rules to the shipped set.
Prints, for each count, the time to load and compile the rules (a scan of
/dev/null), the scan time without it, MB/s, and the scan time relative to
the smallest count.
"""
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
PREFIX = "Retrying request to "


def best_of(cmd, runs=3):
    best = None
    for _ in range(runs):
        t0 = time.perf_counter()
        p = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        dt = time.perf_counter() - t0
        if p.returncode not in (0, 1):
            raise SystemExit("%s failed: %s" % (cmd[0], p.stderr.decode()[:500]))
        best = dt if best is None else min(best, dt)
    return best


def word(rnd):
    return "".join(rnd.choice("bcdfghjklmnpqrstvwxz") for _ in range(8))


def write_rules(d, n, shape, seed=7):
    rnd = random.Random(seed)
    os.makedirs(d, exist_ok=True)
    lits = []
    with open(os.path.join(d, "gen.yaml"), "w") as f:
        f.write("rules:\n")
        for k in range(n):
            lit = (PREFIX + word(rnd)) if shape == "shared prefix" else word(rnd)
            lits.append(lit)
            f.write("  - id: gen-%d\n    literals: ['%s']\n" % (k, lit))
            f.write("    pattern: '%s\\s+code=(?<code>1\\d{4})'\n" % lit)
    return lits


def main():
    ww = os.path.abspath(sys.argv[1])
    size = int(sys.argv[2]) if len(sys.argv) > 2 else 64
    counts = [int(x) for x in (sys.argv[3] if len(sys.argv) > 3 else "10,200,1000,10000").split(",")]
    path = os.path.join(tempfile.gettempdir(), "wsawatch-bench-%d.log" % size)
    if not os.path.exists(path) or os.path.getsize(path) < size << 20:
        subprocess.run([sys.executable, os.path.join(HERE, "genlog.py"), path, str(size)],
                       check=True)
    mb = os.path.getsize(path) / 1e6
    with open(path, "rb") as f:
        while f.read(1 << 24):
            pass
    print("file: %s, %.0f MB" % (path, mb))
    print("%-15s %7s %8s %9s %8s %8s %12s" % ("rule set", "rules", "load s", "scan s", "MB/s",
                                                "x first", "rg -c -F s"))
    with tempfile.TemporaryDirectory() as tmp:
        for shape in ("distinct", "shared prefix", "realistic"):
            first = None
            for n in counts:
                d = os.path.join(tmp, "%s-%d" % (shape.replace(" ", "-"), n))
                lits = write_rules(d, n, "distinct" if shape == "realistic" else shape)
                cmd = [ww, "scan", "--summary", "--rules", d, path]
                if shape != "realistic":
                    cmd.insert(3, "--no-builtin-rules")
                load = best_of(cmd[:-1] + [os.devnull])
                t = max(best_of(cmd) - load, 1e-3)
                first = first or t
                rg = "-"
                if shutil.which("rg"):
                    pats = os.path.join(tmp, "pats-%s-%d" % (shape.replace(" ", "-"), n))
                    with open(pats, "w") as f:
                        f.write("\n".join(lits) + "\n")
                    rg = "%.3f" % best_of(["rg", "-c", "-F", "-f", pats, path])
                print("%-15s %7d %8.3f %9.3f %8.0f %8.2f %12s" % (shape, n, load, t, mb / t,
                                                                 t / first, rg))


if __name__ == "__main__":
    main()
