#ifndef SRV_H
#define SRV_H
/* Server-internal types shared by the HTTP layer (http.c), the route table (routes.c) and
 * the handlers (h_*.c). Handlers see only this header: they never call MHD_*. */
#include <netinet/in.h>
#include <stdatomic.h>
#include <stddef.h>

#include <jansson.h>

#include "kb_buf.h"
#include "kb_complaint.h"
#include "kb_err.h"
#include "kb_hash.h"
#include "kb_incident.h"
#include "kb_meeting.h"
#include "kb_report.h"
#include "kb_store.h"
#include "kb_version.h"
#include "kb_user.h"

/* Limits enforced by http.c before any handler runs. */
#define SRV_MAX_TARGET 8192u          /* path + query in bytes; longer: 414 */
#define SRV_MAX_BODY (1024u * 1024u)  /* request body in bytes; larger: 413 */
#define SRV_MAX_PARAMS 8u             /* path parameters per route */
#define SRV_MAX_QUERY 100u            /* query parameters; more: 400 */
#define SRV_MAX_STATIC (8u * 1024u * 1024u) /* largest static file served */
#define SRV_MAX_FILENAME 255u         /* bytes of a download's name */

typedef struct srv_pool srv_pool;
typedef struct srv_metrics srv_metrics; /* request counters (metrics.h) */

/* Addresses and networks (IPv4 held as ::ffff:a.b.c.d, prefixes counted on that form). */
#define SRV_NETLIST_MAX 32u
typedef struct {
    struct in6_addr addr[SRV_NETLIST_MAX];
    unsigned char bits[SRV_NETLIST_MAX];
    size_t n;
} srv_netlist;
/* Adds a comma-separated list of addresses and networks ("127.0.0.1", "10.0.0.0/8",
 * "::1", "fd00::/8") to l. KB_EINVAL names an entry that is neither, or one past
 * SRV_NETLIST_MAX. */
kb_status srv_netlist_add(srv_netlist *l, const char *list, kb_err *err);
/* True when address (text, as srv_req.client) is in one of l's networks. */
int srv_netlist_has(const srv_netlist *l, const char *address);
typedef struct srv_throttle srv_throttle; /* login throttling (throttle.h) */

/* Process-wide configuration and shared state; read-only while the daemon runs. */
typedef struct {
    const char *db_path;
    const char *web_dir;   /* as given on the command line */
    char *web_real;        /* realpath of web_dir, NULL when it does not exist */
    srv_pool *pool;        /* kb_store handles, one per concurrent request */
    kb_incident_sla sla;   /* incident SLA targets (--sla FILE, else the defaults); replaced
                              by a reload: read and write it with srv_app_sla() and
                              srv_app_set_sla() only */
    const char *backup_dir; /* where backups go (--backup-dir, else "<db path>.backups") */
    int secure_cookie;      /* --secure-cookie: served over HTTPS by a proxy */
    srv_throttle *throttle; /* password hashes at once, failed logins per address */
    size_t max_upload;      /* largest raw body (an attachment) in bytes (--max-upload) */
    srv_throttle *links;    /* unknown survey links per address (h_survey.c); NULL: none */
    srv_metrics *metrics;   /* request counters for GET /metrics */
    srv_netlist metrics_allow; /* who may read /metrics without the token (--metrics-allow,
                              default loopback); replaced by a reload: set it with
                              srv_app_set_metrics_access() only */
    char metrics_token_sha[KB_HASH_SHA256_HEX]; /* SHA-256 of the bearer token that also
                              opens /metrics (--metrics-token-file), "" when none; as
                              metrics_allow */
    _Atomic unsigned long long min_free_disk; /* /readyz: bytes free next to the database
                              (set again by a reload) */
    unsigned notify_interval_ms; /* the outbox poll: a due notification older than
                              SRV_STUCK_POLLS polls (at least 10 minutes) is stuck */
} srv_app;

/* One name/value pair (query argument or path parameter), both NUL-terminated and valid
 * UTF-8 without NUL bytes. Owned by the request. */
typedef struct {
    char *name;
    char *value;
} srv_kv;

/* One request as the handlers see it. Everything is owned by http.c and valid for the
 * duration of the handler call. */
typedef struct {
    const srv_app *app;
    const char *method;    /* "GET", "POST", ... (HEAD is routed as GET) */
    const char *path;      /* percent-decoded path */
    srv_kv params[SRV_MAX_PARAMS];
    size_t nparams;
    srv_kv *query;         /* decoded query arguments in request order */
    size_t nquery;
    kb_buf body;           /* request body: at most SRV_MAX_BODY bytes of JSON, or on a route
                              with SRV_BODY_RAW any bytes up to app->max_upload */
    kb_store *store;       /* taken from the pool on first srv_req_store(), NULL before */
    /* Set by http.c before a handler of a route that needs a role runs: */
    char user[KB_USER_NAME_MAX + 1]; /* the authenticated user ("" on open routes) */
    unsigned roles;        /* the user's roles (KB_ROLE_*) */
    char token[KB_USER_TOKEN_HEX]; /* the session token presented (bearer or cookie) */
    char csrf[KB_USER_TOKEN_HEX];  /* the session's CSRF value (for /auth/me) */
    char client[64];       /* the peer's address as text ("127.0.0.1", "::1"), "" unknown */
    const char *origin;    /* the Origin header, NULL when absent */
    const char *content_type; /* the Content-Type header, NULL when absent */
    const char *host;      /* the Host header, NULL when absent */
    const char *authorization; /* the Authorization header, NULL when absent (open routes
                              that take their own token: /metrics) */
} srv_req;

/* What a handler produces. Exactly one of json or body is used: json (owned, one
 * reference) is serialised by http.c; otherwise body (owned, freed with free()) is sent
 * as is with content_type (a static string). */
typedef struct {
    unsigned status;       /* HTTP status, 200 unless set */
    json_t *json;
    char *body;
    size_t body_len;
    const char *content_type;
    char *set_cookie;      /* a Set-Cookie header value (owned, freed with free()), or NULL */
    unsigned retry_after;  /* > 0: a Retry-After header with this many seconds */
    char filename[SRV_MAX_FILENAME + 1]; /* non-empty: a download, Content-Disposition:
                              attachment with this name (UTF-8 without control characters;
                              http.c writes it as RFC 6266 / 5987 filename and filename*) and
                              a sandboxing Content-Security-Policy */
    int show_inline;       /* with filename: Content-Disposition inline (an image the page
                              shows itself: thumbnails only) */
} srv_resp;

/* The handler signature: reads rq, fills rs, returns KB_OK; on failure returns a status
 * and fills err; http.c then maps the status to an HTTP error response (rs is discarded). */
typedef kb_status (*srv_handler)(srv_req *rq, srv_resp *rs, kb_err *err);

/* One row of the route table. pattern segments: literal, ":name" (one non-empty segment)
 * or "*name" (the rest of the path, may be empty; last segment only). A row with a NULL
 * handler reserves its pattern: matching paths answer 404 whatever the method. roles: the
 * KB_ROLE_* bits of which the caller needs at least one; 0 makes the route open (no
 * session needed). http.c checks them before calling the handler. */
struct srv_route {
    const char *method;
    const char *pattern;
    srv_handler handler;
    unsigned roles;
};
/* Body kinds (srv_match.body): 0 is a JSON body of at most SRV_MAX_BODY; SRV_BODY_RAW any
 * bytes (a file) up to app->max_upload, the limit and the roles checked as soon as the
 * headers are in. routes.c lists the handlers that take a file. */
#define SRV_BODY_RAW 1u

/* Result of routing one request. */
typedef struct {
    srv_handler handler;   /* NULL when no route accepts the request */
    unsigned roles;        /* the route's roles (0: open) */
    unsigned body;         /* the route's body kind (SRV_BODY_RAW) */
    srv_handler early;     /* NULL, or a check http.c runs as soon as the headers are in,
                              before the body is read: with rq->client and the path's
                              params only (no body, no session, no store); setting rs->json
                              refuses the request with it (rs->status, rs->retry_after) */
    unsigned status;       /* 0 when handler is set; else 404, 405 or 400 */
    const char *pattern;   /* the route that answers (a handler, or the 405's path), else
                              NULL */
    char allow[64];        /* for 405: the methods the path accepts ("GET, HEAD") */
    kb_err why;            /* the error for 400 */
} srv_match;

/* Matches method and the raw (still percent-encoded) path against the route table. On a
 * match, stores decoded parameters in rq->params (owned by rq, released by
 * srv_req_clear()). */
void srv_route_match(srv_req *rq, const char *method, const char *raw_path, size_t len,
                     srv_match *out);

/* Returns the path parameter or query argument called name (the first one when repeated),
 * or NULL. */
const char *srv_req_param(const srv_req *rq, const char *name);
const char *srv_req_query(const srv_req *rq, const char *name);
/* Readers of query arguments and path parameters, with one wording for bad input (400
 * invalid, naming the argument and quoting at most 40 bytes of the value). A query
 * argument given empty ("?limit=") counts as absent. */
/* The query argument name when given and non-empty, else NULL. */
const char *srv_req_arg(const srv_req *rq, const char *name);
/* Text of at most max bytes; *out NULL when absent. */
kb_status srv_req_text(const srv_req *rq, const char *name, size_t max, const char **out,
                       kb_err *err);
/* A whole number min..max; def when absent. */
kb_status srv_req_uint(const srv_req *rq, const char *name, size_t min, size_t max, size_t def,
                       size_t *out, kb_err *err);
/* A status filter v: "open" (the statuses of the bits in open) or names separated by
 * commas, each name(i) of some i < n (n <= 32); *out gets bit 1u << i per status. KB_EINVAL
 * quoting v and naming the accepted values otherwise. */
kb_status srv_req_status_mask(const char *v, const char *(*name)(unsigned), unsigned n,
                              unsigned open, unsigned *out, kb_err *err);
/* Paging: limit is 1..max (def when absent), offset 0..max (0 when absent). */
kb_status srv_req_limit(const srv_req *rq, size_t def, size_t max, size_t *out, kb_err *err);
kb_status srv_req_offset(const srv_req *rq, size_t max, size_t *out, kb_err *err);
/* A page of a list (assets, callers): limit 1..max (def when absent), offset
 * 0..SRV_MAX_OFFSET (0 when absent) and q, text of at most q_max bytes (NULL when absent;
 * not read when q_max is 0). */
#define SRV_MAX_OFFSET 1000000u
typedef struct {
    size_t limit;
    size_t offset;
    const char *q; /* borrowed from rq */
} srv_page;
kb_status srv_req_page(const srv_req *rq, size_t def, size_t max, size_t q_max, srv_page *out,
                       kb_err *err);
/* The answer to a list: {"total", "limit", "offset", name: items}. Takes items; returns a
 * new reference. */
json_t *srv_page_json(long long total, const srv_page *p, const char *name, json_t *items);
/* A flag: 1 or true gives 1, 0 or false gives 0, absent gives def. */
kb_status srv_req_flag(const srv_req *rq, const char *name, int def, int *out, kb_err *err);
/* A desk day YYYY-MM-DD (1970 or later): *text (may be NULL) gets the argument, *out (may
 * be NULL) the epoch seconds the day begins at; NULL and 0 when absent. */
kb_status srv_req_day(const srv_req *rq, const char *name, const char **text, long long *out,
                      kb_err *err);
/* Path parameters: an id (srv_valid_id), or a whole number 1..max. */
kb_status srv_req_path_id(const srv_req *rq, const char *name, const char **out, kb_err *err);
kb_status srv_req_path_num(const srv_req *rq, const char *name, size_t max, size_t *out,
                           kb_err *err);
/* Parses the body as a JSON object: *out gets one reference (json_decref it). KB_EPARSE
 * for invalid JSON, KB_EINVAL for an empty body or a JSON value that is not an object. */
kb_status srv_req_json_object(const srv_req *rq, json_t **out, kb_err *err);
/* The body as a JSON object whose members are all named in allowed (NULL-terminated);
 * KB_EINVAL names an unknown member. With optional, an empty body gives *out NULL. *out is
 * a new reference. */
kb_status srv_req_body(const srv_req *rq, int optional, const char *const *allowed,
                       json_t **out, kb_err *err);
/* The string member name of o, or NULL when absent or null (borrowed from o); KB_EINVAL
 * for another type. Strings of a parsed body are valid UTF-8 without NUL (jansson). */
kb_status srv_json_get_str(json_t *o, const char *name, const char **out, kb_err *err);
/* The integer member name of o in min..max into *out, which stays as is when the member is
 * absent or null and not required; KB_EINVAL otherwise ("field 'x' must be a whole number
 * from min to max"). */
kb_status srv_json_get_int(json_t *o, const char *name, long long min, long long max,
                           int required, long long *out, kb_err *err);
/* The array member name of o, of at most max strings: *out (free() it; the strings are
 * borrowed from o) and *n, NULL and 0 when absent or null; KB_EINVAL for another type, an
 * item that is not a string or more than max items. */
kb_status srv_json_get_strs(json_t *o, const char *name, size_t max, const char ***out,
                            size_t *n, kb_err *err);
/* The boolean member name of o into *out (as is when absent or null); *present (may be
 * NULL) says whether it was given. KB_EINVAL for another type. */
kb_status srv_json_get_bool(json_t *o, const char *name, int *out, int *present, kb_err *err);
/* Who did it is always the logged-in user (rq->user); a desk may record a change for a
 * colleague, whose name the body gives as "on_behalf_of" (or "actor", its older name; both
 * with different values is KB_EINVAL). *out is that name, borrowed from o, or NULL when none
 * was given, it is empty or it is the logged-in user (ASCII case ignored). */
kb_status srv_req_on_behalf_of(const srv_req *rq, json_t *o, const char **out, kb_err *err);
/* Borrows a database handle for the rest of the request (returned by http.c). */
kb_status srv_req_store(srv_req *rq, kb_store **out, kb_err *err);
/* The SLA in force for one request: the targets of --sla (app->sla) with the desk's
 * business calendar, read from the database, and its time zone. */
typedef struct {
    kb_incident_sla sla;   /* its calendar and zone point into the two below */
    kb_calendar *calendar; /* NULL when no priority runs in business hours */
    kb_tz *zone;
} srv_sla;
/* Fills *out for rq (taking the store when a calendar is needed). Never fails: when the
 * calendar cannot be read it logs a warning and business hours run 7x24. Release with
 * srv_sla_free(). */
void srv_req_sla(srv_req *rq, srv_sla *out);
/* The same with the desk's calendar loaded whatever the priorities count: the clocks of
 * service requests, whose items may count business hours. */
void srv_req_desk_sla(srv_req *rq, srv_sla *out);
void srv_sla_free(srv_sla *x);
/* Who may read GET /metrics: the addresses in allow (none: loopback) and callers presenting
 * token (NULL: none) as a bearer; at start and by a reload, while requests run. allow and
 * token are copied (token only as its hash). */
void srv_app_set_metrics_access(srv_app *app, const srv_netlist *allow, const char *token);
/* True when the caller of rq may read GET /metrics (srv_app_set_metrics_access()). */
int srv_req_may_read_metrics(const srv_req *rq);
/* A copy of app's SLA targets / replaces them (a reload, while requests run). */
void srv_app_sla(const srv_app *app, kb_incident_sla *out);
void srv_app_set_sla(srv_app *app, const kb_incident_sla *sla);
/* What a write needs: the store (srv_req_store) and the server's clock (srv_now). */
kb_status srv_req_store_now(srv_req *rq, kb_store **s, long long *now, kb_err *err);
/* A JSON body whose only member is the string name: *in is the body (the caller
 * json_decref()s it, also on failure; NULL when unread), *out the string borrowed from it
 * or NULL when absent or null. */
kb_status srv_req_body_str(const srv_req *rq, const char *name, json_t **in, const char **out,
                           kb_err *err);
/* Frees everything rq owns except the store (http.c returns that to the pool). */
void srv_req_clear(srv_req *rq);

/* Handlers. */
/* Attachments (h_attach.c): one handler per operation for every owner; the route's path
 * parameter says whose (":number" an incident's, ":id" a knowledge item's). */
kb_status h_attach_list(srv_req *rq, srv_resp *rs, kb_err *err);
kb_status h_attach_add(srv_req *rq, srv_resp *rs, kb_err *err);
kb_status h_attach_get(srv_req *rq, srv_resp *rs, kb_err *err);
kb_status h_attach_thumb(srv_req *rq, srv_resp *rs, kb_err *err);
kb_status h_attach_delete(srv_req *rq, srv_resp *rs, kb_err *err);
/* Sets "files" of each version in the array versions (JSON objects with their "n") to the
 * attachments of knowledge item id that are the copy of that version (as the attachment
 * routes show them: name, type, size, sha256, url). */
kb_status srv_attach_version_files(kb_store *s, const char *id, json_t *versions, kb_err *err);
kb_status h_search(srv_req *rq, srv_resp *rs, kb_err *err);
kb_status h_complete(srv_req *rq, srv_resp *rs, kb_err *err);
kb_status h_kb_get(srv_req *rq, srv_resp *rs, kb_err *err);
kb_status h_kb_sections(srv_req *rq, srv_resp *rs, kb_err *err);
kb_status h_healthz(srv_req *rq, srv_resp *rs, kb_err *err);
kb_status h_readyz(srv_req *rq, srv_resp *rs, kb_err *err);
kb_status h_metrics(srv_req *rq, srv_resp *rs, kb_err *err);
kb_status h_static(srv_req *rq, srv_resp *rs, kb_err *err);
/* GET /api/v1/openapi.yaml: docs/openapi.yaml as built into the server (h_static.c), whose
 * bytes (NUL-terminated, len without the NUL) tools/gen_embed.sh generates. */
extern const unsigned char kb_openapi_yaml[];
extern const size_t kb_openapi_yaml_len;
kb_status h_openapi(srv_req *rq, srv_resp *rs, kb_err *err);
/* Incidents (h_incident.c). */
kb_status h_incident_create(srv_req *rq, srv_resp *rs, kb_err *err);
kb_status h_incident_list(srv_req *rq, srv_resp *rs, kb_err *err);
kb_status h_incident_csv(srv_req *rq, srv_resp *rs, kb_err *err);
kb_status h_incident_at_risk(srv_req *rq, srv_resp *rs, kb_err *err);
kb_status h_incident_get(srv_req *rq, srv_resp *rs, kb_err *err);
kb_status h_incident_update(srv_req *rq, srv_resp *rs, kb_err *err);
kb_status h_incident_resolve(srv_req *rq, srv_resp *rs, kb_err *err);
kb_status h_incident_followup(srv_req *rq, srv_resp *rs, kb_err *err);
kb_status h_incident_reopen(srv_req *rq, srv_resp *rs, kb_err *err);
/* Service requests and their catalogue (h_request.c). */
kb_status h_req_item_list(srv_req *rq, srv_resp *rs, kb_err *err);
kb_status h_req_item_get(srv_req *rq, srv_resp *rs, kb_err *err);
kb_status h_req_item_create(srv_req *rq, srv_resp *rs, kb_err *err);
kb_status h_req_item_update(srv_req *rq, srv_resp *rs, kb_err *err);
kb_status h_request_create(srv_req *rq, srv_resp *rs, kb_err *err);
kb_status h_request_list(srv_req *rq, srv_resp *rs, kb_err *err);
kb_status h_request_get(srv_req *rq, srv_resp *rs, kb_err *err);
kb_status h_request_update(srv_req *rq, srv_resp *rs, kb_err *err);
kb_status h_request_act(srv_req *rq, srv_resp *rs, kb_err *err);
/* The caller directory (h_caller.c). */
kb_status h_caller_list(srv_req *rq, srv_resp *rs, kb_err *err);
kb_status h_caller_create(srv_req *rq, srv_resp *rs, kb_err *err);
kb_status h_caller_get(srv_req *rq, srv_resp *rs, kb_err *err);
kb_status h_caller_update(srv_req *rq, srv_resp *rs, kb_err *err);
/* The asset archive (h_asset.c). */
kb_status h_asset_list(srv_req *rq, srv_resp *rs, kb_err *err);
kb_status h_asset_create(srv_req *rq, srv_resp *rs, kb_err *err);
kb_status h_asset_get(srv_req *rq, srv_resp *rs, kb_err *err);
kb_status h_asset_update(srv_req *rq, srv_resp *rs, kb_err *err);
kb_status h_asset_scrap(srv_req *rq, srv_resp *rs, kb_err *err);
kb_status h_asset_scrap_decide(srv_req *rq, srv_resp *rs, kb_err *err);
/* Maintenance and inspection (h_maint.c). */
kb_status h_maint_plan_list(srv_req *rq, srv_resp *rs, kb_err *err);
kb_status h_maint_plan_create(srv_req *rq, srv_resp *rs, kb_err *err);
kb_status h_maint_plan_get(srv_req *rq, srv_resp *rs, kb_err *err);
kb_status h_maint_plan_update(srv_req *rq, srv_resp *rs, kb_err *err);
kb_status h_maint_generate(srv_req *rq, srv_resp *rs, kb_err *err);
kb_status h_maint_task_list(srv_req *rq, srv_resp *rs, kb_err *err);
kb_status h_maint_task_get(srv_req *rq, srv_resp *rs, kb_err *err);
kb_status h_maint_record(srv_req *rq, srv_resp *rs, kb_err *err);
kb_status h_maint_report(srv_req *rq, srv_resp *rs, kb_err *err);
/* KB_OK when the caller may add or delete the photos of maintenance task id: an admin, or
 * an engineer of its group while it is open (KB_EDENIED, KB_ECONFLICT otherwise). */
kb_status srv_maint_check_photo(srv_req *rq, kb_store *s, long long id, kb_err *err);
/* The spare-parts store (h_part.c). */
kb_status h_part_list(srv_req *rq, srv_resp *rs, kb_err *err);
kb_status h_part_create(srv_req *rq, srv_resp *rs, kb_err *err);
kb_status h_part_get(srv_req *rq, srv_resp *rs, kb_err *err);
kb_status h_part_update(srv_req *rq, srv_resp *rs, kb_err *err);
kb_status h_part_locations(srv_req *rq, srv_resp *rs, kb_err *err);
kb_status h_part_location_add(srv_req *rq, srv_resp *rs, kb_err *err);
kb_status h_part_move(srv_req *rq, srv_resp *rs, kb_err *err);
kb_status h_part_moves(srv_req *rq, srv_resp *rs, kb_err *err);
kb_status h_part_reorder_list(srv_req *rq, srv_resp *rs, kb_err *err);
kb_status h_part_reorder_get(srv_req *rq, srv_resp *rs, kb_err *err);
kb_status h_part_reorder_create(srv_req *rq, srv_resp *rs, kb_err *err);
kb_status h_part_reorder_decide(srv_req *rq, srv_resp *rs, kb_err *err);
kb_status h_part_reorder_receive(srv_req *rq, srv_resp *rs, kb_err *err);
kb_status h_part_consumption(srv_req *rq, srv_resp *rs, kb_err *err);
kb_status h_part_consumption_csv(srv_req *rq, srv_resp *rs, kb_err *err);
kb_status h_asset_report(srv_req *rq, srv_resp *rs, kb_err *err);
/* Census campaigns and imports (h_census.c). */
kb_status h_census_list(srv_req *rq, srv_resp *rs, kb_err *err);
kb_status h_census_create(srv_req *rq, srv_resp *rs, kb_err *err);
kb_status h_census_get(srv_req *rq, srv_resp *rs, kb_err *err);
kb_status h_census_assets(srv_req *rq, srv_resp *rs, kb_err *err);
kb_status h_census_import(srv_req *rq, srv_resp *rs, kb_err *err);
/* Complaints (h_complaint.c). */
kb_status h_complaint_list(srv_req *rq, srv_resp *rs, kb_err *err);
kb_status h_complaint_create(srv_req *rq, srv_resp *rs, kb_err *err);
kb_status h_complaint_get(srv_req *rq, srv_resp *rs, kb_err *err);
kb_status h_complaint_update(srv_req *rq, srv_resp *rs, kb_err *err);
kb_status h_complaint_reply(srv_req *rq, srv_resp *rs, kb_err *err);
kb_status h_complaint_close(srv_req *rq, srv_resp *rs, kb_err *err);
kb_status h_complaint_counts(srv_req *rq, srv_resp *rs, kb_err *err);
kb_status h_complaint_due_get(srv_req *rq, srv_resp *rs, kb_err *err);
kb_status h_complaint_due_set(srv_req *rq, srv_resp *rs, kb_err *err);
/* A period's complaint figures (kb_complaint_counts) as JSON: the summary report's
 * "complaint_records" and GET /api/v1/complaints/counts. A new reference. */
json_t *srv_complaint_counts_json(const kb_complaint_counts *c);
/* A complaint as its routes answer it (overdue at now). A new reference. */
json_t *srv_complaint_json(const kb_complaint *c, long long now);
/* The summary report of the days from_day..to_day (both included; NULL as in
 * GET /api/v1/reports/summary) with its complaint_records, as that route answers it:
 * *out a new reference (h_report.c). */
kb_status srv_report_summary_json(srv_req *rq, const char *from_day, const char *to_day,
                                  json_t **out, kb_err *err);
/* Surveys (h_survey.c); the public pair takes the token as its only credential. */
kb_status h_survey_list(srv_req *rq, srv_resp *rs, kb_err *err);
kb_status h_survey_create(srv_req *rq, srv_resp *rs, kb_err *err);
kb_status h_survey_get(srv_req *rq, srv_resp *rs, kb_err *err);
kb_status h_survey_close(srv_req *rq, srv_resp *rs, kb_err *err);
kb_status h_survey_recipients(srv_req *rq, srv_resp *rs, kb_err *err);
kb_status h_survey_add_recipients(srv_req *rq, srv_resp *rs, kb_err *err);
kb_status h_survey_results(srv_req *rq, srv_resp *rs, kb_err *err);
kb_status h_public_survey_get(srv_req *rq, srv_resp *rs, kb_err *err);
kb_status h_public_survey_answer(srv_req *rq, srv_resp *rs, kb_err *err);
/* The answer's early check (srv_match.early): 429 for an address whose budget of unknown
 * links is spent, before its body is read. */
kb_status h_public_survey_early(srv_req *rq, srv_resp *rs, kb_err *err);
/* Review meetings and improvement actions (h_meeting.c). */
kb_status h_meeting_list(srv_req *rq, srv_resp *rs, kb_err *err);
kb_status h_meeting_create(srv_req *rq, srv_resp *rs, kb_err *err);
kb_status h_meeting_get(srv_req *rq, srv_resp *rs, kb_err *err);
kb_status h_meeting_action_add(srv_req *rq, srv_resp *rs, kb_err *err);
kb_status h_qaction_list(srv_req *rq, srv_resp *rs, kb_err *err);
kb_status h_qaction_update(srv_req *rq, srv_resp *rs, kb_err *err);
/* An improvement action as its routes answer it (overdue at today). A new reference. */
json_t *srv_qaction_json(const kb_qaction *a, const char *today);
kb_status h_suggest(srv_req *rq, srv_resp *rs, kb_err *err);
kb_status h_suggest_feedback(srv_req *rq, srv_resp *rs, kb_err *err);
kb_status h_report_gaps(srv_req *rq, srv_resp *rs, kb_err *err);
/* Reports (h_report.c). */
kb_status h_report_summary(srv_req *rq, srv_resp *rs, kb_err *err);
kb_status h_report_summary_csv(srv_req *rq, srv_resp *rs, kb_err *err);
/* The summary report as JSON (h_report.c) without its complaint records: also the
 * service report's "summary". A new reference. */
json_t *srv_report_summary_obj(const kb_report_summary *r);
/* The service report (h_svcreport.c). */
kb_status h_svcreport_get(srv_req *rq, srv_resp *rs, kb_err *err);
kb_status h_svcreport_pdf(srv_req *rq, srv_resp *rs, kb_err *err);
kb_status h_svcreport_file(srv_req *rq, srv_resp *rs, kb_err *err);
kb_status h_svcreport_schedule(srv_req *rq, srv_resp *rs, kb_err *err);
kb_status h_svcreport_schedule_set(srv_req *rq, srv_resp *rs, kb_err *err);
kb_status h_report_problems(srv_req *rq, srv_resp *rs, kb_err *err);
/* Backups (h_backup.c). */
kb_status h_backup_create(srv_req *rq, srv_resp *rs, kb_err *err);
kb_status h_backup_list(srv_req *rq, srv_resp *rs, kb_err *err);
kb_status h_backup_verify(srv_req *rq, srv_resp *rs, kb_err *err);
kb_status h_backup_prune(srv_req *rq, srv_resp *rs, kb_err *err);
/* The audit trail (h_audit.c). */
kb_status h_audit_list(srv_req *rq, srv_resp *rs, kb_err *err);
kb_status h_audit_csv(srv_req *rq, srv_resp *rs, kb_err *err);
kb_status h_audit_verify(srv_req *rq, srv_resp *rs, kb_err *err);

/* Authentication and authorisation (h_auth.c), called by http.c for a route that needs
 * roles. authorization, cookie and csrf are the request's Authorization, Cookie and
 * X-CSRF-Token header values (NULL when absent). On success fills rq->user, rq->roles and
 * rq->token and returns 0; otherwise returns the HTTP status to answer (401 without a
 * valid session or token, 403 without a needed role or, for cookie sessions with unsafe
 * methods, without the right CSRF header, 500 when the database fails) and sets *code
 * ("unauthorized", "forbidden", or NULL for err's status name) and err. */
unsigned srv_auth(srv_req *rq, unsigned need, const char *authorization, const char *cookie,
                  const char *csrf, const char **code, kb_err *err);
/* Auth and users (h_auth.c, h_user.c). */
/* h_publish.c: the knowledge editor and reviews */
kb_status h_kb_create(srv_req *rq, srv_resp *rs, kb_err *err);
kb_status h_kb_save(srv_req *rq, srv_resp *rs, kb_err *err);
kb_status h_kb_preview(srv_req *rq, srv_resp *rs, kb_err *err);
kb_status h_kb_versions(srv_req *rq, srv_resp *rs, kb_err *err);
kb_status h_kb_version(srv_req *rq, srv_resp *rs, kb_err *err);
kb_status h_kb_submit(srv_req *rq, srv_resp *rs, kb_err *err);
kb_status h_kb_retire(srv_req *rq, srv_resp *rs, kb_err *err);
kb_status h_review_list(srv_req *rq, srv_resp *rs, kb_err *err);
kb_status h_review_due(srv_req *rq, srv_resp *rs, kb_err *err);
kb_status h_review_drafts(srv_req *rq, srv_resp *rs, kb_err *err);
kb_status h_review_approve(srv_req *rq, srv_resp *rs, kb_err *err);
kb_status h_review_reject(srv_req *rq, srv_resp *rs, kb_err *err);
/* Work in progress (kb_version_is_wip, kb_version_status_wip) is read by the roles that
 * review it and by the version's author; to anyone else it does not exist (404, never 403,
 * so that its existence does not leak). */
#define SRV_READ_REVIEWS (KB_ROLE_ENGINEER | KB_ROLE_APPROVER | KB_ROLE_AUDITOR | KB_ROLE_ADMIN)
/* True when the caller holds a role that reviews work in progress. */
int srv_reads_wip(const srv_req *rq);
/* True when the caller may read version v. */
int srv_may_read_version(const srv_req *rq, const kb_version *v);
/* Removes from l (keeping the order) the versions the caller may not read. */
void srv_versions_readable(const srv_req *rq, kb_version_list *l);
/* A version as JSON (without its source); a list of them. New references. */
struct kb_version_list_s;
json_t *srv_version_json(const kb_version *v);
json_t *srv_version_list_json(const kb_version_list *l);
/* Answers {key: id, "versions": [...]} and frees l. */
void srv_reply_versions(srv_resp *rs, const char *key, const char *id, kb_version_list *l);
/* h_document.c: the document catalogue and document requests */
kb_status h_document_list(srv_req *rq, srv_resp *rs, kb_err *err);
kb_status h_document_get(srv_req *rq, srv_resp *rs, kb_err *err);
kb_status h_document_versions(srv_req *rq, srv_resp *rs, kb_err *err);
kb_status h_docreq_create(srv_req *rq, srv_resp *rs, kb_err *err);
kb_status h_docreq_list(srv_req *rq, srv_resp *rs, kb_err *err);
kb_status h_docreq_get(srv_req *rq, srv_resp *rs, kb_err *err);
kb_status h_docreq_act(srv_req *rq, srv_resp *rs, kb_err *err);
kb_status h_docclass_list(srv_req *rq, srv_resp *rs, kb_err *err);
kb_status h_docclass_update(srv_req *rq, srv_resp *rs, kb_err *err);
/* h_doccheck.c: retention, validity check rounds and controlled paper copies */
kb_status h_doc_retention(srv_req *rq, srv_resp *rs, kb_err *err);
kb_status h_doccheck_list(srv_req *rq, srv_resp *rs, kb_err *err);
kb_status h_doccheck_create(srv_req *rq, srv_resp *rs, kb_err *err);
kb_status h_doccheck_get(srv_req *rq, srv_resp *rs, kb_err *err);
kb_status h_doccheck_record(srv_req *rq, srv_resp *rs, kb_err *err);
kb_status h_doccheck_close(srv_req *rq, srv_resp *rs, kb_err *err);
kb_status h_doccopy_list(srv_req *rq, srv_resp *rs, kb_err *err);
kb_status h_doccopy_issue(srv_req *rq, srv_resp *rs, kb_err *err);
kb_status h_doccopy_get(srv_req *rq, srv_resp *rs, kb_err *err);
kb_status h_doccopy_recall(srv_req *rq, srv_resp *rs, kb_err *err);
/* Adds to o (a document version's JSON) what the catalogue flags on day today: "retention"
 * (kb_retention_state_name), "retention_until" (the day it ends, or null),
 * "retention_ended" (that day has come) and "review_overdue" (published and its next review
 * day is past). */
void srv_doc_flags(json_t *o, const kb_version *v, const char *today);
/* h_settings.c: the document numbering rule, the desk's time zone (and its older form,
 * the UTC offset) and the business calendar */
kb_status h_rule_get(srv_req *rq, srv_resp *rs, kb_err *err);
kb_status h_rule_set(srv_req *rq, srv_resp *rs, kb_err *err);
kb_status h_offset_get(srv_req *rq, srv_resp *rs, kb_err *err);
kb_status h_offset_set(srv_req *rq, srv_resp *rs, kb_err *err);
kb_status h_zone_get(srv_req *rq, srv_resp *rs, kb_err *err);
kb_status h_zone_set(srv_req *rq, srv_resp *rs, kb_err *err);
kb_status h_notify_keep_get(srv_req *rq, srv_resp *rs, kb_err *err);
kb_status h_notify_keep_set(srv_req *rq, srv_resp *rs, kb_err *err);
kb_status h_calendar_get(srv_req *rq, srv_resp *rs, kb_err *err);
kb_status h_calendar_set(srv_req *rq, srv_resp *rs, kb_err *err);
kb_status h_auth_login(srv_req *rq, srv_resp *rs, kb_err *err);
kb_status h_auth_logout(srv_req *rq, srv_resp *rs, kb_err *err);
kb_status h_auth_me(srv_req *rq, srv_resp *rs, kb_err *err);
kb_status h_auth_password(srv_req *rq, srv_resp *rs, kb_err *err);
kb_status h_auth_logout_all(srv_req *rq, srv_resp *rs, kb_err *err);
kb_status h_user_list(srv_req *rq, srv_resp *rs, kb_err *err);
/* Support groups and routing rules (h_group.c). */
kb_status h_group_list(srv_req *rq, srv_resp *rs, kb_err *err);
kb_status h_group_create(srv_req *rq, srv_resp *rs, kb_err *err);
kb_status h_group_get(srv_req *rq, srv_resp *rs, kb_err *err);
kb_status h_group_update(srv_req *rq, srv_resp *rs, kb_err *err);
kb_status h_routing_get(srv_req *rq, srv_resp *rs, kb_err *err);
kb_status h_routing_set(srv_req *rq, srv_resp *rs, kb_err *err);
kb_status h_user_create(srv_req *rq, srv_resp *rs, kb_err *err);
/* Notifications (h_notify.c). */
kb_status h_notify_channels(srv_req *rq, srv_resp *rs, kb_err *err);
kb_status h_notify_channel_create(srv_req *rq, srv_resp *rs, kb_err *err);
kb_status h_notify_channel_update(srv_req *rq, srv_resp *rs, kb_err *err);
kb_status h_notify_channel_delete(srv_req *rq, srv_resp *rs, kb_err *err);
kb_status h_notify_channel_test(srv_req *rq, srv_resp *rs, kb_err *err);
kb_status h_notify_list(srv_req *rq, srv_resp *rs, kb_err *err);
kb_status h_notify_templates(srv_req *rq, srv_resp *rs, kb_err *err);
kb_status h_notify_template_set(srv_req *rq, srv_resp *rs, kb_err *err);
kb_status h_notify_template_preview(srv_req *rq, srv_resp *rs, kb_err *err);
kb_status h_notify_me(srv_req *rq, srv_resp *rs, kb_err *err);
kb_status h_notify_me_set(srv_req *rq, srv_resp *rs, kb_err *err);
kb_status h_user_update(srv_req *rq, srv_resp *rs, kb_err *err);

/* --- helpers (util.c) --- */

/* The current time in epoch seconds: the real clock, or, as a test hook, the number held
 * in the file named by the environment variable KEDB_FAKE_NOW_FILE (read on every call;
 * KB_EIO when it does not hold one). */
kb_status srv_now(long long *out, kb_err *err);

/* True when p[0..len) is valid UTF-8 (no overlongs, surrogates or values past U+10FFFF). */
int srv_utf8_valid(const char *p, size_t len);
/* Length of the longest prefix of p[0..len) that is at most max bytes and does not end
 * inside a UTF-8 sequence. */
size_t srv_utf8_cut(const char *p, size_t len, size_t max);
/* Percent-decodes p[0..len) into a new string (free with free()); with plus, '+' becomes a
 * space. Malformed escapes are kept literally. *out_len gets the decoded length, which
 * may include NUL bytes. */
char *srv_pct_decode(const char *p, size_t len, int plus, size_t *out_len);
/* Appends s percent-encoded (everything but A-Z a-z 0-9 - . _ ~). */
kb_status srv_pct_encode(kb_buf *b, const char *s);
/* A new JSON string from s (NULL gives ""); invalid UTF-8 is replaced by U+FFFD so the
 * result is never NULL. */
json_t *srv_json_str(const char *s);
/* A JSON array of the n strings v (srv_json_str each). A new reference. */
json_t *srv_json_strings(char *const *v, size_t n);
/* The one shape of an API error: {"error":{"code","message","message_zh"}}, code being
 * e's kb_status_name() unless code is given (the HTTP layer's own: "unauthorized",
 * "forbidden", "too_many_requests" ...). A new reference. */
json_t *srv_error_json(const char *code, const kb_err *e);
/* Incident briefs (kb_incident_brief) as a JSON array of {"number", "status", "priority"
 * ("P3"), "summary", "caller_name", "caller_phone", "created_at", "resolved_at"}. A new
 * reference. */
json_t *srv_json_incident_briefs(const kb_incident_brief *v, size_t n);
/* Epoch seconds as "YYYY-MM-DDTHH:MM:SSZ" (UTC); 0 is JSON null. A new reference. */
json_t *srv_json_time(long long t);
/* True when id is 1 to KB_MAX_ID_BYTES letters, digits, '.', '_' or '-'. */
int srv_valid_id(const char *id);
/* Parses a decimal number 0..max from the whole of s; returns 0 on success, -1 when s is
 * empty, not all digits or larger than max. */
int srv_parse_size(const char *s, size_t max, size_t *out);

#endif
