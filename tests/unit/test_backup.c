/* Backups on real temp files: a backup restores to the same items, verify catches a
 * changed file, retention keeps exactly what it should, a backup taken while another
 * thread writes is consistent and the writer loses nothing, failures leave no file. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "fixture.h"
#include "kb_audit.h"
#include "kb_backup.h"
#include "kb_doc.h"
#include "kb_search.h"
#include "kb_store.h"

#define T0 1773130500LL /* 2026-03-10 08:15:00 UTC */
#define DAY 86400LL
#define BASE_DOCS 40

static fixture fx; /* the directory and its kb.db */

/* A unique, letters-only word for item i, so that a search finds exactly that item. */
static void word_of(long long i, char *out, size_t size)
{
    char digits[24];
    snprintf(digits, sizeof digits, "%lld", i);
    size_t k = 0;
    k += (size_t)snprintf(out, size, "qzv");
    for (size_t j = 0; digits[j] && k + 1 < size; j++)
        out[k++] = (char)('k' + (digits[j] - '0'));
    out[k] = '\0';
}

/* Stores item id with its unique word and source_len bytes of (unindexed) source. */
static kb_status put(kb_store *s, const char *id, long long n, size_t source_len)
{
    char word[32], title[96];
    word_of(n, word, sizeof word);
    snprintf(title, sizeof title, "printer offline %s", word);
    kb_doc *d = fixture_doc(id, "known_error", "published", title);
    kb_doc_set(&d->symptom, "the printer shows offline", 25);
    char *src = malloc(source_len + 1);
    for (size_t i = 0; i < source_len; i++)
        src[i] = (char)('a' + (i * 7 + (size_t)n) % 26);
    src[source_len] = '\0';
    kb_doc_set(&d->source, src, source_len);
    free(src);
    return fixture_put(s, d);
}

/* Does a search for item n's word find item id? */
static int findable(kb_store *s, const char *id, long long n)
{
    char word[32];
    word_of(n, word, sizeof word);
    kb_search_opts o = { .q = word, .limit = 5 };
    kb_search_result *r = NULL;
    int found = 0;
    if (kb_search_run(s, &o, &r, NULL) == KB_OK)
        for (size_t i = 0; i < r->nhits; i++)
            found |= strcmp(r->hits[i].id, id) == 0;
    kb_search_result_free(r);
    return found;
}

static int exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

static long long file_size(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (long long)st.st_size : -1;
}

/* Number of entries in dir other than . and .. (-1 when it cannot be read). */
static int count_files(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return -1;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
            n++;
    closedir(d);
    return n;
}

/* Number of entries in dir whose names start with prefix. */
static int count_prefixed(const char *dir, const char *prefix)
{
    DIR *d = opendir(dir);
    if (!d)
        return -1;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        n += strncmp(e->d_name, prefix, strlen(prefix)) == 0;
    closedir(d);
    return n;
}

static void path_in(char *out, size_t size, const char *dir, const char *name)
{
    snprintf(out, size, "%s/%s", dir, name);
}

static int get_byte(const char *path, long long off)
{
    int fd = open(path, O_RDONLY);
    unsigned char c = 0;
    int ok = fd >= 0 && pread(fd, &c, 1, off) == 1;
    if (fd >= 0)
        close(fd);
    return ok ? c : -1;
}

static int set_byte(const char *path, long long off, int value)
{
    int fd = open(path, O_WRONLY);
    unsigned char c = (unsigned char)value;
    int ok = fd >= 0 && pwrite(fd, &c, 1, off) == 1;
    if (fd >= 0)
        close(fd);
    return ok ? 0 : -1;
}

/* Opens a restored copy of the backup at path and checks it against the expected items. */
static void restore_check(const char *path, long long want_docs, const char *want_digest)
{
    char copy[256];
    snprintf(copy, sizeof copy, "%s/restored.db", fx.dir);
    unlink(copy);
    CHECK_INT_EQ(fixture_copy(path, copy), 0);
    kb_store *r = NULL;
    kb_err err;
    CHECK_INT_EQ(kb_store_open(copy, 0, &r, &err), KB_OK);
    if (!r)
        return;
    CHECK_INT_EQ(kb_store_check(r, &err), KB_OK);
    long long n = -1;
    CHECK_INT_EQ(kb_store_doc_count(r, NULL, &n, &err), KB_OK);
    CHECK_INT_EQ(n, want_docs);
    char digest[KB_BACKUP_HASH_HEX];
    CHECK_INT_EQ(kb_backup_digest(r, &n, digest, &err), KB_OK);
    CHECK_INT_EQ(n, want_docs);
    if (want_digest)
        CHECK_STR_EQ(digest, want_digest);
    CHECK(findable(r, "KE-0007", 7));
    kb_store_free(r);
    char side[300];
    snprintf(side, sizeof side, "%s-wal", copy);
    unlink(side);
    snprintf(side, sizeof side, "%s-shm", copy);
    unlink(side);
    unlink(copy);
}

static void basics(kb_store *s, const char *dir)
{
    kb_err err;
    kb_backup *v = NULL;
    size_t n = 99;
    CHECK_INT_EQ(kb_backup_list(s, 0, &v, &n, &err), KB_OK);
    CHECK_INT_EQ(n, 0);
    free(v);

    long long live_docs = 0;
    char live_digest[KB_BACKUP_HASH_HEX];
    CHECK_INT_EQ(kb_backup_digest(s, &live_docs, live_digest, &err), KB_OK);
    CHECK_INT_EQ(live_docs, BASE_DOCS);
    CHECK_INT_EQ(strlen(live_digest), 64);

    kb_backup b;
    CHECK_INT_EQ(kb_backup_create(s, dir, T0, "ops", NULL, &b, &err), KB_OK);
    CHECK_INT_EQ(b.id, 1);
    CHECK_INT_EQ(b.at, T0);
    CHECK_STR_EQ(b.file, "kedb-20260310-081500-000.db");
    CHECK_STR_EQ(b.actor, "ops");
    CHECK_STR_EQ(b.status, "ok");
    CHECK_INT_EQ(b.docs, BASE_DOCS);
    CHECK_INT_EQ(strlen(b.sha256), 64);
    CHECK_INT_EQ(b.verified_at, 0);
    CHECK_STR_EQ(b.verify_result, "");
    struct stat st;
    CHECK(stat(dir, &st) == 0 && S_ISDIR(st.st_mode) && (st.st_mode & 0777) == 0700);
    char path[256];
    path_in(path, sizeof path, dir, b.file);
    CHECK(stat(path, &st) == 0 && (st.st_mode & 0077) == 0);
    CHECK_INT_EQ(file_size(path), b.size);
    /* one self-contained file in rollback-journal mode, nothing else left in the dir */
    CHECK_INT_EQ(count_files(dir), 1);
    CHECK_INT_EQ(get_byte(path, 18), 1);
    CHECK_INT_EQ(get_byte(path, 19), 1);

    /* the restore check: the same items, byte for byte, and a consistent index */
    restore_check(path, BASE_DOCS, live_digest);
    kb_backup_check c;
    kb_backup e;
    CHECK_INT_EQ(kb_backup_verify(s, dir, b.id, T0 + 60, &c, &e, &err), KB_OK);
    CHECK(c.ok && c.readable && c.checksum_ok && c.integrity_ok && c.kedb_ok);
    CHECK_STR_EQ(c.result, "ok");
    CHECK_STR_EQ(c.sha256, b.sha256);
    CHECK_INT_EQ(c.size, b.size);
    CHECK_INT_EQ(c.docs, BASE_DOCS);
    CHECK_STR_EQ(c.doc_digest, live_digest);
    CHECK(c.schema_version >= 6);
    CHECK_INT_EQ(e.verified_at, T0 + 60);
    CHECK_STR_EQ(e.verify_result, "ok");
    /* verifying never changes the file */
    CHECK_INT_EQ(count_files(dir), 1);
    CHECK_INT_EQ(kb_backup_check_file(s, path, b.sha256, BASE_DOCS, &c, &err), KB_OK);
    CHECK(c.ok);

    /* names never repeat: the same second gives -001, a stray file is stepped over and
     * never touched */
    kb_backup b2, b3;
    CHECK_INT_EQ(kb_backup_create(s, dir, T0, NULL, NULL, &b2, &err), KB_OK);
    CHECK_STR_EQ(b2.file, "kedb-20260310-081500-001.db");
    CHECK_STR_EQ(b2.actor, "");
    char stray[256];
    path_in(stray, sizeof stray, dir, "kedb-20260310-081500-002.db");
    FILE *f = fopen(stray, "w");
    CHECK(f != NULL);
    if (f) {
        fputs("not mine\n", f);
        fclose(f);
    }
    CHECK_INT_EQ(kb_backup_create(s, dir, T0, "cron", "张三", &b3, &err), KB_OK);
    CHECK_STR_EQ(b3.file, "kedb-20260310-081500-003.db");
    CHECK_STR_EQ(b3.actor, "cron");
    CHECK_STR_EQ(b3.on_behalf_of, "张三");
    CHECK_INT_EQ(file_size(stray), 9);
    CHECK_INT_EQ(b3.id, 3);

    kb_backup g;
    CHECK_INT_EQ(kb_backup_get_file(s, b2.file, &g, &err), KB_OK);
    CHECK_INT_EQ(g.id, 2);
    CHECK_STR_EQ(g.on_behalf_of, "");
    CHECK_INT_EQ(kb_backup_get_file(s, b3.file, &g, &err), KB_OK);
    CHECK_STR_EQ(g.actor, "cron");
    CHECK_STR_EQ(g.on_behalf_of, "张三");
    CHECK_INT_EQ(kb_backup_get(s, 77, &g, &err), KB_ENOTFOUND);
    CHECK_INT_EQ(kb_backup_get_file(s, "nope.db", &g, &err), KB_ENOTFOUND);
    CHECK_INT_EQ(kb_backup_list(s, 0, &v, &n, &err), KB_OK);
    CHECK_INT_EQ(n, 3);
    if (n == 3) {
        CHECK_INT_EQ(v[0].id, 3); /* newest first */
        CHECK_INT_EQ(v[2].id, 1);
        CHECK_STR_EQ(v[2].verify_result, "ok");
    }
    free(v);
    CHECK_INT_EQ(kb_backup_list(s, 2, &v, &n, &err), KB_OK);
    CHECK_INT_EQ(n, 2);
    free(v);

    /* bad input */
    char actor[KB_BACKUP_MAX_ACTOR + 2];
    memset(actor, 'a', sizeof actor - 1);
    actor[sizeof actor - 1] = '\0';
    CHECK_INT_EQ(kb_backup_create(s, dir, T0, actor, NULL, &g, &err), KB_EINVAL);
    CHECK_INT_EQ(kb_backup_create(s, dir, T0, "ops", actor, &g, &err), KB_EINVAL);
    CHECK_INT_EQ(kb_backup_create(s, "", T0, "ops", NULL, &g, &err), KB_EINVAL);
    CHECK_INT_EQ(kb_backup_create(s, dir, -1, "ops", NULL, &g, &err), KB_EINVAL);
    CHECK_INT_EQ(kb_backup_create(s, dir, 253402300800LL, "ops", NULL, &g, &err), KB_EINVAL);
    CHECK_INT_EQ(kb_store_begin(s, &err), KB_OK);
    CHECK_INT_EQ(kb_backup_create(s, dir, T0, "ops", NULL, &g, &err), KB_EINVAL);
    kb_store_rollback(s);
    CHECK_INT_EQ(kb_backup_verify(s, dir, 77, T0, &c, NULL, &err), KB_ENOTFOUND);
    CHECK_INT_EQ(count_files(dir), 4);
}

static void verify_detects(kb_store *s, const char *dir)
{
    kb_err err;
    kb_backup_check c;
    kb_backup e;
    kb_backup b;
    CHECK_INT_EQ(kb_backup_get(s, 2, &b, &err), KB_OK);
    char path[256];
    path_in(path, sizeof path, dir, b.file);

    /* one changed byte in the middle of the file */
    long long off = b.size / 2 + 100;
    int old = get_byte(path, off);
    CHECK(old >= 0);
    CHECK_INT_EQ(set_byte(path, off, old ^ 0x01), 0);
    CHECK_INT_EQ(kb_backup_verify(s, dir, 2, T0 + 120, &c, &e, &err), KB_OK);
    CHECK(!c.ok);
    CHECK(c.readable);
    CHECK(!c.checksum_ok);
    CHECK(strstr(c.result, "checksum mismatch") != NULL);
    CHECK(strcmp(c.sha256, b.sha256) != 0);
    CHECK_INT_EQ(e.verified_at, T0 + 120);
    CHECK_STR_EQ(e.verify_result, c.result);
    CHECK_INT_EQ(set_byte(path, off, old), 0);
    CHECK_INT_EQ(kb_backup_verify(s, dir, 2, T0 + 130, &c, &e, &err), KB_OK);
    CHECK(c.ok);
    CHECK_STR_EQ(e.verify_result, "ok");

    /* a checksum that does not match (as if the log or the file had changed) */
    char wrong[KB_BACKUP_HASH_HEX];
    snprintf(wrong, sizeof wrong, "%s", b.sha256);
    wrong[0] = wrong[0] == '0' ? '1' : '0';
    CHECK_INT_EQ(kb_backup_check_file(s, path, wrong, -1, &c, &err), KB_OK);
    CHECK(!c.ok && !c.checksum_ok && c.integrity_ok && c.kedb_ok);
    CHECK(strstr(c.result, "checksum mismatch") != NULL);
    /* an item count other than the log's */
    CHECK_INT_EQ(kb_backup_check_file(s, path, b.sha256, BASE_DOCS + 1, &c, &err), KB_OK);
    CHECK(!c.ok && c.checksum_ok && !c.kedb_ok);

    /* a broken B-tree page is caught by the integrity check itself */
    char bad[256];
    snprintf(bad, sizeof bad, "%s/broken.db", fx.dir);
    CHECK_INT_EQ(fixture_copy(path, bad), 0);
    long long page = 4096;
    int t = get_byte(bad, 16) * 256 + get_byte(bad, 17);
    if (t >= 512)
        page = t;
    /* page 2 onwards: find a b-tree page and give it an impossible type */
    int broke = 0;
    for (long long p = 1; p < b.size / page && !broke; p++) {
        int kind = get_byte(bad, p * page);
        if (kind == 0x0d || kind == 0x05 || kind == 0x0a || kind == 0x02) {
            CHECK_INT_EQ(set_byte(bad, p * page, 0x33), 0);
            broke = 1;
        }
    }
    CHECK(broke);
    CHECK_INT_EQ(kb_backup_check_file(s, bad, NULL, -1, &c, &err), KB_OK);
    CHECK(!c.ok && c.readable && c.checksum_ok && !c.integrity_ok);
    CHECK(strstr(c.result, "integrity") != NULL || strstr(c.result, "unreadable") != NULL);
    unlink(bad);

    /* a SQLite file that is not a kedb database, random bytes, a missing file */
    CHECK_INT_EQ(fixture_copy(path, bad), 0);
    CHECK_INT_EQ(set_byte(bad, 60, 0), 0); /* user_version 0 */
    CHECK_INT_EQ(set_byte(bad, 61, 0), 0);
    CHECK_INT_EQ(set_byte(bad, 62, 0), 0);
    CHECK_INT_EQ(set_byte(bad, 63, 0), 0);
    CHECK_INT_EQ(kb_backup_check_file(s, bad, NULL, -1, &c, &err), KB_OK);
    CHECK(!c.ok && c.integrity_ok && !c.kedb_ok);
    CHECK_INT_EQ(c.schema_version, 0);
    CHECK(strstr(c.result, "not a kedb database") != NULL);
    FILE *f = fopen(bad, "w");
    if (f) {
        fputs("hello, this is not a database at all, just text\n", f);
        fclose(f);
    }
    CHECK_INT_EQ(kb_backup_check_file(s, bad, NULL, -1, &c, &err), KB_OK);
    CHECK(!c.ok && c.readable && !c.integrity_ok && !c.kedb_ok);
    unlink(bad);
    CHECK_INT_EQ(kb_backup_check_file(s, bad, NULL, -1, &c, &err), KB_OK);
    CHECK(!c.ok && !c.readable);
    CHECK(strstr(c.result, "No such file") != NULL);
    /* the check opens read-only: no journal, -wal or -shm files appear next to a copy */
    CHECK(!exists(bad));
    CHECK_INT_EQ(count_files(dir), 4);
}

/* The audit entries of action on object (NULL: any); the newest one's actor and summary
 * go to actor and summary when given. */
static long long audited(kb_store *s, const char *action, const char *object, char *actor,
                         char *summary, size_t size)
{
    kb_audit_filter f = { .action = action, .object = object, .limit = 1 };
    kb_audit_page *p = NULL;
    kb_err err;
    CHECK_INT_EQ(kb_audit_list(s, &f, &p, &err), KB_OK);
    long long n = p ? p->total : -1;
    if (p && p->n && actor)
        snprintf(actor, size, "%s", p->items[0].actor);
    if (p && p->n && summary)
        snprintf(summary, size, "%s", p->items[0].summary);
    kb_audit_page_free(p);
    return n;
}

/* Expects exactly the ids in want (0-terminated) to be kept, and the others pruned. */
static void check_kept(kb_store *s, const char *dir, const long long *want)
{
    kb_backup *v = NULL;
    size_t n = 0;
    kb_err err;
    CHECK_INT_EQ(kb_backup_list(s, 0, &v, &n, &err), KB_OK);
    for (size_t i = 0; i < n; i++) {
        int keep = 0;
        for (const long long *w = want; *w; w++)
            keep |= *w == v[i].id;
        char path[256];
        path_in(path, sizeof path, dir, v[i].file);
        if (keep) {
            CHECK_STR_EQ(v[i].status, "ok");
            CHECK(exists(path));
        } else {
            CHECK_STR_EQ(v[i].status, "pruned");
            CHECK(!exists(path));
            CHECK(v[i].pruned_at > 0);
        }
    }
    free(v);
}

static void retention(kb_store *s, const char *dir)
{
    kb_err err;
    kb_backup b;
    /* ids 1-3 exist at T0; add 4..9 at T0 - 1..6 days (older), then 10 at T0 + 1 h */
    for (int d = 1; d <= 6; d++)
        CHECK_INT_EQ(kb_backup_create(s, dir, T0 - d * DAY, "cron", NULL, &b, &err), KB_OK);
    CHECK_INT_EQ(kb_backup_create(s, dir, T0 + 3600, "cron", NULL, &b, &err), KB_OK);
    CHECK_INT_EQ(b.id, 10);
    char stray[256];
    path_in(stray, sizeof stray, dir, "kedb-20260310-081500-002.db");

    kb_backup *p = NULL;
    size_t n = 9;
    CHECK_INT_EQ(kb_backup_prune(s, dir, 0, 0, "cron", T0, &p, &n, &err), KB_EINVAL);
    CHECK_INT_EQ(n, 0);
    CHECK_INT_EQ(kb_backup_prune(s, dir, 1, -1, "cron", T0, &p, &n, &err), KB_EINVAL);
    CHECK_INT_EQ(kb_backup_prune(s, dir, 1, KB_BACKUP_MAX_DAYS + 1, "cron", T0, &p, &n, &err),
                 KB_EINVAL);
    CHECK(p == NULL);

    /* at T0, keep the newest 6 or anything from the last 4 days: 10, 3, 2, 1, 4 (-1 d)
     * and 5 (-2 d) by count; 6 (-3 d) and 7 (-4 d, exactly at the limit) by age */
    CHECK_INT_EQ(kb_backup_prune(s, dir, 6, 4, "cron", T0, &p, &n, &err), KB_OK);
    CHECK_INT_EQ(n, 2);
    if (n == 2) {
        CHECK_INT_EQ(p[0].id, 8); /* newest first */
        CHECK_INT_EQ(p[1].id, 9);
        CHECK_STR_EQ(p[0].status, "pruned");
        CHECK_INT_EQ(p[0].pruned_at, T0);
    }
    free(p);
    const long long keep1[] = { 1, 2, 3, 4, 5, 6, 7, 10, 0 };
    check_kept(s, dir, keep1);
    /* every backup made and every one pruned is in the audit trail, with who and why */
    char who[128], what[256];
    CHECK_INT_EQ(audited(s, "backup.create", NULL, NULL, NULL, 0), 10);
    CHECK_INT_EQ(audited(s, "backup.create", "backup:10", who, what, sizeof what), 1);
    CHECK_STR_EQ(who, "cron");
    CHECK(strstr(what, "file kedb-20260310-091500-000.db; ") == what);
    CHECK(strstr(what, " items; sha256 ") != NULL);
    CHECK_INT_EQ(audited(s, "backup.prune", NULL, NULL, NULL, 0), 2);
    CHECK_INT_EQ(audited(s, "backup.prune", "backup:8", who, what, sizeof what), 1);
    CHECK_STR_EQ(who, "cron");
    CHECK(strstr(what, "deleted; retention keep_last 6, keep_days 4") != NULL);
    /* pruning again with the same rule changes nothing */
    CHECK_INT_EQ(kb_backup_prune(s, dir, 6, 4, "cron", T0, &p, &n, &err), KB_OK);
    CHECK_INT_EQ(n, 0);
    CHECK(p == NULL);

    /* a file already gone is marked pruned too; keep_days 0 = by count only */
    kb_backup gone;
    CHECK_INT_EQ(kb_backup_get(s, 7, &gone, &err), KB_OK);
    char path[256];
    path_in(path, sizeof path, dir, gone.file);
    CHECK_INT_EQ(unlink(path), 0);
    CHECK_INT_EQ(kb_backup_prune(s, dir, 3, 0, "cron", T0 + 3600, &p, &n, &err), KB_OK);
    CHECK_INT_EQ(n, 5); /* 1, 4, 5, 6 and 7 */
    free(p);
    const long long keep2[] = { 10, 3, 2, 0 };
    check_kept(s, dir, keep2);

    /* never the newest, even when everything is old */
    CHECK_INT_EQ(kb_backup_prune(s, dir, 1, 1, "cron", T0 + 400 * DAY, &p, &n, &err), KB_OK);
    CHECK_INT_EQ(n, 2);
    free(p);
    const long long keep3[] = { 10, 0 };
    check_kept(s, dir, keep3);
    /* the stray file that the log never named is still there */
    CHECK_INT_EQ(file_size(stray), 9);
    CHECK_INT_EQ(count_files(dir), 2);

    /* temporary files a killed backup left behind go once an hour old; a fresh one (a
     * backup still running), other names and directories stay */
    const char *tmps[] = { ".kedb-backup-Ab3xYz", ".kedb-backup-q1w2e3", ".kedb-backup-long1234",
                           ".kedb-backup-a.c-de", "kedb-backup-Ab3xYz" };
    char tp[256];
    for (size_t i = 0; i < sizeof tmps / sizeof tmps[0]; i++) {
        path_in(tp, sizeof tp, dir, tmps[i]);
        FILE *f = fopen(tp, "w");
        CHECK(f != NULL);
        if (f)
            fclose(f);
        struct timespec then[2] = { { time(NULL) - 7200, 0 }, { time(NULL) - 7200, 0 } };
        if (i != 1)
            CHECK_INT_EQ(utimensat(AT_FDCWD, tp, then, 0), 0);
    }
    path_in(tp, sizeof tp, dir, ".kedb-backup-D1r000");
    CHECK_INT_EQ(mkdir(tp, 0700), 0);
    struct timespec old[2] = { { time(NULL) - 7200, 0 }, { time(NULL) - 7200, 0 } };
    CHECK_INT_EQ(utimensat(AT_FDCWD, tp, old, 0), 0);
    CHECK_INT_EQ(kb_backup_prune(s, dir, 1, 1, "cron", T0 + 400 * DAY, &p, &n, &err), KB_OK);
    CHECK_INT_EQ(n, 0);
    path_in(tp, sizeof tp, dir, tmps[0]);
    CHECK_INT_EQ(access(tp, F_OK), -1); /* stale: gone */
    CHECK_INT_EQ(count_files(dir), 2 + 4 + 1);
    for (size_t i = 1; i < sizeof tmps / sizeof tmps[0]; i++) {
        path_in(tp, sizeof tp, dir, tmps[i]);
        CHECK_INT_EQ(unlink(tp), 0);
    }
    path_in(tp, sizeof tp, dir, ".kedb-backup-D1r000");
    CHECK_INT_EQ(rmdir(tp), 0);

    /* a pruned backup cannot be verified */
    kb_backup_check c;
    CHECK_INT_EQ(kb_backup_verify(s, dir, 1, T0, &c, NULL, &err), KB_ENOTFOUND);
    CHECK(strstr(err.msg, "pruned") != NULL);
    /* the verify of the newest still works */
    CHECK_INT_EQ(kb_backup_verify(s, dir, 10, T0 + 7200, &c, NULL, &err), KB_OK);
    CHECK(c.ok);
    /* a name that the pruned log still holds is not used again */
    CHECK_INT_EQ(kb_backup_create(s, dir, T0 - DAY, "cron", NULL, &b, &err), KB_OK);
    CHECK_STR_EQ(b.file, "kedb-20260309-081500-001.db");
}

/* Directories that cannot be written, and a disk that fills up half-way: a clear KB_EIO,
 * nothing logged and no file left behind. */
static void failures(kb_store *s)
{
    kb_err err;
    kb_backup b;
    kb_backup *v = NULL;
    size_t before = 0, after = 0;
    CHECK_INT_EQ(kb_backup_list(s, 0, &v, &before, &err), KB_OK);
    free(v);

    char file[128], sub[160];
    snprintf(file, sizeof file, "%s/plainfile", fx.dir);
    FILE *f = fopen(file, "w");
    if (f)
        fclose(f);
    CHECK_INT_EQ(kb_backup_create(s, file, T0, "ops", NULL, &b, &err), KB_EIO);
    CHECK(strstr(err.msg, "not a directory") != NULL);
    snprintf(sub, sizeof sub, "%s/sub", file);
    CHECK_INT_EQ(kb_backup_create(s, sub, T0, "ops", NULL, &b, &err), KB_EIO);
    CHECK(strstr(err.msg, "cannot create backup directory") != NULL);
    snprintf(sub, sizeof sub, "%s/no/such/parent", fx.dir);
    CHECK_INT_EQ(kb_backup_create(s, sub, T0, "ops", NULL, &b, &err), KB_EIO);
    CHECK_INT_EQ(b.id, 0);

    /* the file size limit stands in for a full disk: the copy fails after its first
     * pages are written */
    char full[128];
    snprintf(full, sizeof full, "%s/full", fx.dir);
    struct rlimit old, small;
    CHECK_INT_EQ(getrlimit(RLIMIT_FSIZE, &old), 0);
    small = old;
    small.rlim_cur = 16384;
    signal(SIGXFSZ, SIG_IGN);
    CHECK_INT_EQ(setrlimit(RLIMIT_FSIZE, &small), 0);
    kb_status rc = kb_backup_create(s, full, T0, "ops", NULL, &b, &err);
    CHECK_INT_EQ(setrlimit(RLIMIT_FSIZE, &old), 0);
    signal(SIGXFSZ, SIG_DFL);
    CHECK_INT_EQ(rc, KB_EIO);
    CHECK(strstr(err.msg, "cannot write backup") != NULL);
    CHECK_INT_EQ(count_files(full), 0);

    CHECK_INT_EQ(kb_backup_list(s, 0, &v, &after, &err), KB_OK);
    free(v);
    CHECK_INT_EQ(after, before);
    /* and the same directory works once there is room */
    CHECK_INT_EQ(kb_backup_create(s, full, T0, "ops", NULL, &b, &err), KB_OK);
    CHECK_INT_EQ(count_files(full), 1);
}

/* --- a backup while another connection writes --- */

struct writer {
    char path[256];
    atomic_int stop;
    atomic_llong written; /* items committed: W-0 .. W-(written-1) */
    atomic_int failures;
};

static void *write_loop(void *p)
{
    struct writer *w = p;
    kb_store *s = NULL;
    if (kb_store_open(w->path, 0, &s, NULL) != KB_OK) {
        atomic_store(&w->failures, 1);
        return NULL;
    }
    for (long long i = 0; !atomic_load(&w->stop) && i < 100000; i++) {
        char id[32];
        snprintf(id, sizeof id, "W-%05lld", i);
        if (put(s, id, 100000 + i, 2000) != KB_OK) {
            atomic_store(&w->failures, 1);
            break;
        }
        atomic_store(&w->written, i + 1);
        /* a pause between commits, as between a server's requests: a writer that takes the
         * lock again at once starves the backup's own write (its log entry), whose busy
         * handler only polls; under valgrind it waited past the 10 s busy timeout */
        usleep(2000);
    }
    kb_store_free(s);
    return NULL;
}

static long long written_items(kb_store *s)
{
    long long n = 0;
    char id[32];
    for (;;) {
        snprintf(id, sizeof id, "W-%05lld", n);
        kb_doc *d = NULL;
        if (kb_store_doc_get(s, id, &d, NULL) != KB_OK)
            break;
        kb_doc_free(d);
        n++;
    }
    return n;
}

static void concurrent(const char *db)
{
    kb_err err;
    char dir[128];
    snprintf(dir, sizeof dir, "%s/concurrent", fx.dir);
    kb_store *s = NULL;
    CHECK_INT_EQ(kb_store_open(db, 0, &s, &err), KB_OK);
    if (!s)
        return;
    long long base = 0;
    CHECK_INT_EQ(kb_store_doc_count(s, NULL, &base, &err), KB_OK);

    struct writer w;
    memset(&w, 0, sizeof w);
    snprintf(w.path, sizeof w.path, "%s", db);
    atomic_init(&w.stop, 0);
    atomic_init(&w.written, 0);
    atomic_init(&w.failures, 0);
    pthread_t th;
    CHECK_INT_EQ(pthread_create(&th, NULL, write_loop, &w), 0);
    while (atomic_load(&w.written) < 20 && !atomic_load(&w.failures))
        usleep(1000);

    enum { NB = 4 };
    kb_backup b[NB];
    int overlapped = 0;
    for (int i = 0; i < NB; i++) {
        long long w0 = atomic_load(&w.written);
        CHECK_INT_EQ(kb_backup_create(s, dir, T0 + i, "test", NULL, &b[i], &err), KB_OK);
        long long w1 = atomic_load(&w.written);
        overlapped += w1 > w0;
        usleep(20000);
    }
    atomic_store(&w.stop, 1);
    pthread_join(th, NULL);
    CHECK_INT_EQ(atomic_load(&w.failures), 0);
    CHECK(overlapped > 0);

    /* the writer lost nothing */
    long long total = 0;
    long long written = atomic_load(&w.written);
    CHECK_INT_EQ(kb_store_doc_count(s, NULL, &total, &err), KB_OK);
    CHECK_INT_EQ(total, base + written);
    CHECK_INT_EQ(written_items(s), written);

    for (int i = 0; i < NB; i++) {
        kb_backup_check c;
        CHECK_INT_EQ(kb_backup_verify(s, dir, b[i].id, T0 + 100, &c, NULL, &err), KB_OK);
        CHECK(c.ok);
        CHECK(b[i].docs >= base && b[i].docs <= base + written);
        if (i > 0)
            CHECK(b[i].docs >= b[i - 1].docs);
        /* a restored copy: integrity and index consistency, and its items are exactly the
         * first k the writer committed (a state that existed at one moment) */
        char path[256], copy[256];
        path_in(path, sizeof path, dir, b[i].file);
        snprintf(copy, sizeof copy, "%s/restored-%d.db", fx.dir, i);
        CHECK_INT_EQ(fixture_copy(path, copy), 0);
        kb_store *r = NULL;
        CHECK_INT_EQ(kb_store_open(copy, 0, &r, &err), KB_OK);
        if (!r)
            continue;
        CHECK_INT_EQ(kb_store_check(r, &err), KB_OK);
        long long n = 0;
        CHECK_INT_EQ(kb_store_doc_count(r, NULL, &n, &err), KB_OK);
        CHECK_INT_EQ(n, b[i].docs);
        long long k = written_items(r);
        CHECK_INT_EQ(n, base + k);
        if (k > 0) {
            char id[32];
            snprintf(id, sizeof id, "W-%05lld", k - 1);
            CHECK(findable(r, id, 100000 + k - 1));
        }
        kb_store_free(r);
    }
    kb_store_free(s);
}

/* Restore: the backup is checked first, the replaced file is kept, the restored trail
 * names what it dropped and verifies with the saved head; an open database, a changed
 * backup and a broken one are refused and leave the database as it was. */
static void restore(void)
{
    char db[160], dir[160], bpath[300], other[200], kept[300];
    snprintf(db, sizeof db, "%s/r.db", fx.dir);
    snprintf(dir, sizeof dir, "%s/r.db.backups", fx.dir);
    kb_store *s = NULL;
    kb_err err;
    CHECK_INT_EQ(kb_store_open(db, 0, &s, &err), KB_OK);
    if (!s)
        return;
    CHECK_INT_EQ(put(s, "KE-0001", 1, 100), KB_OK);
    CHECK_INT_EQ(kb_audit_append(s, T0, "ops", "test.before", "x", "before", &err), KB_OK);
    kb_backup b;
    CHECK_INT_EQ(kb_backup_create(s, dir, T0 + 1, "ops", "张三", &b, &err), KB_OK); /* entry 2 */
    CHECK_INT_EQ(put(s, "KE-0002", 2, 100), KB_OK);
    for (int i = 0; i < 3; i++)
        CHECK_INT_EQ(kb_audit_append(s, T0 + 2, "ops", "test.after", "x", "after", &err),
                     KB_OK); /* entries 3 to 5 */
    path_in(bpath, sizeof bpath, dir, b.file);

    /* refused while a connection is open, nothing changed */
    kb_backup_restore_info *r = calloc(1, sizeof *r);
    if (!r) {
        kb_store_free(s);
        return;
    }
    CHECK_INT_EQ(kb_backup_restore(db, bpath, "ops", T0 + 10, r, &err), KB_EIO);
    CHECK(strstr(err.msg, "is in use by another program") != NULL);
    kb_store_free(s);
    CHECK_INT_EQ(count_prefixed(fx.dir, "r.db.re"), 0); /* no copy, no kept file */

    /* a backup that is not what the log recorded: refused */
    int byte = get_byte(bpath, 200);
    CHECK_INT_EQ(set_byte(bpath, 200, byte ^ 1), 0);
    CHECK_INT_EQ(kb_backup_restore(db, bpath, "ops", T0 + 10, r, &err), KB_EINVAL);
    CHECK(strstr(err.msg, "is not the file the backup log recorded") != NULL);
    CHECK_INT_EQ(set_byte(bpath, 200, byte), 0);
    /* a broken copy outside the log: refused by the integrity check */
    snprintf(other, sizeof other, "%s/broken.db", fx.dir);
    CHECK_INT_EQ(fixture_copy(bpath, other), 0);
    CHECK_INT_EQ(truncate(other, file_size(other) / 2), 0);
    CHECK_INT_EQ(kb_backup_restore(db, other, "ops", T0 + 10, r, &err), KB_EINVAL);
    CHECK(strstr(err.msg, "failed its check") != NULL);
    CHECK_INT_EQ(count_prefixed(fx.dir, "r.db.re"), 0);
    unlink(other);
    snprintf(other, sizeof other, "%s/none.db", fx.dir);
    CHECK_INT_EQ(kb_backup_restore(db, other, "ops", T0 + 10, r, &err), KB_ENOTFOUND);

    /* the restore */
    CHECK_INT_EQ(kb_backup_restore(db, bpath, "ops", T0 + 10, r, &err), KB_OK);
    if (r->replaced[0] == '\0')
        fprintf(stderr, "restore: %s\n", err.msg);
    snprintf(kept, sizeof kept, "%s/r.db.replaced-20260310-081510", fx.dir);
    CHECK_STR_EQ(r->replaced, kept);
    CHECK_INT_EQ(r->log_id, b.id);
    CHECK_INT_EQ(r->backup_head, 1);
    CHECK_INT_EQ(r->old_head, 5);
    CHECK_INT_EQ(r->dropped, 4);
    CHECK_INT_EQ(r->restored_head, 2);
    CHECK_STR_EQ(r->check.sha256, b.sha256);
    CHECK(strstr(r->summary, "entries past the backup's head, 2 to 5") != NULL);
    CHECK(strstr(r->summary, "r.db.replaced-20260310-081510") != NULL);
    CHECK(strstr(r->summary, "1 backup log entry carried over") != NULL);
    /* the kept file is the database as it was, with its saved head */
    kb_store *k = NULL;
    CHECK_INT_EQ(kb_store_open(kept, 0, &k, &err), KB_OK);
    kb_audit_check c;
    if (k) {
        CHECK_INT_EQ(kb_audit_verify(k, &c, &err), KB_OK);
        CHECK(c.ok);
        CHECK_INT_EQ(c.head_seq, 5);
        CHECK(c.saved);
        CHECK_INT_EQ(c.saved_seq, 5);
        kb_store_free(k);
    }
    CHECK_INT_EQ(kb_store_open(db, 0, &s, &err), KB_OK);
    if (s) {
        CHECK_INT_EQ(kb_audit_verify(s, &c, &err), KB_OK);
        CHECK(c.ok);
        CHECK_INT_EQ(c.head_seq, 2);
        CHECK_INT_EQ(c.saved_seq, 2);
        kb_audit_filter f = { .action = "backup.restore" };
        kb_audit_page *p = NULL;
        CHECK_INT_EQ(kb_audit_list(s, &f, &p, &err), KB_OK);
        CHECK(p && p->n == 1 && strcmp(p->items[0].summary, r->summary) == 0 &&
              strcmp(p->items[0].actor, "ops") == 0);
        if (p && p->n == 1)
            CHECK_STR_EQ(p->items[0].object, "backup:kedb-20260310-081501-000.db");
        kb_audit_page_free(p);
        long long n = 0;
        CHECK_INT_EQ(kb_store_doc_count(s, NULL, &n, &err), KB_OK);
        CHECK_INT_EQ(n, 1); /* KE-0002 came after the backup */
        /* the backup itself is in the restored log: it can be checked again */
        kb_backup_check bc;
        CHECK_INT_EQ(kb_backup_verify(s, dir, b.id, T0 + 20, &bc, NULL, &err), KB_OK);
        CHECK(bc.ok);
        /* carried over with who made it and for whom */
        kb_backup carried;
        CHECK_INT_EQ(kb_backup_get(s, b.id, &carried, &err), KB_OK);
        CHECK_STR_EQ(carried.actor, "ops");
        CHECK_STR_EQ(carried.on_behalf_of, "张三");
        kb_store_free(s);
    }
    char side[320];
    snprintf(side, sizeof side, "%s.restoring", db);
    CHECK(!exists(side));
    free(r);
}

int main(void)
{
    if (fixture_open(&fx, "backup") != 0)
        return CHECK_DONE("test_backup");
    const char *db = fx.path;
    char dir[160];
    snprintf(dir, sizeof dir, "%s.backups", fx.path);
    kb_store *s = fx.s;
    kb_err err;
    CHECK_INT_EQ(kb_store_begin(s, &err), KB_OK);
    for (int i = 0; i < BASE_DOCS; i++) {
        char id[32];
        snprintf(id, sizeof id, "KE-%04d", i);
        CHECK_INT_EQ(put(s, id, i, 60000), KB_OK);
    }
    CHECK_INT_EQ(kb_store_commit(s, &err), KB_OK);

    basics(s, dir);
    verify_detects(s, dir);
    retention(s, dir);
    failures(s);
    kb_store_free(fx.s); /* closed before the concurrent writers open it */
    fx.s = NULL;
    concurrent(db);
    restore();

    fixture_close(&fx);
    return CHECK_DONE("test_backup");
}
