/* Service-desk reports: GET /api/v1/reports/summary (JSON), /api/v1/reports/summary.csv
 * (the same for the weekly review, opened in Excel) and /api/v1/reports/problems (the
 * problem-management view). The numbers come from kb (kb_report.h); this file reads the
 * query, turns records into JSON or CSV and formats times and durations. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kb_date.h"
#include "kb_report.h"
#include "kb_csv.h"
#include "srv.h"

#define DEFAULT_PROBLEMS 50u
#define MAX_PROBLEMS 500u

static const char *const age_names[KB_AGE_NBUCKETS] = {
    [KB_AGE_UNDER_1D] = "under_1_day",
    [KB_AGE_1D_3D] = "from_1_to_3_days",
    [KB_AGE_3D_7D] = "from_3_to_7_days",
    [KB_AGE_OVER_7D] = "over_7_days",
};


static void day_text(long long t, char out[32])
{
    kb_date_of(t, out);
}

/* Desk days in the report's period (some have 23 or 25 hours). */
static long long period_days(const kb_report_summary *r)
{
    return kb_date_day_number(r->to - 1) - kb_date_day_number(r->from) + 1;
}

/* met of n in percent with one decimal; n > 0. */
static double percent(long long met, long long n)
{
    return round(1000.0 * (double)met / (double)n) / 10.0;
}

static double two_decimals(double v)
{
    return round(v * 100.0) / 100.0;
}

/* Reads from/to and computes the summary for the request. */
static kb_status load_summary_days(srv_req *rq, const char *from_day, const char *to_day,
                                   kb_report_summary **out, kb_err *err)
{
    *out = NULL;
    long long now;
    long long from;
    long long to;
    kb_store *s;
    kb_status rc = srv_now(&now, err);
    if (rc == KB_OK)
        rc = kb_report_range(from_day, to_day, now, &from, &to, err);
    if (rc == KB_OK)
        rc = srv_req_store(rq, &s, err);
    if (rc == KB_OK) {
        srv_sla sla;
        srv_req_desk_sla(rq, &sla);
        rc = kb_report_summary_get(s, &sla.sla, from, to, now, out, err);
        srv_sla_free(&sla);
    }
    return rc;
}

static kb_status load_summary(srv_req *rq, kb_report_summary **out, kb_err *err)
{
    return load_summary_days(rq, srv_req_arg(rq, "from"), srv_req_arg(rq, "to"), out, err);
}

/* --- JSON --- */

static json_t *mean_seconds_json(long long seconds, long long n)
{
    return n ? json_integer(seconds) : json_null();
}

static json_t *mean_text_json(long long seconds, long long n)
{
    if (!n)
        return json_null();
    char buf[32];
    kb_report_duration(seconds, buf, sizeof buf);
    return json_string(buf);
}

/* The service requests' own section. */
static json_t *requests_json(const kb_req_report *q)
{
    json_t *o = json_object();
    json_object_set_new(o, "total", json_integer(q->total));
    json_t *g = json_object();
    for (int i = 0; i < KB_REQ_NSTATUS; i++)
        json_object_set_new(g, kb_request_status_name((kb_req_status)i),
                            json_integer(q->by_status[i]));
    json_object_set_new(o, "by_status", g);
    json_t *a = json_array();
    for (size_t i = 0; i < q->nitems; i++)
        json_array_append_new(a, json_pack("{s:o,s:I}", "item", srv_json_str(q->items[i]),
                                           "count", (json_int_t)q->item_counts[i]));
    json_object_set_new(o, "by_item", a);
    json_object_set_new(o, "fulfilled", json_integer(q->fulfilled));
    json_object_set_new(o, "fulfil_met", json_integer(q->fulfil_met));
    json_object_set_new(o, "fulfil_met_percent", q->fulfilled
                                                     ? json_real(percent(q->fulfil_met,
                                                                         q->fulfilled))
                                                     : json_null());
    json_object_set_new(o, "mean_time_to_fulfil_seconds",
                        mean_seconds_json(q->mean_fulfil_seconds, q->fulfilled));
    json_object_set_new(o, "awaiting_approval", json_integer(q->awaiting_approval));
    json_object_set_new(o, "open", json_integer(q->open));
    json_object_set_new(o, "loans_out", json_integer(q->loans_out));
    json_object_set_new(o, "loans_overdue", json_integer(q->loans_overdue));
    return o;
}

json_t *srv_report_summary_obj(const kb_report_summary *r)
{
    char day[32];
    json_t *o = json_object();
    day_text(r->from, day);
    json_object_set_new(o, "from", json_string(day));
    day_text(r->to - 1, day);
    json_object_set_new(o, "to", json_string(day));
    json_object_set_new(o, "days", json_integer(period_days(r)));
    json_object_set_new(o, "now", srv_json_time(r->now));
    json_object_set_new(o, "total", json_integer(r->total));

    json_t *g = json_object();
    for (int i = 0; i < KB_INC_NSTATUS; i++)
        json_object_set_new(g, kb_incident_status_name((kb_inc_status)i),
                            json_integer(r->by_status[i]));
    json_object_set_new(o, "by_status", g);
    g = json_object();
    for (size_t i = 0; i < r->ncategories; i++)
        json_object_set_new(g, r->categories[i].name, json_integer(r->categories[i].count));
    json_object_set_new(o, "by_category", g);
    g = json_object();
    for (size_t i = 0; i < r->nchannels; i++)
        json_object_set_new(g, r->channels[i].name, json_integer(r->channels[i].count));
    json_object_set_new(o, "by_channel", g);
    /* every day of the period, in order, 0 for days without incidents (for charts) */
    g = json_object();
    size_t next = 0;
    for (long long d = r->from; d < r->to; d = kb_date_add_days(d, 1)) {
        char name[KB_DATE_LEN];
        kb_date_of(d, name);
        long long n = 0;
        if (next < r->ndays && strcmp(r->days[next].name, name) == 0)
            n = r->days[next++].count;
        json_object_set_new(g, name, json_integer(n));
    }
    json_object_set_new(o, "by_day", g);
    g = json_object();
    for (int i = 0; i < 4; i++) {
        char p[4] = { 'P', (char)('1' + i), '\0', '\0' };
        json_object_set_new(g, p, json_integer(r->by_priority[i]));
    }
    json_object_set_new(o, "by_priority", g);

    g = json_object();
    json_object_set_new(g, "responded", json_integer(r->responded));
    json_object_set_new(g, "response_met", json_integer(r->response_met));
    json_object_set_new(g, "response_met_percent",
                        r->responded ? json_real(percent(r->response_met, r->responded))
                                     : json_null());
    json_object_set_new(g, "resolved", json_integer(r->resolved));
    json_object_set_new(g, "resolve_met", json_integer(r->resolve_met));
    json_object_set_new(g, "resolve_met_percent",
                        r->resolved ? json_real(percent(r->resolve_met, r->resolved))
                                    : json_null());
    json_t *bp = json_object();
    for (int i = 0; i < 4; i++) {
        char p[4] = { 'P', (char)('1' + i), '\0', '\0' };
        long long rsp = r->sla_by_priority[i].responded;
        long long rspm = r->sla_by_priority[i].response_met;
        long long res = r->sla_by_priority[i].resolved;
        long long resm = r->sla_by_priority[i].resolve_met;
        json_object_set_new(bp, p, json_pack("{s:I,s:I,s:o,s:I,s:I,s:o}", "responded",
                                             (json_int_t)rsp, "response_met", (json_int_t)rspm,
                                             "response_met_percent",
                                             rsp ? json_real(percent(rspm, rsp)) : json_null(),
                                             "resolved", (json_int_t)res, "resolve_met",
                                             (json_int_t)resm, "resolve_met_percent",
                                             res ? json_real(percent(resm, res)) : json_null()));
    }
    json_object_set_new(g, "by_priority", bp);
    json_object_set_new(o, "sla", g);
    json_object_set_new(o, "mean_time_to_respond_seconds",
                        mean_seconds_json(r->mean_respond_seconds, r->responded));
    json_object_set_new(o, "mean_time_to_respond",
                        mean_text_json(r->mean_respond_seconds, r->responded));
    json_object_set_new(o, "mean_time_to_resolve_seconds",
                        mean_seconds_json(r->mean_resolve_seconds, r->resolved));
    json_object_set_new(o, "mean_time_to_resolve",
                        mean_text_json(r->mean_resolve_seconds, r->resolved));

    g = json_object();
    json_object_set_new(g, "ratings", json_integer(r->ratings));
    json_object_set_new(g, "average",
                        r->ratings ? json_real(two_decimals(r->rating_average)) : json_null());
    json_t *d = json_object();
    for (int i = 0; i < 5; i++) {
        char k[2] = { (char)('1' + i), '\0' };
        json_object_set_new(d, k, json_integer(r->rating[i]));
    }
    json_object_set_new(g, "distribution", d);
    json_object_set_new(o, "satisfaction", g);

    json_t *a = json_array();
    for (size_t i = 0; i < r->ntop; i++) {
        json_t *it = json_object();
        json_object_set_new(it, "kb_id", srv_json_str(r->top[i].kb_id));
        json_object_set_new(it, "title", srv_json_str(r->top[i].title));
        json_object_set_new(it, "type", srv_json_str(r->top[i].type));
        json_object_set_new(it, "count", json_integer(r->top[i].count));
        json_array_append_new(a, it);
    }
    json_object_set_new(o, "top_known_errors", a);

    g = json_object();
    json_object_set_new(g, "incidents", json_integer(r->reopened));
    json_object_set_new(g, "events", json_integer(r->reopen_events));
    json_object_set_new(o, "reopened", g);
    json_object_set_new(o, "complaints", json_integer(r->complaints));
    g = json_object();
    json_object_set_new(g, "open", json_integer(r->open));
    for (int i = 0; i < KB_AGE_NBUCKETS; i++)
        json_object_set_new(g, age_names[i], json_integer(r->aging[i]));
    json_object_set_new(o, "aging", g);
    json_object_set_new(o, "requests", requests_json(&r->requests));
    return o;
}

kb_status srv_report_summary_json(srv_req *rq, const char *from_day, const char *to_day,
                                  json_t **out, kb_err *err)
{
    *out = NULL;
    kb_report_summary *r = NULL;
    kb_status rc = load_summary_days(rq, from_day, to_day, &r, err);
    if (rc != KB_OK)
        return rc;
    json_t *o = srv_report_summary_obj(r);
    /* the complaint records of the period (kb_complaint.h) beside the flagged incidents */
    kb_complaint_counts c;
    kb_store *s = NULL;
    rc = srv_req_store(rq, &s, err);
    if (rc == KB_OK)
        rc = kb_complaint_counts_get(s, r->from, r->to, r->now, &c, err);
    if (rc == KB_OK)
        json_object_set_new(o, "complaint_records", srv_complaint_counts_json(&c));
    kb_report_summary_free(r);
    if (rc != KB_OK) {
        json_decref(o);
        return rc;
    }
    *out = o;
    return KB_OK;
}

/* GET /api/v1/reports/summary?from=YYYY-MM-DD&to=YYYY-MM-DD */
kb_status h_report_summary(srv_req *rq, srv_resp *rs, kb_err *err)
{
    return srv_report_summary_json(rq, srv_req_arg(rq, "from"), srv_req_arg(rq, "to"),
                                   &rs->json, err);
}

/* --- CSV --- */

static void csv_row(kb_buf *b, const char *section, const char *key, const char *value,
                    const char *detail)
{
    const char *fields[] = { section, key, value, detail };
    kb_csv_row(b, fields, sizeof fields / sizeof fields[0]);
}

static void csv_int(kb_buf *b, const char *section, const char *key, long long v)
{
    char num[32];
    snprintf(num, sizeof num, "%lld", v);
    csv_row(b, section, key, num, NULL);
}

/* A value with one or two decimals, or "" when there is none (n == 0). */
static void csv_real(kb_buf *b, const char *section, const char *key, double v, int decimals,
                     long long n)
{
    char num[64] = "";
    if (n)
        snprintf(num, sizeof num, "%.*f", decimals, v);
    csv_row(b, section, key, num, NULL);
}

static void csv_mean(kb_buf *b, const char *key, long long seconds, long long n)
{
    char num[32] = "";
    char text[32] = "";
    if (n) {
        snprintf(num, sizeof num, "%lld", seconds);
        kb_report_duration(seconds, text, sizeof text);
    }
    csv_row(b, "time", key, num, text);
}

static void summary_csv(const kb_report_summary *r, kb_buf *b)
{
    char v[32];
    kb_buf_adds(b, KB_CSV_BOM);
    csv_row(b, "section", "key", "value", "detail");
    day_text(r->from, v);
    csv_row(b, "period", "from", v, NULL);
    day_text(r->to - 1, v);
    csv_row(b, "period", "to", v, NULL);
    csv_int(b, "period", "days", period_days(r));
    kb_incident_format_time(r->now, v, sizeof v);
    csv_row(b, "period", "now", v, NULL);
    csv_int(b, "incidents", "total", r->total);
    for (int i = 0; i < KB_INC_NSTATUS; i++)
        csv_int(b, "status", kb_incident_status_name((kb_inc_status)i), r->by_status[i]);
    for (size_t i = 0; i < r->ncategories; i++)
        csv_int(b, "category", r->categories[i].name, r->categories[i].count);
    for (int i = 0; i < 4; i++) {
        char p[4] = { 'P', (char)('1' + i), '\0', '\0' };
        csv_int(b, "priority", p, r->by_priority[i]);
    }
    csv_int(b, "sla", "responded", r->responded);
    csv_int(b, "sla", "response_met", r->response_met);
    csv_real(b, "sla", "response_met_percent",
             r->responded ? percent(r->response_met, r->responded) : 0, 1, r->responded);
    csv_int(b, "sla", "resolved", r->resolved);
    csv_int(b, "sla", "resolve_met", r->resolve_met);
    csv_real(b, "sla", "resolve_met_percent",
             r->resolved ? percent(r->resolve_met, r->resolved) : 0, 1, r->resolved);
    csv_mean(b, "mean_time_to_respond_seconds", r->mean_respond_seconds, r->responded);
    csv_mean(b, "mean_time_to_resolve_seconds", r->mean_resolve_seconds, r->resolved);
    csv_int(b, "satisfaction", "ratings", r->ratings);
    csv_real(b, "satisfaction", "average", two_decimals(r->rating_average), 2, r->ratings);
    for (int i = 0; i < 5; i++) {
        char k[2] = { (char)('1' + i), '\0' };
        csv_int(b, "satisfaction", k, r->rating[i]);
    }
    for (size_t i = 0; i < r->ntop; i++) {
        snprintf(v, sizeof v, "%lld", r->top[i].count);
        csv_row(b, "top_known_error", r->top[i].kb_id, v, r->top[i].title);
    }
    csv_int(b, "reopened", "incidents", r->reopened);
    csv_int(b, "reopened", "events", r->reopen_events);
    csv_int(b, "complaints", "incidents", r->complaints);
    csv_int(b, "aging", "open", r->open);
    for (int i = 0; i < KB_AGE_NBUCKETS; i++)
        csv_int(b, "aging", age_names[i], r->aging[i]);
    const kb_req_report *q = &r->requests;
    csv_int(b, "requests", "total", q->total);
    for (int i = 0; i < KB_REQ_NSTATUS; i++)
        csv_int(b, "request_status", kb_request_status_name((kb_req_status)i), q->by_status[i]);
    for (size_t i = 0; i < q->nitems; i++)
        csv_int(b, "request_item", q->items[i], q->item_counts[i]);
    csv_int(b, "requests", "fulfilled", q->fulfilled);
    csv_int(b, "requests", "fulfil_met", q->fulfil_met);
    csv_real(b, "requests", "fulfil_met_percent",
             q->fulfilled ? percent(q->fulfil_met, q->fulfilled) : 0, 1, q->fulfilled);
    csv_int(b, "requests", "awaiting_approval", q->awaiting_approval);
    csv_int(b, "requests", "open", q->open);
    csv_int(b, "requests", "loans_out", q->loans_out);
    csv_int(b, "requests", "loans_overdue", q->loans_overdue);
}

/* GET /api/v1/reports/summary.csv?from=YYYY-MM-DD&to=YYYY-MM-DD */
kb_status h_report_summary_csv(srv_req *rq, srv_resp *rs, kb_err *err)
{
    kb_report_summary *r = NULL;
    kb_status rc = load_summary(rq, &r, err);
    if (rc != KB_OK)
        return rc;
    kb_buf b;
    kb_buf_init(&b, 0);
    summary_csv(r, &b);
    kb_report_summary_free(r);
    rs->body = kb_buf_detach(&b, &rs->body_len);
    rs->content_type = KB_CSV_TYPE;
    kb_buf_free(&b);
    return KB_OK;
}

/* --- problems --- */

/* GET /api/v1/reports/problems?min=2&limit=50: resolutions reused without a known error. */
kb_status h_report_problems(srv_req *rq, srv_resp *rs, kb_err *err)
{
    size_t min;
    size_t limit;
    kb_status rc = srv_req_uint(rq, "min", KB_REPORT_MIN_GROUP, KB_REPORT_MAX_GROUP,
                                KB_REPORT_MIN_GROUP, &min, err);
    if (rc == KB_OK)
        rc = srv_req_limit(rq, DEFAULT_PROBLEMS, MAX_PROBLEMS, &limit, err);
    kb_store *s;
    if (rc == KB_OK)
        rc = srv_req_store(rq, &s, err);
    kb_report_problem *p = NULL;
    size_t n = 0;
    size_t total = 0;
    if (rc == KB_OK)
        rc = kb_report_problems(s, min, limit, &p, &n, &total, err);
    if (rc != KB_OK)
        return rc;
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++) {
        json_t *o = json_object();
        json_object_set_new(o, "resolution", srv_json_str(p[i].resolution));
        json_object_set_new(o, "key", srv_json_str(p[i].key));
        json_object_set_new(o, "count", json_integer(p[i].count));
        json_object_set_new(o, "numbers", srv_json_strings(p[i].numbers, p[i].nnumbers));
        json_object_set_new(o, "categories", srv_json_strings(p[i].categories, p[i].ncategories));
        json_object_set_new(o, "last_resolved", srv_json_time(p[i].last_resolved));
        json_array_append_new(a, o);
    }
    kb_report_problems_free(p, n);
    json_t *o = json_object();
    json_object_set_new(o, "min", json_integer((json_int_t)min));
    json_object_set_new(o, "limit", json_integer((json_int_t)limit));
    json_object_set_new(o, "total", json_integer((json_int_t)total));
    json_object_set_new(o, "problems", a);
    rs->json = o;
    return KB_OK;
}
