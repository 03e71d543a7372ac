#ifndef KB_STORE_INT_H
#define KB_STORE_INT_H
/* Internal to the store files (kb/store*.c): the only other files that may use SQLite.
 * Each area's store file (store_incident.c, ...) keeps its SQL and schema; kb/store.c
 * owns the connection, transactions and the migration order. */
#include <sqlite3.h>

#include "kb_buf.h"
#include "kb_err.h"
#include "kb_incident.h"
#include "kb_store.h"
#include "kb_version.h"

/* The connection (borrowed). */
sqlite3 *kb_store_db(kb_store *s);
/* Runs SQL without results; KB_EDB with SQLite's message on failure. */
kb_status kb_store_exec(kb_store *s, const char *sql, kb_err *err);
/* A prepared statement for sql, cached for the life of the store and keyed by the address
 * of sql (pass string literals or static arrays). Returns NULL and fills err on failure.
 * Reset it with kb_store_done() after use. */
sqlite3_stmt *kb_store_cached(kb_store *s, const char *sql, kb_err *err);
void kb_store_done(sqlite3_stmt *st);
/* Column i of the current row as a new string ("" for NULL); free() it. */
char *kb_store_text(sqlite3_stmt *st, int i);
/* Column i of the current row into out of size bytes ("" for NULL; cut to fit). */
void kb_store_text_into(sqlite3_stmt *st, int i, char *out, size_t size);
/* Binds text s (copied) to parameter i of st. */
void kb_store_bind_text(sqlite3_stmt *st, int i, const char *s);
/* KB_OK when sqlite3_step() answered r = SQLITE_ROW or SQLITE_DONE, else kb_store_db_err()
 * naming what. */
kb_status kb_store_step_err(kb_store *s, int r, kb_err *err, const char *what);
/* Steps st (bound, a write without rows) once and resets it: KB_OK when it is done, else
 * kb_store_db_err() naming what. */
kb_status kb_store_step_done(kb_store *s, sqlite3_stmt *st, const char *what, kb_err *err);
/* Binds s to parameter i of st, "" when s is NULL. s is not copied: it must stay valid
 * until st is reset (kb_store_done). */
void kb_store_bind_text_or_empty(sqlite3_stmt *st, int i, const char *s);
/* Binds s (copied) to parameter i of st, or SQL NULL when s is NULL or "": an optional
 * filter written "(?i IS NULL OR col = ?i)". */
void kb_store_bind_opt(sqlite3_stmt *st, int i, const char *s);

/* Called for each row of kb_store_rows() with the statement on that row and the caller's
 * ctx; anything other than KB_OK (with err filled) stops the walk. */
typedef kb_status (*kb_store_row_fn)(sqlite3_stmt *st, void *ctx, kb_err *err);
/* Steps st (from kb_store_cached(), bound) through all its rows, calling row(st, ctx, err)
 * for each, and resets it (kb_store_done) in every case. Returns the first status a row
 * returned other than KB_OK, or KB_EDB naming what when a step fails. */
kb_status kb_store_rows(kb_store *s, sqlite3_stmt *st, kb_store_row_fn row, void *ctx,
                        const char *what, kb_err *err);
/* A record's child rows: kb_store_rows() over the cached statement of sql with id bound to
 * ?1 (its only parameter). KB_EDB when the statement cannot be prepared. */
kb_status kb_store_each_row(kb_store *s, const char *sql, long long id, kb_store_row_fn row,
                            void *ctx, const char *what, kb_err *err);

/* A directory-like list (assets, callers): what a filter finds, counted, and one page of
 * it. One static table per list. */
typedef struct {
    const char *count_sql; /* SELECT count(*) ... with the filter's parameters */
    const char *page_sql;  /* the rows: the filter's parameters, then LIMIT ?limit_param
                            * OFFSET ?limit_param + 1 */
    int limit_param;
    size_t def_limit;      /* the page's size for a limit of 0 */
    size_t max_limit;      /* and its largest */
    /* Binds the filter's parameters to st: page 0 for count_sql, 1 for page_sql. */
    void (*bind)(sqlite3_stmt *st, const void *filter, int page);
    kb_store_row_fn row;   /* called for each row of the page */
    const char *count_what, *page_what; /* name the statements in errors */
} kb_store_list;
/* In one read transaction: *total gets the count of l->count_sql; when it is above 0, the
 * rows of l->page_sql from offset (at most limit of them, limit bounded by l) go to
 * l->row(st, ctx, err). Errors as kb_store_rows(). */
kb_status kb_store_list_page(kb_store *s, const kb_store_list *l, const void *filter,
                             size_t limit, size_t offset, long long *total, void *ctx,
                             kb_err *err);
/* Fills err with what failed and SQLite's message; returns KB_EDB. */
kb_status kb_store_db_err(kb_store *s, kb_err *err, const char *what);
/* Starts a write transaction unless one is open (*own says which); ends it, committing
 * on KB_OK and rolling back otherwise, when it was ours. */
kb_status kb_store_write_begin(kb_store *s, int *own, kb_err *err);
kb_status kb_store_write_end(kb_store *s, int own, kb_status rc, kb_err *err);

/* The columns of an incident brief, in the order kb_store_incident_briefs reads them. */
#define KB_STORE_BRIEF_COLS                                                                    \
    "number, status, priority, summary, caller_name, caller_phone, created_at, resolved_at"
/* Steps st (bound, selecting KB_STORE_BRIEF_COLS) to its end, appending a brief to *out
 * (*n of them) per row, and resets it (kb/store_incident.c). */
kb_status kb_store_incident_briefs(kb_store *s, sqlite3_stmt *st, kb_incident_brief **out,
                                   size_t *n, kb_err *err);

/* Fills inc->pauses from its timeline when it spent time off the resolution clock
 * (kb/store_incident.c; the report's scan needs them too). */
kb_status kb_store_incident_pauses(kb_store *s, kb_incident *inc, kb_err *err);

/* Schema steps of the area store files, called by migrate() inside its transaction.
 * Version 3: the incident tables (kb/store_incident.c). Version 4: knowledge usage and
 * search gaps (kb/store_usage.c). */
kb_status kb_store_incident_migrate(kb_store *s, kb_err *err);
kb_status kb_usage_migrate(kb_store *s, kb_err *err);
/* Version 5: the audit trail (kb/store_audit.c). Version 6: the backup log
 * (kb/store_backup.c). */
kb_status kb_audit_migrate(kb_store *s, kb_err *err);
/* Marks that the open write transaction appended audit entries (kb/store_audit.c calls it);
 * kb_store_commit() then moves the saved head with kb_audit_head_save(), after COMMIT. */
void kb_store_mark_audited(kb_store *s);
void kb_audit_head_save(kb_store *s);
/* Deletes the saved head of an earlier database at this path (a new database). */
void kb_audit_head_forget(kb_store *s);
/* The schema version this kedb writes. */
long long kb_store_schema_max(void);
kb_status kb_backup_migrate(kb_store *s, kb_err *err);
/* Version 7: users, sessions and failed-login counts (kb/store_user.c). */
kb_status kb_user_migrate(kb_store *s, kb_err *err);
/* Version 8: item versions, settings (kb/store_version.c); version 9: document requests
 * (kb/store_docreq.c). */
kb_status kb_version_migrate(kb_store *s, kb_err *err);
kb_status kb_docreq_migrate(kb_store *s, kb_err *err);
/* Version 10: audit windows of failed logins; user names unique regardless of case where
 * the database holds no two that differ only in case (kb/store_user.c). */
kb_status kb_user_migrate_names(kb_store *s, kb_err *err);
/* Version 12: support groups, members, routing rules and the incident columns that use
 * them: group, parent, time spent (kb/store_group.c). */
kb_status kb_group_migrate(kb_store *s, kb_err *err);
/* Version 13: notification channels, the outbox and its attempts, templates, users' e-mail
 * choices and the SLA sweep's marks (kb/store_notify.c). */
kb_status kb_notify_migrate(kb_store *s, kb_err *err);
/* Version 14: the caller directory, and incident.phone_norm by the one phone rule
 * (kb/store_caller.c). */
kb_status kb_caller_migrate(kb_store *s, kb_err *err);
/* Version 15: attachments and their content (kb/store_attach.c). */
kb_status kb_attach_migrate(kb_store *s, kb_err *err);
/* Version 23: attachment.version, the document version a file is the copy of
 * (kb/store_attach.c). */
kb_status kb_attach_migrate_version(kb_store *s, kb_err *err);
/* Version 29: attachment.indexed, whether a file's text is in its owner's full-text row. */
kb_status kb_attach_migrate_indexed(kb_store *s, kb_err *err);
/* After the current version of knowledge item id changed (a publication): the files whose
 * text belongs in its full-text row now (the current version's copies, not a draft's or a
 * superseded version's) are marked so, the row taken out before and put back after. In the
 * caller's write transaction. */
kb_status kb_attach_restamp(kb_store *s, const char *id, kb_err *err);
/* Appends to out, a line break before each, the searchable texts of the attachments of
 * owner kind/id in the order added (kb/store_attach.c): what a knowledge item's index
 * holds besides the item itself. */
kb_status kb_store_attach_texts(kb_store *s, const char *kind, const char *id, kb_buf *out,
                                kb_err *err);
/* Around a change of what is indexed with item id (its attachments), inside the caller's
 * write transaction: unindex takes the item out of the full-text index with exactly the
 * values indexed now (*rowid 0, nothing done, when there is no such item); reindex puts row
 * rowid back with the values of now (kb/store.c). */
kb_status kb_store_doc_unindex(kb_store *s, const char *id, long long *rowid, kb_err *err);
kb_status kb_store_doc_reindex(kb_store *s, long long rowid, kb_err *err);
/* Version 16: the asset archive and its history, and an index of incidents by their ci
 * (kb/store_asset.c). */
kb_status kb_asset_migrate(kb_store *s, kb_err *err);
/* Replaces key with text normalised by the store's tokenizer (kb_tokenize_normalize:
 * full-width forms, case, Traditional -> Simplified) without white space: what searches
 * of names, tags and places compare with instr(). */
void kb_store_text_key(kb_store *s, const char *text, kb_buf *key);
/* Version 17: the service-request catalogue, requests, their form values and timelines
 * (kb/store_request.c). */
kb_status kb_request_migrate(kb_store *s, kb_err *err);
/* Version 18: the sweep's marks name any object (notify_mark.incident becomes object) and
 * the outbox is indexed by creation time for its prune (kb/store_notify.c). */
kb_status kb_notify_migrate_marks(kb_store *s, kb_err *err);
/* Version 19: maintenance plans, their checklists, tasks and results (kb/store_maint.c). */
kb_status kb_maint_migrate(kb_store *s, kb_err *err);
/* Version 20: the spare-parts store: parts, locations, stock, movements and replenishment
 * requests (kb/store_part.c). */
kb_status kb_part_migrate(kb_store *s, kb_err *err);
/* Version 21: census campaigns, their imports and sightings, and assets by serial
 * (kb/store_census.c). */
kb_status kb_census_migrate(kb_store *s, kb_err *err);
/* Version 22: validity check rounds and their results, the register of controlled paper
 * copies (kb/store_doccheck.c). */
kb_status kb_doccheck_migrate(kb_store *s, kb_err *err);
/* Registers kedb_retention_until() (kb/store_doccheck.c) on the store's connection: the
 * day a document version's retention period ends (kb_retention_expiry). */
kb_status kb_doccheck_register(kb_store *s, kb_err *err);
/* Version 24: document classes, sub-types, prefixes and approval chains; the steps,
 * execution and confirmation of document requests (kb/store_docclass.c). */
kb_status kb_docclass_migrate(kb_store *s, kb_err *err);
/* Version 25: complaints (kb/store_complaint.c). */
kb_status kb_complaint_migrate(kb_store *s, kb_err *err);
/* Version 26: satisfaction surveys (kb/store_survey.c), review meetings and improvement
 * actions (kb/store_meeting.c); kb_quality_migrate (kb/store_meeting.c) runs both. */
kb_status kb_quality_migrate(kb_store *s, kb_err *err);
kb_status kb_survey_migrate(kb_store *s, kb_err *err);
kb_status kb_meeting_migrate(kb_store *s, kb_err *err);
/* Version 27: the filed service reports, one per period (kb/store_svcreport.c). */
kb_status kb_svcreport_migrate(kb_store *s, kb_err *err);
/* Version 28: every reply to a complainant (complaint_reply; kb/store_complaint.c). */
kb_status kb_complaint_migrate_replies(kb_store *s, kb_err *err);
/* Adds column `column` with declaration decl ("TEXT NOT NULL DEFAULT ''") to table unless
 * it is there already (a database put back to an older version number by hand). */
kb_status kb_store_add_column(kb_store *s, const char *table, const char *column,
                              const char *decl, kb_err *err);

/* Decisions on a pending version (in review or requested), inside the caller's
 * transaction: publish makes it the item's current, searchable version (the one before is
 * superseded); reject records the approver's comment. */
kb_status kb_version_publish(kb_store *s, kb_version *v, const char *actor,
                             const char *comment, long long at, kb_err *err);
kb_status kb_version_reject(kb_store *s, kb_version *v, const char *actor,
                            const char *comment, long long at, kb_err *err);
/* Appends a version in state "requested" proposed by document request req; *n_out its
 * number. d is parsed by the caller. */
kb_status kb_version_propose(kb_store *s, const kb_doc *d, const char *req, const char *actor,
                             long long at, long long *n_out, kb_err *err);
/* Ends the current version of id with state (e.g. "scrapped") on day at and withdraws
 * pending versions. */
kb_status kb_version_end(kb_store *s, const char *id, const char *state, long long at,
                         kb_err *err);
/* Records the destruction of document id on day at: its last version that was ever current
 * becomes "destroyed" (ending on that day when it was still current); pending versions are
 * withdrawn. Freeze first (kb_version_freeze). */
kb_status kb_version_destroy(kb_store *s, const char *id, long long at, kb_err *err);
/* Applies the database's settings that the process shares (the desk's time zone, or the
 * UTC offset of a database from before time zones; kb/store_setting.c); quietly keeps the
 * process's zone when the database has none, and logs a warning when its zone cannot be
 * loaded. */
void kb_setting_apply(kb_store *s);
/* Parses source as an item written through the API (path ""). */
kb_status kb_version_parse(kb_store *s, const char *src, size_t len, kb_doc **out,
                           size_t *line, kb_err *err);

#endif
