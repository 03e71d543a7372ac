/* Counts for /metrics and the readiness probes (all SQL, read only but for the write
 * probe). See include/kb_metrics.h. */
#include "kb_metrics.h"

#include <string.h>

#include "kb_incident.h"
#include "store_int.h"

#define OPEN_STATUSES "('new', 'assigned', 'in_progress', 'pending')"

static const char sql_incidents[] = "SELECT status, count(*) FROM incident GROUP BY status";
/* a mark is written once per incident and target by the notification sweep */
static const char sql_breached_open[] =
    "SELECT m.what, count(*) FROM notify_mark m JOIN incident i ON i.number = m.object "
    "WHERE i.status IN " OPEN_STATUSES " AND m.what IN ('response_breach', 'resolve_breach') "
    "GROUP BY m.what";
static const char sql_breaches[] =
    "SELECT what, count(*) FROM notify_mark WHERE what IN ('response_breach', "
    "'resolve_breach') GROUP BY what";
static const char sql_outbox[] = "SELECT state, count(*) FROM notify_outbox GROUP BY state";
static const char sql_stuck[] =
    "SELECT count(*), coalesce(min(next_at), 0) FROM notify_outbox "
    "WHERE state = 'pending' AND next_at < ?1";
static const char sql_pages[] =
    "SELECT (SELECT page_count FROM pragma_page_count()), "
    "(SELECT freelist_count FROM pragma_freelist_count()), "
    "(SELECT page_size FROM pragma_page_size())";
static const char sql_backup[] = "SELECT coalesce(max(at), 0) FROM backup_log";
static const char sql_probe_write[] =
    "INSERT INTO meta(key, value) VALUES ('ready_probe', ?1) "
    "ON CONFLICT(key) DO UPDATE SET value = excluded.value";
static const char sql_probe_index[] =
    "SELECT rowid FROM kb_fts WHERE kb_fts MATCH 'kedbreadyprobe' LIMIT 1";

static kb_status incident_row(sqlite3_stmt *st, void *ctx, kb_err *err)
{
    (void)err;
    kb_metrics *m = ctx;
    const char *status = (const char *)sqlite3_column_text(st, 0);
    for (int i = 0; status && i < KB_METRICS_INC_STATUSES; i++)
        if (strcmp(status, kb_incident_status_name((kb_inc_status)i)) == 0)
            m->incidents[i] += sqlite3_column_int64(st, 1);
    return KB_OK;
}

static kb_status breach_row(sqlite3_stmt *st, void *ctx, kb_err *err)
{
    (void)err;
    long long *v = ctx;
    const char *what = (const char *)sqlite3_column_text(st, 0);
    v[what && strcmp(what, "resolve_breach") == 0] += sqlite3_column_int64(st, 1);
    return KB_OK;
}

static kb_status outbox_row(sqlite3_stmt *st, void *ctx, kb_err *err)
{
    (void)err;
    kb_metrics *m = ctx;
    const char *state = (const char *)sqlite3_column_text(st, 0);
    long long n = sqlite3_column_int64(st, 1);
    if (!state)
        return KB_OK;
    if (strcmp(state, "pending") == 0)
        m->outbox_pending += n;
    else if (strcmp(state, "failed") == 0)
        m->outbox_failed += n;
    else if (strcmp(state, "delivered") == 0)
        m->outbox_sent += n;
    return KB_OK;
}

static kb_status stuck_row(sqlite3_stmt *st, void *ctx, kb_err *err)
{
    (void)err;
    kb_metrics *m = ctx;
    m->outbox_stuck = sqlite3_column_int64(st, 0);
    m->oldest_due = sqlite3_column_int64(st, 1);
    return KB_OK;
}

static kb_status pages_row(sqlite3_stmt *st, void *ctx, kb_err *err)
{
    (void)err;
    kb_metrics *m = ctx;
    long long size = sqlite3_column_int64(st, 2);
    m->db_bytes = sqlite3_column_int64(st, 0) * size;
    m->db_free_bytes = sqlite3_column_int64(st, 1) * size;
    return KB_OK;
}

static kb_status backup_row(sqlite3_stmt *st, void *ctx, kb_err *err)
{
    (void)err;
    *(long long *)ctx = sqlite3_column_int64(st, 0);
    return KB_OK;
}

/* Runs sql (no parameters, or ?1 = arg) through row. */
static kb_status each(kb_store *s, const char *sql, long long arg, kb_store_row_fn row,
                      void *ctx, const char *what, kb_err *err)
{
    sqlite3_stmt *st = kb_store_cached(s, sql, err);
    if (!st)
        return KB_EDB;
    if (sqlite3_bind_parameter_count(st) > 0)
        sqlite3_bind_int64(st, 1, arg);
    return kb_store_rows(s, st, row, ctx, what, err);
}

kb_status kb_metrics_read(kb_store *s, long long stuck_before, kb_metrics *out, kb_err *err)
{
    memset(out, 0, sizeof *out);
    int own = 0;
    kb_status rc = kb_store_read_begin(s, &own, err);
    if (rc == KB_OK)
        rc = each(s, sql_incidents, 0, incident_row, out, "incidents by status", err);
    if (rc == KB_OK)
        rc = each(s, sql_breached_open, 0, breach_row, out->breached_open,
                  "open incidents past target", err);
    if (rc == KB_OK)
        rc = each(s, sql_breaches, 0, breach_row, out->breaches, "breaches", err);
    if (rc == KB_OK)
        rc = each(s, sql_outbox, 0, outbox_row, out, "notification outbox", err);
    if (rc == KB_OK)
        rc = each(s, sql_stuck, stuck_before, stuck_row, out, "stuck notifications", err);
    if (rc == KB_OK)
        rc = each(s, sql_pages, 0, pages_row, out, "database size", err);
    if (rc == KB_OK)
        rc = each(s, sql_backup, 0, backup_row, &out->last_backup, "last backup", err);
    kb_store_read_end(s, own);
    return rc;
}

kb_status kb_metrics_probe_write(kb_store *s, long long now, kb_err *err)
{
    int own = 0;
    kb_status rc = kb_store_write_begin(s, &own, err);
    if (rc != KB_OK)
        return rc;
    sqlite3_stmt *st = kb_store_cached(s, sql_probe_write, err);
    if (!st)
        rc = KB_EDB;
    if (rc == KB_OK) {
        sqlite3_bind_int64(st, 1, now);
        rc = kb_store_step_done(s, st, "the write probe", err);
    }
    return kb_store_write_end(s, own, rc, err);
}

static kb_status probe_row(sqlite3_stmt *st, void *ctx, kb_err *err)
{
    (void)st;
    (void)ctx;
    (void)err;
    return KB_OK;
}

kb_status kb_metrics_probe_index(kb_store *s, kb_err *err)
{
    return each(s, sql_probe_index, 0, probe_row, NULL, "the full-text index", err);
}
