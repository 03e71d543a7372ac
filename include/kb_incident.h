#ifndef KB_INCIDENT_H
#define KB_INCIDENT_H
#include <stddef.h>

#include "kb_calendar.h"
#include "kb_err.h"
#include "kb_store.h"
#include "kb_tz.h"

/* Incidents: calls to the service desk, kept in the knowledge-base database.
 *
 * The rules (lifecycle, priority matrix, SLA clocks, input checks) are pure functions in
 * kb/incident.c; the operations that read and write the database are in
 * kb/store_incident.c and apply those rules inside one write transaction each. Nothing
 * here reads the clock: every function that needs the time takes it as `now` (epoch
 * seconds, UTC), so tests can run the clocks at will.
 *
 * Lifecycle (see kb_incident_check_transition for the full table):
 *   new -> assigned -> in_progress <-> pending -> resolved -> closed
 *   resolved, closed -> in_progress (reopen; a follow-up that is not confirmed also
 *   reopens). Only a confirmed follow-up closes an incident. */

/* Limits on text fields, in bytes. */
#define KB_INC_MAX_SHORT 200u   /* caller_name, ..., summary, assignee, actor, links */
#define KB_INC_MAX_TEXT 20000u  /* description, resolution, notes, comments, reasons */
#define KB_INC_MAX_LINKS 20u    /* related links per resolution */
#define KB_INC_MAX_LIMIT 100u   /* incidents per list page */
#define KB_INC_MAX_MINUTES 1440 /* time spent given with one note */
#define KB_INC_MAX_CHILDREN 500u /* incidents of one major incident */
#define KB_INC_MAX_EXPORT 10000u  /* incidents in one CSV export */

typedef enum {
    KB_INC_NEW = 0,
    KB_INC_ASSIGNED,
    KB_INC_IN_PROGRESS,
    KB_INC_PENDING,   /* waiting for the caller or a vendor: the resolution clock stops */
    KB_INC_RESOLVED,
    KB_INC_CLOSED,
    KB_INC_NSTATUS
} kb_inc_status;

/* "new", "assigned", "in_progress", "pending", "resolved", "closed". Never NULL. */
const char *kb_incident_status_name(kb_inc_status st);
/* Parses a status name; KB_EINVAL naming the accepted values otherwise. */
kb_status kb_incident_status_parse(const char *s, kb_inc_status *out, kb_err *err);
/* True for new, assigned, in_progress and pending. */
int kb_incident_status_open(kb_inc_status st);

/* What moves an incident between statuses. */
typedef enum {
    KB_INC_OP_UPDATE,   /* an update that sets the status */
    KB_INC_OP_RESOLVE,  /* -> resolved */
    KB_INC_OP_CONFIRM,  /* follow-up, confirmed: -> closed */
    KB_INC_OP_REJECT,   /* follow-up, not confirmed: -> in_progress */
    KB_INC_OP_REOPEN    /* -> in_progress */
} kb_inc_op;

/* Checks that op may move an incident from status `from` to status `to` (for ops other
 * than KB_INC_OP_UPDATE, `to` must be kb_incident_op_target(op)). Legal moves:
 *   update:   new -> assigned, in_progress; assigned -> in_progress, pending;
 *             in_progress -> assigned, pending; pending -> assigned, in_progress
 *   resolve:  new, assigned, in_progress, pending -> resolved
 *   confirm:  resolved -> closed          reject: resolved -> in_progress
 *   reopen:   resolved, closed -> in_progress
 * Anything else is KB_EEXIST (a conflict with the incident's state) with a message that
 * names both statuses. */
kb_status kb_incident_check_transition(kb_inc_status from, kb_inc_status to, kb_inc_op op,
                                       kb_err *err);
/* The status an op other than KB_INC_OP_UPDATE leads to. */
kb_inc_status kb_incident_op_target(kb_inc_op op);

/* Priorities are 1..4 (P1 most urgent). Parses "P1".."P4"; KB_EINVAL otherwise. */
kb_status kb_incident_priority_parse(const char *s, int *out, kb_err *err);
/* The ITIL matrix: impact and urgency are 1 (high) .. 3 (low); their sum 2 -> P1, 3 -> P2,
 * 4 -> P3, 5 or 6 -> P4. KB_EINVAL when either is out of range. */
kb_status kb_incident_priority_matrix(int impact, int urgency, int *out, kb_err *err);

/* Channels: phone, email, walk-in, web. Categories: desktop, printer, network,
 * office software, business system, account, other. KB_EINVAL naming the accepted values
 * when s is not one of them. */
kb_status kb_incident_check_channel(const char *s, kb_err *err);
kb_status kb_incident_check_category(const char *s, kb_err *err);

/* --- SLA targets and clocks --- */

/* Response and resolution targets per priority (index 0 = P1) and the clock each runs on:
 * 7x24 (every second counts) or business hours (the working time of a business calendar,
 * kb_calendar.h, in the desk's time zone). A plain value: copy it freely (the calendar
 * and zone are borrowed by every copy). */
typedef struct {
    long long response[4];    /* seconds (a target given in days: 86400 a day) */
    long long resolve[4];
    int response_days[4];     /* N when the target was given as N days, else 0: in business
                                 hours a target of N days is N working days */
    int resolve_days[4];
    unsigned char business[4]; /* 1: the priority's targets count business hours */
    const kb_calendar *calendar; /* borrowed; NULL: business-hours targets run 7x24 */
    const kb_tz *zone;        /* borrowed: the zone of the calendar's hours (NULL = UTC) */
} kb_incident_sla;

/* The defaults: P1 15 min / 4 h, P2 30 min / 8 h, P3 4 h / 3 days, P4 1 day / 5 days, all
 * 7x24 (so that an upgrade changes no clock); no calendar. */
void kb_incident_sla_default(kb_incident_sla *out);
/* Parses an SLA file held in p[0..len) into *out, starting from the defaults. One line per
 * priority, e.g. "P1 response=15m resolve=4h" or "P3 response=4h resolve=3d hours=business";
 * durations are a whole number with a unit s, m, h or d (1 s .. 365 d); hours= is 24x7
 * (also written 7x24, the default) or business; '#' starts a comment; blank lines are
 * ignored; a priority may appear once; a line gives at least one setting. The response
 * target may not be longer than the resolution target (compared as written, a day as
 * 24 h). KB_EPARSE with *line (may be NULL) set to the 1-based line of the problem (0 for
 * the file as a whole). *out gets no calendar: set one before computing clocks. */
kb_status kb_incident_sla_parse(const char *p, size_t len, kb_incident_sla *out, size_t *line,
                                kb_err *err);

/* --- records --- */

/* One entry of an incident's timeline. Strings are owned by the event and never NULL. */
typedef struct {
    long long at;       /* epoch seconds */
    char *actor;        /* who recorded it: the logged-in user (rows written before schema
                           11 hold the name the request gave, see docs/API.md) */
    char *on_behalf_of; /* for whom it was recorded, "" when for nobody else */
    char *type;         /* created, status, assignee, group, parent, priority, note,
                           resolution, major (resolved with major incident `to`),
                           followup, reopen */
    char *from;         /* previous value (status name, assignee, "P3"), "" when none */
    char *to;           /* new value, "" when none */
    char *note;         /* note, resolution text, follow-up comment or reopen reason */
    char *resolved_by;  /* resolution: the item id, "" when none */
    char **links;       /* resolution: related links */
    size_t nlinks;
    int satisfaction;   /* followup: 1..5, 0 when not given */
    int confirmed;      /* followup: 0 or 1 */
    int complaint;      /* followup: 0 or 1 */
    int minutes;        /* note or status with a note: time spent, 0 when not given */
} kb_inc_event;

/* A period off the resolution clock: [from, to), epoch seconds. */
typedef struct {
    long long from;
    long long to;
} kb_inc_pause;

/* An incident. Every string is owned by the record and never NULL ("" when absent);
 * times are epoch seconds, 0 when not (yet) set. Freed with kb_incident_free(). */
typedef struct {
    long long rowid;
    char *number;          /* INC-YYYYMMDD-NNNN */
    kb_inc_status status;
    int priority;          /* 1..4 */
    int impact;            /* 1..3, 0 when the priority was given directly */
    int urgency;
    char *caller_name;
    char *caller_phone;    /* as given */
    char *department;
    char *location;
    char *channel;
    char *category;
    char *ci;
    char *summary;
    char *description;
    char *assignee;
    char *group;           /* the support group (kb_group.h), "" when none */
    char *parent;          /* the major incident this one belongs to, "" when none */
    long long time_spent;  /* minutes of the work notes */
    char **children;       /* the incidents of a major incident (kb_incident_get only) */
    size_t nchildren;
    char *resolution;      /* the latest resolution */
    char *resolved_by;     /* id of the known error or article that resolved it */
    char **links;          /* related links of every resolution, oldest first */
    size_t nlinks;
    char *created_by;
    char *created_on_behalf_of; /* "" when recorded for nobody else */
    long long created_at;
    long long updated_at;
    long long responded_at;   /* first move out of new */
    long long resolved_at;    /* set while resolved or closed */
    long long closed_at;      /* set while closed */
    long long pending_since;  /* set while pending */
    long long paused_seconds; /* time spent pending or resolved before a reopen */
    kb_inc_pause *pauses;     /* those periods (each pending period, each resolved or closed
                                 period a reopen ended), oldest first; their lengths sum to
                                 paused_seconds. The loaders fill them, the changes add to
                                 them; business-hours clocks count the working time in them */
    size_t npauses;
    int complaint;            /* a follow-up recorded a complaint */
    int satisfaction;         /* of the latest follow-up that gave one, 0 when none */
    int reopen_count;
    kb_inc_event *events;     /* the timeline, oldest first (only kb_incident_get fills
                                 it; the changing functions add the new events) */
    size_t nevents;
} kb_incident;

/* A new record with every string "" and no events. Free with kb_incident_free(). */
kb_incident *kb_incident_new(void);
/* Frees inc and everything it owns. inc may be NULL. */
void kb_incident_free(kb_incident *inc);
/* Rebuilds inc->pauses from the incident's status changes: n moves to status to[i] at time
 * at[i], oldest first, as its timeline records them (the status, resolution, followup and
 * reopen events); a move to the status it is already in is ignored. */
void kb_incident_set_pauses(kb_incident *inc, const long long *at, const kb_inc_status *to,
                            size_t n);

/* The SLA clocks of one incident at time now. On a business-hours priority (with a
 * calendar) targets, remaining times and breaches count working seconds, a target of N days
 * is the working time of N working days from creation (kb_calendar_days_seconds), due times
 * are the instants at which that working time runs out (a P3 logged on Friday at 17:50 is
 * due on the next working day, not on Saturday night), and pauses take out only the working
 * time they held (pending from Friday to Monday costs the working hours of Friday's end and
 * Monday's start). On 7x24 priorities every second counts. */
typedef struct {
    long long response_target;     /* seconds, from the priority (working seconds in
                                      business hours) */
    long long resolve_target;
    long long response_due;        /* epoch seconds */
    long long resolve_due;         /* moves later by the time spent pending (and resolved
                                      before a reopen); while pending it moves with now. Once
                                      breached on a business-hours clock: when it ran out */
    long long response_remaining;  /* target - time used by (responded_at or now); negative
                                      when late (7x24: due - (responded_at or now)) */
    long long resolve_remaining;   /* target - time used by (resolved_at or now); constant
                                      while pending */
    int response_breached;
    int resolve_breached;
    int paused;                    /* pending now: the resolution clock stands still */
    long long paused_seconds;      /* total time off the resolution clock so far (wall-clock
                                      seconds on either clock) */
    int business;                  /* the clocks count business hours */
} kb_inc_sla_state;

/* Parses a duration token p[0..len) as the SLA file writes them ("15m", "8h", "3d") into
 * seconds (1 s .. 365 days); -1 when malformed or out of range. *days gets the number
 * when the unit is d (in business hours: working days), else 0. */
long long kb_incident_duration_parse(const char *p, size_t len, int *days);

/* Pure: the calendar and zone come in sla. A business-hours clock whose calendar cannot
 * place the due time within KB_CAL_HORIZON days runs 7x24 instead. */
void kb_incident_sla_state(const kb_incident *inc, const kb_incident_sla *sla, long long now,
                           kb_inc_sla_state *out);
/* True when open incident inc has its response (while new) or resolution due within
 * `within` seconds of now (remaining time at most within: working seconds on a
 * business-hours clock), or already breached; *due gets the earlier such due time. */
int kb_incident_at_risk_due(const kb_incident *inc, const kb_incident_sla *sla, long long now,
                            long long within, long long *due);

/* --- changes (pure: applied to a record in memory, with their timeline events) --- */

/* A new incident. Strings are borrowed; NULL means not given. Required: caller_name,
 * channel, category, summary, and either priority or both impact and urgency. */
typedef struct {
    const char *caller_name;
    const char *caller_phone;
    const char *department;
    const char *location;
    const char *channel;
    const char *category;
    const char *ci;
    const char *summary;
    const char *description;
    const char *group;       /* support group; NULL = from the routing rules */
    const char *assignee;    /* an enabled user (of the group, when there is one); moves
                                the new incident to assigned */
    const char *actor;       /* who records it; NULL or "" = "anonymous" */
    const char *on_behalf_of; /* for whom, NULL or "" = nobody else */
    int priority;            /* 1..4, 0 = from impact and urgency */
    int impact;              /* 1..3, 0 = not given */
    int urgency;
} kb_inc_create;

/* An update. NULL / 0 leave a field alone; note is recorded with the status change, or on
 * its own. Setting an assignee on a new incident without a status moves it to assigned.
 * Moving an incident to another group (functional escalation) needs a reason, and leaves
 * it without an assignee unless one is given (in progress becomes assigned). */
typedef struct {
    const char *actor;
    const char *on_behalf_of;
    const char *assignee;    /* "" removes the assignee */
    const char *group;       /* "" removes the group */
    const char *reason;      /* why the group changes: required when it had one */
    const char *parent;      /* the major incident; "" unlinks */
    const char *ci;          /* the configuration item (an asset's tag); "" clears it */
    int priority;            /* 1..4, 0 = unchanged */
    int set_status;
    kb_inc_status status;    /* when set_status */
    const char *note;
    int minutes;             /* time spent, with a note: 1 .. KB_INC_MAX_MINUTES */
    const char *scope_user;  /* not NULL: only when the incident is assigned to this user or
                                to one of their groups (an engineer), else KB_EDENIED */
} kb_inc_update;

typedef struct {
    const char *actor;
    const char *on_behalf_of;
    const char *resolution;  /* required */
    const char *resolved_by; /* NULL or the id of a known error or article */
    const char *const *links;/* item ids or http(s) URLs */
    size_t nlinks;
    const char *scope_user;  /* as in kb_inc_update */
    const char *major;       /* set by the store when a major incident's resolution resolves
                                this one: its number, recorded as a "major" event */
} kb_inc_resolve;

typedef struct {
    const char *actor;
    const char *on_behalf_of;
    int satisfaction;        /* 1..5, 0 = not given */
    const char *comment;     /* required with a complaint */
    int confirmed;           /* 1 closes the incident, 0 reopens it */
    int complaint;
} kb_inc_followup;

/* Checks a new incident's fields and fills inc (a fresh kb_incident_new() record) with
 * them, status new, the created event and times at now. The number is not set. */
kb_status kb_incident_apply_new(kb_incident *inc, const kb_inc_create *in, long long now,
                                kb_err *err);
/* Apply a change to inc at time now: check the rules, change the fields and clocks and
 * append the events. On failure inc is unchanged. resolve does not check that
 * resolved_by and links exist (the store does). */
kb_status kb_incident_apply_update(kb_incident *inc, const kb_inc_update *u, long long now,
                                   kb_err *err);
kb_status kb_incident_apply_resolve(kb_incident *inc, const kb_inc_resolve *r, long long now,
                                    kb_err *err);
kb_status kb_incident_apply_followup(kb_incident *inc, const kb_inc_followup *f,
                                     long long now, kb_err *err);
kb_status kb_incident_apply_reopen(kb_incident *inc, const char *actor,
                                   const char *on_behalf_of, const char *reason, long long now,
                                   kb_err *err);

/* --- numbers, phones, times --- */

/* Writes "INC-YYYYMMDD-NNNN" for sequence seq (1-based; more digits past 9999) of the desk
 * day of now (kb_date.h: the day in the desk's time zone) into out (at least 32 bytes). */
void kb_incident_format_number(long long now, long long seq, char *out, size_t size);
/* The desk day of t as YYYYMMDD. */
long long kb_incident_day(long long t);
/* The numbers of desk records (incidents INC, service requests REQ): "PREFIX-YYYYMMDD-NNNN"
 * for sequence seq of the desk day of now; and whether s has that shape. */
void kb_desk_format_number(const char *prefix, long long now, long long seq, char *out,
                           size_t size);
int kb_desk_number_valid(const char *s, const char *prefix);
/* True when s has the shape of an incident number. */
int kb_incident_number_valid(const char *s);
/* Parses YYYY-MM-DD (a real date) to the epoch seconds at which that desk day begins. */
kb_status kb_incident_parse_day(const char *s, long long *out, kb_err *err);
/* Writes t as ISO-8601 UTC ("2026-03-10T08:15:00Z") into out (at least 32 bytes). */
void kb_incident_format_time(long long t, char *out, size_t size);

/* --- operations on the database (kb/store_incident.c) --- */

/* Each change runs in one write transaction (BEGIN IMMEDIATE), so concurrent writers
 * serialise and nothing is lost. On success *out (may be NULL when not wanted) is the
 * incident as stored, with its whole timeline; free with kb_incident_free(). Unknown
 * numbers are KB_ENOTFOUND; broken rules KB_EEXIST (status conflicts) or KB_EINVAL. */

/* What the store checks besides the rules of kb/incident.c: an assignee is an existing,
 * enabled user and, when the incident has a group, one of its members; a group exists; a
 * parent is an open incident that does not belong to another one, and not an incident
 * that has incidents of its own; scope_user may work the incident. A new incident without
 * a group gets the group of the first routing rule that matches it. Resolving a major
 * incident resolves its open incidents with its resolution, in the same transaction; each
 * keeps its own follow-up. */

/* Records a new incident with the next number of the desk day of now. */
kb_status kb_incident_create(kb_store *s, const kb_inc_create *in, long long now,
                             kb_incident **out, kb_err *err);
/* Loads an incident with its timeline. */
kb_status kb_incident_get(kb_store *s, const char *number, kb_incident **out, kb_err *err);
/* KB_EDENIED unless user may work inc (the scope_user rule: it is assigned to user or to
 * one of user's groups); user NULL: anyone may. For changes beside the incident's own
 * (its attachments). */
kb_status kb_incident_check_scope(kb_store *s, const kb_incident *inc, const char *user,
                                  kb_err *err);
kb_status kb_incident_update(kb_store *s, const char *number, const kb_inc_update *u,
                             long long now, kb_incident **out, kb_err *err);
/* resolved_by must be a known error or article in the store, and each link an item id in
 * the store or an http(s) URL (KB_EINVAL otherwise). */
kb_status kb_incident_resolve(kb_store *s, const char *number, const kb_inc_resolve *r,
                              long long now, kb_incident **out, kb_err *err);

kb_status kb_incident_followup(kb_store *s, const char *number, const kb_inc_followup *f,
                               long long now, kb_incident **out, kb_err *err);
kb_status kb_incident_reopen(kb_store *s, const char *number, const char *actor,
                             const char *on_behalf_of, const char *reason, long long now,
                             kb_incident **out, kb_err *err);

/* List filters. Strings are borrowed; NULL or "" means any. */
typedef struct {
    unsigned status_mask;    /* bit (1u << status) per wanted status; 0 = any */
    int priority;            /* 1..4, 0 = any */
    const char *assignee;    /* exact */
    const char *group;       /* exact */
    const char *member_of;   /* incidents of the groups this user is in */
    int unassigned;          /* 1 = without an assignee */
    const char *parent;      /* the incidents of this major incident */
    const char *category;
    const char *phone;       /* a number or part of one (at least KB_PHONE_MIN_QUERY
                                digits, kb_phone_query): incidents whose caller phone
                                contains it in canonical form (kb_phone_norm); text that
                                is not one matches nothing */
    const char *q;           /* substring of summary, description, number or caller name
                                (ASCII letters match in any case) */
    long long from;          /* created_at >= from, 0 = open */
    long long to;            /* created_at < to, 0 = open */
    int complaint;           /* 1 = with a complaint, 0 = without, -1 = any */
    size_t limit;            /* 0 = 20, at most KB_INC_MAX_LIMIT */
    size_t offset;
} kb_inc_filter;

/* A page of incidents (records without timelines). */
typedef struct {
    kb_incident **items;
    size_t n;
    long long total;         /* matches over all pages */
} kb_inc_list;

/* Newest first (created_at, then number). *out is freed with kb_incident_list_free(). */
kb_status kb_incident_list(kb_store *s, const kb_inc_filter *f, kb_inc_list **out,
                           kb_err *err);
/* Open incidents whose response or resolution is due within `within` seconds of now, or
 * already breached (kb_incident_at_risk_due), soonest due first; limit/offset as in
 * kb_incident_list. */
kb_status kb_incident_at_risk(kb_store *s, const kb_incident_sla *sla, long long now,
                              long long within, size_t limit, size_t offset,
                              kb_inc_list **out, kb_err *err);
void kb_incident_list_free(kb_inc_list *l);

/* An incident as listed with a caller or an asset. Strings owned, never NULL. */
typedef struct {
    char *number;
    char *status;            /* kb_incident_status_name */
    int priority;            /* 1..4 */
    char *summary;
    char *caller_name;       /* as recorded on the incident */
    char *caller_phone;
    long long created_at;
    long long resolved_at;   /* 0 when not resolved */
} kb_incident_brief;

/* Frees the n briefs of v and v. */
void kb_incident_briefs_free(kb_incident_brief *v, size_t n);

#endif
