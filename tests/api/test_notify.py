#!/usr/bin/env python3
"""End-to-end tests of notifications (issue 11 section 2) with real local receivers.

An HTTP receiver (http.server in a thread on 127.0.0.1) records every request; some paths
fail the first N times, drop the connection, hang, answer as WeCom and DingTalk do (the
DingTalk path recomputes the HMAC signature). An SMTP receiver (socketserver, enough SMTP
for libcurl) records every message. The server runs with short delivery settings
(--notify-interval-ms 100 --notify-backoff-ms 300 ...) and a fake clock. Shows: each event
reaches the webhook once with its Chinese text; retries with backoff, attempts recorded;
a restart while messages are pending (one send hanging at SIGTERM) delivers each exactly
once; WeCom/DingTalk shapes and signing; an assignment e-mail over SMTP; 75 % and breach of
an SLA told to the group lead (webhook and the lead's own e-mail); templates; bad input;
times in the desk's zone (2026-03-02 18:30, not UTC); review due and a document request
waiting, each once, also across a restart; a template's preview; masked robot keys; the
prune of old delivered and failed rows (never pending ones).
Prints 'test_notify: N passed, N failed'.
"""
import base64
import datetime
import email
import email.header
import hashlib
import hmac
import http.server
import json
import os
import socketserver
import sys
import threading
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as api  # noqa: E402
from harness import call, check_error, need, ok, set_now  # noqa: E402

case = api.case
T0 = 1772438400  # 2026-03-02T08:00:00Z
SECRET = "SECdingtalk-test-secret"
USERS = [("eng1", "engineer"), ("lead1", "engineer"), ("eng2", "engineer"),
         ("appr1", "approver"), ("appr2", "approver")]
ARGS = ["--notify-interval-ms", "100", "--notify-sweep-ms", "200", "--notify-backoff-ms",
        "300", "--notify-attempts", "3", "--notify-timeout", "5", "--followup-after", "3600"]
INCIDENT = {"caller_name": "王芳", "caller_phone": "13800138000", "channel": "phone",
            "category": "printer", "summary": "打印机脱机", "description": "三楼打印机脱机",
            "priority": "P3"}

LOCK = threading.Lock()
REQS = []      # (path, headers dict lower-case, body bytes, time)
MAILS = []     # (mail_from, [rcpt], data bytes)
FAILS = {}     # path -> failures left
HANG = threading.Event()  # set: /hang answers; clear: /hang waits


class Hook(http.server.BaseHTTPRequestHandler):
    def log_message(self, *a):
        pass

    def do_POST(self):
        n = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(n)
        path = urllib.parse.urlsplit(self.path).path
        if path == "/drop":
            with LOCK:
                REQS.append((self.path, {k.lower(): v for k, v in self.headers.items()}, body,
                             time.time()))
            self.close_connection = True
            self.connection.shutdown(2)
            return
        if path == "/hang" and not HANG.is_set():
            HANG.wait(30)
            return
        with LOCK:
            REQS.append((self.path, {k.lower(): v for k, v in self.headers.items()}, body,
                         time.time()))
            left = FAILS.get(path, 0)
            if left:
                FAILS[path] = left - 1
        if left:
            self.send_response(500)
            self.send_header("Content-Length", "4")
            self.end_headers()
            self.wfile.write(b"boom")
            return
        answer = b"{}"
        if path == "/ding":
            q = urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query)
            ts = q.get("timestamp", [""])[0]
            want = base64.b64encode(hmac.new(SECRET.encode(), (ts + "\n" + SECRET).encode(),
                                             hashlib.sha256).digest()).decode()
            good = q.get("sign", [""])[0] == want and abs(int(ts) / 1000 - time.time()) < 3600
            answer = json.dumps({"errcode": 0 if good else 310000,
                                 "errmsg": "ok" if good else "sign not match"}).encode()
        elif path == "/wecom":
            answer = b'{"errcode":0,"errmsg":"ok"}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)


class ThreadedHTTP(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True


class Smtp(socketserver.StreamRequestHandler):
    def reply(self, line):
        self.wfile.write((line + "\r\n").encode())

    def handle(self):
        self.reply("220 localhost test SMTP")
        frm, rcpt = None, []
        while True:
            line = self.rfile.readline()
            if not line:
                return
            cmd = line.decode("utf-8", "replace").strip()
            up = cmd.upper()
            if up.startswith("EHLO") or up.startswith("HELO"):
                self.reply("250 localhost")
            elif up.startswith("MAIL FROM:"):
                frm, rcpt = cmd[10:].strip(), []
                self.reply("250 OK")
            elif up.startswith("RCPT TO:"):
                rcpt.append(cmd[8:].strip().strip("<>"))
                self.reply("250 OK")
            elif up == "DATA":
                self.reply("354 go ahead")
                data = b""
                while True:
                    l = self.rfile.readline()
                    if not l or l in (b".\r\n", b".\n"):
                        break
                    data += l[1:] if l.startswith(b"..") else l
                with LOCK:
                    MAILS.append((frm, rcpt, data))
                self.reply("250 queued")
            elif up == "QUIT":
                self.reply("221 bye")
                return
            elif up in ("RSET", "NOOP"):
                self.reply("250 OK")
            else:
                self.reply("502 not implemented")


class ThreadedTCP(socketserver.ThreadingMixIn, socketserver.TCPServer):
    daemon_threads = True
    allow_reuse_address = True


def reqs(path):
    with LOCK:
        return [r for r in REQS if urllib.parse.urlsplit(r[0]).path == path]


def wait_for(fn, what, timeout=15):
    end = time.time() + timeout * api.SLOW
    while time.time() < end:
        v = fn()
        if v:
            return v
        time.sleep(0.05)
    raise api.Fail("timed out waiting for " + what)


def token_of(name):
    r = api.login(name, api.user_password(name))
    need(r.status == 200, "login %s: %r" % (name, r))
    return r.json["token"]


def outbox(state=None):
    return ok(api.get(api.q("/api/v1/notifications", limit=200, **(
        {"state": state} if state else {}))))["notifications"]


def main(tmp):
    hook = ThreadedHTTP(("127.0.0.1", 0), Hook)
    smtp = ThreadedTCP(("127.0.0.1", 0), Smtp)
    for srv in (hook, smtp):
        threading.Thread(target=srv.serve_forever, daemon=True).start()
    base = "http://127.0.0.1:%d" % hook.server_address[1]
    smtp_port = smtp.server_address[1]
    srv = api.Served(tmp, users=USERS, clock=True, args=ARGS)
    set_now(T0)
    if not srv.start():
        return 1
    st = {}

    def setup():
        ok(call("POST", "/api/v1/groups", {"name": "桌面组", "members": ["eng1", "lead1"],
                                           "lead": "lead1"}), 201)
        ok(call("POST", "/api/v1/groups", {"name": "网络组", "members": ["eng2"],
                                           "lead": "eng2"}), 201)
        c = ok(call("POST", "/api/v1/notification-channels",
                    {"kind": "webhook", "name": "desk hook", "url": base + "/hook",
                     "events": ["assigned", "escalated", "resolved", "reopened",
                                "sla_75", "sla_breach", "followup_due"]}), 201)
        need(c["kind"] == "webhook" and c["secret_set"] is False and c["group"] is None, c)
        st["hook"] = c["id"]
    case("admin creates groups and a webhook channel", setup)

    def lifecycle():
        inc = ok(call("POST", "/api/v1/incidents", dict(INCIDENT, group="桌面组",
                                                        assignee="eng1")), 201)
        num = st["num"] = inc["number"]
        r = wait_for(lambda: reqs("/hook"), "the assigned message")
        path, h, body, _ = r[0]
        j = json.loads(body)
        need(j["event"] == "assigned" and j["object"] == num, j)
        need(j["title"] == "工单已分派：" + num, j["title"])
        need("已分派给 eng1（桌面组）" in j["text"] and "打印机脱机" in j["text"], j["text"])
        need(h["x-kedb-event-id"] == j["id"] and len(j["id"]) == 32, h)
        need(h["content-type"].startswith("application/json"), h)
        ok(call("PATCH", "/api/v1/incidents/" + num, {"group": "网络组",
                                                     "reason": "交换机端口故障"}))
        wait_for(lambda: len(reqs("/hook")) >= 2, "the escalated message")
        j = json.loads(reqs("/hook")[1][2])
        need(j["event"] == "escalated" and "已转至 网络组，组长 eng2" in j["text"] and
             "交换机端口故障" in j["text"], j)
        ok(call("POST", "/api/v1/incidents/%s/resolve" % num, {"resolution": "更换端口"}))
        ok(call("POST", "/api/v1/incidents/%s/reopen" % num, {"reason": "又脱机了"}))
        wait_for(lambda: len(reqs("/hook")) >= 4, "resolved and reopened")
        evs = [json.loads(r[2])["event"] for r in reqs("/hook")]
        need(evs == ["assigned", "escalated", "resolved", "reopened"], evs)
        j = json.loads(reqs("/hook")[3][2])
        need(j["title"] == "工单已重新打开：" + num and "又脱机了" in j["text"], j)
        time.sleep(0.5)
        need(len(reqs("/hook")) == 4, "each event once: %d" % len(reqs("/hook")))
        ids = {r[1]["x-kedb-event-id"] for r in reqs("/hook")}
        need(len(ids) == 4, "four distinct ids")
        rows = outbox("delivered")
        need(len(rows) == 4 and all(r["attempts"] == 1 and r["history"][0]["ok"] and
                                    r["history"][0]["code"] == 200 for r in rows), rows)
    case("assigned, escalated, resolved, reopened each reach the webhook once, in Chinese",
         lifecycle)

    def rollback():
        before = len(outbox())
        r = call("PATCH", "/api/v1/incidents/" + st["num"], {"assignee": "nobody-xyz"})
        need(r.status == 400, r)
        r = call("PATCH", "/api/v1/incidents/" + st["num"], {"group": "桌面组"})
        need(r.status == 400, "escalation without a reason: %r" % r)
        need(len(outbox()) == before, "a failed change wrote notifications")
    case("a change that fails writes no notification", rollback)

    def retries():
        FAILS["/flaky"] = 2
        c = ok(call("POST", "/api/v1/notification-channels",
                    {"kind": "webhook", "name": "flaky", "url": base + "/flaky",
                     "events": ["assigned"]}), 201)
        st["flaky"] = c["id"]
        ok(call("POST", "/api/v1/incidents", dict(INCIDENT, assignee="eng1")), 201)
        wait_for(lambda: [r for r in outbox("delivered") if r["channel"] == c["id"]],
                 "the flaky delivery")
        row = [r for r in outbox() if r["channel"] == c["id"]][0]
        hist = row["history"]
        need(row["attempts"] == 3 and [x["ok"] for x in hist] == [False, False, True], row)
        need(hist[0]["code"] == 500 and "boom" in hist[0]["error"], hist)
        gaps = [hist[i + 1]["at_ms"] - hist[i]["at_ms"] for i in range(2)]
        need(gaps[0] >= 300 and gaps[1] >= 600, "backoff 300 ms then 600 ms: %r" % gaps)
        got = reqs("/flaky")
        need(len(got) == 3 and len({r[1]["x-kedb-event-id"] for r in got}) == 1,
             "three tries with one id")
        ok(call("PATCH", "/api/v1/notification-channels/%d" % c["id"], {"enabled": False}))
    case("a receiver failing twice: retried with backoff, attempts recorded, delivered",
         retries)

    def gives_up():
        c = ok(call("POST", "/api/v1/notification-channels",
                    {"kind": "webhook", "name": "dropper", "url": base + "/drop",
                     "events": ["assigned"]}), 201)
        ok(call("POST", "/api/v1/incidents", dict(INCIDENT, assignee="eng1")), 201)
        row = wait_for(lambda: [r for r in outbox("failed") if r["channel"] == c["id"]],
                       "the failed message")[0]
        need(row["attempts"] == 3 and len(row["history"]) == 3 and
             all(not x["ok"] and x["error"] for x in row["history"]), row)
        need(len(reqs("/drop")) == 3, "three tries")
        ok(call("DELETE", "/api/v1/notification-channels/%d" % c["id"]))
    case("a receiver that drops the connection: 3 attempts, then failed", gives_up)

    def robots():
        ok(call("PATCH", "/api/v1/notification-channels/%d" % st["hook"], {"enabled": False}))
        ding = ok(call("POST", "/api/v1/notification-channels",
                       {"kind": "dingtalk", "name": "钉钉群", "url": base + "/ding?access_token=t1",
                        "secret": SECRET, "events": ["assigned"]}), 201)
        need(ding["secret_set"] is True and "secret" not in ding, ding)
        ok(call("POST", "/api/v1/notification-channels",
                {"kind": "wecom", "name": "企业微信群", "url": base + "/wecom?key=k1",
                 "events": ["assigned"]}), 201)
        inc = ok(call("POST", "/api/v1/incidents", dict(INCIDENT, assignee="eng1")), 201)
        wait_for(lambda: reqs("/ding") and reqs("/wecom"), "both robots")
        for p in ("/ding", "/wecom"):
            j = json.loads(reqs(p)[0][2])
            need(set(j) == {"msgtype", "text"} and j["msgtype"] == "text" and
                 set(j["text"]) == {"content"}, j)
            need(j["text"]["content"].startswith("工单已分派：" + inc["number"] + "\n"), j)
        q = urllib.parse.parse_qs(urllib.parse.urlsplit(reqs("/ding")[0][0]).query)
        need(q["access_token"] == ["t1"] and q["timestamp"] and q["sign"], q)
        row = wait_for(lambda: [r for r in outbox("delivered") if r["channel"] == ding["id"]],
                       "the DingTalk message recorded as delivered (the signature held)")
        need(row[0]["attempts"] == 1, row)
        listed = ok(api.get("/api/v1/notification-channels"))
        need(SECRET not in json.dumps(listed), "the secret is listed")
        audit = api.get(api.q("/api/v1/audit", limit=100))
        need(SECRET not in audit.text, "the secret is in the audit trail")
        need(SECRET not in srv.log(), "the secret is in the log")
        for c in listed["channels"]:
            if c["kind"] in ("dingtalk", "wecom"):
                ok(call("PATCH", "/api/v1/notification-channels/%d" % c["id"],
                        {"enabled": False}))
    case("DingTalk (signed, checked by the receiver) and WeCom robots get their JSON shapes",
         robots)

    def mail():
        c = ok(call("POST", "/api/v1/notification-channels",
                    {"kind": "email", "name": "desk mail", "host": "127.0.0.1",
                     "port": smtp_port, "starttls": "none", "from": "kedb@example.com",
                     "to": ["ops@example.com", "desk@example.com"],
                     "events": ["assigned"]}), 201)
        need(c["password_set"] is False and c["to"] == ["ops@example.com", "desk@example.com"], c)
        st["mail"] = c["id"]
        inc = ok(call("POST", "/api/v1/incidents", dict(INCIDENT, assignee="eng1")), 201)
        m = wait_for(lambda: MAILS, "the e-mail")
        frm, rcpt, data = m[0]
        need(frm == "<kedb@example.com>" and rcpt == ["ops@example.com", "desk@example.com"],
             (frm, rcpt))
        msg = email.message_from_bytes(data)
        subj = str(email.header.make_header(email.header.decode_header(msg["Subject"])))
        need(subj == "工单已分派：" + inc["number"], subj)
        text = msg.get_payload(decode=True).decode("utf-8")
        need("已分派给 eng1" in text, text)
        # the receiver holds the message before kedb has read its 250 and recorded it
        row = wait_for(lambda: [r for r in outbox() if r["channel"] == c["id"] and
                                r["state"] != "pending"], "the delivery recorded")[0]
        need(msg["Message-ID"] == "<%s@kedb>" % row["uid"], msg["Message-ID"])
        need(row["state"] == "delivered" and row["history"][0]["code"] == 250, row)
    case("an assignment e-mail over SMTP (Message-ID is the stable id)", mail)

    def sla():
        ok(call("PATCH", "/api/v1/notification-channels/%d" % st["hook"], {"enabled": True}))
        ok(call("PATCH", "/api/v1/notification-channels/%d" % st["mail"],
                {"events": ["test"]}))
        tok = token_of("lead1")
        r = call("PUT", "/api/v1/me/notifications", {"email": "lead1@example.com",
                                                     "events": ["sla_75", "sla_breach"]},
                 token=tok)
        need(ok(r) == {"email": "lead1@example.com", "events": ["sla_75", "sla_breach"]}, r)
        need(ok(call("GET", "/api/v1/me/notifications", token=tok))["email"] ==
             "lead1@example.com", "me")
        with LOCK:
            del MAILS[:]
        n0 = len(reqs("/hook"))
        set_now(T0 + 3600)
        inc = ok(call("POST", "/api/v1/incidents", dict(INCIDENT, group="桌面组",
                                                        priority="P1")), 201)
        num = inc["number"]
        set_now(T0 + 3600 + 12 * 60)  # 12 of the 15 response minutes used
        wait_for(lambda: [r for r in reqs("/hook")[n0:] if json.loads(r[2])["event"] ==
                          "sla_75"], "the 75 % message")
        time.sleep(0.6)  # more sweeps: still once
        got = [json.loads(r[2]) for r in reqs("/hook")[n0:]]
        need([g["event"] for g in got] == ["sla_75"], got)
        need("响应时限已用去 75%" in got[0]["text"] and "组长 lead1" in got[0]["text"] and
             got[0]["object"] == num, got[0])
        m = wait_for(lambda: MAILS, "the lead's own e-mail")
        need(m[0][1] == ["lead1@example.com"], m[0][1])
        set_now(T0 + 3600 + 16 * 60)
        wait_for(lambda: len(reqs("/hook")) >= n0 + 2, "the breach message")
        time.sleep(0.6)
        got = [json.loads(r[2]) for r in reqs("/hook")[n0:]]
        need([g["event"] for g in got] == ["sla_75", "sla_breach"], [g["event"] for g in got])
        need("响应已超时" in got[1]["text"] and "lead1" in got[1]["text"], got[1])
        wait_for(lambda: len(MAILS) >= 2, "the lead's breach e-mail")
        ok(call("PATCH", "/api/v1/incidents/" + num, {"status": "in_progress"}))
        st["sla_num"] = num
    case("75 % and breach of the response target: the group lead is told once each "
         "(webhook and own e-mail)", sla)

    def followup():
        n0 = len(reqs("/hook"))
        ok(call("POST", "/api/v1/incidents/%s/resolve" % st["sla_num"], {"resolution": "好了"}))
        wait_for(lambda: len(reqs("/hook")) > n0, "resolved")
        set_now(T0 + 3600 + 16 * 60 + 3601)
        wait_for(lambda: [r for r in reqs("/hook")[n0:] if json.loads(r[2])["event"] ==
                          "followup_due"], "follow-up due")
        time.sleep(0.5)
        evs = [json.loads(r[2])["event"] for r in reqs("/hook")[n0:]]
        need(evs.count("followup_due") == 1, evs)
    case("a resolved incident not followed up within --followup-after: followup_due once",
         followup)

    def templates():
        r = call("PUT", "/api/v1/notification-templates",
                 {"event": "assigned", "title": "派单 {number}", "body": "{assignee} 请处理 {summary} {{原样}}"})
        t = [x for x in ok(r)["templates"] if x["event"] == "assigned"][0]
        need(t["custom"] is True and t["title"] == "派单 {number}", t)
        n0 = len(reqs("/hook"))
        inc = ok(call("POST", "/api/v1/incidents", dict(INCIDENT, assignee="eng1")), 201)
        wait_for(lambda: len(reqs("/hook")) > n0, "templated message")
        j = json.loads(reqs("/hook")[n0][2])
        need(j["title"] == "派单 " + inc["number"] and j["text"] == "eng1 请处理 打印机脱机 {原样}",
             j)
        r = ok(call("PUT", "/api/v1/notification-templates", {"event": "assigned",
                                                              "reset": True}))
        t = [x for x in r["templates"] if x["event"] == "assigned"][0]
        need(t["custom"] is False and t["title"] == "工单已分派：{number}", t)
        for body in [{"event": "assigned", "title": "x {nope}", "body": "b"},
                     {"event": "assigned", "title": "x", "body": "{number"},
                     {"event": "assigned", "title": "x", "body": "a } b"},
                     {"event": "assigned", "title": "x", "body": "b" * 2001},
                     {"event": "assigned", "title": "x\ny", "body": "b"},
                     {"event": "nope", "title": "x", "body": "b"},
                     {"event": "assigned", "title": "x"},
                     {"event": "assigned", "reset": True, "title": "x", "body": "y"},
                     {"event": "assigned", "title": 5, "body": "y"},
                     {"event": "assigned", "title": "x", "body": "y", "extra": 1}]:
            check_error(call("PUT", "/api/v1/notification-templates", body), 400, "invalid")
    case("templates: an admin's template is used, reset restores the default; bad ones 400",
         templates)

    def test_message():
        r = ok(call("POST", "/api/v1/notification-channels/%d/test" % st["hook"]), 202)
        wait_for(lambda: [x for x in reqs("/hook") if json.loads(x[2])["event"] == "test"],
                 "the test message")
        check_error(call("POST", "/api/v1/notification-channels/999999/test"), 404, "not_found")
        need(r["state"] == "pending", r)
    case("POST .../test sends a test message", test_message)

    def hostile():
        good = {"kind": "webhook", "name": "h", "url": base + "/x", "events": ["assigned"]}
        bad = [
            dict(good, url="ftp://127.0.0.1/x"), dict(good, url="javascript:alert(1)"),
            dict(good, url="file:///etc/passwd"), dict(good, url="http://"),
            dict(good, url="http://a b/"), dict(good, url="http://u:p@127.0.0.1/"),
            dict(good, url="http://127.0.0.1/" + "a" * 1000), dict(good, url=""),
            dict(good, url="gopher://127.0.0.1:25/"), dict(good, url="http://127.0.0.1/\r\nX: y"),
            dict(good, kind="sms"), dict(good, kind=None), dict(good, events=[]),
            dict(good, events=["nope"]), dict(good, events=["assigned"] * 21),
            dict(good, events="assigned"), dict(good, name=""), dict(good, name="n" * 65),
            dict(good, name=" lead"), dict(good, secret="s"), dict(good, group="no-such"),
            dict(good, host="127.0.0.1"), dict(good, extra=1), dict(good, enabled="yes"),
            {"kind": "email", "name": "m", "host": "127.0.0.1", "from": "a@b",
             "events": ["assigned"]},
            {"kind": "email", "name": "m", "host": "127.0.0.1", "from": "a@b", "to": ["x"],
             "events": ["assigned"]},
            {"kind": "email", "name": "m", "host": "127.0.0.1", "from": "a@b",
             "to": ["a@b"] * 21, "events": ["assigned"]},
            {"kind": "email", "name": "m", "host": "127.0.0.1", "port": 0, "from": "a@b",
             "to": ["a@b"], "events": ["assigned"]},
            {"kind": "email", "name": "m", "host": "a/b", "from": "a@b", "to": ["a@b"],
             "events": ["assigned"]},
            {"kind": "email", "name": "m", "host": "h", "from": "a@b", "to": ["a@b"],
             "starttls": "maybe", "events": ["assigned"]},
            {"kind": "email", "name": "m", "host": "h", "from": "a@b\r\nBcc: c@d",
             "to": ["a@b"], "events": ["assigned"]},
            {"kind": "email", "name": "m", "host": "h", "from": "a@b", "to": ["a@b"],
             "password": "p", "events": ["assigned"]},
            {"kind": "email", "name": "m", "host": "h", "from": "a@b", "to": ["a@b"],
             "url": base, "events": ["assigned"]},
        ]
        for b in bad:
            r = call("POST", "/api/v1/notification-channels", b)
            need(r.status == 400, "%r: %r" % (b, r))
        r = call("POST", "/api/v1/notification-channels", raw=b"{not json")
        need(r.status == 400, r)
        check_error(call("POST", "/api/v1/notification-channels", dict(good, name="desk hook")),
                    409, "exists")
        check_error(call("PATCH", "/api/v1/notification-channels/%d" % st["hook"],
                         {"kind": "wecom"}), 400, "invalid")
        check_error(call("PATCH", "/api/v1/notification-channels/%d" % st["hook"],
                         {"url": "ftp://x/"}), 400, "invalid")
        check_error(call("PATCH", "/api/v1/notification-channels/999999", {"enabled": True}),
                    404, "not_found")
        check_error(call("DELETE", "/api/v1/notification-channels/999999"), 404, "not_found")
        check_error(call("DELETE", "/api/v1/notification-channels/abc"), 400, "invalid")
        for target in ["/api/v1/notifications?state=bogus", "/api/v1/notifications?limit=0",
                       "/api/v1/notifications?limit=201", "/api/v1/notifications?limit=x"]:
            check_error(api.get(target), 400, "invalid")
        for body in [{"email": "not-an-address"}, {"email": "a@b", "events": ["nope"]},
                     {"email": "a@b", "events": ["test"]}, {"email": 5}, {"x": 1},
                     {"email": "a@b" + "c" * 300}]:
            check_error(call("PUT", "/api/v1/me/notifications", body), 400, "invalid")
    case("bad input: clear 400s (schemes, hosts, lengths, counts, addresses), 404, 409",
         hostile)

    def restart():
        # every channel off but a hanging one and the webhook: the hanging send is cut by
        # SIGTERM, everything behind it stays pending and goes out once after the restart
        for c in ok(api.get("/api/v1/notification-channels"))["channels"]:
            ok(call("PATCH", "/api/v1/notification-channels/%d" % c["id"], {"enabled": False}))
        HANG.clear()
        hang = ok(call("POST", "/api/v1/notification-channels",
                       {"kind": "webhook", "name": "hang", "url": base + "/hang",
                        "events": ["assigned"]}), 201)
        ok(call("PATCH", "/api/v1/notification-channels/%d" % st["hook"], {"enabled": True}))
        with LOCK:
            del REQS[:]
        nums = [ok(call("POST", "/api/v1/incidents", dict(INCIDENT, assignee="eng1")),
                   201)["number"] for _ in range(3)]
        time.sleep(0.5)  # the thread is now stuck in the first /hang send
        pending = len(outbox("pending"))
        need(pending >= 5, "pending %d" % pending)
        t = time.time()
        rc = srv.halt()
        need(rc == 0 and time.time() - t < 5 * api.SLOW, "stop took %.1f s (rc %r)" %
             (time.time() - t, rc))
        srv.check_log()
        HANG.set()
        need(srv.serve(add_users=False, record=False), "restart")
        wait_for(lambda: len(reqs("/hang")) >= 3 and len(reqs("/hook")) >= 3,
                 "delivery after the restart")
        time.sleep(1)
        for p in ("/hang", "/hook"):
            got = [json.loads(r[2])["object"] for r in reqs(p)]
            need(sorted(got) == sorted(nums), "%s got %r, want each of %r once" % (p, got, nums))
        need(not outbox("pending"), "still pending")
        del hang
    case("SIGTERM while a send hangs stops promptly; after a restart each pending message "
         "arrives exactly once", restart)

    more_cases(srv, st, base)
    srv.stop()
    hook.shutdown()
    smtp.shutdown()
    return 0


def hook_events(event, since=0):
    return [json.loads(r[2]) for r in reqs("/hook")[since:]
            if json.loads(r[2])["event"] == event]


def ke_source(title, extra):
    return ("---\ntype: known_error\ntitle: %s\n%s---\n## 症状\n%s 无法连接\n\n"
            "## 临时解决方案\n重启服务\n" % (title, extra, title))


def more_cases(srv, st, base):
    """After the restart case: every channel is off but the webhook (all incident events)
    and "hang" (assigned; answering now)."""
    tok = {}

    def local_time():
        ok(call("PUT", "/api/v1/settings/time-zone", {"time_zone": "Asia/Shanghai"}))
        ok(call("PATCH", "/api/v1/notification-channels/%d" % st["hook"],
                {"events": ["assigned", "sla_75", "sla_breach", "review_due",
                            "docreq_waiting", "test"]}))
        n0 = len(reqs("/hook"))
        inc = ok(call("POST", "/api/v1/incidents", dict(INCIDENT, assignee="eng1")), 201)
        due = datetime.datetime.strptime(inc["sla"]["resolve_due"], "%Y-%m-%dT%H:%M:%SZ")
        want = (due + datetime.timedelta(hours=8)).strftime("%Y-%m-%d %H:%M")
        j = wait_for(lambda: hook_events("assigned", n0), "the assigned message")[0]
        need("解决期限：" + want in j["text"], "want %s (Beijing time) in %r" % (want, j["text"]))
        need("Z" not in j["text"].split("解决期限：")[1], j["text"])
    case("{due} is the desk's local time (Asia/Shanghai) as 2026-03-02 18:30, not UTC",
         local_time)

    def review_due():
        for name in ("eng1", "appr1", "appr2"):
            tok[name] = token_of(name)
        ok(call("PATCH", "/api/v1/notification-channels/%d" % st["mail"], {"enabled": True}))
        ok(call("PUT", "/api/v1/me/notifications", {"email": "eng1@example.com",
                                                     "events": ["review_due"]},
                token=tok["eng1"]))
        ok(call("PUT", "/api/v1/me/notifications", {"email": "appr1@example.com",
                                                     "events": ["docreq_waiting"]},
                token=tok["appr1"]))
        with LOCK:
            del MAILS[:]
        n0 = len(reqs("/hook"))
        st["hook_n0"] = n0
        ids = []
        for title, day in (("复审今天", "2026-03-02"), ("复审三天后", "2026-03-05")):
            j = ok(call("POST", "/api/v1/kb", {"source": ke_source(
                title, "next_review: %s\nowner: eng1\n" % day), "submit": True},
                token=tok["eng1"]), 201)
            ok(call("POST", "/api/v1/reviews/%s/approve" % j["id"], {}, token=tok["appr1"]))
            ids.append(j["id"])
        st["reviews"] = ids
        got = wait_for(lambda: hook_events("review_due", n0), "review due")
        time.sleep(0.8)  # several sweeps: still once, and not the one due in three days
        got = hook_events("review_due", n0)
        need([g["object"] for g in got] == [ids[0]], got)
        need(got[0]["title"] == "复审到期：" + ids[0] and "2026-03-02" in got[0]["text"] and
             "复审今天" in got[0]["text"] and "负责人 eng1" in got[0]["text"], got[0])
        m = wait_for(lambda: MAILS, "the owner's e-mail")
        need(len(MAILS) == 1 and m[0][1] == ["eng1@example.com"], MAILS)
    case("review due: the webhook and the item's owner are told once, on the review date",
         review_due)

    def docreq():
        with LOCK:
            del MAILS[:]
        n0 = len(reqs("/hook"))
        j = ok(call("POST", "/api/v1/document-requests",
                    {"kind": "borrow", "doc_no": "YW-SC-001", "reason": "内审抽查",
                     "due": "2026-03-10"}, token=tok["eng1"]), 201)
        st["docreq"] = j["id"]
        got = wait_for(lambda: hook_events("docreq_waiting", n0), "docreq waiting")
        m = wait_for(lambda: MAILS, "the approver's e-mail")
        time.sleep(0.6)
        got = hook_events("docreq_waiting", n0)
        need(len(got) == 1 and got[0]["object"] == j["id"], got)
        need(got[0]["title"] == "文档申请待审批：" + j["id"] and "eng1 提交了文档借阅申请" in
             got[0]["text"] and "YW-SC-001《运维服务管理手册》" in got[0]["text"] and
             "内审抽查" in got[0]["text"], got[0])
        need(len(MAILS) == 1 and m[0][1] == ["appr1@example.com"], MAILS)
        bad = call("POST", "/api/v1/document-requests", {"kind": "borrow", "doc_no": "NO-SUCH-1",
                                                          "reason": "x", "due": "2026-03-10"},
                   token=tok["eng1"])
        need(bad.status in (400, 404, 409), bad)
        time.sleep(0.4)
        need(len(hook_events("docreq_waiting", n0)) == 1, "a refused request told")
    case("a document request waiting for an approver: the webhook and approvers who chose "
         "it are told once, the requester not", docreq)

    def preview():
        r = ok(call("POST", "/api/v1/notification-templates/preview",
                    {"event": "review_due", "title": "复审 {number}",
                     "body": "{summary} 于 {due} 到期 {{x}}"}))
        need(r == {"event": "review_due", "title": "复审 KE-1001",
                   "body": "打印机卡纸 于 2026-12-03 到期 {x}"}, r)
        for body in [{"event": "nope", "title": "x", "body": "y"},
                     {"event": "assigned", "title": "x {nope}", "body": "y"},
                     {"event": "assigned", "title": "x"}, {"title": "x", "body": "y"},
                     {"event": "assigned", "title": "a\nb", "body": "y"},
                     {"event": "assigned", "title": "x", "body": "y", "reset": True},
                     {"event": "assigned", "title": "x", "body": "}"}]:
            check_error(call("POST", "/api/v1/notification-templates/preview", body), 400,
                        "invalid")
        check_error(call("POST", "/api/v1/notification-templates/preview", raw=b"[1"), 400,
                    "parse_error")
        ding = ok(call("POST", "/api/v1/notification-channels",
                       {"kind": "wecom", "name": "masked", "enabled": False,
                        "url": base + "/wecom?key=SECRET-KEY-1&x=1", "events": ["test"]}), 201)
        need(ding["url"] == base + "/wecom?key=****&x=****", ding)
        listed = json.dumps(ok(api.get("/api/v1/notification-channels")))
        need("SECRET-KEY-1" not in listed, "the robot key is listed")
        need("SECRET-KEY-1" not in api.get(api.q("/api/v1/audit", limit=100)).text,
             "the robot key is audited")
        # a PATCH without url, or with the masked one read back, keeps the stored one
        ok(call("PATCH", "/api/v1/notification-channels/%d" % ding["id"], {"name": "masked2"}))
        ok(call("PATCH", "/api/v1/notification-channels/%d" % ding["id"],
                {"url": ding["url"], "enabled": True}))
        ok(call("POST", "/api/v1/notification-channels/%d/test" % ding["id"]), 202)
        wait_for(lambda: [r for r in reqs("/wecom") if "SECRET-KEY-1" in r[0]],
                 "the test message at the stored URL (the key kept)")
        ok(call("PATCH", "/api/v1/notification-channels/%d" % ding["id"], {"enabled": False}))
        ok(call("DELETE", "/api/v1/notification-channels/%d" % ding["id"]))
    case("a template's preview with example values; bad previews 400; robot keys masked",
         preview)

    def bad_routes():
        for target in ["/api/v1/notifications?channel=0", "/api/v1/notifications?channel=x",
                       "/api/v1/notifications?channel=1000000001"]:
            check_error(api.get(target), 400, "invalid")
        j = ok(api.get(api.q("/api/v1/notifications", channel=st["hook"], limit=200)))
        need(j["notifications"] and all(r["channel"] == st["hook"]
                                        for r in j["notifications"]), "channel filter")
        need(ok(api.get("/api/v1/settings/notification-retention")) == {"days": 90}, "default")
        for body in [{"days": 0}, {"days": 3651}, {"days": "7"}, {"days": 1.5}, {},
                     {"days": 7, "x": 1}, {"days": None}]:
            check_error(call("PUT", "/api/v1/settings/notification-retention", body), 400,
                        "invalid")
        check_error(call("PUT", "/api/v1/settings/notification-retention", raw=b"{"), 400,
                    "parse_error")
    case("bad input: the channel filter and the retention setting", bad_routes)

    def restart_once():
        n0 = st["hook_n0"]
        with LOCK:
            del MAILS[:]
        rc = srv.halt()
        need(rc == 0, "stop rc %r" % rc)
        srv.check_log()
        # from here on a failed send waits ten minutes: a pending row stays pending
        srv.args = list(ARGS) + ["--notify-backoff-ms", "600000"]
        need(srv.serve(add_users=False, record=False), "restart")
        time.sleep(1.2)  # several sweeps
        need([g["object"] for g in hook_events("review_due", n0)] == [st["reviews"][0]],
             hook_events("review_due", n0))
        need(len(hook_events("docreq_waiting", n0)) == 1, "docreq told again")
        need(not MAILS, "an e-mail again after the restart: %r" % MAILS)
    case("after a restart neither review due nor the request is told again", restart_once)

    def pruning():
        FAILS["/stuck"] = 10 ** 6
        c = ok(call("POST", "/api/v1/notification-channels",
                    {"kind": "webhook", "name": "stuck", "url": base + "/stuck",
                     "events": ["test"]}), 201)
        mid = ok(call("POST", "/api/v1/notification-channels/%d/test" % c["id"]), 202)
        mid = mid["notification"]
        wait_for(lambda: [r for r in outbox("pending") if r["id"] == mid and r["attempts"] == 1],
                 "the stuck message tried once")
        old = outbox()
        need(any(r["state"] == "delivered" for r in old) and
             any(r["state"] == "failed" for r in old), "finished rows before the prune")
        ok(call("PUT", "/api/v1/settings/notification-retention", {"days": 2}))
        time.sleep(0.5)
        need(len(outbox()) >= len(old), "pruned before they were old")
        n0 = len(reqs("/hook"))
        set_now(T0 + 4 * 86400)  # 2026-03-06: old rows are older than two days
        wait_for(lambda: not [r for r in outbox() if r["state"] != "pending" and
                              r["id"] <= max(x["id"] for x in old)], "the prune")
        left = {r["id"]: r for r in outbox()}
        need(mid in left and left[mid]["state"] == "pending" and
             len(left[mid]["history"]) == 1, "the pending row was pruned: %r" % left.get(mid))
        need(all(r["state"] == "pending" for r in old if r["id"] in left), "finished kept")
        # the second item's review date (2026-03-05) has come now: told once, the first
        # one not again (its marks outlive the pruned messages)
        got = wait_for(lambda: hook_events("review_due", n0), "the second review")
        time.sleep(0.6)
        got = hook_events("review_due", n0)
        need([g["object"] for g in got] == [st["reviews"][1]], got)
        need("kept 2 days" in api.get(api.q("/api/v1/audit", limit=100)).text,
             "the setting is audited")
    case("prune: delivered and failed rows older than the setting go with their attempts, "
         "a pending row stays; newer rows stay", pruning)


if __name__ == "__main__":
    api.run_main("test_notify", main)
