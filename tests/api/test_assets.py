#!/usr/bin/env python3
"""End-to-end tests of the asset archive (python3 standard library only).

Starts $KEDB_BIN/kedb-server with a fake clock over tests/data and drives /api/v1/assets:
engineers create and change assets (409 for a tag taken in any case), every field's bad
input (400 naming the field, unknown fields, dates, the warranty before the purchase,
specs of unknown keys, software lists), the history of every change with who and when and
its audit entries, search by tag, part of a serial, model, user and a Traditional-character
location with the class and status filters, the incidents whose ci names the asset, the
caller a user is linked to, and scrapping: asked by one person, decided by another
(four-eyes), final except for an admin who restores. Ends with
"test_assets: N passed, N failed".
"""
import os
import sys
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as api  # noqa: E402  (the shared harness: case, request, checks)

from harness import call, check_error, need, ok, set_now  # noqa: E402

case = api.case
T0 = 1772438400  # 2026-03-02T08:00:00Z
ASSET_KEYS = {"tag", "class", "brand", "model", "serial", "user", "caller_id", "department",
              "location", "supplier", "purchase_date", "warranty_end", "status", "specs",
              "software", "notes", "scrap_request", "created_by", "created_at", "updated_by",
              "updated_at"}
USERS = [("eng1", "engineer"), ("eng2", "engineer"), ("appr1", "approver"),
         ("boss", "engineer,approver"), ("agent1", "agent"), ("aud1", "auditor")]
TOK = {}
PRINTER = {
    "tag": "PRN-0001", "class": "printer", "brand": "HP", "model": "LaserJet M404dn",
    "serial": "VNB3K12345", "user": "張偉", "department": "财务部",
    "location": "北京總部 3F 东区", "supplier": "联想直销", "purchase_date": "2024-03-15",
    "warranty_end": "2027-03-14", "status": "in_use",
    "specs": {"cpu": "", "memory": "256 MB", "disk": "", "os": "固件 002.2315A"},
    "software": ["HP Universal Print Driver"], "notes": "双面打印\n每周一换纸"}


def apath(tag):
    return "/api/v1/assets/" + urllib.parse.quote(tag, safe="")


def as_user(name):
    return TOK[name]


def search(q=None, token=api.DEFAULT, **params):
    if q is not None:
        params["q"] = q
    j = ok(call("GET", "/api/v1/assets?" + urllib.parse.urlencode(params), token=token))
    need(set(j) == {"total", "limit", "offset", "assets"}, "list keys %r" % j)
    for a in j["assets"]:
        need(set(a) == ASSET_KEYS, "asset keys %r" % sorted(a))
    return j


def tags(q, **params):
    return [a["tag"] for a in search(q, **params)["assets"]]


def login_cases():
    def logins():
        for name, _ in USERS:
            r = api.login(name, api.user_password(name))
            need(r.status == 200, "%s: %r" % (name, r))
            TOK[name] = r.json["token"]
    case("the engineers, the approvers, an agent and an auditor log in", logins)


def crud_cases():
    def create():
        set_now(T0)
        r = call("POST", "/api/v1/assets", PRINTER, token=as_user("eng1"))
        j = ok(r, 201)
        need(set(j) == ASSET_KEYS, sorted(j))
        for k in ("tag", "class", "brand", "model", "serial", "user", "department", "location",
                  "supplier", "purchase_date", "warranty_end", "status", "specs", "software",
                  "notes"):
            need(j[k] == PRINTER[k], "%s: %r" % (k, j[k]))
        need(j["created_by"] == "eng1" and j["updated_by"] == "eng1", j)
        need(j["created_at"] == "2026-03-02T08:00:00Z", j["created_at"])
        need(j["scrap_request"] is None and j["caller_id"] is None, j)
        # the smallest asset: a tag and a class; status in use
        j = ok(call("POST", "/api/v1/assets", {"tag": "pc-0002", "class": "desktop",
                                               "serial": "CN0ABC-778", "model": "OptiPlex 7010",
                                               "location": "上海分公司 5F"},
                    token=as_user("eng2")), 201)
        need(j["status"] == "in_use" and j["specs"] == {"cpu": "", "memory": "", "disk": "",
                                                        "os": ""} and j["software"] == [], j)
        # white space at the ends is dropped
        j = ok(call("POST", "/api/v1/assets", {"tag": "LIC.OFFICE.1", "class": "software_licence",
                                               "model": "  Office 2021 专业增强版  ",
                                               "status": "spare"}), 201)
        need(j["model"] == "Office 2021 专业增强版" and j["created_by"] == "tester", j)
    case("engineers create assets (201, every field as given, who and when)", create)

    def duplicate():
        for tag in ("PRN-0001", "prn-0001", "Prn-0001"):
            e = check_error(call("POST", "/api/v1/assets", dict(PRINTER, tag=tag),
                                 token=as_user("eng1")), 409, "exists")
            need("PRN-0001" in e["message"], e)
        need(search("PRN-0001")["total"] == 1, "still one")
    case("a second asset with the same tag, in any case, is 409", duplicate)

    def get():
        for tag in ("PRN-0001", "prn-0001"):
            j = ok(call("GET", apath(tag), token=as_user("agent1")))
            need(j["tag"] == "PRN-0001", j["tag"])
            need(set(j) == ASSET_KEYS | {"history", "incidents", "model_faults"}, sorted(j))
            need(len(j["history"]) == 1, j["history"])
            h = j["history"][0]
            need(h["action"] == "create" and h["actor"] == "eng1" and
                 h["at"] == "2026-03-02T08:00:00Z" and "class printer" in h["summary"], h)
            need(j["incidents"] == [], j["incidents"])
        for tag in ("PRN-0002", "x" * 41, "-x", "a b", "%00", "..", "打印机"):
            check_error(call("GET", apath(tag)), 404, "not_found")
        j = ok(call("GET", apath("PRN-0001"), token=as_user("aud1")))
        need(j["tag"] == "PRN-0001", "an auditor reads")
    case("GET /api/v1/assets/{tag}: any case, with its history; unknown tags 404", get)

    def update():
        set_now(T0 + 60)
        j = ok(call("PATCH", apath("prn-0001"),
                    {"location": "北京总部 4F", "status": "in_repair",
                     "specs": {"memory": "512 MB"}, "software": ["HP Smart", "Scan to Mail"]},
                    token=as_user("eng2")))
        need(j["location"] == "北京总部 4F" and j["status"] == "in_repair", j)
        need(j["specs"]["memory"] == "512 MB" and j["specs"]["os"] == "固件 002.2315A", j["specs"])
        need(j["software"] == ["HP Smart", "Scan to Mail"] and j["brand"] == "HP", j)
        need(j["updated_by"] == "eng2" and j["created_by"] == "eng1", j)
        need(j["updated_at"] == "2026-03-02T08:01:00Z", j["updated_at"])
        h = ok(call("GET", apath("PRN-0001")))["history"]
        need(len(h) == 2 and h[1]["action"] == "update" and h[1]["actor"] == "eng2", h)
        s = h[1]["summary"]
        for part in ("status in_use→in_repair", "location 北京總部 3F 东区→北京总部 4F",
                     "specs.memory 256 MB→512 MB", "software HP Universal Print Driver→HP "
                     "Smart, Scan to Mail"):
            need(part in s, "%r not in %r" % (part, s))
        # nothing changed: no entry
        ok(call("PATCH", apath("PRN-0001"), {"location": "北京总部 4F"}, token=as_user("eng1")))
        need(len(ok(call("GET", apath("PRN-0001")))["history"]) == 2, "no-op kept")
        # clearing a field; null leaves it
        j = ok(call("PATCH", apath("PRN-0001"), {"supplier": "", "brand": None},
                    token=as_user("eng1")))
        need(j["supplier"] == "" and j["brand"] == "HP", j)
        # back to the Traditional location the search cases use
        ok(call("PATCH", apath("PRN-0001"), {"location": "北京總部 3F 东区", "status": "lent"},
                token=as_user("eng1")))
    case("PATCH changes fields and keeps each change in the history with who and when",
         update)

    def audited():
        j = ok(call("GET", "/api/v1/audit?object=asset:PRN-0001&limit=50"))
        actions = [e["action"] for e in j["entries"]]
        need("asset.create" in actions and "asset.update" in actions, actions)
    case("creates and changes are in the audit trail (asset.create, asset.update)", audited)


BAD_CREATE = [
    ({}, "tag"),
    ({"class": "printer"}, "tag"),
    ({"tag": "PRN-9"}, "class"),
    ({"tag": "", "class": "printer"}, "tag"),
    ({"tag": "-PRN", "class": "printer"}, "tag"),
    ({"tag": "PRN 9", "class": "printer"}, "tag"),
    ({"tag": "PRN/9", "class": "printer"}, "tag"),
    ({"tag": "打印机1", "class": "printer"}, "tag"),
    ({"tag": "P" * 41, "class": "printer"}, "tag"),
    ({"tag": 12, "class": "printer"}, "tag"),
    ({"tag": "PRN-9", "class": "toaster"}, "class"),
    ({"tag": "PRN-9", "class": "Printer"}, "class"),
    ({"tag": "PRN-9", "class": ["printer"]}, "class"),
    ({"tag": "PRN-9", "class": "printer", "status": "scrapped"}, "status"),
    ({"tag": "PRN-9", "class": "printer", "status": "broken"}, "status"),
    ({"tag": "PRN-9", "class": "printer", "purchase_date": "2024-02-30"}, "purchase_date"),
    ({"tag": "PRN-9", "class": "printer", "purchase_date": "15/03/2024"}, "purchase_date"),
    ({"tag": "PRN-9", "class": "printer", "warranty_end": "2024-3-1"}, "warranty_end"),
    ({"tag": "PRN-9", "class": "printer", "warranty_end": 20240301}, "warranty_end"),
    ({"tag": "PRN-9", "class": "printer", "purchase_date": "2024-03-15",
      "warranty_end": "2024-03-14"}, "warranty_end"),
    ({"tag": "PRN-9", "class": "printer", "model": "M404\nM405"}, "model"),
    ({"tag": "PRN-9", "class": "printer", "serial": "x" * 101}, "serial"),
    ({"tag": "PRN-9", "class": "printer", "location": "楼" * 67}, "location"),
    ({"tag": "PRN-9", "class": "printer", "user": "a\u0007b"}, "user"),
    ({"tag": "PRN-9", "class": "printer", "notes": "x" * 2001}, "notes"),
    ({"tag": "PRN-9", "class": "printer", "specs": "i7"}, "specs"),
    ({"tag": "PRN-9", "class": "printer", "specs": ["i7"]}, "specs"),
    ({"tag": "PRN-9", "class": "printer", "specs": {"gpu": "RTX"}}, "specs"),
    ({"tag": "PRN-9", "class": "printer", "specs": {"cpu": 7}}, "specs.cpu"),
    ({"tag": "PRN-9", "class": "printer", "specs": {"cpu": "x" * 101}}, "specs.cpu"),
    ({"tag": "PRN-9", "class": "printer", "software": "Office"}, "software"),
    ({"tag": "PRN-9", "class": "printer", "software": [1]}, "software"),
    ({"tag": "PRN-9", "class": "printer", "software": [""]}, "software[0]"),
    ({"tag": "PRN-9", "class": "printer", "software": ["a", "a"]}, "software[1]"),
    ({"tag": "PRN-9", "class": "printer", "software": ["x" * 101]}, "software[0]"),
    ({"tag": "PRN-9", "class": "printer", "software": ["a%d" % i for i in range(101)]},
     "software"),
    ({"tag": "PRN-9", "class": "printer", "caller_id": 99999}, "caller_id"),
    ({"tag": "PRN-9", "class": "printer", "caller_id": -1}, "caller_id"),
    ({"tag": "PRN-9", "class": "printer", "caller_id": "1"}, "caller_id"),
    ({"tag": "PRN-9", "class": "printer", "owner": "x"}, "owner"),
    ({"tag": "PRN-9", "class": "printer", "id": 1}, "id"),
]


def bad_input_cases():
    def bad_create():
        for body, field in BAD_CREATE:
            e = check_error(call("POST", "/api/v1/assets", body, token=as_user("eng1")), 400,
                            "invalid")
            need(field in e["message"], "%r: %r" % (body, e["message"]))
        need(search("PRN-9")["total"] == 0, "nothing was created")
    case("POST /api/v1/assets: bad fields are 400 naming the field, nothing stored",
         bad_create)

    def bad_bodies():
        for raw in (b"", b"null", b"[]", b"{", b"\"x\"", b"{\"tag\":\"\\ud800\"}"):
            r = call("POST", "/api/v1/assets", raw=raw, token=as_user("eng1"))
            need(r.status == 400, "%r: %r" % (raw, r))
            r = call("PATCH", apath("PRN-0001"), raw=raw, token=as_user("eng1"))
            need(r.status == 400, "%r: %r" % (raw, r))
    case("bodies that are no JSON object are 400", bad_bodies)

    def bad_update():
        before = ok(call("GET", apath("PRN-0001")))
        for body, field in [({"tag": "PRN-7"}, "tag"), ({"status": "scrapped"}, "status"),
                            ({"warranty_end": "2020-01-01"}, "warranty_end"),
                            ({"purchase_date": "2030-01-01"}, "warranty_end"),
                            ({"class": "fax"}, "class"), ({"specs": {"ram": "8G"}}, "specs"),
                            ({"nope": 1}, "nope")]:
            e = check_error(call("PATCH", apath("PRN-0001"), body, token=as_user("eng1")), 400,
                            "invalid")
            need("'%s'" % field in e["message"], "%r: %r" % (body, e["message"]))
        after = ok(call("GET", apath("PRN-0001")))
        need(after == before, "a refused change changed nothing")
        check_error(call("PATCH", apath("NOPE-1"), {"location": "x"}, token=as_user("eng1")),
                    404, "not_found")
    case("PATCH: bad fields 400 (the warranty against the stored purchase); unknown tag 404",
         bad_update)

    def bad_queries():
        for q in ("limit=0", "limit=101", "limit=x", "offset=-1", "q=" + "x" * 201,
                  "class=toaster", "status=gone", "caller_id=0", "caller_id=x"):
            check_error(call("GET", "/api/v1/assets?" + q), 400, "invalid")
    case("GET /api/v1/assets: bad limit, offset, q, class, status, caller_id are 400",
         bad_queries)

    def roles():
        check_error(call("POST", "/api/v1/assets", dict(PRINTER, tag="PRN-8"),
                         token=as_user("agent1")), 403, "forbidden")
        check_error(call("PATCH", apath("PRN-0001"), {"notes": "x"}, token=as_user("aud1")),
                    403, "forbidden")
        check_error(call("POST", apath("PRN-0001") + "/scrap", {"reason": "old"},
                         token=as_user("agent1")), 403, "forbidden")
        check_error(call("POST", apath("PRN-0001") + "/scrap/approve", {},
                         token=as_user("eng1")), 403, "forbidden")
        need(search("PRN", token=as_user("agent1"))["total"] >= 1, "agents look up")
        need(search("PRN", token=as_user("aud1"))["total"] >= 1, "auditors read")
    case("agents and auditors read; only engineers and admins write; approvers decide",
         roles)


def search_cases():
    def by_parts():
        need(tags("PRN-0001") == ["PRN-0001"], "the tag")
        need(tags("prn") == ["PRN-0001"], "a tag's start, any case")
        need(tags("3K123") == ["PRN-0001"], "part of the serial")
        need(tags("vnb3k12345") == ["PRN-0001"], "the serial, any case")
        need(tags("ABC-77") == ["pc-0002"], "part of a serial with a dash")
        need(tags("m404") == ["PRN-0001"], "the model")
        need(tags("laserjet m404") == ["PRN-0001"], "the model with a space")
        need(tags("张伟") == ["PRN-0001"], "the user in Simplified finds 張偉")
        need(tags("北京总部") == ["PRN-0001"], "the location in Simplified")
        need(tags("北京總部") == ["PRN-0001"], "the location in Traditional")
        need(tags("上海分公司") == ["pc-0002"], "another location")
        need(tags("ＰＲＮ") == ["PRN-0001"], "full-width letters")
        need(tags("财务") == ["PRN-0001"], "the department")
        need(tags("nothing-like-it") == [], "no match")
        need(search("   ")["total"] == 0, "only spaces finds nothing")
        need(search()["total"] == 3, "no q lists all")
    case("search by tag, part of a serial, model, user, department, a Traditional location",
         by_parts)

    def ordering_and_filters():
        ok(call("POST", "/api/v1/assets", {"tag": "PRN-00011", "class": "printer",
                                           "serial": "PRN-0001"}, token=as_user("eng1")), 201)
        ok(call("POST", "/api/v1/assets", {"tag": "AAA-1", "class": "printer",
                                           "serial": "XPRN-0001"}, token=as_user("eng1")), 201)
        need(tags("PRN-0001") == ["PRN-0001", "PRN-00011", "AAA-1"],
             "exact tag, then tags starting with it: %r" % tags("PRN-0001"))
        need(tags(None, **{"class": "printer"}) == ["AAA-1", "PRN-0001", "PRN-00011"], "class")
        need(tags(None, status="spare") == ["LIC.OFFICE.1"], "status")
        need(tags("prn", status="lent") == ["PRN-0001"], "q and status")
        j = search(None, limit=2, offset=1)
        need(j["total"] == 5 and len(j["assets"]) == 2 and j["limit"] == 2, j)
    case("an exact tag first, then tags starting with it; class and status filters; paging",
         ordering_and_filters)


def incident_cases():
    def linked():
        set_now(T0 + 600)
        base = {"caller_name": "张伟", "caller_phone": "13800138000", "channel": "phone",
                "category": "printer", "priority": "P3"}
        a = ok(call("POST", "/api/v1/incidents", dict(base, ci="PRN-0001",
                                                       summary="打印机卡纸")), 201)["number"]
        set_now(T0 + 660)
        b = ok(call("POST", "/api/v1/incidents", dict(base, ci=" prn-0001 ",
                                                       summary="打印模糊")), 201)["number"]
        ok(call("POST", "/api/v1/incidents", dict(base, ci="PRN-00011", summary="另一台")), 201)
        ok(call("POST", "/api/v1/incidents", dict(base, ci="PRN-0001 旁边那台",
                                                  summary="不是它")), 201)
        j = ok(call("GET", apath("PRN-0001"), token=as_user("agent1")))
        need([i["number"] for i in j["incidents"]] == [b, a], j["incidents"])
        i = j["incidents"][1]
        need(i["summary"] == "打印机卡纸" and i["status"] == "new" and i["priority"] == "P3" and
             i["caller_name"] == "张伟", i)
        c = ok(call("POST", "/api/v1/incidents", dict(base, summary="不知道是哪台")),
               201)["number"]
        j = ok(call("GET", apath("PRN-0001")))
        need(c not in [i["number"] for i in j["incidents"]], "without a ci")
    case("an asset lists the incidents whose ci is its tag (case and spaces ignored)", linked)

    def caller_link():
        cid = ok(call("POST", "/api/v1/callers", {"name": "李娜", "phones": ["13900001111"],
                                                   "department": "人事部"}), 201)["id"]
        j = ok(call("POST", "/api/v1/assets", {"tag": "NB-0100", "class": "laptop",
                                               "caller_id": cid}, token=as_user("eng1")), 201)
        need(j["caller_id"] == cid and j["user"] == "李娜", j)
        need(tags(None, caller_id=cid) == ["NB-0100"], "by caller")
        need(tags("李娜") == ["NB-0100"], "by the caller's name")
        j = ok(call("PATCH", apath("NB-0100"), {"caller_id": None, "user": ""},
                    token=as_user("eng1")))
        need(j["caller_id"] is None and j["user"] == "", j)
        need(tags(None, caller_id=cid) == [], "unlinked")
    case("an asset's user may be a caller of the directory (caller_id)", caller_link)

    def ci_change():
        set_now(T0 + 700)
        num = ok(call("POST", "/api/v1/incidents", {
            "caller_name": "张伟", "caller_phone": "13800138000", "channel": "phone",
            "category": "printer", "priority": "P3", "summary": "打印机不进纸",
            "ci": "旁边那台打印机"}), 201)["number"]
        pth = "/api/v1/incidents/" + num
        need(ok(call("GET", pth))["asset"] is None, "a ci that names no asset")
        j = ok(call("PATCH", pth, {"ci": " prn-0001 "}, token=as_user("agent1")))
        need(j["ci"] == " prn-0001 ", j["ci"])
        need(j["asset"] and j["asset"]["tag"] == "PRN-0001" and
             j["asset"]["model"] == "LaserJet M404dn" and j["asset"]["class"] == "printer", j)
        ev = [e for e in j["timeline"] if e["type"] == "ci"]
        need(len(ev) == 1 and ev[0]["from"] == "旁边那台打印机" and ev[0]["to"] == " prn-0001 " and
             ev[0]["by"] == "agent1", ev)
        tr = ok(call("GET", "/api/v1/audit?" + urllib.parse.urlencode(
            {"object": "incident:" + num, "action": "incident.update"})))
        need(any("ci 旁边那台打印机→ prn-0001 " in e["summary"] for e in tr["entries"]), tr)
        j = ok(call("GET", apath("PRN-0001")))
        need(num in [i["number"] for i in j["incidents"]], "linked after the change")
        # the same value again changes nothing; "" clears it
        j = ok(call("PATCH", pth, {"ci": " prn-0001 "}))
        need(len([e for e in j["timeline"] if e["type"] == "ci"]) == 1, "no second event")
        j = ok(call("PATCH", pth, {"ci": ""}))
        need(j["ci"] == "" and j["asset"] is None, j)
        for body in ({"ci": "a\nb"}, {"ci": "x" * 300}, {"ci": 5}):
            e = check_error(call("PATCH", pth, body), 400, "invalid")
            need("ci" in e["message"], e)
        ok(call("POST", pth + "/resolve", {"resolution": "换了搓纸轮"}))
        e = check_error(call("PATCH", pth, {"ci": "PRN-0001"}), 409, "exists")
        need("ci" in e["message"], e)
    case("an incident's ci is changed (event, audit), the asset it names comes with it",
         ci_change)


def fault_cases():
    def candidate():
        # three printers of one model; the third incident on them makes it a candidate
        for tag in ("PRN-0101", "PRN-0102"):
            ok(call("POST", "/api/v1/assets", {"tag": tag, "class": "printer", "brand": "Brother",
                                               "model": "HL-2260D", "department": "行政部"},
                    token=as_user("eng1")), 201)
        base = {"caller_name": "王芳", "caller_phone": "13800138001", "channel": "phone",
                "category": "printer", "priority": "P4"}
        for i, tag in enumerate(("PRN-0101", "PRN-0101")):
            set_now(T0 + 3000 + i)
            ok(call("POST", "/api/v1/incidents", dict(base, ci=tag, summary="卡纸 %d" % i)), 201)
        f = ok(call("GET", apath("PRN-0102")))["model_faults"]
        need(f == {"days": 90, "incidents": 2, "assets": 1, "min": 3,
                   "problem_candidate": False}, f)
        ok(call("POST", "/api/v1/incidents", dict(base, ci="prn-0102", summary="卡纸又来了")), 201)
        f = ok(call("GET", apath("PRN-0101")))["model_faults"]
        need(f["incidents"] == 3 and f["assets"] == 2 and f["problem_candidate"], f)
        r = ok(call("GET", "/api/v1/reports/assets", token=as_user("aud1")))
        m = [x for x in r["incidents_per_model"] if x["model"] == "HL-2260D"]
        need(len(m) == 1 and m[0]["incidents"] == 3 and m[0]["assets"] == 2 and
             m[0]["recent"] == 3 and m[0]["problem_candidate"] and m[0]["brand"] == "Brother", m)
        need(r["incidents_per_model"][0]["incidents"] >= 3, "most first")
    case("a model with repeated faults is flagged as a problem candidate", candidate)

    def report():
        set_now(T0 + 3200)
        all_ = search(None, limit=100)
        r = ok(call("GET", "/api/v1/reports/assets"))
        need(r["assets"] == all_["total"] == sum(r["by_status"].values()), (r["assets"], all_["total"]))
        live = [a for a in all_["assets"] if a["status"] != "scrapped"]
        for cls in r["by_class"]:
            need(r["by_class"][cls] == len([a for a in live if a["class"] == cls]), cls)
        depts = {}
        for a in live:
            depts[a["department"]] = depts.get(a["department"], 0) + 1
        need({d["department"]: d["count"] for d in r["by_department"]} == depts, r["by_department"])
        counts = [d["count"] for d in r["by_department"]]
        need(counts == sorted(counts, reverse=True), "most first")
        # warranties ending within 90 days of the fake day 2026-03-02
        ok(call("POST", "/api/v1/assets", {"tag": "MON-0900", "class": "monitor",
                                           "warranty_end": "2026-05-20"}, token=as_user("eng1")), 201)
        ok(call("POST", "/api/v1/assets", {"tag": "MON-0901", "class": "monitor",
                                           "warranty_end": "2026-06-30"}, token=as_user("eng1")), 201)
        ok(call("POST", "/api/v1/assets", {"tag": "MON-0902", "class": "monitor",
                                           "warranty_end": "2026-03-01"}, token=as_user("eng1")), 201)
        r = ok(call("GET", "/api/v1/reports/assets"))
        w = [a["tag"] for a in r["warranty_expiring"]]
        need("MON-0900" in w and "MON-0901" not in w and "MON-0902" not in w, w)
        need(r["total_warranty_expiring"] == len(w) and r["warranty_days"] == 90, r)
        ends = [a["warranty_end"] for a in r["warranty_expiring"]]
        need(ends == sorted(ends), "soonest first")
        # a period before any incident lists no model
        r = ok(call("GET", "/api/v1/reports/assets?from=2025-01-01&to=2025-01-31"))
        need(r["incidents_per_model"] == [] and r["total_models"] == 0, r["incidents_per_model"])
        for q, msg in (("from=2026-13-01", "from"), ("to=yesterday", "to"),
                       ("from=2026-03-02&to=2026-03-01", "to"),
                       ("from=2020-01-01&to=2026-01-01", "366")):
            e = check_error(call("GET", "/api/v1/reports/assets?" + q), 400, "invalid")
            need(msg in e["message"], e)
    case("the asset report counts by status, class and department, lists warranties "
         "ending soon and incidents per model", report)


def scrap_cases():
    pth = apath("PC-0002") + "/scrap"

    def ask_and_reject():
        set_now(T0 + 1200)
        check_error(call("POST", pth, {}, token=as_user("eng1")), 400, "invalid")
        check_error(call("POST", pth, {"reason": "  "}, token=as_user("eng1")), 400, "invalid")
        check_error(call("POST", pth, {"reason": "x", "why": 1}, token=as_user("eng1")), 400,
                    "invalid")
        check_error(call("POST", apath("NOPE-1") + "/scrap", {"reason": "old"},
                         token=as_user("eng1")), 404, "not_found")
        check_error(call("POST", apath("PC-0002") + "/scrap/approve", {},
                         token=as_user("appr1")), 409, "conflict")
        j = ok(call("POST", pth, {"reason": "主板损坏，维修不经济"}, token=as_user("boss")))
        need(j["scrap_request"] == {"reason": "主板损坏，维修不经济", "requested_by": "boss",
                                    "requested_at": "2026-03-02T08:20:00Z"}, j["scrap_request"])
        need(j["status"] == "in_use", "still in use while pending")
        check_error(call("POST", pth, {"reason": "again"}, token=as_user("eng1")), 409,
                    "conflict")
        e = check_error(call("POST", pth + "/approve", {}, token=as_user("boss")), 403, "denied")
        need("boss" in e["message"], e)
        check_error(call("POST", pth + "/reject", {}, token=as_user("appr1")), 400, "invalid")
        check_error(call("POST", pth + "/maybe", {}, token=as_user("appr1")), 404, "not_found")
        j = ok(call("POST", pth + "/reject", {"comment": "先换主板试试"}, token=as_user("appr1")))
        need(j["scrap_request"] is None and j["status"] == "in_use", j)
        h = ok(call("GET", apath("PC-0002")))["history"]
        need([x["action"] for x in h] == ["create", "scrap_request", "scrap_reject"], h)
        need(h[2]["actor"] == "appr1" and "先换主板试试" in h[2]["summary"], h[2])
    case("scrapping: a reason is required; the requester cannot decide (403); a rejection "
         "needs a comment", ask_and_reject)

    def approve():
        set_now(T0 + 1800)
        ok(call("POST", pth, {"reason": "主板再次损坏"}, token=as_user("eng2")))
        j = ok(call("POST", pth + "/approve", None, token=as_user("boss")))
        need(j["status"] == "scrapped" and j["scrap_request"] is None, j)
        need(j["updated_by"] == "boss", j)
        h = ok(call("GET", apath("PC-0002")))["history"]
        need(h[-1]["action"] == "scrap" and h[-1]["actor"] == "boss" and
             "status in_use→scrapped" in h[-1]["summary"] and "eng2" in h[-1]["summary"], h[-1])
        # final: no change, no second request, no decision
        check_error(call("PATCH", apath("PC-0002"), {"location": "仓库"}, token=as_user("eng1")),
                    409, "conflict")
        check_error(call("POST", pth, {"reason": "again"}, token=as_user("eng1")), 409,
                    "conflict")
        check_error(call("POST", pth + "/approve", {}, token=as_user("appr1")), 409, "conflict")
        need(tags(None, status="scrapped") == ["pc-0002"], "listed as scrapped")
        audit = ok(call("GET", "/api/v1/audit?object=asset:pc-0002&limit=50"))["entries"]
        acts = [e["action"] for e in audit]
        for a in ("asset.scrap_request", "asset.scrap_reject", "asset.scrap"):
            need(a in acts, "%s not in %r" % (a, acts))
    case("an approver who did not ask approves: scrapped is final for engineers", approve)

    def restore():
        set_now(T0 + 2400)
        j = ok(call("PATCH", apath("PC-0002"), {"status": "spare", "location": "仓库"}))
        need(j["status"] == "spare" and j["location"] == "仓库", j)
        h = ok(call("GET", apath("PC-0002")))["history"]
        need(h[-1]["action"] == "restore" and h[-1]["actor"] == "tester" and
             "status scrapped→spare" in h[-1]["summary"], h[-1])
    case("an admin restores a scrapped asset (audited as a restore)", restore)


def main(tmp):
    srv = api.Served(tmp, args=["--threads", "4"], clock=True, users=USERS)
    set_now(T0)
    if not srv.start():
        return 1
    login_cases()
    if len(TOK) == len(USERS):
        crud_cases()
        bad_input_cases()
        search_cases()
        incident_cases()
        fault_cases()
        scrap_cases()
    srv.stop()


if __name__ == "__main__":
    api.run_main("test_assets", main, prefix="kedb-assets-")
