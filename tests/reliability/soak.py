#!/usr/bin/env python3
"""Load and soak: SOAK_SECONDS (default 1800) of mixed load on a release kedb-server over
samples/ at a fixed rate: wrk runs searches and completions (tests/reliability/soak.lua,
SOAK_CONNECTIONS connections each waiting SOAK_DELAY_MS between requests), and a small
client here adds writes and suggestions at SOAK_WRITES_PER_SEC (incidents created and
updated, suggestions for the incident text). Reports requests, errors, p50/p99 latency of
both, and the server's memory at start, every SOAK_SAMPLE_SECONDS (default 60) and at the
end: RSS (heap and other anonymous memory, file pages), threads, and the size of the
database with its WAL, so that a plateau can be told from a slope (docs/RELIABILITY.md,
"Load and soak"). Exits 1 on any error.

usage: soak.py [--bin DIR]   (make soak builds bin/ and runs this nice'd)"""
import argparse
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "api"))
import harness as api  # noqa: E402
import crash  # noqa: E402

USER = ("soak-agent", "agent")


def mem(pid, db):
    """The server's memory now: RSS, its anonymous part (heap, thread stacks, SQLite's page
    caches) and file part (mapped code), threads, all in KiB but threads; and the database
    with its WAL in KiB."""
    m = {"rss": 0, "anon": 0, "file": 0, "threads": 0}
    keys = {"VmRSS:": "rss", "RssAnon:": "anon", "RssFile:": "file", "Threads:": "threads"}
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            k = keys.get(line.split(":")[0] + ":")
            if k:
                m[k] = int(line.split()[1])
    m["db"] = sum(os.path.getsize(p) // 1024 for p in (db, db + "-wal") if os.path.exists(p))
    return m


def mem_line(el, m):
    return ("soak: %5d s RSS %6d KiB (anon %6d, file %5d), threads %2d, db+wal %6d KiB" %
            (el, m["rss"], m["anon"], m["file"], m["threads"], m["db"]))


def pct(v, p):
    if not v:
        return 0.0
    v = sorted(v)
    return v[min(len(v) - 1, int(len(v) * p / 100))]


def writer(token, rate, stop, out):
    rng = random.Random(9)
    numbers = []
    interval = 1.0 / rate
    nxt = time.time()
    k = 0
    while not stop.is_set():
        nxt += interval
        k += 1
        t0 = time.time()
        try:
            op = k % 4
            if op == 0 and numbers:
                r = crash.call(token, "PATCH", "/api/v1/incidents/" +
                               urllib.parse.quote(rng.choice(numbers)),
                               {"note": "soak note %d" % k})
                ok = r.status == 200
            elif op == 1:
                r = crash.call(token, "POST", "/api/v1/suggest",
                               {"summary": "打印机卡纸", "description": "outlook 0x800ccc0e %d" % k})
                ok = r.status == 200
            else:
                r = crash.call(token, "POST", "/api/v1/incidents", {
                    "caller_name": "王芳", "caller_phone": "138-0013 8000", "channel": "phone",
                    "category": "printer", "priority": "P3", "summary": "soak %d 打印机" % k,
                    "description": "打印机脱机 soak %d" % k})
                ok = r.status == 201
                if ok:
                    numbers.append(r.json["number"])
            if not ok:
                out["errors"].append("%d %r" % (r.status, r.body[:200]))
        except Exception as e:  # any failure of a write is an error of the soak
            out["errors"].append("%s: %s" % (type(e).__name__, e))
        out["lat"].append((time.time() - t0) * 1000)
        out["n"] += 1
        time.sleep(max(0.0, nxt - time.time()))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default="bin")
    a = ap.parse_args()
    secs = int(os.environ.get("SOAK_SECONDS", "1800"))
    conns = int(os.environ.get("SOAK_CONNECTIONS", "8"))
    delay = int(os.environ.get("SOAK_DELAY_MS", "100"))
    wrate = float(os.environ.get("SOAK_WRITES_PER_SEC", "5"))
    every = max(1, int(os.environ.get("SOAK_SAMPLE_SECONDS", "60")))
    bindir = os.path.abspath(a.bin)
    tmp = tempfile.mkdtemp(prefix="kedb-soak-")
    os.environ["KEDB_PWHASH_FAST"] = "1"
    srv = None
    try:
        db = os.path.join(tmp, "kedb.db")
        r = subprocess.run([os.path.join(bindir, "kedb-index"), "--db", db,
                            os.path.join(api.ROOT, "samples")], capture_output=True)
        if r.returncode != 0:
            sys.exit("kedb-index: %s" % r.stderr[-400:])
        api.BIN = bindir
        api.add_test_user(db, USER[0], api.user_password(USER[0]), USER[1])
        srv = crash.Server(bindir, db, tmp)
        srv.start()
        token = crash.login(USER[0])
        pid = srv.proc.pid
        rss = [(0, mem(pid, db))]
        print("soak: %d s, wrk %d connections x 1 per %d ms, writes %.1f/s, server pid %d" %
              (secs, conns, delay, wrate, pid), flush=True)
        print(mem_line(0, rss[0][1]), flush=True)
        env = dict(os.environ, SOAK_TOKEN=token, SOAK_DELAY_MS=str(delay))
        wrk = subprocess.Popen(["wrk", "-t", "2", "-c", str(conns), "-d", "%ds" % secs,
                                "--timeout", "10s", "--latency", "-s",
                                os.path.join(HERE, "soak.lua"),
                                "http://%s:%d" % (api.HOST, api.PORT)],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env)
        stop = threading.Event()
        out = {"errors": [], "lat": [], "n": 0}
        t = threading.Thread(target=writer, args=(token, wrate, stop, out), daemon=True)
        t.start()
        t0 = time.time()
        while wrk.poll() is None:
            time.sleep(1)
            el = time.time() - t0
            if el - rss[-1][0] >= every:
                rss.append((int(el), mem(pid, db)))
                print(mem_line(el, rss[-1][1]) + ", writes %d, write errors %d" %
                      (out["n"], len(out["errors"])), flush=True)
        stop.set()
        t.join(30)
        rss.append((int(time.time() - t0), mem(pid, db)))
        print(mem_line(rss[-1][0], rss[-1][1]), flush=True)
        text = wrk.stdout.read().decode("utf-8", "replace")
        print(text)
        m = re.search(r"wrk: requests (\d+), errors connect (\d+) read (\d+) write (\d+) "
                      r"status (\d+) timeout (\d+)", text)
        wrk_errors = sum(int(x) for x in m.groups()[1:]) if m else -1
        rc = srv.stop()
        print("soak: reads (wrk): %s requests, %d errors" % (m.group(1) if m else "?",
                                                              wrk_errors))
        print("soak: writes and suggestions: %d requests, %d errors, p50 %.1f ms, p99 %.1f ms"
              % (out["n"], len(out["errors"]), pct(out["lat"], 50), pct(out["lat"], 99)))
        # the first minute fills the caches; a leak shows as a slope after it
        warm = next((x for x in rss if x[0] >= 60), rss[-1])
        mins = (rss[-1][0] - warm[0]) / 60.0
        slope = (rss[-1][1]["rss"] - warm[1]["rss"]) / mins if mins > 0 else 0.0
        print("soak: RSS start %d KiB, at %d s %d KiB, max %d KiB, end %d KiB (%+.0f KiB/min "
              "after %d s); db+wal %d -> %d KiB; server exit %d" %
              (rss[0][1]["rss"], warm[0], warm[1]["rss"], max(x[1]["rss"] for x in rss),
               rss[-1][1]["rss"], slope, warm[0], rss[0][1]["db"], rss[-1][1]["db"], rc))
        for e in out["errors"][:10]:
            print("soak: write error: " + e)
        bad = wrk_errors != 0 or out["errors"] or rc != 0
        return 1 if bad else 0
    finally:
        if srv and srv.proc and srv.proc.poll() is None:
            srv.proc.kill()
            srv.proc.wait()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
