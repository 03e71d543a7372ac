#!/usr/bin/env python3
"""End-to-end tests of the caller directory (python3 standard library only).

Indexes tests/data into a temporary database, turns it back into a schema-13 database
with an incident whose phone_norm is in the old form (so that schema 14's recomputation is
exercised), imports callers with `kedb-admin callers import` (GBK and UTF-8 with a BOM,
bad rows with their lines, idempotence, refused files), starts $KEDB_BIN/kedb-server with a
fake clock and drives /api/v1/callers: create, search by name (Traditional, pinyin) and by
any part of a number in any spelling, one caller with their open and recent incidents,
changes and their audit entries, duplicates (409 naming the other caller), bad input on
every route, paging limits; and the incident list's phone and text filters. Ends with
"test_callers: N passed, N failed".
"""
import os
import sqlite3
import sys
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as api  # noqa: E402  (the shared harness: case, request, checks)

from harness import admin, call, check_error, need, ok, set_now  # noqa: E402

case = api.case
T0 = 1772438400  # 2026-03-02T08:00:00Z
CALLER_KEYS = {"id", "name", "phones", "phones_normalized", "email", "department", "location",
               "vip", "notes", "created_by", "created_at", "updated_by", "updated_at"}
STATE = {}

WECOM = ("姓名,帐号,职务,部门,手机,座机,邮箱,地址,VIP,备注\r\n"
         "王芳,wangfang,会计,财务部,13811112222,010-65529988-201,wangfang@example.com,3F,是,\r\n"
         "赵强,zhaoqiang,工程师,研发部,+86 139 1111 3333,,zhaoqiang@example.com,5F,否,\r\n"
         "钱七,qianqi,,,call me,,,,,\r\n"
         ",nobody,,,13611115555,,,,,\r\n"
         "孙丽,sunli,经理,人事部,13711114444,,,2F,,\"常来电\n请耐心\"\r\n")
AD = ("\ufeffName,mail,telephoneNumber,mobile,department,physicalDeliveryOfficeName\r\n"
      "冯一,fengyi@example.com,010-6552 1111,,行政部,1F\r\n"
      "王芳,WangFang@example.com,,138 1111 2222,财务部,4F\r\n")


def cpath(cid):
    return "/api/v1/callers/%s" % cid


def search(q=None, **params):
    if q is not None:
        params["q"] = q
    j = ok(call("GET", "/api/v1/callers?" + urllib.parse.urlencode(params)))
    need(set(j) == {"total", "limit", "offset", "callers"}, "list keys %r" % j)
    for c in j["callers"]:
        need(set(c) == CALLER_KEYS, "caller keys %r" % sorted(c))
    return j


def names(q, **params):
    return [c["name"] for c in search(q, **params)["callers"]]


def import_cases(tmp, db):
    gbk = os.path.join(tmp, "wecom-gbk.csv")
    with open(gbk, "wb") as f:
        f.write(WECOM.encode("gbk"))
    bom = os.path.join(tmp, "ad-utf8.csv")
    with open(bom, "wb") as f:
        f.write(AD.encode("utf-8"))

    def gbk_import():
        r = admin("--db", db, "callers", "import", gbk)
        out, err = r.stdout.decode(), r.stderr.decode()
        need(r.returncode == 1, "a bad row makes the exit status 1: %d %r" % (r.returncode, err))
        need("read as GB18030" in out, out)
        need("imported 5 rows: 3 added, 0 updated, 0 unchanged, 2 failed" in out, out)
        need(gbk + ":4: field 'phones[0]'" in err, err)
        need(gbk + ":5: no name" in err, err)
        need("姓名=name" in out and "职务=-" in out and "座机=phone" in out, out)
    case("kedb-admin callers import: a GBK export of WeCom, bad rows with their lines",
         gbk_import, needs_server=False)

    def again():
        r = admin("--db", db, "callers", "import", gbk)
        out = r.stdout.decode()
        need("0 added, 0 updated, 3 unchanged, 2 failed" in out, out)
    case("importing the same file again changes nothing", again, needs_server=False)

    def ad_import():
        r = admin("--db", db, "callers", "import", bom)
        out, err = r.stdout.decode(), r.stderr.decode()
        need(r.returncode == 0, "exit %d %r" % (r.returncode, err))
        need("read as UTF-8" in out and "1 added, 1 updated, 0 unchanged, 0 failed" in out, out)
    case("an AD export in UTF-8 with a BOM: matched by e-mail, one added", ad_import,
         needs_server=False)

    def refused():
        bad = os.path.join(tmp, "bad.csv")
        for content, why in ((b"", "no header row"),
                             ("部门,地点\r\n财务部,3F\r\n".encode(), "no name column"),
                             ("姓名,部门\r\n王芳,财务部\r\n".encode(), "no phone or e-mail"),
                             (b"\xff\xfe\x80\x80", "not valid GB18030")):
            with open(bad, "wb") as f:
                f.write(content)
            r = admin("--db", db, "callers", "import", bad)
            need(r.returncode == 1 and why in r.stderr.decode(),
                 "%r: %d %r" % (why, r.returncode, r.stderr))
        r = admin("--db", db, "callers", "import", os.path.join(tmp, "missing.csv"))
        need(r.returncode == 1 and b"cannot open" in r.stderr, r.stderr)
        r = admin("--db", db, "callers", "export", bad)
        need(r.returncode == 2, "unknown subcommand: %d" % r.returncode)
        r = admin("--db", db, "callers", "import")
        need(r.returncode == 2, "missing file: %d" % r.returncode)
        big = os.path.join(tmp, "big.csv")
        with open(big, "wb") as f:
            f.write(b"name,mobile\n" + b"x" * (16 * 1024 * 1024))
        r = admin("--db", db, "callers", "import", big)
        need(r.returncode == 1 and b"larger than" in r.stderr, r.stderr)
        os.remove(big)
    case("kedb-admin callers import refuses files it cannot read, whole", refused,
         needs_server=False)

    def sheet_dump():
        r = admin("sheet", "dump", gbk)
        out, err = r.stdout.decode(), r.stderr.decode()
        need(r.returncode == 0, "exit %d %r" % (r.returncode, err))
        lines = out.split("\r\n")
        need(lines[0] == "1,姓名,帐号,职务,部门,手机,座机,邮箱,地址,VIP,备注", lines[0])
        need(lines[4] == "5,,nobody,,,13611115555", lines[4])
        need(lines[5] == '6,孙丽,sunli,经理,人事部,13711114444,,,2F,,"常来电\n请耐心"', lines[5])
        need("csv, GB18030: 6 rows" in err, err)
        xls = os.path.join(api.ROOT, "tests", "data", "sheets", "basic.xls")
        r = admin("sheet", "dump", xls, "Other")
        need(r.returncode == 0 and r.stdout == b"1,x\r\n", r)
        need("xls, sheet 'Other', UTF-8: 1 rows" in r.stderr.decode(), r.stderr)
        r = admin("sheet", "dump", xls, "Nope")
        need(r.returncode == 1 and "no sheet 'Nope'" in r.stderr.decode(), r.stderr)
        r = admin("sheet", "dump")
        need(r.returncode == 2, "missing file: %d" % r.returncode)
    case("kedb-admin sheet dump: a spreadsheet's rows as imports read them, without --db",
         sheet_dump, needs_server=False)


def old_incident(db):
    """Makes db a schema-13 database (no caller tables) holding an incident recorded with
    '+86 139-0000 1111' whose phone_norm is in the old form."""
    con = sqlite3.connect(db)
    try:
        con.execute("DROP TABLE IF EXISTS caller_phone")
        con.execute("DROP TABLE IF EXISTS caller")
        con.execute("INSERT INTO incident(number, day, seq, status, priority, caller_name, "
                    "caller_phone, phone_norm, department, location, channel, category, ci, "
                    "summary, description, created_by, created_at, updated_at) VALUES "
                    "('INC-20260301-0001', 20260301, 1, 'new', 3, '老用户', "
                    "'+86 139-0000 1111', '+8613900001111', '', '', 'phone', 'printer', '', "
                    "'旧记录', '', 'agent1', ?, ?)", (T0 - 86400, T0 - 86400))
        con.execute("PRAGMA user_version = 13")
        con.commit()
    finally:
        con.close()


def crud_cases():
    def create():
        r = call("POST", "/api/v1/callers", {
            "name": "张伟", "phones": ["+86 138-0013 8000", "(010) 6552 9988 转 123"],
            "email": "Zhang.Wei@Example.com", "department": "财务部", "location": "3F",
            "vip": True, "notes": "总监，优先处理"})
        j = ok(r, 201)
        need(set(j) == CALLER_KEYS, "keys %r" % sorted(j))
        need(j["phones"] == ["+86 138-0013 8000", "(010) 6552 9988 转 123"], j["phones"])
        need(j["phones_normalized"] == ["13800138000", "01065529988x123"],
             j["phones_normalized"])
        need(j["vip"] is True and j["created_by"] == api.TEST_USER and
             j["created_at"] == api.iso(T0), j)
        STATE["zhang"] = j["id"]
        j = ok(call("POST", "/api/v1/callers", {"name": "李雷"}), 201)
        need(j["phones"] == [] and j["email"] == "" and j["vip"] is False, j)
        STATE["li"] = j["id"]
    case("POST /api/v1/callers creates a caller (201), numbers kept as typed and canonical",
         create)
    if "zhang" not in STATE:
        return
    zhang = cpath(STATE["zhang"])

    def duplicates():
        for spelling in ("0086 13800138000", "138 0013 8000", "010-65529988-123"):
            r = call("POST", "/api/v1/callers", {"name": "张伟二", "phones": [spelling]})
            e = check_error(r, 409, "exists")
            need("张伟" in e["message"] and str(STATE["zhang"]) in e["message"],
                 "names the other caller: %r" % e["message"])
        r = call("POST", "/api/v1/callers", {"name": "x", "email": "zhang.wei@example.COM"})
        check_error(r, 409, "exists")
        r = call("PATCH", cpath(STATE["li"]), {"phones": ["13800138000"]})
        e = check_error(r, 409, "exists")
        need("张伟" in e["message"], e["message"])
        r = call("POST", "/api/v1/callers", {"name": "x", "phones": ["13900139000",
                                                                     "+86 139 0013 9000"]})
        check_error(r, 400, "invalid")
    case("the same number in any spelling, or the same e-mail, on two callers is 409",
         duplicates)

    def get_one():
        j = ok(call("GET", zhang))
        need(set(j) == CALLER_KEYS | {"open_incidents", "recent_incidents"}, sorted(j))
        need(j["open_incidents"] == [] and j["recent_incidents"] == [], j)
        for bad in ("0", "abc", "-1", "1.5", "99999999999999999999"):
            check_error(call("GET", cpath(bad)), 400, "invalid")
        check_error(call("GET", cpath(987654)), 404, "not_found")
        check_error(call("PATCH", cpath(987654), {"name": "x"}), 404, "not_found")
    case("GET /api/v1/callers/{id}; unknown ids are 404, malformed ones 400", get_one)

    def patch():
        set_now(T0 + 60)
        j = ok(call("PATCH", zhang, {"location": "5F 东区", "vip": False,
                                     "phones": ["13800138000", "137 0013 7000"]}))
        need(j["location"] == "5F 东区" and j["vip"] is False and j["name"] == "张伟", j)
        need(j["phones_normalized"] == ["13800138000", "13700137000"], j)
        need(j["updated_at"] == api.iso(T0 + 60) and j["created_at"] == api.iso(T0), j)
        set_now(T0 + 120)
        j = ok(call("PATCH", zhang, {"location": "5F 东区"}))
        need(j["updated_at"] == api.iso(T0 + 60), "a change to nothing is no change: %r" % j)
        j = ok(call("PATCH", zhang, {"email": ""}))
        need(j["email"] == "", j)
        j = ok(call("PATCH", zhang, {"email": "zhang.wei@example.com"}))
        # the old extension number is free again
        r = call("POST", "/api/v1/callers", {"name": "前台", "phones": ["010-65529988-123"]})
        STATE["front"] = ok(r, 201)["id"]
    case("PATCH changes only what it gives; the same values change nothing", patch)

    def audited():
        j = ok(call("GET", "/api/v1/audit?object=" + urllib.parse.quote("caller:%d" %
                                                                         STATE["zhang"])))
        actions = [e["action"] for e in j["entries"]]
        need(actions == ["caller.update", "caller.update", "caller.update", "caller.create"],
             "audit %r" % actions)
        last = j["entries"][-2]["summary"]
        need("location 3F→5F 东区" in last and "vip no" in last and "phones" in last, last)
        need(j["entries"][0]["actor"] == api.TEST_USER, j["entries"][0])
    case("caller changes are in the audit trail, never a change to nothing", audited)


def bad_input_cases():
    def bad():
        long = "x" * 201
        rows = [
            ("POST", "/api/v1/callers", None, b"{not json", 400, "parse_error"),
            ("POST", "/api/v1/callers", None, b"", 400, "invalid"),
            ("POST", "/api/v1/callers", None, b"[]", 400, "invalid"),
            ("POST", "/api/v1/callers", {}, None, 400, "invalid"),
            ("POST", "/api/v1/callers", {"name": ""}, None, 400, "invalid"),
            ("POST", "/api/v1/callers", {"name": 5}, None, 400, "invalid"),
            ("POST", "/api/v1/callers", {"name": long}, None, 400, "invalid"),
            ("POST", "/api/v1/callers", {"name": "a", "department": long}, None, 400, "invalid"),
            ("POST", "/api/v1/callers", {"name": "a", "location": long}, None, 400, "invalid"),
            ("POST", "/api/v1/callers", {"name": "a", "notes": "n" * 2001}, None, 400,
             "invalid"),
            ("POST", "/api/v1/callers", {"name": "a", "email": "e" * 250 + "@x.cn"}, None, 400,
             "invalid"),
            ("POST", "/api/v1/callers", {"name": "a", "email": "no-at"}, None, 400, "invalid"),
            ("POST", "/api/v1/callers", {"name": "a", "phones": "13800138000"}, None, 400,
             "invalid"),
            ("POST", "/api/v1/callers", {"name": "a", "phones": [13800138000]}, None, 400,
             "invalid"),
            ("POST", "/api/v1/callers", {"name": "a", "phones": ["call me"]}, None, 400,
             "invalid"),
            ("POST", "/api/v1/callers", {"name": "a", "phones": ["1" * 65]}, None, 400,
             "invalid"),
            ("POST", "/api/v1/callers", {"name": "a",
                                         "phones": ["1390000%04d" % i for i in range(11)]},
             None, 400, "invalid"),
            ("POST", "/api/v1/callers", {"name": "a", "vip": "yes"}, None, 400, "invalid"),
            ("POST", "/api/v1/callers", {"name": "a", "age": 3}, None, 400, "invalid"),
            ("POST", "/api/v1/callers", {"name": "a\nb"}, None, 400, "invalid"),
            ("PATCH", cpath(STATE.get("li", 1)), {"name": ""}, None, 400, "invalid"),
            ("PATCH", cpath(STATE.get("li", 1)), {"phones": {"0": "1"}}, None, 400,
             "invalid"),
            ("PATCH", cpath(STATE.get("li", 1)), None, b"{\"name\": \"a\", \"name\": \"b\"}",
             400, "parse_error"),
            ("GET", "/api/v1/callers?limit=0", None, None, 400, "invalid"),
            ("GET", "/api/v1/callers?limit=101", None, None, 400, "invalid"),
            ("GET", "/api/v1/callers?offset=-1", None, None, 400, "invalid"),
            ("GET", "/api/v1/callers?q=" + "a" * 201, None, None, 400, "invalid"),
            ("DELETE", cpath(STATE.get("li", 1)), None, None, 405, "invalid"),
        ]
        for method, target, body, raw, status, code in rows:
            r = call(method, target, body, raw=raw)
            try:
                check_error(r, status, code)
            except api.Fail as e:
                raise api.Fail("%s %s %r: %s" % (method, target[:60], body or raw, e))
    case("bad input on every caller route is a clear 4xx", bad)


def search_cases():
    def by_name():
        need(names("张伟")[0] == "张伟", names("张伟"))
        need(names("張偉")[0] == "张伟", "Traditional finds Simplified: %r" % names("張偉"))
        need("张伟" in names("zhangwei") and "张伟" in names("ZW"), "pinyin")
        need(names("王芳") == ["王芳"], names("王芳"))
        need(names("wangfang@") == ["王芳"], "by e-mail")
        need(names("nobody-at-all") == [], "nothing")
    case("GET /api/v1/callers?q= finds names (Traditional, pinyin) and e-mail", by_name)

    def by_number():
        for q in ("+86 138-0013 8000", "0086 13800138000", "138 0013 8000", "13800138000",
                  "0013 8000", "8000"):
            need("张伟" in names(q), "%r: %r" % (q, names(q)))
        need(names("(010) 6552-9988 ext 201") == ["王芳"], names("(010) 6552-9988 ext 201"))
        need(names("65529988 转 123") == ["前台"], names("65529988 转 123"))
        need(names("+86 139 1111 3333") == ["赵强"], names("+86 139 1111 3333"))
    case("GET /api/v1/callers?q= finds any part of a number in any spelling", by_number)

    def paging():
        j = search(limit=2)
        need(j["total"] >= 7 and len(j["callers"]) == 2 and j["limit"] == 2, j["total"])
        k = search(limit=2, offset=2)
        need([c["id"] for c in k["callers"]] != [c["id"] for c in j["callers"]], "pages")
        need(search()["limit"] == 20, "default limit")
    case("the caller list pages with limits", paging)


def history_cases():
    def history():
        def incident(phone, name="张伟", **kw):
            b = {"caller_name": name, "caller_phone": phone, "channel": "phone",
                 "category": "printer", "priority": "P3", "summary": "打印机卡纸"}
            b.update(kw)
            return ok(call("POST", "/api/v1/incidents", b), 201)["number"]
        set_now(T0 + 600)
        a = incident("+86 138 0013 8000")
        set_now(T0 + 660)
        b = incident("137-0013-7000", summary="邮箱满了")
        set_now(T0 + 720)
        c = incident("")  # by name, without a number
        set_now(T0 + 780)
        incident("13900000000", name="李雷")
        ok(call("POST", "/api/v1/incidents/%s/resolve" % a, {"resolution": "换纸"}))
        j = ok(call("GET", cpath(STATE["zhang"])))
        need([i["number"] for i in j["open_incidents"]] == [c, b], j["open_incidents"])
        need([i["number"] for i in j["recent_incidents"]] == [a], j["recent_incidents"])
        i = j["recent_incidents"][0]
        need(i["status"] == "resolved" and i["priority"] == "P3" and
             i["caller_phone"] == "+86 138 0013 8000", i)
        # the incident list: every spelling of the number, a part of it, the caller's name
        lst = ok(call("GET", "/api/v1/incidents?phone=" + urllib.parse.quote("0086 13800138000")))
        need([x["number"] for x in lst["incidents"]] == [a], lst["total"])
        lst = ok(call("GET", "/api/v1/incidents?q=" + urllib.parse.quote("张伟")))
        need({a, b, c} <= {x["number"] for x in lst["incidents"]}, "q by caller name")
        # an incident keeps the caller's details as they were
        ok(call("PATCH", cpath(STATE["zhang"]), {"department": "审计部"}))
        need(ok(call("GET", "/api/v1/incidents/" + b))["department"] == "", "copied")
    case("a caller's open and recent incidents, by any spelling of a number or by name",
         history)

    def migrated():
        lst = ok(call("GET", "/api/v1/incidents?phone=" + urllib.parse.quote("139 0000 1111")))
        need([x["number"] for x in lst["incidents"]] == ["INC-20260301-0001"],
             "an incident from before schema 14: %r" % lst)
    case("schema 14 recomputes the phone of older incidents", migrated)

    def extensions_on_incidents():
        r = call("POST", "/api/v1/incidents", {
            "caller_name": "前台", "caller_phone": "(010) 65529988 转 123", "channel": "phone",
            "category": "printer", "priority": "P3", "summary": "电话坏了"})
        num = ok(r, 201)["number"]
        j = ok(call("GET", cpath(STATE["front"])))
        need([i["number"] for i in j["open_incidents"]] == [num], j["open_incidents"])
    case("an incident takes a number with an extension, as the directory does",
         extensions_on_incidents)


def main(tmp):
    srv = api.Served(tmp, args=["--threads", "4"], clock=True)
    db = srv.db
    if not srv.index():
        return 1
    api.case("an older database (schema 13) with an incident", lambda: old_incident(db),
             needs_server=False)
    import_cases(tmp, db)
    set_now(T0)
    if not srv.serve():
        return 1
    crud_cases()
    if "zhang" in STATE:
        bad_input_cases()
        search_cases()
        history_cases()
    srv.stop()


if __name__ == "__main__":
    api.run_main("test_callers", main, prefix="kedb-callers-")
