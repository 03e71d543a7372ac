/* Spreadsheets as rows: CSV (UTF-8, GBK), .xlsx built here with libzip from XML strings
 * (shared and inline strings, numbers, booleans, dates in both date systems, empty cells,
 * a named sheet), the .xls fixtures of tools/gen_xls.py, and hostile files: a zip bomb
 * (and one whose directory lies about the size), billion laughs, truncated files and
 * files that are no spreadsheet at all, and .xls files that would hang or break freexl. */
#include <dirent.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "fixture.h"
#include "kb_buf.h"
#include "kb_sheet.h"

#define XLSX_NS "xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" " \
                "xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\""

/* An .xlsx with one sheet (sheet1.xml's sheetData content), optional shared strings and
 * styles; date1904 sets the 1904 date system. */
static char *make_xlsx(const char *rows, const char *sst, const char *styles, int date1904,
                       size_t *len)
{
    kb_buf wb, sheet;
    kb_buf_init(&wb, 0);
    kb_buf_init(&sheet, 0);
    kb_buf_addf(&wb, "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
                "<workbook " XLSX_NS "><workbookPr%s/><sheets>"
                "<sheet name=\"说明\" sheetId=\"1\" r:id=\"rId2\"/>"
                "<sheet name=\"Assets\" sheetId=\"2\" r:id=\"rId1\"/></sheets></workbook>",
                date1904 ? " date1904=\"1\"" : "");
    kb_buf_addf(&sheet, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<worksheet " XLSX_NS
                "><sheetData>%s</sheetData></worksheet>", rows);
    fixture_entry e[7] = {
        { "[Content_Types].xml", "<?xml version=\"1.0\"?><Types xmlns=\"http://schemas."
          "openxmlformats.org/package/2006/content-types\"/>", 0 },
        { "xl/workbook.xml", kb_buf_str(&wb), 0 },
        { "xl/_rels/workbook.xml.rels", "<?xml version=\"1.0\"?><Relationships xmlns=\"http://"
          "schemas.openxmlformats.org/package/2006/relationships\"><Relationship Id=\"rId1\" "
          "Type=\"t\" Target=\"worksheets/sheet1.xml\"/><Relationship Id=\"rId2\" Type=\"t\" "
          "Target=\"/xl/worksheets/sheet2.xml\"/></Relationships>", 0 },
        { "xl/worksheets/sheet1.xml", kb_buf_str(&sheet), 0 },
        { "xl/worksheets/sheet2.xml", "<worksheet><sheetData><row r=\"2\"><c r=\"B2\" "
          "t=\"inlineStr\"><is><t>读我</t></is></c></row></sheetData></worksheet>", 0 },
        { "xl/sharedStrings.xml", sst, 0 },
        { "xl/styles.xml", styles, 0 },
    };
    size_t n = 5;
    if (sst)
        n++;
    if (styles) {
        e[n] = e[6];
        n++;
    }
    char *z = fixture_zip(e, n, len);
    kb_buf_free(&wb);
    kb_buf_free(&sheet);
    return z;
}

/* Every row of the sheet as "line:cell|cell/" ('L' after the line when cut), then
 * "!code: message" on an error; NULL options read the first sheet. */
static char *dump(const char *data, size_t len, const kb_sheet_options *opt)
{
    kb_buf out;
    kb_buf_init(&out, 0);
    kb_sheet *sh = NULL;
    kb_err err;
    kb_status rc = kb_sheet_open(data, len, opt, &sh, &err);
    if (rc == KB_OK) {
        kb_sheet_row row;
        while ((rc = kb_sheet_next(sh, &row, &err)) == KB_OK && !row.done) {
            kb_buf_addf(&out, "%zu%s:", row.line, row.too_long ? "L" : "");
            for (size_t i = 0; i < row.n; i++)
                kb_buf_addf(&out, "%s%s", i ? "|" : "", row.cells[i]);
            kb_buf_adds(&out, "/");
        }
        if (rc == KB_OK) {
            /* done stays done */
            CHECK_INT_EQ(kb_sheet_next(sh, &row, &err), KB_OK);
            CHECK(row.done && row.n == 0);
        } else {
            /* an error stays */
            kb_sheet_row again;
            CHECK_INT_EQ(kb_sheet_next(sh, &again, NULL), rc);
        }
    }
    if (rc != KB_OK)
        kb_buf_addf(&out, "!%s: %s", kb_status_name(rc), err.msg);
    kb_sheet_free(sh);
    return kb_buf_detach(&out, NULL);
}

static void check_dump(int line, const char *data, size_t len, const kb_sheet_options *opt,
                       const char *want)
{
    char *got = dump(data, len, opt);
    if (strcmp(got, want) != 0)
        fprintf(stderr, "test_sheet.c:%d: got '%s'\n  want '%s'\n", line, got, want);
    CHECK_STR_EQ(got, want);
    free(got);
}
#define DUMP(...) check_dump(__LINE__, __VA_ARGS__)

/* 1 when the dump ends in an error of that status whose message holds part. */
static int fails_with(const char *data, size_t len, const kb_sheet_options *opt,
                      const char *status, const char *part)
{
    char *got = dump(data, len, opt);
    char head[64];
    snprintf(head, sizeof head, "!%s: ", status);
    const char *bang = strstr(got, head);
    int ok = bang && strstr(bang, part);
    if (!ok)
        fprintf(stderr, "  got '%.300s', want %s with '%s'\n", got, status, part);
    free(got);
    return ok;
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    CHECK(f != NULL);
    if (!f) {
        *len = 0;
        return calloc(1, 1);
    }
    kb_buf b;
    kb_buf_init(&b, 0);
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        kb_buf_add(&b, chunk, n);
    fclose(f);
    return kb_buf_detach(&b, len);
}

static void csv_cases(void)
{
    const char *utf8 = "\xef\xbb\xbf标签,序列号,备注\r\nA-1,SN1,\"a,b\"\r\n,,\r\n\r\nB-2,,x\r\nC,\r\n";
    DUMP(utf8, strlen(utf8), NULL, "1:标签|序列号|备注/2:A-1|SN1|a,b/5:B-2||x/6:C/");
    /* GBK, found out by itself */
    const char gbk[] = "\xb1\xea\xc7\xa9,\xd0\xf2\xc1\xd0\xba\xc5\nA-1,SN1\n";
    DUMP(gbk, strlen(gbk), NULL, "1:标签|序列号/2:A-1|SN1/");
    kb_sheet *sh;
    kb_err err;
    CHECK_INT_EQ(kb_sheet_open(gbk, strlen(gbk), NULL, &sh, &err), KB_OK);
    CHECK_STR_EQ(kb_sheet_charset(sh), "GB18030");
    CHECK_INT_EQ(kb_sheet_format_of(sh), KB_SHEET_CSV);
    CHECK_STR_EQ(kb_sheet_name(sh), "");
    kb_sheet_free(sh);
    /* asked for: UTF-8 text that is not */
    kb_sheet_options opt = { "UTF-8", NULL, 0, 0 };
    CHECK(fails_with(gbk, strlen(gbk), &opt, "parse_error", "csv: not valid UTF-8"));
    opt.charset = "no-such-set";
    CHECK(fails_with("a\n", 2, &opt, "invalid", "unknown character set"));
    /* a long cell is cut on a character boundary */
    kb_buf big;
    kb_buf_init(&big, 0);
    kb_buf_adds(&big, "a");
    for (size_t i = 0; i < KB_SHEET_MAX_CELL; i++)
        kb_buf_adds(&big, "中");
    kb_buf_adds(&big, ",b\n");
    CHECK_INT_EQ(kb_sheet_open(big.data, big.len, NULL, &sh, &err), KB_OK);
    kb_sheet_row row;
    CHECK_INT_EQ(kb_sheet_next(sh, &row, &err), KB_OK);
    CHECK(row.too_long);
    CHECK_INT_EQ(row.n, 2);
    CHECK_INT_EQ(strlen(row.cells[0]), 1 + (KB_SHEET_MAX_CELL - 1) / 3 * 3);
    CHECK_STR_EQ(row.cells[1], "b");
    kb_sheet_free(sh);
    /* limits: rows (lowered by the caller), columns */
    opt = (kb_sheet_options){ NULL, NULL, 2, 0 };
    CHECK(fails_with("a\nb\nc\n", 6, &opt, "too_big", "csv: more than 2 rows"));
    kb_buf_reset(&big);
    for (size_t i = 0; i <= KB_SHEET_MAX_COLS; i++)
        kb_buf_adds(&big, "x,");
    CHECK(fails_with(big.data, big.len, NULL, "too_big", "csv: line 1: more than 1024 columns"));
    kb_buf_free(&big);
    /* nothing at all: no rows */
    DUMP("", 0, NULL, "");
    DUMP(NULL, 0, NULL, "");
}

static const char *const SST =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?><sst " XLSX_NS " count=\"4\" uniqueCount=\"4\">"
    "<si><t>资产标签</t></si><si><r><t>序列</t></r><r><rPr/><t xml:space=\"preserve\">号 "
    "</t></r></si><si><t>A&amp;B</t><rPh sb=\"0\" eb=\"1\"><t>ignored</t></rPh></si><si/>"
    "</sst>";
static const char *const STYLES =
    "<?xml version=\"1.0\"?><styleSheet " XLSX_NS "><numFmts count=\"2\">"
    "<numFmt numFmtId=\"164\" formatCode=\"yyyy&quot;年&quot;m&quot;月&quot;d&quot;日&quot;\"/>"
    "<numFmt numFmtId=\"165\" formatCode=\"#,##0.00&quot;days&quot;\"/></numFmts>"
    "<cellStyleXfs count=\"1\"><xf numFmtId=\"14\"/></cellStyleXfs><cellXfs count=\"6\">"
    "<xf numFmtId=\"0\"/><xf numFmtId=\"14\"/><xf numFmtId=\"164\"/><xf numFmtId=\"22\"/>"
    "<xf numFmtId=\"165\"/><xf numFmtId=\"20\"/></cellXfs></styleSheet>";

static void xlsx_cases(void)
{
    size_t len;
    char *z = make_xlsx(
        "<row r=\"1\"><c r=\"A1\" t=\"s\"><v>0</v></c><c r=\"B1\" t=\"s\"><v>1</v></c>"
        "<c r=\"C1\" t=\"inlineStr\"><is><t>购买日期</t></is></c></row>"
        "<row r=\"2\" spans=\"1:9\"><c r=\"A2\" s=\"1\"/></row>"
        "<row r=\"3\"><c r=\"A3\" t=\"s\"><v>2</v></c><c r=\"C3\" s=\"1\"><v>45292</v></c>"
        "<c r=\"D3\" s=\"2\"><v>60</v></c><c r=\"E3\" s=\"3\"><v>45292.75</v></c>"
        "<c r=\"F3\" t=\"b\"><v>1</v></c><c r=\"G3\"><v>1.3800138E+10</v></c>"
        "<c r=\"H3\" s=\"4\"><v>45292</v></c><c r=\"I3\" s=\"5\"><v>0.5</v></c>"
        "<c r=\"J3\" t=\"s\"><v>3</v></c><c r=\"K3\" s=\"1\"/></row>"
        "<row r=\"7\"><c r=\"B7\"><v>0.1</v></c><c r=\"C7\" s=\"1\"><v>59</v></c>"
        "<c r=\"D7\" s=\"1\"><v>61</v></c><c r=\"E7\" s=\"1\"><v>1</v></c>"
        "<c r=\"F7\" t=\"str\"><f>A1</f><v>=x</v></c><c r=\"G7\" t=\"e\"><v>#N/A</v></c>"
        "<c r=\"H7\" t=\"d\"><v>2024-05-06T00:00:00</v></c><c r=\"I7\" t=\"b\"><v>0</v></c></row>"
        "<row><c><v>8</v></c><c t=\"inlineStr\"><is><r><t>富</t></r><r><t>文本</t></r></is></c>"
        "</row>",
        SST, STYLES, 0, &len);
    DUMP(z, len, &(kb_sheet_options){ NULL, "Assets", 0, 0 },
         "1:资产标签|序列号 |购买日期/"
         "3:A&B||2024-01-01|1900-02-29|2024-01-01 18:00:00|TRUE|13800138000|45292|12:00:00/"
         "7:|0.1|1900-02-28|1900-03-01|1900-01-01|=x|#N/A|2024-05-06|FALSE/"
         "8:8|富文本/");
    /* the first sheet by default; a sheet that is not there */
    DUMP(z, len, NULL, "2:|读我/");
    CHECK(fails_with(z, len, &(kb_sheet_options){ NULL, "Nope", 0, 0 }, "not_found",
                     "xlsx: the workbook has no sheet 'Nope'"));
    kb_sheet *sh;
    kb_err err;
    CHECK_INT_EQ(kb_sheet_open(z, len, &(kb_sheet_options){ NULL, "Assets", 0, 0 }, &sh, &err),
                 KB_OK);
    CHECK_INT_EQ(kb_sheet_format_of(sh), KB_SHEET_XLSX);
    CHECK_STR_EQ(kb_sheet_name(sh), "Assets");
    CHECK_STR_EQ(kb_sheet_charset(sh), "UTF-8");
    kb_sheet_free(sh);
    /* truncated: no central directory */
    CHECK(fails_with(z, len / 2, NULL, "parse_error", "xlsx: not a readable zip archive"));
    free(z);

    /* the 1904 date system; no shared strings, no styles (numbers stay numbers) */
    z = make_xlsx("<row r=\"1\"><c r=\"A1\" s=\"1\"><v>0</v></c></row>", NULL, STYLES, 1, &len);
    DUMP(z, len, &(kb_sheet_options){ NULL, "Assets", 0, 0 }, "1:1904-01-01/");
    free(z);
    z = make_xlsx("<row r=\"1\"><c r=\"A1\" s=\"1\"><v>45292</v></c></row>", NULL, NULL, 0, &len);
    DUMP(z, len, &(kb_sheet_options){ NULL, "Assets", 0, 0 }, "1:45292/");
    free(z);

    /* broken sheets: a shared string that is not there, cells out of order, a column past
     * the limit, too many rows, broken XML */
    const struct {
        const char *rows;
        const char *status;
        const char *part;
    } bad[] = {
        { "<row r=\"4\"><c r=\"A4\" t=\"s\"><v>9</v></c></row>", "parse_error",
          "cell A4: no shared string '9'" },
        { "<row r=\"4\"><c r=\"B4\"><v>1</v></c><c r=\"A4\"><v>1</v></c></row>", "parse_error",
          "row 4: bad or unordered cell reference 'A4'" },
        { "<row r=\"4\"><c r=\"AMK4\"><v>1</v></c></row>", "too_big",
          "cell AMK4: more than 1024 columns" },
        { "<row r=\"1\"><c r=\"A1\"><v>1</v></c></row><row r=\"2\"/><row r=\"3\"/>", "too_big",
          "xlsx: xl/worksheets/sheet1.xml: more than 2 rows" },
        { "<row r=\"1\"><c r=\"A1\"><v>1</v></row>", "parse_error", "broken XML: line 2" },
        { "<row r=\"0\"/>", "parse_error", "a row without a valid number" },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        z = make_xlsx(bad[i].rows, SST, NULL, 0, &len);
        if (!fails_with(z, len, &(kb_sheet_options){ NULL, "Assets", 2, 0 }, bad[i].status,
                        bad[i].part))
            CHECK(!"bad sheet accepted");
        free(z);
    }
}

/* A zip bomb: a sheet of 2 MiB that deflates to a few KiB, read with a 1 MiB part limit;
 * then the same zip with its directory claiming 1,000 bytes, which the reading catches. */
static void bomb_cases(void)
{
    size_t n = 2u << 20;
    char *xml = malloc(n + 1);
    const char *head = "<worksheet><sheetData><row r=\"1\"><c r=\"A1\" t=\"inlineStr\"><is><t>";
    memset(xml, 'a', n);
    memcpy(xml, head, strlen(head));
    xml[n] = '\0';
    fixture_entry e[] = {
        { "[Content_Types].xml", "<Types/>", 0 },
        { "xl/workbook.xml", "<workbook xmlns:r=\"r\"><sheets><sheet name=\"S\" r:id=\"rId1\"/>"
          "</sheets></workbook>", 0 },
        { "xl/_rels/workbook.xml.rels", "<Relationships><Relationship Id=\"rId1\" "
          "Target=\"worksheets/sheet1.xml\"/></Relationships>", 0 },
        { "xl/worksheets/sheet1.xml", xml, n },
    };
    size_t len;
    char *z = fixture_zip(e, 4, &len);
    CHECK(len < 64 * 1024);
    kb_sheet_options opt = { NULL, NULL, 0, 1u << 20 };
    CHECK(fails_with(z, len, &opt, "too_big",
                     "xlsx: xl/worksheets/sheet1.xml: 2097152 bytes uncompressed, more than "
                     "1048576"));
    /* the lie: both headers say 1000 bytes */
    const char *name = "xl/worksheets/sheet1.xml";
    size_t nl = strlen(name);
    int patched = 0;
    for (size_t i = 0; i + 46 + nl <= len; i++) {
        unsigned char *p = (unsigned char *)z + i;
        if (memcmp(p, "PK\x03\x04", 4) == 0 && i + 30 + nl <= len && p[26] == nl &&
            memcmp(p + 30, name, nl) == 0) {
            memcpy(p + 22, "\xe8\x03\0\0", 4);
            patched++;
        }
        if (memcmp(p, "PK\x01\x02", 4) == 0 && p[28] == nl && memcmp(p + 46, name, nl) == 0) {
            memcpy(p + 24, "\xe8\x03\0\0", 4);
            patched++;
        }
    }
    CHECK_INT_EQ(patched, 2);
    char *got = dump(z, len, &opt);
    CHECK(strncmp(got, "!", 1) == 0 && strstr(got, "xl/worksheets/sheet1.xml"));
    if (!strstr(got, "more than 1048576 bytes uncompressed") && !strstr(got, "CRC"))
        fprintf(stderr, "  lying zip: '%s'\n", got);
    CHECK(strstr(got, "more than 1048576 bytes uncompressed") || strstr(got, "CRC"));
    free(got);
    free(z);
    free(xml);
}

/* Billion laughs, and other XML no spreadsheet has. */
static void xml_cases(void)
{
    const char *lol =
        "<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\">"
        "<!ENTITY lol1 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">"
        "<!ENTITY lol2 \"&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;\">"
        "<!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;\">"
        "<!ENTITY lol4 \"&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;\">"
        "<!ENTITY lol5 \"&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;\">"
        "<!ENTITY lol6 \"&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;\">"
        "<!ENTITY lol7 \"&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;\">"
        "<!ENTITY lol8 \"&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;\">"
        "<!ENTITY lol9 \"&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;\">]>"
        "<worksheet><sheetData><row r=\"1\"><c r=\"A1\" t=\"inlineStr\"><is><t>&lol9;</t></is>"
        "</c></row></sheetData></worksheet>";
    const char *ext = "<?xml version=\"1.0\"?><!DOCTYPE x SYSTEM \"file:///etc/passwd\">"
                      "<worksheet/>";
    const char *workbook = "<workbook xmlns:r=\"r\"><sheets><sheet name=\"S\" r:id=\"rId1\"/>"
                           "</sheets></workbook>";
    const char *rels = "<Relationships><Relationship Id=\"rId1\" "
                       "Target=\"worksheets/sheet1.xml\"/></Relationships>";
    kb_buf deep;
    kb_buf_init(&deep, 0);
    kb_buf_adds(&deep, "<worksheet><sheetData>");
    for (int i = 0; i < 100; i++)
        kb_buf_adds(&deep, "<x>");
    const char *sheets[] = { lol, ext, kb_buf_str(&deep) };
    const char *parts[] = { "a DTD or entity declaration", "a DTD or entity declaration",
                            "XML nested deeper than 64" };
    for (size_t i = 0; i < 3; i++) {
        fixture_entry e[] = {
            { "[Content_Types].xml", "<Types/>", 0 },
            { "xl/workbook.xml", workbook, 0 },
            { "xl/_rels/workbook.xml.rels", rels, 0 },
            { "xl/worksheets/sheet1.xml", sheets[i], 0 },
        };
        size_t len;
        char *z = fixture_zip(e, 4, &len);
        CHECK(fails_with(z, len, NULL, "parse_error", parts[i]));
        free(z);
    }
    /* the shared strings too */
    fixture_entry e[] = {
        { "[Content_Types].xml", "<Types/>", 0 },
        { "xl/workbook.xml", workbook, 0 },
        { "xl/_rels/workbook.xml.rels", rels, 0 },
        { "xl/worksheets/sheet1.xml", "<worksheet/>", 0 },
        { "xl/sharedStrings.xml", lol, 0 },
    };
    size_t len;
    char *z = fixture_zip(e, 5, &len);
    CHECK(fails_with(z, len, NULL, "parse_error", "xl/sharedStrings.xml: a DTD"));
    free(z);
    kb_buf_free(&deep);
}

static int dir_empty(const char *path)
{
    DIR *d = opendir(path);
    int n = 0;
    struct dirent *de;
    while (d && (de = readdir(d)) != NULL)
        if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
            n++;
    if (d)
        closedir(d);
    return d && n == 0;
}

static void xls_cases(void)
{
    /* freexl's temporary copy goes to TMPDIR and is gone once the file is open */
    fixture fx;
    if (fixture_open_dir(&fx, "sheet") != 0)
        return;
    const char *old = getenv("TMPDIR");
    char *saved = old ? strdup(old) : NULL;
    setenv("TMPDIR", fx.dir, 1);
    size_t len;
    char *x = slurp("tests/data/sheets/basic.xls", &len);
    kb_sheet *sh;
    kb_err err;
    CHECK_INT_EQ(kb_sheet_open(x, len, NULL, &sh, &err), KB_OK);
    CHECK(dir_empty(fx.dir));
    CHECK_INT_EQ(kb_sheet_format_of(sh), KB_SHEET_XLS);
    CHECK_STR_EQ(kb_sheet_name(sh), "资产");
    kb_sheet_free(sh);
    DUMP(x, len, NULL,
         "1:标签|序列号|购买日期|数量|价格/2:A-001|SN-9001|2024-01-01|3|12.5/3:A-002|||7/"
         "5:服务器||2024-01-01 12:00:00||1/");
    DUMP(x, len, &(kb_sheet_options){ NULL, "Other", 0, 0 }, "1:x/");
    CHECK(fails_with(x, len, &(kb_sheet_options){ NULL, "Nope", 0, 0 }, "not_found",
                     "xls: the workbook has no sheet 'Nope'"));
    /* the child's error comes with its Chinese */
    sh = (kb_sheet *)1;
    CHECK_INT_EQ(kb_sheet_open(x, len, &(kb_sheet_options){ NULL, "Nope", 0, 0 }, &sh, &err),
                 KB_ENOTFOUND);
    CHECK(sh == NULL);
    CHECK_STR_EQ(err.msg_zh, "xls：工作簿中没有工作表“Nope”");
    CHECK(fails_with(x, len, &(kb_sheet_options){ NULL, NULL, 2, 0 }, "too_big",
                     "more than 2 rows"));
    /* truncated: the stream runs past the end */
    CHECK(fails_with(x, 1536, NULL, "parse_error", "xls: "));
    CHECK(fails_with(x, 100, NULL, "parse_error", "xls: a broken compound file header"));
    free(x);
    x = slurp("tests/data/sheets/date1904.xls", &len);
    DUMP(x, len, NULL, "1:1908-01-02/");
    free(x);
    /* an OLE2 file without a workbook (a .doc): no stream of that name */
    x = slurp("tests/data/sheets/basic.xls", &len);
    char *w = memmem(x, len, "W\0o\0r\0k\0b\0o\0o\0k\0", 16);
    CHECK(w != NULL);
    if (w)
        memcpy(w, "W\0o\0r\0d\0D\0o\0c\0u\0", 16);
    CHECK(fails_with(x, len, NULL, "parse_error", "xls: no workbook stream"));
    free(x);
    /* freexl counts date days one at a time: 2e10 of them are refused before it runs */
    x = slurp("tests/data/sheets/bigdates.xls", &len);
    CHECK(fails_with(x, len, NULL, "too_big", "too large or too many for the .xls reader"));
    free(x);
    /* freexl reads past a buffer on this one: its child process fails, we do not. Not
     * under valgrind (make valgrind), which follows the child and reports freexl's read */
    const char *vg = getenv("KEDB_VALGRIND");
    if (!vg || strcmp(vg, "1") != 0) {
        x = slurp("tests/data/sheets/freexl-overflow.xls", &len);
        char *got = dump(x, len, NULL);
        CHECK(strncmp(got, "!parse_error: xls: ", 19) == 0);
        free(got);
        free(x);
    }
    CHECK(dir_empty(fx.dir));
    if (saved) {
        setenv("TMPDIR", saved, 1);
        free(saved);
    } else {
        unsetenv("TMPDIR");
    }
    fixture_close(&fx);
}

static void other_cases(void)
{
    /* none of these: binary bytes, a zip that holds no workbook, a cut zip header */
    const char bin[] = "\x7f" "ELF\x02\x01\x01\0\0\0";
    CHECK(fails_with(bin, sizeof bin - 1, NULL, "parse_error", "csv: the text holds a NUL"));
    kb_sheet *sh = NULL;
    kb_err err;
    CHECK_INT_EQ(kb_sheet_open(bin, sizeof bin - 1, NULL, &sh, &err), KB_EPARSE);
    CHECK_STR_EQ(err.msg_zh, "CSV：内容含有 NUL 字节（第 7 字节）：不是文本文件");
    fixture_entry e[] = { { "[Content_Types].xml", "<Types/>", 0 }, { "word/document.xml", "<w/>", 0 } };
    size_t len;
    char *z = fixture_zip(e, 2, &len);
    CHECK(fails_with(z, len, NULL, "parse_error", "a zip archive but no Excel workbook"));
    free(z);
    CHECK(fails_with("PK\x03\x04", 4, NULL, "parse_error", "xlsx: not a readable zip"));
    /* past the file limit, before anything is read */
    sh = (kb_sheet *)1;
    CHECK_INT_EQ(kb_sheet_open("", (size_t)KB_SHEET_MAX_BYTES + 1, NULL, &sh, &err), KB_ETOOBIG);
    CHECK(sh == NULL);
    CHECK_INT_EQ(kb_sheet_open("", (size_t)KB_SHEET_MAX_BYTES + 1, NULL, &sh, NULL), KB_ETOOBIG);
    CHECK_STR_EQ(kb_sheet_format_name(KB_SHEET_XLS), "xls");
}

static void date_cases(void)
{
    char d[11];
    CHECK(kb_sheet_excel_date(1, 0, d));
    CHECK_STR_EQ(d, "1900-01-01");
    CHECK(kb_sheet_excel_date(59.9, 0, d));
    CHECK_STR_EQ(d, "1900-02-28");
    CHECK(kb_sheet_excel_date(60, 0, d));
    CHECK_STR_EQ(d, "1900-02-29");
    CHECK(kb_sheet_excel_date(61, 0, d));
    CHECK_STR_EQ(d, "1900-03-01");
    CHECK(kb_sheet_excel_date(45292, 0, d));
    CHECK_STR_EQ(d, "2024-01-01");
    CHECK(kb_sheet_excel_date(2958465, 0, d));
    CHECK_STR_EQ(d, "9999-12-31");
    CHECK(!kb_sheet_excel_date(2958466, 0, d));
    CHECK(!kb_sheet_excel_date(0, 0, d));
    CHECK(!kb_sheet_excel_date(-1, 1, d));
    CHECK(kb_sheet_excel_date(0, 1, d));
    CHECK_STR_EQ(d, "1904-01-01");
    CHECK(kb_sheet_excel_date(43830, 1, d));
    CHECK_STR_EQ(d, "2024-01-01");
    CHECK(!kb_sheet_excel_date(HUGE_VAL, 0, d));
}

int main(void)
{
    csv_cases();
    xlsx_cases();
    bomb_cases();
    xml_cases();
    xls_cases();
    other_cases();
    date_cases();
    return CHECK_DONE("test_sheet");
}
