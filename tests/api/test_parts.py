#!/usr/bin/env python3
"""End-to-end tests of the spare-parts store (python3 standard library only).

Starts $KEDB_BIN/kedb-server with a fake clock over tests/data and drives /api/v1/parts:
an admin sets up locations and the catalogue (409 for a number taken in any case), an
engineer issues a part to an asset and to an incident whose ci names an asset, returns,
moves and scraps it with who, when and why; stock never goes negative (409 conflict with
a Chinese message) and eight concurrent issues of the last unit over real HTTP give it to
exactly one; below its minimum a part is listed as low and one part_low message goes into
the outbox per crossing; a replenishment request is approved by another person (four eyes)
and received into stock; the monthly consumption per part and model as JSON and CSV; the
movements of an asset; bad input on every route. Ends with "test_parts: N passed,
N failed".
"""
import csv
import io
import os
import sys
import threading
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as api  # noqa: E402  (the shared harness: case, request, checks)

from harness import call, check_error, need, ok, set_now  # noqa: E402

case = api.case
T0 = 1772438400  # 2026-03-02T08:00:00Z
MONTH = 31 * 86400
USERS = [("eng1", "engineer"), ("eng2", "engineer"), ("appr1", "approver"),
         ("agent1", "agent"), ("aud1", "auditor")]
TOK = {}
PART_KEYS = {"number", "name", "unit", "models", "notes", "minimum", "stock", "low",
             "low_since", "created_by", "created_at", "updated_by", "updated_at"}
TONER = {"number": "CF259A", "name": "HP 59A 黑色硒鼓", "unit": "支",
         "models": ["LaserJet M404dn", "LaserJet M428fdw"], "minimum": 2,
         "notes": "原装\n每次领用登记"}
ST = {}


def ppath(number, rest=""):
    return "/api/v1/parts/" + urllib.parse.quote(number, safe="") + rest


def as_user(name):
    return TOK[name]


def move(number, body, user="eng1"):
    return call("POST", ppath(number, "/movements"), body, token=as_user(user))


def stock(number):
    return ok(call("GET", ppath(number)))["stock"]


def low_messages(number="CF259A"):
    rows = ok(api.get(api.q("/api/v1/notifications", limit=200)))["notifications"]
    return [m for m in rows if m["event"] == "part_low" and m["object"] == number]


def login_cases():
    def logins():
        for name, _ in USERS:
            r = api.login(name, api.user_password(name))
            need(r.status == 200, "%s: %r" % (name, r))
            TOK[name] = r.json["token"]
    case("the engineers, an approver, an agent and an auditor log in", logins)


def setup_cases():
    def channel():
        c = ok(call("POST", "/api/v1/notification-channels",
                    {"kind": "webhook", "name": "store hook", "url": "http://127.0.0.1:9/h",
                     "events": ["part_low"]}), 201)
        ST["channel"] = c["id"]
    case("a channel hears of low stock (part_low is a known event)", channel)

    def locations():
        for name, note in (("总部仓库", "B1"), ("3F 备件柜", "东区")):
            j = ok(call("POST", "/api/v1/parts/locations", {"name": name, "note": note}), 201)
            need(j["name"] == name and j["note"] == note, j)
        check_error(call("POST", "/api/v1/parts/locations", {"name": " 总部仓库 "}), 409,
                    "exists")
        check_error(call("POST", "/api/v1/parts/locations", {"name": "x"},
                         token=as_user("eng1")), 403, "forbidden")
        names = [l["name"] for l in ok(call("GET", "/api/v1/parts/locations",
                                            token=as_user("agent1")))["locations"]]
        need(names == ["3F 备件柜", "总部仓库"], names)
    case("an admin adds store locations (409 for a name taken; engineers may not)", locations)

    def catalogue():
        j = ok(call("POST", "/api/v1/parts", TONER), 201)
        need(PART_KEYS | {"locations"} == set(j), sorted(j))
        need(j["models"] == TONER["models"] and j["unit"] == "支" and j["stock"] == 0 and
             j["low"] is True and j["minimum"] == 2 and j["created_by"] == "tester", j)
        j = ok(call("POST", "/api/v1/parts", {"number": "RM2-5425", "name": "定影组件",
                                              "models": ["LaserJet M404dn"]}), 201)
        need(j["unit"] == "个" and j["minimum"] == 0 and j["low"] is False, j)
        ok(call("POST", "/api/v1/parts", {"number": "LAST-1", "name": "最后一个", "minimum": 0}),
           201)
        check_error(call("POST", "/api/v1/parts", dict(TONER, number="cf259a")), 409, "exists")
        check_error(call("POST", "/api/v1/parts", {"number": "X-1", "name": "x"},
                         token=as_user("eng1")), 403, "forbidden")
        j = ok(call("PATCH", ppath("rm2-5425"), {"minimum": 1, "notes": "易损"}))
        need(j["minimum"] == 1 and j["notes"] == "易损" and j["low"] is True, j)
        audit = ok(call("GET", "/api/v1/audit?object=part:CF259A&limit=50"))["entries"]
        need(any(e["action"] == "part.create" for e in audit), audit)
    case("an admin sets up the catalogue; numbers are unique in any case", catalogue)

    def asset_and_incident():
        ok(call("POST", "/api/v1/assets", {"tag": "PRN-0001", "class": "printer",
                                           "brand": "HP", "model": "LaserJet M404dn"}), 201)
        ok(call("POST", "/api/v1/assets", {"tag": "PRN-0002", "class": "printer",
                                           "model": "LaserJet M428fdw"}), 201)
        j = ok(call("POST", "/api/v1/incidents", {
            "caller_name": "王芳", "caller_phone": "13800138000", "channel": "phone",
            "category": "printer", "priority": "P3", "summary": "打印机缺粉",
            "ci": "PRN-0002"}), 201)
        ST["inc"] = j["number"]
    case("two printers and an incident whose ci names the second", asset_and_incident)


def movement_cases():
    def receive():
        set_now(T0 + 60)
        check_error(move("CF259A", {"kind": "receive", "quantity": 3, "location": "总部仓库"}),
                    403, "denied")
        j = ok(call("POST", ppath("CF259A", "/movements"),
                    {"kind": "receive", "quantity": 3, "location": "总部仓库", "note": "盘点"}),
               201)
        need(j["stock"] == 3 and j["low"] is False and
             j["locations"] == [{"location": "总部仓库", "quantity": 3}], j)
        ok(call("POST", ppath("LAST-1", "/movements"),
                {"kind": "receive", "quantity": 1, "location": "3F 备件柜"}), 201)
    case("an admin receives opening stock; an engineer may not outside replenishment",
         receive)

    def issue_to_asset():
        set_now(T0 + 120)
        j = ok(move("CF259A", {"kind": "issue", "quantity": 1, "location": "总部仓库",
                               "asset": "prn-0001", "note": "更换硒鼓"}), 201)
        need(j["stock"] == 2 and j["low"] is False, j)
        m = ok(call("GET", ppath("CF259A")))["movements"][0]
        need(m["kind"] == "issue" and m["quantity"] == 1 and m["from"] == "总部仓库" and
             m["asset"] == "PRN-0001" and m["model"] == "LaserJet M404dn" and
             m["actor"] == "eng1" and m["note"] == "更换硒鼓" and
             m["at"] == api.iso(T0 + 120), m)
    case("an engineer issues a toner to a printer: who, when, how many, its model", issue_to_asset)

    def too_many():
        e = check_error(move("CF259A", {"kind": "issue", "quantity": 3, "location": "总部仓库",
                                        "asset": "PRN-0001"}), 409, "conflict")
        need("not enough stock" in e["message"] and "库存不足" in e["message_zh"], e)
        check_error(move("CF259A", {"kind": "scrap", "quantity": 1, "location": "3F 备件柜",
                                    "note": "x"}), 409, "conflict")
        need(stock("CF259A") == 2, "stock changed")
    case("an issue of more than a location holds is 409 with a Chinese message; nothing moves",
         too_many)

    def low_and_told_once():
        need(len(low_messages()) == 1, "created below its minimum: %r" % low_messages())
        set_now(T0 + 180)
        j = ok(move("CF259A", {"kind": "issue", "quantity": 1, "location": "总部仓库",
                               "incident": ST["inc"]}), 201)
        need(j["low"] is True and j["stock"] == 1 and j["low_since"] == api.iso(T0 + 180), j)
        m = ok(call("GET", ppath("CF259A")))["movements"][0]
        need(m["incident"] == ST["inc"] and m["asset"] == "PRN-0002" and
             m["model"] == "LaserJet M428fdw", m)
        msgs = low_messages()
        need(len(msgs) == 2 and msgs[0]["object"] == "CF259A" and "CF259A" in msgs[0]["title"]
             and "1 支" in msgs[0]["text"] and "2 支" in msgs[0]["text"], msgs)
        lows = ok(call("GET", "/api/v1/parts?low=1", token=as_user("agent1")))
        need([p["number"] for p in lows["parts"]] == ["CF259A", "RM2-5425"], lows)
        # still low: a return and another issue tell nobody again
        ok(move("CF259A", {"kind": "return", "quantity": 1, "location": "总部仓库",
                           "incident": ST["inc"], "note": "未用"}), 201)
        need(stock("CF259A") == 2 and len(low_messages()) == 2, "a return crossed back")
        need(len(low_messages("RM2-5425")) == 1, "a minimum raised above the stock")
        ok(move("CF259A", {"kind": "issue", "quantity": 1, "location": "总部仓库",
                           "asset": "PRN-0001"}), 201)
        need(len(low_messages()) == 3, "a new crossing is told again")
        ok(move("CF259A", {"kind": "move", "quantity": 1, "location": "总部仓库",
                           "to_location": "3F 备件柜"}), 201)
        need(len(low_messages()) == 3, "a move is not a crossing")
        p = ok(call("GET", ppath("CF259A")))
        need(p["locations"] == [{"location": "3F 备件柜", "quantity": 1},
                                {"location": "总部仓库", "quantity": 0}], p["locations"])
    case("below its minimum a part is listed low and told once per crossing", low_and_told_once)

    def concurrent_last_unit():
        results = []
        lock = threading.Lock()
        barrier = threading.Barrier(8)

        def one(i):
            barrier.wait()
            r = move("LAST-1", {"kind": "issue", "quantity": 1, "location": "3F 备件柜",
                                "asset": "PRN-0001", "note": "thread %d" % i},
                     user="eng1" if i % 2 else "eng2")
            with lock:
                results.append(r)
        threads = [threading.Thread(target=one, args=(i,)) for i in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        codes = sorted(r.status for r in results)
        need(codes == [201] + [409] * 7, codes)
        for r in results:
            if r.status == 409:
                check_error(r, 409, "conflict")
        p = ok(call("GET", ppath("LAST-1")))
        need(p["stock"] == 0 and p["movements_total"] == 2, p)
    case("eight concurrent issues of the last unit over HTTP: exactly one gets it",
         concurrent_last_unit)

    def asset_parts():
        j = ok(call("GET", api.q("/api/v1/parts/movements", asset="prn-0001"),
                    token=as_user("agent1")))
        need(j["total"] == 3 and all(m["asset"] == "PRN-0001" for m in j["movements"]), j)
        j = ok(call("GET", api.q("/api/v1/parts/movements", incident=ST["inc"])))
        need(j["total"] == 2, j)
    case("the movements of an asset and of an incident", asset_parts)


def replenish_cases():
    def flow():
        set_now(T0 + 600)
        r = ok(call("POST", "/api/v1/parts/replenishments",
                    {"part": "cf259a", "quantity": 5, "location": "总部仓库",
                     "reason": "低于最低库存"}, token=as_user("eng1")), 201)
        need(r["state"] == "pending" and r["part"] == "CF259A" and r["requested_by"] == "eng1"
             and r["quantity"] == 5 and r["location"] == "总部仓库", r)
        rid = ST["rid"] = r["id"]
        base = "/api/v1/parts/replenishments/%d" % rid
        check_error(call("POST", base + "/receive", {}, token=as_user("eng1")), 409, "conflict")
        check_error(call("POST", base + "/approve", {}, token=as_user("eng1")), 403,
                    "forbidden")
        check_error(call("POST", base + "/reject", {}, token=as_user("appr1")), 400, "invalid")
        # an admin who asked may not decide either
        r2 = ok(call("POST", "/api/v1/parts/replenishments", {"part": "RM2-5425",
                                                              "quantity": 2}), 201)
        e = check_error(call("POST", "/api/v1/parts/replenishments/%d/approve" % r2["id"], {}),
                        403, "denied")
        need("four-eyes" in e["message"], e)
        ok(call("POST", "/api/v1/parts/replenishments/%d/reject" % r2["id"],
                {"comment": "不需要"}, token=as_user("appr1")))
        j = ok(call("POST", base + "/approve", {"comment": "同意"}, token=as_user("appr1")))
        need(j["state"] == "approved" and j["decided_by"] == "appr1" and j["comment"] == "同意", j)
        check_error(call("POST", base + "/approve", {}, token=as_user("appr1")), 409,
                    "conflict")
        set_now(T0 + 700)
        j = ok(call("POST", base + "/receive", {"note": "到货"}, token=as_user("eng2")))
        need(j["state"] == "received" and j["received"] == 5 and j["received_by"] == "eng2", j)
        p = ok(call("GET", ppath("CF259A")))
        need(p["stock"] == 6 and p["low"] is False and p["low_since"] is None, p)
        m = p["movements"][0]
        need(m["kind"] == "receive" and m["replenishment"] == rid and m["to"] == "总部仓库", m)
        ids = [x["id"] for x in p["replenishments"]]
        need(ids == [rid], ids)  # the part's own requests
        check_error(call("POST", base + "/receive", {}, token=as_user("eng2")), 409, "conflict")
        lst = ok(call("GET", "/api/v1/parts/replenishments?state=received"))
        need([x["id"] for x in lst["replenishments"]] == [rid], lst)
        acts = [e["action"] for e in ok(call(
            "GET", "/api/v1/audit?object=part:CF259A&limit=100"))["entries"]]
        for a in ("part.reorder", "part.reorder_approve", "part.receive", "part.issue",
                  "part.return", "part.move"):
            need(a in acts, "%s not in %r" % (a, acts))
    case("replenishment: asked by an engineer, approved by another person, received once",
         flow)


def report_cases():
    set_now(T0 + MONTH)
    login_cases()  # a month on: the sessions have expired

    def report():
        ok(move("CF259A", {"kind": "issue", "quantity": 2, "location": "总部仓库",
                           "asset": "PRN-0002"}), 201)
        j = ok(call("GET", "/api/v1/parts/consumption?from=2026-03&to=2026-04",
                    token=as_user("agent1")))
        need(j["by"] == "part" and j["from"] == "2026-03" and j["to"] == "2026-04", j)
        rows = [(r["month"], r["part"], r["issued"], r["returned"], r["consumed"])
                for r in j["rows"]]
        need(rows == [("2026-03", "CF259A", 3, 1, 2), ("2026-03", "LAST-1", 1, 0, 1),
                      ("2026-04", "CF259A", 2, 0, 2)], rows)
        j = ok(call("GET", "/api/v1/parts/consumption?from=2026-03&to=2026-04&by=model"))
        rows = [(r["month"], r["model"], r["part"], r["consumed"]) for r in j["rows"]]
        need(rows == [("2026-03", "LaserJet M404dn", "CF259A", 2),
                      ("2026-03", "LaserJet M404dn", "LAST-1", 1),
                      ("2026-03", "LaserJet M428fdw", "CF259A", 0),
                      ("2026-04", "LaserJet M428fdw", "CF259A", 2)], rows)
        r = call("GET", "/api/v1/parts/consumption.csv?from=2026-03&to=2026-04&by=model")
        need(r.status == 200 and r.headers["content-type"].startswith("text/csv"), r)
        text = r.body.decode("utf-8-sig")
        table = list(csv.reader(io.StringIO(text)))
        need(table[0] == ["month", "model", "part", "name", "unit", "issued", "returned",
                          "consumed"] and table[1][:3] == ["2026-03", "LaserJet M404dn",
                                                          "CF259A"], table)
        r = call("GET", "/api/v1/parts/consumption.csv?from=2026-03&to=2026-03")
        table = list(csv.reader(io.StringIO(r.body.decode("utf-8-sig"))))
        need(table[0][:2] == ["month", "part"] and len(table) == 3, table)
        j = ok(call("GET", "/api/v1/parts/consumption"))
        need(j["to"] == "2026-04" and j["from"] == "2025-05", j)
    case("monthly consumption per part and per model, JSON and CSV", report)


def bad_input_cases():
    def bodies():
        for body in ({}, {"number": "x"}, {"name": "x"}, {"number": "-x", "name": "x"},
                     {"number": "locations", "name": "x"}, {"number": "a" * 41, "name": "x"},
                     {"number": "A1", "name": " "}, {"number": "A1", "name": "x", "minimum": -1},
                     {"number": "A1", "name": "x", "minimum": 1.5},
                     {"number": "A1", "name": "x", "minimum": "2"},
                     {"number": "A1", "name": "x", "models": ["a", "A"]},
                     {"number": "A1", "name": "x", "models": "a"},
                     {"number": "A1", "name": "x", "models": [""]},
                     {"number": "A1", "name": "x\ny"}, {"number": "A1", "name": "x", "more": 1},
                     {"number": "A1", "name": "x", "unit": "u" * 21}):
            check_error(call("POST", "/api/v1/parts", body), 400, "invalid")
        check_error(call("PATCH", ppath("CF259A"), {"number": "X"}), 400, "invalid")
        check_error(call("PATCH", ppath("CF259A"), {"unit": ""}), 400, "invalid")
        check_error(call("PATCH", ppath("NOPE"), {"name": "x"}), 404, "not_found")
        check_error(call("GET", ppath("NOPE")), 404, "not_found")
        check_error(call("GET", ppath("a%2Fb")), 404, "not_found")
        for body in ({}, {"kind": "lend", "quantity": 1, "location": "总部仓库"},
                     {"kind": "issue", "location": "总部仓库", "asset": "PRN-0001"},
                     {"kind": "issue", "quantity": 0, "location": "总部仓库", "asset": "PRN-0001"},
                     {"kind": "issue", "quantity": -1, "location": "总部仓库", "asset": "PRN-0001"},
                     {"kind": "issue", "quantity": 10 ** 7, "location": "总部仓库",
                      "asset": "PRN-0001"},
                     {"kind": "issue", "quantity": "1", "location": "总部仓库", "asset": "PRN-0001"},
                     {"kind": "issue", "quantity": 1, "location": "总部仓库"},
                     {"kind": "issue", "quantity": 1, "location": "地下室", "asset": "PRN-0001"},
                     {"kind": "issue", "quantity": 1, "asset": "PRN-0001"},
                     {"kind": "issue", "quantity": 1, "location": "总部仓库", "asset": "NOPE"},
                     {"kind": "issue", "quantity": 1, "location": "总部仓库",
                      "incident": "INC-0"},
                     {"kind": "move", "quantity": 1, "location": "总部仓库"},
                     {"kind": "move", "quantity": 1, "location": "总部仓库",
                      "to_location": "总部仓库"},
                     {"kind": "scrap", "quantity": 1, "location": "总部仓库"},
                     {"kind": "scrap", "quantity": 1, "location": "总部仓库", "note": "x",
                      "asset": "PRN-0001"},
                     {"kind": "return", "quantity": 1, "location": "总部仓库",
                      "to_location": "3F 备件柜"},
                     {"kind": "issue", "quantity": 1, "location": "总部仓库",
                      "asset": "PRN-0001", "extra": 1}):
            check_error(move("CF259A", body), 400, "invalid")
        check_error(move("NOPE", {"kind": "scrap", "quantity": 1, "location": "总部仓库",
                                  "note": "x"}), 404, "not_found")
        for body in ({}, {"part": "NOPE"}, {"part": "CF259A", "quantity": 0},
                     {"part": "CF259A", "location": "地下室"}, {"part": 1},
                     {"part": "CF259A", "reason": "x" * 2001}):
            check_error(call("POST", "/api/v1/parts/replenishments", body,
                             token=as_user("eng1")), 400, "invalid")
        for target, status, code in (
                ("/api/v1/parts/replenishments/0", 400, "invalid"),
                ("/api/v1/parts/replenishments/x", 400, "invalid"),
                ("/api/v1/parts/replenishments/999", 404, "not_found"),
                ("/api/v1/parts/replenishments?state=x", 400, "invalid"),
                ("/api/v1/parts?low=2", 400, "invalid"),
                ("/api/v1/parts?limit=0", 400, "invalid"),
                ("/api/v1/parts?q=" + "x" * 201, 400, "invalid"),
                ("/api/v1/parts/movements?asset=" + "x" * 65, 400, "invalid"),
                ("/api/v1/parts/consumption?from=2026-13", 400, "invalid"),
                ("/api/v1/parts/consumption?from=2026-04&to=2026-03", 400, "invalid"),
                ("/api/v1/parts/consumption?from=2020-01&to=2026-03", 400, "invalid"),
                ("/api/v1/parts/consumption?by=day", 400, "invalid"),
                ("/api/v1/parts/consumption.csv?to=x", 400, "invalid")):
            check_error(call("GET", target), status, code)
        check_error(call("POST", "/api/v1/parts/replenishments/%d/lend" % ST["rid"], {}), 404,
                    "not_found")
        check_error(call("POST", "/api/v1/parts/replenishments/999/approve", {},
                         token=as_user("appr1")), 404, "not_found")
        need(call("GET", "/api/v1/parts?q=%20").json["total"] == 0, "spaces find nothing")
        j = ok(call("GET", "/api/v1/parts?q=m428"))
        need([p["number"] for p in j["parts"]] == ["CF259A"], j)
    case("bad input on every route: 400/404 with the error shape and Chinese", bodies)


def import_cases(srv):
    def demo():
        path = os.path.join(api.ROOT, "samples", "parts.csv")
        r = api.admin("--db", srv.db, "parts", "import", path)
        need(r.returncode == 0 and b"8 added, 2 already there" in r.stdout, "%r" % (r,))
        r = api.admin("--db", srv.db, "parts", "import", path)
        need(r.returncode == 0 and b"0 added, 10 already there" in r.stdout, "%r" % (r,))
        p = ok(call("GET", ppath("TN-2425")))
        need(p["stock"] == 4 and p["locations"] == [{"location": "3F 备件柜", "quantity": 4}]
             and p["models"] == ["Brother HL-2595DW", "Brother MFC-7895DW"], p)
        need(ok(call("GET", ppath("PSU-65W")))["low"] is True, "no opening stock: low")
        bad = os.path.join(srv.tmp, "bad.csv")
        with open(bad, "w") as f:
            f.write("number,name,unit,models,minimum,location,stock\nX-1,x\n-bad,x,个,,0,总部仓库,1\n")
        r = api.admin("--db", srv.db, "parts", "import", bad)
        need(r.returncode == 1 and b"bad.csv:2:" in r.stderr and b"bad.csv:3:" in r.stderr,
             "%r" % (r,))
    case("kedb-admin parts import: the demo parts beside those there, with locations and "
         "opening stock; again unchanged; bad rows named by line", demo)


def main(tmp):
    srv = api.Served(tmp, clock=True, users=USERS)
    set_now(T0)
    if not srv.start():
        return 1
    login_cases()
    if len(TOK) == len(USERS):
        setup_cases()
        movement_cases()
        replenish_cases()
        report_cases()
        bad_input_cases()
        import_cases(srv)
    srv.stop()


if __name__ == "__main__":
    api.run_main("test_parts", main, prefix="kedb-parts-")
