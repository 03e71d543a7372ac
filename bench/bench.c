/* kedb-bench: in-process search latency of kedb (kb_search_run), optionally against a plain
 * FTS5 unicode61 baseline over the same documents. See docs/PERFORMANCE.md. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "kb_alloc.h"
#include "kb_buf.h"
#include "kb_err.h"
#include "kb_log.h"
#include "kb_search.h"
#include "kb_suggest.h"
#include "kb_store.h"
#include "kb_tokenize.h"

#define MAX_CLASSES 32
#define TOP_SLOWEST 12

static const char usage_text[] =
    "usage: kedb-bench --db PATH --queries FILE [--iterations N] [--limit N] [--baseline]\n"
    "                  [--class NAME] [--tsv FILE] [--suggest N] [--exhaustive]\n"
    "       kedb-bench --db PATH --fts-ceiling N\n"
    "\n"
    "Runs every query of FILE (lines 'class<TAB>query'; '#' comments) through kb_search_run\n"
    "once to warm up, then N times (default 20), and reports p50/p95/p99/max latency per\n"
    "class and overall, the match counts, and the slowest queries.\n"
    "\n"
    "  --db PATH        kedb database (opened read-only)\n"
    "  --queries FILE   query mix\n"
    "  --iterations N   timed runs of the whole mix (default 20)\n"
    "  --limit N        hits per search (default 10)\n"
    "  --baseline       also run the same queries on a plain FTS5 table (tokenize=unicode61,\n"
    "                   ORDER BY rank) built once over the same documents and cached in\n"
    "                   PATH.baseline.db; report kedb's p50/p95 as a ratio to it\n"
    "  --class NAME     only the queries of this class\n"
    "  --tsv FILE       write one line per query (class, query, latencies, match counts)\n"
    "  --exhaustive     also compare each query's top 10 and total with the same search\n"
    "                   scoring every match (kb_search_opts.exhaustive): top-10 recall per\n"
    "                   class, total error\n"
    "  --suggest N      also time kb_suggest_run (POST /api/v1/suggest) for N incident texts\n"
    "                   made from the items of the database (their title's start as the\n"
    "                   summary, their symptom's first 300 bytes as the description)\n"
    "  --fts-ceiling N  instead: insert the text of the first N items into bare contentless\n"
    "                   FTS5 tables (one with the kedb tokenizer, one with unicode61) in a\n"
    "                   scratch database, one writer, 2,000 per transaction, and report\n"
    "                   docs/s: the ceiling of indexing with one SQLite writer\n"
    "  -h, --help       show this help\n"
    "\n"
    "The last lines of the output start with 'RESULT ' and hold the overall numbers as\n"
    "key=value pairs, for scripts.\n";

/* One query of the mix and what was measured for it. */
typedef struct {
    char *cls;
    char *text;
    int cls_idx;
    double *ms;          /* kedb, one per iteration */
    long long total;     /* kedb match count (a lower bound when !exact) */
    int exact;
    size_t nhits;
    double *base_ms;     /* baseline, one per iteration */
    long long base_total; /* -1 when the baseline expression failed */
    char *base_expr;
} query;

typedef struct {
    query *q;
    size_t n;
    char *classes[MAX_CLASSES];
    size_t nclasses;
} mix;

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static int cmp_ll(const void *a, const void *b)
{
    long long x = *(const long long *)a, y = *(const long long *)b;
    return x < y ? -1 : x > y;
}

/* Nearest-rank percentile of sorted v[0..n). */
static double pct(const double *v, size_t n, double p)
{
    if (n == 0)
        return 0.0;
    size_t k = (size_t)ceil(p / 100.0 * (double)n);
    if (k < 1)
        k = 1;
    if (k > n)
        k = n;
    return v[k - 1];
}

static double median_of(const double *v, size_t n)
{
    double *c = kb_xmalloc((n ? n : 1) * sizeof *c);
    memcpy(c, v, n * sizeof *c);
    qsort(c, n, sizeof *c, cmp_double);
    double m = pct(c, n, 50.0);
    free(c);
    return m;
}

/* --- query file --- */

static int class_index(mix *m, const char *cls)
{
    for (size_t i = 0; i < m->nclasses; i++)
        if (strcmp(m->classes[i], cls) == 0)
            return (int)i;
    if (m->nclasses == MAX_CLASSES)
        return -1;
    m->classes[m->nclasses] = kb_xstrdup(cls);
    return (int)m->nclasses++;
}

static int load_queries(const char *path, const char *only, mix *m)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "kedb-bench: cannot open '%s': %s\n", path, strerror(errno));
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
        char *tab = strchr(line, '\t');
        if (!tab || tab == line || tab[1] == '\0') {
            fprintf(stderr, "kedb-bench: %s:%zu: expected 'class<TAB>query'\n", path, lineno);
            rc = -1;
            break;
        }
        *tab = '\0';
        if (only && strcmp(line, only) != 0)
            continue;
        int ci = class_index(m, line);
        if (ci < 0) {
            fprintf(stderr, "kedb-bench: %s:%zu: more than %d classes\n", path, lineno,
                    MAX_CLASSES);
            rc = -1;
            break;
        }
        if (m->n == qcap) {
            qcap = qcap ? qcap * 2 : 256;
            m->q = kb_xrealloc(m->q, qcap * sizeof *m->q);
        }
        query *q = &m->q[m->n++];
        memset(q, 0, sizeof *q);
        q->cls = kb_xstrdup(line);
        q->text = kb_xstrdup(tab + 1);
        q->cls_idx = ci;
        q->base_total = -1;
    }
    free(line);
    fclose(f);
    if (rc == 0 && m->n == 0) {
        fprintf(stderr, "kedb-bench: no queries in '%s'%s%s\n", path, only ? " for class " : "",
                only ? only : "");
        rc = -1;
    }
    return rc;
}

static void mix_free(mix *m)
{
    for (size_t i = 0; i < m->n; i++) {
        free(m->q[i].cls);
        free(m->q[i].text);
        free(m->q[i].ms);
        free(m->q[i].base_ms);
        free(m->q[i].base_expr);
    }
    free(m->q);
    for (size_t i = 0; i < m->nclasses; i++)
        free(m->classes[i]);
}

/* --- kedb --- */

static int kedb_one(kb_store *s, query *q, size_t limit, double *ms, int record)
{
    kb_search_opts o;
    memset(&o, 0, sizeof o);
    o.q = q->text;
    o.limit = limit;
    kb_search_result *r = NULL;
    kb_err err;
    kb_err_clear(&err);
    double t0 = now_ms();
    kb_status rc = kb_search_run(s, &o, &r, &err);
    double t1 = now_ms();
    if (rc != KB_OK) {
        fprintf(stderr, "kedb-bench: search '%s' failed: %s\n", q->text, err.msg);
        return -1;
    }
    if (ms)
        *ms = t1 - t0;
    if (record) {
        q->total = r->total;
        q->exact = r->total_exact;
        q->nhits = r->nhits;
    }
    kb_search_result_free(r);
    return 0;
}

/* The ids of a search's top hits, for comparing rankings. */
static int top_ids(kb_store *s, const char *text, size_t limit, int exhaustive, char ***ids,
                   size_t *n, long long *total, int *exact)
{
    kb_search_opts o;
    memset(&o, 0, sizeof o);
    o.q = text;
    o.limit = limit;
    o.exhaustive = exhaustive;
    kb_search_result *r = NULL;
    kb_err err;
    kb_err_clear(&err);
    if (kb_search_run(s, &o, &r, &err) != KB_OK) {
        fprintf(stderr, "kedb-bench: search '%s' failed: %s\n", text, err.msg);
        return -1;
    }
    *ids = kb_xcalloc(r->nhits ? r->nhits : 1, sizeof **ids);
    *n = r->nhits;
    *total = r->total;
    *exact = r->total_exact;
    for (size_t i = 0; i < r->nhits; i++)
        (*ids)[i] = kb_xstrdup(r->hits[i].id);
    kb_search_result_free(r);
    return 0;
}

/* Top-10 recall of the search as it runs (rows that cannot reach the top skipped) against
 * the same search scoring every row: the share of the exhaustive top 10 it returns, per
 * class; and its totals against the exhaustive counts. */
static int run_exhaustive(kb_store *s, const mix *m, size_t limit)
{
    double sum[MAX_CLASSES + 1] = { 0 }, worst[MAX_CLASSES + 1];
    double est_err = 0, est_worst = 0;
    size_t est_n = 0, est_marked = 0;
    size_t cnt[MAX_CLASSES + 1] = { 0 };
    for (size_t c = 0; c <= MAX_CLASSES; c++)
        worst[c] = 1.0;
    printf("\nexhaustive check: top-%zu recall of kb_search_run against the same search "
           "ranking every match\n", limit);
    for (size_t i = 0; i < m->n; i++) {
        char **a = NULL, **b = NULL;
        size_t na = 0, nb = 0;
        long long ta = 0, tb = 0;
        int ea = 1, eb = 1;
        if (top_ids(s, m->q[i].text, limit, 0, &a, &na, &ta, &ea) != 0 ||
            top_ids(s, m->q[i].text, limit, 1, &b, &nb, &tb, &eb) != 0)
            return -1;
        if (tb > 0) { /* the total, exact or estimated, against the exhaustive count */
            double e = (double)(ta > tb ? ta - tb : tb - ta) / (double)tb;
            est_err += e;
            est_n++;
            est_marked += !ea;
            if (e > est_worst)
                est_worst = e;
        }
        size_t hit = 0;
        for (size_t x = 0; x < nb; x++)
            for (size_t y = 0; y < na; y++)
                if (strcmp(b[x], a[y]) == 0) {
                    hit++;
                    break;
                }
        double rec = nb ? (double)hit / (double)nb : 1.0;
        int c = m->q[i].cls_idx;
        sum[c] += rec;
        cnt[c]++;
        sum[MAX_CLASSES] += rec;
        cnt[MAX_CLASSES]++;
        if (rec < worst[c])
            worst[c] = rec;
        if (rec < worst[MAX_CLASSES])
            worst[MAX_CLASSES] = rec;
        for (size_t x = 0; x < na; x++)
            free(a[x]);
        for (size_t x = 0; x < nb; x++)
            free(b[x]);
        free(a);
        free(b);
    }
    for (size_t c = 0; c <= m->nclasses; c++) {
        size_t k = c == m->nclasses ? MAX_CLASSES : c;
        if (!cnt[k])
            continue;
        printf("RESULT exhaustive class=%s queries=%zu top%zu_recall=%.3f worst=%.2f\n",
               c == m->nclasses ? "ALL" : m->classes[c], cnt[k], limit, sum[k] / (double)cnt[k],
               worst[k]);
    }
    printf("RESULT estimate queries=%zu estimated=%zu mean_error=%.3f worst_error=%.3f (totals "
           "against the exhaustive count)\n",
           est_n, est_marked, est_n ? est_err / (double)est_n : 0.0, est_worst);
    return 0;
}

static int run_kedb(kb_store *s, mix *m, size_t iters, size_t limit)
{
    for (size_t i = 0; i < m->n; i++) { /* warm-up, and the match counts */
        if (kedb_one(s, &m->q[i], limit, NULL, 1) != 0)
            return -1;
        m->q[i].ms = kb_xcalloc(iters, sizeof(double));
    }
    for (size_t it = 0; it < iters; it++)
        for (size_t i = 0; i < m->n; i++)
            if (kedb_one(s, &m->q[i], limit, &m->q[i].ms[it], 0) != 0)
                return -1;
    return 0;
}

/* --- baseline: plain FTS5 unicode61 --- */

/* What identifies the documents the baseline was built from. */
typedef struct {
    long long ndocs;
    long long max_rowid;
    long long chars;
} fingerprint;

static int sql_fail(sqlite3 *db, const char *what)
{
    fprintf(stderr, "kedb-bench: baseline: %s: %s\n", what, db ? sqlite3_errmsg(db) : "no memory");
    return -1;
}

/* The documents kedb searches by default: every status but retired. */
#define BASE_DOCS "FROM doc WHERE status <> 'retired'"

static int kedb_fingerprint(const char *dbpath, fingerprint *fp)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    int rc = -1;
    if (sqlite3_open_v2(dbpath, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
        sql_fail(db, "cannot open the kedb database");
        goto out;
    }
    if (sqlite3_prepare_v2(db,
                           "SELECT count(*), coalesce(max(rowid), 0),"
                           " coalesce(sum(length(title) + length(text)), 0) " BASE_DOCS,
                           -1, &st, NULL) != SQLITE_OK) {
        sql_fail(db, "cannot read the doc table");
        goto out;
    }
    if (sqlite3_step(st) != SQLITE_ROW) {
        sql_fail(db, "cannot read the doc table");
        goto out;
    }
    fp->ndocs = sqlite3_column_int64(st, 0);
    fp->max_rowid = sqlite3_column_int64(st, 1);
    fp->chars = sqlite3_column_int64(st, 2);
    rc = 0;
out:
    sqlite3_finalize(st);
    sqlite3_close(db);
    return rc;
}

static int exec_sql(sqlite3 *db, const char *sql)
{
    char *msg = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        fprintf(stderr, "kedb-bench: baseline: %s: %s\n", sql, msg ? msg : "?");
        sqlite3_free(msg);
        return -1;
    }
    return 0;
}

/* 1 when the cached baseline at path was built from documents with this fingerprint. */
static int baseline_current(const char *path, const fingerprint *fp)
{
    struct stat sb;
    if (stat(path, &sb) != 0)
        return 0;
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    int ok = 0;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
        sqlite3_prepare_v2(db, "SELECT ndocs, max_rowid, chars FROM bench_meta", -1, &st,
                           NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        ok = sqlite3_column_int64(st, 0) == fp->ndocs &&
             sqlite3_column_int64(st, 1) == fp->max_rowid &&
             sqlite3_column_int64(st, 2) == fp->chars;
    sqlite3_finalize(st);
    sqlite3_close(db);
    return ok;
}

/* Builds the baseline into path (through a temporary file) from the kedb database. */
static int baseline_build(const char *dbpath, const char *path, const fingerprint *fp)
{
    kb_buf tmp, sql;
    kb_buf_init(&tmp, 0);
    kb_buf_init(&sql, 0);
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    int rc = -1;
    kb_buf_addf(&tmp, "%s.tmp", path);
    unlink(tmp.data);
    if (sqlite3_open_v2(tmp.data, &db,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_URI,
                        NULL) != SQLITE_OK) {
        sql_fail(db, "cannot create the baseline database");
        goto out;
    }
    if (exec_sql(db, "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;"
                     "PRAGMA cache_size=-262144;"
                     "CREATE TABLE bench_meta(ndocs INTEGER, max_rowid INTEGER, chars INTEGER);"
                     "CREATE VIRTUAL TABLE base USING fts5(title, body, tokenize='unicode61');") !=
        0)
        goto out;
    /* The kedb file is attached read-only; only its plain doc table is read. */
    kb_buf u;
    kb_buf_init(&u, 0);
    kb_buf_adds(&u, "file:");
    for (const char *c = dbpath; *c; c++) {
        if (*c == '%' || *c == '?' || *c == '#')
            kb_buf_addf(&u, "%%%02X", (unsigned)(unsigned char)*c);
        else
            kb_buf_addc(&u, *c);
    }
    kb_buf_adds(&u, "?mode=ro");
    char *uri = sqlite3_mprintf("%s", u.data);
    kb_buf_free(&u);
    if (!uri) {
        sql_fail(NULL, "out of memory");
        goto out;
    }
    if (sqlite3_prepare_v2(db, "ATTACH ?1 AS k", -1, &st, NULL) != SQLITE_OK) {
        sqlite3_free(uri);
        sql_fail(db, "attach");
        goto out;
    }
    sqlite3_bind_text(st, 1, uri, -1, sqlite3_free);
    if (sqlite3_step(st) != SQLITE_DONE) {
        sql_fail(db, "cannot attach the kedb database");
        goto out;
    }
    sqlite3_finalize(st);
    st = NULL;
    kb_buf_addf(&sql,
                "BEGIN;"
                "INSERT INTO base(rowid, title, body) SELECT rowid, title, text FROM k.doc"
                " WHERE status <> 'retired' ORDER BY rowid;"
                "INSERT INTO bench_meta VALUES(%lld, %lld, %lld);"
                "COMMIT;"
                "INSERT INTO base(base) VALUES('optimize');",
                fp->ndocs, fp->max_rowid, fp->chars);
    if (exec_sql(db, sql.data) != 0)
        goto out;
    if (exec_sql(db, "DETACH k") != 0)
        goto out;
    if (sqlite3_close(db) != SQLITE_OK) {
        sql_fail(db, "close");
        goto out;
    }
    db = NULL;
    if (rename(tmp.data, path) != 0) {
        fprintf(stderr, "kedb-bench: cannot rename '%s': %s\n", tmp.data, strerror(errno));
        goto out;
    }
    rc = 0;
out:
    sqlite3_finalize(st);
    sqlite3_close(db);
    if (rc != 0)
        unlink(tmp.data);
    kb_buf_free(&tmp);
    kb_buf_free(&sql);
    return rc;
}

/* The query as a plain FTS5 expression: each whitespace-separated word double-quoted
 * (inner quotes doubled), ANDed; in the prefix class the last word is a prefix. */
static char *baseline_expr(const query *q)
{
    kb_buf b;
    kb_buf_init(&b, 0);
    const char *p = q->text;
    int prefix = strcmp(q->cls, "prefix") == 0;
    for (;;) {
        while (*p == ' ' || *p == '\t')
            p++;
        if (!*p)
            break;
        const char *w = p;
        while (*p && *p != ' ' && *p != '\t')
            p++;
        if (b.len)
            kb_buf_adds(&b, " AND ");
        kb_buf_addc(&b, '"');
        for (const char *c = w; c < p; c++) {
            if (*c == '"')
                kb_buf_addc(&b, '"');
            kb_buf_addc(&b, *c);
        }
        kb_buf_addc(&b, '"');
        while (*p == ' ' || *p == '\t')
            p++;
        if (!*p && prefix)
            kb_buf_addc(&b, '*');
    }
    return kb_buf_detach(&b, NULL);
}

typedef struct {
    sqlite3 *db;
    sqlite3_stmt *top;
    sqlite3_stmt *count;
} baseline;

static int baseline_open(const char *path, baseline *bl)
{
    memset(bl, 0, sizeof *bl);
    if (sqlite3_open_v2(path, &bl->db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
        return sql_fail(bl->db, "cannot open the baseline database");
    /* Same page cache as kedb's connections (kb/store.c). */
    if (exec_sql(bl->db, "PRAGMA cache_size=-65536") != 0)
        return -1;
    if (sqlite3_prepare_v2(bl->db,
                           "SELECT rowid, title FROM base WHERE base MATCH ?1 ORDER BY rank "
                           "LIMIT ?2",
                           -1, &bl->top, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(bl->db, "SELECT count(*) FROM base WHERE base MATCH ?1", -1,
                           &bl->count, NULL) != SQLITE_OK)
        return sql_fail(bl->db, "prepare");
    return 0;
}

static void baseline_close(baseline *bl)
{
    sqlite3_finalize(bl->top);
    sqlite3_finalize(bl->count);
    sqlite3_close(bl->db);
}

/* Runs the top-k query; returns the number of rows, or -1 when SQLite refused it. */
static int baseline_one(baseline *bl, const char *expr, size_t limit, double *ms)
{
    double t0 = now_ms();
    sqlite3_bind_text(bl->top, 1, expr, -1, SQLITE_STATIC);
    sqlite3_bind_int64(bl->top, 2, (sqlite3_int64)limit);
    int n = 0, rc;
    while ((rc = sqlite3_step(bl->top)) == SQLITE_ROW) {
        /* Read what a result list needs, as kedb does. */
        (void)sqlite3_column_int64(bl->top, 0);
        (void)sqlite3_column_text(bl->top, 1);
        n++;
    }
    sqlite3_reset(bl->top);
    double t1 = now_ms();
    if (ms)
        *ms = t1 - t0;
    return rc == SQLITE_DONE ? n : -1;
}

static long long baseline_count(baseline *bl, const char *expr)
{
    sqlite3_bind_text(bl->count, 1, expr, -1, SQLITE_STATIC);
    long long n = -1;
    if (sqlite3_step(bl->count) == SQLITE_ROW)
        n = sqlite3_column_int64(bl->count, 0);
    sqlite3_reset(bl->count);
    return n;
}

static int run_baseline(const char *dbpath, mix *m, size_t iters, size_t limit, int *nfailed)
{
    kb_buf path;
    kb_buf_init(&path, 0);
    kb_buf_addf(&path, "%s.baseline.db", dbpath);
    fingerprint fp;
    baseline bl;
    memset(&bl, 0, sizeof bl);
    int rc = -1;
    *nfailed = 0;
    if (kedb_fingerprint(dbpath, &fp) != 0)
        goto out;
    if (baseline_current(path.data, &fp)) {
        printf("baseline: reusing %s (%lld documents)\n", path.data, fp.ndocs);
    } else {
        printf("baseline: building %s from %lld documents ...\n", path.data, fp.ndocs);
        fflush(stdout);
        double t0 = now_ms();
        if (baseline_build(dbpath, path.data, &fp) != 0)
            goto out;
        printf("baseline: built in %.1f s\n", (now_ms() - t0) / 1000.0);
    }
    if (baseline_open(path.data, &bl) != 0)
        goto out;
    for (size_t i = 0; i < m->n; i++) { /* expressions, counts (untimed), warm-up */
        query *q = &m->q[i];
        q->base_expr = baseline_expr(q);
        q->base_ms = kb_xcalloc(iters, sizeof(double));
        q->base_total = baseline_count(&bl, q->base_expr);
        if (baseline_one(&bl, q->base_expr, limit, NULL) < 0 || q->base_total < 0) {
            fprintf(stderr, "kedb-bench: baseline: '%s' (%s): %s\n", q->text, q->base_expr,
                    sqlite3_errmsg(bl.db));
            q->base_total = -1;
            (*nfailed)++;
        }
    }
    for (size_t it = 0; it < iters; it++)
        for (size_t i = 0; i < m->n; i++)
            if (m->q[i].base_total >= 0)
                baseline_one(&bl, m->q[i].base_expr, limit, &m->q[i].base_ms[it]);
    rc = 0;
out:
    baseline_close(&bl);
    kb_buf_free(&path);
    return rc;
}

/* --- report --- */

typedef struct {
    size_t nq;
    double p50, p95, p99, max, mean;
    long long med_total, max_total;
    size_t zero, inexact;
} stats;

/* Latency over every sample of the queries of class ci (-1 = all); base selects the
 * engine. Queries the baseline refused are left out of its numbers. */
static stats class_stats(const mix *m, int ci, size_t iters, int base)
{
    stats s;
    memset(&s, 0, sizeof s);
    double *v = kb_xmalloc((m->n * iters + 1) * sizeof *v);
    long long *tot = kb_xmalloc((m->n + 1) * sizeof *tot);
    size_t nv = 0;
    double sum = 0.0;
    for (size_t i = 0; i < m->n; i++) {
        const query *q = &m->q[i];
        if (ci >= 0 && q->cls_idx != ci)
            continue;
        if (base && q->base_total < 0)
            continue;
        long long t = base ? q->base_total : q->total;
        tot[s.nq++] = t;
        if (t == 0)
            s.zero++;
        if (!base && !q->exact)
            s.inexact++;
        for (size_t k = 0; k < iters; k++) {
            v[nv] = base ? q->base_ms[k] : q->ms[k];
            sum += v[nv++];
        }
    }
    if (nv) {
        qsort(v, nv, sizeof *v, cmp_double);
        s.p50 = pct(v, nv, 50);
        s.p95 = pct(v, nv, 95);
        s.p99 = pct(v, nv, 99);
        s.max = v[nv - 1];
        s.mean = sum / (double)nv;
    }
    if (s.nq) {
        qsort(tot, s.nq, sizeof *tot, cmp_ll);
        s.med_total = tot[(s.nq - 1) / 2];
        s.max_total = tot[s.nq - 1];
    }
    free(v);
    free(tot);
    return s;
}

static const char *fmt_count(char *buf, size_t cap, long long n, int plus)
{
    int w = snprintf(buf, cap, "%lld%s", n, plus ? "+" : "");
    if (w < 0 || (size_t)w >= cap)
        snprintf(buf, cap, "?");
    return buf;
}

static void print_table(const mix *m, size_t iters, int base)
{
    printf("%-8s %4s %8s %8s %8s %8s %8s %10s %10s %5s\n", "class", "n", "p50", "p95", "p99",
           "max", "mean", "med.match", "max.match", "zero");
    for (int ci = 0; ci <= (int)m->nclasses; ci++) {
        int c = ci == (int)m->nclasses ? -1 : ci;
        stats s = class_stats(m, c, iters, base);
        char a[32], b[32];
        /* kedb may stop counting early: then a class maximum is a lower bound. */
        int capped = !base && s.inexact > 0;
        printf("%-8s %4zu %8.3f %8.3f %8.3f %8.3f %8.3f %10s %10s %5zu\n",
               c < 0 ? "ALL" : m->classes[c], s.nq, s.p50, s.p95, s.p99, s.max, s.mean,
               fmt_count(a, sizeof a, s.med_total, 0),
               fmt_count(b, sizeof b, s.max_total, capped), s.zero);
    }
}

static int cmp_slow(const void *a, const void *b)
{
    double x = ((const double *)a)[0], y = ((const double *)b)[0];
    return x < y ? 1 : x > y ? -1 : 0;
}

static void print_slowest(const mix *m, size_t iters, int with_base)
{
    /* pairs (median ms, query index), slowest first */
    double *v = kb_xmalloc(m->n * 2 * sizeof *v);
    for (size_t i = 0; i < m->n; i++) {
        v[2 * i] = median_of(m->q[i].ms, iters);
        v[2 * i + 1] = (double)i;
    }
    qsort(v, m->n, 2 * sizeof *v, cmp_slow);
    printf("\nslowest queries (kedb, by median over %zu runs):\n", iters);
    printf("%-8s %-28s %9s %9s %10s%s\n", "class", "query", "p50 ms", "max ms", "matches",
           with_base ? "  base p50  base matches" : "");
    size_t top = m->n < TOP_SLOWEST ? m->n : TOP_SLOWEST;
    for (size_t k = 0; k < top; k++) {
        const query *q = &m->q[(size_t)v[2 * k + 1]];
        double mx = 0.0;
        for (size_t it = 0; it < iters; it++)
            if (q->ms[it] > mx)
                mx = q->ms[it];
        char a[32];
        /* pad by display columns: count UTF-8 lead bytes, CJK counted as two columns */
        size_t cols = 0;
        for (const unsigned char *p = (const unsigned char *)q->text; *p; p++)
            if ((*p & 0xC0) != 0x80)
                cols += *p >= 0xE0 ? 2 : 1;
        printf("%-8s %s%*s %9.3f %9.3f %10s", q->cls, q->text, cols < 28 ? (int)(28 - cols) : 0,
               "", v[2 * k], mx, fmt_count(a, sizeof a, q->total, !q->exact));
        if (with_base) {
            if (q->base_total >= 0)
                printf("  %8.3f  %12lld", median_of(q->base_ms, iters), q->base_total);
            else
                printf("  %8s  %12s", "error", "-");
        }
        printf("\n");
    }
    free(v);
}

static int write_tsv(const char *path, const mix *m, size_t iters, int with_base)
{
    FILE *f = fopen(path, "w");
    if (!f) {
        fprintf(stderr, "kedb-bench: cannot write '%s': %s\n", path, strerror(errno));
        return -1;
    }
    fprintf(f, "class\tquery\tkedb_p50_ms\tkedb_max_ms\tkedb_matches\tkedb_exact\tkedb_hits");
    if (with_base)
        fprintf(f, "\tbase_p50_ms\tbase_max_ms\tbase_matches\tbase_expr");
    fprintf(f, "\n");
    for (size_t i = 0; i < m->n; i++) {
        const query *q = &m->q[i];
        double mx = 0.0;
        for (size_t it = 0; it < iters; it++)
            mx = q->ms[it] > mx ? q->ms[it] : mx;
        fprintf(f, "%s\t%s\t%.4f\t%.4f\t%lld\t%d\t%zu", q->cls, q->text, median_of(q->ms, iters),
                mx, q->total, q->exact, q->nhits);
        if (with_base) {
            double bmx = 0.0;
            for (size_t it = 0; it < iters; it++)
                bmx = q->base_ms[it] > bmx ? q->base_ms[it] : bmx;
            fprintf(f, "\t%.4f\t%.4f\t%lld\t%s", median_of(q->base_ms, iters), bmx,
                    q->base_total, q->base_expr ? q->base_expr : "");
        }
        fprintf(f, "\n");
    }
    if (fclose(f) != 0) {
        fprintf(stderr, "kedb-bench: cannot write '%s': %s\n", path, strerror(errno));
        return -1;
    }
    return 0;
}

static int parse_size(const char *s, size_t lo, size_t hi, size_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || end == s || *end || s[0] == '-' || v < lo || v > hi)
        return -1;
    *out = (size_t)v;
    return 0;
}

static int usage_error(const char *msg, const char *arg)
{
    if (arg)
        fprintf(stderr, "kedb-bench: %s '%s'\n", msg, arg);
    else
        fprintf(stderr, "kedb-bench: %s\n", msg);
    fputs("try 'kedb-bench --help' for more information\n", stderr);
    return 2;
}

/* Times kb_suggest_run over n incident texts taken from items spread over the database. */
static int run_suggest(kb_store *s, const char *dbpath, size_t n)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    if (sqlite3_open_v2(dbpath, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db,
                           "SELECT substr(title, 1, 12), substr(symptom, 1, 300) FROM doc "
                           "WHERE symptom <> '' AND rowid % ?1 = 0 LIMIT ?2",
                           -1, &st, NULL) != SQLITE_OK) {
        fprintf(stderr, "kedb-bench: %s\n", sqlite3_errmsg(db));
        sqlite3_close(db);
        return -1;
    }
    long long total = 0;
    sqlite3_stmt *cnt = NULL;
    if (sqlite3_prepare_v2(db, "SELECT max(rowid) FROM doc", -1, &cnt, NULL) == SQLITE_OK &&
        sqlite3_step(cnt) == SQLITE_ROW)
        total = sqlite3_column_int64(cnt, 0);
    sqlite3_finalize(cnt);
    long long step = n ? total / (long long)n : 1;
    sqlite3_bind_int64(st, 1, step > 1 ? step : 1);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)n);
    double *lat = calloc(n ? n : 1, sizeof *lat);
    size_t k = 0, found = 0;
    while (k < n && sqlite3_step(st) == SQLITE_ROW) {
        kb_suggest_opts o = { .summary = (const char *)sqlite3_column_text(st, 0),
                              .description = (const char *)sqlite3_column_text(st, 1) };
        kb_suggest_result *r = NULL;
        kb_err err;
        double t0 = now_ms();
        if (kb_suggest_run(s, &o, &r, &err) != KB_OK) {
            fprintf(stderr, "kedb-bench: suggest: %s\n", err.msg);
            continue;
        }
        lat[k++] = now_ms() - t0;
        found += r->nknown > 0;
        kb_suggest_result_free(r);
    }
    sqlite3_finalize(st);
    sqlite3_close(db);
    if (k) {
        qsort(lat, k, sizeof *lat, cmp_double);
        printf("\nsuggest: kb_suggest_run over %zu incident texts (%zu found a known error): "
               "p50 %.3f ms, p95 %.3f ms, p99 %.3f ms, max %.3f ms\n",
               k, found, pct(lat, k, 50), pct(lat, k, 95), pct(lat, k, 99), lat[k - 1]);
        printf("RESULT suggest_p50_ms=%.3f suggest_p95_ms=%.3f suggest_max_ms=%.3f n=%zu\n",
               pct(lat, k, 50), pct(lat, k, 95), lat[k - 1], k);
    }
    free(lat);
    return 0;
}

/* Deletes a scratch database file with its WAL and shared-memory files. */
static void remove_db(const char *path)
{
    static const char *const sfx[] = { "", "-wal", "-shm" };
    for (size_t i = 0; i < sizeof sfx / sizeof sfx[0]; i++) {
        kb_buf f;
        kb_buf_init(&f, 0);
        kb_buf_addf(&f, "%s%s", path, sfx[i]);
        unlink(kb_buf_str(&f));
        kb_buf_free(&f);
    }
}

/* Inserts the first n items of the database at dbpath into a bare contentless FTS5 table
 * tokenized by tokenizer, in a scratch database next to it; returns docs/s or -1. */
static double fts_ceiling_one(const char *dbpath, const char *tokenizer, size_t n)
{
    kb_buf scratch;
    kb_buf_init(&scratch, 0);
    kb_buf_addf(&scratch, "%s.ceiling-%s.db", dbpath, tokenizer);
    remove_db(kb_buf_str(&scratch));
    sqlite3 *src = NULL, *dst = NULL;
    sqlite3_stmt *q = NULL, *ins = NULL;
    double rate = -1;
    kb_buf ddl;
    kb_buf_init(&ddl, 0);
    kb_buf_addf(&ddl, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; CREATE VIRTUAL "
                "TABLE f USING fts5(title, symptom, workaround, body, tokenize='%s', "
                "content='')", tokenizer);
    if (sqlite3_open_v2(dbpath, &src, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK ||
        sqlite3_open(kb_buf_str(&scratch), &dst) != SQLITE_OK ||
        kb_tokenize_register(dst, NULL, NULL) != KB_OK ||
        sqlite3_exec(dst, kb_buf_str(&ddl), NULL, NULL, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(src, "SELECT title, symptom, workaround || char(10) || fix, "
                           "cause || char(10) || text FROM doc ORDER BY rowid LIMIT ?1",
                           -1, &q, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(dst, "INSERT INTO f(title, symptom, workaround, body) "
                           "VALUES (?1, ?2, ?3, ?4)", -1, &ins, NULL) != SQLITE_OK) {
        fprintf(stderr, "kedb-bench: fts-ceiling: %s / %s\n",
                src ? sqlite3_errmsg(src) : "?", dst ? sqlite3_errmsg(dst) : "?");
        goto out;
    }
    sqlite3_bind_int64(q, 1, (sqlite3_int64)n);
    size_t k = 0;
    int ok = sqlite3_exec(dst, "BEGIN", NULL, NULL, NULL) == SQLITE_OK;
    double t0 = now_ms();
    while (ok && sqlite3_step(q) == SQLITE_ROW) {
        for (int c = 0; c < 4; c++)
            sqlite3_bind_text(ins, c + 1, (const char *)sqlite3_column_text(q, c), -1,
                              SQLITE_TRANSIENT);
        ok = sqlite3_step(ins) == SQLITE_DONE;
        sqlite3_reset(ins);
        if (ok && ++k % 2000 == 0)
            ok = sqlite3_exec(dst, "COMMIT; BEGIN", NULL, NULL, NULL) == SQLITE_OK;
    }
    ok = ok && sqlite3_exec(dst, "COMMIT", NULL, NULL, NULL) == SQLITE_OK;
    double ms = now_ms() - t0;
    if (!ok)
        fprintf(stderr, "kedb-bench: fts-ceiling: %s\n", sqlite3_errmsg(dst));
    else if (k && ms > 0)
        rate = (double)k * 1000.0 / ms;
    if (rate > 0)
        printf("fts-ceiling: %zu docs into a bare FTS5 table, tokenize=%s: %.0f ms = %.0f "
               "docs/s\n", k, tokenizer, ms, rate);
out:
    sqlite3_finalize(q);
    sqlite3_finalize(ins);
    sqlite3_close(src);
    sqlite3_close(dst);
    remove_db(kb_buf_str(&scratch));
    kb_buf_free(&ddl);
    kb_buf_free(&scratch);
    return rate;
}

static int run_fts_ceiling(const char *dbpath, size_t n)
{
    double kedb = fts_ceiling_one(dbpath, "kedb", n);
    double u61 = fts_ceiling_one(dbpath, "unicode61", n);
    if (kedb < 0 || u61 < 0)
        return 1;
    printf("RESULT fts_ceiling_kedb_docs_s=%.0f fts_ceiling_unicode61_docs_s=%.0f n=%zu\n", kedb,
           u61, n);
    return 0;
}

int main(int argc, char **argv)
{
    const char *dbpath = NULL, *qpath = NULL, *only = NULL, *tsv = NULL;
    size_t iters = 20, limit = 10, nsuggest = 0, nceiling = 0;
    int with_base = 0, with_exhaustive = 0, code = 1;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int has_val = i + 1 < argc;
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            fputs(usage_text, stdout);
            return 0;
        } else if (strcmp(a, "--baseline") == 0) {
            with_base = 1;
        } else if (strcmp(a, "--exhaustive") == 0) {
            with_exhaustive = 1;
        } else if (strcmp(a, "--db") == 0 && has_val) {
            dbpath = argv[++i];
        } else if (strcmp(a, "--queries") == 0 && has_val) {
            qpath = argv[++i];
        } else if (strcmp(a, "--class") == 0 && has_val) {
            only = argv[++i];
        } else if (strcmp(a, "--tsv") == 0 && has_val) {
            tsv = argv[++i];
        } else if (strcmp(a, "--iterations") == 0 && has_val) {
            if (parse_size(argv[++i], 1, 100000, &iters) != 0)
                return usage_error("bad --iterations", argv[i]);
        } else if (strcmp(a, "--fts-ceiling") == 0 && has_val) {
            if (parse_size(argv[++i], 1, 100000000, &nceiling) != 0)
                return usage_error("bad --fts-ceiling", argv[i]);
        } else if (strcmp(a, "--suggest") == 0 && has_val) {
            if (parse_size(argv[++i], 1, 1000000, &nsuggest) != 0)
                return usage_error("bad --suggest", argv[i]);
        } else if (strcmp(a, "--limit") == 0 && has_val) {
            if (parse_size(argv[++i], 1, KB_SEARCH_MAX_LIMIT, &limit) != 0)
                return usage_error("bad --limit", argv[i]);
        } else {
            return usage_error(has_val || a[0] != '-' ? "unknown argument" : "missing value after",
                               a);
        }
    }
    if (dbpath && nceiling)
        return run_fts_ceiling(dbpath, nceiling);
    if (!dbpath || !qpath)
        return usage_error("--db PATH and --queries FILE are required", NULL);

    kb_log_set_level(KB_LOG_WARN);
    mix m;
    memset(&m, 0, sizeof m);
    kb_store *s = NULL;
    kb_err err;
    kb_err_clear(&err);
    if (load_queries(qpath, only, &m) != 0)
        goto out;
    kb_search_cache_enable(0); /* measure search, not the result cache */
    if (kb_store_open(dbpath, KB_STORE_EXISTING, &s, &err) != KB_OK) {
        fprintf(stderr, "kedb-bench: %s\n", err.msg);
        goto out;
    }
    long long ndocs = 0;
    if (kb_store_doc_count(s, NULL, &ndocs, &err) != KB_OK) {
        fprintf(stderr, "kedb-bench: %s\n", err.msg);
        goto out;
    }
    printf("kedb-bench: %s (%lld items), %zu queries in %zu classes from %s, %zu iterations, "
           "limit %zu, SQLite %s\n",
           dbpath, ndocs, m.n, m.nclasses, qpath, iters, limit, sqlite3_libversion());
    fflush(stdout);
    double t0 = now_ms();
    if (run_kedb(s, &m, iters, limit) != 0)
        goto out;
    double kedb_wall = now_ms() - t0;
    if (nsuggest && run_suggest(s, dbpath, nsuggest) != 0)
        goto out;
    int base_failed = 0;
    double base_wall = 0.0;
    if (with_base) {
        t0 = now_ms();
        if (run_baseline(dbpath, &m, iters, limit, &base_failed) != 0)
            goto out;
        base_wall = now_ms() - t0;
    }

    printf("\nkedb: kb_search_run, latency in ms over %zu runs of each query (%.1f s); "
           "matches = result total ('+': a lower bound, kedb stopped counting)\n",
           iters, kedb_wall / 1000.0);
    print_table(&m, iters, 0);
    if (with_base) {
        printf("\nbaseline: FTS5 tokenize=unicode61, \"w1\" AND \"w2\" ... ORDER BY rank LIMIT %zu"
               " (%.1f s incl. build/counting)%s\n",
               limit, base_wall / 1000.0,
               base_failed ? "; queries it refused are left out" : "");
        print_table(&m, iters, 1);
        printf("\nkedb / baseline (latency ratio > 1: kedb slower). unicode61 keeps a run of Han "
               "characters as one token,\nso it cannot find Chinese words inside sentences: its "
               "match counts for Chinese queries are not comparable.\n");
        printf("%-8s %9s %9s %14s %14s\n", "class", "p50 x", "p95 x", "kedb med.match",
               "base med.match");
        for (int ci = 0; ci <= (int)m.nclasses; ci++) {
            int c = ci == (int)m.nclasses ? -1 : ci;
            stats k = class_stats(&m, c, iters, 0), b = class_stats(&m, c, iters, 1);
            printf("%-8s %9.2f %9.2f %14lld %14lld\n", c < 0 ? "ALL" : m.classes[c],
                   b.p50 > 0 ? k.p50 / b.p50 : 0.0, b.p95 > 0 ? k.p95 / b.p95 : 0.0, k.med_total,
                   b.med_total);
        }
    }
    print_slowest(&m, iters, with_base);
    if (with_exhaustive && run_exhaustive(s, &m, limit) != 0)
        goto out;
    if (tsv && write_tsv(tsv, &m, iters, with_base) != 0)
        goto out;

    stats all = class_stats(&m, -1, iters, 0);
    printf("\nRESULT kedb_p50_ms=%.3f kedb_p95_ms=%.3f kedb_p99_ms=%.3f kedb_max_ms=%.3f "
           "kedb_mean_ms=%.3f queries=%zu iterations=%zu docs=%lld\n",
           all.p50, all.p95, all.p99, all.max, all.mean, m.n, iters, ndocs);
    for (size_t c = 0; c < m.nclasses; c++) {
        stats k = class_stats(&m, (int)c, iters, 0);
        printf("RESULT class=%s kedb_p50_ms=%.3f kedb_p95_ms=%.3f kedb_max_ms=%.3f "
               "kedb_med_matches=%lld",
               m.classes[c], k.p50, k.p95, k.max, k.med_total);
        if (with_base) {
            stats b = class_stats(&m, (int)c, iters, 1);
            printf(" base_p50_ms=%.3f base_p95_ms=%.3f base_med_matches=%lld", b.p50, b.p95,
                   b.med_total);
        }
        printf("\n");
    }
    if (with_base) {
        stats b = class_stats(&m, -1, iters, 1);
        printf("RESULT base_p50_ms=%.3f base_p95_ms=%.3f base_p99_ms=%.3f base_max_ms=%.3f "
               "ratio_p50=%.2f ratio_p95=%.2f base_refused=%d\n",
               b.p50, b.p95, b.p99, b.max, b.p50 > 0 ? all.p50 / b.p50 : 0.0,
               b.p95 > 0 ? all.p95 / b.p95 : 0.0, base_failed);
    }
    code = 0;
out:
    kb_store_free(s);
    mix_free(&m);
    if (fflush(stdout) != 0 && code == 0)
        code = 1;
    return code;
}
