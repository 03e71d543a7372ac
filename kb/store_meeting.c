/* Review meetings and improvement actions (schema version 26 with the surveys): their
 * checks and all their SQL. See include/kb_meeting.h. */
#include "kb_meeting.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kb_alloc.h"
#include "kb_audit.h"
#include "kb_buf.h"
#include "kb_date.h"
#include "kb_text.h"
#include "store_int.h"

/* meeting.attendees and .links: one per line. qaction.state: kb_qaction_state. */
static const char schema_meeting[] =
    "CREATE TABLE IF NOT EXISTS meeting("
    "  id INTEGER PRIMARY KEY, day TEXT NOT NULL, title TEXT NOT NULL,"
    "  attendees TEXT NOT NULL, period_from TEXT NOT NULL, period_to TEXT NOT NULL,"
    "  figures TEXT NOT NULL, links TEXT NOT NULL, evaluations TEXT NOT NULL,"
    "  causes TEXT NOT NULL, notes TEXT NOT NULL, created_by TEXT NOT NULL,"
    "  created_at INTEGER NOT NULL);"
    "CREATE INDEX IF NOT EXISTS meeting_by_day ON meeting(day);"
    "CREATE TABLE IF NOT EXISTS qaction("
    "  id INTEGER PRIMARY KEY, meeting INTEGER NOT NULL REFERENCES meeting(id),"
    "  title TEXT NOT NULL, owner TEXT NOT NULL, due TEXT NOT NULL,"
    "  state INTEGER NOT NULL DEFAULT 0, note TEXT NOT NULL DEFAULT '',"
    "  created_by TEXT NOT NULL, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL,"
    "  finished_at INTEGER NOT NULL DEFAULT 0, finished_by TEXT NOT NULL DEFAULT '');"
    "CREATE INDEX IF NOT EXISTS qaction_by_meeting ON qaction(meeting);"
    "CREATE INDEX IF NOT EXISTS qaction_by_due ON qaction(due);";

kb_status kb_meeting_migrate(kb_store *s, kb_err *err)
{
    return kb_store_exec(s, schema_meeting, err);
}

kb_status kb_quality_migrate(kb_store *s, kb_err *err)
{
    kb_status rc = kb_survey_migrate(s, err);
    return rc == KB_OK ? kb_meeting_migrate(s, err) : rc;
}

#define MEETING_COLS                                                                           \
    "id, day, title, attendees, period_from, period_to, figures, links, evaluations, "      \
    "causes, notes, created_by, created_at"
#define QCOLS                                                                                  \
    "a.id, a.meeting, m.day, a.title, a.owner, a.due, a.state, a.note, a.created_by, "       \
    "a.created_at, a.updated_at, a.finished_at, a.finished_by"
static const char sql_get[] = "SELECT " MEETING_COLS " FROM meeting WHERE id = ?1";
static const char sql_count[] = "SELECT count(*) FROM meeting";
static const char sql_page[] =
    "SELECT id, day, title, attendees, period_from, period_to, '', links, '', '', '', "
    "created_by, created_at FROM meeting ORDER BY day DESC, id DESC LIMIT ?1 OFFSET ?2";
static const char sql_insert[] =
    "INSERT INTO meeting(day, title, attendees, period_from, period_to, figures, links, "
    "evaluations, causes, notes, created_by, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, "
    "?8, ?9, ?10, ?11, ?12)";
static const char sql_action_add[] =
    "INSERT INTO qaction(meeting, title, owner, due, created_by, created_at, updated_at) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)";
static const char sql_action_get[] =
    "SELECT " QCOLS " FROM qaction a JOIN meeting m ON m.id = a.meeting WHERE a.id = ?1";
static const char sql_action_set[] =
    "UPDATE qaction SET owner = ?2, due = ?3, state = ?4, note = ?5, updated_at = ?6, "
    "finished_at = ?7, finished_by = ?8 WHERE id = ?1";
static const char sql_actions_of[] =
    "SELECT " QCOLS " FROM qaction a JOIN meeting m ON m.id = a.meeting WHERE a.meeting = ?1 "
    "ORDER BY a.id";
/* ?1 the meeting's day, ?2 the instant it begins */
static const char sql_carried[] =
    "SELECT " QCOLS " FROM qaction a JOIN meeting m ON m.id = a.meeting WHERE m.day < ?1 AND "
    "(a.state < 2 OR a.finished_at >= ?2) ORDER BY a.due, a.id LIMIT 500";
#define QWHERE                                                                                 \
    " WHERE (?1 = 0 OR (?1 >> a.state) & 1) AND (?2 IS NULL OR a.owner = ?2) AND "           \
    "(?3 = 0 OR (a.state < 2 AND a.due < ?4)) AND "                                        \
    "(?7 = 0 OR (a.created_at < ?8 AND (a.finished_at = 0 OR a.finished_at >= ?7)))"
static const char sql_qcount[] =
    "SELECT count(*) FROM qaction a JOIN meeting m ON m.id = a.meeting" QWHERE;
static const char sql_qpage[] =
    "SELECT " QCOLS " FROM qaction a JOIN meeting m ON m.id = a.meeting" QWHERE
    " ORDER BY a.due, a.id LIMIT ?5 OFFSET ?6";
static const char sql_incident[] = "SELECT 1 FROM incident WHERE number = ?1";
static const char sql_complaint[] = "SELECT 1 FROM complaint WHERE id = ?1";

static const char *const state_names[KB_QACTION_NSTATES] = {
#define KB_QACTION_X_NAME(name) #name,
    KB_QACTION_STATES(KB_QACTION_X_NAME)
#undef KB_QACTION_X_NAME
};

const char *kb_qaction_state_name(unsigned st)
{
    return st < KB_QACTION_NSTATES ? state_names[st] : NULL;
}

int kb_qaction_state_of(const char *name)
{
    for (int i = 0; name && i < KB_QACTION_NSTATES; i++)
        if (strcmp(name, state_names[i]) == 0)
            return i;
    return -1;
}

static int finished(int state)
{
    return state == KB_QACTION_done || state == KB_QACTION_cancelled;
}

int kb_qaction_overdue(const kb_qaction *a, const char *today)
{
    return !finished(a->state) && today && strcmp(a->due, today) < 0;
}

void kb_qaction_free_fields(kb_qaction *a)
{
    free(a->title);
    free(a->owner);
    free(a->note);
    free(a->created_by);
    free(a->finished_by);
    memset(a, 0, sizeof *a);
}

void kb_qactions_free(kb_qaction *v, size_t n)
{
    for (size_t i = 0; v && i < n; i++)
        kb_qaction_free_fields(&v[i]);
    free(v);
}

static void split_lines(const char *text, char ***out, size_t *n)
{
    *out = NULL;
    *n = 0;
    const char *p = text ? text : "";
    while (*p) {
        size_t len = strcspn(p, "\n");
        *out = kb_xrealloc(*out, (*n + 1) * sizeof **out);
        (*out)[(*n)++] = kb_xstrndup(p, len);
        p += len + (p[len] == '\n');
    }
}

static void free_lines(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

void kb_meeting_free(kb_meeting *m)
{
    if (!m)
        return;
    free(m->title);
    free_lines(m->attendees, m->nattendees);
    free(m->figures);
    free_lines(m->links, m->nlinks);
    free(m->evaluations);
    free(m->causes);
    free(m->notes);
    free(m->created_by);
    kb_qactions_free(m->actions, m->nactions);
    kb_qactions_free(m->carried, m->ncarried);
    free(m);
}

void kb_meeting_list_free(kb_meeting **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        kb_meeting_free(v[i]);
    free(v);
}

static kb_meeting *load_meeting(sqlite3_stmt *st)
{
    kb_meeting *m = kb_xcalloc(1, sizeof *m);
    m->id = sqlite3_column_int64(st, 0);
    kb_store_text_into(st, 1, m->day, sizeof m->day);
    m->title = kb_store_text(st, 2);
    char *t = kb_store_text(st, 3);
    split_lines(t, &m->attendees, &m->nattendees);
    free(t);
    kb_store_text_into(st, 4, m->period_from, sizeof m->period_from);
    kb_store_text_into(st, 5, m->period_to, sizeof m->period_to);
    m->figures = kb_store_text(st, 6);
    t = kb_store_text(st, 7);
    split_lines(t, &m->links, &m->nlinks);
    free(t);
    m->evaluations = kb_store_text(st, 8);
    m->causes = kb_store_text(st, 9);
    m->notes = kb_store_text(st, 10);
    m->created_by = kb_store_text(st, 11);
    m->created_at = sqlite3_column_int64(st, 12);
    return m;
}

static void load_action(sqlite3_stmt *st, kb_qaction *a)
{
    memset(a, 0, sizeof *a);
    a->id = sqlite3_column_int64(st, 0);
    a->meeting = sqlite3_column_int64(st, 1);
    kb_store_text_into(st, 2, a->meeting_day, sizeof a->meeting_day);
    a->title = kb_store_text(st, 3);
    a->owner = kb_store_text(st, 4);
    kb_store_text_into(st, 5, a->due, sizeof a->due);
    int state = sqlite3_column_int(st, 6);
    a->state = state >= 0 && state < KB_QACTION_NSTATES ? (kb_qaction_state)state
                                                        : KB_QACTION_open;
    a->note = kb_store_text(st, 7);
    a->created_by = kb_store_text(st, 8);
    a->created_at = sqlite3_column_int64(st, 9);
    a->updated_at = sqlite3_column_int64(st, 10);
    a->finished_at = sqlite3_column_int64(st, 11);
    a->finished_by = kb_store_text(st, 12);
}

struct actions {
    kb_qaction *v;
    size_t n;
};

static kb_status action_row(sqlite3_stmt *st, void *ctx, kb_err *err)
{
    (void)err;
    struct actions *a = ctx;
    a->v = kb_xrealloc(a->v, (a->n + 1) * sizeof *a->v);
    load_action(st, &a->v[a->n++]);
    return KB_OK;
}

/* --- checks --- */

static kb_status text_field(const char *field, const char *v, size_t max, int multi,
                            int required, kb_err *err)
{
    int blank = 1;
    for (const char *p = v; p && *p && blank; p++)
        blank = *p == ' ' || *p == '\t' || *p == '\n' || *p == '\r';
    if (blank)
        return required ? kb_err_set(err, KB_EINVAL, "field '%s' is required", field) : KB_OK;
    return kb_text_check_field(field, v, max, multi, err);
}

static kb_status day_field(const char *field, const char *v, kb_err *err)
{
    if (!kb_date_valid(v))
        return kb_err_set(err, KB_EINVAL, "field '%s' must be a day YYYY-MM-DD", field);
    return KB_OK;
}

static kb_status check_action(const kb_qaction_in *a, size_t i, kb_err *err)
{
    char field[40];
    snprintf(field, sizeof field, "actions[%zu].title", i);
    kb_status rc = text_field(field, a->title, KB_MEETING_MAX_TITLE, 0, 1, err);
    snprintf(field, sizeof field, "actions[%zu].owner", i);
    if (rc == KB_OK)
        rc = text_field(field, a->owner, KB_MEETING_MAX_NAME, 0, 1, err);
    snprintf(field, sizeof field, "actions[%zu].due", i);
    if (rc == KB_OK)
        rc = day_field(field, a->due, err);
    return rc;
}

kb_status kb_meeting_check(const kb_meeting_in *in, kb_err *err)
{
    kb_status rc = day_field("day", in->day, err);
    if (rc == KB_OK)
        rc = text_field("title", in->title, KB_MEETING_MAX_TITLE, 0, 1, err);
    if (rc == KB_OK)
        rc = day_field("period_from", in->period_from, err);
    if (rc == KB_OK)
        rc = day_field("period_to", in->period_to, err);
    if (rc == KB_OK && strcmp(in->period_from, in->period_to) > 0)
        rc = kb_err_set(err, KB_EINVAL, "'period_to' (%s) is before 'period_from' (%s)",
                        in->period_to, in->period_from);
    if (rc == KB_OK && in->nattendees > KB_MEETING_MAX_ATTENDEES)
        rc = kb_err_set(err, KB_EINVAL, "field '%s' holds more than %zu items", "attendees",
                        (size_t)KB_MEETING_MAX_ATTENDEES);
    for (size_t i = 0; rc == KB_OK && i < in->nattendees; i++)
        rc = text_field("attendees", in->attendees[i], KB_MEETING_MAX_NAME, 0, 1, err);
    if (rc == KB_OK && in->nlinks > KB_MEETING_MAX_LINKS)
        rc = kb_err_set(err, KB_EINVAL, "field '%s' holds more than %zu items", "links",
                        (size_t)KB_MEETING_MAX_LINKS);
    for (size_t i = 0; rc == KB_OK && i < in->nlinks; i++)
        rc = text_field("links", in->links[i], KB_MEETING_MAX_LINK, 0, 1, err);
    const char *texts[][2] = { { "evaluations", in->evaluations }, { "causes", in->causes },
                               { "notes", in->notes } };
    for (size_t i = 0; rc == KB_OK && i < 3; i++)
        rc = text_field(texts[i][0], texts[i][1], KB_MEETING_MAX_TEXT, 1, 0, err);
    if (rc == KB_OK && in->figures && strlen(in->figures) > KB_MEETING_MAX_FIGURES)
        rc = kb_err_set(err, KB_ETOOBIG, "the period's figures are longer than %u bytes",
                        KB_MEETING_MAX_FIGURES);
    if (rc == KB_OK && in->nactions > KB_MEETING_MAX_ACTIONS)
        rc = kb_err_set(err, KB_EINVAL, "field '%s' holds more than %zu items", "actions",
                        (size_t)KB_MEETING_MAX_ACTIONS);
    for (size_t i = 0; rc == KB_OK && i < in->nactions; i++)
        rc = check_action(&in->actions[i], i, err);
    return rc;
}

/* KB_EINVAL unless link names an incident or a complaint there is. */
static kb_status check_link(kb_store *s, const char *link, kb_err *err)
{
    const char *sql = sql_incident;
    long long id = 0;
    if (strncmp(link, "complaint:", 10) == 0) {
        /* digits only (strtoll alone would take spaces and a sign), at most 15 of them */
        const char *d = link + 10;
        size_t nd = strspn(d, "0123456789");
        if (nd >= 1 && nd <= 15 && !d[nd])
            id = strtoll(d, NULL, 10);
        if (id <= 0)
            return kb_err_set(err, KB_EINVAL, "link '%.64s' names no incident or complaint",
                              link);
        sql = sql_complaint;
    }
    sqlite3_stmt *st = kb_store_cached(s, sql, err);
    if (!st)
        return KB_EDB;
    if (id)
        sqlite3_bind_int64(st, 1, id);
    else
        kb_store_bind_text(st, 1, link);
    int r = sqlite3_step(st);
    int found = r == SQLITE_ROW;
    kb_status rc = kb_store_step_err(s, r, err, "meeting link");
    kb_store_done(st);
    if (rc == KB_OK && !found)
        rc = kb_err_set(err, KB_EINVAL, "link '%.64s' names no incident or complaint", link);
    return rc;
}

static void join(const char *const *v, size_t n, kb_buf *b)
{
    for (size_t i = 0; i < n; i++) {
        if (i)
            kb_buf_adds(b, "\n");
        kb_buf_adds(b, v[i]);
    }
}

static const char *str(const char *s)
{
    return s ? s : "";
}

static const char *who(const char *actor)
{
    return actor && *actor ? actor : "anonymous";
}

static kb_status insert_action(kb_store *s, long long meeting, const kb_qaction_in *a,
                               const char *actor, long long now, long long *id, kb_err *err)
{
    sqlite3_stmt *st = kb_store_cached(s, sql_action_add, err);
    if (!st)
        return KB_EDB;
    sqlite3_bind_int64(st, 1, meeting);
    kb_store_bind_text(st, 2, a->title);
    kb_store_bind_text(st, 3, a->owner);
    kb_store_bind_text(st, 4, a->due);
    kb_store_bind_text(st, 5, who(actor));
    sqlite3_bind_int64(st, 6, now);
    kb_status rc = kb_store_step_done(s, st, "action insert", err);
    *id = sqlite3_last_insert_rowid(kb_store_db(s));
    if (rc == KB_OK) {
        char object[40];
        snprintf(object, sizeof object, "qaction:%lld", *id);
        kb_buf b;
        kb_buf_init(&b, 0);
        /* the title cut at a character boundary: the trail's summary stays valid UTF-8 */
        int n = (int)kb_text_utf8_cut(a->title, strlen(a->title), 120);
        kb_buf_addf(&b, "meeting %lld: \"%.*s\" owner %s due %s", meeting, n, a->title,
                    a->owner, a->due);
        rc = kb_audit_append(s, now, actor, "qaction.create", object, kb_buf_str(&b), err);
        kb_buf_free(&b);
    }
    return rc;
}

kb_status kb_meeting_create(kb_store *s, const kb_meeting_in *in, long long now,
                            kb_meeting **out, kb_err *err)
{
    *out = NULL;
    kb_status rc = kb_meeting_check(in, err);
    if (rc != KB_OK)
        return rc;
    int own;
    rc = kb_store_write_begin(s, &own, err);
    if (rc != KB_OK)
        return rc;
    for (size_t i = 0; rc == KB_OK && i < in->nlinks; i++)
        rc = check_link(s, in->links[i], err);
    kb_buf att, links;
    kb_buf_init(&att, 0);
    kb_buf_init(&links, 0);
    join(in->attendees, in->nattendees, &att);
    join(in->links, in->nlinks, &links);
    sqlite3_stmt *st = rc == KB_OK ? kb_store_cached(s, sql_insert, err) : NULL;
    if (rc == KB_OK && !st)
        rc = KB_EDB;
    long long id = 0;
    if (rc == KB_OK) {
        kb_store_bind_text(st, 1, in->day);
        kb_store_bind_text(st, 2, in->title);
        kb_store_bind_text(st, 3, kb_buf_str(&att));
        kb_store_bind_text(st, 4, in->period_from);
        kb_store_bind_text(st, 5, in->period_to);
        kb_store_bind_text(st, 6, str(in->figures));
        kb_store_bind_text(st, 7, kb_buf_str(&links));
        kb_store_bind_text(st, 8, str(in->evaluations));
        kb_store_bind_text(st, 9, str(in->causes));
        kb_store_bind_text(st, 10, str(in->notes));
        kb_store_bind_text(st, 11, who(in->actor));
        sqlite3_bind_int64(st, 12, now);
        rc = kb_store_step_done(s, st, "meeting insert", err);
        id = sqlite3_last_insert_rowid(kb_store_db(s));
    }
    kb_buf_free(&att);
    kb_buf_free(&links);
    if (rc == KB_OK) {
        char object[40], sum[KB_MEETING_MAX_TITLE + 160];
        snprintf(object, sizeof object, "meeting:%lld", id);
        snprintf(sum, sizeof sum, "%s \"%s\" reviewing %s..%s; %zu attendees, %zu actions",
                 in->day, in->title, in->period_from, in->period_to, in->nattendees,
                 in->nactions);
        rc = kb_audit_append(s, now, in->actor, "meeting.create", object, sum, err);
    }
    for (size_t i = 0; rc == KB_OK && i < in->nactions; i++) {
        long long aid;
        rc = insert_action(s, id, &in->actions[i], in->actor, now, &aid, err);
    }
    if (rc == KB_OK)
        rc = kb_meeting_get(s, id, out, err);
    return kb_store_write_end(s, own, rc, err);
}

kb_status kb_meeting_get(kb_store *s, long long id, kb_meeting **out, kb_err *err)
{
    *out = NULL;
    int own = 0;
    kb_status rc = kb_store_read_begin(s, &own, err);
    if (rc != KB_OK)
        return rc;
    sqlite3_stmt *st = kb_store_cached(s, sql_get, err);
    kb_meeting *m = NULL;
    if (!st) {
        rc = KB_EDB;
    } else {
        sqlite3_bind_int64(st, 1, id);
        int r = sqlite3_step(st);
        if (r == SQLITE_ROW)
            m = load_meeting(st);
        rc = kb_store_step_err(s, r, err, "meeting");
        kb_store_done(st);
        if (rc == KB_OK && !m)
            rc = kb_err_set(err, KB_ENOTFOUND, "no meeting %lld", id);
    }
    struct actions a = { NULL, 0 }, c = { NULL, 0 };
    if (rc == KB_OK)
        rc = kb_store_each_row(s, sql_actions_of, id, action_row, &a, "meeting actions", err);
    long long start = 0;
    if (rc == KB_OK)
        rc = kb_date_parse(m->day, &start, err);
    st = rc == KB_OK ? kb_store_cached(s, sql_carried, err) : NULL;
    if (rc == KB_OK && !st)
        rc = KB_EDB;
    if (rc == KB_OK) {
        kb_store_bind_text(st, 1, m->day);
        sqlite3_bind_int64(st, 2, start);
        rc = kb_store_rows(s, st, action_row, &c, "carried actions", err);
    }
    kb_store_read_end(s, own);
    if (m) {
        m->actions = a.v;
        m->nactions = a.n;
        m->carried = c.v;
        m->ncarried = c.n;
    } else {
        kb_qactions_free(a.v, a.n);
        kb_qactions_free(c.v, c.n);
    }
    if (rc != KB_OK) {
        kb_meeting_free(m);
        return rc;
    }
    *out = m;
    return KB_OK;
}

struct meetings {
    kb_meeting **v;
    size_t n;
};

static kb_status meeting_row(sqlite3_stmt *st, void *ctx, kb_err *err)
{
    (void)err;
    struct meetings *l = ctx;
    l->v = kb_xrealloc(l->v, (l->n + 1) * sizeof *l->v);
    l->v[l->n++] = load_meeting(st);
    return KB_OK;
}

static void bind_none(sqlite3_stmt *st, const void *filter, int page)
{
    (void)st;
    (void)filter;
    (void)page;
}

static const kb_store_list meeting_list = {
    .count_sql = sql_count,
    .page_sql = sql_page,
    .limit_param = 1,
    .def_limit = 50,
    .max_limit = KB_MEETING_MAX_LIMIT,
    .bind = bind_none,
    .row = meeting_row,
    .count_what = "meeting count",
    .page_what = "meeting list",
};

kb_status kb_meeting_list(kb_store *s, size_t limit, size_t offset, kb_meeting ***out,
                          size_t *n, long long *total, kb_err *err)
{
    struct meetings l = { NULL, 0 };
    kb_status rc = kb_store_list_page(s, &meeting_list, NULL, limit, offset, total, &l, err);
    if (rc != KB_OK) {
        kb_meeting_list_free(l.v, l.n);
        l.v = NULL;
        l.n = 0;
    }
    *out = l.v;
    *n = l.n;
    return rc;
}

/* --- actions --- */

kb_status kb_qaction_get(kb_store *s, long long id, kb_qaction *out, kb_err *err)
{
    memset(out, 0, sizeof *out);
    sqlite3_stmt *st = kb_store_cached(s, sql_action_get, err);
    if (!st)
        return KB_EDB;
    sqlite3_bind_int64(st, 1, id);
    int r = sqlite3_step(st);
    int found = r == SQLITE_ROW;
    if (found)
        load_action(st, out);
    kb_status rc = kb_store_step_err(s, r, err, "action");
    kb_store_done(st);
    if (rc == KB_OK && !found)
        rc = kb_err_set(err, KB_ENOTFOUND, "no improvement action %lld", id);
    return rc;
}

kb_status kb_qaction_add(kb_store *s, long long meeting, const kb_qaction_in *in,
                         const char *actor, long long now, kb_qaction *out, kb_err *err)
{
    memset(out, 0, sizeof *out);
    kb_status rc = check_action(in, 0, err);
    if (rc != KB_OK)
        return rc;
    int own;
    rc = kb_store_write_begin(s, &own, err);
    if (rc != KB_OK)
        return rc;
    kb_meeting *m = NULL;
    rc = kb_meeting_get(s, meeting, &m, err);
    kb_meeting_free(m);
    long long id = 0;
    if (rc == KB_OK)
        rc = insert_action(s, meeting, in, actor, now, &id, err);
    if (rc == KB_OK)
        rc = kb_qaction_get(s, id, out, err);
    return kb_store_write_end(s, own, rc, err);
}

kb_status kb_qaction_update(kb_store *s, long long id, const kb_qaction_change *ch,
                            long long now, kb_qaction *out, kb_err *err)
{
    memset(out, 0, sizeof *out);
    kb_status rc = KB_OK;
    if (ch->state >= KB_QACTION_NSTATES)
        rc = kb_err_set(err, KB_EINVAL, "invalid state");
    if (rc == KB_OK && ch->owner)
        rc = text_field("owner", ch->owner, KB_MEETING_MAX_NAME, 0, 1, err);
    if (rc == KB_OK && ch->due)
        rc = day_field("due", ch->due, err);
    if (rc == KB_OK)
        rc = text_field("note", ch->note, KB_MEETING_MAX_TEXT, 1, 0, err);
    if (rc != KB_OK)
        return rc;
    int own;
    rc = kb_store_write_begin(s, &own, err);
    if (rc != KB_OK)
        return rc;
    kb_qaction a;
    rc = kb_qaction_get(s, id, &a, err);
    kb_buf sum;
    kb_buf_init(&sum, 0);
    if (rc == KB_OK) {
        if (ch->state >= 0 && (int)a.state != ch->state) {
            kb_buf_addf(&sum, "state %s→%s", state_names[a.state], state_names[ch->state]);
            if (finished(ch->state)) {
                a.finished_at = now;
                free(a.finished_by);
                a.finished_by = kb_xstrdup(who(ch->actor));
            } else {
                a.finished_at = 0;
                free(a.finished_by);
                a.finished_by = kb_xstrdup("");
            }
            a.state = (kb_qaction_state)ch->state;
        }
        if (ch->owner && strcmp(ch->owner, a.owner) != 0) {
            kb_buf_addf(&sum, "%sowner %s→%s", sum.len ? "; " : "", a.owner, ch->owner);
            free(a.owner);
            a.owner = kb_xstrdup(ch->owner);
        }
        if (ch->due && strcmp(ch->due, a.due) != 0) {
            kb_buf_addf(&sum, "%sdue %s→%s", sum.len ? "; " : "", a.due, ch->due);
            snprintf(a.due, sizeof a.due, "%s", ch->due);
        }
        if (ch->note && strcmp(ch->note, a.note) != 0) {
            kb_buf_addf(&sum, "%snote (%zu bytes)", sum.len ? "; " : "", strlen(ch->note));
            free(a.note);
            a.note = kb_xstrdup(ch->note);
        }
        if (!sum.len)
            kb_buf_adds(&sum, "no change");
        sqlite3_stmt *st = kb_store_cached(s, sql_action_set, err);
        if (!st)
            rc = KB_EDB;
        if (rc == KB_OK) {
            sqlite3_bind_int64(st, 1, id);
            kb_store_bind_text(st, 2, a.owner);
            kb_store_bind_text(st, 3, a.due);
            sqlite3_bind_int(st, 4, (int)a.state);
            kb_store_bind_text(st, 5, a.note);
            sqlite3_bind_int64(st, 6, now);
            sqlite3_bind_int64(st, 7, a.finished_at);
            kb_store_bind_text(st, 8, a.finished_by);
            rc = kb_store_step_done(s, st, "action update", err);
        }
        kb_qaction_free_fields(&a);
    }
    if (rc == KB_OK) {
        char object[40];
        snprintf(object, sizeof object, "qaction:%lld", id);
        rc = kb_audit_append(s, now, ch->actor, "qaction.update", object, kb_buf_str(&sum),
                             err);
    }
    kb_buf_free(&sum);
    if (rc == KB_OK)
        rc = kb_qaction_get(s, id, out, err);
    return kb_store_write_end(s, own, rc, err);
}

static void bind_qfilter(sqlite3_stmt *st, const void *arg, int page)
{
    (void)page;
    const kb_qaction_filter *f = arg;
    sqlite3_bind_int64(st, 1, f->states);
    kb_store_bind_opt(st, 2, f->owner);
    sqlite3_bind_int(st, 3, f->overdue ? 1 : 0);
    kb_store_bind_text_or_empty(st, 4, f->today);
    sqlite3_bind_int64(st, 7, f->live_to > f->live_from ? f->live_from : 0);
    sqlite3_bind_int64(st, 8, f->live_to);
}

static const kb_store_list qaction_list = {
    .count_sql = sql_qcount,
    .page_sql = sql_qpage,
    .limit_param = 5,
    .def_limit = 50,
    .max_limit = KB_MEETING_MAX_LIMIT,
    .bind = bind_qfilter,
    .row = action_row,
    .count_what = "action count",
    .page_what = "action list",
};

kb_status kb_qaction_list(kb_store *s, const kb_qaction_filter *f, kb_qaction **out, size_t *n,
                          long long *total, kb_err *err)
{
    *out = NULL;
    *n = 0;
    if (f->overdue && !kb_date_valid(f->today))
        return kb_err_set(err, KB_EINVAL, "field '%s' must be a day YYYY-MM-DD", "today");
    struct actions a = { NULL, 0 };
    kb_status rc = kb_store_list_page(s, &qaction_list, f, f->limit, f->offset, total, &a,
                                      err);
    if (rc != KB_OK) {
        kb_qactions_free(a.v, a.n);
        return rc;
    }
    *out = a.v;
    *n = a.n;
    return KB_OK;
}
