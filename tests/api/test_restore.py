#!/usr/bin/env python3
"""End-to-end tests of restoring a backup (python3 standard library only).

Indexes tests/data, starts kedb-server with --backup-dir, makes backups over HTTP, then:
kedb-admin restore is refused while the server runs; an older backup copied in place of the
database by hand shows as truncated in `kedb-admin audit-verify` and in
GET /api/v1/audit/verify (the chain head saved beside the database remembers the lost
entries); a changed or broken backup is refused; `kedb-admin restore` of the backup keeps
the replaced file, writes a backup.restore entry naming the dropped entries, and verifies
intact afterwards. Uses tests/api/harness.py. Ends with "test_restore: N passed, N failed".
"""
import os
import re
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as api  # noqa: E402  (the one API harness: Served, case, request, checks)

from harness import need, sha256_of  # noqa: E402

case = api.case
BIN = api.BIN
TRUNCATED = re.compile(r"truncated: the chain ends at (\d+), but entry (\d+) \(hash "
                       r"([0-9a-f]{64})\) was recorded on \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")


def admin(db, bdir, *args):
    return api.admin("--db", db, "--backup-dir", bdir, *args)


def backup():
    r = api.request("POST", "/api/v1/backups", body=b"{}",
                    headers={"Content-Type": "application/json"})
    need(r.status == 201, "backup: %r" % r)
    return r.json


def verify_api():
    r = api.get("/api/v1/audit/verify")
    need(r.status == 200, "verify: %r" % r)
    return r.json


def remove_sidecars(db):
    for suffix in ("-wal", "-shm"):
        if os.path.exists(db + suffix):
            os.unlink(db + suffix)


def main(tmp):
    bdir = os.path.join(tmp, "backups")
    served = api.Served(tmp, args=["--backup-dir", bdir])
    db = served.db
    state = {}
    if not served.start():
        return 1

    def backups_made():
        state["b1_head"] = verify_api()["head"]["seq"]
        state["b1"] = backup()
        for _ in range(3):  # later entries that an older backup does not hold
            backup()
        v = verify_api()
        need(v["ok"] is True, "verify %r" % v)
        need(v["saved_head"] is not None and v["saved_head"]["seq"] == v["head"]["seq"]
             and v["saved_head"]["hash"] == v["head"]["hash"] and
             re.match(r"^\d{4}-\d\d-\d\dT", v["saved_head"]["at"]),
             "saved head %r, head %r" % (v["saved_head"], v["head"]))
        state["head"] = v["head"]
    case("backups are made; the saved head follows the chain", backups_made)

    def refused_while_running():
        before = sha256_of(db)
        r = admin(db, bdir, "restore", state["b1"]["file"])
        need(r.returncode == 1 and b"is in use by another program" in r.stderr,
             "exit %d: %r %r" % (r.returncode, r.stdout, r.stderr))
        need(not [f for f in os.listdir(tmp) if ".replaced-" in f or "restoring" in f],
             "files left: %r" % os.listdir(tmp))
        need(sha256_of(db) == before, "the database changed")
    case("kedb-admin restore is refused while the server runs", refused_while_running)
    served.stop()


    # An older backup copied in place of the database by hand, without kedb-admin.
    b1 = os.path.join(bdir, state["b1"]["file"])
    current = os.path.join(tmp, "current.db")
    shutil.copyfile(db, current)
    shutil.copyfile(b1, db)
    remove_sidecars(db)

    def cli_truncated():
        r = admin(db, bdir, "audit-verify")
        out = r.stdout.decode()
        m = TRUNCATED.search(out)
        need(r.returncode == 1 and m, "exit %d: %r" % (r.returncode, out))
        need(int(m.group(2)) == state["head"]["seq"] and
             m.group(3) == state["head"]["hash"], "names %r, head %r" % (m.groups(),
                                                                      state["head"]))
        need(int(m.group(1)) < state["head"]["seq"], "ends at %s" % m.group(1))
        need("(truncated)" in out, out)
    case("a backup copied back by hand: kedb-admin audit-verify reports truncation",
         cli_truncated, needs_server=False)

    again = api.Served(tmp, args=["--backup-dir", bdir])  # the same database again
    if not again.serve(add_users=False):
        return 1

    def api_truncated():
        v = verify_api()
        need(v["ok"] is False and v["first_bad"]["reason"] == "truncated",
             "verify %r" % v)
        m = TRUNCATED.match(v["first_bad"]["message"])
        need(m and int(m.group(2)) == state["head"]["seq"], "message %r" %
             v["first_bad"]["message"])
        need(v["saved_head"]["seq"] == state["head"]["seq"], "saved %r" % v["saved_head"])
    case("... and GET /api/v1/audit/verify reports it too", api_truncated)
    again.stop()

    # The database as it was goes back, and the restore is done properly.
    shutil.copyfile(current, db)
    remove_sidecars(db)

    def corrupt_refused():
        b2 = os.path.join(bdir, sorted(os.listdir(bdir))[1])
        kept = b2 + ".orig"
        shutil.copyfile(b2, kept)
        with open(b2, "r+b") as f:
            f.seek(300)
            byte = f.read(1)
            f.seek(300)
            f.write(bytes([byte[0] ^ 1]))
        before = sha256_of(db)
        r = admin(db, bdir, "restore", os.path.basename(b2))
        need(r.returncode == 1 and b"is not the file the backup log recorded" in r.stderr,
             "changed: exit %d: %r" % (r.returncode, r.stderr))
        os.replace(kept, b2)
        broken = os.path.join(tmp, "broken.db")
        shutil.copyfile(b2, broken)
        os.truncate(broken, os.path.getsize(broken) // 2)
        r = admin(db, bdir, "restore", broken)
        need(r.returncode == 1 and b"failed its check" in r.stderr,
             "broken: exit %d: %r" % (r.returncode, r.stderr))
        need(sha256_of(db) == before, "the database changed")
        need(not [f for f in os.listdir(tmp) if ".replaced-" in f or "restoring" in f],
             "files left: %r" % os.listdir(tmp))
    case("a changed or broken backup is refused", corrupt_refused, needs_server=False)


    def restored():
        before = sha256_of(db)
        r = admin(db, bdir, "restore", state["b1"]["file"])
        out = r.stdout.decode()
        need(r.returncode == 0, "exit %d: %r %r" % (r.returncode, out, r.stderr))
        m = re.search(r"^the replaced database is kept as (.+)$", out, re.M)
        need(m and os.path.exists(m.group(1)) and sha256_of(m.group(1)) == before,
             "replaced file not kept: %r" % out)
        need(re.search(r"^audit entry \d+ backup\.restore: restored from backup %s "
                       r"\(sha256 %s; hash as in the backup log; " %
                       (re.escape(state["b1"]["file"]), state["b1"]["sha256"]), out, re.M),
             out)
        need(re.search(r"its audit trail had \d+ entries past the backup's head, %d to %d "
                       r"\(the latest, %d, hash %s, recorded " %
                       (state["b1_head"] + 1, state["head"]["seq"], state["head"]["seq"],
                        state["head"]["hash"]), out), out)
        r = admin(db, bdir, "audit-verify")
        need(r.returncode == 0 and r.stdout.startswith(b"audit trail intact"),
             "verify exit %d: %r" % (r.returncode, r.stdout))
    case("kedb-admin restore: checked, replaced file kept, audit-verify intact", restored,
         needs_server=False)

    again = api.Served(tmp, args=["--backup-dir", bdir])  # the same database again
    if not again.serve(add_users=False):
        return 1

    def audited():
        v = verify_api()
        need(v["ok"] is True, "verify %r" % v)
        r = api.get("/api/v1/audit?action=backup.restore")
        need(r.status == 200, "%r" % r)
        e = r.json["entries"]
        need(len(e) == 1 and e[0]["actor"] == "kedb-admin" and
             e[0]["object"] == "backup:" + state["b1"]["file"], "entries %r" % e)
        # the backup itself is in the restored log and still verifies
        r = api.request("POST", "/api/v1/backups/%d/verify" % state["b1"]["id"])
        need(r.status == 200 and r.json["ok"] is True, "%r" % r)
    case("the server finds the restored trail intact with its backup.restore entry",
         audited)
    again.stop()


if __name__ == "__main__":
    api.run_main("test_restore", main, prefix="kedb-restore-")
