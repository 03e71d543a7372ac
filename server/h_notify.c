/* Notifications over HTTP: channels (admin), the outbox with its attempts (admin,
 * auditor), templates, and each user's e-mail choices. Rules and SQL are in kb
 * (kb_notify.h); sending is server/notify.c's. Secrets and passwords are accepted but
 * never returned, logged or audited. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kb_alloc.h"
#include "kb_notify.h"
#include "srv.h"

#define MAX_CHANNEL_ID 1000000000u
#define MAX_EVENTS 20u /* names in an "events" list */
/* what a user gets by e-mail when they give an address but no events */
#define PERSONAL_DEFAULT                                                                     \
    ((1u << KB_NOTIFY_ASSIGNED) | (1u << KB_NOTIFY_SLA_75) | (1u << KB_NOTIFY_SLA_BREACH))

static json_t *events_json(unsigned mask)
{
    json_t *a = json_array();
    for (int i = 0; i < KB_NOTIFY_NEVENTS; i++)
        if (mask & (1u << i))
            json_array_append_new(a, json_string(kb_notify_event_name((kb_notify_event)i)));
    return a;
}

/* The "events" member of o as a mask into *out (unchanged when absent). */
static kb_status events_of(json_t *o, unsigned *out, int *given, kb_err *err)
{
    const char **v = NULL;
    size_t n = 0;
    kb_status rc = srv_json_get_strs(o, "events", MAX_EVENTS, &v, &n, err);
    unsigned mask = 0;
    for (size_t i = 0; rc == KB_OK && i < n; i++) {
        kb_notify_event ev;
        rc = kb_notify_event_parse(v[i], &ev, err);
        if (rc == KB_OK)
            mask |= 1u << ev;
    }
    if (given)
        *given = json_object_get(o, "events") && !json_is_null(json_object_get(o, "events"));
    if (rc == KB_OK && json_object_get(o, "events") && !json_is_null(json_object_get(o, "events")))
        *out = mask;
    free((void *)v);
    return rc;
}

static json_t *channel_json(const kb_notify_channel *c)
{
    json_t *o = json_object();
    json_object_set_new(o, "id", json_integer(c->id));
    json_object_set_new(o, "name", srv_json_str(c->name));
    json_object_set_new(o, "kind", json_string(kb_notify_kind_name(c->kind)));
    if (c->kind == KB_NOTIFY_EMAIL) {
        json_object_set_new(o, "host", srv_json_str(c->host));
        json_object_set_new(o, "port", json_integer(c->port));
        json_object_set_new(o, "starttls", json_string(kb_notify_tls_name(c->starttls)));
        json_object_set_new(o, "username", srv_json_str(c->username));
        json_object_set_new(o, "password_set", json_boolean(c->password[0]));
        json_object_set_new(o, "from", srv_json_str(c->from));
        json_t *to = json_array();
        for (size_t i = 0; i < c->nto; i++)
            json_array_append_new(to, srv_json_str(c->to[i]));
        json_object_set_new(o, "to", to);
    } else {
        char *url = kb_notify_url_masked(c->url); /* a robot's key is in its query */
        json_object_set_new(o, "url", srv_json_str(url));
        free(url);
        json_object_set_new(o, "secret_set", json_boolean(c->secret[0]));
    }
    json_object_set_new(o, "events", events_json(c->events));
    json_object_set_new(o, "group", c->group[0] ? srv_json_str(c->group) : json_null());
    json_object_set_new(o, "enabled", json_boolean(c->enabled));
    json_object_set_new(o, "created_at", srv_json_time(c->created_at));
    json_object_set_new(o, "updated_at", srv_json_time(c->updated_at));
    return o;
}

static const char *const channel_fields[] = { "kind", "name", "url", "secret", "host", "port",
                                              "starttls", "username", "password", "from",
                                              "to", "events", "group", "enabled", NULL };

/* 1 when v is url as lists show it (masked): a client sending back what it read keeps the
 * stored URL rather than storing the mask. */
static int masked_same(const char *url, const char *v)
{
    if (!v || !url[0] || strcmp(url, v) == 0)
        return 0;
    char *m = kb_notify_url_masked(url);
    int same = strcmp(m, v) == 0;
    free(m);
    return same;
}

/* Applies the members of o to c (absent members leave c alone). */
static kb_status channel_from(json_t *o, kb_notify_channel *c, int create, kb_err *err)
{
    const char *kind = NULL, *tls = NULL;
    kb_status rc = srv_json_get_str(o, "kind", &kind, err);
    if (rc == KB_OK && create && !kind)
        rc = kb_err_set(err, KB_EINVAL, "field 'kind' is required");
    if (rc == KB_OK && kind) {
        kb_notify_kind k;
        rc = kb_notify_kind_parse(kind, &k, err);
        if (rc == KB_OK && !create && k != c->kind)
            rc = kb_err_set(err, KB_EINVAL, "field 'kind' cannot change; make a new channel");
        c->kind = k;
    }
    static const char *const names[] = { "name", "url", "secret", "host", "username",
                                         "password", "from", "group" };
    char **slots[] = { &c->name, &c->url, &c->secret, &c->host, &c->username, &c->password,
                       &c->from, &c->group };
    for (size_t i = 0; rc == KB_OK && i < sizeof names / sizeof names[0]; i++) {
        const char *v = NULL;
        rc = srv_json_get_str(o, names[i], &v, err);
        json_t *m = json_object_get(o, names[i]);
        if (rc == KB_OK && m && !(slots[i] == &c->url && masked_same(c->url, v)))
            kb_notify_set(slots[i], v); /* null clears */
    }
    if (rc == KB_OK)
        rc = srv_json_get_str(o, "starttls", &tls, err);
    if (rc == KB_OK && tls)
        rc = kb_notify_tls_parse(tls, &c->starttls, err);
    long long port = c->port;
    if (rc == KB_OK)
        rc = srv_json_get_int(o, "port", 1, 65535, 0, &port, err);
    c->port = (int)port;
    int enabled = c->enabled;
    if (rc == KB_OK)
        rc = srv_json_get_bool(o, "enabled", &enabled, NULL, err);
    c->enabled = enabled;
    if (rc == KB_OK)
        rc = events_of(o, &c->events, NULL, err);
    const char **to = NULL;
    size_t nto = 0;
    if (rc == KB_OK)
        rc = srv_json_get_strs(o, "to", KB_NOTIFY_MAX_TO, &to, &nto, err);
    if (rc == KB_OK && json_object_get(o, "to")) {
        for (size_t i = 0; i < c->nto; i++)
            free(c->to[i]);
        free(c->to);
        c->to = nto ? kb_xcalloc(nto, sizeof *c->to) : NULL;
        for (size_t i = 0; i < nto; i++)
            c->to[i] = kb_xstrdup(to[i]);
        c->nto = nto;
    }
    free((void *)to);
    return rc;
}

static kb_status reply_channel(srv_resp *rs, kb_notify_channel *c, unsigned status)
{
    rs->json = channel_json(c);
    rs->status = status;
    kb_notify_channel_free(c);
    return KB_OK;
}

/* GET /api/v1/notification-channels */
kb_status h_notify_channels(srv_req *rq, srv_resp *rs, kb_err *err)
{
    kb_store *s;
    kb_notify_channel **v = NULL;
    size_t n = 0;
    kb_status rc = srv_req_store(rq, &s, err);
    if (rc == KB_OK)
        rc = kb_notify_channel_list(s, &v, &n, err);
    if (rc != KB_OK)
        return rc;
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(a, channel_json(v[i]));
    kb_notify_channel_list_free(v, n);
    rs->json = json_object();
    json_object_set_new(rs->json, "channels", a);
    return KB_OK;
}

/* POST /api/v1/notification-channels */
kb_status h_notify_channel_create(srv_req *rq, srv_resp *rs, kb_err *err)
{
    json_t *o = NULL;
    kb_store *s;
    long long now = 0;
    kb_notify_channel *c = kb_notify_channel_new();
    kb_status rc = srv_req_body(rq, 0, channel_fields, &o, err);
    if (rc == KB_OK)
        rc = channel_from(o, c, 1, err);
    json_decref(o);
    if (rc == KB_OK)
        rc = srv_req_store_now(rq, &s, &now, err);
    if (rc == KB_OK)
        rc = kb_notify_channel_put(s, c, rq->user, now, err);
    if (rc != KB_OK) {
        kb_notify_channel_free(c);
        return rc;
    }
    return reply_channel(rs, c, 201);
}

/* PATCH /api/v1/notification-channels/:id */
kb_status h_notify_channel_update(srv_req *rq, srv_resp *rs, kb_err *err)
{
    size_t id = 0;
    json_t *o = NULL;
    kb_store *s;
    long long now = 0;
    kb_notify_channel *c = NULL;
    kb_status rc = srv_req_path_num(rq, "id", MAX_CHANNEL_ID, &id, err);
    if (rc == KB_OK)
        rc = srv_req_body(rq, 0, channel_fields, &o, err);
    if (rc == KB_OK)
        rc = srv_req_store_now(rq, &s, &now, err);
    if (rc == KB_OK)
        rc = kb_notify_channel_get(s, (long long)id, &c, err);
    if (rc == KB_OK)
        rc = channel_from(o, c, 0, err);
    json_decref(o);
    if (rc == KB_OK)
        rc = kb_notify_channel_put(s, c, rq->user, now, err);
    if (rc != KB_OK) {
        kb_notify_channel_free(c);
        return rc;
    }
    return reply_channel(rs, c, 200);
}

/* DELETE /api/v1/notification-channels/:id */
kb_status h_notify_channel_delete(srv_req *rq, srv_resp *rs, kb_err *err)
{
    size_t id = 0;
    kb_store *s;
    long long now = 0;
    kb_status rc = srv_req_path_num(rq, "id", MAX_CHANNEL_ID, &id, err);
    if (rc == KB_OK)
        rc = srv_req_store_now(rq, &s, &now, err);
    if (rc == KB_OK)
        rc = kb_notify_channel_delete(s, (long long)id, rq->user, now, err);
    if (rc != KB_OK)
        return rc;
    rs->json = json_object();
    json_object_set_new(rs->json, "deleted", json_integer((json_int_t)id));
    return KB_OK;
}

/* POST /api/v1/notification-channels/:id/test: a test message through the outbox. */
kb_status h_notify_channel_test(srv_req *rq, srv_resp *rs, kb_err *err)
{
    size_t id = 0;
    kb_store *s;
    long long now = 0, msg = 0;
    kb_status rc = srv_req_path_num(rq, "id", MAX_CHANNEL_ID, &id, err);
    if (rc == KB_OK)
        rc = srv_req_store_now(rq, &s, &now, err);
    if (rc == KB_OK)
        rc = kb_notify_enqueue_test(s, (long long)id, now, &msg, err);
    if (rc != KB_OK)
        return rc;
    rs->status = 202;
    rs->json = json_object();
    json_object_set_new(rs->json, "notification", json_integer(msg));
    json_object_set_new(rs->json, "state", json_string("pending"));
    return KB_OK;
}

static json_t *ms_time(long long ms)
{
    return srv_json_time(ms > 0 ? ms / 1000 : 0);
}

/* GET /api/v1/notifications?state=&channel=&limit= */
kb_status h_notify_list(srv_req *rq, srv_resp *rs, kb_err *err)
{
    const char *state = srv_req_arg(rq, "state");
    size_t limit = 0, channel = 0;
    kb_store *s;
    if (state && strcmp(state, "pending") != 0 && strcmp(state, "delivered") != 0 &&
        strcmp(state, "failed") != 0)
        return kb_err_set(err, KB_EINVAL, "invalid state '%.40s' (pending, delivered, failed)",
                          state);
    kb_status rc = srv_req_limit(rq, 50, KB_NOTIFY_MAX_LIMIT, &limit, err);
    if (rc == KB_OK)
        rc = srv_req_uint(rq, "channel", 1, MAX_CHANNEL_ID, 0, &channel, err);
    if (rc == KB_OK)
        rc = srv_req_store(rq, &s, err);
    kb_notify_msg **v = NULL;
    size_t n = 0;
    if (rc == KB_OK)
        rc = kb_notify_list(s, state, (long long)channel, limit, &v, &n, err);
    if (rc != KB_OK)
        return rc;
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++) {
        const kb_notify_msg *m = v[i];
        json_t *o = json_object();
        json_object_set_new(o, "id", json_integer(m->id));
        json_object_set_new(o, "uid", json_string(m->uid));
        json_object_set_new(o, "channel", json_integer(m->channel));
        json_object_set_new(o, "event", srv_json_str(m->event));
        json_object_set_new(o, "object", srv_json_str(m->object));
        json_object_set_new(o, "rcpt", m->rcpt[0] ? srv_json_str(m->rcpt) : json_null());
        json_object_set_new(o, "title", srv_json_str(m->title));
        json_object_set_new(o, "text", srv_json_str(m->body));
        json_object_set_new(o, "state", srv_json_str(m->state));
        json_object_set_new(o, "attempts", json_integer(m->attempts));
        json_object_set_new(o, "next_at", strcmp(m->state, "pending") == 0 ? ms_time(m->next_at)
                                                                          : json_null());
        json_object_set_new(o, "created_at", srv_json_time(m->created_at));
        json_object_set_new(o, "delivered_at", ms_time(m->delivered_at));
        json_t *h = json_array();
        for (size_t k = 0; k < m->natt; k++) {
            json_t *t = json_object();
            json_object_set_new(t, "at", ms_time(m->att[k].at));
            json_object_set_new(t, "at_ms", json_integer(m->att[k].at));
            json_object_set_new(t, "ok", json_boolean(m->att[k].ok));
            json_object_set_new(t, "code", m->att[k].code ? json_integer(m->att[k].code)
                                                          : json_null());
            json_object_set_new(t, "error", m->att[k].detail[0] ? srv_json_str(m->att[k].detail)
                                                                : json_null());
            json_array_append_new(h, t);
        }
        json_object_set_new(o, "history", h);
        json_array_append_new(a, o);
    }
    kb_notify_msgs_free(v, n);
    rs->json = json_object();
    json_object_set_new(rs->json, "notifications", a);
    return KB_OK;
}

/* GET /api/v1/notification-templates */
kb_status h_notify_templates(srv_req *rq, srv_resp *rs, kb_err *err)
{
    kb_store *s;
    kb_status rc = srv_req_store(rq, &s, err);
    if (rc != KB_OK)
        return rc;
    json_t *a = json_array();
    for (int i = 0; rc == KB_OK && i < KB_NOTIFY_NEVENTS; i++) {
        char *title = NULL, *body = NULL;
        int custom = 0;
        rc = kb_notify_template_get(s, (kb_notify_event)i, &title, &body, &custom, err);
        if (rc == KB_OK) {
            json_t *o = json_object();
            json_object_set_new(o, "event", json_string(kb_notify_event_name((kb_notify_event)i)));
            json_object_set_new(o, "title", srv_json_str(title));
            json_object_set_new(o, "body", srv_json_str(body));
            json_object_set_new(o, "custom", json_boolean(custom));
            json_array_append_new(a, o);
        }
        free(title);
        free(body);
    }
    if (rc != KB_OK) {
        json_decref(a);
        return rc;
    }
    json_t *ph = json_array();
#define PH_(name) json_array_append_new(ph, json_string("{" #name "}"));
    KB_NOTIFY_VARS(PH_)
#undef PH_
    rs->json = json_object();
    json_object_set_new(rs->json, "templates", a);
    json_object_set_new(rs->json, "placeholders", ph);
    return KB_OK;
}

/* The members "event" (required), "title" and "body" (NULL when absent) of a template
 * body. */
static kb_status template_in(json_t *o, kb_notify_event *ev, const char **title,
                             const char **body, kb_err *err)
{
    const char *event = NULL;
    kb_status rc = srv_json_get_str(o, "event", &event, err);
    if (rc == KB_OK && !event)
        rc = kb_err_set(err, KB_EINVAL, "field 'event' is required");
    if (rc == KB_OK)
        rc = kb_notify_event_parse(event, ev, err);
    if (rc == KB_OK)
        rc = srv_json_get_str(o, "title", title, err);
    if (rc == KB_OK)
        rc = srv_json_get_str(o, "body", body, err);
    return rc;
}

/* POST /api/v1/notification-templates/preview {"event", "title", "body"}: the template
 * checked as a save checks it and rendered with example values; nothing is stored. */
kb_status h_notify_template_preview(srv_req *rq, srv_resp *rs, kb_err *err)
{
    static const char *const allowed[] = { "event", "title", "body", NULL };
    json_t *o = NULL;
    const char *title = NULL, *body = NULL;
    kb_notify_event ev = KB_NOTIFY_TEST;
    kb_status rc = srv_req_body(rq, 0, allowed, &o, err);
    if (rc == KB_OK)
        rc = template_in(o, &ev, &title, &body, err);
    if (rc == KB_OK)
        rc = kb_notify_template_valid(title, body, err);
    if (rc == KB_OK) {
        kb_notify_vars vars;
        kb_notify_sample_vars(ev, &vars);
        char *t = kb_notify_render(title, &vars, KB_NOTIFY_TITLE_TEXT_MAX);
        char *b = kb_notify_render(body, &vars, KB_NOTIFY_BODY_TEXT_MAX);
        rs->json = json_object();
        json_object_set_new(rs->json, "event", json_string(kb_notify_event_name(ev)));
        json_object_set_new(rs->json, "title", srv_json_str(t));
        json_object_set_new(rs->json, "body", srv_json_str(b));
        free(t);
        free(b);
    }
    json_decref(o);
    return rc;
}

/* PUT /api/v1/notification-templates {"event", "title", "body"} or {"event", "reset": true} */
kb_status h_notify_template_set(srv_req *rq, srv_resp *rs, kb_err *err)
{
    static const char *const allowed[] = { "event", "title", "body", "reset", NULL };
    json_t *o = NULL;
    const char *title = NULL, *body = NULL;
    int reset = 0;
    kb_notify_event ev = KB_NOTIFY_TEST;
    kb_store *s;
    long long now = 0;
    kb_status rc = srv_req_body(rq, 0, allowed, &o, err);
    if (rc == KB_OK)
        rc = template_in(o, &ev, &title, &body, err);
    if (rc == KB_OK)
        rc = srv_json_get_bool(o, "reset", &reset, NULL, err);
    if (rc == KB_OK && reset && (title || body))
        rc = kb_err_set(err, KB_EINVAL, "give 'reset' or 'title' and 'body', not both");
    if (rc == KB_OK && !reset && (!title || !body))
        rc = kb_err_set(err, KB_EINVAL, "fields 'title' and 'body' are required");
    if (rc == KB_OK)
        rc = srv_req_store_now(rq, &s, &now, err);
    if (rc == KB_OK)
        rc = kb_notify_template_set(s, ev, reset ? NULL : title, reset ? NULL : body, rq->user,
                                    now, err);
    json_decref(o);
    if (rc != KB_OK)
        return rc;
    return h_notify_templates(rq, rs, err);
}

static kb_status reply_me(srv_req *rq, srv_resp *rs, kb_store *s, kb_err *err)
{
    char *email = NULL;
    unsigned events = 0;
    kb_status rc = kb_notify_user_get(s, rq->user, &email, &events, err);
    if (rc == KB_OK) {
        rs->json = json_object();
        json_object_set_new(rs->json, "email", email[0] ? srv_json_str(email) : json_null());
        json_object_set_new(rs->json, "events", events_json(events));
    }
    free(email);
    return rc;
}

/* GET /api/v1/me/notifications */
kb_status h_notify_me(srv_req *rq, srv_resp *rs, kb_err *err)
{
    kb_store *s;
    kb_status rc = srv_req_store(rq, &s, err);
    return rc == KB_OK ? reply_me(rq, rs, s, err) : rc;
}

/* PUT /api/v1/me/notifications {"email", "events"} */
kb_status h_notify_me_set(srv_req *rq, srv_resp *rs, kb_err *err)
{
    static const char *const allowed[] = { "email", "events", NULL };
    json_t *o = NULL;
    const char *email = NULL;
    unsigned events = PERSONAL_DEFAULT;
    int given = 0;
    kb_store *s;
    long long now = 0;
    kb_status rc = srv_req_body(rq, 0, allowed, &o, err);
    if (rc == KB_OK)
        rc = srv_json_get_str(o, "email", &email, err);
    if (rc == KB_OK)
        rc = events_of(o, &events, &given, err);
    if (rc == KB_OK && (events & (1u << KB_NOTIFY_TEST)))
        rc = kb_err_set(err, KB_EINVAL, "event 'test' is for channels only");
    if (rc == KB_OK)
        rc = srv_req_store_now(rq, &s, &now, err);
    if (rc == KB_OK)
        rc = kb_notify_user_set(s, rq->user, email ? email : "", events, now, err);
    json_decref(o);
    if (rc != KB_OK)
        return rc;
    return reply_me(rq, rs, s, err);
}
