/* Users: roles, names and passwords, argon2id hashing, sessions with injected times,
 * expiry, revocation, failed-login counting and the audit entries. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "check.h"
#include "fixture.h"
#include "kb_audit.h"
#include "kb_buf.h"
#include "kb_store.h"
#include "kb_user.h"

#define T0 1772438400LL /* 2026-03-02T08:00:00Z */
#define CLIENT "10.0.0.9"

static long long count_action(kb_store *s, const char *action)
{
    kb_audit_filter f;
    memset(&f, 0, sizeof f);
    f.action = action;
    kb_audit_page *p = NULL;
    kb_err err;
    if (kb_audit_list(s, &f, &p, &err) != KB_OK)
        return -1;
    long long n = p->total;
    kb_audit_page_free(p);
    return n;
}

static void roles_and_names(void)
{
    unsigned r;
    kb_err err;
    CHECK_INT_EQ(kb_user_roles_parse("agent,auditor", &r, &err), KB_OK);
    CHECK_INT_EQ(r, KB_ROLE_AGENT | KB_ROLE_AUDITOR);
    CHECK_INT_EQ(kb_user_roles_parse("admin", &r, &err), KB_OK);
    CHECK_INT_EQ(r, KB_ROLE_ADMIN);
    CHECK_INT_EQ(kb_user_roles_parse("agent,root", &r, &err), KB_EINVAL);
    CHECK(strstr(err.msg, "'root'") != NULL);
    CHECK_INT_EQ(kb_user_roles_parse("", &r, &err), KB_EINVAL);
    CHECK_INT_EQ(kb_user_roles_parse("agent,", &r, &err), KB_EINVAL);
    kb_buf b;
    kb_buf_init(&b, 0);
    kb_user_roles_format(KB_ROLE_ALL, &b);
    CHECK_STR_EQ(kb_buf_str(&b), "agent,engineer,approver,auditor,admin");
    kb_buf_free(&b);
    CHECK_STR_EQ(kb_user_role_name(KB_ROLE_APPROVER), "approver");
    CHECK(kb_user_role_name(3) == NULL);
    CHECK_INT_EQ(kb_user_role_parse("engineer"), KB_ROLE_ENGINEER);
    CHECK_INT_EQ(kb_user_role_parse("Engineer"), 0);

    CHECK(kb_user_name_valid("agent1"));
    CHECK(kb_user_name_valid("a.b_c-D9"));
    CHECK(!kb_user_name_valid(""));
    CHECK(!kb_user_name_valid("a b"));
    CHECK(!kb_user_name_valid("zhang@corp"));
    CHECK(!kb_user_name_valid("张三"));
    char longname[80];
    memset(longname, 'a', 65);
    longname[65] = '\0';
    CHECK(!kb_user_name_valid(longname));
    longname[64] = '\0';
    CHECK(kb_user_name_valid(longname));

    /* the policy: 12 characters (code points), no common or trivial passwords, not the
     * username inside */
    CHECK_INT_EQ(kb_user_password_check(NULL, "Tulip-Harb4", 11, &err), KB_EINVAL);
    CHECK(strstr(err.msg, "Tulip") == NULL);
    CHECK(strstr(err.msg, "12 characters") != NULL);
    CHECK_INT_EQ(kb_user_password_check(NULL, "Tulip-Harb41", 12, &err), KB_OK);
    CHECK_INT_EQ(kb_user_password_check(NULL, "12345678", 8, &err), KB_EINVAL);
    CHECK_INT_EQ(kb_user_password_check(NULL, "password", 8, &err), KB_EINVAL);
    CHECK_INT_EQ(kb_user_password_check(NULL, "        ", 8, &err), KB_EINVAL);
    const char *weak[] = {
        "            ", "123456789012", "password1234", "Password2026!", "PASSWORD-2026",
        "qwertyuiop12", "1qaz2wsx3edc", "woaini131452", "Woaini1314520", "qq5201314520",
        "52013145201314", "abababababab", "abcdefghijkl", "987654321098", "zzzzzzzzzzzz",
        "!!Welcome2026", "helpdesk2026!", "Zhongguo1949!", "iloveyou1314",
    };
    for (size_t i = 0; i < sizeof weak / sizeof weak[0]; i++) {
        kb_err_clear(&err);
        CHECK_INT_EQ(kb_user_password_check("zhang.wei", weak[i], strlen(weak[i]), &err),
                     KB_EINVAL);
        if (err.code != KB_EINVAL)
            fprintf(stderr, "accepted: %s\n", weak[i]);
    }
    CHECK_INT_EQ(kb_user_password_check("zhang.wei", "my-ZHANG.WEI-desk", 17, &err), KB_EINVAL);
    CHECK(strstr(err.msg, "username") != NULL);
    CHECK_INT_EQ(kb_user_password_check("zhang.wei", "my-zhang-wei-desk", 17, &err), KB_OK);
    CHECK_INT_EQ(kb_user_password_check("li", "li-Harbor-Lamp", 14, &err), KB_OK);
    const char *cjk12 = "我的密码是一句好记的话";  /* 11 code points, 33 bytes */
    CHECK_INT_EQ(kb_user_password_check(NULL, cjk12, strlen(cjk12), &err), KB_EINVAL);
    const char *cjk13 = "我的密码是一句很好记的话";
    CHECK_INT_EQ(kb_user_password_check(NULL, cjk13, strlen(cjk13), &err), KB_OK);
    CHECK_INT_EQ(kb_user_password_check(NULL, "Tulip-\0Harbor41", 16, &err), KB_EINVAL);
    CHECK(kb_user_password_common("!qaz2wsx", 8));
    CHECK(kb_user_password_common("zxcvbnm", 7));
    CHECK(kb_user_password_common("woaini1314", 10));
    CHECK(!kb_user_password_common("woaini131", 9));
    char big[300];
    for (size_t i = 0; i < 257; i++)
        big[i] = (char)('a' + (i * 7) % 26);
    big[257] = '\0';
    CHECK_INT_EQ(kb_user_password_check(NULL, big, 257, &err), KB_EINVAL);
    CHECK_INT_EQ(kb_user_password_check(NULL, big, 256, &err), KB_OK);
}

static void hashing(void)
{
    char *h1 = NULL, *h2 = NULL;
    kb_err err;
    CHECK_INT_EQ(kb_user_hash("correct horse", &h1, &err), KB_OK);
    CHECK_INT_EQ(kb_user_hash("correct horse", &h2, &err), KB_OK);
    if (h1 && h2) {
        CHECK(strncmp(h1, "$argon2id$", 10) == 0);
        CHECK(strcmp(h1, h2) != 0); /* salted */
        CHECK(kb_user_verify(h1, "correct horse"));
        CHECK(kb_user_verify(h2, "correct horse"));
        CHECK(!kb_user_verify(h1, "correct horsE"));
        CHECK(!kb_user_verify(h1, ""));
        CHECK(!kb_user_verify("not a hash", "correct horse"));
    }
    free(h1);
    free(h2);
    char th[KB_USER_TOKEN_HEX];
    kb_user_token_hash("abc", th);
    CHECK_STR_EQ(th, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

static void users(kb_store *s)
{
    kb_err err;
    CHECK_INT_EQ(kb_user_add(s, "agent1", "Tulip-Harbor-41", KB_ROLE_AGENT, "admin", T0, &err),
                 KB_OK);
    CHECK_INT_EQ(kb_user_add(s, "agent1", "Maple-Crane-52", KB_ROLE_AGENT, "admin", T0, &err),
                 KB_EEXIST);
    CHECK_INT_EQ(kb_user_add(s, "bad name", "Tulip-Harbor-41", KB_ROLE_AGENT, NULL, T0, &err),
                 KB_EINVAL);
    CHECK_INT_EQ(kb_user_add(s, "short", "short", KB_ROLE_AGENT, NULL, T0, &err), KB_EINVAL);
    CHECK_INT_EQ(kb_user_add(s, "noroles", "long-enough-pw", 0, NULL, T0, &err), KB_EINVAL);
    CHECK_INT_EQ(kb_user_add(s, "boss", "Quiet-River-73", KB_ROLE_ADMIN | KB_ROLE_AUDITOR, NULL,
                             T0, &err),
                 KB_OK);
    kb_user_info u;
    CHECK_INT_EQ(kb_user_get(s, "agent1", &u, &err), KB_OK);
    CHECK_STR_EQ(u.name, "agent1");
    CHECK_INT_EQ(u.roles, KB_ROLE_AGENT);
    CHECK_INT_EQ(u.disabled, 0);
    CHECK_INT_EQ(u.created, T0);
    CHECK_INT_EQ(kb_user_get(s, "nobody", &u, &err), KB_ENOTFOUND);

    kb_user_info *v = NULL;
    size_t n = 0;
    CHECK_INT_EQ(kb_user_list(s, &v, &n, &err), KB_OK);
    CHECK_INT_EQ(n, 2);
    if (n == 2) {
        CHECK_STR_EQ(v[0].name, "agent1");
        CHECK_STR_EQ(v[1].name, "boss");
    }
    free(v);

    kb_user_change ch = { NULL, KB_ROLE_AGENT | KB_ROLE_ENGINEER, -1 };
    CHECK_INT_EQ(kb_user_update(s, "agent1", &ch, "boss", T0 + 1, &err), KB_OK);
    CHECK_INT_EQ(kb_user_get(s, "agent1", &u, &err), KB_OK);
    CHECK_INT_EQ(u.roles, KB_ROLE_AGENT | KB_ROLE_ENGINEER);
    CHECK_INT_EQ(u.updated, T0 + 1);
    kb_user_change none = { NULL, -1, -1 };
    CHECK_INT_EQ(kb_user_update(s, "agent1", &none, "boss", T0, &err), KB_EINVAL);
    kb_user_change empty = { NULL, 0, -1 };
    CHECK_INT_EQ(kb_user_update(s, "agent1", &empty, "boss", T0, &err), KB_EINVAL);
    CHECK_INT_EQ(kb_user_update(s, "nobody", &ch, "boss", T0, &err), KB_ENOTFOUND);
    kb_user_change weak = { "weak", -1, -1 };
    CHECK_INT_EQ(kb_user_update(s, "agent1", &weak, "boss", T0, &err), KB_EINVAL);
    CHECK_INT_EQ(count_action(s, "user.create"), 2);
    CHECK_INT_EQ(count_action(s, "user.update"), 1);
}

static void sessions(kb_store *s)
{
    kb_err err;
    kb_login_result res;
    long long retry;
    kb_user_session a, b, chk;
    CHECK_INT_EQ(kb_user_login(s, "agent1", "Tulip-Harbor-41", CLIENT, T0, &res, &retry, &a, &err), KB_OK);
    CHECK_INT_EQ(res, KB_LOGIN_OK);
    CHECK_INT_EQ(strlen(a.token), 64);
    CHECK_INT_EQ(strlen(a.csrf), 64);
    CHECK(strcmp(a.token, a.csrf) != 0);
    CHECK_INT_EQ(a.expires, T0 + KB_USER_SESSION_TTL);
    CHECK_INT_EQ(a.roles, KB_ROLE_AGENT | KB_ROLE_ENGINEER);
    CHECK_INT_EQ(kb_user_login(s, "agent1", "Tulip-Harbor-41", CLIENT, T0, &res, &retry, &b, &err), KB_OK);
    CHECK(strcmp(a.token, b.token) != 0);

    /* lookups at injected times: valid until (not at) the expiry */
    CHECK_INT_EQ(kb_user_session_check(s, a.token, T0 + 10, &chk, &err), KB_OK);
    CHECK_STR_EQ(chk.name, "agent1");
    CHECK_STR_EQ(chk.csrf, a.csrf);
    CHECK_STR_EQ(chk.token, "");
    CHECK_INT_EQ(kb_user_session_check(s, a.token, a.expires - 1, &chk, &err), KB_OK);
    CHECK_INT_EQ(kb_user_session_check(s, a.token, a.expires, &chk, &err), KB_ENOTFOUND);
    char wrong[KB_USER_TOKEN_HEX];
    memcpy(wrong, a.token, sizeof wrong);
    wrong[0] = wrong[0] == '0' ? '1' : '0';
    CHECK_INT_EQ(kb_user_session_check(s, wrong, T0, &chk, &err), KB_ENOTFOUND);

    /* the token itself is never stored */
    char th[KB_USER_TOKEN_HEX];
    kb_user_token_hash(a.token, th);
    CHECK(strcmp(th, a.token) != 0);

    /* revocation: one session ends, the other lives */
    CHECK_INT_EQ(kb_user_logout(s, a.token, T0 + 20, &err), KB_OK);
    CHECK_INT_EQ(kb_user_session_check(s, a.token, T0 + 21, &chk, &err), KB_ENOTFOUND);
    CHECK_INT_EQ(kb_user_logout(s, a.token, T0 + 22, &err), KB_ENOTFOUND);
    CHECK_INT_EQ(kb_user_session_check(s, b.token, T0 + 21, &chk, &err), KB_OK);

    /* role changes apply to live sessions; disabling ends them */
    kb_user_change ch = { NULL, KB_ROLE_AGENT, -1 };
    CHECK_INT_EQ(kb_user_update(s, "agent1", &ch, "boss", T0 + 30, &err), KB_OK);
    CHECK_INT_EQ(kb_user_session_check(s, b.token, T0 + 31, &chk, &err), KB_OK);
    CHECK_INT_EQ(chk.roles, KB_ROLE_AGENT);
    kb_user_change off = { NULL, -1, 1 };
    CHECK_INT_EQ(kb_user_update(s, "agent1", &off, "boss", T0 + 40, &err), KB_OK);
    CHECK_INT_EQ(kb_user_session_check(s, b.token, T0 + 41, &chk, &err), KB_ENOTFOUND);
    CHECK_INT_EQ(kb_user_login(s, "agent1", "Tulip-Harbor-41", CLIENT, T0 + 42, &res, &retry, &a, &err),
                 KB_OK);
    CHECK_INT_EQ(res, KB_LOGIN_BAD);
    kb_user_change on = { NULL, -1, 0 };
    CHECK_INT_EQ(kb_user_update(s, "agent1", &on, "boss", T0 + 50, &err), KB_OK);
    CHECK_INT_EQ(kb_user_login(s, "agent1", "Tulip-Harbor-41", CLIENT, T0 + 51, &res, &retry, &a, &err),
                 KB_OK);
    CHECK_INT_EQ(res, KB_LOGIN_OK);

    /* a new password ends sessions and only the new one works */
    kb_user_change pw = { "Copper-Lantern-88", -1, -1 };
    CHECK_INT_EQ(kb_user_update(s, "agent1", &pw, "boss", T0 + 60, &err), KB_OK);
    CHECK_INT_EQ(kb_user_session_check(s, a.token, T0 + 61, &chk, &err), KB_ENOTFOUND);
    CHECK_INT_EQ(kb_user_login(s, "agent1", "Tulip-Harbor-41", CLIENT, T0 + 62, &res, &retry, &a, &err),
                 KB_OK);
    CHECK_INT_EQ(res, KB_LOGIN_BAD);
    CHECK_INT_EQ(kb_user_login(s, "agent1", "Copper-Lantern-88", CLIENT, T0 + 63, &res, &retry, &a, &err),
                 KB_OK);
    CHECK_INT_EQ(res, KB_LOGIN_OK);
    CHECK_INT_EQ(count_action(s, "auth.logout"), 1);
    CHECK(count_action(s, "auth.login") >= 4);
}

static void lockout(kb_store *s)
{
    kb_err err;
    kb_login_result res;
    long long retry;
    kb_user_session a;
    long long t = T0 + 1000;
    long long failed0 = count_action(s, "auth.login_failed");
    /* four failures, then a success clears the count */
    for (int i = 0; i < 4; i++) {
        CHECK_INT_EQ(kb_user_login(s, "boss", "wrong-pass", CLIENT, t + i, &res, &retry, &a, &err),
                     KB_OK);
        CHECK_INT_EQ(res, KB_LOGIN_BAD);
    }
    CHECK_INT_EQ(kb_user_login(s, "boss", "Quiet-River-73", CLIENT, t + 5, &res, &retry, &a, &err), KB_OK);
    CHECK_INT_EQ(res, KB_LOGIN_OK);
    /* five failures lock the name, even for the right password, until the window passes */
    t += 100;
    for (int i = 0; i < 5; i++) {
        CHECK_INT_EQ(kb_user_login(s, "boss", "wrong-pass", CLIENT, t + i, &res, &retry, &a, &err),
                     KB_OK);
        CHECK_INT_EQ(res, KB_LOGIN_BAD);
    }
    CHECK_INT_EQ(kb_user_login(s, "boss", "Quiet-River-73", CLIENT, t + 10, &res, &retry, &a, &err), KB_OK);
    CHECK_INT_EQ(res, KB_LOGIN_LOCKED);
    CHECK_INT_EQ(retry, KB_USER_LOCK_WINDOW - 10);
    CHECK_INT_EQ(kb_user_login(s, "boss", "Quiet-River-73", CLIENT, t + KB_USER_LOCK_WINDOW - 1, &res,
                               &retry, &a, &err),
                 KB_OK);
    CHECK_INT_EQ(res, KB_LOGIN_LOCKED);
    CHECK_INT_EQ(retry, 1);
    /* other names are not affected */
    CHECK_INT_EQ(kb_user_login(s, "agent1", "Copper-Lantern-88", CLIENT, t + 11, &res, &retry, &a, &err),
                 KB_OK);
    CHECK_INT_EQ(res, KB_LOGIN_OK);
    CHECK_INT_EQ(kb_user_login(s, "boss", "Quiet-River-73", CLIENT, t + KB_USER_LOCK_WINDOW, &res, &retry,
                               &a, &err),
                 KB_OK);
    CHECK_INT_EQ(res, KB_LOGIN_OK);
    /* failures spread wider than the window never lock */
    t += 10000;
    for (int i = 0; i < 8; i++) {
        CHECK_INT_EQ(kb_user_login(s, "boss", "wrong-pass", CLIENT, t + i * 400, &res, &retry, &a,
                                   &err),
                     KB_OK);
        CHECK_INT_EQ(res, KB_LOGIN_BAD);
    }
    /* unknown and invalid names fail the same way and are recorded */
    CHECK_INT_EQ(kb_user_login(s, "ghost", "whatever-1", CLIENT, t, &res, &retry, &a, &err), KB_OK);
    CHECK_INT_EQ(res, KB_LOGIN_BAD);
    CHECK_INT_EQ(kb_user_login(s, "no such/name", "whatever-1", CLIENT, t, &res, &retry, &a, &err),
                 KB_OK);
    CHECK_INT_EQ(res, KB_LOGIN_BAD);
    /* one entry per client and name in a window after the first, summaries when it closed;
     * the failure that locks gets its own: 1 and the summary of agent1's window from
     * sessions() | 1 summary, 1, 1 lock | 1 summary, 1 | 8 | 1 for the unknown names */
    CHECK_INT_EQ(count_action(s, "auth.login_failed") - failed0, 2 + 3 + 2 + 8 + 1);
    /* a later attempt writes the summary of the unknown names' window */
    CHECK_INT_EQ(kb_user_login(s, "boss", "Quiet-River-73", CLIENT, t + 5000, &res, &retry, &a,
                               &err),
                 KB_OK);
    CHECK_INT_EQ(res, KB_LOGIN_OK);
    CHECK_INT_EQ(count_action(s, "auth.login_failed") - failed0, 2 + 3 + 2 + 8 + 1 + 1);
}

/* User names are unique regardless of case; logins take the exact name. */
static void names_regardless_of_case(kb_store *s)
{
    kb_err err;
    CHECK_INT_EQ(kb_user_add(s, "Agent1", "Harbor-Lamp-4711", KB_ROLE_AGENT, NULL, T0, &err),
                 KB_EEXIST);
    CHECK(strstr(err.msg, "regardless of case") != NULL);
    CHECK(strstr(err.msg, "'agent1'") != NULL);
    CHECK_INT_EQ(kb_user_add(s, "BOSS", "Harbor-Lamp-4711", KB_ROLE_AGENT, NULL, T0, &err),
                 KB_EEXIST);
    kb_login_result res;
    long long retry;
    kb_user_session a;
    CHECK_INT_EQ(kb_user_login(s, "AGENT1", "Copper-Lantern-88", "10.0.0.7", T0 + 70, &res,
                               &retry, &a, &err),
                 KB_OK);
    CHECK_INT_EQ(res, KB_LOGIN_BAD);
}

/* No change may leave the database without an enabled admin. */
static void last_admin(kb_store *s)
{
    kb_err err;
    kb_user_change off = { NULL, -1, 1 };
    kb_user_change on = { NULL, -1, 0 };
    kb_user_change auditor = { NULL, KB_ROLE_AUDITOR, -1 };
    CHECK_INT_EQ(kb_user_update(s, "boss", &off, "boss", T0 + 80, &err), KB_ECONFLICT);
    CHECK(strstr(err.msg, "last enabled admin") != NULL);
    CHECK_INT_EQ(kb_user_update(s, "boss", &auditor, "boss", T0 + 80, &err), KB_ECONFLICT);
    kb_user_info u;
    CHECK_INT_EQ(kb_user_get(s, "boss", &u, &err), KB_OK);
    CHECK_INT_EQ(u.roles, KB_ROLE_ADMIN | KB_ROLE_AUDITOR);
    CHECK_INT_EQ(u.disabled, 0);
    /* a second, disabled admin does not count; enabled, it does */
    CHECK_INT_EQ(kb_user_add(s, "chief", "Silver-Kettle-19", KB_ROLE_ADMIN, "boss", T0 + 81,
                             &err),
                 KB_OK);
    CHECK_INT_EQ(kb_user_update(s, "chief", &off, "boss", T0 + 82, &err), KB_OK);
    CHECK_INT_EQ(kb_user_update(s, "boss", &off, "boss", T0 + 83, &err), KB_ECONFLICT);
    CHECK_INT_EQ(kb_user_update(s, "chief", &on, "boss", T0 + 84, &err), KB_OK);
    CHECK_INT_EQ(kb_user_update(s, "boss", &auditor, "chief", T0 + 85, &err), KB_OK);
    CHECK_INT_EQ(kb_user_update(s, "chief", &off, "chief", T0 + 86, &err), KB_ECONFLICT);
    kb_user_change admin_again = { NULL, KB_ROLE_ADMIN | KB_ROLE_AUDITOR, -1 };
    CHECK_INT_EQ(kb_user_update(s, "boss", &admin_again, "chief", T0 + 87, &err), KB_OK);
    CHECK_INT_EQ(kb_user_update(s, "chief", &off, "boss", T0 + 88, &err), KB_OK);
    /* a change that does not touch the admin role or enablement is allowed */
    kb_user_change pw = { "Amber-Window-62", -1, -1 };
    CHECK_INT_EQ(kb_user_update(s, "chief", &pw, "boss", T0 + 89, &err), KB_OK);
}

/* The user's own password change and logging out everywhere. */
static void self_service(kb_store *s)
{
    kb_err err;
    kb_login_result res;
    long long retry;
    int revoked = -1;
    kb_user_session a, b, chk;
    long long t = T0 + 30000;
    CHECK_INT_EQ(kb_user_add(s, "self1", "Velvet-Meadow-31", KB_ROLE_AGENT, NULL, t, &err),
                 KB_OK);
    CHECK_INT_EQ(kb_user_login(s, "self1", "Velvet-Meadow-31", CLIENT, t, &res, &retry, &a,
                               &err),
                 KB_OK);
    CHECK_INT_EQ(kb_user_login(s, "self1", "Velvet-Meadow-31", CLIENT, t, &res, &retry, &b,
                               &err),
                 KB_OK);
    /* the policy first, then the current password */
    CHECK_INT_EQ(kb_user_password_change(s, "self1", "Velvet-Meadow-31", "short", a.token,
                                         CLIENT, t + 1, &res, &retry, &revoked, &err),
                 KB_EINVAL);
    CHECK_INT_EQ(kb_user_password_change(s, "self1", "Velvet-Meadow-31", "self1-Meadow-99",
                                         a.token, CLIENT, t + 1, &res, &retry, &revoked, &err),
                 KB_EINVAL);
    CHECK_INT_EQ(kb_user_password_change(s, "self1", "Velvet-Meadow-31", "Velvet-Meadow-31",
                                         a.token, CLIENT, t + 1, &res, &retry, &revoked, &err),
                 KB_EINVAL);
    CHECK_INT_EQ(kb_user_password_change(s, "self1", "not-the-password", "Granite-Path-57",
                                         a.token, CLIENT, t + 2, &res, &retry, &revoked, &err),
                 KB_OK);
    CHECK_INT_EQ(res, KB_LOGIN_BAD);
    CHECK_INT_EQ(kb_user_session_check(s, b.token, t + 3, &chk, &err), KB_OK);
    CHECK_INT_EQ(kb_user_password_change(s, "self1", "Velvet-Meadow-31", "Granite-Path-57",
                                         a.token, CLIENT, t + 4, &res, &retry, &revoked, &err),
                 KB_OK);
    CHECK_INT_EQ(res, KB_LOGIN_OK);
    CHECK_INT_EQ(revoked, 1);
    CHECK_INT_EQ(kb_user_session_check(s, a.token, t + 5, &chk, &err), KB_OK);
    CHECK_INT_EQ(kb_user_session_check(s, b.token, t + 5, &chk, &err), KB_ENOTFOUND);
    CHECK_INT_EQ(kb_user_login(s, "self1", "Velvet-Meadow-31", CLIENT, t + 6, &res, &retry, &b,
                               &err),
                 KB_OK);
    CHECK_INT_EQ(res, KB_LOGIN_BAD);
    CHECK_INT_EQ(kb_user_login(s, "self1", "Granite-Path-57", CLIENT, t + 7, &res, &retry, &b,
                               &err),
                 KB_OK);
    CHECK_INT_EQ(res, KB_LOGIN_OK);
    CHECK_INT_EQ(count_action(s, "user.password"), 1);
    /* wrong current passwords count towards the lock like logins */
    for (int i = 0; i < KB_USER_LOCK_FAILURES; i++)
        CHECK_INT_EQ(kb_user_password_change(s, "self1", "not-the-password", "Granite-Path-58",
                                             a.token, CLIENT, t + 10 + i, &res, &retry,
                                             &revoked, &err),
                     KB_OK);
    CHECK_INT_EQ(kb_user_password_change(s, "self1", "Granite-Path-57", "Granite-Path-58",
                                         a.token, CLIENT, t + 20, &res, &retry, &revoked, &err),
                 KB_OK);
    CHECK_INT_EQ(res, KB_LOGIN_LOCKED);
    CHECK(retry > 0);
    /* log out everywhere */
    CHECK_INT_EQ(kb_user_logout_all(s, "self1", CLIENT, t + 30, &revoked, &err), KB_OK);
    CHECK_INT_EQ(revoked, 2);
    CHECK_INT_EQ(kb_user_session_check(s, a.token, t + 31, &chk, &err), KB_ENOTFOUND);
    CHECK_INT_EQ(kb_user_session_check(s, b.token, t + 31, &chk, &err), KB_ENOTFOUND);
    CHECK_INT_EQ(count_action(s, "auth.logout_all"), 1);
}

/* A database made before names were unique regardless of case keeps both of two names
 * that differ only in case; new collisions are refused all the same. */
static void legacy_case_collision(const char *dir)
{
    char path[256];
    snprintf(path, sizeof path, "%s/legacy.db", dir);
    kb_store *s = NULL;
    kb_err err;
    CHECK_INT_EQ(kb_store_open(path, 0, &s, &err), KB_OK);
    if (!s)
        return;
    CHECK_INT_EQ(kb_user_add(s, "ops", "Harbor-Lamp-4711", KB_ROLE_ADMIN, NULL, T0, &err),
                 KB_OK);
    kb_store_free(s);
    /* what an older kedb could write: "OPS" beside "ops", schema version 9 */
    sqlite3 *db = NULL;
    CHECK_INT_EQ(sqlite3_open(path, &db), SQLITE_OK);
    char *sql = sqlite3_mprintf(
        "DROP INDEX app_user_name_nocase; DROP TABLE login_window;"
        "INSERT INTO app_user(name, hash, roles, disabled, created, updated) "
        "SELECT 'OPS', hash, 1, 0, created, updated FROM app_user WHERE name = 'ops';"
        "PRAGMA user_version = 9;");
    CHECK_INT_EQ(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_free(sql);
    sqlite3_close(db);
    s = NULL;
    CHECK_INT_EQ(kb_store_open(path, 0, &s, &err), KB_OK);
    if (!s)
        return;
    kb_user_info *v = NULL;
    size_t n = 0;
    CHECK_INT_EQ(kb_user_list(s, &v, &n, &err), KB_OK);
    CHECK_INT_EQ(n, 2);
    free(v);
    kb_login_result res;
    long long retry;
    kb_user_session a;
    CHECK_INT_EQ(kb_user_login(s, "OPS", "Harbor-Lamp-4711", CLIENT, T0 + 1, &res, &retry, &a,
                               &err),
                 KB_OK);
    CHECK_INT_EQ(res, KB_LOGIN_OK);
    CHECK_INT_EQ(a.roles, KB_ROLE_AGENT);
    CHECK_INT_EQ(kb_user_login(s, "ops", "Harbor-Lamp-4711", CLIENT, T0 + 2, &res, &retry, &a,
                               &err),
                 KB_OK);
    CHECK_INT_EQ(a.roles, KB_ROLE_ADMIN);
    CHECK_INT_EQ(kb_user_add(s, "Ops", "Harbor-Lamp-4712", KB_ROLE_AGENT, NULL, T0, &err),
                 KB_EEXIST);
    CHECK_INT_EQ(kb_user_add(s, "ops2", "Harbor-Lamp-4712", KB_ROLE_AGENT, NULL, T0, &err),
                 KB_OK);
    kb_store_free(s);
}

int main(void)
{
    setenv("KEDB_PWHASH_FAST", "1", 1);
    roles_and_names();
    hashing();
    fixture fx;
    if (fixture_open(&fx, "user") != 0)
        return CHECK_DONE("test_user");
    kb_store *s = fx.s;
    kb_err err;
    users(s);
    sessions(s);
    lockout(s);
    names_regardless_of_case(s);
    last_admin(s);
    self_service(s);
    kb_audit_check c;
    CHECK_INT_EQ(kb_audit_verify(s, &c, &err), KB_OK);
    CHECK(c.ok);
    legacy_case_collision(fx.dir);
    fixture_close(&fx);
    return CHECK_DONE("test_user");
}
