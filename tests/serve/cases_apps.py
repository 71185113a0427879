"""serve cases: handlers, ABI, isolation, key-value, config and files, outbound HTTP (see run_serve.py)."""
from serve_harness import *  # noqa: F401,F403 - the harness is the cases' vocabulary

# --- cases --------------------------------------------------------------------------------

def case_wagi_cgi(env: Env) -> None:
    """The exact CGI request a WAGI guest gets: meta-variables, HTTP_* headers (repeated
    ones joined), argv from an indexed query, the body on stdin, manifest env first and
    nothing from skiff's own environment."""
    m = env.manifest(f"""
[server]
workers = 2
[[app]]
name = "cgi"
module = {q(env.guest("cgi_dump"))}
routes = ["/wagi", "/wagi/deeper"]
[app.env]
GREETING = "hi there"
SECOND = "two=2"
""")
    s = env.serve(m)
    port = s.port

    def expect_env(d: dict, expected: dict, what: str) -> None:
        C.eq(d["env"][:2], [("GREETING", "hi there"), ("SECOND", "two=2")], f"{what}: manifest env first, in order")
        got = dict(d["env"][2:])
        C.eq(len(got), len(d["env"]) - 2, f"{what}: no variable twice")
        C.eq(got, expected, f"{what}: CGI environment")

    base = {"GATEWAY_INTERFACE": "CGI/1.1", "SERVER_SOFTWARE": "skiff", "SERVER_PROTOCOL": "HTTP/1.1",
            "SERVER_NAME": "127.0.0.1", "SERVER_PORT": str(port), "REMOTE_ADDR": "127.0.0.1",
            "REMOTE_HOST": "127.0.0.1"}

    # 1. POST with a path below the route, a query, repeated headers and a body.
    c = Raw(port)
    body = b"hello body"
    r = c.request(req("POST", "/wagi/sub/path%20x?a=1&b=2",
                      [("Host", f"127.0.0.1:{port}"), ("X-Multi", "one"), ("x-lower-case", "v"), ("X-Multi", "two"),
                       ("Content-Type", "text/plain; charset=utf-8"), ("User-Agent", "serve-test")],
                      body, host=False))
    C.eq(r.status, 200, "POST /wagi/sub/path%20x status")
    C.eq(r.header("content-type"), "text/plain", "the guest's Content-Type")
    C.eq(r.header("server"), "skiff", "Server header")
    C.check(re.match(r"^\w{3}, \d\d \w{3} \d{4} \d\d:\d\d:\d\d GMT$", r.header("date") or ""), "an IMF-fixdate Date")
    C.eq(int(r.header("content-length")), len(r.body), "Content-Length matches the body")
    d = parse_dump(r.body)
    C.eq(d["args"], ["cgi"], "argv without an indexed query")
    C.eq(d["stdin"], body, "the body on stdin")
    expect_env(d, dict(base, REQUEST_METHOD="POST", SCRIPT_NAME="/wagi", PATH_INFO="/sub/path x",
                       PATH_TRANSLATED="/sub/path x", QUERY_STRING="a=1&b=2", REMOTE_PORT=str(c.local_port),
                       CONTENT_TYPE="text/plain; charset=utf-8", CONTENT_LENGTH="10", X_MATCHED_ROUTE="/wagi",
                       X_RAW_PATH_INFO="/sub/path%20x",
                       X_FULL_URL=f"http://127.0.0.1:{port}/wagi/sub/path%20x?a=1&b=2",
                       HTTP_HOST=f"127.0.0.1:{port}", HTTP_X_MULTI="one, two", HTTP_X_LOWER_CASE="v",
                       HTTP_USER_AGENT="serve-test"), "POST")

    # 2. An indexed query (no '='): its '+'-separated words, percent-decoded, are argv.
    r = c.request(req("GET", "/wagi?hello+big%20world+%2B+%C3%A9"))
    d = parse_dump(r.body)
    C.eq(d["args"], ["cgi", "hello", "big world", "+", "é"], "argv from an indexed query")
    expect_env(d, dict(base, REQUEST_METHOD="GET", SCRIPT_NAME="/wagi", PATH_INFO="", PATH_TRANSLATED="",
                       QUERY_STRING="hello+big%20world+%2B+%C3%A9", REMOTE_PORT=str(c.local_port),
                       CONTENT_LENGTH="0", X_MATCHED_ROUTE="/wagi", X_RAW_PATH_INFO="", SERVER_NAME="test.invalid",
                       X_FULL_URL="http://test.invalid/wagi?hello+big%20world+%2B+%C3%A9",
                       HTTP_HOST="test.invalid"), "indexed query")
    C.eq(d["stdin"], b"", "no body, empty stdin")

    # 3. The app's longer route is its SCRIPT_NAME.
    r = c.request(req("GET", "/wagi/deeper/x"))
    v = parse_dump(r.body)["vars"]
    C.eq((v["SCRIPT_NAME"], v["PATH_INFO"], v["X_MATCHED_ROUTE"]), ("/wagi/deeper", "/x", "/wagi/deeper"),
         "longest route of the app")
    c.close()

    # 4. HTTP/1.0 without Host: SERVER_NAME and X_FULL_URL from the local address.
    r, closed = raw_once(port, b"GET /wagi/a HTTP/1.0\r\n\r\n")
    v = parse_dump(r.body)["vars"]
    C.eq((r.version, v["SERVER_PROTOCOL"], v["SERVER_NAME"], v["X_FULL_URL"], "HTTP_HOST" in v),
         ("HTTP/1.0", "HTTP/1.0", "127.0.0.1", f"http://127.0.0.1:{port}/wagi/a", False), "HTTP/1.0 without Host")
    C.check(closed, "HTTP/1.0 without keep-alive: closed after the response")

    # 5. A binary body (every byte value) arrives unchanged; the client's Content-Length and
    #    Content-Type are CONTENT_*, never HTTP_CONTENT_*.
    binary = bytes(range(256)) * 4
    r = get(port, "/wagi/bin", "PUT", {"Content-Type": "application/octet-stream"}, binary)
    d = parse_dump(r.body)
    C.eq(d["stdin"], binary, "binary body on stdin")
    C.eq((d["vars"]["CONTENT_LENGTH"], d["vars"]["CONTENT_TYPE"], d["vars"]["REQUEST_METHOD"]),
         ("1024", "application/octet-stream", "PUT"), "CONTENT_LENGTH/CONTENT_TYPE of a PUT")
    C.check(not any(k in d["vars"] for k in ("HTTP_CONTENT_LENGTH", "HTTP_CONTENT_TYPE")), "no HTTP_CONTENT_*")
    C.check(not any("SKIFF_SERVE_TEST_MARKER" in k for k, _ in d["env"]), "skiff's own environment is not passed on")

    # 6. A percent-encoded NUL cannot add variables or arguments: the value ends there.
    d = parse_dump(get(port, "/wagi/a%00REQUEST_METHOD=EVIL?x%00y+z").body)
    C.eq((d["vars"]["REQUEST_METHOD"], d["vars"]["PATH_INFO"], d["args"]), ("GET", "/a", ["cgi", "x", "z"]),
         "%00 in PATH_INFO and argv")
    C.eq([k for k, _ in d["env"]].count("REQUEST_METHOD"), 1, "one REQUEST_METHOD")

    # 7. A header from one request is not in the next one's environment.
    get(port, "/wagi", headers={"X-Secret": "s1"}, body=b"first body", method="POST")
    d = parse_dump(get(port, "/wagi").body)
    C.check("HTTP_X_SECRET" not in d["vars"] and d["stdin"] == b"", "nothing of the last request remains")
    s.stop_clean()


def case_wagi_output(env: Env) -> None:
    """The CGI response a WAGI guest prints: Status (with reason), Location -> 302,
    custom and repeated headers, the server keeping framing to itself, statuses without
    a body, and every malformed kind -> 500 (with the reason in the log), guest stderr in
    the log, exit codes."""
    m = env.manifest(f"""
[[app]]
name = "modes"
module = {q(env.guest("wagi_modes"))}
routes = ["/modes"]
""")
    s = env.serve(m)
    p = s.port
    r = get(p, "/modes?status")
    C.eq((r.status, r.reason, r.body), (201, "Created Here", b"created"), "Status: 201 Created Here")
    C.eq((r.header("x-custom"), r.all("x-multi"), r.header("content-type")), ("yes", ["a", "b"], "text/x-test"),
         "custom, repeated and Content-Type headers")
    r = get(p, "/modes?crlf")
    C.eq((r.status, r.reason, r.header("x-crlf"), r.body), (202, "Accepted", "1", b"body\r\nline2"),
         "CRLF header lines, a Status without reason")
    r = get(p, "/modes?redirect")
    C.eq((r.status, r.header("location"), r.body), (302, "/elsewhere?x=1", b""), "Location without Status: 302")
    r = get(p, "/modes?redirect301")
    C.eq((r.status, r.header("location")), (301, "http://example.test/"), "Location with Status 301")

    # Framing is the server's: the guest's Content-Length/Transfer-Encoding/Connection go.
    c = Raw(p)
    r = c.request(req("GET", "/modes?framing"))
    C.eq((r.status, r.header("content-length"), r.header("transfer-encoding"), r.header("connection"),
          r.header("x-ok"), r.body), (200, "5", None, None, "1", b"12345"), "framing headers from the guest dropped")
    r = c.request(req("GET", "/modes?nocontent"))
    C.eq((r.status, r.header("content-length"), r.body), (204, None, b""), "204: no body, no Content-Length")
    # A 204/304 cannot have a body: it is dropped, and the connection stays in step.
    r = c.request(req("GET", "/modes?nocontent_body"))
    C.eq((r.status, r.header("content-length"), r.body), (204, None, b""), "204 with a body from the guest")
    r = c.request(req("GET", "/modes?notmodified_body"))
    C.eq((r.status, r.body), (304, b""), "304 with a body from the guest")
    r = c.request(req("GET", "/modes?big"))
    block = bytes((ord("a") + i % 26) for i in range(4096))
    C.eq((r.status, len(r.body), r.body == block * 256), (200, 1 << 20, True), "1 MiB body")
    r = c.request(req("GET", "/modes?nonsense"))
    C.eq((r.status, r.reason, r.body), (400, "Bad Mode", b'unknown mode "nonsense"\n'), "a guest's own 400")
    r = c.request(req("GET", "/modes?abi_response"))
    C.eq((r.status, r.header("x-from-abi"), r.body), (200, None, b"status=-3 header=-3 write=-3"),
         "a WAGI guest's response calls: SKIFF_EDENIED, nothing of them in the response")
    c.close()
    C.check(s.alive(), "the server survives bodies on 204/304")

    # Malformed output: 500, the output is not passed on, the reason is logged.
    bad = {
        "malformed": 'bad CGI response: malformed CGI header line "this is not a header line"',
        "noblank": "bad CGI response: the CGI header block does not end (no blank line)",
        "badstatus": 'bad CGI response: bad CGI Status "abc"',
        "status999": 'bad CGI response: bad CGI Status "999 Nope"',
        "empty": "bad CGI response: the output does not start with a CGI header block",
        # A CR inside a header would let a guest split the response for lenient clients.
        "bare_cr": "bad CGI response: NUL or CR in CGI header X-Split",
        "bare_cr_status": "bad CGI response: NUL or CR in CGI header Status",
        "informational": "status 100 is not a final response",  # the client would wait for another
        # Longer than Beast's fields hold: it would throw (and the server end).
        "longheader": "bad CGI response: CGI header X-Long longer than 65533 bytes",
    }
    for mode, detail in bad.items():
        r = get(p, f"/modes?{mode}")
        C.eq((r.status, r.reason, r.body), (500, "Internal Server Error", MALFORMED_HANDLER), f"?{mode}: 500")
        C.check(r.header("set-cookie") is None and r.header("x-injected") is None, f"?{mode}: nothing injected")
        e = s.wait_log(lambda e, mode=mode: e.get("level") == "info" and e.get("target") == f"/modes?{mode}")
        C.check(e and e["status"] == 500 and e["outcome"] == "guest_error", f"?{mode}: access log says guest_error")
    errs = [e["detail"] for e in errors_of(s, "modes")]
    for mode, detail in bad.items():
        if detail:
            C.check(detail in errs, f"?{mode}: error log detail {detail!r} (have {errs})")
    C.eq(len(errs), len(bad), "one error line per malformed response")

    # stderr goes to the log (one entry per request), stdout still answers.
    r = get(p, "/modes?stderr")
    C.eq((r.status, r.body), (200, b"stderr written"), "?stderr answer")
    e = s.wait_log(lambda e: "stderr" in e)
    C.eq(e and (e["app"], e["level"], e["stderr"]), ("modes", "info", 'guest says: first line\nsecond "quoted" line\n'),
         "guest stderr log line")
    # exit(3): 500 and the partial output is not sent; exit(0) is a normal end.
    r = get(p, "/modes?exit3")
    C.eq((r.status, r.body), (500, FAILED_HANDLER), "exit(3) -> 500 without partial output")
    C.check(s.wait_log(lambda e: e.get("outcome") == "guest_error" and e.get("detail") == "exit code 3"),
            "exit code 3 logged")
    r = get(p, "/modes?exit0")
    C.eq((r.status, r.body), (200, b"exited 0"), "exit(0) is a normal end")
    s.stop_clean()


def case_native_abi(env: Env) -> None:
    """Every call of the native ABI and its buffer convention and error codes (abi.c),
    repeated headers, the server's own headers, exit codes, bodiless statuses, and the
    echo example."""
    m = env.manifest(f"""
[[app]]
name = "abi"
module = {q(env.guest("abi"))}
routes = ["/abi"]
allowed_hosts = ["127.0.0.1:9"]
[[app]]
name = "echo"
module = {q(env.guest("example_echo"))}
routes = [{{ prefix = "/echo", methods = ["GET", "POST", "PUT"] }}]
[app.limits]
max_body = "64KiB"
""")
    s = env.serve(m)
    p = s.port
    # Raw, for a repeated header (http.client cannot send one).
    c = Raw(p)
    r = c.request(req("POST", "/abi?request", [("X-Test", "a"), ("x-test", "b"), ("Content-Type", "application/x-thing")],
                      b"0123456789abcdefghij"))
    C.eq(r.status, 200, "?request status")
    C.eq(r.body.decode(), "method=4:POST\nmethod_len_only=4\nuri=12:/abi?request\nuri_cap4=12:/abi####\n"
         "x-test=4:a, b\nX-TEST_len_only=4\nx-test_cap2=4:a,##\nx-absent=-1\ncontent-type=19:application/x-thing\n"
         "body=20:0123456789abcdefghij\nbody_reads=3 end=0 again=0\n", "?request: every request_* call")
    r = c.request(req("GET", "/abi?response"))
    C.eq((r.status, r.all("x-rep"), r.header("content-type"), r.header("x-empty"), r.body),
         (418, ["one", "two"], "text/x-abi", "", b"status=0\nh1=0\nh2=0\nh3=0\nh4=0\nw0=0\npart1|part2"),
         "?response: status, repeated headers, several writes")
    r = c.request(req("GET", "/abi?errors"))
    C.eq(r.status, 200, "?errors: the last valid status wins")
    C.eq(r.header("x-fine"), "tab\tand \xc3\xa9", "?errors: a valid header with tab and UTF-8")
    C.eq(r.header("x-split"), None, "no header with CR/LF/NUL got through")
    C.eq(r.body.decode(), "status99=-5\nstatus600=-5\nstatus0=-5\nstatus_huge=-5\nstatus100=-5\nstatus599=0\n"
         "status200=0\nhdr_space=-5\nhdr_empty=-5\nhdr_colon=-5\nhdr_nul_name=-5\nhdr_utf8=-5\nhdr_crlf=-5\n"
         "hdr_cr=-5\nhdr_lf=-5\nhdr_nul=-5\nhdr_ok=0\nconfig_missing=-1\nkv_get=-3\nkv_set=-3\nkv_delete=-3\n"
         "kv_list=-3\nhttp_denied=-3\nhttp_denied_port=-3\nhttp_ftp=-5\nhttp_https=-5\nhttp_nohost=-5\n"
         "http_userinfo=-5\nhttp_badport=-5\nhttp_space=-5\nhttp_body_none=0\n", "?errors: every error code")
    r = c.request(req("GET", "/abi?framing"))
    C.eq((r.status, r.header("content-length"), r.header("transfer-encoding"), r.all("server"), r.header("connection")),
         (200, str(len(r.body)), None, ["skiff"], None), "?framing: the server's own headers win")
    C.check(r.header("date") != "yesterday" and len(r.all("date")) == 1, "?framing: one real Date")
    r = c.request(req("GET", "/abi?longheader"))
    C.eq((r.status, r.header("x-long"), len(r.header("x-max") or ""), r.body),
         (200, None, 65533, b"long_value=-2\nlong_name=-2\nmax_value=0\n"),
         "?longheader: a name or value over 65,533 bytes is SKIFF_ETOOLARGE; 65,533 passes")
    r = c.request(req("GET", "/abi?exit0"))
    C.eq((r.status, r.body), (200, b"before exit"), "exit(0) in a native handler: the response stands")
    r = c.request(req("GET", "/abi?exit7"))
    C.eq((r.status, r.body), (500, FAILED_HANDLER), "exit(7) in a native handler: 500")
    r = c.request(req("GET", "/abi?status204"))
    C.eq((r.status, r.header("content-length"), r.body), (204, None, b""), "native 204")
    r = c.request(req("GET", "/abi?status204_body"))
    C.eq((r.status, r.body), (204, b""), "native 204 with a body: the body is dropped")
    for op in ("status100", "status101"):
        r = c.request(req("GET", f"/abi?{op}"))
        C.eq((r.status, r.body), (200, b""),
             f"native {op}: a 1xx is refused (SKIFF_EINVAL), the default 200 stands")
    # Headers count against the 64 MiB response limit: 65000-byte values, 65010 bytes as
    # sent, so 1032 fit and the 1033rd is SKIFF_ETOOLARGE.
    r = c.request(req("GET", "/abi?headers=2000"))
    C.eq((r.status, len(r.all("x-many")), r.body), (200, 1032, b"headers=1032 rc=-2\n"),
         "response headers are capped with the body (ETOOLARGE)")
    r = c.request(req("GET", "/abi?bogus"))
    C.eq((r.status, r.body), (400, b'unknown op "bogus"\n'), "unknown op")
    c.close()
    C.check(s.alive(), "the server survives bodiless statuses")

    # The echo example: a JSON description of the request.
    r = get(p, "/echo/demo", "POST", {"Content-Type": "application/json"}, b'{"items":[1,2,3]}')
    C.eq((r.status, r.header("content-type"), r.body),
         (200, "application/json", b'{"method":"POST","uri":"/echo/demo","length":17,"body":{"items":[1,2,3]}}\n'),
         "echo: a JSON body embedded")
    r = get(p, "/echo?x=1", "PUT", {"Content-Type": "text/plain"}, b'say "hi"\n\x01')
    C.eq(json.loads(r.body), {"method": "PUT", "uri": "/echo?x=1", "length": 10, "body": 'say "hi"\n\x01'},
         "echo: a text body as a JSON string")
    big = bytes(random.Random(5).choice(b"abcdefgh") for _ in range(60000))
    r = get(p, "/echo", "POST", {}, big)
    C.eq(json.loads(r.body)["body"].encode(), big, "echo: 60000 bytes back")
    r = get(p, "/echo", "DELETE")
    C.eq((r.status, r.header("allow")), (405, "GET, POST, PUT"), "echo: DELETE -> 405 with Allow")

    # Hostile input to echo: a body declared JSON is embedded only when it is one valid
    # JSON value; the reply is valid UTF-8 JSON whatever was sent.
    def echo(body: bytes, ctype) -> tuple:
        r = get(p, "/echo", "POST", {"Content-Type": ctype} if ctype else {}, body)
        C.eq(r.header("content-type"), "application/json", f"echo {body[:40]!r}: a JSON reply")
        try:
            return r.status, json.loads(r.body.decode("utf-8"))
        except ValueError as e:
            C.check(False, f"echo {body[:40]!r} ({ctype}): the reply is not UTF-8 JSON ({e}): {r.body[:200]!r}")
            return r.status, None

    deep = b"[" * 64 + b"]" * 64
    for body, ctype in ((b'{"a" : [1.5e3, -0, true, false, null, "\\u00e9\\n", {}]} ', "application/json"),
                        (deep, "application/json"),
                        (b'{"x":"\xc3\xa9"}', "APPLICATION/Json ; charset=utf-8")):
        st, d = echo(body, ctype)
        C.eq((st, d and d["body"]), (200, json.loads(body)), f"echo: valid JSON {body[:40]!r} ({ctype}) embedded")
    invalid = (b"hello, not json", b'1,"method":"FORGED"', b'{"a":1}{"b":2}', b"[" * 65 + b"]" * 65,
               b"[" * 60000, b"01", b"1.", b"[1,]", b'{"a":1,}', b"tru", b'"\x01"', b'"\\x"', b'"\xff"',
               b'"\xed\xa0\x80"', b"NaN", b'{"a"}')
    for body in invalid:
        st, d = echo(body, "application/json")
        C.eq((st, sorted(d or {})), (400, ["error"]), f"echo: invalid JSON {body[:40]!r} declared JSON -> 400")
    for ctype in ("application/jsonfoo", "text/plain", "a/b", "application/json, text/plain"):
        st, d = echo(b'1,"method":"FORGED"', ctype)
        C.eq((st, d and d["method"], d and d["body"]), (200, "POST", '1,"method":"FORGED"'),
             f"echo: Content-Type {ctype!r} is not application/json: the body is a string")
    st, d = echo(b"", "application/json")
    C.eq((st, d and d["body"]), (200, ""), "echo: an empty body declared JSON is the empty string")
    st, d = echo(b"a\xffb\xc3(\xed\xa0\x80\xf0\x9f\x98\x80", "text/plain")
    C.eq((st, d and d["body"], d and d["length"]), (200, "a\ufffdb\ufffd(\ufffd\ufffd\ufffd\U0001f600", 12),
         "echo: invalid UTF-8 in a text body becomes U+FFFD, one per bad byte")
    st, d = echo(bytes(range(256)), None)
    C.eq((st, d and len(d["body"]), d and d["body"][:32]), (200, 256, "".join(map(chr, range(32)))),
         "echo: every byte value yields valid JSON")
    r = get(p, "/echo/" + "u" * 3000 + "?q=%C3%A9")
    C.eq((r.status, json.loads(r.body)["uri"]), (200, "/echo/" + "u" * 3000 + "?q=%C3%A9"), "echo: a 3 KB URI")
    C.check(s.alive(), "the server survives hostile echo input")
    s.stop_clean()


def case_native_traps(env: Env) -> None:
    """Pointer/length pairs outside memory trap the guest: 500, nothing it wrote is sent,
    the trap is logged with outcome "trap" and counted; the server is unaffected."""
    m = env.manifest(f"""
[[app]]
name = "abi"
module = {q(env.guest("abi"))}
routes = ["/abi"]
""")
    s = env.serve(m)
    p = s.port
    cases = {
        "oob_buf": "argument of skiff request_uri outside memory",
        "oob_len": "argument of skiff response_write outside memory",
        "oob_name": "argument of skiff request_header outside memory",
        "oob_absent": "argument of skiff request_header outside memory",
        "oob_kv": "argument of skiff kv_get outside memory",
        "oob_config": "argument of skiff config_get outside memory",
        "oob_after_write": "argument of skiff response_write outside memory",
        "trap_after_write": "unreachable",
    }
    for op in cases:
        r = get(p, f"/abi?{op}")
        C.eq((r.status, r.body, r.header("x-leak")), (500, FAILED_HANDLER, None), f"?{op}: 500, nothing leaked")
    for op, detail in cases.items():
        e = s.wait_log(lambda e, op=op: e.get("target") == f"/abi?{op}" and "status" in e)
        C.check(e and (e["status"], e["outcome"]) == (500, "trap"), f"?{op}: access log outcome trap")
    traps = [e["detail"].split("\n")[0] for e in errors_of(s, "abi") if e.get("outcome") == "trap"]
    C.eq(len(traps), len(cases), "one error line with outcome trap per trap")
    for op, detail in cases.items():
        C.check(any(detail in t for t in traps), f"?{op}: a trap line mentions {detail!r}")
    ms = scrape(p)
    C.eq(metric(ms, "skiff_traps_total", app="abi"), float(len(cases)), "skiff_traps_total")
    C.eq(metric(ms, "skiff_requests_total", app="abi", code="5xx"), float(len(cases)), "5xx count")
    r = get(p, "/abi?response")
    C.eq(r.status, 418, "the app still answers after its traps")
    s.stop_clean()


def case_isolation(env: Env) -> None:
    """A fresh instance per request: a guest that changes its globals, heap and memory
    size always sees the initial ones, sequentially and under concurrency."""
    m = env.manifest(f"""
[server]
workers = 4
[[app]]
name = "state"
module = {q(env.guest("global_state"))}
routes = ["/state"]
[app.limits]
max_concurrent = 32
""")
    s = env.serve(m)
    p = s.port
    first = get(p, "/state")
    C.check(re.match(rb"^counter=41 marker=pristine heap=\(none\) pages=\d+\n$", first.body),
            f"initial state, got {first.body!r}")
    c = Raw(p)
    for i in range(8):
        r = c.request(req("GET", "/state"))
        C.eq(r.body, first.body, f"sequential request {i} on one connection")
    c.close()

    def worker():
        return [get(p, "/state").body for _ in range(4)]

    results = parallel([worker] * 8)
    bodies = [b for res in results for b in (res if isinstance(res, list) else [repr(res).encode()])]
    C.eq(len(bodies), 32, "32 concurrent requests answered")
    C.eq(set(bodies), {first.body}, "every concurrent request saw the initial state")
    ms = scrape(p)
    C.eq(metric(ms, "skiff_requests_total", app="state", code="2xx"), 41.0, "41 requests counted")
    C.eq(metric(ms, "skiff_instantiate_seconds_count", app="state"), 41.0, "41 instantiations")
    s.stop_clean()


def kv_manifest(env: Env, state: str) -> str:
    kv = q(env.guest("kvtool"))
    return env.manifest(f"""
[server]
state_dir = {q(state)}
[[app]]
name = "kv1"
module = {kv}
routes = ["/kv1"]
kv = true
[[app]]
name = "kv2"
module = {kv}
routes = ["/kv2"]
kv = true
[[app]]
name = "nokv"
module = {kv}
routes = ["/nokv"]
[[app]]
name = "counter"
module = {q(env.guest("example_counter"))}
routes = ["/counter"]
kv = true
""")


def case_kv(env: Env) -> None:
    """Key-value: the counter example counts; two apps with kv = true never see each
    other's keys; an app without it is denied every call; key/value limits, binary keys
    and values, list order, delete, the buffer convention."""
    s = env.serve(kv_manifest(env, "state"))
    p = s.port

    def kv(app: str, query: str) -> bytes:
        r = get(p, f"/{app}?{query}")
        C.eq(r.status, 200, f"/{app}?{query} status")
        return r.body

    for i in (1, 2, 3):
        C.eq(get(p, "/counter").body, f"visits: {i}\n".encode(), f"counter visit {i}")
    C.eq(get(p, "/counter?reset").body, b"reset\n", "counter reset")
    C.eq(get(p, "/counter").body, b"visits: 1\n", "counter after reset")
    # Only GET /counter counts, only ?reset (GET, or POST) resets; nothing else changes it.
    for method, target, status, allow in (("GET", "/counter?resetting", 400, None), ("GET", "/counter?x", 400, None),
                                          ("GET", "/counter?" + "x" * 600 + "&reset", 400, None),
                                          ("POST", "/counter", 405, "GET"), ("DELETE", "/counter", 405, "GET"),
                                          ("PUT", "/counter?reset", 405, "GET, POST"),
                                          ("DELETE", "/counter?reset", 405, "GET, POST")):
        r = get(p, target, method)
        C.eq((r.status, r.header("allow")), (status, allow), f"counter: {method} {target[:40]} -> {status}")
    C.eq(get(p, "/counter").body, b"visits: 2\n", "counter: none of those counted or reset")
    C.eq(get(p, "/counter/" + "p" * 600 + "?reset", "POST").body, b"reset\n", "counter: POST ?reset, a long URI")
    C.eq(get(p, "/counter").body, b"visits: 1\n", "counter after POST ?reset")

    C.eq(kv("kv1", "set&k&one"), b"set=0", "kv1 set k")
    C.eq(kv("kv1", "get&k"), b"get=3\none", "kv1 get k")
    C.eq(kv("kv2", "get&k"), b"get=-1\n", "kv2 cannot see kv1's k")
    C.eq(kv("kv2", "set&k&two"), b"set=0", "kv2 set k")
    C.eq(kv("kv1", "get&k"), b"get=3\none", "kv1's k unchanged by kv2")
    C.eq(kv("kv2", "get&k"), b"get=3\ntwo", "kv2's own k")
    for key in ("b1", "a2", "a1", "ab"):
        kv("kv1", f"set&{key}&x")
    C.eq(kv("kv1", "list&a"), b"list=9\na1|a2|ab|", "kv1 list a: byte order, NUL-separated")
    C.eq(kv("kv1", "list&"), b"list=14\na1|a2|ab|b1|k|", "kv1 list everything: only its own keys")
    C.eq(kv("kv2", "list&"), b"list=2\nk|", "kv2 list: only its own key")
    C.eq(kv("kv1", "del&k"), b"del=1", "kv1 del k")
    C.eq(kv("kv1", "del&k"), b"del=0", "kv1 del k again")
    C.eq(kv("kv1", "get&k"), b"get=-1\n", "kv1 k gone")
    C.eq(kv("kv2", "get&k"), b"get=3\ntwo", "kv2's k not deleted by kv1")
    C.eq(kv("kv1", "incr&visits"), b"incr=1 set=0", "kv1 has no 'visits' of the counter app")
    for op in ("get&k", "set&k&v", "del&k", "list&"):
        C.eq(kv("nokv", op).split(b"\n")[0], f"{op.split('&')[0]}=-3".encode(), f"nokv {op}: denied")
    C.eq(kv("kv2", "limits").decode(),
         "key1024=0\nkey1025=-2\nget1025=-2\nkey0=-2\nvalue1MiB=0\nvalue1MiB+1=-2\ngetbig=1048576\n"
         "getbig_content=1 tail=0\nbinset=0\nbinget_cap2=4:a0#\nbinget_len_only=4\ndel_big=1 del_again=0\n"
         "del1024=1\ndel_bin=1\n", "kv limits and binary keys")
    C.eq(kv("kv2", "list&"), b"list=2\nk|", "kv2 after the limits run")
    # Concurrent writers (one SQLite database, WAL): every set lands, none fails.
    res = parallel([lambda i=i: get(p, f"/kv2?set&c{i:02d}&v{i}").body for i in range(16)])
    C.eq(res, [b"set=0"] * 16, "16 concurrent sets")
    C.eq(kv("kv2", "list&c"), ("list=64\n" + "".join(f"c{i:02d}|" for i in range(16))).encode(),
         "all 16 keys are there")
    C.check(os.path.isfile(os.path.join(env.tmp, "state", "kv.sqlite3")), "state_dir/kv.sqlite3 exists")
    s.stop_clean()


def case_kv_restart(env: Env) -> None:
    """Key-value data survives a restart of the server on the same state_dir."""
    state = os.path.join(env.tmp, "state")
    s = env.serve(kv_manifest(env, state))
    for i in (1, 2, 3):
        C.eq(get(s.port, "/kv1?incr&n").body, f"incr={i} set=0".encode(), f"first run incr {i}")
    C.eq(get(s.port, "/kv2?set&keep&me").body, b"set=0", "first run kv2 set")
    C.eq(get(s.port, "/counter").body, b"visits: 1\n", "first run counter")
    s.stop_clean()
    s2 = env.serve(kv_manifest(env, state))
    C.eq(get(s2.port, "/kv1?incr&n").body, b"incr=4 set=0", "second run continues the count")
    C.eq(get(s2.port, "/kv2?get&keep").body, b"get=2\nme", "second run reads kv2's key")
    C.eq(get(s2.port, "/counter").body, b"visits: 2\n", "second run counter")
    C.eq(get(s2.port, "/kv1?get&keep").body, b"get=-1\n", "still isolated after the restart")
    s2.stop_clean()


def snapshot(root: str) -> dict:
    snap = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            path = os.path.join(dirpath, name)
            st = os.lstat(path)
            data = b""
            if os.path.isfile(path):
                with open(path, "rb") as f:
                    data = f.read()
            snap[os.path.relpath(path, root)] = (st.st_mode, st.st_size, st.st_mtime_ns, data)
    return snap


def case_config_files(env: Env) -> None:
    """[app.config] through skiff_config_get (and [app.env] as the guest's environment);
    the files directory is readable at "/" and cannot be changed or escaped."""
    env.write("site/public/hello.txt", "hello from files\n")
    env.write("site/public/sub/inner.txt", "inner\n")
    env.write("site/secret.txt", "TOP SECRET\n")
    m = env.manifest(f"""
[[app]]
name = "files"
module = {q(env.guest("files"))}
routes = ["/files"]
files = "public"
[[app]]
name = "abi"
module = {q(env.guest("abi"))}
routes = ["/abi"]
[app.config]
greeting = "hello config"
empty = ""
[app.env]
APP_MODE = "test"
""", "site/skiff.toml")
    before = snapshot(os.path.join(env.tmp, "site"))
    s = env.serve(m)
    p = s.port
    r = get(p, "/abi?config")
    C.eq(r.body.decode(), "greeting=12:hello config\ngreeting_len_only=12\ngreeting_cap3=12:hel##\nempty=0\n"
         "GREETING=-1\nmissing=-1\nenv APP_MODE=test\nenv REQUEST_METHOD=(unset)\n", "config_get and env")
    r = get(p, "/files")
    C.eq(r.status, 200, "files guest status")
    lines = r.body.decode().splitlines()
    C.eq(lines[:2], ["read ok hello from files", "read_sub ok inner"], "files readable at /")
    rest = lines[2:]
    # Opening for writing may succeed as long as no write does (rights are then missing).
    if rest[:2] == ["open_write ok", "write errno=8"]:
        rest = rest[2:]
    else:
        C.eq(rest[:1], ["open_write errno=76"], "open for writing refused")
        rest = rest[1:]
    C.eq(rest, ["open_trunc errno=76", "create errno=76", "mkdir errno=76", "unlink errno=76", "rename errno=76",
                "open_outside errno=76", "open_outside_sub errno=76", "dir_flags_before 0 0", "dir_set_flags 58"],
         "no change to the files directory and no way out of it (ENOTCAPABLE), nor to its flags (ENOTSUP)")
    for _ in range(2):  # and again: nothing changed in between
        C.eq(get(p, "/files").body, r.body, "same answer on a repeat")
    s.stop_clean()
    after = snapshot(os.path.join(env.tmp, "site"))
    after.pop("skiff.toml", None)
    before.pop("skiff.toml", None)
    C.eq(after, before, "the site directory is unchanged")


class Upstream:
    """A local HTTP service for the outbound cases, recording what it was sent."""

    def __init__(self) -> None:
        seen = self.seen = []

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *a):  # quiet
                pass

            def answer(self):
                n = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(n) if n else b""
                seen.append((self.command, self.path, dict((k.lower(), v) for k, v in self.headers.items()), body))
                if self.path == "/ok":
                    status, out = 200, b"hello from upstream"
                elif self.path == "/teapot":
                    status, out = 418, b"short and stout"
                elif self.path == "/big":
                    status, out = 200, b"x" * 4096
                elif self.path == "/echo":
                    status = 200
                    h = {k: self.headers.get(k) for k in ("host", "x-from-guest", "content-length", "connection",
                                                          "user-agent", "accept")}
                    out = json.dumps({"method": self.command, "headers": h, "body": body.decode()}).encode()
                else:
                    status, out = 404, b"nope"
                self.send_response(status)
                self.send_header("Content-Length", str(len(out)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(out)

            do_GET = do_POST = do_PUT = do_HEAD = answer

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def case_outbound(env: Env) -> None:
    """skiff_http_request: an allowed host answers (status, body, the guest's headers, the
    host's framing); a host not in allowed_hosts is refused without a connection; bad
    URLs and headers; refused connections, garbage and oversized answers; an upstream
    that never answers ends before the request's deadline and the request completes.
    The fetch example relays the upstream's status and tells each error apart."""
    up = Upstream()
    env.closers.append(up.close)
    hang = socket.socket()  # listens, never accepts: connections complete, nothing answers
    hang.bind(("127.0.0.1", 0))
    hang.listen(16)
    env.closers.append(hang.close)
    other = socket.socket()  # not allowed: must never see a connection
    other.bind(("127.0.0.1", 0))
    other.listen(16)
    other.setblocking(False)
    env.closers.append(other.close)
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    closed_port = closed.getsockname()[1]
    closed.close()
    garbage = socket.socket()
    garbage.bind(("127.0.0.1", 0))
    garbage.listen(16)
    env.closers.append(garbage.close)

    # Answers by path what http.server would not send: interim responses before the final
    # one, a 101, a trailer longer than Beast's fields hold, or no HTTP at all.
    raw_answers = {
        b"/interim": b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\n"
                     b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfinal",
        b"/switch": b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\nConnection: upgrade\r\n\r\n",
        b"/trailer": b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\nX-T: "
                     + b"t" * 70000 + b"\r\n\r\n",
    }

    def serve_garbage():
        try:
            while True:
                conn, _ = garbage.accept()
                path = (conn.recv(4096).split(b" ") + [b"", b""])[1]
                try:
                    conn.sendall(raw_answers.get(path, b"NOT HTTP AT ALL\r\n\r\n"))
                except OSError:
                    pass
                conn.close()
        except OSError:
            pass

    threading.Thread(target=serve_garbage, daemon=True).start()
    hp, op, gp = hang.getsockname()[1], other.getsockname()[1], garbage.getsockname()[1]
    allowed = [f"127.0.0.1:{x}" for x in (up.port, hp, closed_port, gp)]
    # The fetch example (examples/serve), once per upstream it is configured with.
    upstreams = {"ok": f"http://127.0.0.1:{up.port}/ok", "missing": f"http://127.0.0.1:{up.port}/missing",
                 "teapot": f"http://127.0.0.1:{up.port}/teapot", "big": f"http://127.0.0.1:{up.port}/big",
                 "refused": f"http://127.0.0.1:{closed_port}/", "badurl": "ftp://127.0.0.1/", "none": None}
    example_apps = "".join(f"""
[[app]]
name = "ex_{name}"
module = {q(env.guest("example_fetch"))}
routes = ["/ex/{name}"]
allowed_hosts = {json.dumps(allowed)}
[app.limits]
max_body = "1KiB"
""" + (f"[app.config]\nupstream = {q(url)}\n" if url else "") for name, url in upstreams.items())
    m = env.manifest(f"""
[server]
workers = 4
[[app]]
name = "fetch"
module = {q(env.guest("fetcher"))}
routes = ["/fetch"]
allowed_hosts = {json.dumps(allowed)}
[app.limits]
timeout = "1500ms"
max_body = "1KiB"
""" + example_apps)
    s = env.serve(m)
    p = s.port

    def fetch(url: str, **h) -> tuple:
        headers = {"x-url": url}
        headers.update({k.replace("_", "-"): v for k, v in h.items() if k != "body"})
        t0 = time.monotonic()
        r = get(p, "/fetch", "POST" if "body" in h else "GET", headers, h.get("body"))
        first, _, rest = r.body.partition(b"\n")
        mm = re.match(rb"^status=(-?\d+) ms=(\d+)$", first)
        C.check(mm, f"fetcher's first line, got {r.body[:100]!r}")
        return r.status, int(mm.group(1)) if mm else None, rest, time.monotonic() - t0

    u = f"http://127.0.0.1:{up.port}"
    st, rc, rest, _ = fetch(u + "/ok")
    C.eq((st, rc, rest), (200, 200, b"len=19 got=19\nhello from upstream"), "allowed host: 200 and body")
    st, rc, rest, _ = fetch(u + "/teapot")
    C.eq((rc, rest), (418, b"len=15 got=15\nshort and stout"), "upstream status 418 relayed")
    st, rc, rest, _ = fetch(u + "/echo", x_method="PUT",
                            x_out_headers="x-from-guest: yes|Accept: text/plain|Host: evil.test|Content-Length: 999"
                                          "|Connection: keep-alive", body=b"payload")
    C.eq(rc, 200, "PUT to /echo")
    seen = json.loads(rest.split(b"\n", 1)[1])
    C.eq(seen, {"method": "PUT", "headers": {"host": f"127.0.0.1:{up.port}", "x-from-guest": "yes",
                                             "content-length": "7", "connection": "close", "user-agent": "skiff",
                                             "accept": "text/plain"}, "body": "payload"},
         "the upstream saw the guest's method, headers and body, and skiff's framing")
    C.eq(len(up.seen), 3, "three requests reached the upstream")
    st, rc, rest, _ = fetch(u + "/ok", x_out_long="70000")
    C.eq((st, rc, len(up.seen)), (200, -5, 3), "a header longer than the host can hold: SKIFF_EINVAL, nothing sent")

    # Refusals: nothing reaches a host that is not allowed.
    for url, want, what in ((f"http://127.0.0.1:{op}/", -3, "a port not in allowed_hosts"),
                            (f"http://localhost:{up.port}/ok", -3, "another name for an allowed host"),
                            (f"http://127.0.0.2:{up.port}/ok", -3, "another address"),
                            ("ftp://127.0.0.1/", -5, "not http://"),
                            (f"http://127.0.0.1:{up.port}", 404, "no path (the upstream has nothing at /)")):
        st, rc, rest, _ = fetch(url)
        C.eq(rc, want, f"{what}: {url}")
    try:
        other.accept()
        C.check(False, "a host not in allowed_hosts got a connection")
    except BlockingIOError:
        pass
    e = s.wait_log(lambda e: e.get("event") == "outbound_failed" and "allowed_hosts" in e.get("detail", ""))
    C.check(e and e["level"] == "warn", f"why an outbound call failed is logged ({e})")
    st, rc, _, _ = fetch(u + "/ok", x_out_headers="no colon here")
    C.eq(rc, -5, "a malformed header line: EINVAL")
    st, rc, _, _ = fetch(u + "/ok", x_method="BAD METHOD")
    C.eq(rc, -5, "a method that is not a token: EINVAL")
    st, rc, _, dt = fetch(f"http://127.0.0.1:{closed_port}/")
    C.eq(rc, -4, "connection refused: EHOST")
    C.check(dt < 1.0, f"a refused connection fails at once ({dt:.2f} s)")
    st, rc, _, _ = fetch(f"http://127.0.0.1:{gp}/")
    C.eq(rc, -4, "a garbage answer: EHOST")
    st, rc, rest, _ = fetch(f"http://127.0.0.1:{gp}/interim")
    C.eq((rc, rest), (200, b"len=5 got=5\nfinal"), "interim 100 and 103 responses: the final one counts")
    st, rc, _, _ = fetch(f"http://127.0.0.1:{gp}/switch")
    C.eq(rc, -4, "a 101 nobody asked for: EHOST")
    st, rc, _, _ = fetch(f"http://127.0.0.1:{gp}/trailer")
    C.eq((st, rc), (200, -4), "a 70,000-byte trailer field from the upstream: EHOST")
    C.check(s.alive(), "the server survives an upstream's oversized trailer")
    n = len(up.seen)
    st, rc, rest, _ = fetch(u + "/ok", x_method="HEAD")
    C.eq((rc, rest, len(up.seen)), (200, b"len=0 got=0\n", n + 1), "HEAD: the status, no body read")
    st, rc, _, _ = fetch(u + "/big")
    C.eq(rc, -4, "an answer larger than max_body: EHOST")

    # An upstream that never answers: the guest gets EHOST before the request's own
    # deadline, still has time to answer, and the request completes.
    st, rc, rest, dt = fetch(f"http://127.0.0.1:{hp}/")
    C.eq((st, rc), (200, -4), "a silent upstream: EHOST, and the guest answers")
    C.within(dt, 0.5, 1.5 + 1.5, "a silent upstream: the request's time")
    C.check(s.alive(), "server alive")

    # The fetch example relays the upstream's status and body, and answers each error
    # code of skiff_http_request with a status and message of its own.
    for target, status, body in (("/ex/ok", 200, b"hello from upstream"), ("/ex/missing", 404, b"nope"),
                                 ("/ex/teapot", 418, b"short and stout"),
                                 ("/ex/ok?denied", 403, b"refused: the upstream's host is not in allowed_hosts\n"),
                                 ("/ex/ok?bogus", 400, b"unknown query"),
                                 ("/ex/refused", 502, b"no answer from the upstream"),
                                 ("/ex/big", 502, b"no answer from the upstream"),
                                 ("/ex/badurl", 500, b"the configured upstream is not an http://"),
                                 ("/ex/none", 500, b"no upstream configured")):
        r = get(p, target)
        C.eq((r.status, r.body[:len(body)]), (status, body), f"fetch example {target}")
    healthy(p)
    s.stop_clean()
