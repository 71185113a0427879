"""The harness of tests/serve/run_serve.py: checks, HTTP over raw sockets, the server
under test and its environment. The cases import everything from here."""
import argparse
import http.client
import http.server
import json
import os
import random
import re
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import traceback

LISTENING = re.compile(r"^skiff serve: listening on http://127\.0\.0\.1:(\d+)$")
DRAINED = "drained"  # the log's last event
FAILED_HANDLER = b"internal error: the handler failed\n"
MALFORMED_HANDLER = b"internal error: the handler's response is malformed\n"


# --- checks -----------------------------------------------------------------------------

class Failed(Exception):
    """A check whose failure makes the rest of the case meaningless."""


class Skipped(Exception):
    """What the case needs is missing here; the message says what (exit 77)."""


class Checks:
    def __init__(self) -> None:
        self.failures = []
        self.count = 0

    def check(self, cond, what: str) -> bool:
        self.count += 1
        if not cond:
            self.failures.append(what)
            print(f"FAIL {what}", flush=True)
        return bool(cond)

    def eq(self, actual, expected, what: str) -> bool:
        return self.check(actual == expected, f"{what}: expected {expected!r}, got {actual!r}")

    def within(self, value: float, lo: float, hi: float, what: str) -> bool:
        return self.check(lo <= value <= hi, f"{what}: {value:.3f} s is outside [{lo}, {hi}]")

    def require(self, cond, what: str) -> None:
        if not self.check(cond, what):
            raise Failed(what)


C = Checks()


# --- responses, HTTP over raw sockets ------------------------------------------------------

class Resp:
    def __init__(self, status: int, reason: str, headers: list, body: bytes, version: str) -> None:
        self.status, self.reason, self.headers, self.body, self.version = status, reason, headers, body, version
        self.t = time.monotonic()  # when it was complete

    def header(self, name: str):
        for k, v in self.headers:
            if k.lower() == name.lower():
                return v
        return None

    def all(self, name: str) -> list:
        return [v for k, v in self.headers if k.lower() == name.lower()]

    def __repr__(self) -> str:
        return f"<{self.version} {self.status} {self.reason!r} {self.headers} {self.body[:200]!r}>"


class Raw:
    """One client connection; requests are bytes as sent, responses parsed here."""

    def __init__(self, port: int, timeout: float = 10) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.buf = bytearray()  # what was received and not yet parsed

    @property
    def local_port(self) -> int:
        return self.sock.getsockname()[1]

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def _fill(self) -> None:
        chunk = self.sock.recv(65536)
        if not chunk:
            raise EOFError("the server closed the connection")
        self.buf += chunk

    def _take(self, n: int) -> bytes:
        while len(self.buf) < n:
            self._fill()
        out = bytes(self.buf[:n])
        del self.buf[:n]
        return out

    def _line(self) -> bytes:
        while (end := self.buf.find(b"\r\n")) < 0:
            self._fill()
        line = bytes(self.buf[:end])
        del self.buf[:end + 2]
        return line

    def read_response(self, head: bool = False) -> Resp:
        scanned = 0
        while (end := self.buf.find(b"\r\n\r\n", scanned)) < 0:
            scanned = max(0, len(self.buf) - 3)
            self._fill()
        block = bytes(self.buf[:end])
        del self.buf[:end + 4]
        lines = block.decode("latin-1").split("\r\n")
        m = re.match(r"^(HTTP/\d\.\d) (\d{3}) ?(.*)$", lines[0])
        if not m:
            raise ValueError(f"bad status line {lines[0]!r}")
        version, status, reason = m.group(1), int(m.group(2)), m.group(3)
        headers = []
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers.append((name, value.strip(" \t")))
        r = Resp(status, reason, headers, b"", version)
        te, cl = r.header("transfer-encoding"), r.header("content-length")
        if head or status in (204, 304) or 100 <= status < 200:
            pass
        elif te and "chunked" in te.lower():
            body = b""
            while True:
                size = int(self._line().split(b";")[0], 16)
                if size == 0:
                    while self._line():
                        pass
                    break
                body += self._take(size)
                self._take(2)
            r.body = body
        elif cl is not None:
            r.body = self._take(int(cl))
        else:
            while True:
                try:
                    self._fill()
                except EOFError:
                    break
            r.body = bytes(self.buf)
            self.buf.clear()
        r.t = time.monotonic()
        return r

    def request(self, data: bytes, head: bool = False) -> Resp:
        self.send(data)
        return self.read_response(head)

    def closed(self, timeout: float = 3) -> bool:
        """True when the server closes the connection (EOF or reset) within `timeout`;
        anything it sends first is kept in buf."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            self.sock.settimeout(left)
            try:
                chunk = self.sock.recv(65536)
            except socket.timeout:
                return False
            except (ConnectionResetError, BrokenPipeError):
                return True
            if not chunk:
                return True
            self.buf += chunk

    def close(self) -> None:
        try:
            self.sock.close()
        except OSError:
            pass


def get(port: int, path: str, method: str = "GET", headers=None, body=None, timeout: float = 10) -> Resp:
    """One request on a connection of its own (http.client adds Host and Accept-Encoding)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        r = conn.getresponse()
        data = r.read()
        return Resp(r.status, r.reason, r.getheaders(), data, f"HTTP/{r.version // 10}.{r.version % 10}")
    finally:
        conn.close()


def raw_once(port: int, data: bytes, timeout: float = 10) -> tuple:
    """Sends `data` on a new connection; returns (response or None, closed afterwards).
    A response that announces the close gets 3 s to do it, any other 0.2 s."""
    c = Raw(port, timeout)
    try:
        try:
            c.send(data)
            r = c.read_response()
        except (EOFError, ConnectionResetError, BrokenPipeError):
            return None, True
        announced = (r.header("connection") or "").lower() == "close" or (
            r.version == "HTTP/1.0" and (r.header("connection") or "").lower() != "keep-alive")
        return r, c.closed(3 if announced else 0.2)
    finally:
        c.close()


def req(method: str, target: str, headers=(), body: bytes = b"", version: str = "HTTP/1.1", host: bool = True) -> bytes:
    lines = [f"{method} {target} {version}"]
    if host:
        lines.append("Host: test.invalid")
    lines += [f"{k}: {v}" for k, v in headers]
    if body and not any(k.lower() in ("content-length", "transfer-encoding") for k, _ in headers):
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


def parse_dump(body: bytes) -> dict:
    """cgi_dump's answer: {"args": [...], "env": [(name, value)...], "stdin": bytes}."""
    def unescape(s: bytes) -> str:
        return re.sub(rb"\\(.)", lambda m: b"\n" if m.group(1) == b"n" else m.group(1), s).decode("utf-8", "surrogateescape")

    out = {"args": [], "env": [], "stdin": None}
    rest = body
    while rest:
        line, _, rest = rest.partition(b"\n")
        if line.startswith(b"arg "):
            _, i, value = line.split(b" ", 2)
            C.eq(int(i), len(out["args"]), "argv index")
            out["args"].append(unescape(value))
        elif line.startswith(b"env "):
            name, _, value = unescape(line[4:]).partition("=")
            out["env"].append((name, value))
        elif line.startswith(b"stdin "):
            n = int(line[6:])
            C.eq(len(rest), n, "stdin length as dumped")
            out["stdin"] = rest
            break
        else:
            raise ValueError(f"unexpected line in cgi_dump output: {line!r}")
    out["vars"] = dict(out["env"])
    return out


def parse_metrics(text: str) -> dict:
    """{(name, ((label, value)...sorted)): float}; checks the exposition format too."""
    samples = {}
    helps, types, bad = set(), set(), []
    for line in text.splitlines():
        if line.startswith("# HELP "):
            helps.add(line.split(" ")[2])
            continue
        if line.startswith("# TYPE "):
            types.add(line.split(" ")[2])
            continue
        m = re.match(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$', line)
        if not m:
            bad.append(line)
            continue
        labels = tuple(sorted(re.findall(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"', m.group(2) or "")))
        samples[(m.group(1), labels)] = float(m.group(3).replace("+Inf", "inf"))
        family = re.sub(r"_(bucket|sum|count)$", "", m.group(1))
        if family not in types and m.group(1) not in types:
            bad.append(line + "  (no # TYPE)")
    C.check(not bad and helps == types and samples,
            f"/metrics is in the Prometheus text format (bad lines: {bad[:3]}; HELP {helps ^ types} differ)")
    return samples


def metric(samples: dict, name: str, **labels):
    return samples.get((name, tuple(sorted(labels.items()))))


def scrape(port: int) -> dict:
    r = get(port, "/metrics")
    C.eq(r.status, 200, "GET /metrics status")
    return parse_metrics(r.body.decode())


def q(path: str) -> str:
    """A path as a TOML literal string."""
    assert "'" not in path and "\n" not in path, path
    return f"'{path}'"


def parallel(fns: list, start_together: bool = True) -> list:
    """Runs each fn in a thread (released at once by a barrier); returns their results
    (or the exceptions they raised)."""
    results = [None] * len(fns)
    barrier = threading.Barrier(len(fns))

    def run(i, fn):
        try:
            if start_together:
                barrier.wait(10)
            results[i] = fn()
        except BaseException as e:  # noqa: BLE001 - reported by the caller
            results[i] = e

    threads = [threading.Thread(target=run, args=(i, fn), daemon=True) for i, fn in enumerate(fns)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results


# --- the server under test --------------------------------------------------------------

class Env:
    """What a case works with: paths, and everything it started (stopped at the end)."""

    def __init__(self, skiff: str, guests: str, tmp: str) -> None:
        self.skiff, self.guests, self.tmp = skiff, guests, tmp
        self.servers = []
        self.closers = []

    def guest(self, name: str) -> str:
        path = os.path.join(self.guests, name + ".wasm")
        C.require(os.path.isfile(path), f"{path} exists (was the skiff_serve_guests target built?)")
        return path

    def write(self, rel: str, text) -> str:
        path = os.path.join(self.tmp, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(text.encode() if isinstance(text, str) else text)
        return path

    def manifest(self, text: str, name: str = "skiff.toml") -> str:
        return self.write(name, text)

    def serve(self, target: str, *args: str, listen: str = "127.0.0.1:0", wait: bool = True) -> "Server":
        s = Server(self, target, list(args), listen)
        self.servers.append(s)
        if wait:
            s.wait_listening()
        return s

    def cleanup(self) -> None:
        for s in self.servers:
            s.kill()
        for close in self.closers:
            try:
                close()
            except Exception:  # noqa: BLE001 - cleanup goes on
                pass


class Server:
    def __init__(self, env: Env, target: str, args: list, listen) -> None:
        cmd = [env.skiff, "serve", target] + (["--listen", listen] if listen else []) + args
        self.cmd = cmd
        # A marker in skiff's own environment: no guest may see it.
        child_env = dict(os.environ, SKIFF_SERVE_TEST_MARKER="host-environment-leak")
        self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stderr=subprocess.PIPE, env=child_env,
                                     cwd=env.tmp)
        self.lines = []
        self.cond = threading.Condition()
        self.eof = False
        self.port = None
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        for raw in self.proc.stderr:
            line = raw.decode("utf-8", "replace").rstrip("\n")
            with self.cond:
                self.lines.append(line)
                self.cond.notify_all()
        with self.cond:
            self.eof = True
            self.cond.notify_all()

    def stderr(self) -> str:
        with self.cond:
            return "\n".join(self.lines)

    def wait_line(self, pred, timeout: float):
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                for line in self.lines:
                    if pred(line):
                        return line
                left = deadline - time.monotonic()
                if self.eof or left <= 0:
                    return None
                self.cond.wait(left)

    def wait_listening(self, timeout: float = 20) -> int:
        line = self.wait_line(lambda l: LISTENING.match(l), timeout)
        if not line:
            self.kill()
            C.require(False, f"{' '.join(self.cmd)} did not start listening; stderr:\n{self.stderr()}")
        self.port = int(LISTENING.match(line).group(1))
        return self.port

    def logs(self) -> list:
        out = []
        with self.cond:
            lines = list(self.lines)
        for line in lines:
            if line.startswith("{"):
                try:
                    out.append(json.loads(line))
                except json.JSONDecodeError:
                    C.check(False, f"log line is not JSON: {line!r}")
        return out

    def wait_log(self, pred, timeout: float = 3):
        """The first JSON log entry for which pred holds (the log is written every 50 ms)."""
        def match(line):
            if not line.startswith("{"):
                return False
            try:
                return pred(json.loads(line))
            except json.JSONDecodeError:
                return False
        line = self.wait_line(match, timeout)
        return json.loads(line) if line else None

    def access(self, target: str) -> list:
        return [e for e in self.logs() if e.get("target") == target and "status" in e]

    def exit_code(self, timeout: float):
        """The exit code once the process has ended, or None if it runs past `timeout`."""
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            return None

    def stop(self, timeout: float = 15) -> int:
        """SIGTERM; then the exit code, which must be 0 with a drained message."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        rc = self.exit_code(timeout)
        if rc is None:
            self.kill()
            C.check(False, f"skiff serve did not exit within {timeout} s of SIGTERM")
            return -1
        self.reader.join(5)
        return rc

    def stop_clean(self, timeout: float = 15) -> None:
        rc = self.stop(timeout)
        C.eq(rc, 0, "skiff serve exit code after SIGTERM")
        C.check(any(e.get("event") == DRAINED for e in self.logs()), f"a {DRAINED!r} log line")
        C.check(any(e.get("event") == "draining" for e in self.logs()), "a draining log line")
        text = self.stderr()
        for bad in ("AddressSanitizer", "runtime error:", "LeakSanitizer", "terminate called", "Assertion"):
            C.check(bad not in text, f"stderr has no {bad!r}")

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                pass

    def alive(self) -> bool:
        return self.proc.poll() is None


def healthy(port: int) -> None:
    r = get(port, "/healthz", timeout=5)
    C.eq((r.status, r.body), (200, b"ok\n"), "GET /healthz")


def errors_of(s: Server, app: str) -> list:
    return [e for e in s.logs() if e.get("level") == "error" and e.get("app") == app]
