#ifndef KB_REQUEST_H
#define KB_REQUEST_H
#include <stddef.h>

#include "kb_err.h"
#include "kb_incident.h"
#include "kb_store.h"

/* Service requests (ITIL request fulfilment): a catalogue of what the desk provides (新账号,
 * 软件安装, 硒鼓/墨粉, 借用笔记本, 权限申请 ...), each item with its own form, fulfilment SLA,
 * optional approval and the support group (kb_group.h) that fulfils it; and the requests
 * made from it, with their own lifecycle, timeline, numbers (REQ-YYYYMMDD-NNNN), lists and
 * report section, apart from incidents.
 *
 * Lifecycle (kb_request_check_action has the table):
 *   submitted ----------------------------------> in_fulfilment -> fulfilled -> closed
 *   awaiting_approval -> approved --------------^        (a loan: fulfilled -> returned ->
 *                     -> rejected                         closed by `return`)
 *   submitted, awaiting_approval, approved, in_fulfilment -> cancelled
 * A request of an item that needs approval starts awaiting_approval, else submitted.
 *
 * The fulfilment clock is the incidents' SLA clock (kb_incident_sla_state) with the item's
 * target: 7x24 or business hours of the desk's calendar; it stands still while the request
 * awaits approval and stops at fulfilment (or rejection, cancellation).
 *
 * The rules (forms, values, transitions, the clock) are pure functions in kb/request.c; the
 * SQL in kb/store_request.c. Each change runs in one write transaction with its timeline
 * event, its audit entry (request_item.create/update, request.create, request.assign,
 * request.note, request.<action>) and its notifications (kb_notify_request). Nothing here
 * reads the clock. */

#define KB_REQ_MAX_ITEMS 200u      /* catalogue items in a store */
#define KB_REQ_MAX_NAME 100u       /* bytes of an item's name */
#define KB_REQ_MAX_DESC 2000u      /* bytes of an item's description */
#define KB_REQ_MAX_FIELDS 30u      /* form fields of an item */
#define KB_REQ_MAX_KEY 32u         /* bytes of a field key: [a-z0-9_], a letter first */
#define KB_REQ_MAX_LABEL 100u      /* bytes of a field label */
#define KB_REQ_MAX_CHOICES 50u     /* choices of a choice field */
#define KB_REQ_MAX_CHOICE 100u     /* bytes of a choice */
#define KB_REQ_MAX_VALUE 2000u     /* largest max_length of a text field */
#define KB_REQ_DEFAULT_VALUE 200u  /* max_length of a text field that gives none */
#define KB_REQ_MAX_SHORT 200u      /* caller_name, caller_phone, department, assignee */
#define KB_REQ_MAX_TEXT 20000u     /* notes, reasons */
#define KB_REQ_MAX_LIMIT 100u      /* requests per list page */
#define KB_REQ_MAX_LOAN_DAYS 366   /* a loan's return date at most this many days ahead */
#define KB_REQ_MAX_NUMBER 1e15     /* |value| of a number field */

/* Item categories, X(name). */
#define KB_REQ_CATEGORIES(X)                                                                 \
    X("account") X("software") X("hardware") X("consumable") X("loan") X("access") X("other")

/* Field types, X(enum suffix, name). */
#define KB_REQ_TYPES(X)                                                                      \
    X(TEXT, "text") X(NUMBER, "number") X(DATE, "date") X(CHOICE, "choice") X(USER, "user")  \
    X(BOOL, "bool")

typedef enum {
#define KB_REQ_TYPE_ENUM_(e, name) KB_REQ_T_##e,
    KB_REQ_TYPES(KB_REQ_TYPE_ENUM_)
#undef KB_REQ_TYPE_ENUM_
    KB_REQ_NTYPES
} kb_req_type;

/* Statuses, X(enum suffix, name). */
#define KB_REQ_STATUSES(X)                                                                   \
    X(SUBMITTED, "submitted") X(AWAITING_APPROVAL, "awaiting_approval")                      \
    X(APPROVED, "approved") X(REJECTED, "rejected") X(IN_FULFILMENT, "in_fulfilment")        \
    X(FULFILLED, "fulfilled") X(CLOSED, "closed") X(CANCELLED, "cancelled")

typedef enum {
#define KB_REQ_STATUS_ENUM_(e, name) KB_REQ_##e,
    KB_REQ_STATUSES(KB_REQ_STATUS_ENUM_)
#undef KB_REQ_STATUS_ENUM_
    KB_REQ_NSTATUS
} kb_req_status;

/* Actions on a request, X(enum suffix, name). */
#define KB_REQ_ACTIONS(X)                                                                    \
    X(APPROVE, "approve") X(REJECT, "reject") X(START, "start") X(FULFIL, "fulfil")          \
    X(RETURN, "return") X(CLOSE, "close") X(CANCEL, "cancel")

typedef enum {
#define KB_REQ_ACTION_ENUM_(e, name) KB_REQ_ACT_##e,
    KB_REQ_ACTIONS(KB_REQ_ACTION_ENUM_)
#undef KB_REQ_ACTION_ENUM_
    KB_REQ_NACTIONS
} kb_req_action;

/* Names ("text", "awaiting_approval", "approve"); never NULL. */
const char *kb_request_type_name(kb_req_type t);
const char *kb_request_status_name(kb_req_status st);
const char *kb_request_action_name(kb_req_action a);
/* Parse a name; KB_EINVAL naming the accepted values otherwise (what names the field). */
kb_status kb_request_type_parse(const char *what, const char *s, kb_req_type *out, kb_err *err);
kb_status kb_request_status_parse(const char *s, kb_req_status *out, kb_err *err);
kb_status kb_request_action_parse(const char *s, kb_req_action *out, kb_err *err);
/* True while the request still waits for someone (submitted .. in_fulfilment). */
int kb_request_status_open(kb_req_status st);

/* --- the catalogue --- */

/* A form field. Strings owned, never NULL. */
typedef struct {
    char *key;
    char *label;
    kb_req_type type;
    int required;
    char **choices;          /* choice fields: the accepted values, in order */
    size_t nchoices;
    size_t max_length;       /* text fields: bytes (1 .. KB_REQ_MAX_VALUE), else 0 */
} kb_req_field;

/* A catalogue item. Strings owned, never NULL ("" when absent). */
typedef struct {
    long long id;
    char *name;
    char *description;
    char *category;          /* one of KB_REQ_CATEGORIES */
    kb_req_field *fields;
    size_t nfields;
    char *sla;               /* the fulfilment target as written: "4h", "3d" */
    int business;            /* the target counts business hours */
    int approval;            /* requests need an approver's decision */
    char *approver;          /* told when a request waits ("" = the approvers' channels) */
    char *group;             /* the support group that fulfils it, "" = the desk */
    int loan;                /* requests carry a return date (loan equipment) */
    int active;              /* offered for new requests */
    char *created_by;
    long long created_at;
    char *updated_by;
    long long updated_at;
} kb_req_item;

void kb_req_item_free(kb_req_item *it);
void kb_req_item_list_free(kb_req_item **v, size_t n);

/* A form field as given (borrowed); type NULL is an error, max_length 0 the default. */
typedef struct {
    const char *key;
    const char *label;
    const char *type;
    int required;
    const char *const *choices;
    size_t nchoices;
    long long max_length;
} kb_req_field_in;

/* A new item or a change (borrowed). On create name, category and sla are required, NULL
 * means "" and a flag -1 its default (approval and loan 0, active 1); on update NULL (-1,
 * set_fields 0) leaves a field as it is. */
typedef struct {
    const char *name;
    const char *description;
    const char *category;
    const char *sla;         /* "8h", "3d": kb_incident_duration_parse */
    const char *hours;       /* "24x7" (or "7x24") or "business"; NULL = 24x7 on create */
    const char *approver;    /* an enabled user with the approver role, "" none */
    const char *group;       /* an existing group, "" none */
    int approval;
    int loan;
    int active;
    int set_fields;
    const kb_req_field_in *fields;
    size_t nfields;
    const char *actor;
} kb_req_item_in;

/* Pure: checks the fields of in (those given) and the form; KB_EINVAL naming the first
 * problem ("field 'fields[2].key': ..."). */
kb_status kb_req_item_check(const kb_req_item_in *in, int create, kb_err *err);

/* Store: create (KB_EEXIST for a name taken, KB_ECONFLICT past KB_REQ_MAX_ITEMS), change
 * (KB_ENOTFOUND for an unknown id; requests made before keep their form values, SLA and
 * group), get one, list all (by name; active_only leaves inactive ones out). The approver
 * must be an enabled user with the approver role, the group must exist. *out is freed with
 * kb_req_item_free (lists: kb_req_item_list_free). */
kb_status kb_req_item_create(kb_store *s, const kb_req_item_in *in, long long now,
                             kb_req_item **out, kb_err *err);
kb_status kb_req_item_update(kb_store *s, long long id, const kb_req_item_in *in,
                             long long now, kb_req_item **out, kb_err *err);
kb_status kb_req_item_get(kb_store *s, long long id, kb_req_item **out, kb_err *err);
kb_status kb_req_item_list(kb_store *s, int active_only, kb_req_item ***out, size_t *n,
                           kb_err *err);

/* Parses a catalogue file (samples/request-items.txt, kedb-admin request-items import):
 * blocks that start with "[name]", then "key = value" lines: description, category, sla,
 * hours, approval (yes/no), loan (yes/no), group, approver, and one "field = key | label |
 * type [| required] [| max=N] [| choices=a,b,c]" line per form field; '#' starts a comment
 * line. KB_EPARSE with *line (1-based) on a bad line. *out holds *n items, checked with
 * kb_req_item_check, whose strings are held by *out until kb_req_catalogue_free. */
typedef struct {
    kb_req_item_in *items;
    size_t n;
    void *arena;             /* what the items' strings point into */
} kb_req_catalogue;
kb_status kb_req_catalogue_parse(const char *p, size_t len, kb_req_catalogue *out,
                                 size_t *line, kb_err *err);
void kb_req_catalogue_free(kb_req_catalogue *c);

/* --- requests --- */

/* The kind of a JSON value given for a field. */
typedef enum { KB_REQ_V_STRING, KB_REQ_V_NUMBER, KB_REQ_V_BOOL, KB_REQ_V_OTHER } kb_req_vkind;

/* A form value as given (borrowed): text is the string, the number as written by the
 * reader ("12", "1.5") or "true"/"false". */
typedef struct {
    const char *key;
    kb_req_vkind kind;
    const char *text;
} kb_req_value_in;

/* A stored value: the field's key, label and type as they were, and the text. Owned. */
typedef struct {
    char *key;
    char *label;
    char *type;
    char *value;
} kb_req_value;

/* One entry of a request's timeline. Strings owned, never NULL. */
typedef struct {
    long long at;
    char *actor;
    char *type;              /* created, status, assignee, note */
    char *from;
    char *to;
    char *note;
} kb_req_event;

/* A request. Strings owned, never NULL ("" when absent); times epoch seconds, 0 unset. */
typedef struct {
    long long rowid;
    char *number;            /* REQ-YYYYMMDD-NNNN */
    kb_req_status status;
    long long item;          /* the catalogue item's id */
    char *item_name;         /* its name, category, group, loan, SLA as they were when the */
    char *category;          /* request was made */
    char *group;
    int loan;
    int approval;
    char *sla;
    int business;
    char *caller_name;       /* for whom */
    char *caller_phone;
    char *department;
    char *note;              /* the requester's words */
    char *return_date;       /* a loan's YYYY-MM-DD, "" otherwise */
    kb_req_value *values;    /* in the item's field order */
    size_t nvalues;
    char *assignee;
    char *requested_by;      /* the logged-in user who made it */
    char *decided_by;        /* the approver who approved or rejected it */
    char *decision;          /* their comment */
    long long created_at;
    long long updated_at;
    long long decided_at;
    long long started_at;
    long long fulfilled_at;
    long long closed_at;     /* closed or cancelled */
    long long returned_at;   /* a loan given back */
    kb_req_event *events;    /* kb_request_get only (and the changes' new events) */
    size_t nevents;
} kb_request;

void kb_request_free(kb_request *r);

/* The fulfilment clock at now: kb_incident_sla_state over the request, with the item's
 * target in place of a priority's (the calendar and zone of desk). Only the resolve_*
 * members, paused (awaiting approval) and business mean anything. */
void kb_request_sla_state(const kb_request *r, const kb_incident_sla *desk, long long now,
                          kb_inc_sla_state *out);
/* True when r is a loan given out (fulfilled, not returned) whose return date, a desk
 * day, ended before now. */
int kb_request_loan_overdue(const kb_request *r, long long now);

/* A new request (borrowed). */
typedef struct {
    long long item;
    const char *caller_name;  /* required */
    const char *caller_phone;
    const char *department;
    const char *note;
    const char *return_date;  /* loans: required, a desk day from today to
                                 KB_REQ_MAX_LOAN_DAYS ahead; others: not allowed */
    const kb_req_value_in *values;
    size_t nvalues;
    const char *actor;        /* the logged-in user */
} kb_req_create;

/* Pure: checks values against the item's form (unknown key, missing required, wrong
 * type, too long, not a choice, not a date; user fields are checked by the store) and
 * fills *out (n = it->nfields; a field not given gets ""; free with
 * kb_request_values_free). KB_EINVAL with a message naming "fields.KEY". */
kb_status kb_request_check_values(const kb_req_item *it, const kb_req_value_in *v, size_t n,
                                  kb_req_value **out, kb_err *err);
void kb_request_values_free(kb_req_value *v, size_t n);

/* Who acts, and what they may do: actor is the logged-in user, roles their KB_ROLE_*. */
typedef struct {
    const char *actor;
    unsigned roles;
    const char *note;         /* reason (reject, cancel: required), fulfilment note ... */
} kb_req_act;

/* Pure: may act move r? KB_EEXIST (a conflict with its status, naming both) or KB_EDENIED
 * (four-eyes: the requester never approves their own request; approve/reject need the
 * approver or admin role; cancel: the requester, an agent or admin; the rest: an agent,
 * admin, or an engineer of the request's group or its assignee (member says whether the
 * actor is in the group)); KB_EINVAL for a missing reason. */
kb_status kb_request_check_action(const kb_request *r, kb_req_action a, const kb_req_act *act,
                                  int member, kb_err *err);
/* The status a kb_request_check_action-ed action leads to. */
kb_req_status kb_request_action_target(kb_req_action a);

kb_status kb_request_create(kb_store *s, const kb_req_create *in, long long now,
                            kb_request **out, kb_err *err);
kb_status kb_request_get(kb_store *s, const char *number, kb_request **out, kb_err *err);
kb_status kb_request_act(kb_store *s, const char *number, kb_req_action a,
                         const kb_req_act *act, long long now, kb_request **out, kb_err *err);
/* Sets the assignee (assignee not NULL; "" takes it away; an enabled user, a member of the
 * request's group when it has one) and/or adds a note; the same people as fulfilment. */
kb_status kb_request_update(kb_store *s, const char *number, const char *assignee,
                            const kb_req_act *act, long long now, kb_request **out,
                            kb_err *err);

/* Who may add and delete r's attachments: KB_OK for its requester (a signed form, a
 * screenshot), an agent or admin, and an engineer it is assigned to or who is a member of
 * its group (the people of kb_request_update); KB_EDENIED for everyone else, KB_EDB when
 * the group cannot be read. Reading them is everyone's, as reading r. */
kb_status kb_request_check_files(kb_store *s, const kb_request *r, const kb_req_act *act,
                                 kb_err *err);

/* List filters (borrowed; NULL or 0 = any). */
typedef struct {
    unsigned status_mask;     /* bit (1u << status) per wanted status */
    long long item;
    const char *group;
    const char *assignee;
    const char *requested_by;
    const char *member_of;    /* requests of the groups this user is in */
    int loan_overdue;         /* 1: loans given out whose return date has passed at now */
    long long now;
    size_t limit;             /* 0 = 20, at most KB_REQ_MAX_LIMIT */
    size_t offset;
} kb_req_filter;

typedef struct {
    kb_request **items;
    size_t n;
    long long total;
} kb_req_list;

/* Newest first. */
kb_status kb_request_list(kb_store *s, const kb_req_filter *f, kb_req_list **out,
                          kb_err *err);
void kb_request_list_free(kb_req_list *l);

/* The report's section on requests (kb_report_summary): requests created in [from, to). */
typedef struct {
    long long total;
    long long by_status[KB_REQ_NSTATUS];
    long long fulfilled;              /* of them, fulfilled (fulfilled_at set) */
    long long fulfil_met;             /* ... by their fulfilment due time */
    long long mean_fulfil_seconds;    /* created -> fulfilled, wall clock */
    long long awaiting_approval;      /* now, created at any time */
    long long open;                   /* now, created at any time */
    long long loans_out;              /* given out, not returned, now */
    long long loans_overdue;          /* of them, past their return date */
    char **items;                     /* requests per item in the period, most first */
    long long *item_counts;
    size_t nitems;
} kb_req_report;

kb_status kb_request_report(kb_store *s, const kb_incident_sla *desk, long long from,
                            long long to, long long now, kb_req_report *out, kb_err *err);
void kb_request_report_clear(kb_req_report *r);

#endif
