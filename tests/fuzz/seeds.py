#!/usr/bin/env python3
"""Writes the seed corpora of the fuzz targets into OUT/<target>/ from the tests: string
literals of the unit tests (tokenizer, query), the knowledge files of tests/data
(ingestion), the CSV and JSON of the import test, request paths and JSON bodies found in
the API tests. Nothing here is checked in: `make fuzz` regenerates it.

usage: seeds.py OUT"""
import ast
import hashlib
import io
import json
import os
import re
import sys
import zipfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BODY_ROUTES = {"body_incident": 7, "body_kb": 8, "body_docreq": 9, "body_admin": 5,
               "body_request": 8}
C_STRING = re.compile(r'"((?:[^"\\\n]|\\.)*)"')


def c_unescape(s):
    """The bytes of a C string literal's contents (simple escapes, \\x and octal)."""
    out = bytearray()
    i = 0
    raw = s.encode("utf-8")
    while i < len(raw):
        c = raw[i]
        if c != 0x5C or i + 1 == len(raw):
            out.append(c)
            i += 1
            continue
        n = chr(raw[i + 1])
        simple = {"n": 10, "t": 9, "r": 13, "0": 0, "\\": 92, '"': 34, "'": 39}
        if n == "x":
            m = re.match(rb"[0-9a-fA-F]{1,2}", raw[i + 2:])
            out.append(int(m.group(0), 16) if m else 0)
            i += 2 + (len(m.group(0)) if m else 0)
        elif n in "01234567" and re.match(rb"[0-7]{1,3}", raw[i + 1:]):
            m = re.match(rb"[0-7]{1,3}", raw[i + 1:])
            out.append(int(m.group(0), 8) & 0xFF)
            i += 1 + len(m.group(0))
        else:
            out.append(simple.get(n, ord(n) & 0xFF))
            i += 2
    return bytes(out)


def c_strings(paths):
    for p in paths:
        with open(os.path.join(ROOT, p), encoding="utf-8") as f:
            for m in C_STRING.finditer(f.read()):
                yield c_unescape(m.group(1))


def py_trees():
    d = os.path.join(ROOT, "tests", "api")
    for name in sorted(os.listdir(d)):
        if name.endswith(".py"):
            with open(os.path.join(d, name), encoding="utf-8") as f:
                yield name, ast.parse(f.read())


def py_strings(tree):
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            yield node.value


def py_bodies(tree):
    """Dict literals and calls with only constant keyword arguments, as JSON."""
    for node in ast.walk(tree):
        value = None
        if isinstance(node, ast.Dict):
            try:
                value = ast.literal_eval(node)
            except (ValueError, SyntaxError, TypeError):
                continue
        elif isinstance(node, ast.Call) and node.keywords:
            try:
                value = {k.arg: ast.literal_eval(k.value) for k in node.keywords if k.arg}
            except (ValueError, SyntaxError, TypeError):
                continue
        if isinstance(value, dict) and value and all(isinstance(k, str) for k in value):
            try:
                yield json.dumps(value, ensure_ascii=False).encode("utf-8")
            except (TypeError, ValueError):
                continue


def small_xlsx():
    """A two-sheet .xlsx with shared strings, styles and dates, stored uncompressed so
    that the fuzzer can change its XML."""
    ns = ('xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
          'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"')
    parts = {
        "[Content_Types].xml": "<Types/>",
        "xl/workbook.xml": '<workbook %s><workbookPr date1904="0"/><sheets>'
                           '<sheet name="Assets" sheetId="1" r:id="rId1"/></sheets></workbook>' % ns,
        "xl/_rels/workbook.xml.rels": '<Relationships><Relationship Id="rId1" '
                                      'Target="worksheets/sheet1.xml"/></Relationships>',
        "xl/styles.xml": '<styleSheet %s><numFmts><numFmt numFmtId="164" formatCode="yyyy-mm-dd"/>'
                         '</numFmts><cellXfs><xf numFmtId="0"/><xf numFmtId="164"/>'
                         '<xf numFmtId="22"/></cellXfs></styleSheet>' % ns,
        "xl/sharedStrings.xml": '<sst %s><si><t>标签</t></si><si><r><t>序列</t></r>'
                                '<r><t>号</t></r></si></sst>' % ns,
        "xl/worksheets/sheet1.xml": '<worksheet %s><sheetData><row r="1"><c r="A1" t="s">'
                                    '<v>0</v></c><c r="C1" t="s"><v>1</v></c></row>'
                                    '<row r="3"><c r="A3" s="1"><v>45292</v></c><c r="B3" '
                                    's="2"><v>45292.5</v></c><c r="D3" t="inlineStr"><is><t>x'
                                    '</t></is></c><c r="E3" t="b"><v>1</v></c></row>'
                                    '</sheetData></worksheet>' % ns,
    }
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as z:
        for name, text in parts.items():
            info = zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0))
            z.writestr(info, text.encode("utf-8"))
    return buf.getvalue()


def stored_zip(parts):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as z:
        for name, data in parts.items():
            z.writestr(name, data)
    return buf.getvalue()


def small_docx():
    """A .docx with paragraphs, a table and a header (stored)."""
    ns = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
    return stored_zip({
        "[Content_Types].xml": "<Types/>",
        "word/document.xml": "<w:document %s><w:body><w:p><w:r><w:t>打印机卡纸</w:t></w:r>"
                             "<w:r><w:tab/><w:t>处理</w:t></w:r></w:p><w:tbl><w:tr><w:tc><w:p>"
                             "<w:r><w:t>服务器</w:t></w:r></w:p></w:tc></w:tr></w:tbl>"
                             "</w:body></w:document>" % ns,
        "word/header1.xml": "<w:hdr %s><w:p><w:r><w:t>受控</w:t></w:r></w:p></w:hdr>" % ns,
    })


def small_pptx():
    """A .pptx with one slide and its notes (stored)."""
    ns = 'xmlns:p="urn:p" xmlns:a="urn:a"'
    return stored_zip({
        "[Content_Types].xml": "<Types/>",
        "ppt/presentation.xml": "<p:presentation %s/>" % ns,
        "ppt/slides/slide1.xml": "<p:sld %s><a:p><a:r><a:t>服务报告</a:t></a:r></a:p>"
                                 "</p:sld>" % ns,
        "ppt/notesSlides/notesSlide1.xml": "<p:notes %s><a:p><a:r><a:t>备注</a:t></a:r>"
                                           "</a:p></p:notes>" % ns,
    })


def write(out, target, data):
    d = os.path.join(out, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, hashlib.sha1(data).hexdigest()), "wb") as f:
        f.write(data)


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    out = sys.argv[1]
    for s in c_strings(["tests/unit/test_tokenize.c", "tests/unit/test_query.c",
                        "tests/unit/test_search.c"]):
        if s:
            write(out, "tokenize", s)
            write(out, "query", s)
    for s in c_strings(["tests/unit/test_attach.c"]):
        write(out, "attach", s)
    for s in c_strings(["tests/unit/test_phone.c"]):
        write(out, "callers", b"\x00" + s)
    for s in c_strings(["tests/unit/test_caller.c"]):
        if b"," in s and b"\n" in s:
            write(out, "callers", b"\x01" + s)
    for s in c_strings(["tests/unit/test_ingest.c", "tests/unit/test_version.c"]):
        if len(s) > 8:
            write(out, "ingest", s)
    for dirpath, _, files in os.walk(os.path.join(ROOT, "tests", "data")):
        for name in files:
            with open(os.path.join(dirpath, name), "rb") as f:
                data = f.read()
            if name.endswith(".md"):
                write(out, "ingest", data)
                body = json.dumps({"source": data.decode("utf-8")}, ensure_ascii=False)
                for i in range(BODY_ROUTES["body_kb"]):
                    write(out, "body_kb", bytes([i]) + body.encode("utf-8"))
            else:
                write(out, "tokenize", data)
    bodies = set()
    for name, tree in py_trees():
        for s in py_strings(tree):
            b = s.encode("utf-8")
            if s.startswith("/"):
                write(out, "route", b"\x00" + b)
            elif name == "test_import.py" and "," in s and "\n" in s:
                write(out, "import", b"\x00" + b)
            elif 0 < len(b) <= 200:
                write(out, "query", b)
        for b in py_bodies(tree):
            bodies.add(b)
            if name == "test_import.py":
                write(out, "import", b"\x01" + b)
                write(out, "import", b"\x01[" + b + b"]")
    # the business calendar (first byte even) and zone files (odd): the shipped calendars,
    # the unit tests' calendar texts and a few zones of the system's database
    for dirpath, _, files in os.walk(os.path.join(ROOT, "samples", "calendar")):
        for name in files:
            with open(os.path.join(dirpath, name), "rb") as f:
                write(out, "calendar", b"\x00" + f.read())
    for s in c_strings(["tests/unit/test_calendar.c"]):
        if s:
            write(out, "calendar", b"\x00" + s)
    for zone in ("Asia/Shanghai", "America/New_York", "Australia/Sydney", "Europe/Dublin"):
        try:
            with open(os.path.join("/usr/share/zoneinfo", zone), "rb") as f:
                write(out, "calendar", b"\x01" + f.read())
        except OSError:
            pass
    # spreadsheets: the .xls fixtures, a small .xlsx made here, the CSV texts of the unit
    # test (first byte 0: default options)
    for dirpath, _, files in os.walk(os.path.join(ROOT, "tests", "data", "sheets")):
        for name in sorted(files):
            with open(os.path.join(dirpath, name), "rb") as f:
                write(out, "sheet", b"\x00" + f.read())
    write(out, "sheet", b"\x01" + small_xlsx())
    for s in c_strings(["tests/unit/test_sheet.c"]):
        if b"," in s and b"\n" in s:
            write(out, "sheet", b"\x00" + s)
    # the text of Office files: the small .xlsx, a .docx and a .pptx made here (stored,
    # uncompressed), under both text bounds
    for blob in (small_xlsx(), small_docx(), small_pptx()):
        write(out, "extract", b"\x00" + blob)
        write(out, "extract", b"\x01" + blob)
    # census files: 20 rows of the demo census (tools/gen_census.py: GBK CSV with a title,
    # .xlsx) under the four option bytes that matter most, and the unit test's CSV texts
    sys.path.insert(0, os.path.join(ROOT, "tools"))
    import gen_census
    rows = gen_census.census(gen_census.archive())[0][:20]
    for blob in (gen_census.csv_bytes(rows, "gbk", gen_census.TITLE),
                 gen_census.xlsx_bytes(rows, title=gen_census.TITLE)):
        for opt in (0, 1, 3, 7):
            write(out, "census", bytes([opt]) + blob)
    for s in c_strings(["tests/unit/test_census.c"]):
        if b"," in s and b"\n" in s:
            write(out, "census", b"\x03" + s)
    # the service catalogue file: the demo catalogue and the unit tests' texts
    with open(os.path.join(ROOT, "samples", "request-items.txt"), "rb") as f:
        write(out, "request_items", f.read())
    for s in c_strings(["tests/unit/test_request.c"]):
        if s:
            write(out, "request_items", s)
    for target, n in BODY_ROUTES.items():
        for b in sorted(bodies):
            for i in range(n):
                write(out, target, bytes([i]) + b)


if __name__ == "__main__":
    main()
