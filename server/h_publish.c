/* The knowledge editor and the review queue: POST /api/v1/kb, PUT /api/v1/kb/{id},
 * versions, submit, approve/reject, retire, items due for review, preview. */
#include <stdlib.h>
#include <string.h>

#include "kb_alloc.h"
#include "kb_date.h"
#include "kb_doc.h"
#include "kb_ingest.h"
#include "kb_store.h"
#include "kb_version.h"
#include "srv.h"

#define MAX_N 1000000000LL
#define MAX_NAME_ARG 200u /* owner, author */

json_t *srv_version_json(const kb_version *v)
{
    json_t *o = json_object();
    json_object_set_new(o, "id", srv_json_str(v->id));
    json_object_set_new(o, "n", json_integer(v->n));
    json_object_set_new(o, "type", srv_json_str(v->type));
    json_object_set_new(o, "title", srv_json_str(v->title));
    json_object_set_new(o, "version", srv_json_str(v->label));
    json_object_set_new(o, "state", srv_json_str(v->state));
    json_object_set_new(o, "origin", srv_json_str(v->origin));
    json_object_set_new(o, "sha256", srv_json_str(v->hash));
    json_object_set_new(o, "saved_by", srv_json_str(v->saved_by));
    json_object_set_new(o, "saved_at", srv_json_time(v->saved_at));
    json_object_set_new(o, "comment", srv_json_str(v->comment));
    json_object_set_new(o, "submitted_by", srv_json_str(v->submitted_by));
    json_object_set_new(o, "submitted_at", srv_json_time(v->submitted_at));
    json_object_set_new(o, "decided_by", srv_json_str(v->decided_by));
    json_object_set_new(o, "decided_at", srv_json_time(v->decided_at));
    json_object_set_new(o, "decision", srv_json_str(v->decision));
    json_object_set_new(o, "request", srv_json_str(v->request));
    json_object_set_new(o, "effective_from", srv_json_str(v->effective_from));
    json_object_set_new(o, "effective_to", srv_json_str(v->effective_to));
    json_object_set_new(o, "owner", srv_json_str(v->owner));
    json_object_set_new(o, "next_review", srv_json_str(v->next_review));
    if (strcmp(v->type, KB_TYPE_DOCUMENT) == 0) {
        json_object_set_new(o, "doc_no", srv_json_str(v->id));
        json_object_set_new(o, "name", srv_json_str(v->title));
        json_object_set_new(o, "doc_type", srv_json_str(v->doc_type));
        json_object_set_new(o, "publish_date", srv_json_str(v->publish_date));
        json_object_set_new(o, "description", srv_json_str(v->description));
        json_object_set_new(o, "storage_location", srv_json_str(v->storage_location));
        json_object_set_new(o, "retention_period", srv_json_str(v->retention_period));
        json_object_set_new(o, "status", srv_json_str(v->state));
    }
    return o;
}

int srv_reads_wip(const srv_req *rq)
{
    return (rq->roles & SRV_READ_REVIEWS) != 0;
}

int srv_may_read_version(const srv_req *rq, const kb_version *v)
{
    return !kb_version_is_wip(v) || srv_reads_wip(rq) ||
           (rq->user[0] && strcmp(v->saved_by, rq->user) == 0);
}

void srv_versions_readable(const srv_req *rq, kb_version_list *l)
{
    size_t kept = 0;
    for (size_t i = 0; i < l->n; i++) {
        if (srv_may_read_version(rq, &l->v[i])) {
            l->v[kept++] = l->v[i];
        } else {
            kb_version *gone = kb_xmalloc(sizeof *gone);
            *gone = l->v[i];
            kb_version_free(gone);
        }
    }
    l->n = kept;
}

json_t *srv_version_list_json(const kb_version_list *l)
{
    json_t *a = json_array();
    for (size_t i = 0; i < l->n; i++)
        json_array_append_new(a, srv_version_json(&l->v[i]));
    return a;
}

/* One version of id with its source and the HTML it renders to. A version stored before a
 * limit of kb_ingest_md_check() existed may pass it: its source is then shown as escaped
 * preformatted text, never rendered, and render_error says why. */
static json_t *version_full_json(const kb_version *v)
{
    json_t *o = srv_version_json(v);
    json_object_set_new(o, "source", srv_json_str(v->source));
    kb_doc *d = NULL;
    size_t line = 0;
    kb_err perr;
    size_t len = strlen(v->source);
    if (kb_ingest_parse("api", v->source, len, &d, &line, &perr) == KB_OK) {
        json_object_set_new(o, "html", srv_json_str(d->html));
    } else {
        char *pre = NULL;
        if (kb_ingest_render_verbatim(v->source, len, &pre, NULL) == KB_OK)
            json_object_set_new(o, "html", srv_json_str(pre));
        free(pre);
        char msg[sizeof perr.msg + 32];
        if (line > 0)
            snprintf(msg, sizeof msg, "line %zu: %s", line, perr.msg);
        else
            snprintf(msg, sizeof msg, "%s", perr.msg);
        json_object_set_new(o, "render_error", srv_json_str(msg));
    }
    kb_doc_free(d);
    return o;
}

/* Reads {"source", "comment", "submit"} and saves; expect_id NULL creates. */
static kb_status save(srv_req *rq, srv_resp *rs, const char *expect_id, kb_err *err)
{
    static const char *const allowed[] = { "source", "comment", "submit", NULL };
    json_t *in;
    kb_status rc = srv_req_body(rq, 0, allowed, &in, err);
    if (rc != KB_OK)
        return rc;
    const char *source = NULL, *comment = NULL;
    rc = srv_json_get_str(in, "source", &source, err);
    if (rc == KB_OK)
        rc = srv_json_get_str(in, "comment", &comment, err);
    json_t *submit = json_object_get(in, "submit");
    if (rc == KB_OK && submit && !json_is_boolean(submit))
        rc = kb_err_set(err, KB_EINVAL, "field 'submit' must be true or false");
    if (rc == KB_OK && (!source || !*source))
        rc = kb_err_set(err, KB_EINVAL, "field 'source' is required: the item as a file "
                        "(front matter and Markdown)");
    size_t len = source ? strlen(source) : 0;
    if (rc == KB_OK && len > KB_MAX_DOC_BYTES)
        rc = kb_err_set(err, KB_ETOOBIG, "the source is more than %u bytes", KB_MAX_DOC_BYTES);
    if (rc == KB_OK && comment && !srv_utf8_valid(comment, strlen(comment)))
        rc = kb_err_set(err, KB_EINVAL, "field 'comment' is not valid UTF-8");
    kb_store *s;
    long long now;
    if (rc == KB_OK)
        rc = srv_req_store_now(rq, &s, &now, err);
    char *id = NULL;
    long long n = 0;
    size_t line = 0;
    if (rc == KB_OK)
        rc = kb_wf_save(s, source, len, expect_id, comment, rq->user, now, &id, &n, &line, err);
    if (rc == KB_OK && json_is_true(submit))
        rc = kb_wf_submit(s, id, rq->user, now, err);
    if ((rc == KB_EPARSE || rc == KB_ETOOBIG) && line > 0)
        kb_err_prefix(err, rc, "line %zu", line);
    json_decref(in);
    kb_version *v = NULL;
    if (rc == KB_OK)
        rc = kb_version_get(s, id, n, &v, err);
    free(id);
    if (rc != KB_OK)
        return rc;
    rs->status = expect_id ? 200 : 201;
    rs->json = srv_version_json(v);
    kb_version_free(v);
    return KB_OK;
}

kb_status h_kb_create(srv_req *rq, srv_resp *rs, kb_err *err)
{
    return save(rq, rs, NULL, err);
}

kb_status h_kb_save(srv_req *rq, srv_resp *rs, kb_err *err)
{
    const char *id;
    kb_status rc = srv_req_path_id(rq, "id", &id, err);
    return rc == KB_OK ? save(rq, rs, id, err) : rc;
}

kb_status h_kb_preview(srv_req *rq, srv_resp *rs, kb_err *err)
{
    json_t *in;
    const char *source;
    kb_status rc = srv_req_body_str(rq, "source", &in, &source, err);
    if (rc == KB_OK && !source)
        rc = kb_err_set(err, KB_EINVAL, "field 'source' is required");
    if (rc == KB_OK && strlen(source) > KB_MAX_DOC_BYTES)
        rc = kb_err_set(err, KB_ETOOBIG, "the source is more than %u bytes", KB_MAX_DOC_BYTES);
    if (rc != KB_OK) {
        json_decref(in);
        return rc;
    }
    /* a preview answers 200 with the problem, so that the editor can show it while typing;
     * a text past a rendering limit (kb_ingest_md_check) is refused with 413 like a save */
    kb_doc *d = NULL;
    size_t line = 0;
    kb_err perr;
    json_t *o = json_object();
    kb_store *s;
    rc = srv_req_store(rq, &s, err);
    if (rc != KB_OK) {
        json_decref(o);
        json_decref(in);
        return rc;
    }
    /* parsed as saving would: a new item shows the number it would get */
    kb_status prc = kb_wf_preview(s, source, strlen(source), &d, &line, &perr);
    if (prc == KB_ETOOBIG) {
        json_decref(o);
        json_decref(in);
        *err = perr;
        return line > 0 ? kb_err_prefix(err, KB_ETOOBIG, "line %zu", line) : KB_ETOOBIG;
    }
    if (prc == KB_OK) {
        json_object_set_new(o, "ok", json_true());
        json_object_set_new(o, "id", srv_json_str(d->id));
        json_object_set_new(o, "type", srv_json_str(d->type));
        json_object_set_new(o, "title", srv_json_str(d->title));
        json_object_set_new(o, "html", srv_json_str(d->html));
    } else {
        json_object_set_new(o, "ok", json_false());
        json_object_set_new(o, "line", json_integer((json_int_t)line));
        json_object_set_new(o, "message", srv_json_str(perr.msg));
        json_object_set_new(o, "message_zh", srv_json_str(perr.msg_zh));
    }
    kb_doc_free(d);
    json_decref(in);
    rs->json = o;
    return KB_OK;
}

kb_status h_kb_versions(srv_req *rq, srv_resp *rs, kb_err *err)
{
    const char *id;
    kb_store *s;
    kb_status rc = srv_req_path_id(rq, "id", &id, err);
    if (rc == KB_OK)
        rc = srv_req_store(rq, &s, err);
    kb_version_list l = { 0 };
    if (rc == KB_OK)
        rc = kb_version_list_of(s, id, &l, err);
    if (rc != KB_OK)
        return rc;
    srv_versions_readable(rq, &l);
    if (l.n == 0) {
        kb_version_list_free(&l);
        return kb_err_set(err, KB_ENOTFOUND, "no knowledge item with id '%s'", id);
    }
    srv_reply_versions(rs, "id", id, &l);
    return srv_attach_version_files(s, id, json_object_get(rs->json, "versions"), err);
}

void srv_reply_versions(srv_resp *rs, const char *key, const char *id, kb_version_list *l)
{
    json_t *o = json_object();
    json_object_set_new(o, key, srv_json_str(id));
    json_object_set_new(o, "versions", srv_version_list_json(l));
    kb_version_list_free(l);
    rs->json = o;
}

kb_status h_kb_version(srv_req *rq, srv_resp *rs, kb_err *err)
{
    const char *id;
    size_t n;
    kb_store *s;
    kb_status rc = srv_req_path_id(rq, "id", &id, err);
    if (rc == KB_OK)
        rc = srv_req_path_num(rq, "n", MAX_N, &n, err);
    if (rc == KB_OK)
        rc = srv_req_store(rq, &s, err);
    kb_version *v = NULL;
    if (rc == KB_OK)
        rc = kb_version_get(s, id, (long long)n, &v, err);
    if (rc == KB_OK && !srv_may_read_version(rq, v))
        rc = kb_err_set(err, KB_ENOTFOUND, "'%s' has no version %zu", id, n);
    if (rc != KB_OK) {
        kb_version_free(v);
        return rc;
    }
    rs->json = version_full_json(v);
    kb_version_free(v);
    return KB_OK;
}

/* Runs a workflow step on the item in the path and answers with its latest version. */
typedef kb_status (*step_fn)(kb_store *s, const char *id, json_t *in, const char *actor,
                             long long now, kb_err *err);

static kb_status step(srv_req *rq, srv_resp *rs, const char *const *allowed, step_fn fn,
                      kb_err *err)
{
    const char *id;
    kb_status rc = srv_req_path_id(rq, "id", &id, err);
    json_t *in = NULL;
    if (rc == KB_OK)
        rc = srv_req_body(rq, 1, allowed, &in, err);
    kb_store *s;
    long long now;
    if (rc == KB_OK)
        rc = srv_req_store_now(rq, &s, &now, err);
    if (rc == KB_OK)
        rc = fn(s, id, in, rq->user, now, err);
    json_decref(in);
    kb_version *v = NULL;
    if (rc == KB_OK)
        rc = kb_version_get(s, id, 0, &v, err);
    if (rc != KB_OK)
        return rc;
    rs->json = srv_version_json(v);
    kb_version_free(v);
    return KB_OK;
}

static kb_status do_submit(kb_store *s, const char *id, json_t *in, const char *actor,
                           long long now, kb_err *err)
{
    (void)in;
    return kb_wf_submit(s, id, actor, now, err);
}

static kb_status decide(kb_store *s, const char *id, json_t *in, const char *actor,
                        long long now, int approve, kb_err *err)
{
    const char *comment = NULL;
    kb_status rc = srv_json_get_str(in, "comment", &comment, err);
    return rc == KB_OK ? kb_wf_decide(s, id, approve, comment, actor, now, err) : rc;
}

static kb_status do_approve(kb_store *s, const char *id, json_t *in, const char *actor,
                            long long now, kb_err *err)
{
    return decide(s, id, in, actor, now, 1, err);
}

static kb_status do_reject(kb_store *s, const char *id, json_t *in, const char *actor,
                           long long now, kb_err *err)
{
    return decide(s, id, in, actor, now, 0, err);
}

static kb_status do_retire(kb_store *s, const char *id, json_t *in, const char *actor,
                           long long now, kb_err *err)
{
    const char *fixed_by = NULL, *reason = NULL;
    kb_status rc = srv_json_get_str(in, "fixed_by", &fixed_by, err);
    if (rc == KB_OK)
        rc = srv_json_get_str(in, "reason", &reason, err);
    return rc == KB_OK ? kb_wf_retire(s, id, fixed_by, reason, actor, now, err) : rc;
}

kb_status h_kb_submit(srv_req *rq, srv_resp *rs, kb_err *err)
{
    static const char *const allowed[] = { NULL };
    return step(rq, rs, allowed, do_submit, err);
}

kb_status h_review_approve(srv_req *rq, srv_resp *rs, kb_err *err)
{
    static const char *const allowed[] = { "comment", NULL };
    return step(rq, rs, allowed, do_approve, err);
}

kb_status h_review_reject(srv_req *rq, srv_resp *rs, kb_err *err)
{
    static const char *const allowed[] = { "comment", NULL };
    return step(rq, rs, allowed, do_reject, err);
}

kb_status h_kb_retire(srv_req *rq, srv_resp *rs, kb_err *err)
{
    static const char *const allowed[] = { "fixed_by", "reason", NULL };
    return step(rq, rs, allowed, do_retire, err);
}

kb_status h_review_list(srv_req *rq, srv_resp *rs, kb_err *err)
{
    kb_store *s;
    kb_status rc = srv_req_store(rq, &s, err);
    kb_version_list l = { 0 };
    if (rc == KB_OK)
        rc = kb_wf_reviews(s, &l, err);
    if (rc != KB_OK)
        return rc;
    json_t *o = json_object();
    json_object_set_new(o, "total", json_integer((json_int_t)l.n));
    json_object_set_new(o, "reviews", srv_version_list_json(&l));
    kb_version_list_free(&l);
    rs->json = o;
    return KB_OK;
}

kb_status h_review_due(srv_req *rq, srv_resp *rs, kb_err *err)
{
    const char *owner;
    kb_store *s;
    long long now;
    kb_status rc = srv_req_text(rq, "owner", MAX_NAME_ARG, &owner, err);
    if (rc == KB_OK)
        rc = srv_req_store_now(rq, &s, &now, err);
    if (rc != KB_OK)
        return rc;
    char today[KB_DATE_LEN];
    kb_date_of(now, today);
    kb_version_list l = { 0 };
    rc = kb_wf_due(s, today, owner, &l, err);
    if (rc != KB_OK)
        return rc;
    json_t *o = json_object();
    json_object_set_new(o, "today", json_string(today));
    json_object_set_new(o, "total", json_integer((json_int_t)l.n));
    json_object_set_new(o, "due", srv_version_list_json(&l));
    kb_version_list_free(&l);
    rs->json = o;
    return KB_OK;
}

kb_status h_review_drafts(srv_req *rq, srv_resp *rs, kb_err *err)
{
    const char *author;
    kb_store *s;
    kb_status rc = srv_req_text(rq, "author", MAX_NAME_ARG, &author, err);
    if (rc == KB_OK)
        rc = srv_req_store(rq, &s, err);
    kb_version_list l = { 0 };
    if (rc == KB_OK)
        rc = kb_wf_drafts(s, author, &l, err);
    if (rc != KB_OK)
        return rc;
    json_t *o = json_object();
    json_object_set_new(o, "total", json_integer((json_int_t)l.n));
    json_object_set_new(o, "drafts", srv_version_list_json(&l));
    kb_version_list_free(&l);
    rs->json = o;
    return KB_OK;
}
