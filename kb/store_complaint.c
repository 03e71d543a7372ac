/* Complaints (schema version 25): their rules and all their SQL, the due-time settings and
 * the overdue sweep. See include/kb_complaint.h. */
#include "kb_complaint.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kb_alloc.h"
#include "kb_audit.h"
#include "kb_buf.h"
#include "kb_calendar.h"
#include "kb_date.h"
#include "kb_group.h"
#include "kb_notify.h"
#include "kb_setting.h"
#include "kb_text.h"
#include "store_int.h"

/* complaint: one row per complaint; notified 1 once complaint_overdue went out. */
static const char schema_complaint[] =
    "CREATE TABLE IF NOT EXISTS complaint("
    "  id INTEGER PRIMARY KEY,"
    "  source TEXT NOT NULL, incident TEXT NOT NULL DEFAULT '',"
    "  caller TEXT NOT NULL DEFAULT '', phone TEXT NOT NULL DEFAULT '',"
    "  department TEXT NOT NULL DEFAULT '', channel TEXT NOT NULL DEFAULT '',"
    "  summary TEXT NOT NULL, detail TEXT NOT NULL DEFAULT '',"
    "  owner TEXT NOT NULL DEFAULT '', owner_group TEXT NOT NULL DEFAULT '',"
    "  state INTEGER NOT NULL DEFAULT 0, investigation TEXT NOT NULL DEFAULT '',"
    "  reply TEXT NOT NULL DEFAULT '', reply_by TEXT NOT NULL DEFAULT '',"
    "  reply_channel TEXT NOT NULL DEFAULT '', reply_at INTEGER NOT NULL DEFAULT 0,"
    "  cause TEXT NOT NULL DEFAULT '', action TEXT NOT NULL DEFAULT '',"
    "  closed_by TEXT NOT NULL DEFAULT '', closed_at INTEGER NOT NULL DEFAULT 0,"
    "  reply_due INTEGER NOT NULL, close_due INTEGER NOT NULL,"
    "  created_by TEXT NOT NULL, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL,"
    "  notified INTEGER NOT NULL DEFAULT 0);"
    "CREATE INDEX IF NOT EXISTS complaint_by_created ON complaint(created_at);"
    "CREATE INDEX IF NOT EXISTS complaint_by_incident ON complaint(incident) "
    "  WHERE incident <> '';"
    "CREATE INDEX IF NOT EXISTS complaint_open ON complaint(state) WHERE state < 3;";

kb_status kb_complaint_migrate(kb_store *s, kb_err *err)
{
    return kb_store_exec(s, schema_complaint, err);
}

/* complaint_reply: every reply, in order (the complaint's reply columns keep the first: its
 * time is the one reply_due is measured against). A reply given before version 28 is the
 * first row of its complaint. */
static const char schema_replies[] =
    "CREATE TABLE IF NOT EXISTS complaint_reply("
    "  id INTEGER PRIMARY KEY, complaint INTEGER NOT NULL REFERENCES complaint(id),"
    "  text TEXT NOT NULL, author TEXT NOT NULL, channel TEXT NOT NULL, at INTEGER NOT NULL);"
    "CREATE INDEX IF NOT EXISTS complaint_reply_of ON complaint_reply(complaint, id);"
    "INSERT INTO complaint_reply(complaint, text, author, channel, at) SELECT id, reply, "
    "  reply_by, reply_channel, reply_at FROM complaint WHERE reply_at > 0 ORDER BY id;";

kb_status kb_complaint_migrate_replies(kb_store *s, kb_err *err)
{
    return kb_store_exec(s, schema_replies, err);
}

#define COLS                                                                                   \
    "id, source, incident, caller, phone, department, channel, summary, detail, owner, "     \
    "owner_group, state, investigation, reply, reply_by, reply_channel, reply_at, cause, "   \
    "action, closed_by, closed_at, reply_due, close_due, created_by, created_at, updated_at"
static const char sql_get[] = "SELECT " COLS " FROM complaint WHERE id = ?1";
static const char sql_replies[] =
    "SELECT text, author, channel, at FROM complaint_reply WHERE complaint = ?1 ORDER BY id";
static const char sql_reply_add[] =
    "INSERT INTO complaint_reply(complaint, text, author, channel, at) "
    "VALUES (?1, ?2, ?3, ?4, ?5)";
static const char sql_insert[] =
    "INSERT INTO complaint(source, incident, caller, phone, department, channel, summary, "
    "detail, owner, owner_group, reply_due, close_due, created_by, created_at, updated_at) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?14)";
static const char sql_update[] =
    "UPDATE complaint SET summary = ?2, detail = ?3, owner = ?4, owner_group = ?5, "
    "state = ?6, investigation = ?7, reply = ?8, reply_by = ?9, reply_channel = ?10, "
    "reply_at = ?11, cause = ?12, action = ?13, closed_by = ?14, closed_at = ?15, "
    "updated_at = ?16 WHERE id = ?1";
static const char sql_open_of_incident[] =
    "SELECT id FROM complaint WHERE incident = ?1 AND state < 3 LIMIT 1";
static const char sql_incident[] =
    "SELECT caller_name, caller_phone, department FROM incident WHERE number = ?1";
/* ?1 states mask, ?2 owner, ?3 group, ?4 incident, ?5 q, ?6 from, ?7 to, ?8 overdue,
 * ?9 now */
#define OVERDUE_AT(now)                                                                        \
    "((reply_at = 0 AND reply_due < " now ") OR (state < 3 AND close_due < " now "))"
#define WHERE                                                                                  \
    " WHERE (?1 = 0 OR (?1 >> state) & 1) AND (?2 IS NULL OR owner = ?2) AND "                \
    "(?3 IS NULL OR owner_group = ?3) AND (?4 IS NULL OR incident = ?4) AND "               \
    "(?5 IS NULL OR instr(summary, ?5) OR instr(caller, ?5) OR instr(incident, ?5)) AND "   \
    "(?6 = 0 OR created_at >= ?6) AND (?7 = 0 OR created_at < ?7) AND "                     \
    "(?8 = 0 OR " OVERDUE_AT("?9") ")"
static const char sql_count[] = "SELECT count(*) FROM complaint" WHERE;
static const char sql_page[] =
    "SELECT " COLS " FROM complaint" WHERE " ORDER BY created_at DESC, id DESC "
    "LIMIT ?10 OFFSET ?11";
static const char sql_counts[] =
    "SELECT count(*), coalesce(sum(source = 'followup'), 0), coalesce(sum(state = 3), 0), "
    "coalesce(sum(reply_at > 0 AND reply_at <= reply_due), 0), "
    "coalesce(sum(state = 3 AND closed_at <= close_due), 0), "
    "coalesce(sum(" OVERDUE_AT("?3") "), 0) FROM complaint "
    "WHERE created_at >= ?1 AND created_at < ?2";
static const char sql_open_now[] = "SELECT count(*) FROM complaint WHERE state < 3";
static const char sql_overdue[] =
    "SELECT " COLS " FROM complaint WHERE notified = 0 AND " OVERDUE_AT("?1")
    " ORDER BY id LIMIT 500";
static const char sql_notified[] =
    "UPDATE complaint SET notified = 1 WHERE id = ?1 AND notified = 0";
static const char sql_setting_get[] = "SELECT value FROM setting WHERE key = 'complaint_due'";
static const char sql_setting_put[] =
    "INSERT OR REPLACE INTO setting(key, value) VALUES ('complaint_due', ?1)";

static const char *const state_names[KB_COMPLAINT_NSTATES] = {
#define KB_COMPLAINT_X_NAME(name) #name,
    KB_COMPLAINT_STATES(KB_COMPLAINT_X_NAME)
#undef KB_COMPLAINT_X_NAME
};

const char *kb_complaint_state_name(unsigned st)
{
    return st < KB_COMPLAINT_NSTATES ? state_names[st] : NULL;
}

int kb_complaint_state_of(const char *name)
{
    for (int i = 0; name && i < KB_COMPLAINT_NSTATES; i++)
        if (strcmp(name, state_names[i]) == 0)
            return i;
    return -1;
}

static const char *str(const char *s)
{
    return s ? s : "";
}

void kb_complaint_free(kb_complaint *c)
{
    if (!c)
        return;
    char **v[] = { &c->source, &c->incident, &c->caller, &c->phone, &c->department,
                   &c->channel, &c->summary, &c->detail, &c->owner, &c->owner_group,
                   &c->investigation, &c->reply, &c->reply_by, &c->reply_channel, &c->cause,
                   &c->action, &c->closed_by, &c->created_by };
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
        free(*v[i]);
    for (size_t i = 0; i < c->nreplies; i++) {
        free(c->replies[i].text);
        free(c->replies[i].by);
        free(c->replies[i].channel);
    }
    free(c->replies);
    free(c);
}

int kb_complaint_overdue(const kb_complaint *c, long long now)
{
    return (c->reply_at == 0 && c->reply_due < now) ||
           (c->state != KB_COMPLAINT_closed && c->close_due < now);
}

static kb_complaint *load_row(sqlite3_stmt *st)
{
    kb_complaint *c = kb_xcalloc(1, sizeof *c);
    int i = 0;
    c->id = sqlite3_column_int64(st, i++);
    char **text1[] = { &c->source, &c->incident, &c->caller, &c->phone, &c->department,
                       &c->channel, &c->summary, &c->detail, &c->owner, &c->owner_group };
    for (size_t k = 0; k < sizeof text1 / sizeof text1[0]; k++)
        *text1[k] = kb_store_text(st, i++);
    int state = sqlite3_column_int(st, i++);
    c->state = state >= 0 && state < KB_COMPLAINT_NSTATES ? (kb_complaint_state)state
                                                          : KB_COMPLAINT_open;
    c->investigation = kb_store_text(st, i++);
    c->reply = kb_store_text(st, i++);
    c->reply_by = kb_store_text(st, i++);
    c->reply_channel = kb_store_text(st, i++);
    c->reply_at = sqlite3_column_int64(st, i++);
    c->cause = kb_store_text(st, i++);
    c->action = kb_store_text(st, i++);
    c->closed_by = kb_store_text(st, i++);
    c->closed_at = sqlite3_column_int64(st, i++);
    c->reply_due = sqlite3_column_int64(st, i++);
    c->close_due = sqlite3_column_int64(st, i++);
    c->created_by = kb_store_text(st, i++);
    c->created_at = sqlite3_column_int64(st, i++);
    c->updated_at = sqlite3_column_int64(st, i++);
    return c;
}

static kb_status reply_row(sqlite3_stmt *st, void *ctx, kb_err *err)
{
    (void)err;
    kb_complaint *c = ctx;
    c->replies = kb_xrealloc(c->replies, (c->nreplies + 1) * sizeof *c->replies);
    kb_complaint_answer *r = &c->replies[c->nreplies++];
    r->text = kb_store_text(st, 0);
    r->by = kb_store_text(st, 1);
    r->channel = kb_store_text(st, 2);
    r->at = sqlite3_column_int64(st, 3);
    return KB_OK;
}

kb_status kb_complaint_get(kb_store *s, long long id, kb_complaint **out, kb_err *err)
{
    *out = NULL;
    sqlite3_stmt *st = kb_store_cached(s, sql_get, err);
    if (!st)
        return KB_EDB;
    sqlite3_bind_int64(st, 1, id);
    int r = sqlite3_step(st);
    if (r == SQLITE_ROW)
        *out = load_row(st);
    kb_status rc = kb_store_step_err(s, r, err, "complaint");
    kb_store_done(st);
    if (rc == KB_OK && !*out)
        rc = kb_err_set(err, KB_ENOTFOUND, "no complaint %lld", id);
    if (rc == KB_OK)
        rc = kb_store_each_row(s, sql_replies, id, reply_row, *out, "complaint replies", err);
    if (rc != KB_OK) {
        kb_complaint_free(*out);
        *out = NULL;
    }
    return rc;
}

/* --- checks --- */

static kb_status check_short(const char *field, const char *v, int required, kb_err *err)
{
    if (!v || !*v)
        return required ? kb_err_set(err, KB_EINVAL, "field '%s' is required", field) : KB_OK;
    return kb_text_check_field(field, v, KB_COMPLAINT_MAX_SHORT, 0, err);
}

static kb_status check_long(const char *field, const char *v, int required, kb_err *err)
{
    if (!v || !*v)
        return required ? kb_err_set(err, KB_EINVAL, "field '%s' is required", field) : KB_OK;
    return kb_text_check_field(field, v, KB_COMPLAINT_MAX_TEXT, 1, err);
}

static int blank(const char *s)
{
    for (; s && *s; s++)
        if (*s != ' ' && *s != '\t' && *s != '\n' && *s != '\r')
            return 0;
    return 1;
}

static kb_status check_owner(kb_store *s, const char *owner, const char *group, kb_err *err)
{
    kb_status rc = KB_OK;
    if (owner && *owner)
        rc = kb_group_check_user(s, "owner", owner, err);
    if (rc == KB_OK && group && *group) {
        kb_group *g = NULL;
        rc = kb_group_get(s, group, &g, err);
        kb_group_free(g);
        if (rc == KB_ENOTFOUND)
            rc = kb_err_set(err, KB_EINVAL, "field 'owner_group': no group '%.100s'", group);
    }
    return rc;
}

/* --- due times --- */

kb_status kb_complaint_due_get(kb_store *s, long long *reply_hours, long long *close_hours,
                               kb_err *err)
{
    *reply_hours = KB_COMPLAINT_REPLY_HOURS;
    *close_hours = KB_COMPLAINT_CLOSE_HOURS;
    sqlite3_stmt *st = kb_store_cached(s, sql_setting_get, err);
    if (!st)
        return KB_EDB;
    int r = sqlite3_step(st);
    if (r == SQLITE_ROW) {
        const char *v = (const char *)sqlite3_column_text(st, 0);
        long long a, b;
        /* anything else (edited by hand): the defaults */
        if (v && sscanf(v, "%lld %lld", &a, &b) == 2 && a >= 1 && b >= a &&
            b <= KB_COMPLAINT_MAX_HOURS) {
            *reply_hours = a;
            *close_hours = b;
        }
    }
    kb_status rc = kb_store_step_err(s, r, err, "complaint settings");
    kb_store_done(st);
    return rc;
}

kb_status kb_complaint_due_set(kb_store *s, long long reply_hours, long long close_hours,
                               const char *actor, long long now, kb_err *err)
{
    if (reply_hours < 1 || reply_hours > KB_COMPLAINT_MAX_HOURS)
        return kb_err_set(err, KB_EINVAL, "field 'reply_hours' must be a whole number from 1 "
                          "to %d", KB_COMPLAINT_MAX_HOURS);
    if (close_hours < reply_hours || close_hours > KB_COMPLAINT_MAX_HOURS)
        return kb_err_set(err, KB_EINVAL, "field 'close_hours' must be a whole number from "
                          "reply_hours to %d", KB_COMPLAINT_MAX_HOURS);
    int own;
    kb_status rc = kb_store_write_begin(s, &own, err);
    if (rc != KB_OK)
        return rc;
    char v[48], sum[96];
    snprintf(v, sizeof v, "%lld %lld", reply_hours, close_hours);
    snprintf(sum, sizeof sum, "complaints: reply within %lld, close within %lld working hours",
             reply_hours, close_hours);
    sqlite3_stmt *st = kb_store_cached(s, sql_setting_put, err);
    if (!st)
        rc = KB_EDB;
    if (rc == KB_OK) {
        kb_store_bind_text(st, 1, v);
        rc = kb_store_step_done(s, st, "complaint settings", err);
    }
    if (rc == KB_OK)
        rc = kb_audit_append(s, now, actor, "complaint.settings", "setting:complaint_due", sum,
                             err);
    return kb_store_write_end(s, own, rc, err);
}

/* The due times of a complaint raised at now: working hours with the desk's calendar; a
 * calendar that cannot be read (or too little working time) counts hours on the clock. */
static kb_status due_times(kb_store *s, long long now, long long *reply_due,
                           long long *close_due, kb_err *err)
{
    long long rh, ch;
    kb_status rc = kb_complaint_due_get(s, &rh, &ch, err);
    if (rc != KB_OK)
        return rc;
    kb_calendar *cal = NULL;
    if (kb_setting_calendar_load(s, &cal, NULL) != KB_OK || !cal ||
        kb_calendar_add(cal, kb_date_zone(), now, rh * 3600, reply_due, NULL) != KB_OK ||
        kb_calendar_add(cal, kb_date_zone(), now, ch * 3600, close_due, NULL) != KB_OK) {
        *reply_due = now + rh * 3600;
        *close_due = now + ch * 3600;
    }
    kb_calendar_free(cal);
    return KB_OK;
}

/* --- writes --- */

static kb_status write_row(kb_store *s, const kb_complaint *c, kb_err *err)
{
    sqlite3_stmt *st = kb_store_cached(s, sql_update, err);
    if (!st)
        return KB_EDB;
    sqlite3_bind_int64(st, 1, c->id);
    const char *text[] = { c->summary, c->detail, c->owner, c->owner_group };
    for (int i = 0; i < 4; i++)
        kb_store_bind_text(st, 2 + i, text[i]);
    sqlite3_bind_int(st, 6, (int)c->state);
    kb_store_bind_text(st, 7, c->investigation);
    kb_store_bind_text(st, 8, c->reply);
    kb_store_bind_text(st, 9, c->reply_by);
    kb_store_bind_text(st, 10, c->reply_channel);
    sqlite3_bind_int64(st, 11, c->reply_at);
    kb_store_bind_text(st, 12, c->cause);
    kb_store_bind_text(st, 13, c->action);
    kb_store_bind_text(st, 14, c->closed_by);
    sqlite3_bind_int64(st, 15, c->closed_at);
    sqlite3_bind_int64(st, 16, c->updated_at);
    return kb_store_step_done(s, st, "complaint update", err);
}

static kb_status notify_new(kb_store *s, const kb_complaint *c, long long now, kb_err *err)
{
    char number[24], due[KB_DATE_TIME_LEN];
    snprintf(number, sizeof number, "%lld", c->id);
    kb_date_format_local(c->reply_due, due);
    char object[40];
    snprintf(object, sizeof object, "complaint:%lld", c->id);
    kb_notify_vars v;
    memset(&v, 0, sizeof v);
    v.number = number;
    v.summary = c->summary;
    v.owner = *c->owner ? c->owner : c->owner_group;
    v.group = c->owner_group;
    v.due = due;
    v.target = c->incident;
    v.requester = c->caller;
    return kb_notify_enqueue(s, KB_NOTIFY_COMPLAINT_NEW, object,
                             *c->owner_group ? c->owner_group : NULL,
                             *c->owner ? c->owner : NULL, &v, now, err);
}

/* Inserts in (checked) and its audit entry and notification, inside the caller's
 * transaction; *out the new complaint. */
static kb_status insert(kb_store *s, const char *source, const kb_complaint_new *in,
                        long long now, kb_complaint **out, kb_err *err)
{
    long long reply_due = 0, close_due = 0;
    kb_status rc = due_times(s, now, &reply_due, &close_due, err);
    sqlite3_stmt *st = rc == KB_OK ? kb_store_cached(s, sql_insert, err) : NULL;
    if (rc == KB_OK && !st)
        rc = KB_EDB;
    if (rc != KB_OK)
        return rc;
    const char *text[] = { source, in->incident, in->caller, in->phone, in->department,
                           in->channel, in->summary, in->detail, in->owner, in->owner_group };
    for (int i = 0; i < 10; i++)
        kb_store_bind_text(st, 1 + i, str(text[i]));
    sqlite3_bind_int64(st, 11, reply_due);
    sqlite3_bind_int64(st, 12, close_due);
    kb_store_bind_text(st, 13, in->actor && *in->actor ? in->actor : "anonymous");
    sqlite3_bind_int64(st, 14, now);
    rc = kb_store_step_done(s, st, "complaint insert", err);
    if (rc == KB_OK)
        rc = kb_complaint_get(s, sqlite3_last_insert_rowid(kb_store_db(s)), out, err);
    if (rc == KB_OK) {
        char object[40];
        snprintf(object, sizeof object, "complaint:%lld", (*out)->id);
        kb_buf b;
        kb_buf_init(&b, 0);
        kb_buf_addf(&b, "raised (%s)", source);
        if (*str(in->incident))
            kb_buf_addf(&b, " about %s", in->incident);
        if (*str(in->owner) || *str(in->owner_group))
            kb_buf_addf(&b, "; owner %s%s%s", str(in->owner),
                        *str(in->owner) && *str(in->owner_group) ? " / " : "",
                        str(in->owner_group));
        rc = kb_audit_append(s, now, in->actor, "complaint.create", object, kb_buf_str(&b),
                             err);
        kb_buf_free(&b);
    }
    if (rc == KB_OK)
        rc = notify_new(s, *out, now, err);
    if (rc != KB_OK) {
        kb_complaint_free(*out);
        *out = NULL;
    }
    return rc;
}

kb_status kb_complaint_create(kb_store *s, const kb_complaint_new *in, long long now,
                              kb_complaint **out, kb_err *err)
{
    *out = NULL;
    kb_status rc = check_short("summary", in->summary, 1, err);
    if (rc == KB_OK && blank(in->summary))
        rc = kb_err_set(err, KB_EINVAL, "field 'summary' is required");
    const char *shorts[][2] = { { "incident", in->incident }, { "caller", in->caller },
                                { "phone", in->phone }, { "department", in->department },
                                { "channel", in->channel }, { "owner", in->owner },
                                { "owner_group", in->owner_group }, { "actor", in->actor } };
    for (size_t i = 0; rc == KB_OK && i < sizeof shorts / sizeof shorts[0]; i++)
        rc = check_short(shorts[i][0], shorts[i][1], 0, err);
    if (rc == KB_OK)
        rc = check_long("detail", in->detail, 0, err);
    if (rc != KB_OK)
        return rc;
    int own;
    rc = kb_store_write_begin(s, &own, err);
    if (rc != KB_OK)
        return rc;
    rc = check_owner(s, in->owner, in->owner_group, err);
    kb_complaint_new fill = *in;
    char *caller = NULL, *phone = NULL, *dept = NULL;
    if (rc == KB_OK && in->incident && *in->incident) {
        sqlite3_stmt *st = kb_store_cached(s, sql_incident, err);
        if (!st) {
            rc = KB_EDB;
        } else {
            kb_store_bind_text(st, 1, in->incident);
            int r = sqlite3_step(st);
            if (r == SQLITE_ROW) {
                caller = kb_store_text(st, 0);
                phone = kb_store_text(st, 1);
                dept = kb_store_text(st, 2);
            }
            rc = kb_store_step_err(s, r, err, "complaint incident");
            kb_store_done(st);
            if (rc == KB_OK && !caller)
                rc = kb_err_set(err, KB_EINVAL, "field 'incident': no incident '%.60s'",
                                in->incident);
        }
        if (rc == KB_OK) {
            fill.caller = *str(in->caller) ? in->caller : caller;
            fill.phone = *str(in->phone) ? in->phone : phone;
            fill.department = *str(in->department) ? in->department : dept;
        }
    }
    if (rc == KB_OK)
        rc = insert(s, "direct", &fill, now, out, err);
    free(caller);
    free(phone);
    free(dept);
    return kb_store_write_end(s, own, rc, err);
}

kb_status kb_complaint_from_followup(kb_store *s, const kb_incident *inc, const char *comment,
                                     const char *actor, long long now, long long *id,
                                     kb_err *err)
{
    if (id)
        *id = 0;
    sqlite3_stmt *st = kb_store_cached(s, sql_open_of_incident, err);
    if (!st)
        return KB_EDB;
    kb_store_bind_text(st, 1, inc->number);
    int r = sqlite3_step(st);
    int have = r == SQLITE_ROW;
    kb_status rc = kb_store_step_err(s, r, err, "complaint of incident");
    kb_store_done(st);
    if (rc != KB_OK || have)
        return rc;
    /* the summary: the comment's first line, cut at a character boundary */
    const char *c = str(comment);
    while (*c == ' ' || *c == '\n' || *c == '\r' || *c == '\t')
        c++;
    char *summary = kb_xstrndup(c, kb_text_utf8_cut(c, strcspn(c, "\r\n"),
                                                    KB_COMPLAINT_MAX_SHORT - 4));
    /* the detail: the whole comment (the incident's limit is longer) cut to ours, marked */
    static const char more[] = "…";
    const char *detail = str(comment);
    size_t dlen = strlen(detail);
    char *cut_detail = NULL;
    if (dlen > KB_COMPLAINT_MAX_TEXT) {
        dlen = kb_text_utf8_cut(detail, dlen, KB_COMPLAINT_MAX_TEXT - (sizeof more - 1));
        cut_detail = kb_xmalloc(dlen + sizeof more);
        memcpy(cut_detail, detail, dlen);
        memcpy(cut_detail + dlen, more, sizeof more);
        detail = cut_detail;
    }
    kb_complaint_new in;
    memset(&in, 0, sizeof in);
    in.incident = inc->number;
    in.caller = inc->caller_name;
    in.phone = inc->caller_phone;
    in.department = inc->department;
    in.channel = "followup";
    in.summary = *summary ? summary : inc->summary;
    in.detail = detail;
    in.owner_group = inc->group;
    in.actor = actor;
    /* the incident's values were checked with its own (longer) limits: cut to ours */
    char cut[4][KB_COMPLAINT_MAX_SHORT + 1];
    const char **fields[] = { &in.caller, &in.phone, &in.department, &in.summary };
    for (int i = 0; i < 4; i++) {
        size_t n = strlen(*fields[i]);
        if (n <= KB_COMPLAINT_MAX_SHORT)
            continue;
        n = kb_text_utf8_cut(*fields[i], n, KB_COMPLAINT_MAX_SHORT);
        memcpy(cut[i], *fields[i], n);
        cut[i][n] = '\0';
        *fields[i] = cut[i];
    }
    kb_complaint *out = NULL;
    rc = insert(s, "followup", &in, now, &out, err);
    if (rc == KB_OK && id)
        *id = out->id;
    kb_complaint_free(out);
    free(summary);
    free(cut_detail);
    return rc;
}

/* Loads id, applies fn and writes it back with its audit entry, in one transaction. */
typedef kb_status (*change_fn)(kb_store *s, kb_complaint *c, const void *arg, kb_buf *sum,
                               kb_err *err);

static kb_status change(kb_store *s, long long id, change_fn fn, const void *arg,
                        const char *action, const char *actor, long long now,
                        kb_complaint **out, kb_err *err)
{
    if (out)
        *out = NULL;
    kb_status rc = check_short("actor", actor, 0, err);
    if (rc != KB_OK)
        return rc;
    int own;
    rc = kb_store_write_begin(s, &own, err);
    if (rc != KB_OK)
        return rc;
    kb_complaint *c = NULL;
    kb_buf sum;
    kb_buf_init(&sum, 0);
    rc = kb_complaint_get(s, id, &c, err);
    if (rc == KB_OK && c->state == KB_COMPLAINT_closed)
        rc = kb_err_set(err, KB_ECONFLICT, "complaint %lld is closed", id);
    if (rc == KB_OK)
        rc = fn(s, c, arg, &sum, err);
    if (rc == KB_OK) {
        c->updated_at = now;
        rc = write_row(s, c, err);
    }
    if (rc == KB_OK) {
        char object[40];
        snprintf(object, sizeof object, "complaint:%lld", id);
        rc = kb_audit_append(s, now, actor, action, object, kb_buf_str(&sum), err);
    }
    kb_buf_free(&sum);
    rc = kb_store_write_end(s, own, rc, err);
    if (rc == KB_OK && out)
        *out = c;
    else
        kb_complaint_free(c);
    return rc;
}

static void set(char **slot, const char *v)
{
    free(*slot);
    *slot = kb_xstrdup(v);
}

static void pair(kb_buf *b, const char *name, const char *from, const char *to)
{
    if (strcmp(from, to) != 0)
        kb_buf_addf(b, "%s%s %s→%s", b->len ? "; " : "", name, *from ? from : "(none)",
                    *to ? to : "(none)");
}

static kb_status do_update(kb_store *s, kb_complaint *c, const void *arg, kb_buf *sum,
                           kb_err *err)
{
    const kb_complaint_change *ch = arg;
    kb_status rc = check_owner(s, ch->owner, ch->owner_group, err);
    if (rc != KB_OK)
        return rc;
    if (ch->owner) {
        pair(sum, "owner", c->owner, ch->owner);
        set(&c->owner, ch->owner);
    }
    if (ch->owner_group) {
        pair(sum, "owner_group", c->owner_group, ch->owner_group);
        set(&c->owner_group, ch->owner_group);
    }
    if (ch->summary) {
        if (strcmp(c->summary, ch->summary) != 0)
            kb_buf_addf(sum, "%ssummary changed", sum->len ? "; " : "");
        set(&c->summary, ch->summary);
    }
    if (ch->detail) {
        if (strcmp(c->detail, ch->detail) != 0)
            kb_buf_addf(sum, "%sdetail changed", sum->len ? "; " : "");
        set(&c->detail, ch->detail);
    }
    if (ch->investigation) {
        if (strcmp(c->investigation, ch->investigation) != 0)
            kb_buf_addf(sum, "%sinvestigation notes (%zu bytes)", sum->len ? "; " : "",
                        strlen(ch->investigation));
        set(&c->investigation, ch->investigation);
        if (c->state == KB_COMPLAINT_open && *ch->investigation) {
            c->state = KB_COMPLAINT_investigating;
            pair(sum, "state", "open", "investigating");
        }
    }
    if (!sum->len)
        kb_buf_adds(sum, "no change");
    return KB_OK;
}

kb_status kb_complaint_update(kb_store *s, long long id, const kb_complaint_change *ch,
                              long long now, kb_complaint **out, kb_err *err)
{
    kb_status rc = check_short("owner", ch->owner, 0, err);
    if (rc == KB_OK)
        rc = check_short("owner_group", ch->owner_group, 0, err);
    if (rc == KB_OK && ch->summary)
        rc = check_short("summary", blank(ch->summary) ? NULL : ch->summary, 1, err);
    if (rc == KB_OK)
        rc = check_long("detail", ch->detail, 0, err);
    if (rc == KB_OK)
        rc = check_long("investigation", ch->investigation, 0, err);
    if (rc != KB_OK)
        return rc;
    return change(s, id, do_update, ch, "complaint.update", ch->actor, now, out, err);
}

typedef struct {
    const char *a, *b, *actor;
    long long now;
} two_texts;

/* The first reply fills the complaint's reply (its time is what reply_due measures: a
 * later reply, a correction or a second answer, never makes an answer in time late); every
 * reply goes into complaint_reply. */
static kb_status do_reply(kb_store *s, kb_complaint *c, const void *arg, kb_buf *sum,
                          kb_err *err)
{
    const two_texts *t = arg;
    const char *by = t->actor && *t->actor ? t->actor : "anonymous";
    sqlite3_stmt *st = kb_store_cached(s, sql_reply_add, err);
    if (!st)
        return KB_EDB;
    sqlite3_bind_int64(st, 1, c->id);
    kb_store_bind_text(st, 2, t->a);
    kb_store_bind_text(st, 3, by);
    kb_store_bind_text(st, 4, t->b);
    sqlite3_bind_int64(st, 5, t->now);
    kb_status rc = kb_store_step_done(s, st, "complaint reply", err);
    if (rc != KB_OK)
        return rc;
    c->replies = kb_xrealloc(c->replies, (c->nreplies + 1) * sizeof *c->replies);
    c->replies[c->nreplies++] = (kb_complaint_answer){ kb_xstrdup(t->a), kb_xstrdup(by),
                                                      kb_xstrdup(t->b), t->now };
    if (c->reply_at) {
        kb_buf_addf(sum, "replied again over %s (reply %zu; the first stays the reply time)",
                    t->b, c->nreplies);
        return KB_OK;
    }
    set(&c->reply, t->a);
    set(&c->reply_channel, t->b);
    set(&c->reply_by, by);
    int late = t->now > c->reply_due;
    c->reply_at = t->now;
    kb_buf_addf(sum, "replied over %s%s", t->b, late ? " (after the reply was due)" : "");
    if (c->state != KB_COMPLAINT_replied)
        pair(sum, "state", state_names[c->state], "replied");
    c->state = KB_COMPLAINT_replied;
    return KB_OK;
}

kb_status kb_complaint_reply(kb_store *s, long long id, const char *reply, const char *channel,
                             const char *actor, long long now, kb_complaint **out,
                             kb_err *err)
{
    kb_status rc = check_long("reply", blank(reply) ? NULL : reply, 1, err);
    if (rc == KB_OK)
        rc = check_short("channel", blank(channel) ? NULL : channel, 1, err);
    if (rc != KB_OK)
        return rc;
    two_texts t = { reply, channel, actor, now };
    return change(s, id, do_reply, &t, "complaint.reply", actor, now, out, err);
}

static kb_status do_close(kb_store *s, kb_complaint *c, const void *arg, kb_buf *sum,
                          kb_err *err)
{
    (void)s;
    const two_texts *t = arg;
    if (c->state != KB_COMPLAINT_replied)
        return kb_err_set(err, KB_ECONFLICT, "complaint %lld has no reply yet: reply to the "
                          "complainant before closing it", c->id);
    set(&c->cause, t->a);
    set(&c->action, t->b);
    set(&c->closed_by, t->actor && *t->actor ? t->actor : "anonymous");
    c->closed_at = t->now;
    c->state = KB_COMPLAINT_closed;
    kb_buf_addf(sum, "state replied→closed%s", t->now > c->close_due ? " (after it was due)"
                                                                       : "");
    return KB_OK;
}

kb_status kb_complaint_close(kb_store *s, long long id, const char *cause, const char *action,
                             const char *actor, long long now, kb_complaint **out,
                             kb_err *err)
{
    kb_status rc = check_long("cause", blank(cause) ? NULL : cause, 1, err);
    if (rc == KB_OK)
        rc = check_long("action", blank(action) ? NULL : action, 1, err);
    if (rc != KB_OK)
        return rc;
    two_texts t = { cause, action, actor, now };
    return change(s, id, do_close, &t, "complaint.close", actor, now, out, err);
}

/* --- lists and figures --- */

void kb_complaint_list_free(kb_complaint_list *l)
{
    if (!l)
        return;
    for (size_t i = 0; i < l->n; i++)
        kb_complaint_free(l->items[i]);
    free(l->items);
    free(l);
}

static void bind_filter(sqlite3_stmt *st, const void *arg, int page)
{
    (void)page;
    const kb_complaint_filter *f = arg;
    sqlite3_bind_int64(st, 1, f->states);
    kb_store_bind_opt(st, 2, f->owner);
    kb_store_bind_opt(st, 3, f->owner_group);
    kb_store_bind_opt(st, 4, f->incident);
    kb_store_bind_opt(st, 5, f->q);
    sqlite3_bind_int64(st, 6, f->from);
    sqlite3_bind_int64(st, 7, f->to);
    sqlite3_bind_int(st, 8, f->overdue ? 1 : 0);
    sqlite3_bind_int64(st, 9, f->now);
}

static kb_status list_row(sqlite3_stmt *st, void *ctx, kb_err *err)
{
    (void)err;
    kb_complaint_list *l = ctx;
    l->items = kb_xrealloc(l->items, (l->n + 1) * sizeof *l->items);
    l->items[l->n++] = load_row(st);
    return KB_OK;
}

static const kb_store_list complaint_list = {
    .count_sql = sql_count,
    .page_sql = sql_page,
    .limit_param = 10,
    .def_limit = KB_COMPLAINT_DEF_LIMIT,
    .max_limit = KB_COMPLAINT_MAX_LIMIT,
    .bind = bind_filter,
    .row = list_row,
    .count_what = "complaint count",
    .page_what = "complaint list",
};

kb_status kb_complaint_list_get(kb_store *s, const kb_complaint_filter *f,
                                kb_complaint_list **out, kb_err *err)
{
    *out = NULL;
    if (f->q && strlen(f->q) > KB_COMPLAINT_MAX_QUERY)
        return kb_err_set(err, KB_EINVAL, "'q' is longer than %u bytes",
                          KB_COMPLAINT_MAX_QUERY);
    kb_complaint_list *l = kb_xcalloc(1, sizeof *l);
    kb_status rc = kb_store_list_page(s, &complaint_list, f, f->limit, f->offset, &l->total, l,
                                      err);
    if (rc != KB_OK) {
        kb_complaint_list_free(l);
        return rc;
    }
    *out = l;
    return KB_OK;
}

kb_status kb_complaint_counts_get(kb_store *s, long long from, long long to, long long now,
                                  kb_complaint_counts *out, kb_err *err)
{
    memset(out, 0, sizeof *out);
    int own = 0;
    kb_status rc = kb_store_read_begin(s, &own, err);
    if (rc != KB_OK)
        return rc;
    sqlite3_stmt *st = kb_store_cached(s, sql_counts, err);
    if (!st) {
        rc = KB_EDB;
    } else {
        sqlite3_bind_int64(st, 1, from);
        sqlite3_bind_int64(st, 2, to);
        sqlite3_bind_int64(st, 3, now);
        int r = sqlite3_step(st);
        if (r == SQLITE_ROW) {
            out->raised = sqlite3_column_int64(st, 0);
            out->from_followup = sqlite3_column_int64(st, 1);
            out->closed = sqlite3_column_int64(st, 2);
            out->replied_in_time = sqlite3_column_int64(st, 3);
            out->closed_in_time = sqlite3_column_int64(st, 4);
            out->overdue = sqlite3_column_int64(st, 5);
        }
        rc = kb_store_step_err(s, r, err, "complaint counts");
        kb_store_done(st);
    }
    st = rc == KB_OK ? kb_store_cached(s, sql_open_now, err) : NULL;
    if (rc == KB_OK && !st)
        rc = KB_EDB;
    if (rc == KB_OK) {
        int r = sqlite3_step(st);
        if (r == SQLITE_ROW)
            out->open_now = sqlite3_column_int64(st, 0);
        rc = kb_store_step_err(s, r, err, "complaint counts");
        kb_store_done(st);
    }
    kb_store_read_end(s, own);
    return rc;
}

/* --- the sweep --- */

kb_status kb_complaint_sweep(kb_store *s, long long now, size_t *n, kb_err *err)
{
    size_t count = 0;
    kb_complaint_list l = { NULL, 0, 0 };
    sqlite3_stmt *st = kb_store_cached(s, sql_overdue, err);
    kb_status rc = st ? KB_OK : KB_EDB;
    if (rc == KB_OK) {
        sqlite3_bind_int64(st, 1, now);
        rc = kb_store_rows(s, st, list_row, &l, "complaints overdue", err);
    }
    for (size_t i = 0; rc == KB_OK && i < l.n; i++) {
        const kb_complaint *c = l.items[i];
        int own = 0;
        rc = kb_store_write_begin(s, &own, err);
        if (rc != KB_OK)
            break;
        st = kb_store_cached(s, sql_notified, err);
        if (!st)
            rc = KB_EDB;
        if (rc == KB_OK) {
            sqlite3_bind_int64(st, 1, c->id);
            rc = kb_store_step_done(s, st, "complaint overdue", err);
        }
        /* another sweep may have told it first */
        if (rc == KB_OK && sqlite3_changes(kb_store_db(s)) == 1) {
            char number[24], due[KB_DATE_TIME_LEN], object[40];
            snprintf(number, sizeof number, "%lld", c->id);
            snprintf(object, sizeof object, "complaint:%lld", c->id);
            kb_date_format_local(c->reply_at == 0 && c->reply_due < now ? c->reply_due
                                                                        : c->close_due, due);
            kb_notify_vars v;
            memset(&v, 0, sizeof v);
            v.number = number;
            v.summary = c->summary;
            v.owner = *c->owner ? c->owner : c->owner_group;
            v.group = c->owner_group;
            v.due = due;
            v.target = c->incident;
            v.requester = c->caller;
            v.status = state_names[c->state];
            rc = kb_notify_enqueue(s, KB_NOTIFY_COMPLAINT_OVERDUE, object,
                                   *c->owner_group ? c->owner_group : NULL,
                                   *c->owner ? c->owner : NULL, &v, now, err);
            if (rc == KB_OK)
                count++;
        }
        rc = kb_store_write_end(s, own, rc, err);
    }
    for (size_t i = 0; i < l.n; i++)
        kb_complaint_free(l.items[i]);
    free(l.items);
    if (n)
        *n = count;
    return rc;
}
