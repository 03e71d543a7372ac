/* Request accessors used by the handlers. */
#include <stdlib.h>
#include <string.h>

#include "pool.h"
#include "kb_buf.h"
#include "srv.h"

const char *srv_req_param(const srv_req *rq, const char *name)
{
    for (size_t i = 0; i < rq->nparams; i++)
        if (strcmp(rq->params[i].name, name) == 0)
            return rq->params[i].value;
    return NULL;
}

const char *srv_req_query(const srv_req *rq, const char *name)
{
    for (size_t i = 0; i < rq->nquery; i++)
        if (strcmp(rq->query[i].name, name) == 0)
            return rq->query[i].value;
    return NULL;
}

kb_status srv_req_store(srv_req *rq, kb_store **out, kb_err *err)
{
    if (!rq->store) {
        kb_status rc = srv_pool_get(rq->app->pool, &rq->store, err);
        if (rc != KB_OK) {
            *out = NULL;
            return rc;
        }
    }
    kb_store_set_user(rq->store, rq->user);
    *out = rq->store;
    return KB_OK;
}

void srv_req_clear(srv_req *rq)
{
    for (size_t i = 0; i < rq->nparams; i++) {
        free(rq->params[i].name);
        free(rq->params[i].value);
    }
    rq->nparams = 0;
    for (size_t i = 0; i < rq->nquery; i++) {
        free(rq->query[i].name);
        free(rq->query[i].value);
    }
    free(rq->query);
    rq->query = NULL;
    rq->nquery = 0;
    kb_buf_free(&rq->body);
}

kb_status srv_req_json_object(const srv_req *rq, json_t **out, kb_err *err)
{
    *out = NULL;
    if (rq->body.len == 0)
        return kb_err_set(err, KB_EINVAL, "the request body is empty; send a JSON object");
    json_error_t jerr;
    json_t *j = json_loadb(rq->body.data, rq->body.len, JSON_REJECT_DUPLICATES, &jerr);
    if (!j)
        return kb_err_set(err, KB_EPARSE, "the request body is not valid JSON: %s (line %d, "
                          "column %d)", jerr.text, jerr.line, jerr.column);
    if (!json_is_object(j)) {
        json_decref(j);
        return kb_err_set(err, KB_EINVAL, "the request body must be a JSON object");
    }
    *out = j;
    return KB_OK;
}

kb_status srv_req_body(const srv_req *rq, int optional, const char *const *allowed,
                       json_t **out, kb_err *err)
{
    *out = NULL;
    if (optional && rq->body.len == 0)
        return KB_OK;
    kb_status rc = srv_req_json_object(rq, out, err);
    if (rc != KB_OK)
        return rc;
    const char *key;
    json_t *v;
    json_object_foreach(*out, key, v) {
        int known = 0;
        for (size_t i = 0; allowed[i] && !known; i++)
            known = strcmp(key, allowed[i]) == 0;
        if (!known) {
            kb_buf names;
            kb_buf_init(&names, 0);
            for (size_t i = 0; allowed[i]; i++)
                kb_buf_addf(&names, "%s%s", i ? ", " : "", allowed[i]);
            kb_err_set(err, KB_EINVAL, "unknown field '%.40s'; allowed: %s", key,
                       kb_buf_str(&names));
            kb_buf_free(&names);
            json_decref(*out);
            *out = NULL;
            return KB_EINVAL;
        }
    }
    return KB_OK;
}

kb_status srv_json_get_str(json_t *o, const char *name, const char **out, kb_err *err)
{
    json_t *v = o ? json_object_get(o, name) : NULL;
    *out = NULL;
    if (!v || json_is_null(v))
        return KB_OK;
    if (!json_is_string(v))
        return kb_err_set(err, KB_EINVAL, "field '%s' must be a string", name);
    *out = json_string_value(v);
    return KB_OK;
}
