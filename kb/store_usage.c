/* Knowledge usage: resolved incidents, suggestion feedback and knowledge gaps (all SQL). */
#include "kb_usage.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "kb_alloc.h"
#include "kb_audit.h"
#include "kb_buf.h"
#include "store_int.h"

static const char schema[] =
    "CREATE TABLE IF NOT EXISTS kb_usage("
    " kb_id TEXT PRIMARY KEY, resolved INTEGER NOT NULL DEFAULT 0,"
    " last_resolved INTEGER NOT NULL DEFAULT 0, helpful INTEGER NOT NULL DEFAULT 0,"
    " not_helpful INTEGER NOT NULL DEFAULT 0) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS search_gap("
    " query TEXT PRIMARY KEY, count INTEGER NOT NULL, last INTEGER NOT NULL) WITHOUT ROWID;"
    "CREATE INDEX IF NOT EXISTS search_gap_last ON search_gap(last);";

static const char sql_exists[] = "SELECT 1 FROM doc WHERE id = ?1";
static const char sql_resolved[] =
    "INSERT INTO kb_usage(kb_id, resolved, last_resolved) VALUES (?1, max(?2, 0), ?3) "
    "ON CONFLICT(kb_id) DO UPDATE SET resolved = max(resolved + ?2, 0), "
    "last_resolved = CASE WHEN ?2 > 0 THEN max(last_resolved, ?3) ELSE last_resolved END";
static const char sql_feedback[] =
    "INSERT INTO kb_usage(kb_id, helpful, not_helpful) VALUES (?1, ?2, 1 - ?2) "
    "ON CONFLICT(kb_id) DO UPDATE SET helpful = helpful + ?2, not_helpful = not_helpful + 1 - ?2";
static const char sql_get[] =
    "SELECT resolved, last_resolved, helpful, not_helpful FROM kb_usage WHERE kb_id = ?1";
static const char sql_boosts[] =
    "SELECT d.rowid, u.resolved, u.last_resolved, u.helpful, u.not_helpful "
    "FROM kb_usage u JOIN doc d ON d.id = u.kb_id";
static const char sql_gap[] =
    "INSERT INTO search_gap(query, count, last) VALUES (?1, 1, ?2) "
    "ON CONFLICT(query) DO UPDATE SET count = count + 1, last = max(last, ?2)";
static const char sql_gaps[] =
    "SELECT query, count, last FROM search_gap WHERE last >= ?1 "
    "ORDER BY count DESC, last DESC LIMIT ?2";

kb_status kb_usage_migrate(kb_store *s, kb_err *err)
{
    return kb_store_exec(s, schema, err);
}

static kb_status exists(kb_store *s, const char *kb_id, kb_err *err)
{
    sqlite3_stmt *st = kb_store_cached(s, sql_exists, err);
    if (!st)
        return KB_EDB;
    sqlite3_bind_text(st, 1, kb_id, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    kb_store_done(st);
    if (rc == SQLITE_ROW)
        return KB_OK;
    if (rc == SQLITE_DONE)
        return kb_err_set(err, KB_ENOTFOUND, "no knowledge item with id '%s'", kb_id);
    return kb_store_db_err(s, err, "usage");
}

/* Runs one write statement with (kb_id, int, time) in its own or the caller's transaction. */
static kb_status write3(kb_store *s, const char *sql, const char *kb_id, long long v,
                        long long at, kb_err *err)
{
    int own;
    kb_status rc = kb_store_write_begin(s, &own, err);
    if (rc != KB_OK)
        return rc;
    sqlite3_stmt *st = kb_store_cached(s, sql, err);
    if (!st)
        rc = KB_EDB;
    if (rc == KB_OK) {
        sqlite3_bind_text(st, 1, kb_id, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, v);
        sqlite3_bind_int64(st, 3, at);
        if (sqlite3_step(st) != SQLITE_DONE)
            rc = kb_store_db_err(s, err, "usage");
        kb_store_done(st);
    }
    return kb_store_write_end(s, own, rc, err);
}

kb_status kb_usage_resolved(kb_store *s, const char *kb_id, int delta, long long at,
                            kb_err *err)
{
    kb_status rc = exists(s, kb_id, err);
    return rc == KB_OK ? write3(s, sql_resolved, kb_id, delta, at, err) : rc;
}

kb_status kb_usage_feedback(kb_store *s, const char *kb_id, int helpful, const char *actor,
                            long long at, kb_err *err)
{
    kb_status rc = exists(s, kb_id, err);
    if (rc != KB_OK)
        return rc;
    /* the count and its audit entry commit together */
    int own;
    rc = kb_store_write_begin(s, &own, err);
    if (rc != KB_OK)
        return rc;
    rc = write3(s, sql_feedback, kb_id, helpful ? 1 : 0, at, err);
    if (rc == KB_OK) {
        kb_buf object;
        kb_buf_init(&object, 0);
        kb_buf_addf(&object, "kb:%s", kb_id);
        rc = kb_audit_append(s, at, actor, "usage.feedback", kb_buf_str(&object),
                             helpful ? "helpful" : "not helpful", err);
        kb_buf_free(&object);
    }
    return kb_store_write_end(s, own, rc, err);
}

kb_status kb_usage_get(kb_store *s, const char *kb_id, kb_usage *out, kb_err *err)
{
    memset(out, 0, sizeof *out);
    sqlite3_stmt *st = kb_store_cached(s, sql_get, err);
    if (!st)
        return KB_EDB;
    sqlite3_bind_text(st, 1, kb_id, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        out->resolved = sqlite3_column_int64(st, 0);
        out->last_resolved = sqlite3_column_int64(st, 1);
        out->helpful = sqlite3_column_int64(st, 2);
        out->not_helpful = sqlite3_column_int64(st, 3);
    }
    kb_store_done(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? KB_OK : kb_store_db_err(s, err, "usage");
}

double kb_usage_factor(const kb_usage *u)
{
    double f = 1.0 + 0.1 * log2(1.0 + (double)(u->resolved > 0 ? u->resolved : 0)) +
               0.05 * (double)(u->helpful - u->not_helpful);
    return f < 0.8 ? 0.8 : f > 1.5 ? 1.5 : f;
}

kb_status kb_usage_boosts(kb_store *s, kb_usage_boost_fn fn, void *ctx, kb_err *err)
{
    sqlite3_stmt *st = kb_store_cached(s, sql_boosts, err);
    if (!st)
        return KB_EDB;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        kb_usage u = { sqlite3_column_int64(st, 1), sqlite3_column_int64(st, 2),
                       sqlite3_column_int64(st, 3), sqlite3_column_int64(st, 4) };
        double f = kb_usage_factor(&u);
        if (f != 1.0 && fn(ctx, sqlite3_column_int64(st, 0), f))
            break;
    }
    kb_store_done(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? KB_OK : kb_store_db_err(s, err, "usage");
}

kb_status kb_usage_gap(kb_store *s, const char *query, long long at, kb_err *err)
{
    size_t len = strlen(query);
    if (len == 0)
        return KB_OK;
    if (len > 200) {
        len = 200;
        while (len > 0 && ((unsigned char)query[len] & 0xC0) == 0x80)
            len--;
    }
    char *q = kb_xstrndup(query, len);
    int own;
    kb_status rc = kb_store_write_begin(s, &own, err);
    if (rc == KB_OK) {
        sqlite3_stmt *st = kb_store_cached(s, sql_gap, err);
        if (!st)
            rc = KB_EDB;
        if (rc == KB_OK) {
            sqlite3_bind_text(st, 1, q, -1, SQLITE_STATIC);
            sqlite3_bind_int64(st, 2, at);
            if (sqlite3_step(st) != SQLITE_DONE)
                rc = kb_store_db_err(s, err, "gaps");
            kb_store_done(st);
        }
        rc = kb_store_write_end(s, own, rc, err);
    }
    free(q);
    return rc;
}

kb_status kb_usage_gaps(kb_store *s, long long since, size_t max, kb_gap **out, size_t *n,
                        kb_err *err)
{
    *out = NULL;
    *n = 0;
    sqlite3_stmt *st = kb_store_cached(s, sql_gaps, err);
    if (!st)
        return KB_EDB;
    sqlite3_bind_int64(st, 1, since);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)max);
    kb_gap *v = kb_xcalloc(max ? max : 1, sizeof *v);
    size_t k = 0;
    int rc;
    while (k < max && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        v[k].query = kb_xstrdup((const char *)sqlite3_column_text(st, 0));
        v[k].count = sqlite3_column_int64(st, 1);
        v[k].last = sqlite3_column_int64(st, 2);
        k++;
    }
    if (k >= max)
        rc = SQLITE_DONE;
    kb_store_done(st);
    if (rc != SQLITE_DONE) {
        kb_usage_gaps_free(v, k);
        return kb_store_db_err(s, err, "gaps");
    }
    *out = v;
    *n = k;
    return KB_OK;
}

void kb_usage_gaps_free(kb_gap *g, size_t n)
{
    for (size_t i = 0; g && i < n; i++)
        free(g[i].query);
    free(g);
}
