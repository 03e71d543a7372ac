/* Authentication: the check http.c runs before every route that needs a role, and
 * POST /api/v1/auth/login, POST /api/v1/auth/logout, POST /api/v1/auth/logout-all,
 * POST /api/v1/auth/password, GET /api/v1/auth/me. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "kb_alloc.h"
#include "kb_buf.h"
#include "kb_hash.h"
#include "kb_log.h"
#include "kb_user.h"
#include "srv.h"
#include "throttle.h"

#define COOKIE_NAME "kedb_session"
#define COOKIE_CLEAR COOKIE_NAME "=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0"

/* 1 when t is a token as kb_user_login makes them (64 lower-case hex digits). */
static int token_shape(const char *t, size_t len)
{
    if (len != KB_USER_TOKEN_HEX - 1)
        return 0;
    for (size_t i = 0; i < len; i++)
        if (!((t[i] >= '0' && t[i] <= '9') || (t[i] >= 'a' && t[i] <= 'f')))
            return 0;
    return 1;
}

/* The value of the kedb_session cookie in a Cookie header, into out; 0 when absent. */
static int cookie_token(const char *cookie, char *out, size_t size)
{
    const char *p = cookie;
    while (p && *p) {
        while (*p == ' ' || *p == ';')
            p++;
        const char *end = strchr(p, ';');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        size_t nlen = strlen(COOKIE_NAME);
        if (len > nlen && strncmp(p, COOKIE_NAME, nlen) == 0 && p[nlen] == '=') {
            size_t vlen = len - nlen - 1;
            if (vlen >= size)
                return 0;
            memcpy(out, p + nlen + 1, vlen);
            out[vlen] = '\0';
            return 1;
        }
        p = end;
    }
    return 0;
}

static int unsafe_method(const char *m)
{
    return strcmp(m, "GET") != 0 && strcmp(m, "HEAD") != 0 && strcmp(m, "OPTIONS") != 0;
}

/* 401 "unauthorized" or 403 "forbidden"; err says why. */
static unsigned deny(unsigned status, const char **code)
{
    *code = status == 401 ? "unauthorized" : "forbidden";
    return status;
}

unsigned srv_auth(srv_req *rq, unsigned need, const char *authorization, const char *cookie,
                  const char *csrf, const char **code, kb_err *err)
{
    const char *token = NULL;
    char from_cookie[KB_USER_TOKEN_HEX + 1]; /* one byte more: longer values are refused */
    int by_cookie = 0;
    if (authorization) {
        /* a bearer token, when given, is the credential; no fallback to the cookie */
        if (strncasecmp(authorization, "Bearer ", 7) != 0) {
            kb_err_set(err, KB_EDENIED, "the Authorization header must be 'Bearer TOKEN'");
            return deny(401, code);
        }
        token = authorization + 7;
        while (*token == ' ')
            token++;
    } else if (cookie && cookie_token(cookie, from_cookie, sizeof from_cookie)) {
        token = from_cookie;
        by_cookie = 1;
    }
    if (!token) {
        kb_err_set(err, KB_EDENIED, "log in first: POST /api/v1/auth/login, then send "
                   "'Authorization: Bearer TOKEN' or the session cookie");
        return deny(401, code);
    }
    if (!token_shape(token, strlen(token))) {
        kb_err_set(err, KB_EDENIED, "the session token is not valid");
        return deny(401, code);
    }
    kb_store *s;
    long long now;
    kb_status rc = srv_req_store_now(rq, &s, &now, err);
    if (rc != KB_OK) {
        kb_log(KB_LOG_ERROR, "auth: %s", err->msg);
        *code = NULL;
        if (rc == KB_EIO)
            kb_err_set(err, rc, "i/o error");
        else
            kb_err_set(err, rc, "internal error");
        return 500;
    }
    kb_user_session sess;
    rc = kb_user_session_check(s, token, now, &sess, err);
    if (rc == KB_ENOTFOUND) {
        kb_err_set(err, KB_EDENIED, "the session has expired or was revoked");
        return deny(401, code);
    }
    if (rc != KB_OK) {
        kb_log(KB_LOG_ERROR, "auth: %s", err->msg);
        *code = NULL;
        kb_err_set(err, rc, "database error");
        return 500;
    }
    if (by_cookie && unsafe_method(rq->method)) {
        /* a browser sends the cookie with cross-site requests too; the CSRF value is only
         * known to our page (from the login answer) */
        size_t len = csrf ? strlen(csrf) : 0;
        if (len != strlen(sess.csrf) || !kb_hash_equal(csrf, sess.csrf, len)) {
            kb_err_set(err, KB_EDENIED,
                       "a cookie session needs the X-CSRF-Token header from the login");
            return deny(403, code);
        }
    }
    snprintf(rq->user, sizeof rq->user, "%s", sess.name);
    rq->roles = sess.roles;
    memcpy(rq->token, token, KB_USER_TOKEN_HEX - 1); /* token_shape checked the length */
    rq->token[KB_USER_TOKEN_HEX - 1] = '\0';
    snprintf(rq->csrf, sizeof rq->csrf, "%s", sess.csrf);
    if (!(sess.roles & need)) {
        kb_buf b;
        kb_buf_init(&b, 0);
        kb_user_roles_format(need, &b);
        kb_err_set(err, KB_EDENIED, "this needs one of the roles: %s", kb_buf_str(&b));
        kb_buf_free(&b);
        return deny(403, code);
    }
    return 0;
}

static json_t *roles_json(unsigned roles)
{
    json_t *a = json_array();
    for (unsigned bit = 1; bit <= KB_ROLE_ADMIN; bit <<= 1)
        if (roles & bit)
            json_array_append_new(a, json_string(kb_user_role_name(bit)));
    return a;
}

/* 1 when the Content-Type value ct is application/json (any parameters, any case). */
static int json_content(const char *ct)
{
    static const char want[] = "application/json";
    if (!ct)
        return 0;
    while (*ct == ' ' || *ct == '\t')
        ct++;
    if (strncasecmp(ct, want, sizeof want - 1) != 0)
        return 0;
    ct += sizeof want - 1;
    while (*ct == ' ' || *ct == '\t')
        ct++;
    return *ct == '\0' || *ct == ';';
}

/* 1 when origin (an Origin header, NULL when absent) is http:// or https:// followed by
 * exactly the host the request was sent to. */
static int same_origin(const char *origin, const char *host)
{
    if (!origin)
        return 1;
    if (!host || !*host)
        return 0;
    const char *rest = NULL;
    if (strncasecmp(origin, "http://", 7) == 0)
        rest = origin + 7;
    else if (strncasecmp(origin, "https://", 8) == 0)
        rest = origin + 8;
    return rest && strcasecmp(rest, host) == 0;
}

/* A 429 answer with a Retry-After header. */
static void too_many(srv_resp *rs, unsigned secs, const kb_err *why)
{
    rs->status = 429;
    rs->json = srv_error_json("too_many_requests", why);
    json_object_set_new(json_object_get(rs->json, "error"), "retry_after", json_integer(secs));
    rs->retry_after = secs;
}

/* Before a password check: spends one of the client address's failed-login budget and
 * takes a hash slot. On refusal answers 429 in rs and returns 0; else 1, and the caller
 * calls ungate() after the check. */
static int gate(srv_req *rq, srv_resp *rs, long long now)
{
    srv_throttle *t = rq->app->throttle;
    unsigned wait = srv_throttle_client_take(t, rq->client, now);
    kb_err why;
    if (wait) {
        kb_err_set(&why, KB_EDENIED,
                   "too many failed logins from this address; try again in %u seconds", wait);
        too_many(rs, wait, &why);
        return 0;
    }
    if (!srv_throttle_hash_take(t)) {
        srv_throttle_client_refund(t, rq->client, now);
        kb_err_set(&why, KB_EDENIED,
                   "the server is busy checking other passwords; try again in a second");
        too_many(rs, 1, &why);
        return 0;
    }
    return 1;
}

/* After the check of gate(): frees the slot and gives the budget back unless it failed. */
static void ungate(srv_req *rq, long long now, int failed)
{
    srv_throttle_hash_put(rq->app->throttle);
    if (!failed)
        srv_throttle_client_refund(rq->app->throttle, rq->client, now);
}

static void locked(srv_resp *rs, long long retry)
{
    kb_err why;
    kb_err_set(&why, KB_EDENIED, "too many failed logins for this user; try again in %lld "
               "seconds", retry);
    too_many(rs, retry > 0 ? (unsigned)retry : 1, &why);
}

/* After a password check that passed gate(): ungate()s, then answers a locked user
 * (locked()) or a wrong password (status with the error code and why) in rs. Returns 0
 * when the password was right, else 1 (rs answered, or rc failed). */
static int check_refused(srv_req *rq, srv_resp *rs, long long now, kb_status rc,
                         kb_login_result result, long long retry, int status, const char *code,
                         const kb_err *why)
{
    ungate(rq, now, rc != KB_OK || result != KB_LOGIN_OK);
    if (rc != KB_OK)
        return 1;
    if (result == KB_LOGIN_LOCKED) {
        locked(rs, retry);
        return 1;
    }
    if (result == KB_LOGIN_BAD) {
        rs->status = status;
        rs->json = srv_error_json(code, why);
        return 1;
    }
    return 0;
}

/* POST /api/v1/auth/login {"username", "password"}: only as application/json (a form of
 * another site cannot send that without the browser asking first) and, when the browser
 * names the page's origin, only from a page of this server (no login CSRF). */
kb_status h_auth_login(srv_req *rq, srv_resp *rs, kb_err *err)
{
    kb_err why;
    if (!json_content(rq->content_type)) {
        rs->status = 415;
        kb_err_set(&why, KB_EINVAL, "a login must be sent as 'Content-Type: application/json'");
        rs->json = srv_error_json("unsupported_media_type", &why);
        return KB_OK;
    }
    if (!same_origin(rq->origin, rq->host)) {
        rs->status = 403;
        kb_err_set(&why, KB_EDENIED, "a login must come from a page of this server (the Origin "
                   "header does not match the Host)");
        rs->json = srv_error_json("forbidden", &why);
        return KB_OK;
    }
    json_t *in = NULL;
    kb_status rc = srv_req_json_object(rq, &in, err);
    if (rc != KB_OK)
        return rc;
    const char *key;
    json_t *v;
    json_object_foreach(in, key, v) {
        if (strcmp(key, "username") != 0 && strcmp(key, "password") != 0) {
            rc = kb_err_set(err, KB_EINVAL, "unknown field '%.40s'; allowed: username, password",
                            key);
            goto out;
        }
    }
    json_t *u = json_object_get(in, "username");
    json_t *p = json_object_get(in, "password");
    if (!json_is_string(u) || !json_is_string(p)) {
        rc = kb_err_set(err, KB_EINVAL, "'username' and 'password' must be strings");
        goto out;
    }
    const char *name = json_string_value(u);
    const char *pw = json_string_value(p);
    if (strlen(pw) != json_string_length(p) || json_string_length(p) > KB_USER_PASSWORD_MAX) {
        rc = kb_err_set(err, KB_EINVAL, "'password' must be at most %u bytes without NUL",
                        KB_USER_PASSWORD_MAX);
        goto out;
    }
    if (strlen(name) != json_string_length(u) || strlen(name) > 200) {
        rc = kb_err_set(err, KB_EINVAL, "'username' is not a valid username");
        goto out;
    }
    long long now;
    kb_store *s;
    rc = srv_req_store_now(rq, &s, &now, err);
    if (rc != KB_OK || !gate(rq, rs, now))
        goto out;
    kb_login_result result = KB_LOGIN_BAD;
    long long retry = 0;
    kb_user_session sess;
    rc = kb_user_login(s, name, pw, rq->client, now, &result, &retry, &sess, err);
    kb_err_set(&why, KB_EDENIED, "wrong username or password");
    if (check_refused(rq, rs, now, rc, result, retry, 401, "unauthorized", &why))
        goto out;
    json_t *o = json_object();
    json_object_set_new(o, "token", json_string(sess.token));
    json_object_set_new(o, "csrf", json_string(sess.csrf));
    json_object_set_new(o, "username", json_string(sess.name));
    json_object_set_new(o, "roles", roles_json(sess.roles));
    json_object_set_new(o, "expires", srv_json_time(sess.expires));
    rs->json = o;
    kb_buf c;
    kb_buf_init(&c, 0);
    kb_buf_addf(&c, COOKIE_NAME "=%s; HttpOnly; SameSite=Strict; Path=/; Max-Age=%d%s",
                sess.token, KB_USER_SESSION_TTL, rq->app->secure_cookie ? "; Secure" : "");
    rs->set_cookie = kb_buf_detach(&c, NULL);
    kb_buf_free(&c);
    kb_hash_wipe(&sess, sizeof sess);
out:
    json_decref(in);
    return rc;
}

static char *cookie_clear(const srv_req *rq)
{
    return kb_xstrdup(rq->app->secure_cookie ? COOKIE_CLEAR "; Secure" : COOKIE_CLEAR);
}

/* POST /api/v1/auth/logout: revokes the session used for this request. */
kb_status h_auth_logout(srv_req *rq, srv_resp *rs, kb_err *err)
{
    long long now;
    kb_store *s;
    kb_status rc = srv_req_store_now(rq, &s, &now, err);
    if (rc == KB_OK)
        rc = kb_user_logout(s, rq->token, now, err);
    if (rc != KB_OK)
        return rc;
    json_t *o = json_object();
    json_object_set_new(o, "ok", json_true());
    rs->json = o;
    rs->set_cookie = cookie_clear(rq);
    return KB_OK;
}

/* POST /api/v1/auth/logout-all: revokes every session of the caller (this one too). */
kb_status h_auth_logout_all(srv_req *rq, srv_resp *rs, kb_err *err)
{
    long long now;
    kb_store *s;
    int n = 0;
    kb_status rc = srv_req_store_now(rq, &s, &now, err);
    if (rc == KB_OK)
        rc = kb_user_logout_all(s, rq->user, rq->client, now, &n, err);
    if (rc != KB_OK)
        return rc;
    json_t *o = json_object();
    json_object_set_new(o, "ok", json_true());
    json_object_set_new(o, "revoked", json_integer(n));
    rs->json = o;
    rs->set_cookie = cookie_clear(rq);
    return KB_OK;
}

/* POST /api/v1/auth/password {"current", "new"}: the caller's own password. The current
 * one is checked like a login (throttled, counted, locked); the caller's other sessions
 * end, this one lives on. */
kb_status h_auth_password(srv_req *rq, srv_resp *rs, kb_err *err)
{
    static const char *const allowed[] = { "current", "new", NULL };
    json_t *in = NULL;
    kb_status rc = srv_req_body(rq, 0, allowed, &in, err);
    if (rc != KB_OK)
        return rc;
    const char *cur = NULL;
    const char *pw = NULL;
    rc = srv_json_get_str(in, "current", &cur, err);
    if (rc == KB_OK)
        rc = srv_json_get_str(in, "new", &pw, err);
    if (rc == KB_OK && (!cur || !pw))
        rc = kb_err_set(err, KB_EINVAL, "'current' and 'new' (the passwords) are required");
    if (rc == KB_OK && strlen(cur) > KB_USER_PASSWORD_MAX)
        rc = kb_err_set(err, KB_EINVAL, "'current' must be at most %u bytes",
                        KB_USER_PASSWORD_MAX);
    if (rc == KB_OK)
        rc = kb_user_password_check(rq->user, pw, strlen(pw), err);
    long long now;
    kb_store *s;
    if (rc == KB_OK)
        rc = srv_req_store_now(rq, &s, &now, err);
    if (rc != KB_OK || !gate(rq, rs, now))
        goto out;
    kb_login_result result = KB_LOGIN_BAD;
    long long retry = 0;
    int revoked = 0;
    rc = kb_user_password_change(s, rq->user, cur, pw, rq->token, rq->client, now, &result,
                                 &retry, &revoked, err);
    kb_err wrong;
    kb_err_set(&wrong, KB_EDENIED, "the current password is wrong");
    if (check_refused(rq, rs, now, rc, result, retry, 403, "forbidden", &wrong))
        goto out;
    json_t *o = json_object();
    json_object_set_new(o, "ok", json_true());
    json_object_set_new(o, "revoked", json_integer(revoked));
    rs->json = o;
out:
    json_decref(in);
    return rc;
}

/* GET /api/v1/auth/me: who the session belongs to. */
kb_status h_auth_me(srv_req *rq, srv_resp *rs, kb_err *err)
{
    (void)err;
    json_t *o = json_object();
    json_object_set_new(o, "username", json_string(rq->user));
    json_object_set_new(o, "roles", roles_json(rq->roles));
    /* a page reloaded in a new tab needs it for its writes; only same-origin pages can
     * read this answer */
    json_object_set_new(o, "csrf", json_string(rq->csrf));
    rs->json = o;
    return KB_OK;
}
