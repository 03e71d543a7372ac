/* The searchable text of attachments: .docx (body, table, header), .xlsx (shared and inline
 * strings), .pptx (slides), all built here with libzip; a PDF with Chinese text written by
 * hand (a Type0 font with a ToUnicode map) read by the real pdftotext; and hostile input:
 * a zip bomb, a DTD, deep nesting, broken XML, a zip that is no Office file, text past the
 * limit, a missing pdftotext, a program that writes without end, one that hangs and one
 * that fails, and a PDF that is none. Through kb_attach_text as the store calls it, too. */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "check.h"
#include "fixture.h"
#include "kb_attach.h"
#include "kb_buf.h"
#include "kb_extract.h"
#include "kb_text.h"

#define W_NS "xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\""

static char *docx(const char *body, const char *header, size_t *len)
{
    kb_buf doc;
    kb_buf_init(&doc, 0);
    kb_buf_addf(&doc, "<?xml version=\"1.0\" encoding=\"UTF-8\"?><w:document " W_NS
                "><w:body>%s</w:body></w:document>", body);
    kb_buf hdr;
    kb_buf_init(&hdr, 0);
    kb_buf_addf(&hdr, "<w:hdr " W_NS "><w:p><w:r><w:t>%s</w:t></w:r></w:p></w:hdr>",
                header ? header : "");
    fixture_entry e[] = {
        { "[Content_Types].xml", "<Types/>", 0 },
        { "word/document.xml", kb_buf_str(&doc), doc.len },
        { "word/header1.xml", kb_buf_str(&hdr), hdr.len },
    };
    char *z = fixture_zip(e, header ? 3 : 2, len);
    kb_buf_free(&doc);
    kb_buf_free(&hdr);
    return z;
}

/* kb_extract_office's text of z (freed), or NULL with *rc set. */
static char *office(char *z, size_t len, size_t max, kb_status *rc, kb_err *err)
{
    char *out = NULL;
    size_t out_len = 0;
    *rc = kb_extract_office(z, len, max, &out, &out_len, err);
    free(z);
    if (out)
        CHECK_INT_EQ(strlen(out), out_len);
    return out;
}

static void docx_cases(void)
{
    kb_err err;
    kb_status rc;
    size_t len;
    char *z = docx("<w:p><w:r><w:t>打印机</w:t></w:r><w:r><w:t xml:space=\"preserve\"> 卡纸"
                   "</w:t></w:r></w:p>"
                   "<w:tbl><w:tr><w:tc><w:p><w:r><w:t>服务器</w:t></w:r></w:p></w:tc>"
                   "<w:tc><w:p><w:r><w:t>機房</w:t></w:r></w:p></w:tc></w:tr></w:tbl>"
                   "<w:p><w:r><w:instrText>PAGE</w:instrText><w:tab/><w:t>end</w:t></w:r>"
                   "</w:p>",
                   "运维体系文档 页眉", &len);
    char *t = office(z, len, KB_ATTACH_MAX_TEXT, &rc, &err);
    CHECK_INT_EQ(rc, KB_OK);
    CHECK(t && strstr(t, "打印机 卡纸\n"));
    CHECK(t && strstr(t, "服务器\n\t機房"));
    CHECK(t && strstr(t, "\tend"));
    CHECK(t && !strstr(t, "PAGE")); /* field codes are no text */
    CHECK(t && strstr(t, "运维体系文档 页眉"));
    free(t);

    /* cut at max on a character boundary, valid UTF-8 */
    kb_buf big;
    kb_buf_init(&big, 0);
    for (int i = 0; i < 5000; i++)
        kb_buf_adds(&big, "<w:p><w:r><w:t>变更记录第一条内容</w:t></w:r></w:p>");
    z = docx(kb_buf_str(&big), NULL, &len);
    kb_buf_free(&big);
    t = office(z, len, 1000, &rc, &err);
    CHECK_INT_EQ(rc, KB_OK);
    CHECK(t && strlen(t) <= 1000 && strlen(t) > 900);
    CHECK(t && kb_text_utf8_bad_at(t, strlen(t)) == strlen(t));
    free(t);
}

static void xlsx_pptx_cases(void)
{
    kb_err err;
    kb_status rc;
    size_t len;
    fixture_entry x[] = {
        { "[Content_Types].xml", "<Types/>", 0 },
        { "xl/workbook.xml", "<workbook><sheets><sheet name=\"S\" r:id=\"rId1\" "
          "xmlns:r=\"urn:r\"/></sheets></workbook>", 0 },
        { "xl/sharedStrings.xml", "<sst><si><t>交换机</t></si><si><r><t>端口</t></r><r><t>"
          "故障</t></r><rPh><t>コショウ</t></rPh></si></sst>", 0 },
        { "xl/worksheets/sheet1.xml", "<worksheet><sheetData><row r=\"1\"><c r=\"A1\" t=\"s\">"
          "<v>0</v></c><c r=\"B1\" t=\"inlineStr\"><is><t>巡检表</t></is></c><c r=\"C1\">"
          "<v>42</v></c></row></sheetData></worksheet>", 0 },
    };
    char *z = fixture_zip(x, 4, &len);
    char *t = office(z, len, KB_ATTACH_MAX_TEXT, &rc, &err);
    CHECK_INT_EQ(rc, KB_OK);
    CHECK(t && strstr(t, "交换机\n端口故障\n"));
    CHECK(t && strstr(t, "巡检表"));
    CHECK(t && !strstr(t, "コショウ")); /* phonetic runs are left out */
    free(t);

    fixture_entry p[] = {
        { "[Content_Types].xml", "<Types/>", 0 },
        { "ppt/presentation.xml", "<p:presentation xmlns:p=\"urn:p\"/>", 0 },
        { "ppt/slides/slide1.xml", "<p:sld xmlns:p=\"urn:p\" xmlns:a=\"urn:a\"><a:p><a:r><a:t>"
          "季度服务报告</a:t></a:r></a:p></p:sld>", 0 },
        { "ppt/notesSlides/notesSlide1.xml", "<p:notes xmlns:p=\"urn:p\" xmlns:a=\"urn:a\">"
          "<a:p><a:r><a:t>演讲备注</a:t></a:r></a:p></p:notes>", 0 },
    };
    z = fixture_zip(p, 4, &len);
    t = office(z, len, KB_ATTACH_MAX_TEXT, &rc, &err);
    CHECK_INT_EQ(rc, KB_OK);
    CHECK(t && strstr(t, "季度服务报告"));
    CHECK(t && strstr(t, "演讲备注"));
    free(t);
}

static void hostile_office_cases(void)
{
    kb_err err;
    kb_status rc;
    size_t len;
    /* a zip bomb: 8 MiB of one letter, a thousand to one */
    size_t n = 8u << 20;
    char *bomb = malloc(n + 64);
    memcpy(bomb, "<w:document><w:body><w:p><w:r><w:t>", 36);
    memset(bomb + 36, 'a', n - 36);
    memcpy(bomb + n, "</w:t></w:r></w:p></w:body></w:document>", 41);
    fixture_entry e[] = { { "word/document.xml", bomb, n + 40 } };
    char *z = fixture_zip(e, 1, &len);
    char *t = office(z, len, KB_ATTACH_MAX_TEXT, &rc, &err);
    CHECK_INT_EQ(rc, KB_ETOOBIG);
    CHECK(strstr(err.msg, "zip bomb") != NULL);
    CHECK(t == NULL);
    free(bomb);

    /* a DTD (billion laughs starts with one) */
    fixture_entry d[] = { { "word/document.xml", "<?xml version=\"1.0\"?><!DOCTYPE d [<!ENTITY a "
                            "\"aaaa\"><!ENTITY b \"&a;&a;&a;&a;\">]><w:document>&b;</w:document>",
                            0 } };
    z = fixture_zip(d, 1, &len);
    t = office(z, len, KB_ATTACH_MAX_TEXT, &rc, &err);
    CHECK_INT_EQ(rc, KB_EPARSE);
    CHECK(strstr(err.msg, "docx: word/document.xml: a DTD") != NULL);
    free(t);

    /* nesting deeper than KB_OOXML_MAX_DEPTH */
    kb_buf deep;
    kb_buf_init(&deep, 0);
    for (int i = 0; i < 200; i++)
        kb_buf_adds(&deep, "<w:p>");
    for (int i = 0; i < 200; i++)
        kb_buf_adds(&deep, "</w:p>");
    z = docx(kb_buf_str(&deep), NULL, &len);
    kb_buf_free(&deep);
    t = office(z, len, KB_ATTACH_MAX_TEXT, &rc, &err);
    CHECK_INT_EQ(rc, KB_EPARSE);
    CHECK(strstr(err.msg, "nested deeper") != NULL);
    free(t);

    /* broken XML, a zip without Office parts, no zip at all */
    z = docx("<w:p><w:r>", NULL, &len);
    t = office(z, len, KB_ATTACH_MAX_TEXT, &rc, &err);
    CHECK_INT_EQ(rc, KB_EPARSE);
    CHECK(strstr(err.msg, "broken XML") != NULL);
    free(t);
    fixture_entry o[] = { { "readme.txt", "hello", 0 } };
    z = fixture_zip(o, 1, &len);
    t = office(z, len, KB_ATTACH_MAX_TEXT, &rc, &err);
    CHECK_INT_EQ(rc, KB_EPARSE);
    free(t);
    t = office(strdup("PK\3\4 not really"), 16, KB_ATTACH_MAX_TEXT, &rc, &err);
    CHECK_INT_EQ(rc, KB_EPARSE);
    CHECK(strstr(err.msg, "not a readable zip archive") != NULL);
    free(t);
}

/* A one-page PDF showing text in a Type0 font (CIDs 1, 2, ... for the distinct characters)
 * with a ToUnicode map, as Chinese PDFs are written; caller frees. */
static char *make_pdf(const char *text, size_t *len)
{
    uint32_t cps[256];
    size_t ncp = 0, nuniq = 0;
    uint32_t uniq[256];
    kb_buf ids;
    kb_buf_init(&ids, 0);
    for (size_t i = 0, n; text[i] && ncp < 256; i += n) {
        cps[ncp] = kb_text_utf8_next(text + i, strlen(text + i), &n);
        size_t u = 0;
        while (u < nuniq && uniq[u] != cps[ncp])
            u++;
        if (u == nuniq)
            uniq[nuniq++] = cps[ncp];
        kb_buf_addf(&ids, "%04zX", u + 1);
        ncp++;
    }
    kb_buf content, cmap, pdf;
    kb_buf_init(&content, 0);
    kb_buf_init(&cmap, 0);
    kb_buf_init(&pdf, 0);
    kb_buf_addf(&content, "BT /F1 24 Tf 72 700 Td <%s> Tj ET", kb_buf_str(&ids));
    kb_buf_adds(&cmap, "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n"
                "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
                "/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n1 begincodespacerange\n"
                "<0000> <FFFF>\nendcodespacerange\n");
    kb_buf_addf(&cmap, "%zu beginbfchar\n", nuniq);
    for (size_t u = 0; u < nuniq; u++)
        kb_buf_addf(&cmap, "<%04zX> <%04X>\n", u + 1, (unsigned)uniq[u]);
    kb_buf_adds(&cmap, "endbfchar\nendcmap\nCMapName currentdict /CMap defineresource pop\n"
                "end\nend\n");
    const char *objs[8];
    kb_buf o5, o7;
    kb_buf_init(&o5, 0);
    kb_buf_init(&o7, 0);
    kb_buf_addf(&o5, "<< /Length %zu >>\nstream\n%s\nendstream", content.len,
                kb_buf_str(&content));
    kb_buf_addf(&o7, "<< /Length %zu >>\nstream\n%s\nendstream", cmap.len, kb_buf_str(&cmap));
    objs[0] = "<< /Type /Catalog /Pages 2 0 R >>";
    objs[1] = "<< /Type /Pages /Kids [3 0 R] /Count 1 >>";
    objs[2] = "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << "
              "/F1 4 0 R >> >> /Contents 5 0 R >>";
    objs[3] = "<< /Type /Font /Subtype /Type0 /BaseFont /KedbSong /Encoding /Identity-H "
              "/DescendantFonts [6 0 R] /ToUnicode 7 0 R >>";
    objs[4] = kb_buf_str(&o5);
    objs[5] = "<< /Type /Font /Subtype /CIDFontType2 /BaseFont /KedbSong /CIDSystemInfo << "
              "/Registry (Adobe) /Ordering (Identity) /Supplement 0 >> /FontDescriptor 8 0 R "
              "/DW 1000 >>";
    objs[6] = kb_buf_str(&o7);
    objs[7] = "<< /Type /FontDescriptor /FontName /KedbSong /Flags 4 /FontBBox [0 0 1000 1000] "
              "/ItalicAngle 0 /Ascent 880 /Descent -120 /CapHeight 700 /StemV 80 >>";
    size_t offs[8];
    kb_buf_adds(&pdf, "%PDF-1.4\n");
    for (size_t i = 0; i < 8; i++) {
        offs[i] = pdf.len;
        kb_buf_addf(&pdf, "%zu 0 obj\n%s\nendobj\n", i + 1, objs[i]);
    }
    size_t xref = pdf.len;
    kb_buf_adds(&pdf, "xref\n0 9\n0000000000 65535 f \n");
    for (size_t i = 0; i < 8; i++)
        kb_buf_addf(&pdf, "%010zu 00000 n \n", offs[i]);
    kb_buf_addf(&pdf, "trailer\n<< /Size 9 /Root 1 0 R >>\nstartxref\n%zu\n%%%%EOF\n", xref);
    kb_buf_free(&ids);
    kb_buf_free(&content);
    kb_buf_free(&cmap);
    kb_buf_free(&o5);
    kb_buf_free(&o7);
    return kb_buf_detach(&pdf, len);
}

/* Writes an executable shell script into dir; its path into path. */
static void script(const char *dir, const char *name, const char *body, char *path, size_t cap)
{
    snprintf(path, cap, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    CHECK(f != NULL);
    if (!f)
        return;
    fprintf(f, "#!/bin/sh\n%s\n", body);
    fclose(f);
    chmod(path, 0700);
}

static void pdf_cases(void)
{
    kb_err err;
    size_t len, out_len;
    char *out = NULL;
    char *pdf = make_pdf("打印机卡纸 處理辦法 toner", &len);
    kb_status rc = kb_extract_pdf(pdf, len, KB_ATTACH_MAX_TEXT, &out, &out_len, &err);
    if (rc != KB_OK)
        fprintf(stderr, "pdftotext: %s (install poppler-utils: make deps)\n", err.msg);
    CHECK_INT_EQ(rc, KB_OK);
    CHECK(out && strstr(out, "打印机卡纸"));
    CHECK(out && strstr(out, "處理辦法"));
    free(out);
    out = NULL;

    /* the same through kb_attach_text, as the store calls it */
    kb_attach_kind k;
    kb_attach_sniff(pdf, len, &k);
    CHECK_STR_EQ(k.type, "application/pdf");
    rc = kb_attach_text(pdf, len, &k, &out, &out_len, &err);
    CHECK_INT_EQ(rc, KB_OK);
    CHECK(out && strstr(out, "toner"));
    free(out);
    out = NULL;

    /* a file that is no PDF: pdftotext fails, no text */
    rc = kb_extract_pdf("%PDF-1.4 broken", 15, KB_ATTACH_MAX_TEXT, &out, &out_len, &err);
    CHECK_INT_EQ(rc, KB_EPARSE);
    CHECK(out == NULL);

    fixture fx;
    if (fixture_open_dir(&fx, "extract") != 0) {
        free(pdf);
        return;
    }
    char prog[256];
    /* not installed */
    snprintf(prog, sizeof prog, "%s/no-such-pdftotext", fx.dir);
    kb_extract_set_pdftotext(prog, 0);
    rc = kb_extract_pdf(pdf, len, KB_ATTACH_MAX_TEXT, &out, &out_len, &err);
    CHECK_INT_EQ(rc, KB_EIO);
    CHECK(strstr(err.msg, "is not installed") != NULL);
    CHECK(out == NULL);

    /* writes without end: cut at max, the program killed */
    script(fx.dir, "endless", "while :; do echo '汉字汉字汉字汉字'; done", prog, sizeof prog);
    kb_extract_set_pdftotext(prog, 0);
    time_t t0 = time(NULL);
    rc = kb_extract_pdf(pdf, len, 5000, &out, &out_len, &err);
    CHECK_INT_EQ(rc, KB_OK);
    CHECK(out_len <= 5000 && out_len > 4000);
    CHECK(out && kb_text_utf8_bad_at(out, out_len) == out_len);
    CHECK(time(NULL) - t0 < 10);
    free(out);
    out = NULL;

    /* hangs: killed at the deadline */
    script(fx.dir, "hangs", "exec sleep 30", prog, sizeof prog);
    kb_extract_set_pdftotext(prog, 1);
    t0 = time(NULL);
    rc = kb_extract_pdf(pdf, len, 5000, &out, &out_len, &err);
    CHECK_INT_EQ(rc, KB_ETOOBIG);
    CHECK(strstr(err.msg, "more than 1 seconds") != NULL);
    CHECK(time(NULL) - t0 < 5);

    /* fails: no text */
    script(fx.dir, "fails", "echo partial; exit 3", prog, sizeof prog);
    kb_extract_set_pdftotext(prog, 0);
    rc = kb_extract_pdf(pdf, len, 5000, &out, &out_len, &err);
    CHECK_INT_EQ(rc, KB_EPARSE);
    CHECK(out == NULL);

    kb_extract_set_pdftotext(NULL, 0);
    fixture_close(&fx);
    free(pdf);
}

int main(void)
{
    docx_cases();
    xlsx_pptx_cases();
    hostile_office_cases();
    pdf_cases();
    return CHECK_DONE("test_extract");
}
