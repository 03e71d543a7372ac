#!/usr/bin/env python3
"""End-to-end tests of documents' controlled copies (python3 standard library only).

A document version carries its controlled copy: a Word file and a PDF with Chinese words
(made here: zipfile for the .docx, a hand-written PDF with a ToUnicode map) are uploaded
to version 1 (B/1) of a new document with ?version=1; once it is published the catalogue
(GET /api/v1/documents?q=) and /api/v1/search find it by a word inside each file, in
Simplified and in Traditional Chinese; the versions list shows each version's files with
their SHA-256, and the download is byte-identical. Version 2 (B/2) gets a file of its
own; the copy of a published version cannot be deleted, a draft's can; a draft's words are
searchable only once it is published, and a superseded version's leave the index; files of
work in progress are hidden from those who may not read it. Bad
input: unknown and malformed versions, a version of an incident, a superseded version, a
broken Word file, a zip bomb and a broken PDF (kept without text, with a warning, never
a 500), and a server without pdftotext on its PATH. Ends with "test_docfiles: N passed, N
failed".
"""
import hashlib
import io
import os
import sys
import urllib.parse
import zipfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as api  # noqa: E402

from harness import case, check_error, need, ok  # noqa: E402

PASSWORD = "Desk-Lantern-2041"
DOC = "YW-WJ-301"
STATE = {}
TOKENS = {}


def token(user):
    if user not in TOKENS:
        r = api.login(user, PASSWORD)
        need(r.status == 200, "login %s: %r" % (user, r))
        TOKENS[user] = r.json["token"]
    return TOKENS[user]


def call(user, method, path, body=None):
    return api.call(method, path, body, token=token(user))


def upload(user, doc, name, data, version=None):
    target = "/api/v1/kb/%s/attachments?name=%s" % (doc, urllib.parse.quote(name, safe=""))
    if version is not None:
        target += "&version=%s" % urllib.parse.quote(str(version), safe="")
    return api.request("POST", target, body=data,
                       headers={"Content-Type": "application/octet-stream"}, token=token(user))


def doc_source(version, extra=""):
    return ("---\nid: %s\ntype: document\ntitle: 数据备份与恢复规程\nversion: '%s'\n"
            "doc_type: procedure\nowner: 运维部\n---\n# 数据备份与恢复规程\n\n第 %s 版。%s\n"
            % (DOC, version, version, extra))


def docx(paragraphs, header=None):
    """A minimal .docx: paragraphs in word/document.xml (one a table cell), a header."""
    ns = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
    body = "".join("<w:p><w:r><w:t>%s</w:t></w:r></w:p>" % p for p in paragraphs)
    body += ("<w:tbl><w:tr><w:tc><w:p><w:r><w:t>表格单元</w:t></w:r></w:p></w:tc></w:tr>"
             "</w:tbl>")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", '<?xml version="1.0" encoding="UTF-8"?>'
                   "<w:document %s><w:body>%s</w:body></w:document>" % (ns, body))
        if header:
            z.writestr("word/header1.xml", "<w:hdr %s><w:p><w:r><w:t>%s</w:t></w:r></w:p>"
                       "</w:hdr>" % (ns, header))
    return buf.getvalue()


def office_zip(entries):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in entries:
            z.writestr(name, data)
    return buf.getvalue()


def pdf(text):
    """A one-page PDF showing text in a Type0 font whose CIDs map to Unicode through a
    ToUnicode CMap, as Chinese PDFs are written; pdftotext reads the characters back."""
    chars = []
    for ch in text:
        if ch not in chars:
            chars.append(ch)
    cids = "".join("%04X" % (chars.index(ch) + 1) for ch in text)
    content = ("BT /F1 24 Tf 72 700 Td <%s> Tj ET" % cids).encode()
    bf = "".join("<%04X> <%04X>\n" % (i + 1, ord(c)) for i, c in enumerate(chars))
    cmap = ("/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n"
            "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
            "/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n"
            "1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n"
            "%d beginbfchar\n%sendbfchar\nendcmap\n"
            "CMapName currentdict /CMap defineresource pop\nend\nend\n" % (len(chars), bf)).encode()
    objs = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << "
        b"/F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type0 /BaseFont /KedbSong /Encoding /Identity-H "
        b"/DescendantFonts [6 0 R] /ToUnicode 7 0 R >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        b"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /KedbSong /CIDSystemInfo << "
        b"/Registry (Adobe) /Ordering (Identity) /Supplement 0 >> /FontDescriptor 8 0 R "
        b"/DW 1000 >>",
        b"<< /Length %d >>\nstream\n" % len(cmap) + cmap + b"\nendstream",
        b"<< /Type /FontDescriptor /FontName /KedbSong /Flags 4 /FontBBox [0 0 1000 1000] "
        b"/ItalicAngle 0 /Ascent 880 /Descent -120 /CapHeight 700 /StemV 80 >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offs = []
    for i, o in enumerate(objs):
        offs.append(len(out))
        out += b"%d 0 obj\n" % (i + 1) + o + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    for o in offs:
        out += b"%010d 00000 n \n" % o
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1,
                                                                             xref)
    return bytes(out)


def catalogue(user, q):
    j = ok(call(user, "GET", api.q("/api/v1/documents", q=q)))
    return [d["doc_no"] for d in j["documents"]]


def search(user, q):
    j = ok(call(user, "GET", api.q("/api/v1/search", q=q)))
    return [h["id"] for h in j["hits"]]


def versions(user):
    return ok(call(user, "GET", "/api/v1/documents/%s/versions" % DOC))["versions"]


# --- cases -----------------------------------------------------------------------------------

WORD = docx(["蓝鲸备份系统的恢复演练每季度一次", "Restore drill quarterly"], header="运维部 受控")
PDF = pdf("鹦鹉螺存储 扩容 方案")


def version_cases():
    def create():
        j = ok(call("eng1", "POST", "/api/v1/kb", {"source": doc_source("B/1")}), 201)
        need(j["id"] == DOC and j["n"] == 1 and j["state"] == "draft", j)
    case("an engineer saves document %s, version 1 (B/1), as a draft" % DOC, create)

    def upload_copies():
        a = ok(upload("eng1", DOC, "备份规程 B1.docx", WORD, version=1), 201)
        need(a["version"] == 1 and a["searchable"] is True, a)
        need(a["sha256"] == hashlib.sha256(WORD).hexdigest(), a)
        need(a["type"].endswith("wordprocessingml.document"), a)
        need("warning" not in a, a)
        b = ok(upload("eng1", DOC, "备份规程 B1.pdf", PDF, version=1), 201)
        need(b["version"] == 1 and b["searchable"] is True and b["type"] == "application/pdf",
             b)
        STATE["word"], STATE["pdf"] = a, b
    case("the draft takes its controlled copies: a .docx and a PDF with Chinese text, "
         "searchable, with their SHA-256", upload_copies)

    def publish():
        ok(call("eng1", "POST", "/api/v1/kb/%s/submit" % DOC))
        ok(call("appr1", "POST", "/api/v1/reviews/%s/approve" % DOC, {"comment": "同意"}))
        vs = versions("agent1")
        need([v["state"] for v in vs] == ["published"], vs)
    case("version 1 is submitted and approved", publish)

    def found():
        for q in ("蓝鲸备份", "藍鯨備份", "恢复演练", "restore drill", "鹦鹉螺存储",
                  "鸚鵡螺存儲", "运维部 受控", "表格单元"):
            need(DOC in catalogue("agent1", q), "catalogue q=%s" % q)
            need(DOC in search("agent1", q), "search q=%s" % q)
        need(DOC not in catalogue("agent1", "珊瑚礁"), "a word in no file")
    case("the catalogue and /api/v1/search find the document by words inside the Word "
         "file and the PDF (Simplified and Traditional)", found)

    def listed():
        vs = versions("aud1")
        files = vs[0]["files"]
        need([f["name"] for f in files] == ["备份规程 B1.docx", "备份规程 B1.pdf"], files)
        for f, data in zip(files, (WORD, PDF)):
            need(f["sha256"] == hashlib.sha256(data).hexdigest() and f["size"] == len(data), f)
            r = api.request("GET", f["url"], token=token("aud1"))
            need(r.status == 200 and r.body == data, "download %s: %d" % (f["url"], r.status))
            need(hashlib.sha256(r.body).hexdigest() == f["sha256"], "hash")
        cur = ok(call("aud1", "GET", "/api/v1/documents/" + DOC))
        need([f["sha256"] for f in cur["files"]] == [f["sha256"] for f in files], cur)
        one = ok(call("aud1", "GET", "/api/v1/kb/%s/attachments?version=1" % DOC))
        need(len(one["attachments"]) == 2, one)
    case("an auditor sees version 1's files with their SHA-256 and downloads them "
         "byte-identical", listed)

    def second():
        j = ok(call("eng1", "PUT", "/api/v1/kb/" + DOC, {"source": doc_source("B/2")}))
        need(j["n"] == 2 and j["state"] == "draft", j)
        c = ok(upload("eng1", DOC, "备份规程 B2.docx", docx(["珊瑚礁策略"]), version=2), 201)
        need(c["version"] == 2, c)
        STATE["b2"] = c
        vs = versions("eng1")
        need([len(v["files"]) for v in vs] == [2, 1], vs)
        need(vs[1]["files"][0]["name"] == "备份规程 B2.docx", vs)
        for user in ("eng1", "agent1"):
            need(DOC not in catalogue(user, "珊瑚礁") and DOC not in search(user, "珊瑚礁"),
                 "%s finds the document by a word only in a draft's file" % user)
        need(DOC in catalogue("agent1", "restore drill"), "the current version's files stay")
    case("version 2 (B/2) gets a file of its own; each version lists its own; the draft's "
         "words are not searchable", second)

    def wip_hidden():
        vs = versions("agent1")
        need([v["n"] for v in vs] == [1], vs)
        lst = ok(call("agent1", "GET", "/api/v1/kb/%s/attachments" % DOC))["attachments"]
        need([a["version"] for a in lst] == [1, 1], lst)
        check_error(call("agent1", "GET", STATE["b2"]["url"]), 404, "not_found")
        check_error(upload("eng1", DOC, "x.txt", b"x\n", version=9), 404, "not_found")
    case("the copy of a draft is hidden from those who may not read drafts", wip_hidden)

    def delete_rules():
        r = call("eng1", "DELETE", STATE["word"]["url"])
        check_error(r, 409, "conflict")
        ok(call("eng1", "DELETE", STATE["b2"]["url"]))
        need(DOC not in catalogue("eng1", "珊瑚礁"), "the removed file's words left the index")
        need(DOC in catalogue("eng1", "蓝鲸备份"), "the other files stay")
    case("a published version's copy is kept (409); a draft's is deleted and leaves the "
         "index", delete_rules)

    def superseded():
        ok(upload("eng1", DOC, "备份规程 B2 附录.docx", docx(["海豚策略"]), version=2), 201)
        need(DOC not in catalogue("agent1", "海豚策略"), "a draft's file is searchable")
        ok(call("eng1", "POST", "/api/v1/kb/%s/submit" % DOC))
        ok(call("appr1", "POST", "/api/v1/reviews/%s/approve" % DOC, {"comment": "同意"}))
        need(DOC in catalogue("agent1", "海豚策略") and DOC in search("agent1", "海豚策略"),
             "the published version's file is not searchable")
        # words only in version 1's Word file ("蓝鲸备份" would match the title's 备份)
        need(DOC not in catalogue("agent1", "restore drill") and
             DOC not in search("agent1", "restore drill"),
             "the superseded version's files are still searchable")
        check_error(upload("eng1", DOC, "late.txt", b"late\n", version=1), 409, "conflict")
        a = ok(upload("eng1", DOC, "备份规程 B2.pdf", pdf("第二版 扩容"), version=2), 201)
        need(a["version"] == 2, a)
        vs = versions("aud1")
        need([v["state"] for v in vs] == ["superseded", "published"], vs)
        need([len(v["files"]) for v in vs] == [2, 2], vs)
        need(DOC in catalogue("agent1", "扩容"), "the published version's new file")
    case("a draft's files become searchable when it is published, the superseded version's "
         "leave the index; a superseded version takes no new file, the published one does",
         superseded)


def bad_input_cases():
    def bad_versions():
        for v in ("abc", "0", "-1", "1.5", "99999999999999999999"):
            check_error(upload("eng1", DOC, "x.txt", b"x\n", version=v), 400, "invalid")
        check_error(call("eng1", "GET", "/api/v1/kb/%s/attachments?version=x" % DOC), 400,
                    "invalid")
        inc = ok(call("agent1", "POST", "/api/v1/incidents",
                      {"caller_name": "张三", "caller_phone": "13800138000",
                       "channel": "phone", "category": "printer", "priority": "P3",
                       "summary": "打印机无法打印"}), 201)["number"]
        r = api.request("POST", "/api/v1/incidents/%s/attachments?name=a.txt&version=1" % inc,
                        body=b"x\n", token=token("agent1"))
        check_error(r, 400, "invalid")
        check_error(upload("agent1", DOC, "x.txt", b"x\n", version=2), 403, "forbidden")
    case("a version that is no number, none of the item's, or given for an incident: 4xx",
         bad_versions)

    def hostile_files():
        broken = office_zip([("[Content_Types].xml", "<Types/>"),
                             ("word/document.xml", "<w:document><w:body><w:p>")])
        bomb = office_zip([("[Content_Types].xml", "<Types/>"),
                           ("word/document.xml", "<w:document>" + " " * (12 << 20) +
                            "</w:document>")])
        dtd = office_zip([("[Content_Types].xml", "<Types/>"),
                          ("word/document.xml", '<!DOCTYPE d [<!ENTITY a "aaaa">]><d>&a;</d>')])
        for name, data, why in (("broken.docx", broken, "broken XML"),
                                ("bomb.docx", bomb, "zip bomb"), ("dtd.docx", dtd, "DTD"),
                                ("broken.pdf", b"%PDF-1.4\n%broken\n", "pdf:")):
            a = ok(upload("eng1", DOC, name, data, version=2), 201)
            need(a["searchable"] is False and why in a.get("warning", ""), a)
        need(len(bomb) < 200000, "bomb %d bytes" % len(bomb))
    case("broken, bomb and DTD Word files and a broken PDF are kept without text, with a "
         "warning (201, never a 500)", hostile_files)


def main(tmp):
    srv = api.Served(tmp, users=[("eng1", PASSWORD, "engineer"),
                                 ("appr1", PASSWORD, "approver"),
                                 ("aud1", PASSWORD, "auditor"),
                                 ("agent1", PASSWORD, "agent")])
    if not srv.start():
        return 1
    version_cases()
    bad_input_cases()
    srv.stop()

    # the same database under a server without pdftotext on its PATH
    TOKENS.clear()
    srv2 = api.Served(tmp, db=srv.db, log="server2.stderr", env={"PATH": tmp})
    srv2.serve(add_users=False)

    def missing():
        a = ok(upload("eng1", DOC, "无文字.pdf", pdf("没有程序读取"), version=2), 201)
        need(a["searchable"] is False and "not installed" in a.get("warning", ""), a)
        r = api.request("GET", a["url"], token=token("eng1"))
        need(r.status == 200 and r.body == pdf("没有程序读取"), "kept")
    case("without pdftotext a PDF is kept, not searchable, with a warning", missing)
    srv2.stop()


if __name__ == "__main__":
    api.run_main("test_docfiles", main, prefix="kedb-docfiles-")
