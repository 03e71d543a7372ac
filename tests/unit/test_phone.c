/* Phone numbers: every spelling of one number has one canonical form; checks; queries for
 * part of a number. */
#include <string.h>

#include "check.h"
#include "kb_phone.h"

static const char *norm(const char *s)
{
    static char out[KB_PHONE_NORM_MAX];
    kb_phone_norm(s, out);
    return out;
}

static int valid(const char *s)
{
    kb_err err;
    return kb_phone_check("phone", s, &err) == KB_OK;
}

int main(void)
{
    /* one mobile number, however it is written */
    const char *mobile[] = { "+86 138-0013 8000", "0086 13800138000", "138 0013 8000",
                             "13800138000",       "+8613800138000",   "86 138 0013 8000",
                             "138-0013-8000",     "(+86) 138 0013 8000",
                             "＋８６　１３８－００１３－８０００", "138.0013.8000" };
    for (size_t i = 0; i < sizeof mobile / sizeof mobile[0]; i++) {
        CHECK_STR_EQ(norm(mobile[i]), "13800138000");
        CHECK(valid(mobile[i]));
    }
    /* landlines with their area code, written with or without the country code */
    const char *beijing[] = { "010-6552 9988", "(010) 65529988", "01065529988",
                              "+86 10 6552 9988", "0086-10-65529988", "+86 (0)10 6552 9988",
                              "（010）6552-9988" };
    for (size_t i = 0; i < sizeof beijing / sizeof beijing[0]; i++)
        CHECK_STR_EQ(norm(beijing[i]), "01065529988");
    CHECK_STR_EQ(norm("0755-8888 9999"), "075588889999");
    CHECK_STR_EQ(norm("+86 755 8888 9999"), "075588889999");
    CHECK_STR_EQ(norm("0571-8765432"), "05718765432");
    /* extensions: after a marker, or a last dash group after a whole number */
    const char *ext[] = { "010-65529988-123", "(010) 65529988 转 123", "010-6552 9988 ext. 123",
                          "010 6552 9988 x123", "01065529988 分机123", "010-65529988 分机号 123",
                          "010-65529988#123", "010-65529988,123", "010-65529988 EXT 123",
                          "+86 10 6552 9988 extension 123", "(010)6552-9988-123" };
    for (size_t i = 0; i < sizeof ext / sizeof ext[0]; i++) {
        CHECK_STR_EQ(norm(ext[i]), "01065529988x123");
        CHECK(valid(ext[i]));
    }
    CHECK_STR_EQ(norm("6552 9988-123"), "65529988x123");
    CHECK_STR_EQ(norm("分机 8123"), "x8123");
    /* whole numbers with dashes are not cut */
    CHECK_STR_EQ(norm("400-810-8888"), "4008108888");
    CHECK_STR_EQ(norm("010-6552-9988"), "01065529988");
    CHECK_STR_EQ(norm("95588"), "95588");
    CHECK_STR_EQ(norm("6552-9988"), "65529988");
    /* other countries keep their code */
    CHECK_STR_EQ(norm("+1 415 555 0100"), "+14155550100");
    CHECK_STR_EQ(norm("001 415 555 0100"), "+14155550100");
    CHECK_STR_EQ(norm("+44 20 7946 0958 ext 12"), "+442079460958x12");
    /* no digits, or junk: a form all the same */
    CHECK_STR_EQ(norm(""), "");
    CHECK_STR_EQ(norm("call me"), "");
    CHECK_STR_EQ(norm("12a34"), "1234");

    /* checks */
    const char *bad[] = { "",           "call me",          "12a34",         "12",
                          "138+0013",   "++86 138 0013 8000", "010-65529988 转",
                          "010-65529988 x 123 x 4", "0123456789012345678901",
                          "010 x 123456789", "13800138000\n", "分 8123", "13800138000@" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        kb_err err;
        err.msg[0] = '\0';
        int rc = kb_phone_check("caller_phone", bad[i], &err);
        CHECK_INT_EQ(rc, KB_EINVAL);
        CHECK(strstr(err.msg, "'caller_phone'") != NULL);
    }
    CHECK(valid("110x1"));
    CHECK(!valid("(010) 6552 9988 / 13800138000")); /* two numbers are two entries */
    CHECK_STR_EQ(norm("+86 400 810 8888"), "4008108888");
    /* a canonical form reads as itself */
    const char *forms[] = { "13800138000", "01065529988x123", "+14155550100", "x8123",
                            "65529988x123", "0106552" };
    for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++)
        CHECK_STR_EQ(norm(forms[i]), forms[i]);
    CHECK_STR_EQ(norm("+86 00 1234"), "01234");
    char once[KB_PHONE_NORM_MAX];
    kb_phone_norm("0086 0086 138", once);
    CHECK_STR_EQ(norm(once), once);

    /* queries: any part of a number of at least 4 digits, in canonical form */
    char q[KB_PHONE_NORM_MAX];
    CHECK_INT_EQ(kb_phone_query("+86 138-0013 8000", q), 1);
    CHECK_STR_EQ(q, "13800138000");
    CHECK_INT_EQ(kb_phone_query("138 0013", q), 1);
    CHECK_STR_EQ(q, "1380013");
    CHECK_INT_EQ(kb_phone_query("8000", q), 1);
    CHECK_STR_EQ(q, "8000");
    CHECK_INT_EQ(kb_phone_query("9988 转 123", q), 1);
    CHECK_STR_EQ(q, "9988x123");
    CHECK_INT_EQ(kb_phone_query("(010) 6552", q), 1);
    CHECK_STR_EQ(q, "0106552");
    CHECK_INT_EQ(kb_phone_query("0013 8000", q), 1); /* the middle of a number */
    CHECK_STR_EQ(q, "00138000");
    CHECK_INT_EQ(kb_phone_query("800", q), 0);
    CHECK_STR_EQ(q, "");
    CHECK_INT_EQ(kb_phone_query("张伟", q), 0);
    CHECK_INT_EQ(kb_phone_query("zhang 1380", q), 0);
    CHECK_INT_EQ(kb_phone_query("+86", q), 0);
    CHECK_INT_EQ(kb_phone_query("", q), 0);
    /* the form of a query is inside the form of every spelling of the number */
    CHECK_INT_EQ(kb_phone_query("0086 1380013", q), 1);
    CHECK(strstr(norm("138 0013 8000"), q) != NULL);
    return CHECK_DONE("test_phone");
}
