/* Attachments over HTTP: /api/v1/incidents/{number}/attachments...,
 * /api/v1/requests/{number}/attachments... and /api/v1/kb/{id}/attachments... Whoever may
 * read the owner lists and downloads its attachments; whoever may work it (an incident:
 * agents, admins, engineers on their incidents; a service request: agents, admins, its
 * requester and engineers on their requests; a maintenance task: admins and the engineers
 * of its group while it is open; a knowledge item: engineers and admins) adds and deletes
 * them. The file is
 * the raw request body (a route with SRV_BODY_RAW), its name the query argument name; the
 * type the client sends is ignored (kb_attach_sniff decides). Downloads always go out as
 * attachments with the sniffed type (http.c adds nosniff and a sandboxing CSP); only
 * thumbnails (PNG made by kedb) are shown inline. Rules and SQL: kb_attach.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kb_attach.h"
#include "kb_doc.h"
#include "kb_incident.h"
#include "kb_maint.h"
#include "kb_request.h"
#include "kb_version.h"
#include "srv.h"

#define MAX_ATTACHMENT_ID 1000000000000000ull
#define MAX_VERSION 1000000000u

/* The owner of the request's attachments: kind, its id and where its routes live. */
typedef struct {
    const char *kind;
    const char *id;
    const char *base; /* "incidents", "requests", "maintenance/tasks" or "kb" */
    char num[24];     /* a maintenance task's id as text */
    kb_version_list versions; /* a knowledge item's versions the caller may read */
} owner;

/* Whether the caller may see a file that is the copy of version n (0: of no version):
 * the copies of work in progress are read as the version is (srv_versions_readable). */
static int version_readable(const owner *o, long long n)
{
    if (n == 0)
        return 1;
    for (size_t i = 0; i < o->versions.n; i++)
        if (o->versions.v[i].n == n)
            return 1;
    return 0;
}

/* The owner named by the path; KB_ENOTFOUND when the caller may not read it. With write,
 * also KB_EDENIED when the caller may not work it. */
static kb_status get_owner(srv_req *rq, const char *kind, int write, owner *o, kb_store **s,
                           kb_err *err)
{
    memset(o, 0, sizeof *o);
    o->kind = kind;
    kb_status rc;
    if (strcmp(kind, KB_ATTACH_INCIDENT) == 0) {
        o->base = "incidents";
        o->id = srv_req_param(rq, "number");
        if (!o->id || !kb_incident_number_valid(o->id))
            return kb_err_set(err, KB_EINVAL, "invalid incident number '%.40s'; use "
                              "INC-YYYYMMDD-NNNN", o->id ? o->id : "");
        rc = srv_req_store(rq, s, err);
        kb_incident *inc = NULL;
        if (rc == KB_OK)
            rc = kb_incident_get(*s, o->id, &inc, err);
        /* engineers work the incidents of their own and their groups' (as PATCH) */
        if (rc == KB_OK && write && !(rq->roles & (KB_ROLE_AGENT | KB_ROLE_ADMIN)))
            rc = kb_incident_check_scope(*s, inc, rq->user, err);
        kb_incident_free(inc);
        return rc;
    }
    if (strcmp(kind, KB_ATTACH_REQUEST) == 0) {
        o->base = "requests";
        o->id = srv_req_param(rq, "request");
        if (!o->id || !kb_desk_number_valid(o->id, "REQ"))
            return kb_err_set(err, KB_EINVAL, "invalid request number '%.40s': use "
                              "REQ-YYYYMMDD-NNNN", o->id ? o->id : "");
        rc = srv_req_store(rq, s, err);
        kb_request *r = NULL;
        if (rc == KB_OK)
            rc = kb_request_get(*s, o->id, &r, err);
        /* its requester and those who work it (as PATCH), not every role that makes requests */
        kb_req_act act = { rq->user, rq->roles, NULL };
        if (rc == KB_OK && write)
            rc = kb_request_check_files(*s, r, &act, err);
        kb_request_free(r);
        return rc;
    }
    if (strcmp(kind, KB_ATTACH_MAINT) == 0) {
        o->base = "maintenance/tasks";
        size_t id = 0;
        rc = srv_req_path_num(rq, "task", 1000000000000000u, &id, err);
        snprintf(o->num, sizeof o->num, "%zu", id);
        o->id = o->num;
        if (rc == KB_OK)
            rc = srv_req_store(rq, s, err);
        /* engineers add and delete the photos of their groups' open tasks */
        if (rc == KB_OK && write)
            rc = srv_maint_check_photo(rq, *s, (long long)id, err);
        else if (rc == KB_OK) {
            kb_maint_task *t = NULL;
            rc = kb_maint_task_get(*s, (long long)id, &t, err);
            kb_maint_task_free(t);
        }
        return rc;
    }
    o->base = "kb";
    rc = srv_req_path_id(rq, "id", &o->id, err);
    if (rc == KB_OK)
        rc = srv_req_store(rq, s, err);
    kb_doc *d = NULL;
    int searchable = 0;
    if (rc == KB_OK) {
        rc = kb_store_doc_get(*s, o->id, &d, err);
        searchable = rc == KB_OK;
    }
    /* work in progress does not exist for those who may not read it (h_kb.c) */
    if (rc == KB_OK && kb_version_status_wip(d->status) && !srv_reads_wip(rq))
        rc = KB_ENOTFOUND;
    kb_doc_free(d);
    /* its versions the caller may read (tickets have none); a new document's draft has
     * versions only, and is found by those who may read it */
    if (rc == KB_OK || (rc == KB_ENOTFOUND && !searchable && *s)) {
        kb_status vr = kb_version_list_of(*s, o->id, &o->versions, err);
        if (vr == KB_OK)
            srv_versions_readable(rq, &o->versions);
        else if (vr != KB_ENOTFOUND)
            return vr;
        if (rc == KB_ENOTFOUND && o->versions.n > 0)
            rc = KB_OK;
    }
    if (rc == KB_ENOTFOUND)
        return kb_err_set(err, KB_ENOTFOUND, "no knowledge item with id '%s'", o->id);
    return rc;
}

/* The owner kind of the route: incidents name theirs ":number", service requests
 * ":request", maintenance tasks ":task", knowledge items ":id". */
static const char *kind_of(const srv_req *rq)
{
    if (srv_req_param(rq, "task"))
        return KB_ATTACH_MAINT;
    if (srv_req_param(rq, "request"))
        return KB_ATTACH_REQUEST;
    return srv_req_param(rq, "number") ? KB_ATTACH_INCIDENT : KB_ATTACH_KB;
}

static json_t *attachment_json(const owner *o, const kb_attachment *a)
{
    json_t *j = json_object();
    char url[512];
    snprintf(url, sizeof url, "/api/v1/%s/%s/attachments/%lld", o->base, o->id, a->id);
    json_object_set_new(j, "id", json_integer(a->id));
    json_object_set_new(j, "name", srv_json_str(a->name));
    json_object_set_new(j, "type", srv_json_str(a->type));
    json_object_set_new(j, "charset", a->charset[0] ? srv_json_str(a->charset) : json_null());
    json_object_set_new(j, "size", json_integer(a->size));
    json_object_set_new(j, "sha256", srv_json_str(a->hash));
    json_object_set_new(j, "width", a->width ? json_integer(a->width) : json_null());
    json_object_set_new(j, "height", a->height ? json_integer(a->height) : json_null());
    json_object_set_new(j, "searchable", json_boolean(a->has_text));
    json_object_set_new(j, "version", a->version ? json_integer(a->version) : json_null());
    if (a->warning)
        json_object_set_new(j, "warning", srv_json_str(a->warning));
    json_object_set_new(j, "created_by", srv_json_str(a->created_by));
    json_object_set_new(j, "created_at", srv_json_time(a->created_at));
    json_object_set_new(j, "url", srv_json_str(url));
    if (a->has_thumb) {
        char thumb[560];
        snprintf(thumb, sizeof thumb, "%s/thumbnail", url);
        json_object_set_new(j, "thumbnail_url", srv_json_str(thumb));
    } else {
        json_object_set_new(j, "thumbnail_url", json_null());
    }
    return j;
}

static kb_status attach_list(srv_req *rq, srv_resp *rs, const char *kind, kb_err *err)
{
    owner o;
    memset(&o, 0, sizeof o);
    kb_store *s = NULL;
    size_t version = 0;
    kb_status rc = srv_req_uint(rq, "version", 1, MAX_VERSION, 0, &version, err);
    if (rc == KB_OK)
        rc = get_owner(rq, kind, 0, &o, &s, err);
    kb_attachment_list *l = NULL;
    if (rc == KB_OK)
        rc = kb_attach_list(s, o.kind, o.id, &l, err);
    if (rc != KB_OK) {
        kb_version_list_free(&o.versions);
        return rc;
    }
    /* count and bytes stay the owner's (its limits); the list shows what the caller may
     * read, of one version when asked */
    json_t *a = json_array();
    for (size_t i = 0; i < l->n; i++)
        if (version_readable(&o, l->items[i].version) &&
            (!version || l->items[i].version == (long long)version))
            json_array_append_new(a, attachment_json(&o, &l->items[i]));
    kb_version_list_free(&o.versions);
    rs->json = json_pack("{s:o, s:I, s:I, s:I, s:I, s:I}", "attachments", a, "count",
                         (json_int_t)l->n, "total_bytes", (json_int_t)l->total, "max_count",
                         (json_int_t)KB_ATTACH_MAX_COUNT, "max_total_bytes",
                         (json_int_t)KB_ATTACH_MAX_TOTAL, "max_file_bytes",
                         (json_int_t)rq->app->max_upload);
    kb_attachment_list_free(l);
    return KB_OK;
}

static kb_status attach_add(srv_req *rq, srv_resp *rs, const char *kind, kb_err *err)
{
    const char *name = NULL;
    size_t version = 0;
    kb_status rc = srv_req_text(rq, "name", KB_ATTACH_MAX_NAME, &name, err);
    if (rc == KB_OK && !name)
        rc = kb_err_set(err, KB_EINVAL, "give the file's name as the query argument 'name' "
                        "and the file as the request body");
    if (rc == KB_OK)
        rc = srv_req_uint(rq, "version", 1, MAX_VERSION, 0, &version, err);
    owner o;
    memset(&o, 0, sizeof o);
    kb_store *s = NULL;
    long long now = 0;
    if (rc == KB_OK)
        rc = get_owner(rq, kind, 1, &o, &s, err);
    if (rc == KB_OK && version && strcmp(o.kind, KB_ATTACH_KB) == 0 &&
        !version_readable(&o, (long long)version))
        rc = kb_err_set(err, KB_ENOTFOUND, "'%.64s' has no version %lld", o.id,
                        (long long)version);
    if (rc == KB_OK)
        rc = srv_now(&now, err);
    kb_attachment *a = NULL;
    if (rc == KB_OK) {
        kb_attach_in in = { .owner_kind = o.kind, .owner_id = o.id, .name = name,
                            .data = rq->body.data, .len = rq->body.len,
                            .max_bytes = rq->app->max_upload, .actor = rq->user,
                            .version = (long long)version };
        rc = kb_attach_add(s, &in, now, &a, err);
    }
    kb_version_list_free(&o.versions);
    if (rc != KB_OK)
        return rc;
    rs->json = attachment_json(&o, a);
    rs->status = 201;
    kb_attachment_free(a);
    return KB_OK;
}

/* The sniffed types as the static strings a response needs. */
static const char *content_type(const kb_attachment *a)
{
    static const char *const types[] = {
        "image/png", "image/jpeg", "image/gif", "image/webp", "application/pdf",
        "application/zip", "application/vnd.ms-office",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    };
    if (strcmp(a->type, "text/plain") == 0) {
        if (strcmp(a->charset, "gb18030") == 0)
            return "text/plain; charset=gb18030";
        if (strcmp(a->charset, "utf-16") == 0)
            return "text/plain; charset=utf-16";
        return "text/plain; charset=utf-8";
    }
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
        if (strcmp(a->type, types[i]) == 0)
            return types[i];
    return "application/octet-stream";
}

static kb_status attach_get(srv_req *rq, srv_resp *rs, const char *kind, int thumb,
                            kb_err *err)
{
    owner o;
    memset(&o, 0, sizeof o);
    kb_store *s = NULL;
    size_t aid = 0;
    kb_status rc = srv_req_path_num(rq, "att", MAX_ATTACHMENT_ID, &aid, err);
    if (rc == KB_OK)
        rc = get_owner(rq, kind, 0, &o, &s, err);
    kb_attachment *a = NULL;
    void *data = NULL;
    size_t len = 0;
    if (rc == KB_OK)
        rc = kb_attach_read(s, o.kind, o.id, (long long)aid, thumb, &a, &data, &len, err);
    if (rc == KB_OK && !version_readable(&o, a->version)) {
        kb_attachment_free(a);
        free(data);
        rc = kb_err_set(err, KB_ENOTFOUND, "no attachment %lld on %s '%.64s'", (long long)aid,
                        o.kind, o.id);
    }
    kb_version_list_free(&o.versions);
    if (rc != KB_OK)
        return rc;
    rs->body = data;
    rs->body_len = len;
    if (thumb) {
        rs->content_type = "image/png";
        rs->show_inline = 1;
        snprintf(rs->filename, sizeof rs->filename, "thumbnail-%lld.png", a->id);
    } else {
        rs->content_type = content_type(a);
        snprintf(rs->filename, sizeof rs->filename, "%s", a->name);
    }
    kb_attachment_free(a);
    return KB_OK;
}

static kb_status attach_delete(srv_req *rq, srv_resp *rs, const char *kind, kb_err *err)
{
    owner o;
    memset(&o, 0, sizeof o);
    kb_store *s = NULL;
    size_t aid = 0;
    long long now = 0;
    kb_status rc = srv_req_path_num(rq, "att", MAX_ATTACHMENT_ID, &aid, err);
    if (rc == KB_OK)
        rc = get_owner(rq, kind, 1, &o, &s, err);
    kb_version_list_free(&o.versions);
    if (rc == KB_OK)
        rc = srv_now(&now, err);
    if (rc == KB_OK)
        rc = kb_attach_delete(s, o.kind, o.id, (long long)aid, rq->user, now, err);
    if (rc != KB_OK)
        return rc;
    rs->json = json_pack("{s:b, s:I}", "deleted", 1, "id", (json_int_t)aid);
    return KB_OK;
}

kb_status h_attach_list(srv_req *rq, srv_resp *rs, kb_err *err)
{
    return attach_list(rq, rs, kind_of(rq), err);
}

kb_status h_attach_add(srv_req *rq, srv_resp *rs, kb_err *err)
{
    return attach_add(rq, rs, kind_of(rq), err);
}

kb_status h_attach_get(srv_req *rq, srv_resp *rs, kb_err *err)
{
    return attach_get(rq, rs, kind_of(rq), 0, err);
}

kb_status h_attach_thumb(srv_req *rq, srv_resp *rs, kb_err *err)
{
    return attach_get(rq, rs, kind_of(rq), 1, err);
}

kb_status h_attach_delete(srv_req *rq, srv_resp *rs, kb_err *err)
{
    return attach_delete(rq, rs, kind_of(rq), err);
}

kb_status srv_attach_version_files(kb_store *s, const char *id, json_t *versions, kb_err *err)
{
    kb_attachment_list *l = NULL;
    kb_status rc = kb_attach_list(s, KB_ATTACH_KB, id, &l, err);
    if (rc != KB_OK)
        return rc;
    owner o;
    memset(&o, 0, sizeof o);
    o.kind = KB_ATTACH_KB;
    o.id = id;
    o.base = "kb";
    for (size_t v = 0; v < json_array_size(versions); v++) {
        json_t *version = json_array_get(versions, v);
        json_int_t n = json_integer_value(json_object_get(version, "n"));
        json_t *a = json_array();
        for (size_t i = 0; i < l->n; i++)
            if (l->items[i].version == (long long)n)
                json_array_append_new(a, attachment_json(&o, &l->items[i]));
        json_object_set_new(version, "files", a);
    }
    kb_attachment_list_free(l);
    return KB_OK;
}
