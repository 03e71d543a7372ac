/* Knowledge usage over HTTP: suggestion feedback and the knowledge-gap report. */
#include <stdlib.h>
#include <string.h>

#include "kb_usage.h"
#include "srv.h"

#define DEFAULT_GAPS 50u
#define MAX_GAPS 500u

/* POST /api/v1/suggest/feedback {"kb_id": "KE-0042", "helpful": true} */
kb_status h_suggest_feedback(srv_req *rq, srv_resp *rs, kb_err *err)
{
    json_t *in;
    kb_status rc = srv_req_json_object(rq, &in, err);
    if (rc != KB_OK)
        return rc;
    json_t *id = json_object_get(in, "kb_id");
    json_t *helpful = json_object_get(in, "helpful");
    if (!json_is_string(id) || json_string_length(id) == 0 ||
             json_string_length(id) > 64)
        rc = kb_err_set(err, KB_EINVAL, "'kb_id' must be the id of a knowledge item");
    else if (!json_is_boolean(helpful))
        rc = kb_err_set(err, KB_EINVAL, "'helpful' must be true or false");
    kb_store *s = NULL;
    long long now;
    if (rc == KB_OK)
        rc = srv_req_store_now(rq, &s, &now, err);
    if (rc == KB_OK)
        rc = kb_usage_feedback(s, json_string_value(id), json_is_true(helpful),
                               rq->user[0] ? rq->user : NULL, now, err);
    kb_usage u;
    if (rc == KB_OK)
        rc = kb_usage_get(s, json_string_value(id), &u, err);
    if (rc == KB_OK) {
        json_t *o = json_object();
        json_object_set_new(o, "kb_id", srv_json_str(json_string_value(id)));
        json_object_set_new(o, "helpful", json_integer(u.helpful));
        json_object_set_new(o, "not_helpful", json_integer(u.not_helpful));
        rs->json = o;
    }
    json_decref(in);
    return rc;
}

/* GET /api/v1/reports/gaps?since=YYYY-MM-DD&limit=N: searches and suggestions that found
 * nothing, most frequent first. */
kb_status h_report_gaps(srv_req *rq, srv_resp *rs, kb_err *err)
{
    long long since;
    size_t limit;
    kb_status rc = srv_req_day(rq, "since", NULL, &since, err);
    if (rc == KB_OK)
        rc = srv_req_limit(rq, DEFAULT_GAPS, MAX_GAPS, &limit, err);
    kb_store *s;
    if (rc == KB_OK)
        rc = srv_req_store(rq, &s, err);
    if (rc != KB_OK)
        return rc;
    kb_gap *g = NULL;
    size_t n = 0;
    rc = kb_usage_gaps(s, since, limit, &g, &n, err);
    if (rc != KB_OK)
        return rc;
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++) {
        json_t *o = json_object();
        json_object_set_new(o, "query", srv_json_str(g[i].query));
        json_object_set_new(o, "count", json_integer(g[i].count));
        json_object_set_new(o, "last", srv_json_time(g[i].last));
        json_array_append_new(a, o);
    }
    kb_usage_gaps_free(g, n);
    json_t *o = json_object();
    json_object_set_new(o, "gaps", a);
    rs->json = o;
    return KB_OK;
}
