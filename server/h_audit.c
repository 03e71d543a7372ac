/* The audit trail over HTTP: GET /api/v1/audit (pages of entries, newest first),
 * /api/v1/audit.csv (the same entries as CSV; an export, itself recorded as an
 * audit.export entry) and /api/v1/audit/verify (walks the hash chain). Entries, filters
 * and verification come from kb (kb_audit.h); this file reads the query and writes JSON
 * or CSV. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kb_audit.h"
#include "kb_date.h"
#include "kb_incident.h"
#include "kb_csv.h"
#include "srv.h"

#define DEFAULT_LIMIT 50u
#define MAX_OFFSET 1000000u
#define MAX_EXPORT 50000u

/* Reads the filters of a list or export: actor, action, object (prefix), from and to
 * (days, both included), limit (default def, at most max) and offset. */
static kb_status read_filter(const srv_req *rq, size_t def, size_t max, kb_audit_filter *f,
                             kb_err *err)
{
    memset(f, 0, sizeof *f);
    static const char *const names[] = { "actor", "action", "object" };
    const char **slots[] = { &f->actor, &f->action, &f->object };
    kb_status rc = KB_OK;
    for (int i = 0; i < 3 && rc == KB_OK; i++)
        rc = srv_req_text(rq, names[i], KB_AUDIT_MAX_FIELD, slots[i], err);
    long long from, to;
    const char *from_text, *to_text;
    if (rc == KB_OK)
        rc = srv_req_day(rq, "from", &from_text, &from, err);
    if (rc == KB_OK)
        rc = srv_req_day(rq, "to", &to_text, &to, err);
    if (rc != KB_OK)
        return rc;
    if (from && to && to < from)
        return kb_err_set(err, KB_EINVAL, "'to' (%s) is before 'from' (%s)", to_text,
                          from_text);
    f->from = from;
    f->to = to ? kb_date_add_days(to, 1) : 0;
    f->max_limit = max;
    rc = srv_req_limit(rq, def, max, &f->limit, err);
    if (rc == KB_OK)
        rc = srv_req_offset(rq, MAX_OFFSET, &f->offset, err);
    return rc;
}

static void time_text(long long t, char out[32])
{
    kb_incident_format_time(t, out, 32);
}

static json_t *entry_json(const kb_audit_entry *e)
{
    char at[32];
    time_text(e->at, at);
    json_t *o = json_object();
    json_object_set_new(o, "seq", json_integer(e->seq));
    json_object_set_new(o, "at", json_string(at));
    json_object_set_new(o, "actor", srv_json_str(e->actor));
    json_object_set_new(o, "action", srv_json_str(e->action));
    json_object_set_new(o, "object", srv_json_str(e->object));
    json_object_set_new(o, "summary", srv_json_str(e->summary));
    json_object_set_new(o, "prev", srv_json_str(e->prev));
    json_object_set_new(o, "hash", srv_json_str(e->hash));
    return o;
}

/* GET /api/v1/audit?actor=&action=&object=&from=&to=&limit=&offset= */
kb_status h_audit_list(srv_req *rq, srv_resp *rs, kb_err *err)
{
    kb_audit_filter f;
    kb_status rc = read_filter(rq, DEFAULT_LIMIT, KB_AUDIT_MAX_LIMIT, &f, err);
    kb_store *s = NULL;
    if (rc == KB_OK)
        rc = srv_req_store(rq, &s, err);
    kb_audit_page *p = NULL;
    if (rc == KB_OK)
        rc = kb_audit_list(s, &f, &p, err);
    if (rc != KB_OK)
        return rc;
    json_t *a = json_array();
    for (size_t i = 0; i < p->n; i++)
        json_array_append_new(a, entry_json(&p->items[i]));
    json_t *o = json_object();
    json_object_set_new(o, "total", json_integer(p->total));
    json_object_set_new(o, "limit", json_integer((json_int_t)f.limit));
    json_object_set_new(o, "offset", json_integer((json_int_t)f.offset));
    json_object_set_new(o, "entries", a);
    kb_audit_page_free(p);
    rs->json = o;
    return KB_OK;
}

/* --- CSV --- */

static void csv_entry(kb_buf *b, const kb_audit_entry *e)
{
    char seq[32], at[32];
    snprintf(seq, sizeof seq, "%lld", e->seq);
    time_text(e->at, at);
    const char *fields[] = { seq, at, e->actor, e->action, e->object, e->summary, e->prev,
                             e->hash };
    kb_csv_row(b, fields, sizeof fields / sizeof fields[0]);
}

/* What an export covered, for its audit entry: "csv, 12 entries; actor=desk from=...". */
static void export_summary(const srv_req *rq, size_t n, long long total, kb_buf *b)
{
    kb_buf_addf(b, "csv, %zu of %lld entries", n, total);
    static const char *const names[] = { "actor", "action", "object", "from", "to", "limit",
                                         "offset" };
    int first = 1;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        const char *v = srv_req_arg(rq, names[i]);
        if (!v)
            continue;
        kb_buf_addf(b, "%s%s=%s", first ? "; " : " ", names[i], v);
        first = 0;
    }
}

/* GET /api/v1/audit.csv: the same filters; limit defaults to and is at most MAX_EXPORT. */
kb_status h_audit_csv(srv_req *rq, srv_resp *rs, kb_err *err)
{
    kb_audit_filter f;
    long long now = 0;
    kb_status rc = read_filter(rq, MAX_EXPORT, MAX_EXPORT, &f, err);
    if (rc == KB_OK)
        rc = srv_now(&now, err);
    kb_store *s = NULL;
    if (rc == KB_OK)
        rc = srv_req_store(rq, &s, err);
    kb_audit_page *p = NULL;
    if (rc == KB_OK)
        rc = kb_audit_list(s, &f, &p, err);
    if (rc != KB_OK)
        return rc;
    kb_buf b;
    kb_buf_init(&b, 0);
    kb_buf_adds(&b, KB_CSV_BOM);
    kb_buf_adds(&b, "seq,at,actor,action,object,summary,prev,hash\r\n");
    for (size_t i = 0; i < p->n; i++)
        csv_entry(&b, &p->items[i]);
    /* An export is recorded before it is served: no entry, no export. (HEAD sends no
     * entries.) */
    if (strcmp(rq->method, "HEAD") != 0) {
        kb_buf what;
        kb_buf_init(&what, 0);
        export_summary(rq, p->n, p->total, &what);
        rc = kb_audit_append(s, now, rq->user[0] ? rq->user : NULL, "audit.export", "audit",
                             kb_buf_str(&what), err);
        kb_buf_free(&what);
    }
    kb_audit_page_free(p);
    if (rc != KB_OK) {
        kb_buf_free(&b);
        return rc;
    }
    rs->body = kb_buf_detach(&b, &rs->body_len);
    rs->content_type = KB_CSV_TYPE;
    kb_buf_free(&b);
    return KB_OK;
}

/* GET /api/v1/audit/verify */
kb_status h_audit_verify(srv_req *rq, srv_resp *rs, kb_err *err)
{
    kb_store *s = NULL;
    kb_status rc = srv_req_store(rq, &s, err);
    kb_audit_check c;
    if (rc == KB_OK)
        rc = kb_audit_verify(s, &c, err);
    if (rc != KB_OK)
        return rc;
    json_t *o = json_object();
    json_object_set_new(o, "ok", json_boolean(c.ok));
    json_object_set_new(o, "entries", json_integer(c.entries));
    if (c.ok) {
        json_object_set_new(o, "first_bad", json_null());
    } else {
        json_t *b = json_object();
        json_object_set_new(b, "seq", json_integer(c.first_bad));
        json_object_set_new(b, "reason", json_string(kb_audit_problem_name(c.problem)));
        json_object_set_new(b, "message", srv_json_str(c.why));
        json_object_set_new(o, "first_bad", b);
    }
    json_t *h = json_object();
    json_object_set_new(h, "seq", json_integer(c.head_seq));
    json_object_set_new(h, "hash", srv_json_str(c.head_hash));
    json_object_set_new(o, "head", h);
    if (c.saved) {
        char at[32];
        time_text(c.saved_at, at);
        json_t *sv = json_object();
        json_object_set_new(sv, "seq", json_integer(c.saved_seq));
        json_object_set_new(sv, "hash", srv_json_str(c.saved_hash));
        json_object_set_new(sv, "at", json_string(at));
        json_object_set_new(o, "saved_head", sv);
    } else {
        json_object_set_new(o, "saved_head", json_null());
    }
    rs->json = o;
    return KB_OK;
}
