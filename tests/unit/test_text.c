/* Text as kb takes it in: UTF-8 sequences (valid, overlong, surrogates, cut short), the
 * decoder, and the check of typed fields. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "kb_text.h"

/* kb_text_set_trimmed: spaces and tabs at the ends go, inner ones and line breaks stay. */
static void test_trimmed(void)
{
    char *s = NULL;
    kb_text_set_trimmed(&s, " \t 北京 总部\t ");
    CHECK_STR_EQ(s, "北京 总部");
    kb_text_set_trimmed(&s, "   ");
    CHECK_STR_EQ(s, "");
    kb_text_set_trimmed(&s, "a\nb ");
    CHECK_STR_EQ(s, "a\nb");
    free(s);
}

int main(void)
{
    test_trimmed();
    CHECK_INT_EQ(kb_text_utf8_seq("a", 1), 1);
    CHECK_INT_EQ(kb_text_utf8_seq("é", 2), 2);
    CHECK_INT_EQ(kb_text_utf8_seq("张", 3), 3);
    CHECK_INT_EQ(kb_text_utf8_seq("\xf0\x9f\x98\x80", 4), 4);
    CHECK_INT_EQ(kb_text_utf8_seq("张", 2), 0);          /* cut short */
    CHECK_INT_EQ(kb_text_utf8_seq("\xc0\xaf", 2), 0);     /* overlong */
    CHECK_INT_EQ(kb_text_utf8_seq("\xe0\x80\xaf", 3), 0); /* overlong */
    CHECK_INT_EQ(kb_text_utf8_seq("\xed\xa0\x80", 3), 0); /* surrogate */
    CHECK_INT_EQ(kb_text_utf8_seq("\xf4\x90\x80\x80", 4), 0); /* past U+10FFFF */
    CHECK_INT_EQ(kb_text_utf8_seq("\x80", 1), 0);
    CHECK_INT_EQ(kb_text_utf8_seq("", 0), 0);
    CHECK_INT_EQ(kb_text_utf8_bad_at("ab张", 5), 5);
    CHECK_INT_EQ(kb_text_utf8_bad_at("ab\xff张", 6), 2);
    CHECK_INT_EQ(kb_text_utf8_bad_at("", 0), 0);

    size_t n = 0;
    CHECK_INT_EQ(kb_text_utf8_next("张伟", 6, &n), 0x5F20);
    CHECK_INT_EQ(n, 3);
    CHECK_INT_EQ(kb_text_utf8_next("A", 1, &n), 'A');
    CHECK_INT_EQ(n, 1);
    CHECK_INT_EQ(kb_text_utf8_next("\xff" "a", 2, &n), 0xFFFD);
    CHECK_INT_EQ(n, 1);
    CHECK_INT_EQ(kb_text_utf8_next("\xf0\x9f\x98\x80", 4, &n), 0x1F600);
    CHECK_INT_EQ(n, 4);

    /* kb_text_utf8_cut: never inside a character */
    CHECK_INT_EQ(kb_text_utf8_cut("王芳", 6, 6), 6);
    CHECK_INT_EQ(kb_text_utf8_cut("王芳", 6, 10), 6);
    CHECK_INT_EQ(kb_text_utf8_cut("王芳", 6, 5), 3);
    CHECK_INT_EQ(kb_text_utf8_cut("王芳", 6, 4), 3);
    CHECK_INT_EQ(kb_text_utf8_cut("王芳", 6, 3), 3);
    CHECK_INT_EQ(kb_text_utf8_cut("王芳", 6, 2), 0);
    CHECK_INT_EQ(kb_text_utf8_cut("ab\xf0\x9f\x98\x80", 6, 5), 2);
    CHECK_INT_EQ(kb_text_utf8_cut("abc", 3, 0), 0);

    kb_err err;
    CHECK_INT_EQ(kb_text_check_field("name", "王芳", 200, 0, &err), KB_OK);
    CHECK_INT_EQ(kb_text_check_field("name", "12345", 4, 0, &err), KB_EINVAL);
    CHECK(strstr(err.msg, "'name' is longer than 4 bytes (5)") != NULL);
    CHECK_INT_EQ(kb_text_check_field("name", "a\nb", 200, 0, &err), KB_EINVAL);
    CHECK(strstr(err.msg, "line breaks are not allowed") != NULL);
    CHECK_INT_EQ(kb_text_check_field("notes", "a\r\n\tb", 200, 1, &err), KB_OK);
    CHECK_INT_EQ(kb_text_check_field("notes", "a\x01" "b", 200, 1, &err), KB_EINVAL);
    CHECK_INT_EQ(kb_text_check_field("notes", "a\x7f", 200, 1, &err), KB_EINVAL);
    return CHECK_DONE("test_text");
}
