/* The service report over HTTP: GET /api/v1/reports/service (JSON, or ?format=pdf|markdown),
 * GET /api/v1/reports/service.pdf, POST /api/v1/reports/service/file (into the catalogue),
 * GET /api/v1/reports/service/schedule (when the next one is due) and the schedule's
 * setting. The figures come from kb (kb_svcreport.h); this file reads the request and
 * writes JSON. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kb_setting.h"
#include "kb_svcreport.h"
#include "kb_version.h"
#include "srv.h"

/* Reads from/to and gathers the report. */
static kb_status load(srv_req *rq, const char *from_day, const char *to_day, kb_store **s,
                      long long *now, kb_svcreport **out, kb_err *err)
{
    *out = NULL;
    long long from;
    long long to;
    kb_status rc = srv_req_store_now(rq, s, now, err);
    if (rc == KB_OK)
        rc = kb_svcreport_range(from_day, to_day, *now, &from, &to, err);
    if (rc == KB_OK) {
        srv_sla sla;
        srv_req_desk_sla(rq, &sla);
        rc = kb_svcreport_get(*s, &sla.sla, from, to, *now, out, err);
        srv_sla_free(&sla);
    }
    return rc;
}

static json_t *filed_json(const kb_svcreport_filed *f)
{
    return json_pack("{s:o,s:I,s:I,s:o,s:o}", "doc_no", srv_json_str(f->doc_no), "version",
                     (json_int_t)f->version, "attachment", (json_int_t)f->attachment,
                     "filed_at", srv_json_time(f->filed_at), "filed_by",
                     srv_json_str(f->filed_by));
}

static json_t *period_json(const kb_svc_period *p)
{
    return json_pack("{s:s,s:s,s:s}", "date", p->due, "from", p->from, "to", p->to);
}

/* The schedule and what it says at now. */
static kb_status schedule_json(kb_store *s, long long now, json_t **out, kb_err *err)
{
    *out = NULL;
    kb_svc_schedule sc;
    kb_status rc = kb_setting_report_schedule(s, &sc, err);
    if (rc != KB_OK)
        return rc;
    char today[KB_DATE_LEN];
    kb_date_of(now, today);
    json_t *o = json_pack("{s:s,s:i,s:s}", "every", kb_svc_every_name(sc.every), "day",
                          sc.day, "today", today);
    if (sc.every == KB_SVC_OFF) {
        json_object_set_new(o, "current", json_null());
        json_object_set_new(o, "next_due", json_null());
        json_object_set_new(o, "overdue", json_false());
        json_object_set_new(o, "days_overdue", json_integer(0));
        *out = o;
        return KB_OK;
    }
    kb_svc_period cur, next;
    kb_svc_schedule_periods(&sc, today, &cur, &next);
    int found = 0;
    kb_svcreport_filed f;
    rc = kb_svcreport_find(s, cur.from, cur.to, &found, &f, err);
    if (rc != KB_OK) {
        json_decref(o);
        return rc;
    }
    json_t *c = period_json(&cur);
    json_object_set_new(c, "filed", found ? filed_json(&f) : json_null());
    json_object_set_new(o, "current", c);
    long long late = 0;
    if (!found) {
        long long t0 = 0, t1 = 0;
        if (kb_date_parse(cur.due, &t0, NULL) == KB_OK &&
            kb_date_parse(today, &t1, NULL) == KB_OK)
            late = kb_date_day_number(t1) - kb_date_day_number(t0);
    }
    json_object_set_new(o, "next_due", period_json(found ? &next : &cur));
    json_object_set_new(o, "overdue", json_boolean(!found && late > 0));
    json_object_set_new(o, "days_overdue", json_integer(late > 0 ? late : 0));
    *out = o;
    return KB_OK;
}

static double one_decimal(long long met, long long n)
{
    return round(1000.0 * (double)met / (double)n) / 10.0;
}

static json_t *service_json(const kb_svcreport *r)
{
    json_t *o = json_object();
    kb_buf t;
    kb_buf_init(&t, 0);
    kb_svcreport_title(r, &t);
    json_object_set_new(o, "title", srv_json_str(kb_buf_str(&t)));
    kb_buf_free(&t);
    json_object_set_new(o, "from", json_string(r->from_day));
    json_object_set_new(o, "to", json_string(r->to_day));
    json_object_set_new(o, "generated_at", srv_json_time(r->now));
    json_object_set_new(o, "summary", srv_report_summary_obj(r->summary));
    json_t *a = json_array();
    for (size_t i = 0; i < r->ngaps; i++)
        json_array_append_new(a, json_pack("{s:o,s:I,s:o}", "query",
                                           srv_json_str(r->gaps[i].query), "count",
                                           (json_int_t)r->gaps[i].count, "last",
                                           srv_json_time(r->gaps[i].last)));
    json_object_set_new(o, "knowledge_gaps", a);
    json_t *c = srv_complaint_counts_json(&r->complaints);
    a = json_array();
    for (size_t i = 0; r->complaint_list && i < r->complaint_list->n; i++)
        json_array_append_new(a, srv_complaint_json(r->complaint_list->items[i], r->now));
    json_object_set_new(c, "items", a);
    json_object_set_new(c, "items_total",
                        json_integer(r->complaint_list ? r->complaint_list->total : 0));
    json_object_set_new(o, "complaints", c);
    char today[KB_DATE_LEN];
    kb_date_of(r->now, today);
    a = json_array();
    for (size_t i = 0; i < r->nactions; i++)
        json_array_append_new(a, srv_qaction_json(&r->actions[i], today));
    json_object_set_new(o, "improvement_actions",
                        json_pack("{s:I,s:I,s:I,s:o}", "total", (json_int_t)r->actions_total,
                                  "open", (json_int_t)r->actions_open, "overdue",
                                  (json_int_t)r->actions_overdue, "items", a));
    if (r->assets) {
        const kb_asset_report *x = r->assets;
        json_t *g = json_object();
        json_object_set_new(g, "assets", json_integer(x->assets));
        json_t *st = json_object();
        for (int i = 0; i < KB_ASSET_NSTATUSES; i++)
            json_object_set_new(st, kb_asset_status_name(i), json_integer(x->by_status[i]));
        json_object_set_new(g, "by_status", st);
        json_object_set_new(g, "warranty_ending", json_integer(x->total_warranty));
        json_t *m = json_array();
        for (size_t i = 0; i < x->nmodels && i < KB_SVCREPORT_ROWS; i++)
            json_array_append_new(m, json_pack("{s:o,s:o,s:I,s:I}", "model",
                                               srv_json_str(x->models[i].model), "brand",
                                               srv_json_str(x->models[i].brand), "incidents",
                                               (json_int_t)x->models[i].incidents, "assets",
                                               (json_int_t)x->models[i].assets));
        json_object_set_new(g, "models", m);
        json_object_set_new(o, "assets", g);
    } else {
        json_object_set_new(o, "assets", json_null());
    }
    if (r->maint.total) {
        const kb_svcreport_maint *m = &r->maint;
        json_object_set_new(o, "maintenance",
                            json_pack("{s:I,s:I,s:I,s:I,s:I,s:f}", "total", (json_int_t)m->total,
                                      "on_time", (json_int_t)m->on_time, "late",
                                      (json_int_t)m->late, "open", (json_int_t)m->open,
                                      "overdue", (json_int_t)m->overdue, "on_time_percent",
                                      one_decimal(m->on_time, m->total)));
    } else {
        json_object_set_new(o, "maintenance", json_null());
    }
    return o;
}

static void set_pdf(srv_resp *rs, const kb_svcreport *r, char *pdf, size_t len)
{
    rs->body = pdf;
    rs->body_len = len;
    rs->content_type = "application/pdf";
    snprintf(rs->filename, sizeof rs->filename, "service-report-%s_%s.pdf", r->from_day,
             r->to_day);
}

/* GET /api/v1/reports/service?from=&to=&format=json|pdf|markdown */
kb_status h_svcreport_get(srv_req *rq, srv_resp *rs, kb_err *err)
{
    const char *format = srv_req_arg(rq, "format");
    if (format && strcmp(format, "json") != 0 && strcmp(format, "pdf") != 0 &&
        strcmp(format, "markdown") != 0)
        return kb_err_set(err, KB_EINVAL, "'format' must be json, pdf or markdown, not '%.40s'",
                          format);
    kb_store *s;
    long long now;
    kb_svcreport *r = NULL;
    kb_status rc = load(rq, srv_req_arg(rq, "from"), srv_req_arg(rq, "to"), &s, &now, &r, err);
    if (rc != KB_OK)
        return rc;
    int found = 0;
    kb_svcreport_filed f;
    rc = kb_svcreport_find(s, r->from_day, r->to_day, &found, &f, err);
    if (rc == KB_OK && format && strcmp(format, "pdf") == 0) {
        char *pdf = NULL;
        size_t len = 0;
        rc = kb_svcreport_pdf(r, found ? f.doc_no : NULL, &pdf, &len, err);
        if (rc == KB_OK)
            set_pdf(rs, r, pdf, len);
    } else if (rc == KB_OK && format && strcmp(format, "markdown") == 0) {
        kb_buf b;
        kb_buf_init(&b, 0);
        kb_svcreport_markdown(r, &b);
        rs->body = kb_buf_detach(&b, &rs->body_len);
        rs->content_type = "text/markdown; charset=utf-8";
        kb_buf_free(&b);
    } else if (rc == KB_OK) {
        json_t *o = service_json(r);
        json_object_set_new(o, "filed", found ? filed_json(&f) : json_null());
        json_t *sc = NULL;
        rc = schedule_json(s, now, &sc, err);
        if (rc == KB_OK)
            json_object_set_new(o, "schedule", sc);
        if (rc == KB_OK)
            rs->json = o;
        else
            json_decref(o);
    }
    kb_svcreport_free(r);
    return rc;
}

/* GET /api/v1/reports/service.pdf?from=&to= */
kb_status h_svcreport_pdf(srv_req *rq, srv_resp *rs, kb_err *err)
{
    kb_store *s;
    long long now;
    kb_svcreport *r = NULL;
    kb_status rc = load(rq, srv_req_arg(rq, "from"), srv_req_arg(rq, "to"), &s, &now, &r, err);
    if (rc != KB_OK)
        return rc;
    int found = 0;
    kb_svcreport_filed f;
    rc = kb_svcreport_find(s, r->from_day, r->to_day, &found, &f, err);
    char *pdf = NULL;
    size_t len = 0;
    if (rc == KB_OK)
        rc = kb_svcreport_pdf(r, found ? f.doc_no : NULL, &pdf, &len, err);
    if (rc == KB_OK)
        set_pdf(rs, r, pdf, len);
    kb_svcreport_free(r);
    return rc;
}

/* A day member of body: absent or a string of at most 10 bytes. */
static kb_status body_day(json_t *body, const char *name, const char **out, kb_err *err)
{
    *out = NULL;
    json_t *v = body ? json_object_get(body, name) : NULL;
    if (!v || json_is_null(v))
        return KB_OK;
    if (!json_is_string(v) || json_string_length(v) > 10)
        return kb_err_set(err, KB_EINVAL, "'%s' must be a date YYYY-MM-DD", name);
    *out = json_string_value(v);
    return KB_OK;
}

/* POST /api/v1/reports/service/file {"from": "YYYY-MM-DD", "to": "YYYY-MM-DD"} */
kb_status h_svcreport_file(srv_req *rq, srv_resp *rs, kb_err *err)
{
    static const char *const allowed[] = { "from", "to", NULL };
    json_t *body = NULL;
    kb_status rc = srv_req_body(rq, 1, allowed, &body, err);
    const char *from = NULL;
    const char *to = NULL;
    if (rc == KB_OK)
        rc = body_day(body, "from", &from, err);
    if (rc == KB_OK)
        rc = body_day(body, "to", &to, err);
    kb_store *s;
    long long now;
    kb_svcreport *r = NULL;
    if (rc == KB_OK)
        rc = load(rq, from, to, &s, &now, &r, err);
    json_decref(body);
    if (rc != KB_OK)
        return rc;
    /* the PDF names the document number it is filed under: the period's document, or the
     * next free number (the filing below takes the same one inside its transaction unless
     * another filing comes first, which only changes the number printed) */
    int found = 0;
    kb_svcreport_filed f;
    char *pdf = NULL;
    size_t len = 0;
    rc = kb_svcreport_find(s, r->from_day, r->to_day, &found, &f, err);
    char *next = NULL;
    if (rc == KB_OK && !found)
        rc = kb_version_next_number(s, KB_SVCREPORT_PREFIX, KB_SVCREPORT_DIGITS, &next, err);
    if (rc == KB_OK)
        rc = kb_svcreport_pdf(r, found ? f.doc_no : next, &pdf, &len, err);
    kb_svcreport_filed out;
    if (rc == KB_OK)
        rc = kb_svcreport_file(s, r, pdf, len, rq->user, now, &out, err);
    if (rc == KB_OK) {
        json_t *o = filed_json(&out);
        json_object_set_new(o, "from", json_string(r->from_day));
        json_object_set_new(o, "to", json_string(r->to_day));
        json_object_set_new(o, "new_document", json_boolean(!found));
        rs->status = found ? 200 : 201;
        rs->json = o;
    }
    free(next);
    free(pdf);
    kb_svcreport_free(r);
    return rc;
}

/* GET /api/v1/reports/service/schedule */
kb_status h_svcreport_schedule(srv_req *rq, srv_resp *rs, kb_err *err)
{
    kb_store *s;
    long long now;
    kb_status rc = srv_req_store_now(rq, &s, &now, err);
    if (rc == KB_OK)
        rc = schedule_json(s, now, &rs->json, err);
    return rc;
}

/* PUT /api/v1/settings/report-schedule {"every": "monthly", "day": 5} */
kb_status h_svcreport_schedule_set(srv_req *rq, srv_resp *rs, kb_err *err)
{
    static const char *const allowed[] = { "every", "day", NULL };
    json_t *body = NULL;
    kb_status rc = srv_req_body(rq, 0, allowed, &body, err);
    if (rc != KB_OK)
        return rc;
    kb_svc_schedule sc = { KB_SVC_OFF, 0 };
    json_t *every = json_object_get(body, "every");
    json_t *day = json_object_get(body, "day");
    if (!json_is_string(every))
        rc = kb_err_set(err, KB_EINVAL, "'every' must be off, monthly or weekly");
    else
        rc = kb_svc_every_parse(json_string_value(every), &sc.every, err);
    if (rc == KB_OK && sc.every != KB_SVC_OFF) {
        if (!json_is_integer(day) || json_integer_value(day) < 1 ||
            json_integer_value(day) > 31)
            rc = kb_err_set(err, KB_EINVAL, "'day' must be a whole number (a day of the month "
                            "1-28, or of the week 1-7)");
        else
            sc.day = (int)json_integer_value(day);
    }
    json_decref(body);
    kb_store *s;
    long long now;
    if (rc == KB_OK)
        rc = srv_req_store_now(rq, &s, &now, err);
    if (rc == KB_OK)
        rc = kb_setting_set_report_schedule(s, &sc, rq->user, now, err);
    if (rc == KB_OK)
        rc = schedule_json(s, now, &rs->json, err);
    return rc;
}
