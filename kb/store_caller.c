/* The caller directory in the database (all its SQL): schema (version 14), changes with
 * their audit entries, searches and a caller's incidents. See include/kb_caller.h. */
#include "kb_caller.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kb_alloc.h"
#include "kb_audit.h"
#include "kb_buf.h"
#include "kb_phone.h"
#include "kb_pinyin.h"
#include "kb_text.h"
#include "store_int.h"

/* caller: one row per caller. name_key is the normalised name without white space (what a
 * search by name compares), pinyin and initials its reading, email_norm the address in
 * lower case ('' when none).
 * caller_phone: the numbers, as typed and in canonical form (kb_phone_norm), in the order
 * given; a canonical number belongs to one caller.
 * Also: an index for a caller's incidents recorded by name, and incident.phone_norm
 * recomputed by the one phone rule (before, it was the number without spaces and dashes,
 * so "+86 138..." and "138..." did not match). */
static const char schema_v14[] =
    "CREATE TABLE IF NOT EXISTS caller("
    "  id INTEGER PRIMARY KEY,"
    "  name TEXT NOT NULL,"
    "  name_key TEXT NOT NULL,"
    "  pinyin TEXT NOT NULL,"
    "  initials TEXT NOT NULL,"
    "  email TEXT NOT NULL,"
    "  email_norm TEXT NOT NULL,"
    "  department TEXT NOT NULL,"
    "  location TEXT NOT NULL,"
    "  vip INTEGER NOT NULL DEFAULT 0,"
    "  notes TEXT NOT NULL,"
    "  created_by TEXT NOT NULL,"
    "  created_at INTEGER NOT NULL,"
    "  updated_by TEXT NOT NULL,"
    "  updated_at INTEGER NOT NULL);"
    "CREATE INDEX IF NOT EXISTS caller_by_name ON caller(name_key);"
    "CREATE UNIQUE INDEX IF NOT EXISTS caller_by_email ON caller(email_norm) "
    "  WHERE email_norm <> '';"
    "CREATE TABLE IF NOT EXISTS caller_phone("
    "  id INTEGER PRIMARY KEY,"
    "  caller INTEGER NOT NULL REFERENCES caller(id) ON DELETE CASCADE,"
    "  pos INTEGER NOT NULL,"
    "  number TEXT NOT NULL,"
    "  norm TEXT NOT NULL UNIQUE);"
    "CREATE INDEX IF NOT EXISTS caller_phone_by_caller ON caller_phone(caller, pos);"
    "CREATE INDEX IF NOT EXISTS incident_by_caller_name ON incident(caller_name);";

kb_status kb_caller_migrate(kb_store *s, kb_err *err)
{
    kb_status rc = kb_store_exec(s, schema_v14, err);
    if (rc != KB_OK)
        return rc;
    sqlite3 *db = kb_store_db(s);
    sqlite3_stmt *sel = NULL, *upd = NULL;
    if (sqlite3_prepare_v2(db, "SELECT id, caller_phone, phone_norm FROM incident", -1, &sel,
                           NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db, "UPDATE incident SET phone_norm = ?2 WHERE id = ?1", -1, &upd,
                           NULL) != SQLITE_OK)
        rc = kb_store_db_err(s, err, "schema 14");
    int r = SQLITE_DONE;
    while (rc == KB_OK && (r = sqlite3_step(sel)) == SQLITE_ROW) {
        const char *phone = (const char *)sqlite3_column_text(sel, 1);
        const char *old = (const char *)sqlite3_column_text(sel, 2);
        char norm[KB_PHONE_NORM_MAX];
        kb_phone_norm(phone ? phone : "", norm);
        if (old && strcmp(old, norm) == 0)
            continue;
        sqlite3_bind_int64(upd, 1, sqlite3_column_int64(sel, 0));
        sqlite3_bind_text(upd, 2, norm, -1, SQLITE_TRANSIENT);
        if (sqlite3_step(upd) != SQLITE_DONE)
            rc = kb_store_db_err(s, err, "schema 14: incident phones");
        sqlite3_reset(upd);
    }
    if (rc == KB_OK && r != SQLITE_DONE)
        rc = kb_store_db_err(s, err, "schema 14: incident phones");
    sqlite3_finalize(sel);
    sqlite3_finalize(upd);
    return rc;
}

#define COLS                                                                                   \
    "id, name, email, department, location, vip, notes, created_by, created_at, updated_by, " \
    "updated_at"

static const char sql_get[] = "SELECT " COLS " FROM caller WHERE id = ?1";
static const char sql_phones[] =
    "SELECT number, norm FROM caller_phone WHERE caller = ?1 ORDER BY pos";
static const char sql_insert[] =
    "INSERT INTO caller(name, name_key, pinyin, initials, email, email_norm, department, "
    "location, vip, notes, created_by, created_at, updated_by, updated_at) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?11, ?12)";
static const char sql_update[] =
    "UPDATE caller SET name = ?2, name_key = ?3, pinyin = ?4, initials = ?5, email = ?6, "
    "email_norm = ?7, department = ?8, location = ?9, vip = ?10, notes = ?11, "
    "updated_by = ?12, updated_at = ?13 WHERE id = ?1";
static const char sql_phones_delete[] = "DELETE FROM caller_phone WHERE caller = ?1";
static const char sql_phone_insert[] =
    "INSERT INTO caller_phone(caller, pos, number, norm) VALUES (?1, ?2, ?3, ?4)";
static const char sql_phone_owner[] =
    "SELECT p.caller, c.name FROM caller_phone p JOIN caller c ON c.id = p.caller "
    "WHERE p.norm = ?1 AND p.caller <> ?2";
static const char sql_email_owner[] =
    "SELECT id, name FROM caller WHERE email_norm = ?1 AND id <> ?2";
/* ?1 name key, ?2 pinyin prefix, ?3 part of a canonical number; NULL = not searched by */
#define SEARCH_WHERE                                                                           \
    " WHERE (?1 IS NULL OR instr(name_key, ?1) > 0 OR instr(email_norm, ?1) > 0"              \
    "        OR (?2 IS NOT NULL AND (substr(pinyin, 1, length(?2)) = ?2"                       \
    "                                OR substr(initials, 1, length(?2)) = ?2)))"               \
    " AND (?3 IS NULL OR id IN (SELECT caller FROM caller_phone WHERE instr(norm, ?3) > 0))"
static const char sql_search[] =
    "SELECT " COLS " FROM caller" SEARCH_WHERE
    " ORDER BY (name_key = ?1) DESC, (substr(name_key, 1, length(?1)) = ?1) DESC, name_key,"
    " id LIMIT ?4 OFFSET ?5";
static const char sql_search_count[] = "SELECT count(*) FROM caller" SEARCH_WHERE;
/* a caller's incidents: by number, or by name without a number or in the same department */
#define HISTORY_WHERE                                                                          \
    " WHERE ((phone_norm <> '' AND phone_norm IN "                                             \
    "         (SELECT norm FROM caller_phone WHERE caller = ?1))"                              \
    "        OR (caller_name = ?2 AND (phone_norm = '' OR (?3 <> '' AND department = ?3))))"
static const char sql_open[] =
    "SELECT " KB_STORE_BRIEF_COLS " FROM incident" HISTORY_WHERE
    " AND status IN ('new', 'assigned', 'in_progress', 'pending')"
    " ORDER BY created_at DESC, id DESC LIMIT ?4";
static const char sql_recent[] =
    "SELECT " KB_STORE_BRIEF_COLS " FROM incident" HISTORY_WHERE
    " AND status NOT IN ('new', 'assigned', 'in_progress', 'pending')"
    " ORDER BY created_at DESC, id DESC LIMIT ?4";

/* --- records --- */

void kb_caller_free(kb_caller *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->nphones; i++) {
        free(c->phones[i]);
        free(c->phones_norm[i]);
    }
    free(c->phones);
    free(c->phones_norm);
    free(c->name);
    free(c->email);
    free(c->department);
    free(c->location);
    free(c->notes);
    free(c->created_by);
    free(c->updated_by);
    free(c);
}

static kb_caller *caller_new(void)
{
    kb_caller *c = kb_xcalloc(1, sizeof *c);
    char **strs[] = { &c->name,  &c->email,      &c->department, &c->location,
                      &c->notes, &c->created_by, &c->updated_by };
    for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++)
        *strs[i] = kb_xstrdup("");
    return c;
}

static void phone_add(kb_caller *c, const char *number, const char *norm)
{
    c->phones = kb_xrealloc(c->phones, (c->nphones + 1) * sizeof *c->phones);
    c->phones_norm = kb_xrealloc(c->phones_norm, (c->nphones + 1) * sizeof *c->phones_norm);
    c->phones[c->nphones] = kb_xstrdup(number);
    c->phones_norm[c->nphones] = kb_xstrdup(norm);
    c->nphones++;
}

static void phones_clear(kb_caller *c)
{
    for (size_t i = 0; i < c->nphones; i++) {
        free(c->phones[i]);
        free(c->phones_norm[i]);
    }
    c->nphones = 0;
}

static kb_caller *caller_copy(const kb_caller *c)
{
    kb_caller *d = kb_xcalloc(1, sizeof *d);
    *d = *c;
    d->phones = NULL;
    d->phones_norm = NULL;
    d->nphones = 0;
    for (size_t i = 0; i < c->nphones; i++)
        phone_add(d, c->phones[i], c->phones_norm[i]);
    char **strs[] = { &d->name,  &d->email,      &d->department, &d->location,
                      &d->notes, &d->created_by, &d->updated_by };
    for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++)
        *strs[i] = kb_xstrdup(*strs[i]);
    return d;
}

/* A record from a row of COLS, without its phones. */
static kb_caller *load_row(sqlite3_stmt *st)
{
    kb_caller *c = kb_xcalloc(1, sizeof *c);
    c->id = sqlite3_column_int64(st, 0);
    c->name = kb_store_text(st, 1);
    c->email = kb_store_text(st, 2);
    c->department = kb_store_text(st, 3);
    c->location = kb_store_text(st, 4);
    c->vip = sqlite3_column_int(st, 5) != 0;
    c->notes = kb_store_text(st, 6);
    c->created_by = kb_store_text(st, 7);
    c->created_at = sqlite3_column_int64(st, 8);
    c->updated_by = kb_store_text(st, 9);
    c->updated_at = sqlite3_column_int64(st, 10);
    return c;
}

static kb_status phone_row(sqlite3_stmt *st, void *ctx, kb_err *err)
{
    (void)err;
    phone_add(ctx, (const char *)sqlite3_column_text(st, 0),
              (const char *)sqlite3_column_text(st, 1));
    return KB_OK;
}

static kb_status load_phones(kb_store *s, kb_caller *c, kb_err *err)
{
    return kb_store_each_row(s, sql_phones, c->id, phone_row, c, "caller phones", err);
}

kb_status kb_caller_get(kb_store *s, long long id, kb_caller **out, kb_err *err)
{
    *out = NULL;
    sqlite3_stmt *st = kb_store_cached(s, sql_get, err);
    if (!st)
        return KB_EDB;
    sqlite3_bind_int64(st, 1, id);
    int r = sqlite3_step(st);
    kb_caller *c = r == SQLITE_ROW ? load_row(st) : NULL;
    kb_store_done(st);
    if (!c)
        return r == SQLITE_DONE ? kb_err_set(err, KB_ENOTFOUND, "no caller %lld", id)
                                : kb_store_db_err(s, err, "caller");
    kb_status rc = load_phones(s, c, err);
    if (rc != KB_OK) {
        kb_caller_free(c);
        return rc;
    }
    *out = c;
    return KB_OK;
}

/* --- keys: what searches compare --- */

/* The pinyin of a name key (syllables run together, other letters and digits as they
 * are) and its initials (the first letter of each syllable). */
static void reading(const char *key, kb_buf *pinyin, kb_buf *initials)
{
    size_t len = strlen(key);
    kb_buf_reset(pinyin);
    kb_buf_reset(initials);
    for (size_t i = 0; i < len;) {
        size_t n;
        uint32_t cp = kb_text_utf8_next(key + i, len - i, &n);
        i += n;
        const char *syl = kb_pinyin_of_char(cp);
        if (syl) {
            kb_buf_adds(pinyin, syl);
            kb_buf_addc(initials, syl[0]);
        } else if ((cp >= 'a' && cp <= 'z') || (cp >= '0' && cp <= '9')) {
            kb_buf_addc(pinyin, (char)cp);
        }
    }
}

static void email_key(const char *email, kb_buf *out)
{
    kb_buf_reset(out);
    for (const char *p = email; *p; p++)
        kb_buf_addc(out, *p >= 'A' && *p <= 'Z' ? (char)(*p | 0x20) : *p);
}

/* --- changes --- */

static const char *who(const char *actor)
{
    return actor && *actor ? actor : "anonymous";
}

/* KB_EEXIST when a number or the e-mail address of c belongs to another caller. */
static kb_status check_unique(kb_store *s, const kb_caller *c, kb_err *err)
{
    kb_status rc = KB_OK;
    for (size_t i = 0; rc == KB_OK && i < c->nphones; i++) {
        sqlite3_stmt *st = kb_store_cached(s, sql_phone_owner, err);
        if (!st)
            return KB_EDB;
        kb_store_bind_text(st, 1, c->phones_norm[i]);
        sqlite3_bind_int64(st, 2, c->id);
        int r = sqlite3_step(st);
        if (r == SQLITE_ROW)
            rc = kb_err_set(err, KB_EEXIST, "phone '%s' is already caller %lld (%s)",
                            c->phones[i], (long long)sqlite3_column_int64(st, 0),
                            (const char *)sqlite3_column_text(st, 1));
        else
            rc = kb_store_step_err(s, r, err, "caller phones");
        kb_store_done(st);
    }
    if (rc != KB_OK || !c->email[0])
        return rc;
    kb_buf key;
    kb_buf_init(&key, 0);
    email_key(c->email, &key);
    sqlite3_stmt *st = kb_store_cached(s, sql_email_owner, err);
    if (!st) {
        kb_buf_free(&key);
        return KB_EDB;
    }
    kb_store_bind_text(st, 1, kb_buf_str(&key));
    sqlite3_bind_int64(st, 2, c->id);
    int r = sqlite3_step(st);
    if (r == SQLITE_ROW)
        rc = kb_err_set(err, KB_EEXIST, "e-mail '%s' is already caller %lld (%s)", c->email,
                        (long long)sqlite3_column_int64(st, 0),
                        (const char *)sqlite3_column_text(st, 1));
    else
        rc = kb_store_step_err(s, r, err, "caller e-mail");
    kb_store_done(st);
    kb_buf_free(&key);
    return rc;
}

/* Writes c's row (insert when c->id is 0, setting it) and its phones. */
static kb_status write_caller(kb_store *s, kb_caller *c, kb_err *err)
{
    kb_buf key, py, ini, mail;
    kb_buf_init(&key, 0);
    kb_buf_init(&py, 0);
    kb_buf_init(&ini, 0);
    kb_buf_init(&mail, 0);
    kb_store_text_key(s, c->name, &key);
    reading(kb_buf_str(&key), &py, &ini);
    email_key(c->email, &mail);
    int insert = c->id == 0;
    kb_status rc = KB_OK;
    sqlite3_stmt *st = kb_store_cached(s, insert ? sql_insert : sql_update, err);
    if (!st)
        rc = KB_EDB;
    if (rc == KB_OK) {
        int o = insert ? 0 : 1; /* the update binds the id first */
        if (!insert)
            sqlite3_bind_int64(st, 1, c->id);
        const char *strs[] = { c->name,       kb_buf_str(&key), kb_buf_str(&py),
                               kb_buf_str(&ini), c->email,      kb_buf_str(&mail),
                               c->department, c->location };
        for (int i = 0; i < 8; i++)
            kb_store_bind_text(st, o + 1 + i, strs[i]);
        sqlite3_bind_int(st, o + 9, c->vip);
        kb_store_bind_text(st, o + 10, c->notes);
        kb_store_bind_text(st, o + 11, insert ? c->created_by : c->updated_by);
        sqlite3_bind_int64(st, o + 12, insert ? c->created_at : c->updated_at);
        rc = kb_store_step_err(s, sqlite3_step(st), err,
                               insert ? "caller insert" : "caller update");
        kb_store_done(st);
        if (rc == KB_OK && insert)
            c->id = sqlite3_last_insert_rowid(kb_store_db(s));
    }
    if (rc == KB_OK && !insert) {
        st = kb_store_cached(s, sql_phones_delete, err);
        if (!st)
            rc = KB_EDB;
        if (rc == KB_OK) {
            sqlite3_bind_int64(st, 1, c->id);
            rc = kb_store_step_err(s, sqlite3_step(st), err, "caller phones");
            kb_store_done(st);
        }
    }
    for (size_t i = 0; rc == KB_OK && i < c->nphones; i++) {
        st = kb_store_cached(s, sql_phone_insert, err);
        if (!st) {
            rc = KB_EDB;
            break;
        }
        sqlite3_bind_int64(st, 1, c->id);
        sqlite3_bind_int64(st, 2, (sqlite3_int64)i);
        kb_store_bind_text(st, 3, c->phones[i]);
        kb_store_bind_text(st, 4, c->phones_norm[i]);
        rc = kb_store_step_err(s, sqlite3_step(st), err, "caller phone insert");
        kb_store_done(st);
    }
    kb_buf_free(&key);
    kb_buf_free(&py);
    kb_buf_free(&ini);
    kb_buf_free(&mail);
    return rc;
}

/* Applies the fields in gives to c. */
static void apply(kb_caller *c, const kb_caller_in *in)
{
    const char *src[] = { in->name, in->email, in->department, in->location, in->notes };
    char **dst[] = { &c->name, &c->email, &c->department, &c->location, &c->notes };
    for (size_t i = 0; i < 5; i++)
        if (src[i])
            kb_text_set_trimmed(dst[i], src[i]);
    if (in->vip >= 0)
        c->vip = in->vip != 0;
    if (in->set_phones) {
        phones_clear(c);
        for (size_t i = 0; i < in->nphones; i++) {
            char *number = NULL;
            kb_text_set_trimmed(&number, in->phones[i]);
            char norm[KB_PHONE_NORM_MAX];
            kb_phone_norm(number, norm);
            phone_add(c, number, norm);
            free(number);
        }
    }
}

static void phones_text(const kb_caller *c, kb_buf *b)
{
    for (size_t i = 0; i < c->nphones; i++)
        kb_buf_addf(b, "%s%s", i ? ", " : "", c->phones_norm[i]);
    if (!c->nphones)
        kb_buf_adds(b, "(none)");
}

/* The audit summary of a new caller, or of the change from a to b; "" when nothing
 * changed. */
static void summary(const kb_caller *a, const kb_caller *b, kb_buf *out)
{
    const char *names[] = { "name", "email", "department", "location" };
    const char *av[] = { a ? a->name : NULL, a ? a->email : NULL, a ? a->department : NULL,
                         a ? a->location : NULL };
    const char *bv[] = { b->name, b->email, b->department, b->location };
    for (size_t i = 0; i < 4; i++) {
        if (a && strcmp(av[i], bv[i]) == 0)
            continue;
        if (!a && !*bv[i])
            continue;
        if (out->len)
            kb_buf_adds(out, "; ");
        if (a)
            kb_buf_addf(out, "%s %s→%s", names[i], *av[i] ? av[i] : "(none)",
                        *bv[i] ? bv[i] : "(none)");
        else
            kb_buf_addf(out, "%s %s", names[i], bv[i]);
    }
    int same_phones = a && a->nphones == b->nphones;
    for (size_t i = 0; same_phones && i < b->nphones; i++)
        same_phones = strcmp(a->phones[i], b->phones[i]) == 0;
    if (!same_phones && (a || b->nphones)) {
        kb_buf_adds(out, out->len ? "; phones " : "phones ");
        if (a) {
            phones_text(a, out);
            kb_buf_adds(out, "→");
        }
        phones_text(b, out);
    }
    if ((a && a->vip != b->vip) || (!a && b->vip))
        kb_buf_addf(out, "%svip %s", out->len ? "; " : "", b->vip ? "yes" : "no");
    if ((a && strcmp(a->notes, b->notes) != 0) || (!a && b->notes[0]))
        kb_buf_addf(out, "%snotes %s", out->len ? "; " : "", a ? "changed" : "given");
}

static kb_status audit(kb_store *s, long long now, const char *actor, const char *action,
                       long long id, const char *text, kb_err *err)
{
    char object[48];
    snprintf(object, sizeof object, "caller:%lld", id);
    return kb_audit_append(s, now, actor, action, object, text, err);
}

kb_status kb_caller_create(kb_store *s, const kb_caller_in *in, long long now, kb_caller **out,
                           kb_err *err)
{
    if (out)
        *out = NULL;
    kb_status rc = kb_caller_check(in, 1, err);
    if (rc != KB_OK)
        return rc;
    kb_caller *c = caller_new();
    kb_caller_in all = *in;
    all.set_phones = 1;
    if (all.vip < 0)
        all.vip = 0;
    apply(c, &all);
    kb_text_set_trimmed(&c->created_by, who(in->actor));
    kb_text_set_trimmed(&c->updated_by, who(in->actor));
    c->created_at = now;
    c->updated_at = now;
    int own;
    rc = kb_store_write_begin(s, &own, err);
    if (rc != KB_OK) {
        kb_caller_free(c);
        return rc;
    }
    rc = check_unique(s, c, err);
    if (rc == KB_OK)
        rc = write_caller(s, c, err);
    if (rc == KB_OK) {
        kb_buf text;
        kb_buf_init(&text, 0);
        summary(NULL, c, &text);
        rc = audit(s, now, c->created_by, "caller.create", c->id, kb_buf_str(&text), err);
        kb_buf_free(&text);
    }
    rc = kb_store_write_end(s, own, rc, err);
    if (rc == KB_OK && out)
        *out = c;
    else
        kb_caller_free(c);
    return rc;
}

kb_status kb_caller_update(kb_store *s, long long id, const kb_caller_in *in, long long now,
                           kb_caller **out, int *changed, kb_err *err)
{
    if (out)
        *out = NULL;
    if (changed)
        *changed = 0;
    kb_status rc = kb_caller_check(in, 0, err);
    if (rc != KB_OK)
        return rc;
    int own;
    rc = kb_store_write_begin(s, &own, err);
    if (rc != KB_OK)
        return rc;
    kb_caller *old = NULL, *c = NULL;
    rc = kb_caller_get(s, id, &old, err);
    kb_buf text;
    kb_buf_init(&text, 0);
    if (rc == KB_OK) {
        c = caller_copy(old);
        apply(c, in);
        summary(old, c, &text);
    }
    if (rc == KB_OK && text.len) {
        kb_text_set_trimmed(&c->updated_by, who(in->actor));
        c->updated_at = now;
        rc = check_unique(s, c, err);
        if (rc == KB_OK)
            rc = write_caller(s, c, err);
        if (rc == KB_OK)
            rc = audit(s, now, c->updated_by, "caller.update", c->id, kb_buf_str(&text), err);
        if (rc == KB_OK && changed)
            *changed = 1;
    }
    rc = kb_store_write_end(s, own, rc, err);
    kb_buf_free(&text);
    kb_caller_free(old);
    if (rc == KB_OK && out)
        *out = c;
    else
        kb_caller_free(c);
    return rc;
}

kb_status kb_caller_find(kb_store *s, const char *phone, const char *email, long long *id,
                         kb_err *err)
{
    *id = 0;
    kb_status rc = KB_OK;
    if (phone && *phone) {
        char norm[KB_PHONE_NORM_MAX];
        kb_phone_norm(phone, norm);
        sqlite3_stmt *st = kb_store_cached(s, sql_phone_owner, err);
        if (!st)
            return KB_EDB;
        kb_store_bind_text(st, 1, norm);
        sqlite3_bind_int64(st, 2, 0);
        int r = sqlite3_step(st);
        if (r == SQLITE_ROW)
            *id = sqlite3_column_int64(st, 0);
        rc = kb_store_step_err(s, r, err, "caller phones");
        kb_store_done(st);
    }
    if (rc == KB_OK && !*id && email && *email) {
        kb_buf key;
        kb_buf_init(&key, 0);
        email_key(email, &key);
        sqlite3_stmt *st = kb_store_cached(s, sql_email_owner, err);
        if (!st) {
            kb_buf_free(&key);
            return KB_EDB;
        }
        kb_store_bind_text(st, 1, kb_buf_str(&key));
        sqlite3_bind_int64(st, 2, 0);
        int r = sqlite3_step(st);
        if (r == SQLITE_ROW)
            *id = sqlite3_column_int64(st, 0);
        rc = kb_store_step_err(s, r, err, "caller e-mail");
        kb_store_done(st);
        kb_buf_free(&key);
    }
    return rc;
}

/* --- searches --- */

void kb_caller_list_free(kb_caller_list *l)
{
    if (!l)
        return;
    for (size_t i = 0; i < l->n; i++)
        kb_caller_free(l->items[i]);
    free(l->items);
    free(l);
}

/* The pinyin form of a query: its ASCII letters in lower case when it has nothing else
 * but spaces and at least two of them; else "". */
static void query_pinyin(const char *q, kb_buf *out)
{
    kb_buf_reset(out);
    for (const char *p = q; *p; p++) {
        char c = *p;
        if (c == ' ' || c == '\t')
            continue;
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))) {
            kb_buf_reset(out);
            return;
        }
        kb_buf_addc(out, (char)(c | 0x20));
    }
    if (out->len < 2)
        kb_buf_reset(out);
}

/* What a search binds: the query's name key, pinyin and canonical number part. */
struct search {
    const char *v[3];
};

static void bind_search(sqlite3_stmt *st, const void *arg, int page)
{
    (void)page;
    const struct search *q = arg;
    for (int i = 0; i < 3; i++)
        if (q->v[i] && *q->v[i])
            kb_store_bind_text(st, i + 1, q->v[i]);
}

/* The page being read, and the store to read each caller's phones from. */
struct found {
    kb_store *s;
    kb_caller_list *l;
};

static kb_status search_row(sqlite3_stmt *st, void *ctx, kb_err *err)
{
    struct found *fd = ctx;
    kb_caller_list *l = fd->l;
    l->items = kb_xrealloc(l->items, (l->n + 1) * sizeof *l->items);
    kb_caller *c = load_row(st);
    l->items[l->n++] = c;
    return load_phones(fd->s, c, err);
}

static const kb_store_list search_list = {
    .count_sql = sql_search_count,
    .page_sql = sql_search,
    .limit_param = 4,
    .def_limit = 20,
    .max_limit = KB_CALLER_MAX_LIMIT,
    .bind = bind_search,
    .row = search_row,
    .count_what = "caller count",
    .page_what = "caller search",
};

kb_status kb_caller_search(kb_store *s, const kb_caller_filter *f, kb_caller_list **out,
                           kb_err *err)
{
    *out = NULL;
    const char *q = f->q && *f->q ? f->q : NULL;
    if (q && strlen(q) > KB_CALLER_MAX_QUERY)
        return kb_err_set(err, KB_EINVAL, "'q' is longer than %u bytes", KB_CALLER_MAX_QUERY);
    char phone[KB_PHONE_NORM_MAX] = "";
    kb_buf key, py;
    kb_buf_init(&key, 0);
    kb_buf_init(&py, 0);
    if (q && !kb_phone_query(q, phone)) {
        kb_store_text_key(s, q, &key);
        query_pinyin(q, &py);
    }
    kb_caller_list *l = kb_xcalloc(1, sizeof *l);
    kb_status rc = KB_OK;
    /* text that normalises to nothing (only spaces) finds nobody rather than everybody */
    if (!q || phone[0] || key.len || py.len) {
        struct search arg = { { kb_buf_str(&key), kb_buf_str(&py), phone } };
        struct found fd = { s, l };
        rc = kb_store_list_page(s, &search_list, &arg, f->limit, f->offset, &l->total, &fd,
                                err);
    }
    kb_buf_free(&key);
    kb_buf_free(&py);
    if (rc != KB_OK) {
        kb_caller_list_free(l);
        return rc;
    }
    *out = l;
    return KB_OK;
}

/* --- a caller's incidents --- */

void kb_caller_history_free(kb_caller_history *h)
{
    if (!h)
        return;
    kb_incident_briefs_free(h->open, h->nopen);
    kb_incident_briefs_free(h->recent, h->nrecent);
    free(h);
}

static kb_status incidents(kb_store *s, const char *sql, const kb_caller *c, size_t max,
                           kb_caller_incident **out, size_t *n, kb_err *err)
{
    sqlite3_stmt *st = kb_store_cached(s, sql, err);
    if (!st)
        return KB_EDB;
    sqlite3_bind_int64(st, 1, c->id);
    kb_store_bind_text(st, 2, c->name);
    kb_store_bind_text(st, 3, c->department);
    sqlite3_bind_int64(st, 4, (sqlite3_int64)max);
    return kb_store_incident_briefs(s, st, out, n, err);
}

kb_status kb_caller_history_get(kb_store *s, const kb_caller *c, kb_caller_history **out,
                                kb_err *err)
{
    *out = NULL;
    kb_caller_history *h = kb_xcalloc(1, sizeof *h);
    int own = 0;
    kb_status rc = kb_store_read_begin(s, &own, err);
    if (rc == KB_OK) {
        rc = incidents(s, sql_open, c, KB_CALLER_OPEN, &h->open, &h->nopen, err);
        if (rc == KB_OK)
            rc = incidents(s, sql_recent, c, KB_CALLER_RECENT, &h->recent, &h->nrecent, err);
        kb_store_read_end(s, own);
    }
    if (rc != KB_OK) {
        kb_caller_history_free(h);
        return rc;
    }
    *out = h;
    return KB_OK;
}
