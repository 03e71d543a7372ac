/* Retention, validity check rounds and controlled paper copies (all SQL): schema (version
 * 22). See include/kb_doccheck.h. */
#include "kb_doccheck.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kb_alloc.h"
#include "kb_audit.h"
#include "kb_buf.h"
#include "kb_text.h"
#include "store_int.h"

static const char schema_v22[] =
    "CREATE TABLE IF NOT EXISTS doc_check_round("
    " id INTEGER PRIMARY KEY, title TEXT NOT NULL, scope TEXT NOT NULL DEFAULT '',"
    " state TEXT NOT NULL DEFAULT 'open', created_by TEXT NOT NULL,"
    " created_at INTEGER NOT NULL, closed_by TEXT NOT NULL DEFAULT '',"
    " closed_at INTEGER NOT NULL DEFAULT 0, summary TEXT NOT NULL DEFAULT '');"
    "CREATE TABLE IF NOT EXISTS doc_check_item("
    " round INTEGER NOT NULL REFERENCES doc_check_round(id), doc_no TEXT NOT NULL,"
    " result TEXT NOT NULL DEFAULT 'pending', version_found TEXT NOT NULL DEFAULT '',"
    " location TEXT NOT NULL DEFAULT '', note TEXT NOT NULL DEFAULT '',"
    " checked_by TEXT NOT NULL DEFAULT '', checked_at INTEGER NOT NULL DEFAULT 0,"
    " PRIMARY KEY(round, doc_no)) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS doc_copy("
    " id INTEGER PRIMARY KEY, doc_no TEXT NOT NULL, copy_no TEXT NOT NULL,"
    " holder TEXT NOT NULL, location TEXT NOT NULL DEFAULT '', version INTEGER NOT NULL,"
    " label TEXT NOT NULL DEFAULT '', issued_by TEXT NOT NULL, issued_at INTEGER NOT NULL,"
    " recalled_by TEXT NOT NULL DEFAULT '', recalled_at INTEGER NOT NULL DEFAULT 0,"
    " recall_note TEXT NOT NULL DEFAULT '');"
    "CREATE UNIQUE INDEX IF NOT EXISTS doc_copy_out ON doc_copy(doc_no, copy_no)"
    " WHERE recalled_at = 0;"
    "CREATE INDEX IF NOT EXISTS doc_copy_doc ON doc_copy(doc_no, version);";

kb_status kb_doccheck_migrate(kb_store *s, kb_err *err)
{
    return kb_store_exec(s, schema_v22, err);
}

static const char *who(const char *actor)
{
    return actor && *actor ? actor : "anonymous";
}

/* ---------------------------------------------------------------- retention */

/* kedb_retention_until(retention_period, publish_date, effective_from, effective_to): the
 * day the period ends, '' when it does not (yet), NULL when the text cannot be read. */
static void retention_until(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    (void)argc;
    const char *text = (const char *)sqlite3_value_text(argv[0]);
    const char *pub = (const char *)sqlite3_value_text(argv[1]);
    const char *from = (const char *)sqlite3_value_text(argv[2]);
    const char *to = (const char *)sqlite3_value_text(argv[3]);
    char until[KB_DATE_LEN];
    kb_retention_state st = kb_retention_expiry(text, kb_date_valid(pub) ? pub : from, to, until);
    if (st == KB_RETENTION_UNPARSED)
        sqlite3_result_null(ctx);
    else
        sqlite3_result_text(ctx, until, -1, SQLITE_TRANSIENT);
}

kb_status kb_doccheck_register(kb_store *s, kb_err *err)
{
    if (sqlite3_create_function(kb_store_db(s), "kedb_retention_until", 4,
                                SQLITE_UTF8 | SQLITE_DETERMINISTIC, NULL, retention_until, NULL,
                                NULL) != SQLITE_OK)
        return kb_store_db_err(s, err, "register kedb_retention_until");
    return KB_OK;
}

#define UNTIL                                                                                  \
    "kedb_retention_until(v.retention_period, v.publish_date, v.effective_from, "            \
    "v.effective_to)"
#define RET_COLS                                                                               \
    "v.id, v.n, v.label, v.title, v.state, v.doc_type, v.owner, v.retention_period, "          \
    "v.publish_date, v.effective_from, v.effective_to, "                                       \
    "coalesce((SELECT r.id FROM doc_request r WHERE r.doc_no = v.id AND r.kind = 'destroy' "   \
    "ORDER BY r.seq DESC LIMIT 1), ''), "                                                      \
    "coalesce((SELECT r.state FROM doc_request r WHERE r.doc_no = v.id AND r.kind = 'destroy' " \
    "ORDER BY r.seq DESC LIMIT 1), '')"
/* versions that were ever current, with a retention period, of documents not destroyed
 * (a destroy request marks the last current version destroyed); ?1 one document */
#define RET_FROM                                                                               \
    " FROM item_version v WHERE v.type = 'document' AND v.effective_from <> ''"               \
    " AND v.retention_period <> '' AND (?1 IS NULL OR v.id = ?1)"                             \
    " AND NOT EXISTS (SELECT 1 FROM item_version x WHERE x.id = v.id"                         \
    "  AND x.state = 'destroyed')"
#define EXPIRED " AND " UNTIL " BETWEEN '0000' AND ?2"
#define UNPARSED " AND v.state = 'published' AND ?2 IS NOT NULL AND " UNTIL " IS NULL"

static const char sql_expired_count[] = "SELECT count(*)" RET_FROM EXPIRED;
static const char sql_expired[] =
    "SELECT " RET_COLS RET_FROM EXPIRED " ORDER BY " UNTIL ", v.id, v.n LIMIT ?3 OFFSET ?4";
static const char sql_unparsed_count[] = "SELECT count(*)" RET_FROM UNPARSED;
static const char sql_unparsed[] =
    "SELECT " RET_COLS RET_FROM UNPARSED " ORDER BY v.id, v.n LIMIT ?3 OFFSET ?4";

typedef struct {
    const char *doc_no;
    const char *today;
} ret_filter;

static void bind_ret(sqlite3_stmt *st, const void *filter, int page)
{
    (void)page;
    const ret_filter *f = filter;
    kb_store_bind_opt(st, 1, f->doc_no);
    kb_store_bind_text(st, 2, f->today);
}

static kb_status expiry_row(sqlite3_stmt *st, void *ctx, kb_err *err)
{
    (void)err;
    kb_doccheck_expiries *l = ctx;
    l->v = kb_xrealloc(l->v, (l->n + 1) * sizeof *l->v);
    kb_doccheck_expiry *e = &l->v[l->n++];
    int i = 0;
    e->doc_no = kb_store_text(st, i++);
    e->n = sqlite3_column_int64(st, i++);
    e->label = kb_store_text(st, i++);
    e->title = kb_store_text(st, i++);
    e->state = kb_store_text(st, i++);
    e->doc_type = kb_store_text(st, i++);
    e->owner = kb_store_text(st, i++);
    e->retention_period = kb_store_text(st, i++);
    e->publish_date = kb_store_text(st, i++);
    e->effective_from = kb_store_text(st, i++);
    e->effective_to = kb_store_text(st, i++);
    e->destroy_request = kb_store_text(st, i++);
    e->destroy_state = kb_store_text(st, i++);
    e->retention = kb_retention_expiry(e->retention_period,
                                       kb_date_valid(e->publish_date) ? e->publish_date
                                                                      : e->effective_from,
                                       e->effective_to, e->until);
    return KB_OK;
}

static const kb_store_list expired_list = {
    .count_sql = sql_expired_count,
    .page_sql = sql_expired,
    .limit_param = 3,
    .def_limit = KB_DOCCHECK_DEF_LIMIT,
    .max_limit = KB_DOCCHECK_MAX_LIMIT,
    .bind = bind_ret,
    .row = expiry_row,
    .count_what = "retention count",
    .page_what = "retention list",
};

static const kb_store_list unparsed_list = {
    .count_sql = sql_unparsed_count,
    .page_sql = sql_unparsed,
    .limit_param = 3,
    .def_limit = KB_DOCCHECK_DEF_LIMIT,
    .max_limit = KB_DOCCHECK_MAX_LIMIT,
    .bind = bind_ret,
    .row = expiry_row,
    .count_what = "retention count",
    .page_what = "retention list",
};

void kb_doccheck_expiries_free(kb_doccheck_expiries *l)
{
    if (!l)
        return;
    for (size_t i = 0; i < l->n; i++) {
        kb_doccheck_expiry *e = &l->v[i];
        char **strs[] = { &e->doc_no, &e->label, &e->title, &e->state, &e->doc_type,
                          &e->owner, &e->retention_period, &e->publish_date,
                          &e->effective_from, &e->effective_to, &e->destroy_request,
                          &e->destroy_state };
        for (size_t k = 0; k < sizeof strs / sizeof strs[0]; k++)
            free(*strs[k]);
    }
    free(l->v);
    memset(l, 0, sizeof *l);
}

kb_status kb_doccheck_retention(kb_store *s, kb_doccheck_retention_list which,
                                const char *today, const char *doc_no, size_t limit,
                                size_t offset, kb_doccheck_expiries *out, kb_err *err)
{
    memset(out, 0, sizeof *out);
    if (!kb_date_valid(today))
        return kb_err_set(err, KB_EINVAL, "invalid day '%.40s'", today ? today : "");
    ret_filter f = { doc_no, today };
    kb_status rc = kb_store_list_page(s, which == KB_DOCCHECK_UNPARSED ? &unparsed_list
                                                                       : &expired_list,
                                      &f, limit, offset, &out->total, out, err);
    if (rc != KB_OK)
        kb_doccheck_expiries_free(out);
    return rc;
}

/* ---------------------------------------------------------------- shared checks */

static const char sql_is_document[] =
    "SELECT 1 FROM item_version WHERE id = ?1 AND type = 'document' LIMIT 1";
static const char sql_current[] =
    "SELECT n, label FROM item_version WHERE id = ?1 AND type = 'document' "
    "AND state = 'published' ORDER BY n DESC LIMIT 1";

/* 1 when a query of one text parameter finds a row, 0 when not, -1 on error (err set). */
static int exists(kb_store *s, const char *sql, const char *a, kb_err *err)
{
    sqlite3_stmt *st = kb_store_cached(s, sql, err);
    if (!st)
        return -1;
    kb_store_bind_text(st, 1, a);
    int r = sqlite3_step(st);
    kb_store_done(st);
    if (r != SQLITE_ROW && r != SQLITE_DONE) {
        kb_store_db_err(s, err, "document lookup");
        return -1;
    }
    return r == SQLITE_ROW;
}

/* A one-line text field of at most KB_DOCCHECK_MAX_NAME bytes (required: not blank). */
static kb_status name_ok(const char *field, const char *v, int required, kb_err *err)
{
    if (!v || !*v) {
        if (required)
            return kb_err_set(err, KB_EINVAL, "field '%s' is required", field);
        return KB_OK;
    }
    kb_status rc = kb_text_check_field(field, v, KB_DOCCHECK_MAX_NAME, 0, err);
    if (rc == KB_OK && required && strspn(v, " \t") == strlen(v))
        rc = kb_err_set(err, KB_EINVAL, "field '%s' is required", field);
    return rc;
}

static kb_status note_ok(const char *field, const char *v, kb_err *err)
{
    return v ? kb_text_check_field(field, v, KB_DOCCHECK_MAX_TEXT, 1, err) : KB_OK;
}

/* ---------------------------------------------------------------- check rounds */

static const char *const results[] = { "pending", "valid", "invalid_version", "missing" };

int kb_doccheck_result_valid(const char *result)
{
    for (size_t i = 1; i < 4; i++)
        if (result && strcmp(result, results[i]) == 0)
            return 1;
    return 0;
}

#define ROUND_COLS                                                                             \
    "r.id, r.title, r.scope, r.state, r.created_by, r.created_at, r.closed_by, r.closed_at, "  \
    "r.summary, "                                                                              \
    "(SELECT count(*) FROM doc_check_item WHERE round = r.id AND result = 'pending'), "        \
    "(SELECT count(*) FROM doc_check_item WHERE round = r.id AND result = 'valid'), "          \
    "(SELECT count(*) FROM doc_check_item WHERE round = r.id AND result = 'invalid_version'), " \
    "(SELECT count(*) FROM doc_check_item WHERE round = r.id AND result = 'missing')"

static const char sql_round_add[] =
    "INSERT INTO doc_check_round(title, scope, created_by, created_at) VALUES (?1, ?2, ?3, ?4)";
static const char sql_item_add[] =
    "INSERT OR IGNORE INTO doc_check_item(round, doc_no) VALUES (?1, ?2)";
static const char sql_items_all[] =
    "INSERT OR IGNORE INTO doc_check_item(round, doc_no) SELECT ?1, id FROM item_version "
    "WHERE type = 'document' AND state = 'published'";
static const char sql_current_count[] =
    "SELECT count(*) FROM item_version WHERE type = 'document' AND state = 'published'";
static const char sql_round_one[] = "SELECT " ROUND_COLS " FROM doc_check_round r WHERE r.id = ?1";
static const char sql_round_count[] =
    "SELECT count(*) FROM doc_check_round r WHERE (?1 IS NULL OR r.state = ?1)";
static const char sql_round_page[] =
    "SELECT " ROUND_COLS " FROM doc_check_round r WHERE (?1 IS NULL OR r.state = ?1) "
    "ORDER BY r.id DESC LIMIT ?2 OFFSET ?3";
static const char sql_round_items[] =
    "SELECT i.doc_no, coalesce(c.title, (SELECT title FROM item_version WHERE id = i.doc_no "
    " ORDER BY n DESC LIMIT 1), ''), coalesce(nullif(c.label, ''), CAST(c.n AS TEXT), ''),"
    " coalesce(c.n, 0), i.result, i.version_found, i.location, i.note, i.checked_by,"
    " i.checked_at FROM doc_check_item i LEFT JOIN item_version c ON c.id = i.doc_no"
    " AND c.type = 'document' AND c.state = 'published' WHERE i.round = ?1 ORDER BY i.doc_no";
static const char sql_record[] =
    "INSERT INTO doc_check_item(round, doc_no, result, version_found, location, note,"
    " checked_by, checked_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"
    " ON CONFLICT(round, doc_no) DO UPDATE SET result = excluded.result,"
    " version_found = excluded.version_found, location = excluded.location,"
    " note = excluded.note, checked_by = excluded.checked_by, checked_at = excluded.checked_at";
static const char sql_round_close[] =
    "UPDATE doc_check_round SET state = 'closed', closed_by = ?2, closed_at = ?3, summary = ?4 "
    "WHERE id = ?1";

static void round_fill(sqlite3_stmt *st, kb_doccheck_round *r)
{
    int i = 0;
    r->id = sqlite3_column_int64(st, i++);
    r->title = kb_store_text(st, i++);
    r->scope = kb_store_text(st, i++);
    r->state = kb_store_text(st, i++);
    r->created_by = kb_store_text(st, i++);
    r->created_at = sqlite3_column_int64(st, i++);
    r->closed_by = kb_store_text(st, i++);
    r->closed_at = sqlite3_column_int64(st, i++);
    r->summary = kb_store_text(st, i++);
    for (size_t k = 0; k < 4; k++)
        r->counts[k] = (size_t)sqlite3_column_int64(st, i++);
}

static void round_clear(kb_doccheck_round *r)
{
    free(r->title);
    free(r->scope);
    free(r->state);
    free(r->created_by);
    free(r->closed_by);
    free(r->summary);
    for (size_t i = 0; i < r->nitems; i++) {
        kb_doccheck_item *it = &r->items[i];
        char **strs[] = { &it->doc_no, &it->title, &it->current, &it->result,
                          &it->version_found, &it->location, &it->note, &it->checked_by };
        for (size_t k = 0; k < sizeof strs / sizeof strs[0]; k++)
            free(*strs[k]);
    }
    free(r->items);
}

void kb_doccheck_round_free(kb_doccheck_round *r)
{
    if (!r)
        return;
    round_clear(r);
    free(r);
}

void kb_doccheck_rounds_free(kb_doccheck_rounds *l)
{
    if (!l)
        return;
    for (size_t i = 0; i < l->n; i++)
        round_clear(&l->v[i]);
    free(l->v);
    memset(l, 0, sizeof *l);
}

static kb_status round_one_row(sqlite3_stmt *st, void *ctx, kb_err *err)
{
    (void)err;
    round_fill(st, ctx);
    return KB_OK;
}

static kb_status item_row(sqlite3_stmt *st, void *ctx, kb_err *err)
{
    (void)err;
    kb_doccheck_round *r = ctx;
    r->items = kb_xrealloc(r->items, (r->nitems + 1) * sizeof *r->items);
    kb_doccheck_item *it = &r->items[r->nitems++];
    int i = 0;
    it->doc_no = kb_store_text(st, i++);
    it->title = kb_store_text(st, i++);
    it->current = kb_store_text(st, i++);
    it->current_n = sqlite3_column_int64(st, i++);
    it->result = kb_store_text(st, i++);
    it->version_found = kb_store_text(st, i++);
    it->location = kb_store_text(st, i++);
    it->note = kb_store_text(st, i++);
    it->checked_by = kb_store_text(st, i++);
    it->checked_at = sqlite3_column_int64(st, i++);
    return KB_OK;
}

kb_status kb_doccheck_round_get(kb_store *s, long long id, kb_doccheck_round **out,
                                kb_err *err)
{
    *out = NULL;
    kb_doccheck_round *r = kb_xcalloc(1, sizeof *r);
    kb_status rc = kb_store_each_row(s, sql_round_one, id, round_one_row, r, "check round",
                                     err);
    if (rc == KB_OK && !r->id)
        rc = kb_err_set(err, KB_ENOTFOUND, "no check round %lld", id);
    if (rc == KB_OK)
        rc = kb_store_each_row(s, sql_round_items, id, item_row, r, "check round items", err);
    if (rc != KB_OK) {
        kb_doccheck_round_free(r);
        return rc;
    }
    *out = r;
    return KB_OK;
}

static void bind_rounds(sqlite3_stmt *st, const void *filter, int page)
{
    (void)page;
    kb_store_bind_opt(st, 1, filter);
}

static kb_status round_row(sqlite3_stmt *st, void *ctx, kb_err *err)
{
    (void)err;
    kb_doccheck_rounds *l = ctx;
    l->v = kb_xrealloc(l->v, (l->n + 1) * sizeof *l->v);
    kb_doccheck_round *r = &l->v[l->n++];
    memset(r, 0, sizeof *r);
    round_fill(st, r);
    return KB_OK;
}

static const kb_store_list rounds_list = {
    .count_sql = sql_round_count,
    .page_sql = sql_round_page,
    .limit_param = 2,
    .def_limit = KB_DOCCHECK_DEF_LIMIT,
    .max_limit = KB_DOCCHECK_MAX_LIMIT,
    .bind = bind_rounds,
    .row = round_row,
    .count_what = "check round count",
    .page_what = "check rounds",
};

kb_status kb_doccheck_round_list(kb_store *s, const char *state, size_t limit, size_t offset,
                                 kb_doccheck_rounds *out, kb_err *err)
{
    memset(out, 0, sizeof *out);
    kb_status rc = kb_store_list_page(s, &rounds_list, state, limit, offset, &out->total, out,
                                      err);
    if (rc != KB_OK)
        kb_doccheck_rounds_free(out);
    return rc;
}

/* Runs a one-parameter count. */
static kb_status count_of(kb_store *s, const char *sql, long long *n, kb_err *err)
{
    sqlite3_stmt *st = kb_store_cached(s, sql, err);
    if (!st)
        return KB_EDB;
    int r = sqlite3_step(st);
    *n = r == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    kb_status rc = kb_store_step_err(s, r, err, "count");
    kb_store_done(st);
    return rc;
}

kb_status kb_doccheck_round_create(kb_store *s, const char *title, const char *scope,
                                   const char *const *doc_nos, size_t n, const char *actor,
                                   long long at, long long *out_id, kb_err *err)
{
    *out_id = 0;
    kb_status rc = name_ok("title", title, 1, err);
    if (rc == KB_OK)
        rc = name_ok("scope", scope, 0, err);
    if (rc == KB_OK && n > KB_DOCCHECK_MAX_DOCS)
        rc = kb_err_set(err, KB_EINVAL, "more than %u documents in one round",
                        KB_DOCCHECK_MAX_DOCS);
    for (size_t i = 0; rc == KB_OK && i < n; i++)
        if (!doc_nos[i] || !*doc_nos[i])
            rc = kb_err_set(err, KB_EINVAL, "field 'documents' has an empty number");
    if (rc != KB_OK)
        return rc;
    int own = 0;
    rc = kb_store_write_begin(s, &own, err);
    if (rc != KB_OK)
        return rc;
    long long ncur = 0;
    if (n == 0) {
        rc = count_of(s, sql_current_count, &ncur, err);
        if (rc == KB_OK && ncur == 0)
            rc = kb_err_set(err, KB_EINVAL, "there is no current document to check");
        if (rc == KB_OK && ncur > (long long)KB_DOCCHECK_MAX_DOCS)
            rc = kb_err_set(err, KB_EINVAL, "%lld current documents are more than %u in one "
                            "round: name the documents", ncur, KB_DOCCHECK_MAX_DOCS);
    }
    for (size_t i = 0; rc == KB_OK && i < n; i++) {
        int has = exists(s, sql_current, doc_nos[i], err);
        if (has < 0)
            rc = KB_EDB;
        else if (!has)
            rc = kb_err_set(err, KB_ENOTFOUND, "no current document '%.64s' in the catalogue",
                            doc_nos[i]);
    }
    sqlite3_stmt *st = rc == KB_OK ? kb_store_cached(s, sql_round_add, err) : NULL;
    if (rc == KB_OK && !st)
        rc = KB_EDB;
    long long id = 0;
    if (rc == KB_OK) {
        kb_store_bind_text(st, 1, title);
        kb_store_bind_text_or_empty(st, 2, scope);
        kb_store_bind_text(st, 3, who(actor));
        sqlite3_bind_int64(st, 4, at);
        rc = kb_store_step_done(s, st, "check round insert", err);
        id = sqlite3_last_insert_rowid(kb_store_db(s));
    }
    if (rc == KB_OK && n == 0) {
        st = kb_store_cached(s, sql_items_all, err);
        if (!st)
            rc = KB_EDB;
        else {
            sqlite3_bind_int64(st, 1, id);
            rc = kb_store_step_done(s, st, "check round documents", err);
        }
    }
    for (size_t i = 0; rc == KB_OK && i < n; i++) {
        st = kb_store_cached(s, sql_item_add, err);
        if (!st) {
            rc = KB_EDB;
            break;
        }
        sqlite3_bind_int64(st, 1, id);
        kb_store_bind_text(st, 2, doc_nos[i]);
        rc = kb_store_step_done(s, st, "check round document", err);
    }
    if (rc == KB_OK) {
        char object[40], summary[KB_DOCCHECK_MAX_NAME + 64];
        snprintf(object, sizeof object, "doccheck:%lld", id);
        snprintf(summary, sizeof summary, "'%s' over %s", title,
                 n ? "the documents named" : "every current document");
        rc = kb_audit_append(s, at, who(actor), "doccheck.create", object, summary, err);
    }
    rc = kb_store_write_end(s, own, rc, err);
    if (rc == KB_OK)
        *out_id = id;
    return rc;
}

/* The round's state, KB_ENOTFOUND when there is none, KB_EEXIST when it is closed. */
static kb_status round_open(kb_store *s, long long id, kb_err *err)
{
    kb_doccheck_round r;
    memset(&r, 0, sizeof r);
    kb_status rc = kb_store_each_row(s, sql_round_one, id, round_one_row, &r, "check round",
                                     err);
    if (rc == KB_OK && !r.id)
        rc = kb_err_set(err, KB_ENOTFOUND, "no check round %lld", id);
    if (rc == KB_OK && strcmp(r.state, "open") != 0)
        rc = kb_err_set(err, KB_EEXIST, "check round %lld is closed", id);
    round_clear(&r);
    return rc;
}

static kb_status result_ok(const kb_doccheck_result *r, kb_err *err)
{
    if (!r->doc_no || !*r->doc_no)
        return kb_err_set(err, KB_EINVAL, "field 'doc_no' is required");
    kb_status rc = name_ok("doc_no", r->doc_no, 1, err);
    if (rc == KB_OK && !kb_doccheck_result_valid(r->result))
        rc = kb_err_set(err, KB_EINVAL, "invalid result '%.40s': use valid, invalid_version "
                        "or missing", r->result ? r->result : "");
    if (rc == KB_OK)
        rc = name_ok("version_found", r->version_found,
                     strcmp(r->result, "invalid_version") == 0, err);
    if (rc == KB_OK)
        rc = name_ok("location", r->location, 0, err);
    if (rc == KB_OK)
        rc = note_ok("note", r->note, err);
    return rc;
}

kb_status kb_doccheck_round_record(kb_store *s, long long id, const kb_doccheck_result *res,
                                   size_t n, const char *actor, long long at, kb_err *err)
{
    if (n == 0)
        return kb_err_set(err, KB_EINVAL, "field 'results' needs at least one result");
    if (n > KB_DOCCHECK_MAX_DOCS)
        return kb_err_set(err, KB_EINVAL, "more than %u results at once", KB_DOCCHECK_MAX_DOCS);
    kb_status rc = KB_OK;
    for (size_t i = 0; rc == KB_OK && i < n; i++) {
        rc = result_ok(&res[i], err);
        if (rc != KB_OK)
            kb_err_prefix(err, rc, "result %zu", i + 1);
    }
    if (rc != KB_OK)
        return rc;
    int own = 0;
    rc = kb_store_write_begin(s, &own, err);
    if (rc != KB_OK)
        return rc;
    rc = round_open(s, id, err);
    kb_buf sum;
    kb_buf_init(&sum, KB_AUDIT_MAX_SUMMARY);
    for (size_t i = 0; rc == KB_OK && i < n; i++) {
        const kb_doccheck_result *r = &res[i];
        int has = exists(s, sql_is_document, r->doc_no, err);
        if (has < 0) {
            rc = KB_EDB;
            break;
        }
        if (!has) {
            rc = kb_err_set(err, KB_ENOTFOUND, "no document '%.64s' in the catalogue",
                            r->doc_no);
            break;
        }
        sqlite3_stmt *st = kb_store_cached(s, sql_record, err);
        if (!st) {
            rc = KB_EDB;
            break;
        }
        sqlite3_bind_int64(st, 1, id);
        kb_store_bind_text(st, 2, r->doc_no);
        kb_store_bind_text(st, 3, r->result);
        kb_store_bind_text_or_empty(st, 4, r->version_found);
        kb_store_bind_text_or_empty(st, 5, r->location);
        kb_store_bind_text_or_empty(st, 6, r->note);
        kb_store_bind_text(st, 7, who(actor));
        sqlite3_bind_int64(st, 8, at);
        rc = kb_store_step_done(s, st, "check result", err);
        /* the summary is cut by its limit; the rows hold everything */
        kb_buf_addf(&sum, "%s%s %s", i ? "; " : "", r->doc_no, r->result);
    }
    if (rc == KB_OK) {
        char object[40];
        snprintf(object, sizeof object, "doccheck:%lld", id);
        rc = kb_audit_append(s, at, who(actor), "doccheck.record", object, kb_buf_str(&sum),
                             err);
    }
    kb_buf_free(&sum);
    return kb_store_write_end(s, own, rc, err);
}

kb_status kb_doccheck_round_close(kb_store *s, long long id, const char *summary,
                                  const char *actor, long long at, kb_err *err)
{
    kb_status rc = note_ok("summary", summary, err);
    if (rc != KB_OK)
        return rc;
    int own = 0;
    rc = kb_store_write_begin(s, &own, err);
    if (rc != KB_OK)
        return rc;
    rc = round_open(s, id, err);
    sqlite3_stmt *st = rc == KB_OK ? kb_store_cached(s, sql_round_close, err) : NULL;
    if (rc == KB_OK && !st)
        rc = KB_EDB;
    if (rc == KB_OK) {
        sqlite3_bind_int64(st, 1, id);
        kb_store_bind_text(st, 2, who(actor));
        sqlite3_bind_int64(st, 3, at);
        kb_store_bind_text_or_empty(st, 4, summary);
        rc = kb_store_step_done(s, st, "check round close", err);
    }
    if (rc == KB_OK) {
        char object[40];
        snprintf(object, sizeof object, "doccheck:%lld", id);
        rc = kb_audit_append(s, at, who(actor), "doccheck.close", object, summary, err);
    }
    return kb_store_write_end(s, own, rc, err);
}

/* ---------------------------------------------------------------- paper copies */

/* out, and its version is no longer the current one */
#define TO_RECALL                                                                              \
    "(c.recalled_at = 0 AND NOT EXISTS (SELECT 1 FROM item_version WHERE id = c.doc_no "       \
    "AND n = c.version AND state = 'published'))"
#define COPY_COLS                                                                              \
    "c.id, c.doc_no, coalesce((SELECT title FROM item_version WHERE id = c.doc_no "           \
    "ORDER BY n DESC LIMIT 1), ''), c.copy_no, c.holder, c.location, c.version, c.label, "     \
    "coalesce((SELECT state FROM item_version WHERE id = c.doc_no AND n = c.version), ''), "  \
    "coalesce((SELECT n FROM item_version WHERE id = c.doc_no AND state = 'published' "       \
    "ORDER BY n DESC LIMIT 1), 0), " TO_RECALL ", c.issued_by, c.issued_at, c.recalled_by, "   \
    "c.recalled_at, c.recall_note"
#define COPY_WHERE                                                                             \
    " FROM doc_copy c WHERE (?1 IS NULL OR c.doc_no = ?1) AND (?2 = 0 OR " TO_RECALL ")"       \
    " AND (?3 = 0 OR c.recalled_at = 0) AND (?4 = 0 OR c.id = ?4)"

static const char sql_copy_count[] = "SELECT count(*)" COPY_WHERE;
static const char sql_copy_page[] =
    "SELECT " COPY_COLS COPY_WHERE " ORDER BY c.doc_no, c.copy_no, c.id LIMIT ?5 OFFSET ?6";
static const char sql_copy_out[] =
    "SELECT 1 FROM doc_copy WHERE doc_no = ?1 AND copy_no = ?2 AND recalled_at = 0";
static const char sql_copy_n[] = "SELECT count(*) FROM doc_copy WHERE doc_no = ?1";
static const char sql_copy_add[] =
    "INSERT INTO doc_copy(doc_no, copy_no, holder, location, version, label, issued_by,"
    " issued_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";
static const char sql_copy_state[] =
    "SELECT doc_no, copy_no, recalled_at FROM doc_copy WHERE id = ?1";
static const char sql_copy_recall[] =
    "UPDATE doc_copy SET recalled_by = ?2, recalled_at = ?3, recall_note = ?4 WHERE id = ?1";

typedef struct {
    const kb_doccheck_copy_filter *f;
    long long id;
} copy_filter;

static void bind_copies(sqlite3_stmt *st, const void *filter, int page)
{
    (void)page;
    const copy_filter *c = filter;
    kb_store_bind_opt(st, 1, c->f ? c->f->doc_no : NULL);
    sqlite3_bind_int(st, 2, c->f ? c->f->to_recall : 0);
    sqlite3_bind_int(st, 3, c->f ? c->f->out : 0);
    sqlite3_bind_int64(st, 4, c->id);
}

static kb_status copy_row(sqlite3_stmt *st, void *ctx, kb_err *err)
{
    (void)err;
    kb_doccheck_copies *l = ctx;
    l->v = kb_xrealloc(l->v, (l->n + 1) * sizeof *l->v);
    kb_doccheck_copy *c = &l->v[l->n++];
    int i = 0;
    c->id = sqlite3_column_int64(st, i++);
    c->doc_no = kb_store_text(st, i++);
    c->title = kb_store_text(st, i++);
    c->copy_no = kb_store_text(st, i++);
    c->holder = kb_store_text(st, i++);
    c->location = kb_store_text(st, i++);
    c->version = sqlite3_column_int64(st, i++);
    c->label = kb_store_text(st, i++);
    c->version_state = kb_store_text(st, i++);
    c->current = sqlite3_column_int64(st, i++);
    c->to_recall = sqlite3_column_int(st, i++);
    c->issued_by = kb_store_text(st, i++);
    c->issued_at = sqlite3_column_int64(st, i++);
    c->recalled_by = kb_store_text(st, i++);
    c->recalled_at = sqlite3_column_int64(st, i++);
    c->recall_note = kb_store_text(st, i++);
    return KB_OK;
}

static const kb_store_list copies_list = {
    .count_sql = sql_copy_count,
    .page_sql = sql_copy_page,
    .limit_param = 5,
    .def_limit = KB_DOCCHECK_DEF_LIMIT,
    .max_limit = KB_DOCCHECK_MAX_LIMIT,
    .bind = bind_copies,
    .row = copy_row,
    .count_what = "copy count",
    .page_what = "copies",
};

void kb_doccheck_copies_free(kb_doccheck_copies *l)
{
    if (!l)
        return;
    for (size_t i = 0; i < l->n; i++) {
        kb_doccheck_copy *c = &l->v[i];
        char **strs[] = { &c->doc_no, &c->title, &c->copy_no, &c->holder, &c->location,
                          &c->label, &c->version_state, &c->issued_by, &c->recalled_by,
                          &c->recall_note };
        for (size_t k = 0; k < sizeof strs / sizeof strs[0]; k++)
            free(*strs[k]);
    }
    free(l->v);
    memset(l, 0, sizeof *l);
}

kb_status kb_doccheck_copy_list(kb_store *s, const kb_doccheck_copy_filter *f, size_t limit,
                                size_t offset, kb_doccheck_copies *out, kb_err *err)
{
    memset(out, 0, sizeof *out);
    copy_filter cf = { f, 0 };
    kb_status rc = kb_store_list_page(s, &copies_list, &cf, limit, offset, &out->total, out,
                                      err);
    if (rc != KB_OK)
        kb_doccheck_copies_free(out);
    return rc;
}

kb_status kb_doccheck_copy_get(kb_store *s, long long id, kb_doccheck_copies *out, kb_err *err)
{
    memset(out, 0, sizeof *out);
    if (id <= 0)
        return kb_err_set(err, KB_ENOTFOUND, "no copy %lld", id);
    copy_filter cf = { NULL, id };
    kb_status rc = kb_store_list_page(s, &copies_list, &cf, 1, 0, &out->total, out, err);
    if (rc == KB_OK && out->n == 0)
        rc = kb_err_set(err, KB_ENOTFOUND, "no copy %lld", id);
    if (rc != KB_OK)
        kb_doccheck_copies_free(out);
    return rc;
}

/* The document's current version: *n (0 when none) and *label (free()). */
static kb_status current_of(kb_store *s, const char *doc_no, long long *n, char **label,
                            kb_err *err)
{
    *n = 0;
    *label = NULL;
    sqlite3_stmt *st = kb_store_cached(s, sql_current, err);
    if (!st)
        return KB_EDB;
    kb_store_bind_text(st, 1, doc_no);
    int r = sqlite3_step(st);
    if (r == SQLITE_ROW) {
        *n = sqlite3_column_int64(st, 0);
        *label = kb_store_text(st, 1);
    }
    kb_status rc = kb_store_step_err(s, r, err, "current version");
    kb_store_done(st);
    return rc;
}

/* 1 when copy copy_no of doc_no is out, 0 when not, -1 on error. */
static int copy_out(kb_store *s, const char *doc_no, const char *copy_no, kb_err *err)
{
    sqlite3_stmt *st = kb_store_cached(s, sql_copy_out, err);
    if (!st)
        return -1;
    kb_store_bind_text(st, 1, doc_no);
    kb_store_bind_text(st, 2, copy_no);
    int r = sqlite3_step(st);
    kb_store_done(st);
    if (r != SQLITE_ROW && r != SQLITE_DONE) {
        kb_store_db_err(s, err, "copy lookup");
        return -1;
    }
    return r == SQLITE_ROW;
}

/* The next free copy number of doc_no: "01", "02", ... */
static kb_status next_copy_no(kb_store *s, const char *doc_no, char out[16], kb_err *err)
{
    sqlite3_stmt *st = kb_store_cached(s, sql_copy_n, err);
    if (!st)
        return KB_EDB;
    kb_store_bind_text(st, 1, doc_no);
    int r = sqlite3_step(st);
    long long n = r == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    kb_status rc = kb_store_step_err(s, r, err, "copy count");
    kb_store_done(st);
    for (long long k = n + 1; rc == KB_OK; k++) {
        snprintf(out, 16, "%02lld", k % 1000000);
        int busy = copy_out(s, doc_no, out, err);
        if (busy < 0)
            rc = KB_EDB;
        else if (!busy)
            break;
    }
    return rc;
}

kb_status kb_doccheck_copy_issue(kb_store *s, const kb_doccheck_copy_new *c, const char *actor,
                                 long long at, long long *out_id, kb_err *err)
{
    *out_id = 0;
    kb_status rc = name_ok("doc_no", c->doc_no, 1, err);
    if (rc == KB_OK)
        rc = name_ok("copy_no", c->copy_no, 0, err);
    if (rc == KB_OK)
        rc = name_ok("holder", c->holder, 1, err);
    if (rc == KB_OK)
        rc = name_ok("location", c->location, 0, err);
    if (rc != KB_OK)
        return rc;
    int own = 0;
    rc = kb_store_write_begin(s, &own, err);
    if (rc != KB_OK)
        return rc;
    int has = exists(s, sql_is_document, c->doc_no, err);
    if (has < 0)
        rc = KB_EDB;
    else if (!has)
        rc = kb_err_set(err, KB_ENOTFOUND, "no document '%.64s' in the catalogue", c->doc_no);
    long long n = 0;
    char *label = NULL;
    if (rc == KB_OK)
        rc = current_of(s, c->doc_no, &n, &label, err);
    if (rc == KB_OK && !n)
        rc = kb_err_set(err, KB_EEXIST, "'%.64s' has no current version to issue", c->doc_no);
    char auto_no[16] = "";
    const char *copy_no = c->copy_no && *c->copy_no ? c->copy_no : NULL;
    if (rc == KB_OK && !copy_no) {
        rc = next_copy_no(s, c->doc_no, auto_no, err);
        copy_no = auto_no;
    } else if (rc == KB_OK) {
        int busy = copy_out(s, c->doc_no, copy_no, err);
        if (busy < 0)
            rc = KB_EDB;
        else if (busy)
            rc = kb_err_set(err, KB_EEXIST, "copy '%.64s' of '%.64s' is out: record its "
                            "recall first", copy_no, c->doc_no);
    }
    sqlite3_stmt *st = rc == KB_OK ? kb_store_cached(s, sql_copy_add, err) : NULL;
    if (rc == KB_OK && !st)
        rc = KB_EDB;
    long long id = 0;
    if (rc == KB_OK) {
        kb_store_bind_text(st, 1, c->doc_no);
        kb_store_bind_text(st, 2, copy_no);
        kb_store_bind_text(st, 3, c->holder);
        kb_store_bind_text_or_empty(st, 4, c->location);
        sqlite3_bind_int64(st, 5, n);
        kb_store_bind_text_or_empty(st, 6, label);
        kb_store_bind_text(st, 7, who(actor));
        sqlite3_bind_int64(st, 8, at);
        rc = kb_store_step_done(s, st, "copy insert", err);
        id = sqlite3_last_insert_rowid(kb_store_db(s));
    }
    if (rc == KB_OK) {
        char object[40];
        snprintf(object, sizeof object, "doccopy:%lld", id);
        kb_buf sum;
        kb_buf_init(&sum, KB_AUDIT_MAX_SUMMARY);
        kb_buf_addf(&sum, "%s copy %s, version %lld%s%s%s, to %s", c->doc_no, copy_no, n,
                    label && *label ? " (" : "", label ? label : "",
                    label && *label ? ")" : "", c->holder);
        if (c->location && *c->location)
            kb_buf_addf(&sum, " at %s", c->location);
        rc = kb_audit_append(s, at, who(actor), "doccopy.issue", object, kb_buf_str(&sum), err);
        kb_buf_free(&sum);
    }
    free(label);
    rc = kb_store_write_end(s, own, rc, err);
    if (rc == KB_OK)
        *out_id = id;
    return rc;
}

kb_status kb_doccheck_copy_recall(kb_store *s, long long id, const char *note,
                                  const char *actor, long long at, kb_err *err)
{
    kb_status rc = note_ok("note", note, err);
    if (rc != KB_OK)
        return rc;
    int own = 0;
    rc = kb_store_write_begin(s, &own, err);
    if (rc != KB_OK)
        return rc;
    sqlite3_stmt *st = kb_store_cached(s, sql_copy_state, err);
    if (!st)
        rc = KB_EDB;
    char *doc_no = NULL, *copy_no = NULL;
    if (rc == KB_OK) {
        sqlite3_bind_int64(st, 1, id);
        int r = sqlite3_step(st);
        if (r == SQLITE_ROW) {
            doc_no = kb_store_text(st, 0);
            copy_no = kb_store_text(st, 1);
            if (sqlite3_column_int64(st, 2))
                rc = kb_err_set(err, KB_EEXIST, "copy %s of '%s' was recalled already",
                                copy_no, doc_no);
        } else if (r == SQLITE_DONE) {
            rc = kb_err_set(err, KB_ENOTFOUND, "no copy %lld", id);
        } else {
            rc = kb_store_db_err(s, err, "copy lookup");
        }
        kb_store_done(st);
    }
    st = rc == KB_OK ? kb_store_cached(s, sql_copy_recall, err) : NULL;
    if (rc == KB_OK && !st)
        rc = KB_EDB;
    if (rc == KB_OK) {
        sqlite3_bind_int64(st, 1, id);
        kb_store_bind_text(st, 2, who(actor));
        sqlite3_bind_int64(st, 3, at);
        kb_store_bind_text_or_empty(st, 4, note);
        rc = kb_store_step_done(s, st, "copy recall", err);
    }
    if (rc == KB_OK) {
        char object[40];
        snprintf(object, sizeof object, "doccopy:%lld", id);
        kb_buf sum;
        kb_buf_init(&sum, KB_AUDIT_MAX_SUMMARY);
        kb_buf_addf(&sum, "%s copy %s recalled%s%s", doc_no, copy_no,
                    note && *note ? ": " : "", note ? note : "");
        rc = kb_audit_append(s, at, who(actor), "doccopy.recall", object, kb_buf_str(&sum),
                             err);
        kb_buf_free(&sum);
    }
    free(doc_no);
    free(copy_no);
    return kb_store_write_end(s, own, rc, err);
}
