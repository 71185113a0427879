#!/usr/bin/env python3
"""End to end: `skiff compile` artifacts and the compiled-code cache.

usage: artifacts.py SKIFF FIXTURES_DIR

Checks, each with the exit code and the message a user sees:
  - `skiff compile` writes an artifact that `skiff run` runs without skiff-llvmc;
  - an artifact compiled without --interruptible is refused by `run --timeout`;
  - a truncated artifact and a module hash that does not match are refused;
  - `run --tier llvm` fills the cache, the next run uses it, and a damaged entry is
    compiled again instead of being used.
"""
import os
import pathlib
import subprocess
import sys
import tempfile

failures = 0


def check(cond, what):
    global failures
    print(("ok: " if cond else "FAIL: ") + what)
    if not cond:
        failures += 1


def run(argv, env):
    p = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=120)
    return p.returncode, p.stdout, p.stderr


def main():
    skiff, fixtures = sys.argv[1], pathlib.Path(sys.argv[2])
    wasm = str(fixtures / "run_exports.wasm")
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ, SKIFF_CACHE_DIR=os.path.join(tmp, "cache"))
        skf = os.path.join(tmp, "m.skf")
        rc, out, err = run([skiff, "compile", wasm, "-o", skf], env)
        check(rc == 0 and "functions compiled" in out and os.path.getsize(skf) > 0, f"compile: {rc} {out}{err}")
        check(not os.path.exists(os.path.join(tmp, "cache")), "an explicit compile does not use the cache")

        # The artifact runs with no compiler to be found.
        env_nc = dict(env, SKIFF_LLVMC="/nonexistent/skiff-llvmc")
        ref = run([skiff, "run", wasm, "--invoke", "add", "40", "2"], env)
        rc, out, err = run([skiff, "run", skf, "--invoke", "add", "40", "2"], env_nc)
        check(rc == 0 and out == ref[1] and out.strip() != "", f"artifact runs without skiff-llvmc: {rc} {out}{err}")
        rc, out, err = run([skiff, "run", "--tier", "llvm", wasm, "--invoke", "add", "1", "2"], env_nc)
        check(rc == 1 and "skiff-llvmc" in err, f"no compiler: a clear error: {rc} {err.strip()}")

        rc, out, err = run([skiff, "run", "--timeout", "5s", skf, "--invoke", "add", "1", "2"], env)
        check(rc == 1 and "interruptible=0" in err and "compile it again" in err,
              f"settings mismatch refused: {rc} {err.strip()}")

        data = pathlib.Path(skf).read_bytes()
        bad = os.path.join(tmp, "bad.skf")
        pathlib.Path(bad).write_bytes(data[:60])
        rc, out, err = run([skiff, "run", bad, "--invoke", "add", "1", "2"], env)
        check(rc == 1 and "not a valid skiff artifact" in err, f"truncated artifact refused: {rc} {err.strip()}")
        # Change the module inside and keep it valid (the last byte is a character of a
        # name in its name section): its recorded hash no longer matches.
        tampered = bytearray(data)
        at = data.find(b"\0asm")
        wasm_len = int.from_bytes(data[at - 8:at], "little")
        tampered[at + wasm_len - 1] ^= 0x01
        pathlib.Path(bad).write_bytes(bytes(tampered))
        rc, out, err = run([skiff, "run", bad, "--invoke", "add", "1", "2"], env)
        check(rc == 1 and "does not match the one the code was compiled from" in err,
              f"tampered module refused: {rc} {err.strip()}")

        # The cache: filled by the first run, used by the next (even with no compiler).
        rc, out, err = run([skiff, "run", "--tier", "llvm", wasm, "--invoke", "add", "40", "2"], env)
        entries = list(pathlib.Path(tmp, "cache").glob("*.skf"))
        check(rc == 0 and out == ref[1] and len(entries) == 1, f"first run caches: {rc} {out}{err} {entries}")
        rc, out, err = run([skiff, "run", "--tier", "llvm", wasm, "--invoke", "add", "40", "2"], env_nc)
        check(rc == 0 and out == ref[1], f"second run uses the cache: {rc} {out}{err}")
        entries[0].write_bytes(entries[0].read_bytes()[:100])
        rc, out, err = run([skiff, "run", "--tier", "llvm", wasm, "--invoke", "add", "40", "2"], env)
        check(rc == 0 and out == ref[1] and entries[0].stat().st_size > 100,
              f"a damaged entry is compiled again: {rc} {out}{err}")
    print(f"{failures} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
