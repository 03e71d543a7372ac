/* Query understanding: stop phrases, negated complements, word cutting with a vocabulary. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "kb_understand.h"

/* A small index vocabulary: bigram -> document frequency. A prefix sums the bigrams that
 * start with it. */
static const struct {
    const char *term;
    long long df;
} vocab[] = {
    { "打印", 120 }, { "印机", 90 }, { "机卡", 6 }, { "卡纸", 40 }, { "卡顿", 10 },
    { "机器", 30 }, { "机房", 20 }, { "邮件", 70 }, { "件发", 2 }, { "发送", 30 },
    { "上网", 25 }, { "电脑", 200 }, { "脑慢", 0 }, { "开机", 30 }, { "系统", 150 },
    { "还原", 12 }, { "网络", 160 }, { "络连", 20 }, { "连接", 60 }, { "印刷", 5 },
    { "纸张", 8 }, { "无线", 50 }, { "线网", 40 }, { "文件", 80 }, { "打开", 45 },
    { "登录", 60 }, { "数据", 50 }, { "据库", 40 }, { "死", 300 }, { "死锁", 30 },
    { "死机", 40 }, { "死的", 50 }, { "网", 500 }, { "网关", 10 },
};

static long long df(void *ctx, const char *term, int prefix)
{
    (*(int *)ctx)++;
    long long n = 0;
    size_t len = strlen(term);
    for (size_t i = 0; i < sizeof vocab / sizeof vocab[0]; i++) {
        if (prefix ? strncmp(vocab[i].term, term, len) == 0 : strcmp(vocab[i].term, term) == 0)
            n += vocab[i].df;
    }
    return n;
}

typedef struct {
    char words[512];
    char dropped[512];
} seen;

static int on_word(void *ctx, const char *w, size_t len)
{
    seen *s = ctx;
    size_t n = strlen(s->words);
    if (n + len + 2 < sizeof s->words) {
        if (n)
            s->words[n++] = '|';
        memcpy(s->words + n, w, len);
        s->words[n + len] = '\0';
    }
    return 0;
}

static void on_drop(void *ctx, const char *w, kb_drop_why why)
{
    seen *s = ctx;
    size_t n = strlen(s->dropped);
    if (n + strlen(w) + 4 < sizeof s->dropped)
        snprintf(s->dropped + n, sizeof s->dropped - n, "%s%s/%d", n ? "|" : "", w, (int)why);
    else if (n + 4 < sizeof s->dropped) /* too long to keep: the reason only */
        snprintf(s->dropped + n, sizeof s->dropped - n, "|/%d", (int)why);
}

/* Cuts a CJK run (normalised first, as a query segment is). */
static seen cut(kb_tokenizer *t, const char *text, const kb_synonyms *syn)
{
    seen s = { "", "" };
    int calls = 0;
    kb_buf b;
    kb_buf_init(&b, 0);
    kb_tokenize_normalize(t, text, strlen(text), &b);
    kb_understand_cjk(t, kb_buf_str(&b), b.len, df, &calls, syn, on_word, on_drop, &s);
    kb_buf_free(&b);
    return s;
}

#define CHECK_CUT(t, text, want)                                                               \
    do {                                                                                       \
        seen s_ = cut((t), (text), NULL);                                                      \
        CHECK_STR_EQ(s_.words, (want));                                                        \
    } while (0)

static char *words_of(const kb_query *q)
{
    kb_buf b;
    kb_buf_init(&b, 0);
    for (size_t i = 0; i < q->nitems; i++) {
        if (i)
            kb_buf_addc(&b, '|');
        if (q->items[i].negated)
            kb_buf_addc(&b, '-');
        for (size_t k = 0; k < q->items[i].nsegs; k++)
            kb_buf_adds(&b, q->items[i].segs[k].text);
        if (q->items[i].implicit_prefix || q->items[i].prefix)
            kb_buf_addc(&b, '*');
    }
    return kb_buf_detach(&b, NULL);
}

static char *understand(kb_tokenizer *t, const char *text, seen *s)
{
    kb_query *q = NULL, *u = NULL;
    kb_err err;
    int calls = 0;
    if (kb_query_parse(t, text, strlen(text), &q, &err) != KB_OK)
        return NULL;
    kb_status rc = kb_understand_query(t, q, df, &calls, NULL, on_drop, s, &u);
    kb_query_free(q);
    if (rc != KB_OK)
        return NULL;
    char *w = words_of(u);
    kb_query_free(u);
    return w;
}

#define CHECK_UNDERSTAND(t, text, want)                                                        \
    do {                                                                                       \
        seen s_ = { "", "" };                                                                  \
        char *w_ = understand((t), (text), &s_);                                               \
        CHECK_STR_EQ(w_, (want));                                                              \
        free(w_);                                                                              \
    } while (0)

int main(void)
{
    kb_tokenizer *t = NULL;
    kb_err err;
    if (kb_tokenizer_new(&t, &err) != KB_OK) {
        fprintf(stderr, "tokenizer: %s\n", err.msg);
        return 1;
    }

    /* Particles and question phrases go; what is left is cut with the vocabulary. */
    CHECK_CUT(t, "打印机卡纸", "打印机|卡纸");
    CHECK_CUT(t, "打印机卡纸了怎么办", "打印机|卡纸");
    CHECK_CUT(t, "请问打印机老是卡纸怎么办", "打印机|卡纸");
    seen s = cut(t, "请问打印机卡纸了吗", NULL);
    CHECK(strstr(s.dropped, "请问/1") != NULL);
    CHECK(strstr(s.dropped, "了吗/1") != NULL || strstr(s.dropped, "了/1") != NULL);
    /* a single character joins the side it occurs with (印|机, not 机|卡) */
    CHECK_CUT(t, "打印机", "打印机");
    /* negated complements: 不了 goes and its neighbours join; a direction goes with the
     * negation and leaves the verb as a word; 不开 keeps 开 */
    CHECK_CUT(t, "上不了网", "上网");
    CHECK_CUT(t, "电脑开不了机", "电脑|开机");
    CHECK_CUT(t, "邮件发不出去", "邮件|发");
    CHECK_CUT(t, "无线网络连不上", "无线|网络|连");
    CHECK_CUT(t, "文件打不开", "文件|打开");
    /* cohesion counts a character's bigrams, not its own one-character rows (死 alone in
     * 300 rows does not make 死|锁 rare) */
    CHECK_CUT(t, "数据库死锁", "数据库|死锁");
    /* a two-character piece the index holds is one word, however ICU cuts it */
    CHECK_CUT(t, "网关", "网关");
    CHECK_CUT(t, "卡了", "卡");
    /* a word the index never saw in one piece is split so its parts can stand alone */
    CHECK_CUT(t, "电脑很慢", "电脑|慢");
    /* dictionary words that hold a particle character stay whole */
    CHECK_CUT(t, "系统还原", "系统|还原");
    /* Traditional input is normalised before it is cut */
    CHECK_CUT(t, "印表機卡紙", "打印机|卡纸");

    /* Synonym terms stay whole, whatever they hold */
    kb_synonyms *syn = kb_synonyms_new(t);
    kb_synonyms_add(syn, t, 1, "无法打印");
    kb_synonyms_add(syn, t, 1, "打不出来");
    s = cut(t, "打印机打不出来", syn);
    CHECK_STR_EQ(s.words, "打印机|打不出来");
    kb_synonyms_free(syn);

    /* Without a vocabulary single characters pair up */
    {
        seen s2 = { "", "" };
        kb_understand_cjk(t, "卡纸", strlen("卡纸"), NULL, NULL, NULL, on_word, on_drop, &s2);
        CHECK_STR_EQ(s2.words, "卡纸");
    }

    /* Stop words, English and Chinese */
    CHECK(kb_understand_is_stop("the"));
    CHECK(kb_understand_is_stop("how"));
    CHECK(kb_understand_is_stop("了"));
    CHECK(!kb_understand_is_stop("printer"));
    CHECK(!kb_understand_is_stop("打印机"));
    CHECK(!kb_understand_is_stop("0x800ccc0e"));

    /* Whole queries: each word its own item; quoted, negated and OR items as typed; the
     * prefix stays on the last word */
    CHECK_UNDERSTAND(t, "how to fix the printer", "fix|printer*");
    CHECK_UNDERSTAND(t, "Outlook邮件发不出去", "outlook|邮件|发");
    CHECK_UNDERSTAND(t, "打印机 \"卡纸了\" -蓝屏", "打印机|卡纸了|-蓝屏");
    CHECK_UNDERSTAND(t, "邮件 OR 打印机 卡纸", "邮件|打印机|卡纸");
    CHECK_UNDERSTAND(t, "ORA-01017 登录不了", "ora-01017|登录");
    CHECK_UNDERSTAND(t, "打印机 打印机卡纸", "打印机|卡纸");
    CHECK_UNDERSTAND(t, "the of and ", "");
    /* a stop word still being typed may start another word: kept, as a prefix */
    CHECK_UNDERSTAND(t, "printer in", "printer|in*");
    CHECK_UNDERSTAND(t, "printer in ", "printer");
    /* a word of an OR group is not the same word: ANDed again it stays */
    CHECK_UNDERSTAND(t, "printer OR scanner printer ", "printer|scanner|printer");

    /* Bounded: a long run of random Han characters stays within the word limit and the
     * vocabulary lookups stay bounded */
    {
        kb_buf b;
        kb_buf_init(&b, 0);
        unsigned seed = 7;
        for (int i = 0; i < 1300; i++) {
            seed = seed * 1103515245u + 12345u;
            unsigned cp = 0x4E00 + (seed >> 8) % 0x5000;
            char u8[4] = { (char)(0xE0 | (cp >> 12)), (char)(0x80 | ((cp >> 6) & 0x3F)),
                           (char)(0x80 | (cp & 0x3F)), 0 };
            kb_buf_adds(&b, u8);
        }
        seen s3 = { "", "" };
        int calls = 0;
        kb_understand_cjk(t, kb_buf_str(&b), b.len, df, &calls, NULL, on_word, on_drop, &s3);
        CHECK(calls <= 200);
        CHECK(strstr(s3.dropped, "/3") != NULL); /* the rest is reported as past the limit */
        kb_query *q = NULL, *u = NULL;
        CHECK_INT_EQ(kb_query_parse(t, kb_buf_str(&b), b.len, &q, &err), KB_OK);
        calls = 0;
        CHECK_INT_EQ(kb_understand_query(t, q, df, &calls, NULL, NULL, NULL, &u), KB_OK);
        CHECK(u && u->nitems <= KB_UNDERSTAND_MAX_WORDS);
        kb_query_free(q);
        kb_query_free(u);
        kb_buf_free(&b);
    }

    kb_tokenizer_free(t);
    return CHECK_DONE("test_understand");
}
