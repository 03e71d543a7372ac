/* The document catalogue, its classes and document requests: /api/v1/documents...,
 * /api/v1/document-classes..., /api/v1/document-requests... (the numbering rule is in
 * h_settings.c). */
#include <stdlib.h>
#include <string.h>

#include "kb_date.h"
#include "kb_docclass.h"
#include "kb_docreq.h"
#include "kb_search.h"
#include "kb_store.h"
#include "kb_version.h"
#include "srv.h"

#define DEFAULT_LIMIT 200u
#define MAX_LIMIT 1000u
#define MAX_Q_BYTES 200u

static kb_status check_states(const char *v, const char *const *ok, const char *what,
                              kb_err *err)
{
    if (!v)
        return KB_OK;
    for (size_t i = 0; ok[i]; i++)
        if (strcmp(v, ok[i]) == 0)
            return KB_OK;
    return kb_err_set(err, KB_EINVAL, "unknown %s '%.40s'", what, v);
}

static const char *const version_states[] = { "draft", "in_review", "requested", "rejected",
                                              "published", "superseded", "withdrawn",
                                              "retired", "scrapped", "destroyed", "removed",
                                              NULL };

static const char *const class_codes[] = { "ops", "project", "quality", "report", "other",
                                           NULL };

/* Adds the class of o's doc_type (class, class_name; "" when it names none) to o. */
static void add_class(json_t *o, const kb_docclass_list *l)
{
    const kb_docclass *c = kb_docclass_of(l, json_string_value(json_object_get(o, "doc_type")));
    json_object_set_new(o, "class", json_string(c ? c->code : ""));
    json_object_set_new(o, "class_name", json_string(c ? c->name : ""));
}

kb_status h_document_list(srv_req *rq, srv_resp *rs, kb_err *err)
{
    kb_catalogue_filter f = { 0 };
    kb_status rc = srv_req_text(rq, "q", MAX_Q_BYTES, &f.q, err);
    if (rc == KB_OK)
        rc = srv_req_text(rq, "doc_type", MAX_Q_BYTES, &f.doc_type, err);
    if (rc == KB_OK)
        rc = srv_req_text(rq, "status", MAX_Q_BYTES, &f.status, err);
    if (rc == KB_OK)
        rc = check_states(f.status, version_states, "status", err);
    if (rc == KB_OK)
        rc = srv_req_text(rq, "class", MAX_Q_BYTES, &f.doc_class, err);
    if (rc == KB_OK)
        rc = check_states(f.doc_class, class_codes, "class", err);
    if (rc == KB_OK)
        rc = srv_req_day(rq, "as_of", &f.as_of, NULL, err);
    if (rc == KB_OK)
        rc = srv_req_flag(rq, "all_versions", 0, &f.all_versions, err);
    if (rc == KB_OK)
        rc = srv_req_limit(rq, DEFAULT_LIMIT, MAX_LIMIT, &f.limit, err);
    f.hide_wip = !srv_reads_wip(rq);
    f.author = rq->user;
    kb_store *s;
    if (rc == KB_OK)
        rc = srv_req_store(rq, &s, err);
    /* full text: documents whose current text matches q, found by the search engine */
    char *ids = NULL;
    if (rc == KB_OK && f.q) {
        kb_search_opts so = { .q = f.q, .type = "document", .status = "any",
                              .limit = KB_SEARCH_MAX_LIMIT, .hide_drafts = f.hide_wip,
                              .all_words = 1 };
        kb_search_result *sr = NULL;
        rc = kb_search_run(s, &so, &sr, err);
        if (rc == KB_OK) {
            json_t *a = json_array();
            for (size_t i = 0; i < sr->nhits; i++)
                json_array_append_new(a, srv_json_str(sr->hits[i].id));
            ids = json_dumps(a, JSON_COMPACT);
            json_decref(a);
            f.ids = ids;
        }
        kb_search_result_free(sr);
    }
    kb_version_list l = { 0 };
    kb_docclass_list classes;
    memset(&classes, 0, sizeof classes);
    if (rc == KB_OK)
        rc = kb_catalogue_list(s, &f, &l, err);
    if (rc == KB_OK)
        rc = kb_docclass_list_all(s, &classes, err);
    free(ids);
    long long now = 0;
    if (rc == KB_OK)
        rc = srv_now(&now, err);
    if (rc != KB_OK) {
        kb_version_list_free(&l);
        kb_docclass_list_free(&classes);
        return rc;
    }
    char today[KB_DATE_LEN];
    kb_date_of(now, today);
    json_t *o = json_object();
    json_t *docs = srv_version_list_json(&l);
    for (size_t i = 0; i < l.n; i++) {
        srv_doc_flags(json_array_get(docs, i), &l.v[i], today);
        add_class(json_array_get(docs, i), &classes);
    }
    json_object_set_new(o, "total", json_integer((json_int_t)l.n));
    json_object_set_new(o, "today", json_string(today));
    json_object_set_new(o, "documents", docs);
    kb_version_list_free(&l);
    kb_docclass_list_free(&classes);
    rs->json = o;
    return KB_OK;
}

/* A document's versions that the caller may read, oldest first; KB_ENOTFOUND when doc_no
 * is not a document or the caller may read none of its versions. */
static kb_status versions_of(const srv_req *rq, kb_store *s, const char *doc_no,
                             kb_version_list *l, kb_err *err)
{
    kb_status rc = kb_version_list_of(s, doc_no, l, err);
    if (rc == KB_OK && strcmp(l->v[0].type, "document") != 0) {
        kb_version_list_free(l);
        rc = KB_ENOTFOUND;
    }
    if (rc == KB_OK)
        srv_versions_readable(rq, l);
    if (rc == KB_OK && l->n == 0) {
        kb_version_list_free(l);
        rc = KB_ENOTFOUND;
    }
    if (rc == KB_ENOTFOUND)
        return kb_err_set(err, KB_ENOTFOUND, "no document '%s' in the catalogue", doc_no);
    return rc;
}

kb_status h_document_get(srv_req *rq, srv_resp *rs, kb_err *err)
{
    const char *doc_no, *as_of;
    kb_status rc = srv_req_path_id(rq, "doc_no", &doc_no, err);
    if (rc == KB_OK)
        rc = srv_req_day(rq, "as_of", &as_of, NULL, err);
    kb_store *s;
    if (rc == KB_OK)
        rc = srv_req_store(rq, &s, err);
    kb_version_list l = { 0 };
    if (rc == KB_OK)
        rc = versions_of(rq, s, doc_no, &l, err);
    if (rc != KB_OK)
        return rc;
    const kb_version *pick = NULL;
    for (size_t i = l.n; i-- > 0 && !pick;) {
        const kb_version *v = &l.v[i];
        if (as_of) {
            if (v->effective_from[0] && strcmp(v->effective_from, as_of) <= 0 &&
                (!v->effective_to[0] || strcmp(v->effective_to, as_of) > 0))
                pick = v;
        } else if (strcmp(v->state, "published") == 0) {
            pick = v;
        }
    }
    if (!pick) {
        /* what became of it: the state of the last version that was ever current */
        const char *last = l.v[l.n - 1].state;
        for (size_t i = l.n; i-- > 0;)
            if (l.v[i].effective_from[0]) {
                last = l.v[i].state;
                break;
            }
        if (as_of)
            rc = kb_err_set(err, KB_ENOTFOUND, "no version of '%s' was current on %s", doc_no,
                            as_of);
        else
            rc = kb_err_set(err, KB_ENOTFOUND, "'%s' has no current version (it is %s); see "
                            "/api/v1/documents/%s/versions", doc_no, last, doc_no);
        kb_version_list_free(&l);
        return rc;
    }
    kb_version *full = NULL;
    rc = kb_version_get(s, doc_no, pick->n, &full, err);
    kb_version_list_free(&l);
    if (rc != KB_OK)
        return rc;
    kb_docclass_list classes;
    rc = kb_docclass_list_all(s, &classes, err);
    if (rc != KB_OK) {
        kb_docclass_list_free(&classes);
        kb_version_free(full);
        return rc;
    }
    json_t *o = srv_version_json(full);
    add_class(o, &classes);
    kb_docclass_list_free(&classes);
    json_object_set_new(o, "source", srv_json_str(full->source));
    long long now = 0;
    if (srv_now(&now, NULL) == KB_OK) {
        char today[KB_DATE_LEN];
        kb_date_of(now, today);
        srv_doc_flags(o, full, today);
    }
    if (as_of)
        json_object_set_new(o, "as_of", json_string(as_of));
    kb_version_free(full);
    /* the version's controlled copies */
    json_t *one = json_pack("[O]", o);
    rc = srv_attach_version_files(s, doc_no, one, err);
    json_decref(one);
    if (rc == KB_OK)
        rs->json = o;
    else
        json_decref(o);
    return rc;
}

kb_status h_document_versions(srv_req *rq, srv_resp *rs, kb_err *err)
{
    const char *doc_no;
    kb_status rc = srv_req_path_id(rq, "doc_no", &doc_no, err);
    kb_store *s;
    if (rc == KB_OK)
        rc = srv_req_store(rq, &s, err);
    kb_version_list l = { 0 };
    if (rc == KB_OK)
        rc = versions_of(rq, s, doc_no, &l, err);
    if (rc != KB_OK)
        return rc;
    srv_reply_versions(rs, "doc_no", doc_no, &l);
    return srv_attach_version_files(s, doc_no, json_object_get(rs->json, "versions"), err);
}

/* --- requests --- */

static json_t *docreq_json(const kb_docreq *r)
{
    json_t *o = json_object();
    json_object_set_new(o, "id", srv_json_str(r->id));
    json_object_set_new(o, "kind", srv_json_str(r->kind));
    json_object_set_new(o, "doc_no", srv_json_str(r->doc_no));
    json_object_set_new(o, "title", srv_json_str(r->title));
    json_object_set_new(o, "reason", srv_json_str(r->reason));
    json_object_set_new(o, "state", srv_json_str(r->state));
    json_object_set_new(o, "requested_by", srv_json_str(r->requested_by));
    json_object_set_new(o, "requested_at", srv_json_time(r->requested_at));
    json_object_set_new(o, "decided_by", srv_json_str(r->decided_by));
    json_object_set_new(o, "decided_at", srv_json_time(r->decided_at));
    json_object_set_new(o, "decision", srv_json_str(r->decision));
    json_object_set_new(o, "flow", srv_json_str(r->flow));
    json_object_set_new(o, "class", srv_json_str(r->doc_class));
    const kb_docclass_def *c = kb_docclass_def_of(r->doc_class);
    json_object_set_new(o, "class_name", json_string(c ? c->name : ""));
    json_t *steps = json_array();
    json_int_t current = 0;
    for (size_t i = 0; i < r->nsteps; i++) {
        const kb_docreq_step *p = &r->steps[i];
        json_t *j = json_object();
        json_object_set_new(j, "step", json_integer(p->step));
        json_object_set_new(j, "group", srv_json_str(p->group));
        json_object_set_new(j, "state", srv_json_str(p->state));
        json_object_set_new(j, "decided_by", srv_json_str(p->decided_by));
        json_object_set_new(j, "decided_at", srv_json_time(p->decided_at));
        json_object_set_new(j, "comment", srv_json_str(p->comment));
        json_array_append_new(steps, j);
        if (!current && strcmp(p->state, "pending") == 0 && strcmp(r->state, "pending") == 0)
            current = p->step;
    }
    json_object_set_new(o, "steps", steps);
    /* the step waiting for a decision, 0 when none */
    json_object_set_new(o, "current_step", json_integer(current));
    if (strcmp(r->kind, "change") == 0)
        json_object_set_new(o, "version", json_integer(r->version));
    if (strcmp(r->kind, "borrow") != 0) {
        json_object_set_new(o, "executed_by", srv_json_str(r->executed_by));
        json_object_set_new(o, "executed_at", srv_json_time(r->executed_at));
        json_object_set_new(o, "execution", srv_json_str(r->execution));
        json_object_set_new(o, "confirmed_by", srv_json_str(r->confirmed_by));
        json_object_set_new(o, "confirmed_at", srv_json_time(r->confirmed_at));
        json_object_set_new(o, "confirmation", srv_json_str(r->confirmation));
    }
    if (strcmp(r->kind, "borrow") == 0) {
        json_object_set_new(o, "borrower", srv_json_str(r->borrower));
        json_object_set_new(o, "due", srv_json_str(r->due));
        json_object_set_new(o, "lent_by", srv_json_str(r->lent_by));
        json_object_set_new(o, "lent_at", srv_json_time(r->lent_at));
        json_object_set_new(o, "returned_to", srv_json_str(r->returned_to));
        json_object_set_new(o, "returned_at", srv_json_time(r->returned_at));
    }
    return o;
}

static kb_status reply_request(kb_store *s, const char *id, srv_resp *rs, kb_err *err)
{
    kb_docreq *r = NULL;
    kb_status rc = kb_docreq_get(s, id, &r, err);
    if (rc != KB_OK)
        return rc;
    rs->json = docreq_json(r);
    kb_docreq_free(r);
    return KB_OK;
}

kb_status h_docreq_create(srv_req *rq, srv_resp *rs, kb_err *err)
{
    static const char *const allowed[] = { "kind", "doc_no", "reason", "source", "borrower",
                                           "due", NULL };
    json_t *in;
    kb_status rc = srv_req_body(rq, 0, allowed, &in, err);
    if (rc != KB_OK)
        return rc;
    kb_docreq_new q = { 0 };
    const char **slots[] = { &q.kind, &q.doc_no, &q.reason, &q.source, &q.borrower, &q.due };
    for (size_t i = 0; i < 6 && rc == KB_OK; i++)
        rc = srv_json_get_str(in, allowed[i], slots[i], err);
    if (rc == KB_OK && q.source) {
        q.source_len = strlen(q.source);
        if (q.source_len > KB_MAX_DOC_BYTES)
            rc = kb_err_set(err, KB_ETOOBIG, "the source is more than %u bytes",
                            KB_MAX_DOC_BYTES);
    }
    if (rc == KB_OK && q.doc_no && !srv_valid_id(q.doc_no))
        rc = kb_err_set(err, KB_EINVAL, "invalid 'doc_no'");
    kb_store *s;
    long long now;
    if (rc == KB_OK)
        rc = srv_req_store_now(rq, &s, &now, err);
    char *id = NULL;
    size_t line = 0;
    if (rc == KB_OK)
        rc = kb_docreq_create(s, &q, rq->user, now, &id, &line, err);
    if ((rc == KB_EPARSE || rc == KB_ETOOBIG) && line > 0)
        kb_err_prefix(err, rc, "source line %zu", line);
    json_decref(in);
    if (rc == KB_OK)
        rc = reply_request(s, id, rs, err);
    free(id);
    if (rc == KB_OK)
        rs->status = 201;
    return rc;
}

kb_status h_docreq_list(srv_req *rq, srv_resp *rs, kb_err *err)
{
    static const char *const states[] = { "pending", "approved", "rejected", "executed",
                                          "confirmed", "lent", "returned", NULL };
    kb_docreq_filter f = { 0 };
    int overdue = 0;
    kb_status rc = srv_req_text(rq, "kind", MAX_Q_BYTES, &f.kind, err);
    if (rc == KB_OK)
        rc = check_states(f.kind, kb_docreq_kinds, "kind", err);
    if (rc == KB_OK)
        rc = srv_req_text(rq, "state", MAX_Q_BYTES, &f.state, err);
    if (rc == KB_OK)
        rc = check_states(f.state, states, "state", err);
    if (rc == KB_OK)
        rc = srv_req_text(rq, "doc_no", MAX_Q_BYTES, &f.doc_no, err);
    if (rc == KB_OK)
        rc = srv_req_flag(rq, "overdue", 0, &overdue, err);
    if (rc == KB_OK)
        rc = srv_req_limit(rq, DEFAULT_LIMIT, MAX_LIMIT, &f.limit, err);
    kb_store *s;
    long long now;
    if (rc == KB_OK)
        rc = srv_req_store_now(rq, &s, &now, err);
    if (rc != KB_OK)
        return rc;
    char today[KB_DATE_LEN];
    kb_date_of(now, today);
    if (overdue)
        f.overdue_on = today;
    kb_docreq_list l = { 0 };
    rc = kb_docreq_list_find(s, &f, &l, err);
    if (rc != KB_OK)
        return rc;
    json_t *a = json_array();
    for (size_t i = 0; i < l.n; i++) {
        json_t *r = docreq_json(&l.v[i]);
        if (strcmp(l.v[i].state, "lent") == 0)
            json_object_set_new(r, "overdue", json_boolean(strcmp(l.v[i].due, today) < 0));
        json_array_append_new(a, r);
    }
    kb_docreq_list_free(&l);
    json_t *o = json_object();
    json_object_set_new(o, "today", json_string(today));
    json_object_set_new(o, "total", json_integer((json_int_t)json_array_size(a)));
    json_object_set_new(o, "requests", a);
    rs->json = o;
    return KB_OK;
}

kb_status h_docreq_get(srv_req *rq, srv_resp *rs, kb_err *err)
{
    const char *id;
    kb_store *s;
    kb_status rc = srv_req_path_id(rq, "id", &id, err);
    if (rc == KB_OK)
        rc = srv_req_store(rq, &s, err);
    return rc == KB_OK ? reply_request(s, id, rs, err) : rc;
}

kb_status h_docreq_act(srv_req *rq, srv_resp *rs, kb_err *err)
{
    static const char *const allowed[] = { "comment", "source", NULL };
    static const char *const actions[] = { "approve", "reject", "execute", "confirm", "lend",
                                           "return", NULL };
    const char *id, *action = srv_req_param(rq, "action");
    kb_docreq_action a = { .action = action, .roles = rq->roles };
    kb_status rc = srv_req_path_id(rq, "id", &id, err);
    if (rc == KB_OK && check_states(action, actions, "action", err) != KB_OK)
        return kb_err_set(err, KB_ENOTFOUND, "unknown action '%.40s': use approve, reject, "
                          "execute, confirm, lend or return", action ? action : "");
    json_t *in = NULL;
    if (rc == KB_OK)
        rc = srv_req_body(rq, 1, allowed, &in, err);
    if (rc == KB_OK)
        rc = srv_json_get_str(in, "comment", &a.comment, err);
    if (rc == KB_OK)
        rc = srv_json_get_str(in, "source", &a.source, err);
    if (rc == KB_OK && a.source) {
        a.source_len = strlen(a.source);
        if (a.source_len > KB_MAX_DOC_BYTES)
            rc = kb_err_set(err, KB_ETOOBIG, "the source is more than %u bytes",
                            KB_MAX_DOC_BYTES);
    }
    kb_store *s;
    long long now;
    if (rc == KB_OK)
        rc = srv_req_store_now(rq, &s, &now, err);
    size_t line = 0;
    if (rc == KB_OK)
        rc = kb_docreq_act(s, id, &a, rq->user, now, &line, err);
    if ((rc == KB_EPARSE || rc == KB_ETOOBIG) && line > 0)
        kb_err_prefix(err, rc, "source line %zu", line);
    json_decref(in);
    return rc == KB_OK ? reply_request(s, id, rs, err) : rc;
}

/* --- classes --- */

static json_t *class_json(const kb_docclass *c)
{
    json_t *o = json_object();
    json_object_set_new(o, "code", json_string(c->code));
    json_object_set_new(o, "name", json_string(c->name));
    json_object_set_new(o, "name_en", json_string(c->name_en));
    json_object_set_new(o, "prefix", srv_json_str(c->prefix));
    json_t *subs = json_array();
    for (size_t i = 0; i < c->nsub_types; i++)
        json_array_append_new(subs, srv_json_str(c->sub_types[i]));
    json_object_set_new(o, "sub_types", subs);
    json_t *chains = json_object();
    for (int k = 0; k < KB_DOCREQ_NKINDS; k++) {
        json_t *g = json_array();
        for (size_t i = 0; i < c->nchain[k]; i++)
            json_array_append_new(g, srv_json_str(c->chain[k][i]));
        json_object_set_new(chains, kb_docreq_kinds[k], g);
    }
    json_object_set_new(o, "chains", chains);
    return o;
}

static kb_status reply_classes(kb_store *s, const char *code, srv_resp *rs, kb_err *err)
{
    kb_docclass_list l;
    kb_status rc = kb_docclass_list_all(s, &l, err);
    if (rc == KB_OK && !code) {
        json_t *a = json_array();
        for (size_t i = 0; i < l.n; i++)
            json_array_append_new(a, class_json(&l.v[i]));
        rs->json = json_object();
        json_object_set_new(rs->json, "classes", a);
    }
    for (size_t i = 0; rc == KB_OK && code && i < l.n; i++)
        if (strcmp(l.v[i].code, code) == 0)
            rs->json = class_json(&l.v[i]);
    kb_docclass_list_free(&l);
    return rc;
}

kb_status h_docclass_list(srv_req *rq, srv_resp *rs, kb_err *err)
{
    kb_store *s;
    kb_status rc = srv_req_store(rq, &s, err);
    return rc == KB_OK ? reply_classes(s, NULL, rs, err) : rc;
}

kb_status h_docclass_update(srv_req *rq, srv_resp *rs, kb_err *err)
{
    static const char *const allowed[] = { "prefix", "sub_types", "chains", NULL };
    const char *code;
    kb_status rc = srv_req_path_id(rq, "code", &code, err);
    if (rc == KB_OK && !kb_docclass_def_of(code))
        return kb_err_set(err, KB_ENOTFOUND, "no document class '%.40s': use ops, project, "
                          "quality, report or other", code);
    json_t *in = NULL;
    if (rc == KB_OK)
        rc = srv_req_body(rq, 0, allowed, &in, err);
    kb_docclass_change ch;
    memset(&ch, 0, sizeof ch);
    const char **subs = NULL;
    const char **chain[KB_DOCREQ_NKINDS] = { 0 };
    if (rc == KB_OK)
        rc = srv_json_get_str(in, "prefix", &ch.prefix, err);
    if (rc == KB_OK && json_object_get(in, "sub_types")) {
        ch.set_sub_types = 1;
        rc = srv_json_get_strs(in, "sub_types", KB_DOCCLASS_MAX_SUBTYPES + 1, &subs,
                               &ch.nsub_types, err);
        ch.sub_types = subs;
    }
    json_t *chains = in ? json_object_get(in, "chains") : NULL;
    if (rc == KB_OK && chains && !json_is_object(chains))
        rc = kb_err_set(err, KB_EINVAL, "field 'chains' must be an object: kind -> groups in "
                        "order, e.g. {\"change\": [\"运维部\", \"信息中心\"]}");
    const char *key;
    json_t *val;
    if (rc == KB_OK && chains) {
        json_object_foreach(chains, key, val) {
            int k = kb_docreq_kind_index(key);
            if (k < 0) {
                rc = kb_err_set(err, KB_EINVAL, "'chains': unknown kind '%.40s': use change, "
                                "scrap, borrow or destroy", key);
                break;
            }
            ch.set_chain[k] = 1;
            rc = srv_json_get_strs(chains, key, KB_DOCCLASS_MAX_STEPS + 1, &chain[k],
                                   &ch.nchain[k], err);
            ch.chain[k] = chain[k];
            if (rc != KB_OK)
                break;
        }
    }
    kb_store *s;
    long long now;
    if (rc == KB_OK)
        rc = srv_req_store_now(rq, &s, &now, err);
    if (rc == KB_OK)
        rc = kb_docclass_update(s, code, &ch, rq->user, now, err);
    if (rc == KB_OK)
        rc = reply_classes(s, code, rs, err);
    free(subs);
    for (int k = 0; k < KB_DOCREQ_NKINDS; k++)
        free(chain[k]);
    json_decref(in);
    return rc;
}
