#!/usr/bin/env python3
"""Score the shipped rules against the labelled corpus of real log lines.

usage: score_corpus.py WSAWATCH_BINARY CORPUS_JSONL [--rules DIR]

Writes the corpus lines (one per line, '\\n'-terminated, UTF-8) to a temporary
file, runs `WSAWATCH scan --format json TMPFILE`, maps every event back to its
line by `log.offset`, and compares the predicted (line id, code) pairs with
the labelled ones, leaving out lines labelled `ambiguous`. Prints precision,
recall, recall by `how` (number, symbol, hex, message), and every false
positive and false negative. Exits 1 unless precision >= 0.995 and recall >=
0.97, 2 when the binary fails.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

MIN_PRECISION = 0.995
MIN_RECALL = 0.97
HOWS = ("number", "symbol", "hex", "message")


def load_corpus(path):
    items = []
    with open(path, encoding="utf-8") as f:
        for n, raw in enumerate(f, 1):
            raw = raw.strip()
            if not raw:
                continue
            try:
                item = json.loads(raw)
            except json.JSONDecodeError as e:
                sys.exit(f"{path}:{n}: {e}")
            if "\n" in item["line"] or "\r" in item["line"]:
                sys.exit(f"{path}:{n}: line {item['id']} holds a line break")
            items.append(item)
    return items


def run_scan(binary, lines_path, rules):
    cmd = [binary, "scan", "--format", "json"]
    for r in rules or []:
        cmd += ["--rules", r]
    cmd.append(lines_path)
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if p.returncode not in (0, 1):
        sys.stderr.write(p.stderr.decode(errors="replace"))
        sys.exit(f"{' '.join(cmd)}: exit status {p.returncode}")
    events = []
    for n, raw in enumerate(p.stdout.decode("utf-8", errors="replace").splitlines(), 1):
        if not raw.strip():
            continue
        try:
            events.append(json.loads(raw))
        except json.JSONDecodeError as e:
            sys.exit(f"scan output line {n} is not JSON ({e}): {raw[:200]}")
    if p.returncode == 1 and events:
        sys.exit("scan exited 1 (nothing found) but printed events")
    return events


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("binary")
    ap.add_argument("corpus")
    ap.add_argument("--rules", action="append", help="extra rules directory (repeatable)")
    args = ap.parse_args()

    items = load_corpus(args.corpus)
    by_offset = {}
    with tempfile.NamedTemporaryFile("wb", suffix=".log", delete=False) as tmp:
        off = 0
        for item in items:
            data = item["line"].encode("utf-8") + b"\n"
            by_offset[off] = item
            tmp.write(data)
            off += len(data)
        tmp_path = tmp.name
    try:
        events = run_scan(args.binary, tmp_path, args.rules)
    finally:
        os.unlink(tmp_path)

    predicted = {}  # (id, code) -> rule id
    unmapped = 0
    for ev in events:
        item = by_offset.get(ev.get("log", {}).get("offset"))
        code = ev.get("winsock", {}).get("code")
        if item is None or code is None:
            unmapped += 1
            continue
        predicted.setdefault((item["id"], code), ev.get("rule", {}).get("id", "?"))

    scored = [i for i in items if i["how"] != "ambiguous"]
    scored_ids = {i["id"] for i in scored}
    by_id = {i["id"]: i for i in items}
    truth = {(i["id"], c) for i in scored for c in i["codes"]}
    pred = {k for k in predicted if k[0] in scored_ids}
    tp = truth & pred
    fp = sorted(pred - truth)
    fn = sorted(truth - pred)
    precision = len(tp) / len(pred) if pred else 1.0
    recall = len(tp) / len(truth) if truth else 1.0

    print(f"corpus: {len(items)} lines, {len(items) - len(scored)} ambiguous left out, "
          f"{len(truth)} labelled (line, code) pairs; {len(events)} events")
    print(f"precision: {precision:.4f} ({len(tp)}/{len(pred)})")
    print(f"recall:    {recall:.4f} ({len(tp)}/{len(truth)})")
    for how in HOWS:
        t = {k for k in truth if by_id[k[0]]["how"] == how}
        if t:
            print(f"  recall {how:8s} {len(t & pred) / len(t):.4f} ({len(t & pred)}/{len(t)})")
    amb = {(i["id"], c) for i in items if i["how"] == "ambiguous" for c in i["codes"]}
    amb_pred = {k for k in predicted if k[0] not in scored_ids}
    print(f"ambiguous lines (not scored): {len(amb & amb_pred)}/{len(amb)} labelled pairs found, "
          f"{len(amb_pred - amb)} other codes")
    if unmapped:
        print(f"events not mapped to a corpus line: {unmapped}")
    if fp:
        print(f"\nfalse positives ({len(fp)}):")
        for lid, code in fp:
            print(f"  {lid} {code} [{predicted[(lid, code)]}] {by_id[lid]['line'][:240]}")
    if fn:
        print(f"\nfalse negatives ({len(fn)}):")
        for lid, code in fn:
            print(f"  {lid} {code} ({by_id[lid]['how']}) {by_id[lid]['line'][:240]}")
    ok = precision >= MIN_PRECISION and recall >= MIN_RECALL
    print(f"\n{'PASS' if ok else 'FAIL'}: precision >= {MIN_PRECISION} and recall >= {MIN_RECALL}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
