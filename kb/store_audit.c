/* The audit trail (all SQL): schema (version 5), appending inside the caller's write
 * transaction, verification and lists. See include/kb_audit.h. */
#include "kb_audit.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kb_alloc.h"
#include "kb_buf.h"
#include "kb_hash.h"
#include "kb_incident.h"
#include "kb_text.h"
#include "store_int.h"

#define SAVED_MAX 512     /* bytes read of a saved head file */

/* audit: the entries, seq 1, 2, 3, ... The triggers make it append-only for kedb itself
 * (someone editing the file can drop them, which is what verification is for).
 * audit_head: one row, the latest seq and hash, written with every entry, so that deleting
 * entries at the end leaves a trace. */
static const char schema_v5[] =
    "CREATE TABLE IF NOT EXISTS audit("
    "  seq INTEGER PRIMARY KEY,"
    "  at INTEGER NOT NULL,"
    "  actor TEXT NOT NULL,"
    "  action TEXT NOT NULL,"
    "  object TEXT NOT NULL,"
    "  summary TEXT NOT NULL,"
    "  prev TEXT NOT NULL,"
    "  hash TEXT NOT NULL);"
    "CREATE INDEX IF NOT EXISTS audit_by_at ON audit(at);"
    "CREATE INDEX IF NOT EXISTS audit_by_actor ON audit(actor);"
    "CREATE INDEX IF NOT EXISTS audit_by_object ON audit(object);"
    "CREATE TABLE IF NOT EXISTS audit_head("
    "  id INTEGER PRIMARY KEY CHECK (id = 1),"
    "  seq INTEGER NOT NULL,"
    "  hash TEXT NOT NULL);"
    "INSERT OR IGNORE INTO audit_head(id, seq, hash) VALUES (1, 0, '');"
    "CREATE TRIGGER IF NOT EXISTS audit_no_update BEFORE UPDATE ON audit "
    "BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;"
    "CREATE TRIGGER IF NOT EXISTS audit_no_delete BEFORE DELETE ON audit "
    "BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;"
    "CREATE TRIGGER IF NOT EXISTS audit_head_no_delete BEFORE DELETE ON audit_head "
    "BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;";

#define ENTRY_COLS "seq, at, actor, action, object, summary, prev, hash"

#define LIST_WHERE                                                                             \
    " WHERE (?1 IS NULL OR actor = ?1)"                                                        \
    " AND (?2 IS NULL OR action = ?2)"                                                         \
    " AND (?3 IS NULL OR substr(object, 1, length(?3)) = ?3)"                                  \
    " AND (?4 = 0 OR at >= ?4)"                                                                \
    " AND (?5 = 0 OR at < ?5)"

static const char sql_exists[] =
    "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN ('audit', "
    "'audit_head')";
static const char sql_head[] = "SELECT seq, hash FROM audit_head WHERE id = 1";
static const char sql_insert[] = "INSERT INTO audit(" ENTRY_COLS ") "
                                 "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";
static const char sql_head_set[] = "UPDATE audit_head SET seq = ?1, hash = ?2 WHERE id = 1";
static const char sql_all[] = "SELECT " ENTRY_COLS " FROM audit ORDER BY seq";
static const char sql_list[] = "SELECT " ENTRY_COLS " FROM audit" LIST_WHERE
                               " ORDER BY seq DESC LIMIT ?6 OFFSET ?7";
static const char sql_count[] = "SELECT count(*) FROM audit" LIST_WHERE;
static const char sql_head_at[] =
    "SELECT h.seq, h.hash, coalesce(a.at, 0) FROM audit_head h "
    "LEFT JOIN audit a ON a.seq = h.seq WHERE h.id = 1";
static const char sql_hash_of[] = "SELECT hash FROM audit WHERE seq = ?1";

kb_status kb_audit_migrate(kb_store *s, kb_err *err)
{
    return kb_store_exec(s, schema_v5, err);
}

/* A copy of s (NULL = "") of at most max bytes, cut at a UTF-8 character boundary. */
static char *cut(const char *s, size_t max)
{
    if (!s)
        return kb_xstrdup("");
    return kb_xstrndup(s, kb_text_utf8_cut(s, strlen(s), max));
}

static const char *col_text(sqlite3_stmt *st, int i)
{
    const char *v = (const char *)sqlite3_column_text(st, i);
    return v ? v : "";
}

/* Reads the recorded latest entry; *found is 0 when the head row is missing. */
static kb_status read_head(kb_store *s, long long *seq, char *hash, int *found, kb_err *err)
{
    *seq = 0;
    hash[0] = '\0';
    *found = 0;
    sqlite3_stmt *st = kb_store_cached(s, sql_head, err);
    if (!st)
        return KB_EDB;
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *found = 1;
        *seq = sqlite3_column_int64(st, 0);
        const char *h = col_text(st, 1);
        /* longer than a hash: keep something no hash equals rather than a prefix */
        snprintf(hash, KB_AUDIT_HASH_HEX, "%s", strlen(h) < KB_AUDIT_HASH_HEX ? h : "invalid");
    }
    kb_status r = kb_store_step_err(s, rc, err, "audit head");
    kb_store_done(st);
    return r;
}

/* Writes entry seq with its hash and moves the head to it. */
static kb_status write_entry(kb_store *s, long long seq, long long at, char *const f[4],
                             const char *prev, kb_err *err)
{
    char hash[KB_AUDIT_HASH_HEX];
    kb_audit_hash(seq, at, f[0], f[1], f[2], f[3], prev, hash);
    sqlite3_stmt *st = kb_store_cached(s, sql_insert, err);
    if (!st)
        return KB_EDB;
    sqlite3_bind_int64(st, 1, seq);
    sqlite3_bind_int64(st, 2, at);
    for (int i = 0; i < 4; i++)
        sqlite3_bind_text(st, 3 + i, f[i], -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 7, prev, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 8, hash, -1, SQLITE_STATIC);
    kb_status rc = kb_store_step_err(s, sqlite3_step(st), err, "audit append");
    kb_store_done(st);
    if (rc != KB_OK)
        return rc;
    st = kb_store_cached(s, sql_head_set, err);
    if (!st)
        return KB_EDB;
    sqlite3_bind_int64(st, 1, seq);
    sqlite3_bind_text(st, 2, hash, -1, SQLITE_STATIC);
    rc = kb_store_step_err(s, sqlite3_step(st), err, "audit head");
    kb_store_done(st);
    return rc;
}

kb_status kb_audit_append(kb_store *s, long long at, const char *actor, const char *action,
                          const char *object, const char *summary, kb_err *err)
{
    if (!action || !*action)
        return kb_err_set(err, KB_EINVAL, "an audit entry needs an action");
    kb_status rc = kb_hash_init(err);
    if (rc != KB_OK)
        return rc;
    /* a change recorded for someone else also names who was logged in */
    const char *who = actor && *actor ? actor : "anonymous";
    const char *user = kb_store_user(s);
    kb_buf sum;
    kb_buf_init(&sum, 0);
    kb_buf_adds(&sum, summary ? summary : "");
    if (user[0] && strcmp(user, who) != 0 && actor && *actor)
        kb_buf_addf(&sum, "%s(recorded by %s)", sum.len ? " " : "", user);
    char *f[4] = { cut(who, KB_AUDIT_MAX_FIELD), cut(action, KB_AUDIT_MAX_FIELD),
                   cut(object, KB_AUDIT_MAX_FIELD), cut(kb_buf_str(&sum), KB_AUDIT_MAX_SUMMARY) };
    kb_buf_free(&sum);
    int own;
    rc = kb_store_write_begin(s, &own, err);
    if (rc == KB_OK) {
        /* Inside the write transaction: no other connection can append between reading
         * the head and writing the entry after it. */
        long long seq;
        char prev[KB_AUDIT_HASH_HEX];
        int found;
        rc = read_head(s, &seq, prev, &found, err);
        if (rc == KB_OK && !found)
            rc = kb_err_set(err, KB_EDB, "the audit trail's record of its latest entry is "
                            "missing (run kedb-admin audit-verify)");
        if (rc == KB_OK)
            rc = write_entry(s, seq + 1, at, f, prev, err);
        if (rc == KB_OK)
            kb_store_mark_audited(s);
        rc = kb_store_write_end(s, own, rc, err);
    }
    for (int i = 0; i < 4; i++)
        free(f[i]);
    return rc;
}

/* --- the saved head beside the database --- */

typedef struct {
    long long seq;
    long long at;
    char hash[KB_AUDIT_HASH_HEX];
} saved_head;

/* "<database path>.audit-head" into b; 0 when the database has no file (":memory:"). */
static int saved_path(kb_store *s, kb_buf *b)
{
    const char *db = sqlite3_db_filename(kb_store_db(s), "main");
    if (!db || !*db)
        return 0;
    kb_buf_reset(b);
    kb_buf_adds(b, db);
    kb_buf_adds(b, KB_AUDIT_HEAD_SUFFIX);
    return 1;
}

static int is_hex64(const char *h)
{
    if (strlen(h) != KB_AUDIT_HASH_HEX - 1)
        return 0;
    for (const char *p = h; *p; p++)
        if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
            return 0;
    return 1;
}

/* Parses the file's text (len bytes): 1 when it is a saved head. */
static int saved_parse(const char *text, size_t len, saved_head *out)
{
    char hash[KB_AUDIT_HASH_HEX + 1] = "";
    int end = -1;
    if (len == 0 || len >= SAVED_MAX || memchr(text, '\0', len))
        return 0;
    if (sscanf(text, "kedb audit head 1\nseq %lld\nat %lld\nhash %65[0-9a-f]\n%n", &out->seq,
               &out->at, hash, &end) != 3 ||
        end != (int)len || out->seq < 1 || !is_hex64(hash))
        return 0;
    memcpy(out->hash, hash, KB_AUDIT_HASH_HEX);
    return 1;
}

/* Reads the saved head from the open file fd: 1 found, 0 empty, -1 not a saved head. */
static int saved_read_fd(int fd, saved_head *out)
{
    char text[SAVED_MAX];
    size_t len = 0;
    while (len < sizeof text - 1) {
        ssize_t got = pread(fd, text + len, sizeof text - 1 - len, (off_t)len);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0)
            return -1;
        if (got == 0)
            break;
        len += (size_t)got;
    }
    text[len] = '\0';
    /* Empty, or zeros: what a power cut can leave of a file replaced without a sync (the
     * file is not synced: a lost update only leaves the saved head behind). */
    size_t zeros = 0;
    while (zeros < len && text[zeros] == '\0')
        zeros++;
    if (zeros == len)
        return 0;
    return saved_parse(text, len, out) ? 1 : -1;
}

/* Writes head h over the record in the open file fd. The record has one fixed length
 * (numbers zero-padded), so it is overwritten in place by one small write: no new file, no
 * rename, no sync per commit (a rename per commit cost most of the desk's write rate). A
 * power cut can lose the update (the saved head stays behind, which verification accepts)
 * or leave a new file's bytes as zeros (counted as none); the commit itself was synced
 * first (synchronous=FULL), so the saved head is never ahead of what survives. */
static kb_status saved_write(int fd, const char *path, long long seq, long long at,
                             const char *hash, kb_err *err)
{
    char text[SAVED_MAX];
    int n = snprintf(text, sizeof text, "kedb audit head 1\nseq %020lld\nat %020lld\nhash %s\n",
                     seq, at < 0 ? 0 : at, hash);
    if (pwrite(fd, text, (size_t)n, 0) != n || ftruncate(fd, n) != 0)
        return kb_err_set(err, KB_EIO, "cannot write '%s': %s", path, strerror(errno));
    return KB_OK;
}

/* Opens the saved head file (creating it empty when there is none) and locks it: op is
 * LOCK_EX for writers, LOCK_SH for readers. -1 on error (errno says why). */
static int saved_open(const char *path, int op)
{
    int fd = op == LOCK_EX ? open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600)
                           : open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    if (flock(fd, op) != 0) {
        int e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    return fd;
}

/* The current head of the chain with its entry's time. */
static kb_status head_now(kb_store *s, saved_head *h, int *found, kb_err *err)
{
    memset(h, 0, sizeof *h);
    *found = 0;
    sqlite3_stmt *st = kb_store_cached(s, sql_head_at, err);
    if (!st)
        return KB_EDB;
    int r = sqlite3_step(st);
    if (r == SQLITE_ROW) {
        h->seq = sqlite3_column_int64(st, 0);
        snprintf(h->hash, sizeof h->hash, "%s", col_text(st, 1));
        h->at = sqlite3_column_int64(st, 2);
        *found = h->seq > 0 && is_hex64(h->hash);
    }
    kb_status rc = kb_store_step_err(s, r, err, "audit head");
    kb_store_done(st);
    return rc;
}

/* Whether the chain holds entry seq with this hash. */
static kb_status chain_holds(kb_store *s, long long seq, const char *hash, int *out, kb_err *err)
{
    *out = 0;
    sqlite3_stmt *st = kb_store_cached(s, sql_hash_of, err);
    if (!st)
        return KB_EDB;
    sqlite3_bind_int64(st, 1, seq);
    int r = sqlite3_step(st);
    if (r == SQLITE_ROW)
        *out = strcmp(col_text(st, 0), hash) == 0;
    kb_status rc = kb_store_step_err(s, r, err, "audit head");
    kb_store_done(st);
    return rc;
}

/* Moves the saved head to the chain's head; force replaces whatever it held. */
static kb_status head_save(kb_store *s, int force, kb_err *err)
{
    kb_buf path;
    kb_buf_init(&path, 0);
    if (!saved_path(s, &path)) {
        kb_buf_free(&path);
        return KB_OK;
    }
    saved_head now;
    int found;
    kb_status rc = head_now(s, &now, &found, err);
    if (rc != KB_OK || !found) {
        kb_buf_free(&path);
        return rc;
    }
    int fd = saved_open(path.data, LOCK_EX);
    if (fd < 0) {
        rc = kb_err_set(err, KB_EIO, "cannot open '%s': %s", path.data, strerror(errno));
        kb_buf_free(&path);
        return rc;
    }
    saved_head old;
    int move = 1;
    if (!force && saved_read_fd(fd, &old) == 1) {
        int holds = 0;
        /* never backwards, and never away from a head the chain does not hold */
        if (old.seq >= now.seq)
            move = 0;
        else if ((rc = chain_holds(s, old.seq, old.hash, &holds, err)) != KB_OK || !holds)
            move = 0;
    }
    if (rc == KB_OK && move)
        rc = saved_write(fd, path.data, now.seq, now.at, now.hash, err);
    close(fd);
    kb_buf_free(&path);
    return rc;
}

void kb_audit_head_save(kb_store *s)
{
    /* A failure leaves the saved head behind the chain, which verification accepts; it
     * shows there as a saved head older than the latest entry. */
    head_save(s, 0, NULL);
}

kb_status kb_audit_head_reset(kb_store *s, kb_err *err)
{
    kb_status rc = kb_hash_init(err);
    return rc == KB_OK ? head_save(s, 1, err) : rc;
}

void kb_audit_head_forget(kb_store *s)
{
    kb_buf path;
    kb_buf_init(&path, 0);
    if (saved_path(s, &path))
        unlink(path.data);
    kb_buf_free(&path);
}

/* Reads the saved head for verification: 1 found, 0 none, -1 unreadable (why says). */
static int saved_load(kb_store *s, saved_head *out, char *why, size_t size)
{
    kb_buf path;
    kb_buf_init(&path, 0);
    int r = 0;
    if (saved_path(s, &path)) {
        int fd = saved_open(path.data, LOCK_SH);
        if (fd < 0 && errno != ENOENT) {
            snprintf(why, size, "the saved head '%s' cannot be read: %s", path.data,
                     strerror(errno));
            r = -1;
        } else if (fd >= 0) {
            r = saved_read_fd(fd, out);
            close(fd);
            if (r < 0)
                snprintf(why, size, "the saved head '%s' is not a kedb audit head", path.data);
        }
    }
    kb_buf_free(&path);
    return r;
}

/* Records the first problem found. */
#if defined(__GNUC__)
__attribute__((format(printf, 4, 5)))
#endif
static void bad(kb_audit_check *out, long long seq, kb_audit_problem p, const char *fmt, ...)
{
    if (!out->ok)
        return;
    out->ok = 0;
    out->first_bad = seq;
    out->problem = p;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(out->why, sizeof out->why, fmt, ap);
    va_end(ap);
    if (n < 0)
        out->why[0] = '\0';
}

/* Compares the chain that ends at entry last with the saved head; at_saved is the hash
 * of the chain's entry numbered out->saved_seq ("" when there is none). */
static void check_saved(kb_audit_check *out, long long last, const char *at_saved)
{
    char when[32];
    kb_incident_format_time(out->saved_at, when, sizeof when);
    if (out->saved_seq > last)
        bad(out, last + 1, KB_AUDIT_TRUNCATED, "truncated: the chain ends at %lld, but entry "
            "%lld (hash %s) was recorded on %s", last, out->saved_seq, out->saved_hash, when);
    else if (strcmp(at_saved, out->saved_hash) != 0)
        bad(out, out->saved_seq, KB_AUDIT_REPLACED, "replaced: entry %lld has hash %.16s…, "
            "but entry %lld was recorded with hash %s on %s (the database was swapped for "
            "another or rewritten)", out->saved_seq, at_saved, out->saved_seq,
            out->saved_hash, when);
}

/* Checks every entry in order and the head after the last one. */
static kb_status walk(kb_store *s, kb_audit_check *out, kb_err *err)
{
    char at_saved[KB_AUDIT_HASH_HEX] = "";
    int found;
    kb_status rc = read_head(s, &out->head_seq, out->head_hash, &found, err);
    if (rc != KB_OK)
        return rc;
    sqlite3_stmt *st = kb_store_cached(s, sql_all, err);
    if (!st)
        return KB_EDB;
    long long expect = 1;
    char prev[KB_AUDIT_HASH_HEX] = "";
    char hash[KB_AUDIT_HASH_HEX];
    int r;
    while ((r = sqlite3_step(st)) == SQLITE_ROW) {
        out->entries++;
        long long seq = sqlite3_column_int64(st, 0);
        const char *stored = col_text(st, 7);
        if (out->ok) {
            if (seq < expect) {
                bad(out, seq, KB_AUDIT_UNEXPECTED, "entry %lld does not belong in the "
                    "sequence (expected entry %lld)", seq, expect);
            } else if (seq > expect) {
                if (seq == expect + 1)
                    bad(out, expect, KB_AUDIT_MISSING, "entry %lld is missing (the next "
                        "entry is %lld)", expect, seq);
                else
                    bad(out, expect, KB_AUDIT_MISSING, "entries %lld to %lld are missing",
                        expect, seq - 1);
            } else if (strcmp(col_text(st, 6), prev) != 0) {
                bad(out, seq, KB_AUDIT_BROKEN_LINK, "entry %lld does not link to the hash of "
                    "entry %lld", seq, seq - 1);
            } else {
                kb_audit_hash(seq, sqlite3_column_int64(st, 1), col_text(st, 2),
                              col_text(st, 3), col_text(st, 4), col_text(st, 5), prev, hash);
                if (strcmp(hash, stored) != 0)
                    bad(out, seq, KB_AUDIT_HASH_MISMATCH, "entry %lld was changed: its "
                        "contents do not match its hash", seq);
            }
        }
        if (out->saved && seq == out->saved_seq)
            snprintf(at_saved, sizeof at_saved, "%s", strlen(stored) < sizeof at_saved ?
                     stored : "invalid");
        snprintf(prev, sizeof prev, "%s", stored);
        expect = seq + 1;
    }
    rc = kb_store_step_err(s, r, err, "audit verify");
    kb_store_done(st);
    if (rc != KB_OK || !out->ok)
        return rc;
    long long last = expect - 1;
    if (!found)
        bad(out, last, KB_AUDIT_HEAD_MISMATCH, "the record of the latest entry is missing "
            "(the last entry is %lld)", last);
    else if (out->head_seq > last && out->head_seq == last + 1)
        bad(out, last + 1, KB_AUDIT_MISSING, "entry %lld is missing (deleted at the end; "
            "the trail ends at %lld)", last + 1, last);
    else if (out->head_seq > last)
        bad(out, last + 1, KB_AUDIT_MISSING, "entries %lld to %lld are missing (deleted at "
            "the end)", last + 1, out->head_seq);
    else if (out->head_seq < last)
        bad(out, out->head_seq + 1, KB_AUDIT_UNEXPECTED, "entry %lld was added after the "
            "recorded latest entry %lld", out->head_seq + 1, out->head_seq);
    else if (strcmp(out->head_hash, prev) != 0)
        bad(out, last, KB_AUDIT_HEAD_MISMATCH, "entry %lld differs from the recorded latest "
            "entry", last);
    if (out->saved)
        check_saved(out, last, at_saved);
    return KB_OK;
}

kb_status kb_audit_verify(kb_store *s, kb_audit_check *out, kb_err *err)
{
    memset(out, 0, sizeof *out);
    out->ok = 1;
    kb_status rc = kb_hash_init(err);
    if (rc != KB_OK)
        return rc;
    sqlite3_stmt *st = kb_store_cached(s, sql_exists, err);
    if (!st)
        return KB_EDB;
    int r = sqlite3_step(st);
    long long tables = r == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    rc = kb_store_step_err(s, r, err, "audit verify");
    kb_store_done(st);
    if (rc != KB_OK)
        return rc;
    if (tables != 2)
        return kb_err_set(err, KB_ENOTFOUND, "the database has no audit trail (schema older "
                          "than version 5: open it once with kedb-index or kedb-server)");
    /* The saved head is read before the snapshot starts: it is written only after a
     * commit, so the snapshot holds every entry it can name. */
    saved_head sv;
    char why[sizeof out->why] = "";
    int saved = saved_load(s, &sv, why, sizeof why);
    if (saved == 1) {
        out->saved = 1;
        out->saved_seq = sv.seq;
        out->saved_at = sv.at;
        memcpy(out->saved_hash, sv.hash, sizeof out->saved_hash);
    }
    /* One read transaction: the head and the entries come from the same snapshot while
     * other connections go on appending. */
    int own = sqlite3_get_autocommit(kb_store_db(s));
    if (own) {
        rc = kb_store_exec(s, "BEGIN", err);
        if (rc != KB_OK)
            return rc;
    }
    rc = walk(s, out, err);
    if (rc == KB_OK && saved < 0)
        bad(out, out->head_seq, KB_AUDIT_SAVED_INVALID, "%s", why);
    if (own)
        kb_store_exec(s, rc == KB_OK ? "COMMIT" : "ROLLBACK", NULL);
    if (rc != KB_OK)
        memset(out, 0, sizeof *out);
    return rc;
}

/* --- lists --- */

void kb_audit_page_free(kb_audit_page *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->n; i++) {
        kb_audit_entry *e = &p->items[i];
        free(e->actor);
        free(e->action);
        free(e->object);
        free(e->summary);
        free(e->prev);
        free(e->hash);
    }
    free(p->items);
    free(p);
}

static void bind_filter(sqlite3_stmt *st, const kb_audit_filter *f)
{
    kb_store_bind_opt(st, 1, f->actor);
    kb_store_bind_opt(st, 2, f->action);
    kb_store_bind_opt(st, 3, f->object);
    sqlite3_bind_int64(st, 4, f->from);
    sqlite3_bind_int64(st, 5, f->to);
}

kb_status kb_audit_list(kb_store *s, const kb_audit_filter *f, kb_audit_page **out,
                        kb_err *err)
{
    *out = NULL;
    size_t max = f->max_limit ? f->max_limit : KB_AUDIT_MAX_LIMIT;
    size_t limit = f->limit ? f->limit : 50;
    if (limit > max)
        limit = max;
    kb_audit_page *p = kb_xcalloc(1, sizeof *p);
    kb_status rc = KB_OK;
    sqlite3_stmt *st = kb_store_cached(s, sql_count, err);
    if (!st)
        rc = KB_EDB;
    if (rc == KB_OK) {
        bind_filter(st, f);
        int r = sqlite3_step(st);
        if (r == SQLITE_ROW)
            p->total = sqlite3_column_int64(st, 0);
        rc = kb_store_step_err(s, r, err, "audit list");
        kb_store_done(st);
    }
    if (rc == KB_OK && p->total > 0 && (long long)f->offset < p->total) {
        st = kb_store_cached(s, sql_list, err);
        if (!st)
            rc = KB_EDB;
    }
    if (rc == KB_OK && p->total > 0 && (long long)f->offset < p->total) {
        bind_filter(st, f);
        sqlite3_bind_int64(st, 6, (sqlite3_int64)limit);
        sqlite3_bind_int64(st, 7, (sqlite3_int64)f->offset);
        size_t cap = 0;
        int r;
        while ((r = sqlite3_step(st)) == SQLITE_ROW) {
            if (p->n == cap) {
                cap = cap ? cap * 2 : 16;
                p->items = kb_xrealloc(p->items, cap * sizeof *p->items);
            }
            kb_audit_entry *e = &p->items[p->n++];
            e->seq = sqlite3_column_int64(st, 0);
            e->at = sqlite3_column_int64(st, 1);
            e->actor = kb_xstrdup(col_text(st, 2));
            e->action = kb_xstrdup(col_text(st, 3));
            e->object = kb_xstrdup(col_text(st, 4));
            e->summary = kb_xstrdup(col_text(st, 5));
            e->prev = kb_xstrdup(col_text(st, 6));
            e->hash = kb_xstrdup(col_text(st, 7));
        }
        rc = kb_store_step_err(s, r, err, "audit list");
        kb_store_done(st);
    }
    if (rc != KB_OK) {
        kb_audit_page_free(p);
        return rc;
    }
    *out = p;
    return KB_OK;
}
