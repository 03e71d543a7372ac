/* The one CSV writer: quoting (RFC 4180) and spreadsheet-formula escaping. */
#include <string.h>

#include "check.h"
#include "kb_csv.h"

/* The field s as written. */
static const char *field(kb_buf *b, const char *s)
{
    kb_buf_reset(b);
    CHECK_INT_EQ(kb_csv_field(b, s), KB_OK);
    return kb_buf_str(b);
}

int main(void)
{
    kb_buf b;
    kb_buf_init(&b, 0);
    /* plain text, numbers and CJK as they are */
    CHECK_STR_EQ(field(&b, "plain"), "plain");
    CHECK_STR_EQ(field(&b, "42"), "42");
    CHECK_STR_EQ(field(&b, "打印机卡纸"), "打印机卡纸");
    CHECK_STR_EQ(field(&b, ""), "");
    CHECK_STR_EQ(field(&b, NULL), "");
    CHECK_STR_EQ(field(&b, "in the middle"), "in the middle");
    /* quoted: separators, quotes, line breaks, white space at an end */
    CHECK_STR_EQ(field(&b, "a,b"), "\"a,b\"");
    CHECK_STR_EQ(field(&b, "say \"hi\""), "\"say \"\"hi\"\"\"");
    CHECK_STR_EQ(field(&b, "two\nlines"), "\"two\nlines\"");
    CHECK_STR_EQ(field(&b, "cr\rin"), "\"cr\rin\"");
    CHECK_STR_EQ(field(&b, " lead"), "\" lead\"");
    CHECK_STR_EQ(field(&b, "trail "), "\"trail \"");
    /* what a spreadsheet would run as a formula shows as text */
    CHECK_STR_EQ(field(&b, "=1+1"), "\"'=1+1\"");
    CHECK_STR_EQ(field(&b, "+cmd"), "\"'+cmd\"");
    CHECK_STR_EQ(field(&b, "-2"), "\"'-2\"");
    CHECK_STR_EQ(field(&b, "@SUM(A1)"), "\"'@SUM(A1)\"");
    CHECK_STR_EQ(field(&b, "\t=x"), "\"'\t=x\"");
    CHECK_STR_EQ(field(&b, "\r=x"), "\"'\r=x\"");
    CHECK_STR_EQ(field(&b, "=HYPERLINK(\"http://x\")"), "\"'=HYPERLINK(\"\"http://x\"\")\"");
    CHECK_STR_EQ(field(&b, "a=b"), "a=b");

    /* rows: commas between, CRLF after */
    kb_buf_reset(&b);
    const char *row[] = { "seq", "a,b", "=x", "" };
    CHECK_INT_EQ(kb_csv_row(&b, row, 4), KB_OK);
    CHECK_STR_EQ(kb_buf_str(&b), "seq,\"a,b\",\"'=x\",\r\n");
    CHECK_INT_EQ(kb_csv_row(&b, row, 1), KB_OK);
    CHECK_STR_EQ(kb_buf_str(&b), "seq,\"a,b\",\"'=x\",\r\nseq\r\n");
    kb_buf_free(&b);

    /* a limit is an error, never a cut field */
    kb_buf_init(&b, 8);
    CHECK_INT_EQ(kb_csv_field(&b, "12345678"), KB_OK);
    CHECK_INT_EQ(kb_csv_field(&b, "x"), KB_ETOOBIG);
    CHECK_STR_EQ(kb_buf_str(&b), "12345678");
    kb_buf_reset(&b);
    CHECK_INT_EQ(kb_csv_field(&b, "ab"), KB_OK);
    CHECK_INT_EQ(kb_csv_field(&b, "a,b\"c"), KB_ETOOBIG);
    CHECK_STR_EQ(kb_buf_str(&b), "ab");
    kb_buf_reset(&b);
    CHECK_INT_EQ(kb_csv_row(&b, row, 4), KB_ETOOBIG);
    kb_buf_free(&b);
    return CHECK_DONE("test_csv");
}
