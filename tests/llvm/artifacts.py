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
    still running when they end is stopped, and its process is gone;
  - a changed byte of an artifact's code is refused as damage; `--tier interp` runs an
    artifact's module without its code;
  - a cache entry whose code does not load is compiled again, and a compiler's bad
    output is never cached; a cache directory others can write is not used; temporary
    files of killed stores are removed;
  - a failed `skiff compile -o` leaves the previous artifact whole;
  - a compiler that hangs is stopped at SKIFF_COMPILE_TIMEOUT;
  - the compiler works when skiff is pid 1 (a container's first process).
"""
import hashlib
import resource
import shutil
import signal
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


def artifact_fields(data):
    """(offset, length) of the module and the code in an artifact (artifact.h's layout)."""
    at = 8 + 4 + 4 + 32 + 32
    for _ in range(3):  # skiff version, features, settings
        at += 4 + int.from_bytes(data[at:at + 4], "little")
    fields = []
    for _ in range(2):  # module, code
        n = int.from_bytes(data[at:at + 8], "little")
        fields.append((at + 8, n))
        at += 8 + n
    return fields


def with_code(data, code):
    """The artifact `data` with its code replaced by `code` and the code's hash to match."""
    (_, _), (at, n) = artifact_fields(data)
    out = bytearray(data[:at - 8]) + len(code).to_bytes(8, "little") + code + data[at + n:]
    out[8 + 4 + 4 + 32:8 + 4 + 4 + 64] = hashlib.sha256(code).digest()
    return bytes(out)


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

        # One changed byte of the code: damage, refused before anything runs.
        (_, _), (code_at, code_len) = artifact_fields(data)
        damaged = bytearray(data)
        damaged[code_at + code_len // 2] ^= 0x01
        pathlib.Path(bad).write_bytes(bytes(damaged))
        rc, out, err = run([skiff, "run", bad, "--invoke", "add", "1", "2"], env)
        check(rc == 1 and "does not match its hash" in err, f"damaged code refused: {rc} {err.strip()}")
        # --tier interp runs the module inside, so the code's settings do not matter.
        rc, out, err = run([skiff, "run", "--tier", "interp", "--timeout", "5s", skf, "--invoke", "add", "40", "2"], env)
        check(rc == 0 and out == ref[1], f"--tier interp runs an artifact's module without its code: {rc} {out}{err}")

        # A failed write of `skiff compile -o` (here past RLIMIT_FSIZE, which leaves room
        # for the compiler's object but not the artifact around it) keeps the old file.
        def small_files():
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
            resource.setrlimit(resource.RLIMIT_FSIZE, (len(data) - 16, len(data) - 16))
        p = subprocess.run([skiff, "compile", wasm, "-o", skf], capture_output=True, text=True, env=env,
                           timeout=120, preexec_fn=small_files)
        left = [f for f in os.listdir(tmp) if ".tmp." in f]
        check(p.returncode == 1 and "File too large" in p.stderr and pathlib.Path(skf).read_bytes() == data and not left,
              f"a failed compile -o keeps the previous artifact: {p.returncode} {p.stderr.strip()} {left}")

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

        # An entry that parses but whose code does not load is compiled again.
        entries[0].write_bytes(with_code(entries[0].read_bytes(), b"not an ELF object"))
        rc, out, err = run([skiff, "run", "--tier", "llvm", wasm, "--invoke", "add", "40", "2"], env)
        check(rc == 0 and out == ref[1] and artifact_fields(entries[0].read_bytes())[1][1] > 100,
              f"an entry whose code does not load is compiled again: {rc} {out}{err}")
        # A compiler's output that does not load is an error and is not cached.
        garbage = os.path.join(tmp, "garbage-llvmc")
        pathlib.Path(garbage).write_text("#!/bin/sh\ncat >/dev/null\necho garbage\n")
        os.chmod(garbage, 0o755)
        env_g = dict(env, SKIFF_LLVMC=garbage, SKIFF_CACHE_DIR=os.path.join(tmp, "cache-g"))
        rc, out, err = run([skiff, "run", "--tier", "llvm", wasm, "--invoke", "add", "40", "2"], env_g)
        cached = list(pathlib.Path(tmp, "cache-g").glob("*")) if os.path.isdir(os.path.join(tmp, "cache-g")) else []
        check(rc == 1 and "malformed" in err and not cached, f"bad compiler output is not cached: {rc} {err.strip()} {cached}")
        # A cache directory others can write is not used: anyone could plant code there.
        shared = os.path.join(tmp, "cache-shared")
        os.mkdir(shared)
        os.chmod(shared, 0o777)
        rc, out, err = run([skiff, "run", "--tier", "llvm", wasm, "--invoke", "add", "40", "2"],
                           dict(env, SKIFF_CACHE_DIR=shared))
        check(rc == 0 and out == ref[1] and os.listdir(shared) == [],
              f"a world-writable cache directory is not used: {rc} {err.strip()} {os.listdir(shared)}")
        # A store's temporary file left by a killed process goes once it is old.
        stale = pathlib.Path(tmp, "cache", "0" * 64 + ".skf.tmp.99999.0")
        stale.write_bytes(b"partial")
        os.utime(stale, (time.time() - 3600, time.time() - 3600))
        fresh = pathlib.Path(tmp, "cache", "1" * 64 + ".skf.tmp.99999.1")
        fresh.write_bytes(b"partial")
        for e in pathlib.Path(tmp, "cache").glob("*.skf"):
            e.unlink()
        rc, out, err = run([skiff, "run", "--tier", "llvm", wasm, "--invoke", "add", "40", "2"], env)
        check(rc == 0 and not stale.exists() and fresh.exists(),
              f"an old temporary file is removed, a recent one kept: {rc} {stale.exists()} {fresh.exists()}")

        # A compiler that hangs is stopped at the limit, with its process.
        pidfile_h = os.path.join(tmp, "hang.pid")
        hang = os.path.join(tmp, "hang-llvmc")
        pathlib.Path(hang).write_text(f"#!/bin/sh\necho $$ >> {pidfile_h}\nexec sleep 60\n")
        os.chmod(hang, 0o755)
        env_h = dict(env, SKIFF_LLVMC=hang, SKIFF_COMPILE_TIMEOUT="1", SKIFF_CACHE_DIR=os.path.join(tmp, "cache-h"))
        t0 = time.monotonic()
        rc, out, err = run([skiff, "run", "--tier", "llvm", wasm, "--invoke", "add", "40", "2"], env_h)
        took = time.monotonic() - t0
        pids = [int(p) for p in pathlib.Path(pidfile_h).read_text().split()] if os.path.exists(pidfile_h) else []
        check(rc == 1 and "longer than 1 s" in err and took < 10 and pids and
              not any(os.path.exists(f"/proc/{p}") for p in pids),
              f"a hung compiler is stopped at SKIFF_COMPILE_TIMEOUT: {rc} {took:.1f}s {err.strip()} {pids}")

        # skiff as pid 1 of a new pid namespace, as in a container.
        unshare = shutil.which("unshare")
        probe = subprocess.run([unshare, "-pfr", "--mount-proc", "true"], capture_output=True) if unshare else None
        if probe is None or probe.returncode != 0:
            print("skip: skiff as pid 1: unshare -pfr --mount-proc is not available here")
        else:
            rc, out, err = run([unshare, "-pfr", "--mount-proc", skiff, "run", "--tier", "llvm", wasm, "--invoke", "add",
                                "40", "2"], dict(env, SKIFF_CACHE_DIR=os.path.join(tmp, "cache-ns")))
            check(rc == 0 and out == ref[1], f"the compiler runs when skiff is pid 1: {rc} {out}{err.strip()}")

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
