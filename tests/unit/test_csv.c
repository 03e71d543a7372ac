/* The one CSV owner: the writer's quoting (RFC 4180) and spreadsheet-formula escaping; the
 * reader (quotes, line breaks, line numbers, limits) and the decoding of exports (BOM,
 * GBK/GB18030, invalid bytes). */
#include <stdlib.h>
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

/* Reads every record of text into one string: fields joined by '|', records by '/',
 * each record prefixed with its line and 'L' when a field was too long. */
static char *read_all(const char *text, size_t max_field)
{
    kb_buf out;
    kb_buf_init(&out, 0);
    kb_csv_reader *r = kb_csv_reader_new(text, strlen(text), max_field);
    kb_csv_record rec;
    while (kb_csv_next(r, &rec)) {
        kb_buf_addf(&out, "%zu%s%s:", rec.line, rec.too_long ? "L" : "", rec.blank ? "B" : "");
        for (size_t i = 0; i < rec.n; i++)
            kb_buf_addf(&out, "%s%s", i ? "|" : "", rec.fields[i]);
        kb_buf_adds(&out, "/");
    }
    CHECK(!kb_csv_next(r, &rec)); /* stays at the end */
    kb_csv_reader_free(r);
    return kb_buf_detach(&out, NULL);
}

static void read_case(const char *text, size_t max_field, const char *want)
{
    char *got = read_all(text, max_field);
    CHECK_STR_EQ(got, want);
    free(got);
}

static void read_cases(void)
{
    read_case("", 0, "");
    read_case("a,b\n1,2\n", 0, "1:a|b/2:1|2/");
    read_case("a,b\r\n1,2", 0, "1:a|b/2:1|2/");
    read_case(KB_CSV_BOM "姓名,手机\n张伟,138\n", 0, "1:姓名|手机/2:张伟|138/");
    /* quotes: commas, doubled quotes, line breaks (counted), an empty field at the end */
    read_case("\"a,b\",\"say \"\"hi\"\"\",\n\"two\nlines\",x\nnext,y\n", 0,
              "1:a,b|say \"hi\"|/2:two\nlines|x/4:next|y/");
    /* an empty line is a blank record; a quote left open runs to the end */
    read_case("a\n\nb\n", 0, "1:a/2B:/3:b/");
    read_case("a,\"open\nrest,of\nfile", 0, "1:a|open\nrest,of\nfile/");
    /* a field past the limit is cut and the record marked */
    read_case("abcdef,xy\nok,ok\n", 4, "1L:abcd|xy/2:ok|ok/");
    read_case("\"abcdef\"\n", 4, "1L:abcd/");
}

/* Decodes bytes (len of them) with charset; returns the status, *out the text or error. */
static kb_status decode(const char *bytes, size_t len, const char *charset, size_t limit,
                        const char **used, char **out)
{
    kb_buf b;
    kb_buf_init(&b, limit);
    kb_buf_add(&b, bytes, len);
    kb_err err;
    kb_status rc = kb_csv_decode(&b, charset, used, &err);
    *out = rc == KB_OK ? kb_buf_detach(&b, NULL) : strdup(err.msg);
    kb_buf_free(&b);
    return rc;
}

static void decode_cases(void)
{
    const char *used = NULL;
    char *out = NULL;
    /* UTF-8 with and without a byte order mark */
    CHECK_INT_EQ(decode(KB_CSV_BOM "姓名\n", 10, NULL, 0, &used, &out), KB_OK);
    CHECK_STR_EQ(out, "姓名\n");
    CHECK_STR_EQ(used, "UTF-8");
    free(out);
    CHECK_INT_EQ(decode("name\n", 5, "utf-8", 0, &used, &out), KB_OK);
    CHECK_STR_EQ(out, "name\n");
    free(out);
    CHECK_INT_EQ(decode("", 0, NULL, 0, &used, &out), KB_OK);
    CHECK_STR_EQ(out, "");
    free(out);
    /* GBK bytes of 姓名,张伟 are not UTF-8: read as GB18030 */
    const char gbk[] = "\xd0\xd5\xc3\xfb,\xd5\xc5\xce\xb0\r\n";
    CHECK_INT_EQ(decode(gbk, sizeof gbk - 1, NULL, 0, &used, &out), KB_OK);
    CHECK_STR_EQ(out, "姓名,张伟\r\n");
    CHECK_STR_EQ(used, "GB18030");
    free(out);
    CHECK_INT_EQ(decode(gbk, sizeof gbk - 1, "GBK", 0, &used, &out), KB_OK);
    CHECK_STR_EQ(out, "姓名,张伟\r\n");
    CHECK_STR_EQ(used, "GBK");
    free(out);
    /* said to be UTF-8 but is not: the offset of the first bad byte */
    CHECK_INT_EQ(decode(gbk, sizeof gbk - 1, "UTF-8", 0, &used, &out), KB_EPARSE);
    CHECK(strstr(out, "byte 0") != NULL);
    free(out);
    /* neither UTF-8 nor GB18030 (0x80 and 0xFF are not GB18030 bytes) */
    CHECK_INT_EQ(decode("ab\xff\x80", 4, NULL, 0, &used, &out), KB_EPARSE);
    CHECK(strstr(out, "GB18030") != NULL && strstr(out, "byte 2") != NULL);
    free(out);
    /* NUL bytes: not text */
    CHECK_INT_EQ(decode("a\0b", 3, NULL, 0, &used, &out), KB_EPARSE);
    free(out);
    CHECK_INT_EQ(decode("\xd5\xc5\0", 3, "GBK", 0, &used, &out), KB_EPARSE);
    free(out);
    /* an unknown character set; a result past the limit */
    CHECK_INT_EQ(decode("abc", 3, "NOPE-42", 0, &used, &out), KB_EINVAL);
    free(out);
    CHECK_INT_EQ(decode(gbk, sizeof gbk - 1, NULL, sizeof gbk - 1, &used, &out), KB_ETOOBIG);
    free(out);
    /* overlong and surrogate encodings are not UTF-8 */
    CHECK_INT_EQ(decode("\xc0\xaf", 2, "UTF-8", 0, &used, &out), KB_EPARSE);
    free(out);
    CHECK_INT_EQ(decode("\xed\xa0\x80", 3, "UTF-8", 0, &used, &out), KB_EPARSE);
    free(out);
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
    read_cases();
    decode_cases();
    return CHECK_DONE("test_csv");
}
