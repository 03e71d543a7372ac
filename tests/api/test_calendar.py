#!/usr/bin/env python3
"""End-to-end tests of the desk's time zone, its business calendar and business-hours SLA
clocks (python3 standard library only).

Indexes tests/data into a temporary database that, like a database from before time
zones, holds only a UTC offset (+08:00); starts $KEDB_BIN/kedb-server with a fake clock
(KEDB_FAKE_NOW_FILE) and an SLA file where P3 and P4 run in business hours; then checks
GET/PUT /api/v1/settings/time-zone and /settings/calendar (the shipped mainland China
calendar, audit entries, bad names, syntax errors naming the line, huge bodies), and the
clocks over HTTP: a P3 logged on Friday 17:50 in Beijing is due on Monday, not on
Saturday night; a public holiday; a make-up working Saturday (调休); pending over a
weekend; the at-risk list and the report. Stops the server with SIGTERM and fails on
sanitizer reports. Ends with "test_calendar: N passed, N failed".
"""
import csv
import io
import os
import sqlite3
import sys
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as api  # noqa: E402  (the shared harness: case, request, checks)

from harness import call, check_error, iso, need, ok, set_now, t_of  # noqa: E402

case = api.case
MIN = 60
HOUR = 3600
SAMPLE = os.path.join(api.ROOT, "samples", "calendar", "cn-2026.txt")
# P3: 4 working hours to respond, one working day to resolve; P4: 16 working hours to
# resolve; P1 and P2 keep the defaults, 7x24.
SLA_TEXT = ("P3 response=4h resolve=1d hours=business\n"
            "P4 response=1h resolve=16h hours=business\n")


def bj(y, m, d, hh=0, mm=0):
    """The instant of a Beijing wall-clock time."""
    return t_of(y, m, d, hh, mm) - 8 * HOUR


def at(t, method, path, body=None, status=200):
    set_now(t)
    return ok(call(method, path, body), status)


def inc_path(number, action=""):
    return "/api/v1/incidents/" + urllib.parse.quote(number) + ("/" + action if action else "")


def new_incident(t, priority, summary="打印机脱机"):
    return at(t, "POST", "/api/v1/incidents",
              {"caller_name": "王芳", "channel": "phone", "category": "printer",
               "priority": priority, "summary": summary}, 201)


def sla_of(number, t):
    set_now(t)
    return ok(api.get(inc_path(number)))["sla"]


def too_big(path):
    """A body past the server's 1 MiB cap: 413, sent the way a client streams it (the
    server may answer before the last byte)."""
    size = 1024 * 1024 + 64
    head = ("PUT %s HTTP/1.1\r\nHost: %s\r\nAuthorization: Bearer %s\r\n"
            "Content-Type: application/json\r\nContent-Length: %d\r\n\r\n"
            % (path, api.HOST, api.default_token(), size)).encode()
    body = b"{\"x\":\"" + b"a" * (size - 8) + b"\"}"
    r = api.raw_exchange(head, [body[i:i + 65536] for i in range(0, len(body), 65536)])
    check_error(r, 413, "too_big")


def audit_summaries(obj):
    j = ok(api.get(api.q("/api/v1/audit", action="setting.update", object=obj)))
    return [e["summary"] for e in j["entries"]]


def zone_cases(db):
    def legacy():
        # the database has only utc_offset (inserted before the server started)
        j = ok(api.get("/api/v1/settings/time-zone"))
        need(j["time_zone"] == "+08:00" and j["utc_offset"] == "+08:00" and
             j["seconds"] == 28800 and j["fixed"] is True, "legacy zone %r" % j)
        j = ok(api.get("/api/v1/settings/utc-offset"))
        need(j == {"utc_offset": "+08:00", "seconds": 28800}, "utc-offset %r" % j)
        # its days: 23:30 UTC on 12 March is 07:30 on the 13th at the desk
        inc = new_incident(t_of(2026, 3, 12, 23, 30), "P1", "老库的时区")
        need(inc["number"].startswith("INC-20260313-"), "number %r" % inc["number"])
    case("a database from before time zones keeps its UTC offset as a fixed zone", legacy)

    def set_zone():
        j = at(bj(2026, 3, 1), "PUT", "/api/v1/settings/time-zone",
               {"time_zone": "Asia/Shanghai"})
        need(j["time_zone"] == "Asia/Shanghai" and j["utc_offset"] == "+08:00" and
             j["abbreviation"] == "CST" and j["dst"] is False and j["fixed"] is False,
             "zone %r" % j)
        need(ok(api.get("/api/v1/settings/time-zone"))["time_zone"] == "Asia/Shanghai",
             "not stored")
        need(audit_summaries("setting:time_zone")[:1] == ["desk time zone: Asia/Shanghai"],
             "audit %r" % audit_summaries("setting:time_zone"))
        # one source of truth: the old row is gone
        con = sqlite3.connect(db)
        try:
            rows = dict(con.execute("SELECT key, value FROM setting WHERE key IN "
                                    "('time_zone', 'utc_offset')").fetchall())
        finally:
            con.close()
        need(rows == {"time_zone": "Asia/Shanghai"}, "settings %r" % rows)
        # a zone with daylight-saving time, read at a summer instant, then back
        j = at(t_of(2026, 7, 1), "PUT", "/api/v1/settings/time-zone",
               {"time_zone": "America/New_York"})
        need(j["utc_offset"] == "-04:00" and j["dst"] is True and j["abbreviation"] == "EDT",
             "New York in July %r" % j)
        at(bj(2026, 3, 1), "PUT", "/api/v1/settings/time-zone", {"time_zone": "Asia/Shanghai"})
    case("PUT /settings/time-zone stores an IANA zone, audited, and replaces the offset",
         set_zone)

    def bad_zones():
        cases = [
            ({"time_zone": "../../etc/passwd"}, "invalid", "starting with '.'"),
            ({"time_zone": "/etc/passwd"}, "invalid", "starts with '/'"),
            ({"time_zone": "Asia/../../../etc/shadow"}, "invalid", "starting with '.'"),
            ({"time_zone": "Mars/Olympus_Mons"}, "invalid", "unknown time zone"),
            ({"time_zone": "Asia"}, "invalid", "not a zone file"),
            ({"time_zone": "zone.tab"}, "parse_error", "not a TZif file"),
            ({"time_zone": "Asia/Shang hai"}, "invalid", "may hold only"),
            ({"time_zone": "亚洲/上海"}, "invalid", "may hold only"),
            ({"time_zone": "A" * 65}, "invalid", "longer than 64 bytes"),
            ({"time_zone": ""}, "invalid", "required"),
            ({"time_zone": 8}, "invalid", "must be a string"),
            ({"time_zone": None}, "invalid", "required"),
            ({}, "invalid", "required"),
            ({"time_zone": "UTC", "extra": 1}, "invalid", "extra"),
            ({"time_zone": "+08:10"}, "invalid", "quarter hours"),
            ({"time_zone": "+15:00"}, "invalid", "-12:00 to +14:00"),
        ]
        for body, code, words in cases:
            r = call("PUT", "/api/v1/settings/time-zone", body)
            e = check_error(r, 400, code)
            need(words in e["message"], "%r: message %r" % (body, e["message"]))
        for raw in (b"", b"{", b"[]", b"\"Asia/Shanghai\"", b"{\"time_zone\":\"\\u0000\"}"):
            r = call("PUT", "/api/v1/settings/time-zone", raw=raw)
            need(r.status == 400, "%r: %r" % (raw, r))
        too_big("/api/v1/settings/time-zone")
        j = ok(api.get("/api/v1/settings/time-zone"))
        need(j["time_zone"] == "Asia/Shanghai", "changed by a bad request: %r" % j)
    case("bad time zones: 400 with what is wrong, never a file outside the zone database",
         bad_zones)


def calendar_cases():
    def default():
        j = ok(api.get("/api/v1/settings/calendar"))
        need(j["calendar"] == "hours mon-fri 09:00-18:00\n" and j["default"] is True and
             j["weekly_hours"] == 45 and j["holidays"] == 0 and j["first_day"] is None and
             j["time_zone"] == "Asia/Shanghai", "default %r" % j)
    case("GET /settings/calendar: the default calendar until one is stored", default)

    def sample():
        with open(SAMPLE, encoding="utf-8") as f:
            text = f.read()
        j = at(bj(2026, 3, 1, 9), "PUT", "/api/v1/settings/calendar", {"calendar": text})
        need(j["calendar"] == text and j["default"] is False, "text not kept")
        need(j["weekly_hours"] == 37.5 and j["holidays"] == 33 and j["workdays"] == 6 and
             j["first_day"] == "2026-01-01" and j["last_day"] == "2026-10-10", "stats %r" % j)
        need(audit_summaries("setting:calendar")[:1] ==
             ["business calendar: 37:30 working hours a week, 33 holidays, 6 make-up working "
              "days from 2026-01-01 to 2026-10-10"], "audit %r" % audit_summaries("setting:calendar"))
    case("PUT /settings/calendar stores the shipped mainland China 2026 calendar, audited",
         sample)

    def bad_calendars():
        before = ok(api.get("/api/v1/settings/calendar"))["calendar"]
        cases = [
            ("hours mon-fri 9-18", 400, "parse_error", "line 1: '9-18' is not a span"),
            ("hours mon-fri 09:00-18:00\nholidy 2026-10-01", 400, "parse_error",
             "line 2: unknown rule 'holidy'"),
            ("hours mon-fri 09:00-18:00\n\nholiday 2026-02-30 国庆", 400, "parse_error",
             "line 3: '2026-02-30' is not a date"),
            ("hours mon-fri 09:00-18:00\nholiday 2026-10-01..2026-10-07\nworkday 2026-10-03",
             400, "parse_error", "line 3: 2026-10-03 is already a holiday on line 2"),
            ("hours mon-fri 09:00-12:00,11:00-13:00", 400, "parse_error", "line 1: the spans"),
            ("hours mon-fri 18:00-09:00", 400, "parse_error", "ends before it starts"),
            ("holiday 2026-10-01", 400, "parse_error", "no working hours in the week"),
            ("", 400, "parse_error", "no working hours"),
            ("hours mon-sun off", 400, "parse_error", "no working hours"),
            ("hours mon 09:00-18:00\nholiday 2026-01-01..2027-01-02 x\n", 400,
             "parse_error", "line 2: a holiday range is at most 366 days"),
            ("#" * 70000, 413, "too_big", "at most 65536"),
        ]
        for text, status, code, words in cases:
            r = call("PUT", "/api/v1/settings/calendar", {"calendar": text})
            e = check_error(r, status, code)
            need(words in e["message"], "%r: message %r" % (text[:60], e["message"]))
        for body, words in (({}, "required"), ({"calendar": None}, "required"),
                            ({"calendar": 5}, "must be a string"),
                            ({"calendar": ["hours"]}, "must be a string"),
                            ({"calendar": "hours mon 09:00-18:00", "x": 1}, "x")):
            e = check_error(call("PUT", "/api/v1/settings/calendar", body), 400, "invalid")
            need(words in e["message"], "%r: %r" % (body, e["message"]))
        for raw in (b"", b"null", b"{\"calendar\":", b"\xff\xfe{}",
                    b"{\"calendar\":\"hours mon 09:00-18:00\\u0000\"}",
                    b"{\"calendar\":\"" + b"\\u0041" * 20000 + b"\"}"):
            r = call("PUT", "/api/v1/settings/calendar", raw=raw)
            need(400 <= r.status < 500, "%r: %r" % (raw[:40], r))
        too_big("/api/v1/settings/calendar")
        need(ok(api.get("/api/v1/settings/calendar"))["calendar"] == before,
             "a refused calendar changed the stored one")
    case("bad calendars: 400 naming the line, 413 when too big, the stored one unchanged",
         bad_calendars)


def clock_cases():
    def friday_evening():
        fri = bj(2026, 3, 13, 17, 50)  # Friday 13 March, 17:50 in Beijing
        p3 = new_incident(fri, "P3")
        p2 = new_incident(fri, "P2")  # 7x24: 30 min / 8 h
        sat = bj(2026, 3, 14, 1, 50)
        s = sla_of(p3["number"], sat)
        need(s["hours"] == "business", "hours %r" % s)
        # 10 working minutes on Friday, 3 h 50 on Monday (09:00-12:00, 13:30-14:20)
        need(s["response_due"] == iso(bj(2026, 3, 16, 14, 20)), "response due %r" % s)
        need(s["response_remaining_seconds"] == 3 * HOUR + 50 * MIN and
             not s["response_breached"], "remaining %r" % s)
        # one working day: the same time on the next working day, Monday 17:50
        need(s["resolve_due"] == iso(bj(2026, 3, 16, 17, 50)) and
             s["resolve_target_seconds"] == 7 * HOUR + 30 * MIN, "resolve %r" % s)
        s2 = sla_of(p2["number"], sat)
        need(s2["hours"] == "24x7" and s2["resolve_due"] == iso(sat) and
             not s2["resolve_breached"], "P2 stays 7x24: %r" % s2)
        s2 = sla_of(p2["number"], sat + 1)
        need(s2["resolve_breached"], "P2 breaches at Saturday 01:50: %r" % s2)
        # at risk on Saturday morning: within 60 working minutes no, within 4 h yes
        set_now(bj(2026, 3, 14, 10))
        j = ok(api.get("/api/v1/incidents/at-risk?within=60"))
        need(p3["number"] not in [i["number"] for i in j["incidents"]], "at risk %r" % j)
        j = ok(api.get("/api/v1/incidents/at-risk?within=240"))
        mine = [i for i in j["incidents"] if i["number"] == p3["number"]]
        need(mine and mine[0]["risk"] == "response" and
             mine[0]["due"] == iso(bj(2026, 3, 16, 14, 20)), "at risk %r" % mine)
        # answered Monday 10:00: in time
        at(bj(2026, 3, 16, 10), "PATCH", inc_path(p3["number"]),
           {"status": "in_progress", "note": "在处理"})
        s = sla_of(p3["number"], bj(2026, 3, 16, 15))
        need(not s["response_breached"] and s["response_remaining_seconds"] == 2 * HOUR +
             50 * MIN, "answered %r" % s)
        s = sla_of(p3["number"], bj(2026, 3, 16, 17, 51))
        need(s["resolve_breached"] and s["resolve_remaining_seconds"] == -MIN, "late %r" % s)
    case("a P3 logged Friday 17:50 in Beijing is due on Monday, not Saturday 01:50",
         friday_evening)

    def holiday():
        inc = new_incident(bj(2026, 9, 30, 17), "P3")  # the eve of the National Day week
        s = sla_of(inc["number"], bj(2026, 10, 5, 12))
        need(s["response_due"] == iso(bj(2026, 10, 8, 12)) and not s["response_breached"] and
             s["response_remaining_seconds"] == 3 * HOUR, "holiday %r" % s)
        need(s["resolve_due"] == iso(bj(2026, 10, 8, 17)), "next working day %r" % s)
    case("the National Day holiday (1-7 October) stops the clock", holiday)

    def make_up_saturday():
        inc = new_incident(bj(2026, 10, 9, 17), "P3")  # Friday before a 调休 Saturday
        s = sla_of(inc["number"], bj(2026, 10, 10, 9, 30))
        need(s["response_due"] == iso(bj(2026, 10, 10, 12)) and
             s["response_remaining_seconds"] == 2 * HOUR + 30 * MIN, "调休 %r" % s)
        need(s["resolve_due"] == iso(bj(2026, 10, 10, 17)), "the Saturday is worked: %r" % s)
        inc = new_incident(bj(2026, 2, 13, 17, 50), "P3")  # before the Spring Festival
        s = sla_of(inc["number"], bj(2026, 2, 14, 8))
        need(s["response_due"] == iso(bj(2026, 2, 14, 14, 20)), "14 February %r" % s)
        # a call on that working Saturday's evening waits for the end of the festival
        inc = new_incident(bj(2026, 2, 14, 17, 50), "P3")
        s = sla_of(inc["number"], bj(2026, 2, 20))
        need(s["response_due"] == iso(bj(2026, 2, 24, 14, 20)) and not s["response_breached"],
             "Spring Festival %r" % s)
    case("a make-up working Saturday (调休) runs the clock", make_up_saturday)

    def pending_weekend():
        inc = new_incident(bj(2026, 3, 19, 9), "P4")  # Thursday; 16 working hours
        n = inc["number"]
        at(bj(2026, 3, 19, 9, 30), "PATCH", inc_path(n), {"status": "in_progress"})
        at(bj(2026, 3, 20, 17), "PATCH", inc_path(n),
           {"status": "pending", "note": "等用户周一回复"})
        s = sla_of(n, bj(2026, 3, 21, 12))  # Saturday noon
        # used: Thursday 7.5 h, Friday 09:00-12:00 and 13:30-17:00: 14 h
        need(s["paused"] and s["resolve_remaining_seconds"] == 2 * HOUR and
             s["resolve_due"] == iso(bj(2026, 3, 23, 11)), "pending %r" % s)
        at(bj(2026, 3, 23, 10), "PATCH", inc_path(n), {"status": "in_progress"})
        s = sla_of(n, bj(2026, 3, 23, 11))
        need(not s["paused"] and s["resolve_remaining_seconds"] == HOUR and
             s["resolve_due"] == iso(bj(2026, 3, 23, 12)) and
             s["paused_seconds"] == 65 * HOUR, "after the weekend %r" % s)
        set_now(bj(2026, 3, 23, 11))
        j = ok(api.get("/api/v1/incidents/at-risk?within=90"))
        mine = [i for i in j["incidents"] if i["number"] == n]
        need(mine and mine[0]["risk"] == "resolve" and
             mine[0]["due"] == iso(bj(2026, 3, 23, 12)), "at risk %r" % mine)
        s = sla_of(n, bj(2026, 3, 23, 14))  # lunch does not count: 30 min late
        need(s["resolve_breached"] and s["resolve_remaining_seconds"] == -30 * MIN and
             s["resolve_due"] == iso(bj(2026, 3, 23, 12)), "breached %r" % s)
        # the timeline is where the pauses come from: a list shows the same clocks
        set_now(bj(2026, 3, 23, 14))
        j = ok(api.get(api.q("/api/v1/incidents", q=n)))
        need(j["incidents"] and j["incidents"][0]["sla"] == s, "list %r" % j["incidents"])
        # and the CSV export of the list
        r = api.get(api.q("/api/v1/incidents.csv", q=n, lang="en"))
        need(r.status == 200, "csv %r" % r)
        rows = list(csv.DictReader(io.StringIO(r.body.decode("utf-8-sig"), newline="")))
        need(len(rows) == 1 and rows[0]["resolve_due"] == iso(bj(2026, 3, 23, 12)) and
             rows[0]["breached"] == "yes", "csv rows %r" % rows)
    case("pending over a weekend costs only the working time it held", pending_weekend)

    def report():
        set_now(bj(2026, 3, 24))
        j = ok(api.get(api.q("/api/v1/reports/summary", **{"from": "2026-03-13",
                                                          "to": "2026-03-19"})))
        need(j["by_day"]["2026-03-13"] == 3 and j["by_day"]["2026-03-19"] == 1 and
             j["days"] == 7, "by day %r" % j["by_day"])
        # P3 answered in its business hours; the 7x24 P2 was never answered: late
        need(j["sla"]["responded"] == 2 and j["sla"]["response_met"] == 2, "sla %r" % j["sla"])
    case("the report counts desk days and business-hours clocks", report)


def main(tmp):
    sla = os.path.join(tmp, "sla.conf")
    with open(sla, "w") as f:
        f.write(SLA_TEXT)
    srv = api.Served(tmp, args=["--threads", "4", "--sla", sla], clock=True)
    set_now(t_of(2026, 3, 1))
    if not srv.index():
        return 1
    # a database from before time zones: only the UTC offset of the desk
    con = sqlite3.connect(srv.db)
    try:
        with con:
            con.execute("INSERT OR REPLACE INTO setting(key, value) VALUES ('utc_offset', 28800)")
    finally:
        con.close()
    if not srv.serve():
        return 1
    zone_cases(srv.db)
    calendar_cases()
    clock_cases()
    srv.stop()


if __name__ == "__main__":
    api.run_main("test_calendar", main, prefix="kedb-cal-")
