#!/usr/bin/env python3
"""Runs one WASI test guest (tests/wasi/guests/NAME.c, built to NAME.wasm) in a fresh
directory tree and checks the result from the outside.

Usage: run_guest.py SKIFF WASM TEMPDIR [--case NAME] [--runtime-cmd CMD]
       run_guest.py --skip REASON

The tree, created below TEMPDIR and removed afterwards:
  T/sandbox/   preopened as /sandbox: files, subdirectories, symlinks inside and
               pointing outside (see make_tree)
  T/outside/   next to the preopen, with secret.txt; never preopened
  T/ro/        preopened read-only as /ro (cases that ask for it)
The runtime command is `SKIFF run [--dir ...] [--dir-ro ...] [--env K=V]... [--inherit-env]
[--listen ADDR] WASM ARGS...`; --runtime-cmd replaces `SKIFF run` with any command taking
the same options (e.g. a node runner, for checking the guests themselves).

A case passes when the exit code is the expected one, stdout has the guest's summary line
"wasi-guest NAME: N checks, 0 failed" (N > 0) and no "FAIL " line, and afterwards
T/outside and T/ro are exactly as before (names, types, sizes, contents, mtimes, link
targets), nothing new appeared next to the sandbox, and the case's host-side checks hold.
Exit 0 on pass, 1 on failure, 77 (ctest SKIP_RETURN_CODE) with --skip."""
import argparse
import hashlib
import os
import shlex
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time

MARKER_VAR = "SKIFF_WASI_TEST_MARKER"  # set in the runtime's own environment, see args_env.c
PWNED = "skiff-wasi-escape-pwned"      # name escape.c tries to create outside the sandbox


def make_tree(t: str) -> None:
    sb, out, ro = (os.path.join(t, d) for d in ("sandbox", "outside", "ro"))

    def put(path: str, data: bytes) -> None:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(data)

    put(f"{out}/secret.txt", b"TOP SECRET\n")
    put(f"{out}/subdir/file.txt", b"outside file\n")
    put(f"{ro}/data.txt", b"ro data\n")
    os.makedirs(f"{ro}/dir")
    put(f"{sb}/hello.txt", b"hello, world\n")
    put(f"{sb}/ro.txt", b"read-only\n")
    put(f"{sb}/sub/inner.txt", b"inner\n")
    os.makedirs(f"{sb}/sub/deeper")
    os.makedirs(f"{sb}/empty")
    for i in range(20):
        put(f"{sb}/readdir/f{i:02d}", b"x" * i)
    os.makedirs(f"{sb}/readdir/d1")
    os.symlink("f00", f"{sb}/readdir/lnk")
    links = {
        "link_to_hello": "hello.txt",
        "link_to_sub": "sub",
        "dangling": "does_not_exist",
        "link_abs_out": f"{out}/secret.txt",
        "link_rel_out": "../outside/secret.txt",
        "link_dir_out": "../outside",
        "link_abs_dir_out": out,
        "link_root": "/",
        "link_new_out": "../outside/created_via_link.txt",
        "link_chain": "link_rel_out",
        "sub/link_up_out": "../../outside/secret.txt",
    }
    for name, target in links.items():
        os.symlink(target, f"{sb}/{name}")


def snapshot(root: str) -> dict:
    """Everything observable about a tree, by relative path (symlinks not followed)."""
    snap = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            p = os.path.join(dirpath, name)
            st = os.lstat(p)
            rel = os.path.relpath(p, root)
            if os.path.islink(p):
                snap[rel] = ("link", os.readlink(p))
            elif os.path.isdir(p):
                snap[rel] = ("dir", st.st_mtime_ns, st.st_mode)
            else:
                with open(p, "rb") as f:
                    digest = hashlib.sha256(f.read()).hexdigest()
                snap[rel] = ("file", st.st_size, st.st_mtime_ns, st.st_mode, st.st_nlink, digest)
    return snap


def swap_for_phase2(t: str) -> None:
    """escape.c phase1 left swapdir/ and swapdir_rel/ as real directories; replace them by
    symlinks leading outside, as an attacker racing the runtime between two calls would."""
    sb = os.path.join(t, "sandbox")
    for name, target in (("swapdir", os.path.join(t, "outside")), ("swapdir_rel", "../outside")):
        p = os.path.join(sb, name)
        shutil.rmtree(p, ignore_errors=True)
        if os.path.lexists(p):
            os.unlink(p)
        os.symlink(target, os.path.join(sb, name))


def check_paths_host(t: str) -> list:
    errs = []
    p = os.path.join(t, "sandbox", "p", "host_check.txt")
    try:
        with open(p, "rb") as f:
            if f.read() != b"written by paths.c\n":
                errs.append(f"{p}: unexpected content")
    except OSError as e:
        errs.append(f"{p}: {e} (the guest's writes did not reach the host directory)")
    return errs


def pwned_paths(t: str) -> list:
    return [os.path.join(d, PWNED) for d in ("/", "/tmp", os.path.dirname(t), t)]


def check_escape_host(t: str, existed_before: set) -> list:
    """A PWNED entry that appeared during the run is an escape: report it, then remove it
    (the name is ours). One that was there before is reported and left alone."""
    errs = []
    for p in pwned_paths(t):
        if p in existed_before:
            errs.append(f"{p} existed before the run (stale, from an earlier escape?): remove it")
        elif os.path.lexists(p):
            errs.append(f"{p} was created by the guest: sandbox escape")
            if os.path.isdir(p) and not os.path.islink(p):
                shutil.rmtree(p, ignore_errors=True)
            else:
                os.unlink(p)
    return errs


# Each case: guest (wasm stem), args, env (--env), inherit_env, dirs (sandbox preopen),
# dir_ro (/ro preopen), stdin bytes (or stdin_open: a pipe left open and silent;
# stdout_unread: a stdout pipe nobody reads until the guest has ended), exit
# code, summary (expect the summary line), stdout_has/stderr_has, run_opts (more `skiff
# run` options), phases (list of (args, hook run afterwards)), listen, host_check
# (returns error strings).
CASES = {
    "args_env": dict(args=["alpha", "two words", "", "ünïcødé"],
                     env=["FOO=bar", "EMPTY=", "EQ=a=b=c"]),
    "args_env_inherit": dict(guest="args_env", args=["inherit"], env=["FOO=bar"],
                             inherit_env=True),
    "clocks_random": dict(),
    "fd_basic": dict(stdin=b"stdin-data\n"),
    "paths": dict(dir_ro=True, host_check=check_paths_host),
    "readdir": dict(),
    "poll": dict(stdin=b"poll-stdin\n"),
    "proc": dict(exit=42),
    "proc_trap": dict(guest="proc", args=["trap"], exit=134, summary=False,
                      stdout_has="proc: trapping now"),
    # Blocked in fd_read on a stdin pipe that stays open: the deadline still stops it.
    "proc_timeout": dict(guest="proc", args=["read_stdin"], run_opts=["--timeout", "500ms"], stdin_open=True,
                         exit=134, summary=False, stdout_has="proc: reading stdin",
                         stderr_has="deadline exceeded"),
    # Blocked in fd_write on a full stdout pipe: the deadline still stops it.
    "proc_blockedwrite": dict(guest="proc", args=["write_stdout"], run_opts=["--timeout", "500ms"],
                               stdout_unread=True, exit=134, summary=False, stderr_has="deadline exceeded"),
    "sockets": dict(listen=True),
    # Blocked in sock_send to a peer that never reads, and in sock_recv with RECV_WAITALL
    # on a peer that sent too little: the deadline still stops the guest.
    "sockets_blockedsend": dict(guest="sockets", args=["send"], listen=True, peer="hold",
                                run_opts=["--timeout", "500ms"], exit=134, summary=False,
                                stdout_has="sockets: blocking in send", stderr_has="deadline exceeded"),
    "sockets_waitall": dict(guest="sockets", args=["recv"], listen=True, peer="hold",
                            run_opts=["--timeout", "500ms"], exit=134, summary=False,
                            stdout_has="sockets: blocking in recv", stderr_has="deadline exceeded"),
    "escape": dict(phases=[(["phase1"], swap_for_phase2), (["phase2"], None)]),
    "escape_nopreopen": dict(guest="escape", args=["nopreopen"], dirs=False),
}


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def connect(port: int, proc: subprocess.Popen, result: dict):
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            return socket.create_connection(("127.0.0.1", port), timeout=1)
        except OSError:
            time.sleep(0.05)
    result["error"] = f"could not connect to 127.0.0.1:{port} (--listen)"
    return None


def holding_client(port: int, proc: subprocess.Popen, result: dict) -> None:
    """A peer that sends one byte, never reads, and keeps the connection until the guest ends
    (run_once sets result["ended"]; proc.poll() here would race its wait)."""
    conn = connect(port, proc, result)
    if conn is None:
        return
    try:
        conn.sendall(b"x")
        result["ended"].wait(90)
    finally:
        conn.close()


def socket_client(port: int, proc: subprocess.Popen, result: dict) -> None:
    """The peer of sockets.c: two request/reply exchanges, then EOF both ways."""
    conn = connect(port, proc, result)
    if conn is None:
        return
    try:
        conn.settimeout(15)

        def read_line() -> bytes:
            data = b""
            while not data.endswith(b"\n"):
                chunk = conn.recv(1)
                if not chunk:
                    break
                data += chunk
            return data

        conn.sendall(b"ping 1234\n")
        got1 = read_line()
        conn.sendall(b"fdread 5678\n")
        got2 = read_line()
        conn.shutdown(socket.SHUT_WR)
        rest = b""
        while True:
            chunk = conn.recv(4096)
            if not chunk:
                break
            rest += chunk
        expected = (b"pong 1234\n", b"fdwrite 5678\n", b"")
        if (got1, got2, rest) != expected:
            result["error"] = f"peer got {(got1, got2, rest)!r}, expected {expected!r}"
    except OSError as e:
        result["error"] = f"peer: {e}"
    finally:
        conn.close()


def run_once(cmd: list, stdin: bytes, env: dict, listen_port, stdin_open: bool = False,
             stdout_unread: bool = False, peer_mode: str = "") -> tuple:
    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=env)
    peer = {"ended": threading.Event()}
    thread = None
    if listen_port is not None:
        client = holding_client if peer_mode == "hold" else socket_client
        thread = threading.Thread(target=client, args=(listen_port, proc, peer), daemon=True)
        thread.start()
    try:
        if stdin_open or stdout_unread:  # nothing read or written until the guest has ended
            if stdout_unread:
                proc.stdin.close()
            proc.wait(timeout=60)
            if stdin_open:
                proc.stdin.close()
            out, err = proc.stdout.read(), proc.stderr.read()
        else:
            out, err = proc.communicate(stdin, timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()
        if not proc.stdin.closed:
            proc.stdin.close()
        proc.wait()
        out, err = proc.stdout.read(), proc.stderr.read()
        err += b"\n[run_guest.py: killed after 60 s]"
    peer["ended"].set()
    if thread:
        thread.join(20)
        if thread.is_alive():
            peer["error"] = "peer still running"
    return proc.returncode, out.decode("utf-8", "replace"), err.decode("utf-8", "replace"), peer


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--skip")
    ap.add_argument("--case")
    ap.add_argument("--runtime-cmd")
    ap.add_argument("-v", "--verbose", action="store_true", help="print the guest's output")
    ap.add_argument("skiff", nargs="?")
    ap.add_argument("wasm", nargs="?")
    ap.add_argument("tempdir", nargs="?")
    a = ap.parse_args()
    if a.skip:
        print(f"SKIP: {a.skip}")
        return 77
    if not (a.skiff and a.wasm and a.tempdir):
        ap.error("SKIFF WASM TEMPDIR are required")
    name = a.case or os.path.splitext(os.path.basename(a.wasm))[0]
    case = CASES.get(name)
    if case is None:
        print(f"run_guest.py: no case {name!r}")
        return 1
    wasm = a.wasm
    if case.get("guest"):
        wasm = os.path.join(os.path.dirname(a.wasm), case["guest"] + ".wasm")
    if not os.path.exists(wasm):
        print(f"run_guest.py: {wasm} was not built")
        return 1
    prefix = shlex.split(a.runtime_cmd) if a.runtime_cmd else [a.skiff, "run"]
    os.makedirs(a.tempdir, exist_ok=True)
    t = tempfile.mkdtemp(prefix=f"{name}.", dir=a.tempdir)
    failures, summaries = [], []
    try:
        make_tree(t)
        watched = {d: snapshot(os.path.join(t, d)) for d in ("outside", "ro")}
        pwned_before = {p for p in pwned_paths(t) if os.path.lexists(p)}
        top = sorted(os.listdir(t))
        env = dict(os.environ)
        env[MARKER_VAR] = "from-the-host"
        env["FOO"] = "host-value"
        phases = case.get("phases") or [(case.get("args", []), None)]
        for args, hook in phases:
            opts = []
            if case.get("dirs", True):
                opts += ["--dir", f"{t}/sandbox::/sandbox"]
            if case.get("dir_ro"):
                opts += ["--dir-ro", f"{t}/ro::/ro"]
            for kv in case.get("env", []):
                opts += ["--env", kv]
            if case.get("inherit_env"):
                opts += ["--inherit-env"]
            port = None
            if case.get("listen"):
                port = free_port()
                opts += ["--listen", f"127.0.0.1:{port}"]
            opts += case.get("run_opts", [])
            cmd = prefix + opts + [wasm] + args
            rc, out, err, peer = run_once(cmd, case.get("stdin", b""), env, port, case.get("stdin_open", False),
                                          case.get("stdout_unread", False), case.get("peer", ""))
            if a.verbose:
                print(f"$ {shlex.join(cmd)}\n{out}{err}", end="")
            summaries += [l for l in out.splitlines() if l.startswith("wasi-guest ")]
            bad = []
            if rc != case.get("exit", 0):
                bad.append(f"exit code {rc}, expected {case.get('exit', 0)}")
            if case.get("summary", True):
                guest = case.get("guest", name)
                lines = [l for l in out.splitlines() if l.startswith(f"wasi-guest {guest}: ")]
                if not lines or not lines[-1].endswith(" checks, 0 failed") \
                        or lines[-1].split()[2] == "0":
                    bad.append("no summary line 'wasi-guest NAME: N checks, 0 failed'")
            fails = [l for l in out.splitlines() if l.startswith("FAIL ")]
            if fails:
                bad.append(f"{len(fails)} failed checks:\n  " + "\n  ".join(fails))
            if case.get("stdout_has") and case["stdout_has"] not in out:
                bad.append(f"stdout lacks {case['stdout_has']!r}")
            if case.get("stderr_has") and case["stderr_has"] not in err:
                bad.append(f"stderr lacks {case['stderr_has']!r}")
            if peer.get("error"):
                bad.append(peer["error"])
            if bad:
                failures.append(f"$ {shlex.join(cmd)}\n" + "\n".join(bad) +
                                f"\n---- stdout ----\n{out}---- stderr ----\n{err}")
            if hook:
                hook(t)
        for d, before in watched.items():
            after = snapshot(os.path.join(t, d))
            if after != before:
                changed = sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))
                failures.append(f"{d}/ changed (must be untouched): {changed}")
        if sorted(os.listdir(t)) != top:
            failures.append(f"new entries next to the sandbox: {sorted(set(os.listdir(t)) - set(top))}")
        if case.get("host_check"):
            failures += case["host_check"](t)
        failures += check_escape_host(t, pwned_before)  # for every case: cheap, and any may escape
    finally:
        shutil.rmtree(t, ignore_errors=True)
    if failures:
        print(f"wasi.{name}: FAILED")
        print("\n".join(failures))
        return 1
    for line in summaries:
        print(line)
    print(f"wasi.{name}: passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
