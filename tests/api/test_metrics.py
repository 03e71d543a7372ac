#!/usr/bin/env python3
"""End-to-end tests of GET /metrics and GET /readyz (python3 standard library and
Debian's promtool).

Indexes tests/data, starts $KEDB_BIN/kedb-server with a fake clock, 127.0.0.1 as a trusted
proxy (so a request can come "from" another address through X-Forwarded-For) and a
metrics token, then checks: the text parses as Prometheus exposition format and passes
`promtool check metrics`; request counters and the search histogram move by exactly the
requests made; result-cache hits, incidents by status, the newest backup and its age (on
the fake clock), a stuck notification (due an hour ago, written into the database file)
that /readyz and kedb_notify_stuck report and that clears when it goes; who may read
/metrics (loopback, --metrics-allow networks, the bearer token; everyone else 403); a
second server whose --min-free-disk cannot be met is not ready with the reason; a third
whose configuration file's metrics_allow and token file change under SIGHUP (bad new values
keep the old ones); bad option values stop the server with exit status 2. Ends with
"test_metrics: N passed, N failed".
"""
import calendar
import json
import math
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as api  # noqa: E402

from harness import call, check_error, need, ok, set_now  # noqa: E402

case = api.case
NOW = calendar.timegm((2026, 5, 4, 9, 30, 0))
TOKEN = "kedb-metrics-7f3a9c2e51d04b88"
INCIDENT = {"caller_name": "王芳", "caller_phone": "138-0013 8000", "department": "财务部",
            "channel": "phone", "category": "printer", "priority": "P3",
            "summary": "打印机脱机", "description": "所有电脑上显示脱机"}
SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$')
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\.)*)"(,|$)')


def parse(text):
    """Parses the exposition text strictly: {(name, frozenset(labels)): value}, and the
    TYPE of each family. Every sample belongs to a family with HELP and TYPE lines."""
    samples, types, helps = {}, {}, set()
    for line in text.split("\n"):
        if not line:
            continue
        if line.startswith("# HELP "):
            helps.add(line.split(" ")[2])
            continue
        if line.startswith("# TYPE "):
            _, _, name, kind = line.split(" ")
            need(kind in ("counter", "gauge", "histogram"), "type %r" % line)
            need(name not in types, "TYPE twice for %s" % name)
            types[name] = kind
            continue
        m = SAMPLE.match(line)
        need(m, "not a sample line: %r" % line)
        name, labels = m.group(1), {}
        body = m.group(3) or ""
        pos = 0
        while pos < len(body):
            lm = LABEL.match(body, pos)
            need(lm, "bad labels in %r" % line)
            labels[lm.group(1)] = lm.group(2)
            pos = lm.end()
        value = float(m.group(4))
        need(not math.isnan(value), "NaN in %r" % line)
        family = re.sub(r"_(bucket|sum|count)$", "", name)
        family = family if family in types else name
        need(family in types and family in helps, "no TYPE/HELP for %s" % name)
        key = (name, frozenset(labels.items()))
        need(key not in samples, "sample twice: %r" % line)
        samples[key] = value
    return samples, types


def scrape(**kw):
    r = api.get("/metrics", token=None, **kw)
    need(r.status == 200, "/metrics: %r" % r)
    need(r.headers.get("content-type", "").startswith("text/plain; version=0.0.4"),
         "content type %r" % r.headers.get("content-type"))
    return r.body.decode("utf-8")


def value(samples, name, **labels):
    return samples.get((name, frozenset(labels.items())), 0.0)


def format_cases():
    def exposition():
        parse(scrape())
    case("/metrics is valid exposition text with HELP and TYPE for every family", exposition)

    def promtool():
        exe = shutil.which("promtool")
        need(exe, "promtool not found: run 'make deps-test' (Debian package prometheus)")
        p = subprocess.run([exe, "check", "metrics"], input=scrape().encode(),
                           capture_output=True, timeout=60)
        need(p.returncode == 0, "promtool check metrics: %s%s" %
             (p.stdout.decode()[-800:], p.stderr.decode()[-800:]))
    case("promtool check metrics accepts /metrics", promtool)

    def shipped_rules_and_dashboard():
        exe = shutil.which("promtool")
        need(exe, "promtool not found")
        rules = os.path.join(api.ROOT, "dist", "monitoring", "kedb-alerts.yml")
        p = subprocess.run([exe, "check", "rules", rules], capture_output=True, timeout=60)
        need(p.returncode == 0, "promtool check rules: %s" % p.stdout.decode()[-800:])
        with open(os.path.join(api.ROOT, "dist", "monitoring", "kedb-dashboard.json")) as f:
            dash = json.load(f)
        exprs = [t["expr"] for pnl in dash["panels"] for t in pnl["targets"]]
        with open(rules) as f:
            exprs += re.findall(r"expr: *\|?\s*((?:.|\n)*?)(?=\n +(?:for|labels):)", f.read())
        _, types = parse(scrape())
        names = set()
        for e in exprs:
            names |= set(re.findall(r"\b(kedb_[a-z_]+)", e))
        names = {re.sub(r"_(bucket|sum|count)$", "", n) for n in names}
        need(len(exprs) >= 10 and names, "expressions %r" % exprs)
        need(names <= set(types), "rules/dashboard name metrics kedb does not export: %r" %
             (names - set(types)))
    case("dist/monitoring: alert rules pass promtool and name only exported metrics, as do "
         "the dashboard's panels", shipped_rules_and_dashboard)


def counter_cases():
    def requests_counted():
        before, _ = parse(scrape())
        for q in ("打印机卡纸", "VPN 连不上", "Outlook 0x800CCC0E"):
            ok(api.get(api.q("/api/v1/search", q=q)))
        for _ in range(2):
            need(api.get("/api/v1/nope", token=None).status == 404, "404")
        route = dict(route="/api/v1/search", method="GET", status="200")
        # a request is counted when the server has finished it, which may be just after the
        # client read the answer
        deadline = time.time() + 10 * api.SLOW
        while True:
            after, _ = parse(scrape())
            nope = sum(v for k, v in after.items() if k[0] == "kedb_http_requests_total"
                       and dict(k[1]).get("status") == "404")
            if value(after, "kedb_http_requests_total", **route) - \
                    value(before, "kedb_http_requests_total", **route) >= 3 and nope >= 2 or \
                    time.time() > deadline:
                break
            time.sleep(0.05)
        need(value(after, "kedb_http_requests_total", **route) -
             value(before, "kedb_http_requests_total", **route) == 3, "search counted 3 times")
        hist = "kedb_http_request_duration_seconds"
        n = value(after, hist + "_count", route="/api/v1/search")
        need(n - value(before, hist + "_count", route="/api/v1/search") == 3,
             "histogram count +3")
        buckets = sorted((float(dict(k[1])["le"]), v) for k, v in after.items()
                         if k[0] == hist + "_bucket" and dict(k[1])["route"] == "/api/v1/search")
        need(buckets[-1] == (math.inf, n), "+Inf bucket is the count: %r" % buckets[-1:])
        need(all(a[1] <= b[1] for a, b in zip(buckets, buckets[1:])), "buckets cumulative")
        need(value(after, hist + "_sum", route="/api/v1/search") > 0, "sum of durations")
        need(nope >= 2, "404s counted: %r" % nope)
        labels = {dict(k[1])["route"] for k in after if k[0] == "kedb_http_requests_total"}
        need(all(lab.startswith("/") or lab in ("none", "other") for lab in labels),
             "route labels are patterns, never raw paths: %r" % labels)
        need("/api/v1/nope" not in labels, "a raw unknown path became a label")
    case("requests by route and status; search latency histogram", requests_counted)

    def cache_hits():
        before, _ = parse(scrape())
        for _ in range(3):
            ok(api.get(api.q("/api/v1/search", q="打印机 驱动 乱码")))
        after, _ = parse(scrape())
        hits = value(after, "kedb_search_cache_hits_total") - \
            value(before, "kedb_search_cache_hits_total")
        misses = value(after, "kedb_search_cache_misses_total") - \
            value(before, "kedb_search_cache_misses_total")
        need(hits >= 2 and misses >= 1, "hits %r misses %r" % (hits, misses))
    case("result-cache hits and misses", cache_hits)

    def incidents():
        before, _ = parse(scrape())
        r = call("POST", "/api/v1/incidents", INCIDENT)
        need(r.status == 201, "incident %r" % r)
        status = r.json["status"]
        after, _ = parse(scrape())
        need(value(after, "kedb_incidents", status=status) -
             value(before, "kedb_incidents", status=status) == 1, "one more %s" % status)
    case("incidents by status", incidents)

    def backup_age():
        s, _ = parse(scrape())
        need(value(s, "kedb_backup_last_timestamp_seconds") == 0, "no backup yet")
        need(value(s, "kedb_backup_age_seconds") == NOW, "age with no backup is since 1970")
        r = call("POST", "/api/v1/backups", {})
        need(r.status in (200, 201), "backup %r" % r)
        set_now(NOW + 7200)
        s, _ = parse(scrape())
        need(value(s, "kedb_backup_last_timestamp_seconds") == NOW, "newest backup's time")
        need(value(s, "kedb_backup_age_seconds") == 7200, "age %r" %
             value(s, "kedb_backup_age_seconds"))
        need(value(s, "kedb_db_size_bytes") > 0, "database size")
    case("newest backup and its age on the server's clock; database size", backup_age)


def readiness_cases(db):
    def ready():
        r = api.get("/readyz", token=None)
        need(r.status == 200, "%r" % r)
        need(r.json["status"] == "ready", "%r" % r.json)
        need(set(r.json["checks"]) == {"database", "index", "disk", "notifications"},
             "checks %r" % r.json["checks"])
        need(all(c["ok"] for c in r.json["checks"].values()), "%r" % r.json)
    case("/readyz: ready, with each check", ready)

    def stuck():
        con = sqlite3.connect(db, timeout=10)
        now = NOW + 7200
        with con:
            con.execute("INSERT INTO notify_outbox(uid, channel, event, object, title, body, "
                        "state, next_at, created_at) VALUES ('stuck-1', 999, 'incident_new', "
                        "'INC-X', 't', 'b', 'pending', ?, ?)", (now - 86400, now - 86400))
        try:
            r = api.get("/readyz", token=None)
            need(r.status == 503 and r.json["status"] == "not_ready", "%r" % r)
            n = r.json["checks"]["notifications"]
            need(not n["ok"] and "86400" in n["reason"], "reason %r" % n)
            need(r.json["checks"]["database"]["ok"], "database still fine")
            s, _ = parse(scrape())
            need(value(s, "kedb_notify_stuck") == 1, "stuck gauge")
            need(value(s, "kedb_notify_outbox", state="pending") >= 1, "queue depth")
        finally:
            with con:
                con.execute("DELETE FROM notify_outbox WHERE uid = 'stuck-1'")
            con.close()
        need(api.get("/readyz", token=None).status == 200, "ready again")
    case("a notification due a day ago and not sent (ten polls of an hour): /readyz 503 with "
         "the reason", stuck)


def access_cases():
    far = {"X-Forwarded-For": "203.0.113.9"}

    def refused():
        r = api.get("/metrics", token=None, headers=far)
        check_error(r, 403, "denied")
        for bad in ("wrong-token-wrong-token", TOKEN + "x", TOKEN[:-1], ""):
            r = api.get("/metrics", token=bad, headers=far)
            need(r.status == 403, "token %r: %r" % (bad, r))
        r = api.get("/metrics", token=None, headers=dict(far, Authorization="Basic " + TOKEN))
        need(r.status == 403, "Basic is not the token: %r" % r)
    case("/metrics from elsewhere without the token: 403", refused)

    def token():
        r = api.get("/metrics", token=TOKEN, headers=far)
        need(r.status == 200 and b"kedb_http_requests_total" in r.body, "%r" % r)
    case("/metrics from elsewhere with the bearer token: 200", token)

    def readyz_open():
        r = api.get("/readyz", token=None, headers=far)
        need(r.status == 200, "%r" % r)
        need(call("GET", "/healthz", token=None).status == 200, "healthz")
    case("/readyz and /healthz stay open", readyz_open)


def write(path, text):
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


def second_server_cases(tmp, db):
    def run(args, env=None):
        srv = api.Served(tmp, db=db, args=args, env=env, log="second.stderr")
        started = srv.serve(add_users=False, record=False)
        return srv, started

    def allow_network():
        srv, started = run(["--trusted-proxy", "127.0.0.1", "--metrics-allow",
                            "198.51.100.0/24, 2001:db8::/32", "--min-free-disk", "0"])
        try:
            need(started, "second server: %s" % srv.log()[-500:])
            r = api.get("/metrics", token=None, headers={"X-Forwarded-For": "198.51.100.77"})
            need(r.status == 200, "inside the network %r" % r)
            r = api.get("/metrics", token=None, headers={"X-Forwarded-For": "2001:db8::5"})
            need(r.status == 200, "inside the IPv6 network %r" % r)
            r = api.get("/metrics", token=None, headers={"X-Forwarded-For": "198.51.101.1"})
            need(r.status == 403, "outside %r" % r)
            r = api.get("/metrics", token=None)
            need(r.status == 403, "loopback is not allowed once --metrics-allow is set %r" % r)
        finally:
            need(srv.halt() == 0, "second server exit status")
        srv.check_log()
    case("--metrics-allow networks replace the loopback default", allow_network,
         needs_server=False)

    def disk_short():
        srv, started = run(["--min-free-disk", str(1024 * 1024 * 1024)])
        try:
            need(started, "second server: %s" % srv.log()[-500:])
            r = api.get("/readyz", token=None)
            need(r.status == 503, "%r" % r)
            d = r.json["checks"]["disk"]
            need(not d["ok"] and "MiB" in d["reason"] and d["free_bytes"] > 0, "%r" % d)
        finally:
            need(srv.halt() == 0, "second server exit status")
        srv.check_log()
    case("--min-free-disk above what is free: /readyz 503 naming the disk", disk_short,
         needs_server=False)

    def reload_access():
        """SIGHUP reads metrics_allow and the token file again; bad values keep the old."""
        conf = os.path.join(tmp, "reload-metrics.conf")
        tok_a, tok_b = os.path.join(tmp, "token-a"), os.path.join(tmp, "token-b")
        new_a, new_b, new_c = "reload-token-a-0123456789", "reload-token-b-0123456789", \
            "reload-token-c-0123456789"
        write(tok_a, new_a + "\n")
        write(tok_b, new_b + "\n")
        base = "trusted_proxy = 127.0.0.1\nmin_free_disk = 0\n"
        write(conf, base + "metrics_allow = 198.51.100.0/24\nmetrics_token_file = %s\n" % tok_a)
        srv, started = run(["--config", conf])
        inside, outside = {"X-Forwarded-For": "198.51.100.7"}, {"X-Forwarded-For": "203.0.113.9"}
        far = {"X-Forwarded-For": "192.0.2.1"}

        def status(headers, token=None):
            return api.get("/metrics", token=token, headers=headers).status

        def hup(mark):
            """Sends SIGHUP and waits for one more log line holding mark."""
            before = srv.log().count(mark)
            srv.proc.send_signal(signal.SIGHUP)
            deadline = time.time() + 10 * api.SLOW
            while srv.log().count(mark) == before and time.time() < deadline:
                time.sleep(0.05)
            need(srv.log().count(mark) > before, "no %r after SIGHUP:\n%s" % (mark,
                                                                           srv.log()[-800:]))
        try:
            need(started, "second server: %s" % srv.log()[-500:])
            need((status(inside), status(outside), status(far, new_a), status(far, new_b)) ==
                 (200, 403, 200, 403), "before the reload")
            write(conf, base + "metrics_allow = 203.0.113.0/24\nmetrics_token_file = %s\n" %
                  tok_b)
            hup("reloaded from")
            need((status(inside), status(outside), status(far, new_a), status(far, new_b)) ==
                 (403, 200, 403, 200), "the new allow-list and token file do not apply")
            write(tok_b, new_c + "\n")  # the same file, a new token
            hup("reloaded from")
            need((status(far, new_b), status(far, new_c)) == (403, 200),
                 "the token file is not read again")
            write(tok_b, "short\n")
            hup("reload: the metrics token file has errors")
            need("16 to 256" in srv.log(), "the bad token is not named: %s" % srv.log()[-500:])
            need((status(outside), status(far, new_c)) == (200, 200),
                 "a bad token file changed the access")
            write(tok_b, new_c + "\n")
            write(conf, base + "metrics_allow = 203.0.113.0/33\nmetrics_token_file = %s\n" %
                  tok_b)
            hup("reload: the settings have errors")
            need((status(outside), status(inside), status(far, new_c)) == (200, 403, 200),
                 "a bad allow-list changed the access")
            write(conf, base)
            hup("reloaded from")
            need((status(outside), status(far, new_c), status({})) == (403, 403, 200),
                 "without both: loopback only, no token")
            # the free disk /readyz wants is read again; a limit is named as needing a restart
            need(api.get("/readyz", token=None).status == 200, "not ready before")
            write(conf, base.replace("min_free_disk = 0", "min_free_disk = %d" % (1 << 30)) +
                  "login_rate = 3\n")
            hup("reloaded from")
            r = api.get("/readyz", token=None)
            need(r.status == 503 and "disk" in r.text, "min_free_disk not read again: %r" % r)
            log = srv.log()
            need("reload: 'login_rate' changed; it takes effect after a restart" in log,
                 "a changed limit is not named: %s" % log[-600:])
            need("'min_free_disk' changed" not in log, "min_free_disk called a restart setting")
            write(conf, base)
            hup("reloaded from")
            need(api.get("/readyz", token=None).status == 200, "min_free_disk 0 not read again")
            need(srv.proc.poll() is None, "the server stopped")
        finally:
            need(srv.halt() == 0, "second server exit status")
        srv.check_log()
    case("SIGHUP reads metrics_allow, the token file and min_free_disk again (bad values keep "
         "the old ones) and names a changed limit as needing a restart",
         reload_access, needs_server=False)

    def bad_options():
        short = os.path.join(tmp, "short-token")
        with open(short, "w") as f:
            f.write("abc\n")
        spaced = os.path.join(tmp, "spaced-token")
        with open(spaced, "w") as f:
            f.write("has a space in the token\n")
        for args, want in [(["--metrics-allow", "10.0.0.0/33"], "metrics-allow"),
                           (["--metrics-allow", "example.com"], "metrics-allow"),
                           (["--metrics-allow", "1.2.3.4/"], "metrics-allow"),
                           (["--metrics-allow", ",".join(["10.0.0.%d" % i for i in range(40)])],
                            "more than 32"),
                           (["--metrics-token-file", short], "16 to 256"),
                           (["--metrics-token-file", spaced], "16 to 256"),
                           (["--metrics-token-file", os.path.join(tmp, "none")], "cannot read"),
                           (["--min-free-disk", "lots"], "min-free-disk"),
                           (["--min-free-disk", "-1"], "min-free-disk")]:
            p = subprocess.run(api.under_valgrind([os.path.join(api.BIN, "kedb-server"),
                                                   "--db", db, "--port", "0"] + args),
                               capture_output=True, timeout=60 * api.SLOW)
            err = p.stderr.decode("utf-8", "replace")
            need(p.returncode == 2 and want in err, "%r: exit %d %s" % (args, p.returncode,
                                                                        err[-300:]))
    case("bad --metrics-allow, token file and --min-free-disk: exit 2 naming the option",
         bad_options, needs_server=False)


def main(tmp):
    token_file = os.path.join(tmp, "metrics-token")
    with open(token_file, "w") as f:
        f.write(TOKEN + "\n")
    srv = api.Served(tmp, clock=True, args=["--trusted-proxy", "127.0.0.1",
                                            "--metrics-token-file", token_file,
                                            "--min-free-disk", "0",
                                            "--notify-interval-ms", "3600000"])
    if not srv.index():
        return 1
    set_now(NOW)
    if not srv.serve():
        return 1
    format_cases()
    counter_cases()
    readiness_cases(srv.db)
    access_cases()
    srv.stop()
    second_server_cases(tmp, srv.db)


if __name__ == "__main__":
    api.run_main("test_metrics", main, prefix="kedb-metrics-")
