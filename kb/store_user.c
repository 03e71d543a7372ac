/* Users, sessions and failed-login counts (all SQL): schema (version 7), changes with their
 * audit entries, login, session lookup and logout. See include/kb_user.h. */
#include "kb_user.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "kb_alloc.h"
#include "kb_audit.h"
#include "kb_buf.h"
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

static const char sql_insert[] =
    "INSERT INTO app_user(name, hash, roles, disabled, created, updated) "
    "VALUES (?1, ?2, ?3, 0, ?4, ?4)";
static const char sql_get[] =
    "SELECT name, roles, disabled, created, updated, hash FROM app_user WHERE name = ?1";
static const char sql_list[] =
    "SELECT name, roles, disabled, created, updated FROM app_user ORDER BY name";
static const char sql_set_hash[] = "UPDATE app_user SET hash = ?2, updated = ?3 WHERE name = ?1";
static const char sql_set_roles[] =
    "UPDATE app_user SET roles = ?2, updated = ?3 WHERE name = ?1";
static const char sql_set_disabled[] =
    "UPDATE app_user SET disabled = ?2, updated = ?3 WHERE name = ?1";
static const char sql_revoke_all[] = "DELETE FROM user_session WHERE name = ?1";
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

kb_status kb_user_migrate(kb_store *s, kb_err *err)
{
    return kb_store_exec(s, schema_v7, err);
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
    kb_status rc = kb_user_password_check(password, strlen(password), err);
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
    kb_user_info cur;
    kb_err e2;
    if (get(s, name, &cur, NULL, &e2) == KB_OK)
        rc = kb_err_set(err, KB_EEXIST, "user '%s' already exists", name);
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

kb_status kb_user_update(kb_store *s, const char *name, const kb_user_change *ch,
                         const char *actor, long long at, kb_err *err)
{
    if (!ch->password && ch->roles < 0 && ch->disabled < 0)
        return kb_err_set(err, KB_EINVAL, "nothing to change (roles, password or disabled)");
    kb_status rc = KB_OK;
    if (ch->password)
        rc = kb_user_password_check(ch->password, strlen(ch->password), err);
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
    if (rc == KB_OK && hash) {
        sqlite3_stmt *st = kb_store_cached(s, sql_set_hash, err);
        if (!st)
            rc = KB_EDB;
        if (rc == KB_OK) {
            sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
            sqlite3_bind_text(st, 2, hash, -1, SQLITE_STATIC);
            sqlite3_bind_int64(st, 3, at);
            if (sqlite3_step(st) != SQLITE_DONE)
                rc = kb_store_db_err(s, err, "users");
            kb_store_done(st);
        }
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

static void random_hex(char *out)
{
    unsigned char r[32];
    randombytes_buf(r, sizeof r);
    sodium_bin2hex(out, KB_USER_TOKEN_HEX, r, sizeof r);
    sodium_memzero(r, sizeof r);
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

kb_status kb_user_login(kb_store *s, const char *name, const char *password, long long at,
                        kb_login_result *result, long long *retry_after, kb_user_session *out,
                        kb_err *err)
{
    *result = KB_LOGIN_BAD;
    *retry_after = 0;
    memset(out, 0, sizeof *out);
    if (!kb_user_name_valid(name)) {
        /* not a name anyone can have: nothing to count, but the attempt is recorded */
        return kb_audit_append(s, at, NULL, "auth.login_failed", "user:?", "invalid username",
                               err);
    }
    long long count, since;
    kb_status rc = failures(s, name, at, &count, &since, err);
    if (rc != KB_OK)
        return rc;
    if (count >= KB_USER_LOCK_FAILURES) {
        *result = KB_LOGIN_LOCKED;
        *retry_after = since + KB_USER_LOCK_WINDOW - at;
        char sum[128];
        snprintf(sum, sizeof sum, "refused: locked after %lld failures, %lld s left", count,
                 *retry_after);
        return audit(s, at, name, "auth.login_failed", name, sum, err);
    }
    kb_user_info info;
    char *hash = NULL;
    kb_err e2;
    rc = get(s, name, &info, &hash, &e2);
    if (rc != KB_OK && rc != KB_ENOTFOUND) {
        if (err)
            *err = e2;
        return rc;
    }
    const char *why = NULL;
    if (rc == KB_ENOTFOUND) {
        /* hash the password anyway: a refusal that skipped the slow hash would tell an
         * attacker timing the answer which names exist */
        char *waste = NULL;
        if (kb_user_hash(password, &waste, NULL) == KB_OK)
            free(waste);
        why = "unknown user";
    } else if (!kb_user_verify(hash, password))
        why = "wrong password";
    else if (info.disabled)
        why = "user disabled";
    free(hash);

    int own;
    rc = kb_store_write_begin(s, &own, err);
    if (rc != KB_OK)
        return rc;
    if (why) {
        rc = run(s, sql_fail_prune, NULL, 1, at - KB_USER_LOCK_WINDOW, 0, NULL, err);
        if (rc == KB_OK)
            rc = run(s, sql_fail_add, name, 1, at, 0, NULL, err);
        char sum[96];
        snprintf(sum, sizeof sum, "%s (failure %lld of %d)", why, count + 1,
                 KB_USER_LOCK_FAILURES);
        if (rc == KB_OK)
            rc = audit(s, at, name, "auth.login_failed", name, sum, err);
        return kb_store_write_end(s, own, rc, err);
    }
    kb_user_session sess;
    memset(&sess, 0, sizeof sess);
    snprintf(sess.name, sizeof sess.name, "%s", name);
    sess.roles = info.roles;
    sess.expires = at + KB_USER_SESSION_TTL;
    random_hex(sess.token);
    random_hex(sess.csrf);
    char th[KB_USER_TOKEN_HEX];
    kb_user_token_hash(sess.token, th);
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
        rc = audit(s, at, name, "auth.login", name, "session created", err);
    rc = kb_store_write_end(s, own, rc, err);
    if (rc == KB_OK) {
        *result = KB_LOGIN_OK;
        *out = sess;
    }
    sodium_memzero(&sess, sizeof sess);
    return rc;
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
