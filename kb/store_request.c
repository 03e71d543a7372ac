/* Service requests in the database: schema (version 17), the catalogue, requests with their
 * form values and timelines, lists and the report's section. See include/kb_request.h. */
#include "kb_request.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "kb_alloc.h"
#include "kb_audit.h"
#include "kb_buf.h"
#include "kb_date.h"
#include "kb_group.h"
#include "kb_notify.h"
#include "kb_text.h"
#include "kb_user.h"
#include "store_int.h"

/* request_item: the catalogue; request_item_field: its form, by position (choices one a
 * line). request: the requests, with the item's name, category, group, loan, approval and
 * SLA as they were when made; request_value: their form values with the field's label and
 * type of that time; request_event: their timelines. */
static const char schema_v17[] =
    "CREATE TABLE IF NOT EXISTS request_item("
    "  id INTEGER PRIMARY KEY,"
    "  name TEXT NOT NULL UNIQUE COLLATE NOCASE,"
    "  description TEXT NOT NULL DEFAULT '',"
    "  category TEXT NOT NULL,"
    "  sla TEXT NOT NULL,"
    "  business INTEGER NOT NULL DEFAULT 0,"
    "  approval INTEGER NOT NULL DEFAULT 0,"
    "  approver TEXT NOT NULL DEFAULT '',"
    "  grp TEXT NOT NULL DEFAULT '',"
    "  loan INTEGER NOT NULL DEFAULT 0,"
    "  active INTEGER NOT NULL DEFAULT 1,"
    "  created_by TEXT NOT NULL, created_at INTEGER NOT NULL,"
    "  updated_by TEXT NOT NULL, updated_at INTEGER NOT NULL);"
    "CREATE TABLE IF NOT EXISTS request_item_field("
    "  item INTEGER NOT NULL REFERENCES request_item(id) ON DELETE CASCADE,"
    "  pos INTEGER NOT NULL,"
    "  key TEXT NOT NULL, label TEXT NOT NULL, type TEXT NOT NULL,"
    "  required INTEGER NOT NULL, choices TEXT NOT NULL, max_length INTEGER NOT NULL,"
    "  PRIMARY KEY(item, pos));"
    "CREATE TABLE IF NOT EXISTS request("
    "  id INTEGER PRIMARY KEY,"
    "  number TEXT NOT NULL UNIQUE,"
    "  day INTEGER NOT NULL, seq INTEGER NOT NULL,"
    "  status TEXT NOT NULL,"
    "  item INTEGER NOT NULL, item_name TEXT NOT NULL, category TEXT NOT NULL,"
    "  grp TEXT NOT NULL, loan INTEGER NOT NULL, approval INTEGER NOT NULL,"
    "  sla TEXT NOT NULL, business INTEGER NOT NULL,"
    "  caller_name TEXT NOT NULL, caller_phone TEXT NOT NULL, department TEXT NOT NULL,"
    "  note TEXT NOT NULL, return_date TEXT NOT NULL,"
    "  assignee TEXT NOT NULL DEFAULT '', requested_by TEXT NOT NULL,"
    "  decided_by TEXT NOT NULL DEFAULT '', decision TEXT NOT NULL DEFAULT '',"
    "  created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL,"
    "  decided_at INTEGER NOT NULL DEFAULT 0, started_at INTEGER NOT NULL DEFAULT 0,"
    "  fulfilled_at INTEGER NOT NULL DEFAULT 0, closed_at INTEGER NOT NULL DEFAULT 0,"
    "  returned_at INTEGER NOT NULL DEFAULT 0);"
    "CREATE INDEX IF NOT EXISTS request_by_created ON request(created_at);"
    "CREATE INDEX IF NOT EXISTS request_by_status ON request(status, created_at);"
    "CREATE TABLE IF NOT EXISTS request_value("
    "  request INTEGER NOT NULL REFERENCES request(id),"
    "  pos INTEGER NOT NULL,"
    "  key TEXT NOT NULL, label TEXT NOT NULL, type TEXT NOT NULL, value TEXT NOT NULL,"
    "  PRIMARY KEY(request, pos));"
    "CREATE TABLE IF NOT EXISTS request_event("
    "  request INTEGER NOT NULL REFERENCES request(id),"
    "  seq INTEGER NOT NULL,"
    "  at INTEGER NOT NULL, actor TEXT NOT NULL, type TEXT NOT NULL,"
    "  from_value TEXT NOT NULL, to_value TEXT NOT NULL, note TEXT NOT NULL,"
    "  PRIMARY KEY(request, seq));";

kb_status kb_request_migrate(kb_store *s, kb_err *err)
{
    return kb_store_exec(s, schema_v17, err);
}

#define ITEM_COLS                                                                            \
    "id, name, description, category, sla, business, approval, approver, grp, loan, active, " \
    "created_by, created_at, updated_by, updated_at"
static const char sql_item_get[] = "SELECT " ITEM_COLS " FROM request_item WHERE id = ?1";
static const char sql_item_list[] =
    "SELECT " ITEM_COLS " FROM request_item WHERE ?1 = 0 OR active = 1 ORDER BY name, id";
static const char sql_item_count[] = "SELECT count(*) FROM request_item";
static const char sql_item_name[] =
    "SELECT id FROM request_item WHERE name = ?1 AND id <> ?2";
static const char sql_item_insert[] =
    "INSERT INTO request_item(name, description, category, sla, business, approval, approver, "
    "grp, loan, active, created_by, created_at, updated_by, updated_at) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?11, ?12)";
static const char sql_item_update[] =
    "UPDATE request_item SET name = ?1, description = ?2, category = ?3, sla = ?4, "
    "business = ?5, approval = ?6, approver = ?7, grp = ?8, loan = ?9, active = ?10, "
    "updated_by = ?11, updated_at = ?12 WHERE id = ?13";
static const char sql_fields_get[] =
    "SELECT key, label, type, required, choices, max_length FROM request_item_field "
    "WHERE item = ?1 ORDER BY pos";
static const char sql_fields_clear[] = "DELETE FROM request_item_field WHERE item = ?1";
static const char sql_field_insert[] =
    "INSERT INTO request_item_field(item, pos, key, label, type, required, choices, "
    "max_length) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";

#define REQ_COLS                                                                             \
    "id, number, status, item, item_name, category, grp, loan, approval, sla, business, "    \
    "caller_name, caller_phone, department, note, return_date, assignee, requested_by, "     \
    "decided_by, decision, created_at, updated_at, decided_at, started_at, fulfilled_at, "   \
    "closed_at, returned_at"
static const char sql_req_get[] = "SELECT " REQ_COLS " FROM request WHERE number = ?1";
static const char sql_req_next_seq[] =
    "SELECT coalesce(max(seq), 0) + 1 FROM request WHERE day = ?1";
static const char sql_req_insert[] =
    "INSERT INTO request(number, day, seq, status, item, item_name, category, grp, loan, "
    "approval, sla, business, caller_name, caller_phone, department, note, return_date, "
    "requested_by, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, "
    "?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?19)";
static const char sql_req_save[] =
    "UPDATE request SET status = ?2, assignee = ?3, decided_by = ?4, decision = ?5, "
    "updated_at = ?6, decided_at = ?7, started_at = ?8, fulfilled_at = ?9, closed_at = ?10, "
    "returned_at = ?11 WHERE id = ?1";
static const char sql_values_get[] =
    "SELECT key, label, type, value FROM request_value WHERE request = ?1 ORDER BY pos";
static const char sql_value_insert[] =
    "INSERT INTO request_value(request, pos, key, label, type, value) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
static const char sql_events_get[] =
    "SELECT at, actor, type, from_value, to_value, note FROM request_event WHERE request = ?1 "
    "ORDER BY seq";
static const char sql_event_insert[] =
    "INSERT INTO request_event(request, seq, at, actor, type, from_value, to_value, note) "
    "VALUES (?1, (SELECT coalesce(max(seq), 0) + 1 FROM request_event WHERE request = ?1), "
    "?2, ?3, ?4, ?5, ?6, ?7)";
/* ?1 status mask (0 any), ?2 item, ?3 group, ?4 assignee, ?5 requested_by, ?6 member_of,
 * ?7 overdue: a day YYYY-MM-DD the return date is before (NULL any), ?8 limit, ?9 offset */
#define REQ_WHERE                                                                            \
    " WHERE (?1 = 0 OR (?1 >> (CASE status WHEN 'submitted' THEN 0"                          \
    " WHEN 'awaiting_approval' THEN 1 WHEN 'approved' THEN 2 WHEN 'rejected' THEN 3"         \
    " WHEN 'in_fulfilment' THEN 4 WHEN 'fulfilled' THEN 5 WHEN 'closed' THEN 6"              \
    " ELSE 7 END)) & 1)"                                                                     \
    " AND (?2 = 0 OR item = ?2) AND (?3 IS NULL OR grp = ?3)"                                \
    " AND (?4 IS NULL OR assignee = ?4) AND (?5 IS NULL OR requested_by = ?5 COLLATE NOCASE)" \
    " AND (?6 IS NULL OR grp IN (SELECT g.name FROM support_group g JOIN group_member m"     \
    " ON m.grp = g.id WHERE m.username = ?6))"                                               \
    " AND (?7 IS NULL OR (loan = 1 AND status = 'fulfilled' AND returned_at = 0"             \
    " AND return_date <> '' AND return_date < ?7))"
static const char sql_req_list[] =
    "SELECT " REQ_COLS " FROM request" REQ_WHERE
    " ORDER BY created_at DESC, id DESC LIMIT ?8 OFFSET ?9";
static const char sql_req_count[] = "SELECT count(*) FROM request" REQ_WHERE;

static kb_status run(kb_store *s, sqlite3_stmt *st, const char *what, kb_err *err)
{
    kb_status rc = kb_store_step_err(s, sqlite3_step(st), err, what);
    kb_store_done(st);
    return rc;
}

static kb_status audit(kb_store *s, long long at, const char *actor, const char *action,
                       const char *kind, const char *id, const char *summary, kb_err *err)
{
    char obj[96];
    snprintf(obj, sizeof obj, "%s:%s", kind, id);
    return kb_audit_append(s, at, actor, action, obj, summary, err);
}

/* --- the catalogue --- */

static kb_req_item *read_item(sqlite3_stmt *st)
{
    kb_req_item *it = kb_xcalloc(1, sizeof *it);
    it->id = sqlite3_column_int64(st, 0);
    it->name = kb_store_text(st, 1);
    it->description = kb_store_text(st, 2);
    it->category = kb_store_text(st, 3);
    it->sla = kb_store_text(st, 4);
    it->business = sqlite3_column_int(st, 5);
    it->approval = sqlite3_column_int(st, 6);
    it->approver = kb_store_text(st, 7);
    it->group = kb_store_text(st, 8);
    it->loan = sqlite3_column_int(st, 9);
    it->active = sqlite3_column_int(st, 10);
    it->created_by = kb_store_text(st, 11);
    it->created_at = sqlite3_column_int64(st, 12);
    it->updated_by = kb_store_text(st, 13);
    it->updated_at = sqlite3_column_int64(st, 14);
    return it;
}

static kb_status field_row(sqlite3_stmt *st, void *ctx, kb_err *err)
{
    (void)err;
    kb_req_item *it = ctx;
    it->fields = kb_xrealloc(it->fields, (it->nfields + 1) * sizeof *it->fields);
    kb_req_field *f = &it->fields[it->nfields++];
    memset(f, 0, sizeof *f);
    f->key = kb_store_text(st, 0);
    f->label = kb_store_text(st, 1);
    char *type = kb_store_text(st, 2);
    if (kb_request_type_parse("type", type, &f->type, NULL) != KB_OK)
        f->type = KB_REQ_T_TEXT;
    free(type);
    f->required = sqlite3_column_int(st, 3);
    const char *ch = (const char *)sqlite3_column_text(st, 4);
    while (ch && *ch) {
        const char *nl = strchr(ch, '\n');
        size_t len = nl ? (size_t)(nl - ch) : strlen(ch);
        f->choices = kb_xrealloc(f->choices, (f->nchoices + 1) * sizeof *f->choices);
        char *c = kb_xmalloc(len + 1);
        memcpy(c, ch, len);
        c[len] = '\0';
        f->choices[f->nchoices++] = c;
        ch = nl ? nl + 1 : NULL;
    }
    f->max_length = (size_t)sqlite3_column_int64(st, 5);
    return KB_OK;
}

static kb_status load_fields(kb_store *s, kb_req_item *it, kb_err *err)
{
    return kb_store_each_row(s, sql_fields_get, it->id, field_row, it, "request form", err);
}

kb_status kb_req_item_get(kb_store *s, long long id, kb_req_item **out, kb_err *err)
{
    *out = NULL;
    sqlite3_stmt *st = kb_store_cached(s, sql_item_get, err);
    if (!st)
        return KB_EDB;
    sqlite3_bind_int64(st, 1, id);
    int r = sqlite3_step(st);
    kb_req_item *it = r == SQLITE_ROW ? read_item(st) : NULL;
    kb_status rc = kb_store_step_err(s, r, err, "request item");
    kb_store_done(st);
    if (rc == KB_OK && !it)
        rc = kb_err_set(err, KB_ENOTFOUND, "no request item %lld", id);
    if (rc == KB_OK)
        rc = load_fields(s, it, err);
    if (rc != KB_OK) {
        kb_req_item_free(it);
        return rc;
    }
    *out = it;
    return KB_OK;
}

kb_status kb_req_item_list(kb_store *s, int active_only, kb_req_item ***out, size_t *n,
                           kb_err *err)
{
    *out = NULL;
    *n = 0;
    sqlite3_stmt *st = kb_store_cached(s, sql_item_list, err);
    if (!st)
        return KB_EDB;
    sqlite3_bind_int(st, 1, active_only ? 1 : 0);
    kb_req_item **v = NULL;
    size_t k = 0;
    int r;
    while ((r = sqlite3_step(st)) == SQLITE_ROW) {
        v = kb_xrealloc(v, (k + 1) * sizeof *v);
        v[k++] = read_item(st);
    }
    kb_status rc = kb_store_step_err(s, r, err, "request items");
    kb_store_done(st);
    for (size_t i = 0; rc == KB_OK && i < k; i++)
        rc = load_fields(s, v[i], err);
    if (rc != KB_OK) {
        kb_req_item_list_free(v, k);
        return rc;
    }
    *out = v;
    *n = k;
    return KB_OK;
}

/* The approver must be an enabled user who holds the approver role. */
static kb_status check_approver(kb_store *s, const char *user, kb_err *err)
{
    kb_status rc = kb_group_check_user(s, "approver", user, err);
    kb_user_info u;
    if (rc == KB_OK)
        rc = kb_user_get(s, user, &u, err);
    if (rc == KB_OK && !(u.roles & (KB_ROLE_APPROVER | KB_ROLE_ADMIN)))
        rc = kb_err_set(err, KB_EINVAL, "field 'approver': '%.64s' does not hold the approver "
                        "role", user);
    return rc;
}

/* *group (may be replaced) must name a group; it becomes the name as stored. */
static kb_status check_group(kb_store *s, char **group, kb_err *err)
{
    kb_group *g = NULL;
    kb_status rc = kb_group_get(s, *group, &g, err);
    if (rc == KB_ENOTFOUND)
        rc = kb_err_set(err, KB_EINVAL, "field 'group': no group '%.64s'", *group);
    if (rc == KB_OK) {
        free(*group);
        *group = kb_xstrdup(g->name);
    }
    kb_group_free(g);
    return rc;
}

static kb_status write_fields(kb_store *s, long long id, const kb_req_item_in *in, kb_err *err)
{
    sqlite3_stmt *st = kb_store_cached(s, sql_fields_clear, err);
    if (!st)
        return KB_EDB;
    sqlite3_bind_int64(st, 1, id);
    kb_status rc = run(s, st, "request form", err);
    for (size_t i = 0; rc == KB_OK && i < in->nfields; i++) {
        const kb_req_field_in *f = &in->fields[i];
        kb_buf ch;
        kb_buf_init(&ch, 0);
        for (size_t j = 0; j < f->nchoices; j++)
            kb_buf_addf(&ch, "%s%s", j ? "\n" : "", f->choices[j]);
        st = kb_store_cached(s, sql_field_insert, err);
        if (!st) {
            kb_buf_free(&ch);
            return KB_EDB;
        }
        kb_req_type t = KB_REQ_T_TEXT;
        kb_request_type_parse("type", f->type, &t, NULL);
        sqlite3_bind_int64(st, 1, id);
        sqlite3_bind_int64(st, 2, (long long)i);
        kb_store_bind_text(st, 3, f->key);
        kb_store_bind_text(st, 4, f->label);
        kb_store_bind_text(st, 5, kb_request_type_name(t));
        sqlite3_bind_int(st, 6, f->required ? 1 : 0);
        kb_store_bind_text(st, 7, kb_buf_str(&ch));
        sqlite3_bind_int64(st, 8, t == KB_REQ_T_TEXT
                                      ? (f->max_length ? f->max_length : KB_REQ_DEFAULT_VALUE)
                                      : 0);
        rc = run(s, st, "request form", err);
        kb_buf_free(&ch);
    }
    return rc;
}

static void item_summary(const kb_req_item *it, kb_buf *b)
{
    kb_buf_addf(b, "%s (%s); sla %s %s; approval %s; group %s; loan %s; %s; %zu fields",
                it->name, it->category, it->sla, it->business ? "business" : "24x7",
                it->approval ? "yes" : "no", it->group[0] ? it->group : "-",
                it->loan ? "yes" : "no", it->active ? "active" : "inactive", it->nfields);
}

/* Create (id 0) or change item id. */
static kb_status item_write(kb_store *s, long long id, const kb_req_item_in *in, long long now,
                            kb_req_item **out, kb_err *err)
{
    if (out)
        *out = NULL;
    kb_status rc = kb_req_item_check(in, id == 0, err);
    if (rc != KB_OK)
        return rc;
    int own = 0;
    rc = kb_store_write_begin(s, &own, err);
    if (rc != KB_OK)
        return rc;
    kb_req_item *old = NULL;
    if (id)
        rc = kb_req_item_get(s, id, &old, err);
    long long count = 0;
    sqlite3_stmt *st = NULL;
    if (rc == KB_OK && !id) {
        st = kb_store_cached(s, sql_item_count, err);
        if (!st)
            rc = KB_EDB;
        if (rc == KB_OK) {
            int r = sqlite3_step(st);
            count = r == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
            rc = kb_store_step_err(s, r, err, "request items");
            kb_store_done(st);
        }
        if (rc == KB_OK && count >= (long long)KB_REQ_MAX_ITEMS)
            rc = kb_err_set(err, KB_ECONFLICT, "the catalogue holds %u items already",
                            KB_REQ_MAX_ITEMS);
    }
#define PICK(f) (in->f ? in->f : old ? old->f : "")
#define FLAG(f, def) (in->f >= 0 ? in->f : old ? old->f : (def))
    const char *name = PICK(name);
    char *group = kb_xstrdup(PICK(group));
    const char *approver = PICK(approver);
    if (rc == KB_OK) {
        st = kb_store_cached(s, sql_item_name, err);
        if (!st)
            rc = KB_EDB;
    }
    if (rc == KB_OK) {
        kb_store_bind_text(st, 1, name);
        sqlite3_bind_int64(st, 2, id);
        int r = sqlite3_step(st);
        rc = kb_store_step_err(s, r, err, "request item name");
        kb_store_done(st);
        if (rc == KB_OK && r == SQLITE_ROW)
            rc = kb_err_set(err, KB_EEXIST, "a request item called '%.100s' exists", name);
    }
    if (rc == KB_OK && *group && (!old || strcmp(group, old->group) != 0))
        rc = check_group(s, &group, err);
    if (rc == KB_OK && *approver && (!old || strcmp(approver, old->approver) != 0))
        rc = check_approver(s, approver, err);
    int business = in->hours ? strcmp(in->hours, "business") == 0 : old ? old->business : 0;
    int approval = FLAG(approval, 0), loan = FLAG(loan, 0), active = FLAG(active, 1);
    if (rc == KB_OK)
        st = kb_store_cached(s, id ? sql_item_update : sql_item_insert, err);
    if (rc == KB_OK && !st)
        rc = KB_EDB;
    if (rc == KB_OK) {
        kb_store_bind_text(st, 1, name);
        kb_store_bind_text(st, 2, PICK(description));
        kb_store_bind_text(st, 3, PICK(category));
        kb_store_bind_text(st, 4, PICK(sla));
        sqlite3_bind_int(st, 5, business);
        sqlite3_bind_int(st, 6, approval);
        kb_store_bind_text(st, 7, approver);
        kb_store_bind_text(st, 8, group);
        sqlite3_bind_int(st, 9, loan);
        sqlite3_bind_int(st, 10, active);
        kb_store_bind_text(st, 11, in->actor && *in->actor ? in->actor : "anonymous");
        sqlite3_bind_int64(st, 12, now);
        if (id)
            sqlite3_bind_int64(st, 13, id);
        rc = run(s, st, "request item", err);
    }
#undef PICK
#undef FLAG
    free(group);
    if (rc == KB_OK && !id)
        id = sqlite3_last_insert_rowid(kb_store_db(s));
    if (rc == KB_OK && (in->set_fields || !old))
        rc = write_fields(s, id, in, err);
    kb_req_item *it = NULL;
    if (rc == KB_OK)
        rc = kb_req_item_get(s, id, &it, err);
    if (rc == KB_OK) {
        kb_buf b;
        kb_buf_init(&b, 0);
        item_summary(it, &b);
        char ids[32];
        snprintf(ids, sizeof ids, "%lld", id);
        rc = audit(s, now, it->updated_by, old ? "request_item.update" : "request_item.create",
                   "request_item", ids, kb_buf_str(&b), err);
        kb_buf_free(&b);
    }
    kb_req_item_free(old);
    rc = kb_store_write_end(s, own, rc, err);
    if (rc == KB_OK && out)
        *out = it;
    else
        kb_req_item_free(it);
    return rc;
}

kb_status kb_req_item_create(kb_store *s, const kb_req_item_in *in, long long now,
                             kb_req_item **out, kb_err *err)
{
    return item_write(s, 0, in, now, out, err);
}

kb_status kb_req_item_update(kb_store *s, long long id, const kb_req_item_in *in,
                             long long now, kb_req_item **out, kb_err *err)
{
    if (!in->name && !in->description && !in->category && !in->sla && !in->hours &&
        !in->approver && !in->group && in->approval < 0 && in->loan < 0 && in->active < 0 &&
        !in->set_fields)
        return kb_err_set(err, KB_EINVAL, "nothing to change");
    if (id <= 0)
        return kb_err_set(err, KB_ENOTFOUND, "no request item %lld", id);
    return item_write(s, id, in, now, out, err);
}

/* --- requests --- */

static kb_request *read_request(sqlite3_stmt *st)
{
    kb_request *r = kb_xcalloc(1, sizeof *r);
    r->rowid = sqlite3_column_int64(st, 0);
    r->number = kb_store_text(st, 1);
    char *status = kb_store_text(st, 2);
    if (kb_request_status_parse(status, &r->status, NULL) != KB_OK)
        r->status = KB_REQ_SUBMITTED;
    free(status);
    r->item = sqlite3_column_int64(st, 3);
    r->item_name = kb_store_text(st, 4);
    r->category = kb_store_text(st, 5);
    r->group = kb_store_text(st, 6);
    r->loan = sqlite3_column_int(st, 7);
    r->approval = sqlite3_column_int(st, 8);
    r->sla = kb_store_text(st, 9);
    r->business = sqlite3_column_int(st, 10);
    char **strs[] = { &r->caller_name, &r->caller_phone, &r->department, &r->note,
                      &r->return_date, &r->assignee, &r->requested_by, &r->decided_by,
                      &r->decision };
    for (int i = 0; i < 9; i++)
        *strs[i] = kb_store_text(st, 11 + i);
    long long *times[] = { &r->created_at,   &r->updated_at,   &r->decided_at, &r->started_at,
                           &r->fulfilled_at, &r->closed_at,    &r->returned_at };
    for (int i = 0; i < 7; i++)
        *times[i] = sqlite3_column_int64(st, 20 + i);
    return r;
}

static kb_status value_row(sqlite3_stmt *st, void *ctx, kb_err *err)
{
    (void)err;
    kb_request *r = ctx;
    r->values = kb_xrealloc(r->values, (r->nvalues + 1) * sizeof *r->values);
    kb_req_value *v = &r->values[r->nvalues++];
    v->key = kb_store_text(st, 0);
    v->label = kb_store_text(st, 1);
    v->type = kb_store_text(st, 2);
    v->value = kb_store_text(st, 3);
    return KB_OK;
}

static kb_status event_row(sqlite3_stmt *st, void *ctx, kb_err *err)
{
    (void)err;
    kb_request *r = ctx;
    r->events = kb_xrealloc(r->events, (r->nevents + 1) * sizeof *r->events);
    kb_req_event *e = &r->events[r->nevents++];
    e->at = sqlite3_column_int64(st, 0);
    e->actor = kb_store_text(st, 1);
    e->type = kb_store_text(st, 2);
    e->from = kb_store_text(st, 3);
    e->to = kb_store_text(st, 4);
    e->note = kb_store_text(st, 5);
    return KB_OK;
}

static kb_status load_values(kb_store *s, kb_request *r, kb_err *err)
{
    return kb_store_each_row(s, sql_values_get, r->rowid, value_row, r, "request values", err);
}

static kb_status load_events(kb_store *s, kb_request *r, kb_err *err)
{
    return kb_store_each_row(s, sql_events_get, r->rowid, event_row, r, "request timeline",
                             err);
}

/* The request row (values always; events when full). */
static kb_status load(kb_store *s, const char *number, int full, kb_request **out, kb_err *err)
{
    *out = NULL;
    sqlite3_stmt *st = kb_store_cached(s, sql_req_get, err);
    if (!st)
        return KB_EDB;
    kb_store_bind_text(st, 1, number);
    int r = sqlite3_step(st);
    kb_request *q = r == SQLITE_ROW ? read_request(st) : NULL;
    kb_status rc = kb_store_step_err(s, r, err, "request");
    kb_store_done(st);
    if (rc == KB_OK && !q)
        rc = kb_err_set(err, KB_ENOTFOUND, "no request '%.40s'", number);
    if (rc == KB_OK)
        rc = load_values(s, q, err);
    if (rc == KB_OK && full)
        rc = load_events(s, q, err);
    if (rc != KB_OK) {
        kb_request_free(q);
        return rc;
    }
    *out = q;
    return KB_OK;
}

kb_status kb_request_get(kb_store *s, const char *number, kb_request **out, kb_err *err)
{
    return load(s, number, 1, out, err);
}

/* Appends an event to r (in memory: the new events the notifications look at) and to the
 * database. */
static kb_status add_event(kb_store *s, kb_request *r, long long at, const char *actor,
                           const char *type, const char *from, const char *to,
                           const char *note, kb_err *err)
{
    r->events = kb_xrealloc(r->events, (r->nevents + 1) * sizeof *r->events);
    kb_req_event *e = &r->events[r->nevents++];
    e->at = at;
    e->actor = kb_xstrdup(actor && *actor ? actor : "anonymous");
    e->type = kb_xstrdup(type);
    e->from = kb_xstrdup(from ? from : "");
    e->to = kb_xstrdup(to ? to : "");
    e->note = kb_xstrdup(note ? note : "");
    sqlite3_stmt *st = kb_store_cached(s, sql_event_insert, err);
    if (!st)
        return KB_EDB;
    sqlite3_bind_int64(st, 1, r->rowid);
    sqlite3_bind_int64(st, 2, at);
    kb_store_bind_text(st, 3, e->actor);
    kb_store_bind_text(st, 4, e->type);
    kb_store_bind_text(st, 5, e->from);
    kb_store_bind_text(st, 6, e->to);
    kb_store_bind_text(st, 7, e->note);
    return run(s, st, "request event", err);
}

static kb_status save(kb_store *s, const kb_request *r, kb_err *err)
{
    sqlite3_stmt *st = kb_store_cached(s, sql_req_save, err);
    if (!st)
        return KB_EDB;
    sqlite3_bind_int64(st, 1, r->rowid);
    kb_store_bind_text(st, 2, kb_request_status_name(r->status));
    kb_store_bind_text(st, 3, r->assignee);
    kb_store_bind_text(st, 4, r->decided_by);
    kb_store_bind_text(st, 5, r->decision);
    const long long t[] = { r->updated_at, r->decided_at,  r->started_at,
                            r->fulfilled_at, r->closed_at, r->returned_at };
    for (int i = 0; i < 6; i++)
        sqlite3_bind_int64(st, 6 + i, t[i]);
    return run(s, st, "request", err);
}

static const char *who(const char *actor)
{
    return actor && *actor ? actor : "anonymous";
}

static kb_status check_text(const char *field, const char *v, size_t max, int multi,
                            int required, kb_err *err)
{
    if (required && (!v || !*v))
        return kb_err_set(err, KB_EINVAL, "field '%s' is required", field);
    return v ? kb_text_check_field(field, v, max, multi, err) : KB_OK;
}

/* The item of a new request (active), its form values (user fields name enabled users)
 * and its return date (a loan's, from today to KB_REQ_MAX_LOAN_DAYS ahead): *it
 * (kb_req_item_free) and *vals (kb_request_values_free, it->nfields of them) are set as far
 * as they were read, also on failure. */
static kb_status check_new(kb_store *s, const kb_req_create *in, long long now,
                           kb_req_item **it_out, kb_req_value **vals_out, kb_err *err)
{
    kb_req_item *it = NULL;
    kb_status rc = in->item > 0 ? kb_req_item_get(s, in->item, &it, err)
                                : kb_err_set(err, KB_ENOTFOUND, "no request item %lld", in->item);
    *it_out = it;
    if (rc == KB_ENOTFOUND)
        rc = kb_err_set(err, KB_EINVAL, "field 'item': no request item %lld", in->item);
    if (rc == KB_OK && !it->active)
        rc = kb_err_set(err, KB_EINVAL, "field 'item': '%s' is no longer offered", it->name);
    kb_req_value *vals = NULL;
    size_t nvals = it ? it->nfields : 0;
    if (rc == KB_OK)
        rc = kb_request_check_values(it, in->values, in->nvalues, &vals, err);
    *vals_out = vals;
    for (size_t i = 0; rc == KB_OK && i < nvals; i++)
        if (strcmp(vals[i].type, "user") == 0 && vals[i].value[0]) {
            char what[KB_REQ_MAX_KEY + 16];
            snprintf(what, sizeof what, "fields.%s", vals[i].key);
            rc = kb_group_check_user(s, what, vals[i].value, err);
        }
    const char *ret = in->return_date && *in->return_date ? in->return_date : NULL;
    if (rc == KB_OK && it->loan && !ret)
        rc = kb_err_set(err, KB_EINVAL, "field 'return_date' is required: '%s' is a loan",
                        it->name);
    if (rc == KB_OK && !it->loan && ret)
        rc = kb_err_set(err, KB_EINVAL, "field 'return_date': '%s' is not a loan", it->name);
    long long day = 0;
    if (rc == KB_OK && ret && kb_date_parse(ret, &day, NULL) != KB_OK)
        rc = kb_err_set(err, KB_EINVAL, "field 'return_date' must be a date YYYY-MM-DD, not "
                        "'%.40s'", ret);
    if (rc == KB_OK && ret &&
        (day < kb_date_day_start(now) ||
         day > kb_date_add_days(kb_date_day_start(now), KB_REQ_MAX_LOAN_DAYS)))
        rc = kb_err_set(err, KB_EINVAL, "field 'return_date' must be from today to %d days "
                        "ahead, not '%s'", KB_REQ_MAX_LOAN_DAYS, ret);
    return rc;
}

kb_status kb_request_create(kb_store *s, const kb_req_create *in, long long now,
                            kb_request **out, kb_err *err)
{
    if (out)
        *out = NULL;
    kb_status rc = check_text("caller_name", in->caller_name, KB_REQ_MAX_SHORT, 0, 1, err);
    if (rc == KB_OK)
        rc = check_text("caller_phone", in->caller_phone, KB_REQ_MAX_SHORT, 0, 0, err);
    if (rc == KB_OK)
        rc = check_text("department", in->department, KB_REQ_MAX_SHORT, 0, 0, err);
    if (rc == KB_OK)
        rc = check_text("note", in->note, KB_REQ_MAX_TEXT, 1, 0, err);
    if (rc != KB_OK)
        return rc;
    int own = 0;
    rc = kb_store_write_begin(s, &own, err);
    if (rc != KB_OK)
        return rc;
    kb_req_item *it = NULL;
    kb_req_value *vals = NULL;
    rc = check_new(s, in, now, &it, &vals, err);
    size_t nvals = it ? it->nfields : 0;
    const char *ret = in->return_date && *in->return_date ? in->return_date : NULL;
    long long dayno = kb_incident_day(now);
    long long seq = 0;
    sqlite3_stmt *st = NULL;
    if (rc == KB_OK) {
        st = kb_store_cached(s, sql_req_next_seq, err);
        if (!st)
            rc = KB_EDB;
    }
    if (rc == KB_OK) {
        sqlite3_bind_int64(st, 1, dayno);
        int r = sqlite3_step(st);
        seq = r == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
        rc = kb_store_step_err(s, r, err, "request number");
        kb_store_done(st);
    }
    char number[48];
    kb_desk_format_number("REQ", now, seq, number, sizeof number);
    kb_req_status status = it && it->approval ? KB_REQ_AWAITING_APPROVAL : KB_REQ_SUBMITTED;
    if (rc == KB_OK) {
        st = kb_store_cached(s, sql_req_insert, err);
        if (!st)
            rc = KB_EDB;
    }
    if (rc == KB_OK) {
        kb_store_bind_text(st, 1, number);
        sqlite3_bind_int64(st, 2, dayno);
        sqlite3_bind_int64(st, 3, seq);
        kb_store_bind_text(st, 4, kb_request_status_name(status));
        sqlite3_bind_int64(st, 5, it->id);
        kb_store_bind_text(st, 6, it->name);
        kb_store_bind_text(st, 7, it->category);
        kb_store_bind_text(st, 8, it->group);
        sqlite3_bind_int(st, 9, it->loan);
        sqlite3_bind_int(st, 10, it->approval);
        kb_store_bind_text(st, 11, it->sla);
        sqlite3_bind_int(st, 12, it->business);
        kb_store_bind_text(st, 13, in->caller_name);
        kb_store_bind_text(st, 14, in->caller_phone ? in->caller_phone : "");
        kb_store_bind_text(st, 15, in->department ? in->department : "");
        kb_store_bind_text(st, 16, in->note ? in->note : "");
        kb_store_bind_text(st, 17, ret ? ret : "");
        kb_store_bind_text(st, 18, who(in->actor));
        sqlite3_bind_int64(st, 19, now);
        rc = run(s, st, "request", err);
    }
    long long rowid = rc == KB_OK ? sqlite3_last_insert_rowid(kb_store_db(s)) : 0;
    for (size_t i = 0; rc == KB_OK && i < nvals; i++) {
        st = kb_store_cached(s, sql_value_insert, err);
        if (!st) {
            rc = KB_EDB;
            break;
        }
        sqlite3_bind_int64(st, 1, rowid);
        sqlite3_bind_int64(st, 2, (long long)i);
        kb_store_bind_text(st, 3, vals[i].key);
        kb_store_bind_text(st, 4, vals[i].label);
        kb_store_bind_text(st, 5, vals[i].type);
        kb_store_bind_text(st, 6, vals[i].value);
        rc = run(s, st, "request value", err);
    }
    kb_request_values_free(vals, nvals);
    kb_request *q = NULL;
    if (rc == KB_OK)
        rc = load(s, number, 0, &q, err);
    if (rc == KB_OK)
        rc = add_event(s, q, now, in->actor, "created", "", kb_request_status_name(status),
                       in->note, err);
    if (rc == KB_OK) {
        kb_buf b;
        kb_buf_init(&b, 0);
        kb_buf_addf(&b, "%s for %s; %s", it->name, q->caller_name,
                    kb_request_status_name(status));
        if (ret)
            kb_buf_addf(&b, "; return by %s", ret);
        rc = audit(s, now, who(in->actor), "request.create", "request", number,
                   kb_buf_str(&b), err);
        kb_buf_free(&b);
    }
    if (rc == KB_OK)
        rc = kb_notify_request(s, q, it->approver, now, err);
    kb_req_item_free(it);
    kb_request_free(q);
    q = NULL;
    rc = kb_store_write_end(s, own, rc, err);
    if (rc == KB_OK && out)
        rc = load(s, number, 1, out, err);
    return rc;
}

/* Whether act's actor is a member of r's group. */
static kb_status member_of(kb_store *s, const kb_request *r, const kb_req_act *act, int *out,
                           kb_err *err)
{
    *out = 0;
    if (!r->group[0] || !act->actor || !*act->actor)
        return KB_OK;
    return kb_group_is_member(s, r->group, act->actor, out, err);
}

/* KB_EDENIED unless act's actor works r: an agent or admin, or an engineer it is assigned
 * to or who is a member of its group. */
static kb_status check_worker(kb_store *s, const kb_request *r, const kb_req_act *act,
                              kb_err *err)
{
    if (act->roles & (KB_ROLE_AGENT | KB_ROLE_ADMIN))
        return KB_OK;
    int member = 0;
    kb_status rc = member_of(s, r, act, &member, err);
    if (rc != KB_OK)
        return rc;
    int mine = r->assignee[0] && act->actor && strcmp(r->assignee, act->actor) == 0;
    if (!(act->roles & KB_ROLE_ENGINEER) || (!mine && !member))
        return kb_err_set(err, KB_EDENIED, "%s is assigned neither to you nor to one of "
                          "your groups", r->number);
    return KB_OK;
}

kb_status kb_request_check_files(kb_store *s, const kb_request *r, const kb_req_act *act,
                                 kb_err *err)
{
    if (act->actor && strcasecmp(act->actor, r->requested_by) == 0)
        return KB_OK;
    kb_status rc = check_worker(s, r, act, err);
    if (rc == KB_EDENIED)
        rc = kb_err_set(err, KB_EDENIED, "%s is neither yours nor assigned to you or one of "
                        "your groups: its files stay as they are", r->number);
    return rc;
}

kb_status kb_request_act(kb_store *s, const char *number, kb_req_action a,
                         const kb_req_act *act, long long now, kb_request **out, kb_err *err)
{
    if (out)
        *out = NULL;
    int own = 0;
    kb_status rc = kb_store_write_begin(s, &own, err);
    if (rc != KB_OK)
        return rc;
    kb_request *r = NULL;
    rc = load(s, number, 0, &r, err);
    int member = 0;
    if (rc == KB_OK)
        rc = member_of(s, r, act, &member, err);
    if (rc == KB_OK)
        rc = kb_request_check_action(r, a, act, member, err);
    kb_req_status from = r ? r->status : KB_REQ_SUBMITTED;
    kb_req_status to = kb_request_action_target(a);
    const char *actor = who(act->actor);
    if (rc == KB_OK) {
        r->status = to;
        r->updated_at = now;
        switch (a) {
        case KB_REQ_ACT_APPROVE:
        case KB_REQ_ACT_REJECT:
            free(r->decided_by);
            r->decided_by = kb_xstrdup(actor);
            free(r->decision);
            r->decision = kb_xstrdup(act->note ? act->note : "");
            r->decided_at = now;
            break;
        case KB_REQ_ACT_START:
            r->started_at = now;
            break;
        case KB_REQ_ACT_FULFIL:
            if (!r->started_at)
                r->started_at = now;
            r->fulfilled_at = now;
            break;
        case KB_REQ_ACT_RETURN:
            r->returned_at = now;
            r->closed_at = now;
            break;
        case KB_REQ_ACT_CLOSE:
        case KB_REQ_ACT_CANCEL:
            r->closed_at = now;
            break;
        default:
            break;
        }
        /* who starts or fulfils an unassigned request takes it */
        if ((a == KB_REQ_ACT_START || a == KB_REQ_ACT_FULFIL) && !r->assignee[0]) {
            free(r->assignee);
            r->assignee = kb_xstrdup(actor);
            rc = add_event(s, r, now, actor, "assignee", "", actor, "", err);
        }
    }
    if (rc == KB_OK)
        rc = add_event(s, r, now, actor, "status", kb_request_status_name(from),
                       kb_request_status_name(to), act->note, err);
    if (rc == KB_OK)
        rc = save(s, r, err);
    if (rc == KB_OK) {
        char action[32];
        snprintf(action, sizeof action, "request.%s", kb_request_action_name(a));
        kb_buf b;
        kb_buf_init(&b, 0);
        kb_buf_addf(&b, "%s: %s→%s", r->item_name, kb_request_status_name(from),
                    kb_request_status_name(to));
        if (act->note && *act->note)
            kb_buf_addf(&b, "; %.200s", act->note);
        rc = audit(s, now, actor, action, "request", r->number, kb_buf_str(&b), err);
        kb_buf_free(&b);
    }
    if (rc == KB_OK)
        rc = kb_notify_request(s, r, NULL, now, err);
    kb_request_free(r);
    rc = kb_store_write_end(s, own, rc, err);
    if (rc == KB_OK && out)
        rc = load(s, number, 1, out, err);
    return rc;
}

kb_status kb_request_update(kb_store *s, const char *number, const char *assignee,
                            const kb_req_act *act, long long now, kb_request **out,
                            kb_err *err)
{
    if (out)
        *out = NULL;
    if (!assignee && (!act->note || !*act->note))
        return kb_err_set(err, KB_EINVAL, "give 'assignee' or 'note'");
    kb_status rc = assignee ? check_text("assignee", assignee, KB_REQ_MAX_SHORT, 0, 0, err)
                            : KB_OK;
    if (rc == KB_OK && act->note)
        rc = check_text("note", act->note, KB_REQ_MAX_TEXT, 1, 0, err);
    if (rc != KB_OK)
        return rc;
    int own = 0;
    rc = kb_store_write_begin(s, &own, err);
    if (rc != KB_OK)
        return rc;
    kb_request *r = NULL;
    rc = load(s, number, 0, &r, err);
    /* the same people as fulfilment; a note is allowed in any status */
    if (rc == KB_OK)
        rc = check_worker(s, r, act, err);
    const char *actor = who(act->actor);
    if (rc == KB_OK && assignee && strcmp(assignee, r->assignee) != 0) {
        if (!kb_request_status_open(r->status))
            rc = kb_err_set(err, KB_EEXIST, "%s is %s: its assignee stays", r->number,
                            kb_request_status_name(r->status));
        if (rc == KB_OK && *assignee)
            rc = kb_group_check_user(s, "assignee", assignee, err);
        int in_group = 1;
        if (rc == KB_OK && *assignee && r->group[0])
            rc = kb_group_is_member(s, r->group, assignee, &in_group, err);
        if (rc == KB_OK && !in_group)
            rc = kb_err_set(err, KB_EINVAL, "field 'assignee': '%.64s' is not a member of "
                            "group '%.64s'", assignee, r->group);
        if (rc == KB_OK)
            rc = add_event(s, r, now, actor, "assignee", r->assignee, assignee, "", err);
        if (rc == KB_OK) {
            free(r->assignee);
            r->assignee = kb_xstrdup(assignee);
        }
    }
    if (rc == KB_OK && act->note && *act->note)
        rc = add_event(s, r, now, actor, "note", "", "", act->note, err);
    if (rc == KB_OK && r->nevents) {
        r->updated_at = now;
        rc = save(s, r, err);
    }
    if (rc == KB_OK && r->nevents) {
        kb_buf b;
        kb_buf_init(&b, 0);
        for (size_t i = 0; i < r->nevents; i++)
            kb_buf_addf(&b, "%s%s %s→%s%s%.200s", i ? "; " : "", r->events[i].type,
                        r->events[i].from, r->events[i].to, r->events[i].note[0] ? " " : "",
                        r->events[i].note);
        rc = audit(s, now, actor, assignee ? "request.assign" : "request.note", "request",
                   r->number, kb_buf_str(&b), err);
        kb_buf_free(&b);
    }
    if (rc == KB_OK)
        rc = kb_notify_request(s, r, NULL, now, err);
    kb_request_free(r);
    rc = kb_store_write_end(s, own, rc, err);
    if (rc == KB_OK && out)
        rc = load(s, number, 1, out, err);
    return rc;
}

/* --- lists --- */

static void bind_filter(sqlite3_stmt *st, const kb_req_filter *f, char today[KB_DATE_LEN])
{
    sqlite3_bind_int64(st, 1, f->status_mask);
    sqlite3_bind_int64(st, 2, f->item);
    kb_store_bind_opt(st, 3, f->group);
    kb_store_bind_opt(st, 4, f->assignee);
    kb_store_bind_opt(st, 5, f->requested_by);
    kb_store_bind_opt(st, 6, f->member_of);
    if (f->loan_overdue) {
        kb_date_of(f->now, today);
        sqlite3_bind_text(st, 7, today, -1, SQLITE_STATIC);
    } else {
        sqlite3_bind_null(st, 7);
    }
}

kb_status kb_request_list(kb_store *s, const kb_req_filter *f, kb_req_list **out,
                          kb_err *err)
{
    *out = NULL;
    size_t limit = f->limit ? f->limit : 20;
    if (limit > KB_REQ_MAX_LIMIT)
        limit = KB_REQ_MAX_LIMIT;
    char today[KB_DATE_LEN];
    sqlite3_stmt *st = kb_store_cached(s, sql_req_count, err);
    if (!st)
        return KB_EDB;
    bind_filter(st, f, today);
    int r = sqlite3_step(st);
    kb_req_list *l = kb_xcalloc(1, sizeof *l);
    l->total = r == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    kb_status rc = kb_store_step_err(s, r, err, "requests");
    kb_store_done(st);
    st = rc == KB_OK ? kb_store_cached(s, sql_req_list, err) : NULL;
    if (rc == KB_OK && !st)
        rc = KB_EDB;
    if (rc == KB_OK) {
        bind_filter(st, f, today);
        sqlite3_bind_int64(st, 8, (long long)limit);
        sqlite3_bind_int64(st, 9, (long long)f->offset);
        l->items = kb_xcalloc(limit, sizeof *l->items);
        while (l->n < limit && (r = sqlite3_step(st)) == SQLITE_ROW)
            l->items[l->n++] = read_request(st);
        rc = kb_store_step_err(s, r, err, "requests");
        kb_store_done(st);
    }
    for (size_t i = 0; rc == KB_OK && i < l->n; i++)
        rc = load_values(s, l->items[i], err);
    if (rc != KB_OK) {
        kb_request_list_free(l);
        return rc;
    }
    *out = l;
    return KB_OK;
}

void kb_request_list_free(kb_req_list *l)
{
    if (!l)
        return;
    for (size_t i = 0; i < l->n; i++)
        kb_request_free(l->items[i]);
    free(l->items);
    free(l);
}

/* --- the report's section --- */

static const char sql_rep_period[] =
    "SELECT " REQ_COLS " FROM request WHERE created_at >= ?1 AND created_at < ?2";
static const char sql_rep_now[] =
    "SELECT count(*) FILTER (WHERE status = 'awaiting_approval'),"
    " count(*) FILTER (WHERE status IN ('submitted', 'awaiting_approval', 'approved',"
    " 'in_fulfilment')),"
    " count(*) FILTER (WHERE loan = 1 AND status = 'fulfilled' AND returned_at = 0),"
    " count(*) FILTER (WHERE loan = 1 AND status = 'fulfilled' AND returned_at = 0"
    " AND return_date <> '' AND return_date < ?1) FROM request";
static const char sql_rep_items[] =
    "SELECT item_name, count(*) AS n FROM request WHERE created_at >= ?1 AND created_at < ?2 "
    "GROUP BY item_name ORDER BY n DESC, item_name LIMIT 20";

kb_status kb_request_report(kb_store *s, const kb_incident_sla *desk, long long from,
                            long long to, long long now, kb_req_report *out, kb_err *err)
{
    memset(out, 0, sizeof *out);
    sqlite3_stmt *st = kb_store_cached(s, sql_rep_period, err);
    if (!st)
        return KB_EDB;
    sqlite3_bind_int64(st, 1, from);
    sqlite3_bind_int64(st, 2, to);
    long long spent = 0;
    int r;
    while ((r = sqlite3_step(st)) == SQLITE_ROW) {
        kb_request *q = read_request(st);
        out->total++;
        out->by_status[q->status]++;
        if (q->fulfilled_at) {
            kb_inc_sla_state cl;
            kb_request_sla_state(q, desk, now, &cl);
            out->fulfilled++;
            out->fulfil_met += !cl.resolve_breached;
            spent += q->fulfilled_at - q->created_at;
        }
        kb_request_free(q);
    }
    kb_status rc = kb_store_step_err(s, r, err, "request report");
    kb_store_done(st);
    if (out->fulfilled)
        out->mean_fulfil_seconds = (spent + out->fulfilled / 2) / out->fulfilled;
    char today[KB_DATE_LEN];
    kb_date_of(now, today);
    st = rc == KB_OK ? kb_store_cached(s, sql_rep_now, err) : NULL;
    if (rc == KB_OK && !st)
        rc = KB_EDB;
    if (rc == KB_OK) {
        sqlite3_bind_text(st, 1, today, -1, SQLITE_STATIC);
        r = sqlite3_step(st);
        if (r == SQLITE_ROW) {
            out->awaiting_approval = sqlite3_column_int64(st, 0);
            out->open = sqlite3_column_int64(st, 1);
            out->loans_out = sqlite3_column_int64(st, 2);
            out->loans_overdue = sqlite3_column_int64(st, 3);
        }
        rc = kb_store_step_err(s, r, err, "request report");
        kb_store_done(st);
    }
    st = rc == KB_OK ? kb_store_cached(s, sql_rep_items, err) : NULL;
    if (rc == KB_OK && !st)
        rc = KB_EDB;
    if (rc == KB_OK) {
        sqlite3_bind_int64(st, 1, from);
        sqlite3_bind_int64(st, 2, to);
        while ((r = sqlite3_step(st)) == SQLITE_ROW) {
            out->items = kb_xrealloc(out->items, (out->nitems + 1) * sizeof *out->items);
            out->item_counts =
                kb_xrealloc(out->item_counts, (out->nitems + 1) * sizeof *out->item_counts);
            out->items[out->nitems] = kb_store_text(st, 0);
            out->item_counts[out->nitems++] = sqlite3_column_int64(st, 1);
        }
        rc = kb_store_step_err(s, r, err, "request report");
        kb_store_done(st);
    }
    if (rc != KB_OK)
        kb_request_report_clear(out);
    return rc;
}

void kb_request_report_clear(kb_req_report *r)
{
    for (size_t i = 0; i < r->nitems; i++)
        free(r->items[i]);
    free(r->items);
    free(r->item_counts);
    memset(r, 0, sizeof *r);
}
