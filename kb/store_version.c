/* Versions of knowledge items, the publishing workflow and the document catalogue (all
 * SQL): schema (version 8). See include/kb_version.h. */
#include "kb_version.h"

#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kb_alloc.h"
#include "kb_audit.h"
#include "kb_buf.h"
#include "kb_date.h"
#include "kb_docclass.h"
#include "kb_ingest.h"
#include "store_int.h"

/* item_version: every saved version. The catalogue columns repeat front-matter values so
 * that the catalogue is listed without parsing sources. Existing items (from files) enter
 * as version 1. source '' means "the same as the item's row in doc": a file's current
 * version is not stored twice (it is a quarter of the database); kb_version_freeze copies
 * it here before that row changes. */
static const char schema_v8[] =
    "CREATE TABLE IF NOT EXISTS item_version("
    " vid INTEGER PRIMARY KEY,"
    " id TEXT NOT NULL, n INTEGER NOT NULL, type TEXT NOT NULL, title TEXT NOT NULL,"
    " label TEXT NOT NULL, state TEXT NOT NULL, origin TEXT NOT NULL, hash TEXT NOT NULL,"
    " saved_by TEXT NOT NULL, saved_at INTEGER NOT NULL, comment TEXT NOT NULL DEFAULT '',"
    " submitted_by TEXT NOT NULL DEFAULT '', submitted_at INTEGER NOT NULL DEFAULT 0,"
    " decided_by TEXT NOT NULL DEFAULT '', decided_at INTEGER NOT NULL DEFAULT 0,"
    " decision TEXT NOT NULL DEFAULT '', request TEXT NOT NULL DEFAULT '',"
    " effective_from TEXT NOT NULL DEFAULT '', effective_to TEXT NOT NULL DEFAULT '',"
    " doc_type TEXT NOT NULL DEFAULT '', publish_date TEXT NOT NULL DEFAULT '',"
    " description TEXT NOT NULL DEFAULT '', storage_location TEXT NOT NULL DEFAULT '',"
    " retention_period TEXT NOT NULL DEFAULT '', owner TEXT NOT NULL DEFAULT '',"
    " next_review TEXT NOT NULL DEFAULT '', source TEXT NOT NULL,"
    " UNIQUE(id, n));"
    "CREATE INDEX IF NOT EXISTS item_version_state ON item_version(state, type);"
    "CREATE TABLE IF NOT EXISTS setting(key TEXT PRIMARY KEY, value TEXT NOT NULL) "
    " WITHOUT ROWID;"
    "INSERT INTO item_version(id, n, type, title, label, state, origin, hash, saved_by,"
    " saved_at, effective_from, doc_type, publish_date, description, storage_location,"
    " retention_period, owner, next_review, source)"
    " SELECT d.id, 1, d.type, d.title, d.version,"
    "  CASE WHEN d.status IN ('published', 'retired', 'superseded', 'scrapped') THEN d.status"
    "   ELSE 'draft' END,"
    "  CASE d.path WHEN '' THEN 'api' ELSE 'file ' || d.path END, d.hash, 'kedb', "
    "  CAST(strftime('%s', 'now') AS INTEGER),"
    "  CASE WHEN d.status IN ('published', 'retired') THEN"
    "   coalesce(nullif((SELECT value FROM doc_field WHERE doc = d.rowid AND"
    "    key = 'publish_date'), ''), nullif(d.updated, ''), date('now')) ELSE '' END,"
    "  coalesce((SELECT value FROM doc_field WHERE doc = d.rowid AND key = 'doc_type'), ''),"
    "  coalesce((SELECT value FROM doc_field WHERE doc = d.rowid AND key = 'publish_date'),"
    "   ''),"
    "  coalesce((SELECT value FROM doc_field WHERE doc = d.rowid AND key = 'description'),"
    "   ''),"
    "  coalesce((SELECT value FROM doc_field WHERE doc = d.rowid AND"
    "   key = 'storage_location'), ''),"
    "  coalesce((SELECT value FROM doc_field WHERE doc = d.rowid AND"
    "   key = 'retention_period'), ''),"
    "  coalesce((SELECT value FROM doc_field WHERE doc = d.rowid AND key = 'owner'), ''),"
    "  coalesce((SELECT value FROM doc_field WHERE doc = d.rowid AND"
    "   key IN ('next_review', 'review_by', 'valid_to') ORDER BY ord LIMIT 1), ''),"
    "  ''"
    " FROM doc d WHERE d.type <> 'ticket' ORDER BY d.rowid;";

kb_status kb_version_migrate(kb_store *s, kb_err *err)
{
    return kb_store_exec(s, schema_v8, err);
}

#define COLS                                                                                   \
    "id, n, type, title, label, state, origin, hash, saved_by, saved_at, comment, "            \
    "submitted_by, submitted_at, decided_by, decided_at, decision, request, effective_from, "  \
    "effective_to, doc_type, publish_date, description, storage_location, retention_period, "  \
    "owner, next_review"

/* a version's source, also when it is kept only in doc */
#define SOURCE                                                                                 \
    "CASE WHEN source <> '' THEN source ELSE "                                                 \
    "coalesce((SELECT d.source FROM doc d WHERE d.id = item_version.id), '') END"

static const char sql_latest[] =
    "SELECT " COLS ", " SOURCE " FROM item_version WHERE id = ?1 ORDER BY n DESC LIMIT 1";
static const char sql_one[] =
    "SELECT " COLS ", " SOURCE " FROM item_version WHERE id = ?1 AND n = ?2";
static const char sql_of[] = "SELECT " COLS " FROM item_version WHERE id = ?1 ORDER BY n";
static const char sql_state_of[] =
    "SELECT " COLS ", " SOURCE " FROM item_version WHERE id = ?1 AND state = ?2 "
    "ORDER BY n DESC LIMIT 1";
static const char sql_current[] =
    "SELECT " COLS ", " SOURCE " FROM item_version WHERE id = ?1 "
    "AND state IN ('published', 'retired') ORDER BY n DESC LIMIT 1";
/* light lookups for kedb-index, which asks them for every changed file */
static const char sql_origin[] =
    "SELECT origin FROM item_version WHERE id = ?1 ORDER BY n DESC LIMIT 1";
static const char sql_current_from[] =
    "SELECT effective_from FROM item_version WHERE id = ?1 "
    "AND state IN ('published', 'retired') ORDER BY n DESC LIMIT 1";
static const char sql_reviews[] =
    "SELECT " COLS " FROM item_version WHERE state = 'in_review' "
    "ORDER BY submitted_at, id LIMIT 1000";
static const char sql_due[] =
    "SELECT " COLS " FROM item_version WHERE state = 'published' AND next_review <> '' "
    "AND next_review < ?1 AND (?2 IS NULL OR owner = ?2) ORDER BY next_review, id LIMIT 1000";
static const char sql_drafts[] =
    "SELECT " COLS " FROM item_version v WHERE state IN ('draft', 'rejected') "
    "AND n = (SELECT max(n) FROM item_version WHERE id = v.id) "
    "AND (?1 IS NULL OR saved_by = ?1) ORDER BY saved_at DESC, id LIMIT 1000";
/* the number is read first: RETURNING (or a subquery) would make the INSERT open a
 * statement savepoint, and FTS5 flushes its pending data at every savepoint */
static const char sql_next_n[] =
    "SELECT coalesce(max(n), 0) + 1 FROM item_version WHERE id = ?1";
static const char sql_insert[] =
    "INSERT INTO item_version(id, n, type, title, label, state, origin, hash, saved_by,"
    " saved_at, comment, request, effective_from, doc_type, publish_date, description,"
    " storage_location, retention_period, owner, next_review, source)"
    " VALUES (?1, ?21, ?2, ?3,"
    " ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20)";
/* The item's current version ends: published/retired become superseded (or ?2) on ?3;
 * pending ones are withdrawn. */
static const char sql_end_current[] =
    "UPDATE item_version SET state = ?2, effective_to = ?3 "
    "WHERE id = ?1 AND state IN ('published', 'retired')";
static const char sql_withdraw[] =
    "UPDATE item_version SET state = 'withdrawn' "
    "WHERE id = ?1 AND state IN ('draft', 'in_review', 'requested')";
static const char sql_destroy[] =
    "UPDATE item_version SET state = 'destroyed',"
    " effective_to = CASE WHEN effective_to = '' THEN ?2 ELSE effective_to END "
    "WHERE id = ?1 AND n = (SELECT max(n) FROM item_version WHERE id = ?1"
    " AND effective_from <> '')";
static const char sql_submit[] =
    "UPDATE item_version SET state = 'in_review', submitted_by = ?3, submitted_at = ?4 "
    "WHERE id = ?1 AND n = ?2";
static const char sql_decide[] =
    "UPDATE item_version SET state = ?3, decided_by = ?4, decided_at = ?5, decision = ?6,"
    " effective_from = ?7, source = ?8, hash = ?9, publish_date = ?10 "
    "WHERE id = ?1 AND n = ?2";
static const char sql_doc_exists[] = "SELECT 1 FROM doc WHERE id = ?1";
/* Write statements that may touch several rows open a statement savepoint, which makes
 * FTS5 flush its pending index data: once per indexed file that costs kedb-index a third
 * of its speed. So kedb-index's version updates run only when a row needs them. */
static const char sql_has_shared[] =
    "SELECT 1 FROM item_version WHERE id = ?1 AND source = '' LIMIT 1";
static const char sql_has_open[] =
    "SELECT 1 FROM item_version WHERE id = ?1 "
    "AND state IN ('published', 'retired', 'draft', 'in_review', 'requested') LIMIT 1";
static const char sql_freeze[] =
    "UPDATE item_version SET source = coalesce((SELECT d.source FROM doc d WHERE d.id = ?1), '') "
    "WHERE id = ?1 AND source = ''";
static const char sql_ids_like[] =
    "SELECT id FROM item_version WHERE id GLOB ?1 UNION SELECT id FROM doc WHERE id GLOB ?1";
static const char sql_rule_get[] = "SELECT value FROM setting WHERE key = 'doc_number_rule'";
static const char sql_rule_set[] =
    "INSERT OR REPLACE INTO setting(key, value) VALUES ('doc_number_rule', ?1)";
/* kb_version_is_wip in SQL: keep the two together */
#define WIP_SQL                                                                                \
    "(state IN ('draft', 'in_review', 'requested', 'rejected', 'withdrawn') OR "               \
    "(state = 'removed' AND effective_from = ''))"
static const char *const wip_states[] = { "draft", "in_review", "requested", "rejected",
                                          "withdrawn" };
const char *const kb_version_wip_statuses[] = { "draft", "in_review", NULL };

static const char sql_catalogue[] =
    "SELECT " COLS " FROM item_version WHERE type = 'document'"
    " AND (?1 IS NULL OR instr(lower(id), lower(?1)) OR instr(lower(title), lower(?1))"
    "      OR instr(lower(description), lower(?1))"
    "      OR (?7 IS NOT NULL AND id IN (SELECT value FROM json_each(?7))))"
    " AND (?2 IS NULL OR doc_type = ?2)"
    " AND (?10 IS NULL OR lower(doc_type) = ?10"
    "      OR lower(doc_type) IN (SELECT lower(name) FROM doc_subtype WHERE class = ?10)"
    "      OR doc_type = ?11)"
    " AND (CASE WHEN ?4 IS NOT NULL THEN effective_from <> '' AND effective_from <= ?4"
    "        AND (effective_to = '' OR effective_to > ?4)"
    "       WHEN ?3 IS NOT NULL THEN state = ?3"
    "       WHEN ?5 THEN 1"
    "       ELSE state = 'published' END)"
    " AND (?8 = 0 OR NOT " WIP_SQL " OR saved_by = ?9)"
    " ORDER BY id, n LIMIT ?6";

/* ---------------------------------------------------------------- values */

static void read_row(sqlite3_stmt *st, kb_version *v, int with_source)
{
    int i = 0;
    v->id = kb_store_text(st, i++);
    v->n = sqlite3_column_int64(st, i++);
    v->type = kb_store_text(st, i++);
    v->title = kb_store_text(st, i++);
    v->label = kb_store_text(st, i++);
    v->state = kb_store_text(st, i++);
    v->origin = kb_store_text(st, i++);
    v->hash = kb_store_text(st, i++);
    v->saved_by = kb_store_text(st, i++);
    v->saved_at = sqlite3_column_int64(st, i++);
    v->comment = kb_store_text(st, i++);
    v->submitted_by = kb_store_text(st, i++);
    v->submitted_at = sqlite3_column_int64(st, i++);
    v->decided_by = kb_store_text(st, i++);
    v->decided_at = sqlite3_column_int64(st, i++);
    v->decision = kb_store_text(st, i++);
    v->request = kb_store_text(st, i++);
    v->effective_from = kb_store_text(st, i++);
    v->effective_to = kb_store_text(st, i++);
    v->doc_type = kb_store_text(st, i++);
    v->publish_date = kb_store_text(st, i++);
    v->description = kb_store_text(st, i++);
    v->storage_location = kb_store_text(st, i++);
    v->retention_period = kb_store_text(st, i++);
    v->owner = kb_store_text(st, i++);
    v->next_review = kb_store_text(st, i++);
    v->source = with_source ? kb_store_text(st, i) : kb_xstrdup("");
}

static void clear(kb_version *v)
{
    char **strs[] = { &v->id, &v->type, &v->title, &v->label, &v->state, &v->origin,
                      &v->hash, &v->saved_by, &v->comment, &v->submitted_by, &v->decided_by,
                      &v->decision, &v->request, &v->effective_from, &v->effective_to,
                      &v->doc_type, &v->publish_date, &v->description, &v->storage_location,
                      &v->retention_period, &v->owner, &v->next_review, &v->source };
    for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++)
        free(*strs[i]);
    memset(v, 0, sizeof *v);
}

void kb_version_free(kb_version *v)
{
    if (!v)
        return;
    clear(v);
    free(v);
}

int kb_version_is_wip(const kb_version *v)
{
    for (size_t i = 0; i < sizeof wip_states / sizeof wip_states[0]; i++)
        if (strcmp(v->state, wip_states[i]) == 0)
            return 1;
    return strcmp(v->state, "removed") == 0 && v->effective_from[0] == '\0';
}

int kb_version_status_wip(const char *status)
{
    for (size_t i = 0; kb_version_wip_statuses[i]; i++)
        if (strcmp(status, kb_version_wip_statuses[i]) == 0)
            return 1;
    return 0;
}

void kb_version_list_free(kb_version_list *l)
{
    if (!l)
        return;
    for (size_t i = 0; i < l->n; i++)
        clear(&l->v[i]);
    free(l->v);
    l->v = NULL;
    l->n = 0;
}

/* Steps st (bound by the caller) into a list. */
static kb_status read_list(kb_store *s, sqlite3_stmt *st, kb_version_list *out, kb_err *err)
{
    size_t cap = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (out->n == cap) {
            cap = cap ? 2 * cap : 16;
            out->v = kb_xrealloc(out->v, cap * sizeof *out->v);
        }
        read_row(st, &out->v[out->n++], 0);
    }
    kb_store_done(st);
    if (rc != SQLITE_DONE) {
        kb_version_list_free(out);
        return kb_store_db_err(s, err, "versions");
    }
    return KB_OK;
}

/* One row of sql bound to (id[, n or state]) into *out; KB_ENOTFOUND when none. */
static kb_status read_one(kb_store *s, const char *sql, const char *id, long long n,
                          const char *text2, kb_version **out, kb_err *err)
{
    *out = NULL;
    sqlite3_stmt *st = kb_store_cached(s, sql, err);
    if (!st)
        return KB_EDB;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    if (text2)
        sqlite3_bind_text(st, 2, text2, -1, SQLITE_STATIC);
    else if (n > 0)
        sqlite3_bind_int64(st, 2, n);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *out = kb_xcalloc(1, sizeof **out);
        read_row(st, *out, 1);
    }
    kb_store_done(st);
    if (rc == SQLITE_ROW)
        return KB_OK;
    if (rc == SQLITE_DONE)
        return kb_err_set(err, KB_ENOTFOUND, "no version of '%s'", id);
    return kb_store_db_err(s, err, "versions");
}

/* The text of the first row of sql bound to id; KB_ENOTFOUND when none. */
static kb_status one_text(kb_store *s, const char *sql, const char *id, char **out,
                          kb_err *err)
{
    *out = NULL;
    sqlite3_stmt *st = kb_store_cached(s, sql, err);
    if (!st)
        return KB_EDB;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *out = kb_store_text(st, 0);
    kb_store_done(st);
    if (rc == SQLITE_ROW)
        return KB_OK;
    if (rc == SQLITE_DONE)
        return kb_err_set(err, KB_ENOTFOUND, "no version of '%s'", id);
    return kb_store_db_err(s, err, "versions");
}

/* Does sql bound to id find a row? -1 on database errors. */
static int any_row(kb_store *s, const char *sql, const char *id, kb_err *err)
{
    sqlite3_stmt *st = kb_store_cached(s, sql, err);
    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    kb_store_done(st);
    if (rc == SQLITE_ROW)
        return 1;
    if (rc == SQLITE_DONE)
        return 0;
    kb_store_db_err(s, err, "versions");
    return -1;
}

static const char *field(const kb_doc *d, const char *key)
{
    const kb_field *f = kb_doc_field(d, key);
    return f && !f->is_list && f->nvals ? f->vals[0] : "";
}

static const char *next_review_of(const kb_doc *d)
{
    static const char *const keys[] = { "next_review", "review_by", "valid_to" };
    for (size_t i = 0; i < 3; i++)
        if (*field(d, keys[i]))
            return field(d, keys[i]);
    return "";
}

/* Inserts a version of d; *n_out gets its number. */
static kb_status insert(kb_store *s, const kb_doc *d, const char *state, const char *origin,
                        long long at, const char *actor, const char *comment,
                        const char *request, const char *from, int in_doc, long long *n_out,
                        kb_err *err)
{
    sqlite3_stmt *st = kb_store_cached(s, sql_next_n, err);
    if (!st)
        return KB_EDB;
    sqlite3_bind_text(st, 1, d->id, -1, SQLITE_STATIC);
    long long n = 1;
    int src = sqlite3_step(st);
    if (src == SQLITE_ROW)
        n = sqlite3_column_int64(st, 0);
    kb_store_done(st);
    if (src != SQLITE_ROW)
        return kb_store_db_err(s, err, "save version");
    st = kb_store_cached(s, sql_insert, err);
    if (!st)
        return KB_EDB;
    sqlite3_bind_int64(st, 21, n);
    const char *vals[] = { d->id, d->type, d->title, d->version, state, origin, d->hash,
                           actor && *actor ? actor : "anonymous" };
    for (int i = 0; i < 8; i++)
        sqlite3_bind_text(st, i + 1, vals[i], -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 9, at);
    sqlite3_bind_text(st, 10, comment ? comment : "", -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 11, request ? request : "", -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 12, from, -1, SQLITE_STATIC);
    const char *cat[] = { field(d, "doc_type"), field(d, "publish_date"),
                          field(d, "description"), field(d, "storage_location"),
                          field(d, "retention_period"), field(d, "owner"), next_review_of(d),
                          in_doc ? "" : d->source };
    for (int i = 0; i < 8; i++)
        sqlite3_bind_text(st, 13 + i, cat[i], -1, SQLITE_STATIC);
    kb_status rc = KB_OK;
    if (sqlite3_step(st) == SQLITE_DONE)
        *n_out = n;
    else
        rc = kb_store_db_err(s, err, "save version");
    kb_store_done(st);
    return rc;
}

/* Runs an UPDATE bound to (id, text2 or n, text3, ...). */
static kb_status update(kb_store *s, const char *sql, const char *id, long long n,
                        const char *const *texts, size_t ntexts, kb_err *err)
{
    sqlite3_stmt *st = kb_store_cached(s, sql, err);
    if (!st)
        return KB_EDB;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    int next = 2;
    if (n > 0)
        sqlite3_bind_int64(st, next++, n);
    for (size_t i = 0; i < ntexts; i++)
        sqlite3_bind_text(st, next++, texts[i], -1, SQLITE_STATIC);
    kb_status rc = sqlite3_step(st) == SQLITE_DONE ? KB_OK : kb_store_db_err(s, err, "version");
    kb_store_done(st);
    return rc;
}

static kb_status end_current(kb_store *s, const char *id, const char *state, const char *day,
                             kb_err *err)
{
    const char *t[] = { state, day };
    return update(s, sql_end_current, id, 0, t, 2, err);
}

static const char *file_state(const char *status)
{
    static const char *const kept[] = { "published", "retired", "superseded", "scrapped" };
    for (size_t i = 0; i < 4; i++)
        if (strcmp(status, kept[i]) == 0)
            return kept[i];
    return "draft";
}

kb_status kb_version_record(kb_store *s, const kb_doc *d, const char *origin, const char *state,
                            long long at, const char *actor, kb_err *err)
{
    if (strcmp(d->type, KB_TYPE_TICKET) == 0)
        return KB_OK;
    if (!state)
        state = file_state(d->status);
    char today[KB_DATE_LEN], from[KB_DATE_LEN] = "";
    kb_date_of(at, today);
    int current = strcmp(state, "published") == 0 || strcmp(state, "retired") == 0;
    if (current) {
        /* a file may say when it was published; never in the future, never before the
         * version it replaces */
        const char *pd = field(d, "publish_date");
        memcpy(from, kb_date_valid(pd) && strcmp(pd, today) <= 0 ? pd : today, KB_DATE_LEN);
        char *prev = NULL;
        if (one_text(s, sql_current_from, d->id, &prev, NULL) == KB_OK &&
            kb_date_valid(prev) && strcmp(prev, from) > 0)
            memcpy(from, prev, KB_DATE_LEN);
        free(prev);
    }
    int open = any_row(s, sql_has_open, d->id, err);
    if (open < 0)
        return KB_EDB;
    kb_status rc = open ? end_current(s, d->id, "superseded", current ? from : today, err)
                        : KB_OK;
    if (rc == KB_OK && open)
        rc = update(s, sql_withdraw, d->id, 0, NULL, 0, err);
    long long n;
    if (rc == KB_OK)
        rc = insert(s, d, state, origin, at, actor, NULL, NULL, from, 1, &n, err);
    if (rc == KB_OK && current)
        rc = kb_attach_restamp(s, d->id, err);
    return rc;
}

kb_status kb_version_freeze(kb_store *s, const char *id, kb_err *err)
{
    int any = any_row(s, sql_has_shared, id, err);
    if (any < 0)
        return KB_EDB;
    return any ? update(s, sql_freeze, id, 0, NULL, 0, err) : KB_OK;
}

kb_status kb_version_removed(kb_store *s, const char *id, long long at, kb_err *err)
{
    char today[KB_DATE_LEN];
    kb_date_of(at, today);
    kb_status rc = end_current(s, id, "removed", today, err);
    const char *t[] = { "removed" };
    if (rc == KB_OK)
        rc = update(s, "UPDATE item_version SET state = ?2 WHERE id = ?1 AND state IN "
                       "('draft', 'in_review', 'requested')",
                    id, 0, t, 1, err);
    return rc;
}

kb_status kb_version_origin(kb_store *s, const char *id, char **out, kb_err *err)
{
    return one_text(s, sql_origin, id, out, err);
}

kb_status kb_version_list_of(kb_store *s, const char *id, kb_version_list *out, kb_err *err)
{
    out->v = NULL;
    out->n = 0;
    sqlite3_stmt *st = kb_store_cached(s, sql_of, err);
    if (!st)
        return KB_EDB;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    kb_status rc = read_list(s, st, out, err);
    if (rc == KB_OK && out->n == 0)
        return kb_err_set(err, KB_ENOTFOUND, "no knowledge item with id '%s'", id);
    return rc;
}

kb_status kb_version_get(kb_store *s, const char *id, long long n, kb_version **out,
                         kb_err *err)
{
    kb_status rc = read_one(s, n > 0 ? sql_one : sql_latest, id, n, NULL, out, err);
    if (rc == KB_ENOTFOUND && n > 0)
        return kb_err_set(err, KB_ENOTFOUND, "'%s' has no version %lld", id, n);
    if (rc == KB_ENOTFOUND)
        return kb_err_set(err, KB_ENOTFOUND, "no knowledge item with id '%s'", id);
    return rc;
}

/* ---------------------------------------------------------------- numbering rule */

kb_status kb_version_rule(kb_store *s, char **out, kb_err *err)
{
    sqlite3_stmt *st = kb_store_cached(s, sql_rule_get, err);
    if (!st)
        return KB_EDB;
    int rc = sqlite3_step(st);
    *out = kb_xstrdup(rc == SQLITE_ROW ? (const char *)sqlite3_column_text(st, 0)
                                       : KB_DOC_RULE_DEFAULT);
    kb_store_done(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
        free(*out);
        *out = NULL;
        return kb_store_db_err(s, err, "numbering rule");
    }
    return KB_OK;
}

#define RULE_MAX_BYTES 200u     /* a numbering rule's length */
#define RULE_MAX_REPEATS 16u     /* quantifiers (* + ? {}) in one rule */
#define RULE_MAX_BOUND 64L       /* the largest m or n of {m,n} */
#define RULE_MAX_PRODUCT 4096L   /* the product of all {m,n} bounds (nested ones multiply) */

/* glibc's regcomp expands quantifiers into automaton states: stacked quantifiers ("d++++")
 * and large bounds cost memory exponential in the rule's length (262 bytes took more than
 * 2 GiB). Real numbering rules need a few quantifiers with small bounds, so the rule's shape
 * is bounded before it is compiled. */
static kb_status rule_bounded(const char *rule, kb_err *err)
{
    size_t len = strlen(rule);
    if (len > RULE_MAX_BYTES)
        return kb_err_set(err, KB_EINVAL, "the numbering rule is longer than %u bytes",
                          RULE_MAX_BYTES);
    unsigned repeats = 0;
    long product = 1;
    int after_repeat = 0;
    for (size_t i = 0; i < len; i++) {
        char c = rule[i];
        if (c == '\\') {
            i++;
            after_repeat = 0;
            continue;
        }
        if (c == '[') {
            /* a bracket expression: ']' right after '[' or '[^' is a member */
            size_t j = i + 1;
            if (j < len && rule[j] == '^')
                j++;
            if (j < len && rule[j] == ']')
                j++;
            while (j < len && rule[j] != ']')
                j++;
            i = j;
            after_repeat = 0;
            continue;
        }
        if (c == '*' || c == '+' || c == '?' || c == '{') {
            if (after_repeat)
                return kb_err_set(err, KB_EINVAL, "the numbering rule repeats a repetition "
                                  "('%c' after another quantifier)", c);
            if (++repeats > RULE_MAX_REPEATS)
                return kb_err_set(err, KB_EINVAL, "the numbering rule has more than %u "
                                  "quantifiers (* + ? {})", RULE_MAX_REPEATS);
            if (c == '{') {
                size_t j = i + 1;
                long most = 1;
                while (j < len && rule[j] != '}') {
                    if (rule[j] >= '0' && rule[j] <= '9') {
                        long v = 0;
                        while (j < len && rule[j] >= '0' && rule[j] <= '9' && v <= RULE_MAX_BOUND)
                            v = v * 10 + (rule[j++] - '0');
                        if (v > RULE_MAX_BOUND)
                            return kb_err_set(err, KB_EINVAL, "the numbering rule repeats "
                                              "more than %ld times in '{}'", RULE_MAX_BOUND);
                        if (v > most)
                            most = v;
                    } else {
                        j++;
                    }
                }
                product *= most;
                if (product > RULE_MAX_PRODUCT)
                    return kb_err_set(err, KB_EINVAL, "the numbering rule's '{}' bounds "
                                      "multiply past %ld", RULE_MAX_PRODUCT);
                i = j;
            }
            after_repeat = 1;
            continue;
        }
        after_repeat = 0;
    }
    return KB_OK;
}

static kb_status compile(const char *rule, regex_t *re, kb_err *err)
{
    kb_status bounded = rule_bounded(rule, err);
    if (bounded != KB_OK)
        return bounded;
    int rc = regcomp(re, rule, REG_EXTENDED | REG_NOSUB);
    if (rc != 0) {
        char why[128];
        regerror(rc, re, why, sizeof why);
        return kb_err_set(err, KB_EINVAL, "numbering rule '%.100s' is not a valid regular "
                          "expression: %s", rule, why);
    }
    return KB_OK;
}

kb_status kb_version_set_rule(kb_store *s, const char *rule, const char *actor, long long at,
                              kb_err *err)
{
    regex_t re;
    kb_status rc = compile(rule, &re, err);
    if (rc != KB_OK)
        return rc;
    regfree(&re);
    int own;
    rc = kb_store_write_begin(s, &own, err);
    if (rc != KB_OK)
        return rc;
    sqlite3_stmt *st = kb_store_cached(s, sql_rule_set, err);
    if (!st)
        rc = KB_EDB;
    if (rc == KB_OK) {
        sqlite3_bind_text(st, 1, rule, -1, SQLITE_STATIC);
        rc = sqlite3_step(st) == SQLITE_DONE ? KB_OK : kb_store_db_err(s, err, "numbering rule");
        kb_store_done(st);
    }
    if (rc == KB_OK) {
        kb_buf sum;
        kb_buf_init(&sum, 0);
        kb_buf_addf(&sum, "document numbering rule: %s", rule);
        rc = kb_audit_append(s, at, actor, "setting.update", "setting:doc_number_rule",
                             kb_buf_str(&sum), err);
        kb_buf_free(&sum);
    }
    return kb_store_write_end(s, own, rc, err);
}

kb_status kb_version_check_number(kb_store *s, const char *doc_no, kb_err *err)
{
    char *rule;
    kb_status rc = kb_version_rule(s, &rule, err);
    if (rc != KB_OK)
        return rc;
    regex_t re;
    rc = compile(rule, &re, err);
    if (rc == KB_OK) {
        if (regexec(&re, doc_no, 0, NULL, 0) != 0)
            rc = kb_err_set(err, KB_EINVAL, "document number '%.64s' does not follow the "
                            "numbering rule %.100s", doc_no, rule);
        regfree(&re);
    }
    free(rule);
    return rc;
}

/* ---------------------------------------------------------------- workflow */

kb_status kb_version_next_number(kb_store *s, const char *prefix, int digits, char **out,
                                 kb_err *err)
{
    *out = NULL;
    char glob[32];
    if (snprintf(glob, sizeof glob, "%s[0-9]*", prefix) >= (int)sizeof glob)
        return kb_err_set(err, KB_EINVAL, "numbering prefix '%.20s' is too long", prefix);
    sqlite3_stmt *st = kb_store_cached(s, sql_ids_like, err);
    if (!st)
        return KB_EDB;
    sqlite3_bind_text(st, 1, glob, -1, SQLITE_TRANSIENT);
    long long max = 0;
    size_t plen = strlen(prefix);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *id = (const char *)sqlite3_column_text(st, 0) + plen;
        char *end;
        long long v = strtoll(id, &end, 10);
        if (*end == '\0' && v > max && v < 100000000)
            max = v;
    }
    kb_store_done(st);
    if (rc != SQLITE_DONE)
        return kb_store_db_err(s, err, "next id");
    kb_buf b;
    kb_buf_init(&b, 0);
    kb_buf_addf(&b, "%s%0*lld", prefix, digits, max + 1);
    *out = kb_buf_detach(&b, NULL);
    return KB_OK;
}

static int doc_exists(kb_store *s, const char *id)
{
    sqlite3_stmt *st = kb_store_cached(s, sql_doc_exists, NULL);
    if (!st)
        return 0;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    int found = sqlite3_step(st) == SQLITE_ROW;
    kb_store_done(st);
    return found;
}

/* Parses source as an API item. When it has no id and may_name is set, the next free id
 * for its type is written into it. */
static kb_status parse_api(kb_store *s, const char *src, size_t len, int may_name,
                           kb_doc **out, size_t *line, kb_err *err)
{
    kb_err e;
    size_t l = 0;
    kb_status rc = kb_ingest_parse("api", src, len, out, &l, &e);
    if (rc == KB_EPARSE && may_name && strncmp(e.msg, "missing 'id'", 12) == 0) {
        kb_buf b;
        kb_buf_init(&b, 0);
        kb_doc *probe = NULL;
        char *id = NULL;
        if (kb_ingest_set_field(src, len, "id", "NEW", &b, NULL) == KB_OK &&
            kb_ingest_parse("api", kb_buf_str(&b), b.len, &probe, NULL, NULL) == KB_OK) {
            const char *prefix = strcmp(probe->type, KB_TYPE_KNOWN_ERROR) == 0 ? "KE-"
                                 : strcmp(probe->type, KB_TYPE_ARTICLE) == 0   ? "ART-"
                                                                               : NULL;
            if (!prefix) {
                rc = kb_err_set(&e, KB_EINVAL, "a %s needs an 'id' (its document number)",
                                probe->type);
            } else if ((rc = kb_version_next_number(s, prefix, 4, &id, &e)) == KB_OK) {
                kb_buf_reset(&b);
                kb_ingest_set_field(src, len, "id", id, &b, NULL);
                rc = kb_ingest_parse("api", kb_buf_str(&b), b.len, out, &l, &e);
            }
        }
        free(id);
        kb_doc_free(probe);
        kb_buf_free(&b);
    }
    if (rc != KB_OK) {
        if (line)
            *line = l;
        if (err)
            *err = e;
        return rc;
    }
    kb_doc_set(&(*out)->path, "", 0);
    return KB_OK;
}

static kb_status audit(kb_store *s, long long at, const char *actor, const char *action,
                       const char *id, long long n, const char *what, const char *extra,
                       kb_err *err)
{
    kb_buf obj, sum;
    kb_buf_init(&obj, 0);
    kb_buf_init(&sum, 0);
    kb_buf_addf(&obj, "kb:%s", id);
    kb_buf_addf(&sum, "version %lld %s", n, what);
    if (extra && *extra)
        kb_buf_addf(&sum, ": %s", extra);
    kb_status rc = kb_audit_append(s, at, actor, action, kb_buf_str(&obj), kb_buf_str(&sum),
                                   err);
    kb_buf_free(&obj);
    kb_buf_free(&sum);
    return rc;
}

static kb_status check_comment(const char *comment, kb_err *err)
{
    if (comment && strlen(comment) > KB_VERSION_MAX_COMMENT)
        return kb_err_set(err, KB_ETOOBIG, "the comment is longer than %u bytes",
                          KB_VERSION_MAX_COMMENT);
    return KB_OK;
}

kb_status kb_wf_save(kb_store *s, const char *source, size_t len, const char *expect_id,
                     const char *comment, const char *actor, long long at, char **out_id,
                     long long *out_n, size_t *line, kb_err *err)
{
    *out_id = NULL;
    if (line)
        *line = 0;
    kb_status rc = check_comment(comment, err);
    if (rc != KB_OK)
        return rc;
    kb_doc *d = NULL;
    kb_version *last = NULL;
    int own = 0;
    rc = kb_store_write_begin(s, &own, err);
    if (rc != KB_OK)
        return rc;
    rc = parse_api(s, source, len, expect_id == NULL, &d, line, err);
    if (rc != KB_OK)
        goto out;
    if (strcmp(d->type, KB_TYPE_TICKET) == 0) {
        rc = kb_err_set(err, KB_EINVAL, "tickets come from incidents and imports, not from "
                        "the knowledge editor");
        goto out;
    }
    if (expect_id && strcmp(d->id, expect_id) != 0) {
        rc = kb_err_set(err, KB_EINVAL, "the source names id '%s', not '%s'", d->id, expect_id);
        goto out;
    }
    if (strcmp(d->type, KB_TYPE_DOCUMENT) == 0 &&
        (rc = kb_version_check_number(s, d->id, err)) != KB_OK)
        goto out;
    rc = read_one(s, sql_latest, d->id, 0, NULL, &last, err);
    if (rc == KB_ENOTFOUND) {
        rc = KB_OK;
        kb_err_clear(err);
    }
    /* the class's numbering prefix applies to new documents: one in the catalogue keeps
     * the number it has when its class is given a prefix later */
    if (rc == KB_OK && strcmp(d->type, KB_TYPE_DOCUMENT) == 0)
        rc = kb_docclass_check(s, field(d, "doc_type"), last ? NULL : d->id, NULL, err);
    if (rc != KB_OK)
        goto out;
    if (!expect_id && (last || doc_exists(s, d->id))) {
        rc = kb_err_set(err, KB_EEXIST, "knowledge item '%s' exists: save it with PUT "
                        "/api/v1/kb/%s", d->id, d->id);
        goto out;
    }
    if (expect_id && !last) {
        rc = kb_err_set(err, KB_ENOTFOUND, "no knowledge item with id '%s'", d->id);
        goto out;
    }
    if (last && strncmp(last->origin, "file ", 5) == 0 && strcmp(last->state, "removed") != 0) {
        rc = kb_err_set(err, KB_EEXIST, "'%s' is kept in the file %.150s: change the file",
                        d->id, last->origin + 5);
        goto out;
    }
    if (last && last->type[0] && strcmp(last->type, d->type) != 0) {
        rc = kb_err_set(err, KB_EINVAL, "'%s' is a %s; its type cannot change to %s", d->id,
                        last->type, d->type);
        goto out;
    }
    if (last && (strcmp(last->state, "in_review") == 0 ||
                 strcmp(last->state, "requested") == 0)) {
        rc = kb_err_set(err, KB_EEXIST, "version %lld of '%s' is waiting for a decision",
                        last->n, d->id);
        goto out;
    }
    rc = update(s, sql_withdraw, d->id, 0, NULL, 0, err);
    if (rc == KB_OK)
        rc = insert(s, d, "draft", "api", at, actor, comment, NULL, "", 0, out_n, err);
    if (rc == KB_OK)
        rc = audit(s, at, actor, "kb.save", d->id, *out_n, "saved as draft", d->title, err);
    if (rc == KB_OK)
        *out_id = kb_xstrdup(d->id);
out:
    kb_version_free(last);
    kb_doc_free(d);
    rc = kb_store_write_end(s, own, rc, err);
    if (rc != KB_OK) {
        free(*out_id);
        *out_id = NULL;
    }
    return rc;
}

kb_status kb_wf_submit(kb_store *s, const char *id, const char *actor, long long at,
                       kb_err *err)
{
    int own;
    kb_status rc = kb_store_write_begin(s, &own, err);
    if (rc != KB_OK)
        return rc;
    kb_version *v = NULL;
    rc = kb_version_get(s, id, 0, &v, err);
    if (rc == KB_OK && strcmp(v->state, "draft") != 0)
        rc = kb_err_set(err, KB_EEXIST, "the latest version of '%s' (%lld) is %s, not a "
                        "draft", id, v->n, v->state);
    if (rc == KB_OK && strcmp(v->origin, "api") != 0)
        rc = kb_err_set(err, KB_EEXIST, "'%s' is kept in a file; it is reviewed where the file "
                        "is kept", id);
    char when[24];
    snprintf(when, sizeof when, "%lld", at);
    const char *t[] = { actor && *actor ? actor : "anonymous", when };
    if (rc == KB_OK)
        rc = update(s, sql_submit, id, v->n, t, 2, err);
    if (rc == KB_OK)
        rc = audit(s, at, actor, "kb.submit", id, v->n, "submitted for review", NULL, err);
    kb_version_free(v);
    return kb_store_write_end(s, own, rc, err);
}

/* Publishes version v (in review or requested) of an API item: writes the searchable
 * item with the workflow's status (and, for documents, today's publish date). */
static kb_status publish(kb_store *s, kb_version *v, const char *status, const char *day,
                         const char *pointer, kb_buf *src, kb_doc **out, kb_err *err)
{
    kb_buf tmp;
    kb_buf_init(&tmp, 0);
    kb_status rc = kb_ingest_set_field(v->source, strlen(v->source), "status", status, src,
                                       err);
    if (rc == KB_OK && strcmp(v->type, KB_TYPE_DOCUMENT) == 0 &&
        strcmp(status, "published") == 0) {
        rc = kb_ingest_set_field(kb_buf_str(src), src->len, "publish_date", day, &tmp, err);
        kb_buf_reset(src);
        kb_buf_add(src, kb_buf_str(&tmp), tmp.len);
    }
    if (rc == KB_OK && pointer) {
        kb_buf_reset(&tmp);
        rc = kb_ingest_set_field(kb_buf_str(src), src->len, "fixed_by", pointer, &tmp, err);
        kb_buf_reset(src);
        kb_buf_add(src, kb_buf_str(&tmp), tmp.len);
    }
    kb_buf_free(&tmp);
    if (rc == KB_OK)
        rc = parse_api(s, kb_buf_str(src), src->len, 0, out, NULL, err);
    if (rc == KB_OK)
        rc = kb_version_freeze(s, v->id, err);
    if (rc == KB_OK)
        rc = kb_store_doc_put(s, *out, err);
    return rc;
}

/* Makes the pending version v of its item the published one (approval of a review or of a
 * document change request). */
kb_status kb_version_publish(kb_store *s, kb_version *v, const char *actor,
                             const char *comment, long long at, kb_err *err)
{
    char today[KB_DATE_LEN];
    kb_date_of(at, today);
    kb_buf src;
    kb_buf_init(&src, 0);
    kb_doc *d = NULL;
    kb_status rc = publish(s, v, "published", today, NULL, &src, &d, err);
    if (rc == KB_OK)
        rc = end_current(s, v->id, "superseded", today, err);
    char when[24];
    snprintf(when, sizeof when, "%lld", at);
    const char *t[] = { "published", actor && *actor ? actor : "anonymous", when,
                        comment ? comment : "", today, kb_buf_str(&src),
                        d ? d->hash : "", d ? field(d, "publish_date") : "" };
    if (rc == KB_OK)
        rc = update(s, sql_decide, v->id, v->n, t, 8, err);
    /* the new current version's files into the full-text row, the superseded one's out */
    if (rc == KB_OK)
        rc = kb_attach_restamp(s, v->id, err);
    kb_doc_free(d);
    kb_buf_free(&src);
    return rc;
}

/* Records the rejection of the pending version v. */
kb_status kb_version_reject(kb_store *s, kb_version *v, const char *actor,
                            const char *comment, long long at, kb_err *err)
{
    char when[24];
    snprintf(when, sizeof when, "%lld", at);
    const char *t[] = { "rejected", actor && *actor ? actor : "anonymous", when, comment, "",
                        v->source, v->hash, v->publish_date };
    return update(s, sql_decide, v->id, v->n, t, 8, err);
}

kb_status kb_wf_decide(kb_store *s, const char *id, int approve, const char *comment,
                       const char *actor, long long at, kb_err *err)
{
    kb_status rc = check_comment(comment, err);
    if (rc != KB_OK)
        return rc;
    if (!approve && (!comment || !*comment))
        return kb_err_set(err, KB_EINVAL, "a rejection needs a 'comment' saying why");
    int own;
    rc = kb_store_write_begin(s, &own, err);
    if (rc != KB_OK)
        return rc;
    kb_version *v = NULL;
    rc = read_one(s, sql_state_of, id, 0, "in_review", &v, err);
    if (rc == KB_ENOTFOUND)
        rc = kb_err_set(err, KB_ENOTFOUND, "'%s' has no version waiting for review", id);
    const char *who = actor && *actor ? actor : "anonymous";
    if (rc == KB_OK && (strcmp(v->saved_by, who) == 0 || strcmp(v->submitted_by, who) == 0))
        rc = kb_err_set(err, KB_EDENIED, "'%s' wrote or submitted version %lld of '%s'; "
                        "another approver must decide", who, v->n, id);
    if (rc == KB_OK)
        rc = approve ? kb_version_publish(s, v, actor, comment, at, err)
                     : kb_version_reject(s, v, actor, comment, at, err);
    if (rc == KB_OK)
        rc = audit(s, at, actor, approve ? "kb.approve" : "kb.reject", id, v->n,
                   approve ? "published" : "rejected", comment, err);
    kb_version_free(v);
    return kb_store_write_end(s, own, rc, err);
}

kb_status kb_wf_retire(kb_store *s, const char *id, const char *pointer, const char *reason,
                       const char *actor, long long at, kb_err *err)
{
    if (!pointer || !*pointer || strlen(pointer) > 200)
        return kb_err_set(err, KB_EINVAL, "'fixed_by' must name the permanent fix (a change, "
                          "problem or item) in 1 to 200 bytes");
    kb_status rc = check_comment(reason, err);
    if (rc != KB_OK)
        return rc;
    int own;
    rc = kb_store_write_begin(s, &own, err);
    if (rc != KB_OK)
        return rc;
    kb_version *v = NULL;
    kb_doc *d = NULL;
    kb_buf src;
    kb_buf_init(&src, 0);
    rc = read_one(s, sql_current, id, 0, NULL, &v, err);
    if (rc == KB_ENOTFOUND)
        rc = kb_err_set(err, KB_ENOTFOUND, "'%s' has no published version", id);
    if (rc == KB_OK && strcmp(v->state, "published") != 0)
        rc = kb_err_set(err, KB_EEXIST, "'%s' is %s already", id, v->state);
    if (rc == KB_OK && strcmp(v->type, KB_TYPE_DOCUMENT) == 0)
        rc = kb_err_set(err, KB_EINVAL, "documents leave the catalogue through a scrap "
                        "request");
    if (rc == KB_OK && strcmp(v->origin, "api") != 0)
        rc = kb_err_set(err, KB_EEXIST, "'%s' is kept in a file: set 'status: retired' and "
                        "'fixed_by' there", id);
    char today[KB_DATE_LEN];
    kb_date_of(at, today);
    if (rc == KB_OK)
        rc = publish(s, v, "retired", today, pointer, &src, &d, err);
    if (rc == KB_OK)
        rc = end_current(s, id, "superseded", today, err);
    long long n = 0;
    if (rc == KB_OK)
        rc = insert(s, d, "retired", "api", at, actor, reason, NULL, today, 0, &n, err);
    if (rc == KB_OK) {
        kb_buf why;
        kb_buf_init(&why, 0);
        kb_buf_addf(&why, "fixed by %s", pointer);
        if (reason && *reason)
            kb_buf_addf(&why, "; %s", reason);
        rc = audit(s, at, actor, "kb.retire", id, n, "retired", kb_buf_str(&why), err);
        kb_buf_free(&why);
    }
    kb_buf_free(&src);
    kb_doc_free(d);
    kb_version_free(v);
    return kb_store_write_end(s, own, rc, err);
}

kb_status kb_version_propose(kb_store *s, const kb_doc *d, const char *req, const char *actor,
                             long long at, long long *n_out, kb_err *err)
{
    kb_status rc = update(s, sql_withdraw, d->id, 0, NULL, 0, err);
    if (rc == KB_OK)
        rc = insert(s, d, "requested", "api", at, actor, NULL, req, "", 0, n_out, err);
    return rc;
}

kb_status kb_version_end(kb_store *s, const char *id, const char *state, long long at,
                         kb_err *err)
{
    char today[KB_DATE_LEN];
    kb_date_of(at, today);
    kb_status rc = end_current(s, id, state, today, err);
    if (rc == KB_OK)
        rc = update(s, sql_withdraw, id, 0, NULL, 0, err);
    return rc;
}

kb_status kb_version_destroy(kb_store *s, const char *id, long long at, kb_err *err)
{
    char today[KB_DATE_LEN];
    kb_date_of(at, today);
    const char *t[] = { today };
    kb_status rc = update(s, sql_destroy, id, 0, t, 1, err);
    if (rc == KB_OK)
        rc = update(s, sql_withdraw, id, 0, NULL, 0, err);
    return rc;
}

kb_status kb_wf_preview(kb_store *s, const char *source, size_t len, kb_doc **out,
                        size_t *line, kb_err *err)
{
    return parse_api(s, source, len, 1, out, line, err);
}

kb_status kb_version_parse(kb_store *s, const char *src, size_t len, kb_doc **out,
                           size_t *line, kb_err *err)
{
    return parse_api(s, src, len, 0, out, line, err);
}

kb_status kb_wf_reviews(kb_store *s, kb_version_list *out, kb_err *err)
{
    out->v = NULL;
    out->n = 0;
    sqlite3_stmt *st = kb_store_cached(s, sql_reviews, err);
    return st ? read_list(s, st, out, err) : KB_EDB;
}

kb_status kb_wf_drafts(kb_store *s, const char *author, kb_version_list *out, kb_err *err)
{
    out->v = NULL;
    out->n = 0;
    sqlite3_stmt *st = kb_store_cached(s, sql_drafts, err);
    if (!st)
        return KB_EDB;
    kb_store_bind_opt(st, 1, author);
    return read_list(s, st, out, err);
}

kb_status kb_wf_due(kb_store *s, const char *today, const char *owner, kb_version_list *out,
                    kb_err *err)
{
    out->v = NULL;
    out->n = 0;
    sqlite3_stmt *st = kb_store_cached(s, sql_due, err);
    if (!st)
        return KB_EDB;
    sqlite3_bind_text(st, 1, today, -1, SQLITE_STATIC);
    kb_store_bind_opt(st, 2, owner);
    return read_list(s, st, out, err);
}

kb_status kb_catalogue_list(kb_store *s, const kb_catalogue_filter *f, kb_version_list *out,
                            kb_err *err)
{
    out->v = NULL;
    out->n = 0;
    sqlite3_stmt *st = kb_store_cached(s, sql_catalogue, err);
    if (!st)
        return KB_EDB;
    const char *t[] = { f->q, f->doc_type, f->status, f->as_of };
    for (int i = 0; i < 4; i++)
        kb_store_bind_opt(st, i + 1, t[i]);
    sqlite3_bind_int(st, 5, f->all_versions != 0);
    if (f->q && *f->q && f->ids)
        sqlite3_bind_text(st, 7, f->ids, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, 7);
    sqlite3_bind_int64(st, 6, f->limit ? (long long)f->limit : 1000);
    sqlite3_bind_int(st, 8, f->hide_wip != 0);
    sqlite3_bind_text(st, 9, f->author ? f->author : "", -1, SQLITE_STATIC);
    const kb_docclass_def *c = kb_docclass_def_of(f->doc_class);
    kb_store_bind_opt(st, 10, c ? c->code : f->doc_class);
    kb_store_bind_opt(st, 11, c ? c->name : NULL);
    return read_list(s, st, out, err);
}
