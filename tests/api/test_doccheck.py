#!/usr/bin/env python3
"""End-to-end tests of keeping controlled documents valid (python3 standard library).

Indexes a directory of documents written as people write them (other spellings of the
front-matter keys, doc_no beside id, retention periods in Chinese and English, one that
cannot be read, a review date in the past), then over HTTP: the catalogue flags retention and
overdue reviews; the retention list pages the versions past their period (counted from
publication or from the day a version was superseded) and lists the unreadable ones;
validity check rounds are opened, results recorded, closed and listed; controlled paper
copies are issued, flagged for recall once a newer version is published, and recalled.
Every step is in the audit trail; every route gets bad input. Ends with
"test_doccheck: N passed, N failed".
"""
import os
import sqlite3
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as api  # noqa: E402

from harness import check_error, need, ok  # noqa: E402

case = api.case
USERS = [("eng1", "engineer"), ("agent1", "agent"), ("aud1", "auditor"),
         ("appr1", "approver")]
TOK = {}
NOW = api.t_of(2026, 12, 3, 9)


def doc(no, title, extra, body="正文"):
    return "---\nid: %s\ntype: document\ntitle: %s\nstatus: published\n%s---\n%s\n" % (
        no, title, extra, body)


FILES = {
    "d1.md": doc("YW-SC-001", "运维服务管理手册",
                 "doc_type: operations manual\npublish_date: 2020-01-10\n"
                 "storage_location: 质量部文件柜 A-3\nretention_period: 3年\n"),
    "d2.md": doc("YW-SC-002", "事件管理程序",
                 "doc_type: procedure\npublish_date: 2024-05-01\nversion: A/1\n"
                 "retention_period: 作废后保留2年\n"),
    "d3.md": doc("YW-SC-003", "信息安全方针",
                 "doc_type: quality document\npublish_date: 2019-03-01\n"
                 "retention_period: 永久\n"),
    "d4.md": doc("YW-SC-004", "值班记录表",
                 "doc_type: form\npublish_date: 2025-01-01\nretention_period: 见附件\n"),
    "d5.md": doc("YW-SC-005", "备份管理规定",
                 "doc_type: procedure\npublish_date: 2026-11-01\nretention_period: 10个月\n"
                 "next_review: 2025-06-30\n"),
    # the spellings people use, and doc_no beside id
    "d9.md": "---\nid: doc-nine\ndoc_no: YW-SC-009\ntype: document\ntitle: 变更管理程序\n"
             "location: 运维部档案室\nretention: 5 years\npublished: 2018-06-01\n"
             "storage_locaton: x\n---\n正文\n",
}


def call(user, method, path, body=None, raw=None):
    if user is None:
        tok = api.DEFAULT
    elif user == "-":
        tok = None
    else:
        if user not in TOK:
            r = api.login(user, api.user_password(user))
            need(r.status == 200, "login %s: %r" % (user, r))
            TOK[user] = r.json["token"]
        tok = TOK[user]
    return api.call(method, path, body, raw, token=tok)


def catalogue():
    return {d["doc_no"]: d for d in ok(call(None, "GET", "/api/v1/documents"))["documents"]}


def catalogue_cases(index_err):
    def warnings():
        for want in ("d9.md:9: warning: unknown front-matter key 'storage_locaton' (did you "
                     "mean 'storage_location'?)",
                     "d9.md:2: warning: 'id' (doc-nine) and 'doc_no' (YW-SC-009) differ",
                     "d4.md:8: warning: retention_period cannot be read"):
            need(want in index_err, "kedb-index did not warn %r: %s" % (want, index_err))
    case("kedb-index warns about misspelt keys, id/doc_no and unreadable retention", warnings)

    def flags():
        c = catalogue()
        need("doc-nine" not in c and "YW-SC-009" in c, sorted(c))
        d9 = c["YW-SC-009"]
        need(d9["storage_location"] == "运维部档案室" and d9["retention_period"] == "5 years"
             and d9["publish_date"] == "2018-06-01", d9)
        need(d9["retention"] == "expires" and d9["retention_until"] == "2023-06-01"
             and d9["retention_ended"] is True, d9)
        d1 = c["YW-SC-001"]
        need(d1["retention_until"] == "2023-01-10" and d1["retention_ended"], d1)
        need(c["YW-SC-002"]["retention"] == "pending"
             and c["YW-SC-002"]["retention_until"] is None, c["YW-SC-002"])
        need(c["YW-SC-003"]["retention"] == "permanent", c["YW-SC-003"])
        need(c["YW-SC-004"]["retention"] == "unparsed", c["YW-SC-004"])
        d5 = c["YW-SC-005"]
        need(d5["review_overdue"] is True and d5["retention_until"] == "2027-09-01"
             and d5["retention_ended"] is False, d5)
        need(not d1["review_overdue"], d1)
        one = ok(call(None, "GET", "/api/v1/documents/YW-SC-005"))
        need(one["review_overdue"] is True and one["retention"] == "expires", one)
    case("catalogue: doc_no, other spellings, retention and overdue review flags", flags)

    def expired():
        j = ok(call("agent1", "GET", "/api/v1/document-retention"))
        need(j["list"] == "expired" and j["as_of"] == "2026-12-03", j)
        got = [(v["doc_no"], v["n"], v["retention_until"]) for v in j["versions"]]
        need(got == [("YW-SC-001", 1, "2023-01-10"), ("YW-SC-009", 1, "2023-06-01")], got)
        need(j["total"] == 2 and j["limit"] == 50 and j["offset"] == 0, j)
        v = j["versions"][0]
        need(v["retention_period"] == "3年" and v["state"] == "published"
             and v["destroy_request"] is None and v["name"] == "运维服务管理手册", v)
        p = ok(call(None, "GET", "/api/v1/document-retention?limit=1&offset=1"))
        need(p["total"] == 2 and [v["doc_no"] for v in p["versions"]] == ["YW-SC-009"], p)
        p = ok(call(None, "GET", "/api/v1/document-retention?doc_no=YW-SC-001"))
        need(p["total"] == 1, p)
        p = ok(call(None, "GET", "/api/v1/document-retention?as_of=2022-12-31"))
        need(p["total"] == 0 and p["versions"] == [], p)
        p = ok(call(None, "GET", "/api/v1/document-retention?as_of=2027-09-01"))
        need("YW-SC-005" in [v["doc_no"] for v in p["versions"]], p)
        u = ok(call(None, "GET", "/api/v1/document-retention?list=unparsed"))
        need([v["doc_no"] for v in u["versions"]] == ["YW-SC-004"] and u["total"] == 1, u)
        need(u["versions"][0]["retention"] == "unparsed", u)
    case("retention: versions past their period, paged; the unreadable ones", expired)


STATE = {}


def copy_cases():
    def issue():
        r = ok(call("agent1", "POST", "/api/v1/document-copies",
                    {"doc_no": "YW-SC-002", "holder": "质量部", "location": "文件柜 B-1"}), 201)
        need(r["copy_no"] == "01" and r["n"] == 1 and r["version"] == "A/1"
             and r["to_recall"] is False and r["issued_by"] == "agent1"
             and r["recalled_at"] is None and r["name"] == "事件管理程序", r)
        STATE["c1"] = r["id"]
        r = ok(call("eng1", "POST", "/api/v1/document-copies",
                    {"doc_no": "YW-SC-002", "copy_no": "受控-02", "holder": "运维部"}), 201)
        STATE["c2"] = r["id"]
        check_error(call("eng1", "POST", "/api/v1/document-copies",
                         {"doc_no": "YW-SC-002", "copy_no": "受控-02", "holder": "x"}),
                    409, "exists")
        r = ok(call("eng1", "POST", "/api/v1/document-copies",
                    {"doc_no": "YW-SC-001", "holder": "服务台"}), 201)
        need(r["copy_no"] == "01", r)
        STATE["c3"] = r["id"]
        j = ok(call(None, "GET", "/api/v1/document-copies?doc_no=YW-SC-002"))
        need(j["total"] == 2 and [c["copy_no"] for c in j["copies"]] == ["01", "受控-02"], j)
        j = ok(call(None, "GET", "/api/v1/document-copies?to_recall=1"))
        need(j["total"] == 0, j)
        g = ok(call("aud1", "GET", "/api/v1/document-copies/%d" % STATE["c1"]))
        need(g["holder"] == "质量部" and g["location"] == "文件柜 B-1", g)
    case("copies: issued with the current version, numbered, listed", issue)


def supersede(srv, data):
    """Publishes version 2 of YW-SC-002 by changing its file and indexing again."""
    with open(os.path.join(data, "d2.md"), "w") as f:
        f.write(doc("YW-SC-002", "事件管理程序", "doc_type: procedure\n"
                    "publish_date: 2026-12-01\nversion: A/2\n"
                    "retention_period: 作废后保留2年\n", "第二版正文"))
    srv.index()


def recall_cases():
    def flagged():
        j = ok(call(None, "GET", "/api/v1/document-copies?to_recall=1"))
        got = sorted(c["copy_no"] for c in j["copies"])
        need(got == ["01", "受控-02"] and j["total"] == 2, j)
        for c in j["copies"]:
            need(c["doc_no"] == "YW-SC-002" and c["version_state"] == "superseded"
                 and c["current_n"] == 2 and c["to_recall"], c)
        r = ok(call("eng1", "POST", "/api/v1/document-copies/%d/recall" % STATE["c1"],
                    {"note": "换版收回"}))
        need(r["to_recall"] is False and r["recalled_by"] == "eng1" and r["recalled_at"]
             and r["recall_note"] == "换版收回", r)
        check_error(call("eng1", "POST", "/api/v1/document-copies/%d/recall" % STATE["c1"]),
                    409, "exists")
        j = ok(call(None, "GET", "/api/v1/document-copies?to_recall=1"))
        need([c["copy_no"] for c in j["copies"]] == ["受控-02"], j)
        j = ok(call(None, "GET", "/api/v1/document-copies?out=1&doc_no=YW-SC-002"))
        need([c["copy_no"] for c in j["copies"]] == ["受控-02"], j)
        # copy 01 is back: the number may be issued again, now of version 2
        r = ok(call("eng1", "POST", "/api/v1/document-copies",
                    {"doc_no": "YW-SC-002", "copy_no": "01", "holder": "质量部"}), 201)
        need(r["n"] == 2 and r["version"] == "A/2" and not r["to_recall"], r)
        # the next automatic number skips the ones out
        r = ok(call("eng1", "POST", "/api/v1/document-copies",
                    {"doc_no": "YW-SC-002", "holder": "信息中心"}), 201)
        need(r["copy_no"] == "04", r)
    case("copies: a superseded version's copies are to recall; recall recorded", flagged)

    def retention_after():
        j = ok(call(None, "GET", "/api/v1/document-retention?doc_no=YW-SC-002&as_of=2100-01-01"))
        need(j["total"] == 1 and j["versions"][0]["n"] == 1
             and j["versions"][0]["state"] == "superseded"
             and j["versions"][0]["retention_until"], j)
        c = catalogue()
        need(c["YW-SC-002"]["retention"] == "pending", c["YW-SC-002"])
    case("retention: a superseded version counts from the day it was superseded",
         retention_after)


def round_cases():
    def lifecycle():
        r = ok(call("agent1", "POST", "/api/v1/document-checks",
                    {"title": "2026年第四季度在用文件检查", "scope": "运维部",
                     "documents": ["YW-SC-001", "YW-SC-003", "YW-SC-001"]}), 201)
        need(r["state"] == "open" and r["counts"]["pending"] == 2 and r["created_by"] == "agent1"
             and [d["doc_no"] for d in r["documents"]] == ["YW-SC-001", "YW-SC-003"], r)
        need(r["documents"][0]["current_version"] == "1"
             and r["documents"][0]["name"] == "运维服务管理手册", r)
        rid = STATE["round"] = r["id"]
        r = ok(call("eng1", "POST", "/api/v1/document-checks/%d/results" % rid,
                    {"results": [
                        {"doc_no": "YW-SC-001", "result": "valid", "location": "服务台"},
                        {"doc_no": "YW-SC-003", "result": "invalid_version",
                         "version_found": "A/0", "note": "现场使用旧版，已收回"},
                        {"doc_no": "YW-SC-005", "result": "missing", "note": "找不到"}]}))
        need(r["counts"] == {"pending": 0, "valid": 1, "invalid_version": 1, "missing": 1}, r)
        by = {d["doc_no"]: d for d in r["documents"]}
        need(by["YW-SC-003"]["version_found"] == "A/0" and by["YW-SC-003"]["checked_by"] == "eng1"
             and by["YW-SC-003"]["checked_at"] and by["YW-SC-001"]["location"] == "服务台", by)
        # a result again replaces the earlier one
        r = ok(call("eng1", "POST", "/api/v1/document-checks/%d/results" % rid,
                    {"results": [{"doc_no": "YW-SC-005", "result": "valid"}]}))
        need(r["counts"]["missing"] == 0 and r["counts"]["valid"] == 2, r)
        r = ok(call("agent1", "POST", "/api/v1/document-checks/%d/close" % rid,
                    {"summary": "一份旧版已收回"}))
        need(r["state"] == "closed" and r["closed_by"] == "agent1" and r["closed_at"]
             and r["summary"] == "一份旧版已收回", r)
        check_error(call("eng1", "POST", "/api/v1/document-checks/%d/results" % rid,
                         {"results": [{"doc_no": "YW-SC-001", "result": "valid"}]}),
                    409, "exists")
        check_error(call("eng1", "POST", "/api/v1/document-checks/%d/close" % rid), 409,
                    "exists")
        # every current document when none are named
        r = ok(call("eng1", "POST", "/api/v1/document-checks", {"title": "全面检查"}), 201)
        need(r["counts"]["pending"] == 6, r)
        j = ok(call("aud1", "GET", "/api/v1/document-checks"))
        need(j["total"] == 2 and [x["id"] for x in j["rounds"]] == [r["id"], rid], j)
        need("documents" not in j["rounds"][0], j)
        j = ok(call(None, "GET", "/api/v1/document-checks?state=closed&limit=1"))
        need(j["total"] == 1 and j["rounds"][0]["id"] == rid and j["limit"] == 1, j)
        g = ok(call("aud1", "GET", "/api/v1/document-checks/%d" % rid))
        need(len(g["documents"]) == 3, g)
    case("check rounds: open, record, replace, close, list", lifecycle)

    def audited():
        j = ok(call(None, "GET", "/api/v1/audit?limit=100"))
        actions = [e["action"] for e in j["entries"]]
        for a in ("doccheck.create", "doccheck.record", "doccheck.close", "doccopy.issue",
                  "doccopy.recall"):
            need(a in actions, "no %s in the audit trail: %s" % (a, actions))
        e = [e for e in j["entries"] if e["action"] == "doccheck.record"][-1]
        need("YW-SC-003 invalid_version" in e["summary"], e)
        v = ok(call(None, "GET", "/api/v1/audit/verify"))
        need(v.get("ok") is True, v)
    case("every change is in the audit trail, whose chain holds", audited)


def destroyed_cases(db):
    def leaves():
        # what a destroy request's approval records (kb/store_docreq.c): the last current
        # version becomes destroyed; written here directly, as the request kind may not exist
        con = sqlite3.connect(db, timeout=30)
        with con:
            con.execute("UPDATE item_version SET state = 'destroyed' WHERE id = 'YW-SC-009'")
        con.close()
        j = ok(call(None, "GET", "/api/v1/document-retention"))
        need([v["doc_no"] for v in j["versions"]] == ["YW-SC-001"] and j["total"] == 1, j)
    case("retention: a destroyed document leaves the list", leaves)


def bad_input_cases():
    rid = STATE.get("round", 1)
    cid = STATE.get("c3", 1)
    rows = [
        ("retention: unknown list", "GET", "/api/v1/document-retention?list=all", None, 400,
         "invalid"),
        ("retention: bad day", "GET", "/api/v1/document-retention?as_of=2026-02-30", None, 400,
         "invalid"),
        ("retention: limit 0", "GET", "/api/v1/document-retention?limit=0", None, 400,
         "invalid"),
        ("retention: limit huge", "GET", "/api/v1/document-retention?limit=99999999999999999999",
         None, 400, "invalid"),
        ("retention: offset negative", "GET", "/api/v1/document-retention?offset=-1", None, 400,
         "invalid"),
        ("rounds: bad state", "GET", "/api/v1/document-checks?state=done", None, 400, "invalid"),
        ("round: not a number", "GET", "/api/v1/document-checks/abc", None, 400, "invalid"),
        ("round: zero", "GET", "/api/v1/document-checks/0", None, 400, "invalid"),
        ("round: none", "GET", "/api/v1/document-checks/99999", None, 404, "not_found"),
        ("round: no title", "POST", "/api/v1/document-checks", {"scope": "x"}, 400, "invalid"),
        ("round: blank title", "POST", "/api/v1/document-checks", {"title": "  "}, 400,
         "invalid"),
        ("round: title with a line break", "POST", "/api/v1/document-checks",
         {"title": "a\nb"}, 400, "invalid"),
        ("round: long title", "POST", "/api/v1/document-checks", {"title": "检" * 100}, 400,
         "invalid"),
        ("round: documents not a list", "POST", "/api/v1/document-checks",
         {"title": "t", "documents": "YW-SC-001"}, 400, "invalid"),
        ("round: a number not a string", "POST", "/api/v1/document-checks",
         {"title": "t", "documents": [1]}, 400, "invalid"),
        ("round: empty number", "POST", "/api/v1/document-checks",
         {"title": "t", "documents": [""]}, 400, "invalid"),
        ("round: unknown document", "POST", "/api/v1/document-checks",
         {"title": "t", "documents": ["NO-SUCH-1"]}, 404, "not_found"),
        ("round: too many documents", "POST", "/api/v1/document-checks",
         {"title": "t", "documents": ["YW-SC-001"] * 2001}, 400, "invalid"),
        ("round: unknown field", "POST", "/api/v1/document-checks",
         {"title": "t", "owner": "x"}, 400, "invalid"),
        ("round: title not text", "POST", "/api/v1/document-checks", {"title": 5}, 400,
         "invalid"),
        ("round: not an object", "POST", "/api/v1/document-checks", ["t"], 400, "invalid"),
        ("results: none", "POST", "/api/v1/document-checks/%d/results" % rid,
         {"results": []}, 400, "invalid"),
        ("results: not a list", "POST", "/api/v1/document-checks/%d/results" % rid,
         {"results": {"doc_no": "YW-SC-001"}}, 400, "invalid"),
        ("results: item not an object", "POST", "/api/v1/document-checks/%d/results" % rid,
         {"results": ["YW-SC-001"]}, 400, "invalid"),
        ("results: unknown field", "POST", "/api/v1/document-checks/%d/results" % rid,
         {"results": [{"doc_no": "YW-SC-001", "result": "valid", "ok": True}]}, 400,
         "invalid"),
        ("results: bad result", "POST", "/api/v1/document-checks/%d/results" % rid,
         {"results": [{"doc_no": "YW-SC-001", "result": "fine"}]}, 400, "invalid"),
        ("results: invalid version without the version", "POST",
         "/api/v1/document-checks/%d/results" % rid,
         {"results": [{"doc_no": "YW-SC-001", "result": "invalid_version"}]}, 400, "invalid"),
        ("results: no doc_no", "POST", "/api/v1/document-checks/%d/results" % rid,
         {"results": [{"result": "valid"}]}, 400, "invalid"),
        ("results: round missing", "POST", "/api/v1/document-checks/99999/results",
         {"results": [{"doc_no": "YW-SC-001", "result": "valid"}]}, 404, "not_found"),
        ("results: note too long", "POST", "/api/v1/document-checks/%d/results" % rid,
         {"results": [{"doc_no": "YW-SC-001", "result": "valid", "note": "x" * 2001}]}, 400,
         "invalid"),
        ("results: control character", "POST", "/api/v1/document-checks/%d/results" % rid,
         {"results": [{"doc_no": "YW-SC-001", "result": "valid", "location": "a\x01"}]}, 400,
         "invalid"),
        ("close: round missing", "POST", "/api/v1/document-checks/99999/close", None, 404,
         "not_found"),
        ("close: summary not text", "POST", "/api/v1/document-checks/%d/close" % rid,
         {"summary": []}, 400, "invalid"),
        ("copies: bad flag", "GET", "/api/v1/document-copies?to_recall=maybe", None, 400,
         "invalid"),
        ("copy: not a number", "GET", "/api/v1/document-copies/x1", None, 400, "invalid"),
        ("copy: none", "GET", "/api/v1/document-copies/424242", None, 404, "not_found"),
        ("copy: no holder", "POST", "/api/v1/document-copies", {"doc_no": "YW-SC-001"}, 400,
         "invalid"),
        ("copy: no document", "POST", "/api/v1/document-copies", {"holder": "x"}, 400,
         "invalid"),
        ("copy: unknown document", "POST", "/api/v1/document-copies",
         {"doc_no": "NO-SUCH-1", "holder": "x"}, 404, "not_found"),
        ("copy: holder too long", "POST", "/api/v1/document-copies",
         {"doc_no": "YW-SC-001", "holder": "h" * 201}, 400, "invalid"),
        ("copy: unknown field", "POST", "/api/v1/document-copies",
         {"doc_no": "YW-SC-001", "holder": "x", "version": 1}, 400, "invalid"),
        ("copy: invalid JSON", "POST", "/api/v1/document-copies", b"{", 400, "parse_error"),
        ("recall: none", "POST", "/api/v1/document-copies/424242/recall", None, 404,
         "not_found"),
        ("recall: note not text", "POST", "/api/v1/document-copies/%d/recall" % cid,
         {"note": 1}, 400, "invalid"),
    ]
    for name, method, path, body, status, code in rows:
        def one(method=method, path=path, body=body, status=status, code=code):
            raw = body if isinstance(body, bytes) else None
            r = call(None, method, path, None if raw else body, raw)
            check_error(r, status, code)
        case("bad input: " + name, one)

    def roles():
        check_error(call("aud1", "POST", "/api/v1/document-checks", {"title": "t"}), 403,
                    "forbidden")
        check_error(call("aud1", "POST", "/api/v1/document-copies",
                         {"doc_no": "YW-SC-001", "holder": "x"}), 403, "forbidden")
        check_error(call("-", "GET", "/api/v1/document-retention"), 401, "unauthorized")
    case("the auditor reads but does not record; no session, no answer", roles)


def main(tmp):
    data = os.path.join(tmp, "docs")
    os.makedirs(data)
    for name, text in FILES.items():
        with open(os.path.join(data, name), "w") as f:
            f.write(text)
    srv = api.Served(tmp, data=data, clock=True, users=USERS)
    api.set_now(NOW)
    import subprocess
    first = subprocess.run([os.path.join(api.BIN, "kedb-index"), "--db", srv.db, data],
                           capture_output=True, timeout=300)
    if first.returncode != 0 or not srv.serve():
        print("kedb-index or the server failed: %s" % first.stderr[-500:])
        return 1
    catalogue_cases(first.stderr.decode("utf-8", "replace"))
    copy_cases()
    supersede(srv, data)
    recall_cases()
    round_cases()
    destroyed_cases(srv.db)
    bad_input_cases()
    srv.stop()


if __name__ == "__main__":
    api.run_main("test_doccheck", main, prefix="kedb-doccheck-")
