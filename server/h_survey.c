/* The survey endpoints: /api/v1/surveys (list, create), /api/v1/surveys/{id} (read),
 * .../close, .../recipients (list; add: the one-time links), .../results, and the public
 * pair GET/POST /api/v1/public/survey/{token} (open routes: the token is the only
 * credential, it opens that one survey and nothing else; tokens that name nothing spend the
 * client address's budget in app->links, 429 when it is spent). Rules and SQL:
 * kb_survey.h. */
#include <stdlib.h>
#include <string.h>

#include "kb_alloc.h"
#include "kb_survey.h"
#include "srv.h"
#include "throttle.h"

#define MAX_SURVEY_ID 1000000000000ull

static json_t *survey_json(const kb_survey *v, int full)
{
    json_t *o = json_object();
    json_object_set_new(o, "id", json_integer(v->id));
    json_object_set_new(o, "name", srv_json_str(v->name));
    json_object_set_new(o, "department", srv_json_str(v->department));
    json_object_set_new(o, "period_from", srv_json_str(v->period_from));
    json_object_set_new(o, "period_to", srv_json_str(v->period_to));
    json_object_set_new(o, "intro", srv_json_str(v->intro));
    if (full) {
        json_object_set_new(o, "closed", json_boolean(v->closed));
        json_object_set_new(o, "created_by", srv_json_str(v->created_by));
        json_object_set_new(o, "created_at", srv_json_time(v->created_at));
        json_object_set_new(o, "recipients", json_integer(v->recipients));
        json_object_set_new(o, "answered", json_integer(v->answered));
    }
    json_t *qs = json_array();
    for (size_t i = 0; i < v->nquestions; i++)
        json_array_append_new(qs, json_pack("{s:s, s:o, s:b}", "kind",
                                            kb_survey_kind_name(v->questions[i].kind), "text",
                                            srv_json_str(v->questions[i].text), "required",
                                            v->questions[i].required));
    json_object_set_new(o, "questions", qs);
    return o;
}

static kb_status path_id(srv_req *rq, long long *id, kb_err *err)
{
    size_t n = 0;
    kb_status rc = srv_req_path_num(rq, "id", MAX_SURVEY_ID, &n, err);
    *id = (long long)n;
    return rc;
}

kb_status h_survey_list(srv_req *rq, srv_resp *rs, kb_err *err)
{
    srv_page pg;
    kb_status rc = srv_req_page(rq, 50, KB_SURVEY_MAX_LIMIT, 0, &pg, err);
    kb_store *s = NULL;
    if (rc == KB_OK)
        rc = srv_req_store(rq, &s, err);
    kb_survey **v = NULL;
    size_t n = 0;
    long long total = 0;
    if (rc == KB_OK)
        rc = kb_survey_list(s, pg.limit, pg.offset, &v, &n, &total, err);
    if (rc != KB_OK)
        return rc;
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(a, survey_json(v[i], 1));
    kb_survey_list_free(v, n);
    rs->json = srv_page_json(total, &pg, "surveys", a);
    return KB_OK;
}

kb_status h_survey_create(srv_req *rq, srv_resp *rs, kb_err *err)
{
    static const char *const allowed[] = { "name", "department", "period_from", "period_to",
                                           "intro", "questions", NULL };
    json_t *o = NULL;
    kb_status rc = srv_req_body(rq, 0, allowed, &o, err);
    kb_survey_in in;
    memset(&in, 0, sizeof in);
    const char **slots[] = { &in.name, &in.department, &in.period_from, &in.period_to,
                             &in.intro };
    for (size_t i = 0; rc == KB_OK && i < sizeof slots / sizeof slots[0]; i++)
        rc = srv_json_get_str(o, allowed[i], slots[i], err);
    json_t *qs = rc == KB_OK ? json_object_get(o, "questions") : NULL;
    if (rc == KB_OK && !json_is_array(qs))
        rc = kb_err_set(err, KB_EINVAL, "field 'questions' must be an array of questions");
    size_t nq = rc == KB_OK ? json_array_size(qs) : 0;
    if (rc == KB_OK && (nq < 1 || nq > KB_SURVEY_MAX_QUESTIONS))
        rc = kb_err_set(err, KB_EINVAL, "a survey has 1 to %u questions, not %zu",
                        KB_SURVEY_MAX_QUESTIONS, nq);
    kb_survey_question_in *q = rc == KB_OK ? kb_xcalloc(nq, sizeof *q) : NULL;
    for (size_t i = 0; rc == KB_OK && i < nq; i++) {
        static const char *const qkeys[] = { "text", "kind", "required" };
        json_t *e = json_array_get(qs, i);
        if (!json_is_object(e)) {
            rc = kb_err_set(err, KB_EINVAL, "questions[%zu] must be an object", i);
            break;
        }
        const char *key;
        json_t *val;
        json_object_foreach(e, key, val) {
            int known = 0;
            for (size_t k = 0; k < 3; k++)
                known |= strcmp(key, qkeys[k]) == 0;
            if (!known && rc == KB_OK)
                rc = kb_err_set(err, KB_EINVAL, "questions[%zu]: unknown field '%.40s'", i,
                                key);
        }
        const char *kind = NULL;
        if (rc == KB_OK)
            rc = srv_json_get_str(e, "text", &q[i].text, err);
        if (rc == KB_OK)
            rc = srv_json_get_str(e, "kind", &kind, err);
        q[i].kind = kind ? kb_survey_kind_of(kind) : KB_SURVEY_RATING;
        if (rc == KB_OK)
            rc = srv_json_get_bool(e, "required", &q[i].required, NULL, err);
    }
    in.questions = q;
    in.nquestions = nq;
    in.actor = rq->user;
    kb_store *s = NULL;
    long long now = 0;
    if (rc == KB_OK)
        rc = srv_req_store_now(rq, &s, &now, err);
    kb_survey *v = NULL;
    if (rc == KB_OK)
        rc = kb_survey_create(s, &in, now, &v, err);
    free(q);
    json_decref(o);
    if (rc != KB_OK)
        return rc;
    rs->json = survey_json(v, 1);
    rs->status = 201;
    kb_survey_free(v);
    return KB_OK;
}

kb_status h_survey_get(srv_req *rq, srv_resp *rs, kb_err *err)
{
    long long id = 0;
    kb_store *s = NULL;
    kb_status rc = path_id(rq, &id, err);
    if (rc == KB_OK)
        rc = srv_req_store(rq, &s, err);
    kb_survey *v = NULL;
    if (rc == KB_OK)
        rc = kb_survey_get(s, id, &v, err);
    if (rc != KB_OK)
        return rc;
    rs->json = survey_json(v, 1);
    kb_survey_free(v);
    return KB_OK;
}

kb_status h_survey_close(srv_req *rq, srv_resp *rs, kb_err *err)
{
    long long id = 0, now = 0;
    kb_store *s = NULL;
    kb_status rc = path_id(rq, &id, err);
    if (rc == KB_OK)
        rc = srv_req_store_now(rq, &s, &now, err);
    if (rc == KB_OK)
        rc = kb_survey_close(s, id, rq->user, now, err);
    if (rc == KB_OK)
        rc = h_survey_get(rq, rs, err);
    return rc;
}

kb_status h_survey_recipients(srv_req *rq, srv_resp *rs, kb_err *err)
{
    long long id = 0;
    srv_page pg;
    kb_status rc = path_id(rq, &id, err);
    if (rc == KB_OK)
        rc = srv_req_page(rq, 50, KB_SURVEY_MAX_LIMIT, 0, &pg, err);
    kb_store *s = NULL;
    if (rc == KB_OK)
        rc = srv_req_store(rq, &s, err);
    kb_survey_recipient *v = NULL;
    size_t n = 0;
    long long total = 0;
    if (rc == KB_OK)
        rc = kb_survey_recipients(s, id, pg.limit, pg.offset, &v, &n, &total, err);
    if (rc != KB_OK)
        return rc;
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(a, json_pack(
            "{s:I, s:o, s:o, s:o, s:o, s:o, s:o}", "id", (json_int_t)v[i].id, "name",
            srv_json_str(v[i].name), "department", srv_json_str(v[i].department), "contact",
            srv_json_str(v[i].contact), "expires_at", srv_json_time(v[i].expires_at),
            "answered_at", srv_json_time(v[i].answered_at), "created_at",
            srv_json_time(v[i].created_at)));
    kb_survey_recipients_free(v, n);
    rs->json = srv_page_json(total, &pg, "recipients", a);
    return KB_OK;
}

kb_status h_survey_add_recipients(srv_req *rq, srv_resp *rs, kb_err *err)
{
    static const char *const allowed[] = { "recipients", "days", NULL };
    long long id = 0, days = KB_SURVEY_DEF_DAYS, now = 0;
    json_t *o = NULL;
    kb_status rc = path_id(rq, &id, err);
    if (rc == KB_OK)
        rc = srv_req_body(rq, 0, allowed, &o, err);
    if (rc == KB_OK)
        rc = srv_json_get_int(o, "days", 1, KB_SURVEY_MAX_DAYS, 0, &days, err);
    json_t *list = rc == KB_OK ? json_object_get(o, "recipients") : NULL;
    if (rc == KB_OK && !json_is_array(list))
        rc = kb_err_set(err, KB_EINVAL, "field 'recipients' must be an array of recipients");
    size_t n = rc == KB_OK ? json_array_size(list) : 0;
    if (rc == KB_OK && (n < 1 || n > KB_SURVEY_MAX_RECIPIENTS))
        rc = kb_err_set(err, KB_EINVAL, "add 1 to %u recipients at once, not %zu",
                        KB_SURVEY_MAX_RECIPIENTS, n);
    kb_survey_recipient_in *v = rc == KB_OK ? kb_xcalloc(n, sizeof *v) : NULL;
    for (size_t i = 0; rc == KB_OK && i < n; i++) {
        json_t *e = json_array_get(list, i);
        if (!json_is_object(e)) {
            rc = kb_err_set(err, KB_EINVAL, "recipients[%zu] must be an object", i);
            break;
        }
        static const char *const keys[] = { "name", "department", "contact" };
        const char *key;
        json_t *val;
        json_object_foreach(e, key, val) {
            int known = 0;
            for (size_t k = 0; k < 3; k++)
                known |= strcmp(key, keys[k]) == 0;
            if (!known && rc == KB_OK)
                rc = kb_err_set(err, KB_EINVAL, "recipients[%zu]: unknown field '%.40s'", i,
                                key);
        }
        if (rc == KB_OK)
            rc = srv_json_get_str(e, "name", &v[i].name, err);
        if (rc == KB_OK)
            rc = srv_json_get_str(e, "department", &v[i].department, err);
        if (rc == KB_OK)
            rc = srv_json_get_str(e, "contact", &v[i].contact, err);
    }
    kb_store *s = NULL;
    if (rc == KB_OK)
        rc = srv_req_store_now(rq, &s, &now, err);
    char (*tokens)[KB_SURVEY_TOKEN_HEX] = NULL;
    long long *ids = NULL;
    if (rc == KB_OK)
        rc = kb_survey_add_recipients(s, id, v, n, days, rq->user, now, &tokens, &ids, err);
    if (rc == KB_OK) {
        json_t *a = json_array();
        for (size_t i = 0; i < n; i++) {
            kb_buf url;
            kb_buf_init(&url, 0);
            kb_buf_addf(&url, "/survey.html#%s", tokens[i]);
            json_array_append_new(a, json_pack("{s:I, s:o, s:s, s:s}", "id", (json_int_t)ids[i],
                                               "name", srv_json_str(v[i].name), "token",
                                               tokens[i], "url", kb_buf_str(&url)));
            kb_buf_free(&url);
        }
        rs->json = json_pack("{s:o, s:o}", "links", a, "expires_at",
                             srv_json_time(now + days * 86400));
        rs->status = 201;
    }
    free(tokens);
    free(ids);
    free(v);
    json_decref(o);
    return rc;
}

kb_status h_survey_results(srv_req *rq, srv_resp *rs, kb_err *err)
{
    long long id = 0;
    kb_store *s = NULL;
    kb_status rc = path_id(rq, &id, err);
    if (rc == KB_OK)
        rc = srv_req_store(rq, &s, err);
    kb_survey_results *r = NULL;
    if (rc == KB_OK)
        rc = kb_survey_results_get(s, id, &r, err);
    if (rc != KB_OK)
        return rc;
    json_t *o = survey_json(r->survey, 1);
    json_t *qs = json_object_get(o, "questions");
    for (size_t i = 0; i < r->survey->nquestions; i++) {
        json_t *q = json_array_get(qs, i);
        const kb_survey_result *x = &r->questions[i];
        json_object_set_new(q, "answers", json_integer(x->answers));
        if (r->survey->questions[i].kind == KB_SURVEY_RATING) {
            json_object_set_new(q, "average", x->answers ? json_real(x->average) : json_null());
            json_t *d = json_object();
            for (int k = 0; k < 5; k++) {
                char key[2] = { (char)('1' + k), '\0' };
                json_object_set_new(d, key, json_integer(x->dist[k]));
            }
            json_object_set_new(q, "distribution", d);
        } else {
            /* answers counts them all; texts holds the newest KB_SURVEY_MAX_TEXTS */
            json_object_set_new(q, "texts", srv_json_strings(x->texts, x->ntexts));
            json_object_set_new(q, "texts_truncated",
                                json_boolean(x->answers > (long long)x->ntexts));
        }
    }
    json_t *depts = json_array();
    for (size_t i = 0; i < r->ndepts; i++) {
        const kb_survey_dept *d = &r->depts[i];
        json_t *avg = json_array();
        for (size_t k = 0; k < r->survey->nquestions; k++)
            json_array_append_new(avg, r->survey->questions[k].kind == KB_SURVEY_RATING &&
                                           d->answers[k] ? json_real(d->average[k])
                                                         : json_null());
        json_array_append_new(depts, json_pack("{s:o, s:I, s:I, s:o}", "department",
                                               srv_json_str(d->department), "recipients",
                                               (json_int_t)d->recipients, "answered",
                                               (json_int_t)d->answered, "averages", avg));
    }
    json_object_set_new(o, "departments", depts);
    kb_survey_results_free(r);
    rs->json = o;
    return KB_OK;
}

/* --- the public link --- */

/* The 429 for a client whose bad-link budget is spent for wait seconds (the answer then
 * does not say whether the token exists). */
static kb_status link_refused(srv_resp *rs, unsigned wait)
{
    kb_err why;
    kb_err_set(&why, KB_EDENIED, "too many unknown survey links from this address; try again "
               "in %u seconds", wait);
    rs->json = srv_error_json("too_many_requests", &why);
    rs->status = 429;
    rs->retry_after = wait;
    return KB_OK;
}

/* Spends one of the client's bad-link budget when rc says the token names nothing: 429
 * once it is spent. */
static kb_status link_gate(srv_req *rq, srv_resp *rs, kb_status rc, long long now, kb_err *err)
{
    srv_throttle *t = rq->app->links;
    if (rc != KB_ENOTFOUND || !t)
        return rc;
    unsigned wait = srv_throttle_client_take(t, rq->client, now);
    (void)err;
    return wait ? link_refused(rs, wait) : rc;
}

kb_status h_public_survey_early(srv_req *rq, srv_resp *rs, kb_err *err)
{
    srv_throttle *t = rq->app->links;
    long long now = 0;
    kb_status rc = t ? srv_now(&now, err) : KB_OK;
    unsigned wait = rc == KB_OK && t ? srv_throttle_client_wait(t, rq->client, now) : 0;
    return wait ? link_refused(rs, wait) : rc;
}

kb_status h_public_survey_get(srv_req *rq, srv_resp *rs, kb_err *err)
{
    const char *token = srv_req_param(rq, "token");
    long long now = 0;
    kb_store *s = NULL;
    kb_status rc = srv_req_store_now(rq, &s, &now, err);
    kb_survey *v = NULL;
    int answered = 0;
    if (rc == KB_OK) {
        rc = kb_survey_by_token(s, token, now, &v, &answered, err);
        rc = link_gate(rq, rs, rc, now, err);
    }
    if (rc != KB_OK || !v)
        return rc;
    json_t *o = survey_json(v, 0);
    json_object_del(o, "id");
    json_object_set_new(o, "answered", json_boolean(answered));
    json_object_set_new(o, "answer_max_bytes", json_integer(KB_SURVEY_MAX_ANSWER));
    rs->json = o;
    kb_survey_free(v);
    return KB_OK;
}

kb_status h_public_survey_answer(srv_req *rq, srv_resp *rs, kb_err *err)
{
    static const char *const allowed[] = { "answers", NULL };
    const char *token = srv_req_param(rq, "token");
    long long now = 0;
    kb_store *s = NULL;
    json_t *o = NULL;
    /* an address that has spent its budget is refused before anything else (http.c asks
     * h_public_survey_early before the body arrives; again here, the budget is shared);
     * then the token, read-only: one that names nothing, is expired or was used costs no
     * body parsing and no write lock */
    kb_status rc = h_public_survey_early(rq, rs, err);
    if (rc == KB_OK && !rs->json)
        rc = srv_req_store_now(rq, &s, &now, err);
    kb_survey *sv = NULL;
    int answered = 0;
    if (rc == KB_OK && !rs->json) {
        rc = kb_survey_by_token(s, token, now, &sv, &answered, err);
        rc = link_gate(rq, rs, rc, now, err);
    }
    kb_survey_free(sv);
    if (rc == KB_OK && answered && !rs->json)
        rc = kb_err_set(err, KB_ECONFLICT, "this survey link has been answered already");
    if (rc != KB_OK || rs->json)
        return rc;
    rc = srv_req_body(rq, 0, allowed, &o, err);
    json_t *list = rc == KB_OK ? json_object_get(o, "answers") : NULL;
    if (rc == KB_OK && !json_is_array(list))
        rc = kb_err_set(err, KB_EINVAL, "field 'answers' must be an array");
    size_t n = rc == KB_OK ? json_array_size(list) : 0;
    if (rc == KB_OK && n > KB_SURVEY_MAX_QUESTIONS)
        rc = kb_err_set(err, KB_EINVAL, "field 'answers' holds more than %u items",
                        KB_SURVEY_MAX_QUESTIONS);
    kb_survey_answer_in v[KB_SURVEY_MAX_QUESTIONS];
    memset(v, 0, sizeof v);
    for (size_t i = 0; rc == KB_OK && i < n; i++) {
        json_t *e = json_array_get(list, i);
        if (json_is_null(e))
            continue;
        if (json_is_integer(e) && json_integer_value(e) >= 1 && json_integer_value(e) <= 5)
            v[i].rating = (int)json_integer_value(e);
        else if (json_is_string(e))
            v[i].text = json_string_value(e);
        else
            rc = kb_err_set(err, KB_EINVAL, "answers[%zu] must be a rating from 1 to 5, a "
                            "text or null", i);
    }
    if (rc == KB_OK) {
        rc = kb_survey_answer(s, token, v, n, now, err);
        rc = link_gate(rq, rs, rc, now, err);
    }
    json_decref(o);
    if (rc == KB_OK && !rs->json) {
        rs->json = json_pack("{s:b}", "answered", 1);
        rs->status = 201;
    }
    return rc;
}
