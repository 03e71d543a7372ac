/* The desk's settings: GET/PUT /api/v1/settings/doc-number-rule (the rule document
 * numbers must match) and /api/v1/settings/utc-offset (the desk's clock for days). */
#include <stdlib.h>

#include "kb_date.h"
#include "kb_store.h"
#include "kb_version.h"
#include "srv.h"

/* --- the numbering rule --- */

kb_status h_rule_get(srv_req *rq, srv_resp *rs, kb_err *err)
{
    kb_store *s;
    char *rule = NULL;
    kb_status rc = srv_req_store(rq, &s, err);
    if (rc == KB_OK)
        rc = kb_version_rule(s, &rule, err);
    if (rc != KB_OK)
        return rc;
    json_t *o = json_object();
    json_object_set_new(o, "rule", srv_json_str(rule));
    free(rule);
    rs->json = o;
    return KB_OK;
}

kb_status h_rule_set(srv_req *rq, srv_resp *rs, kb_err *err)
{
    json_t *in;
    const char *rule;
    kb_status rc = srv_req_body_str(rq, "rule", &in, &rule, err);
    if (rc == KB_OK && (!rule || !*rule))
        rc = kb_err_set(err, KB_EINVAL, "field 'rule' is required: a regular expression a "
                        "whole document number must match");
    kb_store *s;
    long long now;
    if (rc == KB_OK)
        rc = srv_req_store_now(rq, &s, &now, err);
    if (rc == KB_OK)
        rc = kb_version_set_rule(s, rule, rq->user, now, err);
    json_decref(in);
    return rc == KB_OK ? h_rule_get(rq, rs, err) : rc;
}

/* --- the desk's UTC offset (days of incident numbers, reports and documents) --- */

kb_status h_offset_get(srv_req *rq, srv_resp *rs, kb_err *err)
{
    kb_store *s;
    long long v = 0;
    kb_status rc = srv_req_store(rq, &s, err);
    if (rc == KB_OK)
        rc = kb_setting_utc_offset(s, &v, err);
    if (rc != KB_OK)
        return rc;
    char text[8];
    kb_date_format_offset(v, text);
    json_t *o = json_object();
    json_object_set_new(o, "utc_offset", json_string(text));
    json_object_set_new(o, "seconds", json_integer(v));
    rs->json = o;
    return KB_OK;
}

kb_status h_offset_set(srv_req *rq, srv_resp *rs, kb_err *err)
{
    json_t *in;
    const char *text;
    long long v = 0;
    kb_status rc = srv_req_body_str(rq, "utc_offset", &in, &text, err);
    if (rc == KB_OK && !text)
        rc = kb_err_set(err, KB_EINVAL, "field 'utc_offset' is required, e.g. \"+08:00\"");
    if (rc == KB_OK)
        rc = kb_date_parse_offset(text, &v, err);
    kb_store *s;
    long long now;
    if (rc == KB_OK)
        rc = srv_req_store_now(rq, &s, &now, err);
    if (rc == KB_OK)
        rc = kb_setting_set_utc_offset(s, v, rq->user, now, err);
    json_decref(in);
    return rc == KB_OK ? h_offset_get(rq, rs, err) : rc;
}
