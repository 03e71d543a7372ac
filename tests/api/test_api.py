#!/usr/bin/env python3
"""End-to-end API tests for kedb-server (python3 standard library only).

Indexes tests/data into a temporary database with $KEDB_BIN/kedb-index, starts
$KEDB_BIN/kedb-server on a free 127.0.0.1 port, runs table-driven cases over real HTTP,
stops the server with SIGTERM and checks that it exits 0 without sanitizer reports.
Prints one line per failed case and ends with "test_api: N passed, N failed".
KEDB_VALGRIND=1 runs the server under valgrind (longer timeouts).
"""
import json
import os
import re
import subprocess
import threading
import time
import urllib.parse

import harness
from harness import (BIN, DATA, HOST, SLOW, STOP_TIMEOUT, TIMEOUT, WEB, case, check_error, get,
                     need, q, raw_exchange, request)

JSON_TYPE = {"Content-Type": "application/json"}  # every request body must say it is JSON


# --- checks -------------------------------------------------------------------------------

HIT_KEYS = {"id", "type", "title", "snippet", "score", "workaround", "status", "version",
            "updated", "url", "partial"}
DOC_KEYS = {"id", "type", "title", "status", "version", "updated", "path", "symptom", "cause",
            "workaround", "fix", "fields", "source", "html", "usage"}
ALL_IDS = ["KE-1001", "KE-1002", "KE-1003", "KE-1004", "KE-0901", "KE-1005", "ART-0101",
           "ART-0666", "YW-SC-001", "INC-20260101-0001"]


def check_search_shape(r):
    need(r.status == 200, "status %d: %r" % (r.status, r))
    j = r.json
    need(set(j) == {"query", "total", "total_exact", "took_ms", "did_you_mean", "hits",
                    "understood"}, "search keys %r" % sorted(j))
    u = j["understood"]
    need(set(u) == {"words", "dropped", "min_match"}, "understood keys %r" % sorted(u))
    need(all(isinstance(w, str) and w for w in u["words"]), "bad words %r" % u["words"])
    need(all(set(d) == {"word", "why"} and d["why"] in ("stopword", "not_found", "limit")
             for d in u["dropped"]), "bad dropped %r" % u["dropped"])
    need(isinstance(u["min_match"], int) and 0 <= u["min_match"] < max(2, len(u["words"])),
         "bad min_match %r" % u["min_match"])
    need(isinstance(j["total_exact"], bool), "total_exact not a boolean")
    need(isinstance(j["query"], str), "query not a string")
    need(isinstance(j["total"], int) and j["total"] >= 0, "bad total %r" % j["total"])
    need(isinstance(j["took_ms"], (int, float)) and j["took_ms"] >= 0, "bad took_ms")
    need(j["did_you_mean"] is None or isinstance(j["did_you_mean"], str), "bad did_you_mean")
    need(isinstance(j["hits"], list), "hits not a list")
    need(j["total"] >= len(j["hits"]), "total %d < %d hits" % (j["total"], len(j["hits"])))
    for h in j["hits"]:
        need(set(h) == HIT_KEYS, "hit keys %r" % sorted(h))
        need(h["url"] == "/api/v1/kb/" + urllib.parse.quote(h["id"], safe=""),
             "bad url %r for %r" % (h["url"], h["id"]))
        need(isinstance(h["score"], (int, float)), "score not a number")
        need(isinstance(h["partial"], bool), "partial not a boolean")
        need(not h["partial"] or u["min_match"] > 0, "partial hit of a query not relaxed")
        for k in HIT_KEYS - {"score", "partial"}:
            need(isinstance(h[k], str), "hit %s not a string" % k)
    return j


def search(**params):
    return check_search_shape(get(q("/api/v1/search", **params)))


def ids(j):
    return [h["id"] for h in j["hits"]]


def first_is(want, **params):
    def run():
        j = search(**params)
        need(j["hits"], "no hits for %r" % params)
        need(j["hits"][0]["id"] == want, "first hit %r, want %r (hits %r)" %
             (j["hits"][0]["id"], want, ids(j)))
        return j
    return run


def finds(want, **params):
    def run():
        j = search(**params)
        need(want in ids(j), "%r not in hits %r for %r" % (want, ids(j), params))
    return run


# --- cases --------------------------------------------------------------------------------


def search_cases():
    def paper_jam():
        j = first_is("KE-1001", q="打印机卡纸")()
        h = j["hits"][0]
        need(h["type"] == "known_error", "type %r" % h["type"])
        need(h["status"] == "published", "status %r" % h["status"])
        need("打印机" in h["title"], "title %r" % h["title"])
        need(h["workaround"].strip(), "empty workaround")
        need("残留的纸张" in h["workaround"] or "干燥" in h["workaround"],
             "workaround text %r" % h["workaround"])
        need("<mark>" in h["snippet"] and "</mark>" in h["snippet"],
             "snippet without <mark>: %r" % h["snippet"])
        need("<script" not in h["snippet"], "script in snippet")
        need(h["version"] == "3" and h["updated"] == "2026-10-12",
             "version/updated %r %r" % (h["version"], h["updated"]))
        need(j["total"] >= 1, "total %r" % j["total"])
    case("search zh 打印机卡纸 finds the paper-jam KE first", paper_jam)
    case("search traditional 印表機卡紙 finds the simplified KE",
         first_is("KE-1001", q="印表機卡紙"))
    case("search simplified finds the traditional KE", first_is("KE-1003", q="显示离线"))
    case("search traditional title words", first_is("KE-1003", q="網路印表機"))
    case("search two-character chinese 卡纸", finds("KE-1001", q="卡纸"))

    def outlook():
        j = first_is("KE-1002", q="outlook 0x800ccc0e")()
        need("<mark>" in j["hits"][0]["snippet"], "no <mark> in %r" % j["hits"][0]["snippet"])
        need("587" in j["hits"][0]["workaround"], "workaround %r" % j["hits"][0]["workaround"])
    case("search outlook 0x800ccc0e finds the Outlook KE first", outlook)
    case("search upper case", first_is("KE-1002", q="OUTLOOK 0X800CCC0E"))
    case("search full-width", first_is("KE-1002", q="ＯＵＴＬＯＯＫ　０ｘ８００ＣＣＣ０Ｅ"))

    def plus_is_space():
        r = get("/api/v1/search?q=outlook+0x800ccc0e")
        j = check_search_shape(r)
        need(j["hits"] and j["hits"][0]["id"] == "KE-1002", "hits %r" % ids(j))
        need(" " in j["query"], "'+' not decoded as a space: %r" % j["query"])
    case("search '+' in the query string is a space", plus_is_space)
    case("search error code alone", first_is("KE-1002", q="0x800CCC0E"))
    case("search prefix 0x800c*", finds("KE-1002", q="0x800c*"))
    # code variants: separators optional, hex leading zeros, never fuzzed
    case("search code without separators 13a2d4", first_is("KE-1001", q="13a2d4"))
    case("search code KB-5034441 finds KB5034441", first_is("KE-1004", q="KB-5034441"))
    case("search hex with leading zeros 0x00000000800CCC0E",
         first_is("KE-1002", q="0x00000000800CCC0E"))

    def code_not_fuzzed():
        # a trailing space ends the word: without it the last part is completed as typed
        for code in ("0x800ccc0f ", "13a2d5 ", "KB5034442 "):
            j = search(q=code)
            need(not {"KE-1001", "KE-1002", "KE-1004"} & set(ids(j)),
                 "%r found %r" % (code, ids(j)))
            need(not j.get("did_you_mean"), "%r corrected to %r" % (code, j["did_you_mean"]))
    case("search codes are never fuzzed", code_not_fuzzed)
    case("search English stemming", finds("KE-1004", q="installed updates"))
    case("search synonyms 蓝屏 -> blue screen / BSOD", finds("KE-1004", q="蓝屏"))
    case("search phrase", finds("KE-1001", q='"paper jam"'))

    def exclusion():
        j = search(q="outlook -0x800ccc0e")
        need("KE-1002" not in ids(j), "excluded KE-1002 returned")
        need("ART-0101" in ids(j), "ART-0101 missing: %r" % ids(j))
    case("search -word excludes", exclusion)

    def or_query():
        j = search(q="KB5034441 OR 0x800ccc0e")
        need({"KE-1002", "KE-1004"} <= set(ids(j)), "hits %r" % ids(j))
    case("search a OR b", or_query)

    def retired_default():
        j = search(q="Lotus Notes")
        need("KE-0901" not in ids(j), "retired KE returned by default: %r" % ids(j))
        for st in ("retired", "any"):
            j = search(q="Lotus Notes", status=st)
            need("KE-0901" in ids(j), "status=%s: KE-0901 missing: %r" % (st, ids(j)))
            hit = [h for h in j["hits"] if h["id"] == "KE-0901"][0]
            need(hit["status"] == "retired", "status %r" % hit["status"])
        j = search(q="Lotus Notes", status="retired")
        need(all(h["status"] == "retired" for h in j["hits"]), "non-retired hit with "
             "status=retired")
    case("search retired KE only with status=retired|any", retired_default)

    def draft():
        j = search(q="VPN 809", status="draft")
        need("KE-1005" in ids(j), "status=draft: KE-1005 missing: %r" % ids(j))
        need(all(h["status"] == "draft" for h in j["hits"]), "non-draft hit")
        j = search(q="VPN 809", status="published")
        need("KE-1005" not in ids(j), "status=published returned the draft: %r" % ids(j))
    case("search status filter draft/published", draft)

    def type_filter():
        j = search(q="outlook", type="article")
        need(j["hits"], "no article hits")
        need(all(h["type"] == "article" for h in j["hits"]), "non-article hit: %r" % ids(j))
        need("ART-0101" in ids(j), "ART-0101 missing")
        j = search(q="outlook", type="known_error")
        need("KE-1002" in ids(j) and "ART-0101" not in ids(j), "hits %r" % ids(j))
        need(all(h["type"] == "known_error" for h in j["hits"]), "non-KE hit: %r" % ids(j))
    case("search type filter parameter", type_filter)

    def type_in_query():
        j = search(q="type:article outlook")
        need(j["hits"] and all(h["type"] == "article" for h in j["hits"]),
             "hits %r" % [(h["id"], h["type"]) for h in j["hits"]])
    case("search type: in the query", type_in_query)
    case("search document by title", first_is("YW-SC-001", q="运维服务管理手册"))
    case("search ticket", finds("INC-20260101-0001", q="报销单", type="ticket"))

    def typo():
        j = search(q="outlok")
        need(isinstance(j["did_you_mean"], str) and "outlook" in j["did_you_mean"].lower(),
             "did_you_mean %r" % j["did_you_mean"])
    case("search did_you_mean for outlok", typo)

    def no_typo():
        j = search(q="outlook")
        need(j["did_you_mean"] is None, "did_you_mean %r for a correct word" % j["did_you_mean"])
    case("search no did_you_mean when spelt right", no_typo)

    def pinyin_slip():
        j = search(q="打印鸡卡纸")
        need(j["did_you_mean"] == "打印机卡纸", "did_you_mean %r" % j["did_you_mean"])
        need(ids(j)[:1] == ["KE-1001"], "hits %r" % ids(j))
    case("search did_you_mean for a pinyin slip (打印鸡)", pinyin_slip)

    def paging():
        all_hits = ids(search(q="outlook", status="any"))
        need(len(all_hits) >= 2, "need 2+ hits for paging: %r" % all_hits)
        j1 = search(q="outlook", status="any", limit="1")
        j2 = search(q="outlook", status="any", limit="1", offset="1")
        need(len(j1["hits"]) == 1 and len(j2["hits"]) == 1, "limit=1 gave %d/%d" %
             (len(j1["hits"]), len(j2["hits"])))
        need(j1["total"] == len(all_hits), "total %r != %d" % (j1["total"], len(all_hits)))
        need(ids(j1) + ids(j2) == all_hits[:2], "pages %r %r vs %r" % (ids(j1), ids(j2),
                                                                       all_hits))
        j = search(q="outlook", offset="10000")
        need(j["hits"] == [], "offset 10000 returned hits")
        j = search(q="outlook", limit="100")
        need(len(j["hits"]) <= 100, "more than 100 hits")
    case("search limit and offset", paging)

    for label, params in [
        ("limit=abc", {"limit": "abc"}), ("limit=-1", {"limit": "-1"}),
        ("limit=0", {"limit": "0"}), ("limit=101", {"limit": "101"}),
        ("limit=1.5", {"limit": "1.5"}), ("limit=99999999999999999999", {"limit": "9" * 20}),
        ("offset=-5", {"offset": "-5"}), ("offset=x", {"offset": "x"}),
        ("offset=10001", {"offset": "10001"}), ("type=bogus", {"type": "bogus"}),
        ("status=bogus", {"status": "bogus"}),
    ]:
        def bad(params=params):
            check_error(get(q("/api/v1/search", q="outlook", **params)), 400, "invalid")
        case("search rejects " + label, bad)

    def empty(target):
        def run():
            j = check_search_shape(get(target))
            need(j["total"] == 0 and j["hits"] == [] and j["did_you_mean"] is None,
                 "not empty: %r" % j)
        return run
    case("search without q is empty", empty("/api/v1/search"))
    case("search with empty q is empty", empty("/api/v1/search?q="))
    case("search with blank q is empty", empty("/api/v1/search?q=%20%20%09"))

    for label, raw in [("0xFF", "%FF"), ("0xC3 0x28", "%C3%28"), ("surrogate", "%ED%A0%80"),
                       ("overlong", "%C0%AF"), ("truncated", "%E6%89")]:
        def bad_utf8(raw=raw):
            e = check_error(get("/api/v1/search?q=abc" + raw), 400, "invalid")
            need("utf-8" in e["message"].lower(), "message %r" % e["message"])
        case("search invalid UTF-8 (%s) is 400" % label, bad_utf8)
    case("search NUL byte is 400",
         lambda: check_error(get("/api/v1/search?q=a%00b"), 400, "invalid"))


HOSTILE = [
    '"打印机 卡纸', 'outlook"', "AND", "OR", "NOT", "-", "*", "NEAR(", "NEAR(a b", '"', '""',
    "title:foo", "type:", "status:nonsense", "tag:", "product:\"", "'; DROP TABLE doc;--",
    "' OR 1=1 --", "\x01\x02\x07\x1b[31m", "a\tb\r\nc", "(((", ")))", "^", "C++", "kb-5034441",
    "v1.2", "%", "%%", "\\", "0x800ccc0e*", "**", "-outlook", "- - -", "OR OR AND",
    "打印机 OR", "AND 卡纸", "😀🖨️", "\u202eevil", "zero\u200bwidth", "x" * 300,
    "打" * 800, "a " * 1300,
]


def hostile_cases():
    for i, text in enumerate(HOSTILE):
        def run(text=text):
            target = q("/api/v1/search", q=text)
            need(len(target) <= 8192, "case too long for a URL")
            check_search_shape(get(target))
        case("hostile query #%d %s" % (i, ascii(text[:20])), run)

    def biggest_fitting():
        # The largest query that fits the 8 KiB URL limit (longer than the 4 KiB query
        # limit, which the server shortens instead of failing).
        text = "outlook " * 1000
        target = q("/api/v1/search", q=text)
        target = target[:8192]
        target = target[: target.rfind("%20")]
        need(len(target) > 4096, "not long enough")
        check_search_shape(get(target))
    case("hostile query near 8 KiB URL is 200", biggest_fitting)

    def ten_kb():
        # A 10 KB query cannot fit the 8 KiB URL limit: the server must refuse it cleanly.
        check_error(get(q("/api/v1/search", q="a" * 10240)), 414, "too_big")
    case("hostile 10 KB query gets 414 JSON", ten_kb)

    def db_intact():
        j = search(q="打印机卡纸")
        need(j["hits"] and j["hits"][0]["id"] == "KE-1001", "search broken after hostile "
             "queries: %r" % ids(j))
        h = get("/healthz").json
        need(h["documents"] == len(ALL_IDS), "documents %r" % h["documents"])
    case("database intact after hostile queries", db_intact)


def kb_cases():
    def ke():
        r = get("/api/v1/kb/KE-1001")
        need(r.status == 200, "status %d" % r.status)
        d = r.json
        need(set(d) == DOC_KEYS, "keys %r" % sorted(d))
        need(d["id"] == "KE-1001" and d["type"] == "known_error", "id/type %r/%r" %
             (d["id"], d["type"]))
        need("打印机卡纸" in d["title"], "title %r" % d["title"])
        need(d["status"] == "published" and d["version"] == "3" and
             d["updated"] == "2026-10-12", "status/version/updated")
        need("13.A2.D4" in d["symptom"], "symptom %r" % d["symptom"])
        need("进纸辊" in d["cause"], "cause %r" % d["cause"])
        need("70g" in d["workaround"], "workaround %r" % d["workaround"])
        need("RM2-5425" in d["fix"], "fix %r" % d["fix"])
        need(d["path"].endswith("ke-1001-printer-jam.md"), "path %r" % d["path"])
        need(d["source"].startswith("---") and "## 临时解决方案" in d["source"], "source")
        f = d["fields"]
        need(isinstance(f, dict), "fields not an object")
        need(f.get("tags") == ["打印机", "卡纸", "硬件"], "tags %r" % f.get("tags"))
        need(f.get("owner") == "桌面支持组", "owner %r" % f.get("owner"))
        need("<h2" in d["html"] and "RM2-5425" in d["html"], "html %r" % d["html"][:200])
    case("kb/{id} returns the full item", ke)

    def encoded_id():
        r = get("/api/v1/kb/KE%2D1001")
        need(r.status == 200 and r.json["id"] == "KE-1001", "status %d" % r.status)
    case("kb/{id} path parameter is percent-decoded", encoded_id)

    def doc_fields():
        d = get("/api/v1/kb/YW-SC-001").json
        need(d["type"] == "document", "type %r" % d["type"])
        need(d["fields"].get("storage_location") == "质量部文件柜 A-3", "fields %r" % d["fields"])
        need(d["fields"].get("retention_period") == "3年", "retention %r" % d["fields"])
    case("kb/{id} document fields", doc_fields)

    def missing():
        e = check_error(get("/api/v1/kb/KE-9999"), 404, "not_found")
        need("KE-9999" in e["message"], "message %r" % e["message"])
    case("kb/{id} unknown id is 404", missing)
    for label, target in [("space", "/api/v1/kb/KE%201001"), ("chinese", "/api/v1/kb/%E6%89%93"),
                          ("slash", "/api/v1/kb/a%2Fb"), ("quote", "/api/v1/kb/a'b"),
                          ("65 chars", "/api/v1/kb/" + "A" * 65)]:
        case("kb/{id} rejects invalid id (%s)" % label,
             lambda target=target: check_error(get(target), 400, "invalid"))

    def sections():
        r = get("/api/v1/kb-sections")
        need(r.status == 200, "status %d" % r.status)
        secs = r.json["sections"]
        need([x["key"] for x in secs] == ["symptom", "cause", "workaround", "fix"],
             "keys %r" % secs)
        need([x["column"] for x in secs] == ["symptom", "body", "workaround", "workaround"],
             "columns %r" % secs)
        need([x["weight"] for x in secs] == [3.0, 1.0, 2.0, 2.0], "weights %r" % secs)
        by = {x["key"]: x for x in secs}
        need(by["workaround"]["label"] == {"zh": "临时解决方案", "en": "Workaround"},
             "label %r" % by["workaround"])
        need("现象" in by["symptom"]["headings"] and "root cause" in by["cause"]["headings"],
             "headings %r" % secs)
        need(by["workaround"]["ticket_headings"][0] == "解决过程", "ticket headings")
        # every section is a field of a known error, and no other field is one
        d = get("/api/v1/kb/KE-1001").json
        need(all(isinstance(d.get(k), str) for k in by), "item fields %r" % sorted(d))
    case("kb-sections: the section table", sections)

    def sections_bad():
        check_error(request("POST", "/api/v1/kb-sections", body=b"{}"), 405, "invalid")
        check_error(request("PUT", "/api/v1/kb-sections", body=b"{}"), 405, "invalid")
        check_error(get("/api/v1/kb-sections/extra"), 404, "not_found")
        check_error(get("/api/v1/kb-sections/%2e%2e"), 404, "not_found")
        check_error(get("/api/v1/kb-sections?x=%FF"), 400, "invalid")
        r = get("/api/v1/kb-sections?lang=" + "z" * 5000)
        need(r.status == 200 and len(r.json["sections"]) == 4, "query ignored: %r" % r)
    case("kb-sections: bad methods, paths and queries", sections_bad)

    def sanitised():
        d = get("/api/v1/kb/ART-0666").json
        html = d["html"].lower()
        need("正常内容" in d["html"], "benign text missing: %r" % d["html"][:200])
        need("intranet.example.com" in html, "safe link dropped")
        for bad in ("<script", "javascript:", "onerror", "<iframe"):
            need(bad not in html, "%r in html: %r" % (bad, d["html"]))
    case("kb html has no script, javascript: or handlers", sanitised)

    def all_sanitised():
        for i in ALL_IDS:
            r = get("/api/v1/kb/" + i)
            need(r.status == 200, "%s: status %d" % (i, r.status))
            html = r.json["html"].lower()
            need("<script" not in html and "javascript:" not in html, "%s html unsafe" % i)
    case("kb html of every item is safe", all_sanitised)


def complete_cases():
    def zh():
        r = get(q("/api/v1/complete", q="打印"))
        need(r.status == 200, "status %d" % r.status)
        j = r.json
        need(set(j) == {"query", "completions"}, "keys %r" % sorted(j))
        c = j["completions"]
        need(isinstance(c, list) and 0 < len(c) <= 10, "completions %r" % c)
        need(all(isinstance(s, str) for s in c), "non-string completion")
        need(any("打印" in s for s in c), "no completion contains 打印: %r" % c)
    case("complete chinese prefix", zh)

    def en():
        c = get(q("/api/v1/complete", q="outl")).json["completions"]
        need(any("outlook" in s.lower() for s in c), "no outlook completion: %r" % c)
    case("complete english prefix", en)

    def empty():
        j = get("/api/v1/complete").json
        need(j == {"query": "", "completions": []}, "got %r" % j)
    case("complete without q is empty", empty)
    case("complete invalid UTF-8 is 400",
         lambda: check_error(get("/api/v1/complete?q=%FF"), 400, "invalid"))


def suggest_cases():
    def post(body, raw=False):
        data = body if raw else json.dumps(body).encode()
        return request("POST", "/api/v1/suggest", body=data,
                       headers={"Content-Type": "application/json"})

    def paper_jam_mail():
        # a whole e-mail: the informative words are picked, the known error comes first
        r = post({"summary": "财务部打印机老是卡纸",
                  "description": "Dear IT,\n今天上午打印报销单时 HP 打印机反复卡纸，面板显示 13.A2.D4，"
                                 "取出纸以后还是不行。Please help, thanks!\n-- 王芳 分机 8123"})
        need(r.status == 200, "status %d: %s" % (r.status, r.text))
        j = r.json
        need(j["known_errors"] and j["known_errors"][0]["id"] == "KE-1001",
             "first known error: %s" % [k["id"] for k in j["known_errors"]])
        ke = j["known_errors"][0]
        need(ke["workaround"], "the suggestion shows its workaround")
        need(any(m in ("13.a2.d4", "卡纸") for m in ke["matched"]), "matched: %s" % ke["matched"])
        need("<mark>" in ke["snippet"], "snippet marks the match")
        need("13.a2.d4" in j["terms"], "the error code is among the picked words: %s" % j["terms"])
        need("dear" not in j["terms"] and "please" not in j["terms"], "greetings are not words")

    def similar_incident():
        r = post({"summary": "网络打印机脱机", "description": "三楼的打印机在所有电脑上都显示脱机"})
        j = r.json
        need(r.status == 200, "status %d" % r.status)
        need([i["id"] for i in j["similar_incidents"]][:1] == ["INC-20260101-0001"],
             "similar incidents: %s" % [i["id"] for i in j["similar_incidents"]])
        need("IP" in j["similar_incidents"][0]["workaround"], "how it was resolved is shown")

    def published_only():
        r = post({"summary": "VPN 客户端连接超时 809"})
        j = r.json
        need(r.status == 200, "status %d" % r.status)
        need("KE-1005" not in [k["id"] for k in j["known_errors"]], "drafts are not suggested")

    def nothing_known():
        r = post({"summary": "zzzz qqqq", "description": ""})
        j = r.json
        need(r.status == 200 and j["known_errors"] == [] and j["similar_incidents"] == [],
             "nothing to suggest: %s" % r.text)

    def huge_log():
        text = ("2026-11-27 10:00:01 ERROR ORA-01017 invalid username/password\n" * 5000)[:900000]
        r = post({"summary": "log", "description": text})
        need(r.status == 200, "a pasted log is handled: %d" % r.status)

    case("suggest: paper jam e-mail", paper_jam_mail)
    case("suggest: similar incident", similar_incident)
    case("suggest: published only", published_only)
    case("suggest: nothing known", nothing_known)
    case("suggest: huge pasted log", huge_log)
    for name, body, raw, code in [
        ("not JSON", b"{summary:", True, "parse_error"),
        ("not an object", [1, 2], False, "invalid"),
        ("wrong type", {"summary": 5}, False, "invalid"),
        ("bad limit", {"summary": "x", "limit": 0}, False, "invalid"),
        ("empty body", b"", True, "invalid"),
    ]:
        case("suggest: bad input, %s" % name,
             lambda body=body, raw=raw, code=code: check_error(post(body, raw), 400, code))
    def feedback():
        r = request("POST", "/api/v1/suggest/feedback", headers=JSON_TYPE,
                    body=json.dumps({"kb_id": "KE-1002", "helpful": True}).encode())
        need(r.status == 200 and r.json["helpful"] >= 1, "feedback: %d %s" % (r.status, r.text))
        r = request("POST", "/api/v1/suggest/feedback", headers=JSON_TYPE,
                    body=json.dumps({"kb_id": "KE-1002", "helpful": False}).encode())
        need(r.status == 200 and r.json["not_helpful"] >= 1, "feedback: %s" % r.text)
        u = get("/api/v1/kb/KE-1002").json.get("usage")
        need(u and u["helpful"] >= 1 and u["not_helpful"] >= 1 and u["resolved"] == 0,
             "usage shown with the item: %r" % u)

    def feedback_bad():
        for body, status, code in [({"kb_id": "KE-9999", "helpful": True}, 404, "not_found"),
                                   ({"helpful": True}, 400, "invalid"),
                                   ({"kb_id": "KE-1002", "helpful": "yes"}, 400, "invalid"),
                                   ({"kb_id": "KE-1002"}, 400, "invalid")]:
            check_error(request("POST", "/api/v1/suggest/feedback", headers=JSON_TYPE,
                                body=json.dumps(body).encode()), status, code)
        check_error(request("POST", "/api/v1/suggest/feedback", body=b"nope",
                            headers=JSON_TYPE), 400, "parse_error")

    def gaps():
        r = get(q("/api/v1/search", q="zzqgapword", final="1"))
        need(r.status == 200 and r.json["total"] == 0, "a search that finds nothing")
        get(q("/api/v1/search", q="zzqgapword", final="1"))
        get(q("/api/v1/search", q="zzqtypingonly"))  # not final: not a gap
        g = get(q("/api/v1/reports/gaps", limit="100")).json["gaps"]
        by = {x["query"]: x["count"] for x in g}
        need(by.get("zzqgapword") == 2, "gap counted twice: %r" % g)
        need("zzqtypingonly" not in by, "typing is not a gap")
        need(all(re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$", x["last"]) for x in g),
             "times are ISO-8601 UTC")
        g = get(q("/api/v1/reports/gaps", since="2999-01-01")).json["gaps"]
        need(g == [], "nothing since the future: %r" % g)

    def gaps_bad():
        check_error(get(q("/api/v1/reports/gaps", since="yesterday")), 400, "invalid")
        check_error(get(q("/api/v1/reports/gaps", limit="0")), 400, "invalid")
        check_error(get(q("/api/v1/reports/gaps", limit="abc")), 400, "invalid")

    case("suggest: feedback recorded and shown", feedback)
    case("suggest: feedback bad input", feedback_bad)
    case("gaps: searches that found nothing", gaps)
    case("gaps: bad input", gaps_bad)
    case("suggest: GET is 405", lambda: check_error(get("/api/v1/suggest"), 405,
                                                     "invalid"))


def route_cases():
    def health():
        r = get("/healthz")
        need(r.status == 200, "status %d" % r.status)
        need(r.json == {"status": "ok", "documents": len(ALL_IDS)}, "got %r" % r.json)
        need(r.headers.get("x-content-type-options") == "nosniff", "no nosniff header")
    case("healthz", health)

    def head():
        r = request("HEAD", "/healthz")
        need(r.status == 200 and r.body == b"", "status %d body %r" % (r.status, r.body))
        need(r.headers.get("content-type", "").startswith("application/json"), "type")
    case("HEAD healthz", head)

    def unknown(target):
        return lambda: check_error(get(target), 404, "not_found")
    case("unknown api route is 404 JSON", unknown("/api/v1/nope"))
    case("unknown api version is 404 JSON", unknown("/api/v2/search?q=x"))
    case("unknown file is 404 JSON", unknown("/nope.html"))
    case("search with trailing segment is 404", unknown("/api/v1/search/extra"))
    case("POST to unknown api route is 404", lambda: check_error(
        request("POST", "/api/v1/nope", body=b"{}"), 404, "not_found"))

    def wrong_method(method, target, body=None):
        def run():
            r = request(method, target, body=body)
            check_error(r, 405, "invalid")
            allow = r.headers.get("allow", "")
            need("GET" in allow and "HEAD" in allow, "Allow %r" % allow)
        return run
    case("POST search is 405 with Allow", wrong_method("POST", "/api/v1/search", b"q=x"))
    case("DELETE kb item is 405 with Allow", wrong_method("DELETE", "/api/v1/kb/KE-1001"))
    case("PUT healthz is 405 with Allow", wrong_method("PUT", "/healthz", b"{}"))

    def too_big_length():
        size = 2 * 1024 * 1024
        head = ("POST /api/v1/search HTTP/1.1\r\nHost: %s\r\nContent-Type: "
                "application/octet-stream\r\nContent-Length: %d\r\n\r\n" % (HOST, size)).encode()
        chunk = b"x" * 65536
        r = raw_exchange(head, [chunk] * (size // len(chunk)))
        check_error(r, 413, "too_big")
    case("2 MiB POST body is 413", too_big_length)

    def too_big_chunked():
        head = ("POST /api/v1/search HTTP/1.1\r\nHost: %s\r\nTransfer-Encoding: chunked\r\n\r\n"
                % HOST).encode()
        piece = b"y" * 65536
        chunks = [b"%x\r\n%s\r\n" % (len(piece), piece)] * 24 + [b"0\r\n\r\n"]
        r = raw_exchange(head, chunks)
        check_error(r, 413, "too_big")
    case("1.5 MiB chunked POST body is 413", too_big_chunked)

    def small_body_ok():
        r = request("POST", "/api/v1/search", body=b"x" * 1000)
        check_error(r, 405, "invalid")
    case("small POST body reaches the router", small_body_ok)

    def long_url():
        r = get("/api/v1/search?q=" + "a" * 20000)
        e = check_error(r, 414, "too_big")
        need("8 KiB" in e["message"], "message %r" % e["message"])
    case("20 KB URL is 414", long_url)

    def url_at_limit():
        target = "/api/v1/search?q=" + "b" * (8192 - len("/api/v1/search?q="))
        need(len(target) == 8192, "length")
        check_search_shape(get(target))
    case("8 KiB URL is accepted", url_at_limit)

    def big_headers():
        head = ("GET /healthz HTTP/1.1\r\nHost: %s\r\n" % HOST).encode()
        head += b"".join(b"X-Filler-%d: %s\r\n" % (i, b"z" * 1000) for i in range(100))
        r = raw_exchange(head + b"\r\n")
        need(r.status == 431, "status %d, want 431" % r.status)
        need(get("/healthz").status == 200, "server unhealthy after 431")
    case("100 KB of headers is 431", big_headers)


def reader_cases():
    """Every handler reads paging, numbers, dates, flags and path ids with the same readers
    (server/req.c), so bad input gets one wording wherever it is sent."""
    num = r"^'%s' must be a whole number from %d to \d+, not '%s'$"
    day = r"^'%s' must be a date YYYY-MM-DD, not '%s'$"
    flag = r"^'%s' must be 1 \(or true\) or 0 \(or false\), not '%s'$"
    path_id = r"^invalid %s '%s': use 1 to 64 letters, digits, '\.', '_' or '-'$"
    rows = [
        ("/api/v1/search?q=x&limit=0", num % ("limit", 1, "0")),
        ("/api/v1/search?q=x&offset=-1", num % ("offset", 0, "-1")),
        ("/api/v1/incidents?limit=0", num % ("limit", 1, "0")),
        ("/api/v1/incidents?offset=x", num % ("offset", 0, "x")),
        ("/api/v1/incidents/at-risk?limit=101", num % ("limit", 1, "101")),
        ("/api/v1/incidents/at-risk?within=soon", num % ("within", 0, "soon")),
        ("/api/v1/incidents?from=2026-02-30", day % ("from", "2026-02-30")),
        ("/api/v1/incidents?to=today", day % ("to", "today")),
        ("/api/v1/incidents?complaint=maybe", flag % ("complaint", "maybe")),
        ("/api/v1/documents?limit=0", num % ("limit", 1, "0")),
        ("/api/v1/documents?as_of=2026-13-01", day % ("as_of", "2026-13-01")),
        ("/api/v1/documents?all_versions=yes", flag % ("all_versions", "yes")),
        ("/api/v1/document-requests?limit=1001", num % ("limit", 1, "1001")),
        ("/api/v1/document-requests?overdue=2", flag % ("overdue", "2")),
        ("/api/v1/reports/gaps?limit=501", num % ("limit", 1, "501")),
        ("/api/v1/reports/gaps?since=yesterday", day % ("since", "yesterday")),
        ("/api/v1/reports/problems?limit=0", num % ("limit", 1, "0")),
        ("/api/v1/reports/problems?min=1", num % ("min", 2, "1")),
        ("/api/v1/backups?limit=0", num % ("limit", 1, "0")),
        ("/api/v1/audit?limit=0", num % ("limit", 1, "0")),
        ("/api/v1/audit?offset=1.5", num % ("offset", 0, "1\\.5")),
        ("/api/v1/audit?from=2026-3-1", day % ("from", "2026-3-1")),
        ("/api/v1/kb/a%20b", path_id % ("id", "a b")),
        ("/api/v1/kb/a%20b/versions", path_id % ("id", "a b")),
        ("/api/v1/kb/KE-1001/versions/0", num % ("n", 1, "0")),
        ("/api/v1/documents/a%20b", path_id % ("doc_no", "a b")),
        ("/api/v1/document-requests/a%20b", path_id % ("id", "a b")),
    ]

    def one_wording():
        for target, want in rows:
            e = check_error(get(target), 400, "invalid")
            need(re.match(want, e["message"]), "%s: message %r, want /%s/" %
                 (target, e["message"], want))
        e = check_error(request("POST", "/api/v1/backups/x/verify"), 400, "invalid")
        need(re.match(num % ("id", 1, "x"), e["message"]), "backup id: %r" % e["message"])
        for body in ({"summary": "printer", "limit": 0}, {"summary": "printer", "limit": "3"}):
            e = check_error(request("POST", "/api/v1/suggest", body=json.dumps(body).encode(),
                                    headers={"Content-Type": "application/json"}),
                            400, "invalid")
            need(re.match(r"^field 'limit' must be a whole number from 1 to \d+$",
                          e["message"]), "suggest limit: %r" % e["message"])
    case("bad query arguments and path ids get one wording everywhere", one_wording)

    def empty_is_absent():
        for target in ("/api/v1/search?q=printer&limit=&offset=", "/api/v1/incidents?limit=",
                       "/api/v1/documents?limit=&as_of=&all_versions=",
                       "/api/v1/document-requests?limit=&overdue=",
                       "/api/v1/reports/gaps?limit=&since=", "/api/v1/backups?limit=",
                       "/api/v1/audit?limit=&offset=&from="):
            r = get(target)
            need(r.status == 200, "%s: %r" % (target, r))
    case("an empty query argument counts as absent", empty_is_absent)


def static_cases():
    def index():
        r = get("/")
        need(r.status == 200, "status %d" % r.status)
        need(r.headers.get("content-type") == "text/html; charset=utf-8",
             "type %r" % r.headers.get("content-type"))
        need("default-src 'self'" in r.headers.get("content-security-policy", ""), "no CSP")
        need(r.headers.get("x-content-type-options") == "nosniff", "no nosniff")
        need('lang="zh-CN"' in r.text and "app.js" in r.text and "<input" in r.text,
             "not the search page")
        need(r.body == open(os.path.join(WEB, "index.html"), "rb").read(), "body differs")
    case("GET / serves web/index.html", index)

    for name, ctype in [("app.js", "text/javascript; charset=utf-8"),
                        ("style.css", "text/css; charset=utf-8"),
                        ("index.html", "text/html; charset=utf-8")]:
        def static(name=name, ctype=ctype):
            r = get("/" + name)
            need(r.status == 200, "status %d" % r.status)
            need(r.headers.get("content-type") == ctype, "type %r" % r.headers.get(
                "content-type"))
            need(r.body == open(os.path.join(WEB, name), "rb").read(), "body differs")
        case("static %s" % name, static)

    secret_marks = (b"PKG_CFLAGS", b"root:", b"[core]", b"kb_status")
    for target in ["/../Makefile", "/%2e%2e/Makefile", "/%2E%2E/%2e%2e/etc/passwd",
                   "/..%2fMakefile", "/%2e%2e%2fMakefile", "/web/../Makefile",
                   "/./../Makefile", "/index.html%00.css", "/%00", "/..%5cMakefile",
                   "/%5c..%5cMakefile", "/..\\Makefile", "/.git/config", "/%2e%2e%2f%2e%2e%2f"
                   "etc%2fpasswd", "//etc/passwd", "/%c0%ae%c0%ae/Makefile",
                   "/....//Makefile", "/api/../Makefile"]:
        def traversal(target=target):
            r = get(target)
            need(r.status in (400, 404), "status %d for %r" % (r.status, target))
            check_error(r, r.status, "invalid" if r.status == 400 else "not_found")
            need(not any(m in r.body for m in secret_marks), "leaked file content")
        case("static traversal rejected %s" % target, traversal)

    def directory():
        r = get("/tests/")
        check_error(r, 404, "not_found")
    case("no directory listing", directory)


def concurrency_case():
    queries = [("打印机卡纸", "KE-1001"), ("outlook 0x800ccc0e", "KE-1002"),
               ("显示离线", "KE-1003"), ("KB5034441", "KE-1004")]
    errors = []
    lock = threading.Lock()

    def worker(n):
        for i in range(50):
            text, want = queries[(n + i) % len(queries)]
            try:
                r = get(q("/api/v1/search", q=text), timeout=TIMEOUT * 3)
                j = r.json if r.status == 200 else None
                if r.status != 200 or not j["hits"] or j["hits"][0]["id"] != want:
                    with lock:
                        errors.append("%s -> %d %r" % (text, r.status, r.body[:120]))
            except Exception as e:
                with lock:
                    errors.append("%s -> %s: %s" % (text, type(e).__name__, e))

    def run():
        threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        need(not errors, "%d of 400 failed, first: %s" % (len(errors), errors[:3]))
    case("concurrency 8 threads x 50 searches", run)


def reindex_case(db, tmp):
    """Indexing more files while the server runs: new items appear without a restart, and a
    bad file is reported and skipped without harming the rest."""
    extra = os.path.join(tmp, "extra")
    os.makedirs(extra)
    with open(os.path.join(extra, "ke-8001.md"), "w", encoding="utf-8") as f:
        f.write("---\nid: KE-8001\ntype: known_error\ntitle: Quokka scanner 扫描仪无法启动\n"
                "status: published\n---\n## Symptom\nThe quokka scanner does not start.\n\n"
                "## Workaround\nUnplug the USB cable and plug it in again.\n")
    with open(os.path.join(extra, "bad-no-front-matter.md"), "w", encoding="utf-8") as f:
        f.write("# no front matter\nid: KE-8002\n")
    # issue 9: a 4,000-column table made cmark-gfm pad 16 million cells
    with open(os.path.join(extra, "hostile-table.md"), "w", encoding="utf-8") as f:
        f.write("---\nid: KE-8003\ntype: known_error\ntitle: wide\nstatus: published\n---\n"
                "## Symptom\n|" + "a|" * 4000 + "\n|" + "-|" * 4000 + "\n" + "x\n" * 4000)

    def run():
        t0 = time.monotonic()
        r = subprocess.run([os.path.join(BIN, "kedb-index"), "--db", db, DATA, extra],
                           capture_output=True, timeout=300)
        took = time.monotonic() - t0
        need(r.returncode == 1, "kedb-index with a bad file: exit %d" % r.returncode)
        need(b"bad-no-front-matter.md" in r.stderr, "bad file not reported: %r" %
             r.stderr[-300:])
        need(b"hostile-table.md:9: a table has 4000 columns, more than the limit of 64" in
             r.stderr, "hostile table not reported: %r" % r.stderr[-300:])
        need(took < 30 * SLOW, "kedb-index took %.1f s" % took)
        check_error(get("/api/v1/kb/KE-8003"), 404, "not_found")
        h = get("/healthz").json
        need(h["documents"] == len(ALL_IDS) + 1, "documents %r after re-index" % h["documents"])
        j = search(q="quokka")
        need(ids(j)[:1] == ["KE-8001"], "new item not found: %r" % ids(j))
        need("USB" in j["hits"][0]["workaround"], "workaround %r" % j["hits"][0]["workaround"])
        check_error(get("/api/v1/kb/KE-8002"), 404, "not_found")
        j = search(q="打印机卡纸")
        need(ids(j)[:1] == ["KE-1001"], "old items disturbed: %r" % ids(j))
    case("re-index while serving (new item visible, bad file skipped)", run)


def cli_cases(server, db):
    def usage():
        r = subprocess.run([server], capture_output=True, timeout=STOP_TIMEOUT)
        need(r.returncode == 2, "no args: exit %d" % r.returncode)
        need(b"--db" in r.stderr, "no usage text: %r" % r.stderr[:200])
        r = subprocess.run([server, "--db", db, "--port", "http"], capture_output=True,
                           timeout=STOP_TIMEOUT)
        need(r.returncode == 2, "bad port: exit %d" % r.returncode)
        r = subprocess.run([server, "--db", db, "--bogus"], capture_output=True,
                           timeout=STOP_TIMEOUT)
        need(r.returncode == 2, "unknown option: exit %d" % r.returncode)
        r = subprocess.run([server, "--help"], capture_output=True, timeout=STOP_TIMEOUT)
        need(r.returncode == 0 and b"usage" in r.stdout, "--help: exit %d" % r.returncode)
    case("server usage errors exit 2", usage, needs_server=False)

    def missing_db():
        r = subprocess.run([server, "--db", db + ".missing", "--port", "0"],
                           capture_output=True, timeout=STOP_TIMEOUT)
        need(r.returncode == 1, "exit %d" % r.returncode)
        need(b"listening on" not in r.stdout, "listened without a database")
        need(b"cannot open database" in r.stderr, "stderr %r" % r.stderr[-300:])
        need(not os.path.exists(db + ".missing"), "the server created a database")
    case("server refuses a missing database", missing_db, needs_server=False)


def main(tmp):
    srv = harness.Served(tmp, args=["--web", WEB, "--threads", "4"])
    db = srv.db
    if not srv.index():
        return 1
    case("kedb-index created the database", lambda: need(os.path.exists(db),
                                                         "no database created"),
         needs_server=False)
    if not srv.serve():
        return 1

    search_cases()
    hostile_cases()
    kb_cases()
    complete_cases()
    suggest_cases()
    route_cases()
    reader_cases()
    static_cases()
    concurrency_case()
    reindex_case(db, tmp)
    cli_cases(os.path.join(BIN, "kedb-server"), db)

    def access_log():
        log = srv.log()
        need(re.search(r"msg=access request_id=[0-9a-f]{24} method=GET route=/healthz "
                       r"path=/healthz params=0 status=200 bytes=\d+ duration_ms=", log),
             "no access line for /healthz")
        need(re.search(r"method=POST route=\S+ path=/api/v1/search params=\d+ status=413", log),
             "no access line for the 413")
        lines = [l for l in log.splitlines() if " msg=access " in l]
        need(lines and all(len(l) < 700 for l in lines), "access line longer than 700 bytes")
    case("access log lines", access_log, needs_server=False)
    srv.stop()


if __name__ == "__main__":
    harness.run_main("test_api", main, prefix="kedb-api-")
