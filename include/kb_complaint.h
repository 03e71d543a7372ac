#ifndef KB_COMPLAINT_H
#define KB_COMPLAINT_H
#include <stddef.h>

#include "kb_err.h"
#include "kb_incident.h"
#include "kb_store.h"

/* Complaints (客户投诉) as quality records: raised from an incident's follow-up (a follow-up
 * with the complaint flag raises one in its own transaction, once: not while the incident
 * has a complaint that is not closed) or directly by the desk (about an incident, a caller
 * or nothing in the desk); owned by a user and/or a group; investigated (notes); answered
 * to the complainant (what, who, when, over which channel); closed with its cause and the
 * action taken.
 *
 * States: open (raised) -> investigating (notes written) -> replied -> closed. A reply may
 * be given while open or investigating, and again while replied (a correction or a further
 * answer: kept in the reply history; the first reply stays the reply, its time the one
 * reply_due is measured with); closing needs a reply, a cause and an action. Nothing
 * reopens a closed complaint.
 *
 * Due times: reply_due and close_due are reply_hours and close_hours of working time after
 * the complaint was raised, counted with the desk's business calendar (kb_calendar) and
 * time zone; both hours are settings (kb_complaint_due_get/set, defaults below). A
 * complaint is overdue at now when it has no reply past reply_due or is not closed past
 * close_due; the sweep (kb_notify_sweep) tells complaint_overdue once per complaint.
 * Raising one tells complaint_new (to the owner group's channels and the owner).
 *
 * Every change is audited: complaint.create, complaint.update, complaint.reply,
 * complaint.close (object "complaint:<id>"); complaint.settings for the hours. Rules and
 * SQL are in kb/store_complaint.c. Nothing here reads the clock. */

#define KB_COMPLAINT_MAX_SHORT 200u    /* names, phones, departments, channels, summary */
#define KB_COMPLAINT_MAX_TEXT 8000u    /* detail, investigation, reply, cause, action */
#define KB_COMPLAINT_DEF_LIMIT 50u
#define KB_COMPLAINT_MAX_LIMIT 200u
#define KB_COMPLAINT_MAX_QUERY 200u
#define KB_COMPLAINT_REPLY_HOURS 8     /* default: one working day to answer */
#define KB_COMPLAINT_CLOSE_HOURS 40    /* default: a working week to close */
#define KB_COMPLAINT_MAX_HOURS 2000    /* either setting at most */

/* The states, X(name). */
#define KB_COMPLAINT_STATES(X) X(open) X(investigating) X(replied) X(closed)
#define KB_COMPLAINT_X_ENUM(name) KB_COMPLAINT_##name,
typedef enum { KB_COMPLAINT_STATES(KB_COMPLAINT_X_ENUM) KB_COMPLAINT_NSTATES } kb_complaint_state;
/* "open" ...; NULL out of range. */
const char *kb_complaint_state_name(unsigned st);
/* The state called name, or -1. */
int kb_complaint_state_of(const char *name);

/* One reply to the complainant. Strings owned, never NULL. */
typedef struct {
    char *text;
    char *by;
    char *channel;
    long long at;
} kb_complaint_answer;

/* One complaint. Strings are owned and never NULL ("" when not set); free with
 * kb_complaint_free. Times are epoch seconds, 0 when not yet. */
typedef struct {
    long long id;
    char *source;          /* "followup" or "direct" */
    char *incident;        /* the incident's number, "" when none */
    char *caller;          /* the complainant */
    char *phone;
    char *department;
    char *channel;         /* how the complaint came in (phone, email, visit ...) */
    char *summary;         /* one line: what it is about */
    char *detail;
    char *owner;           /* a user, "" when none */
    char *owner_group;     /* a group, "" when none */
    kb_complaint_state state;
    char *investigation;
    char *reply;           /* the first reply: its text, who, channel and time (the time */
    char *reply_by;        /* reply_due and replied_in_time are measured with; a later */
    char *reply_channel;   /* reply never moves it) */
    long long reply_at;
    kb_complaint_answer *replies; /* every reply, oldest first (kb_complaint_get and the */
    size_t nreplies;             /* changes fill it; lists leave it empty) */
    char *cause;
    char *action;
    char *closed_by;
    long long closed_at;
    long long reply_due;
    long long close_due;
    char *created_by;
    long long created_at;
    long long updated_at;
} kb_complaint;
void kb_complaint_free(kb_complaint *c);
/* 1 when c is overdue at now (see above), else 0. */
int kb_complaint_overdue(const kb_complaint *c, long long now);

/* A complaint raised directly. NULL strings are "". summary is required; incident, when
 * given, must exist (its caller, phone and department fill those left empty); owner must
 * be an enabled user and owner_group a group when given. */
typedef struct {
    const char *incident;
    const char *caller;
    const char *phone;
    const char *department;
    const char *channel;
    const char *summary;
    const char *detail;
    const char *owner;
    const char *owner_group;
    const char *actor;
} kb_complaint_new;
kb_status kb_complaint_create(kb_store *s, const kb_complaint_new *in, long long now,
                              kb_complaint **out, kb_err *err);

/* The complaint a flagged follow-up raises (inside the follow-up's transaction): about inc,
 * its caller, owned by its group, summary from the comment's first line, detail the
 * comment (longer than KB_COMPLAINT_MAX_TEXT: cut at a character boundary, ending in "…";
 * the whole text stays in the incident's follow-up). Nothing when inc
 * has a complaint that is not closed. *id (may be NULL) gets the new id, 0 for none. */
kb_status kb_complaint_from_followup(kb_store *s, const kb_incident *inc, const char *comment,
                                     const char *actor, long long now, long long *id,
                                     kb_err *err);

/* KB_ENOTFOUND when there is no complaint id. */
kb_status kb_complaint_get(kb_store *s, long long id, kb_complaint **out, kb_err *err);

/* A change: NULL leaves a field as it is; "" clears owner or owner_group. investigation
 * replaces the notes and moves an open complaint to investigating. KB_ECONFLICT on a
 * closed complaint. */
typedef struct {
    const char *owner;
    const char *owner_group;
    const char *investigation;
    const char *summary;
    const char *detail;
    const char *actor;
} kb_complaint_change;
kb_status kb_complaint_update(kb_store *s, long long id, const kb_complaint_change *ch,
                              long long now, kb_complaint **out, kb_err *err);
/* The reply to the complainant (text and channel required) by actor at now. */
kb_status kb_complaint_reply(kb_store *s, long long id, const char *reply, const char *channel,
                             const char *actor, long long now, kb_complaint **out,
                             kb_err *err);
/* Closes a replied complaint with its cause and action (both required). */
kb_status kb_complaint_close(kb_store *s, long long id, const char *cause, const char *action,
                             const char *actor, long long now, kb_complaint **out,
                             kb_err *err);

/* A list's filter: NULL/""/0 for any. states: bits 1u << kb_complaint_state (0 any);
 * from/to: raised in [from, to) (0 open-ended); overdue: only those overdue at now; q: in
 * summary, caller or incident. */
typedef struct {
    unsigned states;
    const char *owner;
    const char *owner_group;
    const char *incident;
    const char *q;
    long long from, to;
    int overdue;
    long long now;
    size_t limit, offset;
} kb_complaint_filter;
typedef struct {
    kb_complaint **items;
    size_t n;
    long long total;
} kb_complaint_list;
void kb_complaint_list_free(kb_complaint_list *l);
/* Newest first. */
kb_status kb_complaint_list_get(kb_store *s, const kb_complaint_filter *f,
                                kb_complaint_list **out, kb_err *err);

/* The figures of a period [from, to) at now, for reports (the summary report, service
 * reports, review meetings). */
typedef struct {
    long long raised;          /* raised in the period */
    long long from_followup;   /* of these, from a follow-up */
    long long closed;          /* of these, closed (by now) */
    long long replied_in_time; /* of these, replied by reply_due */
    long long closed_in_time;  /* of these, closed by close_due */
    long long overdue;         /* of these, overdue at now */
    long long open_now;        /* not closed at now, raised at any time */
} kb_complaint_counts;
kb_status kb_complaint_counts_get(kb_store *s, long long from, long long to, long long now,
                                  kb_complaint_counts *out, kb_err *err);

/* The due-time settings in working hours (defaults when never set). */
kb_status kb_complaint_due_get(kb_store *s, long long *reply_hours, long long *close_hours,
                               kb_err *err);
/* 1..KB_COMPLAINT_MAX_HOURS each, reply_hours <= close_hours; audited. Complaints raised
 * before keep their due times. */
kb_status kb_complaint_due_set(kb_store *s, long long reply_hours, long long close_hours,
                               const char *actor, long long now, kb_err *err);

/* The sweep's part (kb_notify_sweep calls it): complaint_overdue once per complaint that
 * is overdue at now. *n (may be NULL) gets the number told. */
kb_status kb_complaint_sweep(kb_store *s, long long now, size_t *n, kb_err *err);

#endif
