/* Document change, scrap and borrow requests (all SQL): schema (version 9). See
 * include/kb_docreq.h. */
#include "kb_docreq.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kb_alloc.h"
#include "kb_audit.h"
#include "kb_buf.h"
#include "kb_date.h"
#include "kb_doc.h"
#include "kb_notify.h"
#include "store_int.h"

static const char schema_v9[] =
    "CREATE TABLE IF NOT EXISTS doc_request("
    " seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, kind TEXT NOT NULL,"
    " doc_no TEXT NOT NULL, title TEXT NOT NULL, reason TEXT NOT NULL, state TEXT NOT NULL,"
    " requested_by TEXT NOT NULL, requested_at INTEGER NOT NULL,"
    " decided_by TEXT NOT NULL DEFAULT '', decided_at INTEGER NOT NULL DEFAULT 0,"
    " decision TEXT NOT NULL DEFAULT '', version INTEGER NOT NULL DEFAULT 0,"
    " borrower TEXT NOT NULL DEFAULT '', due TEXT NOT NULL DEFAULT '',"
    " lent_by TEXT NOT NULL DEFAULT '', lent_at INTEGER NOT NULL DEFAULT 0,"
    " returned_to TEXT NOT NULL DEFAULT '', returned_at INTEGER NOT NULL DEFAULT 0);"
    "CREATE INDEX IF NOT EXISTS doc_request_doc ON doc_request(doc_no);"
    "CREATE INDEX IF NOT EXISTS doc_request_state ON doc_request(state, due);";

kb_status kb_docreq_migrate(kb_store *s, kb_err *err)
{
    return kb_store_exec(s, schema_v9, err);
}

#define COLS                                                                                   \
    "id, kind, doc_no, title, reason, state, requested_by, requested_at, decided_by, "         \
    "decided_at, decision, version, borrower, due, lent_by, lent_at, returned_to, returned_at"

static const char sql_get[] = "SELECT " COLS " FROM doc_request WHERE id = ?1";
static const char sql_list[] =
    "SELECT " COLS " FROM doc_request WHERE (?1 IS NULL OR kind = ?1)"
    " AND (?2 IS NULL OR state = ?2) AND (?3 IS NULL OR doc_no = ?3)"
    " AND (?4 IS NULL OR (state = 'lent' AND due < ?4))"
    " ORDER BY seq DESC LIMIT ?5";
static const char sql_open[] =
    "SELECT id FROM doc_request WHERE doc_no = ?1 AND kind IN ('change', 'scrap') "
    "AND state = 'pending' LIMIT 1";
static const char sql_insert[] =
    "INSERT INTO doc_request(id, kind, doc_no, title, reason, state, requested_by,"
    " requested_at, version, borrower, due)"
    " VALUES (printf('DR-%04d', coalesce((SELECT max(seq) FROM doc_request), 0) + 1),"
    " ?1, ?2, ?3, ?4, 'pending', ?5, ?6, ?7, ?8, ?9) RETURNING id";
static const char sql_next_id[] =
    "SELECT printf('DR-%04d', coalesce((SELECT max(seq) FROM doc_request), 0) + 1)";
static const char sql_decide[] =
    "UPDATE doc_request SET state = ?2, decided_by = ?3, decided_at = ?4, decision = ?5 "
    "WHERE id = ?1";
static const char sql_lend[] =
    "UPDATE doc_request SET state = 'lent', lent_by = ?2, lent_at = ?3 WHERE id = ?1";
static const char sql_return[] =
    "UPDATE doc_request SET state = 'returned', returned_to = ?2, returned_at = ?3 "
    "WHERE id = ?1";

static void read_row(sqlite3_stmt *st, kb_docreq *r)
{
    r->id = kb_store_text(st, 0);
    r->kind = kb_store_text(st, 1);
    r->doc_no = kb_store_text(st, 2);
    r->title = kb_store_text(st, 3);
    r->reason = kb_store_text(st, 4);
    r->state = kb_store_text(st, 5);
    r->requested_by = kb_store_text(st, 6);
    r->requested_at = sqlite3_column_int64(st, 7);
    r->decided_by = kb_store_text(st, 8);
    r->decided_at = sqlite3_column_int64(st, 9);
    r->decision = kb_store_text(st, 10);
    r->version = sqlite3_column_int64(st, 11);
    r->borrower = kb_store_text(st, 12);
    r->due = kb_store_text(st, 13);
    r->lent_by = kb_store_text(st, 14);
    r->lent_at = sqlite3_column_int64(st, 15);
    r->returned_to = kb_store_text(st, 16);
    r->returned_at = sqlite3_column_int64(st, 17);
}

static void clear(kb_docreq *r)
{
    char **strs[] = { &r->id, &r->kind, &r->doc_no, &r->title, &r->reason, &r->state,
                      &r->requested_by, &r->decided_by, &r->decision, &r->borrower, &r->due,
                      &r->lent_by, &r->returned_to };
    for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++)
        free(*strs[i]);
    memset(r, 0, sizeof *r);
}

void kb_docreq_free(kb_docreq *r)
{
    if (!r)
        return;
    clear(r);
    free(r);
}

void kb_docreq_list_free(kb_docreq_list *l)
{
    if (!l)
        return;
    for (size_t i = 0; i < l->n; i++)
        clear(&l->v[i]);
    free(l->v);
    l->v = NULL;
    l->n = 0;
}

kb_status kb_docreq_get(kb_store *s, const char *id, kb_docreq **out, kb_err *err)
{
    *out = NULL;
    sqlite3_stmt *st = kb_store_cached(s, sql_get, err);
    if (!st)
        return KB_EDB;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *out = kb_xcalloc(1, sizeof **out);
        read_row(st, *out);
    }
    kb_store_done(st);
    if (rc == SQLITE_ROW)
        return KB_OK;
    if (rc == SQLITE_DONE)
        return kb_err_set(err, KB_ENOTFOUND, "no document request '%.64s'", id);
    return kb_store_db_err(s, err, "document request");
}

kb_status kb_docreq_list_find(kb_store *s, const kb_docreq_filter *f, kb_docreq_list *out,
                              kb_err *err)
{
    out->v = NULL;
    out->n = 0;
    sqlite3_stmt *st = kb_store_cached(s, sql_list, err);
    if (!st)
        return KB_EDB;
    const char *t[] = { f->kind, f->state, f->doc_no, f->overdue_on };
    for (int i = 0; i < 4; i++)
        kb_store_bind_opt(st, i + 1, t[i]);
    sqlite3_bind_int64(st, 5, f->limit ? (long long)f->limit : 200);
    size_t cap = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (out->n == cap) {
            cap = cap ? 2 * cap : 16;
            out->v = kb_xrealloc(out->v, cap * sizeof *out->v);
        }
        read_row(st, &out->v[out->n++]);
    }
    kb_store_done(st);
    if (rc != SQLITE_DONE) {
        kb_docreq_list_free(out);
        return kb_store_db_err(s, err, "document requests");
    }
    return KB_OK;
}

static kb_status text_ok(const char *what, const char *v, int required, kb_err *err)
{
    if (required && (!v || !*v))
        return kb_err_set(err, KB_EINVAL, "'%s' is required", what);
    if (v && strlen(v) > KB_DOCREQ_MAX_TEXT)
        return kb_err_set(err, KB_ETOOBIG, "'%s' is longer than %u bytes", what,
                          KB_DOCREQ_MAX_TEXT);
    return KB_OK;
}

static kb_status audit(kb_store *s, long long at, const char *actor, const char *action,
                       const char *prefix, const char *id, const char *summary, kb_err *err)
{
    kb_buf obj;
    kb_buf_init(&obj, 0);
    kb_buf_addf(&obj, "%s:%s", prefix, id);
    kb_status rc = kb_audit_append(s, at, actor, action, kb_buf_str(&obj), summary, err);
    kb_buf_free(&obj);
    return rc;
}

static const char *who(const char *actor)
{
    return actor && *actor ? actor : "anonymous";
}

/* Checks the request against the document's current version *cur (returned). */
static kb_status check_new(kb_store *s, const kb_docreq_new *q, long long at, kb_version **cur,
                           kb_err *err)
{
    static const char *const kinds[] = { "change", "scrap", "borrow" };
    int known = 0;
    for (size_t i = 0; i < 3; i++)
        known |= q->kind && strcmp(q->kind, kinds[i]) == 0;
    if (!known)
        return kb_err_set(err, KB_EINVAL, "'kind' must be change, scrap or borrow");
    kb_status rc = text_ok("doc_no", q->doc_no, 1, err);
    if (rc == KB_OK)
        rc = text_ok("reason", q->reason, 1, err);
    if (rc == KB_OK)
        rc = text_ok("borrower", q->borrower, 0, err);
    if (rc != KB_OK)
        return rc;
    int borrow = strcmp(q->kind, "borrow") == 0;
    if (borrow && !kb_date_valid(q->due))
        return kb_err_set(err, KB_EINVAL, "a borrow request needs 'due' as YYYY-MM-DD");
    char today[KB_DATE_LEN];
    kb_date_of(at, today);
    if (borrow && strcmp(q->due, today) < 0)
        return kb_err_set(err, KB_EINVAL, "'due' %s is in the past", q->due);
    if (strcmp(q->kind, "change") == 0 && (!q->source || !q->source_len))
        return kb_err_set(err, KB_EINVAL, "a change request needs 'source': the new content");
    if (!borrow && q->source && q->source_len && strcmp(q->kind, "change") != 0)
        return kb_err_set(err, KB_EINVAL, "only change requests carry a 'source'");
    rc = kb_version_get(s, q->doc_no, 0, cur, err);
    kb_version *v = *cur;
    if (rc == KB_OK && strcmp(v->type, KB_TYPE_DOCUMENT) != 0)
        rc = kb_err_set(err, KB_EINVAL, "'%s' is a %s, not a controlled document", q->doc_no,
                        v->type);
    if (rc == KB_ENOTFOUND)
        rc = kb_err_set(err, KB_ENOTFOUND, "no document '%.64s' in the catalogue", q->doc_no);
    if (rc != KB_OK)
        return rc;
    /* the current version, which the latest may not be (a draft after it) */
    kb_version_free(v);
    *cur = NULL;
    kb_version_list l;
    rc = kb_version_list_of(s, q->doc_no, &l, err);
    if (rc != KB_OK)
        return rc;
    for (size_t i = l.n; i-- > 0;) {
        if (strcmp(l.v[i].state, "published") == 0) {
            *cur = kb_xcalloc(1, sizeof **cur);
            **cur = l.v[i];
            memset(&l.v[i], 0, sizeof l.v[i]);
            break;
        }
    }
    kb_version_list_free(&l);
    if (!*cur)
        return kb_err_set(err, KB_EEXIST, "document '%.64s' has no published version",
                          q->doc_no);
    if (!borrow && strcmp((*cur)->origin, "api") != 0)
        return kb_err_set(err, KB_EEXIST, "document '%.64s' is kept in the file %.150s: change "
                          "or remove the file", q->doc_no, (*cur)->origin + 5);
    if (!borrow) {
        sqlite3_stmt *st = kb_store_cached(s, sql_open, err);
        if (!st)
            return KB_EDB;
        sqlite3_bind_text(st, 1, q->doc_no, -1, SQLITE_STATIC);
        int src = sqlite3_step(st);
        if (src == SQLITE_ROW)
            rc = kb_err_set(err, KB_EEXIST, "document '%.64s' already has the open request "
                            "%s", q->doc_no, (const char *)sqlite3_column_text(st, 0));
        else if (src != SQLITE_DONE)
            rc = kb_store_db_err(s, err, "document requests");
        kb_store_done(st);
    }
    return rc;
}

kb_status kb_docreq_create(kb_store *s, const kb_docreq_new *q, const char *actor,
                           long long at, char **out_id, size_t *line, kb_err *err)
{
    *out_id = NULL;
    if (line)
        *line = 0;
    int own;
    kb_status rc = kb_store_write_begin(s, &own, err);
    if (rc != KB_OK)
        return rc;
    kb_version *cur = NULL;
    kb_doc *d = NULL;
    char *id = NULL;
    rc = check_new(s, q, at, &cur, err);
    int change = rc == KB_OK && strcmp(q->kind, "change") == 0;
    if (change) {
        rc = kb_version_parse(s, q->source, q->source_len, &d, line, err);
        if (rc == KB_OK && strcmp(d->id, q->doc_no) != 0)
            rc = kb_err_set(err, KB_EINVAL, "the source names id '%s', not '%s'", d->id,
                            q->doc_no);
        if (rc == KB_OK && strcmp(d->type, KB_TYPE_DOCUMENT) != 0)
            rc = kb_err_set(err, KB_EINVAL, "the source must stay a document");
    }
    if (rc == KB_OK) {
        sqlite3_stmt *st = kb_store_cached(s, sql_next_id, err);
        if (!st)
            rc = KB_EDB;
        else if (sqlite3_step(st) == SQLITE_ROW)
            id = kb_store_text(st, 0);
        else
            rc = kb_store_db_err(s, err, "document request");
        if (st)
            kb_store_done(st);
    }
    long long n = 0;
    if (change && rc == KB_OK)
        rc = kb_version_propose(s, d, id, actor, at, &n, err);
    if (rc == KB_OK) {
        sqlite3_stmt *st = kb_store_cached(s, sql_insert, err);
        if (!st) {
            rc = KB_EDB;
        } else {
            int borrow = strcmp(q->kind, "borrow") == 0;
            sqlite3_bind_text(st, 1, q->kind, -1, SQLITE_STATIC);
            sqlite3_bind_text(st, 2, q->doc_no, -1, SQLITE_STATIC);
            sqlite3_bind_text(st, 3, cur->title, -1, SQLITE_STATIC);
            sqlite3_bind_text(st, 4, q->reason, -1, SQLITE_STATIC);
            sqlite3_bind_text(st, 5, who(actor), -1, SQLITE_STATIC);
            sqlite3_bind_int64(st, 6, at);
            sqlite3_bind_int64(st, 7, n);
            sqlite3_bind_text(st, 8, borrow ? (q->borrower && *q->borrower ? q->borrower
                                                                           : who(actor))
                                            : "",
                              -1, SQLITE_STATIC);
            sqlite3_bind_text(st, 9, borrow ? q->due : "", -1, SQLITE_STATIC);
            if (sqlite3_step(st) != SQLITE_ROW)
                rc = kb_store_db_err(s, err, "document request");
            kb_store_done(st);
        }
    }
    if (rc == KB_OK) {
        kb_buf sum;
        kb_buf_init(&sum, 0);
        kb_buf_addf(&sum, "%s of %s", q->kind, q->doc_no);
        if (change)
            kb_buf_addf(&sum, " (proposed version %lld)", n);
        if (strcmp(q->kind, "borrow") == 0)
            kb_buf_addf(&sum, " due %s", q->due);
        kb_buf_addf(&sum, ": %.300s", q->reason);
        rc = audit(s, at, actor, "docreq.create", "docreq", id, kb_buf_str(&sum), err);
        kb_buf_free(&sum);
    }
    /* it waits for an approver: told in this transaction, so never lost nor sent twice */
    if (rc == KB_OK)
        rc = kb_notify_docreq(s, id, q->kind, q->doc_no, cur->title, q->reason, who(actor), at,
                              err);
    kb_doc_free(d);
    kb_version_free(cur);
    rc = kb_store_write_end(s, own, rc, err);
    if (rc == KB_OK)
        *out_id = id;
    else
        free(id);
    return rc;
}

static kb_status set_step(kb_store *s, const char *sql, const char *id, const char *actor,
                          long long at, const char *state, const char *comment, kb_err *err)
{
    sqlite3_stmt *st = kb_store_cached(s, sql, err);
    if (!st)
        return KB_EDB;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    int i = 2;
    if (state)
        sqlite3_bind_text(st, i++, state, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, i++, who(actor), -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, i++, at);
    if (state)
        sqlite3_bind_text(st, i, comment ? comment : "", -1, SQLITE_STATIC);
    kb_status rc = sqlite3_step(st) == SQLITE_DONE ? KB_OK
                                                   : kb_store_db_err(s, err, "document request");
    kb_store_done(st);
    return rc;
}

/* The decision's effect on the document. */
static kb_status apply(kb_store *s, const kb_docreq *r, int approve, const char *comment,
                       const char *actor, long long at, kb_err *err)
{
    if (strcmp(r->kind, "change") == 0) {
        kb_version *v = NULL;
        kb_status rc = kb_version_get(s, r->doc_no, r->version, &v, err);
        if (rc == KB_OK && strcmp(v->state, "requested") != 0)
            rc = kb_err_set(err, KB_EEXIST, "the proposed version %lld of '%s' is %s now",
                            r->version, r->doc_no, v->state);
        if (rc == KB_OK)
            rc = approve ? kb_version_publish(s, v, actor, comment, at, err)
                         : kb_version_reject(s, v, actor, comment, at, err);
        if (rc == KB_OK && approve) {
            kb_buf sum;
            kb_buf_init(&sum, 0);
            kb_buf_addf(&sum, "version %lld published by change request %s", v->n, r->id);
            rc = audit(s, at, actor, "kb.approve", "kb", r->doc_no, kb_buf_str(&sum), err);
            kb_buf_free(&sum);
        }
        kb_version_free(v);
        return rc;
    }
    if (strcmp(r->kind, "scrap") == 0 && approve) {
        kb_status rc = kb_version_freeze(s, r->doc_no, err);
        if (rc == KB_OK)
            rc = kb_version_end(s, r->doc_no, "scrapped", at, err);
        if (rc == KB_OK) {
            rc = kb_store_doc_delete(s, r->doc_no, err);
            if (rc == KB_ENOTFOUND)
                rc = KB_OK;
        }
        kb_buf sum;
        kb_buf_init(&sum, 0);
        kb_buf_addf(&sum, "scrapped by request %s: %.300s", r->id, r->reason);
        if (rc == KB_OK)
            rc = audit(s, at, actor, "kb.scrap", "kb", r->doc_no, kb_buf_str(&sum), err);
        kb_buf_free(&sum);
        return rc;
    }
    return KB_OK;
}

kb_status kb_docreq_act(kb_store *s, const char *id, const char *action, const char *comment,
                        const char *actor, long long at, kb_err *err)
{
    kb_status rc = text_ok("comment", comment, 0, err);
    if (rc != KB_OK)
        return rc;
    static const char *const actions[] = { "approve", "reject", "lend", "return" };
    int a = -1;
    for (int i = 0; i < 4; i++)
        if (action && strcmp(action, actions[i]) == 0)
            a = i;
    if (a < 0)
        return kb_err_set(err, KB_EINVAL, "unknown action: use approve, reject, lend or return");
    if (a == 1 && (!comment || !*comment))
        return kb_err_set(err, KB_EINVAL, "a rejection needs a 'comment' saying why");
    int own;
    rc = kb_store_write_begin(s, &own, err);
    if (rc != KB_OK)
        return rc;
    kb_docreq *r = NULL;
    rc = kb_docreq_get(s, id, &r, err);
    if (rc != KB_OK)
        goto out;
    static const char *const need[] = { "pending", "pending", "approved", "lent" };
    if (strcmp(r->state, need[a]) != 0 ||
        (a >= 2 && strcmp(r->kind, "borrow") != 0)) {
        rc = kb_err_set(err, KB_EEXIST, "cannot %s %s request %s: it is %s", action, r->kind,
                        id, r->state);
        goto out;
    }
    if (a <= 1 && strcmp(r->requested_by, who(actor)) == 0) {
        rc = kb_err_set(err, KB_EDENIED, "'%s' filed request %s; another approver must "
                        "decide", who(actor), id);
        goto out;
    }
    if (a <= 1) {
        rc = set_step(s, sql_decide, id, actor, at, a == 0 ? "approved" : "rejected", comment,
                      err);
        if (rc == KB_OK)
            rc = apply(s, r, a == 0, comment, actor, at, err);
    } else {
        rc = set_step(s, a == 2 ? sql_lend : sql_return, id, actor, at, NULL, NULL, err);
    }
    if (rc == KB_OK) {
        kb_buf sum, act;
        kb_buf_init(&sum, 0);
        kb_buf_init(&act, 0);
        kb_buf_addf(&act, "docreq.%s", action);
        kb_buf_addf(&sum, "%s of %s", r->kind, r->doc_no);
        if (a == 2)
            kb_buf_addf(&sum, " lent to %s, due %s", r->borrower, r->due);
        if (comment && *comment)
            kb_buf_addf(&sum, ": %.300s", comment);
        rc = audit(s, at, actor, kb_buf_str(&act), "docreq", id, kb_buf_str(&sum), err);
        kb_buf_free(&sum);
        kb_buf_free(&act);
    }
out:
    kb_docreq_free(r);
    return kb_store_write_end(s, own, rc, err);
}
