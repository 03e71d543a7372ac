#!/usr/bin/env python3
"""End-to-end tests of the report API (python3 standard library only).

Indexes tests/data into a temporary database, starts $KEDB_BIN/kedb-server on a free port
with a fake clock (KEDB_FAKE_NOW_FILE) and its own SLA file, records a week of incidents
over HTTP (created, assigned, pending, resolved with and without known errors, followed
up, reopened, complaints), then checks every value of GET /api/v1/reports/summary, the same
values in summary.csv (parsed with the csv module), the problem view, and bad input.
Stops the server with SIGTERM and fails on sanitizer reports. Ends with
"test_reports: N passed, N failed".
"""
import csv
import io
import os
import re
import sys
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as api  # noqa: E402  (the shared harness: case, request, checks)

from harness import call, check_error, iso, need, ok, set_now, t_of  # noqa: E402

case = api.case
BIN = api.BIN
ROOT = api.ROOT
MIN = 60
HOUR = 3600
DAY = 86400
# P1 response 20 min and resolution 5 h instead of the defaults (15 min / 4 h): B below is
# answered and resolved exactly at its due times (on time), G's 30 min stay late.
SLA_TEXT = "P1 response=20m resolve=5h\n"
KE_TITLE = "HP LaserJet M404 打印机卡纸（paper jam 13.A2.D4）"

SUMMARY_KEYS = {"from", "to", "days", "now", "total", "by_status", "by_category", "by_channel", "by_day",
                "by_priority", "sla", "mean_time_to_respond_seconds", "mean_time_to_respond",
                "mean_time_to_resolve_seconds", "mean_time_to_resolve", "satisfaction",
                "top_known_errors", "reopened", "complaints", "aging", "requests",
                "complaint_records"}
REQ_STATUSES = ["submitted", "awaiting_approval", "approved", "rejected", "in_fulfilment",
                "fulfilled", "closed", "cancelled"]
REQUEST_KEYS = {"total", "by_status", "by_item", "fulfilled", "fulfil_met",
                "fulfil_met_percent", "mean_time_to_fulfil_seconds", "awaiting_approval",
                "open", "loans_out", "loans_overdue"}
SLA_KEYS = {"by_priority", "responded", "response_met", "response_met_percent", "resolved",
            "resolve_met", "resolve_met_percent"}
AGING_KEYS = ["open", "under_1_day", "from_1_to_3_days", "from_3_to_7_days", "over_7_days"]
STATUSES = ["new", "assigned", "in_progress", "pending", "resolved", "closed"]


def at(t, method, path, body=None, status=200):
    set_now(t)
    return ok(call(method, path, body), status)


def inc_path(number, action=""):
    return "/api/v1/incidents/" + urllib.parse.quote(number) + ("/" + action if action else "")


class Desk:
    """Records incidents through the API at given times."""

    def __init__(self):
        self.n = {}

    def create(self, name, t, priority, category):
        j = at(t, "POST", "/api/v1/incidents",
               {"caller_name": "王芳", "channel": "phone", "category": category,
                "priority": priority, "summary": "打印机脱机 " + name, "actor": "desk"}, 201)
        self.n[name] = j["number"]
        return j["number"]

    def patch(self, name, t, **body):
        at(t, "PATCH", inc_path(self.n[name]), body)

    def resolve(self, name, t, text, by=None):
        body = {"resolution": text, "actor": "zhang"}
        if by:
            body["resolved_by"] = by
        at(t, "POST", inc_path(self.n[name], "resolve"), body)

    def followup(self, name, t, confirmed, satisfaction=None, complaint=False):
        body = {"confirmed": confirmed}
        if satisfaction:
            body["satisfaction"] = satisfaction
        if complaint or not confirmed:
            body["comment"] = "还是不行" if not confirmed else "等了太久"
        if complaint:
            body["complaint"] = True
        at(t, "POST", inc_path(self.n[name], "followup"), body)

    def reopen(self, name, t):
        at(t, "POST", inc_path(self.n[name], "reopen"), {"reason": "offline again"})


DESK = Desk()
NOW = t_of(2026, 3, 9, 12)


def build():
    d = DESK
    t = t_of(2026, 3, 2, 1)  # A: P2, answered in 10 min, resolved by KE-1001 in 2 h, 5 stars
    d.create("A", t, "P2", "printer")
    d.patch("A", t + 10 * MIN, assignee="zhang")
    d.resolve("A", t + 2 * HOUR, "Cleared the jam", "KE-1001")
    d.followup("A", t + 3 * HOUR, True, 5)
    t = t_of(2026, 3, 3)  # B: P1, answered after 20 min, resolved by KE-1001 after 5 h
    d.create("B", t, "P1", "network")
    d.patch("B", t + 20 * MIN, status="in_progress")
    d.resolve("B", t + 5 * HOUR, "Cleared the jam", "KE-1001")
    t = t_of(2026, 3, 4)  # C: P3, pending 1 h, rejected (2 stars), resolved again (4 stars)
    d.create("C", t, "P3", "printer")
    d.patch("C", t + HOUR, status="in_progress")
    d.patch("C", t + 90 * MIN, status="pending")
    d.patch("C", t + 150 * MIN, status="in_progress")
    d.resolve("C", t + 3 * HOUR, "Restarted the print spooler.")
    d.followup("C", t + 4 * HOUR, False, 2)
    d.resolve("C", t + 5 * HOUR, "restarted the print spooler")
    d.followup("C", t + 6 * HOUR, True, 4)
    d.create("D", t_of(2026, 3, 5), "P4", "desktop")  # D: never answered
    t = t_of(2026, 3, 6)  # E: P2, 3 stars and a complaint
    d.create("E", t, "P2", "network")
    d.patch("E", t + 5 * MIN, status="in_progress")
    d.resolve("E", t + HOUR, "  RESTARTED the   print spooler!! ")
    d.followup("E", t + 2 * HOUR, True, 3, complaint=True)
    t = t_of(2026, 3, 7, 10)  # F: P3, assigned after 1 h
    d.create("F", t, "P3", "account")
    d.patch("F", t + HOUR, assignee="li")
    t = t_of(2026, 3, 8, 20)  # G: P1, resolved by ART-0101 after 30 min, reopened on the 9th
    d.create("G", t, "P1", "printer")
    d.resolve("G", t + 30 * MIN, "Swapped the cable", "ART-0101")
    d.reopen("G", t_of(2026, 3, 9, 1))
    # Outside the period.
    d.create("H", t_of(2026, 2, 20), "P3", "other")  # open for more than 7 days
    d.create("I", t_of(2026, 2, 25), "P3", "printer")  # reopened inside the period
    d.resolve("I", t_of(2026, 3, 3, 10), "restarted the print spooler.")
    d.reopen("I", t_of(2026, 3, 4, 9))
    d.resolve("I", t_of(2026, 3, 4, 10), "Restarted the print spooler")
    d.create("K", t_of(2026, 2, 14), "P3", "desktop")
    d.resolve("K", t_of(2026, 2, 14, 1), "重启打印服务。")
    d.create("L", t_of(2026, 2, 15), "P3", "printer")
    d.resolve("L", t_of(2026, 2, 15, 1), "重启打印服务！")
    d.create("M", t_of(2026, 2, 16), "P3", "printer")
    d.resolve("M", t_of(2026, 2, 16, 1), "Replaced the toner")
    set_now(NOW)


def summary(**params):
    path = "/api/v1/reports/summary"
    return ok(api.get(api.q(path, **params) if params else path))


def summary_csv(**params):
    r = api.get(api.q("/api/v1/reports/summary.csv", **params))
    need(r.status == 200, "csv: status %d: %r" % (r.status, r))
    need(r.headers.get("content-type") == "text/csv; charset=utf-8",
         "csv content-type %r" % r.headers.get("content-type"))
    need(r.body.startswith(b"\xef\xbb\xbf"), "no UTF-8 byte order mark: %r" % r.body[:10])
    text = r.body.decode("utf-8-sig")
    need(text.endswith("\r\n") and "\n" not in text.replace("\r\n", ""),
         "rows must end with CRLF")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    need(rows[0] == ["section", "key", "value", "detail"], "csv header %r" % rows[0])
    need(all(len(row) == 4 for row in rows), "rows without 4 fields: %r" %
         [row for row in rows if len(row) != 4])
    values = {}
    for row in rows[1:]:
        need((row[0], row[1]) not in values, "repeated csv row %r" % row)
        values[(row[0], row[1])] = (row[2], row[3])
    return rows, values


def check_shape(j):
    need(set(j) == SUMMARY_KEYS, "summary keys: extra %r, missing %r" %
         (sorted(set(j) - SUMMARY_KEYS), sorted(SUMMARY_KEYS - set(j))))
    need(list(j["by_status"]) == STATUSES, "by_status keys %r" % list(j["by_status"]))
    need(list(j["by_priority"]) == ["P1", "P2", "P3", "P4"], "by_priority %r" % j["by_priority"])
    need(set(j["sla"]) == SLA_KEYS, "sla keys %r" % sorted(j["sla"]))
    need(set(j["satisfaction"]) == {"ratings", "average", "distribution"},
         "satisfaction keys %r" % sorted(j["satisfaction"]))
    need(list(j["satisfaction"]["distribution"]) == ["1", "2", "3", "4", "5"],
         "distribution keys %r" % list(j["satisfaction"]["distribution"]))
    need(set(j["reopened"]) == {"incidents", "events"}, "reopened %r" % j["reopened"])
    need(list(j["aging"]) == AGING_KEYS, "aging keys %r" % list(j["aging"]))
    need(j["total"] == sum(j["by_status"].values()) == sum(j["by_priority"].values()) ==
         sum(j["by_category"].values()), "group sums differ from total: %r" % j)
    days = list(j["by_day"])
    need(len(days) == j["days"] and days[0] == j["from"] and days[-1] == j["to"] and
         days == sorted(days), "by_day is not every day of the period: %r" % days)
    need(sum(j["by_day"].values()) == j["total"], "by_day does not add up: %r" % j["by_day"])
    need(j["aging"]["open"] == sum(j["aging"][k] for k in AGING_KEYS[1:]),
         "aging buckets do not add up: %r" % j["aging"])
    # service requests have their own section (test_requests.py fills it); none here
    q = j["requests"]
    need(set(q) == REQUEST_KEYS and list(q["by_status"]) == REQ_STATUSES,
         "requests section %r" % q)
    need(q["total"] == 0 and q["by_item"] == [] and q["fulfil_met_percent"] is None,
         "requests counted without requests: %r" % q)


WEEK = {"from": "2026-03-02", "to": "2026-03-08"}


def summary_cases():
    def week():
        j = summary(**WEEK)
        check_shape(j)
        want = {
            "from": "2026-03-02", "to": "2026-03-08", "days": 7, "now": iso(NOW), "total": 7,
            "by_status": {"new": 1, "assigned": 1, "in_progress": 1, "pending": 0,
                          "resolved": 1, "closed": 3},
            "by_category": {"printer": 3, "network": 2, "account": 1, "desktop": 1},
            "by_priority": {"P1": 2, "P2": 2, "P3": 2, "P4": 1},
            # responded A B C E F G, late only G; resolved now A B C E, none late
            "sla": {"responded": 6, "response_met": 5, "response_met_percent": 83.3,
                    "resolved": 4, "resolve_met": 4, "resolve_met_percent": 100.0,
                    # the same per priority: G, the late answer, is a P1
                    "by_priority": {
                        "P1": {"responded": 2, "response_met": 1, "response_met_percent": 50.0,
                               "resolved": 1, "resolve_met": 1, "resolve_met_percent": 100.0},
                        "P2": {"responded": 2, "response_met": 2, "response_met_percent": 100.0,
                               "resolved": 2, "resolve_met": 2, "resolve_met_percent": 100.0},
                        "P3": {"responded": 2, "response_met": 2, "response_met_percent": 100.0,
                               "resolved": 1, "resolve_met": 1, "resolve_met_percent": 100.0},
                        "P4": {"responded": 0, "response_met": 0, "response_met_percent": None,
                               "resolved": 0, "resolve_met": 0, "resolve_met_percent": None}}},
            # (10 m + 20 m + 1 h + 5 m + 1 h + 30 m) / 6; (2 h + 5 h + 5 h + 1 h) / 4
            "mean_time_to_respond_seconds": 1850, "mean_time_to_respond": "30m 50s",
            "mean_time_to_resolve_seconds": 11700, "mean_time_to_resolve": "3h 15m",
            "satisfaction": {"ratings": 4, "average": 3.5,
                             "distribution": {"1": 0, "2": 1, "3": 1, "4": 1, "5": 1}},
            "top_known_errors": [{"kb_id": "KE-1001", "title": KE_TITLE,
                                  "type": "known_error", "count": 2}],
            "reopened": {"incidents": 2, "events": 2},
            "complaints": 1,
            "aging": {"open": 4, "under_1_day": 1, "from_1_to_3_days": 1,
                      "from_3_to_7_days": 1, "over_7_days": 1},
        }
        for k, v in want.items():
            need(j[k] == v, "%s: %r, want %r" % (k, j[k], v))
        cr = j["complaint_records"]  # E's follow-up raised one complaint record
        need(cr["raised"] == 1 and cr["from_followup"] == 1 and cr["closed"] == 0 and
             cr["open_now"] == 1, "complaint_records %r" % cr)
        need(list(j["by_category"]) == ["printer", "network", "account", "desktop"],
             "categories not most first: %r" % list(j["by_category"]))
    case("summary: every value of a week of incidents", week)

    def default_period():
        j = summary()
        check_shape(j)
        need((j["from"], j["to"], j["days"]) == ("2026-03-03", "2026-03-09", 7),
             "default period %r..%r (%r days)" % (j["from"], j["to"], j["days"]))
        need(j["total"] == 6, "B..G: total %r" % j["total"])
        j = summary(to="2026-03-02")
        need((j["from"], j["to"], j["total"]) == ("2026-02-24", "2026-03-02", 2),
             "7 days up to 'to': %r %r %r" % (j["from"], j["to"], j["total"]))
        j = summary(**{"from": "2026-03-08"})
        need((j["from"], j["to"], j["days"], j["total"]) == ("2026-03-08", "2026-03-09", 2, 1),
             "from only: %r" % j)
    case("summary: default period is the 7 days up to today (fake clock)", default_period)

    def one_day():
        j = summary(**{"from": "2026-03-04", "to": "2026-03-04"})
        check_shape(j)
        need(j["days"] == 1 and j["total"] == 1, "one day: %r" % j)
        need(j["sla"]["resolved"] == 1 and j["mean_time_to_resolve"] == "5h",
             "C: %r %r" % (j["sla"], j["mean_time_to_resolve"]))
        need(j["satisfaction"]["ratings"] == 2 and j["satisfaction"]["average"] == 3,
             "C's two follow-ups: %r" % j["satisfaction"])
        need(j["reopened"] == {"incidents": 1, "events": 2}, "reopened %r" % j["reopened"])
        need(j["top_known_errors"] == [], "top %r" % j["top_known_errors"])
    case("summary: a single day", one_day)

    def empty():
        j = summary(**{"from": "2025-01-01", "to": "2025-01-07"})
        check_shape(j)
        need(j["total"] == 0 and j["by_category"] == {}, "empty period: %r" % j)
        need(all(v == 0 for v in j["by_status"].values()), "statuses %r" % j["by_status"])
        none = {"responded": 0, "response_met": 0, "response_met_percent": None,
                "resolved": 0, "resolve_met": 0, "resolve_met_percent": None}
        need(j["sla"] == dict(none, by_priority={p: none for p in ("P1", "P2", "P3", "P4")}),
             "sla %r" % j["sla"])
        for k in ("mean_time_to_respond_seconds", "mean_time_to_respond",
                  "mean_time_to_resolve_seconds", "mean_time_to_resolve"):
            need(j[k] is None, "%s %r" % (k, j[k]))
        need(j["satisfaction"]["average"] is None and j["satisfaction"]["ratings"] == 0,
             "satisfaction %r" % j["satisfaction"])
        need(j["top_known_errors"] == [] and j["complaints"] == 0, "top/complaints %r" % j)
        need(j["reopened"] == {"incidents": 0, "events": 0}, "reopened %r" % j["reopened"])
        need(j["aging"]["open"] == 4, "aging is about now, not the period: %r" % j["aging"])
    case("summary: an empty period (zeros and nulls; aging still of now)", empty)

    def aging_moves():
        set_now(NOW + 5 * DAY)
        try:
            j = summary(**WEEK)
        finally:
            set_now(NOW)
        # G 5 d 16 h; D 9 d 12 h, F 7 d 2 h, H 22 d 12 h
        need(j["aging"] == {"open": 4, "under_1_day": 0, "from_1_to_3_days": 0,
                            "from_3_to_7_days": 1, "over_7_days": 3},
             "aging 5 days later: %r" % j["aging"])
        need(j["total"] == 7, "the period does not move: %r" % j["total"])
    case("summary: aging follows the clock", aging_moves)

    def head():
        r = api.request("HEAD", api.q("/api/v1/reports/summary", **WEEK))
        need(r.status == 200 and r.body == b"", "HEAD %r" % r)
        r = call("POST", "/api/v1/reports/summary", {})
        check_error(r, 405, "invalid")
        need("GET" in r.headers.get("allow", ""), "Allow %r" % r.headers.get("allow"))
    case("summary: HEAD works, POST is 405", head)


def csv_cases():
    def values():
        j = summary(**WEEK)
        rows, v = summary_csv(**WEEK)
        flat = {("period", "from"): j["from"], ("period", "to"): j["to"],
                ("period", "days"): str(j["days"]), ("period", "now"): j["now"],
                ("incidents", "total"): str(j["total"]),
                ("reopened", "incidents"): str(j["reopened"]["incidents"]),
                ("reopened", "events"): str(j["reopened"]["events"]),
                ("complaints", "incidents"): str(j["complaints"]),
                ("satisfaction", "ratings"): str(j["satisfaction"]["ratings"]),
                ("satisfaction", "average"): "3.50",
                ("sla", "response_met_percent"): "83.3",
                ("sla", "resolve_met_percent"): "100.0"}
        for s in STATUSES:
            flat[("status", s)] = str(j["by_status"][s])
        for p in ("P1", "P2", "P3", "P4"):
            flat[("priority", p)] = str(j["by_priority"][p])
        for c, n in j["by_category"].items():
            flat[("category", c)] = str(n)
        for k in ("responded", "response_met", "resolved", "resolve_met"):
            flat[("sla", k)] = str(j["sla"][k])
        for k, n in j["satisfaction"]["distribution"].items():
            flat[("satisfaction", k)] = str(n)
        for k in AGING_KEYS:
            flat[("aging", k)] = str(j["aging"][k])
        for s in REQ_STATUSES:
            flat[("request_status", s)] = str(j["requests"]["by_status"][s])
        for k in ("total", "fulfilled", "fulfil_met", "awaiting_approval", "open", "loans_out",
                  "loans_overdue"):
            flat[("requests", k)] = str(j["requests"][k])
        flat[("requests", "fulfil_met_percent")] = ""
        for key, want in flat.items():
            need(key in v, "csv has no row %r" % (key,))
            need(v[key][0] == want, "csv %r = %r, want %r" % (key, v[key][0], want))
        need(v[("time", "mean_time_to_respond_seconds")] == ("1850", "30m 50s"),
             "csv respond %r" % (v[("time", "mean_time_to_respond_seconds")],))
        need(v[("time", "mean_time_to_resolve_seconds")] == ("11700", "3h 15m"),
             "csv resolve %r" % (v[("time", "mean_time_to_resolve_seconds")],))
        need(v[("top_known_error", "KE-1001")] == ("2", KE_TITLE),
             "csv known error %r" % (v.get(("top_known_error", "KE-1001")),))
        known = set(flat) | {("time", "mean_time_to_respond_seconds"),
                             ("time", "mean_time_to_resolve_seconds"),
                             ("top_known_error", "KE-1001")}
        need(set(v) == known, "unexpected csv rows %r" % sorted(set(v) - known))
        cats = [r[1] for r in rows if r[0] == "category"]
        need(cats == list(j["by_category"]), "csv category order %r" % cats)
    case("summary.csv: BOM, CRLF, 4 columns, the same values as the JSON", values)

    def empty():
        _, v = summary_csv(**{"from": "2025-01-01", "to": "2025-01-07"})
        need(v[("incidents", "total")][0] == "0", "total %r" % (v[("incidents", "total")],))
        need(v[("sla", "response_met_percent")][0] == "", "no percent without incidents")
        need(v[("time", "mean_time_to_resolve_seconds")] == ("", ""), "no mean")
        need(v[("satisfaction", "average")][0] == "", "no average")
        need(not any(k[0] in ("category", "top_known_error") for k in v), "group rows")
    case("summary.csv: an empty period has empty cells, not zeros, where nothing is known",
         empty)


def problem_cases():
    def groups():
        j = ok(api.get("/api/v1/reports/problems"))
        need(set(j) == {"min", "limit", "total", "problems"}, "keys %r" % sorted(j))
        need((j["min"], j["limit"], j["total"]) == (2, 50, 2), "head %r" % j)
        p = j["problems"]
        need(len(p) == 2, "groups %r" % p)
        keys = {"resolution", "key", "count", "numbers", "categories", "last_resolved"}
        need(all(set(g) == keys for g in p), "group keys %r" % [sorted(g) for g in p])
        n = DESK.n
        need(p[0]["key"] == "restarted the print spooler" and p[0]["count"] == 3,
             "first group %r" % p[0])
        need(p[0]["numbers"] == [n["E"], n["I"], n["C"]], "numbers %r, want E I C %r" %
             (p[0]["numbers"], [n["E"], n["I"], n["C"]]))
        need(p[0]["categories"] == ["network", "printer"], "categories %r" % p[0]["categories"])
        need(p[0]["last_resolved"] == iso(t_of(2026, 3, 6, 1)), "last %r" % p[0]["last_resolved"])
        need(p[0]["resolution"] == "  RESTARTED the   print spooler!! ",
             "resolution as written %r" % p[0]["resolution"])
        need(p[1]["key"] == "重启打印服务" and p[1]["numbers"] == [n["L"], n["K"]] and
             p[1]["categories"] == ["desktop", "printer"], "second group %r" % p[1])
        j = ok(api.get("/api/v1/reports/problems?min=3"))
        need(j["total"] == 1 and [g["count"] for g in j["problems"]] == [3], "min=3 %r" % j)
        j = ok(api.get("/api/v1/reports/problems?min=100"))
        need(j["total"] == 0 and j["problems"] == [], "min=100 %r" % j)
        j = ok(api.get("/api/v1/reports/problems?min=2&limit=1"))
        need(j["total"] == 2 and len(j["problems"]) == 1, "limit=1 %r" % j)
    case("problems: reused resolutions without a known error, largest first", groups)

    def with_known_error():
        # Giving E's resolution a known error takes it out of the group.
        d = DESK
        d.reopen("E", NOW + MIN)
        d.resolve("E", NOW + 2 * MIN, "Restarted the print spooler", "KE-1003")
        set_now(NOW)
        j = ok(api.get("/api/v1/reports/problems"))
        p = j["problems"]
        need(p and p[0]["count"] == 2 and p[0]["numbers"] == [d.n["I"], d.n["C"]],
             "after a known error: %r" % p)
    case("problems: an incident resolved by a known error leaves its group", with_known_error)


def bad_input_cases():
    def bad(path, want):
        r = api.get(path)
        e = check_error(r, 400, "invalid")
        need(want in e["message"], "message %r does not say %r" % (e["message"], want))

    def dates():
        for p in ("/api/v1/reports/summary", "/api/v1/reports/summary.csv"):
            bad(p + "?from=2026-02-30", "'from' must be a date YYYY-MM-DD")
            bad(p + "?from=2026-3-1", "'from' must be a date")
            bad(p + "?to=yesterday", "'to' must be a date YYYY-MM-DD")
            bad(p + "?from=2026-03-01&to=2026-03-01T00:00", "'to' must be a date")
            bad(p + "?from=2026-03-08&to=2026-03-02",
                "'to' (2026-03-02) is before 'from' (2026-03-08)")
            bad(p + "?from=2026-04-01", "'to' defaults to today")
            bad(p + "?from=2025-03-08&to=2026-03-09", "is 367 days; at most 366")
        j = summary(**{"from": "2025-03-09", "to": "2026-03-09"})
        need(j["days"] == 366 and j["total"] == 12, "366 days: %r %r" % (j["days"], j["total"]))
    case("summary: bad dates, reversed and too long periods are 400 with clear messages", dates)

    def mins():
        for v in ("1", "0", "101", "x", "-1", "2.5", "%20"):
            bad("/api/v1/reports/problems?min=" + v, "'min' must be a whole number from 2 to 100")
        for v in ("0", "501", "ten"):
            bad("/api/v1/reports/problems?limit=" + v, "'limit' must be a whole number from 1")
    case("problems: bad min or limit is 400", mins)

    def clock():
        with open(api.NOW_FILE, "w") as f:
            f.write("soon\n")
        try:
            check_error(api.get("/api/v1/reports/summary"), 500, "io_error")
        finally:
            set_now(NOW)
    case("summary: a broken fake clock is a 500, never a wrong period", clock)


def clock_cases():
    """Knowledge gaps (a final search, a suggestion without a known error) and suggestion
    feedback are dated by the server's clock (srv_now), which tests move, not the wall
    clock."""
    def gaps_dated_by_server_clock():
        t = t_of(2026, 3, 9, 13, 30)
        set_now(t)
        r = api.get(api.q("/api/v1/search", q="zzqclockword", final="1"))
        need(r.status == 200 and r.json["total"] == 0, "search %r" % r)
        # a word of the indexed article only: terms, but no known error (a gap)
        r = call("POST", "/api/v1/suggest", {"summary": "signatures"})
        need(r.status == 200 and r.json["known_errors"] == [], "suggest %r" % r)
        r = call("POST", "/api/v1/suggest/feedback", {"kb_id": "KE-1001", "helpful": True})
        need(r.status == 200, "feedback %r" % r)
        e = ok(api.get("/api/v1/audit?action=usage.feedback&limit=1"))["entries"]
        need(e and e[0]["at"] == iso(t), "feedback audited at %r, want %s" %
             (e[0]["at"] if e else None, iso(t)))
        g = ok(api.get("/api/v1/reports/gaps?limit=500"))["gaps"]
        last = {x["query"]: x["last"] for x in g}
        need(last.get("zzqclockword") == iso(t), "search gap dated %r, want %s" %
             (last.get("zzqclockword"), iso(t)))
        need(last.get("signatures") == iso(t), "suggestion gap dated %r, want %s" %
             (last.get("signatures"), iso(t)))
        g = ok(api.get("/api/v1/reports/gaps?since=2026-03-10"))["gaps"]
        need(not any(x["query"] in ("zzqclockword", "signatures") for x in g),
             "gaps of the 9th listed since the 10th: %r" % g)
        set_now(NOW)
    case("knowledge gaps are dated by the server's clock", gaps_dated_by_server_clock)


def desk_day_cases():
    """A desk at UTC+8: numbers, reports and filters count its days, not UTC's."""
    def offset():
        j = ok(call("GET", "/api/v1/settings/utc-offset"))
        need(j == {"utc_offset": "+00:00", "seconds": 0}, "default %r" % j)
        for bad in ("+8", "+15:00", "08:00", "+08:10", 8):
            r = call("PUT", "/api/v1/settings/utc-offset", {"utc_offset": bad})
            check_error(r, 400, "invalid")
        check_error(call("PUT", "/api/v1/settings/utc-offset", {}), 400, "invalid")
        j = at(t_of(2026, 3, 20, 23, 30), "PUT", "/api/v1/settings/utc-offset",
               {"utc_offset": "+08:00"})
        need(j == {"utc_offset": "+08:00", "seconds": 28800}, "%r" % j)
        # 23:30 UTC on the 20th is 07:30 on the 21st at the desk
        inc = at(t_of(2026, 3, 20, 23, 30), "POST", "/api/v1/incidents",
                 {"caller_name": "早班", "channel": "phone", "category": "printer",
                  "priority": "P4", "summary": "早上八点前的来电"}, 201)
        need(inc["number"].startswith("INC-20260321-"), "number %r" % inc["number"])
        j = summary(**{"from": "2026-03-21", "to": "2026-03-21"})
        need(j["total"] == 1 and j["by_day"] == {"2026-03-21": 1}, "desk day %r" % j)
        j = summary(**{"from": "2026-03-20", "to": "2026-03-20"})
        need(j["total"] == 0, "the UTC day counted it: %r" % j["total"])
        j = ok(call("GET", "/api/v1/incidents?from=2026-03-21&to=2026-03-21"))
        need([i["number"] for i in j["incidents"]] == [inc["number"]], "list %r" % j)
        a = ok(call("GET", "/api/v1/audit?action=setting.update&from=2026-03-21"))
        need(a["total"] == 1 and a["entries"][0]["summary"] == "desk time zone: +08:00" and
             a["entries"][0]["object"] == "setting:time_zone", "audit %r" % a)
        # the older setting is a fixed-offset time zone
        j = ok(call("GET", "/api/v1/settings/time-zone"))
        need(j["time_zone"] == "+08:00" and j["seconds"] == 28800 and j["fixed"], "zone %r" % j)
        at(t_of(2026, 3, 21), "PUT", "/api/v1/settings/utc-offset", {"utc_offset": "Z"})
        need(ok(call("GET", "/api/v1/settings/utc-offset"))["seconds"] == 0, "not reset")
    case("a desk's UTC offset sets the day of numbers, reports, lists and audit filters",
         offset)


def main(tmp):
    sla = os.path.join(tmp, "sla.conf")
    with open(sla, "w") as f:
        f.write(SLA_TEXT)
    srv = api.Served(tmp, args=["--threads", "4", "--sla", sla], clock=True,
                     users=[("zhang", "engineer"), ("li", "engineer")])
    set_now(NOW)
    if not srv.start():
        return 1

    def built():
        build()
    case("a week of incidents recorded through the API", built)
    if api.FAILED:
        return 1

    summary_cases()
    csv_cases()
    bad_input_cases()
    problem_cases()
    desk_day_cases()
    clock_cases()
    srv.stop()

    def access_line():
        need(re.search(r"msg=access request_id=\S+ method=GET route=/api/v1/reports/summary\.csv "
                       r"path=/api/v1/reports/summary\.csv params=\d+ status=200", srv.log()),
             "no access line for the CSV")
    case("server stderr has the access line of the CSV export", access_line,
         needs_server=False)


if __name__ == "__main__":
    api.run_main("test_reports", main, prefix="kedb-rep-")
