/* Pinyin readings and the correction of homophone slips against a real index: what is
 * corrected, what never is (common words, grammar, codes), did_you_mean through search,
 * and bounded work on hostile queries. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check.h"
#include "fixture.h"
#include "kb_alloc.h"
#include "kb_doc.h"
#include "kb_pinyin.h"
#include "kb_query.h"
#include "kb_search.h"
#include "kb_store.h"

static void put(kb_store *s, const char *id, const char *title, const char *text)
{
    kb_doc *d = fixture_doc(id, "known_error", "published", title);
    kb_doc_set(&d->text, text, strlen(text));
    CHECK_INT_EQ(fixture_put(s, d), KB_OK);
}

/* The corrected run, "" when nothing changed, "ERROR" on failure. Caller frees. */
static char *correct(kb_store *s, const char *run)
{
    kb_buf b;
    kb_buf_init(&b, 0);
    kb_err err;
    int budget = KB_PINYIN_BUDGET;
    int rc = kb_pinyin_correct(s, run, strlen(run), &budget, &b, &err);
    CHECK(rc >= 0);
    CHECK(budget >= 0);
    char *out = kb_xstrdup(rc < 0 ? "ERROR" : rc == 1 ? kb_buf_str(&b) : "");
    kb_buf_free(&b);
    return out;
}

#define EXPECT_FIX(s, run, want)                                                               \
    do {                                                                                       \
        char *got_ = correct((s), (run));                                                      \
        CHECK_STR_EQ(got_, (want));                                                            \
        free(got_);                                                                            \
    } while (0)

static kb_search_result *search(kb_store *s, const char *q)
{
    kb_search_opts o = { .q = q, .limit = 10 };
    kb_search_result *r = NULL;
    kb_err err;
    CHECK_INT_EQ(kb_search_run(s, &o, &r, &err), KB_OK);
    return r;
}

static double cpu_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* len bytes of random characters from the CJK block, separated by spaces every sep
 * characters (0: none). */
static char *random_han(size_t len, int sep, unsigned *seed)
{
    char *q = kb_xmalloc(len + 1);
    size_t n = 0;
    int run = 0;
    while (n + 3 < len) {
        if (sep && run == sep) {
            q[n++] = ' ';
            run = 0;
            continue;
        }
        *seed = *seed * 1103515245u + 12345u;
        unsigned cp = 0x4E00 + (*seed >> 8) % 0x5200;
        q[n++] = (char)(0xE0 | (cp >> 12));
        q[n++] = (char)(0x80 | ((cp >> 6) & 0x3F));
        q[n++] = (char)(0x80 | (cp & 0x3F));
        run++;
    }
    q[n] = 0;
    return q;
}

static void test_readings(void)
{
    CHECK_STR_EQ(kb_pinyin_of_char(0x673A), "ji"); /* 机 */
    CHECK_STR_EQ(kb_pinyin_of_char(0x9E21), "ji"); /* 鸡 */
    CHECK_STR_EQ(kb_pinyin_of_char(0x5F55), "lu"); /* 录 */
    CHECK_STR_EQ(kb_pinyin_of_char(0x7EFF), "lv"); /* 绿: ü as v */
    CHECK(kb_pinyin_of_char('a') == NULL);
    CHECK(kb_pinyin_of_char(0x30D7) == NULL); /* katakana */
    CHECK(kb_pinyin_of_char(0x20000) == NULL);

    kb_buf b;
    kb_buf_init(&b, 0);
    CHECK_INT_EQ(kb_pinyin_of_text("打印机HP 卡纸", strlen("打印机HP 卡纸"), &b), KB_OK);
    CHECK_STR_EQ(kb_buf_str(&b), "da yin ji HP ka zhi");
    kb_buf_reset(&b);
    CHECK_INT_EQ(kb_pinyin_of_text("\xff登录", 7, &b), KB_OK); /* invalid byte dropped */
    CHECK_STR_EQ(kb_buf_str(&b), "deng lu");
    kb_buf_free(&b);
    kb_buf_init(&b, 4);
    CHECK_INT_EQ(kb_pinyin_of_text("网络", 6, &b), KB_ETOOBIG);
    kb_buf_free(&b);
}

int main(void)
{
    test_readings();
    fixture fx;
    if (fixture_open(&fx, "pinyin") != 0)
        return CHECK_DONE("test_pinyin");
    kb_store *s = fx.s;
    char id[32], title[128];
    /* 登录 in twelve items, 登陆 in one: the rare spelling is a slip */
    for (int i = 0; i < 12; i++) {
        snprintf(id, sizeof id, "KE-L%02d", i);
        snprintf(title, sizeof title, "ERP 登录失败 %d", i);
        put(s, id, title, "用户无法登录系统，账号被锁定。检查网络连接。");
    }
    put(s, "KE-OLD", "登陆页面", "旧的写法。");
    /* 网络 in twelve items (above), 网路 in four: both common enough, neither is changed */
    for (int i = 0; i < 4; i++) {
        snprintf(id, sizeof id, "KE-N%02d", i);
        put(s, id, "网路设定", "台湾的说法：网路。");
    }
    put(s, "KE-0001", "HP 打印机卡纸", "打印机卡纸，错误 0x0000007B。发布新版本后处理。");
    put(s, "KE-0002", "打印机脱机", "打印机显示脱机。");

    /* one character in a word no item contains */
    EXPECT_FIX(s, "打印鸡卡纸", "打印机卡纸");
    EXPECT_FIX(s, "打印鸡", "打印机");
    EXPECT_FIX(s, "网洛", "网络");
    EXPECT_FIX(s, "帐号", "账号"); /* the first character, looked up from the syllable */
    EXPECT_FIX(s, "无法登陆系统", "无法登录系统");
    /* present but ten times rarer than its homophone */
    EXPECT_FIX(s, "登陆", "登录");
    /* both characters of a pair */
    EXPECT_FIX(s, "等路", "登录");
    /* no correction: common words, a spelling used often enough, grammar, nothing near */
    EXPECT_FIX(s, "登录", "");
    EXPECT_FIX(s, "打印机卡纸", "");
    EXPECT_FIX(s, "网路", "");
    EXPECT_FIX(s, "发不出去", ""); /* 不 -> 布 would make 发布, which the index has */
    EXPECT_FIX(s, "鸡", "");
    EXPECT_FIX(s, "プリンタ", "");
    EXPECT_FIX(s, "0x7b", "");
    EXPECT_FIX(s, "\xe6\x89\x93\xff", "");

    /* through search: did_you_mean, and the item is found; codes and Latin words untouched */
    kb_search_result *r = search(s, "打印鸡卡纸");
    CHECK_STR_EQ(r->did_you_mean, "打印机卡纸");
    CHECK(r->nhits > 0 && strcmp(r->hits[0].id, "KE-0001") == 0);
    kb_search_result_free(r);
    r = search(s, "ERP 登陆");
    CHECK_STR_EQ(r->did_you_mean, "erp 登录");
    CHECK(r->total >= 12);
    kb_search_result_free(r);
    r = search(s, "0x0000007B 打印鸡");
    CHECK_STR_EQ(r->did_you_mean, "0x0000007b 打印机");
    CHECK(r->nhits > 0 && strcmp(r->hits[0].id, "KE-0001") == 0);
    kb_search_result_free(r);
    r = search(s, "打印机 脱机");
    CHECK(r->did_you_mean == NULL);
    kb_search_result_free(r);
    r = search(s, "\"打印鸡\" -登陆");
    CHECK(r->did_you_mean == NULL); /* quoted and excluded words are taken as typed */
    kb_search_result_free(r);

    /* bounded work: 4 KB of random characters as one run (too long to be a slip) and as
     * many short runs (one look-up budget for the whole query) */
    unsigned seed = 7;
    for (int sep = 0; sep <= 3; sep += 3) {
        char *q = random_han(KB_SEARCH_MAX_QUERY, sep, &seed);
        kb_query *pq = NULL;
        CHECK_INT_EQ(kb_query_parse(kb_store_tokenizer(s), q, strlen(q), &pq, NULL), KB_OK);
        double t0 = cpu_ms();
        kb_err err;
        int rc = kb_pinyin_correct_query(s, pq, &err);
        double ms = cpu_ms() - t0;
        CHECK(rc >= 0);
        if (ms > 100)
            fprintf(stderr, "4 KB random query (sep %d): %.1f ms\n", sep, ms);
        CHECK(ms < 100); /* about 1 ms in a release build */
        kb_query_free(pq);
        t0 = cpu_ms();
        r = search(s, q);
        CHECK(r != NULL);
        CHECK(cpu_ms() - t0 < 2000);
        kb_search_result_free(r);
        free(q);
    }
    /* inside a caller's transaction the correction reads it and leaves it open */
    kb_err err;
    put(s, "KE-0003", "邮件服务器", "邮件服务器无法连接。");
    CHECK_INT_EQ(kb_store_begin(s, &err), KB_OK);
    kb_query *pq = NULL;
    CHECK_INT_EQ(kb_query_parse(kb_store_tokenizer(s), "邮件服务气", 15, &pq, NULL), KB_OK);
    CHECK_INT_EQ(kb_pinyin_correct_query(s, pq, &err), 1);
    CHECK_STR_EQ(pq->items[0].segs[0].text, "邮件服务器");
    CHECK_INT_EQ(pq->items[0].segs[0].nchars, 5);
    kb_query_free(pq);
    put(s, "KE-0004", "邮件服务器证书", "证书过期。");
    CHECK_INT_EQ(kb_store_commit(s, &err), KB_OK);

    /* a run of the longest corrected length spends at most the budget it is given */
    char *q = random_han(KB_PINYIN_MAX_RUN * 3 + 1, 0, &seed);
    kb_buf b;
    kb_buf_init(&b, 0);
    int budget = 50;
    CHECK(kb_pinyin_correct(s, q, strlen(q), &budget, &b, NULL) >= 0);
    CHECK(budget >= 0 && budget < 50);
    budget = 0;
    CHECK_INT_EQ(kb_pinyin_correct(s, "打印鸡", strlen("打印鸡"), &budget, &b, NULL), 0);
    kb_buf_free(&b);
    free(q);

    fixture_close(&fx);
    return CHECK_DONE("test_pinyin");
}
