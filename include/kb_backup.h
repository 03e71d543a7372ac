#ifndef KB_BACKUP_H
#define KB_BACKUP_H
#include <stddef.h>

#include "kb_err.h"
#include "kb_store.h"

/* Online backups of the whole database, their log, a restore check and retention.
 *
 * A backup is a copy of the live database made with SQLite's online backup API inside one
 * read snapshot, so it is consistent while other connections keep writing (WAL). It is a
 * single self-contained SQLite file in rollback-journal mode, named
 * kedb-YYYYMMDD-HHMMSS-NNN.db (UTC time of the backup, NNN from 000 so that names never
 * repeat), kept in a backup directory that the caller names on every call. Each backup is
 * recorded in the backup log of the live database with its size, its SHA-256 and the
 * number of items it holds. A restore (kb_backup_restore) puts a checked copy of a backup
 * in place of the database while no program has it open, keeps the replaced file and
 * records what it dropped in the audit trail; kedb opens (and migrates) it as any
 * database.
 *
 * All SQL and the sqlite3_backup calls are in kb/store_backup.c. Times are epoch seconds
 * (UTC). */

#define KB_BACKUP_MAX_ACTOR 64u     /* bytes of the actor's name */
#define KB_BACKUP_HASH_HEX 65u      /* lowercase hex SHA-256 and its NUL */
#define KB_BACKUP_MAX_FILE 64u      /* file name and its NUL */
#define KB_BACKUP_MAX_DAYS 36500    /* largest keep_days */

/* One entry of the backup log. A plain value. */
typedef struct {
    long long id;                        /* 1, 2, 3, ... */
    long long at;                        /* when the backup was made */
    char file[KB_BACKUP_MAX_FILE];       /* file name inside the backup directory */
    long long size;                      /* bytes */
    char sha256[KB_BACKUP_HASH_HEX];     /* of the whole file */
    long long docs;                      /* knowledge items in the copy */
    char actor[KB_BACKUP_MAX_ACTOR + 1]; /* who asked for it: the logged-in user or the
                                            program ("" = not said; rows written before
                                            schema 11 hold the name the request gave) */
    char on_behalf_of[KB_BACKUP_MAX_ACTOR + 1]; /* for whom, "" = nobody else */
    char status[16];                     /* "ok" (file kept) or "pruned" (file deleted) */
    long long verified_at;               /* last restore check, 0 = never */
    char verify_result[256];             /* "ok", what the last check found wrong, or "" */
    long long pruned_at;                 /* 0 unless pruned */
} kb_backup;

/* Copies the live database of s into a new file in dir and records it in the log at time
 * at by actor on behalf of on_behalf_of (each NULL or "" = not said; at most
 * KB_BACKUP_MAX_ACTOR bytes, else KB_EINVAL).
 * Creates dir (mode 0700) when it does not exist; its parent must. The copy is written to
 * a temporary file, synced and only then renamed to its final name, which never replaces
 * an existing file. Other connections may read and write throughout; s must not be inside
 * a transaction (KB_EINVAL). On success *out (may be NULL) is the new log entry. On
 * failure no file is left behind and nothing is logged: KB_EIO when dir cannot be created
 * or written (err names the file and the system's reason), KB_EDB when reading the
 * database or writing the log fails. The log entry is also a "backup.create" entry of the
 * audit trail, committed with it. */
kb_status kb_backup_create(kb_store *s, const char *dir, long long at, const char *actor,
                           const char *on_behalf_of, kb_backup *out, kb_err *err);

/* The log, newest first (by time, then id), at most max entries (0 = all), pruned ones
 * included. *out (NULL when *n is 0) is freed with free(). */
kb_status kb_backup_list(kb_store *s, size_t max, kb_backup **out, size_t *n, kb_err *err);

/* The log entry with this id, or the newest one with this file name. KB_ENOTFOUND when
 * there is none. */
kb_status kb_backup_get(kb_store *s, long long id, kb_backup *out, kb_err *err);
kb_status kb_backup_get_file(kb_store *s, const char *file, kb_backup *out, kb_err *err);

/* What a restore check found. A plain value; a check that ran is KB_OK whatever it found. */
typedef struct {
    int ok;                          /* every check below passed */
    int readable;                    /* the file exists and could be read to its end */
    int checksum_ok;                 /* size and SHA-256 equal the expected ones */
    int integrity_ok;                /* PRAGMA integrity_check answered "ok" */
    int kedb_ok;                     /* a kedb database: schema version 2 to the live
                                      * database's, its items readable */
    long long size;                  /* of the file as it is now */
    char sha256[KB_BACKUP_HASH_HEX]; /* of the file as it is now ("" when unreadable) */
    long long schema_version;        /* PRAGMA user_version of the copy */
    long long docs;                  /* items in the copy (-1 when unreadable) */
    char doc_digest[KB_BACKUP_HASH_HEX]; /* kb_backup_digest() of the copy ("" when
                                          * unreadable) */
    char result[256];                /* "ok", or the first thing found wrong */
} kb_backup_check;

/* Restore check of the logged backup id, whose file is in dir: hashes the file and
 * compares size and SHA-256 with the log, opens it read-only (never changing it), runs
 * PRAGMA integrity_check, checks that its schema version is between 2 and that of the
 * live database, that every item is readable and that it holds as many items as the log
 * says. Records the time and the result in the log. *check gets the details and *out
 * (may be NULL) the updated entry. A failed check is KB_OK with check->ok 0; a missing
 * file is a failed check. KB_ENOTFOUND when id is not in the log or its file was pruned. */
kb_status kb_backup_verify(kb_store *s, const char *dir, long long id, long long at,
                           kb_backup_check *check, kb_backup *out, kb_err *err);

/* The same checks on any file, without the log: expect_sha256 (NULL = skip that check)
 * is the expected hash and expect_docs (-1 = skip) the expected number of items; s is
 * the live database whose schema version bounds the accepted range. Changes nothing.
 * KB_OK when the check ran. */
kb_status kb_backup_check_file(kb_store *s, const char *path, const char *expect_sha256,
                               long long expect_docs, kb_backup_check *out, kb_err *err);

#define KB_BACKUP_MAX_PATH 4096u   /* bytes of a path and its NUL */

/* What a restore did. A plain value. */
typedef struct {
    kb_backup_check check;          /* the checks of the backup file (as copied) */
    long long log_id;               /* the backup's entry in the replaced database's log,
                                     * 0 when it has none (then no SHA-256 was compared) */
    long long backup_head;          /* the backup's latest audit entry (0: none) */
    long long old_head;             /* the replaced database's latest entry, -1 unknown */
    long long dropped;              /* entries the replaced chain had past the backup's
                                     * head; -1 when the replaced chain does not hold that
                                     * head or could not be read */
    long long restored_head;        /* the backup.restore entry */
    char replaced[KB_BACKUP_MAX_PATH]; /* where the replaced database file is kept, "" when
                                        * there was none */
    char summary[2048];             /* the backup.restore entry's summary */
} kb_backup_restore_info;

/* Restores the backup file at backup in place of the database at db, at time at, by actor
 * (NULL or "": "anonymous"). No kb_store may be open on db in this process.
 *
 * 1. Takes the database's lock: opens it with SQLite's exclusive locking mode and no busy
 *    wait. In WAL mode every open connection (a running kedb-server, kedb-index,
 *    kedb-import, kedb-admin) holds a shared lock for its whole life, so this fails when
 *    any program has the database open: KB_EIO "in use", nothing changed. The lock is
 *    held until the new file is ready; the WAL is checkpointed into the file first.
 * 2. Copies the backup beside the database ("<db>.restoring"), hashing it, and checks the
 *    copy: size and SHA-256 against the replaced database's backup log when the log names
 *    the file (by its base name), PRAGMA integrity_check, a kedb database of schema version
 *    2 to this kedb's with readable items (as many as the log says), and its audit chain
 *    (kb_audit_verify). Any failure: KB_EINVAL naming it, the copy deleted, the database
 *    untouched.
 * 3. Appends a "backup.restore" entry to the copy's audit trail (object "backup:FILE")
 *    naming the backup, its hash, the file the replaced database is kept as and the
 *    entries the replaced chain had past the backup's head (their numbers, the latest
 *    one's hash and time), or that the replaced chain does not hold the backup's head.
 *    In the same transaction the replaced database's backup log entries for files the
 *    copy's log does not name are carried over (the backup itself and later ones), so
 *    they can still be checked and pruned.
 * 4. Releases the lock, keeps the replaced file as "<db>.replaced-YYYYMMDD-HHMMSS" (a hard
 *    link, never over an existing file; "-N" added when taken; its -wal and saved head
 *    move with it), renames the copy to db and sets the saved head (kb_audit.h) to the new
 *    entry. Between releasing the lock and the rename (microseconds) a program that opens
 *    the database would see the replaced file: start nothing while a restore runs.
 * KB_ENOTFOUND when backup does not exist; KB_EIO when files cannot be written. */
kb_status kb_backup_restore(const char *db, const char *backup, const char *actor,
                            long long at, kb_backup_restore_info *out, kb_err *err);

/* A content digest of the doc table: SHA-256 over every column of every item in row
 * order, in one read snapshot; equal digests mean equal items. *docs gets the number of
 * items. Used to compare a backup with the database it came from. */
kb_status kb_backup_digest(kb_store *s, long long *docs, char digest[KB_BACKUP_HASH_HEX],
                           kb_err *err);

/* Retention: of the backups whose files are kept (status "ok"), keeps the newest keep_last
 * (at least 1, so the newest is never deleted) and, when keep_days > 0, every one made at
 * or after at - keep_days * 86400; deletes the files of the others from dir and marks
 * them "pruned" at time at, in one write transaction. Only files named in the log are
 * ever deleted, and only names of the kedb-YYYYMMDD-HHMMSS-NNN.db shape (a file that is
 * already gone is marked pruned too). KB_EINVAL when keep_last < 1 or keep_days is not
 * 0..KB_BACKUP_MAX_DAYS. *out (may be NULL; freed with free(); NULL when *n is 0) gets
 * the entries pruned and *n their number. A file that cannot be deleted stays logged as
 * "ok" and makes the result KB_EIO, with *out and *n still describing the others.
 * Temporary files that a backup killed midway left in dir (".kedb-backup-" and six
 * letters, not written to for an hour) are deleted too. Each pruned backup is a
 * "backup.prune" entry of the audit trail by actor (NULL: "anonymous"), in the same
 * transaction. */
kb_status kb_backup_prune(kb_store *s, const char *dir, long long keep_last, long long keep_days,
                          const char *actor, long long at, kb_backup **out, size_t *n,
                          kb_err *err);

#endif
