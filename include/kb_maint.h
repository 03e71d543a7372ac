#ifndef KB_MAINT_H
#define KB_MAINT_H
#include <stddef.h>

#include "kb_date.h"
#include "kb_err.h"
#include "kb_store.h"

/* Maintenance and inspection (定期巡检、保养): plans that say which assets are looked at
 * how often and against which checklist, the tasks generated for each due date, and the
 * results recorded per checklist item; a fault opens an incident linked to the asset.
 *
 * A plan covers one asset (by tag) or every asset of a class that is not scrapped. It is
 * due on its start date and then every N days, weeks or months; months count from the
 * start date, keeping its day of the month where the month has it and taking the month's
 * last day where it does not (start 31 Jan: 28 or 29 Feb, 31 Mar, 30 Apr ...).
 *
 * Generation (kb_maint_generate: by the notification sweep and on demand) creates the
 * task of a plan, asset and due date once (a unique key: never twice), for the due dates
 * up to KB_MAINT_LOOKAHEAD_DAYS after the desk's day. Of the due dates that passed without
 * a task (a server that was off, a plan whose start lies in the past), only the latest is
 * generated, and one run creates at most KB_MAINT_MAX_GENERATE tasks (the next run goes
 * on): catching up never creates unbounded rows.
 *
 * A task is open until its results are recorded (kb_maint_record), once, one result per
 * checklist item: ok or fault, a note and a photo (an attachment of the task, owner kind
 * KB_ATTACH_MAINT). Results with a fault open one incident (ci = the asset's tag, the
 * plan's group) in the same transaction, and the task names it. An open task is overdue
 * after its due date; a task done after its due date was done late. The sweep tells the
 * task's group once per task that it is overdue (maint_overdue).
 *
 * Pure rules in kb/maint.c; the SQL in kb/store_maint.c. Changes are audited
 * (maint.plan.create, maint.plan.update, maint.task.done). Nothing reads the clock. */

#define KB_MAINT_MAX_NAME 100u      /* bytes of a plan's name */
#define KB_MAINT_MAX_ITEMS 50u      /* checklist items of a plan */
#define KB_MAINT_MAX_LABEL 200u     /* bytes of an item's label, and of its expected value */
#define KB_MAINT_MAX_NOTE 2000u     /* bytes of a result's note */
#define KB_MAINT_MAX_EVERY 366      /* N of "every N days / weeks / months" */
#define KB_MAINT_MAX_PLANS 500u     /* plans in one database */
#define KB_MAINT_MAX_LIMIT 100u     /* tasks per page */
#define KB_MAINT_LOOKAHEAD_DAYS 7   /* tasks are generated this many days ahead */
#define KB_MAINT_MAX_GENERATE 2000u /* tasks one generation run creates at most */
#define KB_MAINT_MAX_NOTIFY 200u    /* overdue messages one sweep writes at most */

/* The units of a plan's interval, X(name). */
#define KB_MAINT_UNITS(X) X(day) X(week) X(month)
#define KB_MAINT_X_ENUM(name) KB_MAINT_##name,
typedef enum { KB_MAINT_UNITS(KB_MAINT_X_ENUM) KB_MAINT_NUNITS } kb_maint_unit;

/* "day", "week", "month"; NULL out of range. */
const char *kb_maint_unit_name(int u);
/* The unit that name names, or -1. */
int kb_maint_unit_of(const char *name);

/* The k-th due date (k >= 0; the 0th is start) of a schedule starting on start (a real
 * day YYYY-MM-DD) every `every` units, into out. KB_EINVAL when start is not a day, every
 * is not 1..KB_MAINT_MAX_EVERY or the date would pass 9999-12-31. */
kb_status kb_maint_due_nth(const char *start, int every, int unit, long long k,
                           char out[KB_DATE_LEN], kb_err *err);
/* The smallest k whose due date is on or after day (both real days); 0 when day is not
 * after start. KB_EINVAL as kb_maint_due_nth. */
kb_status kb_maint_due_index(const char *start, int every, int unit, const char *day,
                             long long *k, kb_err *err);
/* day plus n days (n may be negative) into out; KB_EINVAL when day is not a day or the
 * result leaves 0001..9999. */
kb_status kb_maint_add_days(const char *day, long long n, char out[KB_DATE_LEN], kb_err *err);

/* One checklist item: a label ("硒鼓余量") and the value expected ("> 20%", may be ""). */
typedef struct {
    char *label;
    char *expected;
} kb_maint_item;

/* A plan. Strings are owned and never NULL. Free with kb_maint_plan_free(). */
typedef struct {
    long long id;
    char *name;
    char *asset;              /* the asset's tag, "" for a plan of a class */
    int cls;                  /* kb_asset_class, -1 for a plan of one asset */
    int every;
    int unit;                 /* kb_maint_unit */
    char *start;              /* YYYY-MM-DD */
    char *group;              /* the group the tasks are assigned to */
    int active;               /* 0: no more tasks are generated */
    kb_maint_item *items;
    size_t nitems;
    char *created_by, *updated_by;
    long long created_at, updated_at;
} kb_maint_plan;

void kb_maint_plan_free(kb_maint_plan *p);
void kb_maint_plans_free(kb_maint_plan **v, size_t n);

/* A new plan or a change. Strings are borrowed. On create every field but active is
 * required and exactly one of asset and cls (-1 = none) is given; on change NULL, -1 and
 * set_items 0 leave a field as it is (asset and class never change). */
typedef struct {
    const char *name;
    const char *asset;
    int cls;
    int every;                /* 0 = unchanged */
    int unit;                 /* -1 = unchanged */
    const char *start;
    const char *group;
    int active;               /* -1 = unchanged (create: 1) */
    const kb_maint_item *items;
    size_t nitems;
    int set_items;
    const char *actor;
} kb_maint_plan_in;

/* Checks the fields in gives (lengths, one line, no control characters, a real start day,
 * every 1..KB_MAINT_MAX_EVERY, 1..KB_MAINT_MAX_ITEMS items with a label each). creating:
 * the required fields. KB_EINVAL naming the field otherwise. */
kb_status kb_maint_plan_check(const kb_maint_plan_in *in, int creating, kb_err *err);

/* --- in the database (kb/store_maint.c) --- */

/* Adds a plan: KB_EINVAL (kb_maint_plan_check, an unknown asset or group), KB_ECONFLICT
 * past KB_MAINT_MAX_PLANS. *out (may be NULL) is the plan as stored. The tasks due are
 * generated in the same transaction (kb_maint_generate); *made (may be NULL) says how
 * many. */
kb_status kb_maint_plan_create(kb_store *s, const kb_maint_plan_in *in, long long now,
                               kb_maint_plan **out, size_t *made, kb_err *err);
/* Changes plan id (KB_ENOTFOUND), then generates as kb_maint_plan_create. A new schedule
 * applies to the due dates not generated yet; the tasks there are stay. */
kb_status kb_maint_plan_update(kb_store *s, long long id, const kb_maint_plan_in *in,
                               long long now, kb_maint_plan **out, size_t *made,
                               kb_err *err);
kb_status kb_maint_plan_get(kb_store *s, long long id, kb_maint_plan **out, kb_err *err);
/* Every plan (by id), or those that cover asset tag (its own and its class's) when tag is
 * not NULL. */
kb_status kb_maint_plan_list(kb_store *s, const char *tag, kb_maint_plan ***out, size_t *n,
                             kb_err *err);

/* Creates the tasks due up to KB_MAINT_LOOKAHEAD_DAYS after the desk's day of now (see
 * above); *n (may be NULL) gets how many. One write transaction. */
kb_status kb_maint_generate(kb_store *s, long long now, size_t *n, kb_err *err);

typedef enum { KB_MAINT_OK, KB_MAINT_FAULT } kb_maint_outcome;

/* A recorded result. */
typedef struct {
    int item;                 /* 1-based position in the checklist */
    char *label, *expected;   /* as the checklist said when it was recorded */
    int outcome;              /* kb_maint_outcome */
    char *note;
    long long photo;          /* an attachment of the task, 0 = none */
} kb_maint_result;

/* A task. Strings owned, never NULL. Free with kb_maint_task_free(). */
typedef struct {
    long long id;
    long long plan;
    char *plan_name;
    char *asset;              /* tag */
    int cls;                  /* the asset's class */
    char *model, *location;
    char *due;                /* YYYY-MM-DD */
    char *group;
    int done;
    char *done_by;
    long long done_at;
    char *done_day;           /* the desk day it was done, "" while open */
    char *incident;           /* the incident a fault opened, "" none */
    kb_maint_item *items;     /* the plan's checklist (kb_maint_task_get only) */
    size_t nitems;
    kb_maint_result *results; /* (kb_maint_task_get only) */
    size_t nresults;
    long long created_at;
} kb_maint_task;

void kb_maint_task_free(kb_maint_task *t);
/* 1 when t is open and its due date is before today (YYYY-MM-DD); 1 for done late when
 * t is done after its due date. */
int kb_maint_task_overdue(const kb_maint_task *t, const char *today);
int kb_maint_task_late(const kb_maint_task *t);

/* Task id with its checklist and results; KB_ENOTFOUND. */
kb_status kb_maint_task_get(kb_store *s, long long id, kb_maint_task **out, kb_err *err);
/* KB_EDENIED unless user may record task t: a member of its group (user NULL: anyone). */
kb_status kb_maint_task_check_scope(kb_store *s, const kb_maint_task *t, const char *user,
                                    kb_err *err);

typedef enum { KB_MAINT_ANY, KB_MAINT_OPEN, KB_MAINT_OVERDUE, KB_MAINT_DONE } kb_maint_state;

typedef struct {
    int state;                /* kb_maint_state */
    const char *today;        /* the desk's day (overdue, and open tasks past it) */
    const char *group;        /* exact; NULL any */
    const char *member_of;    /* the tasks of this user's groups; NULL any */
    const char *asset;        /* tag; NULL any */
    long long plan;           /* 0 any */
    const char *from, *to;    /* due dates, inclusive; NULL open */
    size_t limit;             /* 0 = 20, at most KB_MAINT_MAX_LIMIT */
    size_t offset;
} kb_maint_filter;

typedef struct {
    kb_maint_task **items;    /* without checklists and results */
    size_t n;
    long long total;
} kb_maint_tasks;

/* Tasks by due date (done and any: newest first; open and overdue: soonest first).
 * Free with kb_maint_tasks_free(). */
kb_status kb_maint_task_list(kb_store *s, const kb_maint_filter *f, kb_maint_tasks **out,
                             kb_err *err);
void kb_maint_tasks_free(kb_maint_tasks *l);

/* One result to record. Strings borrowed. */
typedef struct {
    int item;                 /* 1-based position in the plan's checklist */
    int outcome;              /* kb_maint_outcome */
    const char *note;         /* may be NULL */
    long long photo;          /* 0 = none */
} kb_maint_result_in;

/* Records the results of open task id (KB_ECONFLICT when it is done already), one per
 * checklist item of its plan (KB_EINVAL for a missing, repeated or unknown item, a photo
 * that is not an attachment of the task); scope_user as kb_maint_task_check_scope. A
 * fault opens an incident with priority (1..4; 0 = P3) in the same transaction. *out (may
 * be NULL) is the task as stored. */
kb_status kb_maint_record(kb_store *s, long long id, const kb_maint_result_in *v, size_t n,
                          int priority, const char *actor, const char *scope_user,
                          long long now, kb_maint_task **out, kb_err *err);

/* Completion per period (month of the due date), group or class. */
typedef struct {
    char *key;                /* "2026-12", a group, a class */
    long long total, on_time, late, open, overdue;
} kb_maint_rate;

typedef enum { KB_MAINT_BY_MONTH, KB_MAINT_BY_GROUP, KB_MAINT_BY_CLASS, KB_MAINT_NBY } kb_maint_by;

typedef struct {
    kb_maint_rate *rows[KB_MAINT_NBY];
    size_t n[KB_MAINT_NBY];
} kb_maint_report;

/* The tasks due from..to (inclusive days), counted per month, group and class with today
 * the desk's day. Free with kb_maint_report_free(). */
kb_status kb_maint_report_get(kb_store *s, const char *from, const char *to, const char *today,
                              kb_maint_report **out, kb_err *err);
void kb_maint_report_free(kb_maint_report *r);

/* The sweep's part (kb_notify_sweep calls it): generates the tasks due, then enqueues
 * maint_overdue to the group of each open task past its due date, once per task (at most
 * KB_MAINT_MAX_NOTIFY a run). *n (may be NULL) gets the number of messages' events. */
kb_status kb_maint_sweep(kb_store *s, long long now, size_t *n, kb_err *err);

#endif
