/* Document change, scrap, borrow and destroy requests (all SQL): schema (version 9; their
 * steps and execution: version 24 in kb/store_docclass.c). See include/kb_docreq.h. */
#include "kb_docreq.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kb_alloc.h"
#include "kb_audit.h"
#include "kb_buf.h"
#include "kb_date.h"
#include "kb_doc.h"
#include "kb_docclass.h"
#include "kb_group.h"
#include "kb_notify.h"
#include "kb_user.h"
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
    "decided_at, decision, version, borrower, due, lent_by, lent_at, returned_to, returned_at, " \
    "seq, flow, class, executed_by, executed_at, execution, confirmed_by, confirmed_at, "      \
    "confirmation"

static const char sql_get[] = "SELECT " COLS " FROM doc_request WHERE id = ?1";
static const char sql_list[] =
    "SELECT " COLS " FROM doc_request WHERE (?1 IS NULL OR kind = ?1)"
    " AND (?2 IS NULL OR state = ?2) AND (?3 IS NULL OR doc_no = ?3)"
    " AND (?4 IS NULL OR (state = 'lent' AND due < ?4))"
    " ORDER BY seq DESC LIMIT ?5";
/* an open change, scrap or destruction: still to be decided, executed or confirmed */
static const char sql_open[] =
    "SELECT id FROM doc_request WHERE doc_no = ?1 AND kind IN ('change', 'scrap', 'destroy') "
    "AND (state = 'pending' OR (state = 'approved' AND (flow = 'chain' OR kind = 'destroy'))"
    " OR (state = 'executed' AND kind <> 'destroy')) LIMIT 1";
static const char sql_insert[] =
    "INSERT INTO doc_request(id, kind, doc_no, title, reason, state, requested_by,"
    " requested_at, version, borrower, due, flow, class)"
    " VALUES (printf('DR-%04d', coalesce((SELECT max(seq) FROM doc_request), 0) + 1),"
    " ?1, ?2, ?3, ?4, 'pending', ?5, ?6, ?7, ?8, ?9, ?10, ?11) RETURNING seq";
static const char sql_step_add[] =
    "INSERT INTO doc_request_step(request, step, grp) VALUES (?1, ?2, ?3)";
static const char sql_steps[] =
    "SELECT step, grp, state, decided_by, decided_at, comment FROM doc_request_step "
    "WHERE request = ?1 ORDER BY step";
static const char sql_step_decide[] =
    "UPDATE doc_request_step SET state = ?3, decided_by = ?4, decided_at = ?5, comment = ?6 "
    "WHERE request = ?1 AND step = ?2";
static const char sql_execute[] =
    "UPDATE doc_request SET state = 'executed', executed_by = ?2, executed_at = ?3,"
    " execution = ?4, version = ?5 WHERE id = ?1";
static const char sql_confirm[] =
    "UPDATE doc_request SET state = 'confirmed', confirmed_by = ?2, confirmed_at = ?3,"
    " confirmation = ?4 WHERE id = ?1";
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
    memset(r, 0, sizeof *r);
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
    r->rowid = sqlite3_column_int64(st, 18);
    r->flow = kb_store_text(st, 19);
    r->doc_class = kb_store_text(st, 20);
    r->executed_by = kb_store_text(st, 21);
    r->executed_at = sqlite3_column_int64(st, 22);
    r->execution = kb_store_text(st, 23);
    r->confirmed_by = kb_store_text(st, 24);
    r->confirmed_at = sqlite3_column_int64(st, 25);
    r->confirmation = kb_store_text(st, 26);
}

static kb_status step_row(sqlite3_stmt *st, void *ctx, kb_err *err)
{
    (void)err;
    kb_docreq *r = ctx;
    r->steps = kb_xrealloc(r->steps, (r->nsteps + 1) * sizeof *r->steps);
    kb_docreq_step *p = &r->steps[r->nsteps++];
    p->step = sqlite3_column_int64(st, 0);
    p->group = kb_store_text(st, 1);
    p->state = kb_store_text(st, 2);
    p->decided_by = kb_store_text(st, 3);
    p->decided_at = sqlite3_column_int64(st, 4);
    p->comment = kb_store_text(st, 5);
    return KB_OK;
}

static kb_status load_steps(kb_store *s, kb_docreq *r, kb_err *err)
{
    return kb_store_each_row(s, sql_steps, r->rowid, step_row, r, "document request steps",
                             err);
}

static void clear(kb_docreq *r)
{
    char **strs[] = { &r->id, &r->kind, &r->doc_no, &r->title, &r->reason, &r->state,
                      &r->requested_by, &r->decided_by, &r->decision, &r->borrower, &r->due,
                      &r->lent_by, &r->returned_to, &r->flow, &r->doc_class,
                      &r->executed_by, &r->execution, &r->confirmed_by, &r->confirmation };
    for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++)
        free(*strs[i]);
    for (size_t i = 0; i < r->nsteps; i++) {
        free(r->steps[i].group);
        free(r->steps[i].state);
        free(r->steps[i].decided_by);
        free(r->steps[i].comment);
    }
    free(r->steps);
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
    if (rc == SQLITE_ROW) {
        kb_status lrc = load_steps(s, *out, err);
        if (lrc != KB_OK) {
            kb_docreq_free(*out);
            *out = NULL;
        }
        return lrc;
    }
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
    kb_status lrc = KB_OK;
    for (size_t i = 0; lrc == KB_OK && i < out->n; i++)
        if (strcmp(out->v[i].flow, "chain") == 0)
            lrc = load_steps(s, &out->v[i], err);
    if (lrc != KB_OK)
        kb_docreq_list_free(out);
    return lrc;
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

static kb_status no_open_request(kb_store *s, const char *doc_no, kb_err *err)
{
    sqlite3_stmt *st = kb_store_cached(s, sql_open, err);
    if (!st)
        return KB_EDB;
    sqlite3_bind_text(st, 1, doc_no, -1, SQLITE_STATIC);
    int src = sqlite3_step(st);
    kb_status rc = KB_OK;
    if (src == SQLITE_ROW)
        rc = kb_err_set(err, KB_EEXIST, "document '%.64s' already has the open request %s",
                        doc_no, (const char *)sqlite3_column_text(st, 0));
    else if (src != SQLITE_DONE)
        rc = kb_store_db_err(s, err, "document requests");
    kb_store_done(st);
    return rc;
}

/* The version a destruction records: the last that was ever current (*cur, returned). A
 * document kept in a file is destroyed by removing the file first. */
static kb_status check_destroy(kb_store *s, const char *doc_no, kb_version **cur, kb_err *err)
{
    kb_version_list l;
    kb_status rc = kb_version_list_of(s, doc_no, &l, err);
    if (rc == KB_ENOTFOUND)
        return kb_err_set(err, KB_ENOTFOUND, "no document '%.64s' in the catalogue", doc_no);
    if (rc != KB_OK)
        return rc;
    const kb_version *last = &l.v[l.n - 1];
    if (strcmp(last->type, KB_TYPE_DOCUMENT) != 0)
        rc = kb_err_set(err, KB_EINVAL, "'%s' is a %s, not a controlled document", doc_no,
                        last->type);
    else if (strncmp(last->origin, "file ", 5) == 0 && strcmp(last->state, "removed") != 0)
        rc = kb_err_set(err, KB_EEXIST, "document '%.64s' is kept in the file %.150s: change "
                        "or remove the file", doc_no, last->origin + 5);
    for (size_t i = l.n; rc == KB_OK && i-- > 0;) {
        if (!l.v[i].effective_from[0])
            continue;
        if (strcmp(l.v[i].state, "destroyed") == 0)
            rc = kb_err_set(err, KB_EEXIST, "document '%.64s' is destroyed already", doc_no);
        if (rc == KB_OK) {
            *cur = kb_xcalloc(1, sizeof **cur);
            **cur = l.v[i];
            memset(&l.v[i], 0, sizeof l.v[i]);
        }
        break;
    }
    if (rc == KB_OK && !*cur)
        rc = kb_err_set(err, KB_EEXIST, "document '%.64s' was never current: nothing to "
                        "destroy", doc_no);
    kb_version_list_free(&l);
    return rc;
}

/* Checks the request against the document's current version *cur (returned). */
static kb_status check_new(kb_store *s, const kb_docreq_new *q, long long at, kb_version **cur,
                           kb_err *err)
{
    int k = kb_docreq_kind_index(q->kind);
    if (k < 0)
        return kb_err_set(err, KB_EINVAL, "'kind' must be change, scrap, borrow or destroy");
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
    if (strcmp(q->kind, "destroy") == 0) {
        rc = check_destroy(s, q->doc_no, cur, err);
        return rc == KB_OK ? no_open_request(s, q->doc_no, err) : rc;
    }
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
    return borrow ? KB_OK : no_open_request(s, q->doc_no, err);
}

/* A change's new content: parsed, the same document, of a class in the list. */
static kb_status parse_change(kb_store *s, const char *doc_no, const char *src, size_t len,
                              kb_doc **d, size_t *line, kb_err *err)
{
    kb_status rc = kb_version_parse(s, src, len, d, line, err);
    if (rc == KB_OK && strcmp((*d)->id, doc_no) != 0)
        rc = kb_err_set(err, KB_EINVAL, "the source names id '%s', not '%s'", (*d)->id, doc_no);
    if (rc == KB_OK && strcmp((*d)->type, KB_TYPE_DOCUMENT) != 0)
        rc = kb_err_set(err, KB_EINVAL, "the source must stay a document");
    if (rc == KB_OK) {
        const kb_field *f = kb_doc_field(*d, "doc_type");
        /* the document is in the catalogue: it keeps its number (the prefix is for new
         * ones) */
        rc = kb_docclass_check(s, f && f->nvals ? f->vals[0] : NULL, NULL, NULL, err);
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
    kb_docclass_list classes;
    memset(&classes, 0, sizeof classes);
    rc = check_new(s, q, at, &cur, err);
    int change = rc == KB_OK && strcmp(q->kind, "change") == 0;
    if (change)
        rc = parse_change(s, q->doc_no, q->source, q->source_len, &d, line, err);
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
    /* the chain of the document's class for this kind, copied into the request */
    const kb_docclass *cls = NULL;
    int k = kb_docreq_kind_index(q->kind);
    if (rc == KB_OK)
        rc = kb_docclass_list_all(s, &classes, err);
    if (rc == KB_OK)
        cls = kb_docclass_of(&classes, cur->doc_type);
    size_t nsteps = cls ? cls->nchain[k] : 0;
    long long n = 0;
    if (change && rc == KB_OK)
        rc = kb_version_propose(s, d, id, actor, at, &n, err);
    long long seq = 0;
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
            sqlite3_bind_text(st, 10, nsteps ? "chain" : "single", -1, SQLITE_STATIC);
            sqlite3_bind_text(st, 11, cls ? cls->code : "", -1, SQLITE_STATIC);
            if (sqlite3_step(st) == SQLITE_ROW)
                seq = sqlite3_column_int64(st, 0);
            else
                rc = kb_store_db_err(s, err, "document request");
            kb_store_done(st);
        }
    }
    for (size_t i = 0; rc == KB_OK && i < nsteps; i++) {
        sqlite3_stmt *st = kb_store_cached(s, sql_step_add, err);
        if (!st) {
            rc = KB_EDB;
            break;
        }
        sqlite3_bind_int64(st, 1, seq);
        sqlite3_bind_int64(st, 2, (long long)i + 1);
        sqlite3_bind_text(st, 3, cls->chain[k][i], -1, SQLITE_STATIC);
        rc = kb_store_step_done(s, st, "document request step", err);
    }
    if (rc == KB_OK) {
        kb_buf sum;
        kb_buf_init(&sum, 0);
        kb_buf_addf(&sum, "%s of %s", q->kind, q->doc_no);
        if (change)
            kb_buf_addf(&sum, " (proposed version %lld)", n);
        if (strcmp(q->kind, "borrow") == 0)
            kb_buf_addf(&sum, " due %s", q->due);
        for (size_t i = 0; i < nsteps; i++)
            kb_buf_addf(&sum, "%s%s", i ? " -> " : "; approved by ", cls->chain[k][i]);
        kb_buf_addf(&sum, ": %.300s", q->reason);
        rc = audit(s, at, actor, "docreq.create", "docreq", id, kb_buf_str(&sum), err);
        kb_buf_free(&sum);
    }
    /* it waits for an approver: told in this transaction, so never lost nor sent twice */
    if (rc == KB_OK)
        rc = kb_notify_docreq(s, id, q->kind, q->doc_no, cur->title, q->reason, who(actor), at,
                              err);
    kb_docclass_list_free(&classes);
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

/* The effect of a request on its document: of an approval (flow single), a rejection, a
 * confirmation (flow chain) or, for destroy, the execution. */
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
    int scrap = strcmp(r->kind, "scrap") == 0, destroy = strcmp(r->kind, "destroy") == 0;
    if ((scrap || destroy) && approve) {
        kb_status rc = kb_version_freeze(s, r->doc_no, err);
        if (rc == KB_OK)
            rc = scrap ? kb_version_end(s, r->doc_no, "scrapped", at, err)
                       : kb_version_destroy(s, r->doc_no, at, err);
        if (rc == KB_OK) {
            rc = kb_store_doc_delete(s, r->doc_no, err);
            if (rc == KB_ENOTFOUND)
                rc = KB_OK;
        }
        kb_buf sum;
        kb_buf_init(&sum, 0);
        kb_buf_addf(&sum, "%s by request %s: %.300s", scrap ? "scrapped" : "destroyed", r->id,
                    scrap ? r->reason : r->execution);
        if (rc == KB_OK)
            rc = audit(s, at, actor, scrap ? "kb.scrap" : "kb.destroy", "kb", r->doc_no,
                       kb_buf_str(&sum), err);
        kb_buf_free(&sum);
        return rc;
    }
    return KB_OK;
}

enum { A_APPROVE, A_REJECT, A_LEND, A_RETURN, A_EXECUTE, A_CONFIRM };
static const char *const actions[] = { "approve", "reject", "lend", "return", "execute",
                                       "confirm", NULL };

static kb_status member(kb_store *s, const char *group, const char *user, int *out,
                        kb_err *err)
{
    return kb_group_is_member(s, group, user, out, err);
}

/* A decision on the current step of a request of flow chain: *step gets it; *last says
 * whether it is the final one. */
static kb_status check_step(kb_store *s, const kb_docreq *r, const char *actor,
                            const kb_docreq_step **step, int *last, kb_err *err)
{
    *step = NULL;
    for (size_t i = 0; i < r->nsteps && !*step; i++)
        if (strcmp(r->steps[i].state, "pending") == 0) {
            *step = &r->steps[i];
            *last = i + 1 == r->nsteps;
        }
    if (!*step)
        return kb_err_set(err, KB_EINTERNAL, "request %s has no step to decide", r->id);
    for (size_t i = 0; i < r->nsteps; i++)
        if (r->steps[i].decided_by[0] && strcmp(r->steps[i].decided_by, who(actor)) == 0)
            return kb_err_set(err, KB_EDENIED, "'%s' decided step %lld of request %s; another "
                              "member of '%s' must decide step %lld", who(actor),
                              r->steps[i].step, r->id, (*step)->group, (*step)->step);
    int in = 0;
    kb_status rc = member(s, (*step)->group, who(actor), &in, err);
    if (rc == KB_OK && !in)
        rc = kb_err_set(err, KB_EDENIED, "request %s waits for step %lld: a member of group "
                        "'%s' decides it, and '%s' is not one", r->id, (*step)->step,
                        (*step)->group, who(actor));
    return rc;
}

static kb_status decide(kb_store *s, const kb_docreq *r, int a, const kb_docreq_action *in,
                        const char *actor, long long at, kb_buf *sum, kb_err *err)
{
    if (strcmp(r->requested_by, who(actor)) == 0)
        return kb_err_set(err, KB_EDENIED, "'%s' filed request %s; another approver must "
                          "decide", who(actor), r->id);
    int chain = strcmp(r->flow, "chain") == 0;
    if (!chain) {
        if (!(in->roles & (KB_ROLE_APPROVER | KB_ROLE_ADMIN)))
            return kb_err_set(err, KB_EDENIED, "request %s has no approval chain: an approver "
                              "decides it", r->id);
        kb_status rc = set_step(s, sql_decide, r->id, actor, at,
                                a == A_APPROVE ? "approved" : "rejected", in->comment, err);
        /* change and scrap take effect now; destroy waits for its execution */
        if (rc == KB_OK)
            rc = apply(s, r, a == A_APPROVE && strcmp(r->kind, "destroy") != 0, in->comment,
                       actor, at, err);
        return rc;
    }
    const kb_docreq_step *step;
    int last = 0;
    kb_status rc = check_step(s, r, actor, &step, &last, err);
    if (rc != KB_OK)
        return rc;
    kb_buf_addf(sum, " step %lld/%zu (%s)", step->step, r->nsteps, step->group);
    sqlite3_stmt *st = kb_store_cached(s, sql_step_decide, err);
    if (!st)
        return KB_EDB;
    sqlite3_bind_int64(st, 1, r->rowid);
    sqlite3_bind_int64(st, 2, step->step);
    sqlite3_bind_text(st, 3, a == A_APPROVE ? "approved" : "rejected", -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, who(actor), -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 5, at);
    sqlite3_bind_text(st, 6, in->comment ? in->comment : "", -1, SQLITE_STATIC);
    rc = kb_store_step_done(s, st, "document request step", err);
    /* the request is decided by the last step's approval or by any rejection */
    if (rc == KB_OK && (a == A_REJECT || last))
        rc = set_step(s, sql_decide, r->id, actor, at, a == A_APPROVE ? "approved" : "rejected",
                      in->comment, err);
    if (rc == KB_OK && a == A_REJECT)
        rc = apply(s, r, 0, in->comment, actor, at, err);
    return rc;
}

static kb_status execute(kb_store *s, kb_docreq *r, const kb_docreq_action *in,
                         const char *actor, long long at, size_t *line, kb_buf *sum,
                         kb_err *err)
{
    if (!(in->roles & (KB_ROLE_ENGINEER | KB_ROLE_ADMIN)))
        return kb_err_set(err, KB_EDENIED, "an engineer or admin records the execution of "
                          "request %s", r->id);
    long long n = r->version;
    kb_status rc = KB_OK;
    if (in->source && in->source_len) {
        kb_doc *d = NULL;
        rc = parse_change(s, r->doc_no, in->source, in->source_len, &d, line, err);
        if (rc == KB_OK)
            rc = kb_version_propose(s, d, r->id, actor, at, &n, err);
        kb_doc_free(d);
        if (rc == KB_OK)
            kb_buf_addf(sum, " (version %lld as carried out)", n);
    }
    sqlite3_stmt *st = rc == KB_OK ? kb_store_cached(s, sql_execute, err) : NULL;
    if (rc == KB_OK && !st)
        rc = KB_EDB;
    if (rc == KB_OK) {
        sqlite3_bind_text(st, 1, r->id, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, who(actor), -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 3, at);
        sqlite3_bind_text(st, 4, in->comment, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 5, n);
        rc = kb_store_step_done(s, st, "document request", err);
    }
    if (rc == KB_OK && strcmp(r->kind, "destroy") == 0) {
        free(r->execution);
        r->execution = kb_xstrdup(in->comment);
        rc = apply(s, r, 1, in->comment, actor, at, err);
    }
    return rc;
}

static kb_status confirm(kb_store *s, kb_docreq *r, const kb_docreq_action *in,
                         const char *actor, long long at, kb_err *err)
{
    if (strcmp(r->executed_by, who(actor)) == 0)
        return kb_err_set(err, KB_EDENIED, "'%s' executed request %s; someone else confirms "
                          "it", who(actor), r->id);
    int in_group = 0;
    kb_status rc = KB_OK;
    for (size_t i = 0; rc == KB_OK && i < r->nsteps && !in_group; i++)
        rc = member(s, r->steps[i].group, who(actor), &in_group, err);
    if (rc == KB_OK && !in_group)
        rc = kb_err_set(err, KB_EDENIED, "a member of a group of the approval chain of request "
                        "%s confirms it, and '%s' is not one", r->id, who(actor));
    sqlite3_stmt *st = rc == KB_OK ? kb_store_cached(s, sql_confirm, err) : NULL;
    if (rc == KB_OK && !st)
        rc = KB_EDB;
    if (rc == KB_OK) {
        sqlite3_bind_text(st, 1, r->id, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, who(actor), -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 3, at);
        kb_store_bind_text_or_empty(st, 4, in->comment);
        rc = kb_store_step_done(s, st, "document request", err);
    }
    if (rc == KB_OK)
        rc = apply(s, r, 1, in->comment, actor, at, err);
    return rc;
}

kb_status kb_docreq_act(kb_store *s, const char *id, const kb_docreq_action *in,
                        const char *actor, long long at, size_t *line, kb_err *err)
{
    if (line)
        *line = 0;
    kb_status rc = text_ok("comment", in->comment, 0, err);
    if (rc != KB_OK)
        return rc;
    int a = -1;
    for (int i = 0; actions[i]; i++)
        if (in->action && strcmp(in->action, actions[i]) == 0)
            a = i;
    if (a < 0)
        return kb_err_set(err, KB_EINVAL, "unknown action: use approve, reject, execute, "
                          "confirm, lend or return");
    if (a == A_REJECT && (!in->comment || !*in->comment))
        return kb_err_set(err, KB_EINVAL, "a rejection needs a 'comment' saying why");
    if (a == A_EXECUTE && (!in->comment || !*in->comment))
        return kb_err_set(err, KB_EINVAL, "an execution needs a 'comment' saying what was done");
    if (a != A_EXECUTE && in->source)
        return kb_err_set(err, KB_EINVAL, "only an execution carries a 'source'");
    int own;
    rc = kb_store_write_begin(s, &own, err);
    if (rc != KB_OK)
        return rc;
    kb_docreq *r = NULL;
    rc = kb_docreq_get(s, id, &r, err);
    if (rc != KB_OK)
        goto out;
    int chain = strcmp(r->flow, "chain") == 0;
    int borrow = strcmp(r->kind, "borrow") == 0, destroy = strcmp(r->kind, "destroy") == 0;
    const char *need = a <= A_REJECT ? "pending"
                       : a == A_LEND ? "approved"
                       : a == A_RETURN ? "lent"
                       : a == A_EXECUTE ? "approved"
                                        : "executed";
    int kind_ok = a <= A_REJECT || ((a == A_LEND || a == A_RETURN) && borrow) ||
                  (a == A_EXECUTE && (destroy || (chain && !borrow))) ||
                  (a == A_CONFIRM && chain && !borrow && !destroy);
    if (strcmp(r->state, need) != 0 || !kind_ok) {
        rc = kb_err_set(err, KB_EEXIST, "cannot %s %s request %s: it is %s", in->action,
                        r->kind, id, r->state);
        goto out;
    }
    if (a == A_EXECUTE && in->source && strcmp(r->kind, "change") != 0) {
        rc = kb_err_set(err, KB_EINVAL, "only the execution of a change carries a 'source'");
        goto out;
    }
    kb_buf sum;
    kb_buf_init(&sum, 0);
    kb_buf_addf(&sum, "%s of %s", r->kind, r->doc_no);
    if (a <= A_REJECT) {
        rc = decide(s, r, a, in, actor, at, &sum, err);
    } else if (a == A_EXECUTE) {
        rc = execute(s, r, in, actor, at, line, &sum, err);
    } else if (a == A_CONFIRM) {
        rc = confirm(s, r, in, actor, at, err);
    } else {
        if (!(in->roles & (KB_ROLE_APPROVER | KB_ROLE_ADMIN)))
            rc = kb_err_set(err, KB_EDENIED, "an approver records lending and return");
        if (rc == KB_OK)
            rc = set_step(s, a == A_LEND ? sql_lend : sql_return, id, actor, at, NULL, NULL,
                          err);
    }
    if (rc == KB_OK) {
        kb_buf act;
        kb_buf_init(&act, 0);
        kb_buf_addf(&act, "docreq.%s", in->action);
        if (a == A_LEND)
            kb_buf_addf(&sum, " lent to %s, due %s", r->borrower, r->due);
        if (in->comment && *in->comment)
            kb_buf_addf(&sum, ": %.300s", in->comment);
        rc = audit(s, at, actor, kb_buf_str(&act), "docreq", id, kb_buf_str(&sum), err);
        kb_buf_free(&act);
    }
    kb_buf_free(&sum);
out:
    kb_docreq_free(r);
    return kb_store_write_end(s, own, rc, err);
}
