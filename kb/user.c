/* Users without SQL: roles, name and password rules, argon2id hashing, token hashing.
 * See include/kb_user.h. */
#include "kb_user.h"

#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "kb_alloc.h"

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

kb_status kb_user_password_check(const char *pw, size_t len, kb_err *err)
{
    if (len < KB_USER_PASSWORD_MIN || len > KB_USER_PASSWORD_MAX)
        return kb_err_set(err, KB_EINVAL, "a password must be %u to %u bytes",
                          KB_USER_PASSWORD_MIN, KB_USER_PASSWORD_MAX);
    if (memchr(pw, '\0', len))
        return kb_err_set(err, KB_EINVAL, "a password must not contain NUL bytes");
    return KB_OK;
}

kb_status kb_user_hash(const char *pw, char **out, kb_err *err)
{
    *out = NULL;
    if (sodium_init() < 0)
        return kb_err_set(err, KB_EINTERNAL, "cannot initialise libsodium");
    const char *fast = getenv("KEDB_PWHASH_FAST");
    int min = fast && strcmp(fast, "1") == 0;
    unsigned long long ops = min ? crypto_pwhash_OPSLIMIT_MIN
                                 : crypto_pwhash_OPSLIMIT_INTERACTIVE;
    size_t mem = min ? crypto_pwhash_MEMLIMIT_MIN : crypto_pwhash_MEMLIMIT_INTERACTIVE;
    char *h = kb_xmalloc(crypto_pwhash_STRBYTES);
    if (crypto_pwhash_str(h, pw, strlen(pw), ops, mem) != 0) {
        free(h);
        return kb_err_set(err, KB_ENOMEM, "cannot hash the password (out of memory)");
    }
    *out = h;
    return KB_OK;
}

int kb_user_verify(const char *hash, const char *pw)
{
    if (sodium_init() < 0)
        return 0;
    return crypto_pwhash_str_verify(hash, pw, strlen(pw)) == 0;
}

void kb_user_token_hash(const char *s, char *out)
{
    unsigned char h[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(h, (const unsigned char *)s, strlen(s));
    sodium_bin2hex(out, KB_USER_TOKEN_HEX, h, sizeof h);
}
