#!/usr/bin/env python3
"""End-to-end tests of the audit trail (python3 standard library only).

Indexes tests/data into a temporary database (kedb-index writes kb.add entries), checks
kedb-admin audit-verify, starts $KEDB_BIN/kedb-server with a fake clock, changes incidents
and gives feedback over HTTP, then checks GET /api/v1/audit (entries, filters, paging, bad
input), GET /api/v1/audit.csv (parsed with the csv module; formula neutralising; the export
is itself recorded), GET /api/v1/audit/verify, the hash chain recomputed here from the
documented serialisation, and tampering: the database file is edited with sqlite3 while the
server runs, and both the API and kedb-admin name the first bad entry. Stops the server
with SIGTERM and fails on sanitizer reports. Ends with "test_audit: N passed, N failed".
"""
import calendar
import csv
import hashlib
import io
import os
import re
import sqlite3
import subprocess
import sys
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as api  # noqa: E402  (the shared harness: case, request, checks)

from harness import admin, call, check_error, iso, need, ok, set_now, t_of  # noqa: E402

case = api.case
BIN = api.BIN
MIN = 60
DAY = 86400
DB = None
ENTRY_KEYS = {"seq", "at", "actor", "action", "object", "summary", "prev", "hash"}
CSV_HEADER = ["seq", "at", "actor", "action", "object", "summary", "prev", "hash"]
ITEMS = 10  # knowledge items in tests/data: one kb.add each
IMPORTED = 2  # tickets imported by import_cases()


def at(t, method, path, body=None, status=200):
    set_now(t)
    return ok(call(method, path, body), status)


def inc_path(number, action=""):
    return "/api/v1/incidents/" + urllib.parse.quote(number) + ("/" + action if action else "")


def audit(**params):
    j = ok(api.get(api.q("/api/v1/audit", **params) if params else "/api/v1/audit"))
    need(set(j) == {"total", "limit", "offset", "entries"}, "keys %r" % sorted(j))
    for e in j["entries"]:
        need(set(e) == ENTRY_KEYS, "entry keys %r" % sorted(e))
    return j


def all_entries():
    """Every entry, oldest first, paging through the list."""
    out = []
    offset = 0
    while True:
        j = audit(limit="500", offset=str(offset))
        out.extend(j["entries"])
        offset += len(j["entries"])
        if not j["entries"] or offset >= j["total"]:
            break
    return list(reversed(out))


def verify():
    j = ok(api.get("/api/v1/audit/verify"))
    need(set(j) == {"ok", "entries", "first_bad", "head", "saved_head"},
         "verify keys %r" % sorted(j))
    return j


def ns(b):
    return str(len(b)).encode() + b":" + b + b","


def entry_hash(e, prev):
    at_epoch = calendar.timegm(time.strptime(e["at"], "%Y-%m-%dT%H:%M:%SZ"))
    parts = [str(e["seq"]).encode(), str(at_epoch).encode()]
    parts += [e[k].encode("utf-8") for k in ("actor", "action", "object", "summary")]
    parts.append(prev.encode())
    return hashlib.sha256(b"".join(ns(p) for p in parts)).hexdigest()


def tamper(sql, params=()):
    """Edits the database file the way an intruder would, while the server runs."""
    con = sqlite3.connect(DB, timeout=30)
    try:
        con.execute("DROP TRIGGER IF EXISTS audit_no_update")
        con.execute("DROP TRIGGER IF EXISTS audit_no_delete")
        con.execute(sql, params)
        con.commit()
    finally:
        con.close()


NUMBERS = {}
T1 = t_of(2026, 3, 2, 8)
T2 = t_of(2026, 3, 5, 9)


# a change recorded for a colleague: the logged-in user did it, on behalf of the colleague
def for_whom(name):
    return "; on behalf of " + name


def incident_cases():
    def lifecycle():
        j = at(T1, "POST", "/api/v1/incidents",
               {"caller_name": "王芳", "channel": "phone", "category": "printer",
                "priority": "P3", "summary": "打印机脱机", "actor": "desk"}, 201)
        n = NUMBERS["A"] = j["number"]
        at(T1 + MIN, "PATCH", inc_path(n), {"assignee": "zhang", "actor": "lead"})
        at(T1 + 2 * MIN, "PATCH", inc_path(n), {"priority": "P2", "note": "VIP"})
        at(T1 + 3 * MIN, "POST", inc_path(n, "resolve"),
           {"resolution": "Cleared the jam", "resolved_by": "KE-1001", "actor": "zhang"})
        at(T1 + 4 * MIN, "POST", inc_path(n, "followup"),
           {"confirmed": True, "satisfaction": 5, "actor": "desk"})
        at(T1 + 5 * MIN, "POST", inc_path(n, "reopen"), {"reason": "offline again"})
        # a refused change leaves no entry
        set_now(T1 + 6 * MIN)
        r = call("POST", inc_path(n, "reopen"), {"reason": "again"})
        need(r.status == 409, "reopen of an open incident: %r" % r)

        j = audit(object="incident:" + n)
        need(j["total"] == 6, "6 entries for %s, got %r" % (n, j))
        got = [(e["action"], e["actor"], e["at"], e["summary"]) for e in j["entries"]]
        me = api.TEST_USER
        want = [
            ("incident.reopen", me, iso(T1 + 5 * MIN), "status closed→in_progress"),
            ("incident.followup", me, iso(T1 + 4 * MIN),
             "status resolved→closed; confirmed; satisfaction 5" + for_whom("desk")),
            ("incident.resolve", me, iso(T1 + 3 * MIN),
             "status assigned→resolved; resolved_by (none)→KE-1001" + for_whom("zhang")),
            ("incident.update", me, iso(T1 + 2 * MIN), "priority P3→P2; note added"),
            ("incident.update", me, iso(T1 + MIN),
             "status new→assigned; assignee (none)→zhang" + for_whom("lead")),
            ("incident.create", me, iso(T1),
             "status new; priority P3; category printer; channel phone; summary 打印机脱机" +
             for_whom("desk")),
        ]
        need(got == want, "entries (newest first):\n%r\nwant\n%r" % (got, want))
        seqs = [e["seq"] for e in j["entries"]]
        need(seqs == sorted(seqs, reverse=True), "not newest first: %r" % seqs)
    case("incident changes through the API are audited with the logged-in user as actor, "
         "the name given in the body as 'on behalf of', and before/after", lifecycle)

    def more():
        j = at(T2, "POST", "/api/v1/incidents",
               {"caller_name": "李雷", "channel": "email", "category": "network",
                "priority": "P4", "summary": "VPN 断开", "actor": "=HYPERLINK(\"x\")"}, 201)
        NUMBERS["B"] = j["number"]
        at(T2 + MIN, "POST", "/api/v1/suggest/feedback", {"kb_id": "KE-1001", "helpful": True})
        j = audit(action="usage.feedback")
        need(j["total"] == 1, "feedback entries %r" % j)
        e = j["entries"][0]
        need(e["object"] == "kb:KE-1001" and e["summary"] == "helpful" and
             e["actor"] == api.TEST_USER, "feedback entry %r" % e)
        r = call("POST", "/api/v1/suggest/feedback", {"kb_id": "KE-NONE", "helpful": False})
        need(r.status == 404, "feedback on an unknown item: %r" % r)
        need(audit(action="usage.feedback")["total"] == 1, "a refused feedback was audited")
    case("a second incident and suggestion feedback are audited", more)


def index_cases():
    def indexed():
        j = audit(actor="kedb-index")
        need(j["total"] == ITEMS, "kb.add entries of kedb-index: %d, want %d" %
             (j["total"], ITEMS))
        need(all(e["action"] == "kb.add" and e["object"].startswith("kb:") for e in
                 j["entries"]), "index entries %r" % j["entries"][:2])
        e = [e for e in j["entries"] if e["object"] == "kb:KE-1001"]
        need(len(e) == 1, "no entry for KE-1001")
        need(e[0]["summary"].startswith("known_error \"") and "; file " in e[0]["summary"]
             and re.search(r"; sha256 [0-9a-f]{64}$", e[0]["summary"]),
             "kb.add summary %r" % e[0]["summary"])
    case("kedb-index recorded one kb.add per item", indexed)


def import_cases(tmp):
    """kedb-import before the server starts: one entry per ticket added or updated."""
    def imported():
        path = os.path.join(tmp, "old.csv")
        with open(path, "w", encoding="utf-8") as f:
            f.write("id,title,symptom\nT-1,打印机卡纸,卡纸\nT-2,VPN 断开,断开\n")
        exe = os.path.join(BIN, "kedb-import")
        r = subprocess.run([exe, "--db", DB, "--id-prefix", "OLD-", path], capture_output=True,
                           timeout=60 * api.SLOW)
        need(r.returncode == 0, "kedb-import exit %d: %r" % (r.returncode, r.stderr))
        r = subprocess.run([exe, "--db", DB, "--id-prefix", "OLD-", path], capture_output=True,
                           timeout=60 * api.SLOW)
        need(r.returncode == 0 and b"2 unchanged" in r.stdout, "re-import %r" % r.stdout)
        con = sqlite3.connect(DB)
        try:
            rows = con.execute("SELECT actor, action, object, summary FROM audit WHERE actor = "
                               "'kedb-import' ORDER BY seq").fetchall()
        finally:
            con.close()
        need([(a, b, c) for a, b, c, _ in rows] ==
             [("kedb-import", "kb.add", "kb:OLD-T-1"), ("kedb-import", "kb.add", "kb:OLD-T-2")],
             "import entries %r" % rows)
        need(rows[0][3].startswith("ticket \"打印机卡纸\"") and "; import " in rows[0][3] and
             "old.csv:2; sha256 " in rows[0][3], "import summary %r" % rows[0][3])
    case("kedb-import recorded one kb.add per ticket, nothing for unchanged ones", imported,
         needs_server=False)


def filter_cases():
    def filters():
        n = NUMBERS["A"]
        j = audit(actor="desk")
        need(j["total"] == 0, "a name given in a body became an actor: %r" % j)
        j = audit(actor=api.TEST_USER, object="incident:")
        need(j["total"] == 7 and {e["action"] for e in j["entries"]} >=
             {"incident.create", "incident.followup"}, "actor=%s %r" % (api.TEST_USER, j))
        j = audit(action="incident.update")
        need(j["total"] == 2, "action=incident.update %r" % j)
        j = audit(object="incident:")
        need(j["total"] == 7, "object prefix incident: %r" % j["total"])
        j = audit(object="incident:" + n[:-1])
        need(j["total"] >= 6, "object prefix of a number %r" % j["total"])
        j = audit(object="kb:")
        need(j["total"] == ITEMS + IMPORTED + 1, "object prefix kb: %r" % j["total"])
        j = audit(**{"from": "2026-03-05", "object": "incident:"})
        need(j["total"] == 1 and j["entries"][0]["object"] == "incident:" + NUMBERS["B"],
             "from=2026-03-05 %r" % j)
        j = audit(**{"from": "2026-03-02", "to": "2026-03-02", "object": "incident:"})
        need(j["total"] == 6 and all(e["at"].startswith("2026-03-02") for e in j["entries"]),
             "one day %r" % j)
        j = audit(**{"to": "2026-03-04", "object": "incident:"})
        need(j["total"] == 6, "to=2026-03-04 %r" % j["total"])
        j = audit(actor=api.TEST_USER, action="incident.create", object="incident:")
        need(j["total"] == 2, "combined filters %r" % j)
        j = audit(actor="nobody")
        need(j["total"] == 0 and j["entries"] == [], "unknown actor %r" % j)
    case("filters: actor, action, object prefix, from/to days", filters)

    def paging():
        full = audit(limit="500")
        need(full["limit"] == 500 and full["offset"] == 0, "echo %r" % full)
        need(len(full["entries"]) == full["total"], "one page holds all %r" % full["total"])
        j = audit()
        need(j["limit"] == 50, "default limit %r" % j["limit"])
        p1 = audit(limit="3")
        p2 = audit(limit="3", offset="3")
        need([e["seq"] for e in p1["entries"] + p2["entries"]] ==
             [e["seq"] for e in full["entries"][:6]], "pages differ from the full list")
        j = audit(offset="100000")
        need(j["entries"] == [] and j["total"] == full["total"], "past the end %r" % j)
    case("limit and offset page newest first", paging)

    def bad_input():
        exports = audit(action="audit.export")["total"]

        def bad(params, want, csv_too=True):
            r = api.get(api.q("/api/v1/audit", **params))
            e = check_error(r, 400, "invalid")
            need(want in e["message"], "message %r does not say %r" % (e["message"], want))
            if csv_too:
                r = api.get(api.q("/api/v1/audit.csv", **params))
                e = check_error(r, 400, "invalid")
                need(want in e["message"], "csv: %r does not say %r" % (e["message"], want))
        for v in ("0", "501", "abc", "-1", "1.5"):
            bad({"limit": v}, "'limit' must be a whole number from 1 to 500", v != "501")
        for v in ("-1", "x", "1000001"):
            bad({"offset": v}, "'offset' must be a whole number from 0 to 1000000")
        bad({"from": "2026-02-30"}, "'from' must be a date YYYY-MM-DD")
        bad({"from": "2026-3-1"}, "'from' must be a date YYYY-MM-DD")
        bad({"to": "yesterday"}, "'to' must be a date YYYY-MM-DD")
        bad({"from": "2026-03-08", "to": "2026-03-02"},
            "'to' (2026-03-02) is before 'from' (2026-03-08)")
        bad({"actor": "x" * 201}, "'actor' is longer than 200 bytes")
        bad({"object": "o" * 300}, "'object' is longer than 200 bytes")
        r = api.get("/api/v1/audit.csv?limit=50001")
        e = check_error(r, 400, "invalid")
        need("from 1 to 50000" in e["message"], "csv limit message %r" % e["message"])
        r = api.request("POST", "/api/v1/audit", body=b"{}")
        need(r.status == 405, "POST /api/v1/audit: %r" % r)
        need(audit(action="audit.export")["total"] == exports, "a refused export was audited")
    case("bad filters are 400 with clear messages", bad_input)


def csv_cases():
    def export():
        before = audit(action="audit.export")["total"]
        full = audit(limit="500")["entries"]
        set_now(T2 + 10 * MIN)
        r = api.get("/api/v1/audit.csv")
        need(r.status == 200, "status %r" % r)
        need(r.headers.get("content-type") == "text/csv; charset=utf-8",
             "content-type %r" % r.headers.get("content-type"))
        need(r.body.startswith(b"\xef\xbb\xbf"), "no UTF-8 byte order mark")
        need(b"\r\n" in r.body, "rows not CRLF-terminated")
        rows = list(csv.reader(io.StringIO(r.body.decode("utf-8-sig"), newline="")))
        need(rows[0] == CSV_HEADER, "header %r" % rows[0])
        need(len(rows) - 1 == len(full), "%d rows, %d entries" % (len(rows) - 1, len(full)))
        for row, e in zip(rows[1:], full):
            want = [str(e["seq"]), e["at"], e["actor"], e["action"], e["object"],
                    e["summary"], e["prev"], e["hash"]]
            if want[2].startswith(("=", "+", "-", "@")):
                want[2] = "'" + want[2]
            need(row == want, "row %r != entry %r" % (row, want))
        formula = [row for row in rows[1:] if row[3] == "incident.create" and
                   row[4] == "incident:" + NUMBERS["B"]]
        need(formula and formula[0][2] == api.TEST_USER and
             formula[0][5].endswith("on behalf of =HYPERLINK(\"x\")"),
             "formula on-behalf name: %r" % formula)
        need(all(not c.startswith(("=", "+", "-", "@")) for row in rows[1:] for c in row),
             "a cell starts like a formula")
        j = audit(action="audit.export")
        need(j["total"] == before + 1, "export entries %d, want %d" % (j["total"], before + 1))
        e = j["entries"][0]
        need(e["object"] == "audit" and e["actor"] == api.TEST_USER and
             e["at"] == iso(T2 + 10 * MIN), "export entry %r" % e)
        need(e["summary"] == "csv, %d of %d entries" % (len(full), len(full)),
             "export summary %r" % e["summary"])
    case("audit.csv: BOM, csv-parsable, same entries, formulas neutralised, export audited",
         export)

    def filtered():
        r = api.get(api.q("/api/v1/audit.csv", actor="kedb-import", limit="1"))
        need(r.status == 200, "status %r" % r)
        rows = list(csv.reader(io.StringIO(r.body.decode("utf-8-sig"), newline="")))
        need(len(rows) == 2 and rows[1][2] == "kedb-import" and rows[1][3] == "kb.add",
             "filtered rows %r" % rows)
        e = audit(action="audit.export")["entries"][0]
        need(e["summary"] == "csv, 1 of 2 entries; actor=kedb-import limit=1",
             "export summary %r" % e["summary"])
        n = audit(action="audit.export")["total"]
        r = api.request("HEAD", "/api/v1/audit.csv")
        need(r.status == 200, "HEAD %r" % r)
        need(audit(action="audit.export")["total"] == n, "HEAD counted as an export")
    case("audit.csv takes the same filters; HEAD exports nothing", filtered)


def verify_cases():
    state = {}

    def intact():
        j = verify()
        entries = all_entries()
        need(j["ok"] is True and j["first_bad"] is None, "verify %r" % j)
        need(j["entries"] == len(entries), "entries %d, listed %d" % (j["entries"],
                                                                       len(entries)))
        need(j["head"]["seq"] == entries[-1]["seq"] and j["head"]["hash"] == entries[-1]["hash"],
             "head %r, last %r" % (j["head"], entries[-1]))
        # the head saved beside the database follows every commit
        need(j["saved_head"] and j["saved_head"]["seq"] == j["head"]["seq"] and
             j["saved_head"]["hash"] == j["head"]["hash"] and
             j["saved_head"]["at"] == entries[-1]["at"], "saved head %r" % j["saved_head"])
        prev = ""
        for i, e in enumerate(entries):
            need(e["seq"] == i + 1, "seq %d at position %d" % (e["seq"], i))
            need(e["prev"] == prev, "entry %d: prev %r, want %r" % (e["seq"], e["prev"], prev))
            need(e["hash"] == entry_hash(e, prev), "entry %d: hash is not the documented "
                 "SHA-256" % e["seq"])
            prev = e["hash"]
        state["entries"] = entries
        r = admin("--db", DB, "audit-verify")
        need(r.returncode == 0, "kedb-admin exit %d: %r %r" % (r.returncode, r.stdout,
                                                               r.stderr))
        need(b"audit trail intact: %d entries" % len(entries) in r.stdout, "out %r" % r.stdout)
    case("verify: intact chain, hashes recomputed from the documented format", intact)

    def edited():
        # the first incident.update (the test user's user.create and auth.login come before)
        target = next((e for e in state["entries"] if e["action"] == "incident.update"),
                      state["entries"][0])
        need(target["action"] == "incident.update", "target %r" % target)
        tamper("UPDATE audit SET summary = ? WHERE seq = ?",
               ("status new→closed", target["seq"]))
        j = verify()
        need(j["ok"] is False, "tampered chain reported intact: %r" % j)
        fb = j["first_bad"]
        need(fb["seq"] == target["seq"] and fb["reason"] == "hash_mismatch",
             "first_bad %r, want seq %d hash_mismatch" % (fb, target["seq"]))
        need(fb["message"], "no message")
        need(j["entries"] == len(state["entries"]), "entries %r" % j["entries"])
        r = admin("--db", DB, "audit-verify")
        need(r.returncode == 1, "kedb-admin exit %d: %r" % (r.returncode, r.stdout))
        need(b"broken at entry %d (hash_mismatch)" % target["seq"] in r.stdout,
             "kedb-admin output %r" % r.stdout)
        tamper("UPDATE audit SET summary = ? WHERE seq = ?",
               (target["summary"], target["seq"]))
        need(verify()["ok"] is True, "restoring the summary did not restore the chain")
    case("verify: a summary edited in the file while the server runs is the first bad entry",
         edited)

    def deleted_last():
        # a change through the server appends after the recorded head
        set_now(T2 + 20 * MIN)
        at(T2 + 20 * MIN, "PATCH", inc_path(NUMBERS["B"]), {"assignee": "li"})
        j = verify()
        need(j["ok"] is True, "verify %r" % j)
        last = j["head"]["seq"]
        tamper("DELETE FROM audit WHERE seq = ?", (last,))
        j = verify()
        need(j["ok"] is False and j["first_bad"]["seq"] == last and
             j["first_bad"]["reason"] == "missing", "deleted last entry: %r" % j)
        r = admin("--db", DB, "audit-verify")
        need(r.returncode == 1 and b"broken at entry %d (missing)" % last in r.stdout,
             "kedb-admin exit %d %r" % (r.returncode, r.stdout))
        # the server keeps recording; the gap stays visible
        at(T2 + 21 * MIN, "PATCH", inc_path(NUMBERS["B"]), {"priority": "P3"})
        j = verify()
        need(j["ok"] is False and j["first_bad"]["seq"] == last and j["head"]["seq"] == last + 1,
             "after a new entry %r" % j)
    case("verify: deleting the last entry is detected; the server goes on appending",
         deleted_last)


def admin_cases():
    def usage():
        r = admin()
        need(r.returncode == 2 and b"usage" in r.stderr, "no args: exit %d" % r.returncode)
        r = admin("--db", DB)
        need(r.returncode == 2 and b"no command" in r.stderr, "no command: %r" % r.stderr)
        r = admin("--db", DB, "audit-shred")
        need(r.returncode == 2 and b"unknown command" in r.stderr, "bad command %r" % r.stderr)
        r = admin("audit-verify")
        need(r.returncode == 2 and b"--db" in r.stderr, "no --db %r" % r.stderr)
        r = admin("--db", DB, "--bogus", "audit-verify")
        need(r.returncode == 2, "unknown option: exit %d" % r.returncode)
        r = admin("--db", DB, "audit-verify", "extra")
        need(r.returncode == 2, "extra argument: exit %d" % r.returncode)
        r = admin("--help")
        need(r.returncode == 0 and b"audit-verify" in r.stdout and b"Exit status" in r.stdout,
             "--help: exit %d %r" % (r.returncode, r.stdout[:200]))
        missing = DB + ".missing"
        r = admin("--db", missing, "audit-verify")
        need(r.returncode == 2 and b"cannot open" in r.stderr, "missing db: exit %d %r" %
             (r.returncode, r.stderr))
        need(not os.path.exists(missing), "kedb-admin created a database")
    case("kedb-admin: usage errors exit 2, --help exits 0", usage, needs_server=False)


def main(tmp):
    global DB
    srv = api.Served(tmp, args=["--threads", "4"], clock=True,
                     users=[("zhang", "engineer"), ("li", "engineer")])
    DB = srv.db
    if not srv.index():
        return 1

    def verified():
        r = admin("--db", DB, "audit-verify")
        need(r.returncode == 0 and b"intact: %d entries" % ITEMS in r.stdout,
             "kedb-admin after indexing: exit %d %r %r" % (r.returncode, r.stdout,
                                                           r.stderr))
    case("kedb-admin audit-verify exits 0 after indexing", verified, needs_server=False)
    admin_cases()
    import_cases(tmp)

    set_now(T1)
    if not srv.serve():
        return 1
    index_cases()
    incident_cases()
    filter_cases()
    csv_cases()
    verify_cases()
    srv.stop()


if __name__ == "__main__":
    api.run_main("test_audit", main, prefix="kedb-audit-")
