/* The incident endpoints: /api/v1/incidents... (create, list, at-risk, get, update,
 * resolve, follow-up, reopen). Rules and SQL are in kb (kb_incident.h); this file turns
 * JSON into kb calls and records into JSON. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kb_alloc.h"
#include "kb_asset.h"
#include "kb_audit.h"
#include "kb_csv.h"
#include "kb_date.h"
#include "kb_incident.h"
#include "srv.h"

#define DEFAULT_LIMIT 20u
#define MAX_OFFSET 1000000u
#define MAX_Q_BYTES 1000u
#define DEFAULT_WITHIN 60u           /* minutes */
#define MAX_WITHIN (366u * 24u * 60u) /* minutes */

/* --- request bodies --- */

/* Who made a change: always the logged-in user; the body may name a colleague the change
 * is recorded for (srv_req_on_behalf_of). */
static kb_status get_actor(const srv_req *rq, json_t *o, const char **actor,
                           const char **on_behalf_of, kb_err *err)
{
    *actor = rq->user[0] ? rq->user : NULL;
    return srv_req_on_behalf_of(rq, o, on_behalf_of, err);
}

/* An integer member in [min, max]; *out stays as is when absent or null. */
static kb_status get_int(json_t *o, const char *name, int min, int max, int *out, kb_err *err)
{
    long long v = *out;
    kb_status rc = srv_json_get_int(o, name, min, max, 0, &v, err);
    *out = (int)v;
    return rc;
}

/* A priority member "P1".."P4"; *out stays 0 when absent or null. */
static kb_status get_priority(json_t *o, int *out, kb_err *err)
{
    json_t *v = json_object_get(o, "priority");
    if (!v || json_is_null(v))
        return KB_OK;
    if (!json_is_string(v))
        return kb_err_set(err, KB_EINVAL, "field 'priority' must be a string: \"P1\" to \"P4\"");
    return kb_incident_priority_parse(json_string_value(v), out, err);
}

/* --- records to JSON --- */

static json_t *priority_json(int p)
{
    char buf[4] = { 'P', (char)('0' + p), '\0', '\0' };
    return json_string(buf);
}

static json_t *int_or_null(int v)
{
    return v ? json_integer(v) : json_null();
}

/* For whom a change was recorded: the name, or null for nobody else. */
static json_t *on_behalf_json(const char *name)
{
    return name && *name ? srv_json_str(name) : json_null();
}

static json_t *sla_json(const kb_incident *inc, const kb_incident_sla *sla, long long now)
{
    kb_inc_sla_state st;
    kb_incident_sla_state(inc, sla, now, &st);
    json_t *o = json_object();
    json_object_set_new(o, "response_target_seconds", json_integer(st.response_target));
    json_object_set_new(o, "resolve_target_seconds", json_integer(st.resolve_target));
    json_object_set_new(o, "response_due", srv_json_time(st.response_due));
    json_object_set_new(o, "resolve_due", srv_json_time(st.resolve_due));
    json_object_set_new(o, "response_remaining_seconds", json_integer(st.response_remaining));
    json_object_set_new(o, "resolve_remaining_seconds", json_integer(st.resolve_remaining));
    json_object_set_new(o, "response_breached", json_boolean(st.response_breached));
    json_object_set_new(o, "resolve_breached", json_boolean(st.resolve_breached));
    json_object_set_new(o, "paused", json_boolean(st.paused));
    json_object_set_new(o, "paused_seconds", json_integer(st.paused_seconds));
    json_object_set_new(o, "hours", json_string(st.business ? "business" : "24x7"));
    return o;
}

static json_t *event_json(const kb_inc_event *e, size_t seq)
{
    json_t *o = json_object();
    json_object_set_new(o, "seq", json_integer((json_int_t)seq));
    json_object_set_new(o, "at", srv_json_time(e->at));
    json_object_set_new(o, "by", srv_json_str(e->actor));
    json_object_set_new(o, "on_behalf_of", on_behalf_json(e->on_behalf_of));
    json_object_set_new(o, "actor", srv_json_str(e->actor)); /* older name of by */
    json_object_set_new(o, "type", srv_json_str(e->type));
    json_object_set_new(o, "from", srv_json_str(e->from));
    json_object_set_new(o, "to", srv_json_str(e->to));
    json_object_set_new(o, "note", srv_json_str(e->note));
    if (e->minutes)
        json_object_set_new(o, "minutes", json_integer(e->minutes));
    if (strcmp(e->type, "resolution") == 0) {
        json_object_set_new(o, "resolved_by", srv_json_str(e->resolved_by));
        json_object_set_new(o, "links", srv_json_strings(e->links, e->nlinks));
    } else if (strcmp(e->type, "followup") == 0) {
        json_object_set_new(o, "satisfaction", int_or_null(e->satisfaction));
        json_object_set_new(o, "confirmed", json_boolean(e->confirmed));
        json_object_set_new(o, "complaint", json_boolean(e->complaint));
    }
    return o;
}

/* The incident; full adds the long texts, the links and the timeline. */
static json_t *incident_json(const kb_incident *inc, const kb_incident_sla *sla, long long now,
                             int full)
{
    json_t *o = json_object();
    json_object_set_new(o, "number", srv_json_str(inc->number));
    json_object_set_new(o, "status", json_string(kb_incident_status_name(inc->status)));
    json_object_set_new(o, "priority", priority_json(inc->priority));
    json_object_set_new(o, "impact", int_or_null(inc->impact));
    json_object_set_new(o, "urgency", int_or_null(inc->urgency));
    json_object_set_new(o, "caller_name", srv_json_str(inc->caller_name));
    json_object_set_new(o, "caller_phone", srv_json_str(inc->caller_phone));
    json_object_set_new(o, "department", srv_json_str(inc->department));
    json_object_set_new(o, "location", srv_json_str(inc->location));
    json_object_set_new(o, "channel", srv_json_str(inc->channel));
    json_object_set_new(o, "category", srv_json_str(inc->category));
    json_object_set_new(o, "ci", srv_json_str(inc->ci));
    json_object_set_new(o, "summary", srv_json_str(inc->summary));
    if (full)
        json_object_set_new(o, "description", srv_json_str(inc->description));
    json_object_set_new(o, "assignee", srv_json_str(inc->assignee));
    json_object_set_new(o, "group", srv_json_str(inc->group));
    json_object_set_new(o, "parent", inc->parent[0] ? srv_json_str(inc->parent) : json_null());
    json_object_set_new(o, "time_spent_minutes", json_integer(inc->time_spent));
    if (full)
        json_object_set_new(o, "children", srv_json_strings(inc->children, inc->nchildren));
    if (full)
        json_object_set_new(o, "resolution", srv_json_str(inc->resolution));
    json_object_set_new(o, "resolved_by", srv_json_str(inc->resolved_by));
    if (full)
        json_object_set_new(o, "links", srv_json_strings(inc->links, inc->nlinks));
    json_object_set_new(o, "created_by", srv_json_str(inc->created_by));
    json_object_set_new(o, "created_on_behalf_of", on_behalf_json(inc->created_on_behalf_of));
    json_object_set_new(o, "created_at", srv_json_time(inc->created_at));
    json_object_set_new(o, "updated_at", srv_json_time(inc->updated_at));
    json_object_set_new(o, "responded_at", srv_json_time(inc->responded_at));
    json_object_set_new(o, "resolved_at", srv_json_time(inc->resolved_at));
    json_object_set_new(o, "closed_at", srv_json_time(inc->closed_at));
    json_object_set_new(o, "complaint", json_boolean(inc->complaint));
    json_object_set_new(o, "satisfaction", int_or_null(inc->satisfaction));
    json_object_set_new(o, "reopen_count", json_integer(inc->reopen_count));
    json_object_set_new(o, "sla", sla_json(inc, sla, now));
    if (full) {
        json_t *tl = json_array();
        for (size_t i = 0; i < inc->nevents; i++)
            json_array_append_new(tl, event_json(&inc->events[i], i + 1));
        json_object_set_new(o, "timeline", tl);
    }
    return o;
}

/* --- shared steps --- */

/* An engineer works the incidents assigned to them or to their groups; agents and admins
 * any (kb_inc_update.scope_user). */
static const char *scope_of(const srv_req *rq)
{
    return rq->roles & (KB_ROLE_AGENT | KB_ROLE_ADMIN) ? NULL : rq->user;
}

static kb_status path_number(srv_req *rq, const char **out, kb_err *err)
{
    const char *number = srv_req_param(rq, "number");
    if (!number || !kb_incident_number_valid(number))
        return kb_err_set(err, KB_EINVAL,
                          "invalid incident number '%.40s'; use INC-YYYYMMDD-NNNN",
                          number ? number : "");
    *out = number;
    return KB_OK;
}

/* The asset the incident's ci names (its tag, white space at the ends and ASCII case
 * ignored like the asset page's list of incidents), or null: a ci that is no tag, or a
 * lookup that fails, leaves the incident as it is. */
static json_t *asset_of(srv_req *rq, const char *ci)
{
    size_t a = strspn(ci, " \t"), b = strlen(ci);
    while (b > a && (ci[b - 1] == ' ' || ci[b - 1] == '\t'))
        b--;
    char tag[KB_ASSET_MAX_TAG + 1];
    if (b == a || b - a > KB_ASSET_MAX_TAG)
        return json_null();
    memcpy(tag, ci + a, b - a);
    tag[b - a] = '\0';
    kb_store *s = NULL;
    kb_asset *as = NULL;
    kb_err e;
    if (srv_req_store(rq, &s, &e) != KB_OK || kb_asset_get(s, tag, &as, &e) != KB_OK)
        return json_null();
    json_t *o = json_object();
    json_object_set_new(o, "tag", srv_json_str(as->tag));
    json_object_set_new(o, "class", srv_json_str(kb_asset_class_name(as->cls)));
    json_object_set_new(o, "brand", srv_json_str(as->brand));
    json_object_set_new(o, "model", srv_json_str(as->model));
    json_object_set_new(o, "status", srv_json_str(kb_asset_status_name(as->status)));
    json_object_set_new(o, "user", srv_json_str(as->user));
    kb_asset_free(as);
    return o;
}

/* Sends the incident (consumed) with its timeline and the asset its ci names. */
static kb_status reply_incident(srv_req *rq, srv_resp *rs, kb_incident *inc, long long now,
                                unsigned status)
{
    srv_sla sla;
    srv_req_sla(rq, &sla);
    rs->json = incident_json(inc, &sla.sla, now, 1);
    json_object_set_new(rs->json, "asset", asset_of(rq, inc->ci));
    srv_sla_free(&sla);
    rs->status = status;
    kb_incident_free(inc);
    return KB_OK;
}

/* The common start of a handler that changes an incident: number, body, clock, store. */
static kb_status begin_change(srv_req *rq, const char *const *allowed, const char **number,
                              json_t **body, long long *now, kb_store **s, kb_err *err)
{
    *body = NULL;
    kb_status rc = number ? path_number(rq, number, err) : KB_OK;
    if (rc == KB_OK)
        rc = srv_req_body(rq, 0, allowed, body, err);
    if (rc == KB_OK)
        rc = srv_now(now, err);
    if (rc == KB_OK)
        rc = srv_req_store(rq, s, err);
    if (rc != KB_OK) {
        json_decref(*body);
        *body = NULL;
    }
    return rc;
}

/* --- handlers --- */

kb_status h_incident_create(srv_req *rq, srv_resp *rs, kb_err *err)
{
    static const char *const allowed[] = {
        "caller_name", "caller_phone", "department", "location", "channel", "category", "ci",
        "priority", "impact", "urgency", "summary", "description", "group", "assignee",
        "on_behalf_of", "actor", NULL,
    };
    json_t *o;
    long long now = 0;
    kb_store *s = NULL;
    kb_status rc = begin_change(rq, allowed, NULL, &o, &now, &s, err);
    if (rc != KB_OK)
        return rc;
    kb_inc_create in;
    memset(&in, 0, sizeof in);
    const struct {
        const char *name;
        const char **slot;
    } strs[] = {
        { "caller_name", &in.caller_name }, { "caller_phone", &in.caller_phone },
        { "department", &in.department },   { "location", &in.location },
        { "channel", &in.channel },         { "category", &in.category },
        { "ci", &in.ci },                   { "summary", &in.summary },
        { "description", &in.description }, { "group", &in.group },
        { "assignee", &in.assignee },
    };
    for (size_t i = 0; rc == KB_OK && i < sizeof strs / sizeof strs[0]; i++)
        rc = srv_json_get_str(o, strs[i].name, strs[i].slot, err);
    if (rc == KB_OK)
        rc = get_actor(rq, o, &in.actor, &in.on_behalf_of, err);
    if (rc == KB_OK)
        rc = get_priority(o, &in.priority, err);
    if (rc == KB_OK)
        rc = get_int(o, "impact", 1, 3, &in.impact, err);
    if (rc == KB_OK)
        rc = get_int(o, "urgency", 1, 3, &in.urgency, err);
    kb_incident *inc = NULL;
    if (rc == KB_OK)
        rc = kb_incident_create(s, &in, now, &inc, err);
    json_decref(o);
    if (rc != KB_OK)
        return rc;
    return reply_incident(rq, rs, inc, now, 201);
}

kb_status h_incident_get(srv_req *rq, srv_resp *rs, kb_err *err)
{
    const char *number = NULL;
    long long now = 0;
    kb_store *s = NULL;
    kb_status rc = path_number(rq, &number, err);
    if (rc == KB_OK)
        rc = srv_req_store_now(rq, &s, &now, err);
    kb_incident *inc = NULL;
    if (rc == KB_OK)
        rc = kb_incident_get(s, number, &inc, err);
    if (rc != KB_OK)
        return rc;
    return reply_incident(rq, rs, inc, now, 200);
}

kb_status h_incident_update(srv_req *rq, srv_resp *rs, kb_err *err)
{
    static const char *const allowed[] = { "assignee", "group", "reason", "parent", "ci",
                                           "priority", "status", "note", "minutes",
                                           "on_behalf_of", "actor", NULL };
    const char *number = NULL;
    json_t *o;
    long long now = 0;
    kb_store *s = NULL;
    kb_status rc = begin_change(rq, allowed, &number, &o, &now, &s, err);
    if (rc != KB_OK)
        return rc;
    kb_inc_update u;
    memset(&u, 0, sizeof u);
    const char *status = NULL;
    u.scope_user = scope_of(rq);
    rc = get_actor(rq, o, &u.actor, &u.on_behalf_of, err);
    const struct {
        const char *name;
        const char **slot;
    } strs[] = { { "assignee", &u.assignee }, { "group", &u.group }, { "reason", &u.reason },
                 { "parent", &u.parent }, { "ci", &u.ci } };
    for (size_t i = 0; rc == KB_OK && i < sizeof strs / sizeof strs[0]; i++)
        rc = srv_json_get_str(o, strs[i].name, strs[i].slot, err);
    if (rc == KB_OK)
        rc = get_int(o, "minutes", 1, KB_INC_MAX_MINUTES, &u.minutes, err);
    if (rc == KB_OK)
        rc = srv_json_get_str(o, "note", &u.note, err);
    if (rc == KB_OK)
        rc = get_priority(o, &u.priority, err);
    if (rc == KB_OK)
        rc = srv_json_get_str(o, "status", &status, err);
    if (rc == KB_OK && status) {
        rc = kb_incident_status_parse(status, &u.status, err);
        u.set_status = 1;
    }
    kb_incident *inc = NULL;
    if (rc == KB_OK)
        rc = kb_incident_update(s, number, &u, now, &inc, err);
    json_decref(o);
    if (rc != KB_OK)
        return rc;
    return reply_incident(rq, rs, inc, now, 200);
}

kb_status h_incident_resolve(srv_req *rq, srv_resp *rs, kb_err *err)
{
    static const char *const allowed[] = { "resolution", "resolved_by", "links", "on_behalf_of",
                                           "actor", NULL };
    const char *number = NULL;
    json_t *o;
    long long now = 0;
    kb_store *s = NULL;
    kb_status rc = begin_change(rq, allowed, &number, &o, &now, &s, err);
    if (rc != KB_OK)
        return rc;
    kb_inc_resolve r;
    memset(&r, 0, sizeof r);
    r.scope_user = scope_of(rq);
    const char **links = NULL;
    rc = get_actor(rq, o, &r.actor, &r.on_behalf_of, err);
    if (rc == KB_OK)
        rc = srv_json_get_str(o, "resolution", &r.resolution, err);
    if (rc == KB_OK)
        rc = srv_json_get_str(o, "resolved_by", &r.resolved_by, err);
    if (rc == KB_OK)
        rc = srv_json_get_strs(o, "links", KB_INC_MAX_LINKS, &links, &r.nlinks, err);
    r.links = links;
    if (rc == KB_OK && r.resolved_by && !*r.resolved_by)
        r.resolved_by = NULL;
    kb_incident *inc = NULL;
    if (rc == KB_OK)
        rc = kb_incident_resolve(s, number, &r, now, &inc, err);
    free((void *)links);
    json_decref(o);
    if (rc != KB_OK)
        return rc;
    return reply_incident(rq, rs, inc, now, 200);
}

kb_status h_incident_followup(srv_req *rq, srv_resp *rs, kb_err *err)
{
    static const char *const allowed[] = { "satisfaction", "comment", "confirmed", "complaint",
                                           "on_behalf_of", "actor", NULL };
    const char *number = NULL;
    json_t *o;
    long long now = 0;
    kb_store *s = NULL;
    kb_status rc = begin_change(rq, allowed, &number, &o, &now, &s, err);
    if (rc != KB_OK)
        return rc;
    kb_inc_followup f;
    memset(&f, 0, sizeof f);
    int has_complaint = 0;
    int has_confirmed = 0;
    rc = get_actor(rq, o, &f.actor, &f.on_behalf_of, err);
    if (rc == KB_OK)
        rc = srv_json_get_str(o, "comment", &f.comment, err);
    if (rc == KB_OK)
        rc = get_int(o, "satisfaction", 1, 5, &f.satisfaction, err);
    if (rc == KB_OK)
        rc = srv_json_get_bool(o, "complaint", &f.complaint, &has_complaint, err);
    if (rc == KB_OK)
        rc = srv_json_get_bool(o, "confirmed", &f.confirmed, &has_confirmed, err);
    if (rc == KB_OK && !has_confirmed)
        rc = kb_err_set(err, KB_EINVAL, "field 'confirmed' is required: true closes the "
                        "incident, false reopens it");
    kb_incident *inc = NULL;
    if (rc == KB_OK)
        rc = kb_incident_followup(s, number, &f, now, &inc, err);
    json_decref(o);
    if (rc != KB_OK)
        return rc;
    return reply_incident(rq, rs, inc, now, 200);
}

kb_status h_incident_reopen(srv_req *rq, srv_resp *rs, kb_err *err)
{
    static const char *const allowed[] = { "reason", "on_behalf_of", "actor", NULL };
    const char *number = NULL;
    json_t *o;
    long long now = 0;
    kb_store *s = NULL;
    kb_status rc = begin_change(rq, allowed, &number, &o, &now, &s, err);
    if (rc != KB_OK)
        return rc;
    const char *actor = NULL, *on_behalf_of = NULL;
    const char *reason = NULL;
    rc = get_actor(rq, o, &actor, &on_behalf_of, err);
    if (rc == KB_OK)
        rc = srv_json_get_str(o, "reason", &reason, err);
    kb_incident *inc = NULL;
    if (rc == KB_OK)
        rc = kb_incident_reopen(s, number, actor, on_behalf_of, reason, now, &inc, err);
    json_decref(o);
    if (rc != KB_OK)
        return rc;
    return reply_incident(rq, rs, inc, now, 200);
}

/* --- lists --- */

static kb_status page_args(srv_req *rq, size_t *limit, size_t *offset, kb_err *err)
{
    kb_status rc = srv_req_limit(rq, DEFAULT_LIMIT, KB_INC_MAX_LIMIT, limit, err);
    if (rc == KB_OK)
        rc = srv_req_offset(rq, MAX_OFFSET, offset, err);
    return rc;
}

static const char *inc_status_name(unsigned i)
{
    return kb_incident_status_name((kb_inc_status)i);
}

/* status=a,b,... or status=open into a mask. */
static kb_status status_mask(const char *v, unsigned *out, kb_err *err)
{
    unsigned open = 0;
    for (int i = 0; i < KB_INC_NSTATUS; i++)
        if (kb_incident_status_open((kb_inc_status)i))
            open |= 1u << i;
    return srv_req_status_mask(v, inc_status_name, KB_INC_NSTATUS, open, out, err);
}

static json_t *list_json(const kb_inc_list *l, const kb_incident_sla *sla, long long now,
                         size_t limit, size_t offset)
{
    json_t *o = json_object();
    json_object_set_new(o, "total", json_integer(l->total));
    json_object_set_new(o, "limit", json_integer((json_int_t)limit));
    json_object_set_new(o, "offset", json_integer((json_int_t)offset));
    json_t *a = json_array();
    for (size_t i = 0; i < l->n; i++)
        json_array_append_new(a, incident_json(l->items[i], sla, now, 0));
    json_object_set_new(o, "incidents", a);
    return o;
}

/* The filters of a list or an export (everything but paging) into f. */
static kb_status list_filter(srv_req *rq, kb_inc_filter *f, kb_err *err)
{
    memset(f, 0, sizeof *f);
    f->complaint = -1;
    kb_status rc = KB_OK;
    const char *v;
    if ((v = srv_req_arg(rq, "status")))
        rc = status_mask(v, &f->status_mask, err);
    if (rc == KB_OK && (v = srv_req_arg(rq, "priority")))
        rc = kb_incident_priority_parse(v, &f->priority, err);
    if (rc == KB_OK && (v = srv_req_arg(rq, "category"))) {
        rc = kb_incident_check_category(v, err);
        f->category = v;
    }
    if (rc == KB_OK)
        rc = srv_req_day(rq, "from", NULL, &f->from, err);
    if (rc == KB_OK)
        rc = srv_req_day(rq, "to", NULL, &f->to, err);
    if (rc == KB_OK && f->to)
        f->to = kb_date_add_days(f->to, 1); /* the whole day */
    if (rc == KB_OK && f->from && f->to && f->from >= f->to)
        rc = kb_err_set(err, KB_EINVAL, "'from' must not be after 'to'");
    if (rc == KB_OK)
        rc = srv_req_flag(rq, "complaint", -1, &f->complaint, err);
    if (rc == KB_OK)
        rc = srv_req_text(rq, "q", MAX_Q_BYTES, &f->q, err);
    f->assignee = srv_req_arg(rq, "assignee");
    f->phone = srv_req_arg(rq, "phone");
    f->group = srv_req_arg(rq, "group");
    if (rc == KB_OK && (v = srv_req_arg(rq, "parent"))) {
        if (!kb_incident_number_valid(v))
            rc = kb_err_set(err, KB_EINVAL, "invalid incident number '%.40s' in 'parent'", v);
        f->parent = v;
    }
    /* the queues: mine, my groups', nobody's */
    if (rc == KB_OK && (v = srv_req_arg(rq, "queue"))) {
        if (strcmp(v, "mine") == 0)
            f->assignee = rq->user;
        else if (strcmp(v, "my_groups") == 0)
            f->member_of = rq->user;
        else if (strcmp(v, "unassigned") == 0)
            f->unassigned = 1;
        else
            rc = kb_err_set(err, KB_EINVAL, "unknown queue '%.40s'; use mine, my_groups or "
                            "unassigned", v);
    }
    return rc;
}

kb_status h_incident_list(srv_req *rq, srv_resp *rs, kb_err *err)
{
    kb_inc_filter f;
    kb_status rc = list_filter(rq, &f, err);
    if (rc == KB_OK)
        rc = page_args(rq, &f.limit, &f.offset, err);
    long long now = 0;
    kb_store *s = NULL;
    if (rc == KB_OK)
        rc = srv_req_store_now(rq, &s, &now, err);
    kb_inc_list *l = NULL;
    if (rc == KB_OK)
        rc = kb_incident_list(s, &f, &l, err);
    if (rc != KB_OK)
        return rc;
    srv_sla sla;
    srv_req_sla(rq, &sla);
    rs->json = list_json(l, &sla.sla, now, f.limit, f.offset);
    srv_sla_free(&sla);
    kb_incident_list_free(l);
    return KB_OK;
}

/* --- the list as CSV --- */

/* The column headings and the labels of the values, Chinese (the desk's language) and
 * English (lang=en). */
static const char *const csv_head[2][19] = {
    { "工单号", "状态", "优先级", "创建时间", "报告人", "电话", "部门", "地点", "渠道", "类别",
      "配置项", "摘要", "支持组", "处理人", "响应时间", "解决时间", "关闭时间", "解决时限",
      "是否违约" },
    { "number", "status", "priority", "created_at", "caller_name", "caller_phone",
      "department", "location", "channel", "category", "ci", "summary", "group", "assignee",
      "responded_at", "resolved_at", "closed_at", "resolve_due", "breached" },
};
static const char *const zh_status[KB_INC_NSTATUS] = { "新建", "已分派", "处理中",
                                                       "挂起", "已解决", "已关闭" };

static void time_or_empty(long long t, char *out, size_t size)
{
    out[0] = '\0';
    if (t)
        kb_incident_format_time(t, out, size);
}

static kb_status csv_incident(kb_buf *b, const kb_incident *inc, const kb_incident_sla *sla,
                              long long now, int en)
{
    char prio[4] = { 'P', (char)('0' + inc->priority), '\0', '\0' };
    char created[32], responded[32], resolved[32], closed[32], due[32];
    kb_inc_sla_state st;
    kb_incident_sla_state(inc, sla, now, &st);
    time_or_empty(inc->created_at, created, sizeof created);
    time_or_empty(inc->responded_at, responded, sizeof responded);
    time_or_empty(inc->resolved_at, resolved, sizeof resolved);
    time_or_empty(inc->closed_at, closed, sizeof closed);
    time_or_empty(st.resolve_due, due, sizeof due);
    const char *breached = st.response_breached || st.resolve_breached ? (en ? "yes" : "是")
                                                                      : (en ? "no" : "否");
    const char *fields[] = {
        inc->number, en ? kb_incident_status_name(inc->status) : zh_status[inc->status], prio,
        created, inc->caller_name, inc->caller_phone, inc->department, inc->location,
        inc->channel, inc->category, inc->ci, inc->summary, inc->group, inc->assignee,
        responded, resolved, closed, due, breached,
    };
    return kb_csv_row(b, fields, sizeof fields / sizeof fields[0]);
}

/* GET /api/v1/incidents.csv: what the list shows (the same filters), every match up to
 * KB_INC_MAX_EXPORT, UTF-8 with a byte order mark for Excel. Recorded in the audit trail
 * (it holds callers' phone numbers). */
kb_status h_incident_csv(srv_req *rq, srv_resp *rs, kb_err *err)
{
    kb_inc_filter f;
    kb_status rc = list_filter(rq, &f, err);
    const char *lang = srv_req_arg(rq, "lang");
    if (rc == KB_OK && lang && strcmp(lang, "en") != 0 && strcmp(lang, "zh") != 0)
        rc = kb_err_set(err, KB_EINVAL, "unknown lang '%.20s'; use zh or en", lang);
    int en = lang && strcmp(lang, "en") == 0;
    long long now = 0;
    kb_store *s = NULL;
    if (rc == KB_OK)
        rc = srv_req_store_now(rq, &s, &now, err);
    if (rc != KB_OK)
        return rc;
    srv_sla sla;
    srv_req_sla(rq, &sla);
    kb_buf b;
    kb_buf_init(&b, 0);
    kb_buf_adds(&b, KB_CSV_BOM);
    kb_csv_row(&b, csv_head[en], sizeof csv_head[en] / sizeof csv_head[en][0]);
    long long total = 0, rows = 0;
    f.limit = KB_INC_MAX_LIMIT;
    for (f.offset = 0; rc == KB_OK; f.offset += KB_INC_MAX_LIMIT) {
        kb_inc_list *l = NULL;
        rc = kb_incident_list(s, &f, &l, err);
        if (rc != KB_OK)
            break;
        total = l->total;
        if (total > KB_INC_MAX_EXPORT)
            rc = kb_err_set(err, KB_ETOOBIG, "%lld incidents match; an export holds at most "
                            "%u: narrow the days or the filters", total, KB_INC_MAX_EXPORT);
        for (size_t i = 0; rc == KB_OK && i < l->n; i++, rows++)
            rc = csv_incident(&b, l->items[i], &sla.sla, now, en);
        size_t n = l->n;
        kb_incident_list_free(l);
        if (n < KB_INC_MAX_LIMIT)
            break;
    }
    srv_sla_free(&sla);
    /* an export is recorded before it is served: no entry, no export (HEAD sends none) */
    if (rc == KB_OK && strcmp(rq->method, "HEAD") != 0) {
        static const char *const names[] = { "status", "priority", "category", "from", "to",
                                             "complaint", "q", "assignee", "group", "parent",
                                             "queue", "phone" };
        kb_buf what;
        kb_buf_init(&what, 0);
        kb_buf_addf(&what, "csv, %lld incidents", rows);
        for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
            const char *v = srv_req_arg(rq, names[i]);
            if (v) /* a caller's number stays out of the trail */
                kb_buf_addf(&what, "; %s=%.60s", names[i], strcmp(names[i], "phone") == 0
                                                               ? "(given)" : v);
        }
        rc = kb_audit_append(s, now, rq->user[0] ? rq->user : NULL, "incident.export",
                             "incidents", kb_buf_str(&what), err);
        kb_buf_free(&what);
    }
    if (rc != KB_OK) {
        kb_buf_free(&b);
        return rc;
    }
    char day[16];
    snprintf(day, sizeof day, "%lld", kb_incident_day(now));
    snprintf(rs->filename, sizeof rs->filename, "incidents-%s.csv", day);
    rs->body = kb_buf_detach(&b, &rs->body_len);
    rs->content_type = KB_CSV_TYPE;
    return KB_OK;
}

kb_status h_incident_at_risk(srv_req *rq, srv_resp *rs, kb_err *err)
{
    size_t limit;
    size_t offset;
    size_t within;
    kb_status rc = page_args(rq, &limit, &offset, err);
    if (rc == KB_OK)
        rc = srv_req_uint(rq, "within", 0, MAX_WITHIN, DEFAULT_WITHIN, &within, err);
    long long now = 0;
    kb_store *s = NULL;
    if (rc == KB_OK)
        rc = srv_req_store_now(rq, &s, &now, err);
    srv_sla in_force;
    memset(&in_force, 0, sizeof in_force);
    if (rc == KB_OK)
        srv_req_sla(rq, &in_force);
    const kb_incident_sla *sla = &in_force.sla;
    kb_inc_list *l = NULL;
    if (rc == KB_OK)
        rc = kb_incident_at_risk(s, sla, now, (long long)within * 60, limit, offset, &l, err);
    if (rc != KB_OK) {
        srv_sla_free(&in_force);
        return rc;
    }
    json_t *o = list_json(l, sla, now, limit, offset);
    json_object_set_new(o, "now", srv_json_time(now));
    json_object_set_new(o, "within_minutes", json_integer((json_int_t)within));
    json_t *a = json_object_get(o, "incidents");
    for (size_t i = 0; i < l->n; i++) {
        const kb_incident *inc = l->items[i];
        long long due = 0;
        kb_incident_at_risk_due(inc, sla, now, (long long)within * 60, &due);
        kb_inc_sla_state st;
        kb_incident_sla_state(inc, sla, now, &st);
        int response = !inc->responded_at && st.response_due == due;
        json_t *item = json_array_get(a, i);
        json_object_set_new(item, "risk", json_string(response ? "response" : "resolve"));
        json_object_set_new(item, "due", srv_json_time(due));
    }
    kb_incident_list_free(l);
    srv_sla_free(&in_force);
    rs->json = o;
    return KB_OK;
}
