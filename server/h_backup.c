/* Backups over HTTP: POST /api/v1/backups (make one), GET /api/v1/backups (the log),
 * POST /api/v1/backups/:id/verify (restore check) and POST /api/v1/backups/prune
 * (retention). The work is kb_backup's (kb_backup.h) in the directory given with
 * --backup-dir; this file reads requests, takes the time and turns records into JSON. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kb_backup.h"
#include "kb_log.h"
#include "srv.h"

#define DEFAULT_LIST 100u
#define MAX_LIST 1000u
#define MAX_ID 1000000000000u
#define MAX_KEEP_LAST 100000

static json_t *text_or_null(const char *s)
{
    return s[0] ? srv_json_str(s) : json_null();
}

static json_t *entry_json(const kb_backup *b)
{
    json_t *o = json_object();
    json_object_set_new(o, "id", json_integer(b->id));
    json_object_set_new(o, "at", srv_json_time(b->at));
    json_object_set_new(o, "file", srv_json_str(b->file));
    json_object_set_new(o, "size", json_integer(b->size));
    json_object_set_new(o, "sha256", srv_json_str(b->sha256));
    json_object_set_new(o, "docs", json_integer(b->docs));
    json_object_set_new(o, "by", text_or_null(b->actor));
    json_object_set_new(o, "on_behalf_of", text_or_null(b->on_behalf_of));
    json_object_set_new(o, "actor", text_or_null(b->actor)); /* older name of by */
    json_object_set_new(o, "status", srv_json_str(b->status));
    json_object_set_new(o, "verified_at", srv_json_time(b->verified_at));
    json_object_set_new(o, "verify_result", text_or_null(b->verify_result));
    json_object_set_new(o, "pruned_at", srv_json_time(b->pruned_at));
    return o;
}

static json_t *entries_json(const kb_backup *v, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(a, entry_json(&v[i]));
    return a;
}

/* POST /api/v1/backups, body optional: {"on_behalf_of": "zhang"}. Made by the logged-in
 * user, for the named colleague when one is given. */
kb_status h_backup_create(srv_req *rq, srv_resp *rs, kb_err *err)
{
    static const char *const allowed[] = { "on_behalf_of", "actor", NULL };
    json_t *in;
    kb_status rc = srv_req_body(rq, 1, allowed, &in, err);
    if (rc != KB_OK)
        return rc;
    const char *for_whom = NULL;
    rc = srv_req_on_behalf_of(rq, in, &for_whom, err);
    if (rc == KB_OK && for_whom && strlen(for_whom) > KB_BACKUP_MAX_ACTOR)
        rc = kb_err_set(err, KB_EINVAL, "'on_behalf_of' must be text of 1 to %u bytes",
                        KB_BACKUP_MAX_ACTOR);
    long long now = 0;
    kb_store *s = NULL;
    if (rc == KB_OK)
        rc = srv_req_store_now(rq, &s, &now, err);
    kb_backup b;
    if (rc == KB_OK)
        rc = kb_backup_create(s, rq->app->backup_dir, now, rq->user, for_whom, &b, err);
    if (rc == KB_OK) {
        kb_log(KB_LOG_INFO, "backup made id=%lld file=%s size=%lld docs=%lld", b.id, b.file,
               b.size, b.docs);
        rs->status = 201;
        rs->json = entry_json(&b);
    }
    json_decref(in);
    return rc;
}

/* GET /api/v1/backups?limit=N: the log, newest first. */
kb_status h_backup_list(srv_req *rq, srv_resp *rs, kb_err *err)
{
    size_t limit;
    kb_status rc = srv_req_limit(rq, DEFAULT_LIST, MAX_LIST, &limit, err);
    kb_store *s;
    if (rc == KB_OK)
        rc = srv_req_store(rq, &s, err);
    kb_backup *list = NULL;
    size_t n = 0;
    if (rc == KB_OK)
        rc = kb_backup_list(s, limit, &list, &n, err);
    if (rc != KB_OK)
        return rc;
    json_t *o = json_object();
    json_object_set_new(o, "backups", entries_json(list, n));
    free(list);
    rs->json = o;
    return KB_OK;
}

/* POST /api/v1/backups/:id/verify: the restore check of one backup. */
kb_status h_backup_verify(srv_req *rq, srv_resp *rs, kb_err *err)
{
    size_t id;
    long long now = 0;
    kb_store *s = NULL;
    kb_status rc = srv_req_path_num(rq, "id", MAX_ID, &id, err);
    if (rc == KB_OK)
        rc = srv_req_store_now(rq, &s, &now, err);
    kb_backup_check c;
    kb_backup b;
    if (rc == KB_OK)
        rc = kb_backup_verify(s, rq->app->backup_dir, (long long)id, now, &c, &b, err);
    if (rc != KB_OK)
        return rc;
    if (!c.ok)
        kb_log(KB_LOG_WARN, "backup check failed id=%lld file=%s: %s", b.id, b.file, c.result);
    json_t *checks = json_object();
    json_object_set_new(checks, "readable", json_boolean(c.readable));
    json_object_set_new(checks, "checksum", json_boolean(c.checksum_ok));
    json_object_set_new(checks, "integrity", json_boolean(c.integrity_ok));
    json_object_set_new(checks, "kedb", json_boolean(c.kedb_ok));
    json_t *o = json_object();
    json_object_set_new(o, "ok", json_boolean(c.ok));
    json_object_set_new(o, "result", srv_json_str(c.result));
    json_object_set_new(o, "checks", checks);
    json_object_set_new(o, "size", json_integer(c.size));
    json_object_set_new(o, "sha256", text_or_null(c.sha256));
    json_object_set_new(o, "schema_version",
                        c.schema_version >= 0 ? json_integer(c.schema_version) : json_null());
    json_object_set_new(o, "docs", c.docs >= 0 ? json_integer(c.docs) : json_null());
    json_object_set_new(o, "doc_digest", text_or_null(c.doc_digest));
    json_object_set_new(o, "backup", entry_json(&b));
    rs->json = o;
    return KB_OK;
}

/* POST /api/v1/backups/prune {"keep_last": N, "keep_days": D} */
kb_status h_backup_prune(srv_req *rq, srv_resp *rs, kb_err *err)
{
    static const char *const allowed[] = { "keep_last", "keep_days", NULL };
    json_t *in;
    kb_status rc = srv_req_body(rq, 0, allowed, &in, err);
    if (rc != KB_OK)
        return rc;
    long long keep_last = 0;
    long long keep_days = 0;
    rc = srv_json_get_int(in, "keep_last", 1, MAX_KEEP_LAST, 1, &keep_last, err);
    if (rc == KB_OK)
        rc = srv_json_get_int(in, "keep_days", 0, KB_BACKUP_MAX_DAYS, 0, &keep_days, err);
    json_decref(in);
    long long now = 0;
    kb_store *s = NULL;
    if (rc == KB_OK)
        rc = srv_req_store_now(rq, &s, &now, err);
    kb_backup *pruned = NULL;
    size_t n = 0;
    if (rc == KB_OK)
        rc = kb_backup_prune(s, rq->app->backup_dir, keep_last, keep_days,
                             rq->user[0] ? rq->user : NULL, now, &pruned, &n, err);
    if (n)
        kb_log(KB_LOG_INFO, "backups pruned n=%zu keep_last=%lld keep_days=%lld", n, keep_last,
               keep_days);
    kb_backup *all = NULL;
    size_t nall = 0;
    if (rc == KB_OK)
        rc = kb_backup_list(s, 0, &all, &nall, err);
    if (rc == KB_OK) {
        long long kept = 0;
        for (size_t i = 0; i < nall; i++)
            kept += strcmp(all[i].status, "ok") == 0;
        json_t *o = json_object();
        json_object_set_new(o, "pruned", entries_json(pruned, n));
        json_object_set_new(o, "kept", json_integer(kept));
        json_object_set_new(o, "keep_last", json_integer(keep_last));
        json_object_set_new(o, "keep_days", json_integer(keep_days));
        rs->json = o;
    }
    free(all);
    free(pruned);
    return rc;
}
