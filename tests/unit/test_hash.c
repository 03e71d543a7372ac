/* kb_hash: SHA-256, random bytes, constant-time comparison, wiping and password hashing,
 * and one initialisation of libsodium whatever the number of threads asking. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "kb_hash.h"

#define THREADS 8

static void *init_from_thread(void *arg)
{
    kb_status *rc = arg;
    *rc = kb_hash_init(NULL);
    return NULL;
}

int main(void)
{
    /* many threads initialising at once: all succeed */
    pthread_t t[THREADS];
    kb_status rcs[THREADS];
    for (int i = 0; i < THREADS; i++)
        CHECK_INT_EQ(pthread_create(&t[i], NULL, init_from_thread, &rcs[i]), 0);
    for (int i = 0; i < THREADS; i++) {
        pthread_join(t[i], NULL);
        CHECK_INT_EQ(rcs[i], KB_OK);
    }
    CHECK_INT_EQ(kb_hash_init(NULL), KB_OK);

    /* SHA-256 test vectors (FIPS 180-2) */
    char hex[KB_HASH_SHA256_HEX];
    kb_hash_sha256_hex("abc", 3, hex);
    CHECK_STR_EQ(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    kb_hash_sha256_hex("", 0, hex);
    CHECK_STR_EQ(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    const char *two = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    kb_hash_sha256_hex(two, strlen(two), hex);
    CHECK_STR_EQ(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    /* incremental, in pieces of any size, equals one call */
    kb_sha256 h;
    kb_hash_sha256_begin(&h);
    kb_hash_sha256_add(&h, two, 1);
    kb_hash_sha256_add(&h, two + 1, 0);
    kb_hash_sha256_add(&h, two + 1, 30);
    kb_hash_sha256_add(&h, two + 31, strlen(two) - 31);
    char inc[KB_HASH_SHA256_HEX];
    kb_hash_sha256_end(&h, inc);
    CHECK_STR_EQ(inc, hex);

    /* hex */
    const unsigned char bin[] = { 0x00, 0x0f, 0xa5, 0xff };
    char bh[2 * sizeof bin + 1];
    kb_hash_hex(bin, sizeof bin, bh);
    CHECK_STR_EQ(bh, "000fa5ff");

    /* random bytes: filled, and not the same twice */
    unsigned char r1[32], r2[32], zero[32];
    memset(r1, 0, sizeof r1);
    memset(r2, 0, sizeof r2);
    memset(zero, 0, sizeof zero);
    CHECK_INT_EQ(kb_hash_random(r1, sizeof r1, NULL), KB_OK);
    CHECK_INT_EQ(kb_hash_random(r2, sizeof r2, NULL), KB_OK);
    CHECK(memcmp(r1, zero, sizeof r1) != 0);
    CHECK(memcmp(r1, r2, sizeof r1) != 0);

    /* comparison and wiping */
    CHECK_INT_EQ(kb_hash_equal("secret-a", "secret-a", 8), 1);
    CHECK_INT_EQ(kb_hash_equal("secret-a", "secret-b", 8), 0);
    kb_hash_wipe(r1, sizeof r1);
    CHECK(memcmp(r1, zero, sizeof r1) == 0);

    /* passwords: argon2id at the smallest limits, salted, verified */
    char *p1 = NULL, *p2 = NULL;
    CHECK_INT_EQ(kb_hash_password("correct horse battery", 1, &p1, NULL), KB_OK);
    CHECK_INT_EQ(kb_hash_password("correct horse battery", 1, &p2, NULL), KB_OK);
    CHECK(p1 && strncmp(p1, "$argon2id$", 10) == 0);
    CHECK(p1 && p2 && strcmp(p1, p2) != 0);
    CHECK_INT_EQ(kb_hash_password_verify(p1, "correct horse battery"), 1);
    CHECK_INT_EQ(kb_hash_password_verify(p2, "correct horse battery"), 1);
    CHECK_INT_EQ(kb_hash_password_verify(p1, "correct horse batterY"), 0);
    CHECK_INT_EQ(kb_hash_password_verify(p1, ""), 0);
    CHECK_INT_EQ(kb_hash_password_verify("not a hash", "correct horse battery"), 0);
    free(p1);
    free(p2);
    return CHECK_DONE("test_hash");
}
