/* The audit trail: appending, the hash chain, verification of tampered databases,
 * transactions, concurrent appenders, lists, and the entries the changing areas write
 * (incidents, feedback, indexing).
 *
 * The tampering is done the way an intruder would: by editing the database file with
 * SQLite directly (dropping the append-only triggers first), not through kedb. */
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "fixture.h"
#include "kb_audit.h"
#include "kb_doc.h"
#include "kb_incident.h"
#include "kb_ingest.h"
#include "kb_store.h"
#include "kb_usage.h"

static fixture fx; /* the directory of the test databases */

static void db_path(const char *name, char *out, size_t size)
{
    snprintf(out, size, "%s/%s.db", fx.dir, name);
}

static kb_store *open_db(const char *path)
{
    kb_store *s = NULL;
    kb_err err;
    kb_status rc = kb_store_open(path, 0, &s, &err);
    CHECK_INT_EQ(rc, KB_OK);
    if (rc != KB_OK)
        fprintf(stderr, "open '%s': %s\n", path, err.msg);
    return s;
}

/* A database with n entries: at 1000 + i, actor a0/a1, object obj:i, summary "entry i". */
static void fill(const char *path, int n)
{
    kb_store *s = open_db(path);
    if (!s)
        return;
    for (int i = 1; i <= n; i++) {
        char actor[16], object[32], summary[32];
        snprintf(actor, sizeof actor, "a%d", i % 2);
        snprintf(object, sizeof object, "obj:%d", i);
        snprintf(summary, sizeof summary, "entry %d", i);
        CHECK_INT_EQ(kb_audit_append(s, 1000 + i, actor, "test.x", object, summary, NULL),
                     KB_OK);
    }
    kb_store_free(s);
}

/* Runs sql on the file directly, without the append-only triggers. */
static int tamper(const char *path, const char *sql)
{
    sqlite3 *db = NULL;
    int rc = sqlite3_open(path, &db);
    char *msg = NULL;
    if (rc == SQLITE_OK)
        rc = sqlite3_exec(db,
                          "DROP TRIGGER IF EXISTS audit_no_update;"
                          "DROP TRIGGER IF EXISTS audit_no_delete;"
                          "DROP TRIGGER IF EXISTS audit_head_no_delete;",
                          NULL, NULL, &msg);
    if (rc == SQLITE_OK)
        rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
    if (rc != SQLITE_OK)
        fprintf(stderr, "tamper: %s\n", msg ? msg : sqlite3_errmsg(db));
    sqlite3_free(msg);
    sqlite3_close(db);
    return rc;
}

static void verify(const char *path, kb_audit_check *c)
{
    memset(c, 0, sizeof *c);
    kb_store *s = open_db(path);
    if (!s)
        return;
    kb_err err;
    CHECK_INT_EQ(kb_audit_verify(s, c, &err), KB_OK);
    kb_store_free(s);
}

/* Fills a fresh database with 6 entries, applies sql and checks what verify reports. */
static void tampered(const char *name, const char *sql, long long first_bad,
                     kb_audit_problem problem)
{
    char path[256];
    db_path(name, path, sizeof path);
    fill(path, 6);
    kb_audit_check c;
    verify(path, &c);
    CHECK(c.ok);
    CHECK_INT_EQ(tamper(path, sql), SQLITE_OK);
    verify(path, &c);
    CHECK(!c.ok);
    CHECK_INT_EQ(c.first_bad, first_bad);
    CHECK_INT_EQ(c.problem, problem);
    CHECK(c.why[0] != '\0');
    if (c.first_bad != first_bad || c.problem != problem)
        fprintf(stderr, "  case %s: first_bad %lld %s: %s\n", name, c.first_bad,
                kb_audit_problem_name(c.problem), c.why);
}

static kb_audit_page *list(kb_store *s, const kb_audit_filter *f)
{
    kb_audit_page *p = NULL;
    kb_err err;
    CHECK_INT_EQ(kb_audit_list(s, f, &p, &err), KB_OK);
    return p;
}

static long long count(kb_store *s, const char *actor, const char *action, const char *object)
{
    kb_audit_filter f = { .actor = actor, .action = action, .object = object };
    kb_audit_page *p = list(s, &f);
    long long n = p ? p->total : -1;
    kb_audit_page_free(p);
    return n;
}

/* The newest entry's field: 0 action, 1 actor, 2 object, 3 summary (copied into out). */
static const char *newest(kb_store *s, int which, char *out, size_t size)
{
    kb_audit_filter f = { .limit = 1 };
    kb_audit_page *p = list(s, &f);
    out[0] = '\0';
    if (p && p->n) {
        const char *v[] = { p->items[0].action, p->items[0].actor, p->items[0].object,
                            p->items[0].summary };
        snprintf(out, size, "%s", v[which]);
    }
    kb_audit_page_free(p);
    return out;
}

static void test_hash(void)
{
    char h[KB_AUDIT_HASH_HEX];
    /* vectors computed independently (Python hashlib over the documented netstrings) */
    kb_audit_hash(1, 1700000000, "alice", "incident.create", "incident:INC-20260302-0001",
                  "status new; 打印机", "", h);
    CHECK_STR_EQ(h, "2f228c17544cbc8800ef35b762729c606263e09853c8a63735d68def7de810c8");
    char h2[KB_AUDIT_HASH_HEX];
    kb_audit_hash(2, -5, "", "x", "", "", h, h2);
    CHECK_STR_EQ(h2, "d181487e6ac168b26d5e0ceb74e2b498615d70f0c26a86d916510353a9a44e4f");
    /* the example of docs/API.md */
    kb_audit_hash(1, 1700000000, "desk", "incident.create", "incident:INC-20260302-0001",
                  "one", "", h);
    CHECK_STR_EQ(h, "525f6800ec237f9b7389eab308a14c8b8548f2659366466fc992d78821a77c74");
    /* length prefixes keep field boundaries apart */
    kb_audit_hash(1, 1, "ab", "c", "", "", "", h);
    kb_audit_hash(1, 1, "a", "bc", "", "", "", h2);
    CHECK(strcmp(h, h2) != 0);
    CHECK_STR_EQ(kb_audit_problem_name(KB_AUDIT_HASH_MISMATCH), "hash_mismatch");
    CHECK_STR_EQ(kb_audit_problem_name(KB_AUDIT_BROKEN_LINK), "broken_link");
    CHECK_STR_EQ(kb_audit_problem_name(KB_AUDIT_MISSING), "missing");
    CHECK_STR_EQ(kb_audit_problem_name(KB_AUDIT_UNEXPECTED), "unexpected");
    CHECK_STR_EQ(kb_audit_problem_name(KB_AUDIT_HEAD_MISMATCH), "head_mismatch");
}

static void test_append_verify_list(void)
{
    char path[256];
    db_path("basic", path, sizeof path);
    kb_store *s = open_db(path);
    if (!s)
        return;
    kb_audit_check c;
    kb_err err;
    CHECK_INT_EQ(kb_audit_verify(s, &c, &err), KB_OK);
    CHECK(c.ok);
    CHECK_INT_EQ(c.entries, 0);
    CHECK_INT_EQ(c.head_seq, 0);
    CHECK_STR_EQ(c.head_hash, "");

    CHECK_INT_EQ(kb_audit_append(s, 100, "desk", "incident.create", "incident:INC-1", "one",
                                 &err), KB_OK);
    CHECK_INT_EQ(kb_audit_append(s, 200, NULL, "usage.feedback", "kb:KE-1", NULL, &err),
                 KB_OK);
    CHECK_INT_EQ(kb_audit_append(s, 300, "", "incident.update", "incident:INC-2", "two",
                                 &err), KB_OK);
    CHECK_INT_EQ(kb_audit_append(s, 400, "desk", "", "x", "y", &err), KB_EINVAL);
    CHECK_INT_EQ(kb_audit_append(s, 400, "desk", NULL, "x", "y", &err), KB_EINVAL);
    /* long fields are cut at a character boundary */
    char longer[700];
    for (int i = 0; i < 230; i++)
        memcpy(longer + 2 * i, "é", 2); /* 2 bytes each */
    longer[460] = '\0';
    CHECK_INT_EQ(kb_audit_append(s, 400, longer, "kb.add", longer, longer, &err), KB_OK);

    CHECK_INT_EQ(kb_audit_verify(s, &c, &err), KB_OK);
    CHECK(c.ok);
    CHECK_INT_EQ(c.entries, 4);
    CHECK_INT_EQ(c.first_bad, 0);
    CHECK_INT_EQ(c.head_seq, 4);

    kb_audit_filter all = { 0 };
    kb_audit_page *p = list(s, &all);
    if (p && p->n == 4) {
        CHECK_INT_EQ(p->total, 4);
        CHECK_INT_EQ(p->items[0].seq, 4); /* newest first */
        CHECK_INT_EQ(p->items[3].seq, 1);
        CHECK_INT_EQ(strlen(p->items[0].actor), 200);
        CHECK_INT_EQ(strlen(p->items[0].summary), 460);
        CHECK_STR_EQ(p->items[1].actor, "anonymous");
        CHECK_STR_EQ(p->items[2].actor, "anonymous");
        CHECK_STR_EQ(p->items[2].summary, "");
        CHECK_STR_EQ(p->items[3].prev, "");
        char h[KB_AUDIT_HASH_HEX];
        kb_audit_hash(1, 100, "desk", "incident.create", "incident:INC-1", "one", "", h);
        CHECK_STR_EQ(p->items[3].hash, h);
        for (int i = 0; i < 3; i++)
            CHECK_STR_EQ(p->items[i].prev, p->items[i + 1].hash);
        CHECK_STR_EQ(c.head_hash, p->items[0].hash);
    } else {
        CHECK(0);
    }
    kb_audit_page_free(p);

    CHECK_INT_EQ(count(s, "desk", NULL, NULL), 1);
    CHECK_INT_EQ(count(s, "anonymous", NULL, NULL), 2);
    CHECK_INT_EQ(count(s, NULL, "incident.update", NULL), 1);
    CHECK_INT_EQ(count(s, NULL, NULL, "incident:"), 2);
    CHECK_INT_EQ(count(s, NULL, NULL, "incident:INC-2"), 1);
    CHECK_INT_EQ(count(s, NULL, NULL, "kb:"), 1);
    CHECK_INT_EQ(count(s, NULL, NULL, "%"), 0); /* no LIKE patterns */
    CHECK_INT_EQ(count(s, "nobody", NULL, NULL), 0);
    kb_audit_filter f = { .from = 200, .to = 400 };
    p = list(s, &f);
    CHECK(p && p->total == 2 && p->n == 2 && p->items[0].seq == 3 && p->items[1].seq == 2);
    kb_audit_page_free(p);
    f = (kb_audit_filter){ .limit = 2, .offset = 1 };
    p = list(s, &f);
    CHECK(p && p->total == 4 && p->n == 2 && p->items[0].seq == 3 && p->items[1].seq == 2);
    kb_audit_page_free(p);
    f = (kb_audit_filter){ .limit = 2, .offset = 10 };
    p = list(s, &f);
    CHECK(p && p->total == 4 && p->n == 0);
    kb_audit_page_free(p);
    f = (kb_audit_filter){ .limit = 1000 }; /* capped at KB_AUDIT_MAX_LIMIT */
    p = list(s, &f);
    CHECK(p && p->n == 4);
    kb_audit_page_free(p);

    /* A rolled-back transaction leaves no entry and the chain goes on after the last
     * committed one. */
    CHECK_INT_EQ(kb_store_begin(s, &err), KB_OK);
    CHECK_INT_EQ(kb_audit_append(s, 500, "desk", "incident.update", "incident:INC-3", "lost",
                                 &err), KB_OK);
    CHECK_INT_EQ(kb_audit_append(s, 500, "desk", "incident.update", "incident:INC-3", "lost",
                                 &err), KB_OK);
    kb_store_rollback(s);
    CHECK_INT_EQ(count(s, NULL, NULL, "incident:INC-3"), 0);
    CHECK_INT_EQ(kb_audit_append(s, 600, "desk", "incident.update", "incident:INC-4", "kept",
                                 &err), KB_OK);
    /* inside a committed transaction the entries join it */
    CHECK_INT_EQ(kb_store_begin(s, &err), KB_OK);
    CHECK_INT_EQ(kb_audit_append(s, 700, "desk", "a.b", "o", "in tx 1", &err), KB_OK);
    CHECK_INT_EQ(kb_audit_append(s, 700, "desk", "a.b", "o", "in tx 2", &err), KB_OK);
    CHECK_INT_EQ(kb_store_commit(s, &err), KB_OK);
    CHECK_INT_EQ(kb_audit_verify(s, &c, &err), KB_OK);
    CHECK(c.ok);
    CHECK_INT_EQ(c.entries, 7);
    CHECK_INT_EQ(c.head_seq, 7);
    kb_store_free(s);

    /* kedb itself cannot change or delete entries: the triggers refuse */
    sqlite3 *db = NULL;
    CHECK_INT_EQ(sqlite3_open(path, &db), SQLITE_OK);
    CHECK(sqlite3_exec(db, "UPDATE audit SET summary = 'x' WHERE seq = 1", NULL, NULL, NULL) !=
          SQLITE_OK);
    CHECK(sqlite3_exec(db, "DELETE FROM audit WHERE seq = 7", NULL, NULL, NULL) != SQLITE_OK);
    CHECK(sqlite3_exec(db, "DELETE FROM audit_head", NULL, NULL, NULL) != SQLITE_OK);
    sqlite3_close(db);
    verify(path, &c);
    CHECK(c.ok);
}

static void test_tampering(void)
{
    tampered("edit-summary", "UPDATE audit SET summary = 'entry 3, edited' WHERE seq = 3", 3,
             KB_AUDIT_HASH_MISMATCH);
    tampered("edit-actor", "UPDATE audit SET actor = 'someone' WHERE seq = 1", 1,
             KB_AUDIT_HASH_MISMATCH);
    tampered("edit-time", "UPDATE audit SET at = at + 1 WHERE seq = 5", 5,
             KB_AUDIT_HASH_MISMATCH);
    tampered("change-hash", "UPDATE audit SET hash = '" "0123456789abcdef0123456789abcdef"
             "0123456789abcdef0123456789abcdef' WHERE seq = 3", 3, KB_AUDIT_HASH_MISMATCH);
    tampered("change-prev", "UPDATE audit SET prev = '' WHERE seq = 4", 4,
             KB_AUDIT_BROKEN_LINK);
    tampered("delete-middle", "DELETE FROM audit WHERE seq = 3", 3, KB_AUDIT_MISSING);
    tampered("delete-two", "DELETE FROM audit WHERE seq IN (3, 4)", 3, KB_AUDIT_MISSING);
    tampered("delete-first", "DELETE FROM audit WHERE seq = 1", 1, KB_AUDIT_MISSING);
    tampered("delete-last", "DELETE FROM audit WHERE seq = 6", 6, KB_AUDIT_MISSING);
    tampered("delete-last-two", "DELETE FROM audit WHERE seq >= 5", 5, KB_AUDIT_MISSING);
    tampered("delete-all", "DELETE FROM audit", 1, KB_AUDIT_MISSING);
    tampered("delete-head", "DELETE FROM audit_head", 6, KB_AUDIT_HEAD_MISMATCH);
    tampered("head-hash-longer", "UPDATE audit_head SET hash = hash || '0'", 6,
             KB_AUDIT_HEAD_MISMATCH);
    tampered("reorder", "UPDATE audit SET seq = -2 WHERE seq = 2;"
             "UPDATE audit SET seq = 2 WHERE seq = 3; UPDATE audit SET seq = 3 WHERE seq = -2",
             2, KB_AUDIT_BROKEN_LINK);
    tampered("swap-contents",
             "CREATE TEMP TABLE t AS SELECT * FROM audit WHERE seq IN (4, 5);"
             "UPDATE audit SET summary = (SELECT summary FROM t WHERE seq = 5), "
             "object = (SELECT object FROM t WHERE seq = 5) WHERE seq = 4;"
             "UPDATE audit SET summary = (SELECT summary FROM t WHERE seq = 4), "
             "object = (SELECT object FROM t WHERE seq = 4) WHERE seq = 5;",
             4, KB_AUDIT_HASH_MISMATCH);
    tampered("extra-at-end", "INSERT INTO audit SELECT seq + 1, at, actor, action, object, "
             "summary, hash, hash FROM audit WHERE seq = 6", 7, KB_AUDIT_HASH_MISMATCH);
    tampered("extra-before", "INSERT INTO audit VALUES (0, 1, 'x', 'x', 'x', 'x', '', 'x')", 0,
             KB_AUDIT_UNEXPECTED);
    tampered("head-hash", "UPDATE audit_head SET hash = 'x'", 6, KB_AUDIT_HEAD_MISMATCH);

    /* Rewriting an entry with a correct hash of its own still breaks the next link. */
    char path[256];
    db_path("rehash", path, sizeof path);
    fill(path, 6);
    kb_store *s = open_db(path);
    kb_audit_filter f = { .object = "obj:3" };
    kb_audit_page *p = s ? list(s, &f) : NULL;
    kb_store_free(s);
    if (p && p->n == 1) {
        const kb_audit_entry *e = &p->items[0];
        char h[KB_AUDIT_HASH_HEX];
        kb_audit_hash(e->seq, e->at, e->actor, e->action, e->object, "forged", e->prev, h);
        char sql[256];
        snprintf(sql, sizeof sql, "UPDATE audit SET summary = 'forged', hash = '%s' "
                 "WHERE seq = 3", h);
        CHECK_INT_EQ(tamper(path, sql), SQLITE_OK);
        kb_audit_check c;
        verify(path, &c);
        CHECK(!c.ok);
        CHECK_INT_EQ(c.first_bad, 4);
        CHECK_INT_EQ(c.problem, KB_AUDIT_BROKEN_LINK);
    } else {
        CHECK(0);
    }
    kb_audit_page_free(p);

    /* An entry added at the end with a correct hash and link, but not through kedb: the
     * recorded latest entry tells. */
    db_path("forged-end", path, sizeof path);
    fill(path, 6);
    s = open_db(path);
    kb_audit_check c0;
    int opened = s != NULL;
    if (opened)
        CHECK_INT_EQ(kb_audit_verify(s, &c0, NULL), KB_OK);
    kb_store_free(s);
    if (opened) {
        char h[KB_AUDIT_HASH_HEX];
        kb_audit_hash(7, 2000, "intruder", "test.x", "o", "forged", c0.head_hash, h);
        char sql[512];
        snprintf(sql, sizeof sql, "INSERT INTO audit VALUES (7, 2000, 'intruder', 'test.x', "
                 "'o', 'forged', '%s', '%s')", c0.head_hash, h);
        CHECK_INT_EQ(tamper(path, sql), SQLITE_OK);
        kb_audit_check c;
        verify(path, &c);
        CHECK(!c.ok);
        CHECK_INT_EQ(c.first_bad, 7);
        CHECK_INT_EQ(c.problem, KB_AUDIT_UNEXPECTED);
        CHECK_INT_EQ(c.entries, 7);
    }

    /* After a deletion at the end, new entries go on from the recorded head: the gap
     * stays visible. */
    db_path("append-after", path, sizeof path);
    fill(path, 4);
    CHECK_INT_EQ(tamper(path, "DELETE FROM audit WHERE seq = 4"), SQLITE_OK);
    s = open_db(path);
    if (s) {
        CHECK_INT_EQ(kb_audit_append(s, 2000, "desk", "test.x", "o", "after", NULL), KB_OK);
        kb_audit_check c;
        CHECK_INT_EQ(kb_audit_verify(s, &c, NULL), KB_OK);
        CHECK(!c.ok);
        CHECK_INT_EQ(c.first_bad, 4);
        CHECK_INT_EQ(c.problem, KB_AUDIT_MISSING);
        CHECK_INT_EQ(c.entries, 4);
        kb_store_free(s);
    }

    /* A missing head refuses new entries rather than starting a second chain. */
    db_path("no-head", path, sizeof path);
    fill(path, 2);
    CHECK_INT_EQ(tamper(path, "DELETE FROM audit_head"), SQLITE_OK);
    s = open_db(path);
    if (s) {
        kb_err err;
        CHECK_INT_EQ(kb_audit_append(s, 3000, "desk", "test.x", "o", "x", &err), KB_EDB);
        kb_store_free(s);
    }

    /* A database without the audit tables */
    db_path("no-trail", path, sizeof path);
    fill(path, 1);
    CHECK_INT_EQ(tamper(path, "DROP TABLE audit; DROP TABLE audit_head"), SQLITE_OK);
    s = open_db(path);
    if (s) {
        kb_audit_check c;
        CHECK_INT_EQ(kb_audit_verify(s, &c, NULL), KB_ENOTFOUND);
        kb_store_free(s);
    }
}

/* --- concurrent appenders --- */

#define NTHREADS 4
#define PER_THREAD 50

typedef struct {
    kb_store *s;
    int id;
    int failures;
} worker;

static void *work(void *arg)
{
    worker *w = arg;
    char actor[32];
    snprintf(actor, sizeof actor, "thread-%d", w->id);
    for (int i = 0; i < PER_THREAD; i++) {
        char summary[32];
        snprintf(summary, sizeof summary, "%d", i);
        if (i % 5 == 0) {
            /* two entries in one transaction of the caller */
            kb_status rc = kb_store_begin(w->s, NULL);
            if (rc == KB_OK)
                rc = kb_audit_append(w->s, 5000 + i, actor, "test.pair", "t", summary, NULL);
            if (rc == KB_OK)
                rc = kb_audit_append(w->s, 5000 + i, actor, "test.pair", "t", summary, NULL);
            if (rc == KB_OK)
                rc = kb_store_commit(w->s, NULL);
            if (rc != KB_OK) {
                kb_store_rollback(w->s);
                w->failures++;
            }
        } else if (kb_audit_append(w->s, 5000 + i, actor, "test.one", "t", summary, NULL) !=
                   KB_OK) {
            w->failures++;
        }
    }
    return NULL;
}

static void append_n(const char *path, int from, int to, const char *summary)
{
    kb_store *s = open_db(path);
    if (!s)
        return;
    for (int i = from; i <= to; i++) {
        char object[32];
        snprintf(object, sizeof object, "obj:%d", i);
        CHECK_INT_EQ(kb_audit_append(s, 1000 + i, "a", "test.x", object, summary, NULL),
                     KB_OK);
    }
    kb_store_free(s);
}

/* The head saved beside the database catches what the chain alone cannot: an older copy
 * of the file put back in place (a restore by hand) or entries cut off at the end together
 * with the in-database record of the latest entry. */
static void test_saved_head(void)
{
    char path[256], old[256], head[300], keep[300];
    db_path("saved", path, sizeof path);
    snprintf(old, sizeof old, "%s/saved-old.db", fx.dir);
    snprintf(head, sizeof head, "%s%s", path, KB_AUDIT_HEAD_SUFFIX);
    snprintf(keep, sizeof keep, "%s/saved-head-2", fx.dir);
    fill(path, 2);
    struct stat st;
    CHECK(stat(head, &st) == 0); /* written after the commit */
    CHECK_INT_EQ(fixture_copy(head, keep), 0);
    kb_audit_check c;
    verify(path, &c);
    CHECK(c.ok);
    CHECK(c.saved);
    CHECK_INT_EQ(c.saved_seq, 2);
    CHECK_STR_EQ(c.saved_hash, c.head_hash);
    CHECK_INT_EQ(c.saved_at, 1002);
    CHECK_INT_EQ(fixture_copy(path, old), 0); /* the "backup": closed, so no -wal */
    append_n(path, 3, 6, "later");
    verify(path, &c);
    CHECK(c.ok);
    CHECK_INT_EQ(c.saved_seq, 6);

    /* A crash between a commit and the file update leaves the saved head behind: not an
     * alarm, and the next commit moves it on. */
    CHECK_INT_EQ(fixture_copy(keep, head), 0);
    verify(path, &c);
    CHECK(c.ok);
    CHECK_INT_EQ(c.saved_seq, 2);
    CHECK_INT_EQ(c.head_seq, 6);
    append_n(path, 7, 7, "later");
    verify(path, &c);
    CHECK(c.ok);
    CHECK_INT_EQ(c.saved_seq, 7);

    /* the older copy put back by hand: truncated, naming the saved entry */
    char saved7[KB_AUDIT_HASH_HEX];
    snprintf(saved7, sizeof saved7, "%s", c.saved_hash);
    CHECK_INT_EQ(fixture_copy(old, path), 0);
    verify(path, &c);
    CHECK(!c.ok);
    CHECK_INT_EQ(c.problem, KB_AUDIT_TRUNCATED);
    CHECK_INT_EQ(c.first_bad, 3);
    CHECK_INT_EQ(c.head_seq, 2);
    char want[256];
    snprintf(want, sizeof want, "truncated: the chain ends at 2, but entry 7 (hash %s) was "
             "recorded on 1970-01-01T00:16:47Z", saved7);
    CHECK_STR_EQ(c.why, want);
    CHECK_STR_EQ(kb_audit_problem_name(c.problem), "truncated");
    /* writing on does not move the saved head away from the entry the chain lost ... */
    append_n(path, 3, 9, "after the copy");
    verify(path, &c);
    CHECK(!c.ok);
    CHECK_INT_EQ(c.problem, KB_AUDIT_REPLACED);
    CHECK_INT_EQ(c.first_bad, 7);
    CHECK_INT_EQ(c.saved_seq, 7);
    CHECK_STR_EQ(c.saved_hash, saved7);
    CHECK(strstr(c.why, "replaced: entry 7 has hash") == c.why);
    /* ... until a restore resets it on purpose */
    kb_store *s = open_db(path);
    if (s) {
        kb_err err;
        CHECK_INT_EQ(kb_audit_head_reset(s, &err), KB_OK);
        CHECK_INT_EQ(kb_audit_verify(s, &c, &err), KB_OK);
        CHECK(c.ok);
        CHECK_INT_EQ(c.saved_seq, 9);
        kb_store_free(s);
    }

    /* cut at the end together with the in-database record of the latest entry */
    CHECK_INT_EQ(tamper(path, "DELETE FROM audit WHERE seq > 7;"
                        "UPDATE audit_head SET seq = 7, hash = (SELECT hash FROM audit "
                        "WHERE seq = 7)"), SQLITE_OK);
    verify(path, &c);
    CHECK(!c.ok);
    CHECK_INT_EQ(c.problem, KB_AUDIT_TRUNCATED);
    CHECK_INT_EQ(c.first_bad, 8);

    /* a saved head that is not one */
    FILE *f = fopen(head, "w");
    if (f) {
        fputs("kedb audit head 1\nseq 3\nat 1\nhash xyz\n", f);
        fclose(f);
    }
    verify(path, &c);
    CHECK(!c.ok);
    CHECK_INT_EQ(c.problem, KB_AUDIT_SAVED_INVALID);
    CHECK(strstr(c.why, "is not a kedb audit head") != NULL);
    CHECK_STR_EQ(kb_audit_problem_name(KB_AUDIT_SAVED_INVALID), "saved_head_invalid");
    /* without a saved head nothing is compared (a database from before this check) */
    CHECK_INT_EQ(unlink(head), 0);
    verify(path, &c);
    CHECK(c.ok);
    CHECK(!c.saved);

    /* A new database at the same path starts a new saved head. */
    CHECK_INT_EQ(fixture_copy(keep, head), 0);
    CHECK_INT_EQ(unlink(path), 0);
    append_n(path, 1, 1, "new");
    verify(path, &c);
    CHECK(c.ok);
    CHECK_INT_EQ(c.saved_seq, 1);
    unlink(old);
    unlink(keep);
}

static void test_threads(void)
{
    char path[256];
    db_path("threads", path, sizeof path);
    fill(path, 3);
    worker w[NTHREADS];
    pthread_t th[NTHREADS];
    for (int i = 0; i < NTHREADS; i++) {
        w[i].s = open_db(path);
        w[i].id = i;
        w[i].failures = 0;
    }
    for (int i = 0; i < NTHREADS; i++)
        if (w[i].s)
            CHECK_INT_EQ(pthread_create(&th[i], NULL, work, &w[i]), 0);
    for (int i = 0; i < NTHREADS; i++)
        if (w[i].s)
            pthread_join(th[i], NULL);
    int per = PER_THREAD + PER_THREAD / 5;
    for (int i = 0; i < NTHREADS; i++) {
        CHECK_INT_EQ(w[i].failures, 0);
        char actor[32];
        snprintf(actor, sizeof actor, "thread-%d", i);
        if (w[i].s)
            CHECK_INT_EQ(count(w[i].s, actor, NULL, NULL), per);
        kb_store_free(w[i].s);
    }
    kb_audit_check c;
    verify(path, &c);
    CHECK(c.ok);
    CHECK_INT_EQ(c.entries, 3 + NTHREADS * per);
    CHECK_INT_EQ(c.head_seq, 3 + NTHREADS * per);
}

/* --- what the areas record --- */

static void put_item(kb_store *s, const char *id)
{
    CHECK_INT_EQ(fixture_put(s, fixture_doc(id, "known_error", "published", "打印机卡纸")), KB_OK);
}

static void test_incidents(void)
{
    char path[256], v[512];
    db_path("incidents", path, sizeof path);
    kb_store *s = open_db(path);
    if (!s)
        return;
    put_item(s, "KE-1001");
    CHECK_INT_EQ(fixture_user(s, "zhang"), KB_OK); /* assignees are users */
    CHECK_INT_EQ(fixture_user(s, "li"), KB_OK);
    long long now = 1772438400; /* 2026-03-02T08:00:00Z */
    kb_inc_create in = { .caller_name = "王芳", .channel = "phone", .category = "printer",
                         .summary = "打印机脱机", .actor = "desk", .priority = 2 };
    kb_incident *inc = NULL;
    kb_err err;
    CHECK_INT_EQ(kb_incident_create(s, &in, now, &inc, &err), KB_OK);
    if (!inc) {
        kb_store_free(s);
        return;
    }
    char number[64], object[80];
    snprintf(number, sizeof number, "%s", inc->number);
    snprintf(object, sizeof object, "incident:%s", number);
    kb_incident_free(inc);
    CHECK_STR_EQ(newest(s, 0, v, sizeof v), "incident.create");
    CHECK_STR_EQ(newest(s, 1, v, sizeof v), "desk");
    CHECK_STR_EQ(newest(s, 2, v, sizeof v), object);
    CHECK_STR_EQ(newest(s, 3, v, sizeof v), "status new; priority P2; category printer; "
                 "channel phone; summary 打印机脱机");

    kb_inc_update u = { .actor = "lead", .assignee = "zhang" };
    CHECK_INT_EQ(kb_incident_update(s, number, &u, now + 60, NULL, &err), KB_OK);
    CHECK_STR_EQ(newest(s, 0, v, sizeof v), "incident.update");
    CHECK_STR_EQ(newest(s, 1, v, sizeof v), "lead");
    CHECK_STR_EQ(newest(s, 3, v, sizeof v), "status new→assigned; assignee (none)→zhang");
    u = (kb_inc_update){ .priority = 1, .note = "VIP" };
    CHECK_INT_EQ(kb_incident_update(s, number, &u, now + 120, NULL, &err), KB_OK);
    CHECK_STR_EQ(newest(s, 1, v, sizeof v), "anonymous");
    CHECK_STR_EQ(newest(s, 3, v, sizeof v), "priority P2→P1; note added");

    /* a refused change writes nothing, its audit entry neither */
    long long before = count(s, NULL, NULL, NULL);
    CHECK_INT_EQ(kb_incident_reopen(s, number, "x", NULL, "why", now + 130, NULL, &err), KB_EEXIST);
    kb_inc_followup early = { .confirmed = 1 };
    CHECK_INT_EQ(kb_incident_followup(s, number, &early, now + 130, NULL, &err), KB_EEXIST);
    CHECK_INT_EQ(count(s, NULL, NULL, NULL), before);

    /* a change rolled back by the caller takes its entry with it */
    CHECK_INT_EQ(kb_store_begin(s, &err), KB_OK);
    u = (kb_inc_update){ .actor = "lead", .assignee = "li" };
    CHECK_INT_EQ(kb_incident_update(s, number, &u, now + 140, NULL, &err), KB_OK);
    CHECK_INT_EQ(count(s, NULL, NULL, NULL), before + 1);
    kb_store_rollback(s);
    CHECK_INT_EQ(count(s, NULL, NULL, NULL), before);

    kb_inc_resolve r = { .actor = "zhang", .resolution = "cleared the jam",
                         .resolved_by = "KE-1001" };
    CHECK_INT_EQ(kb_incident_resolve(s, number, &r, now + 600, NULL, &err), KB_OK);
    CHECK_STR_EQ(newest(s, 0, v, sizeof v), "incident.resolve");
    CHECK_STR_EQ(newest(s, 3, v, sizeof v), "status assigned→resolved; resolved_by "
                 "(none)→KE-1001");
    kb_inc_followup fu = { .actor = "desk", .satisfaction = 5, .confirmed = 1 };
    CHECK_INT_EQ(kb_incident_followup(s, number, &fu, now + 900, NULL, &err), KB_OK);
    CHECK_STR_EQ(newest(s, 0, v, sizeof v), "incident.followup");
    CHECK_STR_EQ(newest(s, 3, v, sizeof v), "status resolved→closed; confirmed; "
                 "satisfaction 5");
    CHECK_INT_EQ(kb_incident_reopen(s, number, "desk", NULL, "offline again", now + 1000, NULL,
                                    &err), KB_OK);
    CHECK_STR_EQ(newest(s, 0, v, sizeof v), "incident.reopen");
    CHECK_STR_EQ(newest(s, 3, v, sizeof v), "status closed→in_progress");
    CHECK_INT_EQ(count(s, NULL, NULL, object), 6);

    /* feedback */
    CHECK_INT_EQ(kb_usage_feedback(s, "KE-1001", 1, NULL, now + 1100, &err), KB_OK);
    CHECK_STR_EQ(newest(s, 0, v, sizeof v), "usage.feedback");
    CHECK_STR_EQ(newest(s, 1, v, sizeof v), "anonymous");
    CHECK_STR_EQ(newest(s, 2, v, sizeof v), "kb:KE-1001");
    CHECK_STR_EQ(newest(s, 3, v, sizeof v), "helpful");
    CHECK_INT_EQ(kb_usage_feedback(s, "KE-1001", 0, "li.na", now + 1200, &err), KB_OK);
    CHECK_STR_EQ(newest(s, 1, v, sizeof v), "li.na");
    CHECK_STR_EQ(newest(s, 3, v, sizeof v), "not helpful");
    before = count(s, NULL, NULL, NULL);
    CHECK_INT_EQ(kb_usage_feedback(s, "KE-NONE", 1, NULL, now, &err), KB_ENOTFOUND);
    CHECK_INT_EQ(count(s, NULL, NULL, NULL), before);

    kb_audit_check c;
    CHECK_INT_EQ(kb_audit_verify(s, &c, &err), KB_OK);
    CHECK(c.ok);
    kb_store_free(s);
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    CHECK(f != NULL);
    if (f) {
        fputs(text, f);
        fclose(f);
    }
}

static void test_ingest(void)
{
    char path[256], kb[256], file[300], v[512];
    db_path("ingest", path, sizeof path);
    snprintf(kb, sizeof kb, "%s/kb", fx.dir);
    CHECK_INT_EQ(mkdir(kb, 0700), 0);
    snprintf(file, sizeof file, "%s/a.md", kb);
    write_file(file, "---\nid: KE-1\ntype: known_error\ntitle: 打印机卡纸\nversion: 1\n---\n"
                     "## 症状\n卡纸\n");
    snprintf(file, sizeof file, "%s/b.md", kb);
    write_file(file, "---\nid: ART-1\ntype: article\ntitle: VPN\n---\ntext\n");
    kb_store *s = open_db(path);
    if (!s)
        return;
    const char *dirs[] = { kb };
    kb_ingest_stats st;
    kb_err err;
    CHECK_INT_EQ(kb_ingest_run(s, dirs, 1, NULL, &st, &err), KB_OK);
    CHECK_INT_EQ(st.added, 2);
    CHECK_INT_EQ(count(s, "kedb-index", "kb.add", NULL), 2);
    CHECK_INT_EQ(count(s, "kedb-index", "kb.add", "kb:KE-1"), 1);
    kb_audit_filter f = { .object = "kb:KE-1" };
    kb_audit_page *p = list(s, &f);
    if (p && p->n == 1) {
        CHECK(strstr(p->items[0].summary, "known_error \"打印机卡纸\" (version 1") ==
              p->items[0].summary);
        CHECK(strstr(p->items[0].summary, "; file ") != NULL);
        CHECK(strstr(p->items[0].summary, "a.md; sha256 ") != NULL);
    } else {
        CHECK(0);
    }
    kb_audit_page_free(p);

    /* unchanged files write nothing; a changed one is an update, a gone one a removal */
    CHECK_INT_EQ(kb_ingest_run(s, dirs, 1, NULL, &st, &err), KB_OK);
    CHECK_INT_EQ(count(s, "kedb-index", NULL, NULL), 2);
    snprintf(file, sizeof file, "%s/a.md", kb);
    write_file(file, "---\nid: KE-1\ntype: known_error\ntitle: 打印机卡纸\nversion: 2\n---\n"
                     "## 症状\n卡纸了\n");
    snprintf(file, sizeof file, "%s/b.md", kb);
    CHECK_INT_EQ(unlink(file), 0);
    CHECK_INT_EQ(kb_ingest_run(s, dirs, 1, NULL, &st, &err), KB_OK);
    CHECK_INT_EQ(st.updated, 1);
    CHECK_INT_EQ(st.removed, 1);
    CHECK_INT_EQ(count(s, "kedb-index", "kb.update", "kb:KE-1"), 1);
    CHECK_INT_EQ(count(s, "kedb-index", "kb.remove", "kb:ART-1"), 1);
    CHECK_STR_EQ(newest(s, 0, v, sizeof v), "kb.remove");
    CHECK(strstr(newest(s, 3, v, sizeof v), "b.md is gone") != NULL);
    kb_audit_check c;
    CHECK_INT_EQ(kb_audit_verify(s, &c, &err), KB_OK);
    CHECK(c.ok);
    CHECK_INT_EQ(c.entries, 4);
    kb_store_free(s);
}

int main(void)
{
    if (fixture_open_dir(&fx, "audit") != 0)
        return CHECK_DONE("test_audit");
    test_hash();
    test_append_verify_list();
    test_tampering();
    test_saved_head();
    test_threads();
    test_incidents();
    test_ingest();
    fixture_close(&fx);
    return CHECK_DONE("test_audit");
}
