#!/usr/bin/env python3
"""End-to-end tests of attachments (python3 standard library only).

Starts $KEDB_BIN/kedb-server over tests/data (harness.Served) and drives
/api/v1/incidents/{number}/attachments and /api/v1/kb/{id}/attachments: an upload and
download round trip with a Chinese file name (nosniff, Content-Disposition with RFC 5987
filename*, a sandboxing CSP), the type taken from the content (a PNG sent as text/plain is
image/png, an HTML file is text/plain and never inline), thumbnails (PNG, at most 240 px,
inline) and decompression bombs that get none (pixels, or a JPEG's scans), content stored
once by hash and removed with its last attachment, limits (413 before the body is read, for a declared and for a
chunked body; 409 past 20 files), refused names and programs, unknown ids, who may do what,
the audit trail, and search: the incident list finds an incident by a word only in its
attached log (UTF-8, GB18030), the knowledge search finds an item by a word only in its
attachment. Ends with "test_attachments: N passed, N failed".
"""
import hashlib
import os
import sqlite3
import struct
import sys
import time
import urllib.parse
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as api  # noqa: E402  (the shared harness: case, request, checks)

from harness import admin, call, check_error, need, ok  # noqa: E402

case = api.case
STATE = {}
PASSWORD = "Desk-Lantern-2041"
LOG = ("2026-03-02 08:15:01 INFO spooler started\n"
       "2026-03-02 08:15:07 ERROR ZQXERR7731 打印队列 磁盘已满 (spool full)\n").encode()
INCIDENT = {"caller_name": "张三", "caller_phone": "13800138000", "channel": "phone",
            "category": "printer", "priority": "P3", "summary": "打印机无法打印"}


# --- files ---------------------------------------------------------------------------------

def png(width, height, rgb=(200, 30, 30), depth=8, color=2, rows=None):
    """A valid PNG (RGB unless told) of one colour."""
    def chunk(kind, data):
        c = kind + data
        return struct.pack(">I", len(data)) + c + struct.pack(">I", zlib.crc32(c) & 0xffffffff)
    if rows is None:
        row = b"\x00" + bytes(rgb) * width
        rows = row * height
    ihdr = struct.pack(">IIBBBBB", width, height, depth, color, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(rows, 9))
            + chunk(b"IEND", b""))


def png_bomb():
    """20000 x 20000 pixels (400 million, 1 bit each): about 50 KB of file that would take
    1.6 GB as RGBA."""
    w = h = 20000
    row = b"\x00" + b"\x00" * ((w + 7) // 8)
    comp = zlib.compressobj(9)
    data = b"".join(comp.compress(row) for _ in range(h)) + comp.flush()

    def chunk(kind, d):
        c = kind + d
        return struct.pack(">I", len(d)) + c + struct.pack(">I", zlib.crc32(c) & 0xffffffff)
    ihdr = struct.pack(">IIBBBBB", w, h, 1, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", data) +
            chunk(b"IEND", b""))


def progressive_jpeg(width, height, scans):
    """A grey progressive JPEG: a DC scan, then scans-1 AC scans that each cover the whole
    image in a few bytes (end-of-band runs of 32767 blocks): a decoder goes over every pixel
    once per scan."""
    def seg(marker, body):
        return b"\xff" + bytes([marker]) + struct.pack(">H", len(body) + 2) + body

    def packed(bits):
        bits += "1" * (-len(bits) % 8)
        data = bytes(int(bits[i:i + 8], 2) for i in range(0, len(bits), 8))
        return data.replace(b"\xff", b"\xff\x00")
    blocks = ((width + 7) // 8) * ((height + 7) // 8)
    out = b"\xff\xd8" + seg(0xdb, b"\x00" + b"\x01" * 64)
    out += seg(0xc2, struct.pack(">BHHB", 8, height, width, 1) + b"\x01\x11\x00")
    out += seg(0xc4, b"\x00\x01" + b"\x00" * 15 + b"\x00")  # DC: one code, difference 0
    out += seg(0xc4, b"\x10\x01" + b"\x00" * 15 + b"\xe0")  # AC: one code, EOB run
    out += seg(0xda, b"\x01\x01\x00\x00\x00\x00") + packed("0" * blocks)
    ac = packed(("0" + "1" * 14) * ((blocks + 32766) // 32767))
    for _ in range(scans - 1):
        out += seg(0xda, b"\x01\x01\x00\x01\x3f\x00") + ac
    return out + b"\xff\xd9"


def png_size(data):
    need(data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG: %r" % data[:16])
    return struct.unpack(">II", data[16:24])


def pe():
    """The head of a Windows program: MZ, and PE where the DOS header points."""
    b = bytearray(512)
    b[0:2] = b"MZ"
    b[0x3c:0x40] = struct.pack("<I", 0x80)
    b[0x80:0x84] = b"PE\0\0"
    return bytes(b)


# --- helpers -------------------------------------------------------------------------------

def inc_path(number, rest=""):
    return "/api/v1/incidents/%s/attachments%s" % (urllib.parse.quote(number), rest)


def upload(path, name, data, ctype="application/octet-stream", token=api.DEFAULT):
    target = path if name is None else path + "?name=" + urllib.parse.quote(name, safe="")
    return api.request("POST", target, body=data, headers={"Content-Type": ctype}, token=token)


def new_incident(**kw):
    return ok(call("POST", "/api/v1/incidents", dict(INCIDENT, **kw)), 201)["number"]


def numbers(q):
    j = ok(call("GET", api.q("/api/v1/incidents", q=q, limit=50)))
    return [i["number"] for i in j["incidents"]]


def search_ids(q):
    j = ok(call("GET", api.q("/api/v1/search", q=q)))
    return [h["id"] for h in j["hits"]]


def blob_count(db, digest):
    con = sqlite3.connect("file:%s?mode=ro" % db, uri=True)
    try:
        return con.execute("SELECT count(*) FROM blob WHERE hash = ?", (digest,)).fetchone()[0]
    finally:
        con.close()


# --- cases ---------------------------------------------------------------------------------

def round_trip_cases():
    def setup():
        STATE["inc"] = new_incident()
        STATE["other"] = new_incident(summary="另一个工单")
    case("incidents to attach to", setup)
    if "inc" not in STATE:
        return
    base = inc_path(STATE["inc"])
    name = "打印机日志 2026-03.log"

    def text_round_trip():
        r = upload(base, name, LOG, ctype="image/png")  # the client's word is ignored
        j = ok(r, 201)
        need(j["name"] == name and j["type"] == "text/plain" and j["charset"] == "utf-8",
             "%r" % j)
        need(j["size"] == len(LOG) and j["sha256"] == hashlib.sha256(LOG).hexdigest(), "%r" % j)
        need(j["searchable"] is True and j["thumbnail_url"] is None, "%r" % j)
        need(j["created_by"] == "tester" and j["url"] == base + "/%d" % j["id"], "%r" % j)
        STATE["log"] = j["id"]
        r = api.get(j["url"])
        need(r.status == 200 and r.body == LOG, "download %r" % r)
        h = r.headers
        need(h.get("content-type") == "text/plain; charset=utf-8", "type %r" % h)
        need(h.get("x-content-type-options") == "nosniff", "nosniff %r" % h)
        cd = h.get("content-disposition", "")
        need(cd.startswith('attachment; filename="') and
             "filename*=UTF-8''" + urllib.parse.quote(name, safe="") in cd, "disposition %r" % cd)
        need(cd.encode("latin-1").isascii(), "a raw non-ASCII header %r" % cd)
        need("sandbox" in h.get("content-security-policy", ""), "csp %r" % h)
        lst = ok(call("GET", base))
        need(lst["count"] == 1 and lst["total_bytes"] == len(LOG) and lst["max_count"] == 20 and
             [a["name"] for a in lst["attachments"]] == [name], "%r" % lst)
        need(lst["max_file_bytes"] == 10 * 1024 * 1024, "%r" % lst)
        r = api.request("HEAD", j["url"])
        need(r.status == 200 and r.body == b"", "HEAD %r" % r)
    case("a log with a Chinese name: upload, list, download with nosniff and RFC 5987 name",
         text_round_trip)

    def png_as_text():
        data = png(640, 360)
        j = ok(upload(base, "截图.png", data, ctype="text/plain"), 201)
        need(j["type"] == "image/png" and j["width"] == 640 and j["height"] == 360, "%r" % j)
        need(j["searchable"] is False and j["thumbnail_url"] == j["url"] + "/thumbnail", "%r" % j)
        STATE["png"] = j
        r = api.get(j["url"])
        need(r.status == 200 and r.body == data and r.headers["content-type"] == "image/png",
             "%r" % r.headers)
        need(r.headers["content-disposition"].startswith("attachment;"), "%r" % r.headers)
        t = api.get(j["thumbnail_url"])
        need(t.status == 200 and t.headers["content-type"] == "image/png", "thumb %r" % t)
        need(t.headers["content-disposition"].startswith("inline;"), "%r" % t.headers)
        need(t.headers.get("x-content-type-options") == "nosniff", "%r" % t.headers)
        need(png_size(t.body) == (240, 135), "thumbnail size %r" % (png_size(t.body),))
        small = ok(upload(base, "tiny.png", png(16, 8, rgb=(1, 2, 3))), 201)
        t = api.get(small["thumbnail_url"])
        need(t.status == 200 and png_size(t.body) == (16, 8), "a small image is not enlarged")
        STATE["tiny"] = small["id"]
    case("a PNG labelled text/plain is image/png, with a 240 px inline thumbnail", png_as_text)

    def html_never_inline():
        page = b"<!doctype html><html><body><script>alert(document.cookie)</script></body></html>"
        j = ok(upload(base, "page.html", page, ctype="text/html"), 201)
        need(j["type"] == "text/plain", "%r" % j)
        r = api.get(j["url"])
        need(r.status == 200 and r.headers["content-type"] == "text/plain; charset=utf-8",
             "%r" % r.headers)
        need(r.headers["content-disposition"].startswith("attachment;"), "%r" % r.headers)
        svg = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'
        j = ok(upload(base, "x.svg", svg, ctype="image/svg+xml"), 201)
        need(j["type"] == "text/plain" and j["thumbnail_url"] is None, "%r" % j)
        r = api.get(j["url"] + "/thumbnail")
        check_error(r, 404, "not_found")
        ok(call("DELETE", j["url"]))
    case("an HTML or SVG file is stored as text/plain and only ever downloaded", html_never_inline)

    def kinds():
        samples = [
            ("a.pdf", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n", "application/pdf", None),
            ("a.zip", b"PK\x03\x04" + b"\x14\x00" + b"\x00" * 20 + b"\x05\x00\x00\x00a.txt",
             "application/zip", None),
            ("a.docx", b"PK\x03\x04\x14\x00\x00\x00\x08\x00" + b"\x00" * 8 +
             struct.pack("<IIHH", 0, 0, 17, 0) + b"word/document.xml",
             "application/vnd.openxmlformats-officedocument.wordprocessingml.document", None),
            ("a.bin", b"\x00\x01\x02\x03binary", "application/octet-stream", None),
            ("a.gif", b"GIF89a\x01\x00\x01\x00\x00\x00\x00;", "image/gif", None),
            ("gbk.log", "错误 打印机脱机 GBKWORD88".encode("gbk"), "text/plain", "gb18030"),
            ("u16.txt", "\ufeff日志 UTF16WORD".encode("utf-16-le"), "text/plain", "utf-16"),
        ]
        other = inc_path(STATE["other"])
        for name, data, want, charset in samples:
            j = ok(upload(other, name, data), 201)
            need(j["type"] == want and j["charset"] == charset, "%s: %r" % (name, j))
            r = api.get(j["url"])
            need(r.status == 200 and r.body == data, name)
    case("types from content: PDF, ZIP, Word, GIF, binary, GB18030 and UTF-16 logs", kinds)


def search_cases(db):
    if "log" not in STATE:
        return

    def incident_search():
        need(numbers("ZQXERR7731") == [STATE["inc"]], "by a code only in the log")
        need(numbers("磁盘已满") == [STATE["inc"]], "by Chinese words only in the log")
        need(numbers("GBKWORD88") == [STATE["other"]], "by a word of a GB18030 log")
        need(numbers("打印机脱机") == [STATE["other"]], "by Chinese of a GB18030 log")
        need(numbers("UTF16WORD") == [STATE["other"]], "by a word of a UTF-16 log")
        need(numbers("alert(document") == [STATE["inc"]], "an HTML file is text too")
    case("the incident list's text filter finds words only in attached logs", incident_search)

    def kb_search():
        need("KE-1001" not in search_ids("QWERTYLOG5519"), "found before attaching")
        log = b"event 4625 QWERTYLOG5519 \xe9\x98\x9f\xe5\x88\x97\xe5\x81\x9c\xe6\xad\xa2\n"
        j = ok(upload("/api/v1/kb/KE-1001/attachments", "spooler.log", log), 201)
        need(j["url"] == "/api/v1/kb/KE-1001/attachments/%d" % j["id"], "%r" % j)
        need(search_ids("QWERTYLOG5519") == ["KE-1001"], "search by a word of the attachment")
        need(api.get(j["url"]).body == log, "download")
        ok(call("GET", "/api/v1/kb/KE-1001/attachments"))
        ok(call("DELETE", j["url"]))
        need(search_ids("QWERTYLOG5519") == [], "still found after the delete")
        need("KE-1001" in search_ids("打印机卡纸"), "the item itself is still found")
        r = admin("--db", db, "check")
        need(r.returncode == 0, "integrity: %r %r" % (r.stdout, r.stderr))
    case("a knowledge item is found by a word only in its attachment, until it is deleted",
         kb_search)


def store_cases(db):
    if "png" not in STATE:
        return

    def dedup():
        data = png(32, 32, rgb=(9, 9, 9))
        digest = hashlib.sha256(data).hexdigest()
        a = ok(upload(inc_path(STATE["inc"]), "same.png", data), 201)
        b = ok(upload(inc_path(STATE["other"]), "again.png", data), 201)
        need(a["sha256"] == b["sha256"] == digest, "%r %r" % (a, b))
        need(blob_count(db, digest) == 1, "one blob for one content")
        ok(call("DELETE", a["url"]))
        need(api.get(b["url"]).body == data, "the other attachment keeps the content")
        need(blob_count(db, digest) == 1, "blob gone with one of two")
        ok(call("DELETE", b["url"]))
        need(blob_count(db, digest) == 0, "blob left after its last attachment")
        check_error(api.get(a["url"]), 404, "not_found")
    case("content is stored once by SHA-256 and deleted with its last attachment", dedup)

    def bomb():
        data = png_bomb()
        t0 = time.time()
        j = ok(upload(inc_path(STATE["other"]), "bomb.png", data), 201)
        need(j["type"] == "image/png" and j["width"] == 20000 and j["thumbnail_url"] is None,
             "%r" % j)
        need(time.time() - t0 < 10 * api.SLOW, "slow: decoded?")
        check_error(api.get(j["url"] + "/thumbnail"), 404, "not_found")
        good = png(100, 100)
        broken = good[:33] + struct.pack(">I", 7) + b"IDATgarbage" + b"\0" * 4 + good[-12:]
        j = ok(upload(inc_path(STATE["other"]), "broken.png", broken), 201)
        need(j["thumbnail_url"] is None, "a broken image has no thumbnail: %r" % j)
        ok(call("DELETE", j["url"]))
    case("a decompression-bomb PNG is kept without a thumbnail, never decoded", bomb)

    def scan_bomb():
        j = ok(upload(inc_path(STATE["other"]), "progressive.jpg", progressive_jpeg(64, 48, 6)),
               201)
        need(j["type"] == "image/jpeg" and j["thumbnail_url"], "a small progressive JPEG %r" % j)
        need(api.get(j["thumbnail_url"]).body.startswith(b"\x89PNG"), "its thumbnail")
        ok(call("DELETE", j["url"]))
        data = progressive_jpeg(8000, 4000, 300)  # 70 KB: 300 passes over 32 million pixels
        t0 = time.time()
        j = ok(upload(inc_path(STATE["other"]), "scans.jpg", data), 201)
        need(j["type"] == "image/jpeg" and j["width"] == 8000 and j["thumbnail_url"] is None,
             "%r" % j)
        need(time.time() - t0 < 5 * api.SLOW, "slow (%.1f s): decoded?" % (time.time() - t0))
        ok(call("DELETE", j["url"]))
    case("a JPEG of hundreds of scans over a large image is kept without a thumbnail, not "
         "decoded for minutes", scan_bomb)

    def audit():
        j = ok(call("GET", api.q("/api/v1/audit", object="incident:" + STATE["inc"])))
        acts = [e["action"] for e in j["entries"]]
        need("attachment.add" in acts and "attachment.delete" in acts, "%r" % acts)
        dels = [e for e in j["entries"] if e["action"] == "attachment.delete"]
        need(any("same.png" in e["summary"] and e["actor"] == "tester" for e in dels),
             "%r" % dels)
    case("adding and deleting are in the audit trail", audit)


def limit_cases():
    if "inc" not in STATE:
        return
    base = inc_path(STATE["inc"])

    def declared_too_big():
        head = ("POST %s?name=big.bin HTTP/1.1\r\nHost: x\r\nContent-Type: "
                "application/octet-stream\r\nContent-Length: %d\r\n\r\n" %
                (base, 1024 * 1024 * 1024)).encode()
        t0 = time.time()
        r = api.raw_exchange(head, [b"\0" * 65536] * 16)
        need(r.status == 413, "%r" % r)
        need(b"10 MiB" in r.body, "%r" % r.body)
        need(time.time() - t0 < 10 * api.SLOW, "the server waited for the body")
    case("an upload declared larger than 10 MiB: 413 before the body is read",
         declared_too_big)

    def chunked_too_big():
        head = ("POST %s?name=big.bin HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
                "Content-Type: application/octet-stream\r\n\r\n" % base).encode()
        piece = b"\1" * 65536
        chunk = b"%x\r\n" % len(piece) + piece + b"\r\n"
        r = api.raw_exchange(head, [chunk] * 170 + [b"0\r\n\r\n"])
        need(r.status == 413, "%r" % r)
        need(ok(call("GET", base))["count"] >= 1, "server alive")
    case("a chunked upload past 10 MiB: 413, the excess not kept", chunked_too_big)

    def anonymous_big():
        head = ("POST %s?name=big.bin HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n"
                "Content-Length: %d\r\n\r\n" % (base, "0" * 64, 5 * 1024 * 1024)).encode()
        r = api.raw_exchange(head, [b"\0" * 65536] * 4)
        need(r.status == 401, "%r" % r)
    case("an upload without a valid session: 401 before the body is read", anonymous_big)

    def json_routes_unchanged():
        r = api.request("POST", "/api/v1/incidents", body=b"{}", headers={
            "Content-Type": "text/plain"})
        check_error(r, 415, "unsupported_media_type")
    case("other routes still take JSON only (415)", json_routes_unchanged)

    def too_many():
        number = new_incident(summary="很多附件")
        path = inc_path(number)
        for i in range(20):
            ok(upload(path, "f%02d.txt" % i, b"file %d\n" % i), 201)
        r = upload(path, "f20.txt", b"one too many\n")
        check_error(r, 409, "conflict")
        need("20" in r.json["error"]["message"], "%r" % r.json)
        j = ok(call("GET", path))
        ok(call("DELETE", j["attachments"][0]["url"]))
        ok(upload(path, "f20.txt", b"one too many\n"), 201)
    case("the 21st attachment of an incident: 409; room again after a delete", too_many)


def bad_input_cases():
    if "inc" not in STATE:
        return
    base = inc_path(STATE["inc"])

    def names():
        bad = ["../etc/passwd", "a/b.txt", "a\\b.txt", "C:evil.txt", "evil.exe", "run.BAT",
               "x.ps1", "report.pdf.exe", "a\u202egpj.exe", "tab\there.txt", " lead.txt",
               "trail.txt.", "x" * 256 + ".txt", "what?.txt", "é" * 130]
        for n in bad:
            r = upload(base, n, b"hello\n")
            check_error(r, 400, "invalid")
        check_error(upload(base, None, b"hello\n"), 400, "invalid")
        check_error(api.request("POST", base + "?name=%FF.txt", body=b"x"), 400, "invalid")
        check_error(api.request("POST", base + "?name=a%00b.txt", body=b"x"), 400, "invalid")
    case("names with folders, program extensions, control or bidi characters: 400", names)

    def contents():
        for name, data in [("tool.dat", pe()), ("elf.dat", b"\x7fELF\x02\x01\x01" + b"\0" * 64),
                           ("macho.dat", b"\xcf\xfa\xed\xfe" + b"\0" * 64),
                           ("empty.txt", b"")]:
            r = upload(base, name, data)
            check_error(r, 400, "invalid")
        need(ok(call("GET", base))["count"] >= 1, "listing still works")
    case("programs (PE, ELF, Mach-O) and empty files are refused: 400", contents)

    def unknown():
        check_error(call("GET", inc_path("INC-20990101-0001")), 404, "not_found")
        check_error(upload(inc_path("INC-20990101-0001"), "a.txt", b"x"), 404, "not_found")
        check_error(call("GET", inc_path("nope")), 400, "invalid")
        check_error(call("GET", base + "/999999"), 404, "not_found")
        check_error(call("GET", base + "/999999/thumbnail"), 404, "not_found")
        check_error(call("GET", base + "/%d/thumbnail" % STATE["log"]), 404, "not_found")
        check_error(call("DELETE", base + "/999999"), 404, "not_found")
        check_error(call("GET", base + "/abc"), 400, "invalid")
        check_error(call("GET", base + "/0"), 400, "invalid")
        check_error(call("GET", base + "/-1"), 400, "invalid")
        # an attachment of one incident is not reachable through another
        check_error(call("GET", inc_path(STATE["other"], "/%d" % STATE["log"])), 404,
                    "not_found")
        check_error(call("GET", "/api/v1/kb/NOPE-1/attachments"), 404, "not_found")
        check_error(call("GET", "/api/v1/kb/KE-1005/attachments/1"), 404, "not_found")
        r = call("PUT", base)
        need(r.status == 405, "%r" % r)
    case("unknown incidents, items and attachments: 404; malformed ids: 400", unknown)


def role_cases():
    if "inc" not in STATE:
        return
    base = inc_path(STATE["inc"])

    def roles():
        tok = {}
        for role in ("engineer", "approver", "auditor", "agent"):
            r = api.login(role + "1", PASSWORD)
            need(r.status == 200, "login %s %r" % (role, r))
            tok[role] = r.json["token"]
        for role in tok:
            need(call("GET", base, token=tok[role]).status == 200, "%s lists" % role)
            need(api.get(base + "/%d" % STATE["log"], token=tok[role]).status == 200,
                 "%s downloads" % role)
        r = upload(base, "e.txt", b"x\n", token=tok["engineer"])
        check_error(r, 403, "denied")  # not the engineer's incident
        check_error(upload(base, "a.txt", b"x\n", token=tok["approver"]), 403, "forbidden")
        check_error(call("DELETE", base + "/%d" % STATE["log"], token=tok["auditor"]), 403,
                    "forbidden")
        ok(call("PATCH", "/api/v1/incidents/" + STATE["inc"], {"assignee": "engineer1"}))
        j = ok(upload(base, "e.txt", b"engineer's note\n", token=tok["engineer"]), 201)
        ok(call("DELETE", j["url"], token=tok["engineer"]))
        j = ok(upload("/api/v1/kb/KE-1002/attachments", "e.txt", b"x\n",
                      token=tok["engineer"]), 201)
        check_error(upload("/api/v1/kb/KE-1002/attachments", "a.txt", b"x\n",
                           token=tok["approver"]), 403, "forbidden")
        ok(call("DELETE", j["url"], token=tok["engineer"]))
        # work in progress (a draft) does not exist for an agent; reviewers see it
        check_error(call("GET", "/api/v1/kb/KE-1005/attachments", token=tok["agent"]), 404,
                    "not_found")
        ok(call("GET", "/api/v1/kb/KE-1005/attachments", token=tok["auditor"]))
        r = api.request("POST", base + "?name=a.txt", body=b"x", token=None)
        check_error(r, 401, "unauthorized")
    case("who may list, download, add and delete follows the incident and the item", roles)


def request_cases():
    def on_request():
        item = ok(call("POST", "/api/v1/request-items",
                       {"name": "软件安装", "category": "software", "sla": "8h"}), 201)["id"]
        number = ok(call("POST", "/api/v1/requests",
                         {"item": item, "caller_name": "王芳"}), 201)["number"]
        base = "/api/v1/requests/%s/attachments" % number
        shot = png(64, 48)
        j = ok(upload(base, "安装截图.png", shot, ctype="text/plain"), 201)
        need(j["type"] == "image/png" and j["url"].startswith(base + "/"), "%r" % j)
        r = api.get(j["url"])
        need(r.status == 200 and r.body == shot, "download %r" % r)
        need(r.headers.get("x-content-type-options") == "nosniff", "%r" % r.headers)
        need("filename*=UTF-8''" in r.headers.get("content-disposition", ""), "%r" % r.headers)
        t = api.get(j["url"] + "/thumbnail")
        need(t.status == 200 and t.body.startswith(b"\x89PNG"), "thumbnail %r" % t)
        lst = ok(call("GET", base))
        need([a["name"] for a in lst["attachments"]] == ["安装截图.png"], "%r" % lst)
        tok = api.login("auditor1", PASSWORD).json["token"]
        need(call("GET", base, token=tok).status == 200, "the auditor reads")
        check_error(upload(base, "a.txt", b"x\n", token=tok), 403, "forbidden")
        check_error(call("DELETE", j["url"], token=tok), 403, "forbidden")
        # another's request: an approver or an engineer outside its group reads its files
        # but neither adds nor removes them; the requester and its assignee do
        appr = api.login("approver1", PASSWORD).json["token"]
        eng = api.login("engineer1", PASSWORD).json["token"]
        for t in (appr, eng):
            need(api.get(j["url"], token=t).status == 200, "reads another's request's file")
            check_error(upload(base, "b.txt", b"x\n", token=t), 403, "denied")
            check_error(call("DELETE", j["url"], token=t), 403, "denied")
        need(ok(call("GET", base))["count"] == 1, "the file is still there")
        own = ok(call("POST", "/api/v1/requests", {"item": item, "caller_name": "李雷"},
                      token=appr), 201)["number"]
        mine = ok(upload("/api/v1/requests/%s/attachments" % own, "签字表.txt", b"x\n",
                         token=appr), 201)
        ok(call("DELETE", mine["url"], token=appr))
        ok(call("PATCH", "/api/v1/requests/" + number, {"assignee": "engineer1"}))
        ok(call("DELETE", ok(upload(base, "e.txt", b"x\n", token=eng), 201)["url"],
                token=eng))
        check_error(upload("/api/v1/requests/REQ-20990101-0001/attachments", "a.txt",
                           b"x\n"), 404, "not_found")
        check_error(upload("/api/v1/requests/INC-20260101-0001/attachments", "a.txt",
                           b"x\n"), 400, "invalid")
        check_error(call("GET", "/api/v1/requests/REQ-x/attachments"), 400, "invalid")
        ok(call("DELETE", j["url"]))
        need(ok(call("GET", base))["attachments"] == [], "deleted")
        check_error(call("GET", j["url"]), 404, "not_found")
    case("a service request takes attachments like an incident: type from content, "
         "download headers, thumbnail, roles, unknown and malformed numbers", on_request)


def main(tmp):
    srv = api.Served(tmp, users=[("engineer1", PASSWORD, "engineer"),
                                 ("approver1", PASSWORD, "approver"),
                                 ("auditor1", PASSWORD, "auditor"),
                                 ("agent1", PASSWORD, "agent")])
    if not srv.start():
        return 1
    round_trip_cases()
    search_cases(srv.db)
    store_cases(srv.db)
    limit_cases()
    bad_input_cases()
    role_cases()
    request_cases()
    srv.stop()


if __name__ == "__main__":
    api.run_main("test_attachments", main, prefix="kedb-attach-")
