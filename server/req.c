/* Request accessors used by the handlers: the one place that reads query arguments, path
 * parameters and the JSON body, so every handler answers bad input in the same words. */
#include <assert.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "pool.h"
#include "kb_buf.h"
#include "kb_date.h"
#include "kb_doc.h"
#include "kb_alloc.h"
#include "kb_log.h"
#include "kb_setting.h"
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

kb_status srv_req_store_now(srv_req *rq, kb_store **s, long long *now, kb_err *err)
{
    kb_status rc = srv_req_store(rq, s, err);
    return rc == KB_OK ? srv_now(now, err) : rc;
}

kb_status srv_req_body_str(const srv_req *rq, const char *name, json_t **in, const char **out,
                           kb_err *err)
{
    const char *const allowed[] = { name, NULL };
    *in = NULL;
    *out = NULL;
    kb_status rc = srv_req_body(rq, 0, allowed, in, err);
    return rc == KB_OK ? srv_json_get_str(*in, name, out, err) : rc;
}

/* Guards srv_app.sla, which a reload replaces while requests read it (one app per
 * process). */
static pthread_mutex_t sla_mu = PTHREAD_MUTEX_INITIALIZER;

void srv_app_sla(const srv_app *app, kb_incident_sla *out)
{
    pthread_mutex_lock(&sla_mu);
    *out = app->sla;
    pthread_mutex_unlock(&sla_mu);
}

void srv_app_set_sla(srv_app *app, const kb_incident_sla *sla)
{
    pthread_mutex_lock(&sla_mu);
    app->sla = *sla;
    pthread_mutex_unlock(&sla_mu);
}

static void load_sla(srv_req *rq, int always, srv_sla *out)
{
    memset(out, 0, sizeof *out);
    srv_app_sla(rq->app, &out->sla);
    int business = always;
    for (int i = 0; i < 4; i++)
        business |= out->sla.business[i];
    if (!business)
        return;
    out->zone = kb_date_zone();
    kb_store *s;
    kb_err err;
    kb_status rc = srv_req_store(rq, &s, &err);
    if (rc == KB_OK)
        rc = kb_setting_calendar_load(s, &out->calendar, &err);
    if (rc != KB_OK)
        kb_log(KB_LOG_WARN, "business hours run 7x24 for this request: %s", err.msg);
    out->sla.calendar = out->calendar;
    out->sla.zone = out->zone;
}

kb_status srv_req_status_mask(const char *v, const char *(*name)(unsigned), unsigned n,
                              unsigned open, unsigned *out, kb_err *err)
{
    *out = 0;
    if (strcmp(v, "open") == 0) {
        *out = open;
        return KB_OK;
    }
    for (const char *p = v;;) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        unsigned i = 0;
        while (i < n && !(strlen(name(i)) == len && memcmp(name(i), p, len) == 0))
            i++;
        if (i == n) {
            kb_buf b;
            kb_buf_init(&b, 0);
            for (unsigned k = 0; k < n; k++)
                kb_buf_addf(&b, "%s%s", k ? ", " : "", name(k));
            kb_status rc = kb_err_set(err, KB_EINVAL, "unknown status in '%.60s'; use open or "
                                      "one or more of %s separated by commas", v,
                                      kb_buf_str(&b));
            kb_buf_free(&b);
            return rc;
        }
        *out |= 1u << i;
        if (!comma)
            return KB_OK;
        p = comma + 1;
    }
}

void srv_req_sla(srv_req *rq, srv_sla *out)
{
    load_sla(rq, 0, out);
}

void srv_req_desk_sla(srv_req *rq, srv_sla *out)
{
    load_sla(rq, 1, out);
}

void srv_sla_free(srv_sla *x)
{
    kb_calendar_free(x->calendar);
    kb_tz_free(x->zone);
    x->calendar = NULL;
    x->zone = NULL;
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

kb_status srv_req_on_behalf_of(const srv_req *rq, json_t *o, const char **out, kb_err *err)
{
    const char *given = NULL, *old = NULL;
    kb_status rc = srv_json_get_str(o, "on_behalf_of", &given, err);
    if (rc == KB_OK)
        rc = srv_json_get_str(o, "actor", &old, err);
    if (rc == KB_OK && given && old && strcmp(given, old) != 0)
        rc = kb_err_set(err, KB_EINVAL, "give 'on_behalf_of' or its older name 'actor', not "
                        "both");
    if (!given)
        given = old;
    *out = rc == KB_OK && given && *given && strcasecmp(given, rq->user) != 0 ? given : NULL;
    return rc;
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

/* --- readers of query arguments and path parameters: one wording for every handler --- */

/* Length of v to quote in a message: at most 40 bytes, not cutting a UTF-8 sequence. */
static int quote_len(const char *v)
{
    return (int)srv_utf8_cut(v, strlen(v), 40);
}

const char *srv_req_arg(const srv_req *rq, const char *name)
{
    const char *v = srv_req_query(rq, name);
    return v && *v ? v : NULL;
}

kb_status srv_req_text(const srv_req *rq, const char *name, size_t max, const char **out,
                       kb_err *err)
{
    *out = srv_req_arg(rq, name);
    if (*out && strlen(*out) > max) {
        *out = NULL;
        return kb_err_set(err, KB_EINVAL, "'%s' is longer than %zu bytes", name, max);
    }
    return KB_OK;
}

kb_status srv_req_uint(const srv_req *rq, const char *name, size_t min, size_t max, size_t def,
                       size_t *out, kb_err *err)
{
    assert(min <= max);
    const char *v = srv_req_arg(rq, name);
    *out = def;
    if (!v)
        return KB_OK;
    size_t n;
    if (srv_parse_size(v, max, &n) != 0 || n < min)
        return kb_err_set(err, KB_EINVAL, "'%s' must be a whole number from %zu to %zu, not "
                          "'%.*s'", name, min, max, quote_len(v), v);
    *out = n;
    return KB_OK;
}

kb_status srv_req_limit(const srv_req *rq, size_t def, size_t max, size_t *out, kb_err *err)
{
    return srv_req_uint(rq, "limit", 1, max, def, out, err);
}

kb_status srv_req_offset(const srv_req *rq, size_t max, size_t *out, kb_err *err)
{
    return srv_req_uint(rq, "offset", 0, max, 0, out, err);
}

kb_status srv_req_page(const srv_req *rq, size_t def, size_t max, size_t q_max, srv_page *out,
                       kb_err *err)
{
    memset(out, 0, sizeof *out);
    kb_status rc = srv_req_limit(rq, def, max, &out->limit, err);
    if (rc == KB_OK)
        rc = srv_req_offset(rq, SRV_MAX_OFFSET, &out->offset, err);
    if (rc == KB_OK && q_max)
        rc = srv_req_text(rq, "q", q_max, &out->q, err);
    return rc;
}

json_t *srv_page_json(long long total, const srv_page *p, const char *name, json_t *items)
{
    json_t *o = json_object();
    json_object_set_new(o, "total", json_integer(total));
    json_object_set_new(o, "limit", json_integer((json_int_t)p->limit));
    json_object_set_new(o, "offset", json_integer((json_int_t)p->offset));
    json_object_set_new(o, name, items);
    return o;
}

kb_status srv_req_flag(const srv_req *rq, const char *name, int def, int *out, kb_err *err)
{
    const char *v = srv_req_arg(rq, name);
    *out = def;
    if (!v)
        return KB_OK;
    if (strcmp(v, "1") == 0 || strcmp(v, "true") == 0) {
        *out = 1;
        return KB_OK;
    }
    if (strcmp(v, "0") == 0 || strcmp(v, "false") == 0) {
        *out = 0;
        return KB_OK;
    }
    return kb_err_set(err, KB_EINVAL, "'%s' must be 1 (or true) or 0 (or false), not '%.*s'",
                      name, quote_len(v), v);
}

kb_status srv_req_day(const srv_req *rq, const char *name, const char **text, long long *out,
                      kb_err *err)
{
    const char *v = srv_req_arg(rq, name);
    long long day = 0;
    if (text)
        *text = NULL;
    if (out)
        *out = 0;
    if (!v)
        return KB_OK;
    if (kb_date_parse(v, &day, NULL) != KB_OK)
        return kb_err_set(err, KB_EINVAL, "'%s' must be a date YYYY-MM-DD, not '%.*s'", name,
                          quote_len(v), v);
    if (text)
        *text = v;
    if (out)
        *out = day;
    return KB_OK;
}

kb_status srv_req_path_id(const srv_req *rq, const char *name, const char **out, kb_err *err)
{
    const char *v = srv_req_param(rq, name);
    *out = NULL;
    if (!v || !srv_valid_id(v))
        return kb_err_set(err, KB_EINVAL, "invalid %s '%.*s': use 1 to %u letters, digits, "
                          "'.', '_' or '-'", name, v ? quote_len(v) : 0, v ? v : "",
                          KB_MAX_ID_BYTES);
    *out = v;
    return KB_OK;
}

kb_status srv_req_path_num(const srv_req *rq, const char *name, size_t max, size_t *out,
                           kb_err *err)
{
    const char *v = srv_req_param(rq, name);
    *out = 0;
    if (!v || srv_parse_size(v, max, out) != 0 || *out == 0) {
        *out = 0;
        return kb_err_set(err, KB_EINVAL, "'%s' must be a whole number from 1 to %zu, not "
                          "'%.*s'", name, max, v ? quote_len(v) : 0, v ? v : "");
    }
    return KB_OK;
}

kb_status srv_json_get_int(json_t *o, const char *name, long long min, long long max,
                           int required, long long *out, kb_err *err)
{
    json_t *v = o ? json_object_get(o, name) : NULL;
    if ((!v || json_is_null(v)) && !required)
        return KB_OK;
    if (!json_is_integer(v) || json_integer_value(v) < min || json_integer_value(v) > max)
        return kb_err_set(err, KB_EINVAL, "field '%s' must be a whole number from %lld to %lld",
                          name, min, max);
    *out = json_integer_value(v);
    return KB_OK;
}

kb_status srv_json_get_strs(json_t *o, const char *name, size_t max, const char ***out,
                            size_t *n, kb_err *err)
{
    *out = NULL;
    *n = 0;
    json_t *a = o ? json_object_get(o, name) : NULL;
    if (!a || json_is_null(a))
        return KB_OK;
    if (!json_is_array(a))
        return kb_err_set(err, KB_EINVAL, "field '%s' must be an array of strings", name);
    if (json_array_size(a) > max)
        return kb_err_set(err, KB_EINVAL, "field '%s' holds more than %zu items", name, max);
    size_t k = json_array_size(a);
    const char **v = kb_xcalloc(k ? k : 1, sizeof *v);
    for (size_t i = 0; i < k; i++) {
        json_t *e = json_array_get(a, i);
        if (!json_is_string(e)) {
            free(v);
            return kb_err_set(err, KB_EINVAL, "%s[%zu] must be a string", name, i);
        }
        v[i] = json_string_value(e);
    }
    *out = v;
    *n = k;
    return KB_OK;
}

kb_status srv_json_get_bool(json_t *o, const char *name, int *out, int *present, kb_err *err)
{
    json_t *v = o ? json_object_get(o, name) : NULL;
    if (present)
        *present = 0;
    if (!v || json_is_null(v))
        return KB_OK;
    if (!json_is_boolean(v))
        return kb_err_set(err, KB_EINVAL, "field '%s' must be true or false", name);
    *out = json_is_true(v);
    if (present)
        *present = 1;
    return KB_OK;
}
