/* Review meetings and improvement actions: /api/v1/meetings (list, record: the period's
 * summary report is taken as the figures' snapshot), /api/v1/meetings/{id} (with its
 * actions and those carried over), /api/v1/meetings/{id}/actions (add one),
 * /api/v1/improvement-actions (across meetings) and /api/v1/improvement-actions/{id}
 * (change). Rules and SQL: kb_meeting.h. */
#include <stdlib.h>
#include <string.h>

#include "kb_alloc.h"
#include "kb_date.h"
#include "kb_meeting.h"
#include "srv.h"

#define MAX_MEETING_ID 1000000000000ull

json_t *srv_qaction_json(const kb_qaction *a, const char *today)
{
    json_t *o = json_object();
    json_object_set_new(o, "id", json_integer(a->id));
    json_object_set_new(o, "meeting", json_integer(a->meeting));
    json_object_set_new(o, "meeting_day", srv_json_str(a->meeting_day));
    json_object_set_new(o, "title", srv_json_str(a->title));
    json_object_set_new(o, "owner", srv_json_str(a->owner));
    json_object_set_new(o, "due", srv_json_str(a->due));
    json_object_set_new(o, "state", json_string(kb_qaction_state_name(a->state)));
    json_object_set_new(o, "note", srv_json_str(a->note));
    json_object_set_new(o, "overdue", json_boolean(kb_qaction_overdue(a, today)));
    json_object_set_new(o, "created_by", srv_json_str(a->created_by));
    json_object_set_new(o, "created_at", srv_json_time(a->created_at));
    json_object_set_new(o, "updated_at", srv_json_time(a->updated_at));
    json_object_set_new(o, "finished_at", srv_json_time(a->finished_at));
    json_object_set_new(o, "finished_by", srv_json_str(a->finished_by));
    return o;
}

static json_t *actions_json(const kb_qaction *v, size_t n, const char *today)
{
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(a, srv_qaction_json(&v[i], today));
    return a;
}

static json_t *meeting_json(const kb_meeting *m, int full, const char *today)
{
    json_t *o = json_object();
    json_object_set_new(o, "id", json_integer(m->id));
    json_object_set_new(o, "day", srv_json_str(m->day));
    json_object_set_new(o, "title", srv_json_str(m->title));
    json_object_set_new(o, "attendees", srv_json_strings(m->attendees, m->nattendees));
    json_object_set_new(o, "period_from", srv_json_str(m->period_from));
    json_object_set_new(o, "period_to", srv_json_str(m->period_to));
    json_object_set_new(o, "links", srv_json_strings(m->links, m->nlinks));
    json_object_set_new(o, "created_by", srv_json_str(m->created_by));
    json_object_set_new(o, "created_at", srv_json_time(m->created_at));
    if (!full)
        return o;
    json_object_set_new(o, "evaluations", srv_json_str(m->evaluations));
    json_object_set_new(o, "causes", srv_json_str(m->causes));
    json_object_set_new(o, "notes", srv_json_str(m->notes));
    json_t *fig = *m->figures ? json_loads(m->figures, 0, NULL) : NULL;
    json_object_set_new(o, "figures", fig ? fig : json_null());
    json_object_set_new(o, "actions", actions_json(m->actions, m->nactions, today));
    json_object_set_new(o, "carried", actions_json(m->carried, m->ncarried, today));
    return o;
}

static kb_status path_id(srv_req *rq, long long *id, kb_err *err)
{
    size_t n = 0;
    kb_status rc = srv_req_path_num(rq, "id", MAX_MEETING_ID, &n, err);
    *id = (long long)n;
    return rc;
}

/* The store, the clock and today's desk day. */
static kb_status store_today(srv_req *rq, kb_store **s, long long *now, char today[11],
                             kb_err *err)
{
    kb_status rc = srv_req_store_now(rq, s, now, err);
    if (rc == KB_OK)
        kb_date_of(*now, today);
    return rc;
}

kb_status h_meeting_list(srv_req *rq, srv_resp *rs, kb_err *err)
{
    srv_page pg;
    kb_status rc = srv_req_page(rq, 50, KB_MEETING_MAX_LIMIT, 0, &pg, err);
    kb_store *s = NULL;
    long long now = 0;
    char today[11] = "";
    if (rc == KB_OK)
        rc = store_today(rq, &s, &now, today, err);
    kb_meeting **v = NULL;
    size_t n = 0;
    long long total = 0;
    if (rc == KB_OK)
        rc = kb_meeting_list(s, pg.limit, pg.offset, &v, &n, &total, err);
    if (rc != KB_OK)
        return rc;
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(a, meeting_json(v[i], 0, today));
    kb_meeting_list_free(v, n);
    rs->json = srv_page_json(total, &pg, "meetings", a);
    return KB_OK;
}

/* The actions member: [{"title", "owner", "due"}, ...] into *out (free() it; strings
 * borrowed from o). */
static kb_status read_actions(json_t *list, const char *where, kb_qaction_in **out, size_t *n,
                              kb_err *err)
{
    *out = NULL;
    *n = 0;
    if (!list || json_is_null(list))
        return KB_OK;
    if (!json_is_array(list))
        return kb_err_set(err, KB_EINVAL, "field '%s' must be an array", where);
    size_t k = json_array_size(list);
    if (k > KB_MEETING_MAX_ACTIONS)
        return kb_err_set(err, KB_EINVAL, "field '%s' holds more than %zu items", where,
                          (size_t)KB_MEETING_MAX_ACTIONS);
    kb_qaction_in *v = kb_xcalloc(k ? k : 1, sizeof *v);
    kb_status rc = KB_OK;
    for (size_t i = 0; rc == KB_OK && i < k; i++) {
        json_t *e = json_array_get(list, i);
        if (!json_is_object(e)) {
            rc = kb_err_set(err, KB_EINVAL, "%s[%zu] must be an object", where, i);
            break;
        }
        const char *key;
        json_t *val;
        json_object_foreach(e, key, val) {
            if (rc == KB_OK && strcmp(key, "title") && strcmp(key, "owner") && strcmp(key, "due"))
                rc = kb_err_set(err, KB_EINVAL, "%s[%zu]: unknown field '%.40s'", where, i, key);
        }
        if (rc == KB_OK)
            rc = srv_json_get_str(e, "title", &v[i].title, err);
        if (rc == KB_OK)
            rc = srv_json_get_str(e, "owner", &v[i].owner, err);
        if (rc == KB_OK)
            rc = srv_json_get_str(e, "due", &v[i].due, err);
    }
    if (rc != KB_OK) {
        free(v);
        return rc;
    }
    *out = v;
    *n = k;
    return KB_OK;
}

kb_status h_meeting_create(srv_req *rq, srv_resp *rs, kb_err *err)
{
    static const char *const allowed[] = { "day", "title", "period_from", "period_to",
                                           "evaluations", "causes", "notes", "attendees",
                                           "links", "actions", NULL };
    json_t *o = NULL;
    kb_status rc = srv_req_body(rq, 0, allowed, &o, err);
    kb_meeting_in in;
    memset(&in, 0, sizeof in);
    const char **slots[] = { &in.day, &in.title, &in.period_from, &in.period_to,
                             &in.evaluations, &in.causes, &in.notes };
    for (size_t i = 0; rc == KB_OK && i < sizeof slots / sizeof slots[0]; i++)
        rc = srv_json_get_str(o, allowed[i], slots[i], err);
    const char **att = NULL, **links = NULL;
    if (rc == KB_OK)
        rc = srv_json_get_strs(o, "attendees", KB_MEETING_MAX_ATTENDEES, &att, &in.nattendees,
                               err);
    if (rc == KB_OK)
        rc = srv_json_get_strs(o, "links", KB_MEETING_MAX_LINKS, &links, &in.nlinks, err);
    kb_qaction_in *acts = NULL;
    if (rc == KB_OK)
        rc = read_actions(json_object_get(o, "actions"), "actions", &acts, &in.nactions, err);
    in.attendees = att;
    in.links = links;
    in.actions = acts;
    in.actor = rq->user;
    if (rc == KB_OK)
        rc = kb_meeting_check(&in, err);
    /* the period's figures: the summary report of period_from..period_to as it is now */
    char *figures = NULL;
    if (rc == KB_OK) {
        json_t *sum = NULL;
        rc = srv_report_summary_json(rq, in.period_from, in.period_to, &sum, err);
        if (rc == KB_OK)
            figures = json_dumps(sum, JSON_COMPACT);
        json_decref(sum);
        in.figures = figures;
    }
    kb_store *s = NULL;
    long long now = 0;
    char today[11] = "";
    if (rc == KB_OK)
        rc = store_today(rq, &s, &now, today, err);
    kb_meeting *m = NULL;
    if (rc == KB_OK)
        rc = kb_meeting_create(s, &in, now, &m, err);
    free(figures);
    free(att);
    free(links);
    free(acts);
    json_decref(o);
    if (rc != KB_OK)
        return rc;
    rs->json = meeting_json(m, 1, today);
    rs->status = 201;
    kb_meeting_free(m);
    return KB_OK;
}

kb_status h_meeting_get(srv_req *rq, srv_resp *rs, kb_err *err)
{
    long long id = 0, now = 0;
    char today[11] = "";
    kb_store *s = NULL;
    kb_status rc = path_id(rq, &id, err);
    if (rc == KB_OK)
        rc = store_today(rq, &s, &now, today, err);
    kb_meeting *m = NULL;
    if (rc == KB_OK)
        rc = kb_meeting_get(s, id, &m, err);
    if (rc != KB_OK)
        return rc;
    rs->json = meeting_json(m, 1, today);
    kb_meeting_free(m);
    return KB_OK;
}

kb_status h_meeting_action_add(srv_req *rq, srv_resp *rs, kb_err *err)
{
    static const char *const allowed[] = { "title", "owner", "due", NULL };
    long long id = 0, now = 0;
    char today[11] = "";
    json_t *o = NULL;
    kb_status rc = path_id(rq, &id, err);
    if (rc == KB_OK)
        rc = srv_req_body(rq, 0, allowed, &o, err);
    kb_qaction_in in;
    memset(&in, 0, sizeof in);
    if (rc == KB_OK)
        rc = srv_json_get_str(o, "title", &in.title, err);
    if (rc == KB_OK)
        rc = srv_json_get_str(o, "owner", &in.owner, err);
    if (rc == KB_OK)
        rc = srv_json_get_str(o, "due", &in.due, err);
    kb_store *s = NULL;
    if (rc == KB_OK)
        rc = store_today(rq, &s, &now, today, err);
    kb_qaction a;
    memset(&a, 0, sizeof a);
    if (rc == KB_OK)
        rc = kb_qaction_add(s, id, &in, rq->user, now, &a, err);
    json_decref(o);
    if (rc == KB_OK) {
        rs->json = srv_qaction_json(&a, today);
        rs->status = 201;
    }
    kb_qaction_free_fields(&a);
    return rc;
}

kb_status h_qaction_list(srv_req *rq, srv_resp *rs, kb_err *err)
{
    kb_qaction_filter f;
    memset(&f, 0, sizeof f);
    srv_page pg;
    kb_status rc = srv_req_page(rq, 50, KB_MEETING_MAX_LIMIT, 0, &pg, err);
    const char *state = srv_req_arg(rq, "state");
    unsigned open = (1u << KB_QACTION_open) | (1u << KB_QACTION_in_progress);
    if (rc == KB_OK && state)
        rc = srv_req_status_mask(state, kb_qaction_state_name, KB_QACTION_NSTATES, open,
                                 &f.states, err);
    if (rc == KB_OK)
        rc = srv_req_text(rq, "owner", KB_MEETING_MAX_NAME, &f.owner, err);
    if (rc == KB_OK)
        rc = srv_req_flag(rq, "overdue", 0, &f.overdue, err);
    kb_store *s = NULL;
    long long now = 0;
    char today[11] = "";
    if (rc == KB_OK)
        rc = store_today(rq, &s, &now, today, err);
    f.today = today;
    f.limit = pg.limit;
    f.offset = pg.offset;
    kb_qaction *v = NULL;
    size_t n = 0;
    long long total = 0;
    if (rc == KB_OK)
        rc = kb_qaction_list(s, &f, &v, &n, &total, err);
    if (rc != KB_OK)
        return rc;
    rs->json = srv_page_json(total, &pg, "actions", actions_json(v, n, today));
    kb_qactions_free(v, n);
    return KB_OK;
}

kb_status h_qaction_update(srv_req *rq, srv_resp *rs, kb_err *err)
{
    static const char *const allowed[] = { "state", "owner", "due", "note", NULL };
    long long id = 0, now = 0;
    char today[11] = "";
    json_t *o = NULL;
    kb_status rc = path_id(rq, &id, err);
    if (rc == KB_OK)
        rc = srv_req_body(rq, 0, allowed, &o, err);
    kb_qaction_change ch;
    memset(&ch, 0, sizeof ch);
    ch.state = -1;
    const char *state = NULL;
    if (rc == KB_OK)
        rc = srv_json_get_str(o, "state", &state, err);
    if (rc == KB_OK && state) {
        ch.state = kb_qaction_state_of(state);
        if (ch.state < 0)
            rc = kb_err_set(err, KB_EINVAL, "invalid 'state': '%.40s'; use open, in_progress, "
                            "done or cancelled", state);
    }
    if (rc == KB_OK)
        rc = srv_json_get_str(o, "owner", &ch.owner, err);
    if (rc == KB_OK)
        rc = srv_json_get_str(o, "due", &ch.due, err);
    if (rc == KB_OK)
        rc = srv_json_get_str(o, "note", &ch.note, err);
    ch.actor = rq->user;
    kb_store *s = NULL;
    if (rc == KB_OK)
        rc = store_today(rq, &s, &now, today, err);
    kb_qaction a;
    memset(&a, 0, sizeof a);
    if (rc == KB_OK)
        rc = kb_qaction_update(s, id, &ch, now, &a, err);
    json_decref(o);
    if (rc == KB_OK)
        rs->json = srv_qaction_json(&a, today);
    kb_qaction_free_fields(&a);
    return rc;
}
