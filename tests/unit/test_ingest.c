/* Unit tests for kb_ingest: parsing, rendering, synonyms and incremental runs. */
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "fixture.h"
#include "kb_alloc.h"
#include "kb_doc.h"
#include "kb_err.h"
#include "kb_ingest.h"
#include "kb_store.h"

/* ---------------------------------------------------------------- helpers */

static kb_status parse(const char *src, kb_doc **d, size_t *line, kb_err *err)
{
    return kb_ingest_parse("kb/test.md", src, strlen(src), d, line, err);
}

/* Parses src expecting failure; returns the reported line, or (size_t)-1 on success. */
static size_t parse_fails(const char *src, kb_status want, const char *msg_part)
{
    kb_doc *d = NULL;
    size_t line = 12345;
    kb_err err;
    kb_err_clear(&err);
    kb_status rc = parse(src, &d, &line, &err);
    CHECK_INT_EQ(rc, want);
    if (want != KB_OK)
        CHECK(d == NULL);
    if (msg_part && !strstr(err.msg, msg_part)) {
        fprintf(stderr, "message '%s' lacks '%s'\n", err.msg, msg_part);
        CHECK(0);
    }
    if (rc == KB_OK) {
        kb_doc_free(d);
        return (size_t)-1;
    }
    return line;
}

static int contains(const char *hay, const char *needle)
{
    return hay && strstr(hay, needle) != NULL;
}

static const char *field_val(const kb_doc *d, const char *key, size_t i)
{
    const kb_field *f = kb_doc_field(d, key);
    return f && i < f->nvals ? f->vals[i] : NULL;
}

/* ---------------------------------------------------------------- good files */

static const char ke_zh[] =
    "---\n"
    "id: KE-0042\n"
    "type: known_error\n"
    "title: HP LaserJet M404 打印机频繁卡纸\n"
    "status: published\n"
    "version: 3\n"
    "updated: 2026-10-12\n"
    "products: [HP LaserJet M404dn]\n"
    "error_codes: [13.A2.D4]\n"
    "tags: [打印机, 卡纸]\n"
    "owner: 桌面支持组\n"
    "---\n"
    "## 症状\n"
    "打印时提示 13.A2.D4 卡纸，取出纸张后仍然报错。\n"
    "\n"
    "## 原因：\n"
    "进纸辊老化，纸张受潮。\n"
    "\n"
    "## 临时解决方案\n"
    "1. 关闭打印机，打开后盖取出残纸。\n"
    "2. 换用干燥的 70g 纸张。\n"
    "\n"
    "## 解决方案\n"
    "更换进纸辊组件（备件号 RM2-5425）。\n";

static void test_known_error_zh(void)
{
    kb_doc *d = NULL;
    size_t line = 99;
    kb_err err;
    CHECK_INT_EQ(parse(ke_zh, &d, &line, &err), KB_OK);
    if (!d)
        return;
    CHECK_INT_EQ(line, 0);
    CHECK_STR_EQ(d->id, "KE-0042");
    CHECK_STR_EQ(d->type, "known_error");
    CHECK_STR_EQ(d->title, "HP LaserJet M404 打印机频繁卡纸");
    CHECK_STR_EQ(d->status, "published");
    CHECK_STR_EQ(d->version, "3");
    CHECK_STR_EQ(d->updated, "2026-10-12");
    CHECK_STR_EQ(d->path, "kb/test.md");
    CHECK_STR_EQ(d->symptom, "打印时提示 13.A2.D4 卡纸，取出纸张后仍然报错。");
    CHECK_STR_EQ(d->cause, "进纸辊老化，纸张受潮。");
    /* step numbers survive: agents read workarounds out step by step */
    CHECK_STR_EQ(d->workaround, "1. 关闭打印机，打开后盖取出残纸。\n2. 换用干燥的 70g 纸张。");
    CHECK_STR_EQ(d->fix, "更换进纸辊组件（备件号 RM2-5425）。");
    CHECK_STR_EQ(d->source, ke_zh);
    CHECK_INT_EQ(strlen(d->hash), 64);
    CHECK_INT_EQ(strspn(d->hash, "0123456789abcdef"), 64);
    /* section text lives in the section fields only, so it is indexed once */
    CHECK(!contains(d->text, "症状"));
    CHECK(!contains(d->text, "RM2-5425"));
    CHECK(!contains(d->text, "known_error"));
    CHECK(!contains(d->text, "---"));
    CHECK(contains(d->html, "<h2>症状</h2>"));
    CHECK(contains(d->html, "<ol>"));
    /* every key kept, in file order, lists as lists */
    CHECK_INT_EQ(d->nfields, 10);
    if (d->nfields == 10) {
        CHECK_STR_EQ(d->fields[0].key, "id");
        CHECK_STR_EQ(d->fields[9].key, "owner");
        CHECK_INT_EQ(d->fields[0].is_list, 0);
    }
    const kb_field *tags = kb_doc_field(d, "tags");
    CHECK(tags && tags->is_list && tags->nvals == 2);
    CHECK_STR_EQ(field_val(d, "tags", 1), "卡纸");
    CHECK_STR_EQ(field_val(d, "owner", 0), "桌面支持组");

    /* The same bytes hash the same; one byte more does not. */
    kb_doc *d2 = NULL;
    CHECK_INT_EQ(kb_ingest_parse("other.md", ke_zh, strlen(ke_zh), &d2, NULL, NULL), KB_OK);
    if (d2)
        CHECK_STR_EQ(d2->hash, d->hash);
    kb_doc_free(d2);
    kb_doc_free(d);
}

static void test_known_error_en(void)
{
    static const char src[] =
        "---\n"
        "id: KE_7.a\n"
        "type: known_error\n"
        "title: >\n"
        "  Outlook 0x800CCC0E\n"
        "  when sending\n"
        "cause: Front-matter cause wins\n"
        "---\n"
        "# Outlook\n"
        "Intro paragraph.\n"
        "\n"
        "## SYMPTOMS:\n"
        "Sending fails with `0x800CCC0E`.\n"
        "\n"
        "### Details\n"
        "Only on VPN.\n"
        "\n"
        "## Root  Cause\n"
        "Body cause loses.\n"
        "\n"
        "## Workaround：\n"
        "Use webmail.\n"
        "\n"
        "## Notes\n"
        "Not a section.\n"
        "\n"
        "## fix\n"
        "```\n"
        "set smtp port 587\n"
        "```\n"
        "\n"
        "# Appendix\n"
        "Not part of fix.\n";
    kb_doc *d = NULL;
    kb_err err;
    CHECK_INT_EQ(parse(src, &d, NULL, &err), KB_OK);
    if (!d)
        return;
    CHECK_STR_EQ(d->id, "KE_7.a");
    CHECK_STR_EQ(d->title, "Outlook 0x800CCC0E when sending");
    CHECK_STR_EQ(d->status, "published");
    CHECK_STR_EQ(d->version, "");
    CHECK_STR_EQ(d->updated, "");
    CHECK_STR_EQ(d->symptom, "Sending fails with 0x800CCC0E.\nDetails\nOnly on VPN.");
    CHECK_STR_EQ(d->cause, "Front-matter cause wins");
    CHECK_STR_EQ(d->workaround, "Use webmail.");
    CHECK_STR_EQ(d->fix, "set smtp port 587");
    CHECK(contains(d->text, "Intro paragraph."));
    CHECK(contains(d->text, "Not part of fix."));
    kb_doc_free(d);
}

static void test_known_error_traditional(void)
{
    static const char src[] =
        "---\nid: KE-9\ntype: known_error\ntitle: 藍屏\nsymptom: [第一行, 第二行]\n---\n"
        "## 症狀\n不會用到\n\n## 原因\n驅動程式\n\n## 臨時解決方案\n回滾驅動\n\n"
        "## 解決方案\n更新驅動\n\n## 永久解決方案\n更換硬體\n";
    kb_doc *d = NULL;
    CHECK_INT_EQ(parse(src, &d, NULL, NULL), KB_OK);
    if (!d)
        return;
    CHECK_STR_EQ(d->symptom, "第一行\n第二行");
    CHECK_STR_EQ(d->cause, "驅動程式");
    CHECK_STR_EQ(d->workaround, "回滾驅動");
    CHECK_STR_EQ(d->fix, "更新驅動\n更換硬體");
    kb_doc_free(d);
}

static void test_article_document_ticket(void)
{
    kb_doc *d = NULL;
    static const char art[] =
        "\xEF\xBB\xBF---\r\nid: ART-0007\r\ntype: article\r\ntitle: 如何映射网络驱动器\r\n"
        "tags: []\r\n---\r\n## Symptom\r\nan article has no sections\r\n";
    CHECK_INT_EQ(parse(art, &d, NULL, NULL), KB_OK);
    if (d) {
        CHECK_STR_EQ(d->type, "article");
        CHECK_STR_EQ(d->status, "published");
        CHECK_STR_EQ(d->symptom, "");
        CHECK(contains(d->text, "an article has no sections"));
        const kb_field *f = kb_doc_field(d, "tags");
        CHECK(f && f->is_list && f->nvals == 0);
    }
    kb_doc_free(d);

    d = NULL;
    static const char doc[] =
        "---\ndoc_no: YW-SC-001\ntype: document\ntitle: 运维手册\nstatus: In_Review\n"
        "doc_type: operations manual\npublish_date: 2026-01-05\nstorage_location: 档案室 A-3\n"
        "retention_period: 3年\nowner:\n---\n正文\n";
    CHECK_INT_EQ(parse(doc, &d, NULL, NULL), KB_OK);
    if (d) {
        CHECK_STR_EQ(d->id, "YW-SC-001");
        CHECK_STR_EQ(d->status, "in_review");
        CHECK_STR_EQ(field_val(d, "storage_location", 0), "档案室 A-3");
        CHECK_STR_EQ(field_val(d, "retention_period", 0), "3年");
        CHECK_STR_EQ(field_val(d, "owner", 0), "");
        CHECK_STR_EQ(d->text, "正文");
    }
    kb_doc_free(d);

    d = NULL;
    static const char tk[] =
        "---\nid: INC-20260101-0001\ntype: ticket\ntitle: 无法登录 VPN\ncaller: 张三\n"
        "category: network\nopened: 2026-01-01\nclosed: 2026-01-02\nresolved_by: KE-0042\n"
        "---\n## 描述\n用户无法连接 VPN。\n\n## Resolution\n重置令牌。\n\n## 原因\n令牌过期\n";
    CHECK_INT_EQ(parse(tk, &d, NULL, NULL), KB_OK);
    if (d) {
        CHECK_STR_EQ(d->type, "ticket");
        CHECK_STR_EQ(d->status, "closed");
        CHECK_STR_EQ(d->symptom, "用户无法连接 VPN。");
        CHECK_STR_EQ(d->workaround, "重置令牌。");
        CHECK_STR_EQ(d->cause, "令牌过期");
        CHECK_STR_EQ(d->fix, "");
        CHECK_STR_EQ(field_val(d, "resolved_by", 0), "KE-0042");
    }
    kb_doc_free(d);

    d = NULL;
    static const char tk2[] =
        "---\nid: INC-2\ntype: ticket\ntitle: t\n---\n## Description\nd\n\n## 解决过程\nr\n";
    CHECK_INT_EQ(parse(tk2, &d, NULL, NULL), KB_OK);
    if (d) {
        CHECK_STR_EQ(d->symptom, "d");
        CHECK_STR_EQ(d->workaround, "r");
    }
    kb_doc_free(d);

    /* "..." closes the front matter too; an empty body is fine. */
    d = NULL;
    CHECK_INT_EQ(parse("---\nid: A\ntype: article\ntitle: t\n...\n", &d, NULL, NULL), KB_OK);
    if (d) {
        CHECK_STR_EQ(d->text, "");
        CHECK_STR_EQ(d->html, "");
    }
    kb_doc_free(d);
}

/* ---------------------------------------------------------------- bad files */

static void test_bad_inputs(void)
{
    /* YAML syntax error: reported on the file line (front matter starts on line 2). */
    CHECK_INT_EQ(parse_fails("---\nid: KE-1\ntype: known_error\ntitle: a: b\n---\nx\n",
                             KB_EPARSE, "invalid YAML"), 4);
    CHECK_INT_EQ(parse_fails("---\nid: KE-1\ntype: known_error\ntitle: t\n  bad indent: x\n"
                             "---\n", KB_EPARSE, "invalid YAML"), 5);
    /* invalid UTF-8 anywhere, also in the body */
    CHECK_INT_EQ(parse_fails("---\nid: A\ntype: article\ntitle: t\n---\nok\nbad \xC3\x28 here\n",
                             KB_EPARSE, "UTF-8"), 7);
    CHECK_INT_EQ(parse_fails("---\nid: A\ntype: article\ntitle: t\xED\xA0\x80\n---\n", KB_EPARSE,
                             "UTF-8"), 4); /* surrogate */
    CHECK_INT_EQ(parse_fails("---\nid: A\ntype: article\ntitle: \xC0\xAF\n---\n", KB_EPARSE,
                             "UTF-8"), 4); /* overlong */
    CHECK_INT_EQ(parse_fails("---\nid: A\ntype: article\ntitle: t\n---\n\xF0\x9F\x98", KB_EPARSE,
                             "UTF-8"), 6); /* truncated */
    /* NUL byte (strlen would stop at it, so call directly) */
    {
        static const char bin[] = "---\nid: A\ntype: article\ntitle: t\n---\nab\0cd\n";
        kb_doc *d = NULL;
        size_t line = 0;
        kb_err err;
        CHECK_INT_EQ(kb_ingest_parse("b.md", bin, sizeof bin - 1, &d, &line, &err), KB_EPARSE);
        CHECK(d == NULL);
        CHECK_INT_EQ(line, 6);
        CHECK(contains(err.msg, "NUL"));
    }
    /* too big: 5 MB */
    {
        size_t len = 5u * 1024u * 1024u;
        char *big = kb_xmalloc(len);
        memset(big, 'a', len);
        memcpy(big, "---\nid: A\ntype: article\ntitle: t\n---\n", 38);
        kb_doc *d = NULL;
        size_t line = 7;
        kb_err err;
        CHECK_INT_EQ(kb_ingest_parse("big.md", big, len, &d, &line, &err), KB_ETOOBIG);
        CHECK(d == NULL);
        CHECK_INT_EQ(line, 0);
        free(big);
    }
    /* front matter */
    CHECK_INT_EQ(parse_fails("", KB_EPARSE, "missing front matter"), 1);
    CHECK_INT_EQ(parse_fails("# Title\n\nno front matter\n", KB_EPARSE, "missing front matter"), 1);
    CHECK_INT_EQ(parse_fails("---\nid: A\ntype: article\ntitle: t\n", KB_EPARSE, "not closed"), 1);
    CHECK_INT_EQ(parse_fails("---\n---\nbody\n", KB_EPARSE, "missing 'id'"), 1);
    CHECK_INT_EQ(parse_fails("---\n- a\n- b\n---\n", KB_EPARSE, "mapping"), 2);
    CHECK_INT_EQ(parse_fails("---\njust text\n---\n", KB_EPARSE, "mapping"), 2);
    /* required keys */
    CHECK_INT_EQ(parse_fails("---\ntype: article\ntitle: t\n---\n", KB_EPARSE, "missing 'id'"), 1);
    CHECK_INT_EQ(parse_fails("---\nid: \"\"\ntype: article\ntitle: t\n---\n", KB_EPARSE,
                             "missing 'id'"), 1);
    CHECK_INT_EQ(parse_fails("---\nid: A\ntitle: t\n---\n", KB_EPARSE, "missing 'type'"), 1);
    CHECK_INT_EQ(parse_fails("---\nid: A\ntype: article\n---\n", KB_EPARSE, "missing 'title'"),
                 1);
    CHECK_INT_EQ(parse_fails("---\nid: A\ntype: article\ntitle:   \n---\n", KB_EPARSE,
                             "missing 'title'"), 4);
    CHECK_INT_EQ(parse_fails("---\nid: A\ntype: howto\ntitle: t\n---\n", KB_EPARSE,
                             "unknown type 'howto'"), 3);
    /* doc_no only counts for documents */
    CHECK_INT_EQ(parse_fails("---\ndoc_no: A\ntype: article\ntitle: t\n---\n", KB_EPARSE,
                             "missing 'id'"), 1);
    /* ids */
    char longid[200];
    memset(longid, 0, sizeof longid);
    memcpy(longid, "---\ntype: article\ntitle: t\nid: ", 31);
    memset(longid + 31, 'x', 65);
    memcpy(longid + 31 + 65, "\n---\n", 5);
    CHECK_INT_EQ(parse_fails(longid, KB_EPARSE, "invalid id"), 4);
    longid[31 + 64] = '\n';
    memcpy(longid + 31 + 65, "---\n", 5);
    CHECK_INT_EQ(parse_fails(longid, KB_OK, NULL), (size_t)-1); /* 64 is fine */
    CHECK_INT_EQ(parse_fails("---\nid: KE 1\ntype: article\ntitle: t\n---\n", KB_EPARSE,
                             "invalid id"), 2);
    CHECK_INT_EQ(parse_fails("---\nid: ../etc\ntype: article\ntitle: t\n---\n", KB_EPARSE,
                             "invalid id"), 2);
    CHECK_INT_EQ(parse_fails("---\nid: 打印机\ntype: article\ntitle: t\n---\n", KB_EPARSE,
                             "invalid id"), 2);
    CHECK_INT_EQ(parse_fails("---\nid: [A, B]\ntype: article\ntitle: t\n---\n", KB_EPARSE,
                             "single value"), 2);
    /* nested structures, aliases, duplicate keys */
    CHECK_INT_EQ(parse_fails("---\nid: A\ntype: article\ntitle: t\nowner:\n  name: x\n---\n",
                             KB_EPARSE, "nested mapping"), 6);
    CHECK_INT_EQ(parse_fails("---\nid: A\ntype: article\ntitle: t\ntags: [a, {b: c}]\n---\n",
                             KB_EPARSE, "nested mapping"), 5);
    CHECK_INT_EQ(parse_fails("---\nid: A\ntype: article\ntitle: t\ntags: [a, [b]]\n---\n",
                             KB_EPARSE, "list"), 5);
    CHECK_INT_EQ(parse_fails("---\nid: &x A\ntype: article\ntitle: *x\n---\n", KB_EPARSE,
                             "alias"), 4);
    CHECK_INT_EQ(parse_fails("---\nid: A\ntype: article\ntitle: t\nid: B\n---\n", KB_EPARSE,
                             "duplicate"), 5);
    CHECK_INT_EQ(parse_fails("---\nid: A\ntype: article\ntitle: t\n? [a]\n: b\n---\n",
                             KB_EPARSE, "keys"), 5);
    /* status and date */
    CHECK_INT_EQ(parse_fails("---\nid: A\ntype: article\ntitle: t\nstatus: bogus\n---\n",
                             KB_EPARSE, "unknown status"), 5);
    CHECK_INT_EQ(parse_fails("---\nid: A\ntype: article\ntitle: t\nstatus: closed\n---\n",
                             KB_EPARSE, "unknown status"), 5);
    CHECK_INT_EQ(parse_fails("---\nid: A\ntype: article\ntitle: t\nupdated: 2026-13-01\n---\n",
                             KB_EPARSE, "invalid date"), 5);
    CHECK_INT_EQ(parse_fails("---\nid: A\ntype: article\ntitle: t\nupdated: 2025-02-29\n---\n",
                             KB_EPARSE, "invalid date"), 5);
    CHECK_INT_EQ(parse_fails("---\nid: A\ntype: article\ntitle: t\nupdated: 2024-02-29\n---\n",
                             KB_OK, NULL), (size_t)-1);
    CHECK_INT_EQ(parse_fails("---\nid: A\ntype: article\ntitle: t\nupdated: 12.10.2026\n---\n",
                             KB_EPARSE, "invalid date"), 5);
}

/* ---------------------------------------------------------------- HTML */

static void test_html(void)
{
    static const char src[] =
        "---\nid: A\ntype: article\ntitle: t\n---\n"
        "<script>alert('x')</script>\n\n"
        "Text <img src=x onerror=alert(1)> inline.\n\n"
        "[js](javascript:alert(1)) [JS](  JaVaScRiPt:alert(2)) [vb](vbscript:msgbox) "
        "[tab](java&#x09;script:alert(3)) [ok](https://example.com/a?b=1)\n\n"
        "![img](data:image/svg+xml;base64,PHN2Zz4=) <JAVASCRIPT:alert(4)>\n\n"
        "| 列 A | col B |\n|---|---|\n| 1 | two |\n\n"
        "~~old~~ www.example.com\n";
    kb_doc *d = NULL;
    kb_err err;
    CHECK_INT_EQ(parse(src, &d, NULL, &err), KB_OK);
    if (!d)
        return;
    CHECK(!contains(d->html, "<script"));
    CHECK(!contains(d->html, "<img src=x"));
    CHECK(!contains(d->html, "onerror"));
    CHECK(!contains(d->html, "vbscript"));
    CHECK(!contains(d->html, "data:"));
    CHECK(!contains(d->html, "msgbox"));
    CHECK(!contains(d->html, "alert(1)"));
    CHECK(!contains(d->html, "=\"javascript"));
    CHECK(!contains(d->html, "=\"JAVASCRIPT"));
    CHECK(contains(d->html, "<a href=\"\">js</a>"));
    CHECK(contains(d->html, "<a href=\"\">JS</a>"));
    CHECK(contains(d->html, "<a href=\"\">vb</a>"));
    CHECK(contains(d->html, "<a href=\"\">tab</a>"));
    CHECK(contains(d->html, "<img src=\"\" alt=\"img\" />"));
    CHECK(contains(d->html, "<a href=\"\">JAVASCRIPT:alert(4)</a>"));
    CHECK(contains(d->html, "<a href=\"https://example.com/a?b=1\">ok</a>"));
    CHECK(contains(d->html, "<table>"));
    CHECK(contains(d->html, "<td>two</td>"));
    CHECK(contains(d->html, "<del>old</del>"));
    CHECK(contains(d->html, "href=\"http://www.example.com\""));
    CHECK(contains(d->text, "列 A col B\n1 two"));
    CHECK(!contains(d->text, "script"));
    kb_doc_free(d);

    char *html = NULL;
    static const char md[] = "*a* <b onclick=x>b</b> [x](javascript:y)";
    CHECK_INT_EQ(kb_ingest_render(md, sizeof md - 1, &html, &err), KB_OK);
    CHECK(contains(html, "<em>a</em>"));
    CHECK(!contains(html, "onclick"));
    CHECK(!contains(html, "javascript"));
    free(html);
    html = NULL;
    CHECK_INT_EQ(kb_ingest_render("", 0, &html, &err), KB_OK);
    CHECK_STR_EQ(html, "");
    free(html);
}

/* ---------------------------------------------------------------- Markdown limits */

/* kb_ingest_md_check() on b: the status, and the line when it fails. */
static kb_status md_check(const kb_buf *b, size_t *line, kb_err *err)
{
    *line = 12345;
    kb_err_clear(err);
    return kb_ingest_md_check(kb_buf_str(b), b->len, line, err);
}

static void md_ok(const kb_buf *b)
{
    size_t line;
    kb_err err;
    CHECK_INT_EQ(md_check(b, &line, &err), KB_OK);
    CHECK_INT_EQ(line, 0);
}

static void md_too_big(const kb_buf *b, size_t want_line, const char *msg_part)
{
    size_t line;
    kb_err err;
    CHECK_INT_EQ(md_check(b, &line, &err), KB_ETOOBIG);
    CHECK_INT_EQ(line, want_line);
    if (!contains(err.msg, msg_part)) {
        fprintf(stderr, "message '%s' lacks '%s'\n", err.msg, msg_part);
        CHECK(0);
    }
}

/* A table of cols columns (leading and trailing pipes) with rows one-cell body rows. */
static void md_table(kb_buf *b, size_t cols, size_t rows)
{
    kb_buf_reset(b);
    kb_buf_adds(b, "Intro.\n\n|");
    for (size_t i = 0; i < cols; i++)
        kb_buf_adds(b, " h |");
    kb_buf_adds(b, "\n|");
    for (size_t i = 0; i < cols; i++)
        kb_buf_adds(b, "---|");
    kb_buf_adds(b, "\n");
    for (size_t i = 0; i < rows; i++)
        kb_buf_adds(b, "x\n");
}

/* Time limits stretch under valgrind (tests/run.sh sets KEDB_VALGRIND=1). */
static double slow_factor(void)
{
    const char *v = getenv("KEDB_VALGRIND");
    return v && strcmp(v, "1") == 0 ? 30.0 : 1.0;
}

/* CPU time of this process: the machine may be busy with other work, the bound is on ours. */
static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void test_md_limits(void)
{
    kb_buf b;
    kb_buf_init(&b, 0);
    char lim[32];
    /* size */
    while (b.len + 6 <= KB_MD_MAX_BYTES)
        kb_buf_adds(&b, "word\n\n");
    while (b.len < KB_MD_MAX_BYTES)
        kb_buf_addc(&b, 'a');
    md_ok(&b);
    kb_buf_addc(&b, 'a');
    snprintf(lim, sizeof lim, "limit of %u", KB_MD_MAX_BYTES);
    md_too_big(&b, 0, lim);

    /* columns: a delimiter row of 64 cells passes, 65 do not (line 4 holds the delimiter) */
    md_table(&b, KB_MD_MAX_TABLE_COLUMNS, 3);
    md_ok(&b);
    md_table(&b, KB_MD_MAX_TABLE_COLUMNS + 1, 3);
    md_too_big(&b, 4, "a table has 65 columns, more than the limit of 64");
    /* also without the outer pipes, inside a block quote, and with \r line endings */
    kb_buf_reset(&b);
    kb_buf_adds(&b, "> a|b\r> ");
    for (size_t i = 0; i < KB_MD_MAX_TABLE_COLUMNS; i++)
        kb_buf_adds(&b, "-|");
    kb_buf_adds(&b, "-\r> c\r");
    md_too_big(&b, 2, "65 columns");

    /* cells: the header and every later line of the run count the table's width */
    size_t cols = KB_MD_MAX_TABLE_COLUMNS, rows = KB_MD_MAX_TABLE_CELLS / cols - 1;
    md_table(&b, cols, rows);
    md_ok(&b);
    md_table(&b, cols, rows + 1);
    snprintf(lim, sizeof lim, "more than %u cells", KB_MD_MAX_TABLE_CELLS);
    md_too_big(&b, 4 + rows + 1, lim);
    /* the cells of separate tables add up: 7 lines and 4 + 4 x 4 = 20 cells each */
    kb_buf_reset(&b);
    for (size_t t = 0; t < KB_MD_MAX_TABLE_CELLS / 20 + 1; t++)
        kb_buf_adds(&b, "a|b|c|d\n-|-|-|-\n1\n2\n3\n4\n\n");
    md_too_big(&b, KB_MD_MAX_TABLE_CELLS / 20 * 7 + 2, lim);

    /* a row with many pipes in a table (parsed in quadratic time) */
    kb_buf_reset(&b);
    kb_buf_adds(&b, "a|b\n-|-\n");
    for (size_t i = 0; i < KB_MD_MAX_TABLE_COLUMNS + 1; i++)
        kb_buf_addc(&b, '|');
    kb_buf_adds(&b, "\n");
    md_ok(&b);
    kb_buf_reset(&b);
    kb_buf_adds(&b, "a|b\n-|-\n");
    for (size_t i = 0; i < KB_MD_MAX_TABLE_COLUMNS + 2; i++)
        kb_buf_addc(&b, '|');
    kb_buf_adds(&b, "\n");
    md_too_big(&b, 3, "a table row has 66 '|'");
    /* escaped pipes split no cell */
    kb_buf_reset(&b);
    kb_buf_adds(&b, "a|b\n-|-\n");
    for (size_t i = 0; i < 1000; i++)
        kb_buf_adds(&b, "\\|");
    kb_buf_adds(&b, "|x\n");
    md_ok(&b);
    /* many pipes outside any table are harmless */
    kb_buf_reset(&b);
    for (size_t i = 0; i < 1000; i++)
        kb_buf_addc(&b, '|');
    kb_buf_adds(&b, "\n\ntext\n");
    md_ok(&b);

    /* nesting: by '>' on one line, and by indented list items */
    kb_buf_reset(&b);
    for (size_t i = 0; i < KB_MD_MAX_NESTING; i++)
        kb_buf_addc(&b, '>');
    kb_buf_adds(&b, " a\n");
    md_ok(&b);
    kb_buf_reset(&b);
    kb_buf_adds(&b, "text\n\n");
    for (size_t i = 0; i <= KB_MD_MAX_NESTING; i++)
        kb_buf_addc(&b, '>');
    kb_buf_adds(&b, " a\n");
    snprintf(lim, sizeof lim, "limit of %u", KB_MD_MAX_NESTING);
    md_too_big(&b, 3, lim);
    kb_buf_reset(&b);
    for (size_t k = 0; k < KB_MD_MAX_NESTING; k++) {
        for (size_t i = 0; i < k; i++)
            kb_buf_adds(&b, "  ");
        kb_buf_adds(&b, "- item\n");
    }
    md_ok(&b);
    for (size_t i = 0; i < KB_MD_MAX_NESTING; i++)
        kb_buf_adds(&b, "  ");
    kb_buf_adds(&b, "- one too deep\n");
    md_too_big(&b, KB_MD_MAX_NESTING + 1, "nest up to 33 deep");
    /* code indented deep but opening nothing is not nesting */
    kb_buf_reset(&b);
    for (size_t i = 0; i < 200; i++)
        kb_buf_addc(&b, ' ');
    kb_buf_adds(&b, "code\n");
    md_ok(&b);

    /* '<!', '<?' and '![' times the paragraph's length */
    kb_buf_reset(&b);
    size_t n = 1;
    while ((n + 1) * (n + 1) * 4 <= KB_MD_MAX_INLINE_SCAN)
        n++;
    for (size_t i = 0; i < n - 1; i++)
        kb_buf_adds(&b, "<!A ");
    md_ok(&b);
    kb_buf_reset(&b);
    kb_buf_adds(&b, "x\n\n");
    for (size_t i = 0; i < 2 * n; i++)
        kb_buf_adds(&b, i % 2 ? "![[]()" : "<?");
    kb_buf_adds(&b, "\n\nafter\n");
    md_too_big(&b, 3, "'<!', '<?' or '!['");
    /* escaped, they open nothing */
    kb_buf_reset(&b);
    for (size_t i = 0; i < 2 * n; i++)
        kb_buf_adds(&b, "\\<!A \\![x] ");
    md_ok(&b);
    /* the same openers in short paragraphs */
    kb_buf_reset(&b);
    for (size_t i = 0; i < 2000; i++)
        kb_buf_adds(&b, "![a](b.png) <!-- c -->\n\n");
    md_ok(&b);

    /* '@' */
    kb_buf_reset(&b);
    for (size_t i = 0; i < KB_MD_MAX_AT_SIGNS; i++)
        kb_buf_adds(&b, "a@b.c\n\n");
    md_ok(&b);
    kb_buf_adds(&b, "@\n");
    md_too_big(&b, 2 * KB_MD_MAX_AT_SIGNS + 1, "'@'");

    /* re-reading the paragraph above lines that could be delimiter rows */
    kb_buf_reset(&b);
    for (size_t i = 0; i < 2000; i++)
        kb_buf_adds(&b, "a|b|c\n-|-\n");
    {
        size_t line;
        kb_err err;
        CHECK_INT_EQ(md_check(&b, &line, &err), KB_ETOOBIG);
        CHECK(line > 2 && line < 4000);
        CHECK(contains(err.msg, "delimiter row"));
    }
    /* many tables, each after a blank line, are fine */
    kb_buf_reset(&b);
    for (size_t i = 0; i < 500; i++)
        kb_buf_adds(&b, "Para.\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n");
    md_ok(&b);

    /* every render path checks first: the inputs of issue 9 fail fast */
    kb_buf_reset(&b);
    kb_buf_adds(&b, "|");
    for (size_t i = 0; i < 4000; i++)
        kb_buf_adds(&b, "a|");
    kb_buf_adds(&b, "\n|");
    for (size_t i = 0; i < 4000; i++)
        kb_buf_adds(&b, "-|");
    kb_buf_adds(&b, "\n");
    for (size_t i = 0; i < 4000; i++)
        kb_buf_adds(&b, "x\n");
    {
        char *html = NULL;
        kb_err err;
        double t0 = now_ms();
        CHECK_INT_EQ(kb_ingest_render(kb_buf_str(&b), b.len, &html, &err), KB_ETOOBIG);
        CHECK(html == NULL);
        CHECK(contains(err.msg, "4000 columns"));
        kb_buf src;
        kb_buf_init(&src, 0);
        kb_buf_adds(&src, "---\nid: KE-9\ntype: known_error\ntitle: t\n---\n## Symptom\n\n");
        kb_buf_add(&src, b.data, b.len);
        kb_doc *d = NULL;
        size_t line = 0;
        CHECK_INT_EQ(kb_ingest_parse("t.md", kb_buf_str(&src), src.len, &d, &line, &err),
                     KB_ETOOBIG);
        CHECK(d == NULL);
        CHECK_INT_EQ(line, 9); /* the file's line, front matter included */
        CHECK(contains(err.msg, "4000 columns"));
        CHECK(now_ms() - t0 < 1000 * slow_factor());
        kb_buf_free(&src);
    }
    kb_buf_free(&b);
}

/* Long ordered lists keep their numbers in the plain text, in linear time. */
static void test_long_list(void)
{
    kb_buf b;
    kb_buf_init(&b, 0);
    kb_buf_adds(&b, "---\nid: A-1\ntype: article\ntitle: t\n---\n");
    for (size_t i = 0; i < 100000; i++)
        kb_buf_adds(&b, "1. a\n");
    kb_buf_adds(&b, "\nEnd.\n\n3. a\n4. b\n   1. inner\n5. c\n");
    kb_doc *d = NULL;
    kb_err err;
    double t0 = now_ms();
    CHECK_INT_EQ(kb_ingest_parse("l.md", kb_buf_str(&b), b.len, &d, NULL, &err), KB_OK);
    CHECK(now_ms() - t0 < 3000 * slow_factor());
    CHECK(d && contains(d->text, "\n100000. a\n"));
    CHECK(d && contains(d->text, "3. a\n4. b\n1. inner\n5. c"));
    kb_doc_free(d);
    kb_buf_free(&b);
}

/* A source shown as text: escaped, never parsed. */
static void test_render_verbatim(void)
{
    static const char src[] = "---\nid: x\n---\n| a | b |\n|---|---|\n<script>&\"</script>";
    char *html = NULL;
    kb_err err;
    CHECK_INT_EQ(kb_ingest_render_verbatim(src, sizeof src - 1, &html, &err), KB_OK);
    CHECK(html && strncmp(html, "<pre><code>", 11) == 0);
    CHECK(contains(html, "| a | b |\n|---|---|\n&lt;script&gt;&amp;&quot;&lt;/script&gt;"));
    CHECK(!contains(html, "<table") && !contains(html, "<script"));
    free(html);
}

/* ---------------------------------------------------------------- synonyms */

static int group_is(char **g, const char *const *want)
{
    size_t i = 0;
    for (; want[i]; i++)
        if (!g[i] || strcmp(g[i], want[i]) != 0)
            return 0;
    return g[i] == NULL;
}

static void test_synonyms(void)
{
    static const char src[] =
        "\xEF\xBB\xBF# comment line\n"
        "打印机, 印表机, printer\r\n"
        "\n"
        "蓝屏，BSOD\tblue screen   # trailing comment\n"
        "  lonely  \n"
        "C#, csharp, C#\n"
        "\xE3\x80\x80全角\xE3\x80\x80 ,  , half ,,\n"
        "# another, comment\n"
        "x,y";
    char ***g = NULL;
    size_t n = 99;
    kb_err err;
    CHECK_INT_EQ(kb_ingest_synonyms_parse(src, sizeof src - 1, &g, &n, &err), KB_OK);
    CHECK_INT_EQ(n, 5);
    if (n == 5) {
        static const char *const g0[] = { "打印机", "印表机", "printer", NULL };
        static const char *const g1[] = { "蓝屏", "BSOD", "blue screen", NULL };
        static const char *const g2[] = { "C#", "csharp", NULL };
        static const char *const g3[] = { "全角", "half", NULL };
        static const char *const g4[] = { "x", "y", NULL };
        CHECK(group_is(g[0], g0));
        CHECK(group_is(g[1], g1));
        CHECK(group_is(g[2], g2));
        CHECK(group_is(g[3], g3));
        CHECK(group_is(g[4], g4));
    }
    kb_ingest_synonyms_free(g, n);

    g = NULL;
    CHECK_INT_EQ(kb_ingest_synonyms_parse("", 0, &g, &n, &err), KB_OK);
    CHECK_INT_EQ(n, 0);
    kb_ingest_synonyms_free(g, n);
    kb_ingest_synonyms_free(NULL, 0);

    static const char bad[] = "a, b\n\xFF, c\n";
    CHECK_INT_EQ(kb_ingest_synonyms_parse(bad, sizeof bad - 1, &g, &n, &err), KB_EPARSE);
    CHECK(contains(err.msg, "line 2"));
    CHECK(g == NULL && n == 0);
    CHECK_INT_EQ(kb_ingest_synonyms_parse("a\0b, c", 6, &g, &n, &err), KB_EPARSE);

    /* caps: 64 terms per group, 10000 groups */
    char buf[1024];
    size_t len = 0;
    for (int i = 0; i < 70; i++)
        len += (size_t)snprintf(buf + len, sizeof buf - len, "t%d,", i);
    CHECK_INT_EQ(kb_ingest_synonyms_parse(buf, len, &g, &n, &err), KB_OK);
    CHECK_INT_EQ(n, 1);
    if (n == 1) {
        size_t k = 0;
        while (g[0][k])
            k++;
        CHECK_INT_EQ(k, 64);
        CHECK_STR_EQ(g[0][63], "t63");
    }
    kb_ingest_synonyms_free(g, n);

    size_t cap = 12000 * 6;
    char *many = kb_xmalloc(cap);
    len = 0;
    for (int i = 0; i < 12000; i++) {
        memcpy(many + len, "a, b\n", 5);
        len += 5;
    }
    CHECK_INT_EQ(kb_ingest_synonyms_parse(many, len, &g, &n, &err), KB_OK);
    CHECK_INT_EQ(n, 10000);
    kb_ingest_synonyms_free(g, n);
    free(many);
}

/* ---------------------------------------------------------------- kb_ingest_run */

typedef struct {
    size_t nfail;
    char last_path[512];
    size_t last_line;
    char last_reason[256];
    size_t progress_calls;
    size_t last_total;
} cb_log;

static void on_fail(void *ctx, const char *path, size_t line, const char *reason)
{
    cb_log *l = ctx;
    l->nfail++;
    snprintf(l->last_path, sizeof l->last_path, "%s", path);
    l->last_line = line;
    snprintf(l->last_reason, sizeof l->last_reason, "%s", reason);
}

static void on_progress(void *ctx, size_t done, size_t total)
{
    cb_log *l = ctx;
    l->progress_calls++;
    l->last_total = total;
    CHECK(done <= total);
}

static void write_file(const char *dir, const char *name, const char *content)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    CHECK(f != NULL);
    if (!f)
        return;
    fputs(content, f);
    fclose(f);
}

typedef struct {
    kb_store *s;
    const char *dir;
    cb_log log;
    kb_ingest_stats st;
} run_fx;

static kb_status do_run(run_fx *fx)
{
    const char *dirs[] = { fx->dir };
    kb_ingest_opts opts = { on_fail, on_progress, &fx->log, NULL, NULL };
    kb_err err;
    memset(&fx->log, 0, sizeof fx->log);
    kb_status rc = kb_ingest_run(fx->s, dirs, 1, &opts, &fx->st, &err);
    if (rc != KB_OK)
        fprintf(stderr, "kb_ingest_run: %s\n", err.msg);
    return rc;
}

#define CHECK_STATS(fx, a, u, r, n, f)                                                         \
    do {                                                                                       \
        CHECK_INT_EQ((fx)->st.added, a);                                                       \
        CHECK_INT_EQ((fx)->st.updated, u);                                                     \
        CHECK_INT_EQ((fx)->st.removed, r);                                                     \
        CHECK_INT_EQ((fx)->st.unchanged, n);                                                   \
        CHECK_INT_EQ((fx)->st.failed, f);                                                      \
    } while (0)

/* Returns the path and title of the stored item id ("" when absent) in out. */
static void stored_item(kb_store *s, const char *id, char *path, char *title, size_t size)
{
    kb_doc *d = NULL;
    path[0] = title[0] = '\0';
    if (kb_store_doc_get(s, id, &d, NULL) == KB_OK) {
        snprintf(path, size, "%s", d->path);
        snprintf(title, size, "%s", d->title);
    }
    kb_doc_free(d);
}

static int count_syn(void *ctx, long long group, const char *term)
{
    (void)group;
    (void)term;
    (*(size_t *)ctx)++;
    return 0;
}

static void test_run(void)
{
    fixture tmp;
    CHECK(fixture_open(&tmp, "ingest") == 0);
    if (!tmp.s)
        return;
    const char *root = tmp.dir;
    char kb[128], sub[256], hidden[256], path[600], title[600], want[512];
    snprintf(kb, sizeof kb, "%s/kb", root);
    snprintf(sub, sizeof sub, "%s/sub", kb);
    snprintf(hidden, sizeof hidden, "%s/.git", kb);
    CHECK(mkdir(kb, 0700) == 0);
    CHECK(mkdir(sub, 0700) == 0);
    CHECK(mkdir(hidden, 0700) == 0);

    write_file(kb, "ke1.md", ke_zh);
    write_file(kb, "a.md", "---\nid: ART-1\ntype: article\ntitle: First\n---\nhello\n");
    write_file(sub, "b.md", "---\nid: ART-2\ntype: article\ntitle: Second\n---\nworld\n");
    write_file(kb, "notes.txt", "not markdown");
    write_file(kb, ".draft.md", "---\nid: HIDDEN\ntype: article\ntitle: h\n---\n");
    write_file(hidden, "x.md", "---\nid: HIDDEN2\ntype: article\ntitle: h\n---\n");
    write_file(kb, "synonyms.txt", "打印机, 印表机, printer\n蓝屏, BSOD\n");

    run_fx fx;
    memset(&fx, 0, sizeof fx);
    fx.dir = kb;
    fx.s = tmp.s;
    kb_err err;

    /* first run */
    CHECK_INT_EQ(do_run(&fx), KB_OK);
    CHECK_STATS(&fx, 3, 0, 0, 0, 0);
    CHECK_INT_EQ(fx.log.progress_calls, 3);
    CHECK_INT_EQ(fx.log.last_total, 3);
    long long count = 0;
    CHECK_INT_EQ(kb_store_doc_count(fx.s, NULL, &count, NULL), KB_OK);
    CHECK_INT_EQ(count, 3);
    stored_item(fx.s, "ART-2", path, title, sizeof path);
    snprintf(want, sizeof want, "%s/sub/b.md", kb);
    CHECK_STR_EQ(path, want);
    stored_item(fx.s, "HIDDEN", path, title, sizeof path);
    CHECK_STR_EQ(path, "");
    size_t nsyn = 0;
    CHECK_INT_EQ(kb_store_synonyms(fx.s, count_syn, &nsyn, NULL), KB_OK);
    CHECK_INT_EQ(nsyn, 5);
    long long gen = kb_store_generation(fx.s);

    /* second run: nothing to do, nothing written */
    CHECK_INT_EQ(do_run(&fx), KB_OK);
    CHECK_STATS(&fx, 0, 0, 0, 3, 0);
    CHECK_INT_EQ(kb_store_generation(fx.s), gen);

    /* the same directory written differently is the same set of paths */
    {
        char alt[256];
        snprintf(alt, sizeof alt, "%s//./kb/", root);
        const char *dirs[] = { alt, kb };
        CHECK_INT_EQ(kb_ingest_run(fx.s, dirs, 2, NULL, &fx.st, &err), KB_OK);
        CHECK_STATS(&fx, 0, 0, 0, 3, 0);
    }

    /* switching between a relative and an absolute argument keeps the items */
    {
        char cwd[1024];
        CHECK(getcwd(cwd, sizeof cwd) != NULL);
        CHECK(chdir(root) == 0);
        const char *dirs[] = { "kb" };
        CHECK_INT_EQ(kb_ingest_run(fx.s, dirs, 1, NULL, &fx.st, &err), KB_OK);
        CHECK_STATS(&fx, 0, 3, 0, 0, 0);
        stored_item(fx.s, "ART-2", path, title, sizeof path);
        CHECK_STR_EQ(path, "kb/sub/b.md");
        CHECK(chdir(cwd) == 0);
        CHECK_INT_EQ(do_run(&fx), KB_OK);
        CHECK_STATS(&fx, 0, 3, 0, 0, 0);
        count = 0;
        CHECK_INT_EQ(kb_store_doc_count(fx.s, NULL, &count, NULL), KB_OK);
        CHECK_INT_EQ(count, 3);
    }

    /* an item not from a file is never overwritten by one */
    {
        kb_doc *api = kb_doc_new();
        kb_doc_set(&api->id, "API-1", 5);
        kb_doc_set(&api->type, "article", 7);
        kb_doc_set(&api->title, "made in the UI", 14);
        kb_doc_set(&api->status, "published", 9);
        CHECK_INT_EQ(kb_store_doc_put(fx.s, api, &err), KB_OK);
        kb_doc_free(api);
        write_file(kb, "api.md", "---\nid: API-1\ntype: article\ntitle: file\n---\n");
        CHECK_INT_EQ(do_run(&fx), KB_OK);
        CHECK_STATS(&fx, 0, 0, 0, 3, 1);
        CHECK(contains(fx.log.last_reason, "duplicate id 'API-1'"));
        stored_item(fx.s, "API-1", path, title, sizeof path);
        CHECK_STR_EQ(title, "made in the UI");
        CHECK_STR_EQ(path, "");
        snprintf(want, sizeof want, "%s/api.md", kb);
        CHECK(unlink(want) == 0);
        CHECK_INT_EQ(kb_store_doc_delete(fx.s, "API-1", &err), KB_OK);
    }

    /* modify one */
    write_file(kb, "a.md", "---\nid: ART-1\ntype: article\ntitle: First v2\n---\nhello again\n");
    CHECK_INT_EQ(do_run(&fx), KB_OK);
    CHECK_STATS(&fx, 0, 1, 0, 2, 0);
    stored_item(fx.s, "ART-1", path, title, sizeof path);
    CHECK_STR_EQ(title, "First v2");

    /* delete one */
    snprintf(want, sizeof want, "%s/b.md", sub);
    CHECK(unlink(want) == 0);
    CHECK_INT_EQ(do_run(&fx), KB_OK);
    CHECK_STATS(&fx, 0, 0, 1, 2, 0);
    stored_item(fx.s, "ART-2", path, title, sizeof path);
    CHECK_STR_EQ(path, "");

    /* a duplicate id fails (whichever path sorts first) and the original stays */
    write_file(kb, "0-dup.md", "---\nid: ART-1\ntype: article\ntitle: Impostor\n---\n");
    write_file(sub, "z-dup.md", "---\nid: ART-1\ntype: article\ntitle: Impostor 2\n---\n");
    CHECK_INT_EQ(do_run(&fx), KB_OK);
    CHECK_STATS(&fx, 0, 0, 0, 2, 2);
    CHECK(contains(fx.log.last_reason, "duplicate id 'ART-1' (also in "));
    CHECK(contains(fx.log.last_reason, "/kb/a.md)"));
    stored_item(fx.s, "ART-1", path, title, sizeof path);
    CHECK_STR_EQ(title, "First v2");
    snprintf(want, sizeof want, "%s/a.md", kb);
    CHECK_STR_EQ(path, want);
    snprintf(want, sizeof want, "%s/0-dup.md", kb);
    CHECK(unlink(want) == 0);
    snprintf(want, sizeof want, "%s/z-dup.md", sub);
    CHECK(unlink(want) == 0);

    /* a broken file keeps its indexed version and is not removed */
    write_file(kb, "a.md", "---\nid: ART-1\ntype: article\ntitle: [broken\n---\n");
    CHECK_INT_EQ(do_run(&fx), KB_OK);
    CHECK_STATS(&fx, 0, 0, 0, 1, 1);
    CHECK_INT_EQ(fx.log.nfail, 1);
    CHECK(contains(fx.log.last_path, "/kb/a.md"));
    CHECK(fx.log.last_line >= 4);
    stored_item(fx.s, "ART-1", path, title, sizeof path);
    CHECK_STR_EQ(title, "First v2");

    /* fixed again, under a new id: the old id goes */
    write_file(kb, "a.md", "---\nid: ART-1b\ntype: article\ntitle: Renamed\n---\n");
    CHECK_INT_EQ(do_run(&fx), KB_OK);
    CHECK_STATS(&fx, 0, 1, 0, 1, 0);
    stored_item(fx.s, "ART-1", path, title, sizeof path);
    CHECK_STR_EQ(path, "");
    stored_item(fx.s, "ART-1b", path, title, sizeof path);
    CHECK_STR_EQ(title, "Renamed");

    /* a moved file keeps its item */
    char from[512], to[512];
    snprintf(from, sizeof from, "%s/a.md", kb);
    snprintf(to, sizeof to, "%s/moved.md", sub);
    CHECK(rename(from, to) == 0);
    CHECK_INT_EQ(do_run(&fx), KB_OK);
    CHECK_STATS(&fx, 0, 1, 0, 1, 0);
    stored_item(fx.s, "ART-1b", path, title, sizeof path);
    CHECK_STR_EQ(path, to);

    /* two files swapping ids in one run */
    write_file(kb, "p.md", "---\nid: P\ntype: article\ntitle: p\n---\n");
    write_file(kb, "q.md", "---\nid: Q\ntype: article\ntitle: q\n---\n");
    CHECK_INT_EQ(do_run(&fx), KB_OK);
    CHECK_STATS(&fx, 2, 0, 0, 2, 0);
    write_file(kb, "p.md", "---\nid: Q\ntype: article\ntitle: now p\n---\n");
    write_file(kb, "q.md", "---\nid: P\ntype: article\ntitle: now q\n---\n");
    CHECK_INT_EQ(do_run(&fx), KB_OK);
    CHECK_STATS(&fx, 0, 2, 0, 2, 0);
    stored_item(fx.s, "Q", path, title, sizeof path);
    CHECK_STR_EQ(title, "now p");
    stored_item(fx.s, "P", path, title, sizeof path);
    CHECK_STR_EQ(title, "now q");
    count = 0;
    CHECK_INT_EQ(kb_store_doc_count(fx.s, NULL, &count, NULL), KB_OK);
    CHECK_INT_EQ(count, 4);

    /* a bad synonyms file is reported and the old groups stay */
    write_file(kb, "synonyms.txt", "a, \xFF\n");
    CHECK_INT_EQ(do_run(&fx), KB_OK);
    CHECK_INT_EQ(fx.st.failed, 1);
    nsyn = 0;
    CHECK_INT_EQ(kb_store_synonyms(fx.s, count_syn, &nsyn, NULL), KB_OK);
    CHECK_INT_EQ(nsyn, 5);
    write_file(kb, "synonyms.txt", "a, b\n");
    CHECK_INT_EQ(do_run(&fx), KB_OK);
    CHECK_INT_EQ(fx.st.failed, 0);
    nsyn = 0;
    CHECK_INT_EQ(kb_store_synonyms(fx.s, count_syn, &nsyn, NULL), KB_OK);
    CHECK_INT_EQ(nsyn, 2);

    /* an interrupted run writes nothing more and says so */
    {
        volatile sig_atomic_t stop = 1;
        const char *dirs[] = { kb };
        kb_ingest_opts opts = { NULL, NULL, NULL, &stop, NULL };
        write_file(kb, "new.md", "---\nid: NEW\ntype: article\ntitle: n\n---\n");
        CHECK_INT_EQ(kb_ingest_run(fx.s, dirs, 1, &opts, &fx.st, &err), KB_EIO);
        stored_item(fx.s, "NEW", path, title, sizeof path);
        CHECK_STR_EQ(path, "");
    }

    /* a missing directory is an error for the whole run and removes nothing */
    {
        char missing[256];
        snprintf(missing, sizeof missing, "%s/nope", root);
        const char *dirs[] = { missing };
        CHECK_INT_EQ(kb_ingest_run(fx.s, dirs, 1, NULL, &fx.st, &err), KB_ENOTFOUND);
        count = 0;
        CHECK_INT_EQ(kb_store_doc_count(fx.s, NULL, &count, NULL), KB_OK);
        CHECK_INT_EQ(count, 4);
    }

    /* everything gone: everything removed */
    snprintf(want, sizeof want, "%s/ke1.md", kb);
    CHECK(unlink(want) == 0);
    CHECK(unlink(to) == 0);
    snprintf(want, sizeof want, "%s/p.md", kb);
    CHECK(unlink(want) == 0);
    snprintf(want, sizeof want, "%s/q.md", kb);
    CHECK(unlink(want) == 0);
    snprintf(want, sizeof want, "%s/new.md", kb);
    CHECK(unlink(want) == 0);
    CHECK_INT_EQ(do_run(&fx), KB_OK);
    CHECK_STATS(&fx, 0, 0, 4, 0, 0);
    count = -1;
    CHECK_INT_EQ(kb_store_doc_count(fx.s, NULL, &count, NULL), KB_OK);
    CHECK_INT_EQ(count, 0);
    fixture_close(&tmp);
}

/* Enough files for the parallel read-and-parse stage: every file arrives once, in order,
 * with bad files reported and changes picked up on the second run. */
static void test_run_many(void)
{
    fixture tmp;
    if (fixture_open(&tmp, "many") != 0)
        return;
    char dir[600];
    snprintf(dir, sizeof dir, "%s/kb", tmp.dir);
    CHECK(mkdir(dir, 0700) == 0);
    enum { N = 700 };
    for (int i = 0; i < N; i++) {
        char name[64], body[512];
        snprintf(name, sizeof name, "ke-%04d.md", i);
        if (i % 97 == 5)
            snprintf(body, sizeof body, "---\nid: KE-%04d\ntitle: [unclosed\n---\nbody\n", i);
        else
            snprintf(body, sizeof body,
                     "---\nid: KE-%04d\ntype: known_error\ntitle: 第 %d 号打印机卡纸\n---\n"
                     "## 症状\n打印机卡纸 %d。\n## 临时解决方案\n1. 关机。\n",
                     i, i, i);
        write_file(dir, name, body);
    }
    run_fx fx;
    memset(&fx, 0, sizeof fx);
    fx.dir = dir;
    fx.s = tmp.s;
    kb_err err;
    size_t bad = 0;
    for (int i = 0; i < N; i++)
        bad += i % 97 == 5;
    CHECK_INT_EQ(do_run(&fx), KB_OK);
    CHECK_STATS(&fx, N - bad, 0, 0, 0, bad);
    CHECK_INT_EQ(fx.log.nfail, bad);
    CHECK_INT_EQ(fx.log.progress_calls, N);
    char path[512], title[512];
    stored_item(fx.s, "KE-0699", path, title, sizeof path);
    CHECK(contains(title, "第 699 号"));
    write_file(dir, "ke-0003.md",
               "---\nid: KE-0003\ntype: known_error\ntitle: changed\n---\nnew body\n");
    CHECK_INT_EQ(do_run(&fx), KB_OK);
    CHECK_STATS(&fx, 0, 1, 0, N - bad - 1, bad);
    stored_item(fx.s, "KE-0003", path, title, sizeof path);
    CHECK_STR_EQ(title, "changed");
    CHECK_INT_EQ(kb_store_check(fx.s, &err), KB_OK);
    fixture_close(&tmp);
}

/* ---------------------------------------------------------------- front-matter keys */

typedef struct {
    char text[2048];
    size_t n;
} warn_log;

static void on_warn(void *ctx, const char *path, size_t line, const char *msg)
{
    warn_log *w = ctx;
    size_t used = strlen(w->text);
    snprintf(w->text + used, sizeof w->text - used, "%s:%zu: %s\n", path, line, msg);
    w->n++;
}

static void test_front_matter_keys(void)
{
    /* the nearest known key to a misspelt one */
    const char *near[][2] = {
        { "storage_locaton", "storage_location" }, { "storage_locaiton", "storage_location" },
        { "retention_perod", "retention_period" }, { "publish_data", "publish_date" },
        { "Title", "title" },                      { "tittle", "title" },
        { "tag", "tags" },                         { "doc-no", "doc_no" },
        { "next_reveiw", "next_review" },          { "ownr", "owner" },
        { "retenton", "retention_period" },        { "locaton", "storage_location" },
        { "symptoms", "symptom" },                 { "保存期", "retention_period" },
        { "title", NULL },                         { "storage_location", NULL },
        { "report_period", NULL },                 { "affected_users", NULL },
        { "x", NULL },                             { "zz", NULL },
        { "abcdefghij", NULL },
    };
    for (size_t i = 0; i < sizeof near / sizeof near[0]; i++) {
        const char *got = kb_ingest_key_nearest(near[i][0]);
        if (!near[i][1]) {
            if (got)
                fprintf(stderr, "'%s' -> '%s'\n", near[i][0], got);
            CHECK(got == NULL);
        } else {
            CHECK_STR_EQ(got ? got : "(none)", near[i][1]);
        }
    }
    char longkey[300];
    memset(longkey, 'a', sizeof longkey - 1);
    longkey[sizeof longkey - 1] = '\0';
    CHECK(kb_ingest_key_nearest(longkey) == NULL);
    CHECK(kb_ingest_key_known("retention_period"));
    CHECK(kb_ingest_key_known("symptom"));
    CHECK(!kb_ingest_key_known("retention"));
    CHECK_STR_EQ(kb_ingest_key_alias("Location", 1), "storage_location");
    CHECK(kb_ingest_key_alias("location", 0) == NULL);
    CHECK_STR_EQ(kb_ingest_key_alias("tag", 0), "tags");
    CHECK_STR_EQ(kb_ingest_key_alias("保存期限", 1), "retention_period");

    /* other spellings; doc_no beside id is the number */
    static const char doc[] =
        "---\nid: doc-42\ndoc_no: YW-SC-009\ntype: document\ntitle: 运维手册\n"
        "location: 档案室 B-2\nretention: 长期（作废后保留 3 年）\npublished: 2026-01-05\n"
        "storage_locaton: x\nreport_period: 2026-11\n---\n正文\n";
    kb_doc *d = NULL;
    CHECK_INT_EQ(parse(doc, &d, NULL, NULL), KB_OK);
    if (d) {
        CHECK_STR_EQ(d->id, "YW-SC-009");
        CHECK_STR_EQ(field_val(d, "storage_location", 0), "档案室 B-2");
        CHECK_STR_EQ(field_val(d, "retention_period", 0), "长期（作废后保留 3 年）");
        CHECK_STR_EQ(field_val(d, "publish_date", 0), "2026-01-05");
        CHECK(kb_doc_field(d, "location") == NULL);
        warn_log w;
        memset(&w, 0, sizeof w);
        kb_ingest_warnings(d, on_warn, &w);
        CHECK_INT_EQ(w.n, 2);
        CHECK(contains(w.text, "kb/test.md:9: unknown front-matter key 'storage_locaton' (did "
                               "you mean 'storage_location'?)"));
        CHECK(contains(w.text, "kb/test.md:2: 'id' (doc-42) and 'doc_no' (YW-SC-009) differ"));
        CHECK(!contains(w.text, "report_period"));
    }
    kb_doc_free(d);
    /* the key itself wins over another spelling, which stays an extra field */
    d = NULL;
    CHECK_INT_EQ(parse("---\nid: YW-SC-001\ntype: document\ntitle: t\nlocation: a\n"
                       "storage_location: b\nretention_period: 见附件\n---\n",
                       &d, NULL, NULL), KB_OK);
    if (d) {
        CHECK_STR_EQ(field_val(d, "storage_location", 0), "b");
        CHECK_STR_EQ(field_val(d, "location", 0), "a");
        warn_log w;
        memset(&w, 0, sizeof w);
        kb_ingest_warnings(d, on_warn, &w);
        CHECK_INT_EQ(w.n, 2);
        CHECK(contains(w.text, ":5: 'location' is another spelling of 'storage_location'"));
        CHECK(contains(w.text, ":7: retention_period cannot be read"));
    }
    kb_doc_free(d);
    /* a ticket's location is its own field; a document spelling is not taken */
    d = NULL;
    CHECK_INT_EQ(parse("---\nid: T-1\ntype: ticket\ntitle: t\nlocation: 3楼\ntag: [a]\n---\n",
                       &d, NULL, NULL), KB_OK);
    if (d) {
        CHECK_STR_EQ(field_val(d, "location", 0), "3楼");
        CHECK_STR_EQ(field_val(d, "tags", 0), "a");
        warn_log w;
        memset(&w, 0, sizeof w);
        kb_ingest_warnings(d, on_warn, &w);
        CHECK_INT_EQ(w.n, 0);
    }
    kb_doc_free(d);
    /* doc_no alone, or through its other spelling */
    d = NULL;
    CHECK_INT_EQ(parse("---\n文件编号: YW-SC-002\ntype: document\ntitle: t\n---\n", &d, NULL,
                       NULL), KB_OK);
    if (d)
        CHECK_STR_EQ(d->id, "YW-SC-002");
    kb_doc_free(d);
}

int main(void)
{
    test_known_error_zh();
    test_known_error_en();
    test_known_error_traditional();
    test_article_document_ticket();
    test_front_matter_keys();
    test_bad_inputs();
    test_html();
    test_md_limits();
    test_long_list();
    test_render_verbatim();
    test_synonyms();
    test_run();
    test_run_many();
    return CHECK_DONE("test_ingest");
}
