#!/usr/bin/env python3
"""End-to-end tests of the HTTP layer of kedb-server (python3 standard library only):
request framing, query-string limits, security headers, the JSON-only rule for request
bodies, slow clients and the client address behind a trusted proxy. Most cases talk raw
bytes over a socket, as an attacker would. Uses tests/api/harness.py (real server on a free
port, SIGTERM, sanitizer scan). Ends with "test_http: N passed, N failed".
"""
import os
import re
import select
import socket
import subprocess
import sys
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


# --- 4: slow clients -----------------------------------------------------------------------

DEADLINE = 2  # --header-timeout and --body-timeout of the server under test (seconds)
PER_IP = 16   # --max-connections-per-ip


def trickle(head, data, every=0.25, limit=4 * DEADLINE, sock=None):
    """Sends head at once, then data one byte every `every` seconds until the server answers
    or closes. Returns (Resp or None, seconds from the first byte, bytes still unsent)."""
    s = sock or socket.create_connection((HOST, harness.PORT), timeout=limit * SLOW)
    t0 = time.time()
    got = b""
    try:
        if head:
            s.sendall(head)
        i = 0
        while time.time() - t0 < limit * SLOW:
            r, _, _ = select.select([s], [], [], every)
            if r:
                try:
                    chunk = s.recv(65536)
                except OSError:
                    break
                if not chunk:
                    break
                got += chunk
                if complete(got):
                    break
                continue
            if i < len(data):
                try:
                    s.send(data[i:i + 1])
                except OSError:
                    break
                i += 1
    finally:
        s.close()
    dt = time.time() - t0
    return (harness.parse_raw_response(got) if got else None), dt, len(data) - i


def timed_out(r, dt, what):
    need(r is not None, "closed without a 408 after %.1f s" % dt)
    e = check_error(r, 408, "timeout")
    need(what in e["message"] and "%d s" % DEADLINE in e["message"], "message %r" %
         e["message"])
    need(r.headers.get("connection", "").lower() == "close", "no Connection: close")
    need(DEADLINE - 0.2 <= dt <= DEADLINE + 1.5 * SLOW, "408 after %.1f s, deadline %d s" %
         (dt, DEADLINE))


def slow_cases(srv):
    def slow_header():
        head = b"GET /healthz HTTP/1.1\r\nHost: x\r\n"
        r, dt, left = trickle(head, b"X-Slow: " + b"a" * 200 + b"\r\n\r\n")
        timed_out(r, dt, "header")
        need(left > 0, "the whole header went through")
    case("a header sent a byte every 0.25 s is cut off with 408 at the deadline", slow_header)

    def slow_request_line():
        r, dt, _ = trickle(b"", b"GET /healthz?" + b"a" * 200)
        timed_out(r, dt, "header")
    case("a request line sent a byte at a time gets 408 too", slow_request_line)

    def silent():
        s = socket.create_connection((HOST, harness.PORT), timeout=10 * SLOW)
        r, dt, _ = trickle(None, b"", sock=s)
        timed_out(r, dt, "header")
    case("a connection that sends nothing is closed with 408 at the header deadline", silent)

    def slow_body():
        body = b'{"summary":"' + b"x" * 200 + b'"}'
        head = (b"POST /api/v1/suggest HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " +
                harness.default_token().encode() + b"\r\nContent-Type: application/json\r\n"
                b"Content-Length: %d\r\n\r\n" % len(body))
        r, dt, left = trickle(head, body)
        timed_out(r, dt, "body")
        need(left > 0, "the whole body went through")
        need(get_ok(), "server unhealthy after the slow body")
    case("a body sent a byte every 0.25 s is cut off with 408 at the body deadline", slow_body)

    def idle_keepalive():
        s = socket.create_connection((HOST, harness.PORT), timeout=10 * SLOW)
        try:
            req = b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
            for n in range(2):
                if n:
                    time.sleep(DEADLINE + 1.5)  # idle longer than the header deadline
                s.sendall(req)
                got = b""
                while not complete(got):
                    chunk = s.recv(65536)
                    need(chunk, "request %d: connection closed after %r" % (n + 1, got[:200]))
                    got += chunk
                r = harness.parse_raw_response(got)
                need(r.status == 200, "request %d: %r" % (n + 1, r))
        finally:
            s.close()
    case("a keep-alive connection idle longer than the header deadline still serves", 
         idle_keepalive)

    def slow_after_idle():
        s = socket.create_connection((HOST, harness.PORT), timeout=10 * SLOW)
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        got = b""
        while not complete(got):
            chunk = s.recv(65536)
            need(chunk, "first request not answered")
            got += chunk
        time.sleep(1.5)
        r, dt, _ = trickle(b"", b"GET /healthz HTTP/1.1\r\nX-Slow: " + b"a" * 200, sock=s)
        # the deadline counts from the second request's first byte, not from the idle start
        timed_out(r, dt, "header")
    case("on a keep-alive connection the next slow header is cut off too", slow_after_idle)

    def lockout():
        held = []
        try:
            # the library counts a closed connection until it has cleaned it up, so a slot
            # may still be taken by an earlier case: keep opening until PER_IP are held
            tries = 0
            while tries < PER_IP + 8:
                held = [h for h in held if alive(h)]
                if len(held) == PER_IP:
                    break
                held.append(socket.create_connection((HOST, harness.PORT), timeout=5))
                tries += 1
                time.sleep(0.05)
            time.sleep(0.2)
            need(len([h for h in held if alive(h)]) == PER_IP, "could not hold %d connections"
                 % PER_IP)
            need(not get_ok(), "connection %d from one address was served" % (PER_IP + 1))
            t0 = time.time()
            served = False
            while not served and time.time() - t0 < (DEADLINE + 2) * SLOW:
                time.sleep(0.2)
                served = get_ok()
            need(served, "still locked out %.1f s later (deadline %d s)" %
                 (time.time() - t0, DEADLINE))
        finally:
            for h in held:
                h.close()
    case("%d silent connections lock an address out for at most the header deadline" % PER_IP,
         lockout)

    def logged():
        log = srv.log()
        need(re.search(r"msg=access request_id=[0-9a-f]{24} method=- route=- path=/healthz "
                       r"params=\d+ status=408 .*aborted=true", log),
             "no access line with status=408")
        need("request header not complete within %d s" % DEADLINE in log, "no warning line")
        need("request body not complete within %d s" % DEADLINE in log, "no body warning")
    case("timed-out requests are logged with status 408", logged)


def alive(s):
    """True while the server has neither answered nor closed connection s."""
    s.setblocking(False)
    try:
        return s.recv(1, socket.MSG_PEEK) == b"x"  # never: nothing was asked
    except BlockingIOError:
        return True
    except OSError:
        return False
    finally:
        s.setblocking(True)


def get_ok():
    """True when GET /healthz on a new connection answers 200 within 2 s."""
    try:
        s = socket.create_connection((HOST, harness.PORT), timeout=2 * SLOW)
    except OSError:
        return False
    try:
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        got = b""
        while not complete(got):
            chunk = s.recv(65536)
            if not chunk:
                break
            got += chunk
        return got.startswith(b"HTTP/1.1 200")
    except OSError:
        return False
    finally:
        s.close()


# --- the client address behind a trusted proxy ----------------------------------------------

PROXY = "127.0.0.2"  # --trusted-proxy of the server under test (loopback, as a second host)


def proxy_cases(srv):
    seen = {}

    def probe(name, source, forwarded):
        target = "/healthz?probe=" + name
        head = ("GET %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\nX-Request-Id: probe-%s\r\n"
                % (target, name))
        for v in forwarded:
            head += "X-Forwarded-For: %s\r\n" % v
        s = socket.create_connection((HOST, harness.PORT), timeout=5 * SLOW,
                                     source_address=(source, 0))
        try:
            s.sendall((head + "\r\n").encode())
            got = b""
            while not complete(got):
                chunk = s.recv(65536)
                if not chunk:
                    break
                got += chunk
        finally:
            s.close()
        need(got.startswith(b"HTTP/1.1 200"), "%s: %r" % (name, got[:100]))
        seen[name] = name

    def client_of(name):
        # the access line is written when the request completes, just after the answer
        for _ in range(20):
            m = re.search(r"request_id=probe-%s method=GET route=/healthz path=/healthz "
                          r"params=1 status=200 .* client=(\S+)$" % re.escape(seen[name]),
                          srv.log(), re.M)
            if m:
                return m.group(1)
            time.sleep(0.1)
        raise harness.Fail("no access line for %s" % seen[name])

    rows = [
        ("proxied", PROXY, ["198.51.100.1, 203.0.113.9"], "203.0.113.9"),
        ("proxied-last-header", PROXY, ["198.51.100.1", "10.0.0.1,203.0.113.10"],
         "203.0.113.10"),
        ("proxied-v6", PROXY, [" 2001:db8::1 "], "2001:db8::1"),
        ("proxied-none", PROXY, [], PROXY),
        ("proxied-garbage", PROXY, ["203.0.113.9, not-an-address"], PROXY),
        ("proxied-port", PROXY, ["203.0.113.9:4711"], PROXY),
        ("direct", HOST, ["203.0.113.11"], HOST),
        ("direct-none", HOST, [], HOST),
    ]
    for name, source, forwarded, want in rows:
        def run(name=name, source=source, forwarded=forwarded, want=want):
            probe(name, source, forwarded)
            got = client_of(name)
            need(got == want, "client %r, want %r" % (got, want))
        case("client address: %s (from %s, X-Forwarded-For %r)" % (name, source, forwarded),
             run)


def option_cases():
    def bad(args, words):
        def run():
            r = subprocess.run([os.path.join(harness.BIN, "kedb-server"), "--db",
                                "/nonexistent.db", "--port", "0"] + args,
                               capture_output=True, timeout=30 * SLOW)
            err = r.stderr.decode("utf-8", "replace")
            need(r.returncode == 2, "exit %d: %s" % (r.returncode, err))
            need(all(w in err for w in words), "stderr %r" % err)
        return run
    for args, words in [(["--trusted-proxy", "proxy.example"], ["proxy.example", "address"]),
                        (["--trusted-proxy", "10.0.0.1,,10.0.0.2"], ["--trusted-proxy"]),
                        (["--trusted-proxy", "10.0.0.0/8"], ["10.0.0.0/8"]),
                        (["--trusted-proxy", ",".join("10.0.0.%d" % i for i in range(17))],
                         ["more than 16"]),
                        (["--header-timeout", "0"], ["--header-timeout", "'0'"]),
                        (["--body-timeout", "3601"], ["--body-timeout"]),
                        (["--max-connections", "x"], ["--max-connections"]),
                        (["--max-connections-per-ip", "0"], ["--max-connections-per-ip"])]:
        case("kedb-server %s exits 2" % " ".join(args)[:60], bad(args, words),
             needs_server=False)


def main(tmp):
    option_cases()
    srv = harness.Served(tmp, args=["--header-timeout", str(DEADLINE), "--body-timeout",
                                    str(DEADLINE), "--max-connections-per-ip", str(PER_IP),
                                    "--trusted-proxy", PROXY])
    if not srv.start():
        return 1
    query_cases()
    framing_cases()
    header_cases()
    media_type_cases()
    proxy_cases(srv)
    slow_cases(srv)
    srv.stop()


if __name__ == "__main__":
    harness.run_main("test_http", main, prefix="kedb-http-")
