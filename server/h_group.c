/* Support groups and routing rules: GET/POST /api/v1/groups, GET/PATCH
 * /api/v1/groups/:name, GET/PUT /api/v1/routing-rules. Rules and SQL are in kb (kb_group.h);
 * changes are audited with the logged-in user as actor. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kb_alloc.h"
#include "kb_group.h"
#include "srv.h"

static json_t *group_json(const kb_group *g)
{
    json_t *o = json_object();
    json_object_set_new(o, "name", srv_json_str(g->name));
    json_object_set_new(o, "lead", g->lead[0] ? srv_json_str(g->lead) : json_null());
    json_t *a = json_array();
    for (size_t i = 0; i < g->nmembers; i++)
        json_array_append_new(a, srv_json_str(g->members[i]));
    json_object_set_new(o, "members", a);
    json_t *off = json_array(); /* members whose accounts are disabled: no new work */
    for (size_t i = 0; i < g->nmembers; i++)
        if (g->disabled && g->disabled[i])
            json_array_append_new(off, srv_json_str(g->members[i]));
    json_object_set_new(o, "disabled_members", off);
    json_object_set_new(o, "created_at", srv_json_time(g->created_at));
    json_object_set_new(o, "updated_at", srv_json_time(g->updated_at));
    return o;
}

static kb_status reply_group(srv_resp *rs, kb_group *g, unsigned status)
{
    rs->json = group_json(g);
    rs->status = status;
    kb_group_free(g);
    return KB_OK;
}

/* The group name of the path, checked. */
static kb_status path_name(const srv_req *rq, const char **out, kb_err *err)
{
    *out = srv_req_param(rq, "name");
    if (!*out || !kb_group_name_valid(*out))
        return kb_err_set(err, KB_EINVAL, "invalid group name in the path");
    return KB_OK;
}

/* GET /api/v1/groups */
kb_status h_group_list(srv_req *rq, srv_resp *rs, kb_err *err)
{
    kb_store *s;
    kb_status rc = srv_req_store(rq, &s, err);
    kb_group **v = NULL;
    size_t n = 0;
    if (rc == KB_OK)
        rc = kb_group_list(s, &v, &n, err);
    if (rc != KB_OK)
        return rc;
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(a, group_json(v[i]));
    kb_group_list_free(v, n);
    rs->json = json_object();
    json_object_set_new(rs->json, "groups", a);
    return KB_OK;
}

/* GET /api/v1/groups/:name */
kb_status h_group_get(srv_req *rq, srv_resp *rs, kb_err *err)
{
    const char *name;
    kb_store *s;
    kb_status rc = path_name(rq, &name, err);
    if (rc == KB_OK)
        rc = srv_req_store(rq, &s, err);
    kb_group *g = NULL;
    if (rc == KB_OK)
        rc = kb_group_get(s, name, &g, err);
    if (rc != KB_OK)
        return rc;
    return reply_group(rs, g, 200);
}

/* POST /api/v1/groups {"name", "members": [...], "lead"} */
kb_status h_group_create(srv_req *rq, srv_resp *rs, kb_err *err)
{
    static const char *const allowed[] = { "name", "members", "lead", NULL };
    json_t *o = NULL;
    kb_store *s;
    long long now = 0;
    const char *name = NULL, *lead = NULL;
    const char **members = NULL;
    size_t n = 0;
    kb_status rc = srv_req_body(rq, 0, allowed, &o, err);
    if (rc == KB_OK)
        rc = srv_json_get_str(o, "name", &name, err);
    if (rc == KB_OK && !name)
        rc = kb_err_set(err, KB_EINVAL, "field 'name' is required");
    if (rc == KB_OK)
        rc = srv_json_get_str(o, "lead", &lead, err);
    if (rc == KB_OK)
        rc = srv_json_get_strs(o, "members", KB_GROUP_MAX_MEMBERS, &members, &n, err);
    if (rc == KB_OK)
        rc = srv_req_store_now(rq, &s, &now, err);
    kb_group *g = NULL;
    if (rc == KB_OK)
        rc = kb_group_create(s, name, members, n, lead, rq->user, now, &g, err);
    free((void *)members);
    json_decref(o);
    if (rc != KB_OK)
        return rc;
    return reply_group(rs, g, 201);
}

/* PATCH /api/v1/groups/:name {"name"?, "members"?, "lead"?} */
kb_status h_group_update(srv_req *rq, srv_resp *rs, kb_err *err)
{
    static const char *const allowed[] = { "name", "members", "lead", NULL };
    const char *name;
    json_t *o = NULL;
    kb_store *s;
    long long now = 0;
    kb_group_change ch;
    memset(&ch, 0, sizeof ch);
    const char **members = NULL;
    kb_status rc = path_name(rq, &name, err);
    if (rc == KB_OK)
        rc = srv_req_body(rq, 0, allowed, &o, err);
    if (rc == KB_OK)
        rc = srv_json_get_str(o, "name", &ch.name, err);
    if (rc == KB_OK)
        rc = srv_json_get_str(o, "lead", &ch.lead, err);
    if (rc == KB_OK)
        rc = srv_json_get_strs(o, "members", KB_GROUP_MAX_MEMBERS, &members, &ch.nmembers, err);
    ch.members = members;
    ch.set_members = members != NULL;
    if (rc == KB_OK)
        rc = srv_req_store_now(rq, &s, &now, err);
    kb_group *g = NULL;
    if (rc == KB_OK)
        rc = kb_group_update(s, name, &ch, rq->user, now, &g, err);
    free((void *)members);
    json_decref(o);
    if (rc != KB_OK)
        return rc;
    return reply_group(rs, g, 200);
}

static json_t *rule_json(const kb_group_rule *r)
{
    json_t *o = json_object();
    json_object_set_new(o, "category", srv_json_str(r->category));
    json_object_set_new(o, "ci", srv_json_str(r->ci));
    json_object_set_new(o, "location", srv_json_str(r->location));
    json_t *a = json_array();
    for (size_t i = 0; i < r->nkeywords; i++)
        json_array_append_new(a, srv_json_str(r->keywords[i]));
    json_object_set_new(o, "keywords", a);
    json_object_set_new(o, "group", srv_json_str(r->group));
    return o;
}

static kb_status reply_rules(kb_store *s, srv_resp *rs, kb_err *err)
{
    kb_group_rule *v = NULL;
    size_t n = 0;
    kb_status rc = kb_group_rules_list(s, &v, &n, err);
    if (rc != KB_OK)
        return rc;
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(a, rule_json(&v[i]));
    kb_group_rules_free(v, n);
    rs->json = json_object();
    json_object_set_new(rs->json, "rules", a);
    return KB_OK;
}

/* GET /api/v1/routing-rules */
kb_status h_routing_get(srv_req *rq, srv_resp *rs, kb_err *err)
{
    kb_store *s;
    kb_status rc = srv_req_store(rq, &s, err);
    return rc == KB_OK ? reply_rules(s, rs, err) : rc;
}

/* One rule of the body into r (strings borrowed from the body, r->keywords allocated). */
static kb_status rule_of(json_t *v, size_t i, kb_group_rule *r, kb_err *err)
{
    static const char *const names[] = { "category", "ci", "location", "keywords", "group" };
    memset(r, 0, sizeof *r);
    if (!json_is_object(v))
        return kb_err_set(err, KB_EINVAL, "rules[%zu] must be an object", i);
    const char *key;
    json_t *m;
    json_object_foreach(v, key, m) {
        int known = 0;
        for (size_t k = 0; k < sizeof names / sizeof names[0]; k++)
            known |= strcmp(key, names[k]) == 0;
        if (!known)
            return kb_err_set(err, KB_EINVAL, "rules[%zu]: unknown field '%.40s'", i, key);
    }
    char **slots[] = { &r->category, &r->ci, &r->location, &r->group };
    const char *fields[] = { "category", "ci", "location", "group" };
    kb_status rc = KB_OK;
    for (size_t k = 0; rc == KB_OK && k < 4; k++)
        rc = srv_json_get_str(v, fields[k], (const char **)slots[k], err);
    const char **kw = NULL;
    if (rc == KB_OK)
        rc = srv_json_get_strs(v, "keywords", KB_GROUP_RULE_MAX_KEYWORDS, &kw, &r->nkeywords, err);
    r->keywords = (char **)kw;
    if (rc != KB_OK)
        return kb_err_prefix(err, KB_EINVAL, "rules[%zu]", i);
    return KB_OK;
}

/* PUT /api/v1/routing-rules {"rules": [{"category", "ci", "location", "keywords": [...],
 * "group"}, ...]}: the whole list, in order. */
kb_status h_routing_set(srv_req *rq, srv_resp *rs, kb_err *err)
{
    static const char *const allowed[] = { "rules", NULL };
    json_t *o = NULL;
    kb_store *s;
    long long now = 0;
    kb_status rc = srv_req_body(rq, 0, allowed, &o, err);
    json_t *a = rc == KB_OK ? json_object_get(o, "rules") : NULL;
    if (rc == KB_OK && !json_is_array(a))
        rc = kb_err_set(err, KB_EINVAL, "field 'rules' must be an array of rules");
    if (rc == KB_OK && json_array_size(a) > KB_GROUP_RULE_MAX_RULES)
        rc = kb_err_set(err, KB_EINVAL, "more than %u rules", KB_GROUP_RULE_MAX_RULES);
    size_t n = rc == KB_OK ? json_array_size(a) : 0;
    kb_group_rule *v = kb_xcalloc(n ? n : 1, sizeof *v);
    size_t done = 0;
    for (; rc == KB_OK && done < n; done++)
        rc = rule_of(json_array_get(a, done), done, &v[done], err);
    if (rc == KB_OK)
        rc = srv_req_store_now(rq, &s, &now, err);
    if (rc == KB_OK)
        rc = kb_group_rules_set(s, v, n, rq->user, now, err);
    for (size_t i = 0; i < n; i++)
        free(v[i].keywords); /* the strings are the body's */
    free(v);
    json_decref(o);
    if (rc != KB_OK)
        return rc;
    return reply_rules(s, rs, err);
}
