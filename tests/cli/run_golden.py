#!/usr/bin/env python3
"""Runs one CLI golden test: the input, the command and the expected output in one file
(the LLVM lit idea). Directives, one per line, each starting with '# ':
  FILE: %t/NAME HEX: 00 61 73 6d ...   write bytes to a temp file
  FILE: %t/NAME SIZE: N                 a sparse file of N bytes (nothing on disk)
  FILE: %t/NAME SCRIPT: COMMANDS        an executable /bin/sh script running COMMANDS
  ENV: NAME=VALUE                       set in the command's environment
  STDOUT: PATH | closed-pipe            the command's stdout: a file (/dev/full), or a pipe
                                        nobody reads (closed before it starts); only
                                        stderr is checked then
  RUN: skiff ARGS...                    the command (%t temp dir, %fixtures built fixtures)
  EXIT: N                               expected exit code (default 0)
  CHECK: text                           must appear in stdout+stderr, in this order
  CHECK-NOT: text                       must not appear anywhere
  EXPECT-EMPTY                          stdout+stderr must be empty
%xHH anywhere stands for the byte HH (a path that is not UTF-8: %xff).
Usage: run_golden.py SKIFF TESTFILE FIXTURES_DIR"""
import os
import re
import shlex
import stat
import subprocess
import sys
import tempfile


def make_file(spec: str) -> None:
    """FILE: PATH (HEX|SIZE|SCRIPT): VALUE"""
    m = re.match(r"\s*(\S+)\s+(HEX|SIZE|SCRIPT):(.*)$", spec)
    if not m:
        raise ValueError(f"bad FILE directive: {spec!r}")
    path, kind, value = m.groups()
    if kind == "HEX":
        with open(path, "wb") as f:
            f.write(bytes.fromhex(value.replace(" ", "")))
    elif kind == "SIZE":
        with open(path, "wb") as f:
            f.truncate(int(value.strip()))
    else:
        with open(path, "w", encoding="utf-8") as f:
            f.write("#!/bin/sh\n" + value.strip() + "\n")
        os.chmod(path, os.stat(path).st_mode | stat.S_IXUSR)


def run(skiff: str, argv: list, env: dict, stdout: str):
    """The finished process; its stdout is empty when redirected."""
    full_env = dict(os.environ, **env)
    if stdout is None:
        return subprocess.run([skiff] + argv, capture_output=True, env=full_env, timeout=120)
    if stdout == "closed-pipe":
        r, w = os.pipe()
        os.close(r)
        try:
            return subprocess.run([skiff] + argv, stdout=w, stderr=subprocess.PIPE, env=full_env, timeout=120)
        finally:
            os.close(w)
    with open(stdout, "wb") as out:
        return subprocess.run([skiff] + argv, stdout=out, stderr=subprocess.PIPE, env=full_env, timeout=120)


def main() -> int:
    skiff, test, fixtures = sys.argv[1:4]
    with tempfile.TemporaryDirectory() as tmp:
        def subst(s: str) -> str:
            s = s.replace("%t", tmp).replace("%fixtures", fixtures)
            return re.sub(r"%x([0-9a-fA-F]{2})", lambda m: os.fsdecode(bytes([int(m.group(1), 16)])), s)
        runs, checks, nots, exit_code, env, stdout = [], [], [], 0, {}, None
        for line in open(test, encoding="utf-8"):
            line = line.rstrip("\n")
            if not line.startswith("# "):
                continue
            body = line[2:]
            if body.startswith("FILE:"):
                make_file(subst(body[5:]))
            elif body.startswith("ENV:"):
                name, _, value = subst(body[4:].strip()).partition("=")
                env[name] = value
            elif body.startswith("STDOUT:"):
                stdout = subst(body[7:].strip())
            elif body.startswith("RUN:"):
                runs.append(body[4:].strip())
            elif body.startswith("EXIT:"):
                exit_code = int(body[5:].strip())
            elif body.strip() == "EXPECT-EMPTY":
                nots.append("")  # handled below: any output at all fails
            elif body.startswith("CHECK-NOT:"):
                nots.append(subst(body[10:].strip()))
            elif body.startswith("CHECK:"):
                text = subst(body[6:].strip())
                if not text:
                    print(f"{test}: an empty CHECK matches anything")
                    return 1
                checks.append(text)
        if len(runs) != 1 or not (checks or nots):
            print(f"{test}: needs exactly one RUN and at least one CHECK or CHECK-NOT")
            return 1
        argv = [subst(a) for a in shlex.split(runs[0])]
        if argv[0] != "skiff":
            print(f"{test}: RUN must start with 'skiff'")
            return 1
        proc = run(skiff, argv[1:], env, stdout)
        output = (proc.stdout or b"").decode("utf-8", "replace") + proc.stderr.decode("utf-8", "replace")
        ok = True
        if proc.returncode != exit_code:
            print(f"exit code {proc.returncode}, expected {exit_code}")
            ok = False
        pos = 0
        for c in checks:
            i = output.find(c, pos)
            if i < 0:
                print(f"CHECK not found (after offset {pos}): {c!r}")
                ok = False
            else:
                pos = i + len(c)
        for n in nots:
            if n == "":
                if output:
                    print("expected no output")
                    ok = False
                continue
            if n in output:
                print(f"CHECK-NOT found: {n!r}")
                ok = False
        if not ok:
            print("---- output ----")
            print(output)
        return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
