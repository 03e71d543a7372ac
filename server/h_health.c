/* GET /healthz. */
#include "kb_store.h"
#include "srv.h"

kb_status h_healthz(srv_req *rq, srv_resp *rs, kb_err *err)
{
    kb_store *s;
    long long n = 0;
    kb_status rc = srv_req_store(rq, &s, err);
    if (rc == KB_OK)
        rc = kb_store_doc_count(s, NULL, &n, err);
    if (rc != KB_OK)
        return rc;
    json_t *o = json_object();
    json_object_set_new(o, "status", json_string("ok"));
    json_object_set_new(o, "documents", json_integer(n));
    rs->json = o;
    return KB_OK;
}
