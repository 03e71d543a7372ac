/* Users, sessions and failed-login counts (all SQL): schema (versions 7 and 10), changes with
 * their audit entries, login, password change, session lookup and logout. See
 * include/kb_user.h. */
#include "kb_user.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kb_alloc.h"
#include "kb_audit.h"
#include "kb_buf.h"
#include "kb_hash.h"
#include "store_int.h"

/* app_user: accounts. user_session: live sessions by the SHA-256 of their token.
 * login_failure: failed logins per name since the first failure of the current window. */
static const char schema_v7[] =
    "CREATE TABLE IF NOT EXISTS app_user("
    "  name TEXT PRIMARY KEY,"
    "  hash TEXT NOT NULL,"
    "  roles INTEGER NOT NULL,"
    "  disabled INTEGER NOT NULL DEFAULT 0,"
    "  created INTEGER NOT NULL,"
    "  updated INTEGER NOT NULL) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS user_session("
    "  token_hash TEXT PRIMARY KEY,"
    "  name TEXT NOT NULL,"
    "  csrf TEXT NOT NULL,"
    "  created INTEGER NOT NULL,"
    "  expires INTEGER NOT NULL) WITHOUT ROWID;"
    "CREATE INDEX IF NOT EXISTS user_session_by_name ON user_session(name);"
    "CREATE TABLE IF NOT EXISTS login_failure("
    "  name TEXT PRIMARY KEY,"
    "  count INTEGER NOT NULL,"
    "  since INTEGER NOT NULL) WITHOUT ROWID;";

/* Version 10. login_window: failed logins of one client address and name ("?" for names
 * nobody has) since the first of the current audit window; the first was written to the
 * audit trail, pending more are written as one entry when the window closes. The unique
 * index on names regardless of case is made only where no two names differ only in case
 * (see kb_user_migrate_names). */
static const char schema_v10[] =
    "CREATE TABLE IF NOT EXISTS login_window("
    "  client TEXT NOT NULL,"
    "  name TEXT NOT NULL,"
    "  first INTEGER NOT NULL,"
    "  last INTEGER NOT NULL,"
    "  pending INTEGER NOT NULL,"
    "  PRIMARY KEY(client, name)) WITHOUT ROWID;"
    "CREATE INDEX IF NOT EXISTS login_window_by_first ON login_window(first);";
static const char sql_case_collisions[] =
    "SELECT count(*) FROM (SELECT 1 FROM app_user GROUP BY name COLLATE NOCASE "
    "HAVING count(*) > 1)";
static const char sql_nocase_index[] =
    "CREATE UNIQUE INDEX IF NOT EXISTS app_user_name_nocase ON app_user(name COLLATE NOCASE)";

static const char sql_insert[] =
    "INSERT INTO app_user(name, hash, roles, disabled, created, updated) "
    "VALUES (?1, ?2, ?3, 0, ?4, ?4)";
static const char sql_get[] =
    "SELECT name, roles, disabled, created, updated, hash FROM app_user WHERE name = ?1";
static const char sql_same_name[] =
    "SELECT name FROM app_user WHERE name = ?1 COLLATE NOCASE ORDER BY name = ?1 DESC LIMIT 1";
static const char sql_enabled_admins[] =
    "SELECT count(*) FROM app_user WHERE disabled = 0 AND (roles & 16) != 0";
static const char sql_list[] =
    "SELECT name, roles, disabled, created, updated FROM app_user ORDER BY name";
static const char sql_set_hash[] = "UPDATE app_user SET hash = ?2, updated = ?3 WHERE name = ?1";
static const char sql_set_roles[] =
    "UPDATE app_user SET roles = ?2, updated = ?3 WHERE name = ?1";
static const char sql_set_disabled[] =
    "UPDATE app_user SET disabled = ?2, updated = ?3 WHERE name = ?1";
static const char sql_revoke_all[] = "DELETE FROM user_session WHERE name = ?1";
static const char sql_revoke_others[] =
    "DELETE FROM user_session WHERE name = ?1 AND token_hash <> ?2";
static const char sql_session_add[] =
    "INSERT INTO user_session(token_hash, name, csrf, created, expires) "
    "VALUES (?1, ?2, ?3, ?4, ?5)";
static const char sql_session_prune[] = "DELETE FROM user_session WHERE expires <= ?1";
static const char sql_session_get[] =
    "SELECT s.name, s.csrf, s.expires, u.roles, u.disabled FROM user_session s "
    "JOIN app_user u ON u.name = s.name WHERE s.token_hash = ?1";
static const char sql_session_name[] = "SELECT name FROM user_session WHERE token_hash = ?1";
static const char sql_session_del[] = "DELETE FROM user_session WHERE token_hash = ?1";
static const char sql_fail_get[] = "SELECT count, since FROM login_failure WHERE name = ?1";
static const char sql_fail_prune[] = "DELETE FROM login_failure WHERE since <= ?1";
static const char sql_fail_add[] =
    "INSERT INTO login_failure(name, count, since) VALUES (?1, 1, ?2) "
    "ON CONFLICT(name) DO UPDATE SET count = count + 1";
static const char sql_fail_clear[] = "DELETE FROM login_failure WHERE name = ?1";
static const char sql_window_closed[] =
    "SELECT client, name, last - first, pending FROM login_window WHERE first <= ?1 "
    "ORDER BY first LIMIT 64";
static const char sql_window_get[] =
    "SELECT pending FROM login_window WHERE client = ?1 AND name = ?2";
static const char sql_window_open[] =
    "INSERT INTO login_window(client, name, first, last, pending) VALUES (?1, ?2, ?3, ?3, 0)";
static const char sql_window_add[] =
    "UPDATE login_window SET pending = pending + 1, last = ?3 WHERE client = ?1 AND name = ?2";
static const char sql_window_del[] = "DELETE FROM login_window WHERE client = ?1 AND name = ?2";

kb_status kb_user_migrate(kb_store *s, kb_err *err)
{
    return kb_store_exec(s, schema_v7, err);
}

/* One integer from a query without parameters. */
static kb_status scalar(kb_store *s, const char *sql, long long *out, kb_err *err)
{
    *out = 0;
    sqlite3_stmt *st = kb_store_cached(s, sql, err);
    if (!st)
        return KB_EDB;
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *out = sqlite3_column_int64(st, 0);
    kb_store_done(st);
    return rc == SQLITE_ROW ? KB_OK : kb_store_db_err(s, err, "users");
}

kb_status kb_user_migrate_names(kb_store *s, kb_err *err)
{
    kb_status rc = kb_store_exec(s, schema_v10, err);
    long long n = 0;
    if (rc == KB_OK)
        rc = scalar(s, sql_case_collisions, &n, err);
    /* a database that already holds names differing only in case keeps them (no data is
     * lost, each still logs in with its exact name); kb_user_add refuses new ones either
     * way */
    if (rc == KB_OK && n == 0)
        rc = kb_store_exec(s, sql_nocase_index, err);
    return rc;
}

/* Runs a write statement binding text ?1 and, when given, int64 ?2 and ?3 (has says how
 * many ints). *changes gets the rows changed when not NULL. */
static kb_status run(kb_store *s, const char *sql, const char *text, int has, long long a,
                     long long b, int *changes, kb_err *err)
{
    sqlite3_stmt *st = kb_store_cached(s, sql, err);
    if (!st)
        return KB_EDB;
    if (text)
        sqlite3_bind_text(st, 1, text, -1, SQLITE_STATIC);
    if (has >= 1)
        sqlite3_bind_int64(st, text ? 2 : 1, a);
    if (has >= 2)
        sqlite3_bind_int64(st, text ? 3 : 2, b);
    int rc = sqlite3_step(st);
    kb_store_done(st);
    if (rc != SQLITE_DONE)
        return kb_store_db_err(s, err, "users");
    if (changes)
        *changes = sqlite3_changes(kb_store_db(s));
    return KB_OK;
}

static void object_of(const char *name, kb_buf *b)
{
    kb_buf_init(b, 0);
    kb_buf_adds(b, "user:");
    kb_buf_adds(b, name);
}

static kb_status audit(kb_store *s, long long at, const char *actor, const char *action,
                       const char *name, const char *summary, kb_err *err)
{
    kb_buf object;
    object_of(name, &object);
    kb_status rc = kb_audit_append(s, at, actor, action, kb_buf_str(&object), summary, err);
    kb_buf_free(&object);
    return rc;
}

static void read_info(sqlite3_stmt *st, kb_user_info *out)
{
    memset(out, 0, sizeof *out);
    const char *n = (const char *)sqlite3_column_text(st, 0);
    snprintf(out->name, sizeof out->name, "%s", n ? n : "");
    out->roles = (unsigned)sqlite3_column_int64(st, 1);
    out->disabled = sqlite3_column_int(st, 2) != 0;
    out->created = sqlite3_column_int64(st, 3);
    out->updated = sqlite3_column_int64(st, 4);
}

/* The user and, when hash is not NULL, a copy of the password hash (free with free()). */
static kb_status get(kb_store *s, const char *name, kb_user_info *out, char **hash,
                     kb_err *err)
{
    if (hash)
        *hash = NULL;
    sqlite3_stmt *st = kb_store_cached(s, sql_get, err);
    if (!st)
        return KB_EDB;
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    kb_status r = KB_OK;
    if (rc == SQLITE_ROW) {
        read_info(st, out);
        if (hash) {
            const char *h = (const char *)sqlite3_column_text(st, 5);
            *hash = kb_xstrdup(h ? h : "");
        }
    } else if (rc == SQLITE_DONE) {
        r = kb_err_set(err, KB_ENOTFOUND, "no user '%s'", name);
    } else {
        r = kb_store_db_err(s, err, "users");
    }
    kb_store_done(st);
    return r;
}

/* The existing name equal to name regardless of case (the exact one first), or NULL; free()
 * *out. */
static kb_status same_name(kb_store *s, const char *name, char **out, kb_err *err)
{
    *out = NULL;
    sqlite3_stmt *st = kb_store_cached(s, sql_same_name, err);
    if (!st)
        return KB_EDB;
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *out = kb_store_text(st, 0);
    kb_store_done(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? KB_OK : kb_store_db_err(s, err, "users");
}

kb_status kb_user_get(kb_store *s, const char *name, kb_user_info *out, kb_err *err)
{
    memset(out, 0, sizeof *out);
    return get(s, name, out, NULL, err);
}

kb_status kb_user_list(kb_store *s, kb_user_info **out, size_t *n, kb_err *err)
{
    *out = NULL;
    *n = 0;
    sqlite3_stmt *st = kb_store_cached(s, sql_list, err);
    if (!st)
        return KB_EDB;
    kb_user_info *v = NULL;
    size_t k = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        v = kb_xrealloc(v, (k + 1) * sizeof *v);
        read_info(st, &v[k++]);
    }
    kb_store_done(st);
    if (rc != SQLITE_DONE) {
        free(v);
        return kb_store_db_err(s, err, "users");
    }
    *out = v;
    *n = k;
    return KB_OK;
}

kb_status kb_user_add(kb_store *s, const char *name, const char *password, unsigned roles,
                      const char *actor, long long at, kb_err *err)
{
    if (!kb_user_name_valid(name))
        return kb_err_set(err, KB_EINVAL,
                          "a username must be 1 to %u characters of A-Z a-z 0-9 . _ -",
                          KB_USER_NAME_MAX);
    kb_status rc = kb_user_password_check(name, password, strlen(password), err);
    if (rc != KB_OK)
        return rc;
    if (roles == 0 || (roles & ~KB_ROLE_ALL))
        return kb_err_set(err, KB_EINVAL, "a user needs at least one known role");
    char *hash = NULL;
    rc = kb_user_hash(password, &hash, err);
    if (rc != KB_OK)
        return rc;
    int own;
    rc = kb_store_write_begin(s, &own, err);
    if (rc != KB_OK) {
        free(hash);
        return rc;
    }
    char *taken = NULL;
    rc = same_name(s, name, &taken, err);
    if (rc == KB_OK && taken && strcmp(taken, name) == 0)
        rc = kb_err_set(err, KB_EEXIST, "user '%s' already exists", name);
    else if (rc == KB_OK && taken)
        rc = kb_err_set(err, KB_EEXIST,
                        "user '%s' already exists (usernames are unique regardless of case)",
                        taken);
    free(taken);
    sqlite3_stmt *st = rc == KB_OK ? kb_store_cached(s, sql_insert, err) : NULL;
    if (rc == KB_OK && !st)
        rc = KB_EDB;
    if (rc == KB_OK) {
        sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, hash, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 3, roles);
        sqlite3_bind_int64(st, 4, at);
        if (sqlite3_step(st) != SQLITE_DONE)
            rc = kb_store_db_err(s, err, "users");
        kb_store_done(st);
    }
    if (rc == KB_OK) {
        kb_buf sum;
        kb_buf_init(&sum, 0);
        kb_buf_adds(&sum, "roles ");
        kb_user_roles_format(roles, &sum);
        rc = audit(s, at, actor, "user.create", name, kb_buf_str(&sum), err);
        kb_buf_free(&sum);
    }
    free(hash);
    return kb_store_write_end(s, own, rc, err);
}

/* Stores a new password hash for name, updated at time at. */
static kb_status set_hash(kb_store *s, const char *name, const char *hash, long long at,
                          kb_err *err)
{
    sqlite3_stmt *st = kb_store_cached(s, sql_set_hash, err);
    if (!st)
        return KB_EDB;
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, hash, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, at);
    int rc = sqlite3_step(st);
    kb_store_done(st);
    return rc == SQLITE_DONE ? KB_OK : kb_store_db_err(s, err, "users");
}

kb_status kb_user_update(kb_store *s, const char *name, const kb_user_change *ch,
                         const char *actor, long long at, kb_err *err)
{
    if (!ch->password && ch->roles < 0 && ch->disabled < 0)
        return kb_err_set(err, KB_EINVAL, "nothing to change (roles, password or disabled)");
    kb_status rc = KB_OK;
    if (ch->password)
        rc = kb_user_password_check(name, ch->password, strlen(ch->password), err);
    if (rc != KB_OK)
        return rc;
    if (ch->roles == 0 || (ch->roles > 0 && ((unsigned long long)ch->roles & ~KB_ROLE_ALL)))
        return kb_err_set(err, KB_EINVAL, "a user needs at least one known role");
    char *hash = NULL;
    if (ch->password) {
        rc = kb_user_hash(ch->password, &hash, err);
        if (rc != KB_OK)
            return rc;
    }
    int own;
    rc = kb_store_write_begin(s, &own, err);
    if (rc != KB_OK) {
        free(hash);
        return rc;
    }
    kb_user_info cur;
    rc = get(s, name, &cur, NULL, err);
    kb_buf sum;
    kb_buf_init(&sum, 0);
    if (rc == KB_OK && ch->roles > 0) {
        rc = run(s, sql_set_roles, name, 2, ch->roles, at, NULL, err);
        kb_buf_adds(&sum, "roles ");
        kb_user_roles_format(cur.roles, &sum);
        kb_buf_adds(&sum, "→");
        kb_user_roles_format((unsigned)ch->roles, &sum);
    }
    if (rc == KB_OK && ch->disabled >= 0) {
        rc = run(s, sql_set_disabled, name, 2, ch->disabled ? 1 : 0, at, NULL, err);
        kb_buf_addf(&sum, "%sdisabled %s→%s", sum.len ? "; " : "", cur.disabled ? "yes" : "no",
                    ch->disabled ? "yes" : "no");
    }
    if (rc == KB_OK && (cur.roles & KB_ROLE_ADMIN) && !cur.disabled &&
        ((ch->roles > 0 && !((unsigned)ch->roles & KB_ROLE_ADMIN)) || ch->disabled == 1)) {
        long long admins = 0;
        rc = scalar(s, sql_enabled_admins, &admins, err);
        if (rc == KB_OK && admins == 0)
            rc = kb_err_set(err, KB_ECONFLICT,
                            "'%s' is the last enabled admin: make another user admin before "
                            "disabling it or taking its admin role",
                            name);
    }
    if (rc == KB_OK && hash) {
        rc = set_hash(s, name, hash, at, err);
        kb_buf_addf(&sum, "%spassword changed", sum.len ? "; " : "");
    }
    if (rc == KB_OK && (hash || ch->disabled == 1)) {
        int n = 0;
        rc = run(s, sql_revoke_all, name, 0, 0, 0, &n, err);
        if (n > 0)
            kb_buf_addf(&sum, "; %d session%s revoked", n, n == 1 ? "" : "s");
    }
    if (rc == KB_OK)
        rc = audit(s, at, actor, "user.update", name, kb_buf_str(&sum), err);
    kb_buf_free(&sum);
    free(hash);
    return kb_store_write_end(s, own, rc, err);
}

/* 32 random bytes as hex into out (KB_USER_TOKEN_HEX bytes). */
static kb_status random_hex(char *out, kb_err *err)
{
    unsigned char r[32];
    kb_status rc = kb_hash_random(r, sizeof r, err);
    if (rc == KB_OK)
        kb_hash_hex(r, sizeof r, out);
    kb_hash_wipe(r, sizeof r);
    return rc;
}

/* The failure count of name in the window still open at time at. */
static kb_status failures(kb_store *s, const char *name, long long at, long long *count,
                          long long *since, kb_err *err)
{
    *count = 0;
    *since = 0;
    sqlite3_stmt *st = kb_store_cached(s, sql_fail_get, err);
    if (!st)
        return KB_EDB;
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW && sqlite3_column_int64(st, 1) + KB_USER_LOCK_WINDOW > at) {
        *count = sqlite3_column_int64(st, 0);
        *since = sqlite3_column_int64(st, 1);
    }
    kb_store_done(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? KB_OK : kb_store_db_err(s, err, "logins");
}

/* " from ADDR" for audit summaries. */
static void from(kb_buf *b, const char *client)
{
    if (client && *client)
        kb_buf_addf(b, " from %s", client);
    else
        kb_buf_adds(b, " from an unknown address");
}

/* Runs a statement binding text ?1 and ?2 and, with has, int64 ?3. */
static kb_status run2(kb_store *s, const char *sql, const char *t1, const char *t2, int has,
                      long long n, kb_err *err)
{
    sqlite3_stmt *st = kb_store_cached(s, sql, err);
    if (!st)
        return KB_EDB;
    sqlite3_bind_text(st, 1, t1, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, t2, -1, SQLITE_STATIC);
    if (has)
        sqlite3_bind_int64(st, 3, n);
    int rc = sqlite3_step(st);
    kb_store_done(st);
    return rc == SQLITE_DONE ? KB_OK : kb_store_db_err(s, err, "logins");
}

/* Writes one entry for each audit window of failed logins that closed by time at and
 * counted more failures than its first, then forgets those windows (at most 64 a call, the
 * rest at the next). */
static kb_status flush_windows(kb_store *s, long long at, kb_err *err)
{
    sqlite3_stmt *st = kb_store_cached(s, sql_window_closed, err);
    if (!st)
        return KB_EDB;
    sqlite3_bind_int64(st, 1, at - KB_USER_AUDIT_WINDOW);
    struct closed {
        char *client;
        char *name;
        long long span;
        long long pending;
    } *v = NULL;
    size_t n = 0;
    int r;
    while ((r = sqlite3_step(st)) == SQLITE_ROW) {
        v = kb_xrealloc(v, (n + 1) * sizeof *v);
        v[n].client = kb_store_text(st, 0);
        v[n].name = kb_store_text(st, 1);
        v[n].span = sqlite3_column_int64(st, 2);
        v[n].pending = sqlite3_column_int64(st, 3);
        n++;
    }
    kb_store_done(st);
    kb_status rc = r == SQLITE_DONE ? KB_OK : kb_store_db_err(s, err, "logins");
    for (size_t i = 0; i < n; i++) {
        if (rc == KB_OK && v[i].pending > 0) {
            int unknown = strcmp(v[i].name, "?") == 0;
            kb_buf sum;
            kb_buf_init(&sum, 0);
            kb_buf_addf(&sum, "%lld more failed login%s", v[i].pending,
                        v[i].pending == 1 ? "" : "s");
            from(&sum, v[i].client);
            kb_buf_addf(&sum, "%s within %lld s of the first (repeats are summarised)",
                        unknown ? " with names nobody has" : "", v[i].span);
            rc = audit(s, at, unknown ? NULL : v[i].name, "auth.login_failed", v[i].name,
                       kb_buf_str(&sum), err);
            kb_buf_free(&sum);
        }
        if (rc == KB_OK)
            rc = run2(s, sql_window_del, v[i].client, v[i].name, 0, 0, err);
        free(v[i].client);
        free(v[i].name);
    }
    free(v);
    return rc;
}

/* Records a failed login of name (the key is name, or "?" when nobody has it) from client
 * inside the caller's transaction: the first failure of the client and key in an audit
 * window gets its own entry (with actor and object name, NULL for an invalid name), later
 * ones are counted for one summary entry when the window closes. With always the entry is
 * written in any case (a lock starting). */
static kb_status note_failure(kb_store *s, long long at, const char *client, const char *key,
                              const char *name, const char *why, int always, kb_err *err)
{
    const char *c = client ? client : "";
    kb_status rc = flush_windows(s, at, err);
    if (rc != KB_OK)
        return rc;
    sqlite3_stmt *st = kb_store_cached(s, sql_window_get, err);
    if (!st)
        return KB_EDB;
    sqlite3_bind_text(st, 1, c, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, key, -1, SQLITE_STATIC);
    int r = sqlite3_step(st);
    kb_store_done(st);
    if (r != SQLITE_ROW && r != SQLITE_DONE)
        return kb_store_db_err(s, err, "logins");
    if (r == SQLITE_ROW && !always)
        return run2(s, sql_window_add, c, key, 1, at, err);
    if (r == SQLITE_DONE)
        rc = run2(s, sql_window_open, c, key, 1, at, err);
    kb_buf sum;
    kb_buf_init(&sum, 0);
    kb_buf_adds(&sum, why);
    from(&sum, client);
    if (rc == KB_OK)
        rc = audit(s, at, name, "auth.login_failed", name ? name : "?", kb_buf_str(&sum), err);
    kb_buf_free(&sum);
    return rc;
}

/* One password check in three steps, so that at most KB_USER_LOCK_FAILURES passwords are
 * ever checked for a name within the lock window, however many arrive at once: reserve()
 * counts the attempt as a failure in its own write transaction (BEGIN IMMEDIATE: the
 * writers queue) before the slow hash runs outside any transaction; a success clears the
 * count afterwards. */
typedef struct {
    int exists;            /* name belongs to a user */
    kb_user_info info;
    char *hash;            /* the user's hash when reserved (free with free()) */
    long long failure;     /* the failure this attempt counts as (1..KB_USER_LOCK_FAILURES) */
} attempt;

static void attempt_free(attempt *a)
{
    free(a->hash);
    a->hash = NULL;
}

/* Step 1. *locked set: refused without a check (recorded; *retry_after the seconds left). */
static kb_status reserve(kb_store *s, const char *name, const char *client, long long at,
                         int *locked, long long *retry_after, attempt *a, kb_err *err)
{
    memset(a, 0, sizeof *a);
    *locked = 0;
    int own;
    kb_status rc = kb_store_write_begin(s, &own, err);
    if (rc != KB_OK)
        return rc;
    rc = run(s, sql_fail_prune, NULL, 1, at - KB_USER_LOCK_WINDOW, 0, NULL, err);
    long long count = 0, since = 0;
    if (rc == KB_OK)
        rc = failures(s, name, at, &count, &since, err);
    if (rc == KB_OK) {
        kb_err e2;
        kb_status g = get(s, name, &a->info, &a->hash, &e2);
        if (g == KB_OK)
            a->exists = 1;
        else if (g != KB_ENOTFOUND) {
            if (err)
                *err = e2;
            rc = g;
        }
    }
    if (rc == KB_OK && count >= KB_USER_LOCK_FAILURES) {
        *locked = 1;
        *retry_after = since + KB_USER_LOCK_WINDOW - at;
        char sum[128];
        snprintf(sum, sizeof sum, "refused: locked after %lld failures, %lld s left", count,
                 *retry_after);
        rc = note_failure(s, at, client, a->exists ? name : "?", name, sum, 0, err);
    } else if (rc == KB_OK) {
        rc = run(s, sql_fail_add, name, 1, at, 0, NULL, err);
        a->failure = count + 1;
    }
    rc = kb_store_write_end(s, own, rc, err);
    if (rc != KB_OK)
        attempt_free(a);
    return rc;
}

/* Step 2: NULL when pw is the password of the reserved user, else why not. */
static const char *check(const attempt *a, const char *pw)
{
    if (!a->exists) {
        /* hash the password anyway: a refusal that skipped the slow hash would tell an
         * attacker timing the answer which names exist */
        char *waste = NULL;
        if (kb_user_hash(pw, &waste, NULL) == KB_OK)
            free(waste);
        return "unknown user";
    }
    if (!kb_user_verify(a->hash, pw))
        return "wrong password";
    if (a->info.disabled)
        return "user disabled";
    return NULL;
}

/* Steps 1 and 2 for name and pw: *why NULL when pw is right, else why not, and *a holds
 * the reservation (attempt_free() it); or *result KB_LOGIN_LOCKED and nothing to free. */
static kb_status try_password(kb_store *s, const char *name, const char *pw,
                              const char *client, long long at, kb_login_result *result,
                              long long *retry_after, attempt *a, const char **why,
                              kb_err *err)
{
    int locked;
    kb_status rc = reserve(s, name, client, at, &locked, retry_after, a, err);
    if (rc != KB_OK)
        return rc;
    if (locked) {
        *result = KB_LOGIN_LOCKED;
        attempt_free(a);
        return KB_OK;
    }
    *why = check(a, pw);
    return KB_OK;
}

/* Step 3 of a success, inside the caller's transaction: NULL when the user is as reserved,
 * else why the check no longer counts (password changed or user disabled meanwhile). */
static const char *still_same(kb_store *s, const char *name, const attempt *a, kb_status *rc,
                              kb_err *err)
{
    kb_user_info now;
    char *hash = NULL;
    *rc = get(s, name, &now, &hash, err);
    const char *why = NULL;
    if (*rc == KB_ENOTFOUND) {
        *rc = KB_OK;
        why = "unknown user";
    } else if (*rc == KB_OK && strcmp(hash, a->hash) != 0) {
        why = "password changed during the login";
    } else if (*rc == KB_OK && now.disabled) {
        why = "user disabled";
    }
    free(hash);
    return why;
}

/* Step 3 of a failure, inside the caller's transaction. what: "" or " (password change)". */
static kb_status record_failure(kb_store *s, const char *name, const char *client,
                                long long at, const attempt *a, const char *why,
                                const char *what, kb_err *err)
{
    char sum[160];
    int locks = a->failure >= KB_USER_LOCK_FAILURES;
    snprintf(sum, sizeof sum, "%s%s (failure %lld of %d%s)", why, what, a->failure,
             KB_USER_LOCK_FAILURES, locks ? "; the name is locked" : "");
    return note_failure(s, at, client, a->exists ? name : "?", name, sum, a->exists && locks,
                        err);
}

kb_status kb_user_login(kb_store *s, const char *name, const char *password, const char *client,
                        long long at, kb_login_result *result, long long *retry_after,
                        kb_user_session *out, kb_err *err)
{
    *result = KB_LOGIN_BAD;
    *retry_after = 0;
    memset(out, 0, sizeof *out);
    int own;
    kb_status rc;
    if (!kb_user_name_valid(name)) {
        /* not a name anyone can have: nothing to count, but the attempt is recorded */
        rc = kb_store_write_begin(s, &own, err);
        if (rc == KB_OK)
            rc = note_failure(s, at, client, "?", NULL, "invalid username", 0, err);
        return kb_store_write_end(s, own, rc, err);
    }
    attempt a;
    const char *why = NULL;
    rc = try_password(s, name, password, client, at, result, retry_after, &a, &why, err);
    if (rc != KB_OK || *result == KB_LOGIN_LOCKED)
        return rc;

    rc = kb_store_write_begin(s, &own, err);
    if (rc != KB_OK) {
        attempt_free(&a);
        return rc;
    }
    if (!why)
        why = still_same(s, name, &a, &rc, err);
    if (rc == KB_OK && why) {
        rc = record_failure(s, name, client, at, &a, why, "", err);
        attempt_free(&a);
        return kb_store_write_end(s, own, rc, err);
    }
    kb_user_session sess;
    memset(&sess, 0, sizeof sess);
    snprintf(sess.name, sizeof sess.name, "%s", name);
    sess.roles = a.info.roles;
    sess.expires = at + KB_USER_SESSION_TTL;
    if (rc == KB_OK)
        rc = random_hex(sess.token, err);
    if (rc == KB_OK)
        rc = random_hex(sess.csrf, err);
    char th[KB_USER_TOKEN_HEX];
    kb_user_token_hash(sess.token, th);
    if (rc == KB_OK)
        rc = run(s, sql_fail_clear, name, 0, 0, 0, NULL, err);
    if (rc == KB_OK)
        rc = run(s, sql_session_prune, NULL, 1, at, 0, NULL, err);
    if (rc == KB_OK) {
        sqlite3_stmt *st = kb_store_cached(s, sql_session_add, err);
        if (!st)
            rc = KB_EDB;
        if (rc == KB_OK) {
            sqlite3_bind_text(st, 1, th, -1, SQLITE_STATIC);
            sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
            sqlite3_bind_text(st, 3, sess.csrf, -1, SQLITE_STATIC);
            sqlite3_bind_int64(st, 4, at);
            sqlite3_bind_int64(st, 5, sess.expires);
            if (sqlite3_step(st) != SQLITE_DONE)
                rc = kb_store_db_err(s, err, "sessions");
            kb_store_done(st);
        }
    }
    if (rc == KB_OK)
        rc = flush_windows(s, at, err);
    if (rc == KB_OK) {
        kb_buf sum;
        kb_buf_init(&sum, 0);
        kb_buf_adds(&sum, "session created");
        from(&sum, client);
        rc = audit(s, at, name, "auth.login", name, kb_buf_str(&sum), err);
        kb_buf_free(&sum);
    }
    attempt_free(&a);
    rc = kb_store_write_end(s, own, rc, err);
    if (rc == KB_OK) {
        *result = KB_LOGIN_OK;
        *out = sess;
    }
    kb_hash_wipe(&sess, sizeof sess);
    return rc;
}

kb_status kb_user_password_change(kb_store *s, const char *name, const char *current,
                                  const char *password, const char *keep_token,
                                  const char *client, long long at, kb_login_result *result,
                                  long long *retry_after, int *revoked, kb_err *err)
{
    *result = KB_LOGIN_BAD;
    *retry_after = 0;
    *revoked = 0;
    kb_status rc = kb_user_password_check(name, password, strlen(password), err);
    if (rc != KB_OK)
        return rc;
    if (strcmp(current, password) == 0)
        return kb_err_set(err, KB_EINVAL, "the new password must differ from the current one");
    attempt a;
    const char *why = NULL;
    rc = try_password(s, name, current, client, at, result, retry_after, &a, &why, err);
    if (rc != KB_OK || *result == KB_LOGIN_LOCKED)
        return rc;
    char *hash = NULL;
    if (!why) {
        rc = kb_user_hash(password, &hash, err);
        if (rc != KB_OK) {
            attempt_free(&a);
            return rc;
        }
    }
    int own;
    rc = kb_store_write_begin(s, &own, err);
    if (rc != KB_OK) {
        free(hash);
        attempt_free(&a);
        return rc;
    }
    if (!why)
        why = still_same(s, name, &a, &rc, err);
    if (rc == KB_OK && why) {
        rc = record_failure(s, name, client, at, &a, why, " (password change)", err);
    } else if (rc == KB_OK) {
        rc = run(s, sql_fail_clear, name, 0, 0, 0, NULL, err);
        if (rc == KB_OK)
            rc = set_hash(s, name, hash, at, err);
        char th[KB_USER_TOKEN_HEX] = "";
        if (keep_token)
            kb_user_token_hash(keep_token, th);
        if (rc == KB_OK)
            rc = run2(s, sql_revoke_others, name, th, 0, 0, err);
        if (rc == KB_OK)
            *revoked = sqlite3_changes(kb_store_db(s));
        if (rc == KB_OK) {
            kb_buf sum;
            kb_buf_init(&sum, 0);
            kb_buf_adds(&sum, "password changed by the user");
            from(&sum, client);
            kb_buf_addf(&sum, "; %d other session%s revoked", *revoked,
                        *revoked == 1 ? "" : "s");
            rc = audit(s, at, name, "user.password", name, kb_buf_str(&sum), err);
            kb_buf_free(&sum);
        }
    }
    int ok = rc == KB_OK && !why;
    if (hash) {
        kb_hash_wipe(hash, strlen(hash));
        free(hash);
    }
    attempt_free(&a);
    rc = kb_store_write_end(s, own, rc, err);
    if (rc == KB_OK && ok)
        *result = KB_LOGIN_OK;
    return rc;
}

kb_status kb_user_logout_all(kb_store *s, const char *name, const char *client, long long at,
                             int *revoked, kb_err *err)
{
    *revoked = 0;
    int own;
    kb_status rc = kb_store_write_begin(s, &own, err);
    if (rc != KB_OK)
        return rc;
    rc = run(s, sql_revoke_all, name, 0, 0, 0, revoked, err);
    if (rc == KB_OK) {
        kb_buf sum;
        kb_buf_init(&sum, 0);
        kb_buf_addf(&sum, "logged out everywhere: %d session%s revoked", *revoked,
                    *revoked == 1 ? "" : "s");
        from(&sum, client);
        rc = audit(s, at, name, "auth.logout_all", name, kb_buf_str(&sum), err);
        kb_buf_free(&sum);
    }
    return kb_store_write_end(s, own, rc, err);
}

kb_status kb_user_session_check(kb_store *s, const char *token, long long at,
                                kb_user_session *out, kb_err *err)
{
    memset(out, 0, sizeof *out);
    char th[KB_USER_TOKEN_HEX];
    kb_user_token_hash(token, th);
    sqlite3_stmt *st = kb_store_cached(s, sql_session_get, err);
    if (!st)
        return KB_EDB;
    sqlite3_bind_text(st, 1, th, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    kb_status r = KB_OK;
    if (rc == SQLITE_ROW) {
        const char *n = (const char *)sqlite3_column_text(st, 0);
        const char *c = (const char *)sqlite3_column_text(st, 1);
        snprintf(out->name, sizeof out->name, "%s", n ? n : "");
        snprintf(out->csrf, sizeof out->csrf, "%s", c ? c : "");
        out->expires = sqlite3_column_int64(st, 2);
        out->roles = (unsigned)sqlite3_column_int64(st, 3);
        if (out->expires <= at || sqlite3_column_int(st, 4) != 0)
            r = kb_err_set(err, KB_ENOTFOUND, "the session has expired or was revoked");
    } else if (rc == SQLITE_DONE) {
        r = kb_err_set(err, KB_ENOTFOUND, "no such session");
    } else {
        r = kb_store_db_err(s, err, "sessions");
    }
    kb_store_done(st);
    if (r != KB_OK)
        memset(out, 0, sizeof *out);
    return r;
}

kb_status kb_user_logout(kb_store *s, const char *token, long long at, kb_err *err)
{
    char th[KB_USER_TOKEN_HEX];
    kb_user_token_hash(token, th);
    int own;
    kb_status rc = kb_store_write_begin(s, &own, err);
    if (rc != KB_OK)
        return rc;
    char *name = NULL;
    sqlite3_stmt *st = kb_store_cached(s, sql_session_name, err);
    if (!st)
        rc = KB_EDB;
    if (rc == KB_OK) {
        sqlite3_bind_text(st, 1, th, -1, SQLITE_STATIC);
        int r = sqlite3_step(st);
        if (r == SQLITE_ROW)
            name = kb_xstrdup((const char *)sqlite3_column_text(st, 0));
        else if (r == SQLITE_DONE)
            rc = kb_err_set(err, KB_ENOTFOUND, "no such session");
        else
            rc = kb_store_db_err(s, err, "sessions");
        kb_store_done(st);
    }
    if (rc == KB_OK)
        rc = run(s, sql_session_del, th, 0, 0, 0, NULL, err);
    if (rc == KB_OK)
        rc = audit(s, at, name, "auth.logout", name, "session revoked", err);
    free(name);
    return kb_store_write_end(s, own, rc, err);
}
