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
    /* HMAC-SHA-256: RFC 4231 test cases 2 (a short key) and 6 (a key longer than a block) */
    unsigned char tag[KB_HASH_HMAC_BYTES];
    char taghex[2 * KB_HASH_HMAC_BYTES + 1];
    const char *msg = "what do ya want for nothing?";
    kb_hash_hmac_sha256("Jefe", 4, msg, strlen(msg), tag);
    kb_hash_hex(tag, sizeof tag, taghex);
    CHECK_STR_EQ(taghex, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    unsigned char longkey[131];
    memset(longkey, 0xaa, sizeof longkey);
    msg = "Test Using Larger Than Block-Size Key - Hash Key First";
    kb_hash_hmac_sha256(longkey, sizeof longkey, msg, strlen(msg), tag);
    kb_hash_hex(tag, sizeof tag, taghex);
    CHECK_STR_EQ(taghex, "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
    /* DingTalk's signature: base64(HMAC(secret, "timestamp\nsecret")), as Python computes
     * it: base64.b64encode(hmac.new(b"SECxyz", b"1700000000000\nSECxyz", sha256).digest()) */
    const char *sec = "SECxyz", *signed_text = "1700000000000\nSECxyz";
    kb_hash_hmac_sha256(sec, strlen(sec), signed_text, strlen(signed_text), tag);
    char *b64 = kb_hash_base64(tag, sizeof tag);
    CHECK_STR_EQ(b64, "0PUR1j8g85Xg3vlFV/UrEcxXfF5HpCAGzcjrNfyJoyg=");
    free(b64);
    /* base64 (RFC 4648 section 10) */
    const char *in[] = { "", "f", "fo", "foo", "foob", "fooba", "foobar" };
    const char *want[] = { "", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy" };
    for (size_t i = 0; i < 7; i++) {
        b64 = kb_hash_base64(in[i], strlen(in[i]));
        CHECK_STR_EQ(b64, want[i]);
        free(b64);
    }
    return CHECK_DONE("test_hash");
}
