#!/usr/bin/env python3
"""End to end: `skiff compile` artifacts and the compiled-code cache.

usage: artifacts.py SKIFF FIXTURES_DIR

Checks, each with the exit code and the message a user sees:
  - `skiff compile` writes an artifact that `skiff run` runs without skiff-llvmc;
  - an artifact compiled without --interruptible is refused by `run --timeout`;
  - a truncated artifact and a module hash that does not match are refused;
  - `run --tier llvm` fills the cache, the next run uses it, and a damaged entry is
    compiled again instead of being used;
  - `run --tier auto` and `wast --tier auto` never wait for the compiler: a compile
    still running when they end is stopped, and its process is gone.
"""
import os
import pathlib
import subprocess
import sys
import tempfile
import time

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

        # --tier auto with a compiler that never finishes.
        pidfile = os.path.join(tmp, "llvmc.pid")
        slow = os.path.join(tmp, "slow-llvmc")
        pathlib.Path(slow).write_text(f"#!/bin/sh\necho $$ >> {pidfile}\nexec sleep 60\n")
        os.chmod(slow, 0o755)
        env_slow = dict(env, SKIFF_LLVMC=slow, SKIFF_CACHE_DIR=os.path.join(tmp, "cache-slow"))
        t0 = time.monotonic()
        rc, out, err = run([skiff, "run", "--tier", "auto", wasm, "--invoke", "add", "40", "2"], env_slow)
        check(rc == 0 and out == ref[1] and time.monotonic() - t0 < 10,
              f"run --tier auto answers without waiting for the compiler: {rc} {out}{err}")
        # A guest that spins for 1 s: the compiler is surely running when the run ends.
        spin = str(fixtures / "interrupt.wasm")
        rc, out, err = run([skiff, "run", "--tier", "auto", "--timeout", "1s", spin, "--invoke", "spin"], env_slow)
        check(rc == 134 and "deadline" in err, f"the spinning guest is stopped at its deadline: {rc} {err.strip()}")
        pids = [int(p) for p in pathlib.Path(pidfile).read_text().split()] if os.path.exists(pidfile) else []
        check(len(pids) >= 1 and not any(os.path.exists(f"/proc/{p}") for p in pids),
              f"the compile running at exit was started and its process is gone: {pids}")
        script = os.path.join(tmp, "s.json")
        pathlib.Path(script).write_text('{"commands":[{"type":"module","line":1,"filename":"m.wasm"},'
                                        '{"type":"assert_return","line":2,"action":{"type":"invoke","field":"add",'
                                        '"args":[{"type":"i32","value":"40"},{"type":"i32","value":"2"}]},'
                                        '"expected":[{"type":"i32","value":"42"}]}]}')
        pathlib.Path(tmp, "m.wasm").write_bytes(pathlib.Path(wasm).read_bytes())
        t0 = time.monotonic()
        rc, out, err = run([skiff, "wast", "--tier", "auto", script], env_slow)
        check(rc == 0 and "2 passed, 0 failed" in out and time.monotonic() - t0 < 10,
              f"wast --tier auto runs the script without waiting for the compiler: {rc} {out}{err}")
        pids = [int(p) for p in pathlib.Path(pidfile).read_text().split()] if os.path.exists(pidfile) else []
        check(not any(os.path.exists(f"/proc/{p}") for p in pids), f"no compiler process is left: {pids}")
    print(f"{failures} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
