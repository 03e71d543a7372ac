#!/usr/bin/env python3
"""End-to-end tests of satisfaction surveys (python3 standard library only).

Starts $KEDB_BIN/kedb-server with a fake clock: an agent creates a survey for a period and a
department with rating and text questions, adds recipients and gets their one-time links
(64 hex digits, shown once); the public routes answer without an account: the survey by its
token (nothing else: no session, no other route), one answer per link (409 the second),
404 for an unknown or malformed token (429 after too many from one address), 403 expired or
closed, 400 for answers that do not fit the questions or are too long; results per question
and department; roles; the audit trail. Ends with "test_surveys: N passed, N failed".
"""
import json
import os
import sys
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as api  # noqa: E402  (the shared harness: case, request, checks)

from harness import call, check_error, need, ok, set_now  # noqa: E402

case = api.case
T0 = 1772438400  # 2026-03-02T08:00:00Z
DAY = 86400
USERS = [("agent1", "agent"), ("eng1", "engineer"), ("aud1", "auditor")]
TOK = {}
ST = {}
SURVEY = {"name": "2026 年 3 月满意度调查", "department": "财务部", "period_from": "2026-03-01",
          "period_to": "2026-03-31", "intro": "请花一分钟填写",
          "questions": [{"text": "服务态度", "kind": "rating", "required": True},
                        {"text": "响应速度", "kind": "rating"},
                        {"text": "其他意见", "kind": "text"}]}


def pub(token, body=None, method=None, raw=None):
    path = "/api/v1/public/survey/" + token
    if body is None and method is None and raw is None:
        return call("GET", path, token=None)
    return call(method or "POST", path, body, raw=raw, token=None)


def relogin():
    for name, _ in USERS:
        r = api.login(name, api.user_password(name))
        need(r.status == 200, "%s: %r" % (name, r))
        TOK[name] = r.json["token"]
    api.default_token(fresh=True)


def setup_cases():
    case("users log in", relogin)

    def create():
        s = ok(call("POST", "/api/v1/surveys", SURVEY, token=TOK["agent1"]), 201)
        need(s["name"] == SURVEY["name"] and len(s["questions"]) == 3 and
             s["questions"][1] == {"kind": "rating", "text": "响应速度", "required": False} and
             s["recipients"] == 0 and s["closed"] is False, s)
        ST["id"] = s["id"]
        r = call("POST", "/api/v1/surveys/%d/recipients" % s["id"],
                 {"recipients": [{"name": "王芳", "contact": "13800138000"},
                                 {"name": "李雷", "department": "人事部"},
                                 {"name": "韩梅"}, {"name": "赵敏"}], "days": 30},
                 token=TOK["agent1"])
        j = ok(r, 201)
        need(len(j["links"]) == 4 and all(len(x["token"]) == 64 for x in j["links"]) and
             j["links"][0]["url"] == "/survey.html#" + j["links"][0]["token"], j)
        ST["tokens"] = [x["token"] for x in j["links"]]
        rs = ok(call("GET", "/api/v1/surveys/%d/recipients" % s["id"], token=TOK["agent1"]))
        need(rs["total"] == 4 and "token" not in rs["recipients"][0] and
             rs["recipients"][1]["department"] == "人事部" and
             rs["recipients"][0]["department"] == "财务部", rs)
        need(all(t not in json.dumps(rs) for t in ST["tokens"]), "a token listed")
    case("an agent creates a survey and gets one-time links for its recipients", create)


def public_cases():
    def read():
        r = pub(ST["tokens"][0])
        j = ok(r)
        need(j["name"] == SURVEY["name"] and j["answered"] is False and len(j["questions"]) == 3
             and "id" not in j and "recipients" not in j and "created_by" not in j, j)
        need(j["answer_max_bytes"] == 2000, j)  # the page counts bytes, not characters
        need("set-cookie" not in r.headers, "a cookie from a survey link")
        # the token is no credential anywhere else
        need(call("GET", "/api/v1/complaints", token=None).status == 401, "no session")
        need(call("GET", "/api/v1/surveys/%d" % ST["id"], token=ST["tokens"][0]).status == 401,
             "the token as a bearer token")
        need(call("GET", "/api/v1/public/survey/%s/results" % ST["tokens"][0],
                  token=None).status == 404, "a route under the token")
    case("the link opens its survey without an account, and nothing else", read)

    def answer():
        t = ST["tokens"][0]
        for body in ({"answers": [5, None]}, {"answers": [None, 4, None]},
                     {"answers": [6, None, None]}, {"answers": [5, "快", None]},
                     {"answers": ["好", None, None]}, {"answers": [5, None, "x" * 2001]},
                     {"answers": [5, None, "a\u0000b"]}, {"answers": [5, None, None], "x": 1},
                     {"answers": [True, None, None]}, {"answers": [5.5, None, None]},
                     {"answers": [[5], None, None]}, {"answers": {}}, {},
                     {"answers": [5] * 21}):
            r = pub(t, body)  # jansson refuses a NUL in a string itself: parse_error
            nul = isinstance(body.get("answers"), list) and "a\u0000b" in body["answers"]
            e = check_error(r, 400, "parse_error" if nul else "invalid")
            need(e["message_zh"], e)
        j = ok(pub(t, {"answers": [5, None, "工程师很专业"]}), 201)
        need(j == {"answered": True}, j)
        check_error(pub(t, {"answers": [4, None, None]}), 409, "conflict")
        need(ok(pub(t))["answered"] is True, "answered shown")
        ok(pub(ST["tokens"][1], {"answers": [3, 2, None]}), 201)
    case("one answer per link, checked against the questions (400), the second 409", answer)

    def bad_tokens():
        t = ST["tokens"][2]
        for bad in ("0" * 64, t[:-1] + ("0" if t[-1] != "0" else "1"), t.upper(), t[:63],
                    t + "0", "x", "%00", "..%2F..%2Fapi%2Fv1%2Fcomplaints"):
            want = (400,) if bad == "%00" else (404, 429)  # the path itself is refused
            r = pub(bad)
            need(r.status in want, "%s: %r" % (bad, r))
            r = pub(bad, {"answers": [5, None, None]})
            need(r.status in want, "%s: %r" % (bad, r))
    case("unknown and malformed tokens answer 404", bad_tokens)

    def throttled():
        seen = set()
        for i in range(60):
            r = pub("%064x" % (i + 1))
            seen.add(r.status)
            if r.status == 429:
                e = check_error(r, 429, "too_many_requests")
                need(r.headers.get("retry-after"), "no Retry-After")
                need("survey" in e["message"], e)
                break
        need(429 in seen, "never throttled: %r" % seen)
        # a spent address is refused before its body is read: headers announcing a body that
        # never comes get the 429 at once (not a wait for the body), and a body is not parsed
        head = ("POST /api/v1/public/survey/%s HTTP/1.1\r\nHost: k\r\nContent-Type: "
                "application/json\r\nContent-Length: 5000\r\n\r\n" % ST["tokens"][2]).encode()
        r = api.raw_exchange(head, timeout=3)
        check_error(r, 429, "too_many_requests")
        need(r.headers.get("retry-after"), "no Retry-After on the early refusal")
        check_error(pub("%064x" % 999, raw=b"{not json"), 429, "too_many_requests")
        # a good link still works from elsewhere in time: the budget refills
        set_now(T0 + 600)
        need(pub(ST["tokens"][2]).status == 200, "good link after the pause")
    case("too many unknown tokens from one address: 429 with Retry-After", throttled)

    def expired():
        set_now(T0 + 31 * DAY)
        check_error(pub(ST["tokens"][2]), 403, "denied")
        check_error(pub(ST["tokens"][2], {"answers": [5, None, None]}), 403, "denied")
        need(ok(pub(ST["tokens"][0]))["answered"] is True, "an answered link still shows it")
        set_now(T0 + DAY)
    case("an expired link is refused (403)", expired)


def staff_cases():
    def results():
        relogin()
        j = ok(call("GET", "/api/v1/surveys/%d/results" % ST["id"], token=TOK["aud1"]))
        q = j["questions"]
        need(j["answered"] == 2 and j["recipients"] == 4, j)
        need(q[0]["answers"] == 2 and q[0]["average"] == 4.0 and
             q[0]["distribution"] == {"1": 0, "2": 0, "3": 1, "4": 0, "5": 1}, q[0])
        need(q[1]["answers"] == 1 and q[1]["average"] == 2.0, q[1])
        need(q[2]["texts"] == ["工程师很专业"], q[2])
        d = {x["department"]: x for x in j["departments"]}
        need(d["财务部"]["recipients"] == 3 and d["财务部"]["answered"] == 1 and
             d["财务部"]["averages"][0] == 5.0 and d["财务部"]["averages"][2] is None and
             d["人事部"]["averages"][:2] == [3.0, 2.0], j["departments"])
    case("results per question and department", results)

    def close():
        ok(call("POST", "/api/v1/surveys/%d/close" % ST["id"], token=TOK["agent1"]))
        check_error(call("POST", "/api/v1/surveys/%d/close" % ST["id"], token=TOK["agent1"]),
                    409, "conflict")
        check_error(pub(ST["tokens"][3]), 403, "denied")
        check_error(call("POST", "/api/v1/surveys/%d/recipients" % ST["id"],
                         {"recipients": [{"name": "x"}]}, token=TOK["agent1"]), 409, "conflict")
        s = ok(call("GET", "/api/v1/surveys", token=TOK["eng1"]))
        need(s["total"] == 1 and s["surveys"][0]["closed"] is True, s)
    case("a closed survey's links stop working", close)

    def audit():
        j = ok(api.get(api.q("/api/v1/audit", object="survey:%d" % ST["id"])))
        acts = [e["action"] for e in j["entries"]]
        need(acts == ["survey.close", "survey.answer", "survey.answer", "survey.recipients",
                      "survey.create"], acts)
        need(all(t not in json.dumps(j) for t in ST["tokens"]), "a token in the audit trail")
        need("工程师很专业" not in json.dumps(j, ensure_ascii=False), "an answer in the trail")
    case("audited without tokens or answers", audit)

    def bad_input():
        for body in ({}, {"name": "x"}, dict(SURVEY, questions=[]),
                     dict(SURVEY, questions=[{"text": "q"}] * 21),
                     dict(SURVEY, questions=[{"text": "q", "kind": "stars"}]),
                     dict(SURVEY, questions=[{"text": ""}]),
                     dict(SURVEY, questions=[{"text": "x" * 501}]),
                     dict(SURVEY, questions=[{"text": "q", "extra": 1}]),
                     dict(SURVEY, questions=["q"]), dict(SURVEY, questions="q"),
                     dict(SURVEY, period_to="2026-02-01"), dict(SURVEY, period_from="x"),
                     dict(SURVEY, name="x" * 201), dict(SURVEY, intro="x" * 2001),
                     dict(SURVEY, other=1)):
            check_error(call("POST", "/api/v1/surveys", body, token=TOK["agent1"]), 400,
                        "invalid")
        s = ok(call("POST", "/api/v1/surveys", SURVEY, token=TOK["agent1"]), 201)
        path = "/api/v1/surveys/%d/recipients" % s["id"]
        for body in ({}, {"recipients": []}, {"recipients": [{"name": ""}]},
                     {"recipients": [{"name": "x"}] * 501}, {"recipients": [{"name": "x"}],
                                                             "days": 0},
                     {"recipients": [{"name": "x"}], "days": 367}, {"recipients": ["x"]},
                     {"recipients": [{"name": "x", "phone": 1}]}):
            check_error(call("POST", path, body, token=TOK["agent1"]), 400, "invalid")
        for p in ("/api/v1/surveys/0", "/api/v1/surveys/x", "/api/v1/surveys/999/results"):
            need(call("GET", p, token=TOK["agent1"]).status in (400, 404), p)
        for role in ("eng1", "aud1"):
            need(call("POST", "/api/v1/surveys", SURVEY, token=TOK[role]).status == 403, role)
            need(call("POST", path, {"recipients": [{"name": "x"}]}, token=TOK[role]).status
                 == 403, role)
            need(call("GET", path, token=TOK[role]).status == 403, role)
    case("bad input and wrong roles", bad_input)


def links(survey, people):
    r = call("POST", "/api/v1/surveys/%d/recipients" % survey, {"recipients": people},
             token=TOK["agent1"])
    return [x["token"] for x in ok(r, 201)["links"]]


def more_cases():
    def at_once():
        s = ok(call("POST", "/api/v1/surveys", SURVEY, token=TOK["agent1"]), 201)
        t = links(s["id"], [{"name": "并发"}])[0]
        got = []
        gate = threading.Barrier(8)

        def one():
            gate.wait()
            got.append(pub(t, {"answers": [4, None, None]}).status)
        threads = [threading.Thread(target=one) for _ in range(8)]
        for x in threads:
            x.start()
        for x in threads:
            x.join()
        need(sorted(got) == [201] + [409] * 7, got)
        j = ok(call("GET", "/api/v1/surveys/%d/results" % s["id"], token=TOK["agent1"]))
        need(j["answered"] == 1 and j["questions"][0]["answers"] == 1, j)
    case("eight answers to one link at once: one 201, seven 409", at_once)

    def blank_texts():
        body = dict(SURVEY, questions=[{"text": "意见", "kind": "text", "required": True},
                                       {"text": "补充", "kind": "text"}])
        s = ok(call("POST", "/api/v1/surveys", body, token=TOK["agent1"]), 201)
        t = links(s["id"], [{"name": "甲"}, {"name": "乙"}])
        for blank in ("   ", " \n\t ", "\u3000\u3000"):
            e = check_error(pub(t[0], {"answers": [blank, None]}), 400, "invalid")
            need("required" in e["message"], e)
        ok(pub(t[0], {"answers": ["很好", "  \n "]}), 201)
        ok(pub(t[1], {"answers": ["一般", None]}), 201)
        j = ok(call("GET", "/api/v1/surveys/%d/results" % s["id"], token=TOK["agent1"]))
        q = j["questions"]
        need(q[0]["answers"] == 2 and q[1]["answers"] == 0 and q[1]["texts"] == [], q)
    case("a text answer of only spaces is none: refused when required, not counted", blank_texts)

    def many():
        body = dict(SURVEY, questions=[{"text": "评分", "kind": "rating"},
                                       {"text": "意见", "kind": "text"}])
        s = ok(call("POST", "/api/v1/surveys", body, token=TOK["agent1"]), 201)
        people = [{"name": "人%d" % i, "department": "部门%03d" % (204 - i)} for i in range(205)]
        t = links(s["id"], people)
        for i, tok in enumerate(t):
            ok(pub(tok, {"answers": [i % 5 + 1, "意见 %d" % i]}), 201)
        j = ok(call("GET", "/api/v1/surveys/%d/results" % s["id"], token=TOK["agent1"]))
        q = j["questions"]
        need(j["answered"] == 205 and q[0]["answers"] == 205, j["answered"])
        need(q[1]["answers"] == 205 and len(q[1]["texts"]) == 200 and
             q[1]["texts_truncated"] is True and q[1]["texts"][0] == "意见 204",
             {k: v for k, v in q[1].items() if k != "texts"})
        d = j["departments"]
        need(len(d) == 205 and all(x["averages"][0] == (204 - int(x["department"][2:])) % 5 + 1
                                   and x["answered"] == 1 for x in d), d[:3])
        j = ok(call("GET", "/api/v1/surveys/%d/results" % ST["id"], token=TOK["agent1"]))
        need(j["questions"][2]["texts_truncated"] is False, j["questions"][2])
    case("every answer counted, the newest 200 texts returned; 205 departments", many)


def main(tmp):
    srv = api.Served(tmp, clock=True, users=USERS)
    set_now(T0)
    if not srv.start():
        return 1
    setup_cases()
    if "tokens" in ST:
        public_cases()
        staff_cases()
        more_cases()
    srv.stop()


if __name__ == "__main__":
    api.run_main("test_surveys", main, prefix="kedb-surveys-")
