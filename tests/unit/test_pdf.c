/* The PDF layout helper: blocks in, pages out. Page counts show the pagination (title page,
 * tables that break with their header repeated, charts kept whole, the page cap); the
 * bytes are checked to be a PDF. What the pages show is checked by tests/api/test_svcreport.py
 * (pdftoppm, pdftotext). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "kb_pdf.h"

/* Renders p; returns its page count (0 on failure, with *rc set). */
static size_t pages_of(kb_pdf *p, kb_status *rc)
{
    char *out = NULL;
    size_t len = 0;
    size_t pages = 0;
    kb_err err;
    *rc = kb_pdf_render(p, &out, &len, &pages, &err);
    if (*rc == KB_OK) {
        CHECK(len > 100);
        CHECK(memcmp(out, "%PDF-", 5) == 0);
        CHECK(len > 6 && memcmp(out + len - 6, "%%EOF", 5) == 0);
    } else {
        CHECK(out == NULL);
    }
    free(out);
    return *rc == KB_OK ? pages : 0;
}

/* A table of n rows of two short columns and a long one. */
static kb_status add_table(kb_pdf *p, size_t n, kb_err *err)
{
    const char *head[] = { "编号", "分类", "说明" };
    const double widths[] = { 1, 1, 3 };
    const int right[] = { 1, 0, 0 };
    char **cells = calloc(n * 3 + 1, sizeof *cells);
    for (size_t i = 0; i < n; i++) {
        cells[i * 3] = malloc(24);
        snprintf(cells[i * 3], 24, "%zu", i + 1);
        cells[i * 3 + 1] = strdup("打印机");
        cells[i * 3 + 2] = strdup("打印机卡纸，清理后恢复；用户满意。Paper jam cleared.");
    }
    kb_status rc = kb_pdf_table(p, head, widths, right, 3, (const char *const *)cells, n, err);
    for (size_t i = 0; i < n * 3; i++)
        free(cells[i]);
    free(cells);
    return rc;
}

static void test_pages(void)
{
    kb_status rc;
    kb_err err;
    kb_pdf *p = kb_pdf_new("IT 服务报告", 0);
    CHECK_INT_EQ(pages_of(p, &rc), 1); /* an empty document is one blank page */
    CHECK_INT_EQ(rc, KB_OK);

    const char *lines[] = { "报告期：2026-11-01 至 2026-11-30", "生成：kedb" };
    CHECK_INT_EQ(kb_pdf_title(p, "IT 服务报告", "2026 年 11 月", lines, 2, &err), KB_OK);
    CHECK_INT_EQ(pages_of(p, &rc), 1); /* the title page alone */
    CHECK_INT_EQ(kb_pdf_heading(p, "1 概述", &err), KB_OK);
    CHECK_INT_EQ(kb_pdf_text(p, "本月共受理事件 42 起。\n第二行。", &err), KB_OK);
    CHECK_INT_EQ(pages_of(p, &rc), 2);

    /* 10 rows fit on the page; 200 rows break over several, each with the header again */
    CHECK_INT_EQ(add_table(p, 10, &err), KB_OK);
    CHECK_INT_EQ(pages_of(p, &rc), 2);
    CHECK_INT_EQ(add_table(p, 200, &err), KB_OK);
    size_t n = pages_of(p, &rc);
    CHECK(n >= 6 && n <= 12);
    /* the same document laid out again: the same pages */
    CHECK_INT_EQ(pages_of(p, &rc), n);

    /* a chart is never split: one of 40 bars after a full page starts a new one */
    double values[KB_PDF_MAX_BARS];
    const char *labels[KB_PDF_MAX_BARS];
    for (size_t i = 0; i < KB_PDF_MAX_BARS; i++) {
        values[i] = (double)i;
        labels[i] = "网络与 VPN";
    }
    unsigned color = 0x2f6fb0;
    kb_pdf_chart c = { .title = "按分类的事件量", .labels = labels, .n = KB_PDF_MAX_BARS,
                       .values = values, .nseries = 1, .colors = &color };
    CHECK_INT_EQ(kb_pdf_bars(p, &c, &err), KB_OK);
    size_t m = pages_of(p, &rc);
    CHECK(m == n || m == n + 1);
    kb_pdf_free(p);

    /* the page cap */
    p = kb_pdf_new("cap", 3);
    CHECK_INT_EQ(add_table(p, 500, &err), KB_OK);
    CHECK_INT_EQ(pages_of(p, &rc), 0);
    CHECK_INT_EQ(rc, KB_ETOOBIG);
    kb_pdf_free(p);
}

static void test_charts(void)
{
    kb_err err;
    kb_status rc;
    kb_pdf *p = kb_pdf_new("charts", 0);
    const char *labels[] = { "P1", "P2", "P3", "P4" };
    const char *series[] = { "响应", "解决" };
    const unsigned colors[] = { 0x3a8f5c, 0xe08a1e };
    double v[] = { 100, 50, 0, 0, 12.5, 99.9, 0, 100 };
    kb_pdf_chart c = { .title = "SLA 达成率", .labels = labels, .n = 4, .values = v,
                       .nseries = 2, .series = series, .colors = colors, .max = 100,
                       .decimals = 1, .unit = "%" };
    CHECK_INT_EQ(kb_pdf_bars(p, &c, &err), KB_OK);
    double zero[] = { 0, 0, 0, 0, 0, 0, 0, 0 };
    c.values = zero;
    c.max = 0; /* all zero: empty axes, no division by zero */
    CHECK_INT_EQ(kb_pdf_bars(p, &c, &err), KB_OK);
    CHECK_INT_EQ(pages_of(p, &rc), 1);

    /* refused */
    c.n = 0;
    CHECK_INT_EQ(kb_pdf_bars(p, &c, &err), KB_EINVAL);
    c.n = KB_PDF_MAX_BARS + 1;
    CHECK_INT_EQ(kb_pdf_bars(p, &c, &err), KB_EINVAL);
    c.n = 4;
    c.nseries = 0;
    CHECK_INT_EQ(kb_pdf_bars(p, &c, &err), KB_EINVAL);
    c.nseries = 2;
    double bad[] = { 1, 2, -1, 3, 0, 0, 0, 0 };
    c.values = bad;
    CHECK_INT_EQ(kb_pdf_bars(p, &c, &err), KB_EINVAL);
    bad[2] = NAN;
    CHECK_INT_EQ(kb_pdf_bars(p, &c, &err), KB_EINVAL);
    bad[2] = INFINITY;
    CHECK_INT_EQ(kb_pdf_bars(p, &c, &err), KB_EINVAL);
    c.values = v;
    c.decimals = 4;
    CHECK_INT_EQ(kb_pdf_bars(p, &c, &err), KB_EINVAL);
    c.decimals = 0;
    c.max = -1;
    CHECK_INT_EQ(kb_pdf_bars(p, &c, &err), KB_EINVAL);
    kb_pdf_free(p);
}

static void test_tables_and_text(void)
{
    kb_err err;
    kb_status rc;
    kb_pdf *p = kb_pdf_new("tables", 0);
    const char *head[] = { "a", "b" };
    CHECK_INT_EQ(kb_pdf_table(p, head, NULL, NULL, 0, NULL, 0, &err), KB_EINVAL);
    CHECK_INT_EQ(kb_pdf_table(p, head, NULL, NULL, KB_PDF_MAX_COLS + 1, NULL, 0, &err),
                 KB_EINVAL);
    const double w0[] = { 1, 0 };
    CHECK_INT_EQ(kb_pdf_table(p, head, w0, NULL, 2, NULL, 0, &err), KB_EINVAL);
    CHECK_INT_EQ(kb_pdf_table(p, head, NULL, NULL, 2, NULL, KB_PDF_MAX_ROWS + 1, &err),
                 KB_ETOOBIG);
    /* a header without rows, rows without a header, NULL cells */
    CHECK_INT_EQ(kb_pdf_table(p, head, NULL, NULL, 2, NULL, 0, &err), KB_OK);
    const char *cells[] = { "x", NULL, NULL, "y" };
    CHECK_INT_EQ(kb_pdf_table(p, NULL, NULL, NULL, 2, cells, 2, &err), KB_OK);

    /* hostile text: invalid UTF-8, control characters, a split character at the cut, a
     * paragraph far longer than a page */
    CHECK_INT_EQ(kb_pdf_heading(p, "bad \xff\xfe utf-8 \x01\x1b[31m", &err), KB_OK);
    char *big = malloc(100001);
    for (size_t i = 0; i + 3 <= 99999; i += 3)
        memcpy(big + i, "\xe4\xb8\xad", 3); /* 中 */
    big[99999] = '\0';
    CHECK_INT_EQ(kb_pdf_text(p, big, &err), KB_OK);
    const char *cells2[] = { big, big };
    CHECK_INT_EQ(kb_pdf_table(p, head, NULL, NULL, 2, cells2, 1, &err), KB_OK);
    free(big);
    CHECK(pages_of(p, &rc) >= 1);
    CHECK_INT_EQ(rc, KB_OK);
    kb_pdf_free(p);

    /* the block cap */
    p = kb_pdf_new(NULL, 0);
    rc = KB_OK;
    size_t i = 0;
    for (; i < KB_PDF_MAX_BLOCKS + 1 && rc == KB_OK; i++)
        rc = kb_pdf_heading(p, "h", &err);
    CHECK_INT_EQ(rc, KB_ETOOBIG);
    CHECK_INT_EQ(i, KB_PDF_MAX_BLOCKS + 1);
    kb_pdf_free(p);
    kb_pdf_free(NULL);
}

int main(void)
{
    test_pages();
    test_charts();
    test_tables_and_text();
    return CHECK_DONE("test_pdf");
}
