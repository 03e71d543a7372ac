#ifndef KB_DOCREQ_H
#define KB_DOCREQ_H
#include <stddef.h>

#include "kb_err.h"
#include "kb_store.h"

/* Requests on controlled documents (all SQL in kb/store_docreq.c): change, scrap, borrow
 * and destroy (kinds: kb_docreq_kinds in kb_docclass.h).
 *
 * Who decides: the approval chain of the document's class and the request's kind
 * (kb_docclass.h), copied into the request when it is filed (flow "chain"): each step in
 * order is decided by a member of its group who neither filed the request nor decided an
 * earlier step of it; a rejection at any step ends the request. Without a chain (flow
 * "single") one user with the approver (or admin) role who did not file it decides.
 *
 *   change, flow single: pending -> approved (the proposed version is published at once)
 *   change, flow chain:  pending -> approved -> executed -> confirmed (published now)
 *   scrap   as change; the document leaves the current catalogue and search when approved
 *           (single) or confirmed (chain); every version and the history stay readable
 *   destroy pending -> approved -> executed (the document's last current version is
 *           recorded as destroyed; the current one, if any, leaves the catalogue)
 *   borrow  pending -> approved -> lent -> returned   (overdue: lent past its due date)
 *   any     pending -> rejected
 * Execution (what was done, by whom, when; a change may give the content as it was carried
 * out, which becomes the proposed version) is recorded by an engineer or admin; the
 * confirmation by a member of one of the chain's groups who did not execute it.
 * Every step is one transaction with its audit entry (docreq.create, docreq.approve,
 * docreq.reject, docreq.execute, docreq.confirm, docreq.lend, docreq.return; the document's
 * own kb.approve, kb.scrap, kb.destroy). Requests are never deleted. Times are epoch
 * seconds, dates YYYY-MM-DD (UTC). */

#define KB_DOCREQ_MAX_TEXT 2000u

/* One step of a request's chain. Strings owned. */
typedef struct {
    long long step;      /* 1, 2, ... */
    char *group;
    char *state;         /* pending, approved, rejected */
    char *decided_by;
    long long decided_at; /* 0 = not yet */
    char *comment;
} kb_docreq_step;

typedef struct {
    long long rowid;     /* internal */
    char *id;            /* DR-0001 */
    char *kind;          /* change, scrap, borrow, destroy */
    char *doc_no;
    char *title;         /* the document's title when requested */
    char *reason;
    char *state;         /* pending, approved, rejected, executed, confirmed, lent, returned */
    char *flow;          /* single or chain (above) */
    char *doc_class;     /* the document's class code when filed, "" when it had none */
    kb_docreq_step *steps; /* flow chain: the steps in order */
    size_t nsteps;
    char *requested_by;
    long long requested_at;
    char *decided_by;    /* the last decision (the final step's) */
    long long decided_at; /* 0 = not yet */
    char *decision;      /* the approver's comment */
    long long version;   /* change: the proposed version's number (the executed one after
                            execution) */
    char *executed_by;
    long long executed_at;
    char *execution;     /* what was done */
    char *confirmed_by;
    long long confirmed_at;
    char *confirmation;
    char *borrower;      /* borrow */
    char *due;           /* borrow: YYYY-MM-DD */
    char *lent_by;
    long long lent_at;
    char *returned_to;
    long long returned_at;
} kb_docreq;

typedef struct {
    kb_docreq *v;
    size_t n;
} kb_docreq_list;

void kb_docreq_list_free(kb_docreq_list *l);
void kb_docreq_free(kb_docreq *r);

/* What a new request says. */
typedef struct {
    const char *kind;     /* change, scrap, borrow, destroy */
    const char *doc_no;
    const char *reason;   /* required */
    const char *source;   /* change: the new content (same file format, same id) */
    size_t source_len;
    const char *borrower; /* borrow: who takes it (default: the requester) */
    const char *due;      /* borrow: return date, today or later */
} kb_docreq_new;

/* Files a request by actor at time at. The document must be current (published), except
 * for destroy, which takes any document that was ever current and is not destroyed yet.
 * Changes, scraps and destructions of documents kept in files are refused (KB_EEXIST:
 * change or remove the file), as is a second open change, scrap or destruction of one
 * document. *out_id (free()) names the request; *line
 * is the line of a parse error in a change's source. */
kb_status kb_docreq_create(kb_store *s, const kb_docreq_new *req, const char *actor,
                           long long at, char **out_id, size_t *line, kb_err *err);

/* An action on a request. */
typedef struct {
    const char *action;   /* approve, reject, execute, confirm, lend, return */
    const char *comment;  /* the decision's comment (required to reject); execute: what was
                             done (required) */
    const char *source;   /* execute of a change: the content as carried out (optional) */
    size_t source_len;
    unsigned roles;       /* the actor's KB_ROLE_* bits */
} kb_docreq_action;

/* Acts on request id by actor (see above for who may). KB_EINVAL for an unknown action or
 * a missing comment, KB_EEXIST for a step the request's state or flow does not allow,
 * KB_EDENIED for an actor who may not take it (saying who may). *line (may be NULL) is the
 * line of a parse error in an executed change's source. */
kb_status kb_docreq_act(kb_store *s, const char *id, const kb_docreq_action *a,
                        const char *actor, long long at, size_t *line, kb_err *err);

kb_status kb_docreq_get(kb_store *s, const char *id, kb_docreq **out, kb_err *err);

typedef struct {
    const char *kind;
    const char *state;
    const char *doc_no;
    const char *overdue_on; /* YYYY-MM-DD: only lent documents due before that day */
    size_t limit;
} kb_docreq_filter;

/* Requests matching f, newest first. */
kb_status kb_docreq_list_find(kb_store *s, const kb_docreq_filter *f, kb_docreq_list *out,
                              kb_err *err);

#endif
