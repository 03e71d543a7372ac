#ifndef KB_VERSION_H
#define KB_VERSION_H
#include <stddef.h>

#include "kb_doc.h"
#include "kb_err.h"
#include "kb_store.h"

/* Versions of knowledge items and the publishing workflow (all SQL in kb/store_version.c).
 *
 * Every save of a known error, article or document, through the API or by kedb-index from
 * a file, appends a version (1, 2, 3, ... per item) that is never changed afterwards except
 * for its workflow state and dates. The searchable item (kb_store_doc_*) is the version
 * that is current: the published one, or for files the file as it is now.
 *
 * States of a version:
 *   draft      saved through the API, not yet submitted
 *   in_review  submitted; waits for an approver
 *   requested  proposed by a document change request; decided through the request
 *   rejected   an approver said no (with a comment); the author may save again
 *   published  current; at most one per item
 *   superseded was published, then replaced by a newer published version
 *   withdrawn  a draft replaced by a newer save (rejected versions stay rejected)
 *   retired    a known error retired (with a pointer to the permanent fix); still current
 *              for reading, hidden from search
 *   scrapped   a document scrapped through a scrap request: out of the catalogue, kept
 *   destroyed  a document destroyed after its retention (destroy request): the last
 *              version that was current; out of the catalogue, the record kept
 *   removed    its file was deleted from the knowledge directory
 * Files are reviewed where they are kept (e.g. in git), so a file's version takes the
 * status its front matter gives (published, draft, retired, ...).
 *
 * Dates: effective_from and effective_to (YYYY-MM-DD, UTC; "" = open) bound the time a
 * version was current, which answers "which version was current on date D". */

#define KB_VERSION_MAX_COMMENT 2000u

typedef struct {
    char *id;
    long long n;            /* 1, 2, 3, ... */
    char *type;
    char *title;
    char *label;            /* the version as written in front matter ("A/3"), may be "" */
    char *state;            /* see above */
    char *origin;           /* "api" or "file PATH" */
    char *hash;             /* hex SHA-256 of the source */
    char *saved_by;
    long long saved_at;     /* epoch seconds */
    char *comment;          /* the author's note on this save */
    char *submitted_by;
    long long submitted_at; /* 0 = never */
    char *decided_by;
    long long decided_at;   /* 0 = never */
    char *decision;         /* the approver's comment */
    char *request;          /* document request that proposed it, "" */
    char *effective_from;   /* YYYY-MM-DD or "" */
    char *effective_to;
    /* catalogue fields from front matter ("" when absent) */
    char *doc_type;
    char *publish_date;
    char *description;
    char *storage_location;
    char *retention_period;
    char *owner;
    char *next_review;      /* next_review, review_by or valid_to: YYYY-MM-DD */
    char *source;           /* only filled by kb_version_get */
} kb_version;

/* A list of versions; free with kb_version_list_free(). */
typedef struct {
    kb_version *v;
    size_t n;
} kb_version_list;

void kb_version_list_free(kb_version_list *l);
void kb_version_free(kb_version *v);

/* Work in progress is read only by the roles that review it and by its author (the server
 * decides who that is). A version is work in progress while it is a draft, in review,
 * requested, rejected or withdrawn, or when it was removed without ever being current. */
int kb_version_is_wip(const kb_version *v);
/* The item statuses (front matter of the searchable row) that are work in progress:
 * "draft", "in_review"; NULL-terminated. */
extern const char *const kb_version_wip_statuses[];
/* True when status is one of kb_version_wip_statuses. */
int kb_version_status_wip(const char *status);

/* Versions whose text is the item's searchable row keep no copy of it (files are a large
 * part of the database); the caller freezes them before that row is replaced or deleted:
 * the row's source is copied into id's versions that have none. Runs inside the caller's
 * transaction. */
kb_status kb_version_freeze(kb_store *s, const char *id, kb_err *err);
/* Appends a version for d as written from origin ("file PATH" or "api") in state (NULL =
 * the state d's status gives) at time at by actor; the item's current version, if any,
 * becomes superseded. d must be the item's searchable row as just written
 * (kb_store_doc_put, after kb_version_freeze): the version shares its source. Runs inside
 * the caller's transaction. Used by kedb-index for every added or changed file. */
kb_status kb_version_record(kb_store *s, const kb_doc *d, const char *origin, const char *state,
                            long long at, const char *actor, kb_err *err);
/* Marks the current version of id as removed (its file is gone); KB_OK when id has no
 * versions. Runs inside the caller's transaction. */
kb_status kb_version_removed(kb_store *s, const char *id, long long at, kb_err *err);
/* The origin of id's latest version ("api", "file PATH"); KB_ENOTFOUND when none. *out is
 * freed with free(). */
kb_status kb_version_origin(kb_store *s, const char *id, char **out, kb_err *err);

/* Every version of id, oldest first, without source. KB_ENOTFOUND when id has none. */
kb_status kb_version_list_of(kb_store *s, const char *id, kb_version_list *out, kb_err *err);
/* Version n of id (n = 0: the latest) with its source. Free *out with kb_version_free(). */
kb_status kb_version_get(kb_store *s, const char *id, long long n, kb_version **out,
                         kb_err *err);

/* --- the publishing workflow; every step is one transaction with its audit entry --- */

/* Saves source (front matter + Markdown, the file format) through the API as a new draft
 * version by actor. When expect_id is NULL the item must be new (KB_EEXIST otherwise);
 * a missing id is then given the next free one for its type (KE-0001, ART-0001). When
 * expect_id is set the source must keep that id, and the item must exist and not be kept
 * in a file (KB_EEXIST). An item waiting for review cannot be saved (KB_EEXIST); earlier
 * drafts become withdrawn. Documents must have an id that follows
 * the coding rule (kb_version_set_rule) and a doc_type in the class list, and the id must
 * begin with the class's prefix (kb_docclass_check). Tickets are refused. On success *out_id (free())
 * and *out_n name the new version; *line is the 1-based line of a parse error. */
kb_status kb_wf_save(kb_store *s, const char *source, size_t len, const char *expect_id,
                     const char *comment, const char *actor, long long at, char **out_id,
                     long long *out_n, size_t *line, kb_err *err);
/* Parses source as kb_wf_save would (a known error or article without an id shows the
 * number it would get) without saving anything: the editor's preview. *out is freed with
 * kb_doc_free(); *line is the line of a parse error. */
kb_status kb_wf_preview(kb_store *s, const char *source, size_t len, kb_doc **out,
                        size_t *line, kb_err *err);
/* Submits id's latest draft for review (KB_EEXIST when the latest version is not a
 * draft). */
kb_status kb_wf_submit(kb_store *s, const char *id, const char *actor, long long at,
                       kb_err *err);
/* An approver's decision on id's version in review: approve publishes it (the item becomes
 * searchable as this version; the previous published version is superseded), reject needs
 * a comment. The author of a version cannot decide on it (KB_EDENIED). */
kb_status kb_wf_decide(kb_store *s, const char *id, int approve, const char *comment,
                       const char *actor, long long at, kb_err *err);
/* Retires the published known error id: a new version with status retired and
 * fixed_by = pointer (a change, problem or item that fixed it for good), hidden from
 * search. Items kept in files are retired by editing the file (KB_EEXIST). */
kb_status kb_wf_retire(kb_store *s, const char *id, const char *pointer, const char *reason,
                       const char *actor, long long at, kb_err *err);

/* Versions in review, oldest submission first. */
kb_status kb_wf_reviews(kb_store *s, kb_version_list *out, kb_err *err);
/* Items whose latest version is a draft or was rejected (work in progress), newest save
 * first; author, when not NULL or "", keeps only that author's. */
kb_status kb_wf_drafts(kb_store *s, const char *author, kb_version_list *out, kb_err *err);
/* Current versions whose next-review date is before today (YYYY-MM-DD), oldest date
 * first; owner, when not NULL or "", keeps only that owner's. */
kb_status kb_wf_due(kb_store *s, const char *today, const char *owner, kb_version_list *out,
                    kb_err *err);

/* --- the document catalogue --- */

/* The next free number with prefix ("KE-", "YW-BG-"): one more than the highest number in
 * use by any version or item, written with at least digits digits ("YW-BG-004"). *out
 * freed with free(). KB_EINVAL for a prefix over 20 bytes. */
kb_status kb_version_next_number(kb_store *s, const char *prefix, int digits, char **out,
                                 kb_err *err);

/* The document numbering rule: a POSIX extended regular expression that a whole document
 * number must match (default KB_DOC_RULE_DEFAULT: department, type code, sequence, e.g.
 * YW-SC-001). Stored in the database with an audit entry (setting.update) by actor at time
 * at; KB_EINVAL when rule does not compile. */
#define KB_DOC_RULE_DEFAULT "^[A-Z]{2,6}-[A-Z]{2,6}-[0-9]{3,6}$"
kb_status kb_version_set_rule(kb_store *s, const char *rule, const char *actor, long long at,
                              kb_err *err);
/* The rule in force; *out freed with free(). */
kb_status kb_version_rule(kb_store *s, char **out, kb_err *err);
/* KB_OK when doc_no follows the rule, KB_EINVAL with why otherwise. */
kb_status kb_version_check_number(kb_store *s, const char *doc_no, kb_err *err);

typedef struct {
    const char *q;        /* number, name or description contains (case-insensitive) */
    const char *ids;      /* also these numbers: a JSON array of strings (full-text hits
                             found by the caller), or NULL */
    const char *doc_type; /* exact */
    const char *doc_class; /* a class code: documents whose doc_type is in it (kb_docclass.h) */
    const char *status;   /* version state; NULL = the current catalogue */
    const char *as_of;    /* YYYY-MM-DD: the versions current on that day */
    int all_versions;     /* every version, not only current ones */
    size_t limit;
    int hide_wip;         /* leave out work in progress (kb_version_is_wip) ... */
    const char *author;   /* ... except the versions this user saved (NULL: none) */
} kb_catalogue_filter;

/* Documents (type document) matching f, by number then version. Current catalogue: the
 * published version of each document. */
kb_status kb_catalogue_list(kb_store *s, const kb_catalogue_filter *f, kb_version_list *out,
                            kb_err *err);

#endif
