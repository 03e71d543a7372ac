/* Incidents in the database: schema (version 3) and every incident statement. The rules
 * come from kb/incident.c; each change loads the row, applies them in memory and writes
 * the row and the new timeline events inside one BEGIN IMMEDIATE transaction. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kb_alloc.h"
#include "kb_audit.h"
#include "kb_complaint.h"
#include "kb_buf.h"
#include "kb_doc.h"
#include "kb_group.h"
#include "kb_incident.h"
#include "kb_ingest.h"
#include "kb_notify.h"
#include "kb_phone.h"
#include "kb_section.h"
#include "kb_usage.h"
#include "store_int.h"

/* incident: one row per incident; status is the status name, priority 1..4, times are
 * epoch seconds (0 = not set). phone_norm is caller_phone in canonical form (kb_phone_norm;
 * before schema 14, without spaces and dashes).
 * incident_event: the timeline, in id order; nothing is ever updated or deleted there.
 * incident_link: related links given with a resolution (kind 'item' for a knowledge item
 * id, 'url' for an http(s) URL). */
static const char schema_v3[] =
    "CREATE TABLE IF NOT EXISTS incident("
    "  id INTEGER PRIMARY KEY,"
    "  number TEXT NOT NULL UNIQUE,"
    "  day INTEGER NOT NULL,"
    "  seq INTEGER NOT NULL,"
    "  status TEXT NOT NULL,"
    "  priority INTEGER NOT NULL,"
    "  impact INTEGER NOT NULL DEFAULT 0,"
    "  urgency INTEGER NOT NULL DEFAULT 0,"
    "  caller_name TEXT NOT NULL,"
    "  caller_phone TEXT NOT NULL,"
    "  phone_norm TEXT NOT NULL,"
    "  department TEXT NOT NULL,"
    "  location TEXT NOT NULL,"
    "  channel TEXT NOT NULL,"
    "  category TEXT NOT NULL,"
    "  ci TEXT NOT NULL,"
    "  summary TEXT NOT NULL,"
    "  description TEXT NOT NULL,"
    "  assignee TEXT NOT NULL DEFAULT '',"
    "  resolution TEXT NOT NULL DEFAULT '',"
    "  resolved_by TEXT NOT NULL DEFAULT '',"
    "  created_by TEXT NOT NULL,"
    "  created_at INTEGER NOT NULL,"
    "  updated_at INTEGER NOT NULL,"
    "  responded_at INTEGER NOT NULL DEFAULT 0,"
    "  resolved_at INTEGER NOT NULL DEFAULT 0,"
    "  closed_at INTEGER NOT NULL DEFAULT 0,"
    "  pending_since INTEGER NOT NULL DEFAULT 0,"
    "  paused_seconds INTEGER NOT NULL DEFAULT 0,"
    "  complaint INTEGER NOT NULL DEFAULT 0,"
    "  satisfaction INTEGER NOT NULL DEFAULT 0,"
    "  reopen_count INTEGER NOT NULL DEFAULT 0,"
    "  UNIQUE(day, seq));"
    "CREATE INDEX IF NOT EXISTS incident_by_created ON incident(created_at);"
    "CREATE INDEX IF NOT EXISTS incident_by_status ON incident(status);"
    "CREATE INDEX IF NOT EXISTS incident_by_phone ON incident(phone_norm);"
    "CREATE INDEX IF NOT EXISTS incident_by_assignee ON incident(assignee);"
    "CREATE TABLE IF NOT EXISTS incident_event("
    "  id INTEGER PRIMARY KEY,"
    "  incident INTEGER NOT NULL REFERENCES incident(id) ON DELETE CASCADE,"
    "  at INTEGER NOT NULL,"
    "  actor TEXT NOT NULL,"
    "  type TEXT NOT NULL,"
    "  from_value TEXT NOT NULL,"
    "  to_value TEXT NOT NULL,"
    "  note TEXT NOT NULL,"
    "  resolved_by TEXT NOT NULL DEFAULT '',"
    "  satisfaction INTEGER NOT NULL DEFAULT 0,"
    "  confirmed INTEGER NOT NULL DEFAULT 0,"
    "  complaint INTEGER NOT NULL DEFAULT 0);"
    "CREATE INDEX IF NOT EXISTS incident_event_by_incident ON incident_event(incident, id);"
    "CREATE TABLE IF NOT EXISTS incident_link("
    "  id INTEGER PRIMARY KEY,"
    "  incident INTEGER NOT NULL REFERENCES incident(id) ON DELETE CASCADE,"
    "  event INTEGER NOT NULL REFERENCES incident_event(id) ON DELETE CASCADE,"
    "  target TEXT NOT NULL,"
    "  kind TEXT NOT NULL);"
    "CREATE INDEX IF NOT EXISTS incident_link_by_incident ON incident_link(incident, id);"
    "CREATE INDEX IF NOT EXISTS incident_link_by_target ON incident_link(target);";

kb_status kb_store_incident_migrate(kb_store *s, kb_err *err)
{
    return kb_store_exec(s, schema_v3, err);
}

#define INC_COLS                                                                               \
    "id, number, status, priority, impact, urgency, caller_name, caller_phone, department, "  \
    "location, channel, category, ci, summary, description, assignee, resolution, "           \
    "resolved_by, created_by, created_at, updated_at, responded_at, resolved_at, closed_at, " \
    "pending_since, paused_seconds, complaint, satisfaction, reopen_count, "               \
    "created_on_behalf_of, grp, parent, time_spent"

#define LIST_WHERE                                                                             \
    " WHERE (?1 = '' OR instr(?1, ',' || status || ',') > 0)"                                 \
    " AND (?2 = 0 OR priority = ?2)"                                                           \
    " AND (?3 IS NULL OR assignee = ?3)"                                                       \
    " AND (?4 IS NULL OR category = ?4)"                                                       \
    " AND (?5 IS NULL OR instr(phone_norm, ?5) > 0)"                                           \
    " AND (?6 IS NULL OR summary LIKE ?6 ESCAPE '\\' OR description LIKE ?6 ESCAPE '\\'"      \
    "      OR number LIKE ?6 ESCAPE '\\' OR caller_name LIKE ?6 ESCAPE '\\'"                    \
    "      OR number IN (SELECT a.owner_id FROM attachment a JOIN blob b ON b.hash = a.hash"   \
    "                    WHERE a.owner_kind = 'incident' AND b.text LIKE ?6 ESCAPE '\\'))"    \
    " AND (?7 = 0 OR created_at >= ?7)"                                                        \
    " AND (?8 = 0 OR created_at < ?8)"                                                         \
    " AND (?9 < 0 OR complaint = ?9)"                                                          \
    " AND (?12 IS NULL OR grp = ?12)"                                                          \
    " AND (?13 IS NULL OR grp IN (SELECT g.name FROM support_group g JOIN group_member m"     \
    "      ON m.grp = g.id WHERE m.username = ?13))"                                          \
    " AND (?14 = 0 OR assignee = '')"                                                          \
    " AND (?15 IS NULL OR parent = ?15)"

/* Statements, cached by the store under their addresses. */
static const char sql_next_seq[] = "SELECT coalesce(max(seq), 0) + 1 FROM incident WHERE day = ?1";
static const char sql_insert[] =
    "INSERT INTO incident(number, day, seq, status, priority, impact, urgency, caller_name, "
    "caller_phone, phone_norm, department, location, channel, category, ci, summary, "
    "description, created_by, created_at, updated_at, created_on_behalf_of) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, "
    "?19, ?20, ?21)";
static const char sql_by_number[] = "SELECT " INC_COLS " FROM incident WHERE number = ?1";
static const char sql_update[] =
    "UPDATE incident SET status = ?2, priority = ?3, assignee = ?4, resolution = ?5, "
    "resolved_by = ?6, updated_at = ?7, responded_at = ?8, resolved_at = ?9, closed_at = ?10, "
    "pending_since = ?11, paused_seconds = ?12, complaint = ?13, satisfaction = ?14, "
    "reopen_count = ?15, grp = ?16, parent = ?17, time_spent = ?18, ci = ?19 WHERE id = ?1";
static const char sql_event_insert[] =
    "INSERT INTO incident_event(incident, at, actor, type, from_value, to_value, note, "
    "resolved_by, satisfaction, confirmed, complaint, on_behalf_of, minutes) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)";
static const char sql_events[] =
    "SELECT id, at, actor, type, from_value, to_value, note, resolved_by, satisfaction, "
    "confirmed, complaint, on_behalf_of, minutes FROM incident_event WHERE incident = ?1 "
    "ORDER BY id";
static const char sql_link_insert[] =
    "INSERT INTO incident_link(incident, event, target, kind) VALUES (?1, ?2, ?3, ?4)";
static const char sql_links[] =
    "SELECT event, target FROM incident_link WHERE incident = ?1 ORDER BY id";
static const char sql_item_type[] = "SELECT type FROM doc WHERE id = ?1";
/* the events that move an incident between statuses (kb_incident_set_pauses) */
static const char sql_moves[] =
    "SELECT at, to_value FROM incident_event WHERE incident = ?1 "
    "AND type IN ('status', 'resolution', 'followup', 'reopen') ORDER BY id";
static const char sql_list[] = "SELECT " INC_COLS " FROM incident" LIST_WHERE
                               " ORDER BY created_at DESC, id DESC LIMIT ?10 OFFSET ?11";
static const char sql_count[] = "SELECT count(*) FROM incident" LIST_WHERE;
static const char sql_open[] = "SELECT " INC_COLS " FROM incident WHERE status IN "
                               "('new', 'assigned', 'in_progress', 'pending')";
static const char sql_children[] = "SELECT number FROM incident WHERE parent = ?1 ORDER BY id "
                                   "LIMIT ?2";

typedef kb_status (*apply_fn)(kb_store *s, kb_incident *inc, const void *arg, long long now,
                              kb_err *err);

static void col_str(sqlite3_stmt *st, int i, char **slot)
{
    const char *v = (const char *)sqlite3_column_text(st, i);
    free(*slot);
    *slot = kb_xstrdup(v ? v : "");
}

/* A record from a row of INC_COLS. */
static kb_incident *load_row(sqlite3_stmt *st)
{
    kb_incident *inc = kb_incident_new();
    inc->rowid = sqlite3_column_int64(st, 0);
    col_str(st, 1, &inc->number);
    kb_inc_status status = KB_INC_NEW;
    kb_incident_status_parse((const char *)sqlite3_column_text(st, 2), &status, NULL);
    inc->status = status;
    inc->priority = sqlite3_column_int(st, 3);
    inc->impact = sqlite3_column_int(st, 4);
    inc->urgency = sqlite3_column_int(st, 5);
    char **strs[] = { &inc->caller_name, &inc->caller_phone, &inc->department, &inc->location,
                      &inc->channel, &inc->category, &inc->ci, &inc->summary,
                      &inc->description, &inc->assignee, &inc->resolution,
                      &inc->resolved_by, &inc->created_by };
    for (int i = 0; i < (int)(sizeof strs / sizeof strs[0]); i++)
        col_str(st, 6 + i, strs[i]);
    long long *times[] = { &inc->created_at, &inc->updated_at, &inc->responded_at,
                           &inc->resolved_at, &inc->closed_at, &inc->pending_since,
                           &inc->paused_seconds };
    for (int i = 0; i < (int)(sizeof times / sizeof times[0]); i++)
        *times[i] = sqlite3_column_int64(st, 19 + i);
    inc->complaint = sqlite3_column_int(st, 26);
    inc->satisfaction = sqlite3_column_int(st, 27);
    inc->reopen_count = sqlite3_column_int(st, 28);
    col_str(st, 29, &inc->created_on_behalf_of);
    col_str(st, 30, &inc->group);
    col_str(st, 31, &inc->parent);
    inc->time_spent = sqlite3_column_int64(st, 32);
    return inc;
}

/* The status moves of an incident's timeline, as kb_incident_set_pauses() takes them. */
struct moves {
    long long *at;
    kb_inc_status *to;
    size_t n;
};

static kb_status move_row(sqlite3_stmt *st, void *ctx, kb_err *err)
{
    (void)err;
    struct moves *m = ctx;
    kb_inc_status v;
    if (kb_incident_status_parse((const char *)sqlite3_column_text(st, 1), &v, NULL) != KB_OK)
        return KB_OK;
    m->at = kb_xrealloc(m->at, (m->n + 1) * sizeof *m->at);
    m->to = kb_xrealloc(m->to, (m->n + 1) * sizeof *m->to);
    m->at[m->n] = sqlite3_column_int64(st, 0);
    m->to[m->n++] = v;
    return KB_OK;
}

kb_status kb_store_incident_pauses(kb_store *s, kb_incident *inc, kb_err *err)
{
    if (inc->paused_seconds <= 0)
        return KB_OK; /* never off the clock */
    struct moves m = { NULL, NULL, 0 };
    kb_status r =
        kb_store_each_row(s, sql_moves, inc->rowid, move_row, &m, "incident timeline", err);
    if (r == KB_OK)
        kb_incident_set_pauses(inc, m.at, m.to, m.n);
    free(m.at);
    free(m.to);
    return r;
}

/* The row of number without timeline; KB_ENOTFOUND when there is none. */
static kb_status load_by_number(kb_store *s, const char *number, kb_incident **out,
                                kb_err *err)
{
    *out = NULL;
    sqlite3_stmt *st = kb_store_cached(s, sql_by_number, err);
    if (!st)
        return KB_EDB;
    kb_store_bind_text(st, 1, number);
    int rc = sqlite3_step(st);
    kb_status r = KB_OK;
    if (rc == SQLITE_ROW)
        *out = load_row(st);
    else if (rc == SQLITE_DONE)
        r = kb_err_set(err, KB_ENOTFOUND, "no incident '%s'", number);
    else
        r = kb_store_db_err(s, err, "incident");
    kb_store_done(st);
    if (r == KB_OK)
        r = kb_store_incident_pauses(s, *out, err);
    if (r != KB_OK) {
        kb_incident_free(*out);
        *out = NULL;
    }
    return r;
}

static void add_string(char ***v, size_t *n, const char *s)
{
    *v = kb_xrealloc(*v, (*n + 1) * sizeof **v);
    (*v)[(*n)++] = kb_xstrdup(s);
}

/* An incident being loaded with the row ids of its events, in order. */
struct timeline {
    kb_incident *inc;
    long long *ids;
};

static kb_status event_row(sqlite3_stmt *st, void *ctx, kb_err *err)
{
    (void)err;
    struct timeline *t = ctx;
    kb_incident *inc = t->inc;
    inc->events = kb_xrealloc(inc->events, (inc->nevents + 1) * sizeof *inc->events);
    t->ids = kb_xrealloc(t->ids, (inc->nevents + 1) * sizeof *t->ids);
    t->ids[inc->nevents] = sqlite3_column_int64(st, 0);
    kb_inc_event *e = &inc->events[inc->nevents++];
    memset(e, 0, sizeof *e);
    e->at = sqlite3_column_int64(st, 1);
    char **strs[] = { &e->actor, &e->type, &e->from, &e->to, &e->note, &e->resolved_by };
    for (int i = 0; i < 6; i++)
        col_str(st, 2 + i, strs[i]);
    e->satisfaction = sqlite3_column_int(st, 8);
    e->confirmed = sqlite3_column_int(st, 9);
    e->complaint = sqlite3_column_int(st, 10);
    col_str(st, 11, &e->on_behalf_of);
    e->minutes = sqlite3_column_int(st, 12);
    return KB_OK;
}

static kb_status link_row(sqlite3_stmt *st, void *ctx, kb_err *err)
{
    (void)err;
    struct timeline *t = ctx;
    kb_incident *inc = t->inc;
    long long ev = sqlite3_column_int64(st, 0);
    const char *target = (const char *)sqlite3_column_text(st, 1);
    if (!target)
        return KB_OK;
    for (size_t i = 0; i < inc->nevents; i++)
        if (t->ids[i] == ev)
            add_string(&inc->events[i].links, &inc->events[i].nlinks, target);
    int dup = 0;
    for (size_t i = 0; i < inc->nlinks && !dup; i++)
        dup = strcmp(inc->links[i], target) == 0;
    if (!dup)
        add_string(&inc->links, &inc->nlinks, target);
    return KB_OK;
}

/* Loads the timeline and the links of inc. */
static kb_status load_timeline(kb_store *s, kb_incident *inc, kb_err *err)
{
    struct timeline t = { inc, NULL };
    kb_status r =
        kb_store_each_row(s, sql_events, inc->rowid, event_row, &t, "incident timeline", err);
    if (r == KB_OK)
        r = kb_store_each_row(s, sql_links, inc->rowid, link_row, &t, "incident links", err);
    free(t.ids);
    return r;
}

static kb_status child_row(sqlite3_stmt *st, void *ctx, kb_err *err)
{
    (void)err;
    kb_incident *inc = ctx;
    const char *v = (const char *)sqlite3_column_text(st, 0);
    add_string(&inc->children, &inc->nchildren, v ? v : "");
    return KB_OK;
}

/* The numbers of the incidents of major incident inc (at most KB_INC_MAX_CHILDREN + 1). */
static kb_status load_children(kb_store *s, kb_incident *inc, kb_err *err)
{
    sqlite3_stmt *st = kb_store_cached(s, sql_children, err);
    if (!st)
        return KB_EDB;
    kb_store_bind_text(st, 1, inc->number);
    sqlite3_bind_int64(st, 2, (long long)KB_INC_MAX_CHILDREN + 1); /* one more tells "full" */
    return kb_store_rows(s, st, child_row, inc, "incident children", err);
}

kb_status kb_incident_get(kb_store *s, const char *number, kb_incident **out, kb_err *err)
{
    kb_status rc = load_by_number(s, number, out, err);
    if (rc == KB_OK)
        rc = load_timeline(s, *out, err);
    if (rc == KB_OK)
        rc = load_children(s, *out, err);
    if (rc != KB_OK) {
        kb_incident_free(*out);
        *out = NULL;
    }
    return rc;
}

/* Writes the changeable columns of inc. */
static kb_status write_row(kb_store *s, const kb_incident *inc, kb_err *err)
{
    sqlite3_stmt *st = kb_store_cached(s, sql_update, err);
    if (!st)
        return KB_EDB;
    sqlite3_bind_int64(st, 1, inc->rowid);
    kb_store_bind_text(st, 2, kb_incident_status_name(inc->status));
    sqlite3_bind_int(st, 3, inc->priority);
    kb_store_bind_text(st, 4, inc->assignee);
    kb_store_bind_text(st, 5, inc->resolution);
    kb_store_bind_text(st, 6, inc->resolved_by);
    const long long times[] = { inc->updated_at, inc->responded_at, inc->resolved_at,
                                inc->closed_at, inc->pending_since, inc->paused_seconds };
    for (int i = 0; i < 6; i++)
        sqlite3_bind_int64(st, 7 + i, times[i]);
    sqlite3_bind_int(st, 13, inc->complaint);
    sqlite3_bind_int(st, 14, inc->satisfaction);
    sqlite3_bind_int(st, 15, inc->reopen_count);
    kb_store_bind_text(st, 16, inc->group);
    kb_store_bind_text(st, 17, inc->parent);
    sqlite3_bind_int64(st, 18, inc->time_spent);
    kb_store_bind_text(st, 19, inc->ci);
    kb_status r = kb_store_step_err(s, sqlite3_step(st), err, "incident update");
    kb_store_done(st);
    return r;
}

static int is_url(const char *s)
{
    return (strncmp(s, "http://", 7) == 0 && s[7]) || (strncmp(s, "https://", 8) == 0 && s[8]);
}

/* Inserts the events of inc from index first on, with their links. */
static kb_status write_events(kb_store *s, const kb_incident *inc, size_t first, kb_err *err)
{
    kb_status r = KB_OK;
    for (size_t i = first; i < inc->nevents && r == KB_OK; i++) {
        const kb_inc_event *e = &inc->events[i];
        sqlite3_stmt *st = kb_store_cached(s, sql_event_insert, err);
        if (!st)
            return KB_EDB;
        sqlite3_bind_int64(st, 1, inc->rowid);
        sqlite3_bind_int64(st, 2, e->at);
        const char *strs[] = { e->actor, e->type, e->from, e->to, e->note, e->resolved_by };
        for (int k = 0; k < 6; k++)
            kb_store_bind_text(st, 3 + k, strs[k]);
        sqlite3_bind_int(st, 9, e->satisfaction);
        sqlite3_bind_int(st, 10, e->confirmed);
        sqlite3_bind_int(st, 11, e->complaint);
        kb_store_bind_text(st, 12, e->on_behalf_of);
        sqlite3_bind_int(st, 13, e->minutes);
        r = kb_store_step_err(s, sqlite3_step(st), err, "incident event");
        kb_store_done(st);
        long long ev = sqlite3_last_insert_rowid(kb_store_db(s));
        for (size_t k = 0; k < e->nlinks && r == KB_OK; k++) {
            st = kb_store_cached(s, sql_link_insert, err);
            if (!st)
                return KB_EDB;
            sqlite3_bind_int64(st, 1, inc->rowid);
            sqlite3_bind_int64(st, 2, ev);
            kb_store_bind_text(st, 3, e->links[k]);
            kb_store_bind_text(st, 4, is_url(e->links[k]) ? "url" : "item");
            r = kb_store_step_err(s, sqlite3_step(st), err, "incident link");
            kb_store_done(st);
        }
    }
    return r;
}

/* The type of knowledge item id into type (at least 32 bytes), "" when there is none. */
static kb_status item_type(kb_store *s, const char *id, char *type, size_t size, kb_err *err)
{
    type[0] = '\0';
    sqlite3_stmt *st = kb_store_cached(s, sql_item_type, err);
    if (!st)
        return KB_EDB;
    kb_store_bind_text(st, 1, id);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        const char *t = (const char *)sqlite3_column_text(st, 0);
        snprintf(type, size, "%s", t ? t : "");
    }
    kb_status r = kb_store_step_err(s, rc, err, "item");
    kb_store_done(st);
    return r;
}

/* The known error an incident counts for: set while it is resolved or closed by one. */
static const char *counted_for(const kb_incident *inc)
{
    return (inc->status == KB_INC_RESOLVED || inc->status == KB_INC_CLOSED) &&
                   inc->resolved_by[0]
               ? inc->resolved_by
               : NULL;
}

/* A closed incident becomes a ticket item, found by search and suggestions like the
 * tickets of the knowledge base: what was reported and how it was resolved. */
static kb_status put_ticket(kb_store *s, const kb_incident *inc, kb_err *err)
{
    char opened[32], closed[32], sat[8], prio[8];
    kb_incident_format_time(inc->created_at, opened, sizeof opened);
    kb_incident_format_time(inc->closed_at, closed, sizeof closed);
    snprintf(sat, sizeof sat, "%d", inc->satisfaction);
    snprintf(prio, sizeof prio, "P%d", inc->priority);
    kb_kv scalars[] = { { "status", "closed" },
                        { "updated", "" },
                        { "category", inc->category },
                        { "ci", inc->ci },
                        { "department", inc->department },
                        { "priority", prio },
                        { "opened", opened },
                        { "closed", closed },
                        { "resolved_by", inc->resolved_by },
                        { "satisfaction", inc->satisfaction ? sat : "" } };
    char day[11];
    snprintf(day, sizeof day, "%.10s", closed);
    scalars[1].value = day;
    /* the description is the ticket's symptom, its resolution the workaround */
    kb_kv sections[] = {
        { kb_section_heading(kb_section_by_key("symptom"), 1), inc->description },
        { kb_section_heading(kb_section_by_key("workaround"), 1), inc->resolution } };
    kb_compose c = { inc->number, KB_TYPE_TICKET, inc->summary, scalars,
                     sizeof scalars / sizeof scalars[0], NULL, 0, sections, 2 };
    kb_buf src;
    kb_buf_init(&src, 0);
    kb_ingest_compose(&c, &src);
    kb_doc *d = NULL;
    kb_status rc = kb_ingest_parse("", src.data, src.len, &d, NULL, err);
    if (rc == KB_OK)
        rc = kb_store_doc_put(s, d, err);
    kb_doc_free(d);
    kb_buf_free(&src);
    return rc;
}

/* Keeps what depends on an incident's state in step with it, in the same transaction:
 * the count of incidents each known error resolved, and the ticket item of a closed
 * incident (removed again when the incident is reopened). */
static kb_status follow_state(kb_store *s, const char *before_ke, int was_closed,
                              const kb_incident *inc, long long now, kb_err *err)
{
    const char *after_ke = counted_for(inc);
    kb_status rc = KB_OK;
    if (before_ke && (!after_ke || strcmp(before_ke, after_ke) != 0)) {
        rc = kb_usage_resolved(s, before_ke, -1, now, err);
        if (rc == KB_ENOTFOUND) /* the item was removed since: nothing to count */
            rc = KB_OK;
    }
    if (rc == KB_OK && after_ke && (!before_ke || strcmp(before_ke, after_ke) != 0)) {
        rc = kb_usage_resolved(s, after_ke, 1, now, err);
        if (rc == KB_ENOTFOUND)
            rc = KB_OK;
    }
    int is_closed = inc->status == KB_INC_CLOSED;
    if (rc == KB_OK && is_closed && !was_closed)
        rc = put_ticket(s, inc, err);
    if (rc == KB_OK && was_closed && !is_closed) {
        rc = kb_store_doc_delete(s, inc->number, err);
        if (rc == KB_ENOTFOUND)
            rc = KB_OK;
    }
    return rc;
}

/* --- audit trail --- */

/* What an audit summary compares: the fields of an incident before a change. */
typedef struct {
    kb_inc_status status;
    int priority;
    char *assignee;
    char *group;
    char *parent;
    char *ci;
    char *resolved_by;
} audit_before;

static void audit_pair(kb_buf *b, const char *name, const char *from, const char *to)
{
    if (strcmp(from, to) == 0)
        return;
    kb_buf_addf(b, "%s%s %s→%s", b->len ? "; " : "", name, *from ? from : "(none)",
                *to ? to : "(none)");
}

/* Appends the audit entry of a change: action, who (the actor of its events) and what
 * changed ("status new→assigned; assignee (none)→zhang; priority P3→P2"). */
static kb_status audit_change(kb_store *s, const char *action, const audit_before *was,
                              const kb_incident *inc, long long now, kb_err *err)
{
    kb_buf b;
    kb_buf_init(&b, 0);
    char from[8], to[8];
    snprintf(from, sizeof from, "P%d", was->priority);
    snprintf(to, sizeof to, "P%d", inc->priority);
    audit_pair(&b, "status", kb_incident_status_name(was->status),
               kb_incident_status_name(inc->status));
    audit_pair(&b, "assignee", was->assignee, inc->assignee);
    audit_pair(&b, "group", was->group, inc->group);
    audit_pair(&b, "parent", was->parent, inc->parent);
    audit_pair(&b, "ci", was->ci, inc->ci);
    audit_pair(&b, "priority", from, to);
    audit_pair(&b, "resolved_by", was->resolved_by, inc->resolved_by);
    for (size_t i = 0; i < inc->nevents; i++) {
        const kb_inc_event *e = &inc->events[i];
        if (strcmp(e->type, "followup") == 0) {
            kb_buf_addf(&b, "%s%s", b.len ? "; " : "", e->confirmed ? "confirmed"
                                                                     : "not confirmed");
            if (e->satisfaction)
                kb_buf_addf(&b, "; satisfaction %d", e->satisfaction);
            if (e->complaint)
                kb_buf_adds(&b, "; complaint");
        } else if (strcmp(e->type, "major") == 0) {
            kb_buf_addf(&b, "%swith major incident %s", b.len ? "; " : "", e->to);
        } else if (strcmp(e->type, "note") == 0 ||
                   (strcmp(e->type, "status") == 0 && e->note[0])) {
            kb_buf_addf(&b, "%snote added", b.len ? "; " : "");
            if (e->minutes)
                kb_buf_addf(&b, " (%d min)", e->minutes);
        }
    }
    char object[64];
    snprintf(object, sizeof object, "incident:%s", inc->number);
    const kb_inc_event *first = inc->nevents ? &inc->events[0] : NULL;
    if (first && first->on_behalf_of[0])
        kb_buf_addf(&b, "%son behalf of %s", b.len ? "; " : "", first->on_behalf_of);
    kb_status rc = kb_audit_append(s, now, first ? first->actor : NULL, action, object,
                                   kb_buf_str(&b), err);
    kb_buf_free(&b);
    return rc;
}

/* Loads number, applies fn and stores the result with its audit entry (action), all in
 * one write transaction. */
static kb_status change(kb_store *s, const char *number, apply_fn fn, const void *arg,
                        const char *action, long long now, kb_incident **out, kb_err *err)
{
    if (out)
        *out = NULL;
    int own;
    kb_status rc = kb_store_write_begin(s, &own, err);
    if (rc != KB_OK)
        return rc;
    kb_incident *inc = NULL;
    kb_incident *full = NULL;
    char *before_ke = NULL;
    int was_closed = 0;
    audit_before was = { KB_INC_NEW, 0, NULL, NULL, NULL, NULL, NULL };
    rc = load_by_number(s, number, &inc, err);
    if (rc == KB_OK) {
        const char *k = counted_for(inc);
        before_ke = k ? kb_xstrdup(k) : NULL;
        was_closed = inc->status == KB_INC_CLOSED;
        was.status = inc->status;
        was.priority = inc->priority;
        was.assignee = kb_xstrdup(inc->assignee);
        was.group = kb_xstrdup(inc->group);
        was.parent = kb_xstrdup(inc->parent);
        was.ci = kb_xstrdup(inc->ci);
        was.resolved_by = kb_xstrdup(inc->resolved_by);
        rc = fn(s, inc, arg, now, err);
    }
    if (rc == KB_OK && inc->nevents > 0) {
        rc = write_row(s, inc, err);
        if (rc == KB_OK)
            rc = write_events(s, inc, 0, err);
        if (rc == KB_OK)
            rc = follow_state(s, before_ke, was_closed, inc, now, err);
        if (rc == KB_OK)
            rc = audit_change(s, action, &was, inc, now, err);
        if (rc == KB_OK) /* its notifications, in the same transaction */
            rc = kb_notify_incident(s, inc, 0, now, err);
    }
    free(before_ke);
    free(was.assignee);
    free(was.group);
    free(was.parent);
    free(was.ci);
    free(was.resolved_by);
    if (rc == KB_OK && out)
        rc = kb_incident_get(s, number, &full, err);
    kb_incident_free(inc);
    rc = kb_store_write_end(s, own, rc, err);
    if (rc == KB_OK && out)
        *out = full;
    else
        kb_incident_free(full);
    return rc;
}

/* --- who works an incident, and what it may name --- */

/* KB_EDENIED unless user (an engineer) may work inc: it is assigned to them or to one of
 * their groups. NULL user: anyone may. */
static kb_status check_scope(kb_store *s, const kb_incident *inc, const char *user, kb_err *err)
{
    if (!user || (inc->assignee[0] && strcmp(inc->assignee, user) == 0))
        return KB_OK;
    int member = 0;
    kb_status rc = inc->group[0] ? kb_group_is_member(s, inc->group, user, &member, err)
                                 : KB_OK;
    if (rc == KB_OK && !member)
        rc = kb_err_set(err, KB_EDENIED, "incident %s is assigned neither to you nor to one of "
                        "your groups", inc->number);
    return rc;
}

kb_status kb_incident_check_scope(kb_store *s, const kb_incident *inc, const char *user,
                                  kb_err *err)
{
    return check_scope(s, inc, user, err);
}

/* The group *group names must exist; *group becomes its name as stored (group names are
 * unique in any ASCII case, and incidents keep the stored spelling for lists and renames). */
static kb_status check_group(kb_store *s, char **group, kb_err *err)
{
    kb_group *g = NULL;
    kb_status rc = kb_group_get(s, *group, &g, err);
    if (rc == KB_OK && strcmp(g->name, *group) != 0) {
        free(*group);
        *group = kb_xstrdup(g->name);
    }
    kb_group_free(g);
    if (rc == KB_ENOTFOUND)
        return kb_err_set(err, KB_EINVAL, "field 'group': no group '%.64s'", *group);
    return rc;
}

static kb_status check_assignee(kb_store *s, const char *user, const char *group, kb_err *err)
{
    kb_status rc = kb_group_check_user(s, "assignee", user, err);
    int member = 1;
    if (rc == KB_OK && *group)
        rc = kb_group_is_member(s, group, user, &member, err);
    if (rc == KB_OK && !member)
        rc = kb_err_set(err, KB_EINVAL, "field 'assignee': '%.64s' is not a member of group "
                        "'%.64s'", user, group);
    return rc;
}

static kb_status count_children(kb_store *s, const char *number, size_t *n, kb_err *err)
{
    kb_incident tmp = { .number = (char *)number };
    kb_status rc = load_children(s, &tmp, err);
    *n = tmp.nchildren;
    for (size_t i = 0; i < tmp.nchildren; i++)
        free(tmp.children[i]);
    free(tmp.children);
    return rc;
}

/* A major incident for inc: open, not part of another one; inc has none of its own. */
static kb_status check_parent(kb_store *s, const kb_incident *inc, kb_err *err)
{
    kb_incident *p = NULL;
    kb_status rc = kb_incident_number_valid(inc->parent) ? load_by_number(s, inc->parent, &p, err)
                                                          : KB_ENOTFOUND;
    size_t n = 0;
    if (rc == KB_ENOTFOUND)
        rc = kb_err_set(err, KB_EINVAL, "field 'parent': no incident '%.40s'", inc->parent);
    else if (rc == KB_OK && !kb_incident_status_open(p->status))
        rc = kb_err_set(err, KB_EEXIST, "field 'parent': %s is %s; link to an open incident",
                        p->number, kb_incident_status_name(p->status));
    else if (rc == KB_OK && p->parent[0])
        rc = kb_err_set(err, KB_EINVAL, "field 'parent': %s belongs to %s itself; link to %s",
                        p->number, p->parent, p->parent);
    if (rc == KB_OK)
        rc = count_children(s, p->number, &n, err);
    if (rc == KB_OK && n >= KB_INC_MAX_CHILDREN)
        rc = kb_err_set(err, KB_ECONFLICT, "%s has %u incidents already", p->number,
                        KB_INC_MAX_CHILDREN);
    if (rc == KB_OK)
        rc = count_children(s, inc->number, &n, err);
    if (rc == KB_OK && n > 0)
        rc = kb_err_set(err, KB_EINVAL, "field 'parent': %s has incidents of its own",
                        inc->number);
    kb_incident_free(p);
    return rc;
}

kb_status kb_incident_create(kb_store *s, const kb_inc_create *in, long long now,
                             kb_incident **out, kb_err *err)
{
    if (out)
        *out = NULL;
    /* no group given (nor an assignee, who is the agent's choice): the routing rules pick
     * one, before the write lock is taken */
    kb_inc_create routed = *in;
    char *group = NULL;
    kb_status rc = KB_OK;
    if (!in->group && !(in->assignee && *in->assignee)) {
        kb_group_route_input ri = { in->category, in->ci, in->location, in->summary,
                                    in->description };
        rc = kb_group_route(s, &ri, &group, err);
        routed.group = group;
    } else if (in->group && *in->group) {
        group = kb_xstrdup(in->group);
        routed.group = group;
    }
    int own = 0;
    if (rc == KB_OK)
        rc = kb_store_write_begin(s, &own, err);
    if (rc != KB_OK) {
        free(group);
        return rc;
    }
    if (group && *group) /* it exists (still), spelled as stored */
        rc = check_group(s, &group, err);
    routed.group = group;
    kb_incident *inc = kb_incident_new();
    if (rc == KB_OK)
        rc = kb_incident_apply_new(inc, &routed, now, err);
    if (rc == KB_OK && inc->assignee[0])
        rc = check_assignee(s, inc->assignee, inc->group, err);
    free(group);
    if (rc != KB_OK) {
        kb_incident_free(inc);
        return kb_store_write_end(s, own, rc, err);
    }
    /* The number is allocated inside the write transaction: writers are serialised, so
     * two creations never see the same last sequence number. */
    long long day = kb_incident_day(now);
    long long seq = 0;
    sqlite3_stmt *st = kb_store_cached(s, sql_next_seq, err);
    if (!st)
        rc = KB_EDB;
    if (rc == KB_OK) {
        sqlite3_bind_int64(st, 1, day);
        int r = sqlite3_step(st);
        if (r == SQLITE_ROW)
            seq = sqlite3_column_int64(st, 0);
        rc = kb_store_step_err(s, r, err, "incident number");
        kb_store_done(st);
    }
    char number[40];
    kb_incident_format_number(now, seq, number, sizeof number);
    char phone[KB_PHONE_NORM_MAX];
    kb_phone_norm(inc->caller_phone, phone);
    if (rc == KB_OK) {
        st = kb_store_cached(s, sql_insert, err);
        if (!st)
            rc = KB_EDB;
    }
    if (rc == KB_OK) {
        kb_store_bind_text(st, 1, number);
        sqlite3_bind_int64(st, 2, day);
        sqlite3_bind_int64(st, 3, seq);
        kb_store_bind_text(st, 4, kb_incident_status_name(inc->status));
        sqlite3_bind_int(st, 5, inc->priority);
        sqlite3_bind_int(st, 6, inc->impact);
        sqlite3_bind_int(st, 7, inc->urgency);
        kb_store_bind_text(st, 8, inc->caller_name);
        kb_store_bind_text(st, 9, inc->caller_phone);
        kb_store_bind_text(st, 10, phone);
        const char *strs[] = { inc->department, inc->location, inc->channel, inc->category,
                               inc->ci, inc->summary, inc->description, inc->created_by };
        for (int i = 0; i < 8; i++)
            kb_store_bind_text(st, 11 + i, strs[i]);
        sqlite3_bind_int64(st, 19, inc->created_at);
        sqlite3_bind_int64(st, 20, inc->updated_at);
        kb_store_bind_text(st, 21, inc->created_on_behalf_of);
        rc = kb_store_step_err(s, sqlite3_step(st), err, "incident insert");
        kb_store_done(st);
        inc->rowid = sqlite3_last_insert_rowid(kb_store_db(s));
    }
    if (rc == KB_OK) /* what creation may set besides: group, assignee, the response */
        rc = write_row(s, inc, err);
    if (rc == KB_OK)
        rc = write_events(s, inc, 0, err);
    if (rc == KB_OK) {
        free(inc->number);
        inc->number = kb_xstrdup(number);
        rc = kb_notify_incident(s, inc, 1, now, err);
    }
    if (rc == KB_OK) {
        kb_buf b;
        kb_buf_init(&b, 0);
        kb_buf_addf(&b, "status %s; priority P%d; category %s; channel %s; summary %s",
                    kb_incident_status_name(inc->status), inc->priority, inc->category,
                    inc->channel, inc->summary);
        if (inc->group[0])
            kb_buf_addf(&b, "; group %s", inc->group);
        if (inc->assignee[0])
            kb_buf_addf(&b, "; assignee %s", inc->assignee);
        if (inc->created_on_behalf_of[0])
            kb_buf_addf(&b, "; on behalf of %s", inc->created_on_behalf_of);
        char object[64];
        snprintf(object, sizeof object, "incident:%s", number);
        rc = kb_audit_append(s, now, inc->created_by, "incident.create", object,
                             kb_buf_str(&b), err);
        kb_buf_free(&b);
    }
    kb_incident *full = NULL;
    if (rc == KB_OK && out)
        rc = kb_incident_get(s, number, &full, err);
    kb_incident_free(inc);
    rc = kb_store_write_end(s, own, rc, err);
    if (rc == KB_OK && out)
        *out = full;
    else
        kb_incident_free(full);
    return rc;
}

static kb_status do_update(kb_store *s, kb_incident *inc, const void *arg, long long now,
                           kb_err *err)
{
    const kb_inc_update *u = arg;
    kb_status rc = check_scope(s, inc, u->scope_user, err);
    /* the desk sets priorities and links calls to a major incident */
    if (rc == KB_OK && u->scope_user && u->priority)
        rc = kb_err_set(err, KB_EDENIED, "the service desk changes the priority; an engineer "
                        "may not");
    else if (rc == KB_OK && u->scope_user && u->parent)
        rc = kb_err_set(err, KB_EDENIED, "the service desk changes the major incident; an "
                        "engineer may not");
    char *group = kb_xstrdup(inc->group), *assignee = kb_xstrdup(inc->assignee);
    char *parent = kb_xstrdup(inc->parent);
    /* the group as stored, before the rules compare it with the incident's */
    kb_inc_update v = *u;
    char *named = v.group && *v.group ? kb_xstrdup(v.group) : NULL;
    if (rc == KB_OK && named)
        rc = check_group(s, &named, err);
    if (named)
        v.group = named;
    if (rc == KB_OK)
        rc = kb_incident_apply_update(inc, &v, now, err);
    free(named);
    if (rc == KB_OK && inc->assignee[0] &&
        (strcmp(inc->assignee, assignee) != 0 || strcmp(inc->group, group) != 0))
        rc = check_assignee(s, inc->assignee, inc->group, err);
    if (rc == KB_OK && inc->parent[0] && strcmp(inc->parent, parent) != 0)
        rc = check_parent(s, inc, err);
    free(group);
    free(assignee);
    free(parent);
    return rc;
}

kb_status kb_incident_update(kb_store *s, const char *number, const kb_inc_update *u,
                             long long now, kb_incident **out, kb_err *err)
{
    return change(s, number, do_update, u, "incident.update", now, out, err);
}

static kb_status do_resolve(kb_store *s, kb_incident *inc, const void *arg, long long now,
                            kb_err *err)
{
    const kb_inc_resolve *r = arg;
    kb_status rc = check_scope(s, inc, r->scope_user, err);
    if (rc == KB_OK)
        rc = kb_incident_apply_resolve(inc, r, now, err);
    char type[32];
    if (rc == KB_OK && r->resolved_by && *r->resolved_by) {
        rc = item_type(s, r->resolved_by, type, sizeof type, err);
        if (rc == KB_OK && !type[0])
            rc = kb_err_set(err, KB_EINVAL, "resolved_by: no known error or article with id "
                            "'%.64s'", r->resolved_by);
        if (rc == KB_OK && strcmp(type, KB_TYPE_KNOWN_ERROR) != 0 &&
            strcmp(type, KB_TYPE_ARTICLE) != 0)
            rc = kb_err_set(err, KB_EINVAL, "resolved_by: '%.64s' is a %s, not a known error "
                            "or article", r->resolved_by, type);
    }
    for (size_t i = 0; rc == KB_OK && i < r->nlinks; i++) {
        if (is_url(r->links[i]))
            continue;
        rc = item_type(s, r->links[i], type, sizeof type, err);
        if (rc == KB_OK && !type[0])
            rc = kb_err_set(err, KB_EINVAL, "links[%zu]: no knowledge item with id '%.64s' "
                            "(give an item id or an http(s) URL)", i, r->links[i]);
    }
    return rc;
}

kb_status kb_incident_resolve(kb_store *s, const char *number, const kb_inc_resolve *r,
                              long long now, kb_incident **out, kb_err *err)
{
    if (out)
        *out = NULL;
    int own;
    kb_status rc = kb_store_write_begin(s, &own, err);
    if (rc != KB_OK)
        return rc;
    rc = change(s, number, do_resolve, r, "incident.resolve", now, NULL, err);
    /* a major incident's resolution resolves its open incidents */
    kb_incident *full = NULL;
    if (rc == KB_OK)
        rc = kb_incident_get(s, number, &full, err);
    /* the major incident's resolution is theirs, whoever resolves it (an agent linked them
     * to it); each records with which major incident it was resolved */
    kb_inc_resolve child = *r;
    child.scope_user = NULL;
    child.major = number;
    for (size_t i = 0; rc == KB_OK && i < full->nchildren; i++) {
        kb_incident *c = NULL;
        rc = load_by_number(s, full->children[i], &c, err);
        if (rc == KB_OK && kb_incident_status_open(c->status))
            rc = change(s, full->children[i], do_resolve, &child, "incident.resolve", now, NULL,
                        err);
        kb_incident_free(c);
    }
    rc = kb_store_write_end(s, own, rc, err);
    if (rc == KB_OK && out)
        *out = full;
    else
        kb_incident_free(full);
    return rc;
}

/* A follow-up with the complaint flag raises a complaint record in the same transaction
 * (kb_complaint_from_followup: once while the incident has one not closed). */
static kb_status do_followup(kb_store *s, kb_incident *inc, const void *arg, long long now,
                             kb_err *err)
{
    const kb_inc_followup *f = arg;
    kb_status rc = kb_incident_apply_followup(inc, f, now, err);
    if (rc == KB_OK && f->complaint)
        rc = kb_complaint_from_followup(s, inc, f->comment, f->actor, now, NULL, err);
    return rc;
}

kb_status kb_incident_followup(kb_store *s, const char *number, const kb_inc_followup *f,
                               long long now, kb_incident **out, kb_err *err)
{
    return change(s, number, do_followup, f, "incident.followup", now, out, err);
}

typedef struct {
    const char *actor;
    const char *on_behalf_of;
    const char *reason;
} reopen_arg;

/* True when inc's last change of state was its resolution with major incident `major`. */
static int resolved_by_major(const kb_incident *inc, const char *major)
{
    static const char *const changes[] = { "status", "resolution", "major", "followup",
                                           "reopen", NULL };
    for (size_t i = inc->nevents; i-- > 0;) {
        const kb_inc_event *e = &inc->events[i];
        for (size_t k = 0; changes[k]; k++)
            if (strcmp(e->type, changes[k]) == 0)
                return strcmp(e->type, "major") == 0 && strcmp(e->to, major) == 0;
    }
    return 0;
}

static kb_status do_reopen(kb_store *s, kb_incident *inc, const void *arg, long long now,
                           kb_err *err)
{
    (void)s;
    const reopen_arg *a = arg;
    return kb_incident_apply_reopen(inc, a->actor, a->on_behalf_of, a->reason, now, err);
}

kb_status kb_incident_reopen(kb_store *s, const char *number, const char *actor,
                             const char *on_behalf_of, const char *reason, long long now,
                             kb_incident **out, kb_err *err)
{
    if (out)
        *out = NULL;
    int own;
    kb_status rc = kb_store_write_begin(s, &own, err);
    if (rc != KB_OK)
        return rc;
    reopen_arg a = { actor, on_behalf_of, reason };
    rc = change(s, number, do_reopen, &a, "incident.reopen", now, NULL, err);
    kb_incident *full = NULL;
    if (rc == KB_OK)
        rc = kb_incident_get(s, number, &full, err);
    /* a major incident reopened: its incidents that its resolution resolved, and that nobody
     * has touched since, are open again with it (a child closed after its own follow-up, or
     * reopened and resolved on its own, keeps its state) */
    for (size_t i = 0; rc == KB_OK && i < full->nchildren; i++) {
        kb_incident *c = NULL;
        rc = kb_incident_get(s, full->children[i], &c, err);
        if (rc == KB_OK && c->status == KB_INC_RESOLVED && resolved_by_major(c, number))
            rc = change(s, full->children[i], do_reopen, &a, "incident.reopen", now, NULL, err);
        kb_incident_free(c);
    }
    rc = kb_store_write_end(s, own, rc, err);
    if (rc == KB_OK && out)
        *out = full;
    else
        kb_incident_free(full);
    return rc;
}

/* --- lists --- */

void kb_incident_list_free(kb_inc_list *l)
{
    if (!l)
        return;
    for (size_t i = 0; i < l->n; i++)
        kb_incident_free(l->items[i]);
    free(l->items);
    free(l);
}

static void list_add(kb_inc_list *l, kb_incident *inc)
{
    l->items = kb_xrealloc(l->items, (l->n + 1) * sizeof *l->items);
    l->items[l->n++] = inc;
}

static size_t page_limit(size_t limit)
{
    if (limit == 0)
        return 20;
    return limit > KB_INC_MAX_LIMIT ? KB_INC_MAX_LIMIT : limit;
}

/* Binds the filter parameters ?1..?9 and ?12..?15 of LIST_WHERE. */
static void bind_filter(sqlite3_stmt *st, const kb_inc_filter *f, const char *statuses,
                        const char *phone, const char *like)
{
    kb_store_bind_text(st, 1, statuses);
    sqlite3_bind_int(st, 2, f->priority);
    const char *opt[] = { f->assignee, f->category, phone, like };
    for (int i = 0; i < 4; i++)
        if (opt[i] && *opt[i])
            kb_store_bind_text(st, 3 + i, opt[i]);
    sqlite3_bind_int64(st, 7, f->from);
    sqlite3_bind_int64(st, 8, f->to);
    sqlite3_bind_int(st, 9, f->complaint);
    const char *more[] = { f->group, f->member_of };
    for (int i = 0; i < 2; i++)
        if (more[i] && *more[i])
            kb_store_bind_text(st, 12 + i, more[i]);
    sqlite3_bind_int(st, 14, f->unassigned);
    if (f->parent && *f->parent)
        kb_store_bind_text(st, 15, f->parent);
}

kb_status kb_incident_list(kb_store *s, const kb_inc_filter *f, kb_inc_list **out,
                           kb_err *err)
{
    *out = NULL;
    kb_buf statuses;
    kb_buf like;
    kb_buf_init(&statuses, 0);
    kb_buf_init(&like, 0);
    if (f->status_mask) {
        kb_buf_addc(&statuses, ',');
        for (int i = 0; i < KB_INC_NSTATUS; i++)
            if (f->status_mask & (1u << i))
                kb_buf_addf(&statuses, "%s,", kb_incident_status_name((kb_inc_status)i));
    }
    if (f->q && *f->q) {
        kb_buf_addc(&like, '%');
        for (const char *p = f->q; *p; p++) {
            if (*p == '%' || *p == '_' || *p == '\\')
                kb_buf_addc(&like, '\\');
            kb_buf_addc(&like, *p);
        }
        kb_buf_addc(&like, '%');
    }
    /* a phone filter that is not (part of) a number matches nothing: "\x01" is in no
     * canonical form */
    char phone[KB_PHONE_NORM_MAX] = "";
    if (f->phone && *f->phone && !kb_phone_query(f->phone, phone))
        memcpy(phone, "\x01", 2);
    kb_inc_list *l = kb_xcalloc(1, sizeof *l);
    kb_status rc = KB_OK;
    sqlite3_stmt *st = kb_store_cached(s, sql_count, err);
    if (!st)
        rc = KB_EDB;
    if (rc == KB_OK) {
        bind_filter(st, f, kb_buf_str(&statuses), phone, like.len ? kb_buf_str(&like) : NULL);
        int r = sqlite3_step(st);
        if (r == SQLITE_ROW)
            l->total = sqlite3_column_int64(st, 0);
        rc = kb_store_step_err(s, r, err, "incident count");
        kb_store_done(st);
    }
    if (rc == KB_OK && l->total > 0) {
        st = kb_store_cached(s, sql_list, err);
        if (!st)
            rc = KB_EDB;
    }
    if (rc == KB_OK && l->total > 0) {
        bind_filter(st, f, kb_buf_str(&statuses), phone, like.len ? kb_buf_str(&like) : NULL);
        sqlite3_bind_int64(st, 10, (sqlite3_int64)page_limit(f->limit));
        sqlite3_bind_int64(st, 11, (sqlite3_int64)f->offset);
        int r;
        while ((r = sqlite3_step(st)) == SQLITE_ROW)
            list_add(l, load_row(st));
        rc = kb_store_step_err(s, r, err, "incident list");
        kb_store_done(st);
    }
    for (size_t i = 0; rc == KB_OK && i < l->n; i++)
        rc = kb_store_incident_pauses(s, l->items[i], err);
    kb_buf_free(&statuses);
    kb_buf_free(&like);
    if (rc != KB_OK) {
        kb_incident_list_free(l);
        return rc;
    }
    *out = l;
    return KB_OK;
}

typedef struct {
    kb_incident *inc;
    long long due;
} risk_item;

static int risk_cmp(const void *a, const void *b)
{
    const risk_item *x = a;
    const risk_item *y = b;
    if (x->due != y->due)
        return x->due < y->due ? -1 : 1;
    return strcmp(x->inc->number, y->inc->number);
}

kb_status kb_incident_at_risk(kb_store *s, const kb_incident_sla *sla, long long now,
                              long long within, size_t limit, size_t offset,
                              kb_inc_list **out, kb_err *err)
{
    *out = NULL;
    sqlite3_stmt *st = kb_store_cached(s, sql_open, err);
    if (!st)
        return KB_EDB;
    risk_item *items = NULL;
    size_t n = 0;
    int r = SQLITE_DONE;
    kb_status rc = KB_OK;
    while (rc == KB_OK && (r = sqlite3_step(st)) == SQLITE_ROW) {
        kb_incident *inc = load_row(st);
        long long due = 0;
        rc = kb_store_incident_pauses(s, inc, err);
        if (rc != KB_OK || !kb_incident_at_risk_due(inc, sla, now, within, &due)) {
            kb_incident_free(inc);
            continue;
        }
        items = kb_xrealloc(items, (n + 1) * sizeof *items);
        items[n].inc = inc;
        items[n].due = due;
        n++;
    }
    if (rc == KB_OK)
        rc = kb_store_step_err(s, r, err, "incidents at risk");
    kb_store_done(st);
    if (n > 1)
        qsort(items, n, sizeof *items, risk_cmp);
    kb_inc_list *l = kb_xcalloc(1, sizeof *l);
    l->total = (long long)n;
    size_t lim = page_limit(limit);
    for (size_t i = 0; i < n; i++) {
        if (rc == KB_OK && i >= offset && l->n < lim)
            list_add(l, items[i].inc);
        else
            kb_incident_free(items[i].inc);
    }
    free(items);
    if (rc != KB_OK) {
        kb_incident_list_free(l);
        return rc;
    }
    *out = l;
    return KB_OK;
}

/* --- incidents as listed with a caller or an asset --- */

void kb_incident_briefs_free(kb_incident_brief *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(v[i].number);
        free(v[i].status);
        free(v[i].summary);
        free(v[i].caller_name);
        free(v[i].caller_phone);
    }
    free(v);
}

struct briefs {
    kb_incident_brief **out;
    size_t *n;
};

static kb_status brief_row(sqlite3_stmt *st, void *ctx, kb_err *err)
{
    (void)err;
    struct briefs *b = ctx;
    *b->out = kb_xrealloc(*b->out, (*b->n + 1) * sizeof **b->out);
    kb_incident_brief *i = &(*b->out)[(*b->n)++];
    i->number = kb_store_text(st, 0);
    i->status = kb_store_text(st, 1);
    i->priority = sqlite3_column_int(st, 2);
    i->summary = kb_store_text(st, 3);
    i->caller_name = kb_store_text(st, 4);
    i->caller_phone = kb_store_text(st, 5);
    i->created_at = sqlite3_column_int64(st, 6);
    i->resolved_at = sqlite3_column_int64(st, 7);
    return KB_OK;
}

kb_status kb_store_incident_briefs(kb_store *s, sqlite3_stmt *st, kb_incident_brief **out,
                                   size_t *n, kb_err *err)
{
    struct briefs b = { out, n };
    return kb_store_rows(s, st, brief_row, &b, "incidents", err);
}
