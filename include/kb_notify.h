#ifndef KB_NOTIFY_H
#define KB_NOTIFY_H
#include <stddef.h>

#include "kb_err.h"
#include "kb_incident.h"
#include "kb_request.h"
#include "kb_store.h"

/* Notifications that are never lost: an outbox in the database.
 *
 * The changes that cause an event (an incident assigned, escalated, resolved, reopened; a
 * document request filed) write one outbox row per subscribed channel in the SAME
 * transaction as the change (kb_notify_incident, called by kb/store_incident.c;
 * kb_notify_docreq, called by kb/store_docreq.c), so a rollback leaves no message and a
 * commit always has its messages. The SLA, follow-up and review-due events come from a
 * periodic sweep (kb_notify_sweep) that records each threshold once per incident (once per
 * item and review date). A delivery thread
 * (server/notify.c) sends due rows and records every attempt (kb_notify_record). Each row
 * has a stable random id (uid) that receivers may use to drop a duplicate.
 *
 * Rules (events, templates, input checks) are pure functions in kb/notify.c; the SQL is in
 * kb/store_notify.c. Nothing here reads the clock. */

#define KB_NOTIFY_NAME_MAX 64u      /* bytes of a channel name */
#define KB_NOTIFY_URL_MAX 1000u     /* bytes of a webhook URL */
#define KB_NOTIFY_SECRET_MAX 200u   /* bytes of a secret, a user name or a password */
#define KB_NOTIFY_HOST_MAX 253u
#define KB_NOTIFY_ADDR_MAX 254u     /* bytes of an e-mail address */
#define KB_NOTIFY_MAX_TO 20u        /* recipients of an e-mail channel */
#define KB_NOTIFY_MAX_CHANNELS 100u
#define KB_NOTIFY_TITLE_MAX 200u    /* bytes of a template's title */
#define KB_NOTIFY_BODY_MAX 2000u    /* bytes of a template's body */
#define KB_NOTIFY_TITLE_TEXT_MAX 1000u  /* bytes of a rendered title (placeholders filled) */
#define KB_NOTIFY_BODY_TEXT_MAX 32768u  /* bytes of a rendered body */
#define KB_NOTIFY_DETAIL_MAX 300u   /* bytes kept of an attempt's error text */
#define KB_NOTIFY_MAX_LIMIT 200u    /* outbox rows per list */
#define KB_NOTIFY_UID_HEX 33        /* 32 hex digits and the NUL */
#define KB_NOTIFY_KEEP_DAYS 90      /* days delivered and failed rows are kept (the default
                                       of the setting, kb_setting.h) */
#define KB_NOTIFY_KEEP_DAYS_MAX 3650

/* The events: X(enum suffix, name). */
#define KB_NOTIFY_EVENTS(X)                                                                  \
    X(ASSIGNED, "assigned")                                                                  \
    X(ESCALATED, "escalated")                                                                \
    X(RESOLVED, "resolved")                                                                  \
    X(REOPENED, "reopened")                                                                  \
    X(FOLLOWUP_DUE, "followup_due")                                                          \
    X(SLA_75, "sla_75")                                                                      \
    X(SLA_BREACH, "sla_breach")                                                              \
    X(TEST, "test")                                                                          \
    X(REQUEST_ASSIGNED, "request_assigned")                                                  \
    X(REQUEST_APPROVAL, "request_approval")                                                  \
    X(REQUEST_APPROVED, "request_approved")                                                  \
    X(REQUEST_REJECTED, "request_rejected")                                                  \
    X(REQUEST_FULFILLED, "request_fulfilled")                                                \
    X(LOAN_OVERDUE, "loan_overdue")                                                          \
    X(REVIEW_DUE, "review_due")                                                              \
    X(DOCREQ_WAITING, "docreq_waiting")                                                      \
    X(MAINT_OVERDUE, "maint_overdue")                                                          \
    X(PART_LOW, "part_low")                                                                  \
    X(COMPLAINT_NEW, "complaint_new")                                                        \
    X(COMPLAINT_OVERDUE, "complaint_overdue")                                                \
    X(REPORT_DUE, "report_due")

typedef enum {
#define KB_NOTIFY_ENUM_(e, name) KB_NOTIFY_##e,
    KB_NOTIFY_EVENTS(KB_NOTIFY_ENUM_)
#undef KB_NOTIFY_ENUM_
    KB_NOTIFY_NEVENTS
} kb_notify_event;

/* The event's name ("assigned"); never NULL. */
const char *kb_notify_event_name(kb_notify_event ev);
/* Parses an event name; KB_EINVAL naming the accepted ones otherwise. */
kb_status kb_notify_event_parse(const char *s, kb_notify_event *out, kb_err *err);

/* The placeholders a template may use, X(name): {number} {summary} ... For an item's
 * review, {number} is its id, {summary} its title, {owner} its owner; for a document
 * request, {number} is the request's id, {document} the document's number, {summary} its
 * title, {kind} what is asked (in Chinese) and {requester} who asked; for a part low in
 * stock, {number} is the part number, {summary} its name, {stock} and {minimum} its stock
 * and minimum level with the unit ("2 个"). Times ({due}) are
 * the desk's local time, "2026-12-03 17:50"; a review's {due} is its date. */
#define KB_NOTIFY_VARS(X)                                                                    \
    X(number) X(summary) X(priority) X(status) X(group) X(assignee) X(lead) X(due)           \
    X(reason) X(target) X(owner) X(document) X(kind) X(requester) X(stock) X(minimum)

/* Values of the placeholders (borrowed; NULL renders as ""). */
typedef struct {
#define KB_NOTIFY_FIELD_(name) const char *name;
    KB_NOTIFY_VARS(KB_NOTIFY_FIELD_)
#undef KB_NOTIFY_FIELD_
} kb_notify_vars;

/* The default (Chinese) title and body of ev. Static strings. */
const char *kb_notify_default_title(kb_notify_event ev);
const char *kb_notify_default_body(kb_notify_event ev);
/* Checks a template: valid UTF-8 of at most max bytes, no NUL, every "{" opens a known
 * placeholder (KB_EINVAL naming the first unknown one), "{{" and "}}" stand for braces. */
kb_status kb_notify_template_check(const char *what, const char *tpl, size_t max, kb_err *err);
/* Checks a template's title (one line, at most KB_NOTIFY_TITLE_MAX bytes) and body (at
 * most KB_NOTIFY_BODY_MAX) as kb_notify_template_check does; NULL is KB_EINVAL. */
kb_status kb_notify_template_valid(const char *title, const char *body, kb_err *err);
/* Renders a checked template with vars into a new string (free()) of at most max bytes: a
 * longer text (a template that repeats {reason}, a 20,000-byte reason) is cut at a character
 * boundary and ends in "…", so that one event never writes megabytes per channel. */
char *kb_notify_render(const char *tpl, const kb_notify_vars *vars, size_t max);
/* Example values of every placeholder for ev (a template's preview). Static strings. */
void kb_notify_sample_vars(kb_notify_event ev, kb_notify_vars *out);

/* --- channels --- */

typedef enum { KB_NOTIFY_WEBHOOK, KB_NOTIFY_WECOM, KB_NOTIFY_DINGTALK, KB_NOTIFY_EMAIL } kb_notify_kind;
/* "webhook", "wecom", "dingtalk", "email"; parse: KB_EINVAL otherwise. */
const char *kb_notify_kind_name(kb_notify_kind k);
kb_status kb_notify_kind_parse(const char *s, kb_notify_kind *out, kb_err *err);

/* STARTTLS on an e-mail channel: none, optional (when offered), required. */
typedef enum { KB_NOTIFY_TLS_NONE, KB_NOTIFY_TLS_OPTIONAL, KB_NOTIFY_TLS_REQUIRED } kb_notify_tls;
const char *kb_notify_tls_name(kb_notify_tls t);
kb_status kb_notify_tls_parse(const char *s, kb_notify_tls *out, kb_err *err);

/* A channel. Strings are owned ("" when not set, never NULL); free with
 * kb_notify_channel_free. */
typedef struct {
    long long id;
    char *name;
    kb_notify_kind kind;
    char *url;          /* webhook, wecom, dingtalk: http(s) URL */
    char *secret;       /* dingtalk: the signing secret; "" = unsigned */
    char *host;         /* email: SMTP server */
    int port;           /* email: 1..65535 (default 25) */
    kb_notify_tls starttls;
    char *username;     /* email: login, "" = none */
    char *password;
    char *from;         /* email: sender address */
    char **to;          /* email: recipients */
    size_t nto;
    unsigned events;    /* bit (1u << kb_notify_event) per subscribed event */
    char *group;        /* "" = every group's incidents; else only this group's */
    int enabled;
    long long created_at;
    long long updated_at;
} kb_notify_channel;

/* A new channel with every string "" (port 25, enabled). */
kb_notify_channel *kb_notify_channel_new(void);
void kb_notify_channel_free(kb_notify_channel *c);
void kb_notify_channel_list_free(kb_notify_channel **v, size_t n);
/* Replaces the string *slot with a copy of s (NULL gives ""). */
void kb_notify_set(char **slot, const char *s);
/* url with every query value and any fragment replaced by "****" (WeCom keys and
 * DingTalk tokens are secrets): what lists and the audit trail show. New string (free()). */
char *kb_notify_url_masked(const char *url);
/* Checks a channel's fields for its kind: name, URL (http or https, a host, no spaces or
 * control characters, at most KB_NOTIFY_URL_MAX bytes), e-mail settings, at least one
 * event. KB_EINVAL naming the field. */
kb_status kb_notify_channel_check(const kb_notify_channel *c, kb_err *err);

/* Stores c (checked again; the group must exist). c->id 0 creates a channel (c->id and
 * the times are set; KB_EEXIST when the name is taken, KB_ECONFLICT past
 * KB_NOTIFY_MAX_CHANNELS), else replaces channel c->id (KB_ENOTFOUND). Audited
 * (notify.channel.create / .update, never with secret or password). */
kb_status kb_notify_channel_put(kb_store *s, kb_notify_channel *c, const char *actor,
                                long long now, kb_err *err);
kb_status kb_notify_channel_get(kb_store *s, long long id, kb_notify_channel **out,
                                kb_err *err);
kb_status kb_notify_channel_list(kb_store *s, kb_notify_channel ***out, size_t *n,
                                 kb_err *err);
/* Deletes channel id; its pending messages fail ("channel deleted"). Audited. */
kb_status kb_notify_channel_delete(kb_store *s, long long id, const char *actor,
                                   long long now, kb_err *err);

/* --- templates --- */

/* The template of ev: *title and *body new strings (free()), *custom 1 when an admin set
 * it, 0 for the default. */
kb_status kb_notify_template_get(kb_store *s, kb_notify_event ev, char **title, char **body,
                                 int *custom, kb_err *err);
/* Sets (checked) or, with title and body NULL, resets the template of ev. Audited. */
kb_status kb_notify_template_set(kb_store *s, kb_notify_event ev, const char *title,
                                 const char *body, const char *actor, long long now,
                                 kb_err *err);

/* --- each user's e-mail --- */

/* The user's address ("" when none) and events (a mask; 0 = none). */
kb_status kb_notify_user_get(kb_store *s, const char *user, char **email, unsigned *events,
                             kb_err *err);
/* Sets them; email "" removes the address. KB_EINVAL for a bad address. */
kb_status kb_notify_user_set(kb_store *s, const char *user, const char *email,
                             unsigned events, long long now, kb_err *err);
/* Checks an e-mail address (a@b, no spaces, controls or <>, at most KB_NOTIFY_ADDR_MAX). */
kb_status kb_notify_addr_check(const char *what, const char *addr, kb_err *err);

/* --- the outbox --- */

/* Process-wide settings for the events: the SLA targets for {due} and the sweep. Set at
 * start and again on a reload; thread-safe. Without a call the defaults are used. */
void kb_notify_configure(const kb_incident_sla *sla);

/* Writes the messages of ev about object (an incident number) for every enabled channel
 * subscribed to it (of group, or of every group), and an e-mail to user `person` when
 * they chose ev and have an address (over the first enabled e-mail channel). Inside the
 * caller's transaction when one is open. */
kb_status kb_notify_enqueue(kb_store *s, kb_notify_event ev, const char *object,
                            const char *group, const char *person, const kb_notify_vars *vars,
                            long long now, kb_err *err);
/* Writes one test message for channel id (KB_ENOTFOUND when there is none); *out_id
 * (may be NULL) gets the outbox row. */
kb_status kb_notify_enqueue_test(kb_store *s, long long channel, long long now,
                                 long long *out_id, kb_err *err);
/* The events of inc's new timeline entries (inc->events, as written by a change; created:
 * inc was just created): assignee set -> assigned (to the assignee), group changed ->
 * escalated (to the new group and its lead), resolution -> resolved, reopen or a
 * follow-up not confirmed -> reopened. */
kb_status kb_notify_incident(kb_store *s, const kb_incident *inc, int created, long long now,
                             kb_err *err);
/* The events of a service request's new timeline entries (r->events, as written by a
 * change): created awaiting approval -> request_approval (to approver, the item's named
 * approver, may be NULL or ""), assignee set -> request_assigned (to the assignee),
 * approved, rejected, fulfilled -> request_approved, request_rejected, request_fulfilled
 * (to the requester). Channels of the request's group (or of every group) get them. */
kb_status kb_notify_request(kb_store *s, const kb_request *r, const char *approver,
                            long long now, kb_err *err);
/* The message of a document request filed (state pending: it waits for an approver):
 * docreq_waiting to the subscribed channels and to every enabled approver but the
 * requester who chose it. Inside the caller's transaction (kb_docreq_create). */
kb_status kb_notify_docreq(kb_store *s, const char *id, const char *kind, const char *doc_no,
                           const char *title, const char *reason, const char *requester,
                           long long now, kb_err *err);
/* Finds the SLA thresholds (75 % of the response or resolution target used, breached;
 * the group's lead is told) and follow-ups due (resolved at least followup_after seconds
 * ago and not followed up) at time now and enqueues each once per incident (once per
 * resolution for follow-ups), loans given out past their return date (loan_overdue to the
 * requester, once per request and return date), and the current knowledge items and
 * documents whose review date has come (on or before the desk's day of now; review_due
 * once per item and date, to the channels and the item's owner or, without one, its last
 * author), and the maintenance tasks due and overdue (kb_maint_sweep: tasks generated,
 * maint_overdue to the task's group once per task). *n (may be NULL) gets the number of
 * events. */
kb_status kb_notify_sweep(kb_store *s, long long now, long long followup_after, size_t *n,
                          kb_err *err);

/* One delivery attempt. */
typedef struct {
    long long at;         /* epoch milliseconds */
    int ok;
    long code;            /* HTTP status or SMTP reply code, 0 when none */
    char *detail;         /* error text, at most KB_NOTIFY_DETAIL_MAX bytes */
} kb_notify_attempt;

/* One outbox row. Strings owned, never NULL. */
typedef struct {
    long long id;
    char uid[KB_NOTIFY_UID_HEX];
    long long channel;
    char *event;
    char *object;
    char *rcpt;           /* an e-mail address for a user's own message, else "" */
    char *title;
    char *body;
    char *state;          /* pending, delivered, failed */
    int attempts;
    long long next_at;    /* epoch milliseconds (the delivery clock), 0 = now */
    long long created_at; /* epoch seconds (the desk's clock) */
    long long delivered_at; /* epoch milliseconds */
    kb_notify_attempt *att; /* kb_notify_list only, oldest first */
    size_t natt;
} kb_notify_msg;

void kb_notify_msgs_free(kb_notify_msg **v, size_t n);
/* Pending rows due at now_ms (next_at <= now_ms), oldest first, at most max. */
kb_status kb_notify_due(kb_store *s, long long now_ms, size_t max, kb_notify_msg ***out,
                        size_t *n, kb_err *err);
/* Records an attempt on row id at at_ms and moves it on: ok -> delivered; else
 * next_at_ms > 0 -> pending until then, 0 -> failed. detail is cut to
 * KB_NOTIFY_DETAIL_MAX bytes (at a character boundary). */
kb_status kb_notify_record(kb_store *s, long long id, long long at_ms, int ok, long code,
                           const char *detail, long long next_at_ms, kb_err *err);
/* Rows newest first, state NULL = any, channel 0 = any, at most limit, with their
 * attempts. */
kb_status kb_notify_list(kb_store *s, const char *state, long long channel, size_t limit,
                         kb_notify_msg ***out, size_t *n, kb_err *err);
/* Deletes the delivered and failed rows created before `before` (epoch seconds) with their
 * attempts; pending rows stay whatever their age. *n (may be NULL) gets the rows deleted. */
kb_status kb_notify_prune(kb_store *s, long long before, size_t *n, kb_err *err);

#endif
