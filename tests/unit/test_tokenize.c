/* Tokenizer: normalisation, CJK bigrams, word parts, stems, offsets, hostile input. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "kb_buf.h"
#include "kb_tokenize.h"

typedef struct {
    kb_buf out;      /* tokens joined by ' ', colocated ones prefixed by '+' */
    const char *src; /* text tokenized, to check offsets */
    int bad_offsets;
} collect;

static int on_token(void *ctx, int flags, const char *tok, size_t len, size_t start, size_t end)
{
    collect *c = ctx;
    if (c->out.len)
        kb_buf_addc(&c->out, ' ');
    if (flags & KB_TOK_COLOCATED)
        kb_buf_addc(&c->out, '+');
    kb_buf_add(&c->out, tok, len);
    if (start >= end || end > strlen(c->src))
        c->bad_offsets++;
    return 0;
}

/* Returns the token list of text in the given mode (caller frees). */
static char *toks(kb_tokenizer *t, const char *text, int mode)
{
    collect c;
    kb_buf_init(&c.out, 0);
    c.src = text;
    c.bad_offsets = 0;
    kb_tokenize(t, text, strlen(text), mode, on_token, &c);
    CHECK_INT_EQ(c.bad_offsets, 0);
    return kb_buf_detach(&c.out, NULL);
}

#define CHECK_TOKS(t, text, mode, want)                                                        \
    do {                                                                                       \
        char *got_ = toks((t), (text), (mode));                                                \
        CHECK_STR_EQ(got_, (want));                                                            \
        free(got_);                                                                            \
    } while (0)

static char *norm(kb_tokenizer *t, const char *text)
{
    kb_buf b;
    kb_buf_init(&b, 0);
    kb_tokenize_normalize(t, text, strlen(text), &b);
    return kb_buf_detach(&b, NULL);
}

#define CHECK_NORM(t, text, want)                                                              \
    do {                                                                                       \
        char *got_ = norm((t), (text));                                                        \
        CHECK_STR_EQ(got_, (want));                                                            \
        free(got_);                                                                            \
    } while (0)

static int on_word(void *ctx, const char *w, size_t len)
{
    kb_buf *b = ctx;
    if (b->len)
        kb_buf_addc(b, '|');
    kb_buf_add(b, w, len);
    return 0;
}

static void check_words(kb_tokenizer *t, const char *run, const char *want)
{
    kb_buf b;
    kb_buf_init(&b, 0);
    kb_tokenize_cjk_words(t, run, strlen(run), on_word, &b);
    CHECK_STR_EQ(kb_buf_str(&b), want);
    kb_buf_free(&b);
}

static int on_offset(void *ctx, int flags, const char *tok, size_t len, size_t start,
                     size_t end)
{
    (void)flags;
    (void)tok;
    (void)len;
    kb_buf *b = ctx;
    kb_buf_addf(b, "%zu-%zu,", start, end);
    return 0;
}

int main(void)
{
    kb_tokenizer *t = NULL;
    kb_err err;
    CHECK_INT_EQ(kb_tokenizer_new(&t, &err), KB_OK);
    if (!t)
        return CHECK_DONE("test_tokenize");

    /* Chinese: overlapping bigrams, last character colocated on the document side. */
    CHECK_TOKS(t, "打印机卡纸", KB_TOK_DOCUMENT, "打印 印机 机卡 卡纸 +纸");
    CHECK_TOKS(t, "打印机卡纸", KB_TOK_QUERY, "打印 印机 机卡 卡纸");
    CHECK_TOKS(t, "卡", KB_TOK_DOCUMENT, "卡");
    CHECK_TOKS(t, "卡", KB_TOK_QUERY, "卡");
    /* Traditional becomes Simplified, with Taiwan vocabulary (印表機 -> 打印机). */
    CHECK_TOKS(t, "印表機卡紙", KB_TOK_QUERY, "打印 印机 机卡 卡纸");
    CHECK_NORM(t, "伺服器無法連線", "服务器无法连接");
    CHECK_NORM(t, "網路設定", "网络设置");
    /* Simplified text is left alone. */
    CHECK_NORM(t, "服务器无法连接", "服务器无法连接");
    /* Simplified characters that Taiwan tables map alone stay as they are */
    CHECK_NORM(t, "打印机卡纸了怎么办", "打印机卡纸了怎么办");
    CHECK_NORM(t, "打印機怎么辦", "打印机怎么办");
    CHECK_NORM(t, "怎麼辦", "怎么办");
    CHECK_NORM(t, "显著", "显著");
    CHECK_NORM(t, "抬头", "抬头");
    /* Full-width forms and case fold. */
    CHECK_NORM(t, "ＯＲＡ－０１０１７", "ora-01017");
    CHECK_TOKS(t, "ＯＲＡ－０１０１７", KB_TOK_QUERY, "ora 1017");
    CHECK_NORM(t, "Outlook", "outlook");

    /* Script changes split words. */
    CHECK_TOKS(t, "Outlook报错0x800CCC0E", KB_TOK_DOCUMENT, "outlook 报错 +错 0x800ccc0e");

    /* Codes and identifiers split into parts at connectors and letter/digit changes. */
    CHECK_TOKS(t, "ORA-01017", KB_TOK_QUERY, "ora 1017");
    CHECK_TOKS(t, "KB2918614", KB_TOK_QUERY, "kb 2918614");
    CHECK_TOKS(t, "0x800CCC0E", KB_TOK_QUERY, "0x800ccc0e");
    CHECK_TOKS(t, "192.168.1.10", KB_TOK_QUERY, "192 168 1 10");
    CHECK_TOKS(t, "E_ACCESSDENIED", KB_TOK_QUERY, "e accessdeni");
    CHECK_TOKS(t, "C:\\Windows\\System32", KB_TOK_QUERY, "c window system 32");
    CHECK_TOKS(t, "HTTP 503", KB_TOK_QUERY, "http 503");
    /* A trailing dot is no connector. */
    CHECK_TOKS(t, "192.168.1.10.", KB_TOK_QUERY, "192 168 1 10");

    /* Code variants. Every letter/digit change splits, so separators are optional: each
     * spelling gives the same parts at consecutive positions. */
    CHECK_TOKS(t, "13.A2.D4", KB_TOK_DOCUMENT, "13 a 2 d 4");
    CHECK_TOKS(t, "13A2D4", KB_TOK_DOCUMENT, "13 a 2 d 4");
    CHECK_TOKS(t, "13a2d4", KB_TOK_QUERY, "13 a 2 d 4");
    CHECK_TOKS(t, "13.A2.D4", KB_TOK_QUERY, "13 a 2 d 4");
    CHECK_TOKS(t, "kb5034441", KB_TOK_QUERY, "kb 5034441");
    CHECK_TOKS(t, "KB 5034441", KB_TOK_QUERY, "kb 5034441");
    CHECK_TOKS(t, "KB-5034441", KB_TOK_QUERY, "kb 5034441");
    CHECK_TOKS(t, "M404dn", KB_TOK_QUERY, "m 404 dn");
    /* A hash or blob (more than 7 changes) stays one token. */
    CHECK_TOKS(t, "d41d8cd98f00b204", KB_TOK_QUERY, "d41d8cd98f00b204");
    /* Hex literals stay whole; without leading zeros colocated, and so searched. */
    CHECK_TOKS(t, "0x0000007B", KB_TOK_DOCUMENT, "0x0000007b +0x7b");
    CHECK_TOKS(t, "0x0000007B", KB_TOK_QUERY, "0x7b");
    CHECK_TOKS(t, "0x7b", KB_TOK_QUERY, "0x7b");
    CHECK_TOKS(t, "0x7B", KB_TOK_DOCUMENT, "0x7b");
    CHECK_TOKS(t, "0x00000000", KB_TOK_QUERY, "0x0");
    CHECK_TOKS(t, "0xFFFF", KB_TOK_QUERY, "0xffff");
    CHECK_TOKS(t, "STOP:0x0000007B", KB_TOK_QUERY, "stop 0x7b");
    CHECK_TOKS(t, "0x0000007B", KB_TOK_QUERY | KB_TOK_PREFIX, "0x0000007b");
    /* Error numbers without leading zeros: alone, or after a word of 2+ letters. */
    CHECK_TOKS(t, "ORA-01017", KB_TOK_DOCUMENT, "ora 01017 +1017");
    CHECK_TOKS(t, "ORA01017", KB_TOK_DOCUMENT, "ora 01017 +1017");
    CHECK_TOKS(t, "ORA-01017", KB_TOK_QUERY, "ora 1017");
    CHECK_TOKS(t, "ora01017", KB_TOK_QUERY, "ora 1017");
    CHECK_TOKS(t, "ora 1017", KB_TOK_QUERY, "ora 1017");
    CHECK_TOKS(t, "ora-1017", KB_TOK_QUERY, "ora 1017");
    CHECK_TOKS(t, "0", KB_TOK_QUERY, "0");
    CHECK_TOKS(t, "000", KB_TOK_QUERY, "0");
    CHECK_TOKS(t, "ora-010", KB_TOK_QUERY | KB_TOK_PREFIX, "ora 010");
    /* ... but not inside versions, dates, hex-like codes or after one letter. */
    CHECK_TOKS(t, "1.01", KB_TOK_QUERY, "1 01");
    CHECK_TOKS(t, "2024-01-05", KB_TOK_QUERY, "2024 01 05");
    CHECK_TOKS(t, "49.4C02", KB_TOK_QUERY, "49 4 c 02");
    CHECK_TOKS(t, "C000021A", KB_TOK_QUERY, "c 000021 a");
    /* Codes are never fuzzed: a different digit stays a different token. */
    CHECK_TOKS(t, "0x7c", KB_TOK_QUERY, "0x7c");
    CHECK_TOKS(t, "0x7B0", KB_TOK_QUERY, "0x7b0");
    CHECK_TOKS(t, "ORA-28000", KB_TOK_QUERY, "ora 28000");
    CHECK_TOKS(t, "XYZ-223", KB_TOK_QUERY, "xyz 223");
    CHECK_TOKS(t, "XYZ-0123", KB_TOK_QUERY, "xyz 123");
    /* Offsets of colocated canonical forms are the part's own. */
    kb_buf co;
    kb_buf_init(&co, 0);
    kb_tokenize(t, "x ORA-01017", strlen("x ORA-01017"), KB_TOK_DOCUMENT, on_offset, &co);
    CHECK_STR_EQ(co.data, "0-1,2-5,6-11,6-11,");
    kb_buf_free(&co);

    /* English stems: document side colocated, query side instead of the word. */
    CHECK_TOKS(t, "Printers printing", KB_TOK_DOCUMENT, "printers +printer printing +print");
    CHECK_TOKS(t, "printers", KB_TOK_QUERY, "printer");
    /* The last token of a prefix query stays as typed. */
    CHECK_TOKS(t, "printing", KB_TOK_QUERY | KB_TOK_PREFIX, "printing");
    CHECK_TOKS(t, "printers printi", KB_TOK_QUERY | KB_TOK_PREFIX, "printer printi");

    /* Raw filter tokens. */
    kb_buf f;
    kb_buf_init(&f, 0);
    kb_tokenize_filter_token(t, "tag", "Blue  Screen", &f);
    CHECK_STR_EQ(f.data, "\x1ftag=blue_screen");
    CHECK_TOKS(t, f.data, KB_TOK_DOCUMENT, "tag=blue_screen");
    kb_buf_reset(&f);
    kb_tokenize_filter_token(t, "product", "印表機", &f);
    CHECK_STR_EQ(f.data, "\x1fproduct=打印机");
    kb_buf_free(&f);

    /* Offsets point into the original text, also after Traditional conversion. */
    kb_buf off;
    kb_buf_init(&off, 0);
    kb_tokenize(t, "a 卡紙", strlen("a 卡紙"), KB_TOK_QUERY, on_offset, &off);
    CHECK_STR_EQ(off.data, "0-1,2-8,");
    kb_buf_free(&off);

    /* Chinese words for the loose tier: stray single characters join a neighbour. */
    check_words(t, "打印机卡纸", "打印机|卡纸");
    check_words(t, "服务器无法连接", "服务器|无法|连接");
    check_words(t, "蓝屏", "蓝屏");

    /* Hostile input: invalid UTF-8, NUL bytes, control characters, huge tokens. */
    const char bad[] = "ab\xff\xfe cd\xe6\x89 \xf4\x90\x80\x80 ef";
    CHECK_TOKS(t, bad, KB_TOK_QUERY, "ab cd ef");
    const char nul[] = { 'a', 'b', 0, 'c', 'd' };
    collect c;
    kb_buf_init(&c.out, 0);
    c.src = "abcde";
    c.bad_offsets = 0;
    kb_tokenize(t, nul, sizeof nul, KB_TOK_DOCUMENT, on_token, &c);
    CHECK_STR_EQ(kb_buf_str(&c.out), "ab cd");
    kb_buf_free(&c.out);
    char *longw = malloc(5001);
    memset(longw, 'x', 5000);
    longw[5000] = '\0';
    char *lt = toks(t, longw, KB_TOK_DOCUMENT);
    CHECK(strlen(lt) <= 64);
    free(lt);
    free(longw);
    CHECK_TOKS(t, "", KB_TOK_DOCUMENT, "");
    CHECK_TOKS(t, "\"*()-:^", KB_TOK_QUERY, "");

    kb_tokenizer_free(t);
    return CHECK_DONE("test_tokenize");
}
