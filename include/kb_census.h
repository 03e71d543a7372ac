#ifndef KB_CENSUS_H
#define KB_CENSUS_H
#include <stddef.h>

#include "kb_err.h"
#include "kb_store.h"

/* The census (资产盘点): assets imported from a spreadsheet export (CSV in UTF-8 or GBK,
 * .xlsx, .xls; read by kb_sheet) into the asset archive (kb_asset.h), and census campaigns
 * ("2026 Q4 盘点") that imports belong to, which tell per department what was found, what
 * is missing and what moved.
 *
 * The file: a header row (the first of the first KB_CENSUS_HEADER_ROWS rows that names a
 * tag or serial column and at least one other known column; rows above it, a title, are
 * skipped), then one asset a row. Headers are recognised in Chinese and English
 * (kb_census_field_of_header); an explicit mapping (kb_census_options.map) names the
 * header of a field instead, or leaves a field out. Unknown columns are ignored.
 *
 * A row is matched to an asset by its tag (any ASCII case), else by its serial number (any
 * ASCII case; exactly one asset must have it). A matched asset takes the row's non-empty
 * cells (an empty cell leaves its field as it is); a row with a tag that matches nothing
 * adds an asset (it needs a class). Bad rows are reported with their line (Excel's row
 * number, or the CSV line) and skipped: a bad tag, class, status or date, a field too long,
 * no tag and no serial, a serial that belongs to another asset than the tag, a serial on
 * several assets, an asset that an earlier row of the file matched, a scrapped asset (only
 * an admin changes it). Importing the same file again changes nothing and adds no history.
 *
 * Values: class and status in English (kb_asset.h names) or Chinese (台式机, 笔记本, 打印机
 * ...; 在用, 备用, 维修, 借出); the status scrapped is refused (scrapping needs an approver).
 * Dates as 2026-03-15, 2026/3/15, 2026.3.15, 2026年3月15日 or 20260315.
 *
 * The rules are in kb/census.c, the import and the campaigns' SQL in kb/store_census.c.
 * Changes to assets are recorded in their history and audited as any change
 * (asset.create, asset.update); campaigns as census.create, an import that changed
 * something as census.import (object "census:<id>") or asset.import without a campaign. */

#define KB_CENSUS_MAX_BYTES (8u << 20)   /* the file */
#define KB_CENSUS_MAX_ROWS 20000u        /* rows read, the header and the rows above it too */
#define KB_CENSUS_MAX_COLS 200u          /* columns of the header row */
#define KB_CENSUS_MAX_CELL 2000u         /* bytes of one cell */
#define KB_CENSUS_HEADER_ROWS 10u        /* where the header row is looked for */
#define KB_CENSUS_MAX_NAME 100u          /* bytes of a campaign's name */
#define KB_CENSUS_MAX_FILE_NAME 255u     /* bytes of the file name recorded */
#define KB_CENSUS_MAX_PROBLEMS 200u      /* bad rows described in a result */
#define KB_CENSUS_MAX_CHANGES 1000u      /* changed rows described in a result */
#define KB_CENSUS_DEF_LIMIT 50u          /* assets in a page of a campaign's list */
#define KB_CENSUS_MAX_LIMIT 500u         /* and the most */
#define KB_CENSUS_MAX_CAMPAIGNS 200u     /* campaigns listed, newest first */

/* The fields a column fills, one row each: X(name). tag and serial match rows to assets;
 * cpu, memory, disk and os are the specs. */
#define KB_CENSUS_FIELDS(X)                                                                    \
    X(tag) X(serial) X(class) X(brand) X(model) X(user) X(department) X(location)             \
    X(supplier) X(purchase_date) X(warranty_end) X(status) X(cpu) X(memory) X(disk) X(os)     \
    X(notes)

#define KB_CENSUS_X_ENUM(name) KB_CENSUS_F_##name,
typedef enum { KB_CENSUS_FIELDS(KB_CENSUS_X_ENUM) KB_CENSUS_NFIELDS } kb_census_field;

/* "tag", "purchase_date" ...; NULL out of range. */
const char *kb_census_field_name(int f);
/* The field named name (as kb_census_field_name gives it), or -1. */
int kb_census_field_of(const char *name);
/* The field a header names by default, ASCII case, spaces, tabs, full-width spaces, '_',
 * '-', '.', '/' and a '*' (required-column mark) ignored: 资产编号 资产标签 标签 tag assettag
 * assetno; 序列号 sn serial serialnumber; 类别 资产类别 设备类型 class category type; 品牌
 * 厂商 brand manufacturer make; 型号 规格型号 model; 使用人 使用者 用户 责任人 user owner;
 * 部门 使用部门 department dept; 位置 存放地点 地点 location site; 供应商 supplier vendor;
 * 购置日期 购买日期 采购日期 purchasedate; 保修截止 保修到期 warrantyend warranty; 状态
 * 使用状态 status; CPU 处理器; 内存 memory ram; 硬盘 disk; 操作系统 os; 备注 notes remarks
 * ... -1 for anything else. */
int kb_census_field_of_header(const char *header);
/* 1 when the two headers are the same after the normalisation above. */
int kb_census_header_same(const char *a, const char *b);
/* The asset class of a cell (English names, ASCII case and ' '/'-' for '_' allowed, or
 * Chinese: 台式机 台式电脑 笔记本 打印机 显示器 交换机 路由器 网络设备 电话 服务器 外设
 * 扫描仪 投影仪 软件 软件许可 其他 ...), or -1. */
int kb_census_class_of(const char *cell);
/* The asset status of a cell (English names or 在用 使用中 备用 闲置 库存 维修 维修中 送修
 * 借出 外借 报废 已报废), or -1. */
int kb_census_status_of(const char *cell);
/* The day a cell gives (see above; white space at the ends ignored) as "yyyy-mm-dd" into
 * out; 0 when it gives none or no real day. */
int kb_census_day(const char *cell, char out[11]);

/* How to import. NULL strings take the defaults. */
typedef struct {
    long long census;        /* the campaign the import belongs to; 0 none */
    const char *charset;     /* CSV: a character set; NULL finds UTF-8 or GB18030 out */
    const char *sheet;       /* .xlsx/.xls: the sheet's name; NULL the first */
    const char *map[KB_CENSUS_NFIELDS]; /* explicit: the header of field f; "" leaves the
                                           field out; NULL the default header names */
    const char *file_name;   /* recorded with the import; NULL "file" */
    const char *actor;       /* who; NULL or "" "anonymous" */
    int admin;               /* the actor is an admin (may change a scrapped asset) */
    int dry_run;             /* work it all out, then roll everything back */
} kb_census_options;

/* One column of the header row. */
typedef struct {
    char *header;            /* as in the file */
    size_t column;           /* 1-based */
    int field;               /* kb_census_field, -1 ignored */
    int mapped;              /* the field comes from the explicit mapping */
} kb_census_column;

/* One field a row changes ("" for nothing). */
typedef struct {
    int field;
    char *from, *to;
} kb_census_delta;

typedef struct {
    size_t line;
    char *tag;
    int created;             /* 1 a new asset, 0 a change */
    kb_census_delta *deltas;
    size_t ndeltas;
} kb_census_change;

/* One bad row: its line and why, in English and Chinese ("line 7: ..."). */
typedef struct {
    size_t line;
    char msg[256];
    char msg_zh[384];
} kb_census_problem;

/* What an import did (or, dry, would do). Freed with kb_census_result_free(). */
typedef struct {
    const char *format;      /* "csv", "xlsx", "xls" */
    char *charset;           /* as kb_sheet_charset */
    char *sheet;             /* the sheet read ("" for CSV) */
    size_t header_line;
    kb_census_column *columns;
    size_t ncolumns;
    size_t rows;             /* data rows read */
    size_t created, updated, unchanged, bad;
    size_t seen_new;         /* campaign: assets seen for the first time in it */
    kb_census_change *changes; /* the first KB_CENSUS_MAX_CHANGES, in file order */
    size_t nchanges;
    kb_census_problem *problems; /* the first KB_CENSUS_MAX_PROBLEMS */
    size_t nproblems;
    char sha256[65];         /* of the file */
} kb_census_result;

/* Imports data[0..len) (borrowed) at time now, all in one transaction (rolled back with
 * opt->dry_run, so that the result shows what would change). Errors for the whole file,
 * nothing imported: KB_ETOOBIG past a limit above (or kb_sheet's), KB_EPARSE for a file
 * that is no spreadsheet, KB_EINVAL for no header row, a mapped header the file does not
 * have, two columns for one field, an unknown charset, KB_ENOTFOUND for an unknown sheet
 * or campaign, KB_EDB. On KB_OK *out is the result. */
kb_status kb_census_import(kb_store *s, const char *data, size_t len,
                           const kb_census_options *opt, long long now,
                           kb_census_result **out, kb_err *err);
void kb_census_result_free(kb_census_result *r);

/* --- campaigns --- */

typedef struct {
    long long id;
    char *name;
    char *created_by;
    long long created_at;
    size_t imports;          /* imports that changed something or read a new file */
    size_t seen;             /* assets seen */
} kb_census;

/* Starts campaign name (1..KB_CENSUS_MAX_NAME bytes, one line; trimmed). KB_EINVAL for a
 * bad name, KB_EEXIST when a campaign has it (any ASCII case). *out (may be NULL) is the
 * campaign; free with kb_census_free(). */
kb_status kb_census_create(kb_store *s, const char *name, const char *actor, long long now,
                           kb_census **out, kb_err *err);
/* The campaign with id, or with name (any ASCII case); KB_ENOTFOUND when there is none. */
kb_status kb_census_get(kb_store *s, long long id, kb_census **out, kb_err *err);
kb_status kb_census_find(kb_store *s, const char *name, kb_census **out, kb_err *err);
void kb_census_free(kb_census *c);
/* The newest KB_CENSUS_MAX_CAMPAIGNS campaigns, newest first: *out (n of them) freed with
 * kb_census_list_free(). */
kb_status kb_census_list(kb_store *s, kb_census ***out, size_t *n, kb_err *err);
void kb_census_list_free(kb_census **v, size_t n);

/* An asset in a report: where the census saw it and where the archive had it before. */
typedef struct {
    char *tag, *cls, *model;
    char *department, *location, *user;          /* seen (missing: the archive's) */
    char *was_department, *was_location, *was_user; /* before the census saw it */
    int is_new;              /* the census added it to the archive */
    size_t line;             /* the row that saw it; 0 missing */
    long long seen_at;
    char *seen_by;
} kb_census_item;

typedef struct {
    char *department;        /* "" for assets without one */
    size_t found, missing, moved, added;
} kb_census_dept;

typedef struct {
    long long at;
    char *actor, *file_name, *format, *sha256;
    size_t rows, created, updated, unchanged, bad;
} kb_census_import_log;

/* A campaign's report: the summary per department and the imports. */
typedef struct {
    kb_census *census;
    kb_census_dept *depts;   /* every department with an asset found or missing, by name */
    size_t ndepts;
    size_t found, missing, moved, added; /* over all departments */
    kb_census_import_log *imports; /* oldest first */
    size_t nimports;
} kb_census_report;

/* The report of campaign id; KB_ENOTFOUND for no such campaign. Free with
 * kb_census_report_free(). */
kb_status kb_census_report_get(kb_store *s, long long id, kb_census_report **out, kb_err *err);
void kb_census_report_free(kb_census_report *r);

/* The lists of a campaign, X(name): found (seen by the campaign, by the department seen),
 * missing (not scrapped, never seen, by the archive's department), moved (seen with another
 * department, location or user than the archive had when the campaign first saw it). */
#define KB_CENSUS_LISTS(X) X(found) X(missing) X(moved)
#define KB_CENSUS_X_LIST(name) KB_CENSUS_LIST_##name,
typedef enum { KB_CENSUS_LISTS(KB_CENSUS_X_LIST) KB_CENSUS_NLISTS } kb_census_list_kind;
/* "found", "missing", "moved"; NULL out of range. The list named name, or -1. */
const char *kb_census_list_name(int which);
int kb_census_list_of(const char *name);

/* One page of a list: the assets ordered by department and tag. */
typedef struct {
    kb_census_item *items;
    size_t n;
    long long total;         /* over all pages */
} kb_census_items;

/* Page offset/limit (0: KB_CENSUS_DEF_LIMIT; at most KB_CENSUS_MAX_LIMIT) of list which of
 * campaign id, only department's assets unless department is NULL or "". KB_ENOTFOUND for
 * no such campaign. Free with kb_census_items_free(). */
kb_status kb_census_assets(kb_store *s, long long id, int which, const char *department,
                           size_t limit, size_t offset, kb_census_items **out, kb_err *err);
void kb_census_items_free(kb_census_items *l);

#endif
