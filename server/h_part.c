/* The spare-parts endpoints under /api/v1/parts: the catalogue (list, create, one part with
 * its stock per location, movements and replenishment requests, change), store locations,
 * movements (make one; list by part, asset or incident), replenishment requests (ask,
 * approve or reject, receive) and monthly consumption (JSON and CSV). Rules and SQL are in
 * kb (kb_part.h); this file turns JSON into kb calls and records into JSON. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kb_csv.h"
#include "kb_date.h"
#include "kb_part.h"
#include "srv.h"

#define DEFAULT_LIMIT 20u
#define MAX_REORDER_ID 1000000000000u
#define DETAIL_MOVES 50u    /* newest movements with a part */
#define DETAIL_REORDERS 20u /* newest replenishment requests with a part */
#define MAX_REF 64u         /* bytes of an asset tag or incident number in a filter */

/* --- records to JSON --- */

static json_t *part_json(const kb_part *p, int with_stock)
{
    json_t *o = json_object();
    json_object_set_new(o, "number", srv_json_str(p->number));
    json_object_set_new(o, "name", srv_json_str(p->name));
    json_object_set_new(o, "unit", srv_json_str(p->unit));
    json_object_set_new(o, "models", srv_json_strings(p->models, p->nmodels));
    json_object_set_new(o, "notes", srv_json_str(p->notes));
    json_object_set_new(o, "minimum", json_integer(p->minimum));
    json_object_set_new(o, "stock", json_integer(p->stock));
    json_object_set_new(o, "low", json_boolean(p->low));
    json_object_set_new(o, "low_since", srv_json_time(p->low_since));
    json_object_set_new(o, "created_by", srv_json_str(p->created_by));
    json_object_set_new(o, "created_at", srv_json_time(p->created_at));
    json_object_set_new(o, "updated_by", srv_json_str(p->updated_by));
    json_object_set_new(o, "updated_at", srv_json_time(p->updated_at));
    if (with_stock) {
        json_t *a = json_array();
        for (size_t i = 0; i < p->nat; i++) {
            json_t *e = json_object();
            json_object_set_new(e, "location", srv_json_str(p->at[i].location));
            json_object_set_new(e, "quantity", json_integer(p->at[i].qty));
            json_array_append_new(a, e);
        }
        json_object_set_new(o, "locations", a);
    }
    return o;
}

static json_t *move_json(const kb_part_move *m)
{
    json_t *o = json_object();
    json_object_set_new(o, "id", json_integer(m->id));
    json_object_set_new(o, "part", srv_json_str(m->part));
    json_object_set_new(o, "part_name", srv_json_str(m->part_name));
    json_object_set_new(o, "kind", srv_json_str(kb_part_move_name(m->kind)));
    json_object_set_new(o, "quantity", json_integer(m->qty));
    json_object_set_new(o, "from", srv_json_str(m->from));
    json_object_set_new(o, "to", srv_json_str(m->to));
    json_object_set_new(o, "incident", srv_json_str(m->incident));
    json_object_set_new(o, "asset", srv_json_str(m->asset));
    json_object_set_new(o, "model", srv_json_str(m->model));
    json_object_set_new(o, "replenishment", m->reorder ? json_integer(m->reorder) : json_null());
    json_object_set_new(o, "note", srv_json_str(m->note));
    json_object_set_new(o, "actor", srv_json_str(m->actor));
    json_object_set_new(o, "at", srv_json_time(m->at));
    return o;
}

static json_t *moves_json(const kb_part_move *v, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(a, move_json(&v[i]));
    return a;
}

static json_t *reorder_json(const kb_part_reorder *r)
{
    json_t *o = json_object();
    json_object_set_new(o, "id", json_integer(r->id));
    json_object_set_new(o, "part", srv_json_str(r->part));
    json_object_set_new(o, "part_name", srv_json_str(r->part_name));
    json_object_set_new(o, "unit", srv_json_str(r->unit));
    json_object_set_new(o, "quantity", json_integer(r->qty));
    json_object_set_new(o, "location", srv_json_str(r->location));
    json_object_set_new(o, "state", srv_json_str(kb_part_reorder_state_name(r->state)));
    json_object_set_new(o, "reason", srv_json_str(r->reason));
    json_object_set_new(o, "requested_by", srv_json_str(r->requested_by));
    json_object_set_new(o, "requested_at", srv_json_time(r->requested_at));
    json_object_set_new(o, "decided_by", srv_json_str(r->decided_by));
    json_object_set_new(o, "comment", srv_json_str(r->comment));
    json_object_set_new(o, "decided_at", srv_json_time(r->decided_at));
    json_object_set_new(o, "received", json_integer(r->received));
    json_object_set_new(o, "received_by", srv_json_str(r->received_by));
    json_object_set_new(o, "received_at", srv_json_time(r->received_at));
    return o;
}

static json_t *reorders_json(kb_part_reorder *const *v, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(a, reorder_json(v[i]));
    return a;
}

/* --- the catalogue --- */

static const char *const create_fields[] = { "number", "name", "unit", "models", "notes",
                                             "minimum", NULL };
static const char *const *const update_fields = create_fields + 1; /* never the number */

/* Fills in from body o; *models (free() it) holds the items borrowed from o. */
static kb_status read_part(json_t *o, kb_part_in *in, const char ***models, kb_err *err)
{
    memset(in, 0, sizeof *in);
    in->minimum = -1;
    *models = NULL;
    const struct {
        const char *name;
        const char **slot;
    } strs[] = {
        { "number", &in->number },
        { "name", &in->name },
        { "unit", &in->unit },
        { "notes", &in->notes },
    };
    kb_status rc = KB_OK;
    for (size_t i = 0; rc == KB_OK && i < sizeof strs / sizeof strs[0]; i++)
        rc = srv_json_get_str(o, strs[i].name, strs[i].slot, err);
    if (rc == KB_OK)
        rc = srv_json_get_int(o, "minimum", 0, KB_PART_MAX_QTY, 0, &in->minimum, err);
    size_t n = 0;
    if (rc == KB_OK)
        rc = srv_json_get_strs(o, "models", KB_PART_MAX_MODELS, models, &n, err);
    if (rc == KB_OK && json_object_get(o, "models")) {
        in->models = *models;
        in->nmodels = n;
        in->set_models = 1;
    }
    return rc;
}

/* The path's part number: an unknown or malformed one is 404 (kb_part_get). */
static const char *path_number(srv_req *rq)
{
    const char *v = srv_req_param(rq, "number");
    return v ? v : "";
}

kb_status h_part_list(srv_req *rq, srv_resp *rs, kb_err *err)
{
    kb_part_filter f;
    memset(&f, 0, sizeof f);
    srv_page pg;
    kb_status rc = srv_req_page(rq, DEFAULT_LIMIT, KB_PART_MAX_LIMIT, KB_PART_MAX_QUERY, &pg, err);
    f.limit = pg.limit;
    f.offset = pg.offset;
    f.q = pg.q;
    if (rc == KB_OK)
        rc = srv_req_flag(rq, "low", 0, &f.low, err);
    kb_store *s = NULL;
    if (rc == KB_OK)
        rc = srv_req_store(rq, &s, err);
    kb_part_list *l = NULL;
    if (rc == KB_OK)
        rc = kb_part_search(s, &f, &l, err);
    if (rc != KB_OK)
        return rc;
    json_t *a = json_array();
    for (size_t i = 0; i < l->n; i++)
        json_array_append_new(a, part_json(l->items[i], 0));
    rs->json = srv_page_json(l->total, &pg, "parts", a);
    kb_part_list_free(l);
    return KB_OK;
}

kb_status h_part_get(srv_req *rq, srv_resp *rs, kb_err *err)
{
    kb_store *s = NULL;
    kb_status rc = srv_req_store(rq, &s, err);
    kb_part *p = NULL;
    if (rc == KB_OK)
        rc = kb_part_get(s, path_number(rq), &p, err);
    kb_part_move *moves = NULL;
    size_t nmoves = 0;
    long long total_moves = 0;
    if (rc == KB_OK) {
        kb_part_move_filter f = { .part = p->number, .limit = DETAIL_MOVES };
        rc = kb_part_moves(s, &f, &moves, &nmoves, &total_moves, err);
    }
    kb_part_reorder **ros = NULL;
    size_t nros = 0;
    long long total_ros = 0;
    if (rc == KB_OK)
        rc = kb_part_reorder_list(s, -1, p->number, DETAIL_REORDERS, 0, &ros, &nros,
                                  &total_ros, err);
    if (rc == KB_OK) {
        json_t *o = part_json(p, 1);
        json_object_set_new(o, "movements", moves_json(moves, nmoves));
        json_object_set_new(o, "movements_total", json_integer(total_moves));
        json_object_set_new(o, "replenishments", reorders_json(ros, nros));
        rs->json = o;
    }
    kb_part_reorders_free(ros, nros);
    kb_part_moves_free(moves, nmoves);
    kb_part_free(p);
    return rc;
}

/* Create (number NULL) or change part number from the body. */
static kb_status write_part(srv_req *rq, srv_resp *rs, const char *number, kb_err *err)
{
    json_t *o = NULL;
    long long now = 0;
    kb_store *s = NULL;
    kb_status rc = srv_req_body(rq, 0, number ? update_fields : create_fields, &o, err);
    if (rc == KB_OK)
        rc = srv_req_store_now(rq, &s, &now, err);
    kb_part_in in;
    const char **models = NULL;
    if (rc == KB_OK)
        rc = read_part(o, &in, &models, err);
    in.actor = rq->user;
    kb_part *p = NULL;
    if (rc == KB_OK && !number)
        rc = kb_part_create(s, &in, now, &p, err);
    else if (rc == KB_OK)
        rc = kb_part_update(s, number, &in, now, &p, err);
    free(models);
    json_decref(o);
    if (rc != KB_OK)
        return rc;
    rs->json = part_json(p, 1);
    rs->status = number ? 200 : 201;
    kb_part_free(p);
    return KB_OK;
}

kb_status h_part_create(srv_req *rq, srv_resp *rs, kb_err *err)
{
    return write_part(rq, rs, NULL, err);
}

kb_status h_part_update(srv_req *rq, srv_resp *rs, kb_err *err)
{
    return write_part(rq, rs, path_number(rq), err);
}

/* --- locations --- */

kb_status h_part_locations(srv_req *rq, srv_resp *rs, kb_err *err)
{
    kb_store *s = NULL;
    kb_status rc = srv_req_store(rq, &s, err);
    kb_part_location **v = NULL;
    size_t n = 0;
    if (rc == KB_OK)
        rc = kb_part_locations(s, &v, &n, err);
    if (rc != KB_OK)
        return rc;
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++) {
        json_t *e = json_object();
        json_object_set_new(e, "name", srv_json_str(v[i]->name));
        json_object_set_new(e, "note", srv_json_str(v[i]->note));
        json_object_set_new(e, "created_at", srv_json_time(v[i]->created_at));
        json_array_append_new(a, e);
    }
    kb_part_locations_free(v, n);
    rs->json = json_pack("{s:o}", "locations", a);
    return KB_OK;
}

kb_status h_part_location_add(srv_req *rq, srv_resp *rs, kb_err *err)
{
    static const char *const allowed[] = { "name", "note", NULL };
    json_t *o = NULL;
    const char *name = NULL, *note = NULL;
    long long now = 0;
    kb_store *s = NULL;
    kb_status rc = srv_req_body(rq, 0, allowed, &o, err);
    if (rc == KB_OK)
        rc = srv_json_get_str(o, "name", &name, err);
    if (rc == KB_OK)
        rc = srv_json_get_str(o, "note", &note, err);
    if (rc == KB_OK)
        rc = srv_req_store_now(rq, &s, &now, err);
    kb_part_location *l = NULL;
    if (rc == KB_OK)
        rc = kb_part_location_add(s, name, note, rq->user, now, &l, err);
    json_decref(o);
    if (rc != KB_OK)
        return rc;
    rs->json = json_pack("{s:o,s:o,s:o}", "name", srv_json_str(l->name), "note",
                         srv_json_str(l->note), "created_at", srv_json_time(l->created_at));
    rs->status = 201;
    kb_part_location_free(l);
    return KB_OK;
}

/* --- movements --- */

kb_status h_part_move(srv_req *rq, srv_resp *rs, kb_err *err)
{
    static const char *const allowed[] = { "kind", "quantity", "location", "to_location",
                                           "incident", "asset", "note", NULL };
    json_t *o = NULL;
    long long now = 0;
    kb_store *s = NULL;
    kb_part_move_in in;
    memset(&in, 0, sizeof in);
    const char *kind = NULL;
    kb_status rc = srv_req_body(rq, 0, allowed, &o, err);
    const struct {
        const char *name;
        const char **slot;
    } strs[] = {
        { "kind", &kind },
        { "location", &in.location },
        { "to_location", &in.to_location },
        { "incident", &in.incident },
        { "asset", &in.asset },
        { "note", &in.note },
    };
    for (size_t i = 0; rc == KB_OK && i < sizeof strs / sizeof strs[0]; i++)
        rc = srv_json_get_str(o, strs[i].name, strs[i].slot, err);
    if (rc == KB_OK && !kind)
        rc = kb_err_set(err, KB_EINVAL, "field 'kind' is required: receive, issue, return, "
                        "move or scrap");
    if (rc == KB_OK && (in.kind = kb_part_move_of(kind)) < 0)
        rc = kb_err_set(err, KB_EINVAL, "field 'kind' must be receive, issue, return, move or "
                        "scrap, not '%.40s'", kind);
    if (rc == KB_OK)
        rc = srv_json_get_int(o, "quantity", 1, KB_PART_MAX_QTY, 1, &in.qty, err);
    /* stock comes in through replenishment; a receipt outside it is an admin's stock-take */
    if (rc == KB_OK && in.kind == KB_PART_MOVE_receive && !(rq->roles & KB_ROLE_ADMIN))
        rc = kb_err_set(err, KB_EDENIED, "only an admin receives stock outside a "
                        "replenishment request; receive the approved request instead");
    if (rc == KB_OK)
        rc = srv_req_store_now(rq, &s, &now, err);
    in.actor = rq->user;
    kb_part *p = NULL;
    if (rc == KB_OK)
        rc = kb_part_move_make(s, path_number(rq), &in, now, &p, err);
    json_decref(o);
    if (rc != KB_OK)
        return rc;
    rs->json = part_json(p, 1);
    rs->status = 201;
    kb_part_free(p);
    return KB_OK;
}

kb_status h_part_moves(srv_req *rq, srv_resp *rs, kb_err *err)
{
    kb_part_move_filter f;
    memset(&f, 0, sizeof f);
    srv_page pg;
    kb_status rc = srv_req_page(rq, DEFAULT_LIMIT, KB_PART_MAX_LIMIT, 0, &pg, err);
    f.limit = pg.limit;
    f.offset = pg.offset;
    if (rc == KB_OK)
        rc = srv_req_text(rq, "part", MAX_REF, &f.part, err);
    if (rc == KB_OK)
        rc = srv_req_text(rq, "asset", MAX_REF, &f.asset, err);
    if (rc == KB_OK)
        rc = srv_req_text(rq, "incident", MAX_REF, &f.incident, err);
    kb_store *s = NULL;
    if (rc == KB_OK)
        rc = srv_req_store(rq, &s, err);
    kb_part_move *v = NULL;
    size_t n = 0;
    long long total = 0;
    if (rc == KB_OK)
        rc = kb_part_moves(s, &f, &v, &n, &total, err);
    if (rc != KB_OK)
        return rc;
    rs->json = srv_page_json(total, &pg, "movements", moves_json(v, n));
    kb_part_moves_free(v, n);
    return KB_OK;
}

/* --- replenishment --- */

static kb_status path_reorder(srv_req *rq, long long *id, kb_err *err)
{
    size_t v = 0;
    kb_status rc = srv_req_path_num(rq, "id", MAX_REORDER_ID, &v, err);
    *id = (long long)v;
    return rc;
}

static kb_status reply_reorder(srv_resp *rs, kb_part_reorder *r, unsigned status)
{
    rs->json = reorder_json(r);
    rs->status = status;
    kb_part_reorder_free(r);
    return KB_OK;
}

kb_status h_part_reorder_list(srv_req *rq, srv_resp *rs, kb_err *err)
{
    const char *part = NULL;
    int state = -1;
    srv_page pg;
    kb_status rc = srv_req_page(rq, DEFAULT_LIMIT, KB_PART_MAX_LIMIT, 0, &pg, err);
    if (rc == KB_OK)
        rc = srv_req_text(rq, "part", MAX_REF, &part, err);
    const char *st = srv_req_arg(rq, "state");
    if (rc == KB_OK && st && (state = kb_part_reorder_state_of(st)) < 0)
        rc = kb_err_set(err, KB_EINVAL, "invalid 'state': use pending, approved, rejected or "
                        "received, not '%.40s'", st);
    kb_store *s = NULL;
    if (rc == KB_OK)
        rc = srv_req_store(rq, &s, err);
    kb_part_reorder **v = NULL;
    size_t n = 0;
    long long total = 0;
    if (rc == KB_OK)
        rc = kb_part_reorder_list(s, state, part, pg.limit, pg.offset, &v, &n, &total, err);
    if (rc != KB_OK)
        return rc;
    rs->json = srv_page_json(total, &pg, "replenishments", reorders_json(v, n));
    kb_part_reorders_free(v, n);
    return KB_OK;
}

kb_status h_part_reorder_get(srv_req *rq, srv_resp *rs, kb_err *err)
{
    long long id = 0;
    kb_store *s = NULL;
    kb_status rc = path_reorder(rq, &id, err);
    if (rc == KB_OK)
        rc = srv_req_store(rq, &s, err);
    kb_part_reorder *r = NULL;
    if (rc == KB_OK)
        rc = kb_part_reorder_get(s, id, &r, err);
    return rc == KB_OK ? reply_reorder(rs, r, 200) : rc;
}

kb_status h_part_reorder_create(srv_req *rq, srv_resp *rs, kb_err *err)
{
    static const char *const allowed[] = { "part", "quantity", "location", "reason", NULL };
    json_t *o = NULL;
    const char *part = NULL, *location = NULL, *reason = NULL;
    long long qty = 0, now = 0;
    kb_store *s = NULL;
    kb_status rc = srv_req_body(rq, 0, allowed, &o, err);
    if (rc == KB_OK)
        rc = srv_json_get_str(o, "part", &part, err);
    if (rc == KB_OK && !part)
        rc = kb_err_set(err, KB_EINVAL, "field 'part' is required");
    if (rc == KB_OK)
        rc = srv_json_get_int(o, "quantity", 1, KB_PART_MAX_QTY, 1, &qty, err);
    if (rc == KB_OK)
        rc = srv_json_get_str(o, "location", &location, err);
    if (rc == KB_OK)
        rc = srv_json_get_str(o, "reason", &reason, err);
    if (rc == KB_OK)
        rc = srv_req_store_now(rq, &s, &now, err);
    kb_part_reorder *r = NULL;
    if (rc == KB_OK) {
        rc = kb_part_reorder_create(s, part, qty, location, reason, rq->user, now, &r, err);
        if (rc == KB_ENOTFOUND) /* the body names it: a bad field, not a missing page */
            rc = kb_err_set(err, KB_EINVAL, "field 'part': there is no part '%.60s'", part);
    }
    json_decref(o);
    return rc == KB_OK ? reply_reorder(rs, r, 201) : rc;
}

kb_status h_part_reorder_decide(srv_req *rq, srv_resp *rs, kb_err *err)
{
    const char *action = srv_req_param(rq, "action");
    int approve = action && strcmp(action, "approve") == 0;
    if (!approve && !(action && strcmp(action, "reject") == 0))
        return kb_err_set(err, KB_ENOTFOUND, "no such decision: use approve or reject");
    static const char *const allowed[] = { "comment", NULL };
    json_t *o = NULL;
    const char *comment = NULL;
    long long id = 0, now = 0;
    kb_store *s = NULL;
    kb_status rc = path_reorder(rq, &id, err);
    if (rc == KB_OK)
        rc = srv_req_body(rq, 1, allowed, &o, err); /* an approval may say nothing */
    if (rc == KB_OK && o)
        rc = srv_json_get_str(o, "comment", &comment, err);
    if (rc == KB_OK)
        rc = srv_req_store_now(rq, &s, &now, err);
    kb_part_reorder *r = NULL;
    if (rc == KB_OK)
        rc = kb_part_reorder_decide(s, id, approve, comment, rq->user, now, &r, err);
    json_decref(o);
    return rc == KB_OK ? reply_reorder(rs, r, 200) : rc;
}

kb_status h_part_reorder_receive(srv_req *rq, srv_resp *rs, kb_err *err)
{
    static const char *const allowed[] = { "quantity", "location", "note", NULL };
    json_t *o = NULL;
    const char *location = NULL, *note = NULL;
    long long id = 0, qty = 0, now = 0;
    kb_store *s = NULL;
    kb_status rc = path_reorder(rq, &id, err);
    if (rc == KB_OK)
        rc = srv_req_body(rq, 1, allowed, &o, err); /* the quantity asked, where it was asked */
    if (rc == KB_OK && o)
        rc = srv_json_get_int(o, "quantity", 1, KB_PART_MAX_QTY, 0, &qty, err);
    if (rc == KB_OK && o)
        rc = srv_json_get_str(o, "location", &location, err);
    if (rc == KB_OK && o)
        rc = srv_json_get_str(o, "note", &note, err);
    if (rc == KB_OK)
        rc = srv_req_store_now(rq, &s, &now, err);
    kb_part_reorder *r = NULL;
    if (rc == KB_OK)
        rc = kb_part_reorder_receive(s, id, qty, location, note, rq->user, now, &r, err);
    json_decref(o);
    return rc == KB_OK ? reply_reorder(rs, r, 200) : rc;
}

/* --- consumption --- */

/* The report's months (from, to: default the twelve months to the desk's current one) and
 * grouping (by=part or model). */
static kb_status read_report(srv_req *rq, char from[KB_PART_MONTH_LEN],
                             char to[KB_PART_MONTH_LEN], int *by_model, kb_err *err)
{
    long long now = 0;
    kb_status rc = srv_now(&now, err);
    if (rc != KB_OK)
        return rc;
    char day[KB_DATE_LEN];
    kb_date_of(now, day);
    memcpy(to, day, 7);
    to[7] = '\0';
    int y = atoi(day), m = atoi(day + 5) - 11;
    if (m < 1) {
        m += 12;
        y--;
    }
    char first[32];
    snprintf(first, sizeof first, "%04d-%02d", y, m);
    memcpy(from, first, KB_PART_MONTH_LEN - 1);
    from[KB_PART_MONTH_LEN - 1] = '\0';
    const char *f = srv_req_arg(rq, "from"), *t = srv_req_arg(rq, "to");
    const char *by = srv_req_arg(rq, "by");
    if (f && !kb_part_month_valid(f))
        return kb_err_set(err, KB_EINVAL, "'from' must be a month YYYY-MM, not '%.20s'", f);
    if (t && !kb_part_month_valid(t))
        return kb_err_set(err, KB_EINVAL, "'to' must be a month YYYY-MM, not '%.20s'", t);
    if (f)
        memcpy(from, f, KB_PART_MONTH_LEN);
    if (t)
        memcpy(to, t, KB_PART_MONTH_LEN);
    *by_model = by && strcmp(by, "model") == 0;
    if (by && !*by_model && strcmp(by, "part") != 0)
        return kb_err_set(err, KB_EINVAL, "invalid 'by': use part or model, not '%.20s'", by);
    return KB_OK;
}

static kb_status load_report(srv_req *rq, char *from, char *to, int *by_model,
                             kb_part_use **v, size_t *n, kb_err *err)
{
    kb_status rc = read_report(rq, from, to, by_model, err);
    kb_store *s = NULL;
    if (rc == KB_OK)
        rc = srv_req_store(rq, &s, err);
    if (rc == KB_OK)
        rc = kb_part_consumption(s, from, to, *by_model, v, n, err);
    return rc;
}

kb_status h_part_consumption(srv_req *rq, srv_resp *rs, kb_err *err)
{
    char from[KB_PART_MONTH_LEN], to[KB_PART_MONTH_LEN];
    int by_model = 0;
    kb_part_use *v = NULL;
    size_t n = 0;
    kb_status rc = load_report(rq, from, to, &by_model, &v, &n, err);
    if (rc != KB_OK)
        return rc;
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++) {
        json_t *e = json_object();
        json_object_set_new(e, "month", srv_json_str(v[i].month));
        json_object_set_new(e, "part", srv_json_str(v[i].part));
        json_object_set_new(e, "name", srv_json_str(v[i].name));
        json_object_set_new(e, "unit", srv_json_str(v[i].unit));
        if (by_model)
            json_object_set_new(e, "model", srv_json_str(v[i].model));
        json_object_set_new(e, "issued", json_integer(v[i].issued));
        json_object_set_new(e, "returned", json_integer(v[i].returned));
        json_object_set_new(e, "consumed", json_integer(v[i].issued - v[i].returned));
        json_array_append_new(a, e);
    }
    kb_part_uses_free(v, n);
    rs->json = json_pack("{s:s,s:s,s:s,s:o}", "from", from, "to", to, "by",
                         by_model ? "model" : "part", "rows", a);
    return KB_OK;
}

kb_status h_part_consumption_csv(srv_req *rq, srv_resp *rs, kb_err *err)
{
    char from[KB_PART_MONTH_LEN], to[KB_PART_MONTH_LEN];
    int by_model = 0;
    kb_part_use *v = NULL;
    size_t n = 0;
    kb_status rc = load_report(rq, from, to, &by_model, &v, &n, err);
    if (rc != KB_OK)
        return rc;
    kb_buf b;
    kb_buf_init(&b, 0);
    kb_buf_adds(&b, KB_CSV_BOM);
    static const char *const head[] = { "month", "model", "part", "name", "unit", "issued",
                                        "returned", "consumed" };
    size_t skip = by_model ? 0 : 1; /* by part: no model column */
    const char *names[8];
    memcpy(names, head, sizeof names);
    names[skip] = "month";
    kb_csv_row(&b, names + skip, 8 - skip);
    for (size_t i = 0; i < n; i++) {
        char issued[24], returned[24], consumed[24];
        snprintf(issued, sizeof issued, "%lld", v[i].issued);
        snprintf(returned, sizeof returned, "%lld", v[i].returned);
        snprintf(consumed, sizeof consumed, "%lld", v[i].issued - v[i].returned);
        const char *row[] = { v[i].month, v[i].model, v[i].part, v[i].name, v[i].unit, issued,
                              returned, consumed };
        row[skip] = v[i].month;
        kb_csv_row(&b, row + skip, 8 - skip);
    }
    kb_part_uses_free(v, n);
    rs->body = kb_buf_detach(&b, &rs->body_len);
    rs->content_type = KB_CSV_TYPE;
    snprintf(rs->filename, sizeof rs->filename, "parts-consumption-%s-%s.csv", from, to);
    kb_buf_free(&b);
    return KB_OK;
}
