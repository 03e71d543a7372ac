#!/usr/bin/env python3
"""End-to-end tests of maintenance and inspection (python3 standard library only).

Starts $KEDB_BIN/kedb-server with a fake clock and a fast notification sweep and drives
/api/v1/maintenance: admins set up plans per class and per asset (monthly from 31 January:
28 February, 31 March; weekly), tasks generated for the due dates (once, whatever runs
the generation; a plan whose start lies in the past or a server idle for a year gets the
latest missed date only), lists (open, overdue, done, my groups', an asset's), results
recorded by the engineers of the task's group with a photo attachment, a fault that opens
an incident linked to the asset in the same step (403 for another group, 409 the second
time), the overdue message once per task, the completion report, and bad input on every
route (400 naming the field, 404, 403). Ends with "test_maintenance: N passed, N failed".
"""
import os
import struct
import sys
import time
import urllib.parse
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as api  # noqa: E402

from harness import call, check_error, need, ok, set_now  # noqa: E402

case = api.case
DAY = 86400
T0 = 1772438400  # 2026-03-02T08:00:00Z
USERS = [("eng1", "engineer"), ("eng2", "engineer"), ("agent1", "agent"), ("aud1", "auditor")]
TOK = {}
STATE = {}
PLANS = "/api/v1/maintenance/plans"
TASKS = "/api/v1/maintenance/tasks"
CHECKLIST = [{"label": "硒鼓余量", "expected": "> 20%"},
             {"label": "进纸通道", "expected": "无卡纸"}]
PRINTER_PLAN = {"name": "打印机月度巡检", "class": "printer", "every": 1, "unit": "month",
                "start": "2026-01-31", "group": "桌面组", "checklist": CHECKLIST}
PC_PLAN = {"name": "财务电脑周检", "asset": "PC-0001", "every": 1, "unit": "week",
           "start": "2026-03-01", "group": "网络组",
           "checklist": [{"label": "杀毒软件更新", "expected": "当天"}]}


def png():
    def chunk(kind, data):
        c = kind + data
        return struct.pack(">I", len(data)) + c + struct.pack(">I", zlib.crc32(c) & 0xffffffff)
    rows = (b"\x00" + bytes((200, 30, 30)) * 8) * 8
    ihdr = struct.pack(">IIBBBBB", 8, 8, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(rows))
            + chunk(b"IEND", b""))


def as_(name, method, target, body=None):
    return call(method, target, body, token=TOK[name])


def tasks(token=api.DEFAULT, **params):
    j = ok(call("GET", TASKS + "?" + urllib.parse.urlencode(params), token=token))
    need(set(j) == {"total", "limit", "offset", "tasks"}, j)
    return j


def outbox(event):
    j = ok(call("GET", "/api/v1/notifications?limit=200"))
    return [m for m in j["notifications"] if m["event"] == event]


def wait_for(fn, timeout=15):
    end = time.time() + timeout * api.SLOW
    while time.time() < end:
        if fn():
            return True
        time.sleep(0.05)
    return False


def setup_cases():
    def setup():
        for name, _ in USERS:
            r = api.login(name, api.user_password(name))
            need(r.status == 200, "%s login %r" % (name, r))
            TOK[name] = r.json["token"]
        ok(call("POST", "/api/v1/groups", {"name": "桌面组", "members": ["eng1"]}), 201)
        ok(call("POST", "/api/v1/groups", {"name": "网络组", "members": ["eng2"]}), 201)
        for tag, cls in (("PRN-0001", "printer"), ("PRN-0002", "printer"),
                         ("PC-0001", "desktop")):
            ok(as_("eng1", "POST", "/api/v1/assets", {
                "tag": tag, "class": cls, "model": "HP LaserJet M404dn", "user": "張偉",
                "location": "北京总部 3F"}), 201)
        ok(call("POST", "/api/v1/notification-channels", {
            "name": "hook", "kind": "webhook", "url": "http://127.0.0.1:9/hook",
            "events": ["maint_overdue"]}), 201)
    case("users log in; two groups, two printers and a desktop, a channel of maint_overdue",
         setup)


def plan_cases():
    def create():
        set_now(T0)
        j = ok(call("POST", PLANS, PRINTER_PLAN), 201)
        need(j["class"] == "printer" and j["asset"] is None and j["every"] == 1 and
             j["unit"] == "month" and j["group"] == "桌面组" and j["active"] is True, j)
        need([c["label"] for c in j["checklist"]] == ["硒鼓余量", "进纸通道"] and
             j["checklist"][0]["item"] == 1, j["checklist"])
        # due 31 Jan, 28 Feb, 31 Mar: only the latest passed one (28 Feb) for each printer
        need(j["tasks_generated"] == 2, j)
        STATE["printer_plan"] = j["id"]
        j = ok(call("POST", PLANS, PC_PLAN), 201)
        need(j["asset"] == "PC-0001" and j["class"] is None, j)
        need(j["tasks_generated"] == 2, j)  # 1 March (past) and 8 March (within a week)
        STATE["pc_plan"] = j["id"]
        lst = ok(call("GET", PLANS))["plans"]
        need([p["id"] for p in lst] == [STATE["printer_plan"], STATE["pc_plan"]], lst)
        lst = ok(call("GET", PLANS + "?asset=prn-0002"))["plans"]
        need([p["id"] for p in lst] == [STATE["printer_plan"]], lst)
        audit = ok(call("GET", "/api/v1/audit?limit=50"))
        acts = [e["action"] for e in audit["entries"]]
        need(acts.count("maint.plan.create") == 2, acts)
    case("an admin sets up a plan per class (monthly from 31 Jan) and per asset (weekly); "
         "tasks for the latest missed and the coming due dates", create)

    def due_dates():
        j = tasks(plan=STATE["printer_plan"])
        need(j["total"] == 2 and {t["due"] for t in j["tasks"]} == {"2026-02-28"}, j)
        need(sorted(t["asset"]["tag"] for t in j["tasks"]) == ["PRN-0001", "PRN-0002"], j)
        j = tasks(plan=STATE["pc_plan"], state="open")
        need([t["due"] for t in j["tasks"]] == ["2026-03-01", "2026-03-08"], j)
        need([t["overdue"] for t in j["tasks"]] == [True, False], j)
        # the sweep (every 200 ms) tells the groups of the three overdue tasks
        need(wait_for(lambda: len(outbox("maint_overdue")) == 3), outbox("maint_overdue"))
    case("the due dates: 28 Feb for the printers, 1 and 8 March for the desktop", due_dates)

    def idempotent():
        for who in ("eng1", "eng2"):
            j = ok(as_(who, "POST", "/api/v1/maintenance/generate"))
            need(j == {"tasks_generated": 0}, j)
        need(tasks()["total"] == 4, "tasks twice")
        check_error(as_("agent1", "POST", "/api/v1/maintenance/generate"), 403, "forbidden")
    case("generating again creates nothing (engineers may run it; agents 403)", idempotent)

    def change():
        p = PLANS + "/%d" % STATE["pc_plan"]
        j = ok(call("PATCH", p, {"name": "财务电脑周检（新）", "checklist": [
            {"label": "杀毒软件更新", "expected": "当天"}, {"label": "补丁", "expected": ""}]}))
        need(j["name"] == "财务电脑周检（新）" and len(j["checklist"]) == 2, j)
        check_error(call("PATCH", p, {"asset": "PRN-0001"}), 400, "invalid")
        check_error(call("PATCH", p, {"class": "printer"}), 400, "invalid")
        check_error(call("PATCH", PLANS + "/999", {"name": "x"}), 404, "not_found")
        check_error(as_("eng1", "PATCH", p, {"name": "x"}), 403, "forbidden")
        check_error(as_("eng1", "POST", PLANS, PRINTER_PLAN), 403, "forbidden")
        j = ok(as_("aud1", "GET", p))
        need(j["id"] == STATE["pc_plan"], j)
    case("an admin changes a plan's name and checklist; asset and class never change; "
         "engineers may not", change)

    def bad_plans():
        bad = [
            ({}, "name"),
            (dict(PRINTER_PLAN, asset="PRN-0001"), "asset"),
            ({k: v for k, v in PRINTER_PLAN.items() if k != "class"}, "asset"),
            (dict(PRINTER_PLAN, every=0), "every"),
            (dict(PRINTER_PLAN, every=367), "every"),
            (dict(PRINTER_PLAN, every="1"), "every"),
            (dict(PRINTER_PLAN, unit="year"), "unit"),
            (dict(PRINTER_PLAN, start="2026-02-30"), "start"),
            (dict(PRINTER_PLAN, start=20260101), "start"),
            (dict(PRINTER_PLAN, group="没有的组"), "group"),
            (dict(PRINTER_PLAN, group=""), "group"),
            (dict(PRINTER_PLAN, checklist=[]), "checklist"),
            (dict(PRINTER_PLAN, checklist="x"), "checklist"),
            (dict(PRINTER_PLAN, checklist=[{"label": "x"}] * 51), "checklist"),
            (dict(PRINTER_PLAN, checklist=[{"label": ""}]), "checklist[0].label"),
            (dict(PRINTER_PLAN, checklist=[{"label": "a\nb"}]), "checklist[0].label"),
            (dict(PRINTER_PLAN, checklist=[{"label": "x" * 201}]), "checklist[0].label"),
            (dict(PRINTER_PLAN, checklist=[{"label": "x", "value": 1}]), "checklist[0]"),
            (dict(PRINTER_PLAN, checklist=[7]), "checklist[0]"),
            (dict(PRINTER_PLAN, **{"class": "printerx"}), "class"),
            (dict(PC_PLAN, asset="NO-SUCH"), "asset"),
            (dict(PC_PLAN, asset="../x"), "asset"),
            (dict(PRINTER_PLAN, name="x" * 101), "name"),
            (dict(PRINTER_PLAN, active="yes"), "active"),
            (dict(PRINTER_PLAN, color="red"), "color"),
        ]
        for body, field in bad:
            e = check_error(call("POST", PLANS, body), 400, "invalid")
            need(field in e["message"], "%r: %r" % (field, e))
        check_error(api.request("POST", PLANS, body=b"{", headers={
            "Content-Type": "application/json"}), 400, "parse_error")
        for p in ("0", "-1", "abc", "99999999999999999999", "1.5"):
            r = call("GET", PLANS + "/" + p)
            need(r.status == 400, "%s: %r" % (p, r))
        check_error(call("GET", PLANS + "/12345"), 404, "not_found")
        check_error(call("GET", PLANS + "?asset=NO-SUCH"), 404, "not_found")
        need(len(ok(call("GET", PLANS))["plans"]) == 2, "a bad plan was kept")
    case("bad plans are 400 naming the field (nothing kept); bad ids 400, unknown 404",
         bad_plans)


def task_cases():
    def lists():
        j = tasks(state="overdue")
        need(j["total"] == 3 and [t["due"] for t in j["tasks"]] ==
             ["2026-02-28", "2026-02-28", "2026-03-01"], j)
        j = tasks(token=TOK["eng1"], state="open", mine=1)
        need(j["total"] == 2 and all(t["group"] == "桌面组" for t in j["tasks"]), j)
        j = tasks(group="网络组")
        need(j["total"] == 2, j)
        j = tasks(asset="prn-0001")
        need(j["total"] == 1 and j["tasks"][0]["asset"]["tag"] == "PRN-0001", j)
        STATE["task"] = j["tasks"][0]["id"]
        j = tasks(asset="PRN-0002")
        STATE["task2"] = j["tasks"][0]["id"]
        j = tasks(state="done")
        need(j["total"] == 0, j)
        j = tasks(token=TOK["aud1"], limit=1, offset=1)
        need(j["total"] == 4 and len(j["tasks"]) == 1, j)
        t = ok(call("GET", TASKS + "/%d" % STATE["task"]))
        need(t["status"] == "open" and t["overdue"] is True and t["late"] is False and
             t["incident"] is None and t["results"] == [] and
             [c["label"] for c in t["checklist"]] == ["硒鼓余量", "进纸通道"], t)
        for bad in ("state=late", "limit=0", "limit=101", "plan=x", "mine=2", "from=2026-13-01",
                    "to=x", "offset=-1"):
            check_error(call("GET", TASKS + "?" + bad), 400, "invalid")
        for p in ("0", "x", "-1"):
            check_error(call("GET", TASKS + "/" + p), 400, "invalid")
        check_error(call("GET", TASKS + "/424242"), 404, "not_found")
    case("lists: overdue soonest first, my groups' open tasks, a group's, an asset's, done; "
         "one task with its checklist; bad filters 400", lists)

    def photo():
        base = TASKS + "/%d/attachments" % STATE["task"]
        r = api.request("POST", base + "?name=toner.png", body=png(),
                        headers={"Content-Type": "image/png"}, token=TOK["eng1"])
        j = ok(r, 201)
        need(j["type"] == "image/png" and j["url"].startswith(base + "/"), j)
        STATE["photo"] = j["id"]
        r = api.request("POST", base + "?name=x.png", body=png(),
                        headers={"Content-Type": "image/png"}, token=TOK["eng2"])
        check_error(r, 403, "denied")
        r = api.request("POST", base + "?name=x.png", body=png(),
                        headers={"Content-Type": "image/png"}, token=TOK["agent1"])
        check_error(r, 403, "forbidden")
        lst = ok(call("GET", base, token=TOK["aud1"]))
        need([a["id"] for a in lst["attachments"]] == [STATE["photo"]], lst)
        r = api.request("POST", TASKS + "/0%d/attachments?name=x.png" % STATE["task"],
                        body=png(), headers={"Content-Type": "image/png"})
        need(r.status in (201, 400), r)  # "07" is task 7 (its canonical name), never "07"
        if r.status == 201:
            need(r.json["url"].startswith(TASKS + "/%d/" % STATE["task"]), r.json)
            ok(call("DELETE", TASKS + "/%d/attachments/%d" % (STATE["task"], r.json["id"])))
        check_error(call("GET", TASKS + "/424242/attachments"), 404, "not_found")
    case("the engineer of the task's group attaches a photo (another group's 403, agents "
         "403); everyone reads it", photo)

    def record_fault():
        path = TASKS + "/%d/results" % STATE["task"]
        good = {"results": [
            {"item": 1, "outcome": "ok", "note": "余量 60%"},
            {"item": 2, "outcome": "fault", "note": "搓纸轮磨损，频繁卡纸", "photo": STATE["photo"]}],
            "priority": "P2"}
        check_error(as_("eng2", "POST", path, good), 403, "denied")
        check_error(as_("agent1", "POST", path, good), 403, "forbidden")
        j = ok(as_("eng1", "POST", path, good))
        need(j["status"] == "done" and j["done_by"] == "eng1" and j["late"] is True and
             j["overdue"] is False and j["incident"], j)
        need([(r["item"], r["outcome"]) for r in j["results"]] == [(1, "ok"), (2, "fault")], j)
        need(j["results"][1]["photo"]["id"] == STATE["photo"] and
             j["results"][1]["label"] == "进纸通道" and j["results"][1]["expected"] == "无卡纸",
             j["results"])
        inc = ok(call("GET", "/api/v1/incidents/" + j["incident"]))
        need(inc["ci"] == "PRN-0001" and inc["group"] == "桌面组" and inc["priority"] == "P2"
             and inc["category"] == "printer" and "进纸通道" in inc["summary"] and
             "搓纸轮磨损" in inc["description"] and inc["caller_name"] == "張偉", inc)
        a = ok(call("GET", "/api/v1/assets/PRN-0001"))
        need([i["number"] for i in a["incidents"]] == [j["incident"]], a["incidents"])
        check_error(as_("eng1", "POST", path, good), 409, "conflict")
        base = TASKS + "/%d/attachments" % STATE["task"]
        r = api.request("POST", base + "?name=late.png", body=png(),
                        headers={"Content-Type": "image/png"}, token=TOK["eng1"])
        check_error(r, 409, "conflict")
        audit = ok(call("GET", "/api/v1/audit?limit=50"))
        need("maint.task.done" in [e["action"] for e in audit["entries"]], audit)
        STATE["incident"] = j["incident"]
    case("the engineer records ok and a fault with a note and the photo: the task is done "
         "(late) and names a new incident linked to the asset; a second time 409", record_fault)

    def bad_results():
        path = TASKS + "/%d/results" % STATE["task2"]
        bad = [
            ({}, "results"),
            ({"results": []}, "results"),
            ({"results": "x"}, "results"),
            ({"results": [1]}, "results[0]"),
            ({"results": [{"item": 1, "outcome": "ok"}]}, "item 2"),
            ({"results": [{"item": 1, "outcome": "ok"}, {"item": 1, "outcome": "ok"}]},
             "twice"),
            ({"results": [{"item": 3, "outcome": "ok"}]}, "results[0].item"),
            ({"results": [{"item": 0, "outcome": "ok"}]}, "item"),
            ({"results": [{"item": "1", "outcome": "ok"}]}, "item"),
            ({"results": [{"outcome": "ok"}]}, "item"),
            ({"results": [{"item": 1, "outcome": "bad"}]}, "outcome"),
            ({"results": [{"item": 1}]}, "outcome"),
            ({"results": [{"item": 1, "outcome": "ok", "x": 1}]}, "x"),
            ({"results": [{"item": 1, "outcome": "ok", "note": "x" * 2001},
                          {"item": 2, "outcome": "ok"}]}, "note"),
            ({"results": [{"item": 1, "outcome": "ok", "photo": STATE["photo"]},
                          {"item": 2, "outcome": "ok"}]}, "photo"),
            ({"results": [{"item": 1, "outcome": "ok", "photo": -1},
                          {"item": 2, "outcome": "ok"}]}, "photo"),
            ({"results": [{"item": 1, "outcome": "ok"}, {"item": 2, "outcome": "ok"}],
              "priority": "P9"}, "P"),
            ({"results": [{"item": 1, "outcome": "ok"}], "extra": 1}, "extra"),
        ]
        for body, word in bad:
            e = check_error(as_("eng1", "POST", path, body), 400, "invalid")
            need(word in e["message"], "%r: %r" % (word, e))
        t = ok(call("GET", TASKS + "/%d" % STATE["task2"]))
        need(t["status"] == "open" and t["results"] == [], t)
        check_error(as_("eng1", "POST", TASKS + "/424242/results", {"results": [
            {"item": 1, "outcome": "ok"}]}), 404, "not_found")
    case("bad results are 400 naming what is wrong and change nothing; unknown task 404",
         bad_results)

    def record_ok():
        j = ok(call("POST", TASKS + "/%d/results" % STATE["task2"], {"results": [
            {"item": 1, "outcome": "ok"}, {"item": 2, "outcome": "ok", "note": ""}]}))
        need(j["status"] == "done" and j["incident"] is None and j["done_by"] == "tester", j)
    case("an admin records a task of any group; all ok opens no incident", record_ok)


def sweep_cases():
    def overdue():
        time.sleep(0.6 * api.SLOW)  # a few more sweeps: still once per task
        msgs = outbox("maint_overdue")
        need(len(msgs) == 3, msgs)
    case("the sweep tells the group once per overdue task (maint_overdue)", overdue)

    def report():
        j = ok(call("GET", "/api/v1/maintenance/report?from=2026-01-01&to=2026-03-31",
                    token=TOK["agent1"]))
        need(j["from"] == "2026-01-01" and j["to"] == "2026-03-31" and j["today"] ==
             "2026-03-02", j)
        by = {r["group"]: r for r in j["by_group"]}
        need(by["桌面组"]["total"] == 2 and by["桌面组"]["late"] == 2 and
             by["桌面组"]["on_time"] == 0 and by["桌面组"]["on_time_rate"] == 0, by)
        need(by["网络组"]["overdue"] == 1 and by["网络组"]["open"] == 1, by)
        months = {r["month"]: r["total"] for r in j["by_month"]}
        need(months == {"2026-02": 2, "2026-03": 2}, months)
        classes = {r["class"]: r["total"] for r in j["by_class"]}
        need(classes == {"printer": 2, "desktop": 2}, classes)
        ok(call("GET", "/api/v1/maintenance/report"))
        for bad in ("from=2026-02-30", "to=x", "from=2026-03-01&to=2026-02-01",
                    "from=2000-01-01&to=2026-01-01"):
            check_error(call("GET", "/api/v1/maintenance/report?" + bad), 400, "invalid")
    case("the completion report per month, group and class (on time, late, open, overdue)",
         report)

    def idle_year():
        need(tasks()["total"] == 4, "before")
        set_now(T0 + 365 * DAY)  # 2027-03-02: a server that was off for a year
        ok(call("POST", "/api/v1/maintenance/generate"))  # (or the sweep came first)
        # printers: 28 Feb 2027 only; the desktop: 28 Feb 2027 and 7 March 2027
        j = tasks(state="open", **{"from": "2027-01-01"})
        need(sorted((t["asset"]["tag"], t["due"]) for t in j["tasks"]) == [
            ("PC-0001", "2027-02-28"), ("PC-0001", "2027-03-07"), ("PRN-0001", "2027-02-28"),
            ("PRN-0002", "2027-02-28")], j)
        ok(call("PATCH", PLANS + "/%d" % STATE["printer_plan"], {"active": False}))
        set_now(T0 + 400 * DAY)  # 2027-04-06
        ok(call("POST", "/api/v1/maintenance/generate"))
        j = tasks(state="open", **{"from": "2027-03-08"})
        # the desktop only (the printers' plan is off): 4 April, then 11 April ahead
        need([(t["asset"]["tag"], t["due"]) for t in j["tasks"]] == [
            ("PC-0001", "2027-04-04"), ("PC-0001", "2027-04-11")], j)
    case("a year idle: one task for the latest missed date per plan and asset, not one per "
         "missed date; an inactive plan generates nothing", idle_year)


def main(tmp):
    srv = api.Served(tmp, clock=True, users=USERS,
                     args=["--notify-interval-ms", "100", "--notify-sweep-ms", "200"])
    set_now(T0)
    if not srv.start():
        return 1
    setup_cases()
    if len(TOK) == len(USERS):
        plan_cases()
        if "printer_plan" in STATE:
            task_cases()
            sweep_cases()
    srv.stop()


if __name__ == "__main__":
    api.run_main("test_maintenance", main, prefix="kedb-maint-")
