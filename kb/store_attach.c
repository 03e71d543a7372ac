/* Attachments in the database (all their SQL): schema (version 15), adding, listing,
 * reading and deleting, with the audit entries and the knowledge index kept exact. See
 * include/kb_attach.h. */
#include "kb_attach.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kb_alloc.h"
#include "kb_audit.h"
#include "kb_buf.h"
#include "kb_hash.h"
#include "kb_log.h"
#include "kb_thumb.h"
#include "store_int.h"

/* Whether a file's text belongs in its owner's full-text row: a file of the item as a whole,
 * or the copy of its current version (published or retired); not a draft's copy (its words
 * would reach readers who may not see drafts) nor a superseded version's. VERSION is the
 * file's version (NULL for the item as a whole), ID the owner's id. */
#define IN_INDEX(VERSION, ID)                                                                  \
    "(" VERSION " IS NULL OR " VERSION " IS (SELECT max(n) FROM item_version v WHERE v.id = " \
    ID " AND v.state IN ('published', 'retired')))"

/* blob: one row per distinct content, keyed by its SHA-256 (hex). The small columns come
 * first and the content last, so that lists never read past the header of a large row.
 * text is the searchable text (NULL unless a text file), thumb a PNG thumbnail (NULL when
 * none). A blob lives while an attachment names it (deleted with the last one).
 * attachment: one row per file attached to an owner (kind + id as text: incident numbers,
 * knowledge item ids, later service requests). */
static const char schema_v15[] =
    "CREATE TABLE IF NOT EXISTS blob("
    "  hash TEXT PRIMARY KEY,"
    "  size INTEGER NOT NULL,"
    "  type TEXT NOT NULL,"
    "  charset TEXT NOT NULL DEFAULT '',"
    "  width INTEGER NOT NULL DEFAULT 0,"
    "  height INTEGER NOT NULL DEFAULT 0,"
    "  created_at INTEGER NOT NULL,"
    "  thumb BLOB,"
    "  text TEXT,"
    "  data BLOB NOT NULL);"
    "CREATE TABLE IF NOT EXISTS attachment("
    "  id INTEGER PRIMARY KEY,"
    "  owner_kind TEXT NOT NULL,"
    "  owner_id TEXT NOT NULL,"
    "  name TEXT NOT NULL,"
    "  hash TEXT NOT NULL REFERENCES blob(hash),"
    "  created_by TEXT NOT NULL,"
    "  created_at INTEGER NOT NULL);"
    "CREATE INDEX IF NOT EXISTS attachment_by_owner ON attachment(owner_kind, owner_id, id);"
    "CREATE INDEX IF NOT EXISTS attachment_by_hash ON attachment(hash);";

kb_status kb_attach_migrate(kb_store *s, kb_err *err)
{
    return kb_store_exec(s, schema_v15, err);
}

/* Version 23: a knowledge item's file may be the controlled copy of one of its versions
 * (item_version.n; NULL for a file of the item as a whole). */
/* Version 29: whether a file's text is in its owner's full-text row (a draft's copy is not);
 * the index is rebuilt after (INDEX_LAYOUT 2). */
kb_status kb_attach_migrate_indexed(kb_store *s, kb_err *err)
{
    kb_status rc = kb_store_add_column(s, "attachment", "indexed", "INTEGER NOT NULL DEFAULT 1",
                                       err);
    return rc == KB_OK ? kb_store_exec(s, "UPDATE attachment SET indexed = "
                                          IN_INDEX("version", "attachment.owner_id")
                                          " WHERE owner_kind = 'kb';", err)
                       : rc;
}

kb_status kb_attach_migrate_version(kb_store *s, kb_err *err)
{
    kb_status rc = kb_store_add_column(s, "attachment", "version", "INTEGER", err);
    return rc == KB_OK ? kb_store_exec(s, "CREATE INDEX IF NOT EXISTS attachment_by_version "
                                          "ON attachment(owner_kind, owner_id, version);", err)
                       : rc;
}

#define ATT_COLS                                                                               \
    "a.id, a.owner_kind, a.owner_id, a.name, b.type, b.charset, a.hash, b.size, b.width, "     \
    "b.height, b.thumb IS NOT NULL, b.text IS NOT NULL, a.created_by, a.created_at, "           \
    "coalesce(a.version, 0)"
#define ATT_NCOLS 15

static const char sql_list[] = "SELECT " ATT_COLS " FROM attachment a JOIN blob b ON "
                               "b.hash = a.hash WHERE a.owner_kind = ?1 AND a.owner_id = ?2 "
                               "ORDER BY a.id";
static const char sql_one[] = "SELECT " ATT_COLS " FROM attachment a JOIN blob b ON "
                              "b.hash = a.hash WHERE a.owner_kind = ?1 AND a.owner_id = ?2 "
                              "AND a.id = ?3";
static const char sql_data[] = "SELECT data FROM blob WHERE hash = ?1";
static const char sql_thumb[] = "SELECT thumb FROM blob WHERE hash = ?1 AND thumb IS NOT NULL";
static const char sql_usage[] = "SELECT count(*), coalesce(sum(b.size), 0) FROM attachment a "
                                "JOIN blob b ON b.hash = a.hash WHERE a.owner_kind = ?1 AND "
                                "a.owner_id = ?2";
static const char sql_blob_exists[] = "SELECT 1 FROM blob WHERE hash = ?1";
static const char sql_blob_insert[] =
    "INSERT OR IGNORE INTO blob(hash, size, type, charset, width, height, created_at, thumb, "
    "text, data) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)";
static const char sql_insert[] = "INSERT INTO attachment(owner_kind, owner_id, name, hash, "
                                 "created_by, created_at, version, indexed) "
                                 "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, " IN_INDEX("?7", "?2")
                                 ")";
/* the files of an item whose flag is not what IN_INDEX says now, and the update */
static const char sql_stale[] = "SELECT 1 FROM attachment WHERE owner_kind = 'kb' AND "
                                "owner_id = ?1 AND indexed <> " IN_INDEX("version", "?1")
                                " LIMIT 1";
static const char sql_restamp[] = "UPDATE attachment SET indexed = " IN_INDEX("version", "?1")
                                  " WHERE owner_kind = 'kb' AND owner_id = ?1";
/* the state of a knowledge item's version */
static const char sql_version_state[] =
    "SELECT state FROM item_version WHERE id = ?1 AND n = ?2";
static const char sql_delete[] = "DELETE FROM attachment WHERE id = ?1";
static const char sql_blob_gc[] = "DELETE FROM blob WHERE hash = ?1 AND NOT EXISTS "
                                  "(SELECT 1 FROM attachment WHERE hash = ?1)";
/* the texts in the owner's full-text row: the flag, not the versions' states, decides, so
 * that the row is taken out with exactly what went in (kb_attach_restamp changes flags
 * only between taking the row out and putting it back) */
static const char sql_texts[] = "SELECT b.text FROM attachment a JOIN blob b ON b.hash = a.hash "
                                "WHERE a.owner_kind = ?1 AND a.owner_id = ?2 AND a.indexed = 1 "
                                "AND b.text IS NOT NULL ORDER BY a.id";
static const char sql_incident[] = "SELECT 1 FROM incident WHERE number = ?1";
/* a knowledge item: searchable, or only versions so far (a new document's draft) */
static const char sql_item[] = "SELECT 1 FROM doc WHERE id = ?1 "
                               "UNION ALL SELECT 1 FROM item_version WHERE id = ?1 LIMIT 1";
static const char sql_request[] = "SELECT 1 FROM request WHERE number = ?1";
/* the task's id as its decimal text, exactly ("012" is no task) */
static const char sql_maint_task[] =
    "SELECT 1 FROM maint_task WHERE id = CAST(?1 AS INTEGER) AND CAST(id AS TEXT) = ?1";

static void bind_owner(sqlite3_stmt *st, const char *kind, const char *id)
{
    kb_store_bind_text_or_empty(st, 1, kind);
    kb_store_bind_text_or_empty(st, 2, id);
}

static void load(sqlite3_stmt *st, kb_attachment *a)
{
    a->id = sqlite3_column_int64(st, 0);
    a->owner_kind = kb_store_text(st, 1);
    a->owner_id = kb_store_text(st, 2);
    a->name = kb_store_text(st, 3);
    a->type = kb_store_text(st, 4);
    a->charset = kb_store_text(st, 5);
    a->hash = kb_store_text(st, 6);
    a->size = sqlite3_column_int64(st, 7);
    a->width = (unsigned)sqlite3_column_int64(st, 8);
    a->height = (unsigned)sqlite3_column_int64(st, 9);
    a->has_thumb = sqlite3_column_int(st, 10);
    a->has_text = sqlite3_column_int(st, 11);
    a->created_by = kb_store_text(st, 12);
    a->created_at = sqlite3_column_int64(st, 13);
    a->version = sqlite3_column_int64(st, 14);
}

/* The kinds of owner and the statement that finds one: a new kind is a row here, a
 * message in owner_exists() and its routes. */
static const struct {
    const char *kind;
    const char *sql;
} owners[] = {
    { KB_ATTACH_INCIDENT, sql_incident },
    { KB_ATTACH_KB, sql_item },
    { KB_ATTACH_REQUEST, sql_request },
    { KB_ATTACH_MAINT, sql_maint_task },
};

/* KB_ENOTFOUND unless the owner exists; KB_EINVAL for an unknown kind. */
static kb_status owner_exists(kb_store *s, const char *kind, const char *id, kb_err *err)
{
    size_t i = 0;
    while (i < sizeof owners / sizeof owners[0] && strcmp(owners[i].kind, kind) != 0)
        i++;
    if (i == sizeof owners / sizeof owners[0])
        return kb_err_set(err, KB_EINVAL, "attachments cannot belong to '%.40s'", kind);
    sqlite3_stmt *st = kb_store_cached(s, owners[i].sql, err);
    if (!st)
        return KB_EDB;
    kb_store_bind_text_or_empty(st, 1, id);
    int r = sqlite3_step(st);
    kb_store_done(st);
    if (r == SQLITE_ROW)
        return KB_OK;
    if (r != SQLITE_DONE)
        return kb_store_db_err(s, err, "attachment owner");
    if (strcmp(kind, KB_ATTACH_KB) == 0)
        return kb_err_set(err, KB_ENOTFOUND, "no knowledge item with id '%s'", id);
    if (strcmp(kind, KB_ATTACH_REQUEST) == 0)
        return kb_err_set(err, KB_ENOTFOUND, "no request '%.40s'", id);
    if (strcmp(kind, KB_ATTACH_MAINT) == 0)
        return kb_err_set(err, KB_ENOTFOUND, "no maintenance task '%.40s'", id);
    return kb_err_set(err, KB_ENOTFOUND, "no incident '%s'", id);
}

kb_status kb_store_attach_texts(kb_store *s, const char *kind, const char *id, kb_buf *out,
                                kb_err *err)
{
    sqlite3_stmt *st = kb_store_cached(s, sql_texts, err);
    if (!st)
        return KB_EDB;
    bind_owner(st, kind, id);
    int r;
    while ((r = sqlite3_step(st)) == SQLITE_ROW) {
        kb_buf_addc(out, '\n');
        kb_buf_add(out, sqlite3_column_text(st, 0), (size_t)sqlite3_column_bytes(st, 0));
    }
    kb_store_done(st);
    return r == SQLITE_DONE ? KB_OK : kb_store_db_err(s, err, "attachment texts");
}

/* Around a change of a knowledge item's attachments: out of the full-text index with what
 * it holds now (*rowid 0 when the owner is no item), then back in with the new texts. */
static kb_status unindex(kb_store *s, const char *kind, const char *id, long long *rowid,
                         kb_err *err)
{
    *rowid = 0;
    return strcmp(kind, KB_ATTACH_KB) == 0 ? kb_store_doc_unindex(s, id, rowid, err) : KB_OK;
}

static kb_status reindex(kb_store *s, long long rowid, kb_err *err)
{
    return rowid ? kb_store_doc_reindex(s, rowid, err) : KB_OK;
}

kb_status kb_attach_restamp(kb_store *s, const char *id, kb_err *err)
{
    sqlite3_stmt *st = kb_store_cached(s, sql_stale, err);
    if (!st)
        return KB_EDB;
    kb_store_bind_text(st, 1, id);
    int r = sqlite3_step(st);
    kb_status rc = r == SQLITE_ROW || r == SQLITE_DONE ? KB_OK
                                                       : kb_store_db_err(s, err, "attachments");
    kb_store_done(st);
    if (rc != KB_OK || r == SQLITE_DONE)
        return rc; /* nothing to change */
    long long rowid = 0;
    rc = unindex(s, KB_ATTACH_KB, id, &rowid, err);
    if (rc == KB_OK) {
        st = kb_store_cached(s, sql_restamp, err);
        if (!st)
            rc = KB_EDB;
        if (rc == KB_OK) {
            kb_store_bind_text(st, 1, id);
            rc = kb_store_step_done(s, st, "attachments", err);
        }
    }
    return rc == KB_OK ? reindex(s, rowid, err) : rc;
}

static kb_status audit(kb_store *s, long long now, const char *actor, const char *action,
                       const kb_attachment *a, const char *kind, const char *id, kb_err *err)
{
    char object[256];
    snprintf(object, sizeof object, "%s:%s", kind, id);
    kb_buf text;
    kb_buf_init(&text, 0);
    kb_buf_addf(&text, "attachment %lld '%s' (%s, %lld bytes, sha256 %s)", a->id, a->name,
                a->type, a->size, a->hash);
    if (a->version)
        kb_buf_addf(&text, " of version %lld", a->version);
    kb_status rc = kb_audit_append(s, now, actor, action, object, kb_buf_str(&text), err);
    kb_buf_free(&text);
    return rc;
}

static kb_status get_one(kb_store *s, const char *kind, const char *id, long long aid,
                         kb_attachment **out, kb_err *err)
{
    *out = NULL;
    sqlite3_stmt *st = kb_store_cached(s, sql_one, err);
    if (!st)
        return KB_EDB;
    bind_owner(st, kind, id);
    sqlite3_bind_int64(st, 3, aid);
    int r = sqlite3_step(st);
    if (r == SQLITE_ROW) {
        *out = kb_xcalloc(1, sizeof **out);
        load(st, *out);
    }
    kb_store_done(st);
    if (r == SQLITE_ROW)
        return KB_OK;
    if (r != SQLITE_DONE)
        return kb_store_db_err(s, err, "attachment");
    return kb_err_set(err, KB_ENOTFOUND, "no attachment %lld on %s '%.64s'", aid, kind, id);
}

/* The state of version n of knowledge item id into state; KB_ENOTFOUND (err untouched)
 * when there is none. */
static kb_status version_state(kb_store *s, const char *id, long long n, char state[24],
                               kb_err *err)
{
    sqlite3_stmt *st = kb_store_cached(s, sql_version_state, err);
    if (!st)
        return KB_EDB;
    kb_store_bind_text_or_empty(st, 1, id);
    sqlite3_bind_int64(st, 2, n);
    int r = sqlite3_step(st);
    if (r == SQLITE_ROW)
        snprintf(state, 24, "%s", (const char *)sqlite3_column_text(st, 0));
    kb_store_done(st);
    if (r == SQLITE_ROW)
        return KB_OK;
    return r == SQLITE_DONE ? KB_ENOTFOUND : kb_store_db_err(s, err, "version");
}

static int state_in(const char *state, const char *const *states)
{
    for (size_t i = 0; states[i]; i++)
        if (strcmp(state, states[i]) == 0)
            return 1;
    return 0;
}

/* Files are added to a version while it is worked on or current, and deleted only while
 * it is worked on: the copy of a version that was published stays as it was. */
static const char *const add_states[] = { "draft", "rejected", "published", NULL };
static const char *const delete_states[] = { "draft", "rejected", NULL };

/* KB_OK when the new file may be the copy of its version. */
static kb_status check_version(kb_store *s, const kb_attach_in *in, kb_err *err)
{
    if (!in->version)
        return KB_OK;
    char state[24];
    kb_status rc = version_state(s, in->owner_id, in->version, state, err);
    if (rc == KB_ENOTFOUND)
        return kb_err_set(err, KB_ENOTFOUND, "'%.64s' has no version %lld", in->owner_id,
                          in->version);
    if (rc == KB_OK && !state_in(state, add_states))
        rc = kb_err_set(err, KB_ECONFLICT, "version %lld of '%.64s' is %s: files are added "
                        "to a draft, a rejected or the published version", in->version,
                        in->owner_id, state);
    return rc;
}

/* The text and thumbnail of a blob not stored yet (made outside the write transaction). */
typedef struct {
    kb_attach_kind kind;
    char hash[KB_HASH_SHA256_HEX];
    int exists;
    char *text;
    size_t text_len;
    char warning[256]; /* why there is no text; "" */
    void *thumb;
    size_t thumb_len;
} blob_new;

static kb_status prepare_blob(kb_store *s, const kb_attach_in *in, blob_new *b, kb_err *err)
{
    memset(b, 0, sizeof *b);
    kb_attach_sniff(in->data, in->len, &b->kind);
    kb_hash_sha256_hex(in->data, in->len, b->hash);
    sqlite3_stmt *st = kb_store_cached(s, sql_blob_exists, err);
    if (!st)
        return KB_EDB;
    kb_store_bind_text_or_empty(st, 1, b->hash);
    int r = sqlite3_step(st);
    kb_store_done(st);
    if (r != SQLITE_ROW && r != SQLITE_DONE)
        return kb_store_db_err(s, err, "attachment content");
    b->exists = r == SQLITE_ROW;
    if (b->exists)
        return KB_OK;
    /* a file whose text cannot be read is kept without it */
    kb_err why;
    kb_err_clear(&why);
    if (kb_attach_text(in->data, in->len, &b->kind, &b->text, &b->text_len, &why) != KB_OK) {
        snprintf(b->warning, sizeof b->warning, "%s", why.msg);
        kb_log(KB_LOG_WARN, "attachment kept without its text: %s owner=%s:%.64s name=%.100s",
               why.msg, in->owner_kind, in->owner_id, in->name);
    }
    if (b->text && b->text_len == 0) {
        free(b->text); /* nothing to search */
        b->text = NULL;
    }
    if (strncmp(b->kind.type, "image/", 6) == 0 &&
        kb_thumb_png(in->data, in->len, b->kind.type, b->kind.width, b->kind.height,
                     b->kind.pixels, b->kind.scans, &b->thumb, &b->thumb_len, NULL) != KB_OK) {
        b->thumb = NULL; /* no thumbnail: too large or does not decode; the file is kept */
        b->thumb_len = 0;
    }
    return KB_OK;
}

static kb_status insert_blob(kb_store *s, const kb_attach_in *in, const blob_new *b,
                             long long now, kb_err *err)
{
    sqlite3_stmt *st = kb_store_cached(s, sql_blob_insert, err);
    if (!st)
        return KB_EDB;
    kb_store_bind_text_or_empty(st, 1, b->hash);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)in->len);
    kb_store_bind_text_or_empty(st, 3, b->kind.type);
    kb_store_bind_text_or_empty(st, 4, b->kind.charset);
    sqlite3_bind_int64(st, 5, b->kind.width);
    sqlite3_bind_int64(st, 6, b->kind.height);
    sqlite3_bind_int64(st, 7, now);
    if (b->thumb)
        sqlite3_bind_blob64(st, 8, b->thumb, b->thumb_len, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, 8);
    if (b->text)
        sqlite3_bind_text64(st, 9, b->text, b->text_len, SQLITE_STATIC, SQLITE_UTF8);
    else
        sqlite3_bind_null(st, 9);
    sqlite3_bind_blob64(st, 10, in->data, in->len, SQLITE_STATIC);
    return kb_store_step_done(s, st, "attachment content", err);
}

/* Count and bytes the owner may still take. */
static kb_status check_room(kb_store *s, const kb_attach_in *in, kb_err *err)
{
    sqlite3_stmt *st = kb_store_cached(s, sql_usage, err);
    if (!st)
        return KB_EDB;
    bind_owner(st, in->owner_kind, in->owner_id);
    long long n = 0, total = 0;
    int r = sqlite3_step(st);
    if (r == SQLITE_ROW) {
        n = sqlite3_column_int64(st, 0);
        total = sqlite3_column_int64(st, 1);
    }
    kb_store_done(st);
    if (r != SQLITE_ROW)
        return kb_store_db_err(s, err, "attachment count");
    if (n >= (long long)KB_ATTACH_MAX_COUNT)
        return kb_err_set(err, KB_ECONFLICT, "%s '%.64s' has %lld attachments, the most it may "
                          "have; delete one first", in->owner_kind, in->owner_id, n);
    if ((unsigned long long)total + in->len > KB_ATTACH_MAX_TOTAL)
        return kb_err_set(err, KB_ETOOBIG, "the attachments of %s '%.64s' would exceed %llu "
                          "MiB together", in->owner_kind, in->owner_id,
                          KB_ATTACH_MAX_TOTAL / (1024 * 1024));
    return KB_OK;
}

/* A program is refused, with what it is. */
static kb_status refuse(kb_attach_program p, kb_err *err)
{
    switch (p) {
    case KB_ATTACH_PE:
        return kb_err_set(err, KB_EINVAL, "the file is a Windows program: programs are not "
                          "kept as attachments");
    case KB_ATTACH_ELF:
        return kb_err_set(err, KB_EINVAL, "the file is a Linux program (ELF): programs are not "
                          "kept as attachments");
    case KB_ATTACH_MACHO:
        return kb_err_set(err, KB_EINVAL, "the file is a macOS program (Mach-O): programs are "
                          "not kept as attachments");
    default:
        return kb_err_set(err, KB_EINVAL, "the file is a program (a Java class or a macOS "
                          "universal binary): programs are not kept as attachments");
    }
}

kb_status kb_attach_add(kb_store *s, const kb_attach_in *in, long long now, kb_attachment **out,
                        kb_err *err)
{
    if (out)
        *out = NULL;
    size_t max = in->max_bytes ? in->max_bytes : KB_ATTACH_MAX_BYTES;
    kb_status rc = kb_attach_check_name(in->name, err);
    if (rc != KB_OK)
        return rc;
    if (in->len == 0)
        return kb_err_set(err, KB_EINVAL, "the file is empty");
    if (in->version && strcmp(in->owner_kind, KB_ATTACH_KB) != 0)
        return kb_err_set(err, KB_EINVAL, "only knowledge items have versions: a file of %s "
                          "'%.64s' belongs to none", in->owner_kind, in->owner_id);
    if (in->len > max)
        return kb_err_set(err, KB_ETOOBIG, "the file is larger than %zu bytes", max);
    blob_new b;
    rc = prepare_blob(s, in, &b, err);
    if (rc == KB_OK && b.kind.program)
        rc = refuse(b.kind.program, err);
    int own = 0;
    long long rowid = 0;
    if (rc == KB_OK)
        rc = kb_store_write_begin(s, &own, err);
    if (rc != KB_OK)
        goto out;
    rc = owner_exists(s, in->owner_kind, in->owner_id, err);
    if (rc == KB_OK)
        rc = check_version(s, in, err);
    if (rc == KB_OK)
        rc = check_room(s, in, err);
    if (rc == KB_OK)
        rc = unindex(s, in->owner_kind, in->owner_id, &rowid, err);
    if (rc == KB_OK)
        rc = insert_blob(s, in, &b, now, err);
    long long aid = 0;
    if (rc == KB_OK) {
        sqlite3_stmt *st = kb_store_cached(s, sql_insert, err);
        if (!st) {
            rc = KB_EDB;
        } else {
            bind_owner(st, in->owner_kind, in->owner_id);
            kb_store_bind_text_or_empty(st, 3, in->name);
            kb_store_bind_text_or_empty(st, 4, b.hash);
            kb_store_bind_text_or_empty(st, 5, in->actor && *in->actor ? in->actor : "anonymous");
            sqlite3_bind_int64(st, 6, now);
            if (in->version)
                sqlite3_bind_int64(st, 7, in->version);
            else
                sqlite3_bind_null(st, 7);
            rc = kb_store_step_done(s, st, "attachment", err);
            aid = sqlite3_last_insert_rowid(kb_store_db(s));
        }
    }
    kb_attachment *a = NULL;
    if (rc == KB_OK)
        rc = get_one(s, in->owner_kind, in->owner_id, aid, &a, err);
    if (rc == KB_OK)
        rc = audit(s, now, in->actor, "attachment.add", a, in->owner_kind, in->owner_id, err);
    if (rc == KB_OK)
        rc = reindex(s, rowid, err);
    rc = kb_store_write_end(s, own, rc, err);
    if (rc == KB_OK && b.warning[0])
        a->warning = kb_xstrdup(b.warning);
    if (rc == KB_OK && out)
        *out = a;
    else
        kb_attachment_free(a);
out:
    free(b.text);
    free(b.thumb);
    return rc;
}

kb_status kb_attach_list(kb_store *s, const char *kind, const char *id,
                         kb_attachment_list **out, kb_err *err)
{
    *out = NULL;
    sqlite3_stmt *st = kb_store_cached(s, sql_list, err);
    if (!st)
        return KB_EDB;
    bind_owner(st, kind, id);
    kb_attachment_list *l = kb_xcalloc(1, sizeof *l);
    size_t cap = 0;
    int r;
    while ((r = sqlite3_step(st)) == SQLITE_ROW) {
        if (l->n == cap) {
            cap = cap ? 2 * cap : 8;
            l->items = kb_xrealloc(l->items, cap * sizeof *l->items);
        }
        kb_attachment *a = &l->items[l->n++];
        memset(a, 0, sizeof *a);
        load(st, a);
        l->total += a->size;
    }
    kb_store_done(st);
    if (r != SQLITE_DONE) {
        kb_attachment_list_free(l);
        return kb_store_db_err(s, err, "attachments");
    }
    *out = l;
    return KB_OK;
}

kb_status kb_attach_read(kb_store *s, const char *kind, const char *id, long long aid,
                         int thumb, kb_attachment **meta, void **data, size_t *len,
                         kb_err *err)
{
    *meta = NULL;
    *data = NULL;
    *len = 0;
    int own;
    kb_status rc = kb_store_read_begin(s, &own, err);
    if (rc != KB_OK)
        return rc;
    kb_attachment *a = NULL;
    rc = get_one(s, kind, id, aid, &a, err);
    sqlite3_stmt *st = NULL;
    if (rc == KB_OK) {
        st = kb_store_cached(s, thumb ? sql_thumb : sql_data, err);
        if (!st)
            rc = KB_EDB;
    }
    if (rc == KB_OK) {
        kb_store_bind_text_or_empty(st, 1, a->hash);
        int r = sqlite3_step(st);
        if (r == SQLITE_ROW) {
            size_t n = (size_t)sqlite3_column_bytes(st, 0);
            *data = kb_xmalloc(n ? n : 1);
            memcpy(*data, sqlite3_column_blob(st, 0), n);
            *len = n;
        } else if (r == SQLITE_DONE && thumb) {
            rc = kb_err_set(err, KB_ENOTFOUND, "attachment %lld has no thumbnail", aid);
        } else if (r == SQLITE_DONE) {
            rc = kb_err_set(err, KB_ENOTFOUND, "attachment %lld has no content", aid);
        } else {
            rc = kb_store_db_err(s, err, "attachment content");
        }
        kb_store_done(st);
    }
    kb_store_read_end(s, own);
    if (rc == KB_OK)
        *meta = a;
    else
        kb_attachment_free(a);
    return rc;
}

kb_status kb_attach_delete(kb_store *s, const char *kind, const char *id, long long aid,
                           const char *actor, long long now, kb_err *err)
{
    int own;
    kb_status rc = kb_store_write_begin(s, &own, err);
    if (rc != KB_OK)
        return rc;
    kb_attachment *a = NULL;
    long long rowid = 0;
    rc = get_one(s, kind, id, aid, &a, err);
    char state[24];
    kb_status vs = rc == KB_OK && a->version ? version_state(s, id, a->version, state, err)
                                             : KB_ENOTFOUND;
    if (vs == KB_OK && !state_in(state, delete_states))
        rc = kb_err_set(err, KB_ECONFLICT, "attachment %lld is the controlled copy of version "
                        "%lld of '%.64s', which is %s: it is kept", aid, a->version, id, state);
    else if (vs != KB_OK && vs != KB_ENOTFOUND)
        rc = vs;
    if (rc == KB_OK)
        rc = unindex(s, kind, id, &rowid, err);
    sqlite3_stmt *st = NULL;
    if (rc == KB_OK) {
        st = kb_store_cached(s, sql_delete, err);
        rc = st ? KB_OK : KB_EDB;
    }
    if (rc == KB_OK) {
        sqlite3_bind_int64(st, 1, aid);
        rc = kb_store_step_done(s, st, "delete attachment", err);
    }
    if (rc == KB_OK) {
        st = kb_store_cached(s, sql_blob_gc, err);
        rc = st ? KB_OK : KB_EDB;
    }
    if (rc == KB_OK) {
        kb_store_bind_text_or_empty(st, 1, a->hash);
        rc = kb_store_step_done(s, st, "delete attachment content", err);
    }
    if (rc == KB_OK)
        rc = audit(s, now, actor, "attachment.delete", a, kind, id, err);
    if (rc == KB_OK)
        rc = reindex(s, rowid, err);
    kb_attachment_free(a);
    return kb_store_write_end(s, own, rc, err);
}
