#!/usr/bin/env python3
"""Writes the tiny .xls fixtures of tests/unit/test_sheet.c into tests/data/sheets/.

usage: python3 tools/gen_xls.py [DIR]     (default tests/data/sheets)

Old Excel files (BIFF8 inside an OLE2 compound file) written from scratch with the
standard library only, so that the fixtures are reproducible and copied from nowhere:
a compound file of 512-byte sectors (one FAT sector, one directory sector, the
"Workbook" stream padded to 4096 bytes so that it lives in normal sectors, not the mini
stream) holding the records Excel writes for a workbook: BOF, CODEPAGE (UTF-16), DATEMODE,
XF records (general, built-in date format 14, built-in date-time format 22), BOUNDSHEET,
SST, EOF, then per sheet BOF, DIMENSIONS, the cells (LABELSST, RK, NUMBER, BOOLERR) and
EOF. References: [MS-CFB] and [MS-XLS] from Microsoft's open specifications.

  basic.xls      sheets "资产" and "Other"; text, whole numbers, decimals, dates in
                 the 1900 system, a date and time, an empty cell, an empty row
  date1904.xls   one sheet in the 1904 date system (Mac Excel)
  bigdates.xls   ten dates of day 2,000,000,000: freexl would count 2e10 days, so
                 kb/sheet.c refuses the file before freexl sees it

freexl-overflow.xls beside them is not made here: it is a mutation of basic.xls that
fuzz_sheet found (tests/fuzz), on which freexl 1.0.6 reads past a buffer inside
freexl_open(); kb/sheet.c runs freexl in a child process, which this file makes fail.
"""
import os
import struct
import sys

ENDOFCHAIN = 0xFFFFFFFE
FREESECT = 0xFFFFFFFF
FATSECT = 0xFFFFFFFD
NOSTREAM = 0xFFFFFFFF


def rec(rtype, data=b""):
    return struct.pack("<HH", rtype, len(data)) + data


def bof(dt):
    return rec(0x0809, struct.pack("<HHHHII", 0x0600, dt, 0x0DBB, 0x07CC, 0, 0x06))


def xf(ifmt):
    # font 0, the format, a cell XF (not a style XF) whose parent is style XF 0
    return rec(0x00E0, struct.pack("<HHH", 0, ifmt, 0x0000) + bytes(14))


def short_ustr(s):
    raw = s.encode("utf-16-le")
    return struct.pack("<BB", len(s), 1) + raw


def ustr(s):
    raw = s.encode("utf-16-le")
    return struct.pack("<HB", len(s), 1) + raw


def rk_int(n):
    return (n << 2) | 0x02


def sheet_stream(cells):
    """cells: list of (row, col, kind, value, xf) with 0-based row and column."""
    rows = max(c[0] for c in cells) + 1
    cols = max(c[1] for c in cells) + 1
    out = bof(0x0010)
    out += rec(0x0200, struct.pack("<IIHHH", 0, rows, 0, cols, 0))
    for row, col, kind, value, xfi in cells:
        if kind == "sst":
            out += rec(0x00FD, struct.pack("<HHHI", row, col, xfi, value))
        elif kind == "rk":
            out += rec(0x027E, struct.pack("<HHHI", row, col, xfi, rk_int(value)))
        elif kind == "num":
            out += rec(0x0203, struct.pack("<HHHd", row, col, xfi, value))
        elif kind == "bool":
            out += rec(0x0205, struct.pack("<HHHBB", row, col, xfi, 1 if value else 0, 0))
    return out + rec(0x000A)


def workbook(sheets, strings, date1904=False):
    """sheets: list of (name, cells); cells use "sst" values as indexes into strings."""
    head = bof(0x0005)
    head += rec(0x0042, struct.pack("<H", 1200))          # CODEPAGE: UTF-16
    head += rec(0x0022, struct.pack("<H", 1 if date1904 else 0))  # DATEMODE
    head += xf(0) + xf(14) + xf(22)                        # XF 0 general, 1 date, 2 date-time
    sst = struct.pack("<II", len(strings), len(strings))
    for s in strings:
        sst += ustr(s)
    tail = rec(0x00FC, sst) + rec(0x000A)
    bodies = [sheet_stream(cells) for _, cells in sheets]
    bound_len = sum(len(rec(0x0085, struct.pack("<IBB", 0, 0, 0) + short_ustr(n)))
                    for n, _ in sheets)
    offset = len(head) + bound_len + len(tail)
    bounds = b""
    for (name, _), body in zip(sheets, bodies):
        bounds += rec(0x0085, struct.pack("<IBB", offset, 0, 0) + short_ustr(name))
        offset += len(body)
    return head + bounds + tail + b"".join(bodies)


def dir_entry(name, etype, child, start, size):
    raw = name.encode("utf-16-le") + b"\0\0" if name else b""
    e = raw.ljust(64, b"\0")
    e += struct.pack("<HBB", len(raw), etype, 1)
    e += struct.pack("<III", NOSTREAM, NOSTREAM, child)
    e += bytes(16) + struct.pack("<I", 0) + bytes(16)
    e += struct.pack("<IQ", start, size)
    assert len(e) == 128
    return e


def compound(stream):
    stream = stream.ljust(4096, b"\0")
    nsect = (len(stream) + 511) // 512
    assert nsect + 2 <= 128, "one FAT sector holds 128 entries"
    stream = stream.ljust(nsect * 512, b"\0")
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(16)
    header += struct.pack("<HHHHH", 0x003E, 3, 0xFFFE, 9, 6) + bytes(6)
    header += struct.pack("<IIIIIIIII", 0, 1, 1, 0, 4096, ENDOFCHAIN, 0, ENDOFCHAIN, 0)
    header += struct.pack("<I", 0) + struct.pack("<I", FREESECT) * 108
    assert len(header) == 512
    fat = [FATSECT, ENDOFCHAIN] + [3 + i for i in range(nsect - 1)] + [ENDOFCHAIN]
    fat += [FREESECT] * (128 - len(fat))
    fat_sector = struct.pack("<128I", *fat)
    dirs = dir_entry("Root Entry", 5, 1, ENDOFCHAIN, 0)
    dirs += dir_entry("Workbook", 2, NOSTREAM, 2, len(stream))
    dirs += dir_entry("", 0, NOSTREAM, 0, 0) * 2
    return header + fat_sector + dirs + stream


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join("tests", "data", "sheets")
    os.makedirs(out, exist_ok=True)
    strings = ["标签", "序列号", "购买日期", "数量", "价格", "A-001", "SN-9001", "A-002",
               "服务器", "x"]
    assets = [
        (0, 0, "sst", 0, 0), (0, 1, "sst", 1, 0), (0, 2, "sst", 2, 0), (0, 3, "sst", 3, 0),
        (0, 4, "sst", 4, 0),
        (1, 0, "sst", 5, 0), (1, 1, "sst", 6, 0), (1, 2, "rk", 45292, 1),   # 2024-01-01
        (1, 3, "rk", 3, 0), (1, 4, "num", 12.5, 0),
        (2, 0, "sst", 7, 0), (2, 3, "rk", 7, 0),                          # B and C empty
        (4, 0, "sst", 8, 0), (4, 2, "num", 45292.5, 2), (4, 4, "bool", 1, 0),
    ]
    other = [(0, 0, "sst", 9, 0)]
    with open(os.path.join(out, "basic.xls"), "wb") as f:
        f.write(compound(workbook([("资产", assets), ("Other", other)], strings)))
    with open(os.path.join(out, "bigdates.xls"), "wb") as f:
        f.write(compound(workbook([("S", [(0, i, "num", 2.0e9, 1) for i in range(10)])], [])))
    # 1904 system: day 1462 is 1908-01-02
    with open(os.path.join(out, "date1904.xls"), "wb") as f:
        f.write(compound(workbook([("Sheet1", [(0, 0, "rk", 1462, 1)])], [], True)))


if __name__ == "__main__":
    main()
