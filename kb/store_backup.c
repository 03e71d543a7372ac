/* Online backups and their log (all SQL and every sqlite3_backup call): see
 * include/kb_backup.h. Schema version 6. */
#include "kb_backup.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "kb_alloc.h"
#include "kb_audit.h"
#include "kb_buf.h"
#include "kb_hash.h"
#include "kb_incident.h"
#include "kb_tokenize.h"
#include "store_int.h"

/* Pages copied per sqlite3_backup_step(): small steps keep each call short and let a busy
 * source or destination be retried without starting over. */
#define STEP_PAGES 256
#define BUSY_SLEEP_MS 10
#define BUSY_MAX 500 /* retries of a busy step in a row: 5 s */
#define MAX_SEQ 1000 /* NNN in the file name */
#define NAME_LEN 27  /* strlen("kedb-20260310-081500-000.db") */
#define HASH_CHUNK (256u * 1024u)
#define MAX_TIME 253402300799LL /* 9999-12-31T23:59:59Z: the name has four year digits */
#define TMP_PREFIX ".kedb-backup-" /* + mkstemp's six characters */
#define TMP_STALE_S 3600 /* a temporary file unchanged this long is left by a crash */

/* backup_log: one row per backup made; rows are never deleted. status 'ok' while the file
 * is kept, 'pruned' once retention deleted it. verify_result is NULL until the first
 * restore check, then "ok" or what the check found wrong. */
static const char schema[] =
    "CREATE TABLE IF NOT EXISTS backup_log("
    " id INTEGER PRIMARY KEY AUTOINCREMENT,"
    " at INTEGER NOT NULL,"
    " file TEXT NOT NULL UNIQUE,"
    " size INTEGER NOT NULL,"
    " sha256 TEXT NOT NULL,"
    " docs INTEGER NOT NULL,"
    " actor TEXT NOT NULL,"
    " status TEXT NOT NULL DEFAULT 'ok',"
    " verified_at INTEGER,"
    " verify_result TEXT,"
    " pruned_at INTEGER);"
    "CREATE INDEX IF NOT EXISTS backup_log_at ON backup_log(at);";

#define LOG_COLS                                                                               \
    "id, at, file, size, sha256, docs, actor, status, coalesce(verified_at, 0), "              \
    "coalesce(verify_result, ''), coalesce(pruned_at, 0), on_behalf_of"

static const char sql_insert[] =
    "INSERT INTO backup_log(at, file, size, sha256, docs, actor, status, on_behalf_of) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'ok', ?7)";
static const char sql_by_id[] = "SELECT " LOG_COLS " FROM backup_log WHERE id = ?1";
static const char sql_by_file[] =
    "SELECT " LOG_COLS " FROM backup_log WHERE file = ?1 ORDER BY id DESC LIMIT 1";
/* ?2 NULL lists every entry, else those with that status. */
static const char sql_list[] =
    "SELECT " LOG_COLS " FROM backup_log WHERE ?2 IS NULL OR status = ?2 "
    "ORDER BY at DESC, id DESC LIMIT ?1";
static const char sql_verified[] =
    "UPDATE backup_log SET verified_at = ?2, verify_result = ?3 WHERE id = ?1";
static const char sql_pruned[] =
    "UPDATE backup_log SET status = 'pruned', pruned_at = ?2 WHERE id = ?1 AND status = 'ok'";
static const char sql_version[] = "PRAGMA user_version";
/* Every column of the doc table (the known-error sections' among them, however many the
 * section table has), for kb_backup_digest(). */
static const char sql_digest[] = "SELECT * FROM doc ORDER BY rowid";

kb_status kb_backup_migrate(kb_store *s, kb_err *err)
{
    return kb_store_exec(s, schema, err);
}

/* --- small helpers --- */

/* dir + "/" + name into b (reset first). */
static void join(kb_buf *b, const char *dir, const char *name)
{
    kb_buf_reset(b);
    kb_buf_adds(b, dir);
    if (b->len && b->data[b->len - 1] != '/')
        kb_buf_addc(b, '/');
    kb_buf_adds(b, name);
}

/* True for the names kb_backup_create gives: only those are ever deleted or opened from
 * the log, so a changed log cannot point outside the backup directory. */
static int name_ok(const char *f)
{
    static const char shape[] = "kedb-########-######-###.db";
    if (strlen(f) != NAME_LEN)
        return 0;
    for (size_t i = 0; i < NAME_LEN; i++) {
        if (shape[i] == '#' ? (f[i] < '0' || f[i] > '9') : f[i] != shape[i])
            return 0;
    }
    return 1;
}

/* Whether f is the name of one of our temporary files: TMP_PREFIX and six mkstemp letters. */
static int tmp_name_ok(const char *f)
{
    size_t pre = sizeof TMP_PREFIX - 1;
    if (strlen(f) != pre + 6 || strncmp(f, TMP_PREFIX, pre) != 0)
        return 0;
    for (size_t i = pre; i < pre + 6; i++) {
        char c = f[i];
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')))
            return 0;
    }
    return 1;
}

/* Deletes the temporary files in dir that a backup killed midway left behind: regular
 * files of the temporary shape not written to for TMP_STALE_S seconds of real time (a
 * running backup keeps writing to its own). Returns how many went. */
static int sweep_stale_tmp(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    time_t now = time(NULL);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        struct stat st;
        if (!tmp_name_ok(e->d_name) ||
            fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 ||
            !S_ISREG(st.st_mode) || st.st_mtime > now - TMP_STALE_S)
            continue;
        if (unlinkat(dirfd(d), e->d_name, 0) == 0)
            n++;
    }
    closedir(d);
    return n;
}

static void copy_text(char *dst, size_t size, const unsigned char *v)
{
    snprintf(dst, size, "%s", v ? (const char *)v : "");
}

static void load_entry(sqlite3_stmt *st, kb_backup *e)
{
    memset(e, 0, sizeof *e);
    e->id = sqlite3_column_int64(st, 0);
    e->at = sqlite3_column_int64(st, 1);
    copy_text(e->file, sizeof e->file, sqlite3_column_text(st, 2));
    e->size = sqlite3_column_int64(st, 3);
    copy_text(e->sha256, sizeof e->sha256, sqlite3_column_text(st, 4));
    e->docs = sqlite3_column_int64(st, 5);
    copy_text(e->actor, sizeof e->actor, sqlite3_column_text(st, 6));
    copy_text(e->status, sizeof e->status, sqlite3_column_text(st, 7));
    e->verified_at = sqlite3_column_int64(st, 8);
    copy_text(e->verify_result, sizeof e->verify_result, sqlite3_column_text(st, 9));
    e->pruned_at = sqlite3_column_int64(st, 10);
    copy_text(e->on_behalf_of, sizeof e->on_behalf_of, sqlite3_column_text(st, 11));
}

/* Runs a one-row lookup (sql with text or integer ?1). KB_ENOTFOUND without a row. */
static kb_status lookup(kb_store *s, const char *sql, const char *text, long long id,
                        kb_backup *out, kb_err *err)
{
    sqlite3_stmt *st = kb_store_cached(s, sql, err);
    if (!st)
        return KB_EDB;
    if (text)
        sqlite3_bind_text(st, 1, text, -1, SQLITE_STATIC);
    else
        sqlite3_bind_int64(st, 1, id);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        load_entry(st, out);
    kb_store_done(st);
    if (rc == SQLITE_ROW)
        return KB_OK;
    if (rc != SQLITE_DONE)
        return kb_store_db_err(s, err, "backup log");
    if (text)
        return kb_err_set(err, KB_ENOTFOUND, "no backup with file name '%s'", text);
    return kb_err_set(err, KB_ENOTFOUND, "no backup with id %lld", id);
}

kb_status kb_backup_get(kb_store *s, long long id, kb_backup *out, kb_err *err)
{
    return lookup(s, sql_by_id, NULL, id, out, err);
}

kb_status kb_backup_get_file(kb_store *s, const char *file, kb_backup *out, kb_err *err)
{
    return lookup(s, sql_by_file, file, 0, out, err);
}

/* Entries newest first, at most max (0 = all), all or only those with status. */
static kb_status list(kb_store *s, size_t max, const char *status, kb_backup **out, size_t *n,
                      kb_err *err)
{
    *out = NULL;
    *n = 0;
    sqlite3_stmt *st = kb_store_cached(s, sql_list, err);
    if (!st)
        return KB_EDB;
    sqlite3_bind_int64(st, 1, max ? (sqlite3_int64)max : -1);
    if (status)
        sqlite3_bind_text(st, 2, status, -1, SQLITE_STATIC);
    kb_backup *v = NULL;
    size_t k = 0;
    size_t cap = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (k == cap) {
            cap = cap ? cap * 2 : 16;
            v = kb_xrealloc(v, cap * sizeof *v);
        }
        load_entry(st, &v[k++]);
    }
    kb_store_done(st);
    if (rc != SQLITE_DONE) {
        free(v);
        return kb_store_db_err(s, err, "backup log");
    }
    *out = v;
    *n = k;
    return KB_OK;
}

kb_status kb_backup_list(kb_store *s, size_t max, kb_backup **out, size_t *n, kb_err *err)
{
    return list(s, max, NULL, out, n, err);
}

/* Reads the file at path to its end: size and hex SHA-256; with sync, fsyncs it first.
 * Messages call the file name. */
static kb_status hash_file(const char *path, const char *name, int sync, long long *size,
                           char hex[KB_BACKUP_HASH_HEX], kb_err *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return kb_err_set(err, KB_EIO, "cannot open '%s': %s", name, strerror(errno));
    kb_status rc = KB_OK;
    if (sync && fsync(fd) != 0)
        rc = kb_err_set(err, KB_EIO, "cannot sync '%s': %s", name, strerror(errno));
    kb_sha256 h;
    kb_hash_sha256_begin(&h);
    unsigned char *buf = kb_xmalloc(HASH_CHUNK);
    long long total = 0;
    while (rc == KB_OK) {
        ssize_t got = read(fd, buf, HASH_CHUNK);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0)
            rc = kb_err_set(err, KB_EIO, "cannot read '%s': %s", name, strerror(errno));
        if (got <= 0)
            break;
        kb_hash_sha256_add(&h, buf, got);
        total += got;
    }
    free(buf);
    close(fd);
    if (rc != KB_OK)
        return rc;
    kb_hash_sha256_end(&h, hex);
    *size = total;
    return KB_OK;
}

/* Makes the directory entries below dir durable. Some file systems cannot sync a
 * directory (EINVAL); the data itself is synced already. */
static kb_status sync_dir(const char *dir, kb_err *err)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return kb_err_set(err, KB_EIO, "cannot open backup directory '%s': %s", dir,
                          strerror(errno));
    kb_status rc = KB_OK;
    if (fsync(fd) != 0 && errno != EINVAL)
        rc = kb_err_set(err, KB_EIO, "cannot sync backup directory '%s': %s", dir,
                        strerror(errno));
    close(fd);
    return rc;
}

static kb_status raw_exec(sqlite3 *db, const char *sql, const char *what, kb_err *err)
{
    char *msg = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        kb_status rc = kb_err_set(err, KB_EDB, "%s: %s", what, msg ? msg : sqlite3_errmsg(db));
        sqlite3_free(msg);
        return rc;
    }
    return KB_OK;
}

static kb_status live_version(kb_store *s, long long *out, kb_err *err)
{
    sqlite3_stmt *st = kb_store_cached(s, sql_version, err);
    if (!st)
        return KB_EDB;
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *out = sqlite3_column_int64(st, 0);
    kb_store_done(st);
    return rc == SQLITE_ROW ? KB_OK : kb_store_db_err(s, err, "schema version");
}

/* --- the content digest --- */

/* Feeds one value as "<type><len>:<bytes>," so that different rows never hash alike. */
static void feed_value(kb_sha256 *h, sqlite3_stmt *st, int col)
{
    char head[40];
    int type = sqlite3_column_type(st, col);
    const unsigned char *p = NULL;
    int len = 0;
    if (type == SQLITE_INTEGER) {
        snprintf(head, sizeof head, "i%lld,", (long long)sqlite3_column_int64(st, col));
    } else if (type == SQLITE_NULL) {
        snprintf(head, sizeof head, "n,");
    } else {
        char tag = type == SQLITE_BLOB ? 'b' : type == SQLITE_FLOAT ? 'f' : 't';
        if (type == SQLITE_BLOB)
            p = sqlite3_column_blob(st, col);
        else
            p = sqlite3_column_text(st, col);
        len = sqlite3_column_bytes(st, col);
        snprintf(head, sizeof head, "%c%d:", tag, len);
    }
    kb_hash_sha256_add(h, head, strlen(head));
    if (p && len > 0)
        kb_hash_sha256_add(h, p, len);
    if (type == SQLITE_TEXT || type == SQLITE_BLOB || type == SQLITE_FLOAT)
        kb_hash_sha256_add(h, ",", 1);
}

/* Steps st (sql_digest, prepared on some connection) to its end. Returns the final
 * sqlite3_step() code (SQLITE_DONE when every row was read). */
static int digest_rows(sqlite3_stmt *st, long long *docs, char hex[KB_BACKUP_HASH_HEX])
{
    kb_sha256 h;
    kb_hash_sha256_begin(&h);
    int ncol = sqlite3_column_count(st);
    long long n = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        for (int c = 0; c < ncol; c++)
            feed_value(&h, st, c);
        n++;
    }
    kb_hash_sha256_end(&h, hex);
    *docs = n;
    return rc;
}

kb_status kb_backup_digest(kb_store *s, long long *docs, char digest[KB_BACKUP_HASH_HEX],
                           kb_err *err)
{
    *docs = 0;
    digest[0] = '\0';
    kb_status rc = kb_hash_init(err);
    if (rc != KB_OK)
        return rc;
    sqlite3_stmt *st = kb_store_cached(s, sql_digest, err);
    if (!st)
        return KB_EDB;
    int r = digest_rows(st, docs, digest);
    kb_store_done(st);
    if (r != SQLITE_DONE) {
        digest[0] = '\0';
        return kb_store_db_err(s, err, "digest");
    }
    return KB_OK;
}

/* --- making a backup --- */

/* Creates dir (0700) unless it is a directory already. */
static kb_status ensure_dir(const char *dir, kb_err *err)
{
    if (!dir || !*dir)
        return kb_err_set(err, KB_EINVAL, "no backup directory given");
    if (mkdir(dir, 0700) == 0)
        return KB_OK;
    int e = errno;
    struct stat st;
    if (e == EEXIST && stat(dir, &st) == 0) {
        if (S_ISDIR(st.st_mode))
            return KB_OK;
        return kb_err_set(err, KB_EIO, "backup directory '%s' is not a directory", dir);
    }
    return kb_err_set(err, KB_EIO, "cannot create backup directory '%s': %s", dir, strerror(e));
}

/* Removes the temporary copy and anything SQLite may have left next to it. */
static void remove_tmp(const char *tmp)
{
    static const char *const suffixes[] = { "", "-journal", "-wal", "-shm" };
    kb_buf b;
    kb_buf_init(&b, 0);
    for (size_t i = 0; i < sizeof suffixes / sizeof suffixes[0]; i++) {
        kb_buf_reset(&b);
        kb_buf_adds(&b, tmp);
        kb_buf_adds(&b, suffixes[i]);
        unlink(b.data);
    }
    kb_buf_free(&b);
}

/* An error of the destination: the disk (full, unwritable, ...) is KB_EIO. */
static kb_status dest_err(sqlite3 *dst, int code, const char *tmp, kb_err *err)
{
    int sys = sqlite3_system_errno(dst);
    int prim = code & 0xff;
    kb_status st = prim == SQLITE_FULL || prim == SQLITE_IOERR || prim == SQLITE_CANTOPEN ||
                           prim == SQLITE_READONLY || prim == SQLITE_PERM
                       ? KB_EIO
                       : KB_EDB;
    return kb_err_set(err, st, "cannot write backup '%s': %s%s%s", tmp, sqlite3_errstr(code),
                      sys ? ": " : "", sys ? strerror(sys) : "");
}

/* Copies the live database into the (empty) file tmp inside one read snapshot of s;
 * *docs gets the number of items in that snapshot. Leaves tmp as a self-contained
 * rollback-journal database. */
static kb_status copy_db(kb_store *s, const char *tmp, long long *docs, kb_err *err)
{
    sqlite3 *src = kb_store_db(s);
    sqlite3 *dst = NULL;
    sqlite3_backup *b = NULL;
    int snapshot = 0;
    kb_status rc = KB_OK;
    int r = sqlite3_open_v2(tmp, &dst, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL);
    if (r != SQLITE_OK) {
        rc = dst ? dest_err(dst, r, tmp, err)
                 : kb_err_set(err, KB_ENOMEM, "cannot open backup '%s'", tmp);
        goto out;
    }
    sqlite3_extended_result_codes(dst, 1);
    /* The finished file is synced as a whole before it gets its name. */
    rc = raw_exec(dst, "PRAGMA synchronous=OFF", "backup", err);
    if (rc != KB_OK)
        goto out;
    /* One read snapshot for the count and every step: writers on other connections go on
     * (WAL) and none of their commits restarts or tears the copy. */
    rc = kb_store_exec(s, "BEGIN", err);
    if (rc != KB_OK)
        goto out;
    snapshot = 1;
    rc = kb_store_doc_count(s, NULL, docs, err);
    if (rc != KB_OK)
        goto out;
    b = sqlite3_backup_init(dst, "main", src, "main");
    if (!b) {
        rc = dest_err(dst, sqlite3_extended_errcode(dst), tmp, err);
        goto out;
    }
    int busy = 0;
    for (;;) {
        r = sqlite3_backup_step(b, STEP_PAGES);
        if (r == SQLITE_DONE)
            break;
        if (r == SQLITE_OK) {
            busy = 0;
            continue;
        }
        if ((r & 0xff) == SQLITE_BUSY || (r & 0xff) == SQLITE_LOCKED) {
            if (++busy <= BUSY_MAX) {
                sqlite3_sleep(BUSY_SLEEP_MS);
                continue;
            }
            rc = kb_err_set(err, KB_EDB, "backup: the database stayed locked for %d ms",
                            BUSY_MAX * BUSY_SLEEP_MS);
        } else {
            rc = dest_err(dst, r, tmp, err);
        }
        goto out;
    }
    r = sqlite3_backup_finish(b);
    b = NULL;
    if (r != SQLITE_OK) {
        rc = dest_err(dst, r, tmp, err);
        goto out;
    }
    /* The copied header says WAL like the live database; a backup is one file. */
    rc = raw_exec(dst, "PRAGMA journal_mode=DELETE", "backup", err);
out:
    if (b)
        sqlite3_backup_finish(b);
    if (snapshot && kb_store_exec(s, "COMMIT", rc == KB_OK ? err : NULL) != KB_OK) {
        kb_store_rollback(s);
        rc = rc == KB_OK ? KB_EDB : rc;
    }
    if (dst && sqlite3_close(dst) != SQLITE_OK && rc == KB_OK)
        rc = kb_err_set(err, KB_EINTERNAL, "cannot close backup '%s'", tmp);
    return rc;
}

/* Gives tmp its final name in dir, never replacing a file: the first free
 * kedb-YYYYMMDD-HHMMSS-NNN.db that the log has not used either. */
static kb_status place(kb_store *s, const char *dir, const char *tmp, long long at,
                       char name[KB_BACKUP_MAX_FILE], kb_buf *path, kb_err *err)
{
    time_t t = (time_t)at;
    struct tm tm;
    if (at < 0 || at > MAX_TIME || !gmtime_r(&t, &tm))
        return kb_err_set(err, KB_EINVAL, "backup time %lld is out of range", at);
    for (int seq = 0; seq < MAX_SEQ; seq++) {
        int len = snprintf(name, KB_BACKUP_MAX_FILE, "kedb-%04d%02d%02d-%02d%02d%02d-%03d.db",
                           tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                           tm.tm_min, tm.tm_sec, seq);
        if (len != NAME_LEN)
            return kb_err_set(err, KB_EINTERNAL, "bad backup file name '%s'", name);
        kb_backup old;
        kb_status rc = kb_backup_get_file(s, name, &old, err);
        if (rc == KB_OK)
            continue; /* a pruned backup had this name */
        if (rc != KB_ENOTFOUND)
            return rc;
        kb_err_clear(err);
        join(path, dir, name);
        if (renameat2(AT_FDCWD, tmp, AT_FDCWD, path->data, RENAME_NOREPLACE) == 0)
            return KB_OK;
        if (errno == EEXIST)
            continue;
        if (errno != EINVAL && errno != ENOSYS)
            return kb_err_set(err, KB_EIO, "cannot rename '%s' to '%s': %s", tmp, path->data,
                              strerror(errno));
        /* No RENAME_NOREPLACE on this file system: link() never replaces either. */
        if (link(tmp, path->data) == 0) {
            unlink(tmp);
            return KB_OK;
        }
        if (errno == EEXIST)
            continue;
        return kb_err_set(err, KB_EIO, "cannot link '%s' to '%s': %s", tmp, path->data,
                          strerror(errno));
    }
    return kb_err_set(err, KB_EIO, "no free backup file name in '%s' for time %lld", dir, at);
}

/* Appends the audit entry of action on backup id (object "backup:ID"). */
static kb_status audit_backup(kb_store *s, long long at, const char *actor, const char *action,
                              long long id, const char *summary, kb_err *err)
{
    char object[32];
    snprintf(object, sizeof object, "backup:%lld", id);
    return kb_audit_append(s, at, actor, action, object, summary, err);
}

static kb_status log_insert(kb_store *s, const kb_backup *e, long long *id, kb_err *err)
{
    int own;
    kb_status rc = kb_store_write_begin(s, &own, err);
    if (rc != KB_OK)
        return rc;
    sqlite3_stmt *st = kb_store_cached(s, sql_insert, err);
    if (!st)
        rc = KB_EDB;
    if (rc == KB_OK) {
        sqlite3_bind_int64(st, 1, e->at);
        sqlite3_bind_text(st, 2, e->file, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 3, e->size);
        sqlite3_bind_text(st, 4, e->sha256, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 5, e->docs);
        sqlite3_bind_text(st, 6, e->actor, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 7, e->on_behalf_of, -1, SQLITE_STATIC);
        if (sqlite3_step(st) == SQLITE_DONE)
            *id = sqlite3_last_insert_rowid(kb_store_db(s));
        else
            rc = kb_store_db_err(s, err, "backup log");
        kb_store_done(st);
    }
    if (rc == KB_OK) {
        /* the log entry and its audit entry commit together */
        char sum[512];
        snprintf(sum, sizeof sum, "file %s; %lld bytes; %lld items; sha256 %s%s%s", e->file,
                 e->size, e->docs, e->sha256, e->on_behalf_of[0] ? "; on behalf of " : "",
                 e->on_behalf_of);
        rc = audit_backup(s, e->at, e->actor, "backup.create", *id, sum, err);
    }
    return kb_store_write_end(s, own, rc, err);
}

kb_status kb_backup_create(kb_store *s, const char *dir, long long at, const char *actor,
                           const char *on_behalf_of, kb_backup *out, kb_err *err)
{
    if (out)
        memset(out, 0, sizeof *out);
    if (!actor)
        actor = "";
    if (!on_behalf_of)
        on_behalf_of = "";
    if (strlen(actor) > KB_BACKUP_MAX_ACTOR)
        return kb_err_set(err, KB_EINVAL, "the actor is longer than %u bytes",
                          KB_BACKUP_MAX_ACTOR);
    if (strlen(on_behalf_of) > KB_BACKUP_MAX_ACTOR)
        return kb_err_set(err, KB_EINVAL, "'on_behalf_of' is longer than %u bytes",
                          KB_BACKUP_MAX_ACTOR);
    if (at < 0 || at > MAX_TIME)
        return kb_err_set(err, KB_EINVAL, "backup time %lld is out of range", at);
    if (!sqlite3_get_autocommit(kb_store_db(s)))
        return kb_err_set(err, KB_EINVAL, "a backup cannot run inside a transaction");
    kb_status rc = kb_hash_init(err);
    if (rc == KB_OK)
        rc = ensure_dir(dir, err);
    if (rc != KB_OK)
        return rc;

    kb_backup e;
    memset(&e, 0, sizeof e);
    e.at = at;
    snprintf(e.actor, sizeof e.actor, "%s", actor);
    snprintf(e.on_behalf_of, sizeof e.on_behalf_of, "%s", on_behalf_of);
    kb_buf tmp, path;
    kb_buf_init(&tmp, 0);
    kb_buf_init(&path, 0);
    join(&tmp, dir, TMP_PREFIX "XXXXXX");
    int placed = 0;
    int fd = mkstemp(tmp.data);
    if (fd < 0) {
        rc = kb_err_set(err, KB_EIO, "cannot create a file in backup directory '%s': %s", dir,
                        strerror(errno));
        kb_buf_free(&tmp);
        kb_buf_free(&path);
        return rc;
    }
    close(fd); /* before SQLite opens it: closing any descriptor drops its POSIX locks */
    rc = copy_db(s, tmp.data, &e.docs, err);
    if (rc == KB_OK)
        rc = hash_file(tmp.data, tmp.data, 1, &e.size, e.sha256, err);
    if (rc == KB_OK)
        rc = place(s, dir, tmp.data, at, e.file, &path, err);
    if (rc == KB_OK) {
        placed = 1;
        rc = sync_dir(dir, err);
    }
    long long id = 0;
    if (rc == KB_OK)
        rc = log_insert(s, &e, &id, err);
    if (rc == KB_OK && out)
        rc = kb_backup_get(s, id, out, err);
    if (rc != KB_OK) {
        if (placed && id == 0)
            unlink(path.data);
        remove_tmp(tmp.data);
        if (out && id == 0)
            memset(out, 0, sizeof *out);
    }
    kb_buf_free(&tmp);
    kb_buf_free(&path);
    return rc;
}

/* --- restore check --- */

/* A read-only, immutable URI for path: SQLite then creates no -wal, -shm or journal file
 * next to it and never writes it. */
static void ro_uri(kb_buf *b, const char *path)
{
    static const char hex[] = "0123456789ABCDEF";
    kb_buf_reset(b);
    kb_buf_adds(b, "file:");
    for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
            strchr("/-._~", *p)) {
            kb_buf_addc(b, (char)*p);
        } else {
            kb_buf_addc(b, '%');
            kb_buf_addc(b, hex[*p >> 4]);
            kb_buf_addc(b, hex[*p & 15]);
        }
    }
    kb_buf_adds(b, "?mode=ro&immutable=1");
}

/* Fills c->result with the first problem only. */
#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
static void problem(kb_backup_check *c, const char *fmt, ...)
{
    if (c->result[0])
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->result, sizeof c->result, fmt, ap);
    va_end(ap);
}

/* PRAGMA integrity_check on db: sets c->integrity_ok or notes the first message. */
static void integrity(sqlite3 *db, kb_backup_check *c)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &st, NULL) != SQLITE_OK) {
        problem(c, "integrity check failed: %s", sqlite3_errmsg(db));
        return;
    }
    int ok = 0;
    int bad = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *v = (const char *)sqlite3_column_text(st, 0);
        if (v && strcmp(v, "ok") == 0) {
            ok = 1;
        } else {
            bad = 1;
            problem(c, "integrity check failed: %s", v ? v : "(no message)");
        }
    }
    if (rc != SQLITE_DONE) {
        bad = 1;
        problem(c, "integrity check failed: %s", sqlite3_errmsg(db));
    }
    sqlite3_finalize(st);
    c->integrity_ok = ok && !bad;
}

/* Schema version and items of the copy. */
static void kedb_content(sqlite3 *db, long long max_version, long long expect_docs,
                         kb_backup_check *c)
{
    sqlite3_stmt *st = NULL;
    long long v = -1;
    if (sqlite3_prepare_v2(db, sql_version, -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    st = NULL;
    c->schema_version = v;
    if (v < 2 || v > max_version) {
        problem(c, "not a kedb database: schema version %lld, expected 2 to %lld", v,
                max_version);
        return;
    }
    if (sqlite3_prepare_v2(db, sql_digest, -1, &st, NULL) != SQLITE_OK) {
        problem(c, "not a kedb database: %s", sqlite3_errmsg(db));
        return;
    }
    long long n = 0;
    int rc = digest_rows(st, &n, c->doc_digest);
    if (rc != SQLITE_DONE) {
        c->doc_digest[0] = '\0';
        problem(c, "items unreadable: %s", sqlite3_errmsg(db));
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return;
    c->docs = n;
    if (expect_docs >= 0 && n != expect_docs) {
        problem(c, "the copy holds %lld items, the log says %lld", n, expect_docs);
        return;
    }
    c->kedb_ok = 1;
}

/* The checks behind kb_backup_verify and kb_backup_check_file; expect_size < 0 and
 * expect_docs < 0 skip those comparisons. */
static kb_status check_path(long long max_version, const char *path, const char *expect_sha256,
                            long long expect_size, long long expect_docs, kb_backup_check *c,
                            kb_err *err)
{
    memset(c, 0, sizeof *c);
    c->docs = -1;
    c->schema_version = -1;
    kb_status rc = kb_hash_init(err);
    if (rc != KB_OK)
        return rc;
    /* Results name the file, not where the backups are kept. */
    const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
    kb_err why;
    kb_err_clear(&why);
    if (hash_file(path, base, 0, &c->size, c->sha256, &why) != KB_OK) {
        c->size = 0;
        c->sha256[0] = '\0';
        problem(c, "%s", why.msg);
        return KB_OK;
    }
    c->readable = 1;
    c->checksum_ok = (!expect_sha256 || strcmp(expect_sha256, c->sha256) == 0) &&
                     (expect_size < 0 || expect_size == c->size);
    if (!c->checksum_ok) {
        if (expect_size >= 0 && expect_size != c->size)
            problem(c, "checksum mismatch: the file has %lld bytes, the log says %lld",
                    c->size, expect_size);
        else
            problem(c, "checksum mismatch: the file's sha256 is %s, the log says %s",
                    c->sha256, expect_sha256);
    }
    kb_buf uri;
    kb_buf_init(&uri, 0);
    ro_uri(&uri, path);
    sqlite3 *db = NULL;
    int r = sqlite3_open_v2(uri.data, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI |
                                               SQLITE_OPEN_NOMUTEX, NULL);
    kb_buf_free(&uri);
    if (r != SQLITE_OK) {
        problem(c, "cannot open the copy: %s", db ? sqlite3_errmsg(db) : "out of memory");
    } else {
        /* Newer SQLite also checks FTS5 tables in integrity_check: they need the
         * tokenizer. */
        if (kb_tokenize_register(db, NULL, &why) != KB_OK)
            problem(c, "cannot check the copy: %s", why.msg);
        else
            integrity(db, c);
        kedb_content(db, max_version, expect_docs, c);
    }
    sqlite3_close(db);
    c->ok = c->readable && c->checksum_ok && c->integrity_ok && c->kedb_ok;
    if (c->ok)
        snprintf(c->result, sizeof c->result, "ok");
    else if (!c->result[0])
        problem(c, "check failed");
    return KB_OK;
}

kb_status kb_backup_check_file(kb_store *s, const char *path, const char *expect_sha256,
                               long long expect_docs, kb_backup_check *out, kb_err *err)
{
    long long max_version = 0;
    kb_status rc = live_version(s, &max_version, err);
    if (rc != KB_OK) {
        memset(out, 0, sizeof *out);
        return rc;
    }
    return check_path(max_version, path, expect_sha256, -1, expect_docs, out, err);
}

static kb_status log_verified(kb_store *s, long long id, long long at, const char *result,
                              kb_err *err)
{
    int own;
    kb_status rc = kb_store_write_begin(s, &own, err);
    if (rc != KB_OK)
        return rc;
    sqlite3_stmt *st = kb_store_cached(s, sql_verified, err);
    if (!st)
        rc = KB_EDB;
    if (rc == KB_OK) {
        sqlite3_bind_int64(st, 1, id);
        sqlite3_bind_int64(st, 2, at);
        sqlite3_bind_text(st, 3, result, -1, SQLITE_STATIC);
        if (sqlite3_step(st) != SQLITE_DONE)
            rc = kb_store_db_err(s, err, "backup log");
        kb_store_done(st);
    }
    /* who checked: the connection's session user (the server sets it) */
    if (rc == KB_OK) {
        kb_buf sum;
        kb_buf_init(&sum, 0);
        kb_buf_addf(&sum, "restore check: %s", result);
        rc = audit_backup(s, at, kb_store_user(s), "backup.verify", id, kb_buf_str(&sum), err);
        kb_buf_free(&sum);
    }
    return kb_store_write_end(s, own, rc, err);
}

kb_status kb_backup_verify(kb_store *s, const char *dir, long long id, long long at,
                           kb_backup_check *check, kb_backup *out, kb_err *err)
{
    memset(check, 0, sizeof *check);
    if (out)
        memset(out, 0, sizeof *out);
    if (!dir || !*dir)
        return kb_err_set(err, KB_EINVAL, "no backup directory given");
    kb_backup e;
    kb_status rc = kb_backup_get(s, id, &e, err);
    if (rc != KB_OK)
        return rc;
    if (strcmp(e.status, "ok") != 0)
        return kb_err_set(err, KB_ENOTFOUND, "backup %lld was pruned: its file is deleted", id);
    if (!name_ok(e.file)) {
        check->docs = -1;
        check->schema_version = -1;
        problem(check, "the log names '%s', which is not a backup file name", e.file);
    } else {
        kb_buf path;
        kb_buf_init(&path, 0);
        join(&path, dir, e.file);
        long long max_version = 0;
        rc = live_version(s, &max_version, err);
        if (rc == KB_OK)
            rc = check_path(max_version, path.data, e.sha256, e.size, e.docs, check, err);
        kb_buf_free(&path);
        if (rc != KB_OK)
            return rc;
    }
    rc = log_verified(s, id, at, check->result, err);
    if (rc == KB_OK && out)
        rc = kb_backup_get(s, id, out, err);
    return rc;
}

/* --- retention --- */

/* Marks e pruned and audits it, inside the prune's transaction. */
static kb_status mark_pruned(kb_store *s, const kb_backup *e, const char *actor,
                             long long keep_last, long long keep_days, long long at,
                             kb_err *err)
{
    sqlite3_stmt *st = kb_store_cached(s, sql_pruned, err);
    if (!st)
        return KB_EDB;
    sqlite3_bind_int64(st, 1, e->id);
    sqlite3_bind_int64(st, 2, at);
    kb_status rc = sqlite3_step(st) == SQLITE_DONE ? KB_OK : kb_store_db_err(s, err, "prune");
    kb_store_done(st);
    if (rc != KB_OK)
        return rc;
    char sum[192];
    snprintf(sum, sizeof sum, "file %s deleted; retention keep_last %lld, keep_days %lld",
             e->file, keep_last, keep_days);
    return audit_backup(s, at, actor, "backup.prune", e->id, sum, err);
}

kb_status kb_backup_prune(kb_store *s, const char *dir, long long keep_last, long long keep_days,
                          const char *actor, long long at, kb_backup **out, size_t *n,
                          kb_err *err)
{
    if (out)
        *out = NULL;
    *n = 0;
    if (keep_last < 1)
        return kb_err_set(err, KB_EINVAL, "keep_last must be at least 1");
    if (keep_days < 0 || keep_days > KB_BACKUP_MAX_DAYS)
        return kb_err_set(err, KB_EINVAL, "keep_days must be from 0 to %d", KB_BACKUP_MAX_DAYS);
    if (!dir || !*dir)
        return kb_err_set(err, KB_EINVAL, "no backup directory given");
    /* One write transaction: a backup finishing meanwhile is logged before or after the
     * whole prune, never in the middle of the choice. */
    int own;
    kb_status rc = kb_store_write_begin(s, &own, err);
    if (rc != KB_OK)
        return rc;
    kb_backup *v = NULL;
    size_t nv = 0;
    rc = list(s, 0, "ok", &v, &nv, err);
    long long cutoff = at - keep_days * 86400;
    size_t k = 0; /* pruned entries move to the front of v */
    kb_err fail;
    kb_err_clear(&fail);
    kb_buf path;
    kb_buf_init(&path, 0);
    for (size_t i = 0; rc == KB_OK && i < nv; i++) {
        if (i < (size_t)keep_last || (keep_days > 0 && v[i].at >= cutoff))
            continue;
        if (!name_ok(v[i].file)) {
            kb_err_set(&fail, KB_EIO, "refusing to delete '%s': not a backup file name",
                       v[i].file);
            continue;
        }
        join(&path, dir, v[i].file);
        if (unlink(path.data) != 0 && errno != ENOENT) {
            if (fail.code == KB_OK)
                kb_err_set(&fail, KB_EIO, "cannot delete '%s': %s", path.data, strerror(errno));
            continue;
        }
        rc = mark_pruned(s, &v[i], actor, keep_last, keep_days, at, err);
        if (rc == KB_OK) {
            kb_backup e = v[i];
            snprintf(e.status, sizeof e.status, "pruned");
            e.pruned_at = at;
            v[k++] = e;
        }
    }
    kb_buf_free(&path);
    rc = kb_store_write_end(s, own, rc, err);
    int swept = rc == KB_OK ? sweep_stale_tmp(dir) : 0;
    if (rc == KB_OK && (k || swept))
        rc = sync_dir(dir, err);
    if (rc != KB_OK) {
        free(v);
        return rc;
    }
    *n = k;
    if (out && k)
        *out = v;
    else
        free(v);
    if (fail.code != KB_OK && err)
        *err = fail;
    return fail.code;
}

/* --- restore --- */

/* The database being replaced, seen through one connection that holds its exclusive lock. */
typedef struct {
    sqlite3 *db;                     /* NULL when there is no file or it is no database */
    int exists;
    char why[256];                   /* why it cannot be read ("" when it can) */
    int has_audit;
    long long head;                  /* its latest audit entry */
    char head_hash[KB_BACKUP_HASH_HEX];
    long long head_at;
    kb_backup logged;                /* the backup's log entry (id 0: none) */
} live_db;

/* Prepares sql on a raw connection and steps it once: SQLITE_ROW with the row in *stp, or
 * the failing code. The caller finalizes *stp. */
static int query_row(sqlite3 *db, const char *sql, sqlite3_stmt **stp)
{
    *stp = NULL;
    int r = sqlite3_prepare_v2(db, sql, -1, stp, NULL);
    return r == SQLITE_OK ? sqlite3_step(*stp) : r;
}

/* Opens the live database and takes its exclusive lock, or says it is in use. */
static kb_status live_open(const char *path, const char *backup_name, live_db *l, kb_err *err)
{
    memset(l, 0, sizeof *l);
    struct stat sb;
    if (stat(path, &sb) != 0) {
        if (errno != ENOENT)
            return kb_err_set(err, KB_EIO, "cannot read '%s': %s", path, strerror(errno));
        snprintf(l->why, sizeof l->why, "there was no database file");
        return KB_OK;
    }
    l->exists = 1;
    sqlite3 *db = NULL;
    int r = sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL);
    if (r != SQLITE_OK) {
        kb_status rc = kb_err_set(err, KB_EIO, "cannot open '%s': %s", path,
                                  db ? sqlite3_errmsg(db) : "out of memory");
        sqlite3_close(db);
        return rc;
    }
    sqlite3_busy_timeout(db, 0);
    /* Exclusive locking mode: the first read takes the file's exclusive lock and keeps it.
     * Every other open connection holds a shared lock (WAL), so this is refused while any
     * program has the database open. */
    sqlite3_stmt *st = NULL;
    r = sqlite3_exec(db, "PRAGMA locking_mode=EXCLUSIVE", NULL, NULL, NULL);
    if (r == SQLITE_OK)
        r = query_row(db, "SELECT count(*) FROM sqlite_master", &st);
    sqlite3_finalize(st);
    if ((r & 0xff) == SQLITE_BUSY || (r & 0xff) == SQLITE_LOCKED) {
        sqlite3_close(db);
        return kb_err_set(err, KB_EIO, "database '%s' is in use by another program (a running "
                          "kedb-server, kedb-index, kedb-import or kedb-admin): stop it and "
                          "try again", path);
    }
    if (r != SQLITE_ROW) {
        /* not a database any more (the reason for many restores): nothing can use it */
        snprintf(l->why, sizeof l->why, "it could not be read: %s", sqlite3_errmsg(db));
        sqlite3_close(db);
        return KB_OK;
    }
    l->db = db;
    /* everything in the file itself, so that the kept file is complete on its own */
    r = query_row(db, "PRAGMA wal_checkpoint(TRUNCATE)", &st);
    int busy = r == SQLITE_ROW ? sqlite3_column_int(st, 0) : 1;
    sqlite3_finalize(st);
    if (busy)
        return kb_err_set(err, KB_EDB, "cannot checkpoint '%s': %s", path, sqlite3_errmsg(db));
    r = query_row(db, "SELECT h.seq, h.hash, coalesce(a.at, 0) FROM audit_head h LEFT JOIN "
                  "audit a ON a.seq = h.seq WHERE h.id = 1", &st);
    if (r == SQLITE_ROW) {
        l->has_audit = 1;
        l->head = sqlite3_column_int64(st, 0);
        copy_text(l->head_hash, sizeof l->head_hash, sqlite3_column_text(st, 1));
        l->head_at = sqlite3_column_int64(st, 2);
    } else {
        snprintf(l->why, sizeof l->why, "its audit trail could not be read: %s",
                 sqlite3_errmsg(db));
    }
    sqlite3_finalize(st);
    r = sqlite3_prepare_v2(db, sql_by_file, -1, &st, NULL);
    if (r == SQLITE_OK) {
        sqlite3_bind_text(st, 1, backup_name, -1, SQLITE_STATIC);
        if (sqlite3_step(st) == SQLITE_ROW)
            load_entry(st, &l->logged);
    }
    sqlite3_finalize(st);
    return KB_OK;
}

/* Whether the live chain holds entry seq with hash (1), not (0), or cannot tell (-1). */
static int live_holds(live_db *l, long long seq, const char *hash)
{
    if (!l->db || !l->has_audit)
        return -1;
    if (seq == 0)
        return 1;
    sqlite3_stmt *st = NULL;
    int r = sqlite3_prepare_v2(l->db, "SELECT hash FROM audit WHERE seq = ?1", -1, &st, NULL);
    int out = -1;
    if (r == SQLITE_OK) {
        sqlite3_bind_int64(st, 1, seq);
        r = sqlite3_step(st);
        if (r == SQLITE_ROW) {
            const unsigned char *h = sqlite3_column_text(st, 0);
            out = h && strcmp((const char *)h, hash) == 0;
        } else if (r == SQLITE_DONE) {
            out = 0;
        }
    }
    sqlite3_finalize(st);
    return out;
}

/* Copies from to the new file to (mode), synced; size and SHA-256 of what was copied. */
static kb_status copy_hashed(const char *from, const char *to, mode_t mode, long long *size,
                             char hex[KB_BACKUP_HASH_HEX], kb_err *err)
{
    int in = open(from, O_RDONLY | O_CLOEXEC);
    if (in < 0)
        return kb_err_set(err, errno == ENOENT ? KB_ENOTFOUND : KB_EIO, "cannot open backup "
                          "'%s': %s", from, strerror(errno));
    struct stat st;
    if (fstat(in, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(in);
        return kb_err_set(err, KB_EINVAL, "backup '%s' is not a regular file", from);
    }
    int out = open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
    if (out < 0) {
        kb_status rc = kb_err_set(err, KB_EIO, "cannot create '%s': %s", to, strerror(errno));
        close(in);
        return rc;
    }
    kb_sha256 h;
    kb_hash_sha256_begin(&h);
    unsigned char *buf = kb_xmalloc(HASH_CHUNK);
    long long total = 0;
    kb_status rc = KB_OK;
    for (;;) {
        ssize_t got = read(in, buf, HASH_CHUNK);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            rc = kb_err_set(err, KB_EIO, "cannot read backup '%s': %s", from, strerror(errno));
            break;
        }
        if (got == 0)
            break;
        kb_hash_sha256_add(&h, buf, got);
        total += got;
        for (ssize_t done = 0; done < got && rc == KB_OK;) {
            ssize_t put = write(out, buf + done, (size_t)(got - done));
            if (put < 0 && errno == EINTR)
                continue;
            if (put < 0)
                rc = kb_err_set(err, KB_EIO, "cannot write '%s': %s", to, strerror(errno));
            else
                done += put;
        }
        if (rc != KB_OK)
            break;
    }
    free(buf);
    close(in);
    if (rc == KB_OK && fsync(out) != 0)
        rc = kb_err_set(err, KB_EIO, "cannot sync '%s': %s", to, strerror(errno));
    if (close(out) != 0 && rc == KB_OK)
        rc = kb_err_set(err, KB_EIO, "cannot write '%s': %s", to, strerror(errno));
    if (rc != KB_OK)
        return rc;
    kb_hash_sha256_end(&h, hex);
    *size = total;
    return KB_OK;
}

/* path + suffix into b (reset first). */
static const char *with(kb_buf *b, const char *path, const char *suffix)
{
    kb_buf_reset(b);
    kb_buf_adds(b, path);
    kb_buf_adds(b, suffix);
    return b->data;
}

/* Removes the restore copy and the files SQLite and the saved head put beside it. */
static void remove_copy(const char *tmp)
{
    static const char *const suffixes[] = { "", "-journal", "-wal", "-shm",
                                             KB_AUDIT_HEAD_SUFFIX };
    kb_buf b;
    kb_buf_init(&b, 0);
    for (size_t i = 0; i < sizeof suffixes / sizeof suffixes[0]; i++)
        unlink(with(&b, tmp, suffixes[i]));
    kb_buf_free(&b);
}

/* The replaced database's backup log entries whose files the copy's log does not name
 * (the backups made after this one, and this one itself), keeping their ids when free. */
static const char sql_carry[] =
    "INSERT INTO backup_log(id, at, file, size, sha256, docs, actor, status, verified_at, "
    "verify_result, pruned_at, on_behalf_of) SELECT CASE WHEN EXISTS (SELECT 1 FROM backup_log "
    "WHERE id = ?1) THEN NULL ELSE ?1 END, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12 "
    "WHERE NOT EXISTS (SELECT 1 FROM backup_log WHERE file = ?3)";
/* the replaced log's rows; before schema 11 it has no on_behalf_of */
#define CARRY_COLS                                                                             \
    "SELECT id, at, file, size, sha256, docs, actor, status, verified_at, verify_result, "     \
    "pruned_at, "
static const char *const carry_from[] = { CARRY_COLS "on_behalf_of FROM backup_log ORDER BY id",
                                          CARRY_COLS "'' FROM backup_log ORDER BY id" };

static kb_status carry_log(kb_store *s, live_db *l, long long *n, kb_err *err)
{
    *n = 0;
    if (!l->db)
        return KB_OK;
    sqlite3_stmt *from = NULL;
    for (size_t i = 0; i < 2 && !from; i++)
        if (sqlite3_prepare_v2(l->db, carry_from[i], -1, &from, NULL) != SQLITE_OK) {
            sqlite3_finalize(from);
            from = NULL;
        }
    if (!from)
        return KB_OK; /* no log there (an old schema): nothing to carry */
    sqlite3_stmt *to = kb_store_cached(s, sql_carry, err);
    kb_status rc = to ? KB_OK : KB_EDB;
    int r = SQLITE_DONE;
    while (rc == KB_OK && (r = sqlite3_step(from)) == SQLITE_ROW) {
        for (int i = 0; i < 12; i++)
            sqlite3_bind_value(to, i + 1, sqlite3_column_value(from, i));
        if (sqlite3_step(to) != SQLITE_DONE)
            rc = kb_store_db_err(s, err, "backup log");
        else
            *n += sqlite3_changes(kb_store_db(s));
        kb_store_done(to);
    }
    if (rc == KB_OK && r != SQLITE_DONE)
        rc = kb_err_set(err, KB_EDB, "reading the replaced backup log: %s",
                        sqlite3_errmsg(l->db));
    sqlite3_finalize(from);
    return rc;
}

/* Checks the copy at tmp and appends the backup.restore entry to it. */
static kb_status restore_copy(const char *tmp, const char *name, live_db *l,
                              const char *replaced_name, const char *actor, long long at,
                              kb_backup_restore_info *out, kb_err *err)
{
    kb_store *s = NULL;
    kb_status rc = kb_store_open(tmp, 0, &s, err);
    if (rc != KB_OK)
        return kb_err_prefix(err, KB_EINVAL, "backup '%s' cannot be opened", name);
    kb_audit_check c;
    rc = kb_audit_verify(s, &c, err);
    if (rc == KB_OK && !c.ok)
        rc = kb_err_set(err, KB_EINVAL, "backup '%s' has a broken audit trail at entry %lld "
                        "(%s): %s", name, c.first_bad, kb_audit_problem_name(c.problem), c.why);
    else if (rc != KB_OK)
        rc = kb_err_prefix(err, KB_EINVAL, "backup '%s'", name);
    if (rc != KB_OK) {
        kb_store_free(s);
        return rc;
    }
    out->backup_head = c.head_seq;
    out->old_head = l->has_audit ? l->head : -1;
    kb_buf sum;
    kb_buf_init(&sum, 0);
    kb_buf_addf(&sum, "restored from backup %s (sha256 %s; %s; integrity ok; audit chain "
                "intact to entry %lld); ", name, out->check.sha256,
                out->log_id ? "hash as in the backup log" : "not in the backup log",
                c.head_seq);
    if (replaced_name[0])
        kb_buf_addf(&sum, "the replaced database is kept as %s", replaced_name);
    else
        kb_buf_adds(&sum, "there was no database file to replace");
    int holds = live_holds(l, c.head_seq, c.head_hash);
    char when[32];
    kb_incident_format_time(l->head_at, when, sizeof when);
    if (holds == 1) {
        out->dropped = l->head - c.head_seq;
        if (out->dropped > 0)
            kb_buf_addf(&sum, "; its audit trail had %lld entr%s past the backup's head, %lld "
                        "to %lld (the latest, %lld, hash %s, recorded %s), which this database "
                        "does not hold", out->dropped, out->dropped == 1 ? "y" : "ies",
                        c.head_seq + 1, l->head, l->head, l->head_hash, when);
        else
            kb_buf_adds(&sum, "; its audit trail had no entries past the backup's head");
    } else if (holds == 0) {
        kb_buf_addf(&sum, "; its audit trail does not hold the backup's head (entry %lld): "
                    "another chain, whose latest entry was %lld, hash %s, recorded %s",
                    c.head_seq, l->head, l->head_hash, when);
    } else if (l->exists) {
        kb_buf_addf(&sum, "; what its audit trail held is unknown: %s", l->why);
    }
    /* the log entries and the audit entry commit together */
    rc = kb_store_begin(s, err);
    long long carried = 0;
    if (rc == KB_OK)
        rc = carry_log(s, l, &carried, err);
    if (carried)
        kb_buf_addf(&sum, "; %lld backup log entr%s carried over from it", carried,
                    carried == 1 ? "y" : "ies");
    snprintf(out->summary, sizeof out->summary, "%s", kb_buf_str(&sum));
    kb_buf_free(&sum);
    char object[KB_BACKUP_MAX_FILE + 16];
    snprintf(object, sizeof object, "backup:%.*s", (int)KB_BACKUP_MAX_FILE, name);
    if (rc == KB_OK)
        rc = kb_audit_append(s, at, actor, "backup.restore", object, out->summary, err);
    if (rc == KB_OK)
        rc = kb_store_commit(s, err);
    if (rc == KB_OK)
        out->restored_head = c.head_seq + 1;
    else
        kb_store_rollback(s);
    kb_store_free(s);
    return rc;
}

/* Links path to a free name "<path>.replaced-YYYYMMDD-HHMMSS[-N]" (never replacing). */
static kb_status keep_replaced(const char *path, long long at, kb_buf *name, kb_err *err)
{
    time_t t = (time_t)at;
    struct tm tm;
    if (!gmtime_r(&t, &tm))
        return kb_err_set(err, KB_EINVAL, "restore time %lld is out of range", at);
    for (int n = 0; n < MAX_SEQ; n++) {
        kb_buf_reset(name);
        kb_buf_addf(name, "%s.replaced-%04d%02d%02d-%02d%02d%02d", path, tm.tm_year + 1900,
                    tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
        if (n)
            kb_buf_addf(name, "-%d", n);
        if (link(path, name->data) == 0)
            return KB_OK;
        if (errno != EEXIST)
            return kb_err_set(err, KB_EIO, "cannot keep '%s' as '%s': %s", path, name->data,
                              strerror(errno));
    }
    return kb_err_set(err, KB_EIO, "no free name to keep '%s'", path);
}

/* Syncs the directory that holds path. */
static kb_status sync_parent(const char *path, kb_err *err)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        return sync_dir(".", err);
    if (slash == path)
        return sync_dir("/", err);
    kb_buf d;
    kb_buf_init(&d, 0);
    kb_buf_add(&d, path, (size_t)(slash - path));
    kb_status rc = sync_dir(d.data, err);
    kb_buf_free(&d);
    return rc;
}

/* Moves from (when it exists) to to, never replacing: link, then unlink. */
static kb_status move_beside(const char *from, const char *to, kb_err *err)
{
    if (link(from, to) != 0) {
        if (errno == ENOENT)
            return KB_OK;
        return kb_err_set(err, KB_EIO, "cannot keep '%s' as '%s': %s", from, to,
                          strerror(errno));
    }
    unlink(from);
    return KB_OK;
}

kb_status kb_backup_restore(const char *db, const char *backup, const char *actor,
                            long long at, kb_backup_restore_info *out, kb_err *err)
{
    memset(out, 0, sizeof *out);
    out->old_head = -1;
    out->dropped = -1;
    if (!db || !*db || !backup || !*backup)
        return kb_err_set(err, KB_EINVAL, "a restore needs a database and a backup file");
    if (strlen(db) + 64 > KB_BACKUP_MAX_PATH)
        return kb_err_set(err, KB_EINVAL, "the database path is too long");
    if (at < 0 || at > MAX_TIME)
        return kb_err_set(err, KB_EINVAL, "restore time %lld is out of range", at);
    kb_status rc = kb_hash_init(err);
    if (rc != KB_OK)
        return rc;
    const char *name = strrchr(backup, '/') ? strrchr(backup, '/') + 1 : backup;
    live_db l;
    rc = live_open(db, name, &l, err);
    kb_buf tmp, b, kept;
    kb_buf_init(&tmp, 0);
    kb_buf_init(&b, 0);
    kb_buf_init(&kept, 0);
    with(&tmp, db, ".restoring");
    int copied = 0;
    struct stat st;
    mode_t mode = l.exists && stat(db, &st) == 0 ? (st.st_mode & 0777) : 0600;
    if (rc == KB_OK) {
        remove_copy(tmp.data); /* left by a restore that was killed */
        rc = copy_hashed(backup, tmp.data, mode, &out->check.size, out->check.sha256, err);
        copied = rc == KB_OK;
    }
    out->log_id = l.logged.id;
    if (rc == KB_OK && l.logged.id &&
        (l.logged.size != out->check.size || strcmp(l.logged.sha256, out->check.sha256) != 0))
        rc = kb_err_set(err, KB_EINVAL, "backup '%s' is not the file the backup log recorded: "
                        "%lld bytes, sha256 %s; the log says %lld bytes, sha256 %s", name,
                        out->check.size, out->check.sha256, l.logged.size, l.logged.sha256);
    if (rc == KB_OK) {
        kb_backup_check c;
        rc = check_path(kb_store_schema_max(), tmp.data, NULL, -1,
                        l.logged.id ? l.logged.docs : -1, &c, err);
        if (rc == KB_OK)
            out->check = c;
        if (rc == KB_OK && !c.ok)
            rc = kb_err_set(err, KB_EINVAL, "backup '%s' failed its check: %s", name,
                            c.result);
    }
    /* the name the replaced file will get, for the audit entry: taken now, while locked */
    if (rc == KB_OK && l.exists)
        rc = keep_replaced(db, at, &kept, err);
    const char *kept_name = "";
    if (kept.len)
        kept_name = strrchr(kept.data, '/') ? strrchr(kept.data, '/') + 1 : kept.data;
    if (rc == KB_OK)
        rc = restore_copy(tmp.data, name, &l, kept_name, actor, at, out, err);
    if (rc == KB_OK && stat(with(&b, tmp.data, "-wal"), &st) == 0)
        rc = kb_err_set(err, KB_EDB, "the restored copy '%s' was not closed cleanly", tmp.data);
    /* release the lock: the last connection; its -wal is empty after the checkpoint */
    sqlite3_close(l.db);
    l.db = NULL;
    if (rc == KB_OK && l.exists) {
        kb_buf to;
        kb_buf_init(&to, 0);
        rc = move_beside(with(&b, db, "-wal"), with(&to, kept.data, "-wal"), err);
        unlink(with(&b, db, "-shm")); /* an index of the -wal, never data */
        if (rc == KB_OK)
            rc = move_beside(with(&b, db, KB_AUDIT_HEAD_SUFFIX),
                             with(&to, kept.data, KB_AUDIT_HEAD_SUFFIX), err);
        kb_buf_free(&to);
    }
    if (rc == KB_OK && rename(tmp.data, db) != 0)
        rc = kb_err_set(err, KB_EIO, "cannot rename '%s' to '%s': %s", tmp.data, db,
                        strerror(errno));
    if (rc == KB_OK) {
        copied = 0;
        unlink(with(&b, tmp.data, KB_AUDIT_HEAD_SUFFIX));
        snprintf(out->replaced, sizeof out->replaced, "%s", kept.len ? kept.data : "");
        rc = sync_parent(db, err);
        /* the saved head now names the backup.restore entry */
        kb_store *s = NULL;
        if (rc == KB_OK)
            rc = kb_store_open(db, 0, &s, err);
        if (rc == KB_OK)
            rc = kb_audit_head_reset(s, err);
        kb_store_free(s);
    } else if (kept.len) {
        unlink(kept.data); /* the database stays where it was */
    }
    if (copied)
        remove_copy(tmp.data);
    sqlite3_close(l.db);
    kb_buf_free(&tmp);
    kb_buf_free(&b);
    kb_buf_free(&kept);
    return rc;
}
