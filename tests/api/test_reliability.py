#!/usr/bin/env python3
"""Quick versions of the reliability checks (the long ones: docs/RELIABILITY.md).

- Crash safety: three SIGKILL trials of tests/reliability/crash.py against the real server
  (every acknowledged write present, kedb-admin check and audit-verify pass) and one
  kedb-index killed mid-run (the next run completes).
- Disk full: the database on a 1 MiB tmpfs (as root; else a file-size limit set on the
  running server with prlimit): writes answer 503 `unavailable` with a clear message, never
  500; reads go on; nothing acknowledged is lost; writes succeed again once space returns.
- Read-only file system (root): a tmpfs cannot be remounted read-only while the server holds
  files open for writing, so the server is stopped, the file system remounted read-only:
  kedb-server refuses to start and names the database; remounted writable it starts and
  every acknowledged write is there. (A write that SQLite refuses as read-only while
  running maps to 503 like a full disk.)
Ends with "test_reliability: N passed, N failed"."""
import json
import os
import resource
import subprocess
import sys

import harness as api
from harness import case, need

sys.path.insert(0, os.path.join(api.ROOT, "tests", "reliability"))
import crash  # noqa: E402

USER = "rel-agent"
BIG = "磁盘满了 " * 800  # about 10 KB of description per incident


def crash_cases():
    def trials():
        lines = []
        problems, total = crash.run(api.BIN, 3, 1, 9, log=lines.append, nfiles=400)
        print("\n".join("  " + line for line in lines))
        need(not problems, "\n  ".join(problems))
        need(total > 0, "no write was acknowledged in three trials")
    case("crash: 3 SIGKILL trials lose no acknowledged write, kedb-index recovers", trials,
         needs_server=False)


def mount_tmpfs(path, size):
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=%s,mode=0700" % size, "tmpfs",
                        path], capture_output=True)
    return r.returncode == 0


def remount(path, opts):
    r = subprocess.run(["mount", "-o", "remount," + opts, path], capture_output=True)
    need(r.returncode == 0, "remount %s: %s" % (opts, r.stderr))


def new_incident(token, word):
    return api.request("POST", "/api/v1/incidents", token=token,
                       headers={"Content-Type": "application/json"},
                       body=json.dumps({"caller_name": "王芳", "caller_phone": "138-0013 8000",
                                        "channel": "phone", "category": "printer",
                                        "priority": "P3", "summary": "磁盘 " + word,
                                        "description": BIG + word}).encode())


def check_503(r):
    need(r.status == 503, "want 503, got %r" % r)
    e = r.json["error"]
    need(e["code"] == "unavailable" and "cannot be written" in e["message"], r.json)


def storage_cases(tmp):
    mnt = os.path.join(tmp, "mnt")
    os.makedirs(mnt)
    # 2 MiB: the indexed test database (about 0.5 MiB at schema 17) and the WAL kedb-index
    # leaves beside it must fit before the incidents fill the rest
    mounted = mount_tmpfs(mnt, "2m")
    d = mnt if mounted else os.path.join(tmp, "fsize")
    os.makedirs(d, exist_ok=True)
    srv = api.Served(d, users=[(USER, "agent")])
    acked = {}
    state = {}
    try:
        if not srv.start():
            return
        if not mounted:
            # no tmpfs (not root): the running server may not grow any file past its size
            limit = os.path.getsize(srv.db) + 512 * 1024
            resource.prlimit(srv.proc.pid, resource.RLIMIT_FSIZE, (limit, limit))
        token = api.login(USER, api.user_password(USER)).json["token"]

        def fill():
            seen = []
            for i in range(400):
                r = new_incident(token, "w%d" % i)
                seen.append(r.status)
                need(r.status in (201, 503), "write %d answered %r" % (i, r))
                if r.status == 201:
                    acked[r.json["number"]] = "磁盘 w%d" % i
                else:
                    check_503(r)
                    state["full"] = True
                    break
            need(state.get("full"), "the disk never filled: %d writes" % len(acked))
            need(acked, "no write succeeded before the disk filled")
            for i in range(5):  # and it stays a clean 503
                check_503(new_incident(token, "again%d" % i))
        case("disk full (%s): writes answer 503 with a clear message, never 500" %
             ("tmpfs" if mounted else "RLIMIT_FSIZE"), fill)

        def reads():
            r = api.request("GET", "/api/v1/search?q=printer", token=token)
            need(r.status == 200 and r.json["total"] > 0, "search on a full disk: %r" % r)
            for number, summary in acked.items():
                r = api.request("GET", "/api/v1/incidents/" + number, token=token)
                need(r.status == 200 and r.json["summary"] == summary, "%s: %r" % (number, r))
        case("disk full: reads work and every acknowledged write is there", reads)

        def recover():
            if mounted:
                remount(mnt, "size=64m")
            else:
                resource.prlimit(srv.proc.pid, resource.RLIMIT_FSIZE,
                                 (resource.RLIM_INFINITY, resource.RLIM_INFINITY))
            r = new_incident(token, "after")
            need(r.status == 201, "write after space returned: %r" % r)
            acked[r.json["number"]] = "磁盘 after"
        case("disk full: writes succeed again once space returns", recover)

        srv.stop()

        def intact():
            for args in (["check"], ["audit-verify"]):
                r = api.admin("--db", srv.db, *args)
                need(r.returncode == 0, "kedb-admin %s: %r %r" % (args[0], r.stdout, r.stderr))
        case("after the full disk: kedb-admin check and audit-verify pass", intact,
             needs_server=False)

        def readonly():
            if not mounted:
                print("read-only file system: skipped (needs root to remount)")
                return
            remount(mnt, "ro")
            try:
                r = subprocess.run([os.path.join(api.BIN, "kedb-server"), "--db", srv.db,
                                    "--port", "0", "--host", api.HOST], capture_output=True,
                                   timeout=60)
                need(r.returncode == 1 and b"cannot open database" in r.stderr,
                     "server on a read-only file system: exit %d %r" % (r.returncode,
                                                                       r.stderr[-300:]))
            finally:
                remount(mnt, "rw")
            again = crash.Server(api.BIN, srv.db, tmp)
            again.start()
            try:
                tok = crash.login(USER)
                for number, summary in acked.items():
                    r = api.request("GET", "/api/v1/incidents/" + number, token=tok)
                    need(r.status == 200 and r.json["summary"] == summary,
                         "%s: %r" % (number, r))
            finally:
                need(again.stop() == 0, "the restarted server did not exit 0")
        case("read-only file system: the server refuses to start and says why; restarted "
             "writable, nothing acknowledged is lost", readonly, needs_server=False)
    finally:
        srv.close()
        if mounted:
            subprocess.run(["umount", "-l", mnt], capture_output=True)


def main(tmp):
    storage_cases(tmp)
    crash_cases()


if __name__ == "__main__":
    api.run_main("test_reliability", main, prefix="kedb-rel-")
