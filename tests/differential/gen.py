#!/usr/bin/env python3
"""Generates random valid WebAssembly 2.0 modules with binaryen's translate-to-fuzz.

Module i of seed S is made from random bytes drawn from Random(f"{S}:{i}"), so a seed
reproduces the same files (for a given binaryen version): `gen.py --seed S --first I
--count 1` regenerates just module I. Each candidate is run through
`wasm-opt -ttf FEATURES --remove-imports` and kept only if wabt's `wasm-validate` accepts
it (with its default features, i.e. WebAssembly 2.0) and it has no imports left.

Usage: gen.py --out DIR [--count N] [--seed S] [--first I] [--profile P] [--quiet]
Prints one summary line; --verbose prints why each candidate was dropped.
"""
from __future__ import annotations

import argparse
import concurrent.futures
import os
import random
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import reference  # noqa: E402

WASM_OPT = os.environ.get("WASM_OPT", "wasm-opt")
WASM_VALIDATE = os.environ.get("WASM_VALIDATE", "wasm-validate")

# WebAssembly 2.0 = MVP + these. Binaryen 108's reference-types mode models externref
# as its `anyref` with funcref as a subtype, so it passes funcref where externref is
# expected and almost nothing it emits validates (README.md "Tool problems"); the
# default profile therefore leaves reference types out, "wasm2" keeps them (and relies
# on the wasm-validate filter).
BASE = ["--mvp-features", "--enable-sign-ext", "--enable-nontrapping-float-to-int",
        "--enable-bulk-memory", "--enable-multivalue", "--enable-simd",
        "--enable-mutable-globals"]
PROFILES = {
    "wasm2-noref": BASE,
    "wasm2": BASE + ["--enable-reference-types"],
    "mvp": ["--mvp-features"],
}
# Sizes of the random input; translate-to-fuzz turns more bytes into more code.
MIN_BYTES, MAX_BYTES = 1024, 16384


def module_name(seed: int, index: int) -> str:
    return f"s{seed}_{index:05d}.wasm"


def random_input(seed: int, index: int) -> bytes:
    rng = random.Random(f"{seed}:{index}")
    size = rng.randint(MIN_BYTES, MAX_BYTES)
    return rng.randbytes(size)


def generate_one(seed: int, index: int, out_dir: str, flags: list[str],
                 timeout: float = 60.0) -> tuple[str, str]:
    """Returns (status, detail): status is kept | opt-failed | invalid | imports."""
    dest = os.path.join(out_dir, module_name(seed, index))
    with tempfile.TemporaryDirectory() as tmp:
        raw = os.path.join(tmp, "in.bin")
        cand = os.path.join(tmp, "out.wasm")
        with open(raw, "wb") as f:
            f.write(random_input(seed, index))
        # --remove-imports turns binaryen's "fuzzing-support" logging imports (always
        # added by -ttf) into nops; a ref.func of such an import makes wasm-opt fail.
        try:
            proc = subprocess.run([WASM_OPT, raw, "-ttf", *flags, "--remove-imports", "-o", cand],
                                  capture_output=True, text=True, errors="replace", timeout=timeout)
        except subprocess.TimeoutExpired:
            return "opt-failed", "wasm-opt timed out"
        if proc.returncode != 0 or not os.path.exists(cand):
            lines = [l for l in proc.stderr.splitlines() if l.strip()]
            return "opt-failed", (lines[0] if lines else f"exit {proc.returncode}")[:200]
        val = subprocess.run([WASM_VALIDATE, cand], capture_output=True, text=True,
                             errors="replace", timeout=timeout)
        if val.returncode != 0:
            lines = [l for l in val.stderr.splitlines() if l.strip()]
            return "invalid", (lines[0] if lines else f"exit {val.returncode}")[:200]
        try:
            module = reference.load_module(cand)
        except (reference.WasmFormatError, IndexError) as e:
            return "invalid", f"harness cannot parse: {e}"
        if module.imports:
            return "imports", ", ".join(f"{m}.{n}" for m, n, _ in module.imports[:3])
        os.replace(cand, dest)
        return "kept", dest


def generate(out_dir: str, count: int, seed: int, first: int = 0, profile: str = "wasm2-noref",
             jobs: int | None = None, verbose: bool = False) -> dict:
    os.makedirs(out_dir, exist_ok=True)
    flags = PROFILES[profile]
    stats = {"kept": 0, "opt-failed": 0, "invalid": 0, "imports": 0, "paths": []}
    with concurrent.futures.ThreadPoolExecutor(jobs or os.cpu_count() or 2) as pool:
        futures = [pool.submit(generate_one, seed, i, out_dir, flags)
                   for i in range(first, first + count)]
        for i, fut in zip(range(first, first + count), futures):
            status, detail = fut.result()
            stats[status] += 1
            if status == "kept":
                stats["paths"].append(detail)
            elif verbose:
                print(f"{module_name(seed, i)}: {status}: {detail}", file=sys.stderr)
    return stats


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", required=True)
    ap.add_argument("--count", type=int, default=100)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--first", type=int, default=0, help="index of the first module")
    ap.add_argument("--profile", choices=sorted(PROFILES), default="wasm2-noref")
    ap.add_argument("-j", "--jobs", type=int)
    ap.add_argument("--verbose", action="store_true")
    ns = ap.parse_args()
    s = generate(ns.out, ns.count, ns.seed, ns.first, ns.profile, ns.jobs, ns.verbose)
    print(f"{ns.count} generated: {s['kept']} kept, {s['invalid']} invalid, "
          f"{s['imports']} with imports, {s['opt-failed']} wasm-opt failures -> {ns.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
