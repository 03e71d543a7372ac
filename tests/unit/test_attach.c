/* Attachments (kb/attach.c, kb/store_attach.c, kb/thumb.c): sniffing by content (images
 * with their declared sizes, documents, programs refused, text in UTF-8, UTF-16 and
 * GB18030), file names, the searchable text and its bound, thumbnails and their bounds (the
 * declared size and the loader's own), and the store: add, list, read, dedup by hash, the
 * count and size limits, refused content, unknown owners, and a knowledge item's index
 * following its attachments. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "fixture.h"
#include "kb_attach.h"
#include "kb_buf.h"
#include "kb_incident.h"
#include "kb_store.h"
#include "kb_thumb.h"
#include "kb_version.h"
#include "../../kb/store_int.h"

#define T0 1767225600LL /* 2026-01-01T00:00:00Z */

/* --- a PNG writer (stored deflate blocks, no zlib needed) --- */

static uint32_t crc32_of(const unsigned char *p, size_t len)
{
    uint32_t c = 0xffffffffu;
    for (size_t i = 0; i < len; i++) {
        c ^= p[i];
        for (int k = 0; k < 8; k++)
            c = c & 1 ? 0xedb88320u ^ (c >> 1) : c >> 1;
    }
    return c ^ 0xffffffffu;
}

static void put32(kb_buf *b, uint32_t v)
{
    unsigned char x[4] = { (unsigned char)(v >> 24), (unsigned char)(v >> 16),
                           (unsigned char)(v >> 8), (unsigned char)v };
    kb_buf_add(b, x, 4);
}

static void chunk(kb_buf *b, const char *kind, const unsigned char *data, size_t len)
{
    put32(b, (uint32_t)len);
    size_t at = b->len;
    kb_buf_add(b, kind, 4);
    kb_buf_add(b, data, len);
    put32(b, crc32_of((const unsigned char *)b->data + at, len + 4));
}

/* An RGB PNG of w x h; declared_w/h (when not 0) go into the header instead. */
static void make_png(kb_buf *b, unsigned w, unsigned h, unsigned declared_w, unsigned declared_h)
{
    kb_buf_init(b, 0);
    kb_buf_add(b, "\x89PNG\r\n\x1a\n", 8);
    unsigned char ihdr[13] = { 0 };
    unsigned dw = declared_w ? declared_w : w, dh = declared_h ? declared_h : h;
    for (int i = 0; i < 4; i++) {
        ihdr[i] = (unsigned char)(dw >> (24 - 8 * i));
        ihdr[4 + i] = (unsigned char)(dh >> (24 - 8 * i));
    }
    ihdr[8] = 8;
    ihdr[9] = 2;
    chunk(b, "IHDR", ihdr, sizeof ihdr);
    size_t raw_len = (size_t)h * (1 + 3 * w);
    unsigned char *raw = calloc(raw_len ? raw_len : 1, 1);
    for (size_t i = 0; i < raw_len; i++)
        raw[i] = i % (1 + 3 * w) == 0 ? 0 : (unsigned char)(i * 7);
    kb_buf z;
    kb_buf_init(&z, 0);
    kb_buf_add(&z, "\x78\x01", 2);
    uint32_t a = 1, bsum = 0;
    for (size_t i = 0; i < raw_len; i++) {
        a = (a + raw[i]) % 65521;
        bsum = (bsum + a) % 65521;
    }
    for (size_t off = 0; off < raw_len || off == 0; off += 65535) {
        size_t n = raw_len - off < 65535 ? raw_len - off : 65535;
        unsigned char hdr[5] = { off + n >= raw_len ? 1 : 0, (unsigned char)n,
                                 (unsigned char)(n >> 8), (unsigned char)~n,
                                 (unsigned char)(~n >> 8) };
        kb_buf_add(&z, hdr, 5);
        kb_buf_add(&z, raw + off, n);
        if (raw_len == 0)
            break;
    }
    put32(&z, bsum << 16 | a);
    chunk(b, "IDAT", (const unsigned char *)z.data, z.len);
    chunk(b, "IEND", NULL, 0);
    kb_buf_free(&z);
    free(raw);
}

static unsigned be32_at(const void *p, size_t at)
{
    const unsigned char *c = (const unsigned char *)p + at;
    return (unsigned)c[0] << 24 | (unsigned)c[1] << 16 | (unsigned)c[2] << 8 | c[3];
}

/* --- sniffing --- */

#define NONE KB_ATTACH_NOT_PROGRAM

/* A ZIP local file header for an empty entry called name; returns its length. */
static size_t zip_head(unsigned char *out, const char *name)
{
    size_t n = strlen(name);
    memset(out, 0, 30);
    memcpy(out, "PK\3\4", 4);
    out[4] = 20;
    out[26] = (unsigned char)n;
    memcpy(out + 30, name, n);
    return 30 + n;
}

static void sniffed(const void *p, size_t len, const char *type, const char *charset,
                    kb_attach_program program)
{
    kb_attach_kind k;
    kb_attach_sniff(p, len, &k);
    CHECK_STR_EQ(k.type, type);
    if (charset)
        CHECK(k.charset && strcmp(k.charset, charset) == 0);
    else
        CHECK(k.charset == NULL);
    CHECK_INT_EQ(k.program, program);
    if (strcmp(k.type, type) != 0)
        fprintf(stderr, "  sniffed %s, want %s\n", k.type, type);
}

static void test_sniff(void)
{
    kb_buf png;
    make_png(&png, 300, 100, 0, 0);
    kb_attach_kind k;
    kb_attach_sniff(png.data, png.len, &k);
    CHECK_STR_EQ(k.type, "image/png");
    CHECK_INT_EQ(k.width, 300);
    CHECK_INT_EQ(k.height, 100);
    CHECK_INT_EQ(k.pixels, 30000);
    kb_buf_free(&png);

    static const unsigned char jpeg[] = { 0xff, 0xd8, 0xff, 0xe0, 0x00, 0x04, 0x00, 0x00,
                                          0xff, 0xc2, 0x00, 0x0b, 0x08, 0x02, 0x58, 0x03,
                                          0x20, 0x01, 0x01, 0x11, 0x00 };
    kb_attach_sniff(jpeg, sizeof jpeg, &k);
    CHECK_STR_EQ(k.type, "image/jpeg");
    CHECK_INT_EQ(k.width, 800);
    CHECK_INT_EQ(k.height, 600);
    CHECK_INT_EQ(k.scans, 0);
    /* its scans are counted by their markers; a stuffed FF 00 is none */
    unsigned char scans[sizeof jpeg + 3 * 6 + 2];
    memcpy(scans, jpeg, sizeof jpeg);
    for (size_t i = 0; i < 3; i++)
        memcpy(scans + sizeof jpeg + 6 * i, "\xff\xda\x00\x08\xff\x00", 6);
    memcpy(scans + sizeof scans - 2, "\xff\xd9", 2);
    kb_attach_sniff(scans, sizeof scans, &k);
    CHECK_INT_EQ(k.scans, 3);
    CHECK_INT_EQ(k.width, 800);

    /* a GIF whose second frame reaches past the screen: the decoder sizes for it */
    static const unsigned char gif[] = {
        'G', 'I', 'F', '8', '9', 'a', 10, 0, 10, 0, 0, 0, 0,
        0x2c, 0, 0, 0, 0, 10, 0, 10, 0, 0, 2, 1, 0, 0,
        0x21, 0xf9, 4, 0, 0, 0, 0, 0,
        0x2c, 0x10, 0x27, 0, 0, 10, 0, 10, 0, 0, 2, 1, 0, 0, 0x3b,
    };
    kb_attach_sniff(gif, sizeof gif, &k);
    CHECK_STR_EQ(k.type, "image/gif");
    CHECK_INT_EQ(k.width, 10010);
    CHECK_INT_EQ(k.height, 10);
    CHECK_INT_EQ(k.pixels, 2ull * 10010 * 10); /* two frames of the whole canvas */

    sniffed("RIFF\0\0\0\0WEBPVP8 ", 16, "image/webp", NULL, NONE);
    sniffed("%PDF-1.4\n", 9, "application/pdf", NULL, NONE);
    unsigned char zip[64];
    sniffed(zip, zip_head(zip, "a.txt"), "application/zip", NULL, NONE);
    sniffed(zip, zip_head(zip, "xl/workbook.xml"),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", NULL, NONE);
    sniffed("\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1\0\0", 10, "application/vnd.ms-office", NULL, NONE);
    unsigned char pe[256] = { 'M', 'Z' };
    pe[0x3c] = 0x80;
    memcpy(pe + 0x80, "PE\0\0", 4);
    sniffed(pe, sizeof pe, "application/octet-stream", NULL, KB_ATTACH_PE);
    sniffed("MZ is a text file\n", 18, "text/plain", "utf-8", NONE);
    sniffed("\x7f" "ELF\2\1\1\0", 8, "application/octet-stream", NULL, KB_ATTACH_ELF);
    sniffed("\xcf\xfa\xed\xfe\7\0\0\1", 8, "application/octet-stream", NULL, KB_ATTACH_MACHO);
    sniffed("\xca\xfe\xba\xbe\0\0\0\x34", 8, "application/octet-stream", NULL,
            KB_ATTACH_CAFEBABE);
    sniffed("2026-03-02 ERROR 打印机脱机\r\n\tat x\n\x1b[31mred\x1b[0m\n", 52, "text/plain",
            "utf-8", NONE);
    sniffed("\xef\xbb\xbf" "BOM text\n", 12, "text/plain", "utf-8", NONE);
    sniffed("\xff\xfeh\0i\0", 6, "text/plain", "utf-16", NONE);
    sniffed("\xb4\xf2\xd3\xa1\xbb\xfa", 6, "text/plain", "gb18030", NONE); /* 打印机 in GBK */
    sniffed("text with a NUL\0byte", 20, "application/octet-stream", NULL, NONE);
    sniffed("bell\a", 5, "application/octet-stream", NULL, NONE);
    sniffed("", 0, "application/octet-stream", NULL, NONE);
    sniffed("<html><script>alert(1)</script></html>", 38, "text/plain", "utf-8", NONE);
}

/* --- names --- */

static void test_names(void)
{
    const char *good[] = { "a.txt", "打印机日志 2026-03.log", "screenshot (1).png", "x",
                           "名.tar.gz", "report.v2.docx" };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        kb_err err;
        kb_status rc = kb_attach_check_name(good[i], &err);
        CHECK_INT_EQ(rc, KB_OK);
        if (rc != KB_OK)
            fprintf(stderr, "  '%s': %s\n", good[i], err.msg);
    }
    char longname[300];
    memset(longname, 'a', sizeof longname - 1);
    longname[sizeof longname - 1] = '\0';
    const char *bad[] = { "", "../x", "a/b", "a\\b", "c:x", "a*b", "a?b", "a\"b", "a<b", "a>b",
                          "a|b", "tab\tname", "del\x7f", "x.EXE", "x.bat", "x.Cmd", "x.ps1",
                          "a.pdf.exe", "x.vbs", "x.js", "x.lnk", "x.msi", "x.hta", "x.scr",
                          " lead", "trail ", "dot.", ".hidden", "a\xe2\x80\xaegpj.exe",
                          "a\xe2\x81\xa6x", "\xff\xfe.txt", "a\xc2\x85" "b", longname };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        kb_err err;
        kb_status rc = kb_attach_check_name(bad[i], &err);
        CHECK_INT_EQ(rc, KB_EINVAL);
        if (rc == KB_OK)
            fprintf(stderr, "  '%s' was taken\n", bad[i]);
    }
}

/* --- searchable text --- */

static void test_text(void)
{
    kb_err err;
    char *t = NULL;
    size_t n = 0;
    kb_attach_kind k;
    const char *log = "\xef\xbb\xbf" "line 1\n";
    kb_attach_sniff(log, strlen(log), &k);
    CHECK_INT_EQ(kb_attach_text(log, strlen(log), &k, &t, &n, &err), KB_OK);
    CHECK_STR_EQ(t, "line 1\n"); /* without the byte order mark */
    free(t);
    /* past the bound: cut before a character that would not fit */
    size_t big = KB_ATTACH_MAX_TEXT + 10;
    char *p = malloc(big);
    memset(p, 'a', big);
    memcpy(p + KB_ATTACH_MAX_TEXT - 1, "\xe6\x89\x93", 3); /* 打 across the bound */
    kb_attach_sniff(p, big, &k);
    CHECK_STR_EQ(k.type, "text/plain");
    CHECK_INT_EQ(kb_attach_text(p, big, &k, &t, &n, &err), KB_OK);
    CHECK_INT_EQ(n, KB_ATTACH_MAX_TEXT - 1);
    CHECK_INT_EQ(strlen(t), n);
    free(t);
    free(p);
    const char gbk[] = "\xb4\xf2\xd3\xa1\xbb\xfa ok";
    kb_attach_sniff(gbk, sizeof gbk - 1, &k);
    CHECK_INT_EQ(kb_attach_text(gbk, sizeof gbk - 1, &k, &t, &n, &err), KB_OK);
    CHECK_STR_EQ(t, "打印机 ok");
    free(t);
    /* a PDF's text comes from pdftotext (tests/unit/test_extract.c): a broken one has none */
    kb_attach_sniff("%PDF-1.4", 8, &k);
    CHECK_INT_EQ(kb_attach_text("%PDF-1.4", 8, &k, &t, &n, &err), KB_EPARSE);
    CHECK(t == NULL && n == 0);
    const char png_head[] = "\x89PNG\r\n\x1a\n";
    kb_attach_sniff(png_head, 8, &k);
    CHECK_INT_EQ(kb_attach_text(png_head, 8, &k, &t, &n, &err), KB_OK);
    CHECK(t == NULL && n == 0);
}

/* --- thumbnails --- */

static void test_thumb(void)
{
    kb_err err;
    kb_buf png;
    make_png(&png, 300, 100, 0, 0);
    void *out = NULL;
    size_t len = 0;
    CHECK_INT_EQ(kb_thumb_png(png.data, png.len, "image/png", 300, 100, 30000, 0, &out, &len,
                              &err),
                 KB_OK);
    CHECK(len > 24 && memcmp(out, "\x89PNG", 4) == 0);
    if (len > 24) {
        CHECK_INT_EQ(be32_at(out, 16), 240);
        CHECK_INT_EQ(be32_at(out, 20), 80);
    }
    free(out);
    /* bounds from the header: nothing is decoded */
    CHECK_INT_EQ(kb_thumb_png(png.data, png.len, "image/png", 20000, 20000, 400000000ull, 0, &out,
                              &len, &err),
                 KB_ETOOBIG);
    CHECK(out == NULL);
    CHECK_INT_EQ(kb_thumb_png(png.data, png.len, "image/png", 20000, 1, 20000, 0, &out, &len,
                              &err),
                 KB_ETOOBIG);
    /* a JPEG of many scans: each one decodes the whole image again */
    CHECK_INT_EQ(kb_thumb_png(png.data, png.len, "image/jpeg", 8000, 4000, 32000000ull, 20, &out,
                              &len, &err),
                 KB_ETOOBIG);
    CHECK(strstr(err.msg, "20 scans") != NULL);
    CHECK_INT_EQ(kb_thumb_png(png.data, png.len, "image/jpeg", 10, 10, 100, 65, &out, &len, &err),
                 KB_ETOOBIG);
    CHECK_INT_EQ(kb_thumb_png(png.data, png.len, "image/svg+xml", 1, 1, 1, 0, &out, &len, &err),
                 KB_EINVAL);
    CHECK_INT_EQ(kb_thumb_png(png.data, png.len, "image/webp", 1, 1, 1, 0, &out, &len, &err),
                 KB_EINVAL);
    kb_buf_free(&png);
    /* a caller that trusted a wrong size: the loader's own check stops it */
    make_png(&png, 4, 4, 30000, 30000);
    CHECK_INT_EQ(kb_thumb_png(png.data, png.len, "image/png", 4, 4, 16, 0, &out, &len, &err),
                 KB_ETOOBIG);
    CHECK(out == NULL);
    kb_buf_free(&png);
    CHECK_INT_EQ(kb_thumb_png("\x89PNG\r\n\x1a\nnot really", 18, "image/png", 4, 4, 16, 0, &out,
                              &len, &err),
                 KB_EPARSE);
    CHECK_INT_EQ(kb_thumb_png("\xff\xd8\xff\xe0garbage", 11, "image/jpeg", 4, 4, 16, 1, &out,
                              &len, &err),
                 KB_EPARSE);
}

/* --- the store --- */

static kb_status add(kb_store *s, const char *kind, const char *owner, const char *name,
                     const void *data, size_t len, size_t max, long long *id, kb_err *err)
{
    kb_attach_in in = { .owner_kind = kind, .owner_id = owner, .name = name, .data = data,
                        .len = len, .max_bytes = max, .actor = "agent1" };
    kb_attachment *a = NULL;
    kb_status rc = kb_attach_add(s, &in, T0, &a, err);
    if (id)
        *id = a ? a->id : 0;
    kb_attachment_free(a);
    return rc;
}

static long long fts_count(kb_store *s, const char *expr)
{
    long long n = -1;
    kb_err err;
    CHECK_INT_EQ(kb_store_fts_count(s, expr, &n, &err), KB_OK);
    return n;
}

static void test_store(kb_store *s)
{
    kb_err err;
    kb_inc_create in = { .caller_name = "张三", .caller_phone = "13800138000",
                         .channel = "phone", .category = "printer", .priority = 3,
                         .summary = "打印机无法打印", .actor = "agent1" };
    kb_incident *inc = NULL;
    CHECK_INT_EQ(kb_incident_create(s, &in, T0, &inc, &err), KB_OK);
    if (!inc)
        return;
    char number[64];
    snprintf(number, sizeof number, "%s", inc->number);
    kb_incident_free(inc);
    CHECK_INT_EQ(fixture_put(s, fixture_doc("KE-1", "known_error", "published", "打印机卡纸")),
                 KB_OK);

    kb_buf png;
    make_png(&png, 64, 32, 0, 0);
    long long a1 = 0, a2 = 0, a3 = 0;
    CHECK_INT_EQ(add(s, KB_ATTACH_INCIDENT, number, "截图.png", png.data, png.len, 0, &a1, &err),
                 KB_OK);
    CHECK_INT_EQ(add(s, KB_ATTACH_KB, "KE-1", "same.png", png.data, png.len, 0, &a2, &err),
                 KB_OK);
    const char *log = "spool error ZQXLOG42 队列停止\n";
    CHECK_INT_EQ(add(s, KB_ATTACH_KB, "KE-1", "a.log", log, strlen(log), 0, &a3, &err), KB_OK);
    CHECK_INT_EQ(fts_count(s, "\"zqxlog42\""), 1);

    kb_attachment_list *l = NULL;
    CHECK_INT_EQ(kb_attach_list(s, KB_ATTACH_KB, "KE-1", &l, &err), KB_OK);
    if (l) {
        CHECK_INT_EQ(l->n, 2);
        CHECK_INT_EQ(l->total, (long long)(png.len + strlen(log)));
        if (l->n == 2) {
            CHECK_STR_EQ(l->items[0].type, "image/png");
            CHECK(l->items[0].has_thumb && !l->items[0].has_text);
            CHECK_INT_EQ(l->items[0].width, 64);
            CHECK_STR_EQ(l->items[1].type, "text/plain");
            CHECK_STR_EQ(l->items[1].charset, "utf-8");
            CHECK(l->items[1].has_text && !l->items[1].has_thumb);
        }
        kb_attachment_list_free(l);
    }
    kb_attachment *meta = NULL;
    void *data = NULL;
    size_t len = 0;
    CHECK_INT_EQ(kb_attach_read(s, KB_ATTACH_INCIDENT, number, a1, 0, &meta, &data, &len, &err),
                 KB_OK);
    CHECK(len == png.len && data && memcmp(data, png.data, len) == 0);
    CHECK(meta && strcmp(meta->name, "截图.png") == 0 && meta->size == (long long)png.len);
    kb_attachment_free(meta);
    free(data);
    CHECK_INT_EQ(kb_attach_read(s, KB_ATTACH_INCIDENT, number, a1, 1, &meta, &data, &len, &err),
                 KB_OK);
    CHECK(len > 8 && memcmp(data, "\x89PNG", 4) == 0);
    kb_attachment_free(meta);
    free(data);
    /* the thumbnail of a text, another owner's attachment: not found */
    CHECK_INT_EQ(kb_attach_read(s, KB_ATTACH_KB, "KE-1", a3, 1, &meta, &data, &len, &err),
                 KB_ENOTFOUND);
    CHECK_INT_EQ(kb_attach_read(s, KB_ATTACH_KB, "KE-1", a1, 0, &meta, &data, &len, &err),
                 KB_ENOTFOUND);

    /* refused, bounds, unknown owners */
    CHECK_INT_EQ(add(s, KB_ATTACH_INCIDENT, number, "x.exe", "hi", 2, 0, NULL, &err), KB_EINVAL);
    CHECK_INT_EQ(add(s, KB_ATTACH_INCIDENT, number, "e.txt", "", 0, 0, NULL, &err), KB_EINVAL);
    CHECK_INT_EQ(add(s, KB_ATTACH_INCIDENT, number, "big.txt", "12345", 5, 4, NULL, &err),
                 KB_ETOOBIG);
    CHECK_INT_EQ(add(s, KB_ATTACH_INCIDENT, "INC-20990101-0001", "a.txt", "x", 1, 0, NULL, &err),
                 KB_ENOTFOUND);
    CHECK_INT_EQ(add(s, KB_ATTACH_KB, "NOPE", "a.txt", "x", 1, 0, NULL, &err), KB_ENOTFOUND);
    CHECK_INT_EQ(add(s, KB_ATTACH_REQUEST, "REQ-20990101-0001", "a.txt", "x", 1, 0, NULL, &err),
                 KB_ENOTFOUND);
    CHECK_INT_EQ(add(s, "asset", "1", "a.txt", "x", 1, 0, NULL, &err), KB_EINVAL);
    unsigned char elf[16] = { 0x7f, 'E', 'L', 'F' };
    CHECK_INT_EQ(add(s, KB_ATTACH_INCIDENT, number, "tool", elf, sizeof elf, 0, NULL, &err),
                 KB_EINVAL);
    CHECK(strstr(err.msg, "ELF") != NULL);

    /* the count limit */
    for (unsigned i = 1; i < KB_ATTACH_MAX_COUNT; i++) {
        char name[32], body[32];
        snprintf(name, sizeof name, "f%u.txt", i);
        snprintf(body, sizeof body, "file %u\n", i);
        CHECK_INT_EQ(add(s, KB_ATTACH_INCIDENT, number, name, body, strlen(body), 0, NULL, &err),
                     KB_OK);
    }
    CHECK_INT_EQ(add(s, KB_ATTACH_INCIDENT, number, "one.txt", "1", 1, 0, NULL, &err),
                 KB_ECONFLICT);

    /* deleting: the shared content stays while the other attachment has it */
    CHECK_INT_EQ(kb_attach_delete(s, KB_ATTACH_INCIDENT, number, a1, "agent1", T0, &err), KB_OK);
    CHECK_INT_EQ(kb_attach_read(s, KB_ATTACH_KB, "KE-1", a2, 0, &meta, &data, &len, &err), KB_OK);
    CHECK(len == png.len);
    kb_attachment_free(meta);
    free(data);
    CHECK_INT_EQ(kb_attach_delete(s, KB_ATTACH_INCIDENT, number, a1, "agent1", T0, &err),
                 KB_ENOTFOUND);
    CHECK_INT_EQ(kb_attach_delete(s, KB_ATTACH_KB, "KE-1", a3, "agent1", T0, &err), KB_OK);
    CHECK_INT_EQ(fts_count(s, "\"zqxlog42\""), 0);
    CHECK_INT_EQ(fts_count(s, "\"打印\""), 1);
    /* the item replaced (kedb-index, an edit) keeps its attachments' text in the index */
    CHECK_INT_EQ(add(s, KB_ATTACH_KB, "KE-1", "b.log", log, strlen(log), 0, &a3, &err), KB_OK);
    CHECK_INT_EQ(fixture_put(s, fixture_doc("KE-1", "known_error", "published", "打印机卡纸 2")),
                 KB_OK);
    CHECK_INT_EQ(fts_count(s, "\"zqxlog42\""), 1);
    CHECK_INT_EQ(kb_store_check(s, &err), KB_OK);

    /* the size of all of an owner's attachments together */
    size_t half = (size_t)(KB_ATTACH_MAX_TOTAL / 2);
    char *big = calloc(half + 1, 1);
    CHECK_INT_EQ(add(s, KB_ATTACH_KB, "KE-1", "a.bin", big, half, half, NULL, &err), KB_OK);
    big[0] = 1;
    CHECK_INT_EQ(add(s, KB_ATTACH_KB, "KE-1", "b.bin", big, half, half, NULL, &err), KB_ETOOBIG);
    free(big);
    kb_buf_free(&png);
}

/* A document's files as the controlled copies of its versions: added to a draft, refused
 * for a version that is not there or in review, kept once published; a broken PDF is
 * kept without text and says why. */
static void test_versions(kb_store *s)
{
    kb_err err;
    const char *src = "---\nid: YW-WJ-101\ntype: document\ntitle: 备份规程\nversion: B/1\n"
                      "doc_type: procedure\n---\n# 备份规程\n\n第一版。\n";
    char *id = NULL;
    long long n = 0;
    CHECK_INT_EQ(kb_wf_save(s, src, strlen(src), NULL, NULL, "eng", T0, &id, &n, NULL, &err),
                 KB_OK);
    free(id);
    CHECK_INT_EQ(n, 1);
    const char *log = "copy of B/1 ZQXCOPY1\n";
    kb_attach_in in = { .owner_kind = KB_ATTACH_KB, .owner_id = "YW-WJ-101", .name = "b1.txt",
                        .data = log, .len = strlen(log), .actor = "eng", .version = 1 };
    kb_attachment *a = NULL;
    CHECK_INT_EQ(kb_attach_add(s, &in, T0, &a, &err), KB_OK);
    CHECK(a && a->version == 1 && a->warning == NULL);
    long long copy = a ? a->id : 0;
    kb_attachment_free(a);
    CHECK_INT_EQ(fts_count(s, "\"zqxcopy1\""), 0); /* a draft: not searchable yet */
    in.version = 7;
    CHECK_INT_EQ(kb_attach_add(s, &in, T0, NULL, &err), KB_ENOTFOUND);
    in.version = 1;
    in.owner_kind = KB_ATTACH_INCIDENT;
    CHECK_INT_EQ(kb_attach_add(s, &in, T0, NULL, &err), KB_EINVAL);
    in.owner_kind = KB_ATTACH_KB;
    /* a broken PDF: kept, no text, a warning */
    in.name = "scan.pdf";
    in.data = "%PDF-1.4 broken";
    in.len = 15;
    CHECK_INT_EQ(kb_attach_add(s, &in, T0, &a, &err), KB_OK);
    CHECK(a && !a->has_text && a->warning && strstr(a->warning, "pdf:"));
    long long pdf = a ? a->id : 0;
    kb_attachment_free(a);
    CHECK_INT_EQ(kb_attach_delete(s, KB_ATTACH_KB, "YW-WJ-101", pdf, "eng", T0, &err), KB_OK);
    /* in review: no new files; published: kept */
    CHECK_INT_EQ(kb_wf_submit(s, "YW-WJ-101", "eng", T0, &err), KB_OK);
    in.name = "late.txt";
    in.data = log;
    in.len = strlen(log);
    CHECK_INT_EQ(kb_attach_add(s, &in, T0, NULL, &err), KB_ECONFLICT);
    CHECK_INT_EQ(kb_wf_decide(s, "YW-WJ-101", 1, NULL, "appr", T0, &err), KB_OK);
    CHECK_INT_EQ(fts_count(s, "\"zqxcopy1\""), 1); /* published with its file's text */
    CHECK_INT_EQ(kb_attach_delete(s, KB_ATTACH_KB, "YW-WJ-101", copy, "eng", T0, &err),
                 KB_ECONFLICT);
    CHECK(strstr(err.msg, "controlled copy of version 1") != NULL);
    kb_attachment_list *l = NULL;
    CHECK_INT_EQ(kb_attach_list(s, KB_ATTACH_KB, "YW-WJ-101", &l, &err), KB_OK);
    CHECK(l && l->n == 1 && l->items[0].version == 1);
    kb_attachment_list_free(l);
    CHECK_INT_EQ(kb_store_check(s, &err), KB_OK);

    /* version 2, a draft of a published document: its file's words stay out of the row
     * that readers of the published version search */
    const char *src2 = "---\nid: YW-WJ-101\ntype: document\ntitle: 备份规程\nversion: B/2\n"
                       "doc_type: procedure\n---\n# 备份规程\n\n第二版。\n";
    CHECK_INT_EQ(kb_wf_save(s, src2, strlen(src2), "YW-WJ-101", NULL, "eng", T0 + 60, &id, &n,
                            NULL, &err), KB_OK);
    free(id);
    CHECK_INT_EQ(n, 2);
    const char *log2 = "copy of B/2 ZQXCOPY2\n";
    kb_attach_in in2 = { .owner_kind = KB_ATTACH_KB, .owner_id = "YW-WJ-101",
                         .name = "b2.txt", .data = log2, .len = strlen(log2), .actor = "eng",
                         .version = 2 };
    CHECK_INT_EQ(kb_attach_add(s, &in2, T0 + 60, NULL, &err), KB_OK);
    CHECK_INT_EQ(fts_count(s, "\"zqxcopy2\""), 0);
    CHECK_INT_EQ(fts_count(s, "\"zqxcopy1\""), 1);
    /* the upgrade to schema 29 marks the files as they are now: v1's in, v2's out */
    CHECK_INT_EQ(kb_attach_migrate_indexed(s, &err), KB_OK);
    sqlite3_stmt *st = NULL;
    sqlite3_prepare_v2(kb_store_db(s),
                       "SELECT group_concat(version || ':' || indexed, ' ') FROM (SELECT "
                       "version, indexed FROM attachment WHERE owner_id = 'YW-WJ-101' "
                       "ORDER BY id)", -1, &st, NULL);
    CHECK(st && sqlite3_step(st) == SQLITE_ROW);
    CHECK_STR_EQ(st ? (const char *)sqlite3_column_text(st, 0) : "", "1:1 2:0");
    sqlite3_finalize(st);
    /* published: the new copy's words in, the superseded copy's out */
    CHECK_INT_EQ(kb_wf_submit(s, "YW-WJ-101", "eng", T0 + 60, &err), KB_OK);
    CHECK_INT_EQ(kb_wf_decide(s, "YW-WJ-101", 1, NULL, "appr", T0 + 60, &err), KB_OK);
    CHECK_INT_EQ(fts_count(s, "\"zqxcopy2\""), 1);
    CHECK_INT_EQ(fts_count(s, "\"zqxcopy1\""), 0);
    CHECK_INT_EQ(kb_store_check(s, &err), KB_OK);
}

int main(void)
{
    test_sniff();
    test_names();
    test_text();
    test_thumb();
    fixture fx;
    if (fixture_open(&fx, "attach") != 0)
        return CHECK_DONE("test_attach");
    test_store(fx.s);
    test_versions(fx.s);
    fixture_close(&fx);
    return CHECK_DONE("test_attach");
}
