#!/usr/bin/env python3
"""Generates the hostile corpus:

  requests.jsonl   requests tests/api/test_hostile.py replays against the real server; not
                   checked in (over 1 MiB): the replay generates it into its own temporary
                   directory each run (gen.py --requests PATH writes only that file)
  pending.jsonl    requests whose fix another change is bringing; the replay skips them
                   (with a count) until they are moved into requests.jsonl
  files/index/     knowledge files for kedb-index
  files/import/    CSV and JSON exports for kedb-import

One request per line: {"id", "group", "method", "target", "version", "headers" (list of
[name, value]), "body", "auth", "expect", "deny", "may_close", "note"}. Byte strings are
JSON strings when they are UTF-8, else {"hex": "..."}; a long run is folded into
{"rep": s, "n": N, "pre": ..., "post": ...} (s repeated N times between pre and post, each
part encoded the same way). auth: "all" (a user
with every role, the default), "none", or absent headers given literally. expect: allowed
statuses (default: any below 500); hold: incomplete on purpose, so the server may keep it
open until its connection timeout (checked in parallel: closed or answered within 40 s); allow: statuses of 500 and above that are right
(505 for an unsupported HTTP version). deny: text the answer must not contain. may_close: the
server may close the connection without an answer (malformed HTTP).

The corpus is deterministic (fixed seeds, no hash-order dependence); regenerate the
checked-in parts (pending.jsonl, files/) with: python3 tests/hostile/gen.py"""
import io
import json
import os
import random
import shutil
import sys
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
RNG = random.Random(9)

OUT = []
PENDING = []


def longest_run(s):
    """(start, unit, n) of the longest run of a short unit repeated, covering most bytes."""
    best = (0, s[:1], 1)
    for u in range(1, 13):
        i = 0
        while i + u <= len(s):
            unit = s[i:i + u]
            j = i + u
            while s[j:j + u] == unit:
                j += u
            n = (j - i) // u
            if n * u > best[2] * len(best[1]):
                best = (i, unit, n)
            i = j if n > 1 else i + 1
    return best


def enc(b):
    """A byte or text string as JSON (see the module comment); long runs are folded."""
    if isinstance(b, dict) or b is None:
        return b
    if len(b) > 512:
        start, unit, n = longest_run(b)
        if n * len(unit) >= 256:
            return {"rep": enc(unit), "n": n, "pre": enc(b[:start]),
                    "post": enc(b[start + n * len(unit):])}
    if isinstance(b, str):
        return b
    try:
        return b.decode("utf-8")
    except UnicodeDecodeError:
        return {"hex": b.hex()}


def add(group, method, target, body=None, headers=(), auth="all", expect=None, deny=None,
        may_close=False, version="HTTP/1.1", note=None, pending=None, allow=None,
        hold=False, slow=False):
    e = {"id": "%s-%d" % (group, sum(1 for x in OUT + PENDING if x["group"] == group) + 1),
         "group": group, "method": method, "target": enc(target)}
    if version != "HTTP/1.1":
        e["version"] = version
    if headers:
        e["headers"] = [[k, enc(v)] for k, v in headers]
    if body is not None:
        e["body"] = enc(body)
    if auth != "all":
        e["auth"] = auth
    if expect:
        e["expect"] = expect
    if deny:
        e["deny"] = deny
    if allow:
        e["allow"] = allow
    if hold:
        e["hold"] = True
    if slow:
        e["slow"] = True
    if may_close:
        e["may_close"] = True
    if note:
        e["note"] = note
    if pending:
        e["pending"] = pending
        PENDING.append(e)
    else:
        OUT.append(e)


def pct(b):
    """Percent-encodes every byte outside unreserved ASCII."""
    if isinstance(b, str):
        b = b.encode("utf-8")
    return "".join(chr(c) if (chr(c).isalnum() and c < 128) or chr(c) in "-._~" else
                   "%%%02X" % c for c in b)


# --- hostile text: what people (and attackers) type ---------------------------------------

TEXT = [
    "", " ", "\t", "+", "++", "%", "%%", "%zz", "%0", "%00", "a%00b", "\u0000",
    "' OR 1=1 --", "\" OR \"\"=\"", "'; DROP TABLE doc; --", "1; SELECT * FROM user",
    "' UNION SELECT password_hash FROM user --", "\\", "\\\\", "\\'", "`id`", "$(id)",
    "NEAR(a b, 5)", "NEAR(", "a NEAR b", "title:x", "body:x", "{title body}: x", "^x", "x^",
    "x*", "*", "**", "*x", "\"", "\"\"", "\"a", "a\"", "\"a\" \"b", "(", ")", "(a OR b",
    "a OR", "OR", "OR OR OR", "AND", "NOT", "NOT NOT x", "-", "--", "-x", "- -", "x -",
    "a AND b OR c NOT d", "type:", "type:\"", "type:known_error", "type:*", "status:",
    "status:\"a b\"", "tag:", "tag:\"\"", "product:\"\"\"", "type:type:type:", ":", "::",
    "a:b:c", "col:\"x\" OR col:y", "rank:1", "rowid:1", "doc MATCH 'x'",
    "<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "javascript:alert(1)",
    "\"><svg onload=alert(1)>", "{{7*7}}", "${7*7}", "%s%s%s%n", "%x%x%x",
    "../../etc/passwd", "..\\..\\windows\\win.ini", "/etc/passwd", "file:///etc/passwd",
    "打印机卡纸", "印表機卡紙", "ＯＵＴＬＯＯＫ", "ｏｒａ－０１０１７", "0x800CCC0E",
    "C:\\Windows\\System32", "192.168.1.10", "ORA-01017", "KB2918614", "𠀀𠀁𠀂",
    "\u202eevil\u202c", "a\u200bb", "\u200d\u200d\u200d", "\ufeff", "\ufffd\ufffd",
    "e\u0301\u0301\u0301\u0301\u0301", "Z\u0335\u0321\u0322a\u0336l\u0337g\u0338o",
    "ﷺ", "ﬁ", "ß", "İstanbul", "ǅ", "\U0001F600\U0001F4A9", "\U0001F468\u200d\U0001F469",
    "\u3000\u3000", "，。、", "「」『』", "ー", "ｶﾀｶﾅ", "한국어", "العربية", "עברית",
    "ไทย", "Ελληνικά", "Кириллица", "\x7f", "\x01\x02\x03", "\x1f", "\x1ftype=x",
    "\x1f\x1f\x1f", "a\x1fb", "\r\n", "a\r\nb", "\n\n\n", "\v\f",
]

BAD_BYTES = [b"\xff", b"\xc0\xaf", b"\xe0\x80\xaf", b"\xed\xa0\x80", b"\xf4\x90\x80\x80",
             b"\xc3", b"\xe6\x89", b"a\xffb", b"\xfe\xff", b"\x80\x80\x80",
             b"\xf0\x9f\x98", b"%\xff"]


def long_texts():
    yield "a" * 4096
    yield "a" * 4097
    yield "打" * 1400
    yield ("x " * 2000).strip()
    yield "a OR " * 600
    yield "\"" * 3000
    yield "-" * 4000
    yield "*" * 4000
    yield "(" * 2000
    yield "type:x " * 500
    yield "".join(RNG.choice("打印机卡纸印表機紙OUTLOOK0x8-_.:/\\@ ") for _ in range(800))


def query_strings():
    for t in TEXT:
        yield pct(t)
    for b in BAD_BYTES:
        yield pct(b)
    for t in long_texts():
        yield pct(t)
    for _ in range(20):
        n = RNG.randint(1, 12)
        yield pct("".join(RNG.choice(TEXT) for _ in range(n)))
    # raw (not percent-encoded) oddities that a client could still send
    for raw in ["a+b", "a%2Bb", "%E6%89%93%E5%8D%B0", "%e6%89%93", "%E6%89", "%",
                "%2", "%G0", "+%00+", "%C0%AF", "%ED%A0%80", "%F4%90%80%80", "=", "&", "&&",
                "#frag", "a#b"]:
        yield raw


# --- requests -----------------------------------------------------------------------------

def gen_search():
    for q in query_strings():
        add("search", "GET", "/api/v1/search?q=" + q)
    for q in list(query_strings())[::4]:
        add("complete", "GET", "/api/v1/complete?q=" + q)
    params = {
        "limit": ["-1", "0", "1", "101", "1000000", "99999999999999999999", "1e3", "0x10",
                  "+5", " 5", "5 ", "", "abc", "%00", "1.5", "-0", "\u0661"],
        "offset": ["-1", "999999999", "18446744073709551616", "x", "", "1e9"],
        "type": ["", "x", "known_error", "KNOWN_ERROR", "known_error,article", "*", "%00",
                 "ticket\x1f", "a" * 300],
        "status": ["", "retired", "draft", "all", "x" * 300, "%FF"],
        "lang": ["", "zh", "xx", "../../"],
        "sort": ["", "score", "'; DROP", "-id"],
    }
    for name, values in params.items():
        for v in values:
            add("search-params", "GET", "/api/v1/search?q=printer&%s=%s" % (name, pct(v)))
    for name in ["q", "q", "limit", "offset"]:
        add("search-params", "GET", "/api/v1/search?%s=1&%s=2&%s=" % (name, name, name))
    add("search-params", "GET", "/api/v1/search")
    add("search-params", "GET", "/api/v1/search?")
    add("search-params", "GET", "/api/v1/search?&&&&")
    add("search-params", "GET", "/api/v1/search?=x")
    add("search-params", "GET", "/api/v1/search?q")
    add("search-params", "GET", "/api/v1/search?%00=x")
    add("search-params", "GET", "/api/v1/search?q=%FF%FE")
    add("search-params", "GET", "/api/v1/search?" + "q=a&" * 200)
    add("search-params", "GET", "/api/v1/search?" + "&".join("p%d=%d" % (i, i)
                                                              for i in range(150)))


LIST_ROUTES = {
    "/api/v1/incidents": ["status", "priority", "q", "caller", "phone", "limit", "offset",
                          "from", "to", "assignee", "category"],
    "/api/v1/incidents/at-risk": ["limit", "within"],
    "/api/v1/audit": ["actor", "action", "object", "from", "to", "limit", "offset"],
    "/api/v1/audit.csv": ["actor", "from", "to"],
    "/api/v1/reports/summary": ["from", "to", "group"],
    "/api/v1/reports/summary.csv": ["from", "to"],
    "/api/v1/reports/gaps": ["from", "to", "limit"],
    "/api/v1/reports/problems": ["limit", "min"],
    "/api/v1/documents": ["q", "state", "class", "at", "limit"],
    "/api/v1/document-requests": ["state", "kind", "doc_no", "limit"],
    "/api/v1/document-classes": ["limit"],
    "/api/v1/reviews": ["limit"],
    "/api/v1/reviews/due": ["within", "limit"],
    "/api/v1/reviews/drafts": ["limit"],
    "/api/v1/backups": ["limit"],
    "/api/v1/users": ["limit"],
}
PARAM_VALUES = ["-1", "0", "99999999999999999999", "abc", "", "%00", "%FF", "2026-13-45",
                "2026-02-30T25:61:61Z", "1970-01-01", "9999-12-31T23:59:59Z",
                "-9999-01-01", "2026-01-01T00:00:00+25:00", "' OR '1'='1", "a" * 500,
                pct("打印机"), "1e400", "NaN", "P0", "P9", "closed,open", "%2e%2e%2f"]


def gen_lists():
    for route, names in LIST_ROUTES.items():
        add("lists", "GET", route)
        for n in names:
            for v in RNG.sample(PARAM_VALUES, 3):
                add("lists", "GET", "%s?%s=%s" % (route, n, v))
        add("lists", "GET", route + "?from=2030-01-01&to=2020-01-01")


IDS = ["KE-1001", "ke-1001", "KE-9999", "", "%00", "..", "%2e%2e", "..%2f..%2fetc%2fpasswd",
       "%2F", "a" * 200, "a" * 5000, pct("打印机"), "%FF", "KE-1001%00", "KE-1001/",
       "KE-1001%2F..", " KE-1001", "KE-1001 ", "-1", "0", "99999999999999999999",
       "'; DROP TABLE doc; --", "%27", "*", "INC-20260101-0001", "YW-SC-001", "DR-0001",
       "{inc}", "{dr}", "%7Binc%7D", "\\", "%5C", "~", ".", "%2e"]


def gen_ids():
    templates = ["/api/v1/kb/%s", "/api/v1/kb/%s/versions", "/api/v1/kb/%s/versions/1",
                 "/api/v1/incidents/%s", "/api/v1/documents/%s",
                 "/api/v1/documents/%s/versions", "/api/v1/document-requests/%s"]
    for t in templates:
        for i in IDS:
            add("ids", "GET", t % i)
    for n in ["0", "-1", "1.0", "abc", "99999999999999999999", "18446744073709551615",
              "2147483648", "%00", "1%00", "01", "+1", " 1", "1e2", ""]:
        add("ids", "GET", "/api/v1/kb/KE-1001/versions/" + n)


def gen_paths():
    paths = [
        "/", "//", "///", "/.", "/..", "/../", "/../../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd",
        "/%2E%2E%2F%2E%2E%2Fetc%2Fpasswd", "/..%2f..%2f..%2fetc%2fpasswd", "/....//....//etc/passwd",
        "/%252e%252e/%252e%252e/etc/passwd", "/index.html", "/index.html%00.js",
        "/index.html%00", "/index.html/", "/index.html/..", "/./index.html", "/.//index.html",
        "/%5C..%5C..%5Cetc%5Cpasswd", "/..\\..\\etc\\passwd", "/web/../Makefile",
        "/../Makefile", "/%2e%2e/Makefile", "/app.js", "/app.js?x=1", "/.git/config",
        "/.env", "/etc/passwd", "/proc/self/environ", "/%00", "/%FF", "/%C0%AF",
        "/%C0%AE%C0%AE/etc/passwd", "/" + "a" * 255, "/" + "a/" * 500, "/" + "%2F" * 300,
        "/" + pct("打印机"), "/api", "/api/", "/api/v1", "/api/v1/", "/api/v2/search",
        "/api/v1/search/", "/api/v1/search/x", "/api/v1//search", "/api//v1/search",
        "/API/V1/SEARCH", "/api/v1/Search", "/api/v1/search%2F", "/api/v1/%73earch",
        "/api/v1/kb/", "/api/v1/kb//versions", "/api/v1/kb/KE-1001/versions/1/x",
        "/api/v1/audit/verify/", "/api/v1/users/", "/api/v1/backups/x/verify/y",
        "/healthz/", "/healthz?x", "/healthz%00", "/readyz", "/readyz/", "/readyz?x=%00",
        "/metrics", "/metrics/", "/metrics?name[]=x", "/metrics%00", "/METRICS",
        "/api/v1/openapi.yaml", "/api/v1/openapi.yaml/", "/api/v1/openapi.yaml?x=%00",
        "/api/v1/openapi.yaml%00", "/api/v1/openapi%2Eyaml", "/api/v1/OPENAPI.YAML",
        "/api/v1/openapi.yaml/../../etc/passwd", "/api/v1/openapi.json", "/openapi.yaml",
        "*", "", "x", "http://example.com/",
        "http://127.0.0.1/api/v1/search?q=x", "//example.com/x", "/favicon.ico",
        "/web/index.html", "/tests/data/synonyms.txt", "/api/v1/../../etc/passwd",
        "/api/v1/search/..%2F..%2F..%2Fetc%2Fpasswd", "/%u002e%u002e/etc/passwd",
        "/a?b?c", "/??", "/#x", "/;x", "/index.html;jsessionid=1", "/ index.html",
    ]
    for p in paths:
        add("paths", "GET", p, deny="root:x:0:0", may_close=(p in ("", "x", "*", "/ index.html")
                                                            or p.startswith("http:")
                                                            or p.startswith("//")))
    for p in ["/" + "a" * 8180, "/api/v1/search?q=" + "a" * 8170, "/" + "a" * 8200,
              "/api/v1/search?q=" + "a" * 9000, "/" + "%41" * 3000]:
        add("paths-long", "GET", p, may_close=True)


def gen_methods():
    for m in ["POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "CONNECT", "FOO",
              "get", "Get", "G\x01T", "HEAD", "PROPFIND", "M" * 100]:
        for p in ["/api/v1/search?q=x", "/api/v1/kb/KE-1001", "/api/v1/users",
                  "/index.html", "/healthz", "/api/v1/audit", "/metrics", "/readyz",
                  "/api/v1/openapi.yaml"]:
            add("methods", m, p, may_close=m in ("CONNECT", "G\x01T", "M" * 100) or
                not m.isalpha())


def gen_headers():
    h = "/api/v1/search?q=printer"
    cases = [
        [("Authorization", "Bearer")], [("Authorization", "Bearer ")],
        [("Authorization", "Bearer " + "0" * 64)], [("Authorization", "Bearer " + "x" * 5000)],
        [("Authorization", "Basic YWRtaW46YWRtaW4=")], [("Authorization", "bearer x")],
        [("Authorization", "Bearer \x00")], [("Authorization", b"Bearer \xff\xfe")],
        [("Authorization", "Bearer a b c")], [("Authorization", "Bearer ' OR 1=1 --")],
        [("Authorization", "Bearer %00")], [("Authorization", "Digest x")],
        [("Authorization", "")], [("Cookie", "")], [("Cookie", "kedb_session=")],
        [("Cookie", "kedb_session=" + "0" * 64)], [("Cookie", "kedb_session=x; kedb_session=y")],
        [("Cookie", ";;;;;")], [("Cookie", "a" * 6000)], [("Cookie", "kedb_session=\x01")],
        [("Cookie", b"kedb_session=\xff")], [("X-CSRF-Token", "x" * 1000)],
        [("Origin", "null")], [("Origin", "http://evil.example")], [("Referer", "x" * 4000)],
        [("Accept", "*/*;q=" + "9" * 1000)], [("Accept-Encoding", "gzip, deflate, br, " * 100)],
        [("Range", "bytes=0-1,2-3")], [("Range", "bytes=-1")], [("If-None-Match", "*")],

        [("X-Forwarded-For", "1.2.3.4, " * 200)], [("Host", "")], [("Host", "a" * 1000)],
        [("Host", "evil.example")], [("Content-Type", "text/html")], [("Expect", "100-continue")],
        [("Expect", "x")],
        [("X-" + "a" * 4000, "1")], [("X", "\t" * 100)], [("Connection", "keep-alive, Upgrade"),
                                                          ("Upgrade", "websocket")],
    ]
    for hs in cases:
        auth = "none" if any(k in ("Authorization", "Cookie") for k, _ in hs) else "all"
        add("headers", "GET", h, headers=hs, auth=auth)
    add("headers", "GET", h, headers=[("X-Big", "a" * 70000)], may_close=True,
        note="past the per-connection memory limit")
    add("headers", "GET", h, headers=[("X-H%d" % i, "v") for i in range(500)], may_close=True)
    add("headers", "GET", h, headers=[("Authorization", "Bearer x"), ("Authorization",
                                                                      "Bearer y")],
        auth="none")
    # /metrics takes its own bearer token: hostile ones, and ones that look like sessions
    for hs in cases[:12]:
        add("headers", "GET", "/metrics", headers=hs, auth="none")
    for v in ["HTTP/1.0", "HTTP/0.9", "HTTP/2.0", "HTTP/1.2", "HTTP/9.9", "HTTPS/1.1",
              "http/1.1", "HTTP/1.1 x", "", "HTTP/1.01", "HTTP/01.1"]:
        add("versions", "GET", h, version=v, may_close=True, allow=[505])


def gen_raw():
    """Malformed HTTP: sent literally (method holds the whole request)."""
    raws = [b"", b"\r\n", b"\r\n\r\n", b"GET\r\n\r\n", b"GET /\r\n\r\n",
            b"GET / HTTP/1.1\r\n\r\n", b"GET / HTTP/1.1\nHost: x\n\n",
            b"GET  /  HTTP/1.1\r\nHost: x\r\n\r\n", b"GET /\tHTTP/1.1\r\nHost: x\r\n\r\n",
            b"GET / HTTP/1.1\r\nHost x\r\n\r\n", b"GET / HTTP/1.1\r\n: x\r\n\r\n",
            b"GET / HTTP/1.1\r\nHost: x\r\n folded\r\n\r\n",
            b"GET / HTTP/1.1\r\nHost: x\r\nX: a\x00b\r\n\r\n",
            b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",
            b"\xff\xfe\xfd", b"GET /" + b"\x00" * 10 + b" HTTP/1.1\r\nHost: x\r\n\r\n",
            b"GET / HTTP/1.1\r\nHost: x\r\n" + b"X: y\r\n" * 2000 + b"\r\n",
            b"POST /api/v1/suggest HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n",
            b"POST /api/v1/suggest HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n",
            b"POST /api/v1/suggest HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999999\r\n\r\n",
            b"POST /api/v1/suggest HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\n{}",
            b"POST /api/v1/suggest HTTP/1.1\r\nHost: x\r\nContent-Length: 1048577\r\n\r\n",
            b"POST /api/v1/suggest HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
            b"POST /api/v1/suggest HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
            b"ffffffffffffffff\r\nx\r\n0\r\n\r\n",
            b"POST /api/v1/suggest HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
            b"2\r\n{}\r\n0\r\n\r\n",
            b"POST /api/v1/suggest HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
            b"Content-Length: 2\r\n\r\n2\r\n{}\r\n0\r\n\r\n",
            b"POST /api/v1/suggest HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"
            b"0\r\n\r\n",
            b"GET / HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n",
            b"GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello"]
    for r in raws:
        # many are incomplete on purpose: the server may hold them until its connection
        # timeout (half-closing does not always end them sooner)
        add("raw", "RAW", "", body=r, may_close=True, auth="none", allow=[505], hold=True)
    add("raw", "RAW", "", body=b"GET /api/v1/search?q=x HTTP/1.1\r\nHost: x\r\n"
        b"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n", may_close=True, auth="none",
        hold=True)


def gen_bodies():
    routes = [
        ("POST", "/api/v1/incidents"), ("PATCH", "/api/v1/incidents/{inc}"),
        ("POST", "/api/v1/incidents/{inc}/resolve"), ("POST", "/api/v1/incidents/{inc}/followup"),
        ("POST", "/api/v1/incidents/{inc}/reopen"), ("POST", "/api/v1/suggest"),
        ("POST", "/api/v1/suggest/feedback"), ("POST", "/api/v1/kb"),
        ("POST", "/api/v1/kb/preview"), ("PUT", "/api/v1/kb/KE-1005"),
        ("POST", "/api/v1/kb/KE-1005/submit"), ("POST", "/api/v1/kb/KE-1004/retire"),
        ("POST", "/api/v1/reviews/KE-1005/reject"), ("POST", "/api/v1/document-requests"),
        ("POST", "/api/v1/document-requests/{dr}/reject"),
        ("POST", "/api/v1/document-requests/{dr}/execute"),
        ("POST", "/api/v1/document-requests/{dr}/confirm"),
        ("PUT", "/api/v1/document-classes/other"),
        ("PUT", "/api/v1/settings/doc-number-rule"), ("PUT", "/api/v1/settings/utc-offset"),
        ("POST", "/api/v1/users"), ("PATCH", "/api/v1/users/victim"),
        ("POST", "/api/v1/backups/prune"),
    ]
    generic = [b"", b" ", b"null", b"[]", b"{}", b"{", b"}", b"[", b"\"x\"", b"1", b"-0",
               b"1e999", b"true", b"{\"a\":}", b"{'a':1}", b"{\"a\":1,}", b"{\"\\u0000\":1}",
               b"{\"a\":\"\\ud800\"}", b"{\"a\":\"\\udc00\\ud800\"}", b"\xef\xbb\xbf{}",
               b"{\"a\":1}\x00", b"{}{}", b"{} []", b"\xff\xfe{\x00}\x00", b"\x00",
               b"{\"__proto__\":{}}", b"{\"constructor\":1}",
               b"{\"a\":" + b"[" * 3000 + b"]" * 3000 + b"}",
               b"{\"a\":" + b"{\"a\":" * 3000 + b"1" + b"}" * 3001,
               b"[" * 100000, b"{\"a\":\"" + b"\\u0041" * 20000 + b"\"}",
               b"{\"a\":1e308,\"b\":-1e308,\"c\":123456789012345678901234567890}"]
    for m, p in routes:
        for b in generic:
            add("bodies", m, p, body=b, headers=[("Content-Type", "application/json")])
        add("bodies-big", m, p, body=b"{\"x\":\"" + b"a" * (1024 * 1024 + 1) + b"\"}",
            headers=[("Content-Type", "application/json")], expect=[413], may_close=True)
    fields = {
        "/api/v1/incidents": ["caller_name", "caller_phone", "department", "location",
                              "channel", "category", "ci", "priority", "impact", "urgency",
                              "summary", "description", "actor"],
        "/api/v1/incidents/{inc}": ["assignee", "priority", "status", "note", "actor"],
        "/api/v1/incidents/{inc}/resolve": ["resolution", "resolved_by", "links", "actor"],
        "/api/v1/incidents/{inc}/followup": ["satisfaction", "comment", "confirmed",
                                             "complaint"],
        "/api/v1/incidents/{inc}/reopen": ["reason", "actor"],
        "/api/v1/suggest": ["text", "summary", "description", "limit", "category"],
        "/api/v1/suggest/feedback": ["incidents", "id", "useful", "query"],
        "/api/v1/kb": ["source", "comment", "submit"],
        "/api/v1/kb/preview": ["source"],
        "/api/v1/kb/KE-1005": ["source", "comment", "submit"],
        "/api/v1/kb/KE-1004/retire": ["fixed_by", "reason"],
        "/api/v1/document-requests": ["kind", "doc_no", "reason", "source", "borrower", "due"],
        "/api/v1/document-requests/{dr}/execute": ["comment", "source"],
        "/api/v1/document-classes/other": ["prefix", "sub_types", "chains"],
        "/api/v1/settings/doc-number-rule": ["rule"],
        "/api/v1/settings/utc-offset": ["utc_offset"],
        "/api/v1/users": ["username", "password", "roles"],
        "/api/v1/users/victim": ["roles", "password", "disabled"],
        "/api/v1/backups/prune": ["keep_last", "keep_days"],
    }
    values = [None, True, False, 0, -1, 2 ** 63, -(2 ** 63) - 1, 1.5, 1e308, "", " ",
              "\u0000", "a" * 70000, "打" * 5000, [], {}, [1, [2, [3]]], {"a": {"b": 1}},
              "' OR 1=1 --", "<script>alert(1)</script>", "../../etc/passwd", "\ud7ff",
              "\u202e", "P0", "P1", "closed", "resolved", "admin", "agent,admin",
              "2026-02-30", "9999-12-31", "-1", "^(a+)+$", "(((((((((((((((((((((", "[",
              "+25:00", "-14:00", "+14:00", "\n---\ntitle: x\n---\n"]
    methods = {p: m for m, p in routes}
    for path, names in fields.items():
        m = methods[path]
        for name in names:
            for v in RNG.sample(values, 6):
                body = json.dumps({name: v}, ensure_ascii=False).encode("utf-8", "surrogatepass")
                add("fields", m, path, body=body, headers=[("Content-Type", "application/json")])
        add("fields", m, path, body=json.dumps({n: "x" for n in names}).encode(),
            headers=[("Content-Type", "application/json")])
        add("fields", m, path, body=json.dumps({"unknown": 1}).encode(),
            headers=[("Content-Type", "application/json")])
        dup = "{" + ",".join('"%s":"a","%s":1' % (n, n) for n in names) + "}"
        add("fields", m, path, body=dup.encode(), headers=[("Content-Type", "application/json")])
    for rule in ["", "^", "$", "(", "[", "*", "a**", "(?=x)", "\\", "(a|)*", "(a*)*b",
                 "^(a+)+$", "x" * 5000, "^YW-[A-Z]{2}-\\d{3}$", "[[:alpha:]]", "\\1(a)",
                 "a{99999}", "a{1,99999}{1,99999}", "(" * 500 + ")" * 500]:
        add("fields", "PUT", "/api/v1/settings/doc-number-rule",
            body=json.dumps({"rule": rule}).encode(),
            headers=[("Content-Type", "application/json")])


    # found by make fuzz (body_docreq): 262 bytes of rule make glibc's regcomp take > 2 GiB
    add("rule-dos", "PUT", "/api/v1/settings/doc-number-rule", body=b'{"rule": "^QM\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7fssssssssssssssssscon_od++++++++++++++++++++++sssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssss\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7flend\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f-]{4}$"}',
        headers=[("Content-Type", "application/json")], expect=[400],
        note="a numbering rule whose compilation is unbounded")


def gen_callers():
    """The caller directory (issue 11), from its own random stream so that the requests
    generated before stay as they were."""
    rng = random.Random(11)
    hdr = [("Content-Type", "application/json")]
    add("callers", "GET", "/api/v1/callers")
    for name in ("q", "limit", "offset"):
        for v in rng.sample(PARAM_VALUES, 6):
            add("callers", "GET", "/api/v1/callers?%s=%s" % (name, v))
    for q in ("%2B86%20138", pct("转"), "0086", "x", "%2B%2B86", "(((((", "1" * 300, "9" * 201,
              pct("張偉"), "zw", "%E2%80%AE", "%EF%BC%91%EF%BC%93%EF%BC%98%EF%BC%90", "%25",
              "_", "%5C"):
        add("callers", "GET", "/api/v1/callers?q=" + q)
    for i in IDS + ["{caller}", "1", "00001", "18446744073709551616", "1e3", "0x10", "+1"]:
        add("callers", "GET", "/api/v1/callers/" + i)
        add("callers", "PATCH", "/api/v1/callers/" + i, body=b"{\"notes\":\"x\"}", headers=hdr)
    generic = [b"", b"null", b"[]", b"{}", b"{", b"\"x\"", b"{\"\\u0000\":1}",
               b"{\"name\":\"\\ud800\"}", b"\xef\xbb\xbf{}", b"{\"name\":\"a\"}\x00",
               b"{\"phones\":" + b"[" * 3000 + b"]" * 3000 + b"}",
               b"{\"name\":\"a\",\"phones\":[" + b",".join([b"\"13800138000\""] * 5000) + b"]}"]
    for m, p in (("POST", "/api/v1/callers"), ("PATCH", "/api/v1/callers/{caller}")):
        for b in generic:
            add("callers", m, p, body=b, headers=hdr)
        add("callers", m, p, body=b"{\"name\":\"" + b"a" * (1024 * 1024 + 1) + b"\"}",
            headers=hdr, expect=[413], may_close=True)
    values = [None, True, 0, -1, 2 ** 63, 1.5, "", " ", "\u0000", "a" * 70000, "打" * 5000, [],
              {}, [None], [1], [["13800138000"]], ["call me"], ["1" * 65], ["+86"],
              ["13800138000"] * 11, ["13800138000", "+86 138-0013 8000"], ["转转转"],
              ["０１０（６５５２）９９８８　转　１２３"], ["x" * 64], ["\u202e13800138000"],
              ["138\n0013"], "<script>alert(1)</script>", "' OR 1=1 --", "a@b", "@@",
              "zhang@example.com", "\u202e"]
    for m, p in (("POST", "/api/v1/callers"), ("PATCH", "/api/v1/callers/{caller}")):
        for name in ("name", "phones", "email", "department", "location", "vip", "notes"):
            for v in rng.sample(values, 8):
                body = {name: v}
                if m == "POST" and name != "name":
                    body["name"] = "敌意测试"
                add("callers", m, p, headers=hdr, body=json.dumps(
                    body, ensure_ascii=False).encode("utf-8", "surrogatepass"))
        add("callers", m, p, body=json.dumps({"unknown": 1}).encode(), headers=hdr)


def gen_attachments():
    """Attachments (issue 11): raw file bodies, names, ids; from their own random stream."""
    rng = random.Random(15)
    inc = "/api/v1/incidents/{inc}/attachments"
    add("attachments", "GET", inc)
    for i in rng.sample(IDS, 12) + ["1", "0", "-1", "1e3", "18446744073709551616"]:
        add("attachments", "GET", inc + "/" + i)
        add("attachments", "GET", inc + "/" + i + "/thumbnail")
        add("attachments", "DELETE", inc + "/" + i)
    for i in rng.sample(IDS, 10):
        add("attachments", "GET", "/api/v1/incidents/%s/attachments" % i)
        add("attachments", "GET", "/api/v1/kb/%s/attachments" % i)
        add("attachments", "POST", "/api/v1/kb/%s/attachments?name=a.txt" % i, body=b"x")
    names = [pct(t) for t in rng.sample(TEXT, 40)] + ["", "%00", "%FF", "a%00b.txt",
             "..%2F..%2Fetc%2Fpasswd", "a" * 300, "x.exe", "x.txt&name=y.exe", "%E2%80%AEgpj.exe",
             "CON", "a:b", pct("截图 2026.png")]
    for n in names:
        add("attachments", "POST", inc + "?name=" + n, body=b"hello\n")
    add("attachments", "POST", inc, body=b"no name")
    pe = bytearray(256)
    pe[0:2] = b"MZ"
    pe[0x3c] = 0x80
    pe[0x80:0x84] = b"PE\0\0"
    bodies = [b"", bytes(pe), b"\x7fELF" + b"\0" * 60, b"\xca\xfe\xba\xbe",
              b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR\xff\xff\xff\xff\xff\xff\xff\xff\x08\x06\0\0\0",
              b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR\0\0\x3f\xff\0\0\x3f\xff\x08\x06\0\0\0",
              b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"\xff\xd8\xff\xc0\0\x0b\x08\xff\xff\xff\xff",
              b"GIF89a\xff\xff\xff\xff\0\0\0" + b"\x2c\0\0\0\0\xff\xff\xff\xff\0\2\1\0\0" * 50,
              b"GIF89a\1\0\1\0\xf7\0\0", b"RIFF\0\0\0\0WEBP", b"PK\3\4" + b"\xff" * 40,
              b"\xff\xfe\0\xd8", b"\xfe\xff", b"\xef\xbb\xbf", b"a\0b", b"\xb4\xf2\xd3",
              b"<html><script>alert(1)</script>", bytes(rng.randrange(256) for _ in range(300)),
              b"x" * 200000]
    for i, b in enumerate(bodies):
        add("attachments", "POST", "/api/v1/kb/KE-1002/attachments?name=f%d.png" % i, body=b)
    for ctype in ("multipart/form-data; boundary=x", "text/html", "application/json",
                  "image/svg+xml", "x" * 3000):
        add("attachments", "POST", inc + "?name=t.txt", body=b"typed",
            headers=[("Content-Type", ctype)])
    add("attachments", "POST", inc + "?name=big.bin",
        headers=[("Content-Length", str(11 * 1024 * 1024))], expect=[413], may_close=True)
    add("attachments", "POST", inc + "?name=big.bin", auth="none",
        headers=[("Content-Length", str(11 * 1024 * 1024))], expect=[401, 413], may_close=True)
    add("attachments", "POST", inc + "?name=a.txt", auth="none", body=b"x", expect=[401])
    add("attachments", "PUT", inc, body=b"x", expect=[405])


def office_zip(parts):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts:
            zi = zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0))
            z.writestr(zi, data, compress_type=zipfile.ZIP_DEFLATED)
    return buf.getvalue()


def gen_docfiles():
    """Controlled copies of document versions (issue 13 §3): ?version= on a knowledge item's
    attachments, and Office files and PDFs whose text is read (zip bombs, DTDs, deep
    nesting, broken XML and PDFs): kept without text, never a 500."""
    rng = random.Random(13)
    base = "/api/v1/kb/YW-SC-001/attachments"
    for v in ["1", "2", "0", "-1", "99", "1e3", "0x1", "%00", "", "18446744073709551616",
              pct("一")] + rng.sample(PARAM_VALUES, 6):
        add("docfiles", "GET", base + "?version=" + v)
        add("docfiles", "POST", base + "?name=v.txt&version=" + v, body=b"copy\n")
    add("docfiles", "POST", "/api/v1/incidents/{inc}/attachments?name=a.txt&version=1",
        body=b"x")
    add("docfiles", "GET", "/api/v1/documents/YW-SC-001/versions")
    add("docfiles", "GET", "/api/v1/documents/YW-SC-001")
    ct = ("[Content_Types].xml", "<Types/>")
    deep = "<w:p>" * 500 + "</w:p>" * 500
    bodies = [
        office_zip([ct, ("word/document.xml", "<w:document>" + " " * (4 << 20) + "</w:document>")]),
        office_zip([ct, ("word/document.xml", '<!DOCTYPE d [<!ENTITY a "aa">]><d>&a;&a;</d>')]),
        office_zip([ct, ("word/document.xml", '<!DOCTYPE d SYSTEM "file:///etc/passwd"><d/>')]),
        office_zip([ct, ("word/document.xml", "<w:document><w:body>%s</w:body></w:document>"
                         % deep)]),
        office_zip([ct, ("word/document.xml", "<w:document><w:body><w:p>")]),
        office_zip([ct, ("xl/workbook.xml", "<workbook/>"),
                    ("xl/sharedStrings.xml", "<sst>" + "<si><t>x</t></si>" * 5000 + "</sst>")]),
        office_zip([ct, ("ppt/presentation.xml", "<p/>")] +
                   [("ppt/slides/slide%d.xml" % i, "<a:t>幻灯片</a:t>") for i in range(50)]),
        office_zip([ct, ("word/document.xml", "\xef\xbb\xbf<w:t>\x00</w:t>".encode(
            "latin-1").decode("latin-1"))]),
        b"PK\3\4" + bytes(rng.randrange(256) for _ in range(400)),
        b"%PDF-1.4\n%broken\n", b"%PDF-", b"%PDF-1.7\n" + b"(" * 20000,
        b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 1 0 R >> endobj\ntrailer << /Root 1 0 R >>\n",
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600,
    ]
    for i, b in enumerate(bodies):
        for target in ("/api/v1/kb/KE-1003/attachments?name=d%d.docx" % i,
                       base + "?name=d%d.pdf&version=1" % i):
            add("docfiles", "POST", target, body=b)


def gen_assets():
    """The asset archive (issue 12), from its own random stream so that the requests
    generated before stay as they were."""
    rng = random.Random(12)
    hdr = [("Content-Type", "application/json")]
    add("assets", "GET", "/api/v1/assets")
    for name in ("q", "limit", "offset", "class", "status", "caller_id"):
        for v in rng.sample(PARAM_VALUES, 6):
            add("assets", "GET", "/api/v1/assets?%s=%s" % (name, v))
    for q in ("PRN", pct("北京總部"), "%EF%BC%B0%EF%BC%B2%EF%BC%AE", "-", "%25", "_", "%5C",
              "x" * 201, "(((((", "%E2%80%AE", "'%20OR%201%3D1%20--", "%0A", "%00"):
        add("assets", "GET", "/api/v1/assets?q=" + q)
    for i in IDS + ["{asset}", "hostile-1", "x" * 41, "-x", "a%20b", "%E6%89%93", "a%2Fb",
                    "a.b", "PRN-0001%00"]:
        add("assets", "GET", "/api/v1/assets/" + i)
        add("assets", "PATCH", "/api/v1/assets/" + i, body=b"{\"notes\":\"x\"}", headers=hdr)
        add("assets", "POST", "/api/v1/assets/" + i + "/scrap", body=b"{\"reason\":\"x\"}",
            headers=hdr)
    for action in ("approve", "reject", "APPROVE", "", "%00", "lend", "x" * 300):
        add("assets", "POST", "/api/v1/assets/{asset}/scrap/" + action, body=b"{}",
            headers=hdr)
    generic = [b"", b"null", b"[]", b"{}", b"{", b"\"x\"", b"{\"\\u0000\":1}",
               b"{\"tag\":\"\\ud800\"}", b"\xef\xbb\xbf{}", b"{\"tag\":\"a\"}\x00",
               b"{\"specs\":" + b"{\"a\":" * 3000 + b"1" + b"}" * 3000 + b"}",
               b"{\"tag\":\"A-1\",\"class\":\"printer\",\"software\":[" +
               b",".join([b"\"x\""] * 5000) + b"]}"]
    for m, p in (("POST", "/api/v1/assets"), ("PATCH", "/api/v1/assets/{asset}"),
                 ("POST", "/api/v1/assets/{asset}/scrap"),
                 ("POST", "/api/v1/assets/{asset}/scrap/reject")):
        for b in generic:
            add("assets", m, p, body=b, headers=hdr)
        add("assets", m, p, body=b"{\"notes\":\"" + b"a" * (1024 * 1024 + 1) + b"\"}",
            headers=hdr, expect=[413], may_close=True)
    values = [None, True, 0, -1, 2 ** 63, 1.5, "", " ", "\u0000", "a" * 70000, "打" * 5000, [],
              {}, [None], [1], [""], ["x"] * 101, ["a", "a"], {"cpu": 1}, {"gpu": "x"},
              {"cpu": "x" * 101}, {"os": None}, "2024-02-30", "2024-02-29", "9999-12-31",
              "0000-01-01", "printer", "scrapped", "in_use", "PRN-0001", "-x", "a/b",
              "<script>alert(1)</script>", "' OR 1=1 --", "\u202e", "a\nb"]
    fields = ("tag", "class", "brand", "model", "serial", "user", "caller_id", "department",
              "location", "supplier", "purchase_date", "warranty_end", "status", "specs",
              "software", "notes")
    for m, p in (("POST", "/api/v1/assets"), ("PATCH", "/api/v1/assets/{asset}")):
        for name in fields:
            for v in rng.sample(values, 8):
                body = {name: v}
                if m == "POST" and name != "tag":
                    body["tag"] = "HOSTILE-%d" % rng.randrange(1000)
                if m == "POST" and name != "class":
                    body["class"] = "printer"
                add("assets", m, p, headers=hdr, body=json.dumps(
                    body, ensure_ascii=False).encode("utf-8", "surrogatepass"))
        add("assets", m, p, body=json.dumps({"unknown": 1}).encode(), headers=hdr)
    # the asset report and the incident's ci (its own stream again)
    rng = random.Random(1212)
    add("assets", "GET", "/api/v1/reports/assets")
    for name in ("from", "to"):
        for v in rng.sample(PARAM_VALUES, 8):
            add("assets", "GET", "/api/v1/reports/assets?%s=%s" % (name, v))
    add("assets", "GET", "/api/v1/reports/assets?from=2030-01-01&to=2020-01-01")
    for v in rng.sample(values, 12):
        add("assets", "PATCH", "/api/v1/incidents/{inc}", headers=hdr, body=json.dumps(
            {"ci": v}, ensure_ascii=False).encode("utf-8", "surrogatepass"))


def gen_maint():
    """Maintenance and inspection (issue 12 section 4), from its own random stream so that
    the requests generated before stay as they were."""
    rng = random.Random(124)
    hdr = [("Content-Type", "application/json")]
    add("maint", "GET", "/api/v1/maintenance/plans")
    add("maint", "GET", "/api/v1/maintenance/tasks")
    add("maint", "GET", "/api/v1/maintenance/report")
    for name in ("asset",):
        for v in rng.sample(PARAM_VALUES, 6):
            add("maint", "GET", "/api/v1/maintenance/plans?%s=%s" % (name, v))
    for name in ("state", "group", "asset", "plan", "mine", "from", "to", "limit", "offset"):
        for v in rng.sample(PARAM_VALUES, 5):
            add("maint", "GET", "/api/v1/maintenance/tasks?%s=%s" % (name, v))
    for name in ("from", "to"):
        for v in rng.sample(PARAM_VALUES, 5):
            add("maint", "GET", "/api/v1/maintenance/report?%s=%s" % (name, v))
    add("maint", "GET", "/api/v1/maintenance/report?from=1970-01-01&to=9999-12-31")
    ids = ["{plan}", "{task}", "0", "-1", "01", "1.5", "abc", "99999999999999999999",
           "%00", "%2e%2e", "a" * 300, pct("巡检")]
    for i in ids:
        add("maint", "GET", "/api/v1/maintenance/plans/" + i)
        add("maint", "PATCH", "/api/v1/maintenance/plans/" + i, body=b"{\"name\":\"x\"}",
            headers=hdr)
        add("maint", "GET", "/api/v1/maintenance/tasks/" + i)
        add("maint", "POST", "/api/v1/maintenance/tasks/" + i + "/results",
            body=b"{\"results\":[{\"item\":1,\"outcome\":\"ok\"}]}", headers=hdr)
        add("maint", "GET", "/api/v1/maintenance/tasks/" + i + "/attachments")
        add("maint", "GET", "/api/v1/maintenance/tasks/" + i + "/attachments/1")
    generic = [b"", b"null", b"[]", b"{}", b"{", b"\"x\"", b"{\"\\u0000\":1}",
               b"{\"name\":\"\\ud800\"}", b"{\"checklist\":" + b"[" * 3000 + b"]" * 3000 + b"}",
               b"{\"results\":[" + b"{}," * 30000 + b"{}]}"]
    for m, p in (("POST", "/api/v1/maintenance/plans"),
                 ("PATCH", "/api/v1/maintenance/plans/{plan}"),
                 ("POST", "/api/v1/maintenance/tasks/{task}/results"),
                 ("POST", "/api/v1/maintenance/generate")):
        for b in generic:
            add("maint", m, p, body=b, headers=hdr)
    values = [None, True, 0, -1, 2 ** 63, 1.5, "", " ", "\u0000", "a" * 70000, "检" * 5000,
              [], {}, [None], [1], [""], [{"label": "x"}] * 51, [{"label": ""}],
              [{"label": "x", "expected": 1}], [{"label": "a\nb"}], "2024-02-30",
              "2024-02-29", "9999-12-31", "0000-01-01", "printer", "month", "year",
              "HOSTILE-1", "../x", "<script>alert(1)</script>", "' OR 1=1 --", "\u202e"]
    base = {"name": "巡检", "class": "printer", "every": 1, "unit": "month",
            "start": "2026-01-31", "group": "巡检组", "checklist": [{"label": "x"}]}
    for name in ("name", "asset", "class", "every", "unit", "start", "group", "active",
                 "checklist"):
        for v in rng.sample(values, 6):
            body = dict(base, **{name: v})
            add("maint", "POST", "/api/v1/maintenance/plans", headers=hdr, body=json.dumps(
                body, ensure_ascii=False).encode("utf-8", "surrogatepass"))
            add("maint", "PATCH", "/api/v1/maintenance/plans/{plan}", headers=hdr,
                body=json.dumps({name: v}, ensure_ascii=False).encode("utf-8",
                                                                      "surrogatepass"))
    results = [None, [], {}, "x", [1], [{}], [{"item": 2 ** 63, "outcome": "ok"}],
               [{"item": 1, "outcome": "maybe"}], [{"item": 1, "outcome": "ok", "photo": -1}],
               [{"item": 1, "outcome": "ok", "photo": 2 ** 62}],
               [{"item": 1, "outcome": "fault", "note": "n" * 3000}],
               [{"item": 1, "outcome": "ok", "x": 1}],
               [{"item": 1, "outcome": "ok"}, {"item": 1, "outcome": "ok"}]]
    for r in results:
        for prio in (None, "P0", "P9", 3, "p1"):
            body = {"results": r}
            if prio is not None:
                body["priority"] = prio
            add("maint", "POST", "/api/v1/maintenance/tasks/{task}/results", headers=hdr,
                body=json.dumps(body).encode())
    for name in ("x.png", "", "..%2f..%2fx", "a.exe", "%00"):
        add("maint", "POST", "/api/v1/maintenance/tasks/{task}/attachments?name=" + name,
            body=b"MZ\x90\x00", headers=[("Content-Type", "application/octet-stream")])
def gen_parts():
    """The spare-parts store (issue 12 section 3), from its own random stream so that the
    requests generated before stay as they were."""
    rng = random.Random(123)
    hdr = [("Content-Type", "application/json")]
    for p in ("/api/v1/parts", "/api/v1/parts/locations", "/api/v1/parts/movements",
              "/api/v1/parts/replenishments", "/api/v1/parts/consumption",
              "/api/v1/parts/consumption.csv"):
        add("parts", "GET", p)
    for p, names in (("/api/v1/parts", ("q", "low", "limit", "offset")),
                     ("/api/v1/parts/movements", ("part", "asset", "incident", "limit",
                                                  "offset")),
                     ("/api/v1/parts/replenishments", ("state", "part", "limit", "offset")),
                     ("/api/v1/parts/consumption", ("from", "to", "by")),
                     ("/api/v1/parts/consumption.csv", ("from", "to", "by"))):
        for name in names:
            for v in rng.sample(PARAM_VALUES + ["2026-03", "2026-00", "1969-12", "model"], 5):
                add("parts", "GET", "%s?%s=%s" % (p, name, v))
    for i in IDS + ["{part}", "locations", "LOCATIONS", "x" * 41, "-x", "a%20b", "%E7%A1%92",
                    "a%2Fb", "CF259A%00"]:
        add("parts", "GET", "/api/v1/parts/" + i)
        add("parts", "PATCH", "/api/v1/parts/" + i, body=b"{\"notes\":\"x\"}", headers=hdr)
        add("parts", "POST", "/api/v1/parts/" + i + "/movements", headers=hdr,
            body=b"{\"kind\":\"scrap\",\"quantity\":1,\"location\":\"x\",\"note\":\"x\"}")
    for i in ("0", "-1", "x", "99999999999999999999", "{reorder}", "%00", "1.5", "1e3"):
        add("parts", "GET", "/api/v1/parts/replenishments/" + i)
        for action in ("approve", "reject", "receive"):
            add("parts", "POST", "/api/v1/parts/replenishments/%s/%s" % (i, action),
                body=b"{}", headers=hdr)
    for action in ("APPROVE", "", "%00", "lend", "x" * 300):
        add("parts", "POST", "/api/v1/parts/replenishments/{reorder}/" + action, body=b"{}",
            headers=hdr)
    generic = [b"", b"null", b"[]", b"{}", b"{", b"\"x\"", b"{\"\\u0000\":1}",
               b"{\"name\":\"\\ud800\"}", b"\xef\xbb\xbf{}", b"{\"name\":\"a\"}\x00",
               b"{\"models\":" + b"[" * 3000 + b"]" * 3000 + b"}",
               b"{\"number\":\"A-1\",\"name\":\"x\",\"models\":[" +
               b",".join([b"\"x\""] * 5000) + b"]}"]
    targets = (("POST", "/api/v1/parts"), ("PATCH", "/api/v1/parts/{part}"),
               ("POST", "/api/v1/parts/locations"), ("POST", "/api/v1/parts/{part}/movements"),
               ("POST", "/api/v1/parts/replenishments"),
               ("POST", "/api/v1/parts/replenishments/{reorder}/reject"),
               ("POST", "/api/v1/parts/replenishments/{reorder}/receive"))
    for m, p in targets:
        for b in generic:
            add("parts", m, p, body=b, headers=hdr)
        add("parts", m, p, body=b"{\"note\":\"" + b"a" * (1024 * 1024 + 1) + b"\"}",
            headers=hdr, expect=[413], may_close=True)
        add("parts", m, p, body=json.dumps({"unknown": 1}).encode(), headers=hdr)
    values = [None, True, 0, -1, 1, 2 ** 63, 1.5, "", " ", "\u0000", "a" * 70000, "打" * 5000,
              [], {}, [None], [1], [""], ["x"] * 51, ["a", "A"], "1", "issue", "receive",
              "scrap", "move", "return", "总部仓库", "HOSTILE-1", "{part}", "<script>x</script>",
              "' OR 1=1 --", "\u202e", "a\nb", 10 ** 7]
    fields = {
        "/api/v1/parts": ("number", "name", "unit", "models", "notes", "minimum"),
        "/api/v1/parts/{part}": ("name", "unit", "models", "notes", "minimum"),
        "/api/v1/parts/locations": ("name", "note"),
        "/api/v1/parts/{part}/movements": ("kind", "quantity", "location", "to_location",
                                           "incident", "asset", "note"),
        "/api/v1/parts/replenishments": ("part", "quantity", "location", "reason"),
        "/api/v1/parts/replenishments/{reorder}/receive": ("quantity", "location", "note"),
    }
    base = {"/api/v1/parts": {"number": "HP-%d", "name": "x"},
            "/api/v1/parts/{part}/movements": {"kind": "issue", "quantity": 1,
                                               "location": "总部仓库", "asset": "HOSTILE-1"},
            "/api/v1/parts/replenishments": {"part": "HOSTILE-P", "quantity": 1}}
    for p, names in fields.items():
        m = "PATCH" if p == "/api/v1/parts/{part}" else "POST"
        for name in names:
            for v in rng.sample(values, 7):
                body = dict(base.get(p, {}))
                if "number" in body:
                    body["number"] = body["number"] % rng.randrange(1000)
                body[name] = v
                add("parts", m, p, headers=hdr, body=json.dumps(
                    body, ensure_ascii=False).encode("utf-8", "surrogatepass"))
def gen_census():
    """Census campaigns and imports (issue 12): campaign ids, names, report filters, raw
    spreadsheet bodies and the import's query arguments; from their own random stream so
    that the requests generated before stay as they were."""
    rng = random.Random(1212)
    hdr = [("Content-Type", "application/json")]
    imp = "/api/v1/censuses/{census}/import"
    add("census", "GET", "/api/v1/censuses")
    for i in rng.sample(IDS, 12) + ["{census}", "1", "0", "-1", "1e3", "1.5"]:
        add("census", "GET", "/api/v1/censuses/" + i)
        add("census", "POST", "/api/v1/censuses/" + i + "/import?dry_run=1",
            body="资产编号,类别\nH-1,台式机\n".encode())
    for v in rng.sample(PARAM_VALUES, 6) + ["x" * 201, pct("财务部")]:
        add("census", "GET", "/api/v1/censuses/{census}/assets?list=found&department=" + v)
    for name, values in (("list", ["found", "missing", "moved", "", "all", "FOUND", "%00",
                                   "found&list=moved"]),
                         ("limit", rng.sample(PARAM_VALUES, 5) + ["500", "501"]),
                         ("offset", rng.sample(PARAM_VALUES, 5))):
        for v in values:
            q = "list=missing&" if name != "list" else ""
            add("census", "GET", "/api/v1/censuses/{census}/assets?%s%s=%s" % (q, name, v))
    add("census", "GET", "/api/v1/censuses/999/assets?list=found")
    for body in [b"", b"null", b"{}", b"[]", b"{\"name\":null}", b"{\"name\":1}",
                 b"{\"name\":\"\"}", b"{\"name\":\"a\\nb\"}", b"{\"name\":\"\\u0000\"}",
                 b"{\"name\":\"" + b"x" * 101 + b"\"}", b"{\"name\":\"x\",\"y\":1}"]:
        add("census", "POST", "/api/v1/censuses", body=body, headers=hdr)
    for t in rng.sample(TEXT, 10):
        add("census", "POST", "/api/v1/censuses", headers=hdr, body=json.dumps(
            {"name": t}, ensure_ascii=False).encode("utf-8", "surrogatepass"))
    header = "资产编号,类别,序列号,部门,购置日期\n".encode()
    bodies = [b"", b"\xef\xbb\xbf", b"a", header, header + b"\xff\xfe\x00\n",
              header + "H-1,飞船,,,\n".encode(), header + b"H-2,desktop,,,2026-02-30\n",
              header + b",,,,\n" * 50, header + b"'; DROP TABLE asset; --,desktop,,,\n",
              header + b"=cmd|' /C calc'!A0,desktop,,,\n", header + b"\"unclosed,desktop\n",
              header + b"H-3," + b"x" * 5000 + b",,,\n", "资产编号\n".encode() * 3,
              b"PK\x03\x04" + b"\xff" * 60, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 500,
              ",".join(["资产编号", "类别"] + ["c"] * 300).encode() + b"\n",
              "\n".join(["资产编号,类别"] + ["H-%d,desktop" % i for i in range(300)]).encode(),
              "资产编号,类别\nH-9,台式机\n".encode("gbk"),
              bytes(rng.randrange(256) for _ in range(400))]
    for b in bodies:
        add("census", "POST", imp + "?dry_run=1", body=b)
    for q in ["dry_run=maybe", "dry_run=", "charset=no-such", "charset=%00", "sheet=%FF",
              "sheet=" + "x" * 300, "name=%01", "name=" + "a" * 300, "map.tag=",
              "map.colour=x", "map.tag=a&map.tag=b", "map.=x", "map.tag=" + "x" * 2100,
              "map.tag=%E7%BC%96%E5%8F%B7&map.class=x", pct("map.类别") + "=x"]:
        add("census", "POST", imp + "?dry_run=1&" + q, body="资产编号,类别\nH-1,台式机\n".encode())
    add("census", "POST", imp + "?dry_run=1",
        headers=[("Content-Length", str(11 * 1024 * 1024))], expect=[413], may_close=True)
    add("census", "POST", imp, auth="none", body=b"x", expect=[401])
    add("census", "PUT", imp, body=b"x", expect=[405])


def gen_doccheck():
    """Retention lists, validity check rounds and controlled paper copies (issue 13 section
    3): ids, list and paging arguments, days, hostile bodies and texts; from their own random
    stream so that the requests generated before stay as they were."""
    rng = random.Random(1303)
    hdr = [("Content-Type", "application/json")]
    for q in ["", "list=expired", "list=unparsed", "list=", "list=all", "list=%00",
              "list=expired&list=unparsed", "as_of=2026-02-30", "as_of=1969-12-31",
              "as_of=9999-12-31", "as_of=%FF", "doc_no=" + "x" * 201, "doc_no=%00",
              "doc_no=" + pct("运维手册")] + ["limit=" + v for v in rng.sample(PARAM_VALUES, 5)] \
            + ["offset=" + v for v in rng.sample(PARAM_VALUES, 5)]:
        add("doccheck", "GET", "/api/v1/document-retention?" + q)
    for base in ("/api/v1/document-checks", "/api/v1/document-copies"):
        for v in rng.sample(PARAM_VALUES, 6) + ["open", "closed", "1", "true"]:
            add("doccheck", "GET", base + "?state=%s&to_recall=%s&out=%s&limit=%s" % (
                v, v, v, v))
        for i in rng.sample(IDS, 10) + ["1", "0", "-1", "1e3", "1.5", "99999999999999999999"]:
            add("doccheck", "GET", base + "/" + i)
            tail = "/results" if base.endswith("checks") else "/recall"
            add("doccheck", "POST", base + "/" + i + tail, headers=hdr,
                body=b'{"results":[{"doc_no":"YW-SC-001","result":"valid"}]}'
                if tail == "/results" else b"{}")
            if tail == "/results":
                add("doccheck", "POST", base + "/" + i + "/close", headers=hdr, body=b"{}")
    checks = [b"", b"null", b"{}", b"[]", b'{"title":null}', b'{"title":1}', b'{"title":""}',
              b'{"title":"a\nb"}', b'{"title":"\u0000"}', b'{"title":"' + b"x" * 201 + b'"}',
              b'{"title":"t","documents":"YW-SC-001"}', b'{"title":"t","documents":[1]}',
              b'{"title":"t","documents":[""]}', b'{"title":"t","documents":[null]}',
              b'{"title":"t","documents":["../../etc/passwd"]}', b'{"title":"t","x":1}',
              b'{"title":"t","documents":[' + b'"YW-SC-001",' * 2000 + b'"YW-SC-001"]}']
    for b in checks:
        add("doccheck", "POST", "/api/v1/document-checks", headers=hdr, body=b)
    results = [b'{"results":[]}', b'{"results":{}}', b'{"results":[1]}', b'{"results":[[]]}',
               b'{"results":[{"doc_no":"YW-SC-001"}]}',
               b'{"results":[{"doc_no":"YW-SC-001","result":"VALID"}]}',
               b'{"results":[{"doc_no":"YW-SC-001","result":"invalid_version"}]}',
               b'{"results":[{"doc_no":"YW-SC-001","result":"valid","x":1}]}',
               b'{"results":[{"doc_no":1,"result":"valid"}]}',
               b'{"results":[{"doc_no":"YW-SC-001","result":"valid","note":"' + b"n" * 2001
               + b'"}]}',
               b'{"results":[' + b'{"doc_no":"YW-SC-001","result":"valid"},' * 2000
               + b'{"doc_no":"YW-SC-001","result":"valid"}]}']
    for b in results:
        add("doccheck", "POST", "/api/v1/document-checks/1/results", headers=hdr, body=b)
    copies = [b"", b"{}", b'{"doc_no":"YW-SC-001"}', b'{"holder":"x"}',
              b'{"doc_no":"YW-SC-001","holder":"\u0000"}',
              b'{"doc_no":"YW-SC-001","holder":"' + b"h" * 201 + b'"}',
              b'{"doc_no":"YW-SC-001","holder":"x","copy_no":"a\nb"}',
              b'{"doc_no":"YW-SC-001","holder":"x","version":2}',
              b'{"doc_no":"NO-SUCH-1","holder":"x"}', b'{"doc_no":["YW-SC-001"],"holder":"x"}']
    for b in copies:
        add("doccheck", "POST", "/api/v1/document-copies", headers=hdr, body=b)
    for t in rng.sample(TEXT, 8):
        add("doccheck", "POST", "/api/v1/document-checks", headers=hdr, body=json.dumps(
            {"title": t, "scope": t, "documents": ["YW-SC-001"]},
            ensure_ascii=False).encode("utf-8", "surrogatepass"))
        add("doccheck", "POST", "/api/v1/document-copies", headers=hdr, body=json.dumps(
            {"doc_no": "YW-SC-001", "holder": t, "location": t, "copy_no": t[:100]},
            ensure_ascii=False).encode("utf-8", "surrogatepass"))
    add("doccheck", "POST", "/api/v1/document-checks", auth="none", headers=hdr,
        body=b'{"title":"t"}', expect=[401])
    add("doccheck", "DELETE", "/api/v1/document-copies/1", expect=[405])


def gen_complaints():
    """Complaints (issue 13 section 1): ids, bodies of raise/change/reply/close, list
    filters and the due-time settings; from their own random stream so that the requests
    generated before stay as they were."""
    rng = random.Random(1313)
    hdr = [("Content-Type", "application/json")]
    one = "/api/v1/complaints/{complaint}"
    add("complaint", "GET", "/api/v1/complaints")
    for i in rng.sample(IDS, 10) + ["{complaint}", "0", "-1", "1e3", "1.5", "99999999999999"]:
        add("complaint", "GET", "/api/v1/complaints/" + i)
        add("complaint", "POST", "/api/v1/complaints/" + i + "/reply", headers=hdr,
            body=b'{"reply":"x","channel":"phone"}')
    for name, values in (("state", ["open", "closed", "open,replied", "", "lost", "%00",
                                    "OPEN", "open,,closed"]),
                         ("overdue", ["1", "0", "maybe", "%00"]),
                         ("from", ["2026-03-01", "2026-13-01", "x", "1969-12-31"]),
                         ("to", ["2026-03-01", "2026-02-30", "%FF"]),
                         ("q", rng.sample(PARAM_VALUES, 4) + ["x" * 201]),
                         ("owner", rng.sample(PARAM_VALUES, 3) + ["x" * 201]),
                         ("limit", rng.sample(PARAM_VALUES, 4) + ["200", "201"]),
                         ("offset", rng.sample(PARAM_VALUES, 4))):
        for v in values:
            add("complaint", "GET", "/api/v1/complaints?%s=%s" % (name, v))
    add("complaint", "GET", "/api/v1/complaints?from=2026-03-05&to=2026-03-01")
    for q in ["", "from=2026-03-01&to=2026-03-31", "from=x", "to=2026-02-30"]:
        add("complaint", "GET", "/api/v1/complaints/counts?" + q)
    bodies = [b"", b"null", b"{}", b"[]", b'{"summary":null}', b'{"summary":1}',
              b'{"summary":""}', b'{"summary":"a\\nb"}', b'{"summary":"\\u0000"}',
              b'{"summary":"' + b"x" * 201 + b'"}', b'{"summary":"x","y":1}',
              b'{"summary":"x","incident":"INC-19990101-0001"}',
              b'{"summary":"x","owner":"ghost"}', b'{"summary":"x","owner_group":"ghost"}',
              b'{"summary":"x","detail":"' + b"y" * 8001 + b'"}', b'{"summary":["x"]}']
    for b in bodies:
        add("complaint", "POST", "/api/v1/complaints", body=b, headers=hdr)
    for t in rng.sample(TEXT, 8):
        add("complaint", "POST", "/api/v1/complaints", headers=hdr, body=json.dumps(
            {"summary": t[:200], "detail": t}, ensure_ascii=False).encode(
                "utf-8", "surrogatepass"))
    for b in [b"{}", b'{"owner":1}', b'{"owner":"ghost"}', b'{"investigation":"' + b"z" * 8001
              + b'"}', b'{"state":"closed"}', b"[1]"]:
        add("complaint", "PATCH", one, body=b, headers=hdr)
    for b in [b"{}", b'{"reply":""}', b'{"reply":"x","channel":""}', b'{"reply":1}',
              b'{"reply":"x","channel":"a\\nb"}']:
        add("complaint", "POST", one + "/reply", body=b, headers=hdr)
    for b in [b"{}", b'{"cause":"x"}', b'{"cause":"x","action":2}']:
        add("complaint", "POST", one + "/close", body=b, headers=hdr)
    for b in [b"{}", b'{"reply_hours":0,"close_hours":1}', b'{"reply_hours":9,"close_hours":8}',
              b'{"reply_hours":"8","close_hours":9}', b'{"reply_hours":1e9,"close_hours":1e9}',
              b'{"reply_hours":-1,"close_hours":-1}']:
        add("complaint", "PUT", "/api/v1/settings/complaint-due", body=b, headers=hdr)
    add("complaint", "POST", "/api/v1/complaints", auth="none", body=b'{"summary":"x"}',
        headers=hdr, expect=[401])
    add("complaint", "DELETE", one, expect=[405])


def gen_quality():
    """Surveys, their public one-time links, review meetings and improvement actions (issue
    13 section 1); from their own random stream."""
    rng = random.Random(1314)
    hdr = [("Content-Type", "application/json")]
    pub = "/api/v1/public/survey/"
    add("quality", "GET", "/api/v1/surveys")
    for i in rng.sample(IDS, 6) + ["{survey}", "0", "-1", "1e3", "99999999999999"]:
        add("quality", "GET", "/api/v1/surveys/" + i + "/results")
        add("quality", "GET", "/api/v1/meetings/" + i)
        add("quality", "PATCH", "/api/v1/improvement-actions/" + i, headers=hdr,
            body=b'{"state":"done"}')
    for t in ["", "x", "0" * 64, "0" * 63, "0" * 65, "A" * 64, "%00" * 22, "..%2F" * 13,
              "g" * 64, "0" * 5000, pct("调查") * 8]:
        add("quality", "GET", pub + t, auth="none")
        add("quality", "POST", pub + t, auth="none", headers=hdr, body=b'{"answers":[5]}')
    for b in [b"", b"null", b"[]", b"{}", b'{"answers":null}', b'{"answers":{}}',
              b'{"answers":[' + b"5," * 30 + b'5]}', b'{"answers":["' + b"x" * 5000 + b'"]}',
              b'{"answers":[1.5]}', b'{"answers":[true]}', b'{"answers":[[1]]}',
              b'{"answers":[0]}', b'{"answers":[6]}', b'{"x":1}']:
        add("quality", "POST", pub + "{survey_token}", auth="none", headers=hdr, body=b)
    add("quality", "GET", pub + "{survey_token}", auth="none")
    survey = {"name": "x", "period_from": "2026-03-01", "period_to": "2026-03-31",
              "questions": [{"text": "q"}]}
    for change in [{"questions": []}, {"questions": "q"}, {"questions": [{"text": "q"}] * 21},
                   {"questions": [{"text": "q", "kind": "x"}]}, {"questions": [1]},
                   {"questions": [{"text": "x" * 501}]}, {"period_from": "2026-02-30"},
                   {"period_to": "2026-01-01"}, {"name": None}, {"name": "x" * 201},
                   {"intro": "x" * 2001}, {"z": 1}]:
        add("quality", "POST", "/api/v1/surveys", headers=hdr,
            body=json.dumps(dict(survey, **change)).encode())
    for b in [b"{}", b'{"recipients":[]}', b'{"recipients":[{}]}', b'{"recipients":["x"]}',
              b'{"recipients":[{"name":"x"}],"days":0}', b'{"recipients":[{"name":"x"}],'
              b'"days":1e9}', b'{"recipients":[{"name":"x","y":1}]}']:
        add("quality", "POST", "/api/v1/surveys/{survey}/recipients", headers=hdr, body=b)
    meeting = {"day": "2026-03-06", "title": "x", "period_from": "2026-03-01",
               "period_to": "2026-03-06"}
    for change in [{"day": "x"}, {"title": ""}, {"attendees": "x"}, {"attendees": [1]},
                   {"links": ["INC-19990101-0001"]}, {"links": ["complaint:-1"]},
                   {"actions": [{}]}, {"actions": [{"title": "x", "owner": "y", "due": "z"}]},
                   {"actions": "x"}, {"causes": "x" * 8001}, {"period_to": "2026-02-01"},
                   {"figures": {}}]:
        add("quality", "POST", "/api/v1/meetings", headers=hdr,
            body=json.dumps(dict(meeting, **change)).encode())
    for q in ["state=lost", "state=open,,done", "overdue=x", "owner=" + "x" * 101, "limit=0",
              "limit=201", "offset=-1"]:
        add("quality", "GET", "/api/v1/improvement-actions?" + q)
    add("quality", "POST", "/api/v1/surveys", auth="none", headers=hdr, body=b"{}",
        expect=[401])


def gen_requests():
    """Service requests and their catalogue (issue 11 section 5), from their own random
    stream so that the requests generated before stay as they were."""
    rng = random.Random(115)
    hdr = [("Content-Type", "application/json")]
    add("requests", "GET", "/api/v1/request-items")
    add("requests", "GET", "/api/v1/requests")
    for name in ("status", "item", "group", "assignee", "queue", "overdue", "limit", "offset",
                 "active"):
        for v in rng.sample(PARAM_VALUES, 5):
            path = "/api/v1/request-items" if name == "active" else "/api/v1/requests"
            add("requests", "GET", "%s?%s=%s" % (path, name, v))
    for i in IDS + ["{req}", "REQ-20260101-0001", "REQ-2026-1", "req-20260101-0001",
                    "REQ-20260101-" + "9" * 20]:
        add("requests", "GET", "/api/v1/requests/" + i)
        add("requests", "PATCH", "/api/v1/requests/" + i, body=b"{\"note\":\"x\"}",
            headers=hdr)
        add("requests", "POST", "/api/v1/requests/" + i + "/cancel", body=b"{}", headers=hdr)
    for i in IDS[:12] + ["{item}", "1", "0", "18446744073709551616", "1e3"]:
        add("requests", "GET", "/api/v1/request-items/" + i)
        add("requests", "PATCH", "/api/v1/request-items/" + i, body=b"{\"active\":true}",
            headers=hdr)
    for a in ("approve", "reject", "start", "fulfil", "return", "close", "cancel", "", "..",
              "APPROVE", "a" * 300, pct("批准"), "%00"):
        add("requests", "POST", "/api/v1/requests/{req}/" + a, body=b"{\"note\":\"x\"}",
            headers=hdr)
    generic = [b"", b"null", b"[]", b"{}", b"{", b"\"x\"", b"{\"\\u0000\":1}",
               b"{\"name\":\"\\ud800\"}", b"\xef\xbb\xbf{}", b"{\"name\":\"a\"}\x00",
               b"{\"fields\":" + b"[" * 3000 + b"]" * 3000 + b"}"]
    add("requests", "POST", "/api/v1/requests", headers=hdr, body=b"{\"item\":1,\"fields\":{" +
        b",".join(b"\"k%d\":1" % i for i in range(300)) + b"}}")
    routes = (("POST", "/api/v1/requests"), ("PATCH", "/api/v1/requests/{req}"),
              ("POST", "/api/v1/requests/{req}/approve"), ("POST", "/api/v1/request-items"),
              ("PATCH", "/api/v1/request-items/{item}"))
    for m, p in routes:
        for b in generic:
            add("requests", m, p, body=b, headers=hdr)
        add("requests", m, p, body=b"{\"note\":\"" + b"a" * (1024 * 1024 + 1) + b"\"}",
            headers=hdr, expect=[413], may_close=True)
    values = [None, True, 0, -1, 2 ** 63, 1.5, 1e300, "", " ", "\u0000", "a" * 70000,
              "打" * 5000, [], {}, [None], [1], {"a": 1}, {"employee": ["x"]},
              {"employee": "x" * 3000}, {"nope": 1}, {"k" * 300: 1}, "<script>alert(1)</script>",
              "' OR 1=1 --", "2026-02-30", "9999-12-31", "\u202e", "REQ-20260101-0001"]
    for name in ("item", "caller_name", "caller_phone", "department", "note", "return_date",
                 "fields"):
        for v in rng.sample(values, 8):
            body = {"item": 1, "caller_name": "敌意测试", name: v}  # set-up's item is 1
            add("requests", "POST", "/api/v1/requests", headers=hdr, body=json.dumps(
                body, ensure_ascii=False).encode("utf-8", "surrogatepass"))
    for name in ("name", "description", "category", "sla", "hours", "approval", "approver",
                 "group", "loan", "active", "fields"):
        for v in rng.sample(values + [[{"key": "a", "label": "b", "type": "choice",
                                        "choices": ["c"] * 60}],
                                      [{"key": "a", "label": "b", "type": "text"}] * 40],
                            8):
            for m, p in (("POST", "/api/v1/request-items"),
                         ("PATCH", "/api/v1/request-items/{item}")):
                body = {name: v}
                if m == "POST":
                    body = dict({"name": "敌意%d" % rng.randrange(10 ** 6), "category": "other",
                                 "sla": "1h"}, **body)
                add("requests", m, p, headers=hdr, body=json.dumps(
                    body, ensure_ascii=False).encode("utf-8", "surrogatepass"))
    for name in ("assignee", "note"):
        for v in rng.sample(values, 6):
            add("requests", "PATCH", "/api/v1/requests/{req}", headers=hdr,
                body=json.dumps({name: v}, ensure_ascii=False).encode("utf-8",
                                                                      "surrogatepass"))


def gen_notify():
    """Notification routes (issue 11): the outbox's filters, channel ids, invalid channel
    bodies (never a valid one: no channel may send anywhere), template previews and the
    retention setting. Its own random stream, as gen_callers."""
    rng = random.Random(112)
    hdr = [("Content-Type", "application/json")]
    for name in ("state", "channel", "limit"):
        for v in rng.sample(PARAM_VALUES, 6):
            add("notify", "GET", "/api/v1/notifications?%s=%s" % (name, v))
    for i in rng.sample(IDS, 10) + ["1", "1000000001", "0x1", "+1"]:
        add("notify", "PATCH", "/api/v1/notification-channels/" + i, body=b"{\"events\":[]}",
            headers=hdr)
        add("notify", "POST", "/api/v1/notification-channels/" + i + "/test")
    generic = [b"", b"null", b"[]", b"{}", b"{", b"\"x\"", b"{\"\\u0000\":1}",
               b"{\"event\":\"\\ud800\"}", b"\xef\xbb\xbf{}",
               b"{\"events\":" + b"[" * 3000 + b"]" * 3000 + b"}"]
    targets = (("POST", "/api/v1/notification-channels"),
               ("POST", "/api/v1/notification-templates/preview"),
               ("PUT", "/api/v1/notification-templates"),
               ("PUT", "/api/v1/settings/notification-retention"))
    for m, p in targets:
        for b in generic:
            add("notify", m, p, body=b, headers=hdr)
        add("notify", m, p, body=b"{\"title\":\"" + b"a" * (1024 * 1024 + 1) + b"\"}",
            headers=hdr, expect=[413], may_close=True)
    values = [None, True, 0, -1, 2 ** 63, 1.5, "", " ", "\u0000", "a" * 70000, "{" * 3000,
              "{number", "}", "{{}}", "{nope}", "x\ny", "打" * 3000, [], {}, ["test"] * 30,
              "ftp://127.0.0.1/", "javascript:alert(1)", "http://\u202e/", "sla_75"]
    for name in ("kind", "name", "url", "secret", "host", "port", "from", "to", "group"):
        for v in rng.sample(values, 6):  # without "events": never a valid channel
            add("notify", "POST", "/api/v1/notification-channels", headers=hdr,
                body=json.dumps({"kind": "webhook", name: v}, ensure_ascii=False)
                .encode("utf-8", "surrogatepass"))
    for name in ("event", "title", "body"):
        for v in rng.sample(values, 8):
            body = {"event": "assigned", "title": "t", "body": "b"}
            body[name] = v
            add("notify", "POST", "/api/v1/notification-templates/preview", headers=hdr,
                body=json.dumps(body, ensure_ascii=False).encode("utf-8", "surrogatepass"))
    for v in rng.sample(values, 10) + [3651, 0, -2 ** 63, "90"]:
        add("notify", "PUT", "/api/v1/settings/notification-retention", headers=hdr,
            body=json.dumps({"days": v}, ensure_ascii=False).encode("utf-8", "surrogatepass"))


def gen_request_attachments():
    """A service request's attachments (issue 11): ids, request numbers, file names, raw
    bodies and content types, as gen_attachments does for incidents; its own random
    stream."""
    rng = random.Random(116)
    base = "/api/v1/requests/{req}/attachments"
    add("request-attachments", "GET", base)
    for i in rng.sample(IDS, 10) + ["1", "0", "-1", "1e3", "18446744073709551616", "%31"]:
        add("request-attachments", "GET", base + "/" + i)
        add("request-attachments", "GET", base + "/" + i + "/thumbnail")
        add("request-attachments", "DELETE", base + "/" + i)
    for n in rng.sample(IDS, 8) + ["REQ-20260101-0001", "REQ-2026-1", "req-20260101-0001",
                                   "REQ-20260101-" + "9" * 20, "{inc}", "REQ-20260101-0001%00"]:
        add("request-attachments", "GET", "/api/v1/requests/%s/attachments" % n)
        add("request-attachments", "POST", "/api/v1/requests/%s/attachments?name=a.txt" % n,
            body=b"x")
        add("request-attachments", "DELETE", "/api/v1/requests/%s/attachments/1" % n)
    names = [pct(t) for t in rng.sample(TEXT, 30)] + [
        "", "%00", "%FF", "a%0D%0AContent-Type:%20text/html.txt", "a%22%3B%20x%3D.txt",
        "..%2F..%2Fetc%2Fpasswd", "a" * 300, "x.exe", "x.txt&name=y.exe",
        "%E2%80%AEgpj.exe", "a.txt.", "a.HTA", pct("申请表 (签字).pdf"), "name=a.txt"]
    for n in names:
        add("request-attachments", "POST", base + "?name=" + n, body=b"form\n")
    add("request-attachments", "POST", base, body=b"no name")
    add("request-attachments", "POST", base + "?name=a.txt&name=b.txt", body=b"two names")
    bodies = [b"", b"MZ" + b"\0" * 58 + b"\x40\0\0\0PE\0\0", b"\x7fELF" + b"\0" * 60,
              b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR\0\0\x4e\x20\0\0\x4e\x20\x01\0\0\0\0",
              b"\xff\xd8\xff\xc2\0\x0b\x08\x3f\xff\x3f\xff\x01\x01\x11\0" +
              b"\xff\xda\0\x08\x01\x01\0\0\0\0" * 2000,
              b"GIF89a\x01\0\x01\0\0\0\0" + b"\x2c\0\0\0\0\xff\x7f\xff\x7f\0\2\1\0\0" * 200,
              b"PK\3\4" + b"\0" * 22 + b"\xff\xff\0\0" + b"word/",
              b"\xff\xfe" + "申请".encode("utf-16-le"), b"\xb4\xf2\xd3\xa1\xbb\xfa\n",
              b"<svg onload=alert(1)>", bytes(rng.randrange(256) for _ in range(300))]
    for i, b in enumerate(bodies):
        add("request-attachments", "POST", base + "?name=r%d.png" % i, body=b)
    for ctype in ("multipart/form-data; boundary=x", "text/html", "image/svg+xml",
                  "application/json"):
        add("request-attachments", "POST", base + "?name=t.txt", body=b"typed",
            headers=[("Content-Type", ctype)])
    add("request-attachments", "POST", base + "?name=chunked.txt", body=b"3\r\nabc\r\n0\r\n\r\n",
        headers=[("Transfer-Encoding", "chunked")])
    add("request-attachments", "POST", base + "?name=big.bin",
        headers=[("Content-Length", str(11 * 1024 * 1024))], expect=[413], may_close=True)
    add("request-attachments", "POST", base + "?name=big.bin", auth="none",
        headers=[("Content-Length", str(11 * 1024 * 1024))], expect=[401, 413], may_close=True)
    add("request-attachments", "POST", base + "?name=a.txt", auth="none", body=b"x",
        expect=[401])
    add("request-attachments", "DELETE", base + "/1", auth="none", expect=[401])
    add("request-attachments", "PUT", base, body=b"x", expect=[405])
    add("request-attachments", "PATCH", base + "/1", body=b"{}", expect=[405],
        headers=[("Content-Type", "application/json")])


def gen_notify_routes():
    """The notification routes gen_notify leaves out: the channel list and deletes, each
    user's own choices (e-mail addresses built to inject SMTP headers or commands), template
    saves (CRLF, a title of placeholders, braces), channel changes with hostile SMTP and URL
    settings on ids that do not exist. Never a valid channel. Its own random stream."""
    rng = random.Random(117)
    hdr = [("Content-Type", "application/json")]
    add("notify-routes", "GET", "/api/v1/notification-channels")
    add("notify-routes", "GET", "/api/v1/notification-templates")
    add("notify-routes", "GET", "/api/v1/me/notifications")
    for i in rng.sample(IDS, 8) + ["1", "0", "1000000001", "-1"]:
        add("notify-routes", "DELETE", "/api/v1/notification-channels/" + i)
    mails = ["a@b\r\nBcc: x@evil.example", "a@b>\r\nRCPT TO:<x@evil.example", "<a@b>",
             "a@b, c@d", "a@b;c@d", "\"a b\"@c", "a@@b", "@b", "a@", "a" * 300 + "@b",
             "a@b\u0000", "a@b\u202e", "打印@例子.中国", "a b@c", "a@b\n.", None, "", 1, [],
             {"x": 1}, "a@b"]
    for m in mails:
        for events in (None, ["assigned"], ["test"], ["nope"], ["sla_75"] * 30, "sla_75", [1]):
            if rng.random() < 0.35:
                add("notify-routes", "PUT", "/api/v1/me/notifications", headers=hdr,
                    body=json.dumps({"email": m, "events": events}, ensure_ascii=False)
                    .encode("utf-8", "surrogatepass"))
    add("notify-routes", "PUT", "/api/v1/me/notifications", headers=hdr,
        body=b"{\"email\":null,\"events\":[],\"extra\":1}")
    titles = ["x\r\nBcc: y@evil.example", "x\ry", "{reason}" * 25, "{{" * 100, "}" * 10,
              "{number" + "}" * 5, "=?UTF-8?B?PHNjcmlwdD4=?=", "\u0000", "打" * 67, "a" * 201]
    for t in titles:
        for b in ("{reason}" * 250, "b\r\n.\r\nMAIL FROM:<x@evil.example>", "\u0000", "ok"):
            if rng.random() < 0.5:
                add("notify-routes", "PUT", "/api/v1/notification-templates", headers=hdr,
                    body=json.dumps({"event": rng.choice(["assigned", "request_rejected",
                                                          "test", "nope"]),
                                     "title": t, "body": b}, ensure_ascii=False)
                    .encode("utf-8", "surrogatepass"))
    add("notify-routes", "PUT", "/api/v1/notification-templates", headers=hdr,
        body=b"{\"event\":\"assigned\",\"reset\":true,\"title\":\"x\"}")
    add("notify-routes", "PUT", "/api/v1/notification-templates", headers=hdr,
        body=b"{\"event\":\"assigned\",\"reset\":true}")
    settings = [("host", "smtp.example.com\r\nEHLO x"), ("host", "a/b"), ("host", "[::1]"),
                ("host", "u@h"), ("port", 0), ("port", 70000), ("port", "25"),
                ("starttls", "maybe"), ("from", "a@b\r\nBcc: c@d"), ("to", ["a@b"] * 21),
                ("to", "a@b"), ("url", "http://127.0.0.1:1/\r\nX: y"),
                ("url", "gopher://127.0.0.1/"), ("url", "http://user@127.0.0.1/"),
                ("url", "http://" + "a" * 1000), ("secret", "s" * 201), ("kind", "email"),
                ("events", ["test"] * 21), ("group", "\u0000"), ("enabled", "yes")]
    for name, v in settings:
        for i in ("1", "999"):
            add("notify-routes", "PATCH", "/api/v1/notification-channels/" + i, headers=hdr,
                body=json.dumps({name: v}, ensure_ascii=False).encode("utf-8",
                                                                      "surrogatepass"))


def md_sources():
    fm = "---\nid: KE-1005\ntype: known_error\ntitle: hostile\nstatus: draft\n---\n"
    yield fm + "## Symptom\n" + "> " * 2000 + "x\n"
    yield fm + "## Symptom\n" + "* " * 2000 + "x\n"
    yield fm + "## Symptom\n" + "[" * 5000 + "x" + "]" * 5000 + "\n"
    yield fm + "## Symptom\n" + "*a **b " * 3000 + "\n"
    yield fm + "## Symptom\n" + "`" * 5000 + "\n"
    yield fm + "## Symptom\n" + "<div>" * 3000 + "\n"
    yield fm + "## Symptom\n[x](javascript:alert(1)) <script>x</script> ![a](data:x)\n"
    yield fm + "## Symptom\n| a | b |\n|---|---|\n| 1 | 2 |\n"
    yield fm + "## Symptom\n" + "\n".join("#" * 6 + " h" for _ in range(2000)) + "\n"
    yield "---\n" + "a: &a [x]\nb: *a\n" + "c: [*a, *a]\n" * 200 + "---\nx\n"
    yield "---\n" + "x: " + "[" * 2000 + "]" * 2000 + "\n---\n"
    yield "---\n" + "x: " + "{a: " * 2000 + "1" + "}" * 2000 + "\n---\n"
    yield "---\n!!binary x\n---\n"
    yield "---\nid: KE-1005\n" + "tags: [" + ",".join(["t"] * 5000) + "]\n---\n"
    yield "---\n---\n"
    yield "---"
    yield "---\nid: \"\\uD800\"\n---\n"
    yield "---\nid: KE-1005\ntype: known_error\ntitle: " + "t" * 10000 + "\n---\n"


def md_table(cols, rows):
    head = "|" + "|".join("c" for _ in range(cols)) + "|\n"
    sep = "|" + "|".join("-" for _ in range(cols)) + "|\n"
    return head + sep + "|\n" * rows


def gen_markdown():
    for src in md_sources():
        body = json.dumps({"source": src}).encode()
        for m, p in [("POST", "/api/v1/kb/preview"), ("PUT", "/api/v1/kb/KE-1005")]:
            add("markdown", m, p, body=body, headers=[("Content-Type", "application/json")])
    fm = "---\nid: KE-1005\ntype: known_error\ntitle: table\nstatus: draft\n---\n## Symptom\n"
    add("markdown-dos", "POST", "/api/v1/kb/preview",
        body=json.dumps({"source": fm + md_table(4000, 4000)}).encode(),
        headers=[("Content-Type", "application/json")], expect=[400, 413],
        note="issue 9 finding 1: n columns x n rows")
    # YW-SC-001 is kept in a file: 409 before anything renders (test_workflow sends the same
    # table in a change of a document written through the API and gets 413)
    add("markdown-dos", "POST", "/api/v1/document-requests",
        body=json.dumps({"kind": "change", "doc_no": "YW-SC-001", "reason": "x",
                         "source": fm + md_table(2000, 2000)}).encode(),
        headers=[("Content-Type", "application/json")], expect=[400, 409, 413],
        note="issue 9 finding 1: a 12 KB table in a document request")
    add("markdown-dos", "PUT", "/api/v1/kb/KE-1005",
        body=json.dumps({"source": fm + md_table(3000, 3000)}).encode(),
        headers=[("Content-Type", "application/json")], expect=[400, 413],
        note="issue 9 finding 1: saving renders too")


def gen_login():
    bodies = [b"", b"{}", b"{\"username\":\"\"}", b"{\"username\":\"x\",\"password\":\"\"}",
              b"{\"username\":\"" + b"a" * 5000 + b"\",\"password\":\"x\"}",
              b"{\"username\":\"x\",\"password\":\"" + b"a" * 100000 + b"\"}",
              b"{\"username\":\"\\u0000\",\"password\":\"x\"}",
              b"{\"username\":[\"hostile\"],\"password\":\"x\"}",
              b"{\"username\":\"hostile\",\"password\":null}",
              b"{\"username\":\"' OR 1=1 --\",\"password\":\"' OR 1=1 --\"}",
              b"{\"username\":\"hostile\"}", b"[]", b"null", b"{"]
    for b in bodies:
        add("login", "POST", "/api/v1/auth/login", body=b, auth="none",
            headers=[("Content-Type", "application/json")])
    add("logout", "POST", "/api/v1/auth/logout", auth="none")
    add("logout", "POST", "/api/v1/auth/logout", auth="none",
        headers=[("Authorization", "Bearer " + "f" * 64)])
    # finding 7: login CSRF with a form that needs no preflight
    for ct in ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; b=x"]:
        add("login-csrf", "POST", "/api/v1/auth/login", auth="none",
            body=b"{\"username\":\"hostile\",\"password\":\"Harbor-Lamp-0760\"}",
            headers=[("Content-Type", ct)], expect=[400, 403, 415],
            note="issue 9 finding 7")
    add("login-csrf", "POST", "/api/v1/auth/login", auth="none",
        body=b"{\"username\":\"hostile\",\"password\":\"Harbor-Lamp-0760\"}",
        headers=[("Content-Type", "application/json"), ("Origin", "http://evil.example")],
        expect=[403], note="issue 9 finding 7: Origin checked on login")


def gen_http_findings():
    # finding 5: 1,000 query parameters under the 8 KiB limit
    add("many-params", "GET", "/api/v1/search?" + "&".join("a%d=1" % i for i in range(1000)),
        expect=[400, 414], note="issue 9 finding 5")
    add("many-params", "GET", "/api/v1/search?" + "&" * 8000, expect=[200, 400, 414],
        note="issue 9 finding 5: empty parameters")
    # finding 11: two different Content-Length headers
    add("content-length", "POST", "/api/v1/suggest", body=b"{\"text\":\"x\"}",
        headers=[("Content-Type", "application/json"), ("Content-Length", "13"),
                 ("Content-Length", "2")], expect=[400], may_close=True,
        note="issue 9 finding 11")
    # a body length that is neither Content-Length nor chunked: the server waits for the
    # client to close (RFC 9112 wants 400 and close)
    add("transfer-encoding", "GET", "/api/v1/search?q=printer",
        headers=[("Transfer-Encoding", "identity")], expect=[400, 501], may_close=True,
        note="Transfer-Encoding other than chunked")
    # every request body must be application/json
    for ct in [None, "text/plain", "application/x-www-form-urlencoded", "text/json",
               "application/jsonx"]:
        hs = [("Content-Type", ct)] if ct else []
        add("content-type", "POST", "/api/v1/incidents", body=b"{\"summary\":\"x\"}",
            headers=hs, expect=[400, 415], note="request bodies are JSON only")


def write_files():
    d = os.path.join(HERE, "files")
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(os.path.join(d, "index"))
    os.makedirs(os.path.join(d, "import"))
    for i, src in enumerate(md_sources()):
        with open(os.path.join(d, "index", "hostile-%02d.md" % i), "w", encoding="utf-8",
                  errors="surrogatepass") as f:
            f.write(src.replace("KE-1005", "KE-H%02d" % i))
    extra = {
        "bom.md": "\ufeff---\nid: KE-H90\ntype: known_error\ntitle: bom\n---\nx\n",
        "crlf.md": "---\r\nid: KE-H91\r\ntype: article\r\ntitle: crlf\r\n---\r\nx\r\n",
        "empty.md": "", "nul.md": "---\nid: KE-H92\x00\n---\n",
        "dup-id-a.md": "---\nid: KE-H93\ntype: article\ntitle: a\n---\n",
        "dup-id-b.md": "---\nid: KE-H93\ntype: article\ntitle: b\n---\n",
        "bad-id.md": "---\nid: ../../etc/passwd\ntype: article\ntitle: x\n---\n",
        "no-close.md": "---\nid: KE-H94\ntype: article\ntitle: x\n",
        # documents as people write them: other spellings, misspellings, retention periods
        # that cannot be read, doc_no beside id
        "doc-spellings.md": "---\nid: doc-h1\ndoc_no: YW-HX-001\ntype: document\ntitle: x\n"
                            "location: a\nstorage_location: b\nretention: 2030年\n"
                            "published: 2026-02-30\nstorage_locaton: c\nTITLE: d\n---\nx\n",
        "doc-retention.md": "---\nid: YW-HX-002\ntype: document\ntitle: x\nretention_period: "
                            + "9" * 300 + "年半\u3000作废后发布后\n---\nx\n",
        "doc-retention-list.md": "---\nid: YW-HX-003\ntype: document\ntitle: x\n"
                                 "retention_period: [3年, 5年]\n---\nx\n",
        "doc-no-empty.md": "---\nid: YW-HX-004\ndoc_no: ''\ntype: document\ntitle: x\n"
                           "retention_period: 一百零五个月\ndoc_number: YW-HX-005\n---\nx\n",
    }
    for name, src in extra.items():
        with open(os.path.join(d, "index", name), "w", encoding="utf-8") as f:
            f.write(src)
    with open(os.path.join(d, "index", "latin1.md"), "wb") as f:
        f.write(b"---\nid: KE-H95\ntype: article\ntitle: caf\xe9\n---\n\xff\xfe\n")
    header = "TicketNo,Subject,Description,Solution,Opened,Category,KB,Tags\r\n"
    csvs = {
        "quotes.csv": header + "T-1,\"unclosed,x,y\r\n",
        "quotes2.csv": header + "\"T-2\"x,\"a\"\"b\",\"\",y,2025,a,b,c\r\n",
        "formula.csv": header + "T-3,=cmd|' /C calc'!A0,+1,-1,@SUM(1),a,b,c\r\n",
        "wide.csv": header + "T-4," + ",".join(["x"] * 300) + "\r\n",
        "empty.csv": "", "header-only.csv": header, "bom.csv": "\ufeff" + header + "T-5,a,b,c,2025,a,b,c\r\n",
        "cr.csv": header.replace("\r\n", "\r") + "T-6,a,b,c,2025,a,b,c\r",
        "nul.csv": header + "T-7,a\x00b,c,d,2025,a,b,c\r\n",
        "dates.csv": header + "T-8,a,b,c,2025-13-45,a,b,c\r\nT-9,a,b,c,99999999999,a,b,c\r\n",
        "ids.csv": header + "../../x,a,b,c,2025,a,b,c\r\n" + "T-" + "9" * 300 + ",a,b,c,2025,a,b,c\r\n",
        "long.csv": header + "T-10," + "x" * 20000 + ",b,c,2025,a,b,c\r\n",
        "dup.csv": header + "T-11,a,b,c,2025,a,b,c\r\nT-11,b,b,c,2025,a,b,c\r\n",
    }
    for name, data in csvs.items():
        with open(os.path.join(d, "import", name), "w", encoding="utf-8", newline="") as f:
            f.write(data)
    with open(os.path.join(d, "import", "gbk-as-utf8.csv"), "wb") as f:
        f.write(header.encode() + "T-12,打印机,b,c,2025,a,b,c\r\n".encode("gbk"))
    jsons = {
        "nested.json": "[" * 5000 + "]" * 5000, "object.json": "{\"id\":\"J-1\"}",
        "types.json": json.dumps([{"id": 1, "title": ["x"]}, {"id": None}, {"id": "J-2",
                                                                            "title": {}}]),
        "lines.jsonl": "{\"id\":\"J-3\",\"title\":\"x\"}\n\n{\n}\n[1]\n\"x\"\n{\"id\":\"J-3\"}\n",
        "bad.json": "[{\"id\":\"J-4\",}]", "empty.json": "",
        "big-number.json": "[{\"id\":\"J-5\",\"title\":\"x\",\"priority\":1e999}]",
        "surrogate.json": "[{\"id\":\"J-6\",\"title\":\"\\ud800\"}]",
    }
    for name, data in jsons.items():
        with open(os.path.join(d, "import", name), "w", encoding="utf-8") as f:
            f.write(data)


def gen_svcreport():
    """The service report (issue 13 section 2): periods and formats in the query, filing
    bodies, schedule settings. At most two PDFs are rendered (the default month and one
    good period); everything else is refused before any work. Its own random stream."""
    rng = random.Random(1313)
    hdr = [("Content-Type", "application/json")]
    add("svcreport", "GET", "/api/v1/reports/service")
    # a PDF is bounded work (KB_SVCREPORT_MAX_PAGES) but takes seconds under a sanitizer on a
    # loaded machine: those that render one wait longer (test_hostile SLOW_TIMEOUT)
    add("svcreport", "GET", "/api/v1/reports/service.pdf", slow=True)
    add("svcreport", "GET", "/api/v1/reports/service/schedule")
    add("svcreport", "GET", "/api/v1/reports/service?from=2026-11-01&to=2026-11-30&format=pdf",
        slow=True)
    days = ["2026-11-01", "2026-11-30", "2024-01-01", "2030-12-31", "2026-02-30", "1969-12-31",
            "0000-01-01", "99999-01-01", "2026-1-1", "2026-11-01T00:00:00Z"]
    for route in ("/api/v1/reports/service", "/api/v1/reports/service.pdf"):
        for v in rng.sample(PARAM_VALUES, 6):
            add("svcreport", "GET", "%s?from=%s&to=%s" % (route, v, v))
        for a, b in (("2026-11-30", "2026-11-01"), ("2024-01-01", "2026-11-30"),
                     ("2026-11-01", ""), ("", "2026-11-30"), ("2026-02-30", "2026-03-01")):
            add("svcreport", "GET", "%s?from=%s&to=%s" % (route, a, b))
    for v in ("xml", "PDF", "%00", "pdf%00", "json,pdf", "a" * 300, "markdown\r\nX: y"):
        add("svcreport", "GET", "/api/v1/reports/service?format=" + pct(v))
    bodies = [{}, {"from": "2026-11-30", "to": "2026-11-01"}, {"from": 1, "to": 2},
              {"from": None, "to": None}, {"from": "2026-11-01"}, {"x": 1},
              {"from": "2026-11-01'--", "to": "2026-11-30"}, {"from": ["2026-11-01"]},
              {"from": rng.choice(days), "to": rng.choice(days)}]
    for b in bodies:
        add("svcreport", "POST", "/api/v1/reports/service/file", headers=hdr,
            body=json.dumps(b).encode(), slow=True)
    add("svcreport", "POST", "/api/v1/reports/service/file", headers=hdr, body=b"[1]")
    add("svcreport", "POST", "/api/v1/reports/service/file", headers=hdr, body=b"{\"from\":")
    for b in ({"every": "monthly", "day": 29}, {"every": "weekly", "day": 0},
              {"every": "daily", "day": 1}, {"every": "monthly", "day": "5"},
              {"every": "monthly", "day": 2 ** 63}, {"every": "monthly", "day": -1},
              {"every": "monthly", "day": 1.5}, {"every": None}, {"every": "off", "x": 1},
              {"every": "\u0000monthly", "day": 5}, {"every": ["weekly"], "day": 1}):
        add("svcreport", "PUT", "/api/v1/settings/report-schedule", headers=hdr,
            body=json.dumps(b, ensure_ascii=False).encode("utf-8", "surrogatepass"))
    for m in ("DELETE", "PATCH", "POST"):
        add("svcreport", m, "/api/v1/reports/service.pdf")


def main(argv):
    only = None
    if len(argv) == 3 and argv[1] == "--requests":
        only = argv[2]
    elif len(argv) != 1:
        sys.exit("usage: gen.py [--requests PATH]")
    gen_search()
    gen_lists()
    gen_ids()
    gen_paths()
    gen_methods()
    gen_headers()
    gen_raw()
    gen_bodies()
    gen_markdown()
    gen_login()
    gen_http_findings()
    gen_callers()
    gen_attachments()
    gen_assets()
    gen_maint()
    gen_parts()
    gen_requests()
    gen_notify()
    gen_request_attachments()
    gen_notify_routes()
    gen_census()
    gen_doccheck()
    gen_docfiles()
    gen_complaints()
    gen_quality()
    gen_svcreport()
    outputs = [(only, OUT)] if only else [(os.path.join(HERE, "requests.jsonl"), OUT),
                                          (os.path.join(HERE, "pending.jsonl"), PENDING)]
    for path, entries in outputs:
        with open(path, "w", encoding="utf-8") as f:
            for e in entries:
                f.write(json.dumps(e, ensure_ascii=False) + "\n")
    if not only:
        write_files()
    print("%d requests, %d pending" % (len(OUT), len(PENDING)))


if __name__ == "__main__":
    main(sys.argv)
