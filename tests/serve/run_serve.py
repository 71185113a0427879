#!/usr/bin/env python3
"""End-to-end tests of `skiff serve`: one case per ctest test (serve.CASE).

Usage: run_serve.py --case NAME SKIFF GUEST_DIR TMP_DIR
       run_serve.py --skip REASON

GUEST_DIR holds the test guests (tests/serve/guests/*.c built to NAME.wasm). A case
writes a skiff.toml into a fresh directory below TMP_DIR, starts `SKIFF serve` on
127.0.0.1 with `--listen 127.0.0.1:0` (the kernel picks the port; the server says which
on stderr: "skiff serve: listening on http://127.0.0.1:PORT"), talks HTTP to it over
loopback (http.client, or raw sockets for what http.client cannot send), reads its JSON
log lines from stderr and its /metrics, and at the end sends SIGTERM and expects a clean
drain: exit code 0 and a "drained" log line. Every server (and upstream) a
case starts is stopped when the case ends, also when it fails: by its own PID only.

A case passes when every check holds; each failed check prints a FAIL line and the case
exits 1 (77 with --skip). The cases and what each covers are in CASES at the bottom.
Times are bounded: each case takes a few seconds (the slowest, drain and slowloris, ~5 s
on the dev build) and fails rather than hangs (socket timeouts, process timeouts)."""
import argparse
import os
import shutil
import sys
import tempfile
import time
import traceback

from cases_apps import *  # noqa: F401,F403
from cases_server import *  # noqa: F401,F403
from serve_harness import C, Env, Failed, Skipped

CASES = {
    "wagi_cgi": case_wagi_cgi,
    "wagi_output": case_wagi_output,
    "native_abi": case_native_abi,
    "native_traps": case_native_traps,
    "isolation": case_isolation,
    "kv": case_kv,
    "kv_restart": case_kv_restart,
    "config_files": case_config_files,
    "outbound": case_outbound,
    "routing": case_routing,
    "keepalive": case_keepalive,
    "body_limits": case_body_limits,
    "field_limits": case_field_limits,
    "malformed": case_malformed,
    "slowloris": case_slowloris,
    "timeout": case_timeout,
    "slow_after_quick": case_slow_after_quick,
    "realtime": case_realtime,
    "trap_memory_fuel": case_trap_memory_fuel,
    "backpressure": case_backpressure,
    "metrics": case_metrics,
    "drain": case_drain,
    "bad_config": case_bad_config,
    "single_module": case_single_module,
    "tier_auto": case_tier_auto,
}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--skip", help="skip with this reason (exit 77)")
    ap.add_argument("--case", choices=sorted(CASES))
    ap.add_argument("--keep", action="store_true", help="keep the case's directory")
    ap.add_argument("skiff", nargs="?")
    ap.add_argument("guests", nargs="?")
    ap.add_argument("tmp", nargs="?")
    a = ap.parse_args()
    if a.skip is not None:
        print(f"skipped: {a.skip}")
        return 77
    if not (a.case and a.skiff and a.guests and a.tmp):
        ap.error("--case NAME SKIFF GUEST_DIR TMP_DIR are required")
    os.makedirs(a.tmp, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix=a.case + "-", dir=os.path.abspath(a.tmp))
    env = Env(os.path.abspath(a.skiff), os.path.abspath(a.guests), tmp)
    t0 = time.monotonic()
    skipped = None
    try:
        CASES[a.case](env)
    except Failed:
        pass
    except Skipped as e:
        skipped = str(e)
    except Exception:  # noqa: BLE001 - a crash of the case is a failure, with its traceback
        traceback.print_exc()
        C.failures.append("the case raised an exception")
    finally:
        env.cleanup()
    dt = time.monotonic() - t0
    if C.failures:
        for srv in env.servers:
            print(f"--- stderr of {' '.join(srv.cmd)}:\n{srv.stderr()[-6000:]}")
        print(f"serve.{a.case}: {len(C.failures)} of {C.count} checks failed ({dt:.1f} s); files in {tmp}")
        return 1
    if not a.keep:
        shutil.rmtree(tmp, ignore_errors=True)
    if skipped is not None:
        print(f"serve.{a.case}: {C.count} checks passed, then skipped: {skipped}")
        return 77
    print(f"serve.{a.case}: {C.count} checks passed ({dt:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
