/* The desk's settings: GET/PUT /api/v1/settings/doc-number-rule (the rule document
 * numbers must match), /api/v1/settings/time-zone (the desk's clock for days and business
 * hours; /settings/utc-offset is its older, fixed-offset form) and
 * /api/v1/settings/calendar (the business calendar of the SLA clocks) and
 * /api/v1/settings/notification-retention (days finished notifications are kept). */
#include <stdlib.h>
#include <string.h>

#include "kb_calendar.h"
#include "kb_date.h"
#include "kb_notify.h"
#include "kb_setting.h"
#include "kb_store.h"
#include "kb_version.h"
#include "srv.h"

/* --- the numbering rule --- */

kb_status h_rule_get(srv_req *rq, srv_resp *rs, kb_err *err)
{
    kb_store *s;
    char *rule = NULL;
    kb_status rc = srv_req_store(rq, &s, err);
    if (rc == KB_OK)
        rc = kb_version_rule(s, &rule, err);
    if (rc != KB_OK)
        return rc;
    json_t *o = json_object();
    json_object_set_new(o, "rule", srv_json_str(rule));
    free(rule);
    rs->json = o;
    return KB_OK;
}

kb_status h_rule_set(srv_req *rq, srv_resp *rs, kb_err *err)
{
    json_t *in;
    const char *rule;
    kb_status rc = srv_req_body_str(rq, "rule", &in, &rule, err);
    if (rc == KB_OK && (!rule || !*rule))
        rc = kb_err_set(err, KB_EINVAL, "field 'rule' is required: a regular expression a "
                        "whole document number must match");
    kb_store *s;
    long long now;
    if (rc == KB_OK)
        rc = srv_req_store_now(rq, &s, &now, err);
    if (rc == KB_OK)
        rc = kb_version_set_rule(s, rule, rq->user, now, err);
    json_decref(in);
    return rc == KB_OK ? h_rule_get(rq, rs, err) : rc;
}

/* --- the desk's time zone (days of incident numbers, reports and documents; business
 * hours) --- */

static json_t *offset_json(long long seconds)
{
    char text[8];
    kb_date_format_offset(seconds, text);
    return json_string(text);
}

kb_status h_zone_get(srv_req *rq, srv_resp *rs, kb_err *err)
{
    kb_store *s;
    long long now;
    char *name = NULL;
    kb_status rc = srv_req_store_now(rq, &s, &now, err);
    if (rc == KB_OK)
        rc = kb_setting_time_zone(s, &name, err);
    if (rc != KB_OK)
        return rc;
    json_t *o = json_object();
    json_object_set_new(o, "time_zone", srv_json_str(name));
    kb_tz *tz = NULL;
    kb_err why;
    if (kb_date_zone_open(name, &tz, &why) == KB_OK) {
        kb_tz_local l;
        kb_tz_local_of(tz, now, &l);
        json_object_set_new(o, "utc_offset", offset_json(l.offset));
        json_object_set_new(o, "seconds", json_integer(l.offset));
        json_object_set_new(o, "abbreviation", srv_json_str(l.abbr));
        json_object_set_new(o, "dst", json_boolean(l.dst));
        json_object_set_new(o, "fixed", json_boolean(kb_tz_is_fixed(tz)));
    } else { /* e.g. the zone database lost the zone: say so rather than fail */
        json_object_set_new(o, "utc_offset", json_null());
        json_object_set_new(o, "problem", srv_json_str(why.msg));
    }
    json_object_set_new(o, "at", srv_json_time(now));
    kb_tz_free(tz);
    free(name);
    rs->json = o;
    return KB_OK;
}

kb_status h_zone_set(srv_req *rq, srv_resp *rs, kb_err *err)
{
    json_t *in;
    const char *name;
    kb_status rc = srv_req_body_str(rq, "time_zone", &in, &name, err);
    if (rc == KB_OK && (!name || !*name))
        rc = kb_err_set(err, KB_EINVAL, "field 'time_zone' is required: an IANA time zone "
                        "such as \"Asia/Shanghai\", \"UTC\" or a fixed offset \"+08:00\"");
    kb_store *s;
    long long now;
    if (rc == KB_OK)
        rc = srv_req_store_now(rq, &s, &now, err);
    if (rc == KB_OK)
        rc = kb_setting_set_time_zone(s, name, rq->user, now, err);
    json_decref(in);
    return rc == KB_OK ? h_zone_get(rq, rs, err) : rc;
}

/* The older form: the desk's UTC offset now; setting it makes a fixed-offset zone. */
kb_status h_offset_get(srv_req *rq, srv_resp *rs, kb_err *err)
{
    kb_store *s;
    long long now;
    char *name = NULL;
    kb_tz *tz = NULL;
    kb_status rc = srv_req_store_now(rq, &s, &now, err);
    if (rc == KB_OK)
        rc = kb_setting_time_zone(s, &name, err);
    if (rc == KB_OK)
        rc = kb_date_zone_open(name, &tz, err);
    free(name);
    if (rc != KB_OK)
        return rc;
    long long v = kb_tz_offset(tz, now);
    kb_tz_free(tz);
    json_t *o = json_object();
    json_object_set_new(o, "utc_offset", offset_json(v));
    json_object_set_new(o, "seconds", json_integer(v));
    rs->json = o;
    return KB_OK;
}

kb_status h_offset_set(srv_req *rq, srv_resp *rs, kb_err *err)
{
    json_t *in;
    const char *text;
    long long v = 0;
    kb_status rc = srv_req_body_str(rq, "utc_offset", &in, &text, err);
    if (rc == KB_OK && !text)
        rc = kb_err_set(err, KB_EINVAL, "field 'utc_offset' is required, e.g. \"+08:00\"");
    if (rc == KB_OK)
        rc = kb_date_parse_offset(text, &v, err);
    kb_store *s;
    long long now;
    if (rc == KB_OK)
        rc = srv_req_store_now(rq, &s, &now, err);
    char name[8];
    kb_date_format_offset(v, name);
    if (rc == KB_OK)
        rc = kb_setting_set_time_zone(s, v ? name : "UTC", rq->user, now, err);
    json_decref(in);
    return rc == KB_OK ? h_offset_get(rq, rs, err) : rc;
}

/* --- the business calendar --- */

static json_t *day_json(long long day)
{
    long long y;
    unsigned m, d;
    kb_tz_civil_from_days(day, &y, &m, &d);
    char text[32];
    snprintf(text, sizeof text, "%04lld-%02u-%02u", y, m, d);
    return json_string(text);
}

kb_status h_calendar_get(srv_req *rq, srv_resp *rs, kb_err *err)
{
    kb_store *s;
    char *text = NULL;
    char *zone = NULL;
    int is_default = 0;
    kb_status rc = srv_req_store(rq, &s, err);
    if (rc == KB_OK)
        rc = kb_setting_calendar(s, &text, &is_default, err);
    if (rc == KB_OK)
        rc = kb_setting_time_zone(s, &zone, err);
    kb_calendar *c = NULL;
    if (rc == KB_OK)
        rc = kb_calendar_parse(text, strlen(text), &c, NULL, err);
    if (rc != KB_OK) {
        free(text);
        free(zone);
        return rc == KB_EPARSE ? kb_err_prefix(err, KB_EINTERNAL, "the stored calendar is broken")
                               : rc;
    }
    kb_cal_stats st;
    kb_calendar_stats(c, &st);
    kb_calendar_free(c);
    json_t *o = json_object();
    json_object_set_new(o, "calendar", srv_json_str(text));
    json_object_set_new(o, "default", json_boolean(is_default));
    json_object_set_new(o, "time_zone", srv_json_str(zone));
    json_object_set_new(o, "weekly_hours", json_real((double)st.weekly_seconds / 3600.0));
    json_object_set_new(o, "holidays", json_integer((json_int_t)st.holidays));
    json_object_set_new(o, "workdays", json_integer((json_int_t)st.workdays));
    json_object_set_new(o, "first_day", st.holidays + st.workdays ? day_json(st.first_day)
                                                                   : json_null());
    json_object_set_new(o, "last_day", st.holidays + st.workdays ? day_json(st.last_day)
                                                                  : json_null());
    free(text);
    free(zone);
    rs->json = o;
    return KB_OK;
}

kb_status h_calendar_set(srv_req *rq, srv_resp *rs, kb_err *err)
{
    json_t *in;
    const char *text;
    kb_status rc = srv_req_body_str(rq, "calendar", &in, &text, err);
    if (rc == KB_OK && !text)
        rc = kb_err_set(err, KB_EINVAL, "field 'calendar' is required: the calendar's text, "
                        "e.g. \"hours mon-fri 09:00-18:00\\nholiday 2026-10-01..2026-10-07 "
                        "国庆节\"");
    kb_store *s;
    long long now;
    if (rc == KB_OK)
        rc = srv_req_store_now(rq, &s, &now, err);
    if (rc == KB_OK)
        rc = kb_setting_set_calendar(s, text, strlen(text), rq->user, now, NULL, err);
    json_decref(in);
    return rc == KB_OK ? h_calendar_get(rq, rs, err) : rc;
}

/* --- how long delivered and failed notifications are kept --- */

kb_status h_notify_keep_get(srv_req *rq, srv_resp *rs, kb_err *err)
{
    kb_store *s;
    long long days = 0;
    kb_status rc = srv_req_store(rq, &s, err);
    if (rc == KB_OK)
        rc = kb_setting_notify_keep_days(s, &days, err);
    if (rc != KB_OK)
        return rc;
    rs->json = json_object();
    json_object_set_new(rs->json, "days", json_integer(days));
    return KB_OK;
}

/* PUT {"days": N}: 1 to KB_NOTIFY_KEEP_DAYS_MAX. */
kb_status h_notify_keep_set(srv_req *rq, srv_resp *rs, kb_err *err)
{
    static const char *const allowed[] = { "days", NULL };
    json_t *o = NULL;
    long long days = 0, now = 0;
    kb_store *s;
    kb_status rc = srv_req_body(rq, 0, allowed, &o, err);
    if (rc == KB_OK)
        rc = srv_json_get_int(o, "days", 1, KB_NOTIFY_KEEP_DAYS_MAX, 1, &days, err);
    json_decref(o);
    if (rc == KB_OK)
        rc = srv_req_store_now(rq, &s, &now, err);
    if (rc == KB_OK)
        rc = kb_setting_set_notify_keep_days(s, days, rq->user, now, err);
    return rc == KB_OK ? h_notify_keep_get(rq, rs, err) : rc;
}
