#!/usr/bin/env python3
"""End-to-end tests of the service report (python3 standard library, poppler-utils).

Records a month of incidents over HTTP with a fake clock, then: the JSON report of the
previous month (default) and of any period; the PDF, checked to be a PDF whose pages, rendered
to images with pdftoppm, show the three charts in their colours on the pages that carry their
titles, and whose text (pdftotext) has the Chinese headings and the figures of the JSON;
the Markdown; filing into the catalogue twice (one document YW-BG-NNN of doc_type
"service report", versions 1 and 2, a PDF attached each time, the text searchable); the
schedule (next due, overdue, weekly and monthly, its setting) and the sweep's report_due
message once per due date; bad input. Ends with "test_svcreport: N passed, N failed".
"""
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as api  # noqa: E402

from harness import call, check_error, need, ok, set_now, t_of  # noqa: E402

case = api.case
USERS = [("eng", "engineer"), ("aud", "auditor"), ("agent1", "agent")]
TOK = {}
ST = {}
NOW = t_of(2026, 12, 3, 2)  # 10:00 at a desk in UTC+8 would be later; the desk is UTC here
# the charts' bar colours (kb/svcreport.c) and the titles on their pages
CHARTS = [("图 1 按分类的事件量", (0x2f, 0x6f, 0xb0)),
          ("图 2 各优先级 SLA 达成率", (0x3a, 0x8f, 0x5c)),
          ("图 2 各优先级 SLA 达成率", (0xe0, 0x8a, 0x1e)),
          ("图 3 满意度分布", (0x8e, 0x44, 0xad))]


def at(t, method, path, body=None, status=200, token=api.DEFAULT):
    set_now(t)
    return ok(call(method, path, body, token=token), status)


def inc_path(number, action=""):
    return "/api/v1/incidents/" + urllib.parse.quote(number) + ("/" + action if action else "")


def record_month():
    """Six incidents in November 2026, four resolved, three rated; one in December."""
    rows = [("printer", "P2", "phone", 2), ("printer", "P3", "email", 3),
            ("network", "P1", "phone", 5), ("account", "P3", "web", 9),
            ("desktop", "P4", "walk-in", 12), ("printer", "P3", "phone", 20)]
    numbers = []
    for cat, pri, channel, day in rows:
        j = at(t_of(2026, 11, day, 1), "POST", "/api/v1/incidents",
               {"caller_name": "王芳", "channel": channel, "category": cat, "priority": pri,
                "summary": "报表测试 %s %s" % (cat, day)}, 201)
        numbers.append(j["number"])
    for i, n in enumerate(numbers[:4]):
        day = rows[i][3]
        at(t_of(2026, 11, day, 1, 10), "POST", inc_path(n, "resolve"),
           {"resolution": "已处理", "actor": "eng"})
    for n, score in zip(numbers[:3], (5, 4, 5)):
        at(t_of(2026, 11, 25, 3), "POST", inc_path(n, "followup"),
           {"confirmed": True, "satisfaction": score})
    at(t_of(2026, 12, 1, 3), "POST", "/api/v1/incidents",
       {"caller_name": "李雷", "channel": "phone", "category": "network", "priority": "P2",
        "summary": "十二月的事件"}, 201)
    ST["numbers"] = numbers
    # complaint records: one raised in October (still open), one in November
    at(t_of(2026, 10, 20, 2), "POST", "/api/v1/complaints",
       {"summary": "十月的投诉", "caller": "钱六"}, 201)
    at(t_of(2026, 11, 10, 2), "POST", "/api/v1/complaints",
       {"summary": "维修人员两天未到场", "caller": "赵敏", "department": "财务部"}, 201)
    # improvement actions: one finished in September (not the period's), two agreed in it
    m0 = at(t_of(2026, 9, 1, 2), "POST", "/api/v1/meetings",
            {"day": "2026-09-01", "title": "九月例会", "period_from": "2026-08-25",
             "period_to": "2026-08-31",
             "actions": [{"title": "九月的措施", "owner": "李工", "due": "2026-09-10"}]}, 201)
    at(t_of(2026, 9, 5, 2), "PATCH", "/api/v1/improvement-actions/%d" % m0["actions"][0]["id"],
       {"state": "done"})
    at(t_of(2026, 11, 6, 2), "POST", "/api/v1/meetings",
       {"day": "2026-11-06", "title": "十一月例会", "period_from": "2026-11-01",
        "period_to": "2026-11-06",
        "actions": [{"title": "补充硒鼓库存", "owner": "李工", "due": "2026-11-20"},
                    {"title": "培训接线员", "owner": "张经理", "due": "2026-12-10"}]}, 201)


def read_ppm(path):
    """(width, height, bytes) of a binary PPM (P6, maxval 255)."""
    with open(path, "rb") as f:
        data = f.read()
    parts = []
    pos = 0
    while len(parts) < 4:
        while data[pos:pos + 1].isspace():
            pos += 1
        if data[pos:pos + 1] == b"#":
            pos = data.index(b"\n", pos) + 1
            continue
        end = pos
        while not data[end:end + 1].isspace():
            end += 1
        parts.append(data[pos:end])
        pos = end
    need(parts[0] == b"P6" and parts[3] == b"255", "not a P6 PPM: %r" % parts)
    return int(parts[1]), int(parts[2]), data[pos + 1:]


def colour_pixels(pix, rgb, tol=10):
    n = 0
    r0, g0, b0 = rgb
    for i in range(0, len(pix) - 2, 3):
        if abs(pix[i] - r0) <= tol and abs(pix[i + 1] - g0) <= tol and abs(pix[i + 2] - b0) <= tol:
            n += 1
    return n


def pdf_text(path, first=None, last=None):
    args = ["pdftotext", "-enc", "UTF-8"]
    if first:
        args += ["-f", str(first), "-l", str(last or first)]
    out = subprocess.run(args + [path, "-"], capture_output=True, timeout=60)
    need(out.returncode == 0, "pdftotext failed: %r" % out.stderr[:300])
    return out.stdout.decode("utf-8")


def report_cases(tmp):
    def default_month():
        j = at(NOW, "GET", "/api/v1/reports/service")
        need(j["from"] == "2026-11-01" and j["to"] == "2026-11-30", "period %r..%r" %
             (j["from"], j["to"]))
        need(j["title"] == "IT 服务报告（2026-11-01 至 2026-11-30）", j["title"])
        m = j["summary"]
        need(m["total"] == 6, "total %r" % m["total"])
        need(m["by_category"] == {"printer": 3, "network": 1, "account": 1, "desktop": 1},
             "categories %r" % m["by_category"])
        need(m["by_channel"] == {"phone": 3, "email": 1, "web": 1, "walk-in": 1},
             "channels %r" % m["by_channel"])
        need(m["by_priority"] == {"P1": 1, "P2": 1, "P3": 3, "P4": 1}, m["by_priority"])
        bp = m["sla"]["by_priority"]
        need(set(bp) == {"P1", "P2", "P3", "P4"} and bp["P4"]["resolved"] == 0 and
             bp["P4"]["resolve_met_percent"] is None, "sla %r" % bp)
        need(sum(v["resolved"] for v in bp.values()) == m["sla"]["resolved"] == 4, bp)
        need(m["satisfaction"]["ratings"] == 3 and
             m["satisfaction"]["distribution"] == {"1": 0, "2": 0, "3": 0, "4": 1, "5": 2},
             "satisfaction %r" % m["satisfaction"])
        need(isinstance(j["knowledge_gaps"], list), j)
        c = j["complaints"]
        need(c["raised"] == 1 and c["open_now"] == 2 and c["items_total"] == 1 and
             [(x["summary"], x["department"]) for x in c["items"]] ==
             [("维修人员两天未到场", "财务部")], "complaints %r" % c)
        a = j["improvement_actions"]
        need(a["total"] == 2 and a["open"] == 2 and a["overdue"] == 1 and
             [(x["title"], x["overdue"]) for x in a["items"]] ==
             [("补充硒鼓库存", True), ("培训接线员", False)], "actions %r" % a)
        need(j["filed"] is None, "filed %r" % j["filed"])
        sc = j["schedule"]
        need(sc["every"] == "monthly" and sc["day"] == 5 and sc["today"] == "2026-12-03", sc)
        need(sc["current"] == {"date": "2026-12-05", "from": "2026-11-01", "to": "2026-11-30",
                               "filed": None}, "current %r" % sc["current"])
        need(sc["next_due"] == {"date": "2026-12-05", "from": "2026-11-01", "to": "2026-11-30"}
             and sc["overdue"] is False and sc["days_overdue"] == 0, "schedule %r" % sc)
        ST["json"] = j
    case("the report of the last month by default: volumes by category, priority and channel, "
         "SLA per priority, satisfaction, the schedule", default_month)

    def any_period():
        j = at(NOW, "GET", api.q("/api/v1/reports/service", **{"from": "2026-11-01",
                                                                  "to": "2026-12-03"}))
        need(j["summary"]["total"] == 7 and j["from"] == "2026-11-01" and
             j["to"] == "2026-12-03", "total %r" % j["summary"]["total"])
    case("any period: from and to (desk days, inclusive)", any_period)

    def pdf():
        if "json" not in ST:
            raise api.Fail("no JSON report")
        r = api.get("/api/v1/reports/service.pdf")
        need(r.status == 200, "status %r" % r)
        need(r.headers.get("content-type") == "application/pdf", r.headers)
        need(r.body.startswith(b"%PDF-") and b"%%EOF" in r.body[-32:], "not a PDF")
        need("service-report-2026-11-01_2026-11-30.pdf" in r.headers.get(
            "content-disposition", ""), r.headers)
        path = os.path.join(tmp, "report.pdf")
        with open(path, "wb") as f:
            f.write(r.body)
        ST["pdf"] = path
        r2 = api.get("/api/v1/reports/service?format=pdf")
        need(r2.status == 200 and r2.body.startswith(b"%PDF-"), "format=pdf %r" % r2)
    case("GET /api/v1/reports/service.pdf is a PDF download", pdf)

    def pdf_text_matches():
        if "pdf" not in ST:
            raise api.Fail("no PDF")
        # pdftotext drops the spaces between Chinese and digits: compared without spaces
        text = re.sub(r"\s+", "", pdf_text(ST["pdf"]))
        m = ST["json"]["summary"]

        def has(s):
            return re.sub(r"\s+", "", s) in text
        for heading in ("IT 服务报告", "报告期：2026-11-01 至 2026-11-30", "1 概述", "2 事件量",
                        "3 SLA 达成", "4 用户满意度", "5 已知错误与知识缺口", "6 服务请求",
                        "7 投诉", "本期登记投诉 1 起", "维修人员两天未到场", "赵敏 · 财务部",
                        "8 改进措施", "本期跟踪的改进措施 2 项", "补充硒鼓库存",
                        "未开始（逾期）", "培训接线员",
                        "图 1 按分类的事件量", "图 2 各优先级 SLA 达成率", "图 3 满意度分布",
                        "打印机", "第 2 页 / 共"):
            need(has(heading), "no %r in the PDF's text" % heading)
        need(has("共受理事件 %d 起" % m["total"]), "total %d not in the text" % m["total"])
        pct = m["sla"]["resolve_met_percent"]
        need(has("解决达标率 %.1f%%" % pct), "resolve %r not in the text" % pct)
        need(has("平均满意度 %.2f / 5" % m["satisfaction"]["average"]), "average")
        need(has("打印机 3"), "the printer count")
    case("pdftotext: the Chinese headings, chart titles and the JSON's figures", pdf_text_matches)

    def pdf_images():
        if "pdf" not in ST:
            raise api.Fail("no PDF")
        need(shutil.which("pdftoppm"), "pdftoppm is missing (poppler-utils)")
        prefix = os.path.join(tmp, "page")
        out = subprocess.run(["pdftoppm", "-r", "50", ST["pdf"], prefix], capture_output=True,
                             timeout=120)
        need(out.returncode == 0, "pdftoppm failed: %r" % out.stderr[:300])
        pages = sorted(p for p in os.listdir(tmp) if p.startswith("page") and
                       p.endswith(".ppm"))
        need(len(pages) >= 3, "pages %r" % pages)
        blank = []
        for i, name in enumerate(pages):
            w, h, pix = read_ppm(os.path.join(tmp, name))
            need(w > 400 and h > 550, "page size %dx%d" % (w, h))
            if pix.count(b"\xff") > len(pix) - 200:
                blank.append(i + 1)
            text = pdf_text(ST["pdf"], i + 1)
            for title, rgb in CHARTS:
                if title in text:
                    n = colour_pixels(pix, rgb)
                    need(n > 30, "page %d: chart %r has %d pixels of %r" % (i + 1, title, n,
                                                                           rgb))
                    ST.setdefault("charts", set()).add(rgb)
        need(not blank, "blank pages %r" % blank)
        need(len(ST.get("charts", ())) == 4, "charts seen %r" % ST.get("charts"))
    case("pdftoppm: no blank page; every chart's bars are drawn on its page", pdf_images)

    def markdown():
        r = api.get("/api/v1/reports/service?format=markdown")
        need(r.status == 200 and r.headers.get("content-type") ==
             "text/markdown; charset=utf-8", r)
        need(r.text.startswith("# IT 服务报告（2026-11-01 至 2026-11-30）") and
             "| 打印机 | 3 |" in r.text, r.text[:400])
        need("\n## 7 投诉\n" in r.text and "| 维修人员两天未到场 |" in r.text and
             "\n## 8 改进措施\n" in r.text and "| 补充硒鼓库存 | 李工 | 2026-11-20 |" in r.text,
             "the quality sections: %r" % r.text[-1500:])
    case("?format=markdown: the text that is filed", markdown)


def filing_cases():
    def file_twice():
        j = at(NOW, "POST", "/api/v1/reports/service/file", {}, 201, token=TOK["eng"])
        need(j["doc_no"].startswith("YW-BG-") and len(j["doc_no"]) == 9, j)
        need(j["version"] == 1 and j["new_document"] is True and j["from"] == "2026-11-01", j)
        ST["doc"] = j["doc_no"]
        d = at(NOW, "GET", "/api/v1/documents/" + j["doc_no"], token=TOK["eng"])
        need(d.get("doc_type") == "service report", "document %r" % d)
        a = at(NOW, "GET", "/api/v1/kb/%s/attachments" % j["doc_no"], token=TOK["eng"])
        atts = a["attachments"]
        need(len(atts) == 1 and atts[0]["name"].endswith(".pdf") and
             atts[0]["id"] == j["attachment"], "attachments %r" % a)
        # the same period again: a new version of the same document, not a new document
        j2 = at(NOW + 60, "POST", "/api/v1/reports/service/file",
                {"from": "2026-11-01", "to": "2026-11-30"}, 200, token=TOK["eng"])
        need(j2["doc_no"] == j["doc_no"] and j2["version"] == 2 and
             j2["new_document"] is False, j2)
        v = at(NOW, "GET", "/api/v1/kb/%s/versions" % j["doc_no"], token=TOK["eng"])
        need([x["n"] for x in v["versions"]] == [1, 2], "versions %r" % v)
        a = at(NOW, "GET", "/api/v1/kb/%s/attachments" % j["doc_no"], token=TOK["eng"])
        need(len(a["attachments"]) == 2, "attachments %r" % a)
        r = api.get("/api/v1/kb/%s/attachments/%d" % (j["doc_no"], j2["attachment"]),
                    token=TOK["eng"])
        need(r.status == 200 and r.body.startswith(b"%PDF-"), "download %r" % r)
        # another period: another document
        j3 = at(NOW, "POST", "/api/v1/reports/service/file",
                {"from": "2026-12-01", "to": "2026-12-03"}, 201, token=TOK["eng"])
        need(j3["doc_no"] != j["doc_no"] and j3["version"] == 1, j3)
    case("filing: a document of doc_type 'service report' with the PDF attached; the same "
         "period again is version 2 of it", file_twice)

    def catalogue():
        if "doc" not in ST:
            raise api.Fail("not filed")
        j = at(NOW, "GET", api.q("/api/v1/documents", doc_type="service report"),
               token=TOK["eng"])
        rows = j.get("documents", j.get("items", []))
        need(any(x.get("doc_no", x.get("id")) == ST["doc"] for x in rows), "catalogue %r" % j)
        j = at(NOW, "GET", api.q("/api/v1/reports/service"))
        need(j["filed"] and j["filed"]["doc_no"] == ST["doc"] and j["filed"]["version"] == 2,
             "filed %r" % j["filed"])
        sc = j["schedule"]
        need(sc["current"]["filed"]["doc_no"] == ST["doc"] and
             sc["next_due"] == {"date": "2027-01-05", "from": "2026-12-01",
                                "to": "2026-12-31"} and not sc["overdue"], "schedule %r" % sc)
        # the filed PDF names its number
        r = api.get("/api/v1/reports/service.pdf")
        path = os.path.join(ST["tmp"], "filed.pdf")
        with open(path, "wb") as f:
            f.write(r.body)
        need("文件编号：" + ST["doc"] in pdf_text(path), "no number on the title page")
    case("the catalogue lists it; the report and the schedule name the filed document",
         catalogue)

    def refused():
        check_error(call("POST", "/api/v1/reports/service/file", {}, token=TOK["aud"]), 403,
                    "forbidden")
        check_error(call("POST", "/api/v1/reports/service/file", {}, token=TOK["agent1"]), 403,
                    "forbidden")
        check_error(call("POST", "/api/v1/reports/service/file", {"from": "2026-11-01"},
                         token=TOK["eng"]), 400, "invalid")
        check_error(call("POST", "/api/v1/reports/service/file", {"from": 5, "to": 6},
                         token=TOK["eng"]), 400, "invalid")
        check_error(call("POST", "/api/v1/reports/service/file", {"period": "x"},
                         token=TOK["eng"]), 400, "invalid")
        check_error(call("POST", "/api/v1/reports/service/file", raw=b"[1]",
                         token=TOK["eng"]), 400, "invalid")
    case("filing needs an engineer or admin and good input", refused)

    def class_prefix():
        # the class of service reports numbers them once an admin gives it a prefix
        at(NOW, "PUT", "/api/v1/document-classes/report", {"prefix": "FW-BG-"})
        try:
            j = at(NOW, "POST", "/api/v1/reports/service/file",
                   {"from": "2026-10-01", "to": "2026-10-31"}, 201, token=TOK["eng"])
            need(j["doc_no"] == "FW-BG-001", "numbered %r" % j["doc_no"])
            # a period filed before keeps its number
            j2 = at(NOW, "POST", "/api/v1/reports/service/file",
                    {"from": "2026-11-01", "to": "2026-11-30"}, 200, token=TOK["eng"])
            need(j2["doc_no"] == ST.get("doc") and j2["version"] == 3, j2)
        finally:
            at(NOW, "PUT", "/api/v1/document-classes/report", {"prefix": ""})
    case("a new report is numbered with its class's prefix; a filed period keeps its number",
         class_prefix)


def relogin():
    """Sessions end when the fake clock jumps days: everyone logs in again."""
    api.default_token(fresh=True)
    for name, _ in USERS:
        r = api.login(name, api.user_password(name))
        need(r.status == 200, "%s: %r" % (name, r))
        TOK[name] = r.json["token"]


def schedule_cases():
    def overdue():
        set_now(t_of(2026, 12, 8, 2))
        relogin()
        j = ok(call("PUT", "/api/v1/settings/report-schedule", {"every": "weekly", "day": 1}))
        need(j["every"] == "weekly" and j["day"] == 1, j)
        # Monday 7 December: the week 30 Nov - 6 Dec is due, not filed: a day late
        need(j["next_due"] == {"date": "2026-12-07", "from": "2026-11-30", "to": "2026-12-06"}
             and j["overdue"] is True and j["days_overdue"] == 1, "weekly %r" % j)
        j = ok(call("GET", "/api/v1/reports/service/schedule", token=TOK["aud"]))
        need(j["overdue"] is True, j)
        j = ok(call("PUT", "/api/v1/settings/report-schedule", {"every": "monthly", "day": 28}))
        need(j["next_due"]["date"] == "2027-01-28" and j["next_due"]["from"] == "2026-12-01"
             and not j["overdue"], "monthly 28 (November filed) %r" % j)
        j = ok(call("PUT", "/api/v1/settings/report-schedule", {"every": "weekly", "day": 2}))
        need(j["next_due"] == {"date": "2026-12-08", "from": "2026-11-30", "to": "2026-12-06"}
             and not j["overdue"] and j["days_overdue"] == 0, "due today %r" % j)
        j = ok(call("PUT", "/api/v1/settings/report-schedule", {"every": "off"}))
        need(j["every"] == "off" and j["next_due"] is None and j["overdue"] is False, j)
        j = ok(call("GET", "/api/v1/settings/report-schedule"))
        need(j["every"] == "off", j)
        a = ok(call("GET", "/api/v1/audit?action=setting.update"))
        need(any("service reports" in e["summary"] for e in a["entries"]), "audit %r" % a)
    case("the schedule: weekly and monthly, next due and overdue, off; audited", overdue)

    def bad():
        for body in ({"every": "daily", "day": 1}, {"every": "monthly", "day": 29},
                     {"every": "monthly", "day": 0}, {"every": "weekly", "day": 8},
                     {"every": "weekly"}, {"every": "monthly", "day": "5"}, {"day": 5},
                     {"every": "monthly", "day": 5, "x": 1}):
            check_error(call("PUT", "/api/v1/settings/report-schedule", body), 400, "invalid")
        check_error(call("PUT", "/api/v1/settings/report-schedule",
                         {"every": "monthly", "day": 5}, token=TOK["eng"]), 403, "forbidden")
    case("the schedule's setting refuses bad values and non-admins", bad)

    def reminder():
        ok(call("POST", "/api/v1/notification-channels",
                {"kind": "webhook", "name": "reports", "url": "http://127.0.0.1:9/r",
                 "events": ["report_due"]}), 201)
        set_now(t_of(2026, 12, 10, 2))
        relogin()
        ok(call("PUT", "/api/v1/settings/report-schedule", {"every": "weekly", "day": 3}))

        def due_rows():
            rows = ok(api.get(api.q("/api/v1/notifications", limit=200)))["notifications"]
            return [m for m in rows if m["event"] == "report_due"]
        rows = []
        for _ in range(50):
            rows = due_rows()
            if rows:
                break
            time.sleep(0.1)
        need(len(rows) == 1 and rows[0]["object"] == "2026-11-30..2026-12-06" and
             rows[0]["title"] == "服务报告待提交：2026-11-30..2026-12-06", "report_due %r" % rows)
        time.sleep(0.8)  # several sweeps later: still one
        need(len(due_rows()) == 1, "told twice: %r" % due_rows())
        # filed: the next due date is the following week's, nothing more is said
        ok(call("POST", "/api/v1/reports/service/file", {"from": "2026-11-30",
                                                         "to": "2026-12-06"}), 201)
        j = ok(call("GET", "/api/v1/reports/service/schedule"))
        need(j["next_due"]["date"] == "2026-12-16" and not j["overdue"], j)
        time.sleep(0.6)
        need(len(due_rows()) == 1, "told after filing: %r" % due_rows())
    case("the sweep tells report_due once per due date, not after filing", reminder)


def bad_input_cases():
    def bad():
        for path in ("/api/v1/reports/service", "/api/v1/reports/service.pdf"):
            for params in ({"from": "2026-13-01", "to": "2026-12-01"},
                           {"from": "2026-11-31", "to": "2026-12-01"},
                           {"from": "2026-12-01", "to": "2026-11-01"},
                           {"from": "2024-01-01", "to": "2026-11-30"},
                           {"from": "2026-11-01"}, {"to": "2026-11-01"},
                           {"from": "yesterday", "to": "today"},
                           {"from": "2026-11-01'--", "to": "2026-11-30"}):
                check_error(call("GET", api.q(path, **params)), 400, "invalid")
        for fmt in ("xml", "PDF", "csv", "../pdf"):
            check_error(call("GET", api.q("/api/v1/reports/service", format=fmt)), 400,
                        "invalid")
        check_error(call("DELETE", "/api/v1/reports/service"), 405, "invalid")
        check_error(call("GET", "/api/v1/reports/service.pdf", token=None), 401,
                    "unauthorized")
    case("bad dates, to before from, a period over 366 days, one end only, unknown format",
         bad)


def main(tmp):
    ST["tmp"] = tmp
    srv = api.Served(tmp, clock=True, users=USERS,
                     args=["--notify-interval-ms", "100", "--notify-sweep-ms", "200"])
    set_now(NOW)
    if not srv.start():
        return 1

    def logins():
        for name, _ in USERS:
            r = api.login(name, api.user_password(name))
            need(r.status == 200, "%s: %r" % (name, r))
            TOK[name] = r.json["token"]
    case("an engineer, an auditor and an agent log in", logins)

    def recorded():
        record_month()
    case("a month of incidents recorded through the API", recorded)
    if api.FAILED:
        srv.stop()
        return 1
    report_cases(tmp)
    filing_cases()
    bad_input_cases()
    schedule_cases()
    srv.stop()


if __name__ == "__main__":
    api.run_main("test_svcreport", main, prefix="kedb-svc-")
