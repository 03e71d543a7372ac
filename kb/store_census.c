/* The census in the database (all its SQL): schema (version 21), the import of a
 * spreadsheet into the asset archive (through kb_asset_create and kb_asset_update, so that
 * every change has its history and audit entry), campaigns, their sightings and reports.
 * See include/kb_census.h. */
#include "kb_census.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "kb_alloc.h"
#include "kb_asset.h"
#include "kb_audit.h"
#include "kb_buf.h"
#include "kb_hash.h"
#include "kb_sheet.h"
#include "kb_text.h"
#include "store_int.h"

/* census: the campaigns. census_import: the imports of a campaign that changed something
 * or read a file it had not read (the same file again is not logged twice). census_seen:
 * each asset a campaign saw, once: where it was seen (department, location, user) and
 * where the archive had it when the campaign first saw it (was_*); moved when they differ
 * (never for an asset the campaign added). asset_by_serial: rows are matched by serial. */
static const char schema_v21[] =
    "CREATE TABLE IF NOT EXISTS census("
    "  id INTEGER PRIMARY KEY,"
    "  name TEXT NOT NULL UNIQUE COLLATE NOCASE,"
    "  created_by TEXT NOT NULL, created_at INTEGER NOT NULL);"
    "CREATE TABLE IF NOT EXISTS census_import("
    "  id INTEGER PRIMARY KEY,"
    "  census INTEGER NOT NULL REFERENCES census(id),"
    "  at INTEGER NOT NULL, actor TEXT NOT NULL, file_name TEXT NOT NULL,"
    "  format TEXT NOT NULL, sha256 TEXT NOT NULL, rows INTEGER NOT NULL,"
    "  created INTEGER NOT NULL, updated INTEGER NOT NULL, unchanged INTEGER NOT NULL,"
    "  bad INTEGER NOT NULL);"
    "CREATE INDEX IF NOT EXISTS census_import_by_file ON census_import(census, sha256);"
    "CREATE TABLE IF NOT EXISTS census_seen("
    "  census INTEGER NOT NULL REFERENCES census(id),"
    "  asset INTEGER NOT NULL REFERENCES asset(id),"
    "  department TEXT NOT NULL, location TEXT NOT NULL, user TEXT NOT NULL,"
    "  was_department TEXT NOT NULL, was_location TEXT NOT NULL, was_user TEXT NOT NULL,"
    "  is_new INTEGER NOT NULL, moved INTEGER NOT NULL, line INTEGER NOT NULL,"
    "  seen_at INTEGER NOT NULL, seen_by TEXT NOT NULL,"
    "  PRIMARY KEY(census, asset)) WITHOUT ROWID;"
    "CREATE INDEX IF NOT EXISTS census_seen_by_department ON census_seen(census, department);"
    "CREATE INDEX IF NOT EXISTS asset_by_serial ON asset(serial COLLATE NOCASE) "
    "  WHERE serial <> '';";

kb_status kb_census_migrate(kb_store *s, kb_err *err)
{
    return kb_store_exec(s, schema_v21, err);
}

/* The assets the file being imported matched, with their lines (this connection only). */
static const char sql_rows_table[] =
    "CREATE TEMP TABLE IF NOT EXISTS census_row(asset INTEGER PRIMARY KEY, line INTEGER "
    "NOT NULL); DELETE FROM temp.census_row;";
static const char sql_row_line[] = "SELECT line FROM temp.census_row WHERE asset = ?1";
static const char sql_row_add[] = "INSERT INTO temp.census_row(asset, line) VALUES (?1, ?2)";
static const char sql_by_serial[] =
    "SELECT id, tag FROM asset WHERE serial = ?1 COLLATE NOCASE AND serial <> '' "
    "ORDER BY id LIMIT 2";
static const char sql_asset_id[] = "SELECT id FROM asset WHERE tag = ?1";
static const char sql_seen_get[] =
    "SELECT department, location, user FROM census_seen WHERE census = ?1 AND asset = ?2";
static const char sql_seen_add[] =
    "INSERT INTO census_seen(census, asset, department, location, user, was_department, "
    "was_location, was_user, is_new, moved, line, seen_at, seen_by) VALUES (?1, ?2, ?3, ?4, "
    "?5, ?6, ?7, ?8, ?9, ?9 = 0 AND (?3 <> ?6 OR ?4 <> ?7 OR ?5 <> ?8), ?10, ?11, ?12)";
static const char sql_seen_set[] =
    "UPDATE census_seen SET department = ?3, location = ?4, user = ?5, line = ?6, "
    "seen_at = ?7, seen_by = ?8, moved = is_new = 0 AND (was_department <> ?3 OR "
    "was_location <> ?4 OR was_user <> ?5) WHERE census = ?1 AND asset = ?2";
static const char sql_logged[] =
    "SELECT 1 FROM census_import WHERE census = ?1 AND sha256 = ?2";
static const char sql_log[] =
    "INSERT INTO census_import(census, at, actor, file_name, format, sha256, rows, created, "
    "updated, unchanged, bad) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)";
#define CENSUS_COLS                                                                            \
    "id, name, created_by, created_at, (SELECT count(*) FROM census_import i WHERE "          \
    "i.census = census.id), (SELECT count(*) FROM census_seen v WHERE v.census = census.id)"
static const char sql_census_get[] = "SELECT " CENSUS_COLS " FROM census WHERE id = ?1";
static const char sql_census_find[] = "SELECT " CENSUS_COLS " FROM census WHERE name = ?1";
static const char sql_census_list[] =
    "SELECT " CENSUS_COLS " FROM census ORDER BY created_at DESC, id DESC LIMIT ?1";
static const char sql_census_add[] =
    "INSERT INTO census(name, created_by, created_at) VALUES (?1, ?2, ?3)";
static const char sql_found_depts[] =
    "SELECT department, count(*), sum(moved), sum(is_new) FROM census_seen WHERE census = ?1 "
    "GROUP BY department ORDER BY department";
#define MISSING_WHERE                                                                          \
    " WHERE a.status <> 'scrapped' AND NOT EXISTS (SELECT 1 FROM census_seen v WHERE "        \
    "v.census = ?1 AND v.asset = a.id)"
static const char sql_missing_depts[] =
    "SELECT department, count(*) FROM asset a" MISSING_WHERE
    " GROUP BY department ORDER BY department";
/* the lists: ?1 the campaign, ?2 the department (NULL any), ?3 only the moved (found and
 * moved); the rows in the columns item_row reads */
#define SEEN_WHERE                                                                             \
    " WHERE v.census = ?1 AND (?2 IS NULL OR v.department = ?2) AND (?3 = 0 OR v.moved = 1)"
static const char sql_found_count[] = "SELECT count(*) FROM census_seen v" SEEN_WHERE;
static const char sql_found[] =
    "SELECT a.tag, a.class, a.model, v.department, v.location, v.user, v.was_department, "
    "v.was_location, v.was_user, v.is_new, v.line, v.seen_at, v.seen_by FROM census_seen v "
    "JOIN asset a ON a.id = v.asset" SEEN_WHERE " ORDER BY v.department, a.tag "
    "LIMIT ?4 OFFSET ?5";
#define MISSING_DEPT MISSING_WHERE " AND (?2 IS NULL OR a.department = ?2)"
static const char sql_missing_count[] = "SELECT count(*) FROM asset a" MISSING_DEPT;
static const char sql_missing[] =
    "SELECT a.tag, a.class, a.model, a.department, a.location, a.user, '', '', '', 0, 0, 0, "
    "'' FROM asset a" MISSING_DEPT " ORDER BY a.department, a.tag LIMIT ?3 OFFSET ?4";
static const char sql_imports[] =
    "SELECT at, actor, file_name, format, sha256, rows, created, updated, unchanged, bad "
    "FROM census_import WHERE census = ?1 ORDER BY id";

static const char *who(const char *actor)
{
    return actor && *actor ? actor : "anonymous";
}

/* --- campaigns --- */

void kb_census_free(kb_census *c)
{
    if (!c)
        return;
    free(c->name);
    free(c->created_by);
    free(c);
}

void kb_census_list_free(kb_census **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        kb_census_free(v[i]);
    free(v);
}

static kb_census *load_census(sqlite3_stmt *st)
{
    kb_census *c = kb_xcalloc(1, sizeof *c);
    c->id = sqlite3_column_int64(st, 0);
    c->name = kb_store_text(st, 1);
    c->created_by = kb_store_text(st, 2);
    c->created_at = sqlite3_column_int64(st, 3);
    c->imports = (size_t)sqlite3_column_int64(st, 4);
    c->seen = (size_t)sqlite3_column_int64(st, 5);
    return c;
}

/* The one campaign st (bound) selects; KB_ENOTFOUND naming what when none. */
static kb_status one_census(kb_store *s, sqlite3_stmt *st, const char *what, kb_census **out,
                            kb_err *err)
{
    int r = sqlite3_step(st);
    *out = r == SQLITE_ROW ? load_census(st) : NULL;
    kb_store_done(st);
    if (r == SQLITE_DONE)
        return kb_err_set(err, KB_ENOTFOUND, "no census campaign %s", what);
    return kb_store_step_err(s, r, err, "census");
}

kb_status kb_census_get(kb_store *s, long long id, kb_census **out, kb_err *err)
{
    *out = NULL;
    sqlite3_stmt *st = kb_store_cached(s, sql_census_get, err);
    if (!st)
        return KB_EDB;
    sqlite3_bind_int64(st, 1, id);
    char what[32];
    snprintf(what, sizeof what, "%lld", id);
    return one_census(s, st, what, out, err);
}

kb_status kb_census_find(kb_store *s, const char *name, kb_census **out, kb_err *err)
{
    *out = NULL;
    sqlite3_stmt *st = kb_store_cached(s, sql_census_find, err);
    if (!st)
        return KB_EDB;
    char *trim = NULL;
    kb_text_set_trimmed(&trim, name);
    kb_store_bind_text(st, 1, trim);
    kb_buf what;
    kb_buf_init(&what, 0);
    kb_buf_addf(&what, "'%.100s'", trim);
    free(trim);
    kb_status rc = one_census(s, st, kb_buf_str(&what), out, err);
    kb_buf_free(&what);
    return rc;
}

kb_status kb_census_create(kb_store *s, const char *name, const char *actor, long long now,
                           kb_census **out, kb_err *err)
{
    if (out)
        *out = NULL;
    char *trim = NULL;
    kb_text_set_trimmed(&trim, name ? name : "");
    kb_status rc = kb_text_check_field("name", trim, KB_CENSUS_MAX_NAME, 0, err);
    if (rc == KB_OK && !*trim)
        rc = kb_err_set(err, KB_EINVAL, "field 'name' is required: name the census, e.g. "
                        "'2026 Q4 盘点'");
    int own = 0;
    if (rc == KB_OK)
        rc = kb_store_write_begin(s, &own, err);
    else {
        free(trim);
        return rc;
    }
    kb_census *c = NULL;
    if (rc == KB_OK && kb_census_find(s, trim, &c, NULL) == KB_OK)
        rc = kb_err_set(err, KB_EEXIST, "a census campaign is named '%s' already", c->name);
    kb_census_free(c);
    c = NULL;
    sqlite3_stmt *st = rc == KB_OK ? kb_store_cached(s, sql_census_add, err) : NULL;
    if (rc == KB_OK && !st)
        rc = KB_EDB;
    long long id = 0;
    if (rc == KB_OK) {
        kb_store_bind_text(st, 1, trim);
        kb_store_bind_text(st, 2, who(actor));
        sqlite3_bind_int64(st, 3, now);
        rc = kb_store_step_err(s, sqlite3_step(st), err, "census insert");
        kb_store_done(st);
        id = sqlite3_last_insert_rowid(kb_store_db(s));
    }
    if (rc == KB_OK) {
        char object[32];
        snprintf(object, sizeof object, "census:%lld", id);
        rc = kb_audit_append(s, now, who(actor), "census.create", object, trim, err);
    }
    if (rc == KB_OK)
        rc = kb_census_get(s, id, &c, err);
    rc = kb_store_write_end(s, own, rc, err);
    free(trim);
    if (rc == KB_OK && out)
        *out = c;
    else
        kb_census_free(c);
    return rc;
}

typedef struct {
    kb_census **items;
    size_t n;
} census_vec;

static kb_status census_row(sqlite3_stmt *st, void *ctx, kb_err *err)
{
    (void)err;
    census_vec *v = ctx;
    v->items = kb_xrealloc(v->items, (v->n + 1) * sizeof *v->items);
    v->items[v->n++] = load_census(st);
    return KB_OK;
}

kb_status kb_census_list(kb_store *s, kb_census ***out, size_t *n, kb_err *err)
{
    *out = NULL;
    *n = 0;
    sqlite3_stmt *st = kb_store_cached(s, sql_census_list, err);
    if (!st)
        return KB_EDB;
    sqlite3_bind_int64(st, 1, KB_CENSUS_MAX_CAMPAIGNS);
    census_vec v = { NULL, 0 };
    kb_status rc = kb_store_rows(s, st, census_row, &v, "census list", err);
    *out = v.items;
    *n = v.n;
    if (rc != KB_OK) {
        kb_census_list_free(*out, *n);
        *out = NULL;
        *n = 0;
    }
    return rc;
}

/* --- the import --- */

void kb_census_result_free(kb_census_result *r)
{
    if (!r)
        return;
    free(r->charset);
    free(r->sheet);
    for (size_t i = 0; i < r->ncolumns; i++)
        free(r->columns[i].header);
    free(r->columns);
    for (size_t i = 0; i < r->nchanges; i++) {
        kb_census_change *c = &r->changes[i];
        for (size_t k = 0; k < c->ndeltas; k++) {
            free(c->deltas[k].from);
            free(c->deltas[k].to);
        }
        free(c->deltas);
        free(c->tag);
    }
    free(r->changes);
    free(r->problems);
    free(r);
}

typedef struct {
    kb_store *s;
    const kb_census_options *opt;
    long long now;
    kb_census_result *r;
    int fields[KB_CENSUS_NFIELDS]; /* the 0-based column of each field, -1 none */
} importer;

/* Records a bad row: e's message, "line N: " in front. */
static void problem(importer *im, size_t line, kb_err *e)
{
    kb_err_prefix(e, e->code, "line %zu", line);
    im->r->bad++;
    if (im->r->nproblems >= KB_CENSUS_MAX_PROBLEMS)
        return;
    kb_census_problem *p = &im->r->problems[im->r->nproblems++];
    p->line = line;
    memcpy(p->msg, e->msg, sizeof p->msg);
    memcpy(p->msg_zh, e->msg_zh, sizeof p->msg_zh);
}

/* The value of field f of a, as the file would write it. */
static const char *value_of(const kb_asset *a, int f)
{
    switch (f) {
    case KB_CENSUS_F_tag: return a->tag;
    case KB_CENSUS_F_serial: return a->serial;
    case KB_CENSUS_F_class: return kb_asset_class_name(a->cls);
    case KB_CENSUS_F_brand: return a->brand;
    case KB_CENSUS_F_model: return a->model;
    case KB_CENSUS_F_user: return a->user;
    case KB_CENSUS_F_department: return a->department;
    case KB_CENSUS_F_location: return a->location;
    case KB_CENSUS_F_supplier: return a->supplier;
    case KB_CENSUS_F_purchase_date: return a->purchase_date;
    case KB_CENSUS_F_warranty_end: return a->warranty_end;
    case KB_CENSUS_F_status: return kb_asset_status_name(a->status);
    case KB_CENSUS_F_cpu: return a->specs[KB_ASSET_SPEC_cpu];
    case KB_CENSUS_F_memory: return a->specs[KB_ASSET_SPEC_memory];
    case KB_CENSUS_F_disk: return a->specs[KB_ASSET_SPEC_disk];
    case KB_CENSUS_F_os: return a->specs[KB_ASSET_SPEC_os];
    case KB_CENSUS_F_notes: return a->notes;
    default: return "";
    }
}

/* Lists what the row changed from old (NULL: created) to now. */
static void note_change(importer *im, size_t line, const kb_asset *old, const kb_asset *a)
{
    kb_census_result *r = im->r;
    if (r->nchanges >= KB_CENSUS_MAX_CHANGES)
        return;
    r->changes = kb_xrealloc(r->changes, (r->nchanges + 1) * sizeof *r->changes);
    kb_census_change *c = &r->changes[r->nchanges++];
    memset(c, 0, sizeof *c);
    c->line = line;
    c->tag = kb_xstrdup(a->tag);
    c->created = old == NULL;
    for (int f = 0; f < KB_CENSUS_NFIELDS; f++) {
        const char *from = old ? value_of(old, f) : "", *to = value_of(a, f);
        if (strcmp(from, to) == 0 || f == KB_CENSUS_F_tag) /* the change names its tag */
            continue;
        c->deltas = kb_xrealloc(c->deltas, (c->ndeltas + 1) * sizeof *c->deltas);
        c->deltas[c->ndeltas].field = f;
        c->deltas[c->ndeltas].from = kb_xstrdup(from);
        c->deltas[c->ndeltas].to = kb_xstrdup(to);
        c->ndeltas++;
    }
}

/* The line of the earlier row of the file that matched asset id, 0 when none; a DB
 * failure is KB_EDB. */
static kb_status row_line(kb_store *s, long long id, size_t *line, kb_err *err)
{
    *line = 0;
    sqlite3_stmt *st = kb_store_cached(s, sql_row_line, err);
    if (!st)
        return KB_EDB;
    sqlite3_bind_int64(st, 1, id);
    int r = sqlite3_step(st);
    if (r == SQLITE_ROW)
        *line = (size_t)sqlite3_column_int64(st, 0);
    kb_store_done(st);
    return kb_store_step_err(s, r, err, "census rows");
}

static kb_status row_add(kb_store *s, long long id, size_t line, kb_err *err)
{
    sqlite3_stmt *st = kb_store_cached(s, sql_row_add, err);
    if (!st)
        return KB_EDB;
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)line);
    kb_status rc = kb_store_step_err(s, sqlite3_step(st), err, "census rows");
    kb_store_done(st);
    return rc;
}

typedef struct {
    size_t *n;
    char **tag;
} serial_hits;

static kb_status serial_row(sqlite3_stmt *st, void *ctx, kb_err *err)
{
    (void)err;
    serial_hits *h = ctx;
    if (!*h->tag)
        *h->tag = kb_store_text(st, 1);
    (*h->n)++;
    return KB_OK;
}

/* The assets with serial: *n is 0, 1 or 2 (two or more), *tag (free it) the first's. */
static kb_status by_serial(kb_store *s, const char *serial, size_t *n, char **tag,
                           kb_err *err)
{
    *n = 0;
    *tag = NULL;
    sqlite3_stmt *st = kb_store_cached(s, sql_by_serial, err);
    if (!st)
        return KB_EDB;
    kb_store_bind_text(st, 1, serial);
    serial_hits h = { n, tag };
    return kb_store_rows(s, st, serial_row, &h, "asset by serial", err);
}

static kb_status asset_id(kb_store *s, const char *tag, long long *id, kb_err *err)
{
    *id = 0;
    sqlite3_stmt *st = kb_store_cached(s, sql_asset_id, err);
    if (!st)
        return KB_EDB;
    kb_store_bind_text(st, 1, tag);
    int r = sqlite3_step(st);
    if (r == SQLITE_ROW)
        *id = sqlite3_column_int64(st, 0);
    kb_store_done(st);
    return kb_store_step_err(s, r, err, "asset id");
}

/* Records that the campaign saw asset a (id) on line, where old (NULL: it added a) was. */
static kb_status sighting(importer *im, long long id, const kb_asset *old, const kb_asset *a,
                          size_t line, kb_err *err)
{
    kb_store *s = im->s;
    sqlite3_stmt *st = kb_store_cached(s, sql_seen_get, err);
    if (!st)
        return KB_EDB;
    sqlite3_bind_int64(st, 1, im->opt->census);
    sqlite3_bind_int64(st, 2, id);
    int r = sqlite3_step(st), same = 0;
    int seen = r == SQLITE_ROW;
    if (seen)
        same = strcmp((const char *)sqlite3_column_text(st, 0), a->department) == 0 &&
               strcmp((const char *)sqlite3_column_text(st, 1), a->location) == 0 &&
               strcmp((const char *)sqlite3_column_text(st, 2), a->user) == 0;
    kb_store_done(st);
    kb_status rc = kb_store_step_err(s, r, err, "census sighting");
    if (rc != KB_OK || same)
        return rc;
    st = kb_store_cached(s, seen ? sql_seen_set : sql_seen_add, err);
    if (!st)
        return KB_EDB;
    sqlite3_bind_int64(st, 1, im->opt->census);
    sqlite3_bind_int64(st, 2, id);
    kb_store_bind_text(st, 3, a->department);
    kb_store_bind_text(st, 4, a->location);
    kb_store_bind_text(st, 5, a->user);
    int k = 6;
    if (!seen) {
        kb_store_bind_text(st, 6, old ? old->department : "");
        kb_store_bind_text(st, 7, old ? old->location : "");
        kb_store_bind_text(st, 8, old ? old->user : "");
        sqlite3_bind_int(st, 9, old == NULL);
        k = 10;
        im->r->seen_new++;
    }
    sqlite3_bind_int64(st, k, (sqlite3_int64)line);
    sqlite3_bind_int64(st, k + 1, im->now);
    kb_store_bind_text(st, k + 2, who(im->opt->actor));
    rc = kb_store_step_err(s, sqlite3_step(st), err, "census sighting");
    kb_store_done(st);
    return rc;
}

static int row_bad(importer *im, size_t line, kb_err *e)
{
    problem(im, line, e);
    return 1;
}

/* The cells of the row's fields (trimmed copies, NULL when empty) into v; 1 when the row
 * is bad (reported). */
static int row_cells(importer *im, const kb_sheet_row *row, char *v[KB_CENSUS_NFIELDS])
{
    kb_err e;
    for (int f = 0; f < KB_CENSUS_NFIELDS; f++)
        v[f] = NULL;
    for (int f = 0; f < KB_CENSUS_NFIELDS; f++) {
        int col = im->fields[f];
        if (col < 0 || (size_t)col >= row->n)
            continue;
        const char *cell = row->cells[col];
        if (strlen(cell) > KB_CENSUS_MAX_CELL) {
            kb_err_set(&e, KB_EINVAL, "column '%.60s': the cell is longer than %u bytes",
                       im->r->columns[col].header, KB_CENSUS_MAX_CELL);
            for (int k = 0; k < f; k++)
                free(v[k]);
            return row_bad(im, row->line, &e);
        }
        kb_text_set_trimmed(&v[f], cell);
        /* a full-width space alone (U+3000) is empty too */
        if (!*v[f] || strcmp(v[f], "\xe3\x80\x80") == 0) {
            free(v[f]);
            v[f] = NULL;
        }
    }
    return 0;
}

/* Fills in from the row's cells v; 1 when a value is bad (reported). */
static int row_values(importer *im, size_t line, char *v[KB_CENSUS_NFIELDS], kb_asset_in *in,
                      char days[2][11])
{
    kb_err e;
    memset(in, 0, sizeof *in);
    in->cls = -1;
    in->status = -1;
    in->caller_id = -1;
    in->actor = im->opt->actor;
    in->admin = im->opt->admin;
#define COLUMN(f) im->r->columns[im->fields[f]].header
    if (v[KB_CENSUS_F_class] && (in->cls = kb_census_class_of(v[KB_CENSUS_F_class])) < 0) {
        kb_err_set(&e, KB_EINVAL, "column '%.60s': '%.40s' is not a class (desktop, laptop, "
                   "printer, monitor, network_device, phone, server, peripheral, "
                   "software_licence, other; 台式机, 笔记本, 打印机 ...)",
                   COLUMN(KB_CENSUS_F_class), v[KB_CENSUS_F_class]);
        return row_bad(im, line, &e);
    }
    if (v[KB_CENSUS_F_status] && (in->status = kb_census_status_of(v[KB_CENSUS_F_status])) < 0) {
        kb_err_set(&e, KB_EINVAL, "column '%.60s': '%.40s' is not a status (in_use, spare, "
                   "in_repair, lent; 在用, 备用, 维修, 借出)", COLUMN(KB_CENSUS_F_status),
                   v[KB_CENSUS_F_status]);
        return row_bad(im, line, &e);
    }
    if (in->status == KB_ASSET_STATUS_scrapped) {
        kb_err_set(&e, KB_EINVAL, "column '%.60s': an import cannot scrap an asset: ask for "
                   "scrapping on the asset's page and let an approver decide",
                   COLUMN(KB_CENSUS_F_status));
        return row_bad(im, line, &e);
    }
    const int datef[2] = { KB_CENSUS_F_purchase_date, KB_CENSUS_F_warranty_end };
    for (int i = 0; i < 2; i++) {
        if (!v[datef[i]])
            continue;
        if (!kb_census_day(v[datef[i]], days[i])) {
            kb_err_set(&e, KB_EINVAL, "column '%.60s': '%.40s' is not a day (2026-03-15, "
                       "2026/3/15 or 2026年3月15日)", COLUMN(datef[i]), v[datef[i]]);
            return row_bad(im, line, &e);
        }
    }
#undef COLUMN
    in->purchase_date = v[KB_CENSUS_F_purchase_date] ? days[0] : NULL;
    in->warranty_end = v[KB_CENSUS_F_warranty_end] ? days[1] : NULL;
    in->brand = v[KB_CENSUS_F_brand];
    in->model = v[KB_CENSUS_F_model];
    in->serial = v[KB_CENSUS_F_serial];
    in->user = v[KB_CENSUS_F_user];
    in->department = v[KB_CENSUS_F_department];
    in->location = v[KB_CENSUS_F_location];
    in->supplier = v[KB_CENSUS_F_supplier];
    in->notes = v[KB_CENSUS_F_notes];
    in->specs[KB_ASSET_SPEC_cpu] = v[KB_CENSUS_F_cpu];
    in->specs[KB_ASSET_SPEC_memory] = v[KB_CENSUS_F_memory];
    in->specs[KB_ASSET_SPEC_disk] = v[KB_CENSUS_F_disk];
    in->specs[KB_ASSET_SPEC_os] = v[KB_CENSUS_F_os];
    return 0;
}

/* The asset the row is about: *old (NULL for a new one) from the tag, else the serial; 1
 * when the row is bad (reported). Other failures go to err (*fatal). */
static int row_match(importer *im, size_t line, const char *tag, const char *serial,
                     kb_asset **old, kb_status *fatal, kb_err *err)
{
    kb_err e;
    *old = NULL;
    if (tag && !kb_asset_tag_valid(tag)) {
        kb_err_set(&e, KB_EINVAL, "'%.60s' is not an asset tag: 1 to %u letters, digits, "
                   "'-', '_' or '.', beginning with a letter or digit", tag, KB_ASSET_MAX_TAG);
        return row_bad(im, line, &e);
    }
    if (!tag && !serial) {
        kb_err_set(&e, KB_EINVAL, "the row has no tag and no serial number");
        return row_bad(im, line, &e);
    }
    kb_status rc = KB_OK;
    if (tag) {
        rc = kb_asset_get(im->s, tag, old, err);
        if (rc == KB_ENOTFOUND)
            rc = KB_OK;
    }
    size_t n = 0;
    char *other = NULL;
    if (rc == KB_OK && serial)
        rc = by_serial(im->s, serial, &n, &other, err);
    int bad = 0;
    if (rc != KB_OK) {
        *fatal = rc;
        bad = 1;
    } else if (tag && n == 1 && (!*old || strcmp(other, (*old)->tag) != 0)) {
        kb_err_set(&e, KB_EINVAL, "the serial number '%.60s' belongs to asset '%s', not '%s'",
                   serial, other, tag);
        bad = row_bad(im, line, &e);
    } else if (!tag && n == 0) {
        kb_err_set(&e, KB_EINVAL, "no asset has the serial number '%.60s' (a new asset needs "
                   "a tag)", serial);
        bad = row_bad(im, line, &e);
    } else if (n > 1 && !*old) {
        kb_err_set(&e, KB_EINVAL, "several assets have the serial number '%.60s': give the "
                   "tag", serial);
        bad = row_bad(im, line, &e);
    } else if (!tag) {
        rc = kb_asset_get(im->s, other, old, err);
        if (rc != KB_OK) {
            *fatal = rc;
            bad = 1;
        }
    }
    free(other);
    if (bad) {
        kb_asset_free(*old);
        *old = NULL;
    }
    return bad;
}

/* Imports one data row; KB_OK also for a bad row (reported); another status (the database
 * failed) ends the import. */
static kb_status import_row(importer *im, const kb_sheet_row *row, kb_err *err)
{
    kb_census_result *r = im->r;
    size_t line = row->line;
    kb_err e;
    r->rows++;
    if (row->too_long) {
        kb_err_set(&e, KB_EINVAL, "a cell is longer than %u bytes", KB_CENSUS_MAX_CELL);
        problem(im, line, &e);
        return KB_OK;
    }
    char *v[KB_CENSUS_NFIELDS];
    if (row_cells(im, row, v))
        return KB_OK;
    kb_asset_in in;
    char days[2][11];
    kb_asset *old = NULL, *a = NULL;
    kb_status rc = KB_OK;
    int bad = row_values(im, line, v, &in, days);
    if (!bad)
        bad = row_match(im, line, v[KB_CENSUS_F_tag], v[KB_CENSUS_F_serial], &old, &rc, err);
    long long id = 0;
    size_t before = 0;
    if (!bad && old) {
        id = old->id;
        /* a serial that matched (any case) stays as the archive writes it */
        if (in.serial && strcasecmp(in.serial, old->serial) == 0)
            in.serial = NULL;
        rc = row_line(im->s, id, &before, err);
        if (rc == KB_OK && before) {
            kb_err_set(&e, KB_EINVAL, "asset '%s' is on line %zu already", old->tag, before);
            bad = row_bad(im, line, &e);
        }
    }
    if (rc == KB_OK && !bad && !old && in.cls < 0) {
        kb_err_set(&e, KB_EINVAL, "asset '%s' is not in the archive and a new asset needs a "
                   "class", v[KB_CENSUS_F_tag]);
        bad = row_bad(im, line, &e);
    }
    int changed = 0;
    if (rc == KB_OK && !bad) {
        kb_status rrc;
        if (old) {
            rrc = kb_asset_update(im->s, old->tag, &in, im->now, &a, &changed, &e);
        } else {
            in.tag = v[KB_CENSUS_F_tag];
            rrc = kb_asset_create(im->s, &in, im->now, &a, &e);
            changed = 1;
        }
        if (rrc == KB_EINVAL || rrc == KB_ECONFLICT || rrc == KB_EEXIST || rrc == KB_EDENIED) {
            bad = row_bad(im, line, &e);
        } else if (rrc != KB_OK) {
            *err = e;
            rc = rrc;
        }
    }
    if (rc == KB_OK && !bad && !old)
        rc = asset_id(im->s, a->tag, &id, err);
    if (rc == KB_OK && !bad)
        rc = row_add(im->s, id, line, err);
    if (rc == KB_OK && !bad && im->opt->census)
        rc = sighting(im, id, old, a, line, err);
    if (rc == KB_OK && !bad) {
        if (!old)
            r->created++;
        else if (changed)
            r->updated++;
        else
            r->unchanged++;
        if (changed)
            note_change(im, line, old, a);
    }
    kb_asset_free(old);
    kb_asset_free(a);
    for (int f = 0; f < KB_CENSUS_NFIELDS; f++)
        free(v[f]);
    return rc;
}

/* The field header h fills: the mapping's, else the default unless the mapping names
 * that field's column; -1 none. */
static int column_field(const char *h, const char *const *map)
{
    for (int k = 0; k < KB_CENSUS_NFIELDS; k++)
        if (map[k] && *map[k] && kb_census_header_same(h, map[k]))
            return k;
    int f = *h ? kb_census_field_of_header(h) : -1;
    return f >= 0 && map[f] ? -1 : f;
}

/* 1 when the header row's columns name a tag or serial column and one more; fills
 * im->fields (the first column of each field) and the result's columns then. */
static int read_header(importer *im, const kb_sheet_row *row)
{
    const char *const *map = im->opt->map;
    int fields[KB_CENSUS_NFIELDS];
    for (int f = 0; f < KB_CENSUS_NFIELDS; f++)
        fields[f] = -1;
    size_t known = 0;
    size_t n = row->n < KB_CENSUS_MAX_COLS ? row->n : KB_CENSUS_MAX_COLS;
    for (size_t i = 0; i < n; i++) {
        int f = column_field(row->cells[i], map);
        if (f >= 0 && fields[f] < 0) {
            fields[f] = (int)i;
            known++;
        }
    }
    if (known < 2 || (fields[KB_CENSUS_F_tag] < 0 && fields[KB_CENSUS_F_serial] < 0))
        return 0;
    kb_census_result *r = im->r;
    r->header_line = row->line;
    r->ncolumns = n;
    r->columns = kb_xcalloc(n ? n : 1, sizeof *r->columns);
    for (size_t i = 0; i < n; i++) {
        kb_census_column *c = &r->columns[i];
        c->header = kb_xstrdup(row->cells[i]);
        c->column = i + 1;
        c->field = -1;
    }
    for (int f = 0; f < KB_CENSUS_NFIELDS; f++) {
        im->fields[f] = fields[f];
        if (fields[f] >= 0) {
            r->columns[fields[f]].field = f;
            r->columns[fields[f]].mapped = map[f] != NULL;
        }
    }
    return 1;
}

/* Whole-file checks of the header found: too many columns, a mapped header missing, two
 * columns for one field. */
static kb_status check_header(importer *im, const kb_sheet_row *row, kb_err *err)
{
    if (row->n > KB_CENSUS_MAX_COLS)
        return kb_err_set(err, KB_ETOOBIG, "the header row has more than %u columns (%zu)",
                          KB_CENSUS_MAX_COLS, row->n);
    const char *const *map = im->opt->map;
    for (int f = 0; f < KB_CENSUS_NFIELDS; f++)
        if (map[f] && *map[f] && im->fields[f] < 0)
            return kb_err_set(err, KB_EINVAL, "the header row (line %zu) has no column "
                              "'%.60s' for field '%s'", row->line, map[f],
                              kb_census_field_name(f));
    for (size_t i = 0; i < row->n; i++) {
        int f = column_field(row->cells[i], map);
        if (f >= 0 && im->fields[f] != (int)i)
            return kb_err_set(err, KB_EINVAL, "columns %d and %zu both fill field '%s' "
                              "('%.60s' and '%.60s'): map the field to one of them",
                              im->fields[f] + 1, i + 1, kb_census_field_name(f),
                              row->cells[im->fields[f]], row->cells[i]);
    }
    return KB_OK;
}

/* Logs the import in its campaign and audits it when it changed something or read a file
 * the campaign had not read. */
static kb_status log_import(importer *im, kb_err *err)
{
    kb_store *s = im->s;
    const kb_census_options *o = im->opt;
    kb_census_result *r = im->r;
    int changed = r->created || r->updated || r->seen_new;
    int logged = 0;
    kb_status rc = KB_OK;
    if (o->census) {
        sqlite3_stmt *st = kb_store_cached(s, sql_logged, err);
        if (!st)
            return KB_EDB;
        sqlite3_bind_int64(st, 1, o->census);
        kb_store_bind_text(st, 2, r->sha256);
        int q = sqlite3_step(st);
        logged = q == SQLITE_ROW;
        kb_store_done(st);
        rc = kb_store_step_err(s, q, err, "census import log");
    }
    if (rc != KB_OK || (!changed && (logged || !o->census)))
        return rc;
    const char *file = o->file_name && *o->file_name ? o->file_name : "file";
    if (o->census) {
        sqlite3_stmt *st = kb_store_cached(s, sql_log, err);
        if (!st)
            return KB_EDB;
        sqlite3_bind_int64(st, 1, o->census);
        sqlite3_bind_int64(st, 2, im->now);
        kb_store_bind_text(st, 3, who(o->actor));
        kb_store_bind_text(st, 4, file);
        kb_store_bind_text(st, 5, r->format);
        kb_store_bind_text(st, 6, r->sha256);
        const size_t counts[] = { r->rows, r->created, r->updated, r->unchanged, r->bad };
        for (int i = 0; i < 5; i++)
            sqlite3_bind_int64(st, 7 + i, (sqlite3_int64)counts[i]);
        rc = kb_store_step_err(s, sqlite3_step(st), err, "census import log");
        kb_store_done(st);
    }
    kb_buf object, text;
    kb_buf_init(&object, 0);
    kb_buf_init(&text, 0);
    if (o->census)
        kb_buf_addf(&object, "census:%lld", o->census);
    else
        kb_buf_addf(&object, "import:%.150s", file);
    kb_buf_addf(&text, "%.150s (%s, sha256 %.16s): %zu rows, %zu created, %zu updated, "
                "%zu unchanged, %zu bad", file, r->format, r->sha256, r->rows, r->created,
                r->updated, r->unchanged, r->bad);
    if (rc == KB_OK)
        rc = kb_audit_append(s, im->now, who(o->actor),
                             o->census ? "census.import" : "asset.import", kb_buf_str(&object),
                             kb_buf_str(&text), err);
    kb_buf_free(&object);
    kb_buf_free(&text);
    return rc;
}

/* Reads the rows: the header among the first ones, then every data row. */
static kb_status read_rows(importer *im, kb_sheet *sh, kb_err *err)
{
    kb_sheet_row row;
    kb_status rc;
    size_t seen = 0;
    int header = 0;
    while ((rc = kb_sheet_next(sh, &row, err)) == KB_OK && !row.done) {
        if (!header) {
            seen++;
            header = read_header(im, &row);
            if (header) {
                rc = check_header(im, &row, err);
                if (rc != KB_OK)
                    return rc;
                rc = kb_store_exec(im->s, sql_rows_table, err);
                if (rc != KB_OK)
                    return rc;
            } else if (seen >= KB_CENSUS_HEADER_ROWS) {
                break;
            }
            continue;
        }
        rc = import_row(im, &row, err);
        if (rc != KB_OK)
            return rc;
    }
    if (rc != KB_OK)
        return rc;
    if (!header)
        return kb_err_set(err, KB_EINVAL, "no header row in the first %u rows names a tag or "
                          "serial column and another one (资产编号/tag, 序列号/serial, "
                          "类别/class, 使用人/user, 部门/department ...)",
                          KB_CENSUS_HEADER_ROWS);
    return KB_OK;
}

kb_status kb_census_import(kb_store *s, const char *data, size_t len,
                           const kb_census_options *opt, long long now,
                           kb_census_result **out, kb_err *err)
{
    *out = NULL;
    if (len > KB_CENSUS_MAX_BYTES)
        return kb_err_set(err, KB_ETOOBIG, "the file is larger than %u bytes (%zu)",
                          KB_CENSUS_MAX_BYTES, len);
    if (len == 0)
        return kb_err_set(err, KB_EINVAL, "the file is empty");
    for (int f = 0; f < KB_CENSUS_NFIELDS; f++)
        if (opt->map[f] && strlen(opt->map[f]) > KB_CENSUS_MAX_CELL)
            return kb_err_set(err, KB_EINVAL, "the header mapped to field '%s' is longer than "
                              "%u bytes", kb_census_field_name(f), KB_CENSUS_MAX_CELL);
    kb_status rc = KB_OK;
    if (opt->file_name)
        rc = kb_text_check_field("name", opt->file_name, KB_CENSUS_MAX_FILE_NAME, 0, err);
    kb_census *c = NULL;
    if (rc == KB_OK && opt->census)
        rc = kb_census_get(s, opt->census, &c, err);
    kb_census_free(c);
    if (rc != KB_OK)
        return rc;
    kb_sheet_options so = { opt->charset, opt->sheet, KB_CENSUS_MAX_ROWS, 0 };
    kb_sheet *sh = NULL;
    /* a first pass reads the whole file, so that a broken one or one past a limit is
     * refused before any work */
    rc = kb_sheet_open(data, len, &so, &sh, err);
    kb_sheet_row row = { .done = 0 };
    while (rc == KB_OK && !row.done)
        rc = kb_sheet_next(sh, &row, err);
    kb_sheet_free(sh);
    sh = NULL;
    if (rc == KB_OK)
        rc = kb_sheet_open(data, len, &so, &sh, err);
    if (rc != KB_OK)
        return rc;
    kb_census_result *r = kb_xcalloc(1, sizeof *r);
    r->format = kb_sheet_format_name(kb_sheet_format_of(sh));
    r->charset = kb_xstrdup(kb_sheet_charset(sh));
    r->sheet = kb_xstrdup(kb_sheet_name(sh));
    r->problems = kb_xcalloc(KB_CENSUS_MAX_PROBLEMS, sizeof *r->problems);
    kb_hash_sha256_hex(data, len, r->sha256);
    importer im = { .s = s, .opt = opt, .now = now, .r = r };
    for (int f = 0; f < KB_CENSUS_NFIELDS; f++)
        im.fields[f] = -1;
    int own = 0;
    rc = kb_store_write_begin(s, &own, err);
    if (rc == KB_OK) {
        /* a dry run rolls back what it did: only in a transaction of its own */
        if (opt->dry_run && !own)
            rc = kb_err_set(err, KB_EINTERNAL, "a dry run needs its own transaction");
        if (rc == KB_OK)
            rc = read_rows(&im, sh, err);
        if (rc == KB_OK && !opt->dry_run)
            rc = log_import(&im, err);
        if (opt->dry_run && own) {
            kb_store_rollback(s);
        } else {
            rc = kb_store_write_end(s, own, rc, err);
        }
    }
    kb_sheet_free(sh);
    if (rc != KB_OK) {
        kb_census_result_free(r);
        return rc;
    }
    *out = r;
    return KB_OK;
}

/* --- reports --- */

static void item_free(kb_census_item *it)
{
    char **v[] = { &it->tag, &it->cls, &it->model, &it->department, &it->location, &it->user,
                   &it->was_department, &it->was_location, &it->was_user, &it->seen_by };
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
        free(*v[i]);
}

void kb_census_report_free(kb_census_report *r)
{
    if (!r)
        return;
    kb_census_free(r->census);
    for (size_t i = 0; i < r->ndepts; i++)
        free(r->depts[i].department);
    free(r->depts);
    for (size_t i = 0; i < r->nimports; i++) {
        kb_census_import_log *l = &r->imports[i];
        free(l->actor);
        free(l->file_name);
        free(l->format);
        free(l->sha256);
    }
    free(r->imports);
    free(r);
}

void kb_census_items_free(kb_census_items *l)
{
    if (!l)
        return;
    for (size_t i = 0; i < l->n; i++)
        item_free(&l->items[i]);
    free(l->items);
    free(l);
}

/* Appends the row (the columns of sql_found) to the page (a kb_census_items). */
static kb_status item_row(sqlite3_stmt *st, void *ctx, kb_err *err)
{
    (void)err;
    kb_census_items *l = ctx;
    l->items = kb_xrealloc(l->items, (l->n + 1) * sizeof *l->items);
    kb_census_item *it = &l->items[l->n++];
    it->tag = kb_store_text(st, 0);
    it->cls = kb_store_text(st, 1);
    it->model = kb_store_text(st, 2);
    it->department = kb_store_text(st, 3);
    it->location = kb_store_text(st, 4);
    it->user = kb_store_text(st, 5);
    it->was_department = kb_store_text(st, 6);
    it->was_location = kb_store_text(st, 7);
    it->was_user = kb_store_text(st, 8);
    it->is_new = sqlite3_column_int(st, 9);
    it->line = (size_t)sqlite3_column_int64(st, 10);
    it->seen_at = sqlite3_column_int64(st, 11);
    it->seen_by = kb_store_text(st, 12);
    return KB_OK;
}

typedef struct {
    long long census;
    const char *department;
    int moved;
} list_filter;

static void bind_seen(sqlite3_stmt *st, const void *filter, int page)
{
    (void)page;
    const list_filter *f = filter;
    sqlite3_bind_int64(st, 1, f->census);
    kb_store_bind_opt(st, 2, f->department);
    sqlite3_bind_int(st, 3, f->moved);
}

static void bind_missing(sqlite3_stmt *st, const void *filter, int page)
{
    (void)page;
    const list_filter *f = filter;
    sqlite3_bind_int64(st, 1, f->census);
    kb_store_bind_opt(st, 2, f->department);
}

static const kb_store_list seen_list = {
    .count_sql = sql_found_count,
    .page_sql = sql_found,
    .limit_param = 4,
    .def_limit = KB_CENSUS_DEF_LIMIT,
    .max_limit = KB_CENSUS_MAX_LIMIT,
    .bind = bind_seen,
    .row = item_row,
    .count_what = "census count",
    .page_what = "census list",
};

static const kb_store_list missing_list = {
    .count_sql = sql_missing_count,
    .page_sql = sql_missing,
    .limit_param = 3,
    .def_limit = KB_CENSUS_DEF_LIMIT,
    .max_limit = KB_CENSUS_MAX_LIMIT,
    .bind = bind_missing,
    .row = item_row,
    .count_what = "census missing count",
    .page_what = "census missing",
};

kb_status kb_census_assets(kb_store *s, long long id, int which, const char *department,
                           size_t limit, size_t offset, kb_census_items **out, kb_err *err)
{
    *out = NULL;
    assert(which >= 0 && which < KB_CENSUS_NLISTS);
    kb_census *c = NULL;
    kb_status rc = kb_census_get(s, id, &c, err);
    kb_census_free(c);
    if (rc != KB_OK)
        return rc;
    list_filter f = { id, department, which == KB_CENSUS_LIST_moved };
    kb_census_items *l = kb_xcalloc(1, sizeof *l);
    rc = kb_store_list_page(s, which == KB_CENSUS_LIST_missing ? &missing_list : &seen_list,
                            &f, limit, offset, &l->total, l, err);
    if (rc != KB_OK) {
        kb_census_items_free(l);
        return rc;
    }
    *out = l;
    return KB_OK;
}

/* The department named dept in r's summary, added in order when missing. */
static kb_census_dept *dept_of(kb_census_report *r, const char *dept)
{
    size_t i = 0;
    while (i < r->ndepts && strcmp(r->depts[i].department, dept) < 0)
        i++;
    if (i < r->ndepts && strcmp(r->depts[i].department, dept) == 0)
        return &r->depts[i];
    r->depts = kb_xrealloc(r->depts, (r->ndepts + 1) * sizeof *r->depts);
    memmove(&r->depts[i + 1], &r->depts[i], (r->ndepts - i) * sizeof *r->depts);
    r->ndepts++;
    memset(&r->depts[i], 0, sizeof r->depts[i]);
    r->depts[i].department = kb_xstrdup(dept);
    return &r->depts[i];
}

static kb_status found_row(sqlite3_stmt *st, void *ctx, kb_err *err)
{
    (void)err;
    kb_census_report *r = ctx;
    const char *name = (const char *)sqlite3_column_text(st, 0);
    kb_census_dept *d = dept_of(r, name ? name : "");
    d->found = (size_t)sqlite3_column_int64(st, 1);
    d->moved = (size_t)sqlite3_column_int64(st, 2);
    d->added = (size_t)sqlite3_column_int64(st, 3);
    r->found += d->found;
    r->moved += d->moved;
    r->added += d->added;
    return KB_OK;
}

static kb_status missing_row(sqlite3_stmt *st, void *ctx, kb_err *err)
{
    (void)err;
    kb_census_report *r = ctx;
    const char *name = (const char *)sqlite3_column_text(st, 0);
    kb_census_dept *d = dept_of(r, name ? name : "");
    d->missing = (size_t)sqlite3_column_int64(st, 1);
    r->missing += d->missing;
    return KB_OK;
}

static kb_status load_summary(kb_store *s, kb_census_report *r, kb_err *err)
{
    kb_status rc = kb_store_each_row(s, sql_found_depts, r->census->id, found_row, r,
                                     "census summary", err);
    if (rc == KB_OK)
        rc = kb_store_each_row(s, sql_missing_depts, r->census->id, missing_row, r,
                               "census summary", err);
    return rc;
}

static kb_status import_row_of(sqlite3_stmt *st, void *ctx, kb_err *err)
{
    (void)err;
    kb_census_report *r = ctx;
    r->imports = kb_xrealloc(r->imports, (r->nimports + 1) * sizeof *r->imports);
    kb_census_import_log *l = &r->imports[r->nimports++];
    l->at = sqlite3_column_int64(st, 0);
    l->actor = kb_store_text(st, 1);
    l->file_name = kb_store_text(st, 2);
    l->format = kb_store_text(st, 3);
    l->sha256 = kb_store_text(st, 4);
    size_t *counts[] = { &l->rows, &l->created, &l->updated, &l->unchanged, &l->bad };
    for (int i = 0; i < 5; i++)
        *counts[i] = (size_t)sqlite3_column_int64(st, 5 + i);
    return KB_OK;
}

static kb_status load_imports(kb_store *s, kb_census_report *r, kb_err *err)
{
    return kb_store_each_row(s, sql_imports, r->census->id, import_row_of, r, "census imports",
                             err);
}

kb_status kb_census_report_get(kb_store *s, long long id, kb_census_report **out,
                               kb_err *err)
{
    *out = NULL;
    kb_census_report *r = kb_xcalloc(1, sizeof *r);
    int own = 0;
    kb_status rc = kb_store_read_begin(s, &own, err);
    if (rc == KB_OK) {
        rc = kb_census_get(s, id, &r->census, err);
        if (rc == KB_OK)
            rc = load_summary(s, r, err);
        if (rc == KB_OK)
            rc = load_imports(s, r, err);
        kb_store_read_end(s, own);
    }
    if (rc != KB_OK) {
        kb_census_report_free(r);
        return rc;
    }
    *out = r;
    return KB_OK;
}
