#!/usr/bin/env python3
"""The reference side of the differential test: wabt's wasm-interp, made exact.

`wasm-interp --run-all-exports` on its own is not usable as an oracle (see README.md):
it prints floats with printf("%f") (1e-10 prints as 0.000000), skips every export that
takes parameters, and runs all exports in ONE instance so state leaks from one call to
the next. So for each exported function we build a *probe module*: the original module
with its exports replaced by one function, "probe", that calls the export with the given
arguments (zeros by default) and returns its results reinterpreted as integers
(f32 -> i32 bits, f64 -> i64 bits, references -> ref.is_null). wasm-interp then prints
exact bits, and every export runs on a fresh instance, as `skiff run --invoke` does.

Normalized results (strings, compared by `outcomes_match`):
  values  ["i32:0x0000002a", "f64:0x3ff0000000000000", "f32:nan",
           "v128:0x00000001 0x00000002 0x00000003 0xffffffff", "funcref:null"]
  trap    "trap:integer divide by zero"          (the spec's assert_trap wording)
  skip    the reference timed out, crashed, or hit an implementation limit

Usage: reference.py [--timeout S] MODULE.wasm...   (prints one line per export)
"""
from __future__ import annotations

import argparse
import dataclasses
import os
import re
import struct
import subprocess
import sys
import tempfile

WASM_INTERP = os.environ.get("WASM_INTERP", "wasm-interp")
DEFAULT_TIMEOUT = 10.0

# ---------------------------------------------------------------------------------------
# Minimal binary reader/writer: just enough to find exports, their signatures, and to
# append a wrapper function.

VALTYPES = {0x7F: "i32", 0x7E: "i64", 0x7D: "f32", 0x7C: "f64", 0x7B: "v128",
            0x70: "funcref", 0x6F: "externref"}
VALTYPE_CODES = {v: k for k, v in VALTYPES.items()}
EXPORT_KINDS = {0: "func", 1: "table", 2: "memory", 3: "global"}
SEC_TYPE, SEC_IMPORT, SEC_FUNC, SEC_GLOBAL, SEC_EXPORT, SEC_ELEM, SEC_CODE = 1, 2, 3, 6, 7, 9, 10
# Section order of the binary format (datacount, 12, sits between element and code).
SECTION_ORDER = {0: -1, 1: 1, 2: 2, 3: 3, 4: 4, 5: 5, 6: 6, 7: 7, 8: 8, 9: 9, 12: 10,
                 10: 11, 11: 12}


class WasmFormatError(Exception):
    pass


def uleb(data: bytes, pos: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        if pos >= len(data):
            raise WasmFormatError("truncated LEB128")
        b = data[pos]
        pos += 1
        result |= (b & 0x7F) << shift
        shift += 7
        if not b & 0x80:
            return result, pos


def enc_uleb(n: int) -> bytes:
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def enc_sleb(n: int) -> bytes:
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if (n == 0 and not b & 0x40) or (n == -1 and b & 0x40):
            out.append(b)
            return bytes(out)
        out.append(b | 0x80)


def enc_vec(items: list[bytes]) -> bytes:
    return enc_uleb(len(items)) + b"".join(items)


def enc_name(s: str) -> bytes:
    raw = s.encode("utf-8")
    return enc_uleb(len(raw)) + raw


@dataclasses.dataclass
class Export:
    name: str
    kind: str                     # func | table | memory | global
    index: int
    params: tuple[str, ...] = ()
    results: tuple[str, ...] = ()


@dataclasses.dataclass
class Module:
    sections: list[tuple[int, bytes]]          # (id, payload) in file order
    types: list[tuple[tuple[str, ...], tuple[str, ...]]]
    func_types: list[int]                      # type index per defined function
    imports: list[tuple[str, str, int]]        # (module, field, kind)
    exports: list[Export]
    globals: list[tuple[str, bool]] = dataclasses.field(default_factory=list)  # (type, mutable)

    @property
    def num_imported_funcs(self) -> int:
        return sum(1 for _, _, kind in self.imports if kind == 0)


def _read_valtype(data: bytes, pos: int) -> tuple[str, int]:
    code = data[pos]
    if code not in VALTYPES:
        raise WasmFormatError(f"unsupported value type 0x{code:02x}")
    return VALTYPES[code], pos + 1


def parse_module(data: bytes) -> Module:
    if data[:8] != b"\0asm\x01\0\0\0":
        raise WasmFormatError("not a wasm 1.0 binary")
    pos, sections = 8, []
    while pos < len(data):
        sid = data[pos]
        size, pos = uleb(data, pos + 1)
        sections.append((sid, data[pos:pos + size]))
        pos += size
    types, func_types, imports, raw_exports, globals_ = [], [], [], [], []
    for sid, body in sections:
        if sid == SEC_TYPE:
            n, p = uleb(body, 0)
            for _ in range(n):
                if body[p] != 0x60:
                    raise WasmFormatError("non-function type")
                p += 1
                sig = []
                for _ in range(2):
                    cnt, p = uleb(body, p)
                    vals = []
                    for _ in range(cnt):
                        t, p = _read_valtype(body, p)
                        vals.append(t)
                    sig.append(tuple(vals))
                types.append((sig[0], sig[1]))
        elif sid == SEC_IMPORT:
            n, p = uleb(body, 0)
            for _ in range(n):
                names = []
                for _ in range(2):
                    ln, p = uleb(body, p)
                    names.append(body[p:p + ln].decode("utf-8", "replace"))
                    p += ln
                kind = body[p]
                p += 1
                if kind == 0:                       # func: typeidx
                    _, p = uleb(body, p)
                elif kind == 1:                     # table: reftype limits
                    p += 1
                    p = _skip_limits(body, p)
                elif kind == 2:                     # memory: limits
                    p = _skip_limits(body, p)
                elif kind == 3:                     # global: valtype mut
                    p += 2
                else:
                    raise WasmFormatError(f"import kind {kind}")
                imports.append((names[0], names[1], kind))
        elif sid == SEC_FUNC:
            n, p = uleb(body, 0)
            for _ in range(n):
                t, p = uleb(body, p)
                func_types.append(t)
        elif sid == SEC_GLOBAL:
            n, p = uleb(body, 0)
            for _ in range(n):
                t, p = _read_valtype(body, p)
                mutable = body[p] == 1
                p = _skip_const_expr(body, p + 1)
                globals_.append((t, mutable))
        elif sid == SEC_EXPORT:
            n, p = uleb(body, 0)
            for _ in range(n):
                ln, p = uleb(body, p)
                name = body[p:p + ln].decode("utf-8", "replace")
                p += ln
                kind = body[p]
                idx, p = uleb(body, p + 1)
                raw_exports.append((name, kind, idx))
    module = Module(sections, types, func_types, imports, [], globals_)
    nimp = module.num_imported_funcs
    for name, kind, idx in raw_exports:
        exp = Export(name, EXPORT_KINDS.get(kind, f"kind{kind}"), idx)
        if kind == 0 and idx >= nimp and idx - nimp < len(func_types):
            exp.params, exp.results = types[func_types[idx - nimp]]
        module.exports.append(exp)
    return module


def _skip_const_expr(body: bytes, p: int) -> int:
    while True:
        op = body[p]
        p += 1
        if op == 0x0B:
            return p
        if op in (0x41, 0x42, 0x23, 0xD2):          # i32/i64.const, global.get, ref.func
            _, p = uleb(body, p)
        elif op == 0x43:
            p += 4
        elif op == 0x44:
            p += 8
        elif op == 0xD0:                            # ref.null t
            p += 1
        elif op == 0xFD:                            # v128.const
            _, p = uleb(body, p)
            p += 16
        else:
            raise WasmFormatError(f"unsupported constant expression opcode 0x{op:02x}")


def _skip_limits(body: bytes, p: int) -> int:
    flag = body[p]
    _, p = uleb(body, p + 1)
    if flag & 1:
        _, p = uleb(body, p)
    return p


def load_module(path: str) -> Module:
    with open(path, "rb") as f:
        return parse_module(f.read())


# ---------------------------------------------------------------------------------------
# Arguments: the same literal syntax `skiff run --invoke` accepts (README.md).

def parse_arg(text: str, valtype: str) -> bytes:
    """Returns the instruction bytes that push the argument `text` of type `valtype`.
    i32/i64: decimal or 0x hex, taken modulo 2^N. f32/f64: 0x hex is the bit pattern,
    anything else a decimal value ("0", "-1.5", "inf", "nan"). v128: "0" or 0x and 32 hex
    digits (the 128-bit little-endian integer). References: "null"."""
    if valtype in ("funcref", "externref"):
        if text != "null":
            raise ValueError(f"{valtype} argument must be 'null', got {text!r}")
        return bytes([0xD0, VALTYPE_CODES[valtype]])
    bits = {"i32": 32, "i64": 64, "f32": 32, "f64": 64, "v128": 128}[valtype]
    if valtype in ("f32", "f64") and not text.lower().startswith("0x"):
        raw = struct.pack("<f" if bits == 32 else "<d", float(text))
    else:
        n = int(text, 0) & ((1 << bits) - 1)
        raw = n.to_bytes(bits // 8, "little")
    if valtype in ("i32", "i64"):
        signed = n - (1 << bits) if n >= 1 << (bits - 1) else n
        return (b"\x41" if bits == 32 else b"\x42") + enc_sleb(signed)
    if valtype == "v128":
        return b"\xfd" + enc_uleb(12) + raw
    return (b"\x43" if valtype == "f32" else b"\x44") + raw


def zero_args(params: tuple[str, ...]) -> list[str]:
    """The arguments the harness passes: 0 for numbers and v128, null for references."""
    return ["null" if p in ("funcref", "externref") else "0" for p in params]


# ---------------------------------------------------------------------------------------
# Probe modules.

PROBE_RESULT = {"i32": "i32", "i64": "i64", "f32": "i32", "f64": "i64", "v128": "v128",
                "funcref": "i32", "externref": "i32"}
CONVERT = {"f32": b"\xbc", "f64": b"\xbd", "funcref": b"\xd1", "externref": b"\xd1"}


def has_memory(module: Module) -> bool:
    return any(sid == 5 and body[:1] != b"\x00" for sid, body in module.sections) or \
        any(kind == 2 for _, _, kind in module.imports)


def state_labels(module: Module) -> list[str]:
    """Names of the state_observers' values, for messages."""
    labels = ["memory.size", "memory hash"] if has_memory(module) else []
    nimp_globals = sum(1 for _, _, kind in module.imports if kind == 3)
    return labels + [f"global {nimp_globals + i}" for i, (_, m) in enumerate(module.globals) if m]


def state_observers(module: Module, scratch: int = 0) -> list[tuple[str, bytes]]:
    """What a state probe reads after the call: memory.size and a hash of all of linear
    memory (FNV-style over i64 words; needs two scratch locals, i32 at `scratch` and i64
    at `scratch + 1`), then every mutable global. (type, instruction bytes pushing it).
    Not binaryen's own `hashMemory` export: -ttf may have rewritten it into random code
    that traps or changes globals."""
    obs = []
    if has_memory(module):
        i, h = enc_uleb(scratch), enc_uleb(scratch + 1)
        hash_code = (
            b"\x41\x00\x21" + i +                          # i = 0
            b"\x42\x00\x21" + h +                          # h = 0
            b"\x02\x40\x03\x40" +                           # block loop
            b"\x20" + i + b"\x3f\x00\x41\x10\x74\x4f\x0d\x01" +  # br_if i >= size*64Ki
            b"\x20" + h + b"\x42" + enc_sleb(0x100000001B3) + b"\x7e" +
            b"\x20" + i + b"\x29\x03\x00\x85\x21" + h +      # h = h*P ^ load64(i)
            b"\x20" + i + b"\x41\x08\x6a\x21" + i +          # i += 8
            b"\x0c\x00\x0b\x0b" +                           # br 0 end end
            b"\x20" + h)
        obs.append(("i32", b"\x3f\x00"))                  # memory.size
        obs.append(("i64", hash_code))
    nimp_globals = sum(1 for _, _, kind in module.imports if kind == 3)
    for g, (t, mutable) in enumerate(module.globals):
        if mutable:
            obs.append((t, b"\x23" + enc_uleb(nimp_globals + g)))
    return obs


def _i32_const(n: int) -> bytes:
    return b"\x41" + enc_sleb(n - (1 << 32) if n >= 1 << 31 else n)


def range_hash_observer(lo: int, hi: int, scratch: int) -> tuple[str, bytes]:
    """An observer: the state probe's memory hash over bytes [lo, hi) only (8-byte steps;
    scratch locals as state_observers')."""
    i, h = enc_uleb(scratch), enc_uleb(scratch + 1)
    return ("i64",
            _i32_const(lo) + b"\x21" + i + b"\x42\x00\x21" + h +
            b"\x02\x40\x03\x40" +
            b"\x20" + i + _i32_const(hi) + b"\x4f\x0d\x01" +       # br_if i >= hi (unsigned)
            b"\x20" + h + b"\x42" + enc_sleb(0x100000001B3) + b"\x7e" +
            b"\x20" + i + b"\x29\x03\x00\x85\x21" + h +
            b"\x20" + i + b"\x41\x08\x6a\x21" + i +
            b"\x0c\x00\x0b\x0b" + b"\x20" + h)


def word_observer(addr: int) -> tuple[str, bytes]:
    """An observer: the i64 at memory address `addr`."""
    return ("i64", _i32_const(addr) + b"\x29\x03\x00")


def probe_results(module: Module, export: Export, observe: bool) -> tuple[str, ...]:
    """The original types of the values a probe returns (its own types: PROBE_RESULT)."""
    extra = tuple(t for t, _ in state_observers(module)) if observe else ()
    return export.results + extra


def build_probe(module: Module, export: Export, args: list[str], observe: bool = False,
                observers: list[tuple[str, bytes]] | None = None, split_v128: bool = False) -> bytes:
    """A copy of `module` whose only export, "probe", calls `export` with `args` and returns
    its results as integers; with `observe`, followed by the state_observers' values.
    `observers` replaces the state observers (same scratch locals: i32 then i64 after the
    results); `split_v128` returns each v128 as its four i32 lanes (JS cannot take v128)."""
    if export.kind != "func":
        raise ValueError("not a function")
    if len(args) != len(export.params):
        raise ValueError(f"{export.name} takes {len(export.params)} arguments, got {len(args)}")
    if observers is None:
        nobs = len(state_observers(module)) if observe else 0
        scratch = len(export.results) + nobs
        observers = state_observers(module, scratch) if observe else []
    else:
        observe = True
    results = export.results + tuple(t for t, _ in observers)
    out_types = [PROBE_RESULT[r] for r in results]
    if split_v128:
        out_types = [x for t in out_types for x in (["i32"] * 4 if t == "v128" else [t])]
    probe_type = (b"\x60" + enc_vec([bytes([VALTYPE_CODES[p]]) for p in ()]) +
                  enc_vec([bytes([VALTYPE_CODES[t]]) for t in out_types]))
    code = bytearray()
    for arg, ptype in zip(args, export.params):
        code += parse_arg(arg, ptype)
    code += b"\x10" + enc_uleb(export.index)
    for i in reversed(range(len(export.results))):
        code += b"\x21" + enc_uleb(i)              # local.set i
    for i, (_, instr) in enumerate(observers):
        code += instr + b"\x21" + enc_uleb(len(export.results) + i)
    for i, r in enumerate(results):
        if split_v128 and r == "v128":              # i32x4.extract_lane 0..3
            code += b"".join(b"\x20" + enc_uleb(i) + b"\xfd\x1b" + bytes([lane]) for lane in range(4))
            continue
        code += b"\x20" + enc_uleb(i) + CONVERT.get(r, b"")
    code += b"\x0b"
    locals_ = enc_vec([b"\x01" + bytes([VALTYPE_CODES[r]]) for r in results] +
                      ([b"\x01\x7f", b"\x01\x7e"] if observe else []))
    body = locals_ + bytes(code)
    body = enc_uleb(len(body)) + body

    # Dropping the exports would make `ref.func f` invalid where f was declared only by
    # being exported (the spec's C.refs), so declare every exported function instead.
    exported = sorted({e.index for e in module.exports if e.kind == "func"})
    declare = [b"\x03\x00" + enc_vec([enc_uleb(i) for i in exported])] if exported else []
    num_types = len(module.types)
    probe_index = module.num_imported_funcs + len(module.func_types)
    new = {}
    for sid, payload in module.sections:
        if sid == SEC_TYPE:
            n, p = uleb(payload, 0)
            new[sid] = enc_uleb(n + 1) + payload[p:] + probe_type
        elif sid == SEC_FUNC:
            n, p = uleb(payload, 0)
            new[sid] = enc_uleb(n + 1) + payload[p:] + enc_uleb(num_types)
        elif sid == SEC_CODE:
            n, p = uleb(payload, 0)
            new[sid] = enc_uleb(n + 1) + payload[p:] + body
        elif sid == SEC_EXPORT:
            pass
        elif sid == SEC_ELEM:
            n, p = uleb(payload, 0)
            new[sid] = enc_uleb(n + len(declare)) + payload[p:] + b"".join(declare)
        elif sid != 0:                              # custom sections are dropped
            new[sid] = payload
    new.setdefault(SEC_TYPE, enc_uleb(1) + probe_type)
    if declare and SEC_ELEM not in new:
        new[SEC_ELEM] = enc_uleb(len(declare)) + b"".join(declare)
    new[SEC_EXPORT] = enc_vec([enc_name("probe") + b"\x00" + enc_uleb(probe_index)])
    out = bytearray(b"\0asm\x01\0\0\0")
    for sid in sorted(new, key=lambda s: SECTION_ORDER[s]):
        out += bytes([sid]) + enc_uleb(len(new[sid])) + new[sid]
    return bytes(out)


# ---------------------------------------------------------------------------------------
# Normalization.

# wabt message prefix -> the spec's wording (assert_trap / assert_exhaustion texts).
WABT_TRAPS = [
    ("unreachable executed", "unreachable"),
    ("integer divide by zero", "integer divide by zero"),
    ("integer overflow", "integer overflow"),
    ("invalid conversion to integer", "invalid conversion to integer"),
    ("out of bounds memory access", "out of bounds memory access"),
    ("out of bounds table access", "out of bounds table access"),
    ("undefined table index", "undefined element"),
    ("uninitialized table element", "uninitialized element"),
    ("indirect call signature mismatch", "indirect call type mismatch"),
    ("call stack exhausted", "call stack exhausted"),
]
SPEC_TRAPS = sorted({spec for _, spec in WABT_TRAPS}, key=len, reverse=True)
EXHAUSTION = "call stack exhausted"


def normalize_trap(message: str, table=None) -> str | None:
    """Maps an engine's trap message to the spec wording, or None if unrecognized.
    The spec texts are prefixes: 'out of bounds memory access: access at ...' matches."""
    message = message.strip()
    for prefix, spec in (table or WABT_TRAPS):
        if message.startswith(prefix):
            return spec
    return None


def normalize_spec_trap(message: str) -> str | None:
    return normalize_trap(message, [(t, t) for t in SPEC_TRAPS])


def is_nan(bits: int, width: int) -> bool:
    exp_bits, mant_bits = (8, 23) if width == 32 else (11, 52)
    exp = (bits >> mant_bits) & ((1 << exp_bits) - 1)
    return exp == (1 << exp_bits) - 1 and bits & ((1 << mant_bits) - 1) != 0


def format_value(valtype: str, bits: int | list[int], exact_nan: bool = False) -> str:
    """Normalized text of one value. `bits` is the raw bit pattern (v128: four i32 lanes,
    lane 0 first; references: 1 for null, 0 for non-null as ref.is_null gives)."""
    if valtype == "i32":
        return f"i32:0x{bits & 0xFFFFFFFF:08x}"
    if valtype == "i64":
        return f"i64:0x{bits & 0xFFFFFFFFFFFFFFFF:016x}"
    if valtype in ("f32", "f64"):
        width = 32 if valtype == "f32" else 64
        bits &= (1 << width) - 1
        if is_nan(bits, width) and not exact_nan:
            return f"{valtype}:nan"
        return f"{valtype}:0x{bits:0{width // 4}x}"
    if valtype == "v128":
        return "v128:" + " ".join(f"0x{lane & 0xFFFFFFFF:08x}" for lane in bits)
    if valtype in ("funcref", "externref"):
        return f"{valtype}:{'null' if bits else 'nonnull'}"
    raise ValueError(valtype)


def _v128_lanes(value: str) -> list[int]:
    return [int(x, 16) for x in value[len("v128:"):].split()]


def _v128_nan_tolerant_equal(a: str, b: str) -> bool:
    """v128 results carry no lane shape. Equal if, read as f32x4 or as f64x2, every
    differing lane is a NaN on both sides (the spec leaves NaN payloads and signs open)."""
    la, lb = _v128_lanes(a), _v128_lanes(b)
    if la == lb:
        return True
    if all(x == y or (is_nan(x, 32) and is_nan(y, 32)) for x, y in zip(la, lb)):
        return True
    qa = [la[0] | la[1] << 32, la[2] | la[3] << 32]
    qb = [lb[0] | lb[1] << 32, lb[2] | lb[3] << 32]
    return all(x == y or (is_nan(x, 64) and is_nan(y, 64)) for x, y in zip(qa, qb))


def values_match(a: list[str], b: list[str]) -> bool:
    if len(a) != len(b):
        return False
    for x, y in zip(a, b):
        if x == y:
            continue
        if x.startswith("v128:") and y.startswith("v128:") and _v128_nan_tolerant_equal(x, y):
            continue
        return False
    return True


@dataclasses.dataclass
class Outcome:
    kind: str                      # values | trap | skip
    values: list[str] = dataclasses.field(default_factory=list)
    trap: str = ""                 # spec wording
    detail: str = ""               # raw engine text, skip reason

    def __str__(self) -> str:
        if self.kind == "values":
            return " ".join(self.values) if self.values else "(no results)"
        if self.kind == "trap":
            return f"trap: {self.trap}"
        return f"skip: {self.detail}"


def outcomes_match(a: Outcome, b: Outcome) -> bool:
    if a.kind != b.kind:
        return False
    if a.kind == "trap":
        return a.trap == b.trap
    return values_match(a.values, b.values)


# ---------------------------------------------------------------------------------------
# Running wasm-interp.

_LINE = re.compile(r"^probe\(\) =>(.*)$")
_V128 = re.compile(r"^v128 i32x4:(0x[0-9a-f]{8}) (0x[0-9a-f]{8}) (0x[0-9a-f]{8}) (0x[0-9a-f]{8})$")


def parse_interp_output(stdout: str, stderr: str, returncode: int,
                        results: tuple[str, ...], exact_nan: bool = False) -> Outcome:
    if returncode != 0:
        m = re.search(r"error initializing module: (.*)", stderr)
        if m and returncode == 1:                  # a trap during instantiation
            spec = normalize_trap(m.group(1))
            if spec is None:
                return Outcome("skip", detail=f"unrecognized reference trap: {m.group(1).strip()}")
            if spec == EXHAUSTION:
                return Outcome("skip", detail="reference: call stack exhausted (implementation limit)")
            return Outcome("trap", trap=spec, detail=m.group(1).strip())
        tail = (stderr.strip().splitlines() or [""])[-1]
        return Outcome("skip", detail=f"reference exited {returncode}: {tail[:200]}")
    lines = [l for l in stdout.splitlines() if _LINE.match(l)]
    if len(lines) != 1:
        return Outcome("skip", detail=f"reference printed no result line: {stdout.strip()[:200]!r}")
    rest = _LINE.match(lines[0]).group(1).strip()
    if rest.startswith("error:"):
        msg = rest[len("error:"):].strip()
        spec = normalize_trap(msg)
        if spec is None:
            return Outcome("skip", detail=f"unrecognized reference trap: {msg}")
        if spec == EXHAUSTION:
            return Outcome("skip", detail="reference: call stack exhausted (implementation limit)")
        return Outcome("trap", trap=spec, detail=msg)
    parts = [p.strip() for p in rest.split(",")] if rest else []
    if len(parts) != len(results):
        return Outcome("skip", detail=f"reference result count mismatch: {rest!r}")
    values = []
    for part, rtype in zip(parts, results):
        ptype = PROBE_RESULT[rtype]
        if ptype == "v128":
            m = _V128.match(part)
            if not m:
                return Outcome("skip", detail=f"unparsable reference value {part!r}")
            values.append(format_value("v128", [int(x, 16) for x in m.groups()]))
            continue
        prefix = ptype + ":"
        if not part.startswith(prefix):
            return Outcome("skip", detail=f"unparsable reference value {part!r}")
        values.append(format_value(rtype, int(part[len(prefix):]), exact_nan))
    return Outcome("values", values=values)


def run_probe(probe: bytes, results: tuple[str, ...], timeout: float = DEFAULT_TIMEOUT,
              exact_nan: bool = False, workdir: str | None = None) -> Outcome:
    fd, path = tempfile.mkstemp(suffix=".wasm", dir=workdir)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(probe)
        try:
            proc = subprocess.run([WASM_INTERP, "--run-all-exports", path], capture_output=True,
                                  text=True, errors="replace", timeout=timeout)
        except subprocess.TimeoutExpired:
            return Outcome("skip", detail=f"reference timed out after {timeout:g}s")
        if proc.returncode < 0:
            return Outcome("skip", detail=f"reference crashed (signal {-proc.returncode})")
        return parse_interp_output(proc.stdout, proc.stderr, proc.returncode, results, exact_nan)
    finally:
        os.unlink(path)


def run_export(module: Module, export: Export, args: list[str] | None = None,
               timeout: float = DEFAULT_TIMEOUT, exact_nan: bool = False,
               workdir: str | None = None, observe: bool = False) -> Outcome:
    if export.kind != "func":
        return Outcome("skip", detail=f"export is a {export.kind}, not a function")
    probe = build_probe(module, export, zero_args(export.params) if args is None else args, observe)
    return run_probe(probe, probe_results(module, export, observe), timeout, exact_nan, workdir)


def from_probe_values(values: list[str], results: tuple[str, ...], exact_nan: bool = False) -> list[str]:
    """Normalized values as the probe's own types (f32 bits as i32 ...) -> as `results`."""
    out = []
    for v, t in zip(values, results):
        if v.startswith("v128:"):
            out.append(v)
        else:
            out.append(format_value(t, int(v.partition(":")[2], 16), exact_nan))
    return out


def run_reference(path: str, timeout: float = DEFAULT_TIMEOUT, exact_nan: bool = False,
                  observe: bool = False) -> list[tuple[Export, Outcome]]:
    """Every export of `path`, in export order, each on a fresh instance with zero args."""
    module = load_module(path)
    if module.imports:
        raise WasmFormatError(f"{path}: module has imports")
    return [(e, run_export(module, e, None, timeout, exact_nan, None, observe))
            for e in module.exports]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("modules", nargs="+")
    ap.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT)
    ap.add_argument("--exact-nan", action="store_true", help="compare NaN bits too")
    ap.add_argument("--state", action="store_true",
                    help="also return memory size, a memory hash and the mutable globals after each call")
    ns = ap.parse_args()
    for path in ns.modules:
        for export, outcome in run_reference(path, ns.timeout, ns.exact_nan, ns.state):
            sig = f"({' '.join(export.params)}) -> ({' '.join(export.results)})" if export.kind == "func" else export.kind
            print(f"{path}: {export.name} {sig}: {outcome}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
