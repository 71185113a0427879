#!/usr/bin/env python3
"""Merges the --json-summary files of several diff.py runs (the chunks of
scripts/differential-long.sh) into one report: totals, generation yield, the reference's
outcome distribution, skip reasons, and every disagreement with its seed/index, export,
expected (reference) and got (skiff) outcomes and a repro command.

Usage: summarize.py CHUNK.json...      Exit: 0 no disagreement, 1 disagreements,
                                       2 a chunk is missing or unreadable
"""
from __future__ import annotations

import collections
import json
import sys


def main(paths: list[str]) -> int:
    if not paths:
        print(__doc__, file=sys.stderr)
        return 2
    total = collections.Counter()
    gen = collections.Counter()
    ref = collections.Counter()
    skips = collections.Counter()
    failures, nan_skips, broken, elapsed, seeds = [], [], [], 0.0, set()
    for p in paths:
        try:
            with open(p, encoding="utf-8") as f:
                d = json.load(f)
        except (OSError, ValueError) as e:
            broken.append(f"{p}: {e}")
            continue
        seeds.add(d["seed"])
        for k in ("modules", "functions", "other_exports", "passed", "failed", "skipped"):
            total[k] += d[k]
        gen.update(d.get("generated") or {})
        ref.update(d["reference"])
        skips.update(d["skip_reasons"])
        failures += d["failures"]
        nan_skips += d.get("nan_skips", [])
        elapsed = max(elapsed, d["elapsed"])
    print(f"chunks: {len(paths) - len(broken)} of {len(paths)} read; seed(s) "
          + ", ".join(str(s) for s in sorted(seeds)))
    for b in broken:
        print(f"MISSING {b}")
    if gen:
        print(f"generated {gen['total']}: {gen['kept']} kept, {gen['invalid']} invalid, "
              f"{gen['imports']} with imports, {gen['opt-failed']} wasm-opt failures")
    print(f"{total['modules']} modules, {total['functions']} exported functions "
          f"({total['other_exports']} other exports ignored)")
    print("reference: " + ", ".join(f"{k} {v}" for k, v in ref.most_common()))
    for reason, n in skips.most_common(5):
        print(f"skipped {n}: {reason}")
    if nan_skips:
        where = [f"s{n['seed']}_{n['index']}:{n['export']}" if n["index"] is not None
                 else f"{n['module']}:{n['export']}"
                 for n in sorted(nan_skips, key=lambda n: (n["seed"] or 0, n["index"] or 0, n["export"]))]
        print(f"NaN-freedom skips (seed_index:export): {' '.join(where)}")
    by_reason = collections.Counter(f["reason"] for f in failures)
    for f in sorted(failures, key=lambda f: (f["seed"] or 0, f["index"] or 0, f["export"])):
        where = (f"seed {f['seed']} index {f['index']}" if f["seed"] is not None
                 else f["module"])
        print(f"FAIL {where} {f['export']} {f['signature']}: {f['reason']}\n"
              f"  expected (wasm-interp): {f['reference']}\n"
              f"  got (skiff):            {f['skiff']}"
              + (f"  [{f['skiff_detail']}]" if f.get("skiff_detail") else "")
              + (f"\n  {f['v8']}" if f.get("v8") else "") +
              f"\n  repro: {f['repro']}")
    if failures:
        print("disagreements by reason: " + "; ".join(f"{n}x {r}" for r, n in by_reason.most_common()))
        by_v8 = collections.Counter((f.get("v8") or "V8 not run").split(":")[0] for f in failures)
        print("third opinion: " + "; ".join(f"{n}x {r}" for r, n in by_v8.most_common()) +
              " (V8 siding with skiff suggests NaN bits the spec leaves open, which the"
              " comparison cannot see once integer operations consumed them)")
    print(f"{total['passed']} passed, {total['failed']} failed, {total['skipped']} skipped")
    if broken:
        return 2
    return 1 if total["failed"] else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
