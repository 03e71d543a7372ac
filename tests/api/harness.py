#!/usr/bin/env python3
"""The one harness for API test files (python3 standard library only; not a test itself).

Served indexes a directory (tests/data by default) into a temporary database with
$KEDB_BIN/kedb-index, adds the test user with kedb-admin, starts $KEDB_BIN/kedb-server on a
free 127.0.0.1 port, and at the end stops it with SIGTERM and fails on a non-zero exit or a
sanitizer (or valgrind) report in its stderr. request()/get()/raw_exchange() talk to the
running server as the test user (logging in on first use); call() sends a JSON body, ok()
checks the status; set_now() moves the fake clock of a Served(clock=True); case() runs and
counts one named case; a test file ends with run_main(), which prints "NAME: N passed, N
failed" from harness.PASSED and harness.FAILED. Module state (PORT, SERVER, TOKEN, NOW_FILE,
PASSED, FAILED) lives here only: use `import harness` and read or set harness.X; `from
harness import PORT` would copy it.
KEDB_VALGRIND=1 runs the server under valgrind (longer timeouts).
"""
import calendar
import hashlib
import http.client
import json
import os
import re
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.path.abspath(os.environ.get("KEDB_BIN", os.path.join(ROOT, "build/test/bin")))
VALGRIND = os.environ.get("KEDB_VALGRIND", "0") == "1"
DATA = os.path.join(ROOT, "tests", "data")
WEB = os.path.join(ROOT, "web")
HOST = "127.0.0.1"
SLOW = 6 if VALGRIND else 1
TIMEOUT = 10 * SLOW  # seconds per request
STOP_TIMEOUT = 60 if VALGRIND else 10
# What a report leaves in a program's stderr: ASan, UBSan, LeakSanitizer, and valgrind's stack
# lines ("==PID==    at 0x..."; under -q valgrind prints nothing but its reports, so this
# also catches a "possibly lost" block, which --error-exitcode does not count)
SANITIZER_MARKS = ("ERROR: AddressSanitizer", "runtime error:", "LeakSanitizer", "==    at 0x")
# by its full path: some tests start the server with a PATH of their own
VALGRIND_CMD = [shutil.which("valgrind") or "valgrind", "-q", "--leak-check=full",
                "--errors-for-leak-kinds=definite", "--error-exitcode=97",
                "--suppressions=" + os.path.join(ROOT, "tests", "valgrind.supp")]
# cairo's loss in PDF font subsetting and fontconfig's process caches (tests/lsan.supp), also
# when a test runs alone
os.environ.setdefault("LSAN_OPTIONS", "suppressions=" + os.path.join(ROOT, "tests", "lsan.supp"))


def under_valgrind(cmd):
    """cmd (a list) prefixed with VALGRIND_CMD when KEDB_VALGRIND=1 (make valgrind): an
    error or a definitely lost block then makes it exit 97."""
    return VALGRIND_CMD + list(cmd) if VALGRIND else list(cmd)

# Authentication: every API test runs as this user, created with kedb-admin before the
# server starts (add_test_user) and logged in on first use. KEDB_PWHASH_FAST=1 is the test
# hook that makes password hashing cheap (argon2id at its minimum limits).
os.environ["KEDB_PWHASH_FAST"] = "1"
TEST_USER = "tester"
TEST_PASSWORD = "Desk-Lantern-2041"
TEST_ROLES = "agent,auditor,admin"
TOKEN = None      # the test user's bearer token once logged in
DEFAULT = object()  # request(token=DEFAULT): send the test user's token

try:
    sys.stdout.reconfigure(errors="backslashreplace")
except AttributeError:
    pass

PASSED = 0
FAILED = 0
PORT = 0


class Fail(Exception):
    pass


def need(cond, what):
    if not cond:
        raise Fail(what)


SERVER = None  # the server process while it should be running
DEADLINE = time.time() + 600 * SLOW  # a hung server must not hang the test run


def case(name, fn, needs_server=True):
    """Runs one named case; fn raises Fail (or anything) to fail it."""
    global PASSED, FAILED
    try:
        if needs_server and SERVER is not None and SERVER.poll() is not None:
            raise Fail("server not running (exit status %d)" % SERVER.returncode)
        if time.time() > DEADLINE:
            raise Fail("not run: the test run passed its time limit")
        fn()
        PASSED += 1
    except Fail as e:
        FAILED += 1
        print("FAIL %s: %s" % (name, e))
    except Exception as e:  # a crash of the case is a failure too, never a silent pass
        FAILED += 1
        print("FAIL %s: %s: %s" % (name, type(e).__name__, e))
    sys.stdout.flush()


# --- HTTP helpers -------------------------------------------------------------------------


class Resp:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers  # lower-case names
        self.body = body
        self._json = None

    @property
    def json(self):
        if self._json is None:
            ctype = self.headers.get("content-type", "")
            need(ctype == "application/json; charset=utf-8",
                 "content-type %r is not JSON" % ctype)
            try:
                self._json = json.loads(self.body.decode("utf-8"))
            except ValueError as e:
                raise Fail("body is not JSON (%s): %r" % (e, self.body[:200]))
        return self._json

    @property
    def text(self):
        return self.body.decode("utf-8", "replace")

    def __repr__(self):
        return "<%d %r>" % (self.status, self.body[:300])


def user_password(name):
    """The password the tests give the user name: passes the password policy (12 or more
    characters, not common, without the name)."""
    return "Harbor-Lamp-%04d" % (sum(name.encode()) % 10000)


def add_test_user(db, name=TEST_USER, password=TEST_PASSWORD, roles=TEST_ROLES):
    """Creates a user in db with kedb-admin (before the server starts); raises Fail."""
    r = subprocess.run([os.path.join(BIN, "kedb-admin"), "--db", db, "useradd", name, roles],
                       input=(password + "\n").encode(), capture_output=True,
                       timeout=60 * SLOW)
    if r.returncode != 0:
        raise Fail("kedb-admin useradd %s: exit %d %r" % (name, r.returncode, r.stderr))


def login(name=TEST_USER, password=TEST_PASSWORD):
    """POST /api/v1/auth/login without credentials; returns the Resp."""
    body = json.dumps({"username": name, "password": password}).encode()
    return request("POST", "/api/v1/auth/login", body=body,
                   headers={"Content-Type": "application/json"}, token=None)


def default_token(fresh=False):
    """The test user's token, logging in when there is none yet (or fresh)."""
    global TOKEN
    if TOKEN is None or fresh:
        r = login()
        need(r.status == 200, "test user login: %r" % r)
        TOKEN = r.json["token"]
    return TOKEN


def request(method, target, body=None, headers=None, timeout=TIMEOUT, token=DEFAULT):
    """Sends target exactly as given (no normalisation) and returns a Resp. token: DEFAULT
    sends the test user's bearer token (logging in again once when the session has expired,
    as it does when a test moves its fake clock on), None sends no credentials, a string
    sends that token. An Authorization header in headers is sent as is."""
    given = {k.lower() for k in (headers or {})}
    if token is not None and "authorization" not in given:
        tok = default_token() if token is DEFAULT else token
        headers = dict(headers or {}, Authorization="Bearer " + tok)
        r = send(method, target, body, headers, timeout)
        if r.status == 401 and token is DEFAULT:
            headers["Authorization"] = "Bearer " + default_token(fresh=True)
            r = send(method, target, body, headers, timeout)
        return r
    return send(method, target, body, headers, timeout)


def send(method, target, body, headers, timeout):
    conn = http.client.HTTPConnection(HOST, PORT, timeout=timeout)
    try:
        conn.putrequest(method, target, skip_accept_encoding=True)
        for k, v in (headers or {}).items():
            conn.putheader(k, v)
        if body is not None:
            conn.putheader("Content-Length", str(len(body)))
        conn.endheaders(body)
        r = conn.getresponse()
        data = r.read()
        return Resp(r.status, {k.lower(): v for k, v in r.getheaders()}, data)
    finally:
        conn.close()


def get(target, **kw):
    return request("GET", target, **kw)


def call(method, target, body=None, raw=None, token=DEFAULT, headers=None):
    """request() with body sent as JSON (or raw bytes as they are), marked as JSON."""
    data = raw if raw is not None else (None if body is None else
                                        json.dumps(body).encode("utf-8"))
    h = dict(headers or {})
    if data is not None:
        h["Content-Type"] = "application/json"
    return request(method, target, body=data, headers=h, token=token)


def ok(r, status=200):
    """r's JSON body after checking that r has this status."""
    need(r.status == status, "status %d, want %d: %r" % (r.status, status, r))
    return r.json


def q(path, **params):
    return path + "?" + urllib.parse.urlencode(params, quote_via=urllib.parse.quote)


def parse_raw_response(data):
    """Parses bytes read from a socket into a Resp, skipping 1xx interim responses."""
    while True:
        head, sep, rest = data.partition(b"\r\n\r\n")
        need(sep, "no complete response head: %r" % data[:200])
        lines = head.decode("latin-1").split("\r\n")
        m = re.match(r"HTTP/1\.[01] (\d{3})", lines[0])
        need(m, "bad status line %r" % lines[0])
        status = int(m.group(1))
        if 100 <= status < 200:
            data = rest
            continue
        headers = {}
        for line in lines[1:]:
            k, _, v = line.partition(":")
            headers[k.strip().lower()] = v.strip()
        n = headers.get("content-length")
        body = rest[: int(n)] if n is not None else rest
        return Resp(status, headers, body)


def raw_exchange(head, body_chunks=(), timeout=TIMEOUT):
    """Sends head, then body chunks from a thread (stopping quietly when the server stops
    reading), and reads the response until the server closes or it is complete. Adds the
    test user's Authorization header unless head has one."""
    if b"\r\nauthorization:" not in head.lower():
        line, sep, rest = head.partition(b"\r\n")
        head = line + sep + b"Authorization: Bearer " + default_token().encode() + b"\r\n" + rest
    s = socket.create_connection((HOST, PORT), timeout=timeout)
    stop = threading.Event()

    def sender():
        try:
            for chunk in body_chunks:
                if stop.is_set():
                    return
                s.sendall(chunk)
        except OSError:
            pass

    try:
        s.sendall(head)
        t = threading.Thread(target=sender, daemon=True)
        t.start()
        data = b""
        deadline = time.time() + timeout
        while time.time() < deadline:
            r, _, _ = select.select([s], [], [], 0.2)
            if not r:
                continue
            try:
                chunk = s.recv(65536)
            except OSError:
                break
            if not chunk:
                break
            data += chunk
            try:
                resp = parse_raw_response(data)
                n = resp.headers.get("content-length")
                if n is not None and len(resp.body) >= int(n):
                    break
            except Fail:
                pass
        stop.set()
        return parse_raw_response(data)
    finally:
        stop.set()
        s.close()


def check_error(r, status, code):
    need(r.status == status, "status %d, want %d: %r" % (r.status, status, r))
    e = r.json.get("error")
    need(isinstance(e, dict), "no error object: %r" % r.json)
    need(e.get("code") == code, "error code %r, want %r" % (e.get("code"), code))
    need(isinstance(e.get("message"), str) and e["message"], "empty error message")
    zh = e.get("message_zh")
    need(isinstance(zh, str) and any(ord(ch) >= 0x3000 for ch in zh),
         "no Chinese message_zh: %r" % e)
    need(set(r.json) == {"error"} and set(e) == {"code", "message", "message_zh"},
         "extra members in error body: %r" % r.json)
    return e


# --- the fake clock, files and tools ------------------------------------------------------

NOW_FILE = None  # the KEDB_FAKE_NOW_FILE of the last Served(clock=True)
CLOCK_LOCK = threading.Lock()


def set_now(t):
    """Sets the server's clock (KEDB_FAKE_NOW_FILE) to epoch second t, atomically."""
    with CLOCK_LOCK:
        tmp = NOW_FILE + ".tmp"
        with open(tmp, "w") as f:
            f.write("%d\n" % t)
        os.replace(tmp, NOW_FILE)


def t_of(y, m, d, hh=0, mm=0):
    """Epoch seconds of a UTC date and time."""
    return calendar.timegm((y, m, d, hh, mm, 0))


def iso(t):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


def sha256_of(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 16), b""):
            h.update(chunk)
    return h.hexdigest()


def admin(*args, stdin=None):
    """Runs $KEDB_BIN/kedb-admin with args (under valgrind in make valgrind); returns the
    CompletedProcess (bytes)."""
    return subprocess.run(under_valgrind([os.path.join(BIN, "kedb-admin")] + list(args)),
                          capture_output=True, input=stdin, timeout=120 * SLOW)


# --- process control ----------------------------------------------------------------------

STARTED = []  # every Served, for run_main() to close


class Served:
    """One kedb-server over a database indexed from a directory, for API test files:
    start() indexes (index()), adds the test user (and users, a list of (name, roles) or
    (name, password, roles)), starts the server on a free port (serve()) and records the
    cases; stop() ends it with SIGTERM and checks the exit status and stderr for sanitizer
    reports. Options: args, extra server flags (later ones win over the defaults); env,
    variables for the server (None removes one); clock=True, a fake clock in tmp/now
    (KEDB_FAKE_NOW_FILE, set with set_now()); db, serve this database file (a copy, or
    the same one again) instead of tmp/kedb.db; log, the stderr file's name in tmp.
    A second server while one runs: serve(record=False), then halt() gives the first one
    back its PORT, SERVER and TOKEN."""

    def __init__(self, tmp, data=None, args=(), env=None, users=(), clock=False, db=None,
                 log="server.stderr"):
        global NOW_FILE
        self.tmp, self.data, self.args, self.users = tmp, data or DATA, args, users
        self.env = dict(env or {})
        if clock:
            NOW_FILE = os.path.join(tmp, "now")
            self.env["KEDB_FAKE_NOW_FILE"] = NOW_FILE
        self.db = db or os.path.join(tmp, "kedb.db")
        self.err_path = os.path.join(tmp, log)
        self.proc = None
        self.before = None  # (SERVER, PORT, TOKEN) when this one started
        STARTED.append(self)

    def start(self):
        return self.index() and self.serve()

    def index(self):
        index = subprocess.run([os.path.join(BIN, "kedb-index"), "--db", self.db, self.data],
                               capture_output=True, timeout=300)

        def indexed():
            need(index.returncode == 0, "kedb-index exit %d: %s" %
                 (index.returncode, index.stderr.decode("utf-8", "replace")[-500:]))
        case("kedb-index indexes %s" % os.path.basename(self.data), indexed,
             needs_server=False)
        return index.returncode == 0

    def serve(self, add_users=True, record=True):
        """Starts the server (adding the users first unless add_users is false: the same
        database again). record=False: no "server starts" case, the caller checks."""
        global SERVER, PORT, TOKEN
        if add_users:
            add_test_user(self.db)
            for user in self.users:  # (name, roles) or (name, password, roles)
                name, roles = user[0], user[-1]
                add_test_user(self.db, name,
                              user[1] if len(user) == 3 else user_password(name), roles)
        cmd = [os.path.join(BIN, "kedb-server"), "--db", self.db, "--host", HOST, "--port", "0",
               "--threads", "8"] + list(self.args)
        cmd = under_valgrind(cmd)
        env = dict(os.environ)
        for k, v in self.env.items():
            if v is None:
                env.pop(k, None)
            else:
                env[k] = v
        with open(self.err_path, "wb") as err_file:
            self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=err_file, cwd=ROOT,
                                         env=env)
        self.before = (SERVER, PORT, TOKEN)
        SERVER = self.proc
        PORT = read_port(self.proc, time.time() + 30 * SLOW) or 0
        TOKEN = None  # sessions live in the database: log in to this one afresh

        def started():
            need(PORT > 0, "no 'listening on' line; stderr: %s" % self.log()[-800:])
        if record:
            case("server starts", started)
        return PORT > 0

    def log(self):
        return open(self.err_path, "rb").read().decode("utf-8", "replace")

    def halt(self):
        """Ends the server with SIGTERM (killing it after STOP_TIMEOUT) and gives the
        server started before it back its PORT, SERVER and TOKEN. Returns the exit status,
        None after a kill."""
        global SERVER, PORT, TOKEN
        proc = self.proc
        rc = None
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                rc = proc.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        else:
            rc = proc.returncode
        if proc.stdout:
            proc.stdout.close()
        if self.before is not None:
            SERVER, PORT, TOKEN = self.before
            self.before = None
        return rc

    def check_log(self, stopped=True):
        """Raises Fail on a sanitizer report in the server's stderr (or, with stopped, when
        no orderly stop is logged)."""
        log = self.log()
        for mark in SANITIZER_MARKS:
            need(mark not in log, "%r in server stderr:\n%s" % (mark, log[-3000:]))
        if stopped:
            need("stopped" in log, "no orderly stop logged")

    def stop(self):
        def stop():
            rc = self.halt()
            need(rc is not None,
                 "server did not exit within %d s of SIGTERM" % STOP_TIMEOUT)
            need(rc == 0, "server exit status %d after SIGTERM" % rc)
        case("server exits 0 on SIGTERM", stop, needs_server=False)
        case("server stderr has no sanitizer report", self.check_log, needs_server=False)

    def close(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        if self.proc and self.proc.stdout:
            self.proc.stdout.close()


def run_main(name, main, prefix=None):
    """The end of every API test file: runs main(tmp) in a new temporary directory, then
    kills every Served still running, removes the directory, prints "name: N passed, N
    failed" and exits 1 on any failure (or a true return from main)."""
    tmp = tempfile.mkdtemp(prefix=prefix or "kedb-%s-" % name.replace("test_", ""))
    rc = 1
    try:
        rc = main(tmp)
    finally:
        for served in STARTED:
            served.close()
        shutil.rmtree(tmp, ignore_errors=True)
        print("%s: %d passed, %d failed" % (name, PASSED, FAILED))
        sys.stdout.flush()
    sys.exit(1 if FAILED or rc else 0)


def read_port(proc, deadline):
    """Reads the server's stdout until the 'listening on http://HOST:PORT' line."""
    buf = b""
    fd = proc.stdout.fileno()
    while time.time() < deadline:
        r, _, _ = select.select([fd], [], [], 0.2)
        if r:
            chunk = os.read(fd, 4096)
            if not chunk:
                break
            buf += chunk
            m = re.search(rb"listening on http://([^\s:]+):(\d+)\n", buf)
            if m:
                return int(m.group(2))
        elif proc.poll() is not None:
            break
    return None
