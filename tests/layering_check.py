#!/usr/bin/env python3
"""Fails when a file includes a header from a layer above its own (STYLE.md §1):
base <- platform <- engine <- {wasi, registry} <- host <- cluster <- tools, and inside
engine: ir <- binary <- validate <- runtime <- native <- {interp, llvm} <- api."""
import pathlib
import re
import sys

ORDER = ["base", "platform", "engine/ir", "engine/binary", "engine/validate", "engine/runtime",
         "engine/native", "engine/interp", "engine/llvm", "engine/api", "wasi", "registry", "host", "cluster"]
# Peers that must not include each other.
PEERS = [{"engine/interp", "engine/llvm"}, {"wasi", "registry"}]


def layer_of(rel: str):
    best = None
    for name in ORDER:
        if rel == name or rel.startswith(name + "/"):
            best = name
    return best


def main() -> int:
    root = pathlib.Path(sys.argv[1])
    src = root / "src"
    bad = []
    for path in sorted(src.rglob("*")):
        if path.suffix not in (".h", ".cpp", ".def"):
            continue
        rel = path.relative_to(src).as_posix()
        mine = layer_of(rel)
        if mine is None:
            bad.append(f"{rel}: not in any known layer")
            continue
        for lineno, line in enumerate(path.read_text().splitlines(), 1):
            m = re.match(r'\s*#\s*include\s+"([^"]+)"', line)
            if not m:
                continue
            target = layer_of(m.group(1))
            if target is None:
                continue  # tools/ or third-party headers are checked by the build
            if ORDER.index(target) > ORDER.index(mine):
                bad.append(f"{rel}:{lineno}: {mine} includes {m.group(1)} from higher layer {target}")
            # A tier's tests may drive it through a peer (the LLVM tier's run through the
            # interpreter's Machine, the one driver of calls); its code may not.
            elif mine != target and {mine, target} in PEERS and not rel.endswith("_test.cpp"):
                bad.append(f"{rel}:{lineno}: peer layers {mine} and {target} must not include each other")
    for b in bad:
        print(b)
    print(f"layering: {len(bad)} violations")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
