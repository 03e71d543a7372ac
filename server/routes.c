/* The route table and the matcher. New endpoint = one row here + one handler. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kb_alloc.h"
#include "srv.h"

/* Who may call what (docs/API.md has the matrix). */
#define WRITE_INCIDENTS (KB_ROLE_AGENT | KB_ROLE_ADMIN)
/* engineers too, on the incidents assigned to them or their groups (h_incident.c) */
#define WORK_INCIDENTS (KB_ROLE_AGENT | KB_ROLE_ENGINEER | KB_ROLE_ADMIN)
#define AUDIT_READ (KB_ROLE_AUDITOR | KB_ROLE_ADMIN)
#define WRITE_KB (KB_ROLE_ENGINEER | KB_ROLE_ADMIN)
#define DECIDE (KB_ROLE_APPROVER | KB_ROLE_ADMIN)
#define READ_REVIEWS SRV_READ_REVIEWS /* also who reads work in progress */
#define REQUEST_DOCS (KB_ROLE_AGENT | KB_ROLE_ENGINEER | KB_ROLE_APPROVER | KB_ROLE_ADMIN)
#define WRITE_CALLERS (KB_ROLE_AGENT | KB_ROLE_ENGINEER | KB_ROLE_ADMIN)
#define WRITE_ASSETS (KB_ROLE_ENGINEER | KB_ROLE_ADMIN)
/* service requests: everyone but the auditor makes them and acts on them; which action
 * whom (approver, the group's engineers, the requester) is checked in kb_request.h */
#define MAKE_REQUESTS (KB_ROLE_AGENT | KB_ROLE_ENGINEER | KB_ROLE_APPROVER | KB_ROLE_ADMIN)
/* spare parts: engineers issue, return, move, scrap and ask for replenishment (a receipt
 * outside a request is an admin's, h_part.c); admins set up the catalogue and locations */
#define WORK_PARTS (KB_ROLE_ENGINEER | KB_ROLE_ADMIN)
/* satisfaction surveys: the desk's agents and admins run them */
#define RUN_SURVEYS (KB_ROLE_AGENT | KB_ROLE_ADMIN)

static const struct srv_route routes[] = {
    { "GET", "/healthz", h_healthz, 0 },
    /* open routes: /readyz answers only why it is not ready; /metrics checks the client's
     * address or its own token (h_health.c) */
    { "GET", "/readyz", h_readyz, 0 },
    { "GET", "/metrics", h_metrics, 0 },
    /* the API description (docs/openapi.yaml), open like the page that uses the API */
    { "GET", "/api/v1/openapi.yaml", h_openapi, 0 },
    { "POST", "/api/v1/auth/login", h_auth_login, 0 },
    { "POST", "/api/v1/auth/logout", h_auth_logout, KB_ROLE_ALL },
    { "GET", "/api/v1/auth/me", h_auth_me, KB_ROLE_ALL },
    { "POST", "/api/v1/auth/password", h_auth_password, KB_ROLE_ALL },
    { "POST", "/api/v1/auth/logout-all", h_auth_logout_all, KB_ROLE_ALL },
    { "GET", "/api/v1/search", h_search, KB_ROLE_ALL },
    { "GET", "/api/v1/complete", h_complete, KB_ROLE_ALL },
    { "GET", "/api/v1/kb-sections", h_kb_sections, KB_ROLE_ALL },
    { "GET", "/api/v1/kb/:id", h_kb_get, KB_ROLE_ALL },
    { "POST", "/api/v1/kb", h_kb_create, WRITE_KB },
    { "POST", "/api/v1/kb/preview", h_kb_preview, WRITE_KB },
    { "PUT", "/api/v1/kb/:id", h_kb_save, WRITE_KB },
    { "GET", "/api/v1/kb/:id/versions", h_kb_versions, KB_ROLE_ALL },
    { "GET", "/api/v1/kb/:id/attachments", h_attach_list, KB_ROLE_ALL },
    { "POST", "/api/v1/kb/:id/attachments", h_attach_add, WRITE_KB },
    { "GET", "/api/v1/kb/:id/attachments/:att", h_attach_get, KB_ROLE_ALL },
    { "GET", "/api/v1/kb/:id/attachments/:att/thumbnail", h_attach_thumb, KB_ROLE_ALL },
    { "DELETE", "/api/v1/kb/:id/attachments/:att", h_attach_delete, WRITE_KB },
    { "GET", "/api/v1/kb/:id/versions/:n", h_kb_version, KB_ROLE_ALL },
    { "POST", "/api/v1/kb/:id/submit", h_kb_submit, WRITE_KB },
    { "POST", "/api/v1/kb/:id/retire", h_kb_retire, WRITE_KB | DECIDE },
    { "GET", "/api/v1/reviews", h_review_list, READ_REVIEWS },
    { "GET", "/api/v1/reviews/due", h_review_due, KB_ROLE_ALL },
    { "GET", "/api/v1/reviews/drafts", h_review_drafts, READ_REVIEWS },
    { "POST", "/api/v1/reviews/:id/approve", h_review_approve, DECIDE },
    { "POST", "/api/v1/reviews/:id/reject", h_review_reject, DECIDE },
    { "GET", "/api/v1/documents", h_document_list, KB_ROLE_ALL },
    { "GET", "/api/v1/documents/:doc_no", h_document_get, KB_ROLE_ALL },
    { "GET", "/api/v1/documents/:doc_no/versions", h_document_versions, KB_ROLE_ALL },
    { "GET", "/api/v1/document-requests", h_docreq_list, KB_ROLE_ALL },
    { "POST", "/api/v1/document-requests", h_docreq_create, REQUEST_DOCS },
    { "GET", "/api/v1/document-requests/:id", h_docreq_get, KB_ROLE_ALL },
    /* who may take which step (a chain step's group, an approver without a chain, an
     * engineer executing, another chain member confirming) is checked in kb_docreq.h */
    { "POST", "/api/v1/document-requests/:id/:action", h_docreq_act, REQUEST_DOCS },
    { "GET", "/api/v1/document-classes", h_docclass_list, KB_ROLE_ALL },
    { "PUT", "/api/v1/document-classes/:code", h_docclass_update, KB_ROLE_ADMIN },
    { "GET", "/api/v1/document-retention", h_doc_retention, KB_ROLE_ALL },
    { "GET", "/api/v1/document-checks", h_doccheck_list, KB_ROLE_ALL },
    { "POST", "/api/v1/document-checks", h_doccheck_create, REQUEST_DOCS },
    { "GET", "/api/v1/document-checks/:id", h_doccheck_get, KB_ROLE_ALL },
    { "POST", "/api/v1/document-checks/:id/results", h_doccheck_record, REQUEST_DOCS },
    { "POST", "/api/v1/document-checks/:id/close", h_doccheck_close, REQUEST_DOCS },
    { "GET", "/api/v1/document-copies", h_doccopy_list, KB_ROLE_ALL },
    { "POST", "/api/v1/document-copies", h_doccopy_issue, REQUEST_DOCS },
    { "GET", "/api/v1/document-copies/:id", h_doccopy_get, KB_ROLE_ALL },
    { "POST", "/api/v1/document-copies/:id/recall", h_doccopy_recall, REQUEST_DOCS },
    { "GET", "/api/v1/settings/doc-number-rule", h_rule_get, KB_ROLE_ALL },
    { "PUT", "/api/v1/settings/doc-number-rule", h_rule_set, KB_ROLE_ADMIN },
    { "GET", "/api/v1/settings/utc-offset", h_offset_get, KB_ROLE_ALL },
    { "PUT", "/api/v1/settings/utc-offset", h_offset_set, KB_ROLE_ADMIN },
    { "GET", "/api/v1/settings/time-zone", h_zone_get, KB_ROLE_ALL },
    { "PUT", "/api/v1/settings/time-zone", h_zone_set, KB_ROLE_ADMIN },
    { "GET", "/api/v1/settings/calendar", h_calendar_get, KB_ROLE_ALL },
    { "PUT", "/api/v1/settings/calendar", h_calendar_set, KB_ROLE_ADMIN },
    { "GET", "/api/v1/settings/notification-retention", h_notify_keep_get, KB_ROLE_ADMIN },
    { "PUT", "/api/v1/settings/notification-retention", h_notify_keep_set, KB_ROLE_ADMIN },
    { "GET", "/api/v1/settings/report-schedule", h_svcreport_schedule, KB_ROLE_ALL },
    { "PUT", "/api/v1/settings/report-schedule", h_svcreport_schedule_set, KB_ROLE_ADMIN },
    { "POST", "/api/v1/incidents", h_incident_create, WRITE_INCIDENTS },
    { "GET", "/api/v1/incidents", h_incident_list, KB_ROLE_ALL },
    { "GET", "/api/v1/incidents.csv", h_incident_csv, KB_ROLE_ALL },
    { "GET", "/api/v1/incidents/at-risk", h_incident_at_risk, KB_ROLE_ALL },
    { "GET", "/api/v1/incidents/:number", h_incident_get, KB_ROLE_ALL },
    { "PATCH", "/api/v1/incidents/:number", h_incident_update, WORK_INCIDENTS },
    { "POST", "/api/v1/incidents/:number/resolve", h_incident_resolve, WORK_INCIDENTS },
    { "POST", "/api/v1/incidents/:number/followup", h_incident_followup, WRITE_INCIDENTS },
    { "POST", "/api/v1/incidents/:number/reopen", h_incident_reopen, WRITE_INCIDENTS },
    /* attachments: read as the incident, added and deleted as it is worked (h_attach.c) */
    { "GET", "/api/v1/incidents/:number/attachments", h_attach_list, KB_ROLE_ALL },
    { "POST", "/api/v1/incidents/:number/attachments", h_attach_add, WORK_INCIDENTS },
    { "GET", "/api/v1/incidents/:number/attachments/:att", h_attach_get, KB_ROLE_ALL },
    { "GET", "/api/v1/incidents/:number/attachments/:att/thumbnail", h_attach_thumb, KB_ROLE_ALL },
    { "DELETE", "/api/v1/incidents/:number/attachments/:att", h_attach_delete, WORK_INCIDENTS },
    { "GET", "/api/v1/request-items", h_req_item_list, KB_ROLE_ALL },
    { "POST", "/api/v1/request-items", h_req_item_create, KB_ROLE_ADMIN },
    { "GET", "/api/v1/request-items/:id", h_req_item_get, KB_ROLE_ALL },
    { "PATCH", "/api/v1/request-items/:id", h_req_item_update, KB_ROLE_ADMIN },
    /* attachments: read as the request; added and deleted by its requester and those who
     * work it (kb_request_check_files) */
    { "GET", "/api/v1/requests/:request/attachments", h_attach_list, KB_ROLE_ALL },
    { "POST", "/api/v1/requests/:request/attachments", h_attach_add, MAKE_REQUESTS },
    { "GET", "/api/v1/requests/:request/attachments/:att", h_attach_get, KB_ROLE_ALL },
    { "GET", "/api/v1/requests/:request/attachments/:att/thumbnail", h_attach_thumb,
      KB_ROLE_ALL },
    { "DELETE", "/api/v1/requests/:request/attachments/:att", h_attach_delete, MAKE_REQUESTS },
    { "POST", "/api/v1/requests", h_request_create, MAKE_REQUESTS },
    { "GET", "/api/v1/requests", h_request_list, KB_ROLE_ALL },
    { "GET", "/api/v1/requests/:number", h_request_get, KB_ROLE_ALL },
    { "PATCH", "/api/v1/requests/:number", h_request_update, WORK_INCIDENTS },
    { "POST", "/api/v1/requests/:number/:action", h_request_act, MAKE_REQUESTS },
    { "GET", "/api/v1/callers", h_caller_list, KB_ROLE_ALL },
    { "POST", "/api/v1/callers", h_caller_create, WRITE_CALLERS },
    { "GET", "/api/v1/callers/:id", h_caller_get, KB_ROLE_ALL },
    { "PATCH", "/api/v1/callers/:id", h_caller_update, WRITE_CALLERS },
    { "GET", "/api/v1/assets", h_asset_list, KB_ROLE_ALL },
    { "POST", "/api/v1/assets", h_asset_create, WRITE_ASSETS },
    { "GET", "/api/v1/assets/:tag", h_asset_get, KB_ROLE_ALL },
    { "PATCH", "/api/v1/assets/:tag", h_asset_update, WRITE_ASSETS },
    { "POST", "/api/v1/assets/:tag/scrap", h_asset_scrap, WRITE_ASSETS },
    { "POST", "/api/v1/assets/:tag/scrap/:action", h_asset_scrap_decide, DECIDE },
    /* maintenance: admins set up plans, engineers record (their groups' tasks, h_maint.c) */
    { "GET", "/api/v1/maintenance/plans", h_maint_plan_list, KB_ROLE_ALL },
    { "POST", "/api/v1/maintenance/plans", h_maint_plan_create, KB_ROLE_ADMIN },
    { "GET", "/api/v1/maintenance/plans/:plan", h_maint_plan_get, KB_ROLE_ALL },
    { "PATCH", "/api/v1/maintenance/plans/:plan", h_maint_plan_update, KB_ROLE_ADMIN },
    { "POST", "/api/v1/maintenance/generate", h_maint_generate, WRITE_ASSETS },
    { "GET", "/api/v1/maintenance/tasks", h_maint_task_list, KB_ROLE_ALL },
    { "GET", "/api/v1/maintenance/tasks/:task", h_maint_task_get, KB_ROLE_ALL },
    { "POST", "/api/v1/maintenance/tasks/:task/results", h_maint_record, WRITE_ASSETS },
    { "GET", "/api/v1/maintenance/report", h_maint_report, KB_ROLE_ALL },
    { "GET", "/api/v1/maintenance/tasks/:task/attachments", h_attach_list, KB_ROLE_ALL },
    { "POST", "/api/v1/maintenance/tasks/:task/attachments", h_attach_add, WRITE_ASSETS },
    { "GET", "/api/v1/maintenance/tasks/:task/attachments/:att", h_attach_get, KB_ROLE_ALL },
    { "GET", "/api/v1/maintenance/tasks/:task/attachments/:att/thumbnail", h_attach_thumb,
      KB_ROLE_ALL },
    { "DELETE", "/api/v1/maintenance/tasks/:task/attachments/:att", h_attach_delete,
      WRITE_ASSETS },
    /* the literal words before :number (kb_part_number_valid refuses them as numbers) */
    { "GET", "/api/v1/parts", h_part_list, KB_ROLE_ALL },
    { "POST", "/api/v1/parts", h_part_create, KB_ROLE_ADMIN },
    { "GET", "/api/v1/parts/locations", h_part_locations, KB_ROLE_ALL },
    { "POST", "/api/v1/parts/locations", h_part_location_add, KB_ROLE_ADMIN },
    { "GET", "/api/v1/parts/movements", h_part_moves, KB_ROLE_ALL },
    { "GET", "/api/v1/parts/replenishments", h_part_reorder_list, KB_ROLE_ALL },
    { "POST", "/api/v1/parts/replenishments", h_part_reorder_create, WORK_PARTS },
    { "GET", "/api/v1/parts/replenishments/:id", h_part_reorder_get, KB_ROLE_ALL },
    { "POST", "/api/v1/parts/replenishments/:id/receive", h_part_reorder_receive, WORK_PARTS },
    { "POST", "/api/v1/parts/replenishments/:id/:action", h_part_reorder_decide, DECIDE },
    { "GET", "/api/v1/parts/consumption", h_part_consumption, KB_ROLE_ALL },
    { "GET", "/api/v1/parts/consumption.csv", h_part_consumption_csv, KB_ROLE_ALL },
    { "GET", "/api/v1/parts/:number", h_part_get, KB_ROLE_ALL },
    { "PATCH", "/api/v1/parts/:number", h_part_update, KB_ROLE_ADMIN },
    { "POST", "/api/v1/parts/:number/movements", h_part_move, WORK_PARTS },
    /* census campaigns: engineers and admins import, everyone reads the reports */
    { "GET", "/api/v1/censuses", h_census_list, KB_ROLE_ALL },
    { "POST", "/api/v1/censuses", h_census_create, WRITE_ASSETS },
    { "GET", "/api/v1/censuses/:id", h_census_get, KB_ROLE_ALL },
    { "GET", "/api/v1/censuses/:id/assets", h_census_assets, KB_ROLE_ALL },
    { "POST", "/api/v1/censuses/:id/import", h_census_import, WRITE_ASSETS },
    /* complaints: the desk (agents, engineers, admins) raises and works them */
    { "GET", "/api/v1/complaints", h_complaint_list, KB_ROLE_ALL },
    { "POST", "/api/v1/complaints", h_complaint_create, WORK_INCIDENTS },
    { "GET", "/api/v1/complaints/counts", h_complaint_counts, KB_ROLE_ALL },
    { "GET", "/api/v1/complaints/:id", h_complaint_get, KB_ROLE_ALL },
    { "PATCH", "/api/v1/complaints/:id", h_complaint_update, WORK_INCIDENTS },
    { "POST", "/api/v1/complaints/:id/reply", h_complaint_reply, WORK_INCIDENTS },
    { "POST", "/api/v1/complaints/:id/close", h_complaint_close, WORK_INCIDENTS },
    { "GET", "/api/v1/settings/complaint-due", h_complaint_due_get, KB_ROLE_ALL },
    /* surveys: agents and admins run them, everyone reads the results; the public pair is
     * open (the one-time token is the credential, h_survey.c) */
    { "GET", "/api/v1/surveys", h_survey_list, KB_ROLE_ALL },
    { "POST", "/api/v1/surveys", h_survey_create, RUN_SURVEYS },
    { "GET", "/api/v1/surveys/:id", h_survey_get, KB_ROLE_ALL },
    { "POST", "/api/v1/surveys/:id/close", h_survey_close, RUN_SURVEYS },
    { "GET", "/api/v1/surveys/:id/recipients", h_survey_recipients, RUN_SURVEYS },
    { "POST", "/api/v1/surveys/:id/recipients", h_survey_add_recipients, RUN_SURVEYS },
    { "GET", "/api/v1/surveys/:id/results", h_survey_results, KB_ROLE_ALL },
    { "GET", "/api/v1/public/survey/:token", h_public_survey_get, 0 },
    { "POST", "/api/v1/public/survey/:token", h_public_survey_answer, 0 },
    /* review meetings and their actions: the desk records, everyone reads */
    { "GET", "/api/v1/meetings", h_meeting_list, KB_ROLE_ALL },
    { "POST", "/api/v1/meetings", h_meeting_create, WORK_INCIDENTS },
    { "GET", "/api/v1/meetings/:id", h_meeting_get, KB_ROLE_ALL },
    { "POST", "/api/v1/meetings/:id/actions", h_meeting_action_add, WORK_INCIDENTS },
    { "GET", "/api/v1/improvement-actions", h_qaction_list, KB_ROLE_ALL },
    { "PATCH", "/api/v1/improvement-actions/:id", h_qaction_update, WORK_INCIDENTS },
    { "PUT", "/api/v1/settings/complaint-due", h_complaint_due_set, KB_ROLE_ADMIN },
    { "POST", "/api/v1/suggest", h_suggest, KB_ROLE_ALL },
    { "POST", "/api/v1/suggest/feedback", h_suggest_feedback, KB_ROLE_ALL },
    { "GET", "/api/v1/reports/gaps", h_report_gaps, KB_ROLE_ALL },
    { "GET", "/api/v1/reports/summary", h_report_summary, KB_ROLE_ALL },
    { "GET", "/api/v1/reports/summary.csv", h_report_summary_csv, KB_ROLE_ALL },
    { "GET", "/api/v1/reports/problems", h_report_problems, KB_ROLE_ALL },
    /* the service report: everyone reads it; filing saves a catalogue version (WRITE_KB) */
    { "GET", "/api/v1/reports/service", h_svcreport_get, KB_ROLE_ALL },
    { "GET", "/api/v1/reports/service.pdf", h_svcreport_pdf, KB_ROLE_ALL },
    { "GET", "/api/v1/reports/service/schedule", h_svcreport_schedule, KB_ROLE_ALL },
    { "POST", "/api/v1/reports/service/file", h_svcreport_file, WRITE_KB },
    { "GET", "/api/v1/reports/assets", h_asset_report, KB_ROLE_ALL },
    { "POST", "/api/v1/backups", h_backup_create, KB_ROLE_ADMIN },
    { "GET", "/api/v1/backups", h_backup_list, AUDIT_READ },
    { "POST", "/api/v1/backups/prune", h_backup_prune, KB_ROLE_ADMIN },
    { "POST", "/api/v1/backups/:id/verify", h_backup_verify, AUDIT_READ },
    { "GET", "/api/v1/audit", h_audit_list, AUDIT_READ },
    { "GET", "/api/v1/audit.csv", h_audit_csv, AUDIT_READ },
    { "GET", "/api/v1/audit/verify", h_audit_verify, AUDIT_READ },
    { "GET", "/api/v1/groups", h_group_list, KB_ROLE_ALL },
    { "POST", "/api/v1/groups", h_group_create, KB_ROLE_ADMIN },
    { "GET", "/api/v1/groups/:name", h_group_get, KB_ROLE_ALL },
    { "PATCH", "/api/v1/groups/:name", h_group_update, KB_ROLE_ADMIN },
    { "GET", "/api/v1/routing-rules", h_routing_get, KB_ROLE_ALL },
    { "PUT", "/api/v1/routing-rules", h_routing_set, KB_ROLE_ADMIN },
    { "GET", "/api/v1/notification-channels", h_notify_channels, KB_ROLE_ADMIN },
    { "POST", "/api/v1/notification-channels", h_notify_channel_create, KB_ROLE_ADMIN },
    { "PATCH", "/api/v1/notification-channels/:id", h_notify_channel_update, KB_ROLE_ADMIN },
    { "DELETE", "/api/v1/notification-channels/:id", h_notify_channel_delete, KB_ROLE_ADMIN },
    { "POST", "/api/v1/notification-channels/:id/test", h_notify_channel_test, KB_ROLE_ADMIN },
    { "GET", "/api/v1/notifications", h_notify_list, AUDIT_READ },
    { "GET", "/api/v1/notification-templates", h_notify_templates, KB_ROLE_ADMIN },
    { "PUT", "/api/v1/notification-templates", h_notify_template_set, KB_ROLE_ADMIN },
    { "POST", "/api/v1/notification-templates/preview", h_notify_template_preview,
      KB_ROLE_ADMIN },
    { "GET", "/api/v1/me/notifications", h_notify_me, KB_ROLE_ALL },
    { "PUT", "/api/v1/me/notifications", h_notify_me_set, KB_ROLE_ALL },
    { "GET", "/api/v1/users", h_user_list, KB_ROLE_ADMIN },
    { "POST", "/api/v1/users", h_user_create, KB_ROLE_ADMIN },
    { "PATCH", "/api/v1/users/:name", h_user_update, KB_ROLE_ADMIN },
    { NULL, "/api/*rest", NULL, 0 }, /* any other /api path is an unknown route, never a file */
    { "GET", "/*path", h_static, 0 },
};

/* The handlers whose body is a file (SRV_BODY_RAW), not JSON. */
static const srv_handler raw_body[] = { h_attach_add, h_census_import };

/* The handlers with a check that runs as soon as the headers are in, before the body is
 * read (srv_match.early): a public route that refuses a spent client address at once. */
static const struct {
    srv_handler handler, early;
} early_checks[] = { { h_public_survey_answer, h_public_survey_early } };

static srv_handler early_check(srv_handler h)
{
    for (size_t i = 0; i < sizeof early_checks / sizeof early_checks[0]; i++)
        if (early_checks[i].handler == h)
            return early_checks[i].early;
    return NULL;
}

static unsigned body_kind(srv_handler h)
{
    for (size_t i = 0; i < sizeof raw_body / sizeof raw_body[0]; i++)
        if (raw_body[i] == h)
            return SRV_BODY_RAW;
    return 0;
}

static void clear_params(srv_req *rq)
{
    for (size_t i = 0; i < rq->nparams; i++) {
        free(rq->params[i].name);
        free(rq->params[i].value);
    }
    rq->nparams = 0;
}

static void add_param(srv_req *rq, const char *name, size_t name_len, const char *raw,
                      size_t raw_len)
{
    if (rq->nparams >= SRV_MAX_PARAMS)
        return;
    srv_kv *kv = &rq->params[rq->nparams++];
    kv->name = kb_xstrndup(name, name_len);
    kv->value = srv_pct_decode(raw, raw_len, 0, NULL);
}

/* Does the raw path p[0..len) (starting with '/') match pattern? Fills rq->params. */
static int match(const char *pattern, const char *p, size_t len, srv_req *rq)
{
    const char *end = p + len;
    const char *cur = p + 1;   /* after the leading '/' */
    int more = 1;              /* a (possibly empty) path segment remains at cur */
    const char *pat = pattern + 1;
    for (;;) {
        const char *pat_end = strchr(pat, '/');
        size_t pat_len = pat_end ? (size_t)(pat_end - pat) : strlen(pat);
        if (pat_len > 0 && pat[0] == '*') {
            add_param(rq, pat + 1, pat_len - 1, more ? cur : end, more ? (size_t)(end - cur) : 0);
            return 1;
        }
        if (!more)
            return 0;
        const char *seg_end = memchr(cur, '/', (size_t)(end - cur));
        size_t seg_len = seg_end ? (size_t)(seg_end - cur) : (size_t)(end - cur);
        if (pat_len > 0 && pat[0] == ':') {
            if (seg_len == 0)
                return 0;
            add_param(rq, pat + 1, pat_len - 1, cur, seg_len);
        } else {
            size_t dlen;
            char *dec = srv_pct_decode(cur, seg_len, 0, &dlen);
            int same = dlen == pat_len && memcmp(dec, pat, pat_len) == 0;
            free(dec);
            if (!same)
                return 0;
        }
        if (seg_end) {
            cur = seg_end + 1;
        } else {
            cur = end;
            more = 0;
        }
        if (!pat_end)
            return !more;
        pat = pat_end + 1;
    }
}

static void allow_add(char *allow, size_t size, const char *method)
{
    if (strstr(allow, method))
        return;
    size_t used = strlen(allow);
    int n = snprintf(allow + used, size - used, "%s%s", used ? ", " : "", method);
    if (n < 0 || (size_t)n >= size - used)
        allow[used] = '\0';
}

void srv_route_match(srv_req *rq, const char *method, const char *raw_path, size_t len,
                     srv_match *out)
{
    memset(out, 0, sizeof *out);
    if (len == 0 || raw_path[0] != '/') {
        out->status = 400;
        kb_err_set(&out->why, KB_EINVAL, "the request target must start with '/'");
        return;
    }
    const char *m = strcmp(method, "HEAD") == 0 ? "GET" : method;
    for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++) {
        const struct srv_route *r = &routes[i];
        int hit = match(r->pattern, raw_path, len, rq);
        if (!hit) {
            clear_params(rq);
            continue;
        }
        if (!r->handler) {
            clear_params(rq);
            break;
        }
        out->pattern = r->pattern;
        if (strcmp(r->method, m) == 0) {
            out->handler = r->handler;
            out->roles = r->roles;
            out->body = body_kind(r->handler);
            out->early = early_check(r->handler);
            return;
        }
        clear_params(rq);
        allow_add(out->allow, sizeof out->allow, r->method);
        if (strcmp(r->method, "GET") == 0)
            allow_add(out->allow, sizeof out->allow, "HEAD");
    }
    out->status = out->allow[0] ? 405 : 404;
}
