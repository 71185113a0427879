"""serve cases: routing, HTTP framing and limits, hostile clients and guests, metrics, drain, configuration (see run_serve.py)."""
from serve_harness import *  # noqa: F401,F403 - the harness is the cases' vocabulary

def case_routing(env: Env) -> None:
    """Routing: longest prefix across apps, whole segments, the app's own longest route as
    SCRIPT_NAME, 404, 405 with the route's Allow, HEAD, the host endpoints."""
    cgi = q(env.guest("cgi_dump"))
    m = env.manifest(f"""
[[app]]
name = "api"
module = {cgi}
routes = [{{ prefix = "/api", methods = ["GET", "POST"] }}, {{ prefix = "/other", methods = ["PUT"] }}]
[[app]]
name = "v2"
module = {cgi}
routes = ["/api/v2/"]
[[app]]
name = "gethead"
module = {cgi}
routes = [{{ prefix = "/gh", methods = ["get", "HEAD"] }}]
""")
    s = env.serve(m)
    p = s.port

    def who(path: str, method: str = "GET") -> tuple:
        r = get(p, path, method)
        if r.status != 200:
            return (r.status,)
        d = parse_dump(r.body)
        return d["args"][0], d["vars"]["SCRIPT_NAME"], d["vars"]["PATH_INFO"]

    for path, want in (("/api", ("api", "/api", "")), ("/api/", ("api", "/api", "/")),
                       ("/api/x/y", ("api", "/api", "/x/y")), ("/api/v2", ("v2", "/api/v2", "")),
                       ("/api/v2/z?q=/x", ("v2", "/api/v2", "/z")), ("/api/v2x", ("api", "/api", "/v2x")),
                       ("/api?to=/api/v2", ("api", "/api", "")), ("/api//v2", ("api", "/api", "//v2")),
                       ("/apix", (404,)), ("/", (404,)), ("/API", (404,)), ("/%61pi", (404,)),
                       ("/ap", (404,)), ("/gh/x", ("gethead", "/gh", "/x"))):
        C.eq(who(path), want, f"GET {path}")
    C.eq(who("/api/v2/x", "DELETE"), ("v2", "/api/v2", "/x"), "DELETE on a route without methods")
    C.eq(who("/other", "PUT"), ("api", "/other", ""), "PUT on the app's second route")
    r = get(p, "/apix")
    C.eq((r.body, r.header("content-type")), (b"404 Not Found\n", "text/plain; charset=utf-8"), "404 body")
    r = get(p, "/api/x", "DELETE")
    C.eq((r.status, r.header("allow"), r.body), (405, "GET, POST", b"405 Method Not Allowed\n"),
         "405 lists the methods of the matched route")
    r = get(p, "/other/x", "GET")
    C.eq((r.status, r.header("allow")), (405, "PUT"), "405 on the app's second route")
    r = get(p, "/gh", "POST")
    C.eq((r.status, r.header("allow")), (405, "GET, HEAD"), "methods are case-insensitive in the manifest")
    r = get(p, "/gh", "get")
    C.eq((r.status, r.header("allow")), (405, "GET, HEAD"), "... but not in a request: \"get\" is not GET")
    # HEAD: the GET's headers, no body, and the connection stays in step.
    c = Raw(p)
    r = c.request(req("HEAD", "/gh/x"), head=True)
    C.check(r.status == 200 and int(r.header("content-length") or 0) > 0, f"HEAD /gh/x: 200 with Content-Length ({r})")
    r = c.request(req("HEAD", "/healthz"), head=True)
    C.eq((r.status, r.header("content-length")), (200, "3"), "HEAD /healthz")
    r = c.request(req("HEAD", "/apix"), head=True)
    C.eq((r.status, r.header("content-length")), (404, "14"), "HEAD of a path no app has: 404, no body")
    r = c.request(req("HEAD", "/other"), head=True)
    C.eq((r.status, r.header("allow")), (405, "PUT"), "HEAD on a PUT-only route: 405, no body")
    r = c.request(req("GET", "/healthz"))
    C.eq((r.status, r.body), (200, b"ok\n"), "GET after HEADs on one connection")
    C.eq(c.buf, b"", "no stray body bytes after HEAD")
    c.close()
    r = get(p, "/healthz", "POST", body=b"x")
    C.eq((r.status, r.header("allow")), (405, "GET, HEAD"), "POST /healthz")
    r = get(p, "/metrics", "DELETE")
    C.eq((r.status, r.header("allow")), (405, "GET, HEAD"), "DELETE /metrics")
    s.stop_clean()


def case_keepalive(env: Env) -> None:
    """Connections: several requests on one keep-alive connection, pipelining, HTTP/1.0
    (closed unless keep-alive is asked for), Connection: close, Expect: 100-continue,
    idle connections closed after idle_timeout, silent ones after header_timeout."""
    m = env.manifest(f"""
[server]
idle_timeout = "1s"
header_timeout = "2s"
[[app]]
name = "cgi"
module = {q(env.guest("cgi_dump"))}
routes = ["/c"]
""")
    s = env.serve(m)
    p = s.port

    def idle_close() -> float:
        c = Raw(p)
        c.request(req("GET", "/c"))
        t0 = time.monotonic()
        ok = c.closed(6)
        c.close()
        return time.monotonic() - t0 if ok else -1

    def silent_close() -> float:
        c = Raw(p)
        t0 = time.monotonic()
        ok = c.closed(8)
        got = bytes(c.buf)
        c.close()
        return (time.monotonic() - t0 if ok else -1), got

    timers = [threading.Thread(target=lambda: results.append(("idle", idle_close())), daemon=True),
              threading.Thread(target=lambda: results.append(("silent", silent_close())), daemon=True)]
    results = []
    for t in timers:
        t.start()

    conn = http.client.HTTPConnection("127.0.0.1", p, timeout=10)
    ports = set()
    for i in range(5):
        conn.request("GET", f"/c?n{i}")
        r = conn.getresponse()
        d = parse_dump(r.read())
        C.eq((r.status, d["args"], r.getheader("connection")), (200, ["cgi", f"n{i}"], None), f"keep-alive request {i}")
        ports.add(d["vars"]["REMOTE_PORT"])
    C.eq(len(ports), 1, "five requests on one connection")
    conn.close()

    c = Raw(p)
    c.send(req("GET", "/c?one") + req("POST", "/c?two", body=b"2") + req("GET", "/healthz"))
    rs = [c.read_response() for _ in range(3)]
    C.eq([(r.status, parse_dump(r.body)["args"] if r.body.startswith(b"arg") else r.body) for r in rs],
         [(200, ["cgi", "one"]), (200, ["cgi", "two"]), (200, b"ok\n")], "three pipelined requests, in order")
    r = c.request(req("GET", "/c", [("Connection", "close")]))
    C.eq((r.status, r.header("connection")), (200, "close"), "Connection: close is answered with close")
    C.check(c.closed(3), "closed after Connection: close")
    c.close()

    r, closed = raw_once(p, req("GET", "/c", version="HTTP/1.0"))
    C.eq((r.version, r.status, r.header("connection")), ("HTTP/1.0", 200, None), "HTTP/1.0 answer")
    C.check(closed, "HTTP/1.0 closed after the response")
    c = Raw(p)
    r = c.request(req("GET", "/c", [("Connection", "keep-alive")], version="HTTP/1.0"))
    C.eq((r.version, r.header("connection")), ("HTTP/1.0", "keep-alive"), "HTTP/1.0 keep-alive")
    r = c.request(req("GET", "/healthz", [("Connection", "keep-alive")], version="HTTP/1.0"))
    C.eq(r.body, b"ok\n", "a second HTTP/1.0 request on the kept connection")
    c.close()

    # Expect: 100-continue: the interim answer comes before the body is sent.
    c = Raw(p)
    c.send(req("POST", "/c?cont", [("Expect", "100-continue"), ("Content-Length", "11")]))
    r = c.read_response()
    C.eq((r.status, r.body), (100, b""), "100 Continue before the body")
    c.send(b"hello world")
    r = c.read_response()
    C.eq((r.status, parse_dump(r.body)["stdin"]), (200, b"hello world"), "the body after 100 Continue")
    r = c.request(req("GET", "/healthz"))
    C.eq(r.body, b"ok\n", "the connection goes on after 100-continue")
    c.close()

    for t in timers:
        t.join(15)
    res = dict(results)
    C.within(res.get("idle", -1), 0.8, 2.5, "an idle keep-alive connection closed after idle_timeout (1s)")
    silent = res.get("silent", (-1, b""))
    C.within(silent[0], 1.8, 4.0, "a silent new connection closed after header_timeout (2s)")
    C.eq(silent[1], b"", "a silent connection gets no response")
    s.stop_clean()


def case_body_limits(env: Env) -> None:
    """max_body: 413 with Content-Length (before the body is read), with chunked bodies,
    and with Expect: 100-continue (no 100 sent); max_header_bytes: 431. Each closes the
    connection; requests within the limits pass whole."""
    m = env.manifest(f"""
[server]
max_header_bytes = "4KiB"
[[app]]
name = "cgi"
module = {q(env.guest("cgi_dump"))}
routes = ["/c"]
[app.limits]
max_body = "1KiB"
[[app]]
name = "big"
module = {q(env.guest("cgi_dump"))}
routes = ["/big"]
[app.limits]
max_body = "3MiB"
""")
    s = env.serve(m)
    p = s.port

    def chunked(data: bytes, size: int) -> bytes:
        out = b""
        for i in range(0, len(data), size):
            piece = data[i:i + size]
            out += b"%x\r\n" % len(piece) + piece + b"\r\n"
        return out + b"0\r\n\r\n"

    body = random.Random(1).randbytes(1024)
    r, _ = raw_once(p, req("POST", "/c", body=body))
    C.eq((r.status, parse_dump(r.body)["stdin"]), (200, body), "a body of exactly max_body")
    r, closed = raw_once(p, req("POST", "/c", body=body + b"x"))
    C.eq((r and r.status, r and r.header("connection"), closed), (413, "close", True), "max_body + 1: 413 and close")
    r, closed = raw_once(p, req("POST", "/c", [("Content-Length", str(10 ** 12))]))
    C.eq((r and r.status, closed), (413, True), "a huge Content-Length: 413 before any body")
    r, _ = raw_once(p, req("POST", "/c", [("Transfer-Encoding", "chunked")]) + chunked(body, 100))
    C.eq((r.status, parse_dump(r.body)["stdin"], parse_dump(r.body)["vars"]["CONTENT_LENGTH"]),
         (200, body, "1024"), "a chunked body of max_body")
    r, closed = raw_once(p, req("POST", "/c", [("Transfer-Encoding", "chunked")]) + chunked(b"y" * 2000, 100))
    C.eq((r and r.status, closed), (413, True), "a chunked body over max_body: 413 and close")
    r, closed = raw_once(p, req("POST", "/c", [("Transfer-Encoding", "chunked")]) + b"fffffffffffff\r\n")
    C.eq((r and r.status, closed), (413, True), "a chunk size past max_body: 413")
    c = Raw(p)
    c.send(req("POST", "/c", [("Expect", "100-continue"), ("Content-Length", "5000")]))
    r = c.read_response()
    C.eq(r.status, 413, "Expect: 100-continue with a body over max_body: 413, no 100")
    C.check(c.closed(3), "closed after the 413")
    c.close()

    r, _ = raw_once(p, req("GET", "/c", [("X-Big", "h" * 3000)]))
    C.eq((r.status, parse_dump(r.body)["vars"].get("HTTP_X_BIG")), (200, "h" * 3000), "a 3000-byte header passes")
    r, closed = raw_once(p, req("GET", "/c", [("X-Big", "h" * 5000)]))
    C.eq((r and r.status, closed), (431, True), "a 5000-byte header: 431 and close")
    # Many small headers, 14 KB in all. (Boost 1.74 applies header_limit to each read of
    # the header rather than to the whole, so up to about twice the limit can pass.)
    r, closed = raw_once(p, req("GET", "/c", [(f"X-H{i}", "v" * 40) for i in range(300)]))
    C.eq((r and r.status, closed), (431, True), "many headers over max_header_bytes: 431")
    r, closed = raw_once(p, req("GET", "/c?" + "q" * 5000))
    C.eq((r and r.status, closed), (431, True), "a request line over max_header_bytes: 431")
    # A limit above Beast's default (1 MiB) works: 2 MiB in, 2 MiB on stdin.
    big = random.Random(2).randbytes(2 << 20)
    r, _ = raw_once(p, req("POST", "/big", body=big))
    C.eq((r.status, parse_dump(r.body)["stdin"] == big), (200, True), "2 MiB under max_body = 3MiB")
    r, closed = raw_once(p, req("POST", "/big", [("Content-Length", str(3 << 20 | 1))]))
    C.eq((r and r.status, closed), (413, True), "3 MiB + 1 under max_body = 3MiB: 413")
    ms = scrape(p)
    C.eq(metric(ms, "skiff_host_responses_total", code="4xx"), 9.0, "nine 4xx answers from the server itself")
    C.eq(metric(ms, "skiff_requests_total", app="cgi", code="2xx"), 3.0, "three requests reached the app")
    healthy(p)
    s.stop_clean()


def case_field_limits(env: Env) -> None:
    """What Beast's fields cannot hold (a name or value of 65,534 bytes or more made it
    throw, and the uncaught exception ended the server) and what its parser leaves
    unbounded (a chunk's extensions, a chunked body's trailer) are refused with the
    connection closed, at the largest max_header_bytes (64KiB); trailer fields do not
    reach the guest; HTTP/1.0 gets no 100 Continue. The server keeps serving."""
    m = env.manifest(f"""
[server]
max_header_bytes = "64KiB"
[[app]]
name = "cgi"
module = {q(env.guest("cgi_dump"))}
routes = ["/c"]
""")
    s = env.serve(m)
    p = s.port
    chunked = [("Transfer-Encoding", "chunked")]

    r, _ = raw_once(p, req("GET", "/c", [("X-Big", "h" * 60000)]))
    C.eq((r.status, parse_dump(r.body)["vars"].get("HTTP_X_BIG")), (200, "h" * 60000), "a 60,000-byte header passes")
    r, closed = raw_once(p, req("GET", "/c", [("X-Big", "h" * 70000)]))
    C.eq((r and r.status, closed), (431, True), "a 70,000-byte header at max_header_bytes 64KiB: 431 and close")
    C.check(s.alive(), "the server survives a header longer than Beast's fields hold")

    trailer = b"0\r\nX-Trailer: " + b"t" * 70000 + b"\r\n\r\n"
    r, closed = raw_once(p, req("POST", "/c", chunked) + b"3\r\nabc\r\n" + trailer)
    C.eq((r and r.status, closed), (400, True), "a 70,000-byte trailer field: 400 and close")
    C.check(s.alive(), "the server survives a trailer longer than Beast's fields hold")

    # A chunk size line that never ends: refused once 64 KiB of it is buffered, long
    # before header_timeout (10 s). The client may see the 400 or a reset.
    c = Raw(p)
    c.send(req("POST", "/c", chunked) + b"1;ext=")
    t0 = time.monotonic()
    try:
        for _ in range(40):
            c.send(b"e" * 4096)
    except (ConnectionResetError, BrokenPipeError):
        pass
    C.check(c.closed(5), "an endless chunk extension: the connection is closed")
    C.check(time.monotonic() - t0 < 5, "... well before header_timeout")
    C.check(not c.buf or c.buf.startswith(b"HTTP/1.1 400 "), f"... with a 400 or nothing ({bytes(c.buf[:40])!r})")
    c.close()

    # A trailer is read and dropped (RFC 9110 §6.5.1): none of it, thousands of fields
    # or a second Host and Content-Type, reaches the guest as a header.
    fields = b"".join(b"T%d: v%d\r\n" % (i, i) for i in range(4000)) + b"Host: evil.test\r\nContent-Type: x/evil\r\n"
    r, _ = raw_once(p, req("POST", "/c", chunked + [("Content-Type", "text/plain"), ("X-Real", "1")]) +
                    b"3\r\nabc\r\n0\r\n" + fields + b"\r\n")
    d = parse_dump(r.body) if r else {"vars": {}, "stdin": None}
    v = d["vars"]
    C.eq((r and r.status, d["stdin"], v.get("HTTP_T7"), v.get("HTTP_HOST"), v.get("CONTENT_TYPE"), v.get("HTTP_X_REAL")),
         (200, b"abc", None, "test.invalid", "text/plain", "1"), "a trailer of 4,002 fields: the body passes, no field")

    # HTTP/1.0 has no 100 Continue: the expectation is ignored and the answer comes first.
    c = Raw(p)
    c.send(req("POST", "/c", [("Expect", "100-continue"), ("Content-Length", "2")], version="HTTP/1.0"))
    c.send(b"hi")
    r = c.read_response()
    C.eq((r.status, parse_dump(r.body)["stdin"]), (200, b"hi"), "HTTP/1.0 with Expect: 100-continue: no 100")
    c.close()
    healthy(p)
    s.stop_clean()


def case_malformed(env: Env) -> None:
    """Malformed requests get 400 and a closed connection (or just a close, for what is not
    HTTP at all); a 1 MB request line is refused without reading it all; the server keeps
    serving throughout."""
    m = env.manifest(f"""
[[app]]
name = "cgi"
module = {q(env.guest("cgi_dump"))}
routes = ["/"]
""")
    s = env.serve(m)
    p = s.port
    cases = [
        (b"GARBAGE\r\n\r\n", "not a request line"),
        (b"GET / HTTP/1.1\r\nNoColonHeader\r\n\r\n", "a header without a colon"),
        (b"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n", "a non-numeric Content-Length"),
        (b"GET / HTTP/1.1\r\nContent-Length: -1\r\n\r\n", "a negative Content-Length"),
        (b"POST / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!", "two Content-Lengths"),
        (b"POST / HTTP/1.1\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
         "Content-Length and chunked (smuggling)"),
        (b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", "a bad chunk size"),
        (b"G@T / HTTP/1.1\r\n\r\n", "a method that is not a token"),
        (b"GET /a b HTTP/1.1\r\n\r\n", "a space in the target"),
        (b"GET / HTTP/1.1\r\nX: a\x00b\r\n\r\n", "a NUL in a header value"),
        (b"GET / HTTP/1.1\r\nBad Name: v\r\n\r\n", "a space in a header name"),
        (b"GET nothing HTTP/1.1\r\n\r\n", "a target without a leading /"),
        (b"GET * HTTP/1.1\r\n\r\n", "an asterisk target"),
        (b"GET / HTTP/1.1\n\n", "bare LF line ends"),
        (b"GET / FTP/1.0\r\n\r\n", "not HTTP"),
        (b"GET / HTTP/1.1\r\nX: \x7f\r\n\r\n", "a DEL in a header value"),
    ]
    for data, what in cases:
        r, closed = raw_once(p, data)
        C.eq((r and r.status, r and r.header("connection"), closed), (400, "close", True), f"{what}: 400 and close")
    # Bytes that are not HTTP: a TLS ClientHello, random binary.
    hello = bytes.fromhex("16030100a5010000a10303") + bytes(range(32)) + b"\x00\x20" + bytes(32)
    for data, what in ((hello, "a TLS ClientHello"),
                       (random.Random(7).randbytes(4096), "4 KiB of random bytes"),
                       (b"\r\n" * 3000, "only empty lines")):
        r, closed = raw_once(p, data)
        C.check(closed and (r is None or r.status in (400, 431)), f"{what}: 400/431 or a close, got {r}")
    # A request line with a 1 MB URL: refused early (431); the server does not read it all.
    c = Raw(p)
    sent = [0]

    def push():  # 1 MB of URL, then up to 64 MB more: the server must stop reading
        try:
            c.send(b"GET /" + b"a" * 1024)
            for _ in range(1024):
                c.sock.sendall(b"a" * 1024)
                sent[0] += 1024
            for _ in range(1024):
                c.sock.sendall(b"a" * 65536)
                sent[0] += 65536
        except OSError:
            pass

    t = threading.Thread(target=push, daemon=True)
    t.start()
    try:
        r = c.read_response()
        C.eq(r.status, 431, "a 1 MB request line: 431")
    except (EOFError, ConnectionResetError):
        pass  # reset before the answer was read: acceptable, the server closed it
    C.check(c.closed(5), "the 1 MB request line's connection is closed")
    t.join(10)
    c.close()
    C.check(sent[0] < 64 << 20, f"the server stopped reading the line (took {sent[0] >> 10} KiB)")
    for _ in range(3):
        healthy(p)
    r = get(p, "/x")
    C.eq(r.status, 200, "a normal request after all that")
    e = s.wait_log(lambda e: e.get("app") is None and e.get("status") == 400)
    C.check(e and e["remote"] == "127.0.0.1", "400s are in the access log (app null)")
    s.stop_clean()


def case_slowloris(env: Env) -> None:
    """Clients that send their headers (or body) one byte per 200 ms are cut off within
    header_timeout (1s) with a 408 or a close, a client that stops reading a 16 MiB
    response is cut off too, and meanwhile other clients are served."""
    m = env.manifest(f"""
[server]
header_timeout = "1s"
idle_timeout = "10s"
[[app]]
name = "cgi"
module = {q(env.guest("cgi_dump"))}
routes = ["/c"]
[[app]]
name = "modes"
module = {q(env.guest("wagi_modes"))}
routes = ["/modes"]
""")
    s = env.serve(m)
    p = s.port

    def slow(prefix: bytes, trickle: bytes) -> tuple:
        c = Raw(p)
        c.send(prefix)
        t0 = time.monotonic()
        for b in trickle:
            try:
                c.send(bytes([b]))
            except OSError:
                break
            if c.closed(0.2):
                break
        else:
            c.closed(1)
        dt = time.monotonic() - t0
        got = bytes(c.buf)
        c.close()
        return dt, got

    header_trickle = b"X-Slow: " + b"a" * 40
    fns = [lambda: slow(b"G", b"ET /c HTTP/1.1\r\nHost: x\r\n" + header_trickle) for _ in range(3)]
    fns.append(lambda: slow(req("POST", "/c", [("Content-Length", "100")]), b"b" * 40))

    def normal():
        lat = []
        t_end = time.monotonic() + 2.0
        while time.monotonic() < t_end:
            t0 = time.monotonic()
            r = get(p, "/c?fast")
            lat.append((r.status, time.monotonic() - t0))
            time.sleep(0.1)
        return lat

    fns.append(normal)

    def stalled_reader():
        # A small receive window, and no reading until well past header_timeout: the
        # server's write of the 16 MiB (more than the loopback's buffers hold) stalls
        # until its deadline, and then it closes. Returns (bytes received, closed).
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        sock.settimeout(10)
        sock.connect(("127.0.0.1", p))
        sock.sendall(req("GET", "/modes?big+16"))
        time.sleep(3)
        got, closed = 0, False
        try:
            while chunk := sock.recv(1 << 20):
                got += len(chunk)
            closed = True
        except (ConnectionResetError, BrokenPipeError):
            closed = True
        except socket.timeout:
            pass
        sock.close()
        return got, closed

    fns.append(stalled_reader)
    # And 50 connections that never send a byte, held open meanwhile.
    idle = [Raw(p) for _ in range(50)]
    res = parallel(fns)
    C.eq(sum(c.closed(2) for c in idle), 50, "the 50 silent connections were closed (header_timeout)")
    for c in idle:
        c.close()
    for i, rr in enumerate(res[:4]):
        if isinstance(rr, BaseException):
            C.check(False, f"slow client {i}: {rr!r}")
            continue
        dt, got = rr
        C.within(dt, 0.8, 2.5, f"slow client {i} cut off after about header_timeout")
        C.check(got == b"" or got.startswith(b"HTTP/1.1 408 "), f"slow client {i}: a 408 or nothing, got {got[:40]!r}")
    lat = res[4]
    C.check(isinstance(lat, list) and len(lat) >= 5, f"normal requests went on ({lat})")
    if isinstance(lat, list):
        C.check(all(st == 200 for st, _ in lat), "every normal request got 200")
        C.check(max(t for _, t in lat) < 1.0, f"normal requests stayed fast ({max(t for _, t in lat):.2f} s max)")
    stalled = res[5]
    C.check(not isinstance(stalled, BaseException), f"stalled reader: {stalled!r}")
    if not isinstance(stalled, BaseException):
        got, closed = stalled
        C.check(closed and got < 16 << 20,
                f"a client that stopped reading was cut off ({got >> 10} KiB of 16 MiB, closed: {closed})")
    healthy(p)
    s.stop_clean()


def case_timeout(env: Env) -> None:
    """A guest that never ends gets 504 after its timeout (not before), is logged with
    outcome timeout and counted, while another app answers at the same time; so does one
    asleep in poll_oneoff."""
    m = env.manifest(f"""
[server]
workers = 4
[[app]]
name = "loop"
module = {q(env.guest("loop"))}
routes = ["/loop"]
[app.limits]
timeout = "500ms"
[[app]]
name = "cgi"
module = {q(env.guest("cgi_dump"))}
routes = ["/c"]
[[app]]
name = "spin"
module = {q(env.guest("spin"))}
routes = ["/spin"]
[app.limits]
timeout = "5s"
""")
    s = env.serve(m)
    p = s.port
    done = threading.Event()

    def looper():
        t0 = time.monotonic()
        r = get(p, "/loop")
        done.set()
        return r, time.monotonic() - t0, time.monotonic()

    def other():
        time.sleep(0.05)
        out = []
        while not done.is_set():
            r = get(p, "/c?other")
            out.append((r.status, time.monotonic()))
        return out

    (r, dt, t_end), others = parallel([looper, other])
    C.eq((r.status, r.body), (504, b"gateway timeout: the handler ran out of time\n"), "the looping guest: 504")
    C.within(dt, 0.5, 0.5 + 2.0, "504 after the timeout (500ms) and not much later")
    C.check(isinstance(others, list) and all(st == 200 for st, _ in others), "the other app answered 200")
    during = [t for _, t in others if t < t_end] if isinstance(others, list) else []
    C.check(len(during) >= 2, f"the other app answered while the loop ran ({len(during)} answers)")
    r = get(p, "/spin?ms=100")
    C.eq((r.status, r.body), (200, b"spun 100 ms"), "a guest well within its timeout")
    e = s.wait_log(lambda e: e.get("level") == "error" and e.get("app") == "loop")
    C.check(e and e["outcome"] == "timeout" and e["detail"].startswith("deadline exceeded"),
            f"timeout logged with outcome timeout ({e})")
    ms = scrape(p)
    C.eq(metric(ms, "skiff_timeouts_total", app="loop"), 1.0, "skiff_timeouts_total")
    C.eq(metric(ms, "skiff_requests_total", app="loop", code="5xx"), 1.0, "the 504 counted as 5xx")
    C.eq(metric(ms, "skiff_traps_total", app="loop"), 0.0, "a timeout is not a trap")
    C.eq(metric(ms, "skiff_requests_total", app="cgi", code="2xx"), float(len(others)), "the other app's 200s")
    C.eq(metric(ms, "skiff_instances_active", app="loop"), 0.0, "no loop instance left running")
    # Asleep in a host call (poll_oneoff), where the watchdog's flag is not checked: the
    # call wakes in slices to look, and the guest is stopped all the same.
    t0 = time.monotonic()
    r = get(p, "/loop?sleep")
    C.eq(r.status, 504, "a guest asleep in poll_oneoff: 504")
    C.within(time.monotonic() - t0, 0.5, 0.5 + 2.0, "504 after the timeout (500ms) and not much later")

    # A client that gives up: its request still runs to the end (or its timeout), the
    # server then finds the connection gone; nothing is left behind.
    for path in ("/spin?ms=300", "/loop"):
        c = Raw(p)
        c.send(req("GET", path))
        time.sleep(0.05)
        c.close()
    time.sleep(0.8)
    c = Raw(p)
    for _ in range(50):
        ms = parse_metrics(c.request(req("GET", "/metrics")).body.decode())
        if metric(ms, "skiff_connections_open") == 1.0:
            break
        time.sleep(0.05)
    C.eq((metric(ms, "skiff_connections_open"), metric(ms, "skiff_instances_active", app="spin"),
          metric(ms, "skiff_instances_active", app="loop")), (1.0, 0.0, 0.0), "abandoned requests leave nothing")
    C.eq((metric(ms, "skiff_timeouts_total", app="loop"), metric(ms, "skiff_requests_total", app="spin", code="2xx")),
         (3.0, 2.0), "abandoned requests are still accounted for (the loop's three timeouts, the sleep's among them)")
    c.close()

    s.stop_clean()


def one_slow(p: int, quick: str, slow: str, want: bytes) -> None:
    """Twelve quick requests (the app then runs inline on the io threads), then one slow
    one: /healthz and a CGI app at /c answer at once beside it, within 0.5 s each."""
    for _ in range(12):
        C.eq(get(p, quick).body, b"spun 0 ms\n", f"a quick request ({quick})")
    slow_done = threading.Event()

    def slow_one():
        r = get(p, slow)
        slow_done.set()
        return r

    def others():
        time.sleep(0.1)
        lat = []
        for i in range(12):
            t0 = time.monotonic()
            r = get(p, "/c?x" if i % 2 else "/healthz")
            lat.append((r.status, round(time.monotonic() - t0, 3), slow_done.is_set()))
        return lat

    r, lat = parallel([slow_one, others])
    C.eq((r.status, r.body), (200, want), f"the slow request {slow}")
    C.check(isinstance(lat, list) and all(st == 200 for st, _, _ in lat), f"other requests answered ({lat})")
    if isinstance(lat, list):
        C.check(max(t for _, t, _ in lat) < 0.5, f"no other request waited for {slow} ({lat})")
        C.check(not lat[-1][2], f"they were all answered while {slow} ran")


def case_slow_after_quick(env: Env) -> None:
    """An app that has been quick (many sub-millisecond requests) and then takes 1.5 s for
    one request must not hold up anything else: other apps and /healthz answer at once on
    every connection, whichever io thread it landed on (threads = 2). The same for a quick
    app with a key-value namespace whose slow request writes a key first (such an app
    never runs on an io thread: the write could not be undone to run it again elsewhere),
    and for one long random_get and one long memory.fill, which have no loop head or call
    for the deadline's check."""
    m = env.manifest(f"""
[server]
threads = 2
workers = 4
state_dir = "state"
[[app]]
name = "quick"
module = {q(env.guest("abi"))}
routes = ["/quick"]
[app.limits]
timeout = "5s"
[[app]]
name = "kvquick"
module = {q(env.guest("abi"))}
routes = ["/kvquick"]
kv = true
[app.limits]
timeout = "5s"
[[app]]
name = "bulk"
module = {q(env.guest("abi"))}
routes = ["/bulk"]
[app.limits]
timeout = "5s"
memory = "1GiB"
[[app]]
name = "cgi"
module = {q(env.guest("cgi_dump"))}
routes = ["/c"]
""")
    s = env.serve(m)
    p = s.port

    one_slow(p, "/quick?spin=0", "/quick?spin=1500", b"spun 1500 ms\n")
    one_slow(p, "/kvquick?spin=0", "/kvquick?set_spin=1500", b"kv_set=0\nspun 1500 ms\n")
    # One long host call, one long instruction: no loop head or call for the check, so
    # they look for a stop between slices of 1 MiB (about 1 s each here unsliced).
    one_slow(p, "/bulk?spin=0", "/bulk?random=300", b"random 300 MiB: 0\n")
    one_slow(p, "/bulk?spin=0", "/bulk?fill=900", b"filled 900 MiB\n")
    s.stop_clean()


def no_rtprio() -> None:
    resource.setrlimit(resource.RLIMIT_RTPRIO, (0, 0))


def realtime_refusal(prefix=(), preexec=None) -> str:
    """Why a child (started through `prefix`, with `preexec`) may not use SCHED_FIFO at
    priority 2, what --realtime needs, or "" if it may: asked of the kernel as the server
    asks it."""
    probe = subprocess.run(list(prefix) + [sys.executable, "-c",
                                           "import os; os.sched_setscheduler(0, os.SCHED_FIFO, os.sched_param(2))"],
                           capture_output=True, text=True, timeout=20, preexec_fn=preexec)
    return "" if probe.returncode == 0 else (probe.stderr.strip().splitlines() or ["refused"])[-1]


def thread_policies(pid: int) -> list:
    """(name, policy, priority) of each thread of `pid`; policy with RESET_ON_FORK."""
    out = []
    for tid in sorted(int(t) for t in os.listdir(f"/proc/{pid}/task")):
        try:
            with open(f"/proc/{pid}/task/{tid}/comm") as f:
                name = f.read().strip()
            out.append((name if tid != pid else "main", os.sched_getscheduler(tid), os.sched_getparam(tid).sched_priority))
        except (FileNotFoundError, ProcessLookupError):
            pass  # a thread that ended meanwhile (a DNS lookup's)
    return out


def case_realtime(env: Env) -> None:
    """`--realtime` (or server.realtime): the io threads run SCHED_FIFO at priority 1 and
    the watchdog at 2, above them, so a guest running inline cannot keep it from firing;
    workers and every other thread stay normal. A quick app that turns slow still lets go
    of its io thread after the inline budget. Where the kernel refuses real time, the
    server says why and exits 1 before listening."""
    text = f"""
[server]
threads = 2
workers = 2
[[app]]
name = "quick"
module = {q(env.guest("abi"))}
routes = ["/quick"]
[app.limits]
timeout = "5s"
[[app]]
name = "cgi"
module = {q(env.guest("cgi_dump"))}
routes = ["/c"]
"""
    m = env.manifest(text)
    refusal = realtime_refusal()
    # The refusal: as things are where real time is refused already; else arranged, for
    # root by dropping CAP_SYS_NICE (setpriv), for anyone by RLIMIT_RTPRIO 0 -- then the
    # kernel's answer is EPERM, and the message must name both ways to allow it.
    deny, arranged = [], not refusal
    if arranged and os.geteuid() == 0:
        deny = ["setpriv", "--inh-caps=-sys_nice", "--bounding-set=-sys_nice", "--"] if shutil.which("setpriv") else None
    if deny is None or (arranged and not realtime_refusal(deny, no_rtprio)):
        print("note: the refusal is not checked: it cannot be arranged here (setpriv missing or ineffective)")
    else:
        rt_manifest = env.write("rt.toml", text.replace("[server]\n", "[server]\nrealtime = true\n", 1))
        r = subprocess.run(deny + [env.skiff, "serve", rt_manifest, "--listen", "127.0.0.1:0"], capture_output=True,
                           text=True, timeout=30, preexec_fn=no_rtprio)
        C.eq(r.returncode, 1, f"exit code when real time is refused (stderr: {r.stderr.strip()!r})")
        C.check("--realtime" in r.stderr and "real-time scheduling" in r.stderr,
                f"the refusal says what failed: {r.stderr.strip()!r}")
        if arranged:
            C.check("CAP_SYS_NICE" in r.stderr and "RLIMIT_RTPRIO" in r.stderr,
                    f"the refusal says what is missing: {r.stderr.strip()!r}")
        C.check("listening on" not in r.stderr, "it never listened")
    if refusal:
        raise Skipped(f"real-time scheduling is refused here ({refusal}); the refusal was checked")

    s = env.serve(m, "--realtime")
    p = s.port
    for _ in range(12):  # arms the watchdog (its thread starts with the first deadline)
        C.eq(get(p, "/quick?spin=0").body, b"spun 0 ms\n", "a quick request")
    fifo = os.SCHED_FIFO | os.SCHED_RESET_ON_FORK
    threads = thread_policies(s.proc.pid)
    io = [t for t in threads if t[0] in ("main", "skiff-io")]
    C.eq([(pol, prio) for _, pol, prio in io], [(fifo, 1)] * 2, f"the io threads (main and skiff-io): {threads}")
    C.eq([(pol, prio) for n, pol, prio in threads if n == "skiff-watchdog"], [(fifo, 2)],
         f"the watchdog, above the io threads: {threads}")
    C.eq([(pol, prio) for n, pol, prio in threads if n == "skiff-worker"], [(os.SCHED_OTHER, 0)] * 2,
         f"the workers stay normal: {threads}")
    others = [t for t in threads if t[0] not in ("main", "skiff-io", "skiff-watchdog")]
    C.check(all(pol == os.SCHED_OTHER for _, pol, _ in others), f"every other thread is normal: {threads}")
    one_slow(p, "/quick?spin=0", "/quick?spin=1500", b"spun 1500 ms\n")
    # Many busy connections: the io threads pause between passes to take their requests
    # together (Loop::run), and every request is still answered.
    C.require(shutil.which("wrk"), "wrk is installed (scripts/install-deps.sh)")
    before = metric(scrape(p), "skiff_io_pauses_total")
    out = subprocess.run(["wrk", "-t2", "-c32", "-d1s", f"http://127.0.0.1:{p}/quick?spin=0"], capture_output=True,
                         text=True, timeout=30).stdout
    done = re.search(r"(\d+) requests in", out)
    C.check(done and int(done.group(1)) > 1000, f"wrk's requests were answered: {out}")
    C.check("Non-2xx" not in out and "Socket errors" not in out, f"all of them with 200, no socket errors: {out}")
    C.check(metric(scrape(p), "skiff_io_pauses_total") > before, "the io threads paused to batch busy connections")
    healthy(p)
    s.stop_clean()


def case_trap_memory_fuel(env: Env) -> None:
    """A trapping guest: 500, its output withheld, its stderr and the trap logged. A memory
    bomb under memory = "2MiB": malloc and memory.grow fail at the cap, touching past it
    traps. A fuel budget stops a loop with 500 and leaves a normal request alone."""
    wrap = env.write("wrap.wasm", bytes.fromhex(
        "0061736d010000000104016000000302010005050100808004071302066d656d6f72790200065f737461727400000a04"
        "0102000b0b070100417f0b0178"))
    tblbomb = env.write("tblbomb.wasm", bytes.fromhex(
        "0061736d010000000104016000000303020000040701700080e59a77070a01065f73746172740001090b010041ffe49af7"
        "000b01000a070202000b02000b"))
    m = env.manifest(f"""
[[app]]
name = "trap"
module = {q(env.guest("trap"))}
routes = ["/trap"]
[[app]]
name = "mem"
module = {q(env.guest("membomb"))}
routes = ["/mem"]
[app.limits]
memory = "2MiB"
[[app]]
name = "fuel"
module = {q(env.guest("loop"))}
routes = ["/fuel"]
[app.limits]
fuel = 3000000
timeout = "10s"
[[app]]
name = "fuelok"
module = {q(env.guest("cgi_dump"))}
routes = ["/fuelok"]
[app.limits]
fuel = 3000000
[[app]]
name = "wrap"
module = {q(wrap)}
routes = ["/wrap"]
[[app]]
name = "tblbomb"
module = {q(tblbomb)}
routes = ["/tblbomb"]
""")
    s = env.serve(m)
    p = s.port
    # Modules of a few bytes whose initial images would be huge: a byte at the end of a
    # 4 GiB memory (its end wrapped to 0 in 32 bits and the copy ran past the buffer: the
    # server crashed at load) and an element at 249,999,999 (a gigabyte of table image,
    # held for the server's life). Both load; their requests fail at the app's limits.
    for app in ("wrap", "tblbomb"):
        r = get(p, "/" + app)
        C.eq(r.status, 500, f"{app}: over the app's limits, 500")
        e = s.wait_log(lambda e, a=app: e.get("level") == "error" and e.get("app") == a)
        C.check(e and "limit" in e.get("detail", ""), f"{app}: the limit is logged ({e})")
    r = get(p, "/trap")
    C.eq((r.status, r.body), (500, FAILED_HANDLER), "trap: 500 without the partial output")
    e = s.wait_log(lambda e: e.get("level") == "error" and e.get("app") == "trap")
    C.check(e and e["outcome"] == "trap" and e["detail"].startswith("unreachable"), f"trap logged ({e})")
    e = s.wait_log(lambda e: e.get("app") == "trap" and "stderr" in e)
    C.eq(e and e["stderr"], "about to trap\n", "the trapping guest's stderr is logged")

    r = get(p, "/mem?grow")
    C.eq((r.status, r.body.split(b" ")[0]), (200, b"pages=32"), "memory.grow stops at 2 MiB (32 pages)")
    r = get(p, "/mem?report")
    mm = re.match(rb"^allocated=(\d+) pages=(\d+)$", r.body)
    C.check(r.status == 200 and mm, f"malloc fails at the cap ({r})")
    if mm:
        C.check(1 << 20 <= int(mm.group(1)) < 2 << 20 and int(mm.group(2)) <= 32,
                f"allocated {mm.group(1)} bytes in {mm.group(2)} pages under 2 MiB")
    r = get(p, "/mem?trap")
    C.eq((r.status, r.body), (500, FAILED_HANDLER), "touching past the cap: 500")
    e = s.wait_log(lambda e: e.get("level") == "error" and e.get("app") == "mem")
    C.check(e and e["outcome"] == "trap" and "out of bounds memory access" in e["detail"], f"OOB trap logged ({e})")
    r = get(p, "/mem?grow")
    C.eq(r.body.split(b" ")[0], b"pages=32", "the next request starts over")

    t0 = time.monotonic()
    r = get(p, "/fuel")
    C.eq((r.status, r.body), (500, b"internal error: the handler ran out of fuel\n"), "fuel: 500")
    C.check(time.monotonic() - t0 < 5, "fuel ran out long before the 10 s timeout")
    e = s.wait_log(lambda e: e.get("level") == "error" and e.get("app") == "fuel")
    C.check(e and e["outcome"] == "out_of_fuel" and e["detail"].startswith("all fuel consumed"), f"fuel logged ({e})")
    r = get(p, "/fuelok?x")
    C.eq((r.status, parse_dump(r.body)["args"]), (200, ["fuelok", "x"]), "a normal request within the fuel budget")
    ms = scrape(p)
    C.eq(metric(ms, "skiff_traps_total", app="trap"), 1.0, "trap counted")
    C.eq(metric(ms, "skiff_traps_total", app="mem"), 1.0, "memory trap counted")
    C.eq(metric(ms, "skiff_traps_total", app="fuel"), 0.0, "running out of fuel is not counted as a trap")
    healthy(p)
    s.stop_clean()


def case_backpressure(env: Env) -> None:
    """max_concurrent = 1, max_queue = 1: of 6 simultaneous slow requests one runs, one
    waits and runs after it, four get 503 with Retry-After: 1 at once; the gauges show
    it; another app is unaffected. With two workers, a looping app holds one of them and
    another app is answered at once. A queued request whose client has gone is dropped
    unrun."""
    m = env.manifest(f"""
[server]
workers = 4
[[app]]
name = "spin"
module = {q(env.guest("spin"))}
routes = ["/spin"]
[app.limits]
max_concurrent = 1
max_queue = 1
timeout = "5s"
[[app]]
name = "cgi"
module = {q(env.guest("cgi_dump"))}
routes = ["/c"]
""")
    s = env.serve(m)
    p = s.port
    conns = [Raw(p) for _ in range(6)]
    t0 = [0.0]

    def one(c):
        def run():
            c.send(req("GET", "/spin?ms=600"))
            return c.read_response()
        return run

    def observer():
        time.sleep(0.3)
        ms = scrape(p)
        r = get(p, "/c?during")
        return ms, r

    t0[0] = time.monotonic()
    res = parallel([one(c) for c in conns] + [observer])
    for c in conns:
        c.close()
    rs, (ms, other) = res[:6], res[6]
    C.require(all(isinstance(r, Resp) for r in rs), f"six answers ({rs})")
    ok = sorted((r for r in rs if r.status == 200), key=lambda r: r.t)
    busy = [r for r in rs if r.status == 503]
    C.eq((len(ok), len(busy)), (2, 4), "two 200s and four 503s")
    C.check(all(r.header("retry-after") == "1" for r in busy), "every 503 has Retry-After: 1")
    C.check(all(r.body == b"service unavailable: the app is at its concurrency and queue limits\n" for r in busy),
            "503 body")
    C.check(all(r.body == b"spun 600 ms" for r in ok), "the 200s ran the guest")
    if len(ok) == 2 and busy:
        C.check(max(r.t for r in busy) < ok[0].t, "the 503s came before the first 200")
        C.within(ok[0].t - t0[0], 0.6, 1.2 + 1.0, "first 200 after one spin")
        C.check(ok[1].t - t0[0] >= 1.2, f"the queued request ran after the first (at {ok[1].t - t0[0]:.2f} s)")
    C.eq(metric(ms, "skiff_instances_active", app="spin"), 1.0, "one spin instance active during the burst")
    C.eq(metric(ms, "skiff_requests_queued", app="spin"), 1.0, "one spin request queued during the burst")
    C.eq(other.status, 200, "another app answers during the burst")
    ms = scrape(p)
    C.eq(metric(ms, "skiff_rejected_total", app="spin"), 4.0, "skiff_rejected_total")
    C.eq(metric(ms, "skiff_requests_total", app="spin", code="5xx"), 4.0, "spin 5xx")
    C.eq(metric(ms, "skiff_requests_total", app="spin", code="2xx"), 2.0, "spin 2xx")
    C.eq(metric(ms, "skiff_instantiate_seconds_count", app="spin"), 2.0, "only admitted requests instantiate")
    # The worker gives its slot back just after posting the answer: allow it a moment.
    for _ in range(50):
        gauges = (metric(ms, "skiff_instances_active", app="spin"), metric(ms, "skiff_requests_queued", app="spin"))
        if gauges == (0.0, 0.0):
            break
        time.sleep(0.02)
        ms = scrape(p)
    C.eq(gauges, (0.0, 0.0), "nothing active or queued afterwards")
    C.eq(metric(ms, "skiff_rejected_total", app="cgi"), 0.0, "the other app rejected nothing")
    over = [e for e in s.logs() if e.get("outcome") == "overloaded" and "status" in e]
    C.eq(len(over), 4, "four access lines with outcome overloaded")
    s.stop_clean()

    # Two workers, two apps: an app whose guests loop holds at most one worker (its
    # second request waits in its own queue), so the other app still finds one. Before,
    # two loops took both and a request of the other waited for their timeouts.
    m2 = env.manifest(f"""
[server]
workers = 2
state_dir = "state"
[[app]]
name = "loop"
module = {q(env.guest("loop"))}
routes = ["/loop"]
[app.limits]
timeout = "3s"
[[app]]
name = "kv"
module = {q(env.guest("kvtool"))}
routes = ["/kv"]
kv = true
""", "skiff2.toml")
    s2 = env.serve(m2)
    loops = [Raw(s2.port) for _ in range(2)]
    for c in loops:
        c.send(req("GET", "/loop"))
    C.require(wait_active(s2.port, "loop"), "a loop is running")
    time.sleep(0.2)
    ms = scrape(s2.port)
    C.eq((metric(ms, "skiff_instances_active", app="loop"), metric(ms, "skiff_requests_queued", app="loop")),
         (1.0, 1.0), "one loop on a worker, the other queued for the app's share")
    t0 = time.monotonic()
    r = get(s2.port, "/kv?get&missing")
    C.eq(r.status, 200, "the other app answers while the loops run")
    C.check(time.monotonic() - t0 < 1.0, f"without waiting for a loop's timeout ({time.monotonic() - t0:.2f} s)")
    for c in loops:
        C.eq(c.read_response().status, 504, "each loop ends at its timeout")
        c.close()
    s2.stop_clean()

    # A queued request whose client closes its connection before the request's turn is
    # dropped unrun (status 499 in the access log, as nginx has it); one whose client
    # stays runs after it.
    m3 = env.manifest(f"""
[[app]]
name = "spin"
module = {q(env.guest("spin"))}
routes = ["/spin"]
[app.limits]
max_concurrent = 1
max_queue = 2
""", "skiff3.toml")
    s3 = env.serve(m3)
    running, leaving, staying = Raw(s3.port), Raw(s3.port), Raw(s3.port)
    running.send(req("GET", "/spin?ms=800"))
    C.require(wait_active(s3.port, "spin"), "the first request is running")
    leaving.send(req("GET", "/spin?ms=1&leaving"))
    staying.send(req("GET", "/spin?ms=1&staying"))
    for _ in range(100):
        if metric(scrape(s3.port), "skiff_requests_queued", app="spin") == 2.0:
            break
        time.sleep(0.02)
    C.eq(metric(scrape(s3.port), "skiff_requests_queued", app="spin"), 2.0, "two requests queued")
    leaving.close()
    C.eq(running.read_response().body, b"spun 800 ms", "the running request")
    C.eq(staying.read_response().body, b"spun 1 ms", "the request whose client stayed ran")
    ms = scrape(s3.port)
    C.eq(metric(ms, "skiff_instantiate_seconds_count", app="spin"), 2.0, "the request whose client left did not run")
    C.eq(metric(ms, "skiff_client_gone_total", app="spin"), 1.0, "skiff_client_gone_total")
    s3.wait_log(lambda e: e.get("outcome") == "client_gone")
    gone = [e for e in s3.logs() if e.get("outcome") == "client_gone"]
    C.check(len(gone) == 1 and gone[0].get("status") == 499 and "leaving" in gone[0].get("target", ""),
            f"one access line with status 499 and outcome client_gone: {gone}")
    running.close()
    staying.close()
    s3.stop_clean()


def case_metrics(env: Env) -> None:
    """/healthz and /metrics: exact counts after a known sequence of requests."""
    m = env.manifest(f"""
[[app]]
name = "cgi"
module = {q(env.guest("cgi_dump"))}
routes = ["/c"]
[[app]]
name = "trap"
module = {q(env.guest("trap"))}
routes = ["/trap"]
""")
    s = env.serve(m)
    p = s.port
    r = get(p, "/healthz")
    C.eq((r.status, r.body, r.header("content-type")), (200, b"ok\n", "text/plain; charset=utf-8"), "/healthz")
    for _ in range(3):
        C.eq(get(p, "/c").status, 200, "GET /c")
    C.eq(get(p, "/nope").status, 404, "GET /nope")
    C.eq(get(p, "/trap").status, 500, "GET /trap")
    C.eq(get(p, "/healthz", "HEAD").status, 200, "HEAD /healthz")
    c = Raw(p)
    for attempt in range(20):  # connections of earlier requests may still be closing
        r = c.request(req("GET", "/metrics"))
        C.eq(r.header("content-type"), "text/plain; version=0.0.4; charset=utf-8", "/metrics content type")
        ms = parse_metrics(r.body.decode())
        if metric(ms, "skiff_connections_open") == 1.0:
            break
        time.sleep(0.05)
    expected = {
        ("skiff_requests_total", "cgi", "2xx"): 3, ("skiff_requests_total", "cgi", "4xx"): 0,
        ("skiff_requests_total", "cgi", "5xx"): 0, ("skiff_requests_total", "trap", "5xx"): 1,
        ("skiff_requests_total", "trap", "2xx"): 0,
        ("skiff_traps_total", "cgi", None): 0, ("skiff_traps_total", "trap", None): 1,
        ("skiff_timeouts_total", "cgi", None): 0, ("skiff_timeouts_total", "trap", None): 0,
        ("skiff_rejected_total", "cgi", None): 0,
        ("skiff_request_seconds_count", "cgi", None): 3, ("skiff_request_seconds_count", "trap", None): 1,
        ("skiff_instantiate_seconds_count", "cgi", None): 3, ("skiff_instantiate_seconds_count", "trap", None): 1,
        ("skiff_instances_active", "cgi", None): 0, ("skiff_instances_active", "trap", None): 0,
        ("skiff_requests_queued", "cgi", None): 0,
    }
    for (name, app, code), want in expected.items():
        labels = {"app": app} if code is None else {"app": app, "code": code}
        C.eq(metric(ms, name, **labels), float(want), f"{name}{labels}")
    # Host responses: /healthz twice (GET, HEAD) before this scrape, and the 404.
    C.eq(metric(ms, "skiff_host_responses_total", code="2xx"), 2.0 + attempt, "host 2xx")
    C.eq(metric(ms, "skiff_host_responses_total", code="4xx"), 1.0, "host 4xx (the 404)")
    C.eq(metric(ms, "skiff_connections_total"), 8.0 + 0, "connections accepted")
    C.eq(metric(ms, "skiff_connections_open"), 1.0, "connections open: this one")
    # Every sandbox's memory went back to the pool: the requests ran one at a time, so one
    # reservation per layout served them all (cgi and trap: two modules, two layouts).
    C.check(1.0 <= metric(ms, "skiff_memory_pool_idle") <= 2.0,
            f"pool occupancy: {metric(ms, 'skiff_memory_pool_idle')} memories idle")
    # Histograms: cumulative buckets ending in +Inf == _count, sum > 0.
    for name in ("skiff_request_seconds", "skiff_instantiate_seconds"):
        buckets = sorted(((float(dict(k[1])["le"]), v) for k, v in ms.items()
                          if k[0] == name + "_bucket" and dict(k[1]).get("app") == "cgi"))
        C.eq(len(buckets), 18, f"{name}: 17 bounds and +Inf")
        C.check(all(a[1] <= b[1] for a, b in zip(buckets, buckets[1:])), f"{name}: cumulative buckets")
        C.eq(buckets[-1], (float("inf"), 3.0), f"{name}: +Inf bucket")
        C.check(0 < metric(ms, name + "_sum", app="cgi") < 10, f"{name}_sum")
    r = c.request(req("GET", "/metrics"))
    ms2 = parse_metrics(r.body.decode())
    C.eq(metric(ms2, "skiff_host_responses_total", code="2xx"), 3.0 + attempt, "the scrape itself is counted next time")
    c.close()
    s.stop_clean()


def wait_active(port: int, app: str, timeout: float = 5) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if metric(scrape(port), "skiff_instances_active", app=app) == 1.0:
            return True
        time.sleep(0.02)
    return False


def queued_loops(env: Env, drain_timeout: str, name: str):
    """A server with one worker running a loop (timeout 2s) and five more requests queued
    behind it; returns the server, the six connections and when they were sent."""
    m = env.manifest(f"""
[server]
drain_timeout = "{drain_timeout}"
workers = 1
[[app]]
name = "loop"
module = {q(env.guest("loop"))}
routes = ["/loop"]
[app.limits]
timeout = "2s"
max_concurrent = 1
max_queue = 8
""", name)
    s = env.serve(m)
    conns = [Raw(s.port) for _ in range(6)]
    t_req = time.monotonic()
    for c in conns:
        c.send(req("GET", "/loop"))
    C.require(wait_active(s.port, "loop"), "one loop is running")
    for _ in range(100):
        if metric(scrape(s.port), "skiff_requests_queued", app="loop") == 5.0:
            break
        time.sleep(0.02)
    return s, conns, t_req


def case_drain(env: Env) -> None:
    """SIGTERM: the listener closes (new connections refused), idle connections close, the
    request in flight finishes with 200 and Connection: close, the process exits 0. With a
    request longer than drain_timeout: logged, exit 0 once the guest's own deadline ends it;
    requests still queued then are dropped. A SIGTERM right after the listening line drains."""
    m = env.manifest(f"""
[server]
drain_timeout = "10s"
[[app]]
name = "spin"
module = {q(env.guest("spin"))}
routes = ["/spin"]
[app.limits]
timeout = "5s"
[[app]]
name = "cgi"
module = {q(env.guest("cgi_dump"))}
routes = ["/c"]
""")
    s = env.serve(m)
    p = s.port
    idle = Raw(p)
    C.eq(idle.request(req("GET", "/c")).status, 200, "a keep-alive connection, now idle")
    slow = Raw(p)
    slow.send(req("GET", "/spin?ms=1500"))
    C.require(wait_active(p, "spin"), "the slow request is running")
    t0 = time.monotonic()
    s.proc.send_signal(signal.SIGTERM)
    C.check(idle.closed(1.5), "the idle connection is closed at once")
    refused = None
    while time.monotonic() - t0 < 2:
        try:
            socket.create_connection(("127.0.0.1", p), timeout=1).close()
        except ConnectionRefusedError:
            refused = time.monotonic() - t0
            break
        time.sleep(0.02)
    C.check(refused is not None and refused < 1.0, f"new connections refused soon after SIGTERM ({refused})")
    r = slow.read_response()
    C.eq((r.status, r.body, r.header("connection")), (200, b"spun 1500 ms", "close"),
         "the request in flight completes, with Connection: close")
    C.check(slow.closed(2), "and its connection closes")
    rc = s.exit_code(5)
    C.eq(rc, 0, "exit 0 after the drain")
    C.check(time.monotonic() - r.t < 2, "exited right after the last response")
    s.stop_clean()
    for c in (idle, slow):
        c.close()

    # A request longer than drain_timeout: the drain gives up on it (logged); the guest's
    # own deadline still bounds how long the process takes to exit.
    m2 = env.manifest(f"""
[server]
drain_timeout = "300ms"
[[app]]
name = "loop"
module = {q(env.guest("loop"))}
routes = ["/loop"]
[app.limits]
timeout = "2s"
""", "skiff2.toml")
    s2 = env.serve(m2)
    c = Raw(s2.port)
    t_req = time.monotonic()
    c.send(req("GET", "/loop"))
    C.require(wait_active(s2.port, "loop"), "the loop is running")
    s2.proc.send_signal(signal.SIGTERM)
    rc = s2.exit_code(10)
    C.eq(rc, 0, "exit 0 after a drain timeout")
    C.within(time.monotonic() - t_req, 0.3, 2.0 + 2.0, "exit bounded by the guest's deadline")
    C.check(c.closed(2), "the connection of the abandoned request is closed")
    c.close()
    e = s2.wait_log(lambda e: e.get("event") == "drain timeout")
    C.check(e and e["connections"] == 1, f"drain timeout logged with one connection ({e})")
    s2.stop_clean()

    # Requests still queued when the drain times out are dropped, not run one after
    # another to their timeouts (five in the queue took 11.7 s to exit before).
    s3, conns, t_req = queued_loops(env, "500ms", "skiff3.toml")
    s3.proc.send_signal(signal.SIGTERM)
    C.eq(s3.exit_code(15), 0, "exit 0 with requests queued at the drain timeout")
    C.within(time.monotonic() - t_req, 0.3, 2.0 + 2.0, "exit bounded by the running guest's deadline, not the queue's")
    for c in conns:
        c.close()
    s3.stop_clean()

    # A second SIGTERM stops waiting for the drain: with 30 s of drain_timeout and five
    # requests queued behind a loop, the process exits at the running guest's deadline.
    s4, conns, t_req = queued_loops(env, "30s", "skiff4.toml")
    s4.proc.send_signal(signal.SIGTERM)
    C.require(s4.wait_log(lambda e: e.get("event") == "draining") is not None, "the drain began")
    s4.proc.send_signal(signal.SIGTERM)
    C.eq(s4.exit_code(20), 0, "exit 0 after a second SIGTERM")
    C.within(time.monotonic() - t_req, 0.1, 2.0 + 2.0, "exit at the running guest's deadline, not after the queue")
    C.check(s4.wait_log(lambda e: e.get("event", "").startswith("second signal")) is not None, "the second signal logged")
    for c in conns:
        c.close()

    # A SIGTERM the moment the server says where it listens still drains (exit 0), not
    # the default action (-15): signals are handled from before that line.
    early = []
    for i in range(8):
        si = env.serve(m, wait=False)
        C.require(si.wait_line(lambda l: "listening on" in l, 20) is not None, "the server starts")
        si.proc.send_signal(signal.SIGTERM)
        early.append(si.exit_code(10))
    C.eq(early, [0] * 8, "SIGTERM right after the listening line: exit 0 every time")


def case_bad_config(env: Env) -> None:
    """Startup failures: exit 1 and one clear line on stderr naming the problem (with
    file:line:column for manifest errors); nothing is served."""
    cgi = env.guest("cgi_dump")
    env.write("garbage.wasm", b"\x00asm\x01\x00\x00\x00\x01\xff\xff")
    env.write("empty.wasm", b"\x00asm\x01\x00\x00\x00")
    # (module (import "env" "missing" (func)) (func (export "_start")))
    env.write("unlinked.wasm", bytes.fromhex("0061736d0100000001040160000002"
                                             "0f0103656e76076d697373696e67000003020100070a01065f7374617274"
                                             "00010a040102000b"))
    busy = socket.socket()
    busy.bind(("127.0.0.1", 0))
    busy.listen(1)
    env.closers.append(busy.close)
    busy_port = busy.getsockname()[1]

    app = f'[[app]]\nname = "a"\nmodule = {q(cgi)}\nroutes = ["/"]\n'
    cases = [
        ("typo.toml", "[server]\nworkers = 2\n\n" + app + '[app.limits]\ntiemout = "1s"\n', [],
         ':9:1: unknown key "tiemout" in [app.limits] (did you mean "timeout"?)'),
        ("syntax.toml", '[[app]]\nname = "a\nmodule = "x.wasm"\n', [], ":2:"),
        ("duration.toml", app + "[app.limits]\ntimeout = 5\n", [],
         ':6:11: app[0].limits.timeout: expected a duration string such as "5s" or "500ms", got an integer'),
        ("noapps.toml", "[server]\nworkers = 1\n", [], ":1:1: no apps: add at least one [[app]] table"),
        ("dup.toml", app + app.replace('"a"', '"b"'), [], 'is already routed to app "a" (line 1)'),
        ("missing.toml", app.replace(q(cgi), "'missing.wasm'"), [], 'app "a": cannot read module'),
        ("garbage.toml", app.replace(q(cgi), "'garbage.wasm'"), [], 'app "a": '),
        ("empty.toml", app.replace(q(cgi), "'empty.wasm'"), [],
         'app "a": the module exports neither "skiff_handle" (native handler) nor "_start" (WAGI)'),
        ("unlinked.toml", app.replace(q(cgi), "'unlinked.wasm'"), [], 'app "a": link error'),
        ("native.toml", app + 'handler = "native"\n', [],
         'app "a": handler = "native" but the module does not export a function "skiff_handle"'),
        ("nofiles.toml", app + 'files = "no-such-dir"\n', [], 'app "a": cannot open files directory'),
        ("ok.toml", app, ["--listen", f"127.0.0.1:{busy_port}"],
         f"cannot listen on 127.0.0.1:{busy_port}: Address already in use"),
        ("ok.toml", app, ["--listen", "nonsense"], 'bad listen address "nonsense"'),
        ("ok.toml", app, ["--listen", "127.0.0.1:99999"], 'bad listen address "127.0.0.1:99999"'),
        ("state.toml", '[server]\nstate_dir = "/proc/skiff-no-such/state"\n' + app + "kv = true\n", [],
         "cannot create state_dir /proc/skiff-no-such/state"),
        ("absent.toml", None, [], "absent.toml: cannot read: No such file or directory"),
    ]
    # A port another `skiff serve` listens on is in use too (SO_REUSEPORT must not let a
    # second server join the first and split its connections).
    running = env.serve(env.write("running.toml", app))
    cases.append(("ok.toml", app, ["--listen", f"127.0.0.1:{running.port}"],
                  f"cannot listen on 127.0.0.1:{running.port}: Address already in use"))
    for name, text, args, want in cases:
        path = os.path.join(env.tmp, name)
        if text is not None:
            env.write(name, text)
        cmd = [env.skiff, "serve", path] + (args or ["--listen", "127.0.0.1:0"])
        try:
            pr = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, timeout=20, cwd=env.tmp)
        except subprocess.TimeoutExpired:
            C.check(False, f"{name} {args}: skiff serve did not exit")
            continue
        err = pr.stderr.decode(errors="replace")
        first = err.splitlines()[0] if err else ""
        C.eq(pr.returncode, 1, f"{name} {args}: exit code")
        C.check(first.startswith("skiff serve: ") and want in first,
                f"{name} {args}: stderr names the problem ({want!r}), got {err!r}")
        if name.endswith(".toml") and want.startswith(":"):
            C.check(first.startswith(f"skiff serve: {path}:"), f"{name}: the message starts with the manifest path")
        C.check("listening" not in err, f"{name}: nothing was served")
    healthy(running.port)
    running.stop_clean()


def case_single_module(env: Env) -> None:
    """`skiff serve FILE.wasm` (one app at "/", named after the file, handler by its
    exports) and --listen overriding the manifest's listen."""
    shutil.copy(env.guest("cgi_dump"), os.path.join(env.tmp, "my-app.v1.wasm"))
    shutil.copy(env.guest("abi"), os.path.join(env.tmp, "native.wasm"))
    s = env.serve(os.path.join(env.tmp, "my-app.v1.wasm"), "--threads", "1", "--workers", "1")
    listed = f"  my-app_v1  http://127.0.0.1:{s.port}/"
    C.check(s.wait_line(lambda l: l == listed, 5), f"the app is listed ({s.lines[:3]})")
    d = parse_dump(get(s.port, "/x/y?a=b").body)
    C.eq((d["args"][0], d["vars"]["SCRIPT_NAME"], d["vars"]["PATH_INFO"], d["vars"]["X_MATCHED_ROUTE"]),
         ("my-app_v1", "", "/x/y", "/"), "one WAGI app at /")
    d = parse_dump(get(s.port, "/").body)
    C.eq((d["vars"]["SCRIPT_NAME"], d["vars"]["PATH_INFO"]), ("", "/"), "GET / at the root route")
    healthy(s.port)
    s.stop_clean()
    s = env.serve(os.path.join(env.tmp, "native.wasm"))
    r = get(s.port, "/any/path?response")
    C.eq(r.status, 418, "a module exporting skiff_handle is served as a native handler")
    s.stop_clean()

    # The manifest's listen address is not usable here (TEST-NET-1); --listen replaces it.
    app = f'[[app]]\nname = "a"\nmodule = {q(env.guest("cgi_dump"))}\nroutes = ["/"]\n'
    m = env.manifest('[server]\nlisten = "192.0.2.1:80"\n' + app)
    pr = subprocess.run([env.skiff, "serve", m], stdin=subprocess.DEVNULL, capture_output=True, timeout=20)
    C.eq(pr.returncode, 1, "the manifest's unusable listen address fails")
    C.check(b"cannot listen on 192.0.2.1:80" in pr.stderr, f"names the address ({pr.stderr!r})")
    s = env.serve(m)
    C.eq(get(s.port, "/").status, 200, "--listen 127.0.0.1:0 overrides it")
    s.stop_clean()
    # Without --listen the manifest's own address is used.
    m = env.manifest('[server]\nlisten = "127.0.0.1:0"\n' + app, "own.toml")
    s = env.serve(m, listen=None)
    C.eq(get(s.port, "/").status, 200, "the manifest's listen = 127.0.0.1:0")
    s.stop_clean()


def case_tier_auto(env: Env) -> None:
    """--tier auto: the app answers at once from the interpreter while the LLVM tier
    compiles it in the background; a log line says when the compiled code took over, and
    answers stay the same. Without a compiler the app keeps being served interpreted and
    the log says why. A compile still running at SIGTERM does not hold up the drain."""
    os.environ["SKIFF_CACHE_DIR"] = os.path.join(env.tmp, "cache")  # never the user's
    wasm = env.guest("cgi_dump")
    s = env.serve(wasm, "--tier", "auto", "--threads", "1")
    first = parse_dump(get(s.port, "/a?x=1").body)
    C.eq(first["vars"]["PATH_INFO"], "/a", "answered before the compile finished (or without waiting for it)")
    # (A module as small as this one compiles whole at once: one tier_up line.)
    e = s.wait_log(lambda e: e.get("event") == "tier_up", timeout=60)
    C.require(e is not None, f"a tier_up log line ({s.stderr()[-2000:]})")
    C.eq(e.get("level"), "info", f"the compile succeeded ({e})")
    C.check(e.get("compiled", 0) > 0 and e.get("compiled") == e.get("functions"), f"every function compiled ({e})")
    for _ in range(20):
        d = parse_dump(get(s.port, "/a?x=1").body)
        C.eq((d["vars"]["PATH_INFO"], d["args"]), (first["vars"]["PATH_INFO"], first["args"]),
             "the compiled app answers as the interpreted one did")
    s.stop_clean()

    # Empty caches from here on: the first server filled its own.
    os.environ["SKIFF_CACHE_DIR"] = os.path.join(env.tmp, "cache2")
    os.environ["SKIFF_LLVMC"] = "/nonexistent/skiff-llvmc"
    try:
        s = env.serve(wasm, "--tier", "auto")
        e = s.wait_log(lambda e: e.get("event") == "tier_up", timeout=30)
        C.require(e is not None, "a tier_up log line without a compiler")
        C.check(e.get("level") == "error" and "skiff-llvmc" in e.get("detail", "") and
                "stays in the interpreter" in e.get("detail", ""), f"says why and what happens ({e})")
        C.eq(get(s.port, "/b").status, 200, "still served, interpreted")
        s.stop_clean()
    finally:
        del os.environ["SKIFF_LLVMC"]

    # A compiler that never finishes: the drain does not wait for it, and it is ended.
    pidfile = os.path.join(env.tmp, "llvmc.pid")
    slow = env.write("slow-llvmc", f"#!/bin/sh\necho $$ > {pidfile}\nexec sleep 60\n")
    os.chmod(slow, 0o755)
    os.environ["SKIFF_CACHE_DIR"] = os.path.join(env.tmp, "cache3")
    os.environ["SKIFF_LLVMC"] = slow
    try:
        s = env.serve(wasm, "--tier", "auto")
        C.eq(get(s.port, "/c").status, 200, "served while the compiler runs")
        deadline = time.monotonic() + 10
        while not os.path.exists(pidfile) and time.monotonic() < deadline:
            time.sleep(0.05)
        C.require(os.path.exists(pidfile), "the compiler was started")
        t0 = time.monotonic()
        s.stop_clean()
        C.check(time.monotonic() - t0 < 10, "the drain did not wait for the compile")
        pid = int(open(pidfile).read().strip() or 0)
        C.check(pid > 0 and not os.path.exists(f"/proc/{pid}"), "the compiler process is gone")
    finally:
        del os.environ["SKIFF_LLVMC"]
