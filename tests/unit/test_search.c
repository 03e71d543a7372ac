/* Store and search end to end on a real SQLite file: ranking, tiers, filters, typos,
 * synonyms, snippets, updates and deletes keeping the index exact, hostile queries. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "fixture.h"
#include "kb_doc.h"
#include "kb_search.h"
#include "kb_store.h"

static void put(kb_store *s, const char *id, const char *type, const char *status,
                const char *title, const char *symptom, const char *workaround,
                const char *text, const char *tags)
{
    kb_doc *d = fixture_doc(id, type, status, title);
    kb_doc_set(&d->symptom, symptom, strlen(symptom));
    kb_doc_set(&d->workaround, workaround, strlen(workaround));
    kb_doc_set(&d->text, text, strlen(text));
    if (tags) {
        kb_field *f = kb_doc_add_field(d, "tags", 1);
        kb_field_add_val(f, tags, strlen(tags));
    }
    CHECK_INT_EQ(fixture_put(s, d), KB_OK);
}

static kb_search_result *search(kb_store *s, const char *q, const char *type,
                                const char *status)
{
    kb_search_opts o = { .q = q, .type = type, .status = status, .limit = 10 };
    kb_search_result *r = NULL;
    kb_err err;
    kb_status rc = kb_search_run(s, &o, &r, &err);
    if (rc != KB_OK)
        fprintf(stderr, "search '%s': %s\n", q, err.msg);
    CHECK_INT_EQ(rc, KB_OK);
    return r;
}

/* Position of id in the hits, or -1. */
static int rank_of(const kb_search_result *r, const char *id)
{
    for (size_t i = 0; r && i < r->nhits; i++)
        if (strcmp(r->hits[i].id, id) == 0)
            return (int)i;
    return -1;
}

#define EXPECT_FIRST(s, q, want)                                                               \
    do {                                                                                       \
        kb_search_result *r_ = search((s), (q), NULL, NULL);                                   \
        CHECK(r_ && r_->nhits > 0);                                                            \
        if (r_ && r_->nhits)                                                                   \
            CHECK_STR_EQ(r_->hits[0].id, (want));                                              \
        kb_search_result_free(r_);                                                             \
    } while (0)

#define EXPECT_FOUND(s, q, want, yes)                                                          \
    do {                                                                                       \
        kb_search_result *r_ = search((s), (q), NULL, NULL);                                   \
        CHECK((rank_of(r_, (want)) >= 0) == (yes));                                              \
        kb_search_result_free(r_);                                                             \
    } while (0)

int main(void)
{
    fixture fx;
    if (fixture_open(&fx, "search") != 0)
        return CHECK_DONE("test_search");
    kb_store *s = fx.s; /* this test closes and reopens it itself */
    fx.s = NULL;
    const char *path = fx.path;
    kb_err err;

    CHECK_INT_EQ(kb_store_begin(s, &err), KB_OK);
    put(s, "KE-1", "known_error", "published", "HP 打印机卡纸",
        "打印时提示打印机卡纸 13.A2.D4，取出纸张后仍然报错 <script>alert(1)</script>",
        "1. 关闭打印机，取出残纸。2. 换用干燥纸张。", "进纸辊老化。", "打印机");
    /* the same characters, scattered */
    put(s, "ART-1", "article", "published", "办公设备常见问题",
        "打印机偶尔报错", "联系服务台", "复印机卡住时，先取出纸张，检查纸盒是否卡纸。打印机驱动也要更新。",
        NULL);
    put(s, "KE-2", "known_error", "published", "Outlook 报错 0x800CCC0E 无法连接服务器",
        "Outlook 发送邮件时报错 0x800CCC0E", "检查 SMTP 端口 465 是否被拦截", "", "outlook");
    put(s, "KE-3", "known_error", "retired", "KB2918614 更新后 MSI 安装失败",
        "安装 KB2918614 后 Windows Installer 报错", "卸载 KB2918614", "", NULL);
    put(s, "KE-4", "known_error", "draft", "Printers go offline after sleep",
        "All printers show offline after the PC wakes up", "Disable USB selective suspend",
        "", NULL);
    put(s, "TKT-1", "ticket", "closed", "用户报 Outlook 0x800CCC0E", "Outlook 报错 0x800CCC0E",
        "按 KE-2 处理", "", NULL);
    put(s, "KE-5", "known_error", "published", "ORA-01017 invalid username/password",
        "ORA-01017: invalid username/password; logon denied", "Reset the password", "",
        NULL);
    put(s, "KE-6", "known_error", "published", "服务器 192.168.1.10 IP 地址冲突",
        "C:\\Windows\\System32 下日志显示 E_ACCESSDENIED，HTTP 503", "释放 IP", "", NULL);
    put(s, "KE-7", "known_error", "published", "电脑蓝屏 0x0000007B", "开机蓝屏", "进 BIOS 改回 AHCI",
        "", NULL);
    put(s, "ART-2", "article", "published", "Printer installation guide",
        "", "", "How to install a network printer. Printing a test page.", NULL);
    put(s, "KE-8", "known_error", "published", "ORA-28000 the account is locked",
        "ORA-28000: the account is locked", "Unlock the account", "", NULL);
    put(s, "KE-9", "known_error", "published", "XYZ-123 扫描仪报错", "扫描仪面板提示 XYZ-123",
        "", "", NULL);
    put(s, "KE-10", "known_error", "published", "补丁 KB 5034441 安装失败",
        "Windows 更新 KB 5034441 报错", "", "", NULL);
    CHECK_INT_EQ(kb_store_commit(s, &err), KB_OK);
    char *g1[] = { "蓝屏", "BSOD", "blue screen", NULL };
    char *g2[] = { "打印机", "印表机", "printer", NULL };
    char **groups[] = { g1, g2 };
    CHECK_INT_EQ(kb_store_synonyms_replace(s, groups, 2, &err), KB_OK);

    /* Chinese substrings of two or more characters, and one character. */
    EXPECT_FIRST(s, "打印机卡纸", "KE-1");
    EXPECT_FIRST(s, "印表機卡紙", "KE-1");
    EXPECT_FOUND(s, "卡纸", "KE-1", 1);
    EXPECT_FOUND(s, "纸", "KE-1", 1);
    EXPECT_FOUND(s, "辊", "KE-1", 1);
    /* The contiguous phrase ranks above the scattered characters, which still match. */
    kb_search_result *r = search(s, "打印机卡纸 ", NULL, NULL);
    CHECK(rank_of(r, "KE-1") == 0);
    CHECK(rank_of(r, "ART-1") > 0);
    kb_search_result_free(r);

    /* Codes whole and by parts. */
    EXPECT_FIRST(s, "outlook 0x800ccc0e", "KE-2");
    EXPECT_FIRST(s, "0x800CCC0E", "KE-2");
    EXPECT_FIRST(s, "ORA-01017", "KE-5");
    EXPECT_FIRST(s, "ora 01017", "KE-5");
    EXPECT_FIRST(s, "01017", "KE-5");
    EXPECT_FIRST(s, "192.168.1.10", "KE-6");
    EXPECT_FIRST(s, "C:\\Windows\\System32", "KE-6");
    EXPECT_FIRST(s, "System32", "KE-6");
    EXPECT_FIRST(s, "E_ACCESSDENIED", "KE-6");
    EXPECT_FIRST(s, "HTTP 503", "KE-6");
    /* Code variants: hex with or without leading zeros, separators optional, error numbers
     * without leading zeros; phrases keep working around them. */
    EXPECT_FIRST(s, "0x7b", "KE-7");
    EXPECT_FIRST(s, "0x0000007b", "KE-7");
    EXPECT_FIRST(s, "蓝屏 0x7B", "KE-7");
    EXPECT_FIRST(s, "13a2d4", "KE-1");
    EXPECT_FIRST(s, "13A2D4", "KE-1");
    EXPECT_FIRST(s, "\"卡纸 13a2d4\"", "KE-1");
    EXPECT_FIRST(s, "ora01017", "KE-5");
    EXPECT_FIRST(s, "ora 1017", "KE-5");
    EXPECT_FIRST(s, "ora-1017", "KE-5");
    EXPECT_FIRST(s, "\"ORA-1017: invalid\"", "KE-5");
    EXPECT_FIRST(s, "kb5034441", "KE-10");
    EXPECT_FIRST(s, "KB-5034441", "KE-10");
    /* Codes are never fuzzed. */
    EXPECT_FOUND(s, "0x7c", "KE-7", 0);
    EXPECT_FOUND(s, "0x7b0", "KE-7", 0);
    EXPECT_FOUND(s, "ORA-01017", "KE-8", 0);
    EXPECT_FOUND(s, "ora 1017", "KE-8", 0);
    EXPECT_FOUND(s, "ORA-28000", "KE-5", 0);
    EXPECT_FOUND(s, "XYZ-223", "KE-9", 0);
    EXPECT_FIRST(s, "xyz123", "KE-9");
    r = search(s, "xyz-223", NULL, NULL);
    CHECK(r && !r->did_you_mean);
    kb_search_result_free(r);
    /* Snippets mark the code as written, and only the last part is a prefix. */
    r = search(s, "13a2d4", NULL, NULL);
    CHECK(r && r->nhits > 0 &&
          strstr(r->hits[0].snippet, "<mark>13</mark>.<mark>A2</mark>.<mark>D4</mark>") &&
          !strstr(r->hits[0].snippet, "<mark>alert</mark>"));
    kb_search_result_free(r);
    r = search(s, "ora 1017", NULL, NULL);
    CHECK(r && r->nhits > 0 && strstr(r->hits[0].snippet, "<mark>ORA</mark>-<mark>01017</mark>"));
    kb_search_result_free(r);

    /* Published known errors rank above tickets with the same words. */
    r = search(s, "outlook 0x800ccc0e", NULL, NULL);
    CHECK(rank_of(r, "KE-2") < rank_of(r, "TKT-1") && rank_of(r, "TKT-1") > 0);
    kb_search_result_free(r);

    /* Retired items only when asked for; drafts are found; status and type filters. */
    EXPECT_FOUND(s, "KB2918614", "KE-3", 0);
    r = search(s, "KB2918614", NULL, "retired");
    CHECK(rank_of(r, "KE-3") == 0);
    kb_search_result_free(r);
    r = search(s, "KB2918614", NULL, "any");
    CHECK(rank_of(r, "KE-3") == 0);
    kb_search_result_free(r);
    EXPECT_FOUND(s, "KB2918614 status:retired", "KE-3", 1);
    r = search(s, "outlook", "ticket", NULL);
    CHECK(r && r->nhits == 1 && rank_of(r, "TKT-1") == 0);
    kb_search_result_free(r);
    EXPECT_FOUND(s, "type:known_error outlook", "TKT-1", 0);
    EXPECT_FOUND(s, "tag:打印机", "KE-1", 1);
    EXPECT_FOUND(s, "tag:打印机", "KE-2", 0);

    /* English stemming, prefixes, exclusion, OR, phrases. */
    EXPECT_FOUND(s, "printers", "ART-2", 1);
    EXPECT_FOUND(s, "printing", "ART-2", 1);
    EXPECT_FOUND(s, "outlo", "KE-2", 1);
    EXPECT_FOUND(s, "outlook -0x800ccc0e", "KE-2", 0);
    EXPECT_FOUND(s, "蓝屏 OR ORA-01017", "KE-5", 1);
    EXPECT_FOUND(s, "蓝屏 OR ORA-01017", "KE-7", 1);
    EXPECT_FOUND(s, "\"password invalid\"", "KE-5", 0);
    EXPECT_FOUND(s, "\"invalid username\"", "KE-5", 1);

    /* Synonyms both ways. */
    EXPECT_FOUND(s, "BSOD", "KE-7", 1);
    EXPECT_FOUND(s, "blue screen", "KE-7", 1);
    EXPECT_FOUND(s, "printer 卡纸", "KE-1", 1);

    /* Typo tolerance reports what it searched for; error codes are never "corrected". */
    r = search(s, "outlok ", NULL, NULL);
    CHECK(r && r->did_you_mean && strcmp(r->did_you_mean, "outlook") == 0);
    CHECK(rank_of(r, "KE-2") >= 0);
    kb_search_result_free(r);
    r = search(s, "0x800ccc0f ", NULL, NULL);
    CHECK(r && !r->did_you_mean);
    kb_search_result_free(r);

    /* Snippets: marks around matches, everything else escaped. */
    r = search(s, "卡纸 ", NULL, NULL);
    CHECK(r && r->nhits > 0 && strstr(r->hits[0].snippet, "<mark>卡纸</mark>"));
    CHECK(r && r->nhits > 0 && strstr(r->hits[0].workaround, "取出残纸"));
    kb_search_result_free(r);
    r = search(s, "alert", NULL, NULL);
    CHECK(r && r->nhits == 1 && !strstr(r->hits[0].snippet, "<script>") &&
          strstr(r->hits[0].snippet, "&lt;script&gt;"));
    kb_search_result_free(r);

    /* Hostile input never fails. */
    const char *hostile[] = { "\"", "AND", "OR", "NOT", "-", "*", "NEAR(", "title:foo",
                              "'; DROP TABLE doc;--", "a\" OR \"b", "((((", "^x", "{a b}:c",
                              "\x01\x02\x1f", "\xff\xfe", "c++", "卡*", "-卡纸", "type:",
                              "status:\"", "\"\"\"\"", "+-+-", "*卡*纸*" };
    for (size_t i = 0; i < sizeof hostile / sizeof hostile[0]; i++) {
        r = search(s, hostile[i], NULL, NULL);
        CHECK(r != NULL);
        kb_search_result_free(r);
    }
    char *big = malloc(10241);
    for (size_t i = 0; i < 10240; i++)
        big[i] = "打印机 卡纸 outlook"[i % 22];
    big[10240] = '\0';
    r = search(s, big, NULL, NULL);
    CHECK(r != NULL);
    kb_search_result_free(r);
    free(big);
    r = search(s, "", NULL, NULL);
    CHECK(r && r->total == 0 && r->nhits == 0);
    kb_search_result_free(r);
    /* Bad options are errors, not crashes. */
    kb_search_opts bad = { .q = "x", .type = "nonsense" };
    CHECK_INT_EQ(kb_search_run(s, &bad, &r, &err), KB_EINVAL);

    /* Paging. */
    kb_search_opts p1 = { .q = "outlook", .limit = 1, .offset = 1 };
    CHECK_INT_EQ(kb_search_run(s, &p1, &r, &err), KB_OK);
    CHECK(r && r->nhits == 1 && r->total == 2);
    kb_search_result_free(r);

    /* Document frequencies are kept per term, also through updates and deletes. */
    long long df = -1;
    CHECK_INT_EQ(kb_store_term_df(s, "0x800ccc0e", 0, 0, &df, &err), KB_OK);
    CHECK_INT_EQ(df, 2);
    CHECK_INT_EQ(kb_store_term_df(s, "01017", 0, 0, &df, &err), KB_OK);
    CHECK_INT_EQ(df, 1);
    CHECK_INT_EQ(kb_store_term_df(s, "0x800", 1, 0, &df, &err), KB_OK);
    CHECK_INT_EQ(df, 2);

    /* Updates and deletes keep the index exact. */
    put(s, "KE-2", "known_error", "published", "Outlook 报错 0x800CCC0F", "新的症状", "新的方案",
        "", NULL);
    EXPECT_FOUND(s, "0x800CCC0F", "KE-2", 1);
    r = search(s, "0x800CCC0E", "known_error", NULL);
    CHECK(r && rank_of(r, "KE-2") < 0);
    kb_search_result_free(r);
    CHECK_INT_EQ(kb_store_doc_delete(s, "KE-5", &err), KB_OK);
    EXPECT_FOUND(s, "ORA-01017", "KE-5", 0);
    CHECK_INT_EQ(kb_store_doc_delete(s, "KE-5", &err), KB_ENOTFOUND);
    CHECK_INT_EQ(kb_store_check(s, &err), KB_OK);
    CHECK_INT_EQ(kb_store_term_df(s, "0x800ccc0e", 0, 0, &df, &err), KB_OK);
    CHECK_INT_EQ(df, 1);
    CHECK_INT_EQ(kb_store_term_df(s, "0x800ccc0f", 0, 0, &df, &err), KB_OK);
    CHECK_INT_EQ(df, 1);
    CHECK_INT_EQ(kb_store_term_df(s, "01017", 0, 0, &df, &err), KB_OK);
    CHECK_INT_EQ(df, 0);
    /* A write that fails inside a transaction leaves the counts as they were. */
    CHECK_INT_EQ(kb_store_begin(s, &err), KB_OK);
    put(s, "KE-9", "known_error", "published", "zzqxunique", "", "", "", NULL);
    kb_store_rollback(s);
    CHECK_INT_EQ(kb_store_term_df(s, "zzqxuniqu", 0, 0, &df, &err), KB_OK);
    CHECK_INT_EQ(df, 0);
    kb_doc *d = NULL;
    CHECK_INT_EQ(kb_store_doc_get(s, "KE-1", &d, &err), KB_OK);
    CHECK(d && strcmp(d->title, "HP 打印机卡纸") == 0 && d->nfields == 1);
    kb_doc_free(d);
    CHECK_INT_EQ(kb_store_doc_get(s, "nope", &d, &err), KB_ENOTFOUND);

    /* Completion: titles and words. */
    char **c = NULL;
    size_t nc = 0;
    CHECK_INT_EQ(kb_search_complete(s, "outl", 10, &c, &nc, &err), KB_OK);
    int found = 0;
    for (size_t i = 0; i < nc; i++)
        found |= strstr(c[i], "Outlook") != NULL;
    CHECK(found);
    kb_search_strings_free(c, nc);
    CHECK_INT_EQ(kb_search_complete(s, "\"", 10, &c, &nc, &err), KB_OK);
    kb_search_strings_free(c, nc);

    /* Results are cached per connection until the database changes, also when another
     * connection changes it. */
    kb_store *s2 = NULL;
    CHECK_INT_EQ(kb_store_open(path, KB_STORE_EXISTING, &s2, &err), KB_OK);
    r = search(s2, "zzcachecheck", NULL, NULL);
    CHECK(r && r->total == 0);
    kb_search_result_free(r);
    r = search(s2, "zzcachecheck", NULL, NULL);
    CHECK(r && r->total == 0);
    kb_search_result_free(r);
    put(s, "KE-C", "known_error", "published", "zzcachecheck", "", "", "", NULL);
    r = search(s2, "zzcachecheck", NULL, NULL);
    CHECK(r && r->total == 1 && rank_of(r, "KE-C") == 0);
    kb_search_result_free(r);
    kb_store_free(s2);

    /* Work in progress: hide_drafts leaves out draft and in-review items whatever the
     * status filter or a status: in the query asks for; the cache keeps the two apart. */
    put(s, "KE-D1", "known_error", "draft", "zzwipcheck draft", "", "", "", NULL);
    put(s, "KE-D2", "known_error", "in_review", "zzwipcheck review", "", "", "", NULL);
    put(s, "KE-D3", "known_error", "published", "zzwipcheck published", "", "", "", NULL);
    const char *const wip_q[][2] = { { "zzwipcheck", "draft" }, { "zzwipcheck", "in_review" },
                                     { "zzwipcheck", "any" }, { "zzwipcheck status:draft", NULL },
                                     { "status:draft zzwipcheck", "any" } };
    for (size_t i = 0; i < sizeof wip_q / sizeof wip_q[0]; i++) {
        for (int hide = 0; hide <= 1; hide++) {
            kb_search_opts o = { .q = wip_q[i][0], .status = wip_q[i][1], .limit = 10,
                                 .hide_drafts = hide };
            r = NULL;
            CHECK_INT_EQ(kb_search_run(s, &o, &r, &err), KB_OK);
            int drafts = (rank_of(r, "KE-D1") >= 0) + (rank_of(r, "KE-D2") >= 0);
            if (hide)
                CHECK_INT_EQ(drafts, 0);
            else
                CHECK(drafts > 0);
            kb_search_result_free(r);
        }
    }
    kb_search_opts wo = { .q = "zzwipcheck", .status = "any", .limit = 10, .hide_drafts = 1 };
    r = NULL;
    CHECK_INT_EQ(kb_search_run(s, &wo, &r, &err), KB_OK);
    CHECK(r && r->total == 1 && rank_of(r, "KE-D3") == 0);
    kb_search_result_free(r);

    /* Many more matches than a page: every one is ranked and counted, so the best item
     * comes first although it is the oldest, and skipping the rows that cannot reach the
     * top (kb_rank_floor) returns exactly what scoring every row returns, page by page. */
    {
        const size_t many = 2600;
        CHECK_INT_EQ(kb_store_begin(s, &err), KB_OK);
        char id[32], text[160];
        size_t failed = 0;
        for (size_t i = 0; i < many; i++) {
            snprintf(id, sizeof id, "TKT-M%zu", i);
            if (i == 0)
                snprintf(text, sizeof text, "zzmanyword zzmanyword zzmanyword");
            else
                snprintf(text, sizeof text, "ticket %zu about zzmanyword%s", i,
                         i % 3 ? " with more filler words around it, and some more" : "");
            kb_doc *md = fixture_doc(id, "ticket", "closed", i % 7 ? "queue" : "zzmanyword");
            kb_doc_set(&md->text, text, strlen(text));
            failed += fixture_put(s, md) != KB_OK;
        }
        CHECK_INT_EQ(failed, 0);
        CHECK_INT_EQ(kb_store_commit(s, &err), KB_OK);
        for (size_t page = 0; page < 3; page++) {
            kb_search_result *rr[2] = { NULL, NULL };
            for (int exh = 0; exh <= 1; exh++) {
                kb_search_opts mo = { .q = "zzmanyword", .limit = 10, .offset = page * 10,
                                      .exhaustive = exh };
                CHECK_INT_EQ(kb_search_run(s, &mo, &rr[exh], &err), KB_OK);
                CHECK(rr[exh] && rr[exh]->total_exact && rr[exh]->total == (long long)many &&
                      rr[exh]->nhits == 10);
            }
            for (size_t i = 0; rr[0] && rr[1] && i < rr[0]->nhits && i < rr[1]->nhits; i++)
                CHECK_STR_EQ(rr[0]->hits[i].id, rr[1]->hits[i].id);
            if (page == 0)
                CHECK(rr[0] && rank_of(rr[0], "TKT-M0") == 0);
            kb_search_result_free(rr[0]);
            kb_search_result_free(rr[1]);
        }
    }

    /* A second connection sees the same data; reopening keeps everything. */
    kb_store_free(s);
    CHECK_INT_EQ(kb_store_open(path, KB_STORE_EXISTING, &s, &err), KB_OK);
    EXPECT_FIRST(s, "打印机卡纸", "KE-1");
    kb_store_free(s);
    /* Not a database: a clear error. */
    char junk[256];
    snprintf(junk, sizeof junk, "%s/junk.db", fx.dir);
    FILE *f = fopen(junk, "w");
    fputs("this is not sqlite at all, just some text that is long enough to matter....", f);
    fclose(f);
    CHECK(kb_store_open(junk, 0, &s, &err) != KB_OK && s == NULL);
    unlink(junk);

    fixture_close(&fx);
    return CHECK_DONE("test_search");
}
