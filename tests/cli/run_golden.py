#!/usr/bin/env python3
"""Runs one CLI golden test: the input, the command and the expected output in one file
(the LLVM lit idea). Directives, one per line, each starting with '# ':
  FILE: %t/NAME HEX: 00 61 73 6d ...   write bytes to a temp file
  RUN: skiff ARGS...                    the command (%t temp dir, %fixtures built fixtures)
  EXIT: N                               expected exit code (default 0)
  CHECK: text                           must appear in stdout+stderr, in this order
  CHECK-NOT: text                       must not appear anywhere
  EXPECT-EMPTY                          stdout+stderr must be empty
Usage: run_golden.py SKIFF TESTFILE FIXTURES_DIR"""
import shlex
import subprocess
import sys
import tempfile


def main() -> int:
    skiff, test, fixtures = sys.argv[1:4]
    with tempfile.TemporaryDirectory() as tmp:
        def subst(s: str) -> str:
            return s.replace("%t", tmp).replace("%fixtures", fixtures)
        runs, checks, nots, exit_code = [], [], [], 0
        for line in open(test, encoding="utf-8"):
            line = line.rstrip("\n")
            if not line.startswith("# "):
                continue
            body = line[2:]
            if body.startswith("FILE:"):
                path, _, hexpart = body[5:].partition("HEX:")
                with open(subst(path.strip()), "wb") as f:
                    f.write(bytes.fromhex(hexpart.replace(" ", "")))
            elif body.startswith("RUN:"):
                runs.append(subst(body[4:].strip()))
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
        argv = shlex.split(runs[0])
        if argv[0] != "skiff":
            print(f"{test}: RUN must start with 'skiff'")
            return 1
        proc = subprocess.run([skiff] + argv[1:], capture_output=True, text=True, timeout=120)
        output = proc.stdout + proc.stderr
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
