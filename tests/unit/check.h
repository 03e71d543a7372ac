#ifndef KB_TEST_CHECK_H
#define KB_TEST_CHECK_H
/* Minimal test helpers: each CHECK counts one check, prints file:line on failure and keeps
 * going. CHECK_DONE() prints "name: N passed, N failed" and is the return value of main. */
#include <stdio.h>
#include <string.h>

static int check_pass_;
static int check_fail_;

#define CHECK(cond)                                                                            \
    do {                                                                                       \
        if (cond) {                                                                            \
            check_pass_++;                                                                     \
        } else {                                                                               \
            check_fail_++;                                                                     \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);           \
        }                                                                                      \
    } while (0)

#define CHECK_INT_EQ(a, b)                                                                     \
    do {                                                                                       \
        long long a_ = (long long)(a), b_ = (long long)(b);                                    \
        if (a_ == b_) {                                                                        \
            check_pass_++;                                                                     \
        } else {                                                                               \
            check_fail_++;                                                                     \
            fprintf(stderr, "%s:%d: %s == %s failed: %lld != %lld\n", __FILE__, __LINE__, #a,  \
                    #b, a_, b_);                                                               \
        }                                                                                      \
    } while (0)

#define CHECK_STR_EQ(a, b)                                                                     \
    do {                                                                                       \
        const char *a_ = (a), *b_ = (b);                                                       \
        if (a_ && b_ && strcmp(a_, b_) == 0) {                                                 \
            check_pass_++;                                                                     \
        } else {                                                                               \
            check_fail_++;                                                                     \
            fprintf(stderr, "%s:%d: %s == %s failed: '%s' != '%s'\n", __FILE__, __LINE__, #a,  \
                    #b, a_ ? a_ : "(null)", b_ ? b_ : "(null)");                               \
        }                                                                                      \
    } while (0)

#define CHECK_DONE(name)                                                                       \
    (printf("%s: %d passed, %d failed\n", (name), check_pass_, check_fail_),                   \
     check_fail_ ? 1 : 0)

#endif
