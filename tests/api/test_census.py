#!/usr/bin/env python3
"""End-to-end tests of the census (python3 standard library only).

Starts $KEDB_BIN/kedb-server with a fake clock over tests/data. kedb-admin imports an
archive of 300 assets (tools/gen_census.py makes the rows, the same as samples/assets/);
then through /api/v1/censuses: campaigns (create, 409 for a name taken, list), the census of
a few hundred assets uploaded as a GBK CSV with a title row (dry run first: nothing changes;
then applied: created, updated, unchanged, bad rows with their lines in English and
Chinese; the asset history and audit of a moved asset), imported again (CSV and .xlsx:
nothing changes, no history added), the report (per department found, missing and moved,
filtered by department), an explicit column mapping overriding the default headers, matching
by serial, bad input (400/404/413 with Chinese messages: no header, unknown map fields,
broken files, limits), and the roles (engineers import; agents and auditors read reports).
Ends with "test_census: N passed, N failed".
"""
import os
import sys
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as api  # noqa: E402  (the shared harness: case, request, checks)

from harness import call, check_error, need, ok, set_now  # noqa: E402

sys.path.insert(0, os.path.join(api.ROOT, "tools"))
import gen_census as gen  # noqa: E402  (the census rows, CSV and .xlsx writers)

case = api.case
T0 = 1796284800  # 2026-12-03T00:00:00Z
USERS = [("eng1", "engineer"), ("agent1", "agent"), ("aud1", "auditor"),
         ("appr1", "approver")]
TOK = {}
ROWS = gen.archive()
CENSUS, EXPECTED = gen.census(ROWS)
STATE = {}


def upload(census, data, token=api.DEFAULT, **params):
    target = "/api/v1/censuses/%s/import" % census
    if params:
        target += "?" + urllib.parse.urlencode(params, quote_via=urllib.parse.quote)
    return api.request("POST", target, body=data, token=token,
                       headers={"Content-Type": "application/octet-stream"})


def history(tag):
    return ok(call("GET", "/api/v1/assets/" + tag))["history"]


def setup_cases(tmp):
    def logins():
        for name, _ in USERS:
            r = api.login(name, api.user_password(name))
            need(r.status == 200, "%s: %r" % (name, r))
            TOK[name] = r.json["token"]
    case("an engineer, an agent, an auditor and an approver log in", logins)

    def archive():
        path = os.path.join(tmp, "archive.csv")
        with open(path, "wb") as f:
            f.write(gen.csv_bytes(ROWS))
        r = api.admin("--db", os.path.join(tmp, "kedb.db"), "assets", "import", path)
        out = r.stdout.decode()
        need(r.returncode == 0, "exit %d: %s %s" % (r.returncode, out, r.stderr.decode()))
        need("300 created" in out and "资产编号=tag" in out, out)
        j = ok(call("GET", "/api/v1/assets?limit=1"))
        need(j["total"] == 300, j["total"])
        r = api.admin("--db", os.path.join(tmp, "kedb.db"), "assets", "import", path)
        need(r.returncode == 0 and "300 unchanged" in r.stdout.decode(), r.stdout)
    case("kedb-admin assets import: an archive of 300 assets, then again unchanged", archive)


def campaign_cases():
    def create():
        set_now(T0)
        j = ok(call("POST", "/api/v1/censuses", {"name": " 2026 Q4 盘点 "},
                    token=TOK["eng1"]), 201)
        need(j["name"] == "2026 Q4 盘点" and j["created_by"] == "eng1" and
             j["imports"] == 0 and j["seen"] == 0, j)
        STATE["id"] = j["id"]
        check_error(call("POST", "/api/v1/censuses", {"name": "2026 q4 盘点"}), 409, "exists")
        for body in ({}, {"name": ""}, {"name": "  "}, {"name": "a\nb"}, {"name": 1},
                     {"name": "x" * 101}, {"name": "x", "other": 1}):
            check_error(call("POST", "/api/v1/censuses", body), 400, "invalid")
        j = ok(call("GET", "/api/v1/censuses", token=TOK["agent1"]))
        need([c["name"] for c in j["censuses"]] == ["2026 Q4 盘点"], j)
    case("campaigns: started by an engineer, a name once (any case), listed", create)


def import_cases():
    cid = STATE.get("id")
    data = gen.csv_bytes(CENSUS, "gbk", gen.TITLE)

    def dry():
        set_now(T0 + 60)
        before = history("PC-0001")
        j = ok(upload(cid, data, dry_run=1, name="census.csv", token=TOK["eng1"]))
        need(j["dry_run"] is True and j["format"] == "csv" and j["charset"] == "GB18030" and
             j["header_line"] == 2, j)
        need(j["rows"] == EXPECTED["rows"] and j["created"] == EXPECTED["new"] and
             j["updated"] == EXPECTED["moved"] and j["bad"] == EXPECTED["bad"], j)
        need([c["field"] for c in j["columns"]][:3] == ["tag", "class", "brand"], j["columns"])
        moves = [c for c in j["changes"] if c["action"] == "update"]
        need(len(moves) == EXPECTED["moved"] and all(
            {f["field"] for f in c["fields"]} <= {"department", "location", "user"}
            for c in moves), moves[:3])
        need(history("PC-0001") == before, "history changed by a dry run")
        r = ok(call("GET", "/api/v1/censuses/%d" % cid))
        need(r["totals"] == {"found": 0, "missing": 300, "moved": 0, "new": 0}, r["totals"])
        need(ok(call("GET", "/api/v1/assets?limit=1"))["total"] == 300, "assets added")
    case("a dry run of the GBK census shows the changes and changes nothing", dry)

    def apply():
        set_now(T0 + 120)
        j = ok(upload(cid, data, name="census.csv", token=TOK["eng1"]))
        need(j["dry_run"] is False and j["created"] == 6 and j["updated"] == 18 and
             j["unchanged"] == EXPECTED["found"] - 24 and j["bad"] == 3 and
             j["seen_new"] == EXPECTED["found"], j)
        lines = [p["line"] for p in j["problems"]]
        need(lines == [EXPECTED["rows"] + 0, EXPECTED["rows"] + 1, EXPECTED["rows"] + 2],
             lines)
        p = j["problems"]
        need(p[0]["message"].startswith("line %d: column '类别': '飞船' is not a class" %
                                        lines[0]) and "第 %d 行" % lines[0] in p[0]["message_zh"],
             p[0])
        need("is not a day" in p[1]["message"] and "不是日期" in p[1]["message_zh"], p[1])
        need("is on line" in p[2]["message"] and "已在第" in p[2]["message_zh"], p[2])
        moved = [c for c in j["changes"] if c["action"] == "update"][0]
        STATE["moved"] = moved
        h = history(moved["tag"])
        need(h[-1]["action"] == "update" and h[-1]["actor"] == "eng1" and
             h[-1]["at"] == api.iso(T0 + 120), h[-1])
        STATE["events"] = sum(len(history(c["tag"])) for c in j["changes"])
        a = ok(call("GET", "/api/v1/audit?object=census:%d&limit=10" % cid))["entries"]
        need([e["action"] for e in a] == ["census.import", "census.create"] or
             [e["action"] for e in a] == ["census.create", "census.import"], a)
    case("the census applied: 6 new, 18 moved, bad rows with their lines (en + zh), history",
         apply)

    def again():
        set_now(T0 + 180)
        for blob, name in ((data, "census.csv"),
                           (gen.xlsx_bytes(CENSUS, title=gen.TITLE), "census.xlsx"),
                           (gen.csv_bytes(CENSUS, "utf-8"), "census-utf8.csv")):
            j = ok(upload(cid, blob, name=name, token=TOK["eng1"]))
            need(j["created"] == 0 and j["updated"] == 0 and j["seen_new"] == 0 and
                 j["unchanged"] == EXPECTED["found"] and j["bad"] == 3 and not j["changes"],
                 (name, {k: j[k] for k in ("created", "updated", "unchanged", "bad")}))
        j = ok(upload(cid, gen.xlsx_bytes(CENSUS, title=gen.TITLE), name="census.xlsx"))
        need(j["format"] == "xlsx" and j["sheet"] == "盘点" and j["header_line"] == 2, j)
        r = ok(call("GET", "/api/v1/censuses/%d" % cid))
        need([i["file_name"] for i in r["imports"]] == ["census.csv", "census.xlsx",
                                                         "census-utf8.csv"], r["imports"])
    case("imported again (GBK CSV, .xlsx, UTF-8 CSV): nothing changes, no history", again)

    def no_history():
        h = history(STATE["moved"]["tag"])
        need(len([e for e in h if e["at"] == api.iso(T0 + 180)]) == 0, h)
    case("the re-imports added no history entry", no_history)


def report_cases():
    cid = STATE.get("id")

    def listed(which, token=api.DEFAULT, **params):
        j = ok(call("GET", api.q("/api/v1/censuses/%d/assets" % cid, list=which, **params),
                    token=token))
        need(set(j) == {"total", "limit", "offset", "assets", "list", "department"}, sorted(j))
        return j

    def report():
        r = ok(call("GET", "/api/v1/censuses/%d" % cid, token=TOK["aud1"]))
        need(r["totals"] == {"found": EXPECTED["found"], "missing": EXPECTED["missing"],
                             "moved": EXPECTED["moved"], "new": EXPECTED["new"]}, r["totals"])
        depts = {d["department"]: d for d in r["departments"]}
        need(set(depts) == set(gen.DEPTS), sorted(depts))
        need(sum(d["missing"] for d in depts.values()) == 34 and
             sum(d["found"] for d in depts.values()) == EXPECTED["found"], depts)
        found = listed("found", limit=500, token=TOK["aud1"])
        missing = listed("missing", limit=500)
        moved = listed("moved", limit=500)
        need((found["total"], len(found["assets"]), missing["total"], len(missing["assets"]),
              moved["total"], len(moved["assets"])) ==
             (EXPECTED["found"], EXPECTED["found"], 34, 34, 18, 18),
             (found["total"], missing["total"], moved["total"]))
        tags = {row["资产编号"] for row in CENSUS}
        need(all(m["tag"] not in tags for m in missing["assets"]), "a seen asset is missing")
        mv = moved["assets"][0]
        need(set(mv) >= {"tag", "department", "location", "user", "was", "line"} and
             (mv["was"]["department"], mv["was"]["location"], mv["was"]["user"]) !=
             (mv["department"], mv["location"], mv["user"]), mv)
        need(all(f["new"] is False for f in moved["assets"]), "a new asset is listed as moved")
        # pages: the default of 50, then the rest in order
        first = listed("found")
        need(first["limit"] == 50 and len(first["assets"]) == 50, first["limit"])
        rest = listed("found", offset=50, limit=500)
        need([a["tag"] for a in first["assets"] + rest["assets"]] ==
             [a["tag"] for a in found["assets"]], "pages in order")
        d = gen.DEPTS[0]
        for which in ("found", "missing", "moved"):
            one = listed(which, token=TOK["agent1"], department=d, limit=500)
            need(one["department"] == d and one["total"] == depts[d][which] and
                 all(x["department"] == d for x in one["assets"]), (which, one["total"]))
    case("the report: found, missing and moved per department, filtered by one", report)


def mapping_cases():
    def mapped():
        set_now(T0 + 300)
        j = ok(call("POST", "/api/v1/censuses", {"name": "映射测试"}), 201)
        rows = [{"编号": "MAP-0001", "设备": "打印机", "放在": "仓库 A", "序列号": "SN-MAP-1"},
                {"编号": "", "设备": "", "放在": "仓库 B", "序列号": ROWS[0]["序列号"].lower()}]
        blob = gen.csv_bytes(rows, header=["编号", "设备", "放在", "序列号"])
        r = upload(j["id"], blob, dry_run=1)
        check_error(r, 400, "invalid")
        need("no header row" in r.json["error"]["message"], r.json)
        params = {"map.tag": "编号", "map.class": "设备", "map.location": "放在"}
        res = ok(upload(j["id"], blob, **params))
        need(res["created"] == 1 and res["updated"] == 1 and res["bad"] == 0, res)
        cols = {c["header"]: (c["field"], c["mapped"]) for c in res["columns"]}
        need(cols == {"编号": ("tag", True), "设备": ("class", True),
                      "放在": ("location", True), "序列号": ("serial", False)}, cols)
        a = ok(call("GET", "/api/v1/assets/" + ROWS[0]["资产编号"]))
        need(a["location"] == "仓库 B", "matched by serial (any case): %r" % a["location"])
        # map.location= leaves the column out
        res = ok(upload(j["id"], blob, dry_run=1, **dict(params, **{"map.location": ""})))
        need(all(c["field"] != "location" for c in res["columns"]), res["columns"])
        check_error(upload(j["id"], blob, **{"map.tag": "没有这列"}), 400, "invalid")
        check_error(upload(j["id"], blob, **{"map.colour": "设备"}), 400, "invalid")
    case("an explicit mapping overrides the headers; rows match by serial", mapped)

    def xls():
        ok(call("POST", "/api/v1/assets", {"tag": "A-001", "class": "server"}), 201)
        with open(os.path.join(api.DATA, "sheets", "basic.xls"), "rb") as f:
            blob = f.read()
        j = ok(upload(STATE["id"], blob, name="basic.xls"))
        need(j["format"] == "xls" and j["sheet"] == "资产" and j["updated"] == 1 and
             j["bad"] == 2 and [p["line"] for p in j["problems"]] == [3, 5], j)
        a = ok(call("GET", "/api/v1/assets/A-001"))
        need(a["serial"] == "SN-9001" and a["purchase_date"] == "2024-01-01", a)
    case("an old .xls (freexl): a matched row updates, bad rows by Excel's row number", xls)


def bad_input_cases():
    cid = STATE.get("id")

    def bad():
        check_error(upload(cid, b""), 400, "invalid")
        check_error(upload(cid, b"a,b\n1,2\n"), 400, "invalid")
        check_error(upload(cid, b"PK\x03\x04broken zip"), 400, "parse_error")
        check_error(upload(cid, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600), 400,
                    "parse_error")
        check_error(upload(cid, gen.csv_bytes(CENSUS[:2]), charset="no-such"), 400, "invalid")
        check_error(upload(cid, gen.xlsx_bytes(CENSUS[:2]), sheet="没有"), 404, "not_found")
        check_error(upload(999, gen.csv_bytes(CENSUS[:2])), 404, "not_found")
        for bad_id in ("0", "-1", "x", "1.5", "99999999999999999999"):
            check_error(upload(bad_id, gen.csv_bytes(CENSUS[:2])), 400, "invalid")
            check_error(call("GET", "/api/v1/censuses/" + bad_id), 400, "invalid")
        check_error(call("GET", "/api/v1/censuses/999"), 404, "not_found")
        check_error(upload(cid, gen.csv_bytes(CENSUS[:2]), dry_run="maybe"), 400, "invalid")
        check_error(upload(cid, gen.csv_bytes(CENSUS[:2]), name="a\x01b"), 400, "invalid")
        check_error(upload(cid, gen.csv_bytes(CENSUS[:2]), **{"map.tag": "x" * 2001}), 400,
                    "invalid")
        wide = ",".join(["资产编号", "类别"] + ["c%d" % i for i in range(250)]) + "\n"
        check_error(upload(cid, wide.encode()), 413, "too_big")
        long_cell = gen.csv_bytes([dict(CENSUS[0], **{"备注": "长" * 1000})])
        j = ok(upload(cid, long_cell, dry_run=1))
        need(j["bad"] == 1 and "longer than" in j["problems"][0]["message"], j["problems"])
        big = "资产编号,类别\n".encode() + b"X-1,desktop\n" * ((9 << 20) // 12)
        r = upload(cid, big)
        need(r.status == 413, r)
        rows = "资产编号,类别\n" + "".join("R-%d,desktop\n" % i for i in range(20001))
        check_error(upload(cid, rows.encode(), dry_run=1), 413, "too_big")
        lst = "/api/v1/censuses/%d/assets" % cid
        for params in ({}, {"list": "all"}, {"list": "found", "department": "x" * 201},
                       {"list": "found", "limit": "0"}, {"list": "found", "limit": "501"},
                       {"list": "moved", "offset": "-1"}, {"list": "missing", "offset": "x"}):
            check_error(call("GET", api.q(lst, **params)), 400, "invalid")
        check_error(call("GET", "/api/v1/censuses/999/assets?list=found"), 404, "not_found")
        check_error(call("GET", "/api/v1/censuses/0/assets?list=found"), 400, "invalid")
    case("bad input: empty, no header, broken files, unknown ids, flags, limits", bad)

    def roles():
        blob = gen.csv_bytes(CENSUS[:3])
        for who in ("agent1", "aud1", "appr1"):
            check_error(upload(cid, blob, token=TOK[who]), 403, "forbidden")
            check_error(call("POST", "/api/v1/censuses", {"name": "x"}, token=TOK[who]), 403,
                        "forbidden")
            ok(call("GET", "/api/v1/censuses/%d" % cid, token=TOK[who]))
            ok(call("GET", "/api/v1/censuses/%d/assets?list=missing" % cid, token=TOK[who]))
        check_error(upload(cid, blob, token=None), 401, "unauthorized")
    case("roles: engineers and admins import, everyone else reads reports", roles)


def main(tmp):
    srv = api.Served(tmp, args=["--threads", "4"], clock=True, users=USERS)
    set_now(T0)
    if not srv.start():
        return 1
    setup_cases(tmp)
    if len(TOK) == len(USERS):
        campaign_cases()
        if STATE.get("id"):
            import_cases()
            report_cases()
            mapping_cases()
            bad_input_cases()
    srv.stop()


if __name__ == "__main__":
    api.run_main("test_census", main, prefix="kedb-census-")
