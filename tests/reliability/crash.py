#!/usr/bin/env python3
"""Crash safety: drives writes through the real server (incidents and their updates,
knowledge saves, submissions and approvals, document requests) from several clients and
kills kedb-server with SIGKILL at a random moment, TRIALS times. After each kill:
`kedb-admin check` (PRAGMA integrity_check and FTS5's integrity-check) and
`kedb-admin audit-verify` must pass, and after a restart every write a client saw
acknowledged must be there. Then kedb-index is killed mid-run over a few thousand files
and the next run must complete.

usage: crash.py [--trials N] [--index-trials N] [--seed N] [--bin DIR]
Prints one line per trial and a summary; exits 0 when every check held."""
import argparse
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "api"))
import harness as api  # noqa: E402  (the API test harness: ports, requests)

WRITER = ("crash-writer", "agent,engineer")
APPROVER = ("crash-approver", "approver")
CLIENTS = 4


def ke_source(title, word):
    return ("---\ntype: known_error\ntitle: %s\n---\n## 症状\n%s 无法连接\n\n"
            "## 临时解决方案\n重启 %s 服务\n" % (title, word, word))


class Server:
    def __init__(self, bindir, db, tmp):
        self.bindir, self.db, self.tmp = bindir, db, tmp
        self.proc = None
        self.err = os.path.join(tmp, "server.stderr")

    def start(self):
        cmd = [os.path.join(self.bindir, "kedb-server"), "--db", self.db, "--host", api.HOST,
               "--port", "0", "--threads", "8", "--web", api.WEB]
        with open(self.err, "ab") as f:
            self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=f, cwd=api.ROOT)
        api.PORT = api.read_port(self.proc, time.time() + 60) or 0
        if not api.PORT:
            raise RuntimeError("server did not start: %s" % self.log()[-800:])
        api.SERVER = self.proc

    def kill(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()
        self.proc.stdout.close()

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        rc = self.proc.wait(timeout=60)
        self.proc.stdout.close()
        return rc

    def log(self):
        with open(self.err, "rb") as f:
            return f.read().decode("utf-8", "replace")


def login(user):
    r = api.login(user, api.user_password(user))
    if r.status != 200:
        raise RuntimeError("login %s: %r" % (user, r))
    return r.json["token"]


def call(token, method, path, body=None, timeout=10):
    data = None if body is None else json.dumps(body).encode("utf-8")
    hdr = {"Content-Type": "application/json"} if data is not None else None
    return api.request(method, path, body=data, headers=hdr, token=token, timeout=timeout)


class Acked:
    """Writes the clients saw acknowledged (thread-safe)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.incidents = {}   # number -> summary
        self.notes = []       # (number, note)
        self.versions = []    # (id, n, state wanted at least)
        self.docreqs = []     # id

    def add(self, kind, value):
        with self.lock:
            if kind == "incident":
                self.incidents[value[0]] = value[1]
            else:
                getattr(self, kind).append(value)

    def count(self):
        return len(self.incidents) + len(self.notes) + len(self.versions) + len(self.docreqs)


def client(rng, tokens, acked, stop, tag):
    """Writes until stop is set or the server goes away."""
    writer, approver = tokens
    mine = []
    k = 0
    while not stop.is_set():
        k += 1
        op = rng.random()
        word = "crash%s%d" % (tag, k)
        try:
            if op < 0.35 or not mine:
                summary = "打印机脱机 %s" % word
                r = call(writer, "POST", "/api/v1/incidents", {
                    "caller_name": "王芳", "caller_phone": "138-0013 8000", "channel": "phone",
                    "category": "printer", "priority": "P3", "summary": summary,
                    "description": "所有电脑上显示脱机 " + word})
                if r.status == 201:
                    acked.add("incident", (r.json["number"], summary))
                    mine.append(r.json["number"])
            elif op < 0.55:
                number = rng.choice(mine)
                note = "note " + word
                r = call(writer, "PATCH", "/api/v1/incidents/" + urllib.parse.quote(number),
                         {"note": note})
                if r.status == 200:
                    acked.add("notes", (number, note))
            elif op < 0.8:
                r = call(writer, "POST", "/api/v1/kb", {"source": ke_source("Crash " + word,
                                                                             word)})
                if r.status != 201:
                    continue
                kid, n = r.json["id"], r.json["n"]
                acked.add("versions", (kid, n, "draft"))
                r = call(writer, "POST", "/api/v1/kb/%s/submit" % kid, {})
                if r.status != 200:
                    continue
                acked.add("versions", (kid, n, "in_review"))
                r = call(approver, "POST", "/api/v1/reviews/%s/approve" % kid, {})
                if r.status == 200:
                    acked.add("versions", (kid, n, "published"))
            else:
                r = call(writer, "POST", "/api/v1/document-requests", {
                    "kind": "borrow", "doc_no": "YW-SC-001", "reason": word,
                    "borrower": "li", "due": "2030-12-31"})
                if r.status == 201:
                    acked.add("docreqs", r.json["id"])
        except (OSError, api.Fail, KeyError, ValueError):
            if stop.is_set():
                return
            time.sleep(0.01)


STATE_ORDER = {"draft": 0, "in_review": 1, "published": 2}


def verify(token, acked):
    """Returns the problems: acknowledged writes that are not there."""
    bad = []
    for number, summary in acked.incidents.items():
        r = call(token, "GET", "/api/v1/incidents/" + urllib.parse.quote(number))
        if r.status != 200 or r.json.get("summary") != summary:
            bad.append("incident %s: %r" % (number, r))
    timelines = {}
    for number, note in acked.notes:
        if number not in timelines:
            r = call(token, "GET", "/api/v1/incidents/" + urllib.parse.quote(number))
            timelines[number] = json.dumps(r.json, ensure_ascii=False) if r.status == 200 else ""
        if note not in timelines[number]:
            bad.append("note %r of %s is missing" % (note, number))
    for kid, n, state in acked.versions:
        r = call(token, "GET", "/api/v1/kb/%s/versions/%d" % (kid, n))
        got = r.json.get("state") if r.status == 200 else None
        if got not in STATE_ORDER or STATE_ORDER[got] < STATE_ORDER[state]:
            bad.append("%s version %d: state %r, acknowledged %s" % (kid, n, got, state))
    for did in acked.docreqs:
        r = call(token, "GET", "/api/v1/document-requests/" + urllib.parse.quote(did))
        if r.status != 200:
            bad.append("document request %s: %r" % (did, r))
    return bad


def admin(bindir, db, *args):
    return subprocess.run([os.path.join(bindir, "kedb-admin"), "--db", db] + list(args),
                          capture_output=True, timeout=300)


def checks(bindir, db):
    bad = []
    r = admin(bindir, db, "check")
    if r.returncode != 0:
        bad.append("kedb-admin check: exit %d %s" % (r.returncode, r.stderr[-300:]))
    r = admin(bindir, db, "audit-verify")
    if r.returncode != 0:
        bad.append("kedb-admin audit-verify: exit %d %s %s" % (r.returncode, r.stdout[-200:],
                                                               r.stderr[-300:]))
    return bad


def server_trials(bindir, tmp, trials, rng, log):
    db = os.path.join(tmp, "kedb.db")
    r = subprocess.run([os.path.join(bindir, "kedb-index"), "--db", db, api.DATA],
                       capture_output=True, timeout=300)
    if r.returncode != 0:
        return ["kedb-index: exit %d %s" % (r.returncode, r.stderr[-300:])], 0
    for name, roles in (WRITER, APPROVER):
        api.add_test_user(db, name, api.user_password(name), roles)
    srv = Server(bindir, db, tmp)
    problems = []
    total = 0
    for trial in range(1, trials + 1):
        srv.start()
        tokens = (login(WRITER[0]), login(APPROVER[0]))
        acked = Acked()
        stop = threading.Event()
        threads = [threading.Thread(target=client, daemon=True,
                                    args=(random.Random(rng.random()), tokens, acked, stop,
                                          "%dx%d" % (trial, i)))
                   for i in range(CLIENTS)]
        for t in threads:
            t.start()
        delay = rng.uniform(0.2, 2.0)
        time.sleep(delay)
        srv.kill()
        stop.set()
        for t in threads:
            t.join(30)
        bad = checks(bindir, db)
        srv.start()
        bad += verify(login(WRITER[0]), acked)
        srv.stop()
        total += acked.count()
        log("trial %d: killed after %.2f s, %d acknowledged writes, %s" %
            (trial, delay, acked.count(), "ok" if not bad else "%d problems" % len(bad)))
        problems += ["trial %d: %s" % (trial, b) for b in bad]
    for mark in api.SANITIZER_MARKS:
        if mark in srv.log():
            problems.append("%r in the server's stderr" % mark)
    return problems, total


def index_trials(bindir, tmp, trials, rng, log, nfiles=3000):
    """Kills kedb-index mid-run; the next run must complete and the database check."""
    src = os.path.join(tmp, "kb")
    shutil.copytree(api.DATA, src)
    gen = os.path.join(src, "generated")
    os.makedirs(gen)
    for i in range(nfiles):
        with open(os.path.join(gen, "ke-%05d.md" % i), "w", encoding="utf-8") as f:
            f.write("---\nid: KE-%d\ntype: known_error\ntitle: 生成 %d 打印机 error %x\n---\n"
                    "## 症状\n打印机 %d 卡纸 0x%08X\n\n## 临时解决方案\n重启 %d\n"
                    % (50000 + i, i, i * 7919, i, i * 2654435761 % (1 << 32), i))
    problems = []
    for trial in range(1, trials + 1):
        db = os.path.join(tmp, "index-%d.db" % trial)
        cmd = [os.path.join(bindir, "kedb-index"), "--db", db, src]
        # first run to completion, then touch files so that a second run has work to do
        if trial % 2 == 0:
            subprocess.run(cmd, capture_output=True, timeout=600)
            for name in rng.sample(sorted(os.listdir(gen)), nfiles // 3):
                with open(os.path.join(gen, name), "a", encoding="utf-8") as f:
                    f.write("\n更新 %d\n" % trial)
        p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        delay = rng.uniform(0.3, 3.0)
        time.sleep(delay)
        killed = p.poll() is None
        if killed:
            p.send_signal(signal.SIGKILL)
        p.wait()
        r = subprocess.run(cmd, capture_output=True, timeout=600)
        bad = []
        if r.returncode != 0:
            bad.append("kedb-index after the kill: exit %d %s" % (r.returncode, r.stderr[-300:]))
        bad += checks(bindir, db)
        log("index trial %d: %s after %.2f s, next run %s" %
            (trial, "killed" if killed else "finished before the kill", delay,
             "ok" if not bad else "; ".join(bad)))
        problems += ["index trial %d: %s" % (trial, b) for b in bad]
    return problems


def run(bindir, trials, index_runs, seed, log=print, nfiles=3000):
    """Runs the trials; returns (problems, acknowledged writes checked)."""
    rng = random.Random(seed)
    tmp = tempfile.mkdtemp(prefix="kedb-crash-")
    os.environ["KEDB_PWHASH_FAST"] = "1"
    try:
        problems, total = server_trials(bindir, tmp, trials, rng, log)
        if index_runs:
            problems += index_trials(bindir, tmp, index_runs, rng, log, nfiles)
        return problems, total
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--trials", type=int, default=100)
    ap.add_argument("--index-trials", type=int, default=10)
    ap.add_argument("--seed", type=int, default=9)
    ap.add_argument("--bin", default=os.environ.get("KEDB_BIN", "build/test/bin"))
    a = ap.parse_args()
    t0 = time.time()
    problems, total = run(os.path.abspath(a.bin), a.trials, a.index_trials, a.seed)
    for p in problems:
        print("PROBLEM " + p)
    print("crash: %d server trials, %d acknowledged writes checked, %d kedb-index trials, "
          "%d problems, %.0f s" % (a.trials, total, a.index_trials, len(problems),
                                   time.time() - t0))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
