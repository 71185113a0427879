#!/usr/bin/env python3
"""skiff runtime adapter for the official WASI test suite (WebAssembly/wasi-testsuite).

The suite's runner loads an adapter as a Python module and calls:
  get_name() / get_version()        shown in reports
  get_wasi_versions() / get_wasi_worlds()
                                    what the runtime can run; tests for anything else
                                    are skipped (skiff: preview1 commands only)
  get_timeout_seconds()             per test (the runner's default is 5)
  compute_argv(test, (args, env, root), proposals, world, version)
                                    the command line for one test
It runs that command with stdin, stdout and stderr as pipes, compares the exit code with
the test's "exit_code" and stdout/stderr with "stdout"/"stderr". A test's "root" is a
host directory the guest sees as the preopen "/" (the Rust tests look it up by that
name; the C tests resolve relative paths against it).

The runner treats an adapter that prints anything when run as `adapter.py --version` as
a legacy (pre-module) adapter, so run as a script this prints nothing for --version.
Run as a script with a test it executes skiff directly, for debugging one test by hand:
  testsuite_adapter.py --test-file T.wasm [--arg A]... [--env K=V]... [--dir HOST]

The skiff command comes from $SKIFF (split like a shell would: SKIFF="skiff -v" works),
default `skiff` on PATH. $SKIFF_WASI_TIMEOUT overrides the per-test timeout (seconds).
"""
import argparse
import os
import shlex
import subprocess
import sys
from typing import Dict, List, Optional, Sequence, Tuple


def _skiff() -> List[str]:
    return shlex.split(os.environ.get("SKIFF", "skiff"))


def get_name() -> str:
    return "skiff"


def get_version() -> str:
    # `skiff --version` prints "skiff 0.1.0". Raises CalledProcessError or
    # FileNotFoundError when skiff is missing: the runner reports the adapter unavailable.
    out = subprocess.run(_skiff()[:1] + ["--version"], capture_output=True, text=True,
                         check=True).stdout.split()
    return out[-1] if out else "unknown"


def get_wasi_versions() -> List[str]:
    return ["wasm32-wasip1"]


def get_wasi_worlds() -> List[str]:
    return ["wasi:cli/command"]


def get_timeout_seconds() -> float:
    return float(os.environ.get("SKIFF_WASI_TIMEOUT", "30"))


def command_line(wasm: str, args: Sequence[str], env: Dict[str, str],
                 root: Optional[str]) -> List[str]:
    """`skiff run [--env K=V]... [--dir ROOT::/] FILE ARGS...`: no --inherit-env, since
    the tests count the guest's variables and expect exactly the ones they list."""
    argv = _skiff() + ["run"]
    for key, value in env.items():
        argv += ["--env", f"{key}={value}"]
    if root is not None:
        argv += ["--dir", f"{root}::/"]
    return argv + [wasm] + list(args)


def compute_argv(test_path: str,
                 args_env_root: Tuple[List[str], Dict[str, str], Optional[str]],
                 proposals: List[str], wasi_world: str, wasi_version: str) -> List[str]:
    args, env, root = args_env_root
    if wasi_version != "wasm32-wasip1" or wasi_world != "wasi:cli/command" or proposals:
        # The runner filters these out using get_wasi_versions()/get_wasi_worlds().
        raise ValueError(f"skiff adapter: unsupported {wasi_version} {wasi_world} {proposals}")
    return command_line(test_path, args, env, None if root is None else str(root))


def main(argv: List[str]) -> int:
    parser = argparse.ArgumentParser(description="Run one WASI test under skiff.")
    parser.add_argument("--version", action="store_true", help="print nothing (see module doc)")
    parser.add_argument("--test-file", help="the test's .wasm")
    parser.add_argument("--arg", action="append", default=[], help="guest argument (repeat)")
    parser.add_argument("--env", action="append", default=[], help="K=V (repeat)")
    parser.add_argument("--dir", help="host directory preopened as /")
    opts = parser.parse_args(argv)
    if opts.version or not opts.test_file:
        return 0
    env = dict(item.split("=", 1) for item in opts.env)
    cmd = command_line(opts.test_file, opts.arg, env, opts.dir)
    return subprocess.run(cmd, check=False).returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
