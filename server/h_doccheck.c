/* Keeping controlled documents valid: /api/v1/document-retention, /api/v1/document-checks...
 * (validity check rounds), /api/v1/document-copies... (controlled paper copies), and the
 * flags the catalogue shows (overdue review, retention). See include/kb_doccheck.h. */
#include <stdlib.h>
#include <string.h>

#include "kb_alloc.h"
#include "kb_date.h"
#include "kb_doccheck.h"
#include "kb_retention.h"
#include "srv.h"

#define MAX_ARG 200u

void srv_doc_flags(json_t *o, const kb_version *v, const char *today)
{
    char until[KB_DATE_LEN];
    const char *from = kb_date_valid(v->publish_date) ? v->publish_date : v->effective_from;
    kb_retention_state st = kb_retention_expiry(v->retention_period, from, v->effective_to,
                                                until);
    json_object_set_new(o, "retention", json_string(kb_retention_state_name(st)));
    json_object_set_new(o, "retention_until", until[0] ? json_string(until) : json_null());
    json_object_set_new(o, "retention_ended",
                        json_boolean(until[0] && strcmp(until, today) <= 0));
    json_object_set_new(o, "review_overdue",
                        json_boolean(strcmp(v->state, "published") == 0 && v->next_review[0] &&
                                     strcmp(v->next_review, today) < 0));
}

static kb_status today_of(srv_req *rq, kb_store **s, char today[KB_DATE_LEN], kb_err *err)
{
    long long now = 0;
    kb_status rc = srv_req_store_now(rq, s, &now, err);
    if (rc == KB_OK)
        kb_date_of(now, today);
    return rc;
}

/* --- retention --- */

static json_t *expiry_json(const kb_doccheck_expiry *e)
{
    json_t *o = json_object();
    json_object_set_new(o, "doc_no", srv_json_str(e->doc_no));
    json_object_set_new(o, "n", json_integer(e->n));
    json_object_set_new(o, "version", srv_json_str(e->label));
    json_object_set_new(o, "name", srv_json_str(e->title));
    json_object_set_new(o, "state", srv_json_str(e->state));
    json_object_set_new(o, "doc_type", srv_json_str(e->doc_type));
    json_object_set_new(o, "owner", srv_json_str(e->owner));
    json_object_set_new(o, "retention_period", srv_json_str(e->retention_period));
    json_object_set_new(o, "publish_date", srv_json_str(e->publish_date));
    json_object_set_new(o, "effective_from", srv_json_str(e->effective_from));
    json_object_set_new(o, "effective_to", srv_json_str(e->effective_to));
    json_object_set_new(o, "retention", json_string(kb_retention_state_name(e->retention)));
    json_object_set_new(o, "retention_until", e->until[0] ? json_string(e->until) : json_null());
    json_object_set_new(o, "destroy_request",
                        e->destroy_request[0]
                            ? json_pack("{s:o,s:o}", "id", srv_json_str(e->destroy_request),
                                        "state", srv_json_str(e->destroy_state))
                            : json_null());
    return o;
}

kb_status h_doc_retention(srv_req *rq, srv_resp *rs, kb_err *err)
{
    srv_page pg;
    kb_status rc = srv_req_page(rq, KB_DOCCHECK_DEF_LIMIT, KB_DOCCHECK_MAX_LIMIT, 0, &pg, err);
    const char *list = srv_req_arg(rq, "list"), *doc_no = NULL, *as_of = NULL;
    kb_doccheck_retention_list which = KB_DOCCHECK_EXPIRED;
    if (rc == KB_OK && list && strcmp(list, "unparsed") == 0)
        which = KB_DOCCHECK_UNPARSED;
    else if (rc == KB_OK && list && strcmp(list, "expired") != 0)
        rc = kb_err_set(err, KB_EINVAL, "invalid 'list': '%.40s'; use expired or unparsed",
                        list);
    if (rc == KB_OK)
        rc = srv_req_text(rq, "doc_no", MAX_ARG, &doc_no, err);
    if (rc == KB_OK)
        rc = srv_req_day(rq, "as_of", &as_of, NULL, err);
    kb_store *s = NULL;
    char today[KB_DATE_LEN];
    if (rc == KB_OK)
        rc = today_of(rq, &s, today, err);
    if (rc != KB_OK)
        return rc;
    const char *day = as_of ? as_of : today;
    kb_doccheck_expiries l;
    rc = kb_doccheck_retention(s, which, day, doc_no, pg.limit, pg.offset, &l, err);
    if (rc != KB_OK)
        return rc;
    json_t *a = json_array();
    for (size_t i = 0; i < l.n; i++)
        json_array_append_new(a, expiry_json(&l.v[i]));
    json_t *o = srv_page_json(l.total, &pg, "versions", a);
    json_object_set_new(o, "list", json_string(which == KB_DOCCHECK_UNPARSED ? "unparsed"
                                                                             : "expired"));
    json_object_set_new(o, "as_of", json_string(day));
    kb_doccheck_expiries_free(&l);
    rs->json = o;
    return KB_OK;
}

/* --- check rounds --- */

static json_t *round_json(const kb_doccheck_round *r)
{
    json_t *o = json_object();
    json_object_set_new(o, "id", json_integer(r->id));
    json_object_set_new(o, "title", srv_json_str(r->title));
    json_object_set_new(o, "scope", srv_json_str(r->scope));
    json_object_set_new(o, "state", srv_json_str(r->state));
    json_object_set_new(o, "created_by", srv_json_str(r->created_by));
    json_object_set_new(o, "created_at", srv_json_time(r->created_at));
    json_object_set_new(o, "closed_by", srv_json_str(r->closed_by));
    json_object_set_new(o, "closed_at", srv_json_time(r->closed_at));
    json_object_set_new(o, "summary", srv_json_str(r->summary));
    json_object_set_new(o, "counts",
                        json_pack("{s:I,s:I,s:I,s:I}", "pending", (json_int_t)r->counts[0],
                                  "valid", (json_int_t)r->counts[1], "invalid_version",
                                  (json_int_t)r->counts[2], "missing",
                                  (json_int_t)r->counts[3]));
    return o;
}

static json_t *round_full_json(const kb_doccheck_round *r)
{
    json_t *o = round_json(r);
    json_t *a = json_array();
    for (size_t i = 0; i < r->nitems; i++) {
        const kb_doccheck_item *it = &r->items[i];
        json_t *d = json_object();
        json_object_set_new(d, "doc_no", srv_json_str(it->doc_no));
        json_object_set_new(d, "name", srv_json_str(it->title));
        json_object_set_new(d, "current_version", srv_json_str(it->current));
        json_object_set_new(d, "current_n", json_integer(it->current_n));
        json_object_set_new(d, "result", srv_json_str(it->result));
        json_object_set_new(d, "version_found", srv_json_str(it->version_found));
        json_object_set_new(d, "location", srv_json_str(it->location));
        json_object_set_new(d, "note", srv_json_str(it->note));
        json_object_set_new(d, "checked_by", srv_json_str(it->checked_by));
        json_object_set_new(d, "checked_at", srv_json_time(it->checked_at));
        json_array_append_new(a, d);
    }
    json_object_set_new(o, "documents", a);
    return o;
}

static kb_status reply_round(kb_store *s, long long id, srv_resp *rs, kb_err *err)
{
    kb_doccheck_round *r = NULL;
    kb_status rc = kb_doccheck_round_get(s, id, &r, err);
    if (rc != KB_OK)
        return rc;
    rs->json = round_full_json(r);
    kb_doccheck_round_free(r);
    return KB_OK;
}

static kb_status path_id(const srv_req *rq, long long *id, kb_err *err)
{
    size_t n = 0;
    kb_status rc = srv_req_path_num(rq, "id", (size_t)1 << 40, &n, err);
    *id = (long long)n;
    return rc;
}

kb_status h_doccheck_list(srv_req *rq, srv_resp *rs, kb_err *err)
{
    srv_page pg;
    kb_status rc = srv_req_page(rq, KB_DOCCHECK_DEF_LIMIT, KB_DOCCHECK_MAX_LIMIT, 0, &pg, err);
    const char *state = srv_req_arg(rq, "state");
    if (rc == KB_OK && state && strcmp(state, "open") != 0 && strcmp(state, "closed") != 0)
        rc = kb_err_set(err, KB_EINVAL, "invalid 'state': '%.40s'; use open or closed", state);
    kb_store *s = NULL;
    if (rc == KB_OK)
        rc = srv_req_store(rq, &s, err);
    kb_doccheck_rounds l;
    if (rc == KB_OK)
        rc = kb_doccheck_round_list(s, state, pg.limit, pg.offset, &l, err);
    if (rc != KB_OK)
        return rc;
    json_t *a = json_array();
    for (size_t i = 0; i < l.n; i++)
        json_array_append_new(a, round_json(&l.v[i]));
    rs->json = srv_page_json(l.total, &pg, "rounds", a);
    kb_doccheck_rounds_free(&l);
    return KB_OK;
}

kb_status h_doccheck_create(srv_req *rq, srv_resp *rs, kb_err *err)
{
    static const char *const allowed[] = { "title", "scope", "documents", NULL };
    json_t *in = NULL;
    const char *title = NULL, *scope = NULL;
    const char **docs = NULL;
    size_t n = 0;
    kb_status rc = srv_req_body(rq, 0, allowed, &in, err);
    if (rc == KB_OK)
        rc = srv_json_get_str(in, "title", &title, err);
    if (rc == KB_OK)
        rc = srv_json_get_str(in, "scope", &scope, err);
    if (rc == KB_OK)
        rc = srv_json_get_strs(in, "documents", KB_DOCCHECK_MAX_DOCS, &docs, &n, err);
    kb_store *s = NULL;
    long long now = 0, id = 0;
    if (rc == KB_OK)
        rc = srv_req_store_now(rq, &s, &now, err);
    if (rc == KB_OK)
        rc = kb_doccheck_round_create(s, title, scope, docs, n, rq->user, now, &id, err);
    free(docs);
    json_decref(in);
    if (rc == KB_OK)
        rc = reply_round(s, id, rs, err);
    if (rc == KB_OK)
        rs->status = 201;
    return rc;
}

kb_status h_doccheck_get(srv_req *rq, srv_resp *rs, kb_err *err)
{
    long long id = 0;
    kb_status rc = path_id(rq, &id, err);
    kb_store *s = NULL;
    if (rc == KB_OK)
        rc = srv_req_store(rq, &s, err);
    return rc == KB_OK ? reply_round(s, id, rs, err) : rc;
}

/* results: [{doc_no, result, version_found, location, note}] */
static kb_status read_results(json_t *in, kb_doccheck_result **out, size_t *n, kb_err *err)
{
    static const char *const keys[] = { "doc_no", "result", "version_found", "location",
                                        "note" };
    *out = NULL;
    *n = 0;
    json_t *a = json_object_get(in, "results");
    if (!json_is_array(a))
        return kb_err_set(err, KB_EINVAL, "field 'results' must be a list of results");
    size_t na = json_array_size(a);
    if (na == 0 || na > KB_DOCCHECK_MAX_DOCS)
        return kb_err_set(err, KB_EINVAL, "field 'results' must hold 1 to %u results",
                          KB_DOCCHECK_MAX_DOCS);
    kb_doccheck_result *v = kb_xcalloc(na, sizeof *v);
    kb_status rc = KB_OK;
    for (size_t i = 0; i < na && rc == KB_OK; i++) {
        json_t *o = json_array_get(a, i);
        if (!json_is_object(o)) {
            rc = kb_err_set(err, KB_EINVAL, "result %zu must be an object", i + 1);
            break;
        }
        const char *k;
        json_t *val;
        json_object_foreach(o, k, val) {
            int ok = 0;
            for (size_t j = 0; j < 5; j++)
                ok |= strcmp(k, keys[j]) == 0;
            if (!ok && rc == KB_OK)
                rc = kb_err_set(err, KB_EINVAL, "result %zu: unknown field '%.40s'", i + 1, k);
        }
        const char **slots[] = { &v[i].doc_no, &v[i].result, &v[i].version_found,
                                 &v[i].location, &v[i].note };
        for (size_t j = 0; j < 5 && rc == KB_OK; j++) {
            rc = srv_json_get_str(o, keys[j], slots[j], err);
            if (rc != KB_OK)
                kb_err_prefix(err, rc, "result %zu", i + 1);
        }
    }
    if (rc != KB_OK) {
        free(v);
        return rc;
    }
    *out = v;
    *n = na;
    return KB_OK;
}

kb_status h_doccheck_record(srv_req *rq, srv_resp *rs, kb_err *err)
{
    static const char *const allowed[] = { "results", NULL };
    long long id = 0, now = 0;
    kb_status rc = path_id(rq, &id, err);
    json_t *in = NULL;
    if (rc == KB_OK)
        rc = srv_req_body(rq, 0, allowed, &in, err);
    kb_doccheck_result *res = NULL;
    size_t n = 0;
    if (rc == KB_OK)
        rc = read_results(in, &res, &n, err);
    kb_store *s = NULL;
    if (rc == KB_OK)
        rc = srv_req_store_now(rq, &s, &now, err);
    if (rc == KB_OK)
        rc = kb_doccheck_round_record(s, id, res, n, rq->user, now, err);
    free(res);
    json_decref(in);
    return rc == KB_OK ? reply_round(s, id, rs, err) : rc;
}

kb_status h_doccheck_close(srv_req *rq, srv_resp *rs, kb_err *err)
{
    static const char *const allowed[] = { "summary", NULL };
    long long id = 0, now = 0;
    kb_status rc = path_id(rq, &id, err);
    json_t *in = NULL;
    const char *summary = NULL;
    if (rc == KB_OK)
        rc = srv_req_body(rq, 1, allowed, &in, err);
    if (rc == KB_OK)
        rc = srv_json_get_str(in, "summary", &summary, err);
    kb_store *s = NULL;
    if (rc == KB_OK)
        rc = srv_req_store_now(rq, &s, &now, err);
    if (rc == KB_OK)
        rc = kb_doccheck_round_close(s, id, summary, rq->user, now, err);
    json_decref(in);
    return rc == KB_OK ? reply_round(s, id, rs, err) : rc;
}

/* --- paper copies --- */

static json_t *copy_json(const kb_doccheck_copy *c)
{
    json_t *o = json_object();
    json_object_set_new(o, "id", json_integer(c->id));
    json_object_set_new(o, "doc_no", srv_json_str(c->doc_no));
    json_object_set_new(o, "name", srv_json_str(c->title));
    json_object_set_new(o, "copy_no", srv_json_str(c->copy_no));
    json_object_set_new(o, "holder", srv_json_str(c->holder));
    json_object_set_new(o, "location", srv_json_str(c->location));
    json_object_set_new(o, "n", json_integer(c->version));
    json_object_set_new(o, "version", srv_json_str(c->label));
    json_object_set_new(o, "version_state", srv_json_str(c->version_state));
    json_object_set_new(o, "current_n", json_integer(c->current));
    json_object_set_new(o, "to_recall", json_boolean(c->to_recall));
    json_object_set_new(o, "issued_by", srv_json_str(c->issued_by));
    json_object_set_new(o, "issued_at", srv_json_time(c->issued_at));
    json_object_set_new(o, "recalled_by", srv_json_str(c->recalled_by));
    json_object_set_new(o, "recalled_at", srv_json_time(c->recalled_at));
    json_object_set_new(o, "recall_note", srv_json_str(c->recall_note));
    return o;
}

static kb_status reply_copy(kb_store *s, long long id, srv_resp *rs, kb_err *err)
{
    kb_doccheck_copies l;
    kb_status rc = kb_doccheck_copy_get(s, id, &l, err);
    if (rc != KB_OK)
        return rc;
    rs->json = copy_json(&l.v[0]);
    kb_doccheck_copies_free(&l);
    return KB_OK;
}

kb_status h_doccopy_list(srv_req *rq, srv_resp *rs, kb_err *err)
{
    srv_page pg;
    kb_doccheck_copy_filter f = { 0 };
    kb_status rc = srv_req_page(rq, KB_DOCCHECK_DEF_LIMIT, KB_DOCCHECK_MAX_LIMIT, 0, &pg, err);
    if (rc == KB_OK)
        rc = srv_req_text(rq, "doc_no", MAX_ARG, &f.doc_no, err);
    if (rc == KB_OK)
        rc = srv_req_flag(rq, "to_recall", 0, &f.to_recall, err);
    if (rc == KB_OK)
        rc = srv_req_flag(rq, "out", 0, &f.out, err);
    kb_store *s = NULL;
    if (rc == KB_OK)
        rc = srv_req_store(rq, &s, err);
    kb_doccheck_copies l;
    if (rc == KB_OK)
        rc = kb_doccheck_copy_list(s, &f, pg.limit, pg.offset, &l, err);
    if (rc != KB_OK)
        return rc;
    json_t *a = json_array();
    for (size_t i = 0; i < l.n; i++)
        json_array_append_new(a, copy_json(&l.v[i]));
    rs->json = srv_page_json(l.total, &pg, "copies", a);
    kb_doccheck_copies_free(&l);
    return KB_OK;
}

kb_status h_doccopy_issue(srv_req *rq, srv_resp *rs, kb_err *err)
{
    static const char *const allowed[] = { "doc_no", "copy_no", "holder", "location", NULL };
    json_t *in = NULL;
    kb_doccheck_copy_new c = { 0 };
    kb_status rc = srv_req_body(rq, 0, allowed, &in, err);
    const char **slots[] = { &c.doc_no, &c.copy_no, &c.holder, &c.location };
    for (size_t i = 0; i < 4 && rc == KB_OK; i++)
        rc = srv_json_get_str(in, allowed[i], slots[i], err);
    kb_store *s = NULL;
    long long now = 0, id = 0;
    if (rc == KB_OK)
        rc = srv_req_store_now(rq, &s, &now, err);
    if (rc == KB_OK)
        rc = kb_doccheck_copy_issue(s, &c, rq->user, now, &id, err);
    json_decref(in);
    if (rc == KB_OK)
        rc = reply_copy(s, id, rs, err);
    if (rc == KB_OK)
        rs->status = 201;
    return rc;
}

kb_status h_doccopy_get(srv_req *rq, srv_resp *rs, kb_err *err)
{
    long long id = 0;
    kb_status rc = path_id(rq, &id, err);
    kb_store *s = NULL;
    if (rc == KB_OK)
        rc = srv_req_store(rq, &s, err);
    return rc == KB_OK ? reply_copy(s, id, rs, err) : rc;
}

kb_status h_doccopy_recall(srv_req *rq, srv_resp *rs, kb_err *err)
{
    static const char *const allowed[] = { "note", NULL };
    long long id = 0, now = 0;
    kb_status rc = path_id(rq, &id, err);
    json_t *in = NULL;
    const char *note = NULL;
    if (rc == KB_OK)
        rc = srv_req_body(rq, 1, allowed, &in, err);
    if (rc == KB_OK)
        rc = srv_json_get_str(in, "note", &note, err);
    kb_store *s = NULL;
    if (rc == KB_OK)
        rc = srv_req_store_now(rq, &s, &now, err);
    if (rc == KB_OK)
        rc = kb_doccheck_copy_recall(s, id, note, rq->user, now, err);
    json_decref(in);
    return rc == KB_OK ? reply_copy(s, id, rs, err) : rc;
}
