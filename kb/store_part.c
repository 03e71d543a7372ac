/* The spare-parts store in the database (all its SQL): schema (version 20), the catalogue,
 * locations, stock with its movements, low-stock events, replenishment requests and monthly
 * consumption. See include/kb_part.h. */
#include "kb_part.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "kb_alloc.h"
#include "kb_asset.h"
#include "kb_audit.h"
#include "kb_buf.h"
#include "kb_date.h"
#include "kb_incident.h"
#include "kb_notify.h"
#include "kb_text.h"
#include "store_int.h"

/* part: the catalogue; models one per line, search_key the normalised number, name and
 * models without white space, one per line; low_since when the part last became low (0:
 * not low), which makes the low-stock event once per crossing.
 * part_location: the store locations. part_stock: quantity per part and location, never
 * negative (the CHECK backs the conditional updates below).
 * part_move: every movement, never deleted; month is the desk month of at (consumption),
 * model the asset's model when the movement names an asset.
 * part_reorder: replenishment requests. */
static const char schema_v20[] =
    "CREATE TABLE IF NOT EXISTS part("
    "  id INTEGER PRIMARY KEY,"
    "  number TEXT NOT NULL UNIQUE COLLATE NOCASE,"
    "  name TEXT NOT NULL, unit TEXT NOT NULL, models TEXT NOT NULL, notes TEXT NOT NULL,"
    "  minimum INTEGER NOT NULL, low_since INTEGER NOT NULL DEFAULT 0,"
    "  created_by TEXT NOT NULL, created_at INTEGER NOT NULL,"
    "  updated_by TEXT NOT NULL, updated_at INTEGER NOT NULL,"
    "  search_key TEXT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS part_location("
    "  id INTEGER PRIMARY KEY,"
    "  name TEXT NOT NULL UNIQUE COLLATE NOCASE,"
    "  note TEXT NOT NULL,"
    "  created_at INTEGER NOT NULL);"
    "CREATE TABLE IF NOT EXISTS part_stock("
    "  part INTEGER NOT NULL REFERENCES part(id),"
    "  location INTEGER NOT NULL REFERENCES part_location(id),"
    "  qty INTEGER NOT NULL CHECK (qty >= 0),"
    "  PRIMARY KEY(part, location)) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS part_move("
    "  id INTEGER PRIMARY KEY,"
    "  part INTEGER NOT NULL REFERENCES part(id),"
    "  kind TEXT NOT NULL, qty INTEGER NOT NULL,"
    "  loc_from INTEGER NOT NULL, loc_to INTEGER NOT NULL,"
    "  incident TEXT NOT NULL, asset TEXT NOT NULL, model TEXT NOT NULL,"
    "  reorder INTEGER NOT NULL, note TEXT NOT NULL, actor TEXT NOT NULL,"
    "  at INTEGER NOT NULL, month TEXT NOT NULL);"
    "CREATE INDEX IF NOT EXISTS part_move_by_part ON part_move(part, id);"
    "CREATE INDEX IF NOT EXISTS part_move_by_asset ON part_move(asset COLLATE NOCASE, id)"
    "  WHERE asset <> '';"
    "CREATE INDEX IF NOT EXISTS part_move_by_incident ON part_move(incident, id)"
    "  WHERE incident <> '';"
    "CREATE INDEX IF NOT EXISTS part_move_by_month ON part_move(month, part);"
    "CREATE TABLE IF NOT EXISTS part_reorder("
    "  id INTEGER PRIMARY KEY,"
    "  part INTEGER NOT NULL REFERENCES part(id),"
    "  qty INTEGER NOT NULL, location INTEGER NOT NULL, state TEXT NOT NULL,"
    "  reason TEXT NOT NULL, requested_by TEXT NOT NULL, requested_at INTEGER NOT NULL,"
    "  decided_by TEXT NOT NULL, comment TEXT NOT NULL, decided_at INTEGER NOT NULL,"
    "  received INTEGER NOT NULL, received_by TEXT NOT NULL, received_at INTEGER NOT NULL);"
    "CREATE INDEX IF NOT EXISTS part_reorder_by_state ON part_reorder(state, id);"
    "CREATE INDEX IF NOT EXISTS part_reorder_by_part ON part_reorder(part, id);";

kb_status kb_part_migrate(kb_store *s, kb_err *err)
{
    return kb_store_exec(s, schema_v20, err);
}

#define STOCK "(SELECT coalesce(sum(qty), 0) FROM part_stock WHERE part = p.id)"
#define COLS                                                                                   \
    "p.id, p.number, p.name, p.unit, p.models, p.notes, p.minimum, p.low_since, "             \
    "p.created_by, p.created_at, p.updated_by, p.updated_at, " STOCK
#define LOW "(p.minimum > 0 AND " STOCK " < p.minimum)"

static const char sql_get[] = "SELECT " COLS " FROM part p WHERE p.number = ?1";
static const char sql_by_id[] = "SELECT " COLS " FROM part p WHERE p.id = ?1";
static const char sql_insert[] =
    "INSERT INTO part(number, name, unit, models, notes, minimum, low_since, created_by, "
    "created_at, updated_by, updated_at, search_key) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, 0, ?7, ?8, ?7, ?8, ?9)";
static const char sql_update[] =
    "UPDATE part SET name = ?2, unit = ?3, models = ?4, notes = ?5, minimum = ?6, "
    "updated_by = ?7, updated_at = ?8, search_key = ?9 WHERE id = ?1";
static const char sql_taken[] = "SELECT number FROM part WHERE number = ?1";
static const char sql_stock_at[] =
    "SELECT l.name, s.qty FROM part_stock s JOIN part_location l ON l.id = s.location "
    "WHERE s.part = ?1 ORDER BY l.name";
#define SEARCH_WHERE                                                                           \
    " WHERE (?1 IS NULL OR instr(p.search_key, ?1) > 0) AND (?2 IS NULL OR " LOW ")"
static const char sql_search[] =
    "SELECT " COLS " FROM part p" SEARCH_WHERE " ORDER BY " LOW " DESC, p.number "
    "LIMIT ?3 OFFSET ?4";
static const char sql_count[] = "SELECT count(*) FROM part p" SEARCH_WHERE;
static const char sql_low_set[] = "UPDATE part SET low_since = ?2 WHERE id = ?1";

static const char sql_loc_by_name[] = "SELECT id, name FROM part_location WHERE name = ?1";
static const char sql_loc_count[] = "SELECT count(*) FROM part_location";
static const char sql_loc_insert[] =
    "INSERT INTO part_location(name, note, created_at) VALUES (?1, ?2, ?3)";
static const char sql_loc_list[] =
    "SELECT id, name, note, created_at FROM part_location ORDER BY name, id";

static const char sql_take[] =
    "UPDATE part_stock SET qty = qty - ?3 WHERE part = ?1 AND location = ?2 AND qty >= ?3";
static const char sql_put[] =
    "INSERT INTO part_stock(part, location, qty) VALUES (?1, ?2, ?3) "
    "ON CONFLICT(part, location) DO UPDATE SET qty = qty + ?3";
static const char sql_held[] = "SELECT qty FROM part_stock WHERE part = ?1 AND location = ?2";
static const char sql_move_insert[] =
    "INSERT INTO part_move(part, kind, qty, loc_from, loc_to, incident, asset, model, "
    "reorder, note, actor, at, month) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)";
#define MOVE_COLS                                                                              \
    "m.id, p.number, p.name, m.kind, m.qty, "                                                 \
    "coalesce((SELECT name FROM part_location WHERE id = m.loc_from), ''), "                  \
    "coalesce((SELECT name FROM part_location WHERE id = m.loc_to), ''), "                    \
    "m.incident, m.asset, m.model, m.reorder, m.note, m.actor, m.at"
#define MOVE_WHERE                                                                             \
    " FROM part_move m JOIN part p ON p.id = m.part WHERE (?1 IS NULL OR p.number = ?1)"      \
    " AND (?2 IS NULL OR m.asset = ?2 COLLATE NOCASE) AND (?3 IS NULL OR m.incident = ?3)"
static const char sql_moves[] =
    "SELECT " MOVE_COLS MOVE_WHERE " ORDER BY m.id DESC LIMIT ?4 OFFSET ?5";
static const char sql_moves_count[] = "SELECT count(*)" MOVE_WHERE;

#define RO_COLS                                                                                \
    "r.id, p.number, p.name, p.unit, r.qty, "                                                 \
    "coalesce((SELECT name FROM part_location WHERE id = r.location), ''), r.state, "         \
    "r.reason, r.requested_by, r.requested_at, r.decided_by, r.comment, r.decided_at, "       \
    "r.received, r.received_by, r.received_at, r.location"
static const char sql_ro_get[] =
    "SELECT " RO_COLS " FROM part_reorder r JOIN part p ON p.id = r.part WHERE r.id = ?1";
#define RO_WHERE                                                                               \
    " FROM part_reorder r JOIN part p ON p.id = r.part WHERE (?1 IS NULL OR r.state = ?1)"    \
    " AND (?2 IS NULL OR p.number = ?2)"
static const char sql_ro_list[] =
    "SELECT " RO_COLS RO_WHERE " ORDER BY r.id DESC LIMIT ?3 OFFSET ?4";
static const char sql_ro_count[] = "SELECT count(*)" RO_WHERE;
static const char sql_ro_insert[] =
    "INSERT INTO part_reorder(part, qty, location, state, reason, requested_by, requested_at, "
    "decided_by, comment, decided_at, received, received_by, received_at) "
    "VALUES (?1, ?2, ?3, 'pending', ?4, ?5, ?6, '', '', 0, 0, '', 0)";
static const char sql_ro_decide[] =
    "UPDATE part_reorder SET state = ?2, decided_by = ?3, comment = ?4, decided_at = ?5 "
    "WHERE id = ?1 AND state = 'pending'";
static const char sql_ro_receive[] =
    "UPDATE part_reorder SET state = 'received', received = ?2, received_by = ?3, "
    "received_at = ?4, location = ?5 WHERE id = ?1 AND state = 'approved'";

static const char sql_use_part[] =
    "SELECT m.month, p.number, p.name, p.unit, '', "
    "sum(CASE WHEN m.kind = 'issue' THEN m.qty ELSE 0 END), "
    "sum(CASE WHEN m.kind = 'return' THEN m.qty ELSE 0 END) "
    "FROM part_move m JOIN part p ON p.id = m.part "
    "WHERE m.month BETWEEN ?1 AND ?2 AND m.kind IN ('issue', 'return') "
    "GROUP BY m.month, p.id ORDER BY m.month, p.number";
static const char sql_use_model[] =
    "SELECT m.month, p.number, p.name, p.unit, m.model, "
    "sum(CASE WHEN m.kind = 'issue' THEN m.qty ELSE 0 END), "
    "sum(CASE WHEN m.kind = 'return' THEN m.qty ELSE 0 END) "
    "FROM part_move m JOIN part p ON p.id = m.part "
    "WHERE m.month BETWEEN ?1 AND ?2 AND m.kind IN ('issue', 'return') "
    "GROUP BY m.month, m.model, p.id ORDER BY m.month, m.model = '', m.model, p.number";

static const char *who(const char *actor)
{
    return actor && *actor ? actor : "anonymous";
}

/* 1 when v holds more than white space. */
static int has_text(const char *v)
{
    for (const char *p = v ? v : ""; *p; p++)
        if (*p != ' ' && *p != '\t' && *p != '\n' && *p != '\r')
            return 1;
    return 0;
}

static kb_status audit(kb_store *s, long long now, const char *actor, const char *action,
                       const char *number, const char *summary, kb_err *err)
{
    char name[48], object[KB_PART_MAX_NUMBER + 16];
    snprintf(name, sizeof name, "part.%s", action);
    snprintf(object, sizeof object, "part:%s", number);
    return kb_audit_append(s, now, who(actor), name, object, summary, err);
}

/* --- records --- */

static void models_add(kb_part *p, const char *m, size_t len)
{
    p->models = kb_xrealloc(p->models, (p->nmodels + 1) * sizeof *p->models);
    p->models[p->nmodels++] = kb_xstrndup(m, len);
}

static void models_clear(kb_part *p)
{
    for (size_t i = 0; i < p->nmodels; i++)
        free(p->models[i]);
    free(p->models);
    p->models = NULL;
    p->nmodels = 0;
}

void kb_part_free(kb_part *p)
{
    if (!p)
        return;
    free(p->number);
    free(p->name);
    free(p->unit);
    free(p->notes);
    models_clear(p);
    for (size_t i = 0; i < p->nat; i++)
        free(p->at[i].location);
    free(p->at);
    free(p->created_by);
    free(p->updated_by);
    free(p);
}

static kb_part *load_row(sqlite3_stmt *st)
{
    kb_part *p = kb_xcalloc(1, sizeof *p);
    p->id = sqlite3_column_int64(st, 0);
    p->number = kb_store_text(st, 1);
    p->name = kb_store_text(st, 2);
    p->unit = kb_store_text(st, 3);
    char *models = kb_store_text(st, 4);
    for (const char *m = models; *m;) {
        const char *nl = strchr(m, '\n');
        size_t len = nl ? (size_t)(nl - m) : strlen(m);
        if (len)
            models_add(p, m, len);
        m += len + (nl != NULL);
    }
    free(models);
    p->notes = kb_store_text(st, 5);
    p->minimum = sqlite3_column_int64(st, 6);
    p->low_since = sqlite3_column_int64(st, 7);
    p->created_by = kb_store_text(st, 8);
    p->created_at = sqlite3_column_int64(st, 9);
    p->updated_by = kb_store_text(st, 10);
    p->updated_at = sqlite3_column_int64(st, 11);
    p->stock = sqlite3_column_int64(st, 12);
    p->low = p->minimum > 0 && p->stock < p->minimum;
    return p;
}

static kb_status stock_row(sqlite3_stmt *st, void *ctx, kb_err *err)
{
    (void)err;
    kb_part *p = ctx;
    p->at = kb_xrealloc(p->at, (p->nat + 1) * sizeof *p->at);
    p->at[p->nat].location = kb_store_text(st, 0);
    p->at[p->nat++].qty = sqlite3_column_int64(st, 1);
    return KB_OK;
}

static kb_status load_stock(kb_store *s, kb_part *p, kb_err *err)
{
    return kb_store_each_row(s, sql_stock_at, p->id, stock_row, p, "part stock", err);
}

/* Part number without its stock per location; KB_ENOTFOUND when there is none. */
static kb_status get_row(kb_store *s, const char *number, kb_part **out, kb_err *err)
{
    *out = NULL;
    if (!kb_part_number_valid(number))
        return kb_err_set(err, KB_ENOTFOUND, "no part '%.60s'", number ? number : "");
    sqlite3_stmt *st = kb_store_cached(s, sql_get, err);
    if (!st)
        return KB_EDB;
    kb_store_bind_text(st, 1, number);
    int r = sqlite3_step(st);
    kb_part *p = r == SQLITE_ROW ? load_row(st) : NULL;
    kb_store_done(st);
    if (!p)
        return r == SQLITE_DONE ? kb_err_set(err, KB_ENOTFOUND, "no part '%.60s'", number)
                                : kb_store_db_err(s, err, "part");
    *out = p;
    return KB_OK;
}

kb_status kb_part_get(kb_store *s, const char *number, kb_part **out, kb_err *err)
{
    *out = NULL;
    int own = 0;
    kb_status rc = kb_store_read_begin(s, &own, err);
    if (rc != KB_OK)
        return rc;
    kb_part *p = NULL;
    rc = get_row(s, number, &p, err);
    if (rc == KB_OK)
        rc = load_stock(s, p, err);
    kb_store_read_end(s, own);
    if (rc != KB_OK) {
        kb_part_free(p);
        return rc;
    }
    *out = p;
    return KB_OK;
}

/* --- low stock --- */

/* After a change of p's stock or minimum, inside the write transaction: marks the part low
 * and tells the outbox when it has just become low, clears the mark when it is not low. */
static kb_status low_check(kb_store *s, long long id, long long now, kb_err *err)
{
    sqlite3_stmt *st = kb_store_cached(s, sql_by_id, err);
    if (!st)
        return KB_EDB;
    sqlite3_bind_int64(st, 1, id);
    int r = sqlite3_step(st);
    kb_part *p = r == SQLITE_ROW ? load_row(st) : NULL;
    kb_store_done(st);
    if (!p)
        return kb_store_step_err(s, r == SQLITE_DONE ? SQLITE_ERROR : r, err, "part low");
    kb_status rc = KB_OK;
    int now_low = p->low, was_low = p->low_since != 0;
    if (now_low != was_low) {
        st = kb_store_cached(s, sql_low_set, err);
        rc = st ? KB_OK : KB_EDB;
        if (rc == KB_OK) {
            sqlite3_bind_int64(st, 1, p->id);
            sqlite3_bind_int64(st, 2, now_low ? (now > 0 ? now : 1) : 0);
            rc = kb_store_step_err(s, sqlite3_step(st), err, "part low");
            kb_store_done(st);
        }
    }
    if (rc == KB_OK && now_low && !was_low) {
        char stock[48], minimum[48];
        snprintf(stock, sizeof stock, "%lld %s", p->stock, p->unit);
        snprintf(minimum, sizeof minimum, "%lld %s", p->minimum, p->unit);
        kb_notify_vars v;
        memset(&v, 0, sizeof v);
        v.number = p->number;
        v.summary = p->name;
        v.stock = stock;
        v.minimum = minimum;
        rc = kb_notify_enqueue(s, KB_NOTIFY_PART_LOW, p->number, NULL, NULL, &v, now, err);
    }
    kb_part_free(p);
    return rc;
}

/* --- the catalogue --- */

static void apply(kb_part *p, const kb_part_in *in)
{
    if (in->name)
        kb_text_set_trimmed(&p->name, in->name);
    if (in->unit)
        kb_text_set_trimmed(&p->unit, in->unit);
    if (in->notes)
        kb_text_set_trimmed(&p->notes, in->notes);
    if (in->minimum >= 0)
        p->minimum = in->minimum;
    if (in->set_models) {
        models_clear(p);
        for (size_t i = 0; i < in->nmodels; i++) {
            char *m = NULL;
            kb_text_set_trimmed(&m, in->models[i]);
            models_add(p, m, strlen(m));
            free(m);
        }
    }
}

static void models_text(const kb_part *p, const char *sep, kb_buf *b)
{
    for (size_t i = 0; i < p->nmodels; i++)
        kb_buf_addf(b, "%s%s", i ? sep : "", p->models[i]);
}

/* Writes p: an insert when p->id is 0 (setting it), else an update. */
static kb_status write_part(kb_store *s, kb_part *p, kb_err *err)
{
    kb_buf key, part, models;
    kb_buf_init(&key, 0);
    kb_buf_init(&part, 0);
    kb_buf_init(&models, 0);
    kb_store_text_key(s, p->number, &part);
    kb_buf_add(&key, part.data, part.len);
    kb_store_text_key(s, p->name, &part);
    kb_buf_addc(&key, '\n');
    kb_buf_add(&key, part.data, part.len);
    for (size_t i = 0; i < p->nmodels; i++) {
        kb_store_text_key(s, p->models[i], &part);
        kb_buf_addc(&key, '\n');
        kb_buf_add(&key, part.data, part.len);
    }
    models_text(p, "\n", &models);
    int insert = p->id == 0;
    sqlite3_stmt *st = kb_store_cached(s, insert ? sql_insert : sql_update, err);
    kb_status rc = st ? KB_OK : KB_EDB;
    if (rc == KB_OK && insert) {
        kb_store_bind_text(st, 1, p->number);
        kb_store_bind_text(st, 2, p->name);
        kb_store_bind_text(st, 3, p->unit);
        kb_store_bind_text(st, 4, kb_buf_str(&models));
        kb_store_bind_text(st, 5, p->notes);
        sqlite3_bind_int64(st, 6, p->minimum);
        kb_store_bind_text(st, 7, p->created_by);
        sqlite3_bind_int64(st, 8, p->created_at);
        kb_store_bind_text(st, 9, kb_buf_str(&key));
    } else if (rc == KB_OK) {
        sqlite3_bind_int64(st, 1, p->id);
        kb_store_bind_text(st, 2, p->name);
        kb_store_bind_text(st, 3, p->unit);
        kb_store_bind_text(st, 4, kb_buf_str(&models));
        kb_store_bind_text(st, 5, p->notes);
        sqlite3_bind_int64(st, 6, p->minimum);
        kb_store_bind_text(st, 7, p->updated_by);
        sqlite3_bind_int64(st, 8, p->updated_at);
        kb_store_bind_text(st, 9, kb_buf_str(&key));
    }
    if (rc == KB_OK) {
        rc = kb_store_step_err(s, sqlite3_step(st), err, insert ? "part insert" : "part update");
        kb_store_done(st);
        if (rc == KB_OK && insert)
            p->id = sqlite3_last_insert_rowid(kb_store_db(s));
    }
    kb_buf_free(&key);
    kb_buf_free(&part);
    kb_buf_free(&models);
    return rc;
}

/* The summary of a new part (a NULL) or of the change from a to b; "" when none. */
static void summary(const kb_part *a, const kb_part *b, kb_buf *out)
{
    const struct {
        const char *name;
        const char *from, *to;
    } texts[] = {
        { "name", a ? a->name : NULL, b->name },
        { "unit", a ? a->unit : NULL, b->unit },
    };
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        if (a && strcmp(texts[i].from, texts[i].to) == 0)
            continue;
        kb_buf_addf(out, "%s%s ", out->len ? "; " : "", texts[i].name);
        if (a)
            kb_buf_addf(out, "%.120s→", texts[i].from);
        kb_buf_addf(out, "%.120s", texts[i].to);
    }
    if (!a || a->minimum != b->minimum) {
        kb_buf_addf(out, "%sminimum ", out->len ? "; " : "");
        if (a)
            kb_buf_addf(out, "%lld→", a->minimum);
        kb_buf_addf(out, "%lld", b->minimum);
    }
    kb_buf am, bm;
    kb_buf_init(&am, 0);
    kb_buf_init(&bm, 0);
    if (a)
        models_text(a, ", ", &am);
    models_text(b, ", ", &bm);
    if ((a && strcmp(kb_buf_str(&am), kb_buf_str(&bm)) != 0) || (!a && bm.len))
        kb_buf_addf(out, "%smodels %.300s", out->len ? "; " : "", kb_buf_str(&bm));
    if ((a && strcmp(a->notes, b->notes) != 0) || (!a && b->notes[0]))
        kb_buf_addf(out, "%snotes %s", out->len ? "; " : "", a ? "changed" : "given");
    kb_buf_free(&am);
    kb_buf_free(&bm);
}

kb_status kb_part_create(kb_store *s, const kb_part_in *in, long long now, kb_part **out,
                         kb_err *err)
{
    if (out)
        *out = NULL;
    kb_status rc = kb_part_check(in, 1, err);
    if (rc != KB_OK)
        return rc;
    int own;
    rc = kb_store_write_begin(s, &own, err);
    if (rc != KB_OK)
        return rc;
    kb_part *p = NULL;
    sqlite3_stmt *st = kb_store_cached(s, sql_taken, err);
    if (!st)
        rc = KB_EDB;
    if (rc == KB_OK) {
        kb_store_bind_text(st, 1, in->number);
        int r = sqlite3_step(st);
        if (r == SQLITE_ROW)
            rc = kb_err_set(err, KB_EEXIST, "part number '%s' is taken (by '%s')", in->number,
                            (const char *)sqlite3_column_text(st, 0));
        else
            rc = kb_store_step_err(s, r, err, "part number");
        kb_store_done(st);
    }
    if (rc == KB_OK) {
        p = kb_xcalloc(1, sizeof *p);
        p->number = kb_xstrdup(in->number);
        p->name = kb_xstrdup("");
        p->unit = kb_xstrdup("个");
        p->notes = kb_xstrdup("");
        kb_part_in all = *in;
        all.set_models = 1;
        apply(p, &all);
        if (!p->unit[0])
            kb_text_set_trimmed(&p->unit, "个");
        p->created_by = kb_xstrdup(who(in->actor));
        p->updated_by = kb_xstrdup(who(in->actor));
        p->created_at = p->updated_at = now;
        rc = write_part(s, p, err);
    }
    if (rc == KB_OK) {
        kb_buf text;
        kb_buf_init(&text, 0);
        summary(NULL, p, &text);
        rc = audit(s, now, in->actor, "create", p->number, kb_buf_str(&text), err);
        kb_buf_free(&text);
    }
    if (rc == KB_OK)
        rc = low_check(s, p->id, now, err);
    rc = kb_store_write_end(s, own, rc, err);
    kb_part_free(p);
    p = NULL;
    if (rc == KB_OK && out)
        rc = kb_part_get(s, in->number, out, err);
    return rc;
}

kb_status kb_part_update(kb_store *s, const char *number, const kb_part_in *in, long long now,
                         kb_part **out, kb_err *err)
{
    if (out)
        *out = NULL;
    kb_status rc = kb_part_check(in, 0, err);
    if (rc != KB_OK)
        return rc;
    if (in->number)
        return kb_err_set(err, KB_EINVAL, "field 'number' cannot be changed");
    int own;
    rc = kb_store_write_begin(s, &own, err);
    if (rc != KB_OK)
        return rc;
    kb_part *old = NULL, *p = NULL;
    kb_buf text;
    kb_buf_init(&text, 0);
    rc = get_row(s, number, &old, err);
    if (rc == KB_OK) {
        p = kb_xcalloc(1, sizeof *p);
        *p = *old;
        p->number = kb_xstrdup(old->number);
        p->name = kb_xstrdup(old->name);
        p->unit = kb_xstrdup(old->unit);
        p->notes = kb_xstrdup(old->notes);
        p->created_by = kb_xstrdup(old->created_by);
        p->updated_by = kb_xstrdup(old->updated_by);
        p->models = NULL;
        p->nmodels = 0;
        p->at = NULL;
        p->nat = 0;
        for (size_t i = 0; i < old->nmodels; i++)
            models_add(p, old->models[i], strlen(old->models[i]));
        apply(p, in);
        if (!p->unit[0])
            rc = kb_err_set(err, KB_EINVAL, "field 'unit' must not be empty");
    }
    if (rc == KB_OK)
        summary(old, p, &text);
    if (rc == KB_OK && text.len) {
        kb_text_set_trimmed(&p->updated_by, who(in->actor));
        p->updated_at = now;
        rc = write_part(s, p, err);
        if (rc == KB_OK)
            rc = audit(s, now, in->actor, "update", p->number, kb_buf_str(&text), err);
        if (rc == KB_OK)
            rc = low_check(s, p->id, now, err);
    }
    rc = kb_store_write_end(s, own, rc, err);
    kb_buf_free(&text);
    kb_part_free(old);
    if (rc == KB_OK && out)
        rc = kb_part_get(s, p->number, out, err);
    kb_part_free(p);
    return rc;
}

void kb_part_list_free(kb_part_list *l)
{
    if (!l)
        return;
    for (size_t i = 0; i < l->n; i++)
        kb_part_free(l->items[i]);
    free(l->items);
    free(l);
}

/* What a search binds: the filter and the query's key. */
struct search {
    const kb_part_filter *f;
    const char *key;
};

static void bind_search(sqlite3_stmt *st, const void *arg, int page)
{
    (void)page;
    const struct search *q = arg;
    kb_store_bind_opt(st, 1, q->key);
    if (q->f->low)
        sqlite3_bind_int(st, 2, 1);
}

static kb_status part_row(sqlite3_stmt *st, void *ctx, kb_err *err)
{
    (void)err;
    kb_part_list *l = ctx;
    l->items = kb_xrealloc(l->items, (l->n + 1) * sizeof *l->items);
    l->items[l->n++] = load_row(st);
    return KB_OK;
}

static const kb_store_list search_list = {
    .count_sql = sql_count,
    .page_sql = sql_search,
    .limit_param = 3,
    .def_limit = 20,
    .max_limit = KB_PART_MAX_LIMIT,
    .bind = bind_search,
    .row = part_row,
    .count_what = "part count",
    .page_what = "part search",
};

kb_status kb_part_search(kb_store *s, const kb_part_filter *f, kb_part_list **out,
                         kb_err *err)
{
    *out = NULL;
    const char *q = f->q && *f->q ? f->q : NULL;
    if (q && strlen(q) > KB_PART_MAX_QUERY)
        return kb_err_set(err, KB_EINVAL, "'q' is longer than %u bytes", KB_PART_MAX_QUERY);
    kb_buf key;
    kb_buf_init(&key, 0);
    if (q)
        kb_store_text_key(s, q, &key);
    kb_part_list *l = kb_xcalloc(1, sizeof *l);
    kb_status rc = KB_OK;
    /* text that normalises to nothing (only spaces) finds nothing rather than everything */
    if (!q || key.len) {
        struct search arg = { f, kb_buf_str(&key) };
        rc = kb_store_list_page(s, &search_list, &arg, f->limit, f->offset, &l->total, l, err);
    }
    kb_buf_free(&key);
    if (rc != KB_OK) {
        kb_part_list_free(l);
        return rc;
    }
    *out = l;
    return KB_OK;
}

/* --- locations --- */

void kb_part_location_free(kb_part_location *l)
{
    if (!l)
        return;
    free(l->name);
    free(l->note);
    free(l);
}

void kb_part_locations_free(kb_part_location **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        kb_part_location_free(v[i]);
    free(v);
}

/* The id and stored name (*name may be NULL; else free() it) of location name, trimmed;
 * KB_EINVAL naming field when there is none. */
static kb_status location_id(kb_store *s, const char *field, const char *name, long long *id,
                             char **stored, kb_err *err)
{
    *id = 0;
    if (stored)
        *stored = NULL;
    if (!has_text(name))
        return kb_err_set(err, KB_EINVAL, "field '%s' is required: name a store location",
                          field);
    char *trimmed = NULL;
    kb_text_set_trimmed(&trimmed, name);
    sqlite3_stmt *st = kb_store_cached(s, sql_loc_by_name, err);
    kb_status rc = st ? KB_OK : KB_EDB;
    if (rc == KB_OK) {
        kb_store_bind_text(st, 1, trimmed);
        int r = sqlite3_step(st);
        if (r == SQLITE_ROW) {
            *id = sqlite3_column_int64(st, 0);
            if (stored)
                *stored = kb_store_text(st, 1);
        } else if (r == SQLITE_DONE) {
            rc = kb_err_set(err, KB_EINVAL, "field '%s': there is no store location '%.100s'",
                            field, trimmed);
        } else {
            rc = kb_store_db_err(s, err, "part location");
        }
        kb_store_done(st);
    }
    free(trimmed);
    return rc;
}

kb_status kb_part_location_add(kb_store *s, const char *name, const char *note,
                               const char *actor, long long now, kb_part_location **out,
                               kb_err *err)
{
    if (out)
        *out = NULL;
    if (!has_text(name))
        return kb_err_set(err, KB_EINVAL, "field 'name' is required");
    kb_status rc = kb_text_check_field("name", name, KB_PART_MAX_LOCATION, 0, err);
    if (rc == KB_OK && note)
        rc = kb_text_check_field("note", note, KB_PART_MAX_NOTE, 1, err);
    if (rc != KB_OK)
        return rc;
    kb_part_location *l = kb_xcalloc(1, sizeof *l);
    kb_text_set_trimmed(&l->name, name);
    kb_text_set_trimmed(&l->note, note ? note : "");
    l->created_at = now;
    int own;
    rc = kb_store_write_begin(s, &own, err);
    if (rc != KB_OK) {
        kb_part_location_free(l);
        return rc;
    }
    sqlite3_stmt *st = kb_store_cached(s, sql_loc_by_name, err);
    rc = st ? KB_OK : KB_EDB;
    if (rc == KB_OK) {
        kb_store_bind_text(st, 1, l->name);
        int r = sqlite3_step(st);
        if (r == SQLITE_ROW)
            rc = kb_err_set(err, KB_EEXIST, "store location '%s' exists (as '%s')", l->name,
                            (const char *)sqlite3_column_text(st, 1));
        else
            rc = kb_store_step_err(s, r, err, "part location");
        kb_store_done(st);
    }
    if (rc == KB_OK) {
        st = kb_store_cached(s, sql_loc_count, err);
        rc = st ? KB_OK : KB_EDB;
        if (rc == KB_OK) {
            int r = sqlite3_step(st);
            if (r == SQLITE_ROW && sqlite3_column_int64(st, 0) >= KB_PART_MAX_LOCATIONS)
                rc = kb_err_set(err, KB_ECONFLICT, "there are %u store locations already, the "
                                "most there may be", KB_PART_MAX_LOCATIONS);
            else
                rc = kb_store_step_err(s, r, err, "part locations");
            kb_store_done(st);
        }
    }
    if (rc == KB_OK) {
        st = kb_store_cached(s, sql_loc_insert, err);
        rc = st ? KB_OK : KB_EDB;
        if (rc == KB_OK) {
            kb_store_bind_text(st, 1, l->name);
            kb_store_bind_text(st, 2, l->note);
            sqlite3_bind_int64(st, 3, now);
            rc = kb_store_step_err(s, sqlite3_step(st), err, "part location");
            kb_store_done(st);
            l->id = sqlite3_last_insert_rowid(kb_store_db(s));
        }
    }
    if (rc == KB_OK) {
        char object[KB_PART_MAX_LOCATION + 16];
        snprintf(object, sizeof object, "part-location:%s", l->name);
        rc = kb_audit_append(s, now, who(actor), "part.location", object, l->note, err);
    }
    rc = kb_store_write_end(s, own, rc, err);
    if (rc == KB_OK && out)
        *out = l;
    else
        kb_part_location_free(l);
    return rc;
}

typedef struct {
    kb_part_location **v;
    size_t n;
} locations;

static kb_status location_row(sqlite3_stmt *st, void *ctx, kb_err *err)
{
    (void)err;
    locations *ls = ctx;
    kb_part_location *l = kb_xcalloc(1, sizeof *l);
    l->id = sqlite3_column_int64(st, 0);
    l->name = kb_store_text(st, 1);
    l->note = kb_store_text(st, 2);
    l->created_at = sqlite3_column_int64(st, 3);
    ls->v = kb_xrealloc(ls->v, (ls->n + 1) * sizeof *ls->v);
    ls->v[ls->n++] = l;
    return KB_OK;
}

kb_status kb_part_locations(kb_store *s, kb_part_location ***out, size_t *n, kb_err *err)
{
    *out = NULL;
    *n = 0;
    sqlite3_stmt *st = kb_store_cached(s, sql_loc_list, err);
    if (!st)
        return KB_EDB;
    locations ls = { NULL, 0 };
    kb_status rc = kb_store_rows(s, st, location_row, &ls, "part locations", err);
    if (rc != KB_OK) {
        kb_part_locations_free(ls.v, ls.n);
        return rc;
    }
    *out = ls.v;
    *n = ls.n;
    return KB_OK;
}

/* --- movements --- */

void kb_part_moves_free(kb_part_move *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char *strs[] = { v[i].part, v[i].part_name, v[i].from, v[i].to, v[i].incident,
                         v[i].asset, v[i].model, v[i].note, v[i].actor };
        for (size_t k = 0; k < sizeof strs / sizeof strs[0]; k++)
            free(strs[k]);
    }
    free(v);
}

/* Takes qty of part from location loc (named name): KB_ECONFLICT when it holds fewer. */
static kb_status take(kb_store *s, const kb_part *p, long long loc, const char *name,
                      long long qty, kb_err *err)
{
    sqlite3_stmt *st = kb_store_cached(s, sql_take, err);
    if (!st)
        return KB_EDB;
    sqlite3_bind_int64(st, 1, p->id);
    sqlite3_bind_int64(st, 2, loc);
    sqlite3_bind_int64(st, 3, qty);
    kb_status rc = kb_store_step_err(s, sqlite3_step(st), err, "part stock");
    kb_store_done(st);
    if (rc != KB_OK || sqlite3_changes(kb_store_db(s)) == 1)
        return rc;
    long long held = 0;
    st = kb_store_cached(s, sql_held, err);
    if (!st)
        return KB_EDB;
    sqlite3_bind_int64(st, 1, p->id);
    sqlite3_bind_int64(st, 2, loc);
    int r = sqlite3_step(st);
    if (r == SQLITE_ROW)
        held = sqlite3_column_int64(st, 0);
    rc = kb_store_step_err(s, r, err, "part stock");
    kb_store_done(st);
    if (rc != KB_OK)
        return rc;
    return kb_err_set(err, KB_ECONFLICT, "not enough stock: '%s' holds %lld %s of part '%s', "
                      "%lld asked", name, held, p->unit, p->number, qty);
}

static kb_status put(kb_store *s, const kb_part *p, long long loc, long long qty, kb_err *err)
{
    sqlite3_stmt *st = kb_store_cached(s, sql_put, err);
    if (!st)
        return KB_EDB;
    sqlite3_bind_int64(st, 1, p->id);
    sqlite3_bind_int64(st, 2, loc);
    sqlite3_bind_int64(st, 3, qty);
    kb_status rc = kb_store_step_err(s, sqlite3_step(st), err, "part stock");
    kb_store_done(st);
    return rc;
}

/* What a movement names, resolved: the incident's number, the asset's tag and model. */
typedef struct {
    char *incident, *asset, *model;
} target;

static void target_free(target *t)
{
    free(t->incident);
    free(t->asset);
    free(t->model);
}

static kb_status resolve_target(kb_store *s, const kb_part_move_in *in, target *t, kb_err *err)
{
    memset(t, 0, sizeof *t);
    kb_status rc = KB_OK;
    if (has_text(in->asset)) {
        char *tag = NULL;
        kb_text_set_trimmed(&tag, in->asset);
        kb_asset *a = NULL;
        rc = kb_asset_get(s, tag, &a, err);
        if (rc == KB_ENOTFOUND)
            rc = kb_err_set(err, KB_EINVAL, "field 'asset': there is no asset '%.60s'", tag);
        else if (rc == KB_OK && a->status == KB_ASSET_STATUS_scrapped)
            rc = kb_err_set(err, KB_ECONFLICT, "asset '%s' is scrapped: parts are not issued "
                            "to it", a->tag);
        if (rc == KB_OK) {
            t->asset = kb_xstrdup(a->tag);
            t->model = kb_xstrdup(a->model);
        }
        kb_asset_free(a);
        free(tag);
    }
    if (rc == KB_OK && has_text(in->incident)) {
        char *number = NULL;
        kb_text_set_trimmed(&number, in->incident);
        kb_incident *inc = NULL;
        rc = strlen(number) > 64 ? KB_ENOTFOUND : kb_incident_get(s, number, &inc, err);
        if (rc == KB_ENOTFOUND)
            rc = kb_err_set(err, KB_EINVAL, "field 'incident': there is no incident '%.60s'",
                            number);
        if (rc == KB_OK)
            t->incident = kb_xstrdup(inc->number);
        /* an incident whose ci names an asset: the part went into that asset */
        if (rc == KB_OK && !t->asset && inc->ci && kb_asset_tag_valid(inc->ci)) {
            kb_asset *a = NULL;
            kb_err ignored;
            if (kb_asset_get(s, inc->ci, &a, &ignored) == KB_OK) {
                t->asset = kb_xstrdup(a->tag);
                t->model = kb_xstrdup(a->model);
            }
            kb_asset_free(a);
        }
        kb_incident_free(inc);
        free(number);
    }
    return rc;
}

static kb_status check_move(const kb_part_move_in *in, kb_err *err)
{
    if (!kb_part_move_name(in->kind))
        return kb_err_set(err, KB_EINVAL, "field 'kind' must be receive, issue, return, move "
                          "or scrap");
    if (in->qty < 1 || in->qty > KB_PART_MAX_QTY)
        return kb_err_set(err, KB_EINVAL, "field 'quantity' must be a whole number from 1 to "
                          "%lld", KB_PART_MAX_QTY);
    kb_status rc = KB_OK;
    if (in->note)
        rc = kb_text_check_field("note", in->note, KB_PART_MAX_NOTE, 1, err);
    if (rc == KB_OK && in->incident)
        rc = kb_text_check_field("incident", in->incident, 64, 0, err);
    if (rc == KB_OK && in->asset)
        rc = kb_text_check_field("asset", in->asset, KB_ASSET_MAX_TAG + 20, 0, err);
    if (rc == KB_OK && in->location)
        rc = kb_text_check_field("location", in->location, KB_PART_MAX_LOCATION, 0, err);
    if (rc == KB_OK && in->to_location)
        rc = kb_text_check_field("to_location", in->to_location, KB_PART_MAX_LOCATION, 0, err);
    if (rc != KB_OK)
        return rc;
    int names = has_text(in->incident) || has_text(in->asset);
    if (in->kind == KB_PART_MOVE_issue && !names)
        return kb_err_set(err, KB_EINVAL, "an issue names the incident or the asset the part "
                          "goes to (field 'incident' or 'asset')");
    if (in->kind != KB_PART_MOVE_issue && in->kind != KB_PART_MOVE_return && names)
        return kb_err_set(err, KB_EINVAL, "only an issue or a return names an incident or an "
                          "asset");
    if (in->kind == KB_PART_MOVE_move && !has_text(in->to_location))
        return kb_err_set(err, KB_EINVAL, "field 'to_location' is required: say where the "
                          "stock moves to");
    if (in->kind != KB_PART_MOVE_move && in->to_location)
        return kb_err_set(err, KB_EINVAL, "field 'to_location' is only for a move");
    if (in->kind == KB_PART_MOVE_scrap && !has_text(in->note))
        return kb_err_set(err, KB_EINVAL, "field 'note' is required: say why the stock is "
                          "scrapped");
    return KB_OK;
}

/* Makes movement in of p (inside the caller's write transaction), naming request reorder
 * (0 = none): stock, the movement row, the audit entry and the low-stock check. */
static kb_status move(kb_store *s, const kb_part *p, const kb_part_move_in *in, long long reorder,
                      long long now, kb_err *err)
{
    target t;
    long long from = 0, to = 0;
    char *from_name = NULL, *to_name = NULL;
    kb_status rc = resolve_target(s, in, &t, err);
    if (rc == KB_OK)
        rc = location_id(s, "location", in->location, in->kind == KB_PART_MOVE_receive ||
                         in->kind == KB_PART_MOVE_return ? &to : &from,
                         in->kind == KB_PART_MOVE_receive || in->kind == KB_PART_MOVE_return
                             ? &to_name : &from_name, err);
    if (rc == KB_OK && in->kind == KB_PART_MOVE_move)
        rc = location_id(s, "to_location", in->to_location, &to, &to_name, err);
    if (rc == KB_OK && from && from == to)
        rc = kb_err_set(err, KB_EINVAL, "field 'to_location' is where the stock is already "
                        "('%s')", to_name);
    if (rc == KB_OK && from)
        rc = take(s, p, from, from_name, in->qty, err);
    if (rc == KB_OK && to)
        rc = put(s, p, to, in->qty, err);
    char day[KB_DATE_LEN];
    kb_date_of(now, day);
    day[7] = '\0';
    sqlite3_stmt *st = rc == KB_OK ? kb_store_cached(s, sql_move_insert, err) : NULL;
    if (rc == KB_OK && !st)
        rc = KB_EDB;
    char *note = NULL;
    kb_text_set_trimmed(&note, in->note ? in->note : "");
    if (rc == KB_OK) {
        sqlite3_bind_int64(st, 1, p->id);
        kb_store_bind_text(st, 2, kb_part_move_name(in->kind));
        sqlite3_bind_int64(st, 3, in->qty);
        sqlite3_bind_int64(st, 4, from);
        sqlite3_bind_int64(st, 5, to);
        kb_store_bind_text(st, 6, t.incident ? t.incident : "");
        kb_store_bind_text(st, 7, t.asset ? t.asset : "");
        kb_store_bind_text(st, 8, t.model ? t.model : "");
        sqlite3_bind_int64(st, 9, reorder);
        kb_store_bind_text(st, 10, note);
        kb_store_bind_text(st, 11, who(in->actor));
        sqlite3_bind_int64(st, 12, now);
        kb_store_bind_text(st, 13, day);
        rc = kb_store_step_err(s, sqlite3_step(st), err, "part movement");
        kb_store_done(st);
    }
    if (rc == KB_OK) {
        kb_buf text;
        kb_buf_init(&text, 0);
        kb_buf_addf(&text, "%lld %s", in->qty, p->unit);
        if (from_name)
            kb_buf_addf(&text, " from %s", from_name);
        if (to_name)
            kb_buf_addf(&text, " to %s", to_name);
        if (t.incident)
            kb_buf_addf(&text, "; incident %s", t.incident);
        if (t.asset)
            kb_buf_addf(&text, "; asset %s", t.asset);
        if (reorder)
            kb_buf_addf(&text, "; replenishment %lld", reorder);
        if (note[0])
            kb_buf_addf(&text, "; note %.300s", note);
        rc = audit(s, now, in->actor, kb_part_move_name(in->kind), p->number,
                   kb_buf_str(&text), err);
        kb_buf_free(&text);
    }
    if (rc == KB_OK)
        rc = low_check(s, p->id, now, err);
    free(note);
    free(from_name);
    free(to_name);
    target_free(&t);
    return rc;
}

kb_status kb_part_move_make(kb_store *s, const char *number, const kb_part_move_in *in,
                            long long now, kb_part **out, kb_err *err)
{
    if (out)
        *out = NULL;
    kb_status rc = check_move(in, err);
    if (rc != KB_OK)
        return rc;
    int own;
    rc = kb_store_write_begin(s, &own, err);
    if (rc != KB_OK)
        return rc;
    kb_part *p = NULL;
    rc = get_row(s, number, &p, err);
    if (rc == KB_OK)
        rc = move(s, p, in, 0, now, err);
    rc = kb_store_write_end(s, own, rc, err);
    if (rc == KB_OK && out)
        rc = kb_part_get(s, p->number, out, err);
    kb_part_free(p);
    return rc;
}

static void bind_moves(sqlite3_stmt *st, const void *arg, int page)
{
    (void)page;
    const kb_part_move_filter *f = arg;
    kb_store_bind_opt(st, 1, f->part);
    kb_store_bind_opt(st, 2, f->asset);
    kb_store_bind_opt(st, 3, f->incident);
}

typedef struct {
    kb_part_move *v;
    size_t n;
} moves;

static kb_status move_row(sqlite3_stmt *st, void *ctx, kb_err *err)
{
    (void)err;
    moves *ms = ctx;
    ms->v = kb_xrealloc(ms->v, (ms->n + 1) * sizeof *ms->v);
    kb_part_move *m = &ms->v[ms->n++];
    m->id = sqlite3_column_int64(st, 0);
    m->part = kb_store_text(st, 1);
    m->part_name = kb_store_text(st, 2);
    char *kind = kb_store_text(st, 3);
    m->kind = kb_part_move_of(kind);
    free(kind);
    m->qty = sqlite3_column_int64(st, 4);
    m->from = kb_store_text(st, 5);
    m->to = kb_store_text(st, 6);
    m->incident = kb_store_text(st, 7);
    m->asset = kb_store_text(st, 8);
    m->model = kb_store_text(st, 9);
    m->reorder = sqlite3_column_int64(st, 10);
    m->note = kb_store_text(st, 11);
    m->actor = kb_store_text(st, 12);
    m->at = sqlite3_column_int64(st, 13);
    return KB_OK;
}

static const kb_store_list moves_list = {
    .count_sql = sql_moves_count,
    .page_sql = sql_moves,
    .limit_param = 4,
    .def_limit = 20,
    .max_limit = KB_PART_MAX_LIMIT,
    .bind = bind_moves,
    .row = move_row,
    .count_what = "part movements",
    .page_what = "part movements",
};

kb_status kb_part_moves(kb_store *s, const kb_part_move_filter *f, kb_part_move **out,
                        size_t *n, long long *total, kb_err *err)
{
    *out = NULL;
    *n = 0;
    moves ms = { NULL, 0 };
    kb_status rc = kb_store_list_page(s, &moves_list, f, f->limit, f->offset, total, &ms, err);
    if (rc != KB_OK) {
        kb_part_moves_free(ms.v, ms.n);
        *total = 0;
        return rc;
    }
    *out = ms.v;
    *n = ms.n;
    return KB_OK;
}

/* --- replenishment --- */

void kb_part_reorder_free(kb_part_reorder *r)
{
    if (!r)
        return;
    char *strs[] = { r->part, r->part_name, r->unit, r->location, r->reason, r->requested_by,
                     r->decided_by, r->comment, r->received_by };
    for (size_t k = 0; k < sizeof strs / sizeof strs[0]; k++)
        free(strs[k]);
    free(r);
}

void kb_part_reorders_free(kb_part_reorder **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        kb_part_reorder_free(v[i]);
    free(v);
}

static kb_part_reorder *load_reorder(sqlite3_stmt *st)
{
    kb_part_reorder *r = kb_xcalloc(1, sizeof *r);
    r->id = sqlite3_column_int64(st, 0);
    r->part = kb_store_text(st, 1);
    r->part_name = kb_store_text(st, 2);
    r->unit = kb_store_text(st, 3);
    r->qty = sqlite3_column_int64(st, 4);
    r->location = kb_store_text(st, 5);
    char *state = kb_store_text(st, 6);
    r->state = kb_part_reorder_state_of(state);
    free(state);
    r->reason = kb_store_text(st, 7);
    r->requested_by = kb_store_text(st, 8);
    r->requested_at = sqlite3_column_int64(st, 9);
    r->decided_by = kb_store_text(st, 10);
    r->comment = kb_store_text(st, 11);
    r->decided_at = sqlite3_column_int64(st, 12);
    r->received = sqlite3_column_int64(st, 13);
    r->received_by = kb_store_text(st, 14);
    r->received_at = sqlite3_column_int64(st, 15);
    return r;
}

kb_status kb_part_reorder_get(kb_store *s, long long id, kb_part_reorder **out, kb_err *err)
{
    *out = NULL;
    sqlite3_stmt *st = kb_store_cached(s, sql_ro_get, err);
    if (!st)
        return KB_EDB;
    sqlite3_bind_int64(st, 1, id);
    int r = sqlite3_step(st);
    kb_part_reorder *ro = r == SQLITE_ROW ? load_reorder(st) : NULL;
    kb_store_done(st);
    if (!ro)
        return r == SQLITE_DONE ? kb_err_set(err, KB_ENOTFOUND, "no replenishment request "
                                             "%lld", id)
                                : kb_store_db_err(s, err, "replenishment request");
    *out = ro;
    return KB_OK;
}

static kb_status check_note(const char *field, const char *v, int required, kb_err *err)
{
    if (required && !has_text(v))
        return kb_err_set(err, KB_EINVAL, "field '%s' is required: say why", field);
    return v ? kb_text_check_field(field, v, KB_PART_MAX_NOTE, 1, err) : KB_OK;
}

/* A request's or receipt's input: qty min_qty..KB_PART_MAX_QTY, a location (may be NULL)
 * and a note (field, optional). */
static kb_status check_order(long long qty, long long min_qty, const char *location,
                             const char *field, const char *note, kb_err *err)
{
    if (qty < min_qty || qty > KB_PART_MAX_QTY)
        return kb_err_set(err, KB_EINVAL, "field 'quantity' must be a whole number from 1 to "
                          "%lld", KB_PART_MAX_QTY);
    kb_status rc = check_note(field, note, 0, err);
    if (rc == KB_OK && location)
        rc = kb_text_check_field("location", location, KB_PART_MAX_LOCATION, 0, err);
    return rc;
}

kb_status kb_part_reorder_create(kb_store *s, const char *number, long long qty,
                                 const char *location, const char *reason, const char *actor,
                                 long long now, kb_part_reorder **out, kb_err *err)
{
    if (out)
        *out = NULL;
    kb_status rc = check_order(qty, 1, location, "reason", reason, err);
    if (rc != KB_OK)
        return rc;
    int own;
    rc = kb_store_write_begin(s, &own, err);
    if (rc != KB_OK)
        return rc;
    kb_part *p = NULL;
    long long loc = 0, id = 0;
    char *reason_t = NULL;
    kb_text_set_trimmed(&reason_t, reason ? reason : "");
    rc = get_row(s, number, &p, err);
    if (rc == KB_OK && has_text(location))
        rc = location_id(s, "location", location, &loc, NULL, err);
    sqlite3_stmt *st = rc == KB_OK ? kb_store_cached(s, sql_ro_insert, err) : NULL;
    if (rc == KB_OK && !st)
        rc = KB_EDB;
    if (rc == KB_OK) {
        sqlite3_bind_int64(st, 1, p->id);
        sqlite3_bind_int64(st, 2, qty);
        sqlite3_bind_int64(st, 3, loc);
        kb_store_bind_text(st, 4, reason_t);
        kb_store_bind_text(st, 5, who(actor));
        sqlite3_bind_int64(st, 6, now);
        rc = kb_store_step_err(s, sqlite3_step(st), err, "replenishment request");
        kb_store_done(st);
        id = sqlite3_last_insert_rowid(kb_store_db(s));
    }
    if (rc == KB_OK) {
        kb_buf text;
        kb_buf_init(&text, 0);
        kb_buf_addf(&text, "replenishment %lld: %lld %s", id, qty, p->unit);
        if (reason_t[0])
            kb_buf_addf(&text, "; reason %.300s", reason_t);
        rc = audit(s, now, actor, "reorder", p->number, kb_buf_str(&text), err);
        kb_buf_free(&text);
    }
    rc = kb_store_write_end(s, own, rc, err);
    free(reason_t);
    kb_part_free(p);
    if (rc == KB_OK && out)
        rc = kb_part_reorder_get(s, id, out, err);
    return rc;
}

kb_status kb_part_reorder_decide(kb_store *s, long long id, int approve, const char *comment,
                                 const char *actor, long long now, kb_part_reorder **out,
                                 kb_err *err)
{
    if (out)
        *out = NULL;
    kb_status rc = check_note("comment", comment, !approve, err);
    if (rc != KB_OK)
        return rc;
    int own;
    rc = kb_store_write_begin(s, &own, err);
    if (rc != KB_OK)
        return rc;
    kb_part_reorder *r = NULL;
    char *comment_t = NULL;
    kb_text_set_trimmed(&comment_t, comment ? comment : "");
    rc = kb_part_reorder_get(s, id, &r, err);
    if (rc == KB_OK && r->state != KB_PART_REORDER_pending)
        rc = kb_err_set(err, KB_ECONFLICT, "replenishment request %lld is %s, not pending", id,
                        kb_part_reorder_state_name(r->state));
    else if (rc == KB_OK && strcasecmp(r->requested_by, who(actor)) == 0)
        rc = kb_err_set(err, KB_EDENIED, "four-eyes rule: '%s' asked for replenishment "
                        "request %lld, another approver must decide", r->requested_by, id);
    sqlite3_stmt *st = rc == KB_OK ? kb_store_cached(s, sql_ro_decide, err) : NULL;
    if (rc == KB_OK && !st)
        rc = KB_EDB;
    if (rc == KB_OK) {
        sqlite3_bind_int64(st, 1, id);
        kb_store_bind_text(st, 2, approve ? "approved" : "rejected");
        kb_store_bind_text(st, 3, who(actor));
        kb_store_bind_text(st, 4, comment_t);
        sqlite3_bind_int64(st, 5, now);
        rc = kb_store_step_err(s, sqlite3_step(st), err, "replenishment decision");
        kb_store_done(st);
    }
    if (rc == KB_OK) {
        kb_buf text;
        kb_buf_init(&text, 0);
        kb_buf_addf(&text, "replenishment %lld: %lld %s asked by %s", id, r->qty, r->unit,
                    r->requested_by);
        if (comment_t[0])
            kb_buf_addf(&text, "; decision: %.300s", comment_t);
        rc = audit(s, now, actor, approve ? "reorder_approve" : "reorder_reject", r->part,
                   kb_buf_str(&text), err);
        kb_buf_free(&text);
    }
    rc = kb_store_write_end(s, own, rc, err);
    free(comment_t);
    kb_part_reorder_free(r);
    if (rc == KB_OK && out)
        rc = kb_part_reorder_get(s, id, out, err);
    return rc;
}

kb_status kb_part_reorder_receive(kb_store *s, long long id, long long qty,
                                  const char *location, const char *note, const char *actor,
                                  long long now, kb_part_reorder **out, kb_err *err)
{
    if (out)
        *out = NULL;
    kb_status rc = check_order(qty, 0, location, "note", note, err); /* 0: the quantity asked */
    if (rc != KB_OK)
        return rc;
    int own;
    rc = kb_store_write_begin(s, &own, err);
    if (rc != KB_OK)
        return rc;
    kb_part_reorder *r = NULL;
    kb_part *p = NULL;
    rc = kb_part_reorder_get(s, id, &r, err);
    if (rc == KB_OK && r->state != KB_PART_REORDER_approved)
        rc = kb_err_set(err, KB_ECONFLICT, "replenishment request %lld is %s: only an approved "
                        "request is received", id, kb_part_reorder_state_name(r->state));
    if (rc == KB_OK)
        rc = get_row(s, r->part, &p, err);
    const char *where = has_text(location) ? location : r->location;
    long long loc = 0;
    if (rc == KB_OK)
        rc = location_id(s, "location", where, &loc, NULL, err);
    kb_part_move_in in;
    memset(&in, 0, sizeof in);
    in.kind = KB_PART_MOVE_receive;
    in.qty = qty ? qty : r ? r->qty : 0;
    in.location = where;
    in.note = note;
    in.actor = actor;
    if (rc == KB_OK)
        rc = move(s, p, &in, id, now, err);
    sqlite3_stmt *st = rc == KB_OK ? kb_store_cached(s, sql_ro_receive, err) : NULL;
    if (rc == KB_OK && !st)
        rc = KB_EDB;
    if (rc == KB_OK) {
        sqlite3_bind_int64(st, 1, id);
        sqlite3_bind_int64(st, 2, in.qty);
        kb_store_bind_text(st, 3, who(actor));
        sqlite3_bind_int64(st, 4, now);
        sqlite3_bind_int64(st, 5, loc);
        rc = kb_store_step_err(s, sqlite3_step(st), err, "replenishment receipt");
        kb_store_done(st);
    }
    rc = kb_store_write_end(s, own, rc, err);
    kb_part_reorder_free(r);
    kb_part_free(p);
    if (rc == KB_OK && out)
        rc = kb_part_reorder_get(s, id, out, err);
    return rc;
}

typedef struct {
    kb_part_reorder **v;
    size_t n;
} reorders;

static kb_status reorder_row(sqlite3_stmt *st, void *ctx, kb_err *err)
{
    (void)err;
    reorders *rs = ctx;
    rs->v = kb_xrealloc(rs->v, (rs->n + 1) * sizeof *rs->v);
    rs->v[rs->n++] = load_reorder(st);
    return KB_OK;
}

struct reorder_filter {
    int state;
    const char *part;
};

static void bind_reorders(sqlite3_stmt *st, const void *arg, int page)
{
    (void)page;
    const struct reorder_filter *f = arg;
    kb_store_bind_opt(st, 1, kb_part_reorder_state_name(f->state));
    kb_store_bind_opt(st, 2, f->part);
}

static const kb_store_list reorders_list = {
    .count_sql = sql_ro_count,
    .page_sql = sql_ro_list,
    .limit_param = 3,
    .def_limit = 20,
    .max_limit = KB_PART_MAX_LIMIT,
    .bind = bind_reorders,
    .row = reorder_row,
    .count_what = "replenishment requests",
    .page_what = "replenishment requests",
};

kb_status kb_part_reorder_list(kb_store *s, int state, const char *part, size_t limit,
                               size_t offset, kb_part_reorder ***out, size_t *n,
                               long long *total, kb_err *err)
{
    *out = NULL;
    *n = 0;
    struct reorder_filter f = { state, part };
    reorders rs = { NULL, 0 };
    kb_status rc = kb_store_list_page(s, &reorders_list, &f, limit, offset, total, &rs, err);
    if (rc != KB_OK) {
        kb_part_reorders_free(rs.v, rs.n);
        *total = 0;
        return rc;
    }
    *out = rs.v;
    *n = rs.n;
    return KB_OK;
}

/* --- consumption --- */

void kb_part_uses_free(kb_part_use *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(v[i].part);
        free(v[i].name);
        free(v[i].unit);
        free(v[i].model);
    }
    free(v);
}

typedef struct {
    kb_part_use *v;
    size_t n;
} uses;

static kb_status use_row(sqlite3_stmt *st, void *ctx, kb_err *err)
{
    (void)err;
    uses *us = ctx;
    us->v = kb_xrealloc(us->v, (us->n + 1) * sizeof *us->v);
    kb_part_use *u = &us->v[us->n++];
    const char *month = (const char *)sqlite3_column_text(st, 0);
    snprintf(u->month, sizeof u->month, "%s", month ? month : "");
    u->part = kb_store_text(st, 1);
    u->name = kb_store_text(st, 2);
    u->unit = kb_store_text(st, 3);
    u->model = kb_store_text(st, 4);
    u->issued = sqlite3_column_int64(st, 5);
    u->returned = sqlite3_column_int64(st, 6);
    return KB_OK;
}

kb_status kb_part_consumption(kb_store *s, const char *from, const char *to, int by_model,
                              kb_part_use **out, size_t *n, kb_err *err)
{
    *out = NULL;
    *n = 0;
    if (!kb_part_month_valid(from))
        return kb_err_set(err, KB_EINVAL, "'from' must be a month YYYY-MM, not '%.20s'",
                          from ? from : "");
    if (!kb_part_month_valid(to))
        return kb_err_set(err, KB_EINVAL, "'to' must be a month YYYY-MM, not '%.20s'",
                          to ? to : "");
    if (strcmp(from, to) > 0)
        return kb_err_set(err, KB_EINVAL, "'from' (%s) is after 'to' (%s)", from, to);
    int months = (atoi(to) - atoi(from)) * 12 + atoi(to + 5) - atoi(from + 5) + 1;
    if (months > KB_PART_MAX_MONTHS)
        return kb_err_set(err, KB_EINVAL, "the report spans %d months; at most %d", months,
                          KB_PART_MAX_MONTHS);
    sqlite3_stmt *st = kb_store_cached(s, by_model ? sql_use_model : sql_use_part, err);
    if (!st)
        return KB_EDB;
    kb_store_bind_text(st, 1, from);
    kb_store_bind_text(st, 2, to);
    uses us = { NULL, 0 };
    kb_status rc = kb_store_rows(s, st, use_row, &us, "part consumption", err);
    if (rc != KB_OK) {
        kb_part_uses_free(us.v, us.n);
        return rc;
    }
    *out = us.v;
    *n = us.n;
    return KB_OK;
}
