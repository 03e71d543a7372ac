#!/usr/bin/env python3
"""End-to-end tests of the backup API (python3 standard library only).

Indexes tests/data into a temporary database, starts $KEDB_BIN/kedb-server on a free port
with --backup-dir and a fake clock (KEDB_FAKE_NOW_FILE), then: makes backups over HTTP and
checks each file (size, SHA-256, mode, one self-contained SQLite file that Python's sqlite3
opens and finds intact), lists and verifies them, catches a changed byte, makes backups
while threads create incidents through the API (every create succeeds, every backup is
intact and holds only whole incidents), prunes by count and age, answers bad input with
400/404/405 and an unwritable backup directory with a 500 io_error that leaves no file.
Stops the server with SIGTERM and fails on sanitizer reports. Ends with
"test_backup: N passed, N failed".
"""
import calendar
import os
import re
import shutil
import sqlite3
import stat
import subprocess
import sys
import threading
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as api  # noqa: E402  (the shared harness: case, request, checks)

from harness import call, check_error, need, ok, set_now, sha256_of  # noqa: E402

case = api.case
BIN = api.BIN
DAY = 86400
NOW = calendar.timegm((2026, 3, 10, 8, 15, 0))
BACKUP_DIR = None
ENTRY_KEYS = {"id", "at", "file", "size", "sha256", "docs", "by", "on_behalf_of", "actor",
              "status", "verified_at", "verify_result", "pruned_at"}
NAME_RE = re.compile(r"^kedb-\d{8}-\d{6}-\d{3}\.db$")


def file_of(entry):
    return os.path.join(BACKUP_DIR, entry["file"])


def open_backup(path):
    """Opens a backup read-only with Python's sqlite3 (never changing it)."""
    return sqlite3.connect("file:%s?mode=ro" % path, uri=True)


def check_copy(path):
    """integrity_check of a backup file; returns the open connection."""
    con = open_backup(path)
    rows = con.execute("PRAGMA integrity_check").fetchall()
    need(rows == [("ok",)], "integrity_check of %s: %r" % (path, rows[:5]))
    return con


def documents():
    return ok(api.get("/healthz"))["documents"]


def make(on_behalf_of=None, status=201, field="on_behalf_of"):
    body = None if on_behalf_of is None else {field: on_behalf_of}
    j = ok(call("POST", "/api/v1/backups", body), status)
    need(set(j) == ENTRY_KEYS, "entry keys %r" % sorted(j))
    return j


def listing(limit=None):
    path = "/api/v1/backups" + ("?limit=%d" % limit if limit else "")
    j = ok(api.get(path))
    need(set(j) == {"backups"}, "list keys %r" % sorted(j))
    return j["backups"]


def verify(bid, status=200):
    return ok(call("POST", "/api/v1/backups/%s/verify" % bid), status)


def create_cases():
    state = {}

    def first():
        set_now(NOW)
        j = make()
        need(j["id"] == 1 and j["status"] == "ok", "entry %r" % j)
        need(j["file"] == "kedb-20260310-081500-000.db", "file %r" % j["file"])
        need(j["at"] == "2026-03-10T08:15:00Z", "at %r" % j["at"])
        need(j["by"] == api.TEST_USER and j["actor"] == j["by"] and j["on_behalf_of"] is None
             and j["verified_at"] is None and j["pruned_at"] is None, "entry %r" % j)
        need(j["docs"] == documents(), "docs %r" % j["docs"])
        path = file_of(j)
        need(os.path.isfile(path), "no file %s" % path)
        need(os.path.getsize(path) == j["size"], "size %d != %d" %
             (os.path.getsize(path), j["size"]))
        need(sha256_of(path) == j["sha256"], "sha256 differs from the file's")
        need(stat.S_IMODE(os.stat(BACKUP_DIR).st_mode) == 0o700, "backup dir not 0700")
        need(stat.S_IMODE(os.stat(path).st_mode) & 0o077 == 0, "backup readable by others")
        need(sorted(os.listdir(BACKUP_DIR)) == [j["file"]], "dir %r" % os.listdir(BACKUP_DIR))
        state["first"] = j
    case("POST /api/v1/backups makes a backup file with its checksum", first)

    def actor():
        # the body's name (also under its older name "actor") is whom it was made for;
        # who made it is the logged-in user, in the log, the list and the audit trail
        j = make("运维 ops", field="actor")
        need(j["id"] == 2 and j["by"] == api.TEST_USER and j["on_behalf_of"] == "运维 ops",
             "entry %r" % j)
        need(j["file"] == "kedb-20260310-081500-001.db", "same second: file %r" % j["file"])
        state["second"] = j
        e = [x for x in listing() if x["id"] == 2][0]
        need(e["by"] == api.TEST_USER and e["on_behalf_of"] == "运维 ops", "listed %r" % e)
        a = ok(api.get("/api/v1/audit?action=backup.create&object=backup:2"))["entries"]
        need(len(a) == 1 and a[0]["actor"] == api.TEST_USER and
             a[0]["summary"].endswith("; on behalf of 运维 ops"), "audit %r" % a)
        a = ok(api.get(api.q("/api/v1/audit", actor="运维 ops")))["entries"]
        need(a == [], "the body's name became an actor: %r" % a)
    case("a second backup in the same second gets the next name; made by the logged-in "
         "user on behalf of the name given", actor)

    def opens():
        j = state["first"]
        path = file_of(j)
        with open(path, "rb") as f:
            head = f.read(100)
        need(head[:16] == b"SQLite format 3\x00", "not a SQLite file")
        need(head[18] == 1 and head[19] == 1, "the copy is in WAL mode (%r)" % head[18:20])
        con = check_copy(path)
        try:
            n = con.execute("SELECT count(*) FROM doc").fetchone()[0]
            v = con.execute("PRAGMA user_version").fetchone()[0]
            fts = con.execute("SELECT count(*) FROM kb_fts_docsize").fetchone()[0]
            ids = [r[0] for r in con.execute("SELECT id FROM doc ORDER BY id")]
        finally:
            con.close()
        need(n == j["docs"], "backup holds %d items, the log says %d" % (n, j["docs"]))
        need(fts == n, "%d index rows for %d items" % (fts, n))
        need(v >= 6, "user_version %d" % v)
        need("KE-1001" in ids, "KE-1001 missing: %r" % ids[:5])
        need(sha256_of(path) == j["sha256"], "opening the copy changed it")
        need(not [f for f in os.listdir(BACKUP_DIR) if not NAME_RE.match(f)],
             "extra files: %r" % os.listdir(BACKUP_DIR))
    case("the backup opens in Python's sqlite3: intact, same items", opens)

    def listed():
        b = listing()
        need([e["id"] for e in b] == [2, 1], "ids %r" % [e["id"] for e in b])
        need(all(set(e) == ENTRY_KEYS for e in b), "entry keys")
        need(b[1]["sha256"] == state["first"]["sha256"], "list and create differ")
        need([e["id"] for e in listing(1)] == [2], "limit=1")
    case("GET /api/v1/backups lists the log newest first", listed)

    def verified():
        set_now(NOW + 60)
        j = verify(1)
        need(set(j) == {"ok", "result", "checks", "size", "sha256", "schema_version", "docs",
                        "doc_digest", "backup"}, "keys %r" % sorted(j))
        need(j["ok"] is True and j["result"] == "ok", "result %r" % j["result"])
        need(j["checks"] == {"readable": True, "checksum": True, "integrity": True,
                             "kedb": True}, "checks %r" % j["checks"])
        need(j["sha256"] == state["first"]["sha256"], "sha256")
        need(j["docs"] == state["first"]["docs"], "docs")
        need(re.match(r"^[0-9a-f]{64}$", j["doc_digest"] or ""), "doc_digest %r" % j)
        need(j["backup"]["verified_at"] == "2026-03-10T08:16:00Z", "verified_at %r" % j)
        need(j["backup"]["verify_result"] == "ok", "verify_result %r" % j)
        e = [x for x in listing() if x["id"] == 1][0]
        need(e["verify_result"] == "ok" and e["verified_at"], "log not updated: %r" % e)
        # the two backups of the same unchanged items have the same content digest
        need(verify(2)["doc_digest"] == j["doc_digest"], "digests differ")
        a = ok(api.get("/api/v1/audit?action=backup.verify&object=backup:1"))["entries"]
        need(len(a) == 1 and a[0]["actor"] == api.TEST_USER and
             a[0]["summary"] == "restore check: ok", "audit %r" % a)
    case("POST /api/v1/backups/1/verify: the restore check passes, is logged and audited",
         verified)

    def corrupted():
        path = file_of(state["second"])
        size = os.path.getsize(path)
        with open(path, "r+b") as f:
            f.seek(size // 2)
            old = f.read(1)
            f.seek(size // 2)
            f.write(bytes([old[0] ^ 0x40]))
        try:
            j = verify(2)
            need(j["ok"] is False and j["checks"]["checksum"] is False, "verify %r" % j)
            need("checksum mismatch" in j["result"], "result %r" % j["result"])
            need(j["backup"]["verify_result"] == j["result"], "not logged: %r" % j["backup"])
        finally:
            with open(path, "r+b") as f:
                f.seek(size // 2)
                f.write(old)
        need(verify(2)["ok"] is True, "restored file does not verify")
    case("verify catches one changed byte in the file", corrupted)


# --- backups while incidents are created -------------------------------------------------


def incident_body(worker, i):
    # a long description makes the database grow by megabytes, so that a backup takes
    # several steps of the online backup while incidents keep coming in
    return {"caller_name": "王芳", "channel": "phone", "category": "printer",
            "priority": "P3", "summary": "打印机脱机 w%d-%d" % (worker, i), "actor": "desk",
            "description": ("第%d号工位的打印机显示脱机，重启后仍然无法打印。\n" % i) * 250}


def concurrent_cases():
    def run():
        set_now(NOW + 120)
        stop = threading.Event()
        created = [[] for _ in range(4)]
        errors = []

        def worker(n):
            i = 0
            while not stop.is_set() and i < 400:
                r = call("POST", "/api/v1/incidents", incident_body(n, i))
                if r.status != 201:
                    errors.append((r.status, r.body[:200]))
                    return
                created[n].append(r.json["number"])
                i += 1

        threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
        for t in threads:
            t.start()
        backups = []
        try:
            deadline = time.time() + 10
            while sum(len(c) for c in created) < 80 and time.time() < deadline and not errors:
                time.sleep(0.01)
            for _ in range(3):
                before = sum(len(c) for c in created)
                backups.append((before, make("while-writing")))
                time.sleep(0.1)
        finally:
            stop.set()
            for t in threads:
                t.join(timeout=60)
        need(not errors, "incident creates failed during backups: %r" % errors[:3])
        numbers = set(n for c in created for n in c)
        total = sum(len(c) for c in created)
        need(len(numbers) == total, "duplicate incident numbers")
        live = ok(api.get("/api/v1/incidents?limit=1"))["total"]
        need(live == total, "the desk has %d incidents, %d were created" % (live, total))
        need(total > backups[0][0], "no incident was created while backing up")
        seen = []
        for before, b in backups:
            need(verify(b["id"])["ok"] is True, "backup %d does not verify" % b["id"])
            con = check_copy(file_of(b))
            try:
                got = [r[0] for r in con.execute("SELECT number FROM incident")]
                orphans = con.execute(
                    "SELECT count(*) FROM incident i WHERE NOT EXISTS (SELECT 1 FROM "
                    "incident_event e WHERE e.incident = i.id)").fetchone()[0]
                docs = con.execute("SELECT count(*) FROM doc").fetchone()[0]
            finally:
                con.close()
            need(set(got) <= numbers, "backup holds incidents nobody created")
            need(len(got) >= before, "backup %d holds %d incidents, %d existed before it" %
                 (b["id"], len(got), before))
            need(orphans == 0, "%d incidents without their timeline in the backup" % orphans)
            need(docs == b["docs"], "items %d != logged %d" % (docs, b["docs"]))
            seen.append(len(got))
        need(seen == sorted(seen), "later backups hold fewer incidents: %r" % seen)
    case("backups while 4 threads create incidents: all intact, nothing lost", run)


def restore_cases(tmp):
    def restore():
        # the documented restore: the backup file becomes the database of a new server,
        # which must answer exactly as the live one did when the backup was made
        b = make("before-restore")
        live = ok(api.get("/api/v1/incidents?limit=100"))
        search = ok(api.get("/api/v1/search?q=" + urllib.parse.quote("打印机")))
        restored = os.path.join(tmp, "restored.db")
        shutil.copyfile(file_of(b), restored)
        second = api.Served(tmp, db=restored, args=["--threads", "2"],
                            env={"KEDB_FAKE_NOW_FILE": api.NOW_FILE}, log="restored.stderr")
        try:
            need(second.serve(add_users=False, record=False),
                 "the restored server did not start")
            got = ok(api.get("/api/v1/incidents?limit=100"))
            need(got["total"] == live["total"] and got["total"] > 0,
                 "restored %d incidents, live had %d" % (got["total"], live["total"]))
            need([i["number"] for i in got["incidents"]] ==
                 [i["number"] for i in live["incidents"]], "incident lists differ")
            one = live["incidents"][-1]["number"]
            need(ok(api.get("/api/v1/incidents/" + one)) ==
                 ok(api.get("/api/v1/incidents/" + one)), "unstable answer")
            got_search = ok(api.get("/api/v1/search?q=" + urllib.parse.quote("打印机")))
            need([h["id"] for h in got_search["hits"]] == [h["id"] for h in search["hits"]],
                 "search differs after restore")
            need(ok(api.get("/api/v1/audit/verify"))["ok"] is True,
                 "the restored audit chain is broken")
        finally:
            second.halt()
        second.check_log()
        live_one = ok(api.get("/api/v1/incidents/" + one))
        need(live_one["number"] == one, "live server lost %s" % one)
    case("restore: a backup serves the same incidents, search and audit chain", restore)


# --- retention -----------------------------------------------------------------------------


def prune_cases():
    def prune():
        # ids 1, 2 (at NOW) and 3..5 (NOW + 2 min) exist; add 6..8, 10, 20 and 30 days back
        for d in (10, 20, 30):
            set_now(NOW - d * DAY)
            make("cron")
        set_now(NOW + 300)
        before = {e["id"]: e for e in listing()}
        need(len(before) == 8, "%d backups" % len(before))
        j = ok(call("POST", "/api/v1/backups/prune", {"keep_last": 2, "keep_days": 25}))
        need(set(j) == {"pruned", "kept", "keep_last", "keep_days"}, "keys %r" % sorted(j))
        pruned = [e["id"] for e in j["pruned"]]
        need(pruned == [8], "pruned %r (want only the 30-day-old one)" % pruned)
        need(j["kept"] == 7, "kept %r" % j["kept"])
        need(j["pruned"][0]["status"] == "pruned" and
             j["pruned"][0]["pruned_at"] == "2026-03-10T08:20:00Z", "entry %r" % j["pruned"])
        need(not os.path.exists(file_of(before[8])), "pruned file still there")
        j = ok(call("POST", "/api/v1/backups/prune", {"keep_last": 2}))
        need(sorted(e["id"] for e in j["pruned"]) == [1, 2, 3, 6, 7],
             "pruned %r" % [e["id"] for e in j["pruned"]])
        need(j["kept"] == 2 and j["keep_days"] == 0, "result %r" % j)
        files = sorted(os.listdir(BACKUP_DIR))
        want = sorted(before[i]["file"] for i in (4, 5))
        need(files == want, "files %r, want %r" % (files, want))
        statuses = {e["id"]: e["status"] for e in listing()}
        need(statuses == {1: "pruned", 2: "pruned", 3: "pruned", 4: "ok", 5: "ok",
                          6: "pruned", 7: "pruned", 8: "pruned"}, "statuses %r" % statuses)
        e = check_error(call("POST", "/api/v1/backups/1/verify"), 404, "not_found")
        need("pruned" in e["message"], "message %r" % e["message"])
        j = ok(call("POST", "/api/v1/backups/prune", {"keep_last": 1, "keep_days": 0}))
        need([e["id"] for e in j["pruned"]] == [4], "never the newest: %r" % j["pruned"])
        need(os.listdir(BACKUP_DIR) == [before[5]["file"]], "files %r" %
             os.listdir(BACKUP_DIR))
    case("POST /api/v1/backups/prune keeps the newest N and the last D days", prune)


# --- bad input -----------------------------------------------------------------------------


def bad_input_cases():
    def bad_create():
        check_error(call("POST", "/api/v1/backups", {"actor": 5}), 400, "invalid")
        check_error(call("POST", "/api/v1/backups", {"on_behalf_of": 5}), 400, "invalid")
        check_error(call("POST", "/api/v1/backups", {"actor": "x" * 65}), 400, "invalid")
        check_error(call("POST", "/api/v1/backups", {"on_behalf_of": "x" * 65}), 400, "invalid")
        e = check_error(call("POST", "/api/v1/backups", {"on_behalf_of": "a", "actor": "b"}),
                        400, "invalid")
        need("not both" in e["message"], "message %r" % e["message"])
        e = check_error(call("POST", "/api/v1/backups", {"who": "me"}), 400, "invalid")
        need("unknown field" in e["message"], "message %r" % e["message"])
        check_error(call("POST", "/api/v1/backups", raw=b"{not json"), 400, "parse_error")
        check_error(call("POST", "/api/v1/backups", raw=b"[1]"), 400, "invalid")
        check_error(api.get("/api/v1/backups?limit=0"), 400, "invalid")
        check_error(api.get("/api/v1/backups?limit=abc"), 400, "invalid")
        check_error(call("DELETE", "/api/v1/backups"), 405, "invalid")
    case("bad backup requests answer 400/405", bad_create)

    def bad_verify():
        e = check_error(call("POST", "/api/v1/backups/abc/verify"), 400, "invalid")
        need("'id' must be a whole number from 1 to" in e["message"], "message %r" % e["message"])
        check_error(call("POST", "/api/v1/backups/0/verify"), 400, "invalid")
        check_error(call("POST", "/api/v1/backups/-1/verify"), 400, "invalid")
        check_error(call("POST", "/api/v1/backups/99999999999999999999/verify"), 400,
                    "invalid")
        e = check_error(call("POST", "/api/v1/backups/999/verify"), 404, "not_found")
        need("999" in e["message"], "message %r" % e["message"])
        check_error(api.get("/api/v1/backups/1/verify"), 405, "invalid")
        check_error(call("POST", "/api/v1/backups/1/restore"), 404, "not_found")
    case("bad verify requests answer 400/404/405", bad_verify)

    def bad_prune():
        before = listing()
        for body in ({}, {"keep_last": 0}, {"keep_last": -2}, {"keep_last": "3"},
                     {"keep_last": 1.5}, {"keep_last": True}, {"keep_last": 1, "keep_days": -1},
                     {"keep_last": 1, "keep_days": 36501}, {"keep_last": 1, "keep": 3}):
            check_error(call("POST", "/api/v1/backups/prune", body), 400, "invalid")
        check_error(call("POST", "/api/v1/backups/prune"), 400, "invalid")
        check_error(call("POST", "/api/v1/backups/prune", raw=b"keep_last=1"), 400,
                    "parse_error")
        check_error(api.get("/api/v1/backups/prune"), 405, "invalid")
        need(listing() == before, "a bad prune changed the log")
    case("bad prune requests answer 400 and change nothing", bad_prune)

    def unwritable():
        before = listing()
        parent = os.path.dirname(BACKUP_DIR)
        saved = BACKUP_DIR + ".saved"
        os.rename(BACKUP_DIR, saved)
        try:
            with open(BACKUP_DIR, "w") as f:
                f.write("a file where the directory should be\n")
            around = sorted(os.listdir(parent))
            e = check_error(call("POST", "/api/v1/backups", {"actor": "ops"}), 500, "io_error")
            need(e["message"] == "i/o error", "message %r" % e["message"])
            with open(BACKUP_DIR) as f:
                need(f.read().startswith("a file where"), "the file was changed")
            need(sorted(os.listdir(parent)) == around, "files appeared next to it")
            need(listing() == before, "a failed backup was logged")
        finally:
            if os.path.isfile(BACKUP_DIR):
                os.unlink(BACKUP_DIR)
            os.rename(saved, BACKUP_DIR)
        need(sorted(os.listdir(BACKUP_DIR)) ==
             sorted(x["file"] for x in before if x["status"] == "ok"),
             "files %r" % os.listdir(BACKUP_DIR))
    case("a backup directory that cannot be written: 500 io_error, nothing left", unwritable)


def admin_cases(db):
    """kedb-admin backup writes into the server's backup directory while the server runs;
    the server then lists and verifies that backup like its own."""
    admin = os.path.join(BIN, "kedb-admin")

    def made():
        before = listing()
        r = subprocess.run([admin, "--db", db, "--backup-dir", BACKUP_DIR, "backup"],
                           capture_output=True, timeout=60 * api.SLOW)
        need(r.returncode == 0, "exit %d: %r" % (r.returncode, r.stderr))
        m = re.match(r"^backup (\d+): (.+)/(kedb-\d{8}-\d{6}-\d{3}\.db), (\d+) bytes, "
                     r"(\d+) items, sha256 ([0-9a-f]{64})\n$", r.stdout.decode())
        need(m, "output %r" % r.stdout)
        bid, folder, name, size, items, digest = m.groups()
        need(folder == BACKUP_DIR, "folder %r" % folder)
        path = os.path.join(BACKUP_DIR, name)
        need(os.path.getsize(path) == int(size) and sha256_of(path) == digest,
             "file %s does not match the output" % path)
        need(int(items) == documents(), "items %s" % items)
        after = listing()
        need(len(after) == len(before) + 1, "log %d -> %d entries" % (len(before), len(after)))
        e = [x for x in after if x["id"] == int(bid)]
        need(len(e) == 1 and e[0]["actor"] == "kedb-admin" and e[0]["file"] == name and
             e[0]["sha256"] == digest and e[0]["status"] == "ok", "entry %r" % e)
        need(verify(int(bid))["ok"] is True, "the server cannot verify it")
        check_copy(path).close()
        j = ok(api.get("/api/v1/audit?action=backup.create&object=backup:%s&limit=500" % bid))
        mine = [x for x in j["entries"] if x["object"] == "backup:" + bid]
        need(len(mine) == 1 and mine[0]["actor"] == "kedb-admin" and
             mine[0]["summary"].startswith("file %s; %s bytes; " % (name, size)),
             "audit entries %r" % mine)
    case("kedb-admin backup: made beside a running server, listed, verified and audited",
         made)

    def refused():
        before = listing()
        missing = os.path.join(BACKUP_DIR + ".nowhere", "deeper")
        r = subprocess.run([admin, "--db", db, "--backup-dir", missing, "backup"],
                           capture_output=True, timeout=60 * api.SLOW)
        need(r.returncode == 1 and b"cannot create backup directory" in r.stderr,
             "exit %d: %r" % (r.returncode, r.stderr))
        need(not os.path.exists(os.path.dirname(missing)), "a directory appeared")
        r = subprocess.run([admin, "--db", db, "backup", "extra"], capture_output=True,
                           timeout=30 * api.SLOW)
        need(r.returncode == 2 and b"backup takes 0 arguments" in r.stderr,
             "extra argument: exit %d: %r" % (r.returncode, r.stderr))
        r = subprocess.run([admin, "--db", db, "--backup-dir", "", "backup"],
                           capture_output=True, timeout=30 * api.SLOW)
        need(r.returncode == 2 and b"empty --backup-dir" in r.stderr,
             "empty dir: exit %d: %r" % (r.returncode, r.stderr))
        need(listing() == before, "a refused backup was logged")
    case("kedb-admin backup refuses a directory it cannot make and bad arguments", refused)

    def pruned():
        kept = [x for x in listing() if x["status"] == "ok"]
        need(len(kept) >= 2, "fewer than 2 backups to prune: %r" % kept)
        r = subprocess.run([admin, "--db", db, "--backup-dir", BACKUP_DIR, "prune", "1", "0"],
                           capture_output=True, timeout=60 * api.SLOW)
        out = r.stdout.decode()
        need(r.returncode == 0, "exit %d: %r" % (r.returncode, r.stderr))
        need(out.endswith("%d backups pruned (kept the newest 1 and those of the last 0 days)\n"
                          % (len(kept) - 1)), "output %r" % out)
        after = [x for x in listing() if x["status"] == "ok"]
        need(len(after) == 1 and after[0]["id"] == max(x["id"] for x in kept), "kept %r" % after)
        need(os.path.isfile(os.path.join(BACKUP_DIR, after[0]["file"])), "the newest is gone")
        for x in kept:
            if x["id"] != after[0]["id"]:
                need(not os.path.exists(os.path.join(BACKUP_DIR, x["file"])), x["file"])
                need(("pruned backup %d: " % x["id"]) in out, "not named: %r" % out)
        # defaults (the nightly timer's run): nothing more to prune
        r = subprocess.run([admin, "--db", db, "--backup-dir", BACKUP_DIR, "prune"],
                           capture_output=True, timeout=60 * api.SLOW)
        need(r.returncode == 0 and r.stdout.startswith(b"0 backups pruned (kept the newest 7 "
                                                        b"and those of the last 14 days)"),
             "defaults: %r %r" % (r.stdout, r.stderr))
        for args, want in ((["0"], b"KEEP_LAST must be a whole number from 1 to 100000, not '0'"),
                           (["1", "36501"], b"KEEP_DAYS must be a whole number from 0 to 36500"),
                           (["x"], b"not 'x'"), (["1", "2", "3"], b"prune takes 0 arguments")):
            r = subprocess.run([admin, "--db", db, "prune"] + args, capture_output=True,
                               timeout=30 * api.SLOW)
            need(r.returncode == 2 and want in r.stderr, "%r: exit %d %r" %
                 (args, r.returncode, r.stderr))
    case("kedb-admin prune: keeps the newest and the recent ones, bad arguments", pruned)


def default_dir_cases(tmp, db):
    server = os.path.join(BIN, "kedb-server")

    def usage():
        r = subprocess.run([server, "--db", db, "--backup-dir", ""], capture_output=True,
                           timeout=api.STOP_TIMEOUT)
        need(r.returncode == 2 and b"--backup-dir" in r.stderr, "exit %d: %r" %
             (r.returncode, r.stderr[-200:]))
        r = subprocess.run([server, "--help"], capture_output=True, timeout=api.STOP_TIMEOUT)
        need(r.returncode == 0 and b"--backup-dir DIR" in r.stdout, "no --backup-dir in usage")
    case("--backup-dir in the usage; an empty one exits 2", usage, needs_server=False)

    second = api.Served(tmp, db=db, args=["--threads", "2"],
                        env={"KEDB_FAKE_NOW_FILE": api.NOW_FILE}, log="server2.stderr")

    def default_dir():
        try:
            need(second.serve(add_users=False, record=False), "second server did not start")
            j = make("default")
            path = os.path.join(db + ".backups", j["file"])
            need(os.path.isfile(path), "no %s" % path)
            need(sha256_of(path) == j["sha256"], "sha256 differs")
        finally:
            rc = second.halt()
        need(rc == 0, "second server exit status %r" % rc)
    case("without --backup-dir backups go to '<db path>.backups'", default_dir,
         needs_server=False)
    case("second server stderr has no sanitizer report", second.check_log, needs_server=False)


def main(tmp):
    global BACKUP_DIR
    BACKUP_DIR = os.path.join(tmp, "backups")
    srv = api.Served(tmp, clock=True, args=["--backup-dir", BACKUP_DIR])
    db = srv.db
    if not srv.index():
        return 1
    set_now(NOW)
    if not srv.serve():
        return 1

    create_cases()
    concurrent_cases()
    prune_cases()
    restore_cases(tmp)
    bad_input_cases()
    admin_cases(db)
    srv.stop()

    def backups_logged():
        log = srv.log()
        need(re.search(r"level=error msg=\"POST /api/v1/backups: io_error: backup directory "
                       r"'.*' is not a directory\" request_id=", log),
             "no log line for the failed backup")
        need(re.search(r"level=info msg=\"backup made id=1 file=kedb-20260310-081500-000\.db",
                       log), "no log line for the first backup")
    case("server stderr logs the backups", backups_logged, needs_server=False)
    default_dir_cases(tmp, db)


if __name__ == "__main__":
    api.run_main("test_backup", main, prefix="kedb-bak-")
