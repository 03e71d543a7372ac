#!/usr/bin/env python3
"""Every API error carries a stable code and a Chinese message (python3 standard library
only).

Starts $KEDB_BIN/kedb-server over tests/data and provokes representative errors from each
layer: the HTTP layer (404 route, 405, 413, 415, bad JSON, a bad query string), the login
(401 wrong password, 401 without a session, 403 role), handlers and kb (a missing field,
an unknown incident, an illegal transition 409, a calendar line, rules[i] context). Each
answer is {"error":{"code","message","message_zh"}} with a documented code and the expected
Chinese. Ends with "test_errors: N passed, N failed".
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as api  # noqa: E402

from harness import call, check_error, need, ok, request  # noqa: E402

case = api.case
CODES = {"invalid", "not_found", "exists", "too_big", "parse_error", "io_error", "db_error",
         "no_memory", "internal", "denied", "conflict", "unavailable", "unauthorized",
         "forbidden", "too_many_requests", "unsupported_media_type", "timeout"}
USERS = [("agent.a", "agent")]


def zh_is(r, status, code, want):
    e = check_error(r, status, code)
    need(e["code"] in CODES, "undocumented code %r" % e["code"])
    need(e["message_zh"] == want, "message_zh %r, want %r (message %r)"
         % (e["message_zh"], want, e["message"]))
    return e


def zh_starts(r, status, code, head):
    e = check_error(r, status, code)
    need(e["message_zh"].startswith(head), "message_zh %r, want %r..." % (e["message_zh"], head))
    return e


def http_layer():
    case("404 route: 没有这个接口",
         lambda: zh_is(request("GET", "/api/v1/no-such-thing"), 404, "not_found", "没有这个接口"))
    case("405 names the method in Chinese",
         lambda: zh_starts(request("DELETE", "/api/v1/search"), 405, "invalid",
                           "这里不能用 DELETE 方法"))
    def too_big():
        head = ("POST /api/v1/search HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\n"
                "Content-Length: %d\r\n\r\n" % (api.HOST, 2 * 1024 * 1024)).encode()
        zh_is(api.raw_exchange(head, [b"x" * 65536] * 32), 413, "too_big", "请求内容超过 1 MiB")
    case("413 body over 1 MiB", too_big)
    case("415 a body that is not JSON",
         lambda: zh_starts(request("POST", "/api/v1/incidents", body=b"a=b",
                                   headers={"Content-Type": "text/plain"}), 415,
                           "unsupported_media_type", "请求内容须为 JSON"))
    case("400 bad JSON names line and column",
         lambda: zh_starts(call("POST", "/api/v1/incidents", raw=b"{\"summary\": "), 400,
                           "parse_error", "请求内容不是有效的 JSON："))
    case("400 a query parameter with a NUL byte",
         lambda: zh_is(request("GET", "/api/v1/search?q=%00"), 400, "invalid",
                       "查询参数“q”含有 NUL 字节"))


def auth():
    def wrong_password():
        body = json.dumps({"username": api.TEST_USER, "password": "wrong-password-1"}).encode()
        r = request("POST", "/api/v1/auth/login", body=body,
                    headers={"Content-Type": "application/json"}, token=None)
        zh_is(r, 401, "unauthorized", "用户名或密码错误")
    case("401 wrong password: 用户名或密码错误", wrong_password)
    case("401 without a session asks to log in",
         lambda: zh_starts(request("GET", "/api/v1/incidents", token=None), 401,
                           "unauthorized", "请先登录"))

    def role():
        r = api.login("agent.a", api.user_password("agent.a"))
        ok(r)
        zh_starts(request("GET", "/api/v1/users", token=r.json["token"]), 403, "forbidden",
                  "您没有权限")
    case("403 a missing role", role)


def records():
    case("400 a required field: 请填写",
         lambda: zh_starts(call("POST", "/api/v1/incidents", {"summary": "打印机脱机"}), 400,
                           "invalid", "请"))
    case("404 an unknown incident names it",
         lambda: zh_is(call("GET", "/api/v1/incidents/INC-20260101-9999"), 404, "not_found",
                       "找不到事件“INC-20260101-9999”"))

    def transition():
        j = ok(call("POST", "/api/v1/incidents",
                    {"caller_name": "王芳", "channel": "phone", "category": "printer",
                     "priority": "P3", "summary": "打印机脱机"}), 201)
        path = "/api/v1/incidents/" + j["number"]
        zh_is(call("PATCH", path, {"status": "closed"}), 409, "exists",
              "不能通过修改把 new 改为 closed：只有回访确认后才能关闭事件")
    case("409 an illegal transition says why in Chinese", transition)

    def calendar_line():
        e = zh_starts(call("PUT", "/api/v1/settings/calendar",
                           {"calendar": "hours mon-fri 09:00-18:00\nholidy 2026-10-01"}),
                      400, "parse_error", "第 2 行：未知规则“holidy”")
        need(e["message"].startswith("line 2: unknown rule 'holidy'"), e["message"])
    case("a calendar error names its line in both languages", calendar_line)

    def rule_context():
        e = zh_starts(call("PUT", "/api/v1/routing-rules", {"rules": [{"group": 7}]}), 400,
                      "invalid", "rules[0]：")
        need(e["message"].startswith("rules[0]: "), e["message"])
    case("rules[i] context in front of the Chinese", rule_context)

    case("an unknown field is named",
         lambda: zh_starts(call("POST", "/api/v1/incidents", {"summery": "x"}), 400, "invalid",
                           "未知字段“summery”，可用："))


def main(tmp):
    srv = api.Served(tmp, users=USERS)
    if not srv.start():
        return 1
    http_layer()
    auth()
    records()
    srv.stop()


if __name__ == "__main__":
    api.run_main("test_errors", main, prefix="kedb-err-")
