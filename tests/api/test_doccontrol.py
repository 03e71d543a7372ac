#!/usr/bin/env python3
"""End-to-end tests of document classes and approval chains (python3 standard library only).

Indexes tests/data, starts $KEDB_BIN/kedb-server with a fake clock and drives, over HTTP:
the five document classes with their sub-types and numbering prefixes (admins edit them;
bad input refused); doc_type and prefix checks on documents written through the API; the
catalogue filtered by class; change, scrap and destroy requests through a two-step chain
(运维部 then 信息中心): each step by a member of its group, never the requester, in order,
once per person; a rejection ends the request; execution and confirmation by different
people before the catalogue changes; destruction recorded in the catalogue; the audit
trail; kedb-index warning about a doc_type outside the list. Ends with
"test_doccontrol: N passed, N failed".
"""
import os
import subprocess
import sys
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as api  # noqa: E402

from harness import call, check_error, need, ok, set_now, t_of  # noqa: E402

case = api.case
NOW = t_of(2026, 4, 1, 8)
OPS, IC = "运维部", "信息中心"
USERS = [("writer", "engineer"), ("ops.a", "engineer"), ("ops.b", "engineer"),
         ("ic.a", "approver"), ("ic.b", "agent"), ("appr", "approver"), ("aud", "auditor")]
TOKENS = {}
STATE = {}
DOC = "YW-CX-201"


def tok(name):
    if name not in TOKENS:
        r = api.login(name, api.user_password(name))
        need(r.status == 200, "login %s: %r" % (name, r))
        TOKENS[name] = r.json["token"]
    return TOKENS[name]


def move(t):
    """Moves the clock; sessions from before may have expired: log in again."""
    set_now(t)
    TOKENS.clear()
    api.default_token(fresh=True)


def as_(user, method, path, body=None):
    return call(method, path, body, token=tok(user) if user else api.DEFAULT)


def source(doc_no, title, version, doc_type="procedure"):
    return ("---\nid: %s\ntype: document\ntitle: %s\nversion: '%s'\ndoc_type: %s\n"
            "retention_period: 3年\n---\n# %s\n\n第 %s 版。\n" % (doc_no, title, version, doc_type,
                                                              title, version))


def req(rid, action=""):
    return "/api/v1/document-requests/" + rid + ("/" + action if action else "")


def publish(doc_no, title, doc_type="procedure"):
    ok(as_("writer", "POST", "/api/v1/kb", {"source": source(doc_no, title, "A/1", doc_type),
                                             "submit": True}), 201)
    ok(as_("appr", "POST", "/api/v1/reviews/%s/approve" % doc_no))


def class_cases():
    def listed():
        c = ok(as_("aud", "GET", "/api/v1/document-classes"))["classes"]
        need([x["code"] for x in c] == ["ops", "project", "quality", "report", "other"], c)
        need([x["name"] for x in c] == ["运维体系文档", "项目文档", "质量管理文档",
                                        "服务报告文档", "其他文件资料"], c)
        need(c[0]["sub_types"] == ["operations manual", "procedure", "form"], c[0])
        need(c[3]["sub_types"] == ["service report"], c[3])
        need(all(x["prefix"] == "" for x in c), "prefixes are not seeded")
        need(c[0]["chains"] == {"change": [], "scrap": [], "borrow": [], "destroy": []}, c[0])
    case("the five classes with their sub-types, readable by everyone", listed)

    def groups():
        ok(call("POST", "/api/v1/groups", {"name": OPS, "members": ["writer", "ops.a", "ops.b"]}),
           201)
        ok(call("POST", "/api/v1/groups", {"name": IC, "members": ["ic.a", "ic.b", "ops.a"]}),
           201)
    case("groups 运维部 and 信息中心", groups)

    def configure():
        j = ok(call("PUT", "/api/v1/document-classes/ops",
                    {"prefix": "YW-", "chains": {"change": [OPS, IC], "scrap": [OPS, IC],
                                                 "destroy": [IC]}}))
        need(j["prefix"] == "YW-" and j["chains"]["change"] == [OPS, IC] and
             j["chains"]["borrow"] == [], j)
        j = ok(call("PUT", "/api/v1/document-classes/quality",
                    {"prefix": "ZL-", "sub_types": ["quality document", "质量记录"]}))
        need(j["sub_types"] == ["quality document", "质量记录"], j)
        a = ok(call("GET", api.q("/api/v1/audit", action="docclass.update")))["entries"]
        need(len(a) == 2 and "运维部 -> 信息中心" in a[-1]["summary"] + a[0]["summary"], a)
    case("an admin sets prefixes, sub-types and chains; audited", configure)

    bad = [
        ("unknown class", "banana", {"prefix": "X-"}, 404, "not_found"),
        ("empty change", "ops", {}, 400, "invalid"),
        ("unknown field", "ops", {"name": "x"}, 400, "invalid"),
        ("unknown group", "ops", {"chains": {"change": ["无此组"]}}, 400, "invalid"),
        ("group twice", "ops", {"chains": {"change": [OPS, OPS]}}, 400, "invalid"),
        ("too many steps", "ops", {"chains": {"change": [OPS, IC, OPS, IC, OPS, IC]}}, 400,
         "invalid"),
        ("unknown kind", "ops", {"chains": {"lose": [OPS]}}, 400, "invalid"),
        ("chains not an object", "ops", {"chains": [OPS]}, 400, "invalid"),
        ("group not a string", "ops", {"chains": {"change": [1]}}, 400, "invalid"),
        ("sub-type of another class", "other", {"sub_types": ["other", "procedure"]}, 400,
         "invalid"),
        ("no sub-types", "other", {"sub_types": []}, 400, "invalid"),
        ("sub-type twice", "other", {"sub_types": ["x", "X"]}, 400, "invalid"),
        ("oversized sub-type", "other", {"sub_types": ["s" * 65]}, 400, "invalid"),
        ("sub-type with a control character", "other", {"sub_types": ["a\nb"]}, 400, "invalid"),
        ("bad prefix", "ops", {"prefix": "Y W"}, 400, "invalid"),
        ("oversized prefix", "ops", {"prefix": "Y" * 17}, 400, "invalid"),
        ("sub-type in use taken away", "ops", {"sub_types": ["form"]}, 409, "conflict"),
    ]
    for name, code, body, status, err in bad:
        def run(code=code, body=body, status=status, err=err):
            check_error(call("PUT", "/api/v1/document-classes/" + code, body), status, err)
        case("bad class change: " + name, run)

    def roles():
        for user in ("writer", "appr", "aud"):
            r = as_(user, "PUT", "/api/v1/document-classes/ops", {"prefix": ""})
            check_error(r, 403, "forbidden")
        need(ok(as_("aud", "GET", "/api/v1/document-classes"))["classes"][0]["prefix"] == "YW-",
             "changed by a non-admin")
    case("only admins change classes", roles)


def write_cases():
    def refused():
        for doc_type, doc_no, frag in (("banana", "YW-CX-299", "banana"),
                                       ("", "YW-CX-298", "doc_type"),
                                       ("quality document", "QA-CX-001", "ZL-"),
                                       ("procedure", "XX-CX-001", "YW-")):
            src = source(doc_no, "t", "1", doc_type)
            if not doc_type:
                src = src.replace("doc_type: \n", "")
            e = check_error(as_("writer", "POST", "/api/v1/kb", {"source": src}), 400, "invalid")
            need(frag in e["message"], (doc_type, e))
        e = check_error(as_("writer", "POST", "/api/v1/kb",
                            {"source": source("YW-CX-297", "t", "1", "banana")}), 400, "invalid")
        need("不是文档类别" in e["message_zh"], e)
    case("API writes refuse a doc_type outside the list and a number without the prefix",
         refused)

    def accepted():
        publish(DOC, "变更管理程序")
        publish("ZL-JL-001", "质量记录表", "质量记录")
        publish("YW-CX-202", "运维体系", "OPS")   # a class code, any case
        d = ok(as_("aud", "GET", "/api/v1/documents/" + DOC))
        need(d["class"] == "ops" and d["class_name"] == "运维体系文档", d)
    case("documents of the list are written; the class is shown", accepted)

    def catalogue():
        c = ok(as_("aud", "GET", "/api/v1/documents?class=ops"))["documents"]
        nos = [d["doc_no"] for d in c]
        need({DOC, "YW-CX-202", "YW-SC-001"} <= set(nos) and "ZL-JL-001" not in nos, nos)
        need(all(d["class"] == "ops" and d["class_name"] == "运维体系文档" for d in c), c)
        c = ok(as_("aud", "GET", "/api/v1/documents?class=quality"))["documents"]
        need([d["doc_no"] for d in c] == ["ZL-JL-001"], c)
        need(ok(as_("aud", "GET", "/api/v1/documents?class=report"))["documents"] == [],
             "report")
        check_error(as_("aud", "GET", "/api/v1/documents?class=banana"), 400, "invalid")
    case("the catalogue filters by class", catalogue)


def chain_cases():
    def filed():
        move(NOW + 86400)
        j = ok(as_("writer", "POST", "/api/v1/document-requests",
                   {"kind": "change", "doc_no": DOC, "reason": "流程调整",
                    "source": source(DOC, "变更管理程序", "A/2")}), 201)
        need(j["flow"] == "chain" and j["class"] == "ops" and j["current_step"] == 1, j)
        need([(s["step"], s["group"], s["state"]) for s in j["steps"]] ==
             [(1, OPS, "pending"), (2, IC, "pending")], j["steps"])
        STATE["change"] = j["id"]
        g = ok(as_("aud", "GET", req(j["id"])))
        need(g["steps"] == j["steps"], g)
    case("a change request copies the class's chain", filed)

    def guarded():
        rid = STATE["change"]
        e = check_error(as_("writer", "POST", req(rid, "approve")), 403, "denied")
        need("writer" in e["message"], e)
        e = check_error(as_("ic.a", "POST", req(rid, "approve")), 403, "denied")
        need(OPS in e["message"] and OPS in e["message_zh"], e)   # wrong order
        check_error(as_("appr", "POST", req(rid, "approve")), 403, "denied")
        check_error(as_("aud", "POST", req(rid, "approve")), 403, "forbidden")
        check_error(as_("ops.b", "POST", req(rid, "approve"), {"comment": "c" * 2001}), 413,
                    "too_big")
        check_error(as_("ops.b", "POST", req(rid, "confirm")), 409, "exists")
        check_error(as_("ops.b", "POST", req(rid, "execute"), {"comment": "x"}), 409, "exists")
    case("not the requester, not out of order, not outside the group", guarded)

    def two_steps():
        rid = STATE["change"]
        j = ok(as_("ops.a", "POST", req(rid, "approve"), {"comment": "运维部同意"}))
        need(j["state"] == "pending" and j["current_step"] == 2 and
             j["steps"][0]["decided_by"] == "ops.a", j)
        e = check_error(as_("ops.a", "POST", req(rid, "approve")), 403, "denied")
        need("step 1" in e["message"], e)                          # twice by one person
        j = ok(as_("ic.a", "POST", req(rid, "approve"), {"comment": "信息中心同意"}))
        need(j["state"] == "approved" and j["current_step"] == 0 and
             [s["state"] for s in j["steps"]] == ["approved", "approved"], j)
        check_error(as_("ic.b", "POST", req(rid, "approve")), 409, "exists")  # double decide
        d = ok(as_("aud", "GET", "/api/v1/documents/" + DOC))
        need(d["version"] == "A/1", "published before execution %r" % d)
    case("both steps approve in order; the catalogue waits", two_steps)

    def executed():
        rid = STATE["change"]
        check_error(as_("ic.a", "POST", req(rid, "execute"), {"comment": "x"}), 403, "denied")
        check_error(as_("writer", "POST", req(rid, "execute")), 400, "invalid")
        check_error(as_("writer", "POST", req(rid, "execute"),
                        {"comment": "x", "source": source(DOC, "t", "A/3", "banana")}), 400,
                    "invalid")
        check_error(as_("writer", "POST", req(rid, "execute"),
                        {"comment": "x", "source": source("YW-CX-999", "t", "A/3")}), 400,
                    "invalid")
        move(NOW + 2 * 86400)
        j = ok(as_("writer", "POST", req(rid, "execute"),
                   {"comment": "按审批意见修改第 3 节", "source": source(DOC, "变更管理程序", "A/2b")}))
        need(j["state"] == "executed" and j["executed_by"] == "writer" and
             j["execution"] == "按审批意见修改第 3 节" and j["version"] == 3, j)
        d = ok(as_("aud", "GET", "/api/v1/documents/" + DOC))
        need(d["version"] == "A/1", "published before confirmation %r" % d)
    case("an engineer records the execution with the content as carried out", executed)

    def confirmed():
        rid = STATE["change"]
        check_error(as_("writer", "POST", req(rid, "confirm")), 403, "denied")
        check_error(as_("appr", "POST", req(rid, "confirm")), 403, "denied")
        j = ok(as_("ic.b", "POST", req(rid, "confirm"), {"comment": "已核对"}))
        need(j["state"] == "confirmed" and j["confirmed_by"] == "ic.b" and
             j["confirmation"] == "已核对", j)
        d = ok(as_("aud", "GET", "/api/v1/documents/" + DOC))
        need(d["version"] == "A/2b" and d["request"] == rid, d)
        vs = ok(as_("aud", "GET", "/api/v1/documents/%s/versions" % DOC))["versions"]
        need([v["status"] for v in vs] == ["superseded", "withdrawn", "published"], vs)
        check_error(as_("ic.a", "POST", req(rid, "confirm")), 409, "exists")
    case("another member of the chain confirms; then the catalogue changes", confirmed)

    def rejected():
        j = ok(as_("writer", "POST", "/api/v1/document-requests",
                   {"kind": "change", "doc_no": DOC, "reason": "再改",
                    "source": source(DOC, "变更管理程序", "A/4")}), 201)
        check_error(as_("ops.b", "POST", req(j["id"], "reject")), 400, "invalid")
        j = ok(as_("ops.b", "POST", req(j["id"], "reject"), {"comment": "没有必要"}))
        need(j["state"] == "rejected" and j["steps"][0]["state"] == "rejected" and
             j["steps"][1]["state"] == "pending" and j["current_step"] == 0, j)
        check_error(as_("ic.a", "POST", req(j["id"], "approve")), 409, "exists")
        need(ok(as_("aud", "GET", "/api/v1/documents/" + DOC))["version"] == "A/2b", "changed")
    case("a rejection at the first step ends the request", rejected)

    def scrapped():
        j = ok(as_("writer", "POST", "/api/v1/document-requests",
                   {"kind": "scrap", "doc_no": DOC, "reason": "被新程序取代"}), 201)
        rid = j["id"]
        check_error(as_("writer", "POST", "/api/v1/document-requests",
                        {"kind": "change", "doc_no": DOC, "reason": "x",
                         "source": source(DOC, "t", "B")}), 409, "exists")
        ok(as_("ops.b", "POST", req(rid, "approve")))
        ok(as_("ic.a", "POST", req(rid, "approve")))
        check_error(as_("writer", "POST", req(rid, "execute"),
                        {"comment": "x", "source": source(DOC, "t", "B")}), 400, "invalid")
        ok(as_("writer", "POST", req(rid, "execute"), {"comment": "收回纸质件 3 份"}))
        need(DOC in [d["doc_no"] for d in ok(as_("aud", "GET", "/api/v1/documents"))
                     ["documents"]], "scrapped before confirmation")
        ok(as_("ops.a", "POST", req(rid, "confirm")))
        need(DOC not in [d["doc_no"] for d in ok(as_("aud", "GET", "/api/v1/documents"))
                         ["documents"]], "still in the catalogue")
        c = ok(as_("aud", "GET", "/api/v1/documents?status=scrapped"))["documents"]
        need(DOC in [d["doc_no"] for d in c], c)
    case("a scrap through the chain, executed and confirmed", scrapped)

    def destroyed():
        move(NOW + 400 * 86400)
        j = ok(as_("writer", "POST", "/api/v1/document-requests",
                   {"kind": "destroy", "doc_no": DOC, "reason": "超过保存期限"}), 201)
        rid = j["id"]
        need(j["flow"] == "chain" and [s["group"] for s in j["steps"]] == [IC], j)
        check_error(as_("writer", "POST", "/api/v1/document-requests",
                        {"kind": "destroy", "doc_no": DOC, "reason": "x"}), 409, "exists")
        check_error(as_("writer", "POST", req(rid, "execute"), {"comment": "x"}), 409, "exists")
        ok(as_("ic.b", "POST", req(rid, "approve")))
        j = ok(as_("writer", "POST", req(rid, "execute"), {"comment": "碎纸机销毁，监销人 ic.b"}))
        need(j["state"] == "executed", j)
        check_error(as_("ic.a", "POST", req(rid, "confirm")), 409, "exists")
        c = ok(as_("aud", "GET", "/api/v1/documents?status=destroyed"))["documents"]
        need([d["doc_no"] for d in c] == [DOC] and c[0]["status"] == "destroyed", c)
        r = as_("aud", "GET", "/api/v1/documents/" + DOC)
        check_error(r, 404, "not_found")
        need("destroyed" in r.json["error"]["message"], r.json)
        check_error(as_("writer", "POST", "/api/v1/document-requests",
                        {"kind": "destroy", "doc_no": DOC, "reason": "x"}), 409, "exists")
        lst = ok(as_("aud", "GET", "/api/v1/document-requests?kind=destroy&state=executed"))
        need([r["id"] for r in lst["requests"]] == [rid], lst)
    case("a destruction approved through its chain and executed is in the catalogue",
         destroyed)

    def single():
        j = ok(as_("writer", "POST", "/api/v1/document-requests",
                   {"kind": "destroy", "doc_no": "ZL-JL-001", "reason": "超期"}), 201)
        rid = j["id"]
        need(j["flow"] == "single" and j["steps"] == [], j)
        check_error(as_("ops.a", "POST", req(rid, "approve")), 403, "denied")
        ok(as_("appr", "POST", req(rid, "approve")))
        need("ZL-JL-001" in [d["doc_no"] for d in
                             ok(as_("aud", "GET", "/api/v1/documents"))["documents"]],
             "destroyed at approval")
        ok(as_("writer", "POST", req(rid, "execute"), {"comment": "已销毁"}))
        need("ZL-JL-001" not in [d["doc_no"] for d in
                                 ok(as_("aud", "GET", "/api/v1/documents"))["documents"]],
             "still current")
        e = check_error(as_("writer", "POST", "/api/v1/document-requests",
                            {"kind": "change", "doc_no": "YW-CX-202", "reason": "x",
                             "source": source("YW-CX-202", "运维体系", "A/2", "banana")}),
                        400, "invalid")
        need("banana" in e["message"], e)
    case("a class without a chain keeps the single approver; a change keeps to the list",
         single)

    def audited():
        acts = [(a["action"], a["actor"]) for a in
                ok(call("GET", api.q("/api/v1/audit", object="docreq:", limit=500)))["entries"]]
        for want in (("docreq.approve", "ops.a"), ("docreq.approve", "ic.a"),
                     ("docreq.reject", "ops.b"), ("docreq.execute", "writer"),
                     ("docreq.confirm", "ic.b"), ("docreq.confirm", "ops.a")):
            need(want in acts, (want, acts))
        a = ok(call("GET", api.q("/api/v1/audit", action="kb.destroy")))["entries"]
        need(len(a) == 2 and a[-1]["object"] in ("kb:" + DOC, "kb:ZL-JL-001"), a)
        steps = [a["summary"] for a in ok(call("GET", api.q("/api/v1/audit",
                                                            action="docreq.approve")))["entries"]]
        need(any("step 1/2 (运维部)" in x for x in steps) and
             any("step 2/2 (信息中心)" in x for x in steps), steps)
        need(ok(call("GET", "/api/v1/audit/verify"))["ok"] is True, "chain broken")
    case("every step is in the audit trail", audited)

    def renamed():
        ok(call("PATCH", "/api/v1/groups/" + urllib.parse.quote(IC), {"name": "信息中心办"}))
        c = ok(call("GET", "/api/v1/document-classes"))["classes"][0]
        need(c["chains"]["change"] == [OPS, "信息中心办"], c)
        ok(call("PATCH", "/api/v1/groups/" + urllib.parse.quote("信息中心办"), {"name": IC}))
    case("a renamed group stays in the chains", renamed)


def bad_request_cases():
    for path, status, code in [
            ("/api/v1/document-requests?kind=lose", 400, "invalid"),
            ("/api/v1/document-requests?state=done", 400, "invalid")]:
        def run(path=path, status=status, code=code):
            check_error(as_("aud", "GET", path), status, code)
        case("bad query: " + path, run)

    def good_filters():
        ok(as_("aud", "GET", "/api/v1/document-requests?kind=destroy&state=confirmed"))
    case("new kinds and states filter", good_filters)

    def actions():
        check_error(as_("appr", "POST", req("DR-0001", "destroy")), 404, "not_found")
        check_error(as_("appr", "POST", req("DR-9999", "confirm")), 404, "not_found")
        check_error(as_("appr", "POST", req("DR-0001", "approve"), {"source": "x"}), 400,
                    "invalid")
        check_error(as_("writer", "POST", "/api/v1/document-requests",
                        {"kind": "destroy", "doc_no": "YW-SC-001", "reason": "x"}), 409,
                    "exists")   # kept in a file
    case("bad actions", actions)


def index_cases(tmp):
    def warned():
        d = os.path.join(tmp, "warn")
        os.makedirs(d)
        with open(os.path.join(d, "bad-type.md"), "w") as f:
            f.write(source("YW-CX-777", "香蕉", "1", "banana"))
        with open(os.path.join(d, "good.md"), "w") as f:
            f.write(source("YW-CX-778", "好", "1", "form"))
        r = subprocess.run([os.path.join(api.BIN, "kedb-index"), "--db",
                            os.path.join(tmp, "warn.db"), d], capture_output=True, timeout=120)
        err = r.stderr.decode("utf-8", "replace")
        need(r.returncode == 0, "exit %d: %s" % (r.returncode, err))
        need("bad-type.md: warning: doc_type 'banana'" in err and "good.md" not in err, err)
        need(b"2 added" in r.stdout, r.stdout)
    case("kedb-index warns about a doc_type outside the list and indexes the file", warned,
         needs_server=False)


def main(tmp):
    srv = api.Served(tmp, users=USERS, clock=True)
    set_now(NOW)
    if not srv.start():
        return 1
    class_cases()
    write_cases()
    chain_cases()
    bad_request_cases()
    index_cases(tmp)
    srv.stop()


if __name__ == "__main__":
    api.run_main("test_doccontrol", main, prefix="kedb-docctl-")
