#ifndef KB_DOCREQ_H
#define KB_DOCREQ_H
#include <stddef.h>

#include "kb_err.h"
#include "kb_store.h"

/* Requests on controlled documents (all SQL in kb/store_docreq.c): change, scrap and
 * borrow, each decided by an approver who is not the requester.
 *
 *   change  pending -> approved (the proposed source becomes the published version)
 *                   -> rejected
 *   scrap   pending -> approved (the document leaves the current catalogue and search;
 *                                every version and the history stay readable)
 *                   -> rejected
 *   borrow  pending -> approved -> lent -> returned   (overdue: lent past its due date)
 *                   -> rejected
 * Every step is one transaction with its audit entry (docreq.create, docreq.approve,
 * docreq.reject, docreq.lend, docreq.return; the document's own kb.approve / kb.scrap).
 * Requests are never deleted. Times are epoch seconds, dates YYYY-MM-DD (UTC). */

#define KB_DOCREQ_MAX_TEXT 2000u

typedef struct {
    char *id;            /* DR-0001 */
    char *kind;          /* change, scrap, borrow */
    char *doc_no;
    char *title;         /* the document's title when requested */
    char *reason;
    char *state;         /* pending, approved, rejected, lent, returned */
    char *requested_by;
    long long requested_at;
    char *decided_by;
    long long decided_at; /* 0 = not yet */
    char *decision;      /* the approver's comment */
    long long version;   /* change: the proposed version's number */
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
    const char *kind;     /* change, scrap, borrow */
    const char *doc_no;
    const char *reason;   /* required */
    const char *source;   /* change: the new content (same file format, same id) */
    size_t source_len;
    const char *borrower; /* borrow: who takes it (default: the requester) */
    const char *due;      /* borrow: return date, today or later */
} kb_docreq_new;

/* Files a request by actor at time at. The document must be current (published). Changes
 * and scraps of documents kept in files are refused (KB_EEXIST: change the file), as is a
 * second open change or scrap of one document. *out_id (free()) names the request; *line
 * is the line of a parse error in a change's source. */
kb_status kb_docreq_create(kb_store *s, const kb_docreq_new *req, const char *actor,
                           long long at, char **out_id, size_t *line, kb_err *err);

/* Acts on request id: action is approve, reject (comment required), lend or return.
 * KB_EEXIST for a step the request's state does not allow, KB_EDENIED when the requester
 * decides on their own request. */
kb_status kb_docreq_act(kb_store *s, const char *id, const char *action, const char *comment,
                        const char *actor, long long at, kb_err *err);

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
