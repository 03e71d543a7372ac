/* Satisfaction surveys (schema version 26): campaigns, questions, recipients with their
 * one-time links (only the token's SHA-256 is kept), answers and results. See
 * include/kb_survey.h. */
#include "kb_survey.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kb_alloc.h"
#include "kb_audit.h"
#include "kb_buf.h"
#include "kb_date.h"
#include "kb_hash.h"
#include "kb_text.h"
#include "store_int.h"

/* survey_recipient.token: the hex SHA-256 of the token given out. answered_at 0 until its
 * one answer; the answer's rows in survey_answer. */
static const char schema_survey[] =
    "CREATE TABLE IF NOT EXISTS survey("
    "  id INTEGER PRIMARY KEY, name TEXT NOT NULL, department TEXT NOT NULL,"
    "  period_from TEXT NOT NULL, period_to TEXT NOT NULL, intro TEXT NOT NULL,"
    "  closed INTEGER NOT NULL DEFAULT 0, created_by TEXT NOT NULL,"
    "  created_at INTEGER NOT NULL);"
    "CREATE TABLE IF NOT EXISTS survey_question("
    "  survey INTEGER NOT NULL REFERENCES survey(id), pos INTEGER NOT NULL,"
    "  kind INTEGER NOT NULL, text TEXT NOT NULL, required INTEGER NOT NULL,"
    "  PRIMARY KEY(survey, pos)) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS survey_recipient("
    "  id INTEGER PRIMARY KEY, survey INTEGER NOT NULL REFERENCES survey(id),"
    "  name TEXT NOT NULL, department TEXT NOT NULL, contact TEXT NOT NULL,"
    "  token TEXT NOT NULL UNIQUE, expires_at INTEGER NOT NULL,"
    "  answered_at INTEGER NOT NULL DEFAULT 0, created_by TEXT NOT NULL,"
    "  created_at INTEGER NOT NULL);"
    "CREATE INDEX IF NOT EXISTS survey_recipient_by_survey ON survey_recipient(survey);"
    "CREATE TABLE IF NOT EXISTS survey_answer("
    "  recipient INTEGER NOT NULL REFERENCES survey_recipient(id), pos INTEGER NOT NULL,"
    "  rating INTEGER NOT NULL, text TEXT NOT NULL,"
    "  PRIMARY KEY(recipient, pos)) WITHOUT ROWID;";

kb_status kb_survey_migrate(kb_store *s, kb_err *err)
{
    return kb_store_exec(s, schema_survey, err);
}

#define SURVEY_COLS                                                                            \
    "id, name, department, period_from, period_to, intro, closed, created_by, created_at, "  \
    "(SELECT count(*) FROM survey_recipient r WHERE r.survey = survey.id), "                 \
    "(SELECT count(*) FROM survey_recipient r WHERE r.survey = survey.id AND "               \
    "r.answered_at > 0)"
static const char sql_get[] = "SELECT " SURVEY_COLS " FROM survey WHERE id = ?1";
static const char sql_count[] = "SELECT count(*) FROM survey";
static const char sql_page[] =
    "SELECT " SURVEY_COLS " FROM survey ORDER BY created_at DESC, id DESC LIMIT ?1 OFFSET ?2";
static const char sql_questions[] =
    "SELECT kind, text, required FROM survey_question WHERE survey = ?1 ORDER BY pos";
static const char sql_insert[] =
    "INSERT INTO survey(name, department, period_from, period_to, intro, created_by, "
    "created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";
static const char sql_question_add[] =
    "INSERT INTO survey_question(survey, pos, kind, text, required) VALUES (?1, ?2, ?3, ?4, ?5)";
static const char sql_close[] = "UPDATE survey SET closed = 1 WHERE id = ?1 AND closed = 0";
static const char sql_recipient_add[] =
    "INSERT INTO survey_recipient(survey, name, department, contact, token, expires_at, "
    "created_by, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";
static const char sql_recipients_count[] =
    "SELECT count(*) FROM survey_recipient WHERE survey = ?1";
static const char sql_recipients[] =
    "SELECT id, name, department, contact, expires_at, answered_at, created_at FROM "
    "survey_recipient WHERE survey = ?1 ORDER BY id LIMIT ?2 OFFSET ?3";
static const char sql_by_token[] =
    "SELECT id, survey, expires_at, answered_at FROM survey_recipient WHERE token = ?1";
static const char sql_answered[] =
    "UPDATE survey_recipient SET answered_at = ?2 WHERE id = ?1 AND answered_at = 0";
static const char sql_answer_add[] =
    "INSERT INTO survey_answer(recipient, pos, rating, text) VALUES (?1, ?2, ?3, ?4)";
static const char sql_ratings[] =
    "SELECT a.pos, a.rating, count(*) FROM survey_answer a JOIN survey_recipient r ON "
    "r.id = a.recipient WHERE r.survey = ?1 AND a.rating > 0 GROUP BY a.pos, a.rating";
/* text answers: blank ones (only spaces, as an older kedb kept them) are none */
#define TEXT_GIVEN "trim(a.text, ' ' || char(9, 10, 13, 12288)) <> ''"
static const char sql_texts[] =
    "SELECT a.text FROM survey_answer a JOIN survey_recipient r ON r.id = a.recipient "
    "WHERE r.survey = ?1 AND a.pos = ?2 AND " TEXT_GIVEN " ORDER BY r.answered_at DESC, "
    "r.id DESC LIMIT ?3";
static const char sql_text_counts[] =
    "SELECT a.pos, count(*) FROM survey_answer a JOIN survey_recipient r ON "
    "r.id = a.recipient WHERE r.survey = ?1 AND " TEXT_GIVEN " GROUP BY a.pos";
static const char sql_depts[] =
    "SELECT department, count(*), sum(answered_at > 0) FROM survey_recipient WHERE "
    "survey = ?1 GROUP BY department ORDER BY department";
static const char sql_dept_ratings[] =
    "SELECT r.department, a.pos, count(*), avg(a.rating) FROM survey_answer a JOIN "
    "survey_recipient r ON r.id = a.recipient WHERE r.survey = ?1 AND a.rating > 0 "
    "GROUP BY r.department, a.pos";

static const char *const kind_names[] = { "rating", "text" };

const char *kb_survey_kind_name(int k)
{
    return k >= 0 && k < 2 ? kind_names[k] : NULL;
}

int kb_survey_kind_of(const char *name)
{
    for (int i = 0; name && i < 2; i++)
        if (strcmp(name, kind_names[i]) == 0)
            return i;
    return -1;
}

void kb_survey_free(kb_survey *v)
{
    if (!v)
        return;
    free(v->name);
    free(v->department);
    free(v->intro);
    free(v->created_by);
    for (size_t i = 0; i < v->nquestions; i++)
        free(v->questions[i].text);
    free(v->questions);
    free(v);
}

void kb_survey_list_free(kb_survey **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        kb_survey_free(v[i]);
    free(v);
}

static kb_survey *load_row(sqlite3_stmt *st)
{
    kb_survey *v = kb_xcalloc(1, sizeof *v);
    v->id = sqlite3_column_int64(st, 0);
    v->name = kb_store_text(st, 1);
    v->department = kb_store_text(st, 2);
    kb_store_text_into(st, 3, v->period_from, sizeof v->period_from);
    kb_store_text_into(st, 4, v->period_to, sizeof v->period_to);
    v->intro = kb_store_text(st, 5);
    v->closed = sqlite3_column_int(st, 6);
    v->created_by = kb_store_text(st, 7);
    v->created_at = sqlite3_column_int64(st, 8);
    v->recipients = sqlite3_column_int64(st, 9);
    v->answered = sqlite3_column_int64(st, 10);
    return v;
}

static kb_status question_row(sqlite3_stmt *st, void *ctx, kb_err *err)
{
    (void)err;
    kb_survey *v = ctx;
    v->questions = kb_xrealloc(v->questions, (v->nquestions + 1) * sizeof *v->questions);
    kb_survey_question *q = &v->questions[v->nquestions++];
    q->kind = sqlite3_column_int(st, 0) == KB_SURVEY_TEXT ? KB_SURVEY_TEXT : KB_SURVEY_RATING;
    q->text = kb_store_text(st, 1);
    q->required = sqlite3_column_int(st, 2);
    return KB_OK;
}

kb_status kb_survey_get(kb_store *s, long long id, kb_survey **out, kb_err *err)
{
    *out = NULL;
    sqlite3_stmt *st = kb_store_cached(s, sql_get, err);
    if (!st)
        return KB_EDB;
    sqlite3_bind_int64(st, 1, id);
    int r = sqlite3_step(st);
    kb_survey *v = r == SQLITE_ROW ? load_row(st) : NULL;
    kb_status rc = kb_store_step_err(s, r, err, "survey");
    kb_store_done(st);
    if (rc == KB_OK && !v)
        rc = kb_err_set(err, KB_ENOTFOUND, "no survey %lld", id);
    if (rc == KB_OK)
        rc = kb_store_each_row(s, sql_questions, id, question_row, v, "survey questions", err);
    if (rc != KB_OK) {
        kb_survey_free(v);
        return rc;
    }
    *out = v;
    return KB_OK;
}

/* --- checks --- */

/* 1 when v is NULL or holds only spaces, tabs, line breaks and ideographic spaces (U+3000):
 * nothing a person wrote. */
static int blank(const char *v)
{
    for (const char *p = v; p && *p; p++) {
        if (strncmp(p, "\u3000", 3) == 0)
            p += 2;
        else if (*p != ' ' && *p != '\t' && *p != '\n' && *p != '\r')
            return 0;
    }
    return 1;
}

static kb_status text_field(const char *field, const char *v, size_t max, int multi,
                            int required, kb_err *err)
{
    if (blank(v))
        return required ? kb_err_set(err, KB_EINVAL, "field '%s' is required", field) : KB_OK;
    return kb_text_check_field(field, v, max, multi, err);
}

static const char *str(const char *s)
{
    return s ? s : "";
}

static const char *who(const char *actor)
{
    return actor && *actor ? actor : "anonymous";
}

kb_status kb_survey_create(kb_store *s, const kb_survey_in *in, long long now, kb_survey **out,
                           kb_err *err)
{
    *out = NULL;
    kb_status rc = text_field("name", in->name, KB_SURVEY_MAX_NAME, 0, 1, err);
    if (rc == KB_OK)
        rc = text_field("department", in->department, KB_SURVEY_MAX_NAME, 0, 0, err);
    if (rc == KB_OK)
        rc = text_field("intro", in->intro, KB_SURVEY_MAX_INTRO, 1, 0, err);
    if (rc != KB_OK)
        return rc;
    if (!kb_date_valid(in->period_from) || !kb_date_valid(in->period_to))
        return kb_err_set(err, KB_EINVAL, "fields 'period_from' and 'period_to' must be days "
                          "YYYY-MM-DD");
    if (strcmp(in->period_from, in->period_to) > 0)
        return kb_err_set(err, KB_EINVAL, "'period_to' (%s) is before 'period_from' (%s)",
                          in->period_to, in->period_from);
    if (in->nquestions < 1 || in->nquestions > KB_SURVEY_MAX_QUESTIONS)
        return kb_err_set(err, KB_EINVAL, "a survey has 1 to %u questions, not %zu",
                          KB_SURVEY_MAX_QUESTIONS, in->nquestions);
    for (size_t i = 0; i < in->nquestions; i++) {
        const kb_survey_question_in *q = &in->questions[i];
        char field[40];
        snprintf(field, sizeof field, "questions[%zu].text", i);
        rc = text_field(field, q->text, KB_SURVEY_MAX_QUESTION, 1, 1, err);
        if (rc != KB_OK)
            return rc;
        if (!kb_survey_kind_name(q->kind))
            return kb_err_set(err, KB_EINVAL, "questions[%zu].kind must be rating or text", i);
    }
    int own;
    rc = kb_store_write_begin(s, &own, err);
    if (rc != KB_OK)
        return rc;
    sqlite3_stmt *st = kb_store_cached(s, sql_insert, err);
    if (!st)
        rc = KB_EDB;
    long long id = 0;
    if (rc == KB_OK) {
        kb_store_bind_text(st, 1, in->name);
        kb_store_bind_text(st, 2, str(in->department));
        kb_store_bind_text(st, 3, in->period_from);
        kb_store_bind_text(st, 4, in->period_to);
        kb_store_bind_text(st, 5, str(in->intro));
        kb_store_bind_text(st, 6, who(in->actor));
        sqlite3_bind_int64(st, 7, now);
        rc = kb_store_step_done(s, st, "survey insert", err);
        id = sqlite3_last_insert_rowid(kb_store_db(s));
    }
    for (size_t i = 0; rc == KB_OK && i < in->nquestions; i++) {
        st = kb_store_cached(s, sql_question_add, err);
        if (!st) {
            rc = KB_EDB;
            break;
        }
        sqlite3_bind_int64(st, 1, id);
        sqlite3_bind_int64(st, 2, (long long)i);
        sqlite3_bind_int(st, 3, in->questions[i].kind);
        kb_store_bind_text(st, 4, in->questions[i].text);
        sqlite3_bind_int(st, 5, in->questions[i].required ? 1 : 0);
        rc = kb_store_step_done(s, st, "survey question", err);
    }
    if (rc == KB_OK) {
        char object[40], sum[KB_SURVEY_MAX_NAME + 120];
        snprintf(object, sizeof object, "survey:%lld", id);
        snprintf(sum, sizeof sum, "\"%s\" %s..%s, %zu questions", in->name, in->period_from,
                 in->period_to, in->nquestions);
        rc = kb_audit_append(s, now, in->actor, "survey.create", object, sum, err);
    }
    if (rc == KB_OK)
        rc = kb_survey_get(s, id, out, err);
    return kb_store_write_end(s, own, rc, err);
}

static kb_status list_row(sqlite3_stmt *st, void *ctx, kb_err *err)
{
    (void)err;
    struct {
        kb_survey ***v;
        size_t *n;
    } *l = ctx;
    *l->v = kb_xrealloc(*l->v, (*l->n + 1) * sizeof **l->v);
    (*l->v)[(*l->n)++] = load_row(st);
    return KB_OK;
}

static void bind_none(sqlite3_stmt *st, const void *filter, int page)
{
    (void)st;
    (void)filter;
    (void)page;
}

static const kb_store_list survey_list = {
    .count_sql = sql_count,
    .page_sql = sql_page,
    .limit_param = 1,
    .def_limit = 50,
    .max_limit = KB_SURVEY_MAX_LIMIT,
    .bind = bind_none,
    .row = list_row,
    .count_what = "survey count",
    .page_what = "survey list",
};

kb_status kb_survey_list(kb_store *s, size_t limit, size_t offset, kb_survey ***out, size_t *n,
                         long long *total, kb_err *err)
{
    *out = NULL;
    *n = 0;
    struct {
        kb_survey ***v;
        size_t *n;
    } l = { out, n };
    kb_status rc = kb_store_list_page(s, &survey_list, NULL, limit, offset, total, &l, err);
    if (rc != KB_OK) {
        kb_survey_list_free(*out, *n);
        *out = NULL;
        *n = 0;
    }
    return rc;
}

kb_status kb_survey_close(kb_store *s, long long id, const char *actor, long long now,
                          kb_err *err)
{
    int own;
    kb_status rc = kb_store_write_begin(s, &own, err);
    if (rc != KB_OK)
        return rc;
    kb_survey *v = NULL;
    rc = kb_survey_get(s, id, &v, err);
    if (rc == KB_OK && v->closed)
        rc = kb_err_set(err, KB_ECONFLICT, "survey %lld is closed", id);
    sqlite3_stmt *st = rc == KB_OK ? kb_store_cached(s, sql_close, err) : NULL;
    if (rc == KB_OK && !st)
        rc = KB_EDB;
    if (rc == KB_OK) {
        sqlite3_bind_int64(st, 1, id);
        rc = kb_store_step_done(s, st, "survey close", err);
    }
    if (rc == KB_OK) {
        char object[40], sum[96];
        snprintf(object, sizeof object, "survey:%lld", id);
        snprintf(sum, sizeof sum, "closed: %lld of %lld answered", v->answered, v->recipients);
        rc = kb_audit_append(s, now, actor, "survey.close", object, sum, err);
    }
    kb_survey_free(v);
    return kb_store_write_end(s, own, rc, err);
}

/* --- recipients and links --- */

void kb_survey_recipients_free(kb_survey_recipient *v, size_t n)
{
    for (size_t i = 0; v && i < n; i++) {
        free(v[i].name);
        free(v[i].department);
        free(v[i].contact);
    }
    free(v);
}

int kb_survey_token_valid(const char *token)
{
    if (!token)
        return 0;
    size_t i = 0;
    for (; token[i]; i++)
        if (!((token[i] >= '0' && token[i] <= '9') || (token[i] >= 'a' && token[i] <= 'f')))
            return 0;
    return i == 2 * KB_SURVEY_TOKEN_BYTES;
}

static void token_hash(const char *token, char out[KB_HASH_SHA256_HEX])
{
    kb_hash_sha256_hex(token, strlen(token), out);
}

kb_status kb_survey_add_recipients(kb_store *s, long long id, const kb_survey_recipient_in *v,
                                   size_t n, long long days, const char *actor, long long now,
                                   char (**tokens)[KB_SURVEY_TOKEN_HEX], long long **ids,
                                   kb_err *err)
{
    *tokens = NULL;
    *ids = NULL;
    if (n < 1 || n > KB_SURVEY_MAX_RECIPIENTS)
        return kb_err_set(err, KB_EINVAL, "add 1 to %u recipients at once, not %zu",
                          KB_SURVEY_MAX_RECIPIENTS, n);
    if (days < 1 || days > KB_SURVEY_MAX_DAYS)
        return kb_err_set(err, KB_EINVAL, "field 'days' must be a whole number from 1 to %d",
                          KB_SURVEY_MAX_DAYS);
    kb_status rc = KB_OK;
    for (size_t i = 0; rc == KB_OK && i < n; i++) {
        char field[48];
        snprintf(field, sizeof field, "recipients[%zu].name", i);
        rc = text_field(field, v[i].name, KB_SURVEY_MAX_NAME, 0, 1, err);
        snprintf(field, sizeof field, "recipients[%zu].department", i);
        if (rc == KB_OK)
            rc = text_field(field, v[i].department, KB_SURVEY_MAX_NAME, 0, 0, err);
        snprintf(field, sizeof field, "recipients[%zu].contact", i);
        if (rc == KB_OK)
            rc = text_field(field, v[i].contact, KB_SURVEY_MAX_NAME, 0, 0, err);
    }
    if (rc != KB_OK)
        return rc;
    int own;
    rc = kb_store_write_begin(s, &own, err);
    if (rc != KB_OK)
        return rc;
    kb_survey *sv = NULL;
    rc = kb_survey_get(s, id, &sv, err);
    if (rc == KB_OK && sv->closed)
        rc = kb_err_set(err, KB_ECONFLICT, "survey %lld is closed", id);
    char (*tok)[KB_SURVEY_TOKEN_HEX] = kb_xcalloc(n, sizeof *tok);
    long long *rid = kb_xcalloc(n, sizeof *rid);
    for (size_t i = 0; rc == KB_OK && i < n; i++) {
        unsigned char raw[KB_SURVEY_TOKEN_BYTES];
        rc = kb_hash_random(raw, sizeof raw, err);
        if (rc != KB_OK)
            break;
        kb_hash_hex(raw, sizeof raw, tok[i]);
        kb_hash_wipe(raw, sizeof raw);
        char hash[KB_HASH_SHA256_HEX];
        token_hash(tok[i], hash);
        sqlite3_stmt *st = kb_store_cached(s, sql_recipient_add, err);
        if (!st) {
            rc = KB_EDB;
            break;
        }
        sqlite3_bind_int64(st, 1, id);
        kb_store_bind_text(st, 2, v[i].name);
        kb_store_bind_text(st, 3, v[i].department && *v[i].department ? v[i].department
                                                                        : sv->department);
        kb_store_bind_text(st, 4, str(v[i].contact));
        kb_store_bind_text(st, 5, hash);
        sqlite3_bind_int64(st, 6, now + days * 86400);
        kb_store_bind_text(st, 7, who(actor));
        sqlite3_bind_int64(st, 8, now);
        rc = kb_store_step_done(s, st, "survey recipient", err);
        rid[i] = sqlite3_last_insert_rowid(kb_store_db(s));
    }
    if (rc == KB_OK) {
        char object[40], sum[96];
        snprintf(object, sizeof object, "survey:%lld", id);
        snprintf(sum, sizeof sum, "%zu links, valid %lld days", n, days);
        rc = kb_audit_append(s, now, actor, "survey.recipients", object, sum, err);
    }
    kb_survey_free(sv);
    rc = kb_store_write_end(s, own, rc, err);
    if (rc != KB_OK) {
        kb_hash_wipe(tok, n * sizeof *tok);
        free(tok);
        free(rid);
        return rc;
    }
    *tokens = tok;
    *ids = rid;
    return KB_OK;
}

struct recips {
    kb_survey_recipient *v;
    size_t n;
};

static kb_status recipient_row(sqlite3_stmt *st, void *ctx, kb_err *err)
{
    (void)err;
    struct recips *r = ctx;
    r->v = kb_xrealloc(r->v, (r->n + 1) * sizeof *r->v);
    kb_survey_recipient *x = &r->v[r->n++];
    x->id = sqlite3_column_int64(st, 0);
    x->name = kb_store_text(st, 1);
    x->department = kb_store_text(st, 2);
    x->contact = kb_store_text(st, 3);
    x->expires_at = sqlite3_column_int64(st, 4);
    x->answered_at = sqlite3_column_int64(st, 5);
    x->created_at = sqlite3_column_int64(st, 6);
    return KB_OK;
}

static void bind_survey(sqlite3_stmt *st, const void *filter, int page)
{
    (void)page;
    sqlite3_bind_int64(st, 1, *(const long long *)filter);
}

static const kb_store_list recipient_list = {
    .count_sql = sql_recipients_count,
    .page_sql = sql_recipients,
    .limit_param = 2,
    .def_limit = 50,
    .max_limit = KB_SURVEY_MAX_LIMIT,
    .bind = bind_survey,
    .row = recipient_row,
    .count_what = "survey recipient count",
    .page_what = "survey recipients",
};

kb_status kb_survey_recipients(kb_store *s, long long id, size_t limit, size_t offset,
                               kb_survey_recipient **out, size_t *n, long long *total,
                               kb_err *err)
{
    *out = NULL;
    *n = 0;
    kb_survey *sv = NULL;
    kb_status rc = kb_survey_get(s, id, &sv, err);
    kb_survey_free(sv);
    struct recips r = { NULL, 0 };
    if (rc == KB_OK)
        rc = kb_store_list_page(s, &recipient_list, &id, limit, offset, total, &r, err);
    if (rc != KB_OK) {
        kb_survey_recipients_free(r.v, r.n);
        return rc;
    }
    *out = r.v;
    *n = r.n;
    return KB_OK;
}

/* The recipient of token: *rid, *survey, *expires, *answered; KB_ENOTFOUND for none. */
static kb_status recipient_of(kb_store *s, const char *token, long long *rid, long long *survey,
                              long long *expires, long long *answered, kb_err *err)
{
    if (!kb_survey_token_valid(token))
        return kb_err_set(err, KB_ENOTFOUND, "no such survey link");
    char hash[KB_HASH_SHA256_HEX];
    token_hash(token, hash);
    sqlite3_stmt *st = kb_store_cached(s, sql_by_token, err);
    if (!st)
        return KB_EDB;
    kb_store_bind_text(st, 1, hash);
    int r = sqlite3_step(st);
    int found = r == SQLITE_ROW;
    if (found) {
        *rid = sqlite3_column_int64(st, 0);
        *survey = sqlite3_column_int64(st, 1);
        *expires = sqlite3_column_int64(st, 2);
        *answered = sqlite3_column_int64(st, 3);
    }
    kb_status rc = kb_store_step_err(s, r, err, "survey link");
    kb_store_done(st);
    if (rc == KB_OK && !found)
        rc = kb_err_set(err, KB_ENOTFOUND, "no such survey link");
    return rc;
}

/* The survey of a link that may be used at now. */
static kb_status open_link(kb_store *s, const char *token, long long now, long long *rid,
                           kb_survey **out, long long *answered, kb_err *err)
{
    long long survey = 0, expires = 0;
    kb_status rc = recipient_of(s, token, rid, &survey, &expires, answered, err);
    if (rc == KB_OK)
        rc = kb_survey_get(s, survey, out, err);
    if (rc == KB_OK && (*out)->closed)
        rc = kb_err_set(err, KB_EDENIED, "this survey is closed");
    else if (rc == KB_OK && !*answered && now >= expires)
        rc = kb_err_set(err, KB_EDENIED, "this survey link has expired");
    if (rc != KB_OK) {
        kb_survey_free(*out);
        *out = NULL;
    }
    return rc;
}

kb_status kb_survey_by_token(kb_store *s, const char *token, long long now, kb_survey **out,
                             int *answered, kb_err *err)
{
    long long rid = 0, at = 0;
    *out = NULL;
    int own = 0;
    kb_status rc = kb_store_read_begin(s, &own, err);
    if (rc != KB_OK)
        return rc;
    rc = open_link(s, token, now, &rid, out, &at, err);
    kb_store_read_end(s, own);
    *answered = at > 0;
    return rc;
}

/* Checks answers v[0..n) against sv's questions; *given counts those given (a blank text
 * is none). */
static kb_status check_answers(const kb_survey *sv, const kb_survey_answer_in *v, size_t n,
                               size_t *given, kb_err *err)
{
    *given = 0;
    if (n != sv->nquestions)
        return kb_err_set(err, KB_EINVAL, "give one answer per question: %zu, not %zu",
                          sv->nquestions, n);
    for (size_t i = 0; i < n; i++) {
        const kb_survey_question *q = &sv->questions[i];
        int has = q->kind == KB_SURVEY_RATING ? v[i].rating != 0 : !blank(v[i].text);
        if (q->kind == KB_SURVEY_RATING && (v[i].rating < 0 || v[i].rating > 5))
            return kb_err_set(err, KB_EINVAL, "answers[%zu] must be a rating from 1 to 5", i);
        if (q->kind == KB_SURVEY_RATING && v[i].text && *v[i].text)
            return kb_err_set(err, KB_EINVAL, "answers[%zu] is a rating, not text", i);
        if (q->kind == KB_SURVEY_TEXT && v[i].rating)
            return kb_err_set(err, KB_EINVAL, "answers[%zu] is text, not a rating", i);
        if (q->required && !has)
            return kb_err_set(err, KB_EINVAL, "answers[%zu] is required", i);
        if (q->kind == KB_SURVEY_TEXT && has) {
            char field[32];
            snprintf(field, sizeof field, "answers[%zu]", i);
            kb_status rc = kb_text_check_field(field, v[i].text, KB_SURVEY_MAX_ANSWER, 1, err);
            if (rc != KB_OK)
                return rc;
        }
        *given += has;
    }
    return KB_OK;
}

kb_status kb_survey_answer(kb_store *s, const char *token, const kb_survey_answer_in *v,
                           size_t n, long long now, kb_err *err)
{
    /* Read-only first: a token that names nothing, a link that cannot be used and answers
     * that do not fit cost no write lock (the public route is open to anyone). */
    long long rid = 0, at = 0;
    kb_survey *sv = NULL;
    size_t given = 0;
    int rown = 0;
    kb_status rc = kb_store_read_begin(s, &rown, err);
    if (rc != KB_OK)
        return rc;
    rc = open_link(s, token, now, &rid, &sv, &at, err);
    kb_store_read_end(s, rown);
    if (rc == KB_OK && at)
        rc = kb_err_set(err, KB_ECONFLICT, "this survey link has been answered already");
    if (rc == KB_OK)
        rc = check_answers(sv, v, n, &given, err);
    if (rc != KB_OK) {
        kb_survey_free(sv);
        return rc;
    }
    int own;
    rc = kb_store_write_begin(s, &own, err);
    if (rc != KB_OK) {
        kb_survey_free(sv);
        return rc;
    }
    /* again inside the transaction: closed, expired or answered meanwhile (the questions
     * of a survey never change) */
    kb_survey *again = NULL;
    rc = open_link(s, token, now, &rid, &again, &at, err);
    kb_survey_free(again);
    if (rc == KB_OK && at)
        rc = kb_err_set(err, KB_ECONFLICT, "this survey link has been answered already");
    sqlite3_stmt *st = rc == KB_OK ? kb_store_cached(s, sql_answered, err) : NULL;
    if (rc == KB_OK && !st)
        rc = KB_EDB;
    if (rc == KB_OK) {
        sqlite3_bind_int64(st, 1, rid);
        sqlite3_bind_int64(st, 2, now);
        rc = kb_store_step_done(s, st, "survey answered", err);
        /* one answer per link even when two arrive at once */
        if (rc == KB_OK && sqlite3_changes(kb_store_db(s)) != 1)
            rc = kb_err_set(err, KB_ECONFLICT, "this survey link has been answered already");
    }
    for (size_t i = 0; rc == KB_OK && i < n; i++) {
        st = kb_store_cached(s, sql_answer_add, err);
        if (!st) {
            rc = KB_EDB;
            break;
        }
        int text = sv->questions[i].kind == KB_SURVEY_TEXT && !blank(v[i].text);
        sqlite3_bind_int64(st, 1, rid);
        sqlite3_bind_int64(st, 2, (long long)i);
        sqlite3_bind_int(st, 3, sv->questions[i].kind == KB_SURVEY_RATING ? v[i].rating : 0);
        kb_store_bind_text(st, 4, text ? v[i].text : "");
        rc = kb_store_step_done(s, st, "survey answer", err);
    }
    if (rc == KB_OK) {
        char object[40], sum[96];
        snprintf(object, sizeof object, "survey:%lld", sv->id);
        snprintf(sum, sizeof sum, "recipient %lld answered %zu of %zu questions", rid, given, n);
        rc = kb_audit_append(s, now, "survey-link", "survey.answer", object, sum, err);
    }
    kb_survey_free(sv);
    return kb_store_write_end(s, own, rc, err);
}

/* --- results --- */

void kb_survey_results_free(kb_survey_results *r)
{
    if (!r)
        return;
    for (size_t i = 0; r->survey && i < r->survey->nquestions; i++) {
        for (size_t k = 0; k < r->questions[i].ntexts; k++)
            free(r->questions[i].texts[k]);
        free(r->questions[i].texts);
    }
    free(r->questions);
    for (size_t i = 0; i < r->ndepts; i++) {
        free(r->depts[i].department);
        free(r->depts[i].answers);
        free(r->depts[i].average);
    }
    free(r->depts);
    kb_survey_free(r->survey);
    free(r);
}

static kb_status rating_row(sqlite3_stmt *st, void *ctx, kb_err *err)
{
    (void)err;
    kb_survey_results *r = ctx;
    long long pos = sqlite3_column_int64(st, 0);
    int rating = sqlite3_column_int(st, 1);
    if (pos >= 0 && (size_t)pos < r->survey->nquestions && rating >= 1 && rating <= 5)
        r->questions[pos].dist[rating - 1] += sqlite3_column_int64(st, 2);
    return KB_OK;
}

static kb_status text_count_row(sqlite3_stmt *st, void *ctx, kb_err *err)
{
    (void)err;
    kb_survey_results *r = ctx;
    long long pos = sqlite3_column_int64(st, 0);
    if (pos >= 0 && (size_t)pos < r->survey->nquestions &&
        r->survey->questions[pos].kind == KB_SURVEY_TEXT)
        r->questions[pos].answers = sqlite3_column_int64(st, 1);
    return KB_OK;
}

static kb_status text_row(sqlite3_stmt *st, void *ctx, kb_err *err)
{
    (void)err;
    kb_survey_result *q = ctx;
    q->texts = kb_xrealloc(q->texts, (q->ntexts + 1) * sizeof *q->texts);
    q->texts[q->ntexts++] = kb_store_text(st, 0);
    return KB_OK;
}

static kb_status dept_row(sqlite3_stmt *st, void *ctx, kb_err *err)
{
    (void)err;
    kb_survey_results *r = ctx;
    r->depts = kb_xrealloc(r->depts, (r->ndepts + 1) * sizeof *r->depts);
    kb_survey_dept *d = &r->depts[r->ndepts++];
    d->department = kb_store_text(st, 0);
    d->recipients = sqlite3_column_int64(st, 1);
    d->answered = sqlite3_column_int64(st, 2);
    size_t nq = r->survey->nquestions;
    d->answers = kb_xcalloc(nq ? nq : 1, sizeof *d->answers);
    d->average = kb_xcalloc(nq ? nq : 1, sizeof *d->average);
    return KB_OK;
}

static int dept_cmp(const void *a, const void *b)
{
    return strcmp(((const kb_survey_dept *)a)->department,
                  ((const kb_survey_dept *)b)->department);
}

static kb_status dept_rating_row(sqlite3_stmt *st, void *ctx, kb_err *err)
{
    (void)err;
    kb_survey_results *r = ctx;
    const char *dept = (const char *)sqlite3_column_text(st, 0);
    long long pos = sqlite3_column_int64(st, 1);
    if (pos < 0 || (size_t)pos >= r->survey->nquestions)
        return KB_OK;
    /* r->depts is in sql_depts' order (BINARY: byte order, as strcmp): a binary search */
    kb_survey_dept key = { .department = (char *)(dept ? dept : "") };
    kb_survey_dept *d = bsearch(&key, r->depts, r->ndepts, sizeof *r->depts, dept_cmp);
    if (d) {
        d->answers[pos] = sqlite3_column_int64(st, 2);
        d->average[pos] = sqlite3_column_double(st, 3);
    }
    return KB_OK;
}

kb_status kb_survey_results_get(kb_store *s, long long id, kb_survey_results **out,
                                kb_err *err)
{
    *out = NULL;
    kb_survey_results *r = kb_xcalloc(1, sizeof *r);
    int own = 0;
    kb_status rc = kb_store_read_begin(s, &own, err);
    if (rc != KB_OK) {
        free(r);
        return rc;
    }
    rc = kb_survey_get(s, id, &r->survey, err);
    if (rc == KB_OK) {
        size_t nq = r->survey->nquestions;
        r->questions = kb_xcalloc(nq ? nq : 1, sizeof *r->questions);
        rc = kb_store_each_row(s, sql_ratings, id, rating_row, r, "survey results", err);
    }
    if (rc == KB_OK)
        rc = kb_store_each_row(s, sql_text_counts, id, text_count_row, r, "survey text counts",
                               err);
    for (size_t i = 0; rc == KB_OK && i < r->survey->nquestions; i++) {
        kb_survey_result *q = &r->questions[i];
        if (r->survey->questions[i].kind == KB_SURVEY_RATING) {
            long long sum = 0;
            for (int k = 0; k < 5; k++) {
                q->answers += q->dist[k];
                sum += q->dist[k] * (k + 1);
            }
            q->average = q->answers ? (double)sum / (double)q->answers : 0.0;
            continue;
        }
        /* a text question: every answer counted (sql_text_counts), the newest texts kept */
        sqlite3_stmt *st = kb_store_cached(s, sql_texts, err);
        if (!st) {
            rc = KB_EDB;
            break;
        }
        sqlite3_bind_int64(st, 1, id);
        sqlite3_bind_int64(st, 2, (long long)i);
        sqlite3_bind_int64(st, 3, KB_SURVEY_MAX_TEXTS);
        rc = kb_store_rows(s, st, text_row, q, "survey texts", err);
    }
    if (rc == KB_OK)
        rc = kb_store_each_row(s, sql_depts, id, dept_row, r, "survey departments", err);
    if (rc == KB_OK)
        rc = kb_store_each_row(s, sql_dept_ratings, id, dept_rating_row, r,
                               "survey department results", err);
    kb_store_read_end(s, own);
    if (rc != KB_OK) {
        kb_survey_results_free(r);
        return rc;
    }
    *out = r;
    return KB_OK;
}
