/* GET /api/v1/kb/{id} and GET /api/v1/kb-sections. */
#include <string.h>
#include <time.h>

#include "kb_doc.h"
#include "kb_section.h"
#include "kb_store.h"
#include "kb_usage.h"
#include "kb_version.h"
#include "srv.h"

static json_t *fields_json(const kb_doc *d)
{
    json_t *o = json_object();
    for (size_t i = 0; i < d->nfields; i++) {
        const kb_field *f = &d->fields[i];
        json_t *v;
        if (f->is_list) {
            v = json_array();
            for (size_t j = 0; j < f->nvals; j++)
                json_array_append_new(v, srv_json_str(f->vals[j]));
        } else {
            v = srv_json_str(f->nvals ? f->vals[0] : "");
        }
        json_t *key = srv_json_str(f->key); /* the key as valid UTF-8 */
        json_object_set_new(o, json_string_value(key), v);
        json_decref(key);
    }
    return o;
}

kb_status h_kb_get(srv_req *rq, srv_resp *rs, kb_err *err)
{
    const char *id;
    kb_store *s;
    kb_status rc = srv_req_path_id(rq, "id", &id, err);
    if (rc == KB_OK)
        rc = srv_req_store(rq, &s, err);
    if (rc != KB_OK)
        return rc;
    kb_doc *d = NULL;
    rc = kb_store_doc_get(s, id, &d, err);
    if (rc == KB_OK && kb_version_status_wip(d->status) && !srv_reads_wip(rq)) {
        kb_doc_free(d);
        rc = KB_ENOTFOUND;
    }
    if (rc == KB_ENOTFOUND)
        return kb_err_set(err, KB_ENOTFOUND, "no knowledge item with id '%s'", id);
    if (rc != KB_OK)
        return rc;
    json_t *o = json_object();
    json_object_set_new(o, "id", srv_json_str(d->id));
    json_object_set_new(o, "type", srv_json_str(d->type));
    json_object_set_new(o, "title", srv_json_str(d->title));
    json_object_set_new(o, "status", srv_json_str(d->status));
    json_object_set_new(o, "version", srv_json_str(d->version));
    json_object_set_new(o, "updated", srv_json_str(d->updated));
    json_object_set_new(o, "path", srv_json_str(d->path));
    for (size_t i = 0; i < kb_section_count(); i++) {
        const kb_section *sec = kb_section_at(i);
        json_object_set_new(o, sec->key, srv_json_str(kb_section_text(d, sec)));
    }
    json_object_set_new(o, "fields", fields_json(d));
    json_object_set_new(o, "source", srv_json_str(d->source));
    json_object_set_new(o, "html", srv_json_str(d->html));
    /* how the desk used it: incidents it resolved, suggestion feedback */
    kb_usage u;
    if (kb_usage_get(s, d->id, &u, NULL) == KB_OK) {
        json_t *us = json_object();
        json_object_set_new(us, "resolved", json_integer(u.resolved));
        if (u.last_resolved > 0) {
            char when[32];
            time_t t = (time_t)u.last_resolved;
            struct tm tm;
            gmtime_r(&t, &tm);
            strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
            json_object_set_new(us, "last_resolved", json_string(when));
        } else {
            json_object_set_new(us, "last_resolved", json_null());
        }
        json_object_set_new(us, "helpful", json_integer(u.helpful));
        json_object_set_new(us, "not_helpful", json_integer(u.not_helpful));
        json_object_set_new(o, "usage", us);
    }
    kb_doc_free(d);
    rs->json = o;
    return KB_OK;
}

static json_t *strings_json(const char *const *list)
{
    json_t *a = json_array();
    for (size_t i = 0; list[i]; i++)
        json_array_append_new(a, json_string(list[i]));
    return a;
}

/* The known-error sections as the table in kb/section.c has them, for the UI. */
kb_status h_kb_sections(srv_req *rq, srv_resp *rs, kb_err *err)
{
    (void)rq;
    (void)err;
    json_t *a = json_array();
    for (size_t i = 0; i < kb_section_count(); i++) {
        const kb_section *sec = kb_section_at(i);
        json_t *o = json_object();
        json_object_set_new(o, "key", json_string(sec->key));
        json_object_set_new(o, "label", json_pack("{s:s, s:s}", "zh", sec->label_zh, "en",
                                                  sec->label_en));
        json_object_set_new(o, "headings", strings_json(sec->headings));
        json_object_set_new(o, "ticket_headings", strings_json(sec->ticket_headings));
        json_object_set_new(o, "column", json_string(sec->fts_column));
        json_object_set_new(o, "weight", json_real(sec->weight));
        json_array_append_new(a, o);
    }
    rs->json = json_pack("{s:o}", "sections", a);
    return KB_OK;
}
