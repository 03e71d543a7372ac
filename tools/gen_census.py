#!/usr/bin/env python3
"""Generates the demo census files (deterministic; no real people: names are made of a
surname and a given name drawn from short lists):

  samples/assets/archive.csv        the asset archive before the census, UTF-8, 300 assets
                                    (`make run` imports it: kedb-admin assets import)
  samples/assets/census-2026q4.csv  the census "2026 Q4 盘点" as a desk exports it: GBK, a
                                    title row above the header, 275 rows: 266 assets of the
                                    archive found (18 moved to another department, location
                                    or user), 6 new ones, 3 bad rows; 34 assets are missing
  samples/assets/census-2026q4.xlsx the same census as an .xlsx workbook

tests/api/test_census.py imports this module for the same rows (and its xlsx writer).
Regenerate with: python3 tools/gen_census.py [OUT_DIR]"""
import csv
import io
import os
import random
import sys
import zipfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高"
GIVEN = ["伟", "芳", "娜", "敏", "静", "磊", "洋", "勇", "艳", "杰", "军", "涛", "明", "超",
         "霞", "平", "刚", "桂英", "建华", "文", "晓东", "海燕", "志强", "秀兰"]
DEPTS = ["财务部", "人事部", "行政部", "销售部", "市场部", "研发部", "法务部", "客服中心"]
SITES = ["北京总部 3F", "北京总部 5F", "北京总部 7F", "上海分公司 12F", "广州办事处 2F"]
CLASSES = [("desktop", "PC", "台式机", [("Lenovo", "ThinkCentre M720q"), ("Dell", "OptiPlex 7090"),
                                      ("HP", "ProDesk 400 G7")]),
           ("laptop", "NB", "笔记本", [("Lenovo", "ThinkPad T14"), ("Dell", "Latitude 5420"),
                                     ("Huawei", "MateBook 14")]),
           ("printer", "PRN", "打印机", [("HP", "LaserJet M404dn"), ("Brother", "HL-L5100DN"),
                                       ("Canon", "iR-ADV C3525")]),
           ("monitor", "MON", "显示器", [("Dell", "P2422H"), ("AOC", "24P2Q")]),
           ("network_device", "NET", "交换机", [("H3C", "S5130"), ("Huawei", "S5735")]),
           ("phone", "TEL", "IP电话", [("Yealink", "T54W"), ("Cisco", "CP-8845")])]
WEIGHTS = [100, 80, 40, 50, 10, 20]
HEADER = ["资产编号", "类别", "品牌", "型号", "序列号", "使用人", "部门", "位置", "供应商",
          "购置日期", "保修截止", "状态", "备注"]
SUPPLIERS = ["联想直销", "京东企业购", "神州数码", "本地经销商"]


def person(rng):
    return rng.choice(SURNAMES) + rng.choice(GIVEN)


def serial(rng, n=10):
    return "".join(rng.choice("ABCDEFGHJKLMNPQRSTUVWXYZ0123456789") for _ in range(n))


def archive(n=300, seed=2026):
    """The archive: n assets as dicts keyed like HEADER (English class names, ISO dates)."""
    rng = random.Random(seed)
    count = {}
    rows = []
    for _ in range(n):
        cls, prefix, _zh, models = rng.choices(CLASSES, WEIGHTS)[0]
        count[prefix] = count.get(prefix, 0) + 1
        brand, model = rng.choice(models)
        year = rng.randrange(2019, 2026)
        day = "%04d-%02d-%02d" % (year, rng.randrange(1, 13), rng.randrange(1, 29))
        dept = rng.choice(DEPTS)
        shared = cls in ("printer", "network_device")
        rows.append({
            "资产编号": "%s-%04d" % (prefix, count[prefix]), "类别": cls, "品牌": brand,
            "型号": model, "序列号": serial(rng), "使用人": "" if shared else person(rng),
            "部门": dept, "位置": "%s %s" % (rng.choice(SITES), rng.choice("东西南北") + "区"),
            "供应商": rng.choice(SUPPLIERS), "购置日期": day,
            "保修截止": "%04d%s" % (year + 3, day[4:]), "状态": "in_use", "备注": ""})
    return rows


def census(rows, seed=4):
    """The census of archive rows: (data rows, expected) where expected counts what an
    import into an empty campaign must report. Chinese classes, dates as 2024/3/5 and
    statuses as 在用; the order is shuffled like a hand-made sheet."""
    rng = random.Random(seed)
    idx = list(range(len(rows)))
    rng.shuffle(idx)
    missing = set(idx[:34])
    moved = idx[34:52]
    out = []
    zh = {c[0]: c[2] for c in CLASSES}
    for i, r in enumerate(rows):
        if i in missing:
            continue
        c = dict(r)
        c["类别"] = zh[r["类别"]]
        y, m, d = r["购置日期"].split("-")
        c["购置日期"] = "%s/%d/%d" % (y, int(m), int(d))
        c["状态"] = "在用"
        if i in moved:
            k = moved.index(i) % 3
            if k == 0:
                c["部门"] = DEPTS[(DEPTS.index(r["部门"]) + 1) % len(DEPTS)]
            elif k == 1:
                c["位置"] = r["位置"].replace("区", "区 临时工位")
            else:
                c["使用人"] = person(rng) + "（新）"
        out.append(c)
    for k in range(6):
        out.append({"资产编号": "NB-9%03d" % (k + 1), "类别": "笔记本", "品牌": "Lenovo",
                    "型号": "ThinkPad X1 Carbon", "序列号": serial(rng), "使用人": person(rng),
                    "部门": DEPTS[k], "位置": "北京总部 5F 新工位", "供应商": "联想直销",
                    "购置日期": "2026年10月%d日" % (k + 10), "保修截止": "2029-10-%02d" % (k + 10),
                    "状态": "在用", "备注": "盘点时新发现"})
    rng.shuffle(out)
    bad = [dict(out[0], **{"资产编号": "BAD-0001", "类别": "飞船", "序列号": serial(rng)}),
           dict(out[1], **{"购置日期": "2026-02-30"}),
           dict(out[2])]  # the same asset twice: the later row is bad
    out += bad
    expected = {"rows": len(out), "found": len(out) - 3, "missing": 34, "moved": 18,
                "new": 6, "bad": 3}
    return out, expected


def csv_bytes(rows, encoding="utf-8", title=None, header=HEADER):
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    if title:
        w.writerow([title])
    w.writerow(header)
    for r in rows:
        w.writerow([r.get(h, "") for h in header])
    return buf.getvalue().encode(encoding)


def _col(i):
    s = ""
    i += 1
    while i:
        i, rem = divmod(i - 1, 26)
        s = chr(65 + rem) + s
    return s


def _esc(t):
    return t.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def xlsx_bytes(rows, header=HEADER, title=None, sheet="盘点"):
    """A minimal .xlsx (inline strings) of the rows under header, a title row above."""
    ns = ('xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
          'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"')
    lines = ([[title]] if title else []) + [header] + [[r.get(h, "") for h in header]
                                                        for r in rows]
    xml = []
    for n, cells in enumerate(lines, 1):
        cs = "".join('<c r="%s%d" t="inlineStr"><is><t>%s</t></is></c>' % (_col(i), n, _esc(v))
                     for i, v in enumerate(cells) if v != "")
        xml.append('<row r="%d">%s</row>' % (n, cs))
    parts = {
        "[Content_Types].xml": "<Types/>",
        "xl/workbook.xml": '<workbook %s><sheets><sheet name="%s" sheetId="1" r:id="rId1"/>'
                           '</sheets></workbook>' % (ns, _esc(sheet)),
        "xl/_rels/workbook.xml.rels": '<Relationships><Relationship Id="rId1" '
                                      'Target="worksheets/sheet1.xml"/></Relationships>',
        "xl/worksheets/sheet1.xml": '<worksheet %s><sheetData>%s</sheetData></worksheet>'
                                    % (ns, "".join(xml)),
    }
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in parts.items():
            info = zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, text.encode("utf-8"))
    return buf.getvalue()


TITLE = "2026年第四季度资产盘点表"


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "samples", "assets")
    os.makedirs(out, exist_ok=True)
    rows = archive()
    rows_c, expected = census(rows)
    files = {"archive.csv": csv_bytes(rows),
             "census-2026q4.csv": csv_bytes(rows_c, "gbk", TITLE),
             "census-2026q4.xlsx": xlsx_bytes(rows_c, title=TITLE)}
    for name, data in files.items():
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)
    print("%d archive rows; census: %r" % (len(rows), expected))


if __name__ == "__main__":
    main()
