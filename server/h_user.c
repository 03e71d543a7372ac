/* User management (admin): GET /api/v1/users, POST /api/v1/users,
 * PATCH /api/v1/users/:name. Changes are audited with the caller as actor. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kb_alloc.h"
#include "kb_buf.h"
#include "kb_user.h"
#include "srv.h"

static json_t *user_json(const kb_user_info *u)
{
    json_t *o = json_object();
    json_object_set_new(o, "username", json_string(u->name));
    json_t *a = json_array();
    for (unsigned bit = 1; bit <= KB_ROLE_ADMIN; bit <<= 1)
        if (u->roles & bit)
            json_array_append_new(a, json_string(kb_user_role_name(bit)));
    json_object_set_new(o, "roles", a);
    json_object_set_new(o, "disabled", json_boolean(u->disabled));
    json_object_set_new(o, "created", srv_json_time(u->created));
    json_object_set_new(o, "updated", srv_json_time(u->updated));
    return o;
}

/* ["agent", "auditor"] -> bits; KB_EINVAL for anything else or an empty list. */
static kb_status roles_of(json_t *a, unsigned *out, kb_err *err)
{
    *out = 0;
    if (!json_is_array(a) || json_array_size(a) == 0)
        return kb_err_set(err, KB_EINVAL, "'roles' must be a non-empty array of role names");
    size_t i;
    json_t *v;
    json_array_foreach(a, i, v) {
        unsigned r = json_is_string(v) ? kb_user_role_parse(json_string_value(v)) : 0;
        if (!r)
            return kb_err_set(err, KB_EINVAL,
                              "'roles' item %zu is not one of agent, engineer, approver, "
                              "auditor, admin",
                              i);
        *out |= r;
    }
    return KB_OK;
}

/* The member "password" of a request for the user name, checked against the policy. */
static kb_status password_of(const char *name, json_t *p, const char **out, kb_err *err)
{
    *out = NULL;
    if (!json_is_string(p))
        return kb_err_set(err, KB_EINVAL, "'password' must be a string");
    kb_status rc = kb_user_password_check(name, json_string_value(p), json_string_length(p),
                                          err);
    if (rc == KB_OK)
        *out = json_string_value(p);
    return rc;
}

/* GET /api/v1/users */
kb_status h_user_list(srv_req *rq, srv_resp *rs, kb_err *err)
{
    kb_store *s;
    kb_status rc = srv_req_store(rq, &s, err);
    if (rc != KB_OK)
        return rc;
    kb_user_info *v;
    size_t n;
    rc = kb_user_list(s, &v, &n, err);
    if (rc != KB_OK)
        return rc;
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(a, user_json(&v[i]));
    free(v);
    json_t *o = json_object();
    json_object_set_new(o, "users", a);
    rs->json = o;
    return KB_OK;
}

/* POST /api/v1/users {"username", "password", "roles": [...]} */
kb_status h_user_create(srv_req *rq, srv_resp *rs, kb_err *err)
{
    static const char *const allowed[] = { "username", "password", "roles", NULL };
    json_t *in;
    kb_status rc = srv_req_body(rq, 0, allowed, &in, err);
    if (rc != KB_OK)
        return rc;
    json_t *u = json_object_get(in, "username");
    const char *pw = NULL;
    unsigned roles = 0;
    if (!json_is_string(u) || strlen(json_string_value(u)) != json_string_length(u) ||
        !kb_user_name_valid(json_string_value(u)))
        rc = kb_err_set(err, KB_EINVAL,
                        "'username' must be 1 to %u characters of A-Z a-z 0-9 . _ -",
                        KB_USER_NAME_MAX);
    if (rc == KB_OK)
        rc = password_of(json_string_value(u), json_object_get(in, "password"), &pw, err);
    if (rc == KB_OK)
        rc = roles_of(json_object_get(in, "roles"), &roles, err);
    long long now;
    kb_store *s;
    if (rc == KB_OK)
        rc = srv_req_store_now(rq, &s, &now, err);
    if (rc == KB_OK)
        rc = kb_user_add(s, json_string_value(u), pw, roles, rq->user, now, err);
    kb_user_info info;
    if (rc == KB_OK)
        rc = kb_user_get(s, json_string_value(u), &info, err);
    if (rc == KB_OK) {
        rs->status = 201;
        rs->json = user_json(&info);
    }
    json_decref(in);
    return rc;
}

/* PATCH /api/v1/users/:name {"roles"?, "password"?, "disabled"?} */
kb_status h_user_update(srv_req *rq, srv_resp *rs, kb_err *err)
{
    static const char *const allowed[] = { "roles", "password", "disabled", NULL };
    const char *name = srv_req_param(rq, "name");
    if (!kb_user_name_valid(name))
        return kb_err_set(err, KB_ENOTFOUND, "no user '%.64s'", name);
    json_t *in;
    kb_status rc = srv_req_body(rq, 0, allowed, &in, err);
    if (rc != KB_OK)
        return rc;
    kb_user_change ch = { NULL, -1, -1 };
    json_t *v = json_object_get(in, "roles");
    if (v) {
        unsigned roles;
        rc = roles_of(v, &roles, err);
        ch.roles = roles;
    }
    v = json_object_get(in, "password");
    if (rc == KB_OK && v)
        rc = password_of(name, v, &ch.password, err);
    v = json_object_get(in, "disabled");
    if (rc == KB_OK && v) {
        if (!json_is_boolean(v))
            rc = kb_err_set(err, KB_EINVAL, "'disabled' must be true or false");
        else
            ch.disabled = json_is_true(v);
    }
    long long now;
    kb_store *s;
    if (rc == KB_OK)
        rc = srv_req_store_now(rq, &s, &now, err);
    if (rc == KB_OK)
        rc = kb_user_update(s, name, &ch, rq->user, now, err);
    kb_user_info info;
    if (rc == KB_OK)
        rc = kb_user_get(s, name, &info, err);
    if (rc == KB_OK)
        rs->json = user_json(&info);
    json_decref(in);
    return rc;
}
