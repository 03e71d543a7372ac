/* The service-request endpoints: the catalogue (/api/v1/request-items) and the requests
 * (/api/v1/requests: create, list, get, assign and note, actions). Rules and SQL are in kb
 * (kb_request.h); this file turns JSON into kb calls and records into JSON. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kb_alloc.h"
#include "kb_request.h"
#include "srv.h"

#define DEFAULT_LIMIT 20u
#define MAX_OFFSET 1000000u
#define MAX_ID 1000000000000u

/* --- records to JSON --- */

static json_t *item_json(const kb_req_item *it)
{
    json_t *o = json_object();
    json_object_set_new(o, "id", json_integer(it->id));
    json_object_set_new(o, "name", srv_json_str(it->name));
    json_object_set_new(o, "description", srv_json_str(it->description));
    json_object_set_new(o, "category", srv_json_str(it->category));
    json_t *fields = json_array();
    for (size_t i = 0; i < it->nfields; i++) {
        const kb_req_field *f = &it->fields[i];
        json_t *fo = json_object();
        json_object_set_new(fo, "key", srv_json_str(f->key));
        json_object_set_new(fo, "label", srv_json_str(f->label));
        json_object_set_new(fo, "type", json_string(kb_request_type_name(f->type)));
        json_object_set_new(fo, "required", json_boolean(f->required));
        json_object_set_new(fo, "choices", srv_json_strings(f->choices, f->nchoices));
        if (f->type == KB_REQ_T_TEXT)
            json_object_set_new(fo, "max_length", json_integer((json_int_t)f->max_length));
        else
            json_object_set_new(fo, "max_length", json_null());
        json_array_append_new(fields, fo);
    }
    json_object_set_new(o, "fields", fields);
    json_object_set_new(o, "sla", srv_json_str(it->sla));
    json_object_set_new(o, "hours", json_string(it->business ? "business" : "24x7"));
    json_object_set_new(o, "approval", json_boolean(it->approval));
    json_object_set_new(o, "approver", srv_json_str(it->approver));
    json_object_set_new(o, "group", srv_json_str(it->group));
    json_object_set_new(o, "loan", json_boolean(it->loan));
    json_object_set_new(o, "active", json_boolean(it->active));
    json_object_set_new(o, "created_by", srv_json_str(it->created_by));
    json_object_set_new(o, "created_at", srv_json_time(it->created_at));
    json_object_set_new(o, "updated_by", srv_json_str(it->updated_by));
    json_object_set_new(o, "updated_at", srv_json_time(it->updated_at));
    return o;
}

/* A stored value as JSON of its type ("" is null). */
static json_t *value_json(const kb_req_value *v)
{
    if (!v->value[0])
        return json_null();
    if (strcmp(v->type, "bool") == 0)
        return json_boolean(strcmp(v->value, "true") == 0);
    if (strcmp(v->type, "number") == 0) {
        char *end = NULL;
        long long i = strtoll(v->value, &end, 10);
        if (end && !*end)
            return json_integer(i);
        double d = strtod(v->value, &end);
        if (end && !*end && isfinite(d))
            return json_real(d);
    }
    return srv_json_str(v->value);
}

static json_t *request_json(const kb_request *r, const kb_incident_sla *sla, long long now,
                            int full)
{
    json_t *o = json_object();
    json_object_set_new(o, "number", srv_json_str(r->number));
    json_object_set_new(o, "status", json_string(kb_request_status_name(r->status)));
    json_object_set_new(o, "item", json_integer(r->item));
    json_object_set_new(o, "item_name", srv_json_str(r->item_name));
    json_object_set_new(o, "category", srv_json_str(r->category));
    json_object_set_new(o, "group", srv_json_str(r->group));
    json_object_set_new(o, "loan", json_boolean(r->loan));
    json_object_set_new(o, "approval", json_boolean(r->approval));
    json_object_set_new(o, "caller_name", srv_json_str(r->caller_name));
    json_object_set_new(o, "caller_phone", srv_json_str(r->caller_phone));
    json_object_set_new(o, "department", srv_json_str(r->department));
    json_object_set_new(o, "note", srv_json_str(r->note));
    json_object_set_new(o, "return_date",
                        r->return_date[0] ? srv_json_str(r->return_date) : json_null());
    json_object_set_new(o, "loan_overdue", json_boolean(kb_request_loan_overdue(r, now)));
    json_t *fields = json_object();
    json_t *form = json_array();
    for (size_t i = 0; i < r->nvalues; i++) {
        const kb_req_value *v = &r->values[i];
        json_object_set_new(fields, v->key, value_json(v));
        json_t *fo = json_object();
        json_object_set_new(fo, "key", srv_json_str(v->key));
        json_object_set_new(fo, "label", srv_json_str(v->label));
        json_object_set_new(fo, "type", srv_json_str(v->type));
        json_object_set_new(fo, "value", value_json(v));
        json_array_append_new(form, fo);
    }
    json_object_set_new(o, "fields", fields);
    json_object_set_new(o, "form", form);
    json_object_set_new(o, "assignee", srv_json_str(r->assignee));
    json_object_set_new(o, "requested_by", srv_json_str(r->requested_by));
    json_object_set_new(o, "decided_by", srv_json_str(r->decided_by));
    json_object_set_new(o, "decision", srv_json_str(r->decision));
    const struct {
        const char *name;
        long long t;
    } times[] = { { "created_at", r->created_at },     { "updated_at", r->updated_at },
                  { "decided_at", r->decided_at },     { "started_at", r->started_at },
                  { "fulfilled_at", r->fulfilled_at }, { "closed_at", r->closed_at },
                  { "returned_at", r->returned_at } };
    for (size_t i = 0; i < sizeof times / sizeof times[0]; i++)
        json_object_set_new(o, times[i].name, srv_json_time(times[i].t));
    kb_inc_sla_state st;
    kb_request_sla_state(r, sla, now, &st);
    json_t *c = json_object();
    json_object_set_new(c, "target", srv_json_str(r->sla));
    json_object_set_new(c, "hours", json_string(st.business ? "business" : "24x7"));
    json_object_set_new(c, "target_seconds", json_integer(st.resolve_target));
    json_object_set_new(c, "due", srv_json_time(st.resolve_due));
    json_object_set_new(c, "remaining_seconds", json_integer(st.resolve_remaining));
    json_object_set_new(c, "breached", json_boolean(st.resolve_breached));
    json_object_set_new(c, "paused", json_boolean(st.paused));
    json_object_set_new(c, "paused_seconds", json_integer(st.paused_seconds));
    json_object_set_new(o, "sla", c);
    if (full) {
        json_t *a = json_array();
        for (size_t i = 0; i < r->nevents; i++) {
            const kb_req_event *e = &r->events[i];
            json_t *eo = json_object();
            json_object_set_new(eo, "seq", json_integer((json_int_t)i + 1));
            json_object_set_new(eo, "at", srv_json_time(e->at));
            json_object_set_new(eo, "by", srv_json_str(e->actor));
            json_object_set_new(eo, "type", srv_json_str(e->type));
            json_object_set_new(eo, "from", srv_json_str(e->from));
            json_object_set_new(eo, "to", srv_json_str(e->to));
            json_object_set_new(eo, "note", srv_json_str(e->note));
            json_array_append_new(a, eo);
        }
        json_object_set_new(o, "timeline", a);
    }
    return o;
}

/* Answers one request (as stored now) with its SLA clock. */
static kb_status reply_request(srv_req *rq, srv_resp *rs, const kb_request *r, long long now,
                               unsigned status)
{
    srv_sla sla;
    srv_req_desk_sla(rq, &sla);
    rs->json = request_json(r, &sla.sla, now, 1);
    srv_sla_free(&sla);
    rs->status = status;
    return KB_OK;
}

/* --- the catalogue --- */

static const char *const item_fields[] = { "name",  "description", "category", "sla",
                                           "hours", "approval",    "approver", "group",
                                           "loan",  "active",      "fields",   NULL };
static const char *const form_fields[] = { "key",     "label",      "type", "required",
                                           "choices", "max_length", NULL };

/* A boolean member into *out (-1 when absent). */
static kb_status get_flag(json_t *o, const char *name, int *out, kb_err *err)
{
    int v = 0, present = 0;
    kb_status rc = srv_json_get_bool(o, name, &v, &present, err);
    *out = present ? v : -1;
    return rc;
}

/* The form of body o into in; *fields and *choices (free() both; the strings are borrowed
 * from o). */
static kb_status read_form(json_t *o, kb_req_item_in *in, kb_req_field_in **fields,
                           const char ***choices, kb_err *err)
{
    *fields = NULL;
    *choices = NULL;
    json_t *a = json_object_get(o, "fields");
    if (!a || json_is_null(a))
        return KB_OK;
    if (!json_is_array(a))
        return kb_err_set(err, KB_EINVAL, "field 'fields' must be an array of objects");
    size_t n = json_array_size(a);
    if (n > KB_REQ_MAX_FIELDS)
        return kb_err_set(err, KB_EINVAL, "field 'fields' holds more than %u fields (%zu)",
                          KB_REQ_MAX_FIELDS, n);
    *fields = kb_xcalloc(n ? n : 1, sizeof **fields);
    *choices = kb_xcalloc(n * KB_REQ_MAX_CHOICES + 1, sizeof **choices);
    in->set_fields = 1;
    in->fields = *fields;
    in->nfields = n;
    for (size_t i = 0; i < n; i++) {
        json_t *f = json_array_get(a, i);
        kb_req_field_in *fi = &(*fields)[i];
        if (!json_is_object(f))
            return kb_err_set(err, KB_EINVAL, "field 'fields[%zu]' must be an object", i);
        const char *key;
        json_t *v;
        json_object_foreach(f, key, v)
        {
            size_t k = 0;
            while (form_fields[k] && strcmp(form_fields[k], key) != 0)
                k++;
            if (!form_fields[k])
                return kb_err_set(err, KB_EINVAL, "field 'fields[%zu]': unknown member "
                                  "'%.40s'", i, key);
        }
        kb_status rc = srv_json_get_str(f, "key", &fi->key, err);
        if (rc == KB_OK)
            rc = srv_json_get_str(f, "label", &fi->label, err);
        if (rc == KB_OK)
            rc = srv_json_get_str(f, "type", &fi->type, err);
        if (rc == KB_OK && !fi->type)
            rc = kb_err_set(err, KB_EINVAL, "field 'fields[%zu].type' is required", i);
        int req = 0;
        if (rc == KB_OK)
            rc = srv_json_get_bool(f, "required", &req, NULL, err);
        fi->required = req;
        long long max = 0;
        if (rc == KB_OK)
            rc = srv_json_get_int(f, "max_length", 1, KB_REQ_MAX_VALUE, 0, &max, err);
        fi->max_length = max;
        const char **ch = NULL;
        size_t nch = 0;
        if (rc == KB_OK)
            rc = srv_json_get_strs(f, "choices", KB_REQ_MAX_CHOICES, &ch, &nch, err);
        if (rc != KB_OK) {
            free(ch);
            return rc;
        }
        if (nch)
            memcpy(*choices + i * KB_REQ_MAX_CHOICES, ch, nch * sizeof *ch);
        free(ch);
        fi->choices = *choices + i * KB_REQ_MAX_CHOICES;
        fi->nchoices = nch;
    }
    return KB_OK;
}

static kb_status read_item(json_t *o, kb_req_item_in *in, kb_req_field_in **fields,
                           const char ***choices, kb_err *err)
{
    memset(in, 0, sizeof *in);
    const struct {
        const char *name;
        const char **slot;
    } strs[] = { { "name", &in->name },         { "description", &in->description },
                 { "category", &in->category }, { "sla", &in->sla },
                 { "hours", &in->hours },       { "approver", &in->approver },
                 { "group", &in->group } };
    kb_status rc = KB_OK;
    for (size_t i = 0; rc == KB_OK && i < sizeof strs / sizeof strs[0]; i++)
        rc = srv_json_get_str(o, strs[i].name, strs[i].slot, err);
    if (rc == KB_OK)
        rc = get_flag(o, "approval", &in->approval, err);
    if (rc == KB_OK)
        rc = get_flag(o, "loan", &in->loan, err);
    if (rc == KB_OK)
        rc = get_flag(o, "active", &in->active, err);
    if (rc == KB_OK)
        rc = read_form(o, in, fields, choices, err);
    return rc;
}

static kb_status item_id(srv_req *rq, long long *out, kb_err *err)
{
    size_t id = 0;
    kb_status rc = srv_req_path_num(rq, "id", MAX_ID, &id, err);
    *out = (long long)id;
    return rc;
}

kb_status h_req_item_list(srv_req *rq, srv_resp *rs, kb_err *err)
{
    int active = 0;
    kb_store *s = NULL;
    kb_status rc = srv_req_flag(rq, "active", 0, &active, err);
    if (rc == KB_OK)
        rc = srv_req_store(rq, &s, err);
    kb_req_item **v = NULL;
    size_t n = 0;
    if (rc == KB_OK)
        rc = kb_req_item_list(s, active, &v, &n, err);
    if (rc != KB_OK)
        return rc;
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(a, item_json(v[i]));
    kb_req_item_list_free(v, n);
    rs->json = json_pack("{s:o}", "items", a);
    return KB_OK;
}

kb_status h_req_item_get(srv_req *rq, srv_resp *rs, kb_err *err)
{
    long long id = 0;
    kb_store *s = NULL;
    kb_status rc = item_id(rq, &id, err);
    if (rc == KB_OK)
        rc = srv_req_store(rq, &s, err);
    kb_req_item *it = NULL;
    if (rc == KB_OK)
        rc = kb_req_item_get(s, id, &it, err);
    if (rc == KB_OK)
        rs->json = item_json(it);
    kb_req_item_free(it);
    return rc;
}

static kb_status write_item(srv_req *rq, srv_resp *rs, long long id, kb_err *err)
{
    json_t *o = NULL;
    long long now = 0;
    kb_store *s = NULL;
    kb_status rc = srv_req_body(rq, 0, item_fields, &o, err);
    if (rc == KB_OK)
        rc = srv_req_store_now(rq, &s, &now, err);
    kb_req_item_in in;
    kb_req_field_in *fields = NULL;
    const char **choices = NULL;
    if (rc == KB_OK)
        rc = read_item(o, &in, &fields, &choices, err);
    in.actor = rq->user;
    kb_req_item *it = NULL;
    if (rc == KB_OK && id == 0)
        rc = kb_req_item_create(s, &in, now, &it, err);
    else if (rc == KB_OK)
        rc = kb_req_item_update(s, id, &in, now, &it, err);
    free(fields);
    free(choices);
    json_decref(o);
    if (rc != KB_OK)
        return rc;
    rs->json = item_json(it);
    rs->status = id == 0 ? 201 : 200;
    kb_req_item_free(it);
    return KB_OK;
}

kb_status h_req_item_create(srv_req *rq, srv_resp *rs, kb_err *err)
{
    return write_item(rq, rs, 0, err);
}

kb_status h_req_item_update(srv_req *rq, srv_resp *rs, kb_err *err)
{
    long long id = 0;
    kb_status rc = item_id(rq, &id, err);
    return rc == KB_OK ? write_item(rq, rs, id, err) : rc;
}

/* --- requests --- */

static const char *const create_fields[] = { "item",        "caller_name", "caller_phone",
                                             "department",  "note",        "return_date",
                                             "fields",      NULL };

/* The form values of body o: *out (free() it) holds *n values borrowing o's strings and
 * the numbers' texts in *texts (free() it). */
static kb_status read_values(json_t *o, kb_req_value_in **out, size_t *n, char **texts,
                             kb_err *err)
{
    *out = NULL;
    *n = 0;
    *texts = NULL;
    json_t *f = json_object_get(o, "fields");
    if (!f || json_is_null(f))
        return KB_OK;
    if (!json_is_object(f))
        return kb_err_set(err, KB_EINVAL, "field 'fields' must be an object of the form's "
                          "values");
    size_t count = json_object_size(f);
    if (count > KB_REQ_MAX_FIELDS)
        return kb_err_set(err, KB_EINVAL, "field 'fields' holds more than %u values (%zu)",
                          KB_REQ_MAX_FIELDS, count);
    kb_req_value_in *v = kb_xcalloc(count ? count : 1, sizeof *v);
    char *num = kb_xcalloc(count ? count : 1, 40);
    size_t k = 0;
    const char *key;
    json_t *val;
    json_object_foreach(f, key, val)
    {
        if (json_is_null(val))
            continue;
        kb_req_value_in *x = &v[k];
        x->key = key;
        char *slot = num + 40 * k;
        if (json_is_string(val)) {
            x->kind = KB_REQ_V_STRING;
            x->text = json_string_value(val);
        } else if (json_is_integer(val)) {
            x->kind = KB_REQ_V_NUMBER;
            snprintf(slot, 40, "%lld", (long long)json_integer_value(val));
            x->text = slot;
        } else if (json_is_real(val)) {
            x->kind = KB_REQ_V_NUMBER;
            snprintf(slot, 40, "%.15g", json_real_value(val));
            x->text = slot;
        } else if (json_is_boolean(val)) {
            x->kind = KB_REQ_V_BOOL;
            x->text = json_is_true(val) ? "true" : "false";
        } else {
            x->kind = KB_REQ_V_OTHER;
            x->text = "";
        }
        k++;
    }
    *out = v;
    *n = k;
    *texts = num;
    return KB_OK;
}

kb_status h_request_create(srv_req *rq, srv_resp *rs, kb_err *err)
{
    json_t *o = NULL;
    long long now = 0;
    kb_store *s = NULL;
    kb_status rc = srv_req_body(rq, 0, create_fields, &o, err);
    if (rc == KB_OK)
        rc = srv_req_store_now(rq, &s, &now, err);
    kb_req_create in;
    memset(&in, 0, sizeof in);
    long long item = 0;
    if (rc == KB_OK)
        rc = srv_json_get_int(o, "item", 1, (long long)MAX_ID, 1, &item, err);
    in.item = item;
    const struct {
        const char *name;
        const char **slot;
    } strs[] = { { "caller_name", &in.caller_name }, { "caller_phone", &in.caller_phone },
                 { "department", &in.department },   { "note", &in.note },
                 { "return_date", &in.return_date } };
    for (size_t i = 0; rc == KB_OK && i < sizeof strs / sizeof strs[0]; i++)
        rc = srv_json_get_str(o, strs[i].name, strs[i].slot, err);
    kb_req_value_in *vals = NULL;
    char *texts = NULL;
    if (rc == KB_OK)
        rc = read_values(o, &vals, &in.nvalues, &texts, err);
    in.values = vals;
    in.actor = rq->user;
    kb_request *r = NULL;
    if (rc == KB_OK)
        rc = kb_request_create(s, &in, now, &r, err);
    free(vals);
    free(texts);
    json_decref(o);
    if (rc == KB_OK)
        rc = reply_request(rq, rs, r, now, 201);
    kb_request_free(r);
    return rc;
}

static kb_status path_number(srv_req *rq, const char **out, kb_err *err)
{
    const char *n = srv_req_param(rq, "number");
    *out = n;
    if (!n || !kb_desk_number_valid(n, "REQ"))
        return kb_err_set(err, KB_EINVAL, "invalid request number '%.40s': use "
                          "REQ-YYYYMMDD-NNNN", n ? n : "");
    return KB_OK;
}

kb_status h_request_get(srv_req *rq, srv_resp *rs, kb_err *err)
{
    const char *number = NULL;
    long long now = 0;
    kb_store *s = NULL;
    kb_status rc = path_number(rq, &number, err);
    if (rc == KB_OK)
        rc = srv_now(&now, err);
    if (rc == KB_OK)
        rc = srv_req_store(rq, &s, err);
    kb_request *r = NULL;
    if (rc == KB_OK)
        rc = kb_request_get(s, number, &r, err);
    if (rc == KB_OK)
        rc = reply_request(rq, rs, r, now, 200);
    kb_request_free(r);
    return rc;
}

static const char *const update_fields[] = { "assignee", "note", NULL };
static const char *const act_fields[] = { "note", NULL };

kb_status h_request_update(srv_req *rq, srv_resp *rs, kb_err *err)
{
    const char *number = NULL;
    json_t *o = NULL;
    long long now = 0;
    kb_store *s = NULL;
    kb_status rc = path_number(rq, &number, err);
    if (rc == KB_OK)
        rc = srv_req_body(rq, 0, update_fields, &o, err);
    if (rc == KB_OK)
        rc = srv_req_store_now(rq, &s, &now, err);
    const char *assignee = NULL;
    kb_req_act act = { rq->user, rq->roles, NULL };
    if (rc == KB_OK)
        rc = srv_json_get_str(o, "assignee", &assignee, err);
    if (rc == KB_OK)
        rc = srv_json_get_str(o, "note", &act.note, err);
    kb_request *r = NULL;
    if (rc == KB_OK)
        rc = kb_request_update(s, number, assignee, &act, now, &r, err);
    json_decref(o);
    if (rc == KB_OK)
        rc = reply_request(rq, rs, r, now, 200);
    kb_request_free(r);
    return rc;
}

kb_status h_request_act(srv_req *rq, srv_resp *rs, kb_err *err)
{
    const char *number = NULL;
    json_t *o = NULL;
    long long now = 0;
    kb_store *s = NULL;
    kb_req_action a = KB_REQ_ACT_APPROVE;
    kb_status rc = path_number(rq, &number, err);
    if (rc == KB_OK)
        rc = kb_request_action_parse(srv_req_param(rq, "action"), &a, err);
    if (rc == KB_OK)
        rc = srv_req_body(rq, 1, act_fields, &o, err);
    if (rc == KB_OK)
        rc = srv_req_store_now(rq, &s, &now, err);
    kb_req_act act = { rq->user, rq->roles, NULL };
    if (rc == KB_OK && o)
        rc = srv_json_get_str(o, "note", &act.note, err);
    kb_request *r = NULL;
    if (rc == KB_OK)
        rc = kb_request_act(s, number, a, &act, now, &r, err);
    json_decref(o);
    if (rc == KB_OK)
        rc = reply_request(rq, rs, r, now, 200);
    kb_request_free(r);
    return rc;
}

static const char *req_status_name(unsigned i)
{
    return kb_request_status_name((kb_req_status)i);
}

/* status=a,b,... or status=open into a mask. */
static kb_status status_mask(const char *v, unsigned *out, kb_err *err)
{
    unsigned open = 0;
    for (int i = 0; i < KB_REQ_NSTATUS; i++)
        if (kb_request_status_open((kb_req_status)i))
            open |= 1u << i;
    return srv_req_status_mask(v, req_status_name, KB_REQ_NSTATUS, open, out, err);
}

kb_status h_request_list(srv_req *rq, srv_resp *rs, kb_err *err)
{
    kb_req_filter f;
    memset(&f, 0, sizeof f);
    kb_status rc = KB_OK;
    const char *v;
    if ((v = srv_req_arg(rq, "status")))
        rc = status_mask(v, &f.status_mask, err);
    size_t item = 0;
    if (rc == KB_OK)
        rc = srv_req_uint(rq, "item", 1, MAX_ID, 0, &item, err);
    f.item = (long long)item;
    if (rc == KB_OK)
        rc = srv_req_text(rq, "group", KB_REQ_MAX_SHORT, &f.group, err);
    if (rc == KB_OK)
        rc = srv_req_text(rq, "assignee", KB_REQ_MAX_SHORT, &f.assignee, err);
    if (rc == KB_OK)
        rc = srv_req_flag(rq, "overdue", 0, &f.loan_overdue, err);
    if (rc == KB_OK && (v = srv_req_arg(rq, "queue"))) {
        if (strcmp(v, "mine") == 0)
            f.assignee = rq->user;
        else if (strcmp(v, "my_groups") == 0)
            f.member_of = rq->user;
        else if (strcmp(v, "requested") == 0)
            f.requested_by = rq->user;
        else
            rc = kb_err_set(err, KB_EINVAL, "unknown queue '%.40s'; use mine, my_groups or "
                            "requested", v);
    }
    if (rc == KB_OK)
        rc = srv_req_limit(rq, DEFAULT_LIMIT, KB_REQ_MAX_LIMIT, &f.limit, err);
    if (rc == KB_OK)
        rc = srv_req_offset(rq, MAX_OFFSET, &f.offset, err);
    long long now = 0;
    kb_store *s = NULL;
    if (rc == KB_OK)
        rc = srv_req_store_now(rq, &s, &now, err);
    f.now = now;
    kb_req_list *l = NULL;
    if (rc == KB_OK)
        rc = kb_request_list(s, &f, &l, err);
    if (rc != KB_OK)
        return rc;
    srv_sla sla;
    srv_req_desk_sla(rq, &sla);
    json_t *a = json_array();
    for (size_t i = 0; i < l->n; i++)
        json_array_append_new(a, request_json(l->items[i], &sla.sla, now, 0));
    srv_sla_free(&sla);
    json_t *o = json_object();
    json_object_set_new(o, "total", json_integer(l->total));
    json_object_set_new(o, "limit", json_integer((json_int_t)f.limit));
    json_object_set_new(o, "offset", json_integer((json_int_t)f.offset));
    json_object_set_new(o, "requests", a);
    kb_request_list_free(l);
    rs->json = o;
    return KB_OK;
}
