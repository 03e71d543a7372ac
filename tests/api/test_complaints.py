#!/usr/bin/env python3
"""End-to-end tests of complaints (python3 standard library only).

Starts $KEDB_BIN/kedb-server with a fake clock over tests/data: a follow-up with the
complaint flag raises a complaint record once (the incident names it), an agent raises one
directly (about an incident, or about nothing), an engineer investigates, replies to the
complainant (who, when, channel) and closes it with cause and action (not before a reply;
nothing after); due times in working hours (the settings, admin only); overdue flagged and
filtered; lists paged and filtered; a period's counts and the summary report's
complaint_records; the audit trail; complaint_new in the outbox; bad input everywhere (4xx
JSON with a Chinese message). Ends with "test_complaints: N passed, N failed".
"""
import os
import sys
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as api  # noqa: E402  (the shared harness: case, request, checks)

from harness import call, check_error, need, ok, set_now  # noqa: E402

case = api.case
T0 = 1772438400  # 2026-03-02T08:00:00Z, a Monday
HOUR = 3600
DAY = 86400
USERS = [("eng1", "engineer"), ("agent1", "agent"), ("aud1", "auditor"), ("appr1", "approver")]
TOK = {}
ST = {}
INCIDENT = {"caller_name": "王芳", "caller_phone": "138-0013 8000", "department": "财务部",
            "channel": "phone", "category": "printer", "priority": "P3",
            "summary": "打印机脱机", "description": "所有电脑上显示脱机"}
KEYS = {"id", "source", "state", "incident", "caller", "phone", "department", "channel",
        "summary", "detail", "owner", "owner_group", "investigation", "cause", "action",
        "closed_by", "created_by", "reply", "reply_due", "close_due", "closed_at",
        "created_at", "updated_at", "overdue"}


def cpath(i, rest=""):
    return "/api/v1/complaints/%s%s" % (i, rest)


def inc_path(n, rest=""):
    return "/api/v1/incidents/" + urllib.parse.quote(n) + ("/" + rest if rest else "")


def relogin():
    """Logs everyone in again (after the clock moved past the sessions' end)."""
    for name, _ in USERS:
        r = api.login(name, api.user_password(name))
        need(r.status == 200, "%s: %r" % (name, r))
        TOK[name] = r.json["token"]
    api.default_token(fresh=True)


def login_cases():
    def logins():
        relogin()
        ok(call("POST", "/api/v1/groups", {"name": "桌面组", "members": ["eng1"]}), 201)
        ok(call("POST", "/api/v1/notification-channels",
                {"kind": "webhook", "name": "quality", "url": "http://127.0.0.1:9/h",
                 "events": ["complaint_new", "complaint_overdue"]}), 201)
    case("users log in; a group; a channel of complaint_new and complaint_overdue", logins)


def followup_cases():
    def raised():
        body = dict(INCIDENT, group="桌面组")
        n = ok(call("POST", "/api/v1/incidents", body, token=TOK["agent1"]), 201)["number"]
        ST["inc"] = n
        ok(call("POST", inc_path(n, "resolve"), {"resolution": "换了网线"}, token=TOK["eng1"]))
        set_now(T0 + 2 * HOUR)
        ok(call("POST", inc_path(n, "followup"),
                {"confirmed": False, "complaint": True, "comment": "维修人员两天没来\n细节"},
                token=TOK["agent1"]))
        j = ok(api.get(api.q("/api/v1/complaints", incident=n)))
        need(j["total"] == 1 and len(j["complaints"]) == 1, j)
        c = j["complaints"][0]
        need(set(c) == KEYS, "keys %r" % sorted(set(c) ^ KEYS))
        need(c["source"] == "followup" and c["state"] == "open" and
             c["summary"] == "维修人员两天没来" and c["caller"] == "王芳" and
             c["owner_group"] == "桌面组" and c["created_by"] == "agent1" and
             c["reply"] is None and c["overdue"] is False, c)
        # 8 working hours from Monday 10:00 (09:00-18:00 by default): Monday 18:00
        need(c["reply_due"] == api.iso(T0 + 10 * HOUR), c["reply_due"])
        ST["fu"] = c["id"]
        # resolved and followed up again with a complaint: the open one stands
        ok(call("POST", inc_path(n, "resolve"), {"resolution": "再修"}, token=TOK["eng1"]))
        ok(call("POST", inc_path(n, "followup"),
                {"confirmed": True, "complaint": True, "comment": "还是慢"},
                token=TOK["agent1"]))
        j = ok(api.get(api.q("/api/v1/complaints", incident=n)))
        need(j["total"] == 1, "raised twice: %r" % j)
    case("a follow-up with the complaint flag raises one complaint record, once", raised)

    def outbox():
        rows = ok(api.get(api.q("/api/v1/notifications", limit=200)))["notifications"]
        new = [m for m in rows if m["event"] == "complaint_new"]
        need(len(new) == 1 and new[0]["object"] == "complaint:%d" % ST["fu"], new)
    case("complaint_new goes to the channel once", outbox)


def direct_cases():
    def raise_direct():
        set_now(T0)
        c = ok(call("POST", "/api/v1/complaints",
                    {"incident": ST["inc"], "summary": "态度不好", "channel": "email",
                     "owner": "eng1"}, token=TOK["agent1"]), 201)
        need(c["source"] == "direct" and c["caller"] == "王芳" and c["department"] == "财务部"
             and c["owner"] == "eng1" and c["channel"] == "email", c)
        need(c["reply_due"] == api.iso(T0 + 9 * HOUR) and
             c["close_due"] == api.iso(T0 + 4 * DAY + 5 * HOUR), c)
        ST["direct"] = c["id"]
        c = ok(call("POST", "/api/v1/complaints", {"summary": "热线占线", "caller": "李雷"},
                    token=TOK["eng1"]), 201)
        need(c["incident"] == "" and c["caller"] == "李雷", c)
        ST["free"] = c["id"]
    case("an agent raises a complaint about an incident (its caller filled in), an engineer "
         "one about nothing; due times in working hours", raise_direct)

    def lifecycle():
        i = ST["direct"]
        set_now(T0 + HOUR)
        r = call("POST", cpath(i, "/close"), {"cause": "人手不足", "action": "增加排班"},
                 token=TOK["eng1"])
        check_error(r, 409, "conflict")
        c = ok(call("PATCH", cpath(i), {"investigation": "查了排班表"}, token=TOK["eng1"]))
        need(c["state"] == "investigating" and c["investigation"] == "查了排班表", c)
        set_now(T0 + 2 * HOUR)
        c = ok(call("POST", cpath(i, "/reply"), {"reply": "已道歉并安排上门", "channel": "phone"},
                    token=TOK["eng1"]))
        need(c["state"] == "replied" and c["reply"] == {
            "text": "已道歉并安排上门", "by": "eng1", "channel": "phone",
            "at": api.iso(T0 + 2 * HOUR)}, c)
        c = ok(call("POST", cpath(i, "/close"), {"cause": "人手不足", "action": "增加排班"},
                    token=TOK["eng1"]))
        need(c["state"] == "closed" and c["cause"] == "人手不足" and c["closed_by"] == "eng1"
             and c["closed_at"] == api.iso(T0 + 2 * HOUR), c)
        for method, rest, body in (("PATCH", "", {"owner": "eng1"}),
                                   ("POST", "/reply", {"reply": "x", "channel": "phone"}),
                                   ("POST", "/close", {"cause": "x", "action": "y"})):
            check_error(call(method, cpath(i, rest), body, token=TOK["eng1"]), 409, "conflict")
        got = ok(call("GET", cpath(i), token=TOK["aud1"]))
        need(got["state"] == "closed", got)
    case("investigate, reply (who, when, channel), close with cause and action; not before "
         "a reply, nothing after", lifecycle)

    def audit():
        j = ok(api.get(api.q("/api/v1/audit", object="complaint:%d" % ST["direct"])))
        acts = [e["action"] for e in j["entries"]]
        need(acts == ["complaint.close", "complaint.reply", "complaint.update",
                      "complaint.create"], acts)
    case("every change is in the audit trail", audit)


def list_cases():
    def lists():
        set_now(T0 + 30 * DAY)
        relogin()
        j = ok(api.get("/api/v1/complaints"))
        need(j["total"] == 3 and j["limit"] == 50 and j["offset"] == 0, j)
        ids = [c["id"] for c in j["complaints"]]
        need(ids == [ST["fu"], ST["free"], ST["direct"]], "newest first: %r" % ids)
        j = ok(api.get(api.q("/api/v1/complaints", state="closed")))
        need([c["id"] for c in j["complaints"]] == [ST["direct"]], j)
        j = ok(api.get(api.q("/api/v1/complaints", state="open")))
        need(j["total"] == 2, j)
        j = ok(api.get(api.q("/api/v1/complaints", overdue=1)))
        need(j["total"] == 2 and all(c["overdue"] for c in j["complaints"]), j)
        j = ok(api.get(api.q("/api/v1/complaints", owner="eng1")))
        need(j["total"] == 1, j)
        j = ok(api.get(api.q("/api/v1/complaints", group="桌面组")))
        need(j["total"] == 1, j)
        j = ok(api.get(api.q("/api/v1/complaints", q="热线")))
        need(j["total"] == 1 and j["complaints"][0]["id"] == ST["free"], j)
        j = ok(api.get(api.q("/api/v1/complaints", limit=1, offset=1)))
        need(j["total"] == 3 and len(j["complaints"]) == 1, j)
        j = ok(api.get(api.q("/api/v1/complaints", **{"from": "2026-03-03"})))
        need(j["total"] == 0, j)
        j = ok(api.get(api.q("/api/v1/complaints", **{"from": "2026-03-02", "to": "2026-03-02"})))
        need(j["total"] == 3, j)
    case("lists: paged, by state, overdue, owner, group, text and period", lists)

    def counts():
        j = ok(api.get(api.q("/api/v1/complaints/counts", **{"from": "2026-03-01",
                                                            "to": "2026-03-07"})))
        need(j["raised"] == 3 and j["from_followup"] == 1 and j["closed"] == 1 and
             j["replied_in_time"] == 1 and j["closed_in_time"] == 1 and j["overdue"] == 2 and
             j["open_now"] == 2, j)
        s = ok(api.get(api.q("/api/v1/reports/summary", **{"from": "2026-03-01",
                                                          "to": "2026-03-07"})))
        need(s["complaint_records"]["raised"] == 3 and s["complaints"] == 1, s)
    case("a period's counts, also in the summary report", counts)

    def settings():
        j = ok(api.get("/api/v1/settings/complaint-due"))
        need(j == {"reply_hours": 8, "close_hours": 40}, j)
        r = call("PUT", "/api/v1/settings/complaint-due", {"reply_hours": 4, "close_hours": 16},
                 token=TOK["eng1"])
        need(r.status == 403, r)
        ok(call("PUT", "/api/v1/settings/complaint-due", {"reply_hours": 4, "close_hours": 16}))
        need(ok(api.get("/api/v1/settings/complaint-due"))["reply_hours"] == 4, "not stored")
        for body in ({"reply_hours": 0, "close_hours": 5}, {"reply_hours": 9, "close_hours": 8},
                     {"reply_hours": "4", "close_hours": 8}, {"reply_hours": 4},
                     {"reply_hours": 4, "close_hours": 8, "x": 1}, {}):
            check_error(call("PUT", "/api/v1/settings/complaint-due", body), 400, "invalid")
    case("due-time settings: admin only, checked", settings)


def bad_input_cases():
    def bad():
        for path in (cpath("0"), cpath("-1"), cpath("abc"), cpath("1e3"),
                     cpath("99999999999999999999")):
            r = call("GET", path)
            need(r.status in (400, 404), "%s: %r" % (path, r))
        check_error(call("GET", cpath(999)), 404, "not_found")
        for body in ({}, {"summary": ""}, {"summary": " "}, {"summary": "a\nb"},
                     {"summary": "x" * 201}, {"summary": "x", "detail": "y" * 8001},
                     {"summary": "x", "incident": "INC-19990101-0001"},
                     {"summary": "x", "owner": "ghost"}, {"summary": "x", "owner_group": "无"},
                     {"summary": 5}, {"summary": "x", "state": "closed"}, {"summary": ["x"]}):
            r = call("POST", "/api/v1/complaints", body, token=TOK["agent1"])
            check_error(r, 400, "invalid")
        r = call("POST", "/api/v1/complaints", raw=b"{not json", token=TOK["agent1"])
        need(r.status == 400, r)
        i = ST["free"]
        for body in ({"reply": "", "channel": "phone"}, {"reply": "x"}, {"channel": "phone"},
                     {"reply": "x", "channel": "a\nb"}, {"reply": 1, "channel": "phone"}):
            check_error(call("POST", cpath(i, "/reply"), body, token=TOK["eng1"]), 400,
                        "invalid")
        check_error(call("POST", cpath(i, "/close"), {"cause": "x"}, token=TOK["eng1"]), 400,
                    "invalid")
        check_error(call("PATCH", cpath(i), {"owner": "ghost"}, token=TOK["eng1"]), 400,
                    "invalid")
        check_error(call("PATCH", cpath(i), {"nope": 1}, token=TOK["eng1"]), 400, "invalid")
        for q in ("state=lost", "overdue=maybe", "limit=0", "limit=201", "offset=-1",
                  "from=2026-13-01", "from=2026-03-05&to=2026-03-01", "q=" + "x" * 201):
            check_error(call("GET", "/api/v1/complaints?" + q), 400, "invalid")
        for role in ("aud1", "appr1"):
            need(call("POST", "/api/v1/complaints", {"summary": "x"}, token=TOK[role]).status
                 == 403, role)
            need(call("POST", cpath(i, "/reply"), {"reply": "x", "channel": "p"},
                      token=TOK[role]).status == 403, role)
        need(call("GET", "/api/v1/complaints", token=None).status == 401, "no login")
    case("bad input: ids, bodies, states, filters and roles answer 4xx JSON", bad)


def record_cases():
    def second_reply():
        t = T0 + 35 * DAY  # Monday 2026-04-06
        set_now(t)
        relogin()
        c = ok(call("POST", "/api/v1/complaints", {"summary": "答复后更正"},
                    token=TOK["agent1"]), 201)
        i = c["id"]
        need(c["replies"] == [], c)
        set_now(t + 60)
        ok(call("POST", cpath(i, "/reply"), {"reply": "已道歉", "channel": "phone"},
                token=TOK["eng1"]))
        set_now(t + 5 * DAY)  # after reply_due: a correction must not make the reply late
        relogin()
        c = ok(call("POST", cpath(i, "/reply"), {"reply": "已道歉并上门处理", "channel": "visit"},
                    token=TOK["agent1"]))
        first = {"text": "已道歉", "by": "eng1", "channel": "phone", "at": api.iso(t + 60)}
        need(c["reply"] == first and c["state"] == "replied", c)
        need(c["replies"] == [first, {"text": "已道歉并上门处理", "by": "agent1",
                                      "channel": "visit", "at": api.iso(t + 5 * DAY)}], c)
        need(ok(call("GET", cpath(i)))["replies"] == c["replies"], "replies not kept")
        j = ok(api.get(api.q("/api/v1/complaints/counts", **{"from": "2026-04-06",
                                                            "to": "2026-04-06"})))
        need(j["raised"] == 1 and j["replied_in_time"] == 1, j)
        j = ok(api.get(api.q("/api/v1/audit", object="complaint:%d" % i)))
        need([e["action"] for e in j["entries"]] == ["complaint.reply", "complaint.reply",
                                                     "complaint.create"], j)
    case("a second reply is kept beside the first, whose time stays the reply time",
         second_reply)

    def long_comment():
        n = ok(call("POST", "/api/v1/incidents", dict(INCIDENT, group="桌面组"),
                    token=TOK["agent1"]), 201)["number"]
        ok(call("POST", inc_path(n, "resolve"), {"resolution": "已修"}, token=TOK["eng1"]))
        comment = "很不满意" * 1000  # 12000 bytes: the follow-up takes it, a complaint 8000
        ok(call("POST", inc_path(n, "followup"),
                {"confirmed": False, "complaint": True, "comment": comment},
                token=TOK["agent1"]))
        j = ok(api.get(api.q("/api/v1/complaints", incident=n)))
        need(j["total"] == 1, j)
        d = j["complaints"][0]["detail"]
        need(len(d.encode()) <= 8000 and d.endswith("…") and comment.startswith(d[:-1]) and
             len(d) > 2600, len(d.encode()))
        # the complaint can be changed again (its detail is within the limit)
        ok(call("PATCH", cpath(j["complaints"][0]["id"]), {"detail": d}, token=TOK["eng1"]))
    case("a follow-up's long comment becomes a detail cut to 8000 bytes, marked", long_comment)


def main(tmp):
    srv = api.Served(tmp, clock=True, users=USERS)
    set_now(T0)
    if not srv.start():
        return 1
    login_cases()
    if len(TOK) == len(USERS):
        followup_cases()
        direct_cases()
        list_cases()
        bad_input_cases()
        record_cases()
    srv.stop()


if __name__ == "__main__":
    api.run_main("test_complaints", main, prefix="kedb-complaints-")
