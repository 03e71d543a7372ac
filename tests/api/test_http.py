#!/usr/bin/env python3
"""End-to-end tests of the HTTP layer of kedb-server (python3 standard library only):
request framing, query-string limits, security headers, the JSON-only rule for request
bodies, slow clients and the client address behind a trusted proxy. Most cases talk raw
bytes over a socket, as an attacker would. Uses tests/api/harness.py (real server on a free
port, SIGTERM, sanitizer scan). Ends with "test_http: N passed, N failed".
"""
import os
import shutil
import socket
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402  (the one API harness: Served, case, request, checks)

from harness import need, check_error  # noqa: E402

case = harness.case
HOST = harness.HOST
SLOW = harness.SLOW


def exchange(data, timeout=5 * SLOW, auth=True, keep_open=False):
    """Sends data on a new connection and reads until the server closes it or one complete
    response has arrived. Returns (Resp or None, seconds until the answer, raw bytes).
    auth adds the test user's bearer token after the request line."""
    if auth and b"\r\nauthorization:" not in data.lower():
        line, sep, rest = data.partition(b"\r\n")
        data = line + sep + b"Authorization: Bearer " + harness.default_token().encode() + \
            b"\r\n" + rest
    s = socket.create_connection((HOST, harness.PORT), timeout=timeout)
    t0 = time.time()
    got = b""
    try:
        s.sendall(data)
        deadline = t0 + timeout
        while time.time() < deadline:
            s.settimeout(max(0.05, deadline - time.time()))
            try:
                chunk = s.recv(65536)
            except socket.timeout:
                break
            except OSError:
                break
            if not chunk:
                break
            got += chunk
            if not keep_open and complete(got):
                break
    finally:
        s.close()
    dt = time.time() - t0
    if not got:
        return None, dt, got
    return harness.parse_raw_response(got), dt, got


def complete(data):
    """True when data holds one whole response (head and Content-Length bytes of body)."""
    try:
        r = harness.parse_raw_response(data)
    except harness.Fail:
        return False
    n = r.headers.get("content-length")
    return n is not None and len(r.body) >= int(n)


def answered(r, dt, status, code=None, within=2.0):
    """Fails unless r is a prompt answer with this status (and JSON error code)."""
    need(r is not None, "no answer within %.1f s" % dt)
    need(dt < within * SLOW, "answered after %.1f s" % dt)
    if code:
        return check_error(r, status, code)
    need(r.status == status, "status %d, want %d: %r" % (r.status, status, r))
    return None


# --- 5: query parameters --------------------------------------------------------------------


def query_cases():
    def thousand_params():
        target = "/api/v1/search?" + "&".join("p%d=1" % i for i in range(1000))
        need(len(target) < 8192, "target %d bytes" % len(target))
        r, dt, _ = exchange(("GET %s HTTP/1.1\r\nHost: x\r\n\r\n" % target).encode())
        e = answered(r, dt, 400, "invalid")
        need("100" in e["message"] and "parameters" in e["message"], "message %r" %
             e["message"])
    case("1,000 query parameters (7 KB URL) answer 400 at once", thousand_params)

    def many_empty():
        # '&' alone costs the HTTP library a record per piece in its per-connection pool
        target = "/api/v1/search?q=x" + "&" * 8000
        r, dt, _ = exchange(("GET %s HTTP/1.1\r\nHost: x\r\n\r\n" % target).encode())
        answered(r, dt, 200)
    case("8,000 '&' in the query answer at once (empty pieces are not parameters)",
         many_empty)

    def long_many():
        target = "/api/v1/search?" + "a&" * 15000
        r, dt, _ = exchange(("GET %s HTTP/1.1\r\nHost: x\r\n\r\n" % target).encode())
        answered(r, dt, 414, "too_big")
    case("15,000 parameters in a 30 KB URL answer 414 at once", long_many)

    def hundred_ok():
        target = "/api/v1/search?q=outlook&" + "&".join("x%d=1" % i for i in range(99))
        r = harness.get(target)
        need(r.status == 200 and r.json["query"] == "outlook", "answer %r" % r)
        r = harness.get(target + "&one=more")
        e = check_error(r, 400, "invalid")
        need("more than 100" in e["message"], "message %r" % e["message"])
    case("100 query parameters pass, 101 answer 400", hundred_ok)


# --- 11: framing of the body ----------------------------------------------------------------


def framing_cases():
    body = b'{"summary":"outlook"}'

    def post(headers, payload=body):
        return ("POST /api/v1/suggest HTTP/1.1\r\nHost: x\r\nContent-Type: application/json"
                "\r\n%s\r\n" % "".join(h + "\r\n" for h in headers)).encode() + payload

    def two_lengths():
        r, dt, _ = exchange(post(["Content-Length: %d" % len(body), "Content-Length: 5"]))
        e = answered(r, dt, 400, "invalid")
        need("Content-Length" in e["message"], "message %r" % e["message"])
        r, dt, _ = exchange(post(["Content-Length: 5", "Content-Length: %d" % len(body)]))
        answered(r, dt, 400, "invalid")
        r, dt, _ = exchange(post(["Content-Length: %d" % len(body)] * 2))
        answered(r, dt, 400, "invalid")
    case("two Content-Length headers answer 400", two_lengths)

    def length_and_chunked():
        chunked = b"%x\r\n%s\r\n0\r\n\r\n" % (len(body), body)
        r, dt, _ = exchange(post(["Content-Length: %d" % len(chunked),
                                  "Transfer-Encoding: chunked"], chunked))
        e = answered(r, dt, 400, "invalid")
        need("Transfer-Encoding" in e["message"], "message %r" % e["message"])
    case("Content-Length with Transfer-Encoding answers 400", length_and_chunked)

    def other_codings():
        chunked = b"%x\r\n%s\r\n0\r\n\r\n" % (len(body), body)
        for te in ("gzip", "gzip, chunked", "identity"):
            r, dt, _ = exchange(post(["Transfer-Encoding: " + te], chunked))
            answered(r, dt, 400, "invalid")
        r, dt, _ = exchange(post(["Transfer-Encoding: chunked", "Transfer-Encoding: chunked"],
                                 chunked))
        answered(r, dt, 400, "invalid")
    case("Transfer-Encoding other than one 'chunked' answers 400", other_codings)

    def chunked_ok():
        chunked = b"%x\r\n%s\r\n0\r\n\r\n" % (len(body), body)
        r, dt, _ = exchange(post(["Transfer-Encoding: chunked"], chunked))
        answered(r, dt, 200)
        r, dt, _ = exchange(post(["Content-Length: %d" % len(body)]))
        answered(r, dt, 200)
    case("one Content-Length or chunked alone still work", chunked_ok)

    def not_a_number():
        for v in ("abc", "-1", "1e3", "0x10", "2, 2", ""):
            r, dt, _ = exchange(post(["Content-Length: " + v]))
            answered(r, dt, 400)
    case("a Content-Length that is not a number answers 400", not_a_number)

    def no_smuggling():
        # the second request hidden in the body must never be answered
        hidden = b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
        payload = body + hidden
        data = post(["Content-Length: %d" % len(body), "Content-Length: %d" % len(payload)],
                    payload)
        r, dt, raw = exchange(data, keep_open=True, timeout=2 * SLOW)
        need(r is not None and r.status == 400, "answer %r" % r)
        need(raw.count(b"HTTP/1.1 ") == 1, "more than one response: %r" % raw[:600])
    case("a request hidden behind two lengths is not answered", no_smuggling)


# --- 13: security headers ------------------------------------------------------------------


def header_cases():
    every = {"x-content-type-options": "nosniff", "x-frame-options": "DENY",
             "referrer-policy": "no-referrer", "cross-origin-resource-policy": "same-origin"}

    def check_every(r, what):
        for k, v in every.items():
            need(r.headers.get(k) == v, "%s: %s is %r, want %r" % (what, k, r.headers.get(k), v))

    def html():
        r = harness.get("/", token=None)
        need(r.status == 200 and r.headers.get("content-type", "").startswith("text/html"),
             "not the page: %r" % r)
        check_every(r, "page")
        csp = [p.strip() for p in r.headers.get("content-security-policy", "").split(";")]
        for want in ("default-src 'self'", "frame-ancestors 'none'", "base-uri 'none'",
                     "object-src 'none'"):
            need(want in csp, "page CSP %r lacks %r" % (csp, want))
        need(r.headers.get("cross-origin-opener-policy") == "same-origin", "no COOP")
    case("the page: CSP frame-ancestors 'none', X-Frame-Options DENY and the rest", html)

    def others():
        for target, token in (("/api/v1/search?q=outlook", harness.DEFAULT),
                              ("/api/v1/nope", harness.DEFAULT), ("/healthz", None),
                              ("/api/v1/search?q=x", None), ("/app.js", None),
                              ("/api/v1/audit.csv", harness.DEFAULT)):
            r = harness.get(target, token=token)
            check_every(r, target)
            csp = r.headers.get("content-security-policy", "")
            need("frame-ancestors 'none'" in csp, "%s: CSP %r" % (target, csp))
            if "html" not in r.headers.get("content-type", ""):
                need("default-src 'none'" in csp, "%s: CSP %r" % (target, csp))
    case("JSON, CSV, scripts and errors carry the security headers too", others)


# --- 7: request bodies are JSON -------------------------------------------------------------


def media_type_cases():
    body = b'{"summary":"outlook"}'

    def post(ctype, target="/api/v1/suggest", payload=body, token=harness.DEFAULT):
        headers = {"Content-Type": ctype} if ctype is not None else {}
        return harness.request("POST", target, body=payload, headers=headers, token=token)

    def refused():
        for ctype in (None, "text/plain", "text/plain; charset=utf-8",
                      "application/x-www-form-urlencoded", "multipart/form-data; boundary=x",
                      "application/jsonx", "application/json-seq", "text/json",
                      "application/json; charset=latin1", "application/json;charset = GBK",
                      "application/json, text/plain", ""):
            r = post(ctype)
            e = check_error(r, 415, "unsupported_media_type")
            need("application/json" in e["message"], "message %r" % e["message"])
    case("a body that is not labelled JSON answers 415", refused)

    def accepted():
        for ctype in ("application/json", "application/json; charset=utf-8",
                      "Application/JSON;charset=UTF-8", 'application/json; charset="utf-8"',
                      "application/json ; charset=utf8"):
            r = post(ctype)
            need(r.status == 200, "%r: %r" % (ctype, r))
    case("application/json with or without charset=utf-8 is accepted", accepted)

    def login_form():
        form = b"username=tester&password=tester-password-1"
        r = post("application/x-www-form-urlencoded", "/api/v1/auth/login", form, None)
        check_error(r, 415, "unsupported_media_type")
        r = post("text/plain", "/api/v1/auth/login",
                 b'{"username":"tester","password":"tester-password-1"}', None)
        check_error(r, 415, "unsupported_media_type")
        need("set-cookie" not in r.headers, "a session cookie was set")
    case("login from a plain form (login CSRF) answers 415", login_form)

    def empty_body():
        r = harness.request("POST", "/api/v1/suggest", body=b"",
                            headers={"Content-Type": "text/plain"})
        need(r.status != 415, "an empty body was refused for its type: %r" % r)
    case("an empty body needs no Content-Type", empty_body)

    def chunked_text():
        data = (b"POST /api/v1/suggest HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\n"
                b"Transfer-Encoding: chunked\r\n\r\n%x\r\n%s\r\n0\r\n\r\n" % (len(body), body))
        r, dt, _ = exchange(data)
        answered(r, dt, 415, "unsupported_media_type")
    case("a chunked body labelled text/plain answers 415", chunked_text)

    def routing_first():
        check_error(post("text/plain", "/api/v1/nope"), 404, "not_found")
        check_error(post("text/plain", "/api/v1/search"), 405, "invalid")
    case("unknown routes and methods still answer 404/405 first", routing_first)


def main():
    tmp = tempfile.mkdtemp(prefix="kedb-http-")
    srv = harness.Served(tmp)
    try:
        if not srv.start():
            return 1
        query_cases()
        framing_cases()
        header_cases()
        media_type_cases()
        srv.stop()
    finally:
        srv.close()
        shutil.rmtree(tmp, ignore_errors=True)
        print("test_http: %d passed, %d failed" % (harness.PASSED, harness.FAILED))
    return 1 if harness.FAILED else 0


if __name__ == "__main__":
    sys.exit(main())
