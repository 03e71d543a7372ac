/* The desk's settings in the setting table (created with the version tables, schema
 * version 8): the time zone, the business calendar and how long finished notifications
 * are kept. See include/kb_setting.h. */
#include "kb_setting.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kb_alloc.h"
#include "kb_audit.h"
#include "kb_buf.h"
#include "kb_date.h"
#include "kb_log.h"
#include "kb_notify.h"
#include "kb_svcreport.h"
#include "store_int.h"

#define KEY_ZONE "time_zone"
#define KEY_OFFSET "utc_offset" /* databases from before time zones: seconds east of UTC */
#define KEY_CALENDAR "calendar"
#define KEY_NOTIFY_KEEP "notify_keep_days"
#define KEY_REPORT_SCHEDULE "report_schedule" /* "monthly:5", "weekly:1", "off" */

static const char sql_get[] = "SELECT value FROM setting WHERE key = ?1";
static const char sql_put[] = "INSERT OR REPLACE INTO setting(key, value) VALUES (?1, ?2)";
static const char sql_del[] = "DELETE FROM setting WHERE key = ?1";
/* not cached: kb_setting_apply runs once per connection, also before the table exists */
static const char sql_zone_keys[] =
    "SELECT key, value FROM setting WHERE key IN ('" KEY_ZONE "', '" KEY_OFFSET "')";

/* The value of key into *out (NULL when absent; free() it). */
static kb_status get_value(kb_store *s, const char *key, char **out, kb_err *err)
{
    *out = NULL;
    sqlite3_stmt *st = kb_store_cached(s, sql_get, err);
    if (!st)
        return KB_EDB;
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *out = kb_store_text(st, 0);
    kb_store_done(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? KB_OK : kb_store_db_err(s, err, "settings");
}

static kb_status put_value(kb_store *s, const char *key, const char *value, size_t len,
                           kb_err *err)
{
    sqlite3_stmt *st = kb_store_cached(s, sql_put, err);
    if (!st)
        return KB_EDB;
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, value, (int)len, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    kb_store_done(st);
    return rc == SQLITE_DONE ? KB_OK : kb_store_db_err(s, err, "settings");
}

static kb_status del_value(kb_store *s, const char *key, kb_err *err)
{
    sqlite3_stmt *st = kb_store_cached(s, sql_del, err);
    if (!st)
        return KB_EDB;
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    kb_store_done(st);
    return rc == SQLITE_DONE ? KB_OK : kb_store_db_err(s, err, "settings");
}

/* Stores value (len bytes) under key, deletes key `drop` (NULL: none) and audits it as
 * setting.update of "setting:<key>" with summary: one transaction. */
static kb_status put_audited(kb_store *s, const char *key, const char *value, size_t len,
                             const char *drop, const char *summary, const char *actor,
                             long long at, kb_err *err)
{
    int own;
    kb_status rc = kb_store_write_begin(s, &own, err);
    if (rc != KB_OK)
        return rc;
    rc = put_value(s, key, value, len, err);
    if (rc == KB_OK && drop)
        rc = del_value(s, drop, err);
    char object[64];
    snprintf(object, sizeof object, "setting:%s", key);
    if (rc == KB_OK)
        rc = kb_audit_append(s, at, actor, "setting.update", object, summary, err);
    return kb_store_write_end(s, own, rc, err);
}

/* The zone name of a stored UTC offset ("28800" -> "+08:00", "0" -> "UTC"). */
static char *offset_name(const char *value)
{
    char *end;
    errno = 0;
    long long v = strtoll(value, &end, 10);
    if (errno || end == value || *end || v == 0 || v < -KB_DATE_MAX_OFFSET ||
        v > KB_DATE_MAX_OFFSET)
        return kb_xstrdup("UTC");
    char text[8];
    kb_date_format_offset(v, text);
    return kb_xstrdup(text);
}

/* --- the time zone --- */

void kb_setting_apply(kb_store *s)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(kb_store_db(s), sql_zone_keys, -1, &st, NULL) != SQLITE_OK)
        return;
    char *name = NULL;
    while (sqlite3_step(st) == SQLITE_ROW) {
        const char *key = (const char *)sqlite3_column_text(st, 0);
        const char *value = (const char *)sqlite3_column_text(st, 1);
        if (!key || !value)
            continue;
        if (strcmp(key, KEY_ZONE) == 0) {
            free(name);
            name = kb_xstrdup(value);
        } else if (!name) {
            name = offset_name(value);
        }
    }
    sqlite3_finalize(st);
    if (!name)
        return; /* never set: the process keeps its zone (UTC unless set) */
    kb_tz *now = kb_date_zone();
    kb_tz *tz = NULL;
    kb_err err;
    /* the pool opens many connections: load the zone once */
    if (strcmp(kb_tz_name(now), name) != 0) {
        if (kb_date_zone_open(name, &tz, &err) == KB_OK)
            kb_date_set_zone(tz);
        else
            kb_log(KB_LOG_WARN, "the desk's time zone '%s' cannot be used, days stay in '%s': "
                   "%s", name, kb_tz_name(now), err.msg);
    }
    kb_tz_free(tz);
    kb_tz_free(now);
    free(name);
}

kb_status kb_setting_time_zone(kb_store *s, char **out, kb_err *err)
{
    *out = NULL;
    char *v = NULL;
    kb_status rc = get_value(s, KEY_ZONE, &v, err);
    if (rc != KB_OK || v) {
        *out = v;
        return rc;
    }
    rc = get_value(s, KEY_OFFSET, &v, err);
    if (rc == KB_OK)
        *out = v ? offset_name(v) : kb_xstrdup("UTC");
    free(v);
    return rc;
}

kb_status kb_setting_set_time_zone(kb_store *s, const char *name, const char *actor,
                                   long long at, kb_err *err)
{
    kb_tz *tz = NULL;
    kb_status rc = kb_date_zone_open(name, &tz, err);
    if (rc != KB_OK)
        return rc;
    const char *canonical = kb_tz_name(tz);
    kb_buf sum;
    kb_buf_init(&sum, 0);
    kb_buf_addf(&sum, "desk time zone: %s", canonical);
    /* the old offset goes: one source of truth from now on */
    rc = put_audited(s, KEY_ZONE, canonical, strlen(canonical), KEY_OFFSET, kb_buf_str(&sum),
                     actor, at, err);
    kb_buf_free(&sum);
    if (rc == KB_OK)
        kb_date_set_zone(tz);
    kb_tz_free(tz);
    return rc;
}

/* --- the business calendar --- */

kb_status kb_setting_calendar(kb_store *s, char **out, int *is_default, kb_err *err)
{
    char *v = NULL;
    kb_status rc = get_value(s, KEY_CALENDAR, &v, err);
    if (is_default)
        *is_default = rc == KB_OK && !v;
    *out = rc == KB_OK && !v ? kb_xstrdup(KB_CALENDAR_DEFAULT) : v;
    return rc;
}

kb_status kb_setting_calendar_load(kb_store *s, kb_calendar **out, kb_err *err)
{
    *out = NULL;
    char *text = NULL;
    kb_status rc = kb_setting_calendar(s, &text, NULL, err);
    if (rc != KB_OK)
        return rc;
    size_t line = 0;
    kb_err why;
    rc = kb_calendar_parse(text, strlen(text), out, &line, &why);
    free(text);
    if (rc != KB_OK)
        return kb_err_set(err, KB_EINTERNAL, "the stored business calendar is broken (%s); "
                          "store it again", why.msg);
    return KB_OK;
}

kb_status kb_setting_set_calendar(kb_store *s, const char *p, size_t len, const char *actor,
                                  long long at, size_t *line, kb_err *err)
{
    kb_calendar *c = NULL;
    kb_status rc = kb_calendar_parse(p, len, &c, line, err);
    if (rc != KB_OK)
        return rc;
    kb_cal_stats st;
    kb_calendar_stats(c, &st);
    kb_calendar_free(c);
    kb_buf sum;
    kb_buf_init(&sum, 0);
    kb_buf_addf(&sum, "business calendar: %lld:%02lld working hours a week, %zu holidays, "
                "%zu make-up working days", st.weekly_seconds / 3600,
                st.weekly_seconds / 60 % 60, st.holidays, st.workdays);
    if (st.holidays + st.workdays) {
        char first[32];
        char last[32];
        long long y;
        unsigned m, d;
        kb_tz_civil_from_days(st.first_day, &y, &m, &d);
        snprintf(first, sizeof first, "%04lld-%02u-%02u", y, m, d);
        kb_tz_civil_from_days(st.last_day, &y, &m, &d);
        snprintf(last, sizeof last, "%04lld-%02u-%02u", y, m, d);
        kb_buf_addf(&sum, " from %s to %s", first, last);
    }
    rc = put_audited(s, KEY_CALENDAR, p, len, NULL, kb_buf_str(&sum), actor, at, err);
    kb_buf_free(&sum);
    return rc;
}

/* --- how long finished notifications are kept --- */

kb_status kb_setting_notify_keep_days(kb_store *s, long long *out, kb_err *err)
{
    char *v = NULL;
    *out = KB_NOTIFY_KEEP_DAYS;
    kb_status rc = get_value(s, KEY_NOTIFY_KEEP, &v, err);
    if (rc == KB_OK && v) {
        char *end;
        errno = 0;
        long long d = strtoll(v, &end, 10);
        if (!errno && end != v && !*end && d >= 1 && d <= KB_NOTIFY_KEEP_DAYS_MAX)
            *out = d; /* anything else (edited by hand): the default */
    }
    free(v);
    return rc;
}

kb_status kb_setting_set_notify_keep_days(kb_store *s, long long days, const char *actor,
                                          long long at, kb_err *err)
{
    if (days < 1 || days > KB_NOTIFY_KEEP_DAYS_MAX)
        return kb_err_set(err, KB_EINVAL, "field 'days' must be a whole number from 1 to %d",
                          KB_NOTIFY_KEEP_DAYS_MAX);
    char text[24], sum[80];
    snprintf(text, sizeof text, "%lld", days);
    snprintf(sum, sizeof sum, "delivered and failed notifications kept %lld days", days);
    return put_audited(s, KEY_NOTIFY_KEEP, text, strlen(text), NULL, sum, actor, at, err);
}

/* --- when service reports are due --- */

kb_status kb_setting_report_schedule(kb_store *s, kb_svc_schedule *out, kb_err *err)
{
    const kb_svc_schedule def = KB_SVC_SCHEDULE_DEFAULT;
    *out = def;
    char *v = NULL;
    kb_status rc = get_value(s, KEY_REPORT_SCHEDULE, &v, err);
    if (rc == KB_OK && v) {
        char every[16] = "";
        int day = 0;
        kb_svc_schedule sc = def;
        if (strcmp(v, "off") == 0) {
            sc.every = KB_SVC_OFF;
            sc.day = 0;
            *out = sc;
        } else if (sscanf(v, "%15[a-z]:%d", every, &day) == 2 &&
                   kb_svc_every_parse(every, &sc.every, NULL) == KB_OK) {
            sc.day = day;
            if (sc.every != KB_SVC_OFF && kb_svc_schedule_check(&sc, NULL) == KB_OK)
                *out = sc; /* anything else (edited by hand): the default */
        }
    }
    free(v);
    return rc;
}

kb_status kb_setting_set_report_schedule(kb_store *s, const kb_svc_schedule *sc,
                                         const char *actor, long long at, kb_err *err)
{
    kb_status rc = kb_svc_schedule_check(sc, err);
    if (rc != KB_OK)
        return rc;
    char text[32], sum[80];
    if (sc->every == KB_SVC_OFF) {
        snprintf(text, sizeof text, "off");
        snprintf(sum, sizeof sum, "service reports not scheduled");
    } else {
        snprintf(text, sizeof text, "%s:%d", kb_svc_every_name(sc->every), sc->day);
        snprintf(sum, sizeof sum, "service reports due %s on day %d",
                 kb_svc_every_name(sc->every), sc->day);
    }
    return put_audited(s, KEY_REPORT_SCHEDULE, text, strlen(text), NULL, sum, actor, at, err);
}
