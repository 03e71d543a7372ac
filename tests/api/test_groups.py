#!/usr/bin/env python3
"""End-to-end tests of support groups, routing, assignment and major incidents (python3
standard library only).

Indexes tests/data, starts $KEDB_BIN/kedb-server with a fake clock and drives, over HTTP:
groups (create, list, rename, members, lead) with bad input; routing rules that fill a new
incident's group (category, CI, location, keywords in Traditional or Simplified); assignees
that must be enabled users of the group; engineers working the incidents of their groups
and no others; the queues (mine, my groups, unassigned); functional escalation with a
reason; work notes with time spent; major incidents whose resolution resolves their
incidents. Ends with "test_groups: N passed, N failed".
"""
import os
import sys
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as api  # noqa: E402

from harness import call, check_error, need, ok, set_now, t_of  # noqa: E402

case = api.case
NOW = t_of(2026, 3, 2, 8)
USERS = [("eng.a", "engineer"), ("eng.b", "engineer"), ("eng.c", "engineer"),
         ("desk.a", "agent"), ("old.hand", "engineer")]
TOKENS = {}
STATE = {}


def tok(name):
    if name not in TOKENS:
        r = api.login(name, api.user_password(name))
        need(r.status == 200, "login %s: %r" % (name, r))
        TOKENS[name] = r.json["token"]
    return TOKENS[name]


def gpath(name):
    return "/api/v1/groups/" + urllib.parse.quote(name, safe="")


def ipath(number, action=""):
    return "/api/v1/incidents/" + urllib.parse.quote(number) + ("/" + action if action else "")


def incident(**kw):
    b = {"caller_name": "王芳", "caller_phone": "13800138000", "channel": "phone",
         "category": "other", "priority": "P3", "summary": "电脑问题", "description": "x"}
    b.update(kw)
    return b


def create(token=api.DEFAULT, **kw):
    return ok(call("POST", "/api/v1/incidents", incident(**kw), token=token), 201)


def group_cases():
    def created():
        g = ok(call("POST", "/api/v1/groups", {"name": "桌面组", "members": ["eng.c", "eng.a"],
                                               "lead": "eng.c"}), 201)
        need(g["name"] == "桌面组" and g["lead"] == "eng.c", "group %r" % g)
        need(g["members"] == ["eng.a", "eng.c"], "members sorted, once each %r" % g)
        g = ok(call("POST", "/api/v1/groups", {"name": "服务台", "lead": "desk.a"}), 201)
        need(g["members"] == ["desk.a"], "the lead joins the members %r" % g)
        g = ok(call("POST", "/api/v1/groups", {"name": "网络组", "members": ["eng.b"]}), 201)
        need(g["lead"] is None and g["members"] == ["eng.b"], "no lead %r" % g)
        ok(call("POST", "/api/v1/groups", {"name": "Apps", "members": []}), 201)
        lst = ok(call("GET", "/api/v1/groups"))["groups"]
        need([g["name"] for g in lst] == sorted(["桌面组", "网络组", "Apps", "服务台"]),
             "list %r" % lst)
        for role in ("desk.a", "eng.a"):
            need(call("GET", gpath("桌面组"), token=tok(role)).status == 200, role)
        a = ok(call("GET", api.q("/api/v1/audit", action="group.create")))["entries"]
        need(len(a) == 4 and a[0]["actor"] == api.TEST_USER, "audit %r" % a)
    case("groups: create with members and a lead, list, read; audited", created)

    def disabled_user():
        ok(call("PATCH", "/api/v1/users/old.hand", {"disabled": True}))
    case("a disabled user for the checks", disabled_user)

    long_name = "组" * 22  # 66 bytes
    bad = [
        ("bad JSON", None, b"{", 400, "parse_error", "JSON"),
        ("no name", {"members": []}, None, 400, "invalid", "'name' is required"),
        ("name number", {"name": 5}, None, 400, "invalid", "'name' must be a string"),
        ("empty name", {"name": ""}, None, 400, "invalid", "group name"),
        ("name 66 bytes", {"name": long_name}, None, 400, "invalid", "group name"),
        ("name with a newline", {"name": "a\nb"}, None, 400, "invalid", "group name"),
        ("name with a leading space", {"name": " a"}, None, 400, "invalid", "group name"),
        ("members not a list", {"name": "x", "members": "eng.a"}, None, 400, "invalid",
         "'members' must be an array"),
        ("member number", {"name": "x", "members": [1]}, None, 400, "invalid",
         "members[0] must be a string"),
        ("unknown member", {"name": "x", "members": ["nobody-xyz"]}, None, 400, "invalid",
         "no user 'nobody-xyz'"),
        ("disabled member", {"name": "x", "members": ["old.hand"]}, None, 400, "invalid",
         "is disabled"),
        ("unknown lead", {"name": "x", "lead": "nobody-xyz"}, None, 400, "invalid",
         "field 'lead'"),
        ("201 members", {"name": "x", "members": ["eng.a"] * 201}, None, 400, "invalid",
         "more than 200"),
        ("unknown field", {"name": "x", "colour": "red"}, None, 400, "invalid",
         "unknown field 'colour'"),
        ("same name, other case", {"name": "apps"}, None, 409, "exists", "exists"),
    ]
    for name, body, raw, status, code, frag in bad:
        def run(body=body, raw=raw, status=status, code=code, frag=frag):
            e = check_error(call("POST", "/api/v1/groups", body, raw=raw), status, code)
            need(frag in e["message"], "message %r lacks %r" % (e["message"], frag))
        case("POST /api/v1/groups %d: %s" % (status, name), run)

    def reads():
        check_error(call("GET", gpath("nope")), 404, "not_found")
        check_error(call("GET", gpath("x" * 65)), 400, "invalid")
        check_error(call("PATCH", gpath("nope"), {"lead": "eng.a"}), 404, "not_found")
        check_error(call("PATCH", gpath("Apps"), {}), 400, "invalid")
        check_error(call("PATCH", gpath("Apps"), {"name": "网络组"}), 409, "exists")
        check_error(call("PATCH", gpath("Apps"), {"members": ["nobody-xyz"]}), 400, "invalid")
        check_error(call("PATCH", gpath("Apps"), {"members": {}}), 400, "invalid")
        check_error(call("DELETE", gpath("Apps")), 405, "invalid")
    case("groups: unknown 404, bad PATCH 400/409, DELETE 405", reads)

    def disabled_member():
        ok(call("POST", "/api/v1/groups", {"name": "夜班", "members": ["eng.c"], "lead": "eng.c"}),
           201)
        ok(call("PATCH", "/api/v1/users/eng.c", {"disabled": True}))
        g = ok(call("PATCH", gpath("夜班"), {"name": "夜班组"}))  # eng.c stays a member
        need(g["members"] == ["eng.c"], "%r" % g)
        need(g["disabled_members"] == ["eng.c"], "the page must not offer eng.c: %r" % g)
        g = ok(call("PATCH", gpath("夜班组"), {"members": ["eng.c", "eng.a"]}))
        need(g["members"] == ["eng.a", "eng.c"], "%r" % g)
        need(g["disabled_members"] == ["eng.c"], "%r" % g)
        check_error(call("PATCH", gpath("夜班组"), {"members": ["old.hand"]}), 400, "invalid")
        ok(call("PATCH", "/api/v1/users/eng.c", {"disabled": False}))
        g = ok(call("GET", gpath("夜班组")))
        need(g["disabled_members"] == [], "enabled again: %r" % g)
        g = ok(call("PATCH", gpath("APPS"), {"lead": ""}))
        need(g["name"] == "Apps", "a PATCH in another case renamed it: %r" % g["name"])
    case("a disabled member does not block other changes; a PATCH by another case renames "
         "nothing", disabled_member)


def routing_cases():
    def rules():
        body = {"rules": [
            {"category": "network", "group": "网络组"},
            {"keywords": ["打印机", "扫描仪"], "group": "桌面组"},
            {"ci": "app-", "location": "HQ", "group": "apps"},
        ]}
        r = ok(call("PUT", "/api/v1/routing-rules", body))
        need(r["rules"][2]["group"] == "Apps", "kept as the group is spelled %r" % r["rules"])
        a = ok(call("GET", api.q("/api/v1/audit", action="routing.update")))["entries"]
        need(a and "打印机,扫描仪→桌面组" in a[0]["summary"], "audit lists the rules %r" % a)
        need(len(r["rules"]) == 3 and r["rules"][1]["keywords"] == ["打印机", "扫描仪"],
             "rules %r" % r)
        need(ok(call("GET", "/api/v1/routing-rules", token=tok("desk.a"))) == r, "GET same")
        cases = [(incident(category="network", summary="上不了网"), "网络组"),
                 (incident(summary="印表機卡紙"), "桌面组"),  # Traditional finds the keyword
                 (incident(ci="APP-ERP-01", location="hq 3F"), "Apps"),
                 (incident(ci="APP-ERP-01", location="branch"), ""),
                 (incident(category="network", group="Apps"), "Apps"),  # the agent's choice
                 (incident(category="network", assignee="eng.a"), "")]  # so is a person
        for body, want in cases:
            j = ok(call("POST", "/api/v1/incidents", body), 201)
            need(j["group"] == want, "%r routed to %r, want %r" % (body, j["group"], want))
            need(j["status"] == ("assigned" if "assignee" in body else "new"),
                 "a group alone leaves it new %r" % j["status"])
    case("routing rules fill the group of a new incident; the agent's choice wins", rules)

    bad = [
        ("not a list", {"rules": {}}, "'rules' must be an array"),
        ("no rules field", {}, "'rules' must be an array"),
        ("rule not an object", {"rules": [1]}, "rules[0] must be an object"),
        ("no group", {"rules": [{"category": "network"}]}, "'group' is required"),
        ("unknown group", {"rules": [{"category": "network", "group": "nope"}]},
         "no group 'nope'"),
        ("no condition", {"rules": [{"group": "Apps"}]}, "at least one"),
        ("unknown field", {"rules": [{"group": "Apps", "ci": "x", "when": 1}]},
         "unknown field 'when'"),
        ("keyword empty", {"rules": [{"group": "Apps", "keywords": [""]}]}, "keywords[0]"),
        ("21 keywords", {"rules": [{"group": "Apps", "keywords": ["k"] * 21}]}, "more than 20"),
        ("keyword 201 bytes", {"rules": [{"group": "Apps", "keywords": ["k" * 201]}]},
         "keywords[0]"),
        ("201 rules", {"rules": [{"group": "Apps", "ci": "x"}] * 201}, "more than 200"),
        ("1020 keywords", {"rules": [{"group": "Apps", "keywords": ["k%d" % i for i in range(20)]}]
                           * 51}, "more than 1000 keywords"),
    ]
    for name, body, frag in bad:
        def run(body=body, frag=frag):
            e = check_error(call("PUT", "/api/v1/routing-rules", body), 400, "invalid")
            need(frag in e["message"], "message %r lacks %r" % (e["message"], frag))
            need(len(ok(call("GET", "/api/v1/routing-rules"))["rules"]) == 3, "rules kept")
        case("PUT /api/v1/routing-rules 400: %s" % name, run)


def assignment_cases():
    def assignees():
        for body, frag in [({"assignee": "nobody-xyz"}, "no user 'nobody-xyz'"),
                           ({"assignee": "old.hand"}, "is disabled"),
                           ({"group": "网络组", "assignee": "eng.a"}, "not a member"),
                           ({"group": "nope"}, "no group 'nope'"),
                           ({"group": 3}, "'group' must be a string")]:
            e = check_error(call("POST", "/api/v1/incidents", incident(**body)), 400, "invalid")
            need(frag in e["message"], "%r: %r" % (body, e["message"]))
        j = create(group="桌面组", assignee="eng.a")
        need(j["status"] == "assigned" and j["assignee"] == "eng.a" and j["group"] == "桌面组",
             "assigned at creation %r" % j)
        need(j["responded_at"] is not None, "assigning is the response")
        STATE["desk"] = j["number"]
        # a group named in another case is the group, kept as spelled when created
        j = create(group="APPS")
        need(j["group"] == "Apps", "group as stored %r" % j["group"])
        before = len(j["timeline"])
        j = ok(call("PATCH", ipath(j["number"]), {"group": "apps"}))
        need(j["group"] == "Apps" and len(j["timeline"]) == before,
             "the same group again is no move: %r" % j["timeline"])
        n = create()["number"]
        e = check_error(call("PATCH", ipath(n), {"assignee": "nobody-xyz"}), 400, "invalid")
        need("no user" in e["message"], e["message"])
        check_error(call("PATCH", ipath(n), {"group": "网络组", "assignee": "eng.a"}), 400,
                    "invalid")
        j = ok(call("PATCH", ipath(n), {"group": "网络组", "assignee": "eng.b"}))
        need(j["status"] == "assigned" and j["group"] == "网络组", "%r" % j)
    case("assignees are enabled users of the incident's group (400 otherwise)", assignees)

    def engineers():
        mine = STATE["desk"]  # 桌面组, eng.a
        j = ok(call("PATCH", ipath(mine), {"status": "in_progress", "note": "换了搓纸轮",
                                            "minutes": 30}, token=tok("eng.a")))
        need(j["status"] == "in_progress" and j["time_spent_minutes"] == 30, "%r" % j)
        ev = j["timeline"][-1]
        need(ev["minutes"] == 30 and ev["by"] == "eng.a", "event %r" % ev)
        # a member of the group who is not the assignee works it too
        j = ok(call("PATCH", ipath(mine), {"note": "复查", "minutes": 15}, token=tok("eng.c")))
        need(j["time_spent_minutes"] == 45, "%r" % j["time_spent_minutes"])
        # eng.b is in 网络组 only
        for method, path, body in [("PATCH", ipath(mine), {"note": "x"}),
                                   ("POST", ipath(mine, "resolve"), {"resolution": "x"})]:
            e = check_error(call(method, path, body, token=tok("eng.b")), 403, "denied")
            need("neither to you nor" in e["message"], e["message"])
        # engineers neither record calls nor follow them up
        r = call("POST", "/api/v1/incidents", incident(), token=tok("eng.a"))
        check_error(r, 403, "forbidden")
        j = ok(call("POST", ipath(mine, "resolve"),
                    {"resolution": "换搓纸轮后正常", "resolved_by": "KE-1001"},
                    token=tok("eng.a")))
        need(j["status"] == "resolved" and j["resolved_by"] == "KE-1001", "%r" % j)
        check_error(call("POST", ipath(mine, "followup"), {"confirmed": True},
                         token=tok("eng.a")), 403, "forbidden")
        ok(call("POST", ipath(mine, "followup"), {"confirmed": True, "satisfaction": 5},
                token=tok("desk.a")))
        # the desk sets priorities and major incidents
        for body in [{"priority": "P1"}, {"parent": STATE["desk"]}]:
            n2 = create(group="桌面组")["number"]
            e = check_error(call("PATCH", ipath(n2), body, token=tok("eng.a")), 403, "denied")
            need("service desk" in e["message"], e["message"])
        # assigned to nobody is not a state
        n2 = create(group="桌面组")["number"]
        ok(call("PATCH", ipath(n2), {"status": "assigned"}))
        e = check_error(call("PATCH", ipath(n2), {"group": "", "reason": "wrong group"}), 400,
                        "invalid")
        need("needs an assignee or a group" in e["message"], e["message"])
        # an incident assigned to eng.b directly, without a group
        n = create(assignee="eng.b")["number"]
        ok(call("PATCH", ipath(n), {"note": "看过了"}, token=tok("eng.b")))
        check_error(call("PATCH", ipath(n), {"note": "x"}, token=tok("eng.a")), 403, "denied")
        for body, frag in [({"note": "x", "minutes": 0}, "'minutes'"),
                           ({"note": "x", "minutes": 1441}, "'minutes'"),
                           ({"minutes": 10}, "goes with a note"),
                           ({"note": "x", "minutes": "10"}, "'minutes'")]:
            e = check_error(call("PATCH", ipath(n), body, token=tok("eng.b")), 400, "invalid")
            need(frag in e["message"], "%r: %r" % (body, e["message"]))
    case("engineers work the incidents of their groups and their own, no others (403)",
         engineers)

    def queues():
        a = create(group="桌面组")["number"]
        b = create(group="网络组", assignee="eng.b")["number"]
        c = create()["number"]

        def numbers(token, **params):
            r = ok(call("GET", api.q("/api/v1/incidents", status="open", limit=100, **params),
                        token=token))
            return {i["number"] for i in r["incidents"]}
        mine = numbers(tok("eng.b"), queue="mine")
        need(b in mine and a not in mine and c not in mine, "mine %r" % mine)
        groups = numbers(tok("eng.a"), queue="my_groups")
        need(a in groups and b not in groups and c not in groups, "my_groups %r" % groups)
        groups = numbers(tok("eng.b"), queue="my_groups")
        need(b in groups and a not in groups, "eng.b's groups %r" % groups)
        free = numbers(tok("desk.a"), queue="unassigned")
        need(a in free and c in free and b not in free, "unassigned %r" % free)
        g = numbers(tok("desk.a"), group="网络组")
        need(b in g and a not in g, "group filter %r" % g)
        check_error(call("GET", api.q("/api/v1/incidents", queue="all")), 400, "invalid")
        check_error(call("GET", api.q("/api/v1/incidents", parent="INC-1")), 400, "invalid")
    case("queues: mine, my groups, unassigned; the group filter", queues)

    def escalation():
        n = create(group="桌面组", assignee="eng.a")["number"]
        ok(call("PATCH", ipath(n), {"status": "in_progress"}, token=tok("eng.a")))
        e = check_error(call("PATCH", ipath(n), {"group": "网络组"}, token=tok("eng.a")), 400,
                        "invalid")
        need("'reason'" in e["message"], e["message"])
        j = ok(call("PATCH", ipath(n), {"group": "网络组", "reason": "交换机端口故障，转网络组"},
                    token=tok("eng.a")))
        need(j["group"] == "网络组" and j["assignee"] == "" and j["status"] == "assigned",
             "escalated %r" % {k: j[k] for k in ("group", "assignee", "status")})
        types = [(e["type"], e["from"], e["to"], e["note"]) for e in j["timeline"][-3:]]
        need(("group", "桌面组", "网络组", "交换机端口故障，转网络组") in types, "%r" % types)
        need(any(t[0] == "assignee" and t[1] == "eng.a" and t[2] == "" for t in types),
             "%r" % types)
        # the old group no longer works it, the new one does
        check_error(call("PATCH", ipath(n), {"note": "x"}, token=tok("eng.a")), 403, "denied")
        ok(call("PATCH", ipath(n), {"assignee": "eng.b"}, token=tok("eng.b")))
        a = ok(call("GET", api.q("/api/v1/audit", object="incident:" + n)))["entries"]
        need(any("group 桌面组→网络组" in x["summary"] for x in a), "audit %r" % a)
    case("functional escalation: another group with a reason, the assignee cleared",
         escalation)

    def rename():
        n = create(group="Apps")["number"]
        g = ok(call("PATCH", gpath("Apps"), {"name": "应用组", "members": ["eng.c"],
                                             "lead": "eng.c"}))
        need(g["name"] == "应用组" and g["members"] == ["eng.c"], "%r" % g)
        need(ok(call("GET", ipath(n)))["group"] == "应用组", "the incident follows")
        rules = ok(call("GET", "/api/v1/routing-rules"))["rules"]
        need(rules[2]["group"] == "应用组", "the rule follows %r" % rules)
        check_error(call("GET", gpath("Apps")), 404, "not_found")
    case("renaming a group renames it on its incidents and rules", rename)


def major_cases():
    def major():
        parent = create(summary="ERP 全部无法登录", priority="P1", group="网络组")["number"]
        kids = [create(summary="ERP 登录不了 %d" % i)["number"] for i in range(3)]
        for k in kids:
            j = ok(call("PATCH", ipath(k), {"parent": parent}))
            need(j["parent"] == parent and j["timeline"][-1]["type"] == "parent", "%r" % j)
        p = ok(call("GET", ipath(parent)))
        need(p["children"] == kids and p["parent"] is None, "children %r" % p["children"])
        ok(call("POST", ipath(kids[2], "resolve"), {"resolution": "自己好了"}))
        other = create()["number"]
        for body, status, code, frag in [
                ({"parent": "INC-20990101-0001"}, 400, "invalid", "no incident"),
                ({"parent": other}, 400, "invalid", "has incidents of its own"),
                ({"parent": "x"}, 400, "invalid", "no incident")]:
            target = parent if frag == "has incidents of its own" else other
            e = check_error(call("PATCH", ipath(target), body), status, code)
            need(frag in e["message"], "%r: %r" % (body, e["message"]))
        e = check_error(call("PATCH", ipath(other), {"parent": kids[0]}), 400, "invalid")
        need("belongs to" in e["message"], e["message"])
        e = check_error(call("PATCH", ipath(other), {"parent": other}), 400, "invalid")
        need("itself" in e["message"], e["message"])
        set_now(NOW + 3600)
        j = ok(call("POST", ipath(parent, "resolve"),
                    {"resolution": "核心交换机重启", "resolved_by": "KE-1001"},
                    token=tok("eng.b")))
        need(j["status"] == "resolved", "%r" % j["status"])
        for k in kids[:2]:
            c = ok(call("GET", ipath(k)))
            need(c["status"] == "resolved" and c["resolution"] == "核心交换机重启" and
                 c["resolved_by"] == "KE-1001", "child %s %r" % (k, c["status"]))
        c = ok(call("GET", ipath(kids[2])))
        need(c["resolution"] == "自己好了", "a resolved child keeps its own resolution")
        ev = ok(call("GET", ipath(kids[0])))["timeline"][-1]
        need(ev["type"] == "major" and ev["to"] == parent, "the child says why %r" % ev)
        a = ok(call("GET", api.q("/api/v1/audit", object="incident:" + kids[0])))["entries"]
        need(any("with major incident " + parent in x["summary"] for x in a), "audit %r" % a)
        # each child keeps its own follow-up
        ok(call("POST", ipath(kids[0], "followup"), {"confirmed": True}))
        need(ok(call("GET", ipath(kids[0])))["status"] == "closed", "child closed")
        need(ok(call("GET", ipath(kids[1])))["status"] == "resolved", "sibling still resolved")
        e = check_error(call("PATCH", ipath(other), {"parent": parent}), 409, "exists")
        need("open incident" in e["message"], e["message"])
        lst = ok(call("GET", api.q("/api/v1/incidents", parent=parent)))
        need(lst["total"] == 3, "list by parent %r" % lst["total"])
        # the outage comes back: the children its resolution resolved reopen with it; the
        # closed one and the one resolved on its own keep their state
        set_now(NOW + 7200)
        j = ok(call("POST", ipath(parent, "reopen"), {"reason": "交换机再次宕机"}))
        need(j["status"] == "in_progress", "%r" % j["status"])
        states = [ok(call("GET", ipath(k)))["status"] for k in kids]
        need(states == ["closed", "in_progress", "resolved"], "children %r" % states)
        ev = ok(call("GET", ipath(kids[1])))["timeline"][-1]
        need(ev["type"] == "reopen" and ev["note"] == "交换机再次宕机", "%r" % ev)
        j = ok(call("POST", ipath(parent, "resolve"), {"resolution": "更换交换机"}))
        need(ok(call("GET", ipath(kids[1])))["resolution"] == "更换交换机", "resolved again")
        need(ok(call("GET", ipath(kids[2])))["resolution"] == "自己好了", "own kept")
    case("major incidents: link, list, resolve the parent resolves its open incidents, "
         "reopening it reopens those", major)


def export_cases():
    def export():
        lst = ok(call("GET", api.q("/api/v1/incidents", status="open", limit=100)))
        r = call("GET", api.q("/api/v1/incidents.csv", status="open"), token=tok("desk.a"))
        need(r.status == 200 and r.headers.get("content-type", "").startswith("text/csv"),
             "%r" % r)
        need(r.headers.get("content-disposition", "").startswith('attachment; filename="incidents-'),
             "disposition %r" % r.headers.get("content-disposition"))
        need(r.body.startswith(b"\xef\xbb\xbf"), "no BOM for Excel")
        lines = r.body.decode("utf-8-sig").split("\r\n")
        need(lines[0].startswith("工单号,状态,优先级"), "head %r" % lines[0])
        rows = [x for x in lines[1:] if x]
        need(len(rows) == lst["total"], "%d rows, %d open" % (len(rows), lst["total"]))
        numbers = {x.split(",")[0] for x in rows}
        need(numbers == {i["number"] for i in lst["incidents"]}, "the same incidents")
        need(any(",新建," in x or ",已分派," in x for x in rows), "statuses in Chinese")
        en = call("GET", api.q("/api/v1/incidents.csv", queue="mine", lang="en"),
                  token=tok("eng.b")).body.decode("utf-8-sig").split("\r\n")
        need(en[0].startswith("number,status,priority"), "English head %r" % en[0])
        mine = ok(call("GET", api.q("/api/v1/incidents", queue="mine", limit=100),
                       token=tok("eng.b")))["total"]
        need(len([x for x in en[1:] if x]) == mine, "queue=mine rows")
        a = ok(call("GET", api.q("/api/v1/audit", action="incident.export")))["entries"]
        need(len(a) == 2 and a[-1]["actor"] == "desk.a" and "status=open" in a[-1]["summary"],
             "audited %r" % a)
        r = call("GET", api.q("/api/v1/incidents.csv", phone="13800138000"))
        need(r.status == 200, "%r" % r)
        a = ok(call("GET", api.q("/api/v1/audit", action="incident.export")))["entries"]
        need("13800138000" not in a[0]["summary"] and "phone=(given)" in a[0]["summary"],
             "a phone number in the trail %r" % a[0])
        for q, frag in [(dict(lang="fr"), "unknown lang"), (dict(queue="x"), "unknown queue"),
                        (dict(status="done"), "unknown status"), (dict(priority="P9"), "P9")]:
            e = check_error(call("GET", api.q("/api/v1/incidents.csv", **q)), 400, "invalid")
            need(frag in e["message"], "%r: %r" % (q, e["message"]))
    case("the incident list as CSV: the same rows, BOM, Chinese or English, audited", export)


def main(tmp):
    srv = api.Served(tmp, users=USERS, clock=True)
    set_now(NOW)
    if not srv.start():
        return 1
    group_cases()
    routing_cases()
    assignment_cases()
    major_cases()
    export_cases()
    srv.stop()


if __name__ == "__main__":
    api.run_main("test_groups", main, prefix="kedb-grp-")
