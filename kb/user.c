/* Users without SQL: roles, name and password rules, argon2id hashing, token hashing.
 * See include/kb_user.h. */
#include "kb_user.h"

#include <stdlib.h>
#include <string.h>

#include "kb_alloc.h"
#include "kb_hash.h"

static const char *const role_names[] = { "agent", "engineer", "approver", "auditor",
                                          "admin" };
#define NROLES (sizeof role_names / sizeof role_names[0])

const char *kb_user_role_name(unsigned role)
{
    for (size_t i = 0; i < NROLES; i++)
        if (role == 1u << i)
            return role_names[i];
    return NULL;
}

unsigned kb_user_role_parse(const char *name)
{
    for (size_t i = 0; i < NROLES; i++)
        if (strcmp(name, role_names[i]) == 0)
            return 1u << i;
    return 0;
}

kb_status kb_user_roles_parse(const char *csv, unsigned *out, kb_err *err)
{
    *out = 0;
    const char *p = csv;
    for (;;) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        char *one = kb_xstrndup(p, len);
        unsigned r = kb_user_role_parse(one);
        if (!r) {
            kb_status rc = kb_err_set(err, KB_EINVAL,
                                      "unknown role '%.40s' (roles: agent, engineer, approver, "
                                      "auditor, admin)",
                                      one);
            free(one);
            *out = 0;
            return rc;
        }
        free(one);
        *out |= r;
        if (!comma)
            break;
        p = comma + 1;
    }
    return KB_OK;
}

void kb_user_roles_format(unsigned roles, kb_buf *out)
{
    int first = 1;
    for (size_t i = 0; i < NROLES; i++) {
        if (!(roles & (1u << i)))
            continue;
        if (!first)
            kb_buf_addc(out, ',');
        kb_buf_adds(out, role_names[i]);
        first = 0;
    }
}

int kb_user_name_valid(const char *name)
{
    size_t len = strlen(name);
    if (len == 0 || len > KB_USER_NAME_MAX)
        return 0;
    for (size_t i = 0; i < len; i++) {
        char c = name[i];
        int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                 c == '.' || c == '_' || c == '-';
        if (!ok)
            return 0;
    }
    return 1;
}

static char lower(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

static int is_letter(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* 1 when low[0..len) is on the list as a whole, as the letters left after taking off what
 * is not a letter at both ends ("Password2026!"), or as the digits left after taking off
 * what is not a digit at both ends ("qq5201314"). */
static int common(const char *low, size_t len)
{
    if (kb_user_password_common(low, len))
        return 1;
    size_t a = 0, b = len;
    while (a < b && !is_letter(low[a]))
        a++;
    while (b > a && !is_letter(low[b - 1]))
        b--;
    if (b > a && kb_user_password_common(low + a, b - a))
        return 1;
    a = 0;
    b = len;
    while (a < b && !is_digit(low[a]))
        a++;
    while (b > a && !is_digit(low[b - 1]))
        b--;
    for (size_t i = a; i < b; i++)
        if (!is_digit(low[i]))
            return 0;
    return b > a && kb_user_password_common(low + a, b - a);
}

/* 1 when p[0..len) is one piece of up to 4 bytes repeated ("abababababab", twelve spaces)
 * or a run of neighbouring characters ("abcdefghijkl", "3456789012", "987654321098"). */
static int trivial(const char *p, size_t len)
{
    for (size_t period = 1; period <= 4 && period < len; period++) {
        size_t i = period;
        while (i < len && p[i] == p[i - period])
            i++;
        if (i == len)
            return 1;
    }
    for (int dir = -1; dir <= 1; dir += 2) {
        size_t i = 1;
        for (; i < len; i++) {
            char x = lower(p[i - 1]);
            char y = lower(p[i]);
            int next = y == x + dir || (dir == 1 && x == '9' && y == '0') ||
                       (dir == -1 && x == '0' && y == '9');
            if (!next || !(is_letter(x) || is_digit(x)))
                break;
        }
        if (i == len)
            return 1;
    }
    return 0;
}

kb_status kb_user_password_check(const char *name, const char *pw, size_t len, kb_err *err)
{
    if (len > KB_USER_PASSWORD_MAX)
        return kb_err_set(err, KB_EINVAL, "a password must be at most %u bytes",
                          KB_USER_PASSWORD_MAX);
    if (memchr(pw, '\0', len))
        return kb_err_set(err, KB_EINVAL, "a password must not contain NUL bytes");
    size_t chars = 0;
    for (size_t i = 0; i < len; i++)
        if (((unsigned char)pw[i] & 0xC0) != 0x80)
            chars++;
    if (chars < KB_USER_PASSWORD_MIN)
        return kb_err_set(err, KB_EINVAL, "a password must have at least %u characters",
                          KB_USER_PASSWORD_MIN);
    if (trivial(pw, len))
        return kb_err_set(err, KB_EINVAL,
                          "a password must not be one short piece repeated or a run of "
                          "neighbouring keys");
    char *low = kb_xmalloc(len + 1);
    for (size_t i = 0; i < len; i++)
        low[i] = lower(pw[i]);
    low[len] = '\0';
    kb_status rc = KB_OK;
    size_t nlen = name ? strlen(name) : 0;
    if (common(low, len)) {
        rc = kb_err_set(err, KB_EINVAL,
                        "this password is on the list of common passwords; choose another");
    } else if (nlen >= 3 && nlen <= len) {
        for (size_t i = 0; i + nlen <= len && rc == KB_OK; i++) {
            size_t k = 0;
            while (k < nlen && low[i + k] == lower(name[k]))
                k++;
            if (k == nlen)
                rc = kb_err_set(err, KB_EINVAL, "a password must not contain the username");
        }
    }
    kb_hash_wipe(low, len);
    free(low);
    return rc;
}

kb_status kb_user_hash(const char *pw, char **out, kb_err *err)
{
    const char *fast = getenv("KEDB_PWHASH_FAST");
    return kb_hash_password(pw, fast && strcmp(fast, "1") == 0, out, err);
}

int kb_user_verify(const char *hash, const char *pw)
{
    return kb_hash_password_verify(hash, pw);
}

void kb_user_token_hash(const char *s, char *out)
{
    kb_hash_sha256_hex(s, strlen(s), out);
}
