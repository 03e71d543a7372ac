/* The store files' shared helpers (kb/store_int.h): walking a statement's rows with
 * kb_store_rows / kb_store_each_row, and the binding variants. They are internal to the
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
        test_bind(fx.s);
    }
    fixture_close(&fx);
    return CHECK_DONE("test_store");
}
