#!/usr/bin/python3
"""The relevance corpus and its judged queries (make relevance; docs/RELEVANCE.md).

  corpus.py build --out DIR --queries FILE [--seed N] [--per-set N]
      splits the HTML of the Debian documentation packages (SOURCES) into one kedb
      known error per section (heading as title, text as body) under DIR, and writes the
      judged queries, generated from the section titles with a fixed seed, to FILE as
      'set<TAB>query<TAB>relevant ids' lines.
  corpus.py haystack --src DIR --out DIR
      copies make bench's generated corpus, every item re-typed as a closed ticket.

Debian's python3 (for python3-jieba, which cuts the Chinese titles into words) and the
opencc tool (Simplified -> Traditional) are needed; make relevance installs both.
"""
import argparse
import glob
import html.parser
import logging
import os
import random
import re
import shutil
import subprocess
import sys
import unicodedata

# (Debian package, language, HTML files, id prefix). Index pages hold only tables of
# contents and are left out.
SOURCES = [
    ("debian-reference-zh-cn", "zh", "/usr/share/debian-reference/*.zh-cn.html", "RZ"),
    ("debian-faq-zh-cn", "zh", "/usr/share/doc/debian/FAQ/zh-cn/*.zh-cn.html", "FZ"),
    ("maint-guide-zh-cn", "zh", "/usr/share/doc/maint-guide-zh-cn/html/*.zh-cn.html", "MZ"),
    ("debian-reference-en", "en", "/usr/share/debian-reference/*.en.html", "RE"),
    ("debian-faq", "en", "/usr/share/doc/debian/FAQ/*.en.html", "FE"),
    ("maint-guide", "en", "/usr/share/doc/maint-guide/html/*.en.html", "ME"),
]
PACKAGES = [s[0] for s in SOURCES]

MIN_BODY = 40          # characters of text a section needs to become a document
MAX_BODY = 60000       # longer section texts are cut (a few package tables)
MAX_DUPS = 3           # titles shared by more sections than this make no query
UPDATED = "2020-01-01"  # older than every make bench item (they are the newer tickets)

HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
HAN_GAP = re.compile(r"(?<=[\u3400-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef]) "
                     r"(?=[\u3400-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef])")
SKIP_DIVS = {"toc", "navheader", "navfooter", "list-of-tables", "list-of-figures",
             "list-of-examples"}
BLOCKS = {"p", "div", "li", "tr", "dt", "dd", "br", "table", "ul", "ol", "dl", "blockquote",
          "h1", "h2", "h3", "h4", "h5", "h6", "pre", "th", "td"}
NUMBERING = re.compile(
    r"^\s*(第\s*\d+\s*章|附录\s*[A-Z]\.?|Chapter\s+\d+\.?|Appendix\s+[A-Z]\.?|"
    r"Q:|问：|[A-Z]?\d*(?:\.\d+)*\.)\s*")


class Sections(html.parser.HTMLParser):
    """DocBook HTML -> [(level, title, text)]: a heading inside div.titlepage starts a
    section; its text runs to the next such heading."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.out = []
        self.divs = []          # classes of the open divs
        self.skip = 0           # inside a skipped div (depth count) or head/script/style
        self.head = None        # (level, [title parts]) while inside a section heading
        self.title = None
        self.level = 0
        self.parts = []
        self.pre = 0

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        cls = (a.get("class") or "").split()
        if tag == "div":
            skip = bool(SKIP_DIVS.intersection(cls))
            self.divs.append((cls, skip))
            if skip:
                self.skip += 1
            return
        if tag in ("head", "script", "style"):
            self.skip += 1
            return
        if self.skip:
            return
        if re.fullmatch(r"h[1-6]", tag) and any("titlepage" in c for c, _ in self.divs):
            self.flush()
            self.head = (int(tag[1]), [])
            return
        if tag == "pre":
            self.pre += 1
        if tag in BLOCKS:
            self.parts.append("\n")
        elif tag in ("td", "th"):
            self.parts.append(" ")

    def handle_startendtag(self, tag, attrs):
        if tag == "br" and not self.skip:
            self.parts.append("\n")

    def handle_endtag(self, tag):
        if tag == "div":
            if self.divs:
                _, skip = self.divs.pop()
                if skip:
                    self.skip -= 1
            return
        if tag in ("head", "script", "style"):
            self.skip -= 1
            return
        if self.skip:
            return
        if self.head and tag == "h%d" % self.head[0]:
            self.level = self.head[0]
            self.title = clean_title("".join(self.head[1]))
            self.head = None
            return
        if tag == "pre":
            self.pre = max(0, self.pre - 1)
            self.parts.append("\n")
        elif tag in BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data):
        if self.skip:
            return
        if self.head:
            self.head[1].append(data)
        elif self.pre:
            self.parts.append(data.replace("\n", "\x00"))  # kept as line breaks
        else:
            self.parts.append(data.replace("\n", " "))

    def flush(self):
        if self.title:
            self.out.append((self.level, self.title, clean_text("".join(self.parts))))
        self.title = None
        self.parts = []

    def close(self):
        super().close()
        self.flush()


def clean_title(t):
    t = re.sub(r"\s+", " ", t).strip()
    prev = None
    while prev != t:
        prev = t
        t = NUMBERING.sub("", t, count=1).strip()
    return t


def clean_text(t):
    lines = []
    for para in re.split(r"\n", t):
        para = para.replace("\x00", "\n")
        for line in para.split("\n"):
            line = re.sub(r"[ \t\r\f\v\u00a0]+", " ", line).strip()
            line = HAN_GAP.sub("", line)  # a line break of the HTML source inside Chinese
            lines.append(line)
    out, blank = [], False
    for line in lines:
        if not line:
            blank = bool(out)
            continue
        if blank:
            out.append("")
        out.append(line)
        blank = False
    return "\n".join(out)


MD_ESCAPE = re.compile(r"([\\`*_\[\]<>#|&!~])")


def md_line(line):
    """A line of plain text as Markdown that renders to the same text."""
    line = MD_ESCAPE.sub(r"\\\1", line)
    if re.fullmatch(r"[-=+ ]+", line):
        line = "\\" + line
    return re.sub(r"^(\d+)([.)])", r"\1\\\2", line)


def yaml_str(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def norm_title(t):
    t = unicodedata.normalize("NFKC", t).casefold()
    return re.sub(r"[\W_]+", "", t)


def read_sections():
    docs = []
    for pkg, lang, pattern, prefix in SOURCES:
        files = sorted(f for f in glob.glob(pattern) if not os.path.basename(f).startswith("index."))
        if not files:
            sys.exit("corpus.py: no files for %s (%s): run 'make relevance' as root, or "
                     "apt-get install %s" % (pkg, pattern, pkg))
        n = 0
        for path in files:
            p = Sections()
            with open(path, encoding="utf-8", errors="replace") as f:
                p.feed(f.read())
            p.close()
            for level, title, text in p.out:
                if len(text) < MIN_BODY or not title:
                    continue
                if lang == "zh" and not HAN.search(title + text[:2000]):
                    continue  # an untranslated page
                n += 1
                docs.append({"id": "%s%04d" % (prefix, n), "lang": lang, "pkg": pkg,
                             "title": title, "text": text[:MAX_BODY],
                             "src": "%s#%d" % (os.path.basename(path), n)})
    return docs


def write_corpus(docs, out):
    if os.path.isdir(out):
        shutil.rmtree(out)
    os.makedirs(out)
    for d in docs:
        body = "\n".join(md_line(l) if l else "" for l in d["text"].split("\n"))
        with open(os.path.join(out, d["id"] + ".md"), "w", encoding="utf-8") as f:
            f.write("---\nid: %s\ntype: known_error\ntitle: %s\nstatus: published\n"
                    "updated: %s\ntags: [%s]\nsource: %s\n---\n%s\n"
                    % (d["id"], yaml_str(d["title"]), UPDATED, d["lang"],
                       yaml_str(d["pkg"] + " " + d["src"]), body))


# ------------------------------------------------------------------------- queries

EN_STOP = set("a an the of and or to in on for with by from at as is are be it its this that "
              "what which how why when where who do does can i my your you into about not "
              "vs via".split())
EN_QUESTION = {"how", "what", "why", "where", "when", "which", "who", "can", "is", "are", "do",
               "does", "should", "will"}
EN_PIVOT = {"of", "for", "in", "with", "on", "from", "to", "by", "under", "via"}
EN_SYN = {
    "install": "set up", "installing": "setting up", "installation": "setup",
    "configure": "set up", "configuring": "setting up", "configuration": "settings",
    "error": "problem", "errors": "problems", "problem": "issue", "problems": "issues",
    "remove": "uninstall", "removing": "uninstalling", "delete": "remove",
    "upgrade": "update", "upgrades": "updates", "upgrading": "updating",
    "update": "upgrade", "updates": "upgrades", "directory": "folder",
    "directories": "folders", "program": "application", "programs": "applications",
    "application": "program", "applications": "programs", "tools": "utilities",
    "tool": "utility", "utilities": "tools", "start": "launch", "starting": "launching",
    "mail": "email", "email": "mail", "disk": "drive", "disks": "drives",
    "build": "compile", "building": "compiling", "compile": "build",
    "basic": "simple", "basics": "fundamentals", "overview": "introduction",
    "introduction": "overview", "options": "settings", "settings": "options",
    "management": "administration", "administration": "management", "manage": "handle",
    "computer": "machine", "user": "account", "users": "accounts",
    "documentation": "docs", "command": "cmd", "commands": "cmds", "fix": "repair",
    "display": "screen", "network": "networking", "get": "obtain", "getting": "obtaining",
    "make": "create", "making": "creating", "create": "make", "run": "execute",
    "running": "executing", "use": "utilize", "using": "with", "file": "document",
    "system": "os", "package": "pkg", "packages": "pkgs", "source": "src",
}
ZH_SYN = {
    "设置": "配置", "配置": "设置", "安装": "装", "软件包": "包", "程序": "软件", "软件": "程序",
    "文件": "档案", "目录": "文件夹", "网络": "网", "使用": "用", "如何": "怎样", "怎么": "如何",
    "启动": "开机", "删除": "移除", "移除": "删除", "升级": "更新", "更新": "升级",
    "问题": "故障", "错误": "报错", "用户": "账号", "硬件": "设备", "设备": "硬件",
    "内核": "核心", "命令": "指令", "数据": "资料", "简介": "介绍", "介绍": "简介",
    "概述": "简介", "基础": "基本", "基本": "基础", "系统": "操作系统", "管理": "管控",
    "工具": "程序", "备份": "备份", "创建": "建立", "建立": "创建", "修改": "更改",
    "编辑": "修改", "检查": "查看", "查看": "检查", "获取": "获得", "获得": "获取",
    "服务器": "服务端", "文件系统": "档案系统", "键盘": "键盘", "显示": "展示",
}
ZH_STOP = set("的 了 和 与 及 或 在 中 是 吗 呢 啊 吧 中的 以及 对 为 从 把 被 一个 我 你 我们 又 等 也 "
              "都 就 还 要 能 会 有 怎么 什么 如何 哪些 这些 那些 为什么 知道 可以 应该 是否 "
              "上 下 里 个".split())
COLLOQUIAL = ["请问{t}怎么办", "{t}老是出问题", "{t}一直不行怎么办", "{t}怎么弄啊",
              "请问{t}怎么设置", "{t}了吗", "{t}老是报错", "请问一下{t}", "我想问下{t}",
              "{t}出错了怎么办", "{t}搞不定了", "{t}是什么意思啊"]
KEYS = "qwertyuiop asdfghjkl zxcvbnm".split()


def en_words(t):
    return re.findall(r"[A-Za-z0-9][A-Za-z0-9.+_/-]*[A-Za-z0-9+]|[A-Za-z0-9]", t)


def zh_words(jieba, t):
    return [w for w in jieba.cut(t) if w.strip() and re.search(r"\w", w)]


def neighbours(c):
    for row in KEYS:
        i = row.find(c)
        if i >= 0:
            return [row[j] for j in (i - 1, i + 1) if 0 <= j < len(row)]
    return []


def typo(rng, w, vocab):
    """One edit (not in the first letter) that makes no word of the corpus."""
    for _ in range(50):
        i = rng.randrange(1, len(w))
        kind = rng.choice(["del", "ins", "sub", "swap"])
        if kind == "del":
            t = w[:i] + w[i + 1:]
        elif kind == "ins":
            t = w[:i] + rng.choice(neighbours(w[i].lower()) or ["e"]) + w[i:]
        elif kind == "sub":
            t = w[:i] + rng.choice(neighbours(w[i].lower()) or ["e"]) + w[i + 1:]
        else:
            if i + 1 >= len(w) or w[i] == w[i + 1]:
                continue
            t = w[:i] + w[i + 1] + w[i] + w[i + 2:]
        if t.lower() != w.lower() and t.lower() not in vocab:
            return t
    return None


def to_traditional(titles):
    """OpenCC s2twp (Traditional with Taiwan phrases, e.g. 网络 -> 網路) for each title."""
    r = subprocess.run(["opencc", "-c", "s2twp.json"], input="\n".join(titles) + "\n",
                       capture_output=True, text=True, check=True)
    out = r.stdout.split("\n")[:len(titles)]
    if len(out) != len(titles):
        sys.exit("corpus.py: opencc returned %d lines for %d titles" % (len(out), len(titles)))
    return out


def make_queries(docs, seed, per_set):
    import jieba
    jieba.setLogLevel(logging.WARNING)
    rng = random.Random(seed)
    groups = {}
    for d in docs:
        groups.setdefault(norm_title(d["title"]), []).append(d["id"])
    vocab = set()
    for d in docs:
        if d["lang"] == "en":
            vocab.update(w.lower() for w in en_words(d["title"] + " " + d["text"]))
    norm_titles = [(norm_title(d["title"]), groups[norm_title(d["title"])]) for d in docs]

    def rel(d):
        g = groups[norm_title(d["title"])]
        return g if len(g) <= MAX_DUPS else None

    def unique_in_titles(q, d):
        """The fragment q occurs in no title but those of d's duplicates."""
        k = norm_title(q)
        mine = set(groups[norm_title(d["title"])])
        return k and all(k not in t or set(ids) == mine for t, ids in norm_titles)

    zh = [d for d in docs if d["lang"] == "zh" and len(HAN.findall(d["title"])) >= 3 and rel(d)]
    en = [d for d in docs if d["lang"] == "en" and not HAN.search(d["title"]) and rel(d)]
    sets = {}

    def sample(pool, make):
        out, seen = [], set()
        order = pool[:]
        rng.shuffle(order)
        for d in order:
            if len(out) >= per_set:
                break
            q = make(d)
            if not q:
                continue
            q = re.sub(r"\s+", " ", q).strip()
            if not q or q in seen:
                continue
            seen.add(q)
            out.append((q, rel(d)))
        return out

    def frag_zh(d):
        w = zh_words(jieba, d["title"])
        content = [i for i, x in enumerate(w) if x not in ZH_STOP]
        if len(w) < 3 or len(content) < 3:
            return None
        k = rng.choice([2, 2, 3]) if len(w) > 3 else 2
        i = rng.randrange(0, len(w) - k + 1)
        part = w[i:i + k]
        if part[0] in ZH_STOP or part[-1] in ZH_STOP or len(HAN.findall("".join(part))) < 2:
            return None
        if not all(re.fullmatch(r"\w+", x) for x in part):
            return None
        # the words as they stand in the title (its own spacing)
        start = d["title"].find(part[0])
        end = d["title"].find(part[-1], start) + len(part[-1])
        q = d["title"][start:end]
        if re.search(r"[^\w\s]", q) or not q[0].isalpha():
            return None
        return q if norm_title(q) != norm_title(d["title"]) and unique_in_titles(q, d) else None

    def frag_en(d):
        w = en_words(d["title"])
        if len(w) < 3:
            return None
        k = rng.choice([2, 2, 3]) if len(w) > 3 else 2
        i = rng.randrange(0, len(w) - k + 1)
        part = w[i:i + k]
        if any(not x.isalpha() for x in (part[0], part[-1])) or \
                part[0].lower() in EN_STOP or part[-1].lower() in EN_STOP:
            return None
        q = " ".join(part)
        words = [x.lower() for x in part]
        mine = set(groups[norm_title(d["title"])])
        for o in docs:  # the words in this order in no other title
            if o["id"] in mine:
                continue
            ow = [x.lower() for x in en_words(o["title"])]
            if any(ow[j:j + k] == words for j in range(len(ow) - k + 1)):
                return None
        return q

    def reword(words, syn, stop, joiner, pivot=None):
        ops = rng.sample(["drop", "swap", "syn"], rng.choice([1, 2]))
        w = list(words)
        changed = False
        for op in ops:
            if op == "drop":
                idx = [i for i, x in enumerate(w) if x.lower() in stop] or \
                      ([rng.randrange(len(w))] if len(w) >= 4 else [])
                if idx:
                    del w[rng.choice(idx)]
                    changed = True
            elif op == "swap" and pivot and w[0].lower() not in EN_QUESTION:
                # "A of B" -> "B A": the reordering people type
                idx = [i for i in range(1, len(w) - 1) if w[i].lower() in pivot]
                if idx:
                    i = idx[0]
                    w = w[i + 1:] + w[:i]
                    changed = True
            elif op == "swap":
                idx = [i for i in range(len(w) - 1)
                       if w[i].lower() not in stop and w[i + 1].lower() not in stop]
                if idx:
                    i = rng.choice(idx)
                    w[i], w[i + 1] = w[i + 1], w[i]
                    changed = True
            elif op == "syn":
                idx = [i for i, x in enumerate(w) if x.lower() in syn and syn[x.lower()] != x]
                if idx:
                    i = rng.choice(idx)
                    w[i] = syn[w[i].lower()]
                    changed = True
        return joiner(w) if changed else None

    def reword_zh(d):
        w = zh_words(jieba, d["title"])
        if len(w) < 2:
            return None
        q = reword(w, ZH_SYN, ZH_STOP, " ".join)
        return q if q and norm_title(q) != norm_title(d["title"]) else None

    def reword_en(d):
        w = en_words(d["title"])
        if not 3 <= len(w) <= 8:
            return None
        q = reword(w, EN_SYN, EN_STOP, lambda x: x, EN_PIVOT)
        if not q:
            return None
        while q and q[0].lower() in EN_STOP:
            del q[0]
        while q and q[-1].lower() in EN_STOP:
            del q[-1]
        if sum(1 for x in q if x.lower() not in EN_STOP) < 2:
            return None
        q = " ".join(q)
        return q if q and norm_title(q) != norm_title(d["title"]) else None

    sets["fragment-zh"] = sample(zh, frag_zh)
    sets["fragment-en"] = sample(en, frag_en)
    sets["reworded-zh"] = sample(zh, reword_zh)
    sets["reworded-en"] = sample(en, reword_en)

    trad_pool = [d for d in zh if len(HAN.findall(d["title"])) >= 2]
    trad = dict(zip([d["id"] for d in trad_pool], to_traditional([d["title"] for d in trad_pool])))
    sets["traditional"] = sample(trad_pool, lambda d: trad[d["id"]] if trad[d["id"]] != d["title"]
                                 else None)

    def colloquial(d):
        t = re.sub(r"[\s\W_]+", "", d["title"].rstrip("？?。！!"))
        if not 3 <= len(HAN.findall(t)) <= 16:
            return None
        return rng.choice(COLLOQUIAL).format(t=t)

    sets["colloquial"] = sample(zh, colloquial)

    english = [d for d in en if 3 <= len(en_words(d["title"])) <= 5 and
               re.fullmatch(r"[A-Za-z0-9 ,:;'()/.?!-]+", d["title"])]
    sets["english"] = sample(english, lambda d: d["title"].rstrip("?.!:"))

    def en_typo(d):
        w = en_words(d["title"])
        long = [i for i, x in enumerate(w) if len(x) >= 5 and x.isalpha()]
        if not 3 <= len(w) <= 5 or not long:
            return None
        i = rng.choice(long)
        t = typo(rng, w[i], vocab)
        if not t:
            return None
        w[i] = t
        return " ".join(w)

    sets["english-typo"] = sample(english, en_typo)
    return sets


def package_versions():
    out = []
    for p in PACKAGES:
        r = subprocess.run(["dpkg-query", "-W", "-f=${Version}", p], capture_output=True,
                           text=True)
        out.append("%s %s" % (p, r.stdout.strip() or "?"))
    return out


def cmd_build(a):
    docs = read_sections()
    write_corpus(docs, a.out)
    sets = make_queries(docs, a.seed, a.per_set)
    langs = {l: sum(1 for d in docs if d["lang"] == l) for l in ("zh", "en")}
    tmp = a.queries + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write("# kedb relevance queries: set<TAB>query<TAB>relevant ids (comma-separated)\n")
        f.write("# seed %d; corpus %d sections (zh %d, en %d) from: %s\n"
                % (a.seed, len(docs), langs["zh"], langs["en"], "; ".join(package_versions())))
        for name, qs in sets.items():
            for q, ids in qs:
                f.write("%s\t%s\t%s\n" % (name, q, ",".join(ids)))
    os.replace(tmp, a.queries)
    print("corpus: %d sections (zh %d, en %d) in %s" % (len(docs), langs["zh"], langs["en"], a.out))
    print("queries: %s in %s" % (", ".join("%s %d" % (k, len(v)) for k, v in sets.items()),
                                 a.queries))


FM_TYPE = re.compile(r"^type:.*$", re.M)
FM_STATUS = re.compile(r"^status:.*$", re.M)


def cmd_haystack(a):
    """make bench's items as closed tickets (the desk's imported history)."""
    if os.path.isdir(a.out):
        shutil.rmtree(a.out)
    n = 0
    for root, _, files in os.walk(a.src):
        for name in sorted(files):
            if not name.endswith(".md"):
                continue
            src = os.path.join(root, name)
            with open(src, encoding="utf-8") as f:
                data = f.read()
            end = data.find("\n---", 4)
            if not data.startswith("---\n") or end < 0:
                continue
            fm = data[:end]
            fm = FM_TYPE.sub("type: ticket", fm, count=1)
            fm = FM_STATUS.sub("status: closed", fm, count=1) if FM_STATUS.search(fm) else \
                fm + "\nstatus: closed"
            dst = os.path.join(a.out, os.path.relpath(src, a.src))
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            with open(dst, "w", encoding="utf-8") as f:
                f.write(fm + data[end:])
            n += 1
    print("haystack: %d items from %s as closed tickets in %s" % (n, a.src, a.out))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    b = sub.add_parser("build")
    b.add_argument("--out", required=True)
    b.add_argument("--queries", required=True)
    b.add_argument("--seed", type=int, default=10)
    b.add_argument("--per-set", type=int, default=150)
    h = sub.add_parser("haystack")
    h.add_argument("--src", required=True)
    h.add_argument("--out", required=True)
    a = ap.parse_args()
    {"build": cmd_build, "haystack": cmd_haystack}[a.cmd](a)


if __name__ == "__main__":
    main()
