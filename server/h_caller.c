/* The caller directory endpoints: /api/v1/callers (search and list, create) and
 * /api/v1/callers/{id} (one caller with their open and recent incidents, change). Rules and
 * SQL are in kb (kb_caller.h); this file turns JSON into kb calls and records into JSON. */
#include <stdlib.h>
#include <string.h>

#include "kb_alloc.h"
#include "kb_caller.h"
#include "srv.h"

#define DEFAULT_LIMIT 20u
#define MAX_ID 1000000000000000u

/* --- records to JSON --- */

static json_t *caller_json(const kb_caller *c)
{
    json_t *o = json_object();
    json_object_set_new(o, "id", json_integer(c->id));
    json_object_set_new(o, "name", srv_json_str(c->name));
    json_object_set_new(o, "phones", srv_json_strings(c->phones, c->nphones));
    json_object_set_new(o, "phones_normalized", srv_json_strings(c->phones_norm, c->nphones));
    json_object_set_new(o, "email", srv_json_str(c->email));
    json_object_set_new(o, "department", srv_json_str(c->department));
    json_object_set_new(o, "location", srv_json_str(c->location));
    json_object_set_new(o, "vip", json_boolean(c->vip));
    json_object_set_new(o, "notes", srv_json_str(c->notes));
    json_object_set_new(o, "created_by", srv_json_str(c->created_by));
    json_object_set_new(o, "created_at", srv_json_time(c->created_at));
    json_object_set_new(o, "updated_by", srv_json_str(c->updated_by));
    json_object_set_new(o, "updated_at", srv_json_time(c->updated_at));
    return o;
}

/* --- request bodies --- */

static const char *const body_fields[] = { "name",     "phones", "email", "department",
                                           "location", "vip",    "notes", NULL };

/* Fills in from body o; *phones (free() it) holds the numbers borrowed from o. */
static kb_status read_body(json_t *o, kb_caller_in *in, const char ***phones, kb_err *err)
{
    memset(in, 0, sizeof *in);
    in->vip = -1;
    *phones = NULL;
    const struct {
        const char *name;
        const char **slot;
    } strs[] = {
        { "name", &in->name },         { "email", &in->email },
        { "department", &in->department }, { "location", &in->location },
        { "notes", &in->notes },
    };
    kb_status rc = KB_OK;
    for (size_t i = 0; rc == KB_OK && i < sizeof strs / sizeof strs[0]; i++)
        rc = srv_json_get_str(o, strs[i].name, strs[i].slot, err);
    int vip = 0, has_vip = 0;
    if (rc == KB_OK)
        rc = srv_json_get_bool(o, "vip", &vip, &has_vip, err);
    if (rc == KB_OK && has_vip)
        in->vip = vip;
    json_t *a = json_object_get(o, "phones");
    if (rc != KB_OK || !a || json_is_null(a))
        return rc;
    if (!json_is_array(a))
        return kb_err_set(err, KB_EINVAL, "field 'phones' must be an array of strings");
    size_t n = json_array_size(a);
    if (n > KB_CALLER_MAX_PHONES)
        return kb_err_set(err, KB_EINVAL, "field 'phones' holds more than %u numbers (%zu)",
                          KB_CALLER_MAX_PHONES, n);
    *phones = kb_xcalloc(n ? n : 1, sizeof **phones);
    for (size_t i = 0; i < n; i++) {
        json_t *v = json_array_get(a, i);
        if (!json_is_string(v))
            return kb_err_set(err, KB_EINVAL, "field 'phones[%zu]' must be a string", i);
        (*phones)[i] = json_string_value(v);
    }
    in->phones = *phones;
    in->nphones = n;
    in->set_phones = 1;
    return KB_OK;
}

static kb_status path_id(srv_req *rq, long long *out, kb_err *err)
{
    size_t id = 0;
    kb_status rc = srv_req_path_num(rq, "id", MAX_ID, &id, err);
    *out = (long long)id;
    return rc;
}

/* --- handlers --- */

kb_status h_caller_list(srv_req *rq, srv_resp *rs, kb_err *err)
{
    srv_page pg;
    kb_status rc =
        srv_req_page(rq, DEFAULT_LIMIT, KB_CALLER_MAX_LIMIT, KB_CALLER_MAX_QUERY, &pg, err);
    kb_caller_filter f;
    memset(&f, 0, sizeof f);
    f.limit = pg.limit;
    f.offset = pg.offset;
    f.q = pg.q;
    kb_store *s = NULL;
    if (rc == KB_OK)
        rc = srv_req_store(rq, &s, err);
    kb_caller_list *l = NULL;
    if (rc == KB_OK)
        rc = kb_caller_search(s, &f, &l, err);
    if (rc != KB_OK)
        return rc;
    json_t *a = json_array();
    for (size_t i = 0; i < l->n; i++)
        json_array_append_new(a, caller_json(l->items[i]));
    rs->json = srv_page_json(l->total, &pg, "callers", a);
    kb_caller_list_free(l);
    return KB_OK;
}

kb_status h_caller_get(srv_req *rq, srv_resp *rs, kb_err *err)
{
    long long id = 0;
    kb_store *s = NULL;
    kb_status rc = path_id(rq, &id, err);
    if (rc == KB_OK)
        rc = srv_req_store(rq, &s, err);
    kb_caller *c = NULL;
    if (rc == KB_OK)
        rc = kb_caller_get(s, id, &c, err);
    kb_caller_history *h = NULL;
    if (rc == KB_OK)
        rc = kb_caller_history_get(s, c, &h, err);
    if (rc == KB_OK) {
        json_t *o = caller_json(c);
        json_object_set_new(o, "open_incidents", srv_json_incident_briefs(h->open, h->nopen));
        json_object_set_new(o, "recent_incidents", srv_json_incident_briefs(h->recent, h->nrecent));
        rs->json = o;
    }
    kb_caller_history_free(h);
    kb_caller_free(c);
    return rc;
}

/* Create (id 0) or change caller id from the request body. */
static kb_status write_caller(srv_req *rq, srv_resp *rs, long long id, kb_err *err)
{
    json_t *o = NULL;
    long long now = 0;
    kb_store *s = NULL;
    kb_status rc = srv_req_body(rq, 0, body_fields, &o, err);
    if (rc == KB_OK)
        rc = srv_req_store_now(rq, &s, &now, err);
    kb_caller_in in;
    const char **phones = NULL;
    if (rc == KB_OK)
        rc = read_body(o, &in, &phones, err);
    in.actor = rq->user;
    kb_caller *c = NULL;
    if (rc == KB_OK && id == 0)
        rc = kb_caller_create(s, &in, now, &c, err);
    else if (rc == KB_OK)
        rc = kb_caller_update(s, id, &in, now, &c, NULL, err);
    free(phones);
    json_decref(o);
    if (rc != KB_OK)
        return rc;
    rs->json = caller_json(c);
    rs->status = id == 0 ? 201 : 200;
    kb_caller_free(c);
    return KB_OK;
}

kb_status h_caller_create(srv_req *rq, srv_resp *rs, kb_err *err)
{
    return write_caller(rq, rs, 0, err);
}

kb_status h_caller_update(srv_req *rq, srv_resp *rs, kb_err *err)
{
    long long id = 0;
    kb_status rc = path_id(rq, &id, err);
    return rc == KB_OK ? write_caller(rq, rs, id, err) : rc;
}
