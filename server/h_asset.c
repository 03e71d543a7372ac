/* The asset archive endpoints: /api/v1/assets (search and list, create),
 * /api/v1/assets/{tag} (one asset with its history and incidents, change) and scrapping
 * (/api/v1/assets/{tag}/scrap: ask; .../scrap/approve, .../scrap/reject: decide). Rules and
 * SQL are in kb (kb_asset.h); this file turns JSON into kb calls and records into JSON. */
#include <stdlib.h>
#include <string.h>

#include "kb_asset.h"
#include "kb_date.h"
#include "kb_report.h"
#include "kb_user.h"
#include "srv.h"

#define DEFAULT_LIMIT 20u
#define MAX_CALLER_ID 1000000000000000LL

/* --- records to JSON --- */

static json_t *asset_json(const kb_asset *a)
{
    json_t *o = json_object();
    json_object_set_new(o, "tag", srv_json_str(a->tag));
    json_object_set_new(o, "class", srv_json_str(kb_asset_class_name(a->cls)));
    json_object_set_new(o, "brand", srv_json_str(a->brand));
    json_object_set_new(o, "model", srv_json_str(a->model));
    json_object_set_new(o, "serial", srv_json_str(a->serial));
    json_object_set_new(o, "user", srv_json_str(a->user));
    json_object_set_new(o, "caller_id", a->caller_id ? json_integer(a->caller_id) : json_null());
    json_object_set_new(o, "department", srv_json_str(a->department));
    json_object_set_new(o, "location", srv_json_str(a->location));
    json_object_set_new(o, "supplier", srv_json_str(a->supplier));
    json_object_set_new(o, "purchase_date", srv_json_str(a->purchase_date));
    json_object_set_new(o, "warranty_end", srv_json_str(a->warranty_end));
    json_object_set_new(o, "status", srv_json_str(kb_asset_status_name(a->status)));
    json_t *specs = json_object();
    for (int k = 0; k < KB_ASSET_NSPECS; k++)
        json_object_set_new(specs, kb_asset_spec_name(k), srv_json_str(a->specs[k]));
    json_object_set_new(o, "specs", specs);
    json_object_set_new(o, "software", srv_json_strings(a->software, a->nsoftware));
    json_object_set_new(o, "notes", srv_json_str(a->notes));
    json_t *scrap = json_null();
    if (a->scrap_requested_by[0]) {
        scrap = json_object();
        json_object_set_new(scrap, "reason", srv_json_str(a->scrap_reason));
        json_object_set_new(scrap, "requested_by", srv_json_str(a->scrap_requested_by));
        json_object_set_new(scrap, "requested_at", srv_json_time(a->scrap_requested_at));
    }
    json_object_set_new(o, "scrap_request", scrap);
    json_object_set_new(o, "created_by", srv_json_str(a->created_by));
    json_object_set_new(o, "created_at", srv_json_time(a->created_at));
    json_object_set_new(o, "updated_by", srv_json_str(a->updated_by));
    json_object_set_new(o, "updated_at", srv_json_time(a->updated_at));
    return o;
}

/* The repeated faults of the asset's model: {days, incidents, assets, min,
 * problem_candidate}. */
static json_t *faults_json(const kb_asset_faults *f)
{
    json_t *o = json_object();
    json_object_set_new(o, "days", json_integer(KB_ASSET_FAULT_DAYS));
    json_object_set_new(o, "incidents", json_integer(f->incidents));
    json_object_set_new(o, "assets", json_integer(f->assets));
    json_object_set_new(o, "min", json_integer(KB_ASSET_FAULT_MIN));
    json_object_set_new(o, "problem_candidate", json_boolean(f->candidate));
    return o;
}

static void history_json(json_t *o, const kb_asset_history *h)
{
    json_t *a = json_array();
    for (size_t i = 0; i < h->nevents; i++) {
        json_t *e = json_object();
        json_object_set_new(e, "at", srv_json_time(h->events[i].at));
        json_object_set_new(e, "actor", srv_json_str(h->events[i].actor));
        json_object_set_new(e, "action", srv_json_str(h->events[i].action));
        json_object_set_new(e, "summary", srv_json_str(h->events[i].summary));
        json_array_append_new(a, e);
    }
    json_object_set_new(o, "history", a);
    json_object_set_new(o, "incidents",
                        srv_json_incident_briefs(h->incidents, h->nincidents));
}

/* --- request bodies --- */

static const char *const create_fields[] = {
    "tag",          "class",    "brand",  "model",         "serial",       "user",
    "caller_id",    "department", "location", "supplier",  "purchase_date", "warranty_end",
    "status",       "specs",    "software", "notes",       NULL
};
/* the tag never changes */
static const char *const *const update_fields = create_fields + 1;

/* An enumeration member: *out its index, as is when absent or null. */
static kb_status read_enum(json_t *o, const char *name, int (*of)(const char *), int *out,
                           const char *known, kb_err *err)
{
    const char *v = NULL;
    kb_status rc = srv_json_get_str(o, name, &v, err);
    if (rc != KB_OK || !v)
        return rc;
    *out = of(v);
    if (*out < 0)
        return kb_err_set(err, KB_EINVAL, "field '%s' must be one of %s, not '%.40s'", name,
                          known, v);
    return KB_OK;
}

static void names_of(const char *(*name)(int), int n, kb_buf *out)
{
    for (int i = 0; i < n; i++)
        kb_buf_addf(out, "%s%s", i ? ", " : "", name(i));
}

/* Fills in from body o; *software (free() it) holds the items borrowed from o. */
static kb_status read_body(json_t *o, kb_asset_in *in, const char ***software, kb_err *err)
{
    memset(in, 0, sizeof *in);
    in->cls = -1;
    in->status = -1;
    in->caller_id = -1;
    *software = NULL;
    const struct {
        const char *name;
        const char **slot;
    } strs[] = {
        { "tag", &in->tag },
        { "brand", &in->brand },
        { "model", &in->model },
        { "serial", &in->serial },
        { "user", &in->user },
        { "department", &in->department },
        { "location", &in->location },
        { "supplier", &in->supplier },
        { "purchase_date", &in->purchase_date },
        { "warranty_end", &in->warranty_end },
        { "notes", &in->notes },
    };
    kb_status rc = KB_OK;
    for (size_t i = 0; rc == KB_OK && i < sizeof strs / sizeof strs[0]; i++)
        rc = srv_json_get_str(o, strs[i].name, strs[i].slot, err);
    kb_buf known;
    kb_buf_init(&known, 0);
    if (rc == KB_OK) {
        names_of(kb_asset_class_name, KB_ASSET_NCLASSES, &known);
        rc = read_enum(o, "class", kb_asset_class_of, &in->cls, kb_buf_str(&known), err);
    }
    if (rc == KB_OK) {
        kb_buf_reset(&known);
        names_of(kb_asset_status_name, KB_ASSET_NSTATUSES, &known);
        rc = read_enum(o, "status", kb_asset_status_of, &in->status, kb_buf_str(&known), err);
    }
    kb_buf_free(&known);
    json_t *c = json_object_get(o, "caller_id");
    if (rc == KB_OK && json_is_null(c))
        in->caller_id = 0;
    else if (rc == KB_OK && c)
        rc = srv_json_get_int(o, "caller_id", 0, MAX_CALLER_ID, 0, &in->caller_id, err);
    json_t *specs = json_object_get(o, "specs");
    if (rc == KB_OK && specs && !json_is_null(specs)) {
        if (!json_is_object(specs))
            return kb_err_set(err, KB_EINVAL, "field 'specs' must be an object with cpu, "
                              "memory, disk and os");
        const char *key;
        json_t *v;
        json_object_foreach(specs, key, v) {
            int k = kb_asset_spec_of(key);
            if (k < 0)
                return kb_err_set(err, KB_EINVAL, "field 'specs' has no member '%.40s': use "
                                  "cpu, memory, disk or os", key);
            rc = srv_json_get_str(specs, key, &in->specs[k], err);
            if (rc != KB_OK)
                return kb_err_set(err, KB_EINVAL, "field 'specs.%s' must be a string", key);
        }
    }
    size_t n = 0;
    if (rc == KB_OK)
        rc = srv_json_get_strs(o, "software", KB_ASSET_MAX_SOFTWARE, software, &n, err);
    if (rc == KB_OK && json_object_get(o, "software")) {
        in->software = *software;
        in->nsoftware = n;
        in->set_software = 1;
    }
    return rc;
}

/* --- handlers --- */

kb_status h_asset_list(srv_req *rq, srv_resp *rs, kb_err *err)
{
    kb_asset_filter f;
    memset(&f, 0, sizeof f);
    f.cls = -1;
    f.status = -1;
    srv_page pg;
    kb_status rc =
        srv_req_page(rq, DEFAULT_LIMIT, KB_ASSET_MAX_LIMIT, KB_ASSET_MAX_QUERY, &pg, err);
    f.limit = pg.limit;
    f.offset = pg.offset;
    f.q = pg.q;
    const char *cls = srv_req_arg(rq, "class"), *status = srv_req_arg(rq, "status");
    if (rc == KB_OK && cls && (f.cls = kb_asset_class_of(cls)) < 0)
        rc = kb_err_set(err, KB_EINVAL, "invalid 'class': '%.40s' is not a known class", cls);
    if (rc == KB_OK && status && (f.status = kb_asset_status_of(status)) < 0)
        rc = kb_err_set(err, KB_EINVAL, "invalid 'status': '%.40s' is not a known status",
                        status);
    size_t caller = 0;
    if (rc == KB_OK)
        rc = srv_req_uint(rq, "caller_id", 1, (size_t)MAX_CALLER_ID, 0, &caller, err);
    f.caller_id = (long long)caller;
    kb_store *s = NULL;
    if (rc == KB_OK)
        rc = srv_req_store(rq, &s, err);
    kb_asset_list *l = NULL;
    if (rc == KB_OK)
        rc = kb_asset_search(s, &f, &l, err);
    if (rc != KB_OK)
        return rc;
    json_t *a = json_array();
    for (size_t i = 0; i < l->n; i++)
        json_array_append_new(a, asset_json(l->items[i]));
    rs->json = srv_page_json(l->total, &pg, "assets", a);
    kb_asset_list_free(l);
    return KB_OK;
}

/* The path's tag: an unknown or malformed one is 404 (kb_asset_get). */
static const char *path_tag(srv_req *rq)
{
    const char *tag = srv_req_param(rq, "tag");
    return tag ? tag : "";
}

kb_status h_asset_get(srv_req *rq, srv_resp *rs, kb_err *err)
{
    kb_store *s = NULL;
    long long now = 0;
    kb_status rc = srv_req_store_now(rq, &s, &now, err);
    kb_asset *a = NULL;
    if (rc == KB_OK)
        rc = kb_asset_get(s, path_tag(rq), &a, err);
    kb_asset_history *h = NULL;
    if (rc == KB_OK)
        rc = kb_asset_history_get(s, a, &h, err);
    kb_asset_faults f;
    if (rc == KB_OK)
        rc = kb_asset_model_faults(s, a->model, kb_date_add_days(now, -KB_ASSET_FAULT_DAYS), &f,
                                   err);
    if (rc == KB_OK) {
        json_t *o = asset_json(a);
        history_json(o, h);
        json_object_set_new(o, "model_faults", faults_json(&f));
        rs->json = o;
    }
    kb_asset_history_free(h);
    kb_asset_free(a);
    return rc;
}

/* Create (tag NULL) or change asset tag from the request body. */
static kb_status write_asset(srv_req *rq, srv_resp *rs, const char *tag, kb_err *err)
{
    json_t *o = NULL;
    long long now = 0;
    kb_store *s = NULL;
    kb_status rc = srv_req_body(rq, 0, tag ? update_fields : create_fields, &o, err);
    if (rc == KB_OK)
        rc = srv_req_store_now(rq, &s, &now, err);
    kb_asset_in in;
    const char **software = NULL;
    if (rc == KB_OK)
        rc = read_body(o, &in, &software, err);
    in.actor = rq->user;
    in.admin = (rq->roles & KB_ROLE_ADMIN) != 0;
    kb_asset *a = NULL;
    if (rc == KB_OK && !tag)
        rc = kb_asset_create(s, &in, now, &a, err);
    else if (rc == KB_OK)
        rc = kb_asset_update(s, tag, &in, now, &a, NULL, err);
    free(software);
    json_decref(o);
    if (rc != KB_OK)
        return rc;
    rs->json = asset_json(a);
    rs->status = tag ? 200 : 201;
    kb_asset_free(a);
    return KB_OK;
}

kb_status h_asset_create(srv_req *rq, srv_resp *rs, kb_err *err)
{
    return write_asset(rq, rs, NULL, err);
}

kb_status h_asset_update(srv_req *rq, srv_resp *rs, kb_err *err)
{
    return write_asset(rq, rs, path_tag(rq), err);
}

kb_status h_asset_scrap(srv_req *rq, srv_resp *rs, kb_err *err)
{
    json_t *o = NULL;
    const char *reason = NULL;
    long long now = 0;
    kb_store *s = NULL;
    kb_status rc = srv_req_body_str(rq, "reason", &o, &reason, err);
    if (rc == KB_OK)
        rc = srv_req_store_now(rq, &s, &now, err);
    kb_asset *a = NULL;
    if (rc == KB_OK)
        rc = kb_asset_scrap_request(s, path_tag(rq), reason, rq->user, now, &a, err);
    json_decref(o);
    if (rc != KB_OK)
        return rc;
    rs->json = asset_json(a);
    kb_asset_free(a);
    return KB_OK;
}

kb_status h_asset_scrap_decide(srv_req *rq, srv_resp *rs, kb_err *err)
{
    const char *action = srv_req_param(rq, "action");
    int approve = action && strcmp(action, "approve") == 0;
    if (!approve && !(action && strcmp(action, "reject") == 0))
        return kb_err_set(err, KB_ENOTFOUND, "no such decision: use approve or reject");
    static const char *const allowed[] = { "comment", NULL };
    json_t *o = NULL;
    const char *comment = NULL;
    long long now = 0;
    kb_store *s = NULL;
    kb_status rc = srv_req_body(rq, 1, allowed, &o, err); /* an approval may say nothing */
    if (rc == KB_OK && o)
        rc = srv_json_get_str(o, "comment", &comment, err);
    if (rc == KB_OK)
        rc = srv_req_store_now(rq, &s, &now, err);
    kb_asset *a = NULL;
    if (rc == KB_OK)
        rc = kb_asset_scrap_decide(s, path_tag(rq), approve, comment, rq->user, now, &a, err);
    json_decref(o);
    if (rc != KB_OK)
        return rc;
    rs->json = asset_json(a);
    kb_asset_free(a);
    return KB_OK;
}

/* --- the report --- */

static json_t *report_json(const kb_asset_report *r, long long from, long long to)
{
    json_t *o = json_object();
    json_object_set_new(o, "from", srv_json_time(from));
    json_object_set_new(o, "to", srv_json_time(to));
    json_object_set_new(o, "assets", json_integer(r->assets));
    json_t *st = json_object();
    for (int i = 0; i < KB_ASSET_NSTATUSES; i++)
        json_object_set_new(st, kb_asset_status_name(i), json_integer(r->by_status[i]));
    json_object_set_new(o, "by_status", st);
    json_t *cl = json_object();
    for (int i = 0; i < KB_ASSET_NCLASSES; i++)
        json_object_set_new(cl, kb_asset_class_name(i), json_integer(r->by_class[i]));
    json_object_set_new(o, "by_class", cl);
    json_t *dep = json_array();
    for (size_t i = 0; i < r->ndepartments; i++)
        json_array_append_new(dep, json_pack("{s:o, s:I}", "department",
                                             srv_json_str(r->departments[i].name), "count",
                                             (json_int_t)r->departments[i].count));
    json_object_set_new(o, "by_department", dep);
    json_object_set_new(o, "total_departments", json_integer(r->total_departments));
    json_t *w = json_array();
    for (size_t i = 0; i < r->nwarranty; i++) {
        const kb_asset_brief *b = &r->warranty[i];
        json_t *e = json_object();
        json_object_set_new(e, "tag", srv_json_str(b->tag));
        json_object_set_new(e, "class", srv_json_str(kb_asset_class_name(b->cls)));
        json_object_set_new(e, "brand", srv_json_str(b->brand));
        json_object_set_new(e, "model", srv_json_str(b->model));
        json_object_set_new(e, "department", srv_json_str(b->department));
        json_object_set_new(e, "user", srv_json_str(b->user));
        json_object_set_new(e, "warranty_end", srv_json_str(b->warranty_end));
        json_array_append_new(w, e);
    }
    json_object_set_new(o, "warranty_expiring", w);
    json_object_set_new(o, "warranty_days", json_integer(KB_ASSET_WARRANTY_DAYS));
    json_object_set_new(o, "total_warranty_expiring", json_integer(r->total_warranty));
    json_t *m = json_array();
    for (size_t i = 0; i < r->nmodels; i++) {
        const kb_asset_model_row *x = &r->models[i];
        json_t *e = json_object();
        json_object_set_new(e, "model", srv_json_str(x->model));
        json_object_set_new(e, "brand", srv_json_str(x->brand));
        json_object_set_new(e, "incidents", json_integer(x->incidents));
        json_object_set_new(e, "assets", json_integer(x->assets));
        json_object_set_new(e, "recent", json_integer(x->recent));
        json_object_set_new(e, "problem_candidate", json_boolean(x->candidate));
        json_array_append_new(m, e);
    }
    json_object_set_new(o, "incidents_per_model", m);
    json_object_set_new(o, "total_models", json_integer(r->total_models));
    json_object_set_new(o, "fault_days", json_integer(KB_ASSET_FAULT_DAYS));
    json_object_set_new(o, "fault_min", json_integer(KB_ASSET_FAULT_MIN));
    return o;
}

/* GET /api/v1/reports/assets?from=&to=: the archive by status, class and department,
 * warranties ending within KB_ASSET_WARRANTY_DAYS days, and incidents per model in the
 * period (the days from and to, both included, as the summary report takes them; neither
 * given: the last KB_ASSET_FAULT_DAYS days) with each model's problem-candidate flag. */
kb_status h_asset_report(srv_req *rq, srv_resp *rs, kb_err *err)
{
    long long now = 0, from = 0, to = 0;
    kb_store *s = NULL;
    kb_status rc = srv_req_store_now(rq, &s, &now, err);
    const char *from_day = srv_req_arg(rq, "from"), *to_day = srv_req_arg(rq, "to");
    char first[KB_DATE_LEN];
    if (rc == KB_OK && !from_day && !to_day) {
        kb_date_of(kb_date_add_days(now, 1 - KB_ASSET_FAULT_DAYS), first);
        from_day = first;
    }
    if (rc == KB_OK)
        rc = kb_report_range(from_day, to_day, now, &from, &to, err);
    kb_asset_report *r = NULL;
    if (rc == KB_OK)
        rc = kb_asset_report_get(s, from, to, now, &r, err);
    if (rc != KB_OK)
        return rc;
    rs->json = report_json(r, from, to);
    kb_asset_report_free(r);
    return KB_OK;
}
