/* Maintenance plans, tasks and results in the database (all their SQL): schema (version
 * 19), plans with their checklists, idempotent and bounded task generation, results with
 * the incident a fault opens, lists, completion counts and the overdue messages. See
 * include/kb_maint.h. */
#include "kb_maint.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "kb_alloc.h"
#include "kb_asset.h"
#include "kb_attach.h"
#include "kb_audit.h"
#include "kb_buf.h"
#include "kb_group.h"
#include "kb_incident.h"
#include "kb_notify.h"
#include "kb_text.h"
#include "store_int.h"

/* maint_plan: asset is a tag ("" for a class's plan), class a class name ("" for an
 * asset's plan), grp a group by name (as incidents keep them).
 * maint_item: a plan's checklist in order.
 * maint_task: one per plan, asset and due date (the unique key makes generation
 * idempotent); done_day is the desk day it was done (on time or late), incident the one a
 * fault opened, notified 1 once maint_overdue went out.
 * maint_result: what was found per checklist item, with the item's words of then. */
static const char schema_v19[] =
    "CREATE TABLE IF NOT EXISTS maint_plan("
    "  id INTEGER PRIMARY KEY,"
    "  name TEXT NOT NULL,"
    "  asset TEXT NOT NULL COLLATE NOCASE,"
    "  class TEXT NOT NULL,"
    "  every INTEGER NOT NULL,"
    "  unit TEXT NOT NULL,"
    "  start TEXT NOT NULL,"
    "  grp TEXT NOT NULL,"
    "  active INTEGER NOT NULL,"
    "  created_by TEXT NOT NULL, created_at INTEGER NOT NULL,"
    "  updated_by TEXT NOT NULL, updated_at INTEGER NOT NULL);"
    "CREATE TABLE IF NOT EXISTS maint_item("
    "  plan INTEGER NOT NULL REFERENCES maint_plan(id),"
    "  ord INTEGER NOT NULL,"
    "  label TEXT NOT NULL,"
    "  expected TEXT NOT NULL,"
    "  PRIMARY KEY(plan, ord));"
    "CREATE TABLE IF NOT EXISTS maint_task("
    "  id INTEGER PRIMARY KEY,"
    "  plan INTEGER NOT NULL REFERENCES maint_plan(id),"
    "  asset INTEGER NOT NULL REFERENCES asset(id),"
    "  due TEXT NOT NULL,"
    "  grp TEXT NOT NULL,"
    "  done INTEGER NOT NULL DEFAULT 0,"
    "  done_by TEXT NOT NULL DEFAULT '',"
    "  done_at INTEGER NOT NULL DEFAULT 0,"
    "  done_day TEXT NOT NULL DEFAULT '',"
    "  incident TEXT NOT NULL DEFAULT '',"
    "  notified INTEGER NOT NULL DEFAULT 0,"
    "  created_at INTEGER NOT NULL,"
    "  UNIQUE(plan, asset, due));"
    "CREATE INDEX IF NOT EXISTS maint_task_by_due ON maint_task(done, due);"
    "CREATE INDEX IF NOT EXISTS maint_task_by_asset ON maint_task(asset, due);"
    "CREATE TABLE IF NOT EXISTS maint_result("
    "  task INTEGER NOT NULL REFERENCES maint_task(id),"
    "  ord INTEGER NOT NULL,"
    "  label TEXT NOT NULL,"
    "  expected TEXT NOT NULL,"
    "  outcome TEXT NOT NULL,"
    "  note TEXT NOT NULL,"
    "  photo INTEGER NOT NULL,"
    "  PRIMARY KEY(task, ord));";

kb_status kb_maint_migrate(kb_store *s, kb_err *err)
{
    return kb_store_exec(s, schema_v19, err);
}

#define PLAN_COLS                                                                              \
    "id, name, asset, class, every, unit, start, grp, active, created_by, created_at, "       \
    "updated_by, updated_at"
static const char sql_plan_get[] = "SELECT " PLAN_COLS " FROM maint_plan WHERE id = ?1";
static const char sql_plan_all[] = "SELECT " PLAN_COLS " FROM maint_plan ORDER BY id";
static const char sql_plan_of_asset[] =
    "SELECT " PLAN_COLS " FROM maint_plan WHERE asset = ?1 OR class = ?2 ORDER BY id";
static const char sql_plan_active[] =
    "SELECT " PLAN_COLS " FROM maint_plan WHERE active = 1 ORDER BY id";
static const char sql_plan_count[] = "SELECT count(*) FROM maint_plan";
static const char sql_plan_insert[] =
    "INSERT INTO maint_plan(name, asset, class, every, unit, start, grp, active, created_by, "
    "created_at, updated_by, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?9, "
    "?10)";
static const char sql_plan_update[] =
    "UPDATE maint_plan SET name = ?2, every = ?3, unit = ?4, start = ?5, grp = ?6, "
    "active = ?7, updated_by = ?8, updated_at = ?9 WHERE id = ?1";
static const char sql_items[] =
    "SELECT label, expected FROM maint_item WHERE plan = ?1 ORDER BY ord";
static const char sql_items_clear[] = "DELETE FROM maint_item WHERE plan = ?1";
static const char sql_item_insert[] =
    "INSERT INTO maint_item(plan, ord, label, expected) VALUES (?1, ?2, ?3, ?4)";
static const char sql_group_name[] = "SELECT name FROM support_group WHERE name = ?1";
static const char sql_asset_of_plan[] =
    "SELECT id FROM asset WHERE tag = ?1 AND status <> 'scrapped'";
static const char sql_assets_of_class[] =
    "SELECT id FROM asset WHERE class = ?1 AND status <> 'scrapped' ORDER BY id";
static const char sql_last_due[] =
    "SELECT max(due) FROM maint_task WHERE plan = ?1 AND asset = ?2";
static const char sql_task_insert[] =
    "INSERT INTO maint_task(plan, asset, due, grp, created_at) VALUES (?1, ?2, ?3, ?4, ?5) "
    "ON CONFLICT(plan, asset, due) DO NOTHING";

#define TASK_COLS                                                                              \
    "t.id, t.plan, p.name, a.tag, a.class, a.model, a.location, t.due, t.grp, t.done, "       \
    "t.done_by, t.done_at, t.done_day, t.incident, t.created_at"
#define TASK_FROM                                                                              \
    " FROM maint_task t JOIN maint_plan p ON p.id = t.plan JOIN asset a ON a.id = t.asset"
static const char sql_task_get[] = "SELECT " TASK_COLS TASK_FROM " WHERE t.id = ?1";
/* ?1 state (1 open, 2 overdue, 3 done), ?2 today, ?3 group, ?4 member, ?5 tag, ?6 plan,
 * ?7 from, ?8 to */
#define TASK_WHERE                                                                             \
    " WHERE (?1 IS NULL OR (?1 = 1 AND t.done = 0) OR (?1 = 2 AND t.done = 0 AND t.due < ?2)" \
    " OR (?1 = 3 AND t.done = 1)) AND (?3 IS NULL OR t.grp = ?3)"                             \
    " AND (?4 IS NULL OR t.grp IN (SELECT g.name FROM support_group g JOIN group_member m"    \
    " ON m.grp = g.id WHERE m.username = ?4)) AND (?5 IS NULL OR a.tag = ?5 COLLATE NOCASE)"  \
    " AND (?6 IS NULL OR t.plan = ?6) AND (?7 IS NULL OR t.due >= ?7)"                        \
    " AND (?8 IS NULL OR t.due <= ?8)"
static const char sql_task_list_soon[] =
    "SELECT " TASK_COLS TASK_FROM TASK_WHERE " ORDER BY t.due, t.id LIMIT ?9 OFFSET ?10";
static const char sql_task_list_new[] =
    "SELECT " TASK_COLS TASK_FROM TASK_WHERE " ORDER BY t.due DESC, t.id DESC LIMIT ?9 "
    "OFFSET ?10";
static const char sql_task_count[] = "SELECT count(*)" TASK_FROM TASK_WHERE;
static const char sql_results[] =
    "SELECT ord, label, expected, outcome, note, photo FROM maint_result WHERE task = ?1 "
    "ORDER BY ord";
static const char sql_result_insert[] =
    "INSERT INTO maint_result(task, ord, label, expected, outcome, note, photo) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";
static const char sql_task_done[] =
    "UPDATE maint_task SET done = 1, done_by = ?2, done_at = ?3, done_day = ?4, incident = ?5 "
    "WHERE id = ?1 AND done = 0";
static const char sql_photo[] =
    "SELECT 1 FROM attachment WHERE id = ?1 AND owner_kind = '" KB_ATTACH_MAINT "' "
    "AND owner_id = ?2";
static const char sql_asset_user[] =
    "SELECT a.user, a.department, a.location FROM maint_task t JOIN asset a ON a.id = t.asset "
    "WHERE t.id = ?1";
static const char sql_overdue[] =
    "SELECT " TASK_COLS TASK_FROM " WHERE t.done = 0 AND t.notified = 0 AND t.due < ?1 "
    "ORDER BY t.due, t.id LIMIT ?2";
static const char sql_notified[] =
    "UPDATE maint_task SET notified = 1 WHERE id = ?1 AND notified = 0";
#define RATE_COLS                                                                              \
    ", count(*), sum(t.done = 1 AND t.done_day <= t.due), sum(t.done = 1 AND t.done_day > "   \
    "t.due), sum(t.done = 0 AND t.due >= ?3), sum(t.done = 0 AND t.due < ?3) FROM maint_task " \
    "t JOIN asset a ON a.id = t.asset WHERE t.due >= ?1 AND t.due <= ?2 GROUP BY 1 ORDER BY 1"
static const char sql_rate_month[] = "SELECT substr(t.due, 1, 7)" RATE_COLS;
static const char sql_rate_group[] = "SELECT t.grp" RATE_COLS;
static const char sql_rate_class[] = "SELECT a.class" RATE_COLS;

static const char *who(const char *actor)
{
    return actor && *actor ? actor : "anonymous";
}

/* --- plans --- */

static kb_maint_plan *plan_row(sqlite3_stmt *st)
{
    kb_maint_plan *p = kb_xcalloc(1, sizeof *p);
    p->id = sqlite3_column_int64(st, 0);
    p->name = kb_store_text(st, 1);
    p->asset = kb_store_text(st, 2);
    char *cls = kb_store_text(st, 3);
    p->cls = cls[0] ? kb_asset_class_of(cls) : -1;
    if (cls[0] && p->cls < 0)
        p->cls = KB_ASSET_CLASS_other;
    free(cls);
    p->every = sqlite3_column_int(st, 4);
    char *unit = kb_store_text(st, 5);
    p->unit = kb_maint_unit_of(unit);
    if (p->unit < 0)
        p->unit = KB_MAINT_month;
    free(unit);
    p->start = kb_store_text(st, 6);
    p->group = kb_store_text(st, 7);
    p->active = sqlite3_column_int(st, 8);
    p->created_by = kb_store_text(st, 9);
    p->created_at = sqlite3_column_int64(st, 10);
    p->updated_by = kb_store_text(st, 11);
    p->updated_at = sqlite3_column_int64(st, 12);
    return p;
}

/* A growing array of records: *v holds *n (kb_store_rows' ctx). */
typedef struct {
    void *v;
    size_t *n;
} rows_of;

static kb_status item_row(sqlite3_stmt *st, void *ctx, kb_err *err)
{
    (void)err;
    rows_of *r = ctx;
    kb_maint_item **items = r->v;
    *items = kb_xrealloc(*items, (*r->n + 1) * sizeof **items);
    (*items)[*r->n].label = kb_store_text(st, 0);
    (*items)[*r->n].expected = kb_store_text(st, 1);
    (*r->n)++;
    return KB_OK;
}

/* The checklist of plan id appended to *items (*n of them). */
static kb_status load_items(kb_store *s, long long id, kb_maint_item **items, size_t *n,
                            kb_err *err)
{
    rows_of r = { items, n };
    return kb_store_each_row(s, sql_items, id, item_row, &r, "maintenance checklist", err);
}

static kb_status plan_row_add(sqlite3_stmt *st, void *ctx, kb_err *err)
{
    (void)err;
    rows_of *r = ctx;
    kb_maint_plan ***out = r->v;
    *out = kb_xrealloc(*out, (*r->n + 1) * sizeof **out);
    (*out)[(*r->n)++] = plan_row(st);
    return KB_OK;
}

/* The plans st (bound, selecting PLAN_COLS) finds, with their checklists. */
static kb_status load_plans(kb_store *s, sqlite3_stmt *st, kb_maint_plan ***out, size_t *n,
                            kb_err *err)
{
    rows_of r = { out, n };
    kb_status rc = kb_store_rows(s, st, plan_row_add, &r, "maintenance plans", err);
    for (size_t i = 0; rc == KB_OK && i < *n; i++)
        rc = load_items(s, (*out)[i]->id, &(*out)[i]->items, &(*out)[i]->nitems, err);
    return rc;
}

kb_status kb_maint_plan_get(kb_store *s, long long id, kb_maint_plan **out, kb_err *err)
{
    *out = NULL;
    sqlite3_stmt *st = kb_store_cached(s, sql_plan_get, err);
    if (!st)
        return KB_EDB;
    sqlite3_bind_int64(st, 1, id);
    kb_maint_plan **v = NULL;
    size_t n = 0;
    kb_status rc = load_plans(s, st, &v, &n, err);
    if (rc == KB_OK && n == 0)
        rc = kb_err_set(err, KB_ENOTFOUND, "no maintenance plan %lld", id);
    if (rc == KB_OK) {
        *out = v[0];
        free(v);
        return KB_OK;
    }
    kb_maint_plans_free(v, n);
    return rc;
}

kb_status kb_maint_plan_list(kb_store *s, const char *tag, kb_maint_plan ***out, size_t *n,
                             kb_err *err)
{
    *out = NULL;
    *n = 0;
    kb_asset *a = NULL;
    kb_status rc = KB_OK;
    if (tag)
        rc = kb_asset_get(s, tag, &a, err);
    if (rc != KB_OK)
        return rc;
    sqlite3_stmt *st = kb_store_cached(s, a ? sql_plan_of_asset : sql_plan_all, err);
    if (!st)
        rc = KB_EDB;
    if (rc == KB_OK && a) {
        kb_store_bind_text(st, 1, a->tag);
        kb_store_bind_text(st, 2, kb_asset_class_name(a->cls));
    }
    int own = 0;
    if (rc == KB_OK)
        rc = kb_store_read_begin(s, &own, err);
    if (rc == KB_OK) {
        rc = load_plans(s, st, out, n, err);
        kb_store_read_end(s, own);
    } else if (st) {
        kb_store_done(st);
    }
    kb_asset_free(a);
    if (rc != KB_OK) {
        kb_maint_plans_free(*out, *n);
        *out = NULL;
        *n = 0;
    }
    return rc;
}

/* The group called name as stored (*out, a new string); KB_EINVAL when there is none. */
static kb_status group_of(kb_store *s, const char *name, char **out, kb_err *err)
{
    sqlite3_stmt *st = kb_store_cached(s, sql_group_name, err);
    if (!st)
        return KB_EDB;
    char *trimmed = NULL;
    kb_text_set_trimmed(&trimmed, name);
    kb_store_bind_text(st, 1, trimmed);
    int r = sqlite3_step(st);
    if (r == SQLITE_ROW)
        *out = kb_store_text(st, 0);
    kb_store_done(st);
    kb_status rc = KB_OK;
    if (r == SQLITE_DONE)
        rc = kb_err_set(err, KB_EINVAL, "field 'group': there is no group '%.60s'", trimmed);
    else if (r != SQLITE_ROW)
        rc = kb_store_db_err(s, err, "maintenance group");
    free(trimmed);
    return rc;
}

static kb_status write_items(kb_store *s, long long plan, const kb_maint_item *v, size_t n,
                             kb_err *err)
{
    sqlite3_stmt *st = kb_store_cached(s, sql_items_clear, err);
    if (!st)
        return KB_EDB;
    sqlite3_bind_int64(st, 1, plan);
    kb_status rc = kb_store_step_done(s, st, "maintenance checklist", err);
    for (size_t i = 0; rc == KB_OK && i < n; i++) {
        st = kb_store_cached(s, sql_item_insert, err);
        if (!st)
            return KB_EDB;
        char *label = NULL, *expected = NULL;
        kb_text_set_trimmed(&label, v[i].label);
        kb_text_set_trimmed(&expected, v[i].expected ? v[i].expected : "");
        sqlite3_bind_int64(st, 1, plan);
        sqlite3_bind_int64(st, 2, (sqlite3_int64)i + 1);
        kb_store_bind_text(st, 3, label);
        kb_store_bind_text(st, 4, expected);
        rc = kb_store_step_done(s, st, "maintenance checklist", err);
        free(label);
        free(expected);
    }
    return rc;
}

static void plan_summary(const kb_maint_plan *p, kb_buf *out)
{
    kb_buf_addf(out, "%.100s: %s%s every %d %s from %s, group %.60s, %zu items%s", p->name,
                p->asset[0] ? "asset " : "class ",
                p->asset[0] ? p->asset : kb_asset_class_name(p->cls), p->every,
                kb_maint_unit_name(p->unit), p->start, p->group, p->nitems,
                p->active ? "" : ", inactive");
}

static kb_status audit_plan(kb_store *s, const kb_maint_plan *p, const char *action,
                            const char *actor, long long now, kb_err *err)
{
    char object[40];
    snprintf(object, sizeof object, "maint_plan:%lld", p->id);
    kb_buf text;
    kb_buf_init(&text, 0);
    plan_summary(p, &text);
    kb_status rc = kb_audit_append(s, now, who(actor), action, object, kb_buf_str(&text), err);
    kb_buf_free(&text);
    return rc;
}

kb_status kb_maint_plan_create(kb_store *s, const kb_maint_plan_in *in, long long now,
                               kb_maint_plan **out, size_t *made, kb_err *err)
{
    if (out)
        *out = NULL;
    if (made)
        *made = 0;
    kb_status rc = kb_maint_plan_check(in, 1, err);
    if (rc != KB_OK)
        return rc;
    int own;
    rc = kb_store_write_begin(s, &own, err);
    if (rc != KB_OK)
        return rc;
    char *group = NULL;
    kb_asset *a = NULL;
    kb_maint_plan *p = NULL;
    sqlite3_stmt *st = kb_store_cached(s, sql_plan_count, err);
    if (!st)
        rc = KB_EDB;
    if (rc == KB_OK) {
        int r = sqlite3_step(st);
        if (r == SQLITE_ROW && sqlite3_column_int64(st, 0) >= KB_MAINT_MAX_PLANS)
            rc = kb_err_set(err, KB_ECONFLICT, "there are %u maintenance plans, the most "
                            "kedb keeps; change one instead", KB_MAINT_MAX_PLANS);
        else if (r != SQLITE_ROW)
            rc = kb_store_db_err(s, err, "maintenance plans");
        kb_store_done(st);
    }
    if (rc == KB_OK && in->asset) {
        rc = kb_asset_get(s, in->asset, &a, err);
        if (rc == KB_ENOTFOUND)
            rc = kb_err_set(err, KB_EINVAL, "field 'asset': there is no asset '%.60s'",
                            in->asset);
    }
    if (rc == KB_OK)
        rc = group_of(s, in->group, &group, err);
    if (rc == KB_OK) {
        st = kb_store_cached(s, sql_plan_insert, err);
        if (!st)
            rc = KB_EDB;
    }
    if (rc == KB_OK) {
        char *name = NULL;
        kb_text_set_trimmed(&name, in->name);
        kb_store_bind_text(st, 1, name);
        kb_store_bind_text(st, 2, a ? a->tag : "");
        kb_store_bind_text(st, 3, a ? "" : kb_asset_class_name(in->cls));
        sqlite3_bind_int(st, 4, in->every);
        kb_store_bind_text(st, 5, kb_maint_unit_name(in->unit));
        kb_store_bind_text(st, 6, in->start);
        kb_store_bind_text(st, 7, group);
        sqlite3_bind_int(st, 8, in->active == 0 ? 0 : 1);
        kb_store_bind_text(st, 9, who(in->actor));
        sqlite3_bind_int64(st, 10, now);
        rc = kb_store_step_done(s, st, "maintenance plan insert", err);
        free(name);
    }
    long long id = rc == KB_OK ? sqlite3_last_insert_rowid(kb_store_db(s)) : 0;
    if (rc == KB_OK)
        rc = write_items(s, id, in->items, in->nitems, err);
    if (rc == KB_OK)
        rc = kb_maint_plan_get(s, id, &p, err);
    if (rc == KB_OK)
        rc = audit_plan(s, p, "maint.plan.create", in->actor, now, err);
    if (rc == KB_OK)
        rc = kb_maint_generate(s, now, made, err);
    rc = kb_store_write_end(s, own, rc, err);
    free(group);
    kb_asset_free(a);
    if (rc == KB_OK && out)
        *out = p;
    else
        kb_maint_plan_free(p);
    return rc;
}

kb_status kb_maint_plan_update(kb_store *s, long long id, const kb_maint_plan_in *in,
                               long long now, kb_maint_plan **out, size_t *made,
                               kb_err *err)
{
    if (out)
        *out = NULL;
    if (made)
        *made = 0;
    kb_status rc = kb_maint_plan_check(in, 0, err);
    if (rc != KB_OK)
        return rc;
    if (in->asset || in->cls >= 0)
        return kb_err_set(err, KB_EINVAL, "a plan's asset or class cannot be changed: make "
                          "another plan");
    int own;
    rc = kb_store_write_begin(s, &own, err);
    if (rc != KB_OK)
        return rc;
    kb_maint_plan *p = NULL;
    char *group = NULL;
    rc = kb_maint_plan_get(s, id, &p, err);
    if (rc == KB_OK && in->group)
        rc = group_of(s, in->group, &group, err);
    sqlite3_stmt *st = NULL;
    if (rc == KB_OK) {
        st = kb_store_cached(s, sql_plan_update, err);
        if (!st)
            rc = KB_EDB;
    }
    if (rc == KB_OK) {
        if (in->name)
            kb_text_set_trimmed(&p->name, in->name);
        if (in->every)
            p->every = in->every;
        if (in->unit >= 0)
            p->unit = in->unit;
        if (in->start)
            kb_text_set_trimmed(&p->start, in->start);
        if (group) {
            free(p->group);
            p->group = group;
            group = NULL;
        }
        if (in->active >= 0)
            p->active = in->active != 0;
        sqlite3_bind_int64(st, 1, id);
        kb_store_bind_text(st, 2, p->name);
        sqlite3_bind_int(st, 3, p->every);
        kb_store_bind_text(st, 4, kb_maint_unit_name(p->unit));
        kb_store_bind_text(st, 5, p->start);
        kb_store_bind_text(st, 6, p->group);
        sqlite3_bind_int(st, 7, p->active);
        kb_store_bind_text(st, 8, who(in->actor));
        sqlite3_bind_int64(st, 9, now);
        rc = kb_store_step_done(s, st, "maintenance plan update", err);
    }
    if (rc == KB_OK && in->set_items)
        rc = write_items(s, id, in->items, in->nitems, err);
    kb_maint_plan_free(p);
    p = NULL;
    if (rc == KB_OK)
        rc = kb_maint_plan_get(s, id, &p, err);
    if (rc == KB_OK)
        rc = audit_plan(s, p, "maint.plan.update", in->actor, now, err);
    if (rc == KB_OK)
        rc = kb_maint_generate(s, now, made, err);
    rc = kb_store_write_end(s, own, rc, err);
    free(group);
    if (rc == KB_OK && out)
        *out = p;
    else
        kb_maint_plan_free(p);
    return rc;
}

/* --- generation --- */

/* The tasks of plan p for asset `asset` (see kb_maint.h): after the last one generated,
 * only the latest due date up to today, then those up to horizon; *left counts down the
 * run's budget. */
static kb_status generate_one(kb_store *s, const kb_maint_plan *p, long long asset,
                              const char *today, const char *horizon, long long now,
                              size_t *left, size_t *n, kb_err *err)
{
    sqlite3_stmt *st = kb_store_cached(s, sql_last_due, err);
    if (!st)
        return KB_EDB;
    sqlite3_bind_int64(st, 1, p->id);
    sqlite3_bind_int64(st, 2, asset);
    int r = sqlite3_step(st);
    char *last = r == SQLITE_ROW ? kb_store_text(st, 0) : NULL;
    kb_store_done(st);
    kb_status rc = kb_store_step_err(s, r, err, "maintenance tasks");
    char from[KB_DATE_LEN];
    if (rc == KB_OK && last && last[0])
        rc = kb_maint_add_days(last, 1, from, err);
    else if (rc == KB_OK)
        snprintf(from, sizeof from, "%s", p->start);
    free(last);
    long long k0 = 0, kt = 0;
    char tomorrow[KB_DATE_LEN];
    if (rc == KB_OK)
        rc = kb_maint_due_index(p->start, p->every, p->unit, from, &k0, err);
    if (rc == KB_OK)
        rc = kb_maint_add_days(today, 1, tomorrow, err);
    if (rc == KB_OK) /* the first due date after today; the one before it is the latest */
        rc = kb_maint_due_index(p->start, p->every, p->unit, tomorrow, &kt, err);
    long long k = kt - 1 >= k0 ? kt - 1 : k0;
    for (; rc == KB_OK && *left > 0; k++) {
        char due[KB_DATE_LEN];
        rc = kb_maint_due_nth(p->start, p->every, p->unit, k, due, err);
        if (rc != KB_OK || strcmp(due, horizon) > 0)
            break;
        st = kb_store_cached(s, sql_task_insert, err);
        if (!st)
            return KB_EDB;
        sqlite3_bind_int64(st, 1, p->id);
        sqlite3_bind_int64(st, 2, asset);
        kb_store_bind_text(st, 3, due);
        kb_store_bind_text(st, 4, p->group);
        sqlite3_bind_int64(st, 5, now);
        rc = kb_store_step_done(s, st, "maintenance task insert", err);
        if (rc == KB_OK && sqlite3_changes(kb_store_db(s)) == 1) {
            (*n)++;
            (*left)--;
        }
    }
    /* a schedule past the years a date can hold ends there */
    if (rc == KB_EINVAL)
        rc = KB_OK;
    return rc;
}

static kb_status id_row(sqlite3_stmt *st, void *ctx, kb_err *err)
{
    (void)err;
    rows_of *r = ctx;
    long long **ids = r->v;
    *ids = kb_xrealloc(*ids, (*r->n + 1) * sizeof **ids);
    (*ids)[(*r->n)++] = sqlite3_column_int64(st, 0);
    return KB_OK;
}

/* The ids of the assets plan p covers now. */
static kb_status plan_assets(kb_store *s, const kb_maint_plan *p, long long **ids, size_t *n,
                             kb_err *err)
{
    sqlite3_stmt *st = kb_store_cached(s, p->asset[0] ? sql_asset_of_plan : sql_assets_of_class,
                                       err);
    if (!st)
        return KB_EDB;
    kb_store_bind_text(st, 1, p->asset[0] ? p->asset : kb_asset_class_name(p->cls));
    rows_of r = { ids, n };
    return kb_store_rows(s, st, id_row, &r, "maintenance assets", err);
}

kb_status kb_maint_generate(kb_store *s, long long now, size_t *n, kb_err *err)
{
    size_t count = 0, left = KB_MAINT_MAX_GENERATE;
    char today[KB_DATE_LEN], horizon[KB_DATE_LEN];
    kb_date_of(now, today);
    kb_status rc = kb_maint_add_days(today, KB_MAINT_LOOKAHEAD_DAYS, horizon, err);
    int own = 0;
    if (rc == KB_OK)
        rc = kb_store_write_begin(s, &own, err);
    if (rc != KB_OK)
        return rc;
    kb_maint_plan **plans = NULL;
    size_t np = 0;
    sqlite3_stmt *st = kb_store_cached(s, sql_plan_active, err);
    rc = st ? load_plans(s, st, &plans, &np, err) : KB_EDB;
    for (size_t i = 0; rc == KB_OK && i < np && left > 0; i++) {
        long long *ids = NULL;
        size_t na = 0;
        rc = plan_assets(s, plans[i], &ids, &na, err);
        for (size_t j = 0; rc == KB_OK && j < na && left > 0; j++)
            rc = generate_one(s, plans[i], ids[j], today, horizon, now, &left, &count, err);
        free(ids);
    }
    kb_maint_plans_free(plans, np);
    rc = kb_store_write_end(s, own, rc, err);
    if (n)
        *n = rc == KB_OK ? count : 0;
    return rc;
}

/* --- tasks --- */

static kb_maint_task *task_row(sqlite3_stmt *st)
{
    kb_maint_task *t = kb_xcalloc(1, sizeof *t);
    t->id = sqlite3_column_int64(st, 0);
    t->plan = sqlite3_column_int64(st, 1);
    t->plan_name = kb_store_text(st, 2);
    t->asset = kb_store_text(st, 3);
    char *cls = kb_store_text(st, 4);
    t->cls = kb_asset_class_of(cls);
    if (t->cls < 0)
        t->cls = KB_ASSET_CLASS_other;
    free(cls);
    t->model = kb_store_text(st, 5);
    t->location = kb_store_text(st, 6);
    t->due = kb_store_text(st, 7);
    t->group = kb_store_text(st, 8);
    t->done = sqlite3_column_int(st, 9);
    t->done_by = kb_store_text(st, 10);
    t->done_at = sqlite3_column_int64(st, 11);
    t->done_day = kb_store_text(st, 12);
    t->incident = kb_store_text(st, 13);
    t->created_at = sqlite3_column_int64(st, 14);
    return t;
}

static kb_status result_row(sqlite3_stmt *st, void *ctx, kb_err *err)
{
    (void)err;
    kb_maint_task *t = ctx;
    t->results = kb_xrealloc(t->results, (t->nresults + 1) * sizeof *t->results);
    kb_maint_result *x = &t->results[t->nresults++];
    x->item = sqlite3_column_int(st, 0);
    x->label = kb_store_text(st, 1);
    x->expected = kb_store_text(st, 2);
    const unsigned char *o = sqlite3_column_text(st, 3);
    x->outcome = o && strcmp((const char *)o, "fault") == 0 ? KB_MAINT_FAULT : KB_MAINT_OK;
    x->note = kb_store_text(st, 4);
    x->photo = sqlite3_column_int64(st, 5);
    return KB_OK;
}

static kb_status load_results(kb_store *s, kb_maint_task *t, kb_err *err)
{
    return kb_store_each_row(s, sql_results, t->id, result_row, t, "maintenance results", err);
}

/* Appends a task of TASK_COLS to the rows_of of kb_maint_task pointers in ctx. */
static kb_status task_row_add(sqlite3_stmt *st, void *ctx, kb_err *err)
{
    (void)err;
    rows_of *r = ctx;
    kb_maint_task ***v = r->v;
    *v = kb_xrealloc(*v, (*r->n + 1) * sizeof **v);
    (*v)[(*r->n)++] = task_row(st);
    return KB_OK;
}

/* Task id without checklist and results, inside the caller's transaction. */
static kb_status task_get(kb_store *s, long long id, kb_maint_task **out, kb_err *err)
{
    *out = NULL;
    sqlite3_stmt *st = kb_store_cached(s, sql_task_get, err);
    if (!st)
        return KB_EDB;
    sqlite3_bind_int64(st, 1, id);
    int r = sqlite3_step(st);
    if (r == SQLITE_ROW)
        *out = task_row(st);
    kb_store_done(st);
    if (r == SQLITE_DONE)
        return kb_err_set(err, KB_ENOTFOUND, "no maintenance task %lld", id);
    return kb_store_step_err(s, r, err, "maintenance task");
}

kb_status kb_maint_task_get(kb_store *s, long long id, kb_maint_task **out, kb_err *err)
{
    *out = NULL;
    int own = 0;
    kb_status rc = kb_store_read_begin(s, &own, err);
    if (rc != KB_OK)
        return rc;
    kb_maint_task *t = NULL;
    rc = task_get(s, id, &t, err);
    if (rc == KB_OK)
        rc = load_items(s, t->plan, &t->items, &t->nitems, err);
    if (rc == KB_OK)
        rc = load_results(s, t, err);
    kb_store_read_end(s, own);
    if (rc != KB_OK) {
        kb_maint_task_free(t);
        return rc;
    }
    *out = t;
    return KB_OK;
}

kb_status kb_maint_task_check_scope(kb_store *s, const kb_maint_task *t, const char *user,
                                    kb_err *err)
{
    if (!user)
        return KB_OK;
    int member = 0;
    kb_status rc = kb_group_is_member(s, t->group, user, &member, err);
    if (rc == KB_OK && !member)
        rc = kb_err_set(err, KB_EDENIED, "maintenance task %lld belongs to group '%s': only "
                        "its members record it", t->id, t->group);
    return rc;
}

void kb_maint_tasks_free(kb_maint_tasks *l)
{
    if (!l)
        return;
    for (size_t i = 0; i < l->n; i++)
        kb_maint_task_free(l->items[i]);
    free(l->items);
    free(l);
}

static void bind_filter(sqlite3_stmt *st, const void *filter, int page)
{
    (void)page;
    const kb_maint_filter *f = filter;
    if (f->state != KB_MAINT_ANY)
        sqlite3_bind_int(st, 1, f->state == KB_MAINT_OPEN ? 1 : f->state == KB_MAINT_OVERDUE ? 2
                                                                                             : 3);
    kb_store_bind_text(st, 2, f->today ? f->today : "");
    kb_store_bind_opt(st, 3, f->group);
    kb_store_bind_opt(st, 4, f->member_of);
    kb_store_bind_opt(st, 5, f->asset);
    if (f->plan > 0)
        sqlite3_bind_int64(st, 6, f->plan);
    kb_store_bind_opt(st, 7, f->from);
    kb_store_bind_opt(st, 8, f->to);
}

/* The lists of tasks: open and overdue soonest due first, the others newest first. */
#define TASK_LIST(sql)                                                                         \
    { .count_sql = sql_task_count, .page_sql = sql, .limit_param = 9, .def_limit = 20,        \
      .max_limit = KB_MAINT_MAX_LIMIT, .bind = bind_filter, .row = task_row_add,              \
      .count_what = "maintenance task count", .page_what = "maintenance tasks" }
static const kb_store_list list_soon = TASK_LIST(sql_task_list_soon);
static const kb_store_list list_new = TASK_LIST(sql_task_list_new);

kb_status kb_maint_task_list(kb_store *s, const kb_maint_filter *f, kb_maint_tasks **out,
                             kb_err *err)
{
    *out = NULL;
    kb_maint_tasks *l = kb_xcalloc(1, sizeof *l);
    int soon = f->state == KB_MAINT_OPEN || f->state == KB_MAINT_OVERDUE;
    rows_of r = { &l->items, &l->n };
    kb_status rc = kb_store_list_page(s, soon ? &list_soon : &list_new, f, f->limit, f->offset,
                                      &l->total, &r, err);
    if (rc != KB_OK) {
        kb_maint_tasks_free(l);
        return rc;
    }
    *out = l;
    return KB_OK;
}

/* --- results --- */

/* The incident category of an asset class. */
static const char *category_of(int cls)
{
    switch (cls) {
    case KB_ASSET_CLASS_printer:
        return "printer";
    case KB_ASSET_CLASS_desktop:
    case KB_ASSET_CLASS_laptop:
    case KB_ASSET_CLASS_monitor:
    case KB_ASSET_CLASS_peripheral:
        return "desktop";
    case KB_ASSET_CLASS_network_device:
    case KB_ASSET_CLASS_phone:
        return "network";
    case KB_ASSET_CLASS_software_licence:
        return "office software";
    default:
        return "other";
    }
}

/* Appends s to b, at most max bytes of it and never half a UTF-8 character. */
static void add_cut(kb_buf *b, const char *s, size_t max)
{
    size_t len = strlen(s);
    if (len > max) {
        len = max;
        while (len > 0 && ((unsigned char)s[len] & 0xC0) == 0x80)
            len--;
    }
    kb_buf_add(b, s, len);
}

/* Opens the incident of task t's faults (the results v, checked) and puts its number in
 * *number (a new string). */
static kb_status open_incident(kb_store *s, const kb_maint_task *t, const kb_maint_item *items,
                               const kb_maint_result_in *v, size_t n, int priority,
                               const char *actor, long long now, char **number, kb_err *err)
{
    sqlite3_stmt *st = kb_store_cached(s, sql_asset_user, err);
    if (!st)
        return KB_EDB;
    sqlite3_bind_int64(st, 1, t->id);
    int r = sqlite3_step(st);
    char *user = r == SQLITE_ROW ? kb_store_text(st, 0) : kb_xstrdup("");
    char *department = r == SQLITE_ROW ? kb_store_text(st, 1) : kb_xstrdup("");
    char *location = r == SQLITE_ROW ? kb_store_text(st, 2) : kb_xstrdup("");
    kb_store_done(st);
    kb_status rc = kb_store_step_err(s, r, err, "maintenance asset");
    kb_buf summary, desc;
    kb_buf_init(&summary, 0);
    kb_buf_init(&desc, 0);
    kb_buf_addf(&summary, "巡检发现故障：%s ", t->asset);
    kb_buf_addf(&desc, "维护任务 #%lld（%s，到期 %s）发现故障：\n", t->id, t->plan_name, t->due);
    int first = 1;
    for (size_t i = 0; i < n; i++) {
        if (v[i].outcome != KB_MAINT_FAULT)
            continue;
        const kb_maint_item *it = &items[v[i].item - 1];
        if (!first)
            kb_buf_adds(&summary, "、");
        add_cut(&summary, it->label, 60);
        first = 0;
        kb_buf_addf(&desc, "- %s", it->label);
        if (it->expected[0])
            kb_buf_addf(&desc, "（应为 %s）", it->expected);
        if (v[i].note && v[i].note[0])
            kb_buf_addf(&desc, "：%s", v[i].note);
        kb_buf_addc(&desc, '\n');
    }
    kb_buf cut;
    kb_buf_init(&cut, 0);
    add_cut(&cut, kb_buf_str(&summary), KB_INC_MAX_SHORT);
    kb_inc_create in;
    memset(&in, 0, sizeof in);
    in.caller_name = user[0] ? user : who(actor);
    in.department = department;
    in.location = location;
    in.channel = "web";
    in.category = category_of(t->cls);
    in.ci = t->asset;
    in.summary = kb_buf_str(&cut);
    in.description = kb_buf_str(&desc);
    in.group = t->group;
    in.actor = actor;
    in.priority = priority ? priority : 3;
    kb_incident *inc = NULL;
    if (rc == KB_OK)
        rc = kb_incident_create(s, &in, now, &inc, err);
    if (rc == KB_OK)
        *number = kb_xstrdup(inc->number);
    kb_incident_free(inc);
    kb_buf_free(&cut);
    kb_buf_free(&summary);
    kb_buf_free(&desc);
    free(user);
    free(department);
    free(location);
    return rc;
}

/* Checks results v against t's checklist: each item once, all of them, photos of t. */
static kb_status check_results(kb_store *s, const kb_maint_task *t,
                               const kb_maint_result_in *v, size_t n, kb_err *err)
{
    unsigned char seen[KB_MAINT_MAX_ITEMS + 1];
    memset(seen, 0, sizeof seen);
    char owner[24];
    snprintf(owner, sizeof owner, "%lld", t->id);
    for (size_t i = 0; i < n; i++) {
        if (v[i].item < 1 || (size_t)v[i].item > t->nitems)
            return kb_err_set(err, KB_EINVAL, "field 'results[%zu].item': the checklist has "
                              "items 1 to %zu", i, t->nitems);
        if (seen[v[i].item]++)
            return kb_err_set(err, KB_EINVAL, "field 'results[%zu].item': item %d is given "
                              "twice", i, v[i].item);
        if (v[i].outcome != KB_MAINT_OK && v[i].outcome != KB_MAINT_FAULT)
            return kb_err_set(err, KB_EINVAL, "field 'results[%zu].outcome' must be ok or "
                              "fault", i);
        if (v[i].note) {
            char field[40];
            snprintf(field, sizeof field, "results[%zu].note", i);
            kb_status rc = kb_text_check_field(field, v[i].note, KB_MAINT_MAX_NOTE, 1, err);
            if (rc != KB_OK)
                return rc;
        }
        if (v[i].photo) {
            sqlite3_stmt *st = kb_store_cached(s, sql_photo, err);
            if (!st)
                return KB_EDB;
            sqlite3_bind_int64(st, 1, v[i].photo);
            kb_store_bind_text(st, 2, owner);
            int r = sqlite3_step(st);
            kb_store_done(st);
            if (r == SQLITE_DONE)
                return kb_err_set(err, KB_EINVAL, "field 'results[%zu].photo': task %lld has "
                                  "no attachment %lld", i, t->id, v[i].photo);
            if (r != SQLITE_ROW)
                return kb_store_db_err(s, err, "maintenance photo");
        }
    }
    for (size_t k = 1; k <= t->nitems; k++)
        if (!seen[k])
            return kb_err_set(err, KB_EINVAL, "field 'results': item %zu ('%.60s') has no "
                              "result", k, t->items[k - 1].label);
    return KB_OK;
}

static kb_status write_results(kb_store *s, const kb_maint_task *t,
                               const kb_maint_result_in *v, size_t n, kb_err *err)
{
    kb_status rc = KB_OK;
    for (size_t i = 0; rc == KB_OK && i < n; i++) {
        sqlite3_stmt *st = kb_store_cached(s, sql_result_insert, err);
        if (!st)
            return KB_EDB;
        const kb_maint_item *it = &t->items[v[i].item - 1];
        char *note = NULL;
        kb_text_set_trimmed(&note, v[i].note ? v[i].note : "");
        sqlite3_bind_int64(st, 1, t->id);
        sqlite3_bind_int(st, 2, v[i].item);
        kb_store_bind_text(st, 3, it->label);
        kb_store_bind_text(st, 4, it->expected);
        kb_store_bind_text(st, 5, v[i].outcome == KB_MAINT_FAULT ? "fault" : "ok");
        kb_store_bind_text(st, 6, note);
        sqlite3_bind_int64(st, 7, v[i].photo);
        rc = kb_store_step_done(s, st, "maintenance result", err);
        free(note);
    }
    return rc;
}

kb_status kb_maint_record(kb_store *s, long long id, const kb_maint_result_in *v, size_t n,
                          int priority, const char *actor, const char *scope_user,
                          long long now, kb_maint_task **out, kb_err *err)
{
    if (out)
        *out = NULL;
    if (priority < 0 || priority > 4)
        return kb_err_set(err, KB_EINVAL, "field 'priority' must be P1 to P4");
    int own;
    kb_status rc = kb_store_write_begin(s, &own, err);
    if (rc != KB_OK)
        return rc;
    kb_maint_task *t = NULL;
    char *number = NULL;
    rc = task_get(s, id, &t, err);
    if (rc == KB_OK && t->done)
        rc = kb_err_set(err, KB_ECONFLICT, "maintenance task %lld was recorded already (by "
                        "%s)", t->id, t->done_by);
    if (rc == KB_OK)
        rc = kb_maint_task_check_scope(s, t, scope_user, err);
    if (rc == KB_OK)
        rc = load_items(s, t->plan, &t->items, &t->nitems, err);
    if (rc == KB_OK)
        rc = check_results(s, t, v, n, err);
    int faults = 0;
    for (size_t i = 0; i < n; i++)
        faults += v[i].outcome == KB_MAINT_FAULT;
    if (rc == KB_OK && faults)
        rc = open_incident(s, t, t->items, v, n, priority, actor, now, &number, err);
    if (rc == KB_OK)
        rc = write_results(s, t, v, n, err);
    char day[KB_DATE_LEN];
    kb_date_of(now, day);
    if (rc == KB_OK) {
        sqlite3_stmt *st = kb_store_cached(s, sql_task_done, err);
        if (!st)
            rc = KB_EDB;
        if (rc == KB_OK) {
            sqlite3_bind_int64(st, 1, t->id);
            kb_store_bind_text(st, 2, who(actor));
            sqlite3_bind_int64(st, 3, now);
            kb_store_bind_text(st, 4, day);
            kb_store_bind_text(st, 5, number ? number : "");
            rc = kb_store_step_done(s, st, "maintenance task", err);
        }
    }
    if (rc == KB_OK) {
        char object[40];
        snprintf(object, sizeof object, "maint_task:%lld", t->id);
        kb_buf text;
        kb_buf_init(&text, 0);
        kb_buf_addf(&text, "%.100s, asset %s, due %s: %zu items, %d faults", t->plan_name,
                    t->asset, t->due, n, faults);
        if (number)
            kb_buf_addf(&text, ", incident %s", number);
        rc = kb_audit_append(s, now, who(actor), "maint.task.done", object, kb_buf_str(&text),
                             err);
        kb_buf_free(&text);
    }
    rc = kb_store_write_end(s, own, rc, err);
    free(number);
    kb_maint_task_free(t);
    if (rc == KB_OK && out)
        rc = kb_maint_task_get(s, id, out, err);
    return rc;
}

/* --- completion --- */

void kb_maint_report_free(kb_maint_report *r)
{
    if (!r)
        return;
    for (int b = 0; b < KB_MAINT_NBY; b++) {
        for (size_t i = 0; i < r->n[b]; i++)
            free(r->rows[b][i].key);
        free(r->rows[b]);
    }
    free(r);
}

static kb_status rate_row(sqlite3_stmt *st, void *ctx, kb_err *err)
{
    (void)err;
    rows_of *r = ctx;
    kb_maint_rate **v = r->v;
    *v = kb_xrealloc(*v, (*r->n + 1) * sizeof **v);
    kb_maint_rate *x = &(*v)[(*r->n)++];
    x->key = kb_store_text(st, 0);
    x->total = sqlite3_column_int64(st, 1);
    x->on_time = sqlite3_column_int64(st, 2);
    x->late = sqlite3_column_int64(st, 3);
    x->open = sqlite3_column_int64(st, 4);
    x->overdue = sqlite3_column_int64(st, 5);
    return KB_OK;
}

kb_status kb_maint_report_get(kb_store *s, const char *from, const char *to, const char *today,
                              kb_maint_report **out, kb_err *err)
{
    *out = NULL;
    static const char *const sqls[KB_MAINT_NBY] = { sql_rate_month, sql_rate_group,
                                                    sql_rate_class };
    kb_maint_report *rep = kb_xcalloc(1, sizeof *rep);
    int own = 0;
    kb_status rc = kb_store_read_begin(s, &own, err);
    int reading = rc == KB_OK;
    for (int b = 0; rc == KB_OK && b < KB_MAINT_NBY; b++) {
        sqlite3_stmt *st = kb_store_cached(s, sqls[b], err);
        if (!st) {
            rc = KB_EDB;
            break;
        }
        kb_store_bind_text(st, 1, from);
        kb_store_bind_text(st, 2, to);
        kb_store_bind_text(st, 3, today);
        rows_of r = { &rep->rows[b], &rep->n[b] };
        rc = kb_store_rows(s, st, rate_row, &r, "maintenance report", err);
    }
    if (reading)
        kb_store_read_end(s, own);
    if (rc != KB_OK) {
        kb_maint_report_free(rep);
        return rc;
    }
    *out = rep;
    return KB_OK;
}

/* --- the sweep --- */

kb_status kb_maint_sweep(kb_store *s, long long now, size_t *n, kb_err *err)
{
    size_t count = 0;
    kb_status rc = kb_maint_generate(s, now, NULL, err);
    char today[KB_DATE_LEN];
    kb_date_of(now, today);
    kb_maint_task **v = NULL;
    size_t nv = 0;
    sqlite3_stmt *st = rc == KB_OK ? kb_store_cached(s, sql_overdue, err) : NULL;
    if (rc == KB_OK && !st)
        rc = KB_EDB;
    if (rc == KB_OK) {
        kb_store_bind_text(st, 1, today);
        sqlite3_bind_int64(st, 2, KB_MAINT_MAX_NOTIFY);
        rows_of r = { &v, &nv };
        rc = kb_store_rows(s, st, task_row_add, &r, "maintenance overdue", err);
    }
    for (size_t i = 0; rc == KB_OK && i < nv; i++) {
        const kb_maint_task *t = v[i];
        int own = 0;
        rc = kb_store_write_begin(s, &own, err);
        if (rc != KB_OK)
            break;
        st = kb_store_cached(s, sql_notified, err);
        if (!st)
            rc = KB_EDB;
        if (rc == KB_OK) {
            sqlite3_bind_int64(st, 1, t->id);
            rc = kb_store_step_done(s, st, "maintenance overdue", err);
        }
        /* another sweep may have told it first */
        if (rc == KB_OK && sqlite3_changes(kb_store_db(s)) == 1) {
            char number[32], summary[KB_MAINT_MAX_NAME + KB_ASSET_MAX_TAG + 8];
            snprintf(number, sizeof number, "%lld", t->id);
            snprintf(summary, sizeof summary, "%s · %s", t->plan_name, t->asset);
            char object[40];
            snprintf(object, sizeof object, "maint_task:%lld", t->id);
            kb_notify_vars vars;
            memset(&vars, 0, sizeof vars);
            vars.number = number;
            vars.summary = summary;
            vars.group = t->group;
            vars.due = t->due;
            vars.target = t->asset;
            rc = kb_notify_enqueue(s, KB_NOTIFY_MAINT_OVERDUE, object, t->group, NULL, &vars,
                                   now, err);
            if (rc == KB_OK)
                count++;
        }
        rc = kb_store_write_end(s, own, rc, err);
    }
    for (size_t i = 0; i < nv; i++)
        kb_maint_task_free(v[i]);
    free(v);
    if (n)
        *n = count;
    return rc;
}
