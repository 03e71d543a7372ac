#!/usr/bin/env python3
"""End-to-end tests of authentication and authorisation.

Indexes tests/data, creates an admin with kedb-admin, starts $KEDB_BIN/kedb-server with a
fake clock and checks: login (token, cookie, CSRF value), the role matrix (for every route
each role gets exactly 403 or a non-auth status), 401 without or with bad credentials,
logout, cookie + CSRF rules, expiry, lockout (429) and its end, /api/v1/users, the audit
entries of logins, and the kedb-admin user commands. Prints 'test_auth: N passed, N failed'.
"""
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as api  # noqa: E402  (the shared harness: case, request, checks)
from harness import Fail, need  # noqa: E402

case = api.case
BIN = api.BIN
ROOT = api.ROOT
NOW_FILE = None
T0 = 1772438400  # 2026-03-02T08:00:00Z
ROLES = ["agent", "engineer", "approver", "auditor", "admin"]
PASSWORD = "role-pass-123"
TOKENS = {}  # role -> token of the user "<role>1" holding only that role
STATE = {}
INCIDENT = {"caller_name": "王芳", "caller_phone": "138-0013 8000", "department": "财务部",
            "location": "3F", "channel": "phone", "category": "printer", "ci": "PRN-0301",
            "priority": "P3", "summary": "打印机脱机", "description": "所有电脑上显示脱机",
            "actor": "desk-1"}


def set_now(t):
    tmp = NOW_FILE + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % t)
    os.replace(tmp, NOW_FILE)


def call(method, path, body=None, token=api.DEFAULT, headers=None):
    data = None if body is None else json.dumps(body).encode("utf-8")
    h = dict(headers or {})
    if data is not None:
        h["Content-Type"] = "application/json"
    return api.request(method, path, body=data, headers=h, token=token)


def admin(*args, stdin=None):
    return subprocess.run([os.path.join(BIN, "kedb-admin")] + list(args), capture_output=True,
                          input=stdin, timeout=60 * api.SLOW)


def err_code(r):
    try:
        return r.json["error"]["code"]
    except (KeyError, TypeError):
        return None


def users_cases():
    def create_role_users():
        for role in ROLES:
            r = call("POST", "/api/v1/users",
                     {"username": role + "1", "password": PASSWORD, "roles": [role]})
            need(r.status == 201, "create %s1: %r" % (role, r))
            need(r.json["username"] == role + "1" and r.json["roles"] == [role] and
                 r.json["disabled"] is False, "user %r" % r.json)
            r = api.login(role + "1", PASSWORD)
            need(r.status == 200, "login %s1: %r" % (role, r))
            j = r.json
            need({"token", "csrf", "username", "roles", "expires"} <= set(j), "keys %r" % j)
            need(j["roles"] == [role] and j["username"] == role + "1", "login %r" % j)
            need(re.fullmatch(r"[0-9a-f]{64}", j["token"]), "token %r" % j["token"])
            TOKENS[role] = j["token"]
    case("admin creates one user per role over /api/v1/users; each logs in", create_role_users)

    def listed():
        r = call("GET", "/api/v1/users")
        need(r.status == 200, "%r" % r)
        names = [u["username"] for u in r.json["users"]]
        need(names == sorted(names) and {"tester", "agent1", "admin1"} <= set(names),
             "names %r" % names)
        need(all("password" not in u and "hash" not in u for u in r.json["users"]),
             "a password hash is listed")
    case("GET /api/v1/users lists users without hashes", listed)

    def bad_input():
        for body, want in [
            ({"username": "agent1", "password": PASSWORD, "roles": ["agent"]}, 409),
            ({"username": "a b", "password": PASSWORD, "roles": ["agent"]}, 400),
            ({"username": "x" * 65, "password": PASSWORD, "roles": ["agent"]}, 400),
            ({"username": "shorty", "password": "short", "roles": ["agent"]}, 400),
            ({"username": "longpw", "password": "p" * 257, "roles": ["agent"]}, 400),
            ({"username": "noroles", "password": PASSWORD, "roles": []}, 400),
            ({"username": "badrole", "password": PASSWORD, "roles": ["root"]}, 400),
            ({"username": "extra", "password": PASSWORD, "roles": ["agent"], "x": 1}, 400),
        ]:
            r = call("POST", "/api/v1/users", body)
            need(r.status == want, "%r: %r, want %d" % (body, r, want))
        r = call("PATCH", "/api/v1/users/nobody", {"disabled": True})
        need(r.status == 404, "unknown user %r" % r)
        r = call("PATCH", "/api/v1/users/agent1", {})
        need(r.status == 400, "empty change %r" % r)
        r = call("PATCH", "/api/v1/users/agent1", {"disabled": "yes"})
        need(r.status == 400, "disabled not bool %r" % r)
    case("/api/v1/users rejects bad input (400), duplicates (409), unknown users (404)",
         bad_input)

    def patch_flow():
        r = call("POST", "/api/v1/users", {"username": "temp.user", "password": PASSWORD,
                                           "roles": ["engineer"]})
        need(r.status == 201, "%r" % r)
        tok = api.login("temp.user", PASSWORD).json["token"]
        need(call("GET", "/api/v1/incidents", token=tok).status == 200, "engineer reads")
        need(call("POST", "/api/v1/incidents", {"summary": "x"}, token=tok).status == 403,
             "engineer may not create incidents")
        r = call("PATCH", "/api/v1/users/temp.user", {"roles": ["engineer", "agent"]})
        need(r.status == 200 and r.json["roles"] == ["agent", "engineer"], "%r" % r)
        r = call("GET", "/api/v1/auth/me", token=tok)
        need(r.status == 200 and r.json["roles"] == ["agent", "engineer"],
             "role change applies to the live session %r" % r)
        r = call("PATCH", "/api/v1/users/temp.user", {"password": "another-pass-1"})
        need(r.status == 200, "%r" % r)
        need(call("GET", "/api/v1/auth/me", token=tok).status == 401,
             "a new password ends sessions")
        need(api.login("temp.user", PASSWORD).status == 401, "old password still works")
        tok = api.login("temp.user", "another-pass-1").json["token"]
        r = call("PATCH", "/api/v1/users/temp.user", {"disabled": True})
        need(r.status == 200 and r.json["disabled"] is True, "%r" % r)
        need(call("GET", "/api/v1/auth/me", token=tok).status == 401, "disabling ends sessions")
        need(api.login("temp.user", "another-pass-1").status == 401, "disabled user logs in")
        r = call("PATCH", "/api/v1/users/temp.user", {"disabled": False})
        need(r.status == 200 and api.login("temp.user", "another-pass-1").status == 200,
             "enabled again %r" % r)
        r = call("GET", api.q("/api/v1/audit", object="user:temp.user"))
        acts = sorted(e["action"] for e in r.json["entries"])
        need(acts.count("user.update") == 4 and "user.create" in acts, "audit %r" % acts)
        need(all(e["actor"] == "tester" for e in r.json["entries"]
                 if e["action"].startswith("user.")), "actor is the admin")
        need(all("another-pass" not in e["summary"] for e in r.json["entries"]),
             "a password in the audit trail")
    case("PATCH /api/v1/users: roles, password and disabled apply to sessions; audited",
         patch_flow)


def matrix_cases():
    def setup():
        r = call("POST", "/api/v1/incidents", INCIDENT)
        need(r.status == 201, "incident %r" % r)
        STATE["inc"] = r.json["number"]
        r = call("POST", "/api/v1/backups", {})
        need(r.status == 201 or r.status == 200, "backup %r" % r)
        STATE["backup"] = r.json["id"]
    case("an incident and a backup for the matrix", setup)
    if "inc" not in STATE:
        return
    inc = "/api/v1/incidents/" + urllib.parse.quote(STATE["inc"])
    everyone = set(ROLES)
    agent_w = {"agent", "admin"}
    audit_r = {"auditor", "admin"}
    admin_only = {"admin"}
    rows = [
        ("GET", api.q("/api/v1/search", q="打印机"), None, everyone),
        ("GET", api.q("/api/v1/complete", q="打"), None, everyone),
        ("GET", "/api/v1/kb/KE-1001", None, everyone),
        ("POST", "/api/v1/suggest", {"summary": "打印机卡纸"}, everyone),
        ("POST", "/api/v1/suggest/feedback", {"kb_id": "KE-1001", "helpful": True}, everyone),
        ("GET", "/api/v1/auth/me", None, everyone),
        ("POST", "/api/v1/incidents", INCIDENT, agent_w),
        ("GET", "/api/v1/incidents", None, everyone),
        ("GET", "/api/v1/incidents/at-risk", None, everyone),
        ("GET", inc, None, everyone),
        ("PATCH", inc, {"note": "checked", "actor": "d"}, agent_w),
        ("POST", inc + "/resolve", {"resolution": "fixed", "actor": "d"}, agent_w),
        ("POST", inc + "/followup", {"note": "x", "actor": "d"}, agent_w),
        ("POST", inc + "/reopen", {"reason": "again", "actor": "d"}, agent_w),
        ("GET", "/api/v1/reports/gaps", None, everyone),
        ("GET", "/api/v1/reports/summary", None, everyone),
        ("GET", "/api/v1/reports/summary.csv", None, everyone),
        ("GET", "/api/v1/reports/problems", None, everyone),
        ("GET", "/api/v1/audit", None, audit_r),
        ("GET", "/api/v1/audit.csv", None, audit_r),
        ("GET", "/api/v1/audit/verify", None, audit_r),
        ("GET", "/api/v1/backups", None, audit_r),
        ("POST", "/api/v1/backups/%s/verify" % STATE["backup"], None, audit_r),
        ("POST", "/api/v1/backups", {}, admin_only),
        ("POST", "/api/v1/backups/prune", {"keep_last": 5}, admin_only),
        ("GET", "/api/v1/users", None, admin_only),
        ("POST", "/api/v1/users", {"username": "x", "password": "", "roles": []}, admin_only),
        ("PATCH", "/api/v1/users/agent1", {"roles": ["agent"]}, admin_only),
    ]
    for method, target, body, allowed in rows:
        def run(method=method, target=target, body=body, allowed=allowed):
            got = {}
            for role in ROLES:
                r = call(method, target, body, token=TOKENS[role])
                got[role] = r.status
                if role in allowed:
                    need(r.status not in (401, 403) and r.status < 500,
                         "%s: %d %r" % (role, r.status, r.body[:200]))
                else:
                    need(r.status == 403 and err_code(r) == "forbidden",
                         "%s: %d %r, want 403 forbidden" % (role, r.status, r.body[:200]))
            r = call(method, target, body, token=None)
            need(r.status == 401 and err_code(r) == "unauthorized", "no token: %r" % r)
            need(r.headers.get("www-authenticate", "").startswith("Bearer"),
                 "no WWW-Authenticate on a 401")
        case("matrix %s %s: allowed %s" % (method, target.split("?")[0], ",".join(
            sorted(allowed))), run)
    # allowed roles get 200/201 where the request is valid
    def exact():
        for role in ROLES:
            need(call("GET", "/api/v1/incidents", token=TOKENS[role]).status == 200, role)
        need(call("POST", "/api/v1/incidents", INCIDENT, token=TOKENS["agent"]).status == 201,
             "agent creates: 201")
        need(call("GET", "/api/v1/audit", token=TOKENS["auditor"]).status == 200, "auditor")
        need(call("POST", "/api/v1/backups", {}, token=TOKENS["admin"]).status in (200, 201),
             "admin backs up")
    case("allowed roles get 200/201 for valid requests", exact)


def credential_cases():
    def open_routes():
        need(call("GET", "/healthz", token=None).status == 200, "healthz")
        r = call("GET", "/", token=None)
        need(r.status == 200 and b"<html" in r.body.lower(), "the page %r" % r)
        need(call("GET", "/app.js", token=None).status == 200, "static file")
        need(call("GET", "/api/v1/nope", token=None).status == 404, "unknown route 404")
    case("/healthz and static files stay open", open_routes)

    def bad_tokens():
        for hdr in ["Bearer " + "0" * 64, "Bearer abc", "Basic dGVzdGVyOng=", "Bearer ",
                    "Bearer " + TOKENS["admin"].upper(), "Bearer " + TOKENS["admin"] + "0"]:
            r = api.request("GET", "/api/v1/search?q=x", headers={"Authorization": hdr},
                            token=None)
            need(r.status == 401 and err_code(r) == "unauthorized", "%r: %r" % (hdr, r))
        r = api.request("GET", "/api/v1/search?q=x", token=None,
                        headers={"Authorization": "Bearer bad",
                                 "Cookie": "kedb_session=" + TOKENS["admin"]})
        need(r.status == 401, "a bad bearer falls back to the cookie")
    case("bad or malformed tokens are 401", bad_tokens)

    def bad_logins():
        for body in [b"", b"{}", b'{"username": "tester"}', b'{"username": 1, "password": "x"}',
                     b"nope", b'{"username": "tester", "password": "x", "more": 1}']:
            r = api.request("POST", "/api/v1/auth/login", body=body, token=None)
            need(r.status == 400, "%r: %r" % (body, r))
        r = api.login("tester", "wrong-password")
        need(r.status == 401 and err_code(r) == "unauthorized" and "set-cookie" not in r.headers,
             "%r" % r)
        r = api.login("nobody", "wrong-password")
        need(r.status == 401, "unknown user %r" % r)
    case("login: bad bodies 400, wrong credentials 401", bad_logins)

    def cookie_and_csrf():
        r = api.login("agent1", PASSWORD)
        need(r.status == 200, "%r" % r)
        sc = r.headers.get("set-cookie", "")
        tok, csrf = r.json["token"], r.json["csrf"]
        need(sc.startswith("kedb_session=" + tok + ";"), "cookie %r" % sc)
        for attr in ["HttpOnly", "SameSite=Strict", "Path=/", "Max-Age=43200"]:
            need(attr in sc, "%s missing in %r" % (attr, sc))
        need("Secure" not in sc, "Secure without --secure-cookie: the page over http would "
             "lose its session %r" % sc)
        cookie = {"Cookie": "lang=zh; kedb_session=" + tok + "; other=1"}
        r = api.request("GET", "/api/v1/incidents", headers=cookie, token=None)
        need(r.status == 200, "cookie GET %r" % r)
        r = api.request("GET", "/api/v1/auth/me", headers=cookie, token=None)
        need(r.status == 200 and r.json["csrf"] == csrf, "a new tab learns its CSRF value %r" % r)
        body = json.dumps({"kb_id": "KE-1001", "helpful": True}).encode()
        r = api.request("POST", "/api/v1/suggest/feedback", body=body, headers=cookie,
                        token=None)
        need(r.status == 403 and "CSRF" in r.text, "cookie POST without CSRF %r" % r)
        r = api.request("POST", "/api/v1/suggest/feedback", body=body,
                        headers=dict(cookie, **{"X-CSRF-Token": "0" * 64}), token=None)
        need(r.status == 403, "wrong CSRF %r" % r)
        r = api.request("POST", "/api/v1/suggest/feedback", body=body,
                        headers=dict(cookie, **{"X-CSRF-Token": csrf}), token=None)
        need(r.status == 200, "cookie POST with CSRF %r" % r)
        r = api.request("POST", "/api/v1/suggest/feedback", body=body, token=tok)
        need(r.status == 200, "bearer POST needs no CSRF %r" % r)
        r = api.request("POST", "/api/v1/auth/logout", headers=cookie, token=None)
        need(r.status == 403, "cookie logout without CSRF %r" % r)
        r = api.request("POST", "/api/v1/auth/logout",
                        headers=dict(cookie, **{"X-CSRF-Token": csrf}), token=None)
        need(r.status == 200 and "Max-Age=0" in r.headers.get("set-cookie", ""),
             "cookie logout %r" % r)
        r = api.request("GET", "/api/v1/incidents", headers=cookie, token=None)
        need(r.status == 401, "cookie after logout %r" % r)
    case("cookie sessions: attributes, CSRF header on unsafe methods, logout", cookie_and_csrf)

    def logout():
        tok = api.login("auditor1", PASSWORD).json["token"]
        need(call("GET", "/api/v1/audit", token=tok).status == 200, "before logout")
        r = call("POST", "/api/v1/auth/logout", token=tok)
        need(r.status == 200, "logout %r" % r)
        r = call("GET", "/api/v1/audit", token=tok)
        need(r.status == 401 and err_code(r) == "unauthorized", "after logout %r" % r)
        need(call("POST", "/api/v1/auth/logout", token=tok).status == 401, "second logout")
        need(call("GET", "/api/v1/audit", token=TOKENS["auditor"]).status == 200,
             "other sessions of the user live on")
    case("logout revokes exactly the presented token", logout)

    def expiry():
        tok = api.login("engineer1", PASSWORD).json["token"]
        set_now(STATE["now"] + 12 * 3600 - 1)
        need(call("GET", "/api/v1/incidents", token=tok).status == 200, "just before expiry")
        set_now(STATE["now"] + 12 * 3600)
        need(call("GET", "/api/v1/incidents", token=tok).status == 401, "at expiry")
        STATE["now"] += 12 * 3600 + 10
        set_now(STATE["now"])
        for role in ROLES:  # fresh sessions for what follows
            TOKENS[role] = api.login(role + "1", PASSWORD).json["token"]
    case("sessions expire after 12 h (fake clock)", expiry)

    def lockout():
        for i in range(5):
            r = api.login("approver1", "wrong-%d" % i)
            need(r.status == 401, "failure %d: %r" % (i, r))
        r = api.login("approver1", PASSWORD)
        need(r.status == 429 and err_code(r) == "too_many_requests", "locked %r" % r)
        need("try again" in r.json["error"]["message"] and r.json["error"]["retry_after"] > 0,
             "message %r" % r.json)
        need(api.login("agent1", PASSWORD).status == 200, "other users unaffected")
        set_now(STATE["now"] + 15 * 60)
        r = api.login("approver1", PASSWORD)
        need(r.status == 200, "after the window %r" % r)
        STATE["now"] += 15 * 60
    case("5 failed logins in 15 min: 429 until the window passes", lockout)

    def audited():
        r = call("GET", api.q("/api/v1/audit", object="user:approver1", limit="100"))
        acts = [e["action"] for e in r.json["entries"]]
        need(acts.count("auth.login_failed") == 6, "failed logins %r" % acts)
        need("auth.login" in acts, "login %r" % acts)
        r = call("GET", api.q("/api/v1/audit", action="auth.logout"))
        need(r.json["total"] >= 2, "logouts %r" % r.json["total"])
        r = call("GET", api.q("/api/v1/audit", action="auth.login_failed", actor="tester"))
        need(r.json["total"] >= 1, "tester's failed login %r" % r.json)
        r = call("GET", "/api/v1/audit/verify")
        need(r.status == 200 and r.json["ok"] is True, "chain %r" % r)
    case("logins, failed logins and logouts are in the audit trail", audited)


def cli_cases(db):
    def useradd():
        r = admin("--db", db, "useradd", "cli.user", "agent,auditor", stdin=b"cli-password\n")
        need(r.returncode == 0, "useradd %r" % r.stderr)
        r = api.login("cli.user", "cli-password")
        need(r.status == 200 and r.json["roles"] == ["agent", "auditor"], "%r" % r)
        r = admin("--db", db, "useradd", "cli.user", "agent", stdin=b"cli-password\n")
        need(r.returncode == 1 and b"already exists" in r.stderr, "duplicate %r" % r.stderr)
        r = admin("--db", db, "useradd", "x2", "wizard", stdin=b"cli-password\n")
        need(r.returncode == 1 and b"'wizard'" in r.stderr, "bad role %r" % r.stderr)
        r = admin("--db", db, "useradd", "x3", "agent", stdin=b"short\n")
        need(r.returncode == 1 and b"8 to 256" in r.stderr, "short password %r" % r.stderr)
        r = admin("--db", db, "useradd", "x4", "agent", stdin=b"")
        need(r.returncode == 1 and b"standard input" in r.stderr, "no password %r" % r.stderr)
        r = admin("--db", db, "useradd", "x5")
        need(r.returncode == 2, "missing role: exit %d" % r.returncode)
        r = admin("--db", db + ".missing", "list")
        need(r.returncode == 1 and not os.path.exists(db + ".missing"), "missing db")
    case("kedb-admin useradd: password from stdin, errors exit 1, usage 2", useradd,
         needs_server=False)

    def others():
        r = admin("--db", db, "passwd", "cli.user", stdin=b"cli-password-2\r\n")
        need(r.returncode == 0, "passwd %r" % r.stderr)
        need(api.login("cli.user", "cli-password-2").status == 200, "new password")
        r = admin("--db", db, "disable", "cli.user")
        need(r.returncode == 0, "disable %r" % r.stderr)
        need(api.login("cli.user", "cli-password-2").status == 401, "disabled logs in")
        r = admin("--db", db, "list")
        need(r.returncode == 0 and b"cli.user\tagent,auditor\tdisabled" in r.stdout,
             "list %r" % r.stdout)
        r = admin("--db", db, "enable", "cli.user")
        need(r.returncode == 0 and api.login("cli.user", "cli-password-2").status == 200,
             "enable %r" % r.stderr)
        r = admin("--db", db, "disable", "nobody")
        need(r.returncode == 1 and b"nobody" in r.stderr, "unknown %r" % r.stderr)
        r = admin("--db", db, "passwd")
        need(r.returncode == 2, "passwd without name %d" % r.returncode)
        r = call("GET", api.q("/api/v1/audit", actor="kedb-admin", object="user:cli.user"))
        need(r.json["total"] == 4, "kedb-admin changes audited %r" % r.json["total"])
    case("kedb-admin passwd, disable, enable, list", others)


def main():
    global NOW_FILE
    tmp = tempfile.mkdtemp(prefix="kedb-auth-")
    proc = None
    err_path = os.path.join(tmp, "server.stderr")
    NOW_FILE = os.path.join(tmp, "now")
    try:
        db = os.path.join(tmp, "kedb.db")
        index = subprocess.run([os.path.join(BIN, "kedb-index"), "--db", db, api.DATA],
                               capture_output=True, timeout=300)
        case("kedb-index indexes tests/data", lambda: need(index.returncode == 0, "index"),
             needs_server=False)
        if index.returncode != 0:
            return
        STATE["now"] = T0
        set_now(T0)
        case("kedb-admin creates the admin", lambda: api.add_test_user(db), needs_server=False)
        cmd = [os.path.join(BIN, "kedb-server"), "--db", db, "--host", api.HOST, "--port", "0",
               "--threads", "4", "--web", api.WEB]
        if api.VALGRIND:
            cmd = ["valgrind", "-q", "--leak-check=full", "--errors-for-leak-kinds=definite",
                   "--error-exitcode=97"] + cmd
        env = dict(os.environ, KEDB_FAKE_NOW_FILE=NOW_FILE)
        err_file = open(err_path, "wb")
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=err_file, cwd=ROOT, env=env)
        err_file.close()
        api.SERVER = proc
        api.PORT = api.read_port(proc, time.time() + 30 * api.SLOW) or 0
        case("server starts", lambda: need(api.PORT > 0, "no port"))
        if not api.PORT:
            return

        users_cases()
        if len(TOKENS) == len(ROLES):
            matrix_cases()
            credential_cases()
        cli_cases(db)

        def stop():
            proc.send_signal(signal.SIGTERM)
            try:
                rc = proc.wait(timeout=api.STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
                raise Fail("server did not exit within %d s of SIGTERM" % api.STOP_TIMEOUT)
            need(rc == 0, "server exit status %d after SIGTERM" % rc)
        case("server exits 0 on SIGTERM", stop, needs_server=False)

        def clean_stderr():
            log = open(err_path, "rb").read().decode("utf-8", "replace")
            for mark in api.SANITIZER_MARKS:
                need(mark not in log, "%r in server stderr:\n%s" % (mark, log[-3000:]))
            for tok in TOKENS.values():
                need(tok not in log, "a token in the server log")
        case("server stderr has no sanitizer report and no tokens", clean_stderr,
             needs_server=False)
    finally:
        if proc and proc.poll() is None:
            proc.kill()
            proc.wait()
        if proc and proc.stdout:
            proc.stdout.close()
        shutil.rmtree(tmp, ignore_errors=True)
        print("test_auth: %d passed, %d failed" % (api.PASSED, api.FAILED))
    return 1 if api.FAILED else 0


if __name__ == "__main__":
    sys.exit(main())
