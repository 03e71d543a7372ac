/* GET /api/v1/search and GET /api/v1/complete. */
#include <stdlib.h>
#include <string.h>

#include "kb_alloc.h"
#include "kb_doc.h"
#include "kb_search.h"
#include "kb_log.h"
#include "kb_usage.h"
#include "srv.h"

#define DEFAULT_LIMIT 10u
#define MAX_OFFSET 10000u
#define MAX_COMPLETIONS 10u

static const char *const known_types[] = {
    KB_TYPE_KNOWN_ERROR, KB_TYPE_ARTICLE, KB_TYPE_DOCUMENT, KB_TYPE_TICKET,
};

static const char *const known_statuses[] = {
    "draft", "published", "retired", "in_review", "superseded", "scrapped", "closed", "any",
};

static int one_of(const char *s, const char *const *set, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(s, set[i]) == 0)
            return 1;
    return 0;
}

/* True when s has nothing but ASCII white space (or is NULL). */
static int blank(const char *s)
{
    if (!s)
        return 1;
    for (; *s; s++)
        if (*s != ' ' && *s != '\t' && *s != '\n' && *s != '\r' && *s != '\f' && *s != '\v')
            return 0;
    return 1;
}

/* A copy of q shortened to the longest query kb_search accepts (cut at a character
 * boundary): overlong input is not an error a person should see. Caller frees. */
static char *clip_query(const char *q)
{
    size_t len = strlen(q);
    return kb_xstrndup(q, srv_utf8_cut(q, len, KB_SEARCH_MAX_QUERY));
}

static json_t *hit_json(const kb_search_hit *h)
{
    json_t *o = json_object();
    json_object_set_new(o, "id", srv_json_str(h->id));
    json_object_set_new(o, "type", srv_json_str(h->type));
    json_object_set_new(o, "title", srv_json_str(h->title));
    json_object_set_new(o, "snippet", srv_json_str(h->snippet));
    json_object_set_new(o, "score", json_real(h->score));
    json_object_set_new(o, "workaround", srv_json_str(h->workaround));
    json_object_set_new(o, "status", srv_json_str(h->status));
    json_object_set_new(o, "version", srv_json_str(h->version));
    json_object_set_new(o, "updated", srv_json_str(h->updated));
    json_object_set_new(o, "partial", json_boolean(h->partial));
    kb_buf url;
    kb_buf_init(&url, 0);
    kb_buf_adds(&url, "/api/v1/kb/");
    srv_pct_encode(&url, h->id ? h->id : "");
    json_object_set_new(o, "url", srv_json_str(kb_buf_str(&url)));
    kb_buf_free(&url);
    return o;
}

/* How the query was understood: the words searched for, those left out and why, and how
 * many words a partial hit holds at least (0: the query was not relaxed). r may be NULL
 * (no query). */
static json_t *understood_json(const kb_search_result *r)
{
    static const char *const why[] = { "", "stopword", "not_found", "limit" };
    json_t *o = json_object();
    json_t *w = json_array();
    for (size_t i = 0; r && i < r->nwords; i++)
        json_array_append_new(w, srv_json_str(r->words[i]));
    json_object_set_new(o, "words", w);
    json_t *d = json_array();
    for (size_t i = 0; r && i < r->ndropped; i++) {
        int k = r->dropped[i].why;
        json_t *e = json_object();
        json_object_set_new(e, "word", srv_json_str(r->dropped[i].word));
        json_object_set_new(e, "why", json_string(k >= 1 && k <= 3 ? why[k] : "other"));
        json_array_append_new(d, e);
    }
    json_object_set_new(o, "dropped", d);
    json_object_set_new(o, "min_match", json_integer(r ? (json_int_t)r->min_match : 0));
    return o;
}

kb_status h_search(srv_req *rq, srv_resp *rs, kb_err *err)
{
    const char *q = srv_req_query(rq, "q");
    const char *type = srv_req_arg(rq, "type");
    const char *status = srv_req_arg(rq, "status");
    size_t limit;
    size_t offset;
    kb_status rc = srv_req_limit(rq, DEFAULT_LIMIT, KB_SEARCH_MAX_LIMIT, &limit, err);
    if (rc == KB_OK)
        rc = srv_req_offset(rq, MAX_OFFSET, &offset, err);
    if (rc != KB_OK)
        return rc;
    if (type && !one_of(type, known_types, sizeof known_types / sizeof *known_types))
        return kb_err_set(err, KB_EINVAL,
                          "unknown type; use known_error, article, document or ticket");
    if (status &&
        !one_of(status, known_statuses, sizeof known_statuses / sizeof *known_statuses))
        return kb_err_set(err, KB_EINVAL,
                          "unknown status; use draft, published, retired, in_review, "
                          "superseded, scrapped, closed or any");

    if (blank(q)) {
        json_t *o = json_object();
        json_object_set_new(o, "query", json_string(""));
        json_object_set_new(o, "total", json_integer(0));
        json_object_set_new(o, "total_exact", json_true());
        json_object_set_new(o, "took_ms", json_real(0.0));
        json_object_set_new(o, "did_you_mean", json_null());
        json_object_set_new(o, "hits", json_array());
        json_object_set_new(o, "understood", understood_json(NULL));
        rs->json = o;
        return KB_OK;
    }

    kb_store *s;
    rc = srv_req_store(rq, &s, err);
    if (rc != KB_OK)
        return rc;
    char *query = clip_query(q);
    kb_search_opts opts = {
        .q = query,
        .type = type,
        .status = status,
        .limit = limit,
        .offset = offset,
        .hide_drafts = !srv_reads_wip(rq),
    };
    kb_search_result *r = NULL;
    rc = kb_search_run(s, &opts, &r, err);
    free(query);
    if (rc != KB_OK)
        return rc;

    json_t *o = json_object();
    json_object_set_new(o, "query", srv_json_str(r->query));
    json_object_set_new(o, "total", json_integer(r->total));
    json_object_set_new(o, "total_exact", json_boolean(r->total_exact));
    json_object_set_new(o, "took_ms", json_real(r->took_ms));
    json_object_set_new(o, "did_you_mean",
                        r->did_you_mean ? srv_json_str(r->did_you_mean) : json_null());
    json_t *hits = json_array();
    for (size_t i = 0; i < r->nhits; i++)
        json_array_append_new(hits, hit_json(&r->hits[i]));
    json_object_set_new(o, "hits", hits);
    json_object_set_new(o, "understood", understood_json(r));
    /* A finished search (the page sends final=1 on Enter) that found nothing is a
     * knowledge gap; searches typed letter by letter are not counted. */
    const char *fin = srv_req_query(rq, "final");
    if (r->total == 0 && fin && strcmp(fin, "1") == 0 && r->query && *r->query) {
        kb_err gerr;
        long long now;
        if (srv_now(&now, &gerr) != KB_OK || kb_usage_gap(s, r->query, now, &gerr) != KB_OK)
            kb_log(KB_LOG_WARN, "cannot count a knowledge gap: %s", gerr.msg);
    }
    kb_search_result_free(r);
    rs->json = o;
    return KB_OK;
}

kb_status h_complete(srv_req *rq, srv_resp *rs, kb_err *err)
{
    const char *q = srv_req_query(rq, "q");
    json_t *list = json_array();
    char *query = clip_query(q ? q : "");
    if (!blank(query)) {
        kb_store *s;
        char **v = NULL;
        size_t n = 0;
        kb_status rc = srv_req_store(rq, &s, err);
        if (rc == KB_OK)
            rc = kb_search_complete(s, query, MAX_COMPLETIONS, &v, &n, err);
        if (rc != KB_OK) {
            free(query);
            json_decref(list);
            return rc;
        }
        for (size_t i = 0; i < n && i < MAX_COMPLETIONS; i++)
            json_array_append_new(list, srv_json_str(v[i]));
        kb_search_strings_free(v, n);
    }
    json_t *o = json_object();
    json_object_set_new(o, "query", srv_json_str(query));
    json_object_set_new(o, "completions", list);
    free(query);
    rs->json = o;
    return KB_OK;
}
