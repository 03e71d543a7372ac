/* Document classes, sub-types, numbering prefixes and approval chains (all SQL): schema
 * (version 24, with the steps of document requests). See include/kb_docclass.h. */
#include "kb_docclass.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "kb_alloc.h"
#include "kb_audit.h"
#include "kb_buf.h"
#include "kb_group.h"
#include "store_int.h"

const char *const kb_docreq_kinds[KB_DOCREQ_NKINDS + 1] = { "change", "scrap", "borrow",
                                                            "destroy", NULL };

int kb_docreq_kind_index(const char *kind)
{
    for (int i = 0; kind && i < KB_DOCREQ_NKINDS; i++)
        if (strcmp(kind, kb_docreq_kinds[i]) == 0)
            return i;
    return -1;
}

/* The plan's classes: one row each. The seeds are the doc_type values kedb used before
 * classes were kept (the editor's list). */
static const char *const seed_ops[] = { "operations manual", "procedure", "form", NULL };
static const char *const seed_project[] = { "project document", NULL };
static const char *const seed_quality[] = { "quality document", NULL };
static const char *const seed_report[] = { "service report", NULL };
static const char *const seed_other[] = { "other", NULL };
const kb_docclass_def kb_docclass_defs[KB_DOCCLASS_N] = {
    { "ops", "运维体系文档", "Operations documents", seed_ops },
    { "project", "项目文档", "Project documents", seed_project },
    { "quality", "质量管理文档", "Quality management documents", seed_quality },
    { "report", "服务报告文档", "Service reports", seed_report },
    { "other", "其他文件资料", "Other files and material", seed_other },
};

const kb_docclass_def *kb_docclass_def_of(const char *code)
{
    for (size_t i = 0; code && i < KB_DOCCLASS_N; i++)
        if (strcmp(code, kb_docclass_defs[i].code) == 0)
            return &kb_docclass_defs[i];
    return NULL;
}

/* doc_request_step: a request's chain as it was when filed, one row per step. The request
 * columns record how it ran: flow 'single' (one approver, the behaviour before chains) or
 * 'chain'; the class of its document; the execution (what was done, by whom, when) and its
 * confirmation. */
static const char schema_v22[] =
    "CREATE TABLE IF NOT EXISTS doc_class(code TEXT PRIMARY KEY, prefix TEXT NOT NULL DEFAULT '',"
    " ord INTEGER NOT NULL) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS doc_subtype(name TEXT PRIMARY KEY COLLATE NOCASE,"
    " class TEXT NOT NULL REFERENCES doc_class(code), ord INTEGER NOT NULL) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS doc_chain(class TEXT NOT NULL REFERENCES doc_class(code),"
    " kind TEXT NOT NULL, step INTEGER NOT NULL, grp TEXT NOT NULL,"
    " PRIMARY KEY(class, kind, step)) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS doc_request_step(request INTEGER NOT NULL, step INTEGER NOT NULL,"
    " grp TEXT NOT NULL, state TEXT NOT NULL DEFAULT 'pending',"
    " decided_by TEXT NOT NULL DEFAULT '', decided_at INTEGER NOT NULL DEFAULT 0,"
    " comment TEXT NOT NULL DEFAULT '', PRIMARY KEY(request, step)) WITHOUT ROWID;";

static const char sql_seed_class[] = "INSERT OR IGNORE INTO doc_class(code, ord) VALUES (?1, ?2)";
static const char sql_seed_sub[] =
    "INSERT OR IGNORE INTO doc_subtype(name, class, ord) VALUES (?1, ?2, ?3)";

static kb_status add_sub(kb_store *s, const char *name, const char *code, long long ord,
                         kb_err *err)
{
    sqlite3_stmt *st = kb_store_cached(s, sql_seed_sub, err);
    if (!st)
        return KB_EDB;
    sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, code, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 3, ord);
    return kb_store_step_done(s, st, "document sub-type", err);
}

kb_status kb_docclass_migrate(kb_store *s, kb_err *err)
{
    kb_status rc = kb_store_exec(s, schema_v22, err);
    static const char *const cols[][2] = {
        { "flow", "TEXT NOT NULL DEFAULT 'single'" }, { "class", "TEXT NOT NULL DEFAULT ''" },
        { "executed_by", "TEXT NOT NULL DEFAULT ''" }, { "executed_at", "INTEGER NOT NULL DEFAULT 0" },
        { "execution", "TEXT NOT NULL DEFAULT ''" }, { "confirmed_by", "TEXT NOT NULL DEFAULT ''" },
        { "confirmed_at", "INTEGER NOT NULL DEFAULT 0" },
        { "confirmation", "TEXT NOT NULL DEFAULT ''" },
    };
    for (size_t i = 0; rc == KB_OK && i < sizeof cols / sizeof cols[0]; i++)
        rc = kb_store_add_column(s, "doc_request", cols[i][0], cols[i][1], err);
    for (size_t i = 0; rc == KB_OK && i < KB_DOCCLASS_N; i++) {
        const kb_docclass_def *d = &kb_docclass_defs[i];
        sqlite3_stmt *st = kb_store_cached(s, sql_seed_class, err);
        if (!st)
            return KB_EDB;
        sqlite3_bind_text(st, 1, d->code, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, (long long)i);
        rc = kb_store_step_done(s, st, "document class", err);
        for (size_t j = 0; rc == KB_OK && d->seeds[j]; j++)
            rc = add_sub(s, d->seeds[j], d->code, (long long)j, err);
    }
    return rc;
}

static const char sql_classes[] = "SELECT code, prefix FROM doc_class ORDER BY ord";
static const char sql_subs[] = "SELECT class, name FROM doc_subtype ORDER BY class, ord";
static const char sql_chains[] = "SELECT class, kind, grp FROM doc_chain ORDER BY class, kind, step";
static const char sql_prefix_set[] = "UPDATE doc_class SET prefix = ?2 WHERE code = ?1";
static const char sql_subs_clear[] = "DELETE FROM doc_subtype WHERE class = ?1";
static const char sql_chain_clear[] = "DELETE FROM doc_chain WHERE class = ?1 AND kind = ?2";
static const char sql_chain_add[] =
    "INSERT INTO doc_chain(class, kind, step, grp) VALUES (?1, ?2, ?3, ?4)";
/* a current (or pending) document whose doc_type is the sub-type ?1 */
static const char sql_sub_used[] =
    "SELECT id FROM item_version WHERE type = 'document' AND lower(doc_type) = lower(?1)"
    " AND state IN ('published', 'draft', 'in_review', 'requested') LIMIT 1";

static void add_str(char ***v, size_t *n, const char *s)
{
    *v = kb_xrealloc(*v, (*n + 1) * sizeof **v);
    (*v)[(*n)++] = kb_xstrdup(s);
}

static kb_docclass *by_code(kb_docclass_list *l, const char *code)
{
    for (size_t i = 0; code && i < l->n; i++)
        if (strcmp(l->v[i].code, code) == 0)
            return &l->v[i];
    return NULL;
}

static kb_status class_row(sqlite3_stmt *st, void *ctx, kb_err *err)
{
    (void)err;
    kb_docclass_list *l = ctx;
    const kb_docclass_def *d = kb_docclass_def_of((const char *)sqlite3_column_text(st, 0));
    if (!d || l->n == KB_DOCCLASS_N)
        return KB_OK; /* a code this kedb does not know: left out */
    kb_docclass *c = &l->v[l->n++];
    c->code = d->code;
    c->name = d->name;
    c->name_en = d->name_en;
    c->prefix = kb_store_text(st, 1);
    return KB_OK;
}

static kb_status sub_row(sqlite3_stmt *st, void *ctx, kb_err *err)
{
    (void)err;
    kb_docclass *c = by_code(ctx, (const char *)sqlite3_column_text(st, 0));
    if (c)
        add_str(&c->sub_types, &c->nsub_types, (const char *)sqlite3_column_text(st, 1));
    return KB_OK;
}

static kb_status chain_row(sqlite3_stmt *st, void *ctx, kb_err *err)
{
    (void)err;
    kb_docclass *c = by_code(ctx, (const char *)sqlite3_column_text(st, 0));
    int k = kb_docreq_kind_index((const char *)sqlite3_column_text(st, 1));
    if (c && k >= 0)
        add_str(&c->chain[k], &c->nchain[k], (const char *)sqlite3_column_text(st, 2));
    return KB_OK;
}

void kb_docclass_list_free(kb_docclass_list *l)
{
    if (!l)
        return;
    for (size_t i = 0; i < l->n; i++) {
        kb_docclass *c = &l->v[i];
        free(c->prefix);
        for (size_t j = 0; j < c->nsub_types; j++)
            free(c->sub_types[j]);
        free(c->sub_types);
        for (int k = 0; k < KB_DOCREQ_NKINDS; k++) {
            for (size_t j = 0; j < c->nchain[k]; j++)
                free(c->chain[k][j]);
            free(c->chain[k]);
        }
    }
    memset(l, 0, sizeof *l);
}

kb_status kb_docclass_list_all(kb_store *s, kb_docclass_list *out, kb_err *err)
{
    memset(out, 0, sizeof *out);
    sqlite3_stmt *st = kb_store_cached(s, sql_classes, err);
    kb_status rc = st ? kb_store_rows(s, st, class_row, out, "document classes", err) : KB_EDB;
    if (rc == KB_OK) {
        st = kb_store_cached(s, sql_subs, err);
        rc = st ? kb_store_rows(s, st, sub_row, out, "document sub-types", err) : KB_EDB;
    }
    if (rc == KB_OK) {
        st = kb_store_cached(s, sql_chains, err);
        rc = st ? kb_store_rows(s, st, chain_row, out, "approval chains", err) : KB_EDB;
    }
    return rc;
}

const kb_docclass *kb_docclass_of(const kb_docclass_list *l, const char *doc_type)
{
    if (!doc_type || !*doc_type)
        return NULL;
    for (size_t i = 0; i < l->n; i++)
        for (size_t j = 0; j < l->v[i].nsub_types; j++)
            if (strcasecmp(l->v[i].sub_types[j], doc_type) == 0)
                return &l->v[i];
    for (size_t i = 0; i < l->n; i++)
        if (strcasecmp(l->v[i].code, doc_type) == 0 || strcmp(l->v[i].name, doc_type) == 0)
            return &l->v[i];
    return NULL;
}

/* "ops (operations manual, procedure, form), project (...)": what doc_type may name. */
static void known(const kb_docclass_list *l, kb_buf *b)
{
    for (size_t i = 0; i < l->n; i++) {
        kb_buf_addf(b, "%s%s (", i ? "; " : "", l->v[i].code);
        for (size_t j = 0; j < l->v[i].nsub_types; j++)
            kb_buf_addf(b, "%s%s", j ? ", " : "", l->v[i].sub_types[j]);
        kb_buf_adds(b, ")");
    }
}

kb_status kb_docclass_check(kb_store *s, const char *doc_type, const char *doc_no,
                            const char **code, kb_err *err)
{
    if (code)
        *code = NULL;
    kb_docclass_list l;
    kb_status rc = kb_docclass_list_all(s, &l, err);
    if (rc != KB_OK) {
        kb_docclass_list_free(&l);
        return rc;
    }
    const kb_docclass *c = kb_docclass_of(&l, doc_type);
    kb_buf b;
    kb_buf_init(&b, 0);
    known(&l, &b);
    if (!doc_type || !*doc_type)
        rc = kb_err_set(err, KB_EINVAL, "a document needs 'doc_type': a class or sub-type of "
                        "%.300s", kb_buf_str(&b));
    else if (!c)
        rc = kb_err_set(err, KB_EINVAL, "doc_type '%.64s' is not a document class or sub-type: "
                        "use %.300s", doc_type, kb_buf_str(&b));
    else if (c->prefix[0] && doc_no && strncmp(doc_no, c->prefix, strlen(c->prefix)) != 0)
        rc = kb_err_set(err, KB_EINVAL, "document number '%.64s' must begin with '%s', the "
                        "prefix of class %s", doc_no, c->prefix, c->code);
    if (rc == KB_OK && code)
        *code = kb_docclass_def_of(c->code)->code;
    kb_buf_free(&b);
    kb_docclass_list_free(&l);
    return rc;
}

/* ---------------------------------------------------------------- changes */

static int prefix_ok(const char *p)
{
    size_t n = strlen(p);
    if (n > KB_DOCCLASS_PREFIX_MAX)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = p[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_' || c == '.' || c == '/'))
            return 0;
    }
    return 1;
}

static int sub_ok(const char *v)
{
    size_t n = strlen(v);
    if (n == 0 || n > KB_DOCCLASS_SUBTYPE_MAX || v[0] == ' ' || v[n - 1] == ' ')
        return 0;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)v[i] < 0x20 || v[i] == 0x7f)
            return 0;
    return 1;
}

static kb_status check_subs(kb_store *s, const kb_docclass_list *l, const kb_docclass *c,
                            const kb_docclass_change *ch, kb_err *err)
{
    if (ch->nsub_types == 0)
        return kb_err_set(err, KB_EINVAL, "a class needs at least one sub-type");
    if (ch->nsub_types > KB_DOCCLASS_MAX_SUBTYPES)
        return kb_err_set(err, KB_EINVAL, "more than %u sub-types", KB_DOCCLASS_MAX_SUBTYPES);
    for (size_t i = 0; i < ch->nsub_types; i++) {
        const char *v = ch->sub_types[i];
        if (!v || !sub_ok(v))
            return kb_err_set(err, KB_EINVAL, "sub-type '%.80s' is empty, longer than %u bytes "
                              "or holds a control character", v ? v : "", KB_DOCCLASS_SUBTYPE_MAX);
        for (size_t j = 0; j < i; j++)
            if (strcasecmp(ch->sub_types[j], v) == 0)
                return kb_err_set(err, KB_EINVAL, "sub-type '%.64s' is given twice", v);
        const kb_docclass *o = kb_docclass_of(l, v);
        if (o && o != c)
            return kb_err_set(err, KB_EINVAL, "sub-type '%.64s' belongs to class %s", v,
                              o->code);
    }
    /* a sub-type taken away must not leave documents in use outside the list */
    for (size_t j = 0; j < c->nsub_types; j++) {
        int kept = 0;
        for (size_t i = 0; i < ch->nsub_types && !kept; i++)
            kept = strcasecmp(ch->sub_types[i], c->sub_types[j]) == 0;
        if (kept)
            continue;
        sqlite3_stmt *st = kb_store_cached(s, sql_sub_used, err);
        if (!st)
            return KB_EDB;
        sqlite3_bind_text(st, 1, c->sub_types[j], -1, SQLITE_TRANSIENT);
        int r = sqlite3_step(st);
        kb_status rc = kb_store_step_err(s, r, err, "document sub-type");
        if (rc == KB_OK && r == SQLITE_ROW)
            rc = kb_err_set(err, KB_ECONFLICT, "sub-type '%.64s' is the doc_type of document "
                            "%.64s: change that document first", c->sub_types[j],
                            (const char *)sqlite3_column_text(st, 0));
        kb_store_done(st);
        if (rc != KB_OK)
            return rc;
    }
    return KB_OK;
}

/* Checks chain k of ch; *names gets each group's name as kept (kb_group_get). */
static kb_status check_chain(kb_store *s, const kb_docclass_change *ch, int k, char **names,
                             kb_err *err)
{
    const char *kind = kb_docreq_kinds[k];
    if (ch->nchain[k] > KB_DOCCLASS_MAX_STEPS)
        return kb_err_set(err, KB_EINVAL, "the %s chain has more than %u steps", kind,
                          KB_DOCCLASS_MAX_STEPS);
    for (size_t i = 0; i < ch->nchain[k]; i++) {
        const char *g = ch->chain[k][i];
        kb_group *grp = NULL;
        kb_status rc = g && kb_group_name_valid(g) ? kb_group_get(s, g, &grp, err)
                                                   : KB_ENOTFOUND;
        if (rc == KB_ENOTFOUND)
            return kb_err_set(err, KB_EINVAL, "no group '%.64s' (the %s chain, step %zu)",
                              g ? g : "", kind, i + 1);
        if (rc != KB_OK)
            return rc;
        names[i] = kb_xstrdup(grp->name);
        kb_group_free(grp);
        for (size_t j = 0; j < i; j++)
            if (strcmp(names[j], names[i]) == 0)
                return kb_err_set(err, KB_EINVAL, "group '%.64s' is twice in the %s chain",
                                  names[i], kind);
    }
    return KB_OK;
}

static kb_status bind_two(kb_store *s, const char *sql, const char *a, const char *b,
                          kb_err *err)
{
    sqlite3_stmt *st = kb_store_cached(s, sql, err);
    if (!st)
        return KB_EDB;
    sqlite3_bind_text(st, 1, a, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, b, -1, SQLITE_TRANSIENT);
    return kb_store_step_done(s, st, "document class", err);
}

kb_status kb_docclass_update(kb_store *s, const char *code, const kb_docclass_change *ch,
                             const char *actor, long long now, kb_err *err)
{
    const kb_docclass_def *def = kb_docclass_def_of(code);
    if (!def)
        return kb_err_set(err, KB_ENOTFOUND, "no document class '%.40s': use ops, project, "
                          "quality, report or other", code ? code : "");
    int any = ch->prefix != NULL || ch->set_sub_types;
    for (int k = 0; k < KB_DOCREQ_NKINDS; k++)
        any |= ch->set_chain[k];
    if (!any)
        return kb_err_set(err, KB_EINVAL, "nothing to change: give prefix, sub_types or "
                          "chains");
    if (ch->prefix && !prefix_ok(ch->prefix))
        return kb_err_set(err, KB_EINVAL, "the prefix '%.40s' may hold only letters, digits, "
                          "'-', '_', '.' and '/' (at most %u bytes)", ch->prefix,
                          KB_DOCCLASS_PREFIX_MAX);
    int own;
    kb_status rc = kb_store_write_begin(s, &own, err);
    if (rc != KB_OK)
        return rc;
    kb_docclass_list l;
    char *names[KB_DOCREQ_NKINDS][KB_DOCCLASS_MAX_STEPS] = { { 0 } };
    kb_buf sum;
    kb_buf_init(&sum, 0);
    kb_buf_addf(&sum, "class %s", code);
    rc = kb_docclass_list_all(s, &l, err);
    kb_docclass *c = rc == KB_OK ? by_code(&l, code) : NULL;
    if (rc == KB_OK && !c)
        rc = kb_err_set(err, KB_EINTERNAL, "class '%s' is missing from the database", code);
    if (rc == KB_OK && ch->set_sub_types)
        rc = check_subs(s, &l, c, ch, err);
    for (int k = 0; rc == KB_OK && k < KB_DOCREQ_NKINDS; k++)
        if (ch->set_chain[k])
            rc = check_chain(s, ch, k, names[k], err);
    if (rc == KB_OK && ch->prefix) {
        rc = bind_two(s, sql_prefix_set, code, ch->prefix, err);
        kb_buf_addf(&sum, "; prefix '%s'", ch->prefix);
    }
    if (rc == KB_OK && ch->set_sub_types) {
        sqlite3_stmt *st = kb_store_cached(s, sql_subs_clear, err);
        if (!st) {
            rc = KB_EDB;
        } else {
            sqlite3_bind_text(st, 1, code, -1, SQLITE_TRANSIENT);
            rc = kb_store_step_done(s, st, "document sub-types", err);
        }
        kb_buf_adds(&sum, "; sub-types ");
        for (size_t i = 0; rc == KB_OK && i < ch->nsub_types; i++) {
            rc = add_sub(s, ch->sub_types[i], code, (long long)i, err);
            kb_buf_addf(&sum, "%s%.64s", i ? ", " : "", ch->sub_types[i]);
        }
    }
    for (int k = 0; rc == KB_OK && k < KB_DOCREQ_NKINDS; k++) {
        if (!ch->set_chain[k])
            continue;
        rc = bind_two(s, sql_chain_clear, code, kb_docreq_kinds[k], err);
        kb_buf_addf(&sum, "; %s chain: ", kb_docreq_kinds[k]);
        if (ch->nchain[k] == 0)
            kb_buf_adds(&sum, "single approver");
        for (size_t i = 0; rc == KB_OK && i < ch->nchain[k]; i++) {
            sqlite3_stmt *st = kb_store_cached(s, sql_chain_add, err);
            if (!st) {
                rc = KB_EDB;
                break;
            }
            sqlite3_bind_text(st, 1, code, -1, SQLITE_TRANSIENT);
            sqlite3_bind_text(st, 2, kb_docreq_kinds[k], -1, SQLITE_STATIC);
            sqlite3_bind_int64(st, 3, (long long)i + 1);
            sqlite3_bind_text(st, 4, names[k][i], -1, SQLITE_TRANSIENT);
            rc = kb_store_step_done(s, st, "approval chain", err);
            kb_buf_addf(&sum, "%s%s", i ? " -> " : "", names[k][i]);
        }
    }
    if (rc == KB_OK) {
        kb_buf obj;
        kb_buf_init(&obj, 0);
        kb_buf_addf(&obj, "docclass:%s", code);
        rc = kb_audit_append(s, now, actor, "docclass.update", kb_buf_str(&obj),
                             kb_buf_str(&sum), err);
        kb_buf_free(&obj);
    }
    for (int k = 0; k < KB_DOCREQ_NKINDS; k++)
        for (size_t i = 0; i < KB_DOCCLASS_MAX_STEPS; i++)
            free(names[k][i]);
    kb_buf_free(&sum);
    kb_docclass_list_free(&l);
    return kb_store_write_end(s, own, rc, err);
}
