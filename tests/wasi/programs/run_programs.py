#!/usr/bin/env python3
"""Runs a real program from Debian's sources under `skiff run` and the same program built
natively (bench/corpus/build.sh builds both), and requires the same observable behaviour.

Usage: run_programs.py --case lua|lua_error|sqlite SKIFF PROGRAMS TEMPDIR
       run_programs.py --skip REASON

PROGRAMS holds lua.wasm, sqlite3-shell.wasm and native/{lua,sqlite3-shell}.
  lua        workload.lua (closures, strings, coroutines, errors, files in a preopen):
             same stdout, stderr and exit status 0, and it reports its checks.
  lua_error  an uncaught error raised inside a coroutine resumed from a metamethod: same
             stderr (message and traceback) and exit status 1.
  sqlite     create.sql then query.sql (separate processes) on a database file in a
             preopened directory: same outputs, and byte-identical database files with no
             journal left behind.
Exit 0 on pass, 1 on failure, 77 (ctest SKIP_RETURN_CODE) with --skip."""
import argparse
import os
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
TIMEOUT = 600


def run(cmd, cwd=None, stdin=b"", env=None):
    p = subprocess.run(cmd, cwd=cwd, input=stdin, env=env, capture_output=True, timeout=TIMEOUT)
    return p.returncode, p.stdout.decode(errors="replace"), p.stderr.decode(errors="replace")


def same(what, native, wasm, failures):
    if native != wasm:
        failures.append(f"{what} differs\n--- native:\n{native}\n--- skiff:\n{wasm}")


def fresh(path):
    shutil.rmtree(path, ignore_errors=True)
    os.makedirs(path)
    return path


def case_lua(skiff, progs, tmp, failures):
    out_n, out_w = fresh(f"{tmp}/native"), fresh(f"{tmp}/wasm")
    n = run([f"{progs}/native/lua", "workload.lua", out_n], cwd=HERE)
    w = run([skiff, "run", "--dir", f"{out_w}::/out", "--dir-ro", f"{HERE}::.",
             f"{progs}/lua.wasm", "workload.lua", "/out"])
    for i, what in enumerate(("exit status", "stdout", "stderr")):
        same(what, n[i], w[i], failures)
    if w[0] != 0:
        failures.append(f"skiff run exited {w[0]}")
    last = w[1].strip().splitlines()[-1:] or [""]
    if not last[0].startswith("checks\t") or int(last[0].split("\t")[1]) < 10:
        failures.append(f"workload did not report its checks (last line {last[0]!r})")
    for d in (out_n, out_w):
        if os.listdir(d):
            failures.append(f"workload left files behind in {d}: {os.listdir(d)}")


LUA_ERROR = ("local t = setmetatable({}, {__index = function(_, k)\n"
             "  return coroutine.wrap(function() error('deep boom: ' .. k) end)()\n"
             "end})\nreturn t.missing")


def case_lua_error(skiff, progs, tmp, failures):
    n = run([f"{progs}/native/lua", "-e", LUA_ERROR])
    w = run([skiff, "run", f"{progs}/lua.wasm", "-e", LUA_ERROR])
    same("exit status", n[0], w[0], failures)
    # lua.c prefixes the message with argv[0], the program's own path.
    same("stderr", n[2].replace(f"{progs}/native/lua", "lua", 1),
         w[2].replace(f"{progs}/lua.wasm", "lua", 1), failures)
    if w[0] != 1 or "deep boom: missing" not in w[2] or "stack traceback" not in w[2]:
        failures.append(f"expected exit 1 with the error and a traceback, got {w[0]}: {w[2]!r}")


def case_sqlite(skiff, progs, tmp, failures):
    dirs = {"native": fresh(f"{tmp}/native"), "wasm": fresh(f"{tmp}/wasm")}
    results = {}
    for script in ("create.sql", "query.sql"):
        with open(f"{HERE}/{script}", "rb") as f:
            sql = f.read()
        # HOME points into the data directory so both shells look for (and miss) .sqliterc.
        env = dict(os.environ, HOME=dirs["native"])
        n = run([f"{progs}/native/sqlite3-shell", f"{dirs['native']}/test.db"], stdin=sql, env=env)
        w = run([skiff, "run", "--dir", f"{dirs['wasm']}::/data", "--env", "HOME=/data",
                 f"{progs}/sqlite3-shell.wasm", "/data/test.db"], stdin=sql)
        for i, what in enumerate(("exit status", "stdout", "stderr")):
            same(f"{script}: {what}", n[i], w[i], failures)
        if w[0] != 0 or w[2]:
            failures.append(f"{script}: skiff run exited {w[0]} with stderr {w[2]!r}")
        results[script] = w[1]
    if "created|2000|19980|20000" not in results["create.sql"]:
        failures.append(f"create.sql output: {results['create.sql']!r}")
    if not results["query.sql"].startswith("integrity_check\nok\n"):
        failures.append(f"query.sql: integrity check failed: {results['query.sql'][:200]!r}")
    with open(f"{dirs['native']}/test.db", "rb") as a, open(f"{dirs['wasm']}/test.db", "rb") as b:
        if a.read() != b.read():
            failures.append("the database files written natively and under skiff differ")
    for name, d in dirs.items():
        if sorted(os.listdir(d)) != ["test.db"]:
            failures.append(f"{name}: expected only test.db, found {sorted(os.listdir(d))}")


CASES = {"lua": case_lua, "lua_error": case_lua_error, "sqlite": case_sqlite}


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--skip")
    ap.add_argument("--case", choices=sorted(CASES))
    ap.add_argument("paths", nargs="*")
    a = ap.parse_args()
    if a.skip:
        print(f"SKIP: {a.skip}")
        return 77
    if not a.case or len(a.paths) != 3:
        ap.error("need --case and SKIFF PROGRAMS TEMPDIR")
    skiff, progs, tmp = (os.path.abspath(p) for p in a.paths)
    tmp = fresh(os.path.join(tmp, a.case))
    failures = []
    CASES[a.case](skiff, progs, tmp, failures)
    if failures:
        for f in failures:
            print(f"FAIL {a.case}: {f}")
        return 1
    shutil.rmtree(tmp, ignore_errors=True)
    print(f"PASS {a.case}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
