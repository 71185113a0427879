#!/usr/bin/env python3
"""Explains one disagreement of diff.py: runs the export in wasm-interp, skiff and (when
node is there) V8, shows every result and state value of the three side by side with
float readings (NaNs marked), and when the memory hash differs, bisects linear memory
(hashes of ranges, then single 8-byte words) to list the words that differ.

Usage: triage.py --skiff PATH MODULE.wasm EXPORT [--max-words N]
The export is called with zero arguments (null references), as diff.py does.
"""
from __future__ import annotations

import argparse
import os
import shutil
import struct
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import diff  # noqa: E402
import reference  # noqa: E402


range_hash_observer = reference.range_hash_observer
word_observer = reference.word_observer


class Engines:
    def __init__(self, skiff: list[str], module: reference.Module, export: reference.Export,
                 tmp: str):
        self.skiff, self.module, self.export, self.tmp = skiff, module, export, tmp
        self.node = shutil.which("node")

    def _probe(self, observers, split=False) -> bytes:
        return reference.build_probe(self.module, self.export,
                                     reference.zero_args(self.export.params),
                                     observers=observers, split_v128=split)

    def run(self, observers) -> dict[str, reference.Outcome]:
        """Outcome per engine; values in the probe's own types (f32 as i32 bits ...)."""
        types = self.export.results + tuple(t for t, _ in observers)
        ptypes = tuple(reference.PROBE_RESULT[t] for t in types)
        probe = self._probe(observers)
        out = {"wasm-interp": reference.run_probe(probe, types, exact_nan=True)}
        path = os.path.join(self.tmp, "probe.wasm")
        with open(path, "wb") as f:
            f.write(probe)
        out["skiff"] = diff.run_skiff(self.skiff, path, reference.Export("probe", "func", 0, (), ptypes),
                                      30.0)
        if out["skiff"].kind == "values":
            out["skiff"].values = reference.from_probe_values(out["skiff"].values, types, True)
        if self.node:
            out["V8"] = diff.run_v8(self._probe(observers, split=True), types, self.tmp)
        return out


def reading(value: str) -> str:
    """Float readings of a normalized value, NaNs marked."""
    kind, _, text = value.partition(":")
    if kind in ("i64", "f64") and text.startswith("0x"):
        bits = int(text, 16)
        f64 = struct.unpack("<d", bits.to_bytes(8, "little"))[0]
        lo, hi = bits & 0xFFFFFFFF, bits >> 32
        f32s = [struct.unpack("<f", x.to_bytes(4, "little"))[0] for x in (lo, hi)]
        return f"f64 {f64!r}  f32x2 {f32s[0]!r} {f32s[1]!r}"
    if kind in ("i32", "f32") and text.startswith("0x"):
        return f"f32 {struct.unpack('<f', int(text, 16).to_bytes(4, 'little'))[0]!r}"
    return ""


def show(outcomes: dict[str, reference.Outcome], labels: list[str]) -> None:
    for name, o in outcomes.items():
        if o.kind != "values":
            print(f"  {name:12} {o}")
    vals = {n: o.values for n, o in outcomes.items() if o.kind == "values"}
    for i, label in enumerate(labels):
        row = {n: v[i] for n, v in vals.items() if i < len(v)}
        same = len(set(row.values())) <= 1
        print(f"  {label}{'' if same else '   <-- differs'}")
        for n, v in row.items():
            r = reading(v)
            print(f"    {n:12} {v}" + (f"   ({r})" if r and not same else ""))


def bisect_memory(engines: Engines, size: int, max_words: int) -> None:
    found = []
    scratch = len(engines.export.results) + 1   # the probe's i32/i64 locals after one observer

    def hashes(lo: int, hi: int) -> dict[str, str]:
        out = engines.run([range_hash_observer(lo, hi, scratch)])
        return {n: (o.values[-1] if o.kind == "values" else str(o)) for n, o in out.items()}

    def walk(lo: int, hi: int) -> None:
        if len(found) >= max_words:
            return
        h = hashes(lo, hi)
        if h["wasm-interp"] == h["skiff"] and ("V8" not in h or h["V8"] == h["skiff"]):
            return
        if hi - lo <= 8:
            out = engines.run([word_observer(lo)])
            found.append((lo, {n: (o.values[-1] if o.kind == "values" else str(o))
                               for n, o in out.items()}))
            return
        mid = lo + ((hi - lo) // 16) * 8 if hi - lo >= 16 else lo + 8
        walk(lo, mid)
        walk(mid, hi)

    walk(0, size)
    print(f"memory words that differ (first {max_words} at most):")
    for addr, vals in found:
        print(f"  address {addr:#x}:")
        for n, v in vals.items():
            r = reading(v)
            print(f"    {n:12} {v}" + (f"   ({r})" if r else ""))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--skiff", required=True)
    ap.add_argument("module")
    ap.add_argument("export")
    ap.add_argument("--max-words", type=int, default=16)
    ns = ap.parse_args()
    module = reference.load_module(ns.module)
    exports = [e for e in module.exports if e.name == ns.export and e.kind == "func"]
    if not exports:
        print(f"no exported function {ns.export!r}", file=sys.stderr)
        return 2
    export = exports[0]
    with tempfile.TemporaryDirectory() as tmp:
        engines = Engines([ns.skiff], module, export, tmp)
        scratch = len(export.results) + len(reference.state_observers(module))
        observers = reference.state_observers(module, scratch)
        out = engines.run(observers)
        labels = ([f"result {i} ({t})" for i, t in enumerate(export.results)] +
                  reference.state_labels(module))
        print(f"{ns.module} {export.name} {diff.signature(export)}")
        show(out, labels)
        ref = out["wasm-interp"]
        if ref.kind == "values" and reference.has_memory(module):
            hash_at = len(export.results) + 1
            vals = [o.values[hash_at] for o in out.values() if o.kind == "values"]
            if len(set(vals)) > 1:
                size = int(ref.values[hash_at - 1].partition(":")[2], 16) * 65536
                bisect_memory(engines, size, ns.max_words)
    return 0


if __name__ == "__main__":
    sys.exit(main())
