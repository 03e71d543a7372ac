/* The census endpoints: /api/v1/censuses (list, start a campaign), /api/v1/censuses/{id}
 * (its report: per department what was found, is missing and moved),
 * /api/v1/censuses/{id}/assets (a page of one of those lists) and
 * /api/v1/censuses/{id}/import (a spreadsheet as the raw request body, a route with
 * SRV_BODY_RAW; dry_run=1 shows what would change). Rules and SQL: kb_census.h. */
#include <stdlib.h>
#include <string.h>

#include "kb_asset.h"
#include "kb_census.h"
#include "srv.h"

#define MAX_CENSUS_ID 1000000000000ull
#define MAX_CHARSET 40u
#define MAX_SHEET 200u

static json_t *census_json(const kb_census *c)
{
    json_t *o = json_object();
    json_object_set_new(o, "id", json_integer(c->id));
    json_object_set_new(o, "name", srv_json_str(c->name));
    json_object_set_new(o, "created_by", srv_json_str(c->created_by));
    json_object_set_new(o, "created_at", srv_json_time(c->created_at));
    json_object_set_new(o, "imports", json_integer((json_int_t)c->imports));
    json_object_set_new(o, "seen", json_integer((json_int_t)c->seen));
    return o;
}

kb_status h_census_list(srv_req *rq, srv_resp *rs, kb_err *err)
{
    kb_store *s = NULL;
    kb_status rc = srv_req_store(rq, &s, err);
    kb_census **v = NULL;
    size_t n = 0;
    if (rc == KB_OK)
        rc = kb_census_list(s, &v, &n, err);
    if (rc != KB_OK)
        return rc;
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(a, census_json(v[i]));
    kb_census_list_free(v, n);
    rs->json = json_pack("{s:o}", "censuses", a);
    return KB_OK;
}

kb_status h_census_create(srv_req *rq, srv_resp *rs, kb_err *err)
{
    json_t *o = NULL;
    const char *name = NULL;
    long long now = 0;
    kb_store *s = NULL;
    kb_status rc = srv_req_body_str(rq, "name", &o, &name, err);
    if (rc == KB_OK)
        rc = srv_req_store_now(rq, &s, &now, err);
    kb_census *c = NULL;
    if (rc == KB_OK)
        rc = kb_census_create(s, name, rq->user, now, &c, err);
    json_decref(o);
    if (rc != KB_OK)
        return rc;
    rs->json = census_json(c);
    rs->status = 201;
    kb_census_free(c);
    return KB_OK;
}

/* The campaign's id from the path: a malformed one is 400, an unknown one 404. */
static kb_status path_census(srv_req *rq, long long *id, kb_err *err)
{
    size_t n = 0;
    kb_status rc = srv_req_path_num(rq, "id", MAX_CENSUS_ID, &n, err);
    *id = (long long)n;
    return rc;
}

static json_t *place_json(const char *department, const char *location, const char *user)
{
    json_t *o = json_object();
    json_object_set_new(o, "department", srv_json_str(department));
    json_object_set_new(o, "location", srv_json_str(location));
    json_object_set_new(o, "user", srv_json_str(user));
    return o;
}

static json_t *items_json(const kb_census_item *v, size_t n, int seen)
{
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++) {
        const kb_census_item *it = &v[i];
        json_t *o = json_object();
        json_object_set_new(o, "tag", srv_json_str(it->tag));
        json_object_set_new(o, "class", srv_json_str(it->cls));
        json_object_set_new(o, "model", srv_json_str(it->model));
        json_object_set_new(o, "department", srv_json_str(it->department));
        json_object_set_new(o, "location", srv_json_str(it->location));
        json_object_set_new(o, "user", srv_json_str(it->user));
        if (seen) {
            json_object_set_new(o, "was", place_json(it->was_department, it->was_location,
                                                     it->was_user));
            json_object_set_new(o, "new", json_boolean(it->is_new));
            json_object_set_new(o, "line", json_integer((json_int_t)it->line));
            json_object_set_new(o, "seen_at", srv_json_time(it->seen_at));
            json_object_set_new(o, "seen_by", srv_json_str(it->seen_by));
        }
        json_array_append_new(a, o);
    }
    return a;
}

kb_status h_census_get(srv_req *rq, srv_resp *rs, kb_err *err)
{
    long long id = 0;
    kb_status rc = path_census(rq, &id, err);
    kb_store *s = NULL;
    if (rc == KB_OK)
        rc = srv_req_store(rq, &s, err);
    kb_census_report *r = NULL;
    if (rc == KB_OK)
        rc = kb_census_report_get(s, id, &r, err);
    if (rc != KB_OK)
        return rc;
    json_t *o = census_json(r->census);
    json_object_set_new(o, "totals", json_pack("{s:I, s:I, s:I, s:I}", "found",
                                               (json_int_t)r->found, "missing",
                                               (json_int_t)r->missing, "moved",
                                               (json_int_t)r->moved, "new",
                                               (json_int_t)r->added));
    json_t *depts = json_array();
    for (size_t i = 0; i < r->ndepts; i++) {
        const kb_census_dept *d = &r->depts[i];
        json_array_append_new(depts, json_pack("{s:o, s:I, s:I, s:I, s:I}", "department",
                                               srv_json_str(d->department), "found",
                                               (json_int_t)d->found, "missing",
                                               (json_int_t)d->missing, "moved",
                                               (json_int_t)d->moved, "new",
                                               (json_int_t)d->added));
    }
    json_object_set_new(o, "departments", depts);
    json_t *imports = json_array();
    for (size_t i = 0; i < r->nimports; i++) {
        const kb_census_import_log *l = &r->imports[i];
        json_array_append_new(imports, json_pack(
            "{s:o, s:o, s:o, s:o, s:o, s:I, s:I, s:I, s:I, s:I}", "at", srv_json_time(l->at),
            "actor", srv_json_str(l->actor), "file_name", srv_json_str(l->file_name), "format",
            srv_json_str(l->format), "sha256", srv_json_str(l->sha256), "rows",
            (json_int_t)l->rows, "created", (json_int_t)l->created, "updated",
            (json_int_t)l->updated, "unchanged", (json_int_t)l->unchanged, "bad",
            (json_int_t)l->bad));
    }
    json_object_set_new(o, "imports", imports);
    kb_census_report_free(r);
    rs->json = o;
    return KB_OK;
}

kb_status h_census_assets(srv_req *rq, srv_resp *rs, kb_err *err)
{
    long long id = 0;
    kb_status rc = path_census(rq, &id, err);
    srv_page pg;
    if (rc == KB_OK)
        rc = srv_req_page(rq, KB_CENSUS_DEF_LIMIT, KB_CENSUS_MAX_LIMIT, 0, &pg, err);
    const char *dept = NULL, *list = srv_req_arg(rq, "list");
    if (rc == KB_OK)
        rc = srv_req_text(rq, "department", KB_ASSET_MAX_TEXT, &dept, err);
    int which = list ? kb_census_list_of(list) : -1;
    if (rc == KB_OK && which < 0)
        rc = kb_err_set(err, KB_EINVAL, "invalid 'list': '%.40s'; use found, missing or moved",
                        list ? list : "");
    kb_store *s = NULL;
    if (rc == KB_OK)
        rc = srv_req_store(rq, &s, err);
    kb_census_items *l = NULL;
    if (rc == KB_OK)
        rc = kb_census_assets(s, id, which, dept, pg.limit, pg.offset, &l, err);
    if (rc != KB_OK)
        return rc;
    json_t *a = items_json(l->items, l->n, which != KB_CENSUS_LIST_missing);
    json_t *o = srv_page_json(l->total, &pg, "assets", a);
    json_object_set_new(o, "list", json_string(kb_census_list_name(which)));
    json_object_set_new(o, "department", dept ? srv_json_str(dept) : json_null());
    kb_census_items_free(l);
    rs->json = o;
    return KB_OK;
}

/* The explicit mapping: query arguments map.FIELD=HEADER (an empty header leaves the field
 * out). */
static kb_status read_map(const srv_req *rq, const char *map[KB_CENSUS_NFIELDS], kb_err *err)
{
    for (size_t i = 0; i < rq->nquery; i++) {
        const char *name = rq->query[i].name;
        if (strncmp(name, "map.", 4) != 0)
            continue;
        int f = kb_census_field_of(name + 4);
        if (f < 0)
            return kb_err_set(err, KB_EINVAL, "invalid '%.40s': map.FIELD names a field: tag, "
                              "serial, class, brand, model, user, department, location, "
                              "supplier, purchase_date, warranty_end, status, cpu, memory, "
                              "disk, os or notes", name);
        if (map[f])
            return kb_err_set(err, KB_EINVAL, "invalid '%.40s': given twice", name);
        map[f] = rq->query[i].value;
    }
    return KB_OK;
}

static json_t *result_json(const kb_census_result *r, int dry_run, long long census)
{
    json_t *o = json_object();
    json_object_set_new(o, "dry_run", json_boolean(dry_run));
    json_object_set_new(o, "census", census ? json_integer(census) : json_null());
    json_object_set_new(o, "format", srv_json_str(r->format));
    json_object_set_new(o, "charset", srv_json_str(r->charset));
    json_object_set_new(o, "sheet", srv_json_str(r->sheet));
    json_object_set_new(o, "sha256", srv_json_str(r->sha256));
    json_object_set_new(o, "header_line", json_integer((json_int_t)r->header_line));
    json_t *cols = json_array();
    for (size_t i = 0; i < r->ncolumns; i++) {
        const kb_census_column *c = &r->columns[i];
        const char *f = kb_census_field_name(c->field);
        json_array_append_new(cols, json_pack("{s:o, s:I, s:o, s:b}", "header",
                                              srv_json_str(c->header), "column",
                                              (json_int_t)c->column, "field",
                                              f ? srv_json_str(f) : json_null(), "mapped",
                                              c->mapped));
    }
    json_object_set_new(o, "columns", cols);
    const struct {
        const char *name;
        size_t n;
    } counts[] = { { "rows", r->rows },           { "created", r->created },
                   { "updated", r->updated },     { "unchanged", r->unchanged },
                   { "bad", r->bad },             { "seen_new", r->seen_new } };
    for (size_t i = 0; i < sizeof counts / sizeof counts[0]; i++)
        json_object_set_new(o, counts[i].name, json_integer((json_int_t)counts[i].n));
    json_t *changes = json_array();
    for (size_t i = 0; i < r->nchanges; i++) {
        const kb_census_change *c = &r->changes[i];
        json_t *fields = json_array();
        for (size_t k = 0; k < c->ndeltas; k++)
            json_array_append_new(fields, json_pack(
                "{s:s, s:o, s:o}", "field", kb_census_field_name(c->deltas[k].field), "from",
                srv_json_str(c->deltas[k].from), "to", srv_json_str(c->deltas[k].to)));
        json_array_append_new(changes, json_pack("{s:I, s:o, s:s, s:o}", "line",
                                                 (json_int_t)c->line, "tag",
                                                 srv_json_str(c->tag), "action",
                                                 c->created ? "create" : "update", "fields",
                                                 fields));
    }
    json_object_set_new(o, "changes", changes);
    json_t *problems = json_array();
    for (size_t i = 0; i < r->nproblems; i++)
        json_array_append_new(problems, json_pack("{s:I, s:o, s:o}", "line",
                                                  (json_int_t)r->problems[i].line, "message",
                                                  srv_json_str(r->problems[i].msg),
                                                  "message_zh",
                                                  srv_json_str(r->problems[i].msg_zh)));
    json_object_set_new(o, "problems", problems);
    return o;
}

kb_status h_census_import(srv_req *rq, srv_resp *rs, kb_err *err)
{
    kb_census_options opt;
    memset(&opt, 0, sizeof opt);
    int dry = 0;
    kb_status rc = path_census(rq, &opt.census, err);
    if (rc == KB_OK)
        rc = srv_req_flag(rq, "dry_run", 0, &dry, err);
    if (rc == KB_OK)
        rc = srv_req_text(rq, "name", KB_CENSUS_MAX_FILE_NAME, &opt.file_name, err);
    if (rc == KB_OK)
        rc = srv_req_text(rq, "charset", MAX_CHARSET, &opt.charset, err);
    if (rc == KB_OK)
        rc = srv_req_text(rq, "sheet", MAX_SHEET, &opt.sheet, err);
    if (rc == KB_OK)
        rc = read_map(rq, opt.map, err);
    kb_store *s = NULL;
    long long now = 0;
    if (rc == KB_OK)
        rc = srv_req_store_now(rq, &s, &now, err);
    opt.dry_run = dry;
    opt.actor = rq->user;
    opt.admin = (rq->roles & KB_ROLE_ADMIN) != 0;
    kb_census_result *r = NULL;
    if (rc == KB_OK)
        rc = kb_census_import(s, rq->body.data, rq->body.len, &opt, now, &r, err);
    if (rc != KB_OK)
        return rc;
    rs->json = result_json(r, dry, opt.census);
    kb_census_result_free(r);
    return KB_OK;
}
