#ifndef KB_STORE_H
#define KB_STORE_H
#include <stddef.h>

#include "kb_doc.h"
#include "kb_err.h"

/* One open knowledge-base database (SQLite, WAL, FTS5 with the kedb tokenizer).
 * Use from one thread at a time; open one per thread. */
typedef struct kb_store kb_store;

/* kb_store_open flag: open an existing database (schema version 2 or later) as it is:
 * never create it, never migrate its schema. Writes still work (the server records
 * incidents through such handles); a missing file or an unknown version is an error. */
#define KB_STORE_EXISTING 1

/* Opens or creates the database at path, applies schema migrations (unless
 * KB_STORE_EXISTING) and registers the kedb tokenizer and ranking function. On success
 * *out must be freed with kb_store_free(); on failure *out is NULL and err says why. */
kb_status kb_store_open(const char *path, int flags, kb_store **out, kb_err *err);
/* Releases s and everything it holds. s may be NULL. */
void kb_store_free(kb_store *s);

/* Transactions: begin is BEGIN IMMEDIATE. Rollback is safe without an open transaction. */
kb_status kb_store_begin(kb_store *s, kb_err *err);
kb_status kb_store_commit(kb_store *s, kb_err *err);
void kb_store_rollback(kb_store *s);
/* For a bulk writer (kedb-index): lets the write-ahead log grow to 128 MB between automatic
 * checkpoints on this connection instead of 32 MB, so that pages every batch rewrites (the
 * full-text index's and the term table's B-trees) are copied into the database file fewer
 * times: about 0.3 s of 7 s on 20,000 files. Durability and what is stored are unchanged;
 * the log is removed when the last connection closes. */
kb_status kb_store_bulk_writes(kb_store *s, kb_err *err);
/* A read snapshot around a run of look-ups (BEGIN DEFERRED): each statement outside a
 * transaction starts and ends one of its own, about 6 us in WAL mode against 0.3 us for a
 * term look-up inside one. *own is 0 when a transaction was already open, and then
 * kb_store_read_end leaves it alone; otherwise it ends the snapshot. Only for reads. */
kb_status kb_store_read_begin(kb_store *s, int *own, kb_err *err);
void kb_store_read_end(kb_store *s, int own);

/* Inserts or replaces the item with d->id (and keeps the index exact). Sets d->rowid.
 * Outside a transaction the write is atomic on its own; inside one (kb_store_begin), the
 * caller rolls the transaction back when it fails. Same for delete and synonyms. */
kb_status kb_store_doc_put(kb_store *s, kb_doc *d, kb_err *err);
/* Loads the full item with this id. *out is freed with kb_doc_free(). KB_ENOTFOUND if
 * there is none. */
kb_status kb_store_doc_get(kb_store *s, const char *id, kb_doc **out, kb_err *err);
/* Loads the item stored under row id, without source, html and fields (for result
 * lists). *out is freed with kb_doc_free(). */
kb_status kb_store_doc_brief(kb_store *s, long long rowid, kb_doc **out, kb_err *err);
/* Removes the item with this id from the store and the index. KB_ENOTFOUND if none. */
kb_status kb_store_doc_delete(kb_store *s, const char *id, kb_err *err);
/* Number of items, by type when type is not NULL. */
kb_status kb_store_doc_count(kb_store *s, const char *type, long long *out, kb_err *err);

/* Calls fn for every item that came from a file: its path, content hash and id. fn returns
 * non-zero to stop. */
typedef int (*kb_store_file_fn)(void *ctx, const char *path, const char *hash, const char *id);
kb_status kb_store_files(kb_store *s, kb_store_file_fn fn, void *ctx, kb_err *err);

/* Synonym groups: replaces all groups. terms holds n groups, each a NULL-terminated array
 * of terms as written (normalised by the caller). */
kb_status kb_store_synonyms_replace(kb_store *s, char ***groups, size_t n, kb_err *err);
/* Calls fn for every (group number, term) in group order. */
typedef int (*kb_store_syn_fn)(void *ctx, long long group, const char *term);
kb_status kb_store_synonyms(kb_store *s, kb_store_syn_fn fn, void *ctx, kb_err *err);

/* A value that changes whenever any connection commits a change to the database; use it
 * to invalidate caches. */
long long kb_store_generation(kb_store *s);

/* Checks the database (PRAGMA integrity_check) and the full-text index (FTS5
 * integrity-check). KB_EDB with the first problem when anything is wrong. */
kb_status kb_store_check(kb_store *s, kb_err *err);

/* Merges index segments after a bulk load. */
kb_status kb_store_optimize(kb_store *s, kb_err *err);

/* --- Full-text primitives used by kb_search (expressions are built by kb_query) --- */

/* Added to the score of a published known error by the ranking function: among the items
 * that match a query equally completely, known errors come first (an agent wants the
 * workaround, not a past ticket that was solved with it). Scores themselves stay far
 * below it. */
#define KB_RANK_KNOWN_ERROR 1e6

/* The least score a caller still wants: kb_store_fts_scored() returns a row that cannot
 * reach it with the score -1, without reading its positions. min rises as the caller's
 * top k fills; factor (>= 1) is the most the caller multiplies a score by afterwards
 * (usage boosts), so that the bound stays an upper bound. */
typedef struct {
    double min;
    double factor;
} kb_rank_floor;

/* Scores every match of FTS5 expression expr, in one pass: fn(ctx, rowid, score). Only the
 * first nscore phrases of expr count towards the score (the rest are filters); idfs, when
 * not NULL, holds their inverse document frequencies as "1.2/0,0.4/1,..." (else each phrase
 * is counted, which reads every row it matches). With fl, rows whose upper bound is
 * below fl->min come with score -1 (MaxScore-style pruning; NULL scores every row). */
typedef int (*kb_store_hit_fn)(void *ctx, long long rowid, double score);
kb_status kb_store_fts_scored(kb_store *s, const char *expr, int nscore, const char *idfs,
                              const kb_rank_floor *fl, kb_store_hit_fn fn, void *ctx,
                              kb_err *err);
/* Number of rows expr matches (no scoring). */
kb_status kb_store_fts_count(kb_store *s, const char *expr, long long *out, kb_err *err);
/* Number of rows containing the already-tokenized term (document frequency); prefix
 * counts all terms starting with term, stopping at cap. */
kb_status kb_store_term_df(kb_store *s, const char *term, int prefix, long long cap,
                           long long *out, kb_err *err);
/* Calls fn(ctx, term, df) for index terms t with lo <= t < hi, in order, at most max. */
typedef int (*kb_store_term_fn)(void *ctx, const char *term, long long df);
kb_status kb_store_terms(kb_store *s, const char *lo, const char *hi, size_t max,
                         kb_store_term_fn fn, void *ctx, kb_err *err);
/* One slot for a caller's per-connection cache (kb_search keeps synonyms there); the
 * store calls free_fn on it when replaced or when the store is freed. */
void *kb_store_aux(kb_store *s);
void kb_store_set_aux(kb_store *s, void *p, void (*free_fn)(void *));

/* The user of the session the connection currently works for ("" or NULL: none; copied,
 * cut at 200 bytes). Audit entries whose actor differs from it name it too, so a change
 * recorded for a colleague still shows who was logged in. */
void kb_store_set_user(kb_store *s, const char *user);
const char *kb_store_user(const kb_store *s);

/* The store's tokenizer (borrowed; valid until kb_store_free()), for callers that must
 * analyse text exactly as the index does. */
struct kb_tokenizer;
struct kb_tokenizer *kb_store_tokenizer(kb_store *s);

#endif
