#!/usr/bin/env python3
"""bench/md_limits.py [BINDIR]: the two Markdown reproductions of issue 9 against one
kedb-server (default build/rel/bin): an engineer's preview of a 4,000-column table (30 KB)
and an agent's change request carrying a 2,000-column table (16 KB). Prints per request the
status, seconds, the server's peak and current RSS (VmHWM, VmRSS from /proc) after it, and
how many searches sent meanwhile answered and the slowest. See docs/FORMAT.md, "Markdown
limits"; python3 standard library, Linux."""
import http.client
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "build/rel/bin"))


def password(user):
    return "Kedb-md-limits-" + user[::-1]  # long enough, not the name, not a common one


tmp = tempfile.mkdtemp(prefix="kedb-measure-")
db = os.path.join(tmp, "kedb.db")
subprocess.run([BIN + "/kedb-index", "--db", db, ROOT + "/tests/data"], check=True,
               capture_output=True)
for u, r in (("eng1", "engineer"), ("appr1", "approver"), ("agent1", "agent")):
    subprocess.run([BIN + "/kedb-admin", "--db", db, "useradd", u, r],
                   input=(password(u) + "\n").encode(), check=True, capture_output=True)
proc = subprocess.Popen([BIN + "/kedb-server", "--db", db, "--host", "127.0.0.1", "--port", "0",
                         "--threads", "8"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
port = None
while port is None:
    line = proc.stdout.readline().decode()
    m = re.search(r":(\d+)", line)
    if m and "listen" in line:
        port = int(m.group(1))



def req(method, path, body=None, tok=None, timeout=300):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    h = {"Content-Type": "application/json"}
    if tok:
        h["Authorization"] = "Bearer " + tok
    data = json.dumps(body).encode() if body is not None else None
    c.request(method, path, body=data, headers=h)
    r = c.getresponse()
    d = r.read()
    c.close()
    return r.status, d


def login(u):
    s, d = req("POST", "/api/v1/auth/login", {"username": u, "password": password(u)})
    return json.loads(d)["token"]


def hwm():
    for l in open("/proc/%d/status" % proc.pid):
        if l.startswith(("VmHWM", "VmRSS")):
            yield l.split()[1]


eng, appr, agent = login("eng1"), login("appr1"), login("agent1")
doc = "YW-CX-101"
src = ("---\nid: %s\ntype: document\ntitle: 变更管理程序\nversion: 'A/1'\n"
       "doc_type: procedure\nstorage_location: 文档库 B-1\nretention_period: 5年\n"
       "owner: 质量部\n---\n# 变更管理程序\n\n内容。\n" % doc)
s, d = req("POST", "/api/v1/kb", {"source": src, "submit": True}, eng)
assert s == 201, d
s, d = req("POST", "/api/v1/reviews/%s/approve" % doc, {}, appr)
assert s == 200, d
print("after set-up: VmHWM/VmRSS kB", list(hwm()))


def table(cols, rows):
    return "|" + "a |" * cols + "\n|" + "-|" * cols + "\n" + "x\n" * rows


def run(name, method, path, body, tok):
    slow = []
    stop = threading.Event()

    def probe():
        while not stop.is_set():
            t0 = time.monotonic()
            req("GET", "/api/v1/search?q=printer", None, agent)
            slow.append(time.monotonic() - t0)
            time.sleep(0.2)
    th = threading.Thread(target=probe)
    th.start()
    t0 = time.monotonic()
    try:
        s, d = req(method, path, body, tok)
    except Exception as e:
        s, d = "error", repr(e).encode()
    took = time.monotonic() - t0
    stop.set()
    th.join()
    print("%s: %d bytes -> %s in %.2f s; VmHWM/VmRSS kB %s; searches meanwhile: %d, "
          "slowest %.3f s; %s" % (name, len(json.dumps(body)), s, took, list(hwm()),
                                  len(slow), max(slow or [0]), d[:160]))


ke = "---\nid: KE-7801\ntype: known_error\ntitle: 宽表\n---\n## 症状\n\n" + table(4000, 4000)
run("engineer preview, 4,000-column table", "POST", "/api/v1/kb/preview", {"source": ke}, eng)
cr = src.replace("A/1", "A/2") + "\n" + table(2000, 2000)
run("agent change request, 2,000-column table", "POST", "/api/v1/document-requests",
    {"kind": "change", "doc_no": doc, "reason": "表格", "source": cr}, agent)
proc.terminate()
proc.wait(timeout=120)
shutil.rmtree(tmp)
