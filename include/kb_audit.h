#ifndef KB_AUDIT_H
#define KB_AUDIT_H
#include <stddef.h>

#include "kb_buf.h"
#include "kb_doc.h"
#include "kb_err.h"
#include "kb_store.h"

/* The audit trail: who changed what and when, append-only and hash-chained.
 *
 * Every entry has a sequence number (1, 2, 3, ... without gaps), a time (epoch seconds,
 * UTC), an actor, an action ("incident.update"), an object ("incident:INC-20260302-0001")
 * and a one-line summary ("status new→assigned; assignee (none)→zhang"). Its hash is the
 * lower-case hex SHA-256 of the canonical serialisation of (seq, at, actor, action, object,
 * summary, prev), where prev is the hash of the entry before ("" for the first): each of
 * the seven fields as a netstring `<decimal byte length>:<bytes>,` (seq and at in decimal,
 * no leading zeros, '-' for negative values), concatenated without separators.
 *
 * An entry is appended inside the caller's write transaction, so it commits or rolls back
 * with the change it records. The latest sequence number and hash are also kept in a
 * one-row table updated in the same transaction, so that deleting the last entries is
 * detected too. All SQL is in kb/store_audit.c; the hashing in kb/audit.c.
 *
 * The saved head: after every commit that appended entries, the latest entry's sequence
 * number, time and hash are also written to a small file beside the database,
 * "<database path>" KB_AUDIT_HEAD_SUFFIX: one fixed-length record overwritten in place
 * under flock() (readers take a shared lock), not synced; an empty or all-zero file, which
 * a power cut can leave, counts as none. It only ever moves forward along the same
 * chain: it is not moved when it is ahead of the new head, nor when the database does not
 * hold the saved entry with the saved hash (so the evidence of a swapped database stays).
 * A crash between the commit and the file update leaves it behind the chain, which is not
 * a problem: verification only asks that the saved entry be in the chain with the same
 * hash. A database file that is replaced by an older copy (a restore by hand) or cut at
 * the end then shows as truncated or replaced. A new database (schema version 0 when
 * opened) deletes a saved head left by an earlier database at its path. */

/* Bytes kept of each field; longer text is cut at a character boundary. */
#define KB_AUDIT_MAX_FIELD 200u    /* actor, action, object */
#define KB_AUDIT_MAX_SUMMARY 2000u
#define KB_AUDIT_HASH_HEX 65u      /* hex SHA-256 and its NUL */
#define KB_AUDIT_MAX_LIMIT 500u    /* entries per list page */
#define KB_AUDIT_HEAD_SUFFIX ".audit-head"

/* Appends one entry at time at (epoch seconds). actor NULL or "" is "anonymous"; action
 * must not be empty; object and summary may be NULL (""). Runs inside the caller's write
 * transaction when one is open (kb_store_begin or an area's change), else in its own.
 * Appenders on other connections wait for the database write lock, so the chain never
 * forks. KB_EINVAL for an empty action, KB_EDB when the write fails (the caller then rolls
 * back). */
kb_status kb_audit_append(kb_store *s, long long at, const char *actor, const char *action,
                          const char *object, const char *summary, kb_err *err);

/* The hash of an entry as described above, into out (KB_AUDIT_HASH_HEX bytes). Strings may
 * not be NULL. */
void kb_audit_hash(long long seq, long long at, const char *actor, const char *action,
                   const char *object, const char *summary, const char *prev, char *out);

/* Appends the audit summary of a knowledge item that is added or updated to out:
 * `known_error "title" (version 3, published); file kb/KE-1.md; sha256 <hex>`, where the
 * middle part is origin (e.g. "file kb/KE-1.md"; left out when NULL or ""). The title is
 * cut to 120 bytes. */
void kb_audit_doc_summary(const kb_doc *d, const char *origin, kb_buf *out);

/* What kb_audit_verify found wrong first. */
typedef enum {
    KB_AUDIT_INTACT = 0,
    KB_AUDIT_HASH_MISMATCH, /* the stored hash is not the hash of the entry's contents */
    KB_AUDIT_BROKEN_LINK,   /* prev is not the hash of the entry before */
    KB_AUDIT_MISSING,       /* an entry is missing (a gap, or entries deleted at the end) */
    KB_AUDIT_UNEXPECTED,    /* an entry kedb did not append: numbered below 1 or after the
                               recorded latest entry */
    KB_AUDIT_HEAD_MISMATCH, /* the record of the latest entry is gone or differs from the
                               last entry */
    KB_AUDIT_TRUNCATED,     /* the saved head names an entry after the chain's last one */
    KB_AUDIT_REPLACED,      /* the chain's entry at the saved head's number has another
                               hash: the database was swapped or rewritten */
    KB_AUDIT_SAVED_INVALID  /* the saved head file exists but cannot be read or parsed */
} kb_audit_problem;

/* Stable names: "intact", "hash_mismatch", "broken_link", "missing", "unexpected",
 * "head_mismatch", "truncated", "replaced", "saved_head_invalid". */
const char *kb_audit_problem_name(kb_audit_problem p);

/* The result of a verification. A plain value. */
typedef struct {
    int ok;                      /* 1 when the whole chain is intact */
    long long entries;           /* entries read */
    long long first_bad;         /* sequence number of the first bad entry, 0 when ok */
    kb_audit_problem problem;
    char why[256];               /* for people: what is wrong with first_bad, "" when ok */
    long long head_seq;          /* the latest entry as recorded (0 when none) */
    char head_hash[KB_AUDIT_HASH_HEX];
    int saved;                   /* 1 when a saved head file was found and read */
    long long saved_seq;         /* the saved head: entry number, time and hash */
    long long saved_at;
    char saved_hash[KB_AUDIT_HASH_HEX];
} kb_audit_check;

/* Walks the whole chain in one read snapshot, oldest first, and checks for each entry in
 * turn: its sequence number follows the previous one, its prev is the previous entry's
 * hash and its hash is the hash of its contents; at the end, that the last entry is the
 * recorded latest one and, when a saved head file exists (read before the snapshot
 * starts, so it never names an entry the snapshot cannot see), that the chain holds the
 * saved entry with the saved hash. Fills *out; a broken chain is KB_OK with out->ok 0.
 * KB_ENOTFOUND when the database has no audit trail (schema older than version 5),
 * KB_EDB when it cannot be read. */
kb_status kb_audit_verify(kb_store *s, kb_audit_check *out, kb_err *err);

/* Writes the chain's current latest entry to the saved head file, replacing whatever it
 * holds (also a head that the chain does not contain): for a restore, which records what
 * it dropped in its own audit entry first. No file for a database without a path (":memory:").
 * KB_EIO when the file cannot be written, KB_EDB when the head cannot be read. */
kb_status kb_audit_head_reset(kb_store *s, kb_err *err);

/* One entry. Strings are owned by the page that holds it and never NULL. */
typedef struct {
    long long seq;
    long long at;
    char *actor;
    char *action;
    char *object;
    char *summary;
    char *prev;
    char *hash;
} kb_audit_entry;

/* List filters. Strings are borrowed; NULL or "" means any. */
typedef struct {
    const char *actor;           /* exact */
    const char *action;          /* exact */
    const char *object;          /* prefix: "incident:" finds every incident */
    long long from;              /* at >= from, 0 = open */
    long long to;                /* at < to, 0 = open */
    size_t limit;                /* 0 = 50, at most max_limit */
    size_t max_limit;            /* 0 = KB_AUDIT_MAX_LIMIT */
    size_t offset;
} kb_audit_filter;

/* A page of entries, newest first. */
typedef struct {
    kb_audit_entry *items;
    size_t n;
    long long total;             /* matches over all pages */
} kb_audit_page;

/* The entries matching f, newest (highest seq) first. *out is freed with
 * kb_audit_page_free(). */
kb_status kb_audit_list(kb_store *s, const kb_audit_filter *f, kb_audit_page **out,
                        kb_err *err);
void kb_audit_page_free(kb_audit_page *p);

#endif
