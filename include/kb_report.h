#ifndef KB_REPORT_H
#define KB_REPORT_H
#include <stddef.h>

#include "kb_err.h"
#include "kb_incident.h"
#include "kb_request.h"
#include "kb_store.h"

/* Service-desk reports over the incident tables: the period summary for the weekly review
 * and the problem-management view (resolutions reused without a known error). Everything
 * here only reads the database (kb/store_report.c); nothing reads the clock: the current
 * time comes in as `now` (epoch seconds, UTC). */

#define KB_REPORT_MAX_DAYS 366       /* longest summary period, in days */
#define KB_REPORT_DEFAULT_DAYS 7     /* period when neither end is given */
#define KB_REPORT_TOP_ITEMS 10       /* known errors listed by the summary */
#define KB_REPORT_MIN_GROUP 2        /* smallest and largest `min` of the problem view */
#define KB_REPORT_MAX_GROUP 100
#define KB_REPORT_GROUP_NUMBERS 20   /* incident numbers listed per problem group */

/* The period [*from, *to) in epoch seconds from the UTC days from_day and to_day
 * (YYYY-MM-DD, both inclusive; NULL or "" when not given). Neither given: the 7 days
 * ending with the UTC day of now. Only to_day: the 7 days ending with it. Only from_day:
 * from it to the day of now. KB_EINVAL naming the parameter for a bad date, for to before
 * from, and for a period longer than KB_REPORT_MAX_DAYS. */
kb_status kb_report_range(const char *from_day, const char *to_day, long long now,
                          long long *from, long long *to, kb_err *err);

/* A name and how many. */
typedef struct {
    char *name;
    long long count;
} kb_report_count;

/* A knowledge item that resolved incidents: its id, title and type from the knowledge
 * base ("" when the item is no longer there) and the number of incidents. */
typedef struct {
    char *kb_id;
    char *title;
    char *type;
    long long count;
} kb_report_item;

/* Open incidents by age (now - created_at): under 1 day, 1 to 3 days, 3 to 7 days, 7
 * days and more (each lower bound included). */
enum { KB_AGE_UNDER_1D, KB_AGE_1D_3D, KB_AGE_3D_7D, KB_AGE_OVER_7D, KB_AGE_NBUCKETS };

/* The summary of the incidents created in [from, to). A record: every pointer is owned by
 * it; free with kb_report_summary_free(). */
typedef struct {
    long long from;
    long long to;
    long long now;
    long long total;                          /* incidents created in the period */
    long long by_status[KB_INC_NSTATUS];      /* their current status */
    long long by_priority[4];                 /* index 0 = P1 */
    kb_report_count *categories;              /* most first, then by name */
    size_t ncategories;
    kb_report_count *channels;                /* by channel (phone, e-mail ...), most
                                                 first, then by name */
    size_t nchannels;
    kb_report_count *days;                    /* incidents created per UTC day (name
                                                 YYYY-MM-DD), days without any left out */
    size_t ndays;
    /* SLA (kb_incident_sla_state with the targets given): of the incidents that had their
     * response (responded_at set), those answered by the response due time; of those now
     * resolved or closed, those resolved by their resolution due time. */
    long long responded;
    long long response_met;
    long long resolved;
    long long resolve_met;
    struct {                                  /* the same per priority (index 0 = P1) */
        long long responded, response_met, resolved, resolve_met;
    } sla_by_priority[4];
    /* Means over the same sets, rounded to whole seconds (0 when the set is empty):
     * created -> responded_at, created -> resolved_at (the latest resolution, wall clock:
     * time pending is included). */
    long long mean_respond_seconds;
    long long mean_resolve_seconds;
    /* Follow-ups of these incidents that gave a satisfaction (every such follow-up counts,
     * also two of one incident); rating[k] counts the value k + 1. */
    long long ratings;
    long long rating[5];
    double rating_average;                    /* 0 when there are no ratings */
    /* Items in resolved_by of these incidents while resolved or closed, most first, then
     * by id; at most KB_REPORT_TOP_ITEMS. */
    kb_report_item *top;
    size_t ntop;
    long long reopened;                       /* of these incidents, reopened at least once */
    long long reopen_events;                  /* reopens (also unconfirmed follow-ups) of any
                                                 incident that happened in the period */
    long long complaints;                     /* of these incidents, with a complaint */
    long long open;                           /* incidents open now, created at any time */
    long long aging[KB_AGE_NBUCKETS];         /* the open ones by age at now */
    kb_req_report requests;                   /* service requests, their own section
                                                 (kb_request_report; fulfilment clocks
                                                 with the desk's calendar, sla's) */
} kb_report_summary;

/* Computes the summary of [from, to) (from < to) with the SLA targets sla, ages at now,
 * inside one read transaction (a consistent snapshot) unless the caller has one open.
 * *out is freed with kb_report_summary_free(); NULL on failure. */
kb_status kb_report_summary_get(kb_store *s, const kb_incident_sla *sla, long long from,
                                long long to, long long now, kb_report_summary **out,
                                kb_err *err);
void kb_report_summary_free(kb_report_summary *r);

/* One problem candidate: resolved or closed incidents without a resolved_by item whose
 * resolutions are the same after kb_report_normalize. Strings are owned by the record. */
typedef struct {
    char *key;               /* the normalised resolution */
    char *resolution;        /* the text as written, of the latest resolution */
    long long count;         /* incidents in the group */
    char **numbers;          /* latest resolution first, at most KB_REPORT_GROUP_NUMBERS */
    size_t nnumbers;
    char **categories;       /* distinct, by name */
    size_t ncategories;
    long long last_resolved; /* epoch seconds */
} kb_report_problem;

/* The groups of at least min incidents (KB_REPORT_MIN_GROUP..KB_REPORT_MAX_GROUP, else
 * KB_EINVAL), largest first, then latest resolution first, then by key; at most max of
 * them (0 = all) in *out, with *total (may be NULL) the number of groups before that cut.
 * Empty resolutions are left out. Free *out with kb_report_problems_free(*out, *n). */
kb_status kb_report_problems(kb_store *s, size_t min, size_t max, kb_report_problem **out,
                             size_t *n, size_t *total, kb_err *err);
void kb_report_problems_free(kb_report_problem *p, size_t n);

/* The form under which resolutions are compared: white space (ASCII and U+3000) at both
 * ends removed and runs of it inside made one space; ASCII letters lower-case; then
 * trailing punctuation (ASCII . , ; : ! ? and the full-width 。，、；：！？ and …) and the
 * white space before it removed, repeatedly. Other text is kept byte for byte. The caller
 * frees the result. */
char *kb_report_normalize(const char *s);

/* A duration for people: the largest two units of d, h, m, s with a non-zero first
 * ("1d 2h", "3h", "5m 30s", "0s"; the second unit is left out when it is zero); negative
 * values count as 0. Writes into out (at least 32 bytes). */
void kb_report_duration(long long seconds, char *out, size_t size);

#endif
