#ifndef KB_SVCREPORT_H
#define KB_SVCREPORT_H
#include <stddef.h>

#include "kb_asset.h"
#include "kb_buf.h"
#include "kb_complaint.h"
#include "kb_date.h"
#include "kb_err.h"
#include "kb_incident.h"
#include "kb_maint.h"
#include "kb_meeting.h"
#include "kb_report.h"
#include "kb_store.h"
#include "kb_usage.h"

/* The service report (服务报告) the provider hands in for a period: the period's summary
 * (kb_report_summary: volumes by category, priority and channel, SLA attainment overall
 * and per priority, satisfaction, top known errors, complaints), the knowledge gaps, the
 * complaint records and the improvement actions agreed at review meetings, and the asset
 * and maintenance figures when the desk keeps them. Rendered as Markdown (the
 * filed document's searchable text) and as an A4 PDF with charts (kb_pdf.h); filed into
 * the document catalogue as a controlled document of doc_type "service report" with the
 * PDF attached; a schedule (monthly on day N, or weekly) says when the next one is due.
 * Data in kb/svcreport.c (no SQL) and kb/store_svcreport.c (the filed reports). */

#define KB_SVCREPORT_DOC_TYPE "service report"
#define KB_SVCREPORT_PREFIX "YW-BG-"   /* document numbers when the class of doc_type
                                          "service report" has no prefix (kb_docclass.h),
                                          as the samples' YW-BG-001 */
#define KB_SVCREPORT_DIGITS 3
#define KB_SVCREPORT_GAPS 10            /* knowledge gaps listed */
#define KB_SVCREPORT_ROWS 30            /* rows of any other list in the report */
#define KB_SVCREPORT_MAX_PAGES 40       /* pages of the PDF */

/* The report's period [*from, *to) from desk days from_day and to_day (YYYY-MM-DD, both
 * inclusive): neither given (NULL or ""): the calendar month before the desk day of now;
 * both: kb_report_range's checks (bad date, to before from, more than KB_REPORT_MAX_DAYS
 * days); only one: KB_EINVAL. */
kb_status kb_svcreport_range(const char *from_day, const char *to_day, long long now,
                             long long *from, long long *to, kb_err *err);

/* Maintenance tasks due in the period, summed over kb_maint_report's months. */
typedef struct {
    long long total, on_time, late, open, overdue;
} kb_svcreport_maint;

/* One report. A record: free with kb_svcreport_free(). */
typedef struct {
    long long from, to, now;             /* [from, to), generated at now */
    char from_day[KB_DATE_LEN];          /* the period's first and last desk days */
    char to_day[KB_DATE_LEN];
    kb_report_summary *summary;
    kb_gap *gaps;                        /* searches that found nothing, last seen in or
                                            after the period, most frequent first */
    size_t ngaps;
    kb_complaint_counts complaints;      /* complaint records of the period */
    kb_complaint_list *complaint_list;   /* raised in the period, newest first, at most
                                            KB_SVCREPORT_ROWS (->total: all of them) */
    kb_qaction *actions;                 /* improvement actions live in the period (agreed
                                            before its end, not finished before its
                                            start), oldest due first, at most
                                            KB_SVCREPORT_ROWS */
    size_t nactions;
    long long actions_total;             /* all of those */
    long long actions_open;              /* of those, not finished at now */
    long long actions_overdue;           /* of those, overdue at now */
    kb_asset_report *assets;             /* NULL when the desk keeps no assets */
    kb_svcreport_maint maint;            /* all 0 when no task was due */
} kb_svcreport;

/* Gathers the report of [from, to) (from < to) with SLA targets sla at now. */
kb_status kb_svcreport_get(kb_store *s, const kb_incident_sla *sla, long long from,
                           long long to, long long now, kb_svcreport **out, kb_err *err);
void kb_svcreport_free(kb_svcreport *r);

/* The report's title ("IT 服务报告（2026-11-01 至 2026-11-30）") into out. */
void kb_svcreport_title(const kb_svcreport *r, kb_buf *out);
/* The report as Markdown (headings, tables of the figures; no front matter) appended to
 * out. */
void kb_svcreport_markdown(const kb_svcreport *r, kb_buf *out);
/* The report as a PDF: *out (free()) of *len bytes. doc_no (may be NULL) is printed on the
 * title page. kb_pdf_render's failures. */
kb_status kb_svcreport_pdf(const kb_svcreport *r, const char *doc_no, char **out, size_t *len,
                           kb_err *err);

/* --- filing --- */

/* A filed report: the document that holds the reports of a period. */
typedef struct {
    char doc_no[64];
    long long version;       /* the version the latest filing saved */
    long long attachment;    /* the PDF attached by it */
    long long filed_at;
    char filed_by[64];
} kb_svcreport_filed;

/* Files r into the catalogue by actor at now: a version of the document of r's period (a
 * new one numbered with the prefix of its class (kb_docclass.h; KB_SVCREPORT_PREFIX when the
 * class has none) + the next free number the first time; a new
 * version of the same document afterwards) whose text is the Markdown report with front
 * matter (doc_type KB_SVCREPORT_DOC_TYPE, report_period), saved and published at once
 * (the figures are the desk's own record, nothing to review; the version before becomes
 * superseded), with pdf attached to the document, audited (svcreport.file). One
 * transaction. KB_EEXIST when the document's latest version waits for review; the
 * catalogue's other refusals as kb_wf_save and kb_attach_add. */
kb_status kb_svcreport_file(kb_store *s, const kb_svcreport *r, const void *pdf, size_t len,
                            const char *actor, long long now, kb_svcreport_filed *out,
                            kb_err *err);
/* Whether the period from_day..to_day was filed: *found 0 or 1 and *out its record. */
kb_status kb_svcreport_find(kb_store *s, const char *from_day, const char *to_day,
                            int *found, kb_svcreport_filed *out, kb_err *err);

/* --- the schedule --- */

typedef enum { KB_SVC_OFF, KB_SVC_MONTHLY, KB_SVC_WEEKLY } kb_svc_every;

/* When reports are due: monthly on day 1..28 (the previous calendar month's report is due
 * on that day of the month), or weekly on weekday 1..7 (Monday..Sunday; the previous
 * Monday-to-Sunday week's report is due on that day of the week). */
typedef struct {
    kb_svc_every every;
    int day;
} kb_svc_schedule;

#define KB_SVC_SCHEDULE_DEFAULT { KB_SVC_MONTHLY, 5 }

/* "off", "monthly", "weekly"; parse: KB_EINVAL otherwise. */
const char *kb_svc_every_name(kb_svc_every e);
kb_status kb_svc_every_parse(const char *s, kb_svc_every *out, kb_err *err);
/* KB_EINVAL naming the field when day is out of range for every. */
kb_status kb_svc_schedule_check(const kb_svc_schedule *sc, kb_err *err);

/* A due date and the period whose report is due then (YYYY-MM-DD, inclusive). */
typedef struct {
    char due[KB_DATE_LEN];
    char from[KB_DATE_LEN];
    char to[KB_DATE_LEN];
} kb_svc_period;

/* For a checked schedule that is not off and today (YYYY-MM-DD, valid): *cur the last
 * complete period before today (the previous month or week) with its due date (in this
 * month or week: it may be before, on or after today), *next the period after it (the one
 * today is in). A period whose due date passed unfiled stops being current when the next
 * period is complete. */
void kb_svc_schedule_periods(const kb_svc_schedule *sc, const char *today, kb_svc_period *cur,
                             kb_svc_period *next);

#endif
