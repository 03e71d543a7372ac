/* POST /api/v1/suggest: known errors and past incidents for an incident being typed. */
#include <stdlib.h>
#include <string.h>

#include "kb_suggest.h"
#include "kb_log.h"
#include "kb_usage.h"
#include "srv.h"

static json_t *list_json(const kb_suggestion *v, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++) {
        const kb_suggestion *g = &v[i];
        json_t *o = json_object();
        json_object_set_new(o, "id", srv_json_str(g->id));
        json_object_set_new(o, "type", srv_json_str(g->type));
        json_object_set_new(o, "title", srv_json_str(g->title));
        json_object_set_new(o, "status", srv_json_str(g->status));
        json_object_set_new(o, "snippet", srv_json_str(g->snippet));
        json_object_set_new(o, "workaround", srv_json_str(g->workaround));
        json_object_set_new(o, "score", json_real(g->score));
        json_t *m = json_array();
        for (size_t k = 0; k < g->nmatched; k++)
            json_array_append_new(m, srv_json_str(g->matched[k]));
        json_object_set_new(o, "matched", m);
        json_object_set_new(o, "url", json_sprintf("/api/v1/kb/%s", g->id ? g->id : ""));
        json_array_append_new(a, o);
    }
    return a;
}

kb_status h_suggest(srv_req *rq, srv_resp *rs, kb_err *err)
{
    json_t *in;
    kb_status rc = srv_req_json_object(rq, &in, err);
    if (rc != KB_OK)
        return rc;
    kb_suggest_opts o = { 0 };
    rc = srv_json_get_str(in, "summary", &o.summary, err);
    if (rc == KB_OK)
        rc = srv_json_get_str(in, "description", &o.description, err);
    if (rc == KB_OK)
        rc = srv_json_get_str(in, "category", &o.category, err);
    if (rc == KB_OK)
        rc = srv_json_get_str(in, "ci", &o.ci, err);
    if (rc != KB_OK)
        goto out;
    long long limit = 0;
    rc = srv_json_get_int(in, "limit", 1, KB_SUGGEST_MAX_LIMIT, 0, &limit, err);
    if (rc != KB_OK)
        goto out;
    o.limit = (size_t)limit;
    kb_store *s;
    rc = srv_req_store(rq, &s, err);
    if (rc != KB_OK)
        goto out;
    kb_suggest_result *r = NULL;
    rc = kb_suggest_run(s, &o, &r, err);
    if (rc != KB_OK)
        goto out;
    json_t *res = json_object();
    json_t *terms = json_array();
    for (size_t i = 0; i < r->nterms; i++)
        json_array_append_new(terms, srv_json_str(r->terms[i]));
    json_object_set_new(res, "terms", terms);
    json_object_set_new(res, "known_errors", list_json(r->known_errors, r->nknown));
    json_object_set_new(res, "similar_incidents", list_json(r->incidents, r->nincidents));
    json_object_set_new(res, "took_ms", json_real(r->took_ms));
    /* an incident the knowledge base has no known error for is a knowledge gap */
    if (r->nknown == 0 && r->nterms > 0) {
        kb_err gerr;
        long long now;
        const char *what = o.summary && *o.summary ? o.summary : r->terms[0];
        if (srv_now(&now, &gerr) != KB_OK || kb_usage_gap(s, what, now, &gerr) != KB_OK)
            kb_log(KB_LOG_WARN, "cannot count a knowledge gap: %s", gerr.msg);
    }
    kb_suggest_result_free(r);
    rs->json = res;
out:
    json_decref(in);
    return rc;
}
