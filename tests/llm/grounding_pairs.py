#!/usr/bin/env python3
"""The grounding checker's bar (issue 17): pairs of a model-like answer and its sources, half
faithful, half with one figure, unit, date, phone number or negation changed, piped through
`zhixian llm check --json`. Passes when every changed answer is rejected and at most 2% of the
faithful ones are.

usage: grounding_pairs.py ZHIXIAN_BINARY PAIRS_FILE
"""
import json
import subprocess
import sys


def main():
    if len(sys.argv) != 3:
        print(__doc__.strip().splitlines()[-1], file=sys.stderr)
        return 2
    binary, pairs_file = sys.argv[1], sys.argv[2]
    pairs = []
    with open(pairs_file, encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            if line.strip():
                try:
                    pairs.append(json.loads(line))
                except json.JSONDecodeError as e:
                    print(f"{pairs_file}:{number}: {e}", file=sys.stderr)
                    return 2
    stdin = "".join(
        json.dumps({"answer": p["answer"], "sources": p["sources"]}, ensure_ascii=False) + "\n"
        for p in pairs)
    run = subprocess.run([binary, "llm", "check", "--json"], input=stdin, capture_output=True,
                         text=True, encoding="utf-8")
    verdicts = [json.loads(l) for l in run.stdout.splitlines() if l.strip()]
    if run.returncode != 0 or len(verdicts) != len(pairs):
        print(f"zhixian llm check failed (exit {run.returncode}, {len(verdicts)} verdicts for "
              f"{len(pairs)} pairs): {run.stderr.strip()}", file=sys.stderr)
        return 1
    changed = [(p, v) for p, v in zip(pairs, verdicts) if p["expect"] == "reject"]
    faithful = [(p, v) for p, v in zip(pairs, verdicts) if p["expect"] != "reject"]
    missed = [(p, v) for p, v in changed if v["ok"]]
    rejected = [(p, v) for p, v in faithful if not v["ok"]]
    caught = len(changed) - len(missed)

    def pct(n, m):
        return 100.0 * n / m if m else 0.0

    print(f"changed caught {caught}/{len(changed)} ({pct(caught, len(changed)):.1f}%)")
    print(f"faithful rejected {len(rejected)}/{len(faithful)} "
          f"({pct(len(rejected), len(faithful)):.1f}%)")
    for p, v in missed:
        print(f"  missed {p['id']} ({p.get('change', '')}): {p['answer']}")
    for p, v in rejected:
        problems = "; ".join(f"{x['kind']}: {x['text']}" for x in v["problems"])
        print(f"  rejected {p['id']}: {problems}")
    by_change = {}
    for p, v in changed:
        c = p.get("change", "")
        n, m = by_change.get(c, (0, 0))
        by_change[c] = (n + (0 if v["ok"] else 1), m + 1)
    print("by change: " + ", ".join(f"{c} {n}/{m}" for c, (n, m) in sorted(by_change.items())))
    ok = not missed and len(rejected) <= 0.02 * len(faithful)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
