/* Query parser and FTS5 expression builder. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "kb_query.h"
#include "kb_tokenize.h"

static kb_query *parse(kb_tokenizer *t, const char *s)
{
    kb_query *q = NULL;
    kb_err err;
    CHECK_INT_EQ(kb_query_parse(t, s, strlen(s), &q, &err), KB_OK);
    return q;
}

static char *format(const kb_query *q)
{
    kb_buf b;
    kb_buf_init(&b, 0);
    kb_query_format(q, &b);
    return kb_buf_detach(&b, NULL);
}

#define CHECK_FORMAT(t, in, want)                                                              \
    do {                                                                                       \
        kb_query *q_ = parse((t), (in));                                                       \
        char *f_ = q_ ? format(q_) : NULL;                                                     \
        CHECK_STR_EQ(f_, (want));                                                              \
        free(f_);                                                                              \
        kb_query_free(q_);                                                                     \
    } while (0)

static char *build(kb_tokenizer *t, kb_synonyms *syn, const char *in, kb_tier tier, int *ns,
                   kb_status *rc)
{
    kb_query *q = parse(t, in);
    kb_buf b;
    kb_buf_init(&b, 0);
    *rc = kb_query_build(q, syn, t, tier, &b, ns);
    kb_query_free(q);
    return kb_buf_detach(&b, NULL);
}

static int contains(const char *hay, const char *needle)
{
    return hay && strstr(hay, needle) != NULL;
}

int main(void)
{
    kb_tokenizer *t = NULL;
    CHECK_INT_EQ(kb_tokenizer_new(&t, NULL), KB_OK);
    if (!t)
        return CHECK_DONE("test_query");

    /* Parsing: words, phrases, exclusions, OR, prefixes, filters. */
    CHECK_FORMAT(t, "打印机 卡纸 ", "打印机 卡纸");
    CHECK_FORMAT(t, "\"打印机 卡纸\" -蓝屏 ", "\"打印机 卡纸\" -蓝屏");
    CHECK_FORMAT(t, "vpn OR wifi ", "vpn OR wifi");
    CHECK_FORMAT(t, "outl* ", "outl*");
    CHECK_FORMAT(t, "type:known_error Printer ", "printer type:known_error");
    CHECK_FORMAT(t, "tag:\"blue screen\" x ", "x tag:blue screen");
    CHECK_FORMAT(t, "NOT vpn wifi ", "-vpn wifi");
    /* Unknown keys are text; lone operators and punctuation vanish. */
    CHECK_FORMAT(t, "title:foo ", "title:foo");
    CHECK_FORMAT(t, "AND OR NOT - * \" ( ) NEAR( ", "-\"near\"");
    CHECK_FORMAT(t, "AND OR - * ( ) NEAR( ", "near");
    CHECK_FORMAT(t, "\"unclosed phrase", "\"unclosed phrase\"");
    CHECK_FORMAT(t, "C++ v1.2 kb-5034441 ", "c v1.2 kb-5034441");
    CHECK_FORMAT(t, "a\x01\x02\x7f" "b", "a b");
    CHECK_FORMAT(t, "", "");
    /* Traditional, full-width and case fold in the query too. */
    CHECK_FORMAT(t, "印表機卡紙 ＯＲＡ－０１０１７ ", "打印机卡纸 ora-01017");

    /* Search as you type: the last bare word is a prefix while no space follows. */
    kb_query *q = parse(t, "outlook 0x800c");
    CHECK_INT_EQ(q->nitems, 2);
    CHECK_INT_EQ(q->items[1].implicit_prefix, 1);
    CHECK_INT_EQ(q->items[0].implicit_prefix, 0);
    kb_query_free(q);
    q = parse(t, "outlook ");
    CHECK_INT_EQ(q->items[0].implicit_prefix, 0);
    kb_query_free(q);

    /* A 10 KB query is cut, not refused. */
    char *big = malloc(10241);
    for (size_t i = 0; i < 10240; i++)
        big[i] = i % 7 == 6 ? ' ' : 'a' + (char)(i % 5);
    big[10240] = '\0';
    q = parse(t, big);
    CHECK(q && q->nitems == KB_QUERY_MAX_ITEMS);
    kb_query_free(q);
    free(big);

    /* Expressions: strict keeps a Chinese run as one phrase, loose splits it into words. */
    int ns = 0;
    kb_status rc;
    char *e = build(t, NULL, "打印机卡纸 ", KB_TIER_STRICT, &ns, &rc);
    CHECK_INT_EQ(rc, KB_OK);
    CHECK(contains(e, "\"打印机卡纸\""));
    CHECK(contains(e, "NOT (meta : \"\x1fstatus=retired\" OR meta : \"\x1fstatus=draft\" OR "
                      "meta : \"\x1fstatus=in_review\")"));
    CHECK_INT_EQ(ns, 1);
    free(e);
    e = build(t, NULL, "打印机卡纸 ", KB_TIER_LOOSE, &ns, &rc);
    CHECK(contains(e, "\"打印机\" AND \"卡纸\""));
    CHECK_INT_EQ(ns, 2);
    free(e);
    e = build(t, NULL, "vpn wifi ", KB_TIER_ANY, &ns, &rc);
    CHECK(contains(e, "(\"vpn\") OR (\"wifi\")"));
    free(e);
    /* One Chinese character is a prefix (it may sit inside a bigram). */
    e = build(t, NULL, "卡 ", KB_TIER_STRICT, &ns, &rc);
    CHECK(contains(e, "\"卡\" *"));
    free(e);
    /* Exclusions come after the scored phrases and are not counted. */
    e = build(t, NULL, "vpn -wifi ", KB_TIER_STRICT, &ns, &rc);
    CHECK(contains(e, "NOT (\"wifi\""));
    CHECK_INT_EQ(ns, 1);
    free(e);
    /* Filters: status:any lifts the retired exclusion; type filters fold into the match. */
    e = build(t, NULL, "vpn status:any type:article ", KB_TIER_STRICT, &ns, &rc);
    CHECK(!contains(e, "retired"));
    CHECK(contains(e, "meta : (\"\x1ftype=article\")"));
    free(e);
    /* Only filters, or only exclusions: every item of any type stands in. */
    e = build(t, NULL, "type:ticket", KB_TIER_STRICT, &ns, &rc);
    CHECK_INT_EQ(rc, KB_OK);
    CHECK_INT_EQ(ns, 0);
    CHECK(contains(e, "\x1ftype=known_error"));
    free(e);
    e = build(t, NULL, "\"\" - *", KB_TIER_STRICT, &ns, &rc);
    CHECK_INT_EQ(rc, KB_ENOTFOUND);
    free(e);
    /* Implicit prefix: exact stem or typed prefix. */
    e = build(t, NULL, "printers", KB_TIER_STRICT, &ns, &rc);
    CHECK(contains(e, "(\"printers\" OR \"printers\" *)"));
    CHECK_INT_EQ(ns, 2);
    free(e);
    /* Quotes inside values are doubled; nothing reaches FTS5 unquoted. */
    e = build(t, NULL, "tag:a\"b x", KB_TIER_STRICT, &ns, &rc);
    CHECK(!contains(e, "a\"b\""));
    free(e);

    /* Synonyms: a word expands to its group; a Chinese run gets substitutions. */
    kb_synonyms *syn = kb_synonyms_new(t);
    kb_synonyms_add(syn, t, 1, "打印机");
    kb_synonyms_add(syn, t, 1, "印表機");
    kb_synonyms_add(syn, t, 1, "Printer");
    kb_synonyms_add(syn, t, 2, "蓝屏");
    kb_synonyms_add(syn, t, 2, "BSOD");
    kb_synonyms_add(syn, t, 2, "blue screen");
    e = build(t, syn, "bsod ", KB_TIER_STRICT, &ns, &rc);
    CHECK(contains(e, "\"蓝屏\""));
    CHECK(contains(e, "\"blue screen\""));
    free(e);
    e = build(t, syn, "printers ", KB_TIER_STRICT, &ns, &rc);
    CHECK(contains(e, "\"打印机\""));
    free(e);
    e = build(t, syn, "打印机卡纸 ", KB_TIER_STRICT, &ns, &rc);
    /* 印表機 normalises to 打印机: no duplicate alternative */
    CHECK(contains(e, "(\"打印机卡纸\")") || !contains(e, "OR \"打印机卡纸\""));
    free(e);
    e = build(t, syn, "打印机卡纸 ", KB_TIER_LOOSE, &ns, &rc);
    CHECK(contains(e, "\"printer\""));
    free(e);
    kb_synonyms_free(syn);

    kb_tokenizer_free(t);
    return CHECK_DONE("test_query");
}
