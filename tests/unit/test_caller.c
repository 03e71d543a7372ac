/* The caller directory: checks, create and update with duplicate numbers and e-mails in any
 * spelling, audit entries, searches by name (Traditional, pinyin) and by part of a number,
 * a caller's incidents, the export columns and the CSV import (UTF-8 with a BOM, GBK, bad
 * rows with their lines, idempotence, bounds). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "fixture.h"
#include "kb_audit.h"
#include "kb_caller.h"
#include "kb_incident.h"
#include "kb_store.h"

#define T0 1767225600LL /* 2026-01-01T00:00:00Z */

static long long create(kb_store *s, const char *name, const char *p1, const char *p2,
                        const char *email)
{
    const char *phones[] = { p1, p2 };
    kb_caller_in in = { .name = name, .phones = phones, .nphones = p2 ? 2 : p1 ? 1 : 0,
                        .email = email, .department = "财务部", .location = "3F",
                        .actor = "agent1", .vip = -1 };
    kb_caller *c = NULL;
    kb_err err;
    kb_status rc = kb_caller_create(s, &in, T0, &c, &err);
    if (rc != KB_OK)
        fprintf(stderr, "create %s: %s\n", name, err.msg);
    CHECK_INT_EQ(rc, KB_OK);
    long long id = c ? c->id : 0;
    kb_caller_free(c);
    return id;
}

/* The ids found by q, joined by commas, and the total. */
static char *found(kb_store *s, const char *q, size_t limit, size_t offset, long long *total)
{
    kb_caller_filter f = { .q = q, .limit = limit, .offset = offset };
    kb_caller_list *l = NULL;
    kb_err err;
    kb_status rc = kb_caller_search(s, &f, &l, &err);
    CHECK_INT_EQ(rc, KB_OK);
    kb_buf b;
    kb_buf_init(&b, 0);
    for (size_t i = 0; l && i < l->n; i++)
        kb_buf_addf(&b, "%s%lld", i ? "," : "", l->items[i]->id);
    if (total)
        *total = l ? l->total : -1;
    kb_caller_list_free(l);
    return kb_buf_detach(&b, NULL);
}

static void check_found(kb_store *s, const char *q, const char *want)
{
    char *got = found(s, q, 0, 0, NULL);
    if (strcmp(got, want) != 0)
        fprintf(stderr, "search '%s': got '%s', want '%s'\n", q, got, want);
    CHECK_STR_EQ(got, want);
    free(got);
}

static void test_checks(void)
{
    kb_err err;
    char longs[300];
    memset(longs, 'x', sizeof longs - 1);
    longs[sizeof longs - 1] = '\0';
    const char *eleven[11] = { "13800000001", "13800000002", "13800000003", "13800000004",
                               "13800000005", "13800000006", "13800000007", "13800000008",
                               "13800000009", "13800000010", "13800000011" };
    const char *twice[] = { "+86 138-0013 8000", "13800138000" };
    const char *bad_phone[] = { "call me" };
    const struct {
        kb_caller_in in;
        int creating;
        const char *msg;
    } cases[] = {
        { { .vip = -1 }, 1, "'name' is required" },
        { { .name = "  ", .vip = -1 }, 1, "'name' must not be empty" },
        { { .name = "  ", .vip = -1 }, 0, "'name' must not be empty" },
        { { .name = longs, .vip = -1 }, 1, "'name' is longer than 200" },
        { { .name = "a\nb", .vip = -1 }, 1, "control characters" },
        { { .name = "张伟", .email = "not-mail", .vip = -1 }, 1, "'email' must be" },
        { { .name = "张伟", .email = "a@b", .vip = -1 }, 1, "'email' must be" },
        { { .name = "张伟", .email = "a b@c.cn", .vip = -1 }, 1, "'email' must be" },
        { { .name = "张伟", .department = longs, .vip = -1 }, 1, "'department' is longer" },
        { { .name = "张伟", .phones = eleven, .nphones = 11, .vip = -1 }, 1, "more than 10" },
        { { .name = "张伟", .phones = twice, .nphones = 2, .vip = -1 }, 1,
          "'phones[1]' is the same number as phones[0]" },
        { { .name = "张伟", .phones = bad_phone, .nphones = 1, .vip = -1 }, 1, "'phones[0]'" },
        { { .name = "张伟", .vip = 2 }, 1, "'vip'" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        kb_err_clear(&err);
        CHECK_INT_EQ(kb_caller_check(&cases[i].in, cases[i].creating, &err), KB_EINVAL);
        if (!strstr(err.msg, cases[i].msg))
            fprintf(stderr, "case %zu: message '%s'\n", i, err.msg);
        CHECK(strstr(err.msg, cases[i].msg) != NULL);
    }
    kb_caller_in ok = { .name = "张伟", .email = "zhang.wei@example.com", .phones = twice,
                        .nphones = 1, .vip = 1, .notes = "two\nlines" };
    CHECK_INT_EQ(kb_caller_check(&ok, 1, &err), KB_OK);
    kb_caller_in none = { .vip = -1 }; /* an update that gives nothing */
    CHECK_INT_EQ(kb_caller_check(&none, 0, &err), KB_OK);
    ok.email = "";
    CHECK_INT_EQ(kb_caller_check(&ok, 1, &err), KB_OK);
}

static void test_columns(void)
{
    const struct {
        const char *h;
        kb_caller_column c;
    } cases[] = {
        { "姓名", KB_CALLER_COL_NAME },        { "Name", KB_CALLER_COL_NAME },
        { "DisplayName", KB_CALLER_COL_NAME }, { "display_name", KB_CALLER_COL_NAME },
        { "手机", KB_CALLER_COL_MOBILE },      { "Mobile Phone", KB_CALLER_COL_MOBILE },
        { "电话", KB_CALLER_COL_PHONE },       { "座机", KB_CALLER_COL_PHONE },
        { "telephoneNumber", KB_CALLER_COL_PHONE }, { "邮箱", KB_CALLER_COL_EMAIL },
        { "E-mail", KB_CALLER_COL_EMAIL },     { "mail", KB_CALLER_COL_EMAIL },
        { "部门", KB_CALLER_COL_DEPARTMENT },  { "Department", KB_CALLER_COL_DEPARTMENT },
        { "地点", KB_CALLER_COL_LOCATION },    { "physicalDeliveryOfficeName",
                                                KB_CALLER_COL_LOCATION },
        { "VIP", KB_CALLER_COL_VIP },          { "备注", KB_CALLER_COL_NOTES },
        { " 姓名 ", KB_CALLER_COL_NAME },      { "\xef\xbb\xbf姓名", KB_CALLER_COL_NAME },
        { "\xe3\x80\x80部门\xe3\x80\x80", KB_CALLER_COL_DEPARTMENT },
        { "职务", KB_CALLER_COL_NONE },        { "", KB_CALLER_COL_NONE },
        { "个人邮箱", KB_CALLER_COL_NONE },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        if (kb_caller_column_of(cases[i].h) != cases[i].c)
            fprintf(stderr, "column '%s'\n", cases[i].h);
        CHECK_INT_EQ(kb_caller_column_of(cases[i].h), cases[i].c);
    }
}

static void join_piece(void *ctx, const char *phone)
{
    kb_buf *b = ctx;
    kb_buf_addf(b, "[%s]", phone);
}

static void check_split(const char *cell, const char *want)
{
    kb_buf b;
    kb_buf_init(&b, 0);
    kb_caller_split_phones(cell, join_piece, &b);
    CHECK_STR_EQ(kb_buf_str(&b), want);
    kb_buf_free(&b);
}

static void test_split(void)
{
    check_split("13800138000", "[13800138000]");
    check_split(" 13800138000 ; 010-65529988 ", "[13800138000][010-65529988]");
    check_split("13800138000、13900139000|(010) 6552 9988", "[13800138000][13900139000][(010) 6552 9988]");
    check_split("13800138000,13900139000", "[13800138000][13900139000]");
    check_split("13800138000 / 13900139000", "[13800138000][13900139000]");
    check_split("010-65529988,123", "[010-65529988,123]"); /* a comma before an extension */
    check_split("13800138000\n13900139000", "[13800138000][13900139000]");
    check_split("", "");
    check_split(" ; ", "");
}

static void test_directory(kb_store *s)
{
    kb_err err;
    long long zhang = create(s, "张伟", "+86 138-0013 8000", "(010) 65529988 转 123",
                             "Zhang.Wei@Example.com");
    long long li = create(s, "李雷", "139 0000 2222", NULL, "lilei@example.com");
    long long han = create(s, "韩梅梅", NULL, NULL, "hmm@example.com");
    long long mike = create(s, "Mike Chan", "+1 415 555 0100", NULL, NULL);
    CHECK(zhang > 0 && li > zhang && han > li && mike > han);

    /* the same number in another spelling, the same e-mail in another case: refused,
     * naming the caller who has it */
    const char *same[] = { "0086 13800138000" };
    kb_caller_in dup = { .name = "前台总机", .phones = same, .nphones = 1, .vip = -1 };
    kb_err_clear(&err);
    CHECK_INT_EQ(kb_caller_create(s, &dup, T0, NULL, &err), KB_EEXIST);
    CHECK(strstr(err.msg, "'0086 13800138000'") && strstr(err.msg, "张伟"));
    const char *ext[] = { "010-65529988-123" };
    dup.phones = ext;
    CHECK_INT_EQ(kb_caller_create(s, &dup, T0, NULL, &err), KB_EEXIST);
    dup.nphones = 0;
    dup.email = "zhang.wei@example.COM";
    CHECK_INT_EQ(kb_caller_create(s, &dup, T0, NULL, &err), KB_EEXIST);
    CHECK(strstr(err.msg, "e-mail") != NULL);
    /* the same landline without the extension is another number */
    const char *desk[] = { "010-6552 9988" };
    dup.email = NULL;
    dup.phones = desk;
    dup.nphones = 1;
    long long front = 0;
    kb_caller *c = NULL;
    CHECK_INT_EQ(kb_caller_create(s, &dup, T0, &c, &err), KB_OK);
    front = c ? c->id : 0;
    CHECK(c && c->nphones == 1 && strcmp(c->phones_norm[0], "01065529988") == 0);
    kb_caller_free(c);

    /* get: as typed and canonical, in order */
    CHECK_INT_EQ(kb_caller_get(s, zhang, &c, &err), KB_OK);
    CHECK(c && c->nphones == 2);
    if (c && c->nphones == 2) {
        CHECK_STR_EQ(c->phones[0], "+86 138-0013 8000");
        CHECK_STR_EQ(c->phones_norm[0], "13800138000");
        CHECK_STR_EQ(c->phones_norm[1], "01065529988x123");
        CHECK_STR_EQ(c->created_by, "agent1");
        CHECK_INT_EQ(c->vip, 0);
    }
    kb_caller_free(c);
    CHECK_INT_EQ(kb_caller_get(s, 99999, &c, &err), KB_ENOTFOUND);
    CHECK(c == NULL);

    /* update: a change is written and audited; the same values change nothing */
    const char *newp[] = { "13800138000", "13700137000" };
    kb_caller_in up = { .phones = newp, .nphones = 2, .set_phones = 1, .vip = 1,
                        .location = "5F 东区", .actor = "eng1" };
    int changed = -1;
    CHECK_INT_EQ(kb_caller_update(s, zhang, &up, T0 + 60, &c, &changed, &err), KB_OK);
    CHECK_INT_EQ(changed, 1);
    CHECK(c && c->vip == 1 && c->nphones == 2 && strcmp(c->location, "5F 东区") == 0 &&
          strcmp(c->updated_by, "eng1") == 0 && c->updated_at == T0 + 60 &&
          c->created_at == T0);
    kb_caller_free(c);
    CHECK_INT_EQ(kb_caller_update(s, zhang, &up, T0 + 120, NULL, &changed, &err), KB_OK);
    CHECK_INT_EQ(changed, 0);
    CHECK_INT_EQ(kb_caller_get(s, zhang, &c, &err), KB_OK);
    CHECK(c && c->updated_at == T0 + 60);
    kb_caller_free(c);
    /* a number of another caller; an unknown id; a bad field */
    const char *lis[] = { "13900002222" };
    kb_caller_in steal = { .phones = lis, .nphones = 1, .set_phones = 1, .vip = -1 };
    CHECK_INT_EQ(kb_caller_update(s, zhang, &steal, T0, NULL, NULL, &err), KB_EEXIST);
    CHECK(strstr(err.msg, "李雷") != NULL);
    CHECK_INT_EQ(kb_caller_update(s, 99999, &up, T0, NULL, NULL, &err), KB_ENOTFOUND);
    kb_caller_in empty_name = { .name = "", .vip = -1 };
    CHECK_INT_EQ(kb_caller_update(s, zhang, &empty_name, T0, NULL, NULL, &err), KB_EINVAL);
    /* the old number 010 65529988-123 is free again */
    long long id = -1;
    CHECK_INT_EQ(kb_caller_find(s, "010-65529988 ext 123", NULL, &id, &err), KB_OK);
    CHECK_INT_EQ(id, 0);
    CHECK_INT_EQ(kb_caller_find(s, "+86 137 0013 7000", NULL, &id, &err), KB_OK);
    CHECK_INT_EQ(id, zhang);
    CHECK_INT_EQ(kb_caller_find(s, NULL, "LILEI@example.com", &id, &err), KB_OK);
    CHECK_INT_EQ(id, li);

    /* audited: create and update, never the update that changed nothing */
    kb_audit_filter af = { .object = "caller:" };
    kb_audit_page *p = NULL;
    CHECK_INT_EQ(kb_audit_list(s, &af, &p, &err), KB_OK);
    CHECK(p && p->total == 6);
    if (p && p->n) {
        CHECK_STR_EQ(p->items[0].action, "caller.update");
        CHECK_STR_EQ(p->items[0].actor, "eng1");
        CHECK(strstr(p->items[0].summary, "vip yes") != NULL);
        CHECK(strstr(p->items[0].summary, "location 3F→5F 东区") != NULL);
    }
    kb_audit_page_free(p);

    /* searches: names (Traditional finds Simplified, pinyin, initials), e-mail, numbers */
    char want[64];
    snprintf(want, sizeof want, "%lld", zhang);
    check_found(s, "张伟", want);
    check_found(s, "張偉", want);
    check_found(s, " 张 伟 ", want);
    check_found(s, "zhangwei", want);
    check_found(s, "zhang", want);
    check_found(s, "ZW", want);
    check_found(s, "zhang.wei@", want);
    check_found(s, "+86 138-0013 8000", want);
    check_found(s, "0086 13800138000", want);
    check_found(s, "138 0013 8000", want);
    check_found(s, "0013 8000", want);
    check_found(s, "13700137000", want);
    snprintf(want, sizeof want, "%lld", mike);
    check_found(s, "mike", want);
    check_found(s, "555 0100", want);
    snprintf(want, sizeof want, "%lld", front);
    check_found(s, "(010) 6552-9988", want);
    check_found(s, "65529988", want);
    check_found(s, "王", "");
    check_found(s, "999999", "");
    check_found(s, "   ", "");
    snprintf(want, sizeof want, "%lld", han);
    check_found(s, "梅", want);
    check_found(s, "hmm", want);
    /* every caller, by name; paging */
    long long total = 0;
    char *all = found(s, NULL, 0, 0, &total);
    CHECK_INT_EQ(total, 5);
    free(all);
    char *page = found(s, "", 2, 1, &total);
    CHECK_INT_EQ(total, 5);
    CHECK(strchr(page, ',') != NULL && strchr(strchr(page, ',') + 1, ',') == NULL);
    free(page);
    char longq[300];
    memset(longq, 'a', sizeof longq - 1);
    longq[sizeof longq - 1] = '\0';
    kb_caller_filter lf = { .q = longq };
    kb_caller_list *l = NULL;
    CHECK_INT_EQ(kb_caller_search(s, &lf, &l, &err), KB_EINVAL);
    CHECK(l == NULL);

    /* a caller's incidents: by any spelling of a number, or by name without a number */
    const char *spell[] = { "13800138000", "+86 137-0013-7000", "", "13900002222" };
    const char *who[] = { "张伟", "张伟", "张伟", "李雷" };
    for (int i = 0; i < 4; i++) {
        kb_inc_create in = { .caller_name = who[i], .caller_phone = spell[i],
                             .channel = "phone", .category = "printer", .summary = "打印机卡纸",
                             .priority = 3, .actor = "agent1" };
        kb_incident *inc = NULL;
        CHECK_INT_EQ(kb_incident_create(s, &in, T0 + 100 + i, &inc, &err), KB_OK);
        if (i == 0 && inc) {
            kb_inc_resolve r = { .actor = "agent1", .resolution = "换纸" };
            CHECK_INT_EQ(kb_incident_resolve(s, inc->number, &r, T0 + 200, NULL, &err), KB_OK);
        }
        kb_incident_free(inc);
    }
    CHECK_INT_EQ(kb_caller_get(s, zhang, &c, &err), KB_OK);
    kb_caller_history *h = NULL;
    CHECK_INT_EQ(kb_caller_history_get(s, c, &h, &err), KB_OK);
    CHECK(h && h->nopen == 2 && h->nrecent == 1);
    if (h && h->nopen == 2 && h->nrecent == 1) {
        CHECK(h->open[0].created_at > h->open[1].created_at); /* newest first */
        CHECK_STR_EQ(h->recent[0].status, "resolved");
        CHECK_STR_EQ(h->recent[0].caller_phone, "13800138000");
        CHECK(h->recent[0].resolved_at == T0 + 200);
    }
    kb_caller_history_free(h);
    kb_caller_free(c);
}

/* Imports text as a file; returns the status, *out the report (freed by the caller). */
static kb_status import(kb_store *s, const char *text, size_t len, kb_caller_import_report **out,
                        kb_err *err)
{
    return kb_caller_import(s, text, len, NULL, "adm1", "callers.csv", T0 + 3600, out, err);
}

static void test_import(kb_store *s)
{
    kb_err err;
    kb_caller_import_report *r = NULL;
    /* WeCom's columns in UTF-8 with a BOM; line 4 has a quoted line break in the notes,
     * line 6 is blank, line 7 a bad phone, line 8 no name, line 9 neither phone nor
     * e-mail, line 10 too many cells, line 11 the number of line 2 again, line 12 a bad
     * VIP cell */
    const char wecom[] =
        "\xef\xbb\xbf姓名,帐号,职务,部门,手机,座机,邮箱,地址,VIP,备注\r\n"
        "王芳,wangfang,会计,财务部,13811112222,010-65529988-201,wangfang@example.com,3F,是,\r\n"
        "赵强,zhaoqiang,工程师,研发部,+86 139 1111 3333,,zhaoqiang@example.com,5F,否,\r\n"
        "孙丽,sunli,经理,人事部,13711114444,,,2F,,\"常来电\n请耐心\"\r\n"
        "\r\n"
        "钱七,qianqi,,,call me,,,,,\r\n"
        ",nobody,,,13611115555,,,,,\r\n"
        "周八,zhouba,,,,,,,,\r\n"
        "吴九,wujiu,,,13511116666,,,,,,extra\r\n"
        "王芳二,wf2,,,138 1111 2222,,,,,\r\n"
        "郑十,zhengshi,,,13411117777,,,,maybe,\r\n";
    CHECK_INT_EQ(import(s, wecom, sizeof wecom - 1, &r, &err), KB_OK);
    if (r) {
        CHECK_STR_EQ(r->charset, "UTF-8");
        CHECK_INT_EQ(r->rows, 9);
        CHECK_INT_EQ(r->added, 3);
        CHECK_INT_EQ(r->updated, 0);
        CHECK_INT_EQ(r->unchanged, 0);
        CHECK_INT_EQ(r->failed, 6);
        CHECK_INT_EQ(r->nproblems, 6);
        size_t lines[] = { 7, 8, 9, 10, 11, 12 };
        for (size_t i = 0; i < 6 && i < r->nproblems; i++) {
            if (r->problems[i].line != lines[i])
                fprintf(stderr, "line %zu: %s\n", r->problems[i].line, r->problems[i].msg);
            CHECK_INT_EQ(r->problems[i].line, lines[i]);
        }
        CHECK(strstr(r->columns, "姓名=name") && strstr(r->columns, "职务=-") &&
              strstr(r->columns, "座机=phone"));
    }
    kb_caller_import_report_free(r);
    long long id = 0;
    CHECK_INT_EQ(kb_caller_find(s, "010 6552 9988 转 201", NULL, &id, &err), KB_OK);
    kb_caller *c = NULL;
    CHECK(id > 0 && kb_caller_get(s, id, &c, &err) == KB_OK);
    CHECK(c && strcmp(c->name, "王芳") == 0 && c->vip == 1 && c->nphones == 2 &&
          strcmp(c->department, "财务部") == 0 && strcmp(c->created_by, "adm1") == 0);
    kb_caller_free(c);
    CHECK_INT_EQ(kb_caller_find(s, "13711114444", NULL, &id, &err), KB_OK);
    CHECK(id > 0 && kb_caller_get(s, id, &c, &err) == KB_OK);
    CHECK(c && strcmp(c->notes, "常来电\n请耐心") == 0);
    kb_caller_free(c);

    /* the same file again changes nothing, and audits nothing */
    kb_audit_filter af = { .object = "" };
    kb_audit_page *p = NULL;
    CHECK_INT_EQ(kb_audit_list(s, &af, &p, &err), KB_OK);
    long long before = p ? p->total : -1;
    kb_audit_page_free(p);
    CHECK_INT_EQ(import(s, wecom, sizeof wecom - 1, &r, &err), KB_OK);
    CHECK(r && r->added == 0 && r->updated == 0 && r->unchanged == 3 && r->failed == 6);
    kb_caller_import_report_free(r);
    CHECK_INT_EQ(kb_audit_list(s, &af, &p, &err), KB_OK);
    CHECK(p && p->total == before);
    kb_audit_page_free(p);

    /* AD's columns: matched by e-mail, a new number added and a field changed; a new
     * caller; a row whose number and e-mail are two different callers */
    const char ad_utf8[] = "Name,mail,telephoneNumber,department,physicalDeliveryOfficeName\r\n"
                           "王芳,WangFang@example.com,010-6552 0000,财务部,4F\r\n"
                           "冯一,fengyi@example.com,010-6552 1111,行政部,1F\r\n"
                           "赵强,wangfang@example.com,13911113333,研发部,5F\r\n";
    CHECK_INT_EQ(import(s, ad_utf8, sizeof ad_utf8 - 1, &r, &err), KB_OK);
    if (r) {
        CHECK_INT_EQ(r->added, 1);
        CHECK_INT_EQ(r->updated, 1);
        CHECK_INT_EQ(r->failed, 1);
        CHECK(r->nproblems == 1 && r->problems[0].line == 4 &&
              strstr(r->problems[0].msg, "e-mail") != NULL);
    }
    kb_caller_import_report_free(r);
    CHECK_INT_EQ(kb_caller_find(s, NULL, "wangfang@example.com", &id, &err), KB_OK);
    CHECK(id > 0 && kb_caller_get(s, id, &c, &err) == KB_OK);
    CHECK(c && c->nphones == 3 && strcmp(c->location, "4F") == 0);
    kb_caller_free(c);

    /* GBK (姓名,手机,部门 / 冯二,13322224444,行政部), found out without being told */
    const char gbk[] = "\xd0\xd5\xc3\xfb,\xca\xd6\xbb\xfa,\xb2\xbf\xc3\xc5\r\n"
                       "\xb7\xeb\xb6\xfe,13322224444,\xd0\xd0\xd5\xfe\xb2\xbf\r\n";
    CHECK_INT_EQ(import(s, gbk, sizeof gbk - 1, &r, &err), KB_OK);
    CHECK(r && r->added == 1 && r->failed == 0 && strcmp(r->charset, "GB18030") == 0);
    kb_caller_import_report_free(r);
    CHECK_INT_EQ(kb_caller_find(s, "133 2222 4444", NULL, &id, &err), KB_OK);
    CHECK(id > 0 && kb_caller_get(s, id, &c, &err) == KB_OK);
    CHECK(c && strcmp(c->name, "冯二") == 0 && strcmp(c->department, "行政部") == 0);
    kb_caller_free(c);

    /* whole-file errors: nothing is imported */
    const char *bad[] = { "", "部门,地点\r\n财务部,3F\r\n", "姓名,部门\r\n王芳,财务部\r\n",
                          "\xff\xfe\x80" };
    kb_status want[] = { KB_EINVAL, KB_EINVAL, KB_EINVAL, KB_EPARSE };
    for (size_t i = 0; i < 4; i++) {
        r = NULL;
        kb_err_clear(&err);
        CHECK_INT_EQ(import(s, bad[i], strlen(bad[i]), &r, &err), want[i]);
        CHECK(r == NULL && err.msg[0]);
    }
    kb_buf many;
    kb_buf_init(&many, 0);
    kb_buf_adds(&many, "name,mobile\n");
    for (unsigned i = 0; i <= KB_CALLER_IMPORT_MAX_ROWS; i++)
        kb_buf_addf(&many, "n%u,1%010u\n", i, i);
    CHECK_INT_EQ(import(s, many.data, many.len, &r, &err), KB_ETOOBIG);
    CHECK(strstr(err.msg, "rows") != NULL);
    kb_buf_free(&many);
    CHECK_INT_EQ(kb_caller_find(s, "10000000001", NULL, &id, &err), KB_OK);
    CHECK_INT_EQ(id, 0);
}

int main(void)
{
    test_checks();
    test_columns();
    test_split();
    fixture fx;
    if (fixture_open(&fx, "caller") != 0)
        return CHECK_DONE("test_caller");
    test_directory(fx.s);
    test_import(fx.s);
    fixture_close(&fx);
    return CHECK_DONE("test_caller");
}
