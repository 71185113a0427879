#!/usr/bin/env python3
"""A stand-in for `skiff run MODULE --invoke NAME [ARGS...]` built on wabt's wasm-interp.

It implements the output contract of README.md exactly, so `diff.py --self-check` can
drive the whole pipeline (generation, reference, the CLI contract, the comparison) before
skiff has an interpreter, and it is an executable example of the contract.

With SKIFF_FAKE_CORRUPT=1 it flips the lowest bit of every integer/float result and turns
"integer overflow" traps into "integer divide by zero": the self-check's negative control.
"""
from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import reference  # noqa: E402

USAGE = "usage: fake_skiff.py run MODULE --invoke NAME [ARGS...]"


def contract_value(valtype: str, bits, corrupt: bool) -> str:
    """One stdout line of the contract: TYPE:VALUE."""
    if corrupt and valtype in ("i32", "i64", "f32", "f64"):
        bits ^= 1
    if valtype in ("i32", "i64"):
        return f"{valtype}:{bits}"                       # unsigned decimal
    if valtype == "f32":
        return f"f32:0x{bits:08x}"
    if valtype == "f64":
        return f"f64:0x{bits:016x}"
    if valtype == "v128":
        return "v128:" + " ".join(f"0x{lane:08x}" for lane in bits)
    return f"{valtype}:{'null' if bits else '0'}"        # references: null or an id


def main(argv: list[str]) -> int:
    if len(argv) < 4 or argv[0] != "run" or argv[2] != "--invoke":
        print(USAGE, file=sys.stderr)
        return 2
    path, name, args = argv[1], argv[3], argv[4:]
    corrupt = os.environ.get("SKIFF_FAKE_CORRUPT") == "1"
    try:
        module = reference.load_module(path)
    except (OSError, reference.WasmFormatError) as e:
        print(f"error: {path}: {e}", file=sys.stderr)
        return 2
    exports = [e for e in module.exports if e.name == name and e.kind == "func"]
    if not exports:
        print(f"error: no exported function {name!r}", file=sys.stderr)
        return 2
    export = exports[0]
    try:
        probe = reference.build_probe(module, export, args)
    except ValueError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    # exact_nan: report the bits the engine produced; the harness decides what is equal.
    outcome = reference.run_probe(probe, export.results, exact_nan=True)
    if outcome.kind == "trap":
        trap = outcome.trap
        if corrupt and trap == "integer overflow":
            trap = "integer divide by zero"
        print(f"trap: {trap}", file=sys.stderr)
        return 1
    if outcome.kind == "skip":
        if "call stack exhausted" in outcome.detail:
            print("trap: call stack exhausted", file=sys.stderr)
            return 1
        print(f"error: {outcome.detail}", file=sys.stderr)
        return 2
    for value, rtype in zip(outcome.values, export.results):
        kind, _, text = value.partition(":")
        if rtype == "v128":
            bits = [int(x, 16) for x in text.split()]
        elif rtype in ("funcref", "externref"):
            bits = 1 if text == "null" else 0
        else:
            bits = int(text, 16)
        print(contract_value(rtype, bits, corrupt))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
