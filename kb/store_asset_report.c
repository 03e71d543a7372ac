/* Repeated faults per model and the asset report: counts over the asset and incident
 * tables, read only. See include/kb_asset.h. */
#include <stdlib.h>
#include <string.h>

#include "kb_alloc.h"
#include "kb_asset.h"
#include "kb_date.h"
#include "store_int.h"

/* An incident is on an asset when its ci, trimmed, is the asset's tag (ASCII case
 * ignored): the join uses the index incident_by_ci. */
#define ON_ASSET "JOIN incident i ON trim(i.ci) = a.tag COLLATE NOCASE "

static const char sql_model_faults[] =
    "SELECT count(*), count(DISTINCT a.id) FROM asset a " ON_ASSET
    "WHERE a.model = ?1 COLLATE NOCASE AND i.created_at >= ?2";
static const char sql_by_status[] = "SELECT status, count(*) FROM asset GROUP BY status";
static const char sql_by_class[] =
    "SELECT class, count(*) FROM asset WHERE status <> 'scrapped' GROUP BY class";
static const char sql_departments[] =
    "SELECT department, count(*) AS n FROM asset WHERE status <> 'scrapped' "
    "GROUP BY department ORDER BY n DESC, department";
static const char sql_warranty[] =
    "SELECT tag, brand, model, department, user, warranty_end, class FROM asset "
    "WHERE status <> 'scrapped' AND warranty_end >= ?1 AND warranty_end <= ?2 "
    "ORDER BY warranty_end, tag";
/* per model: incidents of the period, assets hit in it, incidents of the fault window */
static const char sql_models[] =
    "SELECT a.model, max(a.brand), "
    "  sum(i.created_at >= ?1 AND i.created_at < ?2) AS n, "
    "  count(DISTINCT CASE WHEN i.created_at >= ?1 AND i.created_at < ?2 THEN a.id END), "
    "  sum(i.created_at >= ?3) "
    "FROM asset a " ON_ASSET
    "WHERE a.model <> '' AND i.created_at >= min(?1, ?3) "
    "GROUP BY a.model COLLATE NOCASE HAVING n > 0 ORDER BY n DESC, a.model";

static kb_status done(kb_store *s, sqlite3_stmt *st, int r, kb_err *err, const char *what)
{
    kb_status rc = kb_store_step_err(s, r, err, what);
    kb_store_done(st);
    return rc;
}

kb_status kb_asset_model_faults(kb_store *s, const char *model, long long since,
                                kb_asset_faults *out, kb_err *err)
{
    memset(out, 0, sizeof *out);
    if (!model || !*model)
        return KB_OK;
    sqlite3_stmt *st = kb_store_cached(s, sql_model_faults, err);
    if (!st)
        return KB_EDB;
    kb_store_bind_text(st, 1, model);
    sqlite3_bind_int64(st, 2, since);
    int r = sqlite3_step(st);
    if (r == SQLITE_ROW) {
        out->incidents = sqlite3_column_int64(st, 0);
        out->assets = sqlite3_column_int64(st, 1);
        out->candidate = out->incidents >= KB_ASSET_FAULT_MIN;
        r = SQLITE_DONE;
    }
    return done(s, st, r, err, "asset faults");
}

/* Counts by status or class: name → index through of; names no longer known are left
 * out. */
static kb_status count_by(kb_store *s, const char *sql, int (*of)(const char *),
                          long long *slots, kb_err *err)
{
    sqlite3_stmt *st = kb_store_cached(s, sql, err);
    if (!st)
        return KB_EDB;
    int r;
    while ((r = sqlite3_step(st)) == SQLITE_ROW) {
        int k = of((const char *)sqlite3_column_text(st, 0));
        if (k >= 0)
            slots[k] = sqlite3_column_int64(st, 1);
    }
    return done(s, st, r, err, "asset report");
}

static int status_of(const char *name)
{
    return kb_asset_status_of(name ? name : "");
}

static int class_of(const char *name)
{
    return kb_asset_class_of(name ? name : "");
}

/* Each list keeps its first KB_ASSET_REPORT_ROWS rows and counts them all. */
static kb_status department_row(sqlite3_stmt *st, void *ctx, kb_err *err)
{
    (void)err;
    kb_asset_report *r = ctx;
    if (r->ndepartments < KB_ASSET_REPORT_ROWS) {
        kb_asset_count *c = &r->departments[r->ndepartments++];
        c->name = kb_store_text(st, 0);
        c->count = sqlite3_column_int64(st, 1);
    }
    r->total_departments++;
    return KB_OK;
}

static kb_status warranty_row(sqlite3_stmt *st, void *ctx, kb_err *err)
{
    (void)err;
    kb_asset_report *r = ctx;
    if (r->nwarranty < KB_ASSET_REPORT_ROWS) {
        kb_asset_brief *b = &r->warranty[r->nwarranty++];
        b->tag = kb_store_text(st, 0);
        b->brand = kb_store_text(st, 1);
        b->model = kb_store_text(st, 2);
        b->department = kb_store_text(st, 3);
        b->user = kb_store_text(st, 4);
        b->warranty_end = kb_store_text(st, 5);
        b->cls = class_of((const char *)sqlite3_column_text(st, 6));
    }
    r->total_warranty++;
    return KB_OK;
}

static kb_status model_row(sqlite3_stmt *st, void *ctx, kb_err *err)
{
    (void)err;
    kb_asset_report *r = ctx;
    if (r->nmodels < KB_ASSET_REPORT_ROWS) {
        kb_asset_model_row *m = &r->models[r->nmodels++];
        m->model = kb_store_text(st, 0);
        m->brand = kb_store_text(st, 1);
        m->incidents = sqlite3_column_int64(st, 2);
        m->assets = sqlite3_column_int64(st, 3);
        m->recent = sqlite3_column_int64(st, 4);
        m->candidate = m->recent >= KB_ASSET_FAULT_MIN;
    }
    r->total_models++;
    return KB_OK;
}

static kb_status departments(kb_store *s, kb_asset_report *r, kb_err *err)
{
    sqlite3_stmt *st = kb_store_cached(s, sql_departments, err);
    if (!st)
        return KB_EDB;
    r->departments = kb_xcalloc(KB_ASSET_REPORT_ROWS, sizeof *r->departments);
    return kb_store_rows(s, st, department_row, r, "asset report", err);
}

static kb_status warranty(kb_store *s, kb_asset_report *r, long long now, kb_err *err)
{
    char today[KB_DATE_LEN], last[KB_DATE_LEN];
    kb_date_of(now, today);
    kb_date_of(kb_date_add_days(now, KB_ASSET_WARRANTY_DAYS), last);
    sqlite3_stmt *st = kb_store_cached(s, sql_warranty, err);
    if (!st)
        return KB_EDB;
    kb_store_bind_text(st, 1, today);
    kb_store_bind_text(st, 2, last);
    r->warranty = kb_xcalloc(KB_ASSET_REPORT_ROWS, sizeof *r->warranty);
    return kb_store_rows(s, st, warranty_row, r, "asset report", err);
}

static kb_status models(kb_store *s, kb_asset_report *r, long long from, long long to,
                        long long now, kb_err *err)
{
    sqlite3_stmt *st = kb_store_cached(s, sql_models, err);
    if (!st)
        return KB_EDB;
    sqlite3_bind_int64(st, 1, from);
    sqlite3_bind_int64(st, 2, to);
    sqlite3_bind_int64(st, 3, kb_date_add_days(now, -KB_ASSET_FAULT_DAYS));
    r->models = kb_xcalloc(KB_ASSET_REPORT_ROWS, sizeof *r->models);
    return kb_store_rows(s, st, model_row, r, "asset report", err);
}

kb_status kb_asset_report_get(kb_store *s, long long from, long long to, long long now,
                              kb_asset_report **out, kb_err *err)
{
    *out = NULL;
    if (from >= to)
        return kb_err_set(err, KB_EINVAL, "empty report period");
    /* one read transaction: every number from the same snapshot */
    int own;
    kb_status rc = kb_store_read_begin(s, &own, err);
    if (rc != KB_OK)
        return rc;
    kb_asset_report *r = kb_xcalloc(1, sizeof *r);
    rc = count_by(s, sql_by_status, status_of, r->by_status, err);
    if (rc == KB_OK)
        rc = count_by(s, sql_by_class, class_of, r->by_class, err);
    for (int i = 0; i < KB_ASSET_NSTATUSES; i++)
        r->assets += r->by_status[i];
    if (rc == KB_OK)
        rc = departments(s, r, err);
    if (rc == KB_OK)
        rc = warranty(s, r, now, err);
    if (rc == KB_OK)
        rc = models(s, r, from, to, now, err);
    kb_store_read_end(s, own);
    if (rc != KB_OK) {
        kb_asset_report_free(r);
        return rc;
    }
    *out = r;
    return KB_OK;
}

void kb_asset_report_free(kb_asset_report *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->ndepartments; i++)
        free(r->departments[i].name);
    free(r->departments);
    for (size_t i = 0; i < r->nwarranty; i++) {
        kb_asset_brief *b = &r->warranty[i];
        free(b->tag);
        free(b->brand);
        free(b->model);
        free(b->department);
        free(b->user);
        free(b->warranty_end);
    }
    free(r->warranty);
    for (size_t i = 0; i < r->nmodels; i++) {
        free(r->models[i].model);
        free(r->models[i].brand);
    }
    free(r->models);
    free(r);
}
