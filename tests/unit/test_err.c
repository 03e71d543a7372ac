/* Errors: the Chinese message beside the English one (the catalogue, the fallback for a
 * format it lacks, context put in front), and messages cut to their arrays without ever
 * splitting a character. */
#include <string.h>

#include "check.h"
#include "kb_err.h"
#include "kb_text.h"

static int valid_utf8(const char *s)
{
    size_t len = strlen(s);
    return kb_text_utf8_bad_at(s, len) == len;
}

int main(void)
{
    kb_err e;
    kb_err_clear(&e);
    CHECK_INT_EQ(e.code, KB_OK);
    CHECK_STR_EQ(e.msg_zh, "");

    /* a catalogued format: both languages, the same arguments */
    CHECK_INT_EQ(kb_err_set(&e, KB_ENOTFOUND, "no incident '%s'", "INC-20260310-0001"),
                 KB_ENOTFOUND);
    CHECK_STR_EQ(e.msg, "no incident 'INC-20260310-0001'");
    CHECK_STR_EQ(e.msg_zh, "找不到事件“INC-20260310-0001”");
    kb_err_set(&e, KB_EINVAL, "field '%s' is required", "summary");
    CHECK_STR_EQ(e.msg_zh, "请填写 summary");
    kb_err_set(&e, KB_EINVAL, "'%.*s' is not a date YYYY-MM-DD", 5, "2026-13-01");
    CHECK_STR_EQ(e.msg_zh, "“2026-”不是日期 YYYY-MM-DD");
    kb_err_set(&e, KB_EPARSE, "P%d: the response target (%llds) is longer than the resolution "
               "target (%llds)", 2, 7200LL, 3600LL);
    CHECK_STR_EQ(e.msg_zh, "P2：响应时限（7200 秒）长于解决时限（3600 秒）");
    CHECK(kb_err_zh_format("no such route") != NULL);
    CHECK(kb_err_zh_format("a sentence no source gives") == NULL);

    /* a format the catalogue lacks: the code's sentence, then the English */
    kb_err_set(&e, KB_ECONFLICT, "a test message about %d things", 3);
    CHECK_STR_EQ(e.msg, "a test message about 3 things");
    CHECK_STR_EQ(e.msg_zh, "与当前状态冲突：a test message about 3 things");
    for (int c = KB_OK; c <= KB_EUNAVAIL; c++)
        CHECK(kb_status_zh((kb_status)c)[0] != '\0');

    /* context in front of an error (calendar lines, rules[i], backups) */
    kb_err_set(&e, KB_EPARSE, "the span %s-%s ends before it starts", "18:00", "09:00");
    CHECK_INT_EQ(kb_err_prefix(&e, KB_EINVAL, "line %zu", (size_t)3), KB_EINVAL);
    CHECK_INT_EQ(e.code, KB_EINVAL);
    CHECK_STR_EQ(e.msg, "line 3: the span 18:00-09:00 ends before it starts");
    CHECK_STR_EQ(e.msg_zh, "第 3 行：时段 18:00-09:00 的结束时间早于开始时间");
    kb_err_prefix(&e, KB_EINVAL, "a test prefix %d", 7); /* not catalogued: English head */
    CHECK_STR_EQ(e.msg_zh, "a test prefix 7：第 3 行：时段 18:00-09:00 的结束时间早于开始时间");

    /* NULL is allowed and the code still comes back */
    CHECK_INT_EQ(kb_err_set(NULL, KB_EINVAL, "no such route"), KB_EINVAL);
    CHECK_INT_EQ(kb_err_prefix(NULL, KB_EINVAL, "line %zu", (size_t)1), KB_EINVAL);
    kb_err_clear(NULL);

    /* cut to the arrays on a character boundary: 3-byte and 4-byte characters */
    char big[1200];
    big[0] = '\0';
    for (int i = 0; i < 300; i++)
        strcat(big, "张");
    kb_err_set(&e, KB_ENOTFOUND, "no incident '%s'", big);
    CHECK(strlen(e.msg) <= sizeof e.msg - 1 && strlen(e.msg) >= sizeof e.msg - 4);
    CHECK(valid_utf8(e.msg));
    CHECK_INT_EQ(strlen(e.msg), 13 + 3 * 80); /* "no incident '" and 80 whole characters */
    CHECK(strlen(e.msg_zh) <= sizeof e.msg_zh - 1 && strlen(e.msg_zh) >= sizeof e.msg_zh - 4);
    CHECK(valid_utf8(e.msg_zh));
    CHECK_INT_EQ(strlen(e.msg_zh), 18 + 3 * 121); /* "找不到事件“" and 121 characters */
    big[0] = '\0';
    for (int i = 0; i < 200; i++)
        strcat(big, "\xf0\x9f\x98\x80");
    for (int shift = 0; shift < 4; shift++) { /* every place a cut can fall */
        kb_err_set(&e, KB_ENOTFOUND, "no incident '%s'", big + 4 * shift + 0);
        CHECK(valid_utf8(e.msg) && valid_utf8(e.msg_zh));
        kb_err_set(&e, KB_ENOTFOUND, "no user '%s'", big);
        CHECK(valid_utf8(e.msg) && valid_utf8(e.msg_zh));
        char pad[5] = "aaaa";
        pad[shift] = '\0';
        kb_err_set(&e, KB_EINVAL, "a test message %s%s", pad, big); /* the fallback cut */
        CHECK(valid_utf8(e.msg) && valid_utf8(e.msg_zh));
        CHECK(strlen(e.msg) >= sizeof e.msg - 4);
        kb_err_prefix(&e, KB_EINVAL, "line %zu", (size_t)shift); /* the prefix cut */
        CHECK(valid_utf8(e.msg) && valid_utf8(e.msg_zh));
        CHECK(strncmp(e.msg_zh, "第 ", 4) == 0);
    }
    return CHECK_DONE("test_err");
}
