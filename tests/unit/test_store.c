/* The store files' shared helpers (kb/store_int.h): walking a statement's rows with
 * kb_store_rows / kb_store_each_row, a list's count and page (kb_store_list_page), and the
 * binding variants. They are internal to the
 * store files, so this test alone reads the internal header. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "fixture.h"
#include "../../kb/store_int.h"

static const char sql_children[] = "SELECT v FROM child WHERE parent = ?1 ORDER BY v";
static const char sql_range[] =
    "SELECT v FROM child WHERE parent = ?1 AND v >= ?2 ORDER BY v";
static const char sql_overflow[] = "SELECT abs(v) FROM child WHERE parent = ?1";
static const char sql_broken[] = "SELECT v FROM no_such_table WHERE parent = ?1";
static const char sql_is_null[] = "SELECT ?1 IS NULL, coalesce(?1, 'null')";

typedef struct {
    long long v[8];
    size_t n;
    size_t stop_after; /* 0: never stop */
} seen;

static kb_status collect(sqlite3_stmt *st, void *ctx, kb_err *err)
{
    seen *s = ctx;
    if (s->stop_after && s->n == s->stop_after)
        return kb_err_set(err, KB_EINVAL, "stopped after %zu rows", s->n);
    if (s->n < sizeof s->v / sizeof s->v[0])
        s->v[s->n] = sqlite3_column_int64(st, 0);
    s->n++;
    return KB_OK;
}

static void test_each_row(kb_store *s)
{
    kb_err err;
    seen a = { { 0 }, 0, 0 };
    CHECK_INT_EQ(kb_store_each_row(s, sql_children, 1, collect, &a, "children", &err), KB_OK);
    CHECK_INT_EQ((long long)a.n, 3);
    CHECK_INT_EQ(a.v[0], 10);
    CHECK_INT_EQ(a.v[1], 11);
    CHECK_INT_EQ(a.v[2], 12);

    /* the cached statement was reset: the next parent's rows, then none */
    seen b = { { 0 }, 0, 0 };
    CHECK_INT_EQ(kb_store_each_row(s, sql_children, 2, collect, &b, "children", &err), KB_OK);
    CHECK_INT_EQ((long long)b.n, 1);
    CHECK_INT_EQ(b.v[0], 20);
    seen none = { { 0 }, 0, 0 };
    CHECK_INT_EQ(kb_store_each_row(s, sql_children, 3, collect, &none, "children", &err),
                 KB_OK);
    CHECK_INT_EQ((long long)none.n, 0);

    /* a row that fails stops the walk with its status and message */
    seen stop = { { 0 }, 0, 2 };
    CHECK_INT_EQ(kb_store_each_row(s, sql_children, 1, collect, &stop, "children", &err),
                 KB_EINVAL);
    CHECK_INT_EQ((long long)stop.n, 2);
    CHECK_STR_EQ(err.msg, "stopped after 2 rows");
    seen again = { { 0 }, 0, 0 }; /* and left the statement reset */
    CHECK_INT_EQ(kb_store_each_row(s, sql_children, 1, collect, &again, "children", &err),
                 KB_OK);
    CHECK_INT_EQ((long long)again.n, 3);

    /* a failing step: KB_EDB naming what */
    seen over = { { 0 }, 0, 0 };
    CHECK_INT_EQ(kb_store_each_row(s, sql_overflow, 4, collect, &over, "overflowing", &err),
                 KB_EDB);
    CHECK(strncmp(err.msg, "overflowing: ", 13) == 0);
    /* a statement that does not prepare */
    CHECK_INT_EQ(kb_store_each_row(s, sql_broken, 1, collect, &over, "broken", &err), KB_EDB);
    CHECK_INT_EQ((long long)over.n, 0);
}

static void test_rows(kb_store *s)
{
    kb_err err;
    sqlite3_stmt *st = kb_store_cached(s, sql_range, &err);
    CHECK(st != NULL);
    if (!st)
        return;
    sqlite3_bind_int64(st, 1, 1);
    sqlite3_bind_int64(st, 2, 11);
    seen a = { { 0 }, 0, 0 };
    CHECK_INT_EQ(kb_store_rows(s, st, collect, &a, "range", &err), KB_OK);
    CHECK_INT_EQ((long long)a.n, 2);
    CHECK_INT_EQ(a.v[0], 11);
    CHECK_INT_EQ(a.v[1], 12);
    /* reset and its bindings cleared: ?2 NULL matches nothing */
    sqlite3_bind_int64(st, 1, 1);
    seen b = { { 0 }, 0, 0 };
    CHECK_INT_EQ(kb_store_rows(s, st, collect, &b, "range", &err), KB_OK);
    CHECK_INT_EQ((long long)b.n, 0);
}

/* ?1 the parent, NULL = any; the page's rows also skip values below ?2 when it is bound
 * (a parameter only the page has, like the assets' ordering by the query as typed). */
static const char sql_list_count[] = "SELECT count(*) FROM child WHERE (?1 IS NULL OR parent = ?1)";
static const char sql_list_page[] = "SELECT v FROM child WHERE (?1 IS NULL OR parent = ?1) "
                                    "ORDER BY (?2 IS NOT NULL AND v = ?2) DESC, v "
                                    "LIMIT ?3 OFFSET ?4";

typedef struct {
    long long parent; /* 0 = any */
    long long first;  /* 0 = none */
    int binds[2];     /* calls of bind_list for the count and for the page */
} list_filter;

static void bind_list(sqlite3_stmt *st, const void *arg, int page)
{
    list_filter *f = (list_filter *)arg;
    f->binds[page != 0]++;
    if (f->parent)
        sqlite3_bind_int64(st, 1, f->parent);
    if (page && f->first)
        sqlite3_bind_int64(st, 2, f->first);
}

static const kb_store_list child_list = {
    .count_sql = sql_list_count,
    .page_sql = sql_list_page,
    .limit_param = 3,
    .def_limit = 2,
    .max_limit = 3,
    .bind = bind_list,
    .row = collect,
    .count_what = "child count",
    .page_what = "children",
};

static void test_list_page(kb_store *s)
{
    kb_err err;
    long long total = -1;
    /* limit 0: the list's default (2) */
    list_filter f = { 1, 0, { 0, 0 } };
    seen a = { { 0 }, 0, 0 };
    CHECK_INT_EQ(kb_store_list_page(s, &child_list, &f, 0, 0, &total, &a, &err), KB_OK);
    CHECK_INT_EQ(total, 3);
    CHECK_INT_EQ((long long)a.n, 2);
    CHECK_INT_EQ(a.v[0], 10);
    CHECK_INT_EQ(a.v[1], 11);
    CHECK_INT_EQ(f.binds[0], 1);
    CHECK_INT_EQ(f.binds[1], 1);
    /* an offset; and the parameter only the page binds puts 12 first */
    list_filter g = { 1, 12, { 0, 0 } };
    seen b = { { 0 }, 0, 0 };
    CHECK_INT_EQ(kb_store_list_page(s, &child_list, &g, 2, 1, &total, &b, &err), KB_OK);
    CHECK_INT_EQ(total, 3);
    CHECK_INT_EQ((long long)b.n, 2);
    CHECK_INT_EQ(b.v[0], 10);
    CHECK_INT_EQ(b.v[1], 11);
    /* a limit above the list's largest is its largest (3); any parent */
    list_filter all = { 0, 0, { 0, 0 } };
    seen c = { { 0 }, 0, 0 };
    CHECK_INT_EQ(kb_store_list_page(s, &child_list, &all, 100, 0, &total, &c, &err), KB_OK);
    CHECK_INT_EQ(total, 5);
    CHECK_INT_EQ((long long)c.n, 3);
    /* nothing found: the page is not read */
    list_filter none = { 3, 0, { 0, 0 } };
    seen d = { { 0 }, 0, 0 };
    CHECK_INT_EQ(kb_store_list_page(s, &child_list, &none, 2, 0, &total, &d, &err), KB_OK);
    CHECK_INT_EQ(total, 0);
    CHECK_INT_EQ((long long)d.n, 0);
    CHECK_INT_EQ(none.binds[1], 0);
    /* a row that fails: its status, the total counted */
    seen e = { { 0 }, 0, 1 };
    list_filter h = { 1, 0, { 0, 0 } };
    CHECK_INT_EQ(kb_store_list_page(s, &child_list, &h, 2, 0, &total, &e, &err), KB_EINVAL);
    CHECK_INT_EQ(total, 3);
    CHECK_STR_EQ(err.msg, "stopped after 1 rows");
    /* the read transaction ended: a write goes through */
    CHECK_INT_EQ(kb_store_exec(s, "INSERT INTO child VALUES (5, 50); DELETE FROM child WHERE "
                                  "parent = 5;", &err),
                 KB_OK);
}

/* Binds v with bind, answers whether SQLite saw NULL and the text it saw. */
static int bound_null(kb_store *s, void (*bind)(sqlite3_stmt *, int, const char *),
                      const char *v, char *text, size_t size)
{
    kb_err err;
    sqlite3_stmt *st = kb_store_cached(s, sql_is_null, &err);
    if (!st)
        return -1;
    bind(st, 1, v);
    int null = -1;
    if (sqlite3_step(st) == SQLITE_ROW) {
        null = sqlite3_column_int(st, 0);
        snprintf(text, size, "%s", (const char *)sqlite3_column_text(st, 1));
    }
    kb_store_done(st);
    return null;
}

static void test_bind(kb_store *s)
{
    char t[32];
    CHECK_INT_EQ(bound_null(s, kb_store_bind_text, NULL, t, sizeof t), 1);
    CHECK_INT_EQ(bound_null(s, kb_store_bind_text, "", t, sizeof t), 0);
    CHECK_STR_EQ(t, "");
    CHECK_INT_EQ(bound_null(s, kb_store_bind_text_or_empty, NULL, t, sizeof t), 0);
    CHECK_STR_EQ(t, "");
    CHECK_INT_EQ(bound_null(s, kb_store_bind_text_or_empty, "终端", t, sizeof t), 0);
    CHECK_STR_EQ(t, "终端");
    CHECK_INT_EQ(bound_null(s, kb_store_bind_opt, NULL, t, sizeof t), 1);
    CHECK_INT_EQ(bound_null(s, kb_store_bind_opt, "", t, sizeof t), 1);
    CHECK_INT_EQ(bound_null(s, kb_store_bind_opt, "x", t, sizeof t), 0);
    CHECK_STR_EQ(t, "x");
}

/* Statements are cached per SQL text address, with no fixed limit on how many: a store
 * that has run every route's statements (over 256 of them) still prepares new ones, and
 * each text keeps its own statement. */
static void test_cached_many(kb_store *s)
{
    enum { N = 1000 };
    static char sql[N][48];
    static sqlite3_stmt *first[N];
    kb_err err;
    int ok = 1;
    for (int i = 0; i < N; i++) {
        snprintf(sql[i], sizeof sql[i], "SELECT %d + ?1", i);
        first[i] = kb_store_cached(s, sql[i], &err);
        ok &= first[i] != NULL;
    }
    CHECK(ok);
    for (int i = N - 1; i >= 0 && ok; i--) {
        sqlite3_stmt *st = kb_store_cached(s, sql[i], &err);
        ok &= st == first[i];
        if (st && i % 97 == 0) {
            sqlite3_bind_int(st, 1, 1);
            ok &= sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int(st, 0) == i + 1;
            kb_store_done(st);
        }
    }
    CHECK(ok);
}

int main(void)
{
    fixture fx;
    if (fixture_open(&fx, "store") != 0)
        return CHECK_DONE("test_store");
    kb_err err;
    kb_status rc = kb_store_exec(fx.s,
                                 "CREATE TABLE child(parent INTEGER, v INTEGER);"
                                 "INSERT INTO child VALUES (1, 12), (1, 10), (2, 20), (1, 11),"
                                 " (4, -9223372036854775808);",
                                 &err);
    CHECK_INT_EQ(rc, KB_OK);
    if (rc == KB_OK) {
        test_each_row(fx.s);
        test_rows(fx.s);
        test_list_page(fx.s);
        test_bind(fx.s);
        test_cached_many(fx.s);
    }
    fixture_close(&fx);
    return CHECK_DONE("test_store");
}
