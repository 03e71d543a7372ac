/* The census: the header names recognised (Chinese and English, the marks exports vary
 * in), class, status and day values as exports write them, and the import: create, change,
 * re-import without change or history, matching by tag or serial (any case), an explicit
 * mapping over the defaults, bad rows with their lines, whole-file errors, a dry run that
 * changes nothing, and a campaign's found, missing and moved per department. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "fixture.h"
#include "kb_asset.h"
#include "kb_census.h"
#include "kb_store.h"

#define T0 1796284800LL /* 2026-12-03T00:00:00Z */
#define F(name) KB_CENSUS_F_##name

static void test_headers(void)
{
    for (int f = 0; f < KB_CENSUS_NFIELDS; f++)
        CHECK_INT_EQ(kb_census_field_of(kb_census_field_name(f)), f);
    CHECK(kb_census_field_name(KB_CENSUS_NFIELDS) == NULL);
    CHECK_INT_EQ(kb_census_field_of("colour"), -1);
    const struct {
        const char *h;
        int f;
    } cases[] = {
        { "资产编号", F(tag) },          { "\xef\xbb\xbf资产编号", F(tag) },
        { "  标签 ", F(tag) },           { "Asset Tag", F(tag) },
        { "ASSET_NO", F(tag) },          { "*资产编号", F(tag) },
        { "序列号", F(serial) },         { "S/N", F(serial) },
        { "Serial Number", F(serial) },  { "类别", F(class) },
        { "设备类型", F(class) },        { "品牌", F(brand) },
        { "型号", F(model) },            { "规格型号", F(model) },
        { "使用人", F(user) },           { "\xe3\x80\x80使用人\xe3\x80\x80", F(user) },
        { "部门", F(department) },       { "Dept.", F(department) },
        { "存放地点", F(location) },     { "供应商", F(supplier) },
        { "购置日期", F(purchase_date) }, { "purchase-date", F(purchase_date) },
        { "保修截止", F(warranty_end) }, { "状态", F(status) },
        { "CPU", F(cpu) },               { "内存", F(memory) },
        { "硬盘", F(disk) },             { "操作系统", F(os) },
        { "备注", F(notes) },            { "序号", -1 },
        { "编号", -1 },                  { "", -1 },
        { "数量", -1 },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int f = kb_census_field_of_header(cases[i].h);
        if (f != cases[i].f)
            fprintf(stderr, "header '%s'\n", cases[i].h);
        CHECK_INT_EQ(f, cases[i].f);
    }
    CHECK(kb_census_header_same("Asset Tag", "asset_tag"));
    CHECK(kb_census_header_same("使用者", " 使用者 "));
    CHECK(!kb_census_header_same("使用者", "使用人"));
}

static void test_values(void)
{
    CHECK_INT_EQ(kb_census_class_of("台式机"), KB_ASSET_CLASS_desktop);
    CHECK_INT_EQ(kb_census_class_of(" 笔记本电脑 "), KB_ASSET_CLASS_laptop);
    CHECK_INT_EQ(kb_census_class_of("Printer"), KB_ASSET_CLASS_printer);
    CHECK_INT_EQ(kb_census_class_of("network device"), KB_ASSET_CLASS_network_device);
    CHECK_INT_EQ(kb_census_class_of("Network-Device"), KB_ASSET_CLASS_network_device);
    CHECK_INT_EQ(kb_census_class_of("交换机"), KB_ASSET_CLASS_network_device);
    CHECK_INT_EQ(kb_census_class_of("IP电话"), KB_ASSET_CLASS_phone);
    CHECK_INT_EQ(kb_census_class_of("PC"), KB_ASSET_CLASS_desktop);
    CHECK_INT_EQ(kb_census_class_of("软件许可"), KB_ASSET_CLASS_software_licence);
    CHECK_INT_EQ(kb_census_class_of("飞船"), -1);
    CHECK_INT_EQ(kb_census_class_of(""), -1);
    CHECK_INT_EQ(kb_census_status_of("在用"), KB_ASSET_STATUS_in_use);
    CHECK_INT_EQ(kb_census_status_of("闲置"), KB_ASSET_STATUS_spare);
    CHECK_INT_EQ(kb_census_status_of("维修中"), KB_ASSET_STATUS_in_repair);
    CHECK_INT_EQ(kb_census_status_of("In Use"), KB_ASSET_STATUS_in_use);
    CHECK_INT_EQ(kb_census_status_of("已报废"), KB_ASSET_STATUS_scrapped);
    CHECK_INT_EQ(kb_census_status_of("丢失"), -1);
    const struct {
        const char *in, *out;
    } days[] = {
        { "2026-03-15", "2026-03-15" }, { "2026/3/5", "2026-03-05" },
        { " 2026.03.05 ", "2026-03-05" }, { "2026年3月5日", "2026-03-05" },
        { "2026年03月05号", "2026-03-05" }, { "20260305", "2026-03-05" },
        { "2024-02-29", "2024-02-29" }, { "2026-02-29", NULL }, { "2026-13-01", NULL },
        { "26/3/5", NULL }, { "2026-3", NULL }, { "2026-03-05x", NULL }, { "", NULL },
        { "45292", NULL }, { "2026年3月5", "2026-03-05" }, { "1899-12-31", NULL },
    };
    for (size_t i = 0; i < sizeof days / sizeof days[0]; i++) {
        char out[11] = "";
        int got = kb_census_day(days[i].in, out);
        if (got != (days[i].out != NULL))
            fprintf(stderr, "day '%s'\n", days[i].in);
        CHECK_INT_EQ(got, days[i].out != NULL);
        if (got && days[i].out)
            CHECK_STR_EQ(out, days[i].out);
    }
}

static kb_census_result *import(kb_store *s, const char *csv, long long census, int dry,
                                const char *const *map, kb_status want)
{
    kb_census_options opt;
    memset(&opt, 0, sizeof opt);
    opt.census = census;
    opt.dry_run = dry;
    opt.actor = "eng1";
    opt.file_name = "t.csv";
    for (int f = 0; map && f < KB_CENSUS_NFIELDS; f++)
        opt.map[f] = map[f];
    kb_census_result *r = NULL;
    kb_err err;
    kb_status rc = kb_census_import(s, csv, strlen(csv), &opt, T0, &r, &err);
    if (rc != want)
        fprintf(stderr, "import: %s\n", err.msg);
    CHECK_INT_EQ(rc, want);
    return r;
}

static size_t history_len(kb_store *s, const char *tag)
{
    kb_asset *a = NULL;
    kb_asset_history *h = NULL;
    CHECK_INT_EQ(kb_asset_get(s, tag, &a, NULL), KB_OK);
    if (!a)
        return 0;
    CHECK_INT_EQ(kb_asset_history_get(s, a, &h, NULL), KB_OK);
    size_t n = h ? h->nevents : 0;
    kb_asset_history_free(h);
    kb_asset_free(a);
    return n;
}

static void test_import(kb_store *s)
{
    static const char archive[] =
        "资产盘点表\n"
        "资产编号,类别,序列号,使用人,部门,位置,购置日期,状态\n"
        "PC-0001,台式机,SN-A1,张伟,财务部,3F,2024/3/15,在用\n"
        "PC-0002,desktop,SN-A2,李娜,财务部,3F,,\n"
        "PRN-0001,打印机,SN-P1,,人事部,5F,,备用\n"
        "NB-0001,笔记本,SN-N1,王芳,人事部,5F,,\n";
    kb_census_result *r = import(s, archive, 0, 1, NULL, KB_OK);
    CHECK(r && r->created == 4 && r->header_line == 2 && r->nchanges == 4);
    kb_census_result_free(r);
    kb_asset *a = NULL;
    CHECK_INT_EQ(kb_asset_get(s, "PC-0001", &a, NULL), KB_ENOTFOUND); /* dry */
    r = import(s, archive, 0, 0, NULL, KB_OK);
    CHECK(r && r->rows == 4 && r->created == 4 && r->bad == 0);
    kb_census_result_free(r);
    CHECK_INT_EQ(kb_asset_get(s, "pc-0001", &a, NULL), KB_OK);
    if (a) {
        CHECK_STR_EQ(a->purchase_date, "2024-03-15");
        CHECK_STR_EQ(a->user, "张伟");
        CHECK_INT_EQ(a->cls, KB_ASSET_CLASS_desktop);
    }
    kb_asset_free(a);
    r = import(s, archive, 0, 0, NULL, KB_OK);
    CHECK(r && r->unchanged == 4 && r->created == 0 && r->updated == 0 && r->nchanges == 0);
    kb_census_result_free(r);
    CHECK_INT_EQ(history_len(s, "PC-0001"), 1);

    /* a campaign: PC-0001 moved (user), PRN-0001 seen by its serial and moved (department),
     * NB-0001 missing, PC-0003 new; bad rows keep their lines */
    kb_census *c = NULL;
    CHECK_INT_EQ(kb_census_create(s, "2026 Q4 盘点", "eng1", T0, &c, NULL), KB_OK);
    CHECK_INT_EQ(kb_census_create(s, "2026 q4 盘点", "eng1", T0, NULL, NULL), KB_EEXIST);
    CHECK_INT_EQ(kb_census_create(s, " ", "eng1", T0, NULL, NULL), KB_EINVAL);
    long long id = c ? c->id : 0;
    kb_census_free(c);
    static const char census[] =
        "资产编号,类别,序列号,使用人,部门,位置\n"
        "PC-0001,,,赵敏,,\n"
        "PC-0002,,sn-a2,,,\n"
        ",,sn-p1,,行政部,\n"
        "PC-0003,台式机,SN-A3,孙杰,行政部,7F\n"
        "PC-0002,,,,,\n"
        "PC-0004,,SN-A1,,,\n"
        ",,,,,x\n"
        "BAD TAG,台式机,,,,\n"
        "PC-0005,飞船,,,,\n"
        ",,SN-NONE,,,\n";
    r = import(s, census, id, 0, NULL, KB_OK);
    CHECK(r && r->rows == 10 && r->created == 1 && r->updated == 2 && r->unchanged == 1 &&
          r->bad == 6 && r->seen_new == 4);
    if (r && r->nproblems == 6) {
        const size_t lines[] = { 6, 7, 8, 9, 10, 11 };
        for (int i = 0; i < 6; i++)
            CHECK_INT_EQ(r->problems[i].line, lines[i]);
        CHECK(strstr(r->problems[0].msg, "line 6: asset 'PC-0002' is on line 3 already"));
        CHECK(strstr(r->problems[0].msg_zh, "第 6 行"));
        CHECK(strstr(r->problems[1].msg, "belongs to asset 'PC-0001'"));
        CHECK(strstr(r->problems[2].msg, "no tag and no serial"));
        CHECK(strstr(r->problems[3].msg, "not an asset tag"));
        CHECK(strstr(r->problems[4].msg, "not a class"));
        CHECK(strstr(r->problems[5].msg, "no asset has the serial number"));
    }
    kb_census_result_free(r);
    CHECK_INT_EQ(history_len(s, "PC-0001"), 2);
    CHECK_INT_EQ(kb_asset_get(s, "PC-0002", &a, NULL), KB_OK);
    if (a)
        CHECK_STR_EQ(a->serial, "SN-A2"); /* matched in another case: kept */
    kb_asset_free(a);
    r = import(s, census, id, 0, NULL, KB_OK);
    CHECK(r && r->created == 0 && r->updated == 0 && r->unchanged == 4 && r->seen_new == 0);
    kb_census_result_free(r);
    CHECK_INT_EQ(history_len(s, "PC-0001"), 2);

    kb_census_report *rep = NULL;
    CHECK_INT_EQ(kb_census_report_get(s, id, &rep, NULL), KB_OK);
    if (rep) {
        CHECK(rep->found == 4 && rep->missing == 1 && rep->moved == 2 && rep->added == 1);
        CHECK_INT_EQ(rep->ndepts, 3); /* 人事部 (missing), 行政部, 财务部 */
        CHECK_INT_EQ(rep->nimports, 1);
    }
    kb_census_report_free(rep);
    CHECK_INT_EQ(kb_census_report_get(s, id + 1, &rep, NULL), KB_ENOTFOUND);
    kb_census_items *l = NULL;
    CHECK_INT_EQ(kb_census_assets(s, id, KB_CENSUS_LIST_missing, NULL, 0, 0, &l, NULL), KB_OK);
    CHECK(l && l->total == 1 && l->n == 1 && strcmp(l->items[0].tag, "NB-0001") == 0);
    kb_census_items_free(l);
    CHECK_INT_EQ(kb_census_assets(s, id, KB_CENSUS_LIST_moved, NULL, 0, 0, &l, NULL), KB_OK);
    CHECK(l && l->total == 2 && l->n == 2);
    for (size_t i = 0; l && i < l->n; i++) {
        const kb_census_item *m = &l->items[i];
        if (strcmp(m->tag, "PRN-0001") == 0)
            CHECK(strcmp(m->was_department, "人事部") == 0 &&
                  strcmp(m->department, "行政部") == 0);
        else
            CHECK(strcmp(m->tag, "PC-0001") == 0 && strcmp(m->was_user, "张伟") == 0 &&
                  strcmp(m->user, "赵敏") == 0);
    }
    kb_census_items_free(l);
    /* one department; pages */
    CHECK_INT_EQ(kb_census_assets(s, id, KB_CENSUS_LIST_found, "行政部", 0, 0, &l, NULL), KB_OK);
    CHECK(l && l->total == 2 && l->n == 2);
    kb_census_items_free(l);
    CHECK_INT_EQ(kb_census_assets(s, id, KB_CENSUS_LIST_found, "", 3, 2, &l, NULL), KB_OK);
    CHECK(l && l->total == 4 && l->n == 2);
    kb_census_items_free(l);
    CHECK_INT_EQ(kb_census_assets(s, id, KB_CENSUS_LIST_missing, "行政部", 0, 0, &l, NULL),
                 KB_OK);
    CHECK(l && l->total == 0 && l->n == 0);
    kb_census_items_free(l);
    CHECK_INT_EQ(kb_census_assets(s, id + 1, KB_CENSUS_LIST_found, NULL, 0, 0, &l, NULL),
                 KB_ENOTFOUND);
    CHECK(l == NULL);
    CHECK_INT_EQ(kb_census_list_of("moved"), KB_CENSUS_LIST_moved);
    CHECK_INT_EQ(kb_census_list_of("all"), -1);

    /* an explicit mapping; whole-file errors */
    const char *map[KB_CENSUS_NFIELDS] = { NULL };
    map[F(tag)] = "编号";
    map[F(location)] = "放在";
    r = import(s, "编号,放在,序列号\nPC-0002,仓库,\n", 0, 1, map, KB_OK);
    CHECK(r && r->updated == 1 && r->ncolumns == 3 && r->columns[0].field == F(tag) &&
          r->columns[0].mapped && r->columns[2].field == F(serial) && !r->columns[2].mapped);
    kb_census_result_free(r);
    map[F(location)] = "";
    r = import(s, "编号,放在,位置,类别\nPC-0002,仓库,4F,desktop\n", 0, 1, map, KB_OK);
    CHECK(r && r->columns[1].field == -1 && r->columns[2].field == -1);
    kb_census_result_free(r);
    map[F(location)] = "没有";
    r = import(s, "编号,放在\nPC-0002,仓库\n", 0, 1, map, KB_EINVAL);
    kb_census_result_free(r);
    r = import(s, "标签,资产编号,类别\nX,Y,desktop\n", 0, 1, NULL, KB_EINVAL);
    kb_census_result_free(r);
    r = import(s, "a,b\n1,2\n", 0, 1, NULL, KB_EINVAL);
    kb_census_result_free(r);
    r = import(s, "资产编号,类别\nX-1,desktop\n", id + 7, 1, NULL, KB_ENOTFOUND);
    kb_census_result_free(r);
    r = import(s, "资产编号,状态\nPC-0001,报废\n", 0, 1, NULL, KB_OK);
    CHECK(r && r->bad == 1 && strstr(r->problems[0].msg, "cannot scrap"));
    kb_census_result_free(r);
}

int main(void)
{
    test_headers();
    test_values();
    fixture fx;
    if (fixture_open(&fx, "census") != 0)
        return CHECK_DONE("test_census");
    test_import(fx.s);
    fixture_close(&fx);
    return CHECK_DONE("test_census");
}
