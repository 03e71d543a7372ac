/* GET /healthz (alive), /readyz (fit to serve: the database takes writes, the index
 * answers, the disk has room, notifications are not stuck) and /metrics (Prometheus). */
#include <assert.h>
#include <pthread.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>

#include "kb_alloc.h"
#include "kb_hash.h"
#include "kb_incident.h"
#include "kb_metrics.h"
#include "kb_search.h"
#include "kb_store.h"
#include "metrics.h"
#include "srv.h"

/* a due notification is stuck after this many outbox polls, and at least STUCK_MIN s */
#define STUCK_POLLS 10u
#define STUCK_MIN 600LL

kb_status h_healthz(srv_req *rq, srv_resp *rs, kb_err *err)
{
    kb_store *s;
    long long n = 0;
    kb_status rc = srv_req_store(rq, &s, err);
    if (rc == KB_OK)
        rc = kb_store_doc_count(s, NULL, &n, err);
    if (rc != KB_OK)
        return rc;
    json_t *o = json_object();
    json_object_set_new(o, "status", json_string("ok"));
    json_object_set_new(o, "documents", json_integer(n));
    rs->json = o;
    return KB_OK;
}

static long long stuck_before(const srv_app *app, long long now)
{
    long long after = (long long)app->notify_interval_ms * STUCK_POLLS / 1000;
    return now - (after > STUCK_MIN ? after : STUCK_MIN);
}

/* The directory of the database file, for statvfs. */
static void db_dir(const char *db_path, char *out, size_t size)
{
    const char *slash = db_path ? strrchr(db_path, '/') : NULL;
    if (!slash)
        snprintf(out, size, ".");
    else if (slash == db_path)
        snprintf(out, size, "/");
    else
        snprintf(out, size, "%.*s", (int)(slash - db_path), db_path);
}

/* Adds check name to checks: ok, or not with reason; returns ok. */
static int check(json_t *checks, const char *name, int ok, const char *reason)
{
    json_t *c = json_object();
    json_object_set_new(c, "ok", json_boolean(ok));
    if (!ok)
        json_object_set_new(c, "reason", json_string(reason));
    json_object_set_new(checks, name, c);
    return ok;
}

kb_status h_readyz(srv_req *rq, srv_resp *rs, kb_err *err)
{
    (void)err;
    const srv_app *app = rq->app;
    json_t *checks = json_object();
    int ready = 1;
    long long now = 0;
    kb_err why;
    kb_err_clear(&why);
    kb_store *s = NULL;
    kb_status rc = srv_now(&now, &why);
    if (rc == KB_OK)
        rc = srv_req_store(rq, &s, &why);
    int store_ok = rc == KB_OK;
    if (store_ok)
        rc = kb_metrics_probe_write(s, now, &why);
    ready &= check(checks, "database", rc == KB_OK, why.msg);

    kb_err_clear(&why);
    rc = store_ok ? kb_metrics_probe_index(s, &why) : KB_EDB;
    ready &= check(checks, "index", rc == KB_OK, store_ok ? why.msg : "no database");

    char dir[4096], reason[320];
    db_dir(app->db_path, dir, sizeof dir);
    struct statvfs vfs;
    unsigned long long avail = 0;
    int disk_ok = statvfs(dir, &vfs) == 0;
    if (disk_ok)
        avail = (unsigned long long)vfs.f_bavail * vfs.f_frsize;
    unsigned long long need = atomic_load(&app->min_free_disk);
    snprintf(reason, sizeof reason, disk_ok ? "%llu MiB free next to the database, below the "
             "%llu MiB required" : "cannot read the free space next to the database",
             avail >> 20, need >> 20);
    disk_ok = disk_ok && avail >= need;
    ready &= check(checks, "disk", disk_ok, reason);
    json_object_set_new(json_object_get(checks, "disk"), "free_bytes", json_integer((json_int_t)avail));

    kb_metrics m;
    memset(&m, 0, sizeof m);
    kb_err_clear(&why);
    rc = store_ok ? kb_metrics_read(s, stuck_before(app, now), &m, &why) : KB_EDB;
    if (rc == KB_OK && m.outbox_stuck > 0)
        snprintf(reason, sizeof reason, "%lld notifications due since %lld s and not sent: "
                 "is delivery running?", m.outbox_stuck, now - m.oldest_due);
    else
        snprintf(reason, sizeof reason, "%.200s", store_ok ? why.msg : "no database");
    ready &= check(checks, "notifications", rc == KB_OK && m.outbox_stuck == 0, reason);

    json_t *o = json_object();
    json_object_set_new(o, "status", json_string(ready ? "ready" : "not_ready"));
    json_object_set_new(o, "checks", checks);
    rs->json = o;
    rs->status = ready ? 200 : 503;
    return KB_OK;
}

/* Guards srv_app.metrics_allow and metrics_token_sha, which a reload replaces while
 * requests read them (one app per process). */
static pthread_mutex_t access_mu = PTHREAD_MUTEX_INITIALIZER;

void srv_app_set_metrics_access(srv_app *app, const srv_netlist *allow, const char *token)
{
    srv_netlist l = *allow;
    if (l.n == 0) {
        kb_err e;
        kb_status rc = srv_netlist_add(&l, "127.0.0.0/8,::1", &e);
        assert(rc == KB_OK);
        (void)rc;
    }
    char sha[KB_HASH_SHA256_HEX] = "";
    if (token)
        kb_hash_sha256_hex(token, strlen(token), sha);
    pthread_mutex_lock(&access_mu);
    app->metrics_allow = l;
    memcpy(app->metrics_token_sha, sha, sizeof sha);
    pthread_mutex_unlock(&access_mu);
}

/* The caller's address is allowed, or it presents the metrics token as a bearer. */
int srv_req_may_read_metrics(const srv_req *rq)
{
    const srv_app *app = rq->app;
    char want[KB_HASH_SHA256_HEX];
    pthread_mutex_lock(&access_mu);
    int allowed = rq->client[0] && srv_netlist_has(&app->metrics_allow, rq->client);
    memcpy(want, app->metrics_token_sha, sizeof want);
    pthread_mutex_unlock(&access_mu);
    if (allowed)
        return 1;
    const char *a = rq->authorization;
    if (!want[0] || !a || strncmp(a, "Bearer ", 7) != 0)
        return 0;
    char got[KB_HASH_SHA256_HEX];
    kb_hash_sha256_hex(a + 7, strlen(a + 7), got);
    return kb_hash_equal(want, got, sizeof want);
}

static void gauge(kb_buf *b, const char *name, const char *help, const char *type)
{
    kb_buf_addf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

kb_status h_metrics(srv_req *rq, srv_resp *rs, kb_err *err)
{
    if (!srv_req_may_read_metrics(rq))
        return kb_err_set(err, KB_EDENIED, "/metrics is open to the addresses in "
                          "--metrics-allow or with the metrics token (Authorization: Bearer)");
    const srv_app *app = rq->app;
    kb_store *s;
    long long now;
    kb_metrics m;
    kb_status rc = srv_now(&now, err);
    if (rc == KB_OK)
        rc = srv_req_store(rq, &s, err);
    if (rc == KB_OK)
        rc = kb_metrics_read(s, stuck_before(app, now), &m, err);
    if (rc != KB_OK)
        return rc;
    kb_buf b;
    kb_buf_init(&b, 0);
    srv_metrics_render(app->metrics, &b);

    unsigned long long hits, misses;
    kb_search_cache_stats(&hits, &misses);
    gauge(&b, "kedb_search_cache_hits_total", "Searches answered from the result cache.",
          "counter");
    kb_buf_addf(&b, "kedb_search_cache_hits_total %llu\n", hits);
    gauge(&b, "kedb_search_cache_misses_total", "Searches the result cache could not answer.",
          "counter");
    kb_buf_addf(&b, "kedb_search_cache_misses_total %llu\n", misses);

    gauge(&b, "kedb_incidents", "Incidents by status.", "gauge");
    for (int i = 0; i < KB_METRICS_INC_STATUSES; i++)
        kb_buf_addf(&b, "kedb_incidents{status=\"%s\"} %lld\n",
                    kb_incident_status_name((kb_inc_status)i), m.incidents[i]);
    static const char *const targets[] = { "response", "resolve" };
    gauge(&b, "kedb_sla_breached_open_incidents",
          "Open incidents past their SLA target, by target.", "gauge");
    for (int i = 0; i < 2; i++)
        kb_buf_addf(&b, "kedb_sla_breached_open_incidents{target=\"%s\"} %lld\n", targets[i],
                    m.breached_open[i]);
    gauge(&b, "kedb_sla_breaches_total", "SLA breaches found by the sweep, by target.",
          "counter");
    for (int i = 0; i < 2; i++)
        kb_buf_addf(&b, "kedb_sla_breaches_total{target=\"%s\"} %lld\n", targets[i],
                    m.breaches[i]);

    gauge(&b, "kedb_notify_outbox", "Notifications kept, by state (pending: the queue; "
          "failed: given up after the last attempt).", "gauge");
    kb_buf_addf(&b, "kedb_notify_outbox{state=\"pending\"} %lld\n"
                "kedb_notify_outbox{state=\"failed\"} %lld\n"
                "kedb_notify_outbox{state=\"delivered\"} %lld\n",
                m.outbox_pending, m.outbox_failed, m.outbox_sent);
    gauge(&b, "kedb_notify_stuck", "Pending notifications due long ago and not sent.",
          "gauge");
    kb_buf_addf(&b, "kedb_notify_stuck %lld\n", m.outbox_stuck);

    struct stat wal;
    char walpath[4096];
    snprintf(walpath, sizeof walpath, "%s-wal", app->db_path ? app->db_path : "");
    long long wal_bytes = stat(walpath, &wal) == 0 ? (long long)wal.st_size : 0;
    gauge(&b, "kedb_db_size_bytes", "Size of the database file (pages times page size).",
          "gauge");
    kb_buf_addf(&b, "kedb_db_size_bytes %lld\n", m.db_bytes);
    gauge(&b, "kedb_db_free_bytes", "Of the database file, pages on the free list.", "gauge");
    kb_buf_addf(&b, "kedb_db_free_bytes %lld\n", m.db_free_bytes);
    gauge(&b, "kedb_db_wal_bytes", "Size of the write-ahead log file.", "gauge");
    kb_buf_addf(&b, "kedb_db_wal_bytes %lld\n", wal_bytes);

    gauge(&b, "kedb_backup_last_timestamp_seconds",
          "When the newest backup was made (Unix time; 0: never).", "gauge");
    kb_buf_addf(&b, "kedb_backup_last_timestamp_seconds %lld\n", m.last_backup);
    gauge(&b, "kedb_backup_age_seconds",
          "Seconds since the newest backup (since 1970 when there is none).", "gauge");
    kb_buf_addf(&b, "kedb_backup_age_seconds %lld\n", now - m.last_backup);

    size_t len;
    rs->body = kb_buf_detach(&b, &len);
    rs->body_len = len;
    rs->content_type = "text/plain; version=0.0.4; charset=utf-8";
    return KB_OK;
}
