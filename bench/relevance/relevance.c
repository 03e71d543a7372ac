/* kedb-relevance: MRR@10 of kedb's search (kb_search_run, in-process) over judged queries,
 * beside a plain FTS5 bm25 table built from the same items in the same run. See
 * docs/RELEVANCE.md; bench/relevance/run.sh (make relevance) runs it. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sqlite3.h>

#include "kb_alloc.h"
#include "kb_buf.h"
#include "kb_doc.h"
#include "kb_err.h"
#include "kb_log.h"
#include "kb_search.h"
#include "kb_store.h"

#define TOPK 10
#define MAX_SETS 32
#define MAX_REL 8

static const char usage_text[] =
    "usage: kedb-relevance --db PATH --queries FILE [--label NAME] [--tsv FILE]\n"
    "\n"
    "Runs every judged query of FILE (lines 'set<TAB>query<TAB>id,id...'; '#' comments)\n"
    "through kb_search_run (top 10, default options) and through a plain FTS5 table\n"
    "(title, body; tokenize='unicode61') built in memory from the same items, queried with\n"
    "the query's unicode61 tokens, each double-quoted, joined by AND and, separately, by OR,\n"
    "ranked by bm25(). Prints per set: MRR@10 and recall@10 of kedb, its queries without\n"
    "results, and MRR@10 of both bm25 forms; 'plain bm25' is the better of the two.\n"
    "\n"
    "  --db PATH       kedb database (indexed with kedb-index)\n"
    "  --queries FILE  judged queries (bench/relevance/corpus.py build writes them)\n"
    "  --label NAME    name of this run in the output (default: plain)\n"
    "  --tsv FILE      one line per query: label, set, query, relevant ids, kedb rank,\n"
    "                  AND rank, OR rank (0 = not in the top 10), kedb total, kedb top hit,\n"
    "                  kedb total_exact\n"
    "  -h, --help      show this help\n"
    "\n"
    "Lines starting with 'RESULT ' hold the figures as key=value pairs, for scripts.\n";

typedef struct {
    char *set;
    char *text;
    char *rel[MAX_REL];
    size_t nrel;
    int set_idx;
} query;

typedef struct {
    query *q;
    size_t n;
    char *sets[MAX_SETS];
    size_t nsets;
} judged;

/* Per-set sums. */
typedef struct {
    size_t n;
    double kedb_rr, kedb_recall, and_rr, or_rr;
    size_t kedb_zero, kedb_capped, and_zero, or_zero;
} tally;

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

static int set_index(judged *j, const char *set)
{
    for (size_t i = 0; i < j->nsets; i++)
        if (strcmp(j->sets[i], set) == 0)
            return (int)i;
    if (j->nsets == MAX_SETS)
        return -1;
    j->sets[j->nsets] = kb_xstrdup(set);
    return (int)j->nsets++;
}

static int load_queries(const char *path, judged *j)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "kedb-relevance: cannot open '%s': %s\n", path, strerror(errno));
        return -1;
    }
    char *line = NULL;
    size_t cap = 0, lineno = 0, qcap = 0;
    ssize_t len;
    int rc = 0;
    while ((len = getline(&line, &cap, f)) >= 0) {
        lineno++;
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            line[--len] = '\0';
        if (len == 0 || line[0] == '#')
            continue;
        char *t1 = strchr(line, '\t');
        char *t2 = t1 ? strchr(t1 + 1, '\t') : NULL;
        if (!t1 || !t2 || t1 == line || t2 == t1 + 1 || t2[1] == '\0') {
            fprintf(stderr, "kedb-relevance: %s:%zu: expected 'set<TAB>query<TAB>ids'\n", path,
                    lineno);
            rc = -1;
            break;
        }
        *t1 = '\0';
        *t2 = '\0';
        int si = set_index(j, line);
        if (si < 0) {
            fprintf(stderr, "kedb-relevance: %s:%zu: more than %d sets\n", path, lineno,
                    MAX_SETS);
            rc = -1;
            break;
        }
        if (j->n == qcap) {
            qcap = qcap ? qcap * 2 : 512;
            j->q = kb_xrealloc(j->q, qcap * sizeof *j->q);
        }
        query *q = &j->q[j->n++];
        memset(q, 0, sizeof *q);
        q->set = kb_xstrdup(line);
        q->text = kb_xstrdup(t1 + 1);
        q->set_idx = si;
        for (char *p = t2 + 1; *p && q->nrel < MAX_REL;) {
            char *comma = strchr(p, ',');
            size_t n = comma ? (size_t)(comma - p) : strlen(p);
            if (n) {
                q->rel[q->nrel] = kb_xmalloc(n + 1);
                memcpy(q->rel[q->nrel], p, n);
                q->rel[q->nrel++][n] = '\0';
            }
            p += n + (comma ? 1 : 0);
        }
    }
    free(line);
    fclose(f);
    if (rc == 0 && j->n == 0) {
        fprintf(stderr, "kedb-relevance: no queries in '%s'\n", path);
        rc = -1;
    }
    return rc;
}

static void judged_free(judged *j)
{
    for (size_t i = 0; i < j->n; i++) {
        free(j->q[i].set);
        free(j->q[i].text);
        for (size_t k = 0; k < j->q[i].nrel; k++)
            free(j->q[i].rel[k]);
    }
    free(j->q);
    for (size_t i = 0; i < j->nsets; i++)
        free(j->sets[i]);
}

static int is_relevant(const query *q, const char *id)
{
    for (size_t k = 0; k < q->nrel; k++)
        if (strcmp(q->rel[k], id) == 0)
            return 1;
    return 0;
}

/* --- the plain bm25 table --- */

typedef struct {
    sqlite3 *db;
    sqlite3_stmt *ins;
    sqlite3_stmt *top;
    fts5_tokenizer tok;
    Fts5Tokenizer *u61;
    char **ids; /* ids[rowid - 1] */
    size_t nids, cap;
    long long skipped;
    kb_store *store;
    kb_err err;
    int failed;
} plain;

static int sql_fail(sqlite3 *db, const char *what)
{
    fprintf(stderr, "kedb-relevance: bm25 table: %s: %s\n", what,
            db ? sqlite3_errmsg(db) : "out of memory");
    return -1;
}

/* Adds the item with this id: title, and every text field as the body. */
static int add_item(void *ctx, const char *path, const char *hash, const char *id)
{
    (void)path;
    (void)hash;
    plain *p = ctx;
    kb_doc *d = NULL;
    if (kb_store_doc_get(p->store, id, &d, &p->err) != KB_OK) {
        p->failed = 1;
        return 1;
    }
    if (strcmp(d->status, "retired") == 0) { /* kedb leaves them out by default */
        p->skipped++;
        kb_doc_free(d);
        return 0;
    }
    kb_buf body;
    kb_buf_init(&body, 0);
    const char *parts[] = { d->symptom, d->cause, d->workaround, d->fix, d->text };
    for (size_t i = 0; i < sizeof parts / sizeof *parts; i++) {
        if (!*parts[i])
            continue;
        if (body.len)
            kb_buf_addc(&body, '\n');
        kb_buf_adds(&body, parts[i]);
    }
    if (p->nids == p->cap) {
        p->cap = p->cap ? p->cap * 2 : 4096;
        p->ids = kb_xrealloc(p->ids, p->cap * sizeof *p->ids);
    }
    p->ids[p->nids++] = kb_xstrdup(d->id);
    sqlite3_reset(p->ins);
    sqlite3_bind_int64(p->ins, 1, (long long)p->nids);
    sqlite3_bind_text(p->ins, 2, d->title, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(p->ins, 3, kb_buf_str(&body), (int)body.len, SQLITE_TRANSIENT);
    int rc = sqlite3_step(p->ins);
    kb_buf_free(&body);
    kb_doc_free(d);
    if (rc != SQLITE_DONE) {
        sql_fail(p->db, "insert");
        p->failed = 1;
        return 1;
    }
    return 0;
}

static int exec_sql(sqlite3 *db, const char *sql)
{
    char *msg = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        fprintf(stderr, "kedb-relevance: bm25 table: %s: %s\n", sql, msg ? msg : "?");
        sqlite3_free(msg);
        return -1;
    }
    return 0;
}

static int plain_build(plain *p, kb_store *s)
{
    memset(p, 0, sizeof *p);
    p->store = s;
    kb_err_clear(&p->err);
    if (sqlite3_open(":memory:", &p->db) != SQLITE_OK)
        return sql_fail(p->db, "open");
    if (exec_sql(p->db, "CREATE VIRTUAL TABLE base USING fts5(title, body, "
                        "tokenize='unicode61'); BEGIN") != 0)
        return -1;
    if (sqlite3_prepare_v2(p->db, "INSERT INTO base(rowid, title, body) VALUES(?1, ?2, ?3)",
                           -1, &p->ins, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(p->db,
                           "SELECT rowid FROM base WHERE base MATCH ?1 ORDER BY bm25(base) "
                           "LIMIT " "10",
                           -1, &p->top, NULL) != SQLITE_OK)
        return sql_fail(p->db, "prepare");
    kb_status rc = kb_store_files(s, add_item, p, &p->err);
    if (rc != KB_OK || p->failed) {
        fprintf(stderr, "kedb-relevance: reading the items: %s\n", p->err.msg);
        return -1;
    }
    if (exec_sql(p->db, "COMMIT; INSERT INTO base(base) VALUES('optimize')") != 0)
        return -1;
    /* The unicode61 tokenizer itself cuts the queries, so that they hold what the table
     * holds. */
    fts5_api *api = NULL;
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(p->db, "SELECT fts5(?1)", -1, &st, NULL) != SQLITE_OK)
        return sql_fail(p->db, "fts5_api");
    sqlite3_bind_pointer(st, 1, (void *)&api, "fts5_api_ptr", NULL);
    sqlite3_step(st);
    sqlite3_finalize(st);
    void *ud = NULL;
    if (!api || api->xFindTokenizer(api, "unicode61", &ud, &p->tok) != SQLITE_OK ||
        p->tok.xCreate(ud, NULL, 0, &p->u61) != SQLITE_OK)
        return sql_fail(p->db, "unicode61 tokenizer");
    return 0;
}

static void plain_free(plain *p)
{
    if (p->u61)
        p->tok.xDelete(p->u61);
    sqlite3_finalize(p->ins);
    sqlite3_finalize(p->top);
    sqlite3_close(p->db);
    for (size_t i = 0; i < p->nids; i++)
        free(p->ids[i]);
    free(p->ids);
}

typedef struct {
    kb_buf *expr;
    const char *op;
    char **seen;
    size_t nseen;
} tokctx;

static int on_token(void *ctx, int flags, const char *tok, int n, int start, int end)
{
    (void)flags;
    (void)start;
    (void)end;
    tokctx *t = ctx;
    if (n <= 0)
        return SQLITE_OK;
    for (size_t i = 0; i < t->nseen; i++)
        if (strlen(t->seen[i]) == (size_t)n && memcmp(t->seen[i], tok, (size_t)n) == 0)
            return SQLITE_OK;
    t->seen = kb_xrealloc(t->seen, (t->nseen + 1) * sizeof *t->seen);
    t->seen[t->nseen] = kb_xmalloc((size_t)n + 1);
    memcpy(t->seen[t->nseen], tok, (size_t)n);
    t->seen[t->nseen++][n] = '\0';
    if (t->expr->len)
        kb_buf_adds(t->expr, t->op);
    kb_buf_addc(t->expr, '"');
    for (int i = 0; i < n; i++) {
        if (tok[i] == '"')
            kb_buf_addc(t->expr, '"');
        kb_buf_addc(t->expr, tok[i]);
    }
    kb_buf_addc(t->expr, '"');
    return SQLITE_OK;
}

/* Rank (1..10) of the first relevant item for the query's tokens joined by op, 0 when none
 * is in the top 10; *zero is set when nothing matches. -1 on failure. */
static int plain_rank(plain *p, const query *q, const char *op, int *zero)
{
    kb_buf expr;
    kb_buf_init(&expr, 0);
    tokctx t = { &expr, op, NULL, 0 };
    int rank = 0;
    *zero = 1;
    if (p->tok.xTokenize(p->u61, &t, FTS5_TOKENIZE_QUERY, q->text, (int)strlen(q->text),
                         on_token) != SQLITE_OK) {
        rank = -1;
        goto out;
    }
    if (!expr.len)
        goto out;
    sqlite3_reset(p->top);
    sqlite3_bind_text(p->top, 1, expr.data, (int)expr.len, SQLITE_STATIC);
    int pos = 0, rc;
    while ((rc = sqlite3_step(p->top)) == SQLITE_ROW) {
        pos++;
        *zero = 0;
        long long rowid = sqlite3_column_int64(p->top, 0);
        if (!rank && rowid >= 1 && (size_t)rowid <= p->nids &&
            is_relevant(q, p->ids[rowid - 1]))
            rank = pos;
    }
    if (rc != SQLITE_DONE) {
        fprintf(stderr, "kedb-relevance: bm25 query '%s': %s\n", expr.data,
                sqlite3_errmsg(p->db));
        rank = -1;
    }
    sqlite3_reset(p->top);
out:
    for (size_t i = 0; i < t.nseen; i++)
        free(t.seen[i]);
    free(t.seen);
    kb_buf_free(&expr);
    return rank;
}

/* --- kedb --- */

static int kedb_rank(kb_store *s, const query *q, double *recall, long long *total,
                     int *exact, char **top)
{
    kb_search_opts o;
    memset(&o, 0, sizeof o);
    o.q = q->text;
    o.limit = TOPK;
    kb_search_result *r = NULL;
    kb_err err;
    kb_err_clear(&err);
    if (kb_search_run(s, &o, &r, &err) != KB_OK) {
        fprintf(stderr, "kedb-relevance: search '%s' failed: %s\n", q->text, err.msg);
        return -1;
    }
    int rank = 0;
    size_t found = 0;
    for (size_t i = 0; i < r->nhits && i < TOPK; i++) {
        if (is_relevant(q, r->hits[i].id)) {
            found++;
            if (!rank)
                rank = (int)i + 1;
        }
    }
    *recall = q->nrel ? (double)found / (double)q->nrel : 0.0;
    *total = r->nhits ? r->total : 0;
    *exact = r->total_exact;
    *top = kb_xstrdup(r->nhits ? r->hits[0].id : "");
    kb_search_result_free(r);
    return rank;
}

static double rr(int rank)
{
    return rank > 0 ? 1.0 / rank : 0.0;
}

int main(int argc, char **argv)
{
    const char *dbpath = NULL, *qpath = NULL, *label = "plain", *tsvpath = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            fputs(usage_text, stdout);
            return 0;
        }
        if (i + 1 >= argc) {
            fputs(usage_text, stderr);
            return 2;
        }
        if (!strcmp(a, "--db"))
            dbpath = argv[++i];
        else if (!strcmp(a, "--queries"))
            qpath = argv[++i];
        else if (!strcmp(a, "--label"))
            label = argv[++i];
        else if (!strcmp(a, "--tsv"))
            tsvpath = argv[++i];
        else {
            fputs(usage_text, stderr);
            return 2;
        }
    }
    if (!dbpath || !qpath) {
        fputs(usage_text, stderr);
        return 2;
    }
    kb_log_set_level(KB_LOG_WARN);
    kb_search_cache_enable(0);

    int status = 1;
    judged j;
    memset(&j, 0, sizeof j);
    plain p;
    memset(&p, 0, sizeof p);
    kb_store *s = NULL;
    FILE *tsv = NULL;
    tally t[MAX_SETS];
    memset(t, 0, sizeof t);
    kb_err err;
    kb_err_clear(&err);

    if (load_queries(qpath, &j) != 0)
        goto out;
    if (kb_store_open(dbpath, KB_STORE_EXISTING, &s, &err) != KB_OK) {
        fprintf(stderr, "kedb-relevance: %s\n", err.msg);
        goto out;
    }
    double t0 = now_ms();
    if (plain_build(&p, s) != 0)
        goto out;
    fprintf(stderr, "kedb-relevance: %s: bm25 table of %zu items (%lld retired left out) in "
            "%.1f s\n", label, p.nids, p.skipped, (now_ms() - t0) / 1000.0);
    if (tsvpath) {
        tsv = fopen(tsvpath, "w");
        if (!tsv) {
            fprintf(stderr, "kedb-relevance: cannot write '%s': %s\n", tsvpath,
                    strerror(errno));
            goto out;
        }
    }
    double kedb_ms = 0;
    for (size_t i = 0; i < j.n; i++) {
        const query *q = &j.q[i];
        tally *c = &t[q->set_idx];
        double recall = 0, k0 = now_ms();
        long long total = 0;
        int exact = 1;
        char *top = NULL;
        int kr = kedb_rank(s, q, &recall, &total, &exact, &top);
        kedb_ms += now_ms() - k0;
        int and_zero, or_zero;
        int ar = plain_rank(&p, q, " AND ", &and_zero);
        int orr = plain_rank(&p, q, " OR ", &or_zero);
        if (kr < 0 || ar < 0 || orr < 0) {
            free(top);
            goto out;
        }
        c->n++;
        c->kedb_rr += rr(kr);
        c->kedb_recall += recall;
        c->kedb_zero += total == 0;
        c->kedb_capped += !exact;
        c->and_rr += rr(ar);
        c->or_rr += rr(orr);
        c->and_zero += (size_t)and_zero;
        c->or_zero += (size_t)or_zero;
        if (tsv) {
            fprintf(tsv, "%s\t%s\t%s\t", label, q->set, q->text);
            for (size_t k = 0; k < q->nrel; k++)
                fprintf(tsv, "%s%s", k ? "," : "", q->rel[k]);
            fprintf(tsv, "\t%d\t%d\t%d\t%lld\t%s\t%d\n", kr, ar, orr, total, top, exact);
        }
        free(top);
    }

    printf("| run | set | queries | kedb MRR@10 | kedb recall@10 | kedb no result | "
           "kedb capped | bm25 AND MRR@10 | bm25 OR MRR@10 | plain bm25 | kedb - plain |\n");
    printf("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    for (size_t k = 0; k < j.nsets; k++) {
        const tally *c = &t[k];
        double n = c->n ? (double)c->n : 1.0;
        double km = c->kedb_rr / n, am = c->and_rr / n, om = c->or_rr / n;
        double best = am >= om ? am : om;
        printf("| %s | %s | %zu | **%.3f** | %.3f | %zu | %zu | %.3f | %.3f | %.3f (%s) | "
               "%+.3f |\n",
               label, j.sets[k], c->n, km, c->kedb_recall / n, c->kedb_zero, c->kedb_capped, am,
               om, best, am >= om ? "AND" : "OR", km - best);
    }
    for (size_t k = 0; k < j.nsets; k++) {
        const tally *c = &t[k];
        double n = c->n ? (double)c->n : 1.0;
        double am = c->and_rr / n, om = c->or_rr / n;
        printf("RESULT run=%s set=%s n=%zu kedb_mrr=%.3f kedb_recall=%.3f kedb_zero=%zu "
               "kedb_capped=%zu and_mrr=%.3f or_mrr=%.3f and_zero=%zu or_zero=%zu "
               "bm25_mrr=%.3f bm25_op=%s\n",
               label, j.sets[k], c->n, c->kedb_rr / n, c->kedb_recall / n, c->kedb_zero,
               c->kedb_capped, am,
               om, c->and_zero, c->or_zero, am >= om ? am : om, am >= om ? "AND" : "OR");
    }
    printf("RESULT run=%s items=%zu queries=%zu kedb_mean_ms=%.2f\n", label, p.nids, j.n,
           kedb_ms / (double)j.n);
    status = 0;
out:
    if (tsv && fclose(tsv) != 0) {
        fprintf(stderr, "kedb-relevance: cannot write '%s'\n", tsvpath);
        status = 1;
    }
    plain_free(&p);
    kb_store_free(s);
    judged_free(&j);
    return status;
}
