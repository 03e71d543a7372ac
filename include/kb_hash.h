#ifndef KB_HASH_H
#define KB_HASH_H
#include <stddef.h>

#include "kb_err.h"

/* Hashing and randomness: the one owner of libsodium (kb/hash.c is the only file that
 * includes sodium.h). SHA-256 for content and chain digests, random bytes for tokens,
 * argon2id for passwords, and wiping and constant-time comparison of secrets. Every
 * function is safe from any thread. */

#define KB_HASH_SHA256_BYTES 32
#define KB_HASH_SHA256_HEX 65 /* 64 lower-case hex digits and the NUL */

/* Initialises libsodium once per process (thread-safe; later calls return the first
 * result). The functions below call it themselves; a main() calls it first to fail early.
 * KB_EINTERNAL when the library cannot start (no source of randomness). */
kb_status kb_hash_init(kb_err *err);

/* An incremental SHA-256: kb_hash_sha256_begin, any number of _add, one _end. Lives on
 * the caller's stack; nothing to free. */
typedef struct {
    union {
        unsigned char bytes[128];
        unsigned long long align;
    } state; /* libsodium's crypto_hash_sha256_state; opaque */
} kb_sha256;
void kb_hash_sha256_begin(kb_sha256 *h);
void kb_hash_sha256_add(kb_sha256 *h, const void *p, size_t len);
/* Writes the digest as hex into out and wipes h. */
void kb_hash_sha256_end(kb_sha256 *h, char out[KB_HASH_SHA256_HEX]);
/* The SHA-256 of p[0..len) as hex, in one call. */
void kb_hash_sha256_hex(const void *p, size_t len, char out[KB_HASH_SHA256_HEX]);

/* Writes bin[0..len) as lower-case hex and a NUL into out (at least 2 * len + 1 bytes). */
void kb_hash_hex(const void *bin, size_t len, char *out);
/* Fills buf with len unpredictable bytes; KB_EINTERNAL when libsodium cannot start. */
kb_status kb_hash_random(void *buf, size_t len, kb_err *err);
/* Overwrites p[0..len) with zeros in a way the compiler does not drop. */
void kb_hash_wipe(void *p, size_t len);
/* 1 when a[0..len) equals b[0..len), in time that does not depend on the contents. */
int kb_hash_equal(const void *a, const void *b, size_t len);

/* HMAC-SHA-256 (RFC 2104) of msg[0..len) with a key of any length (libsodium's
 * crypto_auth_hmacsha256, multi-part so that keys other than 32 bytes work): the 32-byte
 * tag into out. Signs webhook URLs (DingTalk's robots). */
#define KB_HASH_HMAC_BYTES 32
void kb_hash_hmac_sha256(const void *key, size_t keylen, const void *msg, size_t len,
                         unsigned char out[KB_HASH_HMAC_BYTES]);
/* bin[0..len) as standard base64 with padding (RFC 4648 section 4): a new string (free()). */
char *kb_hash_base64(const void *bin, size_t len);

/* An argon2id hash of pw in libsodium's string form into *out (free with free()). fast
 * uses the smallest limits (a test hook); otherwise the interactive limits (64 MiB).
 * KB_ENOMEM when the memory for hashing cannot be had. */
kb_status kb_hash_password(const char *pw, int fast, char **out, kb_err *err);
/* 1 when pw matches hash (as made by kb_hash_password), else 0. */
int kb_hash_password_verify(const char *hash, const char *pw);

#endif
