/* The only file that includes sodium.h (see kb_hash.h). */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "kb_alloc.h"
#include "kb_hash.h"

_Static_assert(sizeof(crypto_hash_sha256_state) <= sizeof(((kb_sha256 *)0)->state),
               "kb_sha256 too small for crypto_hash_sha256_state");
_Static_assert(crypto_hash_sha256_BYTES == KB_HASH_SHA256_BYTES, "SHA-256 size");

static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static int init_rc = -1;

static void init_sodium(void)
{
    init_rc = sodium_init();
}

kb_status kb_hash_init(kb_err *err)
{
    pthread_once(&init_once, init_sodium);
    if (init_rc < 0)
        return kb_err_set(err, KB_EINTERNAL, "cannot initialise libsodium");
    return KB_OK;
}

static crypto_hash_sha256_state *state_of(kb_sha256 *h)
{
    return (crypto_hash_sha256_state *)(void *)h->state.bytes;
}

void kb_hash_sha256_begin(kb_sha256 *h)
{
    kb_hash_init(NULL);
    crypto_hash_sha256_init(state_of(h));
}

void kb_hash_sha256_add(kb_sha256 *h, const void *p, size_t len)
{
    crypto_hash_sha256_update(state_of(h), p, (unsigned long long)len);
}

void kb_hash_sha256_end(kb_sha256 *h, char out[KB_HASH_SHA256_HEX])
{
    unsigned char digest[crypto_hash_sha256_BYTES];
    crypto_hash_sha256_final(state_of(h), digest);
    sodium_bin2hex(out, KB_HASH_SHA256_HEX, digest, sizeof digest);
    sodium_memzero(h, sizeof *h);
}

void kb_hash_sha256_hex(const void *p, size_t len, char out[KB_HASH_SHA256_HEX])
{
    kb_sha256 h;
    kb_hash_sha256_begin(&h);
    kb_hash_sha256_add(&h, p, len);
    kb_hash_sha256_end(&h, out);
}

void kb_hash_hex(const void *bin, size_t len, char *out)
{
    sodium_bin2hex(out, 2 * len + 1, bin, len);
}

kb_status kb_hash_random(void *buf, size_t len, kb_err *err)
{
    kb_status rc = kb_hash_init(err);
    if (rc == KB_OK)
        randombytes_buf(buf, len);
    return rc;
}

void kb_hash_wipe(void *p, size_t len)
{
    sodium_memzero(p, len);
}

int kb_hash_equal(const void *a, const void *b, size_t len)
{
    return sodium_memcmp(a, b, len) == 0;
}

void kb_hash_hmac_sha256(const void *key, size_t keylen, const void *msg, size_t len,
                         unsigned char out[KB_HASH_HMAC_BYTES])
{
    init_sodium();
    crypto_auth_hmacsha256_state st;
    crypto_auth_hmacsha256_init(&st, key, keylen);
    crypto_auth_hmacsha256_update(&st, msg, len);
    crypto_auth_hmacsha256_final(&st, out);
    sodium_memzero(&st, sizeof st);
}

char *kb_hash_base64(const void *bin, size_t len)
{
    init_sodium();
    size_t n = sodium_base64_encoded_len(len, sodium_base64_VARIANT_ORIGINAL);
    char *out = kb_xmalloc(n);
    sodium_bin2base64(out, n, bin, len, sodium_base64_VARIANT_ORIGINAL);
    return out;
}

kb_status kb_hash_password(const char *pw, int fast, char **out, kb_err *err)
{
    *out = NULL;
    kb_status rc = kb_hash_init(err);
    if (rc != KB_OK)
        return rc;
    unsigned long long ops = fast ? crypto_pwhash_OPSLIMIT_MIN
                                  : crypto_pwhash_OPSLIMIT_INTERACTIVE;
    size_t mem = fast ? crypto_pwhash_MEMLIMIT_MIN : crypto_pwhash_MEMLIMIT_INTERACTIVE;
    char *h = kb_xmalloc(crypto_pwhash_STRBYTES);
    if (crypto_pwhash_str(h, pw, strlen(pw), ops, mem) != 0) {
        free(h);
        return kb_err_set(err, KB_ENOMEM, "cannot hash the password (out of memory)");
    }
    *out = h;
    return KB_OK;
}

int kb_hash_password_verify(const char *hash, const char *pw)
{
    if (kb_hash_init(NULL) != KB_OK)
        return 0;
    return crypto_pwhash_str_verify(hash, pw, strlen(pw)) == 0;
}
