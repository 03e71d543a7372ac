/* The asset archive in the database (all its SQL): schema (version 16), changes with their
 * history and audit entries, scrap requests and decisions, searches and an asset's
 * incidents. See include/kb_asset.h. */
#include "kb_asset.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "kb_alloc.h"
#include "kb_audit.h"
#include "kb_buf.h"
#include "kb_text.h"
#include "store_int.h"

/* asset: one row per asset; class and status by name, software one item per line,
 * search_key the normalised tag, serial, model, brand, user, department, location and
 * supplier without white space, one per line (what a search compares).
 * asset_event: the history, one row per change, never deleted.
 * incident_by_ci: an incident's ci as an asset tag matches it (trimmed, ASCII case
 * ignored). */
static const char schema_v16[] =
    "CREATE TABLE IF NOT EXISTS asset("
    "  id INTEGER PRIMARY KEY,"
    "  tag TEXT NOT NULL UNIQUE COLLATE NOCASE,"
    "  class TEXT NOT NULL,"
    "  brand TEXT NOT NULL, model TEXT NOT NULL, serial TEXT NOT NULL,"
    "  user TEXT NOT NULL, caller_id INTEGER NOT NULL DEFAULT 0,"
    "  department TEXT NOT NULL, location TEXT NOT NULL, supplier TEXT NOT NULL,"
    "  purchase_date TEXT NOT NULL, warranty_end TEXT NOT NULL,"
    "  status TEXT NOT NULL,"
    "  spec_cpu TEXT NOT NULL, spec_memory TEXT NOT NULL, spec_disk TEXT NOT NULL,"
    "  spec_os TEXT NOT NULL,"
    "  software TEXT NOT NULL,"
    "  notes TEXT NOT NULL,"
    "  scrap_reason TEXT NOT NULL, scrap_requested_by TEXT NOT NULL,"
    "  scrap_requested_at INTEGER NOT NULL,"
    "  created_by TEXT NOT NULL, created_at INTEGER NOT NULL,"
    "  updated_by TEXT NOT NULL, updated_at INTEGER NOT NULL,"
    "  search_key TEXT NOT NULL);"
    "CREATE INDEX IF NOT EXISTS asset_by_caller ON asset(caller_id) WHERE caller_id <> 0;"
    "CREATE TABLE IF NOT EXISTS asset_event("
    "  id INTEGER PRIMARY KEY,"
    "  asset INTEGER NOT NULL REFERENCES asset(id),"
    "  at INTEGER NOT NULL,"
    "  actor TEXT NOT NULL,"
    "  action TEXT NOT NULL,"
    "  summary TEXT NOT NULL);"
    "CREATE INDEX IF NOT EXISTS asset_event_by_asset ON asset_event(asset, id);"
    "CREATE INDEX IF NOT EXISTS incident_by_ci ON incident(trim(ci) COLLATE NOCASE);";

kb_status kb_asset_migrate(kb_store *s, kb_err *err)
{
    return kb_store_exec(s, schema_v16, err);
}

#define COLS                                                                                   \
    "id, tag, class, brand, model, serial, user, caller_id, department, location, supplier, " \
    "purchase_date, warranty_end, status, spec_cpu, spec_memory, spec_disk, spec_os, "        \
    "software, notes, scrap_reason, scrap_requested_by, scrap_requested_at, created_by, "     \
    "created_at, updated_by, updated_at"

static const char sql_get[] = "SELECT " COLS " FROM asset WHERE tag = ?1";
static const char sql_insert[] =
    "INSERT INTO asset(tag, class, brand, model, serial, user, caller_id, department, "
    "location, supplier, purchase_date, warranty_end, status, spec_cpu, spec_memory, "
    "spec_disk, spec_os, software, notes, scrap_reason, scrap_requested_by, "
    "scrap_requested_at, created_by, created_at, updated_by, updated_at, search_key) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, "
    "?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26, ?27)";
static const char sql_update[] =
    "UPDATE asset SET tag = ?1, class = ?2, brand = ?3, model = ?4, serial = ?5, user = ?6, "
    "caller_id = ?7, department = ?8, location = ?9, supplier = ?10, purchase_date = ?11, "
    "warranty_end = ?12, status = ?13, spec_cpu = ?14, spec_memory = ?15, spec_disk = ?16, "
    "spec_os = ?17, software = ?18, notes = ?19, scrap_reason = ?20, "
    "scrap_requested_by = ?21, scrap_requested_at = ?22, created_by = ?23, "
    "created_at = ?24, updated_by = ?25, updated_at = ?26, search_key = ?27 WHERE id = ?28";
static const char sql_tag_taken[] = "SELECT tag FROM asset WHERE tag = ?1";
static const char sql_caller_name[] = "SELECT name FROM caller WHERE id = ?1";
static const char sql_event[] =
    "INSERT INTO asset_event(asset, at, actor, action, summary) VALUES (?1, ?2, ?3, ?4, ?5)";
static const char sql_events[] =
    "SELECT at, actor, action, summary FROM (SELECT id, at, actor, action, summary "
    "FROM asset_event WHERE asset = ?1 ORDER BY id DESC LIMIT ?2) ORDER BY id";
static const char sql_incidents[] =
    "SELECT " KB_STORE_BRIEF_COLS " FROM incident WHERE trim(ci) = ?1 COLLATE NOCASE "
    "ORDER BY created_at DESC, id DESC LIMIT ?2";
/* ?1 the query's key, ?2 class, ?3 status, ?4 caller; NULL = any */
#define SEARCH_WHERE                                                                           \
    " WHERE (?1 IS NULL OR instr(search_key, ?1) > 0) AND (?2 IS NULL OR class = ?2)"         \
    " AND (?3 IS NULL OR status = ?3) AND (?4 IS NULL OR caller_id = ?4)"
static const char sql_search[] =
    "SELECT " COLS " FROM asset" SEARCH_WHERE
    " ORDER BY (tag = ?5) DESC, (substr(tag, 1, length(?5)) = ?5 COLLATE NOCASE) DESC,"
    " (serial = ?5 COLLATE NOCASE) DESC, tag, id LIMIT ?6 OFFSET ?7";
static const char sql_search_count[] = "SELECT count(*) FROM asset" SEARCH_WHERE;

/* The text fields that kb_asset and kb_asset_in share, by offset: one row per field. */
static const struct {
    const char *name;
    size_t rec;     /* offset of the char * in kb_asset */
    size_t in;      /* offset of the const char * in kb_asset_in */
} texts[] = {
    { "brand", offsetof(kb_asset, brand), offsetof(kb_asset_in, brand) },
    { "model", offsetof(kb_asset, model), offsetof(kb_asset_in, model) },
    { "serial", offsetof(kb_asset, serial), offsetof(kb_asset_in, serial) },
    { "user", offsetof(kb_asset, user), offsetof(kb_asset_in, user) },
    { "department", offsetof(kb_asset, department), offsetof(kb_asset_in, department) },
    { "location", offsetof(kb_asset, location), offsetof(kb_asset_in, location) },
    { "supplier", offsetof(kb_asset, supplier), offsetof(kb_asset_in, supplier) },
    { "purchase_date", offsetof(kb_asset, purchase_date), offsetof(kb_asset_in, purchase_date) },
    { "warranty_end", offsetof(kb_asset, warranty_end), offsetof(kb_asset_in, warranty_end) },
    { "notes", offsetof(kb_asset, notes), offsetof(kb_asset_in, notes) },
};
#define NTEXTS (sizeof texts / sizeof texts[0])
#define REC_STR(a, i) (*(char **)((char *)(a) + texts[i].rec))
#define IN_STR(in, i) (*(const char *const *)((const char *)(in) + texts[i].in))

/* --- records --- */

#define NSTRS (NTEXTS + KB_ASSET_NSPECS + 5)

/* The slots of every string of a: the text fields, the specs and the rest. */
static void strings_of(kb_asset *a, char **v[NSTRS])
{
    size_t k = 0;
    for (size_t i = 0; i < NTEXTS; i++)
        v[k++] = &REC_STR(a, i);
    for (int i = 0; i < KB_ASSET_NSPECS; i++)
        v[k++] = &a->specs[i];
    v[k++] = &a->tag;
    v[k++] = &a->scrap_reason;
    v[k++] = &a->scrap_requested_by;
    v[k++] = &a->created_by;
    v[k++] = &a->updated_by;
}

static void software_add(kb_asset *a, const char *item, size_t len)
{
    a->software = kb_xrealloc(a->software, (a->nsoftware + 1) * sizeof *a->software);
    a->software[a->nsoftware++] = kb_xstrndup(item, len);
}

static void software_clear(kb_asset *a)
{
    for (size_t i = 0; i < a->nsoftware; i++)
        free(a->software[i]);
    free(a->software);
    a->software = NULL;
    a->nsoftware = 0;
}

void kb_asset_free(kb_asset *a)
{
    if (!a)
        return;
    char **v[NSTRS];
    strings_of(a, v);
    for (size_t i = 0; i < NSTRS; i++)
        free(*v[i]);
    software_clear(a);
    free(a);
}

static kb_asset *asset_new(void)
{
    kb_asset *a = kb_xcalloc(1, sizeof *a);
    char **v[NSTRS];
    strings_of(a, v);
    for (size_t i = 0; i < NSTRS; i++)
        *v[i] = kb_xstrdup("");
    return a;
}

static kb_asset *asset_copy(const kb_asset *a)
{
    kb_asset *d = kb_xcalloc(1, sizeof *d);
    *d = *a;
    char **v[NSTRS];
    strings_of(d, v);
    for (size_t i = 0; i < NSTRS; i++)
        *v[i] = kb_xstrdup(*v[i]);
    d->software = NULL;
    d->nsoftware = 0;
    for (size_t i = 0; i < a->nsoftware; i++)
        software_add(d, a->software[i], strlen(a->software[i]));
    return d;
}

/* A record from a row of COLS. */
static kb_asset *load_row(sqlite3_stmt *st)
{
    kb_asset *a = kb_xcalloc(1, sizeof *a);
    a->id = sqlite3_column_int64(st, 0);
    a->tag = kb_store_text(st, 1);
    char *cls = kb_store_text(st, 2);
    a->cls = kb_asset_class_of(cls);
    if (a->cls < 0)
        a->cls = KB_ASSET_CLASS_other;
    free(cls);
    a->brand = kb_store_text(st, 3);
    a->model = kb_store_text(st, 4);
    a->serial = kb_store_text(st, 5);
    a->user = kb_store_text(st, 6);
    a->caller_id = sqlite3_column_int64(st, 7);
    a->department = kb_store_text(st, 8);
    a->location = kb_store_text(st, 9);
    a->supplier = kb_store_text(st, 10);
    a->purchase_date = kb_store_text(st, 11);
    a->warranty_end = kb_store_text(st, 12);
    char *status = kb_store_text(st, 13);
    a->status = kb_asset_status_of(status);
    if (a->status < 0)
        a->status = KB_ASSET_STATUS_in_use;
    free(status);
    for (int k = 0; k < KB_ASSET_NSPECS; k++)
        a->specs[k] = kb_store_text(st, 14 + k);
    char *sw = kb_store_text(st, 18);
    for (const char *p = sw; *p;) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        if (len)
            software_add(a, p, len);
        p += len + (nl != NULL);
    }
    free(sw);
    a->notes = kb_store_text(st, 19);
    a->scrap_reason = kb_store_text(st, 20);
    a->scrap_requested_by = kb_store_text(st, 21);
    a->scrap_requested_at = sqlite3_column_int64(st, 22);
    a->created_by = kb_store_text(st, 23);
    a->created_at = sqlite3_column_int64(st, 24);
    a->updated_by = kb_store_text(st, 25);
    a->updated_at = sqlite3_column_int64(st, 26);
    return a;
}

kb_status kb_asset_get(kb_store *s, const char *tag, kb_asset **out, kb_err *err)
{
    *out = NULL;
    if (!kb_asset_tag_valid(tag))
        return kb_err_set(err, KB_ENOTFOUND, "no asset '%.60s'", tag ? tag : "");
    sqlite3_stmt *st = kb_store_cached(s, sql_get, err);
    if (!st)
        return KB_EDB;
    kb_store_bind_text(st, 1, tag);
    int r = sqlite3_step(st);
    kb_asset *a = r == SQLITE_ROW ? load_row(st) : NULL;
    kb_store_done(st);
    if (!a)
        return r == SQLITE_DONE ? kb_err_set(err, KB_ENOTFOUND, "no asset '%s'", tag)
                                : kb_store_db_err(s, err, "asset");
    *out = a;
    return KB_OK;
}

/* --- changes --- */

static const char *who(const char *actor)
{
    return actor && *actor ? actor : "anonymous";
}

/* Writes a's row: an insert when a->id is 0 (setting it), else an update. */
static kb_status write_asset(kb_store *s, kb_asset *a, kb_err *err)
{
    kb_buf key, part, sw;
    kb_buf_init(&key, 0);
    kb_buf_init(&part, 0);
    kb_buf_init(&sw, 0);
    const char *keyed[] = { a->tag, a->serial, a->model, a->brand, a->user, a->department,
                            a->location, a->supplier };
    for (size_t i = 0; i < sizeof keyed / sizeof keyed[0]; i++) {
        kb_store_text_key(s, keyed[i], &part);
        kb_buf_add(&key, part.data, part.len);
        kb_buf_addc(&key, '\n');
    }
    for (size_t i = 0; i < a->nsoftware; i++)
        kb_buf_addf(&sw, "%s%s", i ? "\n" : "", a->software[i]);
    int insert = a->id == 0;
    sqlite3_stmt *st = kb_store_cached(s, insert ? sql_insert : sql_update, err);
    kb_status rc = st ? KB_OK : KB_EDB;
    if (rc == KB_OK) {
        const char *v1[] = { a->tag, kb_asset_class_name(a->cls), a->brand, a->model,
                             a->serial, a->user };
        for (int i = 0; i < 6; i++)
            kb_store_bind_text(st, 1 + i, v1[i]);
        sqlite3_bind_int64(st, 7, a->caller_id);
        const char *v2[] = { a->department, a->location, a->supplier, a->purchase_date,
                             a->warranty_end, kb_asset_status_name(a->status), a->specs[0],
                             a->specs[1], a->specs[2], a->specs[3], kb_buf_str(&sw),
                             a->notes, a->scrap_reason, a->scrap_requested_by };
        for (int i = 0; i < 14; i++)
            kb_store_bind_text(st, 8 + i, v2[i]);
        sqlite3_bind_int64(st, 22, a->scrap_requested_at);
        kb_store_bind_text(st, 23, a->created_by);
        sqlite3_bind_int64(st, 24, a->created_at);
        kb_store_bind_text(st, 25, a->updated_by);
        sqlite3_bind_int64(st, 26, a->updated_at);
        kb_store_bind_text(st, 27, kb_buf_str(&key));
        if (!insert)
            sqlite3_bind_int64(st, 28, a->id);
        rc = kb_store_step_err(s, sqlite3_step(st), err, insert ? "asset insert" : "asset update");
        kb_store_done(st);
        if (rc == KB_OK && insert)
            a->id = sqlite3_last_insert_rowid(kb_store_db(s));
    }
    kb_buf_free(&key);
    kb_buf_free(&part);
    kb_buf_free(&sw);
    return rc;
}

/* Adds an entry to a's history and the audit trail (asset.<action>). */
static kb_status record(kb_store *s, const kb_asset *a, long long now, const char *actor,
                        const char *action, const char *summary, kb_err *err)
{
    sqlite3_stmt *st = kb_store_cached(s, sql_event, err);
    if (!st)
        return KB_EDB;
    sqlite3_bind_int64(st, 1, a->id);
    sqlite3_bind_int64(st, 2, now);
    kb_store_bind_text(st, 3, who(actor));
    kb_store_bind_text(st, 4, action);
    kb_store_bind_text(st, 5, summary);
    kb_status rc = kb_store_step_err(s, sqlite3_step(st), err, "asset history");
    kb_store_done(st);
    if (rc != KB_OK)
        return rc;
    char name[48], object[KB_ASSET_MAX_TAG + 16];
    snprintf(name, sizeof name, "asset.%s", action);
    snprintf(object, sizeof object, "asset:%s", a->tag);
    return kb_audit_append(s, now, who(actor), name, object, summary, err);
}

/* Applies the fields in gives to a; a caller's name for the user when in names a caller
 * but no user. */
static void apply(kb_asset *a, const kb_asset_in *in, const char *caller_name)
{
    if (in->tag)
        kb_text_set_trimmed(&a->tag, in->tag);
    if (in->cls >= 0)
        a->cls = in->cls;
    if (in->status >= 0)
        a->status = in->status;
    for (size_t i = 0; i < NTEXTS; i++)
        if (IN_STR(in, i))
            kb_text_set_trimmed(&REC_STR(a, i), IN_STR(in, i));
    for (int k = 0; k < KB_ASSET_NSPECS; k++)
        if (in->specs[k])
            kb_text_set_trimmed(&a->specs[k], in->specs[k]);
    if (in->caller_id >= 0)
        a->caller_id = in->caller_id;
    if (caller_name && !in->user)
        kb_text_set_trimmed(&a->user, caller_name);
    if (in->set_software) {
        software_clear(a);
        for (size_t i = 0; i < in->nsoftware; i++) {
            char *item = NULL;
            kb_text_set_trimmed(&item, in->software[i]);
            software_add(a, item, strlen(item));
            free(item);
        }
    }
}

static void field_change(kb_buf *out, const char *name, const char *from, const char *to)
{
    if (out->len)
        kb_buf_adds(out, "; ");
    if (from)
        kb_buf_addf(out, "%s %.120s→%.120s", name, *from ? from : "(none)", *to ? to : "(none)");
    else
        kb_buf_addf(out, "%s %.120s", name, to);
}

static void software_text(const kb_asset *a, kb_buf *b)
{
    for (size_t i = 0; i < a->nsoftware; i++)
        kb_buf_addf(b, "%s%s", i ? ", " : "", a->software[i]);
}

/* The summary of a new asset (a NULL), or of the change from a to b; "" when nothing
 * changed. */
static void summary(const kb_asset *a, const kb_asset *b, kb_buf *out)
{
    if (!a || a->cls != b->cls)
        field_change(out, "class", a ? kb_asset_class_name(a->cls) : NULL,
                     kb_asset_class_name(b->cls));
    if (!a || a->status != b->status)
        field_change(out, "status", a ? kb_asset_status_name(a->status) : NULL,
                     kb_asset_status_name(b->status));
    for (size_t i = 0; i < NTEXTS; i++) {
        const char *from = a ? REC_STR(a, i) : NULL, *to = REC_STR(b, i);
        if ((a && strcmp(from, to) == 0) || (!a && !*to))
            continue;
        if (strcmp(texts[i].name, "notes") == 0)
            kb_buf_addf(out, "%snotes %s", out->len ? "; " : "", a ? "changed" : "given");
        else
            field_change(out, texts[i].name, from, to);
    }
    for (int k = 0; k < KB_ASSET_NSPECS; k++) {
        const char *from = a ? a->specs[k] : NULL, *to = b->specs[k];
        if ((a && strcmp(from, to) == 0) || (!a && !*to))
            continue;
        char name[32];
        snprintf(name, sizeof name, "specs.%s", kb_asset_spec_name(k));
        field_change(out, name, from, to);
    }
    if ((a && a->caller_id != b->caller_id) || (!a && b->caller_id)) {
        char from[24], to[24];
        snprintf(from, sizeof from, "%lld", a ? a->caller_id : 0);
        snprintf(to, sizeof to, "%lld", b->caller_id);
        field_change(out, "caller_id", a ? from : NULL, to);
    }
    int same = a && a->nsoftware == b->nsoftware;
    for (size_t i = 0; same && i < b->nsoftware; i++)
        same = strcmp(a->software[i], b->software[i]) == 0;
    if (!same && (a || b->nsoftware)) {
        kb_buf from, to;
        kb_buf_init(&from, 0);
        kb_buf_init(&to, 0);
        if (a)
            software_text(a, &from);
        software_text(b, &to);
        field_change(out, "software", a ? kb_buf_str(&from) : NULL, kb_buf_str(&to));
        kb_buf_free(&from);
        kb_buf_free(&to);
    }
}

/* The name of caller id (a new string; free it) into *name; KB_EINVAL when there is no
 * such caller. id 0 gives NULL. */
static kb_status caller_name(kb_store *s, long long id, char **name, kb_err *err)
{
    *name = NULL;
    if (id <= 0)
        return KB_OK;
    sqlite3_stmt *st = kb_store_cached(s, sql_caller_name, err);
    if (!st)
        return KB_EDB;
    sqlite3_bind_int64(st, 1, id);
    int r = sqlite3_step(st);
    if (r == SQLITE_ROW)
        *name = kb_store_text(st, 0);
    kb_store_done(st);
    if (r == SQLITE_DONE)
        return kb_err_set(err, KB_EINVAL, "field 'caller_id': there is no caller %lld", id);
    return kb_store_step_err(s, r, err, "asset caller");
}

/* KB_EINVAL when a's warranty ends before its purchase (one of them may come from the
 * stored record). */
static kb_status check_dates(const kb_asset *a, kb_err *err)
{
    if (a->purchase_date[0] && a->warranty_end[0] &&
        strcmp(a->warranty_end, a->purchase_date) < 0)
        return kb_err_set(err, KB_EINVAL, "field 'warranty_end' (%s) is before "
                          "'purchase_date' (%s)", a->warranty_end, a->purchase_date);
    return KB_OK;
}

kb_status kb_asset_create(kb_store *s, const kb_asset_in *in, long long now, kb_asset **out,
                          kb_err *err)
{
    if (out)
        *out = NULL;
    kb_status rc = kb_asset_check(in, 1, err);
    if (rc != KB_OK)
        return rc;
    int own;
    rc = kb_store_write_begin(s, &own, err);
    if (rc != KB_OK)
        return rc;
    char *cname = NULL;
    kb_asset *a = NULL;
    sqlite3_stmt *st = kb_store_cached(s, sql_tag_taken, err);
    if (!st)
        rc = KB_EDB;
    if (rc == KB_OK) {
        kb_store_bind_text(st, 1, in->tag);
        int r = sqlite3_step(st);
        if (r == SQLITE_ROW)
            rc = kb_err_set(err, KB_EEXIST, "asset tag '%s' is taken (by '%s')", in->tag,
                            (const char *)sqlite3_column_text(st, 0));
        else
            rc = kb_store_step_err(s, r, err, "asset tag");
        kb_store_done(st);
    }
    if (rc == KB_OK)
        rc = caller_name(s, in->caller_id, &cname, err);
    if (rc == KB_OK) {
        a = asset_new();
        a->status = KB_ASSET_STATUS_in_use;
        kb_asset_in all = *in;
        all.set_software = 1;
        apply(a, &all, cname);
        kb_text_set_trimmed(&a->created_by, who(in->actor));
        kb_text_set_trimmed(&a->updated_by, who(in->actor));
        a->created_at = now;
        a->updated_at = now;
        rc = write_asset(s, a, err);
    }
    if (rc == KB_OK) {
        kb_buf text;
        kb_buf_init(&text, 0);
        summary(NULL, a, &text);
        rc = record(s, a, now, a->created_by, "create", kb_buf_str(&text), err);
        kb_buf_free(&text);
    }
    rc = kb_store_write_end(s, own, rc, err);
    free(cname);
    if (rc == KB_OK && out)
        *out = a;
    else
        kb_asset_free(a);
    return rc;
}

kb_status kb_asset_update(kb_store *s, const char *tag, const kb_asset_in *in, long long now,
                          kb_asset **out, int *changed, kb_err *err)
{
    if (out)
        *out = NULL;
    if (changed)
        *changed = 0;
    kb_status rc = kb_asset_check(in, 0, err);
    if (rc != KB_OK)
        return rc;
    if (in->tag)
        return kb_err_set(err, KB_EINVAL, "field 'tag' cannot be changed");
    int own;
    rc = kb_store_write_begin(s, &own, err);
    if (rc != KB_OK)
        return rc;
    kb_asset *old = NULL, *a = NULL;
    char *cname = NULL;
    kb_buf text;
    kb_buf_init(&text, 0);
    rc = kb_asset_get(s, tag, &old, err);
    if (rc == KB_OK && old->status == KB_ASSET_STATUS_scrapped && !in->admin)
        rc = kb_err_set(err, KB_ECONFLICT, "asset '%s' is scrapped: only an admin can change "
                        "or restore it", old->tag);
    if (rc == KB_OK && in->caller_id != old->caller_id)
        rc = caller_name(s, in->caller_id, &cname, err);
    if (rc == KB_OK) {
        a = asset_copy(old);
        apply(a, in, cname);
        rc = check_dates(a, err);
    }
    if (rc == KB_OK)
        summary(old, a, &text);
    if (rc == KB_OK && text.len) {
        kb_text_set_trimmed(&a->updated_by, who(in->actor));
        a->updated_at = now;
        int restore = old->status == KB_ASSET_STATUS_scrapped && a->status != old->status;
        rc = write_asset(s, a, err);
        if (rc == KB_OK)
            rc = record(s, a, now, a->updated_by, restore ? "restore" : "update",
                        kb_buf_str(&text), err);
        if (rc == KB_OK && changed)
            *changed = 1;
    }
    rc = kb_store_write_end(s, own, rc, err);
    kb_buf_free(&text);
    free(cname);
    kb_asset_free(old);
    if (rc == KB_OK && out)
        *out = a;
    else
        kb_asset_free(a);
    return rc;
}

/* --- scrapping: asked by one person, decided by another --- */

/* 1 when v holds more than white space. */
static int has_text(const char *v)
{
    for (const char *p = v ? v : ""; *p; p++)
        if (*p != ' ' && *p != '\t' && *p != '\n' && *p != '\r')
            return 1;
    return 0;
}

static kb_status check_reason(const char *field, const char *v, kb_err *err)
{
    if (!has_text(v))
        return kb_err_set(err, KB_EINVAL, "field '%s' is required: say why", field);
    return kb_text_check_field(field, v, KB_ASSET_MAX_NOTES, 1, err);
}

kb_status kb_asset_scrap_request(kb_store *s, const char *tag, const char *reason,
                                 const char *actor, long long now, kb_asset **out,
                                 kb_err *err)
{
    if (out)
        *out = NULL;
    kb_status rc = check_reason("reason", reason, err);
    if (rc != KB_OK)
        return rc;
    int own;
    rc = kb_store_write_begin(s, &own, err);
    if (rc != KB_OK)
        return rc;
    kb_asset *a = NULL;
    rc = kb_asset_get(s, tag, &a, err);
    if (rc == KB_OK && a->status == KB_ASSET_STATUS_scrapped)
        rc = kb_err_set(err, KB_ECONFLICT, "asset '%s' is scrapped already", a->tag);
    else if (rc == KB_OK && a->scrap_requested_by[0])
        rc = kb_err_set(err, KB_ECONFLICT, "asset '%s' already waits for a decision on "
                        "scrapping (asked by %s)", a->tag, a->scrap_requested_by);
    if (rc == KB_OK) {
        kb_text_set_trimmed(&a->scrap_reason, reason);
        kb_text_set_trimmed(&a->scrap_requested_by, who(actor));
        a->scrap_requested_at = now;
        rc = write_asset(s, a, err);
    }
    if (rc == KB_OK) {
        kb_buf text;
        kb_buf_init(&text, 0);
        kb_buf_addf(&text, "reason: %.400s", a->scrap_reason);
        rc = record(s, a, now, actor, "scrap_request", kb_buf_str(&text), err);
        kb_buf_free(&text);
    }
    rc = kb_store_write_end(s, own, rc, err);
    if (rc == KB_OK && out)
        *out = a;
    else
        kb_asset_free(a);
    return rc;
}

kb_status kb_asset_scrap_decide(kb_store *s, const char *tag, int approve,
                                const char *comment, const char *actor, long long now,
                                kb_asset **out, kb_err *err)
{
    if (out)
        *out = NULL;
    kb_status rc = KB_OK;
    if (!approve)
        rc = check_reason("comment", comment, err);
    else if (comment)
        rc = kb_text_check_field("comment", comment, KB_ASSET_MAX_NOTES, 1, err);
    if (rc != KB_OK)
        return rc;
    int own;
    rc = kb_store_write_begin(s, &own, err);
    if (rc != KB_OK)
        return rc;
    kb_asset *a = NULL;
    rc = kb_asset_get(s, tag, &a, err);
    if (rc == KB_OK && !a->scrap_requested_by[0])
        rc = kb_err_set(err, KB_ECONFLICT, "asset '%s' has no scrap request waiting for a "
                        "decision", a->tag);
    else if (rc == KB_OK && strcasecmp(a->scrap_requested_by, who(actor)) == 0)
        rc = kb_err_set(err, KB_EDENIED, "'%s' asked for asset '%s' to be scrapped: another "
                        "approver must decide", a->scrap_requested_by, a->tag);
    kb_buf text;
    kb_buf_init(&text, 0);
    if (rc == KB_OK) {
        if (approve)
            kb_buf_addf(&text, "status %s→scrapped; asked by %s: %.300s",
                        kb_asset_status_name(a->status), a->scrap_requested_by,
                        a->scrap_reason);
        else
            kb_buf_addf(&text, "asked by %s: %.300s", a->scrap_requested_by, a->scrap_reason);
        if (has_text(comment))
            kb_buf_addf(&text, "; decision: %.300s", comment);
        if (approve) {
            a->status = KB_ASSET_STATUS_scrapped;
            kb_text_set_trimmed(&a->updated_by, who(actor));
            a->updated_at = now;
        }
        kb_text_set_trimmed(&a->scrap_reason, "");
        kb_text_set_trimmed(&a->scrap_requested_by, "");
        a->scrap_requested_at = 0;
        rc = write_asset(s, a, err);
    }
    if (rc == KB_OK)
        rc = record(s, a, now, actor, approve ? "scrap" : "scrap_reject", kb_buf_str(&text),
                    err);
    rc = kb_store_write_end(s, own, rc, err);
    kb_buf_free(&text);
    if (rc == KB_OK && out)
        *out = a;
    else
        kb_asset_free(a);
    return rc;
}

/* --- searches --- */

void kb_asset_list_free(kb_asset_list *l)
{
    if (!l)
        return;
    for (size_t i = 0; i < l->n; i++)
        kb_asset_free(l->items[i]);
    free(l->items);
    free(l);
}

/* What a search binds: the filter, the query's key and the query as typed (trimmed). */
struct search {
    const kb_asset_filter *f;
    const char *key;
    const char *raw;
};

static void bind_search(sqlite3_stmt *st, const void *arg, int page)
{
    const struct search *q = arg;
    const kb_asset_filter *f = q->f;
    if (q->key && *q->key)
        kb_store_bind_text(st, 1, q->key);
    if (f->cls >= 0)
        kb_store_bind_text(st, 2, kb_asset_class_name(f->cls));
    if (f->status >= 0)
        kb_store_bind_text(st, 3, kb_asset_status_name(f->status));
    if (f->caller_id > 0)
        sqlite3_bind_int64(st, 4, f->caller_id);
    if (page && q->raw && *q->raw)
        kb_store_bind_text(st, 5, q->raw);
}

static kb_status search_row(sqlite3_stmt *st, void *ctx, kb_err *err)
{
    (void)err;
    kb_asset_list *l = ctx;
    l->items = kb_xrealloc(l->items, (l->n + 1) * sizeof *l->items);
    l->items[l->n++] = load_row(st);
    return KB_OK;
}

static const kb_store_list search_list = {
    .count_sql = sql_search_count,
    .page_sql = sql_search,
    .limit_param = 6,
    .def_limit = 20,
    .max_limit = KB_ASSET_MAX_LIMIT,
    .bind = bind_search,
    .row = search_row,
    .count_what = "asset count",
    .page_what = "asset search",
};

kb_status kb_asset_search(kb_store *s, const kb_asset_filter *f, kb_asset_list **out,
                          kb_err *err)
{
    *out = NULL;
    const char *q = f->q && *f->q ? f->q : NULL;
    if (q && strlen(q) > KB_ASSET_MAX_QUERY)
        return kb_err_set(err, KB_EINVAL, "'q' is longer than %u bytes", KB_ASSET_MAX_QUERY);
    kb_buf key, raw;
    kb_buf_init(&key, 0);
    kb_buf_init(&raw, 0);
    if (q) {
        kb_store_text_key(s, q, &key);
        char *trimmed = NULL;
        kb_text_set_trimmed(&trimmed, q);
        kb_buf_adds(&raw, trimmed);
        free(trimmed);
    }
    kb_asset_list *l = kb_xcalloc(1, sizeof *l);
    kb_status rc = KB_OK;
    /* text that normalises to nothing (only spaces) finds nothing rather than everything */
    if (!q || key.len) {
        struct search arg = { f, kb_buf_str(&key), kb_buf_str(&raw) };
        rc = kb_store_list_page(s, &search_list, &arg, f->limit, f->offset, &l->total, l, err);
    }
    kb_buf_free(&key);
    kb_buf_free(&raw);
    if (rc != KB_OK) {
        kb_asset_list_free(l);
        return rc;
    }
    *out = l;
    return KB_OK;
}

/* --- an asset's history and incidents --- */

void kb_asset_history_free(kb_asset_history *h)
{
    if (!h)
        return;
    for (size_t i = 0; i < h->nevents; i++) {
        free(h->events[i].actor);
        free(h->events[i].action);
        free(h->events[i].summary);
    }
    free(h->events);
    kb_incident_briefs_free(h->incidents, h->nincidents);
    free(h);
}

static kb_status event_row(sqlite3_stmt *st, void *ctx, kb_err *err)
{
    (void)err;
    kb_asset_history *h = ctx;
    h->events = kb_xrealloc(h->events, (h->nevents + 1) * sizeof *h->events);
    kb_asset_event *e = &h->events[h->nevents++];
    e->at = sqlite3_column_int64(st, 0);
    e->actor = kb_store_text(st, 1);
    e->action = kb_store_text(st, 2);
    e->summary = kb_store_text(st, 3);
    return KB_OK;
}

static kb_status load_events(kb_store *s, const kb_asset *a, kb_asset_history *h, kb_err *err)
{
    sqlite3_stmt *st = kb_store_cached(s, sql_events, err);
    if (!st)
        return KB_EDB;
    sqlite3_bind_int64(st, 1, a->id);
    sqlite3_bind_int64(st, 2, KB_ASSET_MAX_HISTORY);
    return kb_store_rows(s, st, event_row, h, "asset history", err);
}

static kb_status load_incidents(kb_store *s, const kb_asset *a, kb_asset_history *h,
                                kb_err *err)
{
    sqlite3_stmt *st = kb_store_cached(s, sql_incidents, err);
    if (!st)
        return KB_EDB;
    kb_store_bind_text(st, 1, a->tag);
    sqlite3_bind_int64(st, 2, KB_ASSET_MAX_INCIDENTS);
    return kb_store_incident_briefs(s, st, &h->incidents, &h->nincidents, err);
}

kb_status kb_asset_history_get(kb_store *s, const kb_asset *a, kb_asset_history **out,
                               kb_err *err)
{
    *out = NULL;
    kb_asset_history *h = kb_xcalloc(1, sizeof *h);
    int own = 0;
    kb_status rc = kb_store_read_begin(s, &own, err);
    if (rc == KB_OK) {
        rc = load_events(s, a, h, err);
        if (rc == KB_OK)
            rc = load_incidents(s, a, h, err);
        kb_store_read_end(s, own);
    }
    if (rc != KB_OK) {
        kb_asset_history_free(h);
        return rc;
    }
    *out = h;
    return KB_OK;
}
