#!/usr/bin/env python3
"""Writes the two modules of the instantiation benchmark as .wat files.

  small.wat  1 page of memory, a 64-byte data segment, a 4-entry table, 6 functions
  large.wat  4 MiB of data segments (64 segments of 64 KiB, pseudo-random bytes) in
             80 pages of memory, 2000 functions, a 2000-entry table, 100 globals

Both export `run` (the same work in both: two data bytes read, four calls through the
table) so a cycle is instantiate + call + tear down, and the difference between the two
is what instantiation costs for a large module. The data is deterministic (a fixed LCG), so runs compare.
usage: gen_modules.py OUTDIR"""
import os
import sys


def lcg_bytes(n, seed):
    x = seed
    out = bytearray(n)
    for i in range(n):
        x = (x * 1103515245 + 12345) & 0x7FFFFFFF
        out[i] = (x >> 16) & 0xFF
    return bytes(out)


def wat_string(b):
    return "".join(f"\\{c:02x}" for c in b)


def module(nfuncs, pages, segments, seg_size, nglobals):
    lines = ["(module", f"  (memory (export \"memory\") {pages})",
             f"  (table {nfuncs} funcref)", "  (type $t (func (param i32) (result i32)))"]
    for g in range(nglobals):
        lines.append(f"  (global $g{g} (mut i32) (i32.const {g}))")
    for f in range(nfuncs):
        lines.append(f"  (func $f{f} (type $t) (i32.add (local.get 0) (i32.const {f})))")
    lines.append(f"  (elem (i32.const 0) func {' '.join(f'$f{f}' for f in range(nfuncs))})")
    for s in range(segments):
        data = lcg_bytes(seg_size, s + 1)
        lines.append(f"  (data (i32.const {s * seg_size}) \"{wat_string(data)}\")")
    # run: the same work in both modules, so that a cycle's time is the instantiation's:
    # read the first and the last data byte, call table entries 0-3.
    last = segments * seg_size - 1
    lines.append("  (func (export \"run\") (result i32) (local $acc i32)")
    lines.append(f"    (local.set $acc (i32.add (i32.load8_u (i32.const 0)) (i32.load8_u (i32.const {last}))))")
    for k in range(4):
        lines.append(f"    (local.set $acc (call_indirect (type $t) (local.get $acc) (i32.const {k})))")
    lines.append("    (local.get $acc))")
    lines.append(")")
    return "\n".join(lines) + "\n"


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "."
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "small.wat"), "w") as f:
        f.write(module(nfuncs=4, pages=1, segments=1, seg_size=64, nglobals=1))
    with open(os.path.join(out, "large.wat"), "w") as f:
        f.write(module(nfuncs=2000, pages=80, segments=64, seg_size=65536, nglobals=100))


if __name__ == "__main__":
    main()
