#!/usr/bin/env python3
"""End-to-end tests of running kedb-server as a service: the configuration file (--config,
flags over it, --check-config, errors naming the file and the line), the log (logfmt or
JSON lines with stable fields, request ids taken or made and echoed, no passwords, tokens,
cookies or callers' phone numbers even when sent in URLs, bodies and headers), SIGHUP
(synonyms, calendar, SLA and log settings read again while a keep-alive connection and a
request in flight survive; a broken file changes nothing), systemd's notifications
(READY=1, RELOADING=1, STOPPING=1 to a unix datagram socket as $NOTIFY_SOCKET) and a
SIGTERM that lets a request in flight finish. Ends with "test_ops: N passed, N failed".
"""
import http.client
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as api  # noqa: E402  (the shared harness: case, request, checks)

from harness import call, need, ok  # noqa: E402

case = api.case
SERVER = os.path.join(api.BIN, "kedb-server")
SAMPLE_CAL = os.path.join(api.ROOT, "samples", "calendar", "cn-2026.txt")
NEW_WORD = "zorblaxian"  # in no document: found only through the synonym a reload adds
SECRETS = ["hunter2-Secret-Pw", "QSECRETTOKEN7781", "13812345678", "13987654321",
           "ck-secret-cookie-42", api.TEST_PASSWORD]


def write(path, text):
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


def run_server(*args):
    return subprocess.run([SERVER] + list(args), capture_output=True, timeout=60 * api.SLOW,
                          cwd=api.ROOT)


def check_config_cases(tmp, db):
    good = os.path.join(tmp, "good.conf")
    write(good, "# a comment\n\ndb = %s\nport = 0\nlog_format = json\n"
          "trusted_proxy = 10.0.0.1\ntrusted_proxy = ::1\nsecure_cookie = yes\n"
          "metrics_allow = 10.0.0.0/8\nmetrics_allow = ::1\nmin_free_disk = 0\n" % db)

    def good_file():
        r = run_server("--config", good, "--check-config")
        need(r.returncode == 0, "exit %d: %r" % (r.returncode, r.stderr))
        need(b"configuration OK" in r.stdout and good.encode() in r.stdout, r.stdout)
    case("--check-config: a good file", good_file, needs_server=False)

    def bad(name, text, want, args=()):
        path = os.path.join(tmp, name)
        write(path, text)

        def check():
            r = run_server("--config", path, "--check-config", *args)
            err = r.stderr.decode("utf-8", "replace")
            need(r.returncode == 1, "exit %d: %s" % (r.returncode, err))
            need(want % {"path": path} in err, "%r not in %r" % (want % {"path": path}, err))
            # a normal start refuses it too, with the same words and exit status 2
            r = run_server("--config", path, *args)
            need(r.returncode == 2, "start: exit %d" % r.returncode)
            need(want % {"path": path} in r.stderr.decode("utf-8", "replace"), r.stderr)
        case("--check-config: %s" % name, check, needs_server=False)

    bad("unknown-key.conf", "db = %s\n# x\nprot = 8080\n" % db,
        "'%(path)s' line 3: unknown key 'prot'; did you mean 'port'?")
    bad("bad-value.conf", "db = %s\nport = eighty\n" % db,
        "'%(path)s' line 2: port: 'eighty' is not a whole number from 0 to 65535")
    bad("bad-bool.conf", "db = %s\nsecure_cookie = maybe\n" % db,
        "line 2: secure_cookie: 'maybe' is not yes or no")
    bad("bad-format.conf", "db = %s\nlog_format = xml\n" % db,
        "line 2: log_format: 'xml' is not logfmt or json")
    bad("bad-proxy.conf", "db = %s\ntrusted_proxy = example.com\n" % db,
        "line 2: trusted_proxy: 'example.com' is not an IPv4 or IPv6 address")
    bad("duplicate.conf", "db = %s\nport = 1\nport = 2\n" % db,
        "'%(path)s' line 3: key 'port' is already set on line 2")
    bad("bad-net.conf", "db = %s\nmetrics_allow = 10.0.0.0/33\n" % db,
        "line 2: metrics_allow: '10.0.0.0/33' is not an IPv4 or IPv6 address or network")
    write(db + ".tok", "short\n")
    bad("short-token.conf", "db = %s\nmetrics_token_file = %s\n" % (db, db + ".tok"),
        "--metrics-token-file '%s' must hold one token" % (db + ".tok"))
    bad("no-equals.conf", "db = %s\nthreads 4\n" % db, "line 2: expected 'key = value'")
    bad("long-line.conf", "db = %s\nweb = %s\n" % (db, "w" * 5000),
        "line 2: the line is longer than 4096 bytes")
    bad("binary.conf", "db = %s\nport = 1\x00\n" % db, "line 2: the line holds a NUL byte")
    bad("no-db.conf", "port = 0\n", "--db PATH (db in the configuration file) is required")
    sla_bad = os.path.join(tmp, "bad-sla.txt")
    write(sla_bad, "P1 response=15m resolve=4h\nP9 response=soon\n")
    bad("bad-sla.conf", "db = %s\nsla = %s\n" % (db, sla_bad),
        "SLA file '%s' line 2" % sla_bad)
    bad("missing-synonyms.conf", "db = %s\nsynonyms = %s/nope.txt\n" % (db, tmp),
        "cannot read the synonyms file: file '%s/nope.txt' does not exist" % tmp)
    # a flag over the file: the file's bad port is not used, its unknown keys still fail
    bad("flag-over.conf", "db = %s\nport = 99999\n" % db, "line 2: port", args=("--port", "0"))

    def missing():
        path = os.path.join(tmp, "absent.conf")
        r = run_server("--config", path, "--check-config")
        need(r.returncode == 1, "exit %d" % r.returncode)
        need(("configuration file '%s' does not exist" % path).encode() in r.stderr, r.stderr)
        r = run_server("--config", "", "--db", db)
        need(r.returncode == 2 and b"--config must not be empty" in r.stderr, r.stderr)
        r = run_server("--check-config", "--bogus")
        need(r.returncode == 1 and b"unknown option '--bogus'" in r.stderr, r.stderr)
        r = run_server("--db", db, "--log-level", "loud", "--check-config")
        need(r.returncode == 1 and b"invalid --log-level: 'loud'" in r.stderr, r.stderr)
        r = run_server("--db", db, "--check-config")
        need(r.returncode == 0 and b"flags only" in r.stdout, r.stdout)
    case("--check-config: missing file, bad flags, flags only", missing, needs_server=False)


def log_lines(srv):
    """The JSON lines of the server's stderr (other lines are skipped)."""
    out = []
    for line in srv.log().splitlines():
        if line.startswith("{"):
            out.append(json.loads(line))
    return out


def access_lines(srv):
    return [l for l in log_lines(srv) if l.get("msg") == "access"]


def log_cases(srv):
    def json_fields():
        r = api.get("/api/v1/kb/1")
        need(r.status in (200, 404), "kb/1: %r" % r)
        rid = r.headers.get("x-request-id", "")
        need(re.fullmatch(r"[0-9a-f]{24}", rid), "made request id %r" % rid)
        time.sleep(0.2)
        lines = log_lines(srv)
        need(lines, "no JSON log lines")
        for l in lines:
            need({"time", "level", "msg"} <= set(l), "line without its fields: %r" % l)
            need(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", l["time"]), l)
            need(l["level"] in ("error", "warn", "info", "debug"), l)
        mine = [l for l in access_lines(srv) if l.get("request_id") == rid]
        need(len(mine) == 1, "access lines of %s: %r" % (rid, mine))
        a = mine[0]
        need(a["route"] == "/api/v1/kb/:id" and a["method"] == "GET", a)
        need(a["status"] == r.status and isinstance(a["duration_ms"], (int, float)), a)
        need(a["user"] == api.TEST_USER and a["path"] == "/api/v1/kb/1", a)
        need(isinstance(a["bytes"], int) and a["client"] == "127.0.0.1", a)
    case("log: JSON lines with time, level, request id, user, route, status, duration", json_fields)

    def client_ids():
        r = api.get("/healthz", headers={"X-Request-Id": "lb-7f3a.9:z_1"})
        need(r.headers.get("x-request-id") == "lb-7f3a.9:z_1", r.headers)
        r = api.get("/no/such/route", headers={"X-Request-Id": "abc-404"})
        need(r.status == 404 and r.headers.get("x-request-id") == "abc-404", r)
        time.sleep(0.2)
        a = [l for l in access_lines(srv) if l.get("request_id") == "abc-404"]
        need(a and a[0]["route"] == "/*path" and a[0]["status"] == 404, a)
    case("request id: a sane X-Request-Id is kept, echoed and logged", client_ids)

    def hostile_ids():
        for bad in ["x" * 65, "a b", 'a"b', "a\\b", "a=b", "ä", "<script>", "a\tb", ""]:
            r = api.get("/healthz", headers={"X-Request-Id": bad})
            rid = r.headers.get("x-request-id", "")
            need(r.status == 200 and re.fullmatch(r"[0-9a-f]{24}", rid),
                 "%r gave %r %r" % (bad, r.status, rid))
        # bytes http.client will not send: a raw request
        for raw in [b"X-Request-Id: a\x01b", b"X-Request-Id: \xff\xfe",
                    b"X-Request-Id: " + b"9" * 5000]:
            r = api.raw_exchange(b"GET /healthz HTTP/1.1\r\nHost: x\r\n" + raw +
                                 b"\r\nConnection: close\r\n\r\n")
            need(r.status in (200, 400, 431), "%r: %r" % (raw[:30], r))
            rid = r.headers.get("x-request-id", "")
            need(rid == "" or re.fullmatch(r"[0-9a-f]{24}", rid), rid)
        # two requests without an id get two ids
        a = api.get("/healthz").headers.get("x-request-id")
        b = api.get("/healthz").headers.get("x-request-id")
        need(a and b and a != b, (a, b))
        time.sleep(0.2)
        text = srv.log()
        need("<script>" not in text and "\x01" not in text, "a hostile id reached the log")
    case("request id: hostile X-Request-Id values are replaced", hostile_ids)

    def secrets():
        pw, tok, phone1, phone2, cookie = SECRETS[:5]
        # a password in a login body (wrong and right), the session's token in a header
        r = call("POST", "/api/v1/auth/login", {"username": api.TEST_USER, "password": pw},
                 token=None)
        need(r.status == 401, "bad login %r" % r)
        token = api.default_token(fresh=True)
        # tokens, passwords and phone numbers in query strings, paths and cookies
        api.get("/api/v1/search?q=%s&token=%s&password=%s&access_token=%s" %
                (phone1, tok, pw, tok))
        api.get("/api/v1/callers?q=%s&phone=%s" % (phone1, phone2))
        api.get("/api/v1/callers/%s" % phone2)
        api.get("/no/such/%s/%s?%s=%s" % (phone1, tok, pw, phone2))
        api.get("/api/v1/auth/me", token=None,
                headers={"Cookie": "kedb_session=%s; other=%s" % (cookie, tok),
                         "Authorization": "Bearer %s" % tok, "X-Api-Key": pw})
        # a caller with both numbers in its body
        r = call("POST", "/api/v1/callers", {"name": "张三", "phones": [phone1, phone2]})
        need(r.status in (200, 201), "caller %r" % r)
        cid = r.json.get("id")
        r = call("PATCH", "/api/v1/callers/%s" % cid, {"phones": [phone2]})
        need(r.status == 200, "patch %r" % r)
        # a password change with both passwords in the body
        call("POST", "/api/v1/auth/password", {"old": pw, "new": pw + "x"})
        time.sleep(0.3)
        text = srv.log()
        for s in SECRETS + [token]:
            need(s not in text, "%r is in the log" % s)
        need("/api/v1/callers/*" in text, "masked phone path not logged")
        need("/no/such/*/*" in text, "masked token path not logged")
    case("log: no passwords, tokens, cookies or phone numbers", secrets)


def notify_socket(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.bind(path)
    s.settimeout(0.2)
    return s


def notes(sock, until, deadline_s=10 * api.SLOW):
    """Datagrams from sock until one holds until (or the deadline); returns them all."""
    got = []
    deadline = time.time() + deadline_s
    while time.time() < deadline:
        try:
            got.append(sock.recv(4096).decode())
        except socket.timeout:
            continue
        if until in got[-1]:
            break
    return got


def partial_request():
    """A login request in flight: its header and half its body sent. Returns (socket, rest)."""
    body = json.dumps({"username": api.TEST_USER, "password": api.TEST_PASSWORD}).encode()
    s = socket.create_connection((api.HOST, api.PORT), timeout=api.TIMEOUT)
    s.sendall(b"POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json"
              b"\r\nContent-Length: %d\r\nConnection: close\r\n\r\n" % len(body) +
              body[:10])
    return s, body[10:]


def finish(s, rest):
    s.sendall(rest)
    data = b""
    deadline = time.time() + api.TIMEOUT
    while time.time() < deadline:
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk
    s.close()
    return api.parse_raw_response(data)


def search_total(conn, word):
    conn.request("GET", "/api/v1/search?q=" + word,
                 headers={"Authorization": "Bearer " + api.default_token()})
    r = conn.getresponse()
    body = r.read()
    need(r.status == 200, "search %s: %d %r" % (word, r.status, body[:200]))
    return json.loads(body)["total"]


def reload_cases(srv, conf, conf_text, syn, cal, sock):
    def ready():
        got = notes(sock, "READY=1")
        need(got and "READY=1" in got[-1], "no READY=1: %r" % got)
    case("systemd: READY=1 once listening", ready)

    def reload():
        conn = http.client.HTTPConnection(api.HOST, api.PORT, timeout=api.TIMEOUT)
        need(search_total(conn, NEW_WORD) == 0, "the new word is found before the reload")
        local = conn.sock.getsockname()
        flight, rest = partial_request()
        with open(syn, "a", encoding="utf-8") as f:
            f.write("\n%s, 打印机\n" % NEW_WORD)
        write(cal, open(SAMPLE_CAL, encoding="utf-8").read())
        write(conf, conf_text.replace("log_format = json", "log_format = logfmt"))
        srv.proc.send_signal(signal.SIGHUP)
        got = notes(sock, "READY=1")
        need(any("RELOADING=1" in g and "MONOTONIC_USEC=" in g for g in got),
             "no RELOADING=1: %r" % got)
        need("READY=1" in got[-1], "no READY=1 after the reload: %r" % got)
        # the request in flight is answered, the keep-alive connection still works
        r = finish(flight, rest)
        need(r.status == 200 and b"token" in r.body, "request in flight: %r" % r)
        need(search_total(conn, NEW_WORD) > 0, "the new synonym has no effect")
        need(conn.sock is not None and conn.sock.getsockname() == local,
             "the keep-alive connection was dropped")
        conn.close()
        j = ok(api.get("/api/v1/settings/calendar"))
        need(j["calendar"] == open(SAMPLE_CAL, encoding="utf-8").read(), "calendar not read")
        time.sleep(0.2)
        log = srv.log()
        need("reloaded from" in log, "no reload logged")
        need(re.search(r"^time=\S+ level=info msg=access request_id=[0-9a-f]{24} method=GET "
                       r"route=/api/v1/settings/calendar path=/api/v1/settings/calendar "
                       r"params=0 status=200 bytes=\d+ duration_ms=[\d.]+ user=tester "
                       r"client=127\.0\.0\.1$",
                       log, re.M), "no logfmt access line after the reload:\n" + log[-600:])
    case("SIGHUP: synonyms, calendar and log format read again; connections survive", reload)

    def broken():
        write(conf, conf_text + "\nlog_fromat = json\n")
        srv.proc.send_signal(signal.SIGHUP)
        notes(sock, "READY=1")
        time.sleep(0.2)
        log = srv.log()
        need("unknown key 'log_fromat'; did you mean 'log_format'?" in log, log[-600:])
        need("reload: the settings have errors" in log, log[-600:])
        # still serving, still logfmt (nothing changed)
        need(api.get("/healthz").status == 200, "not serving after a bad reload")
        time.sleep(0.2)
        need(srv.log().rstrip().splitlines()[-1].startswith("time="), "format changed")
        need(srv.proc.poll() is None, "the server stopped")
    case("SIGHUP: a broken file changes nothing", broken)

    def stop():
        flight, rest = partial_request()
        time.sleep(0.2)
        srv.proc.send_signal(signal.SIGTERM)
        got = notes(sock, "STOPPING=1")
        need(got and "STOPPING=1" in got[-1], "no STOPPING=1: %r" % got)
        r = finish(flight, rest)
        need(r.status == 200, "the request in flight at SIGTERM: %r" % r)
        rc = srv.proc.wait(timeout=api.STOP_TIMEOUT)
        need(rc == 0, "exit status %d" % rc)
        try:
            socket.create_connection((api.HOST, api.PORT), timeout=1).close()
            raise api.Fail("still accepting connections after the stop")
        except OSError:
            pass
    case("SIGTERM: STOPPING=1, the request in flight is answered, exit 0", stop)


def main(tmp):
    syn = os.path.join(tmp, "synonyms.txt")
    write(syn, open(os.path.join(api.DATA, "synonyms.txt"), encoding="utf-8").read())
    cal = os.path.join(tmp, "calendar.txt")
    write(cal, "hours mon-fri 08:30-17:30\n")
    sla = os.path.join(tmp, "sla.txt")
    write(sla, "P1 response=10m resolve=2h\n")
    conf = os.path.join(tmp, "kedb.conf")
    # the flags the harness gives (--db, --host, --port, --threads) win over these
    conf_text = ("# kedb-server settings for test_ops\n"
                 "db = /nonexistent/kedb.db\nport = 1\nthreads = 1\n"
                 "web = %s\nsla = %s\nsynonyms = %s\ncalendar = %s\n"
                 "log_format = json\nlog_level = info\n" % (api.WEB, sla, syn, cal))
    write(conf, conf_text)
    sock_path = os.path.join(tmp, "notify.sock")
    sock = notify_socket(sock_path)
    srv = api.Served(tmp, args=["--config", conf], env={"NOTIFY_SOCKET": sock_path})
    if not srv.index():
        return 1
    check_config_cases(tmp, srv.db)
    if not srv.serve():
        return 1
    log_cases(srv)
    reload_cases(srv, conf, conf_text, syn, cal, sock)
    case("server stderr has no sanitizer report", srv.check_log, needs_server=False)
    sock.close()


if __name__ == "__main__":
    api.run_main("test_ops", main, prefix="kedb-ops-")
