#!/usr/bin/env python3
"""Rewrites a module so that every float *arithmetic* result that is a NaN becomes the
positive canonical NaN (f32 0x7fc00000, f64 0x7ff8000000000000, per lane for SIMD).

Why: the spec lets an engine return any NaN from arithmetic (any sign; any payload when
an input NaN is not canonical). wasm-interp always returns +canonical; skiff and V8 use
the CPU's choice (x86 propagates the input payload, or makes 0xffc00000). Once integer
code consumes such bits (i32.reinterpret, i16x8.extract_lane, a store then a load, a
select on them ...) the two engines legitimately compute different things, even traps.
Both engines run the rewritten module, so a disagreement that survives it is not NaN
freedom; one that vanishes was (diff.py then skips the case, saying so).

Only the operations with NaN freedom are rewritten: add sub mul div sqrt min max ceil
floor trunc nearest, promote/demote, and their f32x4/f64x2 forms. abs, neg, copysign,
reinterpret, loads/stores, pmin/pmax and moves must keep bits exactly and are left as
they are, so a bug there is still seen. After each rewritten instruction:
    local.tee $t  const(+canonical)  local.get $t  local.get $t  eq  select
(v128: v128.const, f32x4.eq/f64x2.eq and v128.bitselect), with $t a scratch local added
to the function.

Usage: canon_nan.py IN.wasm OUT.wasm
"""
from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from reference import (SEC_CODE, VALTYPE_CODES, WasmFormatError, enc_uleb,  # noqa: E402
                       parse_module, uleb)

F32_NAN = bytes.fromhex("0000c07f")
F64_NAN = bytes.fromhex("000000000000f87f")

# Opcodes whose result may be any NaN -> the kind of scratch local the fix-up needs.
SCALAR = {op: "f32" for op in (0x8D, 0x8E, 0x8F, 0x90, 0x91, 0x92, 0x93, 0x94, 0x95, 0x96, 0x97,
                               0xB6)}                  # f32 ceil..max, f32.demote_f64
SCALAR.update({op: "f64" for op in (0x9B, 0x9C, 0x9D, 0x9E, 0x9F, 0xA0, 0xA1, 0xA2, 0xA3, 0xA4,
                                    0xA5, 0xBB)})      # f64 ceil..max, f64.promote_f32
SIMD = {op: "f32x4" for op in (0x67, 0x68, 0x69, 0x6A, 0xE3, 0xE4, 0xE5, 0xE6, 0xE7, 0xE8, 0xE9,
                               0x5E)}                  # f32x4 ceil floor trunc nearest sqrt add..max, demote
SIMD.update({op: "f64x2" for op in (0x74, 0x75, 0x7A, 0x94, 0xEF, 0xF0, 0xF1, 0xF2, 0xF3, 0xF4,
                                    0xF5, 0x5F)})      # f64x2 ceil floor trunc nearest sqrt add..max, promote


def fixup(kind: str, local: int) -> bytes:
    t = enc_uleb(local)
    tee, get = b"\x22" + t, b"\x20" + t
    if kind == "f32":
        return tee + b"\x43" + F32_NAN + get + get + b"\x5b" + b"\x1b"          # f32.eq select
    if kind == "f64":
        return tee + b"\x44" + F64_NAN + get + get + b"\x61" + b"\x1b"          # f64.eq select
    canon = F32_NAN * 4 if kind == "f32x4" else F64_NAN * 2
    eq = b"\xfd\x41" if kind == "f32x4" else b"\xfd\x47"                         # f32x4.eq / f64x2.eq
    return tee + b"\xfd\x0c" + canon + get + get + eq + b"\xfd\x52"             # v128.bitselect


def _skip_blocktype(code: bytes, p: int) -> int:
    b = code[p]
    if b == 0x40 or b in (0x7F, 0x7E, 0x7D, 0x7C, 0x7B, 0x70, 0x6F):
        return p + 1
    while code[p] & 0x80:            # s33 type index
        p += 1
    return p + 1


def _skip_leb(code: bytes, p: int, n: int = 1) -> int:
    for _ in range(n):
        while code[p] & 0x80:
            p += 1
        p += 1
    return p


def rewrite_body(code: bytes, p: int, end: int, locals_base: int) -> tuple[bytes, list[str]]:
    """The instructions code[p:end] rewritten, and the scratch local types used, in order
    (locals_base is the index of the first scratch local)."""
    out = bytearray()
    kinds: list[str] = []

    def local_for(kind: str) -> int:
        t = "v128" if kind in ("f32x4", "f64x2") else kind
        if t not in kinds:
            kinds.append(t)
        return locals_base + kinds.index(t)

    while p < end:
        start = p
        op = code[p]
        p += 1
        fix = None
        if op in (0x02, 0x03, 0x04):
            p = _skip_blocktype(code, p)
        elif op in (0x0C, 0x0D, 0x10, 0x20, 0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0xD2):
            p = _skip_leb(code, p)
        elif op == 0x0E:                               # br_table
            n, p = uleb(code, p)
            p = _skip_leb(code, p, n + 1)
        elif op == 0x11:                               # call_indirect type table
            p = _skip_leb(code, p, 2)
        elif op == 0x1C:                               # select t*
            n, p = uleb(code, p)
            p += n
        elif 0x28 <= op <= 0x3E:                       # memarg
            p = _skip_leb(code, p, 2)
        elif op in (0x3F, 0x40):
            p += 1
        elif op in (0x41, 0x42):
            p = _skip_leb(code, p)
        elif op == 0x43:
            p += 4
        elif op == 0x44:
            p += 8
        elif op == 0xD0:
            p += 1
        elif op == 0xFC:
            sub, p = uleb(code, p)
            if sub <= 7:
                pass
            elif sub in (8, 12, 14):                   # memory.init d 0 / table.init e t / table.copy t t
                p = _skip_leb(code, p, 2)
            elif sub in (9, 11, 13, 15, 16, 17):
                p = _skip_leb(code, p)
            elif sub == 10:                            # memory.copy 0 0
                p = _skip_leb(code, p, 2)
            else:
                raise WasmFormatError(f"unknown 0xfc opcode {sub}")
        elif op == 0xFD:
            sub, p = uleb(code, p)
            if sub <= 11 or sub in (92, 93):           # loads/stores: memarg
                p = _skip_leb(code, p, 2)
            elif sub in (12, 13):                      # v128.const / i8x16.shuffle
                p += 16
            elif 21 <= sub <= 34:                      # extract/replace lane
                p += 1
            elif 84 <= sub <= 91:                      # load/store lane: memarg lane
                p = _skip_leb(code, p, 2) + 1
            elif sub in SIMD:
                fix = SIMD[sub]
        elif op in SCALAR:
            fix = SCALAR[op]
        elif op > 0xD2 and op not in (0xFC, 0xFD):
            raise WasmFormatError(f"unknown opcode 0x{op:02x}")
        out += code[start:p]
        if fix:
            out += fixup(fix, local_for(fix))
    return bytes(out), kinds


def canonicalize(data: bytes) -> bytes:
    module = parse_module(data)
    if module.num_imported_funcs:
        raise WasmFormatError("modules with imported functions are not supported")
    sections = []
    for sid, payload in module.sections:
        if sid != SEC_CODE:
            sections.append((sid, payload))
            continue
        n, p = uleb(payload, 0)
        bodies = []
        for i in range(n):
            size, p = uleb(payload, p)
            end = p + size
            nlocals, q = uleb(payload, p)
            decls = []
            count = len(module.types[module.func_types[i]][0])     # params
            for _ in range(nlocals):
                c, q2 = uleb(payload, q)
                decls.append(payload[q:q2 + 1])
                count += c
                q = q2 + 1
            code, kinds = rewrite_body(payload, q, end, count)
            decls += [b"\x01" + bytes([VALTYPE_CODES[k]]) for k in kinds]
            body = enc_uleb(len(decls)) + b"".join(decls) + code
            bodies.append(enc_uleb(len(body)) + body)
            p = end
        sections.append((sid, enc_uleb(n) + b"".join(bodies)))
    out = bytearray(b"\0asm\x01\0\0\0")
    for sid, payload in sections:
        out += bytes([sid]) + enc_uleb(len(payload)) + payload
    return bytes(out)


def main() -> int:
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    with open(sys.argv[1], "rb") as f:
        data = f.read()
    with open(sys.argv[2], "wb") as f:
        f.write(canonicalize(data))
    return 0


if __name__ == "__main__":
    sys.exit(main())
