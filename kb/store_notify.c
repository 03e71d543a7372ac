/* Notifications in the database: schema (versions 13 and 18), channels, templates, users'
 * e-mail choices, the outbox with its attempts and pruning, the events of incidents,
 * document requests and reviews, and the marks of the sweep. See include/kb_notify.h. */
#include "kb_notify.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "kb_alloc.h"
#include "kb_audit.h"
#include "kb_buf.h"
#include "kb_calendar.h"
#include "kb_complaint.h"
#include "kb_date.h"
#include "kb_group.h"
#include "kb_hash.h"
#include "kb_maint.h"
#include "kb_setting.h"
#include "kb_tz.h"
#include "kb_user.h"
#include "kb_version.h"
#include "store_int.h"

/* notify_channel: the channels; events and mail_to are lists (comma- and line-separated),
 * so that a new event never renumbers stored choices. notify_outbox: one row per (event,
 * channel[, user's address]); next_at and delivered_at are epoch milliseconds of the
 * delivery clock, created_at epoch seconds of the desk's clock. notify_attempt: every
 * attempt. notify_template: templates an admin set (the defaults live in kb/notify.c).
 * notify_user: each user's address and events. notify_mark: the sweep's thresholds already
 * notified, one row per (object, what): an incident's "response_75", an item's
 * "review:2026-12-03" (version 18 renamed its column incident to object). */
static const char schema_v13[] =
    "CREATE TABLE IF NOT EXISTS notify_channel("
    "  id INTEGER PRIMARY KEY,"
    "  name TEXT NOT NULL UNIQUE COLLATE NOCASE,"
    "  kind TEXT NOT NULL,"
    "  url TEXT NOT NULL DEFAULT '',"
    "  secret TEXT NOT NULL DEFAULT '',"
    "  host TEXT NOT NULL DEFAULT '',"
    "  port INTEGER NOT NULL DEFAULT 25,"
    "  starttls TEXT NOT NULL DEFAULT 'optional',"
    "  username TEXT NOT NULL DEFAULT '',"
    "  password TEXT NOT NULL DEFAULT '',"
    "  mail_from TEXT NOT NULL DEFAULT '',"
    "  mail_to TEXT NOT NULL DEFAULT '',"
    "  events TEXT NOT NULL,"
    "  grp TEXT NOT NULL DEFAULT '',"
    "  enabled INTEGER NOT NULL DEFAULT 1,"
    "  created_at INTEGER NOT NULL,"
    "  updated_at INTEGER NOT NULL);"
    "CREATE TABLE IF NOT EXISTS notify_outbox("
    "  id INTEGER PRIMARY KEY,"
    "  uid TEXT NOT NULL UNIQUE,"
    "  channel INTEGER NOT NULL,"
    "  event TEXT NOT NULL,"
    "  object TEXT NOT NULL,"
    "  rcpt TEXT NOT NULL DEFAULT '',"
    "  title TEXT NOT NULL,"
    "  body TEXT NOT NULL,"
    "  state TEXT NOT NULL DEFAULT 'pending',"
    "  attempts INTEGER NOT NULL DEFAULT 0,"
    "  next_at INTEGER NOT NULL DEFAULT 0,"
    "  created_at INTEGER NOT NULL,"
    "  delivered_at INTEGER NOT NULL DEFAULT 0);"
    "CREATE INDEX IF NOT EXISTS notify_outbox_due ON notify_outbox(state, next_at);"
    "CREATE TABLE IF NOT EXISTS notify_attempt("
    "  id INTEGER PRIMARY KEY,"
    "  msg INTEGER NOT NULL REFERENCES notify_outbox(id) ON DELETE CASCADE,"
    "  at INTEGER NOT NULL,"
    "  ok INTEGER NOT NULL,"
    "  code INTEGER NOT NULL,"
    "  detail TEXT NOT NULL);"
    "CREATE INDEX IF NOT EXISTS notify_attempt_by_msg ON notify_attempt(msg, id);"
    "CREATE TABLE IF NOT EXISTS notify_template("
    "  event TEXT PRIMARY KEY,"
    "  title TEXT NOT NULL,"
    "  body TEXT NOT NULL,"
    "  updated_at INTEGER NOT NULL);"
    "CREATE TABLE IF NOT EXISTS notify_user("
    "  username TEXT PRIMARY KEY COLLATE NOCASE,"
    "  email TEXT NOT NULL,"
    "  events TEXT NOT NULL,"
    "  updated_at INTEGER NOT NULL);"
    "CREATE TABLE IF NOT EXISTS notify_mark("
    "  incident TEXT NOT NULL,"
    "  what TEXT NOT NULL,"
    "  PRIMARY KEY(incident, what));";

kb_status kb_notify_migrate(kb_store *s, kb_err *err)
{
    return kb_store_exec(s, schema_v13, err);
}

/* The marks name any object (an item's review too); the prune finds old rows by time. A
 * column renamed already (a database put back to an older version number by hand) stays. */
kb_status kb_notify_migrate_marks(kb_store *s, kb_err *err)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(kb_store_db(s), "SELECT 1 FROM pragma_table_info('notify_mark') "
                           "WHERE name = 'incident'", -1, &st, NULL) != SQLITE_OK)
        return kb_store_db_err(s, err, "notification marks");
    int old = sqlite3_step(st) == SQLITE_ROW;
    sqlite3_finalize(st);
    kb_status rc = old ? kb_store_exec(s, "ALTER TABLE notify_mark RENAME COLUMN incident TO "
                                       "object", err)
                       : KB_OK;
    if (rc == KB_OK)
        rc = kb_store_exec(s, "CREATE INDEX IF NOT EXISTS notify_outbox_created ON "
                           "notify_outbox(created_at)", err);
    return rc;
}

#define CH_COLS                                                                              \
    "id, name, kind, url, secret, host, port, starttls, username, password, mail_from, "    \
    "mail_to, events, grp, enabled, created_at, updated_at"
static const char sql_ch_get[] = "SELECT " CH_COLS " FROM notify_channel WHERE id = ?1";
static const char sql_ch_list[] = "SELECT " CH_COLS " FROM notify_channel ORDER BY id";
static const char sql_ch_count[] = "SELECT count(*) FROM notify_channel";
static const char sql_ch_name[] = "SELECT id FROM notify_channel WHERE name = ?1";
static const char sql_ch_insert[] =
    "INSERT INTO notify_channel(name, kind, url, secret, host, port, starttls, username, "
    "password, mail_from, mail_to, events, grp, enabled, created_at, updated_at) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?15)";
static const char sql_ch_update[] =
    "UPDATE notify_channel SET name = ?1, kind = ?2, url = ?3, secret = ?4, host = ?5, "
    "port = ?6, starttls = ?7, username = ?8, password = ?9, mail_from = ?10, mail_to = ?11, "
    "events = ?12, grp = ?13, enabled = ?14, updated_at = ?15 WHERE id = ?16";
static const char sql_ch_delete[] = "DELETE FROM notify_channel WHERE id = ?1";
static const char sql_ch_orphan[] =
    "UPDATE notify_outbox SET state = 'failed' WHERE channel = ?1 AND state = 'pending'";
static const char sql_ch_targets[] =
    "SELECT id, kind, events, grp FROM notify_channel WHERE enabled = 1 ORDER BY id";
static const char sql_tpl_get[] = "SELECT title, body FROM notify_template WHERE event = ?1";
static const char sql_tpl_set[] =
    "INSERT INTO notify_template(event, title, body, updated_at) VALUES (?1, ?2, ?3, ?4) "
    "ON CONFLICT(event) DO UPDATE SET title = ?2, body = ?3, updated_at = ?4";
static const char sql_tpl_reset[] = "DELETE FROM notify_template WHERE event = ?1";
static const char sql_user_get[] = "SELECT email, events FROM notify_user WHERE username = ?1";
static const char sql_user_set[] =
    "INSERT INTO notify_user(username, email, events, updated_at) VALUES (?1, ?2, ?3, ?4) "
    "ON CONFLICT(username) DO UPDATE SET email = ?2, events = ?3, updated_at = ?4";
static const char sql_msg_insert[] =
    "INSERT INTO notify_outbox(uid, channel, event, object, rcpt, title, body, created_at) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";
#define MSG_COLS                                                                             \
    "id, uid, channel, event, object, rcpt, title, body, state, attempts, next_at, "         \
    "created_at, delivered_at"
static const char sql_msg_due[] = "SELECT " MSG_COLS " FROM notify_outbox WHERE state = "
                                  "'pending' AND next_at <= ?1 ORDER BY id LIMIT ?2";
static const char sql_msg_list[] =
    "SELECT " MSG_COLS " FROM notify_outbox WHERE (?1 IS NULL OR state = ?1) "
    "AND (?3 = 0 OR channel = ?3) ORDER BY id DESC LIMIT ?2";
/* what the prune deletes: finished rows (never pending ones) created before ?1 */
#define PRUNED "state IN ('delivered', 'failed') AND created_at < ?1"
static const char sql_prune_att[] =
    "DELETE FROM notify_attempt WHERE msg IN (SELECT id FROM notify_outbox WHERE " PRUNED ")";
static const char sql_prune_msg[] = "DELETE FROM notify_outbox WHERE " PRUNED;
static const char sql_msg_move[] =
    "UPDATE notify_outbox SET attempts = attempts + 1, state = ?2, next_at = ?3, "
    "delivered_at = ?4 WHERE id = ?1 AND state = 'pending'";
static const char sql_att_insert[] =
    "INSERT INTO notify_attempt(msg, at, ok, code, detail) VALUES (?1, ?2, ?3, ?4, ?5)";
static const char sql_att_list[] =
    "SELECT at, ok, code, detail FROM notify_attempt WHERE msg = ?1 ORDER BY id";
static const char sql_mark_has[] = "SELECT 1 FROM notify_mark WHERE object = ?1 AND what = ?2";
static const char sql_mark_add[] =
    "INSERT OR IGNORE INTO notify_mark(object, what) VALUES (?1, ?2)";

/* Set by the server at start and again on a reload (SIGHUP) while the delivery thread
 * reads it: guarded by config_mu. */
static pthread_mutex_t config_mu = PTHREAD_MUTEX_INITIALIZER;
static kb_incident_sla config_sla;
static int config_set;

void kb_notify_configure(const kb_incident_sla *sla)
{
    pthread_mutex_lock(&config_mu);
    config_sla = *sla;
    config_set = 1;
    pthread_mutex_unlock(&config_mu);
}

static kb_incident_sla sla_config(void)
{
    pthread_mutex_lock(&config_mu);
    if (!config_set) {
        kb_incident_sla_default(&config_sla);
        config_set = 1;
    }
    kb_incident_sla out = config_sla;
    pthread_mutex_unlock(&config_mu);
    return out;
}

/* The SLA targets with the desk's business calendar and time zone, as the incident pages
 * count them (a calendar that cannot be read: business hours run 7x24, as there). */
typedef struct {
    kb_incident_sla sla;
    kb_calendar *cal;
    kb_tz *zone;
} desk_sla;

/* The SLA with the desk's calendar, loaded when a priority counts business hours (or
 * always: a service request's target may count them). */
static void desk_sla_load(kb_store *s, desk_sla *d, int always)
{
    memset(d, 0, sizeof *d);
    d->sla = sla_config();
    int business = always;
    for (int i = 0; i < 4; i++)
        business |= d->sla.business[i];
    if (!business)
        return;
    d->zone = kb_date_zone();
    if (kb_setting_calendar_load(s, &d->cal, NULL) != KB_OK)
        d->cal = NULL;
    d->sla.calendar = d->cal;
    d->sla.zone = d->zone;
}

static void desk_sla_free(desk_sla *d)
{
    kb_calendar_free(d->cal);
    kb_tz_free(d->zone);
}

/* --- event lists as text --- */

static void events_text(unsigned mask, kb_buf *b)
{
    for (int i = 0; i < KB_NOTIFY_NEVENTS; i++) {
        if (mask & (1u << i)) {
            if (b->len)
                kb_buf_adds(b, ",");
            kb_buf_adds(b, kb_notify_event_name((kb_notify_event)i));
        }
    }
}

static unsigned events_parse(const char *s)
{
    unsigned mask = 0;
    while (s && *s) {
        size_t n = strcspn(s, ",");
        for (int i = 0; i < KB_NOTIFY_NEVENTS; i++) {
            const char *name = kb_notify_event_name((kb_notify_event)i);
            if (strlen(name) == n && memcmp(name, s, n) == 0)
                mask |= 1u << i;
        }
        s += n;
        if (*s == ',')
            s++;
    }
    return mask;
}

/* --- channels --- */

static kb_notify_channel *load_channel(sqlite3_stmt *st)
{
    kb_notify_channel *c = kb_notify_channel_new();
    c->id = sqlite3_column_int64(st, 0);
    char **slots[] = { &c->name, &c->url, &c->secret, &c->host };
    const int cols[] = { 1, 3, 4, 5 };
    for (int i = 0; i < 4; i++) {
        free(*slots[i]);
        *slots[i] = kb_store_text(st, cols[i]);
    }
    const char *kind = (const char *)sqlite3_column_text(st, 2);
    kb_notify_kind_parse(kind, &c->kind, NULL);
    c->port = sqlite3_column_int(st, 6);
    kb_notify_tls_parse((const char *)sqlite3_column_text(st, 7), &c->starttls, NULL);
    char **more[] = { &c->username, &c->password, &c->from };
    for (int i = 0; i < 3; i++) {
        free(*more[i]);
        *more[i] = kb_store_text(st, 8 + i);
    }
    const char *to = (const char *)sqlite3_column_text(st, 11);
    while (to && *to) {
        size_t n = strcspn(to, "\n");
        if (n) {
            c->to = kb_xrealloc(c->to, (c->nto + 1) * sizeof *c->to);
            char *a = kb_xmalloc(n + 1);
            memcpy(a, to, n);
            a[n] = '\0';
            c->to[c->nto++] = a;
        }
        to += n;
        if (*to)
            to++;
    }
    c->events = events_parse((const char *)sqlite3_column_text(st, 12));
    free(c->group);
    c->group = kb_store_text(st, 13);
    c->enabled = sqlite3_column_int(st, 14);
    c->created_at = sqlite3_column_int64(st, 15);
    c->updated_at = sqlite3_column_int64(st, 16);
    return c;
}

kb_status kb_notify_channel_get(kb_store *s, long long id, kb_notify_channel **out,
                                kb_err *err)
{
    *out = NULL;
    sqlite3_stmt *st = kb_store_cached(s, sql_ch_get, err);
    if (!st)
        return KB_EDB;
    sqlite3_bind_int64(st, 1, id);
    int rc = sqlite3_step(st);
    kb_status r = KB_OK;
    if (rc == SQLITE_ROW)
        *out = load_channel(st);
    else if (rc == SQLITE_DONE)
        r = kb_err_set(err, KB_ENOTFOUND, "no notification channel %lld", id);
    else
        r = kb_store_db_err(s, err, "notification channel");
    kb_store_done(st);
    return r;
}

kb_status kb_notify_channel_list(kb_store *s, kb_notify_channel ***out, size_t *n, kb_err *err)
{
    *out = NULL;
    *n = 0;
    sqlite3_stmt *st = kb_store_cached(s, sql_ch_list, err);
    if (!st)
        return KB_EDB;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        *out = kb_xrealloc(*out, (*n + 1) * sizeof **out);
        (*out)[(*n)++] = load_channel(st);
    }
    kb_status r = kb_store_step_err(s, rc, err, "notification channels");
    kb_store_done(st);
    return r;
}

/* Runs the n write statements sqls, each with ?1 = v, in the open transaction. */
static kb_status run_with(kb_store *s, const char *const *sqls, int n, long long v,
                          const char *what, kb_err *err)
{
    kb_status rc = KB_OK;
    for (int i = 0; rc == KB_OK && i < n; i++) {
        sqlite3_stmt *st = kb_store_cached(s, sqls[i], err);
        if (!st)
            return KB_EDB;
        sqlite3_bind_int64(st, 1, v);
        rc = kb_store_step_err(s, sqlite3_step(st), err, what);
        kb_store_done(st);
    }
    return rc;
}

static kb_status count_rows(kb_store *s, const char *sql, long long *out, kb_err *err)
{
    *out = 0;
    sqlite3_stmt *st = kb_store_cached(s, sql, err);
    if (!st)
        return KB_EDB;
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *out = sqlite3_column_int64(st, 0);
    kb_status r = kb_store_step_err(s, rc, err, "count");
    kb_store_done(st);
    return r;
}

/* The audit summary of a channel: never its secret or password. */
static void channel_summary(const kb_notify_channel *c, kb_buf *b)
{
    kb_buf_addf(b, "name %s; kind %s", c->name, kb_notify_kind_name(c->kind));
    if (c->kind == KB_NOTIFY_EMAIL) {
        kb_buf_addf(b, "; host %s:%d; starttls %s; from %s; %zu recipients", c->host, c->port,
                    kb_notify_tls_name(c->starttls), c->from, c->nto);
    } else {
        char *url = kb_notify_url_masked(c->url);
        kb_buf_addf(b, "; url %.200s%s", url, c->secret[0] ? "; signed" : "");
        free(url);
    }
    kb_buf_adds(b, "; events ");
    events_text(c->events, b);
    if (c->group[0])
        kb_buf_addf(b, "; group %s", c->group);
    if (!c->enabled)
        kb_buf_adds(b, "; disabled");
}

kb_status kb_notify_channel_put(kb_store *s, kb_notify_channel *c, const char *actor,
                                long long now, kb_err *err)
{
    kb_status rc = kb_notify_channel_check(c, err);
    if (rc != KB_OK)
        return rc;
    int own;
    rc = kb_store_write_begin(s, &own, err);
    if (rc != KB_OK)
        return rc;
    if (c->group[0]) { /* it exists, spelled as stored */
        kb_group *g = NULL;
        rc = kb_group_get(s, c->group, &g, err);
        if (rc == KB_ENOTFOUND)
            rc = kb_err_set(err, KB_EINVAL, "field 'group': no group '%.64s'", c->group);
        if (rc == KB_OK)
            kb_notify_set(&c->group, g->name);
        kb_group_free(g);
    }
    /* the name is free (or this channel's own) */
    sqlite3_stmt *st = NULL;
    if (rc == KB_OK) {
        st = kb_store_cached(s, sql_ch_name, err);
        rc = st ? KB_OK : KB_EDB;
    }
    if (rc == KB_OK) {
        kb_store_bind_text(st, 1, c->name);
        int r = sqlite3_step(st);
        if (r == SQLITE_ROW && sqlite3_column_int64(st, 0) != c->id)
            rc = kb_err_set(err, KB_EEXIST, "a notification channel '%.64s' exists", c->name);
        else
            rc = kb_store_step_err(s, r, err, "notification channel");
        kb_store_done(st);
    }
    long long n = 0;
    if (rc == KB_OK && c->id == 0)
        rc = count_rows(s, sql_ch_count, &n, err);
    if (rc == KB_OK && n >= KB_NOTIFY_MAX_CHANNELS)
        rc = kb_err_set(err, KB_ECONFLICT, "there are %u notification channels already",
                        KB_NOTIFY_MAX_CHANNELS);
    kb_buf ev, to;
    kb_buf_init(&ev, 0);
    kb_buf_init(&to, 0);
    events_text(c->events, &ev);
    for (size_t i = 0; i < c->nto; i++)
        kb_buf_addf(&to, "%s%s", i ? "\n" : "", c->to[i]);
    if (rc == KB_OK) {
        st = kb_store_cached(s, c->id ? sql_ch_update : sql_ch_insert, err);
        rc = st ? KB_OK : KB_EDB;
    }
    if (rc == KB_OK) {
        const char *strs[] = { c->name, kb_notify_kind_name(c->kind), c->url, c->secret,
                               c->host };
        for (int i = 0; i < 5; i++)
            kb_store_bind_text(st, 1 + i, strs[i]);
        sqlite3_bind_int(st, 6, c->port);
        kb_store_bind_text(st, 7, kb_notify_tls_name(c->starttls));
        kb_store_bind_text(st, 8, c->username);
        kb_store_bind_text(st, 9, c->password);
        kb_store_bind_text(st, 10, c->from);
        kb_store_bind_text(st, 11, kb_buf_str(&to));
        kb_store_bind_text(st, 12, kb_buf_str(&ev));
        kb_store_bind_text(st, 13, c->group);
        sqlite3_bind_int(st, 14, c->enabled ? 1 : 0);
        sqlite3_bind_int64(st, 15, now);
        if (c->id)
            sqlite3_bind_int64(st, 16, c->id);
        rc = kb_store_step_err(s, sqlite3_step(st), err, "notification channel");
        kb_store_done(st);
        if (rc == KB_OK && c->id && sqlite3_changes(kb_store_db(s)) == 0)
            rc = kb_err_set(err, KB_ENOTFOUND, "no notification channel %lld", c->id);
    }
    int created = c->id == 0;
    if (rc == KB_OK && created) {
        c->id = sqlite3_last_insert_rowid(kb_store_db(s));
        c->created_at = now;
    }
    c->updated_at = now;
    kb_buf_free(&ev);
    kb_buf_free(&to);
    if (rc == KB_OK) {
        kb_buf b;
        kb_buf_init(&b, 0);
        channel_summary(c, &b);
        char object[48];
        snprintf(object, sizeof object, "notification-channel:%lld", c->id);
        rc = kb_audit_append(s, now, actor,
                             created ? "notify.channel.create" : "notify.channel.update", object,
                             kb_buf_str(&b), err);
        kb_buf_free(&b);
    }
    if (rc != KB_OK && created)
        c->id = 0;
    return kb_store_write_end(s, own, rc, err);
}

kb_status kb_notify_channel_delete(kb_store *s, long long id, const char *actor, long long now,
                                   kb_err *err)
{
    int own;
    kb_status rc = kb_store_write_begin(s, &own, err);
    if (rc != KB_OK)
        return rc;
    kb_notify_channel *c = NULL;
    rc = kb_notify_channel_get(s, id, &c, err);
    const char *const sqls[] = { sql_ch_delete, sql_ch_orphan };
    if (rc == KB_OK)
        rc = run_with(s, sqls, 2, id, "notification channel", err);
    if (rc == KB_OK) {
        char object[48];
        snprintf(object, sizeof object, "notification-channel:%lld", id);
        kb_buf b;
        kb_buf_init(&b, 0);
        kb_buf_addf(&b, "name %s", c->name);
        rc = kb_audit_append(s, now, actor, "notify.channel.delete", object, kb_buf_str(&b),
                             err);
        kb_buf_free(&b);
    }
    kb_notify_channel_free(c);
    return kb_store_write_end(s, own, rc, err);
}

/* --- templates --- */

kb_status kb_notify_template_get(kb_store *s, kb_notify_event ev, char **title, char **body,
                                 int *custom, kb_err *err)
{
    *title = *body = NULL;
    *custom = 0;
    sqlite3_stmt *st = kb_store_cached(s, sql_tpl_get, err);
    if (!st)
        return KB_EDB;
    kb_store_bind_text(st, 1, kb_notify_event_name(ev));
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *title = kb_store_text(st, 0);
        *body = kb_store_text(st, 1);
        *custom = 1;
    }
    kb_status r = kb_store_step_err(s, rc, err, "notification template");
    kb_store_done(st);
    if (!*title) {
        *title = kb_xstrdup(kb_notify_default_title(ev));
        *body = kb_xstrdup(kb_notify_default_body(ev));
    }
    return r;
}

kb_status kb_notify_template_set(kb_store *s, kb_notify_event ev, const char *title,
                                 const char *body, const char *actor, long long now,
                                 kb_err *err)
{
    kb_status rc = title || body ? kb_notify_template_valid(title, body, err) : KB_OK;
    if (rc != KB_OK)
        return rc;
    int own;
    rc = kb_store_write_begin(s, &own, err);
    if (rc != KB_OK)
        return rc;
    sqlite3_stmt *st = kb_store_cached(s, title ? sql_tpl_set : sql_tpl_reset, err);
    if (!st)
        rc = KB_EDB;
    if (rc == KB_OK) {
        kb_store_bind_text(st, 1, kb_notify_event_name(ev));
        if (title) {
            kb_store_bind_text(st, 2, title);
            kb_store_bind_text(st, 3, body);
            sqlite3_bind_int64(st, 4, now);
        }
        rc = kb_store_step_err(s, sqlite3_step(st), err, "notification template");
        kb_store_done(st);
    }
    if (rc == KB_OK) {
        char object[48];
        snprintf(object, sizeof object, "notification-template:%s", kb_notify_event_name(ev));
        rc = kb_audit_append(s, now, actor, "notify.template.update", object,
                             title ? "set" : "reset to the default", err);
    }
    return kb_store_write_end(s, own, rc, err);
}

/* --- users --- */

kb_status kb_notify_user_get(kb_store *s, const char *user, char **email, unsigned *events,
                             kb_err *err)
{
    *email = NULL;
    *events = 0;
    sqlite3_stmt *st = kb_store_cached(s, sql_user_get, err);
    if (!st)
        return KB_EDB;
    kb_store_bind_text(st, 1, user);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *email = kb_store_text(st, 0);
        *events = events_parse((const char *)sqlite3_column_text(st, 1));
    }
    kb_status r = kb_store_step_err(s, rc, err, "notification user");
    kb_store_done(st);
    if (!*email)
        *email = kb_xstrdup("");
    return r;
}

kb_status kb_notify_user_set(kb_store *s, const char *user, const char *email, unsigned events,
                             long long now, kb_err *err)
{
    kb_status rc = *email ? kb_notify_addr_check("email", email, err) : KB_OK;
    if (rc != KB_OK)
        return rc;
    sqlite3_stmt *st = kb_store_cached(s, sql_user_set, err);
    if (!st)
        return KB_EDB;
    kb_buf b;
    kb_buf_init(&b, 0);
    events_text(events, &b);
    kb_store_bind_text(st, 1, user);
    kb_store_bind_text(st, 2, email);
    kb_store_bind_text(st, 3, kb_buf_str(&b));
    sqlite3_bind_int64(st, 4, now);
    rc = kb_store_step_err(s, sqlite3_step(st), err, "notification user");
    kb_store_done(st);
    kb_buf_free(&b);
    return rc;
}

/* --- the outbox --- */

static kb_status insert_msg(kb_store *s, long long channel, kb_notify_event ev,
                            const char *object, const char *rcpt, const char *title,
                            const char *body, long long now, kb_err *err)
{
    unsigned char raw[16];
    char uid[KB_NOTIFY_UID_HEX];
    kb_status rc = kb_hash_random(raw, sizeof raw, err);
    if (rc != KB_OK)
        return rc;
    kb_hash_hex(raw, sizeof raw, uid);
    sqlite3_stmt *st = kb_store_cached(s, sql_msg_insert, err);
    if (!st)
        return KB_EDB;
    kb_store_bind_text(st, 1, uid);
    sqlite3_bind_int64(st, 2, channel);
    kb_store_bind_text(st, 3, kb_notify_event_name(ev));
    kb_store_bind_text(st, 4, object);
    kb_store_bind_text(st, 5, rcpt);
    kb_store_bind_text(st, 6, title);
    kb_store_bind_text(st, 7, body);
    sqlite3_bind_int64(st, 8, now);
    rc = kb_store_step_err(s, sqlite3_step(st), err, "notification");
    kb_store_done(st);
    return rc;
}

/* The messages of ev about object: one per enabled channel subscribed to ev (of group, or
 * of every group), and one e-mail to each of the np people who chose ev and have an
 * address (over the first enabled e-mail channel). */
static kb_status enqueue_to(kb_store *s, kb_notify_event ev, const char *object,
                            const char *group, const char *const *people, size_t np,
                            const kb_notify_vars *vars, long long now, kb_err *err)
{
    char *tt = NULL, *tb = NULL;
    int custom;
    kb_status rc = kb_notify_template_get(s, ev, &tt, &tb, &custom, err);
    char **mails = NULL;
    size_t nmail = 0;
    for (size_t i = 0; rc == KB_OK && i < np; i++) {
        char *email = NULL;
        unsigned wants = 0;
        if (people[i] && *people[i])
            rc = kb_notify_user_get(s, people[i], &email, &wants, err);
        if (rc == KB_OK && email && *email && (wants & (1u << ev))) {
            mails = kb_xrealloc(mails, (nmail + 1) * sizeof *mails);
            mails[nmail++] = email;
        } else {
            free(email);
        }
    }
    char *title = kb_notify_render(tt ? tt : "", vars, KB_NOTIFY_TITLE_TEXT_MAX);
    char *body = kb_notify_render(tb ? tb : "", vars, KB_NOTIFY_BODY_TEXT_MAX);
    free(tt);
    free(tb);
    /* the channels subscribed to ev, and the first e-mail channel for people's addresses */
    long long *ids = NULL;
    size_t n = 0;
    long long mailer = 0;
    sqlite3_stmt *st = rc == KB_OK ? kb_store_cached(s, sql_ch_targets, err) : NULL;
    if (rc == KB_OK && !st)
        rc = KB_EDB;
    if (rc == KB_OK) {
        int r;
        while ((r = sqlite3_step(st)) == SQLITE_ROW) {
            long long id = sqlite3_column_int64(st, 0);
            const char *kind = (const char *)sqlite3_column_text(st, 1);
            unsigned mask = events_parse((const char *)sqlite3_column_text(st, 2));
            const char *grp = (const char *)sqlite3_column_text(st, 3);
            if (!mailer && kind && strcmp(kind, "email") == 0)
                mailer = id;
            if (!(mask & (1u << ev)) || (grp && *grp && (!group || strcmp(grp, group) != 0)))
                continue;
            ids = kb_xrealloc(ids, (n + 1) * sizeof *ids);
            ids[n++] = id;
        }
        rc = kb_store_step_err(s, r, err, "notification channels");
        kb_store_done(st);
    }
    size_t personal = mailer ? nmail : 0;
    int own = -1;
    if (rc == KB_OK && (n || personal))
        rc = kb_store_write_begin(s, &own, err);
    for (size_t i = 0; rc == KB_OK && i < n; i++)
        rc = insert_msg(s, ids[i], ev, object, "", title, body, now, err);
    for (size_t i = 0; rc == KB_OK && i < personal; i++)
        rc = insert_msg(s, mailer, ev, object, mails[i], title, body, now, err);
    if (own >= 0)
        rc = kb_store_write_end(s, own, rc, err);
    for (size_t i = 0; i < nmail; i++)
        free(mails[i]);
    free(mails);
    free(ids);
    free(title);
    free(body);
    return rc;
}

kb_status kb_notify_enqueue(kb_store *s, kb_notify_event ev, const char *object,
                            const char *group, const char *person, const kb_notify_vars *vars,
                            long long now, kb_err *err)
{
    return enqueue_to(s, ev, object, group, &person, 1, vars, now, err);
}

kb_status kb_notify_enqueue_test(kb_store *s, long long channel, long long now,
                                 long long *out_id, kb_err *err)
{
    kb_notify_channel *c = NULL;
    kb_status rc = kb_notify_channel_get(s, channel, &c, err);
    kb_notify_channel_free(c);
    char *tt = NULL, *tb = NULL;
    int custom;
    if (rc == KB_OK)
        rc = kb_notify_template_get(s, KB_NOTIFY_TEST, &tt, &tb, &custom, err);
    kb_notify_vars vars;
    memset(&vars, 0, sizeof vars);
    char *title = tt ? kb_notify_render(tt, &vars, KB_NOTIFY_TITLE_TEXT_MAX) : NULL;
    char *body = tb ? kb_notify_render(tb, &vars, KB_NOTIFY_BODY_TEXT_MAX) : NULL;
    if (rc == KB_OK)
        rc = insert_msg(s, channel, KB_NOTIFY_TEST, "test", "", title, body, now, err);
    if (rc == KB_OK && out_id)
        *out_id = sqlite3_last_insert_rowid(kb_store_db(s));
    free(tt);
    free(tb);
    free(title);
    free(body);
    return rc;
}

/* --- events of incidents --- */

/* The lead of group ("" when none) into a new string. */
static kb_status group_lead(kb_store *s, const char *group, char **out, kb_err *err)
{
    *out = NULL;
    kb_group *g = NULL;
    kb_status rc = group && *group ? kb_group_get(s, group, &g, err) : KB_ENOTFOUND;
    if (rc == KB_OK)
        *out = kb_xstrdup(g->lead);
    kb_group_free(g);
    if (rc == KB_ENOTFOUND) {
        kb_err_clear(err);
        rc = KB_OK;
    }
    if (!*out)
        *out = kb_xstrdup("");
    return rc;
}

typedef struct {
    char prio[8];
    char due[KB_DATE_TIME_LEN];
    char *lead;
    kb_notify_vars v;
} inc_vars;

static kb_status vars_of(kb_store *s, const kb_incident *inc, const kb_incident_sla *sla,
                         long long now, int response, inc_vars *out, kb_err *err)
{
    memset(out, 0, sizeof *out);
    kb_inc_sla_state st;
    kb_incident_sla_state(inc, sla, now, &st);
    snprintf(out->prio, sizeof out->prio, "P%d", inc->priority);
    kb_date_format_local(response ? st.response_due : st.resolve_due, out->due);
    kb_status rc = group_lead(s, inc->group, &out->lead, err);
    kb_notify_vars *v = &out->v;
    v->number = inc->number;
    v->summary = inc->summary;
    v->priority = out->prio;
    v->status = kb_incident_status_name(inc->status);
    v->group = inc->group[0] ? inc->group : "未分组";
    v->assignee = inc->assignee[0] ? inc->assignee : "未指派";
    v->lead = out->lead[0] ? out->lead : "未设置";
    v->due = out->due;
    v->target = response ? "响应" : "解决";
    return rc;
}

kb_status kb_notify_incident(kb_store *s, const kb_incident *inc, int created, long long now,
                             kb_err *err)
{
    inc_vars iv;
    desk_sla d;
    desk_sla_load(s, &d, 0);
    kb_status rc = vars_of(s, inc, &d.sla, now, 0, &iv, err);
    desk_sla_free(&d);
    for (size_t i = 0; rc == KB_OK && i < inc->nevents; i++) {
        const kb_inc_event *e = &inc->events[i];
        const char *person = NULL;
        int ev = -1;
        iv.v.reason = e->note;
        if (strcmp(e->type, "assignee") == 0 && e->to[0]) {
            ev = KB_NOTIFY_ASSIGNED;
            person = e->to;
        } else if (strcmp(e->type, "group") == 0 && e->to[0] && !created) {
            ev = KB_NOTIFY_ESCALATED;
            person = iv.lead;
        } else if (strcmp(e->type, "resolution") == 0) {
            ev = KB_NOTIFY_RESOLVED;
            person = inc->assignee;
        } else if (strcmp(e->type, "reopen") == 0 ||
                   (strcmp(e->type, "followup") == 0 && !e->confirmed)) {
            ev = KB_NOTIFY_REOPENED;
            person = inc->assignee;
        }
        if (ev >= 0)
            rc = kb_notify_enqueue(s, (kb_notify_event)ev, inc->number, inc->group, person,
                                   &iv.v, now, err);
    }
    free(iv.lead);
    return rc;
}

/* Whether the threshold (key, what) was notified already (*has); when not, opens a write
 * transaction (*own as kb_store_write_begin) and adds its mark, *added saying whether it
 * is new there (another sweep may have come first). The caller ends the transaction when
 * *has is 0. Each threshold is notified once. */
static kb_status mark_once(kb_store *s, const char *key, const char *what, int *has, int *own,
                           int *added, kb_err *err)
{
    *added = 0;
    *has = 1;
    sqlite3_stmt *st = kb_store_cached(s, sql_mark_has, err);
    if (!st)
        return KB_EDB;
    kb_store_bind_text(st, 1, key);
    kb_store_bind_text(st, 2, what);
    int r = sqlite3_step(st);
    kb_status rc = kb_store_step_err(s, r, err, "notification mark");
    kb_store_done(st);
    if (rc != KB_OK || r == SQLITE_ROW)
        return rc;
    rc = kb_store_write_begin(s, own, err);
    if (rc != KB_OK)
        return rc;
    *has = 0;
    st = kb_store_cached(s, sql_mark_add, err);
    if (!st)
        return KB_EDB;
    kb_store_bind_text(st, 1, key);
    kb_store_bind_text(st, 2, what);
    rc = kb_store_step_err(s, sqlite3_step(st), err, "notification mark");
    kb_store_done(st);
    *added = rc == KB_OK && sqlite3_changes(kb_store_db(s)) == 1;
    return rc;
}

/* Enqueues ev for inc once: the mark (incident, what) records it in the same transaction. */
static kb_status once(kb_store *s, const kb_incident *inc, const kb_incident_sla *sla,
                      const char *what, kb_notify_event ev, int response, long long now,
                      size_t *n, kb_err *err)
{
    int own = 0, has = 1, added = 0;
    kb_status rc = mark_once(s, inc->number, what, &has, &own, &added, err);
    if (has)
        return rc;
    inc_vars iv;
    memset(&iv, 0, sizeof iv);
    if (rc == KB_OK && added)
        rc = vars_of(s, inc, sla, now, response, &iv, err);
    /* the SLA events tell the group's lead; a follow-up, whoever resolved it */
    const char *person = ev == KB_NOTIFY_FOLLOWUP_DUE ? inc->assignee : iv.lead;
    if (rc == KB_OK && added)
        rc = kb_notify_enqueue(s, ev, inc->number, inc->group, person, &iv.v, now, err);
    free(iv.lead);
    if (rc == KB_OK && added)
        (*n)++;
    return kb_store_write_end(s, own, rc, err);
}

/* --- events of service requests --- */

typedef struct {
    char due[32];
    char summary[KB_REQ_MAX_NAME + KB_REQ_MAX_SHORT + 8];
    kb_notify_vars v;
} req_vars;

static void req_vars_of(const kb_request *r, const kb_incident_sla *sla, long long now,
                        req_vars *out)
{
    memset(out, 0, sizeof *out);
    kb_inc_sla_state st;
    kb_request_sla_state(r, sla, now, &st);
    kb_incident_format_time(st.resolve_due, out->due, sizeof out->due);
    snprintf(out->summary, sizeof out->summary, "%s · %s", r->item_name, r->caller_name);
    kb_notify_vars *v = &out->v;
    v->number = r->number;
    v->summary = out->summary;
    v->priority = "";
    v->status = kb_request_status_name(r->status);
    v->group = r->group[0] ? r->group : "服务台";
    v->assignee = r->assignee[0] ? r->assignee : "未指派";
    v->lead = "";
    v->due = out->due;
    v->target = "完成";
}

kb_status kb_notify_request(kb_store *s, const kb_request *r, const char *approver,
                            long long now, kb_err *err)
{
    desk_sla d;
    desk_sla_load(s, &d, 1);
    req_vars rv;
    req_vars_of(r, &d.sla, now, &rv);
    desk_sla_free(&d);
    kb_status rc = KB_OK;
    for (size_t i = 0; rc == KB_OK && i < r->nevents; i++) {
        const kb_req_event *e = &r->events[i];
        const char *person = NULL;
        int ev = -1;
        rv.v.reason = e->note;
        if ((strcmp(e->type, "created") == 0 || strcmp(e->type, "status") == 0) &&
            strcmp(e->to, "awaiting_approval") == 0) {
            ev = KB_NOTIFY_REQUEST_APPROVAL;
            person = approver;
            rv.v.lead = approver && *approver ? approver : "审批人";
        } else if (strcmp(e->type, "assignee") == 0 && e->to[0]) {
            ev = KB_NOTIFY_REQUEST_ASSIGNED;
            person = e->to;
        } else if (strcmp(e->type, "status") == 0 && strcmp(e->to, "approved") == 0) {
            ev = KB_NOTIFY_REQUEST_APPROVED;
            person = r->requested_by;
        } else if (strcmp(e->type, "status") == 0 && strcmp(e->to, "rejected") == 0) {
            ev = KB_NOTIFY_REQUEST_REJECTED;
            person = r->requested_by;
        } else if (strcmp(e->type, "status") == 0 && strcmp(e->to, "fulfilled") == 0) {
            ev = KB_NOTIFY_REQUEST_FULFILLED;
            person = r->requested_by;
        }
        if (ev >= 0)
            rc = kb_notify_enqueue(s, (kb_notify_event)ev, r->number, r->group, person, &rv.v,
                                   now, err);
    }
    return rc;
}

/* Loans past their return date: loan_overdue to the requester, once per return date. */
static kb_status sweep_loans(kb_store *s, long long now, size_t *n, kb_err *err)
{
    kb_status rc = KB_OK;
    kb_incident_sla sla = sla_config(); /* {due} is the return date: no calendar needed */
    for (size_t offset = 0; rc == KB_OK;) {
        kb_req_filter f;
        memset(&f, 0, sizeof f);
        f.loan_overdue = 1;
        f.now = now;
        f.limit = KB_REQ_MAX_LIMIT;
        f.offset = offset;
        kb_req_list *l = NULL;
        rc = kb_request_list(s, &f, &l, err);
        if (rc != KB_OK)
            break;
        for (size_t i = 0; rc == KB_OK && i < l->n; i++) {
            const kb_request *r = l->items[i];
            char what[48];
            snprintf(what, sizeof what, "loan_overdue_%s", r->return_date);
            int own = 0, has = 1, added = 0;
            rc = mark_once(s, r->number, what, &has, &own, &added, err);
            if (has)
                continue;
            req_vars rv;
            req_vars_of(r, &sla, now, &rv);
            rv.v.due = r->return_date;
            if (rc == KB_OK && added)
                rc = kb_notify_enqueue(s, KB_NOTIFY_LOAN_OVERDUE, r->number, r->group,
                                       r->requested_by, &rv.v, now, err);
            if (rc == KB_OK && added)
                (*n)++;
            rc = kb_store_write_end(s, own, rc, err);
        }
        size_t got = l->n;
        kb_request_list_free(l);
        if (got < KB_REQ_MAX_LIMIT)
            break;
        offset += got;
    }
    return rc;
}

static kb_status sweep_one(kb_store *s, const kb_incident *inc, const kb_incident_sla *sla,
                           long long now, long long followup_after, size_t *n, kb_err *err)
{
    kb_inc_sla_state st;
    kb_incident_sla_state(inc, sla, now, &st);
    kb_status rc = KB_OK;
    if (kb_incident_status_open(inc->status)) {
        if (!inc->responded_at && st.response_breached) {
            rc = once(s, inc, sla, "response_75", KB_NOTIFY_SLA_75, 1, now, n, err);
            /* a breach found first: the 75 % message would say less, too late */
            if (rc == KB_OK)
                rc = once(s, inc, sla, "response_breach", KB_NOTIFY_SLA_BREACH, 1, now, n, err);
        } else if (!inc->responded_at && st.response_remaining * 4 <= st.response_target) {
            rc = once(s, inc, sla, "response_75", KB_NOTIFY_SLA_75, 1, now, n, err);
        }
        if (rc == KB_OK && st.resolve_breached)
            rc = once(s, inc, sla, "resolve_breach", KB_NOTIFY_SLA_BREACH, 0, now, n, err);
        else if (rc == KB_OK && st.resolve_remaining * 4 <= st.resolve_target)
            rc = once(s, inc, sla, "resolve_75", KB_NOTIFY_SLA_75, 0, now, n, err);
    } else if (inc->status == KB_INC_RESOLVED && followup_after > 0 && inc->resolved_at &&
               now - inc->resolved_at >= followup_after) {
        char what[48];
        snprintf(what, sizeof what, "followup_%lld", inc->resolved_at);
        rc = once(s, inc, sla, what, KB_NOTIFY_FOLLOWUP_DUE, 0, now, n, err);
    }
    return rc;
}

/* review_due for the current items whose review date is on or before the desk's day of
 * now, once per item and date. */
static kb_status sweep_reviews(kb_store *s, long long now, size_t *n, kb_err *err)
{
    char tomorrow[KB_DATE_LEN];
    kb_date_of(kb_date_add_days(now, 1), tomorrow);
    kb_version_list l = { 0 };
    kb_status rc = kb_wf_due(s, tomorrow, NULL, &l, err); /* dates before tomorrow */
    for (size_t i = 0; rc == KB_OK && i < l.n; i++) {
        const kb_version *v = &l.v[i];
        kb_buf what;
        kb_buf_init(&what, 0);
        kb_buf_addf(&what, "review:%s", v->next_review);
        int own = 0, has = 1, added = 0;
        rc = mark_once(s, v->id, kb_buf_str(&what), &has, &own, &added, err);
        kb_buf_free(&what);
        if (has)
            continue; /* told before (or rc says why not) */
        const char *owner = v->owner[0] ? v->owner : v->saved_by;
        kb_notify_vars vars;
        memset(&vars, 0, sizeof vars);
        vars.number = v->id;
        vars.summary = v->title;
        vars.due = v->next_review;
        vars.owner = owner[0] ? owner : "未设置";
        if (rc == KB_OK && added)
            rc = kb_notify_enqueue(s, KB_NOTIFY_REVIEW_DUE, v->id, NULL, owner, &vars, now, err);
        if (rc == KB_OK && added)
            (*n)++;
        rc = kb_store_write_end(s, own, rc, err);
    }
    kb_version_list_free(&l);
    return rc;
}

/* report_due once per due date of the service-report schedule that has come (the desk
 * day of now or before) while its period is not filed. */
static kb_status sweep_report_due(kb_store *s, long long now, size_t *n, kb_err *err)
{
    kb_svc_schedule sc;
    kb_status rc = kb_setting_report_schedule(s, &sc, err);
    if (rc != KB_OK || sc.every == KB_SVC_OFF)
        return rc;
    char today[KB_DATE_LEN];
    kb_date_of(now, today);
    kb_svc_period cur, next;
    kb_svc_schedule_periods(&sc, today, &cur, &next);
    if (strcmp(cur.due, today) > 0)
        return KB_OK; /* not due yet (days compare as text) */
    int found = 0;
    kb_svcreport_filed filed;
    rc = kb_svcreport_find(s, cur.from, cur.to, &found, &filed, err);
    if (rc != KB_OK || found)
        return rc;
    char what[32], period[2 * KB_DATE_LEN + 4], summary[96];
    snprintf(what, sizeof what, "due:%s", cur.due);
    snprintf(period, sizeof period, "%s..%s", cur.from, cur.to);
    snprintf(summary, sizeof summary, "IT 服务报告（%s 至 %s）", cur.from, cur.to);
    int own = 0, has = 1, added = 0;
    rc = mark_once(s, "service_report", what, &has, &own, &added, err);
    if (has)
        return rc; /* told before (or rc says why not) */
    kb_notify_vars vars;
    memset(&vars, 0, sizeof vars);
    vars.number = period;
    vars.summary = summary;
    vars.due = cur.due;
    if (rc == KB_OK && added)
        rc = kb_notify_enqueue(s, KB_NOTIFY_REPORT_DUE, period, NULL, NULL, &vars, now, err);
    if (rc == KB_OK && added)
        (*n)++;
    return kb_store_write_end(s, own, rc, err);
}

kb_status kb_notify_docreq(kb_store *s, const char *id, const char *kind, const char *doc_no,
                           const char *title, const char *reason, const char *requester,
                           long long now, kb_err *err)
{
    kb_user_info *users = NULL;
    size_t nu = 0;
    kb_status rc = kb_user_list(s, &users, &nu, err);
    const char **people = nu ? kb_xcalloc(nu, sizeof *people) : NULL;
    size_t np = 0;
    for (size_t i = 0; rc == KB_OK && i < nu; i++)
        if ((users[i].roles & KB_ROLE_APPROVER) && !users[i].disabled &&
            (!requester || strcasecmp(users[i].name, requester) != 0))
            people[np++] = users[i].name;
    kb_notify_vars vars;
    memset(&vars, 0, sizeof vars);
    vars.number = id;
    vars.document = doc_no;
    vars.summary = title;
    vars.reason = reason;
    vars.requester = requester && *requester ? requester : "未知";
    vars.kind = strcmp(kind, "change") == 0   ? "变更"
                : strcmp(kind, "scrap") == 0  ? "作废"
                : strcmp(kind, "borrow") == 0 ? "借阅"
                                              : kind;
    if (rc == KB_OK)
        rc = enqueue_to(s, KB_NOTIFY_DOCREQ_WAITING, id, NULL, people, np, &vars, now, err);
    free((void *)people);
    free(users);
    return rc;
}

kb_status kb_notify_sweep(kb_store *s, long long now, long long followup_after, size_t *n,
                          kb_err *err)
{
    size_t count = 0;
    kb_status rc = KB_OK;
    desk_sla d;
    desk_sla_load(s, &d, 0);
    unsigned open = (1u << KB_INC_NEW) | (1u << KB_INC_ASSIGNED) | (1u << KB_INC_IN_PROGRESS) |
                    (1u << KB_INC_PENDING) | (1u << KB_INC_RESOLVED);
    for (size_t offset = 0; rc == KB_OK;) {
        kb_inc_filter f;
        memset(&f, 0, sizeof f);
        f.status_mask = open;
        f.complaint = -1;
        f.limit = KB_INC_MAX_LIMIT;
        f.offset = offset;
        kb_inc_list *l = NULL;
        rc = kb_incident_list(s, &f, &l, err);
        if (rc != KB_OK)
            break;
        for (size_t i = 0; rc == KB_OK && i < l->n; i++)
            rc = sweep_one(s, l->items[i], &d.sla, now, followup_after, &count, err);
        size_t got = l->n;
        kb_incident_list_free(l);
        if (got < KB_INC_MAX_LIMIT)
            break;
        offset += got;
    }
    desk_sla_free(&d);
    if (rc == KB_OK)
        rc = sweep_loans(s, now, &count, err);
    if (rc == KB_OK)
        rc = sweep_reviews(s, now, &count, err);
    if (rc == KB_OK)
        rc = sweep_report_due(s, now, &count, err);
    size_t maint = 0;
    if (rc == KB_OK)
        rc = kb_maint_sweep(s, now, &maint, err);
    count += maint;
    size_t complaints = 0;
    if (rc == KB_OK)
        rc = kb_complaint_sweep(s, now, &complaints, err);
    count += complaints;
    if (n)
        *n = count;
    return rc;
}

/* --- delivery --- */

static kb_notify_msg *load_msg(sqlite3_stmt *st)
{
    kb_notify_msg *m = kb_xcalloc(1, sizeof *m);
    m->id = sqlite3_column_int64(st, 0);
    const char *uid = (const char *)sqlite3_column_text(st, 1);
    snprintf(m->uid, sizeof m->uid, "%s", uid ? uid : "");
    m->channel = sqlite3_column_int64(st, 2);
    m->event = kb_store_text(st, 3);
    m->object = kb_store_text(st, 4);
    m->rcpt = kb_store_text(st, 5);
    m->title = kb_store_text(st, 6);
    m->body = kb_store_text(st, 7);
    m->state = kb_store_text(st, 8);
    m->attempts = sqlite3_column_int(st, 9);
    m->next_at = sqlite3_column_int64(st, 10);
    m->created_at = sqlite3_column_int64(st, 11);
    m->delivered_at = sqlite3_column_int64(st, 12);
    return m;
}

void kb_notify_msgs_free(kb_notify_msg **v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        kb_notify_msg *m = v[i];
        free(m->event);
        free(m->object);
        free(m->rcpt);
        free(m->title);
        free(m->body);
        free(m->state);
        for (size_t k = 0; k < m->natt; k++)
            free(m->att[k].detail);
        free(m->att);
        free(m);
    }
    free(v);
}

static kb_status load_msgs(kb_store *s, sqlite3_stmt *st, kb_notify_msg ***out, size_t *n,
                           kb_err *err)
{
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        *out = kb_xrealloc(*out, (*n + 1) * sizeof **out);
        (*out)[(*n)++] = load_msg(st);
    }
    kb_status r = kb_store_step_err(s, rc, err, "notifications");
    kb_store_done(st);
    return r;
}

kb_status kb_notify_due(kb_store *s, long long now_ms, size_t max, kb_notify_msg ***out,
                        size_t *n, kb_err *err)
{
    *out = NULL;
    *n = 0;
    sqlite3_stmt *st = kb_store_cached(s, sql_msg_due, err);
    if (!st)
        return KB_EDB;
    sqlite3_bind_int64(st, 1, now_ms);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)max);
    return load_msgs(s, st, out, n, err);
}

/* Bytes of the longest prefix of s that is at most max and ends on a character. */
static size_t utf8_cut(const char *s, size_t max)
{
    size_t len = strlen(s);
    if (len <= max)
        return len;
    while (max > 0 && ((unsigned char)s[max] & 0xc0) == 0x80)
        max--;
    return max;
}

kb_status kb_notify_record(kb_store *s, long long id, long long at_ms, int ok, long code,
                           const char *detail, long long next_at_ms, kb_err *err)
{
    int own;
    kb_status rc = kb_store_write_begin(s, &own, err);
    if (rc != KB_OK)
        return rc;
    sqlite3_stmt *st = kb_store_cached(s, sql_msg_move, err);
    if (!st)
        rc = KB_EDB;
    if (rc == KB_OK) {
        sqlite3_bind_int64(st, 1, id);
        kb_store_bind_text(st, 2, ok ? "delivered" : next_at_ms > 0 ? "pending" : "failed");
        sqlite3_bind_int64(st, 3, ok ? 0 : next_at_ms);
        sqlite3_bind_int64(st, 4, ok ? at_ms : 0);
        rc = kb_store_step_err(s, sqlite3_step(st), err, "notification");
        kb_store_done(st);
        if (rc == KB_OK && sqlite3_changes(kb_store_db(s)) == 0)
            rc = kb_err_set(err, KB_ENOTFOUND, "no pending notification %lld", id);
    }
    if (rc == KB_OK) {
        st = kb_store_cached(s, sql_att_insert, err);
        if (!st)
            rc = KB_EDB;
    }
    if (rc == KB_OK) {
        const char *d = detail ? detail : "";
        sqlite3_bind_int64(st, 1, id);
        sqlite3_bind_int64(st, 2, at_ms);
        sqlite3_bind_int(st, 3, ok ? 1 : 0);
        sqlite3_bind_int64(st, 4, code);
        sqlite3_bind_text(st, 5, d, (int)utf8_cut(d, KB_NOTIFY_DETAIL_MAX), SQLITE_TRANSIENT);
        rc = kb_store_step_err(s, sqlite3_step(st), err, "notification attempt");
        kb_store_done(st);
    }
    return kb_store_write_end(s, own, rc, err);
}

kb_status kb_notify_prune(kb_store *s, long long before, size_t *n, kb_err *err)
{
    if (n)
        *n = 0;
    int own;
    kb_status rc = kb_store_write_begin(s, &own, err);
    if (rc != KB_OK)
        return rc;
    const char *const sqls[] = { sql_prune_att, sql_prune_msg }; /* the rows last */
    rc = run_with(s, sqls, 2, before, "notification prune", err);
    if (rc == KB_OK && n)
        *n = (size_t)sqlite3_changes(kb_store_db(s));
    return kb_store_write_end(s, own, rc, err);
}

kb_status kb_notify_list(kb_store *s, const char *state, long long channel, size_t limit,
                         kb_notify_msg ***out, size_t *n, kb_err *err)
{
    *out = NULL;
    *n = 0;
    int own;
    kb_status rc = kb_store_read_begin(s, &own, err);
    if (rc != KB_OK)
        return rc;
    sqlite3_stmt *st = kb_store_cached(s, sql_msg_list, err);
    if (!st)
        rc = KB_EDB;
    if (rc == KB_OK) {
        if (state)
            kb_store_bind_text(st, 1, state);
        else
            sqlite3_bind_null(st, 1);
        sqlite3_bind_int64(st, 2, (sqlite3_int64)(limit ? limit : 1));
        sqlite3_bind_int64(st, 3, channel);
        rc = load_msgs(s, st, out, n, err);
    }
    for (size_t i = 0; rc == KB_OK && i < *n; i++) {
        kb_notify_msg *m = (*out)[i];
        st = kb_store_cached(s, sql_att_list, err);
        if (!st) {
            rc = KB_EDB;
            break;
        }
        sqlite3_bind_int64(st, 1, m->id);
        int r;
        while ((r = sqlite3_step(st)) == SQLITE_ROW) {
            m->att = kb_xrealloc(m->att, (m->natt + 1) * sizeof *m->att);
            kb_notify_attempt *a = &m->att[m->natt++];
            a->at = sqlite3_column_int64(st, 0);
            a->ok = sqlite3_column_int(st, 1);
            a->code = (long)sqlite3_column_int64(st, 2);
            a->detail = kb_store_text(st, 3);
        }
        rc = kb_store_step_err(s, r, err, "notification attempts");
        kb_store_done(st);
    }
    kb_store_read_end(s, own);
    return rc;
}
