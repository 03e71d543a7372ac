/* The database: schema, migrations, every SQL statement, and the ranking function. */
#include "kb_store.h"

#include <assert.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "kb_alloc.h"
#include "kb_buf.h"
#include "kb_group.h"
#include "kb_section.h"
#include "kb_tokenize.h"
#include "store_int.h"

/* Schema version (PRAGMA user_version) and index layout version: a change of either the
 * tokenizer or of what goes into each index column rebuilds the full-text index. */
#define SCHEMA_VERSION 29
#define INDEX_LAYOUT 2 /* 2: a draft's file texts left out */

/* synchronous=FULL: in WAL mode every commit syncs the WAL before it returns, so a write
 * the desk saw acknowledged survives a power cut. (NORMAL syncs only at checkpoints: the
 * commits since the last one could be lost.) See docs/DESIGN.md, "Durability", for the
 * cost measured. Set at build time only to measure it again (-DKB_STORE_SYNCHRONOUS=NORMAL,
 * tools/sync_cost.py). */
#ifndef KB_STORE_SYNCHRONOUS
#define KB_STORE_SYNCHRONOUS FULL
#endif
#define PRAGMA_TEXT(x) #x
#define PRAGMA_VALUE(x) PRAGMA_TEXT(x)

/* Index columns, in schema v1's order; kedb_rank() weighs the text columns, reads the
 * boost column's length. The title's weight is the store's; the other text columns take
 * the weight of the known-error sections indexed in them (kb_section). */
enum { COL_TITLE, COL_SYMPTOM, COL_WORKAROUND, COL_BODY, COL_META, COL_BOOST, NCOLS };
#define NTEXT 4
#define TITLE_WEIGHT 5.0
static const char *const col_name[NTEXT] = { "title", "symptom", "workaround", "body" };

/* Filled once from the section table (layout_init): the text columns' weights, each
 * section's index column, and the statements naming the doc table's section columns. */
static pthread_once_t layout_once = PTHREAD_ONCE_INIT;
static double col_weight[NTEXT];
static int sec_col[KB_SECTION_MAX];
static char *doc_sql[3]; /* ST_DOC_INSERT, ST_DOC_FULL, ST_DOC_BRIEF */

enum stmt {
    ST_DOC_ID_BY_ID,
    ST_DOC_INSERT,
    ST_DOC_DELETE,
    ST_DOC_FULL,
    ST_DOC_BRIEF,
    ST_FIELD_INSERT,
    ST_FIELDS,
    ST_FTS_INSERT,
    ST_FTS_DELETE,
    ST_FILES,
    ST_COUNT_ALL,
    ST_COUNT_TYPE,
    ST_SYN_DELETE,
    ST_SYN_INSERT,
    ST_SYN_ALL,
    ST_FTS_SCORED,
    ST_FTS_COUNT,
    ST_DOCSIZE_FROM,
    ST_TERM_EQ,
    ST_TERM_PREFIX,
    ST_TERM_RANGE,
    ST_TERM_ADD,
    ST_TERM_PRUNE,
    ST_DATA_VERSION,
    ST__COUNT
};

/* The doc columns before the sections; the sections' columns follow in table order, then
 * text (then source, html, boost). ST_DOC_INSERT, ST_DOC_FULL and ST_DOC_BRIEF are built
 * from these by layout_init(). */
#define DOC_HEAD "id, type, title, status, version, updated, path, hash"
#define DOC_NHEAD 8

static const char *const stmt_sql[ST__COUNT] = {
    [ST_DOC_ID_BY_ID] = "SELECT rowid FROM doc WHERE id = ?1",
    [ST_DOC_DELETE] = "DELETE FROM doc WHERE rowid = ?1",
    [ST_FIELD_INSERT] = "INSERT INTO doc_field(doc, ord, key, is_list, vidx, value) "
                        "VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    [ST_FIELDS] = "SELECT ord, key, is_list, vidx, value FROM doc_field WHERE doc = ?1 "
                  "ORDER BY ord, vidx",
    [ST_FTS_INSERT] = "INSERT INTO kb_fts(rowid, title, symptom, workaround, body, meta, boost) "
                      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    [ST_FTS_DELETE] = "INSERT INTO kb_fts(kb_fts, rowid, title, symptom, workaround, body, "
                      "meta, boost) VALUES ('delete', ?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    [ST_FILES] = "SELECT path, hash, id FROM doc WHERE path <> '' ORDER BY path",
    [ST_COUNT_ALL] = "SELECT count(*) FROM doc",
    [ST_COUNT_TYPE] = "SELECT count(*) FROM doc WHERE type = ?1",
    [ST_SYN_DELETE] = "DELETE FROM synonym",
    [ST_SYN_INSERT] = "INSERT INTO synonym(grp, ord, term) VALUES (?1, ?2, ?3)",
    [ST_SYN_ALL] = "SELECT grp, term FROM synonym ORDER BY grp, ord",
    [ST_FTS_SCORED] = "SELECT rowid, kedb_rank(kb_fts, ?2, ?3, ?4) FROM kb_fts WHERE kb_fts "
                      "MATCH ?1",
    [ST_FTS_COUNT] = "SELECT count(*) FROM kb_fts WHERE kb_fts MATCH ?1",
    [ST_DOCSIZE_FROM] = "SELECT id, sz FROM kb_fts_docsize WHERE id > ?1 ORDER BY id",
    [ST_TERM_EQ] = "SELECT df FROM term WHERE term = ?1",
    [ST_TERM_PREFIX] = "SELECT sum(df) FROM (SELECT df FROM term WHERE term >= ?1 AND "
                       "term < ?2 LIMIT 20000)",
    [ST_TERM_RANGE] = "SELECT term, df FROM term WHERE term >= ?1 AND term < ?2 LIMIT ?3",
    [ST_TERM_ADD] = "INSERT INTO term(term, df) VALUES (?1, ?2) "
                    "ON CONFLICT(term) DO UPDATE SET df = df + excluded.df",
    [ST_TERM_PRUNE] = "DELETE FROM term WHERE term = ?1 AND df <= 0",
    [ST_DATA_VERSION] = "PRAGMA data_version",
};

/* String -> count map for document frequencies: open addressing, keys in one arena, and
 * clearing by bumping an epoch (the per-document map is cleared for every row written). */
typedef struct {
    uint64_t *hash;
    uint32_t *off;  /* key offset in arena */
    uint32_t *len;
    uint32_t *epoch; /* slot is used when equal to the map's epoch */
    long long *vals;
    size_t cap;     /* power of two or 0 */
    size_t n;
    uint32_t cur;   /* current epoch, >= 1 */
    kb_buf arena;
} termmap;

static uint64_t fnv(const char *p, size_t n)
{
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)p[i];
        h *= 1099511628211ULL;
    }
    return h;
}

static const char *tm_key(const termmap *m, size_t i)
{
    return m->arena.data + m->off[i];
}

static int tm_used(const termmap *m, size_t i)
{
    return m->cap && m->epoch[i] == m->cur;
}

static void tm_grow(termmap *m)
{
    termmap old = *m;
    m->cap = old.cap ? old.cap * 2 : 1024;
    m->hash = kb_xcalloc(m->cap, sizeof *m->hash);
    m->off = kb_xcalloc(m->cap, sizeof *m->off);
    m->len = kb_xcalloc(m->cap, sizeof *m->len);
    m->epoch = kb_xcalloc(m->cap, sizeof *m->epoch);
    m->vals = kb_xcalloc(m->cap, sizeof *m->vals);
    if (!m->cur)
        m->cur = 1;
    for (size_t i = 0; i < old.cap; i++) {
        if (old.epoch[i] != old.cur)
            continue;
        size_t j = old.hash[i] & (m->cap - 1);
        while (m->epoch[j] == m->cur)
            j = (j + 1) & (m->cap - 1);
        m->hash[j] = old.hash[i];
        m->off[j] = old.off[i];
        m->len[j] = old.len[i];
        m->vals[j] = old.vals[i];
        m->epoch[j] = m->cur;
    }
    free(old.hash);
    free(old.off);
    free(old.len);
    free(old.epoch);
    free(old.vals);
}

/* Adds delta to key's count. */
static void tm_add(termmap *m, const char *key, size_t len, long long delta)
{
    if ((m->n + 1) * 2 > m->cap)
        tm_grow(m);
    uint64_t h = fnv(key, len);
    size_t i = h & (m->cap - 1);
    while (m->epoch[i] == m->cur) {
        if (m->hash[i] == h && m->len[i] == len && memcmp(tm_key(m, i), key, len) == 0) {
            m->vals[i] += delta;
            return;
        }
        i = (i + 1) & (m->cap - 1);
    }
    m->hash[i] = h;
    m->off[i] = (uint32_t)m->arena.len;
    m->len[i] = (uint32_t)len;
    kb_buf_add(&m->arena, key, len);
    kb_buf_addc(&m->arena, '\0');
    m->vals[i] = delta;
    m->epoch[i] = m->cur;
    m->n++;
}

static void tm_clear(termmap *m)
{
    if (!m->n)
        return;
    m->n = 0;
    kb_buf_reset(&m->arena);
    if (++m->cur == 0) { /* wrapped: really clear */
        memset(m->epoch, 0, m->cap * sizeof *m->epoch);
        m->cur = 1;
    }
}

static void tm_free(termmap *m)
{
    free(m->hash);
    free(m->off);
    free(m->len);
    free(m->epoch);
    free(m->vals);
    kb_buf_free(&m->arena);
    memset(m, 0, sizeof *m);
}

/* Column lengths of every indexed row, shared by all connections of this process to one
 * database. FTS5 reads them for the ranking function from its docsize table, one B-tree
 * lookup per row: 2 us, three quarters of the cost of ranking. Rows only ever get new,
 * higher row ids (items are replaced, not updated in place), so the cache grows by
 * appending; entries up to max_id never change once published. */
#define DL_CHUNK 65536
#define DL_CHUNKS 32768 /* row ids up to 2^31 */

typedef struct {
    uint16_t len[NTEXT];
    uint8_t boost;
    uint8_t ok;
} doclen;

typedef struct dlcache {
    char *path;
    int refs;
    pthread_mutex_t mu; /* serialises refreshes */
    atomic_llong max_id;
    doclen *chunk[DL_CHUNKS];
    struct dlcache *next;
} dlcache;

static pthread_mutex_t dl_mu = PTHREAD_MUTEX_INITIALIZER;
static dlcache *dl_all;

static dlcache *dl_get(const char *path)
{
    char real[PATH_MAX];
    const char *key = realpath(path, real) ? real : NULL;
    if (!key)
        return NULL;
    pthread_mutex_lock(&dl_mu);
    dlcache *c = dl_all;
    while (c && strcmp(c->path, key) != 0)
        c = c->next;
    if (!c) {
        c = kb_xcalloc(1, sizeof *c);
        c->path = kb_xstrdup(key);
        pthread_mutex_init(&c->mu, NULL);
        atomic_init(&c->max_id, 0);
        c->next = dl_all;
        dl_all = c;
    }
    c->refs++;
    pthread_mutex_unlock(&dl_mu);
    return c;
}

static void dl_put(dlcache *c)
{
    if (!c)
        return;
    pthread_mutex_lock(&dl_mu);
    if (--c->refs == 0) {
        dlcache **pp = &dl_all;
        while (*pp != c)
            pp = &(*pp)->next;
        *pp = c->next;
        for (size_t i = 0; i < DL_CHUNKS; i++)
            free(c->chunk[i]);
        pthread_mutex_destroy(&c->mu);
        free(c->path);
        free(c);
    }
    pthread_mutex_unlock(&dl_mu);
}

/* The lengths of row id, or NULL when not cached. Lock-free. */
static const doclen *dl_find(dlcache *c, long long id)
{
    if (!c || id <= 0 || id > atomic_load_explicit(&c->max_id, memory_order_acquire))
        return NULL;
    const doclen *ch = c->chunk[id / DL_CHUNK];
    if (!ch || !ch[id % DL_CHUNK].ok)
        return NULL;
    return &ch[id % DL_CHUNK];
}

/* SQLite/FTS5 varint, 32-bit values. */
static int get_varint32(const unsigned char *p, int n, int *i, uint32_t *out)
{
    uint32_t v = 0;
    for (int k = 0; k < 5 && *i < n; k++) {
        unsigned char b = p[(*i)++];
        v = (v << 7) | (b & 0x7f);
        if (!(b & 0x80)) {
            *out = v;
            return 1;
        }
    }
    return 0;
}

struct kb_store {
    sqlite3 *db;
    sqlite3_stmt *st[ST__COUNT];
    kb_tokenizer *tok;
    kb_buf cols[NCOLS];
    void *aux;
    void (*aux_free)(void *);
    /* Document frequencies: the tokenizer hook collects the distinct terms of the row
     * being written; their +1/-1 wait in pending until the transaction commits. */
    kb_token_hook hook;
    int collecting;
    termmap docterms;
    termmap pending;
    dlcache *dl;
    long long dl_gen; /* generation at the last refresh */
    /* statements of the other store files, keyed by the address of their SQL: an open
     * addressing table of ncap slots (a power of two, at most half full), grown as the
     * store files add statements (there is no fixed number of them) */
    struct cached_stmt {
        const char *sql;
        sqlite3_stmt *st;
    } *extra;
    size_t nextra, ncap;
    char user[201];          /* the session user (kb_store_set_user) */
    int audited;             /* the open transaction appended audit entries */
};

static sqlite3_stmt *stmt(kb_store *s, enum stmt id, kb_err *err);
static void done(sqlite3_stmt *st);
static kb_status write_begin(kb_store *s, int *own, kb_err *err);
static kb_status write_end(kb_store *s, int own, kb_status rc, kb_err *err);

/* Adds the rows indexed since the last refresh to the shared length cache. */
static void doclen_refresh(kb_store *s)
{
    if (!s->dl)
        return;
    long long gen = kb_store_generation(s);
    if (gen == s->dl_gen)
        return;
    dlcache *c = s->dl;
    pthread_mutex_lock(&c->mu);
    sqlite3_stmt *st = stmt(s, ST_DOCSIZE_FROM, NULL);
    long long max = atomic_load_explicit(&c->max_id, memory_order_relaxed);
    if (st) {
        sqlite3_bind_int64(st, 1, max);
        while (sqlite3_step(st) == SQLITE_ROW) {
            long long id = sqlite3_column_int64(st, 0);
            const unsigned char *p = sqlite3_column_blob(st, 1);
            int n = sqlite3_column_bytes(st, 1);
            if (id <= 0 || id >= (long long)DL_CHUNK * DL_CHUNKS)
                break;
            doclen *ch = c->chunk[id / DL_CHUNK];
            if (!ch) {
                ch = kb_xcalloc(DL_CHUNK, sizeof *ch);
                c->chunk[id / DL_CHUNK] = ch;
            }
            doclen d = { { 0 }, 0, 1 };
            int i = 0;
            for (int col = 0; col < NCOLS && d.ok; col++) {
                uint32_t v = 0;
                if (!get_varint32(p, n, &i, &v)) {
                    d.ok = 0;
                    break;
                }
                if (col < NTEXT)
                    d.len[col] = (uint16_t)(v > 65535 ? 65535 : v);
                else if (col == COL_BOOST)
                    d.boost = (uint8_t)(v > 255 ? 255 : v);
            }
            ch[id % DL_CHUNK] = d;
            max = id;
        }
        done(st);
    }
    atomic_store_explicit(&c->max_id, max, memory_order_release);
    pthread_mutex_unlock(&c->mu);
    s->dl_gen = gen;
}

static void on_token(void *ctx, const char *tok, size_t len)
{
    kb_store *s = ctx;
    if (s->collecting)
        tm_add(&s->docterms, tok, len, 1);
}

static const char *const schema_v1 =
    "CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS doc("
    " rowid INTEGER PRIMARY KEY AUTOINCREMENT,"
    " id TEXT NOT NULL UNIQUE, type TEXT NOT NULL, title TEXT NOT NULL,"
    " status TEXT NOT NULL, version TEXT NOT NULL, updated TEXT NOT NULL,"
    " path TEXT NOT NULL, hash TEXT NOT NULL,"
    " symptom TEXT NOT NULL, cause TEXT NOT NULL, workaround TEXT NOT NULL,"
    " fix TEXT NOT NULL, text TEXT NOT NULL, source TEXT NOT NULL, html TEXT NOT NULL,"
    " boost INTEGER NOT NULL DEFAULT 0);"
    "CREATE INDEX IF NOT EXISTS doc_path ON doc(path);"
    "CREATE INDEX IF NOT EXISTS doc_type ON doc(type);"
    "CREATE TABLE IF NOT EXISTS doc_field("
    " doc INTEGER NOT NULL REFERENCES doc(rowid) ON DELETE CASCADE,"
    " ord INTEGER NOT NULL, key TEXT NOT NULL, is_list INTEGER NOT NULL,"
    " vidx INTEGER NOT NULL, value TEXT NOT NULL, PRIMARY KEY(doc, ord, vidx)) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS synonym(grp INTEGER NOT NULL, ord INTEGER NOT NULL,"
    " term TEXT NOT NULL, PRIMARY KEY(grp, ord)) WITHOUT ROWID;"
    "CREATE VIRTUAL TABLE IF NOT EXISTS kb_fts USING fts5("
    " title, symptom, workaround, body, meta, boost,"
    " tokenize='kedb', content='');"
    "CREATE VIRTUAL TABLE IF NOT EXISTS kb_vocab USING fts5vocab(kb_fts, 'row');";

/* v2: document frequency per index term, kept by the store (fts5vocab computes it by
 * reading the term's whole posting list: 7 ms for a term in 80% of 100k rows). */
static const char *const schema_v2 =
    "CREATE TABLE IF NOT EXISTS term(term TEXT PRIMARY KEY, df INTEGER NOT NULL) WITHOUT ROWID;";

static kb_status db_err(kb_store *s, kb_err *err, const char *what)
{
    return kb_err_set(err, KB_EDB, "%s: %s", what, sqlite3_errmsg(s->db));
}

static kb_status exec(kb_store *s, const char *sql, kb_err *err)
{
    char *msg = NULL;
    if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        kb_status rc = kb_err_set(err, KB_EDB, "%s", msg ? msg : sqlite3_errmsg(s->db));
        sqlite3_free(msg);
        return rc;
    }
    return KB_OK;
}

/* Returns the cached, reset statement, preparing it on first use. */
static sqlite3_stmt *stmt(kb_store *s, enum stmt id, kb_err *err)
{
    if (!s->st[id]) {
        const char *sql = id == ST_DOC_INSERT ? doc_sql[0]
                          : id == ST_DOC_FULL ? doc_sql[1]
                          : id == ST_DOC_BRIEF ? doc_sql[2]
                                               : stmt_sql[id];
        if (sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &s->st[id],
                               NULL) != SQLITE_OK) {
            db_err(s, err, "prepare");
            s->st[id] = NULL;
            return NULL;
        }
    }
    return s->st[id];
}

static void done(sqlite3_stmt *st)
{
    if (st) {
        sqlite3_reset(st);
        sqlite3_clear_bindings(st);
    }
}

/* --- ranking: BM25F over the text columns, times a bounded per-item boost --- */

/* How much more an item whose title holds all of the query's words scores (its share of
 * the query's idf found in the title, times this, added to 1). */
#define TITLE_COVER 0.5

typedef struct {
    int nphrase;
    double *idf;   /* per group, indexed by group */
    int *group;    /* per phrase: its group (dense, 0 ..) */
    int ngroups;
    double *gtfw;  /* per group scratch */
    unsigned char *gseen; /* per group scratch */
    double avg[NTEXT];
    double all; /* sum of the groups' idfs */
    double *tf; /* nphrase * NTEXT scratch */
} rank_data;

static void rank_data_free(void *p)
{
    rank_data *d = p;
    if (d) {
        free(d->idf);
        free(d->group);
        free(d->gtfw);
        free(d->gseen);
        free(d->tf);
        free(d);
    }
}

static int count_hit(const Fts5ExtensionApi *api, Fts5Context *fc, void *ctx)
{
    (void)api;
    (void)fc;
    (*(sqlite3_int64 *)ctx)++;
    return SQLITE_OK;
}

/* IDFs come from the caller (from the vocabulary: cheap) as text "1.5,0.3,..."; a phrase
 * without one is counted with xQueryPhrase, which reads every row the phrase matches. */
static rank_data *rank_setup(const Fts5ExtensionApi *api, Fts5Context *fc, int nscore,
                             const char *idfs, int *rc)
{
    rank_data *d = api->xGetAuxdata(fc, 0);
    if (d)
        return d;
    int np = api->xPhraseCount(fc);
    if (nscore < 0 || nscore > np)
        nscore = np;
    d = kb_xcalloc(1, sizeof *d);
    d->nphrase = nscore;
    d->idf = kb_xcalloc((size_t)nscore + 1, sizeof *d->idf);
    d->tf = kb_xcalloc(((size_t)nscore + 1) * NTEXT, sizeof *d->tf);
    sqlite3_int64 nrow = 0;
    *rc = api->xRowCount(fc, &nrow);
    for (int c = 0; c < NTEXT && *rc == SQLITE_OK; c++) {
        sqlite3_int64 tot = 0;
        *rc = api->xColumnTotalSize(fc, c, &tot);
        d->avg[c] = nrow > 0 ? (double)tot / (double)nrow : 1.0;
        if (d->avg[c] <= 0)
            d->avg[c] = 1.0;
    }
    /* "idf/group,idf/group,...": the phrases of one group stand for one word (the word,
     * its synonyms, a prefix's completions) and count as one term with the idf of the
     * group's first phrase */
    d->group = kb_xcalloc((size_t)nscore + 1, sizeof *d->group);
    d->gtfw = kb_xcalloc((size_t)nscore + 1, sizeof *d->gtfw);
    d->gseen = kb_xcalloc((size_t)nscore + 1, 1);
    long long *gid = kb_xcalloc((size_t)nscore + 1, sizeof *gid);
    const char *ip = idfs;
    for (int p = 0; p < nscore && *rc == SQLITE_OK; p++) {
        double idf = -1;
        long long g = -1 - p; /* without a group: a group of its own */
        if (ip && *ip) {
            char *end = NULL;
            double v = strtod(ip, &end);
            if (end != ip) {
                idf = v < 1e-6 ? 1e-6 : v;
                ip = end;
                if (*ip == '/') {
                    char *e2 = NULL;
                    long long gv = strtoll(ip + 1, &e2, 10);
                    if (e2 != ip + 1 && gv >= 0)
                        g = gv;
                    ip = e2 ? e2 : ip + 1;
                }
                ip = *ip == ',' ? ip + 1 : NULL;
            } else {
                ip = NULL;
            }
        }
        if (idf < 0) {
            sqlite3_int64 hits = 0;
            *rc = api->xQueryPhrase(fc, p, &hits, count_hit);
            idf = log(((double)nrow - (double)hits + 0.5) / ((double)hits + 0.5));
            idf = idf < 1e-6 ? 1e-6 : idf;
        }
        int k = 0;
        while (k < d->ngroups && gid[k] != g)
            k++;
        if (k == d->ngroups) {
            gid[k] = g;
            d->idf[k] = idf;
            d->ngroups++;
        }
        d->group[p] = k;
    }
    for (int g = 0; g < d->ngroups; g++)
        d->all += d->idf[g];
    free(gid);
    if (*rc != SQLITE_OK) {
        rank_data_free(d);
        return NULL;
    }
    *rc = api->xSetAuxdata(fc, d, rank_data_free);
    return *rc == SQLITE_OK ? d : NULL;
}

/* The most a row with this boost level can score: every group saturated (its BM25 part
 * tends to k1 + 1), every word in the title, times the caller's usage factor. */
static double rank_bound(const rank_data *d, int boost, double factor)
{
    const double k1 = 1.2;
    if (boost > 8)
        boost = 8;
    double ub = d->all * (k1 + 1.0) * (1.0 + TITLE_COVER) * (1.0 + 0.15 * boost) *
                (factor > 1.0 ? factor : 1.0);
    return boost >= 4 ? KB_RANK_KNOWN_ERROR + ub : ub;
}

static void kedb_rank(const Fts5ExtensionApi *api, Fts5Context *fc, sqlite3_context *ctx,
                      int nval, sqlite3_value **val)
{
    const double k1 = 1.2, b = 0.75;
    int nscore = nval > 0 ? sqlite3_value_int(val[0]) : -1;
    const char *idfs = nval > 1 ? (const char *)sqlite3_value_text(val[1]) : NULL;
    const kb_rank_floor *fl = nval > 2 ? sqlite3_value_pointer(val[2], "kb_rank_floor") : NULL;
    int rc = SQLITE_OK;
    rank_data *d = rank_setup(api, fc, nscore, idfs, &rc);
    if (!d) {
        sqlite3_result_error_code(ctx, rc == SQLITE_OK ? SQLITE_NOMEM : rc);
        return;
    }
    double len[NTEXT];
    int boost = 0;
    kb_store *s = api->xUserData(fc);
    const doclen *dl = dl_find(s->dl, api->xRowid(fc));
    if (dl) {
        for (int c = 0; c < NTEXT; c++)
            len[c] = dl->len[c];
        boost = dl->boost;
    } else {
        for (int c = 0; c < NTEXT && rc == SQLITE_OK; c++) {
            int n = 0;
            rc = api->xColumnSize(fc, c, &n);
            len[c] = n;
        }
        if (rc == SQLITE_OK)
            rc = api->xColumnSize(fc, COL_BOOST, &boost);
    }
    if (rc != SQLITE_OK) {
        sqlite3_result_error_code(ctx, rc);
        return;
    }
    /* a row that cannot reach the caller's top k is not scored: its positions are the
     * expensive part */
    if (fl && rank_bound(d, boost, fl->factor) < fl->min) {
        sqlite3_result_double(ctx, -1.0);
        return;
    }
    memset(d->tf, 0, sizeof(double) * (size_t)d->nphrase * NTEXT);
    int ninst = 0;
    rc = api->xInstCount(fc, &ninst);
    for (int i = 0; i < ninst && rc == SQLITE_OK; i++) {
        int ip, ic, io;
        rc = api->xInst(fc, i, &ip, &ic, &io);
        if (rc == SQLITE_OK && ip < d->nphrase && ic < NTEXT)
            d->tf[ip * NTEXT + ic] += 1.0;
    }
    if (rc != SQLITE_OK) {
        sqlite3_result_error_code(ctx, rc);
        return;
    }
    double score = 0;
    memset(d->gtfw, 0, sizeof(double) * (size_t)d->ngroups);
    for (int p = 0; p < d->nphrase; p++) {
        double tfw = 0;
        for (int c = 0; c < NTEXT; c++) {
            double tf = d->tf[p * NTEXT + c];
            if (tf > 0)
                tfw += col_weight[c] * tf / (1.0 - b + b * len[c] / d->avg[c]);
        }
        d->gtfw[d->group[p]] += tfw;
    }
    double in_title = 0;
    for (int g = 0; g < d->ngroups; g++) {
        if (d->gtfw[g] > 0)
            score += d->idf[g] * d->gtfw[g] * (k1 + 1.0) / (d->gtfw[g] + k1);
    }
    /* An item whose title holds the caller's words is about them: once a word saturates in
     * a long body it weighs as much as in the title, so the share of the query's weight
     * found in the title adds up to TITLE_COVER (measured: docs/RELEVANCE.md). */
    for (int p = 0; p < d->nphrase; p++) {
        int g = d->group[p];
        if (d->tf[p * NTEXT + COL_TITLE] > 0 && !d->gseen[g]) {
            d->gseen[g] = 1;
            in_title += d->idf[g];
        }
    }
    for (int p = 0; p < d->nphrase; p++)
        d->gseen[d->group[p]] = 0;
    if (d->all > 0)
        score *= 1.0 + TITLE_COVER * in_title / d->all;
    if (boost > 8)
        boost = 8;
    score *= 1.0 + 0.15 * boost;
    /* a published known error ranks above everything else that matches the same query */
    if (score > 0 && boost >= 4)
        score += KB_RANK_KNOWN_ERROR;
    sqlite3_result_double(ctx, score);
}

static kb_status register_rank(kb_store *s, kb_err *err)
{
    fts5_api *api = NULL;
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db, "SELECT fts5(?1)", -1, &st, NULL) != SQLITE_OK)
        return db_err(s, err, "fts5");
    sqlite3_bind_pointer(st, 1, (void *)&api, "fts5_api_ptr", NULL);
    sqlite3_step(st);
    sqlite3_finalize(st);
    if (!api || api->xCreateFunction(api, "kedb_rank", s, kedb_rank, NULL) != SQLITE_OK)
        return kb_err_set(err, KB_EDB, "cannot register the ranking function");
    return KB_OK;
}

/* --- index values for one item --- */

/* Boost levels: published known errors lead, then articles, documents, tickets; drafts and
 * retired items get none. kedb_rank multiplies by 1 + 0.15 * level. */
static int boost_level(const kb_doc *d)
{
    if (strcmp(d->status, "published") != 0 && strcmp(d->type, KB_TYPE_TICKET) != 0)
        return 0;
    if (strcmp(d->type, KB_TYPE_KNOWN_ERROR) == 0)
        return 4;
    if (strcmp(d->type, KB_TYPE_ARTICLE) == 0)
        return 3;
    if (strcmp(d->type, KB_TYPE_DOCUMENT) == 0)
        return 2;
    return 1;
}

static void add_list(kb_buf *b, const kb_doc *d, const char *key)
{
    const kb_field *f = kb_doc_field(d, key);
    for (size_t i = 0; f && i < f->nvals; i++) {
        kb_buf_addc(b, '\n');
        kb_buf_adds(b, f->vals[i]);
    }
}

static void add_filters(kb_tokenizer *t, kb_buf *b, const kb_doc *d, const char *key,
                        const char *name)
{
    const kb_field *f = kb_doc_field(d, key);
    for (size_t i = 0; f && i < f->nvals; i++) {
        kb_tokenize_filter_token(t, name, f->vals[i], b);
        kb_buf_addc(b, ' ');
    }
}

/* The sections indexed in column col, in table order, one line apart. */
static void add_sections(kb_buf *b, const kb_doc *d, int col)
{
    int first = 1;
    for (size_t i = 0; i < kb_section_count(); i++) {
        if (sec_col[i] != col)
            continue;
        if (!first)
            kb_buf_addc(b, '\n');
        kb_buf_adds(b, kb_section_text(d, kb_section_at(i)));
        first = 0;
    }
}

/* Fills s->cols with exactly what is indexed for d. Deterministic: deleting from the
 * contentless index needs the same values again. */
static void column_values(kb_tokenizer *t, const kb_doc *d, int boost, kb_buf cols[NCOLS])
{
    for (int c = 0; c < NCOLS; c++)
        kb_buf_reset(&cols[c]);
    kb_buf *b = &cols[COL_TITLE];
    kb_buf_adds(b, d->title);
    kb_buf_addc(b, '\n');
    kb_buf_adds(b, d->id);
    b = &cols[COL_SYMPTOM];
    add_sections(b, d, COL_SYMPTOM);
    add_list(b, d, "error_codes");
    add_list(b, d, "products");
    b = &cols[COL_WORKAROUND];
    add_sections(b, d, COL_WORKAROUND);
    b = &cols[COL_BODY];
    add_sections(b, d, COL_BODY);
    kb_buf_addc(b, '\n');
    kb_buf_adds(b, d->text);
    add_list(b, d, "tags");
    b = &cols[COL_META];
    kb_tokenize_filter_token(t, "type", d->type, b);
    kb_buf_addc(b, ' ');
    kb_tokenize_filter_token(t, "status", d->status, b);
    kb_buf_addc(b, ' ');
    add_filters(t, b, d, "tags", "tag");
    add_filters(t, b, d, "products", "product");
    b = &cols[COL_BOOST];
    for (int i = 0; i < boost; i++)
        kb_buf_adds(b, "\x1f" "b ");
}

/* column_values() and the texts of the item's attachments at the end of the body column:
 * a search for a line of an attached log finds the item. */
static kb_status index_values(kb_store *s, const kb_doc *d, int boost, kb_err *err)
{
    column_values(s->tok, d, boost, s->cols);
    return kb_store_attach_texts(s, "kb", d->id, &s->cols[COL_BODY], err);
}

static kb_status fts_write(kb_store *s, enum stmt which, long long rowid, kb_err *err)
{
    sqlite3_stmt *st = stmt(s, which, err);
    if (!st)
        return KB_EDB;
    sqlite3_bind_int64(st, 1, rowid);
    for (int c = 0; c < NCOLS; c++)
        sqlite3_bind_text(st, 2 + c, kb_buf_str(&s->cols[c]), (int)s->cols[c].len,
                          SQLITE_STATIC);
    tm_clear(&s->docterms);
    s->collecting = 1;
    int rc = sqlite3_step(st);
    s->collecting = 0;
    kb_status out = rc == SQLITE_DONE ? KB_OK : db_err(s, err, "full-text index");
    done(st);
    if (out == KB_OK) {
        long long sign = which == ST_FTS_DELETE ? -1 : 1;
        for (size_t i = 0; i < s->docterms.cap; i++)
            if (tm_used(&s->docterms, i))
                tm_add(&s->pending, tm_key(&s->docterms, i), s->docterms.len[i], sign);
    }
    return out;
}

/* Writes the pending document-frequency changes; called inside the transaction, just
 * before COMMIT, so that they commit or roll back with the rows they count. */
static kb_status flush_terms(kb_store *s, kb_err *err)
{
    if (!s->pending.n)
        return KB_OK;
    sqlite3_stmt *add = stmt(s, ST_TERM_ADD, err);
    sqlite3_stmt *prune = stmt(s, ST_TERM_PRUNE, err);
    if (!add || !prune)
        return KB_EDB;
    kb_status rc = KB_OK;
    for (size_t i = 0; i < s->pending.cap && rc == KB_OK; i++) {
        if (!tm_used(&s->pending, i) || s->pending.vals[i] == 0)
            continue;
        long long d = s->pending.vals[i];
        const char *key = tm_key(&s->pending, i);
        sqlite3_bind_text(add, 1, key, (int)s->pending.len[i], SQLITE_STATIC);
        sqlite3_bind_int64(add, 2, d);
        if (sqlite3_step(add) != SQLITE_DONE)
            rc = db_err(s, err, "term statistics");
        done(add);
        if (rc == KB_OK && d < 0) {
            sqlite3_bind_text(prune, 1, key, (int)s->pending.len[i], SQLITE_STATIC);
            if (sqlite3_step(prune) != SQLITE_DONE)
                rc = db_err(s, err, "term statistics");
            done(prune);
        }
    }
    tm_clear(&s->pending);
    return rc;
}

/* --- loading --- */

static void col_str(sqlite3_stmt *st, int i, char **slot)
{
    const unsigned char *v = sqlite3_column_text(st, i);
    kb_doc_set(slot, v ? (const char *)v : "", (size_t)sqlite3_column_bytes(st, i));
}

/* Reads rowid, DOC_HEAD, the sections and text; returns the next column's index. */
static int load_cols(sqlite3_stmt *st, kb_doc *d)
{
    d->rowid = sqlite3_column_int64(st, 0);
    char **slots[DOC_NHEAD] = { &d->id,      &d->type, &d->title, &d->status,
                                &d->version, &d->updated, &d->path, &d->hash };
    int c = 1;
    for (int i = 0; i < DOC_NHEAD; i++)
        col_str(st, c++, slots[i]);
    for (size_t i = 0; i < kb_section_count(); i++)
        col_str(st, c++, kb_section_slot(d, kb_section_at(i)));
    col_str(st, c++, &d->text);
    return c;
}

static kb_status load_fields(kb_store *s, kb_doc *d, kb_err *err)
{
    sqlite3_stmt *st = stmt(s, ST_FIELDS, err);
    if (!st)
        return KB_EDB;
    sqlite3_bind_int64(st, 1, d->rowid);
    int rc;
    long long last = -1;
    kb_field *f = NULL;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        long long ord = sqlite3_column_int64(st, 0);
        if (ord != last || !f) {
            f = kb_doc_add_field(d, (const char *)sqlite3_column_text(st, 1),
                                 sqlite3_column_int(st, 2));
            last = ord;
        }
        const char *v = (const char *)sqlite3_column_text(st, 4);
        if (sqlite3_column_int64(st, 3) >= 0) /* -1 marks a field without values */
            kb_field_add_val(f, v ? v : "", (size_t)sqlite3_column_bytes(st, 4));
    }
    kb_status out = rc == SQLITE_DONE ? KB_OK : db_err(s, err, "load fields");
    done(st);
    return out;
}

/* Loads row rowid (full or brief). KB_ENOTFOUND when absent. */
static kb_status load_doc(kb_store *s, long long rowid, int full, kb_doc **out, int *boost,
                          kb_err *err)
{
    *out = NULL;
    sqlite3_stmt *st = stmt(s, full ? ST_DOC_FULL : ST_DOC_BRIEF, err);
    if (!st)
        return KB_EDB;
    sqlite3_bind_int64(st, 1, rowid);
    int rc = sqlite3_step(st);
    if (rc != SQLITE_ROW) {
        kb_status r = rc == SQLITE_DONE ? kb_err_set(err, KB_ENOTFOUND, "no item at row %lld",
                                                     rowid)
                                        : db_err(s, err, "load item");
        done(st);
        return r;
    }
    kb_doc *d = kb_doc_new();
    int c = load_cols(st, d);
    if (full) {
        col_str(st, c, &d->source);
        col_str(st, c + 1, &d->html);
        if (boost)
            *boost = sqlite3_column_int(st, c + 2);
    }
    done(st);
    if (full) {
        kb_status r = load_fields(s, d, err);
        if (r != KB_OK) {
            kb_doc_free(d);
            return r;
        }
    }
    *out = d;
    return KB_OK;
}

static kb_status rowid_of(kb_store *s, const char *id, long long *out, kb_err *err)
{
    *out = 0;
    sqlite3_stmt *st = stmt(s, ST_DOC_ID_BY_ID, err);
    if (!st)
        return KB_EDB;
    kb_store_bind_text_or_empty(st, 1, id);
    int rc = sqlite3_step(st);
    kb_status r = KB_OK;
    if (rc == SQLITE_ROW)
        *out = sqlite3_column_int64(st, 0);
    else if (rc != SQLITE_DONE)
        r = db_err(s, err, "find item");
    done(st);
    return r;
}

/* Removes row rowid from the index (with its exact indexed values) and the tables. */
static kb_status remove_row(kb_store *s, long long rowid, kb_err *err)
{
    kb_doc *old = NULL;
    int boost = 0;
    kb_status rc = load_doc(s, rowid, 1, &old, &boost, err);
    if (rc != KB_OK)
        return rc;
    rc = index_values(s, old, boost, err);
    kb_doc_free(old);
    if (rc == KB_OK)
        rc = fts_write(s, ST_FTS_DELETE, rowid, err);
    if (rc != KB_OK)
        return rc;
    sqlite3_stmt *st = stmt(s, ST_DOC_DELETE, err);
    if (!st)
        return KB_EDB;
    sqlite3_bind_int64(st, 1, rowid);
    rc = sqlite3_step(st) == SQLITE_DONE ? KB_OK : db_err(s, err, "delete item");
    done(st);
    return rc;
}

static kb_status insert_row(kb_store *s, kb_doc *d, kb_err *err)
{
    sqlite3_stmt *st = stmt(s, ST_DOC_INSERT, err);
    if (!st)
        return KB_EDB;
    const char *head[DOC_NHEAD] = { d->id,      d->type,    d->title, d->status,
                                    d->version, d->updated, d->path,  d->hash };
    int c = 1;
    for (int i = 0; i < DOC_NHEAD; i++)
        kb_store_bind_text_or_empty(st, c++, head[i]);
    for (size_t i = 0; i < kb_section_count(); i++)
        kb_store_bind_text_or_empty(st, c++, kb_section_text(d, kb_section_at(i)));
    kb_store_bind_text_or_empty(st, c++, d->text);
    kb_store_bind_text_or_empty(st, c++, d->source);
    kb_store_bind_text_or_empty(st, c++, d->html);
    int boost = boost_level(d);
    sqlite3_bind_int(st, c, boost);
    int rc = sqlite3_step(st);
    done(st);
    if (rc != SQLITE_DONE)
        return db_err(s, err, "insert item");
    d->rowid = sqlite3_last_insert_rowid(s->db);
    st = stmt(s, ST_FIELD_INSERT, err);
    if (!st)
        return KB_EDB;
    for (size_t i = 0; i < d->nfields; i++) {
        const kb_field *f = &d->fields[i];
        size_t n = f->nvals ? f->nvals : 1;
        for (size_t j = 0; j < n; j++) {
            sqlite3_bind_int64(st, 1, d->rowid);
            sqlite3_bind_int64(st, 2, (sqlite3_int64)i);
            kb_store_bind_text_or_empty(st, 3, f->key);
            sqlite3_bind_int(st, 4, f->is_list);
            sqlite3_bind_int64(st, 5, f->nvals ? (sqlite3_int64)j : -1);
            kb_store_bind_text_or_empty(st, 6, f->nvals ? f->vals[j] : "");
            rc = sqlite3_step(st);
            done(st);
            if (rc != SQLITE_DONE)
                return db_err(s, err, "insert field");
        }
    }
    kb_status out = index_values(s, d, boost, err);
    return out == KB_OK ? fts_write(s, ST_FTS_INSERT, d->rowid, err) : out;
}

kb_status kb_store_doc_unindex(kb_store *s, const char *id, long long *rowid, kb_err *err)
{
    kb_status rc = rowid_of(s, id, rowid, err);
    if (rc != KB_OK || !*rowid)
        return rc;
    kb_doc *d = NULL;
    int boost = 0;
    rc = load_doc(s, *rowid, 1, &d, &boost, err);
    if (rc == KB_OK)
        rc = index_values(s, d, boost, err);
    kb_doc_free(d);
    return rc == KB_OK ? fts_write(s, ST_FTS_DELETE, *rowid, err) : rc;
}

kb_status kb_store_doc_reindex(kb_store *s, long long rowid, kb_err *err)
{
    kb_doc *d = NULL;
    int boost = 0;
    kb_status rc = load_doc(s, rowid, 1, &d, &boost, err);
    if (rc == KB_OK)
        rc = index_values(s, d, boost, err);
    kb_doc_free(d);
    return rc == KB_OK ? fts_write(s, ST_FTS_INSERT, rowid, err) : rc;
}

/* --- open, migrate --- */

static kb_status meta_get(kb_store *s, const char *key, long long *out)
{
    sqlite3_stmt *st;
    *out = -1;
    if (sqlite3_prepare_v2(s->db, "SELECT value FROM meta WHERE key = ?1", -1, &st, NULL) !=
        SQLITE_OK)
        return KB_EDB;
    kb_store_bind_text_or_empty(st, 1, key);
    if (sqlite3_step(st) == SQLITE_ROW)
        *out = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return KB_OK;
}

static kb_status meta_set(kb_store *s, const char *key, long long v, kb_err *err)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db, "INSERT OR REPLACE INTO meta(key, value) VALUES (?1, ?2)",
                           -1, &st, NULL) != SQLITE_OK)
        return db_err(s, err, "meta");
    kb_store_bind_text_or_empty(st, 1, key);
    sqlite3_bind_int64(st, 2, v);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? KB_OK : db_err(s, err, "meta");
}

static long long user_version(kb_store *s)
{
    sqlite3_stmt *st;
    long long v = -1;
    if (sqlite3_prepare_v2(s->db, "PRAGMA user_version", -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

/* Re-indexes every item: after a tokenizer or layout change. */
static kb_status rebuild_index(kb_store *s, kb_err *err)
{
    kb_status rc = exec(s, "INSERT INTO kb_fts(kb_fts) VALUES('delete-all'); DELETE FROM term;",
                        err);
    tm_clear(&s->pending);
    sqlite3_stmt *ids = NULL;
    if (rc == KB_OK &&
        sqlite3_prepare_v2(s->db, "SELECT rowid FROM doc ORDER BY rowid", -1, &ids, NULL) !=
            SQLITE_OK)
        rc = db_err(s, err, "rebuild");
    while (rc == KB_OK && sqlite3_step(ids) == SQLITE_ROW) {
        kb_doc *d = NULL;
        int boost = 0;
        rc = load_doc(s, sqlite3_column_int64(ids, 0), 1, &d, &boost, err);
        if (rc == KB_OK) {
            boost = boost_level(d);
            rc = index_values(s, d, boost, err);
            if (rc == KB_OK)
                rc = fts_write(s, ST_FTS_INSERT, d->rowid, err);
            kb_doc_free(d);
        }
    }
    sqlite3_finalize(ids);
    if (rc == KB_OK)
        rc = flush_terms(s, err);
    if (rc == KB_OK)
        rc = exec(s, "INSERT INTO kb_fts(kb_fts) VALUES('optimize')", err);
    return rc;
}

static kb_status schema_1(kb_store *s, kb_err *err)
{
    return exec(s, schema_v1, err);
}

static kb_status schema_2(kb_store *s, kb_err *err)
{
    return exec(s, schema_v2, err);
}

kb_status kb_store_add_column(kb_store *s, const char *table, const char *column,
                             const char *decl, kb_err *err)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db, "SELECT 1 FROM pragma_table_info(?1) WHERE name = ?2", -1,
                           &st, NULL) != SQLITE_OK)
        return db_err(s, err, "schema");
    sqlite3_bind_text(st, 1, table, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, column, -1, SQLITE_STATIC);
    int r = sqlite3_step(st);
    sqlite3_finalize(st);
    if (r == SQLITE_ROW)
        return KB_OK;
    if (r != SQLITE_DONE)
        return db_err(s, err, "schema");
    char *sql = sqlite3_mprintf("ALTER TABLE %s ADD COLUMN %s %s", table, column, decl);
    kb_status rc = exec(s, sql, err);
    sqlite3_free(sql);
    return rc;
}

/* Version 11: who did it is the logged-in user; the name a request gives is kept apart as
 * "on behalf of". Rows written before keep in actor / created_by the name the request
 * gave (the logged-in user when it gave none) and have no on_behalf_of. A column that is
 * already there (a database put back to an older version number by hand) is kept. */
static kb_status schema_11(kb_store *s, kb_err *err)
{
    static const char *const cols[][2] = { { "incident", "created_on_behalf_of" },
                                           { "incident_event", "on_behalf_of" },
                                           { "backup_log", "on_behalf_of" } };
    kb_status rc = KB_OK;
    for (size_t i = 0; rc == KB_OK && i < sizeof cols / sizeof cols[0]; i++)
        rc = kb_store_add_column(s, cols[i][0], cols[i][1], "TEXT NOT NULL DEFAULT ''", err);
    return rc;
}

/* Schema steps in order: step i brings a database at version i to version i + 1. */
static kb_status (*const schema_steps[SCHEMA_VERSION])(kb_store *, kb_err *) = {
    schema_1, schema_2, kb_store_incident_migrate, kb_usage_migrate, kb_audit_migrate,
    kb_backup_migrate, kb_user_migrate, kb_version_migrate, kb_docreq_migrate,
    kb_user_migrate_names, schema_11, kb_group_migrate, kb_notify_migrate,
    kb_caller_migrate, kb_attach_migrate, kb_asset_migrate, kb_request_migrate,
    kb_notify_migrate_marks, kb_maint_migrate, kb_part_migrate, kb_census_migrate,
    kb_doccheck_migrate, kb_attach_migrate_version, kb_docclass_migrate,
    kb_complaint_migrate, kb_quality_migrate, kb_svcreport_migrate,
    kb_complaint_migrate_replies, kb_attach_migrate_indexed,
};

static kb_status migrate(kb_store *s, kb_err *err)
{
    kb_status rc = exec(s, "BEGIN IMMEDIATE", err);
    if (rc != KB_OK)
        return rc;
    long long v = user_version(s);
    if (v > SCHEMA_VERSION) {
        rc = kb_err_set(err, KB_EINVAL,
                        "database schema version %lld is newer than this kedb (%d)", v,
                        SCHEMA_VERSION);
        goto out;
    }
    long long idx = -1;
    meta_get(s, "index_version", &idx);
    for (long long step = v < 0 ? 0 : v; step < SCHEMA_VERSION && rc == KB_OK; step++) {
        rc = schema_steps[step](s, err);
        if (rc == KB_OK) {
            char *sql = sqlite3_mprintf("PRAGMA user_version = %lld", step + 1);
            rc = exec(s, sql, err);
            sqlite3_free(sql);
        }
    }
    if (rc != KB_OK)
        goto out;
    /* version 2 added the term table: an index made before it is rebuilt to fill it */
    if (v >= 1 && v < 2 && idx != -1)
        idx = -2;
    long long want = (long long)KB_TOKENIZER_VERSION * 1000 + INDEX_LAYOUT;
    if (idx != want) {
        if (idx != -1)
            rc = rebuild_index(s, err);
        if (rc == KB_OK)
            rc = meta_set(s, "index_version", want, err);
    }
out:
    if (rc == KB_OK)
        rc = exec(s, "COMMIT", err);
    else
        exec(s, "ROLLBACK", NULL);
    return rc;
}

/* The index weights and doc statements from the section table. A section naming a column
 * the index does not have, or two sections in one column disagreeing on its weight, is a
 * broken table: assert. */
static void layout_init(void)
{
    int have[NTEXT] = { 0 };
    col_weight[COL_TITLE] = TITLE_WEIGHT;
    have[COL_TITLE] = 1;
    kb_buf keys;
    kb_buf_init(&keys, 0);
    size_t n = kb_section_count();
    for (size_t i = 0; i < n; i++) {
        const kb_section *sec = kb_section_at(i);
        int c = COL_SYMPTOM;
        while (c < NTEXT && strcmp(col_name[c], sec->fts_column) != 0)
            c++;
        assert(c < NTEXT);
        assert(!have[c] || col_weight[c] == sec->weight);
        col_weight[c] = sec->weight;
        have[c] = 1;
        sec_col[i] = c;
        kb_buf_addf(&keys, ", %s", sec->key);
    }
    for (int c = 0; c < NTEXT; c++)
        assert(have[c]);
    kb_buf b;
    kb_buf_init(&b, 0);
    kb_buf_addf(&b, "INSERT INTO doc(" DOC_HEAD "%s, text, source, html, boost) VALUES (?1",
                kb_buf_str(&keys));
    for (size_t i = 2; i <= DOC_NHEAD + n + 4; i++)
        kb_buf_addf(&b, ", ?%zu", i);
    kb_buf_adds(&b, ")");
    doc_sql[0] = kb_buf_detach(&b, NULL);
    kb_buf_addf(&b, "SELECT rowid, " DOC_HEAD "%s, text, source, html, boost FROM doc "
                "WHERE rowid = ?1", kb_buf_str(&keys));
    doc_sql[1] = kb_buf_detach(&b, NULL);
    kb_buf_addf(&b, "SELECT rowid, " DOC_HEAD "%s, text FROM doc WHERE rowid = ?1",
                kb_buf_str(&keys));
    doc_sql[2] = kb_buf_detach(&b, NULL);
    kb_buf_free(&b);
    kb_buf_free(&keys);
}

kb_status kb_store_open(const char *path, int flags, kb_store **out, kb_err *err)
{
    *out = NULL;
    pthread_once(&layout_once, layout_init);
    kb_store *s = kb_xcalloc(1, sizeof *s);
    for (int c = 0; c < NCOLS; c++)
        kb_buf_init(&s->cols[c], 0);
    kb_status rc = kb_tokenizer_new(&s->tok, err);
    if (rc != KB_OK)
        goto fail;
    int oflags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;
    if (!(flags & KB_STORE_EXISTING))
        oflags |= SQLITE_OPEN_CREATE;
    if (sqlite3_open_v2(path, &s->db, oflags, NULL) != SQLITE_OK) {
        rc = kb_err_set(err, KB_EIO, "cannot open database '%s': %s", path,
                        s->db ? sqlite3_errmsg(s->db) : "out of memory");
        goto fail;
    }
    sqlite3_extended_result_codes(s->db, 1);
    sqlite3_busy_timeout(s->db, 10000);
    s->hook.fn = on_token;
    s->hook.ctx = s;
    rc = kb_tokenize_register(s->db, &s->hook, err);
    if (rc == KB_OK)
        rc = register_rank(s, err);
    if (rc == KB_OK)
        rc = kb_doccheck_register(s, err);
    if (rc == KB_OK)
        rc = exec(s,
                  "PRAGMA journal_mode=WAL; PRAGMA synchronous="
                  PRAGMA_VALUE(KB_STORE_SYNCHRONOUS) "; PRAGMA foreign_keys=ON;"
                  "PRAGMA temp_store=MEMORY; PRAGMA cache_size=-65536;"
                  "PRAGMA wal_autocheckpoint=8192;",
                  err);
    if (rc != KB_OK) {
        if (err && strstr(err->msg, "file is not a database"))
            kb_err_set(err, KB_EINVAL, "'%s' is not a kedb database", path);
        goto fail;
    }
    if (flags & KB_STORE_EXISTING) {
        /* Searching needs version 2 (the term table); later versions add areas whose
         * functions fail cleanly on an older database until it is migrated. */
        long long v = user_version(s);
        if (v < 2 || v > SCHEMA_VERSION) {
            rc = kb_err_set(err, KB_EINVAL,
                            "database '%s' has schema version %lld, expected 2 to %d (run "
                            "kedb-index)",
                            path, v, SCHEMA_VERSION);
            goto fail;
        }
    } else {
        long long before = user_version(s);
        rc = migrate(s, err);
        if (rc != KB_OK)
            goto fail;
        if (before == 0)
            kb_audit_head_forget(s); /* a new database starts a new chain */
    }
    kb_setting_apply(s); /* the desk's time zone, for days */
    s->dl = dl_get(path);
    s->dl_gen = LLONG_MIN;
    if (flags & KB_STORE_EXISTING)
        doclen_refresh(s); /* a server's first search should not pay for loading it */
    *out = s;
    return KB_OK;
fail:
    kb_store_free(s);
    return rc;
}

void kb_store_free(kb_store *s)
{
    if (!s)
        return;
    if (s->aux_free)
        s->aux_free(s->aux);
    for (int i = 0; i < ST__COUNT; i++)
        sqlite3_finalize(s->st[i]);
    for (size_t i = 0; i < s->ncap; i++)
        if (s->extra[i].sql)
            sqlite3_finalize(s->extra[i].st);
    free(s->extra);
    sqlite3_close(s->db);
    kb_tokenizer_free(s->tok);
    for (int c = 0; c < NCOLS; c++)
        kb_buf_free(&s->cols[c]);
    tm_free(&s->docterms);
    tm_free(&s->pending);
    dl_put(s->dl);
    free(s);
}

/* --- internal interface for the other store files (store_int.h) --- */

sqlite3 *kb_store_db(kb_store *s)
{
    return s->db;
}

kb_status kb_store_exec(kb_store *s, const char *sql, kb_err *err)
{
    return exec(s, sql, err);
}

/* The slot of sql in a table of cap slots (a power of two): its own or the empty one
 * where it goes. */
static struct cached_stmt *cached_slot(struct cached_stmt *t, size_t cap, const char *sql)
{
    size_t i = (size_t)(((uintptr_t)sql >> 3) * UINT64_C(0x9e3779b97f4a7c15) >> 17) & (cap - 1);
    while (t[i].sql && t[i].sql != sql)
        i = (i + 1) & (cap - 1);
    return &t[i];
}

sqlite3_stmt *kb_store_cached(kb_store *s, const char *sql, kb_err *err)
{
    if (s->ncap) {
        struct cached_stmt *c = cached_slot(s->extra, s->ncap, sql);
        if (c->sql)
            return c->st;
    }
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK) {
        db_err(s, err, "prepare");
        return NULL;
    }
    if (2 * (s->nextra + 1) > s->ncap) {
        size_t cap = s->ncap ? 2 * s->ncap : 256;
        struct cached_stmt *t = kb_xcalloc(cap, sizeof *t);
        for (size_t i = 0; i < s->ncap; i++)
            if (s->extra[i].sql)
                *cached_slot(t, cap, s->extra[i].sql) = s->extra[i];
        free(s->extra);
        s->extra = t;
        s->ncap = cap;
    }
    struct cached_stmt *c = cached_slot(s->extra, s->ncap, sql);
    c->sql = sql;
    c->st = st;
    s->nextra++;
    return st;
}

void kb_store_done(sqlite3_stmt *st)
{
    done(st);
}

kb_status kb_store_db_err(kb_store *s, kb_err *err, const char *what)
{
    return db_err(s, err, what);
}

kb_status kb_store_write_begin(kb_store *s, int *own, kb_err *err)
{
    return write_begin(s, own, err);
}

kb_status kb_store_write_end(kb_store *s, int own, kb_status rc, kb_err *err)
{
    return write_end(s, own, rc, err);
}

void *kb_store_aux(kb_store *s)
{
    return s->aux;
}

void kb_store_set_aux(kb_store *s, void *p, void (*free_fn)(void *))
{
    if (s->aux_free && s->aux != p)
        s->aux_free(s->aux);
    s->aux = p;
    s->aux_free = free_fn;
}

char *kb_store_text(sqlite3_stmt *st, int i)
{
    const unsigned char *t = sqlite3_column_text(st, i);
    return kb_xstrdup(t ? (const char *)t : "");
}

void kb_store_text_into(sqlite3_stmt *st, int i, char *out, size_t size)
{
    const unsigned char *t = sqlite3_column_text(st, i);
    snprintf(out, size, "%s", t ? (const char *)t : "");
}

void kb_store_set_user(kb_store *s, const char *user)
{
    size_t len = user ? strlen(user) : 0;
    if (len >= sizeof s->user)
        len = sizeof s->user - 1;
    memcpy(s->user, user ? user : "", len);
    s->user[len] = '\0';
}

const char *kb_store_user(const kb_store *s)
{
    return s->user;
}

void kb_store_bind_text(sqlite3_stmt *st, int i, const char *s)
{
    sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT);
}

kb_status kb_store_step_err(kb_store *s, int r, kb_err *err, const char *what)
{
    return r == SQLITE_DONE || r == SQLITE_ROW ? KB_OK : kb_store_db_err(s, err, what);
}

kb_status kb_store_step_done(kb_store *s, sqlite3_stmt *st, const char *what, kb_err *err)
{
    int r = sqlite3_step(st);
    kb_store_done(st);
    return r == SQLITE_DONE ? KB_OK : kb_store_db_err(s, err, what);
}

void kb_store_bind_text_or_empty(sqlite3_stmt *st, int i, const char *s)
{
    sqlite3_bind_text(st, i, s ? s : "", -1, SQLITE_STATIC);
}

void kb_store_bind_opt(sqlite3_stmt *st, int i, const char *s)
{
    if (s && *s)
        sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(st, i);
}

kb_status kb_store_rows(kb_store *s, sqlite3_stmt *st, kb_store_row_fn row, void *ctx,
                        const char *what, kb_err *err)
{
    int r = SQLITE_DONE;
    kb_status rc = KB_OK;
    while (rc == KB_OK && (r = sqlite3_step(st)) == SQLITE_ROW)
        rc = row(st, ctx, err);
    if (rc == KB_OK)
        rc = kb_store_step_err(s, r, err, what);
    kb_store_done(st);
    return rc;
}

kb_status kb_store_each_row(kb_store *s, const char *sql, long long id, kb_store_row_fn row,
                            void *ctx, const char *what, kb_err *err)
{
    sqlite3_stmt *st = kb_store_cached(s, sql, err);
    if (!st)
        return KB_EDB;
    sqlite3_bind_int64(st, 1, id);
    return kb_store_rows(s, st, row, ctx, what, err);
}

kb_status kb_store_list_page(kb_store *s, const kb_store_list *l, const void *filter,
                             size_t limit, size_t offset, long long *total, void *ctx,
                             kb_err *err)
{
    *total = 0;
    if (limit == 0)
        limit = l->def_limit;
    if (limit > l->max_limit)
        limit = l->max_limit;
    int own = 0;
    kb_status rc = kb_store_read_begin(s, &own, err);
    if (rc != KB_OK)
        return rc;
    sqlite3_stmt *st = kb_store_cached(s, l->count_sql, err);
    if (!st)
        rc = KB_EDB;
    if (rc == KB_OK) {
        l->bind(st, filter, 0);
        int r = sqlite3_step(st);
        if (r == SQLITE_ROW)
            *total = sqlite3_column_int64(st, 0);
        rc = kb_store_step_err(s, r, err, l->count_what);
        kb_store_done(st);
    }
    if (rc == KB_OK && *total > 0) {
        st = kb_store_cached(s, l->page_sql, err);
        if (!st)
            rc = KB_EDB;
    }
    if (rc == KB_OK && *total > 0) {
        l->bind(st, filter, 1);
        sqlite3_bind_int64(st, l->limit_param, (sqlite3_int64)limit);
        sqlite3_bind_int64(st, l->limit_param + 1, (sqlite3_int64)offset);
        rc = kb_store_rows(s, st, l->row, ctx, l->page_what, err);
    }
    kb_store_read_end(s, own);
    return rc;
}

void kb_store_text_key(kb_store *s, const char *text, kb_buf *key)
{
    kb_buf norm;
    kb_buf_init(&norm, 0);
    kb_tokenize_normalize(kb_store_tokenizer(s), text, strlen(text), &norm);
    kb_buf_reset(key);
    for (size_t i = 0; i < norm.len; i++) {
        char c = norm.data[i];
        if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
            kb_buf_addc(key, c);
    }
    kb_buf_free(&norm);
}

struct kb_tokenizer *kb_store_tokenizer(kb_store *s)
{
    return s->tok;
}

kb_status kb_store_begin(kb_store *s, kb_err *err)
{
    return exec(s, "BEGIN IMMEDIATE", err);
}

kb_status kb_store_bulk_writes(kb_store *s, kb_err *err)
{
    return exec(s, "PRAGMA wal_autocheckpoint=32768", err);
}

kb_status kb_store_commit(kb_store *s, kb_err *err)
{
    kb_status rc = flush_terms(s, err);
    if (rc == KB_OK)
        rc = exec(s, "COMMIT", err);
    int audited = s->audited;
    if (sqlite3_get_autocommit(s->db))
        s->audited = 0;
    /* after the commit: a crash before this only leaves the saved head behind */
    if (rc == KB_OK && audited)
        kb_audit_head_save(s);
    return rc;
}

void kb_store_mark_audited(kb_store *s)
{
    s->audited = 1;
}

long long kb_store_schema_max(void)
{
    return SCHEMA_VERSION;
}

void kb_store_rollback(kb_store *s)
{
    s->audited = 0;
    tm_clear(&s->pending);
    if (!sqlite3_get_autocommit(s->db))
        exec(s, "ROLLBACK", NULL);
}

kb_status kb_store_read_begin(kb_store *s, int *own, kb_err *err)
{
    *own = sqlite3_get_autocommit(s->db);
    return *own ? exec(s, "BEGIN", err) : KB_OK;
}

void kb_store_read_end(kb_store *s, int own)
{
    if (own && !sqlite3_get_autocommit(s->db) && exec(s, "COMMIT", NULL) != KB_OK)
        exec(s, "ROLLBACK", NULL);
}

/* A write the storage refused (disk full, read-only file system or database, i/o error)
 * becomes KB_EUNAVAIL: the request may succeed once space or the disk returns. Must be
 * called before anything else runs on the connection, which would reset its error. */
static kb_status storage_err(kb_store *s, kb_status rc, kb_err *err)
{
    if (rc != KB_EDB)
        return rc;
    switch (sqlite3_errcode(s->db) & 0xff) {
    case SQLITE_FULL:
    case SQLITE_READONLY:
    case SQLITE_IOERR:
    case SQLITE_CANTOPEN:
        if (err)
            err->code = KB_EUNAVAIL;
        return KB_EUNAVAIL;
    default:
        return rc;
    }
}

/* Writes outside a transaction get their own; inside a caller's transaction they add to
 * it and the caller rolls back on failure. (No savepoint: FTS5 flushes its pending index
 * data at every savepoint, which made bulk loads several times slower.) */
static kb_status write_begin(kb_store *s, int *own, kb_err *err)
{
    *own = sqlite3_get_autocommit(s->db);
    return *own ? storage_err(s, exec(s, "BEGIN IMMEDIATE", err), err) : KB_OK;
}

static kb_status write_end(kb_store *s, int own, kb_status rc, kb_err *err)
{
    if (!own)
        return rc;
    if (rc == KB_OK) {
        rc = kb_store_commit(s, err);
        if (rc == KB_OK)
            return KB_OK;
    }
    /* also after a failed COMMIT (a full disk): the handle must not stay in a transaction */
    rc = storage_err(s, rc, err);
    kb_store_rollback(s);
    return rc;
}

kb_status kb_store_doc_put(kb_store *s, kb_doc *d, kb_err *err)
{
    if (!d->id[0] || !d->type[0])
        return kb_err_set(err, KB_EINVAL, "item needs an id and a type");
    int own;
    kb_status rc = write_begin(s, &own, err);
    if (rc != KB_OK)
        return rc;
    long long old = 0;
    rc = rowid_of(s, d->id, &old, err);
    if (rc == KB_OK && old)
        rc = remove_row(s, old, err);
    if (rc == KB_OK)
        rc = insert_row(s, d, err);
    return write_end(s, own, rc, err);
}

kb_status kb_store_doc_get(kb_store *s, const char *id, kb_doc **out, kb_err *err)
{
    *out = NULL;
    long long rowid = 0;
    kb_status rc = rowid_of(s, id, &rowid, err);
    if (rc != KB_OK)
        return rc;
    if (!rowid)
        return kb_err_set(err, KB_ENOTFOUND, "no item with id '%s'", id);
    return load_doc(s, rowid, 1, out, NULL, err);
}

kb_status kb_store_doc_brief(kb_store *s, long long rowid, kb_doc **out, kb_err *err)
{
    return load_doc(s, rowid, 0, out, NULL, err);
}

kb_status kb_store_doc_delete(kb_store *s, const char *id, kb_err *err)
{
    long long rowid = 0;
    kb_status rc = rowid_of(s, id, &rowid, err);
    if (rc != KB_OK)
        return rc;
    if (!rowid)
        return kb_err_set(err, KB_ENOTFOUND, "no item with id '%s'", id);
    int own;
    rc = write_begin(s, &own, err);
    if (rc != KB_OK)
        return rc;
    return write_end(s, own, remove_row(s, rowid, err), err);
}

kb_status kb_store_doc_count(kb_store *s, const char *type, long long *out, kb_err *err)
{
    *out = 0;
    sqlite3_stmt *st = stmt(s, type ? ST_COUNT_TYPE : ST_COUNT_ALL, err);
    if (!st)
        return KB_EDB;
    if (type)
        kb_store_bind_text_or_empty(st, 1, type);
    kb_status rc = KB_OK;
    if (sqlite3_step(st) == SQLITE_ROW)
        *out = sqlite3_column_int64(st, 0);
    else
        rc = db_err(s, err, "count");
    done(st);
    return rc;
}

kb_status kb_store_files(kb_store *s, kb_store_file_fn fn, void *ctx, kb_err *err)
{
    sqlite3_stmt *st = stmt(s, ST_FILES, err);
    if (!st)
        return KB_EDB;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (fn(ctx, (const char *)sqlite3_column_text(st, 0),
               (const char *)sqlite3_column_text(st, 1),
               (const char *)sqlite3_column_text(st, 2)))
            break;
    }
    kb_status out = rc == SQLITE_ROW || rc == SQLITE_DONE ? KB_OK : db_err(s, err, "files");
    done(st);
    return out;
}

kb_status kb_store_synonyms_replace(kb_store *s, char ***groups, size_t n, kb_err *err)
{
    int own;
    kb_status rc = write_begin(s, &own, err);
    if (rc != KB_OK)
        return rc;
    sqlite3_stmt *st = stmt(s, ST_SYN_DELETE, err);
    if (!st)
        return write_end(s, own, KB_EDB, err);
    if (sqlite3_step(st) != SQLITE_DONE)
        rc = db_err(s, err, "synonyms");
    done(st);
    for (size_t g = 0; g < n && rc == KB_OK; g++) {
        for (size_t i = 0; groups[g][i] && rc == KB_OK; i++) {
            st = stmt(s, ST_SYN_INSERT, err);
            if (!st) {
                rc = KB_EDB;
                break;
            }
            sqlite3_bind_int64(st, 1, (sqlite3_int64)g);
            sqlite3_bind_int64(st, 2, (sqlite3_int64)i);
            kb_store_bind_text_or_empty(st, 3, groups[g][i]);
            if (sqlite3_step(st) != SQLITE_DONE)
                rc = db_err(s, err, "synonyms");
            done(st);
        }
    }
    return write_end(s, own, rc, err);
}

kb_status kb_store_synonyms(kb_store *s, kb_store_syn_fn fn, void *ctx, kb_err *err)
{
    sqlite3_stmt *st = stmt(s, ST_SYN_ALL, err);
    if (!st)
        return KB_EDB;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        if (fn(ctx, sqlite3_column_int64(st, 0), (const char *)sqlite3_column_text(st, 1)))
            break;
    kb_status out = rc == SQLITE_ROW || rc == SQLITE_DONE ? KB_OK : db_err(s, err, "synonyms");
    done(st);
    return out;
}

long long kb_store_generation(kb_store *s)
{
    sqlite3_stmt *st = stmt(s, ST_DATA_VERSION, NULL);
    long long v = -1;
    if (st && sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int64(st, 0);
    done(st);
    /* data_version only changes for commits by other connections; add our own changes. */
    return v * 1000003LL + sqlite3_total_changes(s->db);
}

kb_status kb_store_check(kb_store *s, kb_err *err)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db, "PRAGMA integrity_check", -1, &st, NULL) != SQLITE_OK)
        return db_err(s, err, "check");
    kb_status rc = KB_OK;
    while (rc == KB_OK && sqlite3_step(st) == SQLITE_ROW) {
        const char *v = (const char *)sqlite3_column_text(st, 0);
        if (v && strcmp(v, "ok") != 0)
            rc = kb_err_set(err, KB_EDB, "database check: %s", v);
    }
    sqlite3_finalize(st);
    if (rc == KB_OK)
        rc = exec(s, "INSERT INTO kb_fts(kb_fts, rank) VALUES('integrity-check', 0)", err);
    return rc;
}

kb_status kb_store_optimize(kb_store *s, kb_err *err)
{
    return exec(s, "INSERT INTO kb_fts(kb_fts) VALUES('optimize'); PRAGMA optimize;", err);
}

/* --- full-text primitives --- */

static kb_status fts_fail(kb_store *s, kb_err *err)
{
    /* A malformed expression is the query builder's bug, but must not become a crash. */
    int code = sqlite3_errcode(s->db);
    if (code == SQLITE_ERROR)
        return kb_err_set(err, KB_EINVAL, "bad search expression: %s", sqlite3_errmsg(s->db));
    return db_err(s, err, "search");
}

kb_status kb_store_fts_scored(kb_store *s, const char *expr, int nscore, const char *idfs,
                              const kb_rank_floor *fl, kb_store_hit_fn fn, void *ctx,
                              kb_err *err)
{
    sqlite3_stmt *st = stmt(s, ST_FTS_SCORED, err);
    if (!st)
        return KB_EDB;
    doclen_refresh(s);
    kb_store_bind_text_or_empty(st, 1, expr);
    sqlite3_bind_int(st, 2, nscore);
    if (idfs)
        kb_store_bind_text_or_empty(st, 3, idfs);
    if (fl)
        sqlite3_bind_pointer(st, 4, (void *)fl, "kb_rank_floor", NULL);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        if (fn(ctx, sqlite3_column_int64(st, 0), sqlite3_column_double(st, 1)))
            break;
    kb_status out = rc == SQLITE_ROW || rc == SQLITE_DONE ? KB_OK : fts_fail(s, err);
    done(st);
    return out;
}

kb_status kb_store_fts_count(kb_store *s, const char *expr, long long *out, kb_err *err)
{
    *out = 0;
    sqlite3_stmt *st = stmt(s, ST_FTS_COUNT, err);
    if (!st)
        return KB_EDB;
    kb_store_bind_text_or_empty(st, 1, expr);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *out = sqlite3_column_int64(st, 0);
    kb_status r = rc == SQLITE_ROW || rc == SQLITE_DONE ? KB_OK : fts_fail(s, err);
    done(st);
    return r;
}

kb_status kb_store_term_df(kb_store *s, const char *term, int prefix, long long cap,
                           long long *out, kb_err *err)
{
    *out = 0;
    sqlite3_stmt *st = stmt(s, prefix ? ST_TERM_PREFIX : ST_TERM_EQ, err);
    if (!st)
        return KB_EDB;
    kb_buf hi;
    kb_buf_init(&hi, 0);
    kb_store_bind_text_or_empty(st, 1, term);
    if (prefix) {
        kb_buf_adds(&hi, term);
        kb_buf_add(&hi, "\xf4\x8f\xbf\xbf", 4); /* above any continuation */
        sqlite3_bind_text(st, 2, hi.data, (int)hi.len, SQLITE_STATIC);
    }
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *out = sqlite3_column_int64(st, 0);
    if (cap > 0 && *out > cap)
        *out = cap;
    kb_status r = rc == SQLITE_ROW || rc == SQLITE_DONE ? KB_OK : db_err(s, err, "terms");
    done(st);
    kb_buf_free(&hi);
    return r;
}

kb_status kb_store_terms(kb_store *s, const char *lo, const char *hi, size_t max,
                         kb_store_term_fn fn, void *ctx, kb_err *err)
{
    sqlite3_stmt *st = stmt(s, ST_TERM_RANGE, err);
    if (!st)
        return KB_EDB;
    kb_store_bind_text_or_empty(st, 1, lo);
    kb_store_bind_text_or_empty(st, 2, hi);
    sqlite3_bind_int64(st, 3, (sqlite3_int64)max);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        if (fn(ctx, (const char *)sqlite3_column_text(st, 0), sqlite3_column_int64(st, 1)))
            break;
    kb_status r = rc == SQLITE_ROW || rc == SQLITE_DONE ? KB_OK : db_err(s, err, "terms");
    done(st);
    return r;
}
