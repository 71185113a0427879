#!/usr/bin/env python3
"""Differential test: skiff against wabt's wasm-interp on random valid modules.

For every exported function of every generated module, runs the reference (reference.py:
a probe module on wasm-interp, fresh instance, zero arguments) and
`SKIFF run MODULE --invoke NAME 0 0 ...` (contract: README.md), and compares the results.

  diff.py --skiff build/asan/tools/skiff [--count N] [--seed S] [--first I] [--keep DIR]
            [--require-run] [--json-summary FILE]
  diff.py --skiff PATH --modules DIR_OR_FILE...     re-run saved modules (e.g. a --keep dir)
  diff.py --self-check [--count N]                  wasm-interp against itself, via
                                                    fake_skiff.py, plus a negative control

Prints every disagreement, a summary, and last `N passed, N failed, N skipped`.
Exit: 0 no disagreement; 1 disagreement (or a failed self-check); 2 harness error;
77 nothing could be compared (e.g. skiff has no `run` yet), for ctest's SKIP_RETURN_CODE.
"""
from __future__ import annotations

import argparse
import collections
import concurrent.futures
import dataclasses
import json
import os
import re
import shutil
import shlex
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import canon_nan  # noqa: E402
import gen  # noqa: E402
import reference  # noqa: E402
from reference import Outcome  # noqa: E402

# ---------------------------------------------------------------------------------------
# The skiff side.

_INT = re.compile(r"^[+-]?(0x[0-9a-fA-F]+|[0-9]+)$")
_HEX = re.compile(r"^0x[0-9a-fA-F]+$")


def parse_contract_value(line: str, rtype: str) -> str:
    """One stdout line `TYPE:VALUE` of `skiff run --invoke` -> normalized value (raises
    ValueError on a contract violation). Lenient where it costs nothing: integers in
    signed or unsigned decimal or 0x hex, any case of hex digits."""
    kind, sep, text = line.strip().partition(":")
    if not sep or kind != rtype:
        raise ValueError(f"expected a {rtype} result, got {line.strip()!r}")
    text = text.strip()
    if rtype in ("i32", "i64"):
        if not _INT.match(text):
            raise ValueError(f"bad {rtype} value {text!r}")
        return reference.format_value(rtype, int(text, 0))
    if rtype in ("f32", "f64"):
        if not _HEX.match(text):
            raise ValueError(f"{rtype} must be printed as 0x bits, got {text!r}")
        bits = int(text, 16)
        if bits >> (32 if rtype == "f32" else 64):
            raise ValueError(f"{rtype} bit pattern too wide: {text!r}")
        return reference.format_value(rtype, bits)
    if rtype == "v128":
        lanes = text.split()
        if len(lanes) != 4 or not all(_HEX.match(l) and int(l, 16) >> 32 == 0 for l in lanes):
            raise ValueError(f"v128 must be four 0x i32 lanes, got {text!r}")
        return reference.format_value("v128", [int(l, 16) for l in lanes])
    return reference.format_value(rtype, 1 if text == "null" else 0)


def parse_skiff_output(stdout: str, stderr: str, returncode: int,
                       results: tuple[str, ...]) -> Outcome:
    """kind 'fail' = skiff broke the contract or crashed (always a disagreement)."""
    if returncode < 0:
        return Outcome("fail", detail=f"skiff killed by signal {-returncode}: {_tail(stderr)}")
    traps = [l[len("trap:"):].strip() for l in stderr.splitlines() if l.startswith("trap:")]
    if traps:
        if returncode == 0:
            return Outcome("fail", detail=f"printed 'trap:' but exited 0: {traps[0]!r}")
        spec = reference.normalize_spec_trap(traps[0])
        if spec is None:
            return Outcome("fail", detail=f"trap message not in the spec's wording: {traps[0]!r}")
        return Outcome("trap", trap=spec, detail=traps[0])
    if returncode != 0:
        return Outcome("fail", detail=f"skiff exited {returncode} without 'trap:': {_tail(stderr)}")
    lines = [l for l in stdout.splitlines() if l.strip()]
    if len(lines) != len(results):
        return Outcome("fail", detail=f"expected {len(results)} result line(s), got {lines[:5]!r}")
    try:
        return Outcome("values", values=[parse_contract_value(l, t) for l, t in zip(lines, results)])
    except ValueError as e:
        return Outcome("fail", detail=str(e))


def _tail(text: str) -> str:
    """First and last non-empty stderr lines: the message and, for sanitizer reports or
    usage errors, the line that says what happened."""
    lines = [l.strip() for l in text.splitlines() if l.strip()]
    if not lines:
        return "(no output)"
    return (lines[0] if len(lines) == 1 else f"{lines[0]} ... {lines[-1]}")[:300]


# Extra `skiff run` options (--tier), the same for every call and every repro line.
RUN_ARGS: list[str] = []


def run_skiff(cmd: list[str], module: str, export: reference.Export, timeout: float,
              env: dict | None = None) -> Outcome:
    argv = cmd + ["run", *RUN_ARGS, module, "--invoke", export.name] + reference.zero_args(export.params)
    try:
        proc = subprocess.run(argv, capture_output=True, text=True, errors="replace",
                              timeout=timeout, env=env)
    except subprocess.TimeoutExpired:
        return Outcome("fail", detail=f"skiff timed out after {timeout:g}s")
    except OSError as e:
        return Outcome("fail", detail=f"cannot run skiff: {e}")
    return parse_skiff_output(proc.stdout, proc.stderr, proc.returncode, export.results)


# (module (func (export "probe") (param i32) (result i32) local.get 0 i32.const 42 i32.add))
CAPABILITY_MODULE = bytes.fromhex(
    "0061736d01000000" "01060160017f017f" "03020100" "0709010570726f62650000"
    "0a090107002000412a6a0b")


def check_capability(cmd: list[str], workdir: str, timeout: float) -> str | None:
    """None if `run --invoke` exists; else a one-line reason to skip every case. Only a
    plain error exit (no `trap:`, no signal, no timeout) counts as "not there yet": a wrong
    answer or a crash is a bug the cases will show, never a reason to skip."""
    path = os.path.join(workdir, "capability.wasm")
    with open(path, "wb") as f:
        f.write(CAPABILITY_MODULE)
    export = reference.Export("probe", "func", 0, ("i32",), ("i32",))
    out = run_skiff(cmd, path, export, timeout)
    if out.kind == "fail" and re.match(r"skiff exited \d+ without 'trap:'|cannot run skiff", out.detail):
        return f"`{shlex.join(cmd)} run M --invoke probe 0` does not work yet ({out.detail})"
    if not (out.kind == "values" and out.values == ["i32:0x0000002a"]):
        print(f"warning: capability probe (i32.const 0)+42 gave {out} {out.detail}".rstrip())
    return None


# ---------------------------------------------------------------------------------------
# A third opinion.

def run_v8(probe: bytes, types: tuple[str, ...], tmp: str, exact_nan: bool = True) -> reference.Outcome:
    """A third opinion for a disagreement: the probe (built with split_v128) in node's V8,
    values normalized like the reference's (exact NaN bits). Informational only: V8's NaN
    choices are x86's, so it may differ from both where the spec allows any NaN."""
    fd, path = tempfile.mkstemp(suffix=".v8.wasm", dir=tmp)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(probe)
        proc = subprocess.run(["node", os.path.join(HERE, "v8_probe.mjs"), path],
                              capture_output=True, text=True, errors="replace", timeout=60)
    except subprocess.TimeoutExpired:
        return reference.Outcome("skip", detail="V8 timed out")
    except OSError as e:
        return reference.Outcome("skip", detail=f"cannot run node: {e}")
    finally:
        os.unlink(path)
    if proc.returncode != 0:
        msg = proc.stderr.strip().splitlines()[-1:] or ["?"]
        return reference.Outcome("trap" if msg[0].startswith("trap:") else "skip",
                                 trap=msg[0], detail=msg[0])
    nums = [int(l.partition(":")[2]) for l in proc.stdout.split()]
    values = []
    for t in types:
        if t == "v128":
            values.append(reference.format_value("v128", nums[:4]))
            del nums[:4]
        else:
            values.append(reference.format_value(t, nums.pop(0), exact_nan))
    return reference.Outcome("values", values=values)


def v8_opinion(module, case, ns) -> str:
    """Which side V8 takes in a disagreement, for the report (not the verdict)."""
    if not shutil.which("node"):
        return ""
    observers = (reference.state_observers(module, len(case.export.results) +
                                           len(reference.state_observers(module)))
                 if ns.state else [])
    types = case.export.results + tuple(t for t, _ in observers)
    try:
        probe = reference.build_probe(module, case.export, reference.zero_args(case.export.params),
                                      observers=observers, split_v128=True)
    except ValueError as e:
        return f"V8 not run: {e}"
    v8 = run_v8(probe, types, ns.probe_dir, ns.exact_nan)
    if v8.kind == "skip":
        return f"V8: {v8.detail}"
    if v8.kind == "trap":
        return f"V8 {v8.trap}" + (" (like wasm-interp)" if case.ref.kind == "trap" else "")
    same_ref = case.ref.kind == "values" and reference.values_match(v8.values, case.ref.values)
    same_sk = case.skiff.kind == "values" and reference.values_match(v8.values, case.skiff.values)
    side = ("agrees with both?" if same_ref and same_sk else "agrees with wasm-interp" if same_ref
            else "agrees with skiff" if same_sk else "differs from both")
    return f"V8 {side}: {v8}"


# ---------------------------------------------------------------------------------------
# Disagreements that are only NaN freedom.
#
# The spec lets arithmetic return any NaN (canonical NaN inputs: either sign; other NaN
# inputs: any payload), and wasm-interp always picks +canonical while skiff uses the
# CPU's choice. Results and globals are compared NaN-aware (reference.values_match), but
# NaN bits also reach memory (the state hash) and integer code (reinterpret, lane
# extracts, a store then a load), which can then branch, trap or index differently. So
# each disagreement is re-run on both sides with canon_nan.py's rewrite of the module
# (every arithmetic NaN made +canonical; bit-exact operations untouched): if they then
# agree, the case is skipped with NAN_FREEDOM; if not, it stays a failure.

NAN_FREEDOM = "only NaN bits differ: both agree once arithmetic NaNs are canonical (canon_nan.py)"


def recheck_canonical(case: Case, cmd: list[str], ns, env: dict | None) -> str | None:
    """None if the case agrees on the NaN-canonicalized module, else why it still fails."""
    try:
        with open(case.module, "rb") as f:
            data = canon_nan.canonicalize(f.read())
        module = reference.parse_module(data)
    except (OSError, reference.WasmFormatError, IndexError) as e:
        return f"NaN re-check impossible: {e}"
    export = next(e for e in module.exports if e.name == case.export.name)
    again = Case(case.module, export)
    fd, path = tempfile.mkstemp(suffix=".canon.wasm", dir=ns.probe_dir)
    try:
        if ns.state:
            results = reference.probe_results(module, export, True)
            again.labels = reference.state_labels(module)
            probe = reference.build_probe(module, export, reference.zero_args(export.params), True)
            with os.fdopen(fd, "wb") as f:
                f.write(probe)
            again.ref = reference.run_probe(probe, results, ns.timeout, False, ns.probe_dir)
            again.skiff = run_skiff(cmd, path, reference.Export(
                "probe", "func", 0, (), tuple(reference.PROBE_RESULT[t] for t in results)), ns.timeout, env)
            if again.skiff.kind == "values":
                again.skiff.values = reference.from_probe_values(again.skiff.values, results)
        else:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
            again.ref = reference.run_export(module, export, None, ns.timeout, False, ns.probe_dir)
            again.skiff = run_skiff(cmd, path, export, ns.timeout, env)
    finally:
        os.unlink(path)
    judge(again)
    if again.verdict == "passed":
        return None
    return f"also with NaNs canonicalized: {again.reason or again.verdict}"


# ---------------------------------------------------------------------------------------
# The run.

@dataclasses.dataclass
class Case:
    module: str
    export: reference.Export
    ref: Outcome | None = None
    skiff: Outcome | None = None
    verdict: str = ""          # passed | failed | skipped
    reason: str = ""
    probe: str = ""            # --state: the probe module skiff ran
    labels: list[str] = dataclasses.field(default_factory=list)  # --state: observed values
    v8: str = ""               # failures: what V8 says (diff.run_v8), when node is there


def judge(case: Case) -> None:
    ref, sk = case.ref, case.skiff
    if ref.kind == "skip":
        case.verdict, case.reason = "skipped", ref.detail
    elif sk.kind == "skip":
        case.verdict, case.reason = "skipped", sk.detail
    elif sk.kind == "trap" and sk.trap == reference.EXHAUSTION:
        case.verdict, case.reason = "skipped", "skiff: call stack exhausted (implementation limit)"
    elif sk.kind == "fail":
        case.verdict, case.reason = "failed", sk.detail
    elif reference.outcomes_match(ref, sk):
        case.verdict = "passed"
    elif ref.kind == sk.kind == "values" and len(ref.values) == len(sk.values):
        labels = [f"result {i}" for i in range(len(case.export.results))] + case.labels
        bad = [labels[i] if i < len(labels) else f"value {i}" for i, (a, b) in
               enumerate(zip(ref.values, sk.values)) if not reference.values_match([a], [b])]
        case.verdict, case.reason = "failed", "differ at " + ", ".join(bad)
    else:
        case.verdict, case.reason = "failed", "results differ"


def collect_modules(paths: list[str]) -> list[str]:
    out = []
    for p in paths:
        if os.path.isdir(p):
            out += sorted(os.path.join(p, f) for f in os.listdir(p) if f.endswith(".wasm"))
        else:
            out.append(p)
    return out


def run_cases(modules: list[str], cmd: list[str] | None, skip_reason: str | None,
              ns, env: dict | None = None) -> tuple[list[Case], int]:
    cases, nonfunc = [], 0
    for path in modules:
        try:
            module = reference.load_module(path)
        except (OSError, reference.WasmFormatError, IndexError) as e:
            print(f"harness: cannot read {path}: {e}", file=sys.stderr)
            continue
        if module.imports:
            print(f"harness: {path} has imports, ignored", file=sys.stderr)
            continue
        for export in module.exports:
            if export.kind == "func":
                cases.append(Case(path, export))
            else:
                nonfunc += 1
    loaded = {}

    def work(case: Case) -> Case:
        if case.module not in loaded:
            loaded[case.module] = reference.load_module(case.module)
        module = loaded[case.module]
        if ns.state:
            # skiff runs the same probe as the reference: the call, then memory size, memory hash and
            # every mutable global, so exports without results are compared too.
            results = reference.probe_results(module, case.export, True)
            case.labels = reference.state_labels(module)
            probe_export = reference.Export(
                "probe", "func", 0, (), tuple(reference.PROBE_RESULT[t] for t in results))
            fd, case.probe = tempfile.mkstemp(suffix=".probe.wasm", dir=ns.probe_dir)
            with os.fdopen(fd, "wb") as f:
                f.write(reference.build_probe(module, case.export,
                                              reference.zero_args(case.export.params), True))
            case.ref = reference.run_probe(open(case.probe, "rb").read(), results, ns.timeout,
                                           ns.exact_nan)
        else:
            case.ref = reference.run_export(module, case.export, None, ns.timeout, ns.exact_nan)
        if skip_reason is not None:
            case.skiff = Outcome("skip", detail=skip_reason)
        elif case.ref.kind == "skip":
            case.skiff = Outcome("skip", detail="not run: reference skipped")
        elif ns.state:
            case.skiff = run_skiff(cmd, case.probe, probe_export, ns.timeout, env)
            if case.skiff.kind == "values":
                case.skiff.values = reference.from_probe_values(case.skiff.values, results, ns.exact_nan)
        else:
            case.skiff = run_skiff(cmd, case.module, case.export, ns.timeout, env)
        judge(case)
        if case.verdict == "failed" and not ns.exact_nan:
            why = recheck_canonical(case, cmd, ns, env)
            if why is None:
                case.verdict, case.reason = "skipped", NAN_FREEDOM
            else:
                case.reason += f" ({why})"
        if case.verdict == "failed" and env is None:
            case.v8 = v8_opinion(module, case, ns)
        if case.probe and case.verdict != "failed":
            os.unlink(case.probe)
            case.probe = ""
        return case

    with concurrent.futures.ThreadPoolExecutor(ns.jobs or os.cpu_count() or 2) as pool:
        list(pool.map(work, cases))
    return cases, nonfunc


def signature(e: reference.Export) -> str:
    return f"({' '.join(e.params)}) -> ({' '.join(e.results)})"


def report_failure(case: Case, keep: str | None, cmd: list[str]) -> None:
    where = case.module
    if keep:
        os.makedirs(keep, exist_ok=True)
        dest = os.path.join(keep, os.path.basename(case.module))
        if os.path.abspath(dest) != os.path.abspath(case.module):
            shutil.copyfile(case.module, dest)
        where = dest
        if case.probe:
            probe = f"{dest[:-len('.wasm')]}.{case.export.name}.probe.wasm"
            shutil.copyfile(case.probe, probe)
            case.probe = probe
        with open(dest[:-len(".wasm")] + ".txt", "a", encoding="utf-8") as f:
            f.write(f"{case.export.name} {signature(case.export)}\n  reference: {case.ref}\n"
                    f"  skiff:     {case.skiff}\n  {case.reason}\n")
    if case.probe:      # --state: skiff ran the probe module
        repro = [*cmd, "run", *RUN_ARGS, case.probe, "--invoke", "probe"]
        values = "state after the call: results, memory.size, memory hash, mutable globals"
    else:
        repro = [*cmd, "run", *RUN_ARGS, where, "--invoke", case.export.name,
                 *reference.zero_args(case.export.params)]
        values = ""
    detail = (f"  [{case.skiff.detail}]" if case.skiff.kind == "trap"
              and case.skiff.detail != case.skiff.trap else "")
    print(f"FAIL {where} {case.export.name} {signature(case.export)}: {case.reason}"
          + (f" ({values})" if values else "") +
          f"\n  reference: {case.ref}\n  skiff:     {case.skiff}{detail}"
          + (f"\n  {case.v8}" if case.v8 else "") + f"\n  repro: {shlex.join(repro)}")


def summarize(cases: list[Case], nmodules: int, nonfunc: int, gen_stats: dict | None,
              elapsed: float) -> None:
    ref_dist = collections.Counter(reference_kind(c.ref) for c in cases)
    if gen_stats:
        print(f"generated {gen_stats['total']}: {gen_stats['kept']} kept, {gen_stats['invalid']} invalid, "
              f"{gen_stats['imports']} with imports, {gen_stats['opt-failed']} wasm-opt failures")
    print(f"{nmodules} modules, {len(cases)} exported functions ({nonfunc} other exports ignored), "
          f"{elapsed:.1f}s")
    print("reference: " + ", ".join(f"{k} {v}" for k, v in ref_dist.most_common()))
    skips = collections.Counter(c.reason for c in cases if c.verdict == "skipped")
    for reason, n in skips.most_common(3):
        print(f"skipped {n}: {reason}")


def reference_kind(o: Outcome) -> str:
    """The reference distribution's bucket of an outcome."""
    if o.kind == "values":
        return "values" if o.values else "no results"
    if o.kind == "trap":
        return f"trap: {o.trap}"
    return "skip: " + re.sub(r"\d+(\.\d+)?s", "Ns", o.detail)[:60]


def write_json_summary(path: str, ns, cases: list[Case], nmodules: int, nonfunc: int,
                       gen_stats: dict | None, elapsed: float, cmd: list[str]) -> None:
    """Everything the text summary says, for scripts (summarize.py merges chunks)."""
    failures, nan_skips = [], []
    for c in cases:
        m = re.match(r"^s(-?\d+)_(\d+)\.wasm$", os.path.basename(c.module))
        if c.verdict == "skipped" and c.reason == NAN_FREEDOM:
            nan_skips.append({"module": c.module, "seed": int(m[1]) if m else None,
                              "index": int(m[2]) if m else None, "export": c.export.name})
        if c.verdict != "failed":
            continue
        repro = ([*cmd, "run", *RUN_ARGS, c.probe, "--invoke", "probe"] if c.probe else
                 [*cmd, "run", *RUN_ARGS, c.module, "--invoke", c.export.name,
                  *reference.zero_args(c.export.params)])
        failures.append({
            "module": c.module, "seed": int(m[1]) if m else None, "index": int(m[2]) if m else None,
            "export": c.export.name, "signature": signature(c.export), "reason": c.reason,
            "reference": str(c.ref), "skiff": str(c.skiff),
            "skiff_detail": c.skiff.detail if c.skiff.kind == "trap" else "",
            "labels": c.labels, "v8": c.v8, "repro": shlex.join(repro)})
    passed, failed, skipped = counts(cases)
    data = {
        "seed": ns.seed, "first": ns.first, "count": ns.count, "state": ns.state,
        "profile": ns.profile, "elapsed": elapsed,
        "generated": gen_stats and {k: v for k, v in gen_stats.items() if k != "paths"},
        "modules": nmodules, "functions": len(cases), "other_exports": nonfunc,
        "reference": dict(collections.Counter(reference_kind(c.ref) for c in cases)),
        "skip_reasons": dict(collections.Counter(c.reason for c in cases if c.verdict == "skipped")),
        "passed": passed, "failed": failed, "skipped": skipped, "failures": failures,
        "nan_skips": nan_skips}
    with open(path, "w", encoding="utf-8") as f:
        json.dump(data, f, indent=1)


def counts(cases: list[Case]) -> tuple[int, int, int]:
    c = collections.Counter(x.verdict for x in cases)
    return c["passed"], c["failed"], c["skipped"]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    ap.add_argument("--skiff", help="path of the skiff binary (or a command line)")
    ap.add_argument("--tier", choices=["interp", "llvm"], help="skiff's tier (`run --tier`)")
    ap.add_argument("--self-check", action="store_true",
                    help="compare wasm-interp with itself through fake_skiff.py")
    ap.add_argument("--count", type=int, default=50, help="modules to generate (default 50)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--first", type=int, default=0,
                    help="index of the first module to generate (module I of seed S is fixed)")
    ap.add_argument("--profile", choices=sorted(gen.PROFILES), default="wasm2-noref")
    ap.add_argument("--modules", nargs="+", help="use these .wasm files/dirs instead of generating")
    ap.add_argument("--keep", help="copy modules with a disagreement here (+ a .txt note)")
    ap.add_argument("--work", help="generate into this dir (kept) instead of a temp dir")
    ap.add_argument("--timeout", type=float, default=reference.DEFAULT_TIMEOUT)
    ap.add_argument("--exact-nan", action="store_true", help="NaN bits must match too")
    ap.add_argument("--state", action="store_true",
                    help="compare state after each call too (skiff runs probe modules)")
    ap.add_argument("--require-run", action="store_true",
                    help="a skiff without a working `run --invoke` is a failure (exit 1), not a skip")
    ap.add_argument("--json-summary", metavar="FILE", help="also write the summary and failures as JSON")
    ap.add_argument("-j", "--jobs", type=int)
    ns = ap.parse_args()
    if not ns.skiff and not ns.self_check:
        ap.error("--skiff PATH or --self-check is required")
    for tool in (reference.WASM_INTERP, gen.WASM_OPT, gen.WASM_VALIDATE):
        if not shutil.which(tool):
            print(f"harness: {tool} not found (Debian packages wabt and binaryen)", file=sys.stderr)
            return 2
    fake = [sys.executable, os.path.join(HERE, "fake_skiff.py")]
    cmd = fake if ns.self_check else shlex.split(ns.skiff)
    if ns.tier:
        RUN_ARGS[:] = ["--tier", ns.tier]
    if not ns.self_check and len(cmd) == 1 and not shutil.which(cmd[0]):
        print(f"harness: skiff binary {cmd[0]} not found", file=sys.stderr)
        return 2

    start = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="skiff-diff-") as tmp:
        ns.probe_dir = os.path.join(tmp, "probes")
        os.makedirs(ns.probe_dir)
        gen_stats = None
        if ns.modules:
            modules = collect_modules(ns.modules)
        else:
            out = ns.work or os.path.join(tmp, "modules")
            s = gen.generate(out, ns.count, ns.seed, ns.first, ns.profile, ns.jobs)
            gen_stats = dict(s, total=ns.count)
            modules = s["paths"]
        skip_reason = check_capability(cmd, tmp, ns.timeout)
        if skip_reason and ns.require_run:
            print(f"FAIL: {skip_reason}")
            return 1
        if skip_reason:
            print(f"skipping all cases: {skip_reason}")
        cases, nonfunc = run_cases(modules, cmd, skip_reason, ns)
        for case in cases:
            if case.verdict == "failed":
                report_failure(case, ns.keep, cmd)
        summarize(cases, len(modules), nonfunc, gen_stats, time.monotonic() - start)
        if ns.json_summary:
            write_json_summary(ns.json_summary, ns, cases, len(modules), nonfunc, gen_stats,
                               time.monotonic() - start, cmd)

        control_ok = True
        if ns.self_check:
            # Negative control: a corrupted fake must be caught, or the check proves nothing.
            sample = [c.module for c in cases if c.verdict == "passed"]
            sample = list(dict.fromkeys(sample))[:5]
            env = dict(os.environ, SKIFF_FAKE_CORRUPT="1")
            bad, _ = run_cases(sample, cmd, None, ns, env)
            expect = [c for c in bad if c.ref.kind == "values" and any(
                v[:3] in ("i32", "i64") or (v[:3] in ("f32", "f64") and not v.endswith("nan"))
                for v in c.ref.values)]
            caught = [c for c in expect if c.verdict == "failed"]
            control_ok = bool(expect) and len(caught) == len(expect)
            print(f"negative control: {len(caught)}/{len(expect)} corrupted results detected"
                  f" ({'ok' if control_ok else 'NOT OK'})")

    passed, failed, skipped = counts(cases)
    print(f"{passed} passed, {failed} failed, {skipped} skipped")
    if failed or not control_ok:
        return 1
    if passed == 0:
        return 77
    return 0


if __name__ == "__main__":
    sys.exit(main())
