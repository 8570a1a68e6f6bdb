#!/usr/bin/python3
"""The assistant on bench/knowledge/hard-questions.tsv, per style: right (the topic), wrong (another
topic answered), asked back. Measures only: the set is never used to train or tune.

Usage: bench/knowledge/hard_questions.py [ZHIXIAN_BINARY] [TSV]   (from the repository root)
"""
import collections
import json
import subprocess
import sys
import tempfile

binary = sys.argv[1] if len(sys.argv) > 1 else "build/zhixian"
tsv = sys.argv[2] if len(sys.argv) > 2 else "bench/knowledge/hard-questions.tsv"
rows = [line.rstrip("\n").split("\t") for line in open(tsv, encoding="utf-8")][1:]
with tempfile.TemporaryDirectory() as data:
    out = subprocess.run([binary, "ask", "--json", "--data", data],
                         input="\n".join(r[1] for r in rows) + "\n", capture_output=True,
                         text=True, check=True, timeout=600).stdout.splitlines()
assert len(out) == len(rows), (len(out), len(rows))
by_style = collections.defaultdict(collections.Counter)
for (topic, _question, style), line in zip(rows, out):
    got = json.loads(line)["topic"]
    outcome = "asked_back" if got is None else "right" if got == topic else "wrong"
    by_style[style][outcome] += 1
    by_style["all"][outcome] += 1
print(f"{'style':15s} {'n':>4s} {'right':>7s} {'wrong':>7s} {'asked':>7s}")
for style in sorted(by_style, key=lambda s: (s == "all", s)):
    c = by_style[style]
    n = sum(c.values())
    print(f"{style:15s} {n:4d} {c['right'] / n:7.1%} {c['wrong'] / n:7.1%} {c['asked_back'] / n:7.1%}")
