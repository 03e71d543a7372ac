#ifndef KB_USER_H
#define KB_USER_H
#include <stddef.h>

#include "kb_buf.h"
#include "kb_err.h"
#include "kb_store.h"

/* Users, roles, password hashes, sessions and failed-login counting.
 *
 * Passwords are hashed with libsodium's argon2id (crypto_pwhash_str) at the INTERACTIVE
 * limits. Test hook: when the environment variable KEDB_PWHASH_FAST is "1", new hashes use
 * the MIN limits so that test suites stay fast under sanitizers and valgrind (verification
 * reads the limits from the stored hash, so both kinds verify anywhere). Never set it in
 * production.
 *
 * A session is a random token (64 hex digits) handed to the client once; the database keeps
 * only its SHA-256, with the user, a CSRF value, and the expiry time. All SQL is in
 * kb/store_user.c (schema versions 7 and 10); the rest in kb/user.c. Times are epoch seconds passed
 * in by the caller, so tests can inject them. */

/* Roles: a user may hold several (a bit set). */
#define KB_ROLE_AGENT 1u
#define KB_ROLE_ENGINEER 2u
#define KB_ROLE_APPROVER 4u
#define KB_ROLE_AUDITOR 8u
#define KB_ROLE_ADMIN 16u
#define KB_ROLE_ALL 31u

#define KB_USER_NAME_MAX 64u          /* 1..64 of [A-Za-z0-9._-], unique regardless of case */
#define KB_USER_PASSWORD_MIN 12u      /* characters (UTF-8 code points) */
#define KB_USER_PASSWORD_MAX 256u     /* bytes */
#define KB_USER_TOKEN_HEX 65u         /* a token or CSRF value and its NUL */
#define KB_USER_SESSION_TTL (12 * 3600) /* seconds a session lives */
#define KB_USER_LOCK_FAILURES 5       /* failed logins that lock a name ... */
#define KB_USER_LOCK_WINDOW (15 * 60) /* ... within this many seconds, until it passes */
#define KB_USER_AUDIT_WINDOW 60       /* failed logins of one address and name within this
                                         many seconds share one audit entry after the first */

/* The name of one role bit ("agent", ...), NULL for anything else. */
const char *kb_user_role_name(unsigned role);
/* Parses one role name; 0 when unknown. */
unsigned kb_user_role_parse(const char *name);
/* Parses "agent,auditor" (no spaces, at least one role) into *out. KB_EINVAL naming the
 * unknown role otherwise. */
kb_status kb_user_roles_parse(const char *csv, unsigned *out, kb_err *err);
/* Appends the role names of roles, comma-separated, in the order of the bits. */
void kb_user_roles_format(unsigned roles, kb_buf *out);

/* 1 when name is 1..KB_USER_NAME_MAX bytes of [A-Za-z0-9._-]. */
int kb_user_name_valid(const char *name);
/* The password policy for a new password pw[0..len) of the user name (NULL: not known):
 * at least KB_USER_PASSWORD_MIN characters and at most KB_USER_PASSWORD_MAX bytes of
 * UTF-8 without NUL bytes; not made of one short piece repeated or a run of neighbouring
 * digits or letters; not one of the common passwords shipped in kb/user_common.c (compared
 * regardless of case, also with digits and punctuation around a common word removed); and
 * not containing name regardless of case (names of 3 or more characters). KB_OK or
 * KB_EINVAL with a message that never contains the password. */
kb_status kb_user_password_check(const char *name, const char *pw, size_t len, kb_err *err);
/* 1 when the lower-case s[0..len) is on the shipped list of common passwords or words. */
int kb_user_password_common(const char *s, size_t len);

/* Hashes pw into a new string (free with free()); KB_ENOMEM when libsodium fails. */
kb_status kb_user_hash(const char *pw, char **out, kb_err *err);
/* 1 when pw matches hash (a crypto_pwhash_str string), else 0. */
int kb_user_verify(const char *hash, const char *pw);

/* One user as listed (no hash). A plain value. */
typedef struct {
    char name[KB_USER_NAME_MAX + 1];
    unsigned roles;
    int disabled;
    long long created;
    long long updated;
} kb_user_info;

/* Creates a user with a hashed password. actor (NULL: "anonymous") is recorded in the audit
 * entry "user.create" written in the same transaction. KB_EINVAL for a bad name, a password
 * that fails kb_user_password_check or an empty role set, KB_EEXIST when the name is taken
 * regardless of case ("Alice" when "alice" exists). */
kb_status kb_user_add(kb_store *s, const char *name, const char *password, unsigned roles,
                      const char *actor, long long at, kb_err *err);

/* A change: NULL / -1 fields stay as they are. */
typedef struct {
    const char *password;   /* new password, NULL: unchanged */
    long long roles;        /* new role set (non-empty), -1: unchanged */
    int disabled;           /* 0 or 1, -1: unchanged */
} kb_user_change;

/* Applies ch to the user and records "user.update" (which fields changed; never the
 * password). A new password or disabling revokes all the user's sessions. KB_ENOTFOUND for
 * an unknown user, KB_EINVAL for bad values (a password failing kb_user_password_check) or
 * an empty change, KB_ECONFLICT when the change would leave no enabled user with the admin
 * role (nothing is changed). */
kb_status kb_user_update(kb_store *s, const char *name, const kb_user_change *ch,
                         const char *actor, long long at, kb_err *err);

/* The user called name; KB_ENOTFOUND when there is none. */
kb_status kb_user_get(kb_store *s, const char *name, kb_user_info *out, kb_err *err);
/* All users by name. *out (free with free()) holds *n entries. */
kb_status kb_user_list(kb_store *s, kb_user_info **out, size_t *n, kb_err *err);

/* A live session. A plain value. */
typedef struct {
    char name[KB_USER_NAME_MAX + 1];
    unsigned roles;
    char token[KB_USER_TOKEN_HEX];  /* only filled by kb_user_login */
    char csrf[KB_USER_TOKEN_HEX];
    long long expires;
} kb_user_session;

/* What a login attempt came to. */
typedef enum {
    KB_LOGIN_OK = 0,
    KB_LOGIN_BAD,      /* unknown user, wrong password or disabled user */
    KB_LOGIN_LOCKED    /* too many failures: refused without checking the password */
} kb_login_result;

/* Tries to log name in with password at time at from client (the peer address as text,
 * named in the audit entries; NULL or "" when unknown). Unless the name is locked (at
 * least KB_USER_LOCK_FAILURES failures within the window that started with the first of
 * them), checks the password; on success creates a session (*out, with the token) that
 * expires KB_USER_SESSION_TTL seconds later, clears the failures and records "auth.login";
 * on failure counts it and records "auth.login_failed". The attempt is counted as a
 * failure in its own transaction before the password is hashed, so that parallel attempts
 * can never check more than KB_USER_LOCK_FAILURES passwords within the window.
 * Failed logins of one client and name (one key "?" for all names nobody has) within
 * KB_USER_AUDIT_WINDOW seconds share one entry after the first: the first is recorded at
 * once, the rest as one "N more failed logins" entry written by the next login attempt
 * after the window closed (the failure that locks a name always gets its own entry).
 * *result says which; *retry_after gets the seconds until a lock ends (0 otherwise). KB_OK
 * for all three results; other statuses only when the database fails. */
kb_status kb_user_login(kb_store *s, const char *name, const char *password, const char *client,
                        long long at, kb_login_result *result, long long *retry_after,
                        kb_user_session *out, kb_err *err);

/* The user's own password change: checks current as a login does (the same lock and
 * failure counting; a wrong one is recorded as a failed login), then sets password (which
 * must pass kb_user_password_check and differ from current, else KB_EINVAL before
 * anything is checked), revokes every session of name but the one of keep_token (NULL:
 * all; *revoked gets how many) and records "user.password". *result: KB_LOGIN_OK,
 * KB_LOGIN_BAD (wrong current password) or KB_LOGIN_LOCKED (*retry_after seconds). */
kb_status kb_user_password_change(kb_store *s, const char *name, const char *current,
                                  const char *password, const char *keep_token,
                                  const char *client, long long at, kb_login_result *result,
                                  long long *retry_after, int *revoked, kb_err *err);

/* Revokes every session of name ("log out everywhere"), *revoked gets how many, and
 * records "auth.logout_all". */
kb_status kb_user_logout_all(kb_store *s, const char *name, const char *client, long long at,
                             int *revoked, kb_err *err);

/* Looks up the session of token at time at: KB_OK with *out (token left empty) when it
 * exists, has not expired and its user is enabled; KB_ENOTFOUND otherwise. */
kb_status kb_user_session_check(kb_store *s, const char *token, long long at,
                                kb_user_session *out, kb_err *err);

/* Revokes the session of token and records "auth.logout". KB_ENOTFOUND when there is no
 * such session. */
kb_status kb_user_logout(kb_store *s, const char *token, long long at, kb_err *err);

/* Lower-case hex SHA-256 of s into out (KB_USER_TOKEN_HEX bytes). */
void kb_user_token_hash(const char *s, char *out);

#endif
