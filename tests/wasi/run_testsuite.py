#!/usr/bin/env python3
"""Runs the official WASI test suite's preview1 tests through a runtime adapter.

A small stand-in for the suite's own runner (test-runner/, `run-tests`), which needs
Python 3.12 (Path.walk) and colorama while Debian 12 has Python 3.11. It loads the same
kind of adapter (tests/wasi/testsuite_adapter.py) and reads the same test files:

  SUITE/tests/**/manifest.json   one per test directory: {"name", "version"}; a directory
                                 without "version" is wasm32-wasip1 unless it is named
                                 after another version
  DIR/NAME.wasm                  one test; DIR/NAME.json (optional) holds either
      {"args": [...], "env": {...}, "root": "fs-tests.dir", "exit_code": N,
       "stdout": "...", "stderr": "..."}            (every preview1 test today), or
      {"operations": [{"type": "run", ...}, {"type": "write", ...},
                      {"type": "read", "id": "stdout", ...}, {"type": "wait", ...}]}
                                 (only run/write/read/wait; others fail the test)

Defaults: no args, no env, no preopen, exit code 0, output unchecked. Each test gets a
fresh copy of its "root" under OUT, so the suite checkout is never written to (the
upstream runner runs in place and deletes *.cleanup files before and after). stdin is
a pipe that receives the "write" payloads and is then closed.

Prints one line per failing test, then "N passed, M failed". Tests named in --xfail
(lines "LANG/TEST", '#' comments) may fail; if one passes it is reported as stale and
counts as failed. Exit status: 0 all passed, 1 failures, 2 usage or suite error.
"""
import argparse
import concurrent.futures
import importlib.util
import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

PREVIEW1 = "wasm32-wasip1"
KNOWN_VERSIONS = {"wasm32-wasip1", "wasm32-wasip2", "wasm32-wasip3"}


@dataclass
class Spec:
    args: List[str] = field(default_factory=list)
    env: Dict[str, str] = field(default_factory=dict)
    root: Optional[Path] = None
    stdin: str = ""
    reads: List[Tuple[str, str]] = field(default_factory=list)  # (stdout|stderr, payload)
    exit_code: int = 0
    proposals: List[str] = field(default_factory=list)
    world: str = "wasi:cli/command"
    unsupported: Optional[str] = None


@dataclass
class Test:
    id: str  # LANG/NAME
    wasm: Path
    version: str
    spec: Spec


@dataclass
class Outcome:
    test: Test
    problems: List[str]
    log: Path


def parse_spec(json_path: Path) -> Spec:
    if not json_path.exists():
        return Spec()
    config: Dict[str, Any] = json.loads(json_path.read_text(encoding="utf-8"))
    spec = Spec()

    def set_run(op: Dict[str, Any]) -> None:
        spec.args = list(op.get("args", []))
        spec.env = dict(op.get("env", {}))
        if op.get("root"):
            spec.root = json_path.parent / op["root"]

    if "operations" not in config and "proposals" not in config and "servers" not in config:
        set_run(config)
        for stream in ("stdout", "stderr"):
            if config.get(stream) is not None:
                spec.reads.append((stream, config[stream]))
        spec.exit_code = int(config.get("exit_code", 0))
        return spec

    spec.proposals = list(config.get("proposals", []))
    spec.world = config.get("world", spec.world)
    if config.get("servers"):
        spec.unsupported = "test needs HTTP servers"
    for op in config.get("operations", []):
        kind = op.get("type")
        if kind == "run":
            set_run(op)
        elif kind == "write" and op.get("id", "stdin") == "stdin":
            spec.stdin += op.get("payload", "")
        elif kind == "read" and op.get("id", "stdout") in ("stdout", "stderr"):
            spec.reads.append((op.get("id", "stdout"), op.get("payload", "")))
        elif kind == "wait":
            spec.exit_code = int(op.get("exit_code", 0))
        else:
            spec.unsupported = f"operation {kind!r} is not supported by this runner"
    return spec


def find_tests(suite: Path) -> List[Test]:
    tests = []
    for manifest in sorted((suite / "tests").rglob("manifest.json")):
        directory = manifest.parent
        meta = json.loads(manifest.read_text(encoding="utf-8"))
        default = directory.name if directory.name in KNOWN_VERSIONS else PREVIEW1
        version = meta.get("version", default)
        lang = directory.relative_to(suite / "tests").parts[0]
        for wasm in sorted(directory.glob("*.wasm")):
            tests.append(Test(f"{lang}/{wasm.stem}", wasm, version,
                              parse_spec(wasm.with_suffix(".json"))))
    return tests


def load_adapter(path: Path) -> Any:
    sys.dont_write_bytecode = True  # keep the source tree clean
    spec = importlib.util.spec_from_file_location("wasi_runtime_adapter", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def failure_reason(stderr: str) -> str:
    """The most telling stderr line: a Rust panic's message and place, a C assert,
    skiff's "trap: ..." line, else the first line."""
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    for i, line in enumerate(lines):
        if "panicked at" in line:
            where = line.split("panicked at", 1)[1].strip().rstrip(":").split("/")[-1]
            message = lines[i + 1] if i + 1 < len(lines) else ""
            if message.startswith("assertion") and i + 3 < len(lines):
                message += f" ({lines[i + 2]}, {lines[i + 3]})"
            return f"{message} [{where}]"[:300]
        if line.startswith("Assertion failed"):
            return line[:300]
    traps = [line for line in lines if line.startswith("trap:")]
    return (traps or lines or [""])[0][:300]


def run_one(adapter: Any, test: Test, out: Path, timeout: float) -> Outcome:
    work = out / test.id
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    log = work / "log.txt"
    spec = test.spec
    if spec.unsupported:
        log.write_text(spec.unsupported + "\n", encoding="utf-8")
        return Outcome(test, [spec.unsupported], log)

    root = None
    if spec.root is not None:
        root = work / "root"
        shutil.copytree(spec.root, root, symlinks=True,
                        ignore=shutil.ignore_patterns("*.cleanup"))
    argv = adapter.compute_argv(str(test.wasm.resolve()), (spec.args, spec.env, root and str(root)),
                                spec.proposals, spec.world, test.version)
    problems = []
    try:
        proc = subprocess.run(argv, input=spec.stdin.encode(), capture_output=True,
                              timeout=timeout, cwd=work, env=os.environ.copy(), check=False)
        code, stdout, stderr = proc.returncode, proc.stdout, proc.stderr
    except subprocess.TimeoutExpired as e:
        code, stdout, stderr = None, e.stdout or b"", e.stderr or b""
        problems.append(f"timed out after {timeout:g} s")
    except OSError as e:
        code, stdout, stderr = None, b"", b""
        problems.append(f"could not start {argv[0]}: {e}")

    if code is not None and code != spec.exit_code:
        why = failure_reason(stderr.decode(errors="replace"))
        problems.append(f"exit code {code}, expected {spec.exit_code}" + (f": {why}" if why else ""))
    streams = {"stdout": stdout.decode(errors="replace"), "stderr": stderr.decode(errors="replace")}
    expected: Dict[str, str] = {}
    for stream, payload in spec.reads:
        expected[stream] = expected.get(stream, "") + payload
    for stream, want in expected.items():
        if code is not None and streams[stream] != want:
            problems.append(f"{stream} {streams[stream][:80]!r}, expected {want[:80]!r}")

    log.write_text(
        f"argv: {argv}\nexit code: {code} (expected {spec.exit_code})\n"
        f"problems: {problems}\n==stdout==\n{streams['stdout']}\n==stderr==\n{streams['stderr']}\n",
        encoding="utf-8")
    return Outcome(test, problems, log)


def read_xfail(path: Optional[Path]) -> Dict[str, str]:
    xfail: Dict[str, str] = {}
    if path is None or not path.exists():
        return xfail
    for line in path.read_text(encoding="utf-8").splitlines():
        name, _, reason = line.partition("#")
        if name.strip():
            xfail[name.strip()] = reason.strip()
    return xfail


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--suite", type=Path, required=True, help="wasi-testsuite checkout root")
    parser.add_argument("--adapter", type=Path, required=True, help="runtime adapter (.py)")
    parser.add_argument("--out", type=Path, required=True, help="work and log directory")
    parser.add_argument("--xfail", type=Path, help="tests allowed to fail, one LANG/TEST per line")
    parser.add_argument("--filter", default="", help="run only tests whose LANG/TEST contains this")
    parser.add_argument("-j", "--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("-v", "--verbose", action="store_true", help="also list passing tests")
    parser.add_argument("--unix-errno", action="store_true",
                        help="give the Rust tests ERRNO_MODE_UNIX=1: accept only the errno a "
                             "Unix host gives where they list per-OS alternatives")
    opts = parser.parse_args()

    adapter = load_adapter(opts.adapter)
    try:
        runtime = f"{adapter.get_name()} {adapter.get_version()}"
    except (OSError, subprocess.CalledProcessError) as e:
        print(f"runtime unavailable: {e}")
        return 2
    versions = set(adapter.get_wasi_versions())
    timeout = float(getattr(adapter, "get_timeout_seconds", lambda: 5.0)())
    tests = [t for t in find_tests(opts.suite)
             if t.version == PREVIEW1 and t.version in versions and opts.filter in t.id]
    if not tests:
        print(f"no preview1 tests found under {opts.suite}/tests")
        return 2
    if opts.unix_errno:
        for t in tests:
            if t.id.startswith("rust/"):
                t.spec.env["ERRNO_MODE_UNIX"] = "1"
    xfail = read_xfail(opts.xfail)
    print(f"wasi-testsuite: {len(tests)} preview1 tests on {runtime}", flush=True)
    out = opts.out.resolve()
    out.mkdir(parents=True, exist_ok=True)

    with concurrent.futures.ThreadPoolExecutor(max(1, opts.jobs)) as pool:
        outcomes = list(pool.map(lambda t: run_one(adapter, t, out, timeout), tests))

    passed = failed = expected_failures = 0
    for o in sorted(outcomes, key=lambda o: o.test.id):
        allowed = o.test.id in xfail
        if o.problems and allowed:
            expected_failures += 1
            if opts.verbose:
                print(f"XFAIL {o.test.id}: {o.problems[0]}")
        elif o.problems:
            failed += 1
            print(f"FAIL {o.test.id}: {'; '.join(o.problems)}  [{o.log}]")
        elif allowed:
            failed += 1
            print(f"XPASS {o.test.id}: passes but is listed in {opts.xfail}; remove it there")
        else:
            passed += 1
            if opts.verbose:
                print(f"PASS {o.test.id}")
    extra = f" ({expected_failures} expected failures)" if expected_failures else ""
    print(f"{passed} passed, {failed} failed{extra}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
