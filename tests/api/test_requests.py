#!/usr/bin/env python3
"""End-to-end tests of service requests (python3 standard library only).

Starts $KEDB_BIN/kedb-server over tests/data with a fake clock and users of each role, and
drives the catalogue (/api/v1/request-items: create with a form, change, list, bad input)
and requests (/api/v1/requests): a request checked against its item's form, the approval
(four-eyes: never the requester), fulfilment by the engineers of the item's group only,
the fulfilment clock standing still while awaiting approval, a loan past its return date,
the notifications written with each change, lists with their filters, the report's own
section, and hostile bodies on every route (never a 500). Also `kedb-admin request-items
import` of the demo catalogue. Ends with "test_requests: N passed, N failed".
"""
import json
import os
import sys
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as api  # noqa: E402

from harness import admin, call, check_error, need, ok, set_now  # noqa: E402

case = api.case
T0 = 1772442000  # 2026-03-02T09:00:00Z, a Monday
HOUR = 3600
DAY = 86400
USERS = [("agent1", "agent"), ("agent2", "agent"), ("eng1", "engineer"), ("eng2", "engineer"),
         ("appr1", "approver"), ("appr_agent", "agent,approver"), ("aud1", "auditor")]
TOK = {}
STATE = {}

ACCOUNT = {
    "name": "新账号", "description": "为新员工开通域账号", "category": "account",
    "sla": "8h", "hours": "24x7", "approval": True, "group": "桌面组",
    "fields": [
        {"key": "employee", "label": "员工姓名", "type": "text", "required": True,
         "max_length": 20},
        {"key": "start_date", "label": "入职日期", "type": "date", "required": True},
        {"key": "seats", "label": "数量", "type": "number"},
        {"key": "mailbox", "label": "需要邮箱", "type": "bool"},
        {"key": "level", "label": "权限", "type": "choice", "choices": ["只读", "读写"]},
        {"key": "manager", "label": "主管", "type": "user"},
    ],
}
LOAN = {"name": "借用笔记本", "category": "loan", "sla": "1d", "loan": True,
        "fields": [{"key": "purpose", "label": "用途", "type": "text", "required": True}]}


def move_clock(t):
    """Sets the clock; sessions last 12 hours, so everyone logs in again."""
    set_now(t)
    for name, _ in USERS:
        TOK[name] = api.login(name, api.user_password(name)).json["token"]
    api.default_token(fresh=True)


def as_(user, method, target, body=None):
    return call(method, target, body, token=TOK[user])


def rpath(number, action=None):
    p = "/api/v1/requests/" + urllib.parse.quote(number)
    return p + "/" + action if action else p


def wait_for(fn, timeout=15):
    end = time.time() + timeout * api.SLOW
    while time.time() < end:
        if fn():
            return True
        time.sleep(0.05)
    return False


def outbox(event):
    j = ok(call("GET", "/api/v1/notifications?limit=200"))
    return [m for m in j["notifications"] if m["event"] == event]


def setup_cases():
    def logins():
        for name, _ in USERS:
            r = api.login(name, api.user_password(name))
            need(r.status == 200, "%s login %r" % (name, r))
            TOK[name] = r.json["token"]
        ok(call("POST", "/api/v1/groups", {"name": "桌面组", "members": ["eng1"]}), 201)
        ok(call("POST", "/api/v1/notification-channels", {
            "name": "hook", "kind": "webhook", "url": "http://127.0.0.1:9/hook",
            "events": ["request_assigned", "request_approval", "request_approved",
                       "request_rejected", "request_fulfilled", "loan_overdue"]}), 201)
    case("users of each role log in; a group and a channel of the request events", logins)


def catalogue_cases():
    def create():
        j = ok(call("POST", "/api/v1/request-items", ACCOUNT), 201)
        need(j["name"] == "新账号" and j["approval"] is True and j["group"] == "桌面组", j)
        need([f["key"] for f in j["fields"]] == ["employee", "start_date", "seats", "mailbox",
                                                  "level", "manager"], j["fields"])
        need(j["fields"][0]["max_length"] == 20 and j["fields"][1]["max_length"] is None, j)
        need(j["fields"][4]["choices"] == ["只读", "读写"], j)
        STATE["account"] = j["id"]
        j = ok(call("POST", "/api/v1/request-items", LOAN), 201)
        need(j["loan"] is True and j["approval"] is False and j["hours"] == "24x7", j)
        STATE["loan"] = j["id"]
        check_error(call("POST", "/api/v1/request-items", ACCOUNT), 409, "exists")
        lst = ok(call("GET", "/api/v1/request-items"))["items"]
        need([i["name"] for i in lst] == ["借用笔记本", "新账号"], lst)
        one = ok(call("GET", "/api/v1/request-items/%d" % STATE["account"]))
        need(one["id"] == STATE["account"], one)
        check_error(call("GET", "/api/v1/request-items/999"), 404, "not_found")
        check_error(call("GET", "/api/v1/request-items/abc"), 400, "invalid")
    case("POST/GET /api/v1/request-items: an item with its form, unique names", create)

    def change():
        i = STATE["account"]
        j = ok(call("PATCH", "/api/v1/request-items/%d" % i, {"description": "开通账号"}))
        need(j["description"] == "开通账号" and len(j["fields"]) == 6, j)
        check_error(call("PATCH", "/api/v1/request-items/%d" % i, {}), 400, "invalid")
        check_error(call("PATCH", "/api/v1/request-items/999", {"active": False}), 404,
                    "not_found")
        tmp = ok(call("POST", "/api/v1/request-items", {"name": "旧项目", "category": "other",
                                                         "sla": "1h"}), 201)
        ok(call("PATCH", "/api/v1/request-items/%d" % tmp["id"], {"active": False}))
        act = ok(call("GET", "/api/v1/request-items?active=1"))["items"]
        need("旧项目" not in [x["name"] for x in act], act)
        check_error(call("POST", "/api/v1/requests", {"item": tmp["id"], "caller_name": "x"}),
                    400, "invalid")
        check_error(as_("agent1", "POST", "/api/v1/request-items", LOAN), 403, "forbidden")
        r = call("GET", api.q("/api/v1/audit", object="request_item:%d" % i))
        acts = [e["action"] for e in r.json["entries"]]
        need("request_item.create" in acts and "request_item.update" in acts, acts)
    case("PATCH /api/v1/request-items: changes, inactive items are not offered, admins only",
         change)

    def bad_items():
        base = {"name": "x", "category": "other", "sla": "1h"}
        bad = [
            {"name": ""}, {"name": "a" * 101}, {"name": " x"}, {"category": "toys"},
            {"sla": "8x"}, {"sla": "0h"}, {"sla": "400d"}, {"sla": 8}, {"hours": "weekdays"},
            {"approval": "yes"}, {"loan": 1}, {"approver": "nobody"}, {"approver": "agent1"},
            {"group": "无此组"}, {"fields": {}}, {"fields": [1]}, {"fields": [{}]},
            {"fields": [{"key": "A", "label": "x", "type": "text"}]},
            {"fields": [{"key": "a", "label": "", "type": "text"}]},
            {"fields": [{"key": "a", "label": "x", "type": "colour"}]},
            {"fields": [{"key": "a", "label": "x", "type": "choice"}]},
            {"fields": [{"key": "a", "label": "x", "type": "choice", "choices": ["1", "1"]}]},
            {"fields": [{"key": "a", "label": "x", "type": "text", "choices": ["1"]}]},
            {"fields": [{"key": "a", "label": "x", "type": "text", "max_length": 0}]},
            {"fields": [{"key": "a", "label": "x", "type": "text", "max_length": 99999}]},
            {"fields": [{"key": "a", "label": "x", "type": "number", "max_length": 5}]},
            {"fields": [{"key": "a", "label": "x", "type": "text", "extra": 1}]},
            {"fields": [{"key": "a", "label": "x", "type": "text"}] * 2},
            {"fields": [{"key": "k%d" % i, "label": "x", "type": "text"} for i in range(31)]},
            {"fields": [{"key": "a", "label": "x", "type": "choice",
                         "choices": [str(i) for i in range(51)]}]},
            {"unknown": 1},
        ]
        for b in bad:
            r = call("POST", "/api/v1/request-items", dict(base, **b))
            need(r.status == 400, "%r: %r" % (b, r))
        for raw in (b"", b"[]", b"{", b"null", b'{"name":"\\u0000"}'):
            r = call("POST", "/api/v1/request-items", raw=raw)
            need(r.status == 400, "%r: %r" % (raw, r))
    case("bad catalogue items are 400 with a message, never 500", bad_items)


def request_cases():
    good = {"item": None, "caller_name": "王芳", "caller_phone": "138 0013 8000",
            "department": "财务部", "note": "下周一入职",
            "fields": {"employee": "李雷", "start_date": "2026-03-09", "seats": 2,
                       "mailbox": True, "level": "只读", "manager": "eng1"}}

    def validation():
        good["item"] = STATE["account"]
        cases = [
            ({"fields": {"nope": 1}}, "fields.nope"),
            ({"fields": {"employee": "李雷"}}, "start_date"),
            ({"fields": {"employee": 5, "start_date": "2026-03-09"}}, "employee"),
            ({"fields": {"employee": "x" * 21, "start_date": "2026-03-09"}}, "longer"),
            ({"fields": {"employee": "x", "start_date": "2026-02-30"}}, "start_date"),
            ({"fields": {"employee": "x", "start_date": "2026-03-09", "seats": "2"}}, "seats"),
            ({"fields": {"employee": "x", "start_date": "2026-03-09", "seats": 1e300}}, "seats"),
            ({"fields": {"employee": "x", "start_date": "2026-03-09", "mailbox": "yes"}},
             "mailbox"),
            ({"fields": {"employee": "x", "start_date": "2026-03-09", "level": "管理"}},
             "level"),
            ({"fields": {"employee": "x", "start_date": "2026-03-09", "manager": "nobody"}},
             "manager"),
            ({"fields": {"employee": "x", "start_date": "2026-03-09", "level": ["只读"]}},
             "level"),
            ({"fields": {"employee": "a\u0001b", "start_date": "2026-03-09"}}, "employee"),
            ({"fields": {"k%d" % i: 1 for i in range(31)}}, "fields"),
            ({"fields": []}, "fields"),
            ({"return_date": "2026-03-05"}, "return_date"),
            ({"caller_name": ""}, "caller_name"),
            ({"caller_name": "x" * 201}, "caller_name"),
            ({"item": 0}, "item"),
            ({"item": "1"}, "item"),
            ({"item": 999}, "item"),
            ({"note": "x" * 20001}, "note"),
            ({"extra": 1}, "extra"),
        ]
        for change, word in cases:
            body = dict(good, **change)
            r = call("POST", "/api/v1/requests", body)
            e = check_error(r, 400, "invalid")
            need(word in e["message"], "%r: %r" % (change, e))
    case("POST /api/v1/requests checks the form: unknown keys, missing, wrong types, too "
         "long, not a choice, no such user; 400 naming the field", validation)

    def submit_and_approve():
        set_now(T0)
        j = ok(as_("agent1", "POST", "/api/v1/requests", good), 201)
        need(j["number"] == "REQ-20260302-0001" and j["status"] == "awaiting_approval", j)
        need(j["requested_by"] == "agent1" and j["fields"]["seats"] == 2 and
             j["fields"]["mailbox"] is True and j["fields"]["level"] == "只读", j)
        need(j["sla"]["paused"] is True and j["sla"]["target_seconds"] == 8 * HOUR, j["sla"])
        need(j["timeline"][0]["type"] == "created", j["timeline"])
        STATE["acc"] = j["number"]
        need(len(outbox("request_approval")) == 1, "approval waiting not notified")
        set_now(T0 + 2 * HOUR)
        j = ok(call("GET", rpath(STATE["acc"])))
        need(j["sla"]["remaining_seconds"] == 8 * HOUR, "clock runs while awaiting: %r" %
             j["sla"])
        n = STATE["acc"]
        check_error(as_("agent1", "POST", rpath(n, "approve"), {}), 403, "denied")
        check_error(as_("eng1", "POST", rpath(n, "approve"), {}), 403, "denied")
        check_error(as_("aud1", "POST", rpath(n, "approve"), {}), 403, "forbidden")
        check_error(as_("appr1", "POST", rpath(n, "reject"), {}), 400, "invalid")
        check_error(as_("eng1", "POST", rpath(n, "start"), {}), 409, "exists")
        j = ok(as_("appr1", "POST", rpath(n, "approve"), {"note": "同意"}))
        need(j["status"] == "approved" and j["decided_by"] == "appr1", j)
        need(j["sla"]["paused"] is False and j["sla"]["due"] == api.iso(T0 + 10 * HOUR),
             "due moves by the approval's 2 h: %r" % j["sla"])
        need(len(outbox("request_approved")) == 1, "approved not notified")
        check_error(as_("appr1", "POST", rpath(n, "approve"), {}), 409, "exists")
    case("an agent submits, the clock stands still awaiting approval, never the requester "
         "approves, an approver approves", submit_and_approve)

    def four_eyes_same_person():
        body = dict(good)
        j = ok(as_("appr_agent", "POST", "/api/v1/requests", body), 201)
        e = check_error(as_("appr_agent", "POST", rpath(j["number"], "approve"), {}), 403,
                        "denied")
        need("four-eyes" in e["message"], e)
        j = ok(as_("appr1", "POST", rpath(j["number"], "reject"), {"note": "预算不足"}))
        need(j["status"] == "rejected" and j["decision"] == "预算不足", j)
        need(len(outbox("request_rejected")) == 1, "rejected not notified")
        check_error(as_("agent1", "POST", rpath(j["number"], "cancel"), {"note": "x"}), 409,
                    "exists")
    case("an approver who requested cannot approve their own request; a rejection", four_eyes_same_person)

    def fulfil():
        n = STATE["acc"]
        set_now(T0 + 3 * HOUR)
        check_error(as_("eng2", "POST", rpath(n, "start"), {}), 403, "denied")
        check_error(as_("eng2", "PATCH", rpath(n), {"note": "x"}), 403, "denied")
        e = check_error(as_("agent1", "PATCH", rpath(n), {"assignee": "eng2"}), 400, "invalid")
        need("member" in e["message"], e)
        j = ok(as_("agent1", "PATCH", rpath(n), {"assignee": "eng1", "note": "请处理"}))
        need(j["assignee"] == "eng1", j)
        need(len(outbox("request_assigned")) == 1, "assigned not notified")
        j = ok(as_("eng1", "POST", rpath(n, "start"), {}))
        need(j["status"] == "in_fulfilment", j)
        check_error(as_("eng1", "POST", rpath(n, "close"), {}), 409, "exists")
        j = ok(as_("eng1", "POST", rpath(n, "fulfil"), {"note": "账号已开通"}))
        need(j["status"] == "fulfilled" and j["sla"]["breached"] is False, j)
        need(len(outbox("request_fulfilled")) == 1, "fulfilled not notified")
        j = ok(as_("agent1", "POST", rpath(n, "close"), {}))
        need(j["status"] == "closed" and j["closed_at"], j)
        types = [(e["type"], e["to"]) for e in j["timeline"]]
        need(types == [("created", "awaiting_approval"), ("status", "approved"),
                       ("assignee", "eng1"), ("note", ""), ("status", "in_fulfilment"),
                       ("status", "fulfilled"), ("status", "closed")], types)
        r = call("GET", api.q("/api/v1/audit", object="request:" + n))
        acts = [e["action"] for e in r.json["entries"]]
        need("request.create" in acts and "request.approve" in acts and
             "request.fulfil" in acts, acts)
    case("engineers of the item's group fulfil (others 403 denied), the desk assigns and "
         "closes; timeline and audit", fulfil)

    def loan():
        set_now(T0)
        body = {"item": STATE["loan"], "caller_name": "赵强", "fields": {"purpose": "出差"}}
        check_error(as_("agent1", "POST", "/api/v1/requests", body), 400, "invalid")
        for d in ("2026-03-01", "2027-12-31", "2026-3-4", "tomorrow"):
            check_error(as_("agent1", "POST", "/api/v1/requests", dict(body, return_date=d)),
                        400, "invalid")
        j = ok(as_("agent1", "POST", "/api/v1/requests", dict(body, return_date="2026-03-04")),
               201)
        need(j["status"] == "submitted" and j["return_date"] == "2026-03-04" and
             j["loan_overdue"] is False, j)
        n = STATE["loanreq"] = j["number"]
        ok(as_("agent2", "POST", rpath(n, "fulfil"), {"note": "ThinkPad T14 #A102"}))
        check_error(as_("agent2", "POST", rpath(n, "close"), {}), 409, "exists")
        move_clock(T0 + 3 * DAY)
        j = ok(call("GET", rpath(n)))
        need(j["loan_overdue"] is True, j)
        lst = ok(call("GET", "/api/v1/requests?overdue=1"))
        need([x["number"] for x in lst["requests"]] == [n], lst)
        # the sweep tells the requester once (it runs every 60 s in the server)
        need(wait_for(lambda: len(outbox("loan_overdue")) == 1), "no loan_overdue")
        j = ok(as_("agent2", "POST", rpath(n, "return"), {}))
        need(j["status"] == "closed" and j["returned_at"] and j["loan_overdue"] is False, j)
    case("a loan carries a return date, is overdue after it (list, sweep notification) and "
         "closes on return", loan)

    def cancel():
        j = ok(as_("eng1", "POST", "/api/v1/requests",
                   {"item": STATE["loan"], "caller_name": "x", "return_date": "2026-03-06",
                    "fields": {"purpose": "p"}}), 201)
        check_error(as_("agent2", "POST", rpath(j["number"], "cancel"), {}), 400, "invalid")
        check_error(as_("eng2", "POST", rpath(j["number"], "cancel"), {"note": "x"}), 403,
                    "denied")
        j = ok(as_("eng1", "POST", rpath(j["number"], "cancel"), {"note": "不需要了"}))
        need(j["status"] == "cancelled", j)
    case("the requester or the desk cancels, with a reason", cancel)

    def lists():
        j = ok(call("GET", "/api/v1/requests"))
        need(j["total"] == 4 and len(j["requests"]) == 4, j)
        need("timeline" not in j["requests"][0], "lists leave the timeline out")
        j = ok(call("GET", "/api/v1/requests?status=closed"))
        need(j["total"] == 2, j)
        j = ok(call("GET", "/api/v1/requests?status=open"))
        need(j["total"] == 0, j)
        j = ok(call("GET", "/api/v1/requests?item=%d" % STATE["account"]))
        need(j["total"] == 2, j)
        j = ok(as_("eng1", "GET", "/api/v1/requests?queue=my_groups"))
        need(j["total"] == 2, j)
        j = ok(as_("eng1", "GET", "/api/v1/requests?queue=mine"))
        need(j["total"] == 1, j)
        j = ok(as_("agent1", "GET", "/api/v1/requests?queue=requested"))
        need(j["total"] == 2, j)
        j = ok(call("GET", api.q("/api/v1/requests", group="桌面组", limit=1)))
        need(j["total"] == 2 and len(j["requests"]) == 1 and j["limit"] == 1, j)
        incs = ok(call("GET", "/api/v1/incidents"))
        need(not any(i["number"].startswith("REQ") for i in incs["incidents"]),
             "requests among incidents")
        for bad in ("status=nope", "item=0", "item=x", "queue=all", "overdue=yes", "limit=0",
                    "limit=101", "offset=-1", "group=" + "x" * 201):
            check_error(call("GET", "/api/v1/requests?" + bad), 400, "invalid")
        for bad in ("REQ-1", "INC-20260302-0001", "x" * 300, "REQ-20260302-0001x"):
            check_error(call("GET", rpath(bad)), 400, "invalid")
        check_error(call("GET", rpath("REQ-20260302-9999")), 404, "not_found")
        check_error(call("POST", rpath(STATE["acc"], "explode"), {}), 400, "invalid")
    case("GET /api/v1/requests: filters, queues, paging; apart from incidents; bad values 400",
         lists)

    def report():
        j = ok(call("GET", "/api/v1/reports/summary?from=2026-03-01&to=2026-03-07"))
        q = j["requests"]
        need(q["total"] == 4 and q["by_status"]["closed"] == 2 and
             q["by_status"]["rejected"] == 1 and q["by_status"]["cancelled"] == 1, q)
        need(q["fulfilled"] == 2 and q["fulfil_met"] == 2, q)
        need({x["item"]: x["count"] for x in q["by_item"]} == {"新账号": 2, "借用笔记本": 2}, q)
        need(j["total"] == 0, "requests are not counted as incidents: %r" % j["total"])
        r = call("GET", "/api/v1/reports/summary.csv?from=2026-03-01&to=2026-03-07")
        need(r.status == 200 and "requests,total,4" in r.text, r.text[-600:])
    case("the report counts requests in their own section (JSON and CSV)", report)


def hostile_cases():
    def hostile():
        n = STATE.get("acc", "REQ-20260302-0001")
        routes = [("POST", "/api/v1/requests"), ("PATCH", rpath(n)),
                  ("POST", rpath(n, "approve")), ("POST", "/api/v1/request-items"),
                  ("PATCH", "/api/v1/request-items/1")]
        bodies = [b"", b"null", b"[]", b"{", b"\"x\"", b"{\"\\u0000\":1}", b"\xff\xfe",
                  b"{\"fields\":" + b"[" * 3000 + b"]" * 3000 + b"}",
                  json.dumps({"fields": {"k" * 5000: "v"}}).encode(),
                  json.dumps({"fields": {"employee": "x" * 900000}}).encode(),
                  json.dumps({"note": "a" * 500000}).encode(),
                  json.dumps({"assignee": ["x"]}).encode(),
                  json.dumps({"item": 2 ** 64}).encode(),
                  json.dumps({"item": -1, "caller_name": None}).encode(),
                  json.dumps({"fields": [{"key": "a"}] * 5000}).encode(),
                  json.dumps({"name": "x", "category": "other", "sla": "1h",
                              "fields": [{"key": "a", "label": "b", "type": "choice",
                                          "choices": ["c"] * 10000}]}).encode()]
        for method, path in routes:
            for b in bodies:
                r = call(method, path, raw=b)
                need(400 <= r.status < 500, "%s %s %r: %r" % (method, path, b[:60], r))
        try:
            r = call("POST", "/api/v1/requests", raw=b"{\"note\":\"" + b"a" * (1024 * 1024) +
                     b"\"}")
            need(r.status == 413, "%r" % r)
        except (BrokenPipeError, ConnectionResetError):
            pass  # answered 413 and closed before the whole body was sent
    case("hostile bodies on every request route: 4xx, never 500", hostile)


def import_cases(srv):
    def demo():
        path = os.path.join(api.ROOT, "samples", "request-items.txt")
        r = admin("--db", srv.db, "request-items", "import", path)
        need(r.returncode == 0 and b"3 added, 2 already there" in r.stdout, "%r" % (r,))
        r = admin("--db", srv.db, "request-items", "import", path)
        need(r.returncode == 0 and b"0 added, 5 already there" in r.stdout, "%r" % (r,))
        bad = os.path.join(srv.tmp, "bad.txt")
        with open(bad, "w") as f:
            f.write("[x]\ncategory = account\nsla = 2d\nfield = a | b | colour\n")
        r = admin("--db", srv.db, "request-items", "import", bad)
        need(r.returncode == 1 and b"bad.txt:4:" in r.stderr, "%r" % (r,))
    case("kedb-admin request-items import: the demo catalogue beside items there, again "
         "unchanged, a bad line",
         demo, needs_server=False)


def main(tmp):
    srv = api.Served(tmp, clock=True, users=USERS,
                     args=["--notify-interval-ms", "100", "--notify-sweep-ms", "200"])
    if not srv.index():
        return 1
    set_now(T0)
    if not srv.serve():
        return 1
    setup_cases()
    if TOK:
        catalogue_cases()
        if "account" in STATE and "loan" in STATE:
            request_cases()
            hostile_cases()
    srv.stop()
    import_cases(srv)  # beside the items made above


if __name__ == "__main__":
    api.run_main("test_requests", main, prefix="kedb-requests-")
