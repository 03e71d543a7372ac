#ifndef KB_MEETING_H
#define KB_MEETING_H
#include <stddef.h>

#include "kb_err.h"
#include "kb_store.h"

/* Review meetings (回访与总结例会) and their improvement actions (改进措施).
 *
 * A meeting records its day, title, attendees, the period it reviews with that period's
 * figures (a snapshot: the caller passes the summary report's JSON text, stored as given),
 * the evaluations discussed (links to incidents "INC-..." or complaints "complaint:<id>"),
 * the causes found and notes, and the improvement actions agreed: each with an owner, a
 * due day and a status (open, in_progress, done, cancelled).
 *
 * Carry-over: a meeting shows, beside the actions it raised, the actions of earlier
 * meetings (held before its day) that were still open at it: not done or cancelled, or
 * finished on or after its day. So an action stays on every meeting's agenda until it is
 * done. Actions are listed across meetings by status, owner and overdue (due before the
 * desk day given, not finished).
 *
 * Audited: meeting.create, qaction.create, qaction.update (objects "meeting:<id>",
 * "qaction:<id>"). SQL in kb/store_meeting.c. Nothing here reads the clock. */

#define KB_MEETING_MAX_TITLE 200u
#define KB_MEETING_MAX_NAME 100u        /* an attendee, an owner */
#define KB_MEETING_MAX_ATTENDEES 50u
#define KB_MEETING_MAX_LINKS 100u
#define KB_MEETING_MAX_LINK 64u
#define KB_MEETING_MAX_TEXT 8000u       /* evaluations, causes, notes, an action's note */
#define KB_MEETING_MAX_FIGURES (256u * 1024u) /* the snapshot */
#define KB_MEETING_MAX_ACTIONS 50u      /* agreed at one meeting */
#define KB_MEETING_MAX_LIMIT 200u

/* The statuses of an action, X(name). */
#define KB_QACTION_STATES(X) X(open) X(in_progress) X(done) X(cancelled)
#define KB_QACTION_X_ENUM(name) KB_QACTION_##name,
typedef enum { KB_QACTION_STATES(KB_QACTION_X_ENUM) KB_QACTION_NSTATES } kb_qaction_state;
const char *kb_qaction_state_name(unsigned st);
int kb_qaction_state_of(const char *name);

/* An improvement action. Strings owned, never NULL. */
typedef struct {
    long long id;
    long long meeting;      /* where it was agreed */
    char meeting_day[11];   /* that meeting's day */
    char *title;
    char *owner;
    char due[11];           /* YYYY-MM-DD */
    kb_qaction_state state;
    char *note;             /* progress or outcome */
    char *created_by;
    long long created_at;
    long long updated_at;
    long long finished_at;  /* when done or cancelled, 0 otherwise */
    char *finished_by;
} kb_qaction;
void kb_qaction_free_fields(kb_qaction *a);
void kb_qactions_free(kb_qaction *v, size_t n);
/* 1 when a is not finished and its due day is before today (YYYY-MM-DD). */
int kb_qaction_overdue(const kb_qaction *a, const char *today);

/* A meeting. Strings owned, never NULL; free with kb_meeting_free. */
typedef struct {
    long long id;
    char day[11];
    char *title;
    char **attendees;
    size_t nattendees;
    char period_from[11];
    char period_to[11];
    char *figures;          /* the snapshot's JSON text ("" when none) */
    char **links;
    size_t nlinks;
    char *evaluations;
    char *causes;
    char *notes;
    char *created_by;
    long long created_at;
    kb_qaction *actions;    /* raised here (kb_meeting_get only) */
    size_t nactions;
    kb_qaction *carried;    /* of earlier meetings, open at this one (kb_meeting_get only) */
    size_t ncarried;
} kb_meeting;
void kb_meeting_free(kb_meeting *m);

typedef struct {
    const char *title;
    const char *owner;      /* required */
    const char *due;        /* required day */
} kb_qaction_in;
typedef struct {
    const char *day;        /* required */
    const char *title;      /* required */
    const char *const *attendees;
    size_t nattendees;
    const char *period_from; /* required, from <= to */
    const char *period_to;
    const char *figures;    /* JSON text of the period's summary (the caller makes it) */
    const char *const *links; /* "INC-..." or "complaint:<id>"; must exist */
    size_t nlinks;
    const char *evaluations;
    const char *causes;
    const char *notes;
    const kb_qaction_in *actions;
    size_t nactions;
    const char *actor;
} kb_meeting_in;
/* Checks in (KB_EINVAL naming the field) without the database. */
kb_status kb_meeting_check(const kb_meeting_in *in, kb_err *err);
kb_status kb_meeting_create(kb_store *s, const kb_meeting_in *in, long long now,
                            kb_meeting **out, kb_err *err);
kb_status kb_meeting_get(kb_store *s, long long id, kb_meeting **out, kb_err *err);
/* Newest day first, without figures, actions or carried. */
kb_status kb_meeting_list(kb_store *s, size_t limit, size_t offset, kb_meeting ***out,
                          size_t *n, long long *total, kb_err *err);
void kb_meeting_list_free(kb_meeting **v, size_t n);

/* Adds an action to meeting id. */
kb_status kb_qaction_add(kb_store *s, long long meeting, const kb_qaction_in *in,
                         const char *actor, long long now, kb_qaction *out, kb_err *err);
/* A change; NULL leaves a field. state < 0 leaves it; finishing (done, cancelled) records
 * who and when; an open or in_progress state after that clears them. */
typedef struct {
    int state;
    const char *owner;
    const char *due;
    const char *note;
    const char *actor;
} kb_qaction_change;
kb_status kb_qaction_update(kb_store *s, long long id, const kb_qaction_change *ch,
                            long long now, kb_qaction *out, kb_err *err);
kb_status kb_qaction_get(kb_store *s, long long id, kb_qaction *out, kb_err *err);

/* A list of actions across meetings (for the page and service reports): states bits
 * 1u << kb_qaction_state (0 any); owner exact; overdue: only those overdue at today;
 * live_from < live_to: only those live in [live_from, live_to) (agreed before live_to and
 * not finished before live_from; both 0 for any). Oldest due first. */
typedef struct {
    unsigned states;
    const char *owner;
    int overdue;
    const char *today;      /* YYYY-MM-DD, required with overdue */
    long long live_from, live_to;
    size_t limit, offset;
} kb_qaction_filter;
kb_status kb_qaction_list(kb_store *s, const kb_qaction_filter *f, kb_qaction **out, size_t *n,
                          long long *total, kb_err *err);

#endif
