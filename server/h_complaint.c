/* The complaint endpoints: /api/v1/complaints (list, raise), /api/v1/complaints/counts
 * (a period's figures), /api/v1/complaints/{id} (read, change), .../reply, .../close, and
 * /api/v1/settings/complaint-due (the reply and closure hours). Rules and SQL:
 * kb_complaint.h. */
#include <stdlib.h>
#include <string.h>

#include "kb_complaint.h"
#include "kb_date.h"
#include "kb_report.h"
#include "srv.h"

#define MAX_COMPLAINT_ID 1000000000000ull

static json_t *reply_json(const char *text, const char *by, const char *channel, long long at)
{
    return json_pack("{s:o, s:o, s:o, s:o}", "text", srv_json_str(text), "by",
                     srv_json_str(by), "channel", srv_json_str(channel), "at",
                     srv_json_time(at));
}

/* A complaint as the lists show it (also the service report's, h_svcreport.c); one
 * complaint's answer adds "replies" (answer()). */
json_t *srv_complaint_json(const kb_complaint *c, long long now)
{
    json_t *o = json_object();
    json_object_set_new(o, "id", json_integer(c->id));
    json_object_set_new(o, "source", srv_json_str(c->source));
    json_object_set_new(o, "state", json_string(kb_complaint_state_name(c->state)));
    const char *const texts[][2] = {
        { "incident", c->incident }, { "caller", c->caller }, { "phone", c->phone },
        { "department", c->department }, { "channel", c->channel },
        { "summary", c->summary }, { "detail", c->detail }, { "owner", c->owner },
        { "owner_group", c->owner_group }, { "investigation", c->investigation },
        { "cause", c->cause }, { "action", c->action }, { "closed_by", c->closed_by },
        { "created_by", c->created_by } };
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++)
        json_object_set_new(o, texts[i][0], srv_json_str(texts[i][1]));
    /* the first reply: its time is the one reply_due measures (answer() adds them all) */
    json_object_set_new(o, "reply", c->reply_at ? reply_json(c->reply, c->reply_by,
                                                             c->reply_channel, c->reply_at)
                                                : json_null());
    json_object_set_new(o, "reply_due", srv_json_time(c->reply_due));
    json_object_set_new(o, "close_due", srv_json_time(c->close_due));
    json_object_set_new(o, "closed_at", srv_json_time(c->closed_at));
    json_object_set_new(o, "created_at", srv_json_time(c->created_at));
    json_object_set_new(o, "updated_at", srv_json_time(c->updated_at));
    json_object_set_new(o, "overdue", json_boolean(kb_complaint_overdue(c, now)));
    return o;
}

static kb_status answer(srv_resp *rs, kb_status rc, kb_complaint *c, long long now,
                        unsigned status)
{
    if (rc == KB_OK) {
        rs->json = srv_complaint_json(c, now);
        json_t *all = json_array();
        for (size_t i = 0; i < c->nreplies; i++)
            json_array_append_new(all, reply_json(c->replies[i].text, c->replies[i].by,
                                                  c->replies[i].channel, c->replies[i].at));
        json_object_set_new(rs->json, "replies", all);
        rs->status = status;
    }
    kb_complaint_free(c);
    return rc;
}

static kb_status path_id(srv_req *rq, long long *id, kb_err *err)
{
    size_t n = 0;
    kb_status rc = srv_req_path_num(rq, "id", MAX_COMPLAINT_ID, &n, err);
    *id = (long long)n;
    return rc;
}

/* from=YYYY-MM-DD and to=YYYY-MM-DD (the last day, included) as [from, to). */
static kb_status days(srv_req *rq, long long *from, long long *to, kb_err *err)
{
    const char *from_text = NULL, *to_text = NULL;
    kb_status rc = srv_req_day(rq, "from", &from_text, from, err);
    if (rc == KB_OK)
        rc = srv_req_day(rq, "to", &to_text, to, err);
    if (rc == KB_OK && *to)
        *to = kb_date_add_days(*to, 1);
    if (rc == KB_OK && *from && *to && *to <= *from)
        rc = kb_err_set(err, KB_EINVAL, "'to' (%s) is before 'from' (%s)", to_text, from_text);
    return rc;
}

kb_status h_complaint_list(srv_req *rq, srv_resp *rs, kb_err *err)
{
    kb_complaint_filter f;
    memset(&f, 0, sizeof f);
    srv_page pg;
    kb_status rc = srv_req_page(rq, KB_COMPLAINT_DEF_LIMIT, KB_COMPLAINT_MAX_LIMIT,
                                KB_COMPLAINT_MAX_QUERY, &pg, err);
    const char *state = srv_req_arg(rq, "state");
    unsigned open = (1u << KB_COMPLAINT_open) | (1u << KB_COMPLAINT_investigating) |
                    (1u << KB_COMPLAINT_replied);
    if (rc == KB_OK && state)
        rc = srv_req_status_mask(state, kb_complaint_state_name, KB_COMPLAINT_NSTATES, open,
                                 &f.states, err);
    if (rc == KB_OK)
        rc = srv_req_text(rq, "owner", KB_COMPLAINT_MAX_SHORT, &f.owner, err);
    if (rc == KB_OK)
        rc = srv_req_text(rq, "group", KB_COMPLAINT_MAX_SHORT, &f.owner_group, err);
    if (rc == KB_OK)
        rc = srv_req_text(rq, "incident", KB_COMPLAINT_MAX_SHORT, &f.incident, err);
    if (rc == KB_OK)
        rc = srv_req_flag(rq, "overdue", 0, &f.overdue, err);
    if (rc == KB_OK)
        rc = days(rq, &f.from, &f.to, err);
    kb_store *s = NULL;
    if (rc == KB_OK)
        rc = srv_req_store_now(rq, &s, &f.now, err);
    f.q = pg.q;
    f.limit = pg.limit;
    f.offset = pg.offset;
    kb_complaint_list *l = NULL;
    if (rc == KB_OK)
        rc = kb_complaint_list_get(s, &f, &l, err);
    if (rc != KB_OK)
        return rc;
    json_t *a = json_array();
    for (size_t i = 0; i < l->n; i++)
        json_array_append_new(a, srv_complaint_json(l->items[i], f.now));
    rs->json = srv_page_json(l->total, &pg, "complaints", a);
    kb_complaint_list_free(l);
    return KB_OK;
}

kb_status h_complaint_create(srv_req *rq, srv_resp *rs, kb_err *err)
{
    static const char *const allowed[] = { "incident", "caller", "phone", "department",
                                           "channel", "summary", "detail", "owner",
                                           "owner_group", NULL };
    json_t *o = NULL;
    kb_status rc = srv_req_body(rq, 0, allowed, &o, err);
    kb_complaint_new in;
    memset(&in, 0, sizeof in);
    const char **slots[] = { &in.incident, &in.caller, &in.phone, &in.department, &in.channel,
                             &in.summary, &in.detail, &in.owner, &in.owner_group };
    for (size_t i = 0; rc == KB_OK && i < sizeof slots / sizeof slots[0]; i++)
        rc = srv_json_get_str(o, allowed[i], slots[i], err);
    in.actor = rq->user;
    kb_store *s = NULL;
    long long now = 0;
    if (rc == KB_OK)
        rc = srv_req_store_now(rq, &s, &now, err);
    kb_complaint *c = NULL;
    if (rc == KB_OK)
        rc = kb_complaint_create(s, &in, now, &c, err);
    json_decref(o);
    return answer(rs, rc, c, now, 201);
}

kb_status h_complaint_get(srv_req *rq, srv_resp *rs, kb_err *err)
{
    long long id = 0, now = 0;
    kb_store *s = NULL;
    kb_status rc = path_id(rq, &id, err);
    if (rc == KB_OK)
        rc = srv_req_store_now(rq, &s, &now, err);
    kb_complaint *c = NULL;
    if (rc == KB_OK)
        rc = kb_complaint_get(s, id, &c, err);
    return answer(rs, rc, c, now, 200);
}

kb_status h_complaint_update(srv_req *rq, srv_resp *rs, kb_err *err)
{
    static const char *const allowed[] = { "owner", "owner_group", "investigation", "summary",
                                           "detail", NULL };
    long long id = 0, now = 0;
    json_t *o = NULL;
    kb_status rc = path_id(rq, &id, err);
    if (rc == KB_OK)
        rc = srv_req_body(rq, 0, allowed, &o, err);
    kb_complaint_change ch;
    memset(&ch, 0, sizeof ch);
    const char **slots[] = { &ch.owner, &ch.owner_group, &ch.investigation, &ch.summary,
                             &ch.detail };
    for (size_t i = 0; rc == KB_OK && i < sizeof slots / sizeof slots[0]; i++)
        rc = srv_json_get_str(o, allowed[i], slots[i], err);
    ch.actor = rq->user;
    kb_store *s = NULL;
    if (rc == KB_OK)
        rc = srv_req_store_now(rq, &s, &now, err);
    kb_complaint *c = NULL;
    if (rc == KB_OK)
        rc = kb_complaint_update(s, id, &ch, now, &c, err);
    json_decref(o);
    return answer(rs, rc, c, now, 200);
}

/* POST .../reply {"reply", "channel"} and .../close {"cause", "action"}. */
static kb_status two_fields(srv_req *rq, srv_resp *rs, const char *a, const char *b, int close,
                            kb_err *err)
{
    const char *const allowed[] = { a, b, NULL };
    long long id = 0, now = 0;
    json_t *o = NULL;
    kb_status rc = path_id(rq, &id, err);
    if (rc == KB_OK)
        rc = srv_req_body(rq, 0, allowed, &o, err);
    const char *va = NULL, *vb = NULL;
    if (rc == KB_OK)
        rc = srv_json_get_str(o, a, &va, err);
    if (rc == KB_OK)
        rc = srv_json_get_str(o, b, &vb, err);
    kb_store *s = NULL;
    if (rc == KB_OK)
        rc = srv_req_store_now(rq, &s, &now, err);
    kb_complaint *c = NULL;
    if (rc == KB_OK)
        rc = close ? kb_complaint_close(s, id, va, vb, rq->user, now, &c, err)
                   : kb_complaint_reply(s, id, va, vb, rq->user, now, &c, err);
    json_decref(o);
    return answer(rs, rc, c, now, 200);
}

kb_status h_complaint_reply(srv_req *rq, srv_resp *rs, kb_err *err)
{
    return two_fields(rq, rs, "reply", "channel", 0, err);
}

kb_status h_complaint_close(srv_req *rq, srv_resp *rs, kb_err *err)
{
    return two_fields(rq, rs, "cause", "action", 1, err);
}

json_t *srv_complaint_counts_json(const kb_complaint_counts *c)
{
    return json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "raised", (json_int_t)c->raised,
                     "from_followup", (json_int_t)c->from_followup, "closed",
                     (json_int_t)c->closed, "replied_in_time", (json_int_t)c->replied_in_time,
                     "closed_in_time", (json_int_t)c->closed_in_time, "overdue",
                     (json_int_t)c->overdue, "open_now", (json_int_t)c->open_now);
}

/* GET /api/v1/complaints/counts?from=&to= (the summary report's period rules). */
kb_status h_complaint_counts(srv_req *rq, srv_resp *rs, kb_err *err)
{
    long long now = 0, from = 0, to = 0;
    kb_store *s = NULL;
    kb_status rc = srv_req_store_now(rq, &s, &now, err);
    if (rc == KB_OK)
        rc = kb_report_range(srv_req_arg(rq, "from"), srv_req_arg(rq, "to"), now, &from, &to,
                             err);
    kb_complaint_counts c;
    if (rc == KB_OK)
        rc = kb_complaint_counts_get(s, from, to, now, &c, err);
    if (rc != KB_OK)
        return rc;
    json_t *o = srv_complaint_counts_json(&c);
    json_object_set_new(o, "from", srv_json_time(from));
    json_object_set_new(o, "to", srv_json_time(to));
    rs->json = o;
    return KB_OK;
}

static json_t *due_json(long long reply, long long close)
{
    return json_pack("{s:I, s:I}", "reply_hours", (json_int_t)reply, "close_hours",
                     (json_int_t)close);
}

kb_status h_complaint_due_get(srv_req *rq, srv_resp *rs, kb_err *err)
{
    kb_store *s = NULL;
    long long reply = 0, close = 0;
    kb_status rc = srv_req_store(rq, &s, err);
    if (rc == KB_OK)
        rc = kb_complaint_due_get(s, &reply, &close, err);
    if (rc == KB_OK)
        rs->json = due_json(reply, close);
    return rc;
}

kb_status h_complaint_due_set(srv_req *rq, srv_resp *rs, kb_err *err)
{
    static const char *const allowed[] = { "reply_hours", "close_hours", NULL };
    json_t *o = NULL;
    long long reply = 0, close = 0, now = 0;
    kb_store *s = NULL;
    kb_status rc = srv_req_body(rq, 0, allowed, &o, err);
    if (rc == KB_OK)
        rc = srv_json_get_int(o, "reply_hours", 1, KB_COMPLAINT_MAX_HOURS, 1, &reply, err);
    if (rc == KB_OK)
        rc = srv_json_get_int(o, "close_hours", 1, KB_COMPLAINT_MAX_HOURS, 1, &close, err);
    json_decref(o);
    if (rc == KB_OK)
        rc = srv_req_store_now(rq, &s, &now, err);
    if (rc == KB_OK)
        rc = kb_complaint_due_set(s, reply, close, rq->user, now, err);
    if (rc == KB_OK)
        rs->json = due_json(reply, close);
    return rc;
}
