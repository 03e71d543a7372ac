#!/usr/bin/env python3
"""End-to-end tests of the incident API (python3 standard library only).

Indexes tests/data into a temporary database with $KEDB_BIN/kedb-index, turns it back into
a schema-2 database (as an older kedb-index left it) so that the server's migration at
start is exercised, starts $KEDB_BIN/kedb-server on a free port with a fake clock
(KEDB_FAKE_NOW_FILE) and the sample SLA file, and drives incidents over HTTP: the whole
lifecycle, every illegal transition, bad input on every endpoint, SLA clocks with pending
time, lookups and filters, and concurrent writers. Stops the server with SIGTERM and fails
on sanitizer reports. Ends with "test_incidents: N passed, N failed".
"""
import calendar
import json
import os
import re
import sqlite3
import subprocess
import sys
import threading
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as api  # noqa: E402  (the shared harness: case, request, checks)

from harness import Fail, call, check_error, iso, need, ok, set_now  # noqa: E402

case = api.case

ROOT = api.ROOT
BIN = api.BIN
SLA_FILE = os.path.join(ROOT, "samples", "sla.conf")
T0 = calendar.timegm((2026, 3, 2, 8, 0, 0))  # 2026-03-02T08:00:00Z
DAY0 = "20260302"
MIN = 60
HOUR = 3600
STATUSES = ["new", "assigned", "in_progress", "pending", "resolved", "closed"]
UPDATE_OK = {("new", "assigned"), ("new", "in_progress"), ("assigned", "in_progress"),
             ("assigned", "pending"), ("in_progress", "assigned"), ("in_progress", "pending"),
             ("pending", "assigned"), ("pending", "in_progress")}
INCIDENT_KEYS = {"number", "status", "priority", "impact", "urgency", "caller_name",
                 "caller_phone", "department", "location", "channel", "category", "ci",
                 "summary", "description", "assignee", "resolution", "resolved_by", "links",
                 "created_by", "created_on_behalf_of", "created_at", "updated_at",
                 "responded_at", "resolved_at", "closed_at", "complaint", "satisfaction", "reopen_count", "sla", "timeline",
                 "group", "parent", "time_spent_minutes", "children", "asset"}
LIST_KEYS = INCIDENT_KEYS - {"description", "resolution", "links", "timeline", "children",
                             "asset"}
SLA_KEYS = {"response_target_seconds", "resolve_target_seconds", "response_due", "resolve_due",
            "response_remaining_seconds", "resolve_remaining_seconds", "response_breached",
            "resolve_breached", "paused", "paused_seconds", "hours"}


def inc_path(number, action=""):
    return "/api/v1/incidents/" + urllib.parse.quote(number) + ("/" + action if action else "")


def base_incident(**kw):
    b = {"caller_name": "王芳", "caller_phone": "138-0013 8000", "department": "财务部",
         "location": "3F", "channel": "phone", "category": "printer", "ci": "PRN-0301",
         "priority": "P3", "summary": "打印机脱机", "description": "所有电脑上显示脱机",
         "actor": "desk-1"}
    b.update(kw)
    return {k: v for k, v in b.items() if v is not None}


def create(**kw):
    j = ok(call("POST", "/api/v1/incidents", base_incident(**kw)), 201)
    check_incident_shape(j)
    return j


def get_inc(number):
    j = ok(call("GET", inc_path(number)))
    check_incident_shape(j)
    return j


def patch(number, **body):
    return ok(call("PATCH", inc_path(number), body))


def check_incident_shape(j, keys=INCIDENT_KEYS):
    need(set(j) == keys, "incident keys: extra %r, missing %r" %
         (sorted(set(j) - keys), sorted(keys - set(j))))
    need(re.fullmatch(r"INC-\d{8}-\d{4,}", j["number"]), "number %r" % j["number"])
    need(j["status"] in STATUSES, "status %r" % j["status"])
    need(j["priority"] in ("P1", "P2", "P3", "P4"), "priority %r" % j["priority"])
    need(set(j["sla"]) == SLA_KEYS, "sla keys %r" % sorted(j["sla"]))
    for k in ("created_at", "updated_at"):
        need(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", j[k]), "%s %r" % (k, j[k]))
    if "timeline" in j:
        for i, e in enumerate(j["timeline"]):
            need(e["seq"] == i + 1, "timeline seq %r at %d" % (e["seq"], i))
            need({"seq", "at", "by", "on_behalf_of", "actor", "type", "from", "to",
                  "note"} <= set(e), "event keys %r" % sorted(e))
            need(e["by"] and e["actor"] == e["by"], "event without who did it: %r" % e)
            need(e["on_behalf_of"] is None or (e["on_behalf_of"] and
                                               e["on_behalf_of"] != e["by"]),
                 "on_behalf_of %r" % e)
            need(e["at"] and e["at"].endswith("Z"), "event time %r" % e["at"])


def types(j):
    return [e["type"] for e in j["timeline"]]


def in_status(status, **kw):
    """A new incident brought to status through the legal path."""
    j = create(**kw)
    n = j["number"]
    path = {"new": [], "assigned": ["assigned"], "in_progress": ["in_progress"],
            "pending": ["in_progress", "pending"], "resolved": ["resolved"],
            "closed": ["resolved", "closed"]}[status]
    for step in path:
        if step == "assigned":
            patch(n, assignee="zhang")
        elif step in ("in_progress", "pending"):
            patch(n, status=step)
        elif step == "resolved":
            ok(call("POST", inc_path(n, "resolve"), {"resolution": "fixed"}))
        elif step == "closed":
            ok(call("POST", inc_path(n, "followup"), {"confirmed": True, "satisfaction": 5}))
    j = get_inc(n)
    need(j["status"] == status, "set-up: %s is %s, want %s" % (n, j["status"], status))
    return j


# --- cases --------------------------------------------------------------------------------


def lifecycle_cases():
    state = {}

    def created():
        set_now(T0)
        j = create(impact=1, urgency=2, priority=None)  # 1 + 2 = 3 -> P2
        need(j["number"] == "INC-%s-0001" % DAY0, "first number of the day %r" % j["number"])
        need(j["status"] == "new", "status %r" % j["status"])
        need(j["priority"] == "P2" and j["impact"] == 1 and j["urgency"] == 2,
             "priority %r impact %r urgency %r" % (j["priority"], j["impact"], j["urgency"]))
        need(j["created_at"] == iso(T0), "created_at %r" % j["created_at"])
        # who did it is the logged-in user; the name the body gives is "on behalf of"
        need(j["created_by"] == api.TEST_USER and j["created_on_behalf_of"] == "desk-1",
             "created_by %r for %r" % (j["created_by"], j["created_on_behalf_of"]))
        s = j["sla"]
        need(s["response_due"] == iso(T0 + 30 * MIN), "response_due %r" % s["response_due"])
        need(s["resolve_due"] == iso(T0 + 8 * HOUR), "resolve_due %r" % s["resolve_due"])
        need(s["response_remaining_seconds"] == 30 * MIN and not s["response_breached"],
             "sla %r" % s)
        need(types(j) == ["created"], "timeline %r" % types(j))
        e = j["timeline"][0]
        need(e["by"] == api.TEST_USER and e["on_behalf_of"] == "desk-1", "event %r" % e)
        need(j["responded_at"] is None and j["satisfaction"] is None, "nulls %r" % j)
        state["n"] = j["number"]
        j2 = create(priority="P4")
        need(j2["number"] == "INC-%s-0002" % DAY0, "second number %r" % j2["number"])
    case("incident create: 201, number, status new, ITIL priority, SLA due times", created)

    def walk():
        n = state["n"]
        set_now(T0 + 10 * MIN)
        j = patch(n, assignee="zhang", actor="lead")
        need(j["status"] == "assigned", "assigning a new incident: %r" % j["status"])
        need(j["responded_at"] == iso(T0 + 10 * MIN), "responded_at %r" % j["responded_at"])
        need(j["sla"]["response_remaining_seconds"] == 20 * MIN, "sla %r" % j["sla"])
        set_now(T0 + 20 * MIN)
        j = patch(n, status="in_progress", actor="zhang")
        set_now(T0 + 1 * HOUR)
        j = patch(n, status="pending", note="waiting for the vendor", actor="zhang")
        need(j["sla"]["paused"], "pending is not paused: %r" % j["sla"])
        set_now(T0 + 3 * HOUR)
        j = get_inc(n)
        need(j["sla"]["paused_seconds"] == 2 * HOUR, "paused %r" % j["sla"])
        need(j["sla"]["resolve_remaining_seconds"] == 7 * HOUR,
             "remaining while pending %r" % j["sla"]["resolve_remaining_seconds"])
        j = patch(n, status="in_progress", priority="P1", note="vendor replied", actor="zhang")
        need(j["priority"] == "P1", "priority %r" % j["priority"])
        j = patch(n, note="driver reinstalled", actor="zhang")
        set_now(T0 + 4 * HOUR)
        j = ok(call("POST", inc_path(n, "resolve"),
                    {"resolution": "Re-added the printer port (KE-1003).",
                     "resolved_by": "KE-1003", "links": ["ART-0101", "https://wiki.example/p"],
                     "actor": "zhang"}))
        need(j["status"] == "resolved" and j["resolved_at"] == iso(T0 + 4 * HOUR),
             "resolved %r %r" % (j["status"], j["resolved_at"]))
        need(j["resolved_by"] == "KE-1003", "resolved_by %r" % j["resolved_by"])
        need(j["links"] == ["ART-0101", "https://wiki.example/p"], "links %r" % j["links"])
        set_now(T0 + 5 * HOUR)
        j = ok(call("POST", inc_path(n, "followup"),
                    {"confirmed": False, "complaint": True, "satisfaction": 2,
                     "comment": "still offline and nobody called back", "actor": "王芳"}))
        need(j["status"] == "in_progress" and j["complaint"] and j["reopen_count"] == 1,
             "after a rejected follow-up %r" % {k: j[k] for k in ("status", "complaint")})
        set_now(T0 + 6 * HOUR)
        ok(call("POST", inc_path(n, "resolve"), {"resolution": "replaced the cable"}))
        set_now(T0 + 7 * HOUR)
        j = ok(call("POST", inc_path(n, "followup"),
                    {"confirmed": True, "satisfaction": 4, "comment": "works"}))
        need(j["status"] == "closed" and j["closed_at"] == iso(T0 + 7 * HOUR),
             "closed %r" % j["status"])
        need(j["satisfaction"] == 4, "satisfaction %r" % j["satisfaction"])
        set_now(T0 + 8 * HOUR)
        j = ok(call("POST", inc_path(n, "reopen"), {"reason": "offline again", "actor": "lead"}))
        need(j["status"] == "in_progress" and j["closed_at"] is None and j["resolved_at"] is None,
             "reopened %r" % j["status"])
        need(j["reopen_count"] == 2, "reopen_count %r" % j["reopen_count"])
        j = get_inc(n)
        want = ["created", "assignee", "status", "status", "status", "priority", "status",
                "note", "resolution", "followup", "resolution", "followup", "reopen"]
        need(types(j) == want, "timeline %r" % types(j))
        tl = j["timeline"]
        need(tl[1]["from"] == "" and tl[1]["to"] == "zhang" and tl[1]["by"] == api.TEST_USER
             and tl[1]["on_behalf_of"] == "lead", "assignee event %r" % tl[1])
        need(tl[2]["from"] == "new" and tl[2]["to"] == "assigned", "status event %r" % tl[2])
        need(tl[4]["to"] == "pending" and tl[4]["note"] == "waiting for the vendor",
             "pending event %r" % tl[4])
        need(tl[5]["from"] == "P2" and tl[5]["to"] == "P1", "priority event %r" % tl[5])
        need(tl[6]["note"] == "vendor replied" and tl[6]["at"] == iso(T0 + 3 * HOUR),
             "resume event %r" % tl[6])
        need(tl[7]["note"] == "driver reinstalled", "note event %r" % tl[7])
        need(tl[8]["resolved_by"] == "KE-1003" and len(tl[8]["links"]) == 2,
             "resolution event %r" % tl[8])
        need(tl[9]["complaint"] is True and tl[9]["confirmed"] is False and
             tl[9]["satisfaction"] == 2 and tl[9]["by"] == api.TEST_USER and
             tl[9]["on_behalf_of"] == "王芳", "follow-up %r" % tl[9])
        need(tl[10]["resolved_by"] == "" and tl[10]["by"] == api.TEST_USER and
             tl[10]["on_behalf_of"] is None, "second resolution %r" % tl[10])
        need(tl[12]["by"] == api.TEST_USER and tl[12]["on_behalf_of"] == "lead",
             "reopen event %r" % tl[12])
        need(tl[11]["to"] == "closed" and tl[11]["confirmed"] is True, "close %r" % tl[11])
        need(tl[12]["from"] == "closed" and tl[12]["note"] == "offline again",
             "reopen event %r" % tl[12])
        need([e["at"] for e in tl] == sorted(e["at"] for e in tl), "events out of order")
        # nothing is overwritten without trace: the first resolution is still there
        need(j["resolution"] == "replaced the cable", "resolution %r" % j["resolution"])
        need(tl[8]["note"].startswith("Re-added"), "first resolution lost")
        # pending 1 h..3 h, resolved 4 h..5 h and 6 h..8 h
        need(j["sla"]["paused_seconds"] == 5 * HOUR, "paused %r" % j["sla"]["paused_seconds"])
        need(j["sla"]["resolve_due"] == iso(T0 + 4 * HOUR + 5 * HOUR),
             "P1 resolve due %r" % j["sla"]["resolve_due"])
    case("incident lifecycle over HTTP with a complete timeline", walk)

    def complaints():
        j = ok(call("GET", "/api/v1/incidents?complaint=1"))
        need(j["total"] == 1 and j["incidents"][0]["number"] == state["n"],
             "complaints %r" % [i["number"] for i in j["incidents"]])
        need(j["incidents"][0]["complaint"] is True, "complaint flag")
        j = ok(call("GET", "/api/v1/incidents?complaint=0"))
        need(state["n"] not in [i["number"] for i in j["incidents"]], "complaint=0 lists it")
    case("incident complaints are listed (complaint=1)", complaints)


def learning_cases():
    """Link-back: resolving with a known error counts for it; a closed incident becomes a
    searchable ticket; a reopen takes both back."""
    def usage(kb_id):
        return ok(call("GET", "/api/v1/kb/" + kb_id))["usage"]

    def link_back():
        before = usage("KE-1001")["resolved"]
        inc = create(summary="财务打印机卡纸 zzlinkback", description="面板 13.A2.D4，取出纸后又卡")
        n = inc["number"]
        ok(call("POST", inc_path(n, "resolve"),
                {"resolution": "按 KE-1001 更换搓纸轮 zzresolved", "resolved_by": "KE-1001",
                 "actor": "eng-1"}))
        u = usage("KE-1001")
        need(u["resolved"] == before + 1 and u["last_resolved"], "counted: %r" % u)
        need(call("GET", "/api/v1/kb/" + n).status == 404, "no ticket before it is closed")
        ok(call("POST", inc_path(n, "followup"),
                {"satisfaction": 5, "comment": "好", "confirmed": True, "actor": "desk-1"}))
        t = ok(call("GET", "/api/v1/kb/" + n))
        need(t["type"] == "ticket" and "zzresolved" in t["workaround"] and
             t["fields"].get("resolved_by") == "KE-1001", "ticket item: %r" % t)
        hits = ok(call("GET", api.q("/api/v1/search", q="zzlinkback ", type="ticket")))["hits"]
        need([h["id"] for h in hits] == [n], "the closed incident is found: %r" % hits)
        ok(call("POST", inc_path(n, "reopen"), {"reason": "又卡纸了", "actor": "desk-1"}))
        need(usage("KE-1001")["resolved"] == before, "a reopen takes the count back")
        need(call("GET", "/api/v1/kb/" + n).status == 404, "and the ticket item")
    case("incident link-back counts, closed incidents become tickets, reopen undoes", link_back)


def illegal_cases():
    def run():
        set_now(T0 + 9 * HOUR)
        refused = 0
        for st in STATUSES:
            j = in_status(st, summary="illegal from %s" % st)
            n = j["number"]
            before = len(j["timeline"])
            attempts = []
            for to in STATUSES:
                if to != st and (st, to) not in UPDATE_OK:
                    attempts.append(("PATCH", inc_path(n), {"status": to, "assignee": None},
                                     to))
            if st in ("resolved", "closed"):
                attempts.append(("POST", inc_path(n, "resolve"), {"resolution": "again"},
                                 "resolved"))
            if st != "resolved":
                attempts.append(("POST", inc_path(n, "followup"), {"confirmed": True}, "closed"))
                attempts.append(("POST", inc_path(n, "followup"), {"confirmed": False},
                                 "in_progress"))
            if st not in ("resolved", "closed"):
                attempts.append(("POST", inc_path(n, "reopen"), {"reason": "r"}, "in_progress"))
            for method, path, body, to in attempts:
                body = {k: v for k, v in body.items() if v is not None}
                if body.get("status") == "assigned":
                    body["assignee"] = "zhang"  # so that only the state is wrong
                r = call(method, path, body)
                e = check_error(r, 409, "exists")
                want = "from '%s' to '%s'" % (st, to)
                need(want in e["message"], "%s %s %r: message %r lacks %r" %
                     (method, path, body, e["message"], want))
                refused += 1
            if st in ("resolved", "closed"):
                for body in ({"assignee": "li"}, {"priority": "P1"}):
                    e = check_error(call("PATCH", inc_path(n), body), 409, "exists")
                    need(st in e["message"], "message %r" % e["message"])
                    refused += 1
            j = get_inc(n)
            need(j["status"] == st and len(j["timeline"]) == before,
                 "a refused change left a trace on %s: %r" % (st, types(j)))
        need(refused >= 30, "only %d illegal transitions tried" % refused)
    case("incident every illegal transition is 409 naming both states", run)

    def legal_updates():
        set_now(T0 + 9 * HOUR)
        for (st, to) in sorted(UPDATE_OK):
            j = in_status(st, summary="legal %s -> %s" % (st, to))
            body = {"status": to}
            if to == "assigned":
                body["assignee"] = "li"
            j = patch(j["number"], **body)
            need(j["status"] == to, "%s -> %s gave %s" % (st, to, j["status"]))
        for st in ("new", "assigned", "in_progress", "pending"):
            j = in_status(st, summary="resolve from %s" % st)
            j = ok(call("POST", inc_path(j["number"], "resolve"), {"resolution": "ok"}))
            need(j["status"] == "resolved", "resolve from %s" % st)
        j = in_status("resolved")
        j = ok(call("POST", inc_path(j["number"], "reopen"), {"reason": "no"}))
        need(j["status"] == "in_progress", "reopen from resolved")
    case("incident every legal transition is accepted", legal_updates)


def bad_input_cases():
    set_now(T0 + 10 * HOUR)
    holder = {}

    def setup():
        holder["n"] = create(summary="bad input target")["number"]
    case("incident bad-input target created", setup)
    n = holder.get("n", "INC-%s-9999" % DAY0)
    long_short = "a" * 201
    long_text = "b" * 20001
    missing = "INC-%s-9999" % DAY0

    def expect(method, path, body, status, code, fragment, raw=None):
        def run():
            r = call(method, path, body, raw=raw)
            e = check_error(r, status, code)
            need(fragment in e["message"], "message %r lacks %r" % (e["message"], fragment))
        return run

    creates = [
        ("bad JSON", None, b'{"caller_name": ', 400, "parse_error", "not valid JSON"),
        ("empty body", None, b"", 400, "invalid", "empty"),
        ("array body", None, b"[1, 2]", 400, "invalid", "JSON object"),
        ("duplicate key", None, b'{"summary": "a", "summary": "b"}', 400, "parse_error",
         "duplicate"),
        ("unknown field", base_incident(severity=1), None, 400, "invalid", "unknown field"),
        ("caller_name number", base_incident(caller_name=5), None, 400, "invalid",
         "'caller_name' must be a string"),
        ("impact string", base_incident(priority=None, impact="2", urgency=2), None, 400,
         "invalid", "'impact' must be a whole number"),
        ("impact 4", base_incident(priority=None, impact=4, urgency=2), None, 400, "invalid",
         "'impact'"),
        ("urgency 1.5", base_incident(priority=None, impact=1, urgency=1.5), None, 400,
         "invalid", "'urgency'"),
        ("priority number", base_incident(priority=2), None, 400, "invalid", "'priority'"),
        ("priority P5", base_incident(priority="P5"), None, 400, "invalid", "P5"),
        ("priority and impact", base_incident(impact=1, urgency=1), None, 400, "invalid",
         "not both"),
        ("impact without urgency", base_incident(priority=None, impact=1), None, 400,
         "invalid", "'urgency' is required"),
        ("no priority", base_incident(priority=None), None, 400, "invalid", "'priority'"),
        ("channel fax", base_incident(channel="fax"), None, 400, "invalid", "unknown channel"),
        ("category", base_incident(category="hardware"), None, 400, "invalid",
         "unknown category"),
        ("missing summary", base_incident(summary=None), None, 400, "invalid",
         "'summary' is required"),
        ("blank summary", base_incident(summary="   "), None, 400, "invalid", "must not be empty"),
        ("missing caller", base_incident(caller_name=None), None, 400, "invalid",
         "'caller_name' is required"),
        ("missing channel", base_incident(channel=None), None, 400, "invalid",
         "'channel' is required"),
        ("missing category", base_incident(category=None), None, 400, "invalid",
         "'category' is required"),
        ("summary 201 bytes", base_incident(summary=long_short), None, 400, "invalid",
         "longer than 200"),
        ("description 20001 bytes", base_incident(description=long_text), None, 400,
         "invalid", "longer than 20000"),
        ("phone letters", base_incident(caller_phone="call me"), None, 400, "invalid",
         "caller_phone"),
        ("summary with NUL", None, b'{"summary": "a\\u0000b"}', 400, "parse_error", "JSON"),
    ]
    for name, body, raw, status, code, frag in creates:
        case("incident create 400: %s" % name,
             expect("POST", "/api/v1/incidents", body, status, code, frag, raw=raw))

    def too_big():
        size = 1024 * 1024 + 1
        head = ("POST /api/v1/incidents HTTP/1.1\r\nHost: %s\r\nContent-Type: "
                "application/json\r\nContent-Length: %d\r\n\r\n" % (api.HOST, size)).encode()
        r = api.raw_exchange(head, [b" " * size])
        check_error(r, 413, "too_big")
    case("incident create 413: body over 1 MiB", too_big)

    p = inc_path(n)
    patches = [
        ("bad JSON", p, None, b"{", 400, "parse_error", "not valid JSON"),
        ("nothing to change", p, {}, None, 400, "invalid", "nothing to change"),
        ("unknown status", p, {"status": "done"}, None, 400, "invalid", "unknown status"),
        ("status number", p, {"status": 3}, None, 400, "invalid", "'status' must be a string"),
        ("assignee number", p, {"assignee": 1}, None, 400, "invalid", "'assignee'"),
        ("assignee two lines", p, {"assignee": "a\nb"}, None, 400, "invalid", "'assignee'"),
        ("priority P0", p, {"priority": "P0"}, None, 400, "invalid", "P0"),
        ("note 20001 bytes", p, {"note": long_text}, None, 400, "invalid", "longer than 20000"),
        ("actor 201 bytes", p, {"note": "x", "actor": long_short}, None, 400, "invalid",
         "'on_behalf_of' is longer"),
        ("on_behalf_of 201 bytes", p, {"note": "x", "on_behalf_of": long_short}, None, 400,
         "invalid", "'on_behalf_of' is longer"),
        ("on_behalf_of number", p, {"note": "x", "on_behalf_of": 7}, None, 400, "invalid",
         "'on_behalf_of' must be a string"),
        ("on_behalf_of and actor differ", p, {"note": "x", "on_behalf_of": "a", "actor": "b"},
         None, 400, "invalid", "not both"),
        ("on_behalf_of two lines", p, {"note": "x", "on_behalf_of": "a\nb"}, None, 400,
         "invalid", "on_behalf_of"),
        ("unknown field", p, {"impact": 1}, None, 400, "invalid", "unknown field 'impact'"),
        ("assigned without assignee", p, {"status": "assigned"}, None, 400, "invalid",
         "needs an assignee"),
        ("bad number", "/api/v1/incidents/INC-1", {"note": "x"}, None, 400, "invalid",
         "invalid incident number"),
        ("unknown incident", inc_path(missing), {"note": "x"}, None, 404, "not_found",
         missing),
    ]
    for name, path, body, raw, status, code, frag in patches:
        case("incident PATCH %d: %s" % (status, name),
             expect("PATCH", path, body, status, code, frag, raw=raw))

    rp = inc_path(n, "resolve")
    resolves = [
        ("bad JSON", rp, None, b"nope", 400, "parse_error", "not valid JSON"),
        ("missing resolution", rp, {"resolved_by": "KE-1001"}, None, 400, "invalid",
         "'resolution' is required"),
        ("resolution number", rp, {"resolution": 7}, None, 400, "invalid", "must be a string"),
        ("resolution 20001 bytes", rp, {"resolution": long_text}, None, 400, "invalid",
         "longer than 20000"),
        ("missing item", rp, {"resolution": "x", "resolved_by": "KE-9999"}, None, 400,
         "invalid", "no known error or article with id 'KE-9999'"),
        ("a document", rp, {"resolution": "x", "resolved_by": "YW-SC-001"}, None, 400,
         "invalid", "is a document"),
        ("links not a list", rp, {"resolution": "x", "links": "KE-1001"}, None, 400,
         "invalid", "'links' must be an array"),
        ("link number", rp, {"resolution": "x", "links": [1]}, None, 400, "invalid",
         "links[0] must be a string"),
        ("link missing", rp, {"resolution": "x", "links": ["KE-1001", "KE-0000"]}, None, 400,
         "invalid", "links[1]: no knowledge item"),
        ("21 links", rp, {"resolution": "x", "links": ["KE-1001"] * 21}, None, 400, "invalid",
         "more than 20"),
        ("unknown incident", inc_path(missing, "resolve"), {"resolution": "x"}, None, 404,
         "not_found", missing),
    ]
    for name, path, body, raw, status, code, frag in resolves:
        case("incident resolve %d: %s" % (status, name),
             expect("POST", path, body, status, code, frag, raw=raw))

    def resolve_then_followup_bad():
        ok(call("POST", rp, {"resolution": "fixed", "resolved_by": "ART-0101"}))
        fp = inc_path(n, "followup")
        bad = [
            ({"satisfaction": 5}, "'confirmed' is required"),
            ({"confirmed": "yes"}, "'confirmed' must be true or false"),
            ({"confirmed": True, "satisfaction": 0}, "'satisfaction'"),
            ({"confirmed": True, "satisfaction": 6}, "'satisfaction'"),
            ({"confirmed": True, "satisfaction": "5"}, "'satisfaction'"),
            ({"confirmed": False, "complaint": True}, "a complaint needs a comment"),
            ({"confirmed": False, "complaint": 1, "comment": "x"}, "'complaint' must be true"),
            ({"confirmed": True, "comment": long_text}, "longer than 20000"),
            ({"confirmed": True, "rating": 5}, "unknown field 'rating'"),
        ]
        for body, frag in bad:
            e = check_error(call("POST", fp, body), 400, "invalid")
            need(frag in e["message"], "%r: message %r lacks %r" % (body, e["message"], frag))
        check_error(call("POST", fp, raw=b"{]"), 400, "parse_error")
        check_error(call("POST", inc_path(missing, "followup"), {"confirmed": True}), 404,
                    "not_found")
        need(get_inc(n)["status"] == "resolved", "bad follow-ups changed the incident")
        rop = inc_path(n, "reopen")
        for body, frag in (({}, "'reason' is required"), ({"reason": "  "}, "must not be empty"),
                           ({"reason": ["x"]}, "'reason' must be a string"),
                           ({"reason": long_text}, "longer than 20000")):
            e = check_error(call("POST", rop, body), 400, "invalid")
            need(frag in e["message"], "%r: message %r lacks %r" % (body, e["message"], frag))
        check_error(call("POST", rop, raw=b"null"), 400, "parse_error")
        check_error(call("POST", inc_path(missing, "reopen"), {"reason": "x"}), 404,
                    "not_found")
        j = get_inc(n)
        need(j["status"] == "resolved" and types(j)[-1] == "resolution",
             "bad input left a trace: %r" % types(j))
    case("incident follow-up and reopen 400/404 on bad input", resolve_then_followup_bad)

    gets = [
        ("unknown incident", inc_path(missing), 404, "not_found", missing),
        ("bad number", "/api/v1/incidents/INC-20260302-12", 400, "invalid", "INC-YYYYMMDD"),
        ("bad number 2", "/api/v1/incidents/%3Cscript%3E", 400, "invalid", "invalid incident"),
        ("list bad status", "/api/v1/incidents?status=done", 400, "invalid", "unknown status"),
        ("list bad priority", "/api/v1/incidents?priority=high", 400, "invalid", "priority"),
        ("list bad category", "/api/v1/incidents?category=hw", 400, "invalid", "category"),
        ("list bad from", "/api/v1/incidents?from=2026-02-30", 400, "invalid", "YYYY-MM-DD"),
        ("list bad to", "/api/v1/incidents?to=yesterday", 400, "invalid", "YYYY-MM-DD"),
        ("list from after to", "/api/v1/incidents?from=2026-03-03&to=2026-03-01", 400,
         "invalid", "after"),
        ("list limit 0", "/api/v1/incidents?limit=0", 400, "invalid", "limit"),
        ("list limit 101", "/api/v1/incidents?limit=101", 400, "invalid", "limit"),
        ("list offset -1", "/api/v1/incidents?offset=-1", 400, "invalid", "offset"),
        ("list complaint=2", "/api/v1/incidents?complaint=2", 400, "invalid", "complaint"),
        ("list q too long", "/api/v1/incidents?q=" + "x" * 1001, 400, "invalid", "'q' is longer"),
        ("at-risk within", "/api/v1/incidents/at-risk?within=-5", 400, "invalid", "within"),
        ("at-risk within text", "/api/v1/incidents/at-risk?within=soon", 400, "invalid",
         "within"),
        ("at-risk limit", "/api/v1/incidents/at-risk?limit=1000", 400, "invalid", "limit"),
    ]
    for name, path, status, code, frag in gets:
        case("incident GET %d: %s" % (status, name), expect("GET", path, None, status, code, frag))

    def wrong_method():
        r = call("DELETE", inc_path(n))
        check_error(r, 405, "invalid")
        need("PATCH" in r.headers.get("allow", ""), "Allow %r" % r.headers.get("allow"))
        check_error(call("PUT", "/api/v1/incidents", {}), 405, "invalid")
        check_error(call("GET", inc_path(n, "resolve")), 405, "invalid")
        check_error(call("POST", inc_path(n, "close"), {}), 404, "not_found")
    case("incident wrong methods are 405, unknown actions 404", wrong_method)


def sla_cases():
    def clocks():
        t = T0 + 2 * 86400  # a new day: numbering restarts
        set_now(t)
        j = create(priority="P2", summary="sla clock")
        n = j["number"]
        need(j["number"] == "INC-20260304-0001", "number on a new day %r" % j["number"])
        set_now(t + 31 * MIN)
        j = get_inc(n)
        need(j["sla"]["response_breached"] and j["sla"]["response_remaining_seconds"] == -60,
             "response breach %r" % j["sla"])
        j = patch(n, status="in_progress")
        set_now(t + 2 * HOUR)
        j = patch(n, status="pending", note="waiting for caller")
        # two pending periods: 2 h..5 h and 6 h..7 h
        set_now(t + 5 * HOUR)
        j = get_inc(n)
        need(j["sla"]["paused"] and j["sla"]["resolve_remaining_seconds"] == 6 * HOUR,
             "paused clock %r" % j["sla"])
        need(j["sla"]["resolve_due"] == iso(t + 11 * HOUR), "due while paused %r" % j["sla"])
        j = patch(n, status="in_progress")
        set_now(t + 6 * HOUR)
        j = patch(n, status="pending")
        set_now(t + 7 * HOUR)
        j = patch(n, status="in_progress")
        need(j["sla"]["paused_seconds"] == 4 * HOUR and not j["sla"]["paused"],
             "paused_seconds %r" % j["sla"])
        need(j["sla"]["resolve_due"] == iso(t + 12 * HOUR), "due %r" % j["sla"]["resolve_due"])
        set_now(t + 12 * HOUR)
        j = get_inc(n)
        need(not j["sla"]["resolve_breached"] and j["sla"]["resolve_remaining_seconds"] == 0,
             "at the due time %r" % j["sla"])
        set_now(t + 12 * HOUR + 1)
        j = get_inc(n)
        need(j["sla"]["resolve_breached"] and j["sla"]["resolve_remaining_seconds"] == -1,
             "after the due time %r" % j["sla"])
        j = ok(call("POST", inc_path(n, "resolve"), {"resolution": "late but done"}))
        set_now(t + 40 * HOUR)
        j = get_inc(n)
        need(j["sla"]["resolve_breached"] and j["sla"]["resolve_remaining_seconds"] == -1,
             "frozen at the resolution %r" % j["sla"])
        need(j["sla"]["response_breached"], "response breach forgotten")
    case("incident SLA clocks: response, two pending periods, breach, frozen when resolved",
         clocks)

    def at_risk():
        t = T0 + 5 * 86400
        set_now(t)
        p1 = create(priority="P1", summary="risk p1")["number"]      # respond by +15 min
        p3 = create(priority="P3", summary="risk p3")["number"]      # respond by +4 h
        p4 = create(priority="P4", summary="risk p4")["number"]      # respond by +1 d
        pend = in_status("pending", priority="P2", summary="risk pending")["number"]
        done = in_status("resolved", priority="P1", summary="risk done")["number"]
        set_now(t + 10 * MIN)
        j = ok(call("GET", "/api/v1/incidents/at-risk?within=10"))
        got = [i["number"] for i in j["incidents"]]
        need(p1 in got and p3 not in got and done not in got, "within 10: %r" % got)
        mine = [x for x in got if x in (p1, p3, p4, pend)]
        need(mine == [p1], "within 10 mine %r" % mine)
        item = j["incidents"][got.index(p1)]
        need(item["risk"] == "response" and item["due"] == iso(t + 15 * MIN),
             "risk %r due %r" % (item["risk"], item["due"]))
        need(j["now"] == iso(t + 10 * MIN) and j["within_minutes"] == 10, "header %r" % j)
        check_incident_shape(item, LIST_KEYS | {"risk", "due"})
        set_now(t + 3 * HOUR + 59 * MIN)
        j = ok(call("GET", "/api/v1/incidents/at-risk?within=60&limit=100"))
        got = [i["number"] for i in j["incidents"]]
        mine = [x for x in got if x in (p1, p3, p4, pend, done)]
        # p1 is breached (response due long ago), p3 responds by t + 4 h, the pending P2
        # (responded, 8 h, paused) and p4 are not at risk; done is resolved.
        need(mine == [p1, p3], "within 60 mine %r" % mine)
        dues = [i["due"] for i in j["incidents"]]
        need(dues == sorted(dues), "not soonest first: %r" % dues)
        need(j["incidents"][got.index(p1)]["sla"]["response_breached"], "p1 not breached")
        # the pending incident's clock is paused: a long wait does not put it at risk
        set_now(t + 30 * HOUR)
        j = ok(call("GET", "/api/v1/incidents/at-risk?within=60&limit=100"))
        got = [i["number"] for i in j["incidents"]]
        need(pend not in got and p4 in got, "after 30 h: %r" % got)
        need(j["total"] >= len(got), "total %r" % j["total"])
    case("incident at-risk lists open incidents due within the window, soonest first", at_risk)


def lookup_cases():
    def lookups():
        t = T0 + 7 * 86400
        set_now(t)
        a = create(caller_phone="+86 139-0000 1111", summary="邮箱无法登录 100%",
                   category="account", priority="P2")["number"]
        set_now(t + 60)
        b = create(caller_phone="139 0000 2222", summary="VPN error 809", category="network",
                   priority="P4", description="since the update")["number"]
        set_now(t + 120)
        c = create(caller_phone="+8613900001111", summary="ERP slow",
                   category="business system", priority="P2")["number"]
        patch(c, assignee="wang_wu")
        j = get_inc(b)
        need(j["number"] == b and j["summary"] == "VPN error 809", "by number %r" % j["number"])

        def lst(**params):
            j = ok(call("GET", "/api/v1/incidents?" + urllib.parse.urlencode(params)))
            need(set(j) == {"total", "limit", "offset", "incidents"}, "list keys %r" % j)
            for i in j["incidents"]:
                check_incident_shape(i, LIST_KEYS)
            return j, [i["number"] for i in j["incidents"]]

        _, got = lst(phone="+8613900001111")
        need(got == [c, a], "phone: %r" % got)
        _, got = lst(phone="+86 139 0000-1111")
        need(got == [c, a], "phone with spaces/dashes: %r" % got)
        _, got = lst(phone="13900001111")
        need(got == [c, a], "phone without +86 (one phone rule): %r" % got)
        _, got = lst(phone="0000 1111")
        need(got == [c, a], "part of a phone: %r" % got)
        _, got = lst(phone="139")
        need(got == [], "fewer than 4 digits find nothing: %r" % got)
        _, got = lst(q="王芳", **{"from": "2026-03-09"})
        need(got == [c, b, a], "q finds the caller's name: %r" % got)
        _, got = lst(q="vpn")
        need(got == [b], "q vpn: %r" % got)
        _, got = lst(q="100%")
        need(got == [a], "q 100%%: %r" % got)
        _, got = lst(q="since the")
        need(got == [b], "q in description: %r" % got)
        _, got = lst(q=c)
        need(got == [c], "q number: %r" % got)
        _, got = lst(q="%")
        need(got == [a], "q %% is literal: %r" % got)
        j, got = lst(category="business system")
        need(c in got and a not in got, "category: %r" % got)
        _, got = lst(assignee="wang_wu")
        need(got == [c], "assignee: %r" % got)
        _, got = lst(priority="P4", **{"from": "2026-03-09", "to": "2026-03-09"})
        need(got == [b], "priority + day: %r" % got)
        _, got = lst(**{"from": "2026-03-10"})
        need(got == [], "from after: %r" % got)
        j, got = lst(status="assigned", **{"from": "2026-03-09"})
        need(got == [c], "status assigned: %r" % got)
        j, got = lst(status="new,assigned", **{"from": "2026-03-09"})
        need(got == [c, b, a], "status list, newest first: %r" % got)
        j, got = lst(status="open", **{"from": "2026-03-09"})
        need(got == [c, b, a], "status open: %r" % got)
        j, got = lst(limit=2, offset=1, **{"from": "2026-03-09"})
        need(j["total"] == 3 and got == [b, a] and j["limit"] == 2 and j["offset"] == 1,
             "paging %r %r" % (j["total"], got))
        j, got = lst()
        need(j["total"] > 20 and len(got) == 20, "default page %r of %r" % (len(got), j["total"]))
        created = [i["created_at"] for i in j["incidents"]]
        need(created == sorted(created, reverse=True), "not newest first")
    case("incident lookups by number, phone, text, filters and paging", lookups)


def concurrency_case():
    def run():
        t = T0 + 9 * 86400
        set_now(t)
        shared = create(summary="shared by all threads")["number"]
        errors = []
        made = []
        lock = threading.Lock()

        def worker(k):
            for i in range(5):
                try:
                    r = call("POST", "/api/v1/incidents",
                             base_incident(summary="load %d-%d" % (k, i), actor="w%d" % k))
                    if r.status != 201:
                        raise Fail("create %d: %r" % (r.status, r.body[:200]))
                    n = r.json["number"]
                    with lock:
                        made.append((k, i, n))
                    for body in ({"assignee": "agent%d" % k, "actor": "w%d" % k},
                                 {"note": "own note %d-%d" % (k, i), "actor": "w%d" % k}):
                        r = call("PATCH", inc_path(n), body)
                        if r.status != 200:
                            raise Fail("patch %d: %r" % (r.status, r.body[:200]))
                    r = call("PATCH", inc_path(shared), {"note": "shared %d-%d" % (k, i),
                                                         "actor": "w%d" % k})
                    if r.status != 200:
                        raise Fail("shared note %d: %r" % (r.status, r.body[:200]))
                except Exception as e:
                    with lock:
                        errors.append("%s: %s" % (type(e).__name__, e))

        threads = [threading.Thread(target=worker, args=(k,)) for k in range(8)]
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        need(not errors, "%d errors, first: %s" % (len(errors), errors[:3]))
        numbers = [n for _, _, n in made]
        need(len(numbers) == 40 and len(set(numbers)) == 40, "numbers not unique: %r" %
             sorted(numbers))
        seqs = sorted(int(n.rsplit("-", 1)[1]) for n in numbers)
        need(seqs == list(range(2, 42)), "sequence has gaps or repeats: %r" % seqs)
        for k, i, n in made:
            j = get_inc(n)
            need(types(j) == ["created", "assignee", "status", "note"],
                 "%s timeline %r" % (n, types(j)))
            need(j["timeline"][3]["note"] == "own note %d-%d" % (k, i), "%s note" % n)
            need(j["assignee"] == "agent%d" % k, "%s assignee %r" % (n, j["assignee"]))
        j = get_inc(shared)
        notes = sorted(e["note"] for e in j["timeline"] if e["type"] == "note")
        want = sorted("shared %d-%d" % (k, i) for k in range(8) for i in range(5))
        need(notes == want, "shared timeline lost notes: %d of 40" % len(notes))
    case("incident concurrency: 8 threads create and update, nothing lost", run)


def cli_cases(server, db, tmp):
    def bad_sla():
        path = os.path.join(tmp, "bad-sla.conf")
        with open(path, "w") as f:
            f.write("# targets\nP1 response=15m resolve=4h\nP2 respond=1h\n")
        r = subprocess.run([server, "--db", db, "--port", "0", "--sla", path],
                           capture_output=True, timeout=api.STOP_TIMEOUT)
        need(r.returncode == 2, "bad --sla: exit %d" % r.returncode)
        need(b"line 3" in r.stderr and b"unknown setting" in r.stderr,
             "stderr %r" % r.stderr[-300:])
        r = subprocess.run([server, "--db", db, "--port", "0", "--sla", path + ".missing"],
                           capture_output=True, timeout=api.STOP_TIMEOUT)
        need(r.returncode == 2 and b"cannot read" in r.stderr, "missing --sla: exit %d %r" %
             (r.returncode, r.stderr[-200:]))
    case("server refuses a bad --sla file (exit 2, line number)", bad_sla, needs_server=False)


AGENT = ("agent9", "Walnut-river-agent-42", "agent")
APPROVER = ("approver1", "Walnut-river-approver-42", "approver")


def on_behalf_cases():
    """Who did it is the logged-in user, never a name the body gives: an agent recording
    an incident "on behalf of approver1" is shown as the agent, with approver1 apart."""
    def agent_token():
        r = api.login(AGENT[0], AGENT[1])
        need(r.status == 200, "agent login %r" % r)
        return r.json["token"]

    def as_agent(tok, method, path, body):
        return api.request(method, path, body=json.dumps(body).encode("utf-8"),
                           headers={"Content-Type": "application/json"}, token=tok)

    def audit(number):
        j = ok(call("GET", api.q("/api/v1/audit", object="incident:" + number, limit=50)))
        return [(e["action"], e["actor"], e["summary"]) for e in j["entries"]]

    def recorded():
        set_now(T0 + 20 * 86400)
        tok = agent_token()
        r = as_agent(tok, "POST", "/api/v1/incidents",
                     base_incident(summary="代审批人登记", actor=None, on_behalf_of="approver1"))
        j = ok(r, 201)
        n = j["number"]
        need(j["created_by"] == AGENT[0] and j["created_on_behalf_of"] == "approver1",
             "created %r for %r" % (j["created_by"], j["created_on_behalf_of"]))
        need(j["timeline"][0]["by"] == AGENT[0] and
             j["timeline"][0]["on_behalf_of"] == "approver1", "event %r" % j["timeline"][0])
        # the older field name means the same; the agent's own name is no "on behalf of"
        ok(as_agent(tok, "PATCH", inc_path(n), {"assignee": "zhang", "actor": "approver1"}))
        ok(as_agent(tok, "PATCH", inc_path(n), {"note": "自己记的", "on_behalf_of": "AGENT9"}))
        ok(as_agent(tok, "POST", inc_path(n, "resolve"),
                    {"resolution": "重启", "on_behalf_of": "approver1"}))
        ok(as_agent(tok, "POST", inc_path(n, "followup"),
                    {"confirmed": True, "on_behalf_of": "approver1"}))
        ok(as_agent(tok, "POST", inc_path(n, "reopen"),
                    {"reason": "又坏了", "on_behalf_of": "approver1"}))
        j = get_inc(n)
        tl = j["timeline"]
        need(all(e["by"] == AGENT[0] and e["actor"] == AGENT[0] for e in tl),
             "by %r" % [e["by"] for e in tl])
        want = ["approver1", "approver1", "approver1", None, "approver1", "approver1",
                "approver1"]
        need([e["on_behalf_of"] for e in tl] == want, "on_behalf_of %r (%r)" %
             ([e["on_behalf_of"] for e in tl], types(j)))
        listed = ok(call("GET", api.q("/api/v1/incidents", q=n)))["incidents"]
        need([(i["created_by"], i["created_on_behalf_of"]) for i in listed] ==
             [(AGENT[0], "approver1")], "list %r" % listed)
        entries = audit(n)
        need(entries and all(a == AGENT[0] for _, a, _ in entries), "audit actors %r" % entries)
        acts = {act: summ for act, _, summ in entries}
        need("on behalf of approver1" in acts.get("incident.create", ""), "create %r" % entries)
        for act in ("incident.resolve", "incident.followup", "incident.reopen"):
            need("on behalf of approver1" in acts.get(act, ""), "%s %r" % (act, entries))
        need(not any("on behalf of" in summ and "自己" in summ for _, _, summ in entries),
             "own note recorded as on behalf")
        need(not any(a == "approver1" for _, a, _ in entries), "approver1 named as actor")
    case("an agent recording 'on behalf of approver1' is shown as the agent (timeline, "
         "incident, list, audit)", recorded)

    def approver_cannot_be_claimed():
        # approver1 exists but did nothing: nothing anywhere says approver1 did it
        j = ok(call("GET", api.q("/api/v1/audit", actor="approver1", limit=50)))
        need(j["entries"] == [], "entries by approver1: %r" % j["entries"])
    case("a name in the body never becomes the actor of an audit entry",
         approver_cannot_be_claimed)


def old_rows_case(tmp):
    """A database written before schema 11 keeps its rows readable: the name such a row
    recorded (the request's free-text actor) stays as who did it, with no on_behalf_of."""
    srv = api.Served(os.path.join(tmp, "old"))
    os.mkdir(srv.tmp)

    def schema_10():
        con = sqlite3.connect(srv.db)
        try:
            con.execute("ALTER TABLE incident DROP COLUMN created_on_behalf_of")
            con.execute("ALTER TABLE incident_event DROP COLUMN on_behalf_of")
            con.execute("ALTER TABLE backup_log DROP COLUMN on_behalf_of")
            con.execute("INSERT INTO incident(number, day, seq, status, priority, caller_name, "
                        "caller_phone, phone_norm, department, location, channel, category, "
                        "ci, summary, description, created_by, created_at, updated_at) VALUES "
                        "('INC-20260302-0001', 20260302, 1, 'new', 3, '王芳', '', '', '', '', "
                        "'phone', 'printer', '', '旧记录', '', 'approver1', ?, ?)", (T0, T0))
            con.execute("INSERT INTO incident_event(incident, at, actor, type, from_value, "
                        "to_value, note) VALUES (last_insert_rowid(), ?, 'approver1', "
                        "'created', '', 'new', '')", (T0,))
            con.execute("PRAGMA user_version = 10")
            con.commit()
        finally:
            con.close()

    def read_old():
        j = get_inc("INC-20260302-0001")
        need(j["created_by"] == "approver1" and j["created_on_behalf_of"] is None, j)
        e = j["timeline"][0]
        need(e["by"] == "approver1" and e["on_behalf_of"] is None, e)
        con = sqlite3.connect(srv.db)
        try:
            v = con.execute("PRAGMA user_version").fetchone()[0]
        finally:
            con.close()
        need(v >= 11, "not migrated: version %d" % v)
    try:
        if srv.index():
            case("an incident in a schema-10 database (before on_behalf_of)", schema_10,
                 needs_server=False)
            api.TOKEN = None  # the test user of this database
            if srv.serve():
                case("a schema-10 database migrates; its old rows keep who they named, no "
                     "on_behalf_of", read_old)
                srv.stop()
    finally:
        srv.close()


SCHEMA_2_TABLES = {"meta", "doc", "doc_field", "synonym", "term", "kb_vocab"}


def downgrade(db):
    """Makes db look like a schema-2 database from before incidents existed: every table of
    a later schema version is dropped."""
    con = sqlite3.connect(db)
    try:
        names = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = "
                                           "'table' ORDER BY name DESC")]
        later = [n for n in names if n not in SCHEMA_2_TABLES and not n.startswith("kb_fts")
                 and not n.startswith("sqlite_")]
        need("incident" in later, "no incident table in a new database: %r" % names)
        for n in later:
            con.execute('DROP TABLE "%s"' % n)
        con.execute("PRAGMA user_version = 2")
        con.commit()
    finally:
        con.close()


def main(tmp):
    # assignees are users (issue 11): the names the cases assign to
    workers = [(n, "engineer") for n in ["zhang", "li", "wang_wu"]] + \
        [("agent%d" % k, "agent") for k in range(8)]
    srv = api.Served(tmp, args=["--threads", "4", "--sla", SLA_FILE],
                     clock=True, users=[AGENT, APPROVER] + workers)
    db = srv.db
    if not srv.index():
        return 1
    api.case("the indexed database goes back to schema 2 (as before incidents)",
             lambda: downgrade(db), needs_server=False)
    set_now(T0)
    if not srv.serve():
        return 1

    def migrated():
        con = sqlite3.connect(db)
        try:
            v = con.execute("PRAGMA user_version").fetchone()[0]
        finally:
            con.close()
        need(v >= 3, "the server did not migrate the database (version %d)" % v)
    api.case("server starts on a schema-2 database and migrates it", migrated)

    lifecycle_cases()
    learning_cases()
    illegal_cases()
    bad_input_cases()
    sla_cases()
    lookup_cases()
    concurrency_case()
    on_behalf_cases()
    cli_cases(os.path.join(BIN, "kedb-server"), db, tmp)

    def fake_clock_errors():
        with open(api.NOW_FILE, "w") as f:
            f.write("not a number\n")
        r = call("GET", "/api/v1/incidents")
        check_error(r, 500, "io_error")
        set_now(T0)
        ok(call("GET", "/api/v1/incidents"))
    api.case("a broken KEDB_FAKE_NOW_FILE is a 500, never a wrong time", fake_clock_errors)
    srv.stop()

    def access_line():
        need(re.search(r"msg=access request_id=\S+ method=PATCH route=/api/v1/incidents/:number "
                       r"path=/api/v1/incidents/INC-\d{8}-\d{4} params=0 status=409",
                       srv.log()), "no access line for a 409")
    api.case("server stderr has the access line of a 409", access_line, needs_server=False)
    old_rows_case(tmp)


if __name__ == "__main__":
    api.run_main("test_incidents", main, prefix="kedb-inc-")
