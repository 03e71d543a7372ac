/* Request accessors used by the handlers. */
#include <stdlib.h>
#include <string.h>

#include "pool.h"
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
        return kb_err_set(err, KB_EINVAL, "the request body must be a JSON object");
    json_error_t jerr;
    json_t *j = json_loadb(rq->body.data, rq->body.len, JSON_REJECT_DUPLICATES, &jerr);
    if (!j)
        return kb_err_set(err, KB_EPARSE, "invalid JSON at line %d: %s", jerr.line, jerr.text);
    if (!json_is_object(j)) {
        json_decref(j);
        return kb_err_set(err, KB_EINVAL, "the request body must be a JSON object");
    }
    *out = j;
    return KB_OK;
}
