#!/usr/bin/env python3
"""End-to-end test of kedb-import: CSV (UTF-8 and GBK) and JSON exports of past tickets
are imported into a real database, bad rows are reported with their line and skipped,
a second import changes nothing, and the imported tickets are found by the real server's
search and suggestions. Prints 'test_import: N passed, N failed'."""
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as api  # noqa: E402  (the shared harness: case, request, checks)
from harness import case, need  # noqa: E402

BIN = api.BIN
ROOT = api.ROOT
SLOW = 5 if api.VALGRIND else 1

CSV = (
    "TicketNo,Subject,Description,Solution,Opened,Category,KB,Tags\r\n"
    'T-1,"打印机卡纸, 面板 13.A2.D4","财务部打印机卡纸\n第二行 ""引号""",取出纸张后恢复,2025-03-01,硬件,KE-1001,"打印机;卡纸"\r\n'
    "T-2,Outlook 0x800CCC0E 收不到邮件,发送接收报错,把端口改为 995,2025-03-02,软件,,\r\n"
    "T-3,字段不够\r\n"
    ",没有编号,x,y,2025,a,b,c\r\n"
    "T-5,,没有标题,y,2025,a,b,c\r\n"
    "T-6,<script>alert(1)</script> 门禁卡失效,刷卡无反应,重新授权,2025-03-05,门禁,,\r\n"
)
PASSWORD = "import-test-pw"  # the agent "importer" who reads what was imported
MAP = "id=TicketNo,title=Subject,symptom=Description,workaround=Solution,opened=Opened," \
      "category=Category,resolved_by=KB,tags=Tags"


def run(*args, **kw):
    cmd = api.under_valgrind([os.path.join(BIN, args[0])] + list(args[1:]))
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120 * SLOW, cwd=ROOT,
                          **kw)


def main(tmp):
    srv = api.Served(tmp, args=["--web", "web"], users=[("importer", PASSWORD, "agent")])
    db = srv.db
    csv_path = os.path.join(tmp, "export.csv")
    gbk_path = os.path.join(tmp, "export-gbk.csv")
    jsonl_path = os.path.join(tmp, "export.jsonl")
    json_path = os.path.join(tmp, "export.json")
    with open(csv_path, "w", encoding="utf-8", newline="") as f:
        f.write("\ufeff" + CSV)  # with a byte order mark, as spreadsheet programs write
    with open(gbk_path, "wb") as f:
        f.write(CSV.replace("T-", "G-").encode("gbk"))
    with open(jsonl_path, "w", encoding="utf-8") as f:
        f.write(json.dumps({"id": "J-1", "title": "VPN 错误 809", "symptom": "VPN 连不上",
                            "workaround": "开放 UDP 500", "tags": ["vpn", "网络"]},
                           ensure_ascii=False) + "\n")
        f.write("this is not json\n")
        f.write(json.dumps({"id": "J-2"}) + "\n")
        f.write(json.dumps([1, 2]) + "\n")
    with open(json_path, "w", encoding="utf-8") as f:
        json.dump([{"id": "A-1", "title": "蓝屏 0x0000007B", "priority": 2}], f)

    idx = run("kedb-index", "--db", db, "tests/data")
    case("index the test knowledge base", lambda: need(idx.returncode == 0, idx.stderr))

    first = run("kedb-import", "--db", db, "--map", MAP, csv_path)

    def first_import():
        need(first.returncode == 1, "exit %d (some rows failed): %s" %
             (first.returncode, first.stderr))
        need("3 added, 0 updated, 0 unchanged, 3 failed" in first.stdout, first.stdout)
        err = first.stderr
        need("export.csv:5: 2 fields, the header has 8" in err, err)
        need("export.csv:6: no ticket id" in err, err)
        need("export.csv:7: ticket 'T-5' has no title" in err, err)
    case("CSV: rows imported, bad rows reported with their line", first_import)

    again = run("kedb-import", "--db", db, "--map", MAP, csv_path)
    case("CSV: a second import changes nothing",
         lambda: need("0 added, 0 updated, 3 unchanged" in again.stdout, again.stdout))

    raw = run("kedb-import", "--db", db, "--map", MAP, gbk_path)
    case("GBK without --encoding: a clear error",
         lambda: need(raw.returncode == 2 and "--encoding GBK" in raw.stderr, raw.stderr))
    gbk = run("kedb-import", "--db", db, "--encoding", "GBK", "--map", MAP, gbk_path)
    case("GBK with --encoding GBK",
         lambda: need("3 added" in gbk.stdout, gbk.stdout + gbk.stderr))

    jl = run("kedb-import", "--db", db, jsonl_path)

    def jsonl():
        need("1 added" in jl.stdout and "3 failed" in jl.stdout, jl.stdout)
        need("export.jsonl:2: invalid JSON" in jl.stderr, jl.stderr)
        need("export.jsonl:3: ticket 'J-2' has no title" in jl.stderr, jl.stderr)
        need("export.jsonl:4: not an object" in jl.stderr, jl.stderr)
    case("JSON Lines: bad lines reported and skipped", jsonl)
    js = run("kedb-import", "--db", db, "--id-prefix", "OLD-", json_path)
    case("JSON array with an id prefix", lambda: need("1 added" in js.stdout, js.stdout))

    # issue 9: a row whose text passes a Markdown limit (more than 2,000 '@', each an
    # e-mail autolink) is reported with its line; the rows around it are imported
    mails = os.path.join(tmp, "mails.jsonl")
    with open(mails, "w", encoding="utf-8") as f:
        for i, n in ((1, 10), (2, 2500), (3, 10)):
            f.write(json.dumps({"id": "M-%d" % i, "title": "邮件 %d" % i,
                                "symptom": " ".join(["a@b.example"] * n)}) + "\n")
    ml = run("kedb-import", "--db", db, mails)

    def mail_limit():
        need(ml.returncode == 1 and "2 added" in ml.stdout and "1 failed" in ml.stdout,
             (ml.returncode, ml.stdout))
        need("mails.jsonl:2: more than 2000 '@'" in ml.stderr, ml.stderr)
    case("a row past a Markdown limit is reported with its line, the others imported",
         mail_limit)

    clash = os.path.join(tmp, "clash.csv")
    with open(clash, "w", encoding="utf-8") as f:
        f.write("id,title\nKE-1001,not a ticket\n")
    cl = run("kedb-import", "--db", db, clash)
    case("an id held by a known error is refused",
         lambda: need("belongs to a known_error" in cl.stderr and cl.returncode == 1,
                      cl.stderr))

    for name, args, want in [
        ("no file", ["--db", db], "usage"),
        ("missing file", ["--db", db, os.path.join(tmp, "nope.csv")], "cannot open"),
        ("bad map", ["--db", db, "--map", "nonsense", csv_path], "bad --map"),
        ("unknown target", ["--db", db, "--map", "color=x", csv_path], "unknown target"),
        ("bad format", ["--db", db, "--format", "xml", csv_path], "unknown format"),
        ("bad encoding", ["--db", db, "--encoding", "NOPE-42", csv_path], "cannot convert"),
    ]:
        def bad(args=args, want=want):
            r = run("kedb-import", *args)
            need(r.returncode == 2 and want in (r.stderr + r.stdout),
                 "exit %d: %s" % (r.returncode, r.stderr))
        case("usage error: %s" % name, bad)

    # the imported tickets through the real server, as a logged-in agent
    if not srv.serve():
        return 1
    r = api.login("importer", PASSWORD)
    need(r.status == 200, "login: %r" % r)
    token = r.json["token"]

    def get(path, **params):
        r = api.request("GET", api.q(path, **params) if params else path, token=token)
        need(r.status == 200, "%s: %r" % (path, r))
        return r.json

    def found():
        j = get("/api/v1/search", q="0x800CCC0E 收不到邮件 ", type="ticket")
        ids = [h["id"] for h in j["hits"]]
        need(set(ids[:2]) == {"T-2", "G-2"}, "hits %r" % ids)  # the GBK copy is the same
        need("995" in j["hits"][0]["workaround"], "resolution shown")
        item = get("/api/v1/kb/T-1")
        need(item["type"] == "ticket" and item["fields"]["resolved_by"] == "KE-1001",
             "fields kept: %r" % item["fields"])
        need("<script>" not in get("/api/v1/kb/T-6")["html"], "imported text is escaped")
    case("imported tickets are found by search", found)

    def suggested():
        body = json.dumps({"summary": "打印机卡纸", "description": "面板 13.A2.D4"}).encode()
        r = api.request("POST", "/api/v1/suggest", body=body, token=token,
                        headers={"Content-Type": "application/json"})
        need(r.status == 200, "suggest: %r" % r)
        j = r.json
        need("T-1" in [i["id"] for i in j["similar_incidents"]], "similar: %r" %
             j["similar_incidents"])
    case("imported tickets are suggested as similar incidents", suggested)
    srv.stop()


if __name__ == "__main__":
    api.run_main("test_import", main, prefix="kedb-import-test-")
