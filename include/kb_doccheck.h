#ifndef KB_DOCCHECK_H
#define KB_DOCCHECK_H
#include <stddef.h>

#include "kb_date.h"
#include "kb_err.h"
#include "kb_retention.h"
#include "kb_store.h"

/* Keeping controlled documents valid (all SQL in kb/store_doccheck.c):
 *
 * - Retention: the document versions whose retention period (kb_retention.h) has ended, and
 *   the current ones whose period cannot be read. Their destruction is a document request
 *   of kind destroy (kb_docreq.h); the list names the latest one per document and leaves
 *   out documents whose destruction is recorded (a version in state destroyed).
 * - Validity checks (检查在用文件的有效性): check rounds, each a list of documents with the
 *   result a checker found for each (valid, invalid_version: an invalid version was in use,
 *   missing), open until closed.
 * - The register of controlled paper copies: per document, the copy number, its holder and
 *   place, the version issued and when. A copy of a version that is no longer current (a
 *   newer one was published, or the document was scrapped) is to be recalled until its
 *   recall is recorded.
 * Every change is one transaction with its audit entry (doccheck.create, doccheck.record,
 * doccheck.close, doccopy.issue, doccopy.recall). Times are epoch seconds, days
 * YYYY-MM-DD. */

#define KB_DOCCHECK_MAX_TEXT 2000u  /* a note or summary, bytes */
#define KB_DOCCHECK_MAX_NAME 200u   /* a title, scope, holder, place, copy number, version */
#define KB_DOCCHECK_MAX_DOCS 2000u  /* documents in one round, results in one call */
#define KB_DOCCHECK_DEF_LIMIT 50u
#define KB_DOCCHECK_MAX_LIMIT 500u

/* --- retention --- */

typedef enum {
    KB_DOCCHECK_EXPIRED = 0, /* versions ever current whose period ended by a day */
    KB_DOCCHECK_UNPARSED     /* current versions whose retention period cannot be read */
} kb_doccheck_retention_list;

typedef struct {
    char *doc_no;
    long long n;              /* the version */
    char *label;              /* as written ("A/3"), may be "" */
    char *title;
    char *state;              /* published, superseded, scrapped, removed, retired */
    char *doc_type;
    char *owner;
    char *retention_period;
    char *publish_date;
    char *effective_from;
    char *effective_to;
    kb_retention_state retention; /* kb_retention_expiry of the version */
    char until[KB_DATE_LEN];  /* the day the period ended, "" */
    char *destroy_request;    /* the document's latest destroy request ("DR-0007"), "" */
    char *destroy_state;      /* its state, "" */
} kb_doccheck_expiry;

typedef struct {
    kb_doccheck_expiry *v;
    size_t n;
    long long total; /* matching rows in all pages */
} kb_doccheck_expiries;

void kb_doccheck_expiries_free(kb_doccheck_expiries *l);

/* One page (limit 0 = KB_DOCCHECK_DEF_LIMIT, at most KB_DOCCHECK_MAX_LIMIT) of list which
 * as of day today (YYYY-MM-DD: EXPIRED keeps the periods ended on or before it), oldest end
 * first (UNPARSED: by number); doc_no (NULL = all) keeps one document's versions. */
kb_status kb_doccheck_retention(kb_store *s, kb_doccheck_retention_list which,
                                const char *today, const char *doc_no, size_t limit,
                                size_t offset, kb_doccheck_expiries *out, kb_err *err);

/* --- validity check rounds --- */

/* The results a document can have in a round; "pending" until one is recorded. */
int kb_doccheck_result_valid(const char *result);

typedef struct {
    char *doc_no;
    char *title;          /* the document's current title ("" when it has none) */
    char *current;        /* the current version's label, or its number; "" when none */
    long long current_n;  /* 0 when none */
    char *result;         /* pending, valid, invalid_version, missing */
    char *version_found;  /* invalid_version: the version found in use */
    char *location;       /* where it was checked */
    char *note;
    char *checked_by;
    long long checked_at; /* 0 = pending */
} kb_doccheck_item;

typedef struct {
    long long id;
    char *title;
    char *scope;      /* department or place checked, may be "" */
    char *state;      /* open, closed */
    char *created_by;
    long long created_at;
    char *closed_by;
    long long closed_at; /* 0 = open */
    char *summary;    /* the closing note */
    size_t counts[4]; /* pending, valid, invalid_version, missing */
    kb_doccheck_item *items; /* kb_doccheck_round_get only, by number */
    size_t nitems;
} kb_doccheck_round;

typedef struct {
    kb_doccheck_round *v;
    size_t n;
    long long total;
} kb_doccheck_rounds;

void kb_doccheck_round_free(kb_doccheck_round *r);
void kb_doccheck_rounds_free(kb_doccheck_rounds *l);

/* Opens a round titled title (required, one line) over doc_nos (n of them, at most
 * KB_DOCCHECK_MAX_DOCS; each a current document, KB_ENOTFOUND otherwise; repeats count once)
 * or, when n is 0, over every current document (KB_EINVAL when there is none). *out_id
 * names it. */
kb_status kb_doccheck_round_create(kb_store *s, const char *title, const char *scope,
                                   const char *const *doc_nos, size_t n, const char *actor,
                                   long long at, long long *out_id, kb_err *err);

/* What a checker found for one document. */
typedef struct {
    const char *doc_no;
    const char *result;        /* valid, invalid_version, missing */
    const char *version_found; /* required for invalid_version */
    const char *location;
    const char *note;
} kb_doccheck_result;

/* Records n results (1..KB_DOCCHECK_MAX_DOCS) in open round id by actor at time at; a
 * result replaces the document's earlier one; a document not yet in the round joins it
 * (KB_ENOTFOUND when it is not a document). KB_EEXIST when the round is closed. All or
 * nothing. */
kb_status kb_doccheck_round_record(kb_store *s, long long id, const kb_doccheck_result *res,
                                   size_t n, const char *actor, long long at, kb_err *err);
/* Closes open round id with an optional summary (KB_EEXIST when closed already). */
kb_status kb_doccheck_round_close(kb_store *s, long long id, const char *summary,
                                  const char *actor, long long at, kb_err *err);
/* Round id with its items; free *out with kb_doccheck_round_free(). */
kb_status kb_doccheck_round_get(kb_store *s, long long id, kb_doccheck_round **out,
                                kb_err *err);
/* One page of rounds (state NULL = all, else open or closed), newest first, without
 * items. */
kb_status kb_doccheck_round_list(kb_store *s, const char *state, size_t limit, size_t offset,
                                 kb_doccheck_rounds *out, kb_err *err);

/* --- controlled paper copies --- */

typedef struct {
    long long id;
    char *doc_no;
    char *title;         /* the document's current title */
    char *copy_no;
    char *holder;
    char *location;
    long long version;   /* the version issued */
    char *label;         /* its label ("" when none) */
    char *version_state; /* that version's state now (published, superseded, scrapped ...) */
    long long current;   /* the document's current version now, 0 = none */
    int to_recall;       /* out, and its version is no longer current */
    char *issued_by;
    long long issued_at;
    char *recalled_by;
    long long recalled_at; /* 0 = out */
    char *recall_note;
} kb_doccheck_copy;

typedef struct {
    kb_doccheck_copy *v;
    size_t n;
    long long total;
} kb_doccheck_copies;

void kb_doccheck_copies_free(kb_doccheck_copies *l);

typedef struct {
    const char *doc_no;
    const char *copy_no;  /* NULL or "": the next free "01", "02", ... of the document */
    const char *holder;   /* required: who holds it (person or department) */
    const char *location; /* where it is kept */
} kb_doccheck_copy_new;

/* Issues a copy of doc_no's current version (KB_ENOTFOUND: no such document; KB_EEXIST: it
 * has no current version, or a copy with that number is out). *out_id names it. */
kb_status kb_doccheck_copy_issue(kb_store *s, const kb_doccheck_copy_new *c, const char *actor,
                                 long long at, long long *out_id, kb_err *err);
/* Records the recall of copy id (KB_EEXIST when recalled already). */
kb_status kb_doccheck_copy_recall(kb_store *s, long long id, const char *note,
                                  const char *actor, long long at, kb_err *err);

typedef struct {
    const char *doc_no; /* NULL = every document */
    int to_recall;      /* only copies to recall */
    int out;            /* only copies not recalled */
} kb_doccheck_copy_filter;

/* One page of copies matching f: by document, then copy number, then issue. */
kb_status kb_doccheck_copy_list(kb_store *s, const kb_doccheck_copy_filter *f, size_t limit,
                                size_t offset, kb_doccheck_copies *out, kb_err *err);
/* Copy id alone (a page of one); KB_ENOTFOUND when there is none. */
kb_status kb_doccheck_copy_get(kb_store *s, long long id, kb_doccheck_copies *out,
                               kb_err *err);

#endif
