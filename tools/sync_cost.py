#!/usr/bin/env python3
"""Measures what a durable commit costs the desk's writes through the real server.

usage: tools/sync_cost.py BINDIR [SECONDS] [CLIENTS]

Indexes tests/data into a fresh temporary database with BINDIR/kedb-index, adds a user with
BINDIR/kedb-admin, starts BINDIR/kedb-server on a free 127.0.0.1 port and, with CLIENTS
threads (default 4) for SECONDS each (default 20), first records incidents
(POST /api/v1/incidents), then saves a knowledge item again and again
(PUT /api/v1/kb/{id}, each save a new draft version). Prints per phase the writes per second
and the median and 99th percentile latency, e.g.

    incidents: 2113 in 20.0 s = 105.6/s; p50 35.1 ms, p99 96.0 ms; errors 0

Run it once per build to compare (docs/DESIGN.md, "Durability", has the commands and the
figures). Python 3 standard library only; stops the server with SIGTERM.
"""
import http.client
import json
import os
import re
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HOST = "127.0.0.1"
USER, PASSWORD = "bench", "bench-password-123"

KB_SOURCE = """---
id: KE-9001
type: known_error
title: 打印机脱机 sync cost {n}
---
## 症状
打印机显示脱机 {n}

## 原因
驱动程序

## 临时解决方法
重启打印机
"""


def read_port(proc, deadline):
    buf = b""
    while time.time() < deadline:
        r, _, _ = select.select([proc.stdout], [], [], 0.2)
        if r:
            chunk = os.read(proc.stdout.fileno(), 4096)
            if not chunk:
                break
            buf += chunk
            m = re.search(rb"listening on http://[^\s:]+:(\d+)", buf)
            if m:
                return int(m.group(1))
    return 0


class Client:
    def __init__(self, port, token):
        self.conn = http.client.HTTPConnection(HOST, port, timeout=60)
        self.token = token

    def call(self, method, path, body):
        data = json.dumps(body).encode()
        self.conn.request(method, path, body=data, headers={
            "Content-Type": "application/json", "Authorization": "Bearer " + self.token})
        r = self.conn.getresponse()
        return r.status, r.read()


def phase(name, port, token, seconds, clients, make_request, ok_status):
    lat = []
    errors = [0]
    lock = threading.Lock()
    stop_at = time.time() + seconds

    def run(k):
        c = Client(port, token)
        i = 0
        mine = []
        bad = 0
        while time.time() < stop_at:
            method, path, body = make_request(k, i)
            t0 = time.perf_counter()
            status, _ = c.call(method, path, body)
            mine.append(time.perf_counter() - t0)
            bad += status != ok_status
            i += 1
        with lock:
            lat.extend(mine)
            errors[0] += bad

    t0 = time.time()
    threads = [threading.Thread(target=run, args=(k,)) for k in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    took = time.time() - t0
    lat.sort()
    n = len(lat)
    p = (lambda q: lat[min(n - 1, int(q * n))] * 1000) if n else (lambda q: 0.0)
    print("%s: %d in %.1f s = %.1f/s; p50 %.1f ms, p99 %.1f ms; errors %d" %
          (name, n, took, n / took, p(0.5), p(0.99), errors[0]))
    sys.stdout.flush()


def main():
    if len(sys.argv) < 2:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    bindir = os.path.abspath(sys.argv[1])
    seconds = float(sys.argv[2]) if len(sys.argv) > 2 else 20.0
    clients = int(sys.argv[3]) if len(sys.argv) > 3 else 4
    tmp = tempfile.mkdtemp(prefix="kedb-sync-")
    proc = None
    try:
        db = os.path.join(tmp, "kedb.db")
        subprocess.run([os.path.join(bindir, "kedb-index"), "--db", db,
                        os.path.join(ROOT, "tests", "data")], check=True,
                       capture_output=True)
        subprocess.run([os.path.join(bindir, "kedb-admin"), "--db", db, "useradd", USER,
                        "agent,engineer"], input=(PASSWORD + "\n").encode(), check=True,
                       capture_output=True)
        proc = subprocess.Popen([os.path.join(bindir, "kedb-server"), "--db", db, "--host",
                                 HOST, "--port", "0", "--threads", "8"],
                                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, cwd=ROOT)
        port = read_port(proc, time.time() + 30)
        if not port:
            print("the server did not start", file=sys.stderr)
            return 1
        c = http.client.HTTPConnection(HOST, port, timeout=60)
        c.request("POST", "/api/v1/auth/login",
                  body=json.dumps({"username": USER, "password": PASSWORD}).encode(),
                  headers={"Content-Type": "application/json", "Origin":
                           "http://%s:%d" % (HOST, port)})
        r = c.getresponse()
        token = json.loads(r.read())["token"]
        cl = Client(port, token)
        status, body = cl.call("POST", "/api/v1/kb", {"source": KB_SOURCE.format(n=0)})
        if status != 201:
            print("cannot create the item: %d %r" % (status, body[:200]), file=sys.stderr)
            return 1
        print("%s; %d clients, %.0f s per phase" % (bindir, clients, seconds))

        def incident(k, i):
            return ("POST", "/api/v1/incidents", {
                "caller_name": "王芳", "channel": "phone", "category": "printer",
                "priority": "P3", "summary": "打印机脱机 %d-%d" % (k, i)})
        phase("incidents", port, token, seconds, clients, incident, 201)

        counter = [0]
        counter_lock = threading.Lock()

        def save(k, i):
            with counter_lock:
                counter[0] += 1
                n = counter[0]
            return ("PUT", "/api/v1/kb/KE-9001", {"source": KB_SOURCE.format(n=n)})
        phase("kb saves", port, token, seconds, clients, save, 200)
    finally:
        if proc:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
