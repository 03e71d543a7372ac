#!/usr/bin/env python3
"""End-to-end tests of review meetings and improvement actions (python3 standard library
only).

Starts $KEDB_BIN/kedb-server with a fake clock: incidents with a complaint, a meeting that
reviews their week (the summary report's figures kept as a snapshot that later changes do
not alter), its attendees, the evaluations discussed (an incident and a complaint), causes
and actions with owner and due day; the next meeting carries the open actions over until
they are done; actions across meetings by state, owner and overdue; bad input and roles;
the audit trail. Ends with "test_meetings: N passed, N failed".
"""
import os
import sys
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as api  # noqa: E402  (the shared harness: case, request, checks)

from harness import call, check_error, need, ok, set_now  # noqa: E402

case = api.case
T0 = 1772438400  # 2026-03-02T08:00:00Z
DAY = 86400
USERS = [("agent1", "agent"), ("eng1", "engineer"), ("aud1", "auditor"), ("appr1", "approver")]
TOK = {}
ST = {}
INCIDENT = {"caller_name": "王芳", "caller_phone": "138-0013 8000", "department": "财务部",
            "channel": "phone", "category": "printer", "priority": "P3",
            "summary": "打印机脱机"}


def relogin():
    for name, _ in USERS:
        r = api.login(name, api.user_password(name))
        need(r.status == 200, "%s: %r" % (name, r))
        TOK[name] = r.json["token"]
    api.default_token(fresh=True)


def setup_cases():
    def setup():
        relogin()
        n = ok(call("POST", "/api/v1/incidents", INCIDENT), 201)["number"]
        p = "/api/v1/incidents/" + urllib.parse.quote(n)
        ok(call("POST", p + "/resolve", {"resolution": "重启"}))
        ok(call("POST", p + "/followup", {"confirmed": True, "satisfaction": 2,
                                          "complaint": True, "comment": "修得太慢"}))
        ST["inc"] = n
        c = ok(call("GET", api.q("/api/v1/complaints", incident=n)))["complaints"][0]
        ST["complaint"] = c["id"]
    case("an incident whose follow-up gave 2 stars and a complaint", setup)


def meeting_cases():
    def record():
        set_now(T0 + 4 * DAY)
        relogin()
        body = {"day": "2026-03-06", "title": "第 10 周回访总结会", "period_from": "2026-03-01",
                "period_to": "2026-03-06", "attendees": ["张经理", "李工", "agent1"],
                "links": [ST["inc"], "complaint:%d" % ST["complaint"]],
                "evaluations": "一位用户给 2 星并投诉响应慢", "causes": "备件不足，等待到货",
                "notes": "下周复查",
                "actions": [{"title": "补充硒鼓库存", "owner": "李工", "due": "2026-03-10"},
                            {"title": "培训接线员", "owner": "张经理", "due": "2026-03-20"}]}
        m = ok(call("POST", "/api/v1/meetings", body, token=TOK["agent1"]), 201)
        need(m["day"] == "2026-03-06" and m["attendees"] == body["attendees"] and
             m["links"] == body["links"] and m["causes"] == body["causes"] and
             len(m["actions"]) == 2 and m["carried"] == [], m)
        f = m["figures"]
        need(f["total"] == 1 and f["complaints"] == 1 and f["satisfaction"]["average"] == 2.0
             and f["complaint_records"]["raised"] == 1 and f["from"] == "2026-03-01",
             f)
        a = m["actions"][0]
        need(a["state"] == "open" and a["owner"] == "李工" and a["due"] == "2026-03-10" and
             a["meeting"] == m["id"] and a["meeting_day"] == "2026-03-06" and
             a["overdue"] is False, a)
        ST["m1"] = m["id"]
        ST["a1"], ST["a2"] = m["actions"][0]["id"], m["actions"][1]["id"]
    case("a meeting with attendees, evaluations, causes, actions and the week's figures",
         record)

    def snapshot():
        ok(call("POST", "/api/v1/incidents", INCIDENT), 201)  # the week changes afterwards
        m = ok(call("GET", "/api/v1/meetings/%d" % ST["m1"], token=TOK["aud1"]))
        need(m["figures"]["total"] == 1, "the snapshot changed: %r" % m["figures"]["total"])
    case("the figures are a snapshot", snapshot)

    def carry():
        set_now(T0 + 11 * DAY)
        relogin()
        a = ok(call("PATCH", "/api/v1/improvement-actions/%d" % ST["a1"],
                    {"state": "done", "note": "已到货"}, token=TOK["eng1"]))
        need(a["state"] == "done" and a["finished_by"] == "eng1" and a["note"] == "已到货", a)
        ok(call("PATCH", "/api/v1/improvement-actions/%d" % ST["a2"], {"state": "in_progress"},
                token=TOK["agent1"]))
        m = ok(call("POST", "/api/v1/meetings", {"day": "2026-03-13", "title": "第 11 周",
                                                 "period_from": "2026-03-07",
                                                 "period_to": "2026-03-13"},
                    token=TOK["eng1"]), 201)
        ids = sorted(x["id"] for x in m["carried"])
        need(ids == sorted([ST["a1"], ST["a2"]]), "carried %r" % m["carried"])
        set_now(T0 + 18 * DAY)
        relogin()
        m = ok(call("POST", "/api/v1/meetings", {"day": "2026-03-20", "title": "第 12 周",
                                                 "period_from": "2026-03-14",
                                                 "period_to": "2026-03-20"},
                    token=TOK["agent1"]), 201)
        need([x["id"] for x in m["carried"]] == [ST["a2"]] and
             m["carried"][0]["state"] == "in_progress", m["carried"])
        ST["m3"] = m["id"]
        a = ok(call("POST", "/api/v1/meetings/%d/actions" % m["id"],
                    {"title": "回访抽查", "owner": "王", "due": "2026-03-27"},
                    token=TOK["agent1"]), 201)
        need(a["meeting"] == m["id"] and a["state"] == "open", a)
    case("open actions carry over to the next meeting until done", carry)

    def actions():
        set_now(T0 + 20 * DAY)  # 2026-03-22
        relogin()
        j = ok(call("GET", "/api/v1/improvement-actions?state=open", token=TOK["aud1"]))
        need(j["total"] == 2 and [a["id"] for a in j["actions"]][0] == ST["a2"], j)
        j = ok(call("GET", "/api/v1/improvement-actions?overdue=1", token=TOK["aud1"]))
        need(j["total"] == 1 and j["actions"][0]["id"] == ST["a2"] and
             j["actions"][0]["overdue"] is True, j)
        j = ok(call("GET", api.q("/api/v1/improvement-actions", owner="李工")))
        need(j["total"] == 1 and j["actions"][0]["state"] == "done", j)
        j = ok(call("GET", "/api/v1/improvement-actions?state=done,cancelled&limit=1"))
        need(j["total"] == 1 and j["limit"] == 1, j)
        j = ok(call("GET", "/api/v1/meetings", token=TOK["appr1"]))
        need(j["total"] == 3 and j["meetings"][0]["day"] == "2026-03-20" and
             "figures" not in j["meetings"][0], j)
    case("actions across meetings by state, owner and overdue; meetings newest first",
         actions)

    def audit():
        j = ok(api.get(api.q("/api/v1/audit", object="qaction:%d" % ST["a1"])))
        need([e["action"] for e in j["entries"]] == ["qaction.update", "qaction.create"], j)
        j = ok(api.get(api.q("/api/v1/audit", object="meeting:%d" % ST["m1"])))
        need([e["action"] for e in j["entries"]] == ["meeting.create"], j)
    case("meetings and actions are audited", audit)

    def bad():
        good = {"day": "2026-03-27", "title": "x", "period_from": "2026-03-21",
                "period_to": "2026-03-27"}
        for body in ({}, dict(good, day="2026-02-30"), dict(good, title=""),
                     dict(good, period_to="2026-03-01"), dict(good, attendees="张三"),
                     dict(good, attendees=["a\nb"]), dict(good, attendees=["x"] * 51),
                     dict(good, links=["INC-19990101-0001"]), dict(good, links=["complaint:0"]),
                     dict(good, links=["complaint:999"]), dict(good, actions=[{"title": "x"}]),
                     dict(good, links=["complaint:+%d" % ST["complaint"]]),
                     dict(good, links=["complaint: %d" % ST["complaint"]]),
                     dict(good, actions=[{"title": "x", "owner": "y", "due": "soon"}]),
                     dict(good, actions=[{"title": "x", "owner": "y", "due": "2026-04-01",
                                          "z": 1}]),
                     dict(good, actions="x"), dict(good, actions=[{}] * 51),
                     dict(good, causes="x" * 8001), dict(good, figures={}), dict(good, x=1)):
            check_error(call("POST", "/api/v1/meetings", body, token=TOK["agent1"]), 400,
                        "invalid")
        for body in ({"state": "finished"}, {"due": "2026-13-01"}, {"owner": ""},
                     {"note": "x" * 8001}, {"state": 1}, {"x": 1}):
            check_error(call("PATCH", "/api/v1/improvement-actions/%d" % ST["a2"], body,
                             token=TOK["agent1"]), 400, "invalid")
        check_error(call("PATCH", "/api/v1/improvement-actions/999", {"state": "done"},
                         token=TOK["agent1"]), 404, "not_found")
        check_error(call("POST", "/api/v1/meetings/999/actions",
                         {"title": "x", "owner": "y", "due": "2026-04-01"},
                         token=TOK["agent1"]), 404, "not_found")
        for q in ("state=lost", "overdue=2", "limit=0", "limit=201", "owner=" + "x" * 101):
            check_error(call("GET", "/api/v1/improvement-actions?" + q), 400, "invalid")
        for p in ("/api/v1/meetings/0", "/api/v1/meetings/x", "/api/v1/meetings/999"):
            need(call("GET", p).status in (400, 404), p)
        for role in ("aud1", "appr1"):
            need(call("POST", "/api/v1/meetings", good, token=TOK[role]).status == 403, role)
            need(call("PATCH", "/api/v1/improvement-actions/%d" % ST["a2"], {"state": "done"},
                      token=TOK[role]).status == 403, role)
    case("bad input and wrong roles", bad)


def main(tmp):
    srv = api.Served(tmp, clock=True, users=USERS)
    set_now(T0)
    if not srv.start():
        return 1
    setup_cases()
    if "complaint" in ST:
        meeting_cases()
    srv.stop()


if __name__ == "__main__":
    api.run_main("test_meetings", main, prefix="kedb-meetings-")
