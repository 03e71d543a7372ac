#!/usr/bin/env python3
"""Every API error message has a Chinese translation.

Extracts the format string of every kb_err_set() / kb_err_prefix() call in kb/, server/,
importer/, admin/ and indexer/ and checks that kb/err_zh.c holds an entry for it whose
Chinese format has the same conversion specifiers in the same order. Calls whose code is
one of the 5xx-only statuses (the API answers those with a fixed short reason, never with
their text) are exempt. Also reports catalogue entries no source uses any more.

Prints one line per problem and ends with "N passed, N failed".
--list prints the extracted formats (one per line, as C literals) and exits.
"""
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DIRS = ["kb", "server", "importer", "admin", "indexer"]
CALLS = ("kb_err_set", "kb_err_prefix")
# statuses answered with a fixed text (server/http.c short_reason): their messages go to
# logs and command lines only
EXEMPT = {"KB_EDB", "KB_EIO", "KB_ENOMEM", "KB_EINTERNAL", "KB_EUNAVAIL"}
SPEC = re.compile(r"%[-+ #0]*(\*|\d+)?(\.(\*|\d+))?(hh|h|ll|l|z|j|t|L)?([diouxXeEfgGcsp%])")
STR = re.compile(r'"((?:[^"\\\n]|\\.)*)"')


def strip_comments(src):
    out = []
    i = 0
    n = len(src)
    while i < n:
        c = src[i]
        if c == '"' or c == "'":
            j = i + 1
            while j < n and src[j] != c:
                j += 2 if src[j] == "\\" else 1
            out.append(src[i:j + 1])
            i = j + 1
        elif src.startswith("/*", i):
            j = src.find("*/", i + 2)
            out.append(" " * 0 + "\n" * src.count("\n", i, j))
            i = j + 2
        elif src.startswith("//", i):
            j = src.find("\n", i)
            i = j
        else:
            out.append(c)
            i += 1
    return "".join(out)


def split_args(src, start):
    """Arguments (as source text) of the call whose '(' is at src[start]."""
    depth = 0
    args = []
    cur = []
    i = start + 1
    while i < len(src):
        c = src[i]
        if c in "\"'":
            j = i + 1
            while src[j] != c:
                j += 2 if src[j] == "\\" else 1
            cur.append(src[i:j + 1])
            i = j + 1
            continue
        if c in "([{":
            depth += 1
        elif c in ")]}":
            if depth == 0:
                args.append("".join(cur).strip())
                return args
            depth -= 1
        elif c == "," and depth == 0:
            args.append("".join(cur).strip())
            cur = []
            i += 1
            continue
        cur.append(c)
        i += 1
    raise ValueError("unterminated call")


def literal(text):
    """The value of adjacent C string literals, or None when text is not only literals."""
    parts = []
    pos = 0
    text = text.strip()
    for m in STR.finditer(text):
        if text[pos:m.start()].strip():
            return None
        parts.append(m.group(1))
        pos = m.end()
    if not parts or text[pos:].strip():
        return None
    return "".join(parts)


def source_formats():
    """[(file, line, code, format or None)] for every call."""
    found = []
    for d in DIRS:
        for dirpath, _, files in os.walk(os.path.join(ROOT, d)):
            for f in sorted(files):
                if not f.endswith(".c"):
                    continue
                path = os.path.join(dirpath, f)
                rel = os.path.relpath(path, ROOT)
                if rel in ("kb/err.c", "kb/err_zh.c"):
                    continue
                src = strip_comments(open(path, encoding="utf-8").read())
                for m in re.finditer(r"\b(%s)\s*\(" % "|".join(CALLS), src):
                    args = split_args(src, m.end() - 1)
                    line = src.count("\n", 0, m.start()) + 1
                    code = args[1] if len(args) > 1 else ""
                    fmt = literal(args[2]) if len(args) > 2 else None
                    found.append((rel, line, code, fmt))
    return found


def catalogue():
    """{english: (chinese, line)} from kb/err_zh.c: rows { "en", "zh" }."""
    path = os.path.join(ROOT, "kb", "err_zh.c")
    src = strip_comments(open(path, encoding="utf-8").read())
    rows = {}
    dups = []
    for m in re.finditer(r"\{\s*((?:\"(?:[^\"\\\n]|\\.)*\"\s*)+),\s*((?:\"(?:[^\"\\\n]|\\.)*\"\s*)+)\}", src):
        en = literal(m.group(1))
        zh = literal(m.group(2))
        line = src.count("\n", 0, m.start()) + 1
        if en in rows:
            dups.append((en, line))
        rows[en] = (zh, line)
    return rows, dups


def specs(fmt):
    return [m.group(0) for m in SPEC.finditer(fmt) if m.group(0) != "%%"]


def main():
    found = source_formats()
    if "--list" in sys.argv:
        for f in sorted({x[3] for x in found if x[3] is not None and x[2] not in EXEMPT}):
            print('"%s"' % f)
        return 0
    rows, dups = catalogue()
    passed = failed = 0
    used = set()
    for rel, line, code, fmt in found:
        if fmt is None:
            print("%s:%d: the format is not a string literal (the catalogue cannot hold it)"
                  % (rel, line))
            failed += 1
            continue
        used.add(fmt)
        if code in EXEMPT:
            continue
        if fmt not in rows:
            print('%s:%d: no Chinese in kb/err_zh.c for "%s"' % (rel, line, fmt))
            failed += 1
            continue
        passed += 1
    for en, (zh, line) in sorted(rows.items(), key=lambda r: r[1][1]):
        if specs(en) != specs(zh):
            print('kb/err_zh.c:%d: the conversions differ: "%s" %s, "%s" %s'
                  % (line, en, specs(en), zh, specs(zh)))
            failed += 1
        if en not in used:
            print('kb/err_zh.c:%d: "%s" is used nowhere any more' % (line, en))
            failed += 1
    for en, line in dups:
        print('kb/err_zh.c:%d: "%s" is in the catalogue twice' % (line, en))
        failed += 1
    print("err_zh: %d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
