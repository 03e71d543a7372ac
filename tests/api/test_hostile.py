#!/usr/bin/env python3
"""Replays the hostile corpus (tests/hostile/, made by tests/hostile/gen.py) against the real
server: every request must be answered below 500 within its timeout (or, for malformed
HTTP, the connection closed), answers must not leak what "deny" names, the server must stay
up and its stderr free of sanitizer reports. Then kedb-index and kedb-import read the
hostile files: they exit 0 or 1 (bad files reported), never crash or hang.
Requests in tests/hostile/pending.jsonl wait for a fix in progress elsewhere: they are
skipped with a count (HOSTILE_PENDING=1 runs them too, HOSTILE_PENDING=http,auth those of
the named changes).
Ends with "test_hostile: N passed, N failed"."""
import json
import os
import socket
import subprocess
import threading
import time
import urllib.parse

import harness as api
from harness import case, need, Fail

HOSTILE = os.path.join(api.ROOT, "tests", "hostile")
USER = "hostile"
PASSWORD = api.user_password(USER)  # the password Served gives extra users
ROLES = "agent,engineer,approver,auditor,admin"
TIMEOUT = 5 * api.SLOW
SLOW_TIMEOUT = 30 * api.SLOW  # entries marked slow: they render a PDF (bounded, seconds)
HOLD_TIMEOUT = 40 * api.SLOW  # the server's 30 s connection timeout, and some
MAP = ("id=TicketNo,title=Subject,symptom=Description,workaround=Solution,opened=Opened,"
       "category=Category,resolved_by=KB,tags=Tags")


def dec(v):
    """Bytes of a corpus string (see tests/hostile/gen.py)."""
    if v is None:
        return b""
    if isinstance(v, str):
        return v.encode("utf-8", "surrogatepass")
    if "hex" in v:
        return bytes.fromhex(v["hex"])
    return dec(v["pre"]) + dec(v["rep"]) * v["n"] + dec(v["post"])


def load(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def build(e, token, ids):
    """The request's bytes."""
    if e["method"] == "RAW":
        return dec(e.get("body"))
    target = dec(e["target"])
    for k, v in ids.items():
        target = target.replace(k.encode(), urllib.parse.quote(v).encode())
    head = [e["method"].encode("latin-1") + b" " + target + b" " +
            e.get("version", "HTTP/1.1").encode()]
    names = set()
    for k, v in e.get("headers", []):
        head.append(k.encode() + b": " + dec(v))
        names.add(k.lower())
    if "host" not in names:
        head.append(b"Host: 127.0.0.1")
    if e.get("auth", "all") == "all" and "authorization" not in names:
        head.append(b"Authorization: Bearer " + token.encode())
    head.append(b"Connection: close")
    body = dec(e.get("body")) if "body" in e else b""
    if "body" in e and "content-length" not in names and "transfer-encoding" not in names:
        head.append(b"Content-Length: " + str(len(body)).encode())
    return b"\r\n".join(head) + b"\r\n\r\n" + body


def complete(got):
    """True when got holds a whole response with a Content-Length."""
    head, sep, body = got.partition(b"\r\n\r\n")
    for line in head.split(b"\r\n")[1:]:
        k, _, v = line.partition(b":")
        if sep and k.strip().lower() == b"content-length" and v.strip().isdigit():
            return len(body) >= int(v)
    return False


def exchange(data, timeout, half_close=False):
    """Sends data (then half-closes with half_close: a raw request may be incomplete on
    purpose), reads until the server closes or the answer is complete. Returns (status or
    None, body, seconds); raises Fail when no answer and no close arrive in time."""
    t0 = time.time()
    s = socket.create_connection((api.HOST, api.PORT), timeout=timeout)
    try:
        try:
            s.sendall(data)
            if half_close:
                s.shutdown(socket.SHUT_WR)
        except OSError:
            pass  # the server may answer and close before reading everything
        got = b""
        while not complete(got):
            try:
                chunk = s.recv(65536)
            except socket.timeout:
                raise Fail("no answer within %d s (got %r)" % (timeout, got[:80]))
            except OSError:
                break
            if not chunk:
                break
            got += chunk
            if time.time() - t0 > timeout:
                raise Fail("answer still running after %d s" % timeout)
    finally:
        s.close()
    status = None
    if got.startswith(b"HTTP/1."):
        try:
            status = int(got[9:12])
        except ValueError:
            status = None
    return status, got.partition(b"\r\n\r\n")[2], time.time() - t0


def check(e, token, ids):
    data = build(e, token, ids)
    timeout = HOLD_TIMEOUT if e.get("hold") else SLOW_TIMEOUT if e.get("slow") else TIMEOUT
    status, body, _ = exchange(data, timeout, half_close=e["method"] == "RAW")
    if status is None:
        need(e.get("may_close"), "no answer (connection closed)")
        return
    need(status < 500 or status in e.get("allow", []), "answered %d: %r" % (status, body[:200]))
    if "expect" in e:
        need(status in e["expect"], "answered %d, want one of %r: %r" % (status, e["expect"],
                                                                         body[:200]))
    if "deny" in e:
        need(e["deny"].encode() not in body, "the answer holds %r" % e["deny"])


def start_held(entries, token, ids):
    """Starts the held (incomplete) requests in threads; returns a function that waits for
    them and records the case."""
    held = [e for e in entries if e.get("hold")]
    bad = []

    def hold(e):
        try:
            check(e, token, ids)
        except (Fail, OSError) as x:
            bad.append("%s: %s" % (e["id"], x))
    threads = [threading.Thread(target=hold, args=(e,), daemon=True) for e in held]
    for t in threads:
        t.start()

    def finish():
        def held_ones():
            for t in threads:
                t.join(HOLD_TIMEOUT + 5)
            need(not any(t.is_alive() for t in threads), "a held connection is still open")
            need(not bad, "\n  ".join(bad))
        case("incomplete requests (%d, held meanwhile): closed within %d s, never 5xx" %
             (len(held), HOLD_TIMEOUT), held_ones)
    return finish


def replay(entries, token, ids):
    groups = {}
    for e in entries:
        if not e.get("hold"):
            groups.setdefault(e["group"], []).append(e)
    for group, es in groups.items():
        def run(es=es):
            bad = []
            for e in es:
                try:
                    check(e, token, ids)
                except (Fail, OSError) as x:
                    bad.append("%s: %s" % (e["id"], x))
                    if api.SERVER.poll() is not None:
                        bad.append("the server exited (status %d)" % api.SERVER.returncode)
                        break
            need(not bad, "%d of %d failed:\n  %s" % (len(bad), len(es), "\n  ".join(bad[:8])))
        case("hostile %s (%d requests): none 5xx, none hangs" % (group, len(es)), run)


def alive(token):
    def run():
        r = api.get("/healthz", token=None)
        need(r.status == 200, "healthz after the corpus: %r" % r)
        r = api.request("GET", "/api/v1/search?q=printer", token=token)
        need(r.status == 200 and r.json["total"] > 0, "search after the corpus: %r" % r)
    case("the server answers normally after the corpus", run)


def setup_ids(token):
    """An incident, a document request, a caller, an asset, a part with stock and a
    replenishment request, a request item, a service request, a maintenance plan and its
    task, and a census campaign for the {inc}, {dr}, {caller}, {asset}, {part}, {reorder},
    {item}, {req}, {plan}, {task}, {census}, {complaint}, {survey} and {survey_token}
    targets."""
    ids = {}
    hdr = {"Content-Type": "application/json"}
    r = api.request("POST", "/api/v1/incidents", token=token, headers=hdr, body=json.dumps(
        {"caller_name": "王芳", "caller_phone": "138-0013 8000", "channel": "phone",
         "category": "printer", "priority": "P3", "summary": "打印机脱机",
         "description": "所有电脑上显示脱机"}).encode())
    need(r.status == 201, "set-up incident: %r" % r)
    ids["{inc}"] = r.json["number"]
    r = api.request("POST", "/api/v1/document-requests", token=token, headers=hdr,
                    body=json.dumps({"kind": "borrow", "doc_no": "YW-SC-001",
                                     "reason": "audit", "borrower": "li",
                                     "due": "2026-12-31"}).encode())
    need(r.status == 201, "set-up document request: %r" % r)
    ids["{dr}"] = r.json["id"]
    r = api.request("POST", "/api/v1/callers", token=token, headers=hdr,
                    body=json.dumps({"name": "王芳", "phones": ["138-0013 8000"]}).encode())
    need(r.status == 201, "set-up caller: %r" % r)
    ids["{caller}"] = str(r.json["id"])
    r = api.request("POST", "/api/v1/assets", token=token, headers=hdr,
                    body=json.dumps({"tag": "HOSTILE-1", "class": "printer",
                                     "location": "北京總部"}).encode())
    need(r.status == 201, "set-up asset: %r" % r)
    ids["{asset}"] = r.json["tag"]
    for target, body in (("/api/v1/parts/locations", {"name": "总部仓库"}),
                         ("/api/v1/parts", {"number": "HOSTILE-P", "name": "硒鼓", "minimum": 2}),
                         ("/api/v1/parts/HOSTILE-P/movements",
                          {"kind": "receive", "quantity": 50, "location": "总部仓库"}),
                         ("/api/v1/parts/replenishments", {"part": "HOSTILE-P", "quantity": 5})):
        r = api.request("POST", target, token=token, headers=hdr,
                        body=json.dumps(body).encode())
        need(r.status == 201, "set-up %s: %r" % (target, r))
    ids["{part}"] = "HOSTILE-P"
    ids["{reorder}"] = str(r.json["id"])
    r = api.request("POST", "/api/v1/request-items", token=token, headers=hdr,
                    body=json.dumps({"name": "新账号", "category": "account", "sla": "8h",
                                     "approval": True, "fields": [
                                         {"key": "employee", "label": "员工", "type": "text",
                                          "max_length": 20},
                                         {"key": "start", "label": "入职", "type": "date"},
                                         {"key": "n", "label": "数量", "type": "number"}]}
                                    ).encode())
    need(r.status == 201 and r.json["id"] == 1, "set-up request item: %r" % r)
    ids["{item}"] = str(r.json["id"])
    r = api.request("POST", "/api/v1/requests", token=token, headers=hdr,
                    body=json.dumps({"item": 1, "caller_name": "王芳"}).encode())
    need(r.status == 201, "set-up request: %r" % r)
    ids["{req}"] = r.json["number"]
    r = api.request("POST", "/api/v1/groups", token=token, headers=hdr,
                    body=json.dumps({"name": "巡检组", "members": [USER]}).encode())
    need(r.status == 201, "set-up group: %r" % r)
    r = api.request("POST", "/api/v1/maintenance/plans", token=token, headers=hdr,
                    body=json.dumps({"name": "巡检", "asset": "HOSTILE-1", "every": 1,
                                     "unit": "week", "start": "2026-01-01",
                                     "group": "巡检组", "checklist": [
                                         {"label": "x", "expected": "y"}]}).encode())
    need(r.status == 201 and r.json["tasks_generated"] > 0, "set-up plan: %r" % r)
    ids["{plan}"] = str(r.json["id"])
    r = api.request("GET", "/api/v1/maintenance/tasks?plan=" + ids["{plan}"], token=token)
    need(r.status == 200 and r.json["tasks"], "set-up task: %r" % r)
    ids["{task}"] = str(r.json["tasks"][0]["id"])
    r = api.request("POST", "/api/v1/censuses", token=token, headers=hdr,
                    body=json.dumps({"name": "敌意盘点"}).encode())
    need(r.status == 201, "set-up census: %r" % r)
    ids["{census}"] = str(r.json["id"])
    r = api.request("POST", "/api/v1/complaints", token=token, headers=hdr,
                    body=json.dumps({"summary": "敌意投诉"}).encode())
    need(r.status == 201, "set-up complaint: %r" % r)
    ids["{complaint}"] = str(r.json["id"])
    r = api.request("POST", "/api/v1/surveys", token=token, headers=hdr,
                    body=json.dumps({"name": "敌意调查", "period_from": "2026-03-01",
                                     "period_to": "2026-03-31",
                                     "questions": [{"text": "q"}]}).encode())
    need(r.status == 201, "set-up survey: %r" % r)
    ids["{survey}"] = str(r.json["id"])
    r = api.request("POST", "/api/v1/surveys/%s/recipients" % ids["{survey}"], token=token,
                    headers=hdr, body=json.dumps({"recipients": [{"name": "x"}]}).encode())
    need(r.status == 201, "set-up survey link: %r" % r)
    ids["{survey_token}"] = r.json["links"][0]["token"]
    return ids


def run_tool(args):
    r = subprocess.run(args, capture_output=True, timeout=120 * api.SLOW)
    err = r.stderr.decode("utf-8", "replace")
    for mark in api.SANITIZER_MARKS:
        need(mark not in err, "%r in stderr:\n%s" % (mark, err[-2000:]))
    return r.returncode, err


def file_cases(tmp):
    db = os.path.join(tmp, "files.db")

    def index():
        rc, err = run_tool([os.path.join(api.BIN, "kedb-index"), "--db", db,
                            os.path.join(HOSTILE, "files", "index")])
        need(rc in (0, 1), "kedb-index exit %d: %s" % (rc, err[-800:]))
        need(rc == 1 and ":" in err, "kedb-index reported no bad file: %s" % err[-400:])
    case("kedb-index reads the hostile files: bad ones reported, no crash", index,
         needs_server=False)

    def index_again():
        rc, err = run_tool([os.path.join(api.BIN, "kedb-index"), "--db", db,
                            os.path.join(HOSTILE, "files", "index")])
        need(rc in (0, 1), "second kedb-index exit %d: %s" % (rc, err[-800:]))
    case("kedb-index runs again over the hostile files", index_again, needs_server=False)

    def imports():
        d = os.path.join(HOSTILE, "files", "import")
        bad = []
        for name in sorted(os.listdir(d)):
            args = [os.path.join(api.BIN, "kedb-import"), "--db", db, "--map", MAP,
                    os.path.join(d, name)]
            try:
                rc, err = run_tool(args)
                if rc not in (0, 1, 2):
                    bad.append("%s: exit %d %s" % (name, rc, err[-300:]))
            except (Fail, subprocess.TimeoutExpired) as x:
                bad.append("%s: %s" % (name, x))
        need(not bad, "\n  ".join(bad))
    case("kedb-import reads the hostile exports: exit 0, 1 or 2, no crash", imports,
         needs_server=False)


def main(tmp):
    srv = api.Served(tmp, users=[(USER, ROLES)])
    # the requests are generated (deterministic, over 1 MiB: not checked in)
    generated = os.path.join(tmp, "requests.jsonl")
    subprocess.run(["python3", os.path.join(HOSTILE, "gen.py"), "--requests", generated],
                   check=True, stdout=subprocess.DEVNULL, timeout=300)
    requests = load(generated)
    pending = load(os.path.join(HOSTILE, "pending.jsonl"))

    def size():
        need(len(requests) >= 1000, "only %d requests in the corpus" % len(requests))
        total = os.path.getsize(generated) + sum(
            os.path.getsize(os.path.join(dp, f)) for dp, _, fs in os.walk(HOSTILE) for f in fs
            if f != "requests.jsonl")
        need(total < 2 * 1024 * 1024, "the corpus is %d bytes" % total)
    case("the hostile corpus holds at least 1,000 requests in under 2 MiB", size,
         needs_server=False)
    if not srv.start():
        return 1
    r = api.login(USER, PASSWORD)
    token = r.json["token"] if r.status == 200 else ""
    case("the corpus user logs in", lambda: need(token, "login: %r" % r))
    ids = {}
    case("set-up: an incident, a document request, a caller and an asset",
         lambda: ids.update(setup_ids(token)))
    want = os.environ.get("HOSTILE_PENDING", "")
    run = [e for e in pending if want == "1" or e["pending"] in want.split(",")]
    entries = requests + run
    pending = [e for e in pending if e not in run]
    finish = start_held(entries, token, ids)
    file_cases(tmp)  # meanwhile: the held requests wait for the connection timeout
    replay(entries, token, ids)
    finish()
    alive(token)
    if pending:
        owners = sorted({e["pending"] for e in pending})
        print("test_hostile: %d pending requests skipped (fixes in progress: %s)" %
              (len(pending), ", ".join(owners)))
    srv.stop()


if __name__ == "__main__":
    api.run_main("test_hostile", main, prefix="kedb-hostile-")
