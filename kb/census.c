/* The census's rules: the fields a column fills, the header names recognised by default,
 * and the values of class, status and dates as exports write them. The import and the
 * campaigns are in kb/store_census.c. See include/kb_census.h. */
#include "kb_census.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kb_alloc.h"
#include "kb_asset.h"
#include "kb_buf.h"
#include "kb_csv.h"
#include "kb_date.h"

#define X_NAME(name) #name,
static const char *const field_names[] = { KB_CENSUS_FIELDS(X_NAME) };
static const char *const list_names[] = { KB_CENSUS_LISTS(X_NAME) };

const char *kb_census_list_name(int which)
{
    return which >= 0 && which < KB_CENSUS_NLISTS ? list_names[which] : NULL;
}

int kb_census_list_of(const char *name)
{
    for (int i = 0; name && i < KB_CENSUS_NLISTS; i++)
        if (strcmp(list_names[i], name) == 0)
            return i;
    return -1;
}

const char *kb_census_field_name(int f)
{
    return f >= 0 && f < KB_CENSUS_NFIELDS ? field_names[f] : NULL;
}

int kb_census_field_of(const char *name)
{
    for (int i = 0; name && i < KB_CENSUS_NFIELDS; i++)
        if (strcmp(field_names[i], name) == 0)
            return i;
    return -1;
}

#define FULL_SPACE "\xe3\x80\x80" /* U+3000 */

/* The header as compared: ASCII lower case without the marks that exports vary in. */
static void header_key(const char *h, kb_buf *out)
{
    kb_buf_reset(out);
    if (strncmp(h, KB_CSV_BOM, 3) == 0)
        h += 3;
    for (const char *p = h; *p; p++) {
        if (strncmp(p, FULL_SPACE, 3) == 0) {
            p += 2;
            continue;
        }
        if (strchr(" \t\r\n_-./*", *p))
            continue;
        kb_buf_addc(out, *p >= 'A' && *p <= 'Z' ? (char)(*p | 0x20) : *p);
    }
}

int kb_census_header_same(const char *a, const char *b)
{
    kb_buf ka, kb;
    kb_buf_init(&ka, 0);
    kb_buf_init(&kb, 0);
    header_key(a, &ka);
    header_key(b, &kb);
    int same = ka.len == kb.len && memcmp(kb_buf_str(&ka), kb_buf_str(&kb), ka.len) == 0;
    kb_buf_free(&ka);
    kb_buf_free(&kb);
    return same;
}

#define F(name) KB_CENSUS_F_##name
static const struct {
    const char *key; /* as header_key leaves it */
    int field;
} headers[] = {
    { "资产编号", F(tag) }, { "资产标签", F(tag) }, { "资产号", F(tag) }, { "标签", F(tag) },
    { "标签号", F(tag) }, { "固定资产编号", F(tag) }, { "tag", F(tag) },
    { "assettag", F(tag) }, { "assetno", F(tag) }, { "assetnumber", F(tag) },
    { "assetid", F(tag) },
    { "序列号", F(serial) }, { "设备序列号", F(serial) }, { "出厂编号", F(serial) },
    { "sn", F(serial) }, { "serial", F(serial) }, { "serialno", F(serial) },
    { "serialnumber", F(serial) },
    { "类别", F(class) }, { "资产类别", F(class) }, { "设备类型", F(class) },
    { "类型", F(class) }, { "资产类型", F(class) }, { "class", F(class) },
    { "category", F(class) }, { "type", F(class) }, { "assetclass", F(class) },
    { "品牌", F(brand) }, { "厂商", F(brand) }, { "厂家", F(brand) }, { "制造商", F(brand) },
    { "brand", F(brand) }, { "manufacturer", F(brand) }, { "make", F(brand) },
    { "型号", F(model) }, { "规格型号", F(model) }, { "设备型号", F(model) },
    { "model", F(model) },
    { "使用人", F(user) }, { "使用者", F(user) }, { "用户", F(user) }, { "责任人", F(user) },
    { "保管人", F(user) }, { "user", F(user) }, { "owner", F(user) },
    { "assignedto", F(user) },
    { "部门", F(department) }, { "使用部门", F(department) }, { "所属部门", F(department) },
    { "department", F(department) }, { "dept", F(department) },
    { "位置", F(location) }, { "存放地点", F(location) }, { "存放位置", F(location) },
    { "地点", F(location) }, { "使用地点", F(location) }, { "location", F(location) },
    { "site", F(location) },
    { "供应商", F(supplier) }, { "supplier", F(supplier) }, { "vendor", F(supplier) },
    { "购置日期", F(purchase_date) }, { "购买日期", F(purchase_date) },
    { "采购日期", F(purchase_date) }, { "购入日期", F(purchase_date) },
    { "purchasedate", F(purchase_date) }, { "purchased", F(purchase_date) },
    { "保修截止", F(warranty_end) }, { "保修截止日期", F(warranty_end) },
    { "保修到期", F(warranty_end) }, { "保修到期日", F(warranty_end) },
    { "保修期至", F(warranty_end) }, { "warrantyend", F(warranty_end) },
    { "warranty", F(warranty_end) }, { "warrantyexpiry", F(warranty_end) },
    { "状态", F(status) }, { "使用状态", F(status) }, { "资产状态", F(status) },
    { "status", F(status) },
    { "cpu", F(cpu) }, { "处理器", F(cpu) },
    { "内存", F(memory) }, { "memory", F(memory) }, { "ram", F(memory) },
    { "硬盘", F(disk) }, { "disk", F(disk) }, { "storage", F(disk) },
    { "操作系统", F(os) }, { "os", F(os) }, { "operatingsystem", F(os) },
    { "备注", F(notes) }, { "说明", F(notes) }, { "notes", F(notes) }, { "note", F(notes) },
    { "remarks", F(notes) }, { "remark", F(notes) }, { "comment", F(notes) },
};

int kb_census_field_of_header(const char *header)
{
    kb_buf k;
    kb_buf_init(&k, 0);
    header_key(header, &k);
    int f = -1;
    for (size_t i = 0; f < 0 && i < sizeof headers / sizeof headers[0]; i++)
        if (strcmp(kb_buf_str(&k), headers[i].key) == 0)
            f = headers[i].field;
    kb_buf_free(&k);
    return f;
}

/* The cell without white space (ASCII and full-width) at its ends, as a new string. */
static char *trimmed(const char *cell)
{
    while (*cell == ' ' || *cell == '\t' || strncmp(cell, FULL_SPACE, 3) == 0)
        cell += *cell == ' ' || *cell == '\t' ? 1 : 3;
    size_t len = strlen(cell);
    for (;;) {
        if (len && (cell[len - 1] == ' ' || cell[len - 1] == '\t'))
            len--;
        else if (len >= 3 && memcmp(cell + len - 3, FULL_SPACE, 3) == 0)
            len -= 3;
        else
            break;
    }
    return kb_xstrndup(cell, len);
}

/* The value of a cell: an English name (ASCII case, ' ' and '-' for '_') or one of the
 * words (written in lower case), through of. */
static int word_of(const char *cell, const char *const (*words)[2], size_t n,
                   int (*of)(const char *))
{
    char *v = trimmed(cell);
    for (char *p = v; *p; p++)
        *p = *p == ' ' || *p == '-' ? '_' : *p >= 'A' && *p <= 'Z' ? (char)(*p | 0x20) : *p;
    int r = of(v);
    for (size_t i = 0; r < 0 && i < n; i++)
        if (strcmp(v, words[i][0]) == 0)
            r = of(words[i][1]);
    free(v);
    return r;
}

static const char *const class_words[][2] = {
    { "台式机", "desktop" }, { "台式电脑", "desktop" }, { "台式", "desktop" },
    { "电脑主机", "desktop" }, { "主机", "desktop" }, { "pc", "desktop" },
    { "笔记本", "laptop" }, { "笔记本电脑", "laptop" }, { "notebook", "laptop" },
    { "打印机", "printer" }, { "复印机", "printer" }, { "多功能一体机", "printer" },
    { "一体机", "printer" }, { "显示器", "monitor" }, { "网络设备", "network_device" },
    { "交换机", "network_device" }, { "路由器", "network_device" },
    { "防火墙", "network_device" }, { "无线ap", "network_device" },
    { "network", "network_device" }, { "电话", "phone" }, { "话机", "phone" },
    { "ip电话", "phone" }, { "手机", "phone" }, { "服务器", "server" },
    { "外设", "peripheral" }, { "扫描仪", "peripheral" }, { "投影仪", "peripheral" },
    { "软件", "software_licence" }, { "软件许可", "software_licence" },
    { "软件授权", "software_licence" }, { "software", "software_licence" },
    { "software_license", "software_licence" }, { "其他", "other" }, { "其它", "other" },
};

static const char *const status_words[][2] = {
    { "在用", "in_use" }, { "使用中", "in_use" }, { "正常", "in_use" }, { "备用", "spare" },
    { "闲置", "spare" }, { "库存", "spare" }, { "维修", "in_repair" },
    { "维修中", "in_repair" }, { "送修", "in_repair" }, { "借出", "lent" },
    { "外借", "lent" }, { "报废", "scrapped" }, { "已报废", "scrapped" },
};

int kb_census_class_of(const char *cell)
{
    return word_of(cell, class_words, sizeof class_words / sizeof class_words[0],
                   kb_asset_class_of);
}

int kb_census_status_of(const char *cell)
{
    return word_of(cell, status_words, sizeof status_words / sizeof status_words[0],
                   kb_asset_status_of);
}

/* Digits at *p (at most max of them, at least one) as a number; moves *p past them. */
static int number(const char **p, int max, int *out)
{
    int n = 0, v = 0;
    while (**p >= '0' && **p <= '9' && n < max) {
        v = v * 10 + (**p - '0');
        (*p)++;
        n++;
    }
    *out = v;
    return n > 0;
}

/* A separator at *p: '-', '/', '.', or the Chinese 年 and 月 (which); moves past it. */
static int separator(const char **p, const char *chinese)
{
    if (**p == '-' || **p == '/' || **p == '.') {
        (*p)++;
        return 1;
    }
    size_t len = strlen(chinese);
    if (strncmp(*p, chinese, len) == 0) {
        *p += len;
        return 1;
    }
    return 0;
}

int kb_census_day(const char *cell, char out[11])
{
    char *v = trimmed(cell);
    const char *p = v;
    int y = 0, m = 0, d = 0, ok = 0;
    size_t len = strlen(v);
    if (len == 8 && strspn(v, "0123456789") == 8) {
        ok = sscanf(v, "%4d%2d%2d", &y, &m, &d) == 3;
    } else if (number(&p, 4, &y) && p - v == 4 && separator(&p, "年") && number(&p, 2, &m) &&
               separator(&p, "月") && number(&p, 2, &d)) {
        if (strcmp(p, "日") == 0 || strcmp(p, "号") == 0)
            p += 3;
        ok = *p == '\0';
    }
    free(v);
    if (!ok || y < 1900 || m < 1 || m > 12 || d < 1 || d > 31)
        return 0;
    char day[KB_DATE_LEN];
    snprintf(day, sizeof day, "%04d-%02d-%02d", y, m, d);
    if (!kb_date_valid(day))
        return 0;
    memcpy(out, day, 11);
    return 1;
}
